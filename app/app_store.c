/*
 * app_store.c - the thin use cases over the store and the search index:
 * counts, one record with its links, and BM25 search with each hit's
 * label.
 */
#include <stdlib.h>

#include "app/app_int.h"

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

kg_status app_index_open(struct app_session *a, const struct app_index_opts *o,
                         double *ms)
{
    struct index_opts io = {.k1 = o->k1, .b = o->b, .rebuild = o->rebuild};
    char err[512];
    index_free(a->search);
    a->search = NULL;
    double t0 = kg_monotonic();
    kg_status st = index_open(a->s, &io, &a->search, err, sizeof err);
    if (ms)
        *ms = (kg_monotonic() - t0) * 1e3;
    return st == KG_OK ? st : app_fail(a, st, "%s", err);
}

void app_index_info(const struct app_session *a, struct index_info *out)
{
    index_get_info(a->search, out);
}

kg_status app_search(struct app_session *a, const char *text, unsigned kinds,
                     size_t top, bool labels, struct app_search_hit **hits,
                     size_t *n, double *ms)
{
    *hits = NULL;
    *n = 0;
    if (!a->search) {
        struct app_index_opts o = {0};
        kg_status st = app_index_open(a, &o, NULL);
        if (st != KG_OK)
            return st;
    }
    struct index_hit *h;
    size_t nh;
    double t0 = kg_monotonic();
    kg_status st = index_search(a->search, text, kinds, top, &h, &nh);
    if (ms)
        *ms = (kg_monotonic() - t0) * 1e3;
    if (st != KG_OK)
        return app_fail(a, st, "%s", index_last_error(a->search));
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

void app_search_free(struct app_search_hit *hits, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(hits[i].label);
    free(hits);
}
