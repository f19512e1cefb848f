/*
 * outfile.c - output files replaced atomically (temporary file, fsync,
 * rename, fsync of the directory); see outfile.h.
 */
#include "core/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct outfile {
    FILE *f;
    char *path; /* the destination */
    char *tmp;  /* the temporary file beside it */
    char *dir;  /* its directory, to sync after the rename */
};

static void outfile_free(struct outfile *o)
{
    free(o->path);
    free(o->tmp);
    free(o->dir);
    free(o);
}

kg_status outfile_open(const char *path, struct outfile **out, char *err,
                       size_t errlen)
{
    *out = NULL;
    size_t n = strlen(path);
    if (n == 0 || path[n - 1] == '/') {
        snprintf(err, errlen, "'%s': not a file name", path);
        return KG_EUSAGE;
    }
    /* A device, pipe or directory at the path (or a link to one, such as
     * /dev/stdout) is refused: renaming over it would replace it. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        return KG_EUSAGE;
    }
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    struct outfile *o = kg_xcalloc(1, sizeof *o);
    o->path = kg_xstrdup(path);
    o->dir = slash ? kg_xstrndup(path, dlen ? dlen : 1) : kg_xstrdup(".");
    size_t tlen = dlen + strlen(base) + 64;
    o->tmp = kg_xmalloc(tlen);
    /* Like mkstemp, but open(2) with mode 0666 lets the kernel apply the
     * umask (mkstemp makes 0600, and reading the umask means setting it,
     * which another thread could see). O_EXCL never follows a link. */
    static unsigned long counter;
    int fd = -1;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(o->tmp, tlen, "%.*s%s.%s.%ld.%lx%lx", (int)dlen, path,
                 slash ? "/" : "", base, (long)getpid(),
                 (unsigned long)ts.tv_nsec,
                 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
        fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        outfile_free(o);
        return KG_EIO;
    }
    o->f = fdopen(fd, "w");
    if (!o->f) {
        snprintf(err, errlen, "%s: %s", o->tmp, strerror(errno));
        close(fd);
        unlink(o->tmp);
        outfile_free(o);
        return KG_EIO;
    }
    *out = o;
    return KG_OK;
}

FILE *outfile_stream(struct outfile *o)
{
    return o->f;
}

kg_status outfile_commit(struct outfile *o, char *err, size_t errlen)
{
    const char *what = o->tmp;
    int e = 0;
    if (fflush(o->f) != 0 || ferror(o->f))
        e = errno ? errno : EIO;
    else if (fsync(fileno(o->f)) != 0)
        e = errno;
    if (fclose(o->f) != 0 && !e)
        e = errno;
    if (!e && rename(o->tmp, o->path) != 0) {
        e = errno;
        what = o->path;
    }
    if (e) {
        snprintf(err, errlen, "%s: %s", what, strerror(e));
        unlink(o->tmp);
        outfile_free(o);
        return KG_EIO;
    }
    /* The rename is durable once the directory is: best effort, the data
     * is already complete under its final name. */
    int dfd = open(o->dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    outfile_free(o);
    return KG_OK;
}

void outfile_abort(struct outfile *o)
{
    if (!o)
        return;
    fclose(o->f);
    unlink(o->tmp);
    outfile_free(o);
}
