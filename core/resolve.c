/*
 * resolve.c - normalized name keys (ICU NFKC_Casefold, Traditional folded to
 * Simplified with OpenCC) and the company-name
 * heuristic used when a patent applicant must become a stub record.
 */
#include "core/resolve.h"
#include "core/text.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

/* Drops what never distinguishes two names: spaces, punctuation, symbols. */
static bool keep_char(UChar32 c)
{
    if (u_isUWhiteSpace(c) || u_ispunct(c))
        return false;
    int8_t t = u_charType(c);
    return !(t == U_MATH_SYMBOL || t == U_CURRENCY_SYMBOL ||
             t == U_MODIFIER_SYMBOL || t == U_OTHER_SYMBOL ||
             t == U_CONTROL_CHAR || t == U_FORMAT_CHAR);
}

char *resolve_norm(const char *name)
{
    UErrorCode ec = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCCasefoldInstance(&ec);
    size_t n = strlen(name);
    if (U_FAILURE(ec) || n > (1u << 20))
        return kg_xstrdup("");
    /* Decode by hand so that invalid bytes are skipped, not fatal. */
    UChar *src = kg_xmalloc((n + 1) * 2 * sizeof(UChar));
    int32_t len = 0;
    for (int32_t i = 0; i < (int32_t)n;) {
        UChar32 c;
        U8_NEXT((const uint8_t *)name, i, (int32_t)n, c);
        if (c < 0 || !keep_char(c))
            continue;
        c = (UChar32)text_simplified((uint32_t)c); /* 先進 meets 先进 */
        U16_APPEND_UNSAFE(src, len, c);
    }
    int32_t cap = len * 3 + 16;
    UChar *dst = kg_xmalloc((size_t)cap * sizeof(UChar));
    int32_t dlen = unorm2_normalize(nfkc, src, len, dst, cap, &ec);
    char *out = NULL;
    if (U_SUCCESS(ec)) {
        /* Folding can expose new punctuation (full-width forms): filter. */
        struct kg_buf b;
        kg_buf_init(&b);
        for (int32_t i = 0; i < dlen;) {
            UChar32 c;
            U16_NEXT(dst, i, dlen, c);
            if (!keep_char(c))
                continue;
            char u8[4];
            int32_t k = 0;
            U8_APPEND_UNSAFE((uint8_t *)u8, k, c);
            kg_buf_add(&b, u8, (size_t)k);
        }
        out = kg_buf_detach(&b);
    } else {
        out = kg_xstrdup("");
    }
    free(src);
    free(dst);
    return out;
}

bool resolve_is_company(const char *name)
{
    static const char *const marks[] = {
        "公司",    "集团",        "企业",  "厂",         "co",
        "ltd",     "inc",         "corp",  "company",    "gmbh",
        "llc",     "plc",         "ag",    "sa",         "kk",
        "limited", "corporation", "group", "industries", "technologies",
    };
    char *norm = resolve_norm(name);
    bool yes = false;
    /* CJK marks anywhere; Latin marks as whole trailing words. */
    for (size_t i = 0; i < 4 && !yes; i++)
        yes = strstr(norm, marks[i]) != NULL;
    free(norm);
    if (yes)
        return true;
    struct kg_buf w;
    kg_buf_init(&w);
    for (const char *p = name;; p++) {
        if (*p && ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) {
            char c = (char)(*p | 0x20);
            kg_buf_addc(&w, c);
            continue;
        }
        if (w.len) {
            for (size_t i = 4; i < sizeof marks / sizeof *marks; i++)
                if (strcmp(w.data, marks[i]) == 0)
                    yes = true;
            kg_buf_reset(&w);
        }
        if (!*p || yes)
            break;
    }
    kg_buf_release(&w);
    return yes;
}
