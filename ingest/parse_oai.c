/*
 * parse_oai.c - OAI-PMH responses to records. Dublin Core elements (dc:
 * and dcterms:) are collected wherever they sit under <metadata> - oai_dc,
 * qualified DC, or a community format wrapping DC in its own root - and
 * mapped onto an achievement (or a patent).
 */
#include "ingest/parse_oai.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/xml.h"

#define NS_DC "http://purl.org/dc/elements/1.1/"
#define NS_DCTERMS "http://purl.org/dc/terms/"

void oai_error_release(struct oai_error *e)
{
    free(e->code);
    free(e->message);
    e->code = e->message = NULL;
}

/* Dublin Core values of one record, in document order. */
struct dc {
    char *title, *source;
    char *issued, *date, *created;
    struct kg_buf abstract;
    struct kg_strlist subjects, creators, contributors, publishers, identifiers;
};

static void dc_release(struct dc *d)
{
    free(d->title);
    free(d->source);
    free(d->issued);
    free(d->date);
    free(d->created);
    kg_buf_release(&d->abstract);
    strlist_release(&d->subjects);
    strlist_release(&d->creators);
    strlist_release(&d->contributors);
    strlist_release(&d->publishers);
    strlist_release(&d->identifiers);
}

static void set_first(char **slot, char *value)
{
    if (!*slot && *value)
        *slot = value;
    else
        free(value);
}

static const char *const dc_names[] = {
    "title",       "description", "abstract",   "subject",      "creator",
    "contributor", "publisher",   "identifier", "source",       "issued",
    "date",        "created",     "available",  "dateAccepted",
};

/* True when n is a DC element this parser reads (a DC-namespace wrapper
 * such as <dc:dc> is walked into instead). */
static bool dc_known(const xmlNode *n)
{
    for (size_t i = 0; i < sizeof dc_names / sizeof dc_names[0]; i++)
        if (strcmp((const char *)n->name, dc_names[i]) == 0)
            return true;
    return false;
}

static void dc_element(struct dc *d, const xmlNode *n)
{
    const char *name = (const char *)n->name;
    char *text = xml_text(n);
    if (strcmp(name, "title") == 0) {
        set_first(&d->title, xml_html_to_text(text));
    } else if (strcmp(name, "description") == 0 ||
               strcmp(name, "abstract") == 0) {
        char *plain = xml_html_to_text(text);
        if (*plain) {
            if (d->abstract.len)
                kg_buf_adds(&d->abstract, "\n\n");
            kg_buf_adds(&d->abstract, plain);
        }
        free(plain);
    } else if (strcmp(name, "subject") == 0) {
        for (char *save = NULL, *t = strtok_r(text, ";", &save); t;
             t = strtok_r(NULL, ";", &save)) {
            char *s = xml_squash(t);
            page_list_add(&d->subjects, s);
            free(s);
        }
    } else if (strcmp(name, "creator") == 0) {
        page_list_add(&d->creators, text);
    } else if (strcmp(name, "contributor") == 0) {
        page_list_add(&d->contributors, text);
    } else if (strcmp(name, "publisher") == 0) {
        page_list_add(&d->publishers, text);
    } else if (strcmp(name, "identifier") == 0) {
        page_list_add(&d->identifiers, text);
    } else if (strcmp(name, "source") == 0) {
        set_first(&d->source, kg_xstrdup(text));
    } else if (strcmp(name, "issued") == 0) {
        set_first(&d->issued, kg_xstrdup(text));
    } else if (strcmp(name, "date") == 0) {
        set_first(&d->date, kg_xstrdup(text));
    } else if (strcmp(name, "created") == 0 || strcmp(name, "available") == 0 ||
               strcmp(name, "dateAccepted") == 0) {
        set_first(&d->created, kg_xstrdup(text));
    }
    free(text);
}

static bool is_dc(const xmlNode *n)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           (strcmp((const char *)n->ns->href, NS_DC) == 0 ||
            strcmp((const char *)n->ns->href, NS_DCTERMS) == 0);
}

/* Collects DC elements below root, not descending into them. */
static void dc_collect(struct dc *d, const xmlNode *root)
{
    const xmlNode *n = root->children;
    while (n) {
        bool descend = n->type == XML_ELEMENT_NODE;
        if (is_dc(n) && dc_known(n)) {
            dc_element(d, n);
            descend = false;
        }
        if (descend && n->children) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next)
            n = n->parent;
        n = (n && n != root) ? n->next : NULL;
    }
}

static bool has_word(const char *lower, const char *w)
{
    size_t k = strlen(w);
    for (const char *p = strstr(lower, w); p; p = strstr(p + 1, w)) {
        bool left = p == lower || !isalpha((unsigned char)p[-1]);
        bool right = !isalpha((unsigned char)p[k]);
        if (left && right)
            return true;
    }
    return false;
}

bool parse_oai_is_org(const char *name)
{
    static const char *const parts[] = {
        "universit", "college",    "institut",   "academ",  "school",
        "laborator", "hospital",   "foundation", "company", "corporation",
        "library",   "department", "faculty",    "society", "association",
        "ministry",  "agency",     "publish",    "centre",  "center",
        "大学",      "学院",       "研究所",     "研究院",  "实验室",
        "公司",      "医院",       "中心",       "学会",    "协会",
        "出版社",    "图书馆",     "科学院",     "大學",    "學院",
    };
    static const char *const words[] = {"inc", "ltd",   "corp", "llc", "gmbh",
                                        "lab", "press", "co",   "ag",  "sa"};
    char *lower = kg_xstrdup(name);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    bool org = false;
    for (size_t i = 0; !org && i < sizeof parts / sizeof parts[0]; i++)
        org = strstr(lower, parts[i]) != NULL;
    for (size_t i = 0; !org && i < sizeof words / sizeof words[0]; i++)
        org = has_word(lower, words[i]);
    free(lower);
    return org;
}

static const char *first_url(const struct kg_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (strncmp(l->v[i], "http://", 7) == 0 ||
            strncmp(l->v[i], "https://", 8) == 0)
            return l->v[i];
    return NULL;
}

/* The institution DC names: a publisher, else a contributor that looks
 * like an organisation (repositories put advisors in dc:contributor). */
static const char *dc_institution(const struct dc *d)
{
    if (d->publishers.n)
        return d->publishers.v[0];
    for (size_t i = 0; i < d->contributors.n; i++)
        if (parse_oai_is_org(d->contributors.v[i]))
            return d->contributors.v[i];
    return NULL;
}

/* "2011-07-18T16:31:00Z" -> "2011-07-18"; NULL unless it starts so. */
static char *iso_day(const char *s)
{
    if (!s || strlen(s) < 10 || !isdigit((unsigned char)s[0]) || s[4] != '-' ||
        s[7] != '-')
        return NULL;
    return kg_xstrndup(s, 10);
}

/* The people behind a record: dc:creator, else the contributors that do
 * not look like organisations (older DSpace puts authors there). */
static const struct kg_strlist *dc_people(const struct dc *d,
                                          struct kg_strlist *tmp)
{
    if (d->creators.n)
        return &d->creators;
    for (size_t i = 0; i < d->contributors.n; i++)
        if (!parse_oai_is_org(d->contributors.v[i]))
            page_list_add(tmp, d->contributors.v[i]);
    return tmp;
}

static void map_record(const struct dc *d, const struct oai_map *map,
                       struct kg_record *r)
{
    struct kg_strlist tmp = {0};
    const struct kg_strlist *people = dc_people(d, &tmp);
    const char *when = d->issued ? d->issued : d->date ? d->date : d->created;
    const char *inst = map->institution ? map->institution : dc_institution(d);
    if (d->title)
        r->title = kg_xstrdup(d->title);
    if (d->abstract.len)
        r->abstract = kg_xstrdup(d->abstract.data);
    if (r->kind == KG_PATENT) {
        for (size_t i = 0; i < people->n; i++)
            page_list_add(&r->inventors, people->v[i]);
        if (inst)
            page_list_add(&r->applicants, inst);
        r->date = iso_day(when);
        strlist_release(&tmp);
        return;
    }
    for (size_t i = 0; i < d->subjects.n; i++)
        page_list_add(&r->keywords, d->subjects.v[i]);
    for (size_t i = 0; i < people->n; i++)
        page_list_add(&r->experts, people->v[i]);
    r->year = page_year(when);
    const char *url = first_url(&d->identifiers);
    if (url)
        r->url = kg_xstrdup(url);
    if (inst)
        r->institution = kg_xstrdup(inst);
    if (d->source)
        r->source = kg_xstrdup(d->source);
    strlist_release(&tmp);
}

static void parse_record(const xmlNode *rec, const struct oai_map *map,
                         struct page *out)
{
    const xmlNode *header = xml_child(rec, NULL, "header");
    char *id = xml_text(xml_child(header, NULL, "identifier"));
    if (!header || !*id) {
        out->skipped++;
        free(id);
        return;
    }
    struct page_item *it = page_add(out, map->kind);
    it->rec.id = id;
    char *status = xml_attr(header, "status");
    it->deleted = status && strcmp(status, "deleted") == 0;
    free(status);
    if (it->deleted)
        return;
    const xmlNode *meta = xml_child(rec, NULL, "metadata");
    if (!meta)
        return;
    struct dc d;
    memset(&d, 0, sizeof d);
    kg_buf_init(&d.abstract);
    dc_collect(&d, meta);
    map_record(&d, map, &it->rec);
    dc_release(&d);
}

/* Parses the document and checks it is OAI-PMH; fills oerr from its
 * <error>. */
static kg_status open_response(const char *data, size_t len, xmlDocPtr *doc,
                               xmlNode **root, struct oai_error *oerr,
                               char *err, size_t errlen)
{
    oerr->code = oerr->message = NULL;
    kg_status st = xml_parse(data, len, "oai-pmh", NULL, doc, err, errlen);
    if (st != KG_OK)
        return st;
    *root = xmlDocGetRootElement(*doc);
    if (!*root || strcmp((const char *)(*root)->name, "OAI-PMH") != 0) {
        snprintf(err, errlen, "not an OAI-PMH response (root element <%s>)",
                 *root ? (const char *)(*root)->name : "none");
        xmlFreeDoc(*doc);
        *doc = NULL;
        return KG_EINPUT;
    }
    const xmlNode *e = xml_child(*root, NULL, "error");
    if (e) {
        char *code = xml_attr(e, "code");
        oerr->code = code ? code : kg_xstrdup("unknown");
        oerr->message = xml_text(e);
    }
    return KG_OK;
}

kg_status parse_oai_records(const char *data, size_t len,
                            const struct oai_map *map, struct page *out,
                            struct oai_error *oerr, char *err, size_t errlen)
{
    struct oai_map m = map ? *map : (struct oai_map){.kind = KG_ACHIEVEMENT};
    if (m.kind != KG_PATENT)
        m.kind = KG_ACHIEVEMENT;
    xmlDocPtr doc = NULL;
    xmlNode *root = NULL;
    kg_status st = open_response(data, len, &doc, &root, oerr, err, errlen);
    if (st != KG_OK || oerr->code)
        goto done;
    const xmlNode *list = xml_child(root, NULL, "ListRecords");
    if (!list)
        list = xml_child(root, NULL, "GetRecord");
    if (!list) {
        snprintf(err, errlen, "OAI-PMH response without ListRecords");
        st = KG_EINPUT;
        goto done;
    }
    for (const xmlNode *r = xml_child(list, NULL, "record"); r;
         r = xml_next(r, NULL, "record"))
        parse_record(r, &m, out);
    const xmlNode *tok = xml_child(list, NULL, "resumptionToken");
    if (tok) {
        char *t = xml_text(tok);
        if (*t)
            out->next = t;
        else
            free(t);
        out->cursor = xml_attr(tok, "cursor");
        char *size = xml_attr(tok, "completeListSize");
        if (size && *size)
            out->total = strtoll(size, NULL, 10);
        free(size);
    }
done:
    if (st != KG_OK)
        page_release(out);
    xmlFreeDoc(doc);
    return st;
}

kg_status parse_oai_identify(const char *data, size_t len, char **granularity,
                             struct oai_error *oerr, char *err, size_t errlen)
{
    *granularity = NULL;
    xmlDocPtr doc = NULL;
    xmlNode *root = NULL;
    kg_status st = open_response(data, len, &doc, &root, oerr, err, errlen);
    if (st != KG_OK || oerr->code)
        goto done;
    const xmlNode *id = xml_child(root, NULL, "Identify");
    if (!id) {
        snprintf(err, errlen, "OAI-PMH response without Identify");
        st = KG_EINPUT;
        goto done;
    }
    char *g = xml_text(xml_child(id, NULL, "granularity"));
    if (strcmp(g, "YYYY-MM-DDThh:mm:ssZ") == 0) {
        *granularity = g;
    } else {
        free(g);
        *granularity = kg_xstrdup("YYYY-MM-DD");
    }
done:
    xmlFreeDoc(doc);
    return st;
}
