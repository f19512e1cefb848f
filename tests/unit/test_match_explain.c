/*
 * test_match_explain.c - the explanation's path search (match_explain.c)
 * near its limit. MATCH_BFS_LIMIT (2M queued vertices) is out of reach of
 * a test store, so the test lowers the matcher's own limit (bfs_limit,
 * through graph/match_int.h) until the level-by-level search must fall
 * back to the plain one, and checks every path against a plain
 * breadth-first search from scratch under the same limit (and, under the
 * default limit, the paths of hits found two levels on, reach_ahead).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph/graph_int.h"
#include "graph/match_int.h"
#include "tests/unit/fixture.h"

struct fx {
    char dir[64];
    struct store *s;
    struct graph *g;
};

static const char *const records[][2] = {
    {"institution", "{\"id\":\"I1\",\"name\":\"北方工业大学\"}"},
    {"institution", "{\"id\":\"I2\",\"name\":\"江南纺织学院\"}"},
    {"enterprise", "{\"id\":\"C1\",\"name\":\"Lakeside Castings\","
                   "\"industry\":\"foundry\"}"},
    {"enterprise", "{\"id\":\"C2\",\"name\":\"Riverbank Mills\","
                   "\"industry\":\"textiles\"}"},
    {"expert", "{\"id\":\"E1\",\"name\":\"Chen Yi\",\"institution\":\"I1\","
               "\"fields\":[\"冶金工程\"],\"keywords\":[\"die casting\"]}"},
    {"expert", "{\"id\":\"E2\",\"name\":\"Zhou Er\",\"institution\":\"I2\","
               "\"keywords\":[\"spinning\"]}"},
    {"expert", "{\"id\":\"E3\",\"name\":\"Sun San\",\"institution\":\"I2\"}"},
    {"achievement",
     "{\"id\":\"A1\",\"title\":\"Vacuum die casting of thin walls\","
     "\"keywords\":[\"die casting\",\"vacuum\"],\"fields\":[\"冶金工程\"],"
     "\"institution\":\"I1\",\"experts\":[\"E1\"]}"},
    {"achievement",
     "{\"id\":\"A2\",\"title\":\"Ring spinning of fine yarn\","
     "\"keywords\":[\"spinning\",\"yarn\"],\"institution\":\"I2\","
     "\"experts\":[\"E2\",\"E3\"]}"},
    {"achievement", "{\"id\":\"A3\",\"title\":\"Yarn dyeing with low water\","
                    "\"keywords\":[\"yarn\",\"dyeing\"],\"institution\":\"I2\","
                    "\"experts\":[\"E3\"]}"},
    {"patent", "{\"id\":\"P1\",\"title\":\"Vacuum valve for die casting\","
               "\"ipc\":[\"B22D 17/14\"],\"applicants\":[\"I1\",\"C1\"],"
               "\"inventors\":[\"E1\"]}"},
    {"patent", "{\"id\":\"P2\",\"title\":\"Dyeing vat\",\"ipc\":[\"D06B "
               "3/00\"],\"applicants\":[\"C2\"],\"inventors\":[\"E3\"]}"},
    {"demand", "{\"id\":\"D1\",\"enterprise\":\"C1\",\"title\":\"Porous "
               "die castings\",\"keywords\":[\"die casting\",\"vacuum\"]}"},
    {"demand", "{\"id\":\"D2\",\"enterprise\":\"C2\",\"title\":\"Uneven "
               "yarn\",\"keywords\":[\"yarn\"]}"},
};

static int setup(void **state)
{
    struct fx *f = kg_xcalloc(1, sizeof *f);
    if (fx_dir(f->dir, sizeof f->dir, "kgmatch", NULL, 0, NULL) != 0)
        return -1;
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/t.db", f->dir);
    if (store_open(path, STORE_CREATE, &f->s, err, sizeof err) != KG_OK)
        return -1;
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        kg_kind kind;
        struct kg_record r;
        if (record_kind_parse(records[i][0], &kind) != KG_OK)
            fail_msg("%s", records[i][0]);
        record_init(&r, kind);
        const char *json = records[i][1];
        if (record_from_json(&r, json, strlen(json), err, sizeof err) != KG_OK)
            fail_msg("%s: %s", json, err);
        assert_int_equal(store_upsert(f->s, &r, "test", NULL), KG_OK);
        record_release(&r);
    }
    if (graph_open(f->s, &(struct graph_opts){.no_cache = true}, &f->g, err,
                   sizeof err) != KG_OK)
        return -1;
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

/* A plain breadth-first search from d, from scratch: it expands vertices
 * in queue order while fewer than limit are queued. parent[v] is
 * GRAPH_NONE for a vertex it does not discover (and for d). */
static void plain_bfs(const struct graph *g, uint32_t d, size_t limit,
                      uint32_t *parent)
{
    uint32_t *queue = kg_xcalloc(g->nv, sizeof *queue);
    bool *seen = kg_xcalloc(g->nv, sizeof *seen);
    for (uint32_t v = 0; v < g->nv; v++)
        parent[v] = GRAPH_NONE;
    size_t head = 0, tail = 0;
    queue[tail++] = d;
    seen[d] = true;
    while (head < tail && tail < limit) {
        uint32_t u = queue[head++];
        for (uint64_t j = g->csr.off[u]; j < g->csr.off[u + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            if (seen[x])
                continue;
            seen[x] = true;
            parent[x] = u;
            queue[tail++] = x;
        }
    }
    free(queue);
    free(seen);
}

/* The path from the demand to v through parent p, v and the demand left
 * out, into path (v's side first); its length. */
static size_t chain(const uint32_t *parents, uint32_t d, uint32_t p,
                    uint32_t *path, size_t max)
{
    size_t n = 0;
    for (uint32_t x = p; x != d && n < max; x = parents[x])
        path[n++] = x;
    return n;
}

struct tally {
    size_t found, lost, plain_same;
};

/* One query's searches under limit (0: the default), the vertices asked
 * in ascending order or descending: each finds what plain_bfs under the
 * same limit finds, by the same path. */
static void check_limit(struct matcher *m, uint32_t d, size_t limit,
                        bool descending, const uint32_t *full, struct tally *t)
{
    const struct graph *g = m->g;
    uint32_t *want = kg_xcalloc(g->nv, sizeof *want);
    plain_bfs(g, d, limit ? limit : MATCH_BFS_LIMIT, want);
    match_explain_begin(m);
    m->demand = d;
    m->bfs_limit = limit;
    for (uint32_t i = 0; i < g->nv; i++) {
        uint32_t v = descending ? g->nv - 1 - i : i;
        if (v == d)
            continue;
        uint32_t p = GRAPH_NONE;
        bool found = match_explain_reach(m, v, &p);
        if (found != (want[v] != GRAPH_NONE))
            fail_msg("limit %zu, vertex %u: found %d, a plain search %d", limit,
                     v, found, want[v] != GRAPH_NONE);
        if (!found) {
            t->lost += full[v] != GRAPH_NONE;
            continue;
        }
        t->found++;
        uint32_t got[MATCH_MAX_PATH * 4], exp[MATCH_MAX_PATH * 4];
        size_t n = chain(m->parent, d, p, got, MATCH_MAX_PATH * 4);
        size_t ne = chain(want, d, want[v], exp, MATCH_MAX_PATH * 4);
        assert_int_equal(n, ne);
        assert_memory_equal(got, exp, n * sizeof *got);
        /* the fallback gives the path the search under no limit gives */
        size_t nf = chain(full, d, full[v], exp, MATCH_MAX_PATH * 4);
        if (m->bfs_plain && n == nf && memcmp(got, exp, n * sizeof *got) == 0)
            t->plain_same++;
    }
    free(want);
}

static void fallback_finds_the_paths_of_the_normal_search(void **state)
{
    struct fx *f = *state;
    const struct graph *g = f->g;
    struct match_config c;
    char err[256];
    match_config_default(&c);
    struct matcher *m;
    assert_int_equal(match_new(g, &c, &m, err, sizeof err), KG_OK);
    uint32_t *full = kg_xcalloc(g->nv, sizeof *full);
    struct tally t = {0};
    size_t ahead = 0; /* hits found two levels on (reach_ahead) */
    const char *demands[] = {"D1", "D2"};
    for (size_t k = 0; k < 2; k++) {
        uint32_t d = graph_find(g, KG_DEMAND, demands[k]);
        assert_int_not_equal(d, GRAPH_NONE);
        plain_bfs(g, d, SIZE_MAX, full);
        for (int desc = 0; desc < 2; desc++) {
            for (int always = 0; always < 2; always++) {
                struct tally t0 = {0};
                size_t before = m->bfs_ahead;
                m->bfs_ahead_always = always;
                check_limit(m, d, 0, desc, full, &t0);
                ahead += m->bfs_ahead - before;
                assert_false(m->bfs_plain); /* small: level by level */
                assert_int_equal(t0.lost, 0);
            }
            m->bfs_ahead_always = false;
            for (size_t limit = 1; limit <= (size_t)g->nv + 1; limit++)
                check_limit(m, d, limit, desc, full, &t);
        }
    }
    /* the limits were reached (paths lost), and below them the plain
     * search took over and found the normal search's paths */
    assert_true(g->nv > 20);
    assert_true(ahead > 0); /* and hits two levels on, the same paths */
    assert_true(t.lost > 0);
    assert_true(t.plain_same > 0);
    free(full);
    match_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            fallback_finds_the_paths_of_the_normal_search, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
