/*
 * test_parse_patent.c - USPTO XML to patent records (grants v4.0 and v4.5,
 * an application, undeclared DTD entities, non-patent documents) and the
 * bulk splitter over plain, gzip, file and oversize input.
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

#include <zlib.h>

#include "ingest/parse_patent.h"

#define FIX "tests/fixtures/ingest/uspto/"

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

static kg_status parse_file(const char *name, struct kg_record *r,
                            bool *is_patent, char *root, char *err)
{
    char path[256];
    snprintf(path, sizeof path, FIX "%s", name);
    size_t len;
    char *b = slurp(path, &len);
    record_init(r, KG_PATENT);
    kg_status st = parse_patent_doc(b, len, r, is_patent, root, 64, err, 256);
    free(b);
    return st;
}

static bool has(const struct kg_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return true;
    return false;
}

static void reads_a_v45_grant(void **state)
{
    (void)state;
    struct kg_record r;
    bool isp;
    char root[64], err[256];
    assert_int_equal(parse_file("US08930553.xml", &r, &isp, root, err), KG_OK);
    assert_true(isp);
    assert_string_equal(r.id, "US8930553B2");
    assert_string_equal(r.date, "2015-01-06");
    assert_string_equal(r.title, "Managing mid-dialog session initiation "
                                 "protocol (SIP) messages");
    assert_int_equal(r.ipc.n, 1);
    assert_string_equal(r.ipc.v[0], "G06F 15/16");
    assert_int_equal(r.applicants.n, 1);
    assert_string_equal(r.applicants.v[0],
                        "International Business Machines Corporation");
    assert_int_equal(r.inventors.n, 3);
    assert_string_equal(r.inventors.v[0], "Nitzan Nissim");
    assert_int_equal(r.cites.n, 16);
    assert_string_equal(r.cites.v[0], "US7844851B2");
    assert_string_equal(r.cites.v[3], "US20070140112A1");
    assert_true(strncmp(r.abstract, "Processing mid-dialog SIP messages", 34) ==
                0);
    assert_true(strncmp(r.claims, "1. A system for processing mid-dialog SIP",
                        41) == 0);
    assert_non_null(strstr(r.claims, "\n2. The system according to claim 1"));
    record_release(&r);
}

static void reads_a_v40_grant_with_ipc7_and_applicant_inventors(void **state)
{
    (void)state;
    struct kg_record r;
    bool isp;
    char root[64], err[256];
    assert_int_equal(parse_file("US06859910.xml", &r, &isp, root, err), KG_OK);
    assert_string_equal(r.id, "US6859910B2");
    assert_int_equal(r.ipc.n, 4);
    assert_string_equal(r.ipc.v[0], "G06F 15/00");
    assert_string_equal(r.ipc.v[3], "G06F 17/24");
    assert_int_equal(r.inventors.n, 1);
    assert_string_equal(r.inventors.v[0], "John Charles Croy");
    /* The attorney is neither applicant nor inventor. */
    assert_int_equal(r.applicants.n, 1);
    assert_string_equal(r.applicants.v[0], "Bluestreak.com");
    assert_true(r.cites.n >= 8);
    record_release(&r);
}

static void reads_an_application(void **state)
{
    (void)state;
    struct kg_record r;
    bool isp;
    char root[64], err[256];
    assert_int_equal(parse_file("US20050004437A1.xml", &r, &isp, root, err),
                     KG_OK);
    assert_true(isp);
    assert_string_equal(r.id, "US20050004437A1");
    assert_string_equal(r.date, "2005-01-06");
    assert_string_equal(r.ipc.v[0], "A61B 5/00");
    assert_int_equal(r.inventors.n, 2);
    assert_string_equal(r.inventors.v[1], "Thomas Vering");
    record_release(&r);
}

static void spells_entities_of_the_absent_dtd(void **state)
{
    (void)state;
    struct kg_record r;
    bool isp;
    char root[64], err[256];
    assert_int_equal(parse_file("entities-grant.xml", &r, &isp, root, err),
                     KG_OK);
    assert_string_equal(r.id, "US9999001B1");
    assert_string_equal(r.title, "Wafer bonding at 25° C. with [graphene] "
                                 "interlayers — method");
    assert_string_equal(r.abstract, "A method bonds wafers [1] at low "
                                    "temperature using a graphene interlayer "
                                    "±5 nm thick.");
    assert_non_null(strstr(r.claims, "bonding at <100° C."));
    /* Duplicates dropped, parts kept. */
    assert_int_equal(r.ipc.n, 2);
    assert_string_equal(r.ipc.v[0], "H01L 21/02");
    assert_string_equal(r.ipc.v[1], "G06N 3/08");
    assert_int_equal(r.applicants.n, 2);
    assert_true(has(&r.applicants, "Shandong University"));
    assert_true(has(&r.applicants, "Fang Wang"));
    assert_int_equal(r.inventors.n, 2);
    assert_int_equal(r.cites.n, 2);
    assert_string_equal(r.cites.v[1], "CN102345678A");
    record_release(&r);
}

static void skips_documents_that_are_not_patents(void **state)
{
    (void)state;
    struct kg_record r;
    bool isp = true;
    char root[64], err[256];
    assert_int_equal(parse_file("sequence-listing.xml", &r, &isp, root, err),
                     KG_OK);
    assert_false(isp);
    assert_string_equal(root, "sequence-cwu");
    assert_null(r.id);
    record_release(&r);
    /* The older ST.32 format: entities of its DTD, a PATDOC root. */
    assert_int_equal(parse_file("USD435854S1.xml", &r, &isp, root, err), KG_OK);
    assert_false(isp);
    assert_string_equal(root, "PATDOC");
    record_release(&r);
}

static void reports_a_broken_document(void **state)
{
    (void)state;
    const char *doc = "<?xml version=\"1.0\"?>\n<us-patent-grant>\n"
                      "<us-bibliographic-data-grant>\n</us-patent-grant>\n";
    struct kg_record r;
    record_init(&r, KG_PATENT);
    bool isp;
    char root[64], err[256];
    assert_int_equal(parse_patent_doc(doc, strlen(doc), &r, &isp, root,
                                      sizeof root, err, sizeof err),
                     KG_EINPUT);
    assert_non_null(strstr(err, "line 4, column"));
    const char *nonum = "<us-patent-grant><us-bibliographic-data-grant/>"
                        "</us-patent-grant>";
    record_init(&r, KG_PATENT);
    assert_int_equal(parse_patent_doc(nonum, strlen(nonum), &r, &isp, root,
                                      sizeof root, err, sizeof err),
                     KG_EINPUT);
    assert_string_equal(err, "us-patent-grant without a publication number");
}

static void normalizes_numbers_and_ipc(void **state)
{
    (void)state;
    char *s = parse_patent_number("US", "08930553", "B2");
    assert_string_equal(s, "US8930553B2");
    free(s);
    s = parse_patent_number("us", "2007/0140112", "a1");
    assert_string_equal(s, "US20070140112A1");
    free(s);
    s = parse_patent_number("US", "D0435854", "S1");
    assert_string_equal(s, "USD435854S1");
    free(s);
    s = parse_patent_number("US", "RE041234", NULL);
    assert_string_equal(s, "USRE41234");
    free(s);
    s = parse_patent_number(NULL, "5,123,456", "A");
    assert_string_equal(s, "5123456A");
    free(s);
    s = parse_patent_ipc("H", "01", "L", "21", "02");
    assert_string_equal(s, "H01L 21/02");
    free(s);
    s = parse_patent_ipc("G", "06", "F", "015", "1");
    assert_string_equal(s, "G06F 15/01");
    free(s);
    assert_null(parse_patent_ipc("Z", "01", "L", "21", "02"));
    assert_null(parse_patent_ipc("H", "1", "L", "21", "02"));
    s = parse_patent_ipc7("G06F015/00");
    assert_string_equal(s, "G06F 15/00");
    free(s);
    s = parse_patent_ipc7(" H01L  21/027 ");
    assert_string_equal(s, "H01L 21/027");
    free(s);
    assert_null(parse_patent_ipc7("709228"));
}

/* A bulk stream: three patents around a sequence listing. */
static char *make_bulk(size_t *len)
{
    const char *names[] = {"US08930553.xml", "sequence-listing.xml",
                           "US20050004437A1.xml", "entities-grant.xml"};
    struct kg_buf b;
    kg_buf_init(&b);
    for (int i = 0; i < 4; i++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s", names[i]);
        size_t n;
        char *d = slurp(path, &n);
        kg_buf_add(&b, d, n);
        if (n && d[n - 1] != '\n')
            kg_buf_addc(&b, '\n');
        free(d);
    }
    *len = b.len;
    return kg_buf_detach(&b);
}

static void count_docs(struct patent_split *sp, int *patents, int *others,
                       int *limited)
{
    *patents = *others = *limited = 0;
    for (;;) {
        const char *doc;
        size_t len;
        unsigned long long off;
        char err[256];
        kg_status st = patent_split_next(sp, &doc, &len, &off, err, sizeof err);
        if (st == KG_ELIMIT) {
            (*limited)++;
            continue;
        }
        assert_int_equal(st, KG_OK);
        if (!doc)
            break;
        assert_true(strncmp(doc, "<?xml", 5) == 0);
        struct kg_record r;
        record_init(&r, KG_PATENT);
        bool isp;
        char root[64];
        assert_int_equal(parse_patent_doc(doc, len, &r, &isp, root, sizeof root,
                                          err, sizeof err),
                         KG_OK);
        if (isp)
            (*patents)++;
        else
            (*others)++;
        record_release(&r);
    }
}

static void splits_a_bulk_stream_in_memory(void **state)
{
    (void)state;
    size_t len;
    char *bulk = make_bulk(&len);
    struct patent_split *sp = patent_split_open_memory(bulk, len, 0);
    int p, o, l;
    count_docs(sp, &p, &o, &l);
    assert_int_equal(p, 3);
    assert_int_equal(o, 1);
    assert_int_equal(l, 0);
    patent_split_free(sp);
    free(bulk);
}

static void splits_a_gzip_bulk_stream(void **state)
{
    (void)state;
    size_t len;
    char *bulk = make_bulk(&len);
    uLongf zlen = compressBound(len) + 64;
    unsigned char *z = malloc(zlen);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(
        deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)bulk;
    zs.avail_in = (uInt)len;
    zs.next_out = z;
    zs.avail_out = (uInt)zlen;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t glen = zs.total_out;
    deflateEnd(&zs);
    struct patent_split *sp = patent_split_open_memory((char *)z, glen, 0);
    int p, o, l;
    count_docs(sp, &p, &o, &l);
    assert_int_equal(p, 3);
    assert_int_equal(o, 1);
    patent_split_free(sp);

    /* The same through a .gz file. */
    char path[] = "/tmp/kg-test-bulk-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, z, glen), (ssize_t)glen);
    close(fd);
    sp = patent_split_open_file(path, 0);
    assert_non_null(sp);
    count_docs(sp, &p, &o, &l);
    assert_int_equal(p, 3);
    assert_int_equal(o, 1);
    patent_split_free(sp);
    unlink(path);

    /* Cut short: the end of the stream is an error, not silence. */
    sp = patent_split_open_memory((char *)z, glen / 2, 0);
    kg_status st = KG_OK;
    for (int i = 0; i < 10 && st == KG_OK; i++) {
        const char *doc;
        size_t n;
        unsigned long long off;
        char err[256];
        st = patent_split_next(sp, &doc, &n, &off, err, sizeof err);
        if (st == KG_OK && !doc)
            break;
    }
    assert_int_equal(st, KG_EIO);
    patent_split_free(sp);
    free(z);
    free(bulk);
}

static void skips_a_document_over_the_limit(void **state)
{
    (void)state;
    size_t len;
    char *bulk = make_bulk(&len);
    /* 30000 bytes: the 40 KB grant is over, the others are under. */
    struct patent_split *sp = patent_split_open_memory(bulk, len, 30000);
    int p, o, l;
    count_docs(sp, &p, &o, &l);
    assert_int_equal(l, 1);
    assert_int_equal(p, 2);
    assert_int_equal(o, 1);
    patent_split_free(sp);
    free(bulk);
}

static void reports_offsets_of_documents(void **state)
{
    (void)state;
    const char *s = "<?xml version=\"1.0\"?>\n<a/>\n<?xml version=\"1.0\"?>\n"
                    "<b/>\n  \n";
    struct patent_split *sp = patent_split_open_memory(s, strlen(s), 0);
    const char *doc;
    size_t n;
    unsigned long long off;
    char err[64];
    assert_int_equal(patent_split_next(sp, &doc, &n, &off, err, sizeof err),
                     KG_OK);
    assert_int_equal(off, 0);
    assert_int_equal(n, 27);
    assert_int_equal(patent_split_next(sp, &doc, &n, &off, err, sizeof err),
                     KG_OK);
    assert_int_equal(off, 27);
    assert_int_equal(patent_split_next(sp, &doc, &n, &off, err, sizeof err),
                     KG_OK);
    assert_null(doc);
    patent_split_free(sp);
    assert_null(patent_split_open_file("/nonexistent/x.xml", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_a_v45_grant),
        cmocka_unit_test(reads_a_v40_grant_with_ipc7_and_applicant_inventors),
        cmocka_unit_test(reads_an_application),
        cmocka_unit_test(spells_entities_of_the_absent_dtd),
        cmocka_unit_test(skips_documents_that_are_not_patents),
        cmocka_unit_test(reports_a_broken_document),
        cmocka_unit_test(normalizes_numbers_and_ipc),
        cmocka_unit_test(splits_a_bulk_stream_in_memory),
        cmocka_unit_test(splits_a_gzip_bulk_stream),
        cmocka_unit_test(skips_a_document_over_the_limit),
        cmocka_unit_test(reports_offsets_of_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
