/*
 * testhttpd - the loopback HTTP server the ingest tests start and stop:
 * serves files from a folder and scripted faults from a routes file, picks
 * a free port on 127.0.0.1 and writes it to a file, logs every request.
 *
 *   testhttpd --routes FILE --port-file FILE [--root DIR] [--log FILE]
 *             [--pid-file FILE] [--lifetime SECONDS] [--log-ua] [--log-time]
 *
 * A routes line is "ROUTE RESPONSE [|| RESPONSE ...]"; the Nth request that
 * matches ROUTE gets the Nth response (the last one repeats). ROUTE is a
 * path with optional "?k=v&..." arguments that must all be present (the
 * route naming the most arguments wins; "*" as a value matches any).
 * RESPONSE is a status code (or "drop": close without answering) and
 * options: file=NAME, type=MIME, header=Name:value (%20 is a space),
 * stall=SECONDS, truncate=BYTES, gzip, etag=TAG, lastmod=DATE, fill=BYTES.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <zlib.h>

#define MAX_ARGS 16
#define MAX_RESP 8
#define MAX_HEADERS 4

struct response {
    int status; /* 0: drop the connection */
    char *file, *type, *etag, *lastmod;
    char *headers[MAX_HEADERS];
    int n_headers;
    double stall;
    long truncate; /* -1: send everything */
    long fill;     /* -1: no filler body */
    int gzip;
};

struct route {
    char *path;
    char *keys[MAX_ARGS], *vals[MAX_ARGS];
    int n_args;
    struct response resp[MAX_RESP];
    int n_resp;
    int hits;
};

static struct route *routes;
static int n_routes;
static const char *root = ".";
static FILE *log_file;
static int log_ua;
static int log_time; /* --log-time: " at=SECONDS" (monotonic) a line */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "testhttpd: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        die("out of memory");
    return p;
}

/* Decodes %XX in place. */
static void pct_decode(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '%' && r[1] && r[2]) {
            char hex[3] = {r[1], r[2], 0};
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

static void parse_response(struct response *r, char *spec, int line)
{
    memset(r, 0, sizeof *r);
    r->truncate = -1;
    r->fill = -1;
    char *save = NULL;
    char *tok = strtok_r(spec, " \t", &save);
    if (!tok)
        die("routes line %d: empty response", line);
    if (strcmp(tok, "drop") == 0)
        r->status = 0;
    else if ((r->status = atoi(tok)) < 100)
        die("routes line %d: bad status '%s'", line, tok);
    while ((tok = strtok_r(NULL, " \t", &save))) {
        if (strncmp(tok, "file=", 5) == 0) {
            r->file = xstrdup(tok + 5);
        } else if (strncmp(tok, "type=", 5) == 0) {
            r->type = xstrdup(tok + 5);
            pct_decode(r->type);
        } else if (strncmp(tok, "header=", 7) == 0) {
            if (r->n_headers == MAX_HEADERS)
                die("routes line %d: too many headers", line);
            char *h = xstrdup(tok + 7);
            pct_decode(h);
            r->headers[r->n_headers++] = h;
        } else if (strncmp(tok, "stall=", 6) == 0) {
            r->stall = atof(tok + 6);
        } else if (strncmp(tok, "truncate=", 9) == 0) {
            r->truncate = atol(tok + 9);
        } else if (strncmp(tok, "fill=", 5) == 0) {
            r->fill = atol(tok + 5);
        } else if (strcmp(tok, "gzip") == 0) {
            r->gzip = 1;
        } else if (strncmp(tok, "etag=", 5) == 0) {
            r->etag = xstrdup(tok + 5);
        } else if (strncmp(tok, "lastmod=", 8) == 0) {
            r->lastmod = xstrdup(tok + 8);
            pct_decode(r->lastmod);
        } else {
            die("routes line %d: unknown option '%s'", line, tok);
        }
    }
}

static void load_routes(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open %s: %s", path, strerror(errno));
    char buf[4096];
    int line = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        buf[strcspn(buf, "\r\n")] = '\0';
        char *s = buf + strspn(buf, " \t");
        if (*s == '\0' || *s == '#')
            continue;
        routes = realloc(routes, (size_t)(n_routes + 1) * sizeof *routes);
        if (!routes)
            die("out of memory");
        struct route *r = &routes[n_routes++];
        memset(r, 0, sizeof *r);
        size_t plen = strcspn(s, " \t");
        char *rest = s + plen;
        if (*rest)
            *rest++ = '\0';
        char *q = strchr(s, '?');
        if (q) {
            *q++ = '\0';
            char *save = NULL;
            for (char *kv = strtok_r(q, "&", &save); kv;
                 kv = strtok_r(NULL, "&", &save)) {
                if (r->n_args == MAX_ARGS)
                    die("routes line %d: too many arguments", line);
                char *eq = strchr(kv, '=');
                if (eq)
                    *eq++ = '\0';
                r->keys[r->n_args] = xstrdup(kv);
                r->vals[r->n_args] = xstrdup(eq ? eq : "");
                pct_decode(r->keys[r->n_args]);
                pct_decode(r->vals[r->n_args]);
                r->n_args++;
            }
        }
        r->path = xstrdup(s);
        char *save = NULL;
        for (char *spec = rest; spec; spec = save) {
            char *bar = strstr(spec, "||");
            save = NULL;
            if (bar) {
                *bar = '\0';
                save = bar + 2;
            }
            if (r->n_resp == MAX_RESP)
                die("routes line %d: too many responses", line);
            parse_response(&r->resp[r->n_resp++], spec, line);
        }
    }
    fclose(f);
}

struct args {
    char *keys[64], *vals[64];
    int n;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value)
{
    (void)kind;
    struct args *a = cls;
    if (a->n < 64) {
        a->keys[a->n] = xstrdup(key);
        a->vals[a->n] = xstrdup(value ? value : "");
        a->n++;
    }
    return MHD_YES;
}

static const char *arg_get(const struct args *a, const char *key)
{
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->keys[i], key) == 0)
            return a->vals[i];
    return NULL;
}

static struct route *match(const char *url, const struct args *a)
{
    struct route *best = NULL;
    for (int i = 0; i < n_routes; i++) {
        struct route *r = &routes[i];
        if (strcmp(r->path, url) != 0)
            continue;
        int ok = 1;
        for (int k = 0; k < r->n_args && ok; k++) {
            const char *v = arg_get(a, r->keys[k]);
            ok = v &&
                 (strcmp(r->vals[k], "*") == 0 || strcmp(r->vals[k], v) == 0);
        }
        if (ok && (!best || r->n_args > best->n_args))
            best = r;
    }
    return best;
}

static void log_request(const char *method, const char *url, struct args *a,
                        struct MHD_Connection *c)
{
    /* Arguments sorted by key so logs compare stably. */
    for (int i = 1; i < a->n; i++)
        for (int j = i; j > 0 && strcmp(a->keys[j - 1], a->keys[j]) > 0; j--) {
            char *k = a->keys[j], *v = a->vals[j];
            a->keys[j] = a->keys[j - 1];
            a->vals[j] = a->vals[j - 1];
            a->keys[j - 1] = k;
            a->vals[j - 1] = v;
        }
    if (!log_file)
        return;
    pthread_mutex_lock(&lock);
    fprintf(log_file, "%s %s", method, url);
    for (int i = 0; i < a->n; i++)
        fprintf(log_file, "%s%s=%s", i ? "&" : "?", a->keys[i], a->vals[i]);
    const char *inm =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
    const char *ims =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Modified-Since");
    if (inm)
        fprintf(log_file, " If-None-Match: %s", inm);
    if (ims)
        fprintf(log_file, " If-Modified-Since: %s", ims);
    if (log_ua) {
        const char *ua =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
        const char *ae =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
        fprintf(log_file, " User-Agent: %s Accept-Encoding: %s", ua ? ua : "-",
                ae ? ae : "-");
    }
    if (log_time) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        fprintf(log_file, " at=%.3f", (double)ts.tv_sec + ts.tv_nsec / 1e9);
    }
    fprintf(log_file, "\n");
    fflush(log_file);
    pthread_mutex_unlock(&lock);
}

static char *read_file(const char *name, size_t *len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    if (!buf)
        die("out of memory");
    *len = n;
    return buf;
}

static char *gzip_body(const char *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        die("deflateInit2 failed");
    size_t cap = deflateBound(&z, len) + 64;
    char *out = malloc(cap);
    if (!out)
        die("out of memory");
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        die("deflate failed");
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
}

static void stall(double seconds)
{
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A body sent by callback: the first `limit` bytes of data (truncation),
 * or `fill` filler bytes. */
struct stream {
    char *data;
    size_t len, limit, pos;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    if (pos >= s->limit)
        return s->data ? MHD_CONTENT_READER_END_WITH_ERROR
                       : MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = s->limit - (size_t)pos;
    if (n > max)
        n = max;
    if (s->data)
        memcpy(buf, s->data + pos, n);
    else
        memset(buf, 'x', n);
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *s = cls;
    free(s->data);
    free(s);
}

static const char *default_type(const char *file)
{
    const char *dot = file ? strrchr(file, '.') : NULL;
    if (!dot)
        return "text/plain";
    if (strcmp(dot, ".xml") == 0)
        return "text/xml; charset=utf-8";
    if (strcmp(dot, ".html") == 0)
        return "text/html";
    if (strcmp(dot, ".json") == 0 || strcmp(dot, ".jsonl") == 0)
        return "application/json";
    if (strcmp(dot, ".csv") == 0)
        return "text/csv";
    if (strcmp(dot, ".gz") == 0)
        return "application/gzip";
    return "application/octet-stream";
}

static enum MHD_Result respond(struct MHD_Connection *c,
                               const struct response *r)
{
    if (r->stall > 0)
        stall(r->stall);
    if (r->status == 0)
        return MHD_NO;
    int status = r->status;
    if (r->etag) {
        const char *inm =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
        char quoted[512];
        snprintf(quoted, sizeof quoted, "\"%s\"", r->etag);
        if (inm && strcmp(inm, quoted) == 0)
            status = 304;
    }
    if (r->lastmod && status != 304) {
        const char *ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                      "If-Modified-Since");
        if (ims && strcmp(ims, r->lastmod) == 0)
            status = 304;
    }
    char *body = NULL;
    size_t len = 0;
    if (status != 304 && r->file) {
        body = read_file(r->file, &len);
        if (!body) {
            status = 404;
            body = xstrdup("no such fixture\n");
            len = strlen(body);
        }
    }
    if (body && r->gzip) {
        size_t zlen;
        char *z = gzip_body(body, len, &zlen);
        free(body);
        body = z;
        len = zlen;
    }
    struct MHD_Response *resp;
    if (status != 304 && r->fill >= 0) {
        struct stream *s = calloc(1, sizeof *s);
        s->limit = (size_t)r->fill;
        free(body);
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384,
                                                 stream_read, s, stream_free);
    } else if (status != 304 && r->truncate >= 0 && body) {
        struct stream *s = calloc(1, sizeof *s);
        s->data = body;
        s->len = len;
        s->limit = (size_t)r->truncate < len ? (size_t)r->truncate : len;
        resp = MHD_create_response_from_callback(len, 16384, stream_read, s,
                                                 stream_free);
    } else {
        resp = MHD_create_response_from_buffer(
            status == 304 ? 0 : len, status == 304 ? (void *)"" : body,
            status == 304 ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
        if (status == 304)
            free(body);
    }
    if (!resp)
        die("cannot create a response");
    if (status != 304)
        MHD_add_response_header(resp, "Content-Type",
                                r->type ? r->type : default_type(r->file));
    if (r->gzip)
        MHD_add_response_header(resp, "Content-Encoding", "gzip");
    if (r->etag) {
        char quoted[512];
        snprintf(quoted, sizeof quoted, "\"%s\"", r->etag);
        MHD_add_response_header(resp, "ETag", quoted);
    }
    if (r->lastmod)
        MHD_add_response_header(resp, "Last-Modified", r->lastmod);
    for (int i = 0; i < r->n_headers; i++) {
        char name[256];
        const char *colon = strchr(r->headers[i], ':');
        if (!colon || (size_t)(colon - r->headers[i]) >= sizeof name)
            continue;
        memcpy(name, r->headers[i], (size_t)(colon - r->headers[i]));
        name[colon - r->headers[i]] = '\0';
        MHD_add_response_header(resp, name, colon + 1);
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    struct args a = {.n = 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
    log_request(method, url, &a, c);
    pthread_mutex_lock(&lock);
    struct route *r = match(url, &a);
    struct response resp;
    if (r) {
        int i = r->hits < r->n_resp ? r->hits : r->n_resp - 1;
        r->hits++;
        resp = r->resp[i];
    }
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < a.n; i++) {
        free(a.keys[i]);
        free(a.vals[i]);
    }
    if (!r) {
        static struct response nf = {.status = 404, .truncate = -1, .fill = -1};
        return respond(c, &nf);
    }
    return respond(c, &resp);
}

static void write_file_atomic(const char *path, const char *text)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        die("cannot write %s: %s", tmp, strerror(errno));
    fputs(text, f);
    fclose(f);
    if (rename(tmp, path) != 0)
        die("cannot rename %s: %s", tmp, strerror(errno));
}

int main(int argc, char **argv)
{
    const char *routes_path = NULL, *port_file = NULL, *log_path = NULL;
    const char *pid_file = NULL;
    double lifetime = 120;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--log-time") == 0) {
            log_time = 1;
            continue;
        }
        if (strcmp(a, "--log-ua") == 0) {
            log_ua = 1;
            continue;
        }
        if (!v)
            die("option %s needs a value", a);
        if (strcmp(a, "--routes") == 0)
            routes_path = v;
        else if (strcmp(a, "--port-file") == 0)
            port_file = v;
        else if (strcmp(a, "--root") == 0)
            root = v;
        else if (strcmp(a, "--log") == 0)
            log_path = v;
        else if (strcmp(a, "--pid-file") == 0)
            pid_file = v;
        else if (strcmp(a, "--lifetime") == 0)
            lifetime = atof(v);
        else
            die("unknown option %s", a);
        i++;
    }
    if (!routes_path || !port_file)
        die("usage: testhttpd --routes FILE --port-file FILE [--root DIR] "
            "[--log FILE] [--pid-file FILE] [--lifetime S] [--log-ua] "
            "[--log-time]");
    load_routes(routes_path);
    if (log_path && !(log_file = fopen(log_path, "a")))
        die("cannot open %s: %s", log_path, strerror(errno));

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
        NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
    if (!d)
        die("cannot start the server on 127.0.0.1");
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || info->port == 0)
        die("cannot learn the bound port");
    char text[64];
    if (pid_file) {
        snprintf(text, sizeof text, "%ld\n", (long)getpid());
        write_file_atomic(pid_file, text);
    }
    snprintf(text, sizeof text, "%u\n", (unsigned)info->port);
    write_file_atomic(port_file, text);

    struct timespec ts;
    ts.tv_sec = (time_t)lifetime;
    ts.tv_nsec = 0;
    sigtimedwait(&set, NULL, &ts);
    /* Stalled connection threads may still sleep: leave without waiting. */
    if (log_file)
        fflush(log_file);
    _exit(0);
}
