/*
 * app_match.c - the matching use cases: demands by id, free text, every
 * demand, and an enterprise's open demands (with the loose enterprise
 * lookup and the open-demand rule), all sent to a sink group by group.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_int.h"
#include "core/text.h"

kg_status app_match_kinds(const char *s, unsigned *kinds, size_t *at,
                          size_t *len)
{
    kg_status st = record_kinds_parse(s, APP_MATCH_KINDS, kinds, at, len);
    if (st == KG_OK && (*kinds & APP_MATCH_KINDS) == APP_MATCH_KINDS)
        *kinds = 0; /* all four, as none named */
    return st;
}

/* ---- one batch to a sink ------------------------------------------------ */

/* ---- translation of the needs (core/clir.h) ---------------------------- */

/* The analyzer terms of s, '\n' after each (caller frees). */
static char *terms_of(struct text *t, struct text_tokens *tk, const char *s)
{
    struct kg_buf b;
    kg_buf_init(&b);
    text_tokens_reset(tk);
    if (text_analyze(t, s, strlen(s), tk) == KG_OK)
        for (size_t i = 0; i < tk->n; i++)
            kg_buf_printf(&b, "%s\n", tk->bytes + tk->v[i].off);
    kg_buf_adds(&b, "");
    return kg_buf_detach(&b);
}

struct emit {
    const struct graph *g;
    const struct app_sink *sink;
    const uint32_t *demands; /* NULL for a text query */
    const char *text;
    struct app_session *a;
    const struct xlate *xs;
    struct text *tx; /* for the translated concepts of reasons */
    struct text_tokens tk;
    const struct app_verdicts *v; /* NULL: none */
    size_t top;                   /* per kind, after declined pairs leave */
    size_t n;                     /* queries, for the progress */
    app_progress_fn progress;     /* NULL: none */
    void *progress_ctx;
};

/* Whether word a holds word b: a CJK word anywhere (焊接 holds 焊), a
 * Latin one as its start (welding holds weld), or the two are the same. */
static bool word_holds(const char *a, const char *b)
{
    if ((unsigned char)*b >= 0x80)
        return strstr(a, b) != NULL;
    return strncmp(a, b, strlen(b)) == 0;
}

/* Puts the translated terms of x found in hit h's record first among its
 * concepts ("src ↔ translation"); bufs hold the strings. A term inside
 * another's source word gives way to it (焊 ↔ weld to 焊接 ↔ weld, in
 * either order), and a concept that only repeats a side of a shown one,
 * in any case as the matcher's own list compares them (dye, Dye or 染料
 * beside 染料 ↔ dye), is left out. */
#define XL_CONCEPTS 2
static void translated_concepts(struct emit *e, const struct xlate *x,
                                struct app_hit *h, char bufs[XL_CONCEPTS][160])
{
    struct kg_record r;
    record_init(&r, h->kind);
    if (store_get(e->a->s, h->kind, h->id, &r) != KG_OK) {
        record_release(&r);
        return;
    }
    /* the text the index searches, not the record's JSON: its field
     * names would hold words of their own (institution holds institute) */
    char *text = index_record_text(&r);
    record_release(&r);
    char *have = terms_of(e->tx, &e->tk, text);
    free(text);
    size_t nb = 0;
    const struct clir_term *shown[XL_CONCEPTS];
    for (size_t j = 0; j < x->q.n && nb < XL_CONCEPTS; j++) {
        const struct clir_term *t = &x->q.v[j];
        if (t->how == CLIR_SAME)
            continue;
        char *want = terms_of(e->tx, &e->tk, t->text);
        bool all = *want != '\0';
        for (char *p = want, *nl; all && (nl = strchr(p, '\n')); p = nl + 1) {
            *nl = '\0';
            struct kg_buf k;
            kg_buf_init(&k);
            kg_buf_printf(&k, "\n%s\n", p);
            all = strstr(have, k.data + 1) == have ||
                  strstr(have, k.data) != NULL;
            kg_buf_release(&k);
        }
        free(want);
        bool inside = false;
        for (size_t b = 0; b < nb; b++)
            inside = inside || word_holds(shown[b]->src, t->src);
        if (!all || inside)
            continue;
        size_t w = 0; /* the shown terms inside this one give way */
        for (size_t b = 0; b < nb; b++) {
            if (word_holds(t->src, shown[b]->src))
                continue;
            if (w != b) {
                memcpy(bufs[w], bufs[b], sizeof bufs[w]);
                shown[w] = shown[b];
            }
            w++;
        }
        nb = w;
        shown[nb] = t;
        snprintf(bufs[nb++], 160, "%s ↔ %s", t->src, t->text);
    }
    free(have);
    if (!nb)
        return;
    size_t n = 0;
    for (size_t c = 0; c < h->nconcepts; c++) {
        bool again = false;
        for (size_t b = 0; b < nb; b++)
            again = again || strcasecmp(h->concepts[c], shown[b]->text) == 0 ||
                    strcasecmp(h->concepts[c], shown[b]->src) == 0;
        if (!again)
            h->concepts[n++] = h->concepts[c];
    }
    h->nconcepts = n;
    size_t keep = h->nconcepts + nb > APP_MAX_CONCEPTS ? APP_MAX_CONCEPTS - nb
                                                       : h->nconcepts;
    memmove(h->concepts + nb, h->concepts, keep * sizeof *h->concepts);
    for (size_t b = 0; b < nb; b++)
        h->concepts[b] = bufs[b];
    h->nconcepts = keep + nb;
}

/* Whether hit j of r is sent: not declined, and within top of its kind
 * (*n counts the kind's hits sent so far). */
static bool keep_hit(const struct emit *e, const char *demand,
                     const struct match_result *r, size_t j, size_t *n)
{
    const struct match_hit *h = &r->hits[j];
    if (j == 0 || r->hits[j - 1].kind != h->kind)
        *n = 0;
    if (app_verdict(e->v, demand, h->kind, graph_id(e->g, h->v)) < 0)
        return false;
    if (e->top && *n >= e->top)
        return false;
    (*n)++;
    return true;
}

static bool emit_result(size_t i, const struct match_result *r, void *ctx)
{
    struct emit *e = ctx;
    const struct app_sink *k = e->sink;
    const char *demand = e->demands ? graph_id(e->g, e->demands[i]) : NULL;
    struct kg_buf dom;
    size_t nhits = 0, n = 0;
    for (size_t j = 0; j < r->n; j++)
        nhits += keep_hit(e, demand, r, j, &n);
    kg_buf_init(&dom);
    domain_mask_format(r->demand_domains, ",", &dom);
    struct app_group grp = {
        .index = i,
        .kind = KG_DEMAND,
        .id = demand,
        .label = e->demands ? graph_label(e->g, e->demands[i]) : e->text,
        .text = e->text,
        .domains = dom.len ? dom.data : "",
        .ndemands = 1,
        .nhits = nhits,
    };
    if (k->begin)
        k->begin(k->ctx, &grp);
    for (size_t j = 0; j < r->n && k->hit; j++) {
        if (!keep_hit(e, demand, r, j, &n))
            continue;
        struct app_hit h;
        char bufs[XL_CONCEPTS][160];
        app_hit_from(e->g, &r->hits[j], n, &h); /* n: rank in its kind */
        h.accepted = app_verdict(e->v, demand, h.kind, h.id) > 0;
        if (e->tx && e->xs[i].nw)
            translated_concepts(e, &e->xs[i], &h, bufs);
        k->hit(k->ctx, &grp, &h);
    }
    if (k->end)
        k->end(k->ctx, &grp);
    if (e->progress && e->n > 1)
        e->progress("matching", i + 1, e->n, e->progress_ctx);
    kg_buf_release(&dom);
    return true;
}

/* Query i on the session's own matcher, kept from request to request
 * (a batch makes one per thread); errors are worded as match_batch's. */
static kg_status run_one(struct app_session *a, size_t i,
                         const struct match_query *q,
                         const struct match_indexes *ixs, struct emit *e)
{
    struct matcher *m;
    struct match_result r;
    kg_status st = app_matcher(a, &m);
    if (st != KG_OK)
        return st;
    match_set_index(m, ixs->n ? ixs->ix[0] : NULL);
    st = match_run(m, q, &r);
    if (st != KG_OK && q->demand != GRAPH_NONE)
        return app_fail(a, st, "demand %s: %s", graph_id(a->g, q->demand),
                        match_last_error(m));
    if (st != KG_OK)
        return app_fail(a, st, "query 0: %s", match_last_error(m));
    emit_result(i, &r, e);
    match_result_release(&r);
    return KG_OK;
}

/* Runs the n queries of demands dv (NULL: one query of text). */
static kg_status run(struct app_session *a, const uint32_t *dv, size_t n,
                     const char *text, const struct app_match_opts *o,
                     const struct app_sink *sink)
{
    struct match_query *qs = kg_xcalloc(n ? n : 1, sizeof *qs);
    char **texts = kg_xcalloc(n ? n : 1, sizeof *texts);
    char err[512] = "";
    for (size_t i = 0; i < n; i++)
        qs[i] = (struct match_query){
            .demand = dv ? dv[i] : GRAPH_NONE,
            .text = text,
            .kinds = o->kinds,
            .top = o->top,
            .cross_only = o->cross_only,
            .explain = o->explain,
            .min_score_set = o->min_score_set,
            .min_score = o->min_score,
        };
    /* declined pairs leave the ranking: ask for as many more */
    struct app_verdicts v = {.accept = NULL};
    kg_status st = dv ? app_verdicts_load(a, &v) : KG_OK;
    for (size_t i = 0; dv && i < n && o->top; i++)
        qs[i].top += app_verdicts_declined(&v, graph_id(a->g, dv[i]));
    if (sink->start)
        sink->start(sink->ctx);
    struct match_indexes ixs;
    struct xlate *xs = kg_xcalloc(n ? n : 1, sizeof *xs);
    struct emit e = {.g = a->g,
                     .sink = sink,
                     .demands = dv,
                     .text = text,
                     .a = a,
                     .xs = xs,
                     .v = &v,
                     .top = o->top,
                     .n = n,
                     .progress = o->progress,
                     .progress_ctx = o->progress_ctx};
    text_tokens_init(&e.tk);
    if (st == KG_OK)
        st = app_translate(a, qs, n, text, xs);
    if (st == KG_OK && o->explain) {
        st = text_new(NULL, &e.tx, err, sizeof err);
        if (st != KG_OK)
            app_fail(a, st, "%s", err);
    }
    /* With a deadline (a service's request) the session's matcher takes the
     * demands in turn: a batch's threads would not see the deadline. */
    bool in_turn = n == 1 || a->deadline > 0;
    if (st == KG_OK)
        st = app_bm25(a, qs, n, in_turn ? 1 : 0, texts, &ixs);
    if (st == KG_OK && in_turn) {
        for (size_t i = 0; i < n && st == KG_OK; i++)
            st = run_one(a, i, &qs[i], &ixs, &e);
    } else if (st == KG_OK) {
        unsigned threads =
            match_batch_threads(&a->conf, ixs.n ? &ixs : NULL, n);
        struct matcher *const *ms = NULL;
        st = app_batch_matchers(a, threads, &ms);
        if (st == KG_OK) {
            st = match_batch_on(ms, threads, ixs.n ? &ixs : NULL, qs, n,
                                emit_result, &e, err, sizeof err);
            if (st != KG_OK)
                app_fail(a, st, "%s", err);
        }
    }
    text_free(e.tx);
    text_tokens_release(&e.tk);
    app_translate_release(xs, n);
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    app_verdicts_release(&v);
    free(texts);
    free(qs);
    return st;
}

kg_status app_match_demands(struct app_session *a, const char *const *ids,
                            size_t n, const struct app_match_opts *o,
                            const struct app_sink *sink)
{
    struct graph *g;
    kg_status st = app_graph(a, &g);
    if (st != KG_OK)
        return st;
    uint32_t *dv = kg_xcalloc(n ? n : 1, sizeof *dv);
    for (size_t i = 0; i < n && st == KG_OK; i++) {
        dv[i] = graph_find(g, KG_DEMAND, ids[i]);
        if (dv[i] == GRAPH_NONE)
            st = app_fail(a, KG_ENOTFOUND, "no demand '%s' in %s", ids[i],
                          a->db_path);
    }
    if (st == KG_OK)
        st = run(a, dv, n, NULL, o, sink);
    free(dv);
    return st;
}

kg_status app_match_text(struct app_session *a, const char *text,
                         const struct app_match_opts *o,
                         const struct app_sink *sink)
{
    if (!text || !text_has_word(text, strlen(text)))
        return app_fail(a, KG_EUSAGE,
                        "the need's text has no words to match (it holds "
                        "no letter or digit)");
    struct graph *g;
    kg_status st = app_graph(a, &g);
    return st == KG_OK ? run(a, NULL, 1, text, o, sink) : st;
}

struct vertices {
    uint32_t *v;
    size_t n, cap;
};

static bool add_vertex(uint32_t v, void *ctx)
{
    struct vertices *vs = ctx;
    if (vs->n == vs->cap) {
        vs->cap = vs->cap ? 2 * vs->cap : 64;
        vs->v = kg_xrealloc(vs->v, vs->cap * sizeof *vs->v);
    }
    vs->v[vs->n++] = v;
    return true;
}

kg_status app_match_all(struct app_session *a, const struct app_match_opts *o,
                        const struct app_sink *sink)
{
    struct graph *g;
    kg_status st = app_graph(a, &g);
    if (st != KG_OK)
        return st;
    struct vertices vs = {NULL, 0, 0};
    graph_foreach_record(g, KG_DEMAND, add_vertex, &vs);
    st = run(a, vs.v, vs.n, NULL, o, sink);
    free(vs.v);
    return st;
}

/* ---- enterprises and their open demands --------------------------------- */

#define FOUND_MAX 16

struct found {
    char *id[FOUND_MAX];
    char *label[FOUND_MAX];
    size_t n;
    bool more;
};

static void found_add(struct found *f, const char *id, const char *label)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->id[i], id) == 0)
            return;
    if (f->n == FOUND_MAX) {
        f->more = true;
        return;
    }
    f->id[f->n] = kg_xstrdup(id);
    f->label[f->n++] = kg_xstrdup(label);
}

static bool on_name(kg_kind kind, const char *id, const char *label, void *ctx)
{
    (void)kind;
    found_add(ctx, id, label);
    return true;
}

/* Case-insensitive (ASCII) substring test. */
static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return n == 0;
}

struct loose {
    const char *name;
    struct found *f;
};

static bool on_loose(const struct kg_record *r, void *ctx)
{
    struct loose *l = ctx;
    /* a part of an id counts for enterprises only (as it always did) */
    if (contains_ci(record_label(r), l->name) ||
        (r->kind == KG_ENTERPRISE && contains_ci(r->id, l->name)))
        found_add(l->f, r->id, record_label(r));
    return true;
}

kg_status app_find_record(struct app_session *a, kg_kind kind, const char *name,
                          char **id)
{
    struct found f = {.n = 0};
    *id = NULL;
    kg_status st = store_find_name(a->s, KG_KIND_BIT(kind), name, on_name, &f);
    if (st == KG_OK && f.n == 0 && *name) {
        struct loose l = {name, &f};
        st = store_foreach(
            a->s,
            &(struct store_iter_opts){.kinds = KG_KIND_BIT(kind),
                                      .skip_stubs = kind != KG_ENTERPRISE},
            on_loose, &l);
    }
    const char *kn = record_kind_name(kind);
    if (st != KG_OK) {
        app_store_fail(a, st, "looking up the record");
    } else if (f.n == 0) {
        st = app_fail(a, KG_ENOTFOUND, "no %s matches '%s'", kn, name);
    } else if (f.n > 1) {
        st = app_fail(a, KG_EINPUT,
                      "'%s' matches %s%zu %ss; give one of these ids:", name,
                      f.more ? "more than " : "", f.n, kn);
        for (size_t i = 0; i < f.n; i++)
            kg_buf_printf(&a->msg, "\n  %s  %s", f.id[i], f.label[i]);
    } else {
        *id = kg_xstrdup(f.id[0]);
    }
    for (size_t i = 0; i < f.n; i++) {
        free(f.id[i]);
        free(f.label[i]);
    }
    return st;
}

kg_status app_find_enterprise(struct app_session *a, const char *name,
                              char **id)
{
    return app_find_record(a, KG_ENTERPRISE, name, id);
}

bool app_demand_open(const struct kg_record *r, const char *today)
{
    /* YYYY or YYYY-MM: to its end */
    return !r->deadline || !*r->deadline ||
           strncmp(r->deadline, today, strlen(r->deadline)) >= 0;
}

static bool on_status(const char *demand, const char *status, void *ctx)
{
    void **v = ctx;
    strmap_get(v[0], demand, strlen(demand), true, NULL);
    strlist_add(v[1], status);
    return true;
}

kg_status app_status_load(struct app_session *a, struct strmap *ids,
                          struct kg_strlist *status)
{
    void *v[2] = {ids, status};
    kg_status st = store_demand_status_foreach(a->s, on_status, v);
    return st == KG_OK ? st : app_store_fail(a, st, "reading the status");
}

const char *app_status_of(const struct strmap *ids,
                          const struct kg_strlist *status, const char *id)
{
    uint32_t i = strmap_get((struct strmap *)ids, id, strlen(id), false, NULL);
    return i == STRMAP_NONE ? "open" : status->v[i];
}

struct demands {
    char today[11];
    bool closed_too;
    struct kg_strlist ids;
    struct store *s;
    struct strmap status_ids;
    struct kg_strlist status;
    size_t left_out;
    kg_status st;
};

/* A demand is open while its deadline (if any) is today or later. */
static bool on_posted(const struct store_link *l, void *ctx)
{
    struct demands *d = ctx;
    if (l->rel != STORE_REL_POSTED_BY || l->src_kind != KG_DEMAND)
        return true;
    if (!d->closed_too) {
        struct kg_record r;
        record_init(&r, KG_DEMAND);
        d->st = store_get(d->s, KG_DEMAND, l->src_id, &r);
        bool open = d->st == KG_OK && app_demand_open(&r, d->today) &&
                    strcmp(app_status_of(&d->status_ids, &d->status, l->src_id),
                           "open") == 0;
        record_release(&r);
        if (d->st != KG_OK)
            return false;
        if (!open) {
            d->left_out++;
            return true;
        }
    }
    strlist_add(&d->ids, l->src_id);
    return true;
}

kg_status app_enterprise_demands(struct app_session *a, const char *id,
                                 bool closed_too, struct kg_strlist *ids)
{
    struct demands d = {.closed_too = closed_too, .s = a->s, .st = KG_OK};
    char now[32];
    kg_now_iso(now); /* honours $KGMATCH_NOW, as every timestamp does */
    snprintf(d.today, sizeof d.today, "%.10s", now);
    kg_kind ek = KG_ENTERPRISE;
    a->left_out = 0;
    kg_status st = app_status_load(a, &d.status_ids, &d.status);
    if (st == KG_OK)
        st = store_foreach_link(a->s, &ek, id, on_posted, &d);
    if (st == KG_OK)
        st = d.st;
    strmap_release(&d.status_ids);
    strlist_release(&d.status);
    if (st != KG_OK) {
        strlist_release(&d.ids);
        return app_store_fail(a, st, "reading the demands");
    }
    a->left_out = d.left_out;
    if (d.ids.n) /* an enterprise without demands has no list at all */
        qsort(d.ids.v, d.ids.n, sizeof *d.ids.v, kg_cmp_str);
    for (size_t i = 0; i < d.ids.n; i++)
        strlist_add(ids, d.ids.v[i]);
    strlist_release(&d.ids);
    return KG_OK;
}

kg_status app_query(struct app_session *a, const char *enterprise,
                    bool closed_too, const struct app_match_opts *o,
                    const struct app_sink *sink, char **id, size_t *ndemands)
{
    struct kg_strlist ids = {NULL, 0};
    *ndemands = 0;
    kg_status st = app_find_enterprise(a, enterprise, id);
    if (st == KG_OK)
        st = app_enterprise_demands(a, *id, closed_too, &ids);
    if (st == KG_OK && ids.n == 0 && sink->start)
        sink->start(sink->ctx);
    else if (st == KG_OK)
        st = app_match_demands(a, (const char *const *)ids.v, ids.n, o, sink);
    if (st == KG_OK) {
        *ndemands = ids.n;
    } else {
        free(*id);
        *id = NULL;
    }
    strlist_release(&ids);
    return st;
}

void app_match_thresholds(const struct app_session *a, double *min_score,
                          double *cross_min)
{
    *min_score = a->conf.min_score;
    *cross_min = a->conf.cross_min;
}
