/* test_resolve.c - normalized name keys and the company heuristic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/resolve.h"

static void norm_is(const char *in, const char *want)
{
    char *got = resolve_norm(in);
    assert_string_equal(got, want);
    free(got);
}

static void folds_case_width_spaces_and_punctuation(void **state)
{
    (void)state;
    norm_is("Shandong Univ.", "shandonguniv");
    norm_is("  SHANDONG   univ ", "shandonguniv");
    norm_is("ＡＩ研究院", "ai研究院");
    norm_is("山东 大学", "山东大学");
    norm_is("Central-South University", "centralsouthuniversity");
    norm_is("（中国）科学院·化学所", "中国科学院化学所");
    norm_is("Straße", "strasse");
}

static void drops_invalid_bytes_instead_of_failing(void **state)
{
    (void)state;
    norm_is("ab\xff"
            "c",
            "abc");
    norm_is("...", "");
}

static void tells_companies_from_universities(void **state)
{
    (void)state;
    assert_true(resolve_is_company("滨州华纺印染有限公司"));
    assert_true(resolve_is_company("Acme Materials Co., Ltd."));
    assert_true(resolve_is_company("BASF SE Group"));
    assert_false(resolve_is_company("山东大学"));
    assert_false(resolve_is_company("Central South University"));
    assert_false(resolve_is_company("Incheon National University"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folds_case_width_spaces_and_punctuation),
        cmocka_unit_test(drops_invalid_bytes_instead_of_failing),
        cmocka_unit_test(tells_companies_from_universities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
