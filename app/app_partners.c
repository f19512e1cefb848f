/*
 * app_partners.c - partner institutions for a demand or an enterprise's
 * open demands: every demand is matched, an institution keeps its best
 * score over them, and each partner comes with its best experts and items
 * (found through the graph's edges) and the explained match behind it.
 */
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"

#define BEST_MAX 256 /* candidates looked at per partner */

struct best {
    double *score;  /* by vertex, best over the demands; 0 = none */
    uint32_t *from; /* the demand that gave it */
    const struct graph *g;
};

struct ranked {
    uint32_t v;
    double score;
    const char *id;
};

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return strcmp(x->id, y->id);
}

struct cands {
    const struct best *b;
    bool experts; /* else items */
    struct ranked tmp[BEST_MAX];
    size_t n;
};

static void cand_add(struct cands *c, uint32_t x)
{
    if (c->b->score[x] > 0)
        c->tmp[c->n++] =
            (struct ranked){x, c->b->score[x], graph_id(c->b->g, x)};
}

/* An expert's authored or invented items. */
static bool on_expert_item(uint32_t it, unsigned type, void *ctx)
{
    struct cands *c = ctx;
    if (type == GRAPH_E_AUTHORED || type == GRAPH_E_INVENTED)
        cand_add(c, it);
    return c->n < BEST_MAX;
}

static bool on_institution_edge(uint32_t x, unsigned type, void *ctx)
{
    struct cands *c = ctx;
    if (c->experts && type == GRAPH_E_AFFILIATED_WITH)
        cand_add(c, x);
    if (!c->experts && type == GRAPH_E_OWNS)
        cand_add(c, x);
    if (!c->experts && type == GRAPH_E_AFFILIATED_WITH && c->n < BEST_MAX)
        graph_foreach_edge(c->b->g, x, 0, on_expert_item, c);
    return c->n < BEST_MAX;
}

/* The best experts (affiliated) or items (owned, or behind its experts) of
 * institution u, into out (room for APP_PARTNER_PEOPLE); returns the
 * count. */
static size_t best_of(const struct best *b, uint32_t u, bool experts,
                      struct app_item *out)
{
    struct cands *c = kg_xcalloc(1, sizeof *c);
    c->b = b;
    c->experts = experts;
    graph_foreach_edge(b->g, u, 0, on_institution_edge, c);
    qsort(c->tmp, c->n, sizeof *c->tmp, cmp_ranked);
    size_t m = 0;
    uint32_t last = GRAPH_NONE;
    for (size_t i = 0; i < c->n && m < APP_PARTNER_PEOPLE; i++)
        if (m == 0 || c->tmp[i].v != last) {
            last = c->tmp[i].v;
            out[m++] = (struct app_item){
                .kind = (kg_kind)graph_kind(b->g, last),
                .id = graph_id(b->g, last),
                .label = graph_label(b->g, last),
                .score = c->tmp[i].score,
            };
        }
    free(c);
    return m;
}

/* The demand ids the request names, into ids. */
static kg_status partner_demands(struct app_session *a,
                                 const struct app_partner_opts *o, char **eid,
                                 struct kg_strlist *ids)
{
    if (o->demand) { /* an id, else a title as app_find_record finds it */
        char *id = NULL;
        struct kg_record r;
        record_init(&r, KG_DEMAND);
        kg_status st = store_get(a->s, KG_DEMAND, o->demand, &r);
        record_release(&r);
        if (st == KG_ENOTFOUND)
            st = app_find_record(a, KG_DEMAND, o->demand, &id);
        if (st == KG_ENOTFOUND) /* said below as "no demand 'X'" */
            st = KG_OK;
        if (st == KG_OK)
            strlist_add(ids, id ? id : o->demand);
        free(id);
        return st;
    }
    kg_status st = app_find_enterprise(a, o->enterprise, eid);
    return st == KG_OK ? app_enterprise_demands(a, *eid, o->closed_too, ids)
                       : st;
}

kg_status app_partners(struct app_session *a, const struct app_partner_opts *o,
                       const struct app_sink *sink)
{
    struct graph *g;
    struct matcher *m = NULL;
    struct kg_strlist ids = {NULL, 0};
    char *eid = NULL;
    kg_status st = app_graph(a, &g);
    if (st != KG_OK)
        return st;
    st = partner_demands(a, o, &eid, &ids);
    uint32_t nv = graph_nv(g);
    uint32_t *dv = kg_xcalloc(ids.n + 1, sizeof *dv);
    struct match_query *qs = kg_xcalloc(ids.n + 1, sizeof *qs);
    char **texts = kg_xcalloc(ids.n + 1, sizeof *texts);
    struct best b = {.g = g};
    b.score = kg_xcalloc(nv ? nv : 1, sizeof *b.score);
    b.from = kg_xcalloc(nv ? nv : 1, sizeof *b.from);
    for (size_t i = 0; st == KG_OK && i < ids.n; i++) {
        dv[i] = graph_find(g, KG_DEMAND, ids.v[i]);
        if (dv[i] == GRAPH_NONE)
            st = app_fail(a, KG_ENOTFOUND, "no demand '%s' in %s", ids.v[i],
                          a->db_path);
        qs[i] = (struct match_query){.demand = dv[i], .top = 0};
    }
    /* One demand at a time, so that each vertex remembers its demand. */
    struct match_indexes ixs = {NULL, 0};
    struct xlate *xs = kg_xcalloc(ids.n + 1, sizeof *xs);
    if (st == KG_OK && ids.n > 0)
        st = app_translate(a, qs, ids.n, NULL, xs);
    if (st == KG_OK && ids.n > 0) /* one matcher: one index */
        st = app_bm25(a, qs, ids.n, 1, texts, &ixs);
    if (st == KG_OK && ids.n > 0)
        st = app_matcher(a, &m);
    if (m)
        match_set_index(m, ixs.n ? ixs.ix[0] : NULL);
    for (size_t i = 0; st == KG_OK && i < ids.n; i++) {
        struct match_result r;
        st = match_run(m, &qs[i], &r);
        if (st != KG_OK) {
            app_fail(a, st, "%s", match_last_error(m));
            break;
        }
        for (size_t j = 0; j < r.n; j++) {
            const struct match_hit *h = &r.hits[j];
            if (h->score > b.score[h->v]) {
                b.score[h->v] = h->score;
                b.from[h->v] = (uint32_t)i;
            }
        }
        match_result_release(&r);
    }
    struct ranked *inst = NULL;
    size_t ni = 0;
    if (st == KG_OK) {
        inst = kg_xcalloc(nv ? nv : 1, sizeof *inst);
        for (uint32_t v = 0; v < nv; v++)
            if (graph_kind(g, v) == KG_INSTITUTION && b.score[v] > 0)
                inst[ni++] = (struct ranked){v, b.score[v], graph_id(g, v)};
        qsort(inst, ni, sizeof *inst, cmp_ranked);
        if (o->top && ni > o->top)
            ni = o->top;
    }
    /* Reasons: rerun each demand that is some partner's best, explained. */
    struct match_hit *why = kg_xcalloc(ni ? ni : 1, sizeof *why);
    struct match_result *runs = kg_xcalloc(ids.n + 1, sizeof *runs);
    for (size_t i = 0; st == KG_OK && i < ni; i++) {
        uint32_t d = b.from[inst[i].v];
        if (!runs[d].hits) {
            struct match_query q = {.demand = dv[d],
                                    .kinds = KG_KIND_BIT(KG_INSTITUTION),
                                    .explain = true,
                                    .bm25_text = qs[d].bm25_text};
            st = match_run(m, &q, &runs[d]);
            if (st != KG_OK) {
                app_fail(a, st, "%s", match_last_error(m));
                break;
            }
        }
        for (size_t j = 0; j < runs[d].n; j++)
            if (runs[d].hits[j].v == inst[i].v)
                why[i] = runs[d].hits[j];
    }
    if (st == KG_OK) {
        struct app_group grp = {
            .kind = eid ? KG_ENTERPRISE : KG_DEMAND,
            .id = eid ? eid : ids.v[0],
            .domains = "",
            .ndemands = ids.n,
            .nhits = ni,
        };
        if (sink->start)
            sink->start(sink->ctx);
        if (sink->begin)
            sink->begin(sink->ctx, &grp);
        for (size_t i = 0; i < ni && sink->hit; i++) {
            uint32_t u = inst[i].v;
            struct app_item ex[APP_PARTNER_PEOPLE], it[APP_PARTNER_PEOPLE];
            struct app_partner p = {
                .demand = ids.v[b.from[u]], .people = ex, .items = it};
            p.npeople = best_of(&b, u, true, ex);
            p.nitems = best_of(&b, u, false, it);
            struct app_hit h;
            app_hit_from(g, &why[i], i + 1, &h);
            h.kind = KG_INSTITUTION;
            h.id = inst[i].id;
            h.label = graph_label(g, u);
            h.score = inst[i].score;
            h.partner = &p;
            sink->hit(sink->ctx, &grp, &h);
        }
        if (sink->end)
            sink->end(sink->ctx, &grp);
    }
    for (size_t i = 0; i <= ids.n; i++)
        match_result_release(&runs[i]);
    for (size_t i = 0; i < ids.n; i++)
        free(texts[i]);
    free(texts);
    app_translate_release(xs, ids.n);
    free(runs);
    free(why);
    free(inst);
    free(b.score);
    free(b.from);
    free(dv);
    free(qs);
    free(eid);
    strlist_release(&ids);
    return st;
}
