/*
 * cmd_index.c - `kgmatch index [--rebuild|--optimize]`: bring the text
 * index beside the database up to date (build it when missing, add a
 * segment of the changes when stale, rebuild it when damaged), merge its
 * segments into one on --optimize, and say what it holds.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/index.h"

static void print_info(const struct index_info *in, enum cli_format fmt)
{
    const char *state = in->built     ? "built"
                        : in->changed ? "updated"
                                      : "current";
    if (fmt == CLI_JSON) {
        json_t *kinds = json_object();
        for (int k = 0; k < KG_KIND_COUNT; k++)
            if (in->docs_of[k])
                json_object_set_new(kinds, record_kind_name((kg_kind)k),
                                    json_integer((json_int_t)in->docs_of[k]));
        json_t *o = json_pack(
            "{s:s?, s:s, s:I, s:o, s:I, s:I, s:I, s:I, s:b, s:I, s:I}", "path",
            in->path, "state", state, "documents", (json_int_t)in->docs,
            "by_kind", kinds, "terms", (json_int_t)in->terms, "postings",
            (json_int_t)in->postings, "bytes", (json_int_t)in->bytes, "version",
            (json_int_t)in->version, "in_memory", in->in_memory, "segments",
            (json_int_t)in->segments, "changed", (json_int_t)in->changed);
        cli_print_json(o);
        json_decref(o);
        return;
    }
    printf("index: %s (%s%s)\n", in->path ? in->path : "(memory)", state,
           in->in_memory ? ", in memory" : "");
    printf("documents: %zu", in->docs);
    const char *sep = " (";
    for (int k = 0; k < KG_KIND_COUNT; k++) {
        if (!in->docs_of[k])
            continue;
        printf("%s%s %zu", sep, record_kind_name((kg_kind)k), in->docs_of[k]);
        sep = ", ";
    }
    printf("%s\n", in->docs ? ")" : "");
    printf("terms: %zu\npostings: %llu\nbytes: %llu\nstore version: %lld\n",
           in->terms, (unsigned long long)in->postings,
           (unsigned long long)in->bytes, (long long)in->version);
    if (in->segments)
        printf("segments: %zu\n", in->segments);
    if (in->changed)
        printf("updated: %zu records (%zu segments merged)\n", in->changed,
               in->merged);
}

int cmd_index(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rebuild", no_argument, NULL, 'r'},
        {"optimize", no_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"timing", no_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    bool timing = false, quiet = false;
    struct app_index_opts opts = {0};
    enum cli_format fmt = CLI_TABLE;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            opts.rebuild = true;
            break;
        case 'o':
            opts.optimize = true;
            break;
        case 't':
            timing = true;
            break;
        case 'q':
            quiet = true;
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
    struct app_session *a;
    rc = cli_session(cli, APP_READ, NULL, &a);
    if (rc)
        return rc;
    struct cli_progress pg;
    cli_progress_init(&pg, "index", "records", quiet);
    opts.progress = cli_progress_draw;
    opts.progress_ctx = &pg;
    kg_status st = app_index_open(a, &opts, NULL);
    cli_progress_clear(&pg);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, a, st);
        app_close(a);
        return rc;
    }
    struct index_info in;
    app_index_info(a, &in);
    print_info(&in, fmt);
    if (timing && in.built) {
        const struct index_timing *t = &in.timing;
        double mb = (double)t->text_bytes / 1e6;
        fprintf(stderr,
                "timing: build %.2f s = store and records %.2f s (of which "
                "tokenizing %.1f MB: %.2f s, %.1f MB/s) + layout %.2f s + "
                "write %.2f s\n",
                t->read_s + t->layout_s + t->write_s, t->read_s, mb,
                t->tokenize_s, t->tokenize_s > 0 ? mb / t->tokenize_s : 0,
                t->layout_s, t->write_s);
    }
    if (timing && in.changed) {
        const struct index_timing *t = &in.timing;
        fprintf(stderr,
                "timing: update %.2f s (%zu records) = store and records "
                "%.2f s + layout %.2f s + write %.2f s\n",
                t->read_s + t->layout_s + t->write_s, in.changed, t->read_s,
                t->layout_s, t->write_s);
    }
    app_close(a);
    return 0;
}
