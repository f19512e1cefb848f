/*
 * app_stubs.c - the stub records (made only because another record named
 * them) and the record each likely duplicates: names alike across scripts
 * and languages (core/namesim.h) and the records linked to both, of its
 * kind or, for organisations, of the other kind (an institution named as
 * an enterprise). The broker confirms a pair with `kgmatch merge`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"
#include "core/dict.h"
#include "core/namesim.h"
#include "core/strmap.h"

#define STUBS_KINDS                                                            \
    (KG_KIND_BIT(KG_INSTITUTION) | KG_KIND_BIT(KG_EXPERT) |                    \
     KG_KIND_BIT(KG_ENTERPRISE))
#define STUBS_PER_STUB 3 /* candidates listed for one stub */
#define STUBS_HUB 1000   /* a record with more links tells nothing here */
/* A stub is weighed against the records sharing any of its block keys but
 * those so common that they tell little (a surname's pinyin in a store of
 * a million experts), yet always its rarest key's. */
#define STUBS_BLOCK_MAX 4096
/* An institution and an enterprise pair only by (nearly) the same name:
 * a company is often named after the university it came from. */
#define STUBS_CROSS_NAME 0.95

/* Institutions and enterprises are both organisations: a name can be
 * taken for either kind (a university posting a demand as an enterprise). */
static int kind_group(kg_kind k)
{
    return k == KG_ENTERPRISE ? (int)KG_INSTITUTION : (int)k;
}

/* One named record (entry i is key i). */
struct entry {
    kg_kind kind;
    bool stub;
    char *id, *label;
    struct namesim_name **names; /* name and aliases */
    size_t nnames;
};

/* A list of key numbers. */
struct keys {
    uint32_t *v;
    size_t n;
};

struct stubs {
    struct namesim *ns;
    struct strmap keys; /* "KIND:ID" of every record a link touches */
    struct entry *e;    /* the named records */
    size_t n;
    struct keys *nb; /* per key: the records linked to it, sorted */
    char **label;    /* per key: its label */
    size_t nkeys;    /* entries of nb and label */
    /* block keys (namesim_keys, after the kind): the entries having each */
    struct strmap blocks;
    struct keys *post;
    size_t npost;
    struct keys *mine; /* per entry: its block keys */
};

static void keys_add(struct keys *k, uint32_t v)
{
    if (!(k->n & (k->n + 1)))
        k->v = kg_xrealloc(k->v, (2 * k->n + 1) * sizeof *k->v);
    k->v[k->n++] = v;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts k and drops repeats. */
static void keys_settle(struct keys *k)
{
    if (k->n < 2)
        return;
    qsort(k->v, k->n, sizeof *k->v, cmp_u32);
    size_t o = 0;
    for (size_t i = 0; i < k->n; i++)
        if (o == 0 || k->v[o - 1] != k->v[i])
            k->v[o++] = k->v[i];
    k->n = o;
}

/* The number of (kind, id), added with its label when new. */
static uint32_t key_of(struct stubs *st, kg_kind kind, const char *id,
                       const char *label)
{
    char *k = kg_xasprintf("%d:%s", (int)kind, id);
    bool added = false;
    uint32_t v = strmap_get(&st->keys, k, strlen(k), true, &added);
    free(k);
    if (added) {
        if (v >= st->nkeys) {
            size_t cap = 2 * st->nkeys + 16;
            st->nb = kg_xrealloc(st->nb, cap * sizeof *st->nb);
            st->label = kg_xrealloc(st->label, cap * sizeof *st->label);
            memset(st->nb + st->nkeys, 0, (cap - st->nkeys) * sizeof *st->nb);
            memset(st->label + st->nkeys, 0,
                   (cap - st->nkeys) * sizeof *st->label);
            st->nkeys = cap;
        }
        st->label[v] = kg_xstrdup(label);
    }
    return v;
}

static bool read_record(const struct kg_record *r, void *ctx)
{
    struct stubs *st = ctx;
    if (!(st->n & (st->n + 1)))
        st->e = kg_xrealloc(st->e, (2 * st->n + 1) * sizeof *st->e);
    struct entry *e = &st->e[st->n++];
    memset(e, 0, sizeof *e);
    e->kind = r->kind;
    e->stub = r->stub;
    e->id = kg_xstrdup(r->id);
    e->label = kg_xstrdup(record_label(r));
    e->names = kg_xcalloc(r->aliases.n + 1, sizeof *e->names);
    e->names[e->nnames++] = namesim_name_new(st->ns, record_label(r));
    for (size_t i = 0; i < r->aliases.n; i++)
        e->names[e->nnames++] = namesim_name_new(st->ns, r->aliases.v[i]);
    key_of(st, r->kind, r->id, record_label(r)); /* entry i is key i */
    return true;
}

struct block_ctx {
    struct stubs *st;
    uint32_t entry;
};

static void add_block(void *ctx, const char *key)
{
    struct block_ctx *b = ctx;
    struct stubs *st = b->st;
    char *k = kg_xasprintf("%d|%s", kind_group(st->e[b->entry].kind), key);
    uint32_t v = strmap_get(&st->blocks, k, strlen(k), true, NULL);
    free(k);
    if (v >= st->npost) {
        size_t cap = 2 * st->npost + 64;
        st->post = kg_xrealloc(st->post, cap * sizeof *st->post);
        memset(st->post + st->npost, 0, (cap - st->npost) * sizeof *st->post);
        st->npost = cap;
    }
    struct keys *p = &st->post[v];
    if (!p->n || p->v[p->n - 1] != b->entry)
        keys_add(p, b->entry);
    keys_add(&st->mine[b->entry], v);
}

/* The block postings of every entry (st->mine, st->post). */
static void read_blocks(struct stubs *st)
{
    st->mine = kg_xcalloc(st->n + 1, sizeof *st->mine);
    for (size_t i = 0; i < st->n; i++) {
        struct block_ctx b = {st, (uint32_t)i};
        for (size_t k = 0; k < st->e[i].nnames; k++)
            namesim_keys(st->e[i].names[k], add_block, &b);
        keys_settle(&st->mine[i]);
    }
}

/* The entries sharing with stub s its rarest block key or any key at
 * most STUBS_BLOCK_MAX entries have, sorted, into out. */
static void block_of(const struct stubs *st, size_t s, struct keys *out)
{
    const struct keys *m = &st->mine[s];
    size_t rarest = SIZE_MAX;
    for (size_t i = 0; i < m->n; i++) {
        size_t n = st->post[m->v[i]].n;
        if (n > 1 && n < rarest) /* 1: the stub alone */
            rarest = n;
    }
    for (size_t i = 0; i < m->n; i++) {
        const struct keys *p = &st->post[m->v[i]];
        if (p->n > 1 && (p->n <= STUBS_BLOCK_MAX || p->n == rarest))
            for (size_t j = 0; j < p->n; j++)
                keys_add(out, p->v[j]);
    }
    keys_settle(out);
}

static bool read_link(const struct store_link *l, void *ctx)
{
    struct stubs *st = ctx;
    uint32_t a = key_of(st, l->src_kind, l->src_id, l->src_label);
    uint32_t b = key_of(st, l->dst_kind, l->dst_id, l->dst_label);
    keys_add(&st->nb[a], b);
    keys_add(&st->nb[b], a);
    return true;
}

/* How many of a are in b (both sorted); *first gets the first such. */
static size_t common(const struct keys *a, const struct keys *b,
                     uint32_t *first)
{
    size_t i = 0, j = 0, n = 0;
    while (i < a->n && j < b->n) {
        if (a->v[i] == b->v[j]) {
            if (!n++)
                *first = a->v[i];
            i++;
            j++;
        } else if (a->v[i] < b->v[j]) {
            i++;
        } else {
            j++;
        }
    }
    return n;
}

/* The records two links from key s (not s), through records with at most
 * STUBS_HUB links, sorted. */
static void two_links(const struct stubs *st, uint32_t s, struct keys *out)
{
    const struct keys *n1 = &st->nb[s];
    for (size_t i = 0; i < n1->n; i++) {
        const struct keys *n2 = &st->nb[n1->v[i]];
        for (size_t j = 0; j < n2->n && n2->n <= STUBS_HUB; j++)
            if (n2->v[j] != s)
                keys_add(out, n2->v[j]);
    }
    keys_settle(out);
}

static bool has_han(const struct entry *e)
{
    for (const unsigned char *p = (const unsigned char *)e->label; *p; p++)
        if (*p >= 0xe3 && *p <= 0xe9) /* U+3000..U+9FFF lead bytes */
            return true;
    return false;
}

/* Which of a pair a merge keeps: a real record over a stub, then the one
 * with more links, then the one named in Han characters, then the first
 * id. */
static bool keeps_first(const struct stubs *st, size_t ia, size_t ib)
{
    const struct entry *a = &st->e[ia], *b = &st->e[ib];
    if (a->stub != b->stub)
        return !a->stub;
    if (st->nb[ia].n != st->nb[ib].n)
        return st->nb[ia].n > st->nb[ib].n;
    if (has_han(a) != has_han(b))
        return has_han(a);
    return strcmp(a->id, b->id) <= 0;
}

struct cand {
    size_t at;
    double score, name;
    size_t shared, through;
    char *why;
};

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->at > y->at) - (x->at < y->at);
}

/* The names' likeness of entries a and b (best pair of their names), and
 * why into *why. */
static double name_likeness(const struct entry *a, const struct entry *b,
                            struct kg_buf *why)
{
    double best = 0;
    for (size_t x = 0; x < a->nnames; x++)
        for (size_t y = 0; y < b->nnames; y++) {
            struct kg_buf w;
            kg_buf_init(&w);
            double sc = namesim_compare(a->names[x], b->names[y], &w);
            if (sc > best) {
                best = sc;
                kg_buf_reset(why);
                kg_buf_printf(why, "%s", w.data ? w.data : "");
            }
            kg_buf_release(&w);
        }
    return best;
}

/*
 * The best candidates of stub s into c (up to STUBS_PER_STUB); returns
 * how many. A pair of stubs is weighed once, from its first. The score:
 * name likeness x (0.85 + 0.15 x link evidence), the evidence being 1 for
 * each record linked to both and 1/2 for each linked to the candidate and
 * two links from the stub (an inventor's patent's applicant, the expert's
 * institution), at most 1.
 */
static size_t candidates(struct stubs *st, size_t s, double min_score,
                         struct cand *c)
{
    size_t n = 0;
    const struct entry *a = &st->e[s];
    struct keys near = {0}, block = {0};
    two_links(st, (uint32_t)s, &near);
    block_of(st, s, &block);
    for (size_t bi = 0; bi < block.n; bi++) {
        size_t i = block.v[bi];
        const struct entry *b = &st->e[i];
        if (i == s || kind_group(b->kind) != kind_group(a->kind) ||
            (b->stub && i < s))
            continue;
        struct kg_buf why;
        kg_buf_init(&why);
        double name = name_likeness(a, b, &why);
        if (b->kind != a->kind && name < STUBS_CROSS_NAME)
            name = 0;
        uint32_t sh_key = 0, th_key = 0;
        size_t sh = name > 0 ? common(&st->nb[s], &st->nb[i], &sh_key) : 0;
        size_t th = name > 0 ? common(&near, &st->nb[i], &th_key) : 0;
        double ev = (double)sh + 0.5 * (double)th;
        double score = name * (0.85 + 0.15 * (ev < 1 ? ev : 1));
        if (name <= 0 || score < min_score) {
            kg_buf_release(&why);
            continue;
        }
        if (sh)
            kg_buf_printf(&why, "; %zu record%s linked to both (%s)", sh,
                          sh == 1 ? "" : "s", st->label[sh_key]);
        if (th)
            kg_buf_printf(&why, "; linked through %s%s", st->label[th_key],
                          th > 1 ? " and more" : "");
        struct cand cd = {i, score, name, sh, th, kg_buf_detach(&why)};
        if (n < STUBS_PER_STUB) {
            c[n++] = cd;
        } else if (cmp_cand(&cd, &c[n - 1]) < 0) {
            free(c[n - 1].why);
            c[n - 1] = cd;
        } else {
            free(cd.why);
        }
        qsort(c, n, sizeof *c, cmp_cand);
    }
    free(near.v);
    free(block.v);
    return n;
}

static void stubs_release(struct stubs *st)
{
    for (size_t i = 0; i < st->n; i++) {
        struct entry *e = &st->e[i];
        for (size_t k = 0; k < e->nnames; k++)
            namesim_name_free(e->names[k]);
        free(e->names);
        free(e->id);
        free(e->label);
    }
    for (size_t i = 0; i < st->nkeys; i++) {
        free(st->nb[i].v);
        free(st->label[i]);
    }
    free(st->nb);
    free(st->label);
    for (size_t i = 0; i < st->npost; i++)
        free(st->post[i].v);
    free(st->post);
    for (size_t i = 0; st->mine && i < st->n; i++)
        free(st->mine[i].v);
    free(st->mine);
    strmap_release(&st->blocks);
    free(st->e);
    strmap_release(&st->keys);
    namesim_free(st->ns);
}

kg_status app_stubs(struct app_session *a, double min_score,
                    void (*row)(void *ctx, const struct app_stub_pair *p),
                    void *ctx)
{
    if (!a->dict) { /* without it, pinyin alone: the notice says so */
        char err[1024];
        if (dict_open(NULL, &a->dict, err, sizeof err) != KG_OK && a->notice) {
            char *m = kg_xasprintf("%s: names meet by pinyin and spelling "
                                   "only, not by translation",
                                   err);
            a->notice(a->notice_ctx, m);
            free(m);
        }
    }
    struct stubs st = {0};
    char err[256];
    kg_status s = namesim_new(a->dict, &st.ns, err, sizeof err);
    if (s != KG_OK)
        return app_fail(a, s, "%s", err);
    strmap_init(&st.keys);
    strmap_init(&st.blocks);
    struct store_iter_opts it = {.kinds = STUBS_KINDS};
    s = store_foreach(a->s, &it, read_record, &st);
    if (s == KG_OK)
        s = store_foreach_link(a->s, NULL, NULL, read_link, &st);
    if (s != KG_OK) {
        stubs_release(&st);
        return app_store_fail(a, s, "reading records");
    }
    for (size_t i = 0; i < st.keys.n; i++)
        keys_settle(&st.nb[i]);
    read_blocks(&st);
    for (size_t i = 0; i < st.n; i++) {
        if (!st.e[i].stub)
            continue;
        struct cand c[STUBS_PER_STUB];
        size_t n = candidates(&st, i, min_score, c);
        for (size_t k = 0; k < n; k++) {
            const struct entry *s1 = &st.e[i], *c1 = &st.e[c[k].at];
            bool first = keeps_first(&st, c[k].at, i);
            bool same = s1->kind == c1->kind; /* else no merge */
            struct app_stub_pair p = {
                .kind = s1->kind,
                .cand_kind = c1->kind,
                .stub_id = s1->id,
                .stub_name = s1->label,
                .cand_id = c1->id,
                .cand_name = c1->label,
                .cand_stub = c1->stub,
                .score = c[k].score,
                .name_score = c[k].name,
                .shared = c[k].shared,
                .through = c[k].through,
                .why = c[k].why,
                .keep = !same   ? NULL
                        : first ? c1->id
                                : s1->id,
                .gone = !same   ? NULL
                        : first ? s1->id
                                : c1->id,
            };
            row(ctx, &p);
            free(c[k].why);
        }
    }
    stubs_release(&st);
    return KG_OK;
}
