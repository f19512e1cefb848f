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
#include "core/index.h"   /* struct index_info */
#include "core/outfile.h" /* the warm file */

/* ---- generations -------------------------------------------------------- */

/* A file's identity and stamp: a replaced or rewritten file differs. */
struct file_stamp {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

/* The database, its WAL, the index, the list of the index's segments (an
 * import's update) and the graph cache. */
enum { F_DB, F_WAL, F_IDX, F_SEGS, F_GRAPH, F_COUNT };

/* A database or WAL written this recently may hold a commit that a reader
 * does not see yet: its frames are in the file before the commit is
 * published in the WAL's index. Such stamps are not taken as checked. */
#define SERVE_RACY_SECONDS 1.0

struct stamps {
    struct file_stamp f[F_COUNT];
};

struct serve_worker {
    struct gen *gen;
    struct app_session *a; /* every use case, on this worker's thread */
    struct serve_worker *next_free;
};

/* One answer kept. The cache is set-associative: a key's hash picks a set
 * of CACHE_WAYS slots, and a newcomer takes the set's least recently used
 * one (direct-mapped, two keys of one slot would evict each other for
 * good), so its size is bounded by slots times SERVE_CACHE_MAX_BODY. */
#define CACHE_WAYS 4
struct cache_slot {
    uint64_t hash;
    uint64_t used; /* the generation's clock at the last use */
    char *key, *body;
    size_t len;
};

struct gen {
    unsigned refs;         /* workers lent out, plus 1 while current */
    struct gen *next_dead; /* in serve_app.dead */
    int64_t version;
    size_t docs; /* in the index, read at the load: a worker's session is
                    its request's alone */
    double loaded_at;
    struct stamps files; /* index and graph as this generation loaded them */
    struct serve_worker *w;
    size_t nw;
    struct serve_worker *free;
    pthread_mutex_t cache_lock;
    struct cache_slot *cache;
    size_t ncache;  /* slots, a multiple of CACHE_WAYS */
    uint64_t clock; /* under cache_lock */
};

/* A matching answer being computed: requests for the same key wait for it
 * rather than compute it again (a popular demand, a herd after a reload). */
struct flight {
    char *key;
    struct flight *next;
};

struct serve_app {
    char *db_path;
    char *path[F_COUNT];
    char *config;
    unsigned workers;
    size_t cache_slots;
    char *(*replay)(struct serve_worker *w, const char *key, size_t *len,
                    struct serve_replay_why *why);
    uint64_t cache_hits, cache_misses; /* under lock */
    pthread_mutex_t lock;
    pthread_cond_t freed;  /* a worker came back */
    pthread_cond_t wanted; /* the reloader has work, or must stop */
    pthread_cond_t landed; /* a flight ended */
    struct flight *flights;
    struct gen *cur;
    struct stamps seen; /* the stamps last checked against the store */
    bool want_reload, stop;
    uint64_t reloads, reload_fail;
    char *warm_file;
    bool saved, save_failed; /* the warm file holds the keys as of: */
    uint64_t saved_reloads, saved_clock;
    pthread_t reloader;
    bool has_reloader;
    /* Generations no one holds any more, freed by the reaper's thread:
     * tearing down their sessions (unmapping graphs and indexes, freeing
     * the matchers' arrays) takes tens of milliseconds, which the request
     * that let go of the last one would otherwise wait. */
    struct gen *dead;
    pthread_cond_t reap; /* a generation died, or the end */
    bool reaper_stop;
    pthread_t reaper;
    bool has_reaper;
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

/* Whether the database or its WAL was written within SERVE_RACY_SECONDS
 * (git's "racily clean" index entries are the same problem). */
static bool stamps_racy(const struct stamps *st)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    for (int i = F_DB; i <= F_WAL; i++) {
        const struct timespec *m = &st->f[i].mtime;
        double age = (double)(now.tv_sec - m->tv_sec) +
                     (double)(now.tv_nsec - m->tv_nsec) / 1e9;
        if (age < SERVE_RACY_SECONDS)
            return true;
    }
    return false;
}

static bool stamp_eq(const struct file_stamp *x, const struct file_stamp *y)
{
    return x->dev == y->dev && x->ino == y->ino && x->size == y->size &&
           x->mtime.tv_sec == y->mtime.tv_sec &&
           x->mtime.tv_nsec == y->mtime.tv_nsec;
}

/* A kg_monotonic() time for pthread_cond_timedwait (the conditions run on
 * CLOCK_MONOTONIC). */
static struct timespec timespec_at(double t)
{
    struct timespec ts = {(time_t)t, 0};
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    return ts;
}

static void gen_free(struct gen *gn)
{
    if (!gn)
        return;
    for (size_t i = 0; i < gn->nw; i++)
        app_close(gn->w[i].a);
    free(gn->w);
    for (size_t i = 0; i < gn->ncache; i++) {
        free(gn->cache[i].key);
        free(gn->cache[i].body);
    }
    free(gn->cache);
    pthread_mutex_destroy(&gn->cache_lock);
    free(gn);
}

/* Loads a generation: each worker's session is opened and warmed by a
 * first match and search (which bring the graph and index files up to
 * date, rebuilding them when stale). Runs on one thread at a time (igraph
 * builds the graph). */
static bool stopping(struct serve_app *a)
{
    pthread_mutex_lock(&a->lock);
    bool stop = a->stop;
    pthread_mutex_unlock(&a->lock);
    return stop;
}

/* A session's notice (a cache file rebuilt) goes to the service's log. */
static void on_notice(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "kgmatch: serve: %s\n", msg);
}

static kg_status gen_load(struct serve_app *a, struct gen **out, char *err,
                          size_t errlen)
{
    struct gen *gn = kg_xcalloc(1, sizeof *gn);
    kg_status st = KG_OK;
    *out = NULL;
    pthread_mutex_init(&gn->cache_lock, NULL);
    gn->ncache = (a->cache_slots + CACHE_WAYS - 1) / CACHE_WAYS * CACHE_WAYS;
    gn->cache = kg_xcalloc(gn->ncache ? gn->ncache : 1, sizeof *gn->cache);
    gn->nw = a->workers;
    gn->w = kg_xcalloc(gn->nw, sizeof *gn->w);
    for (size_t i = 0; i < gn->nw && st == KG_OK; i++) {
        struct serve_worker *w = &gn->w[i];
        if (stopping(a)) { /* shutting down */
            snprintf(err, errlen, "stopped");
            st = KG_EBUSY;
            break;
        }
        struct app_opts ao = {
            .db_path = a->db_path, .config = a->config, .notice = on_notice};
        struct app_match_opts mo = {.top = 1};
        struct app_index_opts io = {0};
        struct app_sink none = {0};
        w->gen = gn;
        st = app_open(&ao, &w->a);
        /* The version first: data that lands while the graph builds makes
         * the next check reload again rather than be missed. */
        if (st == KG_OK && i == 0)
            st = app_version(w->a, &gn->version);
        if (st == KG_OK)
            st = app_match_text(w->a, "warm", &mo, &none);
        if (st == KG_OK)
            st = app_index_open(w->a, &io, NULL);
        if (st == KG_OK && i == 0) {
            struct index_info ii;
            app_index_info(w->a, &ii);
            gn->docs = ii.docs;
        }
        if (st != KG_OK && w->a) {
            snprintf(err, errlen, "%s", app_last_error(w->a));
            break;
        }
        w->next_free = gn->free;
        gn->free = w;
    }
    if (st != KG_OK) {
        gen_free(gn);
        return st;
    }
    stamp_all(a, &gn->files);
    gn->loaded_at = kg_monotonic();
    gn->refs = 1;
    *out = gn;
    return KG_OK;
}

/* Drops one reference (the caller holds the lock); the last hands the
 * generation to the reaper. */
static void gen_unref(struct serve_app *a, struct gen *gn)
{
    if (--gn->refs)
        return;
    gn->next_dead = a->dead;
    a->dead = gn;
    pthread_cond_signal(&a->reap);
}

static void gen_drop(struct serve_app *a, struct gen *gn)
{
    pthread_mutex_lock(&a->lock);
    gen_unref(a, gn);
    pthread_mutex_unlock(&a->lock);
}

/* Frees a list of dead generations. */
static void gen_free_dead(struct gen *gn)
{
    for (struct gen *next; gn; gn = next) {
        next = gn->next_dead;
        gen_free(gn);
    }
}

static void *reaper_main(void *arg)
{
    struct serve_app *a = arg;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->dead && !a->reaper_stop)
            pthread_cond_wait(&a->reap, &a->lock);
        struct gen *dead = a->dead;
        a->dead = NULL;
        if (!dead)
            break;
        pthread_mutex_unlock(&a->lock);
        gen_free_dead(dead);
        pthread_mutex_lock(&a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

/* The serving generation, held (give it back with gen_drop), and how many
 * reloads brought it (NULL: not wanted). */
static struct gen *cur_hold(struct serve_app *a, uint64_t *reloads)
{
    pthread_mutex_lock(&a->lock);
    struct gen *gn = a->cur;
    gn->refs++;
    if (reloads)
        *reloads = a->reloads;
    pthread_mutex_unlock(&a->lock);
    return gn;
}

static void cache_put_used(struct serve_worker *w, const char *key,
                           const char *body, size_t len, uint64_t used);

/* A kept answer's key and when it was last used. */
struct kept {
    uint64_t used;
    char *key;
};

static int cmp_kept(const void *x, const void *y)
{
    const struct kept *a = x, *b = y;
    return a->used < b->used ? 1 : a->used > b->used ? -1 : 0;
}

/* The keys gn keeps, the most recently used first (*n of them), and gn's
 * clock, which moves with every use (NULL: not wanted). */
static struct kept *kept_keys(struct gen *gn, size_t *n, uint64_t *clock)
{
    struct kept *k = kg_xcalloc(gn->ncache ? gn->ncache : 1, sizeof *k);
    *n = 0;
    pthread_mutex_lock(&gn->cache_lock);
    for (size_t i = 0; i < gn->ncache; i++)
        if (gn->cache[i].key)
            k[(*n)++] =
                (struct kept){gn->cache[i].used, kg_xstrdup(gn->cache[i].key)};
    if (clock)
        *clock = gn->clock;
    pthread_mutex_unlock(&gn->cache_lock);
    qsort(k, *n, sizeof *k, cmp_kept);
    return k;
}

static void kept_free(struct kept *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(k[i].key);
    free(k);
}

/* What a warm-up did with its keys: answered, or left out and why (the
 * rest were not reached in its time). */
struct warm_tally {
    size_t done, stale, unknown, failed;
    size_t first_at; /* the most recently used of the failed keys: */
    struct serve_replay_why first_failed;
};

/* Keys answered again on a generation not yet serving, shared by the
 * workers that answer them. */
struct warm_job {
    struct serve_app *a;
    const struct kept *k;
    size_t n, next; /* next under lock */
    double until;
    struct warm_tally tally; /* under lock */
    pthread_mutex_t lock;
};

struct warm_part {
    struct warm_job *j;
    struct serve_worker *w;
};

/* Takes the next key until they or the time run out; each answer goes to
 * the cache at its key's place in the order of use (the first key the most
 * recent), so the warm cache evicts in the order the old one would. */
static void *warm_part_main(void *arg)
{
    struct warm_part *p = arg;
    struct warm_job *j = p->j;
    app_set_deadline(p->w->a, j->until);
    for (;;) {
        if (kg_monotonic() >= j->until || stopping(j->a))
            break;
        pthread_mutex_lock(&j->lock);
        size_t i = j->next < j->n ? j->next++ : j->n;
        pthread_mutex_unlock(&j->lock);
        if (i == j->n)
            break;
        size_t len;
        struct serve_replay_why why = {0};
        char *body = j->a->replay(p->w, j->k[i].key, &len, &why);
        if (body)
            cache_put_used(p->w, j->k[i].key, body, len, j->n - i);
        pthread_mutex_lock(&j->lock);
        struct warm_tally *t = &j->tally;
        if (body)
            t->done++;
        else if (why.miss == SERVE_REPLAY_STALE)
            t->stale++;
        else if (why.miss != SERVE_REPLAY_FAILED)
            t->unknown++;
        else if (!t->failed++ || i < t->first_at) {
            t->first_at = i;
            t->first_failed = why;
        }
        pthread_mutex_unlock(&j->lock);
        free(body);
    }
    app_set_deadline(p->w->a, 0);
    return NULL;
}

/* Answers keys k (the most recently used first) on gn, not yet serving,
 * for up to `seconds` on its first `workers` workers (the calling thread is
 * one); *t says how many were answered and why the others were not. */
static void gen_warm_keys(struct serve_app *a, struct gen *gn,
                          const struct kept *k, size_t n, size_t workers,
                          double seconds, struct warm_tally *t)
{
    memset(t, 0, sizeof *t);
    if (!a->replay || !gn->ncache || !gn->nw || !n)
        return;
    if (workers > gn->nw)
        workers = gn->nw;
    struct warm_job j = {.a = a, .k = k, .n = n};
    j.until = kg_monotonic() + seconds;
    pthread_mutex_init(&j.lock, NULL);
    pthread_mutex_lock(&gn->cache_lock);
    if (gn->clock < n) /* the answers' places, below every use to come */
        gn->clock = n;
    pthread_mutex_unlock(&gn->cache_lock);
    struct warm_part *p = kg_xcalloc(workers, sizeof *p);
    pthread_t *th = kg_xcalloc(workers, sizeof *th);
    size_t started = 1;
    for (size_t i = 0; i < workers; i++)
        p[i] = (struct warm_part){&j, &gn->w[i]};
    while (started < workers &&
           pthread_create(&th[started], NULL, warm_part_main, &p[started]) == 0)
        started++;
    warm_part_main(&p[0]);
    for (size_t i = 1; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    free(p);
    pthread_mutex_destroy(&j.lock);
    *t = j.tally;
}

/* Says in the log how many of n keys a warm-up answered ("answered D of
 * the N <what> in S s", after how) and, for the others, why: of an earlier day,
 * not a key of this service, failing now (the first one's reason), or not
 * reached within `limit` seconds. */
static void warm_say(const struct warm_tally *t, size_t n, const char *how,
                     const char *what, double secs, double limit)
{
    struct kg_buf left;
    kg_buf_init(&left);
    size_t late = n - t->done - t->stale - t->unknown - t->failed;
    if (t->stale)
        kg_buf_printf(&left, ", %zu of an earlier day", t->stale);
    if (t->unknown)
        kg_buf_printf(&left, ", %zu not a request this service keeps",
                      t->unknown);
    if (t->failed)
        kg_buf_printf(&left, ", %zu failing now (the first: %s)", t->failed,
                      t->first_failed.msg);
    if (late)
        kg_buf_printf(&left, ", %zu not reached in %.0f s", late, limit);
    fprintf(stderr,
            "kgmatch: serve: %sanswered %zu of the %zu %s in %.1f s%s%s\n", how,
            t->done, n, what, secs, left.len ? "; left out: " : "",
            left.len ? left.data + 2 : "");
    kg_buf_release(&left);
}

/* Answers the keys the serving generation keeps on gn (a reload), on one
 * of its workers, for up to SERVE_RELOAD_WARM_SECONDS: the serving
 * generation's keep answering meanwhile. */
static void gen_warm(struct serve_app *a, struct gen *gn)
{
    struct gen *cur = cur_hold(a, NULL);
    size_t n;
    struct kept *k = kept_keys(cur, &n, NULL);
    gen_drop(a, cur);
    double t0 = kg_monotonic();
    struct warm_tally t;
    gen_warm_keys(a, gn, k, n, 1, SERVE_RELOAD_WARM_SECONDS, &t);
    if (n)
        warm_say(&t, n, "reload: ", "kept requests on the new data",
                 kg_monotonic() - t0, SERVE_RELOAD_WARM_SECONDS);
    kept_free(k, n);
}

/* ---- the kept requests across restarts ----------------------------------- */

/* The warm file: this line, then a key a line (the most recently used
 * first), with backslash and newline escaped as \\ and \n. */
#define WARM_HEADER "kgmatch-kept-requests 1"

/* Saves the serving generation's keys to the warm file when they or their
 * order changed since the last save; an empty cache leaves the file as it
 * is (a restart then warms from the last list). A failure goes to the log:
 * the file is a cache. */
static void warm_save(struct serve_app *a)
{
    if (!a->warm_file || !a->cache_slots)
        return;
    uint64_t reloads, clock;
    struct gen *gn = cur_hold(a, &reloads);
    size_t n;
    struct kept *k = kept_keys(gn, &n, &clock);
    gen_drop(a, gn);
    bool same =
        a->saved && reloads == a->saved_reloads && clock == a->saved_clock;
    struct outfile *o = NULL;
    char err[600] = "";
    if (!same && n &&
        outfile_open(a->warm_file, &o, err, sizeof err) == KG_OK) {
        FILE *f = outfile_stream(o);
        fputs(WARM_HEADER "\n", f);
        for (size_t i = 0; i < n; i++) {
            for (const char *c = k[i].key; *c; c++)
                if (*c == '\\' || *c == '\n')
                    fputs(*c == '\\' ? "\\\\" : "\\n", f);
                else
                    putc(*c, f);
            putc('\n', f);
        }
        if (outfile_commit(o, err, sizeof err) == KG_OK) {
            a->saved = true;
            a->saved_reloads = reloads;
            a->saved_clock = clock;
        }
    }
    if (err[0] && !a->save_failed) /* once, not every minute */
        fprintf(stderr, "kgmatch: serve: kept requests not saved: %s\n", err);
    a->save_failed = err[0] != '\0';
    kept_free(k, n);
}

/* Undoes warm_save's escapes in place; false for a stray backslash. */
static bool warm_unescape(char *s)
{
    char *out = s;
    for (const char *c = s; *c; c++) {
        if (*c != '\\') {
            *out++ = *c;
            continue;
        }
        c++;
        if (*c != '\\' && *c != 'n')
            return false;
        *out++ = *c == 'n' ? '\n' : '\\';
    }
    *out = '\0';
    return true;
}

/* Reads the warm file into *n keys (at most the cache's slots); a missing
 * file is none, a file that is not one is named in the log and ignored. */
static struct kept *warm_read(struct serve_app *a, size_t *n)
{
    *n = 0;
    size_t max = a->cache_slots;
    FILE *f = a->warm_file && max ? fopen(a->warm_file, "r") : NULL;
    if (!f) {
        if (a->warm_file && max && errno != ENOENT)
            fprintf(stderr, "kgmatch: serve: %s: %s; starting cold\n",
                    a->warm_file, strerror(errno));
        return NULL;
    }
    struct kept *k = kg_xcalloc(max, sizeof *k);
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    while (*n < max && (len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        if (lineno == 1 && strcmp(line, WARM_HEADER) != 0) {
            fprintf(stderr,
                    "kgmatch: serve: %s: line 1: not a list of kept "
                    "requests (no '" WARM_HEADER "'); starting cold\n",
                    a->warm_file);
            break;
        }
        if (lineno == 1)
            continue;
        if (!warm_unescape(line) || !*line) {
            fprintf(stderr,
                    "kgmatch: serve: %s: line %zu: not a kept "
                    "request; left out\n",
                    a->warm_file, lineno);
            continue;
        }
        k[*n] = (struct kept){0, kg_xstrdup(line)};
        (*n)++;
    }
    free(line);
    fclose(f);
    return k;
}

/* At the start: answers the requests the warm file lists on every worker
 * before the service serves. */
static void warm_start(struct serve_app *a)
{
    size_t n;
    struct kept *k = warm_read(a, &n);
    if (!n) {
        free(k);
        return;
    }
    double t0 = kg_monotonic();
    struct warm_tally t;
    gen_warm_keys(a, a->cur, k, n, a->cur->nw, SERVE_WARM_SECONDS, &t);
    char *what = kg_xasprintf("requests kept in %s", a->warm_file);
    warm_say(&t, n, "", what, kg_monotonic() - t0, SERVE_WARM_SECONDS);
    free(what);
    kept_free(k, n);
}

/* Whether the store's version (read on w's connection), the index or the
 * graph file (stamped now) differs from what w's generation loaded; false
 * with *read false when the version cannot be read. */
static bool gen_moved(struct serve_worker *w, const struct stamps *now,
                      bool *read)
{
    int64_t v = 0;
    *read = app_version(w->a, &v) == KG_OK;
    const struct gen *gn = w->gen;
    return *read && (v != gn->version ||
                     !stamp_eq(&now->f[F_IDX], &gn->files.f[F_IDX]) ||
                     !stamp_eq(&now->f[F_SEGS], &gn->files.f[F_SEGS]) ||
                     !stamp_eq(&now->f[F_GRAPH], &gn->files.f[F_GRAPH]));
}

/* Whether the serving generation is behind the files (or cannot tell: no
 * free worker, or the version not read). Requests on the old data ask for
 * a reload while one loads, when the data moved since theirs: the one that
 * took over may already be what they asked for. */
static bool cur_moved(struct serve_app *a)
{
    struct serve_worker *w;
    if (serve_app_acquire(a, 0, &w) != KG_OK)
        return true;
    struct stamps now;
    stamp_all(a, &now);
    bool read;
    bool moved = gen_moved(w, &now, &read);
    serve_app_release(a, w);
    return moved || !read;
}

static void *reloader_main(void *arg)
{
    struct serve_app *a = arg;
    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->want_reload && !a->stop) {
            struct timespec t =
                timespec_at(kg_monotonic() + SERVE_WARM_SAVE_SECONDS);
            if (pthread_cond_timedwait(&a->wanted, &a->lock, &t) == ETIMEDOUT) {
                pthread_mutex_unlock(&a->lock);
                warm_save(a); /* nothing without a warm file */
                pthread_mutex_lock(&a->lock);
            }
        }
        if (a->stop)
            break;
        a->want_reload = false;
        pthread_mutex_unlock(&a->lock);
        if (!cur_moved(a)) {
            pthread_mutex_lock(&a->lock);
            continue;
        }
        char err[512] = "";
        struct gen *gn = NULL;
        double t0 = kg_monotonic();
        kg_status st = gen_load(a, &gn, err, sizeof err);
        if (st == KG_OK)
            gen_warm(a, gn);
        if (st != KG_OK && !stopping(a))
            fprintf(stderr,
                    "kgmatch: serve: reload failed (still serving "
                    "the data loaded before): %s\n",
                    err);
        pthread_mutex_lock(&a->lock);
        if (st == KG_OK) {
            gen_unref(a, a->cur);
            a->cur = gn;
            a->reloads++;
            pthread_cond_broadcast(&a->freed);
        } else {
            a->reload_fail++;
            memset(&a->seen, 0, sizeof a->seen); /* check again */
        }
        pthread_mutex_unlock(&a->lock);
        if (st == KG_OK)
            fprintf(stderr,
                    "kgmatch: serve: serving data version %lld (loaded and "
                    "warmed in %.1f s)\n",
                    (long long)gn->version, kg_monotonic() - t0);
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
    app_resident(); /* each worker's arrays cleared as it loads */
    a->db_path = kg_xstrdup(o->db_path);
    a->path[F_DB] = kg_xstrdup(o->db_path);
    a->path[F_WAL] = kg_xasprintf("%s-wal", o->db_path);
    a->path[F_IDX] = kg_xasprintf("%s.idx", o->db_path);
    a->path[F_SEGS] = kg_xasprintf("%s.idx.segs", o->db_path);
    a->path[F_GRAPH] = app_graph_cache_path(o->db_path);
    a->config = o->config ? kg_xstrdup(o->config) : NULL;
    a->workers = o->workers ? o->workers : 1;
    a->cache_slots = o->cache_slots;
    a->replay = o->replay;
    a->warm_file = o->warm_file && o->replay ? kg_xstrdup(o->warm_file) : NULL;
    pthread_mutex_init(&a->lock, NULL);
    /* Requests wait for a worker until their deadline, a kg_monotonic()
     * time: the same clock. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&a->freed, &ca);
    pthread_cond_init(&a->landed, &ca);
    pthread_cond_init(&a->wanted, &ca); /* the warm file's saves */
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&a->reap, NULL);
    stamp_all(a, &a->seen);
    kg_status st = gen_load(a, &a->cur, err, errlen);
    if (st == KG_OK) {
        warm_start(a);
        int rc = pthread_create(&a->reaper, NULL, reaper_main, a);
        a->has_reaper = rc == 0;
        if (rc == 0)
            rc = pthread_create(&a->reloader, NULL, reloader_main, a);
        a->has_reloader = a->has_reaper && rc == 0;
        if (rc) { /* pthread_create returns the error, errno is not set */
            snprintf(err, errlen, "cannot start a thread: %s", strerror(rc));
            st = KG_EINTERNAL;
        }
    }
    if (st != KG_OK) {
        serve_app_free(a);
        return st;
    }
    *out = a;
    return KG_OK;
}

void serve_app_quiesce(struct serve_app *a)
{
    pthread_mutex_lock(&a->lock);
    a->stop = true;
    pthread_cond_signal(&a->wanted);
    pthread_mutex_unlock(&a->lock);
}

/* Sets *flag under the lock, wakes the thread waiting on c, joins it. */
static void thread_stop(struct serve_app *a, bool *flag, pthread_cond_t *c,
                        pthread_t t)
{
    pthread_mutex_lock(&a->lock);
    *flag = true;
    pthread_cond_signal(c);
    pthread_mutex_unlock(&a->lock);
    pthread_join(t, NULL);
}

void serve_app_free(struct serve_app *a)
{
    if (!a)
        return;
    if (a->has_reloader)
        thread_stop(a, &a->stop, &a->wanted, a->reloader);
    if (a->has_reaper) /* after the reloader, which may hand it one */
        thread_stop(a, &a->reaper_stop, &a->reap, a->reaper);
    gen_free_dead(a->dead);
    if (a->cur)
        warm_save(a);
    gen_free(a->cur);
    for (struct flight *f = a->flights, *next; f; f = next) {
        next = f->next;
        free(f->key);
        free(f);
    }
    pthread_cond_destroy(&a->wanted);
    pthread_cond_destroy(&a->reap);
    pthread_cond_destroy(&a->freed);
    pthread_cond_destroy(&a->landed);
    pthread_mutex_destroy(&a->lock);
    for (int i = 0; i < F_COUNT; i++)
        free(a->path[i]);
    free(a->config);
    free(a->warm_file);
    free(a->db_path);
    free(a);
}

/* Asks for a reload when the files moved and the store's version, the
 * index or the graph file differs from what w's generation loaded. A
 * cheap stat() per request when nothing moved. */
static void check_fresh(struct serve_app *a, struct serve_worker *w)
{
    struct stamps now;
    stamp_all(a, &now);
    pthread_mutex_lock(&a->lock);
    bool same = memcmp(&now, &a->seen, sizeof now) == 0;
    pthread_mutex_unlock(&a->lock);
    if (same)
        return;
    bool read;
    bool moved = gen_moved(w, &now, &read);
    if (!read)
        return; /* a read that fails now is answered by the request */
    pthread_mutex_lock(&a->lock);
    /* Unmoved but just written: the commit may not be visible yet, so the
     * next request checks again (else a commit published after this read
     * would never be checked: its files would stamp as seen). */
    if (moved || !stamps_racy(&now))
        a->seen = now;
    if (moved && w->gen == a->cur) {
        a->want_reload = true;
        pthread_cond_signal(&a->wanted);
    }
    pthread_mutex_unlock(&a->lock);
}

kg_status serve_app_acquire(struct serve_app *a, double deadline,
                            struct serve_worker **out)
{
    struct timespec until = timespec_at(deadline);
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
    app_set_deadline(w->a, deadline);
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
    gen_unref(a, gn);
    pthread_cond_signal(&a->freed);
    pthread_mutex_unlock(&a->lock);
}

struct app_session *serve_worker_session(struct serve_worker *w)
{
    return w->a;
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
    info->docs = gn->docs;
    info->cache_hits = a->cache_hits;
    info->cache_misses = a->cache_misses;
    info->reloads = a->reloads;
    info->reload_fail = a->reload_fail;
    pthread_mutex_unlock(&a->lock);
}

/* ---- the answer cache ---------------------------------------------------- */

static uint64_t key_hash(const char *key)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

/* The slot holding key in its set, or (want_free) the one to take: an
 * empty one, else the least recently used. The caller holds cache_lock. */
static struct cache_slot *cache_slot_of(struct gen *gn, uint64_t h,
                                        const char *key, bool want_free)
{
    struct cache_slot *set =
        &gn->cache[h % (gn->ncache / CACHE_WAYS) * CACHE_WAYS];
    struct cache_slot *old = set;
    for (size_t i = 0; i < CACHE_WAYS; i++) {
        struct cache_slot *c = &set[i];
        if (c->key && c->hash == h && strcmp(c->key, key) == 0)
            return c;
        if (!c->key ? old->key != NULL : old->key && c->used < old->used)
            old = c;
    }
    return want_free ? old : NULL;
}

char *serve_app_cache_get(struct serve_app *a, const char *key, size_t *len)
{
    char *body = NULL;
    if (!a->cache_slots)
        return NULL;
    /* A file moved since the last check (another process writing): a free
     * worker's check notes it (and may start a reload). Without a free one
     * the next request's will; a kept answer never waits for a worker. */
    struct stamps now;
    stamp_all(a, &now);
    pthread_mutex_lock(&a->lock);
    bool moved = memcmp(&now, &a->seen, sizeof now) != 0;
    pthread_mutex_unlock(&a->lock);
    struct serve_worker *check;
    if (moved && serve_app_acquire(a, 0, &check) == KG_OK)
        serve_app_release(a, check);
    struct gen *gn = cur_hold(a, NULL);
    pthread_mutex_lock(&gn->cache_lock);
    struct cache_slot *c = cache_slot_of(gn, key_hash(key), key, false);
    if (c) {
        c->used = ++gn->clock;
        body = kg_xmalloc(c->len ? c->len : 1);
        memcpy(body, c->body, c->len);
        *len = c->len;
    }
    pthread_mutex_unlock(&gn->cache_lock);
    pthread_mutex_lock(&a->lock);
    if (body)
        a->cache_hits++;
    else
        a->cache_misses++;
    gen_unref(a, gn);
    pthread_mutex_unlock(&a->lock);
    return body;
}

static struct flight **flight_find(struct serve_app *a, const char *key)
{
    struct flight **f = &a->flights;
    while (*f && strcmp((*f)->key, key) != 0)
        f = &(*f)->next;
    return f;
}

bool serve_app_flight_begin(struct serve_app *a, const char *key,
                            double deadline)
{
    if (!a->cache_slots)
        return true; /* nothing to wait for: an answer would not be kept */
    struct timespec until = timespec_at(deadline);
    pthread_mutex_lock(&a->lock);
    bool waited = false;
    int rc = 0;
    while (*flight_find(a, key) && rc == 0) {
        waited = true;
        rc = pthread_cond_timedwait(&a->landed, &a->lock, &until);
    }
    if (!waited) {
        struct flight *f = kg_xcalloc(1, sizeof *f);
        f->key = kg_xstrdup(key);
        f->next = a->flights;
        a->flights = f;
    }
    pthread_mutex_unlock(&a->lock);
    return !waited;
}

void serve_app_flight_end(struct serve_app *a, const char *key)
{
    pthread_mutex_lock(&a->lock);
    struct flight **p = flight_find(a, key), *f = *p;
    if (f)
        *p = f->next;
    pthread_cond_broadcast(&a->landed);
    pthread_mutex_unlock(&a->lock);
    if (f)
        free(f->key);
    free(f);
}

/* Keeps an answer in w's generation: used 0 takes the generation's clock
 * (a use now), else that place in the order of use. */
static void cache_put_used(struct serve_worker *w, const char *key,
                           const char *body, size_t len, uint64_t used)
{
    struct gen *gn = w->gen;
    if (!gn->ncache || len > SERVE_CACHE_MAX_BODY)
        return;
    uint64_t h = key_hash(key);
    char *k = kg_xstrdup(key), *b = kg_xmalloc(len ? len : 1);
    memcpy(b, body, len);
    pthread_mutex_lock(&gn->cache_lock);
    struct cache_slot *c = cache_slot_of(gn, h, key, true);
    /* A warmed answer does not evict a more recently used one of a full
     * set: it goes instead. */
    if (used && c->key && c->used > used && strcmp(c->key, key) != 0) {
        pthread_mutex_unlock(&gn->cache_lock);
        free(k);
        free(b);
        return;
    }
    char *old_k = c->key, *old_b = c->body;
    *c = (struct cache_slot){h, used ? used : ++gn->clock, k, b, len};
    pthread_mutex_unlock(&gn->cache_lock);
    free(old_k);
    free(old_b);
}

void serve_app_cache_put(struct serve_worker *w, const char *key,
                         const char *body, size_t len)
{
    cache_put_used(w, key, body, len, 0);
}

/* ---- use cases ---------------------------------------------------------- */

/* The adapter: the routes' requests as app/ use cases, their results as
 * the JSON the CLI prints (its own sinks), the session's message in err. */

static kg_status app_failed(struct serve_worker *w, kg_status st, char *err,
                            size_t errlen)
{
    snprintf(err, errlen, "%s", app_last_error(w->a));
    return st;
}

static struct app_match_opts match_opts(const struct serve_match *q)
{
    return (struct app_match_opts){.kinds = q->kinds,
                                   .top = q->top,
                                   .cross_only = q->cross_only,
                                   .explain = true,
                                   .min_score_set = q->min_score_set,
                                   .min_score = q->min_score};
}

kg_status serve_app_match(struct serve_worker *w, const struct serve_match *q,
                          json_t **out, char *err, size_t errlen)
{
    struct app_match_opts mo = match_opts(q);
    struct cli_match_out o;
    struct app_sink sink;
    *out = NULL;
    cli_match_out_init(&o, CLI_JSON, true, false, &sink);
    kg_status st = q->text ? app_match_text(w->a, q->text, &mo, &sink)
                           : app_match_demands(w->a, &q->demand, 1, &mo, &sink);
    if (st == KG_OK)
        *out = json_pack("{s:O}", "demands", o.demands);
    cli_match_out_finish(&o, false);
    return st == KG_OK ? st : app_failed(w, st, err, errlen);
}

kg_status serve_app_enterprise(struct serve_worker *w, const char *name,
                               bool closed_too, const struct serve_match *q,
                               json_t **out, char *err, size_t errlen)
{
    struct app_match_opts mo = match_opts(q);
    struct cli_match_out o;
    struct app_sink sink;
    char *id = NULL;
    size_t nd = 0;
    *out = NULL;
    cli_match_out_init(&o, CLI_JSON, true, false, &sink);
    kg_status st = app_query(w->a, name, closed_too, &mo, &sink, &id, &nd);
    if (st == KG_OK)
        *out = json_pack("{s:s, s:O}", "enterprise", id, "demands", o.demands);
    cli_match_out_finish(&o, false);
    free(id);
    return st == KG_OK ? st : app_failed(w, st, err, errlen);
}

struct partners_out {
    json_t *arr;
    char *group; /* the demand or enterprise */
};

static void partners_begin(void *ctx, const struct app_group *g)
{
    struct partners_out *o = ctx;
    free(o->group);
    o->group = kg_xstrdup(g->id ? g->id : "");
}

static void partners_hit(void *ctx, const struct app_group *g,
                         const struct app_hit *h)
{
    struct partners_out *o = ctx;
    (void)g;
    json_array_append_new(o->arr, cli_partner_json(h));
}

kg_status serve_app_partners(struct serve_worker *w, const char *demand,
                             const char *enterprise, size_t top, json_t **out,
                             char *err, size_t errlen)
{
    struct partners_out o = {json_array(), NULL};
    struct app_sink sink = {
        .begin = partners_begin, .hit = partners_hit, .ctx = &o};
    struct app_partner_opts po = {
        .demand = demand, .enterprise = enterprise, .top = top};
    *out = NULL;
    kg_status st = app_partners(w->a, &po, &sink);
    if (st == KG_OK)
        *out = enterprise ? json_pack("{s:s, s:O}", "enterprise",
                                      o.group ? o.group : "", "partners", o.arr)
                          : json_pack("{s:O}", "partners", o.arr);
    json_decref(o.arr);
    free(o.group);
    return st == KG_OK ? st : app_failed(w, st, err, errlen);
}
