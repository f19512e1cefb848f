/*
 * variant.h - British and Commonwealth spellings folded to American ones
 * (aluminium -> aluminum, colour -> color, organise -> organize, analyse ->
 * analyze, fibre -> fiber, sulphur -> sulfur, modelling -> modeling), so
 * that the analyzer gives both the same term (the stem of "aluminium" is
 * the stem of "aluminum"). The table and the rules, with the words each
 * rule must leave alone, are written out in variant.c.
 */
#ifndef KG_VARIANT_H
#define KG_VARIANT_H

#include <stddef.h>

/* Longest word variant_us rewrites, in bytes. */
#define VARIANT_MAX 64

/*
 * The American spelling of the lower-case ASCII word w[0..n): writes it to
 * out (at least VARIANT_MAX + 1 bytes, NUL-terminated) and returns its
 * length, or returns 0 when w has no other spelling (out is then
 * untouched). Cannot fail.
 */
size_t variant_us(const char *w, size_t n, char *out);

#endif
