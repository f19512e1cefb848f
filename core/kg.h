/*
 * kg.h - the base of kgmatch: one status type for every fallible call,
 * allocation wrappers that abort on out-of-memory, a growable string buffer
 * and a few UTF-8 helpers shared by every layer.
 */
#ifndef KG_KG_H
#define KG_KG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KG_VERSION "0.1.0"

#define KG_MUST_CHECK __attribute__((warn_unused_result))
#define KG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Status of every call that can fail; 0 is success. */
typedef enum kg_status {
    KG_OK = 0,
    KG_ENOTFOUND, /* no such record, key or file */
    KG_EINPUT,    /* bad input data: syntax, wrong type, invalid UTF-8 */
    KG_EUSAGE,    /* bad arguments or options */
    KG_EIO,       /* a file or the database cannot be read or written */
    KG_EBUSY,     /* another process holds the lock */
    KG_ELIMIT,    /* a size, depth or count limit was passed */
    KG_ENET,      /* network or remote-server failure */
    KG_EINTERNAL, /* a library failed in an unexpected way */
    KG_ETIMEOUT,  /* a time budget ran out before the work was done */
} kg_status;

/* Short English name of a status ("bad input", ...); never NULL. */
const char *kg_status_str(kg_status st);

/* Process exit code for a status: 0 ok, 1 bad input/data or not found,
 * 2 usage, 3 environment (I/O, lock, network, internal). */
int kg_exit_code(kg_status st);

/* Allocation: these never return NULL; out of memory aborts the process. */
void *kg_xmalloc(size_t n);
void *kg_xcalloc(size_t count, size_t n);
void *kg_xrealloc(void *p, size_t n);
char *kg_xstrdup(const char *s);
char *kg_xstrndup(const char *s, size_t n);
char *kg_xasprintf(const char *fmt, ...) KG_PRINTF(1, 2);

/* A growable NUL-terminated byte buffer owned by the caller.
 * kg_buf_init leaves it empty (data is "" not NULL after any append). */
struct kg_buf {
    char *data;
    size_t len;
    size_t cap;
};
void kg_buf_init(struct kg_buf *b);
void kg_buf_release(struct kg_buf *b);
void kg_buf_reset(struct kg_buf *b);
void kg_buf_add(struct kg_buf *b, const void *p, size_t n);
void kg_buf_adds(struct kg_buf *b, const char *s);
void kg_buf_addc(struct kg_buf *b, char c);
void kg_buf_printf(struct kg_buf *b, const char *fmt, ...) KG_PRINTF(2, 3);
void kg_buf_vprintf(struct kg_buf *b, const char *fmt, va_list ap)
    KG_PRINTF(2, 0);
/* Hands the buffer's memory to the caller (never NULL) and empties b. */
char *kg_buf_detach(struct kg_buf *b);

/* qsort's comparator of an array of strings (char * or const char *), by
 * strcmp. */
int kg_cmp_str(const void *a, const void *b);

/* Reads s, all of it, as a finite number from lo to hi into *out (a
 * decimal or strtod's other forms, no leading space); false, *out as it
 * was, for anything else. */
bool kg_parse_real(const char *s, double lo, double hi, double *out);

/* Length of the valid UTF-8 prefix of s[0..n); equals n when all valid.
 * Overlong forms, surrogates and code points above U+10FFFF are invalid. */
size_t kg_utf8_valid_prefix(const char *s, size_t n);
static inline bool kg_utf8_valid(const char *s, size_t n)
{
    return kg_utf8_valid_prefix(s, n) == n;
}

/* Decodes one code point at s (n bytes left). Returns its byte length
 * (1..4) and stores the code point, or returns 0 for an invalid sequence. */
int kg_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Writes code point cp (at most U+10FFFF) as UTF-8 into o; returns the
 * byte length, 1 to 4. Inline: the tokenizer calls it per character. */
static inline size_t kg_utf8_encode(char o[4], uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Seconds on the monotonic clock (for durations, rates and deadlines). */
double kg_monotonic(void);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into out. $KGMATCH_NOW
 * (seconds since the epoch) pins it, for reproducible tests. */
void kg_now_iso(char out[32]);

#endif
