/*
 * t2s_convert.h - one character through OpenCC's t2s: the definition of
 * the Traditional -> Simplified table core/text.c looks characters up in.
 * Shared by the generator (tools/t2s_gen.c) and the test that checks the
 * built table against the OpenCC installed at test time.
 */
#ifndef KG_T2S_CONVERT_H
#define KG_T2S_CONVERT_H

#include "core/kg.h"

#include <opencc/opencc.h>

/* First and one past the last code point the table covers (CJK
 * Extension A and the Unified Ideographs); core/text.c uses the same. */
#define T2S_LO 0x3400
#define T2S_HI 0xA000

/* c's Simplified form by t2s when that is a single character, else c. */
static inline uint32_t t2s_convert(opencc_t cc, uint32_t c)
{
    char in[4], res[64];
    size_t n = kg_utf8_encode(in, c);
    size_t k = opencc_convert_utf8_to_buffer(cc, in, n, res);
    uint32_t to = c;
    if (k != (size_t)-1 && k > 0 && k < sizeof res) {
        uint32_t d;
        int len = kg_utf8_decode(res, k, &d);
        if (len > 0 && (size_t)len == k)
            to = d;
    }
    return to;
}

#endif
