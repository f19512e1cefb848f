/*
 * match_config.c - the matcher's settings: the built-in defaults, the one
 * table of the "key = value" file's keys (match_keys: each key's field,
 * kind and bounds, which `kgmatch tune` writes by too) and the file
 * (datasets/match.conf) that overrides them.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "graph/match.h"

/* Rescales the three part weights to sum 1 (the people's graph weight
 * with them); false when they are all zero. */
static bool normalize_weights(struct match_config *c)
{
    double sum = c->w_text + c->w_graph + c->w_fit;
    if (!(sum > 0))
        return false;
    c->w_text /= sum;
    c->w_graph /= sum;
    c->w_fit /= sum;
    c->w_graph_people /= sum;
    return true;
}

void match_config_default(struct match_config *c)
{
    *c = (struct match_config){
        .w_text = 0.75,
        .w_graph = 0,
        .w_fit = 0.10,
        .w_graph_people = 0.15,
        .w_bm25 = 0.85,
        .w_bm25_people = 0.5,
        .rm3_docs = 10,
        .rm3_terms = 20,
        .rm3_weight = 0.7,
        .rm3_temp = 0.1,
        .bm25_b = 0.6,
        .bm25_k3 = 8,
        .w_translate = 0.3,
        .expand = 0.6,
        .expand_items = 30,
        .expand_terms = 50,
        .squash_center = 2.0,
        .squash_scale = 1.0,
        .squash_best = 8,
        .ppr_damping = 0.85,
        .ppr_eps = 2e-5,
        .ppr_enterprise = 0.2,
        .ppr_ipc = 0.2,
        .ppr_degree_normalize = true,
        .fit_maturity = 1,
        .fit_recency = 1,
        .fit_region = 1,
        .fit_tie = 2,
        .fit_halflife = 8,
        .expert_agg = MATCH_AGG_MEAN,
        .expert_k = 3,
        .institution_k = 3,
        .cross_min = 0.04,
        .cross_cosine = 0.10,
        .cross_breadth = 0.05,
        .threads = 0,
        .calibrate = true,
        .cal_bias = -8.5837,
        .cal_rank = 3.9260,
        .cal_coverage = 2.2260,
        .cal_cosine = 1.7573,
        .cal_joint = 1.3498,
        .cal_need = 3.4709,
        .cal_length = 0.5871,
        .cal_expert = 3.0188,
        .min_score = 0.04,
    };
    (void)normalize_weights(c);
}

kg_status match_agg_parse(const char *s, enum match_agg *out)
{
    static const char *const names[] = {"mean", "max", "topk", "sumk"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum match_agg)i;
            return KG_OK;
        }
    }
    return KG_EUSAGE;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool parse_bool(const char *s, bool *out)
{
    if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"))
        *out = true;
    else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0"))
        *out = false;
    else
        return false;
    return true;
}

/* ---- the keys ----------------------------------------------------------- */

#define REAL_BAD "value out of range or not a number"
#define REAL(key, field, lo, hi)                                               \
    {                                                                          \
        key, offsetof(struct match_config, field), MATCH_KEY_REAL, lo, hi,     \
            REAL_BAD                                                           \
    }
#define WHOLE(key, field, lo, hi, bad)                                         \
    {                                                                          \
        key, offsetof(struct match_config, field), MATCH_KEY_WHOLE, lo, hi,    \
            bad                                                                \
    }
/* a count of items or terms: at least one */
#define COUNT(key, field)                                                      \
    WHOLE(key, field, 1, 1e7, "expected a whole number from 1")
#define BOOL(key, field)                                                       \
    {                                                                          \
        key, offsetof(struct match_config, field), MATCH_KEY_BOOL, 0, 1,       \
            "expected yes or no"                                               \
    }
#define AGG(key, field)                                                        \
    {                                                                          \
        key, offsetof(struct match_config, field), MATCH_KEY_AGG, 0,           \
            MATCH_AGG_SUMK, "expected mean, max, topk or sumk"                 \
    }

/* Every key of the file, in the order of datasets/match.conf's sections. */
const struct match_key match_keys[] = {
    REAL("weight.text", w_text, 0, 1e6),
    REAL("weight.graph", w_graph, 0, 1e6),
    REAL("weight.fit", w_fit, 0, 1e6),
    REAL("expert.graph", w_graph_people, 0, 1e6),
    REAL("text.expand", expand, 0, 100),
    COUNT("text.expand_items", expand_items),
    COUNT("text.expand_terms", expand_terms),
    BOOL("text.expand_bm25", expand_bm25),
    REAL("text.bm25", w_bm25, 0, 1),
    REAL("expert.bm25", w_bm25_people, 0, 1),
    WHOLE("text.rm3_docs", rm3_docs, 0, 1000,
          "expected a whole number from 0 to 1000"),
    COUNT("text.rm3_terms", rm3_terms),
    REAL("text.rm3_weight", rm3_weight, 0, 1),
    REAL("text.rm3_temp", rm3_temp, 0, 1000),
    REAL("text.rm3_idf", rm3_idf, -4, 4),
    REAL("text.bm25_k1", bm25_k1, 0, 100),
    REAL("text.bm25_b", bm25_b, 0, 1),
    REAL("text.bm25_k3", bm25_k3, 0, 1000),
    REAL("text.bm25_idf", bm25_idf, -4, 8),
    REAL("text.translate", w_translate, 0, 1),
    REAL("squash.center", squash_center, -100, 100),
    REAL("squash.scale", squash_scale, 1e-6, 100),
    REAL("squash.best", squash_best, 0, 1000),
    REAL("ppr.damping", ppr_damping, 0.01, 0.99),
    REAL("ppr.eps", ppr_eps, 1e-12, 1),
    REAL("ppr.enterprise", ppr_enterprise, 0, 0.99),
    REAL("ppr.ipc", ppr_ipc, 0, 0.99),
    BOOL("ppr.degree_normalize", ppr_degree_normalize),
    REAL("fit.maturity", fit_maturity, 0, 1e6),
    REAL("fit.recency", fit_recency, 0, 1e6),
    REAL("fit.region", fit_region, 0, 1e6),
    REAL("fit.tie", fit_tie, 0, 1e6),
    REAL("fit.halflife", fit_halflife, 0.1, 1000),
    AGG("expert.aggregate", expert_agg),
    WHOLE("expert.k", expert_k, 1, 64, "expected a whole number"),
    WHOLE("institution.k", institution_k, 1, 64, "expected a whole number"),
    BOOL("calibration.enable", calibrate),
    REAL("calibration.bias", cal_bias, -100, 100),
    REAL("calibration.evidence", cal_rank, 0, 100),
    REAL("calibration.coverage", cal_coverage, 0, 100),
    REAL("calibration.cosine", cal_cosine, 0, 100),
    REAL("calibration.evidence_coverage", cal_joint, 0, 100),
    REAL("calibration.need_breadth", cal_need, 0, 100),
    REAL("calibration.need_length", cal_length, 0, 100),
    REAL("calibration.expert_level", cal_expert, 0, 100),
    REAL("match.min_score", min_score, 0, 1),
    REAL("cross_domain.min_score", cross_min, 0, 1),
    REAL("cross_domain.min_cosine", cross_cosine, 0, 1),
    REAL("cross_domain.min_breadth", cross_breadth, 0, 1),
    WHOLE("threads", threads, 0, 64, "expected a whole number"),
};
const size_t match_nkeys = sizeof match_keys / sizeof match_keys[0];

#undef REAL
#undef WHOLE
#undef COUNT
#undef BOOL
#undef AGG

const struct match_key *match_key_find(const char *name)
{
    for (size_t i = 0; i < match_nkeys; i++)
        if (strcmp(match_keys[i].name, name) == 0)
            return &match_keys[i];
    return NULL;
}

const struct match_key *match_key_at(size_t off)
{
    for (size_t i = 0; i < match_nkeys; i++)
        if (match_keys[i].off == off)
            return &match_keys[i];
    return NULL;
}

double match_key_get(const struct match_config *c, const struct match_key *k)
{
    const void *p = (const char *)c + k->off;
    switch (k->type) {
    case MATCH_KEY_WHOLE:
        return *(const unsigned *)p;
    case MATCH_KEY_BOOL:
        return *(const bool *)p;
    case MATCH_KEY_AGG:
        return *(const enum match_agg *)p;
    case MATCH_KEY_REAL:
        break;
    }
    return *(const double *)p;
}

bool match_key_allows(const struct match_key *k, double x)
{
    if (!isfinite(x) || x < k->lo || x > k->hi)
        return false;
    return k->type == MATCH_KEY_REAL || x == floor(x);
}

void match_key_put(struct match_config *c, const struct match_key *k, double x)
{
    void *p = (char *)c + k->off;
    switch (k->type) {
    case MATCH_KEY_WHOLE:
        *(unsigned *)p = (unsigned)x;
        break;
    case MATCH_KEY_BOOL:
        *(bool *)p = x != 0;
        break;
    case MATCH_KEY_AGG:
        *(enum match_agg *)p = (enum match_agg)x;
        break;
    case MATCH_KEY_REAL:
        *(double *)p = x;
        break;
    }
}

const char *match_key_parse(struct match_config *c, const struct match_key *k,
                            const char *v)
{
    double x = 0;
    bool b;
    enum match_agg agg;
    switch (k->type) {
    case MATCH_KEY_BOOL:
        if (!parse_bool(v, &b))
            return k->bad;
        x = b;
        break;
    case MATCH_KEY_AGG:
        if (match_agg_parse(v, &agg) != KG_OK)
            return k->bad;
        x = agg;
        break;
    case MATCH_KEY_REAL:
    case MATCH_KEY_WHOLE:
        if (!kg_parse_real(v, k->lo, k->hi, &x) || !match_key_allows(k, x))
            return k->bad;
        break;
    }
    match_key_put(c, k, x);
    return NULL;
}

kg_status match_config_load(struct match_config *c, const char *path, char *err,
                            size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return errno == ENOENT ? KG_ENOTFOUND : KG_EIO;
    }
    char line[1024];
    int lineno = 0;
    kg_status st = KG_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
            st = KG_EINPUT;
            break;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        const struct match_key *key = match_key_find(k);
        const char *why = key ? match_key_parse(c, key, v) : "unknown key";
        if (why) {
            snprintf(err, errlen, "%s:%d: %s: %s", path, lineno, k, why);
            st = KG_EINPUT;
            break;
        }
    }
    fclose(f);
    if (st != KG_OK)
        return st;
    if (!normalize_weights(c)) {
        snprintf(err, errlen, "%s: the part weights are all zero", path);
        return KG_EINPUT;
    }
    return KG_OK;
}
