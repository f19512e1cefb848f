/*
 * image.c - cache images behind image.h: the writer that lays an image
 * out in memory and completes its header, the atomic file write, and the
 * reader that maps a file and checks header, checksum and section table
 * before the owner looks inside.
 */
#include "core/image.h"
#include "core/arena.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IMAGE_ENDIAN 0x01020304u
#define IMAGE_CHECKSUM_AT 24

static void fmt_why(char *why, size_t whylen, const char *fmt, ...)
    KG_PRINTF(3, 4);
static void fmt_why(char *why, size_t whylen, const char *fmt, ...)
{
    if (!why || !whylen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ checksum */

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

uint64_t image_checksum(const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    const uint64_t P1 = 0x9E3779B185EBCA87ull, P2 = 0xC2B2AE3D27D4EB4Full;
    uint64_t v[4] = {seed + P1 + P2, seed + P2, seed, seed - P1};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int l = 0; l < 4; l++) {
            uint64_t x;
            memcpy(&x, p + i + 8 * l, 8);
            v[l] = rotl64(v[l] + x * P2, 31) * P1;
        }
    }
    uint64_t h = rotl64(v[0], 1) + rotl64(v[1], 7) + rotl64(v[2], 12) +
                 rotl64(v[3], 18) + n;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        h = rotl64(h ^ (rotl64(x * P2, 31) * P1), 27) * P1 + P2;
    }
    for (; i < n; i++)
        h = rotl64(h ^ (p[i] * P1), 11) * P2;
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    return h;
}

/* The checksum of a whole image: every byte but the checksum field. */
static uint64_t whole_checksum(const uint8_t *p, size_t size)
{
    uint64_t a = image_checksum(p, IMAGE_CHECKSUM_AT, 0);
    return image_checksum(p + IMAGE_CHECKSUM_AT + 8,
                          size - IMAGE_CHECKSUM_AT - 8, a);
}

/* ------------------------------------------------------------- writing */

static size_t table_at(size_t meta_len)
{
    return IMAGE_HEADER_SIZE + meta_len;
}

void image_writer_init(struct image_writer *w, unsigned nsections,
                       size_t meta_len)
{
    memset(w, 0, sizeof *w);
    w->nsections =
        nsections < IMAGE_MAX_SECTIONS ? nsections : IMAGE_MAX_SECTIONS;
    w->meta_len = meta_len < UINT16_MAX ? meta_len : UINT16_MAX;
    size_t head = table_at(w->meta_len) + 16 * (size_t)w->nsections;
    image_reserve(w, head + 8);
    memset(w->p, 0, head);
    w->len = head;
    image_align(w, 8);
}

void image_writer_release(struct image_writer *w)
{
    free(w->p);
    w->p = NULL;
    w->len = w->cap = 0;
}

void image_reserve(struct image_writer *w, size_t n)
{
    if (w->len + n <= w->cap)
        return;
    size_t cap = w->cap ? w->cap * 2 : 1 << 16;
    while (cap < w->len + n)
        cap *= 2;
    w->p = kg_xrealloc(w->p, cap);
    w->cap = cap;
}

void image_add(struct image_writer *w, const void *p, size_t n)
{
    image_reserve(w, n);
    if (n)
        memcpy(w->p + w->len, p, n);
    w->len += n;
}

void image_align(struct image_writer *w, size_t a)
{
    size_t pad = (a - w->len % a) % a;
    image_reserve(w, pad);
    memset(w->p + w->len, 0, pad);
    w->len += pad;
}

void image_set_section(struct image_writer *w, unsigned i, size_t off,
                       size_t len)
{
    if (i >= w->nsections)
        abort(); /* a writer's bug, not a condition of the input */
    w->off[i] = off;
    w->slen[i] = len;
}

size_t image_add_section(struct image_writer *w, unsigned i, size_t n)
{
    image_align(w, 8);
    size_t off = w->len;
    image_reserve(w, n);
    memset(w->p + w->len, 0, n);
    w->len += n;
    image_set_section(w, i, off, n);
    return off;
}

void image_finish(struct image_writer *w, const char *magic, uint32_t format,
                  const void *meta)
{
    uint8_t *p = w->p;
    uint32_t endian = IMAGE_ENDIAN;
    uint64_t size = w->len, zero = 0;
    uint16_t ns = (uint16_t)w->nsections, ml = (uint16_t)w->meta_len;
    memcpy(p, magic, IMAGE_MAGIC_LEN);
    memcpy(p + 8, &format, 4);
    memcpy(p + 12, &endian, 4);
    memcpy(p + 16, &size, 8);
    memcpy(p + IMAGE_CHECKSUM_AT, &zero, 8);
    memcpy(p + 32, &ns, 2);
    memcpy(p + 34, &ml, 2);
    if (w->meta_len)
        memcpy(p + IMAGE_HEADER_SIZE, meta, w->meta_len);
    uint8_t *t = p + table_at(w->meta_len);
    for (unsigned i = 0; i < w->nsections; i++) {
        memcpy(t + 16 * i, &w->off[i], 8);
        memcpy(t + 16 * i + 8, &w->slen[i], 8);
    }
    uint64_t sum = whole_checksum(p, w->len);
    memcpy(p + IMAGE_CHECKSUM_AT, &sum, 8);
}

/* Flushes the directory holding path, so the rename survives a crash.
 * Filesystems that cannot sync a directory (EINVAL) are taken as done. */
static int sync_dir(const char *path)
{
    char *copy = kg_xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    if (rc != 0 && errno == EINVAL)
        rc = 0;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

kg_status image_write(const char *path, const void *data, size_t len, char *why,
                      size_t whylen)
{
    const uint8_t *p = data;
    char *tmp = kg_xasprintf("%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fmt_why(why, whylen, "%s", strerror(errno));
        free(tmp);
        return KG_EIO;
    }
    if (fchmod(fd, 0644) != 0) /* mkstemp made it 0600 */
        goto fail;
    for (size_t done = 0; done < len;) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            goto fail;
        if (w == 0) {
            errno = ENOSPC;
            goto fail;
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto fail;
    int rc = close(fd);
    fd = -1;
    if (rc != 0 || rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    if (sync_dir(path) != 0) {
        fmt_why(why, whylen, "syncing the directory: %s", strerror(errno));
        return KG_EIO;
    }
    return KG_OK;
fail:
    fmt_why(why, whylen, "%s", strerror(errno ? errno : EIO));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return KG_EIO;
}

/* ------------------------------------------------------------- reading */

enum image_verdict image_check(const struct image_spec *spec, const void *data,
                               size_t size, bool verify_checksum,
                               struct image *im, char *why, size_t whylen)
{
    const uint8_t *p = data;
    if (size < IMAGE_HEADER_SIZE) {
        fmt_why(why, whylen, "truncated (%zu bytes)", size);
        return IMAGE_DAMAGED;
    }
    if (memcmp(p, spec->magic, IMAGE_MAGIC_LEN) != 0) {
        fmt_why(why, whylen, "not a kgmatch %s", spec->what);
        return IMAGE_FOREIGN;
    }
    uint32_t format, endian;
    uint64_t fsize, sum;
    uint16_t ns, ml;
    memcpy(&format, p + 8, 4);
    memcpy(&endian, p + 12, 4);
    memcpy(&fsize, p + 16, 8);
    memcpy(&sum, p + IMAGE_CHECKSUM_AT, 8);
    memcpy(&ns, p + 32, 2);
    memcpy(&ml, p + 34, 2);
    if (format != spec->format || endian != IMAGE_ENDIAN) {
        fmt_why(why, whylen, "format %u, this kgmatch writes %u", format,
                spec->format);
        return IMAGE_FOREIGN;
    }
    if (fsize != size) {
        fmt_why(why, whylen, "size %zu, header says %llu", size,
                (unsigned long long)fsize);
        return IMAGE_DAMAGED;
    }
    if (verify_checksum && whole_checksum(p, size) != sum) {
        fmt_why(why, whylen, "checksum mismatch");
        return IMAGE_DAMAGED;
    }
    size_t table = table_at(ml), body = table + 16 * (size_t)ns;
    if (ns != spec->nsections || ns > IMAGE_MAX_SECTIONS ||
        ml != spec->meta_len || body > size) {
        fmt_why(why, whylen, "section table does not fit the format");
        return IMAGE_DAMAGED;
    }
    uint64_t off[IMAGE_MAX_SECTIONS], len[IMAGE_MAX_SECTIONS];
    for (unsigned i = 0; i < ns; i++) {
        memcpy(&off[i], p + table + 16 * i, 8);
        memcpy(&len[i], p + table + 16 * i + 8, 8);
        if (off[i] < body || off[i] > size || len[i] > size - off[i]) {
            fmt_why(why, whylen, "section %u out of bounds", i);
            return IMAGE_DAMAGED;
        }
    }
    memset(im, 0, sizeof *im);
    im->base = p;
    im->size = size;
    im->meta = p + IMAGE_HEADER_SIZE;
    im->nsections = ns;
    memcpy(im->off, off, ns * sizeof *off);
    memcpy(im->len, len, ns * sizeof *len);
    return IMAGE_OK;
}

/* ---------------------------------------------------- the verified stamp */

#define STAMP_MAGIC "KGSTAMP 1"

static int64_t ns_of(struct timespec t)
{
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The identity of the open file sb whose first bytes are p (at least the
 * header). */
static struct image_stamp stamp_of(const struct stat *sb, const uint8_t *p)
{
    struct image_stamp id = {
        .dev = (uint64_t)sb->st_dev,
        .ino = (uint64_t)sb->st_ino,
        .size = (uint64_t)sb->st_size,
        .mtime_ns = ns_of(sb->st_mtim),
        .ctime_ns = ns_of(sb->st_ctim),
    };
    memcpy(&id.sum, p + IMAGE_CHECKSUM_AT, 8);
    return id;
}

/* The stamp's file for the image at path: DIR/.NAME.ok, hidden beside it
 * (caller frees). */
static char *stamp_path(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    return kg_xasprintf("%.*s.%s.ok", (int)(name - path), path, name);
}

/* The level (1 or 2) of the stamp beside path when it names id exactly;
 * 0 when there is none or it names another file. */
static int stamp_level(const char *path, const struct image_stamp *id)
{
    char *sp = stamp_path(path);
    int fd = open(sp, O_RDONLY | O_CLOEXEC);
    free(sp);
    if (fd < 0)
        return 0;
    char line[256];
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    if (n <= 0)
        return 0;
    line[n] = '\0';
    struct image_stamp s;
    int level = 0;
    if (sscanf(line,
               STAMP_MAGIC " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNd64
                           " %" SCNd64 " %" SCNx64 " %d",
               &s.dev, &s.ino, &s.size, &s.mtime_ns, &s.ctime_ns, &s.sum,
               &level) != 7 ||
        s.dev != id->dev || s.ino != id->ino || s.size != id->size ||
        s.mtime_ns != id->mtime_ns || s.ctime_ns != id->ctime_ns ||
        s.sum != id->sum || level < 1 || level > 2)
        return 0;
    return level;
}

/* Removes the stamps in path's directory whose image is gone (an index
 * segment merged away, a cache deleted): files .NAME.ok that begin with
 * the stamp's magic and have no NAME beside them. */
static void prune_stamps(const char *path)
{
    char *copy = kg_xstrdup(path);
    char *dir = dirname(copy);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n <= 4 || e->d_name[0] != '.' ||
            strcmp(e->d_name + n - 3, ".ok") != 0)
            continue;
        char *sp = kg_xasprintf("%s/%s", dir, e->d_name);
        char *img = kg_xasprintf("%s/%.*s", dir, (int)(n - 4), e->d_name + 1);
        char head[sizeof STAMP_MAGIC] = "";
        FILE *f =
            access(img, F_OK) != 0 && errno == ENOENT ? fopen(sp, "r") : NULL;
        if (f && fread(head, 1, sizeof head - 1, f) == sizeof head - 1 &&
            memcmp(head, STAMP_MAGIC, sizeof head - 1) == 0)
            unlink(sp);
        if (f)
            fclose(f);
        free(img);
        free(sp);
    }
    if (d)
        closedir(d);
    free(copy);
}

/* Writes the stamp of id at level beside path when the file's times are
 * IMAGE_SETTLE_S old (see image.h), and prunes the stamps of images gone
 * from its directory; quietly does nothing on failure. */
static void stamp_write(const char *path, const struct image_stamp *id,
                        int level)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t last = id->mtime_ns > id->ctime_ns ? id->mtime_ns : id->ctime_ns;
    if (ns_of(now) - last < (int64_t)IMAGE_SETTLE_S * 1000000000)
        return;
    char line[256];
    int len = snprintf(
        line, sizeof line,
        STAMP_MAGIC " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64
                    " %016" PRIx64 " %d\n",
        id->dev, id->ino, id->size, id->mtime_ns, id->ctime_ns, id->sum, level);
    char *sp = stamp_path(path);
    char *tmp = kg_xasprintf("%s.XXXXXX", sp);
    int fd = mkstemp(tmp);
    if (fd >= 0) {
        bool ok = fchmod(fd, 0644) == 0 && write(fd, line, (size_t)len) == len;
        ok = close(fd) == 0 && ok;
        if (!ok || rename(tmp, sp) != 0)
            unlink(tmp);
        else if (level == 1)
            prune_stamps(path);
    }
    free(tmp);
    free(sp);
}

/* The identity of the open file fd, sum its owner's checksum; false when
 * fstat fails. */
static bool file_stamp(int fd, uint64_t sum, struct image_stamp *id)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return false;
    uint8_t p[IMAGE_CHECKSUM_AT + 8];
    memcpy(p + IMAGE_CHECKSUM_AT, &sum, 8);
    *id = stamp_of(&sb, p);
    return true;
}

int image_stamp_level(const char *path, int fd, uint64_t sum)
{
    struct image_stamp id;
    return file_stamp(fd, sum, &id) ? stamp_level(path, &id) : 0;
}

void image_stamp_put(const char *path, int fd, uint64_t sum, int level)
{
    struct image_stamp id;
    if (file_stamp(fd, sum, &id) && stamp_level(path, &id) < level)
        stamp_write(path, &id, level);
}

void image_vouch(const char *path, const struct image *im)
{
    if (im->mapped && !im->vouched)
        stamp_write(path, &im->id, 2);
}

kg_status image_map(const char *path, const struct image_spec *spec,
                    struct image *im, enum image_verdict *verdict, char *why,
                    size_t whylen)
{
    *verdict = IMAGE_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fmt_why(why, whylen, "%s", strerror(errno));
        return errno == ENOENT ? KG_ENOTFOUND : KG_EIO;
    }
    struct stat sb;
    kg_status st = KG_OK;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fmt_why(why, whylen, "not a regular file");
        *verdict = IMAGE_DAMAGED;
        st = KG_EINPUT;
    } else if ((size_t)sb.st_size < IMAGE_HEADER_SIZE) {
        fmt_why(why, whylen, "truncated (%lld bytes)", (long long)sb.st_size);
        *verdict = IMAGE_DAMAGED;
        st = KG_EINPUT;
    } else {
        size_t size = (size_t)sb.st_size;
        void *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            fmt_why(why, whylen, "mmap: %s", strerror(errno));
            st = KG_EIO;
        } else {
            arena_file_huge(p, size);
            struct image_stamp id = stamp_of(&sb, p);
            int level = stamp_level(path, &id);
            *verdict = image_check(spec, p, size, level == 0, im, why, whylen);
            if (*verdict != IMAGE_OK) {
                munmap(p, size);
                st = KG_EINPUT;
            } else {
                im->mapped = true;
                im->stamped = level > 0;
                im->vouched = level > 1;
                im->id = id;
                if (level == 0)
                    stamp_write(path, &id, 1);
            }
        }
    }
    close(fd);
    return st;
}

void image_release(struct image *im)
{
    if (im->base && im->mapped)
        munmap((void *)im->base, im->size);
    memset(im, 0, sizeof *im);
}
