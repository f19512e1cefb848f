/*
 * ppr_bench.c - measures personalized PageRank on a store's graph: the
 * forward push (milliseconds per demand) and its top-k agreement with
 * igraph's exact PRPACK result. Used by bench/bench_match.py.
 *
 *   ppr_bench DB [DEMANDS [EXACT [EPS]]]
 *
 * DEMANDS demands (the first by id) are pushed from the seeds the matcher
 * uses (demand_seeds: graph/match.c's mark_demand_concepts and graph_pass
 * with the default config); EXACT of them are also solved exactly. The
 * timed part is the seeding and the push. Prints one JSON object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

static double now_ms(void)
{
    return kg_monotonic() * 1e3;
}

/*
 * The matcher's PageRank seeds for demand d (graph/match.c,
 * mark_demand_concepts and graph_pass, default config): every concept next
 * to the demand with its edge weight, then the concept of every term of
 * the demand's vector not already seeded, with the term's weight, and the
 * enterprise with ppr.enterprise (0.2) of the restarts. mark (nv zeros) is
 * left zeroed. Returns the number of seeds in seeds/w (room for nv + 1).
 */
static size_t demand_seeds(const struct graph *g, uint32_t d, float *mark,
                           uint32_t *seeds, double *w)
{
    size_t n = 0;
    double total = 0;
    uint32_t ent = GRAPH_NONE;
    for (uint64_t j = g->csr.off[d]; j < g->csr.off[d + 1]; j++) {
        uint32_t c = g->csr.adj[j];
        if (g->etype[j] == GRAPH_E_POSTED && ent == GRAPH_NONE)
            ent = c;
        if (g->vkind[c] != GRAPH_CONCEPT || mark[c] > 0)
            continue;
        mark[c] = g->csr.w[j];
        seeds[n++] = c;
    }
    for (uint64_t i = g->vec_off[d]; i < g->vec_off[d + 1]; i++) {
        uint32_t c = g->term_vertex[g->vec_term[i]];
        if (c == GRAPH_NONE || mark[c] > 0)
            continue;
        mark[c] = g->vec_w[i];
        seeds[n++] = c;
    }
    for (size_t i = 0; i < n; i++) {
        w[i] = mark[seeds[i]];
        total += w[i];
        mark[seeds[i]] = 0;
    }
    if (ent != GRAPH_NONE && total > 0) {
        seeds[n] = ent;
        w[n++] = total * 0.2 / (1 - 0.2);
    }
    return total > 0 ? n : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* |top-k of a ∩ top-k of b| / k over the vertices that pass keep. */
static double agreement(const struct graph *g, const double *a, const double *b,
                        size_t k, bool items_only, double *scratch)
{
    uint32_t *ta = malloc(k * sizeof *ta), *tb = malloc(k * sizeof *tb);
    for (int pass = 0; pass < 2; pass++) {
        const double *src = pass ? b : a;
        for (uint32_t v = 0; v < g->nv; v++) {
            bool item =
                g->vkind[v] == KG_ACHIEVEMENT || g->vkind[v] == KG_PATENT;
            scratch[v] = !items_only || item ? src[v] : -1;
        }
        rank_top_k(scratch, g->nv, pass ? tb : ta, k);
    }
    size_t same = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            same += ta[i] == tb[j];
    free(ta);
    free(tb);
    return (double)same / (double)k;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ppr_bench DB [DEMANDS [EXACT [EPS]]]\n");
        return 2;
    }
    size_t want = argc > 2 ? strtoul(argv[2], NULL, 10) : 200;
    size_t exact = argc > 3 ? strtoul(argv[3], NULL, 10) : 10;
    double eps = argc > 4 ? strtod(argv[4], NULL) : 1e-5;
    char err[512];
    struct store *s;
    if (store_open(argv[1], STORE_READONLY, &s, err, sizeof err) != KG_OK) {
        fprintf(stderr, "ppr_bench: %s\n", err);
        return 3;
    }
    struct graph *g;
    if (graph_open(s, NULL, &g, err, sizeof err) != KG_OK) {
        fprintf(stderr, "ppr_bench: %s\n", err);
        return 3;
    }
    uint32_t *dem = malloc((want + 1) * sizeof *dem);
    size_t nd = 0;
    for (uint32_t i = 0; i < g->nv && nd < want; i++)
        if (g->vkind[g->order[i]] == KG_DEMAND)
            dem[nd++] = g->order[i];
    struct rank_ppr *p = rank_ppr_new(g->nv);
    struct rank_opts o = {.damping = 0.85, .eps = eps};
    double *ms = calloc(nd + 1, sizeof *ms);
    double *ap = malloc(g->nv * sizeof *ap), *ex = malloc(g->nv * sizeof *ex);
    double *scratch = malloc(g->nv * sizeof *scratch);
    double agree_all = 0, agree_items = 0, exact_ms = 0;
    size_t nexact = 0;
    uint64_t pushes = 0;
    uint32_t *seeds = malloc((g->nv + 1) * sizeof *seeds);
    double *w = malloc((g->nv + 1) * sizeof *w);
    float *mark = calloc(g->nv, sizeof *mark);
    size_t nseeds = 0;
    for (size_t i = 0; i < nd; i++) {
        double t = now_ms();
        size_t n = demand_seeds(g, dem[i], mark, seeds, w);
        if (n == 0)
            continue;
        nseeds += n;
        if (rank_ppr_push(p, &g->csr, seeds, w, n, &o) != KG_OK) {
            fprintf(stderr, "ppr_bench: push failed\n");
            return 1;
        }
        ms[i] = now_ms() - t;
        pushes += rank_ppr_pushes(p);
        if (nexact < exact) {
            for (uint32_t v = 0; v < g->nv; v++)
                ap[v] = rank_ppr_value(p, v);
            t = now_ms();
            if (rank_ppr_exact(&g->csr, seeds, w, n, 0.85, ex) != KG_OK) {
                fprintf(stderr, "ppr_bench: PRPACK failed\n");
                return 1;
            }
            exact_ms += now_ms() - t;
            agree_all += agreement(g, ap, ex, 10, false, scratch);
            agree_items += agreement(g, ap, ex, 10, true, scratch);
            nexact++;
        }
    }
    free(seeds);
    free(w);
    free(mark);
    double *sorted = malloc((nd + 1) * sizeof *sorted);
    memcpy(sorted, ms, nd * sizeof *ms);
    qsort(sorted, nd, sizeof *sorted, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < nd; i++)
        sum += ms[i];
    printf("{\"vertices\": %u, \"edges\": %llu, \"demands\": %zu, \"eps\": %g, "
           "\"push_ms_mean\": %.3f, \"push_ms_median\": %.3f, "
           "\"push_ms_p95\": %.3f, \"push_ms_max\": %.3f, "
           "\"pushes_mean\": %.0f, \"seeds_mean\": %.1f, \"exact_runs\": %zu, "
           "\"prpack_ms_mean\": %.1f, \"top10_agreement_all\": %.4f, "
           "\"top10_agreement_items\": %.4f}\n",
           g->nv, (unsigned long long)g->ne, nd, eps, nd ? sum / nd : 0,
           nd ? sorted[nd / 2] : 0, nd ? sorted[nd * 95 / 100] : 0,
           nd ? sorted[nd - 1] : 0, nd ? (double)pushes / nd : 0,
           nd ? (double)nseeds / nd : 0, nexact, nexact ? exact_ms / nexact : 0,
           nexact ? agree_all / nexact : 0, nexact ? agree_items / nexact : 0);
    free(sorted);
    free(ms);
    free(ap);
    free(ex);
    free(scratch);
    free(dem);
    rank_ppr_free(p);
    graph_free(g);
    store_close(s);
    return 0;
}
