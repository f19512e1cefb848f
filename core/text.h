/*
 * text.h - bilingual text analysis: UTF-8 in, index terms out. Text is
 * normalized (ICU NFKC with case folding, Traditional Chinese folded to
 * Simplified character by character with a table built from OpenCC's t2s
 * data at build time), Latin-script words are stemmed
 * (Snowball English, British spellings first folded to American ones by
 * core/variant.h) with stop words dropped, technical tokens (6061-T6,
 * AA7075, Al2O3, H01L 21/02, 20 mm) stay whole, and CJK text becomes
 * overlapping character bigrams, optionally with ICU dictionary words.
 */
#ifndef KG_TEXT_H
#define KG_TEXT_H

#include "core/kg.h"

/* Moves whenever the terms produced for some text change, so that indexes
 * built with an older analyzer are rebuilt. */
#define TEXT_VERSION 3

/* Longest term kept, in bytes; longer words (hashes, URLs) are dropped. */
#define TEXT_MAX_TERM 64

struct text;

/* Zero means the default for every member. */
struct text_opts {
    bool no_stem;   /* keep English words unstemmed */
    bool no_stop;   /* keep stop words */
    bool no_fold;   /* keep Traditional Chinese as written */
    bool cjk_words; /* add ICU dictionary words (3+ characters) to the
                       bigrams of CJK runs: better precision, ~3x slower */
};

/*
 * Creates an analyzer (opts may be NULL). Resources that are slow to load
 * (the ICU break iterator) are opened on first use. On failure
 * returns KG_EINTERNAL with ICU's or the stemmer's message in err.
 * An analyzer is for one thread at a time.
 */
kg_status text_new(const struct text_opts *opts, struct text **out, char *err,
                   size_t errlen) KG_MUST_CHECK;
void text_free(struct text *t); /* NULL is a no-op */

/* One term: bytes at tk->bytes + off (len bytes, NUL-terminated), and
 * when surfaces were asked for, the form it had in the text before
 * stemming at tk->bytes + surf (equal to off when there is no difference). */
struct text_tok {
    uint32_t off, len;
    uint32_t surf;
};

/* Terms appended by text_analyze; the caller owns it. */
struct text_tokens {
    char *bytes;
    size_t nbytes, capbytes;
    struct text_tok *v;
    size_t n, cap;
    bool surfaces;   /* set by the caller: record surface forms too */
    size_t replaced; /* invalid UTF-8 sequences replaced so far */
};
void text_tokens_init(struct text_tokens *tk);
/* Forgets the terms (keeps the memory, the surfaces flag and replaced). */
void text_tokens_reset(struct text_tokens *tk);
void text_tokens_release(struct text_tokens *tk);

/*
 * Appends the terms of s[0..n) to tk in text order. Invalid UTF-8 is
 * replaced by U+FFFD and counted in tk->replaced, never an error. On
 * failure (a library error: KG_EINTERNAL, message in text_last_error)
 * tk holds the terms of the text before the failing piece.
 */
kg_status text_analyze(struct text *t, const char *s, size_t n,
                       struct text_tokens *tk) KG_MUST_CHECK;

/* Whether s[0..n) holds a letter or a digit (of any script): a text of
 * spaces, punctuation and symbols alone has no word to analyze, match or
 * search for. Invalid UTF-8 counts as no letter. */
bool text_has_word(const char *s, size_t n);

/* Message of the last failure of t ("" when none). Owned by t. */
const char *text_last_error(const struct text *t);

/*
 * The Simplified form of one Han character by OpenCC's t2s, character by
 * character (c itself when it has none): a lookup in a table generated at
 * build time from the installed OpenCC data (tools/t2s_gen.c), so OpenCC
 * is never opened at run time. Thread-safe.
 */
uint32_t text_simplified(uint32_t c);

/* A 64-bit hash of n bytes, the one the index uses for terms. */
uint64_t text_hash(const void *p, size_t n);

/* The first min(n, 8) bytes at p in memory order, zero-padded: a cheap
 * key for short terms (no library call for the variable length). */
static inline uint64_t text_load8(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t v = 0;
    if (n >= 8) {
        __builtin_memcpy(&v, s, 8);
        return v;
    }
    unsigned char b[8] = {0};
    switch (n) {
    case 7:
        b[6] = s[6];
        /* fallthrough */
    case 6:
        b[5] = s[5];
        /* fallthrough */
    case 5:
        b[4] = s[4];
        /* fallthrough */
    case 4:
        b[3] = s[3];
        /* fallthrough */
    case 3:
        b[2] = s[2];
        /* fallthrough */
    case 2:
        b[1] = s[1];
        /* fallthrough */
    case 1:
        b[0] = s[0];
        /* fallthrough */
    default:
        break;
    }
    __builtin_memcpy(&v, b, 8);
    return v;
}

#endif
