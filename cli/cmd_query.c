/*
 * cmd_query.c - `kgmatch query --enterprise NAME|ID`: the matches of every
 * open demand of one enterprise (app_query), printed as match prints them.
 */
#include <getopt.h>
#include <stdlib.h>

#include "cli/cli.h"

int cmd_query(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"enterprise", required_argument, NULL, 'E'},
        {"include-closed", no_argument, NULL, 'C'},
        {"kind", required_argument, NULL, 'k'},
        {"top", required_argument, NULL, 'n'},
        {"cross-domain", no_argument, NULL, 'x'},
        {"explain", no_argument, NULL, 'e'},
        {"format", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL, *config = NULL;
    enum cli_format fmt = CLI_TABLE;
    bool closed_too = false, explain = false;
    struct app_match_opts mo = {.top = 10};
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "E:Ck:n:xef:c:", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'E':
            name = optarg;
            break;
        case 'C':
            closed_too = true;
            break;
        case 'f':
            rc = cli_parse_format(cli, optarg, &fmt);
            break;
        case 'k':
            rc = cli_match_kinds(cli, optarg, &mo.kinds);
            break;
        case 'n':
            rc = cli_parse_top(cli, optarg, &mo.top);
            break;
        case 'c':
            config = optarg;
            break;
        case 'x':
            mo.cross_only = true;
            break;
        case 'e':
            explain = true;
            break;
        default:
            rc = cli_usage(cli, "bad option");
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (!name)
        return cli_usage(cli, "--enterprise NAME|ID is required");
    if ((rc = cli_check_utf8(cli, "--enterprise", name)) != 0)
        return rc;
    struct app_session *a;
    rc = cli_session(cli, APP_READ, config, &a);
    if (rc)
        return rc;
    mo.explain = explain || fmt == CLI_JSON;
    struct cli_match_out o;
    struct app_sink sink;
    cli_match_out_init(&o, fmt, explain, false, &sink);
    cli_match_out_thresholds(&o, a, &mo);
    char *id = NULL;
    size_t nd = 0;
    kg_status st = app_query(a, name, closed_too, &mo, &sink, &id, &nd);
    if (st != KG_OK)
        rc = cli_app_fail(cli, a, st);
    else if (nd == 0)
        cli_error(cli, "%s has no %sdemands", id, closed_too ? "" : "open ");
    cli_match_out_finish(&o, st == KG_OK);
    if (st == KG_OK && app_left_out(a) > 0)
        fprintf(stderr,
                "kgmatch: query: %zu closed demand%s left out "
                "(--include-closed lists them)\n",
                app_left_out(a), app_left_out(a) == 1 ? "" : "s");
    free(id);
    app_close(a);
    return rc;
}
