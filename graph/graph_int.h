/*
 * graph_int.h - the graph image's layout, private to graph/ (and the
 * unit tests): the side arrays, the CSR adjacency and the term vectors.
 * Everyone else reads the graph through graph.h's functions.
 */
#ifndef KG_GRAPH_INT_H
#define KG_GRAPH_INT_H

#include "graph/graph.h"

/*
 * The graph image. Everything is read-only and owned by the graph. Strings
 * are offsets into `strings`. Vertex ids are dense 0..nv-1; record ids and
 * concept keys ("kw:铝合金", "ipc:B23K 9/173", "term:weld") are in vid.
 */
struct graph {
    uint32_t nv;
    uint32_t nrec;   /* records are vertices 0 .. nrec-1, concepts after */
    uint64_t ne;     /* undirected edges (the CSR holds each twice) */
    int64_t version; /* the store version it was built from */
    int ref_year;    /* the newest item year: "now" for recency */
    const uint8_t *vkind, *vsub, *vmaturity;
    const int16_t *vyear;
    const uint32_t *vid, *vlabel, *vregion;
    const domain_mask *vdomain;
    const uint32_t *order; /* vertices sorted by (kind, id) */
    struct rank_csr csr;
    const uint8_t *etype; /* parallel to csr.adj */
    /* Sublinear TF-IDF vectors (L2-normalized): the terms of vertex v are
     * vec_term[vec_off[v] .. vec_off[v+1]). Demands keep all their terms,
     * other records their strongest item_terms. */
    uint32_t nterms, ndocs;
    const uint64_t *vec_off;
    const uint32_t *vec_term;
    const float *vec_w;
    /* Postings: the records (all but demands) holding term t are
     * inv_v[inv_off[t] .. inv_off[t+1]), ascending, with their weights. */
    const uint64_t *inv_off;
    const uint32_t *inv_v;
    const float *inv_w;
    const uint32_t *term_str, *term_surface, *term_df, *term_vertex;
    const uint32_t *term_order; /* terms sorted by string */
    const char *strings;
    struct graph_mem *mem; /* private: the mapping or buffer */
};

static inline const char *graph_str(const struct graph *g, uint32_t off)
{
    return g->strings + off;
}

#endif
