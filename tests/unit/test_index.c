/* test_index.c - the BM25 index: scores against hand-computed values,
 * top-k against exhaustive scoring on random corpora, kinds, profiles,
 * and the file: current, stale, corrupt, unwritable, empty. Updates,
 * segments and merges are test_index_update.c's. */
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

#include "core/index.h"
#include "core/text.h"
#include "tests/unit/index_fixture.h"

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
    /* more documents than a range of the exhaustive search (IX_RANGE,
     * 32,768): its three ranges, the last a short one */
    random_corpus_check(4, 70000, 3000, 6);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
