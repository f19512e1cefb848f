/*
 * cmd_eval.c - `kgmatch eval --gold FILE`: scores the matcher's rankings
 * against gold pairs (app_gold_read, app_eval) and prints nDCG@10, MAP,
 * recall@50 and the cross-domain gold pairs in the top 10.
 */
#include <getopt.h>
#include <jansson.h>

#include "cli/cli.h"

static void print_result(const char *path, const char *kindname, unsigned kinds,
                         const struct app_eval_result *r, enum cli_format fmt)
{
    if (fmt == CLI_JSON) {
        json_t *o = json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:I, s:I}", "gold",
            path, "kind", kindname, "demands", (json_int_t)r->demands,
            "rankings", (json_int_t)r->rankings, "pairs", (json_int_t)r->pairs,
            "left_out", (json_int_t)r->left_out, "ndcg@10", r->ndcg10, "map",
            r->map, "recall@50", r->recall50, "cross_domain_pairs",
            (json_int_t)r->cross, "cross_domain_in_top10",
            (json_int_t)r->cross10);
        cli_print_json(o);
        json_decref(o);
        return;
    }
    printf("gold       %s (%zu demands, %zu rankings, %zu pairs, kind %s)\n",
           path, r->demands, r->rankings, r->pairs, kindname);
    if (r->left_out)
        printf("left out   %zu pairs (item not in the store%s)\n", r->left_out,
               kinds ? " or of another kind" : "");
    printf("nDCG@10    %.4f\n", r->ndcg10);
    printf("MAP        %.4f\n", r->map);
    printf("recall@50  %.4f\n", r->recall50);
    printf("cross-domain gold pairs in the top 10: %zu of %zu\n", r->cross10,
           r->cross);
}

int cmd_eval(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"gold", required_argument, NULL, 'g'},
        {"kind", required_argument, NULL, 'k'},
        {"format", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
        {"items", required_argument, NULL, 'i'},
        {"needs", required_argument, NULL, 'n'},
        {"judgments", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    enum cli_format fmt = CLI_TABLE;
    const char *path = NULL, *config = NULL, *kindname = "all";
    const char *items = NULL, *needs = NULL;
    unsigned kinds = 0;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "g:k:f:c:i:n:j:", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'g':
        case 'j':
            path = optarg;
            break;
        case 'i':
            items = optarg;
            break;
        case 'n':
            needs = optarg;
            break;
        case 'k':
            if ((rc = cli_match_kinds(cli, optarg, &kinds)) != 0)
                return rc;
            kindname = optarg;
            break;
        case 'f':
            if ((rc = cli_parse_format(cli, optarg, &fmt)) != 0)
                return rc;
            break;
        case 'c':
            config = optarg;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (!path)
        return cli_usage(cli, "--gold FILE is required");
    if (!items != !needs)
        return cli_usage(cli, "--items and --needs go together");
    if (items && !kinds) { /* a collection: its items only are ranked */
        kinds = KG_KIND_BIT(KG_ACHIEVEMENT);
        kindname = "achievement";
    }
    if (fmt == CLI_CSV)
        return cli_usage(cli, "eval prints a table or JSON");
    struct app_gold *gold;
    char err[512];
    kg_status st = app_gold_read(path, &gold, err, sizeof err);
    if (st != KG_OK) {
        cli_error(cli, "%s", err);
        return kg_exit_code(st);
    }
    struct app_session *a;
    rc = cli_session(cli, items ? APP_WRITE : APP_READ, config, &a);
    if (rc == 0 && items) {
        st = app_import_collection(a, items, needs);
        if (st != KG_OK) {
            rc = cli_app_fail(cli, a, st);
            app_close(a);
        }
    }
    if (rc == 0) {
        struct app_eval_result r;
        st = app_eval(a, gold, kinds, &r);
        if (st != KG_OK)
            rc = cli_app_fail(cli, a, st);
        else
            print_result(path, kindname, kinds, &r, fmt);
        app_close(a);
    }
    app_gold_free(gold);
    return rc;
}
