/*
 * namesim.h - how alike two names are across scripts and languages, for
 * finding duplicate records (`kgmatch stubs`): 烟台大学 and "Yantai
 * University" (pinyin of 烟台, the dictionary's "university" for 大学),
 * 姜涛 and "Tao Jiang" (pinyin, either name order), 渤海先進技術研究院 and
 * 渤海先进技术研究院 (the store's name key folds 繁 to 简), "Shandong
 * Univ." and "shandong university" (case, punctuation, a shortened word).
 */
#ifndef KG_NAMESIM_H
#define KG_NAMESIM_H

#include "core/dict.h"
#include "core/kg.h"

struct namesim;

/*
 * A comparer using dictionary d for glosses (NULL: pinyin only; d must
 * outlive it and is used from one thread). Returns KG_EINTERNAL with ICU's
 * message in err when the Han-to-pinyin transliterator cannot open; *out
 * is NULL then.
 */
kg_status namesim_new(struct dict *d, struct namesim **out, char *err,
                      size_t errlen) KG_MUST_CHECK;
void namesim_free(struct namesim *ns); /* NULL is a no-op */

/* One name read for comparison (its key, words, pinyin, dictionary
 * segments); owned by the comparer that made it. */
struct namesim_name;
struct namesim_name *namesim_name_new(struct namesim *ns, const char *name);
void namesim_name_free(struct namesim_name *n); /* NULL is a no-op */

/*
 * How alike a and b are, from 0 (nothing in common) to 1 (the same name):
 * equal name keys score 1; a Chinese and a Latin name score the share of
 * Han characters and Latin words that meet through pinyin or a dictionary
 * gloss; two Latin names the share of their words that are equal (or one
 * a shortening of the other, "Univ." of "University"). Appends why, in
 * words, to *why when the score is above 0.
 */
double namesim_compare(const struct namesim_name *a,
                       const struct namesim_name *b, struct kg_buf *why);

/*
 * The block keys of n: two names that namesim_compare scores above 0 by
 * equal keys, pinyin, a gloss or a Latin word share at least one (its name
 * key, its Latin words, the pinyin of each run of up to four of its Han
 * characters, the words of its dictionary words' glosses, its Han
 * character pairs), so a caller comparing many names compares only those
 * that share a rare key. add(ctx, key) gets each, possibly twice.
 */
void namesim_keys(const struct namesim_name *n,
                  void (*add)(void *ctx, const char *key), void *ctx);

#endif
