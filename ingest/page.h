/*
 * page.h - what a parser makes of one fetched page: its records (and the
 * ids the source says were deleted), the way to the next page and what
 * was skipped. Parsers fill a page; ingest stores it in one transaction.
 * Also the small field helpers every parser shares.
 */
#ifndef KG_INGEST_PAGE_H
#define KG_INGEST_PAGE_H

#include "core/record.h"

struct page_item {
    struct kg_record rec;
    bool deleted; /* the source withdrew (rec.kind, rec.id) */
    char *detail; /* html: absolute URL of the detail page, or NULL */
};

struct page {
    struct page_item *items;
    size_t n, cap;
    char *next;      /* next page URL or OAI resumptionToken; NULL: last */
    char *cursor;    /* OAI cursor / OpenSearch startIndex; NULL if none */
    long long total; /* completeListSize / totalResults; -1 unknown */
    size_t skipped;  /* entries that made no record (no id, not a patent) */
};

void page_init(struct page *p);
/* Frees every item and string; p is left as after page_init. */
void page_release(struct page *p);
/* Appends an item whose record is fresh from record_init(kind). */
struct page_item *page_add(struct page *p, kg_kind kind);
/* Removes and frees the last item (a parser dropping an entry). */
void page_drop_last(struct page *p);

/* Appends s (not copied when empty) unless the list already holds it,
 * compared without ASCII case. */
void page_list_add(struct kg_strlist *l, const char *s);

/* The first plausible year (1000-2999, four digits not inside a longer
 * number) in text such as "2003-04-15", "Mon, 02 Jan 2006" or "2021年";
 * 0 when none. */
int page_year(const char *text);

/*
 * Sets field name of r from text found in a page: a list field gets each
 * ';'-separated part added (page_list_add), a string field is replaced, an
 * integer field takes the first number in the text ("TRL 6"; for "year":
 * page_year of the text).
 * Returns KG_EINPUT with a reason for an unknown field or unusable number.
 */
kg_status page_set_field(struct kg_record *r, const char *name,
                         const char *text, char *err,
                         size_t errlen) KG_MUST_CHECK;

#endif
