/*
 * graph_int.h - the graph image's layout, private to graph/ (and the
 * unit tests): the side arrays, the CSR adjacency and the term vectors.
 * Everyone else reads the graph through graph.h's functions.
 */
#ifndef KG_GRAPH_INT_H
#define KG_GRAPH_INT_H

#include "core/image.h"
#include "graph/graph.h"

/*
 * The people's lists (graph/people.c), which the matcher's aggregates of
 * experts and institutions read (match_people.c). The pools are the
 * vertices of a kind in vertex order; an item's place is its index among
 * the achievements, then the patents. By pool index: expert i's members
 * (the items it authored or invented) are emem[eoff[i] .. eoff[i+1]),
 * institution i's (its items and affiliated experts) imem[ioff[i] ..);
 * eone / ione mark those aggregated member by member (more members than
 * GRAPH_PEOPLE_CAP, or a member that is neither an item nor an expert);
 * ecount[i] counts an expert's achievements and patents with a vector,
 * then all of them; icount[i] an institution's with a vector. The other
 * way round, for the people not so marked: the experts taking item place
 * p are xexp[xoff[p] .. xoff[p+1]), the institutions yinst[yoff[p] ..),
 * and those taking expert i's value zinst[zoff[i] .. zoff[i+1]); each
 * taker list ends in GRAPH_PEOPLE_AHEAD zeros (read ahead, never used).
 */
#define GRAPH_PEOPLE_CAP 4096 /* the values a person may aggregate */
#define GRAPH_PEOPLE_AHEAD 16 /* zeros a prefetch ahead may read */

struct graph_people {
    uint32_t ne, ni, na, nitems; /* experts, institutions; items */
    const uint64_t *eoff, *ioff, *xoff, *yoff, *zoff;
    const uint32_t *emem, *imem, *xexp, *yinst, *zinst;
    const uint8_t *eone, *ione;
    const uint32_t (*ecount)[4];
    const uint32_t (*icount)[2];
};

/* The lists as the build makes them (people.c), each array malloc'ed. */
struct people_built {
    uint32_t ne, ni, na, nitems;
    uint64_t nemem, nimem, nxexp, nyinst, nzinst; /* without the zeros */
    uint64_t *eoff, *ioff, *xoff, *yoff, *zoff;
    uint32_t *emem, *imem, *xexp, *yinst, *zinst;
    uint8_t *eone, *ione;
    uint32_t (*ecount)[4];
    uint32_t (*icount)[2];
};

/* igraph, loaded on first use (igraph_lazy.c): why it cannot be (NULL
 * when it is loaded), and its C attribute handler table (NULL then). */
struct igraph_attribute_table_t;
const char *graph_igraph_unavailable(void);
const struct igraph_attribute_table_t *graph_igraph_cattribute_table(void);

/* The records of each kind in vertex order (a matcher's pools), one after
 * another in one block from core/arena.h (access.c); graph_pools_free
 * releases them. */
void graph_pools(const struct graph *g, uint32_t *pool[KG_KIND_COUNT],
                 size_t npool[KG_KIND_COUNT]);
void graph_pools_free(const struct graph *g, uint32_t *pool[KG_KIND_COUNT]);

/* Lists the people of g (its vertices, edges and vectors) into b. */
void people_build(const struct graph *g, struct people_built *b);
void people_built_release(struct people_built *b);

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
    struct graph_people people;
    struct graph_mem *mem; /* private: the mapping or buffer */
};

static inline const char *graph_str(const struct graph *g, uint32_t off)
{
    return g->strings + off;
}

/* ---- shared by graph.c (the build) and graph_image.c (the cache file) -- */

#define GRAPH_MAGIC "KGGRAPH"
#define GRAPH_FORMAT 6
#define DEFAULT_ITEM_TERMS 64
#define DEFAULT_CONCEPT_TERMS 8

struct graph_mem {
    void *base; /* the image: mmap'ed file or malloc'ed buffer */
    size_t len;
    bool mapped;
    /* how graph_open went (graph_info) */
    char *path; /* NULL with no_cache */
    bool built, in_memory;
    enum graph_rebuild rebuilt;
    char why[256], write_err[256];
};

enum gsec {
    G_VKIND,
    G_VSUB,
    G_VMATURITY,
    G_VYEAR,
    G_VID,
    G_VLABEL,
    G_VREGION,
    G_VDOMAIN,
    G_ORDER,
    G_CSR_OFF,
    G_CSR_ADJ,
    G_CSR_W,
    G_CSR_WDEG,
    G_ETYPE,
    G_VEC_OFF,
    G_VEC_TERM,
    G_VEC_W,
    G_INV_OFF,
    G_INV_V,
    G_INV_W,
    G_TERM_STR,
    G_TERM_SURFACE,
    G_TERM_DF,
    G_TERM_VERTEX,
    G_TERM_ORDER,
    G_STRINGS,
    G_P_EOFF, /* the people's lists, from here on */
    G_P_IOFF,
    G_P_XOFF,
    G_P_YOFF,
    G_P_ZOFF,
    G_P_EMEM,
    G_P_IMEM,
    G_P_XEXP,
    G_P_YINST,
    G_P_ZINST,
    G_P_EONE,
    G_P_IONE,
    G_P_ECOUNT,
    G_P_ICOUNT,
    G_COUNT
};
#define G_PEOPLE G_P_EOFF

/* The graph's own header in the image. */
struct graph_meta {
    uint32_t text_version;
    uint32_t nv, nterms, ndocs, item_terms, concept_terms;
    int32_t ref_year;
    uint32_t nrec;
    int64_t version;
    uint64_t ne, nslots, nvec, ninv, strings_len;
    /* the people's lists: pools, and their lists' lengths without the
     * zeros that end the takers' */
    uint32_t p_ne, p_ni, p_na, p_nitems, p_cap, p_unused;
    uint64_t p_nemem, p_nimem, p_nxexp, p_nyinst, p_nzinst;
};

extern const struct image_spec graph_spec;

/* The length in bytes section i must have; UINT64_MAX on overflow. */
uint64_t section_bytes(const struct graph_meta *m, unsigned i);
/* Points g's arrays at the sections of an image at base. */
void point_into(struct graph *g, const uint8_t *base,
                const uint64_t off[G_COUNT], const struct graph_meta *m);
/* Builds the graph image of store version `version` into mem (graph.c). */
kg_status graph_build(struct store *s, int64_t version,
                      const struct graph_opts *opts, struct graph_mem *mem,
                      char *err, size_t errlen);

#endif
