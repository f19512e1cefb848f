/*
 * match_people.c - the text and graph z-scores of experts and
 * institutions, aggregated from their items' (and an expert's profile):
 * experts by expert.aggregate (the mean by default), institutions by the
 * mean of their best institution.k experts and items.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "graph/match_int.h"

/*
 * The members a person's aggregate reads, in the order of the person's
 * CSR edges: an expert's items (authored, invented), an institution's
 * owned items and affiliated experts, listed once in the graph's image
 * (graph/people.c).
 *
 * Most items of a query have no text evidence (no shared term, no BM25
 * score) and all of those of a kind have the same text z-score, the z of
 * a zero score; most are not reached by the walk and have the graph
 * z-score gz0 of their kind. So a query adds up only the items with
 * evidence (text) or reached (graph), each handing its value to the
 * people that hold it (the item's takers), and counts the others in by
 * kind: an expert's mean is the sum over the items with a value of their
 * own plus, per kind, the count of the others times their common value;
 * an institution's best k are the best of its experts and items with a
 * value of their own and up to k copies of each kind's common value. The
 * means differ from a member-by-member sum only by rounding; the best k
 * are the same values. A person with more members than the values it may
 * aggregate (cap: GRAPH_PEOPLE_CAP), or with a member that is neither an item
 * nor an expert, is aggregated member by member (its first cap values), and so
 * are all experts when expert.aggregate is not the mean.
 */

/* A matcher's sums; the lists they are added along are the graph's
 * (struct graph_people). */
struct people_sums {
    struct expert_acc *e; /* a query's sums, by pool index */
    struct people_acc *u;
    double *top; /* institution i's best: top[k * i ...] */
    char *mem;   /* the sums, carved from one mapping */
    size_t memlen;
};

/* How far ahead in the items' expert takers the sums to add to are
 * prefetched: some 20 items on, enough for the sums at 1M items to
 * arrive in time. The graph ends the takers in GRAPH_PEOPLE_AHEAD zeros;
 * a place beyond them is held at the last (far_taker). */
#define PEOPLE_FAR 48

/* The last place a prefetch may read in the expert takers: their last
 * zero (far_taker's bound, taken once per pass). */
static uint64_t takers_last(const struct graph_people *gp)
{
    return gp->xoff[gp->nitems] + GRAPH_PEOPLE_AHEAD - 1;
}

/* The taker place PEOPLE_FAR after j, at most last (takers_last). */
static inline uint64_t far_taker(uint64_t j, uint64_t last)
{
    return j + PEOPLE_FAR < last ? j + PEOPLE_FAR : last;
}

/* institution.k's largest value (match_config.c) */
#define PEOPLE_KMAX 64

/* A query's sums for an expert, kept small (16 bytes: four to a cache
 * line, as the items hand their values to experts all over the pool):
 * the members with a value of their own add how far it lies above their
 * kind's common value; best is the best cosine among them, -1 while there
 * is none (text), or 1 once one was reached (graph). */
struct expert_acc {
    double sum, best;
};

/* ... and for an institution: the best values offered (top), all of them
 * counted (n), those with a value of their own by item kind, any text
 * evidence, the best cosine. */
struct people_acc {
    double sum, best;
    uint32_t n, nk[2];
    bool any;
};

/*
 * The lists are the graph's (graph/people.c builds them into the image);
 * a matcher adds the sums its queries write, cut from one zeroed mapping
 * (core/arena.h: huge pages once it is ARENA_MIN bytes), on its first query.
 */
static struct people_sums *sums_of(struct matcher *m)
{
    if (m->people)
        return m->people;
    struct people_sums *pl = kg_xcalloc(1, sizeof *pl);
    size_t ne = m->npool[KG_EXPERT], ni = m->npool[KG_INSTITUTION];
    pl->memlen = arena_cut_size(ne, sizeof *pl->e) +
                 arena_cut_size(ni, sizeof *pl->u) +
                 arena_cut_size(ni * PEOPLE_KMAX, sizeof *pl->top);
    pl->memlen += pl->memlen == 0; /* arena_zalloc wants n > 0 */
    pl->mem = arena_zalloc(pl->memlen);
    struct arena_cut c = {pl->mem, 0, pl->memlen};
    pl->e = arena_cut(&c, ne, sizeof *pl->e);
    pl->u = arena_cut(&c, ni, sizeof *pl->u);
    pl->top = arena_cut(&c, ni * PEOPLE_KMAX, sizeof *pl->top);
    m->people = pl;
    return pl;
}

void match_people_release(struct matcher *m)
{
    struct people_sums *pl = m->people;
    if (!pl)
        return;
    arena_free(pl->mem, pl->memlen);
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

/* Offers x, c times, to the best k values top[0..min(n, k)) (descending)
 * of the n offered so far; counts them. */
static void best_offer(double *top, uint32_t *n, unsigned k, double x,
                       uint32_t c)
{
    for (uint32_t r = 0; r < c && r < k; r++) {
        size_t i = *n + r < k ? *n + r : k;
        if (i == k && !(x > top[k - 1]))
            break;
        if (i == k)
            i--;
        while (i > 0 && x > top[i - 1]) {
            top[i] = top[i - 1];
            i--;
        }
        top[i] = x;
    }
    *n += c;
}

/* The mean of the best k of n values offered, as aggregate's TOPK gives
 * it (the same values added best first). */
static double best_mean(const double *top, uint32_t n, unsigned k)
{
    size_t m = n < k ? n : k;
    double s = 0;
    for (size_t i = 0; i < m; i++)
        s += top[i];
    return m ? s / m : 0;
}

/* Offers value x (with its evidence and best cosine), c times, to the
 * institutions tk[from, to). */
static void inst_offer(struct people_sums *pl, unsigned k, const uint32_t *tk,
                       uint64_t from, uint64_t to, double x, uint32_t c,
                       bool ev, double best)
{
    for (uint64_t j = from; j < to; j++) {
        struct people_acc *a = &pl->u[tk[j]];
        best_offer(pl->top + (size_t)k * tk[j], &a->n, k, x, c);
        a->any |= ev;
        a->best = match_larger(a->best, best);
    }
}

/* The item vertex at place i. */
static uint32_t item_at(const struct matcher *m, const struct graph_people *gp,
                        size_t i)
{
    return i < gp->na ? m->pool[KG_ACHIEVEMENT][i]
                      : m->pool[KG_PATENT][i - gp->na];
}

/* The items are read in blocks of this many, their places with evidence
 * listed first (items_with). */
#define PEOPLE_BLOCK 4096

/* The places i in [from, from + PEOPLE_BLOCK) of the items (up to the
 * last) whose vertex has both a and b set, in order, into out; their
 * number. Without branches: which items have evidence follows no
 * pattern, and most items of a query have none. */
static size_t items_with(const struct matcher *m, const struct graph_people *gp,
                         size_t from, const bool *a, const bool *b,
                         uint32_t *out)
{
    size_t to =
        gp->nitems - from < PEOPLE_BLOCK ? gp->nitems : from + PEOPLE_BLOCK;
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        uint32_t v = item_at(m, gp, i);
        out[n] = (uint32_t)i;
        n += a[v] & b[v];
    }
    return n;
}

/* Text z of expert i of the pool, member by member (its first cap
 * values). */
static void text_expert_one(struct matcher *m, const struct graph_people *gp,
                            size_t i, double *buf, size_t cap)
{
    uint32_t e = m->pool[KG_EXPERT][i];
    size_t n = 0;
    bool any = m->thas[e] && m->tev[e];
    double best = m->thas[e] ? m->sim[e] : 0;
    if (m->thas[e] && n < cap)
        buf[n++] = m->tz[e];
    for (uint64_t j = gp->eoff[i]; j < gp->eoff[i + 1]; j++) {
        uint32_t x = gp->emem[j];
        if (m->thas[x] && n < cap) {
            buf[n++] = match_people_z(m, x);
            any |= m->tev[x];
            best = match_larger(best, m->sim[x]);
        }
    }
    m->thas[e] = n > 0;
    m->tev[e] = any;
    m->tbest[e] = best;
    m->tz[e] = aggregate(buf, n, m->c.expert_agg, m->c.expert_k);
}

/* Text z of institution i of the pool, member by member. */
static void text_institution_one(struct matcher *m,
                                 const struct graph_people *gp, size_t i,
                                 double *buf, size_t cap)
{
    uint32_t u = m->pool[KG_INSTITUTION][i];
    size_t n = 0;
    bool any = false;
    double best = 0;
    for (uint64_t j = gp->ioff[i]; j < gp->ioff[i + 1]; j++) {
        uint32_t x = gp->imem[j];
        if (m->thas[x] && n < cap) {
            buf[n++] = match_people_z(m, x);
            any |= m->tev[x];
            best = match_larger(best, match_tbest(m, x));
        }
    }
    m->thas[u] = n > 0;
    m->tev[u] = any;
    m->tbest[u] = best;
    m->tz[u] = aggregate(buf, n, MATCH_AGG_TOPK, m->c.institution_k);
}

/* Adds d to the sums of the experts who take item i (its authors and
 * inventors) and raises their best to best at least; the sums PEOPLE_FAR
 * takers on are fetched early (last: takers_last). */
static inline void experts_add(struct people_sums *pl,
                               const struct graph_people *gp, size_t i,
                               uint64_t last, double d, double best)
{
    for (uint64_t j = gp->xoff[i]; j < gp->xoff[i + 1]; j++) {
        struct expert_acc *a = &pl->e[gp->xexp[j]];
        __builtin_prefetch(&pl->e[gp->xexp[far_taker(j, last)]], 1);
        a->sum += d;
        a->best = match_larger(a->best, best);
    }
}

/* Clears the query's sums (the experts' best to none). */
static void sums_clear(const struct matcher *m, struct people_sums *pl,
                       double none)
{
    for (size_t i = 0; i < m->npool[KG_EXPERT]; i++)
        pl->e[i] = (struct expert_acc){0, none};
    memset(pl->u, 0, m->npool[KG_INSTITUTION] * sizeof *pl->u);
}

/* The common text z (zi: as people aggregate it) of the items of pool
 * kind without text evidence (the z of a zero score; 0 when every item
 * has evidence). */
static double common_z(const struct matcher *m, const double *zi, kg_kind kind)
{
    for (size_t i = 0; i < m->npool[kind]; i++) {
        uint32_t v = m->pool[kind][i];
        if (m->thas[v] && !m->tev[v])
            return zi[v];
    }
    return 0;
}

/* Text z of experts from their items (and profile), then of institutions
 * from their experts and items. */
void match_text_people(struct matcher *m, double *buf)
{
    const struct graph_people *gp = &m->g->people;
    size_t cap = GRAPH_PEOPLE_CAP; /* the lists' marks were made with it */
    struct people_sums *pl = sums_of(m);
    size_t ne = m->npool[KG_EXPERT], ni = m->npool[KG_INSTITUTION];
    bool mean = m->c.expert_agg == MATCH_AGG_MEAN;
    unsigned k = m->c.institution_k;
    bool kfit = k >= 1 && k <= PEOPLE_KMAX; /* else member by member */
    sums_clear(m, pl, -1);
    /* the items with text evidence; the common z of the others, by kind */
    const double *zi = match_items_people_z(m);
    double z0[2] = {common_z(m, zi, KG_ACHIEVEMENT),
                    common_z(m, zi, KG_PATENT)};
    uint32_t *blk = kg_xmalloc(PEOPLE_BLOCK * sizeof *blk);
    uint64_t last = takers_last(gp);
    for (size_t from = 0; from < gp->nitems; from += PEOPLE_BLOCK) {
        size_t nb = items_with(m, gp, from, m->thas, m->tev, blk);
        for (size_t b = 0; b < nb; b++) {
            size_t i = blk[b];
            uint32_t v = item_at(m, gp, i);
            int p = i >= gp->na;
            double z = zi[v], dz = z - z0[p], sim = m->sim[v];
            if (mean)
                experts_add(pl, gp, i, last, dz, sim);
            for (uint64_t j = gp->yoff[i]; kfit && j < gp->yoff[i + 1]; j++)
                pl->u[gp->yinst[j]].nk[p]++;
            if (kfit)
                inst_offer(pl, k, gp->yinst, gp->yoff[i], gp->yoff[i + 1], z, 1,
                           true, sim);
        }
    }
    free(blk);
    double best = -INFINITY;
    for (size_t i = 0; i < ne; i++) {
        uint32_t e = m->pool[KG_EXPERT][i];
        if (gp->eone[i] || !mean) {
            text_expert_one(m, gp, i, buf, cap);
        } else {
            const struct expert_acc *a = &pl->e[i];
            bool own = m->thas[e]; /* the profile */
            double s = own ? m->tz[e] : 0;
            s += a->sum + gp->ecount[i][0] * z0[0] + gp->ecount[i][1] * z0[1];
            size_t n = own + gp->ecount[i][0] + gp->ecount[i][1];
            m->tev[e] = (own && m->tev[e]) || a->best >= 0;
            m->tbest[e] = match_larger(own ? m->sim[e] : 0, a->best);
            m->thas[e] = n > 0;
            m->tz[e] = n ? s / n : 0;
        }
        if (kfit && m->thas[e])
            inst_offer(pl, k, gp->zinst, gp->zoff[i], gp->zoff[i + 1], m->tz[e],
                       1, m->tev[e], m->tbest[e]);
        best = match_best_of(best, m->thas[e] & m->tev[e], m->tz[e]);
    }
    match_set_zf(m, KG_EXPERT, best);
    best = -INFINITY;
    for (size_t i = 0; i < ni; i++) {
        uint32_t u = m->pool[KG_INSTITUTION][i];
        if (gp->ione[i] || !kfit) {
            text_institution_one(m, gp, i, buf, cap);
        } else {
            struct people_acc *a = &pl->u[i];
            double *top = pl->top + (size_t)k * i;
            for (int p = 0; p < 2; p++)
                if (gp->icount[i][p] > a->nk[p])
                    best_offer(top, &a->n, k, z0[p],
                               gp->icount[i][p] - a->nk[p]);
            m->thas[u] = a->n > 0;
            m->tev[u] = a->any;
            m->tbest[u] = a->best;
            m->tz[u] = best_mean(top, a->n, k);
        }
        best = match_best_of(best, m->thas[u] & m->tev[u], m->tz[u]);
    }
    match_set_zf(m, KG_INSTITUTION, best);
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
void match_graph_people(struct matcher *m, double *buf)
{
    const struct graph_people *gp = &m->g->people;
    size_t cap = GRAPH_PEOPLE_CAP;
    struct people_sums *pl = sums_of(m);
    const struct graph *g = m->g;
    size_t ne = m->npool[KG_EXPERT], ni = m->npool[KG_INSTITUTION];
    bool mean = m->c.expert_agg == MATCH_AGG_MEAN;
    unsigned k = m->c.institution_k;
    bool kfit = k >= 1 && k <= PEOPLE_KMAX;
    const double *est = rank_ppr_estimates(m->ppr);
    static const kg_kind kinds[] = {KG_ACHIEVEMENT, KG_PATENT};
    double z0[2] = {m->gz0[kinds[0]], m->gz0[kinds[1]]};
    sums_clear(m, pl, 0);
    for (size_t i = 0; i < gp->nitems; i++) {
        uint32_t v = item_at(m, gp, i);
        m->ghas[v] = est[v] > 0;
    }
    uint32_t *blk = kg_xmalloc(PEOPLE_BLOCK * sizeof *blk);
    uint64_t last = takers_last(gp);
    for (size_t from = 0; from < gp->nitems; from += PEOPLE_BLOCK) {
        size_t nb = items_with(m, gp, from, m->ghas, m->ghas, blk);
        for (size_t b = 0; b < nb; b++) {
            size_t i = blk[b];
            double z = m->gz[item_at(m, gp, i)];
            int p = i >= gp->na;
            if (mean)
                experts_add(pl, gp, i, last, z - z0[p], 1);
            if (kfit)
                inst_offer(pl, k, gp->yinst, gp->yoff[i], gp->yoff[i + 1], z, 1,
                           false, 0);
        }
    }
    free(blk);
    for (size_t i = 0; i < ne; i++) {
        uint32_t e = m->pool[KG_EXPERT][i];
        if (gp->eone[i] || !mean) {
            size_t n = 0;
            bool reached = false;
            for (uint64_t j = gp->eoff[i]; j < gp->eoff[i + 1] && n < cap;
                 j++) {
                uint32_t x = gp->emem[j];
                buf[n++] = item_gz(m, x);
                reached |= m->ghas[x];
            }
            m->ghas[e] = reached;
            m->gz[e] = aggregate(buf, n, m->c.expert_agg, m->c.expert_k);
        } else {
            const struct expert_acc *a = &pl->e[i];
            double s =
                a->sum + gp->ecount[i][2] * z0[0] + gp->ecount[i][3] * z0[1];
            size_t n = gp->ecount[i][2] + gp->ecount[i][3];
            m->ghas[e] = a->best > 0;
            m->gz[e] = n ? s / n : 0;
        }
        if (kfit && m->ghas[e])
            inst_offer(pl, k, gp->zinst, gp->zoff[i], gp->zoff[i + 1], m->gz[e],
                       1, false, 0);
    }
    (void)g;
    for (size_t i = 0; i < ni; i++) {
        uint32_t u = m->pool[KG_INSTITUTION][i];
        if (!gp->ione[i] && kfit) {
            m->ghas[u] = pl->u[i].n > 0;
            m->gz[u] = best_mean(pl->top + (size_t)k * i, pl->u[i].n, k);
            continue;
        }
        size_t n = 0;
        for (uint64_t j = gp->ioff[i]; j < gp->ioff[i + 1]; j++) {
            uint32_t x = gp->imem[j];
            if (m->ghas[x] && n < cap)
                buf[n++] = m->gz[x];
        }
        m->ghas[u] = n > 0;
        m->gz[u] = aggregate(buf, n, MATCH_AGG_TOPK, m->c.institution_k);
    }
}
