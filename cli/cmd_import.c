/*
 * cmd_import.c - `kgmatch import --kind KIND FILE...`: stream JSONL or CSV
 * files into the store, each file whole or not at all (unless --skip-bad).
 */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"

static void on_bad_line(const char *name, size_t line, const char *reason,
                        void *ctx)
{
    (void)ctx;
    fprintf(stderr, "%s:%zu: %s\n", name, line, reason);
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"kind", required_argument, NULL, 'k'},
        {"skip-bad", no_argument, NULL, 's'},
        {"replace", no_argument, NULL, 'r'},
        {"csv", no_argument, NULL, 'c'},
        {"jsonl", no_argument, NULL, 'j'},
        {"source", required_argument, NULL, 'S'},
        {"no-index", no_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    struct app_import_opts opts = {.bad_line = on_bad_line};
    bool have_kind = false, no_index = false;
    int64_t since = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:", longopts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (record_kind_parse(optarg, &opts.kind) != KG_OK)
                return cli_usage(cli,
                                 "unknown kind '%s' (institution, expert, "
                                 "achievement, patent, enterprise, demand)",
                                 optarg);
            have_kind = true;
            break;
        case 's':
            opts.skip_bad = true;
            break;
        case 'r':
            opts.replace = true;
            break;
        case 'c':
            opts.format = APP_IMPORT_CSV;
            break;
        case 'j':
            opts.format = APP_IMPORT_JSONL;
            break;
        case 'S':
            opts.source = optarg;
            break;
        case 'n':
            no_index = true;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    if (!have_kind)
        return cli_usage(cli, "--kind is required");
    if (optind >= argc)
        return cli_usage(cli, "no input file (use '-' for standard input)");

    struct app_session *a;
    /* A mistyped --db must not become a new empty database. */
    int rc = cli_session(cli, APP_WRITE, NULL, &a);
    if (rc)
        return rc;
    if (app_version(a, &since) != KG_OK)
        since = -1;
    int worst = 0;
    for (int i = optind; i < argc; i++) {
        const char *name = strcmp(argv[i], "-") == 0 ? "stdin" : argv[i];
        struct app_import_stats stats;
        kg_status st = app_import(a, argv[i], &opts, &stats);
        if (st == KG_OK || st == KG_EINPUT) {
            bool stored = st == KG_OK || opts.skip_bad;
            printf(
                "%s: %zu records read, %zu added, %zu updated, %zu unchanged, "
                "%zu bad%s\n",
                name, stats.lines, stats.added, stats.updated, stats.unchanged,
                stats.bad, stored ? "" : "; nothing stored");
            if (st != KG_OK && worst < 1)
                worst = 1;
            continue;
        }
        cli_error(cli, "%s", app_last_error(a));
        if (st == KG_ENOTFOUND) { /* the file could not be opened */
            worst = worst > 1 ? worst : 1;
            continue;
        }
        rc = kg_exit_code(st);
        worst = rc > worst ? rc : worst;
        break; /* the store itself failed: stop */
    }
    if (!no_index)
        cli_refresh_index(cli, a, since);
    app_close(a);
    return worst;
}
