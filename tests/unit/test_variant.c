/*
 * test_variant.c - British spellings folded to American ones, and the
 * words that must stay as they are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/variant.h"

static void check(const char *gb, const char *us)
{
    char out[VARIANT_MAX + 1];
    size_t n = variant_us(gb, strlen(gb), out);
    if (!us) {
        if (n)
            fail_msg("%s became %s", gb, out);
        return;
    }
    if (n == 0)
        fail_msg("%s was kept, want %s", gb, us);
    assert_string_equal(out, us);
    assert_int_equal(n, strlen(us));
}

static void folds_british_spellings(void **state)
{
    (void)state;
    check("aluminium", "aluminum");
    check("colour", "color");
    check("coloured", "colored");
    check("organise", "organize");
    check("organisation", "organization");
    check("characterised", "characterized");
    check("analyse", "analyze");
    check("analysers", "analyzers");
    check("catalysed", "catalyzed");
    check("fibre", "fiber");
    check("fibres", "fibers");
    check("sulphur", "sulfur");
    check("sulphate", "sulfate");
    check("centre", "center");
    check("kilometres", "kilometers");
    check("millilitre", "milliliter");
    check("haemoglobin", "hemoglobin");
    check("oestrogen", "estrogen");
    check("modelling", "modeling");
    check("labelled", "labeled");
    check("travellers", "travelers");
    check("fuelled", "fueled");
    check("grey", "gray");
    check("tyres", "tires");
    check("fulfil", "fulfill");
    check("fulfilment", "fulfillment");
    check("programme", "program");
    check("behaviour", "behavior");
    check("defence", "defense");
}

static void keeps_words_that_only_look_british(void **state)
{
    (void)state;
    /* -ise that is not the -ize ending */
    const char *keep[] = {"advise", "exercise", "precise", "noise", "raising",
                          "promised", "surprise", "expertise", "otherwise",
                          "revised", "comprises", "enterprise", "improvisation",
                          "televised", "wiser", "geyser",
                          /* one-syllable and stressed -el verbs */
                          "spelled", "yelled", "compelled", "propeller",
                          "excelled", "seller", "bestseller",
                          /* short roots only as whole words */
                          "greyhound", "fulfilled", "kerbside",
                          /* American already, or nothing to do */
                          "aluminum", "color", "fiber", "organize", "steel",
                          "four", "hour", "flour", "tour"};
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
        check(keep[i], NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folds_british_spellings),
        cmocka_unit_test(keeps_words_that_only_look_british),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
