/*
 * index.c - the BM25 index behind index.h. A build reads the store once
 * (items first, then experts and institutions, whose profiles add the
 * titles and keywords of their items), turns each record into field-
 * weighted term counts with core/text, and lays out one image: documents
 * in (kind, id) order, postings in blocks of 128 with skip entries, a
 * score bound per term, and a front-coded term dictionary. The image is written
 * atomically beside the database and memory-mapped when opened. Top-k
 * search is MaxScore; scores are summed in fixed point, so every order of
 * summation gives the same score and top-k equals exhaustive scoring.
 */
#include "core/index.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "core/image.h"
#include "core/strmap.h"
#include "core/text.h"

#define IX_MAGIC "KGIDX\0\r\n"
#define IX_FORMAT 3
#define IX_BLOCK 128          /* postings per block */
#define IX_DICT_BLOCK 16      /* terms per front-coded dictionary block */
#define IX_SCALE 4294967296.0 /* scores are summed in units of 2^-32 */
#define IX_END UINT32_MAX
#define IX_MAX_DOCS 0x7fffffffu
#define IX_CJK_WORDS 1u /* text_flags: built with ICU dictionary words */

/*
 * Field weights in half units: a token of a weight-1 field adds 1 to the
 * term's count (2 half units). Title and keywords weigh 3, the body
 * (abstract, description, bio) and the fields (discipline, IPC: broad
 * categories) 1, claims 0.5; in a profile the titles and keywords of the
 * person's or institution's items count as body text. Tuned on csl-dev
 * (bench/eval_search.py): fields at 2 or title at 2 or 4 did worse.
 */
enum {
    W_TITLE = 6,
    W_KEYWORDS = 6,
    W_FIELDS = 2,
    W_BODY = 2,
    W_CLAIMS = 1,
    W_ITEM = 2,
};

enum { S_DOCS, S_IDS, S_POST, S_DICTIX, S_DICT, S_COUNT };

/* The index's own header in the image (core/image.h: the owner's header).
 * The number of documents is kind_start[KG_KIND_COUNT]. */
struct ix_meta {
    uint32_t text_version, text_flags;
    uint32_t nterms;
    uint32_t kind_start[KG_KIND_COUNT + 1]; /* docs of kind k: [k], [k+1] */
    int64_t store_version;
    uint64_t npostings;
    double k1, b, avgdl; /* block bounds are exact for this k1, b */
};
_Static_assert(sizeof(struct ix_meta) == 80, "header layout");

/* What the reader and the writer know of an image: the owner's header,
 * the document count and where each section lies. */
struct ix_header {
    uint32_t text_version, text_flags;
    int64_t store_version;
    double k1, b, avgdl;
    uint32_t ndocs, nterms;
    uint64_t npostings;
    uint32_t kind_start[KG_KIND_COUNT + 1];
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
    struct text *tx;
    struct text_tokens tk;
    int64_t *acc; /* exhaustive search accumulators, all zero between calls */
    uint32_t *touched;
    struct index_timing timing; /* of the build by this open */
    char err[256];              /* of the last failed search */
};

/* ------------------------------------------------------------ helpers */

static void fmt_err(char *err, size_t errlen, const char *fmt, ...)
    KG_PRINTF(3, 4);
static void fmt_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Appends v as a varint (7 bits a byte, low first). */
static inline void by_varint(struct image_writer *b, uint64_t v)
{
    image_reserve(b, 10);
    while (v >= 0x80) {
        b->p[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->p[b->len++] = (uint8_t)v;
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

/* One term's contribution in fixed point; w = idf qtf (k1 + 1) IX_SCALE.
 * Never 0, so a document that matches has a score. */
static inline int64_t contrib(double w, uint32_t tf2, float k2)
{
    int64_t c = (int64_t)(w * ((double)tf2 / ((double)tf2 + (double)k2)) + 0.5);
    return c > 0 ? c : 1;
}

/* ------------------------------------------------------------ records */

/* Receives one field of a record: its text and weight; item is set for the
 * title and keywords, which also go into the profiles of the record's
 * experts and institutions. */
typedef kg_status (*field_fn)(void *ctx, const char *text, int w2, bool item);

static kg_status each_list(const struct kg_strlist *l, int w2, bool item,
                           field_fn fn, void *ctx)
{
    kg_status st = KG_OK;
    for (size_t i = 0; i < l->n && st == KG_OK; i++)
        st = fn(ctx, l->v[i], w2, item);
    return st;
}

/* Every kind but enterprises has a document. */
static bool indexed_kind(kg_kind k)
{
    return k == KG_INSTITUTION || k == KG_EXPERT || k == KG_ACHIEVEMENT ||
           k == KG_PATENT || k == KG_DEMAND;
}

/* Calls fn on each searchable field of r with its weight (none for kinds
 * that are not indexed); stops at the first failure and returns it. */
static kg_status each_field(const struct kg_record *r, field_fn fn, void *ctx)
{
    kg_status st = KG_OK;
#define F(s, w, item)                                                          \
    if (st == KG_OK && (s))                                                    \
        st = fn(ctx, (s), (w), (item));
#define L(l, w, item)                                                          \
    if (st == KG_OK)                                                           \
        st = each_list(&(l), (w), (item), fn, ctx);
    switch (r->kind) {
    case KG_ACHIEVEMENT:
        F(r->title, W_TITLE, true);
        L(r->keywords, W_KEYWORDS, true);
        L(r->fields, W_FIELDS, false);
        F(r->abstract, W_BODY, false);
        break;
    case KG_PATENT:
        F(r->title, W_TITLE, true);
        L(r->ipc, W_FIELDS, false);
        F(r->abstract, W_BODY, false);
        F(r->claims, W_CLAIMS, false);
        break;
    case KG_DEMAND:
        F(r->title, W_TITLE, false);
        L(r->keywords, W_KEYWORDS, false);
        L(r->fields, W_FIELDS, false);
        F(r->description, W_BODY, false);
        break;
    case KG_EXPERT:
        F(r->name, W_TITLE, false);
        L(r->keywords, W_KEYWORDS, false);
        L(r->fields, W_FIELDS, false);
        F(r->bio, W_BODY, false);
        break;
    case KG_INSTITUTION:
        F(r->name, W_TITLE, false);
        L(r->aliases, W_TITLE, false);
        break;
    default:
        break;
    }
#undef F
#undef L
    return st;
}

/* ------------------------------------------------------------ builder */

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
    uint32_t cur; /* current document + 1 */
    uint64_t dl2; /* its weighted length in half units */
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
};

static void builder_release(struct builder *b)
{
    text_free(b->tx);
    text_tokens_release(&b->tk);
    free(b->terms.t);
    free(b->terms.off);
    free(b->terms.len);
    free(b->terms.b);
    strmap_release(&b->nodes);
    free(b->pairs);
    free(b->docs);
    kg_buf_release(&b->ids);
    free(b->edges);
    free(b->adj_start);
    free(b->adj);
    free(b->cterms);
    free(b->contribs);
    free(b->co_start);
}

static kg_status builder_init(struct builder *b, const struct text_opts *topts,
                              char *err, size_t errlen)
{
    memset(b, 0, sizeof *b);
    b->flags = topts->cjk_words ? IX_CJK_WORDS : 0;
    return text_new(topts, &b->tx, err, errlen);
}

static void terms_grow(struct terms *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1 << 16;
    struct tslot *t = kg_xcalloc(cap, sizeof *t);
    for (size_t i = 0; i < m->cap; i++) {
        const struct tslot *x = &m->t[i];
        if (!x->len)
            continue;
        size_t j = x->h & (cap - 1);
        while (t[j].len)
            j = (j + 1) & (cap - 1);
        t[j] = *x;
    }
    free(m->t);
    m->t = t;
    m->cap = cap;
}

/* The slot of term p[0..n) with hash h, added when new. */
static struct tslot *terms_get(struct terms *m, const char *p, size_t n,
                               uint64_t h)
{
    if ((m->n + 1) * 2 > m->cap)
        terms_grow(m);
    uint64_t key = text_load8(p, n);
    size_t j = h & (m->cap - 1);
    for (;; j = (j + 1) & (m->cap - 1)) {
        struct tslot *x = &m->t[j];
        if (!x->len)
            break;
        if (x->key == key && x->len == n &&
            (n <= 8 || memcmp(m->b + m->off[x->id] + 8, p + 8, n - 8) == 0))
            return x;
    }
    if (m->n == m->icap) {
        m->icap = m->icap ? m->icap * 2 : 1 << 16;
        m->off = kg_xrealloc(m->off, m->icap * sizeof *m->off);
        m->len = kg_xrealloc(m->len, m->icap * sizeof *m->len);
    }
    if (m->blen + n + 1 > m->bcap) {
        size_t cap = m->bcap ? m->bcap * 2 : 1 << 20;
        while (cap < m->blen + n + 1)
            cap *= 2;
        m->b = kg_xrealloc(m->b, cap);
        m->bcap = cap;
    }
    struct tslot *x = &m->t[j];
    x->key = key;
    x->len = (uint32_t)n;
    x->h = (uint32_t)h;
    x->id = (uint32_t)m->n++;
    m->off[x->id] = (uint32_t)m->blen;
    m->len[x->id] = (uint32_t)n;
    memcpy(m->b + m->blen, p, n);
    m->b[m->blen + n] = '\0';
    m->blen += n + 1;
    return x;
}

/* Adds w2 to a term's count in the current document. */
static inline void add_term(struct builder *b, struct tslot *x, uint32_t w2)
{
    if (x->last != b->cur) {
        x->last = b->cur;
        if (b->npairs == b->pcap) {
            b->pcap = b->pcap ? b->pcap * 2 : 1 << 16;
            b->pairs = kg_xrealloc(b->pairs, b->pcap * sizeof *b->pairs);
        }
        x->slot = (uint32_t)(b->npairs - b->docs[b->ndocs].start);
        b->pairs[b->npairs++] = (struct pair){x->id, 0};
        x->df++;
    }
    struct pair *p = &b->pairs[b->docs[b->ndocs].start + x->slot];
    p->tf2 = p->tf2 + w2 < p->tf2 ? UINT32_MAX : p->tf2 + w2;
    b->dl2 += w2;
}

/* Adds term id t (from a captured item) to the current document. */
static void add_term_id(struct builder *b, uint32_t t, uint32_t w2)
{
    const char *p = b->terms.b + b->terms.off[t];
    size_t n = b->terms.len[t];
    add_term(b, terms_get(&b->terms, p, n, text_hash(p, n)), w2);
}

static kg_status add_field(void *ctx, const char *text, int w2, bool item)
{
    struct builder *b = ctx;
    text_tokens_reset(&b->tk);
    size_t len = strlen(text);
    double t0 = kg_monotonic();
    kg_status st = text_analyze(b->tx, text, len, &b->tk);
    b->tokenize_s += kg_monotonic() - t0;
    b->text_bytes += len;
    if (st != KG_OK) {
        snprintf(b->err, sizeof b->err, "%s", text_last_error(b->tx));
        return st;
    }
    /* Hash a batch of tokens and prefetch their slots before the lookups,
     * so that the cache misses overlap. */
    enum { BATCH = 32 };
    uint64_t hs[BATCH];
    for (size_t i0 = 0; i0 < b->tk.n; i0 += BATCH) {
        size_t n = b->tk.n - i0 < BATCH ? b->tk.n - i0 : BATCH;
        for (size_t i = 0; i < n; i++) {
            const struct text_tok *k = &b->tk.v[i0 + i];
            hs[i] = text_hash(b->tk.bytes + k->off, k->len);
            if (b->terms.cap)
                __builtin_prefetch(&b->terms.t[hs[i] & (b->terms.cap - 1)]);
        }
        for (size_t i = 0; i < n; i++) {
            const struct text_tok *k = &b->tk.v[i0 + i];
            struct tslot *x =
                terms_get(&b->terms, b->tk.bytes + k->off, k->len, hs[i]);
            if (item && b->capture) {
                if (b->ncterms == b->ctcap) {
                    b->ctcap = b->ctcap ? b->ctcap * 2 : 4096;
                    b->cterms =
                        kg_xrealloc(b->cterms, b->ctcap * sizeof *b->cterms);
                }
                b->cterms[b->ncterms++] = x->id;
            }
            add_term(b, x, (uint32_t)w2);
        }
    }
    return KG_OK;
}

static void doc_begin(struct builder *b)
{
    if (b->ndocs + 1 >= b->dcap) {
        b->dcap = b->dcap ? b->dcap * 2 : 1024;
        b->docs = kg_xrealloc(b->docs, b->dcap * sizeof *b->docs);
    }
    b->cur = (uint32_t)b->ndocs + 1;
    b->dl2 = 0;
    b->docs[b->ndocs].start = b->npairs;
}

/* Keeps the current document if it got any term. */
static kg_status doc_end(struct builder *b, const struct kg_record *r)
{
    struct bdoc *d = &b->docs[b->ndocs];
    d->n = (uint32_t)(b->npairs - d->start);
    if (d->n == 0)
        return KG_OK;
    if (b->ndocs >= IX_MAX_DOCS) {
        snprintf(b->err, sizeof b->err, "more than %u documents", IX_MAX_DOCS);
        return KG_ELIMIT;
    }
    d->kind = r->kind;
    d->dl = (float)(b->dl2 / 2.0);
    d->id = (uint32_t)b->ids.len;
    kg_buf_add(&b->ids, r->id, strlen(r->id) + 1);
    b->ndocs++;
    return KG_OK;
}

static uint32_t node_of(struct builder *b, kg_kind kind, const char *id,
                        bool add)
{
    char key[512];
    size_t n = strlen(id);
    if (n + 1 > sizeof key)
        return UINT32_MAX; /* ids this long are not linked into profiles */
    key[0] = (char)('0' + kind);
    memcpy(key + 1, id, n);
    return strmap_get(&b->nodes, key, n + 1, add, NULL);
}

/* The experts and institutions an item's titles and keywords go to: its
 * own, and the institutions of its experts. Writes up to max into out. */
static size_t item_targets(const struct builder *b, uint32_t node,
                           uint32_t *out, size_t max)
{
    size_t n = 0;
    for (uint32_t e = b->adj_start[node]; e < b->adj_start[node + 1]; e++) {
        uint32_t x = b->adj[e];
        if (n < max)
            out[n++] = x;
        for (uint32_t f = b->adj_start[x]; f < b->adj_start[x + 1]; f++)
            if (n < max)
                out[n++] = b->adj[f];
    }
    /* sort and drop duplicates (n is small) */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
            uint32_t x = out[j];
            out[j] = out[j - 1];
            out[j - 1] = x;
        }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || out[m - 1] != out[i])
            out[m++] = out[i];
    return m;
}

static kg_status add_record(struct builder *b, const struct kg_record *r)
{
    if (!indexed_kind(r->kind))
        return KG_OK;
    doc_begin(b);
    uint64_t cstart = b->ncterms;
    uint32_t node = UINT32_MAX;
    bool item = r->kind == KG_ACHIEVEMENT || r->kind == KG_PATENT;
    if (item && b->adj_start)
        node = node_of(b, r->kind, r->id, false);
    b->capture =
        node != UINT32_MAX && b->adj_start[node] < b->adj_start[node + 1];
    kg_status st = each_field(r, add_field, b);
    if (st == KG_OK && !item && b->co_start &&
        (node = node_of(b, r->kind, r->id, false)) != UINT32_MAX) {
        for (uint32_t c = b->co_start[node]; c < b->co_start[node + 1]; c++) {
            const struct contrib *co = &b->contribs[c];
            for (uint32_t i = 0; i < co->n; i++)
                add_term_id(b, b->cterms[co->start + i], W_ITEM);
        }
    }
    if (st == KG_OK)
        st = doc_end(b, r);
    if (st == KG_OK && b->capture && b->ncterms > cstart) {
        uint32_t tg[64];
        size_t nt = item_targets(b, node, tg, 64);
        for (size_t i = 0; i < nt; i++) {
            if (b->ncontribs == b->cocap) {
                b->cocap = b->cocap ? b->cocap * 2 : 1024;
                b->contribs =
                    kg_xrealloc(b->contribs, b->cocap * sizeof *b->contribs);
            }
            b->contribs[b->ncontribs++] = (struct contrib){
                tg[i], cstart, (uint32_t)(b->ncterms - cstart)};
        }
    }
    b->capture = false;
    return st;
}

/* Links that make profiles: item -> expert, item -> institution,
 * expert -> institution. */
static bool link_cb(const struct store_link *l, void *ctx)
{
    struct builder *b = ctx;
    bool keep = false;
    switch (l->rel) {
    case STORE_REL_AUTHORED_BY:
    case STORE_REL_INVENTOR:
        keep = l->dst_kind == KG_EXPERT;
        break;
    case STORE_REL_OWNED_BY:
    case STORE_REL_APPLICANT:
    case STORE_REL_AFFILIATED_WITH:
        keep = l->dst_kind == KG_INSTITUTION;
        break;
    default:
        break;
    }
    if (!keep)
        return true;
    uint32_t a = node_of(b, l->src_kind, l->src_id, true);
    uint32_t z = node_of(b, l->dst_kind, l->dst_id, true);
    if (a == UINT32_MAX || z == UINT32_MAX)
        return true;
    if (b->nedges == b->ecap) {
        b->ecap = b->ecap ? b->ecap * 2 : 1024;
        b->edges = kg_xrealloc(b->edges, b->ecap * sizeof *b->edges);
    }
    b->edges[b->nedges][0] = a;
    b->edges[b->nedges][1] = z;
    b->nedges++;
    return true;
}

/* Counting sort of edges by source into adj_start / adj. */
static void build_adjacency(struct builder *b)
{
    size_t n = b->nodes.n;
    b->adj_start = kg_xcalloc(n + 2, sizeof *b->adj_start);
    b->adj = kg_xmalloc((b->nedges + 1) * sizeof *b->adj);
    for (size_t i = 0; i < b->nedges; i++)
        b->adj_start[b->edges[i][0] + 1]++;
    for (size_t i = 0; i < n; i++)
        b->adj_start[i + 1] += b->adj_start[i];
    uint32_t *fill = kg_xmalloc((n + 1) * sizeof *fill);
    memcpy(fill, b->adj_start, (n + 1) * sizeof *fill);
    for (size_t i = 0; i < b->nedges; i++)
        b->adj[fill[b->edges[i][0]]++] = b->edges[i][1];
    free(fill);
}

/* Groups the item contributions by profile node into co_start. */
static void group_contribs(struct builder *b)
{
    size_t n = b->nodes.n;
    b->co_start = kg_xcalloc(n + 2, sizeof *b->co_start);
    for (size_t i = 0; i < b->ncontribs; i++)
        b->co_start[b->contribs[i].node + 1]++;
    for (size_t i = 0; i < n; i++)
        b->co_start[i + 1] += b->co_start[i];
    struct contrib *sorted = kg_xmalloc((b->ncontribs + 1) * sizeof *sorted);
    uint32_t *fill = kg_xmalloc((n + 1) * sizeof *fill);
    memcpy(fill, b->co_start, (n + 1) * sizeof *fill);
    for (size_t i = 0; i < b->ncontribs; i++)
        sorted[fill[b->contribs[i].node]++] = b->contribs[i];
    free(fill);
    free(b->contribs);
    b->contribs = sorted;
}

static bool record_cb(const struct kg_record *r, void *ctx)
{
    struct builder *b = ctx;
    b->st = add_record(b, r);
    if (b->st != KG_OK) {
        char why[sizeof b->err];
        memcpy(why, b->err, sizeof why);
        snprintf(b->err, sizeof b->err, "%s %s: %s", record_kind_name(r->kind),
                 r->id, why);
    }
    return b->st == KG_OK;
}

static kg_status build_from_store(struct builder *b, struct store *s, char *err,
                                  size_t errlen)
{
    kg_status st = store_foreach_link(s, NULL, NULL, link_cb, b);
    if (st == KG_OK) {
        build_adjacency(b);
        struct store_iter_opts items = {.kinds = KG_KIND_BIT(KG_ACHIEVEMENT) |
                                                 KG_KIND_BIT(KG_PATENT) |
                                                 KG_KIND_BIT(KG_DEMAND)};
        st = store_foreach(s, &items, record_cb, b);
    }
    if (st == KG_OK && b->st == KG_OK) {
        group_contribs(b);
        struct store_iter_opts profiles = {
            .kinds = KG_KIND_BIT(KG_INSTITUTION) | KG_KIND_BIT(KG_EXPERT)};
        st = store_foreach(s, &profiles, record_cb, b);
    }
    if (st != KG_OK) {
        fmt_err(err, errlen, "reading the store: %s", store_last_error(s));
        return st;
    }
    if (b->st != KG_OK)
        fmt_err(err, errlen, "%s", b->err);
    return b->st;
}

/* ------------------------------------------------------ image layout */

struct doc_key {
    uint32_t kind;
    const char *id;
    uint32_t old;
};

static int cmp_doc(const void *x, const void *y)
{
    const struct doc_key *a = x, *b = y;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return strcmp(a->id, b->id);
}

struct term_key {
    uint64_t key; /* first 8 bytes, big-endian, zero-padded */
    uint32_t id, len;
};

static int cmp_term_full(const void *x, const void *y, void *ctx)
{
    const struct term_key *a = x, *b = y;
    const struct terms *m = ctx;
    return strcmp(m->b + m->off[a->id], m->b + m->off[b->id]);
}

/* Terms in byte order: a radix sort on the first 8 bytes, then a
 * comparison sort where those are equal. The caller frees the result. */
static struct term_key *sort_terms(const struct terms *m)
{
    size_t n = m->n;
    struct term_key *a = kg_xmalloc((n + 1) * sizeof *a);
    struct term_key *t = kg_xmalloc((n + 1) * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        const unsigned char *s = (const unsigned char *)m->b + m->off[i];
        uint64_t k = 0;
        size_t l = m->len[i] < 8 ? m->len[i] : 8;
        for (size_t j = 0; j < 8; j++)
            k = (k << 8) | (j < l ? s[j] : 0);
        a[i] = (struct term_key){k, (uint32_t)i, m->len[i]};
    }
    for (int pass = 0; pass < 8 && n > 0; pass++) {
        size_t cnt[257] = {0};
        int sh = pass * 8;
        for (size_t i = 0; i < n; i++)
            cnt[((a[i].key >> sh) & 0xff) + 1]++;
        if (cnt[((a[0].key >> sh) & 0xff) + 1] == n)
            continue; /* every key has the same byte here */
        for (int i = 0; i < 256; i++)
            cnt[i + 1] += cnt[i];
        for (size_t i = 0; i < n; i++)
            t[cnt[(a[i].key >> sh) & 0xff]++] = a[i];
        struct term_key *x = a;
        a = t;
        t = x;
    }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && a[j].key == a[i].key)
            j++;
        if (j - i > 1)
            qsort_r(a + i, j - i, sizeof *a, cmp_term_full, (void *)m);
        i = j;
    }
    free(t);
    return a;
}

/* Length of the common prefix of two sorted neighbours. */
static size_t common_prefix(const struct terms *m, const struct term_key *x,
                            const struct term_key *y)
{
    size_t lim = x->len < y->len ? x->len : y->len, pre;
    uint64_t d = x->key ^ y->key;
    if (d) {
        pre = (size_t)__builtin_clzll(d) / 8;
    } else {
        pre = 8;
        const char *a = m->b + m->off[x->id], *b = m->b + m->off[y->id];
        while (pre < lim && a[pre] == b[pre])
            pre++;
    }
    return pre < lim ? pre : lim;
}

/*
 * Postings grouped by term id, each list in document order: a two-pass
 * radix sort of the (term, document, count) triples, which stays in cache
 * where scattering straight into 10^6 lists would not. Documents are
 * visited in their final order (dk); df gives each term's count. The
 * (document, count) pairs come back in the memory of b->pairs, which the
 * caller then owns (b->pairs is NULL).
 */
static struct pair *group_postings(struct builder *b, const struct doc_key *dk,
                                   const uint32_t *df)
{
    struct trip {
        uint32_t term, doc, tf2;
    };
    enum { LOW = 11 };
    size_t np = b->npairs, nt = b->terms.n;
    size_t nhigh = (nt >> LOW) + 1;
    size_t *cl = kg_xcalloc((1u << LOW) + 1, sizeof *cl);
    size_t *ch = kg_xcalloc(nhigh + 1, sizeof *ch);
    for (size_t t = 0; t < nt; t++) {
        cl[(t & ((1u << LOW) - 1)) + 1] += df[t];
        ch[(t >> LOW) + 1] += df[t];
    }
    for (size_t i = 0; i < (1u << LOW); i++)
        cl[i + 1] += cl[i];
    for (size_t i = 0; i < nhigh; i++)
        ch[i + 1] += ch[i];
    struct trip *tmp = kg_xmalloc((np + 1) * sizeof *tmp);
    for (size_t i = 0; i < b->ndocs; i++) {
        const struct bdoc *d = &b->docs[dk[i].old];
        const struct pair *p = b->pairs + d->start;
        for (uint32_t j = 0; j < d->n; j++)
            tmp[cl[p[j].term & ((1u << LOW) - 1)]++] =
                (struct trip){p[j].term, (uint32_t)i, p[j].tf2};
    }
    struct pair *out = b->pairs; /* read through: reuse its pages */
    b->pairs = NULL;
    for (size_t i = 0; i < np; i++)
        out[ch[tmp[i].term >> LOW]++] = (struct pair){tmp[i].doc, tmp[i].tf2};
    free(tmp);
    free(cl);
    free(ch);
    return out;
}

/* Lays the builder's documents out as an index image. */
static kg_status layout(struct builder *b, int64_t version, double k1,
                        double bb, struct image_writer *img, char *err,
                        size_t errlen)
{
    size_t nd = b->ndocs, nt = b->terms.n;
    struct ix_header h;
    memset(&h, 0, sizeof h);
    h.text_version = TEXT_VERSION;
    h.text_flags = b->flags;
    h.store_version = version;
    h.k1 = k1;
    h.b = bb;
    h.ndocs = (uint32_t)nd;
    h.nterms = (uint32_t)nt;
    h.npostings = b->npairs;

    /* documents in (kind, id) order */
    struct doc_key *dk = kg_xmalloc((nd + 1) * sizeof *dk);
    for (size_t i = 0; i < nd; i++)
        dk[i] = (struct doc_key){b->docs[i].kind, b->ids.data + b->docs[i].id,
                                 (uint32_t)i};
    qsort(dk, nd, sizeof *dk, cmp_doc);
    for (size_t i = 0, k = 0; k <= KG_KIND_COUNT; k++) {
        while (i < nd && dk[i].kind < k)
            i++;
        h.kind_start[k] = (uint32_t)i;
    }
    double total = 0;
    for (size_t i = 0; i < nd; i++)
        total += b->docs[i].dl;
    h.avgdl = nd ? total / (double)nd : 0;

    image_writer_init(img, S_COUNT, sizeof(struct ix_meta));
    h.off[S_DOCS] = img->len;
    struct kg_buf ids;
    kg_buf_init(&ids);
    float *k2 = kg_xmalloc((nd + 1) * sizeof *k2);
    for (size_t i = 0; i < nd; i++) {
        const struct bdoc *d = &b->docs[dk[i].old];
        struct ix_doc x = {(uint32_t)ids.len, d->dl};
        image_add(img, &x, sizeof x);
        kg_buf_add(&ids, dk[i].id, strlen(dk[i].id) + 1);
        k2[i] = norm2(k1, bb, d->dl, h.avgdl);
    }
    h.len[S_DOCS] = img->len - h.off[S_DOCS];
    h.off[S_IDS] = img->len;
    image_add(img, ids.len ? ids.data : "", ids.len ? ids.len : 1);
    h.len[S_IDS] = img->len - h.off[S_IDS];
    kg_buf_release(&ids);

    /* postings by term id, each in document order; the term table is not
     * needed past its document frequencies */
    uint32_t *dfs = kg_xmalloc((nt + 1) * sizeof *dfs);
    for (size_t i = 0; i < b->terms.cap; i++)
        if (b->terms.t[i].len)
            dfs[b->terms.t[i].id] = b->terms.t[i].df;
    free(b->terms.t);
    b->terms.t = NULL;
    b->terms.cap = 0;
    uint64_t *pstart = kg_xmalloc((nt + 1) * sizeof *pstart);
    pstart[0] = 0;
    for (size_t i = 0; i < nt; i++)
        pstart[i + 1] = pstart[i] + dfs[i];
    struct pair *post = group_postings(b, dk, dfs);
    free(dfs);
    free(dk);
    /* postings in term id order: post and pstart are read in sequence */
    struct term_key *order = NULL;
    image_align(img, 8);
    h.off[S_POST] = img->len;
    struct dentry {
        uint64_t off; /* df > 1: postings offset; df == 1: the document */
        uint32_t df, tf2;
        uint16_t maxq;
    } *de = kg_xmalloc((nt + 1) * sizeof *de);
    for (size_t id = 0; id < nt; id++) {
        const struct pair *p = post + pstart[id];
        uint32_t df = (uint32_t)(pstart[id + 1] - pstart[id]);
        double mx = 0;
        de[id].df = df;
        de[id].off = img->len - h.off[S_POST];
        if (df == 1) {
            mx = (double)p[0].tf2 / ((double)p[0].tf2 + k2[p[0].term]);
            de[id].off = p[0].term;
            de[id].tf2 = p[0].tf2;
        } else {
            uint32_t nb = (df + IX_BLOCK - 1) / IX_BLOCK;
            size_t skip = img->len, data;
            if (nb > 1) {
                image_reserve(img, (size_t)nb * IX_SKIP_BYTES);
                img->len += (size_t)nb * IX_SKIP_BYTES;
            }
            data = img->len;
            uint32_t prev = IX_END;
            for (uint32_t blk = 0; blk < nb; blk++) {
                uint32_t a = blk * IX_BLOCK;
                uint32_t z = a + IX_BLOCK < df ? a + IX_BLOCK : df;
                struct ix_skip sk = {.off = (uint32_t)(img->len - data)};
                for (uint32_t i = a; i < z; i++) {
                    by_varint(img, (uint32_t)(p[i].term - prev));
                    by_varint(img, p[i].tf2);
                    prev = p[i].term;
                    double x =
                        (double)p[i].tf2 / ((double)p[i].tf2 + k2[p[i].term]);
                    mx = x > mx ? x : mx;
                }
                sk.last = prev;
                if (nb > 1)
                    memcpy(img->p + skip + (size_t)blk * IX_SKIP_BYTES, &sk,
                           IX_SKIP_BYTES);
            }
        }
        double q = ceil(mx * 65535.0);
        de[id].maxq = (uint16_t)(q > 65535 ? 65535 : q);
    }
    free(post);
    free(pstart);
    h.len[S_POST] = img->len - h.off[S_POST];
    if (h.len[S_POST] > UINT32_MAX) {
        fmt_err(err, errlen, "index postings over 4 GB");
        goto limit;
    }

    /* front-coded dictionary, in byte order */
    order = sort_terms(&b->terms);
    size_t nblocks = (nt + IX_DICT_BLOCK - 1) / IX_DICT_BLOCK;
    image_align(img, 8);
    h.off[S_DICTIX] = img->len;
    size_t dictix = img->len;
    image_reserve(img, nblocks * 4 + 8);
    img->len += nblocks * 4;
    h.len[S_DICTIX] = nblocks * 4;
    h.off[S_DICT] = img->len;
    for (size_t r = 0; r < nt; r++) {
        const struct term_key *tk = &order[r];
        size_t l = tk->len, pre = 0;
        if (r % IX_DICT_BLOCK == 0) {
            uint32_t o = (uint32_t)(img->len - h.off[S_DICT]);
            memcpy(img->p + dictix + (r / IX_DICT_BLOCK) * 4, &o, 4);
        } else {
            pre = common_prefix(&b->terms, &order[r - 1], tk);
        }
        by_varint(img, pre);
        by_varint(img, l - pre);
        if (l <= 8) {
            char kb[8];
            for (size_t j = 0; j < 8; j++)
                kb[j] = (char)(tk->key >> (56 - 8 * j));
            image_add(img, kb + pre, l - pre);
        } else {
            image_add(img, b->terms.b + b->terms.off[tk->id] + pre, l - pre);
        }
        const struct dentry *e = &de[tk->id];
        by_varint(img, e->df);
        by_varint(img, e->off);
        if (e->df == 1)
            by_varint(img, e->tf2);
        else
            image_add(img, &e->maxq, 2);
    }
    h.len[S_DICT] = img->len - h.off[S_DICT];
    if (h.len[S_DICT] > UINT32_MAX) {
        fmt_err(err, errlen, "index dictionary over 4 GB");
        goto limit;
    }
    image_align(img, 8);
    struct ix_meta m = {
        .text_version = h.text_version,
        .text_flags = h.text_flags,
        .nterms = h.nterms,
        .store_version = h.store_version,
        .npostings = h.npostings,
        .k1 = h.k1,
        .b = h.b,
        .avgdl = h.avgdl,
    };
    memcpy(m.kind_start, h.kind_start, sizeof m.kind_start);
    for (unsigned i = 0; i < S_COUNT; i++)
        image_set_section(img, i, h.off[i], h.len[i]);
    image_finish(img, IX_MAGIC, IX_FORMAT, &m);
    free(order);
    free(de);
    free(k2);
    return KG_OK;
limit:
    free(order);
    free(de);
    free(k2);
    return KG_ELIMIT;
}

/* ----------------------------------------------------- opening images */

static void index_params(struct index *ix, const struct index_opts *o)
{
    ix->k1 = o && o->k1 > 0 ? o->k1 : INDEX_K1;
    ix->b = o && o->b > 0 ? o->b : INDEX_B;
}

static const struct image_spec ix_spec = {
    .magic = IX_MAGIC,
    .what = "index",
    .format = IX_FORMAT,
    .nsections = S_COUNT,
    .meta_len = sizeof(struct ix_meta),
};

/*
 * Checks the contents of an image that image_check passed and points ix
 * into it. Returns false with the reason in why when anything is out of
 * place; nothing in the image is followed before this passes.
 */
static bool attach(struct index *ix, const struct image *im, char *why,
                   size_t whylen)
{
    struct ix_meta m;
    memcpy(&m, im->meta, sizeof m);
    if (m.text_version != TEXT_VERSION) {
        fmt_err(why, whylen, "format %u.%u, this kgmatch writes %u.%u",
                IX_FORMAT, m.text_version, IX_FORMAT, TEXT_VERSION);
        return false;
    }
    struct ix_header h = {
        .text_version = m.text_version,
        .text_flags = m.text_flags,
        .store_version = m.store_version,
        .k1 = m.k1,
        .b = m.b,
        .avgdl = m.avgdl,
        .ndocs = m.kind_start[KG_KIND_COUNT],
        .nterms = m.nterms,
        .npostings = m.npostings,
    };
    memcpy(h.kind_start, m.kind_start, sizeof h.kind_start);
    for (unsigned i = 0; i < S_COUNT; i++) {
        h.off[i] = im->off[i];
        h.len[i] = im->len[i];
    }
    const uint8_t *img = im->base;
    size_t nblocks = (h.nterms + IX_DICT_BLOCK - 1) / IX_DICT_BLOCK;
    bool ok = h.ndocs <= IX_MAX_DOCS &&
              h.len[S_DOCS] == (uint64_t)h.ndocs * sizeof(struct ix_doc) &&
              h.len[S_DICTIX] == nblocks * 4 && h.len[S_IDS] > 0 &&
              img[h.off[S_IDS] + h.len[S_IDS] - 1] == '\0' &&
              h.kind_start[0] == 0 && isfinite(h.avgdl) && h.avgdl >= 0 &&
              isfinite(h.k1) && isfinite(h.b);
    for (int k = 0; ok && k < KG_KIND_COUNT; k++)
        ok = h.kind_start[k] <= h.kind_start[k + 1];
    for (size_t i = 0; ok && i < nblocks; i++) {
        uint32_t o;
        memcpy(&o, img + h.off[S_DICTIX] + 4 * i, 4);
        ok = o < h.len[S_DICT];
    }
    const struct ix_doc *docs = (const void *)(img + h.off[S_DOCS]);
    for (size_t i = 0; ok && i < h.ndocs; i++) {
        struct ix_doc d;
        memcpy(&d, &docs[i], sizeof d);
        ok = d.id_off < h.len[S_IDS] && isfinite(d.dl) && d.dl >= 0;
    }
    if (!ok) {
        fmt_err(why, whylen, "inconsistent header or documents");
        return false;
    }
    ix->h = h;
    ix->base = img;
    ix->size = im->size;
    ix->docs = docs;
    ix->ids = (const char *)img + h.off[S_IDS];
    ix->post = img + h.off[S_POST];
    ix->post_len = h.len[S_POST];
    ix->dictix = img + h.off[S_DICTIX];
    ix->dict = img + h.off[S_DICT];
    ix->dict_len = h.len[S_DICT];
    ix->nblocks = nblocks;
    ix->exact_bounds = ix->k1 == h.k1 && ix->b == h.b;
    free(ix->k2);
    ix->k2 = kg_xmalloc(((size_t)h.ndocs + 1) * sizeof *ix->k2);
    for (size_t i = 0; i < h.ndocs; i++) {
        struct ix_doc d;
        memcpy(&d, &docs[i], sizeof d);
        ix->k2[i] = norm2(ix->k1, ix->b, d.dl, h.avgdl);
    }
    return true;
}

static void detach(struct index *ix)
{
    if (ix->base) {
        if (ix->mapped)
            munmap((void *)ix->base, ix->size);
        else
            free((void *)ix->base);
    }
    ix->base = NULL;
    ix->mapped = false;
}

/* Maps the file at path. KG_ENOTFOUND when missing; KG_EINPUT (reason in
 * why) when it is not a sound index; KG_OK with ix attached. */
static kg_status map_file(struct index *ix, const char *path, char *why,
                          size_t whylen)
{
    struct image im;
    enum image_verdict v;
    kg_status st = image_map(path, &ix_spec, &im, &v, why, whylen);
    if (st != KG_OK)
        return st;
    if (!attach(ix, &im, why, whylen)) {
        image_release(&im);
        return KG_EINPUT;
    }
    ix->mapped = true;
    return KG_OK;
}

static struct index *index_alloc(const struct index_opts *o)
{
    struct index *ix = kg_xcalloc(1, sizeof *ix);
    index_params(ix, o);
    ix->want_flags = o && o->cjk_words ? IX_CJK_WORDS : 0;
    text_tokens_init(&ix->tk);
    return ix;
}

/* Builds from s or from recs into a new image attached to ix. */
static kg_status build(struct index *ix, struct store *s,
                       const struct kg_record *const *recs, size_t nrecs,
                       int64_t version, char *err, size_t errlen)
{
    struct builder b;
    struct text_opts to = {.cjk_words = ix->want_flags & IX_CJK_WORDS};
    double t0 = kg_monotonic();
    kg_status st = builder_init(&b, &to, err, errlen);
    if (st == KG_OK && s)
        st = build_from_store(&b, s, err, errlen);
    for (size_t i = 0; st == KG_OK && i < nrecs; i++) {
        st = add_record(&b, recs[i]);
        if (st != KG_OK)
            fmt_err(err, errlen, "%s %s: %s", record_kind_name(recs[i]->kind),
                    recs[i]->id, b.err);
    }
    double t1 = kg_monotonic();
    struct image_writer img = {0};
    if (st == KG_OK)
        st = layout(&b, version, ix->k1, ix->b, &img, err, errlen);
    ix->timing = (struct index_timing){
        .read_s = t1 - t0,
        .tokenize_s = b.tokenize_s,
        .layout_s = kg_monotonic() - t1,
        .text_bytes = b.text_bytes,
    };
    builder_release(&b);
    if (st != KG_OK) {
        image_writer_release(&img);
        return st;
    }
    char why[256];
    detach(ix);
    struct image im;
    if (image_check(&ix_spec, img.p, img.len, false, &im, why, sizeof why) !=
            IMAGE_OK ||
        !attach(ix, &im, why, sizeof why)) {
        fmt_err(err, errlen, "internal error: fresh index unsound: %s", why);
        image_writer_release(&img);
        return KG_EINTERNAL;
    }
    ix->mapped = false;
    ix->built = true;
    return KG_OK;
}

kg_status index_build(const struct kg_record *const *recs, size_t n,
                      const struct index_opts *opts, struct index **out,
                      char *err, size_t errlen)
{
    struct index *ix = index_alloc(opts);
    ix->in_memory = true;
    kg_status st = build(ix, NULL, recs, n, 0, err, errlen);
    if (st != KG_OK) {
        index_free(ix);
        ix = NULL;
    }
    *out = ix;
    return st;
}

kg_status index_open(struct store *s, const struct index_opts *opts,
                     struct index **out, char *err, size_t errlen)
{
    struct index_opts o = {0};
    if (opts)
        o = *opts;
    FILE *warn = o.warn ? o.warn : stderr;
    struct index *ix = index_alloc(&o);
    int64_t version = 0;
    char why[256] = "";
    *out = NULL;
    kg_status st = store_version(s, &version);
    if (st != KG_OK) {
        fmt_err(err, errlen, "reading the store version: %s",
                store_last_error(s));
        goto fail;
    }
    ix->path = kg_xasprintf("%s.idx", store_path(s));
    if (o.in_memory) {
        ix->in_memory = true;
        st = build(ix, s, NULL, 0, version, err, errlen);
        if (st != KG_OK)
            goto fail;
        *out = ix;
        return KG_OK;
    }
    if (!o.rebuild) {
        st = map_file(ix, ix->path, why, sizeof why);
        if (st == KG_OK) {
            bool same_text = ix->h.text_flags == ix->want_flags;
            if (o.no_update || (same_text && ix->h.store_version == version)) {
                *out = ix;
                return KG_OK;
            }
            if (!same_text)
                fprintf(warn,
                        "kgmatch: index %s was built with other text "
                        "options: rebuilding\n",
                        ix->path);
            else
                fprintf(warn,
                        "kgmatch: index %s is stale (store version %lld, "
                        "index %lld): rebuilding\n",
                        ix->path, (long long)version,
                        (long long)ix->h.store_version);
            detach(ix);
        } else if (st != KG_ENOTFOUND) {
            fprintf(warn, "kgmatch: index %s is unusable (%s): rebuilding\n",
                    ix->path, why);
        }
    }
    st = build(ix, s, NULL, 0, version, err, errlen);
    if (st != KG_OK)
        goto fail;
    double t0 = kg_monotonic();
    st = image_write(ix->path, ix->base, ix->size, why, sizeof why);
    ix->timing.write_s = kg_monotonic() - t0;
    if (st != KG_OK) {
        fprintf(warn,
                "kgmatch: cannot write index %s (%s): using it from "
                "memory\n",
                ix->path, why);
        ix->in_memory = true;
    }
    *out = ix;
    return KG_OK;
fail:
    index_free(ix);
    return st;
}

void index_free(struct index *ix)
{
    if (!ix)
        return;
    detach(ix);
    free(ix->k2);
    free(ix->path);
    text_free(ix->tx);
    text_tokens_release(&ix->tk);
    free(ix->acc);
    free(ix->touched);
    free(ix);
}

size_t index_doc_count(const struct index *ix)
{
    return ix->h.ndocs;
}

void index_get_info(const struct index *ix, struct index_info *info)
{
    memset(info, 0, sizeof *info);
    info->path = ix->in_memory ? NULL : ix->path;
    info->docs = ix->h.ndocs;
    info->terms = ix->h.nterms;
    for (int k = 0; k < KG_KIND_COUNT; k++)
        info->docs_of[k] = ix->h.kind_start[k + 1] - ix->h.kind_start[k];
    info->postings = ix->h.npostings;
    info->bytes = ix->size;
    info->version = ix->h.store_version;
    info->built = ix->built;
    info->in_memory = ix->in_memory;
    info->k1 = ix->k1;
    info->b = ix->b;
    info->timing = ix->timing;
}

/* ------------------------------------------------------- dictionary */

/* A term's entry in the dictionary. */
struct tinfo {
    uint32_t df;
    uint32_t doc, tf2; /* df == 1: the only posting */
    uint64_t off;      /* df > 1: postings offset */
    uint16_t maxq;     /* df > 1: max tf / (tf + K) x 65535, rounded up */
};

/* Decodes the dictionary entry at p; term gets prefix + suffix. */
static const uint8_t *dict_entry(const struct index *ix, const uint8_t *p,
                                 char *term, size_t *tlen, struct tinfo *ti)
{
    const uint8_t *end = ix->dict + ix->dict_len;
    uint64_t pre, suf, df, a, c;
    if (!(p = rd_varint(p, end, &pre)) || !(p = rd_varint(p, end, &suf)) ||
        pre > *tlen || pre + suf > 255 || suf > (uint64_t)(end - p))
        return NULL;
    memcpy(term + pre, p, suf);
    *tlen = pre + suf;
    p += suf;
    if (!(p = rd_varint(p, end, &df)) || df == 0 || df > ix->h.ndocs)
        return NULL;
    ti->df = (uint32_t)df;
    if (df == 1) {
        if (!(p = rd_varint(p, end, &a)) || !(p = rd_varint(p, end, &c)) ||
            a >= ix->h.ndocs || c > UINT32_MAX)
            return NULL;
        ti->doc = (uint32_t)a;
        ti->tf2 = (uint32_t)c;
        ti->maxq = 65535;
        return p;
    }
    if (!(p = rd_varint(p, end, &a)) || a >= ix->post_len || end - p < 2)
        return NULL;
    ti->off = a;
    memcpy(&ti->maxq, p, 2);
    return p + 2;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Finds term t[0..n) in the dictionary. */
static bool dict_find(const struct index *ix, const char *t, size_t n,
                      struct tinfo *ti)
{
    char term[256];
    size_t lo = 0, hi = ix->nblocks;
    if (hi == 0)
        return false;
    while (hi - lo > 1) { /* last block whose first term <= t */
        size_t mid = (lo + hi) / 2, tl = 0;
        uint32_t o;
        memcpy(&o, ix->dictix + 4 * mid, 4);
        struct tinfo x;
        if (!dict_entry(ix, ix->dict + o, term, &tl, &x))
            return false;
        if (cmp_bytes(term, tl, t, n) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    uint32_t o;
    memcpy(&o, ix->dictix + 4 * lo, 4);
    const uint8_t *p = ix->dict + o;
    size_t tl = 0;
    size_t count = lo + 1 < ix->nblocks ? IX_DICT_BLOCK
                                        : ix->h.nterms - lo * IX_DICT_BLOCK;
    for (size_t i = 0; i < count; i++) {
        size_t room = tl;
        if (!(p = dict_entry(ix, p, term, &room, ti)))
            return false;
        tl = room;
        int c = cmp_bytes(term, tl, t, n);
        if (c == 0)
            return true;
        if (c > 0)
            return false;
    }
    return false;
}

/* ---------------------------------------------------------- postings */

struct cursor {
    const uint8_t *data, *end;
    const uint8_t *skip; /* NULL: a single block at data */
    uint32_t df, nblocks, blk;
    uint32_t n, pos;
    uint32_t doc;  /* current document, IX_END when done */
    double w;      /* idf qtf (k1 + 1) IX_SCALE */
    int64_t bound; /* of any contribution of the term */
    uint32_t docs[IX_BLOCK], tfs[IX_BLOCK];
};

static struct ix_skip skip_at(const struct cursor *c, uint32_t b)
{
    struct ix_skip s;
    memcpy(&s, c->skip + (size_t)b * IX_SKIP_BYTES, sizeof s);
    return s;
}

/* Decodes block b; a malformed block ends the list where it breaks. */
static void cur_load(struct cursor *c, uint32_t b, uint32_t ndocs)
{
    const uint8_t *p = c->data;
    uint32_t prev = IX_END, cnt = c->df;
    if (c->skip) {
        struct ix_skip s = skip_at(c, b);
        if (s.off >= (size_t)(c->end - c->data)) {
            c->nblocks = b;
            c->n = 0;
            c->doc = IX_END;
            return;
        }
        p = c->data + s.off;
        if (b > 0)
            prev = skip_at(c, b - 1).last;
        cnt = b + 1 < c->nblocks ? IX_BLOCK : c->df - b * IX_BLOCK;
    }
    /* a block's varints cannot run past the section when 20 bytes per
     * posting are left: then decode without checking each byte */
    bool fast = (size_t)(c->end - p) >= (size_t)cnt * 20;
    uint32_t i = 0;
    for (; i < cnt; i++) {
        uint64_t gap, tf;
        if (fast) {
            if (!(p = rd_varint_fast(p, &gap)) || !(p = rd_varint_fast(p, &tf)))
                break;
        } else if (!(p = rd_varint(p, c->end, &gap)) ||
                   !(p = rd_varint(p, c->end, &tf))) {
            break;
        }
        if (gap == 0 || tf > UINT32_MAX)
            break;
        /* prev is IX_END (-1) before the first document */
        uint64_t d = prev == IX_END ? gap - 1 : (uint64_t)prev + gap;
        if (d >= ndocs)
            break;
        c->docs[i] = (uint32_t)d;
        c->tfs[i] = (uint32_t)tf;
        prev = (uint32_t)d;
    }
    if (i < cnt)
        c->nblocks = b + 1; /* damaged: nothing after this block */
    c->blk = b;
    c->n = i;
    c->pos = 0;
    c->doc = i ? c->docs[0] : IX_END;
    if (!i)
        c->nblocks = b;
}

static void cur_init(struct cursor *c, const struct index *ix,
                     const struct tinfo *ti, double w, int64_t bound)
{
    c->w = w;
    c->bound = bound;
    c->df = ti->df;
    c->skip = NULL;
    c->end = ix->post + ix->post_len;
    if (ti->df == 1) {
        c->nblocks = 1;
        c->blk = 0;
        c->n = 1;
        c->pos = 0;
        c->docs[0] = ti->doc;
        c->tfs[0] = ti->tf2;
        c->doc = ti->doc;
        c->data = NULL;
        return;
    }
    c->nblocks = (ti->df + IX_BLOCK - 1) / IX_BLOCK;
    c->data = ix->post + ti->off;
    if (c->nblocks > 1) {
        size_t sk = (size_t)c->nblocks * IX_SKIP_BYTES;
        if (sk > (size_t)(c->end - c->data)) {
            c->n = 0;
            c->doc = IX_END;
            c->nblocks = 0;
            return;
        }
        c->skip = c->data;
        c->data += sk;
    }
    cur_load(c, 0, ix->h.ndocs);
}

static inline void cur_next(struct cursor *c, uint32_t ndocs)
{
    if (++c->pos < c->n) {
        c->doc = c->docs[c->pos];
        return;
    }
    if (c->blk + 1 < c->nblocks)
        cur_load(c, c->blk + 1, ndocs);
    else
        c->doc = IX_END;
}

/* Moves to the first document >= target. */
static void cur_geq(struct cursor *c, uint32_t target, uint32_t ndocs)
{
    while (c->doc < target) {
        if (c->docs[c->n - 1] < target) {
            uint32_t b = c->blk + 1;
            while (b < c->nblocks && skip_at(c, b).last < target)
                b++;
            if (b >= c->nblocks) {
                c->doc = IX_END;
                return;
            }
            cur_load(c, b, ndocs);
            continue;
        }
        uint32_t lo = c->pos, hi = c->n - 1; /* first docs[i] >= target */
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (c->docs[mid] < target)
                lo = mid + 1;
            else
                hi = mid;
        }
        c->pos = lo;
        c->doc = c->docs[lo];
    }
}

/* ------------------------------------------------------------ search */

struct qterm {
    const char *t;
    uint32_t len, qtf;
};

static int cmp_qterm(const void *x, const void *y)
{
    const struct qterm *a = x, *b = y;
    return cmp_bytes(a->t, a->len, b->t, b->len);
}

struct hit {
    int64_t score;
    uint32_t doc;
};

/* a ranks before b: higher score, then lower document. */
static inline bool better(const struct hit *a, const struct hit *b)
{
    return a->score > b->score || (a->score == b->score && a->doc < b->doc);
}

static int cmp_hit(const void *x, const void *y)
{
    const struct hit *a = x, *b = y;
    return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

/* Min-heap on rank: the worst hit at the top. */
static void heap_push(struct hit *h, size_t *n, size_t k, struct hit x)
{
    if (*n < k) {
        size_t i = (*n)++;
        while (i > 0 && better(&h[(i - 1) / 2], &x)) {
            h[i] = h[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        h[i] = x;
        return;
    }
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct hit *worst = &x;
        if (l < k && better(worst, &h[l])) {
            m = l;
            worst = &h[l];
        }
        if (r < k && better(worst, &h[r]))
            m = r;
        if (m == i)
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

static kg_kind kind_of(const struct index *ix, uint32_t d)
{
    int k = 0;
    while (k + 1 < KG_KIND_COUNT && d >= ix->h.kind_start[k + 1])
        k++;
    return (kg_kind)k;
}

/* The first document >= d of a kind in mask, IX_END when none. */
static uint32_t next_allowed(const struct index *ix, uint32_t d, unsigned mask)
{
    for (int k = 0; k < KG_KIND_COUNT; k++) {
        if (!(mask & KG_KIND_BIT(k)) || ix->h.kind_start[k + 1] <= d ||
            ix->h.kind_start[k] == ix->h.kind_start[k + 1])
            continue;
        return d > ix->h.kind_start[k] ? d : ix->h.kind_start[k];
    }
    return IX_END;
}

/* Every document with a score: term at a time into accumulators. */
static size_t search_all(struct index *ix, struct cursor *cs, size_t nc,
                         unsigned mask, size_t k, struct hit **out)
{
    uint32_t nd = ix->h.ndocs;
    if (!ix->acc) {
        ix->acc = kg_xcalloc((size_t)nd + 1, sizeof *ix->acc);
        ix->touched = kg_xmalloc(((size_t)nd + 1) * sizeof *ix->touched);
    }
    int64_t *acc = ix->acc;
    const float *k2 = ix->k2;
    size_t nt = 0;
    for (size_t i = 0; i < nc; i++) {
        struct cursor *c = &cs[i];
        while (c->doc != IX_END) {
            for (uint32_t p = c->pos; p < c->n; p++) {
                uint32_t d = c->docs[p];
                if (!acc[d])
                    ix->touched[nt++] = d;
                acc[d] += contrib(c->w, c->tfs[p], k2[d]);
            }
            if (c->blk + 1 >= c->nblocks)
                break;
            cur_load(c, c->blk + 1, nd);
        }
    }
    size_t n = 0;
    struct hit *h;
    if (k) { /* the best k, by a heap */
        h = kg_xmalloc((k + 1) * sizeof *h);
        for (size_t i = 0; i < nt; i++) {
            uint32_t d = ix->touched[i];
            struct hit x = {acc[d], d};
            acc[d] = 0;
            if (mask & KG_KIND_BIT(kind_of(ix, d)) &&
                (n < k || better(&x, &h[0])))
                heap_push(h, &n, k, x);
        }
    } else {
        h = kg_xmalloc((nt + 1) * sizeof *h);
        for (size_t i = 0; i < nt; i++) {
            uint32_t d = ix->touched[i];
            if (mask & KG_KIND_BIT(kind_of(ix, d)))
                h[n++] = (struct hit){acc[d], d};
            acc[d] = 0;
        }
    }
    qsort(h, n, sizeof *h, cmp_hit);
    *out = h;
    return n;
}

static int cmp_bound(const void *x, const void *y)
{
    const struct cursor *a = x, *b = y;
    return a->bound < b->bound ? -1 : a->bound > b->bound ? 1 : 0;
}

/* Top k by MaxScore: lists whose bounds together cannot lift a document
 * above the k-th score are only probed for documents the others find. */
static size_t search_top(struct index *ix, struct cursor *cs, size_t nc,
                         unsigned mask, size_t k, struct hit **out)
{
    uint32_t nd = ix->h.ndocs;
    qsort(cs, nc, sizeof *cs, cmp_bound);
    int64_t *cum = kg_xmalloc((nc + 1) * sizeof *cum);
    int64_t sum = 0;
    for (size_t i = 0; i < nc; i++)
        cum[i] = sum += cs[i].bound;
    struct hit *h = kg_xmalloc((k + 1) * sizeof *h);
    size_t n = 0, ne = 0;
    int64_t theta = 0;
    for (;;) {
        uint32_t d = IX_END;
        for (size_t i = ne; i < nc; i++)
            if (cs[i].doc < d)
                d = cs[i].doc;
        if (d == IX_END)
            break;
        if (!(mask & KG_KIND_BIT(kind_of(ix, d)))) {
            uint32_t t = next_allowed(ix, d, mask);
            if (t == IX_END)
                break;
            for (size_t i = ne; i < nc; i++)
                cur_geq(&cs[i], t, nd);
            continue;
        }
        int64_t score = 0;
        float k2 = ix->k2[d];
        for (size_t i = ne; i < nc; i++) {
            if (cs[i].doc != d)
                continue;
            score += contrib(cs[i].w, cs[i].tfs[cs[i].pos], k2);
            cur_next(&cs[i], nd);
        }
        bool pruned = false;
        for (size_t i = ne; i-- > 0;) {
            if (n == k && score + cum[i] <= theta) {
                pruned = true;
                break;
            }
            cur_geq(&cs[i], d, nd);
            if (cs[i].doc == d)
                score += contrib(cs[i].w, cs[i].tfs[cs[i].pos], k2);
        }
        if (pruned || (n == k && score <= theta) || score <= 0)
            continue;
        heap_push(h, &n, k, (struct hit){score, d});
        if (n == k) {
            theta = h[0].score;
            while (ne < nc && cum[ne] <= theta)
                ne++;
        }
    }
    free(cum);
    qsort(h, n, sizeof *h, cmp_hit);
    *out = h;
    return n;
}

static kg_status ensure_analyzer(struct index *ix, char *err, size_t errlen)
{
    if (ix->tx)
        return KG_OK;
    struct text_opts to = {.cjk_words = ix->h.text_flags & IX_CJK_WORDS};
    return text_new(&to, &ix->tx, err, errlen);
}

kg_status index_search(struct index *ix, const char *text, unsigned kinds,
                       size_t k, struct index_hit **hits, size_t *n)
{
    *hits = NULL;
    *n = 0;
    unsigned mask = kinds ? kinds : KG_ALL_KINDS;
    ix->err[0] = '\0';
    if (ix->h.ndocs == 0 || !text)
        return KG_OK;
    kg_status st = ensure_analyzer(ix, ix->err, sizeof ix->err);
    if (st != KG_OK)
        return st;
    text_tokens_reset(&ix->tk);
    st = text_analyze(ix->tx, text, strlen(text), &ix->tk);
    if (st != KG_OK)
        snprintf(ix->err, sizeof ix->err, "%s", text_last_error(ix->tx));
    if (st != KG_OK || ix->tk.n == 0)
        return st;

    /* distinct terms with their counts */
    size_t nq = ix->tk.n, nu = 0;
    struct qterm *q = kg_xmalloc(nq * sizeof *q);
    for (size_t i = 0; i < nq; i++)
        q[i] =
            (struct qterm){ix->tk.bytes + ix->tk.v[i].off, ix->tk.v[i].len, 1};
    qsort(q, nq, sizeof *q, cmp_qterm);
    for (size_t i = 0; i < nq; i++) {
        if (nu && cmp_qterm(&q[nu - 1], &q[i]) == 0)
            q[nu - 1].qtf++;
        else
            q[nu++] = q[i];
    }
    struct cursor *cs = kg_xmalloc(nu * sizeof *cs);
    size_t nc = 0;
    double N = ix->h.ndocs;
    for (size_t i = 0; i < nu; i++) {
        struct tinfo ti;
        if (!dict_find(ix, q[i].t, q[i].len, &ti))
            continue;
        double w = bm25_idf(N, ti.df) * q[i].qtf * (ix->k1 + 1) * IX_SCALE;
        double mx = ix->exact_bounds ? ti.maxq / 65535.0 : 1.0;
        if (ti.df == 1)
            mx = (double)ti.tf2 / ((double)ti.tf2 + ix->k2[ti.doc]);
        cur_init(&cs[nc++], ix, &ti, w, (int64_t)(w * mx) + 2);
    }
    free(q);
    struct hit *h = NULL;
    size_t nh = 0;
    if (nc && (k == 0 || k >= ix->h.ndocs)) {
        nh = search_all(ix, cs, nc, mask, k, &h);
    } else if (nc) {
        nh = search_top(ix, cs, nc, mask, k, &h);
    }
    free(cs);
    struct index_hit *res = kg_xmalloc((nh + 1) * sizeof *res);
    for (size_t i = 0; i < nh; i++) {
        struct ix_doc d;
        memcpy(&d, &ix->docs[h[i].doc], sizeof d);
        res[i].kind = kind_of(ix, h[i].doc);
        res[i].id = ix->ids + d.id_off;
        res[i].score = (double)h[i].score / IX_SCALE;
    }
    free(h);
    *hits = res;
    *n = nh;
    return KG_OK;
}

const char *index_last_error(const struct index *ix)
{
    return ix->err;
}
