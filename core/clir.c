/*
 * clir.c - cross-language queries (see clir.h): segmentation into units,
 * candidate translations from the dictionary and the learned pairs, their
 * weighting by dictionary order and store co-occurrence, and the learning
 * of pairs from bilingual records.
 */
#include "core/clir.h"
#include "core/text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIR_MAX_WORDS 5       /* longest English phrase looked up */
#define CLIR_MAX_CANDS 8       /* candidates weighed per unit */
#define CLIR_KEEP 4            /* translations kept per unit */
#define CLIR_MAX_UNITS 64      /* units of a need that are translated */
#define CLIR_PRIOR_LEARNED 1.5 /* a learned pair's (the dictionary's <= 1) */
#define CLIR_MIXED 0.3         /* translations' share in a two-language need */
#define CLIR_CACHE_MAGIC "kgmatch-pairs 1"

struct pair {
    char *zh, *en; /* en lower-cased, as written */
    char *key;     /* en spelled the American way (norm_en) */
    unsigned count;
};

struct clir {
    struct dict *d;
    struct pair *p;
    size_t np, cap;
    struct text *tx;              /* the index's analyzer, opened on use */
    struct text_tokens own, cand; /* a need's own terms; a candidate's */
    const char **ownv;            /* own's terms, sorted */
    size_t nownv;
};

kg_status clir_lang_parse(const char *s, enum clir_lang *out)
{
    static const char *const names[] = {"any", "zh", "en", "off"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum clir_lang)i;
            return KG_OK;
        }
    return KG_EUSAGE;
}

struct clir *clir_new(struct dict *d)
{
    struct clir *c = kg_xcalloc(1, sizeof *c);
    c->d = d;
    text_tokens_init(&c->own);
    text_tokens_init(&c->cand);
    return c;
}

void clir_free(struct clir *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->np; i++) {
        free(c->p[i].zh);
        free(c->p[i].en);
        free(c->p[i].key);
    }
    free(c->p);
    text_free(c->tx);
    text_tokens_release(&c->own);
    text_tokens_release(&c->cand);
    free(c->ownv);
    free(c);
}

size_t clir_pair_count(const struct clir *c)
{
    return c->np;
}

/* ------------------------------------------------------------ words */

/* British spellings CC-CEDICT writes the American way. */
static const char *const brit[][2] = {
    {"aluminium", "aluminum"}, {"sulph", "sulf"},
    {"isation", "ization"},    {"colour", "color"},
    {"vapour", "vapor"},       {"behaviour", "behavior"},
    {"fibre", "fiber"},        {"centre", "center"},
    {"metre", "meter"},        {"litre", "liter"},
    {"ageing", "aging"},       {"modelling", "modeling"},
    {"analyse", "analyze"},    {"defence", "defense"},
    {"programme", "program"},
};

/* Lower-cases s[0..n) into b and spells it the American way. */
static void norm_en(struct kg_buf *b, const char *s, size_t n)
{
    kg_buf_reset(b);
    for (size_t i = 0; i < n; i++)
        kg_buf_addc(b, (char)tolower((unsigned char)s[i]));
    for (size_t k = 0; k < sizeof brit / sizeof brit[0]; k++) {
        char *p = strstr(b->data, brit[k][0]);
        if (!p)
            continue;
        size_t lo = strlen(brit[k][0]), ln = strlen(brit[k][1]);
        memmove(p + ln, p + lo, strlen(p + lo) + 1);
        memcpy(p, brit[k][1], ln);
        b->len = strlen(b->data);
    }
}

static bool stop_en(const char *w, size_t n)
{
    static const char *const stop[] = {
        "a",    "an",    "the",  "of",    "for",   "and",  "or",    "in",
        "on",   "at",    "to",   "by",    "with",  "from", "as",    "is",
        "are",  "be",    "via",  "its",   "their", "this", "that",  "which",
        "into", "under", "over", "based", "using", "new",  "study", "its"};
    for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
        if (strlen(stop[i]) == n && memcmp(stop[i], w, n) == 0)
            return true;
    return false;
}

static bool has_han(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0xe3 && *p <= 0xe9)
            return true;
    return false;
}

/* The English query texts of a dictionary gloss: its ';'-separated parts
 * without notes in parentheses or brackets, Chinese, a leading "to ",
 * "lit." or article, and leading or trailing blanks; parts that are
 * explanations (more than four words) or no words are left out. Returns
 * the count put in out[] (the caller frees each). */
static size_t gloss_parts(const char *g, char **out, size_t max)
{
    struct kg_buf b;
    kg_buf_init(&b);
    int depth = 0;
    for (const char *p = g; *p; p++) {
        if (*p == '(' || *p == '[')
            depth++;
        else if ((*p == ')' || *p == ']') && depth > 0)
            depth--;
        else if (!depth && (unsigned char)*p < 0x80 && *p != '|')
            kg_buf_addc(&b, *p);
    }
    kg_buf_adds(&b, "");
    size_t n = 0;
    static const char *const lead[] = {"to ", "lit. ", "fig. ",
                                       "a ",  "an ",   "the "};
    for (char *save = NULL, *t = strtok_r(b.data, ";", &save); t && n < max;
         t = strtok_r(NULL, ";", &save)) {
        while (*t == ' ')
            t++;
        for (size_t i = 0; i < sizeof lead / sizeof lead[0]; i++)
            if (strncmp(t, lead[i], strlen(lead[i])) == 0)
                t += strlen(lead[i]);
        size_t len = strlen(t), words = 0;
        while (len && (t[len - 1] == ' ' || t[len - 1] == ','))
            t[--len] = '\0';
        for (char *p = t; *p; p++)
            if (*p != ' ' && (p == t || p[-1] == ' '))
                words++;
        if (words && words <= 4 && isalpha((unsigned char)t[0]))
            out[n++] = kg_xstrdup(t);
    }
    kg_buf_release(&b);
    return n;
}

/* The British spelling of American text s (caller frees), or NULL when
 * it has none of the forms brit[] knows. */
static char *british(const char *s)
{
    for (size_t k = 0; k < sizeof brit / sizeof brit[0]; k++) {
        const char *p = strstr(s, brit[k][1]);
        if (p)
            return kg_xasprintf("%.*s%s%s", (int)(p - s), s, brit[k][0],
                                p + strlen(brit[k][1]));
    }
    return NULL;
}

/* ------------------------------------------------------------ pairs */

static const struct pair *pair_find(const struct clir *c, const char *s,
                                    size_t n, bool zh, size_t from)
{
    for (size_t i = from; i < c->np; i++) {
        const char *k = zh ? c->p[i].zh : c->p[i].en;
        if (strlen(k) == n && memcmp(k, s, n) == 0)
            return &c->p[i];
    }
    return NULL;
}

void clir_add_pair(struct clir *c, const char *zh, const char *en)
{
    char *low = kg_xstrdup(en);
    for (char *p = low; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    for (size_t i = 0; i < c->np; i++)
        if (strcmp(c->p[i].zh, zh) == 0 && strcmp(c->p[i].en, low) == 0) {
            c->p[i].count++;
            free(low);
            return;
        }
    if (c->np == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->p = kg_xrealloc(c->p, c->cap * sizeof *c->p);
    }
    struct kg_buf b;
    kg_buf_init(&b);
    norm_en(&b, low, strlen(low));
    c->p[c->np++] = (struct pair){kg_xstrdup(zh), low, kg_buf_detach(&b), 1};
}

/* ------------------------------------------------------------ learning */

/* How well the dictionary's translations of English keyword en cover
 * Chinese keyword zh: the share of en's words (stop words aside) one of
 * whose headwords is part of zh. */
static double cover(const struct clir *c, const char *en, const char *zh)
{
    struct kg_buf b;
    kg_buf_init(&b);
    norm_en(&b, en, strlen(en));
    size_t words = 0, hit = 0;
    for (char *save = NULL, *w = strtok_r(b.data, " -", &save); w;
         w = strtok_r(NULL, " -", &save)) {
        if (stop_en(w, strlen(w)))
            continue;
        words++;
        struct dict_item it[12];
        size_t n = dict_en(c->d, w, strlen(w), it, 12);
        for (size_t i = 0; i < n && i < 12; i++)
            if (strstr(zh, it[i].text)) {
                hit++;
                break;
            }
    }
    kg_buf_release(&b);
    return words ? (double)hit / (double)words : 0;
}

static bool latin_words(const char *s)
{
    size_t letters = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80)
            return false;
        letters += isalpha(*p) != 0;
    }
    return letters >= 3;
}

/* Pairs the English keywords of one record with its Chinese ones. */
static void learn_keywords(struct clir *c, const struct kg_strlist *kw)
{
    for (size_t i = 0; i < kw->n; i++) {
        if (!latin_words(kw->v[i]))
            continue;
        double best = 0;
        const char *zh = NULL;
        for (size_t j = 0; j < kw->n; j++) {
            if (!has_han(kw->v[j]))
                continue;
            double sc = cover(c, kw->v[i], kw->v[j]) + (j + 1 == i ? 0.3 : 0);
            if (sc > best) {
                best = sc;
                zh = kw->v[j];
            }
        }
        if (zh && best >= 0.5)
            clir_add_pair(c, zh, kw->v[i]);
    }
}

/* "中文 (English)", "中文（English）" and "中文 / English" titles. */
static void learn_title(struct clir *c, const char *t)
{
    static const char *const seps[][2] = {
        {" (", ")"}, {"(", ")"}, {"（", "）"}, {" / ", ""}};
    for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
        const char *a = strstr(t, seps[i][0]);
        if (!a || a == t)
            continue;
        const char *e = a + strlen(seps[i][0]);
        size_t len = strlen(e), cl = strlen(seps[i][1]);
        if (cl && (len <= cl || strcmp(e + len - cl, seps[i][1]) != 0))
            continue;
        char *zh = kg_xstrndup(t, (size_t)(a - t));
        char *en = kg_xstrndup(e, len - cl);
        if (has_han(zh) && latin_words(en) && !has_han(en) && strchr(en, ' '))
            clir_add_pair(c, zh, en);
        free(zh);
        free(en);
        return;
    }
}

static bool learn_cb(const struct kg_record *r, void *ctx)
{
    struct clir *c = ctx;
    learn_keywords(c, &r->keywords);
    if (r->title)
        learn_title(c, r->title);
    return true;
}

/* Reads the cache at path when it is for version v. */
static bool load_cache(struct clir *c, const char *path, int64_t v)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len = getline(&line, &cap, f);
    char head[64];
    snprintf(head, sizeof head, "%s %lld\n", CLIR_CACHE_MAGIC, (long long)v);
    bool ok = len > 0 && strcmp(line, head) == 0;
    while (ok && (len = getline(&line, &cap, f)) > 0) {
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2) {
            ok = false;
            break;
        }
        *t1 = *t2 = '\0';
        clir_add_pair(c, line, t1 + 1);
        c->p[c->np - 1].count = (unsigned)strtoul(t2 + 1, NULL, 10);
    }
    free(line);
    fclose(f);
    return ok;
}

static void save_cache(const struct clir *c, const char *path, int64_t v)
{
    struct kg_buf b;
    kg_buf_init(&b);
    kg_buf_printf(&b, "%s %lld\n", CLIR_CACHE_MAGIC, (long long)v);
    for (size_t i = 0; i < c->np; i++)
        kg_buf_printf(&b, "%s\t%s\t%u\n", c->p[i].zh, c->p[i].en,
                      c->p[i].count);
    char *tmp = kg_xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f) {
        bool ok = fwrite(b.data, 1, b.len, f) == b.len;
        if (fclose(f) == 0 && ok)
            rename(tmp, path);
        else
            remove(tmp);
    }
    free(tmp);
    kg_buf_release(&b);
}

kg_status clir_learn(struct clir *c, struct store *s)
{
    int64_t v = 0;
    kg_status st = store_version(s, &v);
    if (st != KG_OK)
        return st;
    const char *db = store_path(s);
    char *path = db && *db && strcmp(db, ":memory:") != 0
                     ? kg_xasprintf("%s.pairs", db)
                     : NULL;
    size_t base = c->np;
    if (path && load_cache(c, path, v)) {
        free(path);
        return KG_OK;
    }
    while (c->np > base) { /* a partly read cache */
        c->np--;
        free(c->p[c->np].zh);
        free(c->p[c->np].en);
        free(c->p[c->np].key);
    }
    struct store_iter_opts o = {.skip_stubs = true};
    st = store_foreach(s, &o, learn_cb, c);
    if (st == KG_OK && path)
        save_cache(c, path, v);
    free(path);
    return st;
}

/* ------------------------------------------------------------ units */

struct cand {
    char *text;
    double prior, score, df;
    enum clir_how how;
};

/* One translatable piece of the need. */
struct unit {
    char *src;
    bool zh;
    struct cand c[CLIR_MAX_CANDS];
    size_t nc;
};

static void add_cand(struct unit *u, char *text, double prior,
                     enum clir_how how)
{
    for (size_t i = 0; i < u->nc; i++)
        if (strcmp(u->c[i].text, text) == 0) {
            free(text);
            return;
        }
    if (u->nc == CLIR_MAX_CANDS) {
        free(text);
        return;
    }
    u->c[u->nc++] = (struct cand){text, prior, prior, 0, how};
}

/* Adds the dictionary's headwords for key k[0..n): headwords of two or
 * more characters first (the index holds Chinese as bigrams, so a lone
 * character only meets text where it stands alone). */
static size_t en_lookup(const struct clir *c, struct unit *u, const char *k,
                        size_t n)
{
    struct dict_item it[16];
    size_t got = dict_en(c->d, k, n, it, 16);
    if (got > 16)
        got = 16;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < got; i++) {
            bool one = strlen(it[i].text) <= 4;
            if (one != (pass == 1))
                continue;
            unsigned r = it[i].rank;
            double prior = 1.0 / (1 + (r >> 4 & 15)) / (1 + 0.15 * (r & 15));
            if (r >= 256)
                prior *= 0.2;
            add_cand(u, kg_xstrdup(it[i].text), prior, CLIR_DICT);
        }
    return got;
}

/* The dictionary's headwords for English key k, trying the plural's
 * singular and the stem of -ing and -ed forms when k itself is absent;
 * returns how many candidates were added. */
static size_t en_cands(const struct clir *c, struct unit *u, const char *k)
{
    size_t before = u->nc, n = strlen(k);
    for (size_t i = 0; i < c->np; i++)
        if (strcmp(c->p[i].key, k) == 0)
            add_cand(u, kg_xstrdup(c->p[i].zh), CLIR_PRIOR_LEARNED,
                     CLIR_LEARNED);
    if (en_lookup(c, u, k, n) || n < 5 || n > 200)
        return u->nc - before;
    /* stems: (suffix, bytes cut, text added) */
    static const struct {
        const char *suf;
        unsigned cut;
        const char *add;
    } st[] = {{"ies", 3, "y"}, {"ses", 2, ""}, {"s", 1, ""},  {"ing", 3, ""},
              {"ing", 3, "e"}, {"ing", 4, ""}, {"ed", 2, ""}, {"ed", 1, ""},
              {"ied", 3, "y"}, {"ed", 3, ""}};
    char b[256];
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
        size_t sl = strlen(st[i].suf);
        if (n <= sl + 2 || strcmp(k + n - sl, st[i].suf) != 0)
            continue;
        size_t m = n - st[i].cut;
        memcpy(b, k, m);
        strcpy(b + m, st[i].add);
        if (en_lookup(c, u, b, strlen(b)))
            break;
    }
    return u->nc - before;
}

static void zh_cands(const struct clir *c, struct unit *u)
{
    size_t n = strlen(u->src);
    for (size_t i = 0; i < c->np; i++)
        if (strcmp(c->p[i].zh, u->src) == 0)
            add_cand(u, kg_xstrdup(c->p[i].en), CLIR_PRIOR_LEARNED,
                     CLIR_LEARNED);
    struct dict_item it[12];
    size_t got = dict_zh(c->d, u->src, n, it, 12);
    for (size_t i = 0; i < got && i < 12; i++) {
        char *parts[8];
        size_t np = gloss_parts(it[i].text, parts, 8);
        for (size_t j = 0; j < np; j++) {
            double prior = 1.0 / (1 + (double)i);
            char *br = british(parts[j]);
            add_cand(u, parts[j], prior, CLIR_DICT);
            if (br) /* the store may spell it either way */
                add_cand(u, br, prior, CLIR_DICT);
        }
    }
}

/* Latin segments i.. joined by spaces or hyphens only: the run's end. */
static size_t latin_run(const char *text, const struct dict_seg *s, size_t ns,
                        size_t i)
{
    size_t j = i + 1;
    while (j < ns && !s[j].zh && j - i < 64) {
        size_t a = s[j - 1].off + s[j - 1].len;
        if (strspn(text + a, " -") < s[j].off - a)
            break;
        j++;
    }
    return j;
}

/* Units of the need: learned and dictionary words, English phrases
 * longest first. */
static size_t make_units(const struct clir *c, const char *text,
                         const struct dict_seg *s, size_t ns,
                         enum clir_lang lang, struct unit *u, size_t max)
{
    size_t nu = 0;
    struct kg_buf b;
    kg_buf_init(&b);
    for (size_t i = 0; i < ns && nu < max;) {
        if (s[i].zh) {
            size_t j = i + 1;
            /* the longest run of segments that is a learned term */
            for (size_t e = i + 4 < ns ? i + 4 : ns; e > i + 1; e--) {
                bool contig = true;
                for (size_t k = i; k + 1 < e; k++)
                    contig = contig && s[k + 1].zh &&
                             s[k].off + s[k].len == s[k + 1].off;
                size_t len = s[e - 1].off + s[e - 1].len - s[i].off;
                if (contig && pair_find(c, text + s[i].off, len, true, 0)) {
                    j = e;
                    break;
                }
            }
            struct unit *x = &u[nu];
            *x = (struct unit){0};
            x->zh = true;
            x->src = kg_xstrndup(text + s[i].off,
                                 s[j - 1].off + s[j - 1].len - s[i].off);
            if (lang != CLIR_ZH)
                zh_cands(c, x);
            nu++;
            i = j;
            continue;
        }
        size_t e = latin_run(text, s, ns, i);
        while (i < e && nu < max) {
            size_t n = e - i < CLIR_MAX_WORDS ? e - i : CLIR_MAX_WORDS;
            struct unit *x = &u[nu];
            *x = (struct unit){0};
            for (; n >= 1; n--) {
                size_t len = s[i + n - 1].off + s[i + n - 1].len - s[i].off;
                kg_buf_reset(&b);
                for (size_t k = i; k < i + n; k++) {
                    struct kg_buf w;
                    kg_buf_init(&w);
                    norm_en(&w, text + s[k].off, s[k].len);
                    if (k > i)
                        kg_buf_addc(&b, ' ');
                    kg_buf_adds(&b, w.data);
                    kg_buf_release(&w);
                }
                if (n == 1 && stop_en(b.data, b.len))
                    break;
                if (lang != CLIR_EN && en_cands(c, x, b.data) > 0) {
                    x->src = kg_xstrndup(text + s[i].off, len);
                    break;
                }
            }
            if (n == 0 || !x->src) {
                for (size_t k = 0; k < x->nc; k++)
                    free(x->c[k].text);
                n = 1;
            } else {
                nu++;
            }
            i += n;
        }
        i = e;
    }
    kg_buf_release(&b);
    return nu;
}

/* ------------------------------------------------------------ weights */

static kg_status count2(struct index *ix, const char *a, const char *b,
                        double *out)
{
    const char *t[2] = {a, b};
    size_t n = 0;
    kg_status st = index_count_all(ix, t, b ? 2 : 1, &n);
    *out = (double)n;
    return st;
}

/* Drops candidates the store never holds, then scores each by its prior
 * times how strongly it co-occurs with the other units' candidates (the
 * overlap coefficient of their documents, the best candidate of each
 * other unit counting). */
static kg_status weigh(struct index *ix, struct unit *u, size_t nu)
{
    kg_status st = KG_OK;
    for (size_t i = 0; i < nu && st == KG_OK; i++) {
        size_t keep = 0;
        for (size_t j = 0; j < u[i].nc && st == KG_OK; j++) {
            st = count2(ix, u[i].c[j].text, NULL, &u[i].c[j].df);
            if (u[i].c[j].df > 0)
                u[i].c[keep++] = u[i].c[j];
            else
                free(u[i].c[j].text);
        }
        for (size_t j = keep; j < u[i].nc; j++)
            if (st != KG_OK)
                free(u[i].c[j].text);
        u[i].nc = keep;
    }
    for (size_t i = 0; i < nu && st == KG_OK; i++) {
        if (u[i].nc < 2)
            continue;
        for (size_t j = 0; j < u[i].nc && st == KG_OK; j++) {
            struct cand *a = &u[i].c[j];
            double sum = 0;
            size_t others = 0;
            for (size_t o = 0; o < nu && st == KG_OK; o++) {
                if (o == i || u[o].nc == 0 || u[o].zh != u[i].zh)
                    continue;
                double best = 0;
                for (size_t k = 0; k < u[o].nc && k < 3; k++) {
                    struct cand *b = &u[o].c[k];
                    double co;
                    st = count2(ix, a->text, b->text, &co);
                    double ov = co / (a->df < b->df ? a->df : b->df);
                    if (ov > best)
                        best = ov;
                }
                sum += best;
                others++;
            }
            if (others)
                a->score = a->prior * (0.05 + sum / (double)others);
        }
    }
    return st;
}

static int cmp_cand(const void *x, const void *y)
{
    const struct cand *a = x, *b = y;
    return a->score > b->score ? -1 : a->score < b->score;
}

static void add_term(struct clir_query *q, const char *src, const char *text,
                     double w, enum clir_how how)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? 2 * q->cap : 16;
        q->v = kg_xrealloc(q->v, q->cap * sizeof *q->v);
    }
    q->v[q->n++] =
        (struct clir_term){kg_xstrdup(src), kg_xstrdup(text), w, how};
}

void clir_query_release(struct clir_query *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->v[i].src);
        free(q->v[i].text);
    }
    free(q->v);
    *q = (struct clir_query){0};
}

/* ------------------------------------------------------------ both languages
 */

/* Analyzes the need's own text into c->ownv, sorted. */
static kg_status own_terms(struct clir *c, const char *text, char *err,
                           size_t errlen)
{
    if (!c->tx) {
        kg_status st = text_new(NULL, &c->tx, err, errlen);
        if (st != KG_OK)
            return st;
    }
    text_tokens_reset(&c->own);
    c->nownv = 0;
    if (text_analyze(c->tx, text, strlen(text), &c->own) != KG_OK) {
        snprintf(err, errlen, "text analysis: %s", text_last_error(c->tx));
        return KG_EINTERNAL;
    }
    c->ownv = kg_xrealloc(c->ownv, (c->own.n + 1) * sizeof *c->ownv);
    for (size_t i = 0; i < c->own.n; i++)
        c->ownv[c->nownv++] = c->own.bytes + c->own.v[i].off;
    qsort(c->ownv, c->nownv, sizeof *c->ownv, kg_cmp_str);
    return KG_OK;
}

/* Whether the need already says candidate translation t in its own words:
 * t stands in it as written (a Chinese word of two characters or more:
 * a lone character is in too many words), or every index term of t is one
 * of the need's (Sport and sports meet there). */
static bool says(struct clir *c, const char *need, const char *t)
{
    if (has_han(t) && strlen(t) > 3 && strstr(need, t))
        return true;
    text_tokens_reset(&c->cand);
    if (text_analyze(c->tx, t, strlen(t), &c->cand) != KG_OK || c->cand.n == 0)
        return false;
    for (size_t i = 0; i < c->cand.n; i++) {
        const char *k = c->cand.bytes + c->cand.v[i].off;
        if (!bsearch(&k, c->ownv, c->nownv, sizeof *c->ownv, kg_cmp_str))
            return false;
    }
    return true;
}

/* Marks the units the need says in both languages (one of the unit's
 * candidate translations is among its own words) and sets the share of
 * the translations of each language's units (beta[0] English, beta[1]
 * Chinese). In a need written in one language they count fully. In one
 * written in both, each language's own words lead and translations only
 * fill in what the other language's words do not already say: a unit said
 * in both is not translated, and the more of a language's units the other
 * language says (a title given in both), the more likely the rest are
 * said too in words the dictionary does not pair, so the less their
 * translations count. */
static bool both_languages(struct clir *c, const char *need,
                           const struct unit *u, size_t nu, char **said,
                           double beta[2])
{
    size_t n[2] = {0, 0}, nsaid[2] = {0, 0};
    bool has[2] = {false, false};
    for (size_t i = 0; i < nu; i++) {
        has[u[i].zh] = true;
        said[i] = NULL;
        for (size_t j = 0; j < u[i].nc && !said[i]; j++)
            if (says(c, need, u[i].c[j].text))
                said[i] = kg_xstrdup(u[i].c[j].text);
        if (u[i].nc) {
            n[u[i].zh]++;
            nsaid[u[i].zh] += said[i] != NULL;
        }
    }
    for (int l = 0; l < 2; l++)
        beta[l] = !(has[0] && has[1]) ? 1.0
                  : n[l] ? CLIR_MIXED * (1 - (double)nsaid[l] / n[l])
                         : CLIR_MIXED;
    return has[0] && has[1];
}

/* Whether one of the terms of s is in v[0..*n); with add, s's terms join
 * v (copies kept in own[0..*nown) for the caller to free). */
static bool seen_terms(struct clir *c, const char *s, const char **v, size_t *n,
                       char **own, size_t *nown, bool add)
{
    text_tokens_reset(&c->cand);
    if (text_analyze(c->tx, s, strlen(s), &c->cand) != KG_OK)
        return true;
    for (size_t i = 0; i < c->cand.n; i++) {
        const char *k = c->cand.bytes + c->cand.v[i].off;
        for (size_t j = 0; j < *n; j++)
            if (strcmp(v[j], k) == 0)
                return true;
    }
    for (size_t i = 0; add && i < c->cand.n; i++) {
        own[*nown] = kg_xstrdup(c->cand.bytes + c->cand.v[i].off);
        v[(*n)++] = own[(*nown)++];
    }
    return false;
}

static double idf(double n, double df)
{
    return log(1.0 + (n - df + 0.5) / (df + 0.5));
}

#define CLIR_ONCE_TERMS 1024 /* terms count_once tracks */

/* A need that says a thing in both languages names it twice: its two
 * renderings are one concept, and as in a structured query (Pirkola) that
 * concept's rarity is that of the pair (documents holding either), not of
 * its rarer rendering: an English word in a Chinese store is rare, the
 * concept it shares with a common Chinese word is not. Each rendering r
 * of a unit said in both (said[i]: the other language's words) is
 * brought from weight 1 to idf(pair) / idf(r) by a CLIR_SAME term of the
 * difference (the index adds the weights of a term); a term is brought
 * down once. */
static kg_status count_once(struct clir *c, struct index *ix,
                            const struct unit *u, size_t nu, char *const *said,
                            struct clir_query *q)
{
    struct index_info in;
    index_get_info(ix, &in);
    double n = (double)in.docs;
    const char *done[CLIR_ONCE_TERMS];
    char *own[CLIR_ONCE_TERMS];
    size_t ndone = 0, nown = 0;
    kg_status st = KG_OK;
    for (size_t i = 0; i < nu && st == KG_OK; i++) {
        if (!said[i] && u[i].nc == 0)
            continue;
        const char *r[2] = {u[i].src, said[i]};
        double df[2] = {0, 0};
        for (int k = 0; k < 2 && r[k] && st == KG_OK; k++)
            st = count2(ix, r[k], NULL, &df[k]);
        if (!said[i]) /* said once: its likeliest rendering in the store */
            for (size_t j = 0; j < u[i].nc; j++)
                df[1] = fmax(df[1], u[i].c[j].df);
        double pair = fmin(n, df[0] + df[1]);
        for (int k = 0; k < 2 && r[k] && st == KG_OK; k++) {
            bool room = ndone + 64 <= CLIR_ONCE_TERMS;
            if (!(df[k] > 0) || !(n > pair) || !room ||
                seen_terms(c, r[k], done, &ndone, own, &nown, true))
                continue;
            double f = idf(n, pair) / idf(n, df[k]);
            if (f < 1)
                add_term(q, r[k], r[k], f - 1, CLIR_SAME);
        }
    }
    for (size_t i = 0; i < nown; i++)
        free(own[i]);
    return st;
}

kg_status clir_translate(struct clir *c, struct index *ix, const char *text,
                         enum clir_lang lang, struct clir_query *q, char *err,
                         size_t errlen)
{
    struct dict_seg *segs = NULL;
    size_t ns = 0;
    add_term(q, text, text, 1.0, CLIR_SAME);
    kg_status st =
        dict_segment(c->d, text, strlen(text), &segs, &ns, err, errlen);
    if (st != KG_OK) {
        free(segs);
        return st;
    }
    struct unit *u = kg_xcalloc(CLIR_MAX_UNITS, sizeof *u);
    size_t nu = make_units(c, text, segs, ns, lang, u, CLIR_MAX_UNITS);
    free(segs);
    char *said[CLIR_MAX_UNITS] = {NULL};
    double beta[2];
    st = own_terms(c, text, err, errlen);
    if (st == KG_OK)
        both_languages(c, text, u, nu, said, beta);
    if (ix && st == KG_OK) {
        st = weigh(ix, u, nu);
        if (st == KG_OK)
            st = count_once(c, ix, u, nu, said, q);
        if (st != KG_OK)
            snprintf(err, errlen, "%s", index_last_error(ix));
    }
    const char *best_prev = NULL, *src_prev = NULL;
    double w_prev = 0;
    for (size_t i = 0; i < nu && st == KG_OK; i++) {
        struct unit *x = &u[i];
        qsort(x->c, x->nc, sizeof *x->c, cmp_cand);
        double sum = 0;
        size_t keep = 0;
        for (; keep < x->nc && keep < CLIR_KEEP; keep++) {
            if (x->c[keep].score < 0.25 * x->c[0].score)
                break;
            sum += x->c[keep].score;
        }
        if (said[i]) /* the need has it once already */
            keep = 0;
        /* a lone character out of a longer run is mostly a function word
         * or a fragment: its senses count little */
        double uw = x->zh && strlen(x->src) <= 3 ? 0.3 : 1.0;
        for (size_t j = 0; j < keep; j++)
            add_term(q, x->src, x->c[j].text,
                     uw * beta[x->zh] * x->c[j].score / sum, x->c[j].how);
        /* adjacent English words rendered in Chinese form compounds
         * (aluminum + slag: 铝渣) whose bigrams only the join has */
        const char *best = keep && !x->zh ? x->c[0].text : NULL;
        double wb = keep ? x->c[0].score / sum : 0;
        if (best && best_prev) {
            char *j = kg_xasprintf("%s%s", best_prev, best);
            char *s = kg_xasprintf("%s %s", src_prev, x->src);
            double df = 1;
            if (ix)
                st = count2(ix, j, NULL, &df);
            if (st == KG_OK && df > 0)
                add_term(q, s, j, 0.5 * (wb < w_prev ? wb : w_prev),
                         CLIR_JOINED);
            free(j);
            free(s);
        }
        best_prev = best;
        src_prev = x->src;
        w_prev = wb;
    }
    for (size_t i = 0; i < nu; i++) {
        for (size_t j = 0; j < u[i].nc; j++)
            free(u[i].c[j].text);
        free(u[i].src);
        free(said[i]);
    }
    free(u);
    return st;
}

static int cmp_term_w(const void *x, const void *y)
{
    const struct clir_term *a = *(const struct clir_term *const *)x,
                           *b = *(const struct clir_term *const *)y;
    return a->weight > b->weight ? -1 : a->weight < b->weight;
}

char *clir_concepts(const struct clir_query *q, size_t max)
{
    const struct clir_term **v = kg_xmalloc((q->n + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].how != CLIR_SAME)
            v[n++] = &q->v[i];
    qsort(v, n, sizeof *v, cmp_term_w);
    char *out = NULL;
    if (n) {
        struct kg_buf b;
        kg_buf_init(&b);
        for (size_t i = 0; i < n && i < max; i++)
            kg_buf_printf(&b, "%s%s ↔ %s", i ? "; " : "", v[i]->src,
                          v[i]->text);
        out = kg_buf_detach(&b);
    }
    free(v);
    return out;
}

kg_status clir_search(struct index *ix, const struct clir_query *q,
                      unsigned kinds, size_t k, struct index_hit **hits,
                      size_t *n)
{
    struct index_wterm *w = kg_xmalloc((q->n + 1) * sizeof *w);
    for (size_t i = 0; i < q->n; i++)
        w[i] = (struct index_wterm){q->v[i].text, q->v[i].weight};
    kg_status st = index_search_weighted(ix, w, q->n, kinds, k, hits, n);
    free(w);
    return st;
}
