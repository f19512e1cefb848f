/*
 * app_store.c - the thin use cases over the store and the search index:
 * counts, one record with its links, and BM25 search with each hit's
 * label (a record whose name or alias is the query ranks first).
 */
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"
#include "core/text.h"
#include "graph/domain.h"

/* Records an exact name match can put first; more are ignored. */
#define APP_EXACT_MAX 16

int app_schema_version(struct app_session *a)
{
    return store_schema_version(a->s);
}

kg_status app_counts(struct app_session *a, struct app_counts *out)
{
    kg_status st = KG_OK;
    for (int k = 0; k < KG_KIND_COUNT && st == KG_OK; k++)
        st = store_count(a->s, (kg_kind)k, &out->records[k], &out->stubs[k]);
    if (st == KG_OK)
        st = store_version(a->s, &out->version);
    return st == KG_OK ? st : app_store_fail(a, st, "counting records");
}

kg_status app_show(struct app_session *a, kg_kind kind, const char *id,
                   struct kg_record *r, struct store_info *info,
                   bool (*link_cb)(const struct store_link *l, void *ctx),
                   void *ctx)
{
    char *found = NULL;
    kg_status st = store_get(a->s, kind, id, r);
    if (st == KG_ENOTFOUND) { /* a name, then */
        char keep[512];
        snprintf(keep, sizeof keep, "%s", store_last_error(a->s));
        st = app_find_record(a, kind, id, &found);
        if (st == KG_ENOTFOUND)
            return app_fail(a, st, "%s", keep);
        if (st != KG_OK)
            return st;
        id = found;
        st = store_get(a->s, kind, id, r);
    }
    if (st == KG_OK)
        st = store_get_info(a->s, kind, id, info);
    if (st != KG_OK) {
        free(found);
        return app_fail(a, st, "%s", store_last_error(a->s));
    }
    st = store_foreach_link(a->s, &kind, id, link_cb, ctx);
    free(found);
    return st == KG_OK ? st : app_store_fail(a, st, "reading links");
}

/* The first of r's fields, else of its IPC codes, that names domain d. */
static void domain_evidence(const struct kg_record *r, domain_mask d,
                            struct app_domain *o)
{
    for (size_t i = 0; i < r->fields.n; i++)
        if (domain_of_field(r->fields.v[i]) & d) {
            o->from = "field";
            o->evidence = r->fields.v[i];
            return;
        }
    for (size_t i = 0; i < r->ipc.n; i++)
        if (domain_of_ipc(r->ipc.v[i]) & d) {
            o->from = "IPC";
            o->evidence = r->ipc.v[i];
            return;
        }
}

size_t app_record_domains(const struct kg_record *r, struct app_domain *out)
{
    _Static_assert(APP_DOMAINS == DOMAIN_COUNT, "one slot per domain");
    domain_mask m = domain_classify(r);
    size_t n = 0;
    for (unsigned i = 0; i < DOMAIN_COUNT; i++) {
        if (!(m & (1u << i)))
            continue;
        const struct domain_info *d = domain_get(i);
        bool guessed = m & DOMAIN_GUESSED;
        out[n] =
            (struct app_domain){d->key, d->zh, guessed ? "text" : "field", ""};
        if (!guessed)
            domain_evidence(r, 1u << i, &out[n]);
        n++;
    }
    return n;
}

kg_status app_index_open(struct app_session *a, const struct app_index_opts *o,
                         double *ms)
{
    struct index_opts io = {.k1 = o->k1,
                            .b = o->b,
                            .rebuild = o->rebuild,
                            .optimize = o->optimize,
                            .progress = o->progress,
                            .progress_ctx = o->progress_ctx};
    char err[512];
    index_free(a->search);
    a->search = NULL;
    double t0 = kg_monotonic();
    kg_status st = index_open(a->s, &io, &a->search, err, sizeof err);
    if (ms)
        *ms = (kg_monotonic() - t0) * 1e3;
    if (st != KG_OK)
        return app_fail(a, st, "%s", err);
    app_index_notice(a, a->search);
    return KG_OK;
}

void app_index_info(const struct app_session *a, struct index_info *out)
{
    index_get_info(a->search, out);
}

/* Records whose normalized name or alias is the query, collected by
 * store_find_name. */
struct exact {
    kg_kind kind[APP_EXACT_MAX];
    char *id[APP_EXACT_MAX];
    size_t n;
};

static bool on_exact(kg_kind kind, const char *id, const char *label, void *ctx)
{
    struct exact *x = ctx;
    (void)label;
    x->kind[x->n] = kind;
    x->id[x->n++] = kg_xstrdup(id);
    return x->n < APP_EXACT_MAX;
}

static bool is_exact(const struct exact *x, const struct index_hit *h)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->kind[i] == h->kind && strcmp(x->id[i], h->id) == 0)
            return true;
    return false;
}

/* Moves the hits that name the query exactly to the front (in their BM25
 * order), lifting their score to the best one so that scores still fall
 * down the list. Returns how many there were. */
static size_t exact_first(const struct exact *x, struct index_hit *h, size_t nh)
{
    size_t front = 0;
    double best = nh ? h[0].score : 0;
    for (size_t i = 0; i < nh; i++) {
        if (!is_exact(x, &h[i]))
            continue;
        struct index_hit e = h[i];
        memmove(h + front + 1, h + front, (i - front) * sizeof *h);
        e.score = e.score > best ? e.score : best;
        h[front++] = e;
    }
    return front;
}

kg_status app_search(struct app_session *a, const char *text, unsigned kinds,
                     size_t top, bool labels, struct app_search_hit **hits,
                     size_t *n, double *ms)
{
    *hits = NULL;
    *n = 0;
    if (!text || !text_has_word(text, strlen(text)))
        return app_fail(a, KG_EUSAGE,
                        "the query has no words to search for (it holds no "
                        "letter or digit)");
    if (!a->search) {
        struct app_index_opts o = {0};
        kg_status st = app_index_open(a, &o, NULL);
        if (st != KG_OK)
            return st;
    }
    /* A query that is a name or alias of an institution, expert or
     * enterprise puts that record first: then every hit is needed. */
    struct exact x = {.n = 0};
    unsigned named = (kinds ? kinds : KG_ALL_KINDS) &
                     (KG_KIND_BIT(KG_INSTITUTION) | KG_KIND_BIT(KG_EXPERT) |
                      KG_KIND_BIT(KG_ENTERPRISE));
    if (named && text && *text &&
        store_find_name(a->s, named, text, on_exact, &x) != KG_OK)
        x.n = 0; /* the name table is a bonus: BM25 alone still answers */
    struct clir *c = NULL;
    kg_status st = a->lang == CLIR_OFF ? KG_OK : app_clir(a, &c);
    if (st != KG_OK) {
        for (size_t i = 0; i < x.n; i++)
            free(x.id[i]);
        return st;
    }
    struct index_hit *h = NULL;
    size_t nh = 0;
    struct clir_query q = {0};
    char err[512] = "";
    size_t k = x.n ? 0 : top;
    double t0 = kg_monotonic();
    if (c) {
        st = clir_translate(c, a->search, text, a->lang, &q, err, sizeof err);
        if (st == KG_OK)
            st = clir_search(a->search, &q, kinds, k, &h, &nh);
    } else {
        st = index_search(a->search, text, kinds, k, &h, &nh);
    }
    if (st != KG_OK && (!c || q.n))
        snprintf(err, sizeof err, "%s", index_last_error(a->search));
    clir_query_release(&q);
    if (ms)
        *ms = (kg_monotonic() - t0) * 1e3;
    if (st == KG_OK && x.n && exact_first(&x, h, nh) && top && nh > top)
        nh = top;
    for (size_t i = 0; i < x.n; i++)
        free(x.id[i]);
    if (st != KG_OK)
        return app_fail(a, st, "%s", err);
    *hits = kg_xcalloc(nh ? nh : 1, sizeof **hits);
    for (size_t i = 0; i < nh; i++) {
        struct app_search_hit *o = &(*hits)[i];
        *o = (struct app_search_hit){h[i].kind, h[i].id, h[i].score, NULL};
        struct kg_record r;
        if (labels && store_get(a->s, h[i].kind, h[i].id, &r) == KG_OK) {
            o->label = kg_xstrdup(record_label(&r));
            record_release(&r);
        }
    }
    *n = nh;
    free(h);
    return KG_OK;
}

kg_status app_search_lang(struct app_session *a, const char *lang)
{
    if (clir_lang_parse(lang, &a->lang) != KG_OK)
        return app_fail(a, KG_EUSAGE, "--lang is zh, en, any or off, not '%s'",
                        lang);
    return KG_OK;
}

kg_status app_clir(struct app_session *a, struct clir **c)
{
    *c = a->clir;
    if (a->clir)
        return KG_OK;
    char err[1024];
    kg_status st = dict_open(NULL, &a->dict, err, sizeof err);
    if (st != KG_OK)
        return app_fail(a, st, "%s", err);
    a->clir = clir_new(a->dict);
    st = clir_learn(a->clir, a->s);
    if (st != KG_OK)
        return app_store_fail(a, st, "learning term pairs");
    *c = a->clir;
    return KG_OK;
}

void app_search_free(struct app_search_hit *hits, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(hits[i].label);
    free(hits);
}
