/*
 * app_eval.c - the matcher against gold pairs: nDCG@10, MAP and recall@50
 * over (demand, kind) rankings, and the cross-domain gold pairs that reach
 * a top 10. Each kind is ranked apart, as app_match_demands sends it.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/app_int.h"
#include "ingest/import.h"

#define EVAL_MAX_LINE 4096

struct pair {
    char *item;
    double rel;
    bool cross;
};

struct demand {
    char *id;
    struct pair *p;
    size_t n, cap;
};

struct app_gold {
    char *path;
    struct demand *d;
    size_t n, cap;
    size_t pairs;
};

/* ---- the gold file ------------------------------------------------------ */

static struct demand *gold_demand(struct app_gold *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->d[i].id, id) == 0)
            return &g->d[i];
    if (g->n == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 64;
        g->d = kg_xrealloc(g->d, g->cap * sizeof *g->d);
    }
    struct demand *d = &g->d[g->n++];
    memset(d, 0, sizeof *d);
    d->id = kg_xstrdup(id);
    return d;
}

static void gold_add(struct demand *d, const char *item, double rel, bool cross)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->p = kg_xrealloc(d->p, d->cap * sizeof *d->p);
    }
    d->p[d->n++] =
        (struct pair){.item = kg_xstrdup(item), .rel = rel, .cross = cross};
}

struct app_gold *app_gold_new(const char *name)
{
    struct app_gold *g = kg_xcalloc(1, sizeof *g);
    g->path = kg_xstrdup(name);
    return g;
}

bool app_gold_put(struct app_gold *g, const char *demand, const char *item,
                  double rel, bool cross)
{
    struct demand *d = gold_demand(g, demand);
    for (size_t j = 0; j < d->n; j++) {
        if (strcmp(d->p[j].item, item) == 0) {
            d->p[j].rel = rel;
            d->p[j].cross = cross;
            return true;
        }
    }
    gold_add(d, item, rel, cross);
    g->pairs++;
    return false;
}

void app_gold_merge(struct app_gold *dst, const struct app_gold *src)
{
    for (size_t i = 0; i < src->n; i++)
        for (size_t j = 0; j < src->d[i].n; j++)
            app_gold_put(dst, src->d[i].id, src->d[i].p[j].item,
                         src->d[i].p[j].rel, src->d[i].p[j].cross);
}

bool app_gold_get(const struct app_gold *g, const char *demand,
                  const char *item, double *rel)
{
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->d[i].id, demand) != 0)
            continue;
        for (size_t j = 0; j < g->d[i].n; j++) {
            if (strcmp(g->d[i].p[j].item, item) == 0) {
                *rel = g->d[i].p[j].rel;
                return true;
            }
        }
    }
    return false;
}

size_t app_gold_pairs(const struct app_gold *g)
{
    return g->pairs;
}

void app_gold_free(struct app_gold *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        for (size_t j = 0; j < g->d[i].n; j++)
            free(g->d[i].p[j].item);
        free(g->d[i].p);
        free(g->d[i].id);
    }
    free(g->d);
    free(g->path);
    free(g);
}

/* Splits line at tabs into at most max fields; returns the count. */
static size_t split_tabs(char *line, char **f, size_t max)
{
    size_t n = 0;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        f[n++] = line;
        char *t = strchr(line, '\t');
        if (!t)
            break;
        *t = '\0';
        line = t + 1;
    }
    return n;
}

kg_status app_gold_read(const char *path, struct app_gold **out, char *err,
                        size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        return e == ENOENT ? KG_ENOTFOUND : KG_EIO;
    }
    struct app_gold *g = kg_xcalloc(1, sizeof *g);
    g->path = kg_xstrdup(path);
    char line[EVAL_MAX_LINE];
    int lineno = 0;
    kg_status st = KG_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%d: line longer than %d bytes", path,
                     lineno, EVAL_MAX_LINE);
            st = KG_EINPUT;
            break;
        }
        char *fl[5] = {NULL};
        size_t nf = split_tabs(line, fl, 5);
        if (nf == 1 && fl[0][0] == '\0')
            continue;
        if (lineno == 1 && strcmp(fl[0], "demand_id") == 0)
            continue;
        char *end;
        double rel = nf >= 3 ? strtod(fl[2], &end) : 0;
        if (nf < 3 || nf > 4 || !*fl[0] || !*fl[1] || end == fl[2] || *end ||
            !isfinite(rel) || rel < 0) {
            snprintf(err, errlen,
                     "%s:%d: expected demand_id, item_id, relevance (>= 0) "
                     "and an optional cross_domain flag, tab-separated",
                     path, lineno);
            st = KG_EINPUT;
            break;
        }
        gold_add(gold_demand(g, fl[0]), fl[1], rel,
                 nf == 4 &&
                     (strcmp(fl[3], "1") == 0 || strcmp(fl[3], "true") == 0 ||
                      strcmp(fl[3], "yes") == 0));
        g->pairs++;
    }
    fclose(f);
    if (st != KG_OK)
        app_gold_free(g);
    else
        *out = g;
    return st;
}

/* ---- scoring ------------------------------------------------------------ */

/* One evaluation's state of a gold demand: each pair's kind in the graph
 * (-1: left out) and whether it reached a top 10, and the sums over the
 * kinds it has pairs of. */
struct scored {
    const struct demand *d;
    int *kind;
    bool *hit10;
    size_t kept;
    double ndcg, ap, recall, mrr;
    size_t groups;
};

struct run {
    const struct graph *g;
    struct scored *sc;
    const size_t *map; /* query i is gold demand map[i] */
};

static int cmp_rel_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

/* Metrics of one (demand, kind) group: hits[0..n) is that kind's ranking
 * (best first). */
static void score_group(const struct graph *g, struct scored *s, kg_kind kind,
                        const struct match_hit *hits, size_t n)
{
    const struct demand *d = s->d;
    double dcg = 0, idcg = 0, ap = 0, rr = 0;
    size_t relevant = 0, found = 0, in50 = 0, m = 0;
    double *rels = kg_xcalloc(d->n + 1, sizeof *rels);
    for (size_t j = 0; j < d->n; j++) {
        if (s->kind[j] != (int)kind)
            continue;
        rels[m++] = d->p[j].rel;
        relevant += d->p[j].rel > 0;
    }
    if (m == 0) {
        free(rels);
        return;
    }
    qsort(rels, m, sizeof *rels, cmp_rel_desc);
    for (size_t j = 0; j < m && j < 10; j++)
        idcg += (pow(2, rels[j]) - 1) / log2((double)j + 2);
    free(rels);
    for (size_t k = 0; k < n; k++) {
        const char *id = graph_id(g, hits[k].v);
        for (size_t j = 0; j < d->n; j++) {
            const struct pair *p = &d->p[j];
            if (s->kind[j] != (int)kind || strcmp(p->item, id) != 0)
                continue;
            if (k < 10) {
                dcg += (pow(2, p->rel) - 1) / log2((double)k + 2);
                s->hit10[j] = true;
            }
            if (p->rel > 0) {
                if (found == 0 && k < 10)
                    rr = 1.0 / (double)(k + 1);
                found++;
                ap += (double)found / (double)(k + 1);
                in50 += k < 50;
            }
            break;
        }
    }
    s->ndcg += idcg > 0 ? dcg / idcg : 0;
    s->ap += relevant ? ap / relevant : 0;
    s->recall += relevant ? (double)in50 / relevant : 0;
    s->mrr += rr;
    s->groups++;
}

static const kg_kind item_kinds[] = {KG_ACHIEVEMENT, KG_PATENT, KG_EXPERT,
                                     KG_INSTITUTION};

/* The hits of each kind come together, best first: score each group. */
static bool score_demand(size_t i, const struct match_result *r, void *ctx)
{
    struct run *run = ctx;
    for (int k = 0; k < 4; k++) {
        size_t a = 0;
        while (a < r->n && r->hits[a].kind != item_kinds[k])
            a++;
        size_t b = a;
        while (b < r->n && r->hits[b].kind == item_kinds[k])
            b++;
        score_group(run->g, &run->sc[run->map[i]], item_kinds[k], r->hits + a,
                    b - a);
    }
    return true;
}

/* Each gold item's kind; items of other kinds than kinds and items missing
 * from the graph are left out (and counted). */
static size_t place_items(const struct graph *g, unsigned kinds,
                          struct scored *s)
{
    size_t dropped = 0;
    for (size_t j = 0; j < s->d->n; j++) {
        s->kind[j] = -1;
        for (int k = 0; k < 4 && s->kind[j] < 0; k++) {
            if (kinds && !(kinds & KG_KIND_BIT(item_kinds[k])))
                continue;
            if (graph_find(g, item_kinds[k], s->d->p[j].item) != GRAPH_NONE)
                s->kind[j] = (int)item_kinds[k];
        }
        if (s->kind[j] < 0)
            dropped++;
        else
            s->kept++;
    }
    return dropped;
}

kg_status app_gold_check(struct app_session *a, const struct app_gold *gold)
{
    struct graph *g;
    kg_status st = app_graph(a, &g);
    for (size_t i = 0; i < gold->n && st == KG_OK; i++)
        if (graph_find(g, KG_DEMAND, gold->d[i].id) == GRAPH_NONE)
            st = app_fail(a, KG_ENOTFOUND, "%s: no demand '%s' in %s",
                          gold->path, gold->d[i].id, a->db_path);
    return st;
}

/* ---- an evaluation run: queries made once, scored per config ------------ */

struct app_eval_run {
    const struct app_gold *gold;
    struct graph *g;
    size_t n;
    struct match_query *qs;
    struct scored *sc;
    char **texts;
    struct xlate *xs;
    struct match_indexes ixs;
    size_t dropped;
};

void app_eval_run_free(struct app_eval_run *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->sc[i].kind);
        free(r->sc[i].hit10);
        free(r->texts[i]);
    }
    free(r->texts);
    app_translate_release(r->xs, r->n);
    free(r->sc);
    free(r->qs);
    free(r);
}

kg_status app_eval_prepare(struct app_session *a, const struct app_gold *gold,
                           unsigned kinds, bool bm25, struct app_eval_run **out)
{
    *out = NULL;
    struct graph *g;
    kg_status st = app_graph(a, &g);
    if (st != KG_OK)
        return st;
    size_t n = gold->n;
    struct app_eval_run *r = kg_xcalloc(1, sizeof *r);
    r->gold = gold;
    r->g = g;
    r->n = n;
    r->qs = kg_xcalloc(n + 1, sizeof *r->qs);
    r->sc = kg_xcalloc(n + 1, sizeof *r->sc);
    r->texts = kg_xcalloc(n + 1, sizeof *r->texts);
    r->xs = kg_xcalloc(n + 1, sizeof *r->xs);
    st = app_gold_check(a, gold);
    for (size_t i = 0; i < n && st == KG_OK; i++) {
        const struct demand *d = &gold->d[i];
        uint32_t v = graph_find(g, KG_DEMAND, d->id);
        r->sc[i].d = d;
        r->sc[i].kind = kg_xcalloc(d->n + 1, sizeof *r->sc[i].kind);
        r->sc[i].hit10 = kg_xcalloc(d->n + 1, sizeof *r->sc[i].hit10);
        r->dropped += place_items(g, kinds, &r->sc[i]);
        /* every candidate is ranked: the metrics need the whole list */
        r->qs[i] = (struct match_query){
            .demand = v, .kinds = kinds, .min_score_set = true};
    }
    if (st == KG_OK)
        st = app_translate(a, r->qs, n, NULL, r->xs);
    if (st == KG_OK) {
        /* the index is opened for a share the session's config may not
         * give BM25: a matcher without one leaves the index alone */
        double w = a->conf.w_bm25;
        if (bm25 && !(w > 0))
            a->conf.w_bm25 = 1;
        st = app_bm25(a, r->qs, n, 0, r->texts, &r->ixs);
        a->conf.w_bm25 = w;
    }
    if (st != KG_OK)
        app_eval_run_free(r);
    else
        *out = r;
    return st;
}

kg_status app_eval_score(struct app_session *a, struct app_eval_run *r,
                         const struct match_config *c, const bool *take)
{
    struct match_query *qs = kg_xcalloc(r->n + 1, sizeof *qs);
    size_t *map = kg_xcalloc(r->n + 1, sizeof *map), n = 0;
    for (size_t i = 0; i < r->n; i++) {
        struct scored *s = &r->sc[i];
        s->ndcg = s->ap = s->recall = s->mrr = 0;
        s->groups = 0;
        memset(s->hit10, 0, (s->d->n + 1) * sizeof *s->hit10);
        if (take && !take[i])
            continue;
        map[n] = i;
        qs[n++] = r->qs[i];
    }
    char err[512] = "";
    struct run run = {.g = r->g, .sc = r->sc, .map = map};
    /* c's BM25 k1 and b are the indexes' own: reopened when they differ */
    kg_status st = r->ixs.n ? app_bm25_params(a, c) : KG_OK;
    if (st != KG_OK) {
        free(map);
        free(qs);
        return st;
    }
    st = match_batch(r->g, c, r->ixs.n ? &r->ixs : NULL, qs, n, score_demand,
                     &run, err, sizeof err);
    free(map);
    free(qs);
    return st == KG_OK ? st : app_fail(a, st, "%s", err);
}

size_t app_eval_demands(const struct app_eval_run *r)
{
    return r->n;
}

const char *app_eval_demand(const struct app_eval_run *r, size_t i)
{
    return r->sc[i].d->id;
}

bool app_eval_judged(const struct app_eval_run *r, size_t i)
{
    const struct scored *s = &r->sc[i];
    for (size_t j = 0; j < s->d->n; j++)
        if (s->kind[j] >= 0 && s->d->p[j].rel > 0)
            return true;
    return false;
}

void app_eval_sum(const struct app_eval_run *r, const bool *take,
                  struct app_eval_result *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < r->n; i++) {
        const struct scored *s = &r->sc[i];
        if (take && !take[i])
            continue;
        out->pairs += s->kept;
        out->left_out += s->d->n - s->kept;
        if (s->kept == 0)
            continue;
        out->demands++;
        out->rankings += s->groups;
        out->ndcg10 += s->ndcg;
        out->mrr10 += s->mrr;
        out->map += s->ap;
        out->recall50 += s->recall;
        for (size_t j = 0; j < s->d->n; j++) {
            if (s->kind[j] < 0 || !s->d->p[j].cross || !(s->d->p[j].rel > 0))
                continue;
            out->cross++;
            out->cross10 += s->hit10[j];
        }
    }
    if (out->rankings) {
        out->ndcg10 /= (double)out->rankings;
        out->mrr10 /= (double)out->rankings;
        out->map /= (double)out->rankings;
        out->recall50 /= (double)out->rankings;
    }
}

kg_status app_eval(struct app_session *a, const struct app_gold *gold,
                   unsigned kinds, struct app_eval_result *out)
{
    struct app_eval_run *r;
    kg_status st = app_eval_prepare(a, gold, kinds, false, &r);
    if (st == KG_OK)
        st = app_eval_score(a, r, &a->conf, NULL);
    if (st == KG_OK)
        app_eval_sum(r, NULL, out);
    app_eval_run_free(r);
    return st;
}

/* ---- a collection in ir-classic's shapes -------------------------------- */

/* Rewrites one line of a collection file as a record of the store: items
 * keep id, title (when not empty), abstract, keywords and fields; needs
 * ({"id", "text"}) become demands titled by their text (a "title" or
 * "description" they carry is kept). Other keys are left out. Returns
 * false when the line is no JSON object with an id. */
static bool collection_record(const char *line, bool need, FILE *out)
{
    json_error_t je;
    json_t *in = json_loads(line, 0, &je);
    if (!json_is_object(in) || !json_is_string(json_object_get(in, "id"))) {
        json_decref(in);
        return false;
    }
    json_t *r = json_object();
    static const char *const item_keys[] = {"id", "title", "abstract",
                                            "keywords", "fields"};
    static const char *const need_keys[] = {"id", "title", "description",
                                            "keywords", "fields"};
    const char *const *keys = need ? need_keys : item_keys;
    for (int i = 0; i < 5; i++) {
        json_t *v = json_object_get(in, keys[i]);
        if (v && !(json_is_string(v) && json_string_length(v) == 0))
            json_object_set(r, keys[i], v);
    }
    json_t *text = json_object_get(in, "text");
    if (need && json_is_string(text) && !json_object_get(r, "title"))
        json_object_set(r, "title", text);
    json_dumpf(r, out, JSON_COMPACT); /* a temporary file, not a terminal */
    fputc('\n', out);
    json_decref(r);
    json_decref(in);
    return true;
}

kg_status app_import_collection(struct app_session *a, const char *items,
                                const char *needs)
{
    const char *paths[] = {items, needs};
    kg_status st = KG_OK;
    for (int k = 0; k < 2 && st == KG_OK; k++) {
        FILE *in = fopen(paths[k], "r");
        if (!in)
            return app_fail(a, errno == ENOENT ? KG_ENOTFOUND : KG_EIO,
                            "%s: %s", paths[k], strerror(errno));
        FILE *tmp = tmpfile();
        if (!tmp) {
            fclose(in);
            return app_fail(a, KG_EIO, "temporary file: %s", strerror(errno));
        }
        char *line = NULL;
        size_t cap = 0;
        long lineno = 0;
        while (st == KG_OK && getline(&line, &cap, in) > 0) {
            lineno++;
            if (line[strspn(line, " \t\r\n")] == '\0')
                continue;
            if (!collection_record(line, k == 1, tmp))
                st = app_fail(a, KG_EINPUT,
                              "%s:%ld: expected a JSON object with an id",
                              paths[k], lineno);
        }
        free(line);
        fclose(in);
        if (st == KG_OK) {
            rewind(tmp);
            struct import_opts o = {.kind = k == 0 ? KG_ACHIEVEMENT : KG_DEMAND,
                                    .format = IMPORT_JSONL,
                                    .source = "eval"};
            st = import_stream(a->s, tmp, paths[k], &o, NULL);
            if (st != KG_OK)
                app_store_fail(a, st, paths[k]);
        }
        fclose(tmp);
    }
    return st;
}
