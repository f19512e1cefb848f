/*
 * index_write.c - the index builder. It reads the store once (items
 * first, then experts and institutions, whose profiles add the titles and
 * keywords of their items), turns each record into field-weighted term
 * counts with core/text, and lays out one image (index_int.h has the
 * format): documents in (kind, id) order, postings in blocks of 128 with
 * skip entries, a score bound per term, and a front-coded term
 * dictionary.
 */
#include <stdlib.h>
#include <string.h>

#include "core/index_build_int.h"
#include "core/strmap.h"

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

static kg_status add_text(void *ctx, const char *text, int w2, bool item)
{
    (void)w2;
    (void)item;
    kg_buf_printf(ctx, "%s\n", text);
    return KG_OK;
}

char *index_record_text(const struct kg_record *r)
{
    struct kg_buf b;
    kg_buf_init(&b);
    (void)each_field(r, add_text, &b); /* add_text never fails */
    return kg_buf_detach(&b);          /* "" when nothing was added */
}

/* ------------------------------------------------------------ builder */

void ix_builder_release(struct builder *b)
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
    free(b->dfs);
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

/* Adds the string of a new term p[0..n) to m; returns its id. */
uint32_t ix_terms_append(struct terms *m, const char *p, size_t n)
{
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
    m->off[m->n] = (uint32_t)m->blen;
    m->len[m->n] = (uint32_t)n;
    memcpy(m->b + m->blen, p, n);
    m->b[m->blen + n] = '\0';
    m->blen += n + 1;
    return (uint32_t)m->n++;
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
    struct tslot *x = &m->t[j];
    x->key = key;
    x->len = (uint32_t)n;
    x->h = (uint32_t)h;
    x->id = ix_terms_append(m, p, n);
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
    b->cur = ++b->serial;
    b->dl2 = 0;
    b->docs[b->ndocs].start = b->npairs;
}

/* Keeps the current document if it got any term. */
static kg_status doc_end(struct builder *b, const struct kg_record *r)
{
    struct bdoc *d = &b->docs[b->ndocs];
    d->n = (uint32_t)(b->npairs - d->start);
    if (b->drop) { /* take its terms back out */
        for (uint64_t i = d->start; i < b->npairs; i++) {
            uint32_t t = b->pairs[i].term;
            const char *p = b->terms.b + b->terms.off[t];
            size_t n = b->terms.len[t];
            terms_get(&b->terms, p, n, text_hash(p, n))->df--;
        }
        b->npairs = d->start;
        return KG_OK;
    }
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

#define IX_PROGRESS_EVERY 1024 /* records between progress calls */

static bool record_cb(const struct kg_record *r, void *ctx)
{
    struct builder *b = ctx;
    if (b->pg && ++b->done % IX_PROGRESS_EVERY == 0)
        b->pg->fn("reading", b->done, b->total, b->pg->ctx);
    b->st = add_record(b, r);
    if (b->st != KG_OK) {
        char why[sizeof b->err];
        memcpy(why, b->err, sizeof why);
        snprintf(b->err, sizeof b->err, "%s %s: %s", record_kind_name(r->kind),
                 r->id, why);
    }
    return b->st == KG_OK;
}

/* The records a build reads (items, then profiles), for the progress. */
static size_t records_to_read(struct store *s)
{
    static const kg_kind kinds[] = {KG_ACHIEVEMENT, KG_PATENT, KG_DEMAND,
                                    KG_INSTITUTION, KG_EXPERT};
    size_t total = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        int64_t n = 0;
        if (store_count(s, kinds[i], &n, NULL) == KG_OK && n > 0)
            total += (size_t)n;
    }
    return total;
}

static kg_status build_from_store(struct builder *b, struct store *s, char *err,
                                  size_t errlen)
{
    if (b->pg)
        b->total = records_to_read(s);
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
        ix_fmt_err(err, errlen, "reading the store: %s", store_last_error(s));
        return st;
    }
    if (b->pg && b->st == KG_OK)
        b->pg->fn("reading", b->done, b->total, b->pg->ctx);
    if (b->st != KG_OK)
        ix_fmt_err(err, errlen, "%s", b->err);
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
    uint64_t key; /* ix_key8 */
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
    for (size_t i = 0; i < n; i++)
        a[i] = (struct term_key){ix_key8(m->b + m->off[i], m->len[i]),
                                 (uint32_t)i, m->len[i]};
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
/* Drops the terms no kept document has (those only dropped documents
 * had), renumbering the rest; dfs is by term id. */
static void drop_unused_terms(struct builder *b, uint32_t *dfs)
{
    size_t nt = b->terms.n, m = 0;
    uint32_t *map = kg_xmalloc((nt + 1) * sizeof *map);
    for (size_t i = 0; i < nt; i++) {
        map[i] = (uint32_t)m;
        if (dfs[i]) {
            b->terms.off[m] = b->terms.off[i];
            b->terms.len[m] = b->terms.len[i];
            dfs[m++] = dfs[i];
        }
    }
    if (m < nt)
        for (size_t i = 0; i < b->npairs; i++)
            b->pairs[i].term = map[b->pairs[i].term];
    b->terms.n = m;
    free(map);
}

kg_status ix_layout(struct builder *b, int64_t version, double k1, double bb,
                    const struct ix_gone *gone, struct image_writer *img,
                    char *err, size_t errlen)
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
    if (b->dfs)
        memcpy(dfs, b->dfs, nt * sizeof *dfs);
    for (size_t i = 0; i < b->terms.cap; i++)
        if (b->terms.t[i].len)
            dfs[b->terms.t[i].id] = b->terms.t[i].df;
    free(b->terms.t);
    b->terms.t = NULL;
    b->terms.cap = 0;
    drop_unused_terms(b, dfs);
    nt = b->terms.n;
    h.nterms = (uint32_t)nt;
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
        ix_fmt_err(err, errlen, "index postings over 4 GB");
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
        ix_fmt_err(err, errlen, "index dictionary over 4 GB");
        goto limit;
    }
    h.off[S_GONE] = img->len;
    if (gone && gone->keys.n)
        image_add(img, gone->keys.b, gone->keys.blen);
    h.len[S_GONE] = img->len - h.off[S_GONE];
    image_align(img, 8);
    h.off[S_FILTER] = img->len;
    if (gone) { /* a segment: its term filter */
        size_t words = ix_filter_words((uint32_t)nt), w;
        uint64_t *f = kg_xcalloc(words, sizeof *f);
        for (size_t r = 0; r < nt; r++) {
            const struct term_key *tk = &order[r];
            uint64_t th = text_hash(b->terms.b + b->terms.off[tk->id], tk->len);
            uint64_t m = ix_filter_bits(th, words - 1, &w);
            f[w] |= m;
        }
        image_add(img, f, words * sizeof *f);
        free(f);
    }
    h.len[S_FILTER] = img->len - h.off[S_FILTER];
    struct ix_meta m = {
        .text_version = h.text_version,
        .text_flags = h.text_flags,
        .nterms = h.nterms,
        .store_version = h.store_version,
        .npostings = h.npostings,
        .k1 = h.k1,
        .b = h.b,
        .avgdl = h.avgdl,
        .from_version = gone ? gone->from : -1,
        .ngone = gone ? (uint32_t)gone->keys.n : 0,
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

/* ------------------------------------------------------------ entry */

kg_status ix_write_image(struct store *s, const struct kg_record *const *recs,
                         size_t nrecs, int64_t version, double k1, double bb,
                         uint32_t text_flags, const struct ix_progress *pg,
                         struct image_writer *img, struct index_timing *t,
                         char *err, size_t errlen)
{
    struct builder b;
    struct text_opts to = {.cjk_words = text_flags & IX_CJK_WORDS};
    double t0 = kg_monotonic();
    memset(img, 0, sizeof *img);
    kg_status st = builder_init(&b, &to, err, errlen);
    b.pg = pg && pg->fn ? pg : NULL;
    if (st == KG_OK && s)
        st = build_from_store(&b, s, err, errlen);
    for (size_t i = 0; st == KG_OK && i < nrecs; i++) {
        st = add_record(&b, recs[i]);
        if (st != KG_OK)
            ix_fmt_err(err, errlen, "%s %s: %s",
                       record_kind_name(recs[i]->kind), recs[i]->id, b.err);
    }
    double t1 = kg_monotonic();
    if (st == KG_OK && b.pg)
        b.pg->fn("laying out", 0, 0, b.pg->ctx);
    if (st == KG_OK)
        st = ix_layout(&b, version, k1, bb, NULL, img, err, errlen);
    *t = (struct index_timing){
        .read_s = t1 - t0,
        .tokenize_s = b.tokenize_s,
        .layout_s = kg_monotonic() - t1,
        .text_bytes = b.text_bytes,
    };
    ix_builder_release(&b);
    return st;
}

/* ------------------------------------------------------------ segments */

/* What a segment build gathers from the store before it reads records. */
struct seg_build {
    struct builder *b;
    struct store *s;
    struct ix_gone gone;   /* the segment's records */
    struct strmap items;   /* items read for the profiles (and their own) */
    struct strmap experts; /* experts whose links were read */
    kg_status st;
};

static void key_of(kg_kind kind, const char *id, struct kg_buf *k)
{
    k->len = 0;
    char c = (char)('0' + kind);
    kg_buf_add(k, &c, 1);
    kg_buf_add(k, id, strlen(id));
}

static bool add_key(struct strmap *m, kg_kind kind, const char *id)
{
    struct kg_buf k;
    kg_buf_init(&k);
    key_of(kind, id, &k);
    bool added = false;
    strmap_get(m, k.data, k.len, true, &added);
    kg_buf_release(&k);
    return added;
}

static bool has_key(const struct strmap *m, kg_kind kind, const char *id)
{
    struct kg_buf k;
    kg_buf_init(&k);
    key_of(kind, id, &k);
    bool has = strmap_get((struct strmap *)m, k.data, k.len, false, NULL) !=
               STRMAP_NONE;
    kg_buf_release(&k);
    return has;
}

static bool is_item(kg_kind k)
{
    return k == KG_ACHIEVEMENT || k == KG_PATENT;
}

static bool change_cb(kg_kind kind, const char *id, void *ctx)
{
    struct seg_build *g = ctx;
    if (indexed_kind(kind))
        add_key(&g->gone.keys, kind, id);
    return true;
}

/* An item's profiles change with it: its experts and institutions, and
 * the institutions of those experts. */
static bool item_link_cb(const struct store_link *l, void *ctx)
{
    struct seg_build *g = ctx;
    if (l->dst_kind == KG_EXPERT || l->dst_kind == KG_INSTITUTION)
        add_key(&g->gone.keys, l->dst_kind, l->dst_id);
    if (l->src_kind == KG_EXPERT && l->dst_kind == KG_INSTITUTION)
        add_key(&g->gone.keys, l->dst_kind, l->dst_id);
    return true;
}

/* A profile's links: kept for the builder, noting its items and (for an
 * institution) its experts, whose items feed it too. */
static bool profile_link_cb(const struct store_link *l, void *ctx)
{
    struct seg_build *g = ctx;
    link_cb(l, g->b);
    if (is_item(l->src_kind))
        add_key(&g->items, l->src_kind, l->src_id);
    if (l->src_kind == KG_EXPERT && l->dst_kind == KG_INSTITUTION)
        add_key(&g->experts, l->src_kind, l->src_id);
    return true;
}

/* Reads record key (as in gone.keys) and adds it; a deleted record adds
 * nothing. */
static kg_status add_stored(struct seg_build *g, const char *key, bool drop)
{
    kg_kind kind = (kg_kind)(key[0] - '0');
    struct kg_record r;
    record_init(&r, kind);
    kg_status st = store_get(g->s, kind, key + 1, &r);
    if (st == KG_ENOTFOUND) {
        record_release(&r);
        return KG_OK;
    }
    if (st == KG_OK) {
        g->b->drop = drop;
        st = record_cb(&r, g->b) ? KG_OK : g->b->st;
        g->b->drop = false;
    } else {
        snprintf(g->b->err, sizeof g->b->err, "reading the store: %s",
                 store_last_error(g->s));
    }
    record_release(&r);
    return st;
}

static kg_status gather_segment(struct seg_build *g, int64_t from)
{
    struct store *s = g->s;
    kg_status st = store_changes(s, from, change_cb, g);
    if (st != KG_OK)
        return st;
    /* the profiles the changed items feed (the callbacks add keys: the
     * loops copy theirs) */
    for (size_t i = 0; st == KG_OK && i < g->gone.keys.n; i++) {
        char *key = kg_xstrdup(strmap_str(&g->gone.keys, (uint32_t)i));
        kg_kind kind = (kg_kind)(key[0] - '0');
        if (is_item(kind) || kind == KG_EXPERT)
            st = store_foreach_link(s, &kind, key + 1, item_link_cb, g);
        free(key);
    }
    /* the links of every profile to rebuild, and of an institution's
     * experts */
    for (size_t i = 0; st == KG_OK && i < g->gone.keys.n; i++) {
        char *key = kg_xstrdup(strmap_str(&g->gone.keys, (uint32_t)i));
        kg_kind kind = (kg_kind)(key[0] - '0');
        if (kind == KG_EXPERT || kind == KG_INSTITUTION)
            st = store_foreach_link(s, &kind, key + 1, profile_link_cb, g);
        free(key);
    }
    for (size_t i = 0; st == KG_OK && i < g->experts.n; i++) {
        char *key = kg_xstrdup(strmap_str(&g->experts, (uint32_t)i));
        kg_kind kind = KG_EXPERT;
        if (!has_key(&g->gone.keys, KG_EXPERT, key + 1)) /* else read above */
            st = store_foreach_link(s, &kind, key + 1, profile_link_cb, g);
        free(key);
    }
    return st;
}

static kg_status build_segment(struct seg_build *g)
{
    struct builder *b = g->b;
    build_adjacency(b);
    kg_status st = KG_OK;
    /* items: first those only read for profiles, then the changed ones */
    for (size_t i = 0; st == KG_OK && i < g->items.n; i++) {
        const char *key = strmap_str(&g->items, (uint32_t)i);
        bool mine = strmap_get(&g->gone.keys, key, strlen(key), false, NULL) !=
                    STRMAP_NONE;
        st = add_stored(g, key, !mine);
    }
    for (size_t i = 0; st == KG_OK && i < g->gone.keys.n; i++) {
        const char *key = strmap_str(&g->gone.keys, (uint32_t)i);
        kg_kind kind = (kg_kind)(key[0] - '0');
        if ((is_item(kind) || kind == KG_DEMAND) &&
            strmap_get(&g->items, key, strlen(key), false, NULL) == STRMAP_NONE)
            st = add_stored(g, key, false);
    }
    if (st != KG_OK)
        return st;
    group_contribs(b);
    for (size_t i = 0; st == KG_OK && i < g->gone.keys.n; i++) {
        const char *key = strmap_str(&g->gone.keys, (uint32_t)i);
        kg_kind kind = (kg_kind)(key[0] - '0');
        if (kind == KG_EXPERT || kind == KG_INSTITUTION)
            st = add_stored(g, key, false);
    }
    return st;
}

kg_status ix_write_segment(struct store *s, int64_t from, int64_t version,
                           double k1, double bb, uint32_t text_flags,
                           struct image_writer *img, struct index_timing *t,
                           size_t *nchanged, char *err, size_t errlen)
{
    struct builder b;
    struct text_opts to = {.cjk_words = text_flags & IX_CJK_WORDS};
    struct seg_build g = {.b = &b, .s = s};
    g.gone.from = from;
    double t0 = kg_monotonic();
    memset(img, 0, sizeof *img);
    *nchanged = 0;
    kg_status st = builder_init(&b, &to, err, errlen);
    if (st == KG_OK) {
        st = gather_segment(&g, from);
        if (st != KG_OK)
            ix_fmt_err(err, errlen, "reading the store: %s",
                       store_last_error(s));
    }
    if (st == KG_OK) {
        st = build_segment(&g);
        if (st != KG_OK)
            ix_fmt_err(err, errlen, "%s", b.err);
    }
    double t1 = kg_monotonic();
    if (st == KG_OK)
        st = ix_layout(&b, version, k1, bb, &g.gone, img, err, errlen);
    *nchanged = g.gone.keys.n;
    *t = (struct index_timing){
        .read_s = t1 - t0,
        .tokenize_s = b.tokenize_s,
        .layout_s = kg_monotonic() - t1,
        .text_bytes = b.text_bytes,
    };
    ix_builder_release(&b);
    strmap_release(&g.gone.keys);
    strmap_release(&g.items);
    strmap_release(&g.experts);
    return st;
}
