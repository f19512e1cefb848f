/* test_import.c - streaming JSONL/CSV import: all or nothing per file,
 * --skip-bad, CSV quoting, line numbers in messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingest/import.h"
#include "tests/unit/fixture.h"

struct fx {
    char dir[64];
    struct store *s;
    char *errs;
    size_t errlen;
    FILE *err;
};

static int setup(void **state)
{
    struct fx *f = kg_xcalloc(1, sizeof *f);
    if (fx_dir(f->dir, sizeof f->dir, "kgimp", NULL, 0, NULL) != 0)
        return -1;
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/t.db", f->dir);
    if (store_open(path, STORE_CREATE, &f->s, err, sizeof err) != KG_OK)
        return -1;
    f->err = open_memstream(&f->errs, &f->errlen);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    fclose(f->err);
    free(f->errs);
    if (fx_rmdir(f->dir) != 0)
        return -1;
    free(f);
    return 0;
}

/* Writes a bad line as the command line shows it, into the fixture's
 * error file. */
static void to_file(const char *name, size_t line, const char *reason,
                    void *ctx)
{
    fprintf(ctx, "%s:%zu: %s\n", name, line, reason);
}

static kg_status run(struct fx *f, const char *name, const char *text,
                     kg_kind kind, bool skip_bad, struct import_stats *st)
{
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    struct import_opts o = {
        .kind = kind, .skip_bad = skip_bad, .bad_line = to_file, .ctx = f->err};
    kg_status rc = import_stream(f->s, in, name, &o, st);
    fclose(in);
    fflush(f->err);
    return rc;
}

static int64_t count(struct fx *f, kg_kind k)
{
    int64_t n;
    assert_int_equal(store_count(f->s, k, &n, NULL), KG_OK);
    return n;
}

static void a_bad_line_stores_nothing_of_the_file(void **state)
{
    struct fx *f = *state;
    struct import_stats st;
    assert_int_equal(run(f, "d.jsonl",
                         "{\"id\":\"D1\"}\n\n{\"id\":\"D2\",\"year\":1}\n"
                         "{\"id\":\"D3\"}\n",
                         KG_DEMAND, false, &st),
                     KG_EINPUT);
    assert_string_equal(f->errs, "d.jsonl:3: unknown field 'year' for "
                                 "demand\n");
    assert_int_equal(count(f, KG_DEMAND), 0);
}

static void skip_bad_stores_good_lines_and_reports_each_bad_one(void **state)
{
    struct fx *f = *state;
    struct import_stats st;
    assert_int_equal(run(f, "d.jsonl",
                         "{\"id\":\"D1\"}\n{\"title\":\"x\"}\n{\"id\":\"D3\"}"
                         "\n{bad\n",
                         KG_DEMAND, true, &st),
                     KG_EINPUT);
    assert_int_equal(st.added, 2);
    assert_int_equal(st.bad, 2);
    assert_int_equal(count(f, KG_DEMAND), 2);
    assert_non_null(strstr(f->errs, "d.jsonl:2: missing id\n"));
    assert_non_null(strstr(f->errs, "d.jsonl:4: bad JSON"));
}

static void csv_handles_quotes_newlines_bom_and_lists(void **state)
{
    struct fx *f = *state;
    struct import_stats st;
    assert_int_equal(run(f, "a.csv",
                         "\xEF\xBB\xBFid,title,keywords,year\r\n"
                         "A1,\"膜, 分离\",\"PVDF;中空纤维\",2020\r\n"
                         "A2,\"two\nlines \"\"quoted\"\"\",,\n",
                         KG_ACHIEVEMENT, false, &st),
                     KG_OK);
    assert_int_equal(st.added, 2);
    struct kg_record r;
    record_init(&r, KG_ACHIEVEMENT);
    assert_int_equal(store_get(f->s, KG_ACHIEVEMENT, "A1", &r), KG_OK);
    assert_string_equal(r.title, "膜, 分离");
    assert_int_equal(r.keywords.n, 2);
    assert_string_equal(r.keywords.v[1], "中空纤维");
    assert_int_equal(r.year, 2020);
    record_release(&r);
    assert_int_equal(store_get(f->s, KG_ACHIEVEMENT, "A2", &r), KG_OK);
    assert_string_equal(r.title, "two\nlines \"quoted\"");
    record_release(&r);
}

static void csv_errors_name_the_line_where_the_record_starts(void **state)
{
    struct fx *f = *state;
    struct import_stats st;
    assert_int_equal(run(f, "a.csv",
                         "id,title\nA1,\"multi\nline\"\nA2,x,extra\n",
                         KG_ACHIEVEMENT, false, &st),
                     KG_EINPUT);
    assert_string_equal(f->errs, "a.csv:4: 3 fields, the header has 2\n");
    assert_int_equal(count(f, KG_ACHIEVEMENT), 0);
}

static void csv_with_an_unknown_header_field_is_rejected(void **state)
{
    struct fx *f = *state;
    struct import_stats st;
    assert_int_equal(run(f, "e.csv", "id,nam\nE1,x\n", KG_EXPERT, true, &st),
                     KG_EINPUT);
    assert_string_equal(f->errs,
                        "e.csv:1: unknown field 'nam' for expert in header\n");
    assert_int_equal(count(f, KG_EXPERT), 0);
}

static void invalid_utf8_in_csv_is_a_bad_line(void **state)
{
    struct fx *f = *state;
    struct import_stats st;
    assert_int_equal(
        run(f, "e.csv", "id,name\nE1,ab\xc3\n", KG_EXPERT, false, &st),
        KG_EINPUT);
    assert_string_equal(f->errs,
                        "e.csv:2: invalid UTF-8 in field 'name' at byte 3\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(a_bad_line_stores_nothing_of_the_file),
        T(skip_bad_stores_good_lines_and_reports_each_bad_one),
        T(csv_handles_quotes_newlines_bom_and_lists),
        T(csv_errors_name_the_line_where_the_record_starts),
        T(csv_with_an_unknown_header_field_is_rejected),
        T(invalid_utf8_in_csv_is_a_bad_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
