/*
 * cmd_tune.c - `kgmatch tune`: fits the matcher's settings to the brokers'
 * verdicts and gold files (app_tune), prints the split and the held-out
 * quality before and after, and writes the settings (app_tune_write) only
 * when the held-out part ranks strictly better with them. --format json
 * prints the same as one object, after the write.
 */
#include <getopt.h>
#include <jansson.h>
#include <string.h>

#include "cli/cli.h"

#define TUNE_MAX_GOLD 16
#define TUNE_SHOW_HELD 20 /* held-out demand ids listed */

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

static void print_result(const struct app_tune_result *r,
                         const struct app_tune_opts *o)
{
    printf("judgments  %zu gold pairs, %zu broker verdicts", r->gold_pairs,
           r->feedback_pairs);
    if (r->feedback_over_gold)
        printf(" (%zu of them on gold pairs)", r->feedback_over_gold);
    printf("\n");
    if (r->feedback_skipped)
        printf("left out   %zu decline%s as too-early-stage, too-costly or "
               "already-known (not about relevance)\n",
               r->feedback_skipped, plural(r->feedback_skipped));
    if (r->feedback_gone)
        printf("left out   %zu verdict%s on demands no longer in the store\n",
               r->feedback_gone, plural(r->feedback_gone));
    if (r->unjudged)
        printf("left out   %zu judged demand%s without a relevant item in "
               "the store\n",
               r->unjudged, plural(r->unjudged));
    if (!r->enough) {
        printf("not enough feedback to tune: %zu judged demands with a "
               "relevant item, %d needed; nothing written\n",
               r->demands, APP_TUNE_MIN_DEMANDS);
        return;
    }
    printf("split      %zu demands: %zu to fit, %zu held out (holdout "
           "%.2f, seed %u)\n",
           r->demands, r->fit, r->held,
           o->holdout > 0 ? o->holdout : APP_TUNE_HOLDOUT, o->seed);
    printf("           held out:");
    for (size_t i = 0; i < r->held_ids.n && i < TUNE_SHOW_HELD; i++)
        printf(" %s", r->held_ids.v[i]);
    if (r->held_ids.n > TUNE_SHOW_HELD)
        printf(" and %zu more", r->held_ids.n - TUNE_SHOW_HELD);
    printf("\n");
    printf("search     %zu round%s, %zu settings scored%s\n", r->rounds,
           plural(r->rounds), r->tried,
           r->out_of_time ? " (stopped at the time budget)" : "");
    printf("fit part   nDCG@10 %.4f -> %.4f\n", r->fit_before, r->fit_after);
    printf("held out   nDCG@10 %.4f -> %.4f, MRR@10 %.4f -> %.4f\n",
           r->before.ndcg10, r->after.ndcg10, r->before.mrr10, r->after.mrr10);
    size_t shown = 0;
    for (size_t i = 0; i < r->nset; i++) {
        if (r->set[i].from == r->set[i].to)
            continue;
        printf("%-10s %-18s %g -> %g\n", shown++ ? "" : "changed",
               r->set[i].key, r->set[i].from, r->set[i].to);
    }
    if (shown == 0)
        printf("changed    nothing: the current settings score best on the "
               "fit part\n");
}

static json_t *quality(const struct app_eval_result *e)
{
    return json_pack("{s:f, s:f}", "ndcg@10", e->ndcg10, "mrr@10", e->mrr10);
}

/* The result as one JSON object; written is the file written, NULL for
 * none. */
static json_t *result_json(const struct app_tune_result *r,
                           const struct app_tune_opts *o, bool dry_run,
                           const char *written)
{
    json_t *left = json_pack("{s:I, s:I, s:I}", "not_about_relevance",
                             (json_int_t)r->feedback_skipped, "demands_gone",
                             (json_int_t)r->feedback_gone,
                             "without_relevant_item", (json_int_t)r->unjudged);
    json_t *j =
        json_pack("{s:I, s:I, s:I, s:o, s:b, s:I, s:I}", "gold_pairs",
                  (json_int_t)r->gold_pairs, "feedback_pairs",
                  (json_int_t)r->feedback_pairs, "feedback_over_gold",
                  (json_int_t)r->feedback_over_gold, "left_out", left, "enough",
                  r->enough, "demands", (json_int_t)r->demands, "min_demands",
                  (json_int_t)APP_TUNE_MIN_DEMANDS);
    if (r->enough) {
        json_t *held = json_array();
        for (size_t i = 0; i < r->held_ids.n; i++)
            json_array_append_new(held, json_string(r->held_ids.v[i]));
        json_t *changed = json_array();
        for (size_t i = 0; i < r->nset; i++)
            if (r->set[i].from != r->set[i].to)
                json_array_append_new(changed, json_pack("{s:s, s:f, s:f}",
                                                         "key", r->set[i].key,
                                                         "from", r->set[i].from,
                                                         "to", r->set[i].to));
        json_object_update_new(
            j,
            json_pack("{s:I, s:I, s:f, s:I, s:o, s:I, s:I, s:b, s:{s:f, s:f}, "
                      "s:{s:o, s:o}, s:o, s:b}",
                      "fit", (json_int_t)r->fit, "held", (json_int_t)r->held,
                      "holdout", o->holdout > 0 ? o->holdout : APP_TUNE_HOLDOUT,
                      "seed", (json_int_t)o->seed, "held_out", held, "rounds",
                      (json_int_t)r->rounds, "tried", (json_int_t)r->tried,
                      "out_of_time", r->out_of_time, "fit_part",
                      "ndcg@10_before", r->fit_before, "ndcg@10_after",
                      r->fit_after, "held_out_quality", "before",
                      quality(&r->before), "after", quality(&r->after),
                      "changed", changed, "better", r->better));
    }
    json_object_set_new(j, "dry_run", json_boolean(dry_run));
    json_object_set_new(j, "written",
                        written ? json_string(written) : json_null());
    return j;
}

int cmd_tune(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"gold", required_argument, NULL, 'g'},
        {"config", required_argument, NULL, 'c'},
        {"out", required_argument, NULL, 'o'},
        {"holdout", required_argument, NULL, 'h'},
        {"seed", required_argument, NULL, 's'},
        {"budget", required_argument, NULL, 'b'},
        {"dry-run", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    const char *gold[TUNE_MAX_GOLD];
    struct app_tune_opts o = {.gold = gold, .seed = 1};
    const char *config = NULL, *out = NULL;
    bool dry_run = false;
    enum cli_format fmt = CLI_TABLE;
    long long n;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'g':
            if (o.ngold == TUNE_MAX_GOLD)
                return cli_usage(cli, "at most %d --gold files", TUNE_MAX_GOLD);
            gold[o.ngold++] = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'h':
            if ((rc = cli_parse_real(cli, "holdout", optarg, 0.05, 0.95,
                                     &o.holdout)) != 0)
                return rc;
            break;
        case 's':
            if ((rc = cli_parse_int(cli, "seed", optarg, 0, 4294967295LL,
                                    &n)) != 0)
                return rc;
            o.seed = (unsigned)n;
            break;
        case 'b':
            if ((rc = cli_parse_real(cli, "budget", optarg, 1, 86400,
                                     &o.budget)) != 0)
                return rc;
            break;
        case 'n':
            dry_run = true;
            break;
        case 'f':
            if ((rc = cli_parse_format_no_csv(cli, optarg, &fmt)) != 0)
                return rc;
            break;
        default:
            return cli_usage(cli, "bad option");
        }
    }
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    if (!out)
        out = config;
    if (!out && !dry_run)
        return cli_usage(cli, "give --out FILE (or --config FILE to update "
                              "it), or --dry-run");
    struct app_session *a;
    rc = cli_session(cli, APP_READ, config, &a);
    if (rc)
        return rc;
    struct app_tune_result r;
    kg_status st = app_tune(a, &o, &r);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, a, st);
        app_tune_result_release(&r);
        app_close(a);
        return rc;
    }
    bool json = fmt == CLI_JSON, wrote = false;
    if (!json)
        print_result(&r, &o);
    if (r.enough && !r.better) {
        if (!json)
            printf("kept the current settings: held-out nDCG@10 %.4f ≥ %.4f; "
                   "nothing written\n",
                   r.before.ndcg10, r.after.ndcg10);
    } else if (r.enough && dry_run) {
        if (!json)
            printf("would write %s (--dry-run: nothing written)\n",
                   out ? out : "the settings");
    } else if (r.enough) {
        st = app_tune_write(a, config, &r, out);
        if (st != KG_OK)
            rc = cli_app_fail(cli, a, st);
        else if (!json)
            printf("wrote      %s\n", out);
        wrote = st == KG_OK;
    }
    if (json && rc == 0) {
        json_t *j = result_json(&r, &o, dry_run, wrote ? out : NULL);
        cli_print_json(j);
        json_decref(j);
    }
    app_tune_result_release(&r);
    app_close(a);
    return rc;
}
