/*
 * app_int.h - the session's insides, shared by app/ only: what it holds
 * and the helpers the use cases open it with.
 */
#ifndef KG_APP_INT_H
#define KG_APP_INT_H

#include "app/app.h"
#include "core/clir.h"
#include "core/index.h"
#include "core/store.h"
#include "core/strmap.h"
#include "graph/match.h"

struct app_session {
    char *db_path;
    struct store *s;
    struct graph *g; /* opened by app_graph */
    struct match_config conf;
    struct index **ix; /* BM25 indexes, one per batch thread (app_bm25) */
    size_t nix;
    struct matcher *m;   /* one for single runs (app_matcher) */
    struct matcher **bm; /* a batch's, one per thread (app_batch_matchers) */
    unsigned nbm;
    struct index *search; /* for app_search (app_index_open) */
    enum clir_lang lang;  /* what app_search translates into */
    struct dict *dict;    /* opened on the first translated search */
    struct clir *clir;    /* the dictionary and the store's learned pairs */
    struct kg_buf msg;
    void (*notice)(void *ctx, const char *msg);
    void *notice_ctx;
    size_t left_out; /* closed demands the last enterprise lookup left out */
    double deadline; /* app_set_deadline; 0: none */
};

/* Passes on, as notices, why the index ix or the graph g was rebuilt or
 * could not be written (nothing when it was current). */
void app_index_notice(struct app_session *a, const struct index *ix);
void app_graph_notice(struct app_session *a, const struct graph *g);

/* Sets the session's message and returns st. */
kg_status app_fail(struct app_session *a, kg_status st, const char *fmt, ...)
    KG_PRINTF(3, 4);
/* The store's last error as the message, after "what: ". */
kg_status app_store_fail(struct app_session *a, kg_status st, const char *what);

/* The graph, opened on first use (message "building the graph: ..."). */
kg_status app_graph(struct app_session *a, struct graph **g) KG_MUST_CHECK;
/* One matcher for runs on the calling thread, made on first use, with the
 * session's deadline. */
kg_status app_matcher(struct app_session *a, struct matcher **m) KG_MUST_CHECK;
/* At least n matchers for a batch's threads, made on first use and kept
 * with the graph (a night matches in slices: each would else make its
 * own); *ms is the session's array. */
kg_status app_batch_matchers(struct app_session *a, unsigned n,
                             struct matcher *const **ms) KG_MUST_CHECK;

/*
 * When the config gives BM25 a share (text.bm25): at least nix text
 * indexes (0: one per batch thread) open on the session, and each demand
 * query's bm25_text from the store into texts[0..nq) (caller frees each).
 * *ixs is set to the session's indexes, or NULL when BM25 has no share.
 */
kg_status app_bm25(struct app_session *a, struct match_query *qs, size_t nq,
                   size_t nix, char **texts,
                   struct match_indexes *ixs) KG_MUST_CHECK;
/* Reopens the session's text indexes that score BM25 with other k1 and b
 * than c's (0: the index's defaults), in place, so that app_bm25's *ixs
 * stays valid. On failure the message says why and the failed slot holds
 * no index: close the session. */
kg_status app_bm25_params(struct app_session *a,
                          const struct match_config *c) KG_MUST_CHECK;

/* The session's translator (dictionary opened and pairs learned on first
 * use); the message says why when the dictionary is missing. */
kg_status app_clir(struct app_session *a, struct clir **c) KG_MUST_CHECK;

/* One need's translation (core/clir.h): its terms, and those of them in
 * the other language as the matcher's xterms. */
struct xlate {
    struct clir_query q;
    struct index_wterm *w;
    size_t nw;
};

/*
 * Translates the need of each query qs[0..n) (the demand's stored text, or
 * text) into xs[0..n) (zeroed by the caller) and points the query's xterms
 * at it; the store's index weighs the candidates (opened, or built, when
 * the session has none). Nothing when text.translate is 0. The message
 * says why on failure (no dictionary, the analyzer).
 */
kg_status app_translate(struct app_session *a, struct match_query *qs, size_t n,
                        const char *text, struct xlate *xs) KG_MUST_CHECK;
/* Frees xs[0..n) and the array. */
void app_translate_release(struct xlate *xs, size_t n);

/*
 * An evaluation of gold pairs made in steps (app_eval.c), for a use case
 * that scores several configs on one set of queries (app_tune.c): prepare
 * finds each gold demand and item in the graph and makes the queries
 * (translated; with BM25 texts and indexes when the session's config or
 * bm25 asks for them); score ranks every candidate of the demands i with
 * take[i] (NULL: all) with config c and keeps their metrics (the others'
 * are zeroed); sum averages them over the demands with take[i] (NULL: all;
 * pass score's take). Errors as app_eval; on failure *out is NULL. The run
 * keeps a pointer to gold.
 */
struct app_eval_run;
kg_status app_eval_prepare(struct app_session *a, const struct app_gold *gold,
                           unsigned kinds, bool bm25,
                           struct app_eval_run **out) KG_MUST_CHECK;
kg_status app_eval_score(struct app_session *a, struct app_eval_run *r,
                         const struct match_config *c,
                         const bool *take) KG_MUST_CHECK;
void app_eval_sum(const struct app_eval_run *r, const bool *take,
                  struct app_eval_result *out);
void app_eval_run_free(struct app_eval_run *r); /* NULL is a no-op */
/* The run's gold demands: how many, the id of the i-th, and whether it has a
 * relevant pair whose item is in the graph (else no ranking can score). */
size_t app_eval_demands(const struct app_eval_run *r);
const char *app_eval_demand(const struct app_eval_run *r, size_t i);
bool app_eval_judged(const struct app_eval_run *r, size_t i);

/* A gold set put together in code (app_tune.c): an empty one named name,
 * and pair (demand, item) with relevance rel added or, when the set has it,
 * given rel (returns true then). */
struct app_gold *app_gold_new(const char *name);
bool app_gold_put(struct app_gold *g, const char *demand, const char *item,
                  double rel, bool cross);
/* KG_ENOTFOUND ("FILE: no demand 'ID' in DB") when a demand of gold is not
 * in the session's graph, or the graph's status. */
kg_status app_gold_check(struct app_session *a,
                         const struct app_gold *gold) KG_MUST_CHECK;
/* The relevance of pair (demand, item) into *rel; false when g has none. */
bool app_gold_get(const struct app_gold *g, const char *demand,
                  const char *item, double *rel);
/* Puts every pair of src into dst (app_gold_put). */
void app_gold_merge(struct app_gold *dst, const struct app_gold *src);
size_t app_gold_pairs(const struct app_gold *g);

/* A stored verdict's note split: the reason it starts with ("[reason]
 * note", app_feedback) into reason[0..n) ("" when none) and the note
 * after it (a pointer into note). */
const char *app_feedback_reason(const char *note, char *reason, size_t n);

/* A demand's title, description and keywords (caller frees), or NULL. */
char *app_demand_text(struct store *s, const char *id);

/* An app_hit of match hit h (strings stay the graph's). */
void app_hit_from(const struct graph *g, const struct match_hit *h, size_t rank,
                  struct app_hit *out);

/* The broker's verdicts on pairs (app_feedback.c): key
 * "demand\x1fkind\x1fitem" numbers the accept flags; declines counts each
 * demand's declined pairs. Zero-initialised means "none". */
struct app_verdicts {
    struct strmap pairs;
    bool *accept;
    size_t cap;
    struct strmap declines;
    size_t *ndeclined;
};
/* Every verdict in the store into v (zero-initialised by the caller);
 * on failure the message is set. Release v either way. */
kg_status app_verdicts_load(struct app_session *a,
                            struct app_verdicts *v) KG_MUST_CHECK;
void app_verdicts_release(struct app_verdicts *v);
/* 1: the pair was accepted, -1: declined, 0: no verdict (v or demand
 * NULL: 0). */
int app_verdict(const struct app_verdicts *v, const char *demand, kg_kind kind,
                const char *item);
/* How many pairs of demand were declined. */
size_t app_verdicts_declined(const struct app_verdicts *v, const char *demand);

/* The demands with a status set (store_demand_status_foreach) into ids
 * (interned) and status (by number); the caller releases both. */
kg_status app_status_load(struct app_session *a, struct strmap *ids,
                          struct kg_strlist *status) KG_MUST_CHECK;
/* Demand id's status from what app_status_load read: "open" when unset. */
const char *app_status_of(const struct strmap *ids,
                          const struct kg_strlist *status, const char *id);

/* A demand is open while its deadline (if any) is today (YYYY-MM-DD) or
 * later. */
bool app_demand_open(const struct kg_record *r, const char *today);

#endif
