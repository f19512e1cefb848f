/*
 * fuzz_http.c - libFuzzer harness for the service's request handling
 * (serve_api_handle): the first byte picks the method and the credentials,
 * the first line is the path with its query string (split and
 * percent-decoded as libmicrohttpd hands them over), the rest is the body.
 * Requests run against a small store with its index, graph and workers,
 * as `kgmatch serve` answers them (without translation).  /metrics (counters
 * kept by the server loop, not the handler) is left out.
 */
#include "cli/serve.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXARGS 16

struct args {
    char *name[MAXARGS], *value[MAXARGS];
    size_t n;
};

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s in place ('+' is a space), as libmicrohttpd does. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '+') {
            *o++ = ' ';
        } else if (*s == '%' && hex(s[1]) >= 0 && hex(s[2]) >= 0) {
            *o++ = (char)(hex(s[1]) * 16 + hex(s[2]));
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

static const char *arg(void *conn, const char *name)
{
    struct args *a = conn;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->name[i], name) == 0)
            return a->value[i];
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char db[640];
    static struct serve_app *app;
    if (!app) {
        store_close(fuzz_store("http.db"));
        fuzz_path(db, sizeof db, "http.db");
        /* No translation: the dictionary has its own harness (fuzz_dict),
         * and this one must run wherever the binary is. */
        static char conf[640];
        static const char no_dict[] = "text.translate = 0\n";
        fuzz_write(fuzz_path(conf, sizeof conf, "http.conf"), no_dict,
                   sizeof no_dict - 1);
        char err[512];
        struct serve_app_opts o = {
            .db_path = db, .config = conf, .workers = 1, .cache_slots = 16};
        if (serve_app_open(&o, &app, err, sizeof err) != KG_OK)
            abort();
    }
    if (size < 1)
        return 0;
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE"};
    char *text = malloc(size);
    if (!text)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *body = strchr(text, '\n');
    if (body)
        *body++ = '\0';
    char *query = strchr(text, '?');
    struct args a = {.n = 0};
    if (query) {
        *query++ = '\0';
        for (char *save = NULL, *p = strtok_r(query, "&", &save);
             p && a.n < MAXARGS; p = strtok_r(NULL, "&", &save)) {
            char *eq = strchr(p, '=');
            if (eq)
                *eq++ = '\0';
            unescape(p);
            if (eq)
                unescape(eq);
            a.name[a.n] = p;
            a.value[a.n++] = eq ? eq : p + strlen(p);
        }
    }
    unescape(text);
    if (strncmp(text, "/metrics", 8) == 0) {
        free(text);
        return 0;
    }
    struct serve_req req = {
        .method = methods[data[0] & 3],
        .path = text,
        .body = body,
        .body_len = body ? strlen(body) : 0,
        .arg = arg,
        .conn = &a,
        .deadline = kg_monotonic() + 5,
        .budget_ms = 5000,
        .authorized = data[0] & 4,
        .has_auth = data[0] & 12,
        .keys = data[0] & 16,
        .db_path = db,
        .app = app,
    };
    serve_api_handle(&req);
    if (req.status < 100 || req.status > 599 || !req.content_type)
        abort(); /* every request gets an answer */
    free(req.content);
    free(text);
    return 0;
}
