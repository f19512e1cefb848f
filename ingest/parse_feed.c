/*
 * parse_feed.c - RSS and Atom to records. Atom: entry id, title,
 * summary/content, category terms, author names, the alternate link and
 * published/updated. RSS: guid/link, title, description, category, author
 * or dc:creator, pubDate or dc:date. Paging: rel="next", else OpenSearch.
 */
#include "ingest/parse_feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/xml.h"

#define NS_ATOM "http://www.w3.org/2005/Atom"
#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define NS_OS11 "http://a9.com/-/spec/opensearch/1.1/"
#define NS_OS10 "http://a9.com/-/spec/opensearchrss/1.0/"

char *parse_feed_set_param(const char *url, const char *name, const char *value)
{
    size_t end = strcspn(url, "#");
    const char *q = memchr(url, '?', end);
    struct kg_buf b;
    kg_buf_init(&b);
    size_t nlen = strlen(name);
    if (!q) {
        kg_buf_add(&b, url, end);
        kg_buf_printf(&b, "?%s=%s", name, value);
        return kg_buf_detach(&b);
    }
    kg_buf_add(&b, url, (size_t)(q - url) + 1);
    bool done = false, first = true;
    const char *p = q + 1;
    const char *stop = url + end;
    while (p < stop) {
        const char *amp = memchr(p, '&', (size_t)(stop - p));
        const char *e = amp ? amp : stop;
        if ((size_t)(e - p) == 0) {
            p = e + 1;
            continue;
        }
        if (!first)
            kg_buf_addc(&b, '&');
        first = false;
        if ((size_t)(e - p) >= nlen && strncmp(p, name, nlen) == 0 &&
            (p + nlen == e || p[nlen] == '=')) {
            kg_buf_printf(&b, "%s=%s", name, value);
            done = true;
        } else {
            kg_buf_add(&b, p, (size_t)(e - p));
        }
        p = e + 1;
    }
    if (!done)
        kg_buf_printf(&b, "%s%s=%s", first ? "" : "&", name, value);
    return kg_buf_detach(&b);
}

/* The text of n as plain text (feeds carry HTML in many elements). */
static char *plain(const xmlNode *n)
{
    char *t = xml_text(n);
    char *p = xml_html_to_text(t);
    free(t);
    return p;
}

static void set_if(char **slot, char *value)
{
    if (!*slot && value && *value)
        *slot = value;
    else
        free(value);
}

/* Values of one entry or item before mapping onto a record. */
struct entry {
    char *id, *title, *abstract, *url, *when;
    struct kg_strlist keywords, authors;
};

static void entry_release(struct entry *e)
{
    free(e->id);
    free(e->title);
    free(e->abstract);
    free(e->url);
    free(e->when);
    strlist_release(&e->keywords);
    strlist_release(&e->authors);
}

static char *iso_day(const char *s)
{
    int y = page_year(s);
    if (!s || !y || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
        return NULL;
    return kg_xstrndup(s, 10);
}

static void map_entry(struct entry *e, const struct feed_map *map,
                      struct page *out)
{
    if (!e->id && e->url)
        e->id = kg_xstrdup(e->url);
    if (!e->id) {
        out->skipped++;
        return;
    }
    struct page_item *it = page_add(out, map->kind);
    struct kg_record *r = &it->rec;
    r->id = e->id;
    e->id = NULL;
    r->title = e->title;
    e->title = NULL;
    r->abstract = e->abstract;
    e->abstract = NULL;
    if (map->kind == KG_PATENT) {
        for (size_t i = 0; i < e->authors.n; i++)
            page_list_add(&r->inventors, e->authors.v[i]);
        if (map->institution)
            page_list_add(&r->applicants, map->institution);
        r->date = iso_day(e->when);
        return;
    }
    for (size_t i = 0; i < e->keywords.n; i++)
        page_list_add(&r->keywords, e->keywords.v[i]);
    for (size_t i = 0; i < e->authors.n; i++)
        page_list_add(&r->experts, e->authors.v[i]);
    r->year = page_year(e->when);
    r->url = e->url;
    e->url = NULL;
    if (map->institution)
        r->institution = kg_xstrdup(map->institution);
}

static bool is_error_entry(const struct entry *e)
{
    return e->title && strcmp(e->title, "Error") == 0 && e->id &&
           strstr(e->id, "/api/errors");
}

static kg_status atom_entries(const xmlNode *feed, const char *url,
                              const struct feed_map *map, struct page *out,
                              char *err, size_t errlen)
{
    for (const xmlNode *n = xml_child(feed, NS_ATOM, "entry"); n;
         n = xml_next(n, NS_ATOM, "entry")) {
        struct entry e;
        memset(&e, 0, sizeof e);
        for (const xmlNode *c = n->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE ||
                !xml_is(c, NS_ATOM, (const char *)c->name))
                continue;
            const char *name = (const char *)c->name;
            if (strcmp(name, "id") == 0) {
                set_if(&e.id, xml_text(c));
            } else if (strcmp(name, "title") == 0) {
                set_if(&e.title, plain(c));
            } else if (strcmp(name, "summary") == 0) {
                free(e.abstract);
                e.abstract = plain(c);
            } else if (strcmp(name, "content") == 0) {
                set_if(&e.abstract, plain(c));
            } else if (strcmp(name, "category") == 0) {
                char *t = xml_attr(c, "term");
                if (!t || !*t) {
                    free(t);
                    t = xml_attr(c, "label");
                }
                page_list_add(&e.keywords, t);
                free(t);
            } else if (strcmp(name, "author") == 0) {
                char *a = xml_text(xml_child(c, NS_ATOM, "name"));
                page_list_add(&e.authors, a);
                free(a);
            } else if (strcmp(name, "link") == 0) {
                char *rel = xml_attr(c, "rel");
                if (!rel || strcmp(rel, "alternate") == 0) {
                    char *href = xml_attr(c, "href");
                    set_if(&e.url, xml_resolve(href, url));
                    free(href);
                }
                free(rel);
            } else if (strcmp(name, "published") == 0) {
                free(e.when);
                e.when = xml_text(c);
            } else if (strcmp(name, "updated") == 0) {
                set_if(&e.when, xml_text(c));
            }
        }
        if (is_error_entry(&e)) {
            snprintf(err, errlen, "the feed reports an error: %s",
                     e.abstract ? e.abstract : "(no message)");
            entry_release(&e);
            return KG_EINPUT;
        }
        map_entry(&e, map, out);
        entry_release(&e);
    }
    return KG_OK;
}

static void rss_items(const xmlNode *parent, const char *url,
                      const struct feed_map *map, struct page *out)
{
    for (const xmlNode *n = parent->children; n; n = n->next) {
        if (!xml_is(n, NULL, "item"))
            continue;
        struct entry e;
        memset(&e, 0, sizeof e);
        char *link = NULL;
        for (const xmlNode *c = n->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE)
                continue;
            const char *name = (const char *)c->name;
            bool dc = xml_is(c, NS_DC, name);
            bool content = xml_is(c, NS_CONTENT, name);
            bool bare =
                !c->ns || (!dc && !content && !xml_is(c, NS_ATOM, name));
            if (bare && strcmp(name, "guid") == 0) {
                set_if(&e.id, xml_text(c));
            } else if (bare && strcmp(name, "title") == 0) {
                set_if(&e.title, plain(c));
            } else if (bare && strcmp(name, "description") == 0) {
                free(e.abstract);
                e.abstract = plain(c);
            } else if (content && strcmp(name, "encoded") == 0) {
                set_if(&e.abstract, plain(c));
            } else if (bare && strcmp(name, "link") == 0) {
                char *t = xml_text(c);
                set_if(&link, xml_resolve(t, url));
                free(t);
            } else if ((bare || dc) && (strcmp(name, "category") == 0 ||
                                        strcmp(name, "subject") == 0)) {
                char *t = xml_text(c);
                page_list_add(&e.keywords, t);
                free(t);
            } else if ((bare && strcmp(name, "author") == 0) ||
                       (dc && strcmp(name, "creator") == 0)) {
                /* RSS author is "mail@example.org (Name)". */
                char *t = xml_text(c);
                char *open = strchr(t, '(');
                char *close = open ? strrchr(open, ')') : NULL;
                if (open && close && strchr(t, '@') < open) {
                    *close = '\0';
                    char *name2 = xml_squash(open + 1);
                    page_list_add(&e.authors, name2);
                    free(name2);
                } else {
                    page_list_add(&e.authors, t);
                }
                free(t);
            } else if ((bare && strcmp(name, "pubDate") == 0) ||
                       (dc && strcmp(name, "date") == 0)) {
                set_if(&e.when, xml_text(c));
            }
        }
        e.url = link;
        if (!e.id && !e.url) {
            /* RSS 1.0 names the item in rdf:about. */
            xmlChar *about = xmlGetNsProp(
                n, (const xmlChar *)"about",
                (const xmlChar *)"http://www.w3.org/1999/02/22-rdf-syntax-ns#");
            if (about)
                e.id = kg_xstrdup((const char *)about);
            xmlFree(about);
        }
        map_entry(&e, map, out);
        entry_release(&e);
    }
}

/* rel="next" among the Atom links of parent, resolved. */
static char *next_link(const xmlNode *parent, const char *url)
{
    for (const xmlNode *c = xml_child(parent, NS_ATOM, "link"); c;
         c = xml_next(c, NS_ATOM, "link")) {
        char *rel = xml_attr(c, "rel");
        bool next = rel && strcmp(rel, "next") == 0;
        free(rel);
        if (next) {
            char *href = xml_attr(c, "href");
            char *abs = xml_resolve(href, url);
            free(href);
            return abs;
        }
    }
    return NULL;
}

static long long os_number(const xmlNode *parent, const char *name)
{
    const xmlNode *n = xml_child(parent, NS_OS11, name);
    if (!n)
        n = xml_child(parent, NS_OS10, name);
    if (!n)
        return -1;
    char *t = xml_text(n);
    char *end;
    long long v = strtoll(t, &end, 10);
    bool ok = end != t && *end == '\0';
    free(t);
    return ok ? v : -1;
}

static void paging(const xmlNode *parent, const char *url,
                   const struct feed_map *map, size_t entries, struct page *out)
{
    out->next = next_link(parent, url);
    long long total = os_number(parent, "totalResults");
    long long start = os_number(parent, "startIndex");
    long long per = os_number(parent, "itemsPerPage");
    out->total = total;
    if (start >= 0)
        out->cursor = kg_xasprintf("%lld", start);
    if (out->next || !url || total < 0 || start < 0 || per <= 0 ||
        entries == 0 || start + per >= total)
        return;
    char value[32];
    snprintf(value, sizeof value, "%lld", start + per);
    out->next = parse_feed_set_param(
        url, map->page_param ? map->page_param : "start", value);
}

kg_status parse_feed(const char *data, size_t len, const char *url,
                     const struct feed_map *map, struct page *out, char *err,
                     size_t errlen)
{
    struct feed_map m = map ? *map : (struct feed_map){0};
    if (m.kind != KG_PATENT)
        m.kind = KG_ACHIEVEMENT;
    xmlDocPtr doc = NULL;
    kg_status st = xml_parse(data, len, url, NULL, &doc, err, errlen);
    if (st != KG_OK)
        return st;
    xmlNode *root = xmlDocGetRootElement(doc);
    const char *rn = root ? (const char *)root->name : "none";
    if (xml_is(root, NS_ATOM, "feed")) {
        st = atom_entries(root, url, &m, out, err, errlen);
        if (st == KG_OK)
            paging(root, url, &m, out->n + out->skipped, out);
    } else if (xml_is(root, NULL, "rss")) {
        const xmlNode *ch = xml_child(root, NULL, "channel");
        if (!ch) {
            snprintf(err, errlen, "RSS feed without a <channel>");
            st = KG_EINPUT;
        } else {
            rss_items(ch, url, &m, out);
            paging(ch, url, &m, out->n + out->skipped, out);
        }
    } else if (xml_is(root, NULL, "RDF")) {
        rss_items(root, url, &m, out);
        const xmlNode *ch = xml_child(root, NULL, "channel");
        if (ch)
            paging(ch, url, &m, out->n + out->skipped, out);
    } else {
        snprintf(err, errlen, "not an RSS or Atom feed (root element <%s>)",
                 rn);
        st = KG_EINPUT;
    }
    if (st != KG_OK)
        page_release(out);
    xmlFreeDoc(doc);
    return st;
}
