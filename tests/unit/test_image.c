/* test_image.c - cache images and the string map: an image written and
 * mapped back round-trips; a flipped byte, a truncated file, a foreign
 * file and a section out of bounds are refused; a verified file is
 * stamped and a changed one verified again; strings intern. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/image.h"
#include "core/strmap.h"
#include "tests/unit/fixture.h"

#define MAGIC "KGTEST\0\n"

struct meta {
    uint32_t a, b;
};

static const struct image_spec spec = {
    .magic = MAGIC,
    .what = "test image",
    .format = 7,
    .nsections = 2,
    .meta_len = sizeof(struct meta),
};

struct fx {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fx *f = kg_xcalloc(1, sizeof *f);
    if (fx_dir(f->dir, sizeof f->dir, "kgimage", f->path, sizeof f->path,
               "t.img") != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    if (fx_rmdir(f->dir) != 0)
        return -1;
    free(f);
    return 0;
}

/* An image with the text "hello" in section 0 and 1000 words in 1. */
static void lay_out(struct image_writer *w)
{
    image_writer_init(w, 2, sizeof(struct meta));
    size_t at = w->len;
    image_add(w, "hello", 6);
    image_set_section(w, 0, at, 6);
    size_t off = image_add_section(w, 1, 1000 * sizeof(uint32_t));
    for (uint32_t i = 0; i < 1000; i++)
        memcpy(w->p + off + 4 * i, &i, 4);
    struct meta m = {.a = 42, .b = 1000};
    image_finish(w, MAGIC, 7, &m);
}

static void write_image(const char *path)
{
    struct image_writer w;
    lay_out(&w);
    char why[256];
    assert_int_equal(image_write(path, w.p, w.len, why, sizeof why), KG_OK);
    image_writer_release(&w);
}

static enum image_verdict map(const char *path, struct image *im, char *why,
                              size_t whylen)
{
    enum image_verdict v;
    kg_status st = image_map(path, &spec, im, &v, why, whylen);
    assert_true(st == KG_OK || st == KG_EINPUT);
    assert_int_equal(st == KG_OK, v == IMAGE_OK);
    return v;
}

static void flip(const char *path, long at)
{
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, at, SEEK_SET), 0);
    int c = fgetc(fp);
    assert_int_equal(fseek(fp, at, SEEK_SET), 0);
    fputc(c ^ 0x5a, fp);
    fclose(fp);
}

static void an_image_round_trips_through_its_file(void **state)
{
    struct fx *f = *state;
    write_image(f->path);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    struct image im;
    char why[256];
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_OK);
    assert_true(im.mapped);
    struct meta m;
    memcpy(&m, im.meta, sizeof m);
    assert_int_equal(m.a, 42);
    assert_int_equal(m.b, 1000);
    size_t len;
    assert_string_equal(image_section(&im, 0, &len), "hello");
    assert_int_equal(len, 6);
    const uint8_t *words = image_section(&im, 1, &len);
    assert_int_equal(len, 4000);
    assert_int_equal(im.off[1] % 8, 0);
    uint32_t last;
    memcpy(&last, words + 4 * 999, 4);
    assert_int_equal(last, 999);
    image_release(&im);
    image_release(&im); /* twice is safe */
    /* no temporary file is left beside it */
    char cmd[200];
    snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) = 1", f->dir);
    assert_int_equal(system(cmd), 0);
}

static void a_flipped_byte_anywhere_is_a_checksum_mismatch(void **state)
{
    struct fx *f = *state;
    write_image(f->path);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    /* past the size field every byte is covered: the owner's header, the
     * section table, the sections and the padding between them */
    for (long at = 32; at < sb.st_size; at += 37) {
        write_image(f->path);
        flip(f->path, at);
        struct image im;
        char why[256];
        assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_DAMAGED);
        if (!strstr(why, "checksum"))
            fail_msg("byte %ld: '%s'", at, why);
    }
}

static void a_truncated_file_is_refused(void **state)
{
    struct fx *f = *state;
    char why[256];
    struct image im;
    write_image(f->path);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(truncate(f->path, sb.st_size - 1), 0);
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_DAMAGED);
    assert_non_null(strstr(why, "size"));
    assert_int_equal(truncate(f->path, 20), 0);
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_DAMAGED);
    assert_non_null(strstr(why, "truncated"));
    assert_int_equal(truncate(f->path, 0), 0);
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_DAMAGED);
    assert_non_null(strstr(why, "truncated"));
    unlink(f->path);
    enum image_verdict v;
    assert_int_equal(image_map(f->path, &spec, &im, &v, why, sizeof why),
                     KG_ENOTFOUND);
}

static void foreign_files_are_told_apart_from_damaged_ones(void **state)
{
    struct fx *f = *state;
    char why[256];
    struct image im;
    FILE *fp = fopen(f->path, "w");
    fputs("this is not an image, just some text that is long enough", fp);
    fclose(fp);
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_FOREIGN);
    assert_string_equal(why, "not a kgmatch test image");
    /* another format number (an older kgmatch) */
    struct image_writer w;
    lay_out(&w);
    struct image_spec other = spec;
    other.format = 8;
    assert_int_equal(
        image_check(&other, w.p, w.len, true, &im, why, sizeof why),
        IMAGE_FOREIGN);
    assert_string_equal(why, "format 7, this kgmatch writes 8");
    /* the right format with another section count is damage */
    other = spec;
    other.nsections = 3;
    assert_int_equal(
        image_check(&other, w.p, w.len, true, &im, why, sizeof why),
        IMAGE_DAMAGED);
    image_writer_release(&w);
}

static void a_section_out_of_bounds_is_refused(void **state)
{
    (void)state;
    char why[256];
    struct image im;
    /* lengths and offsets past the end, and an offset inside the header,
     * each with a valid checksum (as a buggy writer would leave them) */
    const uint64_t bad[][2] = {
        {0, 4}, {64, 1u << 20}, {1u << 30, 0}, {UINT64_MAX - 2, 4}};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        struct image_writer w;
        lay_out(&w);
        w.off[1] = bad[k][0];
        w.slen[1] = bad[k][1];
        struct meta m = {42, 1000};
        image_finish(&w, MAGIC, 7, &m);
        assert_int_equal(
            image_check(&spec, w.p, w.len, true, &im, why, sizeof why),
            IMAGE_DAMAGED);
        assert_string_equal(why, "section 1 out of bounds");
        image_writer_release(&w);
    }
}

static void unwritable_paths_fail_without_leaving_files(void **state)
{
    struct fx *f = *state;
    char why[256];
    assert_int_equal(mkdir(f->path, 0755), 0); /* a directory in the way */
    assert_int_equal(image_write(f->path, "x", 1, why, sizeof why), KG_EIO);
    assert_true(why[0] != '\0');
    char cmd[200];
    snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) = 1", f->dir);
    assert_int_equal(system(cmd), 0);
    char missing[200];
    snprintf(missing, sizeof missing, "%s/no/such/dir/x", f->dir);
    assert_int_equal(image_write(missing, "x", 1, why, sizeof why), KG_EIO);
}

/* Reads the stamp beside path into buf ("" when there is none). */
static void read_stamp(const char *path, char *buf, size_t n)
{
    char sp[160];
    const char *name = strrchr(path, '/') + 1;
    snprintf(sp, sizeof sp, "%.*s.%s.ok", (int)(name - path), path, name);
    buf[0] = '\0';
    FILE *fp = fopen(sp, "r");
    if (!fp)
        return;
    if (!fgets(buf, (int)n, fp))
        buf[0] = '\0';
    fclose(fp);
}

static void
a_settled_file_is_stamped_and_a_changed_one_verified_again(void **state)
{
    struct fx *f = *state;
    char why[256], stamp[256];
    struct image im;
    write_image(f->path);
    /* a file written a moment ago gets no stamp: its times may not move
     * on the next write yet */
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_OK);
    assert_false(im.stamped);
    image_vouch(f->path, &im);
    image_release(&im);
    read_stamp(f->path, stamp, sizeof stamp);
    assert_string_equal(stamp, "");
    struct timespec wait = {IMAGE_SETTLE_S, 100000000};
    nanosleep(&wait, NULL);
    /* the stamp of an image gone (a merged segment) and a file of the
     * user's that only ends in .ok */
    char gone[160], mine[160];
    snprintf(gone, sizeof gone, "%s/.gone.img.ok", f->dir);
    snprintf(mine, sizeof mine, "%s/.notes.ok", f->dir);
    FILE *fp = fopen(gone, "w");
    fputs("KGSTAMP 1 1 2 3 4 5 6 1\n", fp);
    fclose(fp);
    fp = fopen(mine, "w");
    fputs("remember the milk\n", fp);
    fclose(fp);
    /* verified whole, then stamped; the next map takes the checksum from
     * the stamp, and the owner's vouch raises the stamp's level */
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_OK);
    assert_false(im.stamped);
    image_release(&im);
    read_stamp(f->path, stamp, sizeof stamp);
    assert_non_null(strstr(stamp, "KGSTAMP 1 "));
    assert_int_equal(access(gone, F_OK), -1);
    assert_int_equal(access(mine, F_OK), 0);
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_OK);
    assert_true(im.stamped);
    assert_false(im.vouched);
    image_vouch(f->path, &im);
    image_release(&im);
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_OK);
    assert_true(im.stamped && im.vouched);
    image_release(&im);
    /* a stamp that names another checksum is not believed */
    char sp[160], forged[256];
    snprintf(sp, sizeof sp, "%s/.t.img.ok", f->dir);
    read_stamp(f->path, forged, sizeof forged);
    char *sum = strrchr(forged, ' ') - 16;
    *sum = *sum == '0' ? '1' : '0';
    fp = fopen(sp, "w");
    fputs(forged, fp);
    fclose(fp);
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_OK);
    assert_false(im.stamped);
    image_release(&im);
    /* a byte flipped in place after the stamp: the file's times moved,
     * so the checksum is taken again and fails */
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_OK);
    assert_true(im.stamped);
    image_release(&im);
    flip(f->path, 2000);
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_DAMAGED);
    assert_non_null(strstr(why, "checksum"));
    /* so is a new file in its place (another inode) */
    write_image(f->path);
    flip(f->path, 2000);
    assert_int_equal(map(f->path, &im, why, sizeof why), IMAGE_DAMAGED);
    assert_non_null(strstr(why, "checksum"));
}

static void strings_intern_to_dense_numbers(void **state)
{
    (void)state;
    struct strmap m;
    strmap_init(&m);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        bool added = false;
        assert_int_equal(strmap_get(&m, key, (size_t)n, true, &added), i);
        assert_true(added);
    }
    bool added = false;
    assert_int_equal(strmap_get(&m, "k17", 3, true, &added), 17);
    assert_false(added);
    assert_int_equal(strmap_get(&m, "k5000", 5, false, NULL), STRMAP_NONE);
    /* bytes, not C strings: a NUL inside is part of the key */
    uint32_t z = strmap_get(&m, "a\0b", 3, true, NULL);
    assert_int_not_equal(z, strmap_get(&m, "a", 1, true, NULL));
    assert_string_equal(strmap_str(&m, 4999), "k4999");
    assert_int_equal(m.n, 5002);
    strmap_release(&m);
    strmap_release(&m);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(an_image_round_trips_through_its_file),
        T(a_flipped_byte_anywhere_is_a_checksum_mismatch),
        T(a_truncated_file_is_refused),
        T(foreign_files_are_told_apart_from_damaged_ones),
        T(a_section_out_of_bounds_is_refused),
        T(unwritable_paths_fail_without_leaving_files),
        T(a_settled_file_is_stamped_and_a_changed_one_verified_again),
        T(strings_intern_to_dense_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
