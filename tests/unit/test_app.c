/*
 * test_app.c - the use-case layer on the demo records: a session serves
 * many requests alike, sinks see start, then begin / hit / end per group,
 * failures leave their message on the session, and import reports bad
 * lines through its callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/app.h"
#include "tests/unit/fixture.h"

struct fx {
    char dir[64];
    char path[128];
    struct app_session *a;
};

/* What a sink saw, as text: "S" for start, "B:ID(N)" for begin with its
 * hit count, "h" for each hit (checked as it comes), "E" for end. */
struct seen {
    struct kg_buf ev;
    size_t hits;
    char first[64]; /* the first hit's id */
    double sum;     /* of every hit's score */
};

static void on_start(void *ctx)
{
    struct seen *s = ctx;
    kg_buf_adds(&s->ev, "S ");
}

static void on_begin(void *ctx, const struct app_group *g)
{
    struct seen *s = ctx;
    kg_buf_printf(&s->ev, "B:%s(%zu) ", g->id ? g->id : "text", g->nhits);
}

static void on_hit(void *ctx, const struct app_group *g,
                   const struct app_hit *h)
{
    struct seen *s = ctx;
    assert_true(h->rank >= 1 && h->rank <= g->nhits);
    assert_non_null(h->id);
    assert_non_null(h->label);
    assert_true(h->score > 0 && h->score <= 1.0 + 1e-9);
    if (s->hits++ == 0)
        snprintf(s->first, sizeof s->first, "%s", h->id);
    s->sum += h->score;
}

static void on_end(void *ctx, const struct app_group *g)
{
    struct seen *s = ctx;
    (void)g;
    kg_buf_adds(&s->ev, "E ");
}

static struct app_sink sink_of(struct seen *s)
{
    memset(s, 0, sizeof *s);
    kg_buf_init(&s->ev);
    return (struct app_sink){on_start, on_begin, on_hit, on_end, s};
}

static const char *events(struct seen *s)
{
    return s->ev.len ? s->ev.data : "";
}

static int setup(void **state)
{
    struct fx *f = kg_xcalloc(1, sizeof *f);
    if (fx_dir(f->dir, sizeof f->dir, "kgmatch", f->path, sizeof f->path,
               "t.db") != 0)
        return -1;
    struct app_opts o = {.db_path = f->path, .mode = APP_CREATE};
    if (app_open(&o, &f->a) != KG_OK)
        return -1;
    static const char *const kinds[] = {"institution", "enterprise", "expert",
                                        "achievement", "patent",     "demand"};
    for (size_t i = 0; i < 6; i++) {
        char path[128];
        struct app_import_opts io = {0};
        struct app_import_stats st;
        snprintf(path, sizeof path, "datasets/demo/%ss.jsonl", kinds[i]);
        if (record_kind_parse(kinds[i], &io.kind) != KG_OK ||
            app_import(f->a, path, &io, &st) != KG_OK || st.bad)
            return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    app_close(f->a);
    if (fx_rmdir(f->dir) != 0)
        return -1;
    free(f);
    return 0;
}

static void a_missing_database_fails_with_its_message(void **state)
{
    (void)state;
    struct app_session *a;
    struct app_opts o = {.db_path = "/nonexistent/x.db"};
    assert_int_not_equal(app_open(&o, &a), KG_OK);
    assert_non_null(a);
    assert_non_null(strstr(app_last_error(a), "no database at /nonexistent"));
    app_close(a);
}

static void sinks_see_start_then_each_demand_in_order(void **state)
{
    struct fx *f = *state;
    struct seen s;
    struct app_sink k = sink_of(&s);
    const char *ids[] = {"D02", "D01"};
    struct app_match_opts mo = {.top = 3};
    assert_int_equal(app_match_demands(f->a, ids, 2, &mo, &k), KG_OK);
    assert_int_equal(strncmp(events(&s), "S B:D02(", 8), 0);
    assert_non_null(strstr(events(&s), " E B:D01("));
    assert_true(s.ev.len >= 2);
    assert_int_equal(strcmp(s.ev.data + s.ev.len - 2, "E "), 0);
    assert_true(s.hits > 0);
    kg_buf_release(&s.ev);
}

static void a_session_answers_the_same_request_alike(void **state)
{
    struct fx *f = *state;
    struct seen a, b;
    struct app_sink ka = sink_of(&a), kb = sink_of(&b);
    const char *ids[] = {"D08"};
    struct app_match_opts mo = {.top = 5, .explain = true};
    assert_int_equal(app_match_demands(f->a, ids, 1, &mo, &ka), KG_OK);
    assert_int_equal(app_match_demands(f->a, ids, 1, &mo, &kb), KG_OK);
    assert_string_equal(events(&a), events(&b));
    assert_string_equal(a.first, b.first);
    assert_int_equal(a.hits, b.hits);
    assert_true(a.sum == b.sum);
    kg_buf_release(&a.ev);
    kg_buf_release(&b.ev);
}

static void a_passed_deadline_stops_matching_until_it_is_lifted(void **state)
{
    struct fx *f = *state;
    struct seen a, b, c;
    struct app_sink ka = sink_of(&a), kb = sink_of(&b), kc = sink_of(&c);
    const char *ids[] = {"D02", "D01", "D08"};
    struct app_match_opts mo = {.top = 4, .explain = true};
    /* Without a deadline three demands run as a batch; with a far one, in
     * turn on the session's matcher: the same answers. */
    assert_int_equal(app_match_demands(f->a, ids, 3, &mo, &ka), KG_OK);
    app_set_deadline(f->a, kg_monotonic() + 3600);
    assert_int_equal(app_match_demands(f->a, ids, 3, &mo, &kb), KG_OK);
    assert_string_equal(events(&a), events(&b));
    assert_true(a.sum == b.sum);
    app_set_deadline(f->a, kg_monotonic() - 1);
    assert_int_equal(app_match_demands(f->a, ids, 3, &mo, &kc), KG_ETIMEOUT);
    assert_non_null(strstr(app_last_error(f->a), "stopped at the deadline"));
    assert_int_equal(app_match_text(f->a, "laser welding", &mo, &kc),
                     KG_ETIMEOUT);
    struct app_partner_opts po = {.demand = "D01", .top = 3};
    assert_int_equal(app_partners(f->a, &po, &kc), KG_ETIMEOUT);
    assert_int_equal(c.hits, 0);
    app_set_deadline(f->a, 0);
    kg_buf_release(&c.ev);
    kc = sink_of(&c);
    assert_int_equal(app_match_demands(f->a, ids, 3, &mo, &kc), KG_OK);
    assert_string_equal(events(&a), events(&c));
    kg_buf_release(&a.ev);
    kg_buf_release(&b.ev);
    kg_buf_release(&c.ev);
}

static void an_unknown_demand_sends_nothing_and_says_so(void **state)
{
    struct fx *f = *state;
    struct seen s;
    struct app_sink k = sink_of(&s);
    const char *ids[] = {"D01", "D99"};
    struct app_match_opts mo = {.top = 3};
    assert_int_equal(app_match_demands(f->a, ids, 2, &mo, &k), KG_ENOTFOUND);
    assert_string_equal(events(&s), "");
    char want[256];
    snprintf(want, sizeof want, "no demand 'D99' in %s", f->path);
    assert_string_equal(app_last_error(f->a), want);
    kg_buf_release(&s.ev);
}

static void text_comes_as_one_group_without_an_id(void **state)
{
    struct fx *f = *state;
    struct seen s;
    struct app_sink k = sink_of(&s);
    struct app_match_opts mo = {.top = 2};
    assert_int_equal(app_match_text(f->a, "aluminium welding", &mo, &k), KG_OK);
    assert_int_equal(strncmp(events(&s), "S B:text(", 9), 0);
    kg_buf_release(&s.ev);
}

static void an_ambiguous_enterprise_lists_the_candidates(void **state)
{
    struct fx *f = *state;
    char *id = (char *)"x";
    assert_int_equal(app_find_enterprise(f->a, "邹平", &id), KG_EINPUT);
    assert_null(id);
    assert_non_null(strstr(app_last_error(f->a),
                           "matches 3 enterprises; give one of these ids:\n"
                           "  C02  "));
    assert_int_equal(app_find_enterprise(f->a, "C03", &id), KG_OK);
    assert_string_equal(id, "C03");
    free(id);
    assert_int_equal(app_find_enterprise(f->a, "不存在", &id), KG_ENOTFOUND);
}

static void query_matches_each_open_demand_of_the_enterprise(void **state)
{
    struct fx *f = *state;
    struct kg_strlist ids = {NULL, 0};
    assert_int_equal(app_enterprise_demands(f->a, "C03", true, &ids), KG_OK);
    assert_true(ids.n > 0);
    struct seen s;
    struct app_sink k = sink_of(&s);
    struct app_match_opts mo = {.top = 1};
    char *id;
    size_t nd;
    assert_int_equal(app_query(f->a, "C03", true, &mo, &k, &id, &nd), KG_OK);
    assert_string_equal(id, "C03");
    assert_int_equal(nd, ids.n);
    char want[32];
    snprintf(want, sizeof want, "S B:%s(", ids.v[0]);
    assert_int_equal(strncmp(events(&s), want, strlen(want)), 0);
    free(id);
    strlist_release(&ids);
    kg_buf_release(&s.ev);
}

static struct app_partner first_partner;
static size_t partner_hits;

static void on_partner(void *ctx, const struct app_group *g,
                       const struct app_hit *h)
{
    (void)ctx;
    assert_int_equal(g->kind, KG_DEMAND);
    assert_int_equal(h->kind, KG_INSTITUTION);
    assert_non_null(h->partner);
    assert_string_equal(h->partner->demand, "D08");
    assert_true(h->partner->npeople <= APP_PARTNER_PEOPLE);
    if (partner_hits++ == 0)
        first_partner = *h->partner;
}

static void partners_come_with_their_people_and_items(void **state)
{
    struct fx *f = *state;
    struct app_partner_opts po = {.demand = "D08", .top = 2};
    struct app_sink k = {.hit = on_partner};
    partner_hits = 0;
    assert_int_equal(app_partners(f->a, &po, &k), KG_OK);
    assert_in_range(partner_hits, 1, 2); /* calibrated: weak ones drop */
    assert_true(first_partner.npeople + first_partner.nitems > 0);
}

static void eval_leaves_the_gold_as_it_was(void **state)
{
    struct fx *f = *state;
    struct app_gold *gold;
    char err[256];
    assert_int_equal(
        app_gold_read("datasets/demo/gold.tsv", &gold, err, sizeof err), KG_OK);
    struct app_eval_result a, b, p;
    assert_int_equal(app_eval(f->a, gold, 0, &a), KG_OK);
    assert_int_equal(app_eval(f->a, gold, KG_KIND_BIT(KG_PATENT), &p), KG_OK);
    assert_int_equal(app_eval(f->a, gold, 0, &b), KG_OK);
    assert_true(a.map > 0 && a.map <= 1 && a.ndcg10 > 0);
    assert_true(a.map == b.map && a.ndcg10 == b.ndcg10);
    assert_int_equal(a.pairs, b.pairs);
    assert_true(p.pairs < a.pairs && p.left_out > a.left_out);
    app_gold_free(gold);
    assert_int_equal(app_gold_read("/nonexistent.tsv", &gold, err, sizeof err),
                     KG_ENOTFOUND);
    assert_null(gold);
}

static size_t bad_seen, bad_line_no;

static void on_bad(const char *name, size_t line, const char *reason, void *ctx)
{
    (void)name;
    (void)reason;
    (void)ctx;
    bad_seen++;
    bad_line_no = line;
}

static void import_reports_bad_lines_through_its_callback(void **state)
{
    struct fx *f = *state;
    char path[160];
    snprintf(path, sizeof path, "%s/bad.jsonl", f->dir);
    FILE *o = fopen(path, "w");
    assert_non_null(o);
    fputs("{\"id\": \"X1\", \"name\": \"ok\"}\n{\"id\": 5\n", o);
    fclose(o);
    struct app_import_opts io = {.kind = KG_INSTITUTION, .bad_line = on_bad};
    struct app_import_stats st;
    bad_seen = 0;
    assert_int_equal(app_import(f->a, path, &io, &st), KG_EINPUT);
    assert_int_equal(bad_seen, 1);
    assert_int_equal(bad_line_no, 2);
    assert_int_equal(st.bad, 1);
    assert_int_equal(app_import(f->a, "/nonexistent.jsonl", &io, &st),
                     KG_ENOTFOUND);
    assert_non_null(strstr(app_last_error(f->a), "/nonexistent.jsonl: "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_missing_database_fails_with_its_message),
        cmocka_unit_test(sinks_see_start_then_each_demand_in_order),
        cmocka_unit_test(a_session_answers_the_same_request_alike),
        cmocka_unit_test(a_passed_deadline_stops_matching_until_it_is_lifted),
        cmocka_unit_test(an_unknown_demand_sends_nothing_and_says_so),
        cmocka_unit_test(text_comes_as_one_group_without_an_id),
        cmocka_unit_test(an_ambiguous_enterprise_lists_the_candidates),
        cmocka_unit_test(query_matches_each_open_demand_of_the_enterprise),
        cmocka_unit_test(partners_come_with_their_people_and_items),
        cmocka_unit_test(eval_leaves_the_gold_as_it_was),
        cmocka_unit_test(import_reports_bad_lines_through_its_callback),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
