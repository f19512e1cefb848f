/*
 * cmd_stubs.c - `kgmatch stubs`: the stub records with the record each
 * likely duplicates (app_stubs), as a table, CSV or JSON, each with the
 * `kgmatch merge` command that joins the pair (none for a name taken as
 * an institution and as an enterprise: merge joins one kind).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct stubs_out {
    enum cli_format fmt;
    struct cli_table *t;
    json_t *pairs;
    struct kg_buf merges; /* the table's merge commands, one a line */
    struct kg_buf kinds;  /* the table's pairs across kinds, one a line */
    size_t n[KG_KIND_COUNT];
};

/* s quoted for a POSIX shell when it needs it (caller frees). */
static char *shell_word(const char *s)
{
    bool plain = *s != '\0';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x80 && !strchr("abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/-",
                                 *p))
            plain = false;
    struct kg_buf b;
    kg_buf_init(&b);
    if (plain) {
        kg_buf_printf(&b, "%s", s);
        return kg_buf_detach(&b);
    }
    kg_buf_addc(&b, '\'');
    for (const char *p = s; *p; p++)
        if (*p == '\'')
            kg_buf_printf(&b, "'\\''");
        else
            kg_buf_addc(&b, *p);
    kg_buf_addc(&b, '\'');
    return kg_buf_detach(&b);
}

static void stub_row(void *ctx, const struct app_stub_pair *p)
{
    struct stubs_out *o = ctx;
    const char *kind = record_kind_name(p->kind);
    const char *ckind = record_kind_name(p->cand_kind);
    char *merge = NULL, *cand = NULL;
    if (p->keep) {
        char *keep = shell_word(p->keep), *gone = shell_word(p->gone);
        merge = kg_xasprintf("kgmatch merge %s %s %s", kind, keep, gone);
        free(keep);
        free(gone);
        cand = kg_xstrdup(p->cand_id);
    } else {
        cand = kg_xasprintf("%s %s", ckind, p->cand_id);
    }
    char score[16], shared[16], through[16], num[16];
    snprintf(score, sizeof score, "%.2f", p->score);
    snprintf(shared, sizeof shared, "%zu", p->shared);
    snprintf(through, sizeof through, "%zu", p->through);
    snprintf(num, sizeof num, "%zu", ++o->n[p->kind]);
    if (o->fmt == CLI_JSON) {
        json_array_append_new(
            o->pairs,
            json_pack("{s:s, s:{s:s, s:s}, s:{s:s, s:s, s:s, s:b}, s:f, s:f, "
                      "s:I, s:I, s:s, s:s?}",
                      "kind", kind, "stub", "id", p->stub_id, "name",
                      p->stub_name, "candidate", "kind", ckind, "id",
                      p->cand_id, "name", p->cand_name, "stub", p->cand_stub,
                      "score", p->score, "name_score", p->name_score,
                      "shared_links", (json_int_t)p->shared, "through_links",
                      (json_int_t)p->through, "why", p->why, "merge", merge));
    } else if (o->fmt == CLI_CSV) {
        const char *row[] = {kind,       p->stub_id,   p->stub_name,
                             p->cand_id, p->cand_name, p->cand_stub ? "1" : "0",
                             score,      shared,       through,
                             p->why,     ckind,        merge ? merge : ""};
        cli_csv_row(stdout, row, 12);
    } else {
        const char *row[] = {num, kind, p->stub_id, "→", cand, score, p->why};
        cli_table_add(o->t, row);
        if (merge) {
            char *line = cli_visible(merge);
            kg_buf_printf(&o->merges, "  %s\n", line);
            free(line);
        } else {
            char *a = cli_visible(p->stub_id), *b = cli_visible(p->cand_id);
            kg_buf_printf(&o->kinds, "  %s %s and %s %s\n", kind, a, ckind, b);
            free(a);
            free(b);
        }
    }
    free(merge);
    free(cand);
}

int cmd_stubs(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"min-score", required_argument, NULL, 'm'},
        {NULL, 0, NULL, 0},
    };
    struct stubs_out o = {.fmt = CLI_TABLE};
    double min_score = 0.8;
    int c, rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:m:", longopts, NULL)) != -1) {
        if (c == 'f')
            rc = cli_parse_format(cli, optarg, &o.fmt);
        else if (c == 'm')
            rc = cli_parse_min_score(cli, optarg, &min_score);
        else
            rc = cli_usage(cli, "bad option");
        if (rc)
            return rc;
    }
    if (optind < argc)
        return cli_usage(cli, "unexpected argument '%s'", argv[optind]);
    struct app_session *a;
    rc = cli_session(cli, APP_READ, NULL, &a);
    if (rc)
        return rc;
    static const char *const head[] = {"#",         "kind",  "stub", "",
                                       "candidate", "score", "why"};
    kg_buf_init(&o.merges);
    kg_buf_init(&o.kinds);
    if (o.fmt == CLI_TABLE)
        o.t = cli_table_new(7, head);
    else if (o.fmt == CLI_JSON)
        o.pairs = json_array();
    else
        puts("kind,stub_id,stub_name,candidate_id,candidate_name,"
             "candidate_stub,score,shared_links,through_links,why,"
             "candidate_kind,merge");
    kg_status st = app_stubs(a, min_score, stub_row, &o);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, a, st);
    } else if (o.fmt == CLI_JSON) {
        json_t *doc = json_pack("{s:O}", "pairs", o.pairs);
        cli_print_json(doc);
        json_decref(doc);
    } else if (o.fmt == CLI_TABLE && o.merges.len + o.kinds.len == 0) {
        puts("no stub looks like another record");
    } else if (o.fmt == CLI_TABLE) {
        cli_table_print(o.t, stdout, 100);
        if (o.merges.len)
            printf("\nto merge a pair (the first id is kept):\n%s",
                   o.merges.data);
        if (o.kinds.len)
            printf("\none name as two kinds (merge joins records of one "
                   "kind: correct the source):\n%s",
                   o.kinds.data);
    }
    cli_table_free(o.t);
    json_decref(o.pairs);
    kg_buf_release(&o.merges);
    kg_buf_release(&o.kinds);
    app_close(a);
    return rc;
}
