/* test_dict.c - the CC-CEDICT image: lookups both ways with simplified and
 * Traditional headwords, the search order and its error, damaged images,
 * and segmentation of mixed Chinese-English text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/dict.h"

static struct dict *D;

static const char *dict_file(void)
{
    static char path[512];
    const char *b = getenv("BUILD");
    snprintf(path, sizeof path, "%s/kgmatch.dict", b && *b ? b : "build");
    return path;
}

static int setup(void **state)
{
    (void)state;
    char err[512];
    kg_status st = dict_open(dict_file(), &D, err, sizeof err);
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

static bool has(const struct dict_item *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].text, s) == 0)
            return true;
    return false;
}

static void chinese_words_give_english_glosses_in_order(void **state)
{
    (void)state;
    struct dict_item v[16];
    size_t n = dict_zh(D, "氧化铝", strlen("氧化铝"), v, 16);
    assert_true(n >= 1);
    assert_string_equal(v[0].text, "aluminum oxide");
    n = dict_zh(D, "回收", strlen("回收"), v, 16);
    assert_true(n >= 4);
    assert_string_equal(v[0].text, "to recycle");
    assert_int_equal(v[0].rank, 0);
    assert_int_equal(v[1].rank, 1);
}

static void traditional_headwords_find_the_same_entry(void **state)
{
    (void)state;
    struct dict_item s[16], t[16];
    size_t ns = dict_zh(D, "氧化铝", strlen("氧化铝"), s, 16);
    size_t nt = dict_zh(D, "氧化鋁", strlen("氧化鋁"), t, 16);
    assert_int_equal(ns, nt);
    assert_string_equal(s[0].text, t[0].text);
    assert_true(dict_zh(D, "膜", strlen("膜"), s, 16) >= 1);
    assert_true(has(s, 16, "membrane"));
}

static void english_phrases_give_simplified_headwords(void **state)
{
    (void)state;
    struct dict_item v[16];
    size_t n = dict_en(D, "aluminum oxide", strlen("aluminum oxide"), v, 16);
    assert_true(n >= 1 && n <= 16);
    assert_true(has(v, n, "氧化铝"));
    n = dict_en(D, "recycle", strlen("recycle"), v, 16);
    assert_true(has(v, n < 16 ? n : 16, "回收"));
    /* the traditional form is never an English key's answer */
    assert_false(has(v, n < 16 ? n : 16, "迴收"));
}

static void unknown_and_partial_keys_find_nothing(void **state)
{
    (void)state;
    struct dict_item v[4];
    assert_int_equal(dict_en(D, "aluminum oxid", 13, v, 4), 0);
    assert_int_equal(dict_en(D, "", 0, v, 4), 0);
    assert_int_equal(dict_zh(D, "氧化铝x", strlen("氧化铝x"), v, 4), 0);
    assert_int_equal(dict_zh(D, "a\0b", 3, v, 4), 0);
}

static void longest_match_prefers_the_longer_headword(void **state)
{
    (void)state;
    const char *s = "氧化铝陶瓷";
    size_t n = dict_longest_zh(D, s, strlen(s));
    assert_true(n >= strlen("氧化铝"));
    assert_int_equal(dict_longest_zh(D, "xyz", 3), 0);
}

static char *segs_of(const char *s)
{
    struct dict_seg *v = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(dict_segment(D, s, strlen(s), &v, &n, err, sizeof err),
                     KG_OK);
    struct kg_buf b;
    kg_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (i)
            kg_buf_addc(&b, '|');
        kg_buf_add(&b, s + v[i].off, v[i].len);
    }
    free(v);
    return kg_buf_detach(&b);
}

static void mixed_text_segments_into_words(void **state)
{
    (void)state;
    char *s = segs_of("PLC控制的MBR膜系统");
    assert_string_equal(s, "PLC|控制|的|MBR|膜|系统");
    free(s);
    s = segs_of("6061-T6铝合金, Al2O3涂层");
    assert_string_equal(s, "6061-T6|铝合金|Al2O3|涂层");
    free(s);
    s = segs_of("二次铝灰无害化处理");
    assert_string_equal(s, "二次|铝|灰|无害|化|处理"); /* 铝灰 is no entry */
    free(s);
}

static void missing_and_damaged_files_are_clear_errors(void **state)
{
    (void)state;
    struct dict *d = NULL;
    char err[512];
    assert_int_equal(dict_open("/nonexistent/x.kgd", &d, err, sizeof err),
                     KG_ENOTFOUND);
    assert_null(d);
    char tmp[] = "/tmp/test_dictXXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    FILE *in = fopen(dict_file(), "rb");
    assert_non_null(in);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    assert_int_equal(write(fd, buf, n), (ssize_t)n); /* truncated copy */
    close(fd);
    assert_int_equal(dict_open(tmp, &d, err, sizeof err), KG_EINPUT);
    assert_non_null(strstr(err, "damaged dictionary"));
    unlink(tmp);
    setenv(DICT_ENV, "/nonexistent/env.kgd", 1);
    assert_int_equal(dict_open(NULL, &d, err, sizeof err), KG_ENOTFOUND);
    assert_non_null(strstr(err, "/nonexistent/env.kgd"));
    unsetenv(DICT_ENV);
}

/* A settled copy is verified once and stamped (DIR/.NAME.ok); the stamp
 * spares the next open its checks, and a write to the file (its ctime
 * moves) has it verified whole again: the damage is found. */
static void a_stamped_copy_is_still_checked_after_a_write(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_dictdirXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], stamp[80];
    snprintf(path, sizeof path, "%s/c.kgd", dir);
    snprintf(stamp, sizeof stamp, "%s/.c.kgd.ok", dir);
    FILE *in = fopen(dict_file(), "rb"), *out = fopen(path, "wb");
    assert_true(in && out);
    char buf[65536];
    size_t n, total = 0;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        assert_int_equal(fwrite(buf, 1, n, out), n);
        total += n;
    }
    fclose(in);
    assert_int_equal(fclose(out), 0);
    struct dict *d = NULL;
    char err[512];
    assert_int_equal(dict_open(path, &d, err, sizeof err), KG_OK);
    dict_free(d);
    assert_int_not_equal(access(stamp, F_OK), 0); /* too fresh to stamp */
    struct timespec wait = {2, 300000000};
    nanosleep(&wait, NULL);
    assert_int_equal(dict_open(path, &d, err, sizeof err), KG_OK);
    dict_free(d);
    assert_int_equal(access(stamp, F_OK), 0);
    assert_int_equal(dict_open(path, &d, err, sizeof err), KG_OK);
    assert_true(dict_longest_zh(d, "\xe9\x93\x9d\xe5\x90\x88\xe9\x87\x91", 9) >
                0);
    dict_free(d);
    /* one byte of the contents changed: the stamp no longer names it */
    out = fopen(path, "r+b");
    assert_non_null(out);
    assert_int_equal(fseek(out, (long)(total / 2), SEEK_SET), 0);
    int c = fgetc(out);
    assert_int_equal(fseek(out, (long)(total / 2), SEEK_SET), 0);
    fputc(c ^ 0x55, out);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(dict_open(path, &d, err, sizeof err), KG_EINPUT);
    assert_non_null(strstr(err, "checksum mismatch"));
    unlink(stamp);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chinese_words_give_english_glosses_in_order),
        cmocka_unit_test(traditional_headwords_find_the_same_entry),
        cmocka_unit_test(english_phrases_give_simplified_headwords),
        cmocka_unit_test(unknown_and_partial_keys_find_nothing),
        cmocka_unit_test(longest_match_prefers_the_longer_headword),
        cmocka_unit_test(mixed_text_segments_into_words),
        cmocka_unit_test(missing_and_damaged_files_are_clear_errors),
        cmocka_unit_test(a_stamped_copy_is_still_checked_after_a_write),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
