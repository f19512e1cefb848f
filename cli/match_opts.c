/*
 * match_opts.c - what the matcher's subcommands (match, query, partners,
 * eval) parse and print alike: --top, --kind, opening the session, a
 * hit's reason as JSON, and the table, CSV and JSON sinks of match and
 * query.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The session's notices (a cache file rebuilt) go to stderr. */
static void on_notice(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "kgmatch: %s\n", msg);
}

int cli_session(const struct cli *cli, enum app_store_mode mode,
                const char *config, struct app_session **a)
{
    struct app_opts o = {.db_path = cli->db_path,
                         .mode = mode,
                         .config = config,
                         .notice = on_notice};
    kg_status st = app_open(&o, a);
    if (st == KG_OK)
        return 0;
    cli_error(cli, "%s", app_last_error(*a));
    app_close(*a);
    *a = NULL;
    return kg_exit_code(st) ? kg_exit_code(st) : 3;
}

int cli_app_fail(const struct cli *cli, const struct app_session *a,
                 kg_status st)
{
    cli_error(cli, "%s", app_last_error(a));
    return kg_exit_code(st);
}

int cli_parse_int(const struct cli *cli, const char *opt, const char *s,
                  long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    /* strtoll skips spaces and takes a sign; "-0" or " 5" are no numbers */
    bool ok = *s && !isspace((unsigned char)*s) && end != s && !*end &&
              errno == 0 && n >= min && n <= max && !(min >= 0 && *s == '-');
    if (!ok)
        return cli_usage(cli, "--%s needs a number from %lld to %lld", opt, min,
                         max);
    *out = n;
    return 0;
}

int cli_parse_real(const struct cli *cli, const char *opt, const char *s,
                   double min, double max, double *out)
{
    if (!kg_parse_real(s, min, max, out))
        return cli_usage(cli, "--%s needs a number from %g to %g", opt, min,
                         max);
    return 0;
}

int cli_parse_min_score(const struct cli *cli, const char *s, double *out)
{
    return cli_parse_real(cli, "min-score", s, 0, 1, out);
}

int cli_parse_top(const struct cli *cli, const char *s, size_t *top)
{
    long long n = 0;
    int rc = cli_parse_int(cli, "top", s, 0, 1000000, &n);
    if (rc == 0)
        *top = (size_t)n;
    return rc;
}

int cli_check_utf8(const struct cli *cli, const char *what, const char *s)
{
    size_t n = strlen(s), ok = kg_utf8_valid_prefix(s, n);
    if (ok == n)
        return 0;
    cli_error(cli,
              "%s is not valid UTF-8 (byte %zu is 0x%02x); convert it first, "
              "e.g. with iconv -f GBK -t UTF-8",
              what, ok + 1, (unsigned char)s[ok]);
    return 1;
}

int cli_match_kinds(const struct cli *cli, const char *s, unsigned *kinds)
{
    size_t at, len;
    if (app_match_kinds(s, kinds, &at, &len) == KG_OK)
        return 0;
    return cli_usage(cli, "unknown kind '%.*s' (" APP_MATCH_KINDS_NAMES ")",
                     (int)len, s + at);
}

json_t *cli_match_reason_json(const struct app_hit *h)
{
    json_t *parts = json_pack("{s:f, s:f, s:f}", "text", h->text, "graph",
                              h->graph, "fit", h->fit);
    json_t *ev = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "evidence",
                           h->evidence, "coverage", h->coverage, "cosine",
                           h->cosine, "breadth", h->breadth, "need_breadth",
                           h->need_breadth, "need_length", h->need_length);
    json_t *concepts = json_array();
    for (size_t i = 0; i < h->nconcepts; i++)
        json_array_append_new(concepts, json_string(h->concepts[i]));
    json_t *path = json_array();
    for (size_t i = 0; i < h->npath; i++)
        json_array_append_new(
            path, json_pack("{s:s, s:s, s:s}", "kind", h->path[i].kind, "id",
                            h->path[i].id, "label", h->path[i].label));
    return json_pack("{s:o, s:o, s:o, s:o}", "parts", parts, "evidence", ev,
                     "concepts", concepts, "path", path);
}

/* Adds email, phone and url to o ("" when the record has none). */
static void contacts_json(json_t *o, const struct app_contacts *c)
{
    json_object_set_new(o, "email", json_string(c->email));
    json_object_set_new(o, "phone", json_string(c->phone));
    json_object_set_new(o, "url", json_string(c->url));
}

/* Experts (with their contacts) or items (with their kind). */
static json_t *items_json(const struct app_item *r, size_t n, bool kind)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o =
            json_pack("{s:s, s:s, s:f}", "id", r[i].id, kind ? "title" : "name",
                      r[i].label, "score", r[i].score);
        if (kind)
            json_object_set_new(o, "kind",
                                json_string(record_kind_name(r[i].kind)));
        else
            contacts_json(o, &r[i].contacts);
        if (r[i].accepted) /* a broker accepted the pair */
            json_object_set_new(o, "accepted", json_true());
        json_array_append_new(a, o);
    }
    return a;
}

json_t *cli_partner_json(const struct app_hit *h)
{
    const struct app_partner *p = h->partner;
    json_t *o = json_pack("{s:s, s:s, s:f, s:s}", "id", h->id, "name", h->label,
                          "score", h->score, "demand", p->demand);
    if (h->accepted)
        json_object_set_new(o, "accepted", json_true());
    contacts_json(o, &p->contacts);
    json_object_set_new(o, "experts", items_json(p->people, p->npeople, false));
    json_object_set_new(o, "items", items_json(p->items, p->nitems, true));
    json_object_set_new(o, "reason", cli_match_reason_json(h));
    return o;
}

/* ---- the sinks of match and query --------------------------------------- */

static void print_path(const struct app_hit *h)
{
    for (size_t i = 0; i < h->npath; i++) {
        const struct app_step *s = &h->path[i];
        fputs(i ? " → " : "", stdout);
        if (strcmp(s->kind, "text") == 0) {
            putchar('"');
            cli_put_visible(stdout, s->label);
            putchar('"');
        } else if (strcmp(s->kind, "concept") == 0) {
            fputs("concept ", stdout);
            cli_put_visible(stdout, s->label);
        } else {
            bool item = strcmp(s->kind, "demand") == 0 ||
                        strcmp(s->kind, "achievement") == 0 ||
                        strcmp(s->kind, "patent") == 0;
            printf("%s ", s->kind);
            cli_put_visible(stdout, item ? s->id : s->label);
        }
    }
    putchar('\n');
}

static void csv_start(void *ctx)
{
    (void)ctx;
    puts("demand_id,kind,item_id,score,cross_domain,title");
}

static void csv_hit(void *ctx, const struct app_group *g,
                    const struct app_hit *h)
{
    (void)ctx;
    char score[32];
    snprintf(score, sizeof score, "%.4f", h->score);
    const char *row[] = {g->text ? "text" : g->id,
                         record_kind_name(h->kind),
                         h->id,
                         score,
                         h->cross_domain ? "1" : "0",
                         h->label};
    cli_csv_row(stdout, row, 6);
}

static void json_begin(void *ctx, const struct app_group *g)
{
    struct cli_match_out *o = ctx;
    (void)g;
    o->matches = json_array();
}

static void json_hit(void *ctx, const struct app_group *g,
                     const struct app_hit *h)
{
    struct cli_match_out *o = ctx;
    (void)g;
    json_t *m =
        json_pack("{s:s, s:s, s:s, s:f, s:b}", "kind",
                  record_kind_name(h->kind), "id", h->id, "title", h->label,
                  "score", h->score, "cross_domain", h->cross_domain);
    if (h->accepted) /* a broker accepted the pair */
        json_object_set_new(m, "accepted", json_true());
    json_object_set_new(m, "reason", cli_match_reason_json(h));
    json_array_append_new(o->matches, m);
}

static void json_end(void *ctx, const struct app_group *g)
{
    struct cli_match_out *o = ctx;
    json_t *d =
        g->text ? json_pack("{s:n, s:s, s:o}", "id", "text", g->text, "matches",
                            o->matches)
                : json_pack("{s:s, s:o}", "id", g->id, "matches", o->matches);
    o->matches = NULL;
    json_array_append_new(o->demands, d);
}

static void table_begin(void *ctx, const struct app_group *g)
{
    struct cli_match_out *o = ctx;
    if (g->text) {
        fputs("== text \"", stdout);
        cli_put_visible(stdout, g->text);
        putchar('"');
    } else {
        fputs("== demand ", stdout);
        cli_put_visible(stdout, g->id);
        putchar(' ');
        cli_put_visible(stdout, g->label);
    }
    if (*g->domains)
        printf(" [%s]", g->domains);
    putchar('\n');
    if (g->nhits == 0 && o->cross_min > 0) {
        printf("   no cross-domain pairing (none with both sides' domains on "
               "evidence, far apart, and a score of %.2f or more)\n",
               o->cross_min > o->min_score ? o->cross_min : o->min_score);
        return;
    }
    if (g->nhits == 0) {
        printf("   no good match (nothing scores %.2f or more)\n",
               o->min_score);
        return;
    }
    static const char *const head[] = {"#",     "kind",  "id",
                                       "title", "score", "cross"};
    if (!o->explain)
        o->table = cli_table_new(6, head);
}

static void table_hit(void *ctx, const struct app_group *g,
                      const struct app_hit *h)
{
    struct cli_match_out *o = ctx;
    (void)g;
    if (o->explain) {
        printf("%3zu. %-11s ", h->rank, record_kind_name(h->kind));
        cli_put_visible(stdout, h->id);
        fputs("  ", stdout);
        cli_put_visible(stdout, h->label);
        printf("  %.4f%s%s\n", h->score,
               h->cross_domain ? "  cross-domain" : "",
               h->accepted ? "  accepted" : "");
        printf("     parts: text %.4f + graph %.4f + fit %.4f\n", h->text,
               h->graph, h->fit);
        if (h->nconcepts) {
            printf("     concepts:");
            for (size_t k = 0; k < h->nconcepts; k++) {
                fputs(k ? ", " : " ", stdout);
                cli_put_visible(stdout, h->concepts[k]);
            }
            putchar('\n');
        }
        printf("     path: ");
        print_path(h);
        return;
    }
    char n[24], score[32];
    snprintf(n, sizeof n, "%zu", h->rank);
    snprintf(score, sizeof score, "%.4f", h->score);
    const char *cross = h->cross_domain
                            ? (h->accepted ? "yes, accepted" : "yes")
                        : h->accepted ? "accepted"
                                      : "";
    const char *row[] = {
        n, record_kind_name(h->kind), h->id, h->label, score, cross};
    cli_table_add(o->table, row);
}

static void table_end(void *ctx, const struct app_group *g)
{
    struct cli_match_out *o = ctx;
    (void)g;
    if (o->table) {
        cli_table_print(o->table, stdout, 48);
        cli_table_free(o->table);
        o->table = NULL;
    }
}

void cli_match_out_init(struct cli_match_out *o, enum cli_format fmt,
                        bool explain, bool all, struct app_sink *sink)
{
    memset(o, 0, sizeof *o);
    o->explain = explain;
    o->all = all;
    if (fmt == CLI_CSV)
        *sink = (struct app_sink){.start = csv_start, .hit = csv_hit};
    else if (fmt == CLI_JSON)
        *sink = (struct app_sink){
            .begin = json_begin, .hit = json_hit, .end = json_end};
    else
        *sink = (struct app_sink){
            .begin = table_begin, .hit = table_hit, .end = table_end};
    sink->ctx = o;
    if (fmt == CLI_JSON)
        o->demands = json_array();
}

void cli_match_out_finish(struct cli_match_out *o, bool print)
{
    if (o->demands && print) {
        json_t *root = json_pack("{s:O}", "demands", o->demands);
        cli_print_json(root);
        json_decref(root);
    }
    json_decref(o->demands);
    json_decref(o->matches);
    cli_table_free(o->table);
    memset(o, 0, sizeof *o);
}

/* The scores the table's "no good match" and "no cross-domain pairing"
 * lines name: the config's (from a) unless mo overrides them. */
static void match_out_thresholds(struct cli_match_out *o,
                                 const struct app_session *a,
                                 const struct app_match_opts *mo)
{
    app_match_thresholds(a, &o->min_score, &o->cross_min);
    if (mo->min_score_set)
        o->min_score = mo->min_score;
    if (!mo->cross_only)
        o->cross_min = 0;
}

int cli_match_arg(const struct cli *cli, int c, const char *arg,
                  struct cli_match_args *m)
{
    switch (c) {
    case 'k':
        return cli_match_kinds(cli, arg, &m->mo.kinds);
    case 'n':
        return cli_parse_top(cli, arg, &m->mo.top);
    case 'x':
        m->mo.cross_only = true;
        return 0;
    case 'e':
        m->explain = true;
        return 0;
    case 'f':
        return cli_parse_format(cli, arg, &m->fmt);
    case 'c':
        m->config = arg;
        return 0;
    case 'm':
        m->mo.min_score_set = true;
        return cli_parse_min_score(cli, arg, &m->mo.min_score);
    default:
        return -1;
    }
}

int cli_match_begin(const struct cli *cli, struct cli_match_args *m, bool all,
                    struct app_session **a, struct cli_match_out *o,
                    struct app_sink *sink)
{
    int rc = cli_session(cli, APP_READ, m->config, a);
    if (rc)
        return rc;
    m->mo.explain = m->explain || m->fmt == CLI_JSON;
    cli_match_out_init(o, m->fmt, m->explain, all, sink);
    match_out_thresholds(o, *a, &m->mo);
    return 0;
}
