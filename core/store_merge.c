/*
 * store_merge.c - folding one record into another of its kind (a broker's
 * `kgmatch merge`, the duplicate stubs 烟台大学 / Yantai University): the
 * kept record's fields win, the absorbed one's other fields, names, links,
 * verdicts and demand status move over, and the absorbed record goes.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/resolve.h"
#include "core/store.h"
#include "core/store_int.h"

/* One side of a merge as the record table holds it. */
struct side {
    int64_t rid;
    bool stub;
    char first_seen[32], last_seen[32];
    struct kg_record r;
    json_t *prov; /* {"FIELD": {"source": S, "at": T}} */
};

static kg_status side_read(struct store *s, kg_kind kind, const char *id,
                           struct side *d)
{
    sqlite3_stmt *q = stmt(s, Q_INFO);
    sqlite3_bind_int(q, 1, (int)kind);
    bind_text(q, 2, id);
    int rc = sqlite3_step(q);
    kg_status st = KG_OK;
    record_init(&d->r, kind);
    d->prov = NULL;
    if (rc == SQLITE_ROW) {
        d->rid = sqlite3_column_int64(q, 5);
        d->stub = sqlite3_column_int(q, 4) != 0;
        snprintf(d->first_seen, sizeof d->first_seen, "%s", col_text(q, 1));
        snprintf(d->last_seen, sizeof d->last_seen, "%s", col_text(q, 2));
        const char *body = col_text(q, 6);
        char err[256];
        if (record_from_json(&d->r, body, strlen(body), err, sizeof err) !=
            KG_OK) {
            set_err(s, "stored %s '%s' is damaged: %s", record_kind_name(kind),
                    id, err);
            st = KG_EIO;
        }
        d->prov = sqlite3_column_type(q, 7) == SQLITE_NULL
                      ? NULL
                      : json_loads(col_text(q, 7), 0, NULL);
    } else if (rc == SQLITE_DONE) {
        st = not_found(s, kind, id);
    } else {
        st = sql_fail(s, rc, "reading record");
    }
    sqlite3_reset(q);
    if (!json_is_object(d->prov)) {
        json_decref(d->prov);
        d->prov = json_object();
    }
    return st;
}

static void side_release(struct side *d)
{
    record_release(&d->r);
    json_decref(d->prov);
    d->prov = NULL;
}

static bool field_empty(struct kg_record *r, const struct record_field *f)
{
    if (f->type == RECORD_STR) {
        const char *v = *record_str(r, f);
        return !v || !*v;
    }
    if (f->type == RECORD_LIST)
        return record_list(r, f)->n == 0;
    return *record_int(r, f) == 0;
}

static bool has_name(const struct kg_record *r, const char *norm)
{
    bool found = false;
    for (size_t i = 0; i <= r->aliases.n && !found; i++) {
        const char *v = i == 0 ? r->name : r->aliases.v[i - 1];
        char *n = resolve_norm(v ? v : "");
        found = *n && strcmp(n, norm) == 0;
        free(n);
    }
    return found;
}

/* Adds name to k's aliases unless k already carries it (by its key);
 * returns whether it did. */
static bool add_alias(struct kg_record *k, const char *name)
{
    if (!name || !*name)
        return false;
    char *norm = resolve_norm(name);
    bool add = *norm && !has_name(k, norm);
    free(norm);
    if (add)
        strlist_add(&k->aliases, name);
    return add;
}

/*
 * The merge rule on the records: a field k has keeps k's value, a field
 * only g has comes over with g's provenance; g's name, aliases and id
 * become k's aliases (provenance: the merge, at now).
 */
static void merge_fields(struct side *k, struct side *g, const char *now)
{
    for (const struct record_field *f = record_fields(); f->name; f++) {
        if (!(f->kinds & KG_KIND_BIT(k->r.kind)) ||
            strcmp(f->name, "id") == 0 || strcmp(f->name, "aliases") == 0 ||
            !field_empty(&k->r, f) || field_empty(&g->r, f))
            continue;
        if (f->type == RECORD_STR) {
            *record_str(&k->r, f) = kg_xstrdup(*record_str(&g->r, f));
        } else if (f->type == RECORD_LIST) {
            const struct kg_strlist *from = record_list(&g->r, f);
            for (size_t i = 0; i < from->n; i++)
                strlist_add(record_list(&k->r, f), from->v[i]);
        } else {
            *record_int(&k->r, f) = *record_int(&g->r, f);
        }
        json_t *p = json_object_get(g->prov, f->name);
        if (p)
            json_object_set(k->prov, f->name, p);
        else
            json_object_del(k->prov, f->name);
    }
    bool named = false;
    if (record_field_find(k->r.kind, "aliases")) {
        named = add_alias(&k->r, g->r.name);
        for (size_t i = 0; i < g->r.aliases.n; i++)
            named = add_alias(&k->r, g->r.aliases.v[i]) || named;
        /* references by g's id (not resolved yet, or made again by a
         * re-import) must find k too */
        named = add_alias(&k->r, g->r.id) || named;
    }
    if (named) {
        char *src = kg_xasprintf("merge of %s", g->r.id);
        json_object_set_new(k->prov, "aliases",
                            json_pack("{s:s, s:s}", "source", src, "at", now));
        free(src);
    }
    k->r.given = 0;
}

static kg_status run(struct store *s, const char *sql, int64_t a, int64_t b,
                     const char *what)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, a);
        sqlite3_bind_int64(q, 2, b);
        rc = sqlite3_step(q);
    }
    kg_status st = rc == SQLITE_DONE ? KG_OK : sql_fail(s, rc, what);
    sqlite3_finalize(q);
    return st;
}

/* The union of two link source lists ("\x1fA\x1fB\x1f"), each name once
 * (caller frees). */
static char *sources_union(const char *a, const char *b)
{
    struct kg_buf u;
    kg_buf_init(&u);
    kg_buf_printf(&u, "%s", *a ? a : "\x1f");
    const char *p = *b == '\x1f' ? b + 1 : b;
    while (*p) {
        const char *e = strchr(p, '\x1f');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *item = kg_xasprintf("\x1f%.*s\x1f", (int)n, p);
        if (!strstr(u.data, item))
            kg_buf_printf(&u, "%.*s\x1f", (int)n, p);
        free(item);
        p += n + (e ? 1 : 0);
    }
    return kg_buf_detach(&u);
}

/*
 * Moves g's links to k: a link between the two goes; a link k already has
 * (same relation, same other end) takes g's sources too; the others are
 * re-pointed. dst selects the incoming side (else the outgoing).
 */
static kg_status move_links(struct store *s, int64_t k, int64_t g, bool dst)
{
    const char *both_sql =
        dst ? "SELECT o.src, o.rel, o.sources, l.sources FROM link o "
              "JOIN link l ON l.src = o.src AND l.rel = o.rel AND l.dst = ?1 "
              "WHERE o.dst = ?2"
            : "SELECT o.dst, o.rel, o.sources, l.sources FROM link o "
              "JOIN link l ON l.dst = o.dst AND l.rel = o.rel AND l.src = ?1 "
              "WHERE o.src = ?2";
    const char *set_sql =
        dst ? "UPDATE link SET sources = ?4 WHERE src = ?3 AND rel = ?2 "
              "AND dst = ?1"
            : "UPDATE link SET sources = ?4 WHERE dst = ?3 AND rel = ?2 "
              "AND src = ?1";
    sqlite3_stmt *q = NULL, *u = NULL;
    int rc = sqlite3_prepare_v2(s->db, both_sql, -1, &q, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(s->db, set_sql, -1, &u, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, k);
        sqlite3_bind_int64(q, 2, g);
    }
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        char *srcs = sources_union(col_text(q, 3), col_text(q, 2));
        sqlite3_reset(u);
        sqlite3_bind_int64(u, 1, k);
        sqlite3_bind_int(u, 2, sqlite3_column_int(q, 1));
        sqlite3_bind_int64(u, 3, sqlite3_column_int64(q, 0));
        bind_text(u, 4, srcs);
        free(srcs);
        rc =
            sqlite3_step(u) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(s->db);
    }
    kg_status st = rc == SQLITE_DONE ? KG_OK : sql_fail(s, rc, "merging links");
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    if (st == KG_OK)
        st = run(s,
                 dst ? "UPDATE OR IGNORE link SET dst = ?1 WHERE dst = ?2"
                     : "UPDATE OR IGNORE link SET src = ?1 WHERE src = ?2",
                 k, g, "merging links");
    return st;
}

/* Verdicts on g (as an item, or as a demand) and g's demand status and
 * batch fingerprints go to k where k has none of its own. */
static kg_status move_broker_rows(struct store *s, kg_kind kind, const char *k,
                                  const char *g)
{
    static const char *const item_sql[] = {
        "UPDATE OR IGNORE feedback SET item = ?1 WHERE kind = ?3 AND "
        "item = ?2",
        "DELETE FROM feedback WHERE kind = ?3 AND item = ?2",
    };
    static const char *const demand_sql[] = {
        "UPDATE OR IGNORE feedback SET demand = ?1 WHERE demand = ?2",
        "DELETE FROM feedback WHERE demand = ?2",
        "UPDATE OR IGNORE demand_status SET demand = ?1 WHERE demand = ?2",
        "DELETE FROM demand_status WHERE demand = ?2",
        "UPDATE OR IGNORE batch_seen SET demand = ?1 WHERE demand = ?2",
        "DELETE FROM batch_seen WHERE demand = ?2",
    };
    const char *const *sql = kind == KG_DEMAND ? demand_sql : item_sql;
    size_t n = kind == KG_DEMAND ? sizeof demand_sql / sizeof *demand_sql
                                 : sizeof item_sql / sizeof *item_sql;
    kg_status st = KG_OK;
    for (size_t i = 0; i < n && st == KG_OK; i++) {
        sqlite3_stmt *q;
        int rc = sqlite3_prepare_v2(s->db, sql[i], -1, &q, NULL);
        if (rc == SQLITE_OK) {
            bind_text(q, 1, k);
            bind_text(q, 2, g);
            if (kind != KG_DEMAND)
                sqlite3_bind_int(q, 3, (int)kind);
            rc = sqlite3_step(q);
        }
        st = rc == SQLITE_DONE ? KG_OK : sql_fail(s, rc, "merging verdicts");
        sqlite3_finalize(q);
    }
    return st;
}

/* Writes k's merged row (body, label, names, provenance, seen times). */
static kg_status write_kept(struct store *s, struct side *k,
                            const struct side *g)
{
    char *body = record_to_json(&k->r);
    char *prov = json_dumps(k->prov, JSON_COMPACT | JSON_PRESERVE_ORDER);
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(
        s->db,
        "UPDATE record SET label = ?2, body = ?3, stub = ?4, prov = ?5, "
        "changed = ?6, first_seen = min(first_seen, ?7), "
        "last_seen = max(last_seen, ?8) WHERE rid = ?1",
        -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, k->rid);
        bind_text(q, 2, record_label(&k->r));
        bind_text(q, 3, body);
        sqlite3_bind_int(q, 4, k->stub && g->stub);
        bind_text(q, 5, prov ? prov : "{}");
        sqlite3_bind_int64(q, 6, s->next);
        bind_text(q, 7, g->first_seen);
        bind_text(q, 8, g->last_seen);
        rc = sqlite3_step(q);
    }
    kg_status st = rc == SQLITE_DONE ? KG_OK : sql_fail(s, rc, "merging");
    sqlite3_finalize(q);
    free(body);
    free(prov);
    for (size_t i = 0; st == KG_OK && i < k->r.aliases.n; i++) {
        char *norm = resolve_norm(k->r.aliases.v[i]);
        if (*norm) {
            q = stmt(s, Q_NAME_ADD);
            bind_text(q, 1, norm);
            sqlite3_bind_int(q, 2, (int)k->r.kind);
            sqlite3_bind_int64(q, 3, k->rid);
            rc = sqlite3_step(q);
            sqlite3_reset(q);
            if (rc != SQLITE_DONE)
                st = sql_fail(s, rc, "storing names");
        }
        free(norm);
    }
    return st;
}

kg_status store_merge(struct store *s, kg_kind kind, const char *keep,
                      const char *gone)
{
    if (strcmp(keep, gone) == 0) {
        set_err(s, "cannot merge %s '%s' into itself", record_kind_name(kind),
                keep);
        return KG_EINPUT;
    }
    bool mine = !s->in_txn;
    kg_status st = mine ? store_begin(s) : KG_OK;
    if (st != KG_OK)
        return st;
    struct side k, g;
    char now[32];
    kg_now_iso(now);
    st = side_read(s, kind, keep, &k);
    if (st == KG_OK) {
        st = side_read(s, kind, gone, &g);
    } else {
        record_init(&g.r, kind);
        g.prov = NULL;
    }
    if (st == KG_OK) {
        merge_fields(&k, &g, now);
        st = run(s,
                 "DELETE FROM link WHERE (src = ?1 AND dst = ?2) OR "
                 "(src = ?2 AND dst = ?1)",
                 k.rid, g.rid, "merging links");
    }
    if (st == KG_OK)
        st = move_links(s, k.rid, g.rid, false);
    if (st == KG_OK)
        st = move_links(s, k.rid, g.rid, true);
    if (st == KG_OK)
        st = move_broker_rows(s, kind, keep, gone);
    if (st == KG_OK)
        st = write_kept(s, &k, &g);
    if (st == KG_OK) /* its names and leftover links go with it */
        st = run(s, "DELETE FROM record WHERE rid = ?1 AND ?2 = 0", g.rid, 0,
                 "merging");
    s->dirty = true;
    side_release(&k);
    side_release(&g);
    if (!mine)
        return st;
    if (st != KG_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s);
}
