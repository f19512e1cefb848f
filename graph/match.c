/*
 * match.c - the matcher. Per query: a TF-IDF query vector, one pass of
 * cosine similarity over every item, pseudo-relevance expansion through the
 * items' term vectors (demand -> concept -> item -> concept), a second pass,
 * z-scores per kind so that a score means the same for every demand,
 * personalized PageRank for graph relevance, practical fit, then the best
 * hits per kind with their reasons.
 */
#include "graph/match.h"
#include "graph/graph_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/text.h"
#include "graph/arena.h"

/* Vertices a path search may visit before it gives up. */
#define MATCH_BFS_LIMIT 2000000

/* ---- configuration ------------------------------------------------------ */

void match_config_default(struct match_config *c)
{
    *c = (struct match_config){
        .w_text = 0.75,
        .w_graph = 0.15,
        .w_fit = 0.10,
        .w_bm25 = 0,
        .w_translate = 0.3,
        .expand = 0.6,
        .expand_items = 1000,
        .expand_terms = 200,
        .squash_center = 2.0,
        .squash_scale = 1.0,
        .ppr_damping = 0.85,
        .ppr_eps = 1e-5,
        .ppr_enterprise = 0.2,
        .ppr_degree_normalize = true,
        .fit_maturity = 1,
        .fit_recency = 1,
        .fit_region = 1,
        .fit_tie = 2,
        .fit_halflife = 8,
        .expert_agg = MATCH_AGG_MEAN,
        .expert_k = 3,
        .institution_k = 3,
        .cross_min = 0.6,
        .cross_cosine = 0.10,
        .threads = 0,
    };
}

kg_status match_agg_parse(const char *s, enum match_agg *out)
{
    static const char *const names[] = {"mean", "max", "topk", "sumk"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum match_agg)i;
            return KG_OK;
        }
    }
    return KG_EUSAGE;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(x) || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"))
        *out = true;
    else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0"))
        *out = false;
    else
        return false;
    return true;
}

/* Sets one key; returns a reason when the key or value is bad. */
static const char *config_set(struct match_config *c, const char *k,
                              const char *v)
{
    static const struct {
        const char *key;
        size_t off;
        double lo, hi;
    } nums[] = {
#define N(key, field, lo, hi)                                                  \
    {key, offsetof(struct match_config, field), lo, hi}
        N("weight.text", w_text, 0, 1e6),
        N("weight.graph", w_graph, 0, 1e6),
        N("weight.fit", w_fit, 0, 1e6),
        N("text.expand", expand, 0, 100),
        N("text.bm25", w_bm25, 0, 1),
        N("text.translate", w_translate, 0, 1),
        N("squash.center", squash_center, -100, 100),
        N("squash.scale", squash_scale, 1e-6, 100),
        N("ppr.damping", ppr_damping, 0.01, 0.99),
        N("ppr.eps", ppr_eps, 1e-12, 1),
        N("ppr.enterprise", ppr_enterprise, 0, 0.99),
        N("fit.maturity", fit_maturity, 0, 1e6),
        N("fit.recency", fit_recency, 0, 1e6),
        N("fit.region", fit_region, 0, 1e6),
        N("fit.tie", fit_tie, 0, 1e6),
        N("fit.halflife", fit_halflife, 0.1, 1000),
        N("cross_domain.min_score", cross_min, 0, 1),
        N("cross_domain.min_cosine", cross_cosine, 0, 1),
#undef N
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (strcmp(k, nums[i].key) != 0)
            continue;
        double x;
        if (!parse_num(v, nums[i].lo, nums[i].hi, &x))
            return "value out of range or not a number";
        *(double *)(void *)((char *)c + nums[i].off) = x;
        return NULL;
    }
    double x;
    if (strcmp(k, "ppr.degree_normalize") == 0)
        return parse_bool(v, &c->ppr_degree_normalize) ? NULL
                                                       : "expected yes or no";
    if (strcmp(k, "expert.aggregate") == 0)
        return match_agg_parse(v, &c->expert_agg) == KG_OK
                   ? NULL
                   : "expected mean, max, topk or sumk";
    if (strcmp(k, "text.expand_items") == 0 ||
        strcmp(k, "text.expand_terms") == 0) {
        if (!parse_num(v, 1, 1e7, &x) || x != floor(x))
            return "expected a whole number from 1";
        if (strcmp(k, "text.expand_items") == 0)
            c->expand_items = (unsigned)x;
        else
            c->expand_terms = (unsigned)x;
        return NULL;
    }
    if (strcmp(k, "expert.k") == 0 || strcmp(k, "institution.k") == 0 ||
        strcmp(k, "threads") == 0) {
        if (!parse_num(v, strcmp(k, "threads") ? 1 : 0, 64, &x) ||
            x != floor(x))
            return "expected a whole number";
        if (k[0] == 'e')
            c->expert_k = (unsigned)x;
        else if (k[0] == 'i')
            c->institution_k = (unsigned)x;
        else
            c->threads = (unsigned)x;
        return NULL;
    }
    return "unknown key";
}

kg_status match_config_load(struct match_config *c, const char *path, char *err,
                            size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? KG_ENOTFOUND : KG_EIO;
    }
    char line[1024];
    int lineno = 0;
    kg_status st = KG_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            st = KG_EINPUT;
            break;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        const char *why = config_set(c, k, v);
        if (why) {
            snprintf(err, errlen, "%s:%d: %s: %s", path, lineno, k, why);
            st = KG_EINPUT;
            break;
        }
    }
    fclose(f);
    if (st != KG_OK)
        return st;
    double sum = c->w_text + c->w_graph + c->w_fit;
    if (!(sum > 0)) {
        snprintf(err, errlen, "%s: the part weights are all zero", path);
        return KG_EINPUT;
    }
    c->w_text /= sum;
    c->w_graph /= sum;
    c->w_fit /= sum;
    return KG_OK;
}

/* ---- the matcher -------------------------------------------------------- */

/* A vertex and its score, for bounded selections. */
struct scored {
    double s;
    uint32_t v;
    const char *id; /* tie-break, ascending */
};

struct matcher {
    const struct graph *g;
    void *arena; /* every array below, one zeroed mapping */
    size_t arena_len;
    struct match_config c;
    uint32_t *pool[KG_KIND_COUNT]; /* vertices of each kind */
    size_t npool[KG_KIND_COUNT];
    double *sim;      /* cosine to the (expanded) query, by vertex */
    uint32_t *stouch; /* records with sim > 0 */
    size_t nstouch;
    double *tz;       /* text z-score, by vertex */
    bool *thas;       /* the vertex has a text z-score */
    bool *tev;        /* ... and shares terms with the (expanded) query */
    double *tbest;    /* the best cosine behind a record (own or an item's) */
    double *bm;       /* BM25 of the query against a record, by vertex */
    uint32_t *btouch; /* records with bm > 0 */
    size_t nbtouch;
    struct index *ix;          /* for BM25, not owned (NULL: none) */
    double *gz;                /* graph z-score, by vertex (valid where ghas) */
    bool *ghas;                /* the vertex has graph evidence */
    double gz0[KG_KIND_COUNT]; /* graph z-score of an unreached item */
    double *score;             /* final score, by vertex */
    double *tpart, *gpart;     /* weighted text and graph parts, by vertex */
    double *q, *q2;            /* dense query vectors over terms */
    uint32_t *qt, *q2t;
    size_t nqt, nq2t;
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
    uint32_t *parent; /* BFS */
    uint32_t *queue;
    uint8_t *seen;
    struct rank_ppr *ppr;
    struct text *text;
    struct text_tokens tk;
    char errbuf[256];
    /* current query */
    uint32_t demand, enterprise;
    const char *qtext;
};

const char *match_last_error(const struct matcher *m)
{
    return m->errbuf;
}

kg_status match_new(const struct graph *g, const struct match_config *c,
                    struct matcher **out, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct matcher *m = kg_xcalloc(1, sizeof *m);
    m->g = g;
    m->c = *c;
    size_t nv = g->nv ? g->nv : 1, nt = g->nterms ? g->nterms : 1;
    size_t nr = g->nrec ? g->nrec : 1; /* per-record arrays */
    for (uint32_t v = 0; v < g->nv; v++)
        if (g->vkind[v] < KG_KIND_COUNT)
            m->npool[g->vkind[v]]++;
    for (int k = 0; k < KG_KIND_COUNT; k++) {
        m->pool[k] =
            kg_xmalloc((m->npool[k] ? m->npool[k] : 1) * sizeof(uint32_t));
        m->npool[k] = 0;
    }
    for (uint32_t v = 0; v < g->nv; v++)
        if (g->vkind[v] < KG_KIND_COUNT)
            m->pool[g->vkind[v]][m->npool[g->vkind[v]]++] = v;
            /* The work arrays, carved out of one zeroed arena. */
/* clang-format off */
#define MATCH_ARRAYS(X)                                                       \
    X(sim, nr) X(stouch, nr) X(tz, nr) X(thas, nr) X(tev, nr) X(gz, nr)       \
    X(tbest, nr) X(bm, nr) X(btouch, nr)                                      \
    X(ghas, nr) X(score, nr) X(tpart, nr) X(gpart, nr) X(tie, nr)            \
    X(ireg, nr) X(tlist, nr) X(heap, nr)                                      \
    X(q, nt) X(q2, nt) X(qt, nt) X(q2t, nt) X(q2mark, nt)                     \
    X(dmark, nv) X(dlist, nv) X(parent, nv) X(queue, nv) X(seen, nv)
/* clang-format on */
#define SIZE(f, n) m->arena_len += ((n) * sizeof *m->f + 63) & ~(size_t)63;
#define CARVE(f, n)                                                            \
    m->f = (void *)at;                                                         \
    at += ((n) * sizeof *m->f + 63) & ~(size_t)63;
    MATCH_ARRAYS(SIZE)
    m->arena = arena_zalloc(m->arena_len);
    char *at = m->arena;
    MATCH_ARRAYS(CARVE)
#undef CARVE
#undef SIZE
#undef MATCH_ARRAYS
    m->ppr = rank_ppr_new(g->nv);
    for (int age = 0; age < 256; age++)
        m->recency[age] = pow(0.5, age / m->c.fit_halflife);
    text_tokens_init(&m->tk);
    *out = m;
    return KG_OK;
}

void match_free(struct matcher *m)
{
    if (!m)
        return;
    for (int k = 0; k < KG_KIND_COUNT; k++)
        free(m->pool[k]);
    arena_free(m->arena, m->arena_len);
    rank_ppr_free(m->ppr);
    text_tokens_release(&m->tk);
    text_free(m->text);
    free(m);
}

void match_set_index(struct matcher *m, struct index *ix)
{
    m->ix = ix;
}

void match_result_release(struct match_result *r)
{
    free(r->hits);
    memset(r, 0, sizeof *r);
}

static bool is_item(unsigned kind)
{
    return kind == KG_ACHIEVEMENT || kind == KG_PATENT;
}

/* ---- text relevance ----------------------------------------------------- */

static void clear_query(struct matcher *m)
{
    for (size_t i = 0; i < m->nqt; i++)
        m->q[m->qt[i]] = 0;
    for (size_t i = 0; i < m->nq2t; i++) {
        m->q2[m->q2t[i]] = 0;
        m->q2mark[m->q2t[i]] = 0;
    }
    m->nqt = m->nq2t = 0;
}

/* The query vector of a demand vertex: its stored vector. */
static void demand_vector(struct matcher *m, uint32_t d)
{
    const struct graph *g = m->g;
    for (uint64_t i = g->vec_off[d]; i < g->vec_off[d + 1]; i++) {
        m->q[g->vec_term[i]] = g->vec_w[i];
        m->qt[m->nqt++] = g->vec_term[i];
    }
}

/* The query vector of free text, weighted like the documents. */
static kg_status text_vector(struct matcher *m, const char *text)
{
    if (!m->text) {
        kg_status st = text_new(NULL, &m->text, m->errbuf, sizeof m->errbuf);
        if (st != KG_OK)
            return st;
    }
    text_tokens_reset(&m->tk);
    if (text_analyze(m->text, text, strlen(text), &m->tk) != KG_OK) {
        snprintf(m->errbuf, sizeof m->errbuf, "text analysis: %s",
                 text_last_error(m->text));
        return KG_EINTERNAL;
    }
    const struct graph *g = m->g;
    for (size_t i = 0; i < m->tk.n; i++) {
        uint32_t t =
            graph_term_find(g, m->tk.bytes + m->tk.v[i].off, m->tk.v[i].len);
        if (t == GRAPH_NONE)
            continue;
        if (m->q[t] == 0)
            m->qt[m->nqt++] = t;
        m->q[t] += 1; /* term frequency for now */
    }
    double norm = 0;
    for (size_t i = 0; i < m->nqt; i++) {
        uint32_t t = m->qt[i];
        m->q[t] = (1 + log(m->q[t])) * graph_idf(g, t);
        norm += m->q[t] * m->q[t];
    }
    norm = norm > 0 ? sqrt(norm) : 1;
    for (size_t i = 0; i < m->nqt; i++)
        m->q[m->qt[i]] /= norm;
    return KG_OK;
}

/* Adds the translated terms x[0..n) to the (unit length) query vector as
 * a part of their own of length text.translate (their tokens weighted by
 * the term's weight and idf), then brings the sum back to unit length. */
static kg_status add_translations(struct matcher *m,
                                  const struct index_wterm *x, size_t n)
{
    if (n == 0 || !(m->c.w_translate > 0))
        return KG_OK;
    if (!m->text) {
        kg_status st = text_new(NULL, &m->text, m->errbuf, sizeof m->errbuf);
        if (st != KG_OK)
            return st;
    }
    const struct graph *g = m->g;
    uint32_t *tv = NULL;
    double *wv = NULL, tnorm = 0;
    size_t nt = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        text_tokens_reset(&m->tk);
        if (text_analyze(m->text, x[i].text, strlen(x[i].text), &m->tk) !=
            KG_OK)
            continue;
        for (size_t j = 0; j < m->tk.n; j++) {
            uint32_t t = graph_term_find(g, m->tk.bytes + m->tk.v[j].off,
                                         m->tk.v[j].len);
            if (t == GRAPH_NONE)
                continue;
            size_t k = 0;
            while (k < nt && tv[k] != t)
                k++;
            if (k == nt) {
                if (nt == cap) {
                    cap = cap ? 2 * cap : 64;
                    tv = kg_xrealloc(tv, cap * sizeof *tv);
                    wv = kg_xrealloc(wv, cap * sizeof *wv);
                }
                tv[nt] = t;
                wv[nt++] = 0;
            }
            wv[k] += x[i].weight * graph_idf(g, t);
        }
    }
    for (size_t k = 0; k < nt; k++)
        tnorm += wv[k] * wv[k];
    tnorm = tnorm > 0 ? sqrt(tnorm) / m->c.w_translate : 1;
    for (size_t k = 0; k < nt; k++) {
        if (m->q[tv[k]] == 0)
            m->qt[m->nqt++] = tv[k];
        m->q[tv[k]] += wv[k] / tnorm;
    }
    double norm = 0;
    for (size_t i = 0; i < m->nqt; i++)
        norm += m->q[m->qt[i]] * m->q[m->qt[i]];
    norm = norm > 0 ? sqrt(norm) : 1;
    for (size_t i = 0; i < m->nqt; i++)
        m->q[m->qt[i]] /= norm;
    free(tv);
    free(wv);
    return KG_OK;
}

static void q2_add(struct matcher *m, uint32_t t, double x)
{
    if (!m->q2mark[t]) {
        m->q2mark[t] = 1;
        m->q2t[m->nq2t++] = t;
    }
    m->q2[t] += x;
}

/* Is a a worse hit than b (lower score, or equal and later id)? */
static bool worse(const struct scored *a, const struct scored *b)
{
    if (a->s != b->s)
        return a->s < b->s;
    return strcmp(a->id, b->id) > 0;
}

static void sift_down(struct scored *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && worse(&h[l], &h[w]))
            w = l;
        if (r < n && worse(&h[r], &h[w]))
            w = r;
        if (w == i)
            return;
        struct scored t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/* Offers x to a heap of the best k seen so far (the worst at the root). */
static void heap_offer(struct scored *h, size_t *n, size_t k,
                       const struct scored *x)
{
    if (*n < k) {
        size_t i = (*n)++;
        h[i] = *x;
        while (i > 0 && worse(&h[i], &h[(i - 1) / 2])) {
            struct scored t = h[i];
            h[i] = h[(i - 1) / 2];
            h[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    } else if (k > 0 && worse(&h[0], x)) {
        h[0] = *x;
        sift_down(h, *n, 0);
    }
}

/* Sorts the heap's n entries best first (heapsort in place). */
static void heap_sort_desc(struct scored *h, size_t n)
{
    for (size_t end = n; end > 1; end--) {
        struct scored t = h[0];
        h[0] = h[end - 1];
        h[end - 1] = t;
        sift_down(h, end - 1, 0);
    }
}

/* sim = q . v for every record sharing a term with q (through the
 * postings of q's terms); every other record gets 0. */
static void accumulate(struct matcher *m, const double *q,
                       const uint32_t *terms, size_t n)
{
    const struct graph *g = m->g;
    for (size_t i = 0; i < m->nstouch; i++)
        m->sim[m->stouch[i]] = 0;
    m->nstouch = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t t = terms[i];
        double x = q[t];
        if (x == 0)
            continue;
        for (uint64_t j = g->inv_off[t]; j < g->inv_off[t + 1]; j++) {
            uint32_t v = g->inv_v[j];
            if (m->sim[v] == 0) /* weights are positive: first touch */
                m->stouch[m->nstouch++] = v;
            m->sim[v] += x * g->inv_w[j];
        }
    }
}

/* A term and its weight in the expansion. */
struct tw {
    double w;
    uint32_t t;
};

static bool tw_before(const struct tw *a, const struct tw *b)
{
    return a->w != b->w ? a->w > b->w : a->t < b->t;
}

/* Moves the k best of a[0..n) (by weight, then term) to the front, in no
 * order (quickselect). */
static void tw_select(struct tw *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1 && k > lo && k < hi) {
        struct tw p = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi - 1;
        while (i <= j) {
            while (tw_before(&a[i], &p))
                i++;
            while (tw_before(&p, &a[j]))
                j--;
            if (i <= j) {
                struct tw t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j + 1 && j + 1 > lo)
            hi = j + 1;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* Cosine of every item and expert profile to the query, after expanding
 * the query once by the items it already resembles: the best
 * text.expand_items items, weighted by their cosine, give a vector whose
 * strongest text.expand_terms terms join the query. */
static void text_pass(struct matcher *m)
{
    const struct graph *g = m->g;
    accumulate(m, m->q, m->qt, m->nqt);
    if (m->c.expand > 0 && m->nqt > 0) {
        size_t nh = 0;
        for (size_t i = 0; i < m->nstouch; i++) {
            uint32_t v = m->stouch[i];
            if (!is_item(g->vkind[v]))
                continue;
            struct scored x = {m->sim[v], v, graph_str(g, g->vid[v])};
            heap_offer(m->heap, &nh, m->c.expand_items, &x);
        }
        for (size_t i = 0; i < nh; i++) {
            uint32_t v = m->heap[i].v;
            double s = m->heap[i].s;
            for (uint64_t j = g->vec_off[v]; j < g->vec_off[v + 1]; j++)
                q2_add(m, g->vec_term[j], s * g->vec_w[j]);
        }
        /* Keep the strongest terms of the expansion. */
        size_t n = m->nq2t, keep = n;
        struct tw *tw = kg_xmalloc((n ? n : 1) * sizeof *tw);
        for (size_t i = 0; i < n; i++)
            tw[i] = (struct tw){m->q2[m->q2t[i]], m->q2t[i]};
        if (m->c.expand_terms && n > m->c.expand_terms) {
            tw_select(tw, n, m->c.expand_terms);
            keep = m->c.expand_terms;
        }
        for (size_t i = 0; i < n; i++) {
            m->q2[m->q2t[i]] = 0;
            m->q2mark[m->q2t[i]] = 0;
        }
        m->nq2t = 0;
        double norm = 0;
        for (size_t i = 0; i < keep; i++)
            norm += tw[i].w * tw[i].w;
        double f = norm > 0 ? m->c.expand / sqrt(norm) : 0;
        for (size_t i = 0; i < keep; i++)
            q2_add(m, tw[i].t, tw[i].w * f);
        free(tw);
        for (size_t i = 0; i < m->nqt; i++)
            q2_add(m, m->qt[i], m->q[m->qt[i]]);
        norm = 0;
        for (size_t i = 0; i < m->nq2t; i++)
            norm += m->q2[m->q2t[i]] * m->q2[m->q2t[i]];
        norm = norm > 0 ? sqrt(norm) : 1;
        for (size_t i = 0; i < m->nq2t; i++)
            m->q2[m->q2t[i]] /= norm;
    } else {
        for (size_t i = 0; i < m->nqt; i++)
            q2_add(m, m->qt[i], m->q[m->qt[i]]);
    }
    accumulate(m, m->q2, m->q2t, m->nq2t);
}

/* z-scores of sim over the vertices of kind that have a vector: how far
 * above the average record of its kind a record is for this query. */
static void zscore_kind(struct matcher *m, kg_kind kind)
{
    const struct graph *g = m->g;
    double s = 0, ss = 0;
    size_t n = 0;
    for (size_t i = 0; i < m->npool[kind]; i++) {
        uint32_t v = m->pool[kind][i];
        m->thas[v] = false;
        if (g->vec_off[v] == g->vec_off[v + 1])
            continue;
        s += m->sim[v];
        ss += m->sim[v] * m->sim[v];
        n++;
    }
    double mu = n ? s / n : 0, var = n ? ss / n - mu * mu : 0;
    double sd = var > 1e-18 ? sqrt(var) : 0;
    for (size_t i = 0; i < m->npool[kind]; i++) {
        uint32_t v = m->pool[kind][i];
        if (g->vec_off[v] == g->vec_off[v + 1])
            continue;
        m->thas[v] = true;
        m->tev[v] = m->sim[v] > 0;
        m->tbest[v] = m->sim[v];
        m->tz[v] = sd > 0 ? (m->sim[v] - mu) / sd : 0;
    }
}

/* Blends the index's BM25, as a z-score per item kind, into the text
 * z-scores: tz = (1 - w) tz + w z(BM25). */
static kg_status bm25_pass(struct matcher *m, const char *text)
{
    const struct graph *g = m->g;
    double w = m->c.w_bm25;
    for (size_t i = 0; i < m->nbtouch; i++)
        m->bm[m->btouch[i]] = 0;
    m->nbtouch = 0;
    if (!m->ix || !(w > 0) || !text)
        return KG_OK;
    struct index_hit *hits = NULL;
    size_t n = 0;
    kg_status st = index_search(
        m->ix, text, KG_KIND_BIT(KG_ACHIEVEMENT) | KG_KIND_BIT(KG_PATENT), 0,
        &hits, &n);
    if (st != KG_OK) {
        snprintf(m->errbuf, sizeof m->errbuf, "BM25 search: %s",
                 index_last_error(m->ix));
        return st;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t v = graph_find(g, hits[i].kind, hits[i].id);
        if (v == GRAPH_NONE || v >= g->nrec || m->bm[v] > 0)
            continue;
        m->bm[v] = hits[i].score;
        m->btouch[m->nbtouch++] = v;
    }
    free(hits);
    static const kg_kind items[] = {KG_ACHIEVEMENT, KG_PATENT};
    for (int k = 0; k < 2; k++) {
        double s = 0, ss = 0;
        size_t cnt = 0;
        for (size_t i = 0; i < m->npool[items[k]]; i++) {
            uint32_t v = m->pool[items[k]][i];
            if (!m->thas[v])
                continue;
            s += m->bm[v];
            ss += m->bm[v] * m->bm[v];
            cnt++;
        }
        double mu = cnt ? s / cnt : 0, var = cnt ? ss / cnt - mu * mu : 0;
        double sd = var > 1e-18 ? sqrt(var) : 0;
        for (size_t i = 0; i < m->npool[items[k]]; i++) {
            uint32_t v = m->pool[items[k]][i];
            if (!m->thas[v])
                continue;
            double zb = sd > 0 ? (m->bm[v] - mu) / sd : 0;
            m->tz[v] = (1 - w) * m->tz[v] + w * zb;
            m->tev[v] |= m->bm[v] > 0;
        }
    }
    return KG_OK;
}

/* Aggregates n values (reordered) as agg with k. */
static double aggregate(double *x, size_t n, enum match_agg agg, unsigned k)
{
    if (n == 0)
        return 0;
    double s = 0;
    if (agg == MATCH_AGG_MEAN) {
        for (size_t i = 0; i < n; i++)
            s += x[i];
        return s / n;
    }
    if (agg == MATCH_AGG_MAX) {
        double best = x[0];
        for (size_t i = 1; i < n; i++)
            if (x[i] > best)
                best = x[i];
        return best;
    }
    /* The best k by partial selection sort: k is small. */
    size_t m = n < k ? n : k;
    for (size_t i = 0; i < m; i++) {
        size_t b = i;
        for (size_t j = i + 1; j < n; j++)
            if (x[j] > x[b])
                b = j;
        double t = x[i];
        x[i] = x[b];
        x[b] = t;
        s += x[i];
    }
    return agg == MATCH_AGG_TOPK ? s / m : s;
}

/* Text z of experts from their items (and profile), then of institutions
 * from their experts and items. */
static void text_people(struct matcher *m, double *buf, size_t cap)
{
    const struct graph *g = m->g;
    for (size_t i = 0; i < m->npool[KG_EXPERT]; i++) {
        uint32_t e = m->pool[KG_EXPERT][i];
        size_t n = 0;
        bool any = m->thas[e] && m->tev[e];
        double best = m->thas[e] ? m->sim[e] : 0;
        if (m->thas[e] && n < cap)
            buf[n++] = m->tz[e];
        for (uint64_t j = g->csr.off[e]; j < g->csr.off[e + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            uint8_t t = g->etype[j];
            if ((t == GRAPH_E_AUTHORED || t == GRAPH_E_INVENTED) &&
                m->thas[x] && n < cap) {
                buf[n++] = m->tz[x];
                any |= m->tev[x];
                best = fmax(best, m->sim[x]);
            }
        }
        m->thas[e] = n > 0;
        m->tev[e] = any;
        m->tbest[e] = best;
        m->tz[e] = aggregate(buf, n, m->c.expert_agg, m->c.expert_k);
    }
    for (size_t i = 0; i < m->npool[KG_INSTITUTION]; i++) {
        uint32_t u = m->pool[KG_INSTITUTION][i];
        size_t n = 0;
        bool any = false;
        double best = 0;
        for (uint64_t j = g->csr.off[u]; j < g->csr.off[u + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            uint8_t t = g->etype[j];
            bool ok = (t == GRAPH_E_OWNS && is_item(g->vkind[x])) ||
                      (t == GRAPH_E_AFFILIATED_WITH);
            if (ok && m->thas[x] && n < cap) {
                buf[n++] = m->tz[x];
                any |= m->tev[x];
                best = fmax(best, m->tbest[x]);
            }
        }
        m->thas[u] = n > 0;
        m->tev[u] = any;
        m->tbest[u] = best;
        m->tz[u] = aggregate(buf, n, MATCH_AGG_TOPK, m->c.institution_k);
    }
}

/* ---- graph relevance ---------------------------------------------------- */

/* Marks the concepts next to the demand (or the query's term concepts). */
static void mark_demand_concepts(struct matcher *m)
{
    const struct graph *g = m->g;
    for (size_t i = 0; i < m->ndlist; i++)
        m->dmark[m->dlist[i]] = 0;
    m->ndlist = 0;
    if (m->demand != GRAPH_NONE) {
        uint32_t d = m->demand;
        for (uint64_t j = g->csr.off[d]; j < g->csr.off[d + 1]; j++) {
            uint32_t c = g->csr.adj[j];
            if (g->vkind[c] != GRAPH_CONCEPT || m->dmark[c] > 0)
                continue;
            m->dmark[c] = g->csr.w[j];
            m->dlist[m->ndlist++] = c;
        }
    }
    for (size_t i = 0; i < m->nqt; i++) {
        uint32_t c = g->term_vertex[m->qt[i]];
        if (c == GRAPH_NONE || m->dmark[c] > 0)
            continue;
        m->dmark[c] = (float)m->q[m->qt[i]];
        m->dlist[m->ndlist++] = c;
    }
}

static kg_status graph_pass(struct matcher *m)
{
    const struct graph *g = m->g;
    size_t ns = m->ndlist + 1;
    uint32_t *seeds = kg_xmalloc(ns * sizeof *seeds);
    double *w = kg_xmalloc(ns * sizeof *w);
    size_t n = 0;
    double total = 0;
    for (int k = 0; k < KG_KIND_COUNT; k++)
        m->gz0[k] = 0;
    /* Without a graph weight the walk is skipped (an empty push clears). */
    for (size_t i = 0; m->c.w_graph > 0 && i < m->ndlist; i++) {
        seeds[n] = m->dlist[i];
        w[n] = m->dmark[m->dlist[i]];
        total += w[n++];
    }
    if (m->enterprise != GRAPH_NONE && total > 0 && m->c.ppr_enterprise > 0) {
        seeds[n] = m->enterprise;
        w[n++] = total * m->c.ppr_enterprise / (1 - m->c.ppr_enterprise);
    }
    struct rank_opts o = {.damping = m->c.ppr_damping, .eps = m->c.ppr_eps};
    kg_status st = rank_ppr_push(m->ppr, &g->csr, seeds, w, n, &o);
    free(seeds);
    free(w);
    if (st == KG_EINPUT && !(total > 0))
        return KG_OK; /* nothing to start from: no graph evidence */
    if (st != KG_OK)
        return st;
    /* z-scores per item kind over all items of the kind (zeros included):
     * z0 is the score of an item the walk did not reach. */
    double sum[KG_KIND_COUNT] = {0}, ss[KG_KIND_COUNT] = {0};
    size_t nsup;
    const uint32_t *sup = rank_ppr_support(m->ppr, &nsup);
    for (size_t i = 0; i < nsup; i++) {
        uint32_t v = sup[i];
        double x = rank_ppr_value(m->ppr, v);
        if (!is_item(g->vkind[v]) || !(x > 0))
            continue;
        if (m->c.ppr_degree_normalize && g->csr.wdeg[v] > 0)
            x /= g->csr.wdeg[v];
        m->gz[v] = x;
        sum[g->vkind[v]] += x;
        ss[g->vkind[v]] += x * x;
    }
    double mu[KG_KIND_COUNT] = {0}, sd[KG_KIND_COUNT] = {0};
    for (int k = 0; k < KG_KIND_COUNT; k++) {
        if (!is_item((unsigned)k) || m->npool[k] == 0)
            continue;
        mu[k] = sum[k] / m->npool[k];
        double var = ss[k] / m->npool[k] - mu[k] * mu[k];
        sd[k] = var > 1e-30 ? sqrt(var) : 0;
        m->gz0[k] = sd[k] > 0 ? -mu[k] / sd[k] : 0;
    }
    for (size_t i = 0; i < nsup; i++) {
        uint32_t v = sup[i];
        unsigned k = g->vkind[v];
        if (!is_item(k) || !(rank_ppr_value(m->ppr, v) > 0))
            continue;
        m->gz[v] = sd[k] > 0 ? (m->gz[v] - mu[k]) / sd[k] : 0;
    }
    return KG_OK;
}

/* The graph z-score of item v (reached or not). */
static double item_gz(const struct matcher *m, uint32_t v)
{
    return rank_ppr_value(m->ppr, v) > 0 ? m->gz[v] : m->gz0[m->g->vkind[v]];
}

/* Graph z-scores of experts from their items, of institutions from their
 * experts and items, aggregated as the text scores are. ghas marks the
 * records with graph evidence: a reached item, or such a person. */
static void graph_people(struct matcher *m, double *buf, size_t cap)
{
    const struct graph *g = m->g;
    static const kg_kind items[] = {KG_ACHIEVEMENT, KG_PATENT};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < m->npool[items[k]]; i++) {
            uint32_t v = m->pool[items[k]][i];
            m->ghas[v] = rank_ppr_value(m->ppr, v) > 0;
        }
    for (size_t i = 0; i < m->npool[KG_EXPERT]; i++) {
        uint32_t e = m->pool[KG_EXPERT][i];
        size_t n = 0;
        bool reached = false;
        for (uint64_t j = g->csr.off[e]; j < g->csr.off[e + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            uint8_t t = g->etype[j];
            if ((t == GRAPH_E_AUTHORED || t == GRAPH_E_INVENTED) && n < cap) {
                buf[n++] = item_gz(m, x);
                reached |= m->ghas[x];
            }
        }
        m->ghas[e] = reached;
        m->gz[e] = aggregate(buf, n, m->c.expert_agg, m->c.expert_k);
    }
    for (size_t i = 0; i < m->npool[KG_INSTITUTION]; i++) {
        uint32_t u = m->pool[KG_INSTITUTION][i];
        size_t n = 0;
        for (uint64_t j = g->csr.off[u]; j < g->csr.off[u + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            uint8_t t = g->etype[j];
            bool ok = (t == GRAPH_E_OWNS && is_item(g->vkind[x])) ||
                      t == GRAPH_E_AFFILIATED_WITH;
            if (ok && m->ghas[x] && n < cap)
                buf[n++] = m->gz[x];
        }
        m->ghas[u] = n > 0;
        m->gz[u] = aggregate(buf, n, MATCH_AGG_TOPK, m->c.institution_k);
    }
}

/* ---- practical fit ------------------------------------------------------ */

/* 1 for the same city, 0.6 for the same province, 0.2 otherwise; -1 when
 * a side is unknown. Regions read "省/市/区". */
static double region_fit(const char *a, const char *b)
{
    if (!*a || !*b)
        return -1;
    const char *sa = strchr(a, '/'), *sb = strchr(b, '/');
    size_t la = sa ? (size_t)(sa - a) : strlen(a);
    size_t lb = sb ? (size_t)(sb - b) : strlen(b);
    if (la != lb || memcmp(a, b, la) != 0)
        return 0.2;
    if (!sa || !sb)
        return sa == sb ? 1.0 : 0.6;
    const char *ea = strchr(sa + 1, '/'), *eb = strchr(sb + 1, '/');
    size_t ma = ea ? (size_t)(ea - sa) : strlen(sa);
    size_t mb = eb ? (size_t)(eb - sb) : strlen(sb);
    return ma == mb && memcmp(sa, sb, ma) == 0 ? 1.0 : 0.6;
}

/* Institutions tied to the enterprise: co-owners of its items and the
 * institutions of the experts behind them; and every institution's region
 * fit. */
static void mark_ties(struct matcher *m)
{
    const struct graph *g = m->g;
    for (size_t i = 0; i < m->ntlist; i++)
        m->tie[m->tlist[i]] = 0;
    m->ntlist = 0;
    uint32_t e = m->enterprise;
    if (e == GRAPH_NONE)
        return;
    for (size_t i = 0; i < m->npool[KG_INSTITUTION]; i++) {
        uint32_t u = m->pool[KG_INSTITUTION][i];
        m->ireg[u] = region_fit(graph_str(g, g->vregion[e]),
                                graph_str(g, g->vregion[u]));
    }
    for (uint64_t j = g->csr.off[e]; j < g->csr.off[e + 1]; j++) {
        if (g->etype[j] != GRAPH_E_OWNS)
            continue;
        uint32_t item = g->csr.adj[j];
        for (uint64_t k = g->csr.off[item]; k < g->csr.off[item + 1]; k++) {
            uint32_t x = g->csr.adj[k];
            uint8_t t = g->etype[k];
            uint32_t inst = GRAPH_NONE;
            if (t == GRAPH_E_OWNS && g->vkind[x] == KG_INSTITUTION)
                inst = x;
            if (inst != GRAPH_NONE && !m->tie[inst]) {
                m->tie[inst] = 1;
                m->tlist[m->ntlist++] = inst;
            }
            if (t != GRAPH_E_AUTHORED && t != GRAPH_E_INVENTED)
                continue;
            for (uint64_t l = g->csr.off[x]; l < g->csr.off[x + 1]; l++) {
                uint32_t y = g->csr.adj[l];
                if (g->etype[l] == GRAPH_E_AFFILIATED_WITH && !m->tie[y]) {
                    m->tie[y] = 1;
                    m->tlist[m->ntlist++] = y;
                }
            }
        }
    }
}

struct fit_acc {
    double sum, wsum;
};

static void fit_add(struct fit_acc *f, double w, double x)
{
    if (w > 0 && x >= 0) {
        f->sum += w * x;
        f->wsum += w;
    }
}

/* Region and tie of one institution (best over several). */
static void inst_fit(const struct matcher *m, uint32_t inst, double *region,
                     bool *tie)
{
    if (m->enterprise == GRAPH_NONE)
        return;
    if (m->ireg[inst] > *region)
        *region = m->ireg[inst];
    if (m->tie[inst])
        *tie = true;
}

static double fit_of(const struct matcher *m, uint32_t v)
{
    const struct graph *g = m->g;
    struct fit_acc f = {0, 0};
    double region = -1;
    bool tie = false;
    unsigned kind = g->vkind[v];
    int year = 0;
    double mat = 0;
    int nmat = 0;
    if (is_item(kind)) {
        year = g->vyear[v];
        if (g->vmaturity[v]) {
            mat = g->vmaturity[v];
            nmat = 1;
        }
    }
    if (kind == KG_INSTITUTION)
        inst_fit(m, v, &region, &tie);
    for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++) {
        uint32_t x = g->csr.adj[j];
        uint8_t t = g->etype[j];
        if (g->vkind[x] == KG_INSTITUTION &&
            (t == GRAPH_E_OWNS || t == GRAPH_E_AFFILIATED_WITH))
            inst_fit(m, x, &region, &tie);
        if (kind == KG_EXPERT && is_item(g->vkind[x])) {
            if (g->vyear[x] > year)
                year = g->vyear[x];
            if (g->vmaturity[x]) {
                mat += g->vmaturity[x];
                nmat++;
            }
        }
    }
    if (nmat)
        fit_add(&f, m->c.fit_maturity, mat / nmat / 9.0);
    if (year > 0 && g->ref_year > 0) {
        int age = g->ref_year - year;
        fit_add(&f, m->c.fit_recency,
                m->recency[age < 0     ? 0
                           : age > 255 ? 255
                                       : age]);
    }
    fit_add(&f, m->c.fit_region, region);
    if (m->enterprise != GRAPH_NONE)
        fit_add(&f, m->c.fit_tie, tie ? 1.0 : 0.0);
    return f.wsum > 0 ? f.sum / f.wsum : 0.5;
}

/* ---- explanations ------------------------------------------------------- */

static void step(struct match_hit *h, const struct graph *g, uint32_t v)
{
    if (h->npath >= MATCH_MAX_PATH)
        return;
    struct match_step *s = &h->path[h->npath++];
    s->kind = graph_vkind_name(g->vkind[v]);
    s->id = graph_str(g, g->vid[v]);
    s->label = graph_str(g, g->vlabel[v]);
}

static void add_concept(struct match_hit *h, const char *label)
{
    if (h->nconcepts >= MATCH_MAX_CONCEPTS || !*label)
        return;
    char buf[MATCH_CONCEPT_LEN];
    size_t n = kg_utf8_valid_prefix(label, strlen(label));
    if (n >= sizeof buf) { /* cut on a character boundary */
        n = sizeof buf - 1;
        while (n > 0 && ((unsigned char)label[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf, label, n);
    buf[n] = '\0';
    for (size_t i = 0; i < h->nconcepts; i++)
        if (strcasecmp(h->concepts[i], buf) == 0)
            return;
    memcpy(h->concepts[h->nconcepts++], buf, n + 1);
}

struct cand {
    uint32_t t; /* term or vertex */
    double w;
};

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

static bool is_cjk(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/* A run of shared CJK bigrams in a title, as one phrase. */
struct phrase {
    char text[MATCH_CONCEPT_LEN];
    double w; /* the summed share of its bigrams */
};

static int cmp_phrase(const void *a, const void *b)
{
    const struct phrase *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* Finds runs of title characters whose every bigram is a shared term
 * (tc[0..ntc)); each run of two or more bigrams becomes a phrase and its
 * bigrams are marked covered. Returns the number of phrases written. */
static size_t cjk_phrases(const struct matcher *m, const char *title,
                          const struct cand *tc, size_t ntc, bool *covered,
                          struct phrase *out, size_t max)
{
    enum { MAXC = 128 };
    uint32_t cp[MAXC];
    size_t off[MAXC + 1], n = 0, len = strlen(title), i = 0;
    while (i < len && n < MAXC) {
        uint32_t c;
        int l = kg_utf8_decode(title + i, len - i, &c);
        if (l <= 0)
            break;
        off[n] = i;
        cp[n++] = c;
        i += (size_t)l;
    }
    off[n] = i;
    int hit[MAXC]; /* index in tc of the bigram starting here, or -1 */
    for (size_t k = 0; k < n; k++) {
        hit[k] = -1;
        if (k + 1 >= n || !is_cjk(cp[k]) || !is_cjk(cp[k + 1]))
            continue;
        uint32_t t = graph_term_find(m->g, title + off[k], off[k + 2] - off[k]);
        for (size_t j = 0; t != GRAPH_NONE && j < ntc; j++)
            if (tc[j].t == t)
                hit[k] = (int)j;
    }
    size_t np = 0;
    for (size_t k = 0; k < n && np < max;) {
        if (hit[k] < 0) {
            k++;
            continue;
        }
        size_t e = k;
        double w = 0;
        while (e < n && hit[e] >= 0)
            w += tc[hit[e++]].w;
        if (e - k >= 2) { /* two bigrams or more: three characters */
            size_t bytes = off[e + 1] - off[k];
            if (bytes < MATCH_CONCEPT_LEN) {
                memcpy(out[np].text, title + off[k], bytes);
                out[np].text[bytes] = '\0';
                out[np++].w = w;
                for (size_t j = k; j < e; j++)
                    covered[hit[j]] = true;
            }
        }
        k = e;
    }
    return np;
}

/* A Chinese bigram with a function character (不低, 低于, 榨后) says
 * little to a reader: explanations leave such terms out. */
static bool function_bigram(const char *s)
{
    static const char stop[] = "的了和与及或在对于不为是以其等后中上下可将并"
                               "由从而也之所该此其各内能被把";
    uint32_t a, b;
    size_t n = strlen(s);
    int la = kg_utf8_decode(s, n, &a);
    if (la <= 0 || !is_cjk(a))
        return false;
    int lb = kg_utf8_decode(s + la, n - (size_t)la, &b);
    if (lb <= 0 || (size_t)(la + lb) != n || !is_cjk(b))
        return false;
    for (size_t i = 0; i + 3 <= sizeof stop - 1; i += 3) {
        uint32_t c;
        if (kg_utf8_decode(stop + i, 3, &c) == 3 && (c == a || c == b))
            return true;
    }
    return false;
}

/* The concepts item v shares with the query, best first: graph concepts
 * (keywords, IPC codes, fields) next to both, then shared terms by their
 * share of the cosine. Returns the best concept vertex on a path, or
 * GRAPH_NONE (then *term is the best shared term, or GRAPH_NONE). */
static uint32_t shared_concepts(const struct matcher *m, uint32_t v,
                                struct match_hit *h, uint32_t *term)
{
    const struct graph *g = m->g;
    struct cand gc[64], tc[64];
    size_t ngc = 0, ntc = 0;
    for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1] && ngc < 64; j++) {
        uint32_t c = g->csr.adj[j];
        if (g->vkind[c] != GRAPH_CONCEPT || !(m->dmark[c] > 0))
            continue;
        /* keywords and IPC codes read better than fields and terms */
        double rank = g->vsub[c] == GRAPH_C_KEYWORD ? 3
                      : g->vsub[c] == GRAPH_C_IPC   ? 2
                      : g->vsub[c] == GRAPH_C_TERM  ? 1
                                                    : 0;
        gc[ngc++] = (struct cand){c, rank + m->dmark[c] * g->csr.w[j]};
    }
    /* Terms of the query itself, else of the expanded query. */
    for (int pass = 0; pass < 2 && ntc == 0; pass++) {
        const double *q = pass ? m->q2 : m->q;
        for (uint64_t j = g->vec_off[v]; j < g->vec_off[v + 1] && ntc < 64;
             j++) {
            uint32_t t = g->vec_term[j];
            const char *surf = graph_str(g, g->term_surface[t]);
            if (q[t] > 0 && surf[0] && surf[1] && !function_bigram(surf))
                tc[ntc++] = (struct cand){t, q[t] * g->vec_w[j]};
        }
    }
    qsort(gc, ngc, sizeof *gc, cmp_cand);
    qsort(tc, ntc, sizeof *tc, cmp_cand);
    for (size_t i = 0; i < ngc; i++)
        if (g->vsub[gc[i].t] != GRAPH_C_FIELD &&
            g->vsub[gc[i].t] != GRAPH_C_TERM)
            add_concept(h, graph_str(g, g->vlabel[gc[i].t]));
    /* Chinese text is indexed as overlapping bigrams; shared bigrams that
     * follow each other in a title read better as the phrase they form. */
    struct phrase ph[8];
    bool covered[64] = {false};
    size_t nph =
        cjk_phrases(m, graph_str(g, g->vlabel[v]), tc, ntc, covered, ph, 8);
    if (m->demand != GRAPH_NONE)
        nph += cjk_phrases(m, graph_str(g, g->vlabel[m->demand]), tc, ntc,
                           covered, ph + nph, 8 - nph);
    size_t pi = 0;
    qsort(ph, nph, sizeof *ph, cmp_phrase);
    for (size_t i = 0; i < ntc; i++) {
        while (pi < nph && ph[pi].w >= tc[i].w)
            add_concept(h, ph[pi++].text);
        if (!covered[i])
            add_concept(h, graph_str(g, g->term_surface[tc[i].t]));
    }
    while (pi < nph)
        add_concept(h, ph[pi++].text);
    for (size_t i = 0; i < ngc; i++)
        if (g->vsub[gc[i].t] == GRAPH_C_FIELD)
            add_concept(h, graph_str(g, g->vlabel[gc[i].t]));
    *term = ntc ? tc[0].t : GRAPH_NONE;
    /* A field is a broad concept: a shared term says more. */
    if (ngc && (g->vsub[gc[0].t] != GRAPH_C_FIELD || ntc == 0))
        return gc[0].t;
    return GRAPH_NONE;
}

/* The first step of every path: the demand, or the query text. */
static void first_step(const struct matcher *m, struct match_hit *h)
{
    if (m->demand != GRAPH_NONE) {
        step(h, m->g, m->demand);
        h->path[0].kind = "demand";
    } else {
        h->path[h->npath++] =
            (struct match_step){.kind = "text", .id = "", .label = m->qtext};
    }
}

/* A shared term that is no concept vertex, shown as a concept. */
static void virtual_step(struct match_hit *h, const struct graph *g,
                         uint32_t term)
{
    if (g->term_vertex[term] != GRAPH_NONE) {
        step(h, g, g->term_vertex[term]);
        return;
    }
    if (h->npath >= MATCH_MAX_PATH)
        return;
    struct match_step *s = &h->path[h->npath++];
    s->kind = "concept";
    s->id = graph_str(g, g->term_str[term]);
    s->label = graph_str(g, g->term_surface[term]);
}

/* Appends the inner vertices of a shortest path from the demand to v
 * (breadth-first, bounded); false when there is none short enough. */
static bool bfs_path(struct matcher *m, uint32_t v, struct match_hit *h)
{
    const struct graph *g = m->g;
    size_t head = 0, tail = 0;
    m->queue[tail++] = m->demand;
    m->seen[m->demand] = 1;
    m->parent[m->demand] = GRAPH_NONE;
    bool found = false;
    while (head < tail && !found && tail < MATCH_BFS_LIMIT) {
        uint32_t u = m->queue[head++];
        for (uint64_t j = g->csr.off[u]; j < g->csr.off[u + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            if (m->seen[x])
                continue;
            m->seen[x] = 1;
            m->parent[x] = u;
            m->queue[tail++] = x;
            if (x == v) {
                found = true;
                break;
            }
        }
    }
    /* Room is left for the hit and, after it, an expert and institution. */
    uint32_t chain[MATCH_MAX_PATH];
    size_t n = 0;
    size_t room = MATCH_MAX_PATH - h->npath - 3;
    for (uint32_t x = found ? m->parent[v] : m->demand; x != m->demand;
         x = m->parent[x]) {
        if (n == room) {
            found = false;
            break;
        }
        chain[n++] = x;
    }
    for (size_t i = 0; i < tail; i++)
        m->seen[m->queue[i]] = 0;
    while (found && n > 0)
        step(h, g, chain[--n]);
    return found;
}

/* demand -> concept -> item: through a concept vertex next to both, else
 * through the term that adds most to their cosine (a term outside the
 * item's strongest ones has no edge of its own), else along a shortest
 * path in the graph. */
static void item_path(struct matcher *m, uint32_t v, struct match_hit *h)
{
    const struct graph *g = m->g;
    uint32_t term;
    uint32_t c = shared_concepts(m, v, h, &term);
    first_step(m, h);
    if (c != GRAPH_NONE)
        step(h, g, c);
    else if (term != GRAPH_NONE)
        virtual_step(h, g, term);
    else if (m->demand != GRAPH_NONE)
        bfs_path(m, v, h);
    step(h, g, v);
}

/* The neighbour of v (through an edge of the given types) with the best
 * text z, or GRAPH_NONE. */
static uint32_t best_neighbour(const struct matcher *m, uint32_t v,
                               unsigned types, bool items_only)
{
    const struct graph *g = m->g;
    uint32_t best = GRAPH_NONE;
    double bz = -INFINITY;
    for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++) {
        uint32_t x = g->csr.adj[j];
        if (!(types & (1u << g->etype[j])) || !m->thas[x])
            continue;
        if (items_only && !is_item(g->vkind[x]))
            continue;
        if (m->tz[x] > bz) {
            bz = m->tz[x];
            best = x;
        }
    }
    return best;
}

static void explain(struct matcher *m, struct match_hit *h)
{
    const struct graph *g = m->g;
    uint32_t v = h->v;
    unsigned k = g->vkind[v];
    const unsigned person = (1u << GRAPH_E_AUTHORED) | (1u << GRAPH_E_INVENTED);
    if (is_item(k)) {
        item_path(m, v, h);
        return;
    }
    if (k == KG_EXPERT) {
        uint32_t it = best_neighbour(m, v, person, true);
        if (it != GRAPH_NONE) {
            item_path(m, it, h);
            step(h, g, v);
        } else {
            item_path(m, v, h); /* through the expert's profile */
        }
        return;
    }
    /* institution: its best expert or item */
    uint32_t e = best_neighbour(m, v, 1u << GRAPH_E_AFFILIATED_WITH, false);
    uint32_t it = best_neighbour(m, v, 1u << GRAPH_E_OWNS, true);
    if (e != GRAPH_NONE && (it == GRAPH_NONE || m->tz[e] >= m->tz[it])) {
        uint32_t ei = best_neighbour(m, e, person, true);
        item_path(m, ei != GRAPH_NONE ? ei : e, h);
        if (ei != GRAPH_NONE)
            step(h, g, e);
    } else if (it != GRAPH_NONE) {
        item_path(m, it, h);
    } else {
        item_path(m, v, h);
        return;
    }
    step(h, g, v);
}

/* ---- scoring and selection ---------------------------------------------- */

static double squash(const struct match_config *c, double z)
{
    return 1.0 / (1.0 + exp(-(z - c->squash_center) / c->squash_scale));
}

static int cmp_score(const void *a, const void *b, void *ctx)
{
    const struct matcher *m = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (m->score[x] != m->score[y])
        return m->score[x] > m->score[y] ? -1 : 1;
    return strcmp(graph_str(m->g, m->g->vid[x]), graph_str(m->g, m->g->vid[y]));
}

/* A pairing is cross-domain when both sides are placed, their domains do
 * not meet, the score is high and real text stands behind it (a high
 * z-score alone can come from a demand nothing fits well). */
static bool is_cross(const struct matcher *m, domain_mask dm, uint32_t v,
                     double score)
{
    domain_mask vm = m->g->vdomain[v];
    return dm && vm && !(dm & vm) && score >= m->c.cross_min && m->thas[v] &&
           m->tbest[v] >= m->c.cross_cosine;
}

static domain_mask query_domains(const struct matcher *m)
{
    if (m->demand != GRAPH_NONE)
        return m->g->vdomain[m->demand];
    return domain_of_text(m->qtext, strlen(m->qtext), 1);
}

kg_status match_run(struct matcher *m, const struct match_query *q,
                    struct match_result *r)
{
    const struct graph *g = m->g;
    memset(r, 0, sizeof *r);
    m->errbuf[0] = '\0';
    clear_query(m);
    m->demand = q->demand;
    m->enterprise = GRAPH_NONE;
    m->qtext = q->text ? q->text : "";
    kg_status st = KG_OK;
    if (q->demand != GRAPH_NONE) {
        if (q->demand >= g->nv || g->vkind[q->demand] != KG_DEMAND) {
            snprintf(m->errbuf, sizeof m->errbuf, "not a demand vertex");
            return KG_EUSAGE;
        }
        demand_vector(m, q->demand);
        uint32_t d = q->demand;
        for (uint64_t j = g->csr.off[d]; j < g->csr.off[d + 1]; j++)
            if (g->etype[j] == GRAPH_E_POSTED) {
                m->enterprise = g->csr.adj[j];
                break;
            }
    } else {
        st = text_vector(m, m->qtext);
        if (st != KG_OK)
            return st;
    }
    st = add_translations(m, q->xterms, q->nxterms);
    if (st != KG_OK)
        return st;
    text_pass(m);
    zscore_kind(m, KG_ACHIEVEMENT);
    zscore_kind(m, KG_PATENT);
    zscore_kind(m, KG_EXPERT);
    st = bm25_pass(m, q->bm25_text
                          ? q->bm25_text
                          : (q->demand == GRAPH_NONE ? m->qtext : NULL));
    if (st != KG_OK)
        return st;
    for (size_t i = 0; i < m->npool[KG_INSTITUTION]; i++)
        m->thas[m->pool[KG_INSTITUTION][i]] = false;
    size_t cap = 4096;
    double *buf = kg_xmalloc(cap * sizeof *buf);
    text_people(m, buf, cap);
    mark_demand_concepts(m);
    st = graph_pass(m);
    if (st != KG_OK) {
        snprintf(m->errbuf, sizeof m->errbuf, "personalized PageRank: %s",
                 kg_status_str(st));
        free(buf);
        return st;
    }
    graph_people(m, buf, cap);
    free(buf);
    mark_ties(m);
    r->demand_domains = query_domains(m);

    static const kg_kind order[] = {KG_ACHIEVEMENT, KG_PATENT, KG_EXPERT,
                                    KG_INSTITUTION};
    unsigned kinds =
        q->kinds ? q->kinds
                 : KG_KIND_BIT(KG_ACHIEVEMENT) | KG_KIND_BIT(KG_PATENT) |
                       KG_KIND_BIT(KG_EXPERT) | KG_KIND_BIT(KG_INSTITUTION);
    size_t cap_hits = 0;
    for (int k = 0; k < 4; k++)
        if (kinds & KG_KIND_BIT(order[k]))
            cap_hits += q->top && q->top < m->npool[order[k]]
                            ? q->top
                            : m->npool[order[k]];
    r->hits = kg_xcalloc(cap_hits ? cap_hits : 1, sizeof *r->hits);
    domain_mask dm = r->demand_domains;
    for (int k = 0; k < 4; k++) {
        kg_kind kind = order[k];
        if (!(kinds & KG_KIND_BIT(kind)))
            continue;
        uint32_t *cand =
            kg_xmalloc((m->npool[kind] ? m->npool[kind] : 1) * sizeof *cand);
        size_t nc = 0, nh = 0;
        for (size_t i = 0; i < m->npool[kind]; i++) {
            uint32_t v = m->pool[kind][i];
            /* Text evidence: an item that shares terms with the (expanded)
             * query; a person or institution with scored items. */
            bool text = m->thas[v] && m->tev[v];
            double gv = m->ghas[v] ? m->gz[v] : -INFINITY;
            if (!text && !isfinite(gv))
                continue;
            double tp = text ? m->c.w_text * squash(&m->c, m->tz[v]) : 0;
            double gp = isfinite(gv) ? m->c.w_graph * squash(&m->c, gv) : 0;
            /* With a full top-N heap, a candidate that cannot pass its worst
             * even with a perfect fit is done. */
            if (q->top && nh == q->top && tp + gp + m->c.w_fit < m->heap[0].s)
                continue;
            double s = tp + gp + m->c.w_fit * fit_of(m, v);
            bool cross = is_cross(m, dm, v, s);
            if (q->cross_only && !cross)
                continue;
            m->score[v] = s;
            m->tpart[v] = tp;
            m->gpart[v] = gp;
            if (q->top) {
                struct scored x = {s, v, graph_str(g, g->vid[v])};
                heap_offer(m->heap, &nh, q->top, &x);
            } else {
                cand[nc++] = v;
            }
        }
        size_t keep = nc;
        if (q->top) {
            heap_sort_desc(m->heap, nh);
            for (size_t i = 0; i < nh; i++)
                cand[i] = m->heap[i].v;
            keep = nh;
        } else {
            qsort_r(cand, nc, sizeof *cand, cmp_score, m);
        }
        for (size_t i = 0; i < keep; i++) {
            uint32_t v = cand[i];
            struct match_hit *h = &r->hits[r->n++];
            h->v = v;
            h->kind = kind;
            h->score = m->score[v];
            h->text = m->tpart[v];
            h->graph = m->gpart[v];
            h->fit = h->score - h->text - h->graph;
            h->cross_domain = is_cross(m, dm, v, h->score);
        }
        free(cand);
    }
    if (q->explain)
        for (size_t i = 0; i < r->n; i++)
            explain(m, &r->hits[i]);
    return KG_OK;
}

/* ---- batches ------------------------------------------------------------ */

struct batch {
    const struct match_query *qs;
    struct match_result *res;
    kg_status *st;
    size_t lo, hi;
    size_t next;
    size_t failed;    /* the first query of the window that failed */
    char errbuf[256]; /* ... and its matcher's message */
    pthread_mutex_t lock;
};

static void *batch_worker(void *arg)
{
    struct batch *b = ((struct batch **)arg)[0];
    struct matcher *m = ((struct matcher **)arg)[1];
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t i = b->next++;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->hi)
            break;
        kg_status st = match_run(m, &b->qs[i], &b->res[i - b->lo]);
        b->st[i - b->lo] = st;
        if (st != KG_OK) {
            /* The matcher's message is gone after its next query. */
            pthread_mutex_lock(&b->lock);
            if (i < b->failed) {
                b->failed = i;
                snprintf(b->errbuf, sizeof b->errbuf, "%s",
                         match_last_error(m));
            }
            pthread_mutex_unlock(&b->lock);
        }
    }
    return NULL;
}

unsigned match_threads(const struct match_config *c, size_t n)
{
    unsigned threads = c->threads;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (unsigned)cpus : 1;
    }
    if (threads > 8)
        threads = 8;
    if (threads > n)
        threads = n ? (unsigned)n : 1;
    return threads;
}

kg_status match_batch(const struct graph *g, const struct match_config *c,
                      const struct match_indexes *ixs,
                      const struct match_query *qs, size_t n, match_batch_cb cb,
                      void *ctx, char *err, size_t errlen)
{
    unsigned threads = match_threads(c, n);
    if (ixs && ixs->n && threads > ixs->n)
        threads = (unsigned)ixs->n;
    struct matcher **ms = kg_xcalloc(threads, sizeof *ms);
    kg_status st = KG_OK;
    for (unsigned t = 0; t < threads && st == KG_OK; t++) {
        st = match_new(g, c, &ms[t], err, errlen);
        if (st == KG_OK && ixs && t < ixs->n)
            match_set_index(ms[t], ixs->ix[t]);
    }
    size_t window = 32 * (size_t)threads;
    struct match_result *res = kg_xcalloc(window, sizeof *res);
    kg_status *rst = kg_xcalloc(window, sizeof *rst);
    pthread_t *tid = kg_xcalloc(threads, sizeof *tid);
    void *(*args)[2] = kg_xcalloc(threads, sizeof *args);
    struct batch b = {.qs = qs, .res = res, .st = rst};
    pthread_mutex_init(&b.lock, NULL);
    bool stop = false;
    for (size_t lo = 0; lo < n && st == KG_OK && !stop; lo += window) {
        b.lo = lo;
        b.hi = lo + window < n ? lo + window : n;
        b.next = lo;
        b.failed = SIZE_MAX;
        unsigned started = 0;
        for (unsigned t = 1; t < threads; t++) {
            args[t][0] = &b;
            args[t][1] = ms[t];
            if (pthread_create(&tid[t], NULL, batch_worker, args[t]) == 0)
                started = t;
            else
                break;
        }
        args[0][0] = &b;
        args[0][1] = ms[0];
        batch_worker(args[0]);
        for (unsigned t = 1; t <= started; t++)
            pthread_join(tid[t], NULL);
        for (size_t i = b.lo; i < b.hi; i++) {
            if (st == KG_OK && rst[i - lo] != KG_OK) {
                st = rst[i - lo];
                uint32_t d = qs[i].demand;
                if (d < g->nv)
                    snprintf(err, errlen, "demand %s: %s",
                             graph_str(g, g->vid[d]), b.errbuf);
                else
                    snprintf(err, errlen, "query %zu: %s", i, b.errbuf);
            }
            if (st == KG_OK && !stop && !cb(i, &res[i - lo], ctx))
                stop = true;
            match_result_release(&res[i - lo]);
        }
    }
    pthread_mutex_destroy(&b.lock);
    for (unsigned t = 0; t < threads; t++)
        match_free(ms[t]);
    free(ms);
    free(res);
    free(rst);
    free(tid);
    free(args);
    return st;
}
