/*
 * access.c - reading the graph through functions: a vertex's kind, id and
 * label, the records of a kind in id order, a vertex's edges of one type.
 * Callers above graph/ use these and never the image's arrays.
 */
#include "graph/graph_int.h"

#include "core/arena.h"

#include <stdlib.h>

uint32_t graph_nv(const struct graph *g)
{
    return g->nv;
}

unsigned graph_kind(const struct graph *g, uint32_t v)
{
    return g->vkind[v];
}

const char *graph_id(const struct graph *g, uint32_t v)
{
    return graph_str(g, g->vid[v]);
}

const char *graph_label(const struct graph *g, uint32_t v)
{
    return graph_str(g, g->vlabel[v]);
}

void graph_foreach_record(const struct graph *g, kg_kind kind,
                          graph_vertex_cb cb, void *ctx)
{
    for (uint32_t i = 0; i < g->nv; i++)
        if (g->vkind[g->order[i]] == (unsigned)kind && !cb(g->order[i], ctx))
            return;
}

void graph_foreach_edge(const struct graph *g, uint32_t v, unsigned type,
                        graph_edge_cb cb, void *ctx)
{
    for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++)
        if ((type == 0 || g->etype[j] == type) &&
            !cb(g->csr.adj[j], g->etype[j], ctx))
            return;
}

/* The pools' block: every record once (one slot when there is none). */
static size_t pools_bytes(const struct graph *g)
{
    return (g->nrec ? g->nrec : 1) * sizeof(uint32_t);
}

void graph_pools(const struct graph *g, uint32_t *pool[KG_KIND_COUNT],
                 size_t npool[KG_KIND_COUNT])
{
    for (int k = 0; k < KG_KIND_COUNT; k++)
        npool[k] = 0;
    /* the records are vertices 0 .. nrec-1, the concepts after them */
    for (uint32_t v = 0; v < g->nrec; v++)
        npool[g->vkind[v]]++;
    uint32_t *all = arena_zalloc(pools_bytes(g));
    size_t at = 0;
    for (int k = 0; k < KG_KIND_COUNT; k++) {
        pool[k] = all + at;
        at += npool[k];
        npool[k] = 0;
    }
    for (uint32_t v = 0; v < g->nrec; v++)
        pool[g->vkind[v]][npool[g->vkind[v]]++] = v;
}

void graph_pools_free(const struct graph *g, uint32_t *pool[KG_KIND_COUNT])
{
    arena_free(pool[0], pools_bytes(g));
    for (int k = 0; k < KG_KIND_COUNT; k++)
        pool[k] = NULL;
}
