/*
 * serve.c - `kgmatch serve`: the HTTP front end (libmicrohttpd). Parses the
 * options, binds (loopback unless --public), sets every limit explicitly,
 * reads each request (query string, bearer key, body up to 1 MiB) and
 * hands it to the routes of serve_api.c; counts requests for /metrics and
 * drains in-flight requests on SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/serve.h"

#define SERVE_MAX_KEYS 64
#define SERVE_KEY_MAX 256
#define SERVE_CONN_MEMORY (64u << 10) /* MHD's buffer per connection */
#define SERVE_RATE_SLOTS 1024

/* Latency histogram bounds (seconds). */
static const double lat_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                    0.1,   0.25,   0.5,   1,    2.5,   5};
#define N_BOUNDS (sizeof lat_bounds / sizeof lat_bounds[0])

/* Status codes /metrics counts apart; others count as "other". */
static const unsigned codes[] = {200, 201, 400, 401, 403, 404,
                                 405, 413, 414, 429, 500, 503};
#define N_CODES (sizeof codes / sizeof codes[0])

/* A token bucket per client address (hashed; a collision shares one). */
struct rate_slot {
    char ip[48];
    double tokens, at;
};

struct server {
    struct serve_app *app;
    const char *db_path;
    char keys[SERVE_MAX_KEYS][SERVE_KEY_MAX];
    size_t key_len[SERVE_MAX_KEYS];
    size_t nkeys;
    double rate;          /* requests per second per address; 0: no limit */
    unsigned budget_ms;   /* each request's time budget */
    pthread_mutex_t lock; /* the counters and the rate table */
    uint64_t count[SERVE_R_COUNT][N_CODES + 1];
    uint64_t timeouts[SERVE_R_COUNT]; /* answers 503 timeout */
    uint64_t lat[N_BOUNDS + 1];
    double lat_sum;
    uint64_t lat_n;
    unsigned in_flight;
    struct rate_slot rate_tab[SERVE_RATE_SLOTS];
};

/* One request's state, from the URI callback to the completion one. */
struct request {
    double t0;
    size_t query_len; /* bytes after '?' in the request target */
    struct kg_buf body;
    bool too_big;
    bool started;
    enum serve_route route;
    unsigned status;
    bool timed_out;
};

static struct server *g_srv; /* for serve_metrics_text */

/* ---- keys --------------------------------------------------------------- */

/* One key a line; blank lines and '#' comments are skipped. */
static int load_keys(const struct cli *cli, struct server *srv,
                     const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error(cli, "%s: %s", path, strerror(errno));
        return 3;
    }
    char line[1024];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        char *p = line + strspn(line, " \t");
        n = strlen(p);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            p[--n] = '\0';
        if (n == 0 || p[0] == '#')
            continue;
        if (n >= SERVE_KEY_MAX || srv->nkeys == SERVE_MAX_KEYS) {
            cli_error(cli, "%s: at most %d keys of under %d bytes", path,
                      SERVE_MAX_KEYS, SERVE_KEY_MAX);
            rc = 1;
            break;
        }
        memcpy(srv->keys[srv->nkeys], p, n + 1);
        srv->key_len[srv->nkeys++] = n;
    }
    fclose(f);
    if (rc == 0 && srv->nkeys == 0) {
        cli_error(cli, "%s holds no key", path);
        rc = 1;
    }
    return rc;
}

/* Whether key is one of the keys, in time that depends on neither the key
 * nor where it differs: every key is compared over SERVE_KEY_MAX bytes. */
static bool key_ok(const struct server *srv, const char *key)
{
    size_t n = strnlen(key, SERVE_KEY_MAX);
    unsigned char pad[SERVE_KEY_MAX] = {0};
    memcpy(pad, key, n < SERVE_KEY_MAX ? n : SERVE_KEY_MAX - 1);
    unsigned found = 0;
    for (size_t k = 0; k < srv->nkeys; k++) {
        unsigned diff = (unsigned)(n ^ srv->key_len[k]);
        for (size_t i = 0; i < SERVE_KEY_MAX; i++)
            diff |= pad[i] ^ (unsigned char)srv->keys[k][i];
        found |= diff == 0;
    }
    return found != 0;
}

/* ---- limits and counters ------------------------------------------------ */

/* Takes a token from the address's bucket (burst: one second's worth). */
static bool rate_ok(struct server *srv, const char *ip)
{
    if (!(srv->rate > 0))
        return true;
    uint32_t h = 2166136261u;
    for (const char *p = ip; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    double now = kg_monotonic();
    pthread_mutex_lock(&srv->lock);
    struct rate_slot *r = &srv->rate_tab[h % SERVE_RATE_SLOTS];
    if (strcmp(r->ip, ip) != 0) {
        snprintf(r->ip, sizeof r->ip, "%s", ip);
        r->tokens = srv->rate;
        r->at = now;
    }
    r->tokens += (now - r->at) * srv->rate;
    if (r->tokens > srv->rate)
        r->tokens = srv->rate;
    r->at = now;
    bool ok = r->tokens >= 1;
    if (ok)
        r->tokens -= 1;
    pthread_mutex_unlock(&srv->lock);
    return ok;
}

static void count_request(struct server *srv, const struct request *rq)
{
    double secs = kg_monotonic() - rq->t0;
    size_t c = N_CODES;
    for (size_t i = 0; i < N_CODES; i++)
        if (codes[i] == rq->status)
            c = i;
    size_t b = 0;
    while (b < N_BOUNDS && secs > lat_bounds[b])
        b++;
    pthread_mutex_lock(&srv->lock);
    srv->count[rq->route][c]++;
    srv->timeouts[rq->route] += rq->timed_out;
    srv->lat[b]++;
    srv->lat_sum += secs;
    srv->lat_n++;
    pthread_mutex_unlock(&srv->lock);
}

void serve_metrics_text(struct serve_req *req)
{
    struct server *srv = g_srv;
    struct kg_buf b;
    kg_buf_init(&b);
    uint64_t count[SERVE_R_COUNT][N_CODES + 1], lat[N_BOUNDS + 1], lat_n;
    uint64_t timeouts[SERVE_R_COUNT];
    double lat_sum;
    unsigned in_flight;
    pthread_mutex_lock(&srv->lock);
    memcpy(count, srv->count, sizeof count);
    memcpy(timeouts, srv->timeouts, sizeof timeouts);
    memcpy(lat, srv->lat, sizeof lat);
    lat_n = srv->lat_n;
    lat_sum = srv->lat_sum;
    in_flight = srv->in_flight;
    pthread_mutex_unlock(&srv->lock);
    kg_buf_adds(&b, "# HELP kgmatch_http_requests_total HTTP requests "
                    "answered, by route and status.\n"
                    "# TYPE kgmatch_http_requests_total counter\n");
    for (int r = 0; r < SERVE_R_COUNT; r++)
        for (size_t c = 0; c <= N_CODES; c++) {
            if (!count[r][c])
                continue;
            kg_buf_printf(&b,
                          "kgmatch_http_requests_total{route=\"%s\","
                          "code=\"%s%.0u\"} %llu\n",
                          serve_route_name((enum serve_route)r),
                          c == N_CODES ? "other" : "",
                          c == N_CODES ? 0 : codes[c],
                          (unsigned long long)count[r][c]);
        }
    kg_buf_printf(&b,
                  "# HELP kgmatch_http_timeouts_total Requests stopped at "
                  "their time budget (%u ms; answered 503 timeout), by "
                  "route.\n"
                  "# TYPE kgmatch_http_timeouts_total counter\n",
                  srv->budget_ms);
    for (int r = 0; r < SERVE_R_COUNT; r++)
        if (timeouts[r] || r == SERVE_R_MATCH)
            kg_buf_printf(&b,
                          "kgmatch_http_timeouts_total{route=\"%s\"} %llu\n",
                          serve_route_name((enum serve_route)r),
                          (unsigned long long)timeouts[r]);
    kg_buf_adds(&b, "# HELP kgmatch_http_request_duration_seconds Time "
                    "from request line to answer.\n"
                    "# TYPE kgmatch_http_request_duration_seconds "
                    "histogram\n");
    uint64_t cum = 0;
    for (size_t i = 0; i < N_BOUNDS; i++) {
        cum += lat[i];
        kg_buf_printf(&b,
                      "kgmatch_http_request_duration_seconds_bucket{le=\"%g\"}"
                      " %llu\n",
                      lat_bounds[i], (unsigned long long)cum);
    }
    kg_buf_printf(&b,
                  "kgmatch_http_request_duration_seconds_bucket{le=\"+Inf\"} "
                  "%llu\n"
                  "kgmatch_http_request_duration_seconds_sum %.6f\n"
                  "kgmatch_http_request_duration_seconds_count %llu\n",
                  (unsigned long long)lat_n, lat_sum,
                  (unsigned long long)lat_n);
    kg_buf_printf(&b,
                  "# HELP kgmatch_http_in_flight Requests being answered.\n"
                  "# TYPE kgmatch_http_in_flight gauge\n"
                  "kgmatch_http_in_flight %u\n",
                  in_flight);
    struct serve_app_info info;
    serve_app_info(srv->app, &info);
    double age = 0;
    if (info.index_mtime > 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        age = (double)now.tv_sec + now.tv_nsec / 1e9 - info.index_mtime;
    }
    kg_buf_printf(
        &b,
        "# HELP kgmatch_index_age_seconds Age of the loaded index file.\n"
        "# TYPE kgmatch_index_age_seconds gauge\n"
        "kgmatch_index_age_seconds %.3f\n"
        "# HELP kgmatch_loaded_seconds Time since the data was loaded.\n"
        "# TYPE kgmatch_loaded_seconds gauge\n"
        "kgmatch_loaded_seconds %.3f\n"
        "# HELP kgmatch_data_version Store version loaded.\n"
        "# TYPE kgmatch_data_version gauge\n"
        "kgmatch_data_version %lld\n"
        "# HELP kgmatch_reloads_total Data reloads (failed: kept the old).\n"
        "# TYPE kgmatch_reloads_total counter\n"
        "kgmatch_reloads_total{result=\"ok\"} %llu\n"
        "kgmatch_reloads_total{result=\"failed\"} %llu\n"
        "# HELP kgmatch_cache_total Matching answers from the cache (hit) "
        "or computed (miss).\n"
        "# TYPE kgmatch_cache_total counter\n"
        "kgmatch_cache_total{result=\"hit\"} %llu\n"
        "kgmatch_cache_total{result=\"miss\"} %llu\n"
        "# HELP kgmatch_index_docs Documents in the loaded BM25 index.\n"
        "# TYPE kgmatch_index_docs gauge\n"
        "kgmatch_index_docs %llu\n",
        age, kg_monotonic() - info.loaded_at, (long long)info.version,
        (unsigned long long)info.reloads, (unsigned long long)info.reload_fail,
        (unsigned long long)info.cache_hits,
        (unsigned long long)info.cache_misses, (unsigned long long)info.docs);
    struct serve_worker *w;
    if (serve_app_acquire(srv->app, req->deadline, &w) == KG_OK) {
        kg_buf_adds(&b, "# HELP kgmatch_records Records in the store, by "
                        "kind.\n"
                        "# TYPE kgmatch_records gauge\n");
        struct app_counts c;
        if (app_counts(serve_worker_session(w), &c) == KG_OK)
            for (int k = 0; k < KG_KIND_COUNT; k++)
                kg_buf_printf(&b, "kgmatch_records{kind=\"%s\"} %lld\n",
                              record_kind_name((kg_kind)k),
                              (long long)c.records[k]);
        serve_app_release(srv->app, w);
    }
    req->status = 200;
    req->content_type = "text/plain; version=0.0.4; charset=utf-8";
    req->content_len = b.len;
    req->content = kg_buf_detach(&b);
}

/* ---- HTTP --------------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    struct server *srv = cls;
    struct request *rq = kg_xcalloc(1, sizeof *rq);
    rq->t0 = kg_monotonic();
    const char *q = strchr(uri, '?');
    rq->query_len = q ? strlen(q + 1) : 0;
    kg_buf_init(&rq->body);
    pthread_mutex_lock(&srv->lock);
    srv->in_flight++;
    pthread_mutex_unlock(&srv->lock);
    return rq;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)c;
    (void)why;
    struct server *srv = cls;
    struct request *rq = *con_cls;
    if (!rq)
        return;
    if (rq->status)
        count_request(srv, rq);
    pthread_mutex_lock(&srv->lock);
    srv->in_flight--;
    pthread_mutex_unlock(&srv->lock);
    kg_buf_release(&rq->body);
    free(rq);
    *con_cls = NULL;
}

static const char *get_arg(void *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result answer(struct MHD_Connection *c, struct request *rq,
                              struct serve_req *req)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        req->content_len, req->content, MHD_RESPMEM_MUST_FREE);
    req->content = NULL;
    MHD_add_response_header(resp, "Content-Type", req->content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (req->route == SERVE_R_PAGE)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; style-src 'self' "
                                "'unsafe-inline'; script-src 'self' "
                                "'unsafe-inline'");
    if (req->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate",
                                "Bearer realm=\"kgmatch\"");
    if (req->status == 405 && req->allow)
        MHD_add_response_header(resp, "Allow", req->allow);
    if (req->status == 429)
        MHD_add_response_header(resp, "Retry-After", "1");
    rq->status = req->status;
    rq->route = req->route;
    rq->timed_out = req->timed_out;
    enum MHD_Result r = MHD_queue_response(c, req->status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct server *srv = cls;
    struct request *rq = *con_cls;
    struct serve_req req = {.method = method,
                            .path = url,
                            .arg = get_arg,
                            .conn = c,
                            .keys = srv->nkeys > 0,
                            .db_path = srv->db_path,
                            .app = srv->app,
                            .deadline = rq->t0 + srv->budget_ms / 1000.0,
                            .budget_ms = srv->budget_ms,
                            .content_type = "application/json"};
    if (!rq->started) {
        rq->started = true;
        const char *len =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (len && strtoull(len, NULL, 10) > SERVE_MAX_BODY) {
            serve_api_error(&req, 413, "body_too_large",
                            "the request body is over %u bytes",
                            SERVE_MAX_BODY);
            return answer(c, rq, &req);
        }
        /* Answer on a later call, when MHD has the whole request: a
         * response queued at the first call makes it close the connection
         * after answering (no keep-alive: a new connection per request). */
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->body.len + *upload_size > SERVE_MAX_BODY)
            rq->too_big = true;
        else
            kg_buf_add(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char ip[INET6_ADDRSTRLEN] = "?";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip,
                      sizeof ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                      ip, sizeof ip);
    }
    const char *auth =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    req.has_auth = auth && strncasecmp(auth, "Bearer ", 7) == 0;
    if (req.has_auth && srv->nkeys)
        req.authorized = key_ok(srv, auth + 7 + strspn(auth + 7, " "));
    if (rq->too_big) {
        serve_api_error(&req, 413, "body_too_large",
                        "the request body is over %u bytes", SERVE_MAX_BODY);
    } else if (rq->query_len > SERVE_MAX_QUERY) {
        serve_api_error(&req, 414, "query_too_long",
                        "the query string is over %u bytes", SERVE_MAX_QUERY);
    } else if (!rate_ok(srv, ip)) {
        serve_api_error(&req, 429, "too_many_requests",
                        "more than %g requests a second from %s", srv->rate,
                        ip);
    } else {
        if (rq->body.len || strcmp(method, "POST") == 0) {
            kg_buf_addc(&rq->body, '\0');
            req.body = rq->body.data;
            req.body_len = rq->body.len - 1;
        }
        serve_api_handle(&req);
    }
    return answer(c, rq, &req);
}

/* ---- the command -------------------------------------------------------- */

/* HOST:PORT (IPv4, or [IPv6]:PORT) into *sa; *loopback says whether it is
 * 127.0.0.0/8 or ::1. */
static bool parse_listen(const char *s, struct sockaddr_storage *sa,
                         socklen_t *len, bool *loopback)
{
    char host[128];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host || colon == s)
        return false;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535)
        return false;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    memset(sa, 0, sizeof *sa);
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            return false;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof *a6;
        *loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
        return true;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
        return false;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
    *loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
    return true;
}

struct serve_opts {
    const char *listen, *keys, *config, *warm_file;
    unsigned threads, max_conns, per_ip, timeout_s, budget_ms, drain_s, rate,
        cache;
    bool public;
};

static int parse_opts(const struct cli *cli, int argc, char **argv,
                      struct serve_opts *o)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"api-key-file", required_argument, NULL, 'k'},
        {"threads", required_argument, NULL, 't'},
        {"public", no_argument, NULL, 'P'},
        {"max-connections", required_argument, NULL, 'm'},
        {"per-ip", required_argument, NULL, 'i'},
        {"timeout", required_argument, NULL, 'T'},
        {"budget-ms", required_argument, NULL, 'b'},
        {"drain", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'c'},
        {"cache", required_argument, NULL, 'C'},
        {"warm-file", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    /* The numeric options: where each goes and its range. */
    const struct {
        int c;
        unsigned *out;
        long long min, max;
    } nums[] = {
        {'t', &o->threads, 1, 64},       {'m', &o->max_conns, 1, 100000},
        {'i', &o->per_ip, 1, 100000},    {'T', &o->timeout_s, 1, 3600},
        {'b', &o->budget_ms, 1, 600000}, {'d', &o->drain_s, 0, 3600},
        {'r', &o->rate, 0, 1000000},     {'C', &o->cache, 0, 1000000},
    };
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            o->listen = optarg;
            continue;
        case 'k':
            o->keys = optarg;
            continue;
        case 'c':
            o->config = optarg;
            continue;
        case 'w':
            o->warm_file = optarg;
            continue;
        case 'P':
            o->public = true;
            continue;
        default:
            break;
        }
        size_t n = 0;
        while (n < sizeof nums / sizeof nums[0] && nums[n].c != c)
            n++;
        if (n == sizeof nums / sizeof nums[0])
            return cli_usage(cli, "bad option");
        const char *name = "?";
        for (const struct option *lo = longopts; lo->name; lo++)
            if (lo->val == c)
                name = lo->name;
        long long v;
        int rc = cli_parse_int(cli, name, optarg, nums[n].min, nums[n].max, &v);
        if (rc)
            return rc;
        *nums[n].out = (unsigned)v;
    }
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    return 0;
}

/* Waits until in-flight requests are done or the deadline passes; returns
 * how many were still running. */
static unsigned drain(struct server *srv, unsigned secs)
{
    double end = kg_monotonic() + secs;
    for (;;) {
        pthread_mutex_lock(&srv->lock);
        unsigned n = srv->in_flight;
        pthread_mutex_unlock(&srv->lock);
        if (n == 0 || kg_monotonic() >= end)
            return n;
        struct timespec t = {0, 20 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    /* Twice the CPUs: a worker reading the store leaves its CPU to another. */
    struct serve_opts o = {.listen = "127.0.0.1:8080",
                           .threads = cpus > 2 ? 2 * (unsigned)cpus : 4,
                           .max_conns = 256,
                           .per_ip = 128,
                           .timeout_s = 15,
                           .budget_ms = 2000,
                           .drain_s = 10,
                           .cache = 1024};
    if (o.threads > 16)
        o.threads = 16;
    int rc = parse_opts(cli, argc, argv, &o);
    if (rc)
        return rc;
    /* A match allocates and frees megabytes per request (a demand's BM25
     * hits, the candidates): by default glibc maps blocks over 128 KiB
     * afresh and trims the arenas' tops, so every request faulted them in
     * again, zeroed (12 % of an uncached match's CPU at 100k items, 21.1
     * to 18.5 ms). The service keeps them: blocks up to 32 MiB (glibc's
     * most) come from the arenas, which keep up to 256 MiB free. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    struct sockaddr_storage sa;
    socklen_t salen;
    bool loopback;
    if (!parse_listen(o.listen, &sa, &salen, &loopback))
        return cli_usage(cli,
                         "--listen wants HOST:PORT (IPv4 or [IPv6]), not "
                         "'%s'",
                         o.listen);
    if (!loopback && !o.public)
        return cli_usage(cli,
                         "%s is not a loopback address: add --public to "
                         "serve other hosts",
                         o.listen);
    struct server *srv = kg_xcalloc(1, sizeof *srv);
    srv->db_path = cli->db_path;
    srv->rate = o.rate;
    srv->budget_ms = o.budget_ms;
    pthread_mutex_init(&srv->lock, NULL);
    g_srv = srv;
    struct MHD_Daemon *d = NULL;
    if (o.keys) {
        rc = load_keys(cli, srv, o.keys);
        if (rc)
            goto out;
    }
    /* Every thread started from here on inherits the blocked signals;
     * this one waits for them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    char err[512];
    /* The kept requests are saved beside the database unless told
     * otherwise ("none": not at all). */
    char *warm = !o.warm_file ? kg_xasprintf("%s.warm", cli->db_path)
                 : strcmp(o.warm_file, "none") == 0 ? NULL
                                                    : kg_xstrdup(o.warm_file);
    struct serve_app_opts ao = {.db_path = cli->db_path,
                                .config = o.config,
                                .workers = o.threads,
                                .cache_slots = o.cache,
                                .replay = serve_api_replay,
                                .warm_file = warm};
    kg_status st = serve_app_open(&ao, &srv->app, err, sizeof err);
    free(warm);
    if (st != KG_OK) {
        cli_error(cli, "%s", err);
        rc = kg_exit_code(st);
        goto out;
    }
    /* A thread per connection: a match holds up its own client only, and a
     * kept answer (no worker needed) is never queued behind one; the
     * workers (--threads) bound the matching done at once. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT, o.max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, o.per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, o.timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 128u, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_END);
    if (!d) {
        const char *why = serve_mhd_unavailable();
        if (why)
            cli_error(cli, "%s", why);
        else
            cli_error(cli, "cannot listen on %s: %s", o.listen,
                      errno ? strerror(errno) : "libmicrohttpd refused");
        rc = 3;
        goto out;
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET6_ADDRSTRLEN];
    if (sa.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host,
                  sizeof host);
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host,
                  sizeof host);
    fprintf(stderr,
            "kgmatch: serve: %s on http://%s%s%s:%u/ (%u threads, %s)\n",
            cli->db_path, sa.ss_family == AF_INET6 ? "[" : "", host,
            sa.ss_family == AF_INET6 ? "]" : "", di ? di->port : 0, o.threads,
            srv->nkeys ? "writes need a key" : "read-only: no --api-key-file");
    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "kgmatch: serve: %s, finishing requests (up to %u s)\n",
            strsignal(sig), o.drain_s);
    serve_app_quiesce(srv->app);
    MHD_socket ls = MHD_quiesce_daemon(d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    unsigned left = drain(srv, o.drain_s);
    if (left)
        fprintf(stderr, "kgmatch: serve: %u requests cut off\n", left);
    MHD_stop_daemon(d);
    d = NULL;
    fprintf(stderr, "kgmatch: serve: stopped\n");
out:
    if (d)
        MHD_stop_daemon(d);
    serve_app_free(srv->app);
    pthread_mutex_destroy(&srv->lock);
    g_srv = NULL;
    free(srv);
    return rc;
}
