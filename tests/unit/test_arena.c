/* test_arena.c - work arrays on huge pages: from ARENA_MIN bytes an array
 * is zeroed, 2 MB aligned and advised MADV_HUGEPAGE (the mapping's VmFlags
 * in /proc/self/smaps say "hg"), below it plain zeroed memory; a mapped
 * file is advised the same way; arena_cut hands out 64-aligned arrays;
 * with arena_populate(true) a new array's pages are resident before it is
 * touched (mincore), without it they are not. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"

#define MB2 ((uintptr_t)2 << 20)

/* Whether the mapping holding p is advised for huge pages (its VmFlags
 * name "hg"); false when smaps has no such line (no THP in the kernel). */
static bool advised_huge(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    char line[512];
    bool in = false, hg = false;
    uintptr_t a = (uintptr_t)p;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, ' ') &&
            line[strspn(line, "0123456789abcdef")] == '-') {
            in = a >= lo && a < hi;
            continue;
        }
        if (in && strncmp(line, "VmFlags:", 8) == 0)
            hg = strstr(line, " hg") != NULL;
    }
    fclose(f);
    return hg;
}

/* Whether this kernel has transparent huge pages at all. */
static bool kernel_has_thp(void)
{
    return access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0;
}

static void large_arrays_are_zeroed_aligned_huge_pages(void **state)
{
    (void)state;
    size_t n = ARENA_MIN + 12345;
    unsigned char *p = arena_zalloc(n);
    assert_int_equal((uintptr_t)p % MB2, 0);
    for (size_t i = 0; i < n; i += 4096)
        assert_int_equal(p[i], 0);
    assert_int_equal(p[n - 1], 0);
    memset(p, 0xab, n); /* writable to its last byte */
    if (kernel_has_thp())
        assert_true(advised_huge(p));
    arena_free(p, n);
}

static void small_arrays_are_plain_zeroed_memory(void **state)
{
    (void)state;
    size_t n = ARENA_MIN - 1;
    unsigned char *p = arena_zalloc(n);
    for (size_t i = 0; i < n; i++)
        if (p[i])
            fail_msg("byte %zu not zero", i);
#ifndef __SANITIZE_ADDRESS__ /* ASan's allocator maps its own way */
    assert_false(advised_huge(p));
#endif
    arena_free(p, n);
    arena_free(NULL, n); /* a no-op */
}

static void a_mapped_file_is_advised_huge(void **state)
{
    (void)state;
    char path[] = "/tmp/kg_arena_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t n = 4 * MB2;
    assert_int_equal(ftruncate(fd, (off_t)n), 0);
    void *p = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
    assert_true(p != MAP_FAILED);
    assert_false(advised_huge(p));
    arena_file_huge(p, n);
    if (kernel_has_thp())
        assert_true(advised_huge(p));
    munmap(p, n);
    close(fd);
    unlink(path);
}

static void cuts_are_64_aligned_and_fill_the_block(void **state)
{
    (void)state;
    size_t len = arena_cut_size(3, sizeof(double)) +
                 arena_cut_size(100, sizeof(uint8_t)) +
                 arena_cut_size(1, sizeof(uint32_t));
    assert_int_equal(len, 64 + 128 + 64);
    char *block = arena_zalloc(len);
    struct arena_cut c = {block, 0, len};
    double *a = arena_cut(&c, 3, sizeof *a);
    uint8_t *b = arena_cut(&c, 100, sizeof *b);
    uint32_t *d = arena_cut(&c, 1, sizeof *d);
    assert_ptr_equal(a, block);
    assert_ptr_equal(b, block + 64);
    assert_ptr_equal(d, block + 192);
    assert_int_equal(c.used, len);
    arena_free(block, len);
}

/* How many of the 4 kB pages of p[0..n) are resident. */
static size_t resident_pages(const void *p, size_t n)
{
    size_t pages = (n + 4095) / 4096, in = 0;
    unsigned char *v = malloc(pages);
    assert_non_null(v);
    assert_int_equal(mincore((void *)p, n, v), 0);
    for (size_t i = 0; i < pages; i++)
        in += v[i] & 1;
    free(v);
    return in;
}

static void populated_arrays_are_resident_before_use(void **state)
{
    (void)state;
    size_t n = 3 * MB2 + 4096, pages = (n + 4095) / 4096;
    unsigned char *cold = arena_zalloc(n); /* the default: on first touch */
    assert_int_equal(resident_pages(cold, n), 0);
    arena_populate(true);
    unsigned char *warm = arena_zalloc(n);
    unsigned char *small = arena_zalloc(ARENA_MIN - 1); /* calloc, as ever */
    arena_populate(false);
    assert_int_equal(resident_pages(warm, n), pages);
    for (size_t i = 0; i < n; i += 4096)
        assert_int_equal(warm[i], 0);
    assert_int_equal(resident_pages(cold, n), 0);
    unsigned char *again = arena_zalloc(n); /* off again */
    assert_int_equal(resident_pages(again, n), 0);
    arena_free(cold, n);
    arena_free(warm, n);
    arena_free(small, ARENA_MIN - 1);
    arena_free(again, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(large_arrays_are_zeroed_aligned_huge_pages),
        cmocka_unit_test(small_arrays_are_plain_zeroed_memory),
        cmocka_unit_test(a_mapped_file_is_advised_huge),
        cmocka_unit_test(cuts_are_64_aligned_and_fill_the_block),
        cmocka_unit_test(populated_arrays_are_resident_before_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
