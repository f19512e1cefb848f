/*
 * app_batch_int.h - the night's results (app_night.c: each demand spooled
 * as it is matched, small aggregates beside it) and the files drawn from
 * them (app_report.c), shared with app_batch.c.
 */
#ifndef KG_APP_BATCH_INT_H
#define KG_APP_BATCH_INT_H

#include <jansson.h>

#include "core/kg.h"

struct app_session;

/* A member of a JSON object of the night's files: a string ("" when
 * missing), an integer, a number (0 when missing). */
static inline const char *sval(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static inline long long ival(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static inline double rval(const json_t *o, const char *key)
{
    return json_number_value(json_object_get(o, key));
}

/* ---- the night (app_night.c) -------------------------------------------- */

struct night;

/*
 * A night whose demands are spooled to an unlinked file made in dir (made
 * when missing), so that a killed batch leaves nothing behind and memory
 * does not grow with the demands. On failure *out is NULL and a's message
 * says why.
 */
kg_status night_new(struct app_session *a, const char *dir,
                    struct night **out) KG_MUST_CHECK;
void night_free(struct night *n);

/* Appends one demand object of matches.json (id, title, enterprise,
 * enterprise_name, domains, why, matches) to the night; demand stays the
 * caller's. KG_EIO (a's message) when the spool cannot be written. */
kg_status night_add(struct app_session *a, struct night *n,
                    const json_t *demand) KG_MUST_CHECK;

/* The demands and matches added so far. */
size_t night_demands(const struct night *n);
size_t night_matches(const struct night *n);

/*
 * Writes the four files into dir: doc is matches.json without its
 * demands (its "summary" and "partners" are set from the night, then the
 * demands follow sorted by enterprise then id). Each file goes to a
 * temporary name first and all four are renamed once all are written; on
 * failure the temporary files made are removed and a's message says why.
 */
kg_status night_write(struct app_session *a, struct night *n, const char *dir,
                      json_t *doc) KG_MUST_CHECK;

/* ---- the files (app_report.c) ------------------------------------------- */

/* The best cross-domain pairings shown in the report. */
#define REPORT_CROSS_TOP 15

/* matches.csv: its header line, then one demand's rows. */
void app_report_csv_head(struct kg_buf *b);
void app_report_csv_demand(const json_t *d, struct kg_buf *b);

/* summary.txt of doc (matches.json's keys but the demands). */
void app_report_summary(const json_t *doc, struct kg_buf *b);

/*
 * report.html in three parts: the head (summary cards, sources, partners
 * and cross, an array of the best cross-domain pairings, each {"demand":
 * {id, title, domains}, "hit": {...}}, out of ncross; ename names the
 * enterprise of a one-enterprise report), each demand in turn (i its
 * place in the night; *cur, the enterprise of the previous one, NULL before
 * the first, is replaced by a copy the caller frees), then the tail
 * (ndemands in the night).
 */
void app_report_html_head(const json_t *doc, const char *ename,
                          const json_t *cross, size_t ncross, size_t ndemands,
                          struct kg_buf *b);
void app_report_html_demand(const json_t *d, size_t i, char **cur,
                            struct kg_buf *b);
void app_report_html_tail(const json_t *doc, size_t ndemands, struct kg_buf *b);

#endif
