/*
 * index_merge.c - merging segment images of the index into one, without
 * the store (index_write.c builds them; index_build_int.h is the builder
 * both use).
 */
#include <stdlib.h>
#include <string.h>

#include "core/index_build_int.h"

/* ------------------------------------------------------------ merging */

/*
 * Merging segment images without the store: the documents of each image
 * that no newer image of the merge lists in S_GONE are read back from the
 * postings (term, count) and laid out again as one image. The sorted
 * dictionaries are merged into the union of their terms; no JSON decoding,
 * no analysis, no hashing: it costs a fraction of indexing the same
 * records again (index_int.h, merge policy).
 */

/* Reads an image's dictionary entries in order. */
struct dcur {
    const struct index *g;
    const uint8_t *p, *end;
    uint32_t e; /* entries read */
    char term[256];
    size_t tlen;
    uint64_t df, a, c; /* c: the tf of a df-1 entry */
};

static void dcur_init(struct dcur *d, const struct index *g)
{
    memset(d, 0, sizeof *d);
    d->g = g;
    d->p = g->dict;
    d->end = g->dict + g->dict_len;
}

/* Reads the next entry: 1, or 0 at the end, -1 when malformed. */
static int dcur_next(struct dcur *d)
{
    const struct index *g = d->g;
    const uint8_t *p = d->p, *end = d->end;
    uint64_t pre, suf;
    if (d->e >= g->h.nterms)
        return 0;
    if (!(p = rd_varint(p, end, &pre)) || !(p = rd_varint(p, end, &suf)) ||
        pre > d->tlen || pre + suf > 255 || suf > (uint64_t)(end - p))
        return -1;
    memcpy(d->term + pre, p, suf);
    d->tlen = pre + suf;
    p += suf;
    if (!(p = rd_varint(p, end, &d->df)) || d->df == 0 || d->df > g->h.ndocs ||
        !(p = rd_varint(p, end, &d->a)))
        return -1;
    if (d->df == 1) {
        if (!(p = rd_varint(p, end, &d->c)) || d->a >= g->h.ndocs ||
            d->c > UINT32_MAX)
            return -1;
    } else {
        if (end - p < 2 || d->a >= g->post_len)
            return -1;
        p += 2; /* the score bound: laid out again */
    }
    d->p = p;
    d->e++;
    return 1;
}

static int cmp_term(const struct dcur *x, const struct dcur *y)
{
    size_t n = x->tlen < y->tlen ? x->tlen : y->tlen;
    int c = memcmp(x->term, y->term, n);
    return c ? c : (x->tlen > y->tlen) - (x->tlen < y->tlen);
}

/* The union of the dictionaries of g[0..n), in byte order, into b->terms;
 * tid[i][e] is the term id of entry e of g[i]. False when one is
 * malformed (*bad: which). */
static bool merge_terms(struct builder *b, struct index *const *g, size_t n,
                        uint32_t **tid, size_t *bad)
{
    struct dcur *d = kg_xmalloc(n * sizeof *d);
    int *more = kg_xmalloc(n * sizeof *more);
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        dcur_init(&d[i], g[i]);
        more[i] = dcur_next(&d[i]);
        if (ok && more[i] < 0)
            *bad = i;
        ok = ok && more[i] >= 0;
    }
    while (ok) {
        size_t lo = n;
        for (size_t i = 0; i < n; i++)
            if (more[i] > 0 && (lo == n || cmp_term(&d[i], &d[lo]) < 0))
                lo = i;
        if (lo == n)
            break;
        uint32_t id = ix_terms_append(&b->terms, d[lo].term, d[lo].tlen);
        const char *t = b->terms.b + b->terms.off[id];
        for (size_t i = 0; i < n; i++)
            if (more[i] > 0 && d[i].tlen == b->terms.len[id] &&
                memcmp(d[i].term, t, d[i].tlen) == 0) {
                tid[i][d[i].e - 1] = id;
                more[i] = dcur_next(&d[i]);
                if (ok && more[i] < 0)
                    *bad = i;
                ok = ok && more[i] >= 0;
            }
    }
    free(d);
    free(more);
    return ok;
}

struct merge {
    struct builder *b;
    const uint32_t *to;  /* per document of the image: builder doc or IX_END */
    const uint32_t *tid; /* per dictionary entry of the image: term id */
    uint32_t *fill;      /* pass 2: next free pair of each builder document */
    bool second;         /* pass 2 */
};

static inline void merge_posting(struct merge *m, uint32_t entry, uint32_t doc,
                                 uint32_t tf2)
{
    uint32_t to = m->to[doc];
    if (to == IX_END)
        return;
    if (m->second) {
        m->b->pairs[m->fill[to]++] = (struct pair){m->tid[entry], tf2};
        return;
    }
    m->b->docs[to].n++;
    m->b->dfs[m->tid[entry]]++;
}

/* Reads every posting of g into m. False when the image is malformed. */
static bool merge_image(struct merge *m, const struct index *g)
{
    const uint8_t *pend = g->post + g->post_len;
    struct dcur d;
    int r;
    dcur_init(&d, g);
    while ((r = dcur_next(&d)) > 0) {
        uint32_t e = d.e - 1;
        if (d.df == 1) {
            merge_posting(m, e, (uint32_t)d.a, (uint32_t)d.c);
            continue;
        }
        uint64_t nb = (d.df + IX_BLOCK - 1) / IX_BLOCK;
        const uint8_t *q = g->post + d.a;
        if (nb > 1) {
            if (nb * IX_SKIP_BYTES > (uint64_t)(pend - q))
                return false;
            q += nb * IX_SKIP_BYTES; /* the blocks follow one another */
        }
        uint32_t prev = IX_END;
        for (uint64_t i = 0; i < d.df; i++) {
            uint64_t gap, tf;
            if (!(q = rd_varint(q, pend, &gap)) ||
                !(q = rd_varint(q, pend, &tf)) || gap == 0 || tf > UINT32_MAX)
                return false;
            uint64_t doc = prev == IX_END ? gap - 1 : (uint64_t)prev + gap;
            if (doc >= g->h.ndocs)
                return false;
            prev = (uint32_t)doc;
            merge_posting(m, e, prev, (uint32_t)tf);
        }
    }
    return r == 0;
}

/* One pass of the merge over every segment g[0..n), each with its own
 * document and term maps. False with *bad the damaged segment. */
static bool merge_pass(struct merge *m, struct index *const *g, size_t n,
                       uint32_t **to, uint32_t **tid, size_t *bad)
{
    for (size_t i = 0; i < n; i++) {
        m->to = to[i];
        m->tid = tid[i];
        if (!merge_image(m, g[i])) {
            *bad = i;
            return false;
        }
    }
    return true;
}

/* Marks in dead[i] (a bit per document of g[i]) what a newer image of
 * g[0..n) lists in S_GONE, and adds every S_GONE key to gone. */
static void merge_gone(struct index *const *g, size_t n, uint8_t **dead,
                       struct ix_gone *gone)
{
    for (size_t i = 0; i < n; i++)
        dead[i] = kg_xcalloc((size_t)g[i]->h.ndocs / 8 + 1, 1);
    for (size_t k = 0; k < n; k++) {
        const char *p = (const char *)g[k]->base + g[k]->h.off[S_GONE];
        const char *end = p + g[k]->h.len[S_GONE];
        for (; p < end; p += strlen(p) + 1) {
            int kind = p[0] - '0';
            if (kind < 0 || kind >= KG_KIND_COUNT)
                continue;
            strmap_get(&gone->keys, p, strlen(p), true, NULL);
            for (size_t i = 0; i < k; i++) {
                uint32_t d = ix_find_doc(g[i], (kg_kind)kind, p + 1);
                if (d != IX_END)
                    dead[i][d >> 3] |= (uint8_t)(1u << (d & 7));
            }
        }
    }
}

/* Numbers the documents of g[0..n) that dead leaves in the builder:
 * to[i][d], IX_END for the dropped. */
static void merge_docs(struct builder *b, struct index *const *g, size_t n,
                       uint8_t *const *dead, uint32_t **to)
{
    size_t nd = 0;
    for (size_t i = 0; i < n; i++)
        for (uint32_t d = 0; d < g[i]->h.ndocs; d++)
            nd += !(dead[i][d >> 3] >> (d & 7) & 1);
    b->docs = kg_xcalloc(nd + 1, sizeof *b->docs);
    b->dcap = nd + 1;
    for (size_t i = 0; i < n; i++) {
        const struct index *x = g[i];
        to[i] = kg_xmalloc(((size_t)x->h.ndocs + 1) * sizeof *to[i]);
        for (int k = 0; k < KG_KIND_COUNT; k++)
            for (uint32_t d = x->h.kind_start[k]; d < x->h.kind_start[k + 1];
                 d++) {
                to[i][d] = IX_END;
                if (dead[i][d >> 3] >> (d & 7) & 1)
                    continue;
                struct ix_doc xd;
                memcpy(&xd, &x->docs[d], sizeof xd);
                const char *id = x->ids + xd.id_off;
                b->docs[b->ndocs] = (struct bdoc){.kind = (uint32_t)k,
                                                  .id = (uint32_t)b->ids.len,
                                                  .dl = xd.dl};
                kg_buf_add(&b->ids, id, strlen(id) + 1);
                to[i][d] = (uint32_t)b->ndocs++;
            }
    }
}

kg_status ix_merge_segments(struct index *const *g, size_t n, double k1,
                            double bb, struct image_writer *img,
                            struct index_timing *t, size_t *nchanged, char *err,
                            size_t errlen)
{
    struct builder b;
    memset(&b, 0, sizeof b);
    memset(img, 0, sizeof *img);
    b.flags = g[n - 1]->h.text_flags;
    struct ix_gone gone = {.from = g[0]->h.from_version};
    struct merge m = {.b = &b};
    double t0 = kg_monotonic();
    uint8_t **dead = kg_xcalloc(n, sizeof *dead);
    uint32_t **to = kg_xcalloc(n, sizeof *to);
    uint32_t **tid = kg_xcalloc(n, sizeof *tid);
    merge_gone(g, n, dead, &gone);
    merge_docs(&b, g, n, dead, to);
    for (size_t i = 0; i < n; i++)
        tid[i] = kg_xmalloc(((size_t)g[i]->h.nterms + 1) * sizeof *tid[i]);
    size_t bad = 0; /* the damaged segment */
    kg_status st = merge_terms(&b, g, n, tid, &bad) ? KG_OK : KG_EINPUT;
    if (st == KG_OK)
        b.dfs = kg_xcalloc(b.terms.n + 1, sizeof *b.dfs);
    if (st == KG_OK && !merge_pass(&m, g, n, to, tid, &bad))
        st = KG_EINPUT;
    if (st == KG_OK) {
        uint64_t np = 0;
        for (size_t i = 0; i < b.ndocs; i++) {
            b.docs[i].start = np;
            np += b.docs[i].n;
        }
        b.pairs = kg_xmalloc((np + 1) * sizeof *b.pairs);
        b.npairs = b.pcap = np;
        m.fill = kg_xmalloc((b.ndocs + 1) * sizeof *m.fill);
        for (size_t i = 0; i < b.ndocs; i++)
            m.fill[i] = (uint32_t)b.docs[i].start;
        m.second = true;
        if (!merge_pass(&m, g, n, to, tid, &bad))
            st = KG_EINPUT;
    }
    if (st != KG_OK)
        ix_fmt_err(err, errlen, "segment %s: damaged postings found merging",
                   g[bad]->path ? g[bad]->path : "(new)");
    double t1 = kg_monotonic();
    if (st == KG_OK)
        st = ix_layout(&b, g[n - 1]->h.store_version, k1, bb, &gone, img, err,
                       errlen);
    *nchanged = gone.keys.n;
    *t = (struct index_timing){.read_s = t1 - t0,
                               .layout_s = kg_monotonic() - t1};
    for (size_t i = 0; i < n; i++) {
        free(dead[i]);
        free(to[i]);
        free(tid[i]);
    }
    free(dead);
    free(to);
    free(tid);
    free(m.fill);
    ix_builder_release(&b);
    strmap_release(&gone.keys);
    return st;
}
