/*
 * graph.h - the knowledge graph: every record of the store as a typed
 * vertex, concepts (keywords, fields, IPC codes with their hierarchy, each
 * record's strongest terms) and typed weighted edges, built with igraph and
 * kept as a read-only image (CSR adjacency, side arrays, term vectors) in a
 * cache file beside the database (PATH.graph), stamped with the store's
 * data version and rebuilt when the store moves on.
 */
#ifndef KG_GRAPH_H
#define KG_GRAPH_H

#include <stdio.h>

#include "core/store.h"
#include "graph/domain.h"
#include "graph/rank.h"

/* Vertex kinds: the six record kinds, then concepts. */
#define GRAPH_CONCEPT KG_KIND_COUNT
#define GRAPH_NONE UINT32_MAX

/* What a concept vertex stands for. */
enum graph_concept {
    GRAPH_C_NONE = 0, /* a record vertex */
    GRAPH_C_KEYWORD,  /* a keyword as written (case folded) */
    GRAPH_C_FIELD,    /* a discipline or field name */
    GRAPH_C_IPC,      /* an IPC section, class, subclass or group */
    GRAPH_C_TERM,     /* an analyzer term among a record's strongest */
};

/* Edge types, one per stored adjacency slot. */
enum graph_edge {
    GRAPH_E_AFFILIATED_WITH = 1, /* expert - institution */
    GRAPH_E_AUTHORED,            /* expert - achievement */
    GRAPH_E_INVENTED,            /* expert - patent */
    GRAPH_E_OWNS,                /* institution/enterprise - item */
    GRAPH_E_POSTED,              /* enterprise - demand */
    GRAPH_E_CITES,               /* patent - patent */
    GRAPH_E_ABOUT,               /* record - concept (weighted) */
    GRAPH_E_BROADER,             /* IPC code - its parent */
    GRAPH_E_COUNT
};

/* Build settings; zero means the default. */
struct graph_opts {
    unsigned item_terms;    /* terms kept in an item's vector (64) */
    unsigned concept_terms; /* strongest terms made concepts (8) */
    bool rebuild;           /* rebuild even when the cache is current */
    bool no_cache;          /* never read or write the cache file */
};

/*
 * The graph: an opaque, read-only image (its arrays are private to graph/,
 * in graph_int.h). Strings it hands out stay valid until graph_free.
 */
struct graph;

/*
 * Opens the graph of s: maps the cache file when it is current, else builds
 * the graph from the store (records, links and the text analyzer) and
 * writes the cache atomically. When the cache cannot be written the graph
 * lives in memory. A damaged cache (checksum, bounds) is rebuilt, never
 * trusted. graph_get_info says what happened; nothing is printed. opts may
 * be NULL. On failure
 * returns the status with a message in err and sets *out to NULL.
 */
kg_status graph_open(struct store *s, const struct graph_opts *opts,
                     struct graph **out, char *err,
                     size_t errlen) KG_MUST_CHECK;
void graph_free(struct graph *g); /* NULL is a no-op */

/* Why an open rebuilt an existing cache file. */
enum graph_rebuild {
    GRAPH_REBUILD_NONE = 0,   /* current, missing, no_cache or opts.rebuild */
    GRAPH_REBUILD_STALE,      /* another store version, options or format */
    GRAPH_REBUILD_DAMAGED,    /* failed the checksum or bounds checks (why) */
    GRAPH_REBUILD_UNREADABLE, /* could not be opened or mapped (why) */
};

/* How the graph was opened; strings owned by the graph. */
struct graph_info {
    const char *path;           /* the cache file; NULL with no_cache */
    bool built;                 /* built by this open */
    bool in_memory;             /* not backed by the file */
    enum graph_rebuild rebuilt; /* why an existing file was rebuilt */
    const char *why;            /* DAMAGED, UNREADABLE: the reason */
    const char *write_error;    /* why the cache could not be written, or
                                   NULL */
};
void graph_get_info(const struct graph *g, struct graph_info *info);

/* The cache file of the store at db_path (caller frees). */
char *graph_cache_path(const char *db_path);

/* Vertex accessors (access.c), for callers that must not read the arrays:
 * the vertex count; v's kind (a kg_kind, or GRAPH_CONCEPT); its record id
 * or concept key; its label (title or name). Strings belong to the graph
 * and stay valid until graph_free; v must be below graph_nv(g). */
uint32_t graph_nv(const struct graph *g);
unsigned graph_kind(const struct graph *g, uint32_t v);
const char *graph_id(const struct graph *g, uint32_t v);
const char *graph_label(const struct graph *g, uint32_t v);

/* Calls cb for the records of one kind in id order; cb returns false to
 * stop. */
typedef bool (*graph_vertex_cb)(uint32_t v, void *ctx);
void graph_foreach_record(const struct graph *g, kg_kind kind,
                          graph_vertex_cb cb, void *ctx);

/* Calls cb for each neighbour u of v over an edge of the given type (0:
 * any), in adjacency order, with the edge's type; cb returns false to
 * stop. */
typedef bool (*graph_edge_cb)(uint32_t u, unsigned type, void *ctx);
void graph_foreach_edge(const struct graph *g, uint32_t v, unsigned type,
                        graph_edge_cb cb, void *ctx);

/* The vertex of record (kind, id) or concept (GRAPH_CONCEPT, key), else
 * GRAPH_NONE. */
uint32_t graph_find(const struct graph *g, unsigned kind, const char *id);
/* The term id of an analyzer term, else GRAPH_NONE. */
uint32_t graph_term_find(const struct graph *g, const char *term, size_t len);
/* Inverse document frequency of term t: ln((N+1)/(df+1)) + 1. */
double graph_idf(const struct graph *g, uint32_t t);

/* "institution", ..., "concept"; "keyword", "field", "ipc", "term";
 * "affiliated_with", ... (NULL when out of range). */
const char *graph_vkind_name(unsigned kind);
const char *graph_concept_name(unsigned sub);
const char *graph_edge_name(unsigned type);

/* Vertex and edge counts by type. */
struct graph_stats {
    uint64_t nv, ne; /* all vertices; undirected edges */
    uint64_t vertices[GRAPH_CONCEPT + 1];
    uint64_t concepts[GRAPH_C_TERM + 1];
    uint64_t edges[GRAPH_E_COUNT];
};
void graph_get_stats(const struct graph *g, struct graph_stats *st);

/*
 * Writes g as GraphML (graphml.c): vertices with the string attributes
 * type, subtype, label, record_id and domains; edges with type and weight,
 * the directed ones (authored, invented, owns, posted, cites) marked
 * directed="true" from actor to object. s, the store g was built from,
 * gives each citation's direction (NULL: cites edges are written
 * undirected). Text XML 1.0 cannot hold is written as U+FFFD. Returns
 * KG_EIO when reading s or writing f fails, with a message in err; f may
 * then hold part of the document.
 */
kg_status graph_write_graphml(const struct graph *g, struct store *s, FILE *f,
                              char *err, size_t errlen) KG_MUST_CHECK;

#endif
