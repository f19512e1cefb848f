/*
 * parse_oai.h - OAI-PMH 2.0 responses: ListRecords pages (records in Dublin
 * Core wherever the metadata format puts it, deleted headers, the
 * resumptionToken), Identify (the datestamp granularity) and OAI errors.
 * Pure functions of the bytes: no network, no store.
 */
#ifndef KG_INGEST_PARSE_OAI_H
#define KG_INGEST_PARSE_OAI_H

#include "ingest/page.h"

/* How records are made. */
struct oai_map {
    kg_kind kind;            /* KG_ACHIEVEMENT (default) or KG_PATENT */
    const char *institution; /* owner of every record; NULL: from DC */
};

/* An <error code="...">message</error> of the response. */
struct oai_error {
    char *code;    /* NULL when the response carries no error */
    char *message; /* "" when the server gave none */
};
void oai_error_release(struct oai_error *e);

/*
 * Parses a ListRecords (or GetRecord) response into out (fresh from
 * page_init): one item per record, deleted ones flagged, out->next the
 * resumptionToken (NULL when empty or absent), out->cursor and out->total
 * from its attributes. A response carrying an OAI error returns KG_OK with
 * oerr->code set and no items. Returns KG_EINPUT or KG_ELIMIT (xml_parse's
 * errors, or not an OAI-PMH response) with a reason in err; out then holds
 * nothing.
 */
kg_status parse_oai_records(const char *data, size_t len,
                            const struct oai_map *map, struct page *out,
                            struct oai_error *oerr, char *err,
                            size_t errlen) KG_MUST_CHECK;

/*
 * Parses an Identify response: *granularity becomes "YYYY-MM-DD" or
 * "YYYY-MM-DDThh:mm:ssZ" (the caller frees it; the day form when the
 * response names neither). Errors as for parse_oai_records.
 */
kg_status parse_oai_identify(const char *data, size_t len, char **granularity,
                             struct oai_error *oerr, char *err,
                             size_t errlen) KG_MUST_CHECK;

/* True when name looks like an organisation rather than a person
 * ("... University", "...大学", "Institute of ...", "... Ltd"). */
bool parse_oai_is_org(const char *name);

#endif
