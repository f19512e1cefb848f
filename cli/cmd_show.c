/*
 * cmd_show.c - `kgmatch show KIND ID`: one record, its bookkeeping (source,
 * first and last seen), the domains it is placed in and from what, its
 * links in both directions and the provenance of each field (the source
 * that last gave it and when).
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

/* Prints "  NAME  VALUE" with the value made safe for a terminal. */
static void print_field(const char *name, const char *value)
{
    char *v = cli_visible(value);
    printf("  %-12s %s\n", name, v);
    free(v);
}

static void print_table(const struct kg_record *r,
                        const struct store_info *info)
{
    char *id = cli_visible(r->id);
    printf("%s %s%s\n", record_kind_name(r->kind), id,
           info->stub ? " (stub: named by another record, not imported)" : "");
    free(id);
    struct kg_record *rw = (struct kg_record *)r;
    struct kg_buf b;
    kg_buf_init(&b);
    for (const struct record_field *f = record_fields(); f->name; f++) {
        if (!(f->kinds & KG_KIND_BIT(r->kind)) || strcmp(f->name, "id") == 0)
            continue;
        if (f->type == RECORD_STR && *record_str(rw, f)) {
            print_field(f->name, *record_str(rw, f));
        } else if (f->type == RECORD_LIST && record_list(rw, f)->n) {
            const struct kg_strlist *l = record_list(rw, f);
            kg_buf_reset(&b);
            for (size_t i = 0; i < l->n; i++) {
                kg_buf_adds(&b, i ? "; " : "");
                kg_buf_adds(&b, l->v[i]);
            }
            print_field(f->name, b.data);
        } else if (f->type == RECORD_INT && *record_int(rw, f)) {
            printf("  %-12s %d\n", f->name, *record_int(rw, f));
        }
    }
    kg_buf_reset(&b);
    struct app_domain d[APP_DOMAINS];
    size_t nd = app_record_domains(r, d);
    /* a guess is the whole placement's: said once, after the domains */
    bool guessed = nd > 0 && !strcmp(d[0].from, "text");
    for (size_t i = 0; i < nd; i++) {
        kg_buf_printf(&b, "%s%s %s", i ? ", " : "", d[i].key, d[i].zh);
        if (!guessed)
            kg_buf_printf(&b, " (%s %s)", d[i].from, d[i].evidence);
    }
    if (guessed)
        kg_buf_adds(&b, " (guessed from text)");
    if (nd == 0)
        kg_buf_adds(&b, r->kind == KG_EXPERT || r->kind == KG_INSTITUTION
                            ? "none of its own (matching places it by the "
                              "items it stands behind)"
                            : "none (no field, IPC code or telling words)");
    print_field("domains", b.data);
    kg_buf_reset(&b);
    kg_buf_printf(&b, "%s (first seen %s, last seen %s)", info->source,
                  info->first_seen, info->last_seen);
    print_field("source", b.data);
    kg_buf_release(&b);
}

/* The record's domains as an array of {key, zh, from, evidence}. */
static json_t *domains_json(const struct kg_record *r)
{
    struct app_domain d[APP_DOMAINS];
    size_t n = app_record_domains(r, d);
    json_t *v = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            v, json_pack("{s:s, s:s, s:s, s:s}", "key", d[i].key, "zh", d[i].zh,
                         "from", d[i].from, "evidence", d[i].evidence));
    return v;
}

/*
 * The provenance of r's fields from info's JSON, as an object in the order
 * of record_fields(): {"FIELD": {"source": S, "at": T}} (new reference).
 * Fields without an entry (set before provenance was kept) are left out.
 */
static json_t *provenance(const struct kg_record *r,
                          const struct store_info *info)
{
    json_t *all =
        json_loads(info->provenance ? info->provenance : "{}", 0, NULL);
    json_t *o = json_object();
    for (const struct record_field *f = record_fields(); f->name; f++) {
        json_t *e = json_object_get(all, f->name);
        if ((f->kinds & KG_KIND_BIT(r->kind)) && json_is_object(e))
            json_object_set(o, f->name, e);
    }
    json_decref(all);
    return o;
}

/* "provenance:" then one line per (source, time), naming its fields in
 * record order; nothing when no field has an entry (stubs, old records). */
static void print_provenance(json_t *prov)
{
    size_t n = json_object_size(prov);
    if (n == 0)
        return;
    puts("provenance:");
    bool *done = kg_xcalloc(n, sizeof *done);
    const char *name;
    json_t *e;
    size_t i = 0;
    json_object_foreach (prov, name, e) {
        const char *src = json_string_value(json_object_get(e, "source"));
        const char *at = json_string_value(json_object_get(e, "at"));
        if (done[i++])
            continue;
        struct kg_buf b;
        kg_buf_init(&b);
        kg_buf_printf(&b, "%s at %s:", src ? src : "?", at ? at : "?");
        const char *name2;
        json_t *e2;
        size_t j = 0, k = 0;
        json_object_foreach (prov, name2, e2) {
            const char *s2 = json_string_value(json_object_get(e2, "source"));
            const char *a2 = json_string_value(json_object_get(e2, "at"));
            if (j >= i - 1 && !done[j] &&
                strcmp(s2 ? s2 : "", src ? src : "") == 0 &&
                strcmp(a2 ? a2 : "", at ? at : "") == 0) {
                done[j] = true;
                kg_buf_printf(&b, "%s %s", k++ ? "," : "", name2);
            }
            j++;
        }
        char *v = cli_visible(b.data);
        printf("  %s\n", v);
        free(v);
        kg_buf_release(&b);
    }
    free(done);
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
        json_t *o = json_pack(
            "{s:s, s:s, s:b, s:s, s:s, s:s, s:o, s:o, s:O, s:o}", "kind",
            record_kind_name(kind), "id", id, "stub", info.stub, "source",
            info.source, "first_seen", info.first_seen, "last_seen",
            info.last_seen, "record", rec, "domains", domains_json(&r), "links",
            ls.json, "provenance", provenance(&r, &info));
        cli_print_json(o);
        json_decref(o);
    } else {
        print_table(&r, &info);
        json_t *prov = provenance(&r, &info);
        print_provenance(prov);
        json_decref(prov);
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
