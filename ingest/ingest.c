/*
 * ingest.c - the harvest loop of every source type on one fetcher: each
 * source is a chain of requests whose callbacks parse the page and store
 * it, with the checkpoint, in one transaction before asking for the next.
 * What happened is collected per source and reported at the end in name
 * order, so it does not depend on which source finished first; progress
 * goes to the caller's callback. Nothing here prints.
 */
#include "ingest/ingest.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ingest/import.h"
#include "ingest/page.h"
#include "ingest/parse_feed.h"
#include "ingest/parse_html.h"
#include "ingest/parse_oai.h"
#include "ingest/parse_patent.h"
#include "ingest/source.h"

#define BULK_BATCH 500 /* patent documents per transaction */

struct run {
    struct store *store;
    const struct ingest_opts *opts;
    struct fetcher *fetcher;
    double t0;
    long long pages, records;
    size_t sources, finished;
    struct kg_strlist warnings; /* about the stored sources themselves */
};

struct counts {
    long long added, updated, unchanged, deleted, skipped, bad;
};

struct harvest {
    struct run *run;
    struct source src;
    struct source_state state;
    struct fetch_opts fopts;
    struct html_rules rules; /* html; zeroed otherwise */
    struct counts c;
    long long pages;
    size_t bytes;
    bool finished, failed, not_modified, partial;
    struct kg_strlist msgs;
    char error[600];
    char *run_start;                  /* when this run began */
    char *window_start, *window_from; /* the harvest window (may be older
                                         when an interrupted one resumes) */
    bool restarted, resumed;
    char *new_etag, *new_last_modified;
    struct kg_strlist seen;
    /* html: a listing page waiting for its detail pages */
    struct page pending;
    size_t details_left;
    bool details_failed;
};

static void msg(struct harvest *h, const char *fmt, ...) KG_PRINTF(2, 3);
static void msg(struct harvest *h, const char *fmt, ...)
{
    va_list ap;
    struct kg_buf b;
    kg_buf_init(&b);
    va_start(ap, fmt);
    kg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    strlist_add(&h->msgs, b.data ? b.data : "");
    kg_buf_release(&b);
}

/* v may alias *slot. */
static void set_str(char **slot, const char *v)
{
    char *copy = v ? kg_xstrdup(v) : NULL;
    free(*slot);
    *slot = copy;
}

/* ---- progress ---- */

static void progress(struct run *r)
{
    if (!r->opts->progress)
        return;
    struct ingest_progress p = {
        .finished = r->finished,
        .sources = r->sources,
        .pages = r->pages,
        .records = r->records,
        .bytes = r->fetcher ? fetcher_bytes(r->fetcher) : 0,
        .seconds = kg_monotonic() - r->t0,
    };
    r->opts->progress(&p, r->opts->progress_ctx);
}

/* Loads a source's state, keeping any warning about it for the report. */
static kg_status load_state(struct run *r, const char *name,
                            struct source_state *s)
{
    kg_status st = source_state_load(r->store, name, s);
    if (st == KG_OK && s->warning)
        strlist_add(&r->warnings, s->warning);
    return st;
}

static void on_tick(size_t bytes, void *ctx)
{
    (void)bytes;
    progress(ctx);
}

/* ---- finishing a source ---- */

static void counts_into_state(struct harvest *h, struct source_state *s)
{
    s->pages = h->pages;
    s->added = h->c.added;
    s->updated = h->c.updated;
    s->unchanged = h->c.unchanged;
    s->deleted = h->c.deleted;
    s->skipped = h->c.skipped;
    s->bad = h->c.bad;
}

static void finish(struct harvest *h)
{
    if (h->finished)
        return;
    h->finished = true;
    h->run->finished++;
    progress(h->run);
}

/* Marks the source failed: the message is kept and the state records it
 * (the last committed checkpoint stays, so the next run resumes there). */
static void record_failure(struct harvest *h)
{
    h->failed = true;
    msg(h, "%s", h->error);
    struct source_state s;
    if (load_state(h->run, h->src.name, &s) == KG_OK) {
        set_str(&s.status, "failed");
        set_str(&s.error, h->error);
        set_str(&s.last_run, h->run_start);
        counts_into_state(h, &s);
        if (source_state_save(h->run->store, h->src.name, &s) != KG_OK)
            msg(h, "cannot record the failure: %s",
                store_last_error(h->run->store));
        source_state_release(&s);
    }
}

static void fail(struct harvest *h, const char *fmt, ...) KG_PRINTF(2, 3);
static void fail(struct harvest *h, const char *fmt, ...)
{
    if (h->finished)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->error, sizeof h->error, fmt, ap);
    va_end(ap);
    record_failure(h);
    finish(h);
}

/* ---- storing a page with its checkpoint ---- */

static kg_status apply_page(struct harvest *h, struct page *p, struct counts *c)
{
    struct store *st = h->run->store;
    for (size_t i = 0; i < p->n; i++) {
        struct kg_record *r = &p->items[i].rec;
        kg_status rc;
        if (p->items[i].deleted) {
            rc = store_delete(st, r->kind, r->id);
            if (rc == KG_OK)
                c->deleted++;
            else if (rc != KG_ENOTFOUND)
                return rc;
            continue;
        }
        char why[256];
        if (record_validate(r, why, sizeof why) != KG_OK) {
            c->bad++;
            msg(h, "record %s: %s", r->id ? r->id : "(no id)", why);
            continue;
        }
        enum store_upsert_result res;
        rc = store_upsert(st, r, h->src.name, &res);
        if (rc != KG_OK)
            return rc;
        if (res == STORE_ADDED)
            c->added++;
        else if (res == STORE_UPDATED)
            c->updated++;
        else
            c->unchanged++;
    }
    c->skipped += (long long)p->skipped;
    return KG_OK;
}

enum step { STEP_NEXT, STEP_DONE, STEP_FAILED };

/* Saves the source's new state *copy in the open transaction and commits
 * it with what the step stored (rolled back when the save fails); then
 * *copy is the harvest's state. On failure *copy is released and the
 * harvest's state stays as it was (the store's error says why). */
static kg_status commit_state(struct harvest *h, struct source_state *copy)
{
    struct store *st = h->run->store;
    kg_status rc = source_state_save(st, h->src.name, copy);
    if (rc == KG_OK)
        rc = store_commit(st);
    else
        store_rollback(st);
    if (rc != KG_OK) {
        source_state_release(copy);
        return rc;
    }
    source_state_release(&h->state);
    h->state = *copy;
    return KG_OK;
}

/* Fills state s for the end of a complete harvest. */
static void state_complete(struct harvest *h, struct source_state *s,
                           const char *status)
{
    set_str(&s->status, status);
    set_str(&s->error, NULL);
    set_str(&s->last_run, h->run_start);
    set_str(&s->last_success, h->window_start);
    set_str(&s->resume, NULL);
    set_str(&s->cursor, NULL);
    s->resume_page = 0;
    s->resume_docs = 0;
    set_str(&s->window_start, NULL);
    set_str(&s->window_from, NULL);
    if (h->new_etag || h->new_last_modified) {
        set_str(&s->etag, h->new_etag);
        set_str(&s->last_modified, h->new_last_modified);
    }
}

/*
 * Stores page p and the checkpoint in one transaction. next is where the
 * harvest goes on (NULL: p was the last page). With stop_unchanged (an
 * incremental run of a newest-first listing) a page that changed nothing
 * ends the harvest. *next_out is what to fetch now (NULL: the source is
 * done). resume_docs is the bulk-file position (or -1).
 */
static enum step store_page(struct harvest *h, struct page *p, const char *next,
                            bool stop_unchanged, long long resume_docs,
                            char **next_out)
{
    struct store *st = h->run->store;
    *next_out = NULL;
    kg_status rc = store_begin(st);
    if (rc != KG_OK) {
        fail(h, "%s", store_last_error(st));
        return STEP_FAILED;
    }
    struct counts c = {0};
    rc = apply_page(h, p, &c);
    if (rc != KG_OK) {
        char keep[512];
        snprintf(keep, sizeof keep, "%s", store_last_error(st));
        store_rollback(st);
        fail(h, "cannot store page %lld: %s", h->pages + 1, keep);
        return STEP_FAILED;
    }
    if (next && stop_unchanged && h->state.last_success &&
        c.added + c.updated + c.deleted == 0)
        next = NULL;
    bool limit =
        next && h->src.max_pages > 0 && h->pages + 1 >= h->src.max_pages;
    /* Work on a copy: h->state changes only once the commit succeeded. */
    struct source_state copy;
    source_state_copy(&copy, &h->state);
    struct harvest tmp = *h;
    tmp.c.added += c.added;
    tmp.c.updated += c.updated;
    tmp.c.unchanged += c.unchanged;
    tmp.c.deleted += c.deleted;
    tmp.c.skipped += c.skipped;
    tmp.c.bad += c.bad;
    tmp.pages = h->pages + 1;
    counts_into_state(&tmp, &copy);
    if (next) {
        set_str(&copy.resume, next);
        set_str(&copy.cursor, p->cursor);
        copy.resume_page++;
        copy.resume_docs = resume_docs;
        set_str(&copy.window_start, h->window_start);
        set_str(&copy.window_from, h->window_from);
        if (limit) {
            set_str(&copy.status, "partial");
            set_str(&copy.error, NULL);
            set_str(&copy.last_run, h->run_start);
        }
    } else {
        state_complete(h, &copy, "ok");
    }
    if (commit_state(h, &copy) != KG_OK) {
        fail(h, "cannot store page %lld: %s", h->pages + 1,
             store_last_error(st));
        return STEP_FAILED;
    }
    h->c = tmp.c;
    h->pages++;
    h->run->pages++;
    h->run->records += c.added + c.updated + c.unchanged;
    progress(h->run);
    if (!next || limit) {
        h->partial = limit;
        finish(h);
        return STEP_DONE;
    }
    *next_out = kg_xstrdup(next);
    return STEP_NEXT;
}

/* Ends a source whose listing did not change (304, same file). */
static void not_modified(struct harvest *h)
{
    set_str(&h->state.status, "not modified");
    set_str(&h->state.error, NULL);
    set_str(&h->state.last_run, h->run_start);
    counts_into_state(h, &h->state);
    if (source_state_save(h->run->store, h->src.name, &h->state) != KG_OK) {
        fail(h, "%s", store_last_error(h->run->store));
        return;
    }
    h->not_modified = true;
    finish(h);
}

/* ---- requests ---- */

static bool seen_url(struct harvest *h, const char *url)
{
    for (size_t i = 0; i < h->seen.n; i++)
        if (strcmp(h->seen.v[i], url) == 0)
            return true;
    strlist_add(&h->seen, url);
    return false;
}

static void request(struct harvest *h, const char *url, bool conditional,
                    fetch_done_cb cb, void *ctx)
{
    struct fetch_req req = {
        .url = url, .opts = &h->fopts, .done = cb, .ctx = ctx ? ctx : h};
    if (conditional && !h->run->opts->full) {
        req.etag = h->state.etag;
        req.last_modified = h->state.last_modified;
    }
    if (fetch_submit(h->run->fetcher, &req) != KG_OK)
        fail(h, "%s: only http, https and file URLs can be fetched", url);
}

/* Keeps the validators of the source URL's first response. */
static void keep_validators(struct harvest *h, const struct fetch_result *r)
{
    set_str(&h->new_etag, r->etag);
    set_str(&h->new_last_modified, r->last_modified);
}

/* ---- oai-pmh ---- */

static char *oai_list_url(struct harvest *h, const char *token)
{
    const char *base = h->src.url;
    char sep = strchr(base, '?') ? '&' : '?';
    struct kg_buf b;
    kg_buf_init(&b);
    if (token) {
        char *t = fetch_escape(token);
        kg_buf_printf(&b, "%s%cverb=ListRecords&resumptionToken=%s", base, sep,
                      t);
        free(t);
        return kg_buf_detach(&b);
    }
    char *p = fetch_escape(h->src.prefix ? h->src.prefix : "oai_dc");
    kg_buf_printf(&b, "%s%cverb=ListRecords&metadataPrefix=%s", base, sep, p);
    free(p);
    if (h->src.set) {
        char *s = fetch_escape(h->src.set);
        kg_buf_printf(&b, "&set=%s", s);
        free(s);
    }
    if (h->window_from) {
        char *f = fetch_escape(h->window_from);
        kg_buf_printf(&b, "&from=%s", f);
        free(f);
    }
    return kg_buf_detach(&b);
}

static void on_oai_page(struct fetch_result *res, void *ctx);

static void oai_list(struct harvest *h, const char *token)
{
    char *url = oai_list_url(h, token);
    request(h, url, false, on_oai_page, NULL);
    free(url);
}

static void on_oai_page(struct fetch_result *res, void *ctx)
{
    struct harvest *h = ctx;
    h->bytes += res->len;
    bool http_error_body =
        res->status == KG_ENET && res->http >= 400 && res->len > 0;
    if (res->status != KG_OK && !http_error_body) {
        fail(h, "%s", res->err);
        return;
    }
    struct oai_map map = {.kind = h->src.kind,
                          .institution = h->src.institution};
    struct page p;
    struct oai_error oe;
    char why[512];
    page_init(&p);
    kg_status st =
        parse_oai_records(res->body, res->len, &map, &p, &oe, why, sizeof why);
    if (st != KG_OK) {
        if (res->status != KG_OK)
            fail(h, "%s", res->err);
        else
            fail(h, "page %lld (%s): %s", h->pages + 1, res->url, why);
        return;
    }
    if (oe.code) {
        if (strcmp(oe.code, "noRecordsMatch") == 0) {
            char *next = NULL;
            store_page(h, &p, NULL, false, 0, &next);
        } else if (strcmp(oe.code, "badResumptionToken") == 0 &&
                   !h->restarted && strstr(res->url, "resumptionToken=")) {
            /* The server forgot the token: the window starts again, once. */
            msg(h, "badResumptionToken (%s): restarting the harvest window",
                oe.message);
            h->restarted = true;
            oai_list(h, NULL);
        } else {
            fail(h, "OAI error %s: %s", oe.code,
                 *oe.message ? oe.message : "(no message)");
        }
        oai_error_release(&oe);
        page_release(&p);
        return;
    }
    if (res->status != KG_OK) {
        fail(h, "%s", res->err);
        page_release(&p);
        return;
    }
    char *next = NULL;
    if (store_page(h, &p, p.next, false, 0, &next) == STEP_NEXT)
        oai_list(h, next);
    free(next);
    page_release(&p);
}

/* "2024-05-01T08:00:00Z" at the repository's granularity. */
static char *oai_from(const char *when, const char *granularity)
{
    if (granularity && strcmp(granularity, "YYYY-MM-DDThh:mm:ssZ") == 0)
        return kg_xstrdup(when);
    return kg_xstrndup(when, strlen(when) < 10 ? strlen(when) : 10);
}

static void on_oai_identify(struct fetch_result *res, void *ctx)
{
    struct harvest *h = ctx;
    h->bytes += res->len;
    char *g = NULL;
    struct oai_error oe;
    char why[256];
    /* Every repository supports days: a failed Identify falls back. */
    if (res->status != KG_OK ||
        parse_oai_identify(res->body, res->len, &g, &oe, why, sizeof why) !=
            KG_OK ||
        oe.code) {
        if (res->status == KG_OK)
            oai_error_release(&oe);
        free(g);
        g = kg_xstrdup("YYYY-MM-DD");
    }
    set_str(&h->state.granularity, g);
    h->window_from = oai_from(h->state.last_success, g);
    free(g);
    oai_list(h, NULL);
}

static void oai_start(struct harvest *h)
{
    const struct ingest_opts *o = h->run->opts;
    if (!o->full && h->state.resume) {
        h->resumed = true;
        set_str(&h->window_start, h->state.window_start ? h->state.window_start
                                                        : h->window_start);
        set_str(&h->window_from, h->state.window_from);
        oai_list(h, h->state.resume);
    } else if (!o->full && h->state.last_success) {
        char *url = kg_xasprintf("%s%cverb=Identify", h->src.url,
                                 strchr(h->src.url, '?') ? '&' : '?');
        request(h, url, false, on_oai_identify, NULL);
        free(url);
    } else {
        oai_list(h, NULL);
    }
}

/* Counts a response's bytes and settles a 304 or a failed fetch; true when
 * there is a body to parse. */
static bool body_arrived(struct harvest *h, struct fetch_result *res)
{
    h->bytes += res->len;
    if (res->status == KG_OK && res->http == 304) {
        not_modified(h);
        return false;
    }
    if (res->status != KG_OK) {
        fail(h, "%s", res->err);
        return false;
    }
    return true;
}

/* ---- rss and atom ---- */

static void on_feed_page(struct fetch_result *res, void *ctx);

/* Requests the next page of a paged listing (feed or HTML); a next link
 * back to a page already read ends the listing instead. */
static void paged_fetch(struct harvest *h, const char *url, bool first,
                        void (*cb)(struct fetch_result *, void *))
{
    if (seen_url(h, url)) {
        struct page p;
        page_init(&p);
        char *next = NULL;
        store_page(h, &p, NULL, false, 0, &next);
        return;
    }
    request(h, url, first, cb, NULL);
}

static void feed_fetch(struct harvest *h, const char *url, bool first)
{
    paged_fetch(h, url, first, on_feed_page);
}

static bool first_response(struct harvest *h)
{
    return h->pages == 0 && !h->resumed;
}

static void on_feed_page(struct fetch_result *res, void *ctx)
{
    struct harvest *h = ctx;
    h->bytes += res->len;
    if (res->status == KG_OK && res->http == 304) {
        not_modified(h);
        return;
    }
    struct feed_map map = {.kind = h->src.kind,
                           .institution = h->src.institution,
                           .page_param = h->src.page_param};
    struct page p;
    char why[512];
    page_init(&p);
    if (res->status != KG_OK) {
        if (res->len &&
            parse_feed(res->body, res->len, res->url, &map, &p, why,
                       sizeof why) == KG_EINPUT &&
            strstr(why, "reports an error"))
            fail(h, "%s (%s)", res->err, why);
        else
            fail(h, "%s", res->err);
        page_release(&p);
        return;
    }
    if (first_response(h))
        keep_validators(h, res);
    if (parse_feed(res->body, res->len, res->url, &map, &p, why, sizeof why) !=
        KG_OK) {
        fail(h, "page %lld (%s): %s", h->pages + 1, res->url, why);
        return;
    }
    char *next = NULL;
    if (store_page(h, &p, p.next, !h->run->opts->full, 0, &next) == STEP_NEXT)
        feed_fetch(h, next, false);
    free(next);
    page_release(&p);
}

/* ---- html ---- */

static void on_html_page(struct fetch_result *res, void *ctx);

static void html_fetch(struct harvest *h, const char *url, bool first)
{
    paged_fetch(h, url, first, on_html_page);
}

/* Stores the pending listing page once its detail pages are in. */
static void html_flush(struct harvest *h)
{
    struct page p = h->pending;
    page_init(&h->pending);
    if (h->details_failed) {
        page_release(&p);
        char why[sizeof h->error];
        snprintf(why, sizeof why, "%s",
                 h->error[0] ? h->error : "a detail page failed");
        fail(h, "%s", why);
        return;
    }
    char *next = NULL;
    if (store_page(h, &p, p.next, !h->run->opts->full, 0, &next) == STEP_NEXT)
        html_fetch(h, next, false);
    free(next);
    page_release(&p);
}

struct detail_ctx {
    struct harvest *h;
    size_t index;
};

static void on_html_detail(struct fetch_result *res, void *ctx)
{
    struct detail_ctx *d = ctx;
    struct harvest *h = d->h;
    size_t i = d->index;
    free(d);
    h->bytes += res->len;
    char why[512];
    if (!h->details_failed && !h->finished) {
        struct page_item *it = &h->pending.items[i];
        if (res->status != KG_OK) {
            h->details_failed = true;
            snprintf(h->error, sizeof h->error, "detail page of %s: %s",
                     it->rec.id, res->err);
        } else if (parse_html_detail(res->body, res->len, res->url,
                                     res->content_type, &h->rules, &it->rec,
                                     why, sizeof why) != KG_OK) {
            h->details_failed = true;
            snprintf(h->error, sizeof h->error, "detail page %s: %s", res->url,
                     why);
        }
    }
    /* A source that failed meanwhile stores nothing more. */
    if (--h->details_left == 0 && !h->finished)
        html_flush(h);
}

static void on_html_page(struct fetch_result *res, void *ctx)
{
    struct harvest *h = ctx;
    if (!body_arrived(h, res))
        return;
    if (first_response(h))
        keep_validators(h, res);
    char why[512];
    page_init(&h->pending);
    if (parse_html_listing(res->body, res->len, res->url, res->content_type,
                           &h->rules, h->src.institution, &h->pending, why,
                           sizeof why) != KG_OK) {
        fail(h, "page %lld (%s): %s", h->pages + 1, res->url, why);
        return;
    }
    h->details_failed = false;
    h->details_left = 0;
    if (h->rules.n_detail_fields > 0) {
        for (size_t i = 0; i < h->pending.n; i++)
            if (h->pending.items[i].detail)
                h->details_left++;
    }
    if (h->details_left == 0) {
        html_flush(h);
        return;
    }
    size_t n = h->pending.n;
    for (size_t i = 0; i < n; i++) {
        if (!h->pending.items[i].detail)
            continue;
        struct detail_ctx *d = kg_xmalloc(sizeof *d);
        d->h = h;
        d->index = i;
        request(h, h->pending.items[i].detail, false, on_html_detail, d);
    }
}

/* ---- uspto-xml ---- */

/* Reads the bulk stream in batches; validator names this version of the
 * file so that a checkpoint is only resumed on the same file. */
static void run_bulk(struct harvest *h, struct patent_split *sp,
                     const char *validator)
{
    long long skip = 0;
    if (!h->run->opts->full && h->state.resume && validator &&
        strcmp(h->state.resume, validator) == 0)
        skip = h->state.resume_docs;
    long long docs = 0;
    struct page p;
    page_init(&p);
    for (;;) {
        const char *doc;
        size_t len;
        unsigned long long off;
        char why[512];
        kg_status st = patent_split_next(sp, &doc, &len, &off, why, sizeof why);
        if (st == KG_ELIMIT) {
            docs++;
            if (docs > skip) {
                h->c.bad++;
                msg(h, "document %lld: %s", docs, why);
            }
            continue;
        }
        if (st != KG_OK) {
            page_release(&p);
            fail(h, "%s", why);
            return;
        }
        if (doc) {
            docs++;
            if (docs <= skip)
                continue;
            struct page_item *it = page_add(&p, KG_PATENT);
            bool is_patent;
            char root[64];
            st = parse_patent_doc(doc, len, &it->rec, &is_patent, root,
                                  sizeof root, why, sizeof why);
            if (st != KG_OK) {
                record_init(&it->rec, KG_PATENT);
                page_drop_last(&p);
                h->c.bad++;
                msg(h, "document %lld (byte %llu): %s", docs, off, why);
            } else if (!is_patent) {
                page_drop_last(&p);
                p.skipped++;
            } else if (h->src.institution) {
                page_list_add(&it->rec.applicants, h->src.institution);
            }
            if (p.n + p.skipped < BULK_BATCH)
                continue;
        }
        char *next = NULL;
        enum step s =
            store_page(h, &p, doc ? (validator ? validator : "") : NULL, false,
                       docs, &next);
        page_release(&p);
        free(next);
        if (s != STEP_NEXT || !doc)
            break;
        page_init(&p);
    }
    page_release(&p);
    if (!h->failed && h->c.bad > 0) {
        snprintf(h->error, sizeof h->error,
                 "%lld bad document(s); the others are stored", h->c.bad);
        record_failure(h);
    }
}

static void on_uspto_body(struct fetch_result *res, void *ctx)
{
    struct harvest *h = ctx;
    if (!body_arrived(h, res))
        return;
    keep_validators(h, res);
    struct patent_split *sp =
        patent_split_open_memory(res->body, res->len, h->fopts.max_bytes);
    run_bulk(h, sp, res->etag ? res->etag : res->last_modified);
    patent_split_free(sp);
}

static void uspto_start(struct harvest *h)
{
    char *path = fetch_local_path(h->src.url);
    if (!path) {
        request(h, h->src.url, true, on_uspto_body, NULL);
        return;
    }
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fail(h, "cannot read %s: %s", path, strerror(errno));
        free(path);
        return;
    }
    char *validator = fetch_file_validator(&sb);
    bool unchanged = h->state.etag && strcmp(h->state.etag, validator) == 0 &&
                     h->state.status && strcmp(h->state.status, "failed") &&
                     !h->state.resume;
    if (!h->run->opts->full && unchanged) {
        not_modified(h);
    } else {
        struct patent_split *sp = patent_split_open_file(path, 0);
        if (!sp) {
            fail(h, "cannot read %s: %s", path, strerror(errno));
        } else {
            set_str(&h->new_etag, validator);
            h->bytes += (size_t)sb.st_size;
            run_bulk(h, sp, validator);
            patent_split_free(sp);
        }
    }
    free(validator);
    free(path);
}

/* ---- jsonl and csv ---- */

/* A bad line of a jsonl or csv source: a message of the source. */
static void on_bad_line(const char *name, size_t line, const char *reason,
                        void *ctx)
{
    msg(ctx, "%s:%zu: %s", name, line, reason);
}

static void on_table_body(struct fetch_result *res, void *ctx)
{
    struct harvest *h = ctx;
    struct store *st = h->run->store;
    if (!body_arrived(h, res))
        return;
    keep_validators(h, res);
    FILE *in = fmemopen(res->len ? res->body : (char *)"\n",
                        res->len ? res->len : 1, "r");
    struct import_opts io = {
        .kind = h->src.kind,
        .format = h->src.type == SOURCE_CSV ? IMPORT_CSV : IMPORT_JSONL,
        .caller_txn = true,
        .source = h->src.name,
        .bad_line = on_bad_line,
        .ctx = h,
    };
    struct import_stats stats = {0};
    kg_status rc = store_begin(st);
    if (rc == KG_OK && in)
        rc = import_stream(st, in, res->url, &io, &stats);
    else if (rc == KG_OK)
        rc = KG_EIO;
    if (in)
        fclose(in);
    if (rc != KG_OK) {
        char keep[512];
        snprintf(keep, sizeof keep, "%s", store_last_error(st));
        store_rollback(st);
        if (rc == KG_EINPUT)
            fail(h, "nothing stored: the file has bad lines");
        else
            fail(h, "cannot store the file: %s", keep);
        return;
    }
    struct source_state copy;
    source_state_copy(&copy, &h->state);
    h->c.added += (long long)stats.added;
    h->c.updated += (long long)stats.updated;
    h->c.unchanged += (long long)stats.unchanged;
    h->pages = 1;
    counts_into_state(h, &copy);
    state_complete(h, &copy, "ok");
    if (commit_state(h, &copy) != KG_OK) {
        fail(h, "cannot store the file: %s", store_last_error(st));
        return;
    }
    h->run->pages++;
    h->run->records += (long long)stats.lines;
    finish(h);
}

/* ---- the run ---- */

/* Where a listing's harvest starts: the page an earlier run stopped at
 * (its window start kept), unless the run is --full or there is none;
 * else the source's first page. Sets h->resumed. */
static const char *resume_point(struct harvest *h)
{
    h->resumed = !h->run->opts->full && h->state.resume;
    if (!h->resumed)
        return h->src.url;
    set_str(&h->window_start,
            h->state.window_start ? h->state.window_start : h->window_start);
    return h->state.resume;
}

static void harvest_start(struct harvest *h)
{
    switch (h->src.type) {
    case SOURCE_OAI:
        oai_start(h);
        break;
    case SOURCE_RSS:
    case SOURCE_ATOM: {
        const char *at = resume_point(h);
        feed_fetch(h, at, !h->resumed);
        break;
    }
    case SOURCE_HTML: {
        char why[512];
        if (html_rules_load(h->src.rules, &h->rules, why, sizeof why) !=
            KG_OK) {
            fail(h, "%s", why);
            break;
        }
        const char *at = resume_point(h);
        html_fetch(h, at, !h->resumed);
        break;
    }
    case SOURCE_USPTO:
        uspto_start(h);
        break;
    case SOURCE_JSONL:
    case SOURCE_CSV:
        request(h, h->src.url, true, on_table_body, NULL);
        break;
    }
}

static void harvest_free(struct harvest *h)
{
    if (!h)
        return;
    source_release(&h->src);
    source_state_release(&h->state);
    html_rules_release(&h->rules);
    strlist_release(&h->msgs);
    free(h->run_start);
    free(h->window_start);
    free(h->window_from);
    free(h->new_etag);
    free(h->new_last_modified);
    strlist_release(&h->seen);
    page_release(&h->pending);
    free(h);
}

/* Moves h's outcome into the report entry r. */
static void report_source(struct harvest *h, struct ingest_source_report *r)
{
    r->name = kg_xstrdup(h->src.name);
    r->status = h->failed         ? "FAILED"
                : h->not_modified ? "not modified"
                : h->partial      ? "partial (page limit)"
                                  : "ok";
    r->failed = h->failed;
    r->pages = h->pages;
    r->added = h->c.added;
    r->updated = h->c.updated;
    r->unchanged = h->c.unchanged;
    r->deleted = h->c.deleted;
    r->skipped = h->c.skipped;
    r->bad = h->c.bad;
    r->messages = h->msgs;
    h->msgs = (struct kg_strlist){NULL, 0};
}

void ingest_report_release(struct ingest_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->v[i].name);
        strlist_release(&r->v[i].messages);
    }
    free(r->v);
    strlist_release(&r->warnings);
    memset(r, 0, sizeof *r);
}

/* The lock beside the database that keeps two ingests apart. */
static kg_status take_lock(struct store *s, double wait, int *fd, char *err,
                           size_t errlen)
{
    *fd = -1;
    const char *db = store_path(s);
    if (!db || !*db || strcmp(db, ":memory:") == 0)
        return KG_OK;
    char *path = kg_xasprintf("%s.ingest.lock", db);
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0) {
        snprintf(err, errlen, "cannot open the lock %s: %s", path,
                 strerror(errno));
        free(path);
        return KG_EIO;
    }
    double until = kg_monotonic() + (wait > 0 ? wait : 0);
    for (;;) {
        if (flock(f, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
            close(f);
            free(path);
            return KG_EIO;
        }
        if (kg_monotonic() >= until) {
            snprintf(err, errlen,
                     "another ingest is running on %s (it holds %s); try "
                     "again when it has finished",
                     db, path);
            close(f);
            free(path);
            return KG_EBUSY;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    free(path);
    *fd = f;
    return KG_OK;
}

static int by_name(const void *a, const void *b)
{
    const struct harvest *const *x = a, *const *y = b;
    return strcmp((*x)->src.name, (*y)->src.name);
}

kg_status ingest_run(struct store *s, const char *const *names, size_t n,
                     const struct ingest_opts *opts,
                     struct ingest_report *report, char *err, size_t errlen)
{
    struct run run = {.store = s, .opts = opts};
    memset(report, 0, sizeof *report);
    int lock = -1;
    double wait =
        opts->lock_wait == 0 ? INGEST_DEFAULT_LOCK_WAIT : opts->lock_wait;
    kg_status st = take_lock(s, wait, &lock, err, errlen);
    if (st != KG_OK)
        return st;

    struct source *all = NULL;
    size_t n_all = 0;
    struct harvest **hv = NULL;
    size_t n_hv = 0;
    st = source_list(s, &all, &n_all, &run.warnings);
    if (st != KG_OK) {
        snprintf(err, errlen, "cannot read the sources: %s",
                 store_last_error(s));
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < n_all && !found; k++)
            found = strcmp(all[k].name, names[i]) == 0;
        if (!found) {
            snprintf(err, errlen,
                     "no source named '%s' (see kgmatch sources list)",
                     names[i]);
            st = KG_ENOTFOUND;
            goto done;
        }
    }
    char now[32];
    kg_now_iso(now);
    for (size_t k = 0; k < n_all; k++) {
        bool wanted = n == 0;
        for (size_t i = 0; i < n && !wanted; i++)
            wanted = strcmp(all[k].name, names[i]) == 0;
        if (!wanted)
            continue;
        struct harvest *h = kg_xcalloc(1, sizeof *h);
        h->run = &run;
        h->src = all[k];
        source_init(&all[k]);
        page_init(&h->pending);
        h->window_start = kg_xstrdup(now);
        h->run_start = kg_xstrdup(now);
        h->fopts = opts->fetch;
        fetch_opts_merge(&h->fopts, &h->src.fetch);
        if (h->fopts.budget > 0)
            h->fopts.deadline = kg_monotonic() + h->fopts.budget;
        st = load_state(&run, h->src.name, &h->state);
        if (st != KG_OK) {
            snprintf(err, errlen, "cannot read the state of %s: %s",
                     h->src.name, store_last_error(s));
            harvest_free(h);
            goto done;
        }
        hv = kg_xrealloc(hv, (n_hv + 1) * sizeof *hv);
        hv[n_hv++] = h;
    }
    qsort(hv, n_hv, sizeof *hv, by_name);
    run.sources = n_hv;
    run.t0 = kg_monotonic();
    run.fetcher = fetcher_new(NULL, opts->parallel);
    fetcher_set_tick(run.fetcher, on_tick, &run);
    for (size_t i = 0; i < n_hv; i++)
        harvest_start(hv[i]);
    st = fetch_run(run.fetcher);
    if (st != KG_OK) {
        snprintf(err, errlen, "the transfer loop failed");
        goto done;
    }
    bool any_failed = false;
    report->v = kg_xcalloc(n_hv ? n_hv : 1, sizeof *report->v);
    for (size_t i = 0; i < n_hv; i++) {
        struct harvest *h = hv[i];
        if (!h->finished)
            fail(h, "the harvest stopped unexpectedly");
        any_failed |= h->failed;
        report_source(h, &report->v[report->n++]);
    }
    st = any_failed ? KG_EINPUT : KG_OK;
done:
    for (size_t i = 0; i < n_hv; i++)
        harvest_free(hv[i]);
    free(hv);
    source_list_free(all, n_all);
    report->warnings = run.warnings;
    fetcher_free(run.fetcher);
    if (lock >= 0)
        close(lock);
    return st;
}
