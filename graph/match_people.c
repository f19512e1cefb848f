/*
 * match_people.c - the text and graph z-scores of experts and
 * institutions, aggregated from their items' (and an expert's profile):
 * experts by expert.aggregate (the mean by default), institutions by the
 * mean of their best institution.k experts and items.
 */
#include <math.h>

#include "graph/match_int.h"

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
    const struct graph *g = m->g;
    for (size_t i = 0; i < m->npool[KG_EXPERT]; i++) {
        uint32_t e = m->pool[KG_EXPERT][i];
        size_t n = 0;
        bool any = m->thas[e] && m->tev[e];
        double best = m->thas[e] ? m->sim[e] : 0;
        if (m->thas[e] && n < cap)
            buf[n++] = m->tz[e];
        for (uint64_t j = g->csr.off[e]; j < g->csr.off[e + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            uint8_t t = g->etype[j];
            if ((t == GRAPH_E_AUTHORED || t == GRAPH_E_INVENTED) &&
                m->thas[x] && n < cap) {
                buf[n++] = m->tz[x];
                any |= m->tev[x];
                best = fmax(best, m->sim[x]);
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
        for (uint64_t j = g->csr.off[u]; j < g->csr.off[u + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            uint8_t t = g->etype[j];
            bool ok = (t == GRAPH_E_OWNS && match_is_item(g->vkind[x])) ||
                      (t == GRAPH_E_AFFILIATED_WITH);
            if (ok && m->thas[x] && n < cap) {
                buf[n++] = m->tz[x];
                any |= m->tev[x];
                best = fmax(best, m->tbest[x]);
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
    const struct graph *g = m->g;
    static const kg_kind items[] = {KG_ACHIEVEMENT, KG_PATENT};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < m->npool[items[k]]; i++) {
            uint32_t v = m->pool[items[k]][i];
            m->ghas[v] = rank_ppr_value(m->ppr, v) > 0;
        }
    for (size_t i = 0; i < m->npool[KG_EXPERT]; i++) {
        uint32_t e = m->pool[KG_EXPERT][i];
        size_t n = 0;
        bool reached = false;
        for (uint64_t j = g->csr.off[e]; j < g->csr.off[e + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            uint8_t t = g->etype[j];
            if ((t == GRAPH_E_AUTHORED || t == GRAPH_E_INVENTED) && n < cap) {
                buf[n++] = item_gz(m, x);
                reached |= m->ghas[x];
            }
        }
        m->ghas[e] = reached;
        m->gz[e] = aggregate(buf, n, m->c.expert_agg, m->c.expert_k);
    }
    for (size_t i = 0; i < m->npool[KG_INSTITUTION]; i++) {
        uint32_t u = m->pool[KG_INSTITUTION][i];
        size_t n = 0;
        for (uint64_t j = g->csr.off[u]; j < g->csr.off[u + 1]; j++) {
            uint32_t x = g->csr.adj[j];
            uint8_t t = g->etype[j];
            bool ok = (t == GRAPH_E_OWNS && match_is_item(g->vkind[x])) ||
                      t == GRAPH_E_AFFILIATED_WITH;
            if (ok && m->ghas[x] && n < cap)
                buf[n++] = m->gz[x];
        }
        m->ghas[u] = n > 0;
        m->gz[u] = aggregate(buf, n, MATCH_AGG_TOPK, m->c.institution_k);
    }
}
