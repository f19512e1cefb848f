/*
 * test_domain.c - the domain taxonomy: the discipline catalogue, the IPC
 * rule and placement by the nearest placed records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "graph/domain.h"

static domain_mask bit(const char *key)
{
    int d = domain_find(key);
    assert_true(d >= 0);
    return 1u << d;
}

static void every_discipline_of_four_categories_maps(void **state)
{
    (void)state;
    const char *code, *zh, *en;
    domain_mask m;
    size_t n = 0;
    for (size_t i = 0; domain_discipline(i, &code, &zh, &en, &m); i++) {
        bool tech = strncmp(code, "07", 2) == 0 ||
                    strncmp(code, "08", 2) == 0 ||
                    strncmp(code, "09", 2) == 0 || strncmp(code, "10", 2) == 0;
        if (!tech || strlen(code) != 4)
            continue;
        n++;
        assert_true(m != 0);
        /* By its Chinese name, its English name (any case) and its code. */
        assert_int_equal(domain_of_field(zh), m);
        assert_int_equal(domain_of_field(en), m);
        assert_int_equal(domain_of_field(code), m);
    }
    /* 14 + 39 + 10 + 12 first-level disciplines, plus CSL's 农业资源利用. */
    assert_true(n >= 75);
}

static void catalogue_names_beat_substrings(void **state)
{
    (void)state;
    /* "农业资源与环境" is agriculture, not agriculture and environment. */
    assert_int_equal(domain_of_field("农业资源与环境"), bit("agriculture"));
    assert_int_equal(domain_of_field("光学工程"), bit("instruments"));
    assert_int_equal(domain_of_field("mechanical engineering"),
                     bit("machinery"));
    /* CSL writes two disciplines as one field. */
    assert_int_equal(domain_of_field("地质学/地质资源与地质工程"),
                     bit("petroleum") | bit("metallurgy"));
    assert_int_equal(domain_of_field("中医学/中药学"), bit("medicine"));
    /* Free-form names still go through the substring rules. */
    assert_int_equal(domain_of_field("Metallurgy"), bit("metallurgy"));
    assert_int_equal(domain_of_field("历史学"), 0);
}

static void a_discipline_wins_over_its_category(void **state)
{
    (void)state;
    struct kg_record r;
    record_init(&r, KG_ACHIEVEMENT);
    strlist_add(&r.fields, "农学");
    assert_int_equal(domain_of_evidence(&r), bit("agriculture"));
    strlist_add(&r.fields, "水产");
    assert_int_equal(domain_of_evidence(&r), bit("fisheries"));
    record_release(&r);
    record_init(&r, KG_ACHIEVEMENT);
    strlist_add(&r.fields, "工学");
    assert_int_equal(domain_of_evidence(&r), 0);
    strlist_add(&r.ipc, "H01M 10/05");
    assert_int_equal(domain_of_evidence(&r), bit("energy"));
    record_release(&r);
}

static void every_ipc_subclass_maps(void **state)
{
    (void)state;
    /* The rule's fallbacks: any subclass of a known class maps, and a class
     * the table has never heard of takes its section's domain. */
    static const char *const sections = "ABCDEFGH";
    for (const char *s = sections; *s; s++)
        for (int c = 1; c < 100; c++)
            for (char sub = 'A'; sub <= 'Z'; sub++) {
                char code[8];
                snprintf(code, sizeof code, "%c%02d%c", *s, c, sub);
                assert_true(domain_of_ipc(code) != 0);
            }
    assert_int_equal(domain_of_ipc("B98X"), bit("machinery"));
    assert_int_equal(domain_of_ipc("A01K 61/10"), bit("fisheries"));
    assert_int_equal(domain_of_ipc("A01K 1/00"), bit("agriculture"));
    assert_int_equal(domain_of_ipc("G21C"), bit("energy"));
    assert_int_equal(domain_of_ipc("E21F 5/00"), bit("metallurgy"));
    assert_int_equal(domain_of_ipc("Z99"), 0);
}

static void demo_words_are_gone_from_the_keyword_table(void **state)
{
    (void)state;
    const char *t = "赤泥 铝灰 冬枣 挂面 溴 毛巾 副车架";
    assert_int_equal(domain_of_text(t, strlen(t), 1), 0);
}

static void centroids_place_a_record_without_evidence(void **state)
{
    (void)state;
    const struct domain_term a[] = {{0, 0.8f}, {1, 0.6f}};
    const struct domain_term b[] = {{2, 0.8f}, {3, 0.6f}};
    const struct domain_term c[] = {{2, 0.6f}, {4, 0.8f}};
    const struct domain_term q[] = {{2, 0.7f}, {3, 0.7f}};
    const struct domain_term between[] = {{0, 0.5f}, {2, 0.6f}, {1, 0.2f}};
    const struct domain_term far[] = {{9, 1.0f}};
    const struct domain_term own[] = {{1, 1.0f}};
    domain_mask med = bit("medicine"), food = bit("food");
    struct domain_doc d[] = {
        {.v = a, .n = 2, .m = med, .known = true},
        {.v = b, .n = 2, .m = food, .known = true},
        {.v = c, .n = 2, .m = food, .known = true},
        /* keyword table said medicine; the centroids say food */
        {.v = q, .n = 2, .m = med, .place = true},
        /* nothing near: keeps what the keyword table gave */
        {.v = far, .n = 1, .m = med, .place = true},
        /* a placed record never trains: q is not known */
        {.v = q, .n = 2, .m = 0, .place = false},
        /* as close to both centroids: both domains */
        {.v = between, .n = 3, .m = 0, .place = true},
        /* a term only medicine's records hold */
        {.v = own, .n = 1, .m = 0, .place = true},
    };
    domain_from_store(d, 8, 10, NULL, NULL);
    /* a placement by the store is a guess: it says so */
    assert_int_equal(d[3].m, food | DOMAIN_GUESSED);
    assert_int_equal(d[4].m, med);
    assert_int_equal(d[5].m, 0);
    assert_int_equal(d[0].m, med);
    assert_int_equal(d[6].m, med | food | DOMAIN_GUESSED);
    assert_int_equal(d[7].m, med | DOMAIN_GUESSED);
}

/* The vectors of vectors_made_one_at_a_time: a copy, so that the test
 * sees the callback's and not d[i].v. */
static const struct domain_term *const *made;
static const uint32_t *made_n;
static unsigned calls;

static const struct domain_term *make_vector(void *ctx, size_t i, uint32_t *n)
{
    (void)ctx;
    calls++;
    *n = made_n[i];
    return made[i];
}

static void vectors_made_one_at_a_time(void **state)
{
    (void)state;
    const struct domain_term a[] = {{0, 0.8f}, {1, 0.6f}};
    const struct domain_term b[] = {{2, 0.8f}, {3, 0.6f}};
    const struct domain_term q[] = {{2, 0.7f}, {3, 0.7f}};
    const struct domain_term *v[] = {a, b, q, q};
    const uint32_t n[] = {2, 2, 2, 2};
    made = v;
    made_n = n;
    calls = 0;
    domain_mask med = bit("medicine"), food = bit("food");
    struct domain_doc d[] = {
        {.m = med, .known = true},
        {.m = food, .known = true},
        {.m = med, .place = true},
        {.m = 0}, /* neither known nor placed: never asked for */
    };
    domain_from_store(d, 4, 10, make_vector, NULL);
    assert_int_equal(d[2].m, food | DOMAIN_GUESSED);
    assert_int_equal(d[3].m, 0);
    assert_int_equal(calls, 5); /* each known one twice, q once */
}

static void industries_place_an_enterprise_field(void **state)
{
    (void)state;
    /* a division of GB/T 4754-2017 by its full name, and a short form */
    assert_int_equal(domain_of_field("黑色金属冶炼和压延加工业"),
                     bit("metallurgy"));
    assert_int_equal(domain_of_field("钢铁"), bit("metallurgy"));
    assert_int_equal(domain_of_field("港口"), bit("vehicles"));
    assert_int_equal(domain_of_field("电力"),
                     bit("energy") | bit("electrical"));
    assert_int_equal(domain_of_field("家具制造"), bit("textiles"));
    /* the union of every entry a field contains */
    assert_int_equal(domain_of_field("水产加工"),
                     bit("fisheries") | bit("food"));
    assert_int_equal(domain_of_field("农机制造"),
                     bit("machinery") | bit("agriculture"));
    /* industries without a technical home */
    assert_int_equal(domain_of_field("金融"), bit("services"));
    assert_int_equal(domain_of_field("农产品流通"), bit("services"));
    /* a discipline's catalogue name still beats the substrings */
    assert_int_equal(domain_of_field("交通运输工程"), bit("vehicles"));
    assert_int_equal(domain_of_field("城市更新"), 0);
}

static void far_means_neither_the_same_nor_a_neighbour(void **state)
{
    (void)state;
    domain_mask agr = bit("agriculture"), food = bit("food");
    domain_mask mach = bit("machinery"), aut = bit("automation");
    domain_mask met = bit("metallurgy"), env = bit("environment");
    /* one sector: the farm and what is made of its produce */
    assert_true(domain_near(agr) & food);
    assert_false(domain_far(agr, food));
    assert_false(domain_far(food, agr));
    assert_false(domain_far(mach, aut));
    assert_false(domain_far(met, met | env));
    /* no sector holds both */
    assert_true(domain_far(met, agr));
    assert_true(domain_far(env, bit("energy")));
    assert_true(domain_far(bit("services"), bit("software-ai")));
    assert_true(domain_far(bit("electrical"), bit("electronics")));
    /* an unplaced side is never far, and the guess flag is no domain */
    assert_false(domain_far(0, met));
    assert_false(domain_far(met, DOMAIN_GUESSED));
    assert_true(domain_far(met | DOMAIN_GUESSED, agr | DOMAIN_GUESSED));
    /* every domain is near itself; "services" has no neighbour */
    for (unsigned d = 0; d < DOMAIN_COUNT; d++)
        assert_true(domain_near(1u << d) & (1u << d));
    assert_int_equal(domain_near(bit("services")), bit("services"));
}

static void a_text_placement_is_a_guess(void **state)
{
    (void)state;
    struct kg_record r;
    record_init(&r, KG_ACHIEVEMENT);
    r.title = kg_xstrdup("印染废水色度高，污染物排放超标");
    assert_int_equal(domain_classify(&r), bit("environment") | DOMAIN_GUESSED);
    strlist_add(&r.fields, "纺织印染");
    assert_int_equal(domain_classify(&r), bit("textiles"));
    record_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_discipline_of_four_categories_maps),
        cmocka_unit_test(catalogue_names_beat_substrings),
        cmocka_unit_test(a_discipline_wins_over_its_category),
        cmocka_unit_test(every_ipc_subclass_maps),
        cmocka_unit_test(demo_words_are_gone_from_the_keyword_table),
        cmocka_unit_test(centroids_place_a_record_without_evidence),
        cmocka_unit_test(vectors_made_one_at_a_time),
        cmocka_unit_test(industries_place_an_enterprise_field),
        cmocka_unit_test(far_means_neither_the_same_nor_a_neighbour),
        cmocka_unit_test(a_text_placement_is_a_guess),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
