/*
 * concept_check.c - checks the shared concepts the matcher prints against
 * the rule of issue 8 ("reasons read as words"): every concept of every
 * hit of every demand (all kinds, best 10 each) is a keyword, field or IPC
 * label of the graph, a Latin word of three letters or more, or one
 * Chinese dictionary word by ICU's word break (a bigram that is no word
 * fails); and so is the label of every concept on every hit's path, where
 * a headword of CC-CEDICT also passes (a path found in the graph, when no
 * shared concept is a word, may go through a term such as 组件, which
 * ICU's break alone splits). The check is written apart from the
 * matcher's own.
 *
 *   concept_check DB
 *
 * Prints "N concepts checked, K break the rule" and "N path concepts
 * checked, K break the rule", then each breaker; exits 1 when either K
 * is not 0.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>

#include "core/dict.h"
#include "core/store.h"
#include "graph/graph_int.h"
#include "graph/match.h"

static bool is_label(const struct graph *g, const char *s)
{
    for (uint32_t v = 0; v < g->nv; v++) {
        unsigned sub = g->vsub[v];
        if ((sub == GRAPH_C_KEYWORD || sub == GRAPH_C_FIELD ||
             sub == GRAPH_C_IPC) &&
            strcasecmp(graph_str(g, g->vlabel[v]), s) == 0)
            return true;
    }
    return false;
}

static bool is_latin_word(const char *s)
{
    size_t letters = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x80)
            return false;
        letters += isalpha(c) != 0;
    }
    return letters >= 3 && isalpha((unsigned char)s[0]);
}

/* One segment of ICU's word break covers all of s, and it is a word. */
static bool is_one_word(UBreakIterator *brk, const char *s)
{
    UChar u[256];
    int32_t n = 0;
    UErrorCode e = U_ZERO_ERROR;
    u_strFromUTF8(u, 256, &n, s, -1, &e);
    if (U_FAILURE(e) || n < 2)
        return false;
    ubrk_setText(brk, u, n, &e);
    if (U_FAILURE(e))
        return false;
    int32_t a = ubrk_first(brk), b = ubrk_next(brk);
    int32_t st = ubrk_getRuleStatus(brk);
    return a == 0 && b == n && st >= UBRK_WORD_LETTER &&
           st < UBRK_WORD_IDEO_LIMIT;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: concept_check DB\n");
        return 2;
    }
    char err[512];
    struct store *s;
    struct graph *g;
    if (store_open(argv[1], STORE_READONLY, &s, err, sizeof err) != KG_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (graph_open(s, NULL, &g, err, sizeof err) != KG_OK) {
        fprintf(stderr, "%s\n", err);
        store_close(s);
        return 1;
    }
    struct dict *dict;
    if (dict_open(NULL, &dict, err, sizeof err) != KG_OK) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    struct match_config c;
    match_config_default(&c);
    struct matcher *m;
    UErrorCode e = U_ZERO_ERROR;
    UBreakIterator *brk = ubrk_open(UBRK_WORD, "zh", NULL, 0, &e);
    if (U_FAILURE(e) || match_new(g, &c, &m, err, sizeof err) != KG_OK) {
        fprintf(stderr, "cannot start: %s\n", err);
        return 1;
    }
    size_t checked = 0, bad = 0, pchecked = 0, pbad = 0;
    char list[8192] = "";
    size_t used = 0;
    for (uint32_t i = 0; i < g->nv; i++) {
        uint32_t d = g->order[i];
        if (g->vkind[d] != KG_DEMAND)
            continue;
        struct match_query q = {.demand = d, .top = 10, .explain = true};
        struct match_result r;
        if (match_run(m, &q, &r) != KG_OK) {
            fprintf(stderr, "%s\n", match_last_error(m));
            return 1;
        }
        for (size_t j = 0; j < r.n; j++) {
            for (size_t k = 0; k < r.hits[j].nconcepts; k++) {
                const char *w = r.hits[j].concepts[k];
                checked++;
                if (is_label(g, w) || is_latin_word(w) || is_one_word(brk, w))
                    continue;
                bad++;
                if (used < sizeof list - 128)
                    used += (size_t)snprintf(list + used, sizeof list - used,
                                             "%s: %s\n",
                                             graph_str(g, g->vid[d]), w);
            }
            for (size_t k = 0; k < r.hits[j].npath; k++) {
                const struct match_step *st = &r.hits[j].path[k];
                if (strcmp(st->kind, "concept") != 0)
                    continue;
                pchecked++;
                const char *w = st->label;
                struct dict_item it;
                if (is_label(g, w) || is_latin_word(w) || is_one_word(brk, w) ||
                    dict_zh(dict, w, strlen(w), &it, 1))
                    continue;
                pbad++;
                if (used < sizeof list - 128)
                    used += (size_t)snprintf(
                        list + used, sizeof list - used, "%s -> %s: path %s\n",
                        graph_str(g, g->vid[d]),
                        graph_str(g, g->vid[r.hits[j].v]), w);
            }
        }
        match_result_release(&r);
    }
    printf("%zu concepts checked, %zu break the rule\n"
           "%zu path concepts checked, %zu break the rule\n%s",
           checked, bad, pchecked, pbad, list);
    ubrk_close(brk);
    dict_free(dict);
    match_free(m);
    graph_free(g);
    store_close(s);
    return bad || pbad ? 1 : 0;
}
