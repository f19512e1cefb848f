/*
 * index_build_int.h - the index builder's state, shared by the builder
 * (index_write.c) and the merge of segment images (index_merge.c) only.
 */
#ifndef KG_INDEX_BUILD_INT_H
#define KG_INDEX_BUILD_INT_H

#include "core/index_int.h"
#include "core/strmap.h"

struct pair {
    uint32_t term, tf2;
};

struct bdoc {
    uint64_t start; /* first pair */
    uint32_t n;     /* pairs */
    uint32_t kind;
    uint32_t id; /* offset into ids */
    float dl;
};

/* Titles and keywords of one item, for the profiles it belongs to. */
struct contrib {
    uint32_t node;  /* the expert or institution */
    uint64_t start; /* terms in b->cterms */
    uint32_t n;
};

/*
 * The build's term table. A slot holds the term's first 8 bytes, so most
 * lookups touch one cache line, and the term's state in the document being
 * built; strings and document frequencies are by term id.
 */
struct tslot {
    uint64_t key; /* first 8 bytes, zero-padded */
    uint32_t len; /* 0: empty slot */
    uint32_t id;
    uint32_t last; /* document + 1 that last counted the term */
    uint32_t slot; /* the term's pair in that document */
    uint32_t df;
    uint32_t h; /* low bits of the hash: growing needs no strings */
};

struct terms {
    struct tslot *t;
    size_t cap, n;
    uint32_t *off, *len; /* by id */
    size_t icap;
    char *b;
    size_t blen, bcap;
};

struct builder {
    uint32_t flags; /* text_flags of the image */
    struct text *tx;
    struct text_tokens tk;
    struct terms terms;
    struct pair *pairs;
    size_t npairs, pcap;
    struct bdoc *docs;
    size_t ndocs, dcap;
    struct kg_buf ids;
    uint32_t cur;    /* current document's serial number */
    uint32_t serial; /* documents begun */
    bool drop;       /* the current document only feeds profiles */
    uint64_t dl2;    /* its weighted length in half units */
    /* profiles: nodes are records at either end of a relevant link */
    struct strmap nodes;
    uint32_t (*edges)[2];
    size_t nedges, ecap;
    uint32_t *adj_start, *adj; /* edges by source node */
    uint32_t *cterms;          /* captured item terms */
    size_t ncterms, ctcap;
    bool capture;
    struct contrib *contribs;
    size_t ncontribs, cocap;
    uint32_t *co_start; /* contribs by node, after the items */
    kg_status st;
    char err[256];
    double tokenize_s; /* inside text_analyze */
    uint64_t text_bytes;
    const struct ix_progress *pg; /* NULL: no progress told */
    uint32_t *dfs;      /* a merge's document frequencies by term id (terms.t is
                           not used then) */
    size_t done, total; /* records read from the store, of */
};

/* A segment's records: changed after version from (keys "KID", K the
 * kind's digit, as node_of makes them). */
struct ix_gone {
    int64_t from;
    struct strmap keys;
};

/* Frees everything b holds. */
void ix_builder_release(struct builder *b);

/* Adds the string of a new term p[0..n) to m; returns its id. */
uint32_t ix_terms_append(struct terms *m, const char *p, size_t n);

/* Lays b's documents out as one image into img (gone: the records the
 * image replaces, or NULL). */
kg_status ix_layout(struct builder *b, int64_t version, double k1, double bb,
                    const struct ix_gone *gone, struct image_writer *img,
                    char *err, size_t errlen);

#endif
