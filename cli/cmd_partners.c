/*
 * cmd_partners.c - `kgmatch partners`: partner institutions for a demand or
 * for all open demands of an enterprise (app_partners), each with its best
 * experts and items and the path that explains it, as a table, CSV or JSON.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct out {
    const struct cli *cli;
    enum cli_format fmt;
    struct cli_table *t;
    json_t *arr;
    struct kg_buf paths;    /* the table's path lines, printed after it */
    struct kg_buf contacts; /* and its contact lines, when there are any */
    bool closed_too;
};

static void join(struct kg_buf *buf, const struct app_item *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kg_buf_printf(buf, "%s%s %s (%.2f%s)", i ? "; " : "", r[i].id,
                      r[i].label, r[i].score,
                      r[i].accepted ? ", accepted" : "");
}

static bool has_contacts(const struct app_contacts *c)
{
    return *c->email || *c->phone || *c->url;
}

/* Outside text as a terminal shows it safely (cli_visible). */
static void add_visible(struct kg_buf *b, const char *s)
{
    char *v = cli_visible(s);
    kg_buf_adds(b, v);
    free(v);
}

/* "email X, phone Y, web Z", the ones there are. */
static void put_contacts(struct kg_buf *b, const struct app_contacts *c)
{
    const char *what[] = {"email ", "phone ", "web "};
    const char *v[] = {c->email, c->phone, c->url};
    const char *sep = "";
    for (size_t k = 0; k < 3; k++)
        if (*v[k]) {
            kg_buf_printf(b, "%s%s", sep, what[k]);
            add_visible(b, v[k]);
            sep = ", ";
        }
}

/* The contact lines of partner h: the institution's, then its experts'. */
static void add_contacts(struct kg_buf *b, const struct app_hit *h)
{
    const struct app_partner *p = h->partner;
    bool any = has_contacts(&p->contacts);
    for (size_t i = 0; i < p->npeople; i++)
        any = any || has_contacts(&p->people[i].contacts);
    if (!any)
        return;
    kg_buf_printf(b, "%3zu. ", h->rank);
    add_visible(b, h->id);
    kg_buf_addc(b, ' ');
    add_visible(b, h->label);
    if (has_contacts(&p->contacts)) {
        kg_buf_adds(b, ": ");
        put_contacts(b, &p->contacts);
    }
    kg_buf_addc(b, '\n');
    for (size_t i = 0; i < p->npeople; i++)
        if (has_contacts(&p->people[i].contacts)) {
            kg_buf_adds(b, "     ");
            add_visible(b, p->people[i].id);
            kg_buf_addc(b, ' ');
            add_visible(b, p->people[i].label);
            kg_buf_adds(b, ": ");
            put_contacts(b, &p->people[i].contacts);
            kg_buf_addc(b, '\n');
        }
}

/* Each expert's contacts, "; " between: "E01 a@b +86 1 http://x". */
static void expert_contacts(struct kg_buf *b, const struct app_partner *p)
{
    for (size_t i = 0; i < p->npeople; i++) {
        const struct app_contacts *c = &p->people[i].contacts;
        if (!has_contacts(c))
            continue;
        kg_buf_printf(b, "%s%s", b->len ? "; " : "", p->people[i].id);
        const char *v[] = {c->email, c->phone, c->url};
        for (size_t k = 0; k < 3; k++)
            if (*v[k])
                kg_buf_printf(b, " %s", v[k]);
    }
}

static void add_path(struct kg_buf *b, const struct app_hit *h)
{
    kg_buf_printf(b, "%3zu. ", h->rank);
    for (size_t i = 0; i < h->npath; i++) {
        const struct app_step *s = &h->path[i];
        bool by_id = strcmp(s->kind, "demand") == 0 ||
                     strcmp(s->kind, "achievement") == 0 ||
                     strcmp(s->kind, "patent") == 0;
        kg_buf_printf(b, "%s%s %s", i ? " → " : "", s->kind,
                      by_id ? s->id : s->label);
    }
    kg_buf_addc(b, '\n');
}

static void on_begin(void *ctx, const struct app_group *g)
{
    struct out *o = ctx;
    if (g->kind == KG_ENTERPRISE && g->ndemands == 0)
        cli_error(o->cli, "%s has no %sdemands", g->id,
                  o->closed_too ? "" : "open ");
    if (o->fmt == CLI_CSV) {
        puts("institution_id,institution,score,demand_id,experts,items,"
             "email,phone,url,expert_contacts,accepted");
    } else if (o->fmt == CLI_TABLE) {
        static const char *const head[] = {"#",     "id",      "institution",
                                           "score", "experts", "items"};
        o->t = cli_table_new(6, head);
        char *id = cli_visible(g->id);
        if (g->kind == KG_ENTERPRISE)
            printf("== partners for enterprise %s (%zu demand%s)\n", id,
                   g->ndemands, g->ndemands == 1 ? "" : "s");
        else
            printf("== partners for demand %s\n", id);
        free(id);
    }
}

static void on_hit(void *ctx, const struct app_group *g,
                   const struct app_hit *h)
{
    struct out *o = ctx;
    const struct app_partner *p = h->partner;
    (void)g;
    if (o->arr) {
        json_array_append_new(o->arr, cli_partner_json(h));
        return;
    }
    struct kg_buf eb, ib, cb;
    kg_buf_init(&eb);
    kg_buf_init(&ib);
    kg_buf_init(&cb);
    join(&eb, p->people, p->npeople);
    join(&ib, p->items, p->nitems);
    char score[32], tscore[48], n[24];
    snprintf(score, sizeof score, "%.4f", h->score);
    snprintf(tscore, sizeof tscore, "%s%s", score,
             h->accepted ? ", accepted" : "");
    snprintf(n, sizeof n, "%zu", h->rank);
    if (o->fmt == CLI_CSV) {
        expert_contacts(&cb, p);
        const char *row[] = {h->id,
                             h->label,
                             score,
                             p->demand,
                             eb.len ? eb.data : "",
                             ib.len ? ib.data : "",
                             p->contacts.email,
                             p->contacts.phone,
                             p->contacts.url,
                             cb.len ? cb.data : "",
                             h->accepted ? "1" : "0"};
        cli_csv_row(stdout, row, 11);
    } else {
        const char *row[] = {n,
                             h->id,
                             h->label,
                             tscore,
                             eb.len ? eb.data : "",
                             ib.len ? ib.data : ""};
        cli_table_add(o->t, row);
        add_path(&o->paths, h);
        add_contacts(&o->contacts, h);
    }
    kg_buf_release(&eb);
    kg_buf_release(&ib);
    kg_buf_release(&cb);
}

static void on_end(void *ctx, const struct app_group *g)
{
    struct out *o = ctx;
    (void)g;
    if (o->t) {
        cli_table_print(o->t, stdout, 60);
        fputs(o->paths.len ? o->paths.data : "", stdout);
        if (o->contacts.len)
            printf("contacts:\n%s", o->contacts.data);
    }
}

int cmd_partners(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"demand", required_argument, NULL, 'd'},
        {"enterprise", required_argument, NULL, 'E'},
        {"include-closed", no_argument, NULL, 'C'},
        {"top", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    enum cli_format fmt = CLI_TABLE;
    struct app_partner_opts po = {.top = 10};
    const char *config = NULL;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:E:Cn:f:c:", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            po.demand = optarg;
            break;
        case 'E':
            po.enterprise = optarg;
            break;
        case 'C':
            po.closed_too = true;
            break;
        case 'n':
            if ((rc = cli_parse_top(cli, optarg, &po.top)) != 0)
                return rc;
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
    if ((po.demand != NULL) == (po.enterprise != NULL))
        return cli_usage(cli, "give --demand ID or --enterprise NAME|ID");
    if (po.enterprise &&
        (rc = cli_check_utf8(cli, "--enterprise", po.enterprise)) != 0)
        return rc;
    struct app_session *a;
    rc = cli_session(cli, APP_READ, config, &a);
    if (rc)
        return rc;
    struct out o = {.cli = cli,
                    .fmt = fmt,
                    .closed_too = po.closed_too,
                    .arr = fmt == CLI_JSON ? json_array() : NULL};
    kg_buf_init(&o.paths);
    kg_buf_init(&o.contacts);
    struct app_sink sink = {
        .begin = on_begin, .hit = on_hit, .end = on_end, .ctx = &o};
    kg_status st = app_partners(a, &po, &sink);
    if (st != KG_OK) {
        rc = cli_app_fail(cli, a, st);
    } else if (o.arr) {
        json_t *root = json_pack("{s:O}", "partners", o.arr);
        cli_print_json(root);
        json_decref(root);
    }
    json_decref(o.arr);
    cli_table_free(o.t);
    kg_buf_release(&o.paths);
    kg_buf_release(&o.contacts);
    app_close(a);
    return rc;
}
