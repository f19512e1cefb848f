/*
 * arena.h - zeroed memory for the large work arrays that a query writes
 * nearly whole (the matcher's, the PageRank push's, the index's
 * accumulators and norms): mapped directly and marked for transparent
 * huge pages, so a query that touches a few bytes on every page of a big
 * array pays a handful of page faults, not thousands. A fault costs some
 * 10 us on a paravirtualized machine, clearing a 2 MB page some 70 us: a
 * huge page pays for itself from 7 pages touched, so from ARENA_MIN bytes
 * an array takes whole huge pages.
 */
#ifndef KG_ARENA_H
#define KG_ARENA_H

#include "core/kg.h"

#define ARENA_MIN ((size_t)128 << 10)

/* n zeroed bytes (n > 0), aligned to 64; never NULL (aborts when out of
 * memory, like kg_xmalloc). Free with arena_free(p, n). */
void *arena_zalloc(size_t n);
void arena_free(void *p, size_t n); /* NULL is a no-op */

/*
 * With on, every later arena_zalloc maps and clears its pages at once
 * (MADV_POPULATE_WRITE) instead of on their first touch. For a long-lived
 * process (the service): a worker's work arrays are made as it loads, and
 * its first requests would otherwise clear them (about 100 ms of a fresh
 * server's first match at 100k records, by perf). A one-demand process
 * touches only part of them and leaves it off. Call before any thread
 * allocates.
 */
void arena_populate(bool on);

/*
 * Arrays cut one after another from one zeroed block (from arena_zalloc,
 * or kg_xcalloc for arrays written at a few places only), each 64-aligned:
 * add up arena_cut_size of every array for the block's length, then take
 * them with arena_cut in any order. A size may be an upper bound (the
 * array then takes less); cutting past the block's end is a bug in the
 * sizes, and aborts.
 */
struct arena_cut {
    char *p;
    size_t used, len;
};

static inline size_t arena_cut_size(size_t n, size_t size)
{
    return (n * size + 63) & ~(size_t)63;
}

void *arena_cut(struct arena_cut *c, size_t n, size_t size);

/* Marks a mapped file (a cache image, the dictionary) for huge pages: read
 * back after the page cache let it go, it comes in 2 MB pages, each mapped
 * by one fault rather than one per 4 kB. */
void arena_file_huge(const void *p, size_t n);

#endif
