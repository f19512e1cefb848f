/*
 * cmd_eval.c - `kgmatch eval --gold FILE`: scores the matcher's rankings
 * against gold pairs (demand_id, item_id, relevance[, cross_domain]) with
 * nDCG@10, MAP and recall@50, and counts the cross-domain gold pairs that
 * reach the top 10. Each kind is ranked apart, as `match` lists it: the
 * metrics average over (demand, kind) rankings that have gold pairs.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "graph/match.h"
#include "ingest/import.h"

#define EVAL_MAX_LINE 4096

struct pair {
    char *item;
    double rel;
    bool cross;
    kg_kind kind; /* found in the graph */
    bool hit10;   /* filled by the run */
};

struct demand {
    char *id;
    uint32_t v;
    struct pair *p;
    size_t n, cap;
    /* sums over the kinds this demand has gold pairs of */
    double ndcg, ap, recall;
    size_t groups;
};

struct gold {
    struct demand *d;
    size_t n, cap;
    size_t pairs, dropped;
};

static struct demand *gold_demand(struct gold *g, const char *id)
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

static void gold_release(struct gold *g)
{
    for (size_t i = 0; i < g->n; i++) {
        for (size_t j = 0; j < g->d[i].n; j++)
            free(g->d[i].p[j].item);
        free(g->d[i].p);
        free(g->d[i].id);
    }
    free(g->d);
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

static int read_gold(const struct cli *cli, const char *path, struct gold *g)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno; /* printing the error may change errno */
        cli_error(cli, "%s: %s", path, strerror(e));
        return e == ENOENT ? 1 : 3;
    }
    char line[EVAL_MAX_LINE];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            cli_error(cli, "%s:%d: line longer than %d bytes", path, lineno,
                      EVAL_MAX_LINE);
            rc = 1;
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
            cli_error(cli,
                      "%s:%d: expected demand_id, item_id, relevance (>= 0) "
                      "and an optional cross_domain flag, tab-separated",
                      path, lineno);
            rc = 1;
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
    return rc;
}

struct run {
    const struct graph *g;
    struct gold *gold;
};

static int cmp_rel_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

/* Metrics of one (demand, kind) group: hits[0..n) is that kind's ranking
 * (best first), the gold pairs of that kind are in d. */
static void score_group(const struct graph *g, struct demand *d, kg_kind kind,
                        const struct match_hit *hits, size_t n)
{
    double dcg = 0, idcg = 0, ap = 0;
    size_t relevant = 0, found = 0, in50 = 0, m = 0;
    double *rels = kg_xcalloc(d->n + 1, sizeof *rels);
    for (size_t j = 0; j < d->n; j++) {
        if (d->p[j].kind != kind)
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
        const char *id = graph_str(g, g->vid[hits[k].v]);
        for (size_t j = 0; j < d->n; j++) {
            struct pair *p = &d->p[j];
            if (p->kind != kind || strcmp(p->item, id) != 0)
                continue;
            if (k < 10) {
                dcg += (pow(2, p->rel) - 1) / log2((double)k + 2);
                p->hit10 = true;
            }
            if (p->rel > 0) {
                found++;
                ap += (double)found / (double)(k + 1);
                in50 += k < 50;
            }
            break;
        }
    }
    d->ndcg += idcg > 0 ? dcg / idcg : 0;
    d->ap += relevant ? ap / relevant : 0;
    d->recall += relevant ? (double)in50 / relevant : 0;
    d->groups++;
}

/* The hits of each kind come together, best first: score each group. */
static bool score_demand(size_t i, const struct match_result *r, void *ctx)
{
    struct run *run = ctx;
    struct demand *d = &run->gold->d[i];
    static const kg_kind kinds[] = {KG_ACHIEVEMENT, KG_PATENT, KG_EXPERT,
                                    KG_INSTITUTION};
    for (int k = 0; k < 4; k++) {
        size_t a = 0;
        while (a < r->n && r->hits[a].kind != kinds[k])
            a++;
        size_t b = a;
        while (b < r->n && r->hits[b].kind == kinds[k])
            b++;
        score_group(run->g, d, kinds[k], r->hits + a, b - a);
    }
    return true;
}

/* Rewrites one line of a collection file (ir-classic's shapes) as a record
 * of the store: items keep id, title (when not empty), abstract, keywords
 * and fields; needs ({"id", "text"}) become demands titled by their text
 * (a "title" or "description" they carry is kept). Other keys are left
 * out. Returns false when the line is no JSON object with an id. */
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
    char *js = json_dumps(r, JSON_COMPACT);
    fprintf(out, "%s\n", js);
    free(js);
    json_decref(r);
    json_decref(in);
    return true;
}

/* Imports a collection's items (as achievements) and needs (as demands)
 * into the store: `eval --items FILE --needs FILE --judgments FILE`. */
static int import_collection(struct cli *cli, const char *items,
                             const char *needs)
{
    struct store *s;
    int rc = cli_open_store(cli, 0, &s);
    if (rc)
        return rc;
    const char *paths[] = {items, needs};
    for (int k = 0; k < 2 && rc == 0; k++) {
        FILE *in = fopen(paths[k], "r");
        if (!in) {
            int e = errno;
            cli_error(cli, "%s: %s", paths[k], strerror(e));
            rc = e == ENOENT ? 1 : 3;
            break;
        }
        FILE *tmp = tmpfile();
        char *line = NULL;
        size_t cap = 0;
        long lineno = 0;
        while (tmp && getline(&line, &cap, in) > 0) {
            lineno++;
            if (line[strspn(line, " \t\r\n")] == '\0')
                continue;
            if (!collection_record(line, k == 1, tmp)) {
                cli_error(cli, "%s:%ld: expected a JSON object with an id",
                          paths[k], lineno);
                rc = 1;
                break;
            }
        }
        free(line);
        fclose(in);
        if (!tmp) {
            cli_error(cli, "temporary file: %s", strerror(errno));
            rc = 3;
        }
        if (rc == 0) {
            rewind(tmp);
            struct import_opts o = {.kind = k == 0 ? KG_ACHIEVEMENT : KG_DEMAND,
                                    .format = IMPORT_JSONL,
                                    .source = "eval"};
            kg_status st = import_stream(s, tmp, paths[k], &o, NULL);
            if (st != KG_OK)
                rc = cli_store_fail(cli, s, st, paths[k]);
        }
        if (tmp)
            fclose(tmp);
    }
    store_close(s);
    return rc;
}

int cmd_eval(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"gold", required_argument, NULL, 'g'},
        {"kind", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
        {"items", required_argument, NULL, 'i'},
        {"needs", required_argument, NULL, 'n'},
        {"judgments", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    enum cli_format fmt = CLI_TABLE;
    const char *path = NULL, *config = NULL, *kindname = "all";
    const char *items = NULL, *needs = NULL;
    unsigned kinds = 0;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "g:k:f:c:i:n:j:", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'g':
        case 'j':
            path = optarg;
            break;
        case 'i':
            items = optarg;
            break;
        case 'n':
            needs = optarg;
            break;
        case 'k':
            if ((rc = cli_match_kinds(cli, optarg, &kinds)) != 0)
                return rc;
            kindname = optarg;
            break;
        case 'f':
            if ((rc = cli_parse_format(cli, optarg, &fmt)) != 0)
                return rc;
            break;
        case 'c':
            config = optarg;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (!path)
        return cli_usage(cli, "--gold FILE is required");
    if (!items != !needs)
        return cli_usage(cli, "--items and --needs go together");
    if (fmt == CLI_CSV)
        return cli_usage(cli, "eval prints a table or JSON");
    if (items) {
        /* a collection: its items only are ranked */
        rc = import_collection(cli, items, needs);
        if (rc)
            return rc;
        if (!kinds) {
            kinds = KG_KIND_BIT(KG_ACHIEVEMENT);
            kindname = "achievement";
        }
    }
    struct gold gold = {0};
    rc = read_gold(cli, path, &gold);
    if (rc) {
        gold_release(&gold);
        return rc;
    }
    struct store *s;
    struct graph *g;
    struct match_config conf;
    rc = cli_match_open(cli, config, &s, &g, &conf);
    if (rc) {
        gold_release(&gold);
        return rc;
    }
    struct match_query *qs = kg_xcalloc(gold.n + 1, sizeof *qs);
    for (size_t i = 0; i < gold.n && rc == 0; i++) {
        struct demand *d = &gold.d[i];
        d->v = graph_find(g, KG_DEMAND, d->id);
        if (d->v == GRAPH_NONE) {
            cli_error(cli, "%s: no demand '%s' in %s", path, d->id,
                      cli->db_path);
            rc = 1;
        }
        /* Each gold item's kind; items of other kinds than --kind and
         * items missing from the store are left out (and counted). */
        for (size_t j = 0; j < d->n; j++) {
            static const kg_kind order[] = {KG_ACHIEVEMENT, KG_PATENT,
                                            KG_EXPERT, KG_INSTITUTION};
            bool ok = false;
            for (int k = 0; k < 4 && !ok; k++) {
                if (kinds && !(kinds & KG_KIND_BIT(order[k])))
                    continue;
                if (graph_find(g, order[k], d->p[j].item) != GRAPH_NONE) {
                    d->p[j].kind = order[k];
                    ok = true;
                }
            }
            if (!ok) {
                free(d->p[j].item);
                d->p[j--] = d->p[--d->n];
                gold.dropped++;
            }
        }
        /* every candidate is ranked: the metrics need the whole list */
        qs[i] = (struct match_query){
            .demand = d->v, .kinds = kinds, .min_score_set = true};
    }
    struct run run = {.g = g, .gold = &gold};
    if (rc == 0) {
        char err[512] = "";
        struct cli_bm25 bm;
        rc = cli_match_bm25(cli, s, g, &conf, qs, gold.n, 0, &bm);
        struct match_indexes ixs = {bm.ix, bm.n};
        kg_status st =
            rc ? KG_OK
               : match_batch(g, &conf, bm.n ? &ixs : NULL, qs, gold.n,
                             score_demand, &run, err, sizeof err);
        cli_match_bm25_release(&bm);
        if (st != KG_OK) {
            cli_error(cli, "%s", err);
            rc = kg_exit_code(st);
        }
    }
    if (rc == 0) {
        double ndcg = 0, map = 0, rec = 0;
        size_t cross = 0, cross10 = 0, nd = 0, groups = 0;
        for (size_t i = 0; i < gold.n; i++) {
            struct demand *d = &gold.d[i];
            if (d->n == 0)
                continue;
            nd++;
            groups += d->groups;
            ndcg += d->ndcg;
            map += d->ap;
            rec += d->recall;
            for (size_t j = 0; j < d->n; j++) {
                if (!d->p[j].cross || !(d->p[j].rel > 0))
                    continue;
                cross++;
                cross10 += d->p[j].hit10;
            }
        }
        if (groups) {
            ndcg /= groups;
            map /= groups;
            rec /= groups;
        }
        if (fmt == CLI_JSON) {
            json_t *o = json_pack(
                "{s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:I, s:I}",
                "gold", path, "kind", kindname, "demands", (json_int_t)nd,
                "rankings", (json_int_t)groups, "pairs",
                (json_int_t)(gold.pairs - gold.dropped), "left_out",
                (json_int_t)gold.dropped, "ndcg@10", ndcg, "map", map,
                "recall@50", rec, "cross_domain_pairs", (json_int_t)cross,
                "cross_domain_in_top10", (json_int_t)cross10);
            cli_print_json(o);
            json_decref(o);
        } else {
            printf("gold       %s (%zu demands, %zu rankings, %zu pairs, "
                   "kind %s)\n",
                   path, nd, groups, gold.pairs - gold.dropped, kindname);
            if (gold.dropped)
                printf("left out   %zu pairs (item not in the store%s)\n",
                       gold.dropped, kinds ? " or of another kind" : "");
            printf("nDCG@10    %.4f\n", ndcg);
            printf("MAP        %.4f\n", map);
            printf("recall@50  %.4f\n", rec);
            printf("cross-domain gold pairs in the top 10: %zu of %zu\n",
                   cross10, cross);
        }
    }
    free(qs);
    graph_free(g);
    store_close(s);
    gold_release(&gold);
    return rc;
}
