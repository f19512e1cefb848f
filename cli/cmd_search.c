/*
 * cmd_search.c - `kgmatch search TEXT` ranks the indexed records by BM25
 * relevance to TEXT; `kgmatch search --queries FILE.jsonl` runs one query
 * per line and prints query_id,rank,kind,item_id,score rows for
 * evaluations and benchmarks, with --timing measuring each query inside
 * the process.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

#define SEARCH_MAX_LINE (16u << 20) /* a query line longer than this fails */

struct search_opts {
    unsigned kinds;
    size_t top;
    enum cli_format fmt;
    bool timing;
};

/* Adds "achievement,patent" (or one kind) to the mask. */
static int parse_kinds(const struct cli *cli, const char *arg, unsigned *mask)
{
    size_t at, len;
    if (record_kinds_parse(arg, APP_SEARCH_KINDS, mask, &at, &len) == KG_OK)
        return 0;
    return cli_usage(cli, "unknown kind '%.*s' (" APP_SEARCH_KINDS_NAMES ")",
                     (int)len, arg + at);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The nearest-rank percentile p of sorted v[0..n). */
static double percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)n + 0.999999);
    return v[i ? i - 1 : 0];
}

static void print_timing(double *lat, size_t n, double open_ms)
{
    qsort(lat, n, sizeof *lat, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += lat[i];
    fprintf(stderr,
            "timing: %zu queries, p50 %.3f ms, p99 %.3f ms, mean %.3f ms, "
            "max %.3f ms; index open %.1f ms\n",
            n, percentile(lat, n, 50), percentile(lat, n, 99),
            n ? sum / (double)n : 0, n ? lat[n - 1] : 0, open_ms);
}

static void print_hits(const struct app_search_hit *h, size_t n,
                       enum cli_format fmt)
{
    static const char *const head[] = {"rank", "kind", "id", "score", "label"};
    json_t *arr = fmt == CLI_JSON ? json_array() : NULL;
    struct cli_table *t = fmt == CLI_TABLE ? cli_table_new(5, head) : NULL;
    if (fmt == CLI_CSV)
        cli_csv_row(stdout, head, 5);
    for (size_t i = 0; i < n; i++) {
        const char *label = h[i].label;
        const char *kind = record_kind_name(h[i].kind);
        if (arr) {
            json_array_append_new(arr,
                                  json_pack("{s:I, s:s, s:s, s:f, s:s}", "rank",
                                            (json_int_t)(i + 1), "kind", kind,
                                            "id", h[i].id, "score", h[i].score,
                                            "label", label ? label : ""));
        } else {
            char rank[32], score[64];
            snprintf(rank, sizeof rank, "%zu", i + 1);
            snprintf(score, sizeof score, "%.4f", h[i].score);
            const char *row[] = {rank, kind, h[i].id, score,
                                 label ? label : ""};
            if (t)
                cli_table_add(t, row);
            else
                cli_csv_row(stdout, row, 5);
        }
    }
    if (arr) {
        cli_print_json(arr);
        json_decref(arr);
    }
    if (t) {
        cli_table_print(t, stdout, 60);
        cli_table_free(t);
    }
}

/* One JSONL line {"id": ..., "text": ...}; the id may be a number. */
static bool parse_query(const char *line, size_t len, char **id, char **text,
                        char *why, size_t whylen)
{
    json_error_t je;
    json_t *o = json_loadb(line, len, 0, &je);
    bool ok = false;
    if (!o) {
        snprintf(why, whylen, "bad JSON: %s", je.text);
        return false;
    }
    json_t *jid = json_object_get(o, "id"), *jt = json_object_get(o, "text");
    if (!json_is_object(o))
        snprintf(why, whylen, "not a JSON object");
    else if (!json_is_string(jid) && !json_is_integer(jid))
        snprintf(why, whylen, "missing \"id\"");
    else if (!json_is_string(jt))
        snprintf(why, whylen, "missing \"text\"");
    else
        ok = true;
    if (ok) {
        *id = json_is_string(jid)
                  ? kg_xstrdup(json_string_value(jid))
                  : kg_xasprintf("%lld", (long long)json_integer_value(jid));
        *text = kg_xstrdup(json_string_value(jt));
    }
    json_decref(o);
    return ok;
}

static int run_queries(const struct cli *cli, struct app_session *a,
                       const char *path, const struct search_opts *o,
                       double open_ms)
{
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!in) {
        cli_error(cli, "%s: %s", path, strerror(errno));
        return 1;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0, nq = 0, latcap = 0;
    double *lat = NULL;
    ssize_t len;
    int rc = 0;
    static const char *const head[] = {"query_id", "rank", "kind", "item_id",
                                       "score"};
    cli_csv_row(stdout, head, 5);
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (strspn(line, " \t") == (size_t)len)
            continue;
        char *id = NULL, *text = NULL, why[256];
        if ((size_t)len > SEARCH_MAX_LINE) {
            cli_error(cli, "%s:%zu: line longer than %u bytes", path, lineno,
                      SEARCH_MAX_LINE);
            rc = 1;
            break;
        }
        if (!parse_query(line, (size_t)len, &id, &text, why, sizeof why)) {
            cli_error(cli, "%s:%zu: %s", path, lineno, why);
            rc = 1;
            break;
        }
        struct app_search_hit *h;
        size_t n;
        double ms;
        kg_status st =
            app_search(a, text, o->kinds, o->top, false, &h, &n, &ms);
        if (st != KG_OK) {
            cli_error(cli, "%s:%zu: %s", path, lineno, app_last_error(a));
            free(id);
            free(text);
            /* a query the file gives badly is bad input, not usage */
            rc = kg_exit_code(st == KG_EUSAGE ? KG_EINPUT : st);
            break;
        }
        if (nq == latcap) {
            latcap = latcap ? latcap * 2 : 1024;
            lat = kg_xrealloc(lat, latcap * sizeof *lat);
        }
        lat[nq++] = ms;
        for (size_t i = 0; i < n; i++) {
            char rank[32], score[64];
            snprintf(rank, sizeof rank, "%zu", i + 1);
            snprintf(score, sizeof score, "%.4f", h[i].score);
            const char *row[] = {id, rank, record_kind_name(h[i].kind), h[i].id,
                                 score};
            cli_csv_row(stdout, row, 5);
        }
        app_search_free(h, n);
        free(id);
        free(text);
    }
    if (rc == 0 && ferror(in)) {
        cli_error(cli, "%s: %s", path, strerror(errno));
        rc = 1;
    }
    if (in != stdin)
        fclose(in);
    if (o->timing && rc == 0)
        print_timing(lat, nq, open_ms);
    free(lat);
    free(line);
    return rc;
}

int cmd_search(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"kind", required_argument, NULL, 'k'},
        {"top", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {"queries", required_argument, NULL, 'q'},
        {"timing", no_argument, NULL, 't'},
        {"k1", required_argument, NULL, '1'},
        {"b", required_argument, NULL, 'b'},
        {"lang", required_argument, NULL, 'L'},
        {NULL, 0, NULL, 0},
    };
    struct search_opts o = {.top = 10, .fmt = CLI_TABLE};
    struct app_index_opts iopts = {0};
    const char *queries = NULL, *lang = "any";
    int c, rc;
    double v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:n:f:", longopts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if ((rc = parse_kinds(cli, optarg, &o.kinds)) != 0)
                return rc;
            break;
        case 'n':
            /* One checked parser with match's range: an unchecked count
             * made the index's top-k heap wrap (found by fuzz_opts). */
            if ((rc = cli_parse_top(cli, optarg, &o.top)) != 0)
                return rc;
            break;
        case 'f':
            if ((rc = cli_parse_format(cli, optarg, &o.fmt)) != 0)
                return rc;
            break;
        case 'q':
            queries = optarg;
            break;
        case 'L':
            lang = optarg;
            break;
        case 't':
            o.timing = true;
            break;
        case '1':
        case 'b':
            if ((rc = cli_parse_real(cli, c == 'b' ? "b" : "k1", optarg,
                                     c == 'b' ? 0.0 : 0.01, c == 'b' ? 1 : 100,
                                     &v)) != 0)
                return rc;
            *(c == 'b' ? &iopts.b : &iopts.k1) = v;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    if (!queries && optind >= argc)
        return cli_usage(cli, "no search text (or --queries FILE)");
    if (queries && optind < argc)
        return cli_usage(cli, "give search text or --queries, not both");
    struct kg_buf text;
    kg_buf_init(&text);
    for (int i = optind; i < argc; i++) {
        if (i > optind)
            kg_buf_addc(&text, ' ');
        kg_buf_adds(&text, argv[i]);
    }

    struct app_session *a = NULL;
    rc = text.len ? cli_check_utf8(cli, "the search text", text.data) : 0;
    if (rc)
        goto done;
    rc = cli_session(cli, APP_READ, NULL, &a);
    if (rc)
        goto done;
    double open_ms;
    kg_status st = app_search_lang(a, lang);
    if (st == KG_OK)
        st = app_index_open(a, &iopts, &open_ms);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, a, st);
        goto done;
    }
    if (queries) {
        rc = run_queries(cli, a, queries, &o, open_ms);
        goto done;
    }
    struct app_search_hit *h;
    size_t n;
    double lat;
    st = app_search(a, text.data, o.kinds, o.top, true, &h, &n, &lat);
    if (st != KG_OK) {
        cli_error(cli, "%s", app_last_error(a));
        rc = kg_exit_code(st);
        goto done;
    }
    print_hits(h, n, o.fmt);
    if (o.timing)
        print_timing(&lat, 1, open_ms);
    app_search_free(h, n);
done:
    app_close(a);
    kg_buf_release(&text);
    return rc;
}
