/*
 * fetch.h - polite HTTP(S) GETs with libcurl for the ingestors: timeouts,
 * retries with exponential backoff and jitter (honouring Retry-After),
 * conditional GET, gzip/deflate, a body cap counted as bytes arrive, at
 * most 5 redirects and only to http/https, a per-host delay, and several
 * transfers at once through the multi interface. file:// URLs and plain
 * paths are read from disk under the same cap.
 */
#ifndef KG_INGEST_FETCH_H
#define KG_INGEST_FETCH_H

#include <sys/stat.h>

#include "core/kg.h"

#define FETCH_DEFAULT_CONNECT_TIMEOUT 10.0 /* seconds */
#define FETCH_DEFAULT_TIMEOUT 120.0        /* seconds, whole transfer */
#define FETCH_DEFAULT_RETRIES 4
#define FETCH_DEFAULT_BACKOFF 1.0    /* seconds before the first retry */
#define FETCH_DEFAULT_HOST_DELAY 1.0 /* seconds between requests to a host */
#define FETCH_DEFAULT_MAX_BYTES ((size_t)64 << 20)
#define FETCH_DEFAULT_MAX_REDIRECTS 5
#define FETCH_DEFAULT_PARALLEL 4
#define FETCH_DEFAULT_MAX_RETRY_AFTER 300.0 /* longer waits fail instead */

/*
 * Fetch policy. Zero members mean the defaults above; a negative retries,
 * backoff or host_delay means none.
 */
struct fetch_opts {
    double connect_timeout, timeout;
    int retries; /* extra attempts after the first */
    double backoff, host_delay, max_retry_after;
    size_t max_bytes;
    int max_redirects;
    /* Seconds one source may spend on all its requests, retries and waits
     * included (0: no limit); the caller turns it into deadline, a
     * kg_monotonic() time after which nothing more is started or retried
     * and each transfer's timeout is cut to what is left. */
    double budget, deadline;
    /* Connect to private, loopback and link-local addresses too. Off by
     * default: the address each connection actually uses (after DNS and
     * after every redirect) is checked, not the URL. */
    bool allow_private;
};

/* Fills unset (zero) members of o from base, then from the defaults. */
void fetch_opts_merge(struct fetch_opts *o, const struct fetch_opts *base);

/* The outcome of one request, after any retries. */
struct fetch_result {
    /* KG_OK: a 2xx response, or 304 for a conditional GET.
     * KG_ENET: no response, or an HTTP error status (body kept, so a
     * caller may read an error document sent with a 4xx).
     * KG_ELIMIT: the body passed max_bytes. KG_EIO: a local file failed. */
    kg_status status;
    long http;  /* HTTP status, 0 when none; 200 for local files */
    char *body; /* NUL-terminated (len excludes it) */
    size_t len;
    char *url; /* effective URL after redirects */
    char *content_type, *etag, *last_modified; /* NULL when absent */
    int attempts;
    char err[512]; /* "" on success */
};

/* init leaves an empty result (body ""); release frees every member and
 * leaves it zeroed (body NULL), safe to release again. */
void fetch_result_init(struct fetch_result *r);
void fetch_result_release(struct fetch_result *r);

/* Called once per submitted request, in fetch_run's thread. res belongs
 * to the fetcher and is released after the call (steal res->body by
 * setting it to NULL). The callback may submit more requests. */
typedef void (*fetch_done_cb)(struct fetch_result *res, void *ctx);

struct fetch_req {
    const char *url;
    const char *etag, *last_modified; /* validators for a conditional GET */
    const struct fetch_opts *opts;    /* NULL: the fetcher's */
    fetch_done_cb done;
    void *ctx;
};

struct fetcher;

/*
 * A fetcher running at most parallel transfers at once (0: default 4)
 * under opts (NULL: defaults). libcurl is started by its first http or
 * https transfer, so local files are read without it; when it cannot be
 * loaded or initialised, each such transfer fails with KG_EINTERNAL and
 * the reason (fetch_unavailable's). fetcher_free(NULL) is a no-op.
 */
struct fetcher *fetcher_new(const struct fetch_opts *opts, int parallel);

/*
 * libcurl is loaded on the first call of one of its functions
 * (ingest/curl_lazy.c). Loads it if that was not yet tried; NULL when it
 * is loaded, else why it cannot be (the library, the loader's reason, the
 * Debian package).
 */
const char *fetch_unavailable(void);
void fetcher_free(struct fetcher *f);

/* Called about every 250 ms while fetch_run waits, for live progress;
 * bytes is the total body bytes received so far. */
typedef void (*fetch_tick_cb)(size_t bytes, void *ctx);
void fetcher_set_tick(struct fetcher *f, fetch_tick_cb cb, void *ctx);

/* Total body bytes received by f so far (after decompression). */
size_t fetcher_bytes(const struct fetcher *f);

/*
 * Queues a request (the strings are copied). Returns KG_EUSAGE for a URL
 * with a scheme other than http, https or file; nothing is queued then.
 */
kg_status fetch_submit(struct fetcher *f,
                       const struct fetch_req *req) KG_MUST_CHECK;

/* Runs until every queued request (including those the callbacks add) has
 * completed. Returns KG_EINTERNAL only when libcurl's multi loop fails. */
kg_status fetch_run(struct fetcher *f) KG_MUST_CHECK;

/*
 * One request, waiting for it: *out receives the result (init it first;
 * the caller releases it). Returns out->status.
 */
kg_status fetch_get(struct fetcher *f, const char *url,
                    struct fetch_result *out) KG_MUST_CHECK;

/* Delay before retry number attempt (1 = first retry): backoff * 2^(n-1)
 * scaled by jitter in [0.5, 1.5), or retry_after when that is longer. */
double fetch_backoff_delay(double backoff, int attempt, double jitter,
                           double retry_after);

/* s percent-encoded for a URL query value (RFC 3986 unreserved bytes kept).
 * The caller frees it. */
char *fetch_escape(const char *s);

/*
 * Checks an http or https URL with libcurl's URL parser: it must parse, use
 * one of those two schemes and name a host. Returns KG_EUSAGE with a reason
 * in err otherwise.
 */
kg_status fetch_url_check(const char *url, char *err,
                          size_t errlen) KG_MUST_CHECK;

/* True for a URL read from disk (file:// or a path without a scheme). */
bool fetch_is_local(const char *url);
/* The validator (an ETag) of a local file: its size and modification
 * time, quoted. The caller frees it. */
char *fetch_file_validator(const struct stat *sb);

/* The local path of such a URL (the caller frees it), else NULL. */
char *fetch_local_path(const char *url);

#endif
