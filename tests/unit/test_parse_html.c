/*
 * test_parse_html.c - listing pages through XPath rules: the rules file's
 * checks, items and fields, ids from rules or links, the next page, detail
 * pages, and pages in UTF-8, GBK and Big5 (header or meta charset).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/parse_html.h"
#include "ingest/xml.h"

#define FIX "tests/fixtures/ingest/html/"
#define BASE "https://www.example.edu.cn/cg/list.html"

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

static void load_rules(struct html_rules *r)
{
    size_t n;
    char *text = slurp(FIX "listing.rules", &n);
    char err[256];
    assert_int_equal(
        html_rules_parse(text, "listing.rules", r, err, sizeof err), KG_OK);
    free(text);
}

static void parse_listing(const char *name, const char *content_type,
                          const char *institution, struct page *p)
{
    struct html_rules rules;
    load_rules(&rules);
    char path[256];
    snprintf(path, sizeof path, FIX "%s", name);
    size_t n;
    char *page = slurp(path, &n);
    char err[256];
    page_init(p);
    assert_int_equal(parse_html_listing(page, n, BASE, content_type, &rules,
                                        institution, p, err, sizeof err),
                     KG_OK);
    free(page);
    html_rules_release(&rules);
}

static void check_listing(const struct page *p, const char *title0,
                          const char *expert0)
{
    assert_int_equal(p->n, 2);
    assert_int_equal(p->skipped, 1);
    const struct kg_record *r = &p->items[0].rec;
    assert_int_equal(r->kind, KG_ACHIEVEMENT);
    assert_string_equal(r->id, "SDU-2024-001");
    assert_string_equal(r->title, title0);
    assert_string_equal(r->abstract,
                        "A stable perovskite cell with 24% efficiency.");
    assert_int_equal(r->experts.n, 2);
    assert_string_equal(r->experts.v[0], expert0);
    assert_string_equal(r->experts.v[1], "Chen Jie");
    assert_int_equal(r->year, 2023);
    assert_int_equal(r->keywords.n, 2);
    assert_string_equal(r->keywords.v[1], "perovskite");
    assert_string_equal(p->items[0].detail,
                        "https://www.example.edu.cn/cg/detail/001.html");
    const struct kg_record *s = &p->items[1].rec;
    assert_string_equal(s->title, "海水淡化膜 & Desalination membranes");
    /* "未知" has no year: the field stays unset, the item stays. */
    assert_int_equal(s->year, 0);
    assert_string_equal(p->next,
                        "https://www.example.edu.cn/cg/list.html?page=2");
}

static void reads_a_utf8_listing(void **state)
{
    (void)state;
    struct page p;
    parse_listing("listing-utf8.html", "text/html; charset=UTF-8", "山东大学",
                  &p);
    check_listing(&p, "高效钙钛矿太阳能电池 / Efficient perovskite solar cells",
                  "王芳");
    assert_string_equal(p.items[0].rec.institution, "山东大学");
    page_release(&p);
}

static void converts_a_gbk_page_named_by_its_meta(void **state)
{
    (void)state;
    struct page p;
    parse_listing("listing-gbk.html", "text/html", NULL, &p);
    check_listing(&p, "高效钙钛矿太阳能电池 / Efficient perovskite solar cells",
                  "王芳");
    assert_null(p.items[0].rec.institution);
    page_release(&p);
}

static void converts_a_big5_page_named_by_the_header(void **state)
{
    (void)state;
    struct page p;
    parse_listing("listing-big5.html", "text/html; charset=big5", NULL, &p);
    check_listing(&p, "高效鈣鈦礦太陽能電池 / Efficient perovskite solar cells",
                  "王芳");
    page_release(&p);
}

static void adds_the_fields_of_a_detail_page(void **state)
{
    (void)state;
    struct page p;
    parse_listing("listing-utf8.html", NULL, NULL, &p);
    struct html_rules rules;
    load_rules(&rules);
    size_t n;
    char *page = slurp(FIX "detail-001.html", &n);
    char err[256];
    struct kg_record *r = &p.items[0].rec;
    assert_int_equal(parse_html_detail(page, n, p.items[0].detail, NULL, &rules,
                                       r, err, sizeof err),
                     KG_OK);
    assert_string_equal(r->abstract, "钙钛矿电池在 1000 小时老化后保持 95% "
                                     "效率。 Stable for 1000 hours.");
    assert_int_equal(r->keywords.n, 4);
    assert_string_equal(r->keywords.v[2], "钙钛矿");
    assert_string_equal(r->keywords.v[3], "solar cells");
    free(page);
    html_rules_release(&rules);
    page_release(&p);
}

static void ids_fall_back_to_the_detail_link(void **state)
{
    (void)state;
    const char *rules_text = "item = //div[@class='item']\n"
                             "field.title = .//h3\n"
                             "detail = .//h3/a/@href\n";
    struct html_rules rules;
    char err[256];
    assert_int_equal(html_rules_parse(rules_text, "r", &rules, err, sizeof err),
                     KG_OK);
    size_t n;
    char *page = slurp(FIX "listing-utf8.html", &n);
    struct page p;
    page_init(&p);
    assert_int_equal(parse_html_listing(page, n, BASE, NULL, &rules, NULL, &p,
                                        err, sizeof err),
                     KG_OK);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.items[1].rec.id,
                        "https://www.example.edu.cn/cg/detail/002.html");
    assert_null(p.next);
    page_release(&p);
    html_rules_release(&rules);
    free(page);
}

static void separates_words_reads_numbers_and_drops_script_links(void **state)
{
    (void)state;
    const char *rules_text = "item = //li\n"
                             "field.id = @data-no\n"
                             "field.title = h3\n"
                             "field.maturity = .//td\n"
                             "detail = .//a/@href\n";
    struct html_rules rules;
    char err[256];
    assert_int_equal(html_rules_parse(rules_text, "r", &rules, err, sizeof err),
                     KG_OK);
    const char *page = "<ul><li data-no='q1'><h3>海藻酸盐纤维<br/>Alginate "
                       "fibres<script>x()</script></h3>"
                       "<a href='javascript:void(0)'>more</a>"
                       "<table><tr><td>TRL 6</td></tr></table></li></ul>";
    struct page p;
    page_init(&p);
    assert_int_equal(parse_html_listing(page, strlen(page), BASE, NULL, &rules,
                                        NULL, &p, err, sizeof err),
                     KG_OK);
    assert_int_equal(p.n, 1);
    assert_null(p.items[0].detail);
    assert_string_equal(p.items[0].rec.title, "海藻酸盐纤维 Alginate fibres");
    assert_int_equal(p.items[0].rec.maturity, 6);
    page_release(&p);
    html_rules_release(&rules);
}

static void reads_contacts_from_links_and_labels(void **state)
{
    (void)state;
    const char *rules_text =
        "kind = expert\n"
        "item = //div[@class='p']\n"
        "field.id = @id\n"
        "field.name = h3\n"
        "field.email = .//a[starts-with(@href,'mailto:')]"
        "/@href | .//span[@class='mail']\n"
        "field.phone = .//a[starts-with(@href,'tel:')]/@href"
        " | .//span[@class='tel']\n"
        "field.url = .//a[@class='home']/@href\n";
    struct html_rules rules;
    char err[256];
    assert_int_equal(html_rules_parse(rules_text, "r", &rules, err, sizeof err),
                     KG_OK);
    const char *page =
        "<div class='p' id='e1'><h3>王芳</h3>"
        "<a href='mailto:wang.fang@example.edu.cn?subject=hi'>mail</a>"
        "<a href='tel:+86-631-5687000'>call</a>"
        "<a class='home' href='/people/wang'>home</a></div>"
        "<div class='p' id='e2'><h3>李雷</h3>"
        "<span class='mail'>邮箱：lilei@example.edu.cn</span>"
        "<span class='tel'>电话：0631-5687001</span></div>"
        "<div class='p' id='e3'><h3>张三</h3>"
        "<span class='mail'>暂无</span><span class='tel'>暂无</span></div>";
    struct page p;
    page_init(&p);
    assert_int_equal(parse_html_listing(page, strlen(page), BASE, NULL, &rules,
                                        NULL, &p, err, sizeof err),
                     KG_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(p.items[0].rec.email, "wang.fang@example.edu.cn");
    assert_string_equal(p.items[0].rec.phone, "+86-631-5687000");
    assert_string_equal(p.items[0].rec.url,
                        "https://www.example.edu.cn/people/wang");
    assert_string_equal(p.items[1].rec.email, "lilei@example.edu.cn");
    assert_string_equal(p.items[1].rec.phone, "0631-5687001");
    assert_null(p.items[2].rec.email);
    assert_null(p.items[2].rec.phone);
    page_release(&p);
    html_rules_release(&rules);
}

static void checks_the_rules_file(void **state)
{
    (void)state;
    struct html_rules r;
    char err[256];
    assert_int_equal(html_rules_parse("field.title = //h3\n", "a.rules", &r,
                                      err, sizeof err),
                     KG_EINPUT);
    assert_string_equal(err, "a.rules: no 'item =' XPath");
    assert_int_equal(
        html_rules_parse("item = //div[\n", "a.rules", &r, err, sizeof err),
        KG_EINPUT);
    assert_string_equal(err, "a.rules:1: invalid XPath '//div['");
    assert_int_equal(html_rules_parse("# c\n\nitem = //div\ncolour = red\n",
                                      "a.rules", &r, err, sizeof err),
                     KG_EINPUT);
    assert_true(strncmp(err, "a.rules:4: unknown key 'colour'", 31) == 0);
    assert_int_equal(html_rules_parse("item = //div\nfield.bogus = .\n",
                                      "a.rules", &r, err, sizeof err),
                     KG_EINPUT);
    assert_string_equal(err, "a.rules: achievement has no field 'bogus'");
    assert_int_equal(html_rules_parse("kind = patent\nitem = //div\n"
                                      "field.ipc = .//i\n",
                                      "a.rules", &r, err, sizeof err),
                     KG_OK);
    assert_int_equal(r.kind, KG_PATENT);
    html_rules_release(&r);
    assert_int_equal(
        html_rules_parse("kind = widget\n", "a.rules", &r, err, sizeof err),
        KG_EINPUT);
    assert_string_equal(err, "a.rules:1: unknown kind 'widget'");
}

static void picks_the_charset_from_header_meta_or_bytes(void **state)
{
    (void)state;
    const char *meta = "<html><head><meta http-equiv=\"Content-Type\" "
                       "content=\"text/html; charset=gb2312\"></head></html>";
    assert_string_equal(xml_html_charset(meta, strlen(meta), NULL), "GB18030");
    assert_string_equal(
        xml_html_charset(meta, strlen(meta), "text/html; charset=utf-8"),
        "UTF-8");
    const char *plain = "<p>charset=big5 in text is not a declaration</p>";
    assert_string_equal(xml_html_charset(plain, strlen(plain), NULL), "UTF-8");
    /* 山东 in GBK: not valid UTF-8. */
    const char gbk[] = {'<',        'p',        '>',        (char)0xC9,
                        (char)0xBD, (char)0xB6, (char)0xAB, '<',
                        '/',        'p',        '>'};
    assert_string_equal(xml_html_charset(gbk, sizeof gbk, NULL), "GB18030");
}

static void refuses_a_page_too_deep_to_walk(void **state)
{
    (void)state;
    struct kg_buf b;
    kg_buf_init(&b);
    kg_buf_adds(&b, "<html><body>");
    for (int i = 0; i < 5000; i++)
        kg_buf_adds(&b, "<div>");
    struct html_rules rules;
    char err[256];
    assert_int_equal(
        html_rules_parse("item = //div\n", "r", &rules, err, sizeof err),
        KG_OK);
    struct page p;
    page_init(&p);
    assert_int_equal(parse_html_listing(b.data, b.len, BASE, NULL, &rules, NULL,
                                        &p, err, sizeof err),
                     KG_ELIMIT);
    assert_non_null(strstr(err, "nested deeper than 256"));
    html_rules_release(&rules);
    kg_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_a_utf8_listing),
        cmocka_unit_test(converts_a_gbk_page_named_by_its_meta),
        cmocka_unit_test(converts_a_big5_page_named_by_the_header),
        cmocka_unit_test(adds_the_fields_of_a_detail_page),
        cmocka_unit_test(ids_fall_back_to_the_detail_link),
        cmocka_unit_test(separates_words_reads_numbers_and_drops_script_links),
        cmocka_unit_test(reads_contacts_from_links_and_labels),
        cmocka_unit_test(checks_the_rules_file),
        cmocka_unit_test(picks_the_charset_from_header_meta_or_bytes),
        cmocka_unit_test(refuses_a_page_too_deep_to_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
