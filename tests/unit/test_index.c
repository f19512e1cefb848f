/* test_index.c - the BM25 index: scores against hand-computed values,
 * top-k against exhaustive scoring on random corpora, kinds, profiles,
 * and the file: current, stale, corrupt, unwritable, empty. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/image.h"
#include "core/index.h"
#include "core/index_int.h"
#include "core/text.h"
#include "tests/unit/fixture.h"

/* ------------------------------------------------------------ helpers */

struct fx {
    char dir[64];
    char path[128];
    char idx[160];
    struct store *s;
    char notes[1024]; /* what index_info reported since warnings() */
};

static int setup(void **state)
{
    struct fx *f = kg_xcalloc(1, sizeof *f);
    if (fx_dir(f->dir, sizeof f->dir, "kgindex", f->path, sizeof f->path,
               "t.db") != 0)
        return -1;
    snprintf(f->idx, sizeof f->idx, "%s.idx", f->path);
    char err[256];
    if (store_open(f->path, STORE_CREATE, &f->s, err, sizeof err) != KG_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    if (fx_rmdir(f->dir) != 0)
        return -1;
    free(f);
    return 0;
}

/* What index_info reported about the opens since the last call, worded
 * as the front end words it (app_index_notice). */
static char *warnings(struct fx *f)
{
    char *s = kg_xstrdup(f->notes);
    f->notes[0] = '\0';
    return s;
}

static void note(struct fx *f, const struct index *ix)
{
    struct index_info in;
    index_get_info(ix, &in);
    size_t at = strlen(f->notes), left = sizeof f->notes - at;
    if (in.rebuilt == INDEX_REBUILD_STALE)
        at += (size_t)snprintf(f->notes + at, left,
                               "index is stale (store version %lld, index "
                               "%lld)\n",
                               (long long)in.version,
                               (long long)in.stale_version);
    else if (in.rebuilt == INDEX_REBUILD_TEXT_OPTS)
        at += (size_t)snprintf(f->notes + at, left,
                               "index was built with other text options\n");
    else if (in.rebuilt == INDEX_REBUILD_DAMAGED)
        at += (size_t)snprintf(f->notes + at, left, "index is unusable (%s)\n",
                               in.why);
    left = sizeof f->notes - at;
    if (in.write_error)
        snprintf(f->notes + at, left, "cannot write index %s (%s)\n", in.file,
                 in.write_error);
}

static void put(struct store *s, kg_kind kind, const char *json)
{
    struct kg_record r;
    char err[256];
    record_init(&r, kind);
    assert_int_equal(record_from_json(&r, json, strlen(json), err, 256), KG_OK);
    assert_int_equal(store_upsert(s, &r, "test", NULL), KG_OK);
    record_release(&r);
}

static struct index *open_ix(struct fx *f, struct index_opts *o)
{
    struct index_opts d = {0};
    if (!o)
        o = &d;
    struct index *ix;
    char err[256];
    kg_status st = index_open(f->s, o, &ix, err, sizeof err);
    if (st != KG_OK)
        fail_msg("index_open: %s", err);
    note(f, ix);
    return ix;
}

static bool was_built(const struct index *ix)
{
    struct index_info in;
    index_get_info(ix, &in);
    return in.built;
}

/* Records of one kind with only an abstract (weight 1: tf counts 1). */
static struct index *build_abstracts(const char *const *texts, size_t n,
                                     const struct index_opts *o)
{
    struct kg_record *r = kg_xcalloc(n, sizeof *r);
    const struct kg_record **p = kg_xcalloc(n, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        record_init(&r[i], KG_ACHIEVEMENT);
        r[i].id = kg_xasprintf("d%zu", i + 1);
        r[i].abstract = kg_xstrdup(texts[i]);
        p[i] = &r[i];
    }
    struct index *ix;
    char err[256];
    assert_int_equal(index_build(p, n, o, &ix, err, sizeof err), KG_OK);
    for (size_t i = 0; i < n; i++)
        record_release(&r[i]);
    free(r);
    free(p);
    return ix;
}

static void search(struct index *ix, const char *q, unsigned kinds, size_t k,
                   struct index_hit **h, size_t *n)
{
    assert_int_equal(index_search(ix, q, kinds, k, h, n), KG_OK);
}

/* ----------------------------------------------------------- scoring */

/*
 * Three documents: d1 "cat dog cat" (dl 3), d2 "dog fish" (dl 2),
 * d3 "fish fish fish fish" (dl 4); N = 3, avgdl = 3, k1 = 1.2, b = 0.75.
 *   K(d) = k1 (1 - b + b dl / avgdl): K1 = 1.2, K2 = 0.9, K3 = 1.5
 *   idf(t) = ln(1 + (N - df + 0.5) / (df + 0.5)):
 *     cat (df 1) ln(1 + 2.5/1.5) = 0.980829253
 *     dog, fish (df 2) ln(1 + 1.5/2.5) = 0.470003629
 *   term score idf tf (k1 + 1) / (tf + K):
 *     "cat":  d1 0.980829253 * 2 * 2.2 / 3.2 = 1.348640223
 *     "dog fish": d2 0.470003629 * 2.2 / 1.9 * 2 = 1.088429457
 *                 d3 0.470003629 * 4 * 2.2 / 5.5 = 0.752005806
 *                 d1 0.470003629 * 2.2 / 2.2 = 0.470003629
 */
static void bm25_scores_match_hand_computed_values(void **state)
{
    (void)state;
    const char *docs[] = {"cat dog cat", "dog fish", "fish fish fish fish"};
    struct index *ix = build_abstracts(docs, 3, NULL);
    struct index_hit *h;
    size_t n;
    search(ix, "cat", 0, 10, &h, &n);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].id, "d1");
    assert_true(fabs(h[0].score - 1.348640223) < 1e-6);
    free(h);
    search(ix, "dog fish", 0, 10, &h, &n);
    assert_int_equal(n, 3);
    assert_string_equal(h[0].id, "d2");
    assert_true(fabs(h[0].score - 1.088429457) < 1e-6);
    assert_string_equal(h[1].id, "d3");
    assert_true(fabs(h[1].score - 0.752005806) < 1e-6);
    assert_string_equal(h[2].id, "d1");
    assert_true(fabs(h[2].score - 0.470003629) < 1e-6);
    free(h);
    /* a repeated query term counts again */
    search(ix, "cat cat", 0, 10, &h, &n);
    assert_true(fabs(h[0].score - 2 * 1.348640223) < 1e-6);
    free(h);
    index_free(ix);
}

/* With k1 = 2, b = 0.5: "dog" in d2: 0.470003629 * 3 / (1 + 2 (0.5 + 0.5
 * 2/3)) = 0.470003629 * 3 / 2.666666667 = 0.528754083. */
static void k1_and_b_are_honoured(void **state)
{
    (void)state;
    const char *docs[] = {"cat dog cat", "dog fish", "fish fish fish fish"};
    struct index_opts o = {.k1 = 2.0, .b = 0.5};
    struct index *ix = build_abstracts(docs, 3, &o);
    struct index_hit *h;
    size_t n;
    search(ix, "dog", 0, 10, &h, &n);
    assert_int_equal(n, 2);
    assert_string_equal(h[0].id, "d2");
    assert_true(fabs(h[0].score - 0.528754083) < 1e-6);
    free(h);
    index_free(ix);
}

static void title_and_keywords_outweigh_the_abstract(void **state)
{
    (void)state;
    struct kg_record r[3];
    for (int i = 0; i < 3; i++)
        record_init(&r[i], KG_ACHIEVEMENT);
    r[0].id = kg_xstrdup("in-abstract");
    r[0].title = kg_xstrdup("steel pipes");
    r[0].abstract = kg_xstrdup("welding of titanium");
    r[1].id = kg_xstrdup("in-title");
    r[1].title = kg_xstrdup("titanium welding");
    r[1].abstract = kg_xstrdup("steel pipes");
    r[2].id = kg_xstrdup("in-keywords");
    r[2].title = kg_xstrdup("steel pipes");
    r[2].abstract = kg_xstrdup("of welding");
    strlist_add(&r[2].keywords, "titanium");
    const struct kg_record *p[] = {&r[0], &r[1], &r[2]};
    struct index *ix;
    char err[256];
    assert_int_equal(index_build(p, 3, NULL, &ix, err, sizeof err), KG_OK);
    struct index_hit *h;
    size_t n;
    search(ix, "titanium", 0, 10, &h, &n);
    assert_int_equal(n, 3);
    assert_string_equal(h[2].id, "in-abstract");
    free(h);
    index_free(ix);
    for (int i = 0; i < 3; i++)
        record_release(&r[i]);
}

static void equal_scores_sort_by_kind_then_id(void **state)
{
    (void)state;
    const char *ids[] = {"b", "a", "c", "a"};
    kg_kind kinds[] = {KG_PATENT, KG_PATENT, KG_ACHIEVEMENT, KG_DEMAND};
    struct kg_record r[4];
    const struct kg_record *p[4];
    for (int i = 0; i < 4; i++) {
        record_init(&r[i], kinds[i]);
        r[i].id = kg_xstrdup(ids[i]);
        r[i].title = kg_xstrdup("same words");
        p[i] = &r[i];
    }
    struct index *ix;
    char err[256];
    assert_int_equal(index_build(p, 4, NULL, &ix, err, sizeof err), KG_OK);
    struct index_hit *h;
    size_t n;
    for (size_t k = 0; k <= 4; k++) {
        search(ix, "same words", 0, k, &h, &n);
        assert_int_equal(n, k ? k : 4);
        const char *want[] = {"c", "a", "b", "a"};
        kg_kind wk[] = {KG_ACHIEVEMENT, KG_PATENT, KG_PATENT, KG_DEMAND};
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(h[i].id, want[i]);
            assert_int_equal(h[i].kind, wk[i]);
            assert_true(h[i].score == h[0].score);
        }
        free(h);
    }
    search(ix, "words", KG_KIND_BIT(KG_PATENT), 1, &h, &n);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].id, "a");
    assert_int_equal(h[0].kind, KG_PATENT);
    free(h);
    index_free(ix);
    for (int i = 0; i < 4; i++)
        record_release(&r[i]);
}

/* --------------------------------------------- top-k against exhaustive */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

/* A word of rank r in a Zipf-like vocabulary: low ranks are frequent. */
static uint32_t zipf(uint32_t vocab)
{
    uint32_t a = rnd(vocab) + 1, b = rnd(vocab) + 1;
    return (a * b) % vocab; /* products favour small numbers */
}

static void word(char *out, uint32_t r)
{
    /* letters only (so stems are predictable) and no stop words */
    static const char syl[][4] = {"ka", "lo", "mi", "nu", "pe",
                                  "ra", "si", "tu", "vo", "ze"};
    out[0] = '\0';
    do {
        strcat(out, syl[r % 10]);
        r /= 10;
    } while (r);
    strcat(out, "x");
}

/* The exact BM25 of every document for a query, from the analyzer's own
 * terms: the definition the index must match. */
struct naive {
    size_t n;
    char ***terms; /* per document, NULL-terminated */
    double *dl;
};

static size_t count_term(char **t, const char *w)
{
    size_t c = 0;
    for (; *t; t++)
        c += strcmp(*t, w) == 0;
    return c;
}

/* Scores of every document for the query terms q. */
static double *naive_scores(const struct naive *nv, char **q)
{
    double avg = 0, k1 = INDEX_K1, b = INDEX_B;
    double *s = kg_xcalloc(nv->n, sizeof *s);
    for (size_t i = 0; i < nv->n; i++)
        avg += nv->dl[i];
    avg /= (double)nv->n;
    for (char **t = q; *t; t++) {
        size_t df = 0;
        for (size_t i = 0; i < nv->n; i++)
            df += count_term(nv->terms[i], *t) > 0;
        double idf = log(1 + (nv->n - df + 0.5) / (df + 0.5));
        for (size_t d = 0; d < nv->n; d++) {
            double tf = (double)count_term(nv->terms[d], *t);
            if (tf)
                s[d] += idf * tf * (k1 + 1) /
                        (tf + k1 * (1 - b + b * nv->dl[d] / avg));
        }
    }
    return s;
}

static char **split_terms(struct text *t, const char *s)
{
    struct text_tokens tk;
    text_tokens_init(&tk);
    assert_int_equal(text_analyze(t, s, strlen(s), &tk), KG_OK);
    char **v = kg_xcalloc(tk.n + 1, sizeof *v);
    for (size_t i = 0; i < tk.n; i++)
        v[i] = kg_xstrdup(tk.bytes + tk.v[i].off);
    text_tokens_release(&tk);
    return v;
}

static void free_terms(char **v)
{
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

static void random_corpus_check(uint64_t seed, size_t ndocs, uint32_t vocab,
                                size_t nqueries)
{
    rng_state = seed;
    struct text *t;
    char err[256];
    assert_int_equal(text_new(NULL, &t, err, sizeof err), KG_OK);
    struct kg_record *r = kg_xcalloc(ndocs, sizeof *r);
    const struct kg_record **p = kg_xcalloc(ndocs, sizeof *p);
    struct naive nv = {ndocs, kg_xcalloc(ndocs, sizeof(char **)),
                       kg_xcalloc(ndocs, sizeof(double))};
    static const kg_kind kinds[] = {KG_ACHIEVEMENT, KG_PATENT, KG_DEMAND};
    for (size_t i = 0; i < ndocs; i++) {
        struct kg_buf b;
        kg_buf_init(&b);
        size_t len = 1 + rnd(60);
        for (size_t j = 0; j < len; j++) {
            char w[64];
            word(w, zipf(vocab));
            kg_buf_printf(&b, "%s ", w);
        }
        kg_kind k = kinds[rnd(3)];
        record_init(&r[i], k);
        r[i].id = kg_xasprintf("r%05zu", i);
        /* the body field of each kind has weight 1 */
        if (k == KG_DEMAND)
            r[i].description = kg_buf_detach(&b);
        else
            r[i].abstract = kg_buf_detach(&b);
        p[i] = &r[i];
        nv.terms[i] =
            split_terms(t, k == KG_DEMAND ? r[i].description : r[i].abstract);
        size_t c = 0;
        while (nv.terms[i][c])
            c++;
        nv.dl[i] = (double)c;
    }
    struct index *ix;
    assert_int_equal(index_build(p, ndocs, NULL, &ix, err, sizeof err), KG_OK);
    size_t ks[] = {1, 3, 10, 50};
    unsigned masks[] = {0, KG_KIND_BIT(KG_PATENT),
                        KG_KIND_BIT(KG_ACHIEVEMENT) | KG_KIND_BIT(KG_DEMAND)};
    for (size_t qi = 0; qi < nqueries; qi++) {
        struct kg_buf q;
        kg_buf_init(&q);
        size_t qlen = 1 + rnd(8);
        for (size_t j = 0; j < qlen; j++) {
            char w[64];
            word(w, rnd(4) ? zipf(vocab) : rnd(vocab + 50));
            kg_buf_printf(&q, "%s ", w);
        }
        char **qt = split_terms(t, q.data);
        unsigned mask = masks[qi % 3];
        struct index_hit *all, *top;
        size_t nall, ntop;
        search(ix, q.data, mask, 0, &all, &nall);
        double *want_s = naive_scores(&nv, qt);
        /* exhaustive scores are the definition, within rounding */
        for (size_t i = 0; i < nall; i++) {
            size_t d = (size_t)atoi(all[i].id + 1);
            assert_true(mask == 0 || (mask & KG_KIND_BIT(all[i].kind)));
            double want = want_s[d];
            if (fabs(all[i].score - want) > 1e-6)
                fail_msg("query '%s' doc %s: score %.9f, by hand %.9f", q.data,
                         all[i].id, all[i].score, want);
        }
        /* every document with a score is there */
        size_t expect_n = 0;
        for (size_t d = 0; d < ndocs; d++)
            if ((mask == 0 || (mask & KG_KIND_BIT(r[d].kind))) && want_s[d] > 0)
                expect_n++;
        free(want_s);
        assert_int_equal(nall, expect_n);
        for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
            search(ix, q.data, mask, ks[ki], &top, &ntop);
            assert_int_equal(ntop, nall < ks[ki] ? nall : ks[ki]);
            for (size_t i = 0; i < ntop; i++) {
                if (strcmp(top[i].id, all[i].id) != 0 ||
                    top[i].score != all[i].score)
                    fail_msg("query '%s' k %zu rank %zu: top-k %s %.9f, "
                             "exhaustive %s %.9f",
                             q.data, ks[ki], i, top[i].id, top[i].score,
                             all[i].id, all[i].score);
            }
            free(top);
        }
        free(all);
        free_terms(qt);
        kg_buf_release(&q);
    }
    index_free(ix);
    for (size_t i = 0; i < ndocs; i++) {
        record_release(&r[i]);
        free_terms(nv.terms[i]);
    }
    free(r);
    free(p);
    free(nv.terms);
    free(nv.dl);
    text_free(t);
}

static void top_k_equals_exhaustive_scoring_on_random_corpora(void **state)
{
    (void)state;
    /* small vocabularies give long postings lists (many blocks) and many
     * ties; large ones give many single-document terms */
    random_corpus_check(1, 300, 40, 60);
    random_corpus_check(2, 2500, 300, 60);
    random_corpus_check(3, 1500, 5000, 60);
}

static void unknown_terms_and_empty_queries_find_nothing(void **state)
{
    (void)state;
    const char *docs[] = {"cat dog", "fish"};
    struct index *ix = build_abstracts(docs, 2, NULL);
    struct index_hit *h;
    size_t n;
    search(ix, "zebra", 0, 10, &h, &n);
    assert_int_equal(n, 0);
    free(h);
    search(ix, "", 0, 10, &h, &n);
    assert_int_equal(n, 0);
    free(h);
    search(ix, "the of 。", 0, 0, &h, &n);
    assert_int_equal(n, 0);
    free(h);
    search(ix, "cat", KG_KIND_BIT(KG_EXPERT), 10, &h, &n);
    assert_int_equal(n, 0);
    free(h);
    index_free(ix);
}

/* The unordered search gives the very hits of the exhaustive one (k = 0),
 * each with its own document number, only in another order. */
static void unordered_hits_are_the_exhaustive_hits(void **state)
{
    (void)state;
    const char *docs[] = {"cat dog cat", "dog fish", "fish fish fish fish",
                          "bird",        "cat bird", "dog dog cat fish"};
    struct index *ix = build_abstracts(docs, 6, NULL);
    struct index_info in;
    index_get_info(ix, &in);
    const char *queries[] = {"cat dog fish", "bird", "fish cat", "zebra"};
    for (size_t q = 0; q < 4; q++) {
        struct index_hit *a, *b;
        size_t na, nb;
        search(ix, queries[q], 0, 0, &a, &na);
        assert_int_equal(index_search_unordered(ix, queries[q], 0, &b, &nb),
                         KG_OK);
        assert_int_equal(na, nb);
        for (size_t i = 0; i < na; i++) {
            assert_true(a[i].doc < in.docs);
            size_t found = 0;
            for (size_t j = 0; j < nb; j++)
                if (b[j].doc == a[i].doc) {
                    found++;
                    assert_int_equal(b[j].kind, a[i].kind);
                    assert_string_equal(b[j].id, a[i].id);
                    assert_true(b[j].score == a[i].score);
                }
            assert_int_equal(found, 1);
            for (size_t j = 0; j < i; j++)
                assert_true(a[j].doc != a[i].doc);
        }
        free(a);
        free(b);
    }
    index_free(ix);
}

struct collected {
    struct index_hit h[16];
    size_t n;
};

static void collect(const struct index_hit *h, void *ctx)
{
    struct collected *c = ctx;
    assert_true(c->n < 16);
    c->h[c->n++] = *h;
}

/* index_search_each hands over the very hits of the weighted exhaustive
 * search, one each, in some order, with the kinds asked for. */
static void each_hands_over_the_weighted_hits(void **state)
{
    (void)state;
    const char *docs[] = {"cat dog cat", "dog fish", "fish fish fish fish",
                          "bird",        "cat bird", "dog dog cat fish"};
    struct index *ix = build_abstracts(docs, 6, NULL);
    struct index_wterm wq[] = {{"cat dog", 0.7}, {"fish", 0.2}, {"bird", 0.1}};
    for (unsigned kinds = 0; kinds < 2; kinds++) {
        unsigned mask = kinds ? KG_KIND_BIT(KG_EXPERT) : 0;
        struct index_hit *a;
        size_t na;
        assert_int_equal(index_search_weighted(ix, wq, 3, mask, 0, &a, &na),
                         KG_OK);
        struct collected c = {.n = 0};
        assert_int_equal(index_search_each(ix, wq, 3, mask, collect, &c),
                         KG_OK);
        assert_int_equal(c.n, na);
        assert_int_equal(na, kinds ? 0 : 6);
        for (size_t i = 0; i < na; i++) {
            size_t found = 0;
            for (size_t j = 0; j < c.n; j++)
                if (c.h[j].doc == a[i].doc) {
                    found++;
                    assert_int_equal(c.h[j].kind, a[i].kind);
                    assert_string_equal(c.h[j].id, a[i].id);
                    assert_true(c.h[j].score == a[i].score);
                }
            assert_int_equal(found, 1);
        }
        free(a);
    }
    index_free(ix);
}

/* A k past any count (the CLI once passed 2^64-1) is the whole list, not a
 * wrapped (k+1)*16-byte heap. */
static void a_huge_k_is_all_the_documents(void **state)
{
    (void)state;
    const char *docs[] = {"cat dog", "cat fish", "dog"};
    struct index *ix = build_abstracts(docs, 3, NULL);
    struct index_hit *h;
    size_t n;
    search(ix, "cat dog", 0, SIZE_MAX, &h, &n);
    assert_int_equal(n, 3);
    free(h);
    search(ix, "cat", 0, (size_t)1 << 62, &h, &n);
    assert_int_equal(n, 2);
    free(h);
    index_free(ix);
}

static bool has_hit(const struct index_hit *h, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(h[i].id, id) == 0)
            return true;
    return false;
}

/* Whether the hits of q are exactly the ids listed (NULL-terminated). */
static void expect_ids(struct index *ix, const char *q, const char *const *ids)
{
    struct index_hit *h;
    size_t n, want = 0;
    search(ix, q, 0, 0, &h, &n);
    for (; ids[want]; want++)
        assert_true(has_hit(h, n, ids[want]));
    assert_int_equal(n, want);
    free(h);
}

static void one_cjk_character_meets_the_bigrams_around_it(void **state)
{
    (void)state;
    const char *docs[] = {"铝合金焊接", "氧化铝陶瓷", "钢结构", "铜，铝。",
                          "合金钢"};
    struct index *ix = build_abstracts(docs, 5, NULL);
    /* at the start (铝合), the end (化铝) and alone (铝) */
    expect_ids(ix, "铝", (const char *[]){"d1", "d2", "d4", NULL});
    /* inside a run: 合金 and 金焊 hold 金 */
    expect_ids(ix, "金", (const char *[]){"d1", "d5", NULL});
    expect_ids(ix, "钢", (const char *[]){"d3", "d5", NULL});
    /* a two-character query is still one bigram */
    expect_ids(ix, "合金", (const char *[]){"d1", "d5", NULL});
    expect_ids(ix, "锌", (const char *[]){NULL});
    index_free(ix);
}

/* ------------------------------------------------------- with the store */

static void search_on_an_empty_database_is_empty(void **state)
{
    struct fx *f = *state;
    struct index *ix = open_ix(f, NULL);
    assert_int_equal(index_doc_count(ix), 0);
    struct index_hit *h;
    size_t n;
    search(ix, "铝合金 anything", 0, 10, &h, &n);
    assert_int_equal(n, 0);
    free(h);
    search(ix, "anything", 0, 0, &h, &n);
    assert_int_equal(n, 0);
    free(h);
    index_free(ix);
    assert_int_equal(access(f->idx, F_OK), 0);
}

static void
the_file_is_reused_while_current_and_rebuilt_when_stale(void **state)
{
    struct fx *f = *state;
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"铝合金 welding\"}");
    struct index *ix = open_ix(f, NULL);
    assert_true(was_built(ix));
    index_free(ix);
    free(warnings(f));
    ix = open_ix(f, NULL);
    assert_false(was_built(ix));
    index_free(ix);
    char *w = warnings(f);
    assert_string_equal(w, "");
    free(w);

    put(f->s, KG_PATENT, "{\"id\":\"P1\",\"title\":\"鋁合金 casting\"}");
    /* no_update keeps the stale file */
    struct index_opts o = {.no_update = true};
    ix = open_ix(f, &o);
    assert_false(was_built(ix));
    assert_int_equal(index_doc_count(ix), 1);
    index_free(ix);
    ix = open_ix(f, NULL);
    assert_true(was_built(ix));
    assert_int_equal(index_doc_count(ix), 2);
    w = warnings(f);
    assert_non_null(strstr(w, "is stale"));
    free(w);
    struct index_hit *h;
    size_t n;
    search(ix, "铝合金", 0, 10, &h, &n);
    assert_int_equal(n, 2);
    free(h);
    index_free(ix);
    /* --rebuild rebuilds a current file without a warning */
    o = (struct index_opts){.rebuild = true};
    ix = open_ix(f, &o);
    assert_true(was_built(ix));
    index_free(ix);
    w = warnings(f);
    assert_string_equal(w, "");
    free(w);
}

static void damage(const char *path, long at, const char *bytes, size_t n)
{
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, at, at < 0 ? SEEK_END : SEEK_SET), 0);
    assert_int_equal(fwrite(bytes, 1, n, fp), n);
    fclose(fp);
}

static void expect_rebuilt_after(struct fx *f, const char *why)
{
    struct index *ix = open_ix(f, NULL);
    assert_true(was_built(ix));
    char *w = warnings(f);
    if (!strstr(w, "unusable") || !strstr(w, why))
        fail_msg("warning '%s' does not say '%s'", w, why);
    free(w);
    struct index_hit *h;
    size_t n;
    search(ix, "welding", 0, 10, &h, &n);
    assert_int_equal(n, 1);
    free(h);
    index_free(ix);
    /* and the rebuilt file is sound */
    ix = open_ix(f, NULL);
    assert_false(was_built(ix));
    index_free(ix);
}

static void corrupt_or_foreign_files_are_detected_and_rebuilt(void **state)
{
    struct fx *f = *state;
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"welding\"}");
    index_free(open_ix(f, NULL));
    free(warnings(f));
    struct stat sb;
    assert_int_equal(stat(f->idx, &sb), 0);

    damage(f->idx, (long)sb.st_size / 2, "\xff\x00\xff", 3);
    expect_rebuilt_after(f, "checksum");

    assert_int_equal(truncate(f->idx, sb.st_size - 9), 0);
    expect_rebuilt_after(f, "size");

    assert_int_equal(truncate(f->idx, 10), 0);
    expect_rebuilt_after(f, "truncated");

    damage(f->idx, 0, "NOTANIDX", 8);
    expect_rebuilt_after(f, "not a kgmatch index");

    FILE *fp = fopen(f->idx, "wb");
    fclose(fp);
    expect_rebuilt_after(f, "truncated");
}

static void an_unwritable_index_path_falls_back_to_memory(void **state)
{
    struct fx *f = *state;
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"welding\"}");
    /* a directory where the file should be: cannot be replaced */
    assert_int_equal(mkdir(f->idx, 0755), 0);
    struct index *ix = open_ix(f, NULL);
    struct index_info in;
    index_get_info(ix, &in);
    assert_true(in.in_memory);
    assert_null(in.path);
    char *w = warnings(f);
    assert_non_null(strstr(w, "cannot write index"));
    free(w);
    struct index_hit *h;
    size_t n;
    search(ix, "welding", 0, 10, &h, &n);
    assert_int_equal(n, 1);
    free(h);
    index_free(ix);
}

static void profiles_carry_the_titles_of_their_items(void **state)
{
    struct fx *f = *state;
    put(f->s, KG_INSTITUTION,
        "{\"id\":\"I1\",\"name\":\"山东大学\",\"aliases\":[\"Shandong "
        "University\"]}");
    put(f->s, KG_EXPERT,
        "{\"id\":\"E1\",\"name\":\"张三\",\"institution\":\"I1\"}");
    put(f->s, KG_EXPERT, "{\"id\":\"E2\",\"name\":\"李四\"}");
    put(f->s, KG_ACHIEVEMENT,
        "{\"id\":\"A1\",\"title\":\"钛合金激光焊接\",\"experts\":[\"E1\"]}");
    put(f->s, KG_PATENT,
        "{\"id\":\"P1\",\"title\":\"Titanium laser welding\","
        "\"inventors\":[\"李四\"],\"applicants\":[\"山东大学\"]}");
    struct index *ix = open_ix(f, NULL);
    struct index_hit *h;
    size_t n;
    /* the expert through the achievement, the institution through its
     * expert's achievement */
    search(ix, "钛合金焊接",
           KG_KIND_BIT(KG_EXPERT) | KG_KIND_BIT(KG_INSTITUTION), 10, &h, &n);
    assert_int_equal(n, 2);
    assert_true((h[0].kind == KG_INSTITUTION && !strcmp(h[0].id, "I1")) ||
                (h[1].kind == KG_INSTITUTION && !strcmp(h[1].id, "I1")));
    assert_true((h[0].kind == KG_EXPERT && !strcmp(h[0].id, "E1")) ||
                (h[1].kind == KG_EXPERT && !strcmp(h[1].id, "E1")));
    free(h);
    /* the inventor and the applicant through the patent */
    search(ix, "titanium welding", KG_KIND_BIT(KG_EXPERT), 10, &h, &n);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].id, "E2");
    free(h);
    search(ix, "titanium", KG_KIND_BIT(KG_INSTITUTION), 10, &h, &n);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].id, "I1");
    free(h);
    /* names and aliases find the profile itself */
    search(ix, "Shandong", 0, 10, &h, &n);
    assert_int_equal(n, 1);
    assert_string_equal(h[0].id, "I1");
    free(h);
    index_free(ix);
}

/* ------------------------------------------------------ incremental */

static struct index_info info_of(const struct index *ix)
{
    struct index_info in;
    index_get_info(ix, &in);
    return in;
}

/* The ids of every hit of q, kind-prefixed, sorted, as one string. */
static char *hit_ids(struct index *ix, const char *q, unsigned kinds)
{
    struct index_hit *h;
    size_t n;
    search(ix, q, kinds, 0, &h, &n);
    char **v = kg_xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = kg_xasprintf("%d%s", (int)h[i].kind, h[i].id);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
    struct kg_buf b;
    kg_buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        kg_buf_printf(&b, "%s;", v[i]);
        free(v[i]);
    }
    free(v);
    free(h);
    char *r = kg_xstrdup(b.len ? b.data : "");
    kg_buf_release(&b);
    return r;
}

static void filler(struct fx *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char json[128];
        snprintf(json, sizeof json,
                 "{\"id\":\"F%zu\",\"title\":\"filler%zu common\"}", i, i);
        put(f->s, KG_ACHIEVEMENT, json);
    }
}

static void
an_update_indexes_only_the_changes_and_never_finds_old_text(void **state)
{
    struct fx *f = *state;
    filler(f, 30);
    put(f->s, KG_INSTITUTION, "{\"id\":\"I1\",\"name\":\"山东大学\"}");
    put(f->s, KG_EXPERT,
        "{\"id\":\"E1\",\"name\":\"张三\",\"institution\":\"I1\"}");
    put(f->s, KG_ACHIEVEMENT,
        "{\"id\":\"A1\",\"title\":\"钛合金激光焊接\",\"experts\":[\"E1\"]}");
    struct index *ix = open_ix(f, NULL);
    assert_true(was_built(ix));
    char *r = hit_ids(ix, "钛合金", 0);
    assert_string_equal(r, "0I1;1E1;2A1;");
    free(r);
    index_free(ix);
    /* A1 changes its title, F2 is deleted, A2 is new */
    put(f->s, KG_ACHIEVEMENT,
        "{\"id\":\"A1\",\"title\":\"magnesium casting\",\"experts\":[\"E1\"]}");
    assert_int_equal(store_delete(f->s, KG_ACHIEVEMENT, "F2"), KG_OK);
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A2\",\"title\":\"zirconium\"}");
    free(warnings(f));
    for (int round = 0; round < 2; round++) { /* updated, then reopened */
        ix = open_ix(f, NULL);
        struct index_info in = info_of(ix);
        assert_false(in.built);
        assert_int_equal(in.segments, 1);
        if (round == 0) /* A1, F2, A2 and the profiles A1 feeds */
            assert_int_equal(in.changed, 5);
        else
            assert_int_equal(in.changed, 0);
        assert_int_equal(in.docs, 33);
        r = hit_ids(ix, "钛合金", 0);
        assert_string_equal(r, "");
        free(r);
        r = hit_ids(ix, "magnesium", 0);
        assert_string_equal(r, "0I1;1E1;2A1;");
        free(r);
        r = hit_ids(ix, "filler2", 0);
        assert_string_equal(r, "");
        free(r);
        r = hit_ids(ix, "zirconium filler3", 0);
        assert_string_equal(r, "2A2;2F3;");
        free(r);
        /* top-k skips the superseded documents too */
        struct index_hit *h;
        size_t n;
        search(ix, "magnesium 钛合金", KG_KIND_BIT(KG_ACHIEVEMENT), 1, &h, &n);
        assert_int_equal(n, 1);
        assert_string_equal(h[0].id, "A1");
        free(h);
        index_free(ix);
    }
    /* deleting A1 takes its title out of its expert's and institution's
     * profiles too */
    assert_int_equal(store_delete(f->s, KG_ACHIEVEMENT, "A1"), KG_OK);
    ix = open_ix(f, NULL);
    assert_false(was_built(ix));
    r = hit_ids(ix, "magnesium", 0);
    assert_string_equal(r, "");
    free(r);
    r = hit_ids(ix, "张三 山东大学", 0);
    assert_string_equal(r, "0I1;1E1;");
    free(r);
    index_free(ix);
    char *w = warnings(f);
    assert_string_equal(w, "");
    free(w);
}

/* The query paths main's dict branch added (one-character expansion,
 * co-occurrence counts, the k clamp) span the segments and skip what a
 * newer segment supersedes. */
static void segments_serve_one_char_terms_counts_and_a_huge_k(void **state)
{
    struct fx *f = *state;
    filler(f, 30);
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"钛合金激光焊接\"}");
    index_free(open_ix(f, NULL));
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"钛合金焊接\"}");
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A2\",\"title\":\"铝合金铸造\"}");
    struct index *ix = open_ix(f, NULL);
    assert_int_equal(info_of(ix).segments, 1);
    char *r = hit_ids(ix, "铝", 0); /* only in the segment */
    assert_string_equal(r, "2A2;");
    free(r);
    r = hit_ids(ix, "钛", 0); /* the full build's A1 is superseded */
    assert_string_equal(r, "2A1;");
    free(r);
    r = hit_ids(ix, "激光", 0);
    assert_string_equal(r, "");
    free(r);
    const char *both[] = {"合金"};
    size_t c = 0;
    assert_int_equal(index_count_all(ix, both, 1, &c), KG_OK);
    assert_int_equal(c, 2);
    struct index_hit *h;
    size_t n;
    search(ix, "合金 common", 0, SIZE_MAX, &h, &n);
    assert_int_equal(n, 32);
    free(h);
    index_free(ix);
    free(warnings(f));
}

/* Every hit of a query handed over, into a growing list. */
struct gathered {
    struct index_hit *h;
    size_t n;
};

static void gather(const struct index_hit *h, void *ctx)
{
    struct gathered *g = ctx;
    g->h = kg_xrealloc(g->h, (g->n + 1) * sizeof *g->h);
    g->h[g->n] = *h;
    g->h[g->n++].id = kg_xstrdup(h->id);
}

static void gathered_release(struct gathered *g)
{
    for (size_t i = 0; i < g->n; i++)
        free((char *)g->h[i].id);
    free(g->h);
}

/* g holds the hits of a[0..na), each once, with their kinds and (up to the
 * fixed point's rounding of a term's share) their scores. */
static void assert_same_scores(const struct gathered *g,
                               const struct index_hit *a, size_t na)
{
    assert_int_equal(g->n, na);
    for (size_t i = 0; i < na; i++) {
        size_t found = 0;
        for (size_t j = 0; j < g->n; j++)
            if (g->h[j].kind == a[i].kind && strcmp(g->h[j].id, a[i].id) == 0) {
                found++;
                assert_true(fabs(g->h[j].score - a[i].score) < 1e-8);
            }
        assert_int_equal(found, 1);
    }
}

/* A first pass kept (index_search_keep) and a second adding terms
 * (index_search_more) give the hits of the whole query scale x q1 + q2
 * over the full build and a segment, a superseded record's old text not
 * among them; another search in between drops what the first pass kept. */
static void a_kept_first_pass_and_more_terms_are_the_whole_query(void **state)
{
    struct fx *f = *state;
    filler(f, 30);
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"laser weld\"}");
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A2\",\"title\":\"alloy cast\"}");
    index_free(open_ix(f, NULL));
    put(f->s, KG_ACHIEVEMENT,
        "{\"id\":\"A1\",\"title\":\"laser alloy common\"}");
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A3\",\"title\":\"weld sensor\"}");
    struct index *ix = open_ix(f, NULL);
    assert_int_equal(info_of(ix).segments, 1);
    struct index_wterm q1[] = {{"laser common", 0.7}, {"alloy", 0.3}};
    struct index_wterm q2[] = {{"weld", 0.2}, {"laser", 0.1}};
    struct index_wterm whole[] = {
        {"laser common", 0.7 * 0.6}, {"alloy", 0.3 * 0.6}, q2[0], q2[1]};
    struct index_hit *a, *b;
    size_t na, nb;
    /* the first pass's best 3, as the top-k search finds them */
    assert_int_equal(index_search_weighted(ix, q1, 2, 0, 3, &b, &nb), KG_OK);
    assert_int_equal(index_search_keep(ix, q1, 2, 0, 3, &a, &na), KG_OK);
    assert_int_equal(na, 3);
    assert_int_equal(nb, 3);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].id, b[i].id);
        assert_true(a[i].score == b[i].score);
    }
    free(a);
    free(b);
    struct gathered g = {NULL, 0};
    assert_int_equal(index_search_more(ix, 0.6, q2, 2, 0, gather, &g), KG_OK);
    assert_int_equal(index_search_weighted(ix, whole, 4, 0, 0, &a, &na), KG_OK);
    assert_int_equal(na,
                     33); /* 30 fillers, A1 (once: its newer text), A2, A3 */
    assert_same_scores(&g, a, na);
    gathered_release(&g);
    free(a);
    /* kept, then another search: the second pass has q2 alone */
    assert_int_equal(index_search_keep(ix, q1, 2, 0, 1, &a, &na), KG_OK);
    free(a);
    assert_int_equal(index_search_weighted(ix, q2, 1, 0, 0, &a, &na), KG_OK);
    free(a);
    g = (struct gathered){NULL, 0};
    assert_int_equal(index_search_more(ix, 0.6, q2, 2, 0, gather, &g), KG_OK);
    assert_int_equal(index_search_weighted(ix, q2, 2, 0, 0, &a, &na), KG_OK);
    assert_int_equal(na, 2); /* A1 and A3 */
    assert_same_scores(&g, a, na);
    gathered_release(&g);
    free(a);
    /* a second pass with no terms of its own: the first, scaled */
    assert_int_equal(index_search_keep(ix, q1, 2, 0, 1, &a, &na), KG_OK);
    free(a);
    g = (struct gathered){NULL, 0};
    assert_int_equal(index_search_more(ix, 0.5, NULL, 0, 0, gather, &g), KG_OK);
    struct index_wterm half[] = {{"laser common", 0.35}, {"alloy", 0.15}};
    assert_int_equal(index_search_weighted(ix, half, 2, 0, 0, &a, &na), KG_OK);
    assert_same_scores(&g, a, na);
    gathered_release(&g);
    free(a);
    index_free(ix);
    free(warnings(f));
}

/* nrec achievements A0.. of random words from w[0..nw). */
static void random_records(struct fx *f, const char *const *w, int nw, int nrec)
{
    char json[256];
    for (int i = 0; i < nrec; i++) {
        snprintf(json, sizeof json,
                 "{\"id\":\"A%d\",\"title\":\"%s %s\",\"abstract\":\"%s\"}", i,
                 w[rnd(nw)], w[rnd(nw)], w[rnd(nw)]);
        put(f->s, KG_ACHIEVEMENT, json);
    }
}

/* a and b find the same records for each word of w[0..nw). */
static void assert_same_hits(struct index *a, struct index *b,
                             const char *const *w, int nw)
{
    for (int i = 0; i < nw; i++) {
        char *x = hit_ids(a, w[i], 0), *y = hit_ids(b, w[i], 0);
        assert_string_equal(x, y);
        free(x);
        free(y);
    }
}

static void many_updates_then_a_rebuild_equal_a_fresh_build(void **state)
{
    struct fx *f = *state;
    static const char *const words[] = {
        "alloy",   "laser", "weld",    "cast",   "sensor", "drone",
        "battery", "grid",  "polymer", "enzyme", "钛合金", "传感器"};
    enum { NW = 12, NREC = 400 };
    rng_state = 7;
    char json[256];
    random_records(f, words, NW, NREC);
    index_free(open_ix(f, NULL));
    size_t max_segments = 0;
    for (int round = 0; round < 24; round++) {
        for (int j = 0; j < 2; j++) {
            snprintf(json, sizeof json, "{\"id\":\"A%u\",\"title\":\"%s %s\"}",
                     rnd(NREC + 20), words[rnd(NW)], words[rnd(NW)]);
            put(f->s, KG_ACHIEVEMENT, json);
        }
        if (round % 4 == 3) {
            snprintf(json, sizeof json, "A%u", rnd(NREC));
            kg_status st = store_delete(f->s, KG_ACHIEVEMENT, json);
            assert_true(st == KG_OK || st == KG_ENOTFOUND);
        }
        struct index *ix = open_ix(f, NULL);
        struct index_info in = info_of(ix);
        assert_false(in.built);
        max_segments = in.segments > max_segments ? in.segments : max_segments;
        index_free(ix);
    }
    assert_true(max_segments >= 2 && max_segments <= 5);
    struct index_opts mem = {.in_memory = true};
    struct index *fresh = open_ix(f, &mem);
    struct index *seg = open_ix(f, NULL);
    assert_same_hits(fresh, seg, words, NW);
    /* top-k over segments equals the head of every hit over segments */
    for (int i = 0; i + 1 < NW; i++) {
        char q[64];
        snprintf(q, sizeof q, "%s %s", words[i], words[i + 1]);
        struct index_hit *ha, *hb;
        size_t na, nb;
        search(seg, q, 0, 0, &ha, &na);
        search(seg, q, 0, 5, &hb, &nb);
        assert_int_equal(nb, na < 5 ? na : 5);
        for (size_t j = 0; j < nb; j++) {
            assert_string_equal(ha[j].id, hb[j].id);
            assert_true(ha[j].score == hb[j].score);
        }
        free(ha);
        free(hb);
    }
    index_free(seg);
    /* merged into one full build, scores and order equal too */
    struct index_opts rb = {.rebuild = true};
    seg = open_ix(f, &rb);
    assert_int_equal(info_of(seg).segments, 0);
    for (int i = 0; i + 1 < NW; i++) {
        char q[64];
        snprintf(q, sizeof q, "%s %s", words[i], words[i + 1]);
        struct index_hit *ha, *hb;
        size_t na, nb;
        search(fresh, q, 0, 10, &ha, &na);
        search(seg, q, 0, 10, &hb, &nb);
        assert_int_equal(na, nb);
        for (size_t j = 0; j < na; j++) {
            assert_string_equal(ha[j].id, hb[j].id);
            assert_true(ha[j].score == hb[j].score);
        }
        free(ha);
        free(hb);
    }
    index_free(seg);
    index_free(fresh);
    char seg_list[200];
    snprintf(seg_list, sizeof seg_list, "%s.segs", f->idx);
    assert_int_equal(access(seg_list, F_OK), -1);
}

/* An update merges segments only up to merge_postings, so their number
 * grows past the binary counter's; merged images (not the store) still
 * give a fresh build's hits, never a changed record's old text;
 * --optimize merges them into one, and rebuilds past a quarter. */
static void capped_merges_and_optimize_equal_a_fresh_build(void **state)
{
    struct fx *f = *state;
    static const char *const words[] = {"alloy",  "laser", "weld",   "cast",
                                        "sensor", "drone", "钛合金", "传感器"};
    enum { NW = 8, NREC = 300 };
    rng_state = 11;
    char json[256];
    random_records(f, words, NW, NREC);
    index_free(open_ix(f, NULL));
    struct index_opts capped = {.merge_postings = 12};
    size_t max_segments = 0, merges = 0;
    for (int round = 0; round < 16; round++) {
        /* a record changes to a word no fresh record has: its old words
         * must not find it */
        snprintf(json, sizeof json, "{\"id\":\"A%d\",\"title\":\"xenon%d\"}",
                 round * 7, round);
        put(f->s, KG_ACHIEVEMENT, json);
        snprintf(json, sizeof json, "{\"id\":\"N%d\",\"title\":\"%s %s\"}",
                 round, words[rnd(NW)], words[rnd(NW)]);
        put(f->s, KG_ACHIEVEMENT, json);
        if (round % 5 == 4) {
            snprintf(json, sizeof json, "N%d", round - 2);
            assert_int_equal(store_delete(f->s, KG_ACHIEVEMENT, json), KG_OK);
        }
        struct index *ix = open_ix(f, &capped);
        struct index_info in = info_of(ix);
        assert_false(in.built);
        merges += in.merged > 0;
        max_segments = in.segments > max_segments ? in.segments : max_segments;
        index_free(ix);
    }
    assert_true(merges > 0);       /* small segments still merge */
    assert_true(max_segments > 5); /* but not past the cap */
    struct index_opts mem = {.in_memory = true};
    struct index *fresh = open_ix(f, &mem);
    struct index *seg = open_ix(f, NULL);
    assert_same_hits(fresh, seg, words, NW);
    char *r = hit_ids(seg, "xenon3", 0);
    assert_string_equal(r, "2A21;");
    free(r);
    index_free(seg);
    /* optimize: one segment, the same hits */
    struct index_opts opt = {.optimize = true};
    seg = open_ix(f, &opt);
    struct index_info in = info_of(seg);
    assert_false(in.built);
    assert_int_equal(in.segments, 1);
    assert_true(in.merged > 5);
    assert_same_hits(fresh, seg, words, NW);
    index_free(seg);
    seg = open_ix(f, NULL); /* reopened from the files */
    assert_int_equal(info_of(seg).segments, 1);
    assert_same_hits(fresh, seg, words, NW);
    index_free(seg);
    /* one segment: an optimize has nothing to do */
    seg = open_ix(f, &opt);
    in = info_of(seg);
    assert_false(in.built);
    assert_int_equal(in.segments, 1);
    assert_int_equal(in.merged, 0);
    index_free(seg);
    index_free(fresh);
    free(warnings(f));
}

/* The merge policy (core/index_int.h, SEGMENTS): an update only merges
 * update segments of similar size, never the full build, so 40 small
 * updates leave PATH.idx as it was (same file, same time) and at most
 * 2 + log2(updates) segments; terms that share their first 8 bytes (one
 * key in a segment's block heads, over several dictionary blocks) are
 * found as in a fresh build, and a changed record never by its old
 * text. */
static void small_updates_never_merge_the_full_build(void **state)
{
    struct fx *f = *state;
    static const char *const words[] = {"alloy", "laser",  "weld",
                                        "cast",  "sensor", "drone"};
    enum { NW = 6, NREC = 400, NTIE = 60 };
    rng_state = 5;
    random_records(f, words, NW, NREC);
    index_free(open_ix(f, NULL));
    struct stat st0, st1;
    assert_int_equal(stat(f->idx, &st0), 0);
    char json[256], *ties[NTIE];
    static const char cons[] = "bcdfghjkmnpqrtvwxz"; /* no stems */
    for (int i = 0; i < NTIE; i++) /* kgtieterbb, kgtieterbc, ... */
        ties[i] = kg_xasprintf("kgtieter%c%c", cons[i / 18], cons[i % 18]);
    size_t max_segments = 0, merges = 0;
    for (int round = 0; round < 40; round++) {
        snprintf(json, sizeof json,
                 "{\"id\":\"T%d\",\"title\":\"%s %s\",\"abstract\":"
                 "\"%s\"}",
                 round, ties[round % NTIE], ties[(round + 20) % NTIE],
                 words[rnd(NW)]);
        put(f->s, KG_ACHIEVEMENT, json);
        /* a record's old word is gone from the store */
        snprintf(json, sizeof json, "{\"id\":\"A%d\",\"title\":\"quartz%d\"}",
                 round, round);
        put(f->s, KG_ACHIEVEMENT, json);
        struct index *ix = open_ix(f, NULL);
        struct index_info in = info_of(ix);
        assert_false(in.built);
        assert_int_equal(in.changed, 2);
        merges += in.merged > 0;
        size_t bound = 2;
        for (int r = round + 1; r > 1; r /= 2)
            bound++;
        assert_true(in.segments <= bound);
        max_segments = in.segments > max_segments ? in.segments : max_segments;
        index_free(ix);
        assert_int_equal(stat(f->idx, &st1), 0);
        assert_true(st1.st_ino == st0.st_ino);
        assert_true(st1.st_mtim.tv_sec == st0.st_mtim.tv_sec &&
                    st1.st_mtim.tv_nsec == st0.st_mtim.tv_nsec);
    }
    assert_true(merges > 10);
    assert_true(max_segments >= 2);
    struct index_opts mem = {.in_memory = true};
    struct index *fresh = open_ix(f, &mem);
    struct index *seg = open_ix(f, NULL);
    assert_same_hits(fresh, seg, words, NW);
    assert_same_hits(fresh, seg, (const char *const *)ties, NTIE);
    char *r;
    for (int i = 0; i < NTIE; i++) {
        r = hit_ids(seg, ties[i], 0);
        assert_true(strlen(r) > 0);
        free(r);
    }
    for (int i = 0; i < 40; i++) { /* A0..A39 lost their old words */
        snprintf(json, sizeof json, "quartz%d", i);
        r = hit_ids(seg, json, 0);
        snprintf(json, sizeof json, "2A%d;", i);
        assert_string_equal(r, json);
        free(r);
    }
    index_free(seg);
    index_free(fresh);
    for (int i = 0; i < NTIE; i++)
        free(ties[i]);
    free(warnings(f));
}

/* The image file path, whole (*size bytes; the caller frees), and where
 * its section sec lies (*off, *len). */
static uint8_t *read_image(const char *path, unsigned sec, size_t *size,
                           uint64_t *off, uint64_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *size = (size_t)ftell(fp);
    uint8_t *p = kg_xmalloc(*size);
    rewind(fp);
    assert_int_equal(fread(p, 1, *size, fp), *size);
    fclose(fp);
    uint16_t meta;
    memcpy(&meta, p + 34, 2);
    memcpy(off, p + 36 + meta + 16 * sec, 8);
    memcpy(len, p + 36 + meta + 16 * sec + 8, 8);
    assert_true(*off + *len <= *size);
    return p;
}

/* Fills section sec of image file path with byte v and sets its checksum
 * again: damage that only decoding finds (bit rot under a stamp). */
static void damage_section(const char *path, unsigned sec, uint8_t v)
{
    size_t size;
    uint64_t off, len;
    uint8_t *p = read_image(path, sec, &size, &off, &len);
    assert_true(len > 0);
    memset(p + off, v, len);
    uint64_t sum = image_checksum(p + 32, size - 32, image_checksum(p, 24, 0));
    memcpy(p + 24, &sum, 8);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, size, fp), size);
    fclose(fp);
    free(p);
}

/* The one segment file in f's folder (t.db.idx.FROM-TO). */
static char *segment_file(struct fx *f)
{
    DIR *d = opendir(f->dir);
    struct dirent *e;
    char *path = NULL;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, "t.db.idx.", 9) && strchr(e->d_name, '-'))
            path = kg_xasprintf("%s/%s", f->dir, e->d_name);
    if (d)
        closedir(d);
    assert_non_null(path);
    return path;
}

static void
a_segment_damaged_past_its_checksum_is_named_when_merged(void **state)
{
    struct fx *f = *state;
    static const char *const words[] = {"alloy", "laser", "weld", "cast"};
    rng_state = 5;
    random_records(f, words, 4, 60);
    index_free(open_ix(f, NULL));
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"xenon\"}");
    index_free(open_ix(f, NULL)); /* one segment */
    free(warnings(f));
    char *seg = segment_file(f);
    damage_section(seg, 4 /* S_DICT */, 0xff);
    /* the next update merges the segment with the new one */
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A2\",\"title\":\"krypton\"}");
    struct index *ix = open_ix(f, NULL);
    char *w = warnings(f);
    char *want = kg_xasprintf("index is unusable (segment %s: damaged "
                              "postings found merging)\n",
                              seg);
    assert_string_equal(w, want);
    assert_true(info_of(ix).built);
    char *r = hit_ids(ix, "xenon krypton", 0);
    assert_string_equal(r, "2A1;2A2;");
    free(r);
    index_free(ix);
    free(want);
    free(w);
    free(seg);
}

/* The bytes of section sec of image file path (*len of them; the caller
 * frees). */
static uint8_t *read_section(const char *path, unsigned sec, size_t *len)
{
    size_t size;
    uint64_t off, n;
    uint8_t *p = read_image(path, sec, &size, &off, &n);
    memmove(p, p + off, n);
    *len = n;
    return p;
}

/* Whether the filter f of n bytes lets term t through. */
static bool filter_passes(const uint8_t *f, size_t n, const char *t)
{
    size_t w;
    uint64_t m = ix_filter_bits(text_hash(t, strlen(t)), n / 8 - 1, &w), x;
    memcpy(&x, f + 8 * w, 8);
    return (x & m) == m;
}

static void segment_filters_pass_their_terms_and_stop_most_others(void **state)
{
    struct fx *f = *state;
    static const char *const words[] = {"alloy", "laser", "weld", "cast"};
    static const char cons[] = "bcdfghjkmnpqrtvwxz"; /* no stems */
    enum { NU = 12 };
    rng_state = 3;
    random_records(f, words, 4, 80);
    index_free(open_ix(f, NULL));
    char json[256], term[32];
    for (int i = 0; i < NU; i++) { /* a segment each, merged by the policy */
        snprintf(json, sizeof json,
                 "{\"id\":\"U%d\",\"title\":\"kgfilter%c%c alloy\"}", i,
                 cons[i / 18], cons[i % 18]);
        put(f->s, KG_ACHIEVEMENT, json);
        index_free(open_ix(f, NULL));
    }
    struct index *ix = open_ix(f, NULL);
    assert_true(info_of(ix).segments >= 2);
    for (int i = 0; i < NU; i++) { /* found in its segment, and counted */
        snprintf(term, sizeof term, "kgfilter%c%c", cons[i / 18], cons[i % 18]);
        char *r = hit_ids(ix, term, 0);
        snprintf(json, sizeof json, "2U%d;", i);
        assert_string_equal(r, json);
        free(r);
        size_t c = 0;
        const char *one[] = {term}, *two[] = {term, "alloy"};
        assert_int_equal(index_count_all(ix, one, 1, &c), KG_OK);
        assert_int_equal(c, 1);
        assert_int_equal(index_count_all(ix, two, 2, &c), KG_OK);
        assert_int_equal(c, 1);
    }
    char *r = hit_ids(ix, "kgfilterzz", 0);
    assert_string_equal(r, "");
    free(r);
    index_free(ix);
    /* the full build has no filter; each segment's passes every term it
     * holds and stops most it lacks (16 bits a term: about 1 in 100) */
    size_t n, nseg = 0, passed = 0, tried = 0;
    free(read_section(f->idx, S_FILTER, &n));
    assert_int_equal(n, 0);
    DIR *d = opendir(f->dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (strncmp(e->d_name, "t.db.idx.", 9) || !strchr(e->d_name, '-'))
            continue;
        char *path = kg_xasprintf("%s/%s", f->dir, e->d_name);
        uint8_t *flt = read_section(path, S_FILTER, &n);
        assert_true(n >= 64 && n % 8 == 0 && ((n / 8) & (n / 8 - 1)) == 0);
        assert_true(filter_passes(flt, n, "alloy"));
        for (int i = 0; i < 2000; i++, tried++) {
            snprintf(term, sizeof term, "absent%d", i);
            passed += filter_passes(flt, n, term);
        }
        free(flt);
        free(path);
        nseg++;
    }
    if (d)
        closedir(d);
    assert_true(nseg >= 2);
    assert_true(passed * 20 < tried);
}

static void in_memory_indexes_never_touch_the_file(void **state)
{
    struct fx *f = *state;
    put(f->s, KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"welding\"}");
    struct index_opts o = {.in_memory = true};
    struct index *ix = open_ix(f, &o);
    assert_int_equal(index_doc_count(ix), 1);
    index_free(ix);
    assert_int_equal(access(f->idx, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bm25_scores_match_hand_computed_values),
        cmocka_unit_test(k1_and_b_are_honoured),
        cmocka_unit_test(title_and_keywords_outweigh_the_abstract),
        cmocka_unit_test(equal_scores_sort_by_kind_then_id),
        cmocka_unit_test(top_k_equals_exhaustive_scoring_on_random_corpora),
        cmocka_unit_test(unknown_terms_and_empty_queries_find_nothing),
        cmocka_unit_test(a_huge_k_is_all_the_documents),
        cmocka_unit_test(unordered_hits_are_the_exhaustive_hits),
        cmocka_unit_test(each_hands_over_the_weighted_hits),
        cmocka_unit_test(one_cjk_character_meets_the_bigrams_around_it),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(search_on_an_empty_database_is_empty),
        T(the_file_is_reused_while_current_and_rebuilt_when_stale),
        T(corrupt_or_foreign_files_are_detected_and_rebuilt),
        T(an_unwritable_index_path_falls_back_to_memory),
        T(profiles_carry_the_titles_of_their_items),
        T(in_memory_indexes_never_touch_the_file),
        T(an_update_indexes_only_the_changes_and_never_finds_old_text),
        T(segments_serve_one_char_terms_counts_and_a_huge_k),
        T(a_kept_first_pass_and_more_terms_are_the_whole_query),
        T(many_updates_then_a_rebuild_equal_a_fresh_build),
        T(capped_merges_and_optimize_equal_a_fresh_build),
        T(small_updates_never_merge_the_full_build),
        T(a_segment_damaged_past_its_checksum_is_named_when_merged),
        T(segment_filters_pass_their_terms_and_stop_most_others),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
