/*
 * app_graph.c - the graph as a whole: its counts by type and a GraphML
 * copy, for `export` and any front end that shows the graph.
 */
#include "app/app_int.h"

static void count(struct app_graph_counts *out, const char *what,
                  const char *type, uint64_t n)
{
    if (out->n < APP_GRAPH_COUNTS)
        out->c[out->n++] = (struct app_count){what, type, n};
}

kg_status app_graph_counts(struct app_session *a, struct app_graph_counts *out)
{
    struct graph *g;
    kg_status st = app_graph(a, &g);
    if (st != KG_OK)
        return st;
    _Static_assert((GRAPH_CONCEPT + 1) + GRAPH_C_TERM + (GRAPH_E_COUNT - 1) <=
                       APP_GRAPH_COUNTS,
                   "room for every count");
    struct graph_stats gs;
    graph_get_stats(g, &gs);
    out->vertices = gs.nv;
    out->edges = gs.ne;
    out->n = 0;
    for (unsigned k = 0; k <= GRAPH_CONCEPT; k++)
        count(out, "vertices", graph_vkind_name(k), gs.vertices[k]);
    for (unsigned k = GRAPH_C_KEYWORD; k <= GRAPH_C_TERM; k++)
        count(out, "concepts", graph_concept_name(k), gs.concepts[k]);
    for (unsigned k = 1; k < GRAPH_E_COUNT; k++)
        count(out, "edges", graph_edge_name(k), gs.edges[k]);
    return KG_OK;
}

kg_status app_graph_graphml(struct app_session *a, FILE *f)
{
    struct graph *g;
    char err[512];
    kg_status st = app_graph(a, &g);
    if (st == KG_OK) {
        st = graph_write_graphml(g, a->s, f, err, sizeof err);
        if (st != KG_OK)
            app_fail(a, st, "%s", err);
    }
    return st;
}
