/*
 * strmap.h - string interning: each distinct string gets a dense number
 * (0, 1, 2, ... in insertion order) and is kept once. The index and the
 * graph builders name documents, vertices and terms through it.
 */
#ifndef KG_STRMAP_H
#define KG_STRMAP_H

#include "core/kg.h"

#define STRMAP_NONE UINT32_MAX

/* Interned strings (any bytes, NUL included); fields are read-only. */
struct strmap {
    struct strmap_slot {
        uint32_t h, val; /* val: number + 1, 0 = empty */
    } * t;
    size_t cap, n;       /* n strings, numbered 0 .. n-1 */
    uint32_t *off, *len; /* per number: where its bytes lie in b */
    size_t icap;
    char *b; /* the strings, each followed by a NUL */
    size_t blen, bcap;
};

/* An empty map (all zero is one too). */
void strmap_init(struct strmap *m);
/* Frees everything; leaves m empty and safe to release again. */
void strmap_release(struct strmap *m);

/*
 * The number of p[0..n). When it is absent and add is set it is added
 * with the next number (m->n before the call) and *added (when not NULL)
 * is set; when absent and add is clear returns STRMAP_NONE. Aborts past
 * UINT32_MAX - 1 strings or 4 GB of bytes.
 */
uint32_t strmap_get(struct strmap *m, const char *p, size_t n, bool add,
                    bool *added);

/* String number i (< m->n), NUL-terminated; valid until the next add. */
static inline const char *strmap_str(const struct strmap *m, uint32_t i)
{
    return m->b + m->off[i];
}

#endif
