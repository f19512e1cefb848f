/*
 * kg.c - status names, abort-on-OOM allocation, the byte buffer, a number
 * read strictly and UTF-8 validation used everywhere else.
 */
#include "core/kg.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *kg_status_str(kg_status st)
{
    switch (st) {
    case KG_OK:
        return "ok";
    case KG_ENOTFOUND:
        return "not found";
    case KG_EINPUT:
        return "bad input";
    case KG_EUSAGE:
        return "usage error";
    case KG_EIO:
        return "I/O error";
    case KG_EBUSY:
        return "busy";
    case KG_ELIMIT:
        return "limit exceeded";
    case KG_ENET:
        return "network error";
    case KG_EINTERNAL:
        return "internal error";
    case KG_ETIMEOUT:
        return "out of time";
    }
    return "unknown error";
}

int kg_exit_code(kg_status st)
{
    switch (st) {
    case KG_OK:
        return 0;
    case KG_ENOTFOUND:
    case KG_EINPUT:
    case KG_ELIMIT:
        return 1;
    case KG_EUSAGE:
        return 2;
    default:
        return 3;
    }
}

static void kg_oom(size_t n)
{
    fprintf(stderr, "kgmatch: out of memory (%zu bytes)\n", n);
    abort();
}

void *kg_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        kg_oom(n);
    return p;
}

void *kg_xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p)
        kg_oom(count * n);
    return p;
}

void *kg_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        kg_oom(n);
    return q;
}

char *kg_xstrdup(const char *s)
{
    return kg_xstrndup(s, strlen(s));
}

char *kg_xstrndup(const char *s, size_t n)
{
    char *p = kg_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *kg_xasprintf(const char *fmt, ...)
{
    struct kg_buf b;
    va_list ap;
    kg_buf_init(&b);
    va_start(ap, fmt);
    kg_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return kg_buf_detach(&b);
}

void kg_buf_init(struct kg_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void kg_buf_release(struct kg_buf *b)
{
    free(b->data);
    kg_buf_init(b);
}

void kg_buf_reset(struct kg_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static void kg_buf_grow(struct kg_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = kg_xrealloc(b->data, cap);
    b->cap = cap;
}

void kg_buf_add(struct kg_buf *b, const void *p, size_t n)
{
    kg_buf_grow(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void kg_buf_adds(struct kg_buf *b, const char *s)
{
    kg_buf_add(b, s, strlen(s));
}

void kg_buf_addc(struct kg_buf *b, char c)
{
    kg_buf_add(b, &c, 1);
}

void kg_buf_vprintf(struct kg_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    kg_buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void kg_buf_printf(struct kg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *kg_buf_detach(struct kg_buf *b)
{
    char *p = b->data ? b->data : kg_xstrdup("");
    kg_buf_init(b);
    return p;
}

int kg_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool kg_parse_real(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!*s || isspace((unsigned char)*s) || end == s || *end || errno ||
        !isfinite(d) || d < lo || d > hi)
        return false;
    *out = d;
    return true;
}

int kg_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    }
    int len;
    uint32_t c, min;
    if ((u[0] & 0xE0) == 0xC0) {
        len = 2, c = u[0] & 0x1F, min = 0x80;
    } else if ((u[0] & 0xF0) == 0xE0) {
        len = 3, c = u[0] & 0x0F, min = 0x800;
    } else if ((u[0] & 0xF8) == 0xF0) {
        len = 4, c = u[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (u[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

size_t kg_utf8_valid_prefix(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        int len = kg_utf8_decode(s + i, n - i, &cp);
        if (len == 0)
            return i;
        i += (size_t)len;
    }
    return n;
}

void kg_now_iso(char out[32])
{
    /* KGMATCH_NOW (seconds since the epoch) pins the clock for tests. */
    const char *fixed = getenv("KGMATCH_NOW");
    time_t t = fixed && *fixed ? (time_t)strtoll(fixed, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double kg_monotonic(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
