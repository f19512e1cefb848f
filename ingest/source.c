/*
 * source.c - source definitions and harvest state as JSON (jansson) in the
 * store's key/value table, and the sources.conf reader.
 */
#include "ingest/source.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "ingest/parse_html.h"

#define DEF_PREFIX "source/"
#define STATE_PREFIX "harvest/"

static const char *const type_names[] = {
    [SOURCE_OAI] = "oai-pmh", [SOURCE_RSS] = "rss",
    [SOURCE_ATOM] = "atom",   [SOURCE_USPTO] = "uspto-xml",
    [SOURCE_HTML] = "html",   [SOURCE_JSONL] = "jsonl",
    [SOURCE_CSV] = "csv",
};

const char *source_type_name(enum source_type t)
{
    if (t < SOURCE_OAI || t > SOURCE_CSV)
        return NULL;
    return type_names[t];
}

kg_status source_type_parse(const char *name, enum source_type *out)
{
    for (int t = SOURCE_OAI; t <= SOURCE_CSV; t++)
        if (strcasecmp(name, type_names[t]) == 0) {
            *out = (enum source_type)t;
            return KG_OK;
        }
    if (strcasecmp(name, "oai") == 0 || strcasecmp(name, "uspto") == 0) {
        *out = name[0] == 'o' || name[0] == 'O' ? SOURCE_OAI : SOURCE_USPTO;
        return KG_OK;
    }
    return KG_EUSAGE;
}

void source_init(struct source *s)
{
    memset(s, 0, sizeof *s);
    s->kind = KG_ACHIEVEMENT;
}

void source_release(struct source *s)
{
    free(s->name);
    free(s->url);
    free(s->set);
    free(s->prefix);
    free(s->rules);
    free(s->institution);
    free(s->page_param);
    source_init(s);
}

bool source_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
            return false;
    return true;
}

/* True when url starts with a URL scheme ("javascript:", "ftp:") other
 * than file://, which names a local file. */
static bool has_scheme(const char *url)
{
    if (strncasecmp(url, "file://", 7) == 0)
        return false;
    const char *p = url;
    if (!isalpha((unsigned char)*p))
        return false;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return *p == ':';
}

/* A local file is named by file://, an absolute or ./ path, or a file name
 * with an extension: a bare word like "not-a-url" is a mistake. */
static bool looks_like_path(const char *url)
{
    const char *base = strrchr(url, '/');
    return strncasecmp(url, "file://", 7) == 0 || url[0] == '/' ||
           strncmp(url, "./", 2) == 0 || strncmp(url, "../", 3) == 0 ||
           strchr(base ? base : url, '.') != NULL;
}

kg_status source_check(const struct source *s, char *err, size_t errlen)
{
    if (!s->name || !source_name_ok(s->name)) {
        snprintf(err, errlen,
                 "bad source name '%s' (letters, digits, '.', '_', '-')",
                 s->name ? s->name : "");
        return KG_EUSAGE;
    }
    if (!source_type_name(s->type)) {
        snprintf(err, errlen, "source '%s' has no type", s->name);
        return KG_EUSAGE;
    }
    if (!s->url || !*s->url) {
        snprintf(err, errlen, "source '%s' has no URL", s->name);
        return KG_EUSAGE;
    }
    bool web = strncasecmp(s->url, "http://", 7) == 0 ||
               strncasecmp(s->url, "https://", 8) == 0;
    char why[384];
    if (web && fetch_url_check(s->url, why, sizeof why) != KG_OK) {
        snprintf(err, errlen, "source '%s': %s", s->name, why);
        return KG_EUSAGE;
    }
    if (!web && (has_scheme(s->url) || !fetch_is_local(s->url))) {
        snprintf(err, errlen,
                 "source '%s': URL '%s' is not http, https or a file", s->name,
                 s->url);
        return KG_EUSAGE;
    }
    if (s->type == SOURCE_OAI && !web) {
        snprintf(err, errlen, "source '%s': oai-pmh needs an http(s) URL",
                 s->name);
        return KG_EUSAGE;
    }
    if (!web && !looks_like_path(s->url)) {
        snprintf(err, errlen,
                 "source '%s': '%s' is neither an http(s) URL nor a file path "
                 "(write ./%s for a file here)",
                 s->name, s->url, s->url);
        return KG_EUSAGE;
    }
    if (s->type == SOURCE_USPTO && s->kind != KG_PATENT) {
        snprintf(err, errlen, "source '%s': uspto-xml makes patents", s->name);
        return KG_EUSAGE;
    }
    if ((s->type == SOURCE_OAI || s->type == SOURCE_RSS ||
         s->type == SOURCE_ATOM) &&
        s->kind != KG_ACHIEVEMENT && s->kind != KG_PATENT) {
        snprintf(err, errlen, "source '%s': %s makes achievements or patents",
                 s->name, source_type_name(s->type));
        return KG_EUSAGE;
    }
    if (s->type == SOURCE_HTML) {
        if (!s->rules) {
            snprintf(err, errlen, "source '%s': html needs --rules FILE",
                     s->name);
            return KG_EUSAGE;
        }
        struct html_rules r;
        kg_status st = html_rules_load(s->rules, &r, err, errlen);
        if (st != KG_OK)
            return st == KG_EIO ? KG_EUSAGE : st;
        html_rules_release(&r);
    }
    return KG_OK;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, json_string(v));
}

static void set_num(json_t *o, const char *k, double v)
{
    if (v != 0)
        json_object_set_new(o, k, json_real(v));
}

static void set_int(json_t *o, const char *k, long long v)
{
    if (v != 0)
        json_object_set_new(o, k, json_integer(v));
}

char *source_to_json(const struct source *s)
{
    json_t *o = json_object();
    set_str(o, "name", s->name);
    set_str(o, "type", source_type_name(s->type));
    set_str(o, "url", s->url);
    set_str(o, "kind", record_kind_name(s->kind));
    set_str(o, "set", s->set);
    set_str(o, "prefix", s->prefix);
    set_str(o, "rules", s->rules);
    set_str(o, "institution", s->institution);
    set_str(o, "page_param", s->page_param);
    set_int(o, "max_pages", s->max_pages);
    set_num(o, "timeout", s->fetch.timeout);
    set_num(o, "connect_timeout", s->fetch.connect_timeout);
    /* Negative (none) is written as the 0 a user gives for none. */
    if (s->fetch.retries)
        json_object_set_new(
            o, "retries",
            json_integer(s->fetch.retries > 0 ? s->fetch.retries : 0));
    if (s->fetch.host_delay != 0)
        json_object_set_new(
            o, "delay",
            json_real(s->fetch.host_delay > 0 ? s->fetch.host_delay : 0));
    set_int(o, "max_bytes", (long long)s->fetch.max_bytes);
    set_num(o, "budget", s->fetch.budget);
    if (s->fetch.allow_private)
        json_object_set_new(o, "allow_private", json_true());
    char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    char *out = kg_xstrdup(j ? j : "{}");
    free(j);
    return out;
}

static char *get_str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? kg_xstrdup(json_string_value(v)) : NULL;
}

static double get_num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : 0;
}

kg_status source_from_json(const char *json, struct source *out, char *err,
                           size_t errlen)
{
    json_error_t je;
    json_t *o = json_loads(json, 0, &je);
    if (!json_is_object(o)) {
        snprintf(err, errlen, "bad source definition: %s", je.text);
        json_decref(o);
        return KG_EINPUT;
    }
    out->name = get_str(o, "name");
    char *type = get_str(o, "type");
    char *kind = get_str(o, "kind");
    kg_status st = KG_OK;
    if (!type || source_type_parse(type, &out->type) != KG_OK ||
        (kind && record_kind_parse(kind, &out->kind) != KG_OK)) {
        snprintf(err, errlen, "bad source definition (type or kind)");
        st = KG_EINPUT;
    }
    free(type);
    free(kind);
    out->url = get_str(o, "url");
    out->set = get_str(o, "set");
    out->prefix = get_str(o, "prefix");
    out->rules = get_str(o, "rules");
    out->institution = get_str(o, "institution");
    out->page_param = get_str(o, "page_param");
    out->max_pages = (int)get_num(o, "max_pages");
    out->fetch.timeout = get_num(o, "timeout");
    out->fetch.connect_timeout = get_num(o, "connect_timeout");
    if (json_object_get(o, "retries")) {
        int r = (int)get_num(o, "retries");
        out->fetch.retries = r > 0 ? r : -1;
    }
    if (json_object_get(o, "delay")) {
        double d = get_num(o, "delay");
        out->fetch.host_delay = d > 0 ? d : -1;
    }
    out->fetch.max_bytes = (size_t)get_num(o, "max_bytes");
    out->fetch.budget = get_num(o, "budget");
    out->fetch.allow_private =
        json_is_true(json_object_get(o, "allow_private"));
    json_decref(o);
    if (st != KG_OK)
        source_release(out);
    return st;
}

kg_status source_save(struct store *st, const struct source *s)
{
    char *key = kg_xasprintf(DEF_PREFIX "%s", s->name);
    char *json = source_to_json(s);
    kg_status rc = store_meta_set(st, key, json);
    free(key);
    free(json);
    return rc;
}

kg_status source_load(struct store *st, const char *name, struct source *out)
{
    char *key = kg_xasprintf(DEF_PREFIX "%s", name);
    char *json = NULL;
    kg_status rc = store_meta_get(st, key, &json);
    free(key);
    if (rc != KG_OK)
        return rc;
    char err[256];
    source_init(out);
    rc = source_from_json(json, out, err, sizeof err);
    free(json);
    return rc;
}

kg_status source_remove(struct store *st, const char *name)
{
    char *key = kg_xasprintf(DEF_PREFIX "%s", name);
    char *val = NULL;
    kg_status rc = store_meta_get(st, key, &val);
    free(val);
    if (rc == KG_OK)
        rc = store_meta_delete(st, key);
    free(key);
    if (rc != KG_OK)
        return rc;
    key = kg_xasprintf(STATE_PREFIX "%s", name);
    rc = store_meta_delete(st, key);
    free(key);
    return rc == KG_ENOTFOUND ? KG_OK : rc;
}

struct list_ctx {
    struct source *v;
    size_t n;
    struct kg_strlist *warnings;
};

static bool list_one(const char *key, const char *value, void *ctx)
{
    struct list_ctx *l = ctx;
    struct source s;
    char err[256];
    source_init(&s);
    if (source_from_json(value, &s, err, sizeof err) != KG_OK) {
        /* Say so rather than let a source vanish from list and ingest. */
        if (l->warnings) {
            char *w = kg_xasprintf("stored source '%s' is damaged (%s): "
                                   "skipped; add it again",
                                   key + strlen(DEF_PREFIX), err);
            strlist_add(l->warnings, w);
            free(w);
        }
        return true;
    }
    l->v = kg_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = s;
    return true;
}

kg_status source_list(struct store *st, struct source **out, size_t *n,
                      struct kg_strlist *warnings)
{
    struct list_ctx l = {NULL, 0, warnings};
    kg_status rc = store_meta_foreach(st, DEF_PREFIX, list_one, &l);
    if (rc != KG_OK) {
        source_list_free(l.v, l.n);
        *out = NULL;
        *n = 0;
        return rc;
    }
    *out = l.v;
    *n = l.n;
    return KG_OK;
}

void source_list_free(struct source *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        source_release(&v[i]);
    free(v);
}

void source_state_init(struct source_state *s)
{
    memset(s, 0, sizeof *s);
}

void source_state_release(struct source_state *s)
{
    free(s->last_run);
    free(s->status);
    free(s->error);
    free(s->last_success);
    free(s->resume);
    free(s->cursor);
    free(s->window_start);
    free(s->window_from);
    free(s->granularity);
    free(s->etag);
    free(s->last_modified);
    free(s->warning);
    source_state_init(s);
}

static char *dup_or_null(const char *s)
{
    return s ? kg_xstrdup(s) : NULL;
}

void source_state_copy(struct source_state *dst, const struct source_state *src)
{
    *dst = *src;
    dst->last_run = dup_or_null(src->last_run);
    dst->status = dup_or_null(src->status);
    dst->error = dup_or_null(src->error);
    dst->last_success = dup_or_null(src->last_success);
    dst->resume = dup_or_null(src->resume);
    dst->cursor = dup_or_null(src->cursor);
    dst->window_start = dup_or_null(src->window_start);
    dst->window_from = dup_or_null(src->window_from);
    dst->granularity = dup_or_null(src->granularity);
    dst->etag = dup_or_null(src->etag);
    dst->last_modified = dup_or_null(src->last_modified);
    dst->warning = dup_or_null(src->warning);
}

char *source_state_to_json(const struct source_state *s)
{
    json_t *o = json_object();
    set_str(o, "last_run", s->last_run);
    set_str(o, "status", s->status);
    set_str(o, "error", s->error);
    set_str(o, "last_success", s->last_success);
    json_object_set_new(o, "pages", json_integer(s->pages));
    json_object_set_new(o, "added", json_integer(s->added));
    json_object_set_new(o, "updated", json_integer(s->updated));
    json_object_set_new(o, "unchanged", json_integer(s->unchanged));
    json_object_set_new(o, "deleted", json_integer(s->deleted));
    json_object_set_new(o, "skipped", json_integer(s->skipped));
    json_object_set_new(o, "bad", json_integer(s->bad));
    set_str(o, "resume", s->resume);
    set_str(o, "cursor", s->cursor);
    set_int(o, "resume_page", s->resume_page);
    set_int(o, "resume_docs", s->resume_docs);
    set_str(o, "window_start", s->window_start);
    set_str(o, "window_from", s->window_from);
    set_str(o, "granularity", s->granularity);
    set_str(o, "etag", s->etag);
    set_str(o, "last_modified", s->last_modified);
    char *j = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    char *out = kg_xstrdup(j ? j : "{}");
    free(j);
    return out;
}

kg_status source_state_load(struct store *st, const char *name,
                            struct source_state *out)
{
    source_state_init(out);
    char *key = kg_xasprintf(STATE_PREFIX "%s", name);
    char *json = NULL;
    kg_status rc = store_meta_get(st, key, &json);
    free(key);
    if (rc == KG_ENOTFOUND)
        return KG_OK;
    if (rc != KG_OK)
        return rc;
    json_t *o = json_loads(json, 0, NULL);
    free(json);
    if (!json_is_object(o)) {
        json_decref(o);
        out->warning = kg_xasprintf("harvest state of source '%s' is damaged: "
                                    "harvesting it from the start",
                                    name);
        return KG_OK;
    }
    out->last_run = get_str(o, "last_run");
    out->status = get_str(o, "status");
    out->error = get_str(o, "error");
    out->last_success = get_str(o, "last_success");
    out->pages = (long long)get_num(o, "pages");
    out->added = (long long)get_num(o, "added");
    out->updated = (long long)get_num(o, "updated");
    out->unchanged = (long long)get_num(o, "unchanged");
    out->deleted = (long long)get_num(o, "deleted");
    out->skipped = (long long)get_num(o, "skipped");
    out->bad = (long long)get_num(o, "bad");
    out->resume = get_str(o, "resume");
    out->cursor = get_str(o, "cursor");
    out->resume_page = (long long)get_num(o, "resume_page");
    out->resume_docs = (long long)get_num(o, "resume_docs");
    out->window_start = get_str(o, "window_start");
    out->window_from = get_str(o, "window_from");
    out->granularity = get_str(o, "granularity");
    out->etag = get_str(o, "etag");
    out->last_modified = get_str(o, "last_modified");
    json_decref(o);
    return KG_OK;
}

kg_status source_state_save(struct store *st, const char *name,
                            const struct source_state *s)
{
    char *key = kg_xasprintf(STATE_PREFIX "%s", name);
    char *json = source_state_to_json(s);
    kg_status rc = store_meta_set(st, key, json);
    free(key);
    free(json);
    return rc;
}

static bool parse_seconds(const char *v, double *out)
{
    return kg_parse_real(v, 0, 86400, out);
}

static bool parse_count(const char *v, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (end == v || *end || errno || n < 0 || n > max)
        return false;
    *out = n;
    return true;
}

/* Joins a relative path to base_dir and makes it absolute. */
static char *abs_path(const char *path, const char *base_dir)
{
    char *joined = path[0] == '/' || !base_dir
                       ? kg_xstrdup(path)
                       : kg_xasprintf("%s/%s", base_dir, path);
    char buf[PATH_MAX];
    if (realpath(joined, buf)) {
        free(joined);
        return kg_xstrdup(buf);
    }
    if (joined[0] != '/' && getcwd(buf, sizeof buf)) {
        char *a = kg_xasprintf("%s/%s", buf, joined);
        free(joined);
        return a;
    }
    return joined;
}

kg_status source_set(struct source *s, const char *key, const char *value,
                     const char *base_dir, char *err, size_t errlen)
{
    char k[32];
    size_t n = 0;
    for (; key[n] && n + 1 < sizeof k; n++)
        k[n] = key[n] == '-' ? '_' : key[n];
    k[n] = '\0';
    double d = 0;
    long long ll = 0;
    char **str = NULL;
    if (strcmp(k, "type") == 0) {
        if (source_type_parse(value, &s->type) != KG_OK) {
            snprintf(err, errlen,
                     "unknown type '%s' (oai-pmh, rss, atom, uspto-xml, "
                     "html, jsonl, csv)",
                     value);
            return KG_EUSAGE;
        }
        if (s->type == SOURCE_USPTO)
            s->kind = KG_PATENT;
        return KG_OK;
    }
    if (strcmp(k, "kind") == 0) {
        if (record_kind_parse(value, &s->kind) != KG_OK) {
            snprintf(err, errlen, "unknown kind '%s'", value);
            return KG_EUSAGE;
        }
        return KG_OK;
    }
    if (strcmp(k, "rules") == 0) {
        free(s->rules);
        s->rules = abs_path(value, base_dir);
        return KG_OK;
    }
    if (strcmp(k, "url") == 0)
        str = &s->url;
    else if (strcmp(k, "set") == 0)
        str = &s->set;
    else if (strcmp(k, "prefix") == 0)
        str = &s->prefix;
    else if (strcmp(k, "institution") == 0)
        str = &s->institution;
    else if (strcmp(k, "page_param") == 0)
        str = &s->page_param;
    if (str) {
        free(*str);
        *str = *value ? kg_xstrdup(value) : NULL;
        return KG_OK;
    }
    bool ok = true;
    if (strcmp(k, "timeout") == 0) {
        ok = parse_seconds(value, &d) && d > 0;
        s->fetch.timeout = d;
    } else if (strcmp(k, "connect_timeout") == 0) {
        ok = parse_seconds(value, &d) && d > 0;
        s->fetch.connect_timeout = d;
    } else if (strcmp(k, "delay") == 0) {
        /* 0 means no delay: stored as negative (zero is "default"). */
        ok = parse_seconds(value, &d);
        s->fetch.host_delay = d > 0 ? d : -1;
    } else if (strcmp(k, "retries") == 0) {
        ok = parse_count(value, 20, &ll);
        s->fetch.retries = ll > 0 ? (int)ll : -1;
    } else if (strcmp(k, "max_bytes") == 0) {
        ok = parse_count(value, (long long)1 << 40, &ll) && ll > 0;
        s->fetch.max_bytes = (size_t)ll;
    } else if (strcmp(k, "allow_private") == 0) {
        ok = strcmp(value, "yes") == 0 || strcmp(value, "no") == 0;
        s->fetch.allow_private = strcmp(value, "yes") == 0;
    } else if (strcmp(k, "budget") == 0) {
        ok = parse_seconds(value, &d) && d > 0;
        s->fetch.budget = d;
    } else if (strcmp(k, "max_pages") == 0) {
        ok = parse_count(value, INT_MAX, &ll);
        s->max_pages = (int)ll;
    } else {
        snprintf(err, errlen, "unknown option '%s'", key);
        return KG_EUSAGE;
    }
    if (!ok) {
        snprintf(err, errlen, "bad value '%s' for %s", value, key);
        return KG_EUSAGE;
    }
    return KG_OK;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

kg_status source_conf_load(const char *path, struct source **out, size_t *n,
                           char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return KG_EIO;
    }
    char *dir = kg_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    struct source *v = NULL;
    size_t nv = 0;
    int *starts = NULL;
    kg_status st = KG_OK;
    char line[4096];
    int lineno = 0;
    char why[256];
    while (st == KG_OK && fgets(line, sizeof line, f)) {
        lineno++;
        char *l = trim(line);
        if (!*l || *l == '#' || *l == ';')
            continue;
        if (*l == '[') {
            char *close = strchr(l, ']');
            if (!close) {
                snprintf(err, errlen, "%s:%d: expected [NAME]", path, lineno);
                st = KG_EUSAGE;
                break;
            }
            *close = '\0';
            char *name = trim(l + 1);
            for (size_t i = 0; i < nv; i++)
                if (strcmp(v[i].name, name) == 0) {
                    snprintf(err, errlen, "%s:%d: source '%s' defined twice",
                             path, lineno, name);
                    st = KG_EUSAGE;
                }
            if (st != KG_OK)
                break;
            v = kg_xrealloc(v, (nv + 1) * sizeof *v);
            starts = kg_xrealloc(starts, (nv + 1) * sizeof *starts);
            source_init(&v[nv]);
            v[nv].name = kg_xstrdup(name);
            starts[nv] = lineno;
            nv++;
            continue;
        }
        char *eq = strchr(l, '=');
        if (!eq || nv == 0) {
            snprintf(err, errlen, "%s:%d: expected %s", path, lineno,
                     nv ? "'key = value'" : "a [NAME] section first");
            st = KG_EUSAGE;
            break;
        }
        *eq = '\0';
        char *key = trim(l), *val = trim(eq + 1);
        st = source_set(&v[nv - 1], key, val, dir, why, sizeof why);
        if (st != KG_OK)
            snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
    }
    fclose(f);
    for (size_t i = 0; st == KG_OK && i < nv; i++) {
        st = source_check(&v[i], why, sizeof why);
        if (st != KG_OK)
            snprintf(err, errlen, "%s:%d: %s", path, starts[i], why);
    }
    free(starts);
    free(dir);
    if (st != KG_OK) {
        source_list_free(v, nv);
        return st;
    }
    *out = v;
    *n = nv;
    return KG_OK;
}
