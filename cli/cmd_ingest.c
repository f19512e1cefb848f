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

/* The long name of option c (for its error message). */
static const char *opt_name(const struct option *o, int c)
{
    for (; o->name; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

/* Draws the progress line on stderr (a terminal). */
static void draw_progress(const struct app_ingest_progress *p, void *ctx)
{
    bool *shown = ctx;
    fprintf(stderr,
            "\r%zu/%zu sources, %lld pages, %lld records, %.1f MB, "
            "%.0f records/s\033[K",
            p->finished, p->sources, p->pages, p->records,
            (double)p->bytes / 1e6,
            p->seconds > 0 ? (double)p->records / p->seconds : 0.0);
    fflush(stderr);
    *shown = true;
}

#define INGEST_PREFIX "kgmatch: ingest: "

/* The report as ingest has always printed it: warnings and each source's
 * messages on stderr, then one summary line per source on stdout. */
static void print_report(const struct app_ingest_report *r)
{
    for (size_t i = 0; i < r->nwarnings; i++)
        fprintf(stderr, "kgmatch: %s\n", r->warnings[i]);
    if (r->n == 0)
        fprintf(stderr,
                INGEST_PREFIX "no sources to harvest (see kgmatch sources "
                              "add)\n");
    for (size_t i = 0; i < r->n; i++)
        for (size_t j = 0; j < r->v[i].nmessages; j++)
            fprintf(stderr, INGEST_PREFIX "%s: %s\n", r->v[i].name,
                    r->v[i].messages[j]);
    fflush(stderr);
    for (size_t i = 0; i < r->n; i++) {
        const struct app_ingest_source *s = &r->v[i];
        printf("%s: %s: %lld pages, %lld records (%lld added, %lld updated, "
               "%lld unchanged), %lld deleted, %lld skipped, %lld bad\n",
               s->name, s->status, s->pages,
               s->added + s->updated + s->unchanged, s->added, s->updated,
               s->unchanged, s->deleted, s->skipped, s->bad);
    }
    fflush(stdout);
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
    struct app_ingest_opts o = {0};
    bool quiet = false, shown = false;
    int c, rc;
    double d;
    long long n;
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
            if ((rc = cli_parse_int(cli, "jobs", optarg, 1, 64, &n)) != 0)
                return rc;
            o.parallel = (int)n;
            break;
        case 'R':
            if ((rc = cli_parse_int(cli, "retries", optarg, 0, 20, &n)) != 0)
                return rc;
            o.retries = n > 0 ? (int)n : -1;
            break;
        case 'B':
            if ((rc = cli_parse_int(cli, "max-bytes", optarg, 1,
                                    (long long)1 << 40, &n)) != 0)
                return rc;
            o.max_bytes = (size_t)n;
            break;
        case 'T':
        case 'C':
        case 'D':
        case 'b':
        case 'L':
            if ((rc = cli_parse_real(cli, opt_name(longopts, c), optarg, 0,
                                     86400, &d)) != 0)
                return rc;
            if ((c == 'T' || c == 'C') && d == 0)
                return cli_usage(cli, "a timeout must be above 0");
            if (c == 'T')
                o.timeout = d;
            else if (c == 'C')
                o.connect_timeout = d;
            else if (c == 'D')
                o.delay = d > 0 ? d : -1;
            else if (c == 'b')
                o.backoff = d > 0 ? d : -1;
            else
                o.lock_wait = d > 0 ? d : -1;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    if (!quiet && isatty(2)) {
        o.progress = draw_progress;
        o.progress_ctx = &shown;
    }
    struct app_session *a;
    rc = cli_session(cli, APP_WRITE, NULL, &a);
    if (rc)
        return rc;
    int64_t since = 0;
    if (app_version(a, &since) != KG_OK)
        since = -1;
    struct app_ingest_report r;
    kg_status st = app_ingest(a, (const char *const *)argv + optind,
                              (size_t)(argc - optind), &o, &r);
    if (shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    if (st == KG_OK || st == KG_EINPUT) {
        print_report(&r);
        rc = st == KG_OK ? 0 : 1; /* some source failed; the messages say */
    } else {
        for (size_t i = 0; i < r.nwarnings; i++)
            fprintf(stderr, "kgmatch: %s\n", r.warnings[i]);
        cli_error(cli, "%s", app_last_error(a));
        rc = kg_exit_code(st);
    }
    app_ingest_report_release(&r);
    cli_refresh_index(cli, a, since);
    app_close(a);
    return rc;
}
