/* test_store.c - the SQLite store on a real file: upsert, references,
 * stubs, transactions, versions, read-only and foreign files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/store.h"
#include "tests/unit/fixture.h"

struct fx {
    char dir[64];
    char path[128];
    struct store *s;
};

static int setup(void **state)
{
    struct fx *f = kg_xcalloc(1, sizeof *f);
    if (fx_dir(f->dir, sizeof f->dir, "kgstore", f->path, sizeof f->path,
               "t.db") != 0)
        return -1;
    char err[256];
    if (store_open(f->path, STORE_CREATE, &f->s, err, sizeof err) != KG_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    if (fx_rmdir(f->dir) != 0)
        return -1;
    free(f);
    return 0;
}

static void put_from(struct store *s, kg_kind kind, const char *json,
                     const char *source, enum store_mode mode)
{
    struct kg_record r;
    char err[256];
    record_init(&r, kind);
    assert_int_equal(record_from_json(&r, json, strlen(json), err, 256), KG_OK);
    assert_int_equal(store_put(s, &r, source, mode, NULL), KG_OK);
    record_release(&r);
}

static void put_json(struct store *s, kg_kind kind, const char *json,
                     enum store_upsert_result *res)
{
    struct kg_record r;
    char err[256];
    record_init(&r, kind);
    assert_int_equal(record_from_json(&r, json, strlen(json), err, 256), KG_OK);
    assert_int_equal(store_upsert(s, &r, "test", res), KG_OK);
    record_release(&r);
}

static int64_t count(struct store *s, kg_kind k, int64_t *stubs)
{
    int64_t n;
    assert_int_equal(store_count(s, k, &n, stubs), KG_OK);
    return n;
}

static void upsert_twice_updates_and_never_duplicates(void **state)
{
    struct fx *f = *state;
    enum store_upsert_result res;
    put_json(f->s, KG_ENTERPRISE, "{\"id\":\"C1\",\"name\":\"华纺\"}", &res);
    assert_int_equal(res, STORE_ADDED);
    put_json(f->s, KG_ENTERPRISE, "{\"id\":\"C1\",\"name\":\"华纺\"}", &res);
    assert_int_equal(res, STORE_UNCHANGED);
    put_json(f->s, KG_ENTERPRISE,
             "{\"id\":\"C1\",\"name\":\"华纺\",\"region\":\"滨州\"}", &res);
    assert_int_equal(res, STORE_UPDATED);
    assert_int_equal(count(f->s, KG_ENTERPRISE, NULL), 1);
    struct kg_record r;
    record_init(&r, KG_ENTERPRISE);
    assert_int_equal(store_get(f->s, KG_ENTERPRISE, "C1", &r), KG_OK);
    assert_string_equal(r.region, "滨州");
    record_release(&r);
}

static void chinese_text_round_trips_byte_for_byte(void **state)
{
    struct fx *f = *state;
    const char *title = "高强韧7075铝合金的 T6 热处理与“双级时效”工艺 ＡＩ";
    char json[512];
    snprintf(json, sizeof json, "{\"id\":\"A1\",\"title\":\"%s\"}", title);
    put_json(f->s, KG_ACHIEVEMENT, json, NULL);
    struct kg_record r;
    record_init(&r, KG_ACHIEVEMENT);
    assert_int_equal(store_get(f->s, KG_ACHIEVEMENT, "A1", &r), KG_OK);
    assert_memory_equal(r.title, title, strlen(title) + 1);
    record_release(&r);
}

struct link_seen {
    int n;
    char last[128];
};

static bool note_link(const struct store_link *l, void *ctx)
{
    struct link_seen *ls = ctx;
    ls->n++;
    snprintf(ls->last, sizeof ls->last, "%s %s:%s->%s:%s",
             store_rel_name(l->rel), record_kind_name(l->src_kind), l->src_id,
             record_kind_name(l->dst_kind), l->dst_id);
    return true;
}

static void references_resolve_by_id_name_and_alias(void **state)
{
    struct fx *f = *state;
    put_json(f->s, KG_INSTITUTION,
             "{\"id\":\"I1\",\"name\":\"山东大学\",\"aliases\":[\"Shandong "
             "University\",\"Shandong Univ.\"]}",
             NULL);
    put_json(f->s, KG_EXPERT, "{\"id\":\"E1\",\"institution\":\"I1\"}", NULL);
    put_json(f->s, KG_EXPERT,
             "{\"id\":\"E2\",\"institution\":\"SHANDONG  univ\"}", NULL);
    put_json(f->s, KG_EXPERT, "{\"id\":\"E3\",\"institution\":\"山东 大学\"}",
             NULL);
    int64_t stubs;
    assert_int_equal(count(f->s, KG_INSTITUTION, &stubs), 1);
    assert_int_equal(stubs, 0);
    kg_kind k = KG_INSTITUTION;
    struct link_seen ls = {0};
    assert_int_equal(store_foreach_link(f->s, &k, "I1", note_link, &ls), KG_OK);
    assert_int_equal(ls.n, 3);
    assert_string_equal(ls.last, "affiliated_with expert:E3->institution:I1");
}

static void unknown_name_makes_a_stub_that_the_real_record_absorbs(void **state)
{
    struct fx *f = *state;
    put_json(f->s, KG_ACHIEVEMENT,
             "{\"id\":\"A1\",\"institution\":\"Central South University\","
             "\"experts\":[\"王五\"]}",
             NULL);
    int64_t stubs;
    assert_int_equal(count(f->s, KG_INSTITUTION, &stubs), 1);
    assert_int_equal(stubs, 1);
    assert_int_equal(count(f->s, KG_EXPERT, &stubs), 1);
    assert_int_equal(stubs, 1);
    /* The real institution arrives with the stub's name as an alias. */
    put_json(f->s, KG_INSTITUTION,
             "{\"id\":\"I7\",\"name\":\"中南大学\",\"aliases\":[\"Central "
             "South University\"]}",
             NULL);
    assert_int_equal(count(f->s, KG_INSTITUTION, &stubs), 1);
    assert_int_equal(stubs, 0);
    kg_kind k = KG_ACHIEVEMENT;
    struct link_seen ls = {0};
    assert_int_equal(store_foreach_link(f->s, &k, "A1", note_link, &ls), KG_OK);
    assert_int_equal(ls.n, 2);
    /* The expert stub is made real by a record with its id. */
    put_json(f->s, KG_EXPERT, "{\"id\":\"王五\",\"name\":\"王五\"}", NULL);
    assert_int_equal(count(f->s, KG_EXPERT, &stubs), 1);
    assert_int_equal(stubs, 0);
}

static void company_applicants_become_enterprise_stubs(void **state)
{
    struct fx *f = *state;
    put_json(f->s, KG_PATENT,
             "{\"id\":\"CN1A\",\"applicants\":[\"滨州华纺印染有限公司\","
             "\"Acme Materials Co., Ltd.\",\"滨州学院\"]}",
             NULL);
    int64_t stubs;
    assert_int_equal(count(f->s, KG_ENTERPRISE, &stubs), 2);
    assert_int_equal(count(f->s, KG_INSTITUTION, &stubs), 1);
}

static void rollback_leaves_the_store_as_before(void **state)
{
    struct fx *f = *state;
    int64_t v0, v1;
    assert_int_equal(store_version(f->s, &v0), KG_OK);
    assert_int_equal(store_begin(f->s), KG_OK);
    put_json(f->s, KG_DEMAND, "{\"id\":\"D1\",\"enterprise\":\"某公司\"}",
             NULL);
    store_rollback(f->s);
    assert_int_equal(count(f->s, KG_DEMAND, NULL), 0);
    assert_int_equal(count(f->s, KG_ENTERPRISE, NULL), 0);
    assert_int_equal(store_version(f->s, &v1), KG_OK);
    assert_int_equal(v0, v1);
}

static void version_moves_only_when_data_changes(void **state)
{
    struct fx *f = *state;
    int64_t v0, v1, v2;
    put_json(f->s, KG_DEMAND, "{\"id\":\"D1\",\"title\":\"t\"}", NULL);
    assert_int_equal(store_version(f->s, &v0), KG_OK);
    put_json(f->s, KG_DEMAND, "{\"id\":\"D1\",\"title\":\"t\"}", NULL);
    assert_int_equal(store_version(f->s, &v1), KG_OK);
    assert_int_equal(v0, v1);
    assert_int_equal(store_meta_set(f->s, "x/y", "1"), KG_OK);
    put_json(f->s, KG_DEMAND, "{\"id\":\"D1\",\"title\":\"u\"}", NULL);
    assert_int_equal(store_version(f->s, &v2), KG_OK);
    assert_int_equal(v2, v1 + 1);
}

static bool count_rec(const struct kg_record *r, void *ctx)
{
    (void)r;
    (*(int *)ctx)++;
    return true;
}

static void foreach_filters_kinds_stubs_and_changes(void **state)
{
    struct fx *f = *state;
    put_json(f->s, KG_DEMAND, "{\"id\":\"D1\",\"enterprise\":\"新公司\"}",
             NULL);
    int64_t v;
    assert_int_equal(store_version(f->s, &v), KG_OK);
    put_json(f->s, KG_DEMAND, "{\"id\":\"D2\"}", NULL);
    int n = 0;
    struct store_iter_opts all = {0};
    assert_int_equal(store_foreach(f->s, &all, count_rec, &n), KG_OK);
    assert_int_equal(n, 3);
    n = 0;
    struct store_iter_opts real = {.skip_stubs = true};
    assert_int_equal(store_foreach(f->s, &real, count_rec, &n), KG_OK);
    assert_int_equal(n, 2);
    n = 0;
    struct store_iter_opts later = {.kinds = KG_KIND_BIT(KG_DEMAND),
                                    .changed_after = v};
    assert_int_equal(store_foreach(f->s, &later, count_rec, &n), KG_OK);
    assert_int_equal(n, 1);
}

static void delete_removes_the_record_and_its_links(void **state)
{
    struct fx *f = *state;
    put_json(f->s, KG_EXPERT, "{\"id\":\"E1\",\"institution\":\"X大学\"}",
             NULL);
    assert_int_equal(store_delete(f->s, KG_EXPERT, "E1"), KG_OK);
    assert_int_equal(store_delete(f->s, KG_EXPERT, "E1"), KG_ENOTFOUND);
    struct link_seen ls = {0};
    assert_int_equal(store_foreach_link(f->s, NULL, NULL, note_link, &ls),
                     KG_OK);
    assert_int_equal(ls.n, 0);
}

/* Appends "rel src->dst;" to a buffer; with want set only the links of
 * relation want->rel from records of kind want->src_kind. */
struct link_list {
    const struct store_link *want;
    struct kg_buf b;
};

static bool list_link(const struct store_link *l, void *ctx)
{
    struct link_list *ll = ctx;
    if (ll->want &&
        (l->rel != ll->want->rel || l->src_kind != ll->want->src_kind))
        return true;
    kg_buf_printf(&ll->b, "%s %s->%s;", store_rel_name(l->rel), l->src_id,
                  l->dst_id);
    return true;
}

static void links_of_one_relation_and_kind_as_the_full_listing(void **state)
{
    struct fx *f = *state;
    put_json(f->s, KG_DEMAND, "{\"id\":\"D2\",\"enterprise\":\"乙公司\"}",
             NULL);
    put_json(f->s, KG_DEMAND, "{\"id\":\"D1\",\"enterprise\":\"甲公司\"}",
             NULL);
    put_json(f->s, KG_ACHIEVEMENT,
             "{\"id\":\"A1\",\"institution\":\"X大学\",\"experts\":[\"王五\"]}",
             NULL);
    put_json(f->s, KG_EXPERT, "{\"id\":\"E1\",\"institution\":\"X大学\"}",
             NULL);
    const struct store_link want = {.rel = STORE_REL_POSTED_BY,
                                    .src_kind = KG_DEMAND};
    struct link_list all = {.want = &want}, rel = {0};
    kg_buf_init(&all.b);
    kg_buf_init(&rel.b);
    assert_int_equal(store_foreach_link(f->s, NULL, NULL, list_link, &all),
                     KG_OK);
    assert_int_equal(store_foreach_link_rel(
                         f->s, KG_DEMAND, STORE_REL_POSTED_BY, list_link, &rel),
                     KG_OK);
    kg_buf_add(&all.b, "", 1);
    kg_buf_add(&rel.b, "", 1);
    assert_string_equal(rel.b.data, all.b.data);
    assert_non_null(strstr(rel.b.data, "posted_by D2->"));
    assert_non_null(strstr(rel.b.data, "posted_by D1->"));
    assert_null(strstr(rel.b.data, "A1"));
    kg_buf_release(&all.b);
    kg_buf_release(&rel.b);
}

static bool collect_change(kg_kind kind, const char *id, void *ctx)
{
    struct kg_buf *b = ctx;
    kg_buf_printf(b, "%d:%s;", (int)kind, id);
    return true;
}

/* The sorted "kind:id;" list of the changes after version v. */
static char *changes_after(struct store *s, int64_t v)
{
    struct kg_buf b;
    kg_buf_init(&b);
    assert_int_equal(store_changes(s, v, collect_change, &b), KG_OK);
    char *p = kg_xstrdup(b.len ? b.data : "");
    kg_buf_release(&b);
    /* sort the entries: ';'-separated, few */
    size_t n = 0;
    char *v_[32];
    for (char *t = strtok(p, ";"); t && n < 32; t = strtok(NULL, ";"))
        v_[n++] = t;
    char *r = fx_sorted_list(v_, n);
    free(p);
    return r;
}

static void change_log_names_what_changed_since_a_version(void **state)
{
    struct fx *f = *state;
    int64_t v0 = 0, v1 = 0, v2 = 0;
    assert_int_equal(store_version(f->s, &v0), KG_OK);
    put_json(f->s, KG_EXPERT, "{\"id\":\"E1\",\"name\":\"Li\"}", NULL);
    put_json(f->s, KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"x\"}", NULL);
    assert_int_equal(store_version(f->s, &v1), KG_OK);
    char *c = changes_after(f->s, v0);
    assert_string_equal(c, "1:E1;2:A1;");
    free(c);
    /* unchanged content leaves no change; a new link names both ends */
    put_json(f->s, KG_EXPERT, "{\"id\":\"E1\",\"name\":\"Li\"}", NULL);
    c = changes_after(f->s, v1);
    assert_string_equal(c, "");
    free(c);
    put_json(f->s, KG_ACHIEVEMENT,
             "{\"id\":\"A1\",\"title\":\"y\",\"experts\":[\"E1\"]}", NULL);
    assert_int_equal(store_version(f->s, &v2), KG_OK);
    c = changes_after(f->s, v1);
    assert_string_equal(c, "1:E1;2:A1;");
    free(c);
    /* a deletion names the record and the other end of its links */
    assert_int_equal(store_delete(f->s, KG_ACHIEVEMENT, "A1"), KG_OK);
    c = changes_after(f->s, v2);
    assert_string_equal(c, "1:E1;2:A1;");
    free(c);
}

static bool collect_meta(const char *k, const char *v, void *ctx)
{
    struct kg_buf *b = ctx;
    kg_buf_printf(b, "%s=%s;", k, v);
    return true;
}

static void meta_keeps_values_by_prefix(void **state)
{
    struct fx *f = *state;
    char *v = NULL;
    assert_int_equal(store_meta_get(f->s, "source/a", &v), KG_ENOTFOUND);
    assert_int_equal(store_meta_set(f->s, "source/b", "2"), KG_OK);
    assert_int_equal(store_meta_set(f->s, "source/a", "1"), KG_OK);
    assert_int_equal(store_meta_set(f->s, "other", "x"), KG_OK);
    assert_int_equal(store_meta_set(f->s, "source/a", "3"), KG_OK);
    assert_int_equal(store_meta_get(f->s, "source/a", &v), KG_OK);
    assert_string_equal(v, "3");
    free(v);
    struct kg_buf b;
    kg_buf_init(&b);
    assert_int_equal(store_meta_foreach(f->s, "source/", collect_meta, &b),
                     KG_OK);
    assert_string_equal(b.data, "source/a=3;source/b=2;");
    kg_buf_release(&b);
    assert_int_equal(store_meta_delete(f->s, "source/a"), KG_OK);
}

static void readonly_store_refuses_writes(void **state)
{
    struct fx *f = *state;
    struct store *ro;
    char err[256];
    assert_int_equal(store_open(f->path, STORE_READONLY, &ro, err, sizeof err),
                     KG_OK);
    struct kg_record r;
    record_init(&r, KG_EXPERT);
    r.id = "E1";
    assert_int_not_equal(store_upsert(ro, &r, "t", NULL), KG_OK);
    assert_true(strlen(store_last_error(ro)) > 0);
    store_close(ro);
}

static void missing_or_foreign_files_are_clear_errors(void **state)
{
    struct fx *f = *state;
    struct store *s;
    char err[256], path[160];
    snprintf(path, sizeof path, "%s/none.db", f->dir);
    assert_int_equal(store_open(path, 0, &s, err, sizeof err), KG_EIO);
    assert_null(s);
    assert_non_null(strstr(err, "kgmatch init"));
    snprintf(path, sizeof path, "%s/junk.db", f->dir);
    FILE *fp = fopen(path, "w");
    fputs("this is not a database, just text that is long enough to "
          "fill a page header of sqlite and then some more bytes .......",
          fp);
    fclose(fp);
    assert_int_equal(store_open(path, STORE_CREATE, &s, err, sizeof err),
                     KG_EIO);
    assert_non_null(strstr(err, path));
}

/* SQL that takes away what migrations 5 (batch tables), 6 (change log)
 * and 7 (feedback) create, for tests that fake an older store. */
#define UNDO_SCHEMA_5_7                                                        \
    "DROP TABLE feedback;"                                                     \
    "DROP TRIGGER change_record_add;"                                          \
    "DROP TRIGGER change_record_set;"                                          \
    "DROP TRIGGER change_record_del;"                                          \
    "DROP TRIGGER change_link_add;"                                            \
    "DROP TRIGGER change_link_del;"                                            \
    "DROP TRIGGER change_link_set;"                                            \
    "DROP VIEW change_next;"                                                   \
    "DROP TABLE change;"                                                       \
    "DELETE FROM meta WHERE key = 'change/since';"                             \
    "DROP TABLE batch_run;"                                                    \
    "DROP TABLE batch_seen;"                                                   \
    "DROP TABLE demand_status;"

static void an_older_schema_is_migrated_and_keeps_its_records(void **state)
{
    struct fx *f = *state;
    put_json(f->s, KG_EXPERT, "{\"id\":\"E1\",\"name\":\"旧\"}", NULL);
    store_close(f->s);
    f->s = NULL;
    /* Turn the file back into a schema-1 database. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  UNDO_SCHEMA_5_7
                                  "DROP INDEX record_id;"
                                  "ALTER TABLE record DROP COLUMN prov;"
                                  "ALTER TABLE link DROP COLUMN sources;"
                                  "PRAGMA user_version = 1;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    char err[256];
    struct store *ro;
    assert_int_equal(store_open(f->path, STORE_READONLY, &ro, err, 256),
                     KG_EIO);
    assert_non_null(strstr(err, "kgmatch init"));
    assert_int_equal(store_open(f->path, 0, &f->s, err, 256), KG_OK);
    assert_int_equal(store_schema_version(f->s), 7);
    assert_int_equal(count(f->s, KG_EXPERT, NULL), 1);
    /* the change log starts at the migration's version */
    int64_t v = 0;
    assert_int_equal(store_version(f->s, &v), KG_OK);
    assert_int_equal(store_changes(f->s, v - 1, NULL, NULL), KG_ENOTFOUND);
}

/* Schema 6 made the feedback table with the first verdict: migration 7
 * makes it for a store that had none and keeps one that had verdicts. */
static void feedback_table_comes_with_schema_7(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        store_feedback_set(f->s, "D1", KG_PATENT, "P1", false, "seen it"),
        KG_OK);
    char *path2 = kg_xasprintf("%s/b.db", f->dir);
    struct store *s2;
    char err[256];
    assert_int_equal(store_open(path2, STORE_CREATE, &s2, err, 256), KG_OK);
    store_close(s2);
    store_close(f->s);
    f->s = NULL;
    sqlite3 *db;
    /* the first store took a verdict under schema 6, the second none */
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "PRAGMA user_version = 6;", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(sqlite3_open(path2, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE feedback;"
                                  "PRAGMA user_version = 6;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(f->path, 0, &f->s, err, 256), KG_OK);
    assert_int_equal(store_schema_version(f->s), 7);
    char *verdict = NULL;
    assert_int_equal(store_feedback_get(f->s, "D1", KG_PATENT, "P1", &verdict),
                     KG_OK);
    assert_string_equal(verdict, "decline");
    free(verdict);
    /* a read-only opener of a schema-6 store is told to upgrade */
    assert_int_equal(store_open(path2, STORE_READONLY, &s2, err, 256), KG_EIO);
    assert_int_equal(store_open(path2, 0, &s2, err, 256), KG_OK);
    assert_int_equal(store_schema_version(s2), 7);
    assert_int_equal(store_feedback_get(s2, "D1", KG_PATENT, "P1", &verdict),
                     KG_ENOTFOUND);
    assert_int_equal(store_feedback_set(s2, "D1", KG_PATENT, "P1", true, NULL),
                     KG_OK);
    store_close(s2);
    free(path2);
}

static char *body_of(struct store *s, kg_kind kind, const char *id)
{
    struct kg_record r;
    record_init(&r, kind);
    assert_int_equal(store_get(s, kind, id, &r), KG_OK);
    char *body = record_to_json(&r);
    record_release(&r);
    return body;
}

static bool count_link(const struct store_link *l, void *ctx)
{
    (void)l;
    ++*(int *)ctx;
    return true;
}

static int links_of(struct store *s, kg_kind kind, const char *id)
{
    int n = 0;
    assert_int_equal(store_foreach_link(s, &kind, id, count_link, &n), KG_OK);
    return n;
}

static bool note_status(const char *demand, const char *status, void *ctx)
{
    kg_buf_printf(ctx, "%s=%s;", demand, status);
    return true;
}

/* A link both records had becomes one carrying both sources; a link
 * between them goes; a demand's verdicts and status move unless the kept
 * one has its own; a failed merge changes nothing. */
static void merge_joins_links_sources_and_broker_rows(void **state)
{
    struct fx *f = *state;
    put_from(f->s, KG_INSTITUTION, "{\"id\":\"I1\",\"name\":\"甲大学\"}", "a",
             STORE_MERGE);
    put_from(f->s, KG_INSTITUTION,
             "{\"id\":\"I2\",\"name\":\"Jia University\",\"url\":\"u\"}", "b",
             STORE_MERGE);
    put_from(f->s, KG_PATENT, "{\"id\":\"P1\",\"applicants\":[\"I1\"]}", "a",
             STORE_MERGE);
    put_from(f->s, KG_PATENT, "{\"id\":\"P1\",\"applicants\":[\"I2\"]}", "b",
             STORE_MERGE);
    assert_int_equal(links_of(f->s, KG_PATENT, "P1"), 2);
    put_from(f->s, KG_DEMAND, "{\"id\":\"D1\",\"title\":\"t\"}", "a",
             STORE_MERGE);
    put_from(f->s, KG_DEMAND, "{\"id\":\"D2\",\"title\":\"u\"}", "a",
             STORE_MERGE);
    assert_int_equal(
        store_feedback_set(f->s, "D2", KG_INSTITUTION, "I2", false, NULL),
        KG_OK);
    assert_int_equal(store_demand_status_set(f->s, "D2", "matched"), KG_OK);

    int64_t v0, v1;
    assert_int_equal(store_version(f->s, &v0), KG_OK);
    assert_int_equal(store_merge(f->s, KG_INSTITUTION, "I1", "I9"),
                     KG_ENOTFOUND);
    assert_non_null(strstr(store_last_error(f->s), "'I9'"));
    assert_int_equal(store_merge(f->s, KG_INSTITUTION, "I1", "I1"), KG_EINPUT);
    assert_int_equal(store_version(f->s, &v1), KG_OK);
    assert_int_equal(v0, v1);

    assert_int_equal(store_merge(f->s, KG_INSTITUTION, "I1", "I2"), KG_OK);
    assert_int_equal(links_of(f->s, KG_PATENT, "P1"), 1);
    char *b = body_of(f->s, KG_INSTITUTION, "I1");
    assert_string_equal(b, "{\"id\":\"I1\",\"name\":\"甲大学\",\"aliases\":"
                           "[\"Jia University\",\"I2\"],\"url\":\"u\"}");
    free(b);
    /* the joined link carries both sources: b's new version keeps it */
    put_from(f->s, KG_PATENT, "{\"id\":\"P1\",\"applicants\":[]}", "b",
             STORE_MERGE);
    assert_int_equal(links_of(f->s, KG_PATENT, "P1"), 1);
    /* the absorbed id resolves to the kept record */
    put_from(f->s, KG_PATENT, "{\"id\":\"P2\",\"applicants\":[\"I2\"]}", "b",
             STORE_MERGE);
    int64_t stubs;
    assert_int_equal(count(f->s, KG_INSTITUTION, &stubs), 1);
    assert_int_equal(links_of(f->s, KG_INSTITUTION, "I1"), 2);

    assert_int_equal(store_merge(f->s, KG_DEMAND, "D1", "D2"), KG_OK);
    char *verdict = NULL; /* D2's verdict on I2, moved twice */
    assert_int_equal(
        store_feedback_get(f->s, "D1", KG_INSTITUTION, "I1", &verdict), KG_OK);
    assert_string_equal(verdict, "decline");
    free(verdict);
    struct kg_buf st;
    kg_buf_init(&st);
    assert_int_equal(store_demand_status_foreach(f->s, note_status, &st),
                     KG_OK);
    assert_string_equal(st.data, "D1=matched;");
    kg_buf_release(&st);
}

static void reimport_keeps_absent_fields_and_null_clears(void **state)
{
    struct fx *f = *state;
    put_from(f->s, KG_DEMAND,
             "{\"id\":\"D91\",\"title\":\"铝灰\",\"description\":\"d\","
             "\"enterprise\":\"华纺\",\"deadline\":\"2027\"}",
             "a", STORE_MERGE);
    put_from(f->s, KG_DEMAND, "{\"id\":\"D91\",\"budget\":\"80万元\"}", "a",
             STORE_MERGE);
    char *b = body_of(f->s, KG_DEMAND, "D91");
    assert_string_equal(b, "{\"id\":\"D91\",\"title\":\"铝灰\",\"enterprise\":"
                           "\"华纺\",\"description\":\"d\",\"budget\":"
                           "\"80万元\",\"deadline\":\"2027\"}");
    free(b);
    assert_int_equal(links_of(f->s, KG_DEMAND, "D91"), 1);
    put_from(f->s, KG_DEMAND,
             "{\"id\":\"D91\",\"description\":null,\"deadline\":\"\"}", "a",
             STORE_MERGE);
    b = body_of(f->s, KG_DEMAND, "D91");
    assert_string_equal(b, "{\"id\":\"D91\",\"title\":\"铝灰\",\"enterprise\":"
                           "\"华纺\",\"budget\":\"80万元\"}");
    free(b);
    put_from(f->s, KG_DEMAND, "{\"id\":\"D91\",\"budget\":\"1\"}", "a",
             STORE_REPLACE);
    b = body_of(f->s, KG_DEMAND, "D91");
    assert_string_equal(b, "{\"id\":\"D91\",\"budget\":\"1\"}");
    free(b);
    assert_int_equal(links_of(f->s, KG_DEMAND, "D91"), 0);
}

static void another_sources_link_is_never_dropped(void **state)
{
    struct fx *f = *state;
    put_from(f->s, KG_ACHIEVEMENT,
             "{\"id\":\"A1\",\"title\":\"t\",\"institution\":\"滨州学院\"}",
             "repo", STORE_MERGE);
    put_from(f->s, KG_ACHIEVEMENT,
             "{\"id\":\"A1\",\"title\":\"t2\",\"institution\":\"山东大学\"}",
             "feed", STORE_MERGE);
    assert_int_equal(links_of(f->s, KG_ACHIEVEMENT, "A1"), 2);
    /* the feed changes its mind: its own link goes, the repository's stays */
    put_from(f->s, KG_ACHIEVEMENT,
             "{\"id\":\"A1\",\"institution\":\"青岛大学\"}", "feed",
             STORE_MERGE);
    assert_int_equal(links_of(f->s, KG_ACHIEVEMENT, "A1"), 2);
    /* a link both make stays while one of them still makes it */
    put_from(f->s, KG_ACHIEVEMENT,
             "{\"id\":\"A1\",\"institution\":\"滨州学院\"}", "feed",
             STORE_MERGE);
    assert_int_equal(links_of(f->s, KG_ACHIEVEMENT, "A1"), 1);
    put_from(f->s, KG_ACHIEVEMENT,
             "{\"id\":\"A1\",\"institution\":\"青岛大学\"}", "feed",
             STORE_MERGE);
    assert_int_equal(links_of(f->s, KG_ACHIEVEMENT, "A1"), 2);
    struct store_info info;
    assert_int_equal(store_get_info(f->s, KG_ACHIEVEMENT, "A1", &info), KG_OK);
    assert_non_null(strstr(info.provenance, "\"title\":{\"source\":\"feed\""));
    assert_non_null(
        strstr(info.provenance, "\"institution\":{\"source\":\"feed\""));
    store_info_release(&info);
}

static bool found_one(kg_kind kind, const char *id, const char *label,
                      void *ctx)
{
    (void)kind;
    (void)label;
    snprintf(ctx, 16, "%s", id);
    return false;
}

static void traditional_names_meet_simplified_ones(void **state)
{
    struct fx *f = *state;
    put_json(f->s, KG_INSTITUTION,
             "{\"id\":\"I9\",\"name\":\"渤海先进技术研究院\"}", NULL);
    put_json(f->s, KG_EXPERT,
             "{\"id\":\"E9\",\"name\":\"李雷\",\"institution\":"
             "\"渤海先進技術研究院\"}",
             NULL);
    int64_t stubs;
    assert_int_equal(count(f->s, KG_INSTITUTION, &stubs), 1);
    assert_int_equal(stubs, 0);
    /* A schema-3 store keyed the Traditional name apart: migration 4
     * writes the keys again. */
    store_close(f->s);
    f->s = NULL;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "UPDATE record SET body = '{\"id\":\"I9\",\"name\":"
                     "\"渤海先進技術研究院\"}' WHERE id = 'I9';"
                     "DELETE FROM name;"
                     "INSERT INTO name SELECT '渤海先進技術研究院', kind, rid "
                     "FROM record WHERE id = 'I9';"
                     /* what schemas 5 to 7 added: 3 is all there is */
                     UNDO_SCHEMA_5_7 "PRAGMA user_version = 3;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    char err[256], id[16] = "";
    assert_int_equal(store_open(f->path, 0, &f->s, err, 256), KG_OK);
    assert_int_equal(store_find_name(f->s, KG_KIND_BIT(KG_INSTITUTION),
                                     "渤海先进技术研究院", found_one, id),
                     KG_OK);
    assert_string_equal(id, "I9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(upsert_twice_updates_and_never_duplicates),
        T(reimport_keeps_absent_fields_and_null_clears),
        T(another_sources_link_is_never_dropped),
        T(traditional_names_meet_simplified_ones),
        T(chinese_text_round_trips_byte_for_byte),
        T(references_resolve_by_id_name_and_alias),
        T(unknown_name_makes_a_stub_that_the_real_record_absorbs),
        T(company_applicants_become_enterprise_stubs),
        T(rollback_leaves_the_store_as_before),
        T(version_moves_only_when_data_changes),
        T(foreach_filters_kinds_stubs_and_changes),
        T(delete_removes_the_record_and_its_links),
        T(links_of_one_relation_and_kind_as_the_full_listing),
        T(merge_joins_links_sources_and_broker_rows),
        T(change_log_names_what_changed_since_a_version),
        T(meta_keeps_values_by_prefix),
        T(readonly_store_refuses_writes),
        T(missing_or_foreign_files_are_clear_errors),
        T(an_older_schema_is_migrated_and_keeps_its_records),
        T(feedback_table_comes_with_schema_7),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
