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
        char *fl[5];
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
        struct demand *d = gold_demand(g, fl[0]);
        if (d->n == d->cap) {
            d->cap = d->cap ? 2 * d->cap : 16;
            d->p = kg_xrealloc(d->p, d->cap * sizeof *d->p);
        }
        d->p[d->n++] = (struct pair){
            .item = kg_xstrdup(fl[1]),
            .rel = rel,
            .cross = nf == 4 &&
                     (strcmp(fl[3], "1") == 0 || strcmp(fl[3], "true") == 0 ||
                      strcmp(fl[3], "yes") == 0),
        };
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
    double ndcg, ap, recall;
    size_t groups;
};

struct run {
    const struct graph *g;
    struct scored *sc;
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
    double dcg = 0, idcg = 0, ap = 0;
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
        score_group(run->g, &run->sc[i], item_kinds[k], r->hits + a, b - a);
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

kg_status app_eval(struct app_session *a, const struct app_gold *gold,
                   unsigned kinds, struct app_eval_result *out)
{
    struct graph *g;
    kg_status st = app_graph(a, &g);
    if (st != KG_OK)
        return st;
    size_t n = gold->n, dropped = 0;
    struct match_query *qs = kg_xcalloc(n + 1, sizeof *qs);
    struct scored *sc = kg_xcalloc(n + 1, sizeof *sc);
    char **texts = kg_xcalloc(n + 1, sizeof *texts);
    for (size_t i = 0; i < n && st == KG_OK; i++) {
        const struct demand *d = &gold->d[i];
        uint32_t v = graph_find(g, KG_DEMAND, d->id);
        if (v == GRAPH_NONE)
            st = app_fail(a, KG_ENOTFOUND, "%s: no demand '%s' in %s",
                          gold->path, d->id, a->db_path);
        sc[i].d = d;
        sc[i].kind = kg_xcalloc(d->n + 1, sizeof *sc[i].kind);
        sc[i].hit10 = kg_xcalloc(d->n + 1, sizeof *sc[i].hit10);
        dropped += place_items(g, kinds, &sc[i]);
        /* every candidate is ranked: the metrics need the whole list */
        qs[i] = (struct match_query){
            .demand = v, .kinds = kinds, .min_score_set = true};
    }
    struct match_indexes ixs;
    struct xlate *xs = kg_xcalloc(n + 1, sizeof *xs);
    if (st == KG_OK)
        st = app_translate(a, qs, n, NULL, xs);
    if (st == KG_OK)
        st = app_bm25(a, qs, n, 0, texts, &ixs);
    if (st == KG_OK) {
        char err[512] = "";
        struct run run = {.g = g, .sc = sc};
        st = match_batch(g, &a->conf, ixs.n ? &ixs : NULL, qs, n, score_demand,
                         &run, err, sizeof err);
        if (st != KG_OK)
            app_fail(a, st, "%s", err);
    }
    if (st == KG_OK) {
        memset(out, 0, sizeof *out);
        out->pairs = gold->pairs - dropped;
        out->left_out = dropped;
        for (size_t i = 0; i < n; i++) {
            const struct scored *s = &sc[i];
            if (s->kept == 0)
                continue;
            out->demands++;
            out->rankings += s->groups;
            out->ndcg10 += s->ndcg;
            out->map += s->ap;
            out->recall50 += s->recall;
            for (size_t j = 0; j < s->d->n; j++) {
                if (s->kind[j] < 0 || !s->d->p[j].cross ||
                    !(s->d->p[j].rel > 0))
                    continue;
                out->cross++;
                out->cross10 += s->hit10[j];
            }
        }
        if (out->rankings) {
            out->ndcg10 /= (double)out->rankings;
            out->map /= (double)out->rankings;
            out->recall50 /= (double)out->rankings;
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(sc[i].kind);
        free(sc[i].hit10);
        free(texts[i]);
    }
    free(texts);
    app_translate_release(xs, n);
    free(sc);
    free(qs);
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
