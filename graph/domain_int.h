/*
 * domain_int.h - the domain taxonomy's private parts, shared by domain.c
 * (lookups, placement) and domain_tables.c (the industry classification
 * and the sectors of related domains). Not for use outside those two.
 */
#ifndef KG_DOMAIN_INT_H
#define KG_DOMAIN_INT_H

#include "graph/domain.h"

enum {
    D_MATERIALS,
    D_METALLURGY,
    D_CHEMICALS,
    D_PETROLEUM,
    D_TEXTILES,
    D_FOOD,
    D_AGRICULTURE,
    D_FISHERIES,
    D_ENERGY,
    D_ELECTRICAL,
    D_ELECTRONICS,
    D_SOFTWARE_AI,
    D_MACHINERY,
    D_AUTOMATION,
    D_VEHICLES,
    D_MEDICINE,
    D_BIOTECH,
    D_ENVIRONMENT,
    D_CONSTRUCTION,
    D_INSTRUMENTS,
    D_SERVICES,
};

#define B(d) (1u << (d))

/* An industry name or an enterprise's short form of one, and its domains:
 * a field belongs to every entry whose name it contains. */
struct domain_industry {
    const char *name;
    domain_mask m;
};
extern const struct domain_industry domain_industry_table[];
extern const size_t domain_industry_count;

/* The sectors: sets of domains whose industries stand close; two domains
 * are neighbours when a sector holds both. */
extern const domain_mask domain_sector_table[];
extern const size_t domain_sector_count;

#endif
