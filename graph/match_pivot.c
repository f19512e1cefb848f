/*
 * match_pivot.c - the IPC pivot. IPC codes are language-neutral: the
 * groups of the patents a query's text finds best (in either language)
 * classify the need, and the groups' other patents and achievements, in
 * any language, are reached through the graph: the groups' code vertices
 * join the personalized PageRank's restarts (ppr.ipc of them), and a hit
 * reached so says "via IPC C22B 7/04 (from CN115410650A)".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/match_int.h"

/* The best patents by text whose groups classify the need, and how many of
 * them a group needs: one patent's groups may be its side topics, a group
 * that two of the best share is the need's. */
#define PIVOT_PATENTS MATCH_PIVOT_FROM
#define PIVOT_MIN 2

/* The main group of an IPC code vertex's label ("C22B 7/04" -> "C22B 7"
 * in key, its length returned); 0 when the label names no group. */
static size_t main_group(const char *label, char key[MATCH_PIVOT_KEY])
{
    const char *sp = strchr(label, ' '), *sl = strchr(label, '/');
    size_t n = sl ? (size_t)(sl - label) : strlen(label);
    if (!sp || n >= MATCH_PIVOT_KEY || n <= (size_t)(sp - label) + 1)
        return 0;
    memcpy(key, label, n);
    key[n] = '\0';
    return n;
}

/* The pivot group of key, or NULL. */
static const struct match_pivot *group_of(const struct matcher *m,
                                          const char *key)
{
    for (size_t i = 0; i < m->npivot; i++)
        if (strcmp(m->pivot[i].key, key) == 0)
            return &m->pivot[i];
    return NULL;
}

/* Counts patent p (text weight w) for each main group of its codes. */
static void support(struct matcher *m, uint32_t p, double w,
                    struct match_pivot *cand, size_t *ncand)
{
    const struct graph *g = m->g;
    for (uint64_t j = g->csr.off[p]; j < g->csr.off[p + 1]; j++) {
        uint32_t c = g->csr.adj[j];
        char key[MATCH_PIVOT_KEY];
        if (g->etype[j] != GRAPH_E_ABOUT || g->vsub[c] != GRAPH_C_IPC ||
            !main_group(graph_str(g, g->vlabel[c]), key))
            continue;
        size_t i = 0;
        while (i < *ncand && strcmp(cand[i].key, key) != 0)
            i++;
        if (i == *ncand) {
            if (*ncand == PIVOT_PATENTS * 8)
                continue;
            cand[(*ncand)++] = (struct match_pivot){.code = c};
            memcpy(cand[i].key, key, sizeof key);
        }
        struct match_pivot *x = &cand[i];
        if (x->nfrom && x->from[x->nfrom - 1] == p)
            continue; /* a second code of p in the same group */
        x->from[x->nfrom++] = p;
        x->w += w;
    }
}

/* Adds the code vertices of x's main group (the children of its subclass
 * whose label starts with the key) as seeds of weight w each. */
static void group_seeds(struct matcher *m, const struct match_pivot *x)
{
    const struct graph *g = m->g;
    uint32_t sub = GRAPH_NONE;
    for (uint64_t j = g->csr.off[x->code]; j < g->csr.off[x->code + 1]; j++)
        if (g->etype[j] == GRAPH_E_BROADER) {
            uint32_t p = g->csr.adj[j];
            if (strchr(graph_str(g, g->vlabel[p]), ' ') == NULL)
                sub = p;
        }
    size_t first = m->npv, n = strlen(x->key);
    uint64_t lo = sub != GRAPH_NONE ? g->csr.off[sub] : 0;
    uint64_t hi = sub != GRAPH_NONE ? g->csr.off[sub + 1] : 0;
    for (uint64_t j = lo; j <= hi; j++) {
        uint32_t c = j < hi ? g->csr.adj[j] : x->code;
        if (j < hi && g->etype[j] != GRAPH_E_BROADER)
            continue;
        const char *l = graph_str(g, g->vlabel[c]);
        if (strncmp(l, x->key, n) != 0 || (l[n] != '/' && l[n] != '\0'))
            continue;
        bool dup = false;
        for (size_t i = first; i < m->npv && !dup; i++)
            dup = m->pvert[i] == c;
        if (dup)
            continue;
        if (m->npv == m->cappv) {
            m->cappv = m->cappv ? 2 * m->cappv : 16;
            m->pvert = kg_xrealloc(m->pvert, m->cappv * sizeof *m->pvert);
            m->pw = kg_xrealloc(m->pw, m->cappv * sizeof *m->pw);
        }
        m->pvert[m->npv++] = c;
    }
    for (size_t i = first; i < m->npv; i++)
        m->pw[i] = x->w / (double)(m->npv - first);
}

/* Is a a better patent than b (higher z, or equal and earlier id)? */
static bool better(const struct scored *a, const struct scored *b)
{
    return a->s != b->s ? a->s > b->s : strcmp(a->id, b->id) < 0;
}

void match_pivot_find(struct matcher *m)
{
    const struct graph *g = m->g;
    m->npivot = m->npv = 0;
    if (!(m->c.ppr_ipc > 0) || !match_graph_on(m))
        return;
    /* the best patents by text z-score, above the average patent */
    struct scored best[PIVOT_PATENTS];
    size_t nb = 0;
    double cut = 0; /* once best is full: its worst z */
    for (size_t i = 0; i < m->npool[KG_PATENT]; i++) {
        uint32_t v = m->pool[KG_PATENT][i];
        double z = m->tz[v];
        /* the z first: once best is full it turns nearly every patent
         * away, and in a pattern the branch predictor learns */
        if (!(z > 0) || z < cut || !m->thas[v] || !m->tev[v])
            continue;
        struct scored x = {z, v, graph_str(g, g->vid[v])};
        if (nb == PIVOT_PATENTS && !better(&x, &best[nb - 1]))
            continue;
        size_t k = nb < PIVOT_PATENTS ? nb++ : nb - 1;
        for (; k > 0 && better(&x, &best[k - 1]); k--)
            best[k] = best[k - 1];
        best[k] = x;
        if (nb == PIVOT_PATENTS)
            cut = best[nb - 1].s;
    }
    struct match_pivot cand[PIVOT_PATENTS * 8];
    size_t nc = 0;
    for (size_t i = 0; i < nb; i++) /* best first: from[] is too */
        support(m, best[i].v, best[i].s, cand, &nc);
    double total = 0;
    for (size_t i = 0; i < nc && m->npivot < MATCH_PIVOT_MAX; i++)
        if (cand[i].nfrom >= PIVOT_MIN) {
            m->pivot[m->npivot++] = cand[i];
            total += cand[i].w;
        }
    for (size_t i = 0; i < m->npivot; i++) {
        m->pivot[i].w /= total;
        group_seeds(m, &m->pivot[i]);
    }
}

bool match_pivot_of(const struct matcher *m, uint32_t v, uint32_t *code,
                    uint32_t *from)
{
    const struct graph *g = m->g;
    for (uint64_t j = g->csr.off[v]; m->npivot && j < g->csr.off[v + 1]; j++) {
        uint32_t c = g->csr.adj[j];
        char key[MATCH_PIVOT_KEY];
        if (g->etype[j] != GRAPH_E_ABOUT || g->vsub[c] != GRAPH_C_IPC ||
            !main_group(graph_str(g, g->vlabel[c]), key))
            continue;
        const struct match_pivot *x = group_of(m, key);
        for (size_t i = 0; x && i < x->nfrom; i++)
            if (x->from[i] != v) {
                *code = c;
                *from = x->from[i];
                return true;
            }
    }
    return false;
}
