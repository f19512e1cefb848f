/*
 * cmd_feedback.c - `kgmatch feedback`: a broker accepts or declines a
 * proposed pair (app_feedback), or lists the verdicts (app_feedback_list).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct rows {
    enum cli_format fmt;
    struct cli_table *t;
    size_t n;
};

static void on_row(void *ctx, const struct app_feedback_row *r)
{
    struct rows *rs = ctx;
    char kind_item[256];
    snprintf(kind_item, sizeof kind_item, "%s:%s", record_kind_name(r->kind),
             r->item);
    const char *cells[] = {
        r->demand, kind_item, r->accept ? "accept" : "decline",
        r->reason, r->note,   r->label,
        r->at};
    if (rs->fmt == CLI_CSV) {
        cli_csv_row(stdout, cells, 7);
    } else {
        char no[24];
        snprintf(no, sizeof no, "%zu", ++rs->n);
        const char *row[] = {no,       cells[0], cells[1], cells[2],
                             cells[3], cells[4], cells[5]};
        cli_table_add(rs->t, row);
    }
}

static int list(struct cli *cli, int argc, char **argv)
{
    enum cli_format fmt = CLI_TABLE;
    int rc = cli_format_options(cli, argc, argv, &fmt);
    if (rc)
        return rc;
    if (fmt == CLI_JSON)
        return cli_usage(cli, "feedback list takes --format table|csv");
    struct app_session *a;
    rc = cli_session(cli, APP_READ, NULL, &a);
    if (rc)
        return rc;
    static const char *const head[] = {"#",      "demand", "item", "verdict",
                                       "reason", "note",   "label"};
    struct rows rs = {fmt, NULL, 0};
    if (fmt == CLI_CSV) {
        const char *h[] = {"demand", "item",  "verdict", "reason",
                           "note",   "label", "at"};
        cli_csv_row(stdout, h, 7);
    } else {
        rs.t = cli_table_new(7, head);
    }
    kg_status st = app_feedback_list(a, NULL, on_row, &rs);
    if (st != KG_OK)
        rc = cli_app_fail(cli, a, st);
    else if (rs.t && rs.n == 0)
        printf("no feedback yet\n");
    else if (rs.t)
        cli_table_print(rs.t, stdout, 40);
    cli_table_free(rs.t);
    app_close(a);
    return rc;
}

int cmd_feedback(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"demand", required_argument, NULL, 'd'},
        {"item", required_argument, NULL, 'i'},
        {"reason", required_argument, NULL, 'r'},
        {"note", required_argument, NULL, 'n'},
        {NULL, 0, NULL, 0},
    };
    if (argc > 1 && strcmp(argv[1], "list") == 0)
        return list(cli, argc - 1, argv + 1);
    struct app_feedback_opts o = {0};
    const char *item = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o.demand = optarg;
            break;
        case 'i':
            item = optarg;
            break;
        case 'r':
            if (!app_feedback_reason_ok(optarg))
                return cli_usage(cli, "--reason takes too-early-stage, "
                                      "not-relevant, too-costly, already-known "
                                      "or other");
            o.reason = optarg;
            break;
        case 'n':
            o.note = optarg;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    if (optind != argc - 1 || (strcmp(argv[optind], "accept") != 0 &&
                               strcmp(argv[optind], "decline") != 0))
        return cli_usage(cli, "give accept or decline (or list)");
    o.accept = strcmp(argv[optind], "accept") == 0;
    const char *colon = item ? strchr(item, ':') : NULL;
    if (!o.demand || !colon || !colon[1])
        return cli_usage(cli, "give --demand ID and --item KIND:ID");
    char kind[32];
    snprintf(kind, sizeof kind, "%.*s", (int)(colon - item), item);
    if (record_kind_parse(kind, &o.kind) != KG_OK || o.kind == KG_DEMAND ||
        o.kind == KG_ENTERPRISE)
        return cli_usage(cli, "--item KIND is achievement, patent, expert or "
                              "institution");
    o.item = colon + 1;
    struct app_session *a;
    int rc = cli_session(cli, APP_WRITE, NULL, &a);
    if (rc)
        return rc;
    kg_status st = app_feedback(a, &o);
    if (st != KG_OK)
        rc = cli_app_fail(cli, a, st);
    else
        printf("%s %s:%s for demand %s%s\n", o.accept ? "accepted" : "declined",
               kind, o.item, o.demand,
               o.accept ? "" : ": it will not be proposed again");
    app_close(a);
    return rc;
}
