/* test_clir.c - translated queries: a word's translations share its
 * weight, co-occurrence in the store picks the sense, learned pairs
 * translate what the dictionary lacks, mixed text, --lang directions,
 * the concepts line. Needs the dictionary at $KGMATCH_DICT (tests/run.sh
 * points it at $BUILD/kgmatch.dict). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/clir.h"

static struct dict *D;

static int setup(void **state)
{
    (void)state;
    char err[512];
    kg_status st = dict_open(NULL, &D, err, sizeof err); /* run.sh sets it */
    if (st != KG_OK)
        fprintf(stderr, "%s\n", err);
    return st == KG_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    dict_free(D);
    return 0;
}

static void translate(struct clir *c, struct index *ix, const char *text,
                      enum clir_lang lang, struct clir_query *q)
{
    char err[256];
    *q = (struct clir_query){0};
    assert_int_equal(clir_translate(c, ix, text, lang, q, err, sizeof err),
                     KG_OK);
    assert_true(q->n >= 1);
    assert_int_equal(q->v[0].how, CLIR_SAME);
    assert_string_equal(q->v[0].text, text);
}

/* The weight of translation text of src in q, 0 when absent. */
static double weight(const struct clir_query *q, const char *src,
                     const char *text)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].how != CLIR_SAME && strcmp(q->v[i].src, src) == 0 &&
            strcmp(q->v[i].text, text) == 0)
            return q->v[i].weight;
    return 0;
}

static double sum_of(const struct clir_query *q, const char *src)
{
    double s = 0;
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].how == CLIR_DICT && strcmp(q->v[i].src, src) == 0)
            s += q->v[i].weight;
    return s;
}

static void a_word_s_translations_share_its_weight(void **state)
{
    (void)state;
    struct clir *c = clir_new(D);
    struct clir_query q;
    translate(c, NULL, "处理", CLIR_ANY, &q);
    assert_true(weight(&q, "处理", "handle") > 0);
    assert_true(fabs(sum_of(&q, "处理") - 1) < 1e-9);
    clir_query_release(&q);
    translate(c, NULL, "recycling", CLIR_ANY, &q);
    assert_true(fabs(sum_of(&q, "recycling") - 1) < 1e-9);
    clir_query_release(&q);
    /* in a need in both languages the translations only fill in */
    translate(c, NULL, "处理 recycling", CLIR_ANY, &q);
    assert_true(fabs(sum_of(&q, "处理") - 0.3) < 1e-9);
    assert_true(fabs(sum_of(&q, "recycling") - 0.3) < 1e-9);
    clir_query_release(&q);
    clir_free(c);
}

static void lang_picks_the_direction(void **state)
{
    (void)state;
    struct clir *c = clir_new(D);
    struct clir_query q;
    translate(c, NULL, "处理 recycling", CLIR_EN, &q);
    assert_true(weight(&q, "处理", "handle") > 0);
    assert_true(sum_of(&q, "recycling") == 0);
    clir_query_release(&q);
    translate(c, NULL, "处理 recycling", CLIR_ZH, &q);
    assert_true(sum_of(&q, "处理") == 0);
    assert_true(sum_of(&q, "recycling") > 0);
    clir_query_release(&q);
    clir_free(c);
}

static void put(struct kg_record *r, const char *json)
{
    char err[256];
    record_init(r, KG_ACHIEVEMENT);
    assert_int_equal(record_from_json(r, json, strlen(json), err, 256), KG_OK);
}

/* An index of the n records json[] (r holds them until released). */
static struct index *index_of(struct kg_record *r, const char *const *json,
                              size_t n)
{
    const struct kg_record *p[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        put(&r[i], json[i]);
        p[i] = &r[i];
    }
    struct index *ix;
    char err[256];
    assert_int_equal(index_build(p, n, NULL, &ix, err, sizeof err), KG_OK);
    return ix;
}

static void co_occurrence_in_the_store_picks_the_sense(void **state)
{
    (void)state;
    struct kg_record r[3];
    static const char *const json[] = {
        "{\"id\":\"A1\",\"title\":\"Waste water treatment process\"}",
        "{\"id\":\"A2\",\"title\":\"A process for waste water\"}",
        "{\"id\":\"A3\",\"title\":\"Door handle design\"}"};
    struct index *ix = index_of(r, json, 3);
    struct clir *c = clir_new(D);
    struct clir_query q;
    translate(c, NULL, "废水处理", CLIR_EN, &q);
    /* by the dictionary's order alone "handle" leads */
    assert_true(weight(&q, "处理", "handle") > weight(&q, "处理", "process"));
    clir_query_release(&q);
    translate(c, ix, "废水处理", CLIR_EN, &q);
    /* the store: "process" goes with "waste water", "handle" does not;
     * "deal with", never in the store, is dropped */
    assert_true(weight(&q, "处理", "process") > weight(&q, "处理", "handle"));
    assert_true(weight(&q, "处理", "deal with") == 0);
    assert_true(fabs(sum_of(&q, "处理") - 1) < 1e-9);
    clir_query_release(&q);
    clir_free(c);
    index_free(ix);
    for (int i = 0; i < 3; i++)
        record_release(&r[i]);
}

static void learned_pairs_translate_what_the_dictionary_lacks(void **state)
{
    (void)state;
    struct clir *c = clir_new(D);
    struct clir_query q;
    translate(c, NULL, "二次铝灰", CLIR_ANY, &q);
    assert_true(weight(&q, "铝灰", "aluminium dross") == 0);
    clir_query_release(&q);
    clir_add_pair(c, "铝灰", "Aluminium Dross");
    clir_add_pair(c, "铝灰", "aluminium dross");
    assert_int_equal(clir_pair_count(c), 1);
    /* 二次|铝|灰 in the dictionary; the learned term joins 铝 and 灰 */
    translate(c, NULL, "二次铝灰", CLIR_ANY, &q);
    assert_true(weight(&q, "铝灰", "aluminium dross") > 0);
    bool learned = false;
    for (size_t i = 0; i < q.n; i++)
        learned |= q.v[i].how == CLIR_LEARNED;
    assert_true(learned);
    char *concepts = clir_concepts(&q, 1);
    assert_string_equal(concepts, "铝灰 ↔ aluminium dross");
    free(concepts);
    clir_query_release(&q);
    /* and the other way, with the British spelling folded */
    translate(c, NULL, "aluminum dross", CLIR_ZH, &q);
    assert_true(weight(&q, "aluminum dross", "铝灰") > 0);
    clir_query_release(&q);
    clir_free(c);
}

static void mixed_text_translates_words_and_keeps_codes(void **state)
{
    (void)state;
    struct clir *c = clir_new(D);
    struct clir_query q;
    translate(c, NULL, "PLC控制的MBR膜系统", CLIR_ANY, &q);
    assert_true(weight(&q, "控制", "control") > 0);
    assert_true(weight(&q, "膜", "membrane") > 0);
    assert_true(weight(&q, "系统", "system") > 0);
    for (size_t i = 1; i < q.n; i++) {
        assert_string_not_equal(q.v[i].src, "PLC");
        assert_string_not_equal(q.v[i].src, "MBR");
    }
    clir_query_release(&q);
    clir_free(c);
}

/* A title given in both languages: what one language says (Sport, 体育;
 * Right, 权利) is not translated again, inflected or not, and the more of
 * a language's words the other one says, the less its other words'
 * translations count. */
static void a_need_in_both_languages_counts_a_term_once(void **state)
{
    (void)state;
    struct clir *c = clir_new(D);
    struct clir_query q;
    translate(c, NULL, "作为权利的体育 Sport as a Right", CLIR_ANY, &q);
    assert_true(sum_of(&q, "体育") == 0);
    assert_true(sum_of(&q, "权利") == 0);
    assert_true(sum_of(&q, "Sport") == 0);
    assert_true(sum_of(&q, "Right") == 0);
    clir_query_release(&q);
    translate(c, NULL, "膜 reactor", CLIR_ANY, &q);
    double alone = sum_of(&q, "reactor");
    assert_true(alone > 0 && alone < 1);
    clir_query_release(&q);
    translate(c, NULL, "膜 membrane reactor", CLIR_ANY, &q);
    assert_true(sum_of(&q, "membrane") == 0);
    assert_true(sum_of(&q, "膜") == 0);
    assert_true(fabs(sum_of(&q, "reactor") - alone / 2) < 1e-9);
    clir_query_release(&q);
    clir_free(c);
}

/* The weight CLIR_SAME terms after the first add to the need's own words
 * starting with text (sport, sports; 0 when none). */
static double own_change(const struct clir_query *q, const char *text)
{
    double w = 0;
    for (size_t i = 1; i < q->n; i++)
        if (q->v[i].how == CLIR_SAME &&
            strncmp(q->v[i].text, text, strlen(text)) == 0)
            w += q->v[i].weight;
    return w;
}

/* In a Chinese store the English word of a thing is rare, the thing is
 * not: whether the need says it in both languages or in one, the English
 * word counts with the rarity of the pair (a structured query), the common
 * Chinese word hardly changes, and a word with no rendering in the store
 * is left alone. */
static void a_pair_said_in_both_languages_is_as_rare_as_the_pair(void **state)
{
    (void)state;
    struct kg_record r[6];
    static const char *const json[] = {
        "{\"id\":\"A1\",\"abstract\":\"体育课程改革\"}",
        "{\"id\":\"A2\",\"abstract\":\"学校体育与健康\"}",
        "{\"id\":\"A3\",\"abstract\":\"A review of school sport\"}",
        "{\"id\":\"A4\",\"abstract\":\"体育场馆\"}",
        "{\"id\":\"A5\",\"abstract\":\"钢铁冶炼\"}",
        "{\"id\":\"A6\",\"abstract\":\"铝合金焊接\"}"};
    struct index *ix = index_of(r, json, 6);
    struct clir *c = clir_new(D);
    struct clir_query q;
    translate(c, ix, "学校体育 school sport", CLIR_ANY, &q);
    double en = own_change(&q, "sport"), zh = own_change(&q, "体育");
    assert_true(en < 0 && en > -1);
    assert_true(zh <= 0 && zh > en);
    clir_query_release(&q);
    /* said once, a word still has the rarity of its concept: the rare
     * English word comes down, the common Chinese one hardly */
    translate(c, ix, "school", CLIR_ANY, &q);
    double once = own_change(&q, "school");
    assert_true(once < 0 && once > -1);
    clir_query_release(&q);
    translate(c, ix, "学校体育", CLIR_ANY, &q);
    zh = own_change(&q, "体育");
    assert_true(zh <= 0 && zh > en);
    clir_query_release(&q);
    translate(c, ix, "钢铁冶炼", CLIR_ANY, &q); /* no rendering in the store */
    assert_true(own_change(&q, "钢铁") == 0);
    clir_query_release(&q);
    clir_free(c);
    index_free(ix);
    for (int i = 0; i < 6; i++)
        record_release(&r[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_word_s_translations_share_its_weight),
        cmocka_unit_test(lang_picks_the_direction),
        cmocka_unit_test(co_occurrence_in_the_store_picks_the_sense),
        cmocka_unit_test(learned_pairs_translate_what_the_dictionary_lacks),
        cmocka_unit_test(mixed_text_translates_words_and_keeps_codes),
        cmocka_unit_test(a_need_in_both_languages_counts_a_term_once),
        cmocka_unit_test(a_pair_said_in_both_languages_is_as_rare_as_the_pair),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
