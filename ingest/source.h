/*
 * source.h - partner sources: each one's definition (name, type, URL and
 * the options its type needs) and its harvest state (last run, counts,
 * the checkpoint of an unfinished harvest, validators), kept as JSON in the
 * store's key/value table under "source/NAME" and "harvest/NAME"; and the
 * sources.conf reader (INI, one section per source; see ingest/README.md).
 */
#ifndef KG_INGEST_SOURCE_H
#define KG_INGEST_SOURCE_H

#include "core/store.h"
#include "ingest/fetch.h"

enum source_type {
    SOURCE_OAI = 1, /* "oai-pmh" */
    SOURCE_RSS,     /* "rss" */
    SOURCE_ATOM,    /* "atom" */
    SOURCE_USPTO,   /* "uspto-xml" */
    SOURCE_HTML,    /* "html" */
    SOURCE_JSONL,   /* "jsonl" */
    SOURCE_CSV,     /* "csv" */
};

/* "oai-pmh", ...; NULL for an unknown value. */
const char *source_type_name(enum source_type t);
/* Parses a type name; KG_EUSAGE when unknown. */
kg_status source_type_parse(const char *name,
                            enum source_type *out) KG_MUST_CHECK;

struct source {
    char *name;
    enum source_type type;
    char *url;               /* http(s) URL, file:// URL or a path */
    char *set;               /* oai-pmh: setSpec, or NULL */
    char *prefix;            /* oai-pmh: metadataPrefix (NULL: oai_dc) */
    char *rules;             /* html: absolute path of the rules file */
    char *institution;       /* the partner owning the listing, or NULL */
    char *page_param;        /* feeds: OpenSearch start parameter, or NULL */
    kg_kind kind;            /* records made (uspto-xml: always patent) */
    int max_pages;           /* pages per run, 0: no limit */
    struct fetch_opts fetch; /* zero members: the defaults */
};

/* init leaves an empty source of kind achievement; release frees every
 * member and leaves it as after init. */
void source_init(struct source *s);
void source_release(struct source *s);

/* True for names made of letters, digits, '.', '_' and '-' (1-64). */
bool source_name_ok(const char *name);

/*
 * Checks a definition: a valid name, a URL with a supported scheme, rules
 * for html (the file must exist and parse), a kind the type can make.
 * Returns KG_EUSAGE (KG_EINPUT for a bad rules file) with a reason.
 */
kg_status source_check(const struct source *s, char *err,
                       size_t errlen) KG_MUST_CHECK;

/* The definition as one JSON object (the caller frees it), and back
 * (out fresh from source_init; released again on failure, KG_EINPUT). */
char *source_to_json(const struct source *s);
kg_status source_from_json(const char *json, struct source *out, char *err,
                           size_t errlen) KG_MUST_CHECK;

/* Store access. save replaces a definition of the same name. load returns
 * KG_ENOTFOUND when there is none. remove deletes the definition and its
 * state (records harvested stay), KG_ENOTFOUND when absent. Store errors
 * are returned with the message in store_last_error. */
kg_status source_save(struct store *st, const struct source *s) KG_MUST_CHECK;
kg_status source_load(struct store *st, const char *name,
                      struct source *out) KG_MUST_CHECK;
kg_status source_remove(struct store *st, const char *name) KG_MUST_CHECK;

/* Every definition, sorted by name; *out (n entries) is the caller's to
 * free with source_list_free. A damaged stored definition is left out and
 * said so in a line appended to warnings (when not NULL). */
kg_status source_list(struct store *st, struct source **out, size_t *n,
                      struct kg_strlist *warnings) KG_MUST_CHECK;
void source_list_free(struct source *v, size_t n);

/* Harvest state of one source. Strings are NULL when unset. */
struct source_state {
    char *last_run;     /* when the last run started (ISO UTC) */
    char *status;       /* "ok", "not modified", "failed" */
    char *error;        /* last run's error */
    char *last_success; /* start of the last complete harvest: from= */
    long long pages, added, updated, unchanged, deleted, skipped, bad;
    /* Checkpoint of an unfinished harvest, committed with each page. */
    char *resume;               /* next URL or resumptionToken */
    char *cursor;               /* the server's cursor with it, or NULL */
    long long resume_page;      /* pages already stored */
    long long resume_docs;      /* uspto-xml: documents already read */
    char *window_start;         /* start of the interrupted harvest */
    char *window_from;          /* its from= (oai-pmh), or NULL */
    char *granularity;          /* oai-pmh: from Identify */
    char *etag, *last_modified; /* validators of the source URL */
    char *warning; /* set by load when the stored state was damaged (and
                      an empty state returned instead), else NULL */
};

void source_state_init(struct source_state *s);
void source_state_release(struct source_state *s);
/* dst (unused or released) becomes a deep copy of src. */
void source_state_copy(struct source_state *dst,
                       const struct source_state *src);
/* Loads NAME's state; an empty state (KG_OK) when there is none, or when
 * the stored one is damaged (then with out->warning saying so). */
kg_status source_state_load(struct store *st, const char *name,
                            struct source_state *out) KG_MUST_CHECK;
kg_status source_state_save(struct store *st, const char *name,
                            const struct source_state *s) KG_MUST_CHECK;
/* The state as JSON (for `sources list --format json`); caller frees. */
char *source_state_to_json(const struct source_state *s);

/*
 * Reads a sources.conf file: one [NAME] section per source with
 * "key = value" lines (type, url, set, prefix, rules, kind, institution,
 * page_param, max_pages, timeout, connect_timeout, retries, delay,
 * max_bytes, budget); '#' and ';' start comments; a relative rules path is
 * taken from the file's folder. Every source is checked. On success *out holds
 * n sources (free with source_list_free); on failure returns KG_EIO
 * (unreadable) or KG_EUSAGE/KG_EINPUT with "FILE:LINE: reason" in err and
 * nothing in *out.
 */
kg_status source_conf_load(const char *path, struct source **out, size_t *n,
                           char *err, size_t errlen) KG_MUST_CHECK;

/*
 * Sets one option of s from text as sources.conf and `sources add` name
 * them (key without leading dashes, '-' or '_' alike). base_dir resolves a
 * relative rules path (NULL: the current directory). Returns KG_EUSAGE
 * with a reason for an unknown key or a bad value.
 */
kg_status source_set(struct source *s, const char *key, const char *value,
                     const char *base_dir, char *err,
                     size_t errlen) KG_MUST_CHECK;

#endif
