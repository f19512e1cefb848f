/*
 * cmd_partners.c - `kgmatch partners`: partner institutions for a demand or
 * for all open demands of an enterprise, each with its best experts and
 * items and the path that explains it. An institution's score is its best
 * score over the demands.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "graph/match.h"

#define PARTNER_PEOPLE 3

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

/* The best experts (affiliated) or items (owned, or behind its experts) of
 * institution u, into out (room for PARTNER_PEOPLE); returns the count. */
static size_t best_of(const struct best *b, uint32_t u, bool experts,
                      struct ranked *out)
{
    const struct graph *g = b->g;
    struct ranked tmp[256];
    size_t n = 0;
    for (uint64_t j = g->csr.off[u]; j < g->csr.off[u + 1] && n < 256; j++) {
        uint32_t x = g->csr.adj[j];
        if (experts && g->etype[j] == GRAPH_E_AFFILIATED_WITH &&
            b->score[x] > 0)
            tmp[n++] = (struct ranked){x, b->score[x], graph_str(g, g->vid[x])};
        if (!experts && g->etype[j] == GRAPH_E_OWNS && b->score[x] > 0)
            tmp[n++] = (struct ranked){x, b->score[x], graph_str(g, g->vid[x])};
        if (!experts && g->etype[j] == GRAPH_E_AFFILIATED_WITH) {
            for (uint64_t k = g->csr.off[x]; k < g->csr.off[x + 1] && n < 256;
                 k++) {
                uint32_t it = g->csr.adj[k];
                uint8_t t = g->etype[k];
                if ((t == GRAPH_E_AUTHORED || t == GRAPH_E_INVENTED) &&
                    b->score[it] > 0)
                    tmp[n++] = (struct ranked){it, b->score[it],
                                               graph_str(g, g->vid[it])};
            }
        }
    }
    qsort(tmp, n, sizeof *tmp, cmp_ranked);
    size_t m = 0;
    for (size_t i = 0; i < n && m < PARTNER_PEOPLE; i++)
        if (m == 0 || tmp[i].v != out[m - 1].v)
            out[m++] = tmp[i];
    return m;
}

static void join(struct kg_buf *buf, const struct graph *g,
                 const struct ranked *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kg_buf_printf(buf, "%s%s %s (%.2f)", i ? "; " : "",
                      graph_str(g, g->vid[r[i].v]),
                      graph_str(g, g->vlabel[r[i].v]), r[i].score);
}

static json_t *ranked_json(const struct graph *g, const struct ranked *r,
                           size_t n, bool kind)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o =
            json_pack("{s:s, s:s, s:f}", "id", graph_str(g, g->vid[r[i].v]),
                      kind ? "title" : "name", graph_str(g, g->vlabel[r[i].v]),
                      "score", r[i].score);
        if (kind)
            json_object_set_new(
                o, "kind", json_string(graph_vkind_name(g->vkind[r[i].v])));
        json_array_append_new(a, o);
    }
    return a;
}

static void print_path(const struct match_hit *h)
{
    for (size_t i = 0; i < h->npath; i++) {
        const struct match_step *s = &h->path[i];
        bool by_id = strcmp(s->kind, "demand") == 0 ||
                     strcmp(s->kind, "achievement") == 0 ||
                     strcmp(s->kind, "patent") == 0;
        printf("%s%s %s", i ? " → " : "", s->kind, by_id ? s->id : s->label);
    }
    putchar('\n');
}

int cmd_partners(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"demand", required_argument, NULL, 'd'},
        {"enterprise", required_argument, NULL, 'E'},
        {"include-closed", no_argument, NULL, 'C'},
        {"top", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    enum cli_format fmt = CLI_TABLE;
    const char *demand = NULL, *ent = NULL, *config = NULL;
    bool closed_too = false;
    size_t top = 10;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:E:Cn:f:c:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            demand = optarg;
            break;
        case 'E':
            ent = optarg;
            break;
        case 'C':
            closed_too = true;
            break;
        case 'n':
            if ((rc = cli_parse_top(cli, optarg, &top)) != 0)
                return rc;
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
    if ((demand != NULL) == (ent != NULL))
        return cli_usage(cli, "give --demand ID or --enterprise NAME|ID");
    struct store *s;
    struct graph *g;
    struct match_config conf;
    rc = cli_match_open(cli, config, &s, &g, &conf);
    if (rc)
        return rc;
    struct kg_strlist ids = {NULL, 0};
    char *eid = NULL;
    if (demand) {
        strlist_add(&ids, demand);
    } else {
        rc = cli_find_enterprise(cli, s, ent, &eid);
        if (rc == 0)
            rc = cli_enterprise_demands(cli, s, eid, closed_too, &ids);
    }
    uint32_t *dv = kg_xcalloc(ids.n + 1, sizeof *dv);
    struct match_query *qs = kg_xcalloc(ids.n + 1, sizeof *qs);
    struct best b = {.g = g};
    b.score = kg_xcalloc(g->nv ? g->nv : 1, sizeof *b.score);
    b.from = kg_xcalloc(g->nv ? g->nv : 1, sizeof *b.from);
    for (size_t i = 0; rc == 0 && i < ids.n; i++) {
        dv[i] = graph_find(g, KG_DEMAND, ids.v[i]);
        if (dv[i] == GRAPH_NONE) {
            cli_error(cli, "no demand '%s' in %s", ids.v[i], cli->db_path);
            rc = 1;
        }
        qs[i] = (struct match_query){.demand = dv[i], .top = 0};
    }
    if (rc == 0 && ids.n == 0)
        cli_error(cli, "%s has no %sdemands", eid, closed_too ? "" : "open ");
    char err[512] = "";
    /* One demand at a time, so that each vertex remembers its demand. */
    struct matcher *m = NULL;
    kg_status st = KG_OK;
    struct cli_bm25 bm = {0};
    if (rc == 0 && ids.n > 0) /* one matcher: one index */
        rc = cli_match_bm25(cli, s, g, &conf, qs, ids.n, 1, &bm);
    if (rc == 0 && ids.n > 0)
        st = match_new(g, &conf, &m, err, sizeof err);
    if (m && bm.n)
        match_set_index(m, bm.ix[0]);
    for (size_t i = 0; rc == 0 && st == KG_OK && i < ids.n; i++) {
        struct match_result r;
        st = match_run(m, &qs[i], &r);
        if (st != KG_OK)
            break;
        for (size_t j = 0; j < r.n; j++) {
            const struct match_hit *h = &r.hits[j];
            if (h->score > b.score[h->v]) {
                b.score[h->v] = h->score;
                b.from[h->v] = (uint32_t)i;
            }
        }
        match_result_release(&r);
    }
    if (st != KG_OK) {
        cli_error(cli, "%s", m ? match_last_error(m) : err);
        rc = kg_exit_code(st);
    }
    struct ranked *inst = NULL;
    size_t ni = 0;
    if (rc == 0) {
        inst = kg_xcalloc(g->nv ? g->nv : 1, sizeof *inst);
        for (uint32_t v = 0; v < g->nv; v++)
            if (g->vkind[v] == KG_INSTITUTION && b.score[v] > 0)
                inst[ni++] =
                    (struct ranked){v, b.score[v], graph_str(g, g->vid[v])};
        qsort(inst, ni, sizeof *inst, cmp_ranked);
        if (top && ni > top)
            ni = top;
    }
    /* Reasons: rerun each demand that is some partner's best, explained. */
    struct match_hit *why = kg_xcalloc(ni ? ni : 1, sizeof *why);
    struct match_result *runs = kg_xcalloc(ids.n + 1, sizeof *runs);
    for (size_t i = 0; rc == 0 && i < ni; i++) {
        uint32_t d = b.from[inst[i].v];
        if (!runs[d].hits) {
            struct match_query q = {.demand = dv[d],
                                    .kinds = KG_KIND_BIT(KG_INSTITUTION),
                                    .explain = true,
                                    .bm25_text = qs[d].bm25_text};
            st = match_run(m, &q, &runs[d]);
            if (st != KG_OK) {
                cli_error(cli, "%s", match_last_error(m));
                rc = kg_exit_code(st);
                break;
            }
        }
        for (size_t j = 0; j < runs[d].n; j++)
            if (runs[d].hits[j].v == inst[i].v)
                why[i] = runs[d].hits[j];
    }
    if (rc == 0) {
        json_t *arr = fmt == CLI_JSON ? json_array() : NULL;
        struct cli_table *t = NULL;
        if (fmt == CLI_CSV) {
            puts("institution_id,institution,score,demand_id,experts,items");
        } else if (fmt == CLI_TABLE) {
            static const char *const head[] = {
                "#", "id", "institution", "score", "experts", "items"};
            t = cli_table_new(6, head);
            if (eid)
                printf("== partners for enterprise %s (%zu demand%s)\n", eid,
                       ids.n, ids.n == 1 ? "" : "s");
            else
                printf("== partners for demand %s\n", demand);
        }
        for (size_t i = 0; i < ni; i++) {
            uint32_t u = inst[i].v;
            struct ranked ex[PARTNER_PEOPLE], it[PARTNER_PEOPLE];
            size_t ne = best_of(&b, u, true, ex);
            size_t nit = best_of(&b, u, false, it);
            const char *did = ids.v[b.from[u]];
            if (arr) {
                json_array_append_new(
                    arr,
                    json_pack("{s:s, s:s, s:f, s:s, s:o, s:o, s:o}", "id",
                              inst[i].id, "name", graph_str(g, g->vlabel[u]),
                              "score", inst[i].score, "demand", did, "experts",
                              ranked_json(g, ex, ne, false), "items",
                              ranked_json(g, it, nit, true), "reason",
                              cli_match_reason_json(&why[i])));
                continue;
            }
            struct kg_buf eb, ib;
            kg_buf_init(&eb);
            kg_buf_init(&ib);
            join(&eb, g, ex, ne);
            join(&ib, g, it, nit);
            char score[32], n[24];
            snprintf(score, sizeof score, "%.4f", inst[i].score);
            snprintf(n, sizeof n, "%zu", i + 1);
            if (fmt == CLI_CSV) {
                const char *row[] = {inst[i].id,
                                     graph_str(g, g->vlabel[u]),
                                     score,
                                     did,
                                     eb.len ? eb.data : "",
                                     ib.len ? ib.data : ""};
                cli_csv_row(stdout, row, 6);
            } else {
                const char *row[] = {n,
                                     inst[i].id,
                                     graph_str(g, g->vlabel[u]),
                                     score,
                                     eb.len ? eb.data : "",
                                     ib.len ? ib.data : ""};
                cli_table_add(t, row);
            }
            kg_buf_release(&eb);
            kg_buf_release(&ib);
        }
        if (t) {
            cli_table_print(t, stdout, 60);
            cli_table_free(t);
            for (size_t i = 0; i < ni; i++) {
                printf("%3zu. ", i + 1);
                print_path(&why[i]);
            }
        }
        if (arr) {
            json_t *root = json_pack("{s:o}", "partners", arr);
            cli_print_json(root);
            json_decref(root);
        }
    }
    for (size_t i = 0; i <= ids.n; i++)
        match_result_release(&runs[i]);
    cli_match_bm25_release(&bm);
    free(runs);
    free(why);
    free(inst);
    match_free(m);
    free(b.score);
    free(b.from);
    free(dv);
    free(qs);
    free(eid);
    strlist_release(&ids);
    graph_free(g);
    store_close(s);
    return rc;
}
