/*
 * arena.c - zeroed allocations of ARENA_MIN bytes or more straight from
 * mmap, rounded up to whole 2 MB pages, 2 MB aligned and advised
 * MADV_HUGEPAGE (a no-op where the kernel has no transparent huge pages).
 */
#include "core/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define ARENA_HUGE ((size_t)2 << 20)

/* Set once, before any thread allocates (arena_populate). */
static bool populate;

void arena_populate(bool on)
{
    populate = on;
}

/* Maps and clears every page of a[0..len) now: the kernel's prefault
 * (Linux 5.14), else one write a page. */
static void populate_now(char *a, size_t len)
{
    if (madvise(a, len, MADV_POPULATE_WRITE) == 0)
        return;
    for (size_t i = 0; i < len; i += 4096)
        ((volatile char *)a)[i] = 0;
}

void *arena_zalloc(size_t n)
{
    if (n < ARENA_MIN)
        return kg_xcalloc(1, n ? n : 1);
    /* Over-map by one huge page, then trim to a 2 MB aligned range. */
    size_t len = (n + ARENA_HUGE - 1) & ~(ARENA_HUGE - 1);
    char *p = mmap(NULL, len + ARENA_HUGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        fprintf(stderr, "kgmatch: out of memory (%zu bytes)\n", n);
        abort();
    }
    char *a = (char *)(((uintptr_t)p + ARENA_HUGE - 1) & ~(ARENA_HUGE - 1));
    if (a > p)
        munmap(p, (size_t)(a - p));
    size_t tail = (size_t)(p + len + ARENA_HUGE - (a + len));
    if (tail)
        munmap(a + len, tail);
    madvise(a, len, MADV_HUGEPAGE);
    if (populate)
        populate_now(a, len);
    return a;
}

void arena_free(void *p, size_t n)
{
    if (!p)
        return;
    if (n < ARENA_MIN) {
        free(p);
        return;
    }
    munmap(p, (n + ARENA_HUGE - 1) & ~(ARENA_HUGE - 1));
}

void arena_file_huge(const void *p, size_t n)
{
    madvise((void *)p, n, MADV_HUGEPAGE); /* advice: failure is harmless */
}

void *arena_cut(struct arena_cut *c, size_t n, size_t size)
{
    size_t len = arena_cut_size(n, size);
    if (len > c->len - c->used) /* the sizes added up were wrong */
        abort();
    void *p = c->p + c->used;
    c->used += len;
    return p;
}
