/*
 * rank.h - personalized PageRank over a resident weighted adjacency (CSR):
 * a forward-push approximation (Andersen, Chung and Lang 2006) fast enough
 * for one call per request, and igraph's exact PRPACK result to check it.
 * No igraph type appears here.
 */
#ifndef KG_RANK_H
#define KG_RANK_H

#include "core/kg.h"

/*
 * An undirected weighted graph in compressed sparse rows: the neighbours
 * of u are adj[off[u] .. off[u+1]) with weights w[...] (> 0), each edge
 * stored in both directions; wdeg[u] is the sum of u's weights. The arrays
 * belong to whoever filled the struct (a rank_csr_build result or a
 * memory-mapped graph cache).
 */
struct rank_csr {
    uint32_t n;
    const uint64_t *off;
    const uint32_t *adj;
    const float *w;
    const float *wdeg;
};

/* An owned CSR built from an edge list. */
struct rank_csr_owned {
    struct rank_csr g;
    uint64_t *off;
    uint32_t *adj;
    float *w;
    float *wdeg;
};

/*
 * Builds the CSR of n vertices from m undirected edges (src[i], dst[i],
 * weight w[i] > 0; w may be NULL for 1). Parallel edges are kept, self-loops
 * are dropped. Neighbour lists are sorted by vertex. Returns KG_EINPUT when
 * an endpoint is >= n or a weight is not positive and finite; out is then
 * left empty (safe to release).
 */
kg_status rank_csr_build(struct rank_csr_owned *out, uint32_t n,
                         const uint32_t *src, const uint32_t *dst,
                         const float *w, size_t m) KG_MUST_CHECK;
void rank_csr_release(struct rank_csr_owned *c);

/* Personalized PageRank settings; zero means the default. */
struct rank_opts {
    double damping; /* probability of following an edge (default 0.85) */
    double eps;     /* push while residual > eps * weighted degree
                       (default 1e-7) */
};

/* A reusable workspace for forward push on graphs of up to n vertices.
 * One per thread; the graph itself may be shared read-only. */
struct rank_ppr;
struct rank_ppr *rank_ppr_new(uint32_t n);
void rank_ppr_free(struct rank_ppr *p); /* NULL is a no-op */

/*
 * Approximates the personalized PageRank of every vertex for a restart
 * distribution over seeds (weights seed_w > 0, NULL for equal; they are
 * normalized to sum 1). Every vertex's estimate is below its true value by
 * at most eps times its weighted degree. A walk at a vertex without edges
 * restarts. Returns KG_EINPUT for a seed out of range or no positive seed
 * weight (the result is then all zero).
 */
kg_status rank_ppr_push(struct rank_ppr *p, const struct rank_csr *g,
                        const uint32_t *seeds, const double *seed_w,
                        size_t nseeds,
                        const struct rank_opts *opts) KG_MUST_CHECK;

/* The estimate of vertex v from the last push (0 when untouched). */
double rank_ppr_value(const struct rank_ppr *p, uint32_t v);
/* Every vertex's estimate from the last push (n of them, 0 when
 * untouched): rank_ppr_value without a call per vertex. Owned by p,
 * valid until the next push. */
const double *rank_ppr_estimates(const struct rank_ppr *p);
/* Vertices with a non-zero estimate after the last push, in no order;
 * owned by p, valid until the next push. */
const uint32_t *rank_ppr_support(const struct rank_ppr *p, size_t *n);
/* Number of push operations the last call made (for benchmarks). */
uint64_t rank_ppr_pushes(const struct rank_ppr *p);

/*
 * The exact personalized PageRank with igraph's PRPACK solver, for tests and
 * benchmarks: builds an igraph graph from g on every call (slow). out has
 * g->n entries and sums to 1. Returns KG_EINPUT for bad seeds, KG_EINTERNAL
 * when igraph fails (out is then unspecified).
 */
kg_status rank_ppr_exact(const struct rank_csr *g, const uint32_t *seeds,
                         const double *seed_w, size_t nseeds, double damping,
                         double *out) KG_MUST_CHECK;

/*
 * The k vertices with the highest values among n (ties by lower index), in
 * descending order, into top[] (room for k). Returns how many were written
 * (min(k, n)).
 */
size_t rank_top_k(const double *values, uint32_t n, uint32_t *top, size_t k);

#endif
