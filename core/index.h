/*
 * index.h - the BM25 text index over the store's searchable records
 * (achievements, patents, demands, and profiles of experts and
 * institutions). It lives in a file beside the database (PATH.idx), written
 * atomically, memory-mapped, stamped with the store's data version and a
 * checksum; a stale or corrupt file is rebuilt, and index_get_info says
 * why (the front end decides what to print).
 */
#ifndef KG_INDEX_H
#define KG_INDEX_H

#include <stdio.h>

#include "core/store.h"

struct index;

struct index_opts {
    double k1;      /* BM25 k1; 0 means the default (INDEX_K1) */
    double b;       /* BM25 b; 0 means the default (INDEX_B) */
    bool rebuild;   /* rebuild even when the file is current */
    bool no_update; /* use the file even if stale (never rebuild) */
    bool in_memory; /* build in memory; never read or write the file */
    bool cjk_words; /* also index ICU dictionary words of CJK text (see
                       text_opts; a file built otherwise is rebuilt) */
    /* Merge every update segment into one whatever the size (a rebuild
     * when they hold over a quarter of the full build); an update alone
     * caps its merges (index_int.h, merge policy). */
    bool optimize;
    /* An update merges segments of at most this many postings; 0: the
     * default (4,000,000). */
    uint64_t merge_postings;
    /* Called during a full build from the store, from the calling thread:
     * ("reading", done, total) now and then, then ("laying out",
     * 0, 0) and ("writing", 0, 0). NULL: no progress. */
    void (*progress)(const char *stage, size_t done, size_t total, void *ctx);
    void *progress_ctx;
};

/* BM25 defaults, tuned on csl-dev (bench/eval_search.py). */
#define INDEX_K1 1.2
#define INDEX_B 0.75

/*
 * Opens the index of s, building or rebuilding it when the file is missing,
 * corrupt or when opts->rebuild is set. When the store moved on, only the
 * records changed since are indexed, into a segment file beside it
 * (index_int.h, SEGMENTS; a full rebuild when the store's change log does
 * not reach back, or, for an index of at most 20,000 documents, when the
 * segments grew past a quarter of it: bigger ones wait for opts.optimize).
 * opts may be NULL. On failure returns the status with a message in err.
 * When the file cannot be written (read-only directory, disk full) the index
 * is built in memory. index_get_info says what happened; nothing is
 * printed. The index does not keep s.
 * An index is for one thread at a time.
 */
kg_status index_open(struct store *s, const struct index_opts *opts,
                     struct index **out, char *err,
                     size_t errlen) KG_MUST_CHECK;
void index_free(struct index *ix); /* NULL is a no-op */

/*
 * Builds an in-memory index of the given records (their own text only: no
 * store, so no profiles from links).
 * For tests and benchmarks. Errors as for index_open.
 */
kg_status index_build(const struct kg_record *const *recs, size_t n,
                      const struct index_opts *opts, struct index **out,
                      char *err, size_t errlen) KG_MUST_CHECK;

/* Number of indexed documents. */
size_t index_doc_count(const struct index *ix);

/* Where the time of a build went (all zero when the open built nothing).
 * read_s covers reading the store and everything done per record, of which
 * tokenize_s was spent in the analyzer on text_bytes of text. */
struct index_timing {
    double read_s, tokenize_s, layout_s, write_s;
    uint64_t text_bytes;
};

/* Why an open rebuilt an existing file. */
enum index_rebuild {
    INDEX_REBUILD_NONE = 0,  /* current, missing, in memory or opts.rebuild */
    INDEX_REBUILD_STALE,     /* the store moved on (stale_version) */
    INDEX_REBUILD_TEXT_OPTS, /* built with other text options */
    INDEX_REBUILD_DAMAGED,   /* unusable: damaged or foreign (why) */
};

/* What an open index holds and how it was opened. */
struct index_info {
    const char *path; /* the file (owned by the index; NULL in memory) */
    const char *file; /* the file even when in memory (NULL: index_build) */
    size_t docs, terms;
    size_t docs_of[KG_KIND_COUNT]; /* documents of each kind */
    uint64_t postings;             /* (term, document) pairs */
    uint64_t bytes;                /* size of the index image */
    int64_t version;               /* the store version it was built at */
    bool built;                    /* built (or rebuilt) by this open */
    bool in_memory;                /* not backed by the file */
    double k1, b;                  /* the BM25 parameters in use */
    struct index_timing timing;
    enum index_rebuild rebuilt; /* why an existing file was rebuilt */
    int64_t stale_version;      /* INDEX_REBUILD_STALE: the file's version */
    const char *why;            /* INDEX_REBUILD_DAMAGED: the reason */
    const char *write_error;    /* why the file could not be written (the
                                   index is then in memory), else NULL;
                                   both strings owned by the index */
    size_t segments;            /* segment files on top of the full build */
    size_t changed; /* records this open indexed into a new segment (an
                       update instead of a rebuild), else 0 */
    size_t merged;  /* older segments that new segment took over */
};
void index_get_info(const struct index *ix, struct index_info *info);

/* The searchable text of r: the fields the index reads for its kind (not
 * its id, links or field names), one a line; "" for a kind without a
 * document. malloc'd. */
char *index_record_text(const struct kg_record *r);

struct index_hit {
    kg_kind kind;
    const char *id; /* owned by the index, valid until index_free */
    double score;   /* BM25, > 0 */
    uint32_t doc;   /* its number in the full build (< info.docs); UINT32_MAX
                       for a document of an update segment */
};

/*
 * Top-k BM25 search of free text over the kinds in mask (0 = all indexed
 * kinds). k = 0 returns every document with a non-zero score. Hits are
 * sorted by score, then kind, then id; *hits is the caller's to free().
 * An empty index or a query with no known term gives *n = 0 and KG_OK.
 * A query term that is one CJK character (铝) also stands for every indexed
 * bigram that starts or ends with it (the IX_EXPAND_MAX most frequent),
 * each at half the character's weight: one pass over the dictionary.
 * On failure *n = 0 and index_last_error says why.
 */
kg_status index_search(struct index *ix, const char *text, unsigned kinds,
                       size_t k, struct index_hit **hits,
                       size_t *n) KG_MUST_CHECK;

/* One term of a weighted query: its text is analyzed like a query and
 * each of its terms counts weight times (0 drops it). */
struct index_wterm {
    const char *text;
    double weight;
};

/*
 * As index_search for the weighted texts q[0..nq): a term that comes from
 * several of them adds their weights. Used for translated queries, where
 * a word's translations share its weight (core/clir.h).
 */
kg_status index_search_weighted(struct index *ix, const struct index_wterm *q,
                                size_t nq, unsigned kinds, size_t k,
                                struct index_hit **hits,
                                size_t *n) KG_MUST_CHECK;

/*
 * Counts the documents holding every term of the texts t[0..nt) (their
 * co-occurrence in the store) into *count, over the full build and its
 * segments, superseded documents not counted. On an analyzer failure returns
 * its status with the message in index_last_error.
 */
kg_status index_count_all(struct index *ix, const char *const *t, size_t nt,
                          size_t *count) KG_MUST_CHECK;

/* Every hit, as index_search with k = 0, but in no set order (the order
 * the postings first scored them; the same for the same query and index):
 * it spares the sort when the caller only looks the hits up. */
kg_status index_search_unordered(struct index *ix, const char *text,
                                 unsigned kinds, struct index_hit **hits,
                                 size_t *n) KG_MUST_CHECK;

/* Every hit of the weighted query q[0..nq), as index_search_weighted
 * with k = 0 finds them, handed to fn (with ctx) one at a time in no set
 * order (that of index_search_unordered) and kept nowhere: it spares the
 * sort and the hits' arrays when the caller only looks them up. The hit
 * and its id are valid as long as index_search_unordered's. */
typedef void (*index_hit_fn)(const struct index_hit *h, void *ctx);
kg_status index_search_each(struct index *ix, const struct index_wterm *q,
                            size_t nq, unsigned kinds, index_hit_fn fn,
                            void *ctx) KG_MUST_CHECK;

/*
 * A query in two passes, the second adding terms to the first (as a
 * relevance model does): index_search_keep finds the best k hits of the
 * weighted query q[0..nq), as index_search_weighted does, but scores every
 * document to do so and keeps the scores; index_search_more then hands fn
 * every hit of the query scale x (the first pass's q) + q2[0..nq2), as
 * index_search_each would, reading only q2's postings. The kept scores are
 * dropped by index_search_more and by any other search. kinds must be the
 * same in both passes.
 */
kg_status index_search_keep(struct index *ix, const struct index_wterm *q,
                            size_t nq, unsigned kinds, size_t k,
                            struct index_hit **hits, size_t *n) KG_MUST_CHECK;
kg_status index_search_more(struct index *ix, double scale,
                            const struct index_wterm *q2, size_t nq2,
                            unsigned kinds, index_hit_fn fn,
                            void *ctx) KG_MUST_CHECK;

/* Message of the last failed index_search ("" when none): the analyzer's
 * (ICU). Owned by the index. */
const char *index_last_error(const struct index *ix);

#endif
