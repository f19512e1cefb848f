/*
 * import.h - streaming import of records from JSONL (one object a line) or
 * CSV (a header row of field names, lists joined with ';') into the store.
 * Memory does not grow with the input; errors name FILE:LINE.
 */
#ifndef KG_IMPORT_H
#define KG_IMPORT_H

#include <stdio.h>

#include "core/store.h"

enum import_format { IMPORT_AUTO = 0, IMPORT_JSONL, IMPORT_CSV };

struct import_opts {
    kg_kind kind;              /* the kind of every record in the stream */
    enum import_format format; /* AUTO: from the name (.csv), else JSONL */
    bool skip_bad;             /* store good lines, report every bad one */
    bool replace;              /* a record replaces the stored one whole
                                  (STORE_REPLACE), else it merges into it */
    bool caller_txn;           /* the caller holds a transaction: do not begin,
                                  commit or roll back (an error still fails) */
    const char *source;        /* recorded with each record (NULL: the name) */
    /* Called for each bad line with the stream's name, the line number and
     * the reason (NULL: bad lines are only counted). */
    void (*bad_line)(const char *name, size_t line, const char *reason,
                     void *ctx);
    void *ctx;
};

struct import_stats {
    size_t lines; /* records read (data lines) */
    size_t added, updated, unchanged;
    size_t bad; /* lines rejected */
};

/*
 * Reads records from in (called name in messages) and upserts them.
 * Without skip_bad the stream is all or nothing: the first bad line is
 * reported and KG_EINPUT returned with nothing of the stream stored. With
 * skip_bad every bad line is reported, the good ones are stored and
 * KG_EINPUT is returned if any was bad. Store failures return their status
 * (message in store_last_error). stats may be NULL.
 */
kg_status import_stream(struct store *s, FILE *in, const char *name,
                        const struct import_opts *opts,
                        struct import_stats *stats) KG_MUST_CHECK;

#endif
