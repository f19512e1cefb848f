/*
 * cmd_match.c - `kgmatch match`: ranks achievements, patents, experts and
 * institutions for demands (by id, all of them, or free text) and prints
 * them with their reasons as a table, JSON or CSV. Also the setup that
 * match, query, partners and eval share (config, store, graph).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "graph/match.h"

int cli_match_open(const struct cli *cli, const char *config, struct store **s,
                   struct graph **g, struct match_config *c)
{
    char err[512];
    match_config_default(c);
    *s = NULL;
    *g = NULL;
    if (config) {
        kg_status st = match_config_load(c, config, err, sizeof err);
        if (st != KG_OK) {
            cli_error(cli, "%s", err);
            return kg_exit_code(st);
        }
    }
    int rc = cli_open_store(cli, STORE_READONLY, s);
    if (rc)
        return rc;
    kg_status st = graph_open(*s, NULL, g, err, sizeof err);
    if (st != KG_OK) {
        cli_error(cli, "building the graph: %s", err);
        store_close(*s);
        *s = NULL;
        return kg_exit_code(st);
    }
    return 0;
}

/* A demand's title, description and keywords (caller frees), or NULL. */
static char *demand_text(struct store *s, const char *id)
{
    struct kg_record r;
    record_init(&r, KG_DEMAND);
    if (store_get(s, KG_DEMAND, id, &r) != KG_OK) {
        record_release(&r);
        return NULL;
    }
    struct kg_buf b;
    kg_buf_init(&b);
    kg_buf_printf(&b, "%s\n%s", r.title ? r.title : "",
                  r.description ? r.description : "");
    for (size_t i = 0; i < r.keywords.n; i++)
        kg_buf_printf(&b, "\n%s", r.keywords.v[i]);
    record_release(&r);
    return kg_buf_detach(&b);
}

int cli_match_bm25(const struct cli *cli, struct store *s,
                   const struct graph *g, const struct match_config *c,
                   struct match_query *qs, size_t nq, size_t nix,
                   struct cli_bm25 *b)
{
    memset(b, 0, sizeof *b);
    if (!(c->w_bm25 > 0) || nq == 0)
        return 0;
    size_t n = nix ? nix : match_threads(c, nq);
    b->ix = kg_xcalloc(n, sizeof *b->ix);
    b->texts = kg_xcalloc(nq, sizeof *b->texts);
    b->ntexts = nq;
    char err[512];
    for (size_t i = 0; i < n; i++) {
        struct index_opts o = {.no_update = i > 0};
        kg_status st = index_open(s, &o, &b->ix[b->n], err, sizeof err);
        if (st != KG_OK) {
            cli_error(cli, "opening the text index: %s", err);
            return kg_exit_code(st);
        }
        b->n++;
    }
    for (size_t i = 0; i < nq; i++)
        if (qs[i].demand != GRAPH_NONE) {
            b->texts[i] = demand_text(s, graph_str(g, g->vid[qs[i].demand]));
            qs[i].bm25_text = b->texts[i];
        }
    return 0;
}

void cli_match_bm25_release(struct cli_bm25 *b)
{
    for (size_t i = 0; i < b->n; i++)
        index_free(b->ix[i]);
    for (size_t i = 0; i < b->ntexts; i++)
        free(b->texts[i]);
    free(b->ix);
    free(b->texts);
    memset(b, 0, sizeof *b);
}

int cli_match_kinds(const struct cli *cli, const char *s, unsigned *kinds)
{
    if (strcmp(s, "all") == 0) {
        *kinds = 0;
        return 0;
    }
    kg_kind k;
    if (record_kind_parse(s, &k) != KG_OK ||
        !(k == KG_ACHIEVEMENT || k == KG_PATENT || k == KG_EXPERT ||
          k == KG_INSTITUTION))
        return cli_usage(cli,
                         "unknown kind '%s' (achievement, patent, expert, "
                         "institution or all)",
                         s);
    *kinds = KG_KIND_BIT(k);
    return 0;
}

struct out {
    const struct graph *g;
    enum cli_format fmt;
    bool explain;
    const char *text; /* the --text query, if any */
    bool all;
    double min_score; /* the least score shown */
    double cross_min; /* ... and a cross-domain mark's, with --cross-domain */
    const uint32_t *demands;
    json_t *json; /* the "demands" array */
};

static const char *hit_title(const struct graph *g, const struct match_hit *h)
{
    return graph_str(g, g->vlabel[h->v]);
}

static void print_path(const struct match_hit *h)
{
    for (size_t i = 0; i < h->npath; i++) {
        const struct match_step *s = &h->path[i];
        if (strcmp(s->kind, "text") == 0)
            printf("%s\"%s\"", i ? " → " : "", s->label);
        else if (strcmp(s->kind, "concept") == 0)
            printf("%sconcept %s", i ? " → " : "", s->label);
        else if (strcmp(s->kind, "demand") == 0 ||
                 strcmp(s->kind, "achievement") == 0 ||
                 strcmp(s->kind, "patent") == 0)
            printf("%s%s %s", i ? " → " : "", s->kind, s->id);
        else
            printf("%s%s %s", i ? " → " : "", s->kind, s->label);
    }
    putchar('\n');
}

static void print_demand_header(const struct out *o, size_t i,
                                const struct match_result *r)
{
    const struct graph *g = o->g;
    struct kg_buf dom;
    kg_buf_init(&dom);
    domain_mask_format(r->demand_domains, ",", &dom);
    if (o->text)
        printf("== text \"%s\"", o->text);
    else
        printf("== demand %s %s", graph_str(g, g->vid[o->demands[i]]),
               graph_str(g, g->vlabel[o->demands[i]]));
    if (dom.len)
        printf(" [%s]", dom.data);
    putchar('\n');
    kg_buf_release(&dom);
}

static bool print_result(size_t i, const struct match_result *r, void *ctx)
{
    struct out *o = ctx;
    const struct graph *g = o->g;
    const char *did = o->text ? "text" : graph_str(g, g->vid[o->demands[i]]);
    if (o->fmt == CLI_CSV) {
        for (size_t j = 0; j < r->n; j++) {
            const struct match_hit *h = &r->hits[j];
            char score[32];
            snprintf(score, sizeof score, "%.4f", h->score);
            const char *row[] = {
                did,   record_kind_name(h->kind),   graph_str(g, g->vid[h->v]),
                score, h->cross_domain ? "1" : "0", hit_title(g, h)};
            cli_csv_row(stdout, row, 6);
        }
        return true;
    }
    if (o->fmt == CLI_JSON) {
        json_t *ms = json_array();
        for (size_t j = 0; j < r->n; j++) {
            const struct match_hit *h = &r->hits[j];
            json_array_append_new(
                ms,
                json_pack("{s:s, s:s, s:s, s:f, s:b, s:o}", "kind",
                          record_kind_name(h->kind), "id",
                          graph_str(g, g->vid[h->v]), "title", hit_title(g, h),
                          "score", h->score, "cross_domain", h->cross_domain,
                          "reason", cli_match_reason_json(h)));
        }
        json_t *d = o->text ? json_pack("{s:n, s:s, s:o}", "id", "text",
                                        o->text, "matches", ms)
                            : json_pack("{s:s, s:o}", "id", did, "matches", ms);
        json_array_append_new(o->json, d);
        return true;
    }
    print_demand_header(o, i, r);
    if (r->n == 0 && o->cross_min > 0)
        printf("   no cross-domain pairing (none scores %.2f or more)\n",
               o->cross_min > o->min_score ? o->cross_min : o->min_score);
    else if (r->n == 0)
        printf("   no good match (nothing scores %.2f or more)\n",
               o->min_score);
    if (r->n == 0)
        return true;
    if (o->explain) {
        for (size_t j = 0; j < r->n; j++) {
            const struct match_hit *h = &r->hits[j];
            printf("%3zu. %-11s %s  %s  %.4f%s\n", j + 1,
                   record_kind_name(h->kind), graph_str(g, g->vid[h->v]),
                   hit_title(g, h), h->score,
                   h->cross_domain ? "  cross-domain" : "");
            printf("     parts: text %.4f + graph %.4f + fit %.4f\n", h->text,
                   h->graph, h->fit);
            if (h->nconcepts) {
                printf("     concepts:");
                for (size_t k = 0; k < h->nconcepts; k++)
                    printf("%s %s", k ? "," : "", h->concepts[k]);
                putchar('\n');
            }
            printf("     path: ");
            print_path(h);
        }
        return true;
    }
    static const char *const head[] = {"#",     "kind",  "id",
                                       "title", "score", "cross"};
    struct cli_table *t = cli_table_new(6, head);
    for (size_t j = 0; j < r->n; j++) {
        const struct match_hit *h = &r->hits[j];
        char n[24], score[32];
        snprintf(n, sizeof n, "%zu", j + 1);
        snprintf(score, sizeof score, "%.4f", h->score);
        const char *row[] = {n,
                             record_kind_name(h->kind),
                             graph_str(g, g->vid[h->v]),
                             hit_title(g, h),
                             score,
                             h->cross_domain ? "yes" : ""};
        cli_table_add(t, row);
    }
    cli_table_print(t, stdout, 48);
    cli_table_free(t);
    return true;
}

int cmd_match(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"demand", required_argument, NULL, 'd'},
        {"text", required_argument, NULL, 't'},
        {"all", no_argument, NULL, 'a'},
        {"kind", required_argument, NULL, 'k'},
        {"top", required_argument, NULL, 'n'},
        {"cross-domain", no_argument, NULL, 'x'},
        {"explain", no_argument, NULL, 'e'},
        {"format", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
        {"min-score", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    enum cli_format fmt = CLI_TABLE;
    const char **ids = kg_xcalloc((size_t)argc + 1, sizeof *ids);
    size_t nids = 0;
    const char *text = NULL, *config = NULL;
    bool all = false, cross = false, explain = false;
    unsigned kinds = 0;
    size_t top = 10;
    bool min_set = false;
    double min_score = 0;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:t:ak:n:xef:c:m:", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'd':
            ids[nids++] = optarg;
            break;
        case 't':
            text = optarg;
            break;
        case 'a':
            all = true;
            break;
        case 'k':
            rc = cli_match_kinds(cli, optarg, &kinds);
            break;
        case 'n':
            rc = cli_parse_top(cli, optarg, &top);
            break;
        case 'x':
            cross = true;
            break;
        case 'e':
            explain = true;
            break;
        case 'f':
            rc = cli_parse_format(cli, optarg, &fmt);
            break;
        case 'c':
            config = optarg;
            break;
        case 'm':
            rc = cli_parse_min_score(cli, optarg, &min_score);
            min_set = true;
            break;
        default:
            rc = cli_usage(cli, "bad option");
        }
        if (rc)
            goto out;
    }
    if (optind < argc) {
        rc = cli_usage(cli, "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if ((nids > 0) + (text != NULL) + all != 1) {
        rc = cli_usage(cli, "give --demand ID..., --text TEXT or --all");
        goto out;
    }
    struct store *s;
    struct graph *g;
    struct match_config conf;
    rc = cli_match_open(cli, config, &s, &g, &conf);
    if (rc)
        goto out;
    size_t nq = text ? 1 : nids;
    uint32_t *dv = NULL;
    if (all) {
        for (uint32_t i = 0; i < g->nv; i++)
            nq += g->vkind[g->order[i]] == KG_DEMAND;
    }
    dv = kg_xcalloc(nq ? nq : 1, sizeof *dv);
    struct match_query *qs = kg_xcalloc(nq ? nq : 1, sizeof *qs);
    size_t n = 0;
    if (all) {
        for (uint32_t i = 0; i < g->nv; i++)
            if (g->vkind[g->order[i]] == KG_DEMAND)
                dv[n++] = g->order[i];
    } else if (!text) {
        for (size_t i = 0; i < nids; i++) {
            dv[n] = graph_find(g, KG_DEMAND, ids[i]);
            if (dv[n] == GRAPH_NONE) {
                cli_error(cli, "no demand '%s' in %s", ids[i], cli->db_path);
                rc = 1;
                goto done;
            }
            n++;
        }
    }
    for (size_t i = 0; i < nq; i++)
        qs[i] = (struct match_query){
            .demand = text ? GRAPH_NONE : dv[i],
            .text = text,
            .kinds = kinds,
            .top = top,
            .cross_only = cross,
            .explain = explain || fmt == CLI_JSON,
            .min_score_set = min_set,
            .min_score = min_score,
        };
    struct out o = {.g = g,
                    .fmt = fmt,
                    .explain = explain,
                    .text = text,
                    .all = all,
                    .min_score = min_set ? min_score : conf.min_score,
                    .cross_min = cross ? conf.cross_min : 0,
                    .demands = dv,
                    .json = fmt == CLI_JSON ? json_array() : NULL};
    if (fmt == CLI_CSV)
        puts("demand_id,kind,item_id,score,cross_domain,title");
    char err[512] = "";
    struct cli_bm25 bm;
    rc = cli_match_bm25(cli, s, g, &conf, qs, nq, 0, &bm);
    if (rc) {
        cli_match_bm25_release(&bm);
        json_decref(o.json);
        goto done;
    }
    struct match_indexes ixs = {bm.ix, bm.n};
    kg_status st = match_batch(g, &conf, bm.n ? &ixs : NULL, qs, nq,
                               print_result, &o, err, sizeof err);
    cli_match_bm25_release(&bm);
    if (st != KG_OK) {
        cli_error(cli, "%s", err);
        rc = kg_exit_code(st);
    } else if (o.json) {
        json_t *root = json_pack("{s:O}", "demands", o.json);
        cli_print_json(root);
        json_decref(root);
    }
    json_decref(o.json);
done:
    free(dv);
    free(qs);
    graph_free(g);
    store_close(s);
out:
    free(ids);
    return rc;
}
