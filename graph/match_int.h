/*
 * match_int.h - the matcher's private state, shared by the files of the
 * matcher (match_config.c, match_score.c, match_people.c, match_explain.c,
 * match_pivot.c, match_batch.c)
 * and by nothing else: callers use graph/match.h.
 */
#ifndef KG_MATCH_INT_H
#define KG_MATCH_INT_H

#include <math.h>
#include <stdio.h>

#include "core/text.h"
#include "graph/graph_int.h"
#include "graph/match.h"
#include "graph/rank.h"

/* Vertices a path search may visit before it gives up (matcher.bfs_limit
 * 0; a test sets a smaller one to reach the fallback on a small graph). */
#define MATCH_BFS_LIMIT 2000000
#define MATCH_IXV_NONE UINT32_MAX /* matcher.ixvert: no record vertex */

/* A vertex and its score, for bounded selections. */
struct scored {
    double s;
    uint32_t v;
    const char *id; /* tie-break, ascending */
};

/* A main IPC group ("C22B 7") that classifies the query: the patents
 * among its best by text that hold it (best first), their share of the
 * pivot's weight, and one code vertex of the group (match_pivot.c). */
#define MATCH_PIVOT_MAX 8
#define MATCH_PIVOT_FROM 5
#define MATCH_PIVOT_KEY 24
struct match_pivot {
    char key[MATCH_PIVOT_KEY];
    double w;
    uint32_t code;
    uint32_t from[MATCH_PIVOT_FROM];
    size_t nfrom;
};

/* A record's absolute evidence for the query, in one place (the passes
 * over the query's postings touch one cache line per record): */
struct match_abs {
    double cos0;   /* cosine to the unexpanded query */
    double cov;    /* share of the unexpanded query's weight held */
    double covmax; /* ... by the record's strongest shared own term */
    double covown; /* ... through the need's own (untranslated) terms */
};

struct dict;

struct matcher {
    const struct graph *g;
    void *arena; /* the arrays below by record, one zeroed mapping */
    size_t arena_len;
    void *sparse; /* ... by term or vertex, and heap and tlist */
    size_t sparse_len;
    struct match_config c;
    uint32_t range; /* records a range of the text accumulations: MATCH_RANGE
                       (match_set_range in tests) */
    double pw_text, pw_graph, pw_fit; /* the part weights of experts and
                                         institutions (sum 1) */
    uint32_t *pool[KG_KIND_COUNT];    /* vertices of each kind */
    size_t npool[KG_KIND_COUNT];
    double *sim;      /* cosine to the (expanded) query, by vertex */
    uint32_t *stouch; /* records with sim > 0 */
    size_t nstouch;
    double *tz;    /* text z-score, by vertex */
    double *tzp;   /* an item's z that people aggregate (bmz: else tz) */
    bool bmz;      /* BM25 scored this query: tzp is set */
    bool *thas;    /* the vertex has a text z-score */
    bool *tev;     /* ... and shares terms with the (expanded) query */
    double *tbest; /* a person's best cosine behind it (match_tbest) */
    bool has_known[KG_KIND_COUNT]; /* thas of the items of a kind is set */
    struct match_abs *ab;          /* absolute evidence, by vertex */
    uint32_t *c0list;              /* records with cos0 > 0 */
    size_t nc0list;
    double qcos, qcov; /* the best cos0 and cov over the items */
    double qbreadth;   /* the best cov - covmax over the items */
    double qlength;    /* log(1 + the need's distinct words) */
    size_t qmissing;   /* distinct words of a text need the store lacks */
    double qknown;     /* share of a text need's weight in the store's terms */
    double *bm;        /* BM25 of the query against a record, by vertex */
    uint32_t *btouch;  /* records with bm > 0 */
    size_t nbtouch;
    struct index *ix; /* for BM25, not owned (NULL: none) */
    uint32_t *ixvert; /* ix's documents' vertices, looked up once: 0 not yet,
                         MATCH_IXV_NONE none, else vertex + 1 */
    size_t nixvert;
    int64_t ixdelta[KG_KIND_COUNT]; /* last vertex - document, by kind */
    double *gz;                /* graph z-score, by vertex (valid where ghas) */
    bool *ghas;                /* the vertex has graph evidence */
    double gz0[KG_KIND_COUNT]; /* graph z-score of an unreached item */
    double *score;             /* final score, by vertex */
    double *tpart, *gpart;     /* weighted text and graph parts, by vertex */
    double *evid;              /* the evidence (text + graph + fit parts) */
    double *ord; /* the candidates' order: evid with its text part from
                    the z-score times zf (evid itself where zf is 1) */
    double zf[KG_KIND_COUNT]; /* the scale of a kind's text z-scores in ord
                                 (squash.best / the best one, or 1) */
    double *q, *q2;           /* dense query vectors over terms */
    uint32_t *qt, *q2t;
    size_t nqt, nq2t;
    size_t nqown; /* qt[0..nqown): the need's own terms, then translations */
    uint8_t *q2mark;
    float *dmark; /* concepts next to the demand: their weight */
    uint32_t *dlist;
    size_t ndlist;
    uint8_t *tie;        /* institutions tied to the demand's enterprise */
    double *ireg;        /* institutions: region fit (-1 unknown) */
    double recency[256]; /* 0.5^(age / halflife) by age in years */
    struct scored *heap; /* selections: expansion items, top N */
    uint32_t *tlist;
    size_t ntlist;
    uint32_t
        *parent;     /* the query's BFS (match_explain.c): queue[0..bfs_tail) */
    uint32_t *queue; /* seen, queue[0..bfs_head) expanded; plainly: */
    uint8_t *seen;   /* bfs_u's edges [bfs_next, bfs_end) still to see, */
    size_t bfs_head, bfs_tail; /* else by level (bfs_level: the last) */
    uint64_t bfs_next, bfs_end;
    uint32_t bfs_u;
    unsigned bfs_level;
    bool bfs_plain;
    size_t bfs_limit;       /* 0: MATCH_BFS_LIMIT */
    uint32_t *pos;          /* LK's vertices: their places in the queue, */
    unsigned bfs_pos_level; /* for LK = bfs_pos_level - 1 (0: none) */
    uint64_t bfs_ledges;    /* ... and LK's edges (reach_ahead) */
    size_t bfs_ahead;       /* hits reach_ahead found (for tests) */
    bool bfs_ahead_always;  /* tests: reach_ahead whatever it costs */
    struct rank_ppr *ppr;
    struct people_sums *people; /* match_people.c: on first use */
    struct text *text;
    void *brk;          /* ICU word break for explanations (match_explain.c) */
    struct dict *words; /* CC-CEDICT's headwords for the path's concept */
    bool words_tried;   /* (opened on first need; NULL: not there) */
    struct text_tokens tk;
    char errbuf[256];
    struct match_pivot pivot[MATCH_PIVOT_MAX]; /* the query's IPC groups */
    size_t npivot;
    uint32_t *pvert; /* their code vertices, restart seeds of weight pw */
    double *pw;
    size_t npv, cappv;
    /* current query */
    uint32_t demand, enterprise;
    const char *qtext;
    double deadline; /* kg_monotonic() time to give up at; 0: none */
};

/* KG_ETIMEOUT (with the message set) once m's deadline has passed: the
 * scoring calls it between passes and every few thousand candidates, where
 * stopping leaves nothing half-done that the next query would see. */
static inline kg_status match_check_time(struct matcher *m)
{
    if (!(m->deadline > 0) || kg_monotonic() < m->deadline)
        return KG_OK;
    snprintf(m->errbuf, sizeof m->errbuf, "stopped at the deadline");
    return KG_ETIMEOUT;
}

/* The larger of a and b, neither NaN: fmax() without its libm call (the
 * two differ only on NaN and on the sign of a zero, which no comparison
 * or sum of the matcher's non-negative scores sees). */
static inline double match_larger(double a, double b)
{
    return b > a ? b : a;
}

static inline bool match_is_item(unsigned kind)
{
    return kind == KG_ACHIEVEMENT || kind == KG_PATENT;
}

/* The best cosine behind a record with a text z-score: an item's own, or
 * the best of a person's items (and profile). */
static inline double match_tbest(const struct matcher *m, uint32_t v)
{
    return match_is_item(m->g->vkind[v]) ? m->sim[v] : m->tbest[v];
}

/* The items' text z-scores as people aggregate them, by vertex: the blend
 * of expert.bm25 when BM25 scored the query (the item's own, of
 * text.bm25, is tz), else tz. */
static inline const double *match_items_people_z(const struct matcher *m)
{
    return m->bmz ? m->tzp : m->tz;
}

/* The text z-score of a record as people aggregate it: an item's
 * (match_items_people_z), a person's own. */
static inline double match_people_z(const struct matcher *m, uint32_t v)
{
    return match_is_item(m->g->vkind[v]) ? match_items_people_z(m)[v]
                                         : m->tz[v];
}

/* best, or z when it counts and is higher; without a branch, as which
 * records have evidence follows no pattern (with a branch here a query at
 * 100k items cost 0.4 ms more CPU, text_z_kind's time doubled by
 * mispredictions; graph/README.md, "The order at scale"). */
static inline double match_best_of(double best, bool counts, double z)
{
    static const double off[2] = {-INFINITY, 0}; /* an index, not a branch */
    double c = z + off[counts];
    return c > best ? c : best;
}

/* The scale of kind's text z-scores in the candidates' order (zf), from
 * the best of them among its records with text evidence: squash.best /
 * best when best is higher, else 1 (graph/README.md, "The order at
 * scale"). */
static inline void match_set_zf(struct matcher *m, kg_kind kind, double best)
{
    double zref = m->c.squash_best;
    m->zf[kind] = zref > 0 && best > zref ? zref / best : 1;
}

/* Whether any kind's evidence has a graph part (the walk runs). */
static inline bool match_graph_on(const struct matcher *m)
{
    return m->c.w_graph > 0 || m->c.w_graph_people > 0;
}

/* Classifies the current query into IPC groups from the text z-scores of
 * its best patents and lists the groups' code vertices as restart seeds
 * (pvert, pw summing to 1; none when ppr.ipc is 0 or no group is shared
 * by enough of them) (match_pivot.c). */
/* Records a range of the text accumulations' (accumulate_own,
 * accumulate_more): every term adds to the records of one range before the
 * next, so that a range's sums (32 bytes a record at most) stay in a core's
 * L2 cache while the terms add to them, where a term at a time swept them
 * all once a term. A record's sum still adds its terms in their order, so
 * the results do not depend on the range: the tests check it with ranges
 * of a few records (match_set_range; 0: MATCH_RANGE). */
#define MATCH_RANGE 16384
void match_set_range(struct matcher *m, uint32_t records);

void match_pivot_find(struct matcher *m);
/* Whether item v holds a code of one of the query's IPC groups that
 * another of the group's patents (*from) brought in; *code is v's code. */
bool match_pivot_of(const struct matcher *m, uint32_t v, uint32_t *code,
                    uint32_t *from);

/* Text z-scores (tz, thas, tev, tbest) of experts from their items and
 * profile, then of institutions from their experts and items, each from
 * its first GRAPH_PEOPLE_CAP values (the cap the graph's lists were
 * marked with), through buf (as many values) (match_people.c; the first
 * call cuts the sums its queries write, kept until
 * match_people_release). */
void match_text_people(struct matcher *m, double *buf);
/* Graph z-scores (gz, ghas) of experts and institutions, aggregated as
 * the text's, once the walk has run (match_people.c). */
void match_graph_people(struct matcher *m, double *buf);
/* Frees the people's sums (match_free calls it). */
void match_people_release(struct matcher *m);

/* The need's own part of the BM25 query (match_text.c). match_text_query
 * analyzes the need once (the text itself when neither text.bm25_k3 nor
 * text.bm25_idf is set); match_text_weigh then writes wq[0..n), the need's
 * terms at share in all, with room for extra more terms after it, as often
 * as a pass needs (BM25's first pass, RM3's second). The texts point into
 * text or tk. On failure (the analyzer's) the message is in m->errbuf and
 * o holds nothing. */
struct match_own {
    const char *text; /* the need as asked */
    struct text_tokens tk;
    const char **surf; /* per distinct word: its surface form */
    double *u;         /* its weight before the share */
    size_t nt;         /* distinct words */
    bool whole;        /* the text itself, one term */
    double ntok, usum; /* the need's tokens, the sum of u */
    struct index_wterm *wq;
    size_t n;
};
kg_status match_text_query(struct matcher *m, const char *text,
                           struct match_own *o) KG_MUST_CHECK;
void match_text_weigh(const struct matcher *m, struct match_own *o,
                      double share, size_t extra);
void match_text_release(struct match_own *o);

/* Starts the explanations of a query: forgets the last one's path search
 * (match_explain.c). */
void match_explain_begin(struct matcher *m);
/* Whether the query's path search (from m->demand, kept until the next
 * match_explain_begin) discovers v, and then v's parent in *parent; the
 * parents lead back to the demand (match_explain.c). */
bool match_explain_reach(struct matcher *m, uint32_t v, uint32_t *parent);
/* Fills h's concepts and path from the scores of the matcher's current
 * query (match_explain_begin first; match_explain.c). */
void match_explain(struct matcher *m, struct match_hit *h);
/* Frees what explanations opened (match_free calls it). */
void match_explain_release(struct matcher *m);

#endif
