/*
 * page.c - the page of records a parser returns, and the field helpers
 * (de-duplicated lists, years from free-form dates) the parsers share.
 */
#include "ingest/page.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void page_init(struct page *p)
{
    memset(p, 0, sizeof *p);
    p->total = -1;
}

void page_release(struct page *p)
{
    for (size_t i = 0; i < p->n; i++) {
        record_release(&p->items[i].rec);
        free(p->items[i].detail);
    }
    free(p->items);
    free(p->next);
    free(p->cursor);
    page_init(p);
}

struct page_item *page_add(struct page *p, kg_kind kind)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->items = kg_xrealloc(p->items, p->cap * sizeof *p->items);
    }
    struct page_item *it = &p->items[p->n++];
    memset(it, 0, sizeof *it);
    record_init(&it->rec, kind);
    return it;
}

void page_drop_last(struct page *p)
{
    if (p->n == 0)
        return;
    struct page_item *it = &p->items[--p->n];
    record_release(&it->rec);
    free(it->detail);
}

void page_list_add(struct kg_strlist *l, const char *s)
{
    if (!s || !*s)
        return;
    for (size_t i = 0; i < l->n; i++)
        if (strcasecmp(l->v[i], s) == 0)
            return;
    strlist_add(l, s);
}

int page_year(const char *text)
{
    if (!text)
        return 0;
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)p[0]) ||
            (p > text && isdigit((unsigned char)p[-1])))
            continue;
        size_t n = 0;
        while (isdigit((unsigned char)p[n]))
            n++;
        /* "20150106" (USPTO dates) counts; longer numbers do not. */
        if (n == 4 || n == 8) {
            int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
                    (p[2] - '0') * 10 + (p[3] - '0');
            if (y >= 1000 && y <= 2999)
                return y;
        }
        p += n - 1;
    }
    return 0;
}

static char *trim(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return kg_xstrndup(s, n);
}

/* Where a contact starts in page text: past a "mailto:" or "tel:" link
 * scheme, or past a label ("Email: ", "电话："); *n is its length
 * (an email's stops at a link's "?subject=" or a space). NULL when the
 * text holds no address (no '@') or number (no digit, '+' or '('). */
static const char *contact_in(const char *name, const char *text, size_t *n)
{
    bool email = strcmp(name, "email") == 0;
    const char *p = text;
    if (email && strncasecmp(p, "mailto:", 7) == 0)
        p += 7;
    else if (!email && strncasecmp(p, "tel:", 4) == 0)
        p += 4;
    if (email) {
        const char *at = strchr(p, '@');
        if (!at)
            return NULL;
        /* back to the label: a space, a colon, any non-ASCII byte ("：",
         * "邮箱") ends it; addresses in pages are ASCII */
        while (at > p && !isspace((unsigned char)at[-1]) && at[-1] != ':' &&
               (unsigned char)at[-1] < 0x80)
            at--;
        p = at;
        *n = strcspn(p, "? \t\r\n,;");
        return p;
    }
    p += strcspn(p, "+0123456789(");
    if (!*p)
        return NULL;
    *n = strlen(p);
    return p;
}

kg_status page_set_field(struct kg_record *r, const char *name,
                         const char *text, char *err, size_t errlen)
{
    const struct record_field *f = record_field_find(r->kind, name);
    if (!f) {
        snprintf(err, errlen, "unknown field '%s' for %s", name,
                 record_kind_name(r->kind));
        return KG_EINPUT;
    }
    if (!text || !*text)
        return KG_OK;
    if (!kg_utf8_valid(text, strlen(text))) {
        snprintf(err, errlen, "invalid UTF-8 in field '%s'", name);
        return KG_EINPUT;
    }
    switch (f->type) {
    case RECORD_STR: {
        size_t n = strlen(text);
        if (strcmp(name, "email") == 0 || strcmp(name, "phone") == 0) {
            text = contact_in(name, text, &n);
            if (!text) /* "暂无", "n/a": no contact rather than a wrong one */
                return KG_OK;
        }
        free(*record_str(r, f));
        *record_str(r, f) = trim(text, n);
        return KG_OK;
    }
    case RECORD_LIST: {
        const char *p = text;
        for (;;) {
            const char *semi = strchr(p, ';');
            size_t n = semi ? (size_t)(semi - p) : strlen(p);
            char *part = trim(p, n);
            page_list_add(record_list(r, f), part);
            free(part);
            if (!semi)
                break;
            p = semi + 1;
        }
        return KG_OK;
    }
    case RECORD_INT: {
        int v = 0;
        if (strcmp(name, "year") == 0) {
            v = page_year(text);
        } else {
            /* The first number in the text ("TRL 6", "6级"). */
            const char *d = text;
            while (*d && !isdigit((unsigned char)*d))
                d++;
            long l = *d ? strtol(d, NULL, 10) : 0;
            v = l > 0 && l < 100000 ? (int)l : 0;
        }
        if (v < f->min || v > f->max) {
            snprintf(err, errlen, "field '%s': no number %d-%d in '%.40s'",
                     name, f->min, f->max, text);
            return KG_EINPUT;
        }
        *record_int(r, f) = v;
        return KG_OK;
    }
    }
    return KG_EINTERNAL;
}
