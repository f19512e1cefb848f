/*
 * arena.h - zeroed memory for the large per-request work arrays of the
 * matcher and the PageRank push: mapped directly and marked for
 * transparent huge pages, so a query that touches a few bytes on every
 * page of a big array pays a handful of page faults, not thousands.
 */
#ifndef KG_ARENA_H
#define KG_ARENA_H

#include "core/kg.h"

/* n zeroed bytes (n > 0), aligned to 64; never NULL (aborts when out of
 * memory, like kg_xmalloc). Free with arena_free(p, n). */
void *arena_zalloc(size_t n);
void arena_free(void *p, size_t n); /* NULL is a no-op */

#endif
