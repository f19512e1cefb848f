/*
 * import.c - streaming JSONL and CSV import. One record at a time is held
 * in memory; a file is one transaction, so a bad line without --skip-bad
 * leaves the store exactly as it was.
 */
#include "ingest/import.h"

#include <stdlib.h>
#include <string.h>

#define IMPORT_MAX_LINE (16u << 20) /* one record's bytes */
#define IMPORT_MAX_COLS 64

struct importer {
    struct store *s;
    const struct import_opts *o;
    struct import_stats *st;
    const char *name;
    const char *source;
    bool any_bad;
};

/* Reports a bad line; returns true when the import goes on past it
 * (--skip-bad), false when the whole stream fails. */
static bool bad_line(struct importer *im, size_t line, const char *reason)
{
    if (im->o->bad_line)
        im->o->bad_line(im->name, line, reason, im->o->ctx);
    im->any_bad = true;
    im->st->bad++;
    return im->o->skip_bad;
}

/* Stores one parsed record; returns non-OK only for store failures. */
static kg_status put(struct importer *im, struct kg_record *r)
{
    enum store_upsert_result res;
    kg_status st =
        store_put(im->s, r, im->source,
                  im->o->replace ? STORE_REPLACE : STORE_MERGE, &res);
    if (st != KG_OK)
        return st;
    if (res == STORE_ADDED)
        im->st->added++;
    else if (res == STORE_UPDATED)
        im->st->updated++;
    else
        im->st->unchanged++;
    return KG_OK;
}

static void strip_bom(char **p, size_t *n)
{
    if (*n >= 3 && memcmp(*p, "\xEF\xBB\xBF", 3) == 0) {
        *p += 3;
        *n -= 3;
    }
}

static bool blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    return true;
}

static kg_status import_jsonl(struct importer *im, FILE *in)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    kg_status st = KG_OK;
    char err[512];
    while ((got = getline(&line, &cap, in)) >= 0) {
        char *p = line;
        size_t n = (size_t)got;
        lineno++;
        if (lineno == 1)
            strip_bom(&p, &n);
        if (blank(p, n))
            continue;
        im->st->lines++;
        if (n > IMPORT_MAX_LINE) {
            snprintf(err, sizeof err, "line longer than %u bytes",
                     IMPORT_MAX_LINE);
            if (!bad_line(im, lineno, err))
                break;
            continue;
        }
        struct kg_record r;
        record_init(&r, im->o->kind);
        if (record_from_json(&r, p, n, err, sizeof err) != KG_OK) {
            if (!bad_line(im, lineno, err))
                break;
            continue;
        }
        if (record_check_input(&r, err, sizeof err) != KG_OK) {
            record_release(&r);
            if (!bad_line(im, lineno, err))
                break;
            continue;
        }
        st = put(im, &r);
        record_release(&r);
        if (st != KG_OK)
            break;
    }
    if (st == KG_OK && ferror(in)) {
        snprintf(err, sizeof err, "read error");
        (void)bad_line(im, lineno, err);
    }
    free(line);
    return st;
}

/* CSV (RFC 4180): reads one record into cols; returns false at EOF.
 * *line advances over every physical line consumed. */
struct csv_row {
    struct kg_buf cols[IMPORT_MAX_COLS];
    size_t n;
    size_t start_line;
    char err[128];
};

static int csv_read(FILE *in, struct csv_row *row, size_t *line)
{
    int c;
    bool quoted = false, any = false;
    size_t col = 0;
    size_t bytes = 0;
    row->n = 0;
    row->err[0] = '\0';
    row->start_line = *line + 1;
    kg_buf_reset(&row->cols[0]);
    for (;;) {
        c = getc(in);
        if (c == EOF) {
            if (quoted) {
                snprintf(row->err, sizeof row->err,
                         "unterminated quoted field");
                row->n = col + 1;
                (*line)++;
                return -1;
            }
            if (!any)
                return 0;
            (*line)++;
            row->n = col + 1;
            return 1;
        }
        any = true;
        if (c == '\0' || ++bytes > IMPORT_MAX_LINE) {
            /* A NUL would cut the value silently (values are C strings),
             * as JSON's \u0000 is refused. */
            if (c == '\0')
                snprintf(row->err, sizeof row->err,
                         "a NUL byte, which values cannot contain");
            else
                snprintf(row->err, sizeof row->err,
                         "record longer than %u bytes", IMPORT_MAX_LINE);
            while (c != EOF && c != '\n')
                c = getc(in);
            (*line)++;
            return -1;
        }
        if (quoted) {
            if (c == '"') {
                int d = getc(in);
                if (d == '"') {
                    kg_buf_addc(&row->cols[col], '"');
                } else {
                    quoted = false;
                    if (d != EOF)
                        ungetc(d, in);
                }
            } else {
                if (c == '\n')
                    (*line)++;
                kg_buf_addc(&row->cols[col], (char)c);
            }
            continue;
        }
        if (c == '"' && row->cols[col].len == 0) {
            quoted = true;
        } else if (c == ',') {
            if (++col >= IMPORT_MAX_COLS) {
                snprintf(row->err, sizeof row->err, "more than %d columns",
                         IMPORT_MAX_COLS);
                while (c != EOF && c != '\n')
                    c = getc(in);
                (*line)++;
                return -1;
            }
            kg_buf_reset(&row->cols[col]);
        } else if (c == '\n') {
            (*line)++;
            struct kg_buf *b = &row->cols[col];
            if (b->len && b->data[b->len - 1] == '\r')
                b->data[--b->len] = '\0';
            row->n = col + 1;
            return 1;
        } else {
            kg_buf_addc(&row->cols[col], (char)c);
        }
    }
}

static const char *cell(struct csv_row *row, size_t i)
{
    return row->cols[i].data ? row->cols[i].data : "";
}

static kg_status import_csv(struct importer *im, FILE *in)
{
    struct csv_row *row = kg_xcalloc(1, sizeof *row);
    char *header[IMPORT_MAX_COLS] = {0};
    size_t ncols = 0, line = 0;
    kg_status st = KG_OK;
    char err[512];
    int rc = csv_read(in, row, &line);
    if (rc == 0)
        goto done; /* empty file */
    if (rc < 0) {
        (void)bad_line(im, row->start_line, row->err);
        goto done;
    }
    ncols = row->n;
    for (size_t i = 0; i < ncols; i++) {
        char *p = (char *)cell(row, i);
        size_t n = strlen(p);
        if (i == 0)
            strip_bom(&p, &n);
        header[i] = kg_xstrndup(p, n);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(header[j], header[i]) == 0) {
                snprintf(err, sizeof err,
                         "column '%s' appears twice in the header", header[i]);
                (void)bad_line(im, 1, err);
                goto done;
            }
        }
        if (!record_field_find(im->o->kind, header[i])) {
            snprintf(err, sizeof err, "unknown field '%s' for %s in header",
                     header[i], record_kind_name(im->o->kind));
            (void)bad_line(im, 1, err);
            goto done; /* a bad header makes every line bad */
        }
    }
    while ((rc = csv_read(in, row, &line)) != 0) {
        if (rc > 0 && row->n == 1 && row->cols[0].len == 0)
            continue; /* blank line */
        im->st->lines++;
        if (rc < 0) {
            if (!bad_line(im, row->start_line, row->err))
                break;
            continue;
        }
        if (row->n != ncols) {
            snprintf(err, sizeof err, "%zu fields, the header has %zu", row->n,
                     ncols);
            if (!bad_line(im, row->start_line, err))
                break;
            continue;
        }
        struct kg_record r;
        record_init(&r, im->o->kind);
        kg_status pst = KG_OK;
        for (size_t i = 0; i < ncols && pst == KG_OK; i++)
            pst = record_set_text(&r, header[i], cell(row, i), err, sizeof err);
        if (pst == KG_OK)
            pst = record_check_input(&r, err, sizeof err);
        if (pst != KG_OK) {
            record_release(&r);
            if (!bad_line(im, row->start_line, err))
                break;
            continue;
        }
        st = put(im, &r);
        record_release(&r);
        if (st != KG_OK)
            break;
    }
done:
    for (size_t i = 0; i < IMPORT_MAX_COLS; i++) {
        free(header[i]);
        kg_buf_release(&row->cols[i]);
    }
    free(row);
    return st;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

kg_status import_stream(struct store *s, FILE *in, const char *name,
                        const struct import_opts *opts,
                        struct import_stats *stats)
{
    struct import_stats dummy;
    struct importer im = {
        .s = s,
        .o = opts,
        .st = stats ? stats : &dummy,
        .name = name,
        .source = opts->source ? opts->source : name,
    };
    memset(im.st, 0, sizeof *im.st);
    enum import_format fmt = opts->format;
    if (fmt == IMPORT_AUTO)
        fmt = ends_with(name, ".csv") || ends_with(name, ".CSV") ? IMPORT_CSV
                                                                 : IMPORT_JSONL;
    kg_status st = KG_OK;
    if (!opts->caller_txn) {
        st = store_begin(s);
        if (st != KG_OK)
            return st;
    }
    st = fmt == IMPORT_CSV ? import_csv(&im, in) : import_jsonl(&im, in);
    if (st == KG_OK && im.any_bad)
        st = KG_EINPUT;
    if (opts->caller_txn)
        return st;
    if (st == KG_OK || (st == KG_EINPUT && opts->skip_bad)) {
        kg_status cst = store_commit(s);
        if (cst != KG_OK)
            return cst;
        return st;
    }
    store_rollback(s);
    if (st == KG_EINPUT) {
        im.st->added = im.st->updated = im.st->unchanged = 0;
    }
    return st;
}
