/*
 * text.c - the analyzer behind text.h. Text goes to UTF-16 once (ICU's
 * converter replaces bad bytes; pure ASCII is widened without ICU), is
 * NFKC-case-folded by ICU only past the prefix ICU's quick check accepts,
 * then one scanner splits it: Latin-script words and technical tokens,
 * and runs of CJK characters that become bigrams. Stems are cached per
 * analyzer, because libstemmer is slow; Traditional -> Simplified is a
 * table made from OpenCC's t2s data at build time (tools/t2s_gen.c).
 */
#include "core/text.h"
#include "core/arena.h"
#include "core/variant.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>

#define CHUNK (1u << 20)          /* UTF-8 bytes analyzed at once */
#define WORD_BYTES 256            /* scratch for one word (longer: dropped) */
#define MAX_PARTS 16              /* parts of a compound like 6061-t6 */
#define STEM_CACHE_MAX (1u << 20) /* cached words before the cache resets */
#define T2S_LO 0x3400             /* t2s table: U+3400..U+9FFF, as in */
#define T2S_HI 0xA000             /* tools/t2s_convert.h */

/* Character classes of the scanner. */
enum { C_UNKNOWN = 0, C_SEP, C_WORD, C_HAN, C_CJK };

/*
 * Stop words, checked on the case-folded word before stemming. English:
 * Lucene's classic list plus a few pronouns and auxiliaries. Chinese: the
 * particles and conjunctions that almost never form content words; a CJK
 * run is cut at them, so 材料的性能 gives 材料 and 性能, not 料的 and 的性.
 * (Characters like 和 or 于 are left alone: 饱和, 基于.)
 */
static const char *const stop_en[] = {
    "a",    "an",   "and", "are",   "as",    "at",    "be",    "been", "but",
    "by",   "can",  "for", "from",  "has",   "have",  "if",    "in",   "into",
    "is",   "it",   "its", "no",    "not",   "of",    "on",    "or",   "our",
    "such", "that", "the", "their", "then",  "there", "these", "they", "this",
    "to",   "was",  "we",  "were",  "which", "will",  "with",
};
static const uint32_t stop_zh[] = {
    0x7684, /* 的 */ 0x4E86, /* 了 */ 0x7740, /* 着 */
    0x4E0E, /* 与 */ 0x53CA, /* 及 */ 0x6216, /* 或 */
};

/* Units joined to a number before them: "20 mm" and "20mm" are one term. */
static const char *const units[] = {
    "%",    "°c",  "°f",  "nm",  "μm",   "um",  "mm",  "cm",   "dm",
    "m",    "km",  "mg",  "g",   "kg",   "t",   "ml",  "μl",   "l",
    "s",    "ms",  "μs",  "ns",  "min",  "h",   "hz",  "khz",  "mhz",
    "ghz",  "thz", "v",   "kv",  "mv",   "ma",  "μa",  "w",    "kw",
    "mw",   "gw",  "kwh", "wh",  "mah",  "pa",  "kpa", "mpa",  "gpa",
    "n",    "kn",  "j",   "kj",  "mj",   "db",  "dbm", "rpm",  "mol",
    "mmol", "ppm", "ppb", "bar", "mbar", "psi", "k",   "nmol", "μmol",
};

/* A cached word and its stem, each inline when it fits (STEM_INLINE
 * bytes), so looking up a word and copying its stem touch one cache line;
 * longer ones live in the arena. */
#define STEM_INLINE 24
struct stem_ent {
    uint64_t k[STEM_INLINE / 8]; /* the word's first bytes, zero-padded */
    char val[STEM_INLINE];       /* the stem when vlen <= STEM_INLINE */
    uint32_t key, voff;          /* arena offsets of the word and stem */
    uint16_t klen, vlen;         /* vlen STEM_STOP: a stop word */
    uint32_t h;
};
_Static_assert(sizeof(struct stem_ent) == 64, "one cache line");
#define STEM_STOP 0xFFFF

struct text {
    struct text_opts opts;
    const UNormalizer2 *nfkc_cf;
    struct sb_stemmer *stemmer;
    UBreakIterator *brk;  /* opened on the first CJK run, with cjk_words */
    uint8_t cls[0x10000]; /* class of each BMP code point, 0 = not yet */
    UChar *u, *u2;        /* the chunk in UTF-16, and conversion scratch */
    size_t ucap, u2cap;
    uint32_t *cps; /* one CJK run's code points */
    size_t cpcap;
    UChar *ru; /* one CJK run in UTF-16, for the break iterator */
    size_t rucap;
    struct stem_ent *stems;
    size_t nstems, stemcap;
    char *arena;
    size_t alen, acap;
    char err[256];
};

/* A word being scanned: its folded UTF-8 and where its parts are. */
struct word {
    char b[WORD_BYTES];
    size_t len;
    bool overflow;
    int np;
    size_t ps[MAX_PARTS], pe[MAX_PARTS];
    bool pdigit[MAX_PARTS];
    bool hyphen, dot_only; /* some connector is '-'; every one is '.' */
};

/* Also stored: an index segment's term filter (core/index_int.h,
 * S_FILTER) holds bits of it, so a change needs a new IX_FORMAT. */
uint64_t text_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        s += 8;
        n -= 8;
    }
    uint64_t v = text_load8(s, n);
    h = (h ^ v) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

static void set_err(struct text *t, const char *what, UErrorCode e)
{
    snprintf(t->err, sizeof t->err, "%s: %s", what, u_errorName(e));
}

kg_status text_new(const struct text_opts *opts, struct text **out, char *err,
                   size_t errlen)
{
    struct text *t = kg_xcalloc(1, sizeof *t);
    kg_status st = KG_OK;
    UErrorCode e = U_ZERO_ERROR;
    *out = NULL;
    if (opts)
        t->opts = *opts;
    t->nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
    if (U_FAILURE(e)) {
        set_err(t, "ICU NFKC_Casefold normalizer", e);
        st = KG_EINTERNAL;
        goto fail;
    }
    if (!t->opts.no_stem) {
        t->stemmer = sb_stemmer_new("english", NULL);
        if (!t->stemmer) {
            snprintf(t->err, sizeof t->err,
                     "libstemmer has no English stemmer");
            st = KG_EINTERNAL;
            goto fail;
        }
    }
    *out = t;
    return KG_OK;
fail:
    if (err)
        snprintf(err, errlen, "%s", t->err);
    text_free(t);
    return st;
}

void text_free(struct text *t)
{
    if (!t)
        return;
    if (t->stemmer)
        sb_stemmer_delete(t->stemmer);
    if (t->brk)
        ubrk_close(t->brk);
    free(t->u);
    free(t->u2);
    free(t->cps);
    free(t->ru);
    arena_free(t->stems, t->stemcap * sizeof *t->stems);
    free(t->arena);
    free(t);
}

const char *text_last_error(const struct text *t)
{
    return t->err;
}

void text_tokens_init(struct text_tokens *tk)
{
    memset(tk, 0, sizeof *tk);
}

void text_tokens_reset(struct text_tokens *tk)
{
    tk->n = 0;
    tk->nbytes = 0;
}

void text_tokens_release(struct text_tokens *tk)
{
    free(tk->bytes);
    free(tk->v);
    text_tokens_init(tk);
}

static uint32_t tk_bytes(struct text_tokens *tk, const char *p, size_t n)
{
    if (tk->nbytes + n + 1 > tk->capbytes) {
        size_t cap = tk->capbytes ? tk->capbytes * 2 : 4096;
        while (cap < tk->nbytes + n + 1)
            cap *= 2;
        tk->bytes = kg_xrealloc(tk->bytes, cap);
        tk->capbytes = cap;
    }
    uint32_t off = (uint32_t)tk->nbytes;
    memcpy(tk->bytes + off, p, n);
    tk->bytes[off + n] = '\0';
    tk->nbytes += n + 1;
    return off;
}

/* Appends a term; surf (the unstemmed word) is kept when asked for. */
static void emit(struct text_tokens *tk, const char *p, size_t n,
                 const char *surf, size_t slen)
{
    if (n == 0 || n > TEXT_MAX_TERM)
        return;
    if (tk->n == tk->cap) {
        tk->cap = tk->cap ? tk->cap * 2 : 256;
        tk->v = kg_xrealloc(tk->v, tk->cap * sizeof *tk->v);
    }
    struct text_tok *k = &tk->v[tk->n++];
    k->off = tk_bytes(tk, p, n);
    k->len = (uint32_t)n;
    k->surf = k->off;
    if (tk->surfaces && surf && (slen != n || memcmp(surf, p, n) != 0))
        k->surf = tk_bytes(tk, surf, slen);
}

/* ---------------------------------------------------------- classes */

static uint8_t class_of(uint32_t c)
{
    if (u_hasBinaryProperty((UChar32)c, UCHAR_IDEOGRAPHIC))
        return C_HAN;
    int32_t gc = U_GET_GC_MASK((UChar32)c);
    if (!(gc & (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK)))
        return C_SEP;
    if (uscript_hasScript((UChar32)c, USCRIPT_HIRAGANA) ||
        uscript_hasScript((UChar32)c, USCRIPT_KATAKANA) ||
        uscript_hasScript((UChar32)c, USCRIPT_HANGUL))
        return C_CJK;
    return C_WORD;
}

static inline bool is_digit(UChar c)
{
    return c >= '0' && c <= '9';
}

static inline bool ascii_alnum(uint32_t c)
{
    return (c - '0' < 10) || ((c | 32) - 'a' < 26);
}

static inline int cls(struct text *t, uint32_t c)
{
    if (c < 0x80)
        return ascii_alnum(c) ? C_WORD : C_SEP;
    if (c < 0x10000) {
        if (!t->cls[c])
            t->cls[c] = class_of(c);
        return t->cls[c];
    }
    return class_of(c);
}

/* The code point at u[i] (m units); *w gets its length in units. */
static inline uint32_t cp_at(const UChar *u, size_t i, size_t m, int *w)
{
    uint32_t c = u[i];
    *w = 1;
    if (U16_IS_LEAD(c) && i + 1 < m && U16_IS_TRAIL(u[i + 1])) {
        *w = 2;
        return (uint32_t)U16_GET_SUPPLEMENTARY(c, u[i + 1]);
    }
    return c;
}

/* ------------------------------------------- Traditional -> Simplified */

/*
 * OpenCC's t2s applied character by character: t2s_table (generated by
 * tools/t2s_gen.c from the OpenCC installed at build time) holds each
 * character of [T2S_LO, T2S_HI) whose t2s form is another single
 * character. Phrase-level conversions (乾燥 -> 干燥) are lost; those where
 * each character converts alone (鋁合金 -> 铝合金) are kept. Converting
 * with OpenCC at run time cost ~28 M instructions per process to load its
 * dictionaries.
 */
#include "t2s_table.inc"

uint32_t text_simplified(uint32_t c)
{
    if (c < T2S_LO || c >= T2S_HI)
        return c;
    uint32_t to = t2s_table[c - T2S_LO];
    return to ? to : c;
}

/* ------------------------------------------------------ stem cache */

static uint32_t arena_add(struct text *t, const char *p, size_t n)
{
    if (t->alen + n > t->acap) {
        size_t cap = t->acap ? t->acap * 2 : 65536;
        while (cap < t->alen + n)
            cap *= 2;
        t->arena = kg_xrealloc(t->arena, cap);
        t->acap = cap;
    }
    uint32_t off = (uint32_t)t->alen;
    memcpy(t->arena + off, p, n);
    t->alen += n;
    return off;
}

static bool is_stop_en(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof stop_en / sizeof stop_en[0]; i++)
        if (strlen(stop_en[i]) == n && memcmp(stop_en[i], w, n) == 0)
            return true;
    return false;
}

static void stem_grow(struct text *t)
{
    size_t cap = t->stemcap ? t->stemcap * 2 : 4096;
    struct stem_ent *v = arena_zalloc(cap * sizeof *v);
    for (size_t i = 0; i < t->stemcap; i++) {
        struct stem_ent *e = &t->stems[i];
        if (!e->klen)
            continue;
        size_t j = e->h & (cap - 1);
        while (v[j].klen)
            j = (j + 1) & (cap - 1);
        v[j] = *e;
    }
    arena_free(t->stems, t->stemcap * sizeof *t->stems);
    t->stems = v;
    t->stemcap = cap;
}

/*
 * The stem of the folded letters-only word w: points into the cache (valid
 * until the next call) or is NULL for a stop word.
 */
static const char *stem_of(struct text *t, const char *w, size_t n,
                           size_t *slen)
{
    uint64_t k[STEM_INLINE / 8];
    for (size_t i = 0; i < STEM_INLINE / 8; i++)
        k[i] = n > 8 * i ? text_load8(w + 8 * i, n - 8 * i) : 0;
    uint64_t h = text_hash(w, n);
    if (t->stemcap) {
        size_t j = h & (t->stemcap - 1);
        for (; t->stems[j].klen; j = (j + 1) & (t->stemcap - 1)) {
            struct stem_ent *e = &t->stems[j];
            if (e->klen != n || e->k[0] != k[0] || e->k[1] != k[1] ||
                e->k[2] != k[2] ||
                (n > STEM_INLINE &&
                 memcmp(t->arena + e->key + STEM_INLINE, w + STEM_INLINE,
                        n - STEM_INLINE) != 0))
                continue;
            if (e->vlen == STEM_STOP)
                return NULL;
            *slen = e->vlen;
            return e->vlen <= STEM_INLINE ? e->val : t->arena + e->voff;
        }
    }
    if (t->nstems >= STEM_CACHE_MAX) {
        memset(t->stems, 0, t->stemcap * sizeof *t->stems);
        t->nstems = 0;
        t->alen = 0;
    }
    if ((t->nstems + 1) * 2 > t->stemcap)
        stem_grow(t);
    struct stem_ent e = {.klen = (uint16_t)n, .h = (uint32_t)h};
    memcpy(e.k, k, sizeof k);
    if (n > STEM_INLINE)
        e.key = arena_add(t, w, n);
    /* British spellings meet American ones before stemming: the stem of
     * "aluminium" is the stem of "aluminum". */
    char us[VARIANT_MAX + 1];
    size_t usn = variant_us(w, n, us);
    const char *stem = usn ? us : w;
    size_t len = usn ? usn : n;
    if (!t->opts.no_stop && is_stop_en(w, n)) {
        e.vlen = STEM_STOP;
    } else {
        if (t->stemmer) {
            const sb_symbol *sb =
                sb_stemmer_stem(t->stemmer, (const sb_symbol *)stem, (int)len);
            int sl = sb_stemmer_length(t->stemmer);
            if (sb && sl > 0) { /* else out of memory in libstemmer */
                stem = (const char *)sb;
                len = (size_t)sl;
            }
        }
        e.vlen = (uint16_t)len;
        if (len <= STEM_INLINE)
            memcpy(e.val, stem, len);
        else
            e.voff = arena_add(t, stem, len);
    }
    size_t j = h & (t->stemcap - 1);
    while (t->stems[j].klen)
        j = (j + 1) & (t->stemcap - 1);
    t->stems[j] = e;
    t->nstems++;
    if (e.vlen == STEM_STOP)
        return NULL;
    *slen = e.vlen;
    return e.vlen <= STEM_INLINE ? t->stems[j].val : t->arena + e.voff;
}

/* ------------------------------------------------------------ words */

static bool is_unit(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i]) == n && memcmp(units[i], p, n) == 0)
            return true;
    return false;
}

static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return n > 0;
}

/* An IPC subclass like h01l: a section letter, two digits, a letter. */
static bool ipc_subclass(const char *p, size_t n)
{
    return n == 4 && p[0] >= 'a' && p[0] <= 'h' && p[1] >= '0' && p[1] <= '9' &&
           p[2] >= '0' && p[2] <= '9' && p[3] >= 'a' && p[3] <= 'z';
}

/* One part of a word: a number or code as is, a plain word stemmed. */
static void emit_part(struct text *t, struct text_tokens *tk, const char *p,
                      size_t n, bool digit)
{
    if (digit || n > TEXT_MAX_TERM) {
        emit(tk, p, n, NULL, 0);
        return;
    }
    size_t slen;
    const char *s = stem_of(t, p, n, &slen);
    if (s)
        emit(tk, s, slen, p, n);
}

static inline bool word_unit(struct text *t, const UChar *u, size_t i, size_t m)
{
    if (i >= m)
        return false;
    if (u[i] < 0x80)
        return ascii_alnum(u[i]);
    int w;
    return cls(t, cp_at(u, i, m, &w)) == C_WORD;
}

static inline bool connector(UChar c)
{
    return c == '-' || c == '.' || c == '/' || c == 0x2010 || c == 0x2011;
}

bool text_has_word(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t c;
        int len = kg_utf8_decode(s + i, n - i, &c);
        if (len <= 0) {
            i++;
            continue;
        }
        if (c < 0x80 ? ascii_alnum(c) : u_isalnum((UChar32)c))
            return true;
        i += (size_t)len;
    }
    return false;
}

/* Scans the letters and digits of one part into w from u[i]; returns the
 * index after it. */
static size_t scan_part(struct text *t, const UChar *u, size_t i, size_t m,
                        struct word *w, bool *digit)
{
    while (i < m) {
        uint32_t c = u[i];
        int cw = 1;
        if (c < 0x80) {
            if (!ascii_alnum(c))
                break;
            if (c - 'A' < 26)
                c += 32;
            if (c - '0' < 10)
                *digit = true;
            if (w->len < WORD_BYTES)
                w->b[w->len++] = (char)c;
            else
                w->overflow = true;
        } else {
            c = cp_at(u, i, m, &cw);
            if (cls(t, c) != C_WORD)
                break;
            if (u_isdigit((UChar32)c))
                *digit = true;
            if (w->len + 4 <= WORD_BYTES)
                w->len += kg_utf8_encode(w->b + w->len, c);
            else
                w->overflow = true;
        }
        i += (size_t)cw;
        /* A thousands separator inside a number: 1,000 is 1000. */
        if (i + 4 <= m && u[i] == ',' && *digit && c - '0' < 10 &&
            is_digit(u[i + 1]) && is_digit(u[i + 2]) && is_digit(u[i + 3]) &&
            !word_unit(t, u, i + 4, m))
            i++;
    }
    return i;
}

/* After a number at u[i]: an optional space and a unit. Returns the unit's
 * length in units (0: none) and writes its folded form to unit. */
static size_t scan_unit(struct text *t, const UChar *u, size_t i, size_t m,
                        char *unit, size_t *ulen)
{
    size_t j = i;
    if (j < m && u[j] == ' ')
        j++;
    size_t n = 0;
    if (j < m && u[j] == '%') {
        unit[n++] = '%';
        j++;
    } else {
        size_t k = j;
        if (k < m && u[k] == 0xB0) { /* ° */
            n += kg_utf8_encode(unit + n, 0xB0);
            k++;
        }
        while (k < m && n + 4 < 16) {
            uint32_t c = u[k];
            if (c < 0x80) {
                if ((c | 32) - 'a' >= 26)
                    break;
                unit[n++] = (char)(c | 32);
            } else if (c == 0x3BC || c == 0xB5) { /* μ, µ */
                n += kg_utf8_encode(unit + n, 0x3BC);
            } else {
                break;
            }
            k++;
        }
        if (word_unit(t, u, k, m))
            return 0;
        j = k;
    }
    if (n == 0 || !is_unit(unit, n))
        return 0;
    *ulen = n;
    return j - i;
}

/*
 * Scans a word or compound starting at u[i] and emits its terms; returns
 * the index after what it consumed.
 */
static size_t scan_word(struct text *t, struct text_tokens *tk, const UChar *u,
                        size_t i, size_t m)
{
    struct word w;
    w.len = 0;
    w.np = 0;
    w.overflow = false;
    w.hyphen = false;
    w.dot_only = true;
    bool any_digit = false;
    for (;;) {
        bool digit = false;
        size_t start = w.len;
        i = scan_part(t, u, i, m, &w, &digit);
        if (w.np < MAX_PARTS) {
            w.ps[w.np] = start;
            w.pe[w.np] = w.len;
            w.pdigit[w.np] = digit;
        } else {
            w.overflow = true;
        }
        w.np++;
        any_digit |= digit;
        if (!(i + 1 < m && connector(u[i]) && word_unit(t, u, i + 1, m)))
            break;
        char c = u[i] == '.' ? '.' : u[i] == '/' ? '/' : '-';
        if (c == '-')
            w.hyphen = true;
        if (c != '.')
            w.dot_only = false;
        if (w.len < WORD_BYTES)
            w.b[w.len++] = c;
        i++;
    }
    /* company's -> company */
    if (i + 1 < m && (u[i] == '\'' || u[i] == 0x2019) &&
        (u[i + 1] == 's' || u[i + 1] == 'S') && !word_unit(t, u, i + 2, m))
        i += 2;
    if (w.overflow)
        return i;
    if (w.np == 1 && !any_digit) {
        emit_part(t, tk, w.b, w.len, false);
        return i;
    }
    if (!any_digit) {
        for (int p = 0; p < w.np; p++)
            emit_part(t, tk, w.b + w.ps[p], w.pe[p] - w.ps[p], false);
        return i;
    }
    /* A number (20, 3.5, 1,000) may take a unit: 20 mm -> 20mm. */
    bool number = w.dot_only && w.np <= 2;
    for (int p = 0; number && p < w.np; p++)
        number = all_digits(w.b + w.ps[p], w.pe[p] - w.ps[p]);
    char unit[16];
    size_t ulen = 0, used;
    if (number && (used = scan_unit(t, u, i, m, unit, &ulen)) > 0 &&
        w.len + ulen <= WORD_BYTES) {
        memcpy(w.b + w.len, unit, ulen);
        emit(tk, w.b, w.len + ulen, NULL, 0);
        return i + used;
    }
    emit(tk, w.b, w.len, NULL, 0);
    /* IPC codes: "H01L 21/02" and "H01L21/02" both give h01l21/02 and the
     * subclass h01l. */
    if (w.np == 1 && ipc_subclass(w.b, w.len) && i + 1 < m && u[i] == ' ' &&
        is_digit(u[i + 1])) {
        struct word g;
        bool d = false;
        g.len = 0;
        g.overflow = false;
        size_t j = scan_part(t, u, i + 1, m, &g, &d);
        size_t a = g.len;
        if (j + 1 < m && u[j] == '/' && all_digits(g.b, a) &&
            is_digit(u[j + 1])) {
            g.b[g.len++] = '/';
            j = scan_part(t, u, j + 1, m, &g, &d);
            if (!g.overflow && all_digits(g.b + a + 1, g.len - a - 1) &&
                w.len + g.len <= WORD_BYTES) {
                memcpy(w.b + w.len, g.b, g.len);
                emit(tk, w.b, w.len + g.len, NULL, 0);
                return j;
            }
        }
    }
    if (w.np == 2 && w.b[w.pe[0]] == '/' && w.pe[0] - w.ps[0] > 4 &&
        ipc_subclass(w.b, 4) && all_digits(w.b + 4, w.pe[0] - 4) &&
        all_digits(w.b + w.ps[1], w.pe[1] - w.ps[1]))
        emit(tk, w.b, 4, NULL, 0);
    if (w.hyphen)
        for (int p = 0; p < w.np; p++)
            emit_part(t, tk, w.b + w.ps[p], w.pe[p] - w.ps[p], w.pdigit[p]);
    return i;
}

/* --------------------------------------------------------- CJK runs */

static bool is_stop_zh(uint32_t c)
{
    for (size_t i = 0; i < sizeof stop_zh / sizeof stop_zh[0]; i++)
        if (stop_zh[i] == c)
            return true;
    return false;
}

static void emit_cps(struct text_tokens *tk, const uint32_t *c, size_t n)
{
    char b[4 * 8];
    size_t len = 0;
    for (size_t i = 0; i < n && i < 8; i++)
        len += kg_utf8_encode(b + len, c[i]);
    emit(tk, b, len, NULL, 0);
}

/* Overlapping bigrams of c[0..n); a lone character is a unigram. */
static void emit_bigrams(struct text *t, struct text_tokens *tk,
                         const uint32_t *c, size_t n)
{
    if (n == 1) {
        if (t->opts.no_stop || !is_stop_zh(c[0]))
            emit_cps(tk, c, 1);
        return;
    }
    for (size_t i = 0; i + 1 < n; i++)
        emit_cps(tk, c + i, 2);
}

/* ICU's dictionary words of three or more characters in c[0..n). */
static kg_status emit_words(struct text *t, struct text_tokens *tk,
                            const uint32_t *c, size_t n)
{
    UErrorCode e = U_ZERO_ERROR;
    if (!t->brk) {
        t->brk = ubrk_open(UBRK_WORD, "zh", NULL, 0, &e);
        if (U_FAILURE(e)) {
            t->brk = NULL;
            set_err(t, "ICU word break iterator", e);
            return KG_EINTERNAL;
        }
    }
    if (t->rucap < 2 * n) {
        t->rucap = 2 * n + 64;
        t->ru = kg_xrealloc(t->ru, t->rucap * sizeof *t->ru);
    }
    int32_t len = 0;
    for (size_t i = 0; i < n; i++)
        U16_APPEND_UNSAFE(t->ru, len, (UChar32)c[i]);
    ubrk_setText(t->brk, t->ru, len, &e);
    if (U_FAILURE(e)) {
        set_err(t, "ICU word break", e);
        return KG_EINTERNAL;
    }
    int32_t a = ubrk_first(t->brk);
    size_t ca = 0; /* code point index of a */
    for (int32_t b = ubrk_next(t->brk); b != UBRK_DONE;
         a = b, b = ubrk_next(t->brk)) {
        size_t cn = (size_t)u_countChar32(t->ru + a, b - a);
        if (cn >= 3)
            emit_cps(tk, c + ca, cn);
        ca += cn;
    }
    return KG_OK;
}

/* Scans a run of CJK characters from u[i] and emits its terms. */
static kg_status scan_cjk(struct text *t, struct text_tokens *tk,
                          const UChar *u, size_t *pi, size_t m)
{
    size_t i = *pi, n = 0;
    while (i < m) {
        int w;
        uint32_t c = cp_at(u, i, m, &w);
        int k = cls(t, c);
        if (k != C_HAN && k != C_CJK)
            break;
        if (k == C_HAN && !t->opts.no_fold)
            c = text_simplified(c);
        if (n == t->cpcap) {
            t->cpcap = t->cpcap ? t->cpcap * 2 : 256;
            t->cps = kg_xrealloc(t->cps, t->cpcap * sizeof *t->cps);
        }
        t->cps[n++] = c;
        i += (size_t)w;
    }
    *pi = i;
    size_t a = 0;
    for (size_t j = 0; j <= n; j++) {
        if (j < n && (t->opts.no_stop || !is_stop_zh(t->cps[j])))
            continue;
        if (j > a)
            emit_bigrams(t, tk, t->cps + a, j - a);
        a = j + 1;
    }
    if (t->opts.cjk_words && n >= 3)
        return emit_words(t, tk, t->cps, n);
    return KG_OK;
}

/* ------------------------------------------------------------ chunks */

static void ucap(UChar **u, size_t *cap, size_t need)
{
    if (*cap < need) {
        *cap = need + need / 2 + 64;
        free(*u);
        *u = kg_xmalloc(*cap * sizeof **u);
    }
}

static bool is_ascii(const char *s, size_t n)
{
    size_t i = 0;
    uint64_t acc = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        acc |= v;
    }
    for (; i < n; i++)
        acc |= (unsigned char)s[i];
    return (acc & 0x8080808080808080ull) == 0;
}

/* s[0..n) as NFKC_Casefold UTF-16 in t->u; *m gets its length. */
static kg_status to_utf16(struct text *t, const char *s, size_t n,
                          struct text_tokens *tk, size_t *m)
{
    if (is_ascii(s, n)) {
        ucap(&t->u, &t->ucap, n + 1);
        for (size_t i = 0; i < n; i++)
            t->u[i] = (UChar)(unsigned char)s[i];
        *m = n;
        return KG_OK;
    }
    UErrorCode e = U_ZERO_ERROR;
    int32_t len = 0, subs = 0;
    ucap(&t->u2, &t->u2cap, n + 1);
    u_strFromUTF8WithSub(t->u2, (int32_t)t->u2cap, &len, s, (int32_t)n, 0xFFFD,
                         &subs, &e);
    if (U_FAILURE(e)) {
        set_err(t, "ICU UTF-8 conversion", e);
        return KG_EINTERNAL;
    }
    tk->replaced += (size_t)subs;
    int32_t span = unorm2_spanQuickCheckYes(t->nfkc_cf, t->u2, len, &e);
    if (U_FAILURE(e)) {
        set_err(t, "ICU normalization", e);
        return KG_EINTERNAL;
    }
    if (span == len) {
        UChar *x = t->u;
        size_t xc = t->ucap;
        t->u = t->u2;
        t->ucap = t->u2cap;
        t->u2 = x;
        t->u2cap = xc;
        *m = (size_t)len;
        return KG_OK;
    }
    size_t need = 3 * (size_t)len + 16;
    for (int tries = 0; tries < 3; tries++) {
        ucap(&t->u, &t->ucap, need);
        memcpy(t->u, t->u2, (size_t)span * sizeof *t->u);
        e = U_ZERO_ERROR;
        int32_t out = unorm2_normalizeSecondAndAppend(
            t->nfkc_cf, t->u, span, (int32_t)t->ucap, t->u2 + span, len - span,
            &e);
        if (e == U_BUFFER_OVERFLOW_ERROR) {
            need = (size_t)out + 16;
            continue;
        }
        if (U_FAILURE(e)) {
            set_err(t, "ICU normalization", e);
            return KG_EINTERNAL;
        }
        *m = (size_t)out;
        return KG_OK;
    }
    set_err(t, "ICU normalization", U_BUFFER_OVERFLOW_ERROR);
    return KG_EINTERNAL;
}

static kg_status analyze_chunk(struct text *t, const char *s, size_t n,
                               struct text_tokens *tk)
{
    size_t m;
    kg_status st = to_utf16(t, s, n, tk, &m);
    const UChar *u = t->u;
    size_t i = 0;
    while (st == KG_OK && i < m) {
        uint32_t c = u[i];
        if (c < 0x80) {
            if (ascii_alnum(c))
                i = scan_word(t, tk, u, i, m);
            else
                i++;
            continue;
        }
        int w;
        c = cp_at(u, i, m, &w);
        switch (cls(t, c)) {
        case C_WORD:
            i = scan_word(t, tk, u, i, m);
            break;
        case C_HAN:
        case C_CJK:
            st = scan_cjk(t, tk, u, &i, m);
            break;
        default:
            i += (size_t)w;
        }
    }
    return st;
}

/* Where to cut s[0..n) near CHUNK: after a space, else at a character. */
static size_t chunk_end(const char *s, size_t n)
{
    if (n <= CHUNK)
        return n;
    for (size_t i = CHUNK; i > CHUNK / 2; i--)
        if (s[i - 1] == ' ' || s[i - 1] == '\n' || s[i - 1] == '\t')
            return i;
    size_t i = CHUNK;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i ? i : CHUNK;
}

kg_status text_analyze(struct text *t, const char *s, size_t n,
                       struct text_tokens *tk)
{
    t->err[0] = '\0';
    while (n > 0) {
        size_t k = chunk_end(s, n);
        kg_status st = analyze_chunk(t, s, k, tk);
        if (st != KG_OK)
            return st;
        s += k;
        n -= k;
    }
    return KG_OK;
}
