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
        CLI_MATCH_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL;
    bool closed_too = false;
    struct cli_match_args m = CLI_MATCH_ARGS_INIT;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "E:C" CLI_MATCH_SHORTOPTS, longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'E':
            name = optarg;
            break;
        case 'C':
            closed_too = true;
            break;
        default:
            if ((rc = cli_match_arg(cli, c, optarg, &m)) < 0)
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
    struct cli_match_out o;
    struct app_sink sink;
    if ((rc = cli_match_begin(cli, &m, false, &a, &o, &sink)) != 0)
        return rc;
    char *id = NULL;
    size_t nd = 0;
    kg_status st = app_query(a, name, closed_too, &m.mo, &sink, &id, &nd);
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
