/*
 * match_text.c - the need's own part of the matcher's BM25 query: the
 * need's text at one weight per word (as `search` asks it), or, with
 * text.bm25_k3 or text.bm25_idf set, one weighted term per distinct word,
 * its count saturated and its weight leaning on its rarity (graph/README.md,
 * "what each idea added").
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
