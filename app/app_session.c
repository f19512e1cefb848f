/*
 * app_session.c - the session every use case runs in: the matcher config,
 * the store, and the graph, matcher and text indexes opened on first use
 * and kept for the next request; the message of the last failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"
#include "core/arena.h"

kg_status app_fail(struct app_session *a, kg_status st, const char *fmt, ...)
{
    va_list ap;
    kg_buf_reset(&a->msg);
    va_start(ap, fmt);
    kg_buf_vprintf(&a->msg, fmt, ap);
    va_end(ap);
    return st;
}

kg_status app_store_fail(struct app_session *a, kg_status st, const char *what)
{
    return app_fail(a, st, "%s: %s", what, store_last_error(a->s));
}

void app_resident(void)
{
    arena_populate(true);
}

kg_status app_open(const struct app_opts *o, struct app_session **out)
{
    struct app_session *a = kg_xcalloc(1, sizeof *a);
    char err[512];
    kg_status st = KG_OK;
    static const int flags[] = {[APP_READ] = STORE_READONLY,
                                [APP_WRITE] = 0,
                                [APP_CREATE] = STORE_CREATE};
    kg_buf_init(&a->msg);
    a->db_path = kg_xstrdup(o->db_path);
    a->notice = o->notice;
    a->notice_ctx = o->notice_ctx;
    *out = a;
    match_config_default(&a->conf);
    if (o->config) {
        st = match_config_load(&a->conf, o->config, err, sizeof err);
        if (st != KG_OK)
            return app_fail(a, st, "%s", err);
    }
    st = store_open(a->db_path, flags[o->mode], &a->s, err, sizeof err);
    if (st != KG_OK)
        return app_fail(a, st, "%s", err);
    return KG_OK;
}

/* Frees the session's matchers (they hold the graph). */
static void matchers_free(struct app_session *a)
{
    match_free(a->m);
    a->m = NULL;
    for (unsigned i = 0; i < a->nbm; i++)
        match_free(a->bm[i]);
    free(a->bm);
    a->bm = NULL;
    a->nbm = 0;
}

void app_close(struct app_session *a)
{
    if (!a)
        return;
    matchers_free(a);
    for (size_t i = 0; i < a->nix; i++)
        index_free(a->ix[i]);
    free(a->ix);
    index_free(a->search);
    clir_free(a->clir);
    dict_free(a->dict);
    graph_free(a->g);
    store_close(a->s);
    kg_buf_release(&a->msg);
    free(a->db_path);
    free(a);
}

const char *app_last_error(const struct app_session *a)
{
    return a->msg.len ? a->msg.data : "";
}

const char *app_db_path(const struct app_session *a)
{
    return a->db_path;
}

kg_status app_version(struct app_session *a, int64_t *version)
{
    kg_status st = store_version(a->s, version);
    return st == KG_OK ? st : app_store_fail(a, st, "reading the version");
}

kg_status app_graph_ready(struct app_session *a, bool rebuild)
{
    char err[512];
    struct graph_opts o = {.rebuild = rebuild};
    if (a->g && !rebuild)
        return KG_OK;
    matchers_free(a); /* they hold the old graph */
    graph_free(a->g);
    a->g = NULL;
    kg_status st = graph_open(a->s, &o, &a->g, err, sizeof err);
    if (st != KG_OK)
        return app_fail(a, st, "building the graph: %s", err);
    app_graph_notice(a, a->g);
    return KG_OK;
}

kg_status app_graph(struct app_session *a, struct graph **g)
{
    char err[512];
    if (!a->g) {
        kg_status st = graph_open(a->s, NULL, &a->g, err, sizeof err);
        if (st != KG_OK)
            return app_fail(a, st, "building the graph: %s", err);
        app_graph_notice(a, a->g);
    }
    *g = a->g;
    return KG_OK;
}

kg_status app_matcher(struct app_session *a, struct matcher **m)
{
    struct graph *g = NULL;
    char err[512];
    kg_status st = app_graph(a, &g);
    if (st == KG_OK && !a->m) {
        st = match_new(g, &a->conf, &a->m, err, sizeof err);
        if (st != KG_OK)
            app_fail(a, st, "%s", err);
    }
    if (a->m)
        match_set_deadline(a->m, a->deadline);
    *m = a->m;
    return st;
}

kg_status app_batch_matchers(struct app_session *a, unsigned n,
                             struct matcher *const **ms)
{
    struct graph *g = NULL;
    char err[512];
    kg_status st = app_graph(a, &g);
    if (st == KG_OK && a->nbm < n)
        a->bm = kg_xrealloc(a->bm, n * sizeof *a->bm);
    while (st == KG_OK && a->nbm < n) {
        st = match_new(g, &a->conf, &a->bm[a->nbm], err, sizeof err);
        if (st != KG_OK)
            app_fail(a, st, "%s", err);
        else
            a->nbm++;
    }
    *ms = a->bm;
    return st;
}

void app_set_deadline(struct app_session *a, double deadline)
{
    a->deadline = deadline;
}

char *app_demand_text(struct store *s, const char *id)
{
    struct kg_record r;
    record_init(&r, KG_DEMAND);
    if (store_get(s, KG_DEMAND, id, &r) != KG_OK) {
        record_release(&r);
        return NULL;
    }
    struct kg_buf b;
    kg_buf_init(&b);
    kg_buf_printf(&b, "%s\n%s", r.title ? r.title : "",
                  r.description ? r.description : "");
    for (size_t i = 0; i < r.keywords.n; i++)
        kg_buf_printf(&b, "\n%s", r.keywords.v[i]);
    record_release(&r);
    return kg_buf_detach(&b);
}

/* The options of a matcher's BM25 index scoring with c's k1 and b. */
static struct index_opts bm25_opts(const struct match_config *c, bool no_update)
{
    return (struct index_opts){
        .no_update = no_update, .k1 = c->bm25_k1, .b = c->bm25_b};
}

/* Opens the matcher's BM25 indexes up to n (the first may bring the file
 * up to date; the others use it as it is). */
static kg_status open_indexes(struct app_session *a, size_t n)
{
    char err[512];
    if (a->nix < n)
        a->ix = kg_xrealloc(a->ix, n * sizeof *a->ix);
    while (a->nix < n) {
        struct index_opts o = bm25_opts(&a->conf, a->nix > 0);
        kg_status st = index_open(a->s, &o, &a->ix[a->nix], err, sizeof err);
        if (st != KG_OK)
            return app_fail(a, st, "opening the text index: %s", err);
        app_index_notice(a, a->ix[a->nix]);
        a->nix++;
    }
    return KG_OK;
}

kg_status app_bm25(struct app_session *a, struct match_query *qs, size_t nq,
                   size_t nix, char **texts, struct match_indexes *ixs)
{
    ixs->ix = NULL;
    ixs->n = 0;
    if (!(a->conf.w_bm25 > 0) || nq == 0)
        return KG_OK;
    size_t n = nix ? nix : match_threads(&a->conf, nq);
    kg_status st = open_indexes(a, n);
    if (st != KG_OK)
        return st;
    for (size_t i = 0; i < nq; i++)
        if (qs[i].demand != GRAPH_NONE) {
            texts[i] = app_demand_text(a->s, graph_id(a->g, qs[i].demand));
            qs[i].bm25_text = texts[i];
        }
    ixs->ix = a->ix;
    ixs->n = n;
    return KG_OK;
}

kg_status app_bm25_params(struct app_session *a, const struct match_config *c)
{
    double k1 = c->bm25_k1 > 0 ? c->bm25_k1 : INDEX_K1;
    double b = c->bm25_b > 0 ? c->bm25_b : INDEX_B;
    char err[512];
    for (size_t i = 0; i < a->nix; i++) {
        struct index_info info;
        index_get_info(a->ix[i], &info);
        if (info.k1 == k1 && info.b == b)
            continue;
        index_free(a->ix[i]);
        a->ix[i] = NULL;
        struct index_opts o = bm25_opts(c, true);
        kg_status st = index_open(a->s, &o, &a->ix[i], err, sizeof err);
        if (st != KG_OK) {
            /* no hole: the indexes from i on are dropped, and app_bm25
             * opens them again when next asked */
            for (size_t j = i + 1; j < a->nix; j++)
                index_free(a->ix[j]);
            a->nix = i;
            return app_fail(a, st, "opening the text index: %s", err);
        }
    }
    return KG_OK;
}

kg_status app_translate(struct app_session *a, struct match_query *qs, size_t n,
                        const char *text, struct xlate *xs)
{
    if (!(a->conf.w_translate > 0))
        return KG_OK;
    struct clir *c;
    kg_status st = app_clir(a, &c);
    /* The translation counts documents, which k1 and b do not change: when
     * BM25 has a share, the matcher's first index serves (one index open,
     * not two, in a one-demand process). */
    bool bm25 = a->conf.w_bm25 > 0 && !a->search;
    if (st == KG_OK && bm25) {
        st = open_indexes(a, 1);
    } else if (st == KG_OK && !a->search) {
        struct app_index_opts o = {0};
        st = app_index_open(a, &o, NULL);
    }
    struct index *ix = bm25 && st == KG_OK ? a->ix[0] : a->search;
    char err[512];
    for (size_t i = 0; i < n && st == KG_OK; i++) {
        char *own = qs[i].demand != GRAPH_NONE
                        ? app_demand_text(a->s, graph_id(a->g, qs[i].demand))
                        : NULL;
        const char *need = own ? own : text;
        if (need)
            st = clir_translate(c, ix, need, CLIR_ANY, &xs[i].q, err,
                                sizeof err);
        free(own);
        if (st != KG_OK) {
            app_fail(a, st, "translating the need: %s", err);
            break;
        }
        xs[i].w = kg_xcalloc(xs[i].q.n + 1, sizeof *xs[i].w);
        for (size_t j = 0; j < xs[i].q.n; j++)
            if (xs[i].q.v[j].how != CLIR_SAME || xs[i].q.v[j].weight < 0)
                xs[i].w[xs[i].nw++] = (struct index_wterm){xs[i].q.v[j].text,
                                                           xs[i].q.v[j].weight};
        qs[i].xterms = xs[i].w;
        qs[i].nxterms = xs[i].nw;
    }
    return st;
}

void app_translate_release(struct xlate *xs, size_t n)
{
    for (size_t i = 0; xs && i < n; i++) {
        clir_query_release(&xs[i].q);
        free(xs[i].w);
    }
    free(xs);
}

void app_hit_from(const struct graph *g, const struct match_hit *h, size_t rank,
                  struct app_hit *out)
{
    _Static_assert(APP_MAX_CONCEPTS == MATCH_MAX_CONCEPTS, "concepts");
    _Static_assert(APP_MAX_PATH == MATCH_MAX_PATH, "path");
    memset(out, 0, sizeof *out);
    out->rank = rank;
    out->kind = h->kind;
    out->id = graph_id(g, h->v);
    out->label = graph_label(g, h->v);
    out->score = h->score;
    out->text = h->text;
    out->graph = h->graph;
    out->fit = h->fit;
    out->evidence = h->evidence;
    out->coverage = h->coverage;
    out->cosine = h->cosine;
    out->breadth = h->breadth;
    out->need_breadth = h->need_breadth;
    out->need_length = h->need_length;
    out->cross_domain = h->cross_domain;
    out->nconcepts = h->nconcepts;
    for (size_t i = 0; i < h->nconcepts; i++)
        out->concepts[i] = h->concepts[i];
    out->npath = h->npath;
    for (size_t i = 0; i < h->npath; i++)
        out->path[i] =
            (struct app_step){h->path[i].kind, h->path[i].id, h->path[i].label};
}

char *app_graph_cache_path(const char *db_path)
{
    return graph_cache_path(db_path);
}

/* ---- notices: why a cache file was rebuilt ------------------------------ */

static void KG_PRINTF(2, 3) notice(struct app_session *a, const char *fmt, ...)
{
    if (!a->notice)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    a->notice(a->notice_ctx, buf);
}

void app_index_notice(struct app_session *a, const struct index *ix)
{
    struct index_info in;
    index_get_info(ix, &in);
    if (in.rebuilt == INDEX_REBUILD_TEXT_OPTS)
        notice(a, "index %s was built with other text options: rebuilding",
               in.file);
    else if (in.rebuilt == INDEX_REBUILD_STALE)
        notice(a,
               "index %s is stale (store version %lld, index %lld): "
               "rebuilding",
               in.file, (long long)in.version, (long long)in.stale_version);
    else if (in.rebuilt == INDEX_REBUILD_DAMAGED)
        notice(a, "index %s is unusable (%s): rebuilding", in.file, in.why);
    if (in.write_error)
        notice(a, "cannot write index %s (%s): using it from memory", in.file,
               in.write_error);
}

void app_graph_notice(struct app_session *a, const struct graph *g)
{
    struct graph_info in;
    graph_get_info(g, &in);
    if (in.rebuilt == GRAPH_REBUILD_STALE)
        notice(a, "graph %s is stale, rebuilding", in.path);
    else if (in.rebuilt == GRAPH_REBUILD_DAMAGED)
        notice(a, "graph %s is damaged (%s), rebuilding", in.path, in.why);
    else if (in.rebuilt == GRAPH_REBUILD_UNREADABLE)
        notice(a, "graph %s is unreadable (%s), rebuilding", in.path, in.why);
    if (in.write_error)
        notice(a, "cannot write the graph cache (%s: %s); keeping it in memory",
               in.path, in.write_error);
}
