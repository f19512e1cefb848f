/*
 * cmd_data.c - the broker's data work: `kgmatch status DEMAND
 * open|matched|closed` (app_demand_status), `kgmatch delete KIND ID`
 * (app_delete) and `kgmatch merge KIND KEEP GONE` (app_merge).
 */
#include <stdio.h>
#include <stdlib.h>

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

/* The KIND operand and a writable session for delete and merge: 0 with
 * *a open, or the exit code of what went wrong (printed). */
static int kind_session(struct cli *cli, const char *kind_name, kg_kind *kind,
                        struct app_session **a)
{
    if (record_kind_parse(kind_name, kind) != KG_OK)
        return cli_usage(cli, "unknown kind '%s'", kind_name);
    return cli_session(cli, APP_WRITE, NULL, a);
}

int cmd_delete(struct cli *cli, int argc, char **argv)
{
    kg_kind kind;
    struct app_session *a;
    if (argc != 3)
        return cli_usage(cli, "give KIND and ID");
    int rc = kind_session(cli, argv[1], &kind, &a);
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

int cmd_merge(struct cli *cli, int argc, char **argv)
{
    kg_kind kind;
    struct app_session *a;
    if (argc != 4)
        return cli_usage(cli, "give KIND, the id to keep and the id to merge "
                              "into it");
    int rc = kind_session(cli, argv[1], &kind, &a);
    if (rc)
        return rc;
    kg_status st = app_merge(a, kind, argv[2], argv[3]);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, a, st);
    } else {
        char *keep = cli_visible(argv[2]), *gone = cli_visible(argv[3]);
        printf("merged %s %s into %s (its links, names and fields the kept "
               "record lacked); %s is gone\n",
               argv[1], gone, keep, gone);
        free(keep);
        free(gone);
    }
    app_close(a);
    return rc;
}
