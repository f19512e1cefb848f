/* test_index_update.c - the index kept up to date: an update indexes only
 * what changed into a segment and never finds a record's old text; queries
 * (one-character terms, counts, a huge k, a kept first pass and its second)
 * span the segments; merges, their cap and optimize equal a fresh build; a
 * damaged segment is named; segment filters pass their terms. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/image.h"
#include "core/index.h"
#include "core/index_int.h"
#include "tests/unit/index_fixture.h"

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
    char *r = fx_sorted_list(v, n);
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
    free(h);
    return r;
}

/* Asserts that the first n hits of a and b are the same documents with
 * the same scores; frees both. */
static void same_hits(struct index_hit *a, struct index_hit *b, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        assert_string_equal(a[j].id, b[j].id);
        assert_true(a[j].score == b[j].score);
    }
    free(a);
    free(b);
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
        same_hits(ha, hb, nb);
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
        same_hits(ha, hb, na);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
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
