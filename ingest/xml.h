/*
 * xml.h - the one way ingest/ parses outside XML and HTML with libxml2:
 * no network, no entity substitution, no DTD loading, no XInclude, an
 * external-entity loader that refuses everything, limits on size, depth and
 * entity expansion, and the parser's error with its line and column.
 * Also the text helpers every parser uses on the resulting trees.
 */
#ifndef KG_INGEST_XML_H
#define KG_INGEST_XML_H

#include <libxml/tree.h>

#include "core/kg.h"

#define XML_DEFAULT_MAX_BYTES ((size_t)64 << 20)
#define XML_DEFAULT_MAX_EXPANSION ((size_t)1 << 20)
/* libxml2's own nesting limit without XML_PARSE_HUGE. */
#define XML_MAX_DEPTH 256

/* Zero members mean the defaults above. */
struct xml_limits {
    size_t max_bytes;     /* documents larger than this are refused */
    size_t max_expansion; /* total text that declared entities may add */
};

/*
 * Installs the external-entity loader that refuses every URL and silences
 * libxml2's default error printing. Idempotent; xml_parse calls it.
 */
void xml_setup(void);

/*
 * Parses len bytes of XML (url only names it in messages). On success *out
 * is the document, the caller frees it with xmlFreeDoc. On failure returns
 * KG_ELIMIT (size, depth or entity expansion over a limit) or KG_EINPUT
 * (not well-formed), writes "line L, column C: reason" into err and sets
 * *out to NULL. Entities are never substituted nor loaded: references to
 * entities declared only in an absent external DTD stay in the tree as
 * reference nodes (xml_text spells the common ones).
 */
kg_status xml_parse(const char *data, size_t len, const char *url,
                    const struct xml_limits *lim, xmlDocPtr *out, char *err,
                    size_t errlen) KG_MUST_CHECK;

/*
 * Parses an HTML page with libxml2's HTML parser (recovering from the usual
 * tag soup) after converting it from encoding (an iconv name such as
 * "GB18030" or "BIG5"; NULL means UTF-8). Same ownership and errors as
 * xml_parse; only size, depth and an unknown encoding fail.
 */
kg_status xml_parse_html(const char *data, size_t len, const char *url,
                         const char *encoding, const struct xml_limits *lim,
                         xmlDocPtr *out, char *err,
                         size_t errlen) KG_MUST_CHECK;

/*
 * The charset of an HTML page: the charset parameter of content_type (the
 * HTTP header, may be NULL), else a <meta charset> or http-equiv meta in
 * the first 4 KiB, else UTF-8 when the bytes are valid UTF-8, else GB18030.
 * Returns a static iconv name ("UTF-8", "GB18030", "BIG5", ...).
 */
const char *xml_html_charset(const char *data, size_t len,
                             const char *content_type);

/* True when n is an element called name in namespace ns (NULL: any). */
bool xml_is(const xmlNode *n, const char *ns, const char *name);
/* First element child of parent called name in ns (NULL: any), or NULL. */
xmlNode *xml_child(const xmlNode *parent, const char *ns, const char *name);
/* Next element sibling after n called name in ns, or NULL. */
xmlNode *xml_next(const xmlNode *n, const char *ns, const char *name);

/*
 * Appends the text under n to b: text and CDATA, entity references to
 * small internal entities, and the common HTML/ISO entity names for
 * references left undeclared; never external entities. Stops adding once
 * b holds 16 MiB.
 */
void xml_text_append(const xmlNode *n, struct kg_buf *b);

/* The text under n with whitespace runs collapsed to one space and
 * trimmed; "" when none. The caller frees it. n may be NULL. */
char *xml_text(const xmlNode *n);

/* The text under an HTML element as a reader sees it: block elements and
 * <br> separate words, scripts and styles are left out, whitespace is
 * collapsed. The caller frees it ("" when none). */
char *xml_html_text(const xmlNode *n);

/* Attribute name of n (no namespace), whitespace-trimmed; NULL when
 * absent. The caller frees it. */
char *xml_attr(const xmlNode *n, const char *name);

/* href resolved against base (NULL: href as is); NULL when href is NULL
 * or empty. The caller frees it. */
char *xml_resolve(const char *href, const char *base);

/* s with whitespace runs collapsed to one space and trimmed; caller frees. */
char *xml_squash(const char *s);

/*
 * Plain text from text that may carry HTML markup or escaped markup
 * ("&lt;p&gt;...", as some repositories send descriptions): tags dropped,
 * entities decoded, block elements separated by a space, whitespace
 * collapsed. Text without markup is only squashed. The caller frees it.
 */
char *xml_html_to_text(const char *s);

#endif
