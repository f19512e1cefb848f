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

#include <stdio.h>

#include "core/kg.h"
#include "core/record.h"
#include "core/store.h" /* enum store_upsert_result */

/* ---- session ------------------------------------------------------------ */

/* How the session opens the store. */
enum app_store_mode {
    APP_READ = 0, /* read-only; a missing database is an error */
    APP_WRITE,    /* read-write; a missing database is an error */
    APP_CREATE,   /* read-write; create or migrate the database */
};

struct app_opts {
    const char *db_path;      /* required; copied */
    enum app_store_mode mode; /* zero: read-only */
    const char *config;       /* matcher settings file; NULL: built in */
    /* Called with a one-line notice when the session rebuilds or cannot
     * write a cache file (the search index, the graph): "graph X is stale,
     * rebuilding". NULL: notices are dropped. The front end draws them. */
    void (*notice)(void *ctx, const char *msg);
    void *notice_ctx;
};

/*
 * A session: the matcher config is read first (when o->config is set),
 * then the store is opened; the graph, the matchers and the text indexes
 * are opened when a use case first needs them and kept for the next
 * request (so it answers from the data as it was then: writes made
 * after the graph was opened, by this session or another process, are seen
 * by a new session). A session serves one request at a time (its store
 * connection and message are not shared between threads); batch use cases run
 * their own matcher threads inside. *out is set even on failure, so that
 * app_last_error can say why: free it with app_close. Returns KG_EINPUT,
 * KG_ENOTFOUND or KG_EIO for the config file, or the store's status
 * (KG_EIO for a missing database without APP_CREATE).
 */
struct app_session;
kg_status app_open(const struct app_opts *o,
                   struct app_session **out) KG_MUST_CHECK;
void app_close(struct app_session *a); /* NULL is a no-op */

/* For a long-lived process (the service), called once before its sessions
 * open: the work arrays of the matchers and indexes opened from now on are
 * mapped and cleared as they are made (at load) rather than on the first
 * requests that touch them. */
void app_resident(void);

/* The graph cache file of the database at db_path, which the session keeps
 * beside it (caller frees): a front end that watches the file for changes
 * needs its name. */
char *app_graph_cache_path(const char *db_path);

/* The message of the last failure on a (owned by a, valid until the next
 * call on a); "" when there was none. */
const char *app_last_error(const struct app_session *a);
/* The database path the session was opened with (owned by a). */
const char *app_db_path(const struct app_session *a);

/*
 * Gives the matching use cases started on a from now on a deadline, a
 * kg_monotonic() time (0: none, the default): past it a match stops at
 * its next check and the use case returns KG_ETIMEOUT with a message. With
 * a deadline the demands of one call run one after another on the calling
 * thread (a service's request has its own thread; a batch has none).
 */
void app_set_deadline(struct app_session *a, double deadline);

/* The store's data version into *version (moves on with every write). */
kg_status app_version(struct app_session *a, int64_t *version) KG_MUST_CHECK;

/* A long use case's progress: a stage ("matching", "reading"),
 * done of total (total 0: not counted). Called from the calling thread;
 * the library reports, the front end draws. */
typedef void (*app_progress_fn)(const char *stage, size_t done, size_t total,
                                void *ctx);

/* ---- result sinks ------------------------------------------------------- */

#define APP_MAX_CONCEPTS 5
#define APP_MAX_PATH 10

/* One step of a hit's explanation path ("demand", "text", "concept",
 * "patent", ...). */
struct app_step {
    const char *kind, *id, *label;
};

/* How to reach an institution or an expert: each "" when the record has
 * none. */
struct app_contacts {
    const char *email, *phone, *url;
};

/* An item that makes a partner institution: one of its experts or items. */
struct app_item {
    kg_kind kind;
    const char *id, *label;
    double score;  /* the item's best match score over the demands */
    bool accepted; /* a broker accepted it for the demand of that score */
    struct app_contacts contacts; /* experts; "" for items */
};

/* What a partner hit adds to its institution. The hit's accepted flag says
 * a broker accepted the institution itself for the demand. */
struct app_partner {
    struct app_contacts contacts;  /* the institution's */
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
 * concepts and its partner (with the partner's demand id) only during the
 * hit callback.
 */
struct app_hit {
    size_t rank; /* 1-based, within the group's hits of its kind (hits
                    come kind by kind, each kind's list from 1) */
    kg_kind kind;
    const char *id, *label;
    double score; /* in [0, 1]: the calibrated estimate that a broker would
                     call the pair relevant */
    double text, graph, fit; /* the evidence's parts, already weighted */
    double evidence;         /* = text + graph + fit: orders within a query */
    double coverage;         /* share of the need's term weight it holds */
    double cosine;           /* TF-IDF cosine to the unexpanded need */
    double breadth;          /* coverage beyond its strongest shared term */
    double need_breadth;     /* the best breadth of any item for the need */
    double need_length;      /* log(1 + the need's distinct words) */
    bool cross_domain;
    bool accepted; /* a broker accepted this pair (declined ones never
                      come: they leave the demand's ranking) */
    const char *concepts[APP_MAX_CONCEPTS]; /* with explain */
    size_t nconcepts;
    struct app_step path[APP_MAX_PATH]; /* with explain */
    size_t npath;
    const struct app_partner *partner; /* partners only, else NULL */
};

/* A group of hits: the matches of one demand or text, or the partners of a
 * demand or an enterprise. Valid during the group's begin, hit and end
 * calls. */
struct app_group {
    size_t index;        /* 0-based, in request order */
    kg_kind kind;        /* KG_DEMAND; KG_ENTERPRISE for an enterprise's
                            partners */
    const char *id;      /* the demand's or enterprise's; NULL for text */
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

/* ---- the store and the search index (app_store.c) ---------------------- */

/* The schema version of the session's database. */
int app_schema_version(struct app_session *a);

/* How many records of each kind the store holds, how many are stubs, and
 * its data version. Store failures: "counting records: ...". */
struct app_counts {
    int64_t records[KG_KIND_COUNT], stubs[KG_KIND_COUNT];
    int64_t version;
};
kg_status app_counts(struct app_session *a,
                     struct app_counts *out) KG_MUST_CHECK;

/*
 * One record by id, else by name as app_find_record finds it (several:
 * KG_EINPUT listing them; r from record_init(r, kind), the caller releases
 * it) with its
 * bookkeeping (info zeroed, released by the caller with store_info_release)
 * and then its links in both directions, one link_cb call each (cb returns
 * false to stop). KG_ENOTFOUND when there is no such record; store
 * failures as their status ("reading links: ..." for the links).
 */
struct store_info;
struct store_link;
kg_status app_show(struct app_session *a, kg_kind kind, const char *id,
                   struct kg_record *r, struct store_info *info,
                   bool (*link_cb)(const struct store_link *l, void *ctx),
                   void *ctx) KG_MUST_CHECK;

/* A domain of a record's placement (graph/domain.h): its key and Chinese
 * name, and what placed it: "field" or "IPC" (evidence: the field or code
 * of the record that names it) or "text" (a guess from the record's words,
 * which a cross-domain mark never rests on). Strings are static or r's. */
#define APP_DOMAINS 21
struct app_domain {
    const char *key, *zh;
    const char *from;     /* "field", "IPC" or "text" */
    const char *evidence; /* the field or IPC code; "" for text */
};

/*
 * The domains record r is placed in from its own evidence, else guessed
 * from its text, into out (up to APP_DOMAINS, in the taxonomy's order);
 * returns how many. 0: none of its own (an expert or institution without
 * fields is placed by the items it stands behind when matching). The
 * strings stay valid while r does.
 */
size_t app_record_domains(const struct kg_record *r, struct app_domain *out);

/* The search index's settings; zero means the default. */
struct app_index_opts {
    double k1, b;  /* BM25 parameters */
    bool rebuild;  /* rebuild even when the file is current */
    bool optimize; /* merge the update segments (core/index.h) */
    /* How a full build goes (core/index.h, index_opts.progress); NULL:
     * none. */
    app_progress_fn progress;
    void *progress_ctx;
};

/*
 * Opens the session's search index (building or rebuilding it when missing,
 * stale or damaged) for app_search and app_index_info; an index already
 * open is replaced. *ms, when not NULL, gets the time the open took.
 * Returns the index's status with its message.
 */
kg_status app_index_open(struct app_session *a, const struct app_index_opts *o,
                         double *ms) KG_MUST_CHECK;

/* What the open index holds (strings owned by the session's index). */
struct index_info;
void app_index_info(const struct app_session *a, struct index_info *out);

/* One BM25 hit: id owned by the index (valid until it is reopened or the
 * session closed), label owned by the hit array (NULL without labels). */
struct app_search_hit {
    kg_kind kind;
    const char *id;
    double score;
    char *label;
};

/*
 * The best top (0: all) records of kinds (0: all) for text, best first,
 * an institution, expert or enterprise whose normalized name or alias is
 * text first of all (its score lifted to the best), into *hits (free with
 * app_search_free), each with its record's label when labels is set. *ms, when
 * not NULL, gets the time the index search took. Opens the index with defaults
 * when app_index_open was not called. KG_EINTERNAL with the analyzer's message
 * when text analysis fails.
 */
kg_status app_search(struct app_session *a, const char *text, unsigned kinds,
                     size_t top, bool labels, struct app_search_hit **hits,
                     size_t *n, double *ms) KG_MUST_CHECK;
void app_search_free(struct app_search_hit *hits, size_t n);

/*
 * The language app_search renders a query into besides its own words:
 * "any" (the default: Chinese words are translated into English and
 * English into Chinese), "zh", "en", or "off" (the need's own words only,
 * no dictionary needed). Translation needs the dictionary (core/dict.h);
 * KG_EUSAGE for another name.
 */
kg_status app_search_lang(struct app_session *a,
                          const char *lang) KG_MUST_CHECK;

/* ---- the graph (app_graph.c) ------------------------------------------- */

/* Opens the session's graph now (from its cache, or built and cached; with
 * rebuild, built even when the cache is current) so that its errors come
 * before any output. Returns the graph's status ("building the graph:
 * ..."). Every graph use case opens it on demand otherwise. */
kg_status app_graph_ready(struct app_session *a, bool rebuild) KG_MUST_CHECK;

/* One count of the graph: what ("vertices", "concepts", "edges"), its type
 * ("institution", ..., "keyword", ..., "affiliated_with", ...) and n. */
struct app_count {
    const char *what, *type;
    uint64_t n;
};

#define APP_GRAPH_COUNTS 32
/* The graph's vertex and edge totals and counts by type, in a fixed
 * order: vertex kinds, concept kinds, edge types. */
struct app_graph_counts {
    uint64_t vertices, edges;
    struct app_count c[APP_GRAPH_COUNTS];
    size_t n;
};
kg_status app_graph_counts(struct app_session *a,
                           struct app_graph_counts *out) KG_MUST_CHECK;

/* Writes the graph as GraphML to f (the caller opens and closes it).
 * Returns KG_EIO when writing fails, KG_EINTERNAL when igraph fails. */
kg_status app_graph_graphml(struct app_session *a, FILE *f) KG_MUST_CHECK;

/* ---- matching (app_match.c) --------------------------------------------- */

struct app_match_opts {
    unsigned kinds;     /* KG_KIND_BIT of achievement, patent, expert,
                           institution; 0: all four */
    size_t top;         /* best N of each kind; 0: every non-zero score */
    bool cross_only;    /* cross-domain hits only */
    bool explain;       /* fill each hit's concepts and path */
    bool min_score_set; /* min_score overrides the config's match.min_score */
    double min_score;   /* hits scoring less are left out */
    /* ("matching", done, total demands) after each demand's group when
     * there are several; NULL: none. */
    app_progress_fn progress;
    void *progress_ctx;
};

/* The config's least score a hit needs (match.min_score) and the
 * calibrated score a cross-domain mark needs, for a front end that says
 * "no good match (nothing scores X or more)". */
void app_match_thresholds(const struct app_session *a, double *min_score,
                          double *cross_min);

/* The kinds a match ranks, and those search finds (every kind but
 * enterprises, which the index does not hold). */
#define APP_MATCH_KINDS                                                        \
    (KG_KIND_BIT(KG_ACHIEVEMENT) | KG_KIND_BIT(KG_PATENT) |                    \
     KG_KIND_BIT(KG_EXPERT) | KG_KIND_BIT(KG_INSTITUTION))
#define APP_SEARCH_KINDS (KG_ALL_KINDS & ~KG_KIND_BIT(KG_ENTERPRISE))
/* Their names as a message lists them ("unknown kind 'x' (...)"). */
#define APP_MATCH_KINDS_NAMES "achievement, patent, expert, institution or all"
#define APP_SEARCH_KINDS_NAMES                                                 \
    "institution, expert, achievement, patent, demand or all"

/* Adds the kinds of s, names of APP_MATCH_KINDS (or "all") joined with
 * commas, to *kinds, where 0 stands for all four (and all four become 0).
 * At a name that is not one of them KG_EUSAGE, with its place in s in *at
 * and *len (record_kinds_parse). */
kg_status app_match_kinds(const char *s, unsigned *kinds, size_t *at,
                          size_t *len) KG_MUST_CHECK;

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
/* The same loose lookup for a record of any kind (a part of an id counts
 * for enterprises only; stubs are left out of the part-of-name search but
 * for enterprises): "no KIND matches", or "'X'
 * matches N KINDs; give one of these ids:" with the candidates. */
kg_status app_find_record(struct app_session *a, kg_kind kind, const char *name,
                          char **id) KG_MUST_CHECK;

/*
 * The ids of enterprise id's open demands (deadline not passed, status
 * open; all of them with closed_too), sorted, appended to ids. "Today" honours
 * $KGMATCH_NOW. On failure ids is unchanged.
 */
kg_status app_enterprise_demands(struct app_session *a, const char *id,
                                 bool closed_too,
                                 struct kg_strlist *ids) KG_MUST_CHECK;

/* How many demands the last app_enterprise_demands (app_query,
 * app_partners) left out as closed: deadline passed, or a status other
 * than open. */
size_t app_left_out(const struct app_session *a);

/* Sets demand id's status: "open", "matched" or "closed" (KG_EUSAGE
 * otherwise; KG_ENOTFOUND for no such demand). Only open demands are
 * matched by query, partners and batch. */
kg_status app_demand_status(struct app_session *a, const char *id,
                            const char *status) KG_MUST_CHECK;

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
 * hit explained and carrying a partner with its best experts and items
 * and the contacts of the institution and its experts. The broker's
 * verdicts count: a pair declined for a demand gives nothing from that
 * demand (an institution declined, or an expert or item declined: it is
 * not listed, and an institution whose explained match ran through it
 * keeps only what its best other expert or item scores, the path then
 * going through that one); accepted ones are marked.
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
    double mrr10;          /* 1 / rank of the first relevant item in a top 10 */
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

/*
 * Imports a collection in the shapes of ../shared/datasets/ir-classic
 * (items.jsonl: id, title, abstract, keywords, fields; queries.jsonl: id,
 * text) into a writable session: items as achievements, needs as demands
 * (titled by their text), source "eval". KG_ENOTFOUND for a missing file,
 * KG_EINPUT for a line that is no JSON object with an id (FILE:LINE in the
 * message; that file is not stored), or the store's status.
 */
kg_status app_import_collection(struct app_session *a, const char *items,
                                const char *needs) KG_MUST_CHECK;

/* ---- a broker's writes (app_feedback.c) --------------------------------- */

/*
 * Stores record r (from source) as store_upsert does, in a writable
 * session; *result says whether it was added, updated or unchanged and
 * *version is the store's data version after it. Store failures return
 * their status ("storing the record: ...").
 */
kg_status app_put(struct app_session *a, const struct kg_record *r,
                  const char *source, enum store_upsert_result *result,
                  int64_t *version) KG_MUST_CHECK;

/* A broker's verdict on a proposed pair: app_feedback, below. */

/* ---- writing: import, ingest, the index after writes (app_write.c) ----- */

enum app_import_format {
    APP_IMPORT_AUTO = 0,
    APP_IMPORT_JSONL,
    APP_IMPORT_CSV
};

struct app_import_opts {
    kg_kind kind;                  /* of every record in the file */
    enum app_import_format format; /* AUTO: .csv by name, else JSONL */
    bool skip_bad;                 /* store good lines, report every bad one */
    bool replace;       /* a record replaces the stored one whole (no merge) */
    const char *source; /* recorded with each record (NULL: the name) */
    /* Called for each bad line with the file's name ("stdin" for "-"), the
     * line number and the reason; NULL: only counted. */
    void (*bad_line)(const char *name, size_t line, const char *reason,
                     void *ctx);
    void *ctx;
};

struct app_import_stats {
    size_t lines; /* records read */
    size_t added, updated, unchanged, bad;
};

/*
 * Imports one JSONL or CSV file (path "-": standard input) into the store
 * (the session must be writable), whole or not at all unless skip_bad.
 * Returns KG_OK; KG_EINPUT when a line was bad (nothing stored without
 * skip_bad); KG_ENOTFOUND when the file cannot be opened ("PATH: reason");
 * or the store's status ("NAME: message"), after which the session's
 * store should not be written again. *st is filled for KG_OK and
 * KG_EINPUT.
 */
kg_status app_import(struct app_session *a, const char *path,
                     const struct app_import_opts *o,
                     struct app_import_stats *st) KG_MUST_CHECK;

/*
 * Brings the search index up to date when the store's data version moved
 * past since (import and ingest call it after committing; pass -1 when
 * the version before is not known). The data is stored whatever happens here:
 * on failure the message says why and the next search rebuilds the index.
 */
kg_status app_refresh_index(struct app_session *a, int64_t since) KG_MUST_CHECK;

/* Where an ingest stands, for a progress display. */
struct app_ingest_progress {
    size_t finished, sources; /* sources done, of all */
    long long pages, records; /* stored so far */
    size_t bytes;             /* received so far */
    double seconds;           /* since the transfers began */
};

/* Ingest settings; zero means the default (or each source's own). */
struct app_ingest_opts {
    bool full;    /* ignore checkpoints, validators and from= */
    int parallel; /* sources at once */
    double timeout, connect_timeout;
    int retries;      /* extra attempts; negative: none */
    double delay;     /* between requests to a host; negative: none */
    double backoff;   /* before a retry; negative: none */
    size_t max_bytes; /* of one response */
    double lock_wait; /* for another ingest, seconds; negative: none */
    /* Called as transfers move (NULL: none): the library reports, the
     * caller draws. */
    void (*progress)(const struct app_ingest_progress *p, void *ctx);
    void *progress_ctx;
};

/* What one source's harvest did. Strings belong to the report. */
struct app_ingest_source {
    const char *name;
    const char *status; /* "ok", "not modified", "partial (page limit)",
                           "FAILED" */
    bool failed;
    long long pages, added, updated, unchanged, deleted, skipped, bad;
    const char *const *messages; /* what went wrong, one line each */
    size_t nmessages;
};

/* An ingest's report: the sources in name order, and warnings about the
 * stored sources themselves. Release with app_ingest_report_release. */
struct app_ingest_report {
    struct app_ingest_source *v;
    size_t n;
    const char *const *warnings;
    size_t nwarnings;
    void *own; /* what the strings live in */
};
void app_ingest_report_release(struct app_ingest_report *r);

/*
 * Harvests the named sources (n == 0: all; the session must be writable)
 * and fills report (release it whatever the result). Returns KG_OK when
 * every source succeeded; KG_EINPUT when some failed (the report says
 * which and why, the others are stored); KG_ENOTFOUND for an unknown name,
 * KG_EBUSY when another ingest holds the database past lock_wait, or the
 * store's status, with the message on the session and only warnings in
 * the report. With no sources at all the report is empty and KG_OK
 * returned.
 */
kg_status app_ingest(struct app_session *a, const char *const *names, size_t n,
                     const struct app_ingest_opts *o,
                     struct app_ingest_report *report) KG_MUST_CHECK;

/* ---- the nightly batch (app_batch.c) ----------------------------------- */

struct app_batch_opts {
    const char *out;         /* the output directory (made when missing) */
    const char *since;       /* NULL or "last", "all", or a date: demands
                                first or last seen on or after it */
    size_t top;              /* best N of each kind; 0: 5 */
    unsigned shard, nshards; /* shard K (1-based) of N; N <= 1: all */
    bool no_ingest;          /* match the store as it is */
    const char *enterprise;  /* one enterprise's report (name or id); its
                                open demands, all unless since is given;
                                the night's state is left as it was */
    struct app_ingest_opts ingest;
    /* Called as the batch moves ("ingesting", "matching" done of total,
     * "writing"); NULL: none. The library reports, the caller draws. */
    app_progress_fn progress;
    void *progress_ctx;
};

struct app_batch_result {
    size_t demands;        /* in the night's results */
    size_t unchanged;      /* re-matched for a moved pool, same matches */
    size_t matches;        /* hits written */
    size_t sources_failed; /* sources whose harvest failed */
    bool ingested;
};

/*
 * The nightly batch: takes the lock DB.batch.lock (KG_EBUSY when another
 * batch holds it), ingests every source unless no_ingest (failed sources
 * go into the report, they do not fail the batch), matches the open
 * demands of the shard that are new or changed since its last recorded
 * run (all of them on the first run or with since "all") and those whose
 * matches moved with the candidate pool, leaving out pairs a broker
 * declined, and writes out/matches.json, matches.csv, summary.txt and
 * report.html (temporary names, renamed when all are complete). Only then
 * is the run recorded, so a killed batch is simply run again. *res is
 * filled on success.
 */
kg_status app_batch(struct app_session *a, const struct app_batch_opts *o,
                    struct app_batch_result *res) KG_MUST_CHECK;

/* Parses "K/N" (1 <= K <= N <= 1000); KG_EUSAGE otherwise. */
kg_status app_batch_shard_parse(const char *s, unsigned *k,
                                unsigned *n) KG_MUST_CHECK;
/* The stable hash that puts a demand in shard hash % N + 1 (FNV-1a). */
uint32_t app_batch_hash(const char *s);

/*
 * Merges the outputs of shard runs (dirs[0..n), each holding a
 * matches.json) into the unsharded result in out: the same four files an
 * unsharded run writes, equal to them but for the timestamps. Needs no
 * store. On failure the message is in err: KG_EINPUT names a directory
 * without a batch output, KG_EIO a file that cannot be written.
 */
kg_status app_batch_merge(const char *const *dirs, size_t n, const char *out,
                          char *err, size_t errlen) KG_MUST_CHECK;

/* Deletes record (kind, id) and its links (the records it referred to
 * stay); the search index is brought up to date and the graph cache
 * rebuilds on its next open. KG_ENOTFOUND when there is no such record. */
kg_status app_delete(struct app_session *a, kg_kind kind,
                     const char *id) KG_MUST_CHECK;

/*
 * Merges record (kind, gone) into (kind, keep) by the rule of store_merge
 * (keep's fields win, gone's other fields, names, links, verdicts and
 * status move over, gone is deleted), in one transaction; the caches
 * follow as after app_delete. KG_ENOTFOUND naming the id that is not a
 * record of kind (and the kind it is, if another), KG_EINPUT for one id
 * twice; nothing has changed then.
 */
kg_status app_merge(struct app_session *a, kg_kind kind, const char *keep,
                    const char *gone) KG_MUST_CHECK;

/* ---- duplicate stubs (app_stubs.c) ------------------------------------- */

/* A stub and a record it likely duplicates; strings valid during the
 * callback. */
struct app_stub_pair {
    kg_kind kind;      /* the stub's */
    kg_kind cand_kind; /* the candidate's: the other organisation kind
                          (institution, enterprise) for a name taken for
                          both, which no merge joins */
    const char *stub_id, *stub_name;
    const char *cand_id, *cand_name;
    bool cand_stub;
    /* name likeness x (0.85 + 0.15 x link evidence): 1 for each record
     * linked to both, 1/2 for each linked to the candidate and two links
     * from the stub, at most 1 */
    double score;
    double name_score; /* core/namesim.h */
    size_t shared;     /* records linked to both */
    size_t through;    /* records linked to the candidate, two from the stub */
    const char *why;   /* "pinyin 烟台 = yantai; translation 大学 = ..." */
    const char *keep, *gone; /* the ids `kgmatch merge KIND KEEP GONE` takes
                                (NULL across kinds) */
};

/*
 * Every stub institution, expert and enterprise with the records of its
 * kind (and, for an institution or an enterprise, those of the other of
 * the two named nearly the same) whose names are alike across scripts and
 * languages (the bilingual
 * dictionary's glosses and pinyin, 繁→简, case and punctuation), helped by
 * the records near both: row gets up to 3 candidates a stub, best
 * first, scored min_score or more (a pair of stubs comes once). Without a
 * dictionary only pinyin and spelling count (a notice says why). Returns
 * the store's status.
 */
kg_status app_stubs(struct app_session *a, double min_score,
                    void (*row)(void *ctx, const struct app_stub_pair *p),
                    void *ctx) KG_MUST_CHECK;

/* ---- broker feedback (app_feedback.c) ----------------------------------- */

/* Whether reason is one of too-early-stage, not-relevant, too-costly,
 * already-known, other. */
bool app_feedback_reason_ok(const char *reason);

struct app_feedback_opts {
    const char *demand;
    kg_kind kind; /* of the item */
    const char *item;
    bool accept;        /* else decline */
    const char *reason; /* NULL or one app_feedback_reason_ok takes */
    const char *note;   /* NULL or free text */
};

/*
 * Records a broker's verdict on a pair (replacing an earlier one): a
 * declined pair is never proposed again for that demand, an accepted one
 * is marked. KG_ENOTFOUND when the demand or the item is not in the store,
 * KG_EUSAGE for an unknown reason; the session must be writable.
 */
kg_status app_feedback(struct app_session *a,
                       const struct app_feedback_opts *o) KG_MUST_CHECK;

/* One verdict, strings valid during the callback (label "" when the item
 * is gone, reason "" when none was given). */
struct app_feedback_row {
    const char *demand, *item, *label, *reason, *note, *at;
    kg_kind kind;
    bool accept;
};
/* Every verdict (demand's only when not NULL), by demand, kind and item. */
kg_status app_feedback_list(struct app_session *a, const char *demand,
                            void (*row)(void *ctx,
                                        const struct app_feedback_row *r),
                            void *ctx) KG_MUST_CHECK;

/* ---- tuning the matcher (app_tune.c) ------------------------------------ */

#define APP_TUNE_HOLDOUT 0.3   /* the share of judged demands held out */
#define APP_TUNE_MIN_DEMANDS 5 /* judged demands a tune needs */
#define APP_TUNE_BUDGET 300.0  /* seconds the search may take */
#define APP_TUNE_SETTINGS 16

struct app_tune_opts {
    const char *const *gold; /* gold files (app_gold_read's format) */
    size_t ngold;
    double holdout; /* share held out, in (0, 1); 0: APP_TUNE_HOLDOUT */
    unsigned seed;  /* of the split */
    double budget;  /* seconds; 0: APP_TUNE_BUDGET */
};

/* A setting the tune moved (or, for the part weights, wrote with one that
 * moved). key is static. */
struct app_tune_setting {
    const char *key;
    double from, to;
};

struct app_tune_result {
    size_t gold_pairs;         /* pairs of the gold files */
    size_t feedback_pairs;     /* verdicts taken as judgments */
    size_t feedback_over_gold; /* ... of them on a gold pair */
    size_t feedback_skipped;   /* declines for a reason other than fit */
    size_t feedback_gone;      /* verdicts on demands no longer stored */
    size_t unjudged;  /* judged demands with no relevant item in the store */
    size_t demands;   /* with one: those split */
    size_t fit, held; /* the parts */
    struct kg_strlist held_ids; /* the held-out demands, in split order */
    bool enough;                /* demands >= APP_TUNE_MIN_DEMANDS: searched */
    size_t rounds, tried;       /* of the search; settings scored */
    bool out_of_time;           /* the budget stopped the search */
    double fit_before, fit_after;         /* nDCG@10 on the fit part */
    struct app_eval_result before, after; /* held out: current, chosen */
    bool better; /* after.ndcg10 > before.ndcg10: worth writing */
    struct app_tune_setting set[APP_TUNE_SETTINGS];
    size_t nset;
};

/*
 * Fits the matcher's settings to judged pairs: the gold files' pairs, and
 * the brokers' verdicts over them (accept: relevance 1, or the gold's grade
 * when higher; decline: 0, except a decline as too-early-stage, too-costly
 * or already-known, which is no judgment of relevance and is left out). The
 * judged demands with a relevant item in the store are split by FNV-1a of
 * "SEED:ID": the first round(holdout * n) held out (at least 1, leaving 1).
 * With at least APP_TUNE_MIN_DEMANDS of them, a grid of part weights, BM25
 * share, expansion and the index pass's BM25 and RM3 settings (app_tune.c)
 * is searched coordinate-wise on the fit
 * part's nDCG@10, starting from the session's config, and the current and
 * chosen settings are scored on the held-out part. Nothing is written. Returns
 * KG_ENOTFOUND or KG_EINPUT for a gold file (or a gold demand not in the
 * store), or the store's or the matcher's status; *res is filled on
 * success (enough false: too few judged demands, nothing searched) and
 * released with app_tune_result_release whatever the status.
 */
kg_status app_tune(struct app_session *a, const struct app_tune_opts *o,
                   struct app_tune_result *res) KG_MUST_CHECK;
/* Frees what res holds (held_ids); safe to call again. */
void app_tune_result_release(struct app_tune_result *res);

/*
 * Writes the settings of res (their to values) to path, atomically: the
 * text of config file base with those keys' lines replaced and the others
 * appended, or those keys alone when base is NULL. path may be base. On
 * failure (KG_EIO, KG_EUSAGE for a path that is no regular file) path is
 * unchanged.
 */
kg_status app_tune_write(struct app_session *a, const char *base,
                         const struct app_tune_result *res,
                         const char *path) KG_MUST_CHECK;

/* ---- sources (app_sources.c) ------------------------------------------- */

/*
 * A source definition being put together from options (`sources add`):
 * new, set each option, name it, then check it, all before a session is
 * needed. Setting returns KG_EUSAGE with a reason in err for an unknown
 * key or a bad value. app_source_def_missing names the first required
 * option not given ("--type", "--url"), else NULL. check returns KG_EUSAGE
 * (KG_EINPUT for a bad rules file) with a reason in err.
 */
struct app_source_def;
struct app_source_def *app_source_def_new(void);
void app_source_def_free(struct app_source_def *d); /* NULL is a no-op */
kg_status app_source_def_set(struct app_source_def *d, const char *key,
                             const char *value, char *err,
                             size_t errlen) KG_MUST_CHECK;
void app_source_def_name(struct app_source_def *d, const char *name);
const char *app_source_def_missing(const struct app_source_def *d);
kg_status app_source_def_check(const struct app_source_def *d, char *err,
                               size_t errlen) KG_MUST_CHECK;

/* The name, type name and URL of a definition (owned by it). */
struct app_source_brief {
    const char *name, *type, *url;
};
void app_source_def_brief(const struct app_source_def *d,
                          struct app_source_brief *out);

/*
 * Saves d (checked) in the store. KG_EINPUT when a source of that name
 * exists and replace is not set; else the store's status.
 */
kg_status app_source_add(struct app_session *a, const struct app_source_def *d,
                         bool replace) KG_MUST_CHECK;

/*
 * A sources.conf file read and checked (see ingest/README.md): n
 * definitions in file order. KG_EIO (unreadable) or KG_EUSAGE/KG_EINPUT
 * with "FILE:LINE: reason" in err and *out NULL; free with
 * app_source_conf_free.
 */
struct app_source_conf;
kg_status app_source_conf_read(const char *path, struct app_source_conf **out,
                               char *err, size_t errlen) KG_MUST_CHECK;
void app_source_conf_free(struct app_source_conf *c); /* NULL: no-op */
size_t app_source_conf_count(const struct app_source_conf *c);
void app_source_conf_brief(const struct app_source_conf *c, size_t i,
                           struct app_source_brief *out);

/* Saves every definition of c in one transaction; a source whose type or
 * URL changed starts its harvest state afresh. On failure nothing is
 * saved. */
kg_status app_source_load(struct app_session *a,
                          const struct app_source_conf *c) KG_MUST_CHECK;

/* Removes a source and its harvest state (its records stay). KG_ENOTFOUND
 * when there is none. */
kg_status app_source_remove(struct app_session *a,
                            const char *name) KG_MUST_CHECK;

/* One source with its last run, for `sources list`. Strings are valid
 * during the callback; last_run, status and error are NULL when unset. */
struct app_source_row {
    const char *name, *type, *url;
    const char *last_run, *status, *error;
    long long added, updated, deleted;
    const char *definition_json; /* the definition as a JSON object */
    const char *state_json;      /* the harvest state as a JSON object */
};

/*
 * Calls row for every source in name order, and warning (before the row
 * concerned) for a damaged stored definition (left out) or harvest state.
 * Store failures return their status; rows already sent stay sent.
 */
kg_status app_source_list(struct app_session *a,
                          void (*row)(void *ctx,
                                      const struct app_source_row *r),
                          void (*warning)(void *ctx, const char *w),
                          void *ctx) KG_MUST_CHECK;

#endif
