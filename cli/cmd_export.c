/*
 * cmd_export.c - `kgmatch export`: brings the graph cache up to date and
 * writes the knowledge graph as GraphML (for Gephi or Cytoscape) and/or
 * prints its vertex and edge counts by type.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "graph/graph.h"

/* One row into t, or as CSV when t is NULL. */
static void stat_row(struct cli_table *t, const char *what, const char *type,
                     uint64_t x)
{
    char n[32];
    snprintf(n, sizeof n, "%llu", (unsigned long long)x);
    const char *row[] = {what, type, n};
    if (t)
        cli_table_add(t, row);
    else
        cli_csv_row(stdout, row, 3);
}

static void print_stats(const struct graph *g, enum cli_format fmt)
{
    struct graph_stats st;
    graph_get_stats(g, &st);
    if (fmt == CLI_JSON) {
        json_t *v = json_object(), *c = json_object(), *e = json_object();
        for (unsigned k = 0; k <= GRAPH_CONCEPT; k++)
            json_object_set_new(v, graph_vkind_name(k),
                                json_integer((json_int_t)st.vertices[k]));
        for (unsigned k = GRAPH_C_KEYWORD; k <= GRAPH_C_TERM; k++)
            json_object_set_new(c, graph_concept_name(k),
                                json_integer((json_int_t)st.concepts[k]));
        for (unsigned k = 1; k < GRAPH_E_COUNT; k++)
            json_object_set_new(e, graph_edge_name(k),
                                json_integer((json_int_t)st.edges[k]));
        json_t *o =
            json_pack("{s:I, s:I, s:o, s:o, s:o}", "vertices",
                      (json_int_t)g->nv, "edges", (json_int_t)g->ne,
                      "vertex_types", v, "concept_types", c, "edge_types", e);
        cli_print_json(o);
        json_decref(o);
        return;
    }
    bool csv = fmt == CLI_CSV;
    static const char *const head[] = {"what", "type", "count"};
    struct cli_table *t = csv ? NULL : cli_table_new(3, head);
    if (csv)
        puts("what,type,count");
    for (unsigned k = 0; k <= GRAPH_CONCEPT; k++)
        stat_row(t, "vertices", graph_vkind_name(k), st.vertices[k]);
    for (unsigned k = GRAPH_C_KEYWORD; k <= GRAPH_C_TERM; k++)
        stat_row(t, "concepts", graph_concept_name(k), st.concepts[k]);
    for (unsigned k = 1; k < GRAPH_E_COUNT; k++)
        stat_row(t, "edges", graph_edge_name(k), st.edges[k]);
    if (t) {
        cli_table_print(t, stdout, 40);
        cli_table_free(t);
    }
}

int cmd_export(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"graphml", required_argument, NULL, 'g'},
        {"stats", no_argument, NULL, 's'},
        {"rebuild", no_argument, NULL, 'r'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    enum cli_format fmt = CLI_TABLE;
    const char *graphml = NULL;
    bool stats = false, rebuild = false;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "g:srf:", longopts, NULL)) != -1) {
        switch (c) {
        case 'g':
            graphml = optarg;
            break;
        case 's':
            stats = true;
            break;
        case 'r':
            rebuild = true;
            break;
        case 'f':
            if ((rc = cli_parse_format(cli, optarg, &fmt)) != 0)
                return rc;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (!graphml)
        stats = true;
    if (graphml && strcmp(graphml, "-") == 0 && stats)
        return cli_usage(cli, "--stats and --graphml - both write to stdout");
    struct store *s;
    rc = cli_open_store(cli, STORE_READONLY, &s);
    if (rc)
        return rc;
    struct graph *g;
    char err[512];
    struct graph_opts o = {.rebuild = rebuild};
    kg_status st = graph_open(s, &o, &g, err, sizeof err);
    if (st != KG_OK) {
        cli_error(cli, "building the graph: %s", err);
        store_close(s);
        return kg_exit_code(st);
    }
    cli_graph_report(g);
    if (graphml) {
        bool to_stdout = strcmp(graphml, "-") == 0;
        FILE *f = to_stdout ? stdout : fopen(graphml, "w");
        if (!f) {
            cli_error(cli, "%s: %s", graphml, strerror(errno));
            rc = 3;
        } else {
            st = graph_write_graphml(g, f, err, sizeof err);
            if (!to_stdout && fclose(f) != 0 && st == KG_OK) {
                snprintf(err, sizeof err, "%s", strerror(errno));
                st = KG_EIO;
            }
            if (st != KG_OK) {
                cli_error(cli, "%s: %s", graphml, err);
                rc = kg_exit_code(st);
            }
        }
    }
    if (rc == 0 && stats)
        print_stats(g, fmt);
    graph_free(g);
    store_close(s);
    return rc;
}
