/*
 * cmd_init.c - `kgmatch init`: create the database or migrate it to the
 * current schema.
 */
#include "cli/cli.h"

int cmd_init(struct cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_usage(cli, "unexpected argument '%s'", argv[1]);
    struct app_session *a;
    int rc = cli_session(cli, APP_CREATE, NULL, &a);
    if (rc)
        return rc;
    printf("database %s ready (schema %d)\n", cli->db_path,
           app_schema_version(a));
    app_close(a);
    return 0;
}
