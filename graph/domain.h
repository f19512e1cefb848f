/*
 * domain.h - a small fixed taxonomy of 20 broad technical domains
 * (materials, metallurgy, chemicals, ...) and the rules that place a record
 * in one or more of them from its fields, IPC codes and text. A pairing is
 * cross-domain when the two sides' domain sets do not meet. The table is
 * documented in graph/README.md.
 */
#ifndef KG_DOMAIN_H
#define KG_DOMAIN_H

#include "core/record.h"

#define DOMAIN_COUNT 20

/* A set of domains: bit i is domain i. 0 means "not placed". */
typedef uint32_t domain_mask;

struct domain_info {
    const char *key; /* "materials", ... (stable, used in output) */
    const char *zh;  /* 材料 */
    const char *en;  /* Materials */
};

/* Domain i (0 <= i < DOMAIN_COUNT), or NULL. */
const struct domain_info *domain_get(unsigned i);
/* The index of the domain called key (or its Chinese name), or -1. */
int domain_find(const char *key);

/* Domains of a discipline or field name ("材料科学与工程", "Metallurgy"). */
domain_mask domain_of_field(const char *field);
/* Domains of an IPC code ("B23K 9/173", "C22C"): the longest matching
 * prefix in the table decides. */
domain_mask domain_of_ipc(const char *ipc);
/*
 * Domains suggested by free text (n bytes of UTF-8): the domains whose
 * Chinese or English keywords occur most often, when at least min_hits
 * distinct keywords of the best domain occur; 0 otherwise.
 */
domain_mask domain_of_text(const char *text, size_t n, int min_hits);

/*
 * The domains of a record: its fields and IPC codes when it has any that
 * the table knows, else its text (title, abstract, description, keywords,
 * industry). Experts and institutions without fields get 0 here; the
 * matcher places them from the items they stand behind.
 */
domain_mask domain_classify(const struct kg_record *r);

/* Appends the keys of mask joined by sep ("materials,metallurgy"). */
void domain_mask_format(domain_mask m, const char *sep, struct kg_buf *out);

#endif
