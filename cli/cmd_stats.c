/*
 * cmd_stats.c - `kgmatch stats`: how many records of each kind (and how
 * many of them are stubs) the store holds.
 */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h> /* optind */

#include "cli/cli.h"

int cmd_stats(struct cli *cli, int argc, char **argv)
{
    enum cli_format fmt = CLI_TABLE;
    int rc = cli_format_options(cli, argc, argv, &fmt);
    if (rc)
        return rc;
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    struct app_session *as;
    rc = cli_session(cli, APP_READ, NULL, &as);
    if (rc)
        return rc;
    struct app_counts c;
    kg_status st = app_counts(as, &c);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, as, st);
        app_close(as);
        return rc;
    }
    const int64_t *n = c.records, *stubs = c.stubs, version = c.version;
    if (fmt == CLI_JSON) {
        json_t *counts = json_object(), *st_obj = json_object();
        for (int k = 0; k < KG_KIND_COUNT; k++) {
            json_object_set_new(counts, record_kind_name((kg_kind)k),
                                json_integer(n[k]));
            json_object_set_new(st_obj, record_kind_name((kg_kind)k),
                                json_integer(stubs[k]));
        }
        json_t *o = json_pack("{s:o, s:o, s:I}", "counts", counts, "stubs",
                              st_obj, "version", (json_int_t)version);
        cli_print_json(o);
        json_decref(o);
    } else if (fmt == CLI_CSV) {
        puts("kind,records,stubs");
        for (int k = 0; k < KG_KIND_COUNT; k++)
            printf("%s,%lld,%lld\n", record_kind_name((kg_kind)k),
                   (long long)n[k], (long long)stubs[k]);
    } else {
        static const char *const head[] = {"kind", "records", "stubs"};
        struct cli_table *t = cli_table_new(3, head);
        for (int k = 0; k < KG_KIND_COUNT; k++) {
            char a[32], b[32];
            snprintf(a, sizeof a, "%lld", (long long)n[k]);
            snprintf(b, sizeof b, "%lld", (long long)stubs[k]);
            const char *row[] = {record_kind_name((kg_kind)k), a, b};
            cli_table_add(t, row);
        }
        cli_table_print(t, stdout, 40);
        cli_table_free(t);
    }
    app_close(as);
    return 0;
}
