/*
 * parse_html.c - listing and detail pages through XPath rules. The rules
 * come from the operator (a file next to sources.conf); the pages come from
 * outside and go through xml_parse_html's limits and charset handling.
 */
#include "ingest/parse_html.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/xpath.h>

#include "ingest/xml.h"

void html_rules_release(struct html_rules *r)
{
    free(r->item);
    free(r->next);
    free(r->detail);
    free(r->charset);
    for (size_t i = 0; i < r->n_fields; i++) {
        free(r->fields[i].field);
        free(r->fields[i].xpath);
    }
    for (size_t i = 0; i < r->n_detail_fields; i++) {
        free(r->detail_fields[i].field);
        free(r->detail_fields[i].xpath);
    }
    free(r->fields);
    free(r->detail_fields);
    memset(r, 0, sizeof *r);
    r->kind = KG_ACHIEVEMENT;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return kg_xstrndup(s, n);
}

static bool xpath_ok(const char *x)
{
    xml_setup();
    xmlXPathCompExprPtr c = xmlXPathCompile((const xmlChar *)x);
    if (!c)
        return false;
    xmlXPathFreeCompExpr(c);
    return true;
}

static void add_rule(struct html_rule **v, size_t *n, const char *field,
                     const char *xpath)
{
    *v = kg_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].field = kg_xstrdup(field);
    (*v)[*n].xpath = kg_xstrdup(xpath);
    (*n)++;
}

kg_status html_rules_parse(const char *text, const char *name,
                           struct html_rules *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->kind = KG_ACHIEVEMENT;
    int line = 0;
    const char *p = text;
    kg_status st = KG_OK;
    while (*p && st == KG_OK) {
        line++;
        size_t n = strcspn(p, "\n");
        char *l = trim_dup(p, n);
        p += n + (p[n] == '\n');
        if (!*l || *l == '#') {
            free(l);
            continue;
        }
        char *eq = strchr(l, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", name, line);
            st = KG_EINPUT;
            free(l);
            break;
        }
        char *key = trim_dup(l, (size_t)(eq - l));
        char *val = trim_dup(eq + 1, strlen(eq + 1));
        bool is_xpath = true;
        if (strcmp(key, "kind") == 0) {
            is_xpath = false;
            if (record_kind_parse(val, &out->kind) != KG_OK) {
                snprintf(err, errlen, "%s:%d: unknown kind '%s'", name, line,
                         val);
                st = KG_EINPUT;
            }
        } else if (strcmp(key, "charset") == 0) {
            is_xpath = false;
            free(out->charset);
            out->charset = kg_xstrdup(val);
        } else if (strcmp(key, "item") == 0) {
            free(out->item);
            out->item = kg_xstrdup(val);
        } else if (strcmp(key, "next") == 0) {
            free(out->next);
            out->next = kg_xstrdup(val);
        } else if (strcmp(key, "detail") == 0) {
            free(out->detail);
            out->detail = kg_xstrdup(val);
        } else if (strncmp(key, "field.", 6) == 0 && key[6]) {
            add_rule(&out->fields, &out->n_fields, key + 6, val);
        } else if (strncmp(key, "detail.", 7) == 0 && key[7]) {
            add_rule(&out->detail_fields, &out->n_detail_fields, key + 7, val);
        } else {
            snprintf(err, errlen,
                     "%s:%d: unknown key '%s' (kind, charset, item, next, "
                     "detail, field.NAME, detail.NAME)",
                     name, line, key);
            st = KG_EINPUT;
        }
        if (st == KG_OK && is_xpath && (!*val || !xpath_ok(val))) {
            snprintf(err, errlen, "%s:%d: invalid XPath '%s'", name, line, val);
            st = KG_EINPUT;
        }
        free(key);
        free(val);
        free(l);
    }
    if (st == KG_OK && !out->item) {
        snprintf(err, errlen, "%s: no 'item =' XPath", name);
        st = KG_EINPUT;
    }
    for (int pass = 0; st == KG_OK && pass < 2; pass++) {
        const struct html_rule *v = pass ? out->detail_fields : out->fields;
        size_t nv = pass ? out->n_detail_fields : out->n_fields;
        for (size_t i = 0; i < nv; i++) {
            if (!record_field_find(out->kind, v[i].field)) {
                snprintf(err, errlen, "%s: %s has no field '%s'", name,
                         record_kind_name(out->kind), v[i].field);
                st = KG_EINPUT;
                break;
            }
        }
    }
    if (st != KG_OK)
        html_rules_release(out);
    return st;
}

kg_status html_rules_load(const char *path, struct html_rules *out, char *err,
                          size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->kind = KG_ACHIEVEMENT;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return KG_EIO;
    }
    struct kg_buf text;
    kg_buf_init(&text);
    char chunk[8192];
    size_t got;
    while (text.len <= HTML_RULES_MAX_BYTES &&
           (got = fread(chunk, 1, sizeof chunk, f)) > 0)
        kg_buf_add(&text, chunk, got);
    bool bad = ferror(f);
    fclose(f);
    kg_status st;
    if (bad) {
        snprintf(err, errlen, "cannot read %s", path);
        st = KG_EIO;
    } else if (text.len > HTML_RULES_MAX_BYTES) {
        snprintf(err, errlen, "%s is larger than the %zu-byte limit", path,
                 HTML_RULES_MAX_BYTES);
        st = KG_EINPUT;
    } else {
        st = html_rules_parse(text.data ? text.data : "", path, out, err,
                              errlen);
    }
    kg_buf_release(&text);
    return st;
}

/* The text values an XPath yields at node (NULL: the document). */
static void eval_values(xmlXPathContextPtr ctx, xmlNode *node,
                        const char *xpath, struct kg_strlist *out)
{
    ctx->node = node;
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)xpath, ctx);
    if (!o)
        return;
    if (o->type == XPATH_NODESET && o->nodesetval) {
        for (int i = 0; i < o->nodesetval->nodeNr; i++) {
            xmlNode *n = o->nodesetval->nodeTab[i];
            char *t = NULL;
            if (n->type == XML_ATTRIBUTE_NODE) {
                xmlChar *v = xmlNodeGetContent(n);
                t = xml_squash(v ? (const char *)v : "");
                xmlFree(v);
            } else {
                t = xml_html_text(n);
            }
            if (*t)
                strlist_add(out, t);
            free(t);
        }
    } else if (o->type == XPATH_STRING && o->stringval) {
        char *t = xml_squash((const char *)o->stringval);
        if (*t)
            strlist_add(out, t);
        free(t);
    } else if (o->type == XPATH_NUMBER && o->floatval == o->floatval) {
        char num[64];
        snprintf(num, sizeof num, "%.15g", o->floatval);
        strlist_add(out, num);
    }
    xmlXPathFreeObject(o);
}

static char *eval_first(xmlXPathContextPtr ctx, xmlNode *node,
                        const char *xpath)
{
    struct kg_strlist l = {0};
    eval_values(ctx, node, xpath, &l);
    char *out = l.n ? kg_xstrdup(l.v[0]) : NULL;
    strlist_release(&l);
    return out;
}

/* Applies field rules at node to r; string fields replace, lists grow. */
static kg_status apply_fields(xmlXPathContextPtr ctx, xmlNode *node,
                              const struct html_rule *v, size_t n,
                              const char *url, struct kg_record *r, char *err,
                              size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const struct record_field *f = record_field_find(r->kind, v[i].field);
        struct kg_strlist vals = {0};
        eval_values(ctx, node, v[i].xpath, &vals);
        size_t take = f && f->type == RECORD_LIST ? vals.n : (vals.n ? 1 : 0);
        for (size_t k = 0; k < take; k++) {
            char *val = strcmp(v[i].field, "url") == 0
                            ? xml_resolve(vals.v[k], url)
                            : kg_xstrdup(vals.v[k]);
            char why[160];
            kg_status st = page_set_field(r, v[i].field, val, why, sizeof why);
            free(val);
            /* A number that is not there (a year missing from one item)
             * leaves the field unset rather than failing the page. */
            if (st != KG_OK && f && f->type != RECORD_INT) {
                snprintf(err, errlen, "%s", why);
                strlist_release(&vals);
                return st;
            }
        }
        strlist_release(&vals);
    }
    return KG_OK;
}

static kg_status open_page(const char *data, size_t len, const char *url,
                           const char *content_type,
                           const struct html_rules *rules, xmlDocPtr *doc,
                           xmlXPathContextPtr *ctx, char *err, size_t errlen)
{
    const char *cs = NULL;
    if (rules->charset) {
        char *ct = kg_xasprintf("text/html; charset=%s", rules->charset);
        cs = xml_html_charset("", 0, ct);
        free(ct);
        if (strcmp(cs, "UTF-8") == 0 && strcasecmp(rules->charset, "utf-8") &&
            strcasecmp(rules->charset, "utf8"))
            cs = rules->charset; /* an iconv name we do not alias */
    } else {
        cs = xml_html_charset(data, len, content_type);
    }
    kg_status st = xml_parse_html(data, len, url, cs, NULL, doc, err, errlen);
    if (st != KG_OK)
        return st;
    *ctx = xmlXPathNewContext(*doc);
    if (!*ctx) {
        xmlFreeDoc(*doc);
        *doc = NULL;
        snprintf(err, errlen, "cannot evaluate XPath on the page");
        return KG_EINTERNAL;
    }
    return KG_OK;
}

kg_status parse_html_listing(const char *data, size_t len, const char *url,
                             const char *content_type,
                             const struct html_rules *rules,
                             const char *institution, struct page *out,
                             char *err, size_t errlen)
{
    xmlDocPtr doc = NULL;
    xmlXPathContextPtr ctx = NULL;
    kg_status st =
        open_page(data, len, url, content_type, rules, &doc, &ctx, err, errlen);
    if (st != KG_OK)
        return st;
    ctx->node = (xmlNode *)doc;
    xmlXPathObjectPtr items =
        xmlXPathEvalExpression((const xmlChar *)rules->item, ctx);
    int n = items && items->type == XPATH_NODESET && items->nodesetval
                ? items->nodesetval->nodeNr
                : 0;
    for (int i = 0; i < n && st == KG_OK; i++) {
        xmlNode *node = items->nodesetval->nodeTab[i];
        struct page_item *it = page_add(out, rules->kind);
        struct kg_record *r = &it->rec;
        st = apply_fields(ctx, node, rules->fields, rules->n_fields, url, r,
                          err, errlen);
        if (st != KG_OK)
            break;
        if (rules->detail) {
            char *d = eval_first(ctx, node, rules->detail);
            it->detail = xml_resolve(d, url);
            free(d);
            /* mailto:, javascript: and the like are no detail pages. */
            if (it->detail && strncasecmp(it->detail, "http://", 7) != 0 &&
                strncasecmp(it->detail, "https://", 8) != 0 &&
                strncasecmp(it->detail, "file://", 7) != 0) {
                free(it->detail);
                it->detail = NULL;
            }
        }
        if (!r->id && it->detail)
            r->id = kg_xstrdup(it->detail);
        if (!r->id && r->url)
            r->id = kg_xstrdup(r->url);
        if (!r->id) {
            page_drop_last(out);
            out->skipped++;
            continue;
        }
        if (institution && *institution) {
            if (r->kind == KG_PATENT)
                page_list_add(&r->applicants, institution);
            else if (record_field_find(r->kind, "institution") &&
                     !r->institution)
                r->institution = kg_xstrdup(institution);
        }
    }
    if (st == KG_OK && rules->next) {
        char *nx = eval_first(ctx, NULL, rules->next);
        char *abs = xml_resolve(nx, url);
        if (abs && (!url || strcmp(abs, url) != 0))
            out->next = abs;
        else
            free(abs);
        free(nx);
    }
    xmlXPathFreeObject(items);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    if (st != KG_OK)
        page_release(out);
    return st;
}

kg_status parse_html_detail(const char *data, size_t len, const char *url,
                            const char *content_type,
                            const struct html_rules *rules,
                            struct kg_record *rec, char *err, size_t errlen)
{
    xmlDocPtr doc = NULL;
    xmlXPathContextPtr ctx = NULL;
    kg_status st =
        open_page(data, len, url, content_type, rules, &doc, &ctx, err, errlen);
    if (st != KG_OK)
        return st;
    st = apply_fields(ctx, (xmlNode *)doc, rules->detail_fields,
                      rules->n_detail_fields, url, rec, err, errlen);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return st;
}
