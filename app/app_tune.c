/*
 * app_tune.c - fits a few of the matcher's settings to what brokers and gold
 * files judged: the judged demands are split by a stable hash into a part
 * the settings are chosen on and a held-out part they are checked on, a
 * small grid (the part weights, the BM25 share, expansion, and the BM25 and
 * RM3 settings of the index's pass) is searched one setting at a time, and
 * the new settings are written only when the held-out part ranks strictly
 * better with them.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app_int.h"
#include "core/outfile.h"

/* ---- the grid ----------------------------------------------------------- */

#define TUNE_MAX_VALUES 6
#define TUNE_ROUNDS 5
/* A move must raise the fit part's nDCG@10 by this much: less is noise on
 * a few dozen demands, and chasing it costs rounds. */
#define TUNE_MIN_GAIN 0.001

/* One setting the search moves, with the values it tries. Its key (the
 * name the file gives it, its kind and bounds) is graph/'s table's
 * (match_key_at): the grid names the field alone, so tune writes what the
 * loader reads. The part weights
 * are shares of the evidence that sum to 1: moving the graph's or the fit's
 * share gives or takes it from the text's. Calibration (bias, min_score)
 * is left out: it does not change the order of a demand's candidates, so
 * the ranking metrics cannot choose it (bench/calibrate.py fits it). The
 * BM25 and RM3 settings of the index's pass (fine) try one value each
 * side of the shipped one (graph/README.md, "Scoring"): k1 0 is the
 * index's own 1.2 (b 0 would be its 0.75 and is not tried), rm3_docs 0 is
 * no RM3. The experts' settings (expert.*, institution.k) are left out:
 * chosen on the reviewer gold standard, whose loss compares an expert's
 * scores across demands, they would be moved by the few expert rankings
 * of a store's judgments (expert.bm25 0.5 -> 1 on the demo gold, which
 * costs that loss 0.2311 -> 0.2345; README.md, "Tuning"). */
struct knob {
    size_t off; /* the field in struct match_config */
    bool share; /* a part weight: moves the text's share with it */
    bool fine;  /* a setting of the index's BM25 pass (search) */
    double v[TUNE_MAX_VALUES];
    size_t n;
};

#define KNOB(field, share, fine, ...)                                          \
    {                                                                          \
        offsetof(struct match_config, field), share, fine, {__VA_ARGS__},      \
            sizeof((double[]){__VA_ARGS__}) / sizeof(double)                   \
    }

static const struct knob knobs[] = {
    KNOB(w_graph, true, false, 0, 0.05, 0.1, 0.15, 0.25, 0.35),
    KNOB(w_bm25, false, false, 0, 0.25, 0.5, 0.7, 0.85, 1),
    KNOB(expand, false, false, 0, 0.3, 0.6, 1, 1.5),
    KNOB(expand_items, false, false, 10, 30, 60),
    KNOB(w_fit, true, false, 0, 0.05, 0.1, 0.2),
    KNOB(bm25_k1, false, true, 0, 0.8, 2),
    KNOB(bm25_b, false, true, 0.4, 0.6, 0.8),
    KNOB(bm25_k3, false, true, 2, 8, 32),
    KNOB(rm3_docs, false, true, 0, 10, 20),
    KNOB(rm3_terms, false, true, 10, 20, 40),
    KNOB(rm3_weight, false, true, 0.5, 0.7, 0.85),
    KNOB(rm3_temp, false, true, 0.05, 0.1, 0.3),
};
#undef KNOB
#define NKNOBS (sizeof knobs / sizeof knobs[0])

/* The part weights and the experts' graph weight, which is in their units:
 * the loader rescales the file's three part weights to sum 1 and
 * expert.graph with them. They are written as a set, in the units where
 * the three sum 1; written without expert.graph, part weights rescaled
 * from a file whose own summed to something else (datasets/match.conf's
 * sum 0.85) would give experts another graph weight than the one the
 * held-out part was scored with. */
static const size_t weight_set[] = {
    offsetof(struct match_config, w_text),
    offsetof(struct match_config, w_graph),
    offsetof(struct match_config, w_fit),
    offsetof(struct match_config, w_graph_people),
};
#define NWEIGHTS (sizeof weight_set / sizeof weight_set[0])

static bool in_weight_set(size_t off)
{
    for (size_t i = 0; i < NWEIGHTS; i++)
        if (weight_set[i] == off)
            return true;
    return false;
}

/* The knob's key (grid_check made sure there is one). */
static const struct match_key *knob_key(size_t k)
{
    return match_key_at(knobs[k].off);
}

/* Whether every knob's field has a key, written as a number (an
 * aggregation is read by name), and every value tried is one the file may
 * hold; else the grid would write a line the loader refuses. */
static kg_status grid_check(struct app_session *a)
{
    for (size_t i = 0; i < NWEIGHTS; i++)
        if (!match_key_at(weight_set[i]))
            return app_fail(a, KG_EINTERNAL, "weight %zu has no key", i);
    for (size_t k = 0; k < NKNOBS; k++) {
        const struct match_key *key = knob_key(k);
        if (!key || key->type == MATCH_KEY_AGG)
            return app_fail(a, KG_EINTERNAL,
                            "knob %zu has no key read as a number", k);
        for (size_t j = 0; j < knobs[k].n; j++)
            if (!match_key_allows(key, knobs[k].v[j]))
                return app_fail(a, KG_EINTERNAL, "%s = %g is out of its bounds",
                                key->name, knobs[k].v[j]);
    }
    return KG_OK;
}

static double knob_get(const struct match_config *c, size_t k)
{
    return match_key_get(c, knob_key(k));
}

/* Sets knob k to x; false when the text's share would go below zero. */
static bool knob_set(struct match_config *c, size_t k, double x)
{
    if (knobs[k].share) {
        double text = c->w_text + knob_get(c, k) - x;
        if (text < 0)
            return false;
        c->w_text = text;
    }
    match_key_put(c, knob_key(k), x);
    return true;
}

/* ---- the judgments ------------------------------------------------------ */

/* A verdict is a judgment of relevance when it accepts (relevant: grade 1,
 * or the gold's grade when higher) or declines as not relevant, for
 * another reason or none (grade 0);
 * too-early-stage, too-costly and already-known speak of the item's
 * readiness, price or novelty, not of whether it fits the need. */
static bool about_relevance(const char *reason)
{
    return strcmp(reason, "too-early-stage") != 0 &&
           strcmp(reason, "too-costly") != 0 &&
           strcmp(reason, "already-known") != 0;
}

struct verdicts {
    struct app_gold *g;
    const struct graph *graph;
    struct app_tune_result *res;
};

static bool on_verdict(const struct store_feedback *f, void *ctx)
{
    struct verdicts *v = ctx;
    char reason[32];
    (void)app_feedback_reason(f->note, reason, sizeof reason);
    if (graph_find(v->graph, KG_DEMAND, f->demand) == GRAPH_NONE) {
        v->res->feedback_gone++; /* deleted since */
        return true;
    }
    if (!f->accept && !about_relevance(reason)) {
        v->res->feedback_skipped++;
        return true;
    }
    v->res->feedback_pairs++;
    double rel = 0;
    bool known = app_gold_get(v->g, f->demand, f->item, &rel);
    if (!f->accept)
        rel = 0;
    else if (!known || rel < 1) /* an accept keeps a higher gold grade */
        rel = 1;
    (void)app_gold_put(v->g, f->demand, f->item, rel, false);
    v->res->feedback_over_gold += known;
    return true;
}

/* The gold files' pairs, then the verdicts over them, into *out. */
static kg_status judgments(struct app_session *a, const struct app_tune_opts *o,
                           struct app_tune_result *res, struct app_gold **out)
{
    struct graph *graph;
    kg_status st = app_graph(a, &graph);
    if (st != KG_OK)
        return st;
    struct app_gold *all = app_gold_new("judgments");
    for (size_t i = 0; i < o->ngold && st == KG_OK; i++) {
        struct app_gold *g;
        char err[512];
        st = app_gold_read(o->gold[i], &g, err, sizeof err);
        if (st != KG_OK) {
            app_fail(a, st, "%s", err);
            break;
        }
        st = app_gold_check(a, g);
        app_gold_merge(all, g);
        app_gold_free(g);
    }
    res->gold_pairs = app_gold_pairs(all);
    struct verdicts v = {all, graph, res};
    if (st == KG_OK) {
        st = store_feedback_foreach(a->s, NULL, on_verdict, &v);
        if (st != KG_OK)
            app_store_fail(a, st, "reading feedback");
    }
    if (st != KG_OK) {
        app_gold_free(all);
        all = NULL;
    }
    *out = all;
    return st;
}

/* ---- the split ---------------------------------------------------------- */

struct keyed {
    uint32_t h;
    const char *id;
    size_t i;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->h != y->h)
        return x->h < y->h ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* A stable hash of the demand's id with the seed: FNV-1a of "SEED:ID"
 * (app_batch_hash), mixed by murmur3's finalizer so that ids differing in
 * their last character do not sort together. */
static uint32_t split_hash(unsigned seed, const char *id)
{
    char *s = kg_xasprintf("%u:%s", seed, id);
    uint32_t h = app_batch_hash(s);
    free(s);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

/* fit[i] and held[i] for the run's judged demands: the first round(holdout
 * * n) of them by split_hash are held out (at least one, and at least one
 * left to fit on). */
static void split(const struct app_eval_run *r, double holdout, unsigned seed,
                  bool *fit, bool *held, struct app_tune_result *res)
{
    size_t n = app_eval_demands(r), m = 0;
    struct keyed *k = kg_xcalloc(n + 1, sizeof *k);
    for (size_t i = 0; i < n; i++) {
        if (!app_eval_judged(r, i)) {
            res->unjudged++;
            continue;
        }
        const char *id = app_eval_demand(r, i);
        k[m++] = (struct keyed){split_hash(seed, id), id, i};
    }
    qsort(k, m, sizeof *k, cmp_keyed);
    size_t nheld = (size_t)lround(holdout * (double)m);
    if (nheld < 1)
        nheld = 1;
    if (nheld + 1 > m)
        nheld = m > 0 ? m - 1 : 0;
    for (size_t j = 0; j < m; j++) {
        held[k[j].i] = j < nheld;
        fit[k[j].i] = j >= nheld;
        if (j < nheld)
            strlist_add(&res->held_ids, k[j].id);
    }
    res->demands = m;
    res->held = nheld;
    res->fit = m - nheld;
    free(k);
}

/* ---- the search --------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct search {
    struct app_session *a;
    struct app_eval_run *r;
    const bool *fit;
    double deadline;
    struct app_tune_result *res;
};

/* nDCG@10 of the fit part with c into *ndcg. */
static kg_status fit_score(struct search *s, const struct match_config *c,
                           double *ndcg)
{
    struct app_eval_result e;
    kg_status st = app_eval_score(s->a, s->r, c, s->fit);
    if (st != KG_OK)
        return st;
    app_eval_sum(s->r, s->fit, &e);
    s->res->tried++;
    *ndcg = e.ndcg10;
    return KG_OK;
}

/* One coordinate pass over the knobs of the index's pass (fine) or the
 * others: each in turn takes the value that scores best on the fit part
 * with the others as they are (a gain under TUNE_MIN_GAIN keeps the
 * current value); *moved says
 * whether one did. Stops at the deadline (res->out_of_time). */
static kg_status pass(struct search *s, struct match_config *c, bool fine,
                      double *best, bool *moved)
{
    kg_status st = KG_OK;
    for (size_t k = 0; k < NKNOBS && st == KG_OK; k++) {
        if (knobs[k].fine != fine)
            continue;
        struct match_config keep = *c;
        for (size_t j = 0; j < knobs[k].n && st == KG_OK; j++) {
            struct match_config t = keep;
            double x;
            if (knobs[k].v[j] == knob_get(&keep, k) ||
                !knob_set(&t, k, knobs[k].v[j]))
                continue;
            if (now() > s->deadline) {
                s->res->out_of_time = true;
                return st;
            }
            st = fit_score(s, &t, &x);
            if (st == KG_OK && x > *best + TUNE_MIN_GAIN) {
                *best = x;
                *c = t;
                *moved = true;
            }
        }
    }
    return st;
}

/* Coordinate-wise, in rounds: a pass over the part weights, the BM25 share
 * and expansion, and when it moves nothing a pass over the index's BM25
 * and RM3 settings (a step from values chosen on many collections, tried
 * where the rest has settled, which keeps a search cheap); rounds repeat
 * until one changes nothing, at most TUNE_ROUNDS, so that tuning again
 * from the settings found moves nothing; the search stops early at the
 * deadline. *c moves to the best found. */
static kg_status search(struct search *s, struct match_config *c)
{
    double best = 0;
    kg_status st = fit_score(s, c, &best);
    s->res->fit_before = best;
    for (int round = 0; round < TUNE_ROUNDS && st == KG_OK; round++) {
        bool moved = false;
        s->res->rounds++;
        st = pass(s, c, false, &best, &moved);
        if (st == KG_OK && !moved && !s->res->out_of_time)
            st = pass(s, c, true, &best, &moved);
        if (!moved || s->res->out_of_time)
            break;
    }
    s->res->fit_after = best;
    return st;
}

/* The settings a write puts in the file: the weight set when one of it
 * moved, and each other knob that moved. */
static void record_changes(const struct match_config *from,
                           const struct match_config *to,
                           struct app_tune_result *res)
{
    res->nset = 0;
    bool moved = false;
    for (size_t i = 0; i < NWEIGHTS; i++) {
        const struct match_key *key = match_key_at(weight_set[i]);
        moved |= match_key_get(from, key) != match_key_get(to, key);
    }
    for (size_t i = 0; moved && i < NWEIGHTS; i++) {
        const struct match_key *key = match_key_at(weight_set[i]);
        res->set[res->nset++] = (struct app_tune_setting){
            key->name, match_key_get(from, key), match_key_get(to, key)};
    }
    for (size_t k = 0; k < NKNOBS; k++)
        if (!in_weight_set(knobs[k].off) &&
            knob_get(from, k) != knob_get(to, k))
            res->set[res->nset++] = (struct app_tune_setting){
                knob_key(k)->name, knob_get(from, k), knob_get(to, k)};
}

kg_status app_tune(struct app_session *a, const struct app_tune_opts *o,
                   struct app_tune_result *res)
{
    /* the weight set, two of whose are knobs, and the other knobs */
    _Static_assert(NWEIGHTS + NKNOBS - 2 <= APP_TUNE_SETTINGS, "settings");
    memset(res, 0, sizeof *res);
    kg_status st = grid_check(a);
    if (st != KG_OK)
        return st;
    double holdout = o->holdout > 0 ? o->holdout : APP_TUNE_HOLDOUT;
    struct app_gold *gold;
    st = judgments(a, o, res, &gold);
    if (st != KG_OK)
        return st;
    struct app_eval_run *r = NULL;
    st = app_eval_prepare(a, gold, 0, true, &r);
    size_t n = r ? app_eval_demands(r) : 0;
    bool *fit = kg_xcalloc(n + 1, sizeof *fit);
    bool *held = kg_xcalloc(n + 1, sizeof *held);
    if (st == KG_OK)
        split(r, holdout, o->seed, fit, held, res);
    if (st == KG_OK && res->demands >= APP_TUNE_MIN_DEMANDS) {
        res->enough = true;
        struct match_config c = a->conf;
        struct search s = {
            .a = a,
            .r = r,
            .fit = fit,
            .deadline = now() + (o->budget > 0 ? o->budget : APP_TUNE_BUDGET),
            .res = res,
        };
        st = search(&s, &c);
        if (st == KG_OK)
            st = app_eval_score(a, r, &a->conf, held);
        if (st == KG_OK) {
            app_eval_sum(r, held, &res->before);
            st = app_eval_score(a, r, &c, held);
        }
        if (st == KG_OK) {
            app_eval_sum(r, held, &res->after);
            record_changes(&a->conf, &c, res);
            res->better = res->after.ndcg10 > res->before.ndcg10;
        }
        /* the session's indexes score with its own k1 and b again */
        if (st == KG_OK)
            st = app_bm25_params(a, &a->conf);
    }
    free(fit);
    free(held);
    app_eval_run_free(r);
    app_gold_free(gold);
    return st;
}

void app_tune_result_release(struct app_tune_result *res)
{
    strlist_release(&res->held_ids);
}

/* ---- writing the settings ----------------------------------------------- */

/* The key of a "key = value" line (into key[0..n)), or "" for a comment,
 * a blank line or anything else. */
static void line_key(const char *line, char *key, size_t n)
{
    key[0] = '\0';
    const char *p = line + strspn(line, " \t");
    size_t len = strcspn(p, " \t=#\r\n");
    const char *q = p + len + strspn(p + len, " \t");
    if (len == 0 || len >= n || *q != '=')
        return;
    memcpy(key, p, len);
    key[len] = '\0';
}

static int find_set(const struct app_tune_result *res, const char *key)
{
    for (size_t i = 0; i < res->nset; i++)
        if (strcmp(res->set[i].key, key) == 0)
            return (int)i;
    return -1;
}

/* The new file's text into b: base's lines (in is NULL without a base) with
 * the settings' lines replaced, then the settings base did not have. */
static void settings_text(FILE *in, const struct app_tune_result *res,
                          struct kg_buf *b)
{
    bool *done = kg_xcalloc(res->nset + 1, sizeof *done);
    if (!in)
        kg_buf_adds(b, "# The matcher's settings chosen by kgmatch tune; the "
                       "others are the\n# built-in defaults "
                       "(datasets/match.conf spells them out).\n");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (in && (len = getline(&line, &cap, in)) > 0) {
        char key[64];
        line_key(line, key, sizeof key);
        int i = find_set(res, key);
        if (i >= 0) {
            kg_buf_printf(b, "%s = %.6g\n", key, res->set[i].to);
            done[i] = true;
            continue;
        }
        kg_buf_add(b, line, (size_t)len);
        if (line[len - 1] != '\n')
            kg_buf_addc(b, '\n');
    }
    free(line);
    bool head = false;
    for (size_t i = 0; i < res->nset; i++) {
        if (done[i])
            continue;
        if (!head && in)
            kg_buf_adds(b, "\n# Chosen by kgmatch tune.\n");
        head = true;
        kg_buf_printf(b, "%s = %.6g\n", res->set[i].key, res->set[i].to);
    }
    free(done);
}

kg_status app_tune_write(struct app_session *a, const char *base,
                         const struct app_tune_result *res, const char *path)
{
    char err[512];
    FILE *in = NULL;
    if (base) {
        in = fopen(base, "r");
        if (!in)
            return app_fail(a, KG_EIO, "%s: %s", base, strerror(errno));
    }
    struct kg_buf b;
    kg_buf_init(&b);
    settings_text(in, res, &b);
    bool bad = in && ferror(in);
    if (in)
        fclose(in);
    kg_status st = KG_OK;
    struct outfile *of = NULL;
    if (bad)
        st = app_fail(a, KG_EIO, "%s: read error", base);
    if (st == KG_OK) {
        st = outfile_open(path, &of, err, sizeof err);
        if (st != KG_OK)
            app_fail(a, st, "%s", err);
    }
    if (st == KG_OK) {
        fwrite(b.data, 1, b.len, outfile_stream(of));
        st = outfile_commit(of, err, sizeof err); /* it sees a write error */
        if (st != KG_OK)
            app_fail(a, st, "%s", err);
    }
    kg_buf_release(&b);
    return st;
}
