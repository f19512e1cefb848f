/*
 * test_parse_oai.c - OAI-PMH responses to records: the spec examples and a
 * real DSpace page, Dublin Core in several metadata formats, escaped HTML,
 * deletions, tokens, OAI errors, Identify, and hostile documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/parse_oai.h"

#define FIX "tests/fixtures/ingest/"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

static kg_status parse_file(const char *path, const struct oai_map *map,
                            struct page *p, struct oai_error *oe, char *err)
{
    size_t len;
    char *b = slurp(path, &len);
    page_init(p);
    kg_status st = parse_oai_records(b, len, map, p, oe, err, 256);
    free(b);
    return st;
}

static void reads_records_deletions_and_the_token(void **state)
{
    (void)state;
    struct page p;
    struct oai_error oe;
    char err[256];
    assert_int_equal(parse_file(FIX "oai/ListRecords.xml", NULL, &p, &oe, err),
                     KG_OK);
    assert_null(oe.code);
    assert_int_equal(p.n, 2);
    assert_true(p.items[0].deleted);
    assert_string_equal(p.items[0].rec.id, "oai:test.example.com:1585310");
    const struct kg_record *r = &p.items[1].rec;
    assert_false(p.items[1].deleted);
    assert_int_equal(r->kind, KG_ACHIEVEMENT);
    assert_string_equal(r->id, "oai:test.example.com:1585322");
    assert_string_equal(r->title, "Sample Title");
    /* Four identical creators make one expert. */
    assert_int_equal(r->experts.n, 1);
    assert_string_equal(r->experts.v[0], "John Doe");
    assert_int_equal(r->year, 2010);
    assert_string_equal(r->url, "http://test.example.com/publication/1585322");
    assert_string_equal(r->institution, "Sample Publisher");
    assert_string_equal(r->source, "Sample Source");
    assert_true(strncmp(r->abstract, "Lorem ipsum dolor sit amet, consectetur",
                        39) == 0);
    assert_null(strstr(r->abstract, "\n"));
    assert_string_equal(p.next, "ListRecords2.xml");
    assert_string_equal(p.cursor, "0");
    assert_int_equal(p.total, 8);
    page_release(&p);
}

static void the_last_page_has_no_token(void **state)
{
    (void)state;
    struct page p;
    struct oai_error oe;
    char err[256];
    assert_int_equal(parse_file(FIX "oai/ListRecords4.xml", NULL, &p, &oe, err),
                     KG_OK);
    assert_null(p.next);
    page_release(&p);
}

static void reads_a_real_dspace_page(void **state)
{
    (void)state;
    struct page p;
    struct oai_error oe;
    char err[256];
    assert_int_equal(
        parse_file(FIX "oai/erasmus-ListRecords.xml", NULL, &p, &oe, err),
        KG_OK);
    assert_int_equal(p.n, 16);
    const struct kg_record *r = &p.items[0].rec;
    assert_string_equal(r->id, "hdl:1765/308");
    assert_string_equal(
        r->title,
        "Kijken in het brein: Over de mogelijkheden van neuromarketing");
    assert_string_equal(r->url, "http://hdl.handle.net/1765/308");
    assert_int_equal(r->year, 2003);
    /* The person in dc:contributor is the author, not the institution. */
    assert_int_equal(r->experts.n, 1);
    assert_string_equal(r->experts.v[0], "Smidts, A.");
    assert_null(r->institution);
    assert_true(r->keywords.n >= 10);
    assert_string_equal(r->keywords.v[0], "neuroimaging");
    /* Two descriptions (Dutch and English) make one abstract. */
    assert_non_null(strstr(r->abstract, "\n\nModern neuroimaging"));
    assert_null(p.next);
    page_release(&p);
}

static void finds_dublin_core_in_every_metadata_format(void **state)
{
    (void)state;
    struct page p;
    struct oai_error oe;
    char err[256];
    assert_int_equal(parse_file(FIX "oai/dc-variants.xml", NULL, &p, &oe, err),
                     KG_OK);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.skipped, 1);
    const struct kg_record *q = &p.items[0].rec;
    assert_string_equal(q->title, "基于深度学习的轴承故障诊断 / Bearing "
                                  "fault diagnosis with deep learning");
    assert_int_equal(q->experts.n, 2);
    assert_string_equal(q->experts.v[0], "张伟");
    assert_int_equal(q->keywords.n, 3);
    assert_string_equal(q->keywords.v[0], "故障诊断");
    assert_string_equal(q->keywords.v[1], "deep learning");
    assert_string_equal(q->keywords.v[2], "bearings");
    /* dcterms:issued wins over dc:date. */
    assert_int_equal(q->year, 2023);
    assert_string_equal(q->url, "https://repo.example.edu.cn/handle/1001");
    assert_string_equal(q->institution, "Shandong Univ.");
    /* Escaped HTML becomes plain text, &nbsp; a space. */
    assert_string_equal(q->abstract, "We detect bearing faults from "
                                     "vibration signals. Accuracy 98%.");

    const struct kg_record *w = &p.items[1].rec;
    assert_string_equal(w->title, "Thesis in a wrapper");
    assert_int_equal(w->experts.n, 1);
    assert_string_equal(w->experts.v[0], "Wang, Q.");
    assert_string_equal(w->institution, "Institute of Ocean Technology");
    assert_string_equal(w->abstract, "Escaped twice.");
    assert_int_equal(w->year, 2019);

    assert_true(p.items[2].deleted);
    assert_string_equal(p.items[2].rec.id, "oai:repo.example.edu.cn:0999");
    /* A header without metadata still names a record. */
    assert_false(p.items[3].deleted);
    assert_null(p.items[3].rec.title);
    assert_string_equal(p.next, "qdc/2/1001");
    assert_int_equal(p.total, 12);
    page_release(&p);
}

static void the_given_institution_wins_and_patents_map_too(void **state)
{
    (void)state;
    struct page p;
    struct oai_error oe;
    char err[256];
    struct oai_map m = {.kind = KG_ACHIEVEMENT, .institution = "山东大学"};
    assert_int_equal(parse_file(FIX "oai/dc-variants.xml", &m, &p, &oe, err),
                     KG_OK);
    assert_string_equal(p.items[0].rec.institution, "山东大学");
    page_release(&p);
    m.kind = KG_PATENT;
    assert_int_equal(parse_file(FIX "oai/dc-variants.xml", &m, &p, &oe, err),
                     KG_OK);
    const struct kg_record *r = &p.items[0].rec;
    assert_int_equal(r->kind, KG_PATENT);
    assert_int_equal(r->inventors.n, 2);
    assert_int_equal(r->applicants.n, 1);
    assert_string_equal(r->applicants.v[0], "山东大学");
    assert_string_equal(r->date, "2023-11-02");
    page_release(&p);
}

static void reports_oai_errors_with_code_and_message(void **state)
{
    (void)state;
    struct page p;
    struct oai_error oe;
    char err[256];
    assert_int_equal(
        parse_file(FIX "oai/badResumptionToken.xml", NULL, &p, &oe, err),
        KG_OK);
    assert_string_equal(oe.code, "badResumptionToken");
    assert_string_equal(oe.message, "This resumptionToken is invalid");
    assert_int_equal(p.n, 0);
    oai_error_release(&oe);
    page_release(&p);
    assert_int_equal(
        parse_file(FIX "oai/noRecordsMatch.xml", NULL, &p, &oe, err), KG_OK);
    assert_string_equal(oe.code, "noRecordsMatch");
    assert_string_equal(oe.message, "");
    oai_error_release(&oe);
    page_release(&p);
    assert_int_equal(parse_file(FIX "oai/error-422.xml", NULL, &p, &oe, err),
                     KG_OK);
    assert_string_equal(oe.code, "cannotDisseminateFormat");
    assert_non_null(strstr(oe.message, "'qdc' is not supported"));
    oai_error_release(&oe);
    page_release(&p);
}

static void reports_a_malformed_page_with_line_and_column(void **state)
{
    (void)state;
    struct page p;
    struct oai_error oe;
    char err[256];
    assert_int_equal(
        parse_file(FIX "oai/ListRecordsBroken.xml", NULL, &p, &oe, err),
        KG_EINPUT);
    assert_string_equal(err, "line 1, column 1: Start tag expected, '<' not "
                             "found");
    const char *cut = "<?xml version=\"1.0\"?>\n<OAI-PMH>\n<ListRecords>\n"
                      "<record><header><identifier>x</identifier>";
    page_init(&p);
    assert_int_equal(
        parse_oai_records(cut, strlen(cut), NULL, &p, &oe, err, sizeof err),
        KG_EINPUT);
    assert_non_null(strstr(err, "line 4, column "));
    assert_int_equal(p.n, 0);
    page_release(&p);
}

static void refuses_documents_that_are_not_oai(void **state)
{
    (void)state;
    struct page p;
    struct oai_error oe;
    char err[256];
    assert_int_equal(parse_file(FIX "atom/empty.atom.xml", NULL, &p, &oe, err),
                     KG_EINPUT);
    assert_string_equal(err, "not an OAI-PMH response (root element <feed>)");
    assert_int_equal(parse_file(FIX "oai/Identify.xml", NULL, &p, &oe, err),
                     KG_EINPUT);
    assert_string_equal(err, "OAI-PMH response without ListRecords");
}

static void reads_the_granularity_from_identify(void **state)
{
    (void)state;
    size_t len;
    char err[256];
    struct oai_error oe;
    char *g = NULL;
    char *b = slurp(FIX "oai/Identify.xml", &len);
    assert_int_equal(parse_oai_identify(b, len, &g, &oe, err, sizeof err),
                     KG_OK);
    assert_string_equal(g, "YYYY-MM-DD");
    free(g);
    free(b);
    b = slurp(FIX "oai/erasmus-Identify.xml", &len);
    assert_int_equal(parse_oai_identify(b, len, &g, &oe, err, sizeof err),
                     KG_OK);
    assert_string_equal(g, "YYYY-MM-DDThh:mm:ssZ");
    free(g);
    free(b);
    /* Two concatenated documents (a broken server) are not well-formed. */
    b = slurp(FIX "oai/erasmus-broken-Identify.xml", &len);
    assert_int_equal(parse_oai_identify(b, len, &g, &oe, err, sizeof err),
                     KG_EINPUT);
    assert_null(g);
    free(b);
}

static void refuses_a_billion_laughs(void **state)
{
    (void)state;
    struct page p;
    struct oai_error oe;
    char err[256];
    assert_int_equal(
        parse_file(FIX "hostile-billion-laughs.xml", NULL, &p, &oe, err),
        KG_ELIMIT);
    assert_non_null(strstr(err, "entity"));
    assert_int_equal(p.n, 0);
}

static void refuses_a_quadratic_blowup(void **state)
{
    (void)state;
    size_t big = 200000;
    char *doc = malloc(big * 5 + 1000);
    int n = sprintf(doc, "<?xml version=\"1.0\"?><!DOCTYPE OAI-PMH "
                         "[<!ENTITY a \"");
    memset(doc + n, 'x', 20000);
    n += 20000;
    n += sprintf(doc + n, "\">]><OAI-PMH><ListRecords><record><header>"
                          "<identifier>q</identifier></header><metadata>"
                          "<dc xmlns=\"http://purl.org/dc/elements/1.1/\">"
                          "<title>");
    for (int i = 0; i < 2000; i++)
        n += sprintf(doc + n, "&a;");
    n += sprintf(doc + n, "</title></dc></metadata></record></ListRecords>"
                          "</OAI-PMH>");
    struct page p;
    struct oai_error oe;
    char err[256];
    page_init(&p);
    assert_int_equal(
        parse_oai_records(doc, (size_t)n, NULL, &p, &oe, err, sizeof err),
        KG_ELIMIT);
    assert_non_null(strstr(err, "entity bomb refused"));
    free(doc);
}

static void refuses_a_depth_bomb(void **state)
{
    (void)state;
    struct kg_buf b;
    kg_buf_init(&b);
    kg_buf_adds(&b, "<OAI-PMH><ListRecords>");
    for (int i = 0; i < 1000; i++)
        kg_buf_adds(&b, "<a>");
    struct page p;
    struct oai_error oe;
    char err[256];
    page_init(&p);
    assert_int_equal(
        parse_oai_records(b.data, b.len, NULL, &p, &oe, err, sizeof err),
        KG_ELIMIT);
    assert_non_null(strstr(err, "nested deeper than 256"));
    kg_buf_release(&b);
}

static void never_reads_an_external_entity(void **state)
{
    (void)state;
    char secret[] = "/tmp/kg-test-secret-XXXXXX";
    int fd = mkstemp(secret);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "TOPSECRET\n", 10), 10);
    close(fd);
    size_t len;
    char *tmpl = slurp(FIX "hostile-xxe.xml", &len);
    struct kg_buf b;
    kg_buf_init(&b);
    char *at = strstr(tmpl, "SECRET_PATH");
    kg_buf_add(&b, tmpl, (size_t)(at - tmpl));
    kg_buf_printf(&b, "file://%s", secret);
    kg_buf_adds(&b, at + strlen("SECRET_PATH"));
    struct page p;
    struct oai_error oe;
    char err[256];
    page_init(&p);
    assert_int_equal(
        parse_oai_records(b.data, b.len, NULL, &p, &oe, err, sizeof err),
        KG_OK);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].rec.title, "before after");
    char *json = record_to_json(&p.items[0].rec);
    assert_null(strstr(json, "TOPSECRET"));
    free(json);
    page_release(&p);
    kg_buf_release(&b);
    free(tmpl);
    unlink(secret);
}

static void tells_organisations_from_people(void **state)
{
    (void)state;
    assert_true(parse_oai_is_org("Shandong University"));
    assert_true(parse_oai_is_org("山东大学"));
    assert_true(parse_oai_is_org("Haier Group Co., Ltd."));
    assert_true(parse_oai_is_org("Institute of Ocean Technology"));
    assert_false(parse_oai_is_org("Smidts, A."));
    assert_false(parse_oai_is_org("张伟"));
    assert_false(parse_oai_is_org("Colin Ladd"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_records_deletions_and_the_token),
        cmocka_unit_test(the_last_page_has_no_token),
        cmocka_unit_test(reads_a_real_dspace_page),
        cmocka_unit_test(finds_dublin_core_in_every_metadata_format),
        cmocka_unit_test(the_given_institution_wins_and_patents_map_too),
        cmocka_unit_test(reports_oai_errors_with_code_and_message),
        cmocka_unit_test(reports_a_malformed_page_with_line_and_column),
        cmocka_unit_test(refuses_documents_that_are_not_oai),
        cmocka_unit_test(reads_the_granularity_from_identify),
        cmocka_unit_test(refuses_a_billion_laughs),
        cmocka_unit_test(refuses_a_quadratic_blowup),
        cmocka_unit_test(refuses_a_depth_bomb),
        cmocka_unit_test(never_reads_an_external_entity),
        cmocka_unit_test(tells_organisations_from_people),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
