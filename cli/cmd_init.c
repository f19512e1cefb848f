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
    struct store *s;
    int rc = cli_open_store(cli, STORE_CREATE, &s);
    if (rc)
        return rc;
    printf("database %s ready (schema %d)\n", cli->db_path,
           store_schema_version(s));
    store_close(s);
    return 0;
}
