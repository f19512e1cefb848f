/*
 * serve.h - what the files of `kgmatch serve` share: the engine that keeps
 * the store, graph, indexes and matchers resident and swaps them when the
 * data moves (serve_app.c, the one adapter to the use cases), the request
 * the routes see and answer (serve_api.c), and the embedded web page
 * (serve_page.c). The HTTP plumbing is serve.c.
 */
#ifndef KG_SERVE_H
#define KG_SERVE_H

#include <stdio.h>

#include "app/app.h"

struct json_t;

/* ---- the engine (serve_app.c) ------------------------------------------ */

struct serve_app;
struct serve_worker;

/* Why serve_app_opts.replay did not answer a key again. */
enum serve_replay_miss {
    SERVE_REPLAY_STALE = 1, /* an answer of an earlier day */
    SERVE_REPLAY_UNKNOWN,   /* not a key the routes make */
    SERVE_REPLAY_FAILED,    /* the request fails now: msg says how */
};
struct serve_replay_why {
    enum serve_replay_miss miss;
    char msg[160];
};

struct serve_app_opts {
    const char *db_path;
    const char *config; /* matcher settings file, or NULL */
    unsigned workers;   /* requests served at once */
    size_t cache_slots; /* answers kept per generation; 0: none */
    /* Answers a kept answer's key anew on w: the body (malloc'd) and its
     * length, or NULL for a key it does not answer again, with why. With
     * it, a reload answers the keys the serving generation keeps, the most
     * recently used first, for up to SERVE_RELOAD_WARM_SECONDS on the new
     * data before the new generation takes over: under load, a reload does not
     * send every popular request to a match at once. NULL: none. */
    char *(*replay)(struct serve_worker *w, const char *key, size_t *len,
                    struct serve_replay_why *why);
    /* Where the kept answers' keys are saved (every SERVE_WARM_SAVE_SECONDS
     * while they change, and at the end), and read back at the next start:
     * with replay, a restarted service answers them before it serves, for
     * up to SERVE_WARM_SECONDS on all its workers. NULL: none. */
    const char *warm_file;
};
/* A start's warm-up delays listening; a reload's only the new data, the
 * old keeping answering meanwhile (on one worker, beside the load, it
 * answers fewer a second than a start's on all of them). */
#define SERVE_WARM_SECONDS 5.0
#define SERVE_RELOAD_WARM_SECONDS 30.0
#define SERVE_WARM_SAVE_SECONDS 60.0

/*
 * Opens the store read-only, loads the graph and index and makes the
 * workers; starts the thread that reloads them when the store's data
 * version or the index or graph file moves. On failure returns the status
 * with a message in err and *out NULL.
 */
kg_status serve_app_open(const struct serve_app_opts *o, struct serve_app **out,
                         char *err, size_t errlen) KG_MUST_CHECK;
/* No reload starts from now on, and one under way stops at its next
 * worker (shutdown: the data loaded keeps answering the last requests). */
void serve_app_quiesce(struct serve_app *a);
/* Stops the reloader and frees everything; no worker may be held. */
void serve_app_free(struct serve_app *a);

/*
 * Borrows a worker of the newest generation, waiting until deadline (a
 * kg_monotonic() time; KG_EBUSY then), and notes whether the data moved
 * since it was loaded (the reloader then builds the next generation while
 * this one answers). The worker's matching gives up at the deadline too
 * (KG_ETIMEOUT from the use cases).
 */
kg_status serve_app_acquire(struct serve_app *a, double deadline,
                            struct serve_worker **w) KG_MUST_CHECK;
void serve_app_release(struct serve_app *a, struct serve_worker *w);

/* A worker's read-only session (for this thread only, while held). */
struct app_session *serve_worker_session(struct serve_worker *w);

/*
 * Answers of the matching routes, kept per generation: the data a
 * generation holds never changes, so an answer stays right until the
 * next reload drops them all. get returns a copy (caller frees) of the
 * answer stored under key in the current generation, or NULL; it never
 * waits for a worker, so a kept answer never waits behind a match. When a
 * data file moved since the last check, a free worker's check notes it
 * first (and may start a reload; the current generation answers until the
 * new one is loaded). put stores one in w's generation (not over
 * SERVE_CACHE_MAX_BODY bytes), evicting the slot's previous answer.
 */
#define SERVE_CACHE_MAX_BODY (64u << 10)
char *serve_app_cache_get(struct serve_app *a, const char *key, size_t *len);
void serve_app_cache_put(struct serve_worker *w, const char *key,
                         const char *body, size_t len);
/*
 * One computation per key at a time. begin returns true when the caller
 * is to compute key's answer (it must then call end, whatever happens),
 * false after waiting (until deadline at most) for another request
 * computing it: the caller then looks in the cache again. Without a
 * cache (--cache 0) every caller computes.
 */
bool serve_app_flight_begin(struct serve_app *a, const char *key,
                            double deadline);
void serve_app_flight_end(struct serve_app *a, const char *key);

/* What the loaded generation holds. */
struct serve_app_info {
    int64_t version;    /* the store version loaded */
    double loaded_at;   /* kg_monotonic() when it was loaded */
    double index_mtime; /* the index file's mtime (epoch s), 0 if none */
    uint64_t docs;      /* in the BM25 index */
    uint64_t cache_hits, cache_misses;
    uint64_t reloads;     /* generations loaded after the first */
    uint64_t reload_fail; /* reloads that failed (the old one stayed) */
};
void serve_app_info(struct serve_app *a, struct serve_app_info *info);

/* A match request: a demand, or free text. */
struct serve_match {
    const char *demand;
    const char *text;
    unsigned kinds; /* KG_KIND_BIT mask; 0: all four */
    size_t top;
    bool cross_only;
    bool min_score_set; /* min_score overrides the config's match.min_score */
    double min_score;
};

/*
 * The use cases the routes call. Each puts a new JSON value in *out, in the
 * shape `kgmatch match|partners --format json` prints, or returns
 * KG_ENOTFOUND (no such demand or enterprise), KG_EINPUT (an enterprise
 * name that fits several), or another failure, with a message in err.
 */
kg_status serve_app_match(struct serve_worker *w, const struct serve_match *q,
                          struct json_t **out, char *err,
                          size_t errlen) KG_MUST_CHECK;
/* The open demands (closed_too: all) of the enterprise named by id, name
 * or alias, matched as q says (q->demand and q->text unused). */
kg_status serve_app_enterprise(struct serve_worker *w, const char *name,
                               bool closed_too, const struct serve_match *q,
                               struct json_t **out, char *err,
                               size_t errlen) KG_MUST_CHECK;
/* Partner institutions, best top, for a demand or (demand NULL) the open
 * demands of an enterprise. */
kg_status serve_app_partners(struct serve_worker *w, const char *demand,
                             const char *enterprise, size_t top,
                             struct json_t **out, char *err,
                             size_t errlen) KG_MUST_CHECK;

/* ---- requests and routes (serve_api.c) --------------------------------- */

#define SERVE_MAX_BODY (1u << 20) /* bytes of a request body */
#define SERVE_MAX_QUERY 4096      /* bytes of a query string */
#define SERVE_MAX_TOP 100         /* top= */
#define SERVE_MAX_TEXT 2000       /* bytes of match text / search q */

/* Routes, as /metrics labels them. */
enum serve_route {
    SERVE_R_OTHER = 0,
    SERVE_R_PAGE,
    SERVE_R_HEALTHZ,
    SERVE_R_METRICS,
    SERVE_R_STATS,
    SERVE_R_MATCH,
    SERVE_R_ENTERPRISE,
    SERVE_R_PARTNERS,
    SERVE_R_SEARCH,
    SERVE_R_RECORDS,
    SERVE_R_DEMANDS,
    SERVE_R_FEEDBACK,
    SERVE_R_COUNT
};
const char *serve_route_name(enum serve_route r);

/* What a route handler gets: the parsed request and where to answer. */
struct serve_req {
    const char *method;
    const char *path;
    const char *body; /* POST body (NUL-terminated), or NULL */
    size_t body_len;
    /* The query argument called name (unescaped), or NULL. */
    const char *(*arg)(void *conn, const char *name);
    void *conn;
    bool authorized; /* a valid Bearer key came with the request */
    bool has_auth;   /* an Authorization header came at all */
    bool keys;       /* the server has API keys (writes are possible) */
    const char *db_path;
    struct serve_app *app;
    double deadline;    /* kg_monotonic() time the answer is due by */
    unsigned budget_ms; /* the budget behind it (for messages) */
    /* The answer: */
    unsigned status;
    char *content; /* owned; malloc'd */
    size_t content_len;
    const char *content_type;
    enum serve_route route;
    const char *allow; /* the Allow header of a 405 */
    bool timed_out;    /* the use case ran out of budget (503 timeout) */
};

/* Routes req and fills its answer (never fails: errors are answers). */
void serve_api_handle(struct serve_req *req);
/* serve_app_opts.replay for the routes' kept answers (match, enterprise
 * matches, partners; those of an earlier day are not answered again). */
char *serve_api_replay(struct serve_worker *w, const char *key, size_t *len,
                       struct serve_replay_why *why);
/* The answer {"error": {"code": code, "message": ...}} with status. */
void serve_api_error(struct serve_req *req, unsigned status, const char *code,
                     const char *fmt, ...) KG_PRINTF(4, 5);
/* The /metrics body's request counters are kept by serve.c. */
void serve_metrics_text(struct serve_req *req);

/* ---- libmicrohttpd, loaded on first use (mhd_lazy.c) -------------------- */

/* Loads libmicrohttpd if that was not yet tried; NULL when it is loaded,
 * else why it cannot be (the library, the loader's reason, the Debian
 * package). */
const char *serve_mhd_unavailable(void);

/* ---- the page (serve_page.c) ------------------------------------------- */

/* The embedded web page (HTML, UTF-8) and its length. */
const char *serve_page(size_t *len);

#endif
