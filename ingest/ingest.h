/*
 * ingest.h - harvesting partner sources into the store: for each source,
 * page after page is fetched, parsed and stored in one transaction
 * together with the harvest checkpoint, so a run killed at any moment
 * resumes where the last committed page left off. Several sources run at
 * once; one failing does not stop the others.
 */
#ifndef KG_INGEST_INGEST_H
#define KG_INGEST_INGEST_H

#include "core/store.h"
#include "ingest/fetch.h"

#define INGEST_DEFAULT_LOCK_WAIT 5.0 /* seconds */

/* Where a run stands, for a progress display. */
struct ingest_progress {
    size_t finished, sources; /* sources done, of all */
    long long pages, records; /* stored so far */
    size_t bytes;             /* received so far */
    double seconds;           /* since the transfers began */
};

struct ingest_opts {
    bool full;               /* ignore checkpoints, validators and from= */
    int parallel;            /* sources at once; 0: FETCH_DEFAULT_PARALLEL */
    struct fetch_opts fetch; /* overrides every source's (zero: theirs) */
    double lock_wait;        /* seconds to wait for another ingest; 0: default,
                                negative: do not wait */
    /* Called as transfers move and sources finish (NULL: none); the
     * library reports, the caller draws. */
    void (*progress)(const struct ingest_progress *p, void *ctx);
    void *progress_ctx;
};

/* What one source's harvest did. */
struct ingest_source_report {
    char *name;
    const char *status; /* "ok", "not modified", "partial (page limit)",
                           "FAILED" (static) */
    bool failed;
    long long pages, added, updated, unchanged, deleted, skipped, bad;
    struct kg_strlist messages; /* what went wrong, in order, one line each
                                   without the source's name */
};

/* A run's report: the sources in name order, and warnings about the
 * stored sources themselves (a damaged definition or state). */
struct ingest_report {
    struct ingest_source_report *v;
    size_t n;
    struct kg_strlist warnings;
};
void ingest_report_release(struct ingest_report *r);

/*
 * Harvests the sources named in names (n of them; n == 0: every source)
 * and fills report (released by the caller whatever the result). Returns
 * KG_OK when every source succeeded, KG_EINPUT when one or more failed
 * (the others are harvested and stored; the report says which and why),
 * KG_ENOTFOUND (nothing harvested) for an unknown name, KG_EBUSY when
 * another ingest holds the lock on this database past lock_wait, or the
 * store's status when it cannot be read. A message for the last three is
 * written into err; the report then holds only warnings. With no sources
 * at all the report is empty and KG_OK returned.
 */
kg_status ingest_run(struct store *s, const char *const *names, size_t n,
                     const struct ingest_opts *opts,
                     struct ingest_report *report, char *err,
                     size_t errlen) KG_MUST_CHECK;

#endif
