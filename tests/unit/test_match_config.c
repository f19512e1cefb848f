/*
 * test_match_config.c - the one table of the settings file's keys
 * (match_keys): what the loader reads a file by and `kgmatch tune` writes
 * one by. Each key names one field, takes back what it writes, refuses
 * values out of its bounds, and the shipped file spells every key out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph/match.h"

static void keys_name_one_field_each(void **state)
{
    (void)state;
    assert_true(match_nkeys > 40);
    for (size_t i = 0; i < match_nkeys; i++) {
        const struct match_key *k = &match_keys[i];
        assert_ptr_equal(match_key_find(k->name), k);
        assert_ptr_equal(match_key_at(k->off), k);
        assert_true(k->off < sizeof(struct match_config));
        assert_non_null(k->bad);
        assert_true(k->lo <= k->hi);
    }
    assert_null(match_key_find("weight.colour"));
    assert_ptr_equal(match_key_at(offsetof(struct match_config, w_graph)),
                     match_key_find("weight.graph"));
}

/* The text a settings file gives x for k. */
static void spell(const struct match_key *k, double x, char *buf, size_t n)
{
    static const char *const aggs[] = {"mean", "max", "topk", "sumk"};
    if (k->type == MATCH_KEY_BOOL)
        snprintf(buf, n, "%s", x != 0 ? "yes" : "no");
    else if (k->type == MATCH_KEY_AGG)
        snprintf(buf, n, "%s", aggs[(int)x]);
    else
        snprintf(buf, n, "%.17g", x);
}

/* Every key's bounds hold its default, and every value it allows at its
 * bounds parses back to itself through the loader's text. */
static void keys_take_back_what_they_allow(void **state)
{
    (void)state;
    struct match_config def;
    match_config_default(&def);
    for (size_t i = 0; i < match_nkeys; i++) {
        const struct match_key *k = &match_keys[i];
        double x = match_key_get(&def, k);
        if (!match_key_allows(k, x))
            fail_msg("%s: the default %g is out of bounds", k->name, x);
        double tries[] = {x, k->lo, k->hi};
        for (size_t j = 0; j < 3; j++) {
            struct match_config c = def;
            char text[64];
            assert_true(match_key_allows(k, tries[j]));
            spell(k, tries[j], text, sizeof text);
            const char *why = match_key_parse(&c, k, text);
            if (why)
                fail_msg("%s = %s: %s", k->name, text, why);
            assert_true(match_key_get(&c, k) == tries[j]);
        }
    }
}

static void keys_refuse_values_out_of_bounds(void **state)
{
    (void)state;
    struct match_config def, c;
    match_config_default(&def);
    for (size_t i = 0; i < match_nkeys; i++) {
        const struct match_key *k = &match_keys[i];
        c = def;
        assert_string_equal(match_key_parse(&c, k, "lots"), k->bad);
        assert_memory_equal(&c, &def, sizeof c);
        if (k->type == MATCH_KEY_BOOL || k->type == MATCH_KEY_AGG)
            continue;
        char text[64];
        spell(k, k->hi + 1 + k->hi * 1e-9, text, sizeof text);
        assert_false(match_key_allows(k, k->hi + 1));
        assert_string_equal(match_key_parse(&c, k, text), k->bad);
        assert_memory_equal(&c, &def, sizeof c);
        if (k->type == MATCH_KEY_WHOLE) {
            assert_false(match_key_allows(k, k->lo + 0.5));
            assert_string_equal(match_key_parse(&c, k, "1.5"), k->bad);
        }
    }
    const struct match_key *k = match_key_find("expert.aggregate");
    assert_non_null(k);
    assert_string_equal(match_key_parse(&c, k, "median"),
                        "expected mean, max, topk or sumk");
    assert_null(match_key_parse(&c, k, "topk"));
    assert_int_equal(c.expert_agg, MATCH_AGG_TOPK);
    k = match_key_find("threads");
    assert_non_null(k);
    assert_null(match_key_parse(&c, k, "0"));
    k = match_key_find("expert.k");
    assert_non_null(k);
    assert_string_equal(match_key_parse(&c, k, "0"), "expected a whole number");
}

/* Every number the config, the command line (--min-score) and the API
 * (min_score=) read: the whole string, finite, in range; else false with
 * the value untouched. */
static void numbers_are_read_whole_finite_and_in_range(void **state)
{
    (void)state;
    double x = -1;
    assert_true(kg_parse_real("0.25", 0, 1, &x));
    assert_true(x == 0.25);
    assert_true(kg_parse_real("1", 0, 1, &x) && x == 1);
    assert_true(kg_parse_real("-2.5e1", -100, 100, &x) && x == -25);
    static const char *const bad[] = {"",     " 0.5",  "0.5 ", "0.5x",
                                      "x",    "nan",   "inf",  "1.5",
                                      "-0.1", "1e999", "--1",  "0,5"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        x = 7;
        assert_false(kg_parse_real(bad[i], 0, 1, &x));
        assert_true(x == 7);
    }
}

/* datasets/match.conf sets each key of the table once (it spells out the
 * defaults; test_match checks the values). */
static void shipped_config_sets_every_key_once(void **state)
{
    (void)state;
    FILE *f = fopen("datasets/match.conf", "r");
    assert_non_null(f);
    size_t *seen = calloc(match_nkeys, sizeof *seen);
    char line[512];
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, " =#\n");
        if (n == 0 || line[n] != ' ')
            continue;
        line[n] = '\0';
        const struct match_key *k = match_key_find(line);
        if (!k)
            fail_msg("datasets/match.conf: %s is no key", line);
        seen[k - match_keys]++;
    }
    fclose(f);
    for (size_t i = 0; i < match_nkeys; i++)
        if (seen[i] != 1)
            fail_msg("datasets/match.conf sets %s %zu times",
                     match_keys[i].name, seen[i]);
    free(seen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys_name_one_field_each),
        cmocka_unit_test(keys_take_back_what_they_allow),
        cmocka_unit_test(keys_refuse_values_out_of_bounds),
        cmocka_unit_test(shipped_config_sets_every_key_once),
        cmocka_unit_test(numbers_are_read_whole_finite_and_in_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
