/*
 * cmd_ingest.c - `kgmatch ingest [NAME...]`: harvest every source (or the
 * named ones) into the store, incrementally unless --full; one summary line
 * per source, live progress on a terminal.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/ingest.h"

static bool seconds(const char *s, double *out)
{
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end || !(d >= 0) || d > 86400)
        return false;
    *out = d;
    return true;
}

int cmd_ingest(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"full", no_argument, NULL, 'f'},
        {"jobs", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 'T'},
        {"connect-timeout", required_argument, NULL, 'C'},
        {"retries", required_argument, NULL, 'R'},
        {"delay", required_argument, NULL, 'D'},
        {"backoff", required_argument, NULL, 'b'},
        {"max-bytes", required_argument, NULL, 'B'},
        {"lock-wait", required_argument, NULL, 'L'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    struct ingest_opts o = {.prefix = "kgmatch: ingest: "};
    bool quiet = false;
    int c;
    double d;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            o.full = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'j':
            o.parallel = (int)strtol(optarg, &end, 10);
            if (*end || o.parallel < 1 || o.parallel > 64)
                return cli_usage(cli, "--jobs takes 1-64");
            break;
        case 'R': {
            long n = strtol(optarg, &end, 10);
            if (*end || end == optarg || n < 0 || n > 20)
                return cli_usage(cli, "--retries takes 0-20");
            o.fetch.retries = n > 0 ? (int)n : -1;
            break;
        }
        case 'B': {
            long long n = strtoll(optarg, &end, 10);
            if (*end || end == optarg || n <= 0)
                return cli_usage(cli, "--max-bytes takes a byte count");
            o.fetch.max_bytes = (size_t)n;
            break;
        }
        case 'T':
        case 'C':
        case 'D':
        case 'b':
        case 'L':
            if (!seconds(optarg, &d))
                return cli_usage(cli, "bad number of seconds '%s'", optarg);
            if ((c == 'T' || c == 'C') && d == 0)
                return cli_usage(cli, "a timeout must be above 0");
            if (c == 'T')
                o.fetch.timeout = d;
            else if (c == 'C')
                o.fetch.connect_timeout = d;
            else if (c == 'D')
                o.fetch.host_delay = d > 0 ? d : -1;
            else if (c == 'b')
                o.fetch.backoff = d > 0 ? d : -1;
            else
                o.lock_wait = d > 0 ? d : -1;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    o.progress = !quiet && isatty(2);
    struct store *s;
    int rc = cli_open_store(cli, 0, &s);
    if (rc)
        return rc;
    char err[512];
    int64_t since = 0;
    if (store_version(s, &since) != KG_OK)
        since = -1;
    kg_status st = ingest_run(s, (const char *const *)argv + optind,
                              (size_t)(argc - optind), &o, err, sizeof err);
    if (st == KG_OK) {
        rc = 0;
    } else if (st == KG_EINPUT) {
        rc = 1; /* some source failed; the messages are out */
    } else {
        cli_error(cli, "%s", err);
        rc = kg_exit_code(st);
    }
    cli_refresh_index(cli, s, since);
    store_close(s);
    return rc;
}
