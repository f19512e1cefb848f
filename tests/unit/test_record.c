/* test_record.c - the record codecs: JSON in and out, CSV cells, kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/record.h"

static kg_status parse(kg_kind kind, const char *json, char *err,
                       struct kg_record *r)
{
    record_init(r, kind);
    return record_from_json(r, json, strlen(json), err, 256);
}

static void parses_every_field_of_an_achievement(void **state)
{
    (void)state;
    struct kg_record r;
    char err[256];
    assert_int_equal(
        parse(KG_ACHIEVEMENT,
              "{\"id\":\"A1\",\"title\":\"铝合金 welding\",\"keywords\":"
              "[\"焊接\",\"6061-T6\"],\"year\":2021,\"maturity\":6,"
              "\"experts\":[\"E1\",\"李四\"],\"institution\":\"I1\"}",
              err, &r),
        KG_OK);
    assert_string_equal(r.id, "A1");
    assert_string_equal(r.title, "铝合金 welding");
    assert_int_equal(r.keywords.n, 2);
    assert_string_equal(r.keywords.v[1], "6061-T6");
    assert_int_equal(r.year, 2021);
    assert_int_equal(r.maturity, 6);
    assert_string_equal(r.experts.v[1], "李四");
    record_release(&r);
}

static void rejects_a_record_without_id(void **state)
{
    (void)state;
    struct kg_record r;
    char err[256];
    assert_int_equal(parse(KG_EXPERT, "{\"name\":\"x\"}", err, &r), KG_EINPUT);
    assert_string_equal(err, "missing id");
}

static void rejects_wrong_types_with_the_field_name(void **state)
{
    (void)state;
    struct kg_record r;
    char err[256];
    assert_int_equal(
        parse(KG_EXPERT, "{\"id\":\"E1\",\"keywords\":\"a;b\"}", err, &r),
        KG_EINPUT);
    assert_string_equal(err, "field 'keywords' must be a list of strings");
    assert_int_equal(
        parse(KG_ACHIEVEMENT, "{\"id\":\"A\",\"year\":\"2020\"}", err, &r),
        KG_EINPUT);
    assert_string_equal(err, "field 'year' must be an integer 1000-9999");
    assert_int_equal(
        parse(KG_ACHIEVEMENT, "{\"id\":\"A\",\"maturity\":12}", err, &r),
        KG_EINPUT);
    assert_int_equal(parse(KG_EXPERT, "{\"id\":{\"a\":1}}", err, &r),
                     KG_EINPUT);
    assert_string_equal(
        err, "field 'id' must be a string (ids are strings: write \"91\", "
             "not 91)");
    assert_int_equal(parse(KG_DEMAND, "{\"id\":91}", err, &r), KG_EINPUT);
    assert_non_null(strstr(err, "must be a string"));
}

static void deadlines_are_iso_dates_of_the_calendar(void **state)
{
    (void)state;
    static const char *const good[] = {"2027", "2027-06", "2027-06-30",
                                       "2024-02-29", "2000-02-29"};
    static const char *const bad[] = {"明年",       "2025-13-45", "31/12/2027",
                                      "2025-02-29", "1900-02-29", "2027-6",
                                      "2027-06-31", "27",         ""};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(record_date_ok(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(record_date_ok(bad[i]));
}

static void rejects_unknown_fields_and_fields_of_other_kinds(void **state)
{
    (void)state;
    struct kg_record r;
    char err[256];
    assert_int_equal(parse(KG_EXPERT, "{\"id\":\"E\",\"nme\":\"x\"}", err, &r),
                     KG_EINPUT);
    assert_string_equal(err, "unknown field 'nme' for expert");
    assert_int_equal(
        parse(KG_EXPERT, "{\"id\":\"E\",\"claims\":\"x\"}", err, &r),
        KG_EINPUT);
}

static void rejects_invalid_utf8_and_bad_json(void **state)
{
    (void)state;
    struct kg_record r;
    char err[256];
    assert_int_equal(parse(KG_EXPERT, "{\"id\":\"E\xff\"}", err, &r),
                     KG_EINPUT);
    assert_string_equal(err, "invalid UTF-8 at byte 9");
    assert_int_equal(parse(KG_EXPERT, "{\"id\":\"E\",", err, &r), KG_EINPUT);
    assert_non_null(strstr(err, "bad JSON"));
    assert_int_equal(parse(KG_EXPERT, "[1]", err, &r), KG_EINPUT);
}

static void writes_canonical_json_that_reads_back_the_same(void **state)
{
    (void)state;
    struct kg_record r;
    char err[256];
    const char *in = "{\"year\":2020,\"id\":\"A1\",\"title\":\"膜分离 "
                     "membrane\",\"keywords\":[],\"abstract\":null}";
    assert_int_equal(parse(KG_ACHIEVEMENT, in, err, &r), KG_OK);
    char *out = record_to_json(&r);
    assert_string_equal(out, "{\"id\":\"A1\",\"title\":\"膜分离 membrane\","
                             "\"year\":2020}");
    struct kg_record r2;
    assert_int_equal(parse(KG_ACHIEVEMENT, out, err, &r2), KG_OK);
    char *out2 = record_to_json(&r2);
    assert_string_equal(out, out2);
    free(out);
    free(out2);
    record_release(&r);
    record_release(&r2);
}

static void sets_csv_cells_splitting_lists_on_semicolons(void **state)
{
    (void)state;
    struct kg_record r;
    char err[256];
    record_init(&r, KG_PATENT);
    assert_int_equal(record_set_text(&r, "ipc", " C22C 21/02 ; B22D 21/04;",
                                     err, sizeof err),
                     KG_OK);
    assert_int_equal(r.ipc.n, 2);
    assert_string_equal(r.ipc.v[0], "C22C 21/02");
    assert_string_equal(r.ipc.v[1], "B22D 21/04");
    assert_int_equal(record_set_text(&r, "title", "", err, sizeof err), KG_OK);
    assert_null(r.title);
    record_release(&r);
    record_init(&r, KG_ACHIEVEMENT);
    assert_int_equal(record_set_text(&r, "year", "20x0", err, sizeof err),
                     KG_EINPUT);
    assert_int_equal(record_set_text(&r, "bogus", "1", err, sizeof err),
                     KG_EINPUT);
    record_release(&r);
}

static void parses_kind_names_and_plurals(void **state)
{
    (void)state;
    kg_kind k;
    assert_int_equal(record_kind_parse("patent", &k), KG_OK);
    assert_int_equal(k, KG_PATENT);
    assert_int_equal(record_kind_parse("experts", &k), KG_OK);
    assert_int_equal(k, KG_EXPERT);
    assert_int_equal(record_kind_parse("institutions", &k), KG_OK);
    assert_int_equal(k, KG_INSTITUTION);
    assert_int_equal(record_kind_parse("patient", &k), KG_EUSAGE);
    assert_int_equal(record_kind_parse("patenies", &k), KG_EUSAGE);
    assert_int_equal(record_kind_parse("institutio", &k), KG_EUSAGE);
    assert_int_equal(record_kind_parse("patentss", &k), KG_EUSAGE);
}

static void parses_lists_of_kinds_into_a_mask(void **state)
{
    (void)state;
    unsigned items = KG_KIND_BIT(KG_ACHIEVEMENT) | KG_KIND_BIT(KG_PATENT);
    unsigned m = 0;
    size_t at = 99, len = 99;
    assert_int_equal(
        record_kinds_parse("patents,achievement", items, &m, &at, &len), KG_OK);
    assert_int_equal(m, items);
    /* adds to the mask; empty names are skipped */
    m = KG_KIND_BIT(KG_EXPERT);
    assert_int_equal(
        record_kinds_parse(",patent,,", KG_ALL_KINDS, &m, &at, &len), KG_OK);
    assert_int_equal(m, KG_KIND_BIT(KG_EXPERT) | KG_KIND_BIT(KG_PATENT));
    /* "all" adds every allowed kind */
    m = 0;
    assert_int_equal(record_kinds_parse("patent,all", items, &m, &at, &len),
                     KG_OK);
    assert_int_equal(m, items);
    /* a known kind outside allowed is unknown; the mask is left as it was
     * and the name's place is given */
    m = 0;
    assert_int_equal(record_kinds_parse("patent,expert", items, &m, &at, &len),
                     KG_EUSAGE);
    assert_int_equal(m, 0);
    assert_int_equal(at, 7);
    assert_int_equal(len, 6);
    assert_int_equal(
        record_kinds_parse("achievement,robots,patent", items, &m, &at, &len),
        KG_EUSAGE);
    assert_int_equal(at, 12);
    assert_int_equal(len, 6);
    /* a name longer than any kind's */
    char longname[80];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(record_kinds_parse(longname, items, &m, &at, &len),
                     KG_EUSAGE);
    assert_int_equal(at, 0);
    assert_int_equal(len, sizeof longname - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_field_of_an_achievement),
        cmocka_unit_test(rejects_a_record_without_id),
        cmocka_unit_test(rejects_wrong_types_with_the_field_name),
        cmocka_unit_test(deadlines_are_iso_dates_of_the_calendar),
        cmocka_unit_test(rejects_unknown_fields_and_fields_of_other_kinds),
        cmocka_unit_test(rejects_invalid_utf8_and_bad_json),
        cmocka_unit_test(writes_canonical_json_that_reads_back_the_same),
        cmocka_unit_test(sets_csv_cells_splitting_lists_on_semicolons),
        cmocka_unit_test(parses_kind_names_and_plurals),
        cmocka_unit_test(parses_lists_of_kinds_into_a_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
