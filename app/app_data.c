/*
 * app_data.c - a broker's everyday data work: a demand's status (open,
 * matched, closed), deleting a record (its links go with it) and merging
 * two records of one kind; the caches follow the store's data version.
 */
#include <stdio.h>
#include <string.h>

#include "app/app_int.h"

size_t app_left_out(const struct app_session *a)
{
    return a->left_out;
}

kg_status app_demand_status(struct app_session *a, const char *id,
                            const char *status)
{
    if (strcmp(status, "open") && strcmp(status, "matched") &&
        strcmp(status, "closed"))
        return app_fail(a, KG_EUSAGE,
                        "a status is open, matched or closed, not '%s'",
                        status);
    struct kg_record r;
    record_init(&r, KG_DEMAND);
    kg_status st = store_get(a->s, KG_DEMAND, id, &r);
    record_release(&r);
    if (st == KG_ENOTFOUND)
        return app_fail(a, st, "no demand '%s' in %s", id, a->db_path);
    if (st == KG_OK)
        st = store_demand_status_set(a->s, id, status);
    return st == KG_OK ? st : app_store_fail(a, st, "setting the status");
}

/* After a write that moved the data version past before: the graph cache
 * follows it on its next open; the search index is brought up to date
 * now, as import does (on failure the next search rebuilds it). */
static void follow_write(struct app_session *a, int64_t before)
{
    if (app_refresh_index(a, before) != KG_OK)
        kg_buf_reset(&a->msg);
}

static int64_t version_now(struct app_session *a)
{
    int64_t v = -1;
    if (store_version(a->s, &v) != KG_OK)
        v = -1;
    return v;
}

kg_status app_delete(struct app_session *a, kg_kind kind, const char *id)
{
    int64_t before = version_now(a);
    kg_status st = store_delete(a->s, kind, id);
    if (st == KG_ENOTFOUND)
        return app_fail(a, st, "no %s '%s' in %s", record_kind_name(kind), id,
                        a->db_path);
    if (st != KG_OK)
        return app_store_fail(a, st, "deleting");
    follow_write(a, before);
    return KG_OK;
}

static bool first_kind(kg_kind kind, const char *id, const char *label,
                       void *ctx)
{
    (void)label;
    struct {
        const char *id;
        int kind;
    } *f = ctx;
    if (strcmp(id, f->id) != 0)
        return true;
    f->kind = (int)kind;
    return false;
}

/* "no KIND 'ID' in DB", and what id is when it is a record of another
 * kind. */
static kg_status merge_missing(struct app_session *a, kg_kind kind,
                               const char *id)
{
    struct {
        const char *id;
        int kind;
    } f = {id, -1};
    if (store_find_name(a->s, KG_ALL_KINDS & ~KG_KIND_BIT(kind), id, first_kind,
                        &f) == KG_OK &&
        f.kind >= 0)
        return app_fail(a, KG_ENOTFOUND,
                        "no %s '%s' in %s: '%s' is %s %s, and a merge joins "
                        "two records of one kind",
                        record_kind_name(kind), id, a->db_path, id,
                        f.kind == KG_INSTITUTION || f.kind == KG_ENTERPRISE ||
                                f.kind == KG_EXPERT || f.kind == KG_ACHIEVEMENT
                            ? "an"
                            : "a",
                        record_kind_name((kg_kind)f.kind));
    return app_fail(a, KG_ENOTFOUND, "no %s '%s' in %s", record_kind_name(kind),
                    id, a->db_path);
}

kg_status app_merge(struct app_session *a, kg_kind kind, const char *keep,
                    const char *gone)
{
    if (strcmp(keep, gone) == 0)
        return app_fail(a, KG_EINPUT,
                        "cannot merge %s '%s' into itself: give two ids",
                        record_kind_name(kind), keep);
    struct store_info info;
    const char *ids[2] = {keep, gone};
    for (int i = 0; i < 2; i++) {
        kg_status st = store_get_info(a->s, kind, ids[i], &info);
        store_info_release(&info);
        if (st == KG_ENOTFOUND)
            return merge_missing(a, kind, ids[i]);
        if (st != KG_OK)
            return app_store_fail(a, st, "merging");
    }
    int64_t before = version_now(a);
    kg_status st = store_merge(a->s, kind, keep, gone);
    if (st != KG_OK)
        return app_store_fail(a, st, "merging");
    follow_write(a, before);
    return KG_OK;
}
