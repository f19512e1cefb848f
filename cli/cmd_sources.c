/*
 * cmd_sources.c - `kgmatch sources add|list|remove|load`: the partner
 * sources that `kgmatch ingest` harvests, with their last run
 * (app_source_*).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static void print_brief(const struct app_source_brief *b)
{
    printf("%s: %s %s\n", b->name, b->type, b->url);
}

static int sources_add(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"type", required_argument, NULL, 't'},
        {"url", required_argument, NULL, 'u'},
        {"set", required_argument, NULL, 's'},
        {"prefix", required_argument, NULL, 'p'},
        {"rules", required_argument, NULL, 'r'},
        {"kind", required_argument, NULL, 'k'},
        {"institution", required_argument, NULL, 'i'},
        {"page-param", required_argument, NULL, 'P'},
        {"max-pages", required_argument, NULL, 'M'},
        {"timeout", required_argument, NULL, 'T'},
        {"connect-timeout", required_argument, NULL, 'C'},
        {"retries", required_argument, NULL, 'R'},
        {"delay", required_argument, NULL, 'D'},
        {"max-bytes", required_argument, NULL, 'B'},
        {"budget", required_argument, NULL, 'b'},
        {"allow-private", required_argument, NULL, 'a'},
        {"replace", no_argument, NULL, 'x'},
        {NULL, 0, NULL, 0},
    };
    struct app_source_def *d = app_source_def_new();
    bool replace = false;
    char err[512];
    int c, rc = 0;
    optind = 1;
    while (rc == 0 && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c == 'x') {
            replace = true;
            continue;
        }
        if (c == '?' || c == ':') {
            rc = cli_usage(cli, "bad option for sources add");
            break;
        }
        const char *key = NULL;
        for (const struct option *o = longopts; o->name; o++)
            if (o->val == c)
                key = o->name;
        if (app_source_def_set(d, key, optarg, err, sizeof err) != KG_OK)
            rc = cli_usage(cli, "--%s: %s", key, err);
    }
    if (rc == 0 && optind + 1 != argc)
        rc = cli_usage(cli, "sources add takes one NAME");
    if (rc == 0) {
        app_source_def_name(d, argv[optind]);
        const char *missing = app_source_def_missing(d);
        if (missing)
            rc = cli_usage(cli, "%s is required", missing);
    }
    if (rc == 0) {
        kg_status st = app_source_def_check(d, err, sizeof err);
        if (st != KG_OK) {
            cli_error(cli, "%s", err);
            rc = kg_exit_code(st);
        }
    }
    struct app_session *a = NULL;
    if (rc == 0)
        rc = cli_session(cli, APP_WRITE, NULL, &a);
    if (rc == 0) {
        kg_status st = app_source_add(a, d, replace);
        if (st != KG_OK) {
            rc = cli_app_fail(cli, a, st);
        } else {
            struct app_source_brief b;
            app_source_def_brief(d, &b);
            print_brief(&b);
        }
    }
    app_close(a);
    app_source_def_free(d);
    return rc;
}

static int sources_load(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage(cli, "sources load takes one FILE");
    struct app_source_conf *conf;
    char err[512];
    kg_status st = app_source_conf_read(argv[1], &conf, err, sizeof err);
    if (st != KG_OK) {
        cli_error(cli, "%s", err);
        return kg_exit_code(st);
    }
    struct app_session *a;
    int rc = cli_session(cli, APP_WRITE, NULL, &a);
    if (rc == 0) {
        st = app_source_load(a, conf);
        if (st != KG_OK) {
            rc = cli_app_fail(cli, a, st);
        } else {
            for (size_t i = 0; i < app_source_conf_count(conf); i++) {
                struct app_source_brief b;
                app_source_conf_brief(conf, i, &b);
                print_brief(&b);
            }
        }
        app_close(a);
    }
    app_source_conf_free(conf);
    return rc;
}

static int sources_remove(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage(cli, "sources remove takes one NAME");
    struct app_session *a;
    int rc = cli_session(cli, APP_WRITE, NULL, &a);
    if (rc)
        return rc;
    kg_status st = app_source_remove(a, argv[1]);
    if (st != KG_OK)
        rc = cli_app_fail(cli, a, st);
    else
        printf("removed %s (its records stay)\n", argv[1]);
    app_close(a);
    return rc;
}

struct list {
    enum cli_format fmt;
    struct cli_table *t;
    json_t *arr;
};

static void on_warning(void *ctx, const char *w)
{
    (void)ctx;
    fprintf(stderr, "kgmatch: %s\n", w);
}

static void on_row(void *ctx, const struct app_source_row *r)
{
    struct list *l = ctx;
    if (l->arr) {
        json_t *o = json_loads(r->definition_json, 0, NULL);
        json_object_set_new(o, "state", json_loads(r->state_json, 0, NULL));
        json_array_append_new(l->arr, o);
        return;
    }
    char *a = kg_xasprintf("%lld", r->added);
    char *u = kg_xasprintf("%lld", r->updated);
    char *d = kg_xasprintf("%lld", r->deleted);
    const char *cells[9] = {
        r->name,
        r->type,
        r->url,
        r->last_run ? r->last_run : "never",
        r->status ? r->status : "-",
        a,
        u,
        d,
        r->error ? r->error : "",
    };
    if (l->t)
        cli_table_add(l->t, cells);
    else
        cli_csv_row(stdout, cells, 9);
    free(a);
    free(u);
    free(d);
}

static int sources_list(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {NULL, 0, NULL, 0},
    };
    enum cli_format fmt = CLI_TABLE;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c != 'f')
            return cli_usage(cli, "bad option for sources list");
        int rc = cli_parse_format(cli, optarg, &fmt);
        if (rc)
            return rc;
    }
    if (optind != argc)
        return cli_usage(cli, "sources list takes no arguments");
    struct app_session *a;
    int rc = cli_session(cli, APP_READ, NULL, &a);
    if (rc)
        return rc;
    static const char *const heads[] = {
        "name",  "type",    "url",     "last_run", "status",
        "added", "updated", "deleted", "error",
    };
    struct list l = {
        .fmt = fmt,
        .t = fmt == CLI_TABLE ? cli_table_new(9, heads) : NULL,
        .arr = fmt == CLI_JSON ? json_array() : NULL,
    };
    if (fmt == CLI_CSV)
        cli_csv_row(stdout, heads, 9);
    kg_status st = app_source_list(a, on_row, on_warning, &l);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, a, st);
    } else {
        if (l.t)
            cli_table_print(l.t, stdout, 48);
        if (l.arr)
            cli_print_json(l.arr);
    }
    cli_table_free(l.t);
    json_decref(l.arr);
    app_close(a);
    return rc;
}

int cmd_sources(struct cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage(cli, "which action: add, list, remove or load?");
    const char *action = argv[1];
    if (strcmp(action, "add") == 0)
        return sources_add(cli, argc - 1, argv + 1);
    if (strcmp(action, "list") == 0)
        return sources_list(cli, argc - 1, argv + 1);
    if (strcmp(action, "remove") == 0 || strcmp(action, "rm") == 0)
        return sources_remove(cli, argc - 1, argv + 1);
    if (strcmp(action, "load") == 0)
        return sources_load(cli, argc - 1, argv + 1);
    return cli_usage(cli, "unknown action '%s' (add, list, remove, load)",
                     action);
}
