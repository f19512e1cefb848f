/*
 * parse_html.h - HTML listing pages read with a rules file: an XPath for
 * each item, an XPath per record field relative to the item, an optional
 * XPath to the next page and an optional link to a detail page with its
 * own field XPaths. Pages in UTF-8, GBK/GB18030 or Big5 become UTF-8.
 * Pure functions of the bytes: no network, no store.
 */
#ifndef KG_INGEST_PARSE_HTML_H
#define KG_INGEST_PARSE_HTML_H

#include "ingest/page.h"

struct html_rule {
    char *field; /* a record field name of the kind, e.g. "title" */
    char *xpath;
};

struct html_rules {
    kg_kind kind;  /* "kind =", default achievement */
    char *item;    /* "item =": XPath of the items on a listing page */
    char *next;    /* "next =": XPath of the next page's URL, or NULL */
    char *detail;  /* "detail =": XPath (relative to an item) of the
                      detail page's URL, or NULL */
    char *charset; /* "charset =": overrides header and meta, or NULL */
    struct html_rule *fields, *detail_fields; /* "field.NAME =",
                                                 "detail.NAME =" */
    size_t n_fields, n_detail_fields;
};

/*
 * Parses a rules file's text (name is used in messages) into out. Lines are
 * "key = value"; '#' starts a comment. Every XPath must compile and every
 * field must exist for the kind. On failure returns KG_EINPUT with
 * "NAME:LINE: reason" in err and out released.
 */
kg_status html_rules_parse(const char *text, const char *name,
                           struct html_rules *out, char *err,
                           size_t errlen) KG_MUST_CHECK;
void html_rules_release(struct html_rules *r);

#define HTML_RULES_MAX_BYTES ((size_t)1 << 20)

/*
 * Reads the rules file at path and parses it as html_rules_parse does.
 * Returns KG_EIO ("cannot read PATH: reason") when it cannot be read,
 * KG_EINPUT when it is larger than HTML_RULES_MAX_BYTES or does not parse;
 * out is released on failure.
 */
kg_status html_rules_load(const char *path, struct html_rules *out, char *err,
                          size_t errlen) KG_MUST_CHECK;

/*
 * Parses a listing page fetched from url (base of relative links) whose
 * Content-Type header was content_type (may be NULL) into out (fresh from
 * page_init): one item per node of the item XPath, fields from the field
 * XPaths (a node set gives each node's text - attribute values for
 * attributes - and a list field takes every node), institution (may be
 * NULL) as the owner of every record, item->detail the absolute detail
 * URL. The record id is the "id" field, else the detail URL, else the
 * record's "url" field; items with none are skipped. out->next is the
 * absolute next-page URL. Returns KG_EINPUT or KG_ELIMIT (see
 * xml_parse_html) with err set; out then holds nothing.
 */
kg_status parse_html_listing(const char *data, size_t len, const char *url,
                             const char *content_type,
                             const struct html_rules *rules,
                             const char *institution, struct page *out,
                             char *err, size_t errlen) KG_MUST_CHECK;

/* Adds the detail-page fields of a detail page to rec (existing string
 * fields are replaced; lists grow). Errors as parse_html_listing; after a
 * failure rec may hold some of the detail fields. */
kg_status parse_html_detail(const char *data, size_t len, const char *url,
                            const char *content_type,
                            const struct html_rules *rules,
                            struct kg_record *rec, char *err,
                            size_t errlen) KG_MUST_CHECK;

#endif
