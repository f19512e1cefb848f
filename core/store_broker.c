/*
 * store_broker.c - the tables a broker's and the nightly batch's writes
 * keep: feedback verdicts, batch runs and fingerprints, demand status.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/store.h"
#include "core/store_int.h"

/* ---- feedback (schema 7) ----------------------------------------------- */

kg_status store_feedback_set(struct store *s, const char *demand, kg_kind kind,
                             const char *item, bool accept, const char *note)
{
    sqlite3_stmt *q;
    kg_status st = prepare(s,
                           "INSERT OR REPLACE INTO feedback"
                           "(demand, kind, item, verdict, note, at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                           &q, "writing feedback");
    if (st != KG_OK)
        return st;
    char now[32];
    kg_now_iso(now);
    bind_text(q, 1, demand);
    sqlite3_bind_int(q, 2, (int)kind);
    bind_text(q, 3, item);
    bind_text(q, 4, accept ? "accept" : "decline");
    if (note)
        bind_text(q, 5, note);
    bind_text(q, 6, now);
    return step_once(s, q, "writing feedback");
}

kg_status store_feedback_get(struct store *s, const char *demand, kg_kind kind,
                             const char *item, char **verdict)
{
    *verdict = NULL;
    sqlite3_stmt *q;
    kg_status st = prepare(s,
                           "SELECT verdict FROM feedback WHERE demand = ?1 "
                           "AND kind = ?2 AND item = ?3",
                           &q, "reading feedback");
    if (st != KG_OK)
        return st;
    bind_text(q, 1, demand);
    sqlite3_bind_int(q, 2, (int)kind);
    bind_text(q, 3, item);
    return step_once_text(s, q, "reading feedback", verdict);
}

/* ---- batch runs (schema 5) ---------------------------------------------- */

kg_status store_batch_last(struct store *s, const char *shard, int64_t *version,
                           char at[32])
{
    sqlite3_stmt *q;
    *version = 0;
    at[0] = '\0';
    kg_status st = prepare(s,
                           "SELECT version, finished FROM batch_run "
                           "WHERE shard = ?1 ORDER BY run DESC LIMIT 1",
                           &q, "reading batch runs");
    if (st != KG_OK)
        return st;
    bind_text(q, 1, shard);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(q, 0);
        snprintf(at, 32, "%s", col_text(q, 1));
    } else {
        st = rc == SQLITE_DONE ? KG_ENOTFOUND
                               : sql_fail(s, rc, "reading batch runs");
    }
    sqlite3_finalize(q);
    return st;
}

kg_status store_batch_record(struct store *s, const struct store_batch_run *r)
{
    sqlite3_stmt *q;
    char now[32];
    kg_now_iso(now);
    kg_status st = prepare(s,
                           "INSERT INTO batch_run(shard, started, finished, "
                           "version, demands, out) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                           &q, "recording the batch");
    if (st != KG_OK)
        return st;
    bind_text(q, 1, r->shard);
    bind_text(q, 2, r->started);
    bind_text(q, 3, now);
    sqlite3_bind_int64(q, 4, r->version);
    sqlite3_bind_int64(q, 5, r->demands);
    bind_text(q, 6, r->out);
    if ((st = step_once(s, q, "recording the batch")) != KG_OK)
        return st;
    if ((st = prepare(s,
                      "INSERT OR REPLACE INTO batch_seen(shard, demand, "
                      "fingerprint) VALUES(?1, ?2, ?3)",
                      &q, "recording the batch")) != KG_OK)
        return st;
    int rc = SQLITE_DONE;
    for (size_t i = 0; i < r->nseen && rc == SQLITE_DONE; i++) {
        sqlite3_reset(q);
        bind_text(q, 1, r->shard);
        bind_text(q, 2, r->seen_demand[i]);
        bind_text(q, 3, r->seen_fingerprint[i]);
        rc = sqlite3_step(q);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? KG_OK : sql_fail(s, rc, "recording the batch");
}

kg_status store_batch_fingerprint(struct store *s, const char *shard,
                                  const char *demand, char **fingerprint)
{
    sqlite3_stmt *q;
    *fingerprint = NULL;
    kg_status st = prepare(s,
                           "SELECT fingerprint FROM batch_seen "
                           "WHERE shard = ?1 AND demand = ?2",
                           &q, "reading batch runs");
    if (st != KG_OK)
        return st;
    bind_text(q, 1, shard);
    bind_text(q, 2, demand);
    return step_once_text(s, q, "reading batch runs", fingerprint);
}

kg_status store_feedback_foreach(struct store *s, const char *demand,
                                 store_feedback_cb cb, void *ctx)
{
    sqlite3_stmt *q;
    kg_status st = prepare(s,
                           "SELECT demand, kind, item, verdict, "
                           "coalesce(note, ''), at FROM feedback "
                           "WHERE ?1 IS NULL OR demand = ?1 "
                           "ORDER BY demand, kind, item",
                           &q, "reading feedback");
    if (st != KG_OK)
        return st;
    bind_text(q, 1, demand);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_feedback f = {
            .demand = col_text(q, 0),
            .kind = (kg_kind)sqlite3_column_int(q, 1),
            .item = col_text(q, 2),
            .accept = strcmp(col_text(q, 3), "accept") == 0,
            .note = col_text(q, 4),
            .at = col_text(q, 5),
        };
        if (!cb(&f, ctx)) {
            rc = SQLITE_DONE;
            break;
        }
    }
    st = rc == SQLITE_DONE ? KG_OK : sql_fail(s, rc, "reading feedback");
    sqlite3_finalize(q);
    return st;
}

/* ---- demand status (schema 5) ------------------------------------------- */

kg_status store_demand_status_set(struct store *s, const char *demand,
                                  const char *status)
{
    sqlite3_stmt *q;
    char now[32];
    kg_now_iso(now);
    kg_status st = prepare(s,
                           "INSERT OR REPLACE INTO demand_status(demand, "
                           "status, at) VALUES(?1, ?2, ?3)",
                           &q, "writing the status");
    if (st != KG_OK)
        return st;
    bind_text(q, 1, demand);
    bind_text(q, 2, status);
    bind_text(q, 3, now);
    return step_once(s, q, "writing the status");
}

kg_status store_demand_status_foreach(struct store *s, store_meta_cb cb,
                                      void *ctx)
{
    sqlite3_stmt *q;
    kg_status st = prepare(s,
                           "SELECT demand, status FROM demand_status "
                           "ORDER BY demand",
                           &q, "reading the status");
    if (st != KG_OK)
        return st;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (!cb(col_text(q, 0), col_text(q, 1), ctx)) {
            rc = SQLITE_DONE;
            break;
        }
    st = rc == SQLITE_DONE ? KG_OK : sql_fail(s, rc, "reading the status");
    sqlite3_finalize(q);
    return st;
}
