/*
 * dict.h - the Chinese-English dictionary (CC-CEDICT, converted by
 * tools/cedict_convert.py): Chinese headword -> English glosses, English
 * gloss -> Chinese headwords, and segmentation of mixed Chinese-English
 * text into dictionary words. The image is memory-mapped read-only and
 * checked (magic, size, CRC-32, every offset) before use.
 *
 * FORMAT (little-endian u32 unless said; version 1):
 *   0  magic "KGDICT\0\1" (8 bytes)
 *   8  format (1), file size, CRC-32 of bytes [56, size)
 *   20 nzh, nen        rows of the two key tables
 *   28 zh_off, en_off  the key tables: rows {key, first, count}, sorted by
 *                      the key's bytes; key is a string offset, the row's
 *                      items are items[first .. first + count)
 *   36 zi_off, nzi     items of the Chinese table: {string, gloss position}
 *   44 ei_off, nei     items of the English table: {string, rank}; rank =
 *                      16 x gloss position + senses of the entry - 1, +256
 *                      for a proper name; lower is better
 *   52 str_off         NUL-terminated UTF-8 strings to the end of the file
 * Chinese keys are simplified and traditional headwords; English keys are
 * glosses in lower case without parenthesised notes or a leading "to ".
 */
#ifndef KG_DICT_H
#define KG_DICT_H

#include "core/kg.h"

struct dict;

/* Where dict_open(NULL) looks, in order: $KGMATCH_DICT, kgmatch.dict
 * beside the running binary, ../share/kgmatch/cedict.kgd from it, then
 * the installed DICT_DATADIR/cedict.kgd. */
#define DICT_ENV "KGMATCH_DICT"
#ifndef DICT_DATADIR
#define DICT_DATADIR "/usr/local/share/kgmatch"
#endif

/*
 * Maps the dictionary at path (NULL: the search order above). Returns
 * KG_ENOTFOUND with the places looked in, or KG_EINPUT for a damaged
 * image, with the message in err; *out is NULL then.
 */
kg_status dict_open(const char *path, struct dict **out, char *err,
                    size_t errlen) KG_MUST_CHECK;
void dict_free(struct dict *d); /* NULL is a no-op */
const char *dict_path(const struct dict *d);

/* One translation: text owned by the dictionary (valid until dict_free)
 * and its rank (lower is better: see FORMAT). */
struct dict_item {
    const char *text;
    unsigned rank;
};

/* The English glosses of Chinese word w[0..n) (simplified or traditional),
 * in dictionary order: up to max into out; returns how many there are. */
size_t dict_zh(const struct dict *d, const char *w, size_t n,
               struct dict_item *out, size_t max);

/* The simplified headwords glossed as English phrase p[0..n) (lower case,
 * words separated by one space), best first; as dict_zh. */
size_t dict_en(const struct dict *d, const char *p, size_t n,
               struct dict_item *out, size_t max);

/* Longest Chinese headword of the dictionary that starts s[0..n), in
 * bytes (0 when none). At most DICT_MAX_CHARS characters. */
#define DICT_MAX_CHARS 8
size_t dict_longest_zh(const struct dict *d, const char *s, size_t n);

/* One segment of mixed text: s[off .. off + len); zh is set for a run
 * of Han characters, known when it is a dictionary headword. */
struct dict_seg {
    size_t off, len;
    bool zh, known;
};

/*
 * Segments UTF-8 text s[0..n): Latin letters and digits into words (with
 * inner - . + kept: 6061-T6, Al2O3), Han runs by ICU's dictionary word
 * break with the dictionary's own entries taking the longest match at
 * each point; everything else separates. Appends to *segs (realloc'd,
 * the caller frees) and *nsegs. A dictionary is for one thread at a
 * time (the break iterator is kept on it). Returns KG_EINTERNAL with ICU's
 * message in err when ICU fails (the segments found so far are kept).
 */
kg_status dict_segment(struct dict *d, const char *s, size_t n,
                       struct dict_seg **segs, size_t *nsegs, char *err,
                       size_t errlen) KG_MUST_CHECK;

#endif
