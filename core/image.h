/*
 * image.h - cache images: a flat, read-only data structure kept in a file
 * beside the database (the text index PATH.idx, the graph PATH.graph).
 * An image is written atomically, mapped read-only, checksummed whole and
 * cut into sections whose bounds are checked before anything is read.
 *
 * FORMAT DETAILS
 *
 * All integers are in the writer's byte order; the endian mark tells a
 * reader of the other order that the file is not for it. Offsets count
 * bytes from the start of the file.
 *
 *   offset  size  field
 *        0     8  magic, the owner's ("KGIDX\0\r\n", "KGGRAPH\0")
 *        8     4  format number, the owner's; a change of layout bumps it
 *       12     4  endian mark 0x01020304
 *       16     8  size of the whole file in bytes
 *       24     8  checksum: image_checksum() of every byte of the file
 *                 except these eight
 *       32     2  N, the number of sections
 *       34     2  M, the size of the owner's header
 *       36     M  the owner's header (counts, versions, parameters)
 *     36+M  16 N  the section table: per section its offset (8 bytes) and
 *                 length (8 bytes)
 *                 then the sections, where the owner put them (an owner
 *                 that reads a section in place aligns it)
 *
 * A reader trusts nothing before image_check has passed: the file is at
 * least as long as the header, magic, format and endian mark are the
 * expected ones, the size field equals the file's size, the checksum
 * matches, N and M are those the owner expects, and every section lies
 * inside the file after the section table. The owner then checks the
 * contents it relies on (counts against section lengths, offsets against
 * the arrays they index) before it follows one.
 *
 * THE VERIFIED STAMP
 *
 * Checksumming a 250 MB image costs a fresh process some 60 ms, so a
 * file whose bytes were verified once is remembered in a stamp beside it,
 * DIR/.NAME.ok for DIR/NAME (hidden: a listing of the store's folder
 * stays as it was), one line of text:
 *
 *   KGSTAMP 1 dev inode size mtime_ns ctime_ns checksum level
 *
 * the file's identity and times (fstat) when it was verified, its header
 * checksum (hex), and level 1 when the checksum passed, 2 when the owner's
 * content checks passed too (image_vouch). image_map takes the checksum
 * as verified when the stamp names the open file exactly (same device,
 * inode, size, mtime and ctime, header checksum) and verifies it whole
 * otherwise. Any write to the file moves its ctime (which no program can
 * set back), a replacement is another inode: both are verified again, so
 * damage done through the filesystem is still found. What a stamp does
 * not catch is a change below the filesystem (the disk's own bit rot).
 *
 * File times are coarse (a clock tick; a second or two on some
 * filesystems), so a write in the same tick as the verification could
 * leave them unchanged: a stamp is only written for a file whose mtime
 * and ctime are IMAGE_SETTLE_S seconds old, so any later write shows. The
 * first open after a write verifies whole and, a moment later, the next
 * one writes the stamp. A stamp is written beside the file (temporary
 * file, rename), never synced: losing one costs a verification. A
 * directory that cannot be written has no stamps. Writing a stamp also
 * removes the stamps in the directory whose image is gone (.NAME.ok that
 * begins with the magic and has no NAME: a merged index segment).
 */
#ifndef KG_IMAGE_H
#define KG_IMAGE_H

#include "core/kg.h"

#define IMAGE_MAGIC_LEN 8
#define IMAGE_HEADER_SIZE 36 /* up to the owner's header */
#define IMAGE_MAX_SECTIONS 64

/* ------------------------------------------------------------- writing */

/* An image being laid out in memory: the owner appends its sections to
 * p[0..len) and records where each one lies. */
struct image_writer {
    uint8_t *p;
    size_t len, cap;
    unsigned nsections;
    size_t meta_len;
    uint64_t off[IMAGE_MAX_SECTIONS], slen[IMAGE_MAX_SECTIONS];
};

/* Starts an image of nsections sections (at most IMAGE_MAX_SECTIONS) and
 * an owner's header of meta_len bytes (< 65536): the header, the owner's
 * header and the section table are reserved, and len is aligned to 8. */
void image_writer_init(struct image_writer *w, unsigned nsections,
                       size_t meta_len);
/* Frees the buffer (unless detached); safe to call again. */
void image_writer_release(struct image_writer *w);

/* Makes room for n more bytes at p + len (len is unchanged). */
void image_reserve(struct image_writer *w, size_t n);
/* Appends n bytes. */
void image_add(struct image_writer *w, const void *p, size_t n);
/* Appends zero bytes until len is a multiple of a (a power of two). */
void image_align(struct image_writer *w, size_t a);
/* Records section i as [off, off + len). */
void image_set_section(struct image_writer *w, unsigned i, size_t off,
                       size_t len);
/* Aligns to 8 and appends section i as n zero bytes; returns its offset
 * (pointers into p move while sections are added). */
size_t image_add_section(struct image_writer *w, unsigned i, size_t n);

/* Completes the image: header, owner's header and section table are
 * written and the checksum computed. The image is p[0..len). */
void image_finish(struct image_writer *w, const char *magic, uint32_t format,
                  const void *meta);

/*
 * Writes p[0..len) to path atomically: a temporary file in the same
 * directory (mkstemp, mode 0644), write, fsync, rename over path, fsync
 * of the directory. Readers see the old file or the new one, never half a
 * file, also after a crash. Returns KG_EIO with the reason in why (and no
 * temporary file left) when any step fails.
 */
kg_status image_write(const char *path, const void *p, size_t len, char *why,
                      size_t whylen) KG_MUST_CHECK;

/* ------------------------------------------------------------- reading */

/* What an owner expects of its images. */
struct image_spec {
    const char *magic; /* IMAGE_MAGIC_LEN bytes */
    const char *what;  /* "index": the message says "not a kgmatch index" */
    uint32_t format;
    unsigned nsections;
    size_t meta_len;
};

/* Why an image was refused. */
enum image_verdict {
    IMAGE_OK = 0,
    IMAGE_FOREIGN, /* wrong magic, format or byte order: another program
                      or another version of kgmatch wrote it */
    IMAGE_DAMAGED, /* truncated, wrong size, checksum or section bounds */
};

/* How old a file's times must be before a stamp names it (seconds). */
#define IMAGE_SETTLE_S 2

/* The identity of a mapped file as a stamp records it. */
struct image_stamp {
    uint64_t dev, ino, size, sum;
    int64_t mtime_ns, ctime_ns;
};

/* A checked image: its bytes and where its parts lie. */
struct image {
    const uint8_t *base;
    size_t size;
    bool mapped;  /* base is a mapping (image_release unmaps it) */
    bool stamped; /* the checksum was taken from a matching stamp */
    bool vouched; /* the stamp says the owner's checks passed as well */
    struct image_stamp id; /* of the mapped file */
    const uint8_t *meta;
    uint64_t off[IMAGE_MAX_SECTIONS], len[IMAGE_MAX_SECTIONS];
    unsigned nsections;
};

/*
 * Checks p[0..size) against spec as FORMAT DETAILS says and fills im (which
 * does not own p). verify_checksum may be false only for an image this
 * process has just laid out. Returns IMAGE_OK, or the verdict with the
 * reason in why and im unchanged.
 */
enum image_verdict image_check(const struct image_spec *spec, const void *p,
                               size_t size, bool verify_checksum,
                               struct image *im, char *why, size_t whylen);

/*
 * Maps the file at path read-only and checks it as image_check does, the
 * checksum skipped when the stamp beside it names this very file (see THE
 * VERIFIED STAMP; a whole verification that passes writes the stamp); on
 * success im owns the mapping (image_release unmaps it). Returns
 * KG_ENOTFOUND when the file is missing, KG_EIO when it cannot be opened
 * or mapped, KG_EINPUT when it is not a regular file or image_check
 * refuses it (*verdict says how; why says why). im is untouched on
 * failure.
 */
kg_status image_map(const char *path, const struct image_spec *spec,
                    struct image *im, enum image_verdict *verdict, char *why,
                    size_t whylen) KG_MUST_CHECK;

/*
 * Records in the stamp beside path that the owner's content checks passed
 * on the mapped image im (see THE VERIFIED STAMP): the next image_map of
 * the unchanged file sets im->vouched and the owner may skip them. Does
 * nothing for an image not mapped from path, a file changed in the last
 * IMAGE_SETTLE_S seconds, or a directory it cannot write (a stamp only
 * saves time).
 */
void image_vouch(const char *path, const struct image *im);

/*
 * The verified stamp for a file of another format (the dictionary): sum
 * is a checksum the file's header carries. image_stamp_level is the level
 * (1 or 2) of the stamp beside path when it names the open file fd with
 * that sum, else 0; image_stamp_put records a level after the owner's
 * checks passed (nothing when a stamp says as much already, or as
 * image_vouch, when the file changed in the last IMAGE_SETTLE_S seconds).
 */
int image_stamp_level(const char *path, int fd, uint64_t sum);
void image_stamp_put(const char *path, int fd, uint64_t sum, int level);

/* Unmaps a mapped image; leaves im empty and safe to release again. */
void image_release(struct image *im);

/* Section i of a checked image (i < nsections) and its length. */
static inline const void *image_section(const struct image *im, unsigned i,
                                        size_t *len)
{
    if (len)
        *len = (size_t)im->len[i];
    return im->base + im->off[i];
}

/* The checksum of p[0..n) continued from seed: a 64-bit hash in four
 * lanes (the xxHash64 round). A mapped image is verified whole once per
 * change of its file (THE VERIFIED STAMP). */
uint64_t image_checksum(const void *p, size_t n, uint64_t seed);

#endif
