/*
 * fuzz_graph.c - libFuzzer harness for the graph image reader: a valid
 * graph cache of a small store is written once, then each input damages a
 * copy of it (fuzz_mutate), which graph_open maps or rebuilds; a graph
 * that opens is matched against a demand and a free text.
 */
#include "graph/graph.h"
#include "graph/match.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_match(const struct graph *g, uint32_t demand, const char *text)
{
    struct match_config c;
    match_config_default(&c);
    struct matcher *m;
    char err[256];
    if (match_new(g, &c, &m, err, sizeof err) != KG_OK)
        return;
    struct match_query q = {.demand = demand, .text = text, .explain = true};
    struct match_result r;
    if (match_run(m, &q, &r) == KG_OK)
        match_result_release(&r);
    match_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct store *s;
    static uint8_t *base;
    static size_t nbase;
    static char *path;
    char err[256];
    struct graph_opts o = {0};
    struct graph *g;
    if (!s) {
        s = fuzz_store("g.db");
        if (graph_open(s, &o, &g, err, sizeof err) != KG_OK)
            abort();
        graph_free(g);
        path = graph_cache_path(store_path(s));
        base = fuzz_read(path, &nbase);
        if (!base)
            abort();
    }
    size_t n;
    uint8_t *img = fuzz_mutate(base, nbase, data, size, &n);
    fuzz_write(path, img, n);
    free(img);
    if (graph_open(s, &o, &g, err, sizeof err) != KG_OK)
        return 0;
    fuzz_match(g, graph_find(g, KG_DEMAND, "D1"), NULL);
    fuzz_match(g, GRAPH_NONE, "印染废水 welding");
    graph_free(g);
    return 0;
}
