/*
 * record.c - the field table of the six record kinds and the JSON (jansson)
 * and CSV-cell codecs built on it. Every codec walks the same table, so a
 * new field is one line here.
 */
#include "core/record.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[KG_KIND_COUNT] = {
    "institution", "expert", "achievement", "patent", "enterprise", "demand",
};

const char *record_kind_name(kg_kind k)
{
    if ((unsigned)k >= KG_KIND_COUNT)
        return NULL;
    return kind_names[k];
}

kg_status record_kind_parse(const char *name, kg_kind *out)
{
    size_t len = strlen(name);
    for (int k = 0; k < KG_KIND_COUNT; k++) {
        const char *kn = kind_names[k];
        size_t n = strlen(kn);
        /* the name, its plural in -s, or in -ies for a name in -y */
        bool plural_s = len == n + 1 && name[n] == 's';
        bool plural_ies = kn[n - 1] == 'y' && len == n + 2 &&
                          strcmp(name + n - 1, "ies") == 0;
        if (strncmp(name, kn, plural_ies ? n - 1 : n) == 0 &&
            (len == n || plural_s || plural_ies)) {
            *out = (kg_kind)k;
            return KG_OK;
        }
    }
    return KG_EUSAGE;
}

kg_status record_kinds_parse(const char *list, unsigned allowed, unsigned *mask,
                             size_t *at, size_t *len)
{
    unsigned m = *mask;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        char name[32];
        kg_kind k;
        if (n == 3 && strncmp(p, "all", 3) == 0) {
            m |= allowed;
        } else if (n > 0) {
            bool known = n < sizeof name;
            if (known) {
                memcpy(name, p, n);
                name[n] = '\0';
                known = record_kind_parse(name, &k) == KG_OK &&
                        (allowed & KG_KIND_BIT(k));
            }
            if (!known) {
                *at = (size_t)(p - list);
                *len = n;
                return KG_EUSAGE;
            }
            m |= KG_KIND_BIT(k);
        }
        p += n + (p[n] == ',');
    }
    *mask = m;
    return KG_OK;
}

void strlist_add(struct kg_strlist *l, const char *s)
{
    l->v = kg_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = kg_xstrdup(s);
}

void strlist_release(struct kg_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

#define B(k) KG_KIND_BIT(KG_##k)
#define S(nm, member, kinds)                                                   \
    {                                                                          \
        nm, RECORD_STR, kinds, offsetof(struct kg_record, member), 0, 0        \
    }
#define L(nm, member, kinds)                                                   \
    {                                                                          \
        nm, RECORD_LIST, kinds, offsetof(struct kg_record, member), 0, 0       \
    }
#define I(nm, member, kinds, lo, hi)                                           \
    {                                                                          \
        nm, RECORD_INT, kinds, offsetof(struct kg_record, member), lo, hi      \
    }

/* Order here is the order of the canonical JSON and of `show`. */
static const struct record_field fields[] = {
    S("id", id, KG_ALL_KINDS),
    S("name", name, B(INSTITUTION) | B(EXPERT) | B(ENTERPRISE)),
    S("title", title, B(ACHIEVEMENT) | B(PATENT) | B(DEMAND)),
    L("aliases", aliases, B(INSTITUTION) | B(EXPERT) | B(ENTERPRISE)),
    S("kind", org_kind, B(INSTITUTION)),
    S("enterprise", enterprise, B(DEMAND)),
    S("institution", institution, B(EXPERT) | B(ACHIEVEMENT)),
    L("experts", experts, B(ACHIEVEMENT)),
    L("applicants", applicants, B(PATENT)),
    L("inventors", inventors, B(PATENT)),
    S("industry", industry, B(ENTERPRISE)),
    S("abstract", abstract, B(ACHIEVEMENT) | B(PATENT)),
    S("description", description, B(ENTERPRISE) | B(DEMAND)),
    S("bio", bio, B(EXPERT)),
    S("claims", claims, B(PATENT)),
    L("keywords", keywords, B(EXPERT) | B(ACHIEVEMENT) | B(DEMAND)),
    L("fields", fields, B(EXPERT) | B(ACHIEVEMENT) | B(DEMAND)),
    L("ipc", ipc, B(PATENT)),
    I("year", year, B(ACHIEVEMENT), 1000, 9999),
    I("maturity", maturity, B(ACHIEVEMENT), 1, 9),
    S("date", date, B(PATENT)),
    L("cites", cites, B(PATENT)),
    S("budget", budget, B(DEMAND)),
    S("deadline", deadline, B(DEMAND)),
    S("country", country, B(INSTITUTION)),
    S("region", region, B(INSTITUTION) | B(ENTERPRISE)),
    S("orcid", orcid, B(EXPERT)),
    S("email", email, B(INSTITUTION) | B(EXPERT)),
    S("phone", phone, B(INSTITUTION) | B(EXPERT)),
    S("url", url, B(INSTITUTION) | B(EXPERT) | B(ACHIEVEMENT)),
    S("source", source, B(ACHIEVEMENT)),
    {NULL, RECORD_STR, 0, 0, 0, 0},
};
_Static_assert(sizeof fields / sizeof fields[0] <= 65,
               "kg_record.given has one bit a field");

const struct record_field *record_fields(void)
{
    return fields;
}

const struct record_field *record_field_find(kg_kind kind, const char *name)
{
    for (const struct record_field *f = fields; f->name; f++)
        if ((f->kinds & KG_KIND_BIT(kind)) && strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static uint64_t field_bit(const struct record_field *f)
{
    return (uint64_t)1 << (f - fields);
}

static bool field_empty(const struct kg_record *r, const struct record_field *f)
{
    struct kg_record *rw = (struct kg_record *)r;
    switch (f->type) {
    case RECORD_STR:
        return !*record_str(rw, f) || !**record_str(rw, f);
    case RECORD_LIST:
        return record_list(rw, f)->n == 0;
    case RECORD_INT:
        return *record_int(rw, f) == 0;
    }
    return true;
}

bool record_gives(const struct kg_record *r, const struct record_field *f)
{
    if (!(f->kinds & KG_KIND_BIT(r->kind)))
        return false;
    return r->given ? (r->given & field_bit(f)) != 0 : !field_empty(r, f);
}

void record_merge(struct kg_record *dst, const struct kg_record *src)
{
    struct kg_record *sw = (struct kg_record *)src;
    for (const struct record_field *f = fields; f->name; f++) {
        if (!record_gives(src, f))
            continue;
        if (f->type == RECORD_STR) {
            const char *v = *record_str(sw, f);
            free(*record_str(dst, f));
            *record_str(dst, f) = v && *v ? kg_xstrdup(v) : NULL;
        } else if (f->type == RECORD_LIST) {
            struct kg_strlist *l = record_list(dst, f);
            strlist_release(l);
            const struct kg_strlist *from = record_list(sw, f);
            for (size_t i = 0; i < from->n; i++)
                strlist_add(l, from->v[i]);
        } else {
            *record_int(dst, f) = *record_int(sw, f);
        }
    }
    dst->given = 0;
}

char **record_str(struct kg_record *r, const struct record_field *f)
{
    return (char **)((char *)r + f->offset);
}

struct kg_strlist *record_list(struct kg_record *r,
                               const struct record_field *f)
{
    return (struct kg_strlist *)((char *)r + f->offset);
}

int *record_int(struct kg_record *r, const struct record_field *f)
{
    return (int *)((char *)r + f->offset);
}

void record_init(struct kg_record *r, kg_kind kind)
{
    memset(r, 0, sizeof *r);
    r->kind = kind;
}

void record_release(struct kg_record *r)
{
    kg_kind kind = r->kind;
    for (const struct record_field *f = fields; f->name; f++) {
        if (f->type == RECORD_STR)
            free(*record_str(r, f));
        else if (f->type == RECORD_LIST)
            strlist_release(record_list(r, f));
    }
    record_init(r, kind);
}

const char *record_label(const struct kg_record *r)
{
    if (r->name && *r->name)
        return r->name;
    if (r->title && *r->title)
        return r->title;
    return r->id ? r->id : "";
}

/* Text of a JSON scalar that may stand for a string field. */
static char *json_scalar_text(json_t *v)
{
    if (json_is_string(v))
        return kg_xstrndup(json_string_value(v), json_string_length(v));
    if (json_is_integer(v))
        return kg_xasprintf("%lld", (long long)json_integer_value(v));
    if (json_is_real(v)) {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        char *t = kg_xstrdup(s ? s : "");
        free(s);
        return t;
    }
    return NULL;
}

static kg_status set_json_field(struct kg_record *r,
                                const struct record_field *f, json_t *v,
                                char *err, size_t errlen)
{
    if (json_is_null(v))
        return KG_OK;
    switch (f->type) {
    case RECORD_STR: {
        char *s = json_scalar_text(v);
        if (!s) {
            snprintf(err, errlen, "field '%s' must be a string", f->name);
            return KG_EINPUT;
        }
        free(*record_str(r, f));
        *record_str(r, f) = s;
        return KG_OK;
    }
    case RECORD_LIST: {
        if (!json_is_array(v)) {
            snprintf(err, errlen, "field '%s' must be a list of strings",
                     f->name);
            return KG_EINPUT;
        }
        size_t i;
        json_t *e;
        struct kg_strlist *l = record_list(r, f);
        strlist_release(l);
        json_array_foreach (v, i, e) {
            char *s = json_scalar_text(e);
            if (!s) {
                snprintf(err, errlen,
                         "field '%s' must be a list of strings (item %zu)",
                         f->name, i + 1);
                return KG_EINPUT;
            }
            if (*s)
                strlist_add(l, s);
            free(s);
        }
        return KG_OK;
    }
    case RECORD_INT: {
        if (!json_is_integer(v) || json_integer_value(v) < f->min ||
            json_integer_value(v) > f->max) {
            snprintf(err, errlen, "field '%s' must be an integer %d-%d",
                     f->name, f->min, f->max);
            return KG_EINPUT;
        }
        *record_int(r, f) = (int)json_integer_value(v);
        return KG_OK;
    }
    }
    return KG_EINTERNAL;
}

kg_status record_validate(const struct kg_record *r, char *err, size_t errlen)
{
    if (!r->id || !*r->id) {
        snprintf(err, errlen, "missing id");
        return KG_EINPUT;
    }
    if (strlen(r->id) > 512) {
        snprintf(err, errlen, "id longer than 512 bytes");
        return KG_EINPUT;
    }
    return KG_OK;
}

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool record_date_ok(const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n = strlen(s);
    if ((n != 4 && n != 7 && n != 10) || !digits(s, 4))
        return false;
    if (n == 4)
        return true;
    if (s[4] != '-' || !digits(s + 5, 2))
        return false;
    int y = atoi(s), m = (s[5] - '0') * 10 + (s[6] - '0');
    if (m < 1 || m > 12)
        return false;
    if (n == 7)
        return true;
    if (s[7] != '-' || !digits(s + 8, 2))
        return false;
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = m == 2 && !leap ? 28 : mdays[m - 1];
    return d >= 1 && d <= max;
}

kg_status record_check_input(const struct kg_record *r, char *err,
                             size_t errlen)
{
    kg_status st = record_validate(r, err, errlen);
    if (st == KG_OK && r->deadline && *r->deadline &&
        !record_date_ok(r->deadline)) {
        snprintf(err, errlen,
                 "field 'deadline' is '%s': a deadline is a calendar date "
                 "written YYYY-MM-DD, YYYY-MM or YYYY",
                 r->deadline);
        st = KG_EINPUT;
    }
    return st;
}

kg_status record_from_json(struct kg_record *r, const char *json, size_t len,
                           char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    kg_status st = KG_OK;
    if (!root) {
        /* jansson rejects invalid UTF-8 too; say where, in bytes. */
        size_t ok = kg_utf8_valid_prefix(json, len);
        if (ok != len)
            snprintf(err, errlen, "invalid UTF-8 at byte %zu", ok + 1);
        else if (json_error_code(&jerr) == json_error_null_character)
            /* Values are C strings in the store and in every output: a
             * NUL would cut them silently, so the record is refused. */
            snprintf(err, errlen,
                     "a string holds \\u0000 (NUL), which values cannot "
                     "contain (column %d)",
                     jerr.column);
        else
            snprintf(err, errlen, "bad JSON: %s (column %d)", jerr.text,
                     jerr.column);
        return KG_EINPUT;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "bad JSON: not an object");
        st = KG_EINPUT;
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach (root, key, v) {
        const struct record_field *f = record_field_find(r->kind, key);
        if (!f) {
            snprintf(err, errlen, "unknown field '%s' for %s", key,
                     record_kind_name(r->kind));
            st = KG_EINPUT;
            goto done;
        }
        if (f->offset == offsetof(struct kg_record, id) && !json_is_string(v) &&
            !json_is_null(v)) {
            snprintf(err, errlen,
                     "field 'id' must be a string (ids are strings: write "
                     "\"91\", not 91)");
            st = KG_EINPUT;
            goto done;
        }
        st = set_json_field(r, f, v, err, errlen);
        if (st != KG_OK)
            goto done;
        r->given |= field_bit(f);
    }
    st = record_validate(r, err, errlen);
done:
    json_decref(root);
    if (st != KG_OK)
        record_release(r);
    return st;
}

char *record_to_json(const struct kg_record *r)
{
    json_t *o = json_object();
    struct kg_record *rw = (struct kg_record *)r;
    for (const struct record_field *f = fields; f->name; f++) {
        if (!(f->kinds & KG_KIND_BIT(r->kind)))
            continue;
        if (f->type == RECORD_STR) {
            const char *s = *record_str(rw, f);
            if (s && *s)
                json_object_set_new(o, f->name, json_string(s));
        } else if (f->type == RECORD_LIST) {
            const struct kg_strlist *l = record_list(rw, f);
            if (l->n == 0)
                continue;
            json_t *a = json_array();
            for (size_t i = 0; i < l->n; i++)
                json_array_append_new(a, json_string(l->v[i]));
            json_object_set_new(o, f->name, a);
        } else if (*record_int(rw, f)) {
            json_object_set_new(o, f->name, json_integer(*record_int(rw, f)));
        }
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    char *out = kg_xstrdup(s ? s : "{}");
    free(s);
    return out;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return kg_xstrndup(s, n);
}

kg_status record_set_text(struct kg_record *r, const char *name,
                          const char *value, char *err, size_t errlen)
{
    const struct record_field *f = record_field_find(r->kind, name);
    if (!f) {
        snprintf(err, errlen, "unknown field '%s' for %s", name,
                 record_kind_name(r->kind));
        return KG_EINPUT;
    }
    size_t vlen = strlen(value);
    size_t ok = kg_utf8_valid_prefix(value, vlen);
    if (ok != vlen) {
        snprintf(err, errlen, "invalid UTF-8 in field '%s' at byte %zu", name,
                 ok + 1);
        return KG_EINPUT;
    }
    if (!*value)
        return KG_OK; /* an empty cell gives nothing: the stored value stays */
    r->given |= field_bit(f);
    switch (f->type) {
    case RECORD_STR:
        free(*record_str(r, f));
        *record_str(r, f) = kg_xstrdup(value);
        return KG_OK;
    case RECORD_LIST: {
        struct kg_strlist *l = record_list(r, f);
        strlist_release(l);
        const char *p = value;
        for (;;) {
            const char *semi = strchr(p, ';');
            size_t n = semi ? (size_t)(semi - p) : strlen(p);
            char *part = trim_dup(p, n);
            if (*part)
                strlist_add(l, part);
            free(part);
            if (!semi)
                break;
            p = semi + 1;
        }
        return KG_OK;
    }
    case RECORD_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        while (*end == ' ')
            end++;
        if (errno || *end || end == value || v < f->min || v > f->max) {
            snprintf(err, errlen, "field '%s' must be an integer %d-%d", name,
                     f->min, f->max);
            return KG_EINPUT;
        }
        *record_int(r, f) = (int)v;
        return KG_OK;
    }
    }
    return KG_EINTERNAL;
}
