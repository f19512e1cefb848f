/*
 * test_match.c - the matcher on a small real store: rankings, scores as
 * the sum of their parts, explanations that follow graph edges, aggregation
 * of experts, practical fit, cross-domain marks, text queries, batches and
 * the config file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>

#include "graph/graph_int.h"
#include "graph/match.h"
#include "graph/match_int.h"
#include "tests/unit/fixture.h"

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
    struct graph *g;
    struct match_config c;
};

static void put(struct store *s, kg_kind kind, const char *json)
{
    struct kg_record r;
    char err[256];
    record_init(&r, kind);
    if (record_from_json(&r, json, strlen(json), err, 256) != KG_OK)
        fail_msg("%s: %s", json, err);
    assert_int_equal(store_upsert(s, &r, "test", NULL), KG_OK);
    record_release(&r);
}

static int setup(void **state)
{
    struct fx *f = kg_xcalloc(1, sizeof *f);
    if (fx_dir(f->dir, sizeof f->dir, "kgmatch", f->path, sizeof f->path,
               "t.db") != 0)
        return -1;
    char err[256];
    if (store_open(f->path, STORE_CREATE, &f->s, err, sizeof err) != KG_OK)
        return -1;
    struct store *s = f->s;
    put(s, KG_INSTITUTION,
        "{\"id\":\"I1\",\"name\":\"中南大学\",\"region\":\"山东/滨州\"}");
    put(s, KG_INSTITUTION,
        "{\"id\":\"I2\",\"name\":\"东华大学\",\"region\":\"上海\"}");
    put(s, KG_ENTERPRISE,
        "{\"id\":\"C1\",\"name\":\"博瑞汽车部件\",\"industry\":\"汽车零部件 "
        "automotive parts\",\"region\":\"山东/滨州\"}");
    put(s, KG_EXPERT,
        "{\"id\":\"E1\",\"name\":\"Zhang San\",\"institution\":\"I1\","
        "\"fields\":[\"材料科学与工程\"]}");
    put(s, KG_EXPERT,
        "{\"id\":\"E2\",\"name\":\"Li Si\",\"institution\":\"I2\","
        "\"fields\":[\"纺织科学与工程\"],\"keywords\":[\"textile dyeing\"]}");
    put(s, KG_EXPERT,
        "{\"id\":\"E3\",\"name\":\"Wang Wu\","
        "\"institution\":\"I2\"}");
    put(s, KG_ACHIEVEMENT,
        "{\"id\":\"A1\",\"title\":\"Porosity control in MIG welding of "
        "aluminium alloy subframes\",\"abstract\":\"Pulsed MIG welding with "
        "hydrogen control reduces porosity in aluminium alloy welds of "
        "automotive subframes.\",\"keywords\":[\"MIG welding\",\"porosity\"],"
        "\"fields\":[\"材料科学与工程\"],\"institution\":\"I1\","
        "\"experts\":[\"E1\"],\"year\":2022,\"maturity\":7}");
    put(s, KG_ACHIEVEMENT,
        "{\"id\":\"A2\",\"title\":\"Grain refinement of cast aluminium "
        "alloy\",\"abstract\":\"A master alloy refines the grains of cast "
        "aluminium.\",\"fields\":[\"材料科学与工程\"],\"institution\":\"I1\","
        "\"experts\":[\"E1\"],\"year\":2019}");
    put(s, KG_ACHIEVEMENT,
        "{\"id\":\"A3\",\"title\":\"Reactive dyeing of cotton with low "
        "salt\",\"abstract\":\"Cationic cotton takes up reactive dyes "
        "without salt.\",\"fields\":[\"纺织科学与工程\"],\"institution\":"
        "\"I2\",\"experts\":[\"E2\"],\"year\":2021}");
    put(s, KG_ACHIEVEMENT,
        "{\"id\":\"A4\",\"title\":\"Dyeing wastewater reuse\",\"abstract\":"
        "\"Membranes recover salt and water from dyeing wastewater.\","
        "\"fields\":[\"环境科学与工程\"],\"institution\":\"I2\","
        "\"experts\":[\"E3\"],\"year\":2020}");
    put(s, KG_PATENT,
        "{\"id\":\"P1\",\"title\":\"Welding torch preventing porosity in "
        "aluminium welds\",\"abstract\":\"A gas shield keeps hydrogen out "
        "of the MIG weld pool.\",\"ipc\":[\"B23K 9/173\"],\"applicants\":"
        "[\"I1\",\"C1\"],\"inventors\":[\"E1\"],\"date\":\"2021-03-01\"}");
    put(s, KG_PATENT,
        "{\"id\":\"P2\",\"title\":\"Paint booth ventilation\",\"abstract\":"
        "\"Air flows down through the booth.\",\"ipc\":[\"B05B 16/60\"],"
        "\"applicants\":[\"C1\"],\"date\":\"2020-01-01\"}");
    put(s, KG_DEMAND,
        "{\"id\":\"D1\",\"enterprise\":\"C1\",\"title\":\"Porosity in MIG "
        "welds of aluminium subframes\",\"description\":\"Our robot MIG "
        "welds of aluminium alloy subframes show porosity.\","
        "\"keywords\":[\"MIG welding\",\"porosity\"],\"fields\":"
        "[\"机械工程\"]}");
    put(s, KG_DEMAND,
        "{\"id\":\"D2\",\"title\":\"Low-salt reactive dyeing of cotton\","
        "\"description\":\"Reactive dyeing of cotton needs too much "
        "salt.\",\"fields\":[\"纺织科学与工程\"]}");
    put(s, KG_DEMAND,
        "{\"id\":\"D3\",\"title\":\"Porosity in welded aluminium alloy "
        "frames of looms\",\"description\":\"MIG welds of the aluminium "
        "frames of our looms show "
        "porosity.\",\"fields\":[\"纺织科学与工程\"]}");
    if (graph_open(f->s, &(struct graph_opts){.no_cache = true}, &f->g, err,
                   sizeof err) != KG_OK)
        return -1;
    match_config_default(&f->c);
    /* The tests of the graph part need it for items too (the defaults
     * give items none): the same part weights for every kind. */
    f->c.w_text = 0.75;
    f->c.w_graph = f->c.w_graph_people = 0.15;
    f->c.w_fit = 0.10;
    f->c.threads = 2;
    /* Most tests check the evidence; the calibrated score has its own. */
    f->c.calibrate = false;
    f->c.min_score = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    graph_free(f->g);
    store_close(f->s);
    if (fx_rmdir(f->dir) != 0)
        return -1;
    free(f);
    return 0;
}

static void run(struct fx *f, const char *demand, unsigned kinds, size_t top,
                bool explain, struct match_result *r)
{
    struct matcher *m;
    char err[256];
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    struct match_query q = {.demand = graph_find(f->g, KG_DEMAND, demand),
                            .kinds = kinds,
                            .top = top,
                            .explain = explain};
    assert_int_not_equal(q.demand, GRAPH_NONE);
    assert_int_equal(match_run(m, &q, r), KG_OK);
    match_free(m);
}

static const struct match_hit *first_of(const struct match_result *r,
                                        kg_kind kind)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->hits[i].kind == kind)
            return &r->hits[i];
    return NULL;
}

static const struct match_hit *
find_hit(const struct fx *f, const struct match_result *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(graph_str(f->g, f->g->vid[r->hits[i].v]), id) == 0)
            return &r->hits[i];
    return NULL;
}

static const char *hit_id(const struct fx *f, const struct match_hit *h)
{
    assert_non_null(h);
    return graph_str(f->g, f->g->vid[h->v]);
}

static void ranks_the_relevant_record_of_each_kind_first(void **state)
{
    struct fx *f = *state;
    struct match_result r;
    run(f, "D1", 0, 0, false, &r);
    assert_string_equal(hit_id(f, first_of(&r, KG_ACHIEVEMENT)), "A1");
    assert_string_equal(hit_id(f, first_of(&r, KG_PATENT)), "P1");
    assert_string_equal(hit_id(f, first_of(&r, KG_EXPERT)), "E1");
    assert_string_equal(hit_id(f, first_of(&r, KG_INSTITUTION)), "I1");
    match_result_release(&r);
    run(f, "D2", 0, 0, false, &r);
    assert_string_equal(hit_id(f, first_of(&r, KG_ACHIEVEMENT)), "A3");
    assert_string_equal(hit_id(f, first_of(&r, KG_EXPERT)), "E2");
    assert_string_equal(hit_id(f, first_of(&r, KG_INSTITUTION)), "I2");
    match_result_release(&r);
}

static void scores_are_the_sum_of_their_parts_within_zero_and_one(void **state)
{
    struct fx *f = *state;
    const char *demands[] = {"D1", "D2", "D3"};
    for (int d = 0; d < 3; d++) {
        struct match_result r;
        run(f, demands[d], 0, 0, true, &r);
        assert_true(r.n > 0);
        for (size_t i = 0; i < r.n; i++) {
            const struct match_hit *h = &r.hits[i];
            assert_true(h->score > 0 && h->score <= 1);
            assert_true(h->text >= 0 && h->graph >= 0 && h->fit >= 0);
            assert_float_equal(h->score, h->text + h->graph + h->fit, 1e-12);
            assert_float_equal(h->evidence, h->score, 1e-12);
            assert_true(h->text <= f->c.w_text + 1e-12);
            assert_true(h->graph <= f->c.w_graph + 1e-12);
            assert_true(h->fit <= f->c.w_fit + 1e-12);
            /* sorted by kind, then score */
            if (i > 0 && r.hits[i - 1].kind == h->kind)
                assert_true(r.hits[i - 1].score >= h->score);
        }
        match_result_release(&r);
    }
}

/* The text accumulations in ranges of 1, 2 and 5 records (every range
 * boundary of the fixture's) give every hit of every kind the very values
 * of the one range the fixture's records fit in. */
static void ranges_of_records_change_no_score(void **state)
{
    struct fx *f = *state;
    const char *demands[] = {"D1", "D2", "D3"};
    static const uint32_t ranges[] = {1, 2, 5};
    assert_true(f->g->nrec > 5 && f->g->nrec < MATCH_RANGE);
    for (int d = 0; d < 3; d++) {
        struct matcher *m;
        char err[256];
        assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
        struct match_query q = {.demand =
                                    graph_find(f->g, KG_DEMAND, demands[d])};
        struct match_result want;
        assert_int_equal(match_run(m, &q, &want), KG_OK);
        assert_true(want.n > 0);
        for (size_t k = 0; k < sizeof ranges / sizeof *ranges; k++) {
            struct match_result r;
            match_set_range(m, ranges[k]);
            assert_int_equal(match_run(m, &q, &r), KG_OK);
            assert_int_equal(r.n, want.n);
            for (size_t i = 0; i < r.n; i++) {
                const struct match_hit *a = &r.hits[i], *b = &want.hits[i];
                assert_int_equal(a->v, b->v);
                assert_true(a->score == b->score && a->text == b->text &&
                            a->graph == b->graph &&
                            a->coverage == b->coverage &&
                            a->cosine == b->cosine && a->breadth == b->breadth);
            }
            match_result_release(&r);
        }
        match_set_range(m, 0);
        match_result_release(&want);
        match_free(m);
    }
}

static bool adjacent(const struct graph *g, uint32_t a, uint32_t b)
{
    for (uint64_t i = g->csr.off[a]; i < g->csr.off[a + 1]; i++)
        if (g->csr.adj[i] == b)
            return true;
    return false;
}

static bool has_term(const struct graph *g, uint32_t v, uint32_t t)
{
    for (uint64_t i = g->vec_off[v]; i < g->vec_off[v + 1]; i++)
        if (g->vec_term[i] == t)
            return true;
    return false;
}

static uint32_t step_vertex(const struct graph *g, const struct match_step *s)
{
    if (strcmp(s->kind, "concept") == 0)
        return graph_find(g, GRAPH_CONCEPT, s->id);
    kg_kind k;
    if (record_kind_parse(s->kind, &k) != KG_OK)
        return GRAPH_NONE;
    return graph_find(g, k, s->id);
}

static void explanations_follow_graph_edges_from_demand_to_hit(void **state)
{
    struct fx *f = *state;
    struct match_result r;
    run(f, "D1", 0, 0, true, &r);
    for (size_t i = 0; i < r.n; i++) {
        const struct match_hit *h = &r.hits[i];
        assert_true(h->npath >= 2 && h->npath <= MATCH_MAX_PATH);
        assert_string_equal(h->path[0].kind, "demand");
        assert_string_equal(h->path[0].id, "D1");
        const struct match_step *last = &h->path[h->npath - 1];
        assert_string_equal(last->kind, record_kind_name(h->kind));
        assert_string_equal(last->id, hit_id(f, h));
        /* Every step is a vertex next to the one before it, or a term in
         * the vectors of both its neighbours. */
        uint32_t prev = graph_find(f->g, KG_DEMAND, "D1");
        for (size_t j = 1; j < h->npath; j++) {
            uint32_t v = step_vertex(f->g, &h->path[j]);
            if (v == GRAPH_NONE) {
                assert_string_equal(h->path[j].kind, "concept");
                uint32_t t =
                    graph_term_find(f->g, h->path[j].id, strlen(h->path[j].id));
                uint32_t next = step_vertex(f->g, &h->path[j + 1]);
                assert_true(has_term(f->g, prev, t));
                assert_true(has_term(f->g, next, t));
                prev = next;
                j++;
                continue;
            }
            if (!adjacent(f->g, prev, v))
                fail_msg("%s: step %zu (%s %s) is not next to step %zu",
                         hit_id(f, h), j, h->path[j].kind, h->path[j].id,
                         j - 1);
            prev = v;
        }
        if (h->text > 0 && h->kind == KG_ACHIEVEMENT)
            assert_true(h->nconcepts > 0);
    }
    const struct match_hit *a1 = find_hit(f, &r, "A1");
    bool porosity = false;
    for (size_t i = 0; i < a1->nconcepts; i++)
        porosity |= strcmp(a1->concepts[i], "porosity") == 0;
    assert_true(porosity);
    /* demand -> concept -> item -> expert */
    const struct match_hit *e1 = find_hit(f, &r, "E1");
    assert_int_equal(e1->npath, 4);
    assert_string_equal(e1->path[1].kind, "concept");
    /* ... -> institution at the end */
    const struct match_hit *i1 = find_hit(f, &r, "I1");
    assert_string_equal(i1->path[i1->npath - 1].label, "中南大学");
    match_result_release(&r);
}

static void reaches_the_enterprises_own_patent_through_the_graph(void **state)
{
    struct fx *f = *state;
    struct match_result r;
    run(f, "D1", KG_KIND_BIT(KG_PATENT), 0, true, &r);
    const struct match_hit *p2 = find_hit(f, &r, "P2");
    assert_non_null(p2);
    assert_true(p2->graph > 0);
    bool via_c1 = false;
    for (size_t j = 0; j < p2->npath; j++)
        via_c1 |= strcmp(p2->path[j].id, "C1") == 0;
    assert_true(via_c1);
    match_result_release(&r);
}

static void a_tied_nearby_institution_fits_better(void **state)
{
    struct fx *f = *state;
    struct match_result r;
    run(f, "D1", KG_KIND_BIT(KG_INSTITUTION), 0, false, &r);
    const struct match_hit *i1 = find_hit(f, &r, "I1"),
                           *i2 = find_hit(f, &r, "I2");
    assert_non_null(i1);
    assert_non_null(i2);
    /* I1: same city and a co-owned patent; I2: elsewhere, no tie. */
    assert_float_equal(i1->fit, f->c.w_fit, 1e-12);
    double want =
        f->c.w_fit * (0.2 * f->c.fit_region) / (f->c.fit_region + f->c.fit_tie);
    assert_float_equal(i2->fit, want, 1e-12);
    match_result_release(&r);
}

/* The z-score behind a squashed, weighted part. */
static double unsquash(const struct match_config *c, double part)
{
    double p = part / c->w_text;
    return c->squash_center + c->squash_scale * log(p / (1 - p));
}

static void experts_aggregate_their_items_as_configured(void **state)
{
    struct fx *f = *state;
    f->c.expert_agg = MATCH_AGG_MAX;
    struct match_result r;
    run(f, "D1", 0, 0, false, &r);
    double a1 = find_hit(f, &r, "A1")->text, a2 = find_hit(f, &r, "A2")->text;
    double p1 = find_hit(f, &r, "P1")->text, e1 = find_hit(f, &r, "E1")->text;
    assert_true(a2 > 0);
    assert_float_equal(e1, fmax(a1, fmax(a2, p1)), 1e-12);
    match_result_release(&r);
    f->c.expert_agg = MATCH_AGG_MEAN;
    run(f, "D1", 0, 0, false, &r);
    double z = (unsquash(&f->c, find_hit(f, &r, "A1")->text) +
                unsquash(&f->c, find_hit(f, &r, "A2")->text) +
                unsquash(&f->c, find_hit(f, &r, "P1")->text)) /
               3;
    assert_float_equal(unsquash(&f->c, find_hit(f, &r, "E1")->text), z, 1e-6);
    match_result_release(&r);
}

/* The people's sums from the items with evidence (the others counted in
 * by kind at their common z: match_people.c) give what member-by-member
 * aggregation gives: the mean against the best k of more than every
 * member (expert.aggregate topk), an institution's best 64 against its
 * best 65 (past the summed path's limit), for text and graph parts. */
static void people_sums_agree_with_member_by_member(void **state)
{
    struct fx *f = *state;
    /* items no need shares a word with: E1's and I1's without evidence */
    put(f->s, KG_ACHIEVEMENT,
        "{\"id\":\"A5\",\"title\":\"Honey harvest from beehives\","
        "\"institution\":\"I1\",\"experts\":[\"E1\"],\"year\":2018}");
    put(f->s, KG_PATENT,
        "{\"id\":\"P3\",\"title\":\"Queen bee cage\",\"applicants\":"
        "[\"I1\"],\"inventors\":[\"E1\"],\"date\":\"2017-05-01\"}");
    graph_free(f->g);
    char err[256];
    assert_int_equal(graph_open(f->s, &(struct graph_opts){.no_cache = true},
                                &f->g, err, sizeof err),
                     KG_OK);
    f->c.w_bm25 = 0; /* the cosine alone: few items with evidence */
    f->c.expand = 0;
    static const char *const demands[] = {"D1", "D2", "D3"};
    for (size_t d = 0; d < 3; d++) {
        struct match_result a, b;
        f->c.expert_agg = MATCH_AGG_MEAN;
        f->c.institution_k = 64;
        run(f, demands[d], 0, 0, false, &a);
        f->c.expert_agg = MATCH_AGG_TOPK;
        f->c.expert_k = 64;
        f->c.institution_k = 65;
        run(f, demands[d], 0, 0, false, &b);
        size_t people = 0;
        for (size_t i = 0; i < a.n; i++) {
            if (a.hits[i].kind != KG_EXPERT && a.hits[i].kind != KG_INSTITUTION)
                continue;
            const struct match_hit *h = find_hit(f, &b, hit_id(f, &a.hits[i]));
            assert_non_null(h);
            assert_float_equal(a.hits[i].text, h->text, 1e-12);
            assert_float_equal(a.hits[i].graph, h->graph, 1e-12);
            people++;
        }
        assert_true(people > 0);
        match_result_release(&a);
        match_result_release(&b);
    }
}

static void marks_high_scoring_pairs_across_domains(void **state)
{
    struct fx *f = *state;
    f->c.cross_min = 0;
    f->c.cross_cosine = 0;
    struct match_result r;
    run(f, "D3", KG_KIND_BIT(KG_ACHIEVEMENT), 0, false, &r);
    assert_string_equal(hit_id(f, &r.hits[0]), "A1");
    assert_true(r.hits[0].cross_domain); /* textiles demand, materials item */
    const struct match_hit *a3 = find_hit(f, &r, "A3");
    assert_non_null(a3);
    assert_false(a3->cross_domain); /* both textiles */
    match_result_release(&r);

    struct matcher *m;
    char err[256];
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    struct match_query q = {.demand = graph_find(f->g, KG_DEMAND, "D3"),
                            .cross_only = true};
    assert_int_equal(match_run(m, &q, &r), KG_OK);
    assert_true(r.n > 0);
    for (size_t i = 0; i < r.n; i++)
        assert_true(r.hits[i].cross_domain);
    match_result_release(&r);
    /* Too low a score, or too little text behind it, is no cross-domain
     * pairing. */
    f->c.cross_min = 1.0;
    match_free(m);
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    assert_int_equal(match_run(m, &q, &r), KG_OK);
    assert_int_equal(r.n, 0);
    match_result_release(&r);
    f->c.cross_min = 0;
    f->c.cross_cosine = 1.0;
    match_free(m);
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    assert_int_equal(match_run(m, &q, &r), KG_OK);
    assert_int_equal(r.n, 0);
    match_result_release(&r);
    match_free(m);
}

static void top_limits_each_kind_and_zero_keeps_every_candidate(void **state)
{
    struct fx *f = *state;
    struct match_result all, one;
    run(f, "D1", 0, 0, false, &all);
    run(f, "D1", 0, 1, false, &one);
    size_t per[KG_KIND_COUNT] = {0};
    for (size_t i = 0; i < one.n; i++)
        per[one.hits[i].kind]++;
    assert_int_equal(per[KG_ACHIEVEMENT], 1);
    assert_int_equal(per[KG_EXPERT], 1);
    assert_true(all.n > one.n);
    assert_int_equal(one.n, 4);
    assert_int_equal(first_of(&all, KG_EXPERT)->v,
                     first_of(&one, KG_EXPERT)->v);
    match_result_release(&all);
    match_result_release(&one);
    run(f, "D1", KG_KIND_BIT(KG_EXPERT), 0, false, &all);
    for (size_t i = 0; i < all.n; i++)
        assert_int_equal(all.hits[i].kind, KG_EXPERT);
    match_result_release(&all);
}

static void free_text_finds_what_the_demand_finds(void **state)
{
    struct fx *f = *state;
    struct matcher *m;
    char err[256];
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    struct match_query q = {.demand = GRAPH_NONE,
                            .text = "porosity of MIG welded aluminium alloy",
                            .kinds = KG_KIND_BIT(KG_ACHIEVEMENT),
                            .explain = true};
    struct match_result r;
    assert_int_equal(match_run(m, &q, &r), KG_OK);
    assert_true(r.n > 0);
    assert_string_equal(hit_id(f, &r.hits[0]), "A1");
    assert_string_equal(r.hits[0].path[0].kind, "text");
    match_result_release(&r);
    q.text = "qqqq zzzz"; /* no known term: no text evidence at all */
    assert_int_equal(match_run(m, &q, &r), KG_OK);
    assert_int_equal(r.n, 0);
    match_result_release(&r);
    q.demand = graph_find(f->g, KG_EXPERT, "E1");
    assert_int_equal(match_run(m, &q, &r), KG_EUSAGE);
    match_free(m);
}

struct collected {
    struct fx *f;
    size_t calls;
    char first[3][16];
    double score[3]; /* the first achievement's */
};

static bool collect(size_t i, const struct match_result *r, void *ctx)
{
    struct collected *c = ctx;
    assert_int_equal(i, c->calls);
    c->calls++;
    const struct match_hit *a = first_of(r, KG_ACHIEVEMENT);
    snprintf(c->first[i], sizeof c->first[i], "%s",
             a ? graph_str(c->f->g, c->f->g->vid[a->v]) : "-");
    c->score[i] = a ? a->score : -1;
    return true;
}

/* Queries of the three demands ids[0..3), the top 3 of each kind. */
static void demand_queries(struct fx *f, const char *const ids[3],
                           struct match_query qs[3])
{
    for (int i = 0; i < 3; i++)
        qs[i] = (struct match_query){
            .demand = graph_find(f->g, KG_DEMAND, ids[i]), .top = 3};
}

static void batches_answer_in_query_order_like_single_runs(void **state)
{
    struct fx *f = *state;
    const char *const ids[] = {"D1", "D2", "D3"};
    struct match_query qs[3];
    demand_queries(f, ids, qs);
    struct collected c = {.f = f};
    char err[256];
    assert_int_equal(
        match_batch(f->g, &f->c, NULL, qs, 3, collect, &c, err, sizeof err),
        KG_OK);
    assert_int_equal(c.calls, 3);
    for (int i = 0; i < 3; i++) {
        struct match_result r;
        run(f, ids[i], 0, 3, false, &r);
        assert_string_equal(c.first[i],
                            hit_id(f, first_of(&r, KG_ACHIEVEMENT)));
        match_result_release(&r);
    }
}

/* Matchers the caller keeps (a night's slices) answer a second batch as
 * fresh ones do, in query order, whatever the first batch left in them;
 * more matchers than queries leave the rest unused. */
static void kept_matchers_answer_batch_after_batch(void **state)
{
    struct fx *f = *state;
    const char *const ids[] = {"D3", "D1", "D2"};
    struct match_query qs[3];
    demand_queries(f, ids, qs);
    struct matcher *ms[2];
    char err[256];
    for (int t = 0; t < 2; t++)
        assert_int_equal(match_new(f->g, &f->c, &ms[t], err, sizeof err),
                         KG_OK);
    struct collected fresh = {.f = f}, one = {.f = f}, two = {.f = f};
    assert_int_equal(
        match_batch(f->g, &f->c, NULL, qs, 3, collect, &fresh, err, sizeof err),
        KG_OK);
    assert_int_equal(
        match_batch_on(ms, 2, NULL, qs + 2, 1, collect, &one, err, sizeof err),
        KG_OK);
    assert_int_equal(one.calls, 1);
    assert_string_equal(one.first[0], fresh.first[2]);
    assert_int_equal(
        match_batch_on(ms, 2, NULL, qs, 3, collect, &two, err, sizeof err),
        KG_OK);
    assert_int_equal(two.calls, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(two.first[i], fresh.first[i]);
    for (int t = 0; t < 2; t++)
        match_free(ms[t]);
}

/* A kept matcher that a batch gives no index scores without one, as a
 * fresh matcher does, whatever index an earlier batch gave it. */
static void kept_matchers_drop_an_earlier_batchs_index(void **state)
{
    struct fx *f = *state;
    struct index *ix;
    char err[256];
    assert_int_equal(index_open(f->s, NULL, &ix, err, sizeof err), KG_OK);
    f->c.w_bm25 = 1; /* text relevance from BM25 alone */
    f->c.rm3_docs = 0;
    struct match_query q = {.demand = graph_find(f->g, KG_DEMAND, "D1"),
                            .kinds = KG_KIND_BIT(KG_ACHIEVEMENT),
                            .top = 3,
                            .bm25_text =
                                "Porosity in MIG welds of aluminium subframes"};
    struct matcher *m;
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    struct index *const one[] = {ix};
    struct match_indexes ixs = {one, 1};
    struct collected with = {.f = f}, without = {.f = f}, fresh = {.f = f};
    assert_int_equal(
        match_batch_on(&m, 1, &ixs, &q, 1, collect, &with, err, sizeof err),
        KG_OK);
    assert_int_equal(
        match_batch_on(&m, 1, NULL, &q, 1, collect, &without, err, sizeof err),
        KG_OK);
    assert_int_equal(
        match_batch(f->g, &f->c, NULL, &q, 1, collect, &fresh, err, sizeof err),
        KG_OK);
    assert_true(with.score[0] != fresh.score[0]); /* the index counts */
    assert_string_equal(without.first[0], fresh.first[0]);
    assert_float_equal(without.score[0], fresh.score[0], 0);
    match_free(m);
    index_free(ix);
}

/* The four achievements' BM25 in hits[0..n) (0 where missing) into bm,
 * their mean and standard deviation into *mu, *sd; frees hits. */
static const char *const ACH_IDS[] = {"A1", "A2", "A3", "A4"};
static void bm25_by_hand(struct index_hit *hits, size_t n, double bm[4],
                         double *mu, double *sd)
{
    double s = 0, ss = 0;
    for (int i = 0; i < 4; i++) {
        bm[i] = 0;
        for (size_t j = 0; j < n; j++)
            if (strcmp(hits[j].id, ACH_IDS[i]) == 0)
                bm[i] = hits[j].score;
        s += bm[i];
        ss += bm[i] * bm[i];
    }
    free(hits);
    *mu = s / 4;
    *sd = sqrt(ss / 4 - *mu * *mu);
}

static void bm25_share_comes_from_the_index(void **state)
{
    struct fx *f = *state;
    struct index *ix;
    char err[256];
    assert_int_equal(index_open(f->s, NULL, &ix, err, sizeof err), KG_OK);
    const char *text = "Porosity in MIG welds of aluminium subframes";
    /* The z-scores of BM25 over the achievements, by hand. */
    struct index_hit *hits;
    size_t n;
    assert_int_equal(
        index_search(ix, text, KG_KIND_BIT(KG_ACHIEVEMENT), 0, &hits, &n),
        KG_OK);
    const char *const *ids = ACH_IDS;
    double bm[4], mu, sd;
    bm25_by_hand(hits, n, bm, &mu, &sd);
    assert_true(bm[0] > 0 && sd > 0);

    f->c.w_bm25 = 1;   /* text relevance from BM25 alone */
    f->c.rm3_docs = 0; /* ... of the need as given */
    struct matcher *m;
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    match_set_index(m, ix);
    struct match_query q = {.demand = graph_find(f->g, KG_DEMAND, "D1"),
                            .kinds = KG_KIND_BIT(KG_ACHIEVEMENT),
                            .bm25_text = text};
    struct match_result r;
    /* twice: the second time the matcher knows the hits' vertices */
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(match_run(m, &q, &r), KG_OK);
        assert_string_equal(hit_id(f, &r.hits[0]), "A1");
        for (int i = 0; i < 4; i++) {
            const struct match_hit *h = find_hit(f, &r, ids[i]);
            if (!h || h->text == 0)
                continue;
            assert_float_equal(unsquash(&f->c, h->text), (bm[i] - mu) / sd,
                               1e-6);
        }
        match_result_release(&r);
    }
    match_free(m);
    index_free(ix);
}

/* text.bm25_k3 and text.bm25_idf: the need's words go to the index one by
 * one, a repeated word's count saturated, each weighted by its rarity. */
static void bm25_weighs_the_needs_words_one_by_one(void **state)
{
    struct fx *f = *state;
    struct index *ix;
    char err[256];
    assert_int_equal(index_open(f->s, NULL, &ix, err, sizeof err), KG_OK);
    const char *text = "porosity porosity porosity porosity dyeing";
    f->c.w_bm25 = 1;
    f->c.rm3_docs = 0;
    f->c.bm25_k3 = 1; /* four times counts 2 * 4 / 5 = 1.6 */
    f->c.bm25_idf = 2;
    double idf_p = graph_idf(f->g, graph_term_find(f->g, "poros", 5));
    double idf_d = graph_idf(f->g, graph_term_find(f->g, "dye", 3));
    double top = idf_p > idf_d ? idf_p : idf_d;
    struct index_wterm wq[] = {
        {"porosity", 1.6 * pow(idf_p / top, 2)},
        {"dyeing", pow(idf_d / top, 2)},
    };
    struct index_hit *hits;
    size_t n;
    assert_int_equal(index_search_weighted(
                         ix, wq, 2, KG_KIND_BIT(KG_ACHIEVEMENT), 0, &hits, &n),
                     KG_OK);
    const char *const *ids = ACH_IDS;
    double bm[4], mu, sd;
    bm25_by_hand(hits, n, bm, &mu, &sd);
    assert_true(bm[0] > 0 && bm[2] > 0 && sd > 0);
    struct matcher *m;
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    match_set_index(m, ix);
    struct match_query q = {.demand = GRAPH_NONE,
                            .text = text,
                            .kinds = KG_KIND_BIT(KG_ACHIEVEMENT)};
    struct match_result r;
    assert_int_equal(match_run(m, &q, &r), KG_OK);
    int seen = 0;
    for (int i = 0; i < 4; i++) {
        const struct match_hit *h = find_hit(f, &r, ids[i]);
        if (!h || h->text == 0)
            continue;
        assert_float_equal(unsquash(&f->c, h->text), (bm[i] - mu) / sd, 1e-6);
        seen++;
    }
    assert_true(seen >= 2);
    match_result_release(&r);
    match_free(m);
    index_free(ix);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void calibrated_score_is_the_logistic_of_the_evidence(void **state)
{
    struct fx *f = *state;
    f->c.calibrate = true;
    f->c.cal_bias = -3;
    f->c.cal_rank = 2;
    f->c.cal_coverage = 1.5;
    f->c.cal_cosine = 0.5;
    f->c.cal_joint = 0.25;
    f->c.cal_need = 0.75;
    f->c.cal_length = 0.5;
    f->c.cal_expert = 1.25;
    struct match_result r;
    run(f, "D1", 0, 0, false, &r);
    assert_true(r.n > 0);
    assert_true(r.hits[0].need_length > 0);
    for (size_t i = 0; i < r.n; i++) {
        const struct match_hit *h = &r.hits[i];
        double x = -3 + 2 * h->evidence + 1.5 * h->coverage + 0.5 * h->cosine +
                   0.25 * h->evidence * h->coverage +
                   (h->kind != KG_EXPERT
                        ? 0.75 * h->need_breadth + 0.5 * h->need_length
                        : 1.25);
        assert_float_equal(h->need_breadth, r.hits[0].need_breadth, 1e-12);
        assert_float_equal(h->need_length, r.hits[0].need_length, 1e-12);
        assert_true(h->breadth >= 0 && h->breadth <= h->coverage + 1e-9);
        if (h->kind == KG_ACHIEVEMENT || h->kind == KG_PATENT)
            assert_true(h->breadth <= h->need_breadth + 1e-12);
        /* the evidence orders; a score is the estimate, held just under
         * the score above it when the estimate would rise down the list */
        bool first = i == 0 || r.hits[i - 1].kind != h->kind;
        if (first)
            assert_float_equal(h->score, 1 / (1 + exp(-x)), 1e-12);
        else
            assert_true(h->score <= 1 / (1 + exp(-x)) + 1e-12 &&
                        r.hits[i - 1].evidence >= h->evidence &&
                        h->score < r.hits[i - 1].score);
        assert_float_equal(h->evidence, h->text + h->graph + h->fit, 1e-12);
        assert_true(h->coverage >= 0 && h->coverage <= 1 + 1e-9);
        assert_true(h->cosine >= 0 && h->cosine <= 1 + 1e-9);
        if (i > 0 && r.hits[i - 1].kind == h->kind)
            assert_true(r.hits[i - 1].score >= h->score);
    }
    /* The relevant item holds more of the demand's terms than the others. */
    const struct match_hit *a1 = find_hit(f, &r, "A1");
    assert_non_null(a1);
    assert_true(a1->coverage > 0);
    match_result_release(&r);
}

/* The need's breadth moves every candidate of a need alike: the level,
 * not the order. */
static void need_breadth_sets_the_level_not_the_order(void **state)
{
    struct fx *f = *state;
    f->c.calibrate = true;
    f->c.cal_need = 0;
    struct match_result a, b;
    run(f, "D1", KG_KIND_BIT(KG_ACHIEVEMENT), 0, false, &a);
    f->c.cal_need = 3;
    run(f, "D1", KG_KIND_BIT(KG_ACHIEVEMENT), 0, false, &b);
    assert_true(a.n >= 2);
    assert_int_equal(a.n, b.n);
    assert_true(a.hits[0].need_breadth > 0);
    double shift = 3 * a.hits[0].need_breadth;
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(a.hits[i].v, b.hits[i].v);
        double la = log(a.hits[i].score / (1 - a.hits[i].score));
        double lb = log(b.hits[i].score / (1 - b.hits[i].score));
        /* the first exactly; those below may be held under the one above
         * them (by the same rule in both runs), so they rise no less */
        if (i == 0)
            assert_float_equal(lb - la, shift, 1e-6);
        else
            assert_true(lb >= la - 1e-9);
    }
    match_result_release(&a);
    match_result_release(&b);
}

/* Words of a free-text need that no record holds count against its
 * coverage and cosine (absolute evidence) but leave the order alone. */
static void unknown_words_lower_the_absolute_evidence_of_text(void **state)
{
    struct fx *f = *state;
    struct matcher *m;
    char err[256];
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    struct match_query q = {.demand = GRAPH_NONE,
                            .text = "porosity of aluminium welds",
                            .kinds = KG_KIND_BIT(KG_ACHIEVEMENT)};
    struct match_result a, b;
    assert_int_equal(match_run(m, &q, &a), KG_OK);
    q.text = "porosity of aluminium welds zyxqv wqkpz";
    assert_int_equal(match_run(m, &q, &b), KG_OK);
    assert_true(a.n > 0);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_int_equal(a.hits[i].v, b.hits[i].v);
        if (a.hits[i].coverage > 0) {
            assert_true(b.hits[i].coverage < a.hits[i].coverage);
            assert_true(b.hits[i].cosine < a.hits[i].cosine);
        }
    }
    match_free(m);
    match_result_release(&a);
    match_result_release(&b);
}

static void min_score_leaves_out_weak_hits_and_can_leave_none(void **state)
{
    struct fx *f = *state;
    struct match_result all, some, none;
    run(f, "D1", KG_KIND_BIT(KG_ACHIEVEMENT), 0, false, &all);
    assert_true(all.n >= 2);
    double cut = (all.hits[0].score + all.hits[all.n - 1].score) / 2;
    f->c.min_score = cut;
    run(f, "D1", KG_KIND_BIT(KG_ACHIEVEMENT), 0, false, &some);
    assert_true(some.n > 0 && some.n < all.n);
    for (size_t i = 0; i < some.n; i++)
        assert_true(some.hits[i].score >= cut);
    /* The query's own bound overrides the config's. */
    struct matcher *m;
    char err[256];
    assert_int_equal(match_new(f->g, &f->c, &m, err, sizeof err), KG_OK);
    struct match_query q = {.demand = graph_find(f->g, KG_DEMAND, "D1"),
                            .kinds = KG_KIND_BIT(KG_ACHIEVEMENT),
                            .min_score_set = true,
                            .min_score = 1};
    assert_int_equal(match_run(m, &q, &none), KG_OK);
    assert_int_equal(none.n, 0);
    match_free(m);
    match_result_release(&all);
    match_result_release(&some);
    match_result_release(&none);
}

static void cross_domain_mark_needs_the_calibrated_threshold(void **state)
{
    struct fx *f = *state;
    f->c.calibrate = true;
    f->c.cross_cosine = 0;
    f->c.cross_min = 0;
    f->c.cross_breadth = 0;
    struct match_result r;
    run(f, "D3", KG_KIND_BIT(KG_ACHIEVEMENT), 0, false, &r);
    const struct match_hit *a1 = find_hit(f, &r, "A1");
    assert_non_null(a1);
    assert_true(a1->cross_domain); /* textiles demand, materials item */
    double s = a1->score, br = a1->breadth;
    assert_true(br > 0); /* porosity, welds, aluminium: several words */
    match_result_release(&r);
    f->c.cross_min = s + 1e-9; /* just above: no mark */
    run(f, "D3", KG_KIND_BIT(KG_ACHIEVEMENT), 0, false, &r);
    a1 = find_hit(f, &r, "A1");
    assert_non_null(a1);
    assert_false(a1->cross_domain);
    match_result_release(&r);
    f->c.cross_min = 0; /* evidence beyond one word is needed too */
    f->c.cross_breadth = br + 1e-9;
    run(f, "D3", KG_KIND_BIT(KG_ACHIEVEMENT), 0, false, &r);
    a1 = find_hit(f, &r, "A1");
    assert_non_null(a1);
    assert_false(a1->cross_domain);
    match_result_release(&r);
}

static void config_file_sets_keys_and_normalizes_weights(void **state)
{
    struct fx *f = *state;
    char path[160], err[256];
    snprintf(path, sizeof path, "%s/m.conf", f->dir);
    write_file(path, "# test\nweight.text = 2\nweight.graph=1\n"
                     "weight.fit = 1 # trailing\nexpert.aggregate = topk\n"
                     "expert.k = 5\nppr.degree_normalize = no\n\n");
    struct match_config c;
    match_config_default(&c);
    assert_int_equal(match_config_load(&c, path, err, sizeof err), KG_OK);
    assert_float_equal(c.w_text, 0.5, 1e-12);
    assert_float_equal(c.w_graph, 0.25, 1e-12);
    assert_float_equal(c.w_fit, 0.25, 1e-12);
    assert_int_equal(c.expert_agg, MATCH_AGG_TOPK);
    assert_int_equal(c.expert_k, 5);
    assert_false(c.ppr_degree_normalize);

    write_file(path, "weight.text = 1\nno.such.key = 3\n");
    assert_int_equal(match_config_load(&c, path, err, sizeof err), KG_EINPUT);
    assert_non_null(strstr(err, "m.conf:2: no.such.key: unknown key"));
    write_file(path, "ppr.damping = 1.5\n");
    assert_int_equal(match_config_load(&c, path, err, sizeof err), KG_EINPUT);
    assert_non_null(strstr(err, ":1: ppr.damping"));
    write_file(path, "weight.text\n");
    assert_int_equal(match_config_load(&c, path, err, sizeof err), KG_EINPUT);
    write_file(path, "weight.text=0\nweight.graph=0\nweight.fit=0\n");
    assert_int_equal(match_config_load(&c, path, err, sizeof err), KG_EINPUT);
    snprintf(path, sizeof path, "%s/missing.conf", f->dir);
    assert_int_equal(match_config_load(&c, path, err, sizeof err),
                     KG_ENOTFOUND);
}

static void shipped_config_spells_out_the_defaults(void **state)
{
    (void)state;
    struct match_config def, file;
    char err[256];
    match_config_default(&def);
    match_config_default(&file);
    /* Start from other values, so every default must come from the file. */
    file.w_text = file.w_graph = file.w_fit = 1;
    file.expand = file.squash_center = file.squash_scale = 7;
    file.expand_items = file.expand_terms = 7;
    file.w_bm25 = 0.7;
    file.w_bm25_people = file.w_graph_people = 0.7;
    file.rm3_docs = file.rm3_terms = 7;
    file.rm3_weight = file.rm3_temp = 0.7;
    file.rm3_idf = file.bm25_k1 = file.bm25_b = file.bm25_k3 = 0.7;
    file.bm25_idf = 0.7;
    file.ppr_damping = 0.5;
    file.ppr_eps = 0.5;
    file.ppr_enterprise = 0.5;
    file.ppr_ipc = 0.5;
    file.ppr_degree_normalize = !def.ppr_degree_normalize;
    file.fit_maturity = file.fit_recency = file.fit_region = 9;
    file.fit_tie = file.fit_halflife = 9;
    file.expert_agg = MATCH_AGG_SUMK;
    file.expert_k = file.institution_k = 9;
    file.cross_min = file.cross_cosine = file.cross_breadth = 0.99;
    file.threads = 9;
    file.calibrate = !def.calibrate;
    file.cal_bias = file.cal_rank = file.cal_coverage = file.cal_cosine = 9;
    file.cal_joint = file.cal_need = 9;
    file.expand_bm25 = !def.expand_bm25;
    file.min_score = 0.99;
    kg_status st =
        match_config_load(&file, "datasets/match.conf", err, sizeof err);
    if (st != KG_OK)
        fail_msg("%s", err);
    assert_float_equal(def.w_text, file.w_text, 1e-12);
    assert_float_equal(def.w_graph, file.w_graph, 1e-12);
    assert_float_equal(def.w_fit, file.w_fit, 1e-12);
    assert_true(def.expand == file.expand);
    assert_true(def.w_bm25 == file.w_bm25);
    assert_true(def.w_bm25_people == file.w_bm25_people);
    assert_float_equal(def.w_graph_people, file.w_graph_people, 1e-12);
    assert_int_equal(def.rm3_docs, file.rm3_docs);
    assert_int_equal(def.rm3_terms, file.rm3_terms);
    assert_true(def.rm3_weight == file.rm3_weight);
    assert_true(def.rm3_temp == file.rm3_temp);
    assert_true(def.rm3_idf == file.rm3_idf);
    assert_true(def.bm25_k1 == file.bm25_k1);
    assert_true(def.bm25_b == file.bm25_b);
    assert_true(def.bm25_k3 == file.bm25_k3);
    assert_true(def.bm25_idf == file.bm25_idf);
    assert_int_equal(def.expand_items, file.expand_items);
    assert_int_equal(def.expand_terms, file.expand_terms);
    assert_true(def.squash_center == file.squash_center);
    assert_true(def.squash_scale == file.squash_scale);
    assert_true(def.ppr_damping == file.ppr_damping);
    assert_true(def.ppr_eps == file.ppr_eps);
    assert_true(def.ppr_enterprise == file.ppr_enterprise);
    assert_true(def.ppr_ipc == file.ppr_ipc);
    assert_int_equal(def.ppr_degree_normalize, file.ppr_degree_normalize);
    assert_true(def.fit_maturity == file.fit_maturity);
    assert_true(def.fit_recency == file.fit_recency);
    assert_true(def.fit_region == file.fit_region);
    assert_true(def.fit_tie == file.fit_tie);
    assert_true(def.fit_halflife == file.fit_halflife);
    assert_int_equal(def.expert_agg, file.expert_agg);
    assert_int_equal(def.expert_k, file.expert_k);
    assert_int_equal(def.institution_k, file.institution_k);
    assert_true(def.cross_min == file.cross_min);
    assert_true(def.cross_cosine == file.cross_cosine);
    assert_true(def.cross_breadth == file.cross_breadth);
    assert_int_equal(def.threads, file.threads);
    assert_int_equal(def.calibrate, file.calibrate);
    assert_true(def.cal_bias == file.cal_bias);
    assert_true(def.cal_rank == file.cal_rank);
    assert_true(def.cal_coverage == file.cal_coverage);
    assert_true(def.cal_cosine == file.cal_cosine);
    assert_true(def.cal_joint == file.cal_joint);
    assert_true(def.cal_need == file.cal_need);
    assert_int_equal(def.expand_bm25, file.expand_bm25);
    assert_true(def.min_score == file.min_score);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(ranks_the_relevant_record_of_each_kind_first),
        T(scores_are_the_sum_of_their_parts_within_zero_and_one),
        T(ranges_of_records_change_no_score),
        T(explanations_follow_graph_edges_from_demand_to_hit),
        T(reaches_the_enterprises_own_patent_through_the_graph),
        T(a_tied_nearby_institution_fits_better),
        T(experts_aggregate_their_items_as_configured),
        T(people_sums_agree_with_member_by_member),
        T(marks_high_scoring_pairs_across_domains),
        T(top_limits_each_kind_and_zero_keeps_every_candidate),
        T(free_text_finds_what_the_demand_finds),
        T(batches_answer_in_query_order_like_single_runs),
        T(kept_matchers_answer_batch_after_batch),
        T(kept_matchers_drop_an_earlier_batchs_index),
        T(bm25_share_comes_from_the_index),
        T(bm25_weighs_the_needs_words_one_by_one),
        T(calibrated_score_is_the_logistic_of_the_evidence),
        T(need_breadth_sets_the_level_not_the_order),
        T(unknown_words_lower_the_absolute_evidence_of_text),
        T(min_score_leaves_out_weak_hits_and_can_leave_none),
        T(cross_domain_mark_needs_the_calibrated_threshold),
        T(config_file_sets_keys_and_normalizes_weights),
        cmocka_unit_test(shipped_config_spells_out_the_defaults),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
