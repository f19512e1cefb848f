/* test_text.c - the analyzer: golden terms for Chinese, English, mixed and
 * Traditional text, technical tokens, normalization, bad bytes, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/text.h"
#include "tools/t2s_convert.h"

/* The terms of s joined by '|', with "term(surface)" where they differ. */
static char *terms_of(struct text *t, const char *s, size_t n)
{
    struct text_tokens tk;
    text_tokens_init(&tk);
    tk.surfaces = true;
    assert_int_equal(text_analyze(t, s, n, &tk), KG_OK);
    struct kg_buf b;
    kg_buf_init(&b);
    for (size_t i = 0; i < tk.n; i++) {
        if (i)
            kg_buf_addc(&b, '|');
        kg_buf_adds(&b, tk.bytes + tk.v[i].off);
        if (tk.v[i].surf != tk.v[i].off)
            kg_buf_printf(&b, "(%s)", tk.bytes + tk.v[i].surf);
    }
    text_tokens_release(&tk);
    return kg_buf_detach(&b);
}

static void expect(struct text *t, const char *in, const char *want)
{
    char *got = terms_of(t, in, strlen(in));
    if (strcmp(got, want) != 0)
        fail_msg("terms of \"%s\":\n  got  %s\n  want %s", in, got, want);
    free(got);
}

static int setup(void **state)
{
    struct text *t;
    char err[256];
    if (text_new(NULL, &t, err, sizeof err) != KG_OK)
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    text_free(*state);
    return 0;
}

static void chinese_runs_become_overlapping_bigrams(void **state)
{
    struct text *t = *state;
    /* ICU alone would give 滨|州|市; bigrams keep 滨州 findable */
    expect(t, "滨州市", "滨州|州市");
    expect(t, "铝合金材料", "铝合|合金|金材|材料");
    /* a lone character is a unigram */
    expect(t, "锌，铜。", "锌|铜");
}

static void chinese_function_characters_cut_runs(void **state)
{
    struct text *t = *state;
    expect(t, "材料的性能研究", "材料|性能|能研|研究");
    expect(t, "铝与铜", "铝|铜");
    /* characters that also build content words are not stop words */
    expect(t, "饱和溶液", "饱和|和溶|溶液");
}

static void english_words_are_stemmed_without_stop_words(void **state)
{
    struct text *t = *state;
    expect(t, "The Running of the systems", "run(running)|system(systems)");
    expect(t, "the company's coatings", "compani(company)|coat(coatings)");
    expect(t, "state-of-the-art", "state|art");
}

static void british_and_american_spellings_meet(void **state)
{
    struct text *t = *state;
    /* the surface is kept as written; the term is the American stem */
    expect(t, "aluminium colour fibres sulphur",
           "aluminum(aluminium)|color(colour)|fiber(fibres)|sulfur(sulphur)");
    expect(t, "aluminum color fibers sulfur",
           "aluminum|color|fiber(fibers)|sulfur");
    expect(t, "organised analyse modelling",
           "organ(organised)|analyz(analyse)|model(modelling)");
    expect(t, "organized analyze modeling",
           "organ(organized)|analyz(analyze)|model(modeling)");
}

static void mixed_text_splits_scripts(void **state)
{
    struct text *t = *state;
    expect(t, "HPLC法测定芍药苷", "hplc|法测|测定|定芍|芍药|药苷");
    expect(t, "基于BP神经网络的预测", "基于|bp|神经|经网|网络|预测");
}

static void traditional_chinese_folds_to_simplified(void **state)
{
    struct text *t = *state;
    char *trad = terms_of(t, "鋁合金焊接技術", strlen("鋁合金焊接技術"));
    char *simp = terms_of(t, "铝合金焊接技术", strlen("铝合金焊接技术"));
    assert_string_equal(trad, simp);
    assert_string_equal(simp, "铝合|合金|金焊|焊接|接技|技术");
    free(trad);
    free(simp);
}

static void full_width_and_case_fold_to_one_form(void **state)
{
    struct text *t = *state;
    expect(t, "ＡＩ", "ai");
    expect(t, "AI ai Ai", "ai|ai|ai");
    expect(t, "Ｈ０１Ｌ　２１／０２", "h01l|h01l21/02");
}

static void alloy_and_grade_codes_stay_whole(void **state)
{
    struct text *t = *state;
    expect(t, "6061-T6", "6061-t6|6061|t6");
    expect(t, "AA7075 and Q235B", "aa7075|q235b");
    expect(t, "铝合金6061-T6", "铝合|合金|6061-t6|6061|t6");
}

static void chemical_formulas_stay_whole(void **state)
{
    struct text *t = *state;
    expect(t, "Al2O3 and SiO2 coatings", "al2o3|sio2|coat(coatings)");
}

static void ipc_codes_keep_group_and_subclass(void **state)
{
    struct text *t = *state;
    expect(t, "H01L 21/02", "h01l|h01l21/02");
    expect(t, "H01L21/02", "h01l21/02|h01l");
    expect(t, "IPC: C22C 21/00;", "ipc|c22c|c22c21/00");
}

static void numbers_take_their_units(void **state)
{
    struct text *t = *state;
    expect(t, "20 mm and 20mm", "20mm|20mm");
    expect(t, "3.5 GHz, 500MPa", "3.5ghz|500mpa");
    expect(t, "1,000 kg", "1000kg");
    expect(t, "25°C, 25 ℃ and 5%", "25°c|25°c|5%");
    expect(t, "2020 was the year", "2020|year");
    expect(t, "version 2.0.", "version|2.0");
}

static void invalid_utf8_is_replaced_and_counted(void **state)
{
    struct text *t = *state;
    struct text_tokens tk;
    text_tokens_init(&tk);
    const char bad[] = "good\xff\xfe"
                       "bytes \xe9\x93 铝\xc0\xaf";
    assert_int_equal(text_analyze(t, bad, sizeof bad - 1, &tk), KG_OK);
    assert_int_equal(tk.n, 3);
    assert_string_equal(tk.bytes + tk.v[0].off, "good");
    assert_string_equal(tk.bytes + tk.v[1].off, "byte");
    assert_string_equal(tk.bytes + tk.v[2].off, "铝");
    assert_true(tk.replaced >= 3);
    text_tokens_release(&tk);
}

static void embedded_nul_and_controls_separate_words(void **state)
{
    struct text *t = *state;
    char *got = terms_of(t, "alpha\0beta\x01gamma", 16);
    assert_string_equal(got, "alpha|beta|gamma");
    free(got);
}

static void empty_and_separator_only_text_has_no_terms(void **state)
{
    struct text *t = *state;
    expect(t, "", "");
    expect(t, " ,.;:!? 。，、（）", "");
    expect(t, "the of and", "");
    /* what match and search refuse as a text with no words */
    static const char sep[] = " ,.;:!? 。，、（）";
    assert_false(text_has_word("", 0));
    assert_false(text_has_word(sep, strlen(sep)));
    assert_false(text_has_word("\xff\xfe -", 4));
    assert_true(text_has_word("the of and", 10));
    assert_true(text_has_word(" 铝 ", strlen(" 铝 ")));
    assert_true(text_has_word("(7)", 3));
    assert_true(text_has_word("Ä", strlen("Ä")));
}

static void overlong_words_are_dropped(void **state)
{
    struct text *t = *state;
    char word[300];
    memset(word, 'x', sizeof word - 1);
    word[sizeof word - 1] = '\0';
    char *in = kg_xasprintf("keep %s keep", word);
    expect(t, in, "keep|keep");
    free(in);
}

static void long_text_gives_the_same_terms_in_chunks(void **state)
{
    struct text *t = *state;
    /* over the 1 MB chunk size, both for ASCII and for CJK */
    struct kg_buf b;
    kg_buf_init(&b);
    size_t reps = 200000;
    for (size_t i = 0; i < reps; i++)
        kg_buf_adds(&b, "cat 铝合金 ");
    struct text_tokens tk;
    text_tokens_init(&tk);
    assert_int_equal(text_analyze(t, b.data, b.len, &tk), KG_OK);
    assert_int_equal(tk.n, reps * 3);
    for (size_t i = 0; i < tk.n; i += 3) {
        assert_string_equal(tk.bytes + tk.v[i].off, "cat");
        assert_string_equal(tk.bytes + tk.v[i + 1].off, "铝合");
        assert_string_equal(tk.bytes + tk.v[i + 2].off, "合金");
    }
    text_tokens_release(&tk);
    kg_buf_release(&b);
}

static void options_turn_off_stemming_stop_words_and_folding(void **state)
{
    (void)state;
    struct text *t;
    char err[256];
    struct text_opts o = {.no_stem = true, .no_stop = true, .no_fold = true};
    assert_int_equal(text_new(&o, &t, err, sizeof err), KG_OK);
    expect(t, "The running 鋁的", "the|running|鋁的");
    text_free(t);
}

static void icu_dictionary_words_can_be_added(void **state)
{
    (void)state;
    struct text *t;
    char err[256];
    struct text_opts o = {.cjk_words = true};
    assert_int_equal(text_new(&o, &t, err, sizeof err), KG_OK);
    char *got = terms_of(t, "中华人民共和国", strlen("中华人民共和国"));
    /* the bigrams, then ICU's dictionary words of 3+ characters */
    assert_non_null(strstr(got, "中华|华人|人民|民共|共和|和国|"));
    assert_non_null(strstr(got, "|共和国"));
    free(got);
    text_free(t);
}

static void japanese_and_korean_runs_are_bigrams_too(void **state)
{
    struct text *t = *state;
    expect(t, "カタカナ", "カタ|タカ|カナ");
    expect(t, "한국어", "한국|국어");
}

static void accented_latin_is_case_folded(void **state)
{
    struct text *t = *state;
    expect(t, "CAFÉ Straße", "café|strass(strasse)");
}

static void hash_and_load_are_deterministic(void **state)
{
    (void)state;
    assert_true(text_hash("abc", 3) == text_hash("abc", 3));
    assert_true(text_hash("abc", 3) != text_hash("abd", 3));
    assert_true(text_hash("", 0) != text_hash("a", 1));
    assert_true(text_load8("ab", 2) == text_load8("ab\0\0\0\0\0\0", 8));
    assert_true(text_load8("abcdefghij", 10) == text_load8("abcdefgh", 8));
}

static void simplified_characters_follow_t2s(void **state)
{
    (void)state;
    assert_int_equal(text_simplified(0x92C1), 0x94DD);  /* 鋁 -> 铝 */
    assert_int_equal(text_simplified(0x9AD4), 0x4F53);  /* 體 -> 体 */
    assert_int_equal(text_simplified(0x8853), 0x672F);  /* 術 -> 术 */
    assert_int_equal(text_simplified(0x4E7E), 0x5E72);  /* 乾 -> 干 alone */
    assert_int_equal(text_simplified(0x346E), 0x2B748); /* to Extension C */
    assert_int_equal(text_simplified(0x94DD), 0x94DD);  /* 铝 stays */
    assert_int_equal(text_simplified(0x5408), 0x5408);  /* 合 stays */
    assert_int_equal(text_simplified('A'), 'A');
    assert_int_equal(text_simplified(0x33FF), 0x33FF); /* below the range */
    assert_int_equal(text_simplified(0xA000), 0xA000); /* past it */
    assert_int_equal(text_simplified(0x2B748), 0x2B748);
}

/* The table built into the library equals OpenCC's t2s, character by
 * character, over the whole range (skipped when OpenCC cannot be opened
 * here: the table was checked when it was built). */
static void t2s_table_equals_opencc(void **state)
{
    (void)state;
    opencc_t cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
    if (cc == (opencc_t)-1) {
        skip();
        return;
    }
    size_t changed = 0, bad = 0;
    for (uint32_t c = T2S_LO; c < T2S_HI; c++) {
        uint32_t want = t2s_convert(cc, c), got = text_simplified(c);
        changed += want != c;
        if (got != want && bad++ < 10)
            print_error("U+%04X: table U+%04X, OpenCC U+%04X\n", (unsigned)c,
                        (unsigned)got, (unsigned)want);
    }
    opencc_close(cc);
    assert_int_equal(bad, 0);
    assert_true(changed > 2000); /* the t2s data was there at all */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(chinese_runs_become_overlapping_bigrams),
        T(chinese_function_characters_cut_runs),
        T(english_words_are_stemmed_without_stop_words),
        T(british_and_american_spellings_meet),
        T(mixed_text_splits_scripts),
        T(traditional_chinese_folds_to_simplified),
        T(full_width_and_case_fold_to_one_form),
        T(alloy_and_grade_codes_stay_whole),
        T(chemical_formulas_stay_whole),
        T(ipc_codes_keep_group_and_subclass),
        T(numbers_take_their_units),
        T(invalid_utf8_is_replaced_and_counted),
        T(embedded_nul_and_controls_separate_words),
        T(empty_and_separator_only_text_has_no_terms),
        T(overlong_words_are_dropped),
        T(long_text_gives_the_same_terms_in_chunks),
        T(options_turn_off_stemming_stop_words_and_folding),
        T(icu_dictionary_words_can_be_added),
        T(japanese_and_korean_runs_are_bigrams_too),
        T(accented_latin_is_case_folded),
        T(hash_and_load_are_deterministic),
        T(simplified_characters_follow_t2s),
        T(t2s_table_equals_opencc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
