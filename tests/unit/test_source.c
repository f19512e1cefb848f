/*
 * test_source.c - source definitions and harvest state: option parsing,
 * JSON round trips, the store's key/value table, sources.conf.
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

#include "ingest/source.h"

static struct store *open_mem(void)
{
    struct store *s = NULL;
    char err[256];
    assert_int_equal(store_open(":memory:", STORE_CREATE, &s, err, sizeof err),
                     KG_OK);
    return s;
}

static void set(struct source *s, const char *k, const char *v)
{
    char err[256];
    assert_int_equal(source_set(s, k, v, NULL, err, sizeof err), KG_OK);
}

static void options_set_every_member(void **state)
{
    (void)state;
    struct source s;
    source_init(&s);
    s.name = kg_xstrdup("sdu");
    set(&s, "type", "oai-pmh");
    set(&s, "url", "https://repo.example.edu.cn/oai");
    set(&s, "set", "col_1");
    set(&s, "prefix", "qdc");
    set(&s, "institution", "山东大学");
    set(&s, "kind", "patents");
    set(&s, "page-param", "offset");
    set(&s, "max_pages", "7");
    set(&s, "timeout", "30");
    set(&s, "connect-timeout", "2.5");
    set(&s, "retries", "0");
    set(&s, "delay", "0");
    set(&s, "max-bytes", "1000");
    assert_int_equal(s.type, SOURCE_OAI);
    assert_int_equal(s.kind, KG_PATENT);
    assert_string_equal(s.page_param, "offset");
    assert_int_equal(s.max_pages, 7);
    assert_true(s.fetch.timeout == 30);
    assert_true(s.fetch.connect_timeout == 2.5);
    /* 0 means none, kept apart from "unset" (the default). */
    assert_int_equal(s.fetch.retries, -1);
    assert_true(s.fetch.host_delay < 0);
    assert_int_equal(s.fetch.max_bytes, 1000);
    char err[256];
    assert_int_equal(source_check(&s, err, sizeof err), KG_OK);

    char *json = source_to_json(&s);
    struct source t;
    source_init(&t);
    assert_int_equal(source_from_json(json, &t, err, sizeof err), KG_OK);
    char *again = source_to_json(&t);
    assert_string_equal(json, again);
    assert_int_equal(t.fetch.retries, -1);
    assert_true(t.fetch.host_delay < 0);
    free(json);
    free(again);
    source_release(&t);
    source_release(&s);
}

static void refuses_bad_options(void **state)
{
    (void)state;
    struct source s;
    source_init(&s);
    char err[256];
    assert_int_equal(source_set(&s, "type", "ftp", NULL, err, sizeof err),
                     KG_EUSAGE);
    assert_int_equal(source_set(&s, "timeout", "-1", NULL, err, sizeof err),
                     KG_EUSAGE);
    assert_int_equal(source_set(&s, "timeout", "0", NULL, err, sizeof err),
                     KG_EUSAGE);
    assert_int_equal(source_set(&s, "retries", "99", NULL, err, sizeof err),
                     KG_EUSAGE);
    assert_int_equal(source_set(&s, "kind", "widget", NULL, err, sizeof err),
                     KG_EUSAGE);
    assert_int_equal(source_set(&s, "colour", "red", NULL, err, sizeof err),
                     KG_EUSAGE);
    assert_string_equal(err, "unknown option 'colour'");
    source_release(&s);
    assert_true(source_name_ok("sdu-oai_2.x"));
    assert_false(source_name_ok("a/b"));
    assert_false(source_name_ok(""));
    assert_false(source_name_ok("山东"));
}

static void checks_what_each_type_needs(void **state)
{
    (void)state;
    struct source s;
    char err[256];
    source_init(&s);
    s.name = kg_xstrdup("x");
    set(&s, "type", "uspto-xml");
    set(&s, "url", "/data/ipg.xml.gz");
    assert_int_equal(s.kind, KG_PATENT);
    assert_int_equal(source_check(&s, err, sizeof err), KG_OK);
    set(&s, "kind", "expert");
    assert_int_equal(source_check(&s, err, sizeof err), KG_EUSAGE);
    set(&s, "type", "oai-pmh");
    set(&s, "kind", "achievement");
    assert_int_equal(source_check(&s, err, sizeof err), KG_EUSAGE);
    assert_string_equal(err, "source 'x': oai-pmh needs an http(s) URL");
    set(&s, "type", "html");
    set(&s, "url", "http://a/");
    assert_int_equal(source_check(&s, err, sizeof err), KG_EUSAGE);
    set(&s, "rules", "/nonexistent/r.rules");
    assert_int_equal(source_check(&s, err, sizeof err), KG_EUSAGE);
    assert_non_null(strstr(err, "cannot read /nonexistent/r.rules"));
    source_release(&s);
}

static void keeps_definitions_and_state_in_the_store(void **state)
{
    (void)state;
    struct store *st = open_mem();
    struct source a, b;
    source_init(&a);
    source_init(&b);
    a.name = kg_xstrdup("zeta");
    set(&a, "type", "rss");
    set(&a, "url", "http://z/feed");
    b.name = kg_xstrdup("alpha");
    set(&b, "type", "atom");
    set(&b, "url", "http://a/feed");
    assert_int_equal(source_save(st, &a), KG_OK);
    assert_int_equal(source_save(st, &b), KG_OK);
    struct source *v;
    size_t n;
    assert_int_equal(source_list(st, &v, &n, NULL), KG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "alpha");
    assert_string_equal(v[1].name, "zeta");
    source_list_free(v, n);

    struct source_state ss;
    assert_int_equal(source_state_load(st, "zeta", &ss), KG_OK);
    assert_null(ss.status);
    ss.status = kg_xstrdup("ok");
    ss.resume = kg_xstrdup("token-2");
    ss.resume_page = 3;
    ss.added = 12;
    ss.etag = kg_xstrdup("\"v1\"");
    assert_int_equal(source_state_save(st, "zeta", &ss), KG_OK);
    struct source_state copy;
    source_state_copy(&copy, &ss);
    source_state_release(&ss);
    assert_string_equal(copy.resume, "token-2");
    assert_int_equal(source_state_load(st, "zeta", &ss), KG_OK);
    assert_string_equal(ss.status, "ok");
    assert_string_equal(ss.resume, "token-2");
    assert_int_equal(ss.resume_page, 3);
    assert_int_equal(ss.added, 12);
    assert_string_equal(ss.etag, "\"v1\"");
    source_state_release(&ss);
    source_state_release(&copy);

    assert_int_equal(source_remove(st, "zeta"), KG_OK);
    assert_int_equal(source_remove(st, "zeta"), KG_ENOTFOUND);
    struct source gone;
    assert_int_equal(source_load(st, "zeta", &gone), KG_ENOTFOUND);
    assert_int_equal(source_state_load(st, "zeta", &ss), KG_OK);
    assert_null(ss.status);
    source_release(&a);
    source_release(&b);
    store_close(st);
}

static void damaged_entries_become_warnings_not_output(void **state)
{
    (void)state;
    struct store *st = open_mem();
    struct source a;
    source_init(&a);
    a.name = kg_xstrdup("good");
    set(&a, "type", "rss");
    set(&a, "url", "http://a/feed");
    assert_int_equal(source_save(st, &a), KG_OK);
    assert_int_equal(store_meta_set(st, "source/bad", "{not json"), KG_OK);
    assert_int_equal(store_meta_set(st, "harvest/good", "[1]"), KG_OK);
    struct source *v;
    size_t n;
    struct kg_strlist w = {NULL, 0};
    assert_int_equal(source_list(st, &v, &n, &w), KG_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "good");
    assert_int_equal(w.n, 1);
    assert_non_null(strstr(w.v[0], "stored source 'bad' is damaged ("));
    assert_non_null(strstr(w.v[0], "): skipped; add it again"));
    source_list_free(v, n);
    strlist_release(&w);
    struct source_state ss;
    assert_int_equal(source_state_load(st, "good", &ss), KG_OK);
    assert_null(ss.status);
    assert_string_equal(ss.warning, "harvest state of source 'good' is "
                                    "damaged: harvesting it from the start");
    source_state_release(&ss);
    assert_int_equal(source_state_load(st, "none", &ss), KG_OK);
    assert_null(ss.warning);
    source_release(&a);
    store_close(st);
}

static char *write_conf(const char *dir, const char *name, const char *text)
{
    char *path = kg_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void reads_sources_conf(void **state)
{
    (void)state;
    char dir[] = "/tmp/kg-test-conf-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *rules = write_conf(dir, "p.rules", "item = //li\n");
    char *conf = write_conf(dir, "sources.conf",
                            "# partners\n"
                            "[ouc]\n"
                            "type = html\n"
                            "url = https://www.ouc.edu.cn/list.html\n"
                            "rules = p.rules\n"
                            "institution = 中国海洋大学\n"
                            "\n"
                            "; patents\n"
                            "[grants]\n"
                            "type = uspto-xml\n"
                            "url = /data/ipg240102.xml\n");
    struct source *v;
    size_t n;
    char err[512];
    assert_int_equal(source_conf_load(conf, &v, &n, err, sizeof err), KG_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "ouc");
    assert_int_equal(v[0].type, SOURCE_HTML);
    char real[4096];
    assert_non_null(realpath(rules, real));
    assert_string_equal(v[0].rules, real);
    assert_string_equal(v[0].institution, "中国海洋大学");
    assert_int_equal(v[1].kind, KG_PATENT);
    source_list_free(v, n);

    char *bad = write_conf(dir, "bad.conf", "[a]\ntype = rss\nurl\n");
    assert_int_equal(source_conf_load(bad, &v, &n, err, sizeof err), KG_EUSAGE);
    assert_non_null(strstr(err, "bad.conf:3: expected 'key = value'"));
    free(bad);
    bad = write_conf(dir, "twice.conf",
                     "[a]\ntype = rss\nurl = http://a/\n[a]\n");
    assert_int_equal(source_conf_load(bad, &v, &n, err, sizeof err), KG_EUSAGE);
    assert_non_null(strstr(err, "twice.conf:4: source 'a' defined twice"));
    free(bad);
    bad = write_conf(dir, "orphan.conf", "type = rss\n");
    assert_int_equal(source_conf_load(bad, &v, &n, err, sizeof err), KG_EUSAGE);
    assert_non_null(strstr(err, "a [NAME] section first"));
    free(bad);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(rules);
    free(conf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_set_every_member),
        cmocka_unit_test(refuses_bad_options),
        cmocka_unit_test(checks_what_each_type_needs),
        cmocka_unit_test(keeps_definitions_and_state_in_the_store),
        cmocka_unit_test(damaged_entries_become_warnings_not_output),
        cmocka_unit_test(reads_sources_conf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
