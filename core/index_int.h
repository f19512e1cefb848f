/*
 * index_int.h - what the index's writer (index_write.c), reader
 * (index_read.c) and searcher (index_query.c) share and nobody else sees:
 * the layout of the index image, struct index, and small codecs. The
 * public interface is core/index.h.
 *
 * FORMAT DETAILS
 *
 * The file PATH.idx is a core/image (image.h has the container: header,
 * whole-file checksum, section table) with magic "KGIDX\0\r\n", format
 * IX_FORMAT, struct ix_meta as the owner's header and S_COUNT sections:
 *
 *   S_DOCS    ndocs struct ix_doc, in (kind, id) order: the id's offset
 *             in S_IDS and the weighted document length; the documents
 *             of kind k are [kind_start[k], kind_start[k+1])
 *   S_IDS     the ids, each NUL-terminated
 *   S_POST    8-aligned; per term with df > 1, in term id order: when
 *             df > IX_BLOCK a skip table of one struct ix_skip per block
 *             (the block's last document and its data offset after the
 *             table), then blocks of IX_BLOCK postings, each a varint
 *             document gap (the first: the document + 1) and
 *             a varint tf in half units
 *   S_DICTIX  8-aligned; uint32 per block of IX_DICT_BLOCK terms: the
 *             offset in S_DICT of the block's first entry
 *   S_DICT    the terms in byte order, front-coded within a block: per
 *             entry varints shared prefix and suffix length, the suffix
 *             bytes, varints df and (df > 1) postings offset in S_POST or
 *             (df == 1) the document, then (df == 1) a varint tf or
 *             (df > 1) a uint16 score bound: max tf / (tf + K) x 65535,
 *             rounded up, exact for the header's k1 and b
 *   S_GONE    a segment's (see below) records that supersede older
 *             segments: per record the kind as one digit ('0' + kind),
 *             the id, a NUL; empty in a full build
 *   S_FILTER  8-aligned; a segment's term filter, empty in a full build:
 *             ix_filter_words(nterms) uint64 words, a blocked Bloom
 *             filter (ix_filter_bits of text_hash of each term: four
 *             bits of one word, 16 bits per term), so a query term the
 *             segment lacks is known absent from one word, without a
 *             dictionary lookup
 *
 * SEGMENTS (incremental updates)
 *
 * PATH.idx is a full build (from_version -1) at its store_version. When
 * the store moves on, index_open does not rebuild it: it asks the store's
 * change log (store_changes) which records changed after the newest
 * segment's version and writes a segment image PATH.idx.FROM-TO of the
 * same format holding just those records (from_version FROM, store
 * version TO) as they now are, plus the experts and institutions whose
 * profiles they feed; S_GONE lists every one of them, also the deleted.
 * PATH.idx.segs (text, written atomically: a line "kgidx-segments 1",
 * then "FROM TO" per segment, oldest first) says which segments are live;
 * they chain: the first FROM is PATH.idx's version, each FROM the previous
 * TO. A search runs over the full build and the segments with shared
 * statistics (live documents, their average length, document
 * frequencies summed over the segments) and skips each document a newer
 * segment lists in S_GONE, so a changed or deleted record is never found
 * with its old text.
 * Merge policy, size-tiered with fanout 2: a new segment of the changes
 * is built from the store; it then takes over the newest segments while
 * they hold no more records than it and those it took (a binary counter:
 * segments double in size, at most log2 of them), as long as the segments
 * merged hold at most IX_MERGE_POSTINGS postings
 * (index_opts.merge_postings). An update thus never merges the full build
 * nor a segment past the cap: its work is proportional to what changed
 * (each record is merged about log2(cap / batch) times) and bounded (a
 * 16k-record merge, under half a second at 1M records); past the cap
 * segments of that size pile up, one per cap's worth of changes, until an
 * optimize. Fanout 2 rather than 4 or more: a query pays for each
 * segment it reads (a dictionary lookup per term, see heads below), and a
 * counter keeps the fewest segments for the postings an update may merge.
 * A merge reads the segment images, not the store (ix_merge_segments: the
 * union of the sorted dictionaries, the postings of the documents no
 * newer merged segment lists in S_GONE, laid out again), a fraction of
 * indexing the records again. index_opts.optimize (`kgmatch index
 * --optimize`, which the nightly batch runs before matching) merges every
 * segment into one whatever its size. The
 * whole index is rebuilt when anything about the segments is off (a file
 * missing, damaged, out of chain), when the segments hold more than a
 * quarter of the full build's documents and the full build is small (at
 * most IX_REBUILD_INLINE documents: a rebuild is then about as quick as
 * an update) or an optimize is asked for.
 * The policy was measured against more eager merging (2026-12-03, 100k
 * records + 30 updates of 1,000): merging while the newest segment holds
 * at most 3 times what is merged leaves 2 segments instead of 4, yet
 * search over them was no closer to a fresh build (p50 1.24x against
 * 1.19x): what a query pays grows with the records in segments more than
 * with their number, and each update merged more (max 0.75 s against
 * 0.47 s). Past the cap the count is the cap's doing either way.
 * A query over segments pays per segment: each query term is looked up in
 * each segment's dictionary (for the document frequencies the segments
 * share). A segment keeps, in memory, the first 8 bytes of each
 * dictionary block's first term (struct index, heads: read at open, 8
 * bytes per 16 terms) so the block is found in that array rather than by
 * decoding block heads in the image; its S_FILTER (written with it) says
 * without a lookup that a term is absent (half the lookups of the bench's
 * queries, which cost as much as a hit: a block decoded); each index is
 * searched with the k-th best score of those searched before it as its
 * floor, and one whose score bounds for the query cannot pass it is not
 * read; in one that is, the lists that can only be probed decode no block
 * until probed. Counted over the bench's queries, the postings decoded
 * and documents scored over segments are then no more than over a fresh
 * build (bench/README.md); the lookups of the terms each segment holds
 * remain.
 * Segment files are written before the list that names them and removed
 * after it; two processes updating at once can leave a list naming a file
 * the other removed: the next open then drops the segments and indexes the
 * changes since PATH.idx again (slower, never a wrong answer).
 *
 * The reader checks (index_read.c, attach) that the sections' lengths
 * fit the counts, ids and dictionary block offsets lie inside their
 * sections, the numbers are finite and an S_FILTER (segments only) has
 * the size its term count gives; varints and postings offsets are
 * bounds-checked as the searcher decodes them.
 */
#ifndef KG_INDEX_INT_H
#define KG_INDEX_INT_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/image.h"
#include "core/index.h"
#include "core/text.h"

#define IX_MAGIC "KGIDX\0\r\n"
#define IX_FORMAT 5
#define IX_BLOCK 128          /* postings per block */
#define IX_DICT_BLOCK 16      /* terms per front-coded dictionary block */
#define IX_SCALE 4294967296.0 /* scores are summed in units of 2^-32 */
#define IX_EXPAND_MAX 256     /* bigrams a one-character CJK query term meets */
#define IX_END UINT32_MAX
#define IX_MAX_DOCS 0x7fffffffu
#define IX_CJK_WORDS 1u /* text_flags: built with ICU dictionary words */
/* The merge policy's limits (SEGMENTS): an update merges at most this
 * many postings, and rebuilds the whole index (segments past a quarter of
 * it) only when it holds at most IX_REBUILD_INLINE documents. */
#define IX_MERGE_POSTINGS UINT64_C(4000000)
#define IX_REBUILD_INLINE 20000u

enum { S_DOCS, S_IDS, S_POST, S_DICTIX, S_DICT, S_GONE, S_FILTER, S_COUNT };

/* The index's own header in the image (core/image.h: the owner's header).
 * The number of documents is kind_start[KG_KIND_COUNT]. */
struct ix_meta {
    uint32_t text_version, text_flags;
    uint32_t nterms;
    uint32_t kind_start[KG_KIND_COUNT + 1]; /* docs of kind k: [k], [k+1] */
    int64_t store_version;
    uint64_t npostings;
    double k1, b, avgdl;  /* block bounds are exact for this k1, b */
    int64_t from_version; /* a segment: changes after it; -1: full build */
    uint32_t ngone;       /* records in S_GONE */
    uint32_t pad;
};
_Static_assert(sizeof(struct ix_meta) == 96, "header layout");

/* What the reader and the writer know of an image: the owner's header,
 * the document count and where each section lies. */
struct ix_header {
    uint32_t text_version, text_flags;
    int64_t store_version;
    double k1, b, avgdl;
    uint32_t ndocs, nterms;
    uint64_t npostings;
    uint32_t kind_start[KG_KIND_COUNT + 1];
    int64_t from_version;
    uint32_t ngone;
    uint64_t off[S_COUNT], len[S_COUNT];
};

/* One document in the image: its id string and weighted length. */
struct ix_doc {
    uint32_t id_off;
    float dl;
};

/* A skip entry of a multi-block postings list. */
struct ix_skip {
    uint32_t last; /* last document of the block */
    uint32_t off;  /* block data, from the end of the skip table */
};
#define IX_SKIP_BYTES 8

/* Where a build says how far it got (index_opts.progress); fn NULL: not
 * told. */
struct ix_progress {
    void (*fn)(const char *stage, size_t done, size_t total, void *ctx);
    void *ctx;
};

struct index {
    const uint8_t *base;
    size_t size;
    bool mapped;
    bool built, in_memory;
    char *path;
    struct ix_header h;
    const struct ix_doc *docs; /* unaligned access goes through memcpy */
    const char *ids;
    const uint8_t *post, *dictix, *dict;
    size_t post_len, dict_len, nblocks;
    double k1, b;
    bool exact_bounds;   /* k1, b are the image's: block bounds are exact */
    uint32_t want_flags; /* text_flags a build would write (index_opts) */
    float *k2;           /* per document: 2 k1 (1 - b + b dl / avgdl) */
    size_t k2_bytes;     /* its allocation (core/arena.h) */
    struct text *tx;
    struct text_tokens tk;
    int64_t *acc; /* exhaustive search accumulators, all zero between calls */
    uint32_t *touched; /* ... but the first nkept, which index_search_keep */
    size_t nkept;      /* kept for index_search_more */
    size_t acc_n;      /* entries of acc and touched (core/arena.h) */
    struct index_timing timing; /* of the build by this open */
    enum index_rebuild rebuilt; /* what this open found (index_info) */
    int64_t stale_version;
    char why[256];       /* INDEX_REBUILD_DAMAGED */
    char write_err[256]; /* "" when the file was written or not wanted */
    struct ix_progress progress; /* index_opts.progress */
    char err[256];               /* of the last failed search */
    /* segments (on the full build only): the newer images, oldest first */
    struct index **seg;
    size_t nseg;
    size_t changed;     /* records this open indexed in a new segment */
    size_t merged;      /* older segments that new one took over */
    uint8_t *dead;      /* bit per document: a newer segment has it */
    double bound_scale; /* >= 1: block bounds loosened for shared avgdl */
    uint64_t merge_cap; /* postings an update may merge */
    double live;        /* documents over all segments, superseded not */
    size_t live_of[KG_KIND_COUNT];
    /* an update segment's dictionary blocks: ix_key8 of each block's first
     * term (NULL for the full build, or a block head out of form): a
     * term's block is found in this array, not by decoding the image's
     * block heads, so a query pays little for each segment it reads */
    uint64_t *heads;
    /* an update segment's S_FILTER (NULL: none, as in the full build) */
    const uint8_t *filter;
    size_t filter_mask; /* its words - 1 */
};

static inline bool ix_dead(const struct index *ix, uint32_t d)
{
    return ix->dead && (ix->dead[d >> 3] >> (d & 7) & 1);
}

/* ------------------------------------------------------------ helpers */

/* The document (kind, id) of ix, IX_END when it has none. */
static inline uint32_t ix_find_doc(const struct index *ix, kg_kind kind,
                                   const char *id)
{
    uint32_t lo = ix->h.kind_start[kind], hi = ix->h.kind_start[kind + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        struct ix_doc d;
        memcpy(&d, &ix->docs[mid], sizeof d);
        int c = strcmp(ix->ids + d.id_off, id);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return IX_END;
}

/* The first 8 bytes of term t[0..n), zero-padded, as a big-endian
 * number: keys compare as the terms do, or are equal. */
static inline uint64_t ix_key8(const char *t, size_t n)
{
    uint64_t k = 0;
    for (size_t j = 0; j < 8; j++)
        k = (k << 8) | (j < n ? (unsigned char)t[j] : 0);
    return k;
}

/* The words of the S_FILTER of nterms terms: a power of two, at least
 * 16 bits per term and 8 words. */
static inline size_t ix_filter_words(uint32_t nterms)
{
    size_t w = 8;
    while (w < (size_t)nterms / 4 + 1)
        w *= 2;
    return w;
}

/* The word (of mask + 1) that hash h falls in, and its four bits there. */
static inline uint64_t ix_filter_bits(uint64_t h, size_t mask, size_t *word)
{
    *word = (size_t)h & mask;
    return 1ull << (h >> 40 & 63) | 1ull << (h >> 46 & 63) |
           1ull << (h >> 52 & 63) | 1ull << (h >> 58 & 63);
}

/* Formats a message into err (nothing when err is NULL or errlen 0). */
static inline void ix_fmt_err(char *err, size_t errlen, const char *fmt, ...)
    KG_PRINTF(3, 4);
static inline void ix_fmt_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Reads a varint from p (< end); NULL when it runs past end or is long. */
static inline const uint8_t *rd_varint(const uint8_t *p, const uint8_t *end,
                                       uint64_t *v)
{
    uint64_t x = 0;
    for (int s = 0; s < 64; s += 7) {
        if (p >= end)
            return NULL;
        uint8_t c = *p++;
        x |= (uint64_t)(c & 0x7f) << s;
        if (!(c & 0x80)) {
            *v = x;
            return p;
        }
    }
    return NULL;
}

/* rd_varint where at least 10 bytes are known to follow p. */
static inline const uint8_t *rd_varint_fast(const uint8_t *p, uint64_t *v)
{
    uint64_t x = *p++;
    if (x < 0x80) {
        *v = x;
        return p;
    }
    x &= 0x7f;
    for (int s = 7; s < 64; s += 7) {
        uint8_t c = *p++;
        x |= (uint64_t)(c & 0x7f) << s;
        if (!(c & 0x80)) {
            *v = x;
            return p;
        }
    }
    return NULL;
}

/* BM25 idf, Lucene's form: never negative. */
static inline double bm25_idf(double n, double df)
{
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

static inline float norm2(double k1, double b, double dl, double avgdl)
{
    return (float)(2.0 * k1 * (1.0 - b + b * (avgdl > 0 ? dl / avgdl : 0)));
}

/* -------------------------------------------------- across the files */

/* What index images must be (index_read.c). */
extern const struct image_spec ix_spec;

/*
 * Builds the image of the store s (when not NULL) and of recs[0..nrecs)
 * into img (initialised here; the caller releases it), stamped with
 * version, k1, b and text_flags, and says where the time went in t and how
 * far it got to pg (NULL: nowhere) (index_write.c). On failure returns the
 * status with a message in err.
 */
kg_status ix_write_image(struct store *s, const struct kg_record *const *recs,
                         size_t nrecs, int64_t version, double k1, double b,
                         uint32_t text_flags, const struct ix_progress *pg,
                         struct image_writer *img, struct index_timing *t,
                         char *err, size_t errlen) KG_MUST_CHECK;

/*
 * Builds the segment image of the records of s changed after version from
 * (and of the profiles they feed) at version, as ix_write_image does;
 * *nchanged says how many records it lists in S_GONE. KG_ENOTFOUND when the
 * store's change log does not reach back to from.
 */
kg_status ix_write_segment(struct store *s, int64_t from, int64_t version,
                           double k1, double b, uint32_t text_flags,
                           struct image_writer *img, struct index_timing *t,
                           size_t *nchanged, char *err,
                           size_t errlen) KG_MUST_CHECK;

/*
 * Merges the segment images g[0..n) (oldest first, a chain) into one image
 * from g[0]'s from_version to g[n-1]'s store version, from their postings
 * alone: a document a newer one of them lists in S_GONE is left out, and
 * S_GONE is the union of theirs (*nchanged records). Block bounds are laid
 * out again for k1, b. KG_EINPUT when an image is malformed (err names
 * its file); on failure
 * img is the caller's to release as on success (index_merge.c).
 */
kg_status ix_merge_segments(struct index *const *g, size_t n, double k1,
                            double b, struct image_writer *img,
                            struct index_timing *t, size_t *nchanged, char *err,
                            size_t errlen) KG_MUST_CHECK;

#endif
