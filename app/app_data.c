/*
 * app_data.c - a broker's everyday data work: a demand's status (open,
 * matched, closed) and deleting a record (its links go with it, and the
 * caches follow the store's data version).
 */
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

kg_status app_delete(struct app_session *a, kg_kind kind, const char *id)
{
    int64_t before = -1;
    if (store_version(a->s, &before) != KG_OK)
        before = -1;
    kg_status st = store_delete(a->s, kind, id);
    if (st == KG_ENOTFOUND)
        return app_fail(a, st, "no %s '%s' in %s", record_kind_name(kind), id,
                        a->db_path);
    if (st != KG_OK)
        return app_store_fail(a, st, "deleting");
    /* the graph cache follows the data version on its next open; the
     * search index is brought up to date now, as import does */
    if (app_refresh_index(a, before) != KG_OK)
        kg_buf_reset(&a->msg); /* the next search rebuilds it */
    return KG_OK;
}
