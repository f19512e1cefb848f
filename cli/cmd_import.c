/*
 * cmd_import.c - `kgmatch import --kind KIND FILE...`: stream JSONL or CSV
 * files into the store, each file whole or not at all (unless --skip-bad).
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "ingest/import.h"

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
    struct import_opts opts = {.format = IMPORT_AUTO};
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
            opts.format = IMPORT_CSV;
            break;
        case 'j':
            opts.format = IMPORT_JSONL;
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

    struct store *s;
    /* A mistyped --db must not become a new empty database. */
    int rc = cli_open_store(cli, 0, &s);
    if (rc)
        return rc;
    if (store_version(s, &since) != KG_OK)
        since = -1;
    int worst = 0;
    for (int i = optind; i < argc; i++) {
        const char *path = argv[i];
        bool is_stdin = strcmp(path, "-") == 0;
        const char *name = is_stdin ? "stdin" : path;
        FILE *in = is_stdin ? stdin : fopen(path, "rb");
        if (!in) {
            cli_error(cli, "%s: %s", path, strerror(errno));
            worst = worst > 1 ? worst : 1;
            continue;
        }
        struct stat sb;
        if (!is_stdin && fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
            cli_error(cli, "%s: is a directory, not a JSONL or CSV file", path);
            fclose(in);
            worst = worst > 1 ? worst : 1;
            continue;
        }
        struct import_stats stats;
        kg_status st = import_stream(s, in, name, &opts, &stats);
        if (!is_stdin)
            fclose(in);
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
        rc = cli_store_fail(cli, s, st, name);
        worst = rc > worst ? rc : worst;
        break; /* the store itself failed: stop */
    }
    if (!no_index)
        cli_refresh_index(cli, s, since);
    store_close(s);
    return worst;
}
