/*
 * store.h - the only door to persistence. Records of the six kinds, the
 * links between them (resolved references), a key/value table for other
 * modules' state (sources, harvest checkpoints, index and graph stamps) and
 * a version counter that moves whenever stored data changes.
 * No SQLite type appears here, so another backend can follow.
 */
#ifndef KG_STORE_H
#define KG_STORE_H

#include "core/record.h"

struct store;

enum store_flags {
    STORE_CREATE = 1 << 0,   /* create the file (and schema) if missing */
    STORE_READONLY = 1 << 1, /* open for reading only */
};

/* Relations stored between records, always from the referring record. */
typedef enum store_rel {
    STORE_REL_AFFILIATED_WITH = 1, /* expert -> institution */
    STORE_REL_OWNED_BY,            /* achievement -> institution */
    STORE_REL_AUTHORED_BY,         /* achievement -> expert */
    STORE_REL_APPLICANT,           /* patent -> institution|enterprise */
    STORE_REL_INVENTOR,            /* patent -> expert */
    STORE_REL_POSTED_BY,           /* demand -> enterprise */
} store_rel;

/* "affiliated_with", ...; NULL when unknown. */
const char *store_rel_name(store_rel rel);

/*
 * Opens (and with STORE_CREATE creates or migrates) the database at path.
 * On failure returns KG_EIO (unreadable, not a kgmatch database, newer
 * schema), writes a message into err and sets *out to NULL.
 */
kg_status store_open(const char *path, int flags, struct store **out, char *err,
                     size_t errlen) KG_MUST_CHECK;
void store_close(struct store *s); /* NULL is a no-op */

/* Message of the last failure on s ("" when none). Owned by s. */
const char *store_last_error(const struct store *s);
/* The path the store was opened with. Owned by s. */
const char *store_path(const struct store *s);
/* Schema version of the open database. */
int store_schema_version(const struct store *s);

/*
 * Write transactions. Every write outside begin/commit is its own
 * transaction. begin takes the write lock (waiting up to the busy timeout,
 * then KG_EBUSY). rollback after a failure leaves the store as before begin.
 */
kg_status store_begin(struct store *s) KG_MUST_CHECK;
kg_status store_commit(struct store *s) KG_MUST_CHECK;
void store_rollback(struct store *s);

/* Outcome of an upsert. */
enum store_upsert_result {
    STORE_ADDED = 1, /* a new record (or a stub made real) */
    STORE_UPDATED,   /* existing record whose content changed */
    STORE_UNCHANGED, /* existing record, same content: last_seen only */
};

/*
 * How a record already stored takes a new version. MERGE: a field the new
 * version gives (kg_record.given) replaces the stored value, given empty or
 * null it clears it, absent it stays; the links the same source made before
 * give way to the new version's, other sources' links stay. REPLACE: the
 * new version is the whole record and its links are all the record has.
 */
enum store_mode { STORE_MERGE = 0, STORE_REPLACE };

/*
 * Inserts or updates (merging, see store_mode) the record (kind, id) from r,
 * stamping source and the seen times and each given field's provenance
 * (source and time), and resolves its references (expert.institution,
 * achievement.institution/experts, patent.applicants/inventors,
 * demand.enterprise) by id, then by normalized name or alias, else by
 * creating a stub. Stubs whose name matches r's name or aliases are merged
 * into r. *result (may be NULL) says what happened. On failure nothing of r
 * is stored (inside a transaction the caller must roll back).
 */
kg_status store_upsert(struct store *s, const struct kg_record *r,
                       const char *source,
                       enum store_upsert_result *result) KG_MUST_CHECK;
/* store_upsert with the mode given. */
kg_status store_put(struct store *s, const struct kg_record *r,
                    const char *source, enum store_mode mode,
                    enum store_upsert_result *result) KG_MUST_CHECK;

/* Deletes (kind, id) and its links. KG_ENOTFOUND when absent. */
kg_status store_delete(struct store *s, kg_kind kind,
                       const char *id) KG_MUST_CHECK;

/*
 * Merges record (kind, gone) into (kind, keep) (core/store_merge.c): a
 * field keep has keeps its value and provenance, a field only gone has
 * comes over with its provenance; gone's name, aliases and id become
 * keep's aliases (a reference by any of them resolves to keep); every link of
 * gone is re-pointed to keep (a link keep already has takes gone's sources, a
 * link between the two goes); verdicts, demand status and batch fingerprints of
 * gone move to keep where keep has none; keep is a stub only when both were;
 * then gone is deleted as store_delete does. KG_ENOTFOUND naming the missing
 * id, KG_EINPUT when keep and gone are one id; on any failure nothing has
 * changed.
 */
kg_status store_merge(struct store *s, kg_kind kind, const char *keep,
                      const char *gone) KG_MUST_CHECK;

/*
 * Reads (kind, id) into r (fresh from record_init; the caller releases it).
 * KG_ENOTFOUND when absent.
 */
kg_status store_get(struct store *s, kg_kind kind, const char *id,
                    struct kg_record *r) KG_MUST_CHECK;

/* Bookkeeping of one stored record. Strings are owned by the caller. */
struct store_info {
    char *source;
    char first_seen[32], last_seen[32];
    int64_t changed; /* store version of the last change */
    bool stub;
    /* JSON {"FIELD": {"source": S, "at": T}}: who last gave each field */
    char *provenance;
};
kg_status store_get_info(struct store *s, kg_kind kind, const char *id,
                         struct store_info *info) KG_MUST_CHECK;
void store_info_release(struct store_info *info);

/* Number of records of kind (stubs included in *n, and counted apart in
 * *stubs when stubs is not NULL). */
kg_status store_count(struct store *s, kg_kind kind, int64_t *n,
                      int64_t *stubs) KG_MUST_CHECK;

/*
 * Looks up records by name or alias (normalized) among the kinds in mask.
 * Calls cb for each (kind, id, label); stops early when cb returns false.
 * Also matches an exact id.
 */
typedef bool (*store_name_cb)(kg_kind kind, const char *id, const char *label,
                              void *ctx);
kg_status store_find_name(struct store *s, unsigned kinds, const char *name,
                          store_name_cb cb, void *ctx) KG_MUST_CHECK;

/* Iteration over records. */
struct store_iter_opts {
    unsigned kinds;        /* KG_KIND_BIT mask; 0 means all kinds */
    int64_t changed_after; /* only records changed at a later version */
    bool skip_stubs;       /* leave stub records out */
};
/* cb gets each record (valid during the call only) and returns false to
 * stop. Records come in (kind, insertion) order. */
typedef bool (*store_record_cb)(const struct kg_record *r, void *ctx);
kg_status store_foreach(struct store *s, const struct store_iter_opts *opts,
                        store_record_cb cb, void *ctx) KG_MUST_CHECK;

/* One link, strings valid during the callback only. */
struct store_link {
    store_rel rel;
    kg_kind src_kind, dst_kind;
    const char *src_id, *dst_id;
    const char *src_label, *dst_label;
};
typedef bool (*store_link_cb)(const struct store_link *l, void *ctx);
/* All links, or (kind, id given) those from or to that record. */
kg_status store_foreach_link(struct store *s, const kg_kind *kind,
                             const char *id, store_link_cb cb,
                             void *ctx) KG_MUST_CHECK;
/* The links of relation rel from the records of src_kind, in the full
 * listing's order, without reading the other links. */
kg_status store_foreach_link_rel(struct store *s, kg_kind src_kind,
                                 store_rel rel, store_link_cb cb,
                                 void *ctx) KG_MUST_CHECK;

/*
 * The data version: a counter that moves with every committed change of
 * records or links (not of the key/value table). Caches (index, graph)
 * stamp themselves with it.
 */
kg_status store_version(struct store *s, int64_t *v) KG_MUST_CHECK;

/*
 * The records changed after version `after` (added, updated, deleted,
 * linked or unlinked): cb gets each (kind, id) once, in no order, and
 * returns false to stop. KG_ENOTFOUND when the store's change log does not
 * reach back that far (it starts with schema 4); then a cache must be
 * rebuilt whole.
 */
typedef bool (*store_change_cb)(kg_kind kind, const char *id, void *ctx);
kg_status store_changes(struct store *s, int64_t after, store_change_cb cb,
                        void *ctx) KG_MUST_CHECK;

/* Key/value state for other modules (keys like "source/NAME"). get returns
 * KG_ENOTFOUND when absent; *value is the caller's to free. */
kg_status store_meta_get(struct store *s, const char *key,
                         char **value) KG_MUST_CHECK;
kg_status store_meta_set(struct store *s, const char *key,
                         const char *value) KG_MUST_CHECK;
kg_status store_meta_delete(struct store *s, const char *key) KG_MUST_CHECK;
typedef bool (*store_meta_cb)(const char *key, const char *value, void *ctx);
/* Keys starting with prefix, in key order. */
kg_status store_meta_foreach(struct store *s, const char *prefix,
                             store_meta_cb cb, void *ctx) KG_MUST_CHECK;

/*
 * A broker's verdict on one match: accept (true) or decline of item (kind,
 * id) for demand, with an optional note, replacing an earlier verdict on
 * the same pair. The ids are not checked against the records. Needs a
 * store opened for writing (KG_EIO otherwise).
 */
kg_status store_feedback_set(struct store *s, const char *demand, kg_kind kind,
                             const char *item, bool accept,
                             const char *note) KG_MUST_CHECK;
/* The verdict ("accept" or "decline", caller frees) on that pair into
 * *verdict; KG_ENOTFOUND (and NULL) when there is none. */
kg_status store_feedback_get(struct store *s, const char *demand, kg_kind kind,
                             const char *item, char **verdict) KG_MUST_CHECK;

/* A demand's status as a broker sets it ("open", "matched", "closed";
 * a demand without one is open). Not checked against the records. */
kg_status store_demand_status_set(struct store *s, const char *demand,
                                  const char *status) KG_MUST_CHECK;
/* Every demand with a status set: cb(demand, status), in id order. */
kg_status store_demand_status_foreach(struct store *s, store_meta_cb cb,
                                      void *ctx) KG_MUST_CHECK;

/* One verdict, strings valid during the callback. */
struct store_feedback {
    const char *demand, *item, *note, *at;
    kg_kind kind;
    bool accept;
};
typedef bool (*store_feedback_cb)(const struct store_feedback *f, void *ctx);
/* Every verdict (on demand's pairs only when demand is not NULL), by
 * demand, kind and item; cb returns false to stop. No verdict yet: none. */
kg_status store_feedback_foreach(struct store *s, const char *demand,
                                 store_feedback_cb cb, void *ctx) KG_MUST_CHECK;

/*
 * The nightly batch's runs (app/app_batch.c). last: the data version and
 * finish time of shard's ("" unsharded, else "K/N") last recorded run;
 * KG_ENOTFOUND (version 0, at "") when it never ran.
 */
kg_status store_batch_last(struct store *s, const char *shard, int64_t *version,
                           char at[32]) KG_MUST_CHECK;

/* A finished run, with each matched demand's result fingerprint. */
struct store_batch_run {
    const char *shard, *started, *out;
    int64_t version, demands;
    const char *const *seen_demand, *const *seen_fingerprint;
    size_t nseen;
};
/* Records run r (finish time: now) and its fingerprints, replacing the
 * demands' earlier ones; call it inside store_begin/commit so that a
 * failure records nothing. */
kg_status store_batch_record(struct store *s,
                             const struct store_batch_run *r) KG_MUST_CHECK;
/* A demand's fingerprint at shard's last run (caller frees);
 * KG_ENOTFOUND (and NULL) when it was never matched. */
kg_status store_batch_fingerprint(struct store *s, const char *shard,
                                  const char *demand,
                                  char **fingerprint) KG_MUST_CHECK;

#endif
