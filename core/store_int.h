/*
 * store_int.h - what the store's core (store.c) and its broker tables
 * (store_broker.c) share and nobody else sees: struct store, its cached
 * statements, and the error and statement helpers. The public interface
 * is core/store.h.
 */
#ifndef KG_STORE_INT_H
#define KG_STORE_INT_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/store.h"

enum stmt_id {
    Q_INFO,
    Q_INSERT,
    Q_UPDATE,
    Q_TOUCH,
    Q_DELETE,
    Q_COUNT,
    Q_NAME_DEL,
    Q_NAME_ADD,
    Q_NAME_FIND,
    Q_ID_FIND,
    Q_STUBS_BY_NORM,
    Q_LINK_DEL,
    Q_LINK_UNSOURCE,
    Q_LINK_DEL_UNSOURCED,
    Q_PROV,
    Q_LINK_ADD,
    Q_LINK_MOVE,
    Q_META_GET,
    Q_META_SET,
    Q_META_DEL,
    Q_COUNT_STMTS
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT_STMTS]; /* prepared on first use (stmt) */
    char *path;
    char err[512];
    int schema;
    bool readonly;
    bool in_txn;  /* inside store_begin .. commit/rollback */
    bool dirty;   /* records or links changed in this transaction */
    int64_t next; /* the version this transaction's changes carry */
};

static inline void set_err(struct store *s, const char *fmt, ...)
    KG_PRINTF(2, 3);
static inline void set_err(struct store *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
}

/* Translates a SQLite result code, keeping SQLite's message on s. */
static inline kg_status sql_fail(struct store *s, int rc, const char *what)
{
    set_err(s, "%s: %s", what, sqlite3_errmsg(s->db));
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return KG_EBUSY;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
        return KG_EIO;
    case SQLITE_CONSTRAINT:
        return KG_EINPUT;
    default:
        return KG_EINTERNAL;
    }
}

/* Prepares sql on s, or fails with what. */
static inline kg_status prepare(struct store *s, const char *sql,
                                sqlite3_stmt **q, const char *what)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, q, NULL);
    return rc == SQLITE_OK ? KG_OK : sql_fail(s, rc, what);
}

/* "no KIND with id 'ID'", as every lookup of a missing record says. */
static inline kg_status not_found(struct store *s, kg_kind kind, const char *id)
{
    set_err(s, "no %s with id '%s'", record_kind_name(kind), id);
    return KG_ENOTFOUND;
}

static inline kg_status exec(struct store *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return KG_OK;
    kg_status st = sql_fail(s, rc, "database");
    if (msg)
        set_err(s, "%s", msg);
    sqlite3_free(msg);
    return st;
}

/* The cached statement id, prepared on its first use and reset and
 * cleared for reuse. NULL when it cannot be prepared: every sqlite3 call
 * on it then fails with SQLITE_MISUSE, and the caller's error path reports
 * the preparing's message (sqlite3_errmsg, s->err). */
sqlite3_stmt *stmt(struct store *s, enum stmt_id id);

static inline void bind_text(sqlite3_stmt *q, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

static inline const char *col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? (const char *)t : "";
}

/* Steps q, a statement that writes, and finalizes it: KG_OK when it ran,
 * else the failure, saying what. */
static inline kg_status step_once(struct store *s, sqlite3_stmt *q,
                                  const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? KG_OK : sql_fail(s, rc, what);
}

/* Steps q, a query of one text column, and finalizes it: *out a copy of
 * the first row's value (the caller frees it), KG_ENOTFOUND when there
 * is no row, else the failure, saying what. */
static inline kg_status step_once_text(struct store *s, sqlite3_stmt *q,
                                       const char *what, char **out)
{
    int rc = sqlite3_step(q);
    kg_status st = KG_OK;
    if (rc == SQLITE_ROW)
        *out = kg_xstrdup(col_text(q, 0));
    else
        st = rc == SQLITE_DONE ? KG_ENOTFOUND : sql_fail(s, rc, what);
    sqlite3_finalize(q);
    return st;
}

#endif
