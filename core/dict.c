/*
 * dict.c - the memory-mapped CC-CEDICT image (format in dict.h): checked
 * once when mapped, then looked up by binary search over its sorted key
 * tables, and used to segment mixed Chinese-English text together with
 * ICU's dictionary word break.
 */
#include "core/dict.h"
#include "core/arena.h"
#include "core/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>
#include <unistd.h>
#include <zlib.h>

#define DICT_MAGIC "KGDICT\0\1"
#define DICT_FORMAT 1
#define DICT_HDR 56

struct dict {
    const uint8_t *base;
    size_t size;
    char *path;
    uint32_t nzh, nen, nzi, nei;
    const uint8_t *zh, *en, *zi, *ei;
    const char *str;
    size_t str_len;
    UBreakIterator *brk; /* opened on first segmentation */
};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------------ opening */

/* Checks the image: every table inside the file, every string offset
 * inside the string section and NUL-terminated there, keys sorted. A
 * verified stamp beside the file (core/image.h) that names it spares the
 * checksum and the table contents (level 2: both passed before; the
 * header's bounds are checked all the same). */
static bool check(struct dict *d, int level, char *why, size_t whylen)
{
    const uint8_t *b = d->base;
    if (d->size < DICT_HDR || memcmp(b, DICT_MAGIC, 8) != 0) {
        snprintf(why, whylen, "not a kgmatch dictionary");
        return false;
    }
    if (rd32(b + 8) != DICT_FORMAT || rd32(b + 12) != d->size) {
        snprintf(why, whylen, "wrong format or truncated");
        return false;
    }
    uLong crc = level < 1 ? crc32(0L, b + DICT_HDR, (uInt)(d->size - DICT_HDR))
                          : rd32(b + 16);
    if ((uint32_t)crc != rd32(b + 16)) {
        snprintf(why, whylen, "checksum mismatch");
        return false;
    }
    d->nzh = rd32(b + 20);
    d->nen = rd32(b + 24);
    uint64_t zh = rd32(b + 28), en = rd32(b + 32), zi = rd32(b + 36),
             ei = rd32(b + 44), so = rd32(b + 52);
    d->nzi = rd32(b + 40);
    d->nei = rd32(b + 48);
    if (zh < DICT_HDR || zh + 12ull * d->nzh > d->size ||
        en + 12ull * d->nen > d->size || zi + 8ull * d->nzi > d->size ||
        ei + 8ull * d->nei > d->size || so >= d->size ||
        b[d->size - 1] != '\0') {
        snprintf(why, whylen, "table outside the file");
        return false;
    }
    d->zh = b + zh;
    d->en = b + en;
    d->zi = b + zi;
    d->ei = b + ei;
    d->str = (const char *)b + so;
    d->str_len = d->size - so;
    const uint8_t *tabs[2] = {d->zh, d->en}, *items[2] = {d->zi, d->ei};
    uint32_t nt[2] = {d->nzh, d->nen}, ni[2] = {d->nzi, d->nei};
    for (int t = 0; t < 2 && level < 2; t++) {
        const char *prev = NULL;
        for (uint32_t i = 0; i < nt[t]; i++) {
            const uint8_t *r = tabs[t] + 12ull * i;
            uint32_t key = rd32(r), first = rd32(r + 4), cnt = rd32(r + 8);
            if (key >= d->str_len || (uint64_t)first + cnt > ni[t] ||
                (prev && strcmp(prev, d->str + key) >= 0)) {
                snprintf(why, whylen, "bad key row %u", i);
                return false;
            }
            prev = d->str + key;
        }
        for (uint32_t i = 0; i < ni[t]; i++)
            if (rd32(items[t] + 8ull * i) >= d->str_len) {
                snprintf(why, whylen, "bad item %u", i);
                return false;
            }
    }
    return true;
}

static kg_status map_path(const char *path, struct dict **out, char *err,
                          size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? KG_ENOTFOUND : KG_EIO;
    }
    struct stat st;
    kg_status rc = KG_OK;
    void *m = MAP_FAILED;
    if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size > (1 << 30)) {
        snprintf(err, errlen, "%s: not a kgmatch dictionary", path);
        rc = KG_EINPUT;
        goto done;
    }
    m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = KG_EIO;
        goto done;
    }
    arena_file_huge(m, (size_t)st.st_size);
    struct dict *d = kg_xcalloc(1, sizeof *d);
    d->base = m;
    d->size = (size_t)st.st_size;
    char why[128];
    /* the header's CRC names the contents in a stamp */
    uint32_t sum = d->size >= DICT_HDR ? rd32(d->base + 16) : 0;
    int level = d->size >= DICT_HDR ? image_stamp_level(path, fd, sum) : 0;
    if (!check(d, level, why, sizeof why)) {
        snprintf(err, errlen, "%s: damaged dictionary (%s)", path, why);
        munmap(m, d->size);
        free(d);
        rc = KG_EINPUT;
        goto done;
    }
    if (level < 2)
        image_stamp_put(path, fd, sum, 2);
    d->path = kg_xstrdup(path);
    *out = d;
done:
    close(fd);
    return rc;
}

/* The directory of the running binary, or "" when unknown. */
static void exe_dir(char *dir, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", dir, n - 1);
    dir[len > 0 ? len : 0] = '\0';
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        dir[0] = '\0';
}

kg_status dict_open(const char *path, struct dict **out, char *err,
                    size_t errlen)
{
    *out = NULL;
    if (path)
        return map_path(path, out, err, errlen);
    const char *env = getenv(DICT_ENV);
    if (env && *env) {
        char why[512];
        kg_status st = map_path(env, out, why, sizeof why);
        if (st != KG_OK)
            snprintf(err, errlen, "%s (from $%s)", why, DICT_ENV);
        return st;
    }
    char dir[4096], cand[3][4200];
    exe_dir(dir, sizeof dir);
    snprintf(cand[0], sizeof cand[0], "%s/kgmatch.dict", dir);
    snprintf(cand[1], sizeof cand[1], "%s/../share/kgmatch/cedict.kgd", dir);
    snprintf(cand[2], sizeof cand[2], "%s/cedict.kgd", DICT_DATADIR);
    for (int i = 0; i < 3; i++) {
        if (access(cand[i], F_OK) != 0)
            continue;
        return map_path(cand[i], out, err, errlen);
    }
    snprintf(err, errlen,
             "no Chinese-English dictionary: looked for %s, %s and %s "
             "(run `make`, `make install`, or set %s)",
             cand[0], cand[1], cand[2], DICT_ENV);
    return KG_ENOTFOUND;
}

void dict_free(struct dict *d)
{
    if (!d)
        return;
    if (d->brk)
        ubrk_close(d->brk);
    munmap((void *)d->base, d->size);
    free(d->path);
    free(d);
}

const char *dict_path(const struct dict *d)
{
    return d->path;
}

/* ------------------------------------------------------------ lookups */

static int cmp_key(const char *k, const char *w, size_t n)
{
    int c = strncmp(k, w, n);
    if (c)
        return c;
    return k[n] != '\0';
}

/* The row of key w[0..n) in table tab (nt rows), NULL when absent. */
static const uint8_t *find(const struct dict *d, const uint8_t *tab,
                           uint32_t nt, const char *w, size_t n)
{
    if (n == 0 || memchr(w, '\0', n))
        return NULL;
    size_t lo = 0, hi = nt;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const uint8_t *r = tab + 12 * mid;
        int c = cmp_key(d->str + rd32(r), w, n);
        if (c == 0)
            return r;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static size_t items(const struct dict *d, const uint8_t *row,
                    const uint8_t *its, struct dict_item *out, size_t max)
{
    if (!row)
        return 0;
    uint32_t first = rd32(row + 4), cnt = rd32(row + 8);
    for (uint32_t i = 0; i < cnt && i < max; i++) {
        const uint8_t *it = its + 8ull * (first + i);
        out[i].text = d->str + rd32(it);
        out[i].rank = rd32(it + 4);
    }
    return cnt;
}

size_t dict_zh(const struct dict *d, const char *w, size_t n,
               struct dict_item *out, size_t max)
{
    return items(d, find(d, d->zh, d->nzh, w, n), d->zi, out, max);
}

size_t dict_en(const struct dict *d, const char *p, size_t n,
               struct dict_item *out, size_t max)
{
    return items(d, find(d, d->en, d->nen, p, n), d->ei, out, max);
}

size_t dict_longest_zh(const struct dict *d, const char *s, size_t n)
{
    size_t ends[DICT_MAX_CHARS], ne = 0, off = 0;
    while (off < n && ne < DICT_MAX_CHARS) {
        uint32_t cp;
        int w = kg_utf8_decode(s + off, n - off, &cp);
        if (w <= 0)
            break;
        off += (size_t)w;
        ends[ne++] = off;
    }
    while (ne-- > 0)
        if (find(d, d->zh, d->nzh, s, ends[ne]))
            return ends[ne];
    return 0;
}

/* ------------------------------------------------------- segmentation */

enum { CH_OTHER, CH_HAN, CH_WORD };

static int char_class(uint32_t c)
{
    if ((c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0x20000 && c <= 0x2ffff) || c == 0x3007)
        return CH_HAN;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z') ||
        (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7))
        return CH_WORD;
    return CH_OTHER;
}

static void add_seg(struct dict_seg **v, size_t *n, struct dict_seg s)
{
    if ((*n & (*n - 1)) == 0 || *n == 0)
        *v = kg_xrealloc(*v, (*n ? 2 * *n : 8) * sizeof **v);
    (*v)[(*n)++] = s;
}

/* Splits the Han run s[a..b) at the longer of the dictionary's longest
 * match and ICU's word at each point. */
static kg_status seg_han(struct dict *d, const char *s, size_t a, size_t b,
                         struct dict_seg **v, size_t *n, char *err,
                         size_t errlen)
{
    UErrorCode e = U_ZERO_ERROR;
    if (!d->brk) {
        d->brk = ubrk_open(UBRK_WORD, "zh", NULL, 0, &e);
        if (U_FAILURE(e)) {
            d->brk = NULL;
            snprintf(err, errlen, "ICU word break: %s", u_errorName(e));
            return KG_EINTERNAL;
        }
    }
    UText *ut = utext_openUTF8(NULL, s + a, (int64_t)(b - a), &e);
    if (!U_FAILURE(e))
        ubrk_setUText(d->brk, ut, &e);
    if (U_FAILURE(e)) {
        utext_close(ut);
        snprintf(err, errlen, "ICU word break: %s", u_errorName(e));
        return KG_EINTERNAL;
    }
    size_t off = a;
    while (off < b) {
        size_t dl = dict_longest_zh(d, s + off, b - off);
        int32_t nx = ubrk_following(d->brk, (int32_t)(off - a));
        size_t il = nx == UBRK_DONE ? b - off : a + (size_t)nx - off;
        size_t len = dl >= il ? dl : il;
        if (len == 0 || off + len > b)
            len = b - off;
        add_seg(v, n, (struct dict_seg){off, len, true, dl == len});
        off += len;
    }
    utext_close(ut);
    return KG_OK;
}

kg_status dict_segment(struct dict *d, const char *s, size_t n,
                       struct dict_seg **segs, size_t *nsegs, char *err,
                       size_t errlen)
{
    size_t off = 0;
    while (off < n) {
        uint32_t c;
        int w = kg_utf8_decode(s + off, n - off, &c);
        int k = w > 0 ? char_class(c) : CH_OTHER;
        if (k == CH_OTHER) {
            off += w > 0 ? (size_t)w : 1;
            continue;
        }
        size_t a = off;
        while (off < n) {
            w = kg_utf8_decode(s + off, n - off, &c);
            if (w <= 0)
                break;
            int k2 = char_class(c);
            /* inner joiners of technical words: 6061-T6, Al2O3, 2.5 */
            if (k == CH_WORD && k2 == CH_OTHER &&
                (c == '-' || c == '.' || c == '+') && off + 1 < n && off > a &&
                char_class((unsigned char)s[off + 1]) == CH_WORD)
                k2 = CH_WORD;
            if (k2 != k)
                break;
            off += (size_t)w;
        }
        if (k == CH_WORD) {
            add_seg(segs, nsegs, (struct dict_seg){a, off - a, false, false});
            continue;
        }
        kg_status st = seg_han(d, s, a, off, segs, nsegs, err, errlen);
        if (st != KG_OK)
            return st;
    }
    return KG_OK;
}
