/*
 * namesim.c - name likeness across scripts (see namesim.h). A name is read
 * once into its key (resolve_norm), its Latin words, its Han characters
 * with their pinyin (ICU's Han-Latin transliterator) and its dictionary
 * words; comparing two read names is then plain string work.
 */
#include "core/namesim.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

#include "core/record.h" /* struct kg_strlist */
#include "core/resolve.h"

#define NAMESIM_MAX_GLOSS 16

struct namesim {
    struct dict *d;
    UTransliterator *tr;
};

struct namesim_name {
    char *norm;
    char *han_raw; /* the Han characters as written */
    char *han;     /* the Han characters of the key (simplified) */
    size_t nchar;  /* Han characters */
    size_t *off;   /* byte offset of each in han, and nchar: its length */
    char **py;     /* pinyin of each, lower-case ASCII ("" when none) */
    struct kg_strlist tok; /* Latin words, lower case, stop words out */
    struct kg_buf abbr;    /* per word: '.' when written shortened ("Univ.") */
    size_t nseg;
    size_t *seg; /* dictionary words: first character, count, pairs */
    /* per dictionary word: its glosses' words, each gloss ended by "" */
    struct kg_strlist *gl;
};

static const char *const stop_words[] = {"of", "the", "and", "for", "at",
                                         "in", "de",  "co",  "ltd", "inc"};

static bool is_stop(const char *w)
{
    for (size_t i = 0; i < sizeof stop_words / sizeof *stop_words; i++)
        if (strcmp(w, stop_words[i]) == 0)
            return true;
    return false;
}

kg_status namesim_new(struct dict *d, struct namesim **out, char *err,
                      size_t errlen)
{
    UErrorCode uerr = U_ZERO_ERROR;
    UChar id[64];
    u_strFromUTF8(id, 64, NULL, "Han-Latin; Latin-ASCII; Lower", -1, &uerr);
    UTransliterator *tr = U_SUCCESS(uerr) ? utrans_openU(id, -1, UTRANS_FORWARD,
                                                         NULL, 0, NULL, &uerr)
                                          : NULL;
    *out = NULL;
    if (U_FAILURE(uerr)) {
        snprintf(err, errlen, "the Han-Latin transliterator: %s",
                 u_errorName(uerr));
        return KG_EINTERNAL;
    }
    struct namesim *ns = kg_xcalloc(1, sizeof *ns);
    ns->d = d;
    ns->tr = tr;
    *out = ns;
    return KG_OK;
}

void namesim_free(struct namesim *ns)
{
    if (!ns)
        return;
    utrans_close(ns->tr);
    free(ns);
}

/* The pinyin of one character c (caller frees): letters only. */
static char *pinyin(struct namesim *ns, UChar32 c)
{
    UChar u[64];
    int32_t len = 0, limit;
    UBool bad = false;
    U16_APPEND(u, len, 64, c, bad);
    limit = len;
    UErrorCode uerr = U_ZERO_ERROR;
    utrans_transUChars(ns->tr, u, &len, 64, 0, &limit, &uerr);
    char buf[128];
    u_strToUTF8(buf, sizeof buf, NULL, u, len, &uerr);
    if (U_FAILURE(uerr) || bad)
        return kg_xstrdup("");
    char *o = buf;
    for (const char *p = buf; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *o++ = *p;
    *o = '\0';
    return kg_xstrdup(buf);
}

static bool is_han(UChar32 c)
{
    UErrorCode uerr = U_ZERO_ERROR;
    return uscript_getScript(c, &uerr) == USCRIPT_HAN;
}

/* The Han characters of s, in order (caller frees). */
static char *han_of(const char *s)
{
    struct kg_buf b;
    kg_buf_init(&b);
    int32_t n = (int32_t)strlen(s), i = 0;
    while (i < n) {
        int32_t start = i;
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c >= 0 && is_han(c))
            kg_buf_printf(&b, "%.*s", (int)(i - start), s + start);
    }
    kg_buf_printf(&b, "%s", "");
    return kg_buf_detach(&b);
}

static void read_words(struct namesim_name *n, const char *name)
{
    for (const char *p = name; *p;) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *e = p;
        while (*e && isalnum((unsigned char)*e))
            e++;
        if (e > p) {
            char *w = kg_xasprintf("%.*s", (int)(e - p), p);
            for (char *q = w; *q; q++)
                *q = (char)tolower((unsigned char)*q);
            if (!is_stop(w)) {
                strlist_add(&n->tok, w);
                kg_buf_addc(&n->abbr, *e == '.' ? '.' : ' ');
            }
            free(w);
        }
        p = e;
    }
}

/* The words of z's glosses of Han characters [i, j) into l, each gloss
 * ended by "". */
static void read_glosses(struct namesim *ns, const struct namesim_name *z,
                         size_t i, size_t j, struct kg_strlist *l)
{
    struct dict_item g[NAMESIM_MAX_GLOSS];
    size_t n = dict_zh(ns->d, z->han + z->off[i], z->off[j] - z->off[i], g,
                       NAMESIM_MAX_GLOSS);
    n = n < NAMESIM_MAX_GLOSS ? n : NAMESIM_MAX_GLOSS;
    for (size_t k = 0; k < n; k++) {
        struct namesim_name gw = {0};
        read_words(&gw, g[k].text);
        for (size_t a = 0; a < gw.tok.n; a++)
            strlist_add(l, gw.tok.v[a]);
        strlist_add(l, "");
        strlist_release(&gw.tok);
        kg_buf_release(&gw.abbr);
    }
}

static void read_segments(struct namesim *ns, struct namesim_name *n)
{
    struct dict_seg *segs = NULL;
    size_t nsegs = 0;
    char err[256];
    if (!ns->d || !n->nchar ||
        dict_segment(ns->d, n->han, strlen(n->han), &segs, &nsegs, err,
                     sizeof err) != KG_OK)
        nsegs = 0;
    n->seg = kg_xcalloc(2 * nsegs + 1, sizeof *n->seg);
    n->gl = kg_xcalloc(nsegs + 1, sizeof *n->gl);
    for (size_t i = 0; i < nsegs; i++) {
        size_t first = 0, last = 0;
        for (size_t c = 0; c < n->nchar; c++) {
            if (n->off[c] == segs[i].off)
                first = c;
            if (n->off[c] < segs[i].off + segs[i].len)
                last = c + 1;
        }
        if (segs[i].zh && last > first) {
            n->seg[2 * n->nseg] = first;
            n->seg[2 * n->nseg + 1] = last - first;
            read_glosses(ns, n, first, last, &n->gl[n->nseg]);
            n->nseg++;
        }
    }
    free(segs);
}

struct namesim_name *namesim_name_new(struct namesim *ns, const char *name)
{
    struct namesim_name *n = kg_xcalloc(1, sizeof *n);
    n->norm = resolve_norm(name ? name : "");
    n->han_raw = han_of(name ? name : "");
    n->han = han_of(n->norm);
    int32_t len = (int32_t)strlen(n->han), i = 0;
    n->off = kg_xcalloc((size_t)len + 1, sizeof *n->off);
    n->py = kg_xcalloc((size_t)len + 1, sizeof *n->py);
    while (i < len) {
        n->off[n->nchar] = (size_t)i;
        UChar32 c;
        U8_NEXT(n->han, i, len, c);
        n->py[n->nchar++] = pinyin(ns, c);
    }
    n->off[n->nchar] = (size_t)len;
    read_words(n, name ? name : "");
    read_segments(ns, n);
    return n;
}

void namesim_name_free(struct namesim_name *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nchar; i++)
        free(n->py[i]);
    free(n->py);
    free(n->off);
    for (size_t i = 0; i < n->nseg; i++)
        strlist_release(&n->gl[i]);
    free(n->gl);
    free(n->seg);
    strlist_release(&n->tok);
    kg_buf_release(&n->abbr);
    free(n->norm);
    free(n->han);
    free(n->han_raw);
    free(n);
}

/* Word i of n was written shortened ("Univ."). */
static bool shortened(const struct namesim_name *n, size_t i)
{
    return n && i < n->abbr.len && n->abbr.data[i] == '.';
}

/* w and t are one word, or one (written shortened, sw or st) is the
 * start of the other ("univ." of "university"; three letters at least). */
static bool word_alike(const char *w, bool sw, const char *t, bool st)
{
    size_t a = strlen(w), b = strlen(t);
    if (a == b)
        return strcmp(w, t) == 0;
    if (a < b ? !sw : !st)
        return false;
    size_t m = a < b ? a : b;
    return m >= 3 && strncmp(w, t, m) == 0;
}

static void why_sep(struct kg_buf *why)
{
    if (why->len)
        kg_buf_printf(why, "; ");
}

/* Han characters [i, j) of z as text. */
static void put_chars(struct kg_buf *why, const struct namesim_name *z,
                      size_t i, size_t j)
{
    kg_buf_printf(why, "%.*s", (int)(z->off[j] - z->off[i]),
                  z->han + z->off[i]);
}

/* Covers Latin words of e by the pinyin of runs of z's characters. */
static void by_pinyin(const struct namesim_name *z,
                      const struct namesim_name *e, double *cc, bool *ct,
                      struct kg_buf *why)
{
    for (size_t t = 0; t < e->tok.n; t++) {
        const char *w = e->tok.v[t];
        size_t wl = strlen(w);
        for (size_t i = 0; i < z->nchar && !ct[t]; i++) {
            size_t at = 0, j = i;
            while (j < z->nchar && cc[j] == 0 && *z->py[j] &&
                   at + strlen(z->py[j]) <= wl &&
                   strncmp(w + at, z->py[j], strlen(z->py[j])) == 0)
                at += strlen(z->py[j++]);
            if (at != wl || j == i)
                continue;
            for (size_t k = i; k < j; k++)
                cc[k] = 1;
            ct[t] = true;
            why_sep(why);
            kg_buf_printf(why, "pinyin ");
            put_chars(why, z, i, j);
            kg_buf_printf(why, " = %s", w);
        }
    }
}

/* Credits z's dictionary words by their glosses: a gloss whose content
 * words are uncovered words of e gives its characters the share of its
 * words found ("Shandong University" for 山东大学 against "Yantai
 * University": half). */
static void by_gloss(const struct namesim_name *z, const struct namesim_name *e,
                     double *cc, bool *ct, struct kg_buf *why)
{
    bool *hit = kg_xcalloc(e->tok.n + 1, 1);
    for (size_t s = 0; s < z->nseg; s++) {
        size_t i = z->seg[2 * s], j = i + z->seg[2 * s + 1];
        bool open = true;
        for (size_t k = i; k < j; k++)
            open = open && cc[k] == 0;
        if (!open)
            continue;
        const struct kg_strlist *gl = &z->gl[s];
        double best = 0;
        size_t best_t = 0, words = 0, m = 0, first = 0;
        for (size_t a = 0; a < gl->n; a++) {
            const char *w = gl->v[a];
            if (!*w) { /* a gloss ends */
                double share = words ? (double)m / (double)words : 0;
                if (share > best) {
                    best = share;
                    best_t = first;
                }
                words = m = 0;
                memset(hit, 0, e->tok.n + 1);
                continue;
            }
            words++;
            for (size_t t = 0; t < e->tok.n; t++)
                if (!ct[t] && !hit[t] &&
                    word_alike(w, false, e->tok.v[t], shortened(e, t))) {
                    hit[t] = true;
                    first = m++ ? first : t;
                    break;
                }
        }
        if (best <= 0)
            continue;
        ct[best_t] = true;
        for (size_t c = i; c < j; c++)
            cc[c] = best;
        why_sep(why);
        kg_buf_printf(why, "translation ");
        put_chars(why, z, i, j);
        kg_buf_printf(why, " = %s", e->tok.v[best_t]);
    }
    free(hit);
}

/* A Chinese name z against a Latin one e. */
static double cross(const struct namesim_name *z, const struct namesim_name *e,
                    struct kg_buf *why)
{
    double *cc = kg_xcalloc(z->nchar + 1, sizeof *cc);
    bool *ct = kg_xcalloc(e->tok.n + 1, 1);
    struct kg_buf w;
    kg_buf_init(&w);
    by_pinyin(z, e, cc, ct, &w);
    by_gloss(z, e, cc, ct, &w);
    double hit = 0;
    for (size_t i = 0; i < z->nchar; i++)
        hit += cc[i];
    for (size_t t = 0; t < e->tok.n; t++)
        hit += ct[t];
    double score = hit / (double)(z->nchar + e->tok.n);
    if (hit > 0 && why)
        kg_buf_printf(why, "%s", w.data);
    kg_buf_release(&w);
    free(cc);
    free(ct);
    return hit > 0 ? score : 0;
}

/* Two Latin names: the share of their words that are alike. */
static double latin(const struct namesim_name *a, const struct namesim_name *b,
                    struct kg_buf *why)
{
    if (!a->tok.n || !b->tok.n)
        return 0;
    bool *used = kg_xcalloc(b->tok.n, 1);
    size_t m = 0;
    bool in_order = true;
    for (size_t i = 0; i < a->tok.n; i++)
        for (size_t j = 0; j < b->tok.n; j++)
            if (!used[j] && word_alike(a->tok.v[i], shortened(a, i),
                                       b->tok.v[j], shortened(b, j))) {
                used[j] = true;
                in_order = in_order && i == j;
                m++;
                break;
            }
    free(used);
    double score = 2.0 * (double)m / (double)(a->tok.n + b->tok.n);
    if (m && why)
        kg_buf_printf(why, "%zu of %zu words alike%s", m,
                      a->tok.n > b->tok.n ? a->tok.n : b->tok.n,
                      in_order ? "" : ", in another order");
    return score;
}

double namesim_compare(const struct namesim_name *a,
                       const struct namesim_name *b, struct kg_buf *why)
{
    struct kg_buf dummy;
    kg_buf_init(&dummy);
    if (!why)
        why = &dummy;
    double score = 0;
    if (*a->norm && strcmp(a->norm, b->norm) == 0) {
        score = 1;
        kg_buf_printf(why, "%s",
                      strcmp(a->han_raw, b->han_raw) != 0
                          ? "same name after 繁→简"
                          : "same name after case and punctuation");
    } else if (a->nchar && !b->nchar) {
        score = cross(a, b, why);
    } else if (b->nchar && !a->nchar) {
        score = cross(b, a, why);
    } else if (!a->nchar) {
        score = latin(a, b, why);
    } else if (*a->norm && *b->norm &&
               (strstr(a->norm, b->norm) || strstr(b->norm, a->norm))) {
        size_t la = a->nchar, lb = b->nchar;
        score = (double)(la < lb ? la : lb) / (double)(la < lb ? lb : la);
        kg_buf_printf(why, "one name holds the other");
    }
    kg_buf_release(&dummy);
    return score;
}

void namesim_keys(const struct namesim_name *n,
                  void (*add)(void *ctx, const char *key), void *ctx)
{
    struct kg_buf k;
    kg_buf_init(&k);
    kg_buf_printf(&k, "=%s", n->norm);
    add(ctx, k.data);
    for (size_t t = 0; t < n->tok.n; t++) {
        /* a shortened word ("univ.") meets its whole by its first three
         * letters, which the whole word gives too */
        add(ctx, n->tok.v[t]);
        kg_buf_reset(&k);
        kg_buf_printf(&k, "%.3s~", n->tok.v[t]);
        add(ctx, k.data);
    }
    for (size_t i = 0; i < n->nchar; i++) {
        kg_buf_reset(&k);
        kg_buf_printf(&k, "%s", "");
        for (size_t j = i; j < n->nchar && j < i + 4; j++) {
            kg_buf_printf(&k, "%s", n->py[j]);
            add(ctx, k.data);
        }
        if (i + 1 < n->nchar) {
            kg_buf_reset(&k);
            kg_buf_printf(&k, "#");
            put_chars(&k, n, i, i + 2);
            add(ctx, k.data);
        }
    }
    for (size_t s = 0; s < n->nseg; s++)
        for (size_t t = 0; t < n->gl[s].n; t++) {
            const char *w = n->gl[s].v[t];
            if (!*w)
                continue;
            add(ctx, w);
            kg_buf_reset(&k);
            kg_buf_printf(&k, "%.3s~", w);
            add(ctx, k.data);
        }
    kg_buf_release(&k);
}
