/*
 * util.c - what the subcommands share: error printing, --format, the
 * index refresh warning, CSV fields and a table laid out by terminal
 * display width.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unistd.h>

#include "cli/cli.h"

void cli_error(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kgmatch: %s%s", cli && cli->cmd ? cli->cmd : "",
            cli && cli->cmd ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage(const struct cli *cli, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "kgmatch: %s: ", cli->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\ntry 'kgmatch %s --help'\n", cli->cmd);
    return 2;
}

int cli_parse_format(const struct cli *cli, const char *s, enum cli_format *out)
{
    if (strcmp(s, "table") == 0)
        *out = CLI_TABLE;
    else if (strcmp(s, "json") == 0)
        *out = CLI_JSON;
    else if (strcmp(s, "csv") == 0)
        *out = CLI_CSV;
    else
        return cli_usage(cli, "unknown format '%s' (table, json or csv)", s);
    return 0;
}

int cli_parse_format_no_csv(const struct cli *cli, const char *s,
                            enum cli_format *out)
{
    int rc = cli_parse_format(cli, s, out);
    if (rc == 0 && *out == CLI_CSV)
        return cli_usage(cli, "--format is table or json");
    return rc;
}

int cli_format_options(const struct cli *cli, int argc, char **argv,
                       enum cli_format *fmt)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
        if (c != 'f')
            return cli_usage(cli, "bad option");
        if ((rc = cli_parse_format(cli, optarg, fmt)) != 0)
            return rc;
    }
    return 0;
}

void cli_print_json(const struct json_t *v)
{
    char *txt = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                  JSON_REAL_PRECISION(6));
    if (txt)
        puts(txt);
    free(txt);
}

void cli_csv_field(FILE *f, const char *s)
{
    if (!s)
        s = "";
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void cli_csv_row(FILE *f, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        cli_csv_field(f, v[i]);
    }
    fputc('\n', f);
}

static int char_width(uint32_t c)
{
    if (c == 0 || u_charType((UChar32)c) == U_NON_SPACING_MARK ||
        u_charType((UChar32)c) == U_ENCLOSING_MARK ||
        u_charType((UChar32)c) == U_FORMAT_CHAR)
        return 0;
    int ea = u_getIntPropertyValue((UChar32)c, UCHAR_EAST_ASIAN_WIDTH);
    return ea == U_EA_WIDE || ea == U_EA_FULLWIDTH ? 2 : 1;
}

size_t cli_display_width(const char *s)
{
    size_t w = 0, n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t c;
        int len = kg_utf8_decode(s + i, n - i, &c);
        if (len == 0) {
            i++, w++;
            continue;
        }
        w += (size_t)char_width(c);
        i += (size_t)len;
    }
    return w;
}

struct cli_table {
    size_t ncols, nrows;
    char **cells; /* (nrows + 1) * ncols, row 0 the header */
};

struct cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
    struct cli_table *t = kg_xcalloc(1, sizeof *t);
    t->ncols = ncols;
    cli_table_add(t, headers);
    return t;
}

void cli_put_visible(FILE *f, const char *s)
{
    char *v = cli_visible(s);
    fputs(v, f);
    free(v);
}

/* Characters that would reorder or hide the text around them on a
 * terminal: the bidirectional embeddings, overrides, isolates and marks,
 * and the noncharacters U+FFFE, U+FFFF. */
static bool is_invisible_control(uint32_t c)
{
    return c == 0x061C || c == 0x200E || c == 0x200F ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
           c == 0xFFFE || c == 0xFFFF;
}

char *cli_visible(const char *s)
{
    struct kg_buf b;
    kg_buf_init(&b);
    size_t n = strlen(s ? s : "");
    for (size_t i = 0; i < n;) {
        uint32_t c;
        int len = kg_utf8_decode(s + i, n - i, &c);
        if (len == 0) {
            kg_buf_printf(&b, "\\x%02X", (unsigned char)s[i]);
            i++;
            continue;
        }
        if (c == '\n')
            kg_buf_adds(&b, "\\n");
        else if (c == '\t')
            kg_buf_adds(&b, "\\t");
        else if (c == '\r')
            kg_buf_adds(&b, "\\r");
        else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0))
            kg_buf_printf(&b, "\\x%02X", (unsigned)c);
        else if (is_invisible_control(c))
            kg_buf_printf(&b, "\\u%04X", (unsigned)c);
        else
            kg_buf_add(&b, s + i, (size_t)len);
        i += (size_t)len;
    }
    return b.data ? b.data : kg_xstrdup("");
}

void cli_table_add(struct cli_table *t, const char *const *cells)
{
    t->cells =
        kg_xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *t->cells);
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = cli_visible(cells[i]);
    t->nrows++;
}

/* Writes s cut to at most max columns (with "…"), padded to pad. */
static void put_cell(FILE *f, const char *s, size_t max, size_t pad)
{
    size_t w = 0, n = strlen(s), i = 0;
    bool cut = cli_display_width(s) > max;
    size_t room = cut ? max - 1 : max;
    while (i < n) {
        uint32_t c;
        int len = kg_utf8_decode(s + i, n - i, &c);
        int cw = len ? char_width(c) : 1;
        if (w + (size_t)cw > room)
            break;
        fwrite(s + i, 1, len ? (size_t)len : 1, f);
        w += (size_t)cw;
        i += len ? (size_t)len : 1;
    }
    if (cut) {
        fputs("…", f);
        w++;
    }
    for (; w < pad; w++)
        fputc(' ', f);
}

void cli_table_print(struct cli_table *t, FILE *f, size_t max_width)
{
    size_t *w = kg_xcalloc(t->ncols, sizeof *w);
    if (max_width < 2)
        max_width = 2;
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t cw = cli_display_width(t->cells[r * t->ncols + c]);
            if (cw > max_width)
                cw = max_width;
            if (cw > w[c])
                w[c] = cw;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            bool last = c + 1 == t->ncols;
            put_cell(f, t->cells[r * t->ncols + c], max_width, last ? 0 : w[c]);
            if (!last)
                fputs("  ", f);
        }
        fputc('\n', f);
    }
    free(w);
}

void cli_table_free(struct cli_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

void cli_refresh_index(const struct cli *cli, struct app_session *a,
                       int64_t since)
{
    if (app_refresh_index(a, since) != KG_OK)
        cli_error(cli, "warning: search index not updated: %s",
                  app_last_error(a));
}

/* ---- progress ------------------------------------------------------------ */

void cli_progress_init(struct cli_progress *p, const char *what,
                       const char *unit, bool quiet)
{
    *p = (struct cli_progress){
        .what = what, .unit = unit, .on = !quiet && isatty(2), .last = -1};
}

void cli_progress_draw(const char *stage, size_t done, size_t total, void *ctx)
{
    struct cli_progress *p = ctx;
    double now = kg_monotonic();
    if (!p->on || (done < total && p->last >= 0 && now - p->last < 0.1))
        return;
    p->last = now;
    if (total)
        fprintf(stderr, "\r%s: %s %zu/%zu %s\033[K", p->what, stage, done,
                total, p->unit);
    else
        fprintf(stderr, "\r%s: %s\033[K", p->what, stage);
    fflush(stderr);
    p->shown = true;
}

void cli_progress_clear(struct cli_progress *p)
{
    if (!p->shown)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    p->shown = false;
}
