/*
 * cmd_export.c - `kgmatch export`: brings the graph cache up to date and
 * writes the knowledge graph as GraphML (for Gephi or Cytoscape) and/or
 * prints its vertex and edge counts by type.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/outfile.h"

static void print_counts(const struct app_graph_counts *gc, enum cli_format fmt)
{
    if (fmt == CLI_JSON) {
        json_t *by[3] = {json_object(), json_object(), json_object()};
        static const char *const what[3] = {"vertices", "concepts", "edges"};
        for (size_t i = 0; i < gc->n; i++)
            for (int w = 0; w < 3; w++)
                if (strcmp(gc->c[i].what, what[w]) == 0)
                    json_object_set_new(by[w], gc->c[i].type,
                                        json_integer((json_int_t)gc->c[i].n));
        json_t *o = json_pack("{s:I, s:I, s:o, s:o, s:o}", "vertices",
                              (json_int_t)gc->vertices, "edges",
                              (json_int_t)gc->edges, "vertex_types", by[0],
                              "concept_types", by[1], "edge_types", by[2]);
        cli_print_json(o);
        json_decref(o);
        return;
    }
    static const char *const head[] = {"what", "type", "count"};
    struct cli_table *t = fmt == CLI_CSV ? NULL : cli_table_new(3, head);
    if (!t)
        puts("what,type,count");
    for (size_t i = 0; i < gc->n; i++) {
        char n[32];
        snprintf(n, sizeof n, "%llu", (unsigned long long)gc->c[i].n);
        const char *row[] = {gc->c[i].what, gc->c[i].type, n};
        if (t)
            cli_table_add(t, row);
        else
            cli_csv_row(stdout, row, 3);
    }
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
    struct app_session *a;
    rc = cli_session(cli, APP_READ, NULL, &a);
    if (rc)
        return rc;
    kg_status st = app_graph_ready(a, rebuild);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, a, st);
        app_close(a);
        return rc;
    }
    if (graphml) {
        /* A file is written whole or not at all (core/outfile.h): a
         * failure leaves no partial file and a link at the path is
         * replaced, never followed. */
        bool to_stdout = strcmp(graphml, "-") == 0;
        struct outfile *of = NULL;
        char why[512] = "";
        if (!to_stdout)
            st = outfile_open(graphml, &of, why, sizeof why);
        if (st == KG_OK) {
            st = app_graph_graphml(a, to_stdout ? stdout : outfile_stream(of));
            if (st != KG_OK) {
                snprintf(why, sizeof why, "%s", app_last_error(a));
                outfile_abort(of);
            } else if (of) {
                st = outfile_commit(of, why, sizeof why);
            }
        }
        if (st != KG_OK) {
            cli_error(cli, "%s", why);
            rc = kg_exit_code(st);
        }
    }
    if (rc == 0 && stats) {
        struct app_graph_counts gc;
        st = app_graph_counts(a, &gc);
        if (st != KG_OK)
            rc = cli_app_fail(cli, a, st);
        else
            print_counts(&gc, fmt);
    }
    app_close(a);
    return rc;
}
