/*
 * parse_patent.c - USPTO grant and application XML to patent records, and
 * the bulk-file splitter. Documents are parsed one at a time by xml_parse:
 * entities declared only in the absent DTD stay reference nodes (xml_text
 * spells the common ones) instead of aborting the document.
 */
#include "ingest/parse_patent.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "ingest/page.h"
#include "ingest/xml.h"

/* ---- numbers and classifications ---- */

static char *alnum_upper(const char *s)
{
    struct kg_buf b;
    kg_buf_init(&b);
    for (; s && *s; s++)
        if (isalnum((unsigned char)*s))
            kg_buf_addc(&b, (char)toupper((unsigned char)*s));
    return kg_buf_detach(&b);
}

char *parse_patent_number(const char *country, const char *number,
                          const char *kind)
{
    char *c = alnum_upper(country);
    char *n = alnum_upper(number);
    char *k = alnum_upper(kind);
    size_t letters = 0;
    while (n[letters] && isalpha((unsigned char)n[letters]))
        letters++;
    size_t digits = strlen(n + letters);
    /* Grant numbers are zero-padded to 8; publication numbers (11 digits,
     * year first) are not. */
    if (digits > 0 && digits <= 8) {
        size_t z = letters;
        while (n[z] == '0' && n[z + 1])
            z++;
        memmove(n + letters, n + z, strlen(n + z) + 1);
    }
    char *id = kg_xasprintf("%s%s%s", c, n, k);
    free(c);
    free(n);
    free(k);
    return id;
}

static char *digits_only(const char *s, bool strip_zeros)
{
    struct kg_buf b;
    kg_buf_init(&b);
    for (; s && *s; s++) {
        if (isspace((unsigned char)*s))
            continue;
        if (!isdigit((unsigned char)*s)) {
            kg_buf_release(&b);
            return NULL;
        }
        if (strip_zeros && b.len == 0 && *s == '0' &&
            isdigit((unsigned char)s[1]))
            continue;
        kg_buf_addc(&b, *s);
    }
    if (b.len == 0) {
        kg_buf_release(&b);
        return NULL;
    }
    return kg_buf_detach(&b);
}

static char *ipc_join(char section, const char *cls, char subclass,
                      const char *group, const char *subgroup)
{
    char *g = digits_only(group, true);
    char *s = digits_only(subgroup, false);
    char *out = NULL;
    if (g && s && strlen(cls) == 2 && isdigit((unsigned char)cls[0]) &&
        isdigit((unsigned char)cls[1]))
        out = kg_xasprintf("%c%s%c %s/%s%s", section, cls, subclass, g,
                           strlen(s) < 2 ? "0" : "", s);
    free(g);
    free(s);
    return out;
}

char *parse_patent_ipc(const char *section, const char *cls,
                       const char *subclass, const char *group,
                       const char *subgroup)
{
    if (!section || !cls || !subclass || strlen(section) != 1 ||
        strlen(subclass) != 1)
        return NULL;
    char sec = (char)toupper((unsigned char)section[0]);
    char sub = (char)toupper((unsigned char)subclass[0]);
    if (sec < 'A' || sec > 'H' || !isalpha((unsigned char)sub))
        return NULL;
    return ipc_join(sec, cls, sub, group, subgroup);
}

char *parse_patent_ipc7(const char *text)
{
    char compact[64];
    size_t n = 0;
    for (const char *p = text; p && *p && n + 1 < sizeof compact; p++)
        if (!isspace((unsigned char)*p))
            compact[n++] = *p;
    compact[n] = '\0';
    if (n < 7)
        return NULL;
    char sec = (char)toupper((unsigned char)compact[0]);
    char sub = (char)toupper((unsigned char)compact[3]);
    char cls[3] = {compact[1], compact[2], 0};
    char *slash = strchr(compact + 4, '/');
    if (sec < 'A' || sec > 'H' || !isalpha((unsigned char)sub) || !slash)
        return NULL;
    *slash = '\0';
    return ipc_join(sec, cls, sub, compact + 4, slash + 1);
}

/* ---- one document ---- */

/* First element named name below n (any depth), or NULL. */
static xmlNode *find_desc(const xmlNode *n, const char *name)
{
    if (!n)
        return NULL;
    const xmlNode *c = n->children;
    while (c) {
        if (xml_is(c, NULL, name))
            return (xmlNode *)c;
        if (c->type == XML_ELEMENT_NODE && c->children) {
            c = c->children;
            continue;
        }
        while (c && c != n && !c->next)
            c = c->parent;
        c = (c && c != n) ? c->next : NULL;
    }
    return NULL;
}

static char *child_text(const xmlNode *n, const char *name)
{
    const xmlNode *c = xml_child(n, NULL, name);
    return c ? xml_text(c) : NULL;
}

/* "First Last" of an addressbook (or the node itself), else orgname. */
static char *person_name(const xmlNode *n)
{
    const xmlNode *ab = xml_child(n, NULL, "addressbook");
    if (!ab)
        ab = n;
    char *first = child_text(ab, "first-name");
    char *last = child_text(ab, "last-name");
    char *out = NULL;
    if ((first && *first) || (last && *last))
        out = kg_xasprintf("%s%s%s", first ? first : "",
                           first && *first && last && *last ? " " : "",
                           last ? last : "");
    else
        out = child_text(ab, "name");
    free(first);
    free(last);
    return out;
}

static char *org_name(const xmlNode *n)
{
    const xmlNode *o = find_desc(n, "orgname");
    char *t = o ? xml_text(o) : NULL;
    if (t && !*t) {
        free(t);
        t = NULL;
    }
    return t;
}

static void add_owned(struct kg_strlist *l, char *s)
{
    page_list_add(l, s);
    free(s);
}

static void parties(const xmlNode *biblio, struct kg_record *r)
{
    const xmlNode *p = xml_child(biblio, NULL, "us-parties");
    if (!p)
        p = xml_child(biblio, NULL, "parties");
    const xmlNode *apps = xml_child(p, NULL, "us-applicants");
    if (!apps)
        apps = xml_child(p, NULL, "applicants");
    for (const xmlNode *a = apps ? apps->children : NULL; a; a = a->next) {
        if (!xml_is(a, NULL, "us-applicant") && !xml_is(a, NULL, "applicant"))
            continue;
        char *type = xml_attr(a, "app-type");
        char *org = org_name(a);
        if (org)
            add_owned(&r->applicants, org);
        else if (type && strstr(type, "inventor"))
            add_owned(&r->inventors, person_name(a));
        free(type);
    }
    const xmlNode *invs = xml_child(p, NULL, "inventors");
    for (const xmlNode *i = xml_child(invs, NULL, "inventor"); i;
         i = xml_next(i, NULL, "inventor"))
        add_owned(&r->inventors, person_name(i));
    const xmlNode *asg = xml_child(biblio, NULL, "assignees");
    if (!asg)
        asg = xml_child(p, NULL, "assignees");
    for (const xmlNode *a = xml_child(asg, NULL, "assignee"); a;
         a = xml_next(a, NULL, "assignee")) {
        char *org = org_name(a);
        add_owned(&r->applicants, org ? org : person_name(a));
    }
}

static void classifications(const xmlNode *biblio, struct kg_record *r)
{
    const xmlNode *ipcr = xml_child(biblio, NULL, "classifications-ipcr");
    for (const xmlNode *c = xml_child(ipcr, NULL, "classification-ipcr"); c;
         c = xml_next(c, NULL, "classification-ipcr")) {
        char *sec = child_text(c, "section"), *cls = child_text(c, "class");
        char *sub = child_text(c, "subclass");
        char *grp = child_text(c, "main-group");
        char *sg = child_text(c, "subgroup");
        add_owned(&r->ipc, parse_patent_ipc(sec, cls, sub, grp, sg));
        free(sec);
        free(cls);
        free(sub);
        free(grp);
        free(sg);
    }
    const xmlNode *ipc = xml_child(biblio, NULL, "classification-ipc");
    for (const xmlNode *c = ipc ? ipc->children : NULL; c; c = c->next) {
        if (!xml_is(c, NULL, "main-classification") &&
            !xml_is(c, NULL, "further-classification"))
            continue;
        char *t = xml_text(c);
        add_owned(&r->ipc, parse_patent_ipc7(t));
        free(t);
    }
}

static void citations(const xmlNode *biblio, struct kg_record *r)
{
    const xmlNode *refs = xml_child(biblio, NULL, "us-references-cited");
    if (!refs)
        refs = xml_child(biblio, NULL, "references-cited");
    for (const xmlNode *c = refs ? refs->children : NULL; c; c = c->next) {
        if (!xml_is(c, NULL, "us-citation") && !xml_is(c, NULL, "citation"))
            continue;
        const xmlNode *d =
            xml_child(xml_child(c, NULL, "patcit"), NULL, "document-id");
        if (!d)
            continue;
        char *country = child_text(d, "country");
        char *num = child_text(d, "doc-number");
        char *kind = child_text(d, "kind");
        if (num && *num)
            add_owned(&r->cites, parse_patent_number(country, num, kind));
        free(country);
        free(num);
        free(kind);
    }
}

static char *claims_text(const xmlNode *claims)
{
    struct kg_buf b;
    kg_buf_init(&b);
    for (const xmlNode *c = xml_child(claims, NULL, "claim"); c;
         c = xml_next(c, NULL, "claim")) {
        char *t = xml_text(c);
        if (*t) {
            if (b.len)
                kg_buf_addc(&b, '\n');
            kg_buf_adds(&b, t);
        }
        free(t);
    }
    if (b.len == 0) {
        kg_buf_release(&b);
        return NULL;
    }
    return kg_buf_detach(&b);
}

static char *ymd(const char *d)
{
    if (!d || strlen(d) != 8)
        return NULL;
    for (int i = 0; i < 8; i++)
        if (!isdigit((unsigned char)d[i]))
            return NULL;
    return kg_xasprintf("%.4s-%.2s-%.2s", d, d + 4, d + 6);
}

kg_status parse_patent_doc(const char *data, size_t len, struct kg_record *rec,
                           bool *is_patent, char *root, size_t rootlen,
                           char *err, size_t errlen)
{
    *is_patent = false;
    if (rootlen)
        root[0] = '\0';
    xmlDocPtr doc = NULL;
    kg_status st = xml_parse(data, len, "patent", NULL, &doc, err, errlen);
    if (st != KG_OK) {
        record_release(rec);
        return st;
    }
    xmlNode *top = xmlDocGetRootElement(doc);
    const char *name = top ? (const char *)top->name : "";
    bool grant = strcmp(name, "us-patent-grant") == 0;
    if (!grant && strcmp(name, "us-patent-application") != 0) {
        snprintf(root, rootlen, "%s", name);
        xmlFreeDoc(doc);
        return KG_OK;
    }
    const xmlNode *biblio =
        xml_child(top, NULL,
                  grant ? "us-bibliographic-data-grant"
                        : "us-bibliographic-data-application");
    const xmlNode *id = xml_child(
        xml_child(biblio, NULL, "publication-reference"), NULL, "document-id");
    char *number = child_text(id, "doc-number");
    if (!number || !*number) {
        snprintf(err, errlen, "%s without a publication number", name);
        free(number);
        xmlFreeDoc(doc);
        record_release(rec);
        return KG_EINPUT;
    }
    char *country = child_text(id, "country");
    char *kind = child_text(id, "kind");
    char *date = child_text(id, "date");
    rec->id = parse_patent_number(country ? country : "US", number, kind);
    rec->date = ymd(date);
    free(number);
    free(country);
    free(kind);
    free(date);
    char *title = child_text(biblio, "invention-title");
    if (title && *title)
        rec->title = title;
    else
        free(title);
    const xmlNode *abs = xml_child(top, NULL, "abstract");
    if (abs) {
        char *t = xml_text(abs);
        if (*t)
            rec->abstract = t;
        else
            free(t);
    }
    rec->claims = claims_text(xml_child(top, NULL, "claims"));
    classifications(biblio, rec);
    parties(biblio, rec);
    citations(biblio, rec);
    *is_patent = true;
    xmlFreeDoc(doc);
    return KG_OK;
}

/* ---- the bulk-file splitter ---- */

#define READ_CHUNK ((size_t)1 << 20)

struct patent_split {
    gzFile gz;
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    z_stream z;
    bool zinit, zend;
    char *buf;
    size_t len, cap, start, scanned;
    unsigned long long base; /* stream offset of buf[0] */
    bool eof, skipping;
    size_t max_doc;
};

static struct patent_split *split_new(size_t max_doc)
{
    struct patent_split *sp = kg_xcalloc(1, sizeof *sp);
    sp->max_doc = max_doc ? max_doc : PATENT_DEFAULT_MAX_DOC;
    return sp;
}

struct patent_split *patent_split_open_file(const char *path, size_t max_doc)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return NULL;
    gzbuffer(gz, 1 << 17);
    struct patent_split *sp = split_new(max_doc);
    sp->gz = gz;
    return sp;
}

struct patent_split *patent_split_open_memory(const char *data, size_t len,
                                              size_t max_doc)
{
    struct patent_split *sp = split_new(max_doc);
    sp->mem = (const unsigned char *)data;
    sp->mem_len = len;
    if (len >= 2 && sp->mem[0] == 0x1f && sp->mem[1] == 0x8b) {
        /* 15 + 32: gzip or zlib header, detected. */
        if (inflateInit2(&sp->z, 15 + 32) == Z_OK)
            sp->zinit = true;
    }
    return sp;
}

void patent_split_free(struct patent_split *sp)
{
    if (!sp)
        return;
    if (sp->gz)
        gzclose(sp->gz);
    if (sp->zinit)
        inflateEnd(&sp->z);
    free(sp->buf);
    free(sp);
}

/* Reads up to n bytes at buf+len; returns the count (0 at the end) or -1
 * with err set. */
static long split_read(struct patent_split *sp, size_t n, char *err,
                       size_t errlen)
{
    char *dst = sp->buf + sp->len;
    if (sp->gz) {
        int got = gzread(sp->gz, dst, (unsigned)n);
        if (got < 0) {
            int code;
            snprintf(err, errlen, "cannot read the file: %s",
                     gzerror(sp->gz, &code));
            return -1;
        }
        return got;
    }
    if (!sp->zinit) {
        size_t k = sp->mem_len - sp->mem_pos;
        if (k > n)
            k = n;
        memcpy(dst, sp->mem + sp->mem_pos, k);
        sp->mem_pos += k;
        return (long)k;
    }
    sp->z.next_out = (Bytef *)dst;
    sp->z.avail_out = (uInt)n;
    while (sp->z.avail_out > 0) {
        if (sp->z.avail_in == 0) {
            if (sp->mem_pos >= sp->mem_len) {
                if (!sp->zend && sp->z.avail_out == n) {
                    snprintf(err, errlen, "truncated gzip data");
                    return -1;
                }
                break;
            }
            size_t k = sp->mem_len - sp->mem_pos;
            if (k > (1u << 30))
                k = 1u << 30;
            sp->z.next_in = (Bytef *)(sp->mem + sp->mem_pos);
            sp->z.avail_in = (uInt)k;
            sp->mem_pos += k;
        }
        int rc = inflate(&sp->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            /* Concatenated gzip members go on; trailing bytes end it. */
            if (sp->z.avail_in >= 2 && sp->z.next_in[0] == 0x1f &&
                sp->z.next_in[1] == 0x8b) {
                inflateReset(&sp->z);
                continue;
            }
            sp->zend = true;
            sp->mem_pos = sp->mem_len;
            sp->z.avail_in = 0;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(err, errlen, "corrupt gzip data: %s",
                     sp->z.msg ? sp->z.msg : "inflate failed");
            return -1;
        }
    }
    return (long)(n - sp->z.avail_out);
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            return false;
    return true;
}

/* The error of the document from buf[s] on, larger than the limit. */
static kg_status too_large(const struct patent_split *sp, size_t s, char *err,
                           size_t errlen)
{
    snprintf(err, errlen,
             "document at byte %llu is larger than the %zu-byte limit; "
             "skipped",
             sp->base + s, sp->max_doc);
    return KG_ELIMIT;
}

/* Hands out the document buf[s, end), or says it is too large. */
static kg_status hand_out(const struct patent_split *sp, size_t s, size_t end,
                          const char **doc, size_t *len,
                          unsigned long long *offset, char *err, size_t errlen)
{
    if (end - s > sp->max_doc)
        return too_large(sp, s, err, errlen);
    *doc = sp->buf + s;
    *len = end - s;
    *offset = sp->base + s;
    return KG_OK;
}

kg_status patent_split_next(struct patent_split *sp, const char **doc,
                            size_t *len, unsigned long long *offset, char *err,
                            size_t errlen)
{
    static const char mark[] = "\n<?xml";
    const size_t mlen = sizeof mark - 1;
    *doc = NULL;
    *len = 0;
    for (;;) {
        size_t from = sp->scanned > sp->start + 1 ? sp->scanned : sp->start + 1;
        const char *hit =
            from < sp->len ? memmem(sp->buf + from, sp->len - from, mark, mlen)
                           : NULL;
        if (hit) {
            size_t end = (size_t)(hit - sp->buf) + 1;
            size_t s = sp->start;
            bool was_skipping = sp->skipping;
            sp->start = sp->scanned = end;
            sp->skipping = false;
            if (was_skipping || blank(sp->buf + s, end - s))
                continue;
            return hand_out(sp, s, end, doc, len, offset, err, errlen);
        }
        sp->scanned = sp->len > mlen ? sp->len - mlen : 0;
        if (sp->len - sp->start > sp->max_doc && !sp->skipping) {
            sp->skipping = true;
            return too_large(sp, sp->start, err, errlen);
        }
        /* Skipping: drop all but what may begin a mark. */
        if (sp->skipping && sp->len - sp->start > mlen + 1)
            sp->start = sp->len - mlen - 1;
        if (sp->eof) {
            size_t s = sp->start;
            sp->start = sp->scanned = sp->len;
            if (sp->skipping || blank(sp->buf + s, sp->len - s))
                return KG_OK;
            return hand_out(sp, s, sp->len, doc, len, offset, err, errlen);
        }
        /* Keep the current document, read more after it. */
        if (sp->start > 0) {
            memmove(sp->buf, sp->buf + sp->start, sp->len - sp->start);
            sp->base += sp->start;
            sp->len -= sp->start;
            sp->scanned = sp->scanned > sp->start ? sp->scanned - sp->start : 0;
            sp->start = 0;
        }
        if (sp->cap - sp->len < READ_CHUNK) {
            sp->cap = sp->len + READ_CHUNK + 1;
            sp->buf = kg_xrealloc(sp->buf, sp->cap);
        }
        long got = split_read(sp, READ_CHUNK, err, errlen);
        if (got < 0) {
            sp->eof = true;
            sp->start = sp->scanned = sp->len;
            return KG_EIO;
        }
        if (got == 0)
            sp->eof = true;
        sp->len += (size_t)got;
    }
}
