/*
 * match_score.c - scoring one query. A TF-IDF query vector, one pass of
 * cosine similarity over every item, pseudo-relevance expansion through the
 * items' term vectors (demand -> concept -> item -> concept), a second pass,
 * z-scores per kind so that a score means the same for every demand,
 * personalized PageRank for graph relevance, practical fit, then the best
 * hits per kind (their reasons come from match_explain.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "graph/match_int.h"

/* ---- the matcher -------------------------------------------------------- */

const char *match_last_error(const struct matcher *m)
{
    return m->errbuf;
}

kg_status match_new(const struct graph *g, const struct match_config *c,
                    struct matcher **out, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    struct matcher *m = kg_xcalloc(1, sizeof *m);
    m->g = g;
    m->c = *c;
    double people = c->w_text + c->w_graph_people + c->w_fit;
    people = people > 0 ? people : 1;
    m->pw_text = c->w_text / people;
    m->pw_graph = c->w_graph_people / people;
    m->pw_fit = c->w_fit / people;
    size_t nv = g->nv ? g->nv : 1, nt = g->nterms ? g->nterms : 1;
    size_t nr = g->nrec ? g->nrec : 1; /* per-record arrays */
    graph_pools(g, m->pool, m->npool);
    /* The work arrays, carved out of two zeroed mappings on huge pages
     * (core/arena.h): those indexed by record, which a query writes
     * nearly whole; and those indexed by term or vertex, and the
     * selections' heap, which it writes at a few hundred places. Those
     * places lie far apart, so that on 4 kB pages they cost a fresh
     * process at 100k items 450 page faults (some 10 us each on a
     * paravirtualized machine), where clearing the huge pages they
     * touch costs about 1 ms; a long-running process ends up touching
     * them all either way. */
/* clang-format off */
#define MATCH_DENSE(X)                                                        \
    X(sim, nr) X(stouch, nr) X(tz, nr) X(tzp, nr) X(thas, nr)                 \
    X(tev, nr) X(gz, nr) X(tbest, nr) X(bm, nr) X(btouch, nr) X(ab, nr)       \
    X(c0list, nr) X(evid, nr) X(ord, nr)                                      \
    X(ghas, nr) X(score, nr) X(tpart, nr) X(gpart, nr) X(tie, nr) X(ireg, nr)
#define MATCH_SPARSE(X)                                                       \
    X(tlist, nr) X(heap, nr)                                                  \
    X(q, nt) X(q2, nt) X(qt, nt) X(q2t, nt) X(q2mark, nt)                     \
    X(dmark, nv) X(dlist, nv) X(parent, nv) X(queue, nv) X(seen, nv)          \
    X(pos, nv)
/* clang-format on */
#define SIZE(f, n) m->arena_len += arena_cut_size(n, sizeof *m->f);
#define SIZE_SPARSE(f, n) m->sparse_len += arena_cut_size(n, sizeof *m->f);
#define CARVE(f, n) m->f = arena_cut(&cut, n, sizeof *m->f);
    MATCH_DENSE(SIZE)
    MATCH_SPARSE(SIZE_SPARSE)
    m->arena = arena_zalloc(m->arena_len);
    m->sparse = arena_zalloc(m->sparse_len);
    struct arena_cut cut = {m->arena, 0, m->arena_len};
    MATCH_DENSE(CARVE)
    cut = (struct arena_cut){m->sparse, 0, m->sparse_len};
    MATCH_SPARSE(CARVE)
#undef CARVE
#undef SIZE_SPARSE
#undef SIZE
#undef MATCH_SPARSE
#undef MATCH_DENSE
    m->ppr = rank_ppr_new(g->nv);
    m->range = MATCH_RANGE;
    for (int age = 0; age < 256; age++)
        m->recency[age] = pow(0.5, age / m->c.fit_halflife);
    text_tokens_init(&m->tk);
    *out = m;
    return KG_OK;
}

static void ixvert_release(struct matcher *m)
{
    arena_free(m->ixvert, (m->nixvert ? m->nixvert : 1) * sizeof *m->ixvert);
    m->ixvert = NULL;
    m->nixvert = 0;
}

void match_free(struct matcher *m)
{
    if (!m)
        return;
    graph_pools_free(m->g, m->pool);
    arena_free(m->arena, m->arena_len);
    arena_free(m->sparse, m->sparse_len);
    rank_ppr_free(m->ppr);
    text_tokens_release(&m->tk);
    text_free(m->text);
    match_explain_release(m);
    match_people_release(m);
    free(m->pvert);
    free(m->pw);
    ixvert_release(m);
    free(m);
}

void match_set_index(struct matcher *m, struct index *ix)
{
    if (ix == m->ix)
        return;
    m->ix = ix;
    ixvert_release(m);
}

void match_set_deadline(struct matcher *m, double deadline)
{
    m->deadline = deadline;
}

void match_result_release(struct match_result *r)
{
    free(r->hits);
    memset(r, 0, sizeof *r);
}

/* ---- text relevance ----------------------------------------------------- */

static void clear_query(struct matcher *m)
{
    for (size_t i = 0; i < m->nqt; i++)
        m->q[m->qt[i]] = 0;
    for (size_t i = 0; i < m->nq2t; i++) {
        m->q2[m->q2t[i]] = 0;
        m->q2mark[m->q2t[i]] = 0;
    }
    m->nqt = m->nq2t = 0;
}

/* The query vector of a demand vertex: its stored vector. */
static void demand_vector(struct matcher *m, uint32_t d)
{
    const struct graph *g = m->g;
    for (uint64_t i = g->vec_off[d]; i < g->vec_off[d + 1]; i++) {
        m->q[g->vec_term[i]] = g->vec_w[i];
        m->qt[m->nqt++] = g->vec_term[i];
    }
}

/* Whether token i of tk repeats an earlier one. */
static bool seen_before(const struct text_tokens *tk, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (tk->v[j].len == tk->v[i].len &&
            memcmp(tk->bytes + tk->v[j].off, tk->bytes + tk->v[i].off,
                   tk->v[i].len) == 0)
            return true;
    return false;
}

/* The query vector of free text, weighted like the documents. */
static kg_status text_vector(struct matcher *m, const char *text)
{
    if (!m->text) {
        kg_status st = text_new(NULL, &m->text, m->errbuf, sizeof m->errbuf);
        if (st != KG_OK)
            return st;
    }
    text_tokens_reset(&m->tk);
    if (text_analyze(m->text, text, strlen(text), &m->tk) != KG_OK) {
        snprintf(m->errbuf, sizeof m->errbuf, "text analysis: %s",
                 text_last_error(m->text));
        return KG_EINTERNAL;
    }
    const struct graph *g = m->g;
    /* A word the store has never seen is part of the need all the same
     * (weighed at the idf of a term no record holds; each occurrence
     * once): the absolute evidence counts it as held by no record, as it
     * would for a stored demand, whose words are in the graph. */
    double missing = 0, idf0 = graph_idf(g, g->nterms);
    for (size_t i = 0; i < m->tk.n; i++) {
        uint32_t t =
            graph_term_find(g, m->tk.bytes + m->tk.v[i].off, m->tk.v[i].len);
        if (t == GRAPH_NONE) {
            missing += idf0 * idf0;
            m->qmissing += !seen_before(&m->tk, i);
            continue;
        }
        if (m->q[t] == 0)
            m->qt[m->nqt++] = t;
        m->q[t] += 1; /* term frequency for now */
    }
    double norm = 0;
    for (size_t i = 0; i < m->nqt; i++) {
        uint32_t t = m->qt[i];
        m->q[t] = (1 + log(m->q[t])) * graph_idf(g, t);
        norm += m->q[t] * m->q[t];
    }
    m->qknown = norm + missing > 0 ? norm / (norm + missing) : 1;
    norm = norm > 0 ? sqrt(norm) : 1;
    for (size_t i = 0; i < m->nqt; i++)
        m->q[m->qt[i]] /= norm;
    return KG_OK;
}

/* Adds the translated terms x[0..n) to the (unit length) query vector as
 * a part of their own of length text.translate (their tokens weighted by
 * the term's weight and idf), then brings the sum back to unit length.
 * A term of negative weight w is one of the need's own words that has a
 * translation in the store: its weight is scaled by 1 + w, so that its
 * rarity is the concept's, not that of its rarer rendering (core/clir.c,
 * count_once). */
static kg_status add_translations(struct matcher *m,
                                  const struct index_wterm *x, size_t n)
{
    if (n == 0 || !(m->c.w_translate > 0))
        return KG_OK;
    if (!m->text) {
        kg_status st = text_new(NULL, &m->text, m->errbuf, sizeof m->errbuf);
        if (st != KG_OK)
            return st;
    }
    const struct graph *g = m->g;
    uint32_t *tv = NULL;
    double *wv = NULL, tnorm = 0;
    size_t nt = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        text_tokens_reset(&m->tk);
        if (text_analyze(m->text, x[i].text, strlen(x[i].text), &m->tk) !=
            KG_OK)
            continue;
        for (size_t j = 0; j < m->tk.n; j++) {
            uint32_t t = graph_term_find(g, m->tk.bytes + m->tk.v[j].off,
                                         m->tk.v[j].len);
            if (t == GRAPH_NONE)
                continue;
            if (x[i].weight < 0) { /* the need's own word, rarer alone */
                if (m->q[t] > 0)
                    m->q[t] *= fmax(0.0, 1.0 + x[i].weight);
                continue;
            }
            size_t k = 0;
            while (k < nt && tv[k] != t)
                k++;
            if (k == nt) {
                if (nt == cap) {
                    cap = cap ? 2 * cap : 64;
                    tv = kg_xrealloc(tv, cap * sizeof *tv);
                    wv = kg_xrealloc(wv, cap * sizeof *wv);
                }
                tv[nt] = t;
                wv[nt++] = 0;
            }
            wv[k] += x[i].weight * graph_idf(g, t);
        }
    }
    for (size_t k = 0; k < nt; k++)
        tnorm += wv[k] * wv[k];
    tnorm = tnorm > 0 ? sqrt(tnorm) / m->c.w_translate : 1;
    for (size_t k = 0; k < nt; k++) {
        if (m->q[tv[k]] == 0)
            m->qt[m->nqt++] = tv[k];
        m->q[tv[k]] += wv[k] / tnorm;
    }
    double norm = 0;
    for (size_t i = 0; i < m->nqt; i++)
        norm += m->q[m->qt[i]] * m->q[m->qt[i]];
    norm = norm > 0 ? sqrt(norm) : 1;
    for (size_t i = 0; i < m->nqt; i++)
        m->q[m->qt[i]] /= norm;
    free(tv);
    free(wv);
    return KG_OK;
}

static void q2_add(struct matcher *m, uint32_t t, double x)
{
    if (!m->q2mark[t]) {
        m->q2mark[t] = 1;
        m->q2t[m->nq2t++] = t;
    }
    m->q2[t] += x;
}

/* Is a a worse hit than b (lower score, or equal and later id)? */
static bool worse(const struct scored *a, const struct scored *b)
{
    if (a->s != b->s)
        return a->s < b->s;
    return strcmp(a->id, b->id) > 0;
}

static void sift_down(struct scored *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < n && worse(&h[l], &h[w]))
            w = l;
        if (r < n && worse(&h[r], &h[w]))
            w = r;
        if (w == i)
            return;
        struct scored t = h[i];
        h[i] = h[w];
        h[w] = t;
        i = w;
    }
}

/* Offers x to a heap of the best k seen so far (the worst at the root). */
static void heap_offer(struct scored *h, size_t *n, size_t k,
                       const struct scored *x)
{
    if (*n < k) {
        size_t i = (*n)++;
        h[i] = *x;
        while (i > 0 && worse(&h[i], &h[(i - 1) / 2])) {
            struct scored t = h[i];
            h[i] = h[(i - 1) / 2];
            h[(i - 1) / 2] = t;
            i = (i - 1) / 2;
        }
    } else if (k > 0 && worse(&h[0], x)) {
        h[0] = *x;
        sift_down(h, *n, 0);
    }
}

/* Sorts the heap's n entries best first (heapsort in place). */
static void heap_sort_desc(struct scored *h, size_t n)
{
    for (size_t end = n; end > 1; end--) {
        struct scored t = h[0];
        h[0] = h[end - 1];
        h[end - 1] = t;
        sift_down(h, end - 1, 0);
    }
}

/* How far ahead along a term's postings the accumulations prefetch the
 * record they will add to (records far apart miss the cache). */
#define MATCH_AHEAD 32

/* A term and its weight in the expansion. */
struct tw {
    double w;
    uint32_t t;
};

void match_set_range(struct matcher *m, uint32_t records)
{
    m->range = records ? records : MATCH_RANGE;
}

/* The end of m's range from lo: at most m->range records, up to nr. */
static uint32_t range_end(const struct matcher *m, uint32_t lo, uint32_t nr)
{
    return nr - lo > m->range ? lo + m->range : nr;
}

/* Adds f times the expansion terms x[0..n) to sim (listing the records
 * they reach first in stouch): sim = q . v plus their share. */
static void accumulate_more(struct matcher *m, const struct tw *x, size_t n,
                            double f)
{
    const struct graph *g = m->g;
    uint64_t *at = kg_xmalloc((n ? n : 1) * sizeof *at);
    for (size_t i = 0; i < n; i++)
        at[i] = g->inv_off[x[i].t];
    for (uint32_t lo = 0, hi; lo < g->nrec; lo = hi) {
        hi = range_end(m, lo, (uint32_t)g->nrec);
        for (size_t i = 0; i < n; i++) {
            uint32_t t = x[i].t;
            double w = x[i].w * f;
            if (w == 0)
                continue;
            uint64_t end = g->inv_off[t + 1], j = at[i];
            for (; j < end && g->inv_v[j] < hi; j++) {
                if (j + MATCH_AHEAD < end)
                    __builtin_prefetch(&m->sim[g->inv_v[j + MATCH_AHEAD]], 1);
                uint32_t v = g->inv_v[j];
                /* weights are positive: 0 is a first touch (listed without
                 * a branch, as which are new follows no pattern) */
                m->stouch[m->nstouch] = v;
                m->nstouch += m->sim[v] == 0;
                m->sim[v] += w * g->inv_w[j];
            }
            at[i] = j;
        }
    }
    free(at);
}

/* sim = q . v of the query as given (q, qt), and in the same pass over its
 * postings the coverage of absolute_evidence: the share of the query's
 * weight (its squared unit-vector weights, times qknown) that a record's
 * terms hold, all of it (cov), through the need's own terms qt[0..nqown)
 * (covown), and by its strongest own term (covmax). A term of weight 0
 * adds nothing to either. The cosine is summed in the record's ab (cos0,
 * beside the coverage: one cache line a posting, not two) for
 * absolute_evidence to move to sim; c0list lists the records reached. */
static void accumulate_own(struct matcher *m)
{
    const struct graph *g = m->g;
    for (size_t i = 0; i < m->nstouch; i++)
        m->sim[m->stouch[i]] = 0;
    m->nstouch = 0;
    for (size_t i = 0; i < m->nc0list; i++)
        m->ab[m->c0list[i]] = (struct match_abs){0, 0, 0, 0};
    m->nc0list = 0;
    uint64_t *at = kg_xmalloc((m->nqt ? m->nqt : 1) * sizeof *at);
    for (size_t i = 0; i < m->nqt; i++)
        at[i] = g->inv_off[m->qt[i]];
    for (uint32_t lo = 0, hi; lo < g->nrec; lo = hi) {
        hi = range_end(m, lo, (uint32_t)g->nrec);
        for (size_t i = 0; i < m->nqt; i++) {
            uint32_t t = m->qt[i];
            double w = m->q[t], x = w * w * m->qknown;
            if (w == 0)
                continue;
            bool own = i < m->nqown; /* else a translation of the need's */
            uint64_t end = g->inv_off[t + 1], j = at[i];
            for (; j < end && g->inv_v[j] < hi; j++) {
                if (j + MATCH_AHEAD < end)
                    __builtin_prefetch(&m->ab[g->inv_v[j + MATCH_AHEAD]], 1);
                struct match_abs *a = &m->ab[g->inv_v[j]];
                m->c0list[m->nc0list] = g->inv_v[j]; /* as accumulate_more's */
                m->nc0list += a->cos0 == 0;
                a->cos0 += w * g->inv_w[j];
                a->cov += x;
                if (own) {
                    a->covown += x;
                    a->covmax = match_larger(a->covmax, x);
                }
            }
            at[i] = j;
        }
    }
    free(at);
}

static bool tw_before(const struct tw *a, const struct tw *b)
{
    return a->w != b->w ? a->w > b->w : a->t < b->t;
}

/* Moves the k best of a[0..n) (by weight, then term) to the front, in no
 * order (quickselect). */
static void tw_select(struct tw *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1 && k > lo && k < hi) {
        struct tw p = a[lo + (hi - lo) / 2];
        size_t i = lo, j = hi - 1;
        while (i <= j) {
            while (tw_before(&a[i], &p))
                i++;
            while (tw_before(&p, &a[j]))
                j--;
            if (i <= j) {
                struct tw t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j + 1 && j + 1 > lo)
            hi = j + 1;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

/* Evidence that does not depend on the other records: the cosine to the
 * query as given (before expansion), the share of the query's weight
 * (sum of its squared unit-vector weights) whose terms the record (an
 * item, or an expert's profile) holds, and its breadth: the share held
 * through the need's own words (a translation repeats a word of the need)
 * beyond the strongest one alone; and the best of each over the items,
 * which institutions (no text of their own) take, so that their order
 * stays that of the evidence. The best breadth over the items says how
 * much of the need the store holds at all. */
static void absolute_evidence(struct matcher *m)
{
    const struct graph *g = m->g;
    accumulate_own(m);
    double known = sqrt(m->qknown);
    m->qcos = m->qcov = m->qbreadth = 0;
    for (size_t i = 0; i < m->nc0list; i++) {
        uint32_t v = m->c0list[i];
        m->sim[v] = m->ab[v].cos0;
        m->stouch[m->nstouch++] = v;
        m->ab[v].cos0 = m->sim[v] * known;
        if (!match_is_item(g->vkind[v]))
            continue;
        m->qcos = match_larger(m->qcos, m->ab[v].cos0);
        m->qcov = match_larger(m->qcov, m->ab[v].cov);
        m->qbreadth =
            match_larger(m->qbreadth, m->ab[v].covown - m->ab[v].covmax);
    }
}

/* Cosine of every item and expert profile to the query, after expanding
 * the query once by the items it already resembles: the best
 * text.expand_items items, weighted by their cosine, give a vector whose
 * strongest text.expand_terms terms join the query. */
static void text_pass(struct matcher *m)
{
    const struct graph *g = m->g;
    absolute_evidence(m); /* with the cosine to the query as given */
    if (m->c.expand > 0 && m->nqt > 0) {
        size_t nh = 0;
        /* The feedback items: the best by BM25 when the index is used
         * (weighted by their share of the best score), else by cosine. */
        bool by_bm = m->c.expand_bm25 && m->nbtouch > 0;
        double top = 0;
        for (size_t i = 0; by_bm && i < m->nbtouch; i++)
            top = match_larger(top, m->bm[m->btouch[i]]);
        size_t nsrc = by_bm ? m->nbtouch : m->nstouch;
        for (size_t i = 0; i < nsrc; i++) {
            uint32_t v = by_bm ? m->btouch[i] : m->stouch[i];
            if (!match_is_item(g->vkind[v]))
                continue;
            double w = by_bm ? m->bm[v] / top : m->sim[v];
            struct scored x = {w, v, graph_str(g, g->vid[v])};
            heap_offer(m->heap, &nh, m->c.expand_items, &x);
        }
        /* best first: the expansion's sums add the items in an order of
         * their own, not in that of the records' reaching (a heap's) */
        heap_sort_desc(m->heap, nh);
        for (size_t i = 0; i < nh; i++) {
            uint32_t v = m->heap[i].v;
            double s = m->heap[i].s;
            for (uint64_t j = g->vec_off[v]; j < g->vec_off[v + 1]; j++)
                q2_add(m, g->vec_term[j], s * g->vec_w[j]);
        }
        /* Keep the strongest terms of the expansion. */
        size_t n = m->nq2t, keep = n;
        struct tw *tw = kg_xmalloc((n ? n : 1) * sizeof *tw);
        for (size_t i = 0; i < n; i++)
            tw[i] = (struct tw){m->q2[m->q2t[i]], m->q2t[i]};
        if (m->c.expand_terms && n > m->c.expand_terms) {
            tw_select(tw, n, m->c.expand_terms);
            keep = m->c.expand_terms;
        }
        for (size_t i = 0; i < n; i++) {
            m->q2[m->q2t[i]] = 0;
            m->q2mark[m->q2t[i]] = 0;
        }
        m->nq2t = 0;
        double norm = 0;
        for (size_t i = 0; i < keep; i++)
            norm += tw[i].w * tw[i].w;
        double f = norm > 0 ? m->c.expand / sqrt(norm) : 0;
        /* The expanded query's length: its own terms and those kept, some
         * of them the same. */
        for (size_t i = 0; i < keep; i++)
            q2_add(m, tw[i].t, tw[i].w * f);
        for (size_t i = 0; i < m->nqt; i++)
            q2_add(m, m->qt[i], m->q[m->qt[i]]);
        norm = 0;
        for (size_t i = 0; i < m->nq2t; i++)
            norm += m->q2[m->q2t[i]] * m->q2[m->q2t[i]];
        norm = norm > 0 ? sqrt(norm) : 1;
        /* sim holds q . v (absolute_evidence): the kept terms add to it,
         * and the sum is scaled to the unit expanded query (the need's
         * own postings, most of all the common words', are read once) */
        accumulate_more(m, tw, keep, f);
        free(tw);
        for (size_t i = 0; i < m->nstouch; i++)
            m->sim[m->stouch[i]] /= norm;
    }
    /* else sim is q . v already */
}

/* The mean and standard deviation of n values from their sum s and sum
 * of squares ss (0 when the variance is negligible). */
static void moments(double s, double ss, size_t n, double *mu, double *sd)
{
    *mu = n ? s / n : 0;
    double var = n ? ss / n - *mu * *mu : 0;
    *sd = var > 1e-18 ? sqrt(var) : 0;
}

/* Text z-scores of the vertices of kind that have a vector: how far above
 * the average record of its kind a record is for this query, by its
 * cosine (sim); with bm (items, when the index scored the query) by BM25
 * as well, as z-scores over the same records: then tz is the item's own
 * blend, (1 - text.bm25) of the cosine's and text.bm25 of BM25's, and tzp
 * the one experts and institutions aggregate, the same with expert.bm25
 * (match_people_z). One pass for the sums, one for the scores. An item's
 * best cosine (tbest) is its sim; a person's is set by match_people.c.
 * Whether an item has a vector (thas) does not change from query to query:
 * it is read from the graph on the matcher's first query alone. */
static void text_z_kind(struct matcher *m, kg_kind kind, bool bm)
{
    const struct graph *g = m->g;
    const uint32_t *pool = m->pool[kind];
    size_t np = m->npool[kind], n = 0;
    double s = 0, ss = 0, sb = 0, ssb = 0;
    bool known = match_is_item(kind) && m->has_known[kind];
    for (size_t i = 0; i < np; i++) {
        uint32_t v = pool[i];
        if (!known)
            m->thas[v] = g->vec_off[v] != g->vec_off[v + 1];
        if (!m->thas[v])
            continue;
        s += m->sim[v];
        ss += m->sim[v] * m->sim[v];
        n++;
        if (bm) {
            sb += m->bm[v];
            ssb += m->bm[v] * m->bm[v];
        }
    }
    m->has_known[kind] = true;
    double mu, sd, mub, sdb;
    moments(s, ss, n, &mu, &sd);
    moments(sb, ssb, n, &mub, &sdb);
    double wp = m->c.w_bm25_people, wi = m->c.w_bm25;
    /* the arrays through locals: a store to tev (a bool) may alias any
     * of them, and the best z-score must not wait on reloads */
    const double *sim = m->sim, *bmv = m->bm;
    double *tz = m->tz, *tzp = m->tzp;
    bool *tev = m->tev;
    const bool *thas = m->thas;
    double best = -INFINITY;
    for (size_t i = 0; i < np; i++) {
        uint32_t v = pool[i];
        if (!thas[v])
            continue;
        double zc = sd > 0 ? (sim[v] - mu) / sd : 0, z = zc;
        bool ev = sim[v] > 0;
        if (bm) {
            double zb = sdb > 0 ? (bmv[v] - mub) / sdb : 0;
            tzp[v] = (1 - wp) * zc + wp * zb;
            z = (1 - wi) * zc + wi * zb;
            ev |= bmv[v] > 0;
        }
        tz[v] = z;
        tev[v] = ev;
        best = match_best_of(best, ev, z);
    }
    match_set_zf(m, kind, best);
}

/* The record vertex of a hit (GRAPH_NONE: none), looked up in the graph
 * once per document of the index and then remembered: a demand's BM25 hits
 * are most of the collection, and a batch asks again for every demand. */
static uint32_t hit_vertex(struct matcher *m, const struct index_hit *h)
{
    const struct graph *g = m->g;
    if (!m->ixvert) {
        struct index_info in;
        index_get_info(m->ix, &in);
        m->nixvert = in.docs;
        m->ixvert =
            arena_zalloc((m->nixvert ? m->nixvert : 1) * sizeof *m->ixvert);
    }
    uint32_t *slot = h->doc < m->nixvert ? &m->ixvert[h->doc] : NULL;
    if (slot && *slot)
        return *slot == MATCH_IXV_NONE ? GRAPH_NONE : *slot - 1;
    /* Documents and vertices of a kind mostly come in the same order, so
     * the last offset of the kind is tried first; the id confirms it. */
    int64_t guess = (int64_t)h->doc + m->ixdelta[h->kind];
    uint32_t v = GRAPH_NONE;
    if (guess >= 0 && guess < (int64_t)g->nrec && g->vkind[guess] == h->kind &&
        strcmp(graph_str(g, g->vid[guess]), h->id) == 0)
        v = (uint32_t)guess;
    else
        v = graph_find(g, h->kind, h->id);
    if (v < g->nrec)
        m->ixdelta[h->kind] = (int64_t)v - h->doc;
    if (v >= g->nrec)
        v = GRAPH_NONE;
    if (slot)
        *slot = v == GRAPH_NONE ? MATCH_IXV_NONE : v + 1;
    return v;
}

/* RM3: the query again, as the mixture of its own terms (share
 * text.rm3_weight, each at 1 / the need's number of terms, or weighted
 * word by word: match_text_query) and the
 * text.rm3_terms strongest terms of a relevance model of the best
 * text.rm3_docs hits (their term vectors, each hit weighted by its share
 * of those hits' BM25). Replaces hits[0..*n) by the new query's hits. */
/* A feedback hit's weight in the relevance model: its BM25 score, or with
 * a temperature exp(-(1 - score / best) / tau), which leans on the best
 * hits when they stand out (a need with one clear answer drifts less); as
 * a share of the best score it reads the same for short and long needs. */
static double rm3_doc_weight(const struct index_hit *h, size_t i, double tau)
{
    if (!(tau > 0))
        return h[i].score;
    return h[0].score > 0 ? exp(-(1 - h[i].score / h[0].score) / tau) : 0;
}

/* Takes a BM25 hit: its record's score (the best, should a record come
 * twice; the ordered hits gave it first). */
static void bm_take(const struct index_hit *h, void *ctx)
{
    struct matcher *m = ctx;
    uint32_t v = hit_vertex(m, h);
    if (v == GRAPH_NONE)
        return;
    if (m->bm[v] > 0) {
        m->bm[v] = match_larger(m->bm[v], h->score);
        return;
    }
    m->bm[v] = h->score;
    m->btouch[m->nbtouch++] = v;
}

/* Replaces hits[0..*n) by the new query's hits, or with the hits in no
 * order wanted (no expansion fed by BM25) takes them (bm_take) and
 * leaves none. */
static kg_status rm3_requery(struct matcher *m, struct match_own *o,
                             unsigned kinds, double w1, struct index_hit **hits,
                             size_t *n)
{
    const struct graph *g = m->g;
    size_t nd = *n < m->c.rm3_docs ? *n : m->c.rm3_docs;
    double total = 0, tau = m->c.rm3_temp;
    for (size_t i = 0; i < nd; i++)
        total += rm3_doc_weight(*hits, i, tau);
    if (nd == 0 || !(total > 0))
        return KG_OK;
    for (size_t i = 0; i < nd; i++) {
        uint32_t v = hit_vertex(m, &(*hits)[i]);
        if (v == GRAPH_NONE)
            continue;
        double w = rm3_doc_weight(*hits, i, tau) / total;
        for (uint64_t j = g->vec_off[v]; j < g->vec_off[v + 1]; j++)
            q2_add(m, g->vec_term[j], w * g->vec_w[j]);
    }
    size_t nt = m->nq2t, keep = nt;
    struct tw *tw = kg_xmalloc((nt ? nt : 1) * sizeof *tw);
    for (size_t i = 0; i < nt; i++) {
        uint32_t t = m->q2t[i];
        double w = m->q2[t];
        if (m->c.rm3_idf != 0)
            w *= pow(graph_idf(g, t), m->c.rm3_idf);
        tw[i] = (struct tw){w, t};
        m->q2[t] = 0;
        m->q2mark[t] = 0;
    }
    m->nq2t = 0;
    if (nt > m->c.rm3_terms) {
        tw_select(tw, nt, m->c.rm3_terms);
        keep = m->c.rm3_terms;
    }
    double sum = 0;
    for (size_t i = 0; i < keep; i++)
        sum += tw[i].w;
    double lambda = m->c.rm3_weight;
    match_text_weigh(m, o, lambda, keep);
    size_t nown = o->n;
    /* the need's own part, as the first pass weighed it times this */
    double scale = nown && w1 > 0 ? o->wq[0].weight / w1 : 0;
    for (size_t i = 0; i < keep; i++)
        o->wq[o->n++] =
            (struct index_wterm){graph_str(g, g->term_surface[tw[i].t]),
                                 sum > 0 ? (1 - lambda) * tw[i].w / sum : 0};
    struct index_hit *h2 = NULL;
    size_t n2 = 0;
    /* without the hits in order, the first pass's kept scores stand for
     * the need's own part: only the relevance model's postings are read */
    kg_status st =
        m->c.expand_bm25
            ? index_search_weighted(m->ix, o->wq, o->n, kinds, 0, &h2, &n2)
            : index_search_more(m->ix, scale, o->wq + nown, o->n - nown, kinds,
                                bm_take, m);
    free(tw);
    if (st == KG_OK) {
        free(*hits);
        *hits = h2;
        *n = n2;
    }
    return st;
}

/* The index's BM25 of the query (after RM3 when text.rm3_docs is set) for
 * every item it finds. The expansion on BM25 feedback (text.expand_bm25)
 * and RM3 take the hits in rank order; otherwise their order does not
 * matter and the index spares the sort. */
static kg_status bm25_search(struct matcher *m, const char *text)
{
    for (size_t i = 0; i < m->nbtouch; i++)
        m->bm[m->btouch[i]] = 0;
    m->nbtouch = 0;
    if (!m->ix || !(m->c.w_bm25 > 0) || !text)
        return KG_OK;
    struct index_hit *hits = NULL;
    size_t n = 0;
    unsigned kinds = KG_KIND_BIT(KG_ACHIEVEMENT) | KG_KIND_BIT(KG_PATENT);
    /* RM3's first pass needs its best hits (scored with every item when
     * its second pass adds to the scores: index_search_keep); its second
     * pass gives them all */
    size_t k = m->c.rm3_docs > 0 ? m->c.rm3_docs : 0;
    bool ordered = m->c.expand_bm25 || m->c.rm3_docs > 0;
    struct match_own o;
    kg_status st = match_text_query(m, text, &o);
    if (st != KG_OK)
        return st;
    match_text_weigh(m, &o, 1, 0);
    /* the need's words weighted one by one, or its text as `search` asks */
    const struct index_wterm *wq = o.wq, whole = {text, 1.0};
    size_t nw = o.n;
    if (o.whole) {
        wq = &whole;
        nw = 1;
    }
    /* RM3 adds to the first pass's scores when it hands the hits on
     * unordered (index_search_keep, then index_search_more) */
    if (m->c.rm3_docs > 0 && !m->c.expand_bm25)
        st = index_search_keep(m->ix, wq, nw, kinds, k, &hits, &n);
    else if (ordered)
        st = index_search_weighted(m->ix, wq, nw, kinds, k, &hits, &n);
    else
        st = index_search_each(m->ix, wq, nw, kinds, bm_take, m);
    if (st == KG_OK && m->c.rm3_docs > 0)
        st = rm3_requery(m, &o, kinds, nw ? wq[0].weight : 0, &hits, &n);
    match_text_release(&o);
    if (st != KG_OK) {
        free(hits);
        snprintf(m->errbuf, sizeof m->errbuf, "BM25 search: %s",
                 index_last_error(m->ix));
        return st;
    }
    for (size_t i = 0; i < n; i++)
        bm_take(&hits[i], m);
    free(hits);
    return KG_OK;
}

/* ---- graph relevance ---------------------------------------------------- */

/* Marks the concepts next to the demand (or the query's term concepts). */
static void mark_demand_concepts(struct matcher *m)
{
    const struct graph *g = m->g;
    for (size_t i = 0; i < m->ndlist; i++)
        m->dmark[m->dlist[i]] = 0;
    m->ndlist = 0;
    if (m->demand != GRAPH_NONE) {
        uint32_t d = m->demand;
        for (uint64_t j = g->csr.off[d]; j < g->csr.off[d + 1]; j++) {
            uint32_t c = g->csr.adj[j];
            if (g->vkind[c] != GRAPH_CONCEPT || m->dmark[c] > 0)
                continue;
            m->dmark[c] = g->csr.w[j];
            m->dlist[m->ndlist++] = c;
        }
    }
    for (size_t i = 0; i < m->nqt; i++) {
        uint32_t c = g->term_vertex[m->qt[i]];
        if (c == GRAPH_NONE || m->dmark[c] > 0)
            continue;
        m->dmark[c] = (float)m->q[m->qt[i]];
        m->dlist[m->ndlist++] = c;
    }
}

static kg_status graph_pass(struct matcher *m)
{
    const struct graph *g = m->g;
    size_t ns = m->ndlist + 1 + m->npv;
    uint32_t *seeds = kg_xmalloc(ns * sizeof *seeds);
    double *w = kg_xmalloc(ns * sizeof *w);
    size_t n = 0;
    double total = 0;
    for (int k = 0; k < KG_KIND_COUNT; k++)
        m->gz0[k] = 0;
    /* Without a graph weight the walk is skipped (an empty push clears). */
    for (size_t i = 0; match_graph_on(m) && i < m->ndlist; i++) {
        seeds[n] = m->dlist[i];
        w[n] = m->dmark[m->dlist[i]];
        total += w[n++];
    }
    /* the IPC pivot's share beside the concepts' (match_pivot.c) */
    double concepts = total;
    for (size_t i = 0; concepts > 0 && i < m->npv; i++) {
        seeds[n] = m->pvert[i];
        w[n] = concepts * m->c.ppr_ipc / (1 - m->c.ppr_ipc) * m->pw[i];
        total += w[n++];
    }
    if (m->enterprise != GRAPH_NONE && total > 0 && m->c.ppr_enterprise > 0) {
        seeds[n] = m->enterprise;
        w[n++] = total * m->c.ppr_enterprise / (1 - m->c.ppr_enterprise);
    }
    struct rank_opts o = {.damping = m->c.ppr_damping, .eps = m->c.ppr_eps};
    kg_status st = rank_ppr_push(m->ppr, &g->csr, seeds, w, n, &o);
    free(seeds);
    free(w);
    if (st == KG_EINPUT && !(total > 0))
        return KG_OK; /* nothing to start from: no graph evidence */
    if (st != KG_OK)
        return st;
    /* z-scores per item kind over all items of the kind (zeros included):
     * z0 is the score of an item the walk did not reach. */
    double sum[KG_KIND_COUNT] = {0}, ss[KG_KIND_COUNT] = {0};
    size_t nsup;
    const uint32_t *sup = rank_ppr_support(m->ppr, &nsup);
    const double *est = rank_ppr_estimates(m->ppr); /* the support's < nv */
    for (size_t i = 0; i < nsup; i++) {
        uint32_t v = sup[i];
        double x = est[v];
        if (!match_is_item(g->vkind[v]) || !(x > 0))
            continue;
        if (m->c.ppr_degree_normalize && g->csr.wdeg[v] > 0)
            x /= g->csr.wdeg[v];
        m->gz[v] = x;
        sum[g->vkind[v]] += x;
        ss[g->vkind[v]] += x * x;
    }
    double mu[KG_KIND_COUNT] = {0}, sd[KG_KIND_COUNT] = {0};
    for (int k = 0; k < KG_KIND_COUNT; k++) {
        if (!match_is_item((unsigned)k) || m->npool[k] == 0)
            continue;
        mu[k] = sum[k] / m->npool[k];
        double var = ss[k] / m->npool[k] - mu[k] * mu[k];
        sd[k] = var > 1e-30 ? sqrt(var) : 0;
        m->gz0[k] = sd[k] > 0 ? -mu[k] / sd[k] : 0;
    }
    for (size_t i = 0; i < nsup; i++) {
        uint32_t v = sup[i];
        unsigned k = g->vkind[v];
        if (!match_is_item(k) || !(est[v] > 0))
            continue;
        m->gz[v] = sd[k] > 0 ? (m->gz[v] - mu[k]) / sd[k] : 0;
    }
    return KG_OK;
}

/* ---- practical fit ------------------------------------------------------ */

/* 1 for the same city, 0.6 for the same province, 0.2 otherwise; -1 when
 * a side is unknown. Regions read "省/市/区". */
static double region_fit(const char *a, const char *b)
{
    if (!*a || !*b)
        return -1;
    const char *sa = strchr(a, '/'), *sb = strchr(b, '/');
    size_t la = sa ? (size_t)(sa - a) : strlen(a);
    size_t lb = sb ? (size_t)(sb - b) : strlen(b);
    if (la != lb || memcmp(a, b, la) != 0)
        return 0.2;
    if (!sa || !sb)
        return sa == sb ? 1.0 : 0.6;
    const char *ea = strchr(sa + 1, '/'), *eb = strchr(sb + 1, '/');
    size_t ma = ea ? (size_t)(ea - sa) : strlen(sa);
    size_t mb = eb ? (size_t)(eb - sb) : strlen(sb);
    return ma == mb && memcmp(sa, sb, ma) == 0 ? 1.0 : 0.6;
}

/* Institutions tied to the enterprise: co-owners of its items and the
 * institutions of the experts behind them; and every institution's region
 * fit. */
static void mark_ties(struct matcher *m)
{
    const struct graph *g = m->g;
    for (size_t i = 0; i < m->ntlist; i++)
        m->tie[m->tlist[i]] = 0;
    m->ntlist = 0;
    uint32_t e = m->enterprise;
    if (e == GRAPH_NONE)
        return;
    for (size_t i = 0; i < m->npool[KG_INSTITUTION]; i++) {
        uint32_t u = m->pool[KG_INSTITUTION][i];
        m->ireg[u] = region_fit(graph_str(g, g->vregion[e]),
                                graph_str(g, g->vregion[u]));
    }
    for (uint64_t j = g->csr.off[e]; j < g->csr.off[e + 1]; j++) {
        if (g->etype[j] != GRAPH_E_OWNS)
            continue;
        uint32_t item = g->csr.adj[j];
        for (uint64_t k = g->csr.off[item]; k < g->csr.off[item + 1]; k++) {
            uint32_t x = g->csr.adj[k];
            uint8_t t = g->etype[k];
            uint32_t inst = GRAPH_NONE;
            if (t == GRAPH_E_OWNS && g->vkind[x] == KG_INSTITUTION)
                inst = x;
            if (inst != GRAPH_NONE && !m->tie[inst]) {
                m->tie[inst] = 1;
                m->tlist[m->ntlist++] = inst;
            }
            if (t != GRAPH_E_AUTHORED && t != GRAPH_E_INVENTED)
                continue;
            for (uint64_t l = g->csr.off[x]; l < g->csr.off[x + 1]; l++) {
                uint32_t y = g->csr.adj[l];
                if (g->etype[l] == GRAPH_E_AFFILIATED_WITH && !m->tie[y]) {
                    m->tie[y] = 1;
                    m->tlist[m->ntlist++] = y;
                }
            }
        }
    }
}

struct fit_acc {
    double sum, wsum;
};

static void fit_add(struct fit_acc *f, double w, double x)
{
    if (w > 0 && x >= 0) {
        f->sum += w * x;
        f->wsum += w;
    }
}

/* Region and tie of one institution (best over several). */
static void inst_fit(const struct matcher *m, uint32_t inst, double *region,
                     bool *tie)
{
    if (m->enterprise == GRAPH_NONE)
        return;
    if (m->ireg[inst] > *region)
        *region = m->ireg[inst];
    if (m->tie[inst])
        *tie = true;
}

static double fit_of(const struct matcher *m, uint32_t v)
{
    const struct graph *g = m->g;
    struct fit_acc f = {0, 0};
    double region = -1;
    bool tie = false;
    unsigned kind = g->vkind[v];
    int year = 0;
    double mat = 0;
    int nmat = 0;
    if (match_is_item(kind)) {
        year = g->vyear[v];
        if (g->vmaturity[v]) {
            mat = g->vmaturity[v];
            nmat = 1;
        }
    }
    if (kind == KG_INSTITUTION)
        inst_fit(m, v, &region, &tie);
    for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++) {
        uint32_t x = g->csr.adj[j];
        uint8_t t = g->etype[j];
        if (g->vkind[x] == KG_INSTITUTION &&
            (t == GRAPH_E_OWNS || t == GRAPH_E_AFFILIATED_WITH))
            inst_fit(m, x, &region, &tie);
        if (kind == KG_EXPERT && match_is_item(g->vkind[x])) {
            if (g->vyear[x] > year)
                year = g->vyear[x];
            if (g->vmaturity[x]) {
                mat += g->vmaturity[x];
                nmat++;
            }
        }
    }
    if (nmat)
        fit_add(&f, m->c.fit_maturity, mat / nmat / 9.0);
    if (year > 0 && g->ref_year > 0) {
        int age = g->ref_year - year;
        fit_add(&f, m->c.fit_recency,
                m->recency[age < 0     ? 0
                           : age > 255 ? 255
                                       : age]);
    }
    fit_add(&f, m->c.fit_region, region);
    if (m->enterprise != GRAPH_NONE)
        fit_add(&f, m->c.fit_tie, tie ? 1.0 : 0.0);
    return f.wsum > 0 ? f.sum / f.wsum : 0.5;
}

/* ---- scoring and selection ---------------------------------------------- */

static double squash(const struct match_config *c, double z)
{
    return 1.0 / (1.0 + exp(-(z - c->squash_center) / c->squash_scale));
}

/* A text z-score under which wt * squash(z) is surely below t: squash(z)
 * is then under t / wt - 1e-9, a margin far above rounding. A candidate
 * under it cannot enter the heap even with a perfect graph and fit part,
 * and is skipped before its exp() calls, as the exact test would skip it.
 * -INFINITY: no cut. */
static double text_cut(const struct match_config *c, double t, double wt)
{
    double x = wt > 1e-6 ? t / wt - 1e-9 : 0;
    if (!(x > 0 && x < 1))
        return -INFINITY;
    return c->squash_center + c->squash_scale * log(x / (1 - x));
}

/* The calibrated estimate that the pair is relevant, from the evidence
 * (which orders candidates within a query, through ord), two absolute measures
 * of the pair and one of the need: how much of it, beyond a single term, the
 * store's best item holds (the same for every candidate, so it sets the
 * level and leaves the order alone: a need the store knows nothing about
 * gets low scores however its candidates rank among themselves); the
 * evidence itself when calibration is off. Non-decreasing in each
 * argument. */
static double calibrated(const struct matcher *m, double evidence, double cov,
                         double cosine, double level)
{
    const struct match_config *c = &m->c;
    if (!c->calibrate)
        return evidence;
    double x = c->cal_bias + c->cal_rank * evidence + c->cal_coverage * cov +
               c->cal_cosine * cosine + c->cal_joint * evidence * cov + level;
    return 1.0 / (1.0 + exp(-x));
}

/* The candidates' order: by ord (the evidence, its text part from the
 * scaled z-score at scale), then by id. */
static int cmp_order(const void *a, const void *b, void *ctx)
{
    const struct matcher *m = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (m->ord[x] != m->ord[y])
        return m->ord[x] > m->ord[y] ? -1 : 1;
    return strcmp(graph_str(m->g, m->g->vid[x]), graph_str(m->g, m->g->vid[y]));
}

/* A pairing is cross-domain when both sides are placed from evidence
 * (fields or IPC codes: a placement from text is a guess, DOMAIN_GUESSED),
 * their domains are far (neither the same nor neighbours in a sector), the
 * score is high and real text stands behind it: a cosine (a high z-score
 * alone can come from a demand nothing fits well) and more than one word
 * of the need (breadth; one shared word, or a word and its translation,
 * pairs a towel dryer with a bromine plant on steam). graph/README.md,
 * "Cross-domain pairings". */
static bool is_cross(const struct matcher *m, domain_mask dm, uint32_t v,
                     double score, double breadth)
{
    domain_mask vm = m->g->vdomain[v];
    return !((dm | vm) & DOMAIN_GUESSED) && domain_far(dm, vm) &&
           score >= m->c.cross_min && m->thas[v] &&
           match_tbest(m, v) >= m->c.cross_cosine &&
           breadth >= m->c.cross_breadth;
}

/* The breadth of v: an institution (no text) takes the best item's. */
static double breadth_of(const struct matcher *m, uint32_t v, kg_kind kind)
{
    return kind != KG_INSTITUTION ? m->ab[v].covown - m->ab[v].covmax
                                  : m->qbreadth;
}

/* The need's part of a candidate's calibrated level: its best breadth and
 * its length, the same for every item and institution of a need. Experts
 * get a constant instead (calibration.expert_level, the mean of that part
 * over the suite's needs): an expert is compared across needs (a
 * reviewer's papers), and a level that varies by need ranks the papers by
 * how well the store covers them rather than by the expert's fit (the
 * reviewer gold standard's loss was 0.2509 with it, 0.2394 without). A
 * constant moves every expert score alike and changes no order; without
 * it the need-length fit's lower bias would put nearly every expert under
 * match.min_score. */
static double level_of(const struct matcher *m, kg_kind kind)
{
    if (kind == KG_EXPERT)
        return m->c.cal_expert;
    return m->c.cal_need * m->qbreadth + m->c.cal_length * m->qlength;
}

/* The candidates' pool is read in blocks of this many (and the deadline
 * checked between them). */
#define MATCH_BLOCK 4096

/* The vertices of kind's pool[from, to) that may be candidates, into out
 * (their number): those with text evidence and a text z-score not under
 * zcut, and with graph is true those with graph evidence and none of
 * text; without branches, as neither follows a pattern. A superset of
 * the candidates the exact tests of match_run keep, when zcut is the
 * text_cut of a full heap (its worst only rises) and graph is false only
 * when w_graph + w_fit is under the heap's worst (a part is at most its
 * weight). */
static size_t pool_survivors(const struct matcher *m, kg_kind kind, size_t from,
                             size_t to, double zcut, bool graph, uint32_t *out)
{
    const uint32_t *pool = m->pool[kind];
    size_t n = 0;
    for (size_t i = from; i < to; i++) {
        uint32_t v = pool[i];
        bool text = m->thas[v] & m->tev[v];
        out[n] = v;
        n += (text & !(m->tz[v] < zcut)) | (!text & graph & m->ghas[v]);
    }
    return n;
}

static domain_mask query_domains(const struct matcher *m)
{
    if (m->demand != GRAPH_NONE)
        return m->g->vdomain[m->demand];
    domain_mask t = domain_of_text(m->qtext, strlen(m->qtext), 1);
    return t ? t | DOMAIN_GUESSED : 0;
}

/* One kind's selection in match_run: its part weights, the least score
 * shown, the need's domains, the heap of the best q->top (nh of them) or
 * with top 0 every candidate (cand, nc), and the text z-score under which
 * a candidate cannot enter the full heap (zcut, the text_cut of zcut_of,
 * the heap's worst then). */
struct selection {
    kg_kind kind;
    double wt, wg, wf, min;
    domain_mask dm;
    uint32_t *cand;
    size_t nc, nh;
    double zcut, zcut_of;
};

/* Brings sel's zcut up to the full heap's worst. */
static void update_cut(const struct matcher *m, struct selection *sel)
{
    if (!(m->heap[0].s == sel->zcut_of)) {
        sel->zcut_of = m->heap[0].s;
        /* the heap holds orders: a cut of the scaled z-score */
        sel->zcut = text_cut(&m->c, sel->zcut_of - sel->wf - sel->wg, sel->wt) /
                    m->zf[sel->kind];
    }
}

/* Scores v and offers it to sel (its score, evidence and parts kept by
 * vertex) when it is a candidate that can be shown. */
static void consider(struct matcher *m, const struct match_query *q,
                     struct selection *sel, uint32_t v)
{
    const struct graph *g = m->g;
    kg_kind kind = sel->kind;
    double wt = sel->wt, wg = sel->wg, wf = sel->wf;
    /* Text evidence: an item that shares terms with the (expanded)
     * query; a person or institution with scored items. */
    bool text = m->thas[v] && m->tev[v];
    double gv = m->ghas[v] ? m->gz[v] : -INFINITY;
    if (!text && !isfinite(gv))
        return;
    bool full = q->top && sel->nh == q->top;
    if (full && text) {
        update_cut(m, sel);
        if (m->tz[v] < sel->zcut)
            return; /* under the heap's worst, whatever its graph */
    }
    /* the text part in the order (to: of the z-score scaled by zf) and
     * in the evidence (tp), the same where zf is 1 */
    double zf = m->zf[kind];
    double to = text ? wt * squash(&m->c, m->tz[v] * zf) : 0;
    double gp = isfinite(gv) && wg > 0 ? wg * squash(&m->c, gv) : 0;
    /* The evidence orders the candidates, the calibration sets their
     * level: one that cannot enter a full top-N heap (its order under
     * the heap's worst) or reach the least score shown even with a
     * perfect fit is done. */
    if (full && to + gp + wf < m->heap[0].s)
        return;
    double tp = text && zf != 1 ? wt * squash(&m->c, m->tz[v]) : to;
    double cov = kind != KG_INSTITUTION ? m->ab[v].cov : m->qcov;
    double cos0 = kind != KG_INSTITUTION ? m->ab[v].cos0 : m->qcos;
    double lv = level_of(m, kind);
    if (calibrated(m, tp + gp + wf, cov, cos0, lv) < sel->min)
        return;
    double fp = wf * fit_of(m, v);
    double e = tp + gp + fp;
    double s = calibrated(m, e, cov, cos0, lv);
    if (s < sel->min)
        return;
    bool cross = is_cross(m, sel->dm, v, s, breadth_of(m, v, kind));
    if (q->cross_only && !cross)
        return;
    m->score[v] = s;
    m->evid[v] = e;
    m->ord[v] = zf != 1 ? to + gp + fp : e;
    m->tpart[v] = tp;
    m->gpart[v] = gp;
    if (q->top) {
        struct scored x = {m->ord[v], v, graph_str(g, g->vid[v])};
        heap_offer(m->heap, &sel->nh, q->top, &x);
    } else {
        sel->cand[sel->nc++] = v;
    }
}

kg_status match_run(struct matcher *m, const struct match_query *q,
                    struct match_result *r)
{
    const struct graph *g = m->g;
    memset(r, 0, sizeof *r);
    m->errbuf[0] = '\0';
    clear_query(m);
    m->demand = q->demand;
    m->enterprise = GRAPH_NONE;
    m->qknown = 1;
    m->qmissing = 0;
    m->qtext = q->text ? q->text : "";
    for (int k = 0; k < KG_KIND_COUNT; k++)
        m->zf[k] = 1;
    kg_status st = KG_OK;
    if (q->demand != GRAPH_NONE) {
        if (q->demand >= g->nv || g->vkind[q->demand] != KG_DEMAND) {
            snprintf(m->errbuf, sizeof m->errbuf, "not a demand vertex");
            return KG_EUSAGE;
        }
        demand_vector(m, q->demand);
        uint32_t d = q->demand;
        for (uint64_t j = g->csr.off[d]; j < g->csr.off[d + 1]; j++)
            if (g->etype[j] == GRAPH_E_POSTED) {
                m->enterprise = g->csr.adj[j];
                break;
            }
    } else {
        st = text_vector(m, m->qtext);
        if (st != KG_OK)
            return st;
    }
    m->nqown = m->nqt;
    m->qlength = log(1.0 + (double)(m->nqown + m->qmissing));
    st = add_translations(m, q->xterms, q->nxterms);
    if (st != KG_OK)
        return st;
    st = bm25_search(m, q->bm25_text
                            ? q->bm25_text
                            : (q->demand == GRAPH_NONE ? m->qtext : NULL));
    if (st == KG_OK)
        st = match_check_time(m);
    if (st != KG_OK)
        return st;
    text_pass(m);
    /* the index's BM25 joins the items' text z-scores (expert.bm25 of
     * what the people aggregate, text.bm25 of the items' own) */
    m->bmz = m->c.w_bm25 > 0 && m->nbtouch > 0;
    text_z_kind(m, KG_ACHIEVEMENT, m->bmz);
    text_z_kind(m, KG_PATENT, m->bmz);
    text_z_kind(m, KG_EXPERT, false);
    for (size_t i = 0; i < m->npool[KG_INSTITUTION]; i++)
        m->thas[m->pool[KG_INSTITUTION][i]] = false;
    st = match_check_time(m);
    if (st != KG_OK)
        return st;
    /* values a person aggregates */
    double *buf = kg_xmalloc(GRAPH_PEOPLE_CAP * sizeof *buf);
    match_text_people(m, buf);
    mark_demand_concepts(m);
    match_pivot_find(m);
    st = match_check_time(m);
    if (st == KG_OK)
        st = graph_pass(m);
    if (st == KG_OK)
        st = match_check_time(m);
    if (st == KG_ETIMEOUT) {
        free(buf);
        return st;
    }
    if (st != KG_OK) {
        snprintf(m->errbuf, sizeof m->errbuf, "personalized PageRank: %s",
                 kg_status_str(st));
        free(buf);
        return st;
    }
    match_graph_people(m, buf);
    free(buf);
    mark_ties(m);
    st = match_check_time(m);
    if (st != KG_OK)
        return st;
    r->demand_domains = query_domains(m);

    static const kg_kind order[] = {KG_ACHIEVEMENT, KG_PATENT, KG_EXPERT,
                                    KG_INSTITUTION};
    unsigned kinds =
        q->kinds ? q->kinds
                 : KG_KIND_BIT(KG_ACHIEVEMENT) | KG_KIND_BIT(KG_PATENT) |
                       KG_KIND_BIT(KG_EXPERT) | KG_KIND_BIT(KG_INSTITUTION);
    size_t cap_hits = 0;
    for (int k = 0; k < 4; k++)
        if (kinds & KG_KIND_BIT(order[k]))
            cap_hits += q->top && q->top < m->npool[order[k]]
                            ? q->top
                            : m->npool[order[k]];
    r->hits = kg_xcalloc(cap_hits ? cap_hits : 1, sizeof *r->hits);
    domain_mask dm = r->demand_domains;
    double min = q->min_score_set ? q->min_score : m->c.min_score;
    for (int k = 0; k < 4 && st == KG_OK; k++) {
        kg_kind kind = order[k];
        if (!(kinds & KG_KIND_BIT(kind)))
            continue;
        uint32_t *cand =
            kg_xmalloc((m->npool[kind] ? m->npool[kind] : 1) * sizeof *cand);
        /* the part weights: the items', or the people's (expert.graph) */
        bool item = match_is_item(kind);
        struct selection sel = {
            .kind = kind,
            .wt = item ? m->c.w_text : m->pw_text,
            .wg = item ? m->c.w_graph : m->pw_graph,
            .wf = item ? m->c.w_fit : m->pw_fit,
            .min = min,
            .dm = dm,
            .cand = cand,
            .zcut = -INFINITY,
            .zcut_of = NAN,
        };
        uint32_t *blk = kg_xmalloc(MATCH_BLOCK * sizeof *blk);
        for (size_t b = 0; b < m->npool[kind] && st == KG_OK;
             b += MATCH_BLOCK) {
            if (b > 0)
                st = match_check_time(m);
            if (st != KG_OK)
                break;
            size_t end = m->npool[kind] - b < MATCH_BLOCK ? m->npool[kind]
                                                          : b + MATCH_BLOCK;
            bool full = q->top && sel.nh == q->top;
            if (full)
                update_cut(m, &sel);
            size_t nb =
                pool_survivors(m, kind, b, end, full ? sel.zcut : -INFINITY,
                               !full || !(sel.wg + sel.wf < m->heap[0].s), blk);
            for (size_t i = 0; i < nb; i++)
                consider(m, q, &sel, blk[i]);
        }
        free(blk);
        size_t nc = sel.nc, nh = sel.nh;
        if (st != KG_OK) {
            free(cand);
            break;
        }
        size_t keep = nc;
        if (q->top) {
            heap_sort_desc(m->heap, nh);
            for (size_t i = 0; i < nh; i++)
                cand[i] = m->heap[i].v;
            keep = nh;
        } else {
            qsort_r(cand, nc, sizeof *cand, cmp_order, m);
        }
        double below = 1;
        for (size_t i = 0; i < keep; i++) {
            uint32_t v = cand[i];
            /* in the evidence's order the scores fall: each at most just
             * under the one above it (ties would let a reader's sort by
             * score reorder them) */
            double s = fmin(m->score[v], below);
            below = s > 2e-4 ? s - 1e-4 : s / 2;
            if (s < min)
                break;
            if (q->cross_only && !is_cross(m, dm, v, s, breadth_of(m, v, kind)))
                continue;
            struct match_hit *h = &r->hits[r->n++];
            h->v = v;
            h->kind = kind;
            h->score = s;
            h->text = m->tpart[v];
            h->graph = m->gpart[v];
            h->evidence = m->evid[v];
            h->fit = h->evidence - h->text - h->graph;
            h->coverage = kind != KG_INSTITUTION ? m->ab[v].cov : m->qcov;
            h->cosine = kind != KG_INSTITUTION ? m->ab[v].cos0 : m->qcos;
            h->breadth = breadth_of(m, v, kind);
            h->need_breadth = m->qbreadth;
            h->need_length = m->qlength;
            h->cross_domain = is_cross(m, dm, v, h->score, h->breadth);
        }
        free(cand);
    }
    if (q->explain)
        match_explain_begin(m);
    for (size_t i = 0; q->explain && i < r->n && st == KG_OK; i++) {
        st = match_check_time(m);
        if (st == KG_OK)
            match_explain(m, &r->hits[i]);
    }
    if (st != KG_OK)
        match_result_release(r);
    return st;
}
