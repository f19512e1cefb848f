/*
 * match_text.c - the need's own part of the matcher's BM25 query: the
 * need's text at one weight per word (as `search` asks it), or, with
 * text.bm25_k3 or text.bm25_idf set, one weighted term per distinct word,
 * its count saturated and its weight leaning on its rarity (graph/README.md,
 * "what each idea added"); and two measured ideas, off by default: a second
 * lexical model fused with BM25 (text.lm) and the need's words' associates
 * in RM3's relevance model (text.rm3_assoc).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/match_int.h"

/* One distinct term of the need: its first token, its count. */
struct own_term {
    size_t tok;
    double tf, idf;
};

static int cmp_tok(const void *x, const void *y, void *ctx)
{
    const struct text_tokens *tk = ctx;
    const struct text_tok *a = &tk->v[*(const size_t *)x],
                          *b = &tk->v[*(const size_t *)y];
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(tk->bytes + a->off, tk->bytes + b->off, n);
    if (c)
        return c;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

/* The distinct terms of o->tk into *out (the caller frees); their number. */
static size_t own_terms(const struct matcher *m, struct match_own *o,
                        struct own_term **out)
{
    const struct text_tokens *tk = &o->tk;
    size_t *ix = kg_xmalloc((tk->n + 1) * sizeof *ix);
    for (size_t i = 0; i < tk->n; i++)
        ix[i] = i;
    qsort_r(ix, tk->n, sizeof *ix, cmp_tok, &o->tk);
    struct own_term *t = kg_xmalloc((tk->n + 1) * sizeof *t);
    size_t nt = 0;
    for (size_t i = 0; i < tk->n; i++) {
        const struct text_tok *a = &tk->v[ix[i]];
        if (nt > 0) {
            const struct text_tok *b = &tk->v[t[nt - 1].tok];
            if (a->len == b->len &&
                memcmp(tk->bytes + a->off, tk->bytes + b->off, a->len) == 0) {
                t[nt - 1].tf += 1;
                continue;
            }
        }
        uint32_t g = graph_term_find(m->g, tk->bytes + a->off, a->len);
        t[nt++] = (struct own_term){
            ix[i], 1, graph_idf(m->g, g == GRAPH_NONE ? m->g->nterms : g)};
    }
    free(ix);
    *out = t;
    return nt;
}

kg_status match_text_query(struct matcher *m, const char *text,
                           struct match_own *o)
{
    memset(o, 0, sizeof *o);
    o->text = text;
    double k3 = m->c.bm25_k3, p = m->c.bm25_idf;
    o->whole = !(k3 > 0) && p == 0; /* the text itself, as `search` asks */
    if (o->whole)
        return KG_OK;
    if (!m->text) {
        kg_status st = text_new(NULL, &m->text, m->errbuf, sizeof m->errbuf);
        if (st != KG_OK)
            return st;
    }
    text_tokens_init(&o->tk);
    o->tk.surfaces = true;
    if (text_analyze(m->text, text, strlen(text), &o->tk) != KG_OK) {
        snprintf(m->errbuf, sizeof m->errbuf, "text analysis: %s",
                 text_last_error(m->text));
        text_tokens_release(&o->tk);
        return KG_EINTERNAL;
    }
    struct own_term *t;
    size_t nt = own_terms(m, o, &t);
    double top = 0, sum = 0;
    for (size_t i = 0; i < nt; i++)
        top = t[i].idf > top ? t[i].idf : top;
    /* Each term: its count (saturated as BM25's k3 would), times its
     * rarity against the need's rarest term to the power p; scaled (in
     * match_text_weigh) so that the need's part weighs as much as its
     * words did. */
    o->u = kg_xmalloc((nt + 1) * sizeof *o->u);
    o->surf = kg_xmalloc((nt + 1) * sizeof *o->surf);
    for (size_t i = 0; i < nt; i++) {
        double u = k3 > 0 ? (k3 + 1) * t[i].tf / (k3 + t[i].tf) : t[i].tf;
        if (p != 0 && top > 0)
            u *= pow(t[i].idf / top, p);
        o->u[i] = u;
        o->surf[i] = o->tk.bytes + o->tk.v[t[i].tok].surf;
        sum += u;
    }
    o->nt = nt;
    o->ntok = (double)o->tk.n;
    o->usum = sum;
    free(t);
    return KG_OK;
}

void match_text_weigh(const struct matcher *m, struct match_own *o,
                      double share, size_t extra)
{
    double per = share / (m->nqown ? m->nqown : 1);
    free(o->wq);
    o->n = 0;
    o->wq = kg_xmalloc((o->nt + extra + 1) * sizeof *o->wq);
    if (o->whole) {
        o->wq[o->n++] = (struct index_wterm){o->text, per};
        return;
    }
    double scale = o->usum > 0 ? per * o->ntok / o->usum : 0;
    for (size_t i = 0; i < o->nt; i++)
        o->wq[o->n++] = (struct index_wterm){o->surf[i], o->u[i] * scale};
}

void match_text_release(struct match_own *o)
{
    free(o->wq);
    free(o->u);
    free(o->surf);
    if (o->tk.v || o->tk.bytes)
        text_tokens_release(&o->tk);
    memset(o, 0, sizeof *o);
}

/* ---- a second lexical model (text.lm) ---------------------------------- */

#define MATCH_TWO_PI 6.283185307179586

/* Term i's part of the score of a document holding it tf times in dl
 * (weighted units), for the models of text.lm over the postings P:
 * Dirichlet's log(1 + tf / (mu p(t|C))), DPH's and PL2's divergence from
 * randomness (Amati; as Terrier computes them). */
static double lm_term(const struct matcher *m, const struct index_postings *P,
                      uint32_t i, double tf, double dl)
{
    double avgdl = P->length / P->docs, cf = P->cf[i], q = P->qtf[i];
    if (!(cf > 0) || !(tf > 0) || !(dl > 0))
        return 0;
    switch (m->c.lm) {
    case MATCH_LM_DIRICHLET: {
        double mu = m->c.lm_mu > 0 ? m->c.lm_mu : avgdl;
        return q * log(1 + tf / (mu * cf / P->length));
    }
    case MATCH_LM_DPH: {
        double f = tf / dl;
        if (!(f < 1))
            return 0;
        double norm = (1 - f) * (1 - f) / (tf + 1);
        return q * norm *
               (tf * log2(tf * avgdl / dl * P->docs / cf) +
                0.5 * log2(MATCH_TWO_PI * tf * (1 - f)));
    }
    case MATCH_LM_PL2: {
        double t = tf * log2(1 + m->c.lm_c * avgdl / dl);
        double lambda = cf / P->docs;
        return q *
               (t * log2(t / lambda) + (lambda - t) * log2(exp(1.0)) +
                0.5 * log2(MATCH_TWO_PI * t)) /
               (t + 1);
    }
    case MATCH_LM_NONE:
        break;
    }
    return 0;
}

/* The model's score of every item the postings reach, into lm (lmhas,
 * ltouch). Dirichlet adds the document's length part once per document:
 * W log(mu / (dl + mu)), W the weight of the query's terms the store
 * holds. */
static void lm_score(struct matcher *m, const struct index_postings *P)
{
    double w = 0, mu = m->c.lm_mu > 0 ? m->c.lm_mu : P->length / P->docs;
    for (size_t i = 0; i < P->nterms; i++)
        w += P->cf[i] > 0 ? P->qtf[i] : 0;
    for (size_t j = 0; j < P->n; j++) {
        const struct index_posting *p = &P->p[j];
        uint32_t v = match_hit_vertex(m, &p->hit);
        if (v == GRAPH_NONE)
            continue;
        if (!m->lmhas[v]) {
            m->lmhas[v] = true;
            m->ltouch[m->nltouch++] = v;
            m->lm[v] =
                m->c.lm == MATCH_LM_DIRICHLET ? w * log(mu / (p->dl + mu)) : 0;
        }
        m->lm[v] += lm_term(m, P, p->term, p->tf, p->dl);
    }
}

/* Mean and standard deviation over BM25's items of kind k of their BM25
 * (lm false) or the model's score (an item the model did not reach
 * counts at floor). */
static void lm_moments(const struct matcher *m, kg_kind k, bool lm,
                       double floor, double *mu, double *sd)
{
    double s = 0, ss = 0, n = 0;
    for (size_t i = 0; i < m->nbtouch; i++) {
        uint32_t v = m->btouch[i];
        if (m->g->vkind[v] != k)
            continue;
        double y = !lm ? m->bm[v] : m->lmhas[v] ? m->lm[v] : floor;
        s += y;
        ss += y * y;
        n++;
    }
    *mu = n ? s / n : 0;
    double var = n ? ss / n - *mu * *mu : 0;
    *sd = var > 1e-18 ? sqrt(var) : 0;
}

/* BM25's z-score and the model's fused over BM25's items of kind k
 * (per kind, as bm25_blend z-scores BM25) into bm, shifted so that the
 * weakest stays just above the items not found (0), as its BM25 did. */
static void lm_fuse(struct matcher *m, kg_kind k)
{
    double share = m->c.lm_share, floor = INFINITY;
    for (size_t i = 0; i < m->nltouch; i++)
        if (m->g->vkind[m->ltouch[i]] == k)
            floor = fmin(floor, m->lm[m->ltouch[i]]);
    if (!isfinite(floor))
        return; /* the model reached none of them: BM25 alone */
    double bmu, bsd, lmu, lsd, lo = INFINITY, hi = -INFINITY;
    lm_moments(m, k, false, floor, &bmu, &bsd);
    lm_moments(m, k, true, floor, &lmu, &lsd);
    for (size_t i = 0; i < m->nbtouch; i++) {
        uint32_t v = m->btouch[i];
        if (m->g->vkind[v] != k)
            continue;
        double l = m->lmhas[v] ? m->lm[v] : floor;
        double zb = bsd > 0 ? (m->bm[v] - bmu) / bsd : 0;
        double zl = lsd > 0 ? (l - lmu) / lsd : 0;
        m->bm[v] = (1 - share) * zb + share * zl; /* shifted below */
        lo = fmin(lo, m->bm[v]);
        hi = fmax(hi, m->bm[v]);
    }
    double eps = 1e-3 * (hi > lo ? hi - lo : 1);
    for (size_t i = 0; i < m->nbtouch; i++)
        if (m->g->vkind[m->btouch[i]] == k)
            m->bm[m->btouch[i]] += eps - lo;
}

kg_status match_text_lm(struct matcher *m, const struct match_own *o,
                        unsigned kinds)
{
    double share = m->c.lm_share;
    if (m->c.lm == MATCH_LM_NONE || !(share > 0) || m->nbtouch == 0 || !m->ix)
        return KG_OK;
    struct index_postings P;
    if (index_postings(m->ix, o->wq, o->n, kinds, &P) != KG_OK) {
        snprintf(m->errbuf, sizeof m->errbuf, "BM25 search: %s",
                 index_last_error(m->ix));
        return KG_EINTERNAL;
    }
    if (!m->lm) {
        m->lm = kg_xcalloc(m->g->nrec + 1, sizeof *m->lm);
        m->lmhas = kg_xcalloc(m->g->nrec + 1, sizeof *m->lmhas);
        m->ltouch = kg_xmalloc((m->g->nrec + 1) * sizeof *m->ltouch);
    }
    if (P.docs > 0 && P.length > 0)
        lm_score(m, &P);
    index_postings_release(&P);
    static const kg_kind items[] = {KG_ACHIEVEMENT, KG_PATENT};
    for (int k = 0; k < 2; k++)
        lm_fuse(m, items[k]);
    for (size_t i = 0; i < m->nltouch; i++) {
        m->lm[m->ltouch[i]] = 0;
        m->lmhas[m->ltouch[i]] = false;
    }
    m->nltouch = 0;
    return KG_OK;
}

/* ---- term associations from the store's own text (text.rm3_assoc) ----- */

/* What term t brings of its associates: over the items holding it, the
 * sum of their vectors weighted by its weight in each (*mass: of those
 * vectors' weights, when add is false; added to q2 times scale when
 * true), and the sum of its weights in them. */
static double assoc_term(struct matcher *m, uint32_t t, bool add, double scale,
                         double *mass)
{
    const struct graph *g = m->g;
    double z = 0;
    for (uint64_t j = g->inv_off[t]; j < g->inv_off[t + 1]; j++) {
        uint32_t v = g->inv_v[j];
        if (!match_is_item(g->vkind[v]))
            continue;
        double w = g->inv_w[j];
        z += w;
        for (uint64_t k = g->vec_off[v]; k < g->vec_off[v + 1]; k++) {
            if (add)
                match_q2_add(m, g->vec_term[k], scale * w * g->vec_w[k]);
            else
                *mass += w * g->vec_w[k];
        }
    }
    return z;
}

void match_text_assoc(struct matcher *m, double mass)
{
    double share = m->c.rm3_assoc;
    if (!(share > 0) || !(mass > 0))
        return;
    /* Each of the need's own terms t (query weight q_t) brings the
     * weighted centroid of the items holding it: q_t sum_d w(d,t) vec(d) /
     * sum_d w(d,t); the whole scaled to share / (1 - share) of the hits'
     * mass, so that the associations are that share of the mixture. */
    double total = 0;
    for (size_t i = 0; i < m->nqown; i++) {
        uint32_t t = m->qt[i];
        double tm = 0, z = assoc_term(m, t, false, 0, &tm);
        total += z > 0 ? m->q[t] * tm / z : 0;
    }
    if (!(total > 0))
        return;
    double f = share >= 1 ? 1e6 : share / (1 - share);
    for (size_t i = 0; i < m->nqown; i++) {
        uint32_t t = m->qt[i];
        double tm = 0, z = assoc_term(m, t, false, 0, &tm);
        if (z > 0)
            (void)assoc_term(m, t, true, f * mass * m->q[t] / (z * total), &tm);
    }
}
