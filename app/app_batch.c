/*
 * app_batch.c - the nightly batch: ingest, pick the demands that need
 * matching (new or changed since the shard's last run, or whose matches
 * moved with the candidate pool), match them into the night (app_night.c:
 * each demand spooled as it comes), and write the night's files
 * (matches.json, the model every other file is drawn from, then
 * matches.csv, summary.txt and report.html) under temporary names before
 * renaming them; the run is recorded only then. batch-merge joins shard
 * outputs into the unsharded result.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app_batch_int.h"
#include "app/app_int.h"
#include "core/index.h"
#include "core/strmap.h"

/* ---- small helpers ------------------------------------------------------ */

uint32_t app_batch_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a, 32 bits */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

kg_status app_batch_shard_parse(const char *s, unsigned *k, unsigned *n)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || *end != '/')
        return KG_EUSAGE;
    const char *p = end + 1;
    long b = strtol(p, &end, 10);
    if (end == p || *end || b < 1 || b > 1000 || a < 1 || a > b)
        return KG_EUSAGE;
    *k = (unsigned)a;
    *n = (unsigned)b;
    return KG_OK;
}

/* ---- the lock ------------------------------------------------------------ */

static kg_status lock_batch(struct app_session *a, int *fd)
{
    char *path = kg_xasprintf("%s.batch.lock", a->db_path);
    kg_status st = KG_OK;
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0) {
        st = app_fail(a, KG_EIO, "cannot open %s: %s", path, strerror(errno));
    } else if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
        st = app_fail(a, KG_EBUSY,
                      "another batch is running on %s (%s is locked); "
                      "try again when it ends",
                      a->db_path, path);
        close(*fd);
        *fd = -1;
    }
    free(path);
    return st;
}

/* ---- choosing the demands ----------------------------------------------- */

struct pick {
    struct app_session *a;
    const struct app_batch_opts *o;
    char today[11];
    struct strmap changed; /* demands changed since the last run */
    struct strmap owner;   /* demand id -> enterprise id (parallel list) */
    struct kg_strlist owner_of;
    const char *only; /* one enterprise's demands */
    struct kg_strlist ids, why;
    struct strmap status_ids; /* demands with a status set */
    struct kg_strlist status;
    size_t considered;
    bool all, pool;
    kg_status st;
};

static bool on_changed(const struct kg_record *r, void *ctx)
{
    struct pick *p = ctx;
    strmap_get(&p->changed, r->id, strlen(r->id), true, NULL);
    return true;
}

static bool on_posted(const struct store_link *l, void *ctx)
{
    struct pick *p = ctx;
    bool added = false;
    if (l->rel != STORE_REL_POSTED_BY || l->src_kind != KG_DEMAND)
        return true;
    strmap_get(&p->owner, l->src_id, strlen(l->src_id), true, &added);
    if (added)
        strlist_add(&p->owner_of, l->dst_id);
    return true;
}

static const char *app_batch_owner(const struct pick *p, const char *demand)
{
    uint32_t i = strmap_get((struct strmap *)&p->owner, demand, strlen(demand),
                            false, NULL);
    return i == STRMAP_NONE ? "" : p->owner_of.v[i];
}

static bool on_demand(const struct kg_record *r, void *ctx)
{
    struct pick *p = ctx;
    const struct app_batch_opts *o = p->o;
    if (o->nshards > 1 &&
        app_batch_hash(r->id) % o->nshards != (uint32_t)(o->shard - 1))
        return true;
    if (p->only && strcmp(app_batch_owner(p, r->id), p->only) != 0)
        return true;
    if (!app_demand_open(r, p->today) ||
        strcmp(app_status_of(&p->status_ids, &p->status, r->id), "open"))
        return true;
    p->considered++;
    const char *why = NULL;
    if (p->all) {
        why = "new";
    } else if (o->since && strcmp(o->since, "last") != 0) {
        struct store_info info = {0};
        p->st = store_get_info(p->a->s, KG_DEMAND, r->id, &info);
        if (p->st != KG_OK)
            return false;
        if (strncmp(info.first_seen, o->since, strlen(o->since)) >= 0)
            why = "new";
        else if (strncmp(info.last_seen, o->since, strlen(o->since)) >= 0)
            why = "changed";
        store_info_release(&info);
    } else if (strmap_get(&p->changed, r->id, strlen(r->id), false, NULL) !=
               STRMAP_NONE) {
        why = "changed";
    } else if (p->pool) {
        why = "pool";
    }
    if (why) {
        strlist_add(&p->ids, r->id);
        strlist_add(&p->why, why);
    }
    return true;
}

static bool any_record(const struct kg_record *r, void *ctx)
{
    (void)r;
    *(bool *)ctx = true;
    return false;
}

/* Fills p->ids (with p->why) from the store; last is the data version of
 * the shard's last run (-1: never ran). */
static kg_status pick_demands(struct pick *p, int64_t last, int64_t version)
{
    struct store *s = p->a->s;
    char now[32];
    kg_now_iso(now);
    snprintf(p->today, sizeof p->today, "%.10s", now);
    /* one enterprise's report is all its open demands unless since says */
    p->all = (p->o->since && strcmp(p->o->since, "all") == 0) || last < 0 ||
             (p->only && !p->o->since);
    bool by_date = p->o->since && strcmp(p->o->since, "last") != 0 &&
                   strcmp(p->o->since, "all") != 0;
    kg_status st = KG_OK;
    if (!p->all && !by_date && version > last) {
        struct store_iter_opts io = {.kinds = KG_KIND_BIT(KG_DEMAND),
                                     .changed_after = last};
        st = store_foreach(s, &io, on_changed, p);
        bool other = false, anything = p->changed.n > 0;
        io.kinds = ~KG_KIND_BIT(KG_DEMAND) & ((1u << KG_KIND_COUNT) - 1);
        if (st == KG_OK)
            st = store_foreach(s, &io, any_record, &other);
        /* a change that left no changed record behind was a deletion */
        p->pool = other || !anything;
    }
    if (st == KG_OK)
        st = store_foreach_link_rel(s, KG_DEMAND, STORE_REL_POSTED_BY,
                                    on_posted, p);
    if (st == KG_OK &&
        app_status_load(p->a, &p->status_ids, &p->status) != KG_OK)
        return KG_EIO;
    if (st == KG_OK)
        st = store_foreach(
            s,
            &(struct store_iter_opts){.kinds = KG_KIND_BIT(KG_DEMAND),
                                      .skip_stubs = true},
            on_demand, p);
    if (st == KG_OK)
        st = p->st;
    return st == KG_OK ? st : app_store_fail(p->a, st, "choosing the demands");
}

/* ---- matching into the night ------------------------------------------- */

#define MATCH_SLICE 1024

struct collect {
    struct app_session *a;
    struct pick *p;
    const char *shard;
    struct night *night; /* the demands kept, as they come */
    size_t unchanged;
    kg_status st; /* the first failure to spool */
    json_t *cur, *hits;
    struct kg_buf fp; /* the current demand's fingerprint text */
    size_t base;      /* the slice's first demand */
    struct strmap names;
    struct kg_strlist name_of; /* enterprise id -> name */
    struct kg_strlist fps;     /* one per demand, in order */
};

static json_t *jstr(const char *s)
{
    return json_string(s ? s : "");
}

static double round4(double x)
{
    return (double)(long long)(x * 10000.0 + 0.5) / 10000.0;
}

static const char *enterprise_name(struct collect *c, const char *id)
{
    bool added = false;
    uint32_t i = strmap_get(&c->names, id, strlen(id), true, &added);
    if (added) {
        struct kg_record r;
        record_init(&r, KG_ENTERPRISE);
        bool ok = *id && store_get(c->a->s, KG_ENTERPRISE, id, &r) == KG_OK;
        strlist_add(&c->name_of, ok ? record_label(&r) : id);
        record_release(&r);
    }
    return c->name_of.v[i];
}

static void on_begin(void *ctx, const struct app_group *g)
{
    struct collect *c = ctx;
    const char *eid = app_batch_owner(c->p, g->id);
    c->cur = json_object();
    c->hits = json_array();
    json_object_set_new(c->cur, "id", jstr(g->id));
    json_object_set_new(c->cur, "title", jstr(g->label));
    json_object_set_new(c->cur, "enterprise", jstr(eid));
    json_object_set_new(c->cur, "enterprise_name",
                        jstr(enterprise_name(c, eid)));
    json_object_set_new(c->cur, "domains", jstr(g->domains));
    json_object_set_new(c->cur, "why", jstr(c->p->why.v[c->base + g->index]));
    kg_buf_reset(&c->fp);
}

/* An institution's or expert's email, phone and web page ("" for none). */
static void add_contacts(struct app_session *a, json_t *h, kg_kind kind,
                         const char *id)
{
    if (kind != KG_INSTITUTION && kind != KG_EXPERT)
        return;
    struct kg_record r;
    record_init(&r, kind);
    if (store_get(a->s, kind, id, &r) == KG_OK) {
        json_object_set_new(h, "email", jstr(r.email));
        json_object_set_new(h, "phone", jstr(r.phone));
        json_object_set_new(h, "url", jstr(r.url));
        json_object_set_new(h, "region", jstr(r.region));
    }
    record_release(&r);
}

static void on_hit(void *ctx, const struct app_group *g,
                   const struct app_hit *x)
{
    struct collect *c = ctx;
    (void)g;
    json_t *h = json_object();
    json_object_set_new(h, "kind", jstr(record_kind_name(x->kind)));
    json_object_set_new(h, "id", jstr(x->id));
    json_object_set_new(h, "label", jstr(x->label));
    json_object_set_new(h, "score", json_real(round4(x->score)));
    json_object_set_new(h, "text", json_real(round4(x->text)));
    json_object_set_new(h, "graph", json_real(round4(x->graph)));
    json_object_set_new(h, "fit", json_real(round4(x->fit)));
    json_object_set_new(h, "cross_domain", json_boolean(x->cross_domain));
    json_object_set_new(h, "accepted", json_boolean(x->accepted));
    json_t *cs = json_array();
    for (size_t i = 0; i < x->nconcepts; i++)
        json_array_append_new(cs, jstr(x->concepts[i]));
    json_object_set_new(h, "concepts", cs);
    json_t *path = json_array();
    for (size_t i = 0; i < x->npath; i++) {
        json_t *st = json_object();
        json_object_set_new(st, "kind", jstr(x->path[i].kind));
        json_object_set_new(st, "id", jstr(x->path[i].id));
        json_object_set_new(st, "label", jstr(x->path[i].label));
        json_array_append_new(path, st);
    }
    json_object_set_new(h, "path", path);
    add_contacts(c->a, h, x->kind, x->id);
    json_array_append_new(c->hits, h);
    /* the ranking, not the scores: any new record nudges every score */
    kg_buf_printf(&c->fp, "%d:%s;", (int)x->kind, x->id);
}

/* A demand matched only because the pool moved stays out of the night's
 * results when its matches did not move; the others go to the night. */
static void on_end(void *ctx, const struct app_group *g)
{
    struct collect *c = ctx;
    struct app_session *a = c->a;
    json_object_set_new(c->cur, "matches", c->hits);
    char fp[16];
    snprintf(fp, sizeof fp, "%08x",
             app_batch_hash(c->fp.data ? c->fp.data : ""));
    strlist_add(&c->fps, fp);
    char *old = NULL;
    bool same = false;
    if (strcmp(c->p->why.v[c->base + g->index], "pool") == 0 &&
        store_batch_fingerprint(a->s, c->shard, g->id, &old) == KG_OK)
        same = strcmp(old, fp) == 0;
    free(old);
    if (same)
        c->unchanged++;
    else if (c->st == KG_OK)
        c->st = night_add(a, c->night, c->cur);
    json_decref(c->cur);
    c->cur = c->hits = NULL;
}

/* ---- the sources of the night ------------------------------------------- */

static json_t *sources_json(const struct app_ingest_report *r)
{
    json_t *v = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct app_ingest_source *s = &r->v[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", jstr(s->name));
        json_object_set_new(o, "status", jstr(s->status));
        json_object_set_new(o, "failed", json_boolean(s->failed));
        json_object_set_new(o, "added", json_integer(s->added));
        json_object_set_new(o, "updated", json_integer(s->updated));
        json_object_set_new(o, "deleted", json_integer(s->deleted));
        json_t *m = json_array();
        for (size_t j = 0; j < s->nmessages; j++)
            json_array_append_new(m, jstr(s->messages[j]));
        json_object_set_new(o, "messages", m);
        json_array_append_new(v, o);
    }
    return v;
}

/* ---- the use case ------------------------------------------------------- */

static void progress(const struct app_batch_opts *o, const char *stage,
                     size_t done, size_t total)
{
    if (o->progress)
        o->progress(stage, done, total, o->progress_ctx);
}

struct progress_sink {
    struct collect *c;
    const struct app_batch_opts *o;
    size_t total;
};

static void on_end_progress(void *ctx, const struct app_group *g)
{
    struct progress_sink *ps = ctx;
    on_end(ps->c, g);
    progress(ps->o, "matching", ps->c->base + g->index + 1, ps->total);
}
static void on_begin_p(void *ctx, const struct app_group *g)
{
    on_begin(((struct progress_sink *)ctx)->c, g);
}
static void on_hit_p(void *ctx, const struct app_group *g,
                     const struct app_hit *h)
{
    on_hit(((struct progress_sink *)ctx)->c, g, h);
}

/* The nightly run merges the index's update segments into one (an update
 * merges little: core/index.h, optimize), so the day's imports leave the
 * search as fast as a fresh build. A failure leaves the index as it was:
 * the matching opens it again and says why. */
static void optimize_index(struct app_session *a)
{
    struct index_opts io = {.optimize = true};
    struct index *ix = NULL;
    char err[512];
    index_free(a->search);
    a->search = NULL;
    if (index_open(a->s, &io, &ix, err, sizeof err) == KG_OK) {
        app_index_notice(a, ix); /* a damaged segment, say */
        index_free(ix);
    }
}

kg_status app_batch(struct app_session *a, const struct app_batch_opts *o,
                    struct app_batch_result *res)
{
    int fd = -1;
    char started[32], shard[32] = "", at[32];
    int64_t last = -1, version = 0, before = -1;
    struct app_ingest_report rep = {0};
    struct pick p = {.a = a, .o = o, .st = KG_OK};
    struct collect c = {.a = a, .p = &p};
    char *eid = NULL;
    json_t *doc = NULL;
    memset(res, 0, sizeof *res);
    kg_buf_init(&c.fp);
    kg_now_iso(started);
    if (o->nshards > 1)
        snprintf(shard, sizeof shard, "%u/%u", o->shard, o->nshards);
    kg_status st = lock_batch(a, &fd);
    if (st != KG_OK)
        goto out;
    c.shard = shard;
    st = night_new(a, o->out, &c.night);
    if (st == KG_OK && !o->no_ingest) {
        progress(o, "ingesting", 0, 0);
        if (app_version(a, &before) != KG_OK)
            before = -1;
        st = app_ingest(a, NULL, 0, &o->ingest, &rep);
        if (st == KG_EINPUT)
            st = KG_OK; /* failed sources are in the report */
        res->ingested = true;
        for (size_t i = 0; i < rep.n; i++)
            res->sources_failed += rep.v[i].failed;
        if (st == KG_OK && app_refresh_index(a, before) != KG_OK)
            st = KG_OK; /* the next search rebuilds it */
    }
    if (st == KG_OK) {
        progress(o, "optimizing the index", 0, 0);
        optimize_index(a);
    }
    if (st == KG_OK && o->enterprise)
        st = app_find_enterprise(a, o->enterprise, &eid);
    if (st == KG_OK)
        st = app_version(a, &version);
    if (st == KG_OK) {
        st = store_batch_last(a->s, shard, &last, at);
        if (st == KG_ENOTFOUND) {
            last = -1;
            st = KG_OK;
        } else if (st != KG_OK) {
            app_store_fail(a, st, "reading the last batch");
        }
    }
    p.only = eid;
    if (st == KG_OK)
        st = pick_demands(&p, last, version);
    /* in slices, so that what the matcher keeps for its queries (their
     * texts and translations) does not grow with the night */
    if (st == KG_OK && p.ids.n > 0)
        progress(o, "matching", 0, p.ids.n);
    for (size_t lo = 0; st == KG_OK && lo < p.ids.n; lo += MATCH_SLICE) {
        struct app_match_opts mo = {.top = o->top ? o->top : 5,
                                    .explain = true};
        struct progress_sink ps = {&c, o, p.ids.n};
        struct app_sink sink = {NULL, on_begin_p, on_hit_p, on_end_progress,
                                &ps};
        size_t k = p.ids.n - lo < MATCH_SLICE ? p.ids.n - lo : MATCH_SLICE;
        c.base = lo;
        st = app_match_demands(a, (const char *const *)p.ids.v + lo, k, &mo,
                               &sink);
        if (st == KG_OK)
            st = c.st;
    }
    res->unchanged = c.unchanged;
    if (st == KG_OK) {
        doc = json_object();
        json_object_set_new(doc, "kgmatch_batch", json_integer(1));
        json_object_set_new(doc, "generated", jstr(started));
        json_object_set_new(doc, "database", jstr(a->db_path));
        json_object_set_new(doc, "since",
                            jstr(p.all && last < 0 ? "all (first run)"
                                 : p.all           ? "all"
                                 : o->since        ? o->since
                                                   : "last"));
        json_object_set_new(doc, "last_run", jstr(last < 0 ? "" : at));
        json_object_set_new(doc, "version", json_integer(version));
        json_object_set_new(doc, "shard", *shard ? jstr(shard) : json_null());
        json_object_set_new(doc, "enterprise", eid ? jstr(eid) : json_null());
        json_object_set_new(doc, "top",
                            json_integer(o->top ? (json_int_t)o->top : 5));
        json_object_set_new(doc, "ingested", json_boolean(res->ingested));
        json_object_set_new(doc, "considered", json_integer(p.considered));
        json_object_set_new(doc, "unchanged", json_integer(res->unchanged));
        json_object_set_new(doc, "sources", sources_json(&rep));
        progress(o, "writing", 0, 0);
        st = night_write(a, c.night, o->out, doc);
    }
    if (st == KG_OK) {
        res->demands = night_demands(c.night);
        res->matches = night_matches(c.night);
        struct store_batch_run run = {
            .shard = shard,
            .started = started,
            .out = o->out,
            .version = version,
            .demands = (int64_t)res->demands,
            .seen_demand = (const char *const *)p.ids.v,
            .seen_fingerprint = (const char *const *)c.fps.v,
            .nseen = c.fps.n,
        };
        if (eid) /* one enterprise's report leaves the night's state be */
            goto out;
        st = store_begin(a->s);
        if (st == KG_OK)
            st = store_batch_record(a->s, &run);
        if (st == KG_OK)
            st = store_commit(a->s);
        else
            store_rollback(a->s);
        if (st != KG_OK)
            app_store_fail(a, st, "recording the batch");
    }
out:
    json_decref(doc);
    night_free(c.night);
    kg_buf_release(&c.fp);
    strmap_release(&c.names);
    strlist_release(&c.name_of);
    strlist_release(&c.fps);
    strmap_release(&p.changed);
    strmap_release(&p.owner);
    strmap_release(&p.status_ids);
    strlist_release(&p.status);
    strlist_release(&p.owner_of);
    strlist_release(&p.ids);
    strlist_release(&p.why);
    app_ingest_report_release(&rep);
    free(eid);
    if (fd >= 0)
        close(fd);
    return st;
}

/* ---- reading a shard's output ------------------------------------------ */

/* The text of one member's value or one demand at most: a shard's demand
 * with its matches is a few kilobytes; more is no batch output. */
#define MERGE_VALUE_MAX (64u << 20)

/* A shard's matches.json read one value at a time, so that the merge holds
 * one demand, not the shard: the top-level object's members are split off
 * by their brackets and quotes alone (strings skipped, escapes honoured),
 * and each value, once whole, is parsed by jansson. Any spacing is read. */
struct shard_in {
    struct app_session *a;
    const char *path;
    FILE *f;
    struct kg_buf v; /* the value being read */
};

static kg_status shard_bad(struct shard_in *in, const char *why)
{
    return app_fail(in->a, KG_EINPUT, "%s: not a batch output (%s at byte %ld)",
                    in->path, why, ftell(in->f));
}

/* The next character that is not JSON white space (EOF at the end). */
static int shard_next(struct shard_in *in)
{
    int c;
    do
        c = getc(in->f);
    while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    return c;
}

/* The text of the value that starts with c into in->v: an object or array
 * to its closing bracket, a string to its closing quote, anything else to
 * the character that ends it (left unread). */
static kg_status shard_text(struct shard_in *in, int c)
{
    size_t depth = 0;
    bool str = false, esc = false;
    kg_buf_reset(&in->v);
    for (;; c = getc(in->f)) {
        if (c == EOF)
            return shard_bad(in, "truncated");
        if (in->v.len >= MERGE_VALUE_MAX)
            return shard_bad(in, "a value over 64 MiB");
        if (!str && depth == 0 && in->v.len > 0 && strchr(",:]} \t\r\n", c)) {
            ungetc(c, in->f); /* a number or a literal ends here */
            return KG_OK;
        }
        kg_buf_addc(&in->v, (char)c);
        if (esc) {
            esc = false;
        } else if (str) {
            esc = c == '\\';
            str = c != '"';
            if (!str && depth == 0)
                return KG_OK;
        } else if (c == '"') {
            str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return shard_bad(in, "unexpected bracket");
            if (--depth == 0)
                return KG_OK;
        }
    }
}

/* The value that starts with c, parsed, into *out (the caller's). */
static kg_status shard_value(struct shard_in *in, int c, json_t **out)
{
    json_error_t e;
    kg_status st = shard_text(in, c);
    *out = NULL;
    if (st == KG_OK)
        *out = json_loadb(in->v.data, in->v.len, JSON_DECODE_ANY, &e);
    if (st == KG_OK && !*out)
        st = shard_bad(in, e.text);
    return st;
}

/* Between an object's members or an array's elements: true at the
 * closing character close (or a failure, into *st); otherwise *c is the
 * first character of the next one (after the comma unless first). */
static bool shard_sep(struct shard_in *in, bool first, int close, int *c,
                      kg_status *st)
{
    *c = shard_next(in);
    if (*c == close)
        return true;
    if (!first) {
        if (*c != ',') {
            *st = shard_bad(in, close == '}' ? "',' or '}' expected"
                                             : "',' or ']' expected");
            return true;
        }
        *c = shard_next(in);
    }
    return false;
}

/* Reads matches.json of dir: its members but the demands into *head (the
 * caller's, NULL after a failure), each demand in turn into the night
 * (made in out on the first one when *night is NULL). */
static kg_status shard_read(struct app_session *a, const char *dir,
                            const char *out, struct night **night,
                            json_t **head)
{
    char *path = kg_xasprintf("%s/matches.json", dir);
    struct shard_in in = {.a = a, .path = path};
    json_t *key = NULL, *v = NULL;
    bool demands = false;
    kg_status st = KG_OK;
    kg_buf_init(&in.v);
    *head = json_object();
    in.f = fopen(path, "r");
    if (!in.f) {
        st = app_fail(a, KG_EINPUT,
                      "%s: not a batch output (unable to open "
                      "%s: %s)",
                      path, path, strerror(errno));
        goto out;
    }
    int c = shard_next(&in);
    if (c != '{')
        st = shard_bad(&in, "no JSON object");
    for (bool first = true; st == KG_OK; first = false) {
        if (shard_sep(&in, first, '}', &c, &st))
            break;
        if (c != '"') {
            st = shard_bad(&in, "a member's name expected");
            break;
        }
        st = shard_value(&in, c, &key);
        if (st == KG_OK && shard_next(&in) != ':')
            st = shard_bad(&in, "':' expected");
        if (st != KG_OK)
            break;
        c = shard_next(&in);
        if (strcmp(json_string_value(key), "demands") != 0) {
            st = shard_value(&in, c, &v);
            if (st == KG_OK)
                json_object_set_new(*head, json_string_value(key), v);
        } else if (c != '[' || demands) {
            st = shard_bad(&in, "demands are no array");
        } else {
            demands = true;
            for (bool one = true; st == KG_OK; one = false) {
                if (shard_sep(&in, one, ']', &c, &st))
                    break;
                st = shard_value(&in, c, &v);
                if (st == KG_OK && !json_is_object(v))
                    st = shard_bad(&in, "a demand is no object");
                if (st == KG_OK && !*night)
                    st = night_new(a, out, night);
                if (st == KG_OK)
                    st = night_add(a, *night, v);
                json_decref(v);
            }
        }
        v = NULL;
        json_decref(key);
        key = NULL;
    }
    json_decref(key);
    if (st == KG_OK && shard_next(&in) != EOF)
        st = shard_bad(&in, "text after the object");
    if (st == KG_OK && !demands)
        st =
            app_fail(a, KG_EINPUT, "%s: not a batch output (no demands)", path);
out:
    if (in.f)
        fclose(in.f);
    if (st != KG_OK) {
        json_decref(*head);
        *head = NULL;
    }
    kg_buf_release(&in.v);
    free(path);
    return st;
}

/* ---- merging shard outputs ---------------------------------------------- */

kg_status app_batch_merge(const char *const *dirs, size_t n, const char *out,
                          char *err, size_t errlen)
{
    /* no store is needed: a session of its message only */
    struct app_session msg = {.db_path = NULL};
    struct app_session *a = &msg;
    kg_buf_init(&msg.msg);
    json_t *doc = NULL, *sources = json_array();
    struct night *night = NULL;
    kg_status st = KG_OK;
    json_int_t considered = 0, unchanged = 0, version = 0;
    bool ingested = false;
    /* one demand in memory at a time; each goes to the night */
    for (size_t i = 0; i < n && st == KG_OK; i++) {
        json_t *d = NULL;
        st = shard_read(a, dirs[i], out, &night, &d);
        if (st == KG_OK && !night)
            st = night_new(a, out, &night);
        if (st == KG_OK) {
            json_t *srcs = json_object_get(d, "sources");
            for (size_t j = 0; j < json_array_size(srcs); j++) {
                json_t *sj = json_array_get(srcs, j);
                const char *name =
                    json_string_value(json_object_get(sj, "name"));
                bool seen = false;
                for (size_t k = 0; k < json_array_size(sources); k++)
                    seen |= !strcmp(name ? name : "",
                                    json_string_value(json_object_get(
                                        json_array_get(sources, k), "name")));
                if (!seen)
                    json_array_append(sources, sj);
            }
            considered += json_integer_value(json_object_get(d, "considered"));
            unchanged += json_integer_value(json_object_get(d, "unchanged"));
            json_int_t v = json_integer_value(json_object_get(d, "version"));
            version = v > version ? v : version;
            ingested |= json_is_true(json_object_get(d, "ingested"));
            if (!doc) {
                doc = json_incref(d);
                char now[32];
                kg_now_iso(now);
                json_object_set_new(doc, "generated", jstr(now));
            }
        }
        json_decref(d);
    }
    if (st == KG_OK && !doc)
        st = app_fail(a, KG_EUSAGE, "no shard outputs given");
    if (st == KG_OK) {
        json_object_set_new(doc, "shard", json_null());
        json_object_set_new(doc, "version", json_integer(version));
        json_object_set_new(doc, "ingested", json_boolean(ingested));
        json_object_set_new(doc, "considered", json_integer(considered));
        json_object_set_new(doc, "unchanged", json_integer(unchanged));
        json_object_set(doc, "sources", sources);
        st = night_write(a, night, out, doc);
    }
    json_decref(doc);
    json_decref(sources);
    night_free(night);
    snprintf(err, errlen, "%s", app_last_error(a));
    kg_buf_release(&msg.msg);
    return st;
}
