/*
 * variant.c - British spellings to American ones, in three steps: roots
 * whose British form starts the word (colour-ed, sulph-ate, haem-oglobin),
 * the verb endings -ise/-yse and their derivatives (with the words whose
 * -ise is not that ending), and a doubled l before -ed/-ing/-er (modelled).
 */
#include "core/variant.h"

#include <stdbool.h>
#include <string.h>

/*
 * Roots: a word that starts with the British root takes the American root
 * instead. Roots shorter than five letters, and those in whole_roots, only
 * match the whole word or the word plus "s" (grey, tyre, fulfil), since as
 * prefixes they would catch other words. Roots that end a word (kilometre)
 * are in ends_table.
 */
static const struct {
    const char *gb, *us;
} roots[] = {
    {"aeroplane", "airplane"},
    {"aesthetic", "esthetic"},
    {"aetiolog", "etiolog"},
    {"ageing", "aging"},
    {"aluminium", "aluminum"},
    {"anaem", "anem"},
    {"anaesthe", "anesthe"},
    {"analogue", "analog"},
    {"armour", "armor"},
    {"artefact", "artifact"},
    {"behaviour", "behavior"},
    {"caesium", "cesium"},
    {"calibre", "caliber"},
    {"candour", "candor"},
    {"catalogue", "catalog"},
    {"centre", "center"},
    {"clamour", "clamor"},
    {"colour", "color"},
    {"defence", "defense"},
    {"dialogue", "dialog"},
    {"diarrhoe", "diarrhe"},
    {"discolour", "discolor"},
    {"encyclopaed", "encycloped"},
    {"endeavour", "endeavor"},
    {"favour", "favor"},
    {"fervour", "fervor"},
    {"fibre", "fiber"},
    {"flavour", "flavor"},
    {"foetal", "fetal"},
    {"foetus", "fetus"},
    {"enrolment", "enrollment"},
    {"fuell", "fuel"},
    {"fulfil", "fulfill"},
    {"fulfilment", "fulfillment"},
    {"glycaem", "glycem"},
    {"grey", "gray"},
    {"haem", "hem"},
    {"haema", "hema"},
    {"haemo", "hemo"},
    {"harbour", "harbor"},
    {"honour", "honor"},
    {"humour", "humor"},
    {"instalment", "installment"},
    {"ischaem", "ischem"},
    {"jewellery", "jewelry"},
    {"kerb", "curb"},
    {"labour", "labor"},
    {"leukaem", "leukem"},
    {"licence", "license"},
    {"litre", "liter"},
    {"lustre", "luster"},
    {"manoeuvr", "maneuver"},
    {"marvellous", "marvelous"},
    {"meagre", "meager"},
    {"metre", "meter"},
    {"mould", "mold"},
    {"moult", "molt"},
    {"neighbour", "neighbor"},
    {"odour", "odor"},
    {"oedema", "edema"},
    {"oesophag", "esophag"},
    {"oestr", "estr"},
    {"offence", "offense"},
    {"orthopaed", "orthoped"},
    {"paediatr", "pediatr"},
    {"parlour", "parlor"},
    {"plough", "plow"},
    {"practis", "practic"},
    {"programme", "program"},
    {"rigour", "rigor"},
    {"rumour", "rumor"},
    {"sabre", "saber"},
    {"savour", "savor"},
    {"sceptic", "skeptic"},
    {"septicaem", "septicem"},
    {"skilful", "skillful"},
    {"smoulder", "smolder"},
    {"sombre", "somber"},
    {"spectre", "specter"},
    {"splendour", "splendor"},
    {"sulph", "sulf"},
    {"theatre", "theater"},
    {"tumour", "tumor"},
    {"tyre", "tire"},
    {"valour", "valor"},
    {"vapour", "vapor"},
    {"vigour", "vigor"},
    {"wilful", "willful"},
};

/* Roots of five letters or more that only match as whole words. */
static const char *const whole_roots[] = {"fulfil"};

/* Words whose -ise is not the -ize ending (American spelling keeps it),
 * as the stem before "ise". Derivatives follow: "advis" covers advised,
 * advising, adviser. */
static const char *const ise_keep[] = {
    "adv",     "an",     "appr",    "ar",    "bru",      "chast",  "chem",
    "circumc", "compr",  "comprom", "conc",  "cru",      "dem",    "desp",
    "dev",     "disgu",  "enterpr", "exc",   "exerc",    "expert", "franch",
    "gu",      "impr",   "improv",  "inc",   "merchand", "mort",   "no",
    "otherw",  "parad",  "po",      "porpo", "pra",      "prec",   "prem",
    "prom",    "r",      "ra",      "repr",  "rev",      "superv", "surm",
    "surpr",   "telev",  "torto",   "treat", "turquo",   "val",    "w",
    "likew",   "clockw", "imprec",  "sunr",  "upr",      "m",      "advert",
    "pr",      "liai",   "appra",   "cer",   "enfranch", "exorc",
};

/* Words that keep -ll- before -ed/-ing/-er in American spelling too, as
 * the stem before "ell" (compelled, propeller). */
static const char *const ell_keep[] = {
    "comp", "disp",  "exc",    "exp",      "imp",   "prop",  "reb",   "rep",
    "ret",  "foret", "storyt", "fortunet", "bests", "books", "missp",
};

static bool in(const char *const *list, size_t n, const char *w, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], w, len) == 0)
            return true;
    return false;
}

static bool ends(const char *w, size_t n, const char *suf, size_t *stem)
{
    size_t k = strlen(suf);
    if (n <= k || memcmp(w + n - k, suf, k) != 0)
        return false;
    *stem = n - k;
    return true;
}

/* out = w[0..a) + mid + w[b..n); returns the length (fits: callers only
 * shorten or lengthen by a little within VARIANT_MAX). */
static size_t splice(const char *w, size_t n, size_t a, const char *mid,
                     size_t b, char *out)
{
    size_t m = strlen(mid);
    if (a + m + (n - b) > VARIANT_MAX)
        return 0;
    memcpy(out, w, a);
    memcpy(out + a, mid, m);
    memcpy(out + a + m, w + b, n - b);
    out[a + m + n - b] = '\0';
    return a + m + n - b;
}

static size_t by_root(const char *w, size_t n, char *out)
{
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
        size_t k = strlen(roots[i].gb);
        if (n < k || memcmp(w, roots[i].gb, k) != 0)
            continue;
        if ((k < 5 || in(whole_roots, sizeof whole_roots / sizeof *whole_roots,
                         roots[i].gb, k)) &&
            !(n == k || (n == k + 1 && w[k] == 's')))
            continue;
        return splice(w, n, 0, roots[i].us, k, out);
    }
    return 0;
}

/* British endings of compounds: kilometre, millilitre, nanometres. */
static size_t by_word_end(const char *w, size_t n, char *out)
{
    static const char *const gb[] = {"metres", "metre", "litres", "litre"};
    static const char *const us[] = {"meters", "meter", "liters", "liter"};
    for (size_t i = 0; i < sizeof gb / sizeof *gb; i++) {
        size_t s;
        if (ends(w, n, gb[i], &s))
            return splice(w, n, s, us[i], n, out);
    }
    return 0;
}

/* -ise, -ised, -ises, -ising, -iser(s), -isation(s) -> -iz...; the same
 * for -yse (analyse, catalyse, paralyse). */
static size_t by_ending(const char *w, size_t n, char *out)
{
    static const char *const endings[] = {
        "isations", "isation", "isers", "iser",  "ising", "ised", "ises",
        "ise",      "ysing",   "ysed",  "ysers", "yser",  "yses", "yse",
    };
    for (size_t i = 0; i < sizeof endings / sizeof *endings; i++) {
        size_t s;
        if (!ends(w, n, endings[i], &s))
            continue;
        if (endings[i][0] == 'i' &&
            (s < 2 || in(ise_keep, sizeof ise_keep / sizeof *ise_keep, w, s)))
            return 0;
        if (endings[i][0] == 'y' && s < 3) /* "lyse" stays */
            return 0;
        return splice(w, n, s + 1, "z", s + 2, out);
    }
    return 0;
}

/* modelled, labelling, traveller -> modeled, labeling, traveler; not
 * spelled, yelled (one-syllable verbs) nor compelled, propeller. */
static size_t by_double_l(const char *w, size_t n, char *out)
{
    static const char *const endings[] = {"ellers", "elling", "elled", "eller"};
    for (size_t i = 0; i < sizeof endings / sizeof *endings; i++) {
        size_t s;
        if (!ends(w, n, endings[i], &s))
            continue;
        if (s < 3 || in(ell_keep, sizeof ell_keep / sizeof *ell_keep, w, s))
            return 0;
        return splice(w, n, s + 2, "", s + 3, out);
    }
    return 0;
}

size_t variant_us(const char *w, size_t n, char *out)
{
    if (n < 4 || n > VARIANT_MAX)
        return 0;
    size_t k = by_root(w, n, out);
    if (k == 0)
        k = by_word_end(w, n, out);
    if (k == 0)
        k = by_ending(w, n, out);
    if (k == 0)
        k = by_double_l(w, n, out);
    return k;
}
