/*
 * rank.c - personalized PageRank: forward push over a CSR for requests,
 * igraph's PRPACK for reference results. The push keeps the invariant
 * pi = p + PPR(residual), so the estimate p only ever grows towards pi.
 */
#include "graph/rank.h"

#include "core/arena.h"

#include <igraph/igraph.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

kg_status rank_csr_build(struct rank_csr_owned *out, uint32_t n,
                         const uint32_t *src, const uint32_t *dst,
                         const float *w, size_t m)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < m; i++) {
        if (src[i] >= n || dst[i] >= n)
            return KG_EINPUT;
        if (w && !(w[i] > 0 && isfinite(w[i])))
            return KG_EINPUT;
    }
    uint64_t *off = kg_xcalloc((size_t)n + 1, sizeof *off);
    for (size_t i = 0; i < m; i++) {
        if (src[i] == dst[i])
            continue;
        off[src[i] + 1]++;
        off[dst[i] + 1]++;
    }
    for (uint32_t v = 0; v < n; v++)
        off[v + 1] += off[v];
    uint64_t ne = off[n];
    uint32_t *adj = kg_xmalloc((ne ? ne : 1) * sizeof *adj);
    float *wt = kg_xmalloc((ne ? ne : 1) * sizeof *wt);
    uint64_t *fill = kg_xmalloc(((size_t)n + 1) * sizeof *fill);
    memcpy(fill, off, ((size_t)n + 1) * sizeof *fill);
    for (size_t i = 0; i < m; i++) {
        if (src[i] == dst[i])
            continue;
        float x = w ? w[i] : 1.0f;
        adj[fill[src[i]]] = dst[i];
        wt[fill[src[i]]++] = x;
        adj[fill[dst[i]]] = src[i];
        wt[fill[dst[i]]++] = x;
    }
    free(fill);
    /* Sort each neighbour list by vertex (insertion sort: lists are short
     * on average and often nearly sorted already). */
    for (uint32_t v = 0; v < n; v++) {
        for (uint64_t i = off[v] + 1; i < off[v + 1]; i++) {
            uint32_t a = adj[i];
            float x = wt[i];
            uint64_t j = i;
            while (j > off[v] && adj[j - 1] > a) {
                adj[j] = adj[j - 1];
                wt[j] = wt[j - 1];
                j--;
            }
            adj[j] = a;
            wt[j] = x;
        }
    }
    float *wdeg = kg_xcalloc(n ? n : 1, sizeof *wdeg);
    for (uint32_t v = 0; v < n; v++) {
        double s = 0;
        for (uint64_t i = off[v]; i < off[v + 1]; i++)
            s += wt[i];
        wdeg[v] = (float)s;
    }
    out->off = off;
    out->adj = adj;
    out->w = wt;
    out->wdeg = wdeg;
    out->g = (struct rank_csr){
        .n = n, .off = off, .adj = adj, .w = wt, .wdeg = wdeg};
    return KG_OK;
}

void rank_csr_release(struct rank_csr_owned *c)
{
    free(c->off);
    free(c->adj);
    free(c->w);
    free(c->wdeg);
    memset(c, 0, sizeof *c);
}

/* The state of one vertex a push spreads to: residual and flags side by
 * side (16 bytes, four to a cache line). The estimates are an array of
 * their own: a push adds to one per vertex it takes from the queue, and a
 * matcher reads them for every item (rank_ppr_value) at 8 bytes apiece. */
/* A vertex's residual and flags, with its weighted degree copied in when
 * the push first touches it (the test on every edge into it then reads
 * one cache line, not two). */
struct ppr_vertex {
    double r;
    float wdeg;
    uint8_t queued, touched;
};

/* How far ahead along a neighbour list the push prefetches; and how many
 * places on in the queue is the vertex whose state, estimate and list
 * offset it fetches early, for the push it will take its turn in. */
#define PPR_AHEAD 8
#define PPR_NEXT 4

struct rank_ppr {
    uint32_t n;
    double *est;
    struct ppr_vertex *pr;
    uint32_t *queue; /* ring buffer of n slots: each vertex at most once */
    uint32_t *support;
    size_t nsupport;
    uint64_t pushes;
    size_t len; /* of the mapping behind est, pr, queue and support */
};

struct rank_ppr *rank_ppr_new(uint32_t n)
{
    struct rank_ppr *p = kg_xcalloc(1, sizeof *p);
    size_t sz = n ? n : 1;
    p->n = n;
    /* One zeroed mapping for all arrays: a push touches scattered
     * vertices, and huge pages keep that from costing a fault each. */
    size_t e = (sz * sizeof *p->est + 63) & ~(size_t)63;
    size_t a = (sz * sizeof *p->pr + 63) & ~(size_t)63;
    size_t b = (sz * sizeof(uint32_t) + 63) & ~(size_t)63;
    p->len = e + a + 2 * b;
    char *m = arena_zalloc(p->len);
    p->est = (void *)m;
    p->pr = (void *)(m + e);
    p->queue = (void *)(m + e + a);
    p->support = (void *)(m + e + a + b);
    return p;
}

void rank_ppr_free(struct rank_ppr *p)
{
    if (!p)
        return;
    arena_free(p->est, p->len);
    free(p);
}

static void touch(struct rank_ppr *p, const struct rank_csr *g, uint32_t v)
{
    if (!p->pr[v].touched) {
        p->pr[v].touched = 1;
        p->pr[v].wdeg = g->wdeg[v];
        p->support[p->nsupport++] = v;
    }
}

/* Queues v (not queued yet) at the ring's tail. */
static void enqueue(struct rank_ppr *p, uint32_t v, uint32_t *tail,
                    uint32_t *len)
{
    p->pr[v].queued = 1;
    p->queue[*tail] = v;
    *tail = *tail + 1 == p->n ? 0 : *tail + 1;
    (*len)++;
}

/* Seed i's weight: seed_w[i] (1 without seed_w), 0 unless positive and
 * finite. */
static double seed_weight(const double *seed_w, size_t i)
{
    double x = seed_w ? seed_w[i] : 1.0;
    return x > 0 && isfinite(x) ? x : 0;
}

/* Whether the seeds are vertices of g with a positive total weight
 * (*total). */
static bool seeds_valid(const struct rank_csr *g, const uint32_t *seeds,
                        const double *seed_w, size_t nseeds, double *total)
{
    *total = 0;
    for (size_t i = 0; i < nseeds; i++) {
        if (seeds[i] >= g->n)
            return false;
        *total += seed_weight(seed_w, i);
    }
    return *total > 0;
}

static void clear(struct rank_ppr *p)
{
    for (size_t i = 0; i < p->nsupport; i++) {
        uint32_t v = p->support[i];
        p->est[v] = 0;
        p->pr[v].r = 0;
        p->pr[v].touched = 0;
        p->pr[v].queued = 0;
    }
    p->nsupport = 0;
    p->pushes = 0;
}

kg_status rank_ppr_push(struct rank_ppr *p, const struct rank_csr *g,
                        const uint32_t *seeds, const double *seed_w,
                        size_t nseeds, const struct rank_opts *opts)
{
    double d = opts && opts->damping > 0 ? opts->damping : 0.85;
    double eps = opts && opts->eps > 0 ? opts->eps : 1e-7;
    clear(p);
    if (g->n > p->n)
        return KG_EINPUT;
    double total;
    if (!seeds_valid(g, seeds, seed_w, nseeds, &total))
        return KG_EINPUT;
    uint32_t head = 0, tail = 0, len = 0;
    for (size_t i = 0; i < nseeds; i++) {
        double x = seed_weight(seed_w, i);
        if (!(x > 0))
            continue;
        uint32_t s = seeds[i];
        touch(p, g, s);
        p->pr[s].r += x / total;
        if (!p->pr[s].queued)
            enqueue(p, s, &tail, &len);
    }
    while (len > 0) {
        uint32_t u = p->queue[head];
        head = head + 1 == p->n ? 0 : head + 1;
        len--;
        if (len > PPR_NEXT) { /* a vertex queued a few places on */
            uint32_t x =
                p->queue[head + PPR_NEXT < p->n ? head + PPR_NEXT
                                                : head + PPR_NEXT - p->n];
            __builtin_prefetch(&p->pr[x], 1);
            __builtin_prefetch(&p->est[x], 1);
            __builtin_prefetch(&g->off[x]);
        }
        p->pr[u].queued = 0;
        double ru = p->pr[u].r;
        p->pr[u].r = 0;
        p->est[u] += (1 - d) * ru;
        p->pushes++;
        double wd = p->pr[u].wdeg;
        if (!(wd > 0)) {
            /* A dead end restarts the walk at the seeds. Mass that restarts
             * at u itself comes back geometrically: settle it at once. */
            double fu = 0;
            for (size_t i = 0; i < nseeds; i++)
                if (seeds[i] == u)
                    fu += seed_weight(seed_w, i) / total;
            double rr = ru / (1 - d * fu);
            p->est[u] += (1 - d) * (rr - ru);
            for (size_t i = 0; i < nseeds; i++) {
                double x = seed_weight(seed_w, i);
                if (!(x > 0) || seeds[i] == u)
                    continue;
                uint32_t s = seeds[i];
                p->pr[s].r += d * rr * x / total;
                if (!p->pr[s].queued && p->pr[s].r > eps * p->pr[s].wdeg)
                    enqueue(p, s, &tail, &len);
            }
            continue;
        }
        double share = d * ru / wd;
        uint64_t end = g->off[u + 1];
        for (uint64_t i = g->off[u]; i < end; i++) {
            uint32_t v = g->adj[i];
            if (i + PPR_AHEAD < end) /* a hub's neighbours: ahead of time */
                __builtin_prefetch(&p->pr[g->adj[i + PPR_AHEAD]], 1);
            touch(p, g, v);
            p->pr[v].r += share * g->w[i];
            if (!p->pr[v].queued && p->pr[v].r > eps * p->pr[v].wdeg)
                enqueue(p, v, &tail, &len);
        }
    }
    return KG_OK;
}

double rank_ppr_value(const struct rank_ppr *p, uint32_t v)
{
    return v < p->n ? p->est[v] : 0;
}

const double *rank_ppr_estimates(const struct rank_ppr *p)
{
    return p->est;
}

const uint32_t *rank_ppr_support(const struct rank_ppr *p, size_t *n)
{
    *n = p->nsupport;
    return p->support;
}

uint64_t rank_ppr_pushes(const struct rank_ppr *p)
{
    return p->pushes;
}

/* Builds the igraph graph and weights of g: each stored pair u < v is one
 * undirected edge. */
static igraph_error_t exact_graph(const struct rank_csr *g, igraph_t *ig,
                                  igraph_vector_t *wv)
{
    igraph_vector_int_t edges;
    IGRAPH_CHECK(igraph_vector_int_init(&edges, 0));
    IGRAPH_FINALLY(igraph_vector_int_destroy, &edges);
    for (uint32_t u = 0; u < g->n; u++) {
        for (uint64_t i = g->off[u]; i < g->off[u + 1]; i++) {
            if (g->adj[i] <= u)
                continue;
            IGRAPH_CHECK(igraph_vector_int_push_back(&edges, u));
            IGRAPH_CHECK(igraph_vector_int_push_back(&edges, g->adj[i]));
            IGRAPH_CHECK(igraph_vector_push_back(wv, g->w[i]));
        }
    }
    IGRAPH_CHECK(igraph_create(ig, &edges, g->n, IGRAPH_UNDIRECTED));
    igraph_vector_int_destroy(&edges);
    IGRAPH_FINALLY_CLEAN(1);
    return IGRAPH_SUCCESS;
}

kg_status rank_ppr_exact(const struct rank_csr *g, const uint32_t *seeds,
                         const double *seed_w, size_t nseeds, double damping,
                         double *out)
{
    double total;
    if (!seeds_valid(g, seeds, seed_w, nseeds, &total))
        return KG_EINPUT;
    igraph_error_handler_t *old =
        igraph_set_error_handler(igraph_error_handler_ignore);
    kg_status st = KG_EINTERNAL;
    igraph_t ig;
    igraph_vector_t wv, reset, vec;
    bool have_graph = false, have_vec = false;
    if (igraph_vector_init(&wv, 0) != IGRAPH_SUCCESS)
        goto fail_wv;
    if (igraph_vector_init(&reset, g->n) != IGRAPH_SUCCESS)
        goto fail_reset;
    if (exact_graph(g, &ig, &wv) != IGRAPH_SUCCESS)
        goto fail;
    have_graph = true;
    for (size_t i = 0; i < nseeds; i++)
        VECTOR(reset)[seeds[i]] += seed_weight(seed_w, i) / total;
    if (igraph_vector_init(&vec, 0) != IGRAPH_SUCCESS)
        goto fail;
    have_vec = true;
    if (igraph_personalized_pagerank(&ig, IGRAPH_PAGERANK_ALGO_PRPACK, &vec,
                                     NULL, igraph_vss_all(), false, damping,
                                     &reset, &wv, NULL) != IGRAPH_SUCCESS)
        goto fail;
    for (uint32_t v = 0; v < g->n; v++)
        out[v] = VECTOR(vec)[v];
    st = KG_OK;
fail:
    if (have_vec)
        igraph_vector_destroy(&vec);
    if (have_graph)
        igraph_destroy(&ig);
    igraph_vector_destroy(&reset);
fail_reset:
    igraph_vector_destroy(&wv);
fail_wv:
    igraph_set_error_handler(old);
    return st;
}

size_t rank_top_k(const double *values, uint32_t n, uint32_t *top, size_t k)
{
    size_t m = 0;
    if (k == 0)
        return 0;
    /* Insertion into a sorted array of k: fine for the small k used. */
    for (uint32_t v = 0; v < n; v++) {
        double x = values[v];
        if (m == k && !(x > values[top[m - 1]]))
            continue;
        size_t j = m < k ? m++ : m - 1;
        while (j > 0 && x > values[top[j - 1]]) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = v;
    }
    return m;
}
