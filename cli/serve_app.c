/*
 * serve_app.c - the engine behind `kgmatch serve`: generations of resident
 * state (one graph, and per worker a read-only store connection, a BM25
 * index and a matcher), swapped whole when the data moves, and the one
 * adapter through which the routes reach the matching use cases.
 */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/serve.h"
#include "graph/match.h"

/* ---- generations -------------------------------------------------------- */

/* A file's identity and stamp: a replaced or rewritten file differs. */
struct file_stamp {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

/* The database, its WAL, the index and the graph cache. */
enum { F_DB, F_WAL, F_IDX, F_GRAPH, F_COUNT };

struct stamps {
    struct file_stamp f[F_COUNT];
};

struct serve_worker {
    struct gen *gen;
    struct store *s;
    struct index *ix;
    struct matcher *m;
    struct serve_worker *next_free;
};

struct gen {
    unsigned refs; /* workers lent out, plus 1 while current */
    int64_t version;
    double loaded_at;
    struct stamps files; /* index and graph as this generation loaded them */
    struct graph *g;
    struct match_config conf;
    struct serve_worker *w;
    size_t nw;
    struct serve_worker *free;
};

struct serve_app {
    char *db_path;
    char *path[F_COUNT];
    char *config;
    unsigned workers;
    double wait_s;
    pthread_mutex_t lock;
    pthread_cond_t freed;  /* a worker came back */
    pthread_cond_t wanted; /* the reloader has work, or must stop */
    struct gen *cur;
    struct stamps seen; /* the stamps last checked against the store */
    bool want_reload, stop;
    uint64_t reloads, reload_fail;
    pthread_t reloader;
    bool has_reloader;
};

static void stamp_file(const char *path, struct file_stamp *f)
{
    struct stat sb;
    memset(f, 0, sizeof *f);
    if (stat(path, &sb) == 0) {
        f->dev = sb.st_dev;
        f->ino = sb.st_ino;
        f->size = sb.st_size;
        f->mtime = sb.st_mtim;
    }
}

static void stamp_all(const struct serve_app *a, struct stamps *st)
{
    for (int i = 0; i < F_COUNT; i++)
        stamp_file(a->path[i], &st->f[i]);
}

static bool stamp_eq(const struct file_stamp *x, const struct file_stamp *y)
{
    return x->dev == y->dev && x->ino == y->ino && x->size == y->size &&
           x->mtime.tv_sec == y->mtime.tv_sec &&
           x->mtime.tv_nsec == y->mtime.tv_nsec;
}

static void gen_free(struct gen *gn)
{
    if (!gn)
        return;
    for (size_t i = 0; i < gn->nw; i++) {
        match_free(gn->w[i].m);
        index_free(gn->w[i].ix);
        store_close(gn->w[i].s);
    }
    free(gn->w);
    graph_free(gn->g);
    free(gn);
}

/* Loads a generation: the graph and index files are brought up to date
 * (rebuilt when stale), then each worker gets its store, index and
 * matcher. Runs on one thread at a time (igraph builds the graph). */
static kg_status gen_load(const struct serve_app *a, struct gen **out,
                          char *err, size_t errlen)
{
    struct gen *gn = kg_xcalloc(1, sizeof *gn);
    kg_status st = KG_OK;
    *out = NULL;
    match_config_default(&gn->conf);
    if (a->config) {
        st = match_config_load(&gn->conf, a->config, err, errlen);
        if (st != KG_OK)
            goto fail;
    }
    gn->nw = a->workers;
    gn->w = kg_xcalloc(gn->nw, sizeof *gn->w);
    for (size_t i = 0; i < gn->nw; i++) {
        struct serve_worker *w = &gn->w[i];
        w->gen = gn;
        st = store_open(a->db_path, STORE_READONLY, &w->s, err, errlen);
        if (st != KG_OK)
            goto fail;
        if (i == 0) {
            /* The version first: data that lands while the graph builds
             * makes the next check reload again rather than be missed. */
            st = store_version(w->s, &gn->version);
            if (st != KG_OK) {
                snprintf(err, errlen, "%s", store_last_error(w->s));
                goto fail;
            }
            st = graph_open(w->s, NULL, &gn->g, err, errlen);
            if (st != KG_OK)
                goto fail;
        }
        struct index_opts io = {.no_update = i > 0};
        st = index_open(w->s, &io, &w->ix, err, errlen);
        if (st != KG_OK)
            goto fail;
        st = match_new(gn->g, &gn->conf, &w->m, err, errlen);
        if (st != KG_OK)
            goto fail;
        if (gn->conf.w_bm25 > 0)
            match_set_index(w->m, w->ix);
        w->next_free = gn->free;
        gn->free = w;
    }
    stamp_all(a, &gn->files);
    gn->loaded_at = kg_monotonic();
    gn->refs = 1;
    *out = gn;
    return KG_OK;
fail:
    gen_free(gn);
    return st;
}

/* Drops one reference (the caller holds the lock); returns the generation
 * to free after unlocking, or NULL. */
static struct gen *gen_unref(struct gen *gn)
{
    return --gn->refs == 0 ? gn : NULL;
}

static void *reloader_main(void *arg)
{
    struct serve_app *a = arg;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->want_reload && !a->stop)
            pthread_cond_wait(&a->wanted, &a->lock);
        if (a->stop)
            break;
        a->want_reload = false;
        pthread_mutex_unlock(&a->lock);
        char err[512] = "";
        struct gen *gn = NULL, *old = NULL;
        kg_status st = gen_load(a, &gn, err, sizeof err);
        if (st != KG_OK)
            fprintf(stderr,
                    "kgmatch: serve: reload failed (still serving "
                    "the data loaded before): %s\n",
                    err);
        pthread_mutex_lock(&a->lock);
        if (st == KG_OK) {
            old = gen_unref(a->cur);
            a->cur = gn;
            a->reloads++;
            pthread_cond_broadcast(&a->freed);
        } else {
            a->reload_fail++;
            memset(&a->seen, 0, sizeof a->seen); /* check again */
        }
        pthread_mutex_unlock(&a->lock);
        gen_free(old);
        if (st != KG_OK) {
            struct timespec pause = {1, 0}; /* not a hot loop on failure */
            nanosleep(&pause, NULL);
        }
        pthread_mutex_lock(&a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

kg_status serve_app_open(const struct serve_app_opts *o, struct serve_app **out,
                         char *err, size_t errlen)
{
    struct serve_app *a = kg_xcalloc(1, sizeof *a);
    *out = NULL;
    a->db_path = kg_xstrdup(o->db_path);
    a->path[F_DB] = kg_xstrdup(o->db_path);
    a->path[F_WAL] = kg_xasprintf("%s-wal", o->db_path);
    a->path[F_IDX] = kg_xasprintf("%s.idx", o->db_path);
    a->path[F_GRAPH] = graph_cache_path(o->db_path);
    a->config = o->config ? kg_xstrdup(o->config) : NULL;
    a->workers = o->workers ? o->workers : 1;
    a->wait_s = o->wait_s > 0 ? o->wait_s : 2;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->freed, NULL);
    pthread_cond_init(&a->wanted, NULL);
    stamp_all(a, &a->seen);
    kg_status st = gen_load(a, &a->cur, err, errlen);
    if (st == KG_OK) {
        if (pthread_create(&a->reloader, NULL, reloader_main, a) != 0) {
            snprintf(err, errlen, "cannot start a thread: %s", strerror(errno));
            st = KG_EINTERNAL;
        } else {
            a->has_reloader = true;
        }
    }
    if (st != KG_OK) {
        serve_app_free(a);
        return st;
    }
    *out = a;
    return KG_OK;
}

void serve_app_free(struct serve_app *a)
{
    if (!a)
        return;
    if (a->has_reloader) {
        pthread_mutex_lock(&a->lock);
        a->stop = true;
        pthread_cond_signal(&a->wanted);
        pthread_mutex_unlock(&a->lock);
        pthread_join(a->reloader, NULL);
    }
    gen_free(a->cur);
    pthread_cond_destroy(&a->wanted);
    pthread_cond_destroy(&a->freed);
    pthread_mutex_destroy(&a->lock);
    for (int i = 0; i < F_COUNT; i++)
        free(a->path[i]);
    free(a->config);
    free(a->db_path);
    free(a);
}

/* Asks for a reload when the files moved and the store's version (read on
 * w's connection), the index or the graph file differs from what w's
 * generation loaded. A cheap stat() per request when nothing moved. */
static void check_fresh(struct serve_app *a, struct serve_worker *w)
{
    struct stamps now;
    stamp_all(a, &now);
    pthread_mutex_lock(&a->lock);
    bool same = memcmp(&now, &a->seen, sizeof now) == 0;
    pthread_mutex_unlock(&a->lock);
    if (same)
        return;
    int64_t v = 0;
    if (store_version(w->s, &v) != KG_OK)
        return; /* a read that fails now is answered by the request */
    const struct gen *gn = w->gen;
    bool moved = v != gn->version ||
                 !stamp_eq(&now.f[F_IDX], &gn->files.f[F_IDX]) ||
                 !stamp_eq(&now.f[F_GRAPH], &gn->files.f[F_GRAPH]);
    pthread_mutex_lock(&a->lock);
    a->seen = now;
    if (moved && w->gen == a->cur) {
        a->want_reload = true;
        pthread_cond_signal(&a->wanted);
    }
    pthread_mutex_unlock(&a->lock);
}

kg_status serve_app_acquire(struct serve_app *a, struct serve_worker **out)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    double end = (double)until.tv_sec + until.tv_nsec / 1e9 + a->wait_s;
    until.tv_sec = (time_t)end;
    until.tv_nsec = (long)((end - (double)until.tv_sec) * 1e9);
    *out = NULL;
    pthread_mutex_lock(&a->lock);
    int rc = 0;
    while (!a->cur->free && rc == 0)
        rc = pthread_cond_timedwait(&a->freed, &a->lock, &until);
    struct serve_worker *w = a->cur->free;
    if (w) {
        a->cur->free = w->next_free;
        a->cur->refs++;
    }
    pthread_mutex_unlock(&a->lock);
    if (!w)
        return KG_EBUSY;
    check_fresh(a, w);
    *out = w;
    return KG_OK;
}

void serve_app_release(struct serve_app *a, struct serve_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&a->lock);
    struct gen *gn = w->gen;
    w->next_free = gn->free;
    gn->free = w;
    struct gen *dead = gen_unref(gn);
    pthread_cond_signal(&a->freed);
    pthread_mutex_unlock(&a->lock);
    gen_free(dead);
}

struct store *serve_worker_store(struct serve_worker *w)
{
    return w->s;
}

struct index *serve_worker_index(struct serve_worker *w)
{
    return w->ix;
}

void serve_app_info(struct serve_app *a, struct serve_app_info *info)
{
    memset(info, 0, sizeof *info);
    pthread_mutex_lock(&a->lock);
    const struct gen *gn = a->cur;
    info->version = gn->version;
    info->loaded_at = gn->loaded_at;
    const struct file_stamp *f = &gn->files.f[F_IDX];
    if (f->ino)
        info->index_mtime = (double)f->mtime.tv_sec + f->mtime.tv_nsec / 1e9;
    info->vertices = gn->g->nv;
    info->edges = gn->g->ne;
    info->docs = gn->nw ? index_doc_count(gn->w[0].ix) : 0;
    info->reloads = a->reloads;
    info->reload_fail = a->reload_fail;
    pthread_mutex_unlock(&a->lock);
}

/* ---- use cases ---------------------------------------------------------- */

/*
 * The adapter: until the use-case layer (app/) is on main these call the
 * matcher the way the CLI's commands do (cmd_match.c, cmd_query.c).
 */

/* A demand's title, description and keywords for BM25 (caller frees). */
static char *bm25_text(struct store *s, const char *id)
{
    struct kg_record r;
    record_init(&r, KG_DEMAND);
    char *t = NULL;
    if (store_get(s, KG_DEMAND, id, &r) == KG_OK) {
        struct kg_buf b;
        kg_buf_init(&b);
        kg_buf_printf(&b, "%s\n%s", r.title ? r.title : "",
                      r.description ? r.description : "");
        for (size_t i = 0; i < r.keywords.n; i++)
            kg_buf_printf(&b, "\n%s", r.keywords.v[i]);
        t = kg_buf_detach(&b);
    }
    record_release(&r);
    return t;
}

/* One demand (or the text) matched: {"id", "matches": [...]}. */
static kg_status match_one(struct serve_worker *w, const struct serve_match *q,
                           const char *demand, json_t **out, char *err,
                           size_t errlen)
{
    const struct graph *g = w->gen->g;
    struct match_query mq = {.demand = GRAPH_NONE,
                             .text = q->text,
                             .kinds = q->kinds,
                             .top = q->top,
                             .cross_only = q->cross_only,
                             .explain = true};
    char *text = NULL;
    *out = NULL;
    if (demand) {
        mq.demand = graph_find(g, KG_DEMAND, demand);
        if (mq.demand == GRAPH_NONE) {
            snprintf(err, errlen, "no demand '%s'", demand);
            return KG_ENOTFOUND;
        }
        mq.text = NULL;
        if (w->gen->conf.w_bm25 > 0)
            mq.bm25_text = text = bm25_text(w->s, demand);
    }
    struct match_result r;
    kg_status st = match_run(w->m, &mq, &r);
    free(text);
    if (st != KG_OK) {
        snprintf(err, errlen, "%s", match_last_error(w->m));
        return st;
    }
    json_t *ms = json_array();
    for (size_t j = 0; j < r.n; j++)
        json_array_append_new(ms, cli_match_hit_json(g, &r.hits[j]));
    match_result_release(&r);
    *out = demand ? json_pack("{s:s, s:o}", "id", demand, "matches", ms)
                  : json_pack("{s:n, s:s, s:o}", "id", "text", q->text,
                              "matches", ms);
    return KG_OK;
}

kg_status serve_app_match(struct serve_worker *w, const struct serve_match *q,
                          json_t **out, char *err, size_t errlen)
{
    json_t *d;
    *out = NULL;
    kg_status st = match_one(w, q, q->demand, &d, err, errlen);
    if (st == KG_OK)
        *out = json_pack("{s:[o]}", "demands", d);
    return st;
}

static bool on_enterprise(kg_kind kind, const char *id, const char *label,
                          void *ctx)
{
    (void)kind;
    (void)label;
    struct kg_strlist *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], id) == 0)
            return true;
    strlist_add(l, id);
    return l->n < 16;
}

kg_status serve_app_enterprise(struct serve_worker *w, const char *name,
                               bool closed_too, const struct serve_match *q,
                               json_t **out, char *err, size_t errlen)
{
    struct kg_strlist found = {NULL, 0}, ids = {NULL, 0};
    struct cli cli = {.db_path = store_path(w->s), .cmd = "serve"};
    *out = NULL;
    kg_status st = store_find_name(w->s, KG_KIND_BIT(KG_ENTERPRISE), name,
                                   on_enterprise, &found);
    if (st != KG_OK) {
        snprintf(err, errlen, "%s", store_last_error(w->s));
    } else if (found.n == 0) {
        snprintf(err, errlen, "no enterprise '%s'", name);
        st = KG_ENOTFOUND;
    } else if (found.n > 1) {
        snprintf(err, errlen, "'%s' names %zu enterprises; give an id", name,
                 found.n);
        st = KG_EINPUT;
    } else if (cli_enterprise_demands(&cli, w->s, found.v[0], closed_too,
                                      &ids) != 0) {
        snprintf(err, errlen, "reading the demands of %s", found.v[0]);
        st = KG_EIO;
    }
    json_t *arr = st == KG_OK ? json_array() : NULL;
    for (size_t i = 0; st == KG_OK && i < ids.n; i++) {
        json_t *d;
        st = match_one(w, q, ids.v[i], &d, err, errlen);
        if (st == KG_OK)
            json_array_append_new(arr, d);
    }
    if (st == KG_OK)
        *out = json_pack("{s:s, s:o}", "enterprise", found.v[0], "demands",
                         json_incref(arr));
    json_decref(arr);
    strlist_release(&found);
    strlist_release(&ids);
    return st;
}

kg_status serve_app_partners(struct serve_worker *w, const char *demand,
                             size_t top, json_t **out, char *err, size_t errlen)
{
    const struct graph *g = w->gen->g;
    struct serve_match q = {.kinds = KG_KIND_BIT(KG_INSTITUTION), .top = top};
    json_t *d;
    *out = NULL;
    kg_status st = match_one(w, &q, demand, &d, err, errlen);
    if (st != KG_OK)
        return st;
    json_t *arr = json_array(), *ms = json_object_get(d, "matches");
    size_t i;
    json_t *m;
    json_array_foreach (ms, i, m) {
        const char *id = json_string_value(json_object_get(m, "id"));
        uint32_t v = graph_find(g, KG_INSTITUTION, id);
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:O, s:s, s:O}", "id", id, "name",
                           v == GRAPH_NONE ? id : graph_str(g, g->vlabel[v]),
                           "score", json_object_get(m, "score"), "demand",
                           demand, "reason", json_object_get(m, "reason")));
    }
    json_decref(d);
    *out = json_pack("{s:o}", "partners", arr);
    return KG_OK;
}
