/*
 * app_write.c - the use cases that write the store: import a file, harvest
 * the sources, and bring the search index up to date afterwards. The
 * library's own types stay behind this file: the front ends see app.h's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/app_int.h"
#include "ingest/import.h"
#include "ingest/ingest.h"

kg_status app_import(struct app_session *a, const char *path,
                     const struct app_import_opts *o,
                     struct app_import_stats *st)
{
    static const enum import_format formats[] = {
        [APP_IMPORT_AUTO] = IMPORT_AUTO,
        [APP_IMPORT_JSONL] = IMPORT_JSONL,
        [APP_IMPORT_CSV] = IMPORT_CSV,
    };
    bool is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "stdin" : path;
    FILE *in = is_stdin ? stdin : fopen(path, "rb");
    if (!in)
        return app_fail(a, KG_ENOTFOUND, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (!is_stdin && fstat(fileno(in), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(in);
        return app_fail(a, KG_ENOTFOUND,
                        "%s: is a directory, not a JSONL or CSV file", path);
    }
    struct import_opts io = {
        .kind = o->kind,
        .format = formats[o->format],
        .skip_bad = o->skip_bad,
        .replace = o->replace,
        .source = o->source,
        .bad_line = o->bad_line,
        .ctx = o->ctx,
    };
    struct import_stats stats;
    kg_status rc = import_stream(a->s, in, name, &io, &stats);
    if (!is_stdin)
        fclose(in);
    if (rc == KG_OK || rc == KG_EINPUT)
        *st = (struct app_import_stats){
            .lines = stats.lines,
            .added = stats.added,
            .updated = stats.updated,
            .unchanged = stats.unchanged,
            .bad = stats.bad,
        };
    else
        app_store_fail(a, rc, name);
    return rc;
}

kg_status app_refresh_index(struct app_session *a, int64_t since)
{
    int64_t now = since;
    if (store_version(a->s, &now) != KG_OK || now == since)
        return KG_OK;
    /* No notice: a rebuild is what the caller asked for. */
    struct index *ix = NULL;
    char err[512];
    kg_status st = index_open(a->s, NULL, &ix, err, sizeof err);
    if (st != KG_OK)
        app_fail(a, st, "%s", err);
    index_free(ix);
    return st;
}

/* ---- ingest ------------------------------------------------------------- */

static void on_progress(const struct ingest_progress *p, void *ctx)
{
    const struct app_ingest_opts *o = ctx;
    struct app_ingest_progress ap = {
        .finished = p->finished,
        .sources = p->sources,
        .pages = p->pages,
        .records = p->records,
        .bytes = p->bytes,
        .seconds = p->seconds,
    };
    o->progress(&ap, o->progress_ctx);
}

void app_ingest_report_release(struct app_ingest_report *r)
{
    struct ingest_report *own = r->own;
    if (own) {
        ingest_report_release(own);
        free(own);
    }
    free(r->v);
    memset(r, 0, sizeof *r);
}

kg_status app_ingest(struct app_session *a, const char *const *names, size_t n,
                     const struct app_ingest_opts *o,
                     struct app_ingest_report *report)
{
    struct ingest_opts io = {
        .full = o->full,
        .parallel = o->parallel,
        .fetch =
            {
                .timeout = o->timeout,
                .connect_timeout = o->connect_timeout,
                .retries = o->retries,
                .host_delay = o->delay,
                .backoff = o->backoff,
                .max_bytes = o->max_bytes,
            },
        .lock_wait = o->lock_wait,
        .progress = o->progress ? on_progress : NULL,
        .progress_ctx = (void *)o,
    };
    struct ingest_report *r = kg_xcalloc(1, sizeof *r);
    char err[512];
    kg_status st = ingest_run(a->s, names, n, &io, r, err, sizeof err);
    if (st != KG_OK && st != KG_EINPUT)
        app_fail(a, st, "%s", err);
    memset(report, 0, sizeof *report);
    report->own = r;
    report->v = kg_xcalloc(r->n ? r->n : 1, sizeof *report->v);
    report->n = r->n;
    for (size_t i = 0; i < r->n; i++) {
        const struct ingest_source_report *s = &r->v[i];
        report->v[i] = (struct app_ingest_source){
            .name = s->name,
            .status = s->status,
            .failed = s->failed,
            .pages = s->pages,
            .added = s->added,
            .updated = s->updated,
            .unchanged = s->unchanged,
            .deleted = s->deleted,
            .skipped = s->skipped,
            .bad = s->bad,
            .messages = (const char *const *)s->messages.v,
            .nmessages = s->messages.n,
        };
    }
    report->warnings = (const char *const *)r->warnings.v;
    report->nwarnings = r->warnings.n;
    return st;
}
