/*
 * index_query.c - searching an open index: the front-coded dictionary,
 * postings cursors with block skipping, and top-k evaluation with
 * MaxScore (exhaustive scoring when every document is wanted). Scores are
 * summed in fixed point, so every order of summation gives the same score
 * and top-k equals exhaustive scoring.
 */
#include <stdlib.h>
#include <string.h>

#include "core/index_int.h"

/* One term's contribution in fixed point; w = idf qtf (k1 + 1) IX_SCALE.
 * Never 0, so a document that matches has a score. */
static inline int64_t contrib(double w, uint32_t tf2, float k2)
{
    int64_t c = (int64_t)(w * ((double)tf2 / ((double)tf2 + (double)k2)) + 0.5);
    return c > 0 ? c : 1;
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

/* The first entry of dictionary block b, and how many terms it holds. */
static const uint8_t *dict_block(const struct index *ix, size_t b,
                                 size_t *count)
{
    uint32_t o;
    memcpy(&o, ix->dictix + 4 * b, 4);
    *count =
        b + 1 < ix->nblocks ? IX_DICT_BLOCK : ix->h.nterms - b * IX_DICT_BLOCK;
    return ix->dict + o;
}

/* Whether term t[0..n) may be in ix: false only when ix's filter (an
 * update segment's S_FILTER) says it is not. */
static inline bool filter_may_have(const struct index *ix, const char *t,
                                   size_t n)
{
    if (!ix->filter)
        return true;
    size_t w;
    uint64_t m = ix_filter_bits(text_hash(t, n), ix->filter_mask, &w), f;
    memcpy(&f, ix->filter + 8 * w, 8);
    return (f & m) == m;
}

/* Finds term t[0..n) in the dictionary. */
static bool dict_find(const struct index *ix, const char *t, size_t n,
                      struct tinfo *ti)
{
    char term[256];
    size_t lo = 0, hi = ix->nblocks;
    if (hi == 0 || !filter_may_have(ix, t, n))
        return false;
    if (ix->heads) { /* a segment: bisect the keys, then the ties */
        uint64_t key = ix_key8(t, n);
        size_t a = 0, z = hi; /* a: first head key >= key */
        while (a < z) {
            size_t mid = a + (z - a) / 2;
            if (ix->heads[mid] < key)
                a = mid + 1;
            else
                z = mid;
        }
        for (z = a; z < hi && ix->heads[z] == key;)
            z++;
        lo = a ? a - 1 : 0;
        hi = z > lo ? z : lo + 1;
    }
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
    size_t count, tl = 0;
    const uint8_t *p = dict_block(ix, lo, &count);
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

static int cmp_tinfo_df(const void *x, const void *y)
{
    const struct tinfo *a = x, *b = y;
    return a->df > b->df ? -1 : a->df < b->df;
}

/* Bytes of the UTF-8 sequence that starts with byte b (1 for a bad one). */
static size_t u8len(unsigned char b)
{
    return b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
}

/* Whether t[0..n) is one CJK character (or kana, hangul: any one code
 * point of three or four bytes from U+2E80 up). */
static bool one_cjk_char(const char *t, size_t n)
{
    const unsigned char *u = (const unsigned char *)t;
    return n >= 3 && n == u8len(u[0]) && (u[0] > 0xE2 || n == 4);
}

/*
 * A one-character query term meets the bigrams that contain it: the
 * analyzer indexes CJK runs as bigrams, so 铝 alone is only a term where
 * it stood alone. Appends to *v (growing *cap) the dictionary entries of
 * every two-character term that starts or ends with c[0..n), keeping the
 * IX_EXPAND_MAX most frequent; returns the new count. One pass over the
 * dictionary (front-coded blocks), so only such terms pay for it.
 */
static size_t char_bigrams(const struct index *ix, const char *c, size_t n,
                           struct tinfo **v, size_t *cap, size_t nv)
{
    char term[256];
    size_t first = nv;
    for (size_t b = 0; b < ix->nblocks; b++) {
        size_t count, tl = 0;
        const uint8_t *p = dict_block(ix, b, &count);
        for (size_t i = 0; i < count; i++) {
            struct tinfo ti;
            size_t room = tl;
            if (!(p = dict_entry(ix, p, term, &room, &ti)))
                return nv; /* damaged: what was found so far */
            tl = room;
            if (tl <= n || tl > n + 4)
                continue;
            bool head = memcmp(term, c, n) == 0 &&
                        u8len((unsigned char)term[n]) == tl - n;
            bool tail = memcmp(term + tl - n, c, n) == 0 &&
                        u8len((unsigned char)term[0]) == tl - n;
            if (!head && !tail)
                continue;
            if (nv == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *v = kg_xrealloc(*v, *cap * sizeof **v);
            }
            (*v)[nv++] = ti;
        }
    }
    if (nv - first > IX_EXPAND_MAX) {
        qsort(*v + first, nv - first, sizeof **v, cmp_tinfo_df);
        nv = first + IX_EXPAND_MAX;
    }
    return nv;
}

/* ---------------------------------------------------------- postings */

struct cursor {
    const uint8_t *data, *end;
    const uint8_t *skip; /* NULL: a single block at data */
    bool lazy;           /* no block decoded yet (cur_init, cur_ready) */
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

/* A cursor on the postings ti of ix; lazy: its first block is decoded
 * only when needed (cur_ready, or cur_geq, which may skip it): a list
 * MaxScore only probes for a few documents, as in a segment whose floor
 * is high, then decodes only the blocks it probes. */
static void cur_init(struct cursor *c, const struct index *ix,
                     const struct tinfo *ti, double w, int64_t bound, bool lazy)
{
    c->w = w;
    c->bound = bound;
    c->df = ti->df;
    c->skip = NULL;
    c->lazy = false;
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
    if (lazy) {
        c->lazy = true;
        c->blk = c->n = c->pos = 0;
        c->doc = 0; /* not a document: cur_ready or cur_geq first */
        return;
    }
    cur_load(c, 0, ix->h.ndocs);
}

/* Decodes a lazy cursor's first block. */
static inline void cur_ready(struct cursor *c, uint32_t ndocs)
{
    if (c->lazy) {
        c->lazy = false;
        cur_load(c, 0, ndocs);
    }
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
    if (c->lazy) { /* the first block that may hold target */
        uint32_t b = 0;
        c->lazy = false;
        while (c->skip && b < c->nblocks && skip_at(c, b).last < target)
            b++;
        if (b >= c->nblocks) {
            c->doc = IX_END;
            return;
        }
        cur_load(c, b, ndocs);
    }
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
    uint32_t len;
    double qtf; /* count in the query, times the term's weight */
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

/* Where index_search_each hands its hits: fn with ctx, as they are
 * found; seg: the documents are an update segment's (doc UINT32_MAX). */
struct each {
    index_hit_fn fn;
    void *ctx;
    bool seg;
};

/* How a search uses the accumulators: as one query, or as the first pass
 * of two (every document scored, the scores kept: index_search_keep), or
 * as the second (the kept scores times scale, then the new terms added:
 * index_search_more). */
enum pass_kind { PASS_ONE, PASS_KEEP, PASS_MORE };
struct pass {
    enum pass_kind kind;
    double scale;
};

/* Zeroes the scores a first pass kept in ix (index_search_keep). */
static void drop_kept(struct index *ix)
{
    for (size_t i = 0; i < ix->nkept; i++)
        ix->acc[ix->touched[i]] = 0;
    ix->nkept = 0;
}

/* ... in the full build and every segment, read by this query or not. */
static void drop_all_kept(struct index *ix)
{
    for (size_t g = 0; g <= ix->nseg; g++)
        drop_kept(g ? ix->seg[g - 1] : ix);
}

/* The hit of document d of ix with fixed-point score s. */
static struct index_hit hit_of(const struct index *ix, uint32_t d, int64_t s,
                               bool seg)
{
    struct ix_doc doc;
    memcpy(&doc, &ix->docs[d], sizeof doc);
    return (struct index_hit){kind_of(ix, d), ix->ids + doc.id_off,
                              (double)s / IX_SCALE, seg ? UINT32_MAX : d};
}

/* Documents a range of search_all's: its scores (8 bytes each) and norms
 * (4) fit in a core's L2 cache. */
#define IX_RANGE 32768

/* Every document with a score: into accumulators, a range of documents at
 * a time (IX_RANGE) and within it a term at a time; with
 * each, the hits go to its function (in the order first scored) and none
 * is kept. The first of two passes (PASS_KEEP) keeps the scores and gives
 * the best k; the second (PASS_MORE) starts from them. Nothing is kept
 * from before otherwise: search dropped it. */
static size_t search_all(struct index *ix, struct cursor *cs, size_t nc,
                         unsigned mask, size_t k, bool sorted,
                         const struct each *each, const struct pass *pass,
                         struct hit **out)
{
    uint32_t nd = ix->h.ndocs;
    if (!ix->acc) {
        ix->acc_n = (size_t)nd + 1;
        ix->acc = arena_zalloc(ix->acc_n * sizeof *ix->acc);
        ix->touched = arena_zalloc(ix->acc_n * sizeof *ix->touched);
    }
    int64_t *acc = ix->acc;
    const float *k2 = ix->k2;
    size_t nt = 0;
    if (pass->kind == PASS_MORE) {
        nt = ix->nkept;
        ix->nkept = 0;
        for (size_t i = 0; i < nt; i++) {
            uint32_t d = ix->touched[i];
            int64_t x = (int64_t)((double)acc[d] * pass->scale + 0.5);
            acc[d] = x > 0 ? x : 1; /* still touched */
        }
    }
    bool keep = pass->kind == PASS_KEEP;
    /* every term over one range of documents before the next: the range's
     * scores and norms stay in the cache while each term adds to them */
    for (uint32_t lo = 0, hi; lo < nd; lo = hi) {
        hi = nd - lo > IX_RANGE ? lo + IX_RANGE : nd;
        for (size_t i = 0; i < nc; i++) {
            struct cursor *c = &cs[i];
            while (c->doc < hi) {
                uint32_t p = c->pos;
                for (; p < c->n && c->docs[p] < hi; p++) {
                    uint32_t d = c->docs[p];
                    if (!acc[d])
                        ix->touched[nt++] = d;
                    acc[d] += contrib(c->w, c->tfs[p], k2[d]);
                }
                if (p < c->n) {
                    c->pos = p;
                    c->doc = c->docs[p];
                } else if (c->blk + 1 < c->nblocks) {
                    cur_load(c, c->blk + 1, nd);
                } else {
                    c->doc = IX_END;
                }
            }
        }
    }
    if (keep)
        ix->nkept = nt;
    size_t n = 0;
    struct hit *h;
    if (each) {
        for (size_t i = 0; i < nt; i++) {
            uint32_t d = ix->touched[i];
            if (mask & KG_KIND_BIT(kind_of(ix, d)) && !ix_dead(ix, d)) {
                struct index_hit x = hit_of(ix, d, acc[d], each->seg);
                each->fn(&x, each->ctx);
            }
            acc[d] = 0;
        }
        *out = NULL;
        return 0;
    }
    if (k) { /* the best k, by a heap */
        h = kg_xmalloc((k + 1) * sizeof *h);
        for (size_t i = 0; i < nt; i++) {
            uint32_t d = ix->touched[i];
            struct hit x = {acc[d], d};
            if (!keep)
                acc[d] = 0;
            if ((n < k || better(&x, &h[0])) &&
                mask & KG_KIND_BIT(kind_of(ix, d)) && !ix_dead(ix, d))
                heap_push(h, &n, k, x);
        }
    } else {
        h = kg_xmalloc((nt + 1) * sizeof *h);
        for (size_t i = 0; i < nt; i++) {
            uint32_t d = ix->touched[i];
            if (mask & KG_KIND_BIT(kind_of(ix, d)) && !ix_dead(ix, d))
                h[n++] = (struct hit){acc[d], d};
            if (!keep)
                acc[d] = 0;
        }
    }
    if (sorted)
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
 * above the k-th score are only probed for documents the others find.
 * Documents scoring floor or less are not wanted (0: every one is). */
static size_t search_top(struct index *ix, struct cursor *cs, size_t nc,
                         unsigned mask, size_t k, int64_t floor,
                         struct hit **out)
{
    uint32_t nd = ix->h.ndocs;
    qsort(cs, nc, sizeof *cs, cmp_bound);
    int64_t *cum = kg_xmalloc((nc + 1) * sizeof *cum);
    int64_t sum = 0;
    for (size_t i = 0; i < nc; i++)
        cum[i] = sum += cs[i].bound;
    struct hit *h = kg_xmalloc((k + 1) * sizeof *h);
    size_t n = 0, ne = 0;
    int64_t theta = floor;
    while (floor > 0 && ne < nc && cum[ne] <= theta)
        ne++;
    for (size_t i = ne; i < nc; i++) /* the lists that lead */
        cur_ready(&cs[i], nd);
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
        if (ix_dead(ix, d)) { /* a newer segment has it */
            for (size_t i = ne; i < nc; i++)
                if (cs[i].doc == d)
                    cur_next(&cs[i], nd);
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
            if ((n == k || floor > 0) && score + cum[i] <= theta) {
                pruned = true;
                break;
            }
            cur_geq(&cs[i], d, nd);
            if (cs[i].doc == d)
                score += contrib(cs[i].w, cs[i].tfs[cs[i].pos], k2);
        }
        if (pruned || ((n == k || floor > 0) && score <= theta) || score <= 0)
            continue;
        heap_push(h, &n, k, (struct hit){score, d});
        if (n == k) {
            theta = h[0].score > floor ? h[0].score : floor;
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

/* A hit of any segment, for merging. */
struct seg_hit {
    int64_t score;
    kg_kind kind;
    const char *id;
    uint32_t doc; /* the full build's number; UINT32_MAX in a segment */
};

static int cmp_seg_hit(const void *x, const void *y)
{
    const struct seg_hit *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return strcmp(a->id, b->id);
}

/* The hits of one segment g for its nt dictionary entries ti (df 0 when
 * absent) with the shared weights w (idf qtf, before k1 + 1 and scale). */
static size_t search_segment(struct index *g, const struct tinfo *ti,
                             const double *tw, size_t nt, double k1,
                             unsigned mask, size_t k, int64_t floor,
                             bool sorted, const struct each *each,
                             const struct pass *pass, struct hit **h)
{
    int64_t *bound = kg_xmalloc((nt + 1) * sizeof *bound), sum = 0;
    for (size_t i = 0; i < nt; i++) {
        bound[i] = 0;
        if (!ti[i].df)
            continue;
        double w = tw[i] * (k1 + 1) * IX_SCALE;
        double mx = 1.0;
        if (g->exact_bounds) {
            mx = ti[i].maxq / 65535.0 * g->bound_scale;
            mx = mx < 1.0 ? mx : 1.0;
        }
        if (ti[i].df == 1)
            mx = (double)ti[i].tf2 / ((double)ti[i].tf2 + g->k2[ti[i].doc]);
        bound[i] = (int64_t)(w * mx) + 2;
        sum += bound[i];
    }
    /* a segment none of whose documents can pass the floor is not read */
    bool top = pass->kind == PASS_ONE && k != 0 && k < g->h.ndocs;
    size_t nc = 0, nh = 0;
    struct cursor *cs = NULL;
    if (!top || floor <= 0 || sum > floor) {
        cs = kg_xmalloc((nt + 1) * sizeof *cs);
        for (size_t i = 0; i < nt; i++)
            if (ti[i].df)
                cur_init(&cs[nc++], g, &ti[i], tw[i] * (k1 + 1) * IX_SCALE,
                         bound[i], top && floor > 0);
    }
    free(bound);
    *h = NULL;
    if ((nc || g->nkept) && !top) /* a second pass has scores to give */
        nh = search_all(g, cs, nc, mask, k, sorted, each, pass, h);
    else if (nc)
        nh = search_top(g, cs, nc, mask, k, floor, h);
    free(cs);
    return nh;
}

/* Sorts q[0..nq) and merges equal terms (adding their weights); returns
 * the number of distinct terms. */
static size_t merge_qterms(struct qterm *q, size_t nq)
{
    size_t nu = 0;
    qsort(q, nq, sizeof *q, cmp_qterm);
    for (size_t i = 0; i < nq; i++) {
        if (nu && cmp_qterm(&q[nu - 1], &q[i]) == 0)
            q[nu - 1].qtf += q[i].qtf;
        else
            q[nu++] = q[i];
    }
    return nu;
}

/* Analyzes text, appending its terms to ix->tk; on failure the message is
 * in ix->err. */
static kg_status analyze(struct index *ix, const char *text)
{
    kg_status st = ensure_analyzer(ix, ix->err, sizeof ix->err);
    if (st == KG_OK)
        st = text_analyze(ix->tx, text, strlen(text), &ix->tk);
    if (st != KG_OK && !ix->err[0])
        snprintf(ix->err, sizeof ix->err, "%s", text_last_error(ix->tx));
    return st;
}

/* One segment's dictionary entries for a query: query term i has its own
 * entry at from[i] when own[i], then its bigrams up to to[i]. */
struct seg_terms {
    struct tinfo *tv;
    double *tw;
    size_t nt, cap;
    size_t *from, *to;
    bool *own;
};

/* Runs the distinct weighted terms q[0..nu) as one BM25 query over the
 * full build and its segments, which share N (the live documents) and
 * each term's document frequency (summed over the segments); documents a
 * newer segment supersedes are skipped. */
static void run_query(struct index *ix, const struct qterm *q, size_t nu,
                      unsigned mask, size_t k, bool sorted,
                      const struct each *each, const struct pass *pass,
                      struct index_hit **hits, size_t *n)
{
    /* The dictionary entries of the query terms with their weights
     * (idf x qtf). A one-character CJK term stands for itself and for the
     * bigrams around it. Each occurrence of the character inside a run
     * gives two bigrams, so each bigram carries half the character's
     * weight, and the character's document frequency is taken as half the
     * bigrams' total (at least their largest): a document then scores about
     * as if the character itself had been indexed. Over segments the
     * largest is the largest in any one segment (exact with no segment). */
    double N = ix->live;
    if (k > (size_t)ix->live) /* no more hits than documents */
        k = (size_t)ix->live;
    size_t ns = ix->nseg + 1;
    struct seg_terms *st = kg_xcalloc(ns, sizeof *st);
    double *odf = kg_xcalloc(nu + 1, sizeof *odf);
    double *bsum = kg_xcalloc(nu + 1, sizeof *bsum);
    double *bmost = kg_xcalloc(nu + 1, sizeof *bmost);
    for (size_t g = 0; g < ns; g++) {
        const struct index *sg = g ? ix->seg[g - 1] : ix;
        struct seg_terms *s = &st[g];
        s->from = kg_xcalloc(nu + 1, sizeof *s->from);
        s->to = kg_xcalloc(nu + 1, sizeof *s->to);
        s->own = kg_xcalloc(nu + 1, sizeof *s->own);
        for (size_t i = 0; i < nu; i++) {
            s->from[i] = s->to[i] = s->nt;
            if (!(q[i].qtf > 0)) /* a zero weight would touch, not score */
                continue;
            if (s->nt == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 16;
                s->tv = kg_xrealloc(s->tv, s->cap * sizeof *s->tv);
            }
            if (dict_find(sg, q[i].t, q[i].len, &s->tv[s->nt])) {
                s->own[i] = true;
                odf[i] += s->tv[s->nt++].df;
            }
            size_t own = s->nt;
            if (one_cjk_char(q[i].t, q[i].len))
                s->nt =
                    char_bigrams(sg, q[i].t, q[i].len, &s->tv, &s->cap, s->nt);
            for (size_t j = own; j < s->nt; j++) {
                bsum[i] += s->tv[j].df;
                bmost[i] = s->tv[j].df > bmost[i] ? s->tv[j].df : bmost[i];
            }
            s->to[i] = s->nt;
        }
    }
    for (size_t g = 0; g < ns; g++) {
        struct seg_terms *s = &st[g];
        s->tw = kg_xmalloc((s->nt + 1) * sizeof *s->tw);
        for (size_t i = 0; i < nu; i++) {
            size_t j = s->from[i];
            if (s->own[i])
                s->tw[j++] = bm25_idf(N, odf[i]) * q[i].qtf;
            double df = bsum[i] / 2 > bmost[i] ? bsum[i] / 2 : bmost[i];
            for (; j < s->to[i]; j++)
                s->tw[j] = bm25_idf(N, df < N ? df : N) * q[i].qtf * 0.5;
        }
    }
    free(odf);
    free(bsum);
    free(bmost);
    struct seg_hit *all = NULL;
    size_t nall = 0;
    /* Each index need only beat the k-th best live hit found so far: a
     * min-heap of the k best scores over the indexes searched (every hit
     * is live: older indexes skip what newer ones list), so a segment
     * starts from the best floor known, not the full build's alone. */
    int64_t floor = 0;
    struct hit *best = k && ns > 1 ? kg_xmalloc((k + 1) * sizeof *best) : NULL;
    size_t nbest = 0;
    for (size_t g = 0; g < ns; g++) {
        struct index *sg = g ? ix->seg[g - 1] : ix;
        struct hit *h = NULL;
        struct each eg = each ? *each : (struct each){NULL, NULL, false};
        eg.seg = g > 0;
        size_t nh =
            search_segment(sg, st[g].tv, st[g].tw, st[g].nt, ix->k1, mask, k,
                           floor, sorted || k, each ? &eg : NULL, pass, &h);
        for (size_t i = 0; best && i < nh; i++)
            if (nbest < k || h[i].score > best[0].score)
                heap_push(best, &nbest, k, (struct hit){h[i].score, 0});
        if (best && nbest == k)
            floor = best[0].score - 1; /* ties still sort by kind, id */
        all = kg_xrealloc(all, (nall + nh + 1) * sizeof *all);
        for (size_t i = 0; i < nh; i++) {
            struct index_hit x = hit_of(sg, h[i].doc, h[i].score, g > 0);
            all[nall++] = (struct seg_hit){h[i].score, x.kind, x.id, x.doc};
        }
        free(h);
        free(st[g].tv);
        free(st[g].tw);
        free(st[g].from);
        free(st[g].to);
        free(st[g].own);
    }
    free(st);
    free(best);
    if (ns > 1 && (sorted || k))
        qsort(all, nall, sizeof *all, cmp_seg_hit);
    if (k && nall > k)
        nall = k;
    struct index_hit *res = kg_xmalloc((nall + 1) * sizeof *res);
    for (size_t i = 0; i < nall; i++)
        res[i] =
            (struct index_hit){all[i].kind, all[i].id,
                               (double)all[i].score / IX_SCALE, all[i].doc};
    free(all);
    *hits = res;
    *n = nall;
}

/* index_search_weighted; with sorted false and k = 0 the hits stay in the
 * order they were first scored. */
static kg_status search(struct index *ix, const struct index_wterm *wq,
                        size_t nw, unsigned kinds, size_t k, bool sorted,
                        const struct each *each, const struct pass *pass,
                        struct index_hit **hits, size_t *n)
{
    *hits = NULL;
    *n = 0;
    unsigned mask = kinds ? kinds : KG_ALL_KINDS;
    ix->err[0] = '\0';
    bool more = pass->kind == PASS_MORE;
    if (!more)
        drop_all_kept(ix);
    if (ix->live == 0 || (nw == 0 && !more))
        return KG_OK;
    text_tokens_reset(&ix->tk);
    size_t *ends = kg_xmalloc((nw + 1) * sizeof *ends);
    kg_status st = KG_OK;
    for (size_t i = 0; i < nw && st == KG_OK; i++) {
        if (wq[i].text)
            st = analyze(ix, wq[i].text);
        ends[i] = ix->tk.n;
    }
    if (st != KG_OK || (ix->tk.n == 0 && !more)) {
        if (st != KG_OK) /* a failed second pass leaves nothing kept */
            drop_all_kept(ix);
        free(ends);
        return st;
    }
    size_t nq = ix->tk.n;
    struct qterm *q = kg_xmalloc((nq + 1) * sizeof *q);
    for (size_t i = 0, w = 0; i < nq; i++) {
        while (ends[w] <= i)
            w++;
        q[i] = (struct qterm){ix->tk.bytes + ix->tk.v[i].off, ix->tk.v[i].len,
                              wq[w].weight};
    }
    free(ends);
    size_t nu = merge_qterms(q, nq);
    run_query(ix, q, nu, mask, k, sorted, each, pass, hits, n);
    free(q);
    return KG_OK;
}

static const struct pass one_pass = {PASS_ONE, 1};

kg_status index_search(struct index *ix, const char *text, unsigned kinds,
                       size_t k, struct index_hit **hits, size_t *n)
{
    struct index_wterm one = {text, 1.0};
    return search(ix, &one, text ? 1 : 0, kinds, k, true, NULL, &one_pass, hits,
                  n);
}

kg_status index_search_unordered(struct index *ix, const char *text,
                                 unsigned kinds, struct index_hit **hits,
                                 size_t *n)
{
    struct index_wterm one = {text, 1.0};
    return search(ix, &one, text ? 1 : 0, kinds, 0, false, NULL, &one_pass,
                  hits, n);
}

kg_status index_search_weighted(struct index *ix, const struct index_wterm *wq,
                                size_t nw, unsigned kinds, size_t k,
                                struct index_hit **hits, size_t *n)
{
    return search(ix, wq, nw, kinds, k, true, NULL, &one_pass, hits, n);
}

/* index_search_each, and index_search_more's second pass */
static kg_status search_each(struct index *ix, const struct index_wterm *wq,
                             size_t nw, unsigned kinds, index_hit_fn fn,
                             void *ctx, const struct pass *pass)
{
    struct index_hit *hits = NULL;
    size_t n = 0;
    struct each e = {fn, ctx, false};
    kg_status st = search(ix, wq, nw, kinds, 0, false, &e, pass, &hits, &n);
    free(hits);
    return st;
}

kg_status index_search_each(struct index *ix, const struct index_wterm *wq,
                            size_t nw, unsigned kinds, index_hit_fn fn,
                            void *ctx)
{
    return search_each(ix, wq, nw, kinds, fn, ctx, &one_pass);
}

kg_status index_search_keep(struct index *ix, const struct index_wterm *wq,
                            size_t nw, unsigned kinds, size_t k,
                            struct index_hit **hits, size_t *n)
{
    struct pass keep = {PASS_KEEP, 1};
    return search(ix, wq, nw, kinds, k ? k : 1, true, NULL, &keep, hits, n);
}

kg_status index_search_more(struct index *ix, double scale,
                            const struct index_wterm *q2, size_t nq2,
                            unsigned kinds, index_hit_fn fn, void *ctx)
{
    struct pass more = {PASS_MORE, scale};
    return search_each(ix, q2, nq2, kinds, fn, ctx, &more);
}

/* The live documents of segment g holding every term q[0..nu). */
static size_t count_segment(struct index *g, const struct qterm *q, size_t nu)
{
    size_t nc = 0;
    struct tinfo ti;
    if (nu == 1 && !g->dead) /* every posting is a live document */
        return dict_find(g, q[0].t, q[0].len, &ti) ? ti.df : 0;
    struct cursor *cs = kg_xmalloc((nu + 1) * sizeof *cs);
    for (size_t i = 0; i < nu; i++) {
        if (!dict_find(g, q[i].t, q[i].len, &ti))
            break;
        cur_init(&cs[nc++], g, &ti, 0, 0, false);
    }
    uint32_t nd = g->h.ndocs;
    size_t c = 0;
    /* leapfrog: every cursor to the largest current document */
    while (nc == nu && nd > 0) {
        uint32_t d = 0;
        for (size_t i = 0; i < nc; i++)
            if (cs[i].doc > d)
                d = cs[i].doc;
        if (d == IX_END)
            break;
        bool all = true;
        for (size_t i = 0; i < nc; i++) {
            cur_geq(&cs[i], d, nd);
            all = all && cs[i].doc == d;
        }
        if (all) {
            c += !ix_dead(g, d);
            cur_next(&cs[0], nd);
        }
        if (cs[0].doc == IX_END)
            break;
    }
    free(cs);
    return c;
}

kg_status index_count_all(struct index *ix, const char *const *texts, size_t nt,
                          size_t *count)
{
    *count = 0;
    ix->err[0] = '\0';
    text_tokens_reset(&ix->tk);
    for (size_t i = 0; i < nt; i++) {
        kg_status st = analyze(ix, texts[i]);
        if (st != KG_OK)
            return st;
    }
    size_t nq = ix->tk.n;
    if (nq == 0 || ix->live == 0)
        return KG_OK;
    struct qterm *q = kg_xmalloc(nq * sizeof *q);
    for (size_t i = 0; i < nq; i++)
        q[i] =
            (struct qterm){ix->tk.bytes + ix->tk.v[i].off, ix->tk.v[i].len, 1};
    size_t nu = merge_qterms(q, nq), c = 0;
    for (size_t g = 0; g <= ix->nseg; g++) /* the full build, its segments */
        c += count_segment(g ? ix->seg[g - 1] : ix, q, nu);
    free(q);
    *count = c;
    return KG_OK;
}

const char *index_last_error(const struct index *ix)
{
    return ix->err;
}
