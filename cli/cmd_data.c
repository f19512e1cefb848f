/*
 * cmd_data.c - the broker's data work: `kgmatch status DEMAND
 * open|matched|closed` (app_demand_status) and `kgmatch delete KIND ID`
 * (app_delete).
 */
#include <stdio.h>

#include "cli/cli.h"

int cmd_status(struct cli *cli, int argc, char **argv)
{
    if (argc != 3)
        return cli_usage(cli, "give DEMAND and open, matched or closed");
    struct app_session *a;
    int rc = cli_session(cli, APP_WRITE, NULL, &a);
    if (rc)
        return rc;
    kg_status st = app_demand_status(a, argv[1], argv[2]);
    if (st == KG_EUSAGE)
        rc = cli_usage(cli, "%s", app_last_error(a));
    else if (st != KG_OK)
        rc = cli_app_fail(cli, a, st);
    else
        printf("demand %s is now %s\n", argv[1], argv[2]);
    app_close(a);
    return rc;
}

int cmd_delete(struct cli *cli, int argc, char **argv)
{
    kg_kind kind;
    if (argc != 3)
        return cli_usage(cli, "give KIND and ID");
    if (record_kind_parse(argv[1], &kind) != KG_OK)
        return cli_usage(cli, "unknown kind '%s'", argv[1]);
    struct app_session *a;
    int rc = cli_session(cli, APP_WRITE, NULL, &a);
    if (rc)
        return rc;
    kg_status st = app_delete(a, kind, argv[2]);
    if (st != KG_OK)
        rc = cli_app_fail(cli, a, st);
    else
        printf("deleted %s %s and its links\n", argv[1], argv[2]);
    app_close(a);
    return rc;
}
