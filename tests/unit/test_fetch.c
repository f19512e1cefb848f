/*
 * test_fetch.c - the fetch policy against the real loopback server
 * (tests/tools/testhttpd, started per test with its own routes): retries,
 * Retry-After, timeouts, truncation, gzip, conditional GET, redirects,
 * the body cap, error bodies, local files and the multi queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ingest/fetch.h"

static char tool[4096];

struct server {
    char dir[256];
    pid_t pid;
    int port;
    char base[64];
};

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return strdup("");
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strdup(buf);
}

static void server_start(struct server *s, const char *routes)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/kg-test-fetch-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    write_text(s->dir, "routes", routes);
    write_text(s->dir, "a.xml", "<a>hello</a>\n");
    char big[4096];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    write_text(s->dir, "big.txt", big);
    char routes_path[512], port_path[512], log_path[512];
    snprintf(routes_path, sizeof routes_path, "%s/routes", s->dir);
    snprintf(port_path, sizeof port_path, "%s/port", s->dir);
    snprintf(log_path, sizeof log_path, "%s/log", s->dir);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        /* An orphan (after a failed assertion) must not hold our output. */
        if (!freopen("/dev/null", "w", stdout) ||
            !freopen("/dev/null", "w", stderr))
            _exit(126);
        execl(tool, tool, "--routes", routes_path, "--port-file", port_path,
              "--root", s->dir, "--log", log_path, "--log-ua", "--log-time",
              "--lifetime", "60", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(port_path, "r");
        if (f) {
            int ok = fscanf(f, "%d", &s->port) == 1;
            fclose(f);
            if (ok)
                break;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(s->port > 0);
    snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
}

static void server_stop(struct server *s)
{
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    assert_int_equal(system(cmd), 0);
}

/* Fast policy for tests: no host delay, tiny backoff. */
static const struct fetch_opts quick = {
    .backoff = 0.01,
    .host_delay = -1,
    .timeout = 10,
    .retries = 2,
    .allow_private = true}; /* the test server is on 127.0.0.1 */

static kg_status get(struct server *s, const char *path,
                     const struct fetch_opts *o, struct fetch_result *res)
{
    struct fetcher *f = fetcher_new(o ? o : &quick, 0);
    assert_non_null(f);
    char *url = kg_xasprintf("%s%s", s->base, path);
    fetch_result_init(res);
    kg_status st = fetch_get(f, url, res);
    free(url);
    fetcher_free(f);
    return st;
}

static void fetches_a_body_with_the_kgmatch_user_agent(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 file=a.xml\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_OK);
    assert_int_equal(r.http, 200);
    assert_string_equal(r.body, "<a>hello</a>\n");
    assert_int_equal(r.len, 13);
    assert_int_equal(r.attempts, 1);
    assert_string_equal(r.content_type, "text/xml; charset=utf-8");
    char *log = read_text(s.dir, "log");
    assert_non_null(strstr(log, "User-Agent: kgmatch/" KG_VERSION));
    assert_non_null(strstr(log, "Accept-Encoding: gzip, deflate"));
    free(log);
    fetch_result_release(&r);
    server_stop(&s);
}

static void retries_a_503_then_succeeds(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 503 || 200 file=a.xml\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_OK);
    assert_int_equal(r.attempts, 2);
    assert_string_equal(r.body, "<a>hello</a>\n");
    fetch_result_release(&r);
    server_stop(&s);
}

/* Seconds between the first two requests starting with what in the
 * server's log (testhttpd --log-time), or -1. */
static double request_gap(const struct server *s, const char *what)
{
    char *log = read_text(s->dir, "log");
    double at[2];
    int n = 0;
    for (char *line = log; line && *line && n < 2;) {
        char *nl = strchr(line, '\n');
        char *t = strstr(line, " at=");
        if (strncmp(line, what, strlen(what)) == 0 && t && (!nl || t < nl))
            at[n++] = strtod(t + 4, NULL);
        line = nl ? nl + 1 : NULL;
    }
    free(log);
    return n == 2 ? at[1] - at[0] : -1;
}

static void retries_a_429_with_retry_after(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 429 header=Retry-After:1 || 200 file=a.xml\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_OK);
    assert_int_equal(r.attempts, 2);
    fetch_result_release(&r);
    /* Honoured, not just retried: the server saw the second request about
     * a second after the first (wide margins for a loaded machine). */
    double gap = request_gap(&s, "GET /a");
    assert_true(gap >= 0.8);
    assert_true(gap < 30);
    server_stop(&s);
}

static void fails_when_retry_after_is_longer_than_allowed(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 429 header=Retry-After:3600 || 200 file=a.xml\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_ENET);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.http, 429);
    assert_non_null(strstr(r.err, "asks to wait 3600 s"));
    fetch_result_release(&r);
    server_stop(&s);
}

static void gives_up_after_the_last_retry(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 503\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_ENET);
    assert_int_equal(r.attempts, 3);
    assert_int_equal(r.http, 503);
    assert_non_null(strstr(r.err, "HTTP 503"));
    assert_non_null(strstr(r.err, "after 3 attempts"));
    fetch_result_release(&r);
    server_stop(&s);
}

static void times_out_on_a_stalled_response(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 stall=5 file=a.xml\n");
    struct fetch_opts o = quick;
    o.timeout = 0.3;
    o.retries = -1;
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", &o, &r), KG_ENET);
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(r.err, "timed out"));
    fetch_result_release(&r);
    server_stop(&s);
}

static void retries_a_timeout_then_succeeds(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 stall=5 file=a.xml || 200 file=a.xml\n");
    struct fetch_opts o = quick;
    o.timeout = 0.3;
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", &o, &r), KG_OK);
    assert_int_equal(r.attempts, 2);
    fetch_result_release(&r);
    server_stop(&s);
}

static void retries_a_truncated_body(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 file=a.xml truncate=4 || 200 file=a.xml\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_OK);
    assert_int_equal(r.attempts, 2);
    assert_string_equal(r.body, "<a>hello</a>\n");
    fetch_result_release(&r);
    server_stop(&s);
}

static void reports_a_body_that_stays_truncated(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 file=a.xml truncate=4\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_ENET);
    assert_int_equal(r.attempts, 3);
    assert_non_null(strstr(r.err, "after 3 attempts"));
    fetch_result_release(&r);
    server_stop(&s);
}

static void decodes_a_gzip_body(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 file=big.txt gzip\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_OK);
    assert_int_equal(r.len, 4095);
    assert_int_equal(r.body[0], 'z');
    fetch_result_release(&r);
    server_stop(&s);
}

static void remembers_etag_and_last_modified(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 file=a.xml etag=v1 "
                     "lastmod=Wed,%2021%20Oct%202015%2007:28:00%20GMT\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_OK);
    assert_int_equal(r.http, 200);
    assert_string_equal(r.etag, "\"v1\"");
    assert_string_equal(r.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
    fetch_result_release(&r);
    server_stop(&s);
}

static void cond_done(struct fetch_result *res, void *ctx)
{
    struct fetch_result *out = ctx;
    fetch_result_release(out);
    *out = *res;
    fetch_result_init(res);
}

static void a_conditional_get_of_an_unchanged_page_gets_304(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 file=a.xml etag=v1\n");
    struct fetcher *f = fetcher_new(&quick, 0);
    struct fetch_result r;
    fetch_result_init(&r);
    char *url = kg_xasprintf("%s/a", s.base);
    struct fetch_req req = {
        .url = url, .etag = "\"v1\"", .done = cond_done, .ctx = &r};
    assert_int_equal(fetch_submit(f, &req), KG_OK);
    assert_int_equal(fetch_run(f), KG_OK);
    assert_int_equal(r.status, KG_OK);
    assert_int_equal(r.http, 304);
    assert_int_equal(r.len, 0);
    char *log = read_text(s.dir, "log");
    assert_non_null(strstr(log, "If-None-Match: \"v1\""));
    free(log);
    free(url);
    fetch_result_release(&r);
    fetcher_free(f);
    server_stop(&s);
}

static void follows_a_redirect(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/old 301 header=Location:/a\n/a 200 file=a.xml\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/old", NULL, &r), KG_OK);
    char *want = kg_xasprintf("%s/a", s.base);
    assert_string_equal(r.url, want);
    free(want);
    fetch_result_release(&r);
    server_stop(&s);
}

static void refuses_a_redirect_loop(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/loop 302 header=Location:/loop\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/loop", NULL, &r), KG_ENET);
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(r.err, "more than 5 redirects"));
    char *log = read_text(s.dir, "log");
    int n = 0;
    for (char *p = strstr(log, "GET /loop"); p; p = strstr(p + 1, "GET /loop"))
        n++;
    assert_int_equal(n, 6);
    free(log);
    fetch_result_release(&r);
    server_stop(&s);
}

static void refuses_a_redirect_to_another_scheme(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 302 header=Location:file:///etc/passwd\n"
                     "/b 302 header=Location:ftp://127.0.0.1/x\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_ENET);
    assert_non_null(strstr(r.err, "other than http or https refused"));
    assert_null(strstr(r.body, "root:"));
    fetch_result_release(&r);
    assert_int_equal(get(&s, "/b", NULL, &r), KG_ENET);
    assert_non_null(strstr(r.err, "other than http or https refused"));
    fetch_result_release(&r);
    server_stop(&s);
}

static void refuses_a_body_over_the_limit(void **state)
{
    (void)state;
    struct server s;
    /* No Content-Length (chunked): only counting the bytes can stop it. */
    server_start(&s, "/a 200 fill=3000000\n");
    struct fetch_opts o = quick;
    o.max_bytes = 1 << 20;
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", &o, &r), KG_ELIMIT);
    assert_non_null(strstr(r.err, "larger than the 1048576-byte limit"));
    assert_true(r.len <= (size_t)1 << 20);
    assert_int_equal(r.attempts, 1);
    fetch_result_release(&r);
    server_stop(&s);
}

static void counts_the_limit_after_decompression(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 file=big.txt gzip\n");
    struct fetch_opts o = quick;
    o.max_bytes = 1000;
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", &o, &r), KG_ELIMIT);
    fetch_result_release(&r);
    server_stop(&s);
}

static void keeps_the_body_of_an_http_error(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 422 file=a.xml\n");
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", NULL, &r), KG_ENET);
    assert_int_equal(r.http, 422);
    assert_int_equal(r.attempts, 1);
    assert_string_equal(r.body, "<a>hello</a>\n");
    assert_non_null(strstr(r.err, "HTTP 422"));
    fetch_result_release(&r);
    server_stop(&s);
}

static void retries_a_refused_connection_once_then_fails(void **state)
{
    (void)state;
    /* A port that was just free. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    char *url = kg_xasprintf("http://127.0.0.1:%d/a", ntohs(sa.sin_port));
    struct fetcher *f = fetcher_new(&quick, 0);
    struct fetch_result r;
    fetch_result_init(&r);
    assert_int_equal(fetch_get(f, url, &r), KG_ENET);
    /* quick allows 2 retries; a refused connection gets one */
    assert_int_equal(r.attempts, 2);
    assert_non_null(strstr(r.err, "after 2 attempts"));
    fetch_result_release(&r);
    fetcher_free(f);
    free(url);
}

static void refuses_a_loopback_address_unless_allowed(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 file=a.xml\n");
    struct fetch_opts o = quick;
    o.allow_private = false;
    struct fetch_result r;
    assert_int_equal(get(&s, "/a", &o, &r), KG_ENET);
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(r.err, "refused to connect to 127.0.0.1"));
    fetch_result_release(&r);
    assert_int_equal(get(&s, "/a", NULL, &r), KG_OK);
    fetch_result_release(&r);
    server_stop(&s);
}

static void never_retries_an_unknown_host(void **state)
{
    (void)state;
    struct fetcher *f = fetcher_new(&quick, 0);
    struct fetch_result r;
    fetch_result_init(&r);
    assert_int_equal(fetch_get(f, "http://kgmatch-test.invalid/a", &r),
                     KG_ENET);
    assert_int_equal(r.attempts, 1);
    fetch_result_release(&r);
    fetcher_free(f);
}

static void reads_local_files_with_a_validator(void **state)
{
    (void)state;
    char dir[] = "/tmp/kg-test-local-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_text(dir, "x.txt", "local body");
    char *path = kg_xasprintf("%s/x.txt", dir);
    char *url = kg_xasprintf("file://%s", path);
    struct fetcher *f = fetcher_new(&quick, 0);
    struct fetch_result r;
    fetch_result_init(&r);
    assert_int_equal(fetch_get(f, path, &r), KG_OK);
    assert_string_equal(r.body, "local body");
    assert_non_null(r.etag);
    struct fetch_result r2;
    fetch_result_init(&r2);
    struct fetch_req req = {
        .url = url, .etag = r.etag, .done = cond_done, .ctx = &r2};
    assert_int_equal(fetch_submit(f, &req), KG_OK);
    assert_int_equal(fetch_run(f), KG_OK);
    assert_int_equal(r2.http, 304);
    fetch_result_release(&r2);
    fetch_result_release(&r);
    fetch_result_init(&r);
    struct fetch_opts small = quick;
    small.max_bytes = 4;
    struct fetcher *f2 = fetcher_new(&small, 0);
    assert_int_equal(fetch_get(f2, url, &r), KG_ELIMIT);
    fetch_result_release(&r);
    fetch_result_init(&r);
    char *missing = kg_xasprintf("%s/none", dir);
    assert_int_equal(fetch_get(f2, missing, &r), KG_EIO);
    fetch_result_release(&r);
    fetcher_free(f2);
    fetcher_free(f);
    free(missing);
    free(url);
    unlink(path);
    free(path);
    rmdir(dir);
}

static void refuses_other_schemes(void **state)
{
    (void)state;
    struct fetcher *f = fetcher_new(&quick, 0);
    struct fetch_req req = {.url = "ftp://127.0.0.1/x"};
    assert_int_equal(fetch_submit(f, &req), KG_EUSAGE);
    req.url = "gopher://x";
    assert_int_equal(fetch_submit(f, &req), KG_EUSAGE);
    fetcher_free(f);
}

struct counter {
    int done, ok;
    struct fetcher *f;
    char *again;
};

static void count_done(struct fetch_result *res, void *ctx)
{
    struct counter *c = ctx;
    c->done++;
    c->ok += res->status == KG_OK;
    if (c->again) {
        /* A callback may queue the next page. */
        struct fetch_req req = {.url = c->again, .done = count_done, .ctx = c};
        char *u = c->again;
        c->again = NULL;
        assert_int_equal(fetch_submit(c->f, &req), KG_OK);
        free(u);
    }
}

static void runs_several_requests_and_follow_ups(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "/a 200 file=a.xml\n/b 200 stall=0.2 file=a.xml\n"
                     "/c 404\n");
    struct fetcher *f = fetcher_new(&quick, 2);
    struct counter c = {.f = f};
    c.again = kg_xasprintf("%s/a", s.base);
    const char *paths[] = {"/a", "/b", "/c", "/a"};
    for (int i = 0; i < 4; i++) {
        char *url = kg_xasprintf("%s%s", s.base, paths[i]);
        struct fetch_req req = {.url = url, .done = count_done, .ctx = &c};
        assert_int_equal(fetch_submit(f, &req), KG_OK);
        free(url);
    }
    assert_int_equal(fetch_run(f), KG_OK);
    assert_int_equal(c.done, 5);
    assert_int_equal(c.ok, 4);
    assert_true(fetcher_bytes(f) >= 4 * 13);
    fetcher_free(f);
    server_stop(&s);
}

static void backoff_doubles_and_yields_to_retry_after(void **state)
{
    (void)state;
    assert_true(fetch_backoff_delay(1.0, 1, 1.0, 0) == 1.0);
    assert_true(fetch_backoff_delay(1.0, 2, 1.0, 0) == 2.0);
    assert_true(fetch_backoff_delay(1.0, 4, 1.0, 0) == 8.0);
    assert_true(fetch_backoff_delay(1.0, 3, 0.5, 0) == 2.0);
    assert_true(fetch_backoff_delay(1.0, 1, 1.0, 30) == 30.0);
    assert_true(fetch_backoff_delay(0, 3, 1.0, 0) == 0.0);
}

static void merges_options_over_the_defaults(void **state)
{
    (void)state;
    struct fetch_opts base = {.timeout = 5, .retries = -1};
    struct fetch_opts o = {.timeout = 7};
    fetch_opts_merge(&o, &base);
    assert_true(o.timeout == 7);
    assert_int_equal(o.retries, -1);
    assert_true(o.connect_timeout == FETCH_DEFAULT_CONNECT_TIMEOUT);
    assert_int_equal(o.max_redirects, 5);
    assert_int_equal(o.max_bytes, FETCH_DEFAULT_MAX_BYTES);
}

static void knows_local_urls(void **state)
{
    (void)state;
    assert_true(fetch_is_local("/tmp/x.xml"));
    assert_true(fetch_is_local("file:///tmp/x.xml"));
    assert_false(fetch_is_local("http://x/y"));
    char *p = fetch_local_path("file:///tmp/a%20b.xml");
    assert_string_equal(p, "/tmp/a b.xml");
    free(p);
    p = fetch_local_path("file://localhost/tmp/x");
    assert_string_equal(p, "/tmp/x");
    free(p);
    assert_null(fetch_local_path("https://x/"));
}

int main(int argc, char **argv)
{
    (void)argc;
    const char *slash = strrchr(argv[0], '/');
    snprintf(tool, sizeof tool, "%.*s/tools/testhttpd",
             slash ? (int)(slash - argv[0]) : 1, slash ? argv[0] : ".");
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fetches_a_body_with_the_kgmatch_user_agent),
        cmocka_unit_test(retries_a_503_then_succeeds),
        cmocka_unit_test(retries_a_429_with_retry_after),
        cmocka_unit_test(fails_when_retry_after_is_longer_than_allowed),
        cmocka_unit_test(gives_up_after_the_last_retry),
        cmocka_unit_test(times_out_on_a_stalled_response),
        cmocka_unit_test(retries_a_timeout_then_succeeds),
        cmocka_unit_test(retries_a_truncated_body),
        cmocka_unit_test(reports_a_body_that_stays_truncated),
        cmocka_unit_test(decodes_a_gzip_body),
        cmocka_unit_test(remembers_etag_and_last_modified),
        cmocka_unit_test(a_conditional_get_of_an_unchanged_page_gets_304),
        cmocka_unit_test(follows_a_redirect),
        cmocka_unit_test(refuses_a_redirect_loop),
        cmocka_unit_test(refuses_a_redirect_to_another_scheme),
        cmocka_unit_test(refuses_a_body_over_the_limit),
        cmocka_unit_test(counts_the_limit_after_decompression),
        cmocka_unit_test(keeps_the_body_of_an_http_error),
        cmocka_unit_test(retries_a_refused_connection_once_then_fails),
        cmocka_unit_test(never_retries_an_unknown_host),
        cmocka_unit_test(refuses_a_loopback_address_unless_allowed),
        cmocka_unit_test(reads_local_files_with_a_validator),
        cmocka_unit_test(refuses_other_schemes),
        cmocka_unit_test(runs_several_requests_and_follow_ups),
        cmocka_unit_test(backoff_doubles_and_yields_to_retry_after),
        cmocka_unit_test(merges_options_over_the_defaults),
        cmocka_unit_test(knows_local_urls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
