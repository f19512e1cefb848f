/*
 * app_sources.c - the partner sources ingest harvests: a definition put
 * together from options or a sources.conf file, saved, removed and listed
 * with its last run.
 */
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"
#include "ingest/source.h"

struct app_source_def {
    struct source src;
    bool have_kind;
};

struct app_source_conf {
    struct source *v;
    size_t n;
};

static void brief(const struct source *s, struct app_source_brief *out)
{
    out->name = s->name;
    out->type = source_type_name(s->type);
    out->url = s->url;
}

struct app_source_def *app_source_def_new(void)
{
    struct app_source_def *d = kg_xcalloc(1, sizeof *d);
    source_init(&d->src);
    return d;
}

void app_source_def_free(struct app_source_def *d)
{
    if (!d)
        return;
    source_release(&d->src);
    free(d);
}

kg_status app_source_def_set(struct app_source_def *d, const char *key,
                             const char *value, char *err, size_t errlen)
{
    d->have_kind |= strcmp(key, "kind") == 0;
    return source_set(&d->src, key, value, NULL, err, errlen);
}

void app_source_def_name(struct app_source_def *d, const char *name)
{
    free(d->src.name);
    d->src.name = kg_xstrdup(name);
    /* uspto-xml makes patents unless told otherwise */
    if (d->src.type == SOURCE_USPTO && !d->have_kind)
        d->src.kind = KG_PATENT;
}

const char *app_source_def_missing(const struct app_source_def *d)
{
    return !d->src.type ? "--type" : !d->src.url ? "--url" : NULL;
}

kg_status app_source_def_check(const struct app_source_def *d, char *err,
                               size_t errlen)
{
    return source_check(&d->src, err, errlen);
}

void app_source_def_brief(const struct app_source_def *d,
                          struct app_source_brief *out)
{
    brief(&d->src, out);
}

kg_status app_source_add(struct app_session *a, const struct app_source_def *d,
                         bool replace)
{
    struct source old;
    kg_status st = source_load(a->s, d->src.name, &old);
    if (st == KG_OK) {
        source_release(&old);
        if (!replace)
            return app_fail(a, KG_EINPUT,
                            "source '%s' exists (remove it first, or add "
                            "--replace)",
                            d->src.name);
    } else if (st != KG_ENOTFOUND) {
        return app_store_fail(a, st, "cannot read the sources");
    }
    st = source_save(a->s, &d->src);
    return st == KG_OK ? st : app_store_fail(a, st, "cannot save the source");
}

kg_status app_source_conf_read(const char *path, struct app_source_conf **out,
                               char *err, size_t errlen)
{
    struct app_source_conf *c = kg_xcalloc(1, sizeof *c);
    kg_status st = source_conf_load(path, &c->v, &c->n, err, errlen);
    if (st != KG_OK) {
        free(c);
        c = NULL;
    }
    *out = c;
    return st;
}

void app_source_conf_free(struct app_source_conf *c)
{
    if (!c)
        return;
    source_list_free(c->v, c->n);
    free(c);
}

size_t app_source_conf_count(const struct app_source_conf *c)
{
    return c->n;
}

void app_source_conf_brief(const struct app_source_conf *c, size_t i,
                           struct app_source_brief *out)
{
    brief(&c->v[i], out);
}

kg_status app_source_load(struct app_session *a,
                          const struct app_source_conf *c)
{
    kg_status st = store_begin(a->s);
    for (size_t i = 0; st == KG_OK && i < c->n; i++) {
        /* A source whose type or URL changed starts its state afresh. */
        struct source old;
        if (source_load(a->s, c->v[i].name, &old) == KG_OK) {
            bool moved = old.type != c->v[i].type ||
                         strcmp(old.url ? old.url : "", c->v[i].url) != 0;
            source_release(&old);
            if (moved)
                st = source_remove(a->s, c->v[i].name);
        }
        if (st == KG_OK)
            st = source_save(a->s, &c->v[i]);
    }
    if (st == KG_OK)
        st = store_commit(a->s);
    else
        store_rollback(a->s);
    return st == KG_OK ? st : app_store_fail(a, st, "cannot save the sources");
}

kg_status app_source_remove(struct app_session *a, const char *name)
{
    kg_status st = source_remove(a->s, name);
    if (st == KG_ENOTFOUND)
        return app_fail(a, st, "no source named '%s'", name);
    return st == KG_OK ? st : app_store_fail(a, st, "cannot remove the source");
}

kg_status app_source_list(struct app_session *a,
                          void (*row)(void *ctx,
                                      const struct app_source_row *r),
                          void (*warning)(void *ctx, const char *w), void *ctx)
{
    struct source *v = NULL;
    size_t n = 0;
    struct kg_strlist warnings = {NULL, 0};
    kg_status st = source_list(a->s, &v, &n, &warnings);
    for (size_t i = 0; i < warnings.n && warning; i++)
        warning(ctx, warnings.v[i]);
    strlist_release(&warnings);
    if (st != KG_OK)
        return app_store_fail(a, st, "cannot read the sources");
    for (size_t i = 0; i < n; i++) {
        struct source_state ss;
        st = source_state_load(a->s, v[i].name, &ss);
        if (st != KG_OK) {
            app_store_fail(a, st, "cannot read the sources");
            break;
        }
        if (ss.warning && warning)
            warning(ctx, ss.warning);
        char *dj = source_to_json(&v[i]);
        char *sj = source_state_to_json(&ss);
        struct app_source_row r = {
            .name = v[i].name,
            .type = source_type_name(v[i].type),
            .url = v[i].url,
            .last_run = ss.last_run,
            .status = ss.status,
            .error = ss.error,
            .added = ss.added,
            .updated = ss.updated,
            .deleted = ss.deleted,
            .definition_json = dj,
            .state_json = sj,
        };
        row(ctx, &r);
        free(dj);
        free(sj);
        source_state_release(&ss);
    }
    source_list_free(v, n);
    return st;
}
