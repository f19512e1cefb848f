/*
 * cmd_batch.c - `kgmatch batch` (the nightly run: ingest, match what
 * changed, write the report; app_batch) and `kgmatch batch-merge` (shard
 * outputs joined into the unsharded result; app_batch_merge).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* YYYY, YYYY-MM or YYYY-MM-DD. */
static bool date_ok(const char *s)
{
    size_t n = strlen(s);
    if (n != 4 && n != 7 && n != 10)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

int cmd_batch(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"since", required_argument, NULL, 's'},
        {"top", required_argument, NULL, 'n'},
        {"shard", required_argument, NULL, 'k'},
        {"no-ingest", no_argument, NULL, 'N'},
        {"enterprise", required_argument, NULL, 'e'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    struct app_batch_opts o = {0};
    bool quiet = false;
    struct cli_progress pg;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qn:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o.out = optarg;
            break;
        case 's':
            if (strcmp(optarg, "last") && strcmp(optarg, "all") &&
                !date_ok(optarg))
                return cli_usage(cli, "--since takes last, all or a date "
                                      "YYYY-MM-DD");
            o.since = optarg;
            break;
        case 'n':
            rc = cli_parse_top(cli, optarg, &o.top);
            if (rc)
                return rc;
            if (o.top == 0)
                return cli_usage(cli, "--top must be at least 1");
            break;
        case 'k':
            if (app_batch_shard_parse(optarg, &o.shard, &o.nshards) != KG_OK)
                return cli_usage(cli, "--shard takes K/N, 1 <= K <= N <= 1000");
            break;
        case 'N':
            o.no_ingest = true;
            break;
        case 'e':
            o.enterprise = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (!o.out)
        return cli_usage(cli, "give --out DIR");
    cli_progress_init(&pg, "batch", "demands", quiet);
    o.progress = cli_progress_draw;
    o.progress_ctx = &pg;
    struct app_session *a;
    rc = cli_session(cli, APP_WRITE, NULL, &a);
    if (rc)
        return rc;
    struct app_batch_result r;
    kg_status st = app_batch(a, &o, &r);
    cli_progress_clear(&pg);
    if (st == KG_OK) {
        printf("%zu demands to match, %zu matches", r.demands, r.matches);
        if (r.unchanged)
            printf(" (%zu re-matched with unchanged results left out)",
                   r.unchanged);
        printf("\nreport: %s/report.html\n", o.out);
        if (r.sources_failed)
            printf("%zu sources failed: see %s/summary.txt\n", r.sources_failed,
                   o.out);
    } else {
        rc = cli_app_fail(cli, a, st);
    }
    app_close(a);
    return rc;
}

int cmd_batch_merge(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL;
    char err[1024];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
        if (c != 'o')
            return cli_usage(cli, "bad option");
        out = optarg;
    }
    if (!out || optind == argc)
        return cli_usage(cli, "give shard directories and --out DIR");
    kg_status st =
        app_batch_merge((const char *const *)argv + optind,
                        (size_t)(argc - optind), out, err, sizeof err);
    if (st != KG_OK) {
        cli_error(cli, "%s", err);
        return kg_exit_code(st);
    }
    printf("merged %d shard outputs\nreport: %s/report.html\n", argc - optind,
           out);
    return 0;
}
