/*
 * fetch.c - the fetch policy of fetch.h on libcurl's multi interface: a
 * queue of jobs, each started when its retry time has come and its host is
 * free and rested, at most `parallel` at a time; a finished job is either
 * rescheduled (timeouts, connection errors, 429, 5xx) or handed to its
 * callback. Local files bypass libcurl.
 */
#include "ingest/fetch.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>

struct job {
    struct job *next;
    char *url, *etag, *last_modified, *host;
    struct fetch_opts opts;
    fetch_done_cb done;
    void *ctx;
    int attempts;
    double ready_at; /* monotonic seconds */
    /* One attempt in flight. */
    CURL *easy;
    struct curl_slist *headers;
    struct kg_buf body;
    bool over_cap;
    char refused_ip[64]; /* a private address the attempt would have used */
    char *h_etag, *h_last_modified;
    char errbuf[CURL_ERROR_SIZE];
    struct fetcher *f;
};

struct host {
    char *name;
    double next; /* earliest start of the next request */
    bool busy;
};

struct fetcher {
    CURLM *multi;
    struct fetch_opts opts;
    int parallel, active;
    struct job *pending;
    struct host *hosts;
    size_t n_hosts;
    size_t bytes;
    fetch_tick_cb tick;
    void *tick_ctx;
    unsigned seed;
};

static void sleep_for(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void fetch_opts_merge(struct fetch_opts *o, const struct fetch_opts *base)
{
    static const struct fetch_opts defaults = {
        .connect_timeout = FETCH_DEFAULT_CONNECT_TIMEOUT,
        .timeout = FETCH_DEFAULT_TIMEOUT,
        .retries = FETCH_DEFAULT_RETRIES,
        .backoff = FETCH_DEFAULT_BACKOFF,
        .host_delay = FETCH_DEFAULT_HOST_DELAY,
        .max_retry_after = FETCH_DEFAULT_MAX_RETRY_AFTER,
        .max_bytes = FETCH_DEFAULT_MAX_BYTES,
        .max_redirects = FETCH_DEFAULT_MAX_REDIRECTS,
    };
    for (int pass = 0; pass < 2; pass++) {
        const struct fetch_opts *b = pass == 0 ? base : &defaults;
        if (!b)
            continue;
        if (o->connect_timeout == 0)
            o->connect_timeout = b->connect_timeout;
        if (o->timeout == 0)
            o->timeout = b->timeout;
        if (o->retries == 0)
            o->retries = b->retries;
        if (o->backoff == 0)
            o->backoff = b->backoff;
        if (o->host_delay == 0)
            o->host_delay = b->host_delay;
        if (o->max_retry_after == 0)
            o->max_retry_after = b->max_retry_after;
        if (o->max_bytes == 0)
            o->max_bytes = b->max_bytes;
        if (o->max_redirects == 0)
            o->max_redirects = b->max_redirects;
        if (o->budget == 0)
            o->budget = b->budget;
        if (o->deadline == 0)
            o->deadline = b->deadline;
        o->allow_private = o->allow_private || b->allow_private;
    }
}

void fetch_result_init(struct fetch_result *r)
{
    memset(r, 0, sizeof *r);
    r->body = kg_xstrdup("");
}

void fetch_result_release(struct fetch_result *r)
{
    free(r->body);
    free(r->url);
    free(r->content_type);
    free(r->etag);
    free(r->last_modified);
    memset(r, 0, sizeof *r);
}

double fetch_backoff_delay(double backoff, int attempt, double jitter,
                           double retry_after)
{
    double d = backoff > 0 ? backoff * ldexp(1.0, attempt - 1) * jitter : 0;
    return retry_after > d ? retry_after : d;
}

static bool has_scheme(const char *url, const char *scheme)
{
    size_t n = strlen(scheme);
    return strncasecmp(url, scheme, n) == 0 && strncmp(url + n, "://", 3) == 0;
}

char *fetch_escape(const char *s)
{
    struct kg_buf b;
    kg_buf_init(&b);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            kg_buf_addc(&b, (char)*p);
        else
            kg_buf_printf(&b, "%%%02X", *p);
    }
    return kg_buf_detach(&b);
}

bool fetch_is_local(const char *url)
{
    return has_scheme(url, "file") || !strstr(url, "://");
}

char *fetch_local_path(const char *url)
{
    if (!fetch_is_local(url))
        return NULL;
    if (!has_scheme(url, "file"))
        return kg_xstrdup(url);
    const char *p = url + strlen("file://");
    /* file://localhost/path and file:///path */
    if (strncasecmp(p, "localhost/", 10) == 0)
        p += 9;
    char *path = kg_xstrdup(p);
    char *w = path;
    for (const char *r = path; *r; r++) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) &&
            isxdigit((unsigned char)r[2])) {
            char hex[3] = {r[1], r[2], 0};
            *w++ = (char)strtol(hex, NULL, 16);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return path;
}

struct fetcher *fetcher_new(const struct fetch_opts *opts, int parallel)
{
    struct fetcher *f = kg_xcalloc(1, sizeof *f);
    if (opts)
        f->opts = *opts;
    fetch_opts_merge(&f->opts, NULL);
    f->parallel = parallel > 0 ? parallel : FETCH_DEFAULT_PARALLEL;
    f->seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    return f;
}

/* libcurl and f's multi handle, started by the first http or https
 * transfer (a fetcher that reads only local files never loads libcurl);
 * false when libcurl cannot be loaded or initialised. */
static bool multi_ready(struct fetcher *f)
{
    static bool curl_ready;
    if (f->multi)
        return true;
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return false;
        curl_ready = true;
    }
    f->multi = curl_multi_init();
    if (!f->multi)
        return false;
    curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      (long)f->parallel);
    return true;
}

static void job_reset_attempt(struct job *j)
{
    if (j->easy) {
        if (j->f)
            curl_multi_remove_handle(j->f->multi, j->easy);
        curl_easy_cleanup(j->easy);
        j->easy = NULL;
    }
    if (j->headers)
        curl_slist_free_all(j->headers);
    j->headers = NULL;
    kg_buf_release(&j->body);
    free(j->h_etag);
    free(j->h_last_modified);
    j->h_etag = j->h_last_modified = NULL;
    j->over_cap = false;
    j->refused_ip[0] = '\0';
    j->errbuf[0] = '\0';
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    job_reset_attempt(j);
    free(j->url);
    free(j->etag);
    free(j->last_modified);
    free(j->host);
    free(j);
}

void fetcher_free(struct fetcher *f)
{
    if (!f)
        return;
    while (f->pending) {
        struct job *j = f->pending;
        f->pending = j->next;
        job_free(j);
    }
    for (size_t i = 0; i < f->n_hosts; i++)
        free(f->hosts[i].name);
    free(f->hosts);
    if (f->multi)
        curl_multi_cleanup(f->multi);
    free(f);
}

void fetcher_set_tick(struct fetcher *f, fetch_tick_cb cb, void *ctx)
{
    f->tick = cb;
    f->tick_ctx = ctx;
}

size_t fetcher_bytes(const struct fetcher *f)
{
    return f->bytes;
}

static struct host *host_get(struct fetcher *f, const char *name)
{
    for (size_t i = 0; i < f->n_hosts; i++)
        if (strcmp(f->hosts[i].name, name) == 0)
            return &f->hosts[i];
    f->hosts = kg_xrealloc(f->hosts, (f->n_hosts + 1) * sizeof *f->hosts);
    struct host *h = &f->hosts[f->n_hosts++];
    h->name = kg_xstrdup(name);
    h->next = 0;
    h->busy = false;
    return h;
}

static char *url_host(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        out = kg_xstrdup(host);
    curl_free(host);
    curl_url_cleanup(u);
    return out ? out : kg_xstrdup("");
}

kg_status fetch_url_check(const char *url, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    kg_status st = KG_EUSAGE;
    CURLUcode uc =
        u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    const char *why = u ? NULL : fetch_unavailable();
    if (why) {
        snprintf(err, errlen, "cannot check '%s': %s", url, why);
        st = KG_EINTERNAL;
    } else if (uc != CURLUE_OK)
        snprintf(err, errlen, "'%s' is not a valid URL: %s", url,
                 curl_url_strerror(uc));
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        snprintf(err, errlen, "'%s' is not an http or https URL", url);
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
        snprintf(err, errlen, "'%s' names no host", url);
    else
        st = KG_OK;
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return st;
}

kg_status fetch_submit(struct fetcher *f, const struct fetch_req *req)
{
    if (!req->url || !*req->url ||
        !(has_scheme(req->url, "http") || has_scheme(req->url, "https") ||
          fetch_is_local(req->url)))
        return KG_EUSAGE;
    struct job *j = kg_xcalloc(1, sizeof *j);
    j->url = kg_xstrdup(req->url);
    j->etag = req->etag ? kg_xstrdup(req->etag) : NULL;
    j->last_modified =
        req->last_modified ? kg_xstrdup(req->last_modified) : NULL;
    if (req->opts)
        j->opts = *req->opts;
    fetch_opts_merge(&j->opts, &f->opts);
    j->done = req->done;
    j->ctx = req->ctx;
    j->host = fetch_is_local(req->url) ? NULL : url_host(req->url);
    j->f = NULL;
    kg_buf_init(&j->body);
    /* FIFO: append. */
    struct job **p = &f->pending;
    while (*p)
        p = &(*p)->next;
    *p = j;
    return KG_OK;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    struct job *j = ctx;
    size_t len = size * n;
    /* Counted here, after decompression: Content-Length is not trusted. */
    if (j->body.len + len > j->opts.max_bytes) {
        j->over_cap = true;
        return 0;
    }
    kg_buf_add(&j->body, data, len);
    if (j->f)
        j->f->bytes += len;
    return len;
}

static char *header_value(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return NULL;
    const char *v = line + k + 1;
    const char *end = line + n;
    while (v < end && isspace((unsigned char)*v))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    return kg_xstrndup(v, (size_t)(end - v));
}

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
    struct job *j = ctx;
    size_t len = size * n;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a redirect): forget the previous one's. */
        free(j->h_etag);
        free(j->h_last_modified);
        j->h_etag = j->h_last_modified = NULL;
        return len;
    }
    char *v;
    if ((v = header_value(data, len, "ETag"))) {
        free(j->h_etag);
        j->h_etag = v;
    } else if ((v = header_value(data, len, "Last-Modified"))) {
        free(j->h_last_modified);
        j->h_last_modified = v;
    }
    return len;
}

/* True for addresses a remote source has no business reaching: loopback,
 * private (RFC 1918, unique local, shared 100.64/10), link-local, the
 * unspecified address and multicast; IPv4-mapped IPv6 as its IPv4. */
static bool private_v4(const unsigned char *a)
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
           (a[0] == 100 && (a[1] & 0xc0) == 64) ||
           (a[0] == 169 && a[1] == 254) ||
           (a[0] == 172 && (a[1] & 0xf0) == 16) ||
           (a[0] == 192 && a[1] == 168) || a[0] >= 224;
}

static bool private_address(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return private_v4(
            (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
    if (sa->sa_family != AF_INET6)
        return true;
    const unsigned char *a =
        ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
                                             0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char zero[15] = {0};
    if (memcmp(a, mapped, 12) == 0)
        return private_v4(a + 12);
    return (memcmp(a, zero, 15) == 0 && a[15] <= 1) || /* :: and ::1 */
           (a[0] & 0xfe) == 0xfc ||                    /* fc00::/7 */
           (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||  /* fe80::/10 */
           a[0] == 0xff;                               /* multicast */
}

/* CURLOPT_OPENSOCKETFUNCTION: the check on the address actually used. */
static curl_socket_t open_socket(void *ctx, curlsocktype purpose,
                                 struct curl_sockaddr *a)
{
    struct job *j = ctx;
    (void)purpose;
    if (!j->opts.allow_private && private_address(&a->addr)) {
        const void *ip =
            a->family == AF_INET
                ? (const void *)&((struct sockaddr_in *)&a->addr)->sin_addr
                : (const void *)&((struct sockaddr_in6 *)&a->addr)->sin6_addr;
        if (!inet_ntop(a->family, ip, j->refused_ip, sizeof j->refused_ip))
            snprintf(j->refused_ip, sizeof j->refused_ip, "?");
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static bool start_curl(struct fetcher *f, struct job *j)
{
    if (!multi_ready(f))
        return false;
    j->easy = curl_easy_init();
    if (!j->easy)
        return false;
    CURL *e = j->easy;
    j->f = f;
    curl_easy_setopt(e, CURLOPT_URL, j->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "kgmatch/" KG_VERSION);
    double timeout = j->opts.timeout, connect = j->opts.connect_timeout;
    if (j->opts.deadline > 0) {
        double left = j->opts.deadline - kg_monotonic();
        left = left < 0.001 ? 0.001 : left;
        timeout = timeout < left ? timeout : left;
        connect = connect < left ? connect : left;
    }
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(connect * 1000));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(timeout * 1000));
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)j->opts.max_redirects);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
    if (j->opts.max_bytes < (size_t)INT64_MAX)
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                         (curl_off_t)j->opts.max_bytes);
    if (j->etag) {
        char *h = kg_xasprintf("If-None-Match: %s", j->etag);
        j->headers = curl_slist_append(j->headers, h);
        free(h);
    }
    if (j->last_modified) {
        char *h = kg_xasprintf("If-Modified-Since: %s", j->last_modified);
        j->headers = curl_slist_append(j->headers, h);
        free(h);
    }
    if (j->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
    if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        j->easy = NULL;
        return false;
    }
    return true;
}

char *fetch_file_validator(const struct stat *sb)
{
    return kg_xasprintf("\"%lld-%lld\"", (long long)sb->st_size,
                        (long long)sb->st_mtime);
}

static void read_local(struct job *j, struct fetch_result *res)
{
    char *path = fetch_local_path(j->url);
    res->url = kg_xstrdup(j->url);
    res->attempts = 1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(res->err, sizeof res->err, "cannot read %s: %s", path,
                 strerror(errno));
        res->status = KG_EIO;
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(res->err, sizeof res->err, "%s is not a regular file", path);
        res->status = KG_EIO;
        goto done;
    }
    res->etag = fetch_file_validator(&sb);
    if (j->etag && strcmp(j->etag, res->etag) == 0) {
        res->http = 304;
        goto done;
    }
    struct kg_buf b;
    kg_buf_init(&b);
    char chunk[65536];
    ssize_t got;
    while ((got = read(fd, chunk, sizeof chunk)) > 0) {
        if (b.len + (size_t)got > j->opts.max_bytes) {
            snprintf(res->err, sizeof res->err,
                     "%s is larger than the %zu-byte limit", path,
                     j->opts.max_bytes);
            res->status = KG_ELIMIT;
            kg_buf_release(&b);
            goto done;
        }
        kg_buf_add(&b, chunk, (size_t)got);
    }
    if (got < 0) {
        snprintf(res->err, sizeof res->err, "cannot read %s: %s", path,
                 strerror(errno));
        res->status = KG_EIO;
        kg_buf_release(&b);
        goto done;
    }
    free(res->body);
    res->len = b.len;
    res->body = kg_buf_detach(&b);
    res->http = 200;
    if (j->f)
        j->f->bytes += res->len;
done:
    if (fd >= 0)
        close(fd);
    free(path);
}

/*
 * Whether a failed attempt (number `attempt`, 1 = the first) may succeed if
 * tried again: timeouts and broken transfers, yes; a refused connection
 * once (a server restarting); a name that does not resolve, a bad URL, a
 * TLS handshake or verification failure, never.
 */
static bool retryable_curl(CURLcode c, int attempt)
{
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    case CURLE_COULDNT_CONNECT:
        return attempt < 2;
    default:
        return false;
    }
}

static void deliver(struct job *j, struct fetch_result *res)
{
    if (j->done)
        j->done(res, j->ctx);
    fetch_result_release(res);
    job_free(j);
}

/* Moves the finished attempt's data into res. */
static void take_response(struct job *j, struct fetch_result *res, long http)
{
    char *eff = NULL, *ct = NULL;
    curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &eff);
    curl_easy_getinfo(j->easy, CURLINFO_CONTENT_TYPE, &ct);
    free(res->body);
    res->len = j->body.len;
    res->body = kg_buf_detach(&j->body);
    res->http = http;
    res->url = kg_xstrdup(eff ? eff : j->url);
    res->content_type = ct ? kg_xstrdup(ct) : NULL;
    res->etag = j->h_etag;
    res->last_modified = j->h_last_modified;
    j->h_etag = j->h_last_modified = NULL;
    res->attempts = j->attempts;
}

/* Decides what a finished attempt means: deliver it, or schedule a retry
 * (returns true then). */
static bool finish_attempt(struct fetcher *f, struct job *j, CURLcode code,
                           struct fetch_result *res)
{
    long http = 0, redirects = 0;
    curl_off_t retry_after = -1;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &http);
    curl_easy_getinfo(j->easy, CURLINFO_REDIRECT_COUNT, &redirects);
    curl_easy_getinfo(j->easy, CURLINFO_RETRY_AFTER, &retry_after);
    bool retry = false;
    char why[384];
    why[0] = '\0';
    if (code == CURLE_OK) {
        if ((http >= 200 && http < 300) || http == 304) {
            take_response(j, res, http);
            res->status = KG_OK;
            return false;
        }
        retry = http == 408 || http == 429 || http >= 500;
        snprintf(why, sizeof why, "HTTP %ld from %s", http, j->url);
    } else if ((code == CURLE_WRITE_ERROR && j->over_cap) ||
               code == CURLE_FILESIZE_EXCEEDED) {
        res->status = KG_ELIMIT;
        snprintf(res->err, sizeof res->err,
                 "%s: response body larger than the %zu-byte limit", j->url,
                 j->opts.max_bytes);
        take_response(j, res, http);
        return false;
    } else if (j->refused_ip[0] && code == CURLE_COULDNT_CONNECT) {
        snprintf(why, sizeof why,
                 "%s: refused to connect to %s, a private, loopback or "
                 "link-local address (mark the source allow_private = yes "
                 "if it is meant to be reached)",
                 j->url, j->refused_ip);
    } else if (code == CURLE_TOO_MANY_REDIRECTS) {
        snprintf(why, sizeof why, "%s: more than %d redirects", j->url,
                 j->opts.max_redirects);
    } else if (code == CURLE_UNSUPPORTED_PROTOCOL && redirects > 0) {
        snprintf(why, sizeof why,
                 "%s: redirect to a scheme other than http or https "
                 "refused",
                 j->url);
    } else {
        retry = retryable_curl(code, j->attempts);
        snprintf(why, sizeof why, "%s: %s", j->url,
                 j->errbuf[0] ? j->errbuf : curl_easy_strerror(code));
    }
    int allowed = j->opts.retries > 0 ? j->opts.retries : 0;
    if (retry && j->attempts <= allowed) {
        double ra = retry_after > 0 ? (double)retry_after : 0;
        if (ra > j->opts.max_retry_after) {
            snprintf(res->err, sizeof res->err,
                     "%s; the server asks to wait %.0f s, more than the "
                     "%.0f s allowed",
                     why, ra, j->opts.max_retry_after);
            take_response(j, res, http);
            res->status = KG_ENET;
            return false;
        }
        double jitter = 0.5 + (double)rand_r(&f->seed) / ((double)RAND_MAX + 1);
        double delay = fetch_backoff_delay(
            j->opts.backoff > 0 ? j->opts.backoff : 0, j->attempts, jitter, ra);
        j->ready_at = kg_monotonic() + delay;
        if (j->opts.deadline <= 0 || j->ready_at < j->opts.deadline)
            return true;
        take_response(j, res, http);
        res->status = KG_ENET;
        snprintf(res->err, sizeof res->err,
                 "%s; no retry: the source's %g s time budget is used up", why,
                 j->opts.budget);
        return false;
    }
    take_response(j, res, http);
    res->status = KG_ENET;
    if (j->attempts > 1)
        snprintf(res->err, sizeof res->err, "%s (after %d attempts)", why,
                 j->attempts);
    else
        snprintf(res->err, sizeof res->err, "%s", why);
    return false;
}

/* Starts every pending job that may start now; returns the earliest time a
 * still-pending job may start (INFINITY when none waits). */
static double start_ready(struct fetcher *f, double now)
{
    double wake = INFINITY;
    struct job **p = &f->pending;
    while (*p) {
        struct job *j = *p;
        struct host *h = j->host ? host_get(f, j->host) : NULL;
        double at = j->ready_at;
        if (h && h->next > at)
            at = h->next;
        /* A job waiting for a slot or its host is woken by a transfer
         * finishing, not by the clock: counting its time would make
         * fetch_run poll with a zero timeout until then. */
        bool blocked = f->active >= f->parallel || (h && h->busy);
        if (blocked || at > now) {
            if (!blocked && at < wake)
                wake = at;
            p = &j->next;
            continue;
        }
        *p = j->next;
        j->next = NULL;
        j->attempts++;
        if (j->host && j->opts.deadline > 0 && now >= j->opts.deadline) {
            struct fetch_result res;
            fetch_result_init(&res);
            res.status = KG_ENET;
            res.url = kg_xstrdup(j->url);
            snprintf(res.err, sizeof res.err,
                     "%s: not fetched: the source's %g s time budget is used "
                     "up",
                     j->url, j->opts.budget);
            deliver(j, &res);
            p = &f->pending;
            continue;
        }
        if (!j->host) {
            struct fetch_result res;
            fetch_result_init(&res);
            j->f = f;
            read_local(j, &res);
            deliver(j, &res);
            /* The callback may have queued more: rescan from the start. */
            p = &f->pending;
            continue;
        }
        if (!start_curl(f, j)) {
            struct fetch_result res;
            fetch_result_init(&res);
            res.status = KG_EINTERNAL;
            const char *why = fetch_unavailable();
            snprintf(res.err, sizeof res.err, "%s: cannot start a transfer%s%s",
                     j->url, why ? ": " : "", why ? why : "");
            deliver(j, &res);
            p = &f->pending;
            continue;
        }
        h->busy = true;
        f->active++;
    }
    return wake;
}

/* Handles finished transfers; returns how many finished. */
static int process_done(struct fetcher *f)
{
    int n = 0;
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(f->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct job *j = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        CURLcode code = m->data.result;
        f->active--;
        n++;
        struct host *h = host_get(f, j->host);
        h->busy = false;
        h->next =
            kg_monotonic() + (j->opts.host_delay > 0 ? j->opts.host_delay : 0);
        struct fetch_result res;
        fetch_result_init(&res);
        bool again = finish_attempt(f, j, code, &res);
        if (again) {
            fetch_result_release(&res);
            job_reset_attempt(j);
            j->next = f->pending;
            f->pending = j;
        } else {
            job_reset_attempt(j);
            deliver(j, &res);
        }
    }
    return n;
}

kg_status fetch_run(struct fetcher *f)
{
    double last_tick = kg_monotonic();
    while (f->pending || f->active) {
        double now = kg_monotonic();
        double wake = start_ready(f, now);
        if (f->active > 0) {
            int running = 0;
            if (curl_multi_perform(f->multi, &running) != CURLM_OK)
                return KG_EINTERNAL;
            if (process_done(f) > 0)
                continue;
            double wait = wake - kg_monotonic();
            int ms = wait < 0 ? 0 : wait > 0.25 ? 250 : (int)(wait * 1000);
            if (curl_multi_poll(f->multi, NULL, 0, ms, NULL) != CURLM_OK)
                return KG_EINTERNAL;
        } else if (f->pending) {
            double wait = wake - now;
            sleep_for(wait > 0.25 ? 0.25 : wait);
        }
        now = kg_monotonic();
        if (f->tick && now - last_tick >= 0.25) {
            f->tick(f->bytes, f->tick_ctx);
            last_tick = now;
        }
    }
    return KG_OK;
}

static void get_done(struct fetch_result *res, void *ctx)
{
    struct fetch_result *out = ctx;
    fetch_result_release(out);
    *out = *res;
    fetch_result_init(res);
}

kg_status fetch_get(struct fetcher *f, const char *url,
                    struct fetch_result *out)
{
    struct fetch_req req = {.url = url, .done = get_done, .ctx = out};
    kg_status st = fetch_submit(f, &req);
    if (st != KG_OK) {
        out->status = st;
        snprintf(out->err, sizeof out->err,
                 "%s: only http, https and file URLs are fetched", url);
        return st;
    }
    st = fetch_run(f);
    if (st != KG_OK) {
        out->status = st;
        snprintf(out->err, sizeof out->err, "%s: the transfer loop failed",
                 url);
    }
    return out->status;
}
