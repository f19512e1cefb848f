/*
 * strmap.c - string interning behind strmap.h: open addressing with
 * linear probing over text_hash, kept at most half full; the strings live
 * in one growing buffer.
 */
#include "core/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "core/text.h"

void strmap_init(struct strmap *m)
{
    memset(m, 0, sizeof *m);
}

void strmap_release(struct strmap *m)
{
    free(m->t);
    free(m->off);
    free(m->len);
    free(m->b);
    memset(m, 0, sizeof *m);
}

static void grow(struct strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    struct strmap_slot *t = kg_xcalloc(cap, sizeof *t);
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->t[i].val)
            continue;
        uint32_t v = m->t[i].val - 1;
        size_t j = text_hash(m->b + m->off[v], m->len[v]) & (cap - 1);
        while (t[j].val)
            j = (j + 1) & (cap - 1);
        t[j] = m->t[i];
    }
    free(m->t);
    m->t = t;
    m->cap = cap;
}

uint32_t strmap_get(struct strmap *m, const char *p, size_t n, bool add,
                    bool *added)
{
    if (!m->cap || (add && (m->n + 1) * 2 > m->cap))
        grow(m);
    uint64_t h = text_hash(p, n);
    uint32_t h32 = (uint32_t)(h >> 32);
    size_t j = h & (m->cap - 1);
    for (; m->t[j].val; j = (j + 1) & (m->cap - 1)) {
        uint32_t i = m->t[j].val - 1;
        if (m->t[j].h == h32 && m->len[i] == n &&
            memcmp(m->b + m->off[i], p, n) == 0)
            return i;
    }
    if (!add)
        return STRMAP_NONE;
    if (m->n >= STRMAP_NONE - 1 || m->blen + n + 1 > UINT32_MAX)
        abort(); /* callers limit their input far below this */
    if (m->n == m->icap) {
        m->icap = m->icap ? m->icap * 2 : 1024;
        m->off = kg_xrealloc(m->off, m->icap * sizeof *m->off);
        m->len = kg_xrealloc(m->len, m->icap * sizeof *m->len);
    }
    if (m->blen + n + 1 > m->bcap) {
        size_t cap = m->bcap ? m->bcap * 2 : 1 << 16;
        while (cap < m->blen + n + 1)
            cap *= 2;
        m->b = kg_xrealloc(m->b, cap);
        m->bcap = cap;
    }
    uint32_t i = (uint32_t)m->n++;
    m->off[i] = (uint32_t)m->blen;
    m->len[i] = (uint32_t)n;
    if (n)
        memcpy(m->b + m->blen, p, n);
    m->b[m->blen + n] = '\0';
    m->blen += n + 1;
    m->t[j].h = h32;
    m->t[j].val = i + 1;
    if (added)
        *added = true;
    return i;
}
