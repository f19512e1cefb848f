/*
 * app_feedback.c - the writes a broker makes through the service: one
 * record stored as it comes (a demand posted to the API) and a verdict on
 * a match (accept or decline), kept in the store's feedback table.
 */
#include <string.h>

#include "app/app_int.h"

kg_status app_put(struct app_session *a, const struct kg_record *r,
                  const char *source, enum store_upsert_result *result,
                  int64_t *version)
{
    kg_status st = store_upsert(a->s, r, source, result);
    if (st == KG_OK)
        st = store_version(a->s, version);
    return st == KG_OK ? st : app_store_fail(a, st, "storing the record");
}

kg_status app_feedback(struct app_session *a, const char *demand, kg_kind kind,
                       const char *item, bool accept, const char *note)
{
    struct kg_record r;
    record_init(&r, KG_DEMAND);
    kg_status st = store_get(a->s, KG_DEMAND, demand, &r);
    record_release(&r);
    if (st == KG_OK) {
        record_init(&r, kind);
        st = store_get(a->s, kind, item, &r);
        record_release(&r);
    }
    if (st == KG_OK)
        st = store_feedback_set(a->s, demand, kind, item, accept, note);
    return st == KG_OK ? st : app_fail(a, st, "%s", store_last_error(a->s));
}
