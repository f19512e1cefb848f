/*
 * parse_feed.h - RSS (0.9x, 1.0, 2.0) and Atom feeds to records: items or
 * entries become achievements (or patents), and the next page comes from
 * an Atom/RFC 5005 rel="next" link or from OpenSearch counts. Pure
 * functions of the bytes: no network, no store.
 */
#ifndef KG_INGEST_PARSE_FEED_H
#define KG_INGEST_PARSE_FEED_H

#include "ingest/page.h"

struct feed_map {
    kg_kind kind;            /* KG_ACHIEVEMENT (default) or KG_PATENT */
    const char *institution; /* owner of every record, or NULL */
    const char *page_param;  /* OpenSearch start parameter; NULL: "start" */
};

/*
 * Parses a feed fetched from url (the base for relative links and for the
 * OpenSearch next page; may be NULL) into out (fresh from page_init).
 * Entries without an id or link are counted in out->skipped. When the feed
 * is an error report (arXiv's single entry titled "Error"), returns
 * KG_EINPUT with its summary in err. Returns KG_EINPUT or KG_ELIMIT for
 * documents xml_parse refuses or that are not feeds; out then holds nothing.
 */
kg_status parse_feed(const char *data, size_t len, const char *url,
                     const struct feed_map *map, struct page *out, char *err,
                     size_t errlen) KG_MUST_CHECK;

/* url with query parameter name set to value (replaced or appended). The
 * caller frees it. */
char *parse_feed_set_param(const char *url, const char *name,
                           const char *value);

#endif
