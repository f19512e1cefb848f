/*
 * app_batch_int.h - the batch's model (the matches.json document) and the
 * files drawn from it, shared by app_batch.c and app_report.c.
 */
#ifndef KG_APP_BATCH_INT_H
#define KG_APP_BATCH_INT_H

#include <jansson.h>

#include "core/kg.h"

/* Sorts doc's demands by enterprise then id and (re)computes its
 * "summary" and "partners" from them, so that merged shards equal an
 * unsharded run. */
void app_batch_finalize(json_t *doc);

/* The files of a finalized doc, appended to b. */
void app_report_csv(const json_t *doc, struct kg_buf *b);
void app_report_summary(const json_t *doc, struct kg_buf *b);
void app_report_html(const json_t *doc, struct kg_buf *b);

struct app_session;
/* Finalizes doc and writes the four files into dir (made when missing):
 * temporary names first, renamed once all are written. */
kg_status app_batch_write(struct app_session *a, const char *dir,
                          json_t *doc) KG_MUST_CHECK;

#endif
