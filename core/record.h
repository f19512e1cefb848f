/*
 * record.h - the six record kinds of kgmatch (institution, expert,
 * achievement, patent, enterprise, demand), one plain struct for all of them,
 * a table describing each field, and the canonical JSON and CSV codecs.
 * Text is UTF-8 and kept byte for byte.
 */
#ifndef KG_RECORD_H
#define KG_RECORD_H

#include "core/kg.h"

typedef enum kg_kind {
    KG_INSTITUTION = 0,
    KG_EXPERT,
    KG_ACHIEVEMENT,
    KG_PATENT,
    KG_ENTERPRISE,
    KG_DEMAND,
    KG_KIND_COUNT
} kg_kind;

#define KG_KIND_BIT(k) (1u << (k))
#define KG_ALL_KINDS ((1u << KG_KIND_COUNT) - 1)

/* "institution", ... ; NULL for an out-of-range kind. */
const char *record_kind_name(kg_kind k);
/* Parses a kind name (also accepts plurals like "experts").
 * Returns KG_EUSAGE for an unknown name. */
kg_status record_kind_parse(const char *name, kg_kind *out) KG_MUST_CHECK;
/* Adds the kinds of a comma-separated list of names ("achievement,patent",
 * each as record_kind_parse takes it, or "all" for every kind in allowed;
 * empty names are skipped) to *mask (KG_KIND_BIT). A kind outside allowed
 * (a mask) counts as unknown: at the first unknown name KG_EUSAGE, with
 * its offset in list in *at and its length in *len, and *mask as it was. */
kg_status record_kinds_parse(const char *list, unsigned allowed, unsigned *mask,
                             size_t *at, size_t *len) KG_MUST_CHECK;

/* A list of owned strings. */
struct kg_strlist {
    char **v;
    size_t n;
};
void strlist_add(struct kg_strlist *l, const char *s);
void strlist_release(struct kg_strlist *l);

/*
 * One record. Which members a kind uses is given by the field table; unused
 * members stay NULL / empty / 0. year and maturity are 0 when unknown.
 * A stub is a record created only because another record named it.
 */
struct kg_record {
    kg_kind kind;
    bool stub;
    char *id;
    char *name;        /* institution, expert, enterprise */
    char *title;       /* achievement, patent, demand */
    char *abstract;    /* achievement, patent */
    char *description; /* enterprise, demand */
    char *bio;         /* expert */
    char *claims;      /* patent */
    char *institution; /* expert, achievement: id or name */
    char *enterprise;  /* demand: id or name */
    char *org_kind;    /* institution: JSON field "kind" */
    char *country, *region, *url, *orcid, *email, *industry;
    char *phone;  /* institution, expert; with email and url: contacts */
    char *source; /* achievement: where it was published */
    char *date;   /* patent: publication date YYYY-MM-DD */
    char *budget, *deadline;
    int year;     /* achievement */
    int maturity; /* achievement: TRL 1-9 */
    struct kg_strlist aliases, keywords, fields, ipc, experts, applicants,
        inventors, cites;
    /* The fields the input gave (bit i: entry i of record_fields()), those
     * given as null or empty too: they clear a stored value. 0 means every
     * non-empty field counts as given (records built by code). */
    uint64_t given;
};

void record_init(struct kg_record *r, kg_kind kind);
/* Frees every member; r is left as after record_init (same kind). */
void record_release(struct kg_record *r);

/* The label a person reads: name, else title, else id. Never NULL. */
const char *record_label(const struct kg_record *r);

enum record_ftype { RECORD_STR, RECORD_LIST, RECORD_INT };

struct record_field {
    const char *name; /* JSON / CSV name */
    enum record_ftype type;
    unsigned kinds; /* KG_KIND_BIT mask of kinds that have it */
    size_t offset;  /* into struct kg_record */
    int min, max;   /* RECORD_INT range */
};

/* The field table, terminated by an entry whose name is NULL. */
const struct record_field *record_fields(void);
/* The field called name that kind has, or NULL. */
const struct record_field *record_field_find(kg_kind kind, const char *name);

/* True when r gives field f (see kg_record.given). */
bool record_gives(const struct kg_record *r, const struct record_field *f);

/*
 * The merge rule of a re-import: every field src gives replaces dst's value
 * (a field given empty or null clears it); the others keep dst's value.
 * dst.given becomes 0. src and dst are of the same kind.
 */
void record_merge(struct kg_record *dst, const struct kg_record *src);

/* Accessors by descriptor. */
char **record_str(struct kg_record *r, const struct record_field *f);
struct kg_strlist *record_list(struct kg_record *r,
                               const struct record_field *f);
int *record_int(struct kg_record *r, const struct record_field *f);

/*
 * Parses one JSON object (len bytes, need not be NUL-terminated) into r,
 * which must be fresh from record_init. On error returns KG_EINPUT and
 * writes a one-line reason ("missing id", "field 'year' must be an integer",
 * "invalid UTF-8 at byte 12", "unknown field 'foo'") into err (size errlen);
 * r is then released.
 */
kg_status record_from_json(struct kg_record *r, const char *json, size_t len,
                           char *err, size_t errlen) KG_MUST_CHECK;

/* The canonical JSON object of r on one line (fields in table order, empty
 * ones left out). The caller frees it. */
char *record_to_json(const struct kg_record *r);

/*
 * Sets field `name` of r from CSV text: lists are split on ';' (trimmed,
 * empty parts dropped), integers parsed strictly, "" leaves the field unset.
 * Errors as for record_from_json; r is not released.
 */
kg_status record_set_text(struct kg_record *r, const char *name,
                          const char *value, char *err,
                          size_t errlen) KG_MUST_CHECK;

/* Checks what every record needs (an id). Returns KG_EINPUT with a reason. */
kg_status record_validate(const struct kg_record *r, char *err,
                          size_t errlen) KG_MUST_CHECK;

/*
 * Checks the rules new input must follow beyond record_validate (records
 * already stored are read without them): a deadline is an ISO date,
 * YYYY-MM-DD, YYYY-MM or YYYY, of the calendar. Returns KG_EINPUT with a
 * reason that states the rule.
 */
kg_status record_check_input(const struct kg_record *r, char *err,
                             size_t errlen) KG_MUST_CHECK;

/* True for an ISO date YYYY-MM-DD, YYYY-MM or YYYY that exists. */
bool record_date_ok(const char *s);

#endif
