/*
 * test_parse_feed.c - RSS and Atom to records: arXiv's real Atom pages with
 * OpenSearch paging, its error feed and empty result, RSS 2.0 with HTML
 * and rel="next", RSS 1.0, and the page-parameter helper.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/parse_feed.h"

#define FIX "tests/fixtures/ingest/"
#define ARXIV                                                                  \
    "https://export.arxiv.org/api/query?search_query=all:testing&start=0"      \
    "&max_results=10"

static kg_status parse_file(const char *path, const char *url,
                            const struct feed_map *map, struct page *p,
                            char *err)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    page_init(p);
    return parse_feed(buf, n, url, map, p, err, 256);
}

static void reads_arxiv_entries(void **state)
{
    (void)state;
    struct page p;
    char err[256];
    assert_int_equal(
        parse_file(FIX "atom/testing-start0.atom.xml", ARXIV, NULL, &p, err),
        KG_OK);
    assert_int_equal(p.n, 10);
    const struct kg_record *r = &p.items[0].rec;
    assert_int_equal(r->kind, KG_ACHIEVEMENT);
    assert_string_equal(r->id, "http://arxiv.org/abs/2202.12139v1");
    assert_string_equal(r->title, "Testing Deep Learning Models: A First "
                                  "Comparative Study of Multiple Testing "
                                  "Techniques");
    assert_int_equal(r->experts.n, 3);
    assert_string_equal(r->experts.v[0], "Mohit Kumar Ahuja");
    assert_int_equal(r->keywords.n, 2);
    assert_string_equal(r->keywords.v[0], "cs.SE");
    assert_string_equal(r->url, "https://arxiv.org/abs/2202.12139v1");
    assert_int_equal(r->year, 2022);
    assert_true(
        strncmp(r->abstract, "Deep Learning (DL) has revolutionized", 37) == 0);
    page_release(&p);
}

static void pages_with_opensearch_counts(void **state)
{
    (void)state;
    struct page p;
    char err[256];
    assert_int_equal(
        parse_file(FIX "atom/testing-start0.atom.xml", ARXIV, NULL, &p, err),
        KG_OK);
    assert_string_equal(p.next, "https://export.arxiv.org/api/query?"
                                "search_query=all:testing&start=10&"
                                "max_results=10");
    assert_int_equal(p.total, 214881);
    assert_string_equal(p.cursor, "0");
    page_release(&p);
    /* Without the page's URL there is no next page to name. */
    assert_int_equal(
        parse_file(FIX "atom/testing-start0.atom.xml", NULL, NULL, &p, err),
        KG_OK);
    assert_null(p.next);
    page_release(&p);
    struct feed_map m = {.page_param = "offset"};
    assert_int_equal(parse_file(FIX "atom/testing-start10.atom.xml",
                                "https://x.test/q?offset=10", &m, &p, err),
                     KG_OK);
    assert_string_equal(p.next, "https://x.test/q?offset=20");
    page_release(&p);
}

static void an_empty_result_ends_the_paging(void **state)
{
    (void)state;
    struct page p;
    char err[256];
    assert_int_equal(
        parse_file(FIX "atom/empty.atom.xml", ARXIV, NULL, &p, err), KG_OK);
    assert_int_equal(p.n, 0);
    assert_null(p.next);
    assert_int_equal(p.total, 0);
    page_release(&p);
}

static void reports_arxivs_error_feed(void **state)
{
    (void)state;
    struct page p;
    char err[256];
    assert_int_equal(
        parse_file(FIX "atom/error-400.atom.xml", ARXIV, NULL, &p, err),
        KG_EINPUT);
    assert_string_equal(
        err, "the feed reports an error: incorrect id format for abc");
    assert_int_equal(p.n, 0);
}

static void reads_rss_with_html_and_a_next_link(void **state)
{
    (void)state;
    struct page p;
    char err[256];
    struct feed_map m = {.institution = "Tsinghua University"};
    assert_int_equal(parse_file(FIX "rss/news.rss",
                                "https://ttc.example.edu/feed", &m, &p, err),
                     KG_OK);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.skipped, 1);
    const struct kg_record *r = &p.items[0].rec;
    assert_string_equal(r->id, "ttc-41");
    assert_string_equal(r->title, "Low-cost soil moisture sensor");
    assert_string_equal(r->abstract, "A capacitive sensor & a LoRa radio. "
                                     "USD 3");
    assert_int_equal(r->keywords.n, 2);
    assert_int_equal(r->experts.n, 2);
    assert_string_equal(r->experts.v[0], "Zhao Lei");
    assert_string_equal(r->experts.v[1], "孙丽");
    assert_int_equal(r->year, 2024);
    assert_string_equal(r->url, "https://ttc.example.edu/r/41");
    assert_string_equal(r->institution, "Tsinghua University");
    const struct kg_record *s = &p.items[1].rec;
    /* No guid: the (resolved) link is the id. */
    assert_string_equal(s->id, "https://ttc.example.edu/r/42");
    assert_string_equal(s->abstract, "Plain text.");
    assert_int_equal(s->year, 2022);
    assert_string_equal(p.next, "https://ttc.example.edu/feed?page=2");
    page_release(&p);
}

static void reads_rss_1_0(void **state)
{
    (void)state;
    struct page p;
    char err[256];
    assert_int_equal(parse_file(FIX "rss/rdf.rss", NULL, NULL, &p, err), KG_OK);
    assert_int_equal(p.n, 1);
    const struct kg_record *r = &p.items[0].rec;
    assert_string_equal(r->id, "https://lab.example.org/p/7");
    assert_string_equal(r->title, "Catalyst for ammonia synthesis");
    assert_string_equal(r->experts.v[0], "Ma Jun");
    assert_string_equal(r->keywords.v[0], "catalysis");
    assert_int_equal(r->year, 2021);
    assert_null(p.next);
    page_release(&p);
}

static void maps_entries_to_patents_when_asked(void **state)
{
    (void)state;
    struct page p;
    char err[256];
    struct feed_map m = {.kind = KG_PATENT, .institution = "Acme Co., Ltd."};
    assert_int_equal(
        parse_file(FIX "atom/id-1605.08386.atom.xml", NULL, &m, &p, err),
        KG_OK);
    assert_int_equal(p.n, 1);
    const struct kg_record *r = &p.items[0].rec;
    assert_int_equal(r->kind, KG_PATENT);
    assert_true(r->inventors.n >= 1);
    assert_string_equal(r->applicants.v[0], "Acme Co., Ltd.");
    assert_non_null(r->date);
    assert_int_equal(strlen(r->date), 10);
    page_release(&p);
}

static void refuses_what_is_not_a_feed(void **state)
{
    (void)state;
    struct page p;
    char err[256];
    assert_int_equal(parse_file(FIX "oai/Identify.xml", NULL, NULL, &p, err),
                     KG_EINPUT);
    assert_string_equal(err, "not an RSS or Atom feed (root element "
                             "<OAI-PMH>)");
    const char *cut = "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<entry>";
    page_init(&p);
    assert_int_equal(parse_feed(cut, strlen(cut), NULL, NULL, &p, err, 256),
                     KG_EINPUT);
    assert_non_null(strstr(err, "line 2, column"));
}

static void sets_or_appends_a_query_parameter(void **state)
{
    (void)state;
    char *u = parse_feed_set_param("http://a/q?x=1&start=0&y=2", "start", "20");
    assert_string_equal(u, "http://a/q?x=1&start=20&y=2");
    free(u);
    u = parse_feed_set_param("http://a/q?x=1", "start", "5");
    assert_string_equal(u, "http://a/q?x=1&start=5");
    free(u);
    u = parse_feed_set_param("http://a/q#frag", "start", "5");
    assert_string_equal(u, "http://a/q?start=5");
    free(u);
    u = parse_feed_set_param("http://a/q?startx=1", "start", "5");
    assert_string_equal(u, "http://a/q?startx=1&start=5");
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_arxiv_entries),
        cmocka_unit_test(pages_with_opensearch_counts),
        cmocka_unit_test(an_empty_result_ends_the_paging),
        cmocka_unit_test(reports_arxivs_error_feed),
        cmocka_unit_test(reads_rss_with_html_and_a_next_link),
        cmocka_unit_test(reads_rss_1_0),
        cmocka_unit_test(maps_entries_to_patents_when_asked),
        cmocka_unit_test(refuses_what_is_not_a_feed),
        cmocka_unit_test(sets_or_appends_a_query_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
