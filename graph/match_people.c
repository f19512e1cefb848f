/*
 * match_people.c - the text and graph z-scores of experts and
 * institutions, aggregated from their items' (and an expert's profile):
 * experts by expert.aggregate (the mean by default), institutions by the
 * mean of their best institution.k experts and items.
 */
#include <stdlib.h>

#include "graph/match_int.h"

/*
 * The members a person's aggregate reads, in the order of the person's
 * CSR edges: an expert's items (authored, invented), an institution's
 * owned items and affiliated experts. Listed once per matcher, so that a
 * query reads neither the concept edges nor the edge types again, and
 * knows the members ahead: the loops prefetch the values of the member
 * PEOPLE_AHEAD places on (at 1M items nearly every read of a member's
 * value missed the cache).
 */
struct people_lists {
    uint64_t *eoff, *ioff; /* by pool index: members [off[i], off[i+1]) */
    uint32_t *emem, *imem;
};

#define PEOPLE_AHEAD 16

static bool expert_member(const struct graph *g, uint64_t j)
{
    return g->etype[j] == GRAPH_E_AUTHORED || g->etype[j] == GRAPH_E_INVENTED;
}

static bool institution_member(const struct graph *g, uint64_t j)
{
    uint8_t t = g->etype[j];
    return (t == GRAPH_E_OWNS && match_is_item(g->vkind[g->csr.adj[j]])) ||
           t == GRAPH_E_AFFILIATED_WITH;
}

/* Lists the members (those keep accepts) of the pool of kind. */
static void list_members(const struct matcher *m, kg_kind kind,
                         bool (*keep)(const struct graph *, uint64_t),
                         uint64_t **off, uint32_t **mem)
{
    const struct graph *g = m->g;
    size_t np = m->npool[kind];
    uint64_t *o = kg_xmalloc((np + 1) * sizeof *o), n = 0;
    for (size_t i = 0; i < np; i++) {
        uint32_t v = m->pool[kind][i];
        o[i] = n;
        for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++)
            n += keep(g, j);
    }
    o[np] = n;
    uint32_t *x = kg_xmalloc((n + PEOPLE_AHEAD) * sizeof *x);
    n = 0;
    for (size_t i = 0; i < np; i++) {
        uint32_t v = m->pool[kind][i];
        for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++)
            if (keep(g, j))
                x[n++] = g->csr.adj[j];
    }
    for (size_t i = 0; i < PEOPLE_AHEAD; i++)
        x[n + i] = 0; /* what the last members prefetch */
    *off = o;
    *mem = x;
}

static const struct people_lists *lists(struct matcher *m)
{
    if (!m->people) {
        struct people_lists *pl = kg_xcalloc(1, sizeof *pl);
        list_members(m, KG_EXPERT, expert_member, &pl->eoff, &pl->emem);
        list_members(m, KG_INSTITUTION, institution_member, &pl->ioff,
                     &pl->imem);
        m->people = pl;
    }
    return m->people;
}

void match_people_release(struct matcher *m)
{
    struct people_lists *pl = m->people;
    if (!pl)
        return;
    free(pl->eoff);
    free(pl->ioff);
    free(pl->emem);
    free(pl->imem);
    free(pl);
    m->people = NULL;
}

/* Aggregates n values (reordered) as agg with k. */
static double aggregate(double *x, size_t n, enum match_agg agg, unsigned k)
{
    if (n == 0)
        return 0;
    double s = 0;
    if (agg == MATCH_AGG_MEAN) {
        for (size_t i = 0; i < n; i++)
            s += x[i];
        return s / n;
    }
    if (agg == MATCH_AGG_MAX) {
        double best = x[0];
        for (size_t i = 1; i < n; i++)
            if (x[i] > best)
                best = x[i];
        return best;
    }
    /* The best k by partial selection sort: k is small. */
    size_t m = n < k ? n : k;
    for (size_t i = 0; i < m; i++) {
        size_t b = i;
        for (size_t j = i + 1; j < n; j++)
            if (x[j] > x[b])
                b = j;
        double t = x[i];
        x[i] = x[b];
        x[b] = t;
        s += x[i];
    }
    return agg == MATCH_AGG_TOPK ? s / m : s;
}

/* Text z of experts from their items (and profile), then of institutions
 * from their experts and items. */
void match_text_people(struct matcher *m, double *buf, size_t cap)
{
    const struct people_lists *pl = lists(m);
    for (size_t i = 0; i < m->npool[KG_EXPERT]; i++) {
        uint32_t e = m->pool[KG_EXPERT][i];
        size_t n = 0;
        bool any = m->thas[e] && m->tev[e];
        double best = m->thas[e] ? m->sim[e] : 0;
        if (m->thas[e] && n < cap)
            buf[n++] = m->tz[e];
        for (uint64_t j = pl->eoff[i]; j < pl->eoff[i + 1]; j++) {
            uint32_t x = pl->emem[j], y = pl->emem[j + PEOPLE_AHEAD];
            __builtin_prefetch(&m->tz[y]);
            __builtin_prefetch(&m->sim[y]);
            if (m->thas[x] && n < cap) {
                buf[n++] = m->tz[x];
                any |= m->tev[x];
                best = match_larger(best, m->sim[x]);
            }
        }
        m->thas[e] = n > 0;
        m->tev[e] = any;
        m->tbest[e] = best;
        m->tz[e] = aggregate(buf, n, m->c.expert_agg, m->c.expert_k);
    }
    for (size_t i = 0; i < m->npool[KG_INSTITUTION]; i++) {
        uint32_t u = m->pool[KG_INSTITUTION][i];
        size_t n = 0;
        bool any = false;
        double best = 0;
        for (uint64_t j = pl->ioff[i]; j < pl->ioff[i + 1]; j++) {
            uint32_t x = pl->imem[j], y = pl->imem[j + PEOPLE_AHEAD];
            __builtin_prefetch(&m->tz[y]);
            __builtin_prefetch(&m->tbest[y]);
            if (m->thas[x] && n < cap) {
                buf[n++] = m->tz[x];
                any |= m->tev[x];
                best = match_larger(best, m->tbest[x]);
            }
        }
        m->thas[u] = n > 0;
        m->tev[u] = any;
        m->tbest[u] = best;
        m->tz[u] = aggregate(buf, n, MATCH_AGG_TOPK, m->c.institution_k);
    }
}

/* The graph z-score of item v (reached or not), once graph_people has
 * set ghas of every item (reached: a positive estimate). */
static double item_gz(const struct matcher *m, uint32_t v)
{
    return m->ghas[v] ? m->gz[v] : m->gz0[m->g->vkind[v]];
}

/* Graph z-scores of experts from their items, of institutions from their
 * experts and items, aggregated as the text scores are. ghas marks the
 * records with graph evidence: a reached item, or such a person. */
void match_graph_people(struct matcher *m, double *buf, size_t cap)
{
    const struct people_lists *pl = lists(m);
    static const kg_kind items[] = {KG_ACHIEVEMENT, KG_PATENT};
    const double *est = rank_ppr_estimates(m->ppr);
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < m->npool[items[k]]; i++) {
            uint32_t v = m->pool[items[k]][i];
            m->ghas[v] = est[v] > 0;
        }
    for (size_t i = 0; i < m->npool[KG_EXPERT]; i++) {
        uint32_t e = m->pool[KG_EXPERT][i];
        size_t n = 0;
        bool reached = false;
        for (uint64_t j = pl->eoff[i]; j < pl->eoff[i + 1] && n < cap; j++) {
            uint32_t x = pl->emem[j];
            __builtin_prefetch(&m->ghas[pl->emem[j + PEOPLE_AHEAD]]);
            buf[n++] = item_gz(m, x);
            reached |= m->ghas[x];
        }
        m->ghas[e] = reached;
        m->gz[e] = aggregate(buf, n, m->c.expert_agg, m->c.expert_k);
    }
    for (size_t i = 0; i < m->npool[KG_INSTITUTION]; i++) {
        uint32_t u = m->pool[KG_INSTITUTION][i];
        size_t n = 0;
        for (uint64_t j = pl->ioff[i]; j < pl->ioff[i + 1]; j++) {
            uint32_t x = pl->imem[j];
            __builtin_prefetch(&m->ghas[pl->imem[j + PEOPLE_AHEAD]]);
            if (m->ghas[x] && n < cap)
                buf[n++] = m->gz[x];
        }
        m->ghas[u] = n > 0;
        m->gz[u] = aggregate(buf, n, MATCH_AGG_TOPK, m->c.institution_k);
    }
}
