/*
 * people.c - the people's lists of the graph image (graph_int.h, struct
 * graph_people): which items and experts each expert and institution
 * aggregates, and the other way round, which people take each item's and
 * each expert's value. The build writes them into the image once, so a
 * matcher reads them where it used to list them on its first query
 * (a third of a one-demand process's instructions at 100k items).
 */
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

static bool expert_member(const struct graph *g, uint64_t j)
{
    return g->etype[j] == GRAPH_E_AUTHORED || g->etype[j] == GRAPH_E_INVENTED;
}

static bool institution_member(const struct graph *g, uint64_t j)
{
    uint8_t t = g->etype[j], k = g->vkind[g->csr.adj[j]];
    return (t == GRAPH_E_OWNS && (k == KG_ACHIEVEMENT || k == KG_PATENT)) ||
           t == GRAPH_E_AFFILIATED_WITH;
}

/* Lists the members (those keep accepts) of the np people of pool. */
static void list_members(const struct graph *g, const uint32_t *pool, size_t np,
                         bool (*keep)(const struct graph *, uint64_t),
                         uint64_t **off, uint32_t **mem, uint64_t *count)
{
    uint64_t *o = kg_xmalloc((np + 1) * sizeof *o), n = 0;
    for (size_t i = 0; i < np; i++) {
        uint32_t v = pool[i];
        o[i] = n;
        for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++)
            n += keep(g, j);
    }
    o[np] = n;
    uint32_t *x = kg_xmalloc((n ? n : 1) * sizeof *x);
    n = 0;
    for (size_t i = 0; i < np; i++) {
        uint32_t v = pool[i];
        for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++)
            if (keep(g, j))
                x[n++] = g->csr.adj[j];
    }
    *off = o;
    *mem = x;
    *count = n;
}

/* The takers of members grouped by member: of the np people whose
 * members are mem[off[i], off[i+1]), those not marked one take member
 * at[x] - 1 (when 1 <= at[x] <= nto); tk[toff[j], toff[j+1]) lists
 * member j's, and GRAPH_PEOPLE_AHEAD zeros follow the last. */
static void list_takers(const uint64_t *off, const uint32_t *mem, size_t np,
                        const uint8_t *one, const uint32_t *at, size_t nto,
                        uint64_t **toff, uint32_t **tk, uint64_t *count)
{
    uint64_t *o = kg_xcalloc(nto + 2, sizeof *o);
    for (size_t i = 0; i < np; i++)
        for (uint64_t j = off[i]; j < off[i + 1] && !one[i]; j++)
            if (at[mem[j]] && at[mem[j]] <= nto)
                o[at[mem[j]] + 1]++;
    for (size_t j = 0; j < nto; j++)
        o[j + 2] += o[j + 1];
    *count = o[nto + 1];
    uint32_t *x = kg_xcalloc(o[nto + 1] + GRAPH_PEOPLE_AHEAD, sizeof *x);
    for (size_t i = 0; i < np; i++)
        for (uint64_t j = off[i]; j < off[i + 1] && !one[i]; j++)
            if (at[mem[j]] && at[mem[j]] <= nto)
                x[o[at[mem[j]]]++] = (uint32_t)i;
    *toff = o; /* o[j] now starts member j's takers */
    *tk = x;
}

static bool has_vector(const struct graph *g, uint32_t v)
{
    return g->vec_off[v] != g->vec_off[v + 1];
}

/* The item kind's place (0 achievement, 1 patent). */
static int item_place(const struct graph *g, uint32_t v)
{
    return g->vkind[v] == KG_PATENT;
}

void people_build(const struct graph *g, struct people_built *b)
{
    memset(b, 0, sizeof *b);
    uint32_t *pool[KG_KIND_COUNT];
    size_t npool[KG_KIND_COUNT];
    graph_pools(g, pool, npool);
    const uint32_t *pa = pool[KG_ACHIEVEMENT], *pp = pool[KG_PATENT];
    const uint32_t *pe = pool[KG_EXPERT], *pi = pool[KG_INSTITUTION];
    uint32_t na = (uint32_t)npool[KG_ACHIEVEMENT];
    uint32_t np = (uint32_t)npool[KG_PATENT];
    uint32_t ne = (uint32_t)npool[KG_EXPERT];
    uint32_t ni = (uint32_t)npool[KG_INSTITUTION];
    uint32_t nitems = na + np;
    b->ne = ne;
    b->ni = ni;
    b->na = na;
    b->nitems = nitems;
    list_members(g, pe, ne, expert_member, &b->eoff, &b->emem, &b->nemem);
    list_members(g, pi, ni, institution_member, &b->ioff, &b->imem, &b->nimem);
    /* at[v]: an item's place + 1, an expert's past them */
    uint32_t *at = kg_xcalloc(g->nv ? g->nv : 1, sizeof *at);
    for (uint32_t i = 0; i < na; i++)
        at[pa[i]] = i + 1;
    for (uint32_t i = 0; i < np; i++)
        at[pp[i]] = na + i + 1;
    for (uint32_t i = 0; i < ne; i++)
        at[pe[i]] = nitems + i + 1;
    b->eone = kg_xcalloc(ne ? ne : 1, sizeof *b->eone);
    b->ione = kg_xcalloc(ni ? ni : 1, sizeof *b->ione);
    b->ecount = kg_xcalloc(ne ? ne : 1, sizeof *b->ecount);
    b->icount = kg_xcalloc(ni ? ni : 1, sizeof *b->icount);
    for (uint32_t i = 0; i < ne; i++) {
        b->eone[i] = b->eoff[i + 1] - b->eoff[i] + 1 > GRAPH_PEOPLE_CAP;
        for (uint64_t j = b->eoff[i]; j < b->eoff[i + 1]; j++) {
            uint32_t x = b->emem[j];
            b->eone[i] |= !at[x] || at[x] > nitems;
            if (at[x] && at[x] <= nitems) {
                b->ecount[i][item_place(g, x)] += has_vector(g, x);
                b->ecount[i][2 + item_place(g, x)]++;
            }
        }
    }
    for (uint32_t i = 0; i < ni; i++) {
        b->ione[i] = b->ioff[i + 1] - b->ioff[i] > GRAPH_PEOPLE_CAP;
        for (uint64_t j = b->ioff[i]; j < b->ioff[i + 1]; j++) {
            uint32_t x = b->imem[j];
            b->ione[i] |= !at[x];
            if (at[x] && at[x] <= nitems)
                b->icount[i][item_place(g, x)] += has_vector(g, x);
        }
    }
    list_takers(b->eoff, b->emem, ne, b->eone, at, nitems, &b->xoff, &b->xexp,
                &b->nxexp);
    list_takers(b->ioff, b->imem, ni, b->ione, at, nitems, &b->yoff, &b->yinst,
                &b->nyinst);
    /* an institution's experts: their places without the items */
    for (uint32_t i = 0; i < na; i++)
        at[pa[i]] = 0;
    for (uint32_t i = 0; i < np; i++)
        at[pp[i]] = 0;
    for (uint32_t i = 0; i < ne; i++)
        at[pe[i]] = i + 1;
    list_takers(b->ioff, b->imem, ni, b->ione, at, ne, &b->zoff, &b->zinst,
                &b->nzinst);
    free(at);
    graph_pools_free(g, pool);
}

void people_built_release(struct people_built *b)
{
    free(b->eoff);
    free(b->ioff);
    free(b->emem);
    free(b->imem);
    free(b->eone);
    free(b->ione);
    free(b->ecount);
    free(b->icount);
    free(b->xoff);
    free(b->yoff);
    free(b->zoff);
    free(b->xexp);
    free(b->yinst);
    free(b->zinst);
    memset(b, 0, sizeof *b);
}
