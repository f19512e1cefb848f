/*
 * fuzz_html.c - libFuzzer harness for HTML listings: the first byte picks
 * the Content-Type charset, the rest is the page, read with fixed rules
 * (item, fields, next and detail XPaths); the page is then also read as a
 * detail page. The rules parser gets the same bytes as a rules file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/parse_html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct html_rules rules;
    static bool ready;
    char err[256];
    if (!ready) {
        const char *text = "item = //div[@class='item'] | //li\n"
                           "field.id = @data-id\n"
                           "field.title = .//h3\n"
                           "field.experts = .//span[@class='author']\n"
                           "field.year = .//span[@class='year']\n"
                           "field.url = .//a/@href\n"
                           "detail = .//a/@href\n"
                           "detail.abstract = //div[@id='abstract']\n"
                           "detail.keywords = //li\n"
                           "next = //a[@rel='next']/@href\n";
        if (html_rules_parse(text, "fuzz", &rules, err, sizeof err) != KG_OK)
            abort();
        ready = true;
    }
    if (size < 1)
        return 0;
    static const char *const types[] = {NULL, "text/html; charset=utf-8",
                                        "text/html; charset=gbk",
                                        "text/html; charset=big5"};
    const char *ct = types[data[0] % 4];
    const char *page = (const char *)data + 1;
    size_t len = size - 1;
    struct page p;
    page_init(&p);
    if (parse_html_listing(page, len, "https://u.example.edu.cn/list.html", ct,
                           &rules, "Fuzz University", &p, err,
                           sizeof err) == KG_OK &&
        p.n > 0) {
        kg_status st =
            parse_html_detail(page, len, "https://u.example.edu.cn/d.html", ct,
                              &rules, &p.items[0].rec, err, sizeof err);
        (void)st; /* any outcome will do: only crashes count */
    }
    page_release(&p);
    char *text = malloc(len + 1);
    memcpy(text, page, len);
    text[len] = '\0';
    struct html_rules r;
    if (html_rules_parse(text, "fuzz.rules", &r, err, sizeof err) == KG_OK)
        html_rules_release(&r);
    free(text);
    return 0;
}
