/*
 * test_graph.c - the knowledge graph on a real store: vertex and edge counts
 * by type, the IPC hierarchy, term vectors, the cache file (reuse, rebuild
 * when the store moves on, damage), GraphML output and the domain table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libxml/parser.h>
#include <math.h>

#include "core/image.h"
#include "graph/graph_int.h"
#include "tests/unit/fixture.h"

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
};

static void put(struct store *s, kg_kind kind, const char *json)
{
    struct kg_record r;
    char err[256];
    record_init(&r, kind);
    assert_int_equal(record_from_json(&r, json, strlen(json), err, 256), KG_OK);
    assert_int_equal(store_upsert(s, &r, "test", NULL), KG_OK);
    record_release(&r);
}

static int setup(void **state)
{
    struct fx *f = kg_xcalloc(1, sizeof *f);
    if (fx_dir(f->dir, sizeof f->dir, "kggraph", f->path, sizeof f->path,
               "t.db") != 0)
        return -1;
    char err[256];
    if (store_open(f->path, STORE_CREATE, &f->s, err, sizeof err) != KG_OK)
        return -1;
    struct store *s = f->s;
    put(s, KG_INSTITUTION,
        "{\"id\":\"I1\",\"name\":\"中南大学\",\"region\":\"湖南/长沙\"}");
    put(s, KG_ENTERPRISE,
        "{\"id\":\"C1\",\"name\":\"博瑞汽车部件\",\"industry\":\"汽车零部件 "
        "automotive parts\","
        "\"region\":\"山东/滨州\"}");
    put(s, KG_EXPERT,
        "{\"id\":\"E1\",\"name\":\"Zhang San\",\"institution\":\"I1\","
        "\"fields\":[\"材料科学与工程\"],\"keywords\":[\"铝合金焊接\"]}");
    put(s, KG_ACHIEVEMENT,
        "{\"id\":\"A1\",\"title\":\"Aluminium alloy laser welding\","
        "\"abstract\":\"Laser welding of aluminium alloy sheets without "
        "porosity.\",\"keywords\":[\"铝合金焊接\",\"Laser welding\"],"
        "\"fields\":[\"材料科学与工程\"],\"institution\":\"I1\","
        "\"experts\":[\"E1\"],\"year\":2021,\"maturity\":6}");
    put(s, KG_PATENT,
        "{\"id\":\"P2\",\"title\":\"Welding torch\",\"ipc\":[\"B23K 9/00\"],"
        "\"date\":\"2015-03-01\"}");
    put(s, KG_PATENT,
        "{\"id\":\"P1\",\"title\":\"Porosity control in MIG welding of "
        "aluminium\",\"abstract\":\"Pulsed MIG welding reduces porosity.\","
        "\"ipc\":[\"B23K 9/173\",\"B23K 31/12\"],\"applicants\":[\"I1\","
        "\"C1\"],\"inventors\":[\"E1\"],\"cites\":[\"P2\",\"P404\"],"
        "\"date\":\"2022-05-04\"}");
    put(s, KG_DEMAND,
        "{\"id\":\"D1\",\"enterprise\":\"C1\",\"title\":\"副车架焊缝气孔\","
        "\"description\":\"Porosity in MIG welds of aluminium "
        "subframes.\",\"keywords\":[\"铝合金焊接\"],\"fields\":[\"机械工程\"]"
        "}");
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

static struct graph *open_graph(struct fx *f, const struct graph_opts *o)
{
    struct graph *g = NULL;
    char err[256] = "";
    kg_status st = graph_open(f->s, o, &g, err, sizeof err);
    if (st != KG_OK)
        fail_msg("graph_open: %s", err);
    return g;
}

static void counts_vertices_and_edges_by_type(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    struct graph_stats st;
    graph_get_stats(g, &st);
    assert_int_equal(st.vertices[KG_INSTITUTION], 1);
    assert_int_equal(st.vertices[KG_ENTERPRISE], 1);
    assert_int_equal(st.vertices[KG_EXPERT], 1);
    assert_int_equal(st.vertices[KG_ACHIEVEMENT], 1);
    assert_int_equal(st.vertices[KG_PATENT], 2);
    assert_int_equal(st.vertices[KG_DEMAND], 1);
    /* keywords: 铝合金焊接, laser welding; fields: 材料科学与工程, 机械工程;
     * IPC: B23K 9/173, B23K 31/12, B23K 9/00, B23K, B23, B */
    assert_int_equal(st.concepts[GRAPH_C_KEYWORD], 2);
    assert_int_equal(st.concepts[GRAPH_C_FIELD], 2);
    assert_int_equal(st.concepts[GRAPH_C_IPC], 6);
    assert_true(st.concepts[GRAPH_C_TERM] > 0);
    assert_int_equal(st.edges[GRAPH_E_AFFILIATED_WITH], 1);
    assert_int_equal(st.edges[GRAPH_E_AUTHORED], 1);
    assert_int_equal(st.edges[GRAPH_E_INVENTED], 1);
    assert_int_equal(st.edges[GRAPH_E_OWNS], 3); /* A1-I1, P1-I1, P1-C1 */
    assert_int_equal(st.edges[GRAPH_E_POSTED], 1);
    assert_int_equal(st.edges[GRAPH_E_CITES], 1); /* P404 is unknown */
    assert_int_equal(st.edges[GRAPH_E_BROADER], 5);
    uint64_t sum = 0;
    for (int i = 0; i < GRAPH_E_COUNT; i++)
        sum += st.edges[i];
    assert_int_equal(sum, g->ne);
    graph_free(g);
}

/* Is there an edge of type between a and b? */
static bool linked(const struct graph *g, uint32_t a, uint32_t b, unsigned type)
{
    for (uint64_t i = g->csr.off[a]; i < g->csr.off[a + 1]; i++)
        if (g->csr.adj[i] == b && g->etype[i] == type)
            return true;
    return false;
}

static void links_ipc_codes_up_to_their_section(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    uint32_t grp = graph_find(g, GRAPH_CONCEPT, "ipc:B23K 9/173");
    uint32_t sub = graph_find(g, GRAPH_CONCEPT, "ipc:B23K");
    uint32_t cls = graph_find(g, GRAPH_CONCEPT, "ipc:B23");
    uint32_t sec = graph_find(g, GRAPH_CONCEPT, "ipc:B");
    uint32_t p1 = graph_find(g, KG_PATENT, "P1");
    assert_int_not_equal(grp, GRAPH_NONE);
    assert_true(linked(g, p1, grp, GRAPH_E_ABOUT));
    assert_true(linked(g, grp, sub, GRAPH_E_BROADER));
    assert_true(linked(g, sub, cls, GRAPH_E_BROADER));
    assert_true(linked(g, cls, sec, GRAPH_E_BROADER));
    assert_false(linked(g, grp, cls, GRAPH_E_BROADER));
    assert_string_equal(graph_str(g, g->vlabel[grp]), "B23K 9/173");
    graph_free(g);
}

static void keeps_record_ids_labels_and_attributes(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    uint32_t e = graph_find(g, KG_EXPERT, "E1");
    uint32_t i = graph_find(g, KG_INSTITUTION, "I1");
    uint32_t a = graph_find(g, KG_ACHIEVEMENT, "A1");
    uint32_t p = graph_find(g, KG_PATENT, "P1");
    uint32_t d = graph_find(g, KG_DEMAND, "D1");
    uint32_t c = graph_find(g, KG_ENTERPRISE, "C1");
    assert_string_equal(graph_str(g, g->vid[e]), "E1");
    assert_string_equal(graph_str(g, g->vlabel[e]), "Zhang San");
    assert_string_equal(graph_str(g, g->vregion[i]), "湖南/长沙");
    assert_true(linked(g, e, i, GRAPH_E_AFFILIATED_WITH));
    assert_true(linked(g, e, a, GRAPH_E_AUTHORED));
    assert_true(linked(g, e, p, GRAPH_E_INVENTED));
    assert_true(linked(g, c, d, GRAPH_E_POSTED));
    assert_true(linked(g, c, p, GRAPH_E_OWNS));
    assert_int_equal(g->vyear[a], 2021);
    assert_int_equal(g->vmaturity[a], 6);
    assert_int_equal(g->vyear[p], 2022);
    assert_int_equal(g->ref_year, 2022);
    uint32_t kw = graph_find(g, GRAPH_CONCEPT, "kw:laser welding");
    assert_int_not_equal(kw, GRAPH_NONE);
    assert_string_equal(graph_str(g, g->vlabel[kw]), "Laser welding");
    assert_int_equal(graph_find(g, KG_PATENT, "P404"), GRAPH_NONE);
    assert_int_equal(graph_find(g, KG_DEMAND, "E1"), GRAPH_NONE);
    graph_free(g);
}

struct walk {
    const struct graph *g;
    char seen[256];
    unsigned types;
};

static bool note_neighbour(uint32_t u, unsigned type, void *ctx)
{
    struct walk *w = ctx;
    (void)u;
    w->types |= 1u << type;
    return true;
}

static bool note_record(uint32_t v, void *ctx)
{
    struct walk *w = ctx;
    size_t n = strlen(w->seen);
    snprintf(w->seen + n, sizeof w->seen - n, "%s ", graph_id(w->g, v));
    return true;
}

static void the_accessors_read_what_the_arrays_hold(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    uint32_t e = graph_find(g, KG_EXPERT, "E1");
    uint32_t p1 = graph_find(g, KG_PATENT, "P1");
    assert_int_equal(graph_nv(g), g->nv);
    assert_int_equal(graph_kind(g, e), KG_EXPERT);
    assert_string_equal(graph_id(g, e), "E1");
    assert_string_equal(graph_label(g, e), "Zhang San");
    /* the patents in id order */
    struct walk w = {.g = g, .seen = ""};
    graph_foreach_record(g, KG_PATENT, note_record, &w);
    assert_string_equal(w.seen, "P1 P2 ");
    /* E1: affiliated, authored, invented, about (keyword, field) */
    w.types = 0;
    graph_foreach_edge(g, e, 0, note_neighbour, &w);
    assert_int_equal(
        w.types, (1u << GRAPH_E_AFFILIATED_WITH) | (1u << GRAPH_E_AUTHORED) |
                     (1u << GRAPH_E_INVENTED) | (1u << GRAPH_E_ABOUT));
    /* only the edges of the type asked for: P1 owned by I1 and C1 */
    w.types = 0;
    size_t owners = 0;
    for (uint64_t j = g->csr.off[p1]; j < g->csr.off[p1 + 1]; j++)
        owners += g->etype[j] == GRAPH_E_OWNS;
    assert_int_equal(owners, 2);
    graph_foreach_edge(g, p1, GRAPH_E_OWNS, note_neighbour, &w);
    assert_int_equal(w.types, 1u << GRAPH_E_OWNS);
    struct graph_stats st;
    graph_get_stats(g, &st);
    assert_int_equal(st.nv, g->nv);
    assert_int_equal(st.ne, g->ne);
    graph_free(g);
}

static void places_records_in_domains(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    int mat = domain_find("materials"), mach = domain_find("machinery");
    uint32_t a = graph_find(g, KG_ACHIEVEMENT, "A1");
    uint32_t p = graph_find(g, KG_PATENT, "P1");
    uint32_t d = graph_find(g, KG_DEMAND, "D1");
    uint32_t c = graph_find(g, KG_ENTERPRISE, "C1");
    assert_int_equal(g->vdomain[a], 1u << mat);
    assert_int_equal(g->vdomain[p], 1u << mach); /* B23K: machinery */
    assert_int_equal(g->vdomain[d], 1u << mach); /* 机械工程 */
    /* C1 takes its items' domains, and with them that one was a guess */
    assert_int_equal(g->vdomain[c],
                     (1u << domain_find("vehicles")) | DOMAIN_GUESSED);
    graph_free(g);
}

static void vectors_are_normalized_and_findable(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    uint32_t p = graph_find(g, KG_PATENT, "P1");
    double norm = 0;
    bool has_porosity = false;
    for (uint64_t i = g->vec_off[p]; i < g->vec_off[p + 1]; i++) {
        norm += (double)g->vec_w[i] * g->vec_w[i];
        const char *t = graph_str(g, g->term_str[g->vec_term[i]]);
        has_porosity |= strcmp(t, "poros") == 0 || strcmp(t, "porosity") == 0;
        if (i > g->vec_off[p])
            assert_true(g->vec_term[i - 1] < g->vec_term[i]);
    }
    assert_float_equal(norm, 1.0, 1e-5);
    assert_true(has_porosity);
    for (uint32_t t = 0; t < g->nterms; t++) {
        const char *s = graph_str(g, g->term_str[t]);
        assert_int_equal(graph_term_find(g, s, strlen(s)), t);
    }
    assert_int_equal(graph_term_find(g, "zzzz-none", 9), GRAPH_NONE);
    /* An expert with no text has no vector. */
    uint32_t i = graph_find(g, KG_INSTITUTION, "I1");
    assert_int_equal(g->vec_off[i], g->vec_off[i + 1]);
    graph_free(g);
}

/* The people's lists of the image (graph_int.h): E1 authored A1 and
 * invented P1; I1 owns both and has E1; P2 has no people. */
static void lists_the_people_in_the_image(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    const struct graph_people *p = &g->people;
    uint32_t e1 = graph_find(g, KG_EXPERT, "E1");
    uint32_t a1 = graph_find(g, KG_ACHIEVEMENT, "A1");
    uint32_t p1 = graph_find(g, KG_PATENT, "P1");
    assert_int_equal(p->ne, 1);
    assert_int_equal(p->ni, 1);
    assert_int_equal(p->na, 1);
    assert_int_equal(p->nitems, 3); /* A1, then P1 and P2 by vertex */
    assert_int_equal(p->eoff[1], 2);
    bool has_a1 = false, has_p1 = false, has_e1 = false;
    for (uint64_t j = 0; j < p->eoff[1]; j++) {
        has_a1 |= p->emem[j] == a1;
        has_p1 |= p->emem[j] == p1;
    }
    assert_true(has_a1 && has_p1);
    assert_int_equal(p->ioff[1], 3);
    for (uint64_t j = 0; j < p->ioff[1]; j++)
        has_e1 |= p->imem[j] == e1;
    assert_true(has_e1);
    assert_false(p->eone[0]);
    assert_false(p->ione[0]);
    /* both items have a vector, and are counted by kind */
    assert_int_equal(p->ecount[0][0], 1);
    assert_int_equal(p->ecount[0][1], 1);
    assert_int_equal(p->ecount[0][2], 1);
    assert_int_equal(p->ecount[0][3], 1);
    assert_int_equal(p->icount[0][0], 1);
    assert_int_equal(p->icount[0][1], 1);
    /* each item's takers: E1 and I1 for A1 and P1, none for P2 */
    uint32_t p2place = graph_find(g, KG_PATENT, "P2") > p1 ? 2 : 1;
    for (uint32_t i = 0; i < 3; i++) {
        uint64_t nx = p->xoff[i + 1] - p->xoff[i];
        uint64_t ny = p->yoff[i + 1] - p->yoff[i];
        assert_int_equal(nx, i == p2place ? 0 : 1);
        assert_int_equal(ny, i == p2place ? 0 : 1);
    }
    assert_int_equal(p->xexp[p->xoff[0]], 0);
    assert_int_equal(p->zoff[1] - p->zoff[0], 1); /* E1's institution */
    assert_int_equal(p->zinst[p->zoff[0]], 0);
    graph_free(g);
}

/* The strings a lookup reads lie in one dense run each: the records' ids
 * in vertex order (hit_vertex, graph_find), then the terms in string order
 * (graph_term_find), every empty string at offset 0. */
static void keeps_ids_and_terms_dense_in_the_strings(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    assert_true(g->nrec > 1 && g->nterms > 1);
    uint32_t at = g->vid[0];
    assert_int_equal(at, 1); /* after the "" at 0 */
    for (uint32_t v = 0; v < g->nrec; v++) {
        assert_int_equal(g->vid[v], at);
        at += (uint32_t)strlen(g->strings + at) + 1;
    }
    for (uint32_t i = 0; i < g->nterms; i++) {
        uint32_t t = g->term_order[i];
        assert_int_equal(g->term_str[t], at);
        assert_int_equal(
            graph_term_find(g, g->strings + at, strlen(g->strings + at)), t);
        at += (uint32_t)strlen(g->strings + at) + 1;
    }
    for (uint32_t v = 0; v < g->nv; v++)
        if (!*(g->strings + g->vregion[v]))
            assert_int_equal(g->vregion[v], 0);
    graph_free(g);
}

static void numbers_records_first_and_posts_every_vector_term(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    assert_int_equal(g->nrec, 7); /* I1 C1 E1 A1 P1 P2 D1 */
    for (uint32_t v = 0; v < g->nv; v++)
        assert_int_equal(v < g->nrec, g->vkind[v] != GRAPH_CONCEPT);
    /* Every term of every non-demand vector is in that term's postings,
     * with the same weight; postings are ascending and hold nothing else. */
    uint64_t entries = 0;
    for (uint32_t v = 0; v < g->nv; v++) {
        if (g->vkind[v] == KG_DEMAND)
            continue;
        for (uint64_t i = g->vec_off[v]; i < g->vec_off[v + 1]; i++) {
            uint32_t t = g->vec_term[i];
            bool found = false;
            for (uint64_t j = g->inv_off[t]; j < g->inv_off[t + 1]; j++)
                if (g->inv_v[j] == v) {
                    assert_true(g->inv_w[j] == g->vec_w[i]);
                    found = true;
                }
            assert_true(found);
            entries++;
        }
    }
    assert_int_equal(g->inv_off[g->nterms], entries);
    for (uint32_t t = 0; t < g->nterms; t++)
        for (uint64_t j = g->inv_off[t] + 1; j < g->inv_off[t + 1]; j++)
            assert_true(g->inv_v[j - 1] < g->inv_v[j]);
    graph_free(g);
}

static void item_vectors_keep_the_strongest_terms(void **state)
{
    struct fx *f = *state;
    struct graph_opts o = {
        .item_terms = 3, .concept_terms = 2, .no_cache = true};
    struct graph *g = open_graph(f, &o);
    uint32_t a = graph_find(g, KG_ACHIEVEMENT, "A1");
    uint32_t d = graph_find(g, KG_DEMAND, "D1");
    assert_int_equal(g->vec_off[a + 1] - g->vec_off[a], 3);
    assert_true(g->vec_off[d + 1] - g->vec_off[d] > 3); /* demands: all */
    unsigned terms = 0;
    for (uint64_t i = g->csr.off[a]; i < g->csr.off[a + 1]; i++)
        terms += g->vsub[g->csr.adj[i]] == GRAPH_C_TERM;
    assert_int_equal(terms, 2);
    graph_free(g);
}

static void reuses_the_cache_and_rebuilds_when_the_store_moves(void **state)
{
    struct fx *f = *state;
    char *cache = graph_cache_path(f->path);
    unlink(cache);
    struct graph *g = open_graph(f, NULL);
    struct graph_info in;
    graph_get_info(g, &in);
    assert_true(in.built);
    assert_int_equal(in.rebuilt, GRAPH_REBUILD_NONE); /* none was there */
    assert_string_equal(in.path, cache);
    int64_t v1 = g->version;
    graph_free(g);
    assert_int_equal(access(cache, R_OK), 0);
    g = open_graph(f, NULL);
    assert_int_equal(g->version, v1);
    graph_get_info(g, &in);
    assert_false(in.built);
    assert_false(in.in_memory);
    assert_int_equal(in.rebuilt, GRAPH_REBUILD_NONE);
    graph_free(g);
    put(f->s, KG_PATENT, "{\"id\":\"P3\",\"title\":\"Friction stir welding\"}");
    g = open_graph(f, NULL);
    assert_true(g->version > v1);
    assert_int_not_equal(graph_find(g, KG_PATENT, "P3"), GRAPH_NONE);
    graph_get_info(g, &in);
    assert_true(in.built);
    assert_int_equal(in.rebuilt, GRAPH_REBUILD_STALE);
    graph_free(g);
    free(cache);
}

static void rebuilds_a_damaged_cache(void **state)
{
    struct fx *f = *state;
    char *cache = graph_cache_path(f->path);
    struct graph *g = open_graph(f, NULL);
    uint32_t nv = g->nv;
    graph_free(g);
    FILE *c = fopen(cache, "r+b");
    assert_non_null(c);
    assert_int_equal(fseek(c, 0, SEEK_END), 0);
    assert_int_equal(fputs("garbage", c) >= 0, 1); /* wrong size now */
    fclose(c);
    g = open_graph(f, NULL);
    assert_int_equal(g->nv, nv);
    struct graph_info in;
    graph_get_info(g, &in);
    assert_int_equal(in.rebuilt, GRAPH_REBUILD_DAMAGED);
    assert_non_null(strstr(in.why, "size"));
    graph_free(g);
    free(cache);
}

/* Opens the graph with the default options; what graph_info says about
 * the cache file goes to note, worded as the front end words it ("" when
 * it was current or missing). */
static struct graph *open_noting(struct fx *f, char *note, size_t n)
{
    struct graph *g = open_graph(f, NULL);
    struct graph_info in;
    graph_get_info(g, &in);
    note[0] = '\0';
    if (in.rebuilt == GRAPH_REBUILD_STALE)
        snprintf(note, n, "graph %s is stale", in.path);
    else if (in.rebuilt == GRAPH_REBUILD_DAMAGED)
        snprintf(note, n, "graph %s is damaged (%s)", in.path, in.why);
    else if (in.rebuilt != GRAPH_REBUILD_NONE)
        snprintf(note, n, "graph %s: %d (%s)", in.path, (int)in.rebuilt,
                 in.why);
    return g;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    *n = (size_t)ftell(fp);
    rewind(fp);
    uint8_t *p = kg_xmalloc(*n);
    assert_int_equal(fread(p, 1, *n, fp), *n);
    fclose(fp);
    return p;
}

static void spill(const char *path, const uint8_t *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(p, 1, n, fp), n);
    fclose(fp);
}

/* The damaged cache is refused with the reason, rebuilt to the same
 * graph, and the rebuilt file is current. */
static void expect_rebuilt(struct fx *f, uint32_t nv, uint32_t p1,
                           const char *why)
{
    char note[256];
    struct graph *g = open_noting(f, note, sizeof note);
    if (!strstr(note, "is damaged (") || !strstr(note, why))
        fail_msg("note '%s' does not say damaged (%s)", note, why);
    assert_int_equal(g->nv, nv);
    assert_int_equal(graph_find(g, KG_PATENT, "P1"), p1);
    graph_free(g);
    g = open_noting(f, note, sizeof note);
    assert_string_equal(note, "");
    graph_free(g);
}

/* A fresh cache file's bytes, the vertex count and P1's vertex. */
static uint8_t *sound_cache(struct fx *f, const char *cache, uint32_t *nv,
                            uint32_t *p1, size_t *n)
{
    struct graph *g = open_graph(f, NULL);
    *nv = g->nv;
    *p1 = graph_find(g, KG_PATENT, "P1");
    graph_free(g);
    return slurp(cache, n);
}

static void flipped_bytes_anywhere_are_damage_and_rebuilt(void **state)
{
    struct fx *f = *state;
    char *cache = graph_cache_path(f->path);
    uint32_t nv, p1;
    size_t n;
    uint8_t *good = sound_cache(f, cache, &nv, &p1, &n);
    /* 16 bytes at 41 places from the owner's header to the strings; past
     * the size field the checksum covers every byte */
    for (size_t k = 0; k <= 40; k++) {
        size_t at = 32 + (n - 48) * k / 40;
        uint8_t *bad = kg_xmalloc(n);
        memcpy(bad, good, n);
        for (size_t i = 0; i < 16; i++)
            bad[at + i] ^= (uint8_t)(0x5a + i);
        spill(cache, bad, n);
        free(bad);
        expect_rebuilt(f, nv, p1, "checksum mismatch");
    }
    spill(cache, good, n / 2);
    expect_rebuilt(f, nv, p1, "size");
    free(good);
    free(cache);
}

/* The checksum of an image as core/image.h defines it. */
static void reseal(uint8_t *p, size_t n)
{
    uint64_t a = image_checksum(p, 24, 0);
    uint64_t sum = image_checksum(p + 32, n - 32, a);
    memcpy(p + 24, &sum, 8);
}

/* Where section i of an image starts. */
static uint64_t section_at(const uint8_t *p, unsigned i)
{
    uint16_t meta_len;
    memcpy(&meta_len, p + 34, 2);
    uint64_t off;
    memcpy(&off, p + IMAGE_HEADER_SIZE + meta_len + 16 * i, 8);
    return off;
}

static void offsets_out_of_bounds_are_refused_despite_the_checksum(void **state)
{
    struct fx *f = *state;
    char *cache = graph_cache_path(f->path);
    uint32_t nv, p1;
    size_t n;
    uint8_t *good = sound_cache(f, cache, &nv, &p1, &n);
    /* what a buggy writer could leave: each a value at one place of one
     * section (enum gsec in graph_int.h), with a valid checksum */
    const struct {
        unsigned section;
        size_t at, size;
        uint64_t value;
        const char *why;
    } cases[] = {
        {9, 8, 8, 1u << 30, "adjacency or vector offsets"},    /* csr.off[1] */
        {9, 0, 8, 1, "adjacency or vector offsets"},           /* csr.off[0] */
        {14, 8, 8, UINT64_MAX, "adjacency or vector offsets"}, /* vec_off */
        {17, 0, 8, 7, "adjacency or vector offsets"},          /* inv_off */
        {10, 0, 4, UINT32_MAX - 1, "vertex ids"},              /* csr.adj */
        {8, 4, 4, 1000000, "vertex ids"},                      /* order */
        {15, 0, 4, 1u << 31, "term ids"},                      /* vec_term */
        {4, 0, 4, 1u << 31, "string offsets"},                 /* vid */
        {20, 0, 4, UINT32_MAX, "string offsets"},              /* term_str */
        {0, 0, 1, 200, "vertex kinds"},                        /* vkind */
        {13, 0, 1, 0, "edge types"},                           /* etype */
        {26, 8, 8, 1u << 30, "people's offsets"},              /* eoff[1] */
        {28, 0, 8, 1, "people's offsets"},                     /* xoff[0] */
        {31, 0, 4, UINT32_MAX - 1, "people's members"},        /* emem */
        {33, 0, 4, 5, "people's members"},                     /* xexp */
        {35, 4, 4, 1, "people's members"},                     /* zinst pad */
        {36, 0, 1, 2, "people's marks"},                       /* eone */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        uint8_t *bad = kg_xmalloc(n);
        memcpy(bad, good, n);
        uint64_t at = section_at(bad, cases[k].section) + cases[k].at;
        memcpy(bad + at, &cases[k].value, cases[k].size); /* little end */
        reseal(bad, n);
        spill(cache, bad, n);
        free(bad);
        expect_rebuilt(f, nv, p1, cases[k].why);
    }
    /* a concept (the last vertex) that says it is a record: the matcher's
     * per-record arrays end at nrec */
    uint8_t *bad = kg_xmalloc(n);
    memcpy(bad, good, n);
    bad[section_at(bad, 0) + nv - 1] = KG_ACHIEVEMENT;
    reseal(bad, n);
    spill(cache, bad, n);
    free(bad);
    expect_rebuilt(f, nv, p1, "vertex kinds");
    free(good);
    free(cache);
}

static void keeps_working_when_the_cache_cannot_be_written(void **state)
{
    struct fx *f = *state;
    char *cache = graph_cache_path(f->path);
    unlink(cache);
    assert_int_equal(mkdir(cache, 0700), 0); /* a directory in the way */
    struct graph *g = open_graph(f, NULL);
    assert_int_not_equal(graph_find(g, KG_EXPERT, "E1"), GRAPH_NONE);
    struct graph_info in;
    graph_get_info(g, &in);
    assert_true(in.built);
    assert_true(in.in_memory);
    assert_non_null(in.write_error);
    graph_free(g);
    rmdir(cache);
    free(cache);
}

static void writes_well_formed_graphml_with_labels_and_types(void **state)
{
    struct fx *f = *state;
    struct graph *g = open_graph(f, NULL);
    char path[160];
    snprintf(path, sizeof path, "%s/g.graphml", f->dir);
    FILE *out = fopen(path, "w");
    char err[256];
    assert_int_equal(graph_write_graphml(g, NULL, out, err, sizeof err), KG_OK);
    fclose(out);
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    xmlFreeDoc(doc);
    FILE *in = fopen(path, "r");
    char *text = calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, in);
    fclose(in);
    assert_true(n > 0);
    assert_non_null(strstr(text, "attr.name=\"label\""));
    assert_non_null(strstr(text, "attr.name=\"type\""));
    assert_non_null(strstr(text, "attr.name=\"weight\""));
    assert_non_null(strstr(text, "Zhang San"));
    assert_non_null(strstr(text, ">affiliated_with<"));
    assert_non_null(strstr(text, ">B23K 9/173<"));
    size_t nodes = 0, edges = 0;
    for (char *p = text; (p = strstr(p, "<node ")); p++)
        nodes++;
    for (char *p = text; (p = strstr(p, "<edge ")); p++)
        edges++;
    assert_int_equal(nodes, g->nv);
    assert_int_equal(edges, g->ne);
    free(text);
    graph_free(g);
}

static void domain_rules_use_fields_ipc_and_text(void **state)
{
    (void)state;
    assert_int_equal(DOMAIN_COUNT, 21);
    int met = domain_find("metallurgy"), tex = domain_find("textiles");
    int fish = domain_find("fisheries"), env = domain_find("environment");
    assert_true(met >= 0 && tex >= 0 && fish >= 0 && env >= 0);
    assert_int_equal(domain_find("冶金"), met);
    assert_int_equal(domain_find("no-such"), -1);
    assert_int_equal(domain_of_field("冶金工程"), 1u << met);
    assert_int_equal(domain_of_field("Textile Engineering"), 1u << tex);
    assert_int_equal(domain_of_ipc("C22C 21/00"), 1u << met);
    assert_int_equal(domain_of_ipc("a01k 61/10"), 1u << fish);
    assert_int_equal(domain_of_ipc("A01K 1/00"),
                     1u << domain_find("agriculture"));
    assert_int_equal(domain_of_ipc("Z99"), 0);
    const char *t = "印染废水色度高，污染物排放超标";
    assert_int_equal(domain_of_text(t, strlen(t), 2), 1u << env);
    assert_int_equal(domain_of_text(t, strlen(t), 4), 0);
    assert_int_equal(domain_of_text("hello world", 11, 1), 0);
    /* A Latin keyword must start a word: "generate" is not "gene". */
    assert_int_equal(domain_of_text("we generate", 11, 1), 0);
    struct kg_buf b;
    kg_buf_init(&b);
    domain_mask_format((1u << met) | (1u << tex), ",", &b);
    assert_string_equal(b.data, "metallurgy,textiles");
    kg_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(counts_vertices_and_edges_by_type,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(links_ipc_codes_up_to_their_section,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(keeps_record_ids_labels_and_attributes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_accessors_read_what_the_arrays_hold,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(places_records_in_domains, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(vectors_are_normalized_and_findable,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            numbers_records_first_and_posts_every_vector_term, setup, teardown),
        cmocka_unit_test_setup_teardown(lists_the_people_in_the_image, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            keeps_ids_and_terms_dense_in_the_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(item_vectors_keep_the_strongest_terms,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            reuses_the_cache_and_rebuilds_when_the_store_moves, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            flipped_bytes_anywhere_are_damage_and_rebuilt, setup, teardown),
        cmocka_unit_test_setup_teardown(
            offsets_out_of_bounds_are_refused_despite_the_checksum, setup,
            teardown),
        cmocka_unit_test_setup_teardown(rebuilds_a_damaged_cache, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            keeps_working_when_the_cache_cannot_be_written, setup, teardown),
        cmocka_unit_test_setup_teardown(
            writes_well_formed_graphml_with_labels_and_types, setup, teardown),
        cmocka_unit_test(domain_rules_use_fields_ipc_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
