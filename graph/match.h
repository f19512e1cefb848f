/*
 * match.h - scores achievements, patents, experts and institutions for a
 * demand (or free text): text relevance (TF-IDF cosine expanded through the
 * concept graph, normalized per demand), graph relevance (personalized
 * PageRank from the demand's concepts and enterprise) and practical fit
 * (maturity, recency, region, an existing tie), combined with weights from a
 * config file. Every hit carries its reason: the score's parts, shared
 * concepts and one graph path. Cross-domain pairings are marked.
 */
#ifndef KG_MATCH_H
#define KG_MATCH_H

#include "core/index.h"
#include "graph/graph.h"

/* How an expert's item scores become the expert's. */
enum match_agg {
    MATCH_AGG_MEAN = 0, /* mean over all items */
    MATCH_AGG_MAX,      /* the best item */
    MATCH_AGG_TOPK,     /* mean of the best k */
    MATCH_AGG_SUMK,     /* sum of the best k */
};

/* The matcher's settings (graph/README.md documents each key). */
struct match_config {
    double w_text, w_graph, w_fit; /* weights of the parts, sum to 1 */
    double w_graph_people;         /* the graph part's weight for experts and
                                      institutions, in the units of the three above
                                      (their text and fit weights are the items') */
    double w_bm25;                 /* BM25 share of an item's text z-score */
    double w_bm25_people;          /* ... of the item z-scores experts and
                                      institutions aggregate (needs w_bm25 > 0) */
    unsigned rm3_docs;      /* RM3 on the BM25 query: feedback hits (0: off) */
    unsigned rm3_terms;     /* ... the relevance model's terms kept */
    double rm3_weight;      /* ... the need's own share of the new query */
    double rm3_temp;        /* ... hits weighted exp(-(1 - BM25 / best) / temp)
                               (0: by BM25) */
    double rm3_idf;         /* ... its terms' weights times idf^rm3_idf */
    double bm25_k1, bm25_b; /* the matcher's BM25 (0: the index's defaults) */
    double bm25_k3;     /* the need's word counts saturated (0: as counted) */
    double bm25_idf;    /* ... its words weighted (idf / the rarest's)^this */
    double w_translate; /* length of the translated part of the query
                            vector beside the need's own (0: no translation) */
    double expand;      /* query expansion strength */
    unsigned expand_items; /* items the expansion draws on */
    unsigned expand_terms; /* its strongest terms kept */
    bool expand_bm25;      /* feedback items are the index's best, not the
                              cosine's (when the index is used) */
    double squash_center, squash_scale; /* z-score -> [0,1] logistic */
    double squash_best; /* for the candidates' order, a need's best text
                           z-score of a kind over this is read as this
                           one, its others alike (0: as they are) */
    double ppr_damping, ppr_eps;
    double ppr_enterprise;     /* restart share on the enterprise */
    double ppr_ipc;            /* ... on the query's IPC groups (IPC pivot) */
    bool ppr_degree_normalize; /* rank by PPR / weighted degree */
    double fit_maturity, fit_recency, fit_region, fit_tie;
    double fit_halflife; /* years for recency to halve */
    enum match_agg expert_agg;
    unsigned expert_k;      /* k for TOPK / SUMK */
    unsigned institution_k; /* best k experts and items */
    double cross_min;       /* calibrated score a cross-domain mark needs */
    double cross_cosine;    /* ... and the cosine behind it */
    double cross_breadth;   /* ... and the breadth (evidence beyond one
                               word of the need) */
    unsigned threads;       /* for batches; 0 = online CPUs, <= 8 */
    /* The calibrated score: P(relevant) = 1 / (1 + exp(-(bias + rank *
     * evidence + coverage * cov + cosine * cos + joint * evidence * cov +
     * need * the need's best breadth + length * its length))), fitted on
     * the suite's judgments and off-topic needs by bench/calibrate.py
     * (graph/README.md); experts take expert (the mean need level) in
     * place of the last two terms. */
    bool calibrate; /* no: the score is the evidence itself */
    double cal_bias, cal_rank, cal_coverage, cal_cosine, cal_joint, cal_need,
        cal_length, cal_expert;
    double min_score; /* hits below it are left out */
};

/* The built-in defaults (the values datasets/match.conf spells out). */
void match_config_default(struct match_config *c);

/*
 * Reads "key = value" lines (# comments, blank lines) from path over the
 * current values of c, then normalizes the three part weights to sum 1.
 * Unknown keys and bad values are errors: KG_EINPUT with "FILE:LINE: ..."
 * in err (KG_ENOTFOUND when the file is missing, KG_EIO when it cannot be
 * read); c may then be partly changed.
 */
kg_status match_config_load(struct match_config *c, const char *path, char *err,
                            size_t errlen) KG_MUST_CHECK;

/* Parses an aggregation name (mean, max, topk, sumk). */
kg_status match_agg_parse(const char *s, enum match_agg *out) KG_MUST_CHECK;

/* The kinds of value a settings key takes. */
enum match_key_type {
    MATCH_KEY_REAL,  /* a double in [lo, hi] */
    MATCH_KEY_WHOLE, /* an unsigned whole number in [lo, hi] */
    MATCH_KEY_BOOL,  /* yes/true/1 or no/false/0 */
    MATCH_KEY_AGG,   /* an enum match_agg by name (match_agg_parse) */
};

/*
 * One key of the settings file: the one table of them (match_keys) is what
 * match_config_load reads a file by and what `kgmatch tune` writes one by,
 * so a key renamed, added or bounded here is so for both.
 */
struct match_key {
    const char *name; /* "weight.text" */
    size_t off;       /* offsetof(struct match_config, field) */
    enum match_key_type type;
    double lo, hi;   /* REAL and WHOLE: the values allowed */
    const char *bad; /* the reason a bad value is refused */
};
extern const struct match_key match_keys[];
extern const size_t match_nkeys;

/* The key named name, or the key that sets the field at offset off of
 * struct match_config; NULL when there is none. */
const struct match_key *match_key_find(const char *name);
const struct match_key *match_key_at(size_t off);

/* The key's field of c as a number (a bool is 0 or 1, an aggregation its
 * enum value). */
double match_key_get(const struct match_config *c, const struct match_key *k);

/* Whether x is a value the file may give k: within its bounds, whole for
 * WHOLE, 0 or 1 for BOOL, an enum match_agg for AGG. */
bool match_key_allows(const struct match_key *k, double x);

/* Sets k's field of c to x (match_key_allows(k, x) must hold). */
void match_key_put(struct match_config *c, const struct match_key *k, double x);

/* Parses the file's text v for k into c; NULL when done, else the reason
 * (k->bad) and c is unchanged. */
const char *match_key_parse(struct match_config *c, const struct match_key *k,
                            const char *v);

struct matcher;

/*
 * A matcher over g with settings c (copied). It holds per-request work
 * space; use one per thread (g is shared read-only). On failure returns
 * the status with a message in err.
 */
kg_status match_new(const struct graph *g, const struct match_config *c,
                    struct matcher **out, char *err,
                    size_t errlen) KG_MUST_CHECK;
void match_free(struct matcher *m); /* NULL is a no-op */

/* Lets m search ix (not owned; NULL to stop) for the BM25 share of text
 * relevance (config text.bm25). An index is for one thread at a time. */
void match_set_index(struct matcher *m, struct index *ix);

/* Lets m give up a query once kg_monotonic() passes deadline (0: never):
 * match_run then returns KG_ETIMEOUT. Stays set for later queries. */
void match_set_deadline(struct matcher *m, double deadline);

/* What to match. */
struct match_query {
    uint32_t demand;       /* a demand vertex, or GRAPH_NONE to use text */
    const char *text;      /* free text when demand is GRAPH_NONE */
    unsigned kinds;        /* KG_KIND_BIT mask of achievement, patent, expert,
                              institution; 0 means all four */
    size_t top;            /* best N of each kind; 0 = every non-zero score */
    bool cross_only;       /* keep cross-domain hits only */
    bool explain;          /* fill concepts and path */
    const char *bm25_text; /* text for the index's BM25 (the demand's title,
                              description and keywords), or NULL */
    bool min_score_set;    /* min_score overrides the config's */
    double min_score;
    /* Translated terms of the need (core/clir.h: the other language's
     * words, weighted): added to the query vector as one more part of the
     * same length as the need's own; a negative weight scales down one
     * of the need's own words instead. NULL when none. */
    const struct index_wterm *xterms;
    size_t nxterms;
};

#define MATCH_MAX_CONCEPTS 5
#define MATCH_MAX_PATH 10
#define MATCH_CONCEPT_LEN 48 /* bytes, with the NUL; longer labels are cut */

/* One step of an explanation path. Strings belong to the graph (or, for
 * the first step of a text query, to the query). */
struct match_step {
    const char *kind; /* "demand", "text", "concept", "patent", ... */
    const char *id;
    const char *label;
};

struct match_hit {
    uint32_t v; /* the matched vertex */
    kg_kind kind;
    double score; /* in [0, 1]: the calibrated estimate that the pair is
                     relevant (the evidence when calibration is off) */
    double text, graph, fit; /* the evidence's parts, already weighted */
    double evidence;         /* = text + graph + fit: orders within a query */
    double coverage;         /* share of the query's term weight the record
                                (or its best item) holds, in [0, 1] */
    double cosine;           /* TF-IDF cosine to the unexpanded query */
    double breadth;          /* coverage beyond the record's (or its best
                                item's) strongest shared term alone */
    double need_breadth;     /* the best breadth of any item for this need:
                                how much of it the store holds at all */
    double need_length;      /* log(1 + the need's distinct words): a long
                                need spreads its weight over many words */
    bool cross_domain;
    char concepts[MATCH_MAX_CONCEPTS][MATCH_CONCEPT_LEN]; /* labels */
    size_t nconcepts;
    struct match_step path[MATCH_MAX_PATH];
    size_t npath;
};

struct match_result {
    struct match_hit *hits; /* by kind (achievement, patent, expert,
                               institution), then score, then id */
    size_t n;
    domain_mask demand_domains;
};
void match_result_release(struct match_result *r);

/*
 * Scores every candidate for one query and keeps the best per kind.
 * Returns KG_EUSAGE for a vertex that is not a demand, KG_EINTERNAL when
 * text analysis fails, KG_ETIMEOUT past the deadline (message via
 * match_last_error). r is filled only on
 * success; release it with match_result_release.
 */
kg_status match_run(struct matcher *m, const struct match_query *q,
                    struct match_result *r) KG_MUST_CHECK;
const char *match_last_error(const struct matcher *m);

/* Text indexes for batches: one per thread; n of them limit the threads. */
struct match_indexes {
    struct index *const *ix;
    size_t n;
};

/* The threads a batch of n queries runs on: c->threads, else the online
 * CPUs; at most 8 and at most n, at least 1. */
unsigned match_threads(const struct match_config *c, size_t n);
/* ... and no more than the indexes of ixs (when it gives any): the
 * matchers match_batch makes, or match_batch_on wants. */
unsigned match_batch_threads(const struct match_config *c,
                             const struct match_indexes *ixs, size_t n);

/*
 * Runs n queries on c->threads threads (each with its own matcher, and
 * index from ixs when it is not NULL) and calls cb with each result in
 * query order, from the calling thread, while the threads go on matching
 * (at most 32 queries a thread ahead of cb); cb returns false to stop.
 * The result passed to cb is released after it returns. Errors as for
 * match_run and match_new.
 */
typedef bool (*match_batch_cb)(size_t i, const struct match_result *r,
                               void *ctx);
kg_status match_batch(const struct graph *g, const struct match_config *c,
                      const struct match_indexes *ixs,
                      const struct match_query *qs, size_t n, match_batch_cb cb,
                      void *ctx, char *err, size_t errlen) KG_MUST_CHECK;
/* The same on matchers the caller made and keeps, ms[0..threads) (all of
 * one graph and config; threads as match_batch_threads gives), so
 * that a night's slices or a service's batches do not make each its own:
 * a fresh matcher clears its work arrays and looks up every document of
 * its index again, as the first query touches them. Each is given its
 * index from ixs; they hold nothing of these queries afterwards. */
kg_status match_batch_on(struct matcher *const *ms, unsigned threads,
                         const struct match_indexes *ixs,
                         const struct match_query *qs, size_t n,
                         match_batch_cb cb, void *ctx, char *err,
                         size_t errlen) KG_MUST_CHECK;

#endif
