/*
 * cmd_query.c - `kgmatch query --enterprise NAME|ID`: the matches of every
 * open demand of one enterprise (run through `kgmatch match`), and the
 * loose enterprise lookup that query and partners share.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

struct found {
    char *id[16];
    char *label[16];
    size_t n;
    bool more;
};

static void found_add(struct found *f, const char *id, const char *label)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->id[i], id) == 0)
            return;
    if (f->n == 16) {
        f->more = true;
        return;
    }
    f->id[f->n] = kg_xstrdup(id);
    f->label[f->n++] = kg_xstrdup(label);
}

static bool on_name(kg_kind kind, const char *id, const char *label, void *ctx)
{
    (void)kind;
    found_add(ctx, id, label);
    return true;
}

/* Case-insensitive (ASCII) substring test. */
static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return n == 0;
}

struct loose {
    const char *name;
    struct found *f;
};

static bool on_enterprise(const struct kg_record *r, void *ctx)
{
    struct loose *l = ctx;
    if (contains_ci(record_label(r), l->name) || contains_ci(r->id, l->name))
        found_add(l->f, r->id, record_label(r));
    return true;
}

int cli_find_enterprise(const struct cli *cli, struct store *s,
                        const char *name, char **id)
{
    struct found f = {.n = 0};
    int rc = 0;
    *id = NULL;
    kg_status st =
        store_find_name(s, KG_KIND_BIT(KG_ENTERPRISE), name, on_name, &f);
    if (st == KG_OK && f.n == 0 && *name) {
        struct loose l = {name, &f};
        st = store_foreach(
            s, &(struct store_iter_opts){.kinds = KG_KIND_BIT(KG_ENTERPRISE)},
            on_enterprise, &l);
    }
    if (st != KG_OK) {
        rc = cli_store_fail(cli, s, st, "looking up the enterprise");
    } else if (f.n == 0) {
        cli_error(cli, "no enterprise matches '%s'", name);
        rc = 1;
    } else if (f.n > 1) {
        cli_error(cli, "'%s' matches %s%zu enterprises; give one of these ids:",
                  name, f.more ? "more than " : "", f.n);
        for (size_t i = 0; i < f.n; i++)
            fprintf(stderr, "  %s  %s\n", f.id[i], f.label[i]);
        rc = 1;
    } else {
        *id = kg_xstrdup(f.id[0]);
    }
    for (size_t i = 0; i < f.n; i++) {
        free(f.id[i]);
        free(f.label[i]);
    }
    return rc;
}

struct demands {
    char today[11];
    bool closed_too;
    struct kg_strlist ids;
    struct store *s;
    kg_status st;
};

static bool on_posted(const struct store_link *l, void *ctx)
{
    struct demands *d = ctx;
    if (l->rel != STORE_REL_POSTED_BY || l->src_kind != KG_DEMAND)
        return true;
    if (!d->closed_too) {
        struct kg_record r;
        record_init(&r, KG_DEMAND);
        d->st = store_get(d->s, KG_DEMAND, l->src_id, &r);
        bool open = d->st == KG_OK &&
                    (!r.deadline || !*r.deadline ||
                     /* YYYY or YYYY-MM: to its end */
                     strncmp(r.deadline, d->today, strlen(r.deadline)) >= 0);
        record_release(&r);
        if (d->st != KG_OK)
            return false;
        if (!open)
            return true;
    }
    strlist_add(&d->ids, l->src_id);
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_enterprise_demands(const struct cli *cli, struct store *s,
                           const char *id, bool closed_too,
                           struct kg_strlist *ids)
{
    struct demands d = {.closed_too = closed_too, .s = s, .st = KG_OK};
    char now[32];
    kg_now_iso(now); /* honours $KGMATCH_NOW, as every timestamp does */
    snprintf(d.today, sizeof d.today, "%.10s", now);
    kg_kind ek = KG_ENTERPRISE;
    kg_status st = store_foreach_link(s, &ek, id, on_posted, &d);
    if (st == KG_OK)
        st = d.st;
    if (st != KG_OK) {
        strlist_release(&d.ids);
        return cli_store_fail(cli, s, st, "reading the demands");
    }
    qsort(d.ids.v, d.ids.n, sizeof *d.ids.v, cmp_str);
    for (size_t i = 0; i < d.ids.n; i++)
        strlist_add(ids, d.ids.v[i]);
    strlist_release(&d.ids);
    return 0;
}

int cmd_query(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"enterprise", required_argument, NULL, 'E'},
        {"include-closed", no_argument, NULL, 'C'},
        {"kind", required_argument, NULL, 'k'},
        {"top", required_argument, NULL, 'n'},
        {"cross-domain", no_argument, NULL, 'x'},
        {"explain", no_argument, NULL, 'e'},
        {"format", required_argument, NULL, 'f'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *name = NULL;
    enum cli_format fmt = CLI_TABLE;
    struct kg_strlist ids = {NULL, 0};
    bool closed_too = false;
    /* Options for `match`, passed on. */
    char **pass = kg_xcalloc((size_t)argc * 2 + 4, sizeof *pass);
    size_t npass = 0;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "E:Ck:n:xef:c:", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'E':
            name = optarg;
            break;
        case 'C':
            closed_too = true;
            break;
        case 'f':
            rc = cli_parse_format(cli, optarg, &fmt);
            pass[npass++] = (char *)"--format";
            pass[npass++] = optarg;
            break;
        case 'k':
            pass[npass++] = (char *)"--kind";
            pass[npass++] = optarg;
            break;
        case 'n':
            pass[npass++] = (char *)"--top";
            pass[npass++] = optarg;
            break;
        case 'c':
            pass[npass++] = (char *)"--config";
            pass[npass++] = optarg;
            break;
        case 'x':
            pass[npass++] = (char *)"--cross-domain";
            break;
        case 'e':
            pass[npass++] = (char *)"--explain";
            break;
        default:
            rc = cli_usage(cli, "bad option");
        }
        if (rc)
            goto out;
    }
    if (optind < argc) {
        rc = cli_usage(cli, "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (!name) {
        rc = cli_usage(cli, "--enterprise NAME|ID is required");
        goto out;
    }
    struct store *s;
    rc = cli_open_store(cli, STORE_READONLY, &s);
    if (rc)
        goto out;
    char *id = NULL;
    rc = cli_find_enterprise(cli, s, name, &id);
    if (rc == 0)
        rc = cli_enterprise_demands(cli, s, id, closed_too, &ids);
    store_close(s);
    if (rc)
        goto done;
    if (ids.n == 0) {
        cli_error(cli, "%s has no %sdemands", id, closed_too ? "" : "open ");
        if (fmt == CLI_CSV)
            puts("demand_id,kind,item_id,score,cross_domain,title");
        else if (fmt == CLI_JSON)
            puts("{\n  \"demands\": []\n}");
        goto done;
    }
    char **margv = kg_xcalloc(2 * ids.n + npass + 2, sizeof *margv);
    int margc = 0;
    margv[margc++] = (char *)"match";
    for (size_t i = 0; i < ids.n; i++) {
        margv[margc++] = (char *)"--demand";
        margv[margc++] = ids.v[i];
    }
    for (size_t i = 0; i < npass; i++)
        margv[margc++] = pass[i];
    rc = cmd_match(cli, margc, margv);
    free(margv);
done:
    free(id);
    strlist_release(&ids);
out:
    free(pass);
    return rc;
}
