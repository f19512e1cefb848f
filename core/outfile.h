/*
 * outfile.h - output files written whole or not at all: the data goes to a
 * temporary file beside the destination, which a commit flushes, syncs and
 * renames over the destination. A reader never sees a half-written file, a
 * failure leaves the destination as it was, and a symbolic link placed at
 * the destination is replaced itself, never followed (rename(2) acts on
 * the name, not on what it points to).
 */
#ifndef KG_OUTFILE_H
#define KG_OUTFILE_H

#include <stdio.h>

#include "core/kg.h"

struct outfile;

/*
 * Creates a temporary file (mode 0666 less the umask) in the directory of
 * path, named ".BASENAME.PID.RANDOM", and sets *out. Write to
 * outfile_stream(*out), then call outfile_commit or outfile_abort exactly
 * once. A path naming (or linking to) something other than a regular file,
 * such as a directory, a device or a pipe, is refused with KG_EUSAGE:
 * renaming over it would replace it (write to those directly). On failure
 * returns KG_EIO (KG_EUSAGE for an empty path or the above) with a
 * message in err, sets *out to NULL and leaves nothing behind.
 */
kg_status outfile_open(const char *path, struct outfile **out, char *err,
                       size_t errlen) KG_MUST_CHECK;

/* The stream to write to; owned by o. */
FILE *outfile_stream(struct outfile *o);

/*
 * Flushes and fsyncs the temporary file, renames it over the destination
 * and fsyncs the directory, then frees o. On failure (a write error seen
 * by the stream, a full disk, rename) removes the temporary file, leaves
 * the destination untouched, frees o and returns KG_EIO with a message in
 * err.
 */
kg_status outfile_commit(struct outfile *o, char *err,
                         size_t errlen) KG_MUST_CHECK;

/* Removes the temporary file and frees o; the destination is untouched.
 * NULL is a no-op. */
void outfile_abort(struct outfile *o);

#endif
