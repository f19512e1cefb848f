/* test_namesim.c - name likeness across scripts: pinyin, dictionary
 * glosses, 繁→简, Latin words shortened or reordered, and names that
 * have nothing in common. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/namesim.h"

static struct dict *D;
static struct namesim *NS;

static int setup(void **state)
{
    (void)state;
    char err[512];
    kg_status st = dict_open(NULL, &D, err, sizeof err); /* run.sh sets it */
    if (st == KG_OK)
        st = namesim_new(D, &NS, err, sizeof err);
    if (st != KG_OK)
        fprintf(stderr, "%s\n", err);
    return st == KG_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    namesim_free(NS);
    dict_free(D);
    return 0;
}

/* The score of a against b, and why into why (size 256). */
static double sim(const char *a, const char *b, char *why)
{
    struct namesim_name *x = namesim_name_new(NS, a),
                        *y = namesim_name_new(NS, b);
    struct kg_buf w;
    kg_buf_init(&w);
    double s = namesim_compare(x, y, &w);
    snprintf(why, 256, "%s", w.data ? w.data : "");
    kg_buf_release(&w);
    namesim_name_free(x);
    namesim_name_free(y);
    return s;
}

static void chinese_and_english_meet_by_pinyin_and_gloss(void **state)
{
    (void)state;
    char why[256];
    assert_true(sim("烟台大学", "Yantai University", why) > 0.99);
    assert_non_null(strstr(why, "pinyin 烟台 = yantai"));
    assert_non_null(strstr(why, "translation 大学 = university"));
    /* either order of a person's names */
    assert_true(sim("Tao Jiang", "姜涛", why) > 0.99);
    assert_true(sim("陆晓丽", "Xiaoli Lu", why) > 0.99);
}

static void traditional_and_case_fold_to_one_name(void **state)
{
    (void)state;
    char why[256];
    assert_true(sim("渤海先進技術研究院", "渤海先进技术研究院", why) > 0.99);
    assert_string_equal(why, "same name after 繁→简");
    assert_true(sim("SHANDONG-University", "shandong university", why) > 0.99);
    assert_string_equal(why, "same name after case and punctuation");
}

static void latin_words_shortened_or_reordered(void **state)
{
    (void)state;
    char why[256];
    assert_true(sim("Shandong Univ.", "Shandong University", why) > 0.99);
    assert_true(sim("Jiang Tao", "Tao Jiang", why) > 0.99);
    assert_non_null(strstr(why, "another order"));
}

static void unrelated_names_score_low(void **state)
{
    (void)state;
    char why[256];
    assert_true(sim("烟台大学", "Nordalu Inspection AB", why) < 0.01);
    assert_true(sim("姜涛", "Xiaopeng Wu", why) < 0.01);
    assert_true(sim("Erik Lindqvist", "Sara Holm", why) < 0.01);
    /* half the name is not enough to be the same record */
    assert_true(sim("青岛大学", "Yantai University", why) < 0.6);
}

static void add_key(void *ctx, const char *key)
{
    kg_buf_printf(ctx, "|%s|", key);
}

/* Whether names a and b share a block key. */
static bool share_key(const char *a, const char *b)
{
    struct namesim_name *x = namesim_name_new(NS, a),
                        *y = namesim_name_new(NS, b);
    struct kg_buf ka, kb;
    kg_buf_init(&ka);
    kg_buf_init(&kb);
    namesim_keys(x, add_key, &ka);
    namesim_keys(y, add_key, &kb);
    bool shared = false;
    for (char *p = kb.data; p && *p && !shared;) {
        char *e = strchr(p + 1, '|');
        char *k = kg_xasprintf("%.*s", (int)(e - p + 1), p);
        shared = strstr(ka.data, k) != NULL;
        free(k);
        p = e + 1;
    }
    kg_buf_release(&ka);
    kg_buf_release(&kb);
    namesim_name_free(x);
    namesim_name_free(y);
    return shared;
}

static void names_alike_share_a_block_key(void **state)
{
    (void)state;
    assert_true(share_key("烟台大学", "Yantai University"));
    assert_true(share_key("Xiaoli Lu", "陆晓丽"));
    assert_true(share_key("Binzhou Univ.", "Binzhou University"));
    assert_true(share_key("渤海先進技術研究院", "渤海先进技术研究院"));
    assert_false(share_key("Erik Lindqvist", "Sara Holm"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chinese_and_english_meet_by_pinyin_and_gloss),
        cmocka_unit_test(traditional_and_case_fold_to_one_name),
        cmocka_unit_test(latin_words_shortened_or_reordered),
        cmocka_unit_test(unrelated_names_score_low),
        cmocka_unit_test(names_alike_share_a_block_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
