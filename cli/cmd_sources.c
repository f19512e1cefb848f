/*
 * cmd_sources.c - `kgmatch sources add|list|remove|load`: the partner
 * sources that `kgmatch ingest` harvests, with their last run.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ingest/source.h"

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
    struct source src;
    source_init(&src);
    bool replace = false, have_kind = false;
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
        have_kind |= c == 'k';
        if (source_set(&src, key, optarg, NULL, err, sizeof err) != KG_OK)
            rc = cli_usage(cli, "--%s: %s", key, err);
    }
    if (rc == 0 && optind + 1 != argc)
        rc = cli_usage(cli, "sources add takes one NAME");
    if (rc == 0) {
        src.name = kg_xstrdup(argv[optind]);
        if (src.type == SOURCE_USPTO && !have_kind)
            src.kind = KG_PATENT;
        if (!src.type)
            rc = cli_usage(cli, "--type is required");
        else if (!src.url)
            rc = cli_usage(cli, "--url is required");
    }
    if (rc == 0) {
        kg_status st = source_check(&src, err, sizeof err);
        if (st != KG_OK) {
            cli_error(cli, "%s", err);
            rc = kg_exit_code(st);
        }
    }
    struct store *s = NULL;
    if (rc == 0)
        rc = cli_open_store(cli, 0, &s);
    if (rc == 0) {
        struct source old;
        kg_status st = source_load(s, src.name, &old);
        if (st == KG_OK) {
            source_release(&old);
            if (!replace) {
                cli_error(cli,
                          "source '%s' exists (remove it first, or add "
                          "--replace)",
                          src.name);
                rc = 1;
            }
        } else if (st != KG_ENOTFOUND) {
            rc = cli_store_fail(cli, s, st, "cannot read the sources");
        }
    }
    if (rc == 0) {
        kg_status st = source_save(s, &src);
        if (st != KG_OK)
            rc = cli_store_fail(cli, s, st, "cannot save the source");
        else
            printf("%s: %s %s\n", src.name, source_type_name(src.type),
                   src.url);
    }
    store_close(s);
    source_release(&src);
    return rc;
}

static int sources_load(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage(cli, "sources load takes one FILE");
    struct source *v = NULL;
    size_t n = 0;
    char err[512];
    kg_status st = source_conf_load(argv[1], &v, &n, err, sizeof err);
    if (st != KG_OK) {
        cli_error(cli, "%s", err);
        return kg_exit_code(st);
    }
    struct store *s;
    int rc = cli_open_store(cli, 0, &s);
    if (rc) {
        source_list_free(v, n);
        return rc;
    }
    st = store_begin(s);
    for (size_t i = 0; st == KG_OK && i < n; i++) {
        /* A source whose type or URL changed starts its state afresh. */
        struct source old;
        kg_status ost = source_load(s, v[i].name, &old);
        if (ost == KG_OK) {
            bool moved = old.type != v[i].type ||
                         strcmp(old.url ? old.url : "", v[i].url) != 0;
            source_release(&old);
            if (moved)
                st = source_remove(s, v[i].name);
        }
        if (st == KG_OK)
            st = source_save(s, &v[i]);
    }
    if (st == KG_OK)
        st = store_commit(s);
    else
        store_rollback(s);
    if (st != KG_OK) {
        rc = cli_store_fail(cli, s, st, "cannot save the sources");
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%s: %s %s\n", v[i].name, source_type_name(v[i].type),
                   v[i].url);
    }
    store_close(s);
    source_list_free(v, n);
    return rc;
}

static int sources_remove(struct cli *cli, int argc, char **argv)
{
    if (argc != 2)
        return cli_usage(cli, "sources remove takes one NAME");
    struct store *s;
    int rc = cli_open_store(cli, 0, &s);
    if (rc)
        return rc;
    kg_status st = source_remove(s, argv[1]);
    if (st == KG_ENOTFOUND) {
        cli_error(cli, "no source named '%s'", argv[1]);
        rc = 1;
    } else if (st != KG_OK) {
        rc = cli_store_fail(cli, s, st, "cannot remove the source");
    } else {
        printf("removed %s (its records stay)\n", argv[1]);
    }
    store_close(s);
    return rc;
}

static char *num(long long v)
{
    return kg_xasprintf("%lld", v);
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
    struct store *s;
    int rc = cli_open_store(cli, STORE_READONLY, &s);
    if (rc)
        return rc;
    struct source *v = NULL;
    size_t n = 0;
    kg_status st = source_list(s, &v, &n);
    if (st != KG_OK) {
        rc = cli_store_fail(cli, s, st, "cannot read the sources");
        store_close(s);
        return rc;
    }
    static const char *const heads[] = {
        "name",  "type",    "url",     "last_run", "status",
        "added", "updated", "deleted", "error",
    };
    struct cli_table *t = fmt == CLI_TABLE ? cli_table_new(9, heads) : NULL;
    json_t *arr = fmt == CLI_JSON ? json_array() : NULL;
    if (fmt == CLI_CSV)
        cli_csv_row(stdout, heads, 9);
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct source_state ss;
        st = source_state_load(s, v[i].name, &ss);
        if (st != KG_OK) {
            rc = cli_store_fail(cli, s, st, "cannot read the sources");
            break;
        }
        char *a = num(ss.added), *u = num(ss.updated), *d = num(ss.deleted);
        const char *cells[9] = {
            v[i].name,
            source_type_name(v[i].type),
            v[i].url,
            ss.last_run ? ss.last_run : "never",
            ss.status ? ss.status : "-",
            a,
            u,
            d,
            ss.error ? ss.error : "",
        };
        if (t) {
            cli_table_add(t, cells);
        } else if (arr) {
            char *dj = source_to_json(&v[i]);
            char *sj = source_state_to_json(&ss);
            json_t *o = json_loads(dj, 0, NULL);
            json_t *state = json_loads(sj, 0, NULL);
            json_object_set_new(o, "state", state);
            json_array_append_new(arr, o);
            free(dj);
            free(sj);
        } else {
            cli_csv_row(stdout, cells, 9);
        }
        free(a);
        free(u);
        free(d);
        source_state_release(&ss);
    }
    if (t) {
        cli_table_print(t, stdout, 48);
        cli_table_free(t);
    }
    if (arr) {
        cli_print_json(arr);
        json_decref(arr);
    }
    source_list_free(v, n);
    store_close(s);
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
