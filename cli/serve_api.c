/*
 * serve_api.c - the routes of API v1 (docs/api.md): each parses its
 * arguments or JSON body, calls the engine (serve_app.c) or the store, and
 * serializes the answer or a JSON error {"error": {"code", "message"}}.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/serve.h"

static const char *const route_names[SERVE_R_COUNT] = {
    [SERVE_R_OTHER] = "other",
    [SERVE_R_PAGE] = "page",
    [SERVE_R_HEALTHZ] = "healthz",
    [SERVE_R_METRICS] = "metrics",
    [SERVE_R_STATS] = "stats",
    [SERVE_R_MATCH] = "match",
    [SERVE_R_ENTERPRISE] = "enterprise_matches",
    [SERVE_R_PARTNERS] = "partners",
    [SERVE_R_SEARCH] = "search",
    [SERVE_R_RECORDS] = "records",
    [SERVE_R_DEMANDS] = "demands",
    [SERVE_R_FEEDBACK] = "feedback",
};

const char *serve_route_name(enum serve_route r)
{
    return r < SERVE_R_COUNT ? route_names[r] : "other";
}

/* ---- answers ------------------------------------------------------------ */

/* An answer's body: v as JSON (v released); NULL when it cannot be. */
static char *body_of(json_t *v, size_t *len)
{
    char *b = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(6));
    *len = b ? strlen(b) : 0;
    json_decref(v);
    return b;
}

static void answer_json(struct serve_req *req, unsigned status, json_t *v)
{
    req->status = status;
    req->content_type = "application/json; charset=utf-8";
    req->content = body_of(v, &req->content_len);
}

void serve_api_error(struct serve_req *req, unsigned status, const char *code,
                     const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* A message quotes the request; keep the answer valid UTF-8. */
    msg[kg_utf8_valid_prefix(msg, strlen(msg))] = '\0';
    free(req->content);
    answer_json(
        req, status,
        json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

/* The HTTP answer to a failed use case. */
static void fail_status(struct serve_req *req, kg_status st, const char *msg)
{
    switch (st) {
    case KG_ENOTFOUND:
        serve_api_error(req, 404, "not_found", "%s", msg);
        break;
    case KG_EINPUT:
    case KG_EUSAGE:
    case KG_ELIMIT:
        serve_api_error(req, 400, "bad_request", "%s", msg);
        break;
    case KG_EBUSY:
        serve_api_error(req, 503, "busy", "%s", msg);
        break;
    case KG_ETIMEOUT:
        serve_api_error(req, 503, "timeout",
                        "the request ran over its time budget of %u ms "
                        "(%s)",
                        req->budget_ms, msg);
        req->timed_out = true;
        break;
    default:
        serve_api_error(req, 500, "internal", "%s", msg);
    }
}

/* ---- arguments ---------------------------------------------------------- */

/* Argument name, checked as UTF-8 of at most max bytes; NULL when absent.
 * On a bad value answers 400 and sets *bad. */
static const char *text_arg(struct serve_req *req, const char *name, size_t max,
                            bool *bad)
{
    const char *v = req->arg(req->conn, name);
    if (!v || *bad)
        return v;
    size_t n = strlen(v);
    if (!kg_utf8_valid(v, n)) {
        serve_api_error(req, 400, "bad_argument", "%s is not valid UTF-8",
                        name);
        *bad = true;
    } else if (n > max) {
        serve_api_error(req, 400, "bad_argument", "%s is over %zu bytes", name,
                        max);
        *bad = true;
    }
    return v;
}

static void top_arg(struct serve_req *req, size_t def, size_t *top, bool *bad)
{
    const char *v = req->arg(req->conn, "top");
    *top = def;
    if (!v || *bad)
        return;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || end == v || n < 1 || n > SERVE_MAX_TOP) {
        serve_api_error(req, 400, "bad_argument",
                        "top must be a whole number from 1 to %d",
                        SERVE_MAX_TOP);
        *bad = true;
        return;
    }
    *top = (size_t)n;
}

static void bool_arg(struct serve_req *req, const char *name, bool *out,
                     bool *bad)
{
    const char *v = req->arg(req->conn, name);
    *out = false;
    if (!v || *bad)
        return;
    if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || !*v)
        *out = true;
    else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
        *out = false;
    else {
        serve_api_error(req, 400, "bad_argument",
                        "%s must be true or false (1 or 0)", name);
        *bad = true;
    }
}

/* kind= for matching: achievement, patent, expert, institution (joined
 * with commas) or all. */
static void match_kinds_arg(struct serve_req *req, unsigned *kinds, bool *bad)
{
    const char *v = req->arg(req->conn, "kind");
    size_t at, len;
    *kinds = 0;
    if (!v || *bad || app_match_kinds(v, kinds, &at, &len) == KG_OK)
        return;
    serve_api_error(req, 400, "unknown_kind",
                    "unknown kind '%.*s' (" APP_MATCH_KINDS_NAMES ")",
                    (int)(len < 64 ? len : 64), v + at);
    *bad = true;
}

/* ---- read routes -------------------------------------------------------- */

/* Borrows a worker or answers 503. */
static struct serve_worker *worker(struct serve_req *req)
{
    struct serve_worker *w;
    if (serve_app_acquire(req->app, req->deadline, &w) != KG_OK) {
        serve_api_error(req, 503, "busy",
                        "every worker is busy; try again shortly");
        return NULL;
    }
    return w;
}

/* min_score= (0 to 1): hits scoring less are left out, as --min-score. */
static void min_score_arg(struct serve_req *req, struct serve_match *q,
                          bool *bad)
{
    const char *v = req->arg(req->conn, "min_score");
    if (!v || *bad)
        return;
    if (!kg_parse_real(v, 0, 1, &q->min_score)) {
        serve_api_error(req, 400, "bad_argument",
                        "min_score must be a number from 0 to 1");
        *bad = true;
        return;
    }
    q->min_score_set = true;
}

static void match_common(struct serve_req *req, struct serve_match *q,
                         bool *bad)
{
    match_kinds_arg(req, &q->kinds, bad);
    top_arg(req, 10, &q->top, bad);
    bool_arg(req, "cross_domain", &q->cross_only, bad);
    min_score_arg(req, q, bad);
}

/* The part of a cached answer's key that match_common's arguments make
 * (four fields; match_key_parse reads them back). */
static char *match_key(const struct serve_match *q)
{
    return kg_xasprintf("%u\x1f%zu\x1f%d\x1f%.17g", q->kinds, q->top,
                        q->cross_only, q->min_score_set ? q->min_score : -1.0);
}

static bool match_key_parse(char *const f[4], struct serve_match *q)
{
    char *e1, *e2, *e3;
    unsigned long kinds = strtoul(f[0], &e1, 10);
    unsigned long long top = strtoull(f[1], &e2, 10);
    double ms = strtod(f[3], &e3);
    q->kinds = (unsigned)kinds;
    q->top = (size_t)top;
    q->cross_only = strcmp(f[2], "1") == 0;
    q->min_score_set = ms >= 0;
    q->min_score = ms >= 0 ? ms : 0;
    return !*e1 && !*e2 && !*e3 && *f[0] && *f[1] && *f[3];
}

/* A matching use case run on a worker (the route's arguments in args). */
typedef kg_status (*use_case)(struct serve_worker *w, const void *args,
                              json_t **out, char *err, size_t errlen);

/* Answers from the generation's cache when the same request (key) was
 * answered since the data was loaded, else runs fn on a worker. */
static void run_cached(struct serve_req *req, char *key, use_case fn,
                       const void *args)
{
    size_t n = 0;
    char *hit = serve_app_cache_get(req->app, key, &n);
    /* The same request being answered: wait for it and look again; when
     * it failed or was not kept, compute it here (leading the next ones). */
    bool lead = false;
    for (int tries = 0; !hit && !lead && tries < 2; tries++) {
        lead = serve_app_flight_begin(req->app, key, req->deadline);
        if (!lead)
            hit = serve_app_cache_get(req->app, key, &n);
    }
    struct serve_worker *w = hit ? NULL : worker(req);
    if (hit) {
        req->status = 200;
        req->content_type = "application/json; charset=utf-8";
        req->content = hit;
        req->content_len = n;
    } else if (w) {
        json_t *out;
        char err[600];
        kg_status st = fn(w, args, &out, err, sizeof err);
        if (st != KG_OK) {
            fail_status(req, st, err);
        } else {
            answer_json(req, 200, out);
            if (req->content)
                serve_app_cache_put(w, key, req->content, req->content_len);
        }
        serve_app_release(req->app, w);
    }
    if (lead)
        serve_app_flight_end(req->app, key);
    free(key);
}

/* Today (YYYY-MM-DD): which demands are open depends on it. */
static void today(char out[11])
{
    char now[32];
    kg_now_iso(now);
    memcpy(out, now, 10);
    out[10] = '\0';
}

static kg_status do_match(struct serve_worker *w, const void *args,
                          json_t **out, char *err, size_t errlen)
{
    return serve_app_match(w, args, out, err, errlen);
}

/* The cache keys of the three matching routes: their arguments joined by
 * \x1f (serve_api_replay reads them back). The enterprise's and partners'
 * keys end with the day, on which the open demands depend. */
static char *match_request_key(const struct serve_match *q)
{
    char *mk = match_key(q);
    char *k =
        kg_xasprintf("match\x1f%s\x1f%s\x1f%s", q->demand ? q->demand : "",
                     q->text ? q->text : "", mk);
    free(mk);
    return k;
}

static void route_match(struct serve_req *req)
{
    struct serve_match q = {0};
    bool bad = false;
    q.demand = text_arg(req, "demand", 256, &bad);
    q.text = text_arg(req, "text", SERVE_MAX_TEXT, &bad);
    match_common(req, &q, &bad);
    if (bad)
        return;
    if ((q.demand && *q.demand) == (q.text && *q.text)) {
        serve_api_error(req, 400, "bad_argument",
                        "give demand=ID or text=TEXT (one of them)");
        return;
    }
    if (q.demand && !*q.demand)
        q.demand = NULL;
    if (q.text && !*q.text)
        q.text = NULL;
    run_cached(req, match_request_key(&q), do_match, &q);
}

struct enterprise_args {
    const char *name;
    bool closed;
    struct serve_match q;
};

static kg_status do_enterprise(struct serve_worker *w, const void *args,
                               json_t **out, char *err, size_t errlen)
{
    const struct enterprise_args *e = args;
    return serve_app_enterprise(w, e->name, e->closed, &e->q, out, err, errlen);
}

static char *enterprise_key(const struct enterprise_args *e)
{
    char day[11], *mk = match_key(&e->q);
    today(day);
    char *k = kg_xasprintf("enterprise\x1f%s\x1f%d\x1f%s\x1f%s", e->name,
                           e->closed, mk, day);
    free(mk);
    return k;
}

static void route_enterprise(struct serve_req *req, const char *name)
{
    struct enterprise_args e = {.name = name};
    bool bad = false;
    match_common(req, &e.q, &bad);
    bool_arg(req, "include_closed", &e.closed, &bad);
    if (bad)
        return;
    if (!kg_utf8_valid(name, strlen(name))) {
        serve_api_error(req, 400, "bad_argument",
                        "the enterprise is not valid UTF-8");
        return;
    }
    run_cached(req, enterprise_key(&e), do_enterprise, &e);
}

struct partners_args {
    const char *demand, *enterprise;
    size_t top;
};

static kg_status do_partners(struct serve_worker *w, const void *args,
                             json_t **out, char *err, size_t errlen)
{
    const struct partners_args *p = args;
    return serve_app_partners(w, p->demand, p->enterprise, p->top, out, err,
                              errlen);
}

static char *partners_key(const struct partners_args *p)
{
    char day[11];
    today(day);
    return kg_xasprintf("partners\x1f%s\x1f%s\x1f%zu\x1f%s",
                        p->demand ? p->demand : "",
                        p->enterprise ? p->enterprise : "", p->top, day);
}

static void route_partners(struct serve_req *req)
{
    bool bad = false;
    struct partners_args p = {0};
    p.demand = text_arg(req, "demand", 256, &bad);
    p.enterprise = text_arg(req, "enterprise", 256, &bad);
    top_arg(req, 10, &p.top, &bad);
    if (bad)
        return;
    if ((p.demand && *p.demand) == (p.enterprise && *p.enterprise)) {
        serve_api_error(req, 400, "bad_argument",
                        "give demand=ID or enterprise=ID-OR-NAME (one of "
                        "them)");
        return;
    }
    if (p.demand && !*p.demand)
        p.demand = NULL;
    if (p.enterprise && !*p.enterprise)
        p.enterprise = NULL;
    run_cached(req, partners_key(&p), do_partners, &p);
}

/* ---- kept answers answered again (the reloader's warm-up) ------------- */

/* Splits key (a copy, in place) at its separators into f; their number. */
static size_t key_fields(char *k, char **f, size_t max)
{
    size_t n = 0;
    for (char *p = k; n < max; p++) {
        f[n++] = p;
        p = strchr(p, '\x1f');
        if (!p)
            return n;
        *p = '\0';
    }
    return n + 1; /* more than max: no key of ours */
}

/* The keys of match_request_key, enterprise_key and partners_key; those
 * of an earlier day are not answered again. */
char *serve_api_replay(struct serve_worker *w, const char *key, size_t *len,
                       struct serve_replay_why *why)
{
    char *k = kg_xstrdup(key), *f[9], day[11];
    size_t n = key_fields(k, f, 9);
    today(day);
    kg_status st = KG_EUSAGE;
    enum serve_replay_miss miss = SERVE_REPLAY_UNKNOWN;
    json_t *out = NULL;
    char err[600] = "";
    if (n == 7 && strcmp(f[0], "match") == 0) {
        struct serve_match q = {.demand = *f[1] ? f[1] : NULL,
                                .text = *f[2] ? f[2] : NULL};
        if (match_key_parse(f + 3, &q)) {
            miss = SERVE_REPLAY_FAILED;
            st = do_match(w, &q, &out, err, sizeof err);
        }
    } else if (n == 8 && strcmp(f[0], "enterprise") == 0) {
        struct enterprise_args e = {.name = f[1],
                                    .closed = strcmp(f[2], "1") == 0};
        if (strcmp(f[7], day) != 0) {
            miss = SERVE_REPLAY_STALE;
        } else if (match_key_parse(f + 3, &e.q)) {
            miss = SERVE_REPLAY_FAILED;
            st = do_enterprise(w, &e, &out, err, sizeof err);
        }
    } else if (n == 5 && strcmp(f[0], "partners") == 0) {
        char *end;
        struct partners_args p = {.demand = *f[1] ? f[1] : NULL,
                                  .enterprise = *f[2] ? f[2] : NULL,
                                  .top = (size_t)strtoull(f[3], &end, 10)};
        if (strcmp(f[4], day) != 0) {
            miss = SERVE_REPLAY_STALE;
        } else if (!*end && *f[3]) {
            miss = SERVE_REPLAY_FAILED;
            st = do_partners(w, &p, &out, err, sizeof err);
        }
    }
    free(k);
    *len = 0;
    if (st == KG_OK)
        return body_of(out, len);
    if (why) {
        why->miss = miss;
        snprintf(why->msg, sizeof why->msg, "%s",
                 miss == SERVE_REPLAY_FAILED ? err : "");
    }
    return NULL;
}

static void route_search(struct serve_req *req)
{
    bool bad = false;
    size_t top;
    const char *q = text_arg(req, "q", SERVE_MAX_TEXT, &bad);
    const char *kind = req->arg(req->conn, "kind");
    unsigned kinds = 0;
    top_arg(req, 10, &top, &bad);
    if (bad)
        return;
    if (!q || !*q) {
        serve_api_error(req, 400, "bad_argument", "give q=TEXT");
        return;
    }
    size_t at, len;
    if (kind && record_kinds_parse(kind, APP_SEARCH_KINDS, &kinds, &at, &len) !=
                    KG_OK) {
        serve_api_error(req, 400, "unknown_kind",
                        "unknown kind '%.*s' (" APP_SEARCH_KINDS_NAMES ")",
                        (int)(len < 64 ? len : 64), kind + at);
        return;
    }
    struct serve_worker *w = worker(req);
    if (!w)
        return;
    struct app_session *a = serve_worker_session(w);
    struct app_search_hit *h = NULL;
    size_t n = 0;
    kg_status st = app_search(a, q, kinds, top, true, &h, &n, NULL);
    if (st != KG_OK) {
        fail_status(req, st, app_last_error(a));
        serve_app_release(req->app, w);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:I, s:s, s:s, s:f, s:s}", "rank",
                           (json_int_t)(i + 1), "kind",
                           record_kind_name(h[i].kind), "id", h[i].id, "score",
                           h[i].score, "label", h[i].label ? h[i].label : ""));
    app_search_free(h, n);
    serve_app_release(req->app, w);
    answer_json(req, 200, json_pack("{s:s, s:o}", "query", q, "hits", arr));
}

struct links {
    kg_kind kind;
    const char *id;
    json_t *arr;
};

static bool on_link(const struct store_link *l, void *ctx)
{
    struct links *ls = ctx;
    bool out = l->src_kind == ls->kind && strcmp(l->src_id, ls->id) == 0;
    json_array_append_new(
        ls->arr,
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "rel", store_rel_name(l->rel),
                  "direction", out ? "out" : "in", "kind",
                  record_kind_name(out ? l->dst_kind : l->src_kind), "id",
                  out ? l->dst_id : l->src_id, "label",
                  out ? l->dst_label : l->src_label));
    return true;
}

/* /api/v1/records/{kind}/{id}: as `kgmatch show KIND ID --format json`. */
static void route_record(struct serve_req *req, const char *rest)
{
    const char *slash = strchr(rest, '/');
    if (!slash || !slash[1] || strchr(slash + 1, '/')) {
        serve_api_error(req, 404, "not_found",
                        "records are at /api/v1/records/KIND/ID");
        return;
    }
    char kname[32];
    size_t kl = (size_t)(slash - rest);
    const char *id = slash + 1;
    kg_kind kind;
    if (kl >= sizeof kname)
        kl = sizeof kname - 1;
    memcpy(kname, rest, kl);
    kname[kl] = '\0';
    if (record_kind_parse(kname, &kind) != KG_OK) {
        serve_api_error(req, 400, "unknown_kind",
                        "unknown kind '%s' (institution, expert, "
                        "achievement, patent, enterprise, demand)",
                        kname);
        return;
    }
    if (!kg_utf8_valid(id, strlen(id))) {
        serve_api_error(req, 400, "bad_argument", "the id is not valid UTF-8");
        return;
    }
    struct serve_worker *w = worker(req);
    if (!w)
        return;
    struct app_session *a = serve_worker_session(w);
    struct kg_record r;
    struct store_info info = {0};
    record_init(&r, kind);
    struct links ls = {kind, id, json_array()};
    kg_status st = app_show(a, kind, id, &r, &info, on_link, &ls);
    if (st == KG_ENOTFOUND) {
        serve_api_error(req, 404, "not_found", "no %s '%.200s'",
                        record_kind_name(kind), id);
    } else if (st != KG_OK) {
        serve_api_error(req, 500, "internal", "%s", app_last_error(a));
    } else {
        char *body = record_to_json(&r);
        json_t *rec = json_loads(body, 0, NULL);
        free(body);
        answer_json(req, 200,
                    json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:o, s:O}",
                              "kind", record_kind_name(kind), "id", id, "stub",
                              info.stub, "source",
                              info.source ? info.source : "", "first_seen",
                              info.first_seen, "last_seen", info.last_seen,
                              "record", rec, "links", ls.arr));
    }
    json_decref(ls.arr);
    record_release(&r);
    store_info_release(&info);
    serve_app_release(req->app, w);
}

static void route_stats(struct serve_req *req)
{
    struct serve_worker *w = worker(req);
    if (!w)
        return;
    struct serve_app_info info;
    serve_app_info(req->app, &info);
    struct app_session *a = serve_worker_session(w);
    struct app_counts c;
    kg_status st = app_counts(a, &c);
    json_t *counts = json_object();
    for (int k = 0; k < KG_KIND_COUNT; k++)
        json_object_set_new(counts, record_kind_name((kg_kind)k),
                            json_integer(st == KG_OK ? c.records[k] : 0));
    if (st != KG_OK) {
        json_decref(counts);
        serve_api_error(req, 500, "internal", "%s", app_last_error(a));
    } else {
        answer_json(req, 200,
                    json_pack("{s:o, s:I, s:{s:I}, s:I}", "counts", counts,
                              "version", (json_int_t)info.version, "index",
                              "docs", (json_int_t)info.docs, "reloads",
                              (json_int_t)info.reloads));
    }
    serve_app_release(req->app, w);
}

static void route_healthz(struct serve_req *req)
{
    struct serve_app_info info;
    serve_app_info(req->app, &info);
    answer_json(req, 200,
                json_pack("{s:s, s:I}", "status", "ok", "version",
                          (json_int_t)info.version));
}

static void route_page(struct serve_req *req)
{
    size_t n;
    const char *page = serve_page(&n);
    req->status = 200;
    req->content_type = "text/html; charset=utf-8";
    req->content = kg_xmalloc(n ? n : 1);
    memcpy(req->content, page, n);
    req->content_len = n;
}

/* ---- write routes ------------------------------------------------------- */

/* 401 without a key, 403 with a wrong one (or when the server has none). */
static bool authorized(struct serve_req *req)
{
    if (!req->keys) {
        serve_api_error(req, 403, "forbidden",
                        "writes are off: the server was started without "
                        "--api-key-file");
        return false;
    }
    if (!req->has_auth) {
        serve_api_error(req, 401, "unauthorized",
                        "send Authorization: Bearer KEY");
        return false;
    }
    if (!req->authorized) {
        serve_api_error(req, 403, "forbidden", "the key is not valid");
        return false;
    }
    return true;
}

/* The body as a JSON object, or a 400 saying what is wrong. */
static json_t *body_object(struct serve_req *req)
{
    json_error_t je;
    if (!req->body || req->body_len == 0) {
        serve_api_error(req, 400, "bad_json", "the body is empty");
        return NULL;
    }
    if (!kg_utf8_valid(req->body, req->body_len)) {
        serve_api_error(req, 400, "bad_json", "the body is not valid UTF-8");
        return NULL;
    }
    json_t *o =
        json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        serve_api_error(req, 400, "bad_json",
                        "malformed JSON at line %d, column %d: %s", je.line,
                        je.column, je.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        serve_api_error(req, 400, "bad_json", "the body must be an object");
        return NULL;
    }
    return o;
}

/* A writable session for one write; NULL after answering 500. */
static struct app_session *open_rw(struct serve_req *req)
{
    struct app_opts ao = {.db_path = req->db_path, .mode = APP_WRITE};
    struct app_session *a;
    if (app_open(&ao, &a) != KG_OK) {
        serve_api_error(req, 500, "internal", "%s", app_last_error(a));
        app_close(a);
        return NULL;
    }
    return a;
}

static void route_demands(struct serve_req *req)
{
    if (!authorized(req))
        return;
    json_t *o = body_object(req);
    if (!o)
        return;
    json_t *kind = json_object_get(o, "kind");
    if (kind && !(json_is_string(kind) &&
                  strcmp(json_string_value(kind), "demand") == 0)) {
        json_decref(o);
        {
            serve_api_error(req, 400, "bad_field",
                            "field 'kind' must be \"demand\" (or left out)");
            return;
        }
    }
    json_object_del(o, "kind");
    /* The import codec takes a number for a text field; the API is strict. */
    const char *key;
    json_t *val;
    json_object_foreach (o, key, val) {
        const struct record_field *f = record_field_find(KG_DEMAND, key);
        if (f && f->type == RECORD_STR && !json_is_string(val) &&
            !json_is_null(val)) {
            serve_api_error(req, 400, "bad_field",
                            "field '%s' must be a string", f->name);
            json_decref(o);
            return;
        }
    }
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    struct kg_record r;
    char err[512];
    record_init(&r, KG_DEMAND);
    kg_status st = record_from_json(&r, text, strlen(text), err, sizeof err);
    free(text);
    if (st == KG_OK)
        st = record_validate(&r, err, sizeof err);
    if (st != KG_OK) {
        record_release(&r);
        {
            serve_api_error(req, 400, "bad_field", "%s", err);
            return;
        }
    }
    struct app_session *a = open_rw(req);
    enum store_upsert_result res = STORE_UNCHANGED;
    int64_t v = 0;
    if (a) {
        st = app_put(a, &r, "api", &res, &v);
        if (st != KG_OK)
            fail_status(req, st, app_last_error(a));
        else
            answer_json(req, res == STORE_ADDED ? 201 : 200,
                        json_pack("{s:s, s:s, s:I}", "id", r.id, "result",
                                  res == STORE_ADDED     ? "added"
                                  : res == STORE_UPDATED ? "updated"
                                                         : "unchanged",
                                  "version", (json_int_t)v));
        app_close(a);
    }
    record_release(&r);
}

static void route_feedback(struct serve_req *req)
{
    if (!authorized(req))
        return;
    json_t *o = body_object(req);
    if (!o)
        return;
    const char *demand, *kind, *item, *verdict, *note = NULL, *reason = NULL;
    json_error_t je;
    if (json_unpack_ex(o, &je, JSON_STRICT, "{s:s, s:s, s:s, s:s, s?s, s?s}",
                       "demand", &demand, "kind", &kind, "item", &item,
                       "verdict", &verdict, "note", &note, "reason",
                       &reason) != 0) {
        serve_api_error(req, 400, "bad_field",
                        "feedback is {\"demand\", \"kind\", \"item\", "
                        "\"verdict\": \"accept\"|\"decline\", \"reason\"?, "
                        "\"note\"?}: %s",
                        je.text);
        json_decref(o);
        return;
    }
    kg_kind k;
    bool accept = strcmp(verdict, "accept") == 0;
    if (record_kind_parse(kind, &k) != KG_OK || k == KG_DEMAND ||
        k == KG_ENTERPRISE) {
        serve_api_error(req, 400, "unknown_kind",
                        "unknown kind '%.64s' (achievement, patent, expert, "
                        "institution)",
                        kind);
    } else if (!accept && strcmp(verdict, "decline") != 0) {
        serve_api_error(req, 400, "bad_field",
                        "verdict must be \"accept\" or \"decline\"");
    } else if (reason && !app_feedback_reason_ok(reason)) {
        serve_api_error(req, 400, "bad_field",
                        "reason must be too-early-stage, not-relevant, "
                        "too-costly, already-known or other");
    } else if (note && strlen(note) > 2000) {
        serve_api_error(req, 400, "bad_field", "note is over 2000 bytes");
    } else {
        struct app_session *a = open_rw(req);
        struct app_feedback_opts fo = {.demand = demand,
                                       .kind = k,
                                       .item = item,
                                       .accept = accept,
                                       .reason = reason,
                                       .note = note};
        kg_status st = a ? app_feedback(a, &fo) : KG_OK;
        if (!a) {
            /* open_rw answered */
        } else if (st != KG_OK) {
            fail_status(req, st, app_last_error(a));
        } else {
            answer_json(req, 200,
                        json_pack("{s:s, s:s, s:s, s:s}", "demand", demand,
                                  "kind", record_kind_name(k), "item", item,
                                  "verdict", verdict));
        }
        app_close(a);
    }
    json_decref(o);
}

/* ---- routing ------------------------------------------------------------ */

struct route {
    const char *path; /* exact, or a prefix ending in '/' */
    enum serve_route id;
    const char *method;
};

static const struct route routes[] = {
    {"/", SERVE_R_PAGE, "GET"},
    {"/index.html", SERVE_R_PAGE, "GET"},
    {"/healthz", SERVE_R_HEALTHZ, "GET"},
    {"/metrics", SERVE_R_METRICS, "GET"},
    {"/api/v1/stats", SERVE_R_STATS, "GET"},
    {"/api/v1/match", SERVE_R_MATCH, "GET"},
    {"/api/v1/partners", SERVE_R_PARTNERS, "GET"},
    {"/api/v1/search", SERVE_R_SEARCH, "GET"},
    {"/api/v1/demands", SERVE_R_DEMANDS, "POST"},
    {"/api/v1/feedback", SERVE_R_FEEDBACK, "POST"},
    {"/api/v1/records/", SERVE_R_RECORDS, "GET"},
    {"/api/v1/enterprises/", SERVE_R_ENTERPRISE, "GET"},
};

void serve_api_handle(struct serve_req *req)
{
    const struct route *r = NULL;
    const char *rest = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0] && !r; i++) {
        size_t n = strlen(routes[i].path);
        bool prefix = n > 1 && routes[i].path[n - 1] == '/';
        if (prefix ? strncmp(req->path, routes[i].path, n) == 0
                   : strcmp(req->path, routes[i].path) == 0) {
            r = &routes[i];
            rest = req->path + n;
        }
    }
    if (r && r->id == SERVE_R_ENTERPRISE) {
        /* {id-or-name}/matches */
        const char *slash = strchr(rest, '/');
        if (!slash || slash == rest || strcmp(slash, "/matches") != 0)
            r = NULL;
    }
    if (!r) {
        req->route = SERVE_R_OTHER;
        {
            serve_api_error(req, 404, "not_found", "no route %.200s",
                            req->path);
            return;
        }
    }
    req->route = r->id;
    bool head =
        strcmp(req->method, "HEAD") == 0 && strcmp(r->method, "GET") == 0;
    if (strcmp(req->method, r->method) != 0 && !head) {
        req->allow = strcmp(r->method, "GET") == 0 ? "GET, HEAD" : r->method;
        {
            serve_api_error(req, 405, "method_not_allowed",
                            "%s takes %s, not %.16s", r->path, req->allow,
                            req->method);
            return;
        }
    }
    switch (r->id) {
    case SERVE_R_PAGE: {
        route_page(req);
        return;
    }
    case SERVE_R_HEALTHZ: {
        route_healthz(req);
        return;
    }
    case SERVE_R_METRICS: {
        serve_metrics_text(req);
        return;
    }
    case SERVE_R_STATS: {
        route_stats(req);
        return;
    }
    case SERVE_R_MATCH: {
        route_match(req);
        return;
    }
    case SERVE_R_PARTNERS: {
        route_partners(req);
        return;
    }
    case SERVE_R_SEARCH: {
        route_search(req);
        return;
    }
    case SERVE_R_RECORDS: {
        route_record(req, rest);
        return;
    }
    case SERVE_R_DEMANDS: {
        route_demands(req);
        return;
    }
    case SERVE_R_FEEDBACK: {
        route_feedback(req);
        return;
    }
    case SERVE_R_ENTERPRISE: {
        char *name = kg_xstrndup(rest, (size_t)(strchr(rest, '/') - rest));
        route_enterprise(req, name);
        free(name);
        return;
    }
    default: {
        serve_api_error(req, 404, "not_found", "no route");
        return;
    }
    }
}
