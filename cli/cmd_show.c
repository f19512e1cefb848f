/*
 * cmd_show.c - `kgmatch show KIND ID`: one record, its bookkeeping (source,
 * first and last seen) and its links in both directions.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h> /* optind */

#include "cli/cli.h"

struct links {
    const kg_kind *kind;
    const char *id;
    json_t *json;          /* JSON output */
    struct cli_table *tab; /* table output */
};

static bool collect_link(const struct store_link *l, void *ctx)
{
    struct links *ls = ctx;
    bool out = l->src_kind == *ls->kind && strcmp(l->src_id, ls->id) == 0;
    kg_kind k = out ? l->dst_kind : l->src_kind;
    const char *id = out ? l->dst_id : l->src_id;
    const char *label = out ? l->dst_label : l->src_label;
    const char *rel = store_rel_name(l->rel);
    if (ls->json) {
        json_array_append_new(
            ls->json, json_pack("{s:s, s:s, s:s, s:s, s:s}", "rel", rel,
                                "direction", out ? "out" : "in", "kind",
                                record_kind_name(k), "id", id, "label", label));
    } else {
        const char *row[] = {rel, out ? "->" : "<-", record_kind_name(k), id,
                             label};
        cli_table_add(ls->tab, row);
    }
    return true;
}

static void print_table(const struct kg_record *r,
                        const struct store_info *info)
{
    printf("%s %s%s\n", record_kind_name(r->kind), r->id,
           info->stub ? " (stub: named by another record, not imported)" : "");
    struct kg_record *rw = (struct kg_record *)r;
    for (const struct record_field *f = record_fields(); f->name; f++) {
        if (!(f->kinds & KG_KIND_BIT(r->kind)) || strcmp(f->name, "id") == 0)
            continue;
        if (f->type == RECORD_STR && *record_str(rw, f)) {
            printf("  %-12s %s\n", f->name, *record_str(rw, f));
        } else if (f->type == RECORD_LIST && record_list(rw, f)->n) {
            const struct kg_strlist *l = record_list(rw, f);
            printf("  %-12s ", f->name);
            for (size_t i = 0; i < l->n; i++)
                printf("%s%s", i ? "; " : "", l->v[i]);
            putchar('\n');
        } else if (f->type == RECORD_INT && *record_int(rw, f)) {
            printf("  %-12s %d\n", f->name, *record_int(rw, f));
        }
    }
    printf("  %-12s %s (first seen %s, last seen %s)\n", "source", info->source,
           info->first_seen, info->last_seen);
}

int cmd_show(struct cli *cli, int argc, char **argv)
{
    enum cli_format fmt = CLI_TABLE;
    int rc = cli_format_options(cli, argc, argv, &fmt);
    if (rc)
        return rc;
    if (fmt == CLI_CSV)
        return cli_usage(cli, "show prints table or json");
    if (argc - optind != 2)
        return cli_usage(cli, "expected KIND and ID");
    kg_kind kind;
    if (record_kind_parse(argv[optind], &kind) != KG_OK)
        return cli_usage(cli, "unknown kind '%s'", argv[optind]);
    const char *id = argv[optind + 1];

    struct app_session *a;
    rc = cli_session(cli, APP_READ, NULL, &a);
    if (rc)
        return rc;
    struct kg_record r;
    struct store_info info = {0};
    record_init(&r, kind);
    struct links ls = {.kind = &kind, .id = id};
    if (fmt == CLI_JSON) {
        ls.json = json_array();
    } else {
        static const char *const head[] = {"relation", "", "kind", "id",
                                           "label"};
        ls.tab = cli_table_new(5, head);
    }
    kg_status st = app_show(a, kind, id, &r, &info, collect_link, &ls);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, a, st);
    } else if (fmt == CLI_JSON) {
        char *body = record_to_json(&r);
        json_t *rec = json_loads(body, 0, NULL);
        free(body);
        json_t *o = json_pack("{s:s, s:s, s:b, s:s, s:s, s:s, s:o, s:O}",
                              "kind", record_kind_name(kind), "id", id, "stub",
                              info.stub, "source", info.source, "first_seen",
                              info.first_seen, "last_seen", info.last_seen,
                              "record", rec, "links", ls.json);
        cli_print_json(o);
        json_decref(o);
    } else {
        print_table(&r, &info);
        if (ls.tab) {
            puts("links:");
            cli_table_print(ls.tab, stdout, 60);
        }
    }
    json_decref(ls.json);
    cli_table_free(ls.tab);
    record_release(&r);
    store_info_release(&info);
    app_close(a);
    return rc;
}
