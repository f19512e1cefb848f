/*
 * cmd_match.c - `kgmatch match`: ranks achievements, patents, experts and
 * institutions for demands (by id, all of them, or free text) and prints
 * them with their reasons as a table, JSON or CSV (app_match_*).
 */
#include <getopt.h>
#include <stdlib.h>

#include "cli/cli.h"

/* The output sink behind a progress line: the line goes before anything
 * is printed (the progress draws it again after each demand). */
struct behind {
    struct app_sink in;
    struct cli_progress *pg;
};

static void behind_start(void *ctx)
{
    struct behind *b = ctx;
    cli_progress_clear(b->pg);
    if (b->in.start)
        b->in.start(b->in.ctx);
}

static void behind_begin(void *ctx, const struct app_group *g)
{
    struct behind *b = ctx;
    cli_progress_clear(b->pg);
    if (b->in.begin)
        b->in.begin(b->in.ctx, g);
}

static void behind_hit(void *ctx, const struct app_group *g,
                       const struct app_hit *h)
{
    struct behind *b = ctx;
    cli_progress_clear(b->pg);
    if (b->in.hit)
        b->in.hit(b->in.ctx, g, h);
}

static void behind_end(void *ctx, const struct app_group *g)
{
    struct behind *b = ctx;
    cli_progress_clear(b->pg);
    if (b->in.end)
        b->in.end(b->in.ctx, g);
}

int cmd_match(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"demand", required_argument, NULL, 'd'},
        {"text", required_argument, NULL, 't'},
        {"all", no_argument, NULL, 'a'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_MATCH_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    const char **ids = kg_xcalloc((size_t)argc + 1, sizeof *ids);
    size_t nids = 0;
    const char *text = NULL;
    bool all = false, quiet = false;
    struct cli_match_args m = CLI_MATCH_ARGS_INIT;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:t:aq" CLI_MATCH_SHORTOPTS, longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'd':
            ids[nids++] = optarg;
            break;
        case 't':
            text = optarg;
            break;
        case 'a':
            all = true;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            if ((rc = cli_match_arg(cli, c, optarg, &m)) < 0)
                rc = cli_usage(cli, "bad option");
        }
        if (rc)
            goto out;
    }
    if (optind < argc) {
        rc = cli_usage(cli, "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if ((nids > 0) + (text != NULL) + all != 1) {
        rc = cli_usage(cli, "give --demand ID..., --text TEXT or --all");
        goto out;
    }
    if (text && (rc = cli_check_utf8(cli, "--text", text)) != 0)
        goto out;
    struct app_session *a;
    struct cli_match_out o;
    struct app_sink sink;
    if ((rc = cli_match_begin(cli, &m, all, &a, &o, &sink)) != 0)
        goto out;
    struct app_match_opts *mo = &m.mo;
    struct cli_progress pg;
    cli_progress_init(&pg, "match", "demands", quiet || !all);
    struct behind bh = {.in = sink, .pg = &pg};
    if (pg.on) {
        mo->progress = cli_progress_draw;
        mo->progress_ctx = &pg;
        sink = (struct app_sink){.start = behind_start,
                                 .begin = behind_begin,
                                 .hit = behind_hit,
                                 .end = behind_end,
                                 .ctx = &bh};
    }
    kg_status st = text  ? app_match_text(a, text, mo, &sink)
                   : all ? app_match_all(a, mo, &sink)
                         : app_match_demands(a, ids, nids, mo, &sink);
    cli_progress_clear(&pg);
    if (st != KG_OK)
        rc = cli_app_fail(cli, a, st);
    cli_match_out_finish(&o, st == KG_OK);
    app_close(a);
out:
    free(ids);
    return rc;
}
