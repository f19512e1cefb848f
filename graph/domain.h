/*
 * domain.h - a small fixed taxonomy of 20 broad technical domains
 * (materials, metallurgy, chemicals, ...) and "services", and the rules that
 * place a record in one or more of them from its fields (a discipline or an
 * industry), IPC codes and text. A pairing is cross-domain when the two sides'
 * domains are far: they neither meet nor share a sector. The tables are
 * documented in graph/README.md.
 */
#ifndef KG_DOMAIN_H
#define KG_DOMAIN_H

#include "core/record.h"

#define DOMAIN_COUNT 21

/* A set of domains: bit i is domain i. 0 means "not placed". */
typedef uint32_t domain_mask;
/* Every domain's bit. */
#define DOMAIN_ALL ((1u << DOMAIN_COUNT) - 1)
/* Not a domain: set beside the domains of a record placed from its text
 * (the keyword table or the store's centroids) rather than from fields or
 * IPC codes. Such a placement is a guess (right for about 60 % of
 * csl-dev's papers), and a cross-domain mark never rests on one. */
#define DOMAIN_GUESSED (1u << 31)

struct domain_info {
    const char *key; /* "materials", ... (stable, used in output) */
    const char *zh;  /* 材料 */
    const char *en;  /* Materials */
};

/* Domain i (0 <= i < DOMAIN_COUNT), or NULL. */
const struct domain_info *domain_get(unsigned i);
/* The index of the domain called key (or its Chinese name), or -1. */
int domain_find(const char *key);

/* Domains of a discipline or field name ("材料科学与工程", "Metallurgy",
 * "0805", "化学/化学工程与技术"): the catalogue entry it names (Chinese,
 * English or code; "A/B" is the union of A and B), else the free-form
 * rules whose text it contains. */
domain_mask domain_of_field(const char *field);
/* The domains near those of m: m and every domain that shares a sector
 * with one of them (graph/README.md, "Far, not different"). */
domain_mask domain_near(domain_mask m);
/* Whether a pairing of domains a and b is cross-domain: both are placed
 * and no domain of b is one of a's or a neighbour of one. Symmetric. */
bool domain_far(domain_mask a, domain_mask b);
/* Entry i of the discipline catalogue (code "0805", zh, en, domains), or
 * false when i is past the end. The strings are static. */
bool domain_discipline(size_t i, const char **code, const char **zh,
                       const char **en, domain_mask *m);
/* Domains of an IPC code ("B23K 9/173", "C22C"): the longest matching
 * prefix in the table decides. */
domain_mask domain_of_ipc(const char *ipc);
/*
 * Domains suggested by free text (n bytes of UTF-8): the domains whose
 * Chinese or English keywords occur most often, when at least min_hits
 * distinct keywords of the best domain occur; 0 otherwise.
 */
domain_mask domain_of_text(const char *text, size_t n, int min_hits);

/* The domains a record's own evidence gives: its fields (a first-level
 * discipline before its category) and IPC codes; 0 when it has none the
 * tables know. */
domain_mask domain_of_evidence(const struct kg_record *r);

/*
 * The domains of a record without the rest of the store: its evidence
 * (domain_of_evidence) when there is some, else its text (title, abstract,
 * description, keywords, industry) with DOMAIN_GUESSED. Experts and
 * institutions without fields get 0 here; the matcher places them from the
 * items they stand behind.
 */
domain_mask domain_classify(const struct kg_record *r);

/* Placement by the store: a record's text vector (term ids with
 * L2-normalized TF-IDF weights over all its terms) and domains. */
struct domain_term {
    uint32_t t;
    float w;
};
struct domain_doc {
    const struct domain_term *v; /* unless a domain_vec_fn makes it */
    uint32_t n;
    domain_mask m; /* in: the evidence or fallback; out: see below */
    bool known;    /* m comes from fields or IPC codes: a training record */
    bool place;    /* not known, and wants placing by the store */
};

/* A best centroid cosine below this is no evidence. */
#define DOMAIN_MIN_COSINE 0.02
/* Domains whose cosine is within this share of the best are kept too: a
 * text between two domains is placed in both (graph/README.md). */
#define DOMAIN_RUNNER_UP 0.9

/* Makes document i's vector (terms < nterms, any order, L2-normalized)
 * and its length in *n; the vector may be overwritten by the next call. */
typedef const struct domain_term *(*domain_vec_fn)(void *ctx, size_t i,
                                                   uint32_t *n);

/*
 * Rocchio placement: each domain's centroid is the normalized sum of the
 * known documents' vectors (terms < nterms; a document of k domains gives
 * each 1/k of its weight). Every document with place set and not known
 * takes the domain of the centroid nearest its vector (cosine), with those
 * within DOMAIN_RUNNER_UP of it, and DOMAIN_GUESSED; a document whose best
 * cosine is below DOMAIN_MIN_COSINE keeps its m (the keyword table's). Placed
 * documents never train. The vectors are d[i].v, or when vec is not NULL made
 * one at a time by vec(ctx, i, ...) (each known one twice, each placed one
 * once), so that a large store never holds them all. Cannot fail.
 */
void domain_from_store(struct domain_doc *d, size_t n, uint32_t nterms,
                       domain_vec_fn vec, void *ctx);

/* Appends the keys of mask joined by sep ("materials,metallurgy"). */
void domain_mask_format(domain_mask m, const char *sep, struct kg_buf *out);

#endif
