/*
 * app.h - kgmatch's use cases, between the library layers (core/, ingest/,
 * graph/) and the front ends (cli/, the HTTP service): a session holding
 * the store, the matcher config, the graph and the BM25 indexes, and one
 * function per use case. Results go out through a sink (start, then begin /
 * hit / end per group), so one computation feeds a table, CSV, JSON or an
 * HTTP response. Nothing in app/ prints: a failing use case returns its
 * kg_status and leaves a message on the session (app_last_error).
 */
#ifndef KG_APP_H
#define KG_APP_H

#include "core/kg.h"
#include "core/record.h"

/* ---- session ------------------------------------------------------------ */

/* How the store is opened (the values of core/store.h's flags). */
enum app_store_mode {
    APP_READ = 0, /* read-only; a missing database is an error */
    APP_WRITE,    /* read-write; a missing database is an error */
    APP_CREATE,   /* read-write; create or migrate the database */
};

struct app_opts {
    const char *db_path;      /* required; copied */
    enum app_store_mode mode; /* zero: read-only */
    const char *config;       /* matcher settings file; NULL: built in */
};

/*
 * A session: the matcher config is read first (when o->config is set),
 * then the store is opened; the graph, the matchers and the text indexes
 * are opened when a use case first needs them and kept for the next
 * request. A session serves one request at a time (its store connection
 * and message are not shared between threads); batch use cases run their
 * own matcher threads inside. *out is set even on failure, so that
 * app_last_error can say why: free it with app_close. Returns KG_EINPUT,
 * KG_ENOTFOUND or KG_EIO for the config file, or the store's status
 * (KG_ENOTFOUND for a missing database without APP_CREATE).
 */
struct app_session;
kg_status app_open(const struct app_opts *o,
                   struct app_session **out) KG_MUST_CHECK;
void app_close(struct app_session *a); /* NULL is a no-op */

/* The message of the last failure on a (owned by a, valid until the next
 * call on a); "" when there was none. */
const char *app_last_error(const struct app_session *a);
/* The database path the session was opened with (owned by a). */
const char *app_db_path(const struct app_session *a);

/* The store's data version into *version (moves on with every write). */
kg_status app_version(struct app_session *a, int64_t *version) KG_MUST_CHECK;

/* ---- result sinks ------------------------------------------------------- */

#define APP_MAX_CONCEPTS 5
#define APP_MAX_PATH 10

/* One step of a hit's explanation path ("demand", "text", "concept",
 * "patent", ...). */
struct app_step {
    const char *kind, *id, *label;
};

/* An item that makes a partner institution: one of its experts or items. */
struct app_item {
    kg_kind kind;
    const char *id, *label;
    double score; /* the item's best match score over the demands */
};

/* What a partner hit adds to its institution. */
struct app_partner {
    const char *demand;            /* the demand that gave the best score */
    const struct app_item *people; /* its best experts, best first */
    size_t npeople;
    const struct app_item *items; /* its best items (owned or its experts') */
    size_t nitems;
};

/*
 * One ranked record. id, label, the items' and the path's strings belong
 * to the session's graph (or, for the first step of a text query, to the
 * query) and stay valid until the session is closed; the struct, its
 * concepts and its partner only during the hit callback.
 */
struct app_hit {
    size_t rank; /* 1-based, within the group */
    kg_kind kind;
    const char *id, *label;
    double score;            /* in [0, 1]; = text + graph + fit */
    double text, graph, fit; /* the parts, already weighted */
    bool cross_domain;
    const char *concepts[APP_MAX_CONCEPTS]; /* with explain */
    size_t nconcepts;
    struct app_step path[APP_MAX_PATH]; /* with explain */
    size_t npath;
    const struct app_partner *partner; /* partners only, else NULL */
};

/* A group of hits: the matches of one demand or text, or the partners of a
 * demand or an enterprise. */
struct app_group {
    size_t index;        /* 0-based, in request order */
    kg_kind kind;        /* KG_DEMAND, or KG_ENTERPRISE for partners */
    const char *id;      /* NULL for a text query */
    const char *label;   /* the demand's title, the text; NULL for partners */
    const char *text;    /* the query text, or NULL */
    const char *domains; /* the demand's domains, "," between; "" */
    size_t ndemands;     /* partners: the demands ranked for */
    size_t nhits;
};

/*
 * Where results go. start is called once before the first group (also
 * when there is none), then begin, hit for each hit, end for each group.
 * A callback may be NULL. On failure the use case returns without further
 * calls, so the output may be cut short.
 */
struct app_sink {
    void (*start)(void *ctx);
    void (*begin)(void *ctx, const struct app_group *g);
    void (*hit)(void *ctx, const struct app_group *g, const struct app_hit *h);
    void (*end)(void *ctx, const struct app_group *g);
    void *ctx;
};

/* ---- matching (app_match.c) --------------------------------------------- */

struct app_match_opts {
    unsigned kinds;  /* KG_KIND_BIT of achievement, patent, expert,
                        institution; 0: all four */
    size_t top;      /* best N of each kind; 0: every non-zero score */
    bool cross_only; /* cross-domain hits only */
    bool explain;    /* fill each hit's concepts and path */
};

/* Parses "achievement", "patent", "expert", "institution" or "all" (0)
 * into a kinds mask; KG_EUSAGE for anything else. */
kg_status app_match_kinds(const char *s, unsigned *kinds) KG_MUST_CHECK;

/*
 * Matches the demands ids[0..n) (a group each, in that order). Returns
 * KG_ENOTFOUND when an id is not a demand of the store (nothing sent to
 * the sink), or the graph's, the index's or the matcher's status.
 */
kg_status app_match_demands(struct app_session *a, const char *const *ids,
                            size_t n, const struct app_match_opts *o,
                            const struct app_sink *sink) KG_MUST_CHECK;
/* Matches free text (one group, id NULL). Errors as app_match_demands. */
kg_status app_match_text(struct app_session *a, const char *text,
                         const struct app_match_opts *o,
                         const struct app_sink *sink) KG_MUST_CHECK;
/* Matches every demand, in id order. Errors as app_match_demands. */
kg_status app_match_all(struct app_session *a, const struct app_match_opts *o,
                        const struct app_sink *sink) KG_MUST_CHECK;

/*
 * The enterprise named by id, exact name or (ASCII case-insensitive) part
 * of its id or name, into *id (caller frees). KG_ENOTFOUND when none
 * matches, KG_EINPUT when several do (the message lists up to 16 of them,
 * one "  ID  NAME" line each), or the store's status; *id is then NULL.
 */
kg_status app_find_enterprise(struct app_session *a, const char *name,
                              char **id) KG_MUST_CHECK;

/*
 * The ids of enterprise id's demands whose deadline has not passed (all of
 * them with closed_too), sorted, appended to ids. "Today" honours
 * $KGMATCH_NOW. On failure ids is unchanged.
 */
kg_status app_enterprise_demands(struct app_session *a, const char *id,
                                 bool closed_too,
                                 struct kg_strlist *ids) KG_MUST_CHECK;

/*
 * An enterprise's open demands (all with closed_too) and their matches:
 * app_find_enterprise, app_enterprise_demands, then app_match_demands. The
 * enterprise's id goes to *id (caller frees; NULL on failure) and the
 * number of its demands to *ndemands; with none the sink gets start only.
 */
kg_status app_query(struct app_session *a, const char *enterprise,
                    bool closed_too, const struct app_match_opts *o,
                    const struct app_sink *sink, char **id,
                    size_t *ndemands) KG_MUST_CHECK;

/* ---- partners (app_partners.c) ------------------------------------------ */

#define APP_PARTNER_PEOPLE 3 /* experts and items shown per partner */

/*
 * Partner institutions for one demand (demand set) or for the open demands
 * of an enterprise (enterprise set: a name as app_find_enterprise takes;
 * closed_too adds the closed ones). An institution scores its best match
 * score over the demands; the best top (0: all) go to the sink as one
 * group (kind KG_DEMAND or KG_ENTERPRISE with its id and ndemands), each
 * hit explained and carrying a partner with its best experts and items.
 * Errors as app_match_demands and app_find_enterprise.
 */
struct app_partner_opts {
    const char *demand;
    const char *enterprise;
    bool closed_too;
    size_t top;
};
kg_status app_partners(struct app_session *a, const struct app_partner_opts *o,
                       const struct app_sink *sink) KG_MUST_CHECK;

/* ---- evaluation (app_eval.c) ------------------------------------------- */

/*
 * Gold pairs read from path: tab-separated demand_id, item_id, relevance
 * (>= 0) and an optional cross_domain flag (1, true, yes); a first line
 * starting "demand_id" and blank lines are skipped. Returns KG_ENOTFOUND
 * for a missing file, KG_EIO when it cannot be read, KG_EINPUT for a bad
 * line (the message names FILE:LINE), with the message in err and *out
 * NULL; on success free *out with app_gold_free.
 */
struct app_gold;
kg_status app_gold_read(const char *path, struct app_gold **out, char *err,
                        size_t errlen) KG_MUST_CHECK;
void app_gold_free(struct app_gold *g); /* NULL is a no-op */

/* The figures of one evaluation: means over the (demand, kind) rankings
 * that have gold pairs. */
struct app_eval_result {
    size_t demands, rankings; /* with at least one pair kept */
    size_t pairs, left_out;   /* kept; items missing or of another kind */
    double ndcg10, map, recall50;
    size_t cross, cross10; /* relevant cross-domain pairs; in a top 10 */
};

/*
 * Matches each gold demand against kinds (0: all four), each kind ranked
 * apart as app_match_demands sends it, and scores the rankings. gold is
 * not changed (it can be evaluated again). Returns KG_ENOTFOUND when a gold
 * demand is not in the store, or the matcher's status; *out is filled only
 * on success.
 */
kg_status app_eval(struct app_session *a, const struct app_gold *gold,
                   unsigned kinds, struct app_eval_result *out) KG_MUST_CHECK;

#endif
