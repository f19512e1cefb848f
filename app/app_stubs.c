/*
 * app_stubs.c - the stub records (made only because another record named
 * them) and the record each likely duplicates: names alike across scripts
 * and languages (core/namesim.h) and the records linked to both. The
 * broker confirms a pair with `kgmatch merge`.
 */
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"
#include "core/dict.h"
#include "core/namesim.h"
#include "core/strmap.h"

#define STUBS_KINDS                                                            \
    (KG_KIND_BIT(KG_INSTITUTION) | KG_KIND_BIT(KG_EXPERT) |                    \
     KG_KIND_BIT(KG_ENTERPRISE))
#define STUBS_PER_STUB 3   /* candidates listed for one stub */
#define STUBS_SHARED_MAX 3 /* shared links that count, 0.1 each */

/* One named record. */
struct entry {
    kg_kind kind;
    bool stub;
    char *id, *label;
    struct namesim_name **names; /* name and aliases */
    size_t nnames;
    uint32_t *nb; /* the records linked to it (numbers in keys), sorted */
    size_t nnb;
};

struct stubs {
    struct namesim *ns;
    struct strmap keys; /* "KIND:ID" of every record a link touches */
    struct entry *e;
    size_t n;
    uint32_t *of_key; /* key number -> entry + 1 (0: not named) */
};

static uint32_t key_of(struct strmap *m, kg_kind kind, const char *id)
{
    char *k = kg_xasprintf("%d:%s", (int)kind, id);
    uint32_t v = strmap_get(m, k, strlen(k), true, NULL);
    free(k);
    return v;
}

static bool read_record(const struct kg_record *r, void *ctx)
{
    struct stubs *st = ctx;
    if (!(st->n & (st->n + 1)) || st->n == 0)
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
    key_of(&st->keys, r->kind, r->id); /* entry i is key i */
    return true;
}

static void add_nb(struct stubs *st, uint32_t at, uint32_t other)
{
    if (at >= st->n)
        return;
    struct entry *e = &st->e[at];
    if (!(e->nnb & (e->nnb + 1)) || e->nnb == 0)
        e->nb = kg_xrealloc(e->nb, (2 * e->nnb + 1) * sizeof *e->nb);
    e->nb[e->nnb++] = other;
}

static bool read_link(const struct store_link *l, void *ctx)
{
    struct stubs *st = ctx;
    uint32_t a = key_of(&st->keys, l->src_kind, l->src_id);
    uint32_t b = key_of(&st->keys, l->dst_kind, l->dst_id);
    add_nb(st, a, b);
    add_nb(st, b, a);
    return true;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static size_t shared(const struct entry *a, const struct entry *b)
{
    size_t i = 0, j = 0, n = 0;
    while (i < a->nnb && j < b->nnb) {
        if (a->nb[i] == b->nb[j]) {
            n++;
            i++;
            j++;
        } else if (a->nb[i] < b->nb[j]) {
            i++;
        } else {
            j++;
        }
    }
    return n;
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
static bool keeps_first(const struct entry *a, const struct entry *b)
{
    if (a->stub != b->stub)
        return !a->stub;
    if (a->nnb != b->nnb)
        return a->nnb > b->nnb;
    if (has_han(a) != has_han(b))
        return has_han(a);
    return strcmp(a->id, b->id) <= 0;
}

struct cand {
    size_t at;
    double score, name;
    size_t shared;
    char *why;
};

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return (x->at > y->at) - (x->at < y->at);
}

/* The best candidates of stub s into c (up to STUBS_PER_STUB); returns
 * how many. A pair of stubs is weighed once, from its first. */
static size_t candidates(struct stubs *st, size_t s, double min_score,
                         struct cand *c)
{
    size_t n = 0;
    const struct entry *a = &st->e[s];
    for (size_t i = 0; i < st->n; i++) {
        const struct entry *b = &st->e[i];
        if (i == s || b->kind != a->kind || (b->stub && i < s))
            continue;
        double best = 0;
        struct kg_buf why;
        kg_buf_init(&why);
        for (size_t x = 0; x < a->nnames; x++)
            for (size_t y = 0; y < b->nnames; y++) {
                struct kg_buf w;
                kg_buf_init(&w);
                double sc =
                    namesim_compare(st->ns, a->names[x], b->names[y], &w);
                if (sc > best) {
                    best = sc;
                    kg_buf_reset(&why);
                    kg_buf_printf(&why, "%s", w.data ? w.data : "");
                }
                kg_buf_release(&w);
            }
        size_t sh = shared(a, b);
        double score =
            best +
            0.1 * (double)(sh < STUBS_SHARED_MAX ? sh : STUBS_SHARED_MAX);
        if (best <= 0 || score < min_score) {
            kg_buf_release(&why);
            continue;
        }
        if (sh)
            kg_buf_printf(&why, "%s%zu shared link%s", why.len ? "; " : "", sh,
                          sh == 1 ? "" : "s");
        struct cand cd = {i, score, best, sh, /* uncapped: it orders */
                          kg_buf_detach(&why)};
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
    return n;
}

static void stubs_release(struct stubs *st)
{
    for (size_t i = 0; i < st->n; i++) {
        struct entry *e = &st->e[i];
        for (size_t k = 0; k < e->nnames; k++)
            namesim_name_free(e->names[k]);
        free(e->names);
        free(e->nb);
        free(e->id);
        free(e->label);
    }
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
        if (dict_open(NULL, &a->dict, err, sizeof err) != KG_OK && a->notice)
            a->notice(a->notice_ctx, err);
    }
    struct stubs st = {0};
    char err[256];
    kg_status s = namesim_new(a->dict, &st.ns, err, sizeof err);
    if (s != KG_OK)
        return app_fail(a, s, "%s", err);
    strmap_init(&st.keys);
    struct store_iter_opts it = {.kinds = STUBS_KINDS};
    s = store_foreach(a->s, &it, read_record, &st);
    if (s == KG_OK)
        s = store_foreach_link(a->s, NULL, NULL, read_link, &st);
    if (s != KG_OK) {
        stubs_release(&st);
        return app_store_fail(a, s, "reading records");
    }
    for (size_t i = 0; i < st.n; i++)
        qsort(st.e[i].nb, st.e[i].nnb, sizeof *st.e[i].nb, cmp_u32);
    for (size_t i = 0; i < st.n; i++) {
        if (!st.e[i].stub)
            continue;
        struct cand c[STUBS_PER_STUB];
        size_t n = candidates(&st, i, min_score, c);
        for (size_t k = 0; k < n; k++) {
            const struct entry *s1 = &st.e[i], *c1 = &st.e[c[k].at];
            bool first = keeps_first(c1, s1);
            struct app_stub_pair p = {
                .kind = s1->kind,
                .stub_id = s1->id,
                .stub_name = s1->label,
                .cand_id = c1->id,
                .cand_name = c1->label,
                .cand_stub = c1->stub,
                .score = c[k].score > 1 ? 1 : c[k].score,
                .name_score = c[k].name,
                .shared = c[k].shared,
                .why = c[k].why,
                .keep = first ? c1->id : s1->id,
                .gone = first ? s1->id : c1->id,
            };
            row(ctx, &p);
            free(c[k].why);
        }
    }
    stubs_release(&st);
    return KG_OK;
}
