/*
 * xml.c - safe libxml2 parsing for every ingest parser (see xml.h) and the
 * tree-to-text helpers. The parser never substitutes entities (no NOENT:
 * Debian's 2.9.14 then reads file:// entities even under NONET), never
 * loads a DTD, and the external-entity loader refuses everything.
 */
#include "ingest/xml.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/entities.h>
#include <libxml/parser.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>

#define TEXT_CAP ((size_t)16 << 20)

/* Errors seen while parsing one document: the first one (the cause; the
 * rest follow from it), and whether an entity loop or bomb or a nesting
 * limit was met anywhere, with the document position of the last error
 * (entity errors are first raised inside the entity's own text). */
struct parse_errs {
    bool any;
    int code, line, column;
    char msg[256];
    bool too_deep, entity_loop;
    int last_line, last_column;
};

static xmlParserInputPtr refuse_loader(const char *url, const char *id,
                                       xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static void silent_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void silent_structured(void *ctx, xmlErrorPtr e)
{
    (void)ctx;
    (void)e;
}

void xml_setup(void)
{
    static bool done;
    if (done)
        return;
    done = true;
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_loader);
    xmlSetGenericErrorFunc(NULL, silent_generic);
    xmlSetStructuredErrorFunc(NULL, silent_structured);
}

static void collect_error(void *ctx, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_errs *pe = ctxt ? ctxt->_private : NULL;
    if (!pe || !e || e->level < XML_ERR_ERROR)
        return;
    pe->last_line = e->line;
    pe->last_column = e->int2;
    if (e->code == XML_ERR_ENTITY_LOOP)
        pe->entity_loop = true;
    if (e->message && strstr(e->message, "Excessive depth"))
        pe->too_deep = true;
    if (pe->any)
        return;
    pe->any = true;
    pe->code = e->code;
    pe->line = e->line;
    pe->column = e->int2;
    snprintf(pe->msg, sizeof pe->msg, "%s", e->message ? e->message : "");
    size_t n = strlen(pe->msg);
    while (n > 0 && isspace((unsigned char)pe->msg[n - 1]))
        pe->msg[--n] = '\0';
}

static kg_status report(const struct parse_errs *pe, char *err, size_t errlen)
{
    if (pe->too_deep) {
        snprintf(err, errlen,
                 "line %d, column %d: elements nested deeper than %d",
                 pe->last_line, pe->last_column, XML_MAX_DEPTH);
        return KG_ELIMIT;
    }
    if (pe->entity_loop) {
        /* libxml2 places it inside the entity's own text: no use. */
        snprintf(err, errlen, "entity expansion loop or bomb refused");
        return KG_ELIMIT;
    }
    if (!pe->any) {
        snprintf(err, errlen, "not a well-formed document");
        return KG_EINPUT;
    }
    snprintf(err, errlen, "line %d, column %d: %s", pe->line, pe->column,
             pe->msg);
    /* "xmlSAX2Characters: huge text node" and the like: a size limit. */
    return strstr(pe->msg, "huge") ? KG_ELIMIT : KG_EINPUT;
}

static bool over_size(size_t len, const struct xml_limits *lim, char *err,
                      size_t errlen)
{
    size_t max = lim && lim->max_bytes ? lim->max_bytes : XML_DEFAULT_MAX_BYTES;
    if (max > INT_MAX)
        max = INT_MAX;
    if (len <= max)
        return false;
    snprintf(err, errlen, "document of %zu bytes exceeds the %zu-byte limit",
             len, max);
    return true;
}

/* Next node in document order below root (iterative: no recursion on
 * outside input). */
static xmlNode *walk_next(xmlNode *n, const xmlNode *root, bool descend)
{
    if (descend && n->children && n->type != XML_ENTITY_REF_NODE)
        return n->children;
    while (n && n != root) {
        if (n->next)
            return n->next;
        n = n->parent;
    }
    return NULL;
}

/* Total text that references to declared internal entities would add:
 * the quadratic blowup (one big entity referenced many times) parses fast
 * but explodes every reader that expands it. */
static kg_status check_expansion(xmlDocPtr doc, const struct xml_limits *lim,
                                 char *err, size_t errlen)
{
    size_t max = lim && lim->max_expansion ? lim->max_expansion
                                           : XML_DEFAULT_MAX_EXPANSION;
    size_t total = 0;
    xmlNode *root = (xmlNode *)doc;
    for (xmlNode *n = root->children; n; n = walk_next(n, root, true)) {
        if (n->type != XML_ENTITY_REF_NODE)
            continue;
        xmlEntityPtr ent = xmlGetDocEntity(doc, n->name);
        if (!ent || ent->etype != XML_INTERNAL_GENERAL_ENTITY)
            continue;
        total += (size_t)(ent->length > 0 ? ent->length : 0);
        if (total > max) {
            snprintf(err, errlen,
                     "line %d: entity references would expand to more than "
                     "%zu bytes (entity bomb refused)",
                     n->line     ? n->line
                     : n->parent ? n->parent->line
                                 : 0,
                     max);
            return KG_ELIMIT;
        }
    }
    return KG_OK;
}

kg_status xml_parse(const char *data, size_t len, const char *url,
                    const struct xml_limits *lim, xmlDocPtr *out, char *err,
                    size_t errlen)
{
    *out = NULL;
    xml_setup();
    if (over_size(len, lim, err, errlen))
        return KG_ELIMIT;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        snprintf(err, errlen, "cannot create an XML parser");
        return KG_EINTERNAL;
    }
    struct parse_errs pe = {0};
    ctxt->_private = &pe;
    ctxt->sax->serror = collect_error;
    /* NONET (NOCDATA and COMPACT only shape the tree): never NOENT,
     * DTDLOAD, DTDATTR, XINCLUDE or HUGE. */
    xmlDocPtr doc = xmlCtxtReadMemory(
        ctxt, len ? data : "", (int)len, url, NULL,
        XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
    kg_status st = KG_OK;
    if (!doc || !ctxt->wellFormed) {
        st = report(&pe, err, errlen);
        xmlFreeDoc(doc);
        doc = NULL;
    } else {
        st = check_expansion(doc, lim, err, errlen);
        if (st != KG_OK) {
            xmlFreeDoc(doc);
            doc = NULL;
        }
    }
    xmlFreeParserCtxt(ctxt);
    *out = doc;
    return st;
}

/* Depth of the deepest element; libxml2's HTML parser stops nesting at its
 * limit without telling the structured error handler, so the tree is
 * measured instead. */
static int tree_depth(xmlDocPtr doc, int *line)
{
    int depth = 0, max = 0;
    xmlNode *root = (xmlNode *)doc;
    xmlNode *n = root->children;
    while (n) {
        if (n->type == XML_ELEMENT_NODE && depth + 1 > max) {
            max = depth + 1;
            *line = n->line;
        }
        if (n->type == XML_ELEMENT_NODE && n->children) {
            depth++;
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next) {
            n = n->parent;
            depth--;
        }
        n = (n && n != root) ? n->next : NULL;
    }
    return max;
}

kg_status xml_parse_html(const char *data, size_t len, const char *url,
                         const char *encoding, const struct xml_limits *lim,
                         xmlDocPtr *out, char *err, size_t errlen)
{
    *out = NULL;
    xml_setup();
    if (over_size(len, lim, err, errlen))
        return KG_ELIMIT;
    const char *enc = encoding && *encoding ? encoding : "UTF-8";
    xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(enc);
    if (!h) {
        snprintf(err, errlen, "unknown character set '%s'", enc);
        return KG_EINPUT;
    }
    xmlCharEncCloseFunc(h);
    htmlParserCtxtPtr ctxt = htmlNewParserCtxt();
    if (!ctxt) {
        snprintf(err, errlen, "cannot create an HTML parser");
        return KG_EINTERNAL;
    }
    struct parse_errs pe = {0};
    ctxt->_private = &pe;
    ctxt->sax->serror = collect_error;
    /* The charset was decided by the caller (header, then meta): tell the
     * parser to ignore any other hint inside the page. */
    xmlDocPtr doc =
        htmlCtxtReadMemory(ctxt, len ? data : " ", len ? (int)len : 1, url, enc,
                           HTML_PARSE_NONET | HTML_PARSE_RECOVER |
                               HTML_PARSE_IGNORE_ENC | HTML_PARSE_NOIMPLIED);
    kg_status st = KG_OK;
    int line = 0;
    if (pe.too_deep) {
        st = report(&pe, err, errlen);
    } else if (!doc) {
        snprintf(err, errlen, "cannot parse the page as HTML");
        st = KG_EINPUT;
    } else if (tree_depth(doc, &line) >= XML_MAX_DEPTH) {
        snprintf(err, errlen, "line %d: elements nested deeper than %d", line,
                 XML_MAX_DEPTH);
        st = KG_ELIMIT;
    }
    if (st != KG_OK) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    htmlFreeParserCtxt(ctxt);
    *out = doc;
    return st;
}

/* Copies the charset name in s (up to a quote, ';', space or '>') as an
 * iconv name. Returns NULL when s holds no usable name. */
static const char *charset_name(const char *s, size_t n)
{
    char name[40];
    size_t k = 0;
    while (k < n && k + 1 < sizeof name &&
           (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_'))
        k++;
    if (k == 0 || k + 1 >= sizeof name)
        return NULL;
    memcpy(name, s, k);
    name[k] = '\0';
    static const struct {
        const char *alias, *iconv;
    } map[] = {
        {"utf-8", "UTF-8"},         {"utf8", "UTF-8"},
        {"gbk", "GB18030"},         {"gb2312", "GB18030"},
        {"gb_2312-80", "GB18030"},  {"x-gbk", "GB18030"},
        {"gb18030", "GB18030"},     {"cp936", "GB18030"},
        {"big5", "BIG5"},           {"big5-hkscs", "BIG5-HKSCS"},
        {"x-big5", "BIG5"},         {"iso-8859-1", "ISO-8859-1"},
        {"latin1", "ISO-8859-1"},   {"windows-1252", "WINDOWS-1252"},
        {"us-ascii", "UTF-8"},      {"ascii", "UTF-8"},
        {"shift_jis", "SHIFT_JIS"}, {"euc-jp", "EUC-JP"},
        {"euc-kr", "EUC-KR"},       {"utf-16", "UTF-16"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(name, map[i].alias) == 0)
            return map[i].iconv;
    return NULL;
}

/* Finds "charset=" (case-insensitive) in s[0..n) and names it. */
static const char *find_charset(const char *s, size_t n)
{
    static const char key[] = "charset";
    for (size_t i = 0; i + sizeof key - 1 < n; i++) {
        if (strncasecmp(s + i, key, sizeof key - 1) != 0)
            continue;
        size_t j = i + sizeof key - 1;
        while (j < n && isspace((unsigned char)s[j]))
            j++;
        if (j >= n || s[j] != '=')
            continue;
        j++;
        while (j < n &&
               (isspace((unsigned char)s[j]) || s[j] == '"' || s[j] == '\''))
            j++;
        const char *name = charset_name(s + j, n - j);
        if (name)
            return name;
    }
    return NULL;
}

const char *xml_html_charset(const char *data, size_t len,
                             const char *content_type)
{
    if (content_type) {
        const char *cs = find_charset(content_type, strlen(content_type));
        if (cs)
            return cs;
    }
    size_t head = len < 4096 ? len : 4096;
    /* Only inside <meta ...> tags: the word may occur in page text. */
    for (size_t i = 0; i + 5 < head; i++) {
        if (data[i] != '<' || strncasecmp(data + i + 1, "meta", 4) != 0)
            continue;
        const char *end = memchr(data + i, '>', head - i);
        if (!end)
            break;
        const char *cs = find_charset(data + i, (size_t)(end - (data + i)));
        if (cs)
            return cs;
    }
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        return "UTF-8";
    return kg_utf8_valid(data, len) ? "UTF-8" : "GB18030";
}

bool xml_is(const xmlNode *n, const char *ns, const char *name)
{
    if (!n || n->type != XML_ELEMENT_NODE ||
        strcmp((const char *)n->name, name) != 0)
        return false;
    if (!ns)
        return true;
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

xmlNode *xml_child(const xmlNode *parent, const char *ns, const char *name)
{
    if (!parent)
        return NULL;
    for (xmlNode *c = parent->children; c; c = c->next)
        if (xml_is(c, ns, name))
            return c;
    return NULL;
}

xmlNode *xml_next(const xmlNode *n, const char *ns, const char *name)
{
    for (xmlNode *c = n ? n->next : NULL; c; c = c->next)
        if (xml_is(c, ns, name))
            return c;
    return NULL;
}

static void add_codepoint(struct kg_buf *b, unsigned cp)
{
    char u[4];
    kg_buf_add(b, u, kg_utf8_encode(u, cp));
}

/* ISO 8879 names USPTO documents use that HTML 4 lacks. */
static unsigned iso_entity(const char *name)
{
    static const struct {
        const char *name;
        unsigned cp;
    } t[] = {
        {"lsqb", '['},      {"rsqb", ']'},      {"lcub", '{'},
        {"rcub", '}'},      {"lpar", '('},      {"rpar", ')'},
        {"plus", '+'},      {"equals", '='},    {"excl", '!'},
        {"quest", '?'},     {"num", '#'},       {"dollar", '$'},
        {"percnt", '%'},    {"ast", '*'},       {"sol", '/'},
        {"bsol", '\\'},     {"verbar", '|'},    {"lowbar", '_'},
        {"commat", '@'},    {"colon", ':'},     {"semi", ';'},
        {"comma", ','},     {"period", '.'},    {"hyphen", '-'},
        {"apos", '\''},     {"grave", '`'},     {"agr", 0x3B1},
        {"bgr", 0x3B2},     {"ggr", 0x3B3},     {"dgr", 0x3B4},
        {"egr", 0x3B5},     {"zgr", 0x3B6},     {"eegr", 0x3B7},
        {"thgr", 0x3B8},    {"igr", 0x3B9},     {"kgr", 0x3BA},
        {"lgr", 0x3BB},     {"mgr", 0x3BC},     {"ngr", 0x3BD},
        {"xgr", 0x3BE},     {"ogr", 0x3BF},     {"pgr", 0x3C0},
        {"rgr", 0x3C1},     {"sgr", 0x3C3},     {"tgr", 0x3C4},
        {"ugr", 0x3C5},     {"phgr", 0x3C6},    {"khgr", 0x3C7},
        {"psgr", 0x3C8},    {"ohgr", 0x3C9},    {"half", 0xBD},
        {"frac12", 0xBD},   {"frac14", 0xBC},   {"frac34", 0xBE},
        {"micro", 0xB5},    {"ohm", 0x2126},    {"angst", 0xC5},
        {"cir", 0x25CB},    {"square", 0x25A1}, {"bull", 0x2022},
        {"dagger", 0x2020}, {"Dagger", 0x2021}, {"le", 0x2264},
        {"ge", 0x2265},     {"ne", 0x2260},     {"infin", 0x221E},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(t[i].name, name) == 0)
            return t[i].cp;
    return 0;
}

static void add_entity_ref(const xmlNode *n, struct kg_buf *b)
{
    xmlEntityPtr ent = n->doc ? xmlGetDocEntity(n->doc, n->name) : NULL;
    if (ent) {
        /* Declared: only small internal entities without markup or
         * further references; never external ones. */
        if (ent->etype == XML_INTERNAL_GENERAL_ENTITY && ent->content &&
            ent->length <= 4096 && !strpbrk((const char *)ent->content, "&<"))
            kg_buf_adds(b, (const char *)ent->content);
        return;
    }
    const htmlEntityDesc *h = htmlEntityLookup(n->name);
    unsigned cp = h ? h->value : iso_entity((const char *)n->name);
    if (cp)
        add_codepoint(b, cp);
}

void xml_text_append(const xmlNode *n, struct kg_buf *b)
{
    if (!n)
        return;
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
        if (n->content && b->len < TEXT_CAP)
            kg_buf_adds(b, (const char *)n->content);
        return;
    }
    if (n->type == XML_ENTITY_REF_NODE) {
        if (b->len < TEXT_CAP)
            add_entity_ref(n, b);
        return;
    }
    if (n->type != XML_ELEMENT_NODE && n->type != XML_DOCUMENT_NODE &&
        n->type != XML_HTML_DOCUMENT_NODE)
        return;
    const xmlNode *root = n;
    for (const xmlNode *c = n->children; c;
         c = walk_next((xmlNode *)c, root, true)) {
        if (b->len >= TEXT_CAP)
            break;
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (c->content)
                kg_buf_adds(b, (const char *)c->content);
        } else if (c->type == XML_ENTITY_REF_NODE) {
            add_entity_ref(c, b);
        }
    }
}

/* Length of the whitespace at p: ASCII whitespace and the Unicode
 * spaces no-break (U+00A0), en/em/thin... (U+2000-U+200B), narrow no-break
 * (U+202F) and ideographic (U+3000); 0 when p is not a space. */
static inline size_t space_len(const unsigned char *p)
{
    if (*p > ' ' && *p < 0x80)
        return 0;
    if (*p < 0x80)
        return *p == ' ' || (*p >= '\t' && *p <= '\r') ? 1 : 0;
    if (p[0] == 0xC2 && p[1] == 0xA0)
        return 2;
    if (p[0] == 0xE2 && p[1] == 0x80 &&
        ((p[2] >= 0x80 && p[2] <= 0x8B) || p[2] == 0xAF))
        return 3;
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
        return 3;
    return 0;
}

char *xml_resolve(const char *href, const char *base)
{
    if (!href || !*href)
        return NULL;
    if (!base)
        return kg_xstrdup(href);
    xmlChar *u = xmlBuildURI((const xmlChar *)href, (const xmlChar *)base);
    char *out = kg_xstrdup(u ? (const char *)u : href);
    xmlFree(u);
    return out;
}

char *xml_squash(const char *s)
{
    /* The result is never longer than s: written in place of a copy. */
    size_t n = strlen(s);
    char *out = kg_xmalloc(n + 1);
    size_t w = 0;
    bool space = false;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t k = space_len(p);
        if (k) {
            space = w > 0;
            p += k;
            continue;
        }
        if (space)
            out[w++] = ' ';
        space = false;
        out[w++] = (char)*p++;
    }
    out[w] = '\0';
    return out;
}

char *xml_text(const xmlNode *n)
{
    struct kg_buf b;
    kg_buf_init(&b);
    xml_text_append(n, &b);
    char *s = xml_squash(b.data ? b.data : "");
    kg_buf_release(&b);
    return s;
}

char *xml_attr(const xmlNode *n, const char *name)
{
    if (!n || n->type != XML_ELEMENT_NODE)
        return NULL;
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = xml_squash((const char *)v);
    xmlFree(v);
    return s;
}

/* A tag ("<p", "</", "<br", "<!--") somewhere in s. */
static bool has_markup(const char *s)
{
    for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
        unsigned char c = (unsigned char)p[1];
        if ((isalpha(c) || c == '/' || c == '!') && strchr(p, '>'))
            return true;
    }
    return false;
}

/* A character or entity reference ("&amp;", "&#233;") somewhere in s. */
static bool has_entity(const char *s)
{
    for (const char *p = strchr(s, '&'); p; p = strchr(p + 1, '&')) {
        const char *q = p + 1;
        if (*q == '#')
            q++;
        const char *start = q;
        while (isalnum((unsigned char)*q))
            q++;
        if (q > start && *q == ';')
            return true;
    }
    return false;
}

static bool is_block(const xmlNode *n)
{
    static const char *const blocks[] = {
        "p",  "br",    "div",        "li",      "ul",      "ol",  "tr", "td",
        "th", "table", "h1",         "h2",      "h3",      "h4",  "h5", "h6",
        "dd", "dt",    "blockquote", "section", "article", "pre", "hr",
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++)
        if (strcasecmp((const char *)n->name, blocks[i]) == 0)
            return true;
    return false;
}

/* Text of an HTML tree, blocks separated by spaces, scripts left out. */
static void html_text(const xmlNode *root, struct kg_buf *b)
{
    for (xmlNode *c = root->children; c;) {
        bool descend = true;
        if (c->type == XML_ELEMENT_NODE) {
            if (strcasecmp((const char *)c->name, "script") == 0 ||
                strcasecmp((const char *)c->name, "style") == 0)
                descend = false;
            else if (is_block(c))
                kg_buf_addc(b, ' ');
        } else if (c->type == XML_TEXT_NODE ||
                   c->type == XML_CDATA_SECTION_NODE) {
            if (c->content && b->len < TEXT_CAP)
                kg_buf_adds(b, (const char *)c->content);
        }
        c = walk_next(c, root, descend);
    }
}

char *xml_html_text(const xmlNode *n)
{
    if (!n)
        return kg_xstrdup("");
    if (n->type != XML_ELEMENT_NODE)
        return xml_text(n);
    struct kg_buf b;
    kg_buf_init(&b);
    html_text(n, &b);
    char *out = xml_squash(b.data ? b.data : "");
    kg_buf_release(&b);
    return out;
}

static char *html_fragment_text(const char *s)
{
    xmlDocPtr doc = NULL;
    char err[128];
    size_t n = strlen(s);
    if (xml_parse_html(s, n, "text", "UTF-8", NULL, &doc, err, sizeof err) !=
            KG_OK ||
        !doc)
        return xml_squash(s);
    struct kg_buf b;
    kg_buf_init(&b);
    html_text((xmlNode *)doc, &b);
    xmlFreeDoc(doc);
    char *out = xml_squash(b.data ? b.data : "");
    kg_buf_release(&b);
    return out;
}

char *xml_html_to_text(const char *s)
{
    char *cur = kg_xstrdup(s ? s : "");
    /* Twice at most: once for markup, once more for markup that was
     * escaped a second time ("&lt;p&gt;" in the decoded text). */
    for (int round = 0; round < 2; round++) {
        if (!has_markup(cur) && !has_entity(cur))
            break;
        char *next = html_fragment_text(cur);
        free(cur);
        cur = next;
    }
    char *out = xml_squash(cur);
    free(cur);
    return out;
}
