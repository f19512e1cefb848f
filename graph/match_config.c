/*
 * match_config.c - the matcher's settings: the built-in defaults and the
 * "key = value" file (datasets/match.conf) that overrides them.
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
        .ppr_damping = 0.85,
        .ppr_eps = 1e-5,
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

static bool parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(x) || x < lo || x > hi)
        return false;
    *out = x;
    return true;
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

/* Sets one key; returns a reason when the key or value is bad. */
static const char *config_set(struct match_config *c, const char *k,
                              const char *v)
{
    static const struct {
        const char *key;
        size_t off;
        double lo, hi;
    } nums[] = {
#define N(key, field, lo, hi)                                                  \
    {key, offsetof(struct match_config, field), lo, hi}
        N("weight.text", w_text, 0, 1e6),
        N("weight.graph", w_graph, 0, 1e6),
        N("weight.fit", w_fit, 0, 1e6),
        N("expert.graph", w_graph_people, 0, 1e6),
        N("text.expand", expand, 0, 100),
        N("text.bm25", w_bm25, 0, 1),
        N("expert.bm25", w_bm25_people, 0, 1),
        N("text.rm3_weight", rm3_weight, 0, 1),
        N("text.rm3_temp", rm3_temp, 0, 1000),
        N("text.rm3_idf", rm3_idf, -4, 4),
        N("text.bm25_k1", bm25_k1, 0, 100),
        N("text.bm25_b", bm25_b, 0, 1),
        N("text.bm25_k3", bm25_k3, 0, 1000),
        N("text.bm25_idf", bm25_idf, -4, 8),
        N("text.translate", w_translate, 0, 1),
        N("squash.center", squash_center, -100, 100),
        N("squash.scale", squash_scale, 1e-6, 100),
        N("ppr.damping", ppr_damping, 0.01, 0.99),
        N("ppr.eps", ppr_eps, 1e-12, 1),
        N("ppr.enterprise", ppr_enterprise, 0, 0.99),
        N("ppr.ipc", ppr_ipc, 0, 0.99),
        N("fit.maturity", fit_maturity, 0, 1e6),
        N("fit.recency", fit_recency, 0, 1e6),
        N("fit.region", fit_region, 0, 1e6),
        N("fit.tie", fit_tie, 0, 1e6),
        N("fit.halflife", fit_halflife, 0.1, 1000),
        N("cross_domain.min_score", cross_min, 0, 1),
        N("cross_domain.min_cosine", cross_cosine, 0, 1),
        N("cross_domain.min_breadth", cross_breadth, 0, 1),
        N("calibration.bias", cal_bias, -100, 100),
        N("calibration.evidence", cal_rank, 0, 100),
        N("calibration.coverage", cal_coverage, 0, 100),
        N("calibration.cosine", cal_cosine, 0, 100),
        N("calibration.evidence_coverage", cal_joint, 0, 100),
        N("calibration.need_breadth", cal_need, 0, 100),
        N("calibration.need_length", cal_length, 0, 100),
        N("calibration.expert_level", cal_expert, 0, 100),
        N("match.min_score", min_score, 0, 1),
#undef N
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        if (strcmp(k, nums[i].key) != 0)
            continue;
        double x;
        if (!parse_num(v, nums[i].lo, nums[i].hi, &x))
            return "value out of range or not a number";
        *(double *)(void *)((char *)c + nums[i].off) = x;
        return NULL;
    }
    double x;
    if (strcmp(k, "text.expand_bm25") == 0)
        return parse_bool(v, &c->expand_bm25) ? NULL : "expected yes or no";
    if (strcmp(k, "calibration.enable") == 0)
        return parse_bool(v, &c->calibrate) ? NULL : "expected yes or no";
    if (strcmp(k, "ppr.degree_normalize") == 0)
        return parse_bool(v, &c->ppr_degree_normalize) ? NULL
                                                       : "expected yes or no";
    if (strcmp(k, "expert.aggregate") == 0)
        return match_agg_parse(v, &c->expert_agg) == KG_OK
                   ? NULL
                   : "expected mean, max, topk or sumk";
    if (strcmp(k, "text.expand_items") == 0 ||
        strcmp(k, "text.expand_terms") == 0 ||
        strcmp(k, "text.rm3_terms") == 0) {
        if (!parse_num(v, 1, 1e7, &x) || x != floor(x))
            return "expected a whole number from 1";
        if (strcmp(k, "text.expand_items") == 0)
            c->expand_items = (unsigned)x;
        else if (strcmp(k, "text.expand_terms") == 0)
            c->expand_terms = (unsigned)x;
        else
            c->rm3_terms = (unsigned)x;
        return NULL;
    }
    if (strcmp(k, "text.rm3_docs") == 0) {
        if (!parse_num(v, 0, 1000, &x) || x != floor(x))
            return "expected a whole number from 0 to 1000";
        c->rm3_docs = (unsigned)x;
        return NULL;
    }
    if (strcmp(k, "expert.k") == 0 || strcmp(k, "institution.k") == 0 ||
        strcmp(k, "threads") == 0) {
        if (!parse_num(v, strcmp(k, "threads") ? 1 : 0, 64, &x) ||
            x != floor(x))
            return "expected a whole number";
        if (k[0] == 'e')
            c->expert_k = (unsigned)x;
        else if (k[0] == 'i')
            c->institution_k = (unsigned)x;
        else
            c->threads = (unsigned)x;
        return NULL;
    }
    return "unknown key";
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
        const char *why = config_set(c, k, v);
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
