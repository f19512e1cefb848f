/*
 * ingest.h - harvesting partner sources into the store: for each source,
 * page after page is fetched, parsed and stored in one transaction
 * together with the harvest checkpoint, so a run killed at any moment
 * resumes where the last committed page left off. Several sources run at
 * once; one failing does not stop the others.
 */
#ifndef KG_INGEST_INGEST_H
#define KG_INGEST_INGEST_H

#include <stdio.h>

#include "core/store.h"
#include "ingest/fetch.h"

#define INGEST_DEFAULT_LOCK_WAIT 5.0 /* seconds */

struct ingest_opts {
    bool full;               /* ignore checkpoints, validators and from= */
    int parallel;            /* sources at once; 0: FETCH_DEFAULT_PARALLEL */
    struct fetch_opts fetch; /* overrides every source's (zero: theirs) */
    double lock_wait;        /* seconds to wait for another ingest; 0: default,
                                negative: do not wait */
    bool progress;           /* live progress on err (callers pass isatty(2)) */
    FILE *out;               /* one summary line per source (NULL: stdout) */
    FILE *err;               /* messages (NULL: stderr) */
    const char *prefix;      /* before each message ("kgmatch: ingest: ") */
};

/*
 * Harvests the sources named in names (n of them; n == 0: every source),
 * in name order for the output. Messages go to opts->err as "SOURCE:
 * message" lines, then one summary line per source to opts->out.
 * Returns KG_OK when every source succeeded, KG_EINPUT when one or more
 * failed (the others are harvested and stored), KG_ENOTFOUND (nothing
 * harvested) for an unknown name, KG_EBUSY when another ingest holds the
 * lock on this database past lock_wait, or the store's status when it
 * cannot be read. A message for the last three is written into err.
 */
kg_status ingest_run(struct store *s, const char *const *names, size_t n,
                     const struct ingest_opts *opts, char *err,
                     size_t errlen) KG_MUST_CHECK;

#endif
