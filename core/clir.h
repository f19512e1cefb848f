/*
 * clir.h - cross-language queries: a need written in Chinese, English or
 * both becomes one weighted query that also reaches records in the other
 * language. Terms are found by dict_segment; each is translated with the
 * CC-CEDICT dictionary and with term pairs learned from the store's own
 * bilingual records; candidate translations are weighted by their place in
 * the dictionary and by how often they co-occur in the store with the
 * other terms' translations, and share their term's weight (a structured
 * query: five translations of a word do not count five times).
 */
#ifndef KG_CLIR_H
#define KG_CLIR_H

#include "core/dict.h"
#include "core/index.h"
#include "core/store.h"

struct clir;

/* The language a query is rendered into (besides its own words, which are
 * always kept): CLIR_ANY both ways; CLIR_OFF not at all (for callers: no
 * translation, no dictionary). */
enum clir_lang { CLIR_ANY, CLIR_ZH, CLIR_EN, CLIR_OFF };

/* Parses "any", "zh", "en", "off"; KG_EUSAGE otherwise. */
kg_status clir_lang_parse(const char *s, enum clir_lang *out) KG_MUST_CHECK;

/* A translator over dictionary d (borrowed: it must outlive the
 * translator; NULL: no dictionary, learned pairs only). */
struct clir *clir_new(struct dict *d);
void clir_free(struct clir *c); /* NULL is a no-op */

/* Adds the learned pair zh <-> en (en in any case; kept lower-cased). */
void clir_add_pair(struct clir *c, const char *zh, const char *en);
size_t clir_pair_count(const struct clir *c);

/*
 * Learns term pairs from the store's bilingual records: a keyword list
 * holding Chinese and English keywords pairs each English keyword with the
 * Chinese keyword of the same record that the dictionary's translations of
 * its words cover best (a tie goes to the keyword just before it), and a
 * title of the form "中文 (English)" or "中文 / English" pairs its halves.
 * The pairs are cached in PATH.pairs beside the database, stamped with the
 * store version, and relearned when it moved. Returns the store's status
 * on a read failure (pairs learned so far are kept); a cache that cannot
 * be written is not an error.
 */
kg_status clir_learn(struct clir *c, struct store *s) KG_MUST_CHECK;

/* How a query term came to be. */
enum clir_how { CLIR_SAME, CLIR_DICT, CLIR_LEARNED, CLIR_JOINED };

/* One weighted term of a translated query: text in the target language,
 * src the words of the need it translates (equal for CLIR_SAME). The
 * first term is the need itself (CLIR_SAME, weight 1). In a need written
 * in both languages, with an index, later CLIR_SAME terms of negative
 * weight bring an own word said in both languages down to the rarity of
 * the pair (the index adds a term's weights; callers that take only the
 * translations skip every CLIR_SAME term). */
struct clir_term {
    char *src, *text;
    double weight;
    enum clir_how how;
};

/* A translated query; owned by the caller (clir_query_release). */
struct clir_query {
    struct clir_term *v;
    size_t n, cap;
};
void clir_query_release(struct clir_query *q);

/*
 * Translates need text into *q (appended; q zeroed or released first).
 * With ix, candidates the store never holds are dropped and co-occurrence
 * in ix weighs the rest; without it only the dictionary's order does.
 * Returns KG_EINTERNAL (ICU) or the index's status with a message in err.
 */
kg_status clir_translate(struct clir *c, struct index *ix, const char *text,
                         enum clir_lang lang, struct clir_query *q, char *err,
                         size_t errlen) KG_MUST_CHECK;

/* The translated concepts of q as "src ↔ text" lines joined by "; ",
 * best first, at most max of them; the caller frees the string. NULL when
 * q holds no translation. */
char *clir_concepts(const struct clir_query *q, size_t max);

/* index_search_weighted over the terms of q. */
kg_status clir_search(struct index *ix, const struct clir_query *q,
                      unsigned kinds, size_t k, struct index_hit **hits,
                      size_t *n) KG_MUST_CHECK;

#endif
