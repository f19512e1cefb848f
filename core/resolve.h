/*
 * resolve.h - name normalization for entity resolution: "山东大学",
 * "ＳＨＡＮＤＯＮＧ University" and "shandong-university" must meet on one
 * key. The store keys every name and alias by it.
 */
#ifndef KG_RESOLVE_H
#define KG_RESOLVE_H

#include "core/kg.h"

/*
 * The matching key of a name: Unicode NFKC with case folding, Traditional
 * Han characters folded to Simplified (OpenCC t2s, character by character),
 * whitespace, punctuation and symbols removed. Invalid UTF-8 bytes are dropped.
 * Returns a string the caller frees (possibly "" for a name of punctuation
 * only).
 */
char *resolve_norm(const char *name);

/* True when name looks like a company rather than a university or
 * institute (有限公司, Co., Ltd, Inc, Corp, GmbH, LLC, ...). */
bool resolve_is_company(const char *name);

#endif
