/*
 * store.c - the SQLite store: records as canonical JSON rows keyed by
 * (kind, id), a name table of normalized names and aliases for resolving
 * references, the links those references make, a key/value table, and a
 * data version counter bumped once per committed change.
 */
#include "core/store.h"

#include <ctype.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/resolve.h"
#include "core/store_int.h"

#define STORE_SCHEMA 7
#define STORE_APP_ID 0x4b476d31 /* "KGm1" */
#define STORE_BUSY_MS 5000

/* Migration i brings the schema from version i to i + 1. */
static const char *const migrations[] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE record("
    "  rid INTEGER PRIMARY KEY,"
    "  kind INTEGER NOT NULL,"
    "  id TEXT NOT NULL,"
    "  label TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  stub INTEGER NOT NULL DEFAULT 0,"
    "  source TEXT,"
    "  first_seen TEXT NOT NULL,"
    "  last_seen TEXT NOT NULL,"
    "  changed INTEGER NOT NULL,"
    "  UNIQUE(kind, id));"
    "CREATE INDEX record_changed ON record(changed);"
    "CREATE TABLE name("
    "  norm TEXT NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  rid INTEGER NOT NULL REFERENCES record(rid) ON DELETE CASCADE,"
    "  PRIMARY KEY(norm, kind, rid)) WITHOUT ROWID;"
    "CREATE INDEX name_rid ON name(rid);"
    "CREATE TABLE link("
    "  src INTEGER NOT NULL REFERENCES record(rid) ON DELETE CASCADE,"
    "  rel INTEGER NOT NULL,"
    "  dst INTEGER NOT NULL REFERENCES record(rid) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  PRIMARY KEY(src, rel, dst)) WITHOUT ROWID;"
    "CREATE INDEX link_dst ON link(dst);",
    /* 2: references are looked up by id whatever the kind. */
    "CREATE INDEX record_id ON record(id);",
    /* 3: each field's provenance, and each link's sources, the names of
     * the sources that made it between unit separators ("\x1fA\x1fB\x1f"),
     * so that a re-import, which merges, drops a link only when no other
     * source still makes it. Older links are taken to come from their
     * record's source. */
    "ALTER TABLE record ADD COLUMN prov TEXT;"
    "ALTER TABLE link ADD COLUMN sources TEXT NOT NULL DEFAULT '';"
    "UPDATE link SET sources = char(31) || coalesce((SELECT source FROM "
    "record WHERE rid = src), '') || char(31);",
    /* 4: name keys fold Traditional to Simplified: renormalize_names()
     * writes them again from the records. */
    "DELETE FROM name;",
    /* 5: the nightly batch's runs (a shard's next run starts from its last
     * one's data version) and what each demand's matches were then. */
    "CREATE TABLE batch_run("
    "  run INTEGER PRIMARY KEY,"
    "  shard TEXT NOT NULL,"
    "  started TEXT NOT NULL,"
    "  finished TEXT NOT NULL,"
    "  version INTEGER NOT NULL,"
    "  demands INTEGER NOT NULL,"
    "  out TEXT NOT NULL);"
    "CREATE TABLE batch_seen("
    "  shard TEXT NOT NULL,"
    "  demand TEXT NOT NULL,"
    "  fingerprint TEXT NOT NULL,"
    "  PRIMARY KEY(shard, demand)) WITHOUT ROWID;"
    /* and a demand's status as brokers set it (none: open) */
    "CREATE TABLE demand_status("
    "  demand TEXT PRIMARY KEY,"
    "  status TEXT NOT NULL,"
    "  at TEXT NOT NULL) WITHOUT ROWID;",
    /* 6: a change log for the incremental index. Each record added,
     * updated, deleted, linked or unlinked leaves a row (version, kind, id)
     * with the version its transaction commits (store/version + 1 while the
     * transaction runs); change/since is the version from which the log is
     * complete. A link whose sources alone change (a re-import merging
     * them) changes no record's text, so it leaves no row. */
    "CREATE TABLE change("
    "  version INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  id TEXT NOT NULL);"
    "CREATE INDEX change_version ON change(version);"
    "INSERT OR REPLACE INTO meta(key, value) VALUES('change/since',"
    "  (SELECT coalesce(max(CAST(value AS INTEGER)), 0) FROM meta"
    "   WHERE key = 'store/version'));"
    "CREATE VIEW change_next AS SELECT coalesce(max(CAST(value AS INTEGER)),"
    "  0) + 1 AS v FROM meta WHERE key = 'store/version';"
    "CREATE TRIGGER change_record_add AFTER INSERT ON record BEGIN"
    "  INSERT INTO change SELECT v, new.kind, new.id FROM change_next; END;"
    "CREATE TRIGGER change_record_set AFTER UPDATE ON record"
    "  WHEN old.body IS NOT new.body OR old.stub IS NOT new.stub"
    "    OR old.id IS NOT new.id OR old.kind IS NOT new.kind BEGIN"
    "  INSERT INTO change SELECT v, old.kind, old.id FROM change_next;"
    "  INSERT INTO change SELECT v, new.kind, new.id FROM change_next"
    "    WHERE old.id IS NOT new.id OR old.kind IS NOT new.kind; END;"
    "CREATE TRIGGER change_record_del AFTER DELETE ON record BEGIN"
    "  INSERT INTO change SELECT v, old.kind, old.id FROM change_next; END;"
    "CREATE TRIGGER change_link_add AFTER INSERT ON link BEGIN"
    "  INSERT INTO change SELECT v, kind, id FROM record, change_next"
    "    WHERE rid IN (new.src, new.dst); END;"
    "CREATE TRIGGER change_link_del AFTER DELETE ON link BEGIN"
    "  INSERT INTO change SELECT v, kind, id FROM record, change_next"
    "    WHERE rid IN (old.src, old.dst); END;"
    "CREATE TRIGGER change_link_set AFTER UPDATE OF src, rel, dst, pos"
    "  ON link BEGIN"
    "  INSERT INTO change SELECT v, kind, id FROM record, change_next"
    "    WHERE rid IN (old.src, old.dst, new.src, new.dst); END;",
    /* 7: brokers' verdicts on matches. Before, the first verdict made the
     * table, so a store that took one already has it. */
    "CREATE TABLE IF NOT EXISTS feedback("
    "  demand TEXT NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  item TEXT NOT NULL,"
    "  verdict TEXT NOT NULL,"
    "  note TEXT,"
    "  at TEXT NOT NULL,"
    "  PRIMARY KEY(demand, kind, item)) WITHOUT ROWID;",
};

static const char *const stmt_sql[Q_COUNT_STMTS] = {
    [Q_INFO] = "SELECT source, first_seen, last_seen, changed, stub, rid, "
               "body, prov FROM record WHERE kind = ?1 AND id = ?2",
    [Q_INSERT] = "INSERT INTO record(kind, id, label, body, stub, source, "
                 "first_seen, last_seen, changed, prov) "
                 "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)",
    [Q_UPDATE] = "UPDATE record SET label = ?2, body = ?3, stub = 0, "
                 "source = ?4, last_seen = ?5, changed = ?6, prov = ?7 "
                 "WHERE rid = ?1",
    [Q_TOUCH] = "UPDATE record SET source = ?2, last_seen = ?3 "
                "WHERE rid = ?1",
    [Q_DELETE] = "DELETE FROM record WHERE rid = ?1",
    [Q_COUNT] = "SELECT count(*), coalesce(sum(stub), 0) FROM record "
                "WHERE kind = ?1",
    [Q_NAME_DEL] = "DELETE FROM name WHERE rid = ?1",
    [Q_NAME_ADD] = "INSERT OR IGNORE INTO name(norm, kind, rid) "
                   "VALUES(?1, ?2, ?3)",
    [Q_NAME_FIND] = "SELECT r.rid, r.kind, r.id, r.label FROM name n "
                    "JOIN record r ON r.rid = n.rid "
                    "WHERE n.norm = ?1 AND ((1 << n.kind) & ?2) != 0 "
                    "ORDER BY r.stub, r.kind, r.rid",
    [Q_ID_FIND] = "SELECT rid, kind, id, label FROM record WHERE id = ?1 "
                  "AND ((1 << kind) & ?2) != 0 ORDER BY stub, kind",
    [Q_STUBS_BY_NORM] = "SELECT r.rid FROM name n JOIN record r "
                        "ON r.rid = n.rid WHERE n.norm = ?1 AND "
                        "((1 << n.kind) & ?2) != 0 AND r.stub = 1 AND "
                        "r.rid != ?3",
    [Q_LINK_DEL] = "DELETE FROM link WHERE src = ?1",
    [Q_LINK_UNSOURCE] = "UPDATE link SET sources = replace(sources, char(31) "
                        "|| coalesce(?2, '') || char(31), char(31)) "
                        "WHERE src = ?1",
    [Q_LINK_DEL_UNSOURCED] = "DELETE FROM link WHERE src = ?1 AND "
                             "sources = char(31)",
    [Q_PROV] = "SELECT prov FROM record WHERE rid = ?1",
    [Q_LINK_ADD] = "INSERT INTO link(src, rel, dst, pos, sources) "
                   "VALUES(?1, ?2, ?3, ?4, char(31) || coalesce(?5, '') || "
                   "char(31)) ON CONFLICT(src, rel, dst) DO UPDATE SET "
                   "sources = CASE WHEN instr(sources, char(31) || "
                   "coalesce(?5, '') || char(31)) > 0 THEN sources ELSE "
                   "sources || coalesce(?5, '') || char(31) END",
    [Q_LINK_MOVE] = "UPDATE OR REPLACE link SET dst = ?2 WHERE dst = ?1",
    [Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [Q_META_SET] = "INSERT INTO meta(key, value) VALUES(?1, ?2) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [Q_META_DEL] = "DELETE FROM meta WHERE key = ?1",
};

#define VERSION_KEY "store/version"

static const char *const rel_names[] = {
    [STORE_REL_AFFILIATED_WITH] = "affiliated_with",
    [STORE_REL_OWNED_BY] = "owned_by",
    [STORE_REL_AUTHORED_BY] = "authored_by",
    [STORE_REL_APPLICANT] = "applicant",
    [STORE_REL_INVENTOR] = "inventor",
    [STORE_REL_POSTED_BY] = "posted_by",
};

const char *store_rel_name(store_rel rel)
{
    if (rel < STORE_REL_AFFILIATED_WITH || rel > STORE_REL_POSTED_BY)
        return NULL;
    return rel_names[rel];
}

const char *store_last_error(const struct store *s)
{
    return s ? s->err : "";
}

const char *store_path(const struct store *s)
{
    return s->path;
}

int store_schema_version(const struct store *s)
{
    return s->schema;
}

static kg_status pragma_int(struct store *s, const char *sql, int *out)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(s, rc, "database");
    rc = sqlite3_step(q);
    *out = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
    kg_status st = KG_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = sql_fail(s, rc, "database");
    sqlite3_finalize(q);
    return st;
}

/*
 * Writes the name table again from every record's name and aliases, with
 * the current resolve_norm (migration 4). A body that does not parse keeps
 * its record nameless here; reading it names it as damaged.
 */
static kg_status renormalize_names(struct store *s)
{
    sqlite3_stmt *q = NULL, *ins = NULL;
    int rc = sqlite3_prepare_v2(s->db, "SELECT rid, kind, body FROM record", -1,
                                &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(s->db,
                                "INSERT OR IGNORE INTO name(norm, kind, rid) "
                                "VALUES(?1, ?2, ?3)",
                                -1, &ins, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *o = json_loads(col_text(q, 2), 0, NULL);
        json_t *aliases = json_object_get(o, "aliases");
        size_t n = json_is_array(aliases) ? json_array_size(aliases) : 0;
        rc = SQLITE_OK;
        for (size_t i = 0; i <= n && rc == SQLITE_OK; i++) {
            json_t *v = i == 0 ? json_object_get(o, "name")
                               : json_array_get(aliases, i - 1);
            char *norm =
                resolve_norm(json_is_string(v) ? json_string_value(v) : "");
            if (*norm) {
                sqlite3_reset(ins);
                bind_text(ins, 1, norm);
                sqlite3_bind_int(ins, 2, sqlite3_column_int(q, 1));
                sqlite3_bind_int64(ins, 3, sqlite3_column_int64(q, 0));
                rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK
                                                      : sqlite3_errcode(s->db);
            }
            free(norm);
        }
        json_decref(o);
    }
    kg_status st = rc == SQLITE_DONE || rc == SQLITE_OK
                       ? KG_OK
                       : sql_fail(s, rc, "renormalizing names");
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    return st;
}

static kg_status migrate(struct store *s)
{
    int app = 0, ver = 0, tables = 0;
    kg_status st = pragma_int(s, "PRAGMA application_id", &app);
    if (st == KG_OK)
        st = pragma_int(s, "PRAGMA user_version", &ver);
    if (st == KG_OK)
        st = pragma_int(s, "SELECT count(*) FROM sqlite_master", &tables);
    if (st != KG_OK)
        return st;
    if (app != STORE_APP_ID && tables > 0) {
        set_err(s, "%s is not a kgmatch database", s->path);
        return KG_EIO;
    }
    if (ver > STORE_SCHEMA) {
        set_err(s, "%s has schema %d, newer than this kgmatch (%d)", s->path,
                ver, STORE_SCHEMA);
        return KG_EIO;
    }
    if (ver == STORE_SCHEMA) {
        s->schema = ver;
        return KG_OK;
    }
    if (s->readonly) {
        set_err(s, "%s needs a schema upgrade: run 'kgmatch init'", s->path);
        return KG_EIO;
    }
    st = exec(s, "BEGIN IMMEDIATE");
    for (; st == KG_OK && ver < STORE_SCHEMA; ver++) {
        st = exec(s, migrations[ver]);
        if (st == KG_OK && ver == 3)
            st = renormalize_names(s);
        if (st == KG_OK) {
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA user_version = %d", ver + 1);
            st = exec(s, sql);
        }
    }
    if (st == KG_OK) {
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d", STORE_APP_ID);
        st = exec(s, sql);
    }
    if (st == KG_OK)
        st = exec(s, "COMMIT");
    if (st != KG_OK) {
        /* ROLLBACK by sqlite3_exec leaves s->err, the first failure, be */
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    s->schema = STORE_SCHEMA;
    return KG_OK;
}

/*
 * How a read-only open reaches a WAL database. SQLite needs the -shm file
 * (creating it when missing); in a folder this process cannot write, with
 * no -shm there, the one way in is a URI with immutable=1, which is sound
 * only when no -wal holds changes not yet in the main file: then *uri gets
 * that URI (the caller frees it). Returns KG_EIO with a message when the
 * -wal holds changes and the folder is read-only.
 */
static kg_status readonly_uri(struct store *s, const char *path, char **uri)
{
    *uri = NULL;
    char *dir = kg_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    bool writable = access(slash ? dir : ".", W_OK) == 0;
    free(dir);
    char *shm = kg_xasprintf("%s-shm", path),
         *wal = kg_xasprintf("%s-wal", path);
    struct stat sb;
    bool have_shm = stat(shm, &sb) == 0;
    bool wal_data = stat(wal, &sb) == 0 && sb.st_size > 0;
    free(shm);
    free(wal);
    if (writable || have_shm)
        return KG_OK;
    if (wal_data) {
        set_err(s,
                "%s-wal holds changes not yet in %s and the folder is "
                "read-only: open it once where it can be written",
                path, path);
        return KG_EIO;
    }
    struct kg_buf b;
    kg_buf_init(&b);
    kg_buf_printf(&b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || strchr("/-._~", *p))
            kg_buf_addc(&b, (char)*p);
        else
            kg_buf_printf(&b, "%%%02X", *p);
    }
    kg_buf_printf(&b, "?immutable=1");
    *uri = kg_buf_detach(&b);
    return KG_OK;
}

kg_status store_open(const char *path, int flags, struct store **out, char *err,
                     size_t errlen)
{
    struct store *s = kg_xcalloc(1, sizeof *s);
    kg_status st = KG_OK;
    s->path = kg_xstrdup(path);
    s->readonly = (flags & STORE_READONLY) != 0;
    *out = NULL;

    struct stat sb;
    bool exists = stat(path, &sb) == 0;
    if (exists && S_ISDIR(sb.st_mode)) {
        set_err(s, "database path %s is a directory, not a database file",
                path);
        st = KG_EIO;
        goto fail;
    }
    if (!(flags & STORE_CREATE) && !exists) {
        set_err(s, "no database at %s (create it with 'kgmatch init')", path);
        st = KG_EIO;
        goto fail;
    }
    int oflags = s->readonly ? SQLITE_OPEN_READONLY
                             : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    char *uri = NULL;
    if (s->readonly) {
        st = readonly_uri(s, path, &uri);
        if (st != KG_OK)
            goto fail;
    }
    int rc = sqlite3_open_v2(
        uri ? uri : path, &s->db,
        oflags | SQLITE_OPEN_NOMUTEX | (uri ? SQLITE_OPEN_URI : 0), NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        set_err(s, "cannot open database %s: %s", path,
                s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        st = KG_EIO;
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
    st = exec(s, "PRAGMA foreign_keys = ON");
    if (st == KG_OK && !s->readonly) {
        st = exec(s, "PRAGMA journal_mode = WAL");
        if (st == KG_OK)
            st = exec(s, "PRAGMA synchronous = NORMAL");
    }
    if (st == KG_OK)
        st = migrate(s);
    if (st != KG_OK && (sqlite3_errcode(s->db) & 0xff) == SQLITE_NOTADB) {
        set_err(s, "%s is not a kgmatch database (not SQLite)", path);
        st = KG_EIO;
        goto fail;
    } else if (st != KG_OK) {
        if ((st == KG_EINTERNAL || st == KG_EIO) &&
            strstr(s->err, s->path) == NULL) {
            char keep[sizeof s->err];
            memcpy(keep, s->err, sizeof keep);
            set_err(s, "database %s: %s", path, keep);
        }
        if (st == KG_EINTERNAL)
            st = KG_EIO;
        goto fail;
    }
    *out = s;
    return KG_OK;
fail:
    if (err)
        snprintf(err, errlen, "%s", s->err);
    store_close(s);
    return st;
}

sqlite3_stmt *stmt(struct store *s, enum stmt_id id)
{
    /* Prepared when first asked for, not at open: a one-demand process
     * uses a few of them, and preparing all cost 2.1 M instructions. */
    sqlite3_stmt *q = s->q[id];
    if (!q) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1,
                                    SQLITE_PREPARE_PERSISTENT, &s->q[id], NULL);
        if (rc != SQLITE_OK) {
            sql_fail(s, rc, "preparing statements");
            return NULL;
        }
        return s->q[id];
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return q;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < Q_COUNT_STMTS; i++)
        sqlite3_finalize(s->q[i]);
    if (s->db)
        sqlite3_close(s->db);
    free(s->path);
    free(s);
}

kg_status store_meta_get(struct store *s, const char *key, char **value)
{
    sqlite3_stmt *q = stmt(s, Q_META_GET);
    bind_text(q, 1, key);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *value = kg_xstrdup(col_text(q, 0));
        sqlite3_reset(q);
        return KG_OK;
    }
    sqlite3_reset(q);
    if (rc == SQLITE_DONE)
        return KG_ENOTFOUND;
    return sql_fail(s, rc, "reading state");
}

/* Steps q, a cached statement that writes, and resets it for its next
 * use: KG_OK when it ran, else the failure, saying what. */
static kg_status step_done(struct store *s, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? KG_OK : sql_fail(s, rc, what);
}

kg_status store_meta_set(struct store *s, const char *key, const char *value)
{
    sqlite3_stmt *q = stmt(s, Q_META_SET);
    bind_text(q, 1, key);
    bind_text(q, 2, value);
    return step_done(s, q, "writing state");
}

kg_status store_meta_delete(struct store *s, const char *key)
{
    sqlite3_stmt *q = stmt(s, Q_META_DEL);
    bind_text(q, 1, key);
    return step_done(s, q, "deleting state");
}

kg_status store_meta_foreach(struct store *s, const char *prefix,
                             store_meta_cb cb, void *ctx)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT key, value FROM meta WHERE "
                                "substr(key, 1, length(?1)) = ?1 "
                                "ORDER BY key",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(s, rc, "reading state");
    bind_text(q, 1, prefix);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (!cb(col_text(q, 0), col_text(q, 1), ctx))
            break;
    kg_status st = KG_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = sql_fail(s, rc, "reading state");
    sqlite3_finalize(q);
    return st;
}

kg_status store_version(struct store *s, int64_t *v)
{
    char *val = NULL;
    kg_status st = store_meta_get(s, VERSION_KEY, &val);
    *v = 0;
    if (st == KG_OK)
        *v = strtoll(val, NULL, 10);
    free(val);
    return st == KG_ENOTFOUND ? KG_OK : st;
}

kg_status store_changes(struct store *s, int64_t after, store_change_cb cb,
                        void *ctx)
{
    char *val = NULL;
    kg_status st = store_meta_get(s, "change/since", &val);
    int64_t since = st == KG_OK ? strtoll(val, NULL, 10) : INT64_MAX;
    free(val);
    if (st != KG_OK && st != KG_ENOTFOUND)
        return st;
    if (after < since) {
        set_err(s, "changes before version %lld are not logged",
                (long long)since);
        return KG_ENOTFOUND;
    }
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT DISTINCT kind, id FROM change "
                                "WHERE version > ?1",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(s, rc, "reading changes");
    sqlite3_bind_int64(q, 1, after);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int k = sqlite3_column_int(q, 0);
        if (k >= 0 && k < KG_KIND_COUNT && !cb((kg_kind)k, col_text(q, 1), ctx))
            break;
    }
    st = KG_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = sql_fail(s, rc, "reading changes");
    sqlite3_finalize(q);
    return st;
}

kg_status store_begin(struct store *s)
{
    if (s->in_txn) {
        set_err(s, "transaction already open");
        return KG_EINTERNAL;
    }
    kg_status st = exec(s, "BEGIN IMMEDIATE");
    if (st != KG_OK) {
        if (st == KG_EBUSY)
            set_err(s, "database %s is busy (another kgmatch is writing)",
                    s->path);
        return st;
    }
    int64_t v;
    st = store_version(s, &v);
    if (st != KG_OK) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return st;
    }
    s->in_txn = true;
    s->dirty = false;
    s->next = v + 1;
    return KG_OK;
}

kg_status store_commit(struct store *s)
{
    kg_status st = KG_OK;
    if (s->dirty) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)s->next);
        st = store_meta_set(s, VERSION_KEY, v);
    }
    if (st == KG_OK)
        st = exec(s, "COMMIT");
    if (st != KG_OK) {
        store_rollback(s);
        return st;
    }
    s->in_txn = false;
    s->dirty = false;
    return KG_OK;
}

void store_rollback(struct store *s)
{
    if (!s->in_txn)
        return;
    for (int i = 0; i < Q_COUNT_STMTS; i++)
        sqlite3_reset(s->q[i]);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_txn = false;
    s->dirty = false;
}

/* Runs a write in its own transaction unless the caller holds one. */
static kg_status auto_begin(struct store *s, bool *mine)
{
    *mine = !s->in_txn;
    return *mine ? store_begin(s) : KG_OK;
}

static kg_status auto_end(struct store *s, bool mine, kg_status st)
{
    if (!mine)
        return st;
    if (st != KG_OK) {
        store_rollback(s); /* keeps s->err: the failure's message */
        return st;
    }
    return store_commit(s);
}

/* Looks up (kind, id); *rid = 0 when absent. */
static kg_status find_rid(struct store *s, kg_kind kind, const char *id,
                          int64_t *rid, bool *stub, char **body)
{
    sqlite3_stmt *q = stmt(s, Q_INFO);
    sqlite3_bind_int(q, 1, (int)kind);
    bind_text(q, 2, id);
    int rc = sqlite3_step(q);
    *rid = 0;
    if (rc == SQLITE_ROW) {
        *rid = sqlite3_column_int64(q, 5);
        if (stub)
            *stub = sqlite3_column_int(q, 4) != 0;
        if (body)
            *body = kg_xstrdup(col_text(q, 6));
    }
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_fail(s, rc, "reading record");
    return KG_OK;
}

static kg_status add_name(struct store *s, kg_kind kind, int64_t rid,
                          const char *name)
{
    char *norm = resolve_norm(name);
    kg_status st = KG_OK;
    if (*norm) {
        sqlite3_stmt *q = stmt(s, Q_NAME_ADD);
        bind_text(q, 1, norm);
        sqlite3_bind_int(q, 2, (int)kind);
        sqlite3_bind_int64(q, 3, rid);
        st = step_done(s, q, "storing name");
    }
    free(norm);
    return st;
}

/* Kinds a name of `kind` may stand for (institutions and enterprises are
 * both organisations: a patent applicant stub may be either). */
static unsigned merge_kinds(kg_kind kind)
{
    if (kind == KG_INSTITUTION || kind == KG_ENTERPRISE)
        return KG_KIND_BIT(KG_INSTITUTION) | KG_KIND_BIT(KG_ENTERPRISE);
    return KG_KIND_BIT(kind);
}

/* Folds every stub named `name` into record rid: its links move over. */
static kg_status merge_stubs(struct store *s, kg_kind kind, int64_t rid,
                             const char *name)
{
    char *norm = resolve_norm(name);
    kg_status st = KG_OK;
    int64_t stubs[16];
    int n = 0;
    if (*norm) {
        sqlite3_stmt *q = stmt(s, Q_STUBS_BY_NORM);
        bind_text(q, 1, norm);
        sqlite3_bind_int(q, 2, (int)merge_kinds(kind));
        sqlite3_bind_int64(q, 3, rid);
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < 16)
            stubs[n++] = sqlite3_column_int64(q, 0);
        sqlite3_reset(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            st = sql_fail(s, rc, "merging stubs");
    }
    free(norm);
    for (int i = 0; i < n && st == KG_OK; i++) {
        sqlite3_stmt *q = stmt(s, Q_LINK_MOVE);
        sqlite3_bind_int64(q, 1, stubs[i]);
        sqlite3_bind_int64(q, 2, rid);
        st = step_done(s, q, "merging stubs");
        if (st == KG_OK) {
            q = stmt(s, Q_DELETE);
            sqlite3_bind_int64(q, 1, stubs[i]);
            st = step_done(s, q, "merging stubs");
        }
        s->dirty = true;
    }
    return st;
}

static kg_status insert_row(struct store *s, kg_kind kind, const char *id,
                            const char *label, const char *body, bool stub,
                            const char *source, const char *prov, int64_t *rid)
{
    char now[32];
    kg_now_iso(now);
    sqlite3_stmt *q = stmt(s, Q_INSERT);
    sqlite3_bind_int(q, 1, (int)kind);
    bind_text(q, 2, id);
    bind_text(q, 3, label);
    bind_text(q, 4, body);
    sqlite3_bind_int(q, 5, stub);
    bind_text(q, 6, source);
    bind_text(q, 7, now);
    sqlite3_bind_int64(q, 8, s->next);
    bind_text(q, 9, prov);
    kg_status st = step_done(s, q, "storing record");
    *rid = sqlite3_last_insert_rowid(s->db);
    s->dirty = true;
    return st;
}

/*
 * Resolves a reference to a record of one of `kinds`: by exact id, then by
 * normalized name or alias, else by creating a stub of stub_kind.
 */
static kg_status resolve_ref(struct store *s, unsigned kinds, kg_kind stub_kind,
                             const char *value, const char *source,
                             int64_t *rid)
{
    sqlite3_stmt *q = stmt(s, Q_ID_FIND);
    bind_text(q, 1, value);
    sqlite3_bind_int(q, 2, (int)kinds);
    int rc = sqlite3_step(q);
    *rid = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_fail(s, rc, "resolving reference");
    if (*rid)
        return KG_OK;

    char *norm = resolve_norm(value);
    if (*norm) {
        q = stmt(s, Q_NAME_FIND);
        bind_text(q, 1, norm);
        sqlite3_bind_int(q, 2, (int)kinds);
        rc = sqlite3_step(q);
        *rid = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        sqlite3_reset(q);
    }
    free(norm);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sql_fail(s, rc, "resolving reference");
    if (*rid)
        return KG_OK;

    struct kg_record stub;
    record_init(&stub, stub_kind);
    stub.id = (char *)value;
    stub.name = (char *)value;
    char *body = record_to_json(&stub);
    kg_status st =
        insert_row(s, stub_kind, value, value, body, true, source, NULL, rid);
    free(body);
    if (st == KG_OK)
        st = add_name(s, stub_kind, *rid, value);
    return st;
}

static kg_status add_link(struct store *s, int64_t src, store_rel rel,
                          unsigned kinds, kg_kind stub_kind, const char *value,
                          int pos, const char *source)
{
    if (!value || !*value)
        return KG_OK;
    int64_t dst;
    kg_status st = resolve_ref(s, kinds, stub_kind, value, source, &dst);
    if (st != KG_OK || dst == src)
        return st;
    sqlite3_stmt *q = stmt(s, Q_LINK_ADD);
    sqlite3_bind_int64(q, 1, src);
    sqlite3_bind_int(q, 2, (int)rel);
    sqlite3_bind_int64(q, 3, dst);
    sqlite3_bind_int(q, 4, pos);
    bind_text(q, 5, source);
    return step_done(s, q, "storing link");
}

static kg_status add_link_list(struct store *s, int64_t src, store_rel rel,
                               unsigned kinds, kg_kind stub_kind,
                               const struct kg_strlist *l, const char *source)
{
    kg_status st = KG_OK;
    for (size_t i = 0; i < l->n && st == KG_OK; i++) {
        kg_kind k = stub_kind;
        if (rel == STORE_REL_APPLICANT)
            k = resolve_is_company(l->v[i]) ? KG_ENTERPRISE : KG_INSTITUTION;
        st = add_link(s, src, rel, kinds, k, l->v[i], (int)i, source);
    }
    return st;
}

/* Rewrites the names and outgoing links of record rid from r: source no
 * longer makes the links it made before (a link no source makes any more
 * goes; all of them go when every_source), then makes r's. */
static kg_status relink(struct store *s, const struct kg_record *r, int64_t rid,
                        const char *source, bool every_source)
{
    const unsigned inst = KG_KIND_BIT(KG_INSTITUTION);
    const unsigned org = inst | KG_KIND_BIT(KG_ENTERPRISE);
    const unsigned exp = KG_KIND_BIT(KG_EXPERT);
    sqlite3_stmt *q = stmt(s, Q_NAME_DEL);
    sqlite3_bind_int64(q, 1, rid);
    kg_status st = step_done(s, q, "storing names");
    if (st == KG_OK) {
        q = stmt(s, every_source ? Q_LINK_DEL : Q_LINK_UNSOURCE);
        sqlite3_bind_int64(q, 1, rid);
        if (!every_source)
            bind_text(q, 2, source);
        st = step_done(s, q, "storing links");
    }
    if (st == KG_OK && !every_source) {
        q = stmt(s, Q_LINK_DEL_UNSOURCED);
        sqlite3_bind_int64(q, 1, rid);
        st = step_done(s, q, "storing links");
    }
    if (st == KG_OK && r->name) {
        st = add_name(s, r->kind, rid, r->name);
        if (st == KG_OK)
            st = merge_stubs(s, r->kind, rid, r->name);
    }
    for (size_t i = 0; st == KG_OK && i < r->aliases.n; i++) {
        st = add_name(s, r->kind, rid, r->aliases.v[i]);
        if (st == KG_OK)
            st = merge_stubs(s, r->kind, rid, r->aliases.v[i]);
    }
    if (st != KG_OK)
        return st;
    switch (r->kind) {
    case KG_EXPERT:
        return add_link(s, rid, STORE_REL_AFFILIATED_WITH, inst, KG_INSTITUTION,
                        r->institution, 0, source);
    case KG_ACHIEVEMENT:
        st = add_link(s, rid, STORE_REL_OWNED_BY, inst, KG_INSTITUTION,
                      r->institution, 0, source);
        if (st == KG_OK)
            st = add_link_list(s, rid, STORE_REL_AUTHORED_BY, exp, KG_EXPERT,
                               &r->experts, source);
        return st;
    case KG_PATENT:
        st = add_link_list(s, rid, STORE_REL_APPLICANT, org, KG_INSTITUTION,
                           &r->applicants, source);
        if (st == KG_OK)
            st = add_link_list(s, rid, STORE_REL_INVENTOR, exp, KG_EXPERT,
                               &r->inventors, source);
        return st;
    case KG_DEMAND:
        return add_link(s, rid, STORE_REL_POSTED_BY, KG_KIND_BIT(KG_ENTERPRISE),
                        KG_ENTERPRISE, r->enterprise, 0, source);
    default:
        return KG_OK;
    }
}

static kg_status parse_body(struct store *s, kg_kind kind, const char *id,
                            const char *body, bool stub, struct kg_record *r)
{
    char err[256];
    record_init(r, kind);
    kg_status st = record_from_json(r, body, strlen(body), err, sizeof err);
    if (st != KG_OK) {
        set_err(s, "stored %s '%s' is damaged: %s", record_kind_name(kind), id,
                err);
        return KG_EIO;
    }
    r->stub = stub;
    return KG_OK;
}

/*
 * The provenance column of a record: {"FIELD": {"source": S, "at": T}} for
 * every field r gives, over the entries of old (NULL: none).
 */
static char *provenance(const char *old, const struct kg_record *r,
                        const char *source, const char *now)
{
    json_t *o = old ? json_loads(old, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    for (const struct record_field *f = record_fields(); f->name; f++)
        if (strcmp(f->name, "id") != 0 && record_gives(r, f))
            json_object_set_new(
                o, f->name,
                json_pack("{s:s?, s:s}", "source", source, "at", now));
    char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    char *out = kg_xstrdup(txt ? txt : "{}");
    free(txt);
    return out;
}

static kg_status read_prov(struct store *s, int64_t rid, char **prov)
{
    sqlite3_stmt *q = stmt(s, Q_PROV);
    sqlite3_bind_int64(q, 1, rid);
    int rc = sqlite3_step(q);
    *prov = rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL
                ? kg_xstrdup(col_text(q, 0))
                : NULL;
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? KG_OK
               : sql_fail(s, rc, "reading record");
}

static kg_status upsert(struct store *s, const struct kg_record *r,
                        const char *source, enum store_mode mode,
                        enum store_upsert_result *result)
{
    char err[256];
    kg_status st = record_check_input(r, err, sizeof err);
    if (st != KG_OK) {
        set_err(s, "%s", err);
        return st;
    }
    int64_t rid;
    bool was_stub = false;
    char *old = NULL, *old_prov = NULL, *body = NULL, *prov = NULL;
    struct kg_record merged;
    record_init(&merged, r->kind);
    const struct kg_record *now_r = r; /* the record as it will be stored */
    st = find_rid(s, r->kind, r->id, &rid, &was_stub, &old);
    bool merge = rid && !was_stub && mode == STORE_MERGE;
    if (st == KG_OK && merge)
        st = parse_body(s, r->kind, r->id, old, false, &merged);
    if (st == KG_OK && merge) {
        record_merge(&merged, r);
        now_r = &merged;
        st = read_prov(s, rid, &old_prov);
    }
    if (st != KG_OK)
        goto done;
    body = record_to_json(now_r);
    char now[32];
    kg_now_iso(now);
    if (rid && !was_stub && strcmp(old, body) == 0) {
        sqlite3_stmt *q = stmt(s, Q_TOUCH);
        sqlite3_bind_int64(q, 1, rid);
        bind_text(q, 2, source);
        bind_text(q, 3, now);
        st = step_done(s, q, "storing record");
        *result = STORE_UNCHANGED;
        goto done;
    }
    prov = provenance(merge ? old_prov : NULL, r, source, now);
    if (rid) {
        sqlite3_stmt *q = stmt(s, Q_UPDATE);
        sqlite3_bind_int64(q, 1, rid);
        bind_text(q, 2, record_label(now_r));
        bind_text(q, 3, body);
        bind_text(q, 4, source);
        bind_text(q, 5, now);
        sqlite3_bind_int64(q, 6, s->next);
        bind_text(q, 7, prov);
        st = step_done(s, q, "storing record");
        s->dirty = true;
        *result = was_stub ? STORE_ADDED : STORE_UPDATED;
    } else {
        st = insert_row(s, r->kind, r->id, record_label(r), body, false, source,
                        prov, &rid);
        *result = STORE_ADDED;
    }
    if (st == KG_OK)
        st = relink(s, now_r, rid, source, mode == STORE_REPLACE);
done:
    record_release(&merged);
    free(body);
    free(prov);
    free(old);
    free(old_prov);
    return st;
}

kg_status store_upsert(struct store *s, const struct kg_record *r,
                       const char *source, enum store_upsert_result *result)
{
    return store_put(s, r, source, STORE_MERGE, result);
}

kg_status store_put(struct store *s, const struct kg_record *r,
                    const char *source, enum store_mode mode,
                    enum store_upsert_result *result)
{
    enum store_upsert_result dummy;
    bool mine;
    kg_status st = auto_begin(s, &mine);
    if (st != KG_OK)
        return st;
    st = upsert(s, r, source, mode, result ? result : &dummy);
    return auto_end(s, mine, st);
}

kg_status store_delete(struct store *s, kg_kind kind, const char *id)
{
    bool mine;
    kg_status st = auto_begin(s, &mine);
    if (st != KG_OK)
        return st;
    int64_t rid;
    st = find_rid(s, kind, id, &rid, NULL, NULL);
    if (st == KG_OK && !rid)
        st = not_found(s, kind, id);
    if (st == KG_OK) {
        sqlite3_stmt *q = stmt(s, Q_DELETE);
        sqlite3_bind_int64(q, 1, rid);
        st = step_done(s, q, "deleting record");
        s->dirty = true;
    }
    return auto_end(s, mine, st);
}

kg_status store_get(struct store *s, kg_kind kind, const char *id,
                    struct kg_record *r)
{
    int64_t rid;
    bool stub = false;
    char *body = NULL;
    kg_status st = find_rid(s, kind, id, &rid, &stub, &body);
    if (st == KG_OK && !rid)
        st = not_found(s, kind, id);
    if (st == KG_OK)
        st = parse_body(s, kind, id, body, stub, r);
    free(body);
    return st;
}

kg_status store_get_info(struct store *s, kg_kind kind, const char *id,
                         struct store_info *info)
{
    sqlite3_stmt *q = stmt(s, Q_INFO);
    sqlite3_bind_int(q, 1, (int)kind);
    bind_text(q, 2, id);
    int rc = sqlite3_step(q);
    kg_status st = KG_OK;
    memset(info, 0, sizeof *info);
    if (rc == SQLITE_ROW) {
        info->source = kg_xstrdup(col_text(q, 0));
        snprintf(info->first_seen, sizeof info->first_seen, "%s",
                 col_text(q, 1));
        snprintf(info->last_seen, sizeof info->last_seen, "%s", col_text(q, 2));
        info->changed = sqlite3_column_int64(q, 3);
        info->stub = sqlite3_column_int(q, 4) != 0;
        info->provenance = kg_xstrdup(
            sqlite3_column_type(q, 7) == SQLITE_NULL ? "{}" : col_text(q, 7));
    } else if (rc == SQLITE_DONE) {
        st = not_found(s, kind, id);
    } else {
        st = sql_fail(s, rc, "reading record");
    }
    sqlite3_reset(q);
    return st;
}

void store_info_release(struct store_info *info)
{
    free(info->source);
    free(info->provenance);
    info->source = info->provenance = NULL;
}

kg_status store_count(struct store *s, kg_kind kind, int64_t *n, int64_t *stubs)
{
    sqlite3_stmt *q = stmt(s, Q_COUNT);
    sqlite3_bind_int(q, 1, (int)kind);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int64(q, 0);
        if (stubs)
            *stubs = sqlite3_column_int64(q, 1);
    }
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? KG_OK : sql_fail(s, rc, "counting records");
}

kg_status store_find_name(struct store *s, unsigned kinds, const char *name,
                          store_name_cb cb, void *ctx)
{
    /* A fresh statement: callbacks may call back into the store. */
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT kind, id, label FROM record WHERE id = ?1 AND "
        "((1 << kind) & ?3) != 0 "
        "UNION SELECT r.kind, r.id, r.label FROM name n JOIN record r "
        "ON r.rid = n.rid WHERE n.norm = ?2 AND ((1 << n.kind) & ?3) != 0 "
        "ORDER BY 1, 2",
        -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(s, rc, "finding name");
    char *norm = resolve_norm(name);
    bind_text(q, 1, name);
    bind_text(q, 2, norm);
    sqlite3_bind_int(q, 3, (int)(kinds ? kinds : KG_ALL_KINDS));
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (!cb((kg_kind)sqlite3_column_int(q, 0), col_text(q, 1),
                col_text(q, 2), ctx))
            break;
    kg_status st = KG_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = sql_fail(s, rc, "finding name");
    sqlite3_finalize(q);
    free(norm);
    return st;
}

kg_status store_foreach(struct store *s, const struct store_iter_opts *opts,
                        store_record_cb cb, void *ctx)
{
    struct store_iter_opts o = {0};
    if (opts)
        o = *opts;
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT kind, body, stub, id FROM record "
                                "WHERE ((1 << kind) & ?1) != 0 AND "
                                "changed > ?2 AND stub <= ?3 "
                                "ORDER BY kind, rid",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(s, rc, "reading records");
    sqlite3_bind_int(q, 1, (int)(o.kinds ? o.kinds : KG_ALL_KINDS));
    sqlite3_bind_int64(q, 2, o.changed_after);
    sqlite3_bind_int(q, 3, o.skip_stubs ? 0 : 1);
    kg_status st = KG_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct kg_record r;
        st = parse_body(s, (kg_kind)sqlite3_column_int(q, 0), col_text(q, 3),
                        col_text(q, 1), sqlite3_column_int(q, 2), &r);
        if (st != KG_OK)
            break;
        bool go_on = cb(&r, ctx);
        record_release(&r);
        if (!go_on)
            break;
    }
    if (st == KG_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = sql_fail(s, rc, "reading records");
    sqlite3_finalize(q);
    return st;
}

/* Steps q (its columns: rel, then kind, id and label of each end) and
 * gives cb each link until it returns false; finalizes q. */
static kg_status step_links(struct store *s, sqlite3_stmt *q, store_link_cb cb,
                            void *ctx)
{
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_link l = {
            .rel = (store_rel)sqlite3_column_int(q, 0),
            .src_kind = (kg_kind)sqlite3_column_int(q, 1),
            .src_id = col_text(q, 2),
            .src_label = col_text(q, 3),
            .dst_kind = (kg_kind)sqlite3_column_int(q, 4),
            .dst_id = col_text(q, 5),
            .dst_label = col_text(q, 6),
        };
        if (!cb(&l, ctx))
            break;
    }
    kg_status st = KG_OK;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        st = sql_fail(s, rc, "reading links");
    sqlite3_finalize(q);
    return st;
}

kg_status store_foreach_link(struct store *s, const kg_kind *kind,
                             const char *id, store_link_cb cb, void *ctx)
{
    /* One record's links come through its rowid and the src/dst indexes;
     * only the full listing reads the whole table. */
    static const char *const all_sql =
        "SELECT l.rel, a.kind, a.id, a.label, b.kind, b.id, b.label "
        "FROM link l JOIN record a ON a.rid = l.src "
        "JOIN record b ON b.rid = l.dst ORDER BY l.src, l.rel, l.pos";
    static const char *const one_sql =
        "SELECT rel, ak, aid, al, bk, bid, bl FROM ("
        "SELECT l.rel, a.kind AS ak, a.id AS aid, a.label AS al, b.kind AS bk,"
        " b.id AS bid, b.label AS bl, l.src, l.pos FROM link l "
        "JOIN record a ON a.rid = l.src JOIN record b ON b.rid = l.dst "
        "WHERE l.src = ?1 UNION ALL "
        "SELECT l.rel, a.kind, a.id, a.label, b.kind, b.id, b.label, l.src,"
        " l.pos FROM link l JOIN record a ON a.rid = l.src "
        "JOIN record b ON b.rid = l.dst WHERE l.dst = ?1 AND l.src != ?1) "
        "ORDER BY src, rel, pos";
    int64_t rid = 0;
    if (kind) {
        kg_status fst = find_rid(s, *kind, id, &rid, NULL, NULL);
        if (fst != KG_OK || rid == 0)
            return fst;
    }
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db, kind ? one_sql : all_sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(s, rc, "reading links");
    if (kind)
        sqlite3_bind_int64(q, 1, rid);
    return step_links(s, q, cb, ctx);
}

kg_status store_foreach_link_rel(struct store *s, kg_kind src_kind,
                                 store_rel rel, store_link_cb cb, void *ctx)
{
    /* the records of the kind through UNIQUE(kind, id), each one's links
     * of rel through the link table's key (src, rel, dst) */
    static const char *const sql =
        "SELECT l.rel, a.kind, a.id, a.label, b.kind, b.id, b.label "
        "FROM record a JOIN link l ON l.src = a.rid AND l.rel = ?2 "
        "JOIN record b ON b.rid = l.dst WHERE a.kind = ?1 "
        "ORDER BY l.src, l.rel, l.pos";
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(s, rc, "reading links");
    sqlite3_bind_int(q, 1, (int)src_kind);
    sqlite3_bind_int(q, 2, (int)rel);
    return step_links(s, q, cb, ctx);
}
