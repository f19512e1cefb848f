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
    uint32_t *via;  /* institutions: the expert or item their score from
                       that demand was cut to (a declined one made it), or
                       GRAPH_NONE */
    const struct graph *g;
    const struct app_verdicts *v; /* NULL: no verdict marks */
    char *const *ids;             /* the demands' ids, by number */
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
 * institution u, best first and each once, into out (room for max);
 * returns the count. */
static size_t best_ranked(const struct best *b, uint32_t u, bool experts,
                          struct ranked *out, size_t max)
{
    struct cands *c = kg_xcalloc(1, sizeof *c);
    c->b = b;
    c->experts = experts;
    graph_foreach_edge(b->g, u, 0, on_institution_edge, c);
    qsort(c->tmp, c->n, sizeof *c->tmp, cmp_ranked);
    size_t m = 0;
    for (size_t i = 0; i < c->n && m < max; i++)
        if (m == 0 || c->tmp[i].v != out[m - 1].v)
            out[m++] = c->tmp[i];
    free(c);
    return m;
}

/* best_ranked as app_items into out (room for APP_PARTNER_PEOPLE), marked
 * accepted when a broker accepted the pair with the demand of its score;
 * the contacts are left to the caller. */
static size_t best_of(const struct best *b, uint32_t u, bool experts,
                      struct app_item *out)
{
    struct ranked r[APP_PARTNER_PEOPLE];
    size_t m = best_ranked(b, u, experts, r, APP_PARTNER_PEOPLE);
    for (size_t i = 0; i < m; i++) {
        kg_kind kind = (kg_kind)graph_kind(b->g, r[i].v);
        out[i] = (struct app_item){
            .kind = kind,
            .id = r[i].id,
            .label = graph_label(b->g, r[i].v),
            .score = r[i].score,
            .accepted =
                app_verdict(b->v, b->ids[b->from[r[i].v]], kind, r[i].id) > 0,
            .contacts = {"", "", ""},
        };
    }
    return m;
}

/* ---- what a broker declined --------------------------------------------- */

/* The explained institutions-only run of a demand query: the reasons. */
static struct match_query why_query(const struct match_query *q)
{
    return (struct match_query){.demand = q->demand,
                                .kinds = KG_KIND_BIT(KG_INSTITUTION),
                                .explain = true,
                                .bm25_text = q->bm25_text};
}

/* Whether hit h's explanation runs through a record declined for demand
 * did. */
static bool path_declined(const struct app_verdicts *v, const char *did,
                          const struct match_hit *h)
{
    for (size_t k = 0; k < h->npath; k++) {
        kg_kind kind;
        if (record_kind_parse(h->path[k].kind, &kind) == KG_OK &&
            kind != KG_DEMAND && app_verdict(v, did, kind, h->path[k].id) < 0)
            return true;
    }
    return false;
}

/*
 * Demand did has declined pairs: r is its run (every kind), ex its
 * explained run (institutions). An institution of ex whose path runs
 * through a declined record gets, in cap[v], the best score of its other
 * experts and items in r (0: none) and that record in via[v]; the others
 * keep cap[v] < 0. tmp is zeroed scratch by vertex, left zeroed.
 */
static void cap_declined(const struct graph *g, const struct app_verdicts *v,
                         const char *did, const struct match_result *r,
                         const struct match_result *ex, double *tmp,
                         double *cap, uint32_t *via)
{
    for (size_t j = 0; j < r->n; j++)
        if (app_verdict(v, did, r->hits[j].kind, graph_id(g, r->hits[j].v)) >=
            0)
            tmp[r->hits[j].v] = r->hits[j].score;
    struct best tb = {.score = tmp, .g = g};
    for (size_t j = 0; j < ex->n; j++) {
        uint32_t u = ex->hits[j].v;
        if (!path_declined(v, did, &ex->hits[j]))
            continue;
        struct ranked e[1], it[1];
        size_t ne = best_ranked(&tb, u, true, e, 1);
        size_t ni = best_ranked(&tb, u, false, it, 1);
        const struct ranked *top = ne && (!ni || e[0].score > it[0].score)
                                       ? &e[0]
                                   : ni ? &it[0]
                                        : NULL;
        cap[u] = top ? top->score : 0;
        via[u] = top ? top->v : GRAPH_NONE;
    }
    for (size_t j = 0; j < r->n; j++)
        tmp[r->hits[j].v] = 0;
}

/* ---- contacts ------------------------------------------------------------ */

/* The contacts of record (kind, id) into c, pointing into r (released by
 * the caller); a record not in the store has none. Store failures as
 * their status. */
static kg_status contacts_of(struct app_session *a, kg_kind kind,
                             const char *id, struct kg_record *r,
                             struct app_contacts *c)
{
    record_init(r, kind);
    kg_status st = store_get(a->s, kind, id, r);
    if (st == KG_ENOTFOUND) {
        record_release(r);
        st = KG_OK;
    }
    *c = (struct app_contacts){r->email ? r->email : "",
                               r->phone ? r->phone : "", r->url ? r->url : ""};
    return st == KG_OK ? st : app_store_fail(a, st, "reading contacts");
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

/* Partner x, ranked rank, to the sink: its best experts and items, its
 * contacts and theirs, and the reason why (the path through the record its
 * score was cut to, when a declined one made the matcher's). */
static kg_status send(struct app_session *a, const struct best *b,
                      const uint32_t *dv, const struct ranked *x,
                      const struct match_hit *why, size_t rank,
                      const struct app_group *grp, const struct app_sink *sink)
{
    const struct graph *g = b->g;
    uint32_t u = x->v, d = b->from[u];
    struct app_item ex[APP_PARTNER_PEOPLE], it[APP_PARTNER_PEOPLE];
    struct app_partner p = {.demand = b->ids[d], .people = ex, .items = it};
    p.npeople = best_of(b, u, true, ex);
    p.nitems = best_of(b, u, false, it);
    struct kg_record rec[APP_PARTNER_PEOPLE + 1];
    size_t nrec = 0;
    kg_status st =
        contacts_of(a, KG_INSTITUTION, x->id, &rec[nrec++], &p.contacts);
    for (size_t k = 0; st == KG_OK && k < p.npeople; k++)
        st = contacts_of(a, KG_EXPERT, ex[k].id, &rec[nrec++], &ex[k].contacts);
    if (st == KG_OK) {
        struct app_hit h;
        app_hit_from(g, why, rank, &h);
        h.kind = KG_INSTITUTION;
        h.id = x->id;
        h.label = graph_label(g, u);
        h.score = x->score;
        h.accepted = app_verdict(b->v, p.demand, KG_INSTITUTION, x->id) > 0;
        h.partner = &p;
        uint32_t via = b->via[u];
        if (via != GRAPH_NONE) {
            h.path[0] =
                (struct app_step){"demand", p.demand, graph_label(g, dv[d])};
            h.path[1] =
                (struct app_step){record_kind_name((kg_kind)graph_kind(g, via)),
                                  graph_id(g, via), graph_label(g, via)};
            h.path[2] = (struct app_step){"institution", h.id, h.label};
            h.npath = 3;
        }
        sink->hit(sink->ctx, grp, &h);
    }
    for (size_t k = 0; k < nrec; k++)
        record_release(&rec[k]);
    return st;
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
    struct app_verdicts vd = {.accept = NULL};
    if (st == KG_OK)
        st = app_verdicts_load(a, &vd);
    struct best b = {.g = g, .v = &vd, .ids = ids.v};
    b.score = kg_xcalloc(nv ? nv : 1, sizeof *b.score);
    b.from = kg_xcalloc(nv ? nv : 1, sizeof *b.from);
    b.via = kg_xcalloc(nv ? nv : 1, sizeof *b.via);
    double *tmp = kg_xcalloc(nv ? nv : 1, sizeof *tmp);
    double *cap = kg_xcalloc(nv ? nv : 1, sizeof *cap);
    uint32_t *capvia = kg_xcalloc(nv ? nv : 1, sizeof *capvia);
    for (uint32_t x = 0; x < nv; x++)
        cap[x] = -1;
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
    struct match_result *runs = kg_xcalloc(ids.n + 1, sizeof *runs);
    for (size_t i = 0; st == KG_OK && i < ids.n; i++) {
        struct match_result r;
        const char *did = ids.v[i];
        bool declines = app_verdicts_declined(&vd, did) > 0;
        st = match_run(m, &qs[i], &r);
        if (st == KG_OK && declines) { /* the reasons, ahead of need */
            struct match_query q = why_query(&qs[i]);
            st = match_run(m, &q, &runs[i]);
            if (st != KG_OK)
                match_result_release(&r);
        }
        if (st != KG_OK) {
            app_fail(a, st, "%s", match_last_error(m));
            break;
        }
        if (declines)
            cap_declined(g, &vd, did, &r, &runs[i], tmp, cap, capvia);
        for (size_t j = 0; j < r.n; j++) {
            const struct match_hit *h = &r.hits[j];
            if (app_verdict(&vd, did, h->kind, graph_id(g, h->v)) < 0)
                continue;
            double s = h->score;
            uint32_t via = GRAPH_NONE;
            if (cap[h->v] >= 0) {
                s = cap[h->v] < s ? cap[h->v] : s;
                via = capvia[h->v];
            }
            if (s > b.score[h->v]) {
                b.score[h->v] = s;
                b.from[h->v] = (uint32_t)i;
                b.via[h->v] = via;
            }
        }
        for (size_t j = 0; declines && j < runs[i].n; j++)
            cap[runs[i].hits[j].v] = -1;
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
    for (size_t i = 0; st == KG_OK && i < ni; i++) {
        uint32_t d = b.from[inst[i].v];
        if (!runs[d].hits) {
            struct match_query q = why_query(&qs[d]);
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
        for (size_t i = 0; st == KG_OK && i < ni && sink->hit; i++)
            st = send(a, &b, dv, &inst[i], &why[i], i + 1, &grp, sink);
        if (st == KG_OK && sink->end)
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
    free(b.via);
    free(tmp);
    free(cap);
    free(capvia);
    app_verdicts_release(&vd);
    free(dv);
    free(qs);
    free(eid);
    strlist_release(&ids);
    return st;
}
