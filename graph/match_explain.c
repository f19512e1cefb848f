/*
 * match_explain.c - the reasons of a hit: the concepts it shares with the
 * query, and one path demand -> concept -> item (-> expert -> institution)
 * through the graph.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicode/ubrk.h>
#include <unicode/ustring.h>

#include "core/dict.h"
#include "graph/match_int.h"

static void step(struct match_hit *h, const struct graph *g, uint32_t v)
{
    if (h->npath >= MATCH_MAX_PATH)
        return;
    struct match_step *s = &h->path[h->npath++];
    s->kind = graph_vkind_name(g->vkind[v]);
    s->id = graph_str(g, g->vid[v]);
    s->label = graph_str(g, g->vlabel[v]);
}

static void add_concept(struct match_hit *h, const char *label)
{
    if (h->nconcepts >= MATCH_MAX_CONCEPTS || !*label)
        return;
    char buf[MATCH_CONCEPT_LEN];
    size_t n = kg_utf8_valid_prefix(label, strlen(label));
    if (n >= sizeof buf) { /* cut on a character boundary */
        n = sizeof buf - 1;
        while (n > 0 && ((unsigned char)label[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf, label, n);
    buf[n] = '\0';
    for (size_t i = 0; i < h->nconcepts; i++)
        if (strcasecmp(h->concepts[i], buf) == 0)
            return;
    memcpy(h->concepts[h->nconcepts++], buf, n + 1);
}

/* A Latin word a reader knows: three letters or more, letters only (a
 * digit, hyphen or apostrophe inside is kept). */
static bool latin_word(const char *s, size_t n)
{
    size_t letters = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalpha(c))
            letters++;
        else if (c >= 0x80 || !(isdigit(c) || c == '-' || c == '\''))
            return false;
    }
    return letters >= 3 && isalpha((unsigned char)s[0]);
}

static bool all_ascii(const char *s, size_t n)
{
    bool ascii = true;
    for (size_t i = 0; i < n; i++)
        ascii &= (unsigned char)s[i] < 0x80;
    return ascii;
}

/* Puts s (n bytes, as UTF-16 in u, ulen units) under m's word break
 * (ICU's, for Chinese, opened on first use); false when it cannot be. */
static bool break_text(struct matcher *m, const char *s, size_t n,
                       UChar u[MATCH_CONCEPT_LEN * 2], int32_t *ulen)
{
    UErrorCode e = U_ZERO_ERROR;
    if (!m->brk) {
        m->brk = ubrk_open(UBRK_WORD, "zh", NULL, 0, &e);
        if (U_FAILURE(e)) {
            m->brk = NULL;
            return false; /* no dictionary: no Chinese words to show */
        }
    }
    *ulen = 0;
    u_strFromUTF8(u, MATCH_CONCEPT_LEN * 2, ulen, s, (int32_t)n, &e);
    if (U_FAILURE(e))
        return false;
    ubrk_setText(m->brk, u, *ulen, &e);
    return !U_FAILURE(e);
}

/* Whether s reads as one word: a Latin word, or a Chinese word of two
 * characters or more: one word by ICU's word break (the words add_words
 * shows), a keyword of some record (铝灰) or a headword of CC-CEDICT
 * (压榨, which ICU splits); a bigram that is no word (染废, 水回) does
 * not. */
static bool reads_as_word(struct matcher *m, const char *s)
{
    size_t n = strlen(s);
    if (all_ascii(s, n))
        return latin_word(s, n);
    UChar u[MATCH_CONCEPT_LEN * 2];
    int32_t ulen;
    if (!break_text(m, s, n, u, &ulen) || ulen < 2)
        return false;
    int32_t a = ubrk_first(m->brk), b = ubrk_next(m->brk);
    int32_t st = ubrk_getRuleStatus(m->brk);
    if (a == 0 && b == ulen && st >= UBRK_WORD_IDEO &&
        st < UBRK_WORD_IDEO_LIMIT)
        return true;
    char key[MATCH_CONCEPT_LEN + 4];
    snprintf(key, sizeof key, "kw:%s", s);
    if (graph_find(m->g, GRAPH_CONCEPT, key) != GRAPH_NONE)
        return true;
    if (!m->words_tried) {
        char err[256];
        m->words_tried = true;
        if (dict_open(NULL, &m->words, err, sizeof err) != KG_OK)
            m->words = NULL; /* ICU's words alone */
    }
    struct dict_item it;
    return m->words && dict_zh(m->words, s, n, &it, 1) > 0;
}

/* Where Latin word w (n bytes) stands in text as a whole word, in any
 * case, or NULL. */
static const char *word_in(const char *text, const char *w, size_t n)
{
    for (const char *p = text; *p; p++) {
        if (strncasecmp(p, w, n) != 0)
            continue;
        bool before = p == text || !isalnum((unsigned char)p[-1]);
        if (before && !isalnum((unsigned char)p[n]))
            return p;
    }
    return NULL;
}

/* Adds the words of s a reader knows as concepts: s itself when it is a
 * Latin word, as the record's or the demand's title writes it when one
 * does (COD, not the index's cod); for Chinese, the dictionary words of
 * two characters or more that ICU's word break finds in it (a bigram that
 * is no word adds nothing). */
static void add_words(struct matcher *m, struct match_hit *h, uint32_t v,
                      const char *s)
{
    size_t n = strlen(s);
    if (all_ascii(s, n)) {
        if (!latin_word(s, n))
            return;
        const struct graph *g = m->g;
        const char *c = word_in(graph_str(g, g->vlabel[v]), s, n);
        if (!c && m->demand != GRAPH_NONE)
            c = word_in(graph_str(g, g->vlabel[m->demand]), s, n);
        char buf[MATCH_CONCEPT_LEN];
        if (c && n < sizeof buf) {
            memcpy(buf, c, n);
            buf[n] = '\0';
            s = buf;
        }
        add_concept(h, s);
        return;
    }
    UChar u[MATCH_CONCEPT_LEN * 2];
    int32_t ulen;
    if (!break_text(m, s, n, u, &ulen))
        return;
    int32_t a = ubrk_first(m->brk);
    for (int32_t b = ubrk_next(m->brk); b != UBRK_DONE;
         a = b, b = ubrk_next(m->brk)) {
        int32_t st = ubrk_getRuleStatus(m->brk);
        if (st < UBRK_WORD_LETTER || st >= UBRK_WORD_IDEO_LIMIT)
            continue;
        char w[MATCH_CONCEPT_LEN];
        int32_t wlen = 0;
        UErrorCode e2 = U_ZERO_ERROR;
        u_strToUTF8(w, (int32_t)sizeof w - 1, &wlen, u + a, b - a, &e2);
        if (U_FAILURE(e2) || e2 == U_STRING_NOT_TERMINATED_WARNING)
            continue;
        w[wlen] = '\0';
        if (st >= UBRK_WORD_IDEO ? b - a >= 2 : latin_word(w, (size_t)wlen))
            add_concept(h, w);
    }
}

void match_explain_release(struct matcher *m)
{
    if (m->brk)
        ubrk_close(m->brk);
    m->brk = NULL;
    dict_free(m->words);
    m->words = NULL;
    m->words_tried = false;
}

struct cand {
    uint32_t t; /* term or vertex */
    double w;
};

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

static bool is_cjk(uint32_t c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/* A run of shared CJK bigrams in a title, as one phrase. */
struct phrase {
    char text[MATCH_CONCEPT_LEN];
    double w; /* the summed share of its bigrams */
};

static int cmp_phrase(const void *a, const void *b)
{
    const struct phrase *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return strcmp(x->text, y->text);
}

/* Finds runs of title characters whose every bigram is a shared term
 * (tc[0..ntc)); each run of two or more bigrams becomes a phrase and its
 * bigrams are marked covered. Returns the number of phrases written. */
static size_t cjk_phrases(const struct matcher *m, const char *title,
                          const struct cand *tc, size_t ntc, bool *covered,
                          struct phrase *out, size_t max)
{
    enum { MAXC = 128 };
    uint32_t cp[MAXC];
    size_t off[MAXC + 1], n = 0, len = strlen(title), i = 0;
    while (i < len && n < MAXC) {
        uint32_t c;
        int l = kg_utf8_decode(title + i, len - i, &c);
        if (l <= 0)
            break;
        off[n] = i;
        cp[n++] = c;
        i += (size_t)l;
    }
    off[n] = i;
    int hit[MAXC]; /* index in tc of the bigram starting here, or -1 */
    for (size_t k = 0; k < n; k++) {
        hit[k] = -1;
        if (k + 1 >= n || !is_cjk(cp[k]) || !is_cjk(cp[k + 1]))
            continue;
        uint32_t t = graph_term_find(m->g, title + off[k], off[k + 2] - off[k]);
        for (size_t j = 0; t != GRAPH_NONE && j < ntc; j++)
            if (tc[j].t == t)
                hit[k] = (int)j;
    }
    size_t np = 0;
    for (size_t k = 0; k < n && np < max;) {
        if (hit[k] < 0) {
            k++;
            continue;
        }
        size_t e = k;
        double w = 0;
        while (e < n && hit[e] >= 0)
            w += tc[hit[e++]].w;
        if (e - k >= 2) { /* two bigrams or more: three characters */
            size_t bytes = off[e + 1] - off[k];
            if (bytes < MATCH_CONCEPT_LEN) {
                memcpy(out[np].text, title + off[k], bytes);
                out[np].text[bytes] = '\0';
                out[np++].w = w;
                for (size_t j = k; j < e; j++)
                    covered[hit[j]] = true;
            }
        }
        k = e;
    }
    return np;
}

/* A Chinese bigram with a function character (不低, 低于, 榨后) says
 * little to a reader: explanations leave such terms out. */
static bool function_bigram(const char *s)
{
    static const char stop[] = "的了和与及或在对于不为是以其等后中上下可将并"
                               "由从而也之所该此其各内能被把";
    uint32_t a, b;
    size_t n = strlen(s);
    int la = kg_utf8_decode(s, n, &a);
    if (la <= 0 || !is_cjk(a))
        return false;
    int lb = kg_utf8_decode(s + la, n - (size_t)la, &b);
    if (lb <= 0 || (size_t)(la + lb) != n || !is_cjk(b))
        return false;
    for (size_t i = 0; i + 3 <= sizeof stop - 1; i += 3) {
        uint32_t c;
        if (kg_utf8_decode(stop + i, 3, &c) == 3 && (c == a || c == b))
            return true;
    }
    return false;
}

/* The concepts item v shares with the query, best first: graph concepts
 * (keywords, IPC codes, fields) next to both, then shared terms by their
 * share of the cosine. Returns the best concept vertex on a path, or
 * GRAPH_NONE (then *term is the best shared term, or GRAPH_NONE). */
static uint32_t shared_concepts(struct matcher *m, uint32_t v,
                                struct match_hit *h, uint32_t *term)
{
    const struct graph *g = m->g;
    struct cand gc[64], tc[64];
    size_t ngc = 0, ntc = 0;
    for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1] && ngc < 64; j++) {
        uint32_t c = g->csr.adj[j];
        if (g->vkind[c] != GRAPH_CONCEPT || !(m->dmark[c] > 0))
            continue;
        /* keywords and IPC codes read better than fields and terms */
        double rank = g->vsub[c] == GRAPH_C_KEYWORD ? 3
                      : g->vsub[c] == GRAPH_C_IPC   ? 2
                      : g->vsub[c] == GRAPH_C_TERM  ? 1
                                                    : 0;
        gc[ngc++] = (struct cand){c, rank + m->dmark[c] * g->csr.w[j]};
    }
    /* Terms of the query itself, else of the expanded query. */
    for (int pass = 0; pass < 2 && ntc == 0; pass++) {
        const double *q = pass ? m->q2 : m->q;
        for (uint64_t j = g->vec_off[v]; j < g->vec_off[v + 1] && ntc < 64;
             j++) {
            uint32_t t = g->vec_term[j];
            const char *surf = graph_str(g, g->term_surface[t]);
            if (q[t] > 0 && surf[0] && surf[1] && !function_bigram(surf))
                tc[ntc++] = (struct cand){t, q[t] * g->vec_w[j]};
        }
    }
    qsort(gc, ngc, sizeof *gc, cmp_cand);
    qsort(tc, ntc, sizeof *tc, cmp_cand);
    for (size_t i = 0; i < ngc; i++)
        if (g->vsub[gc[i].t] != GRAPH_C_FIELD &&
            g->vsub[gc[i].t] != GRAPH_C_TERM)
            add_concept(h, graph_str(g, g->vlabel[gc[i].t]));
    /* Chinese text is indexed as overlapping bigrams; shared bigrams that
     * follow each other in a title read better as the phrase they form. */
    struct phrase ph[8];
    bool covered[64] = {false};
    size_t nph =
        cjk_phrases(m, graph_str(g, g->vlabel[v]), tc, ntc, covered, ph, 8);
    if (m->demand != GRAPH_NONE)
        nph += cjk_phrases(m, graph_str(g, g->vlabel[m->demand]), tc, ntc,
                           covered, ph + nph, 8 - nph);
    size_t pi = 0;
    qsort(ph, nph, sizeof *ph, cmp_phrase);
    for (size_t i = 0; i < ntc; i++) {
        while (pi < nph && ph[pi].w >= tc[i].w)
            add_words(m, h, v, ph[pi++].text);
        if (!covered[i])
            add_words(m, h, v, graph_str(g, g->term_surface[tc[i].t]));
    }
    while (pi < nph)
        add_words(m, h, v, ph[pi++].text);
    for (size_t i = 0; i < ngc; i++)
        if (g->vsub[gc[i].t] == GRAPH_C_FIELD)
            add_concept(h, graph_str(g, g->vlabel[gc[i].t]));
    /* The path goes through a concept that reads as a word: a term
     * concept or shared term that is a bigram fragment gives way to the
     * next one. */
    *term = GRAPH_NONE;
    for (size_t i = 0; i < ntc && *term == GRAPH_NONE; i++)
        if (reads_as_word(m, graph_str(g, g->term_surface[tc[i].t])))
            *term = tc[i].t;
    size_t best = 0;
    while (best < ngc && g->vsub[gc[best].t] == GRAPH_C_TERM &&
           !reads_as_word(m, graph_str(g, g->vlabel[gc[best].t])))
        best++;
    /* A field is a broad concept: a shared term says more. */
    if (best < ngc &&
        (g->vsub[gc[best].t] != GRAPH_C_FIELD || *term == GRAPH_NONE))
        return gc[best].t;
    return GRAPH_NONE;
}

/* The first step of every path: the demand, or the query text. */
static void first_step(const struct matcher *m, struct match_hit *h)
{
    if (m->demand != GRAPH_NONE) {
        step(h, m->g, m->demand);
        h->path[0].kind = "demand";
    } else {
        h->path[h->npath++] =
            (struct match_step){.kind = "text", .id = "", .label = m->qtext};
    }
}

/* A shared term that is no concept vertex, shown as a concept. */
static void virtual_step(struct match_hit *h, const struct graph *g,
                         uint32_t term)
{
    if (g->term_vertex[term] != GRAPH_NONE) {
        step(h, g, g->term_vertex[term]);
        return;
    }
    if (h->npath >= MATCH_MAX_PATH)
        return;
    struct match_step *s = &h->path[h->npath++];
    s->kind = "concept";
    s->id = graph_str(g, g->term_str[term]);
    s->label = graph_str(g, g->term_surface[term]);
}

/*
 * The path to a hit is the one a breadth-first search from the demand
 * finds first: it expands the vertices in queue order and stops when it
 * discovers the hit, under MATCH_BFS_LIMIT queued vertices (bfs_limit).
 * The search is kept for the query (every hit it explains goes on from
 * it), and it runs level by level while it can: with the levels L0 .. LK
 * discovered and LK not yet expanded, a hit with a neighbour in LK is
 * discovered by the first such neighbour in queue order, and is then known
 * without expanding LK (whose concepts have the largest degrees). seen[x]
 * is x's level + 1 (BFS_DEEP for any level in the plain search). Where the
 * queue could reach the limit before that neighbour, or the levels run
 * deep, the search goes on plainly, vertex by vertex, as a search from
 * scratch would: same order, same parents, same paths.
 *
 * A hit two levels on (in L(K+2)) is found without expanding LK either,
 * where that is cheaper (reach_ahead): LK's expansion puts a vertex y of
 * L(K+1) in the queue after the first vertex of LK in queue order next to
 * it (y's parent), and, among those of one parent, by vertex (neighbour
 * lists are sorted); the hit's parent is the first of its neighbours in
 * L(K+1) in that order. Only while the queue cannot reach the limit (the
 * graph has fewer vertices): under it, the search would stop first.
 */
#define BFS_DEEP 255

/* The vertices the search may queue: MATCH_BFS_LIMIT unless a test set
 * fewer. */
static size_t bfs_limit(const struct matcher *m)
{
    return m->bfs_limit ? m->bfs_limit : MATCH_BFS_LIMIT;
}

/* The plain search, going on from its state (bfs_head, and bfs_u's edges
 * [bfs_next, bfs_end) not yet looked at): whether it discovers v. */
static bool bfs_plain(struct matcher *m, uint32_t v)
{
    const struct graph *g = m->g;
    m->bfs_plain = true;
    for (;;) {
        while (m->bfs_next < m->bfs_end) {
            uint32_t x = g->csr.adj[m->bfs_next++];
            if (m->seen[x])
                continue;
            m->seen[x] = BFS_DEEP;
            m->parent[x] = m->bfs_u;
            m->queue[m->bfs_tail++] = x;
            if (x == v)
                return true;
        }
        if (!(m->bfs_head < m->bfs_tail && m->bfs_tail < bfs_limit(m)))
            return false;
        m->bfs_u = m->queue[m->bfs_head++];
        m->bfs_next = g->csr.off[m->bfs_u];
        m->bfs_end = g->csr.off[m->bfs_u + 1];
    }
}

/* The edges of v. */
static uint64_t degree(const struct graph *g, uint32_t v)
{
    return g->csr.off[v + 1] - g->csr.off[v];
}

/* Whether v (no neighbour in LK = queue[bfs_head, bfs_tail), seen k1)
 * lies in L(K+2), and then its parent y in L(K+1) in *parent and y's in
 * parent[y], found through the neighbours of v's neighbours, when their
 * edges are fewer than LK's (expanding LK would cost those); false when v
 * lies further or the search would cost more. */
static bool reach_ahead(struct matcher *m, uint32_t v, uint8_t k1,
                        uint32_t *parent)
{
    const struct graph *g = m->g;
    if (m->bfs_pos_level != m->bfs_level + 1) { /* LK's places, once */
        m->bfs_pos_level = m->bfs_level + 1;
        m->bfs_ledges = 0;
        for (size_t i = m->bfs_head; i < m->bfs_tail; i++) {
            m->pos[m->queue[i]] = (uint32_t)i;
            m->bfs_ledges += degree(g, m->queue[i]);
        }
    }
    uint64_t cost = 0;
    for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++)
        cost += degree(g, g->csr.adj[j]);
    if (cost > m->bfs_ledges && !m->bfs_ahead_always)
        return false;
    /* v's neighbours are all unseen (one in L0 .. LK would have put v
     * there or in L(K+1)); those next to LK are in L(K+1) */
    uint32_t best = GRAPH_NONE, best_parent = GRAPH_NONE;
    uint32_t best_pos = UINT32_MAX;
    for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++) {
        uint32_t y = g->csr.adj[j], yp = GRAPH_NONE, ypos = UINT32_MAX;
        for (uint64_t l = g->csr.off[y]; l < g->csr.off[y + 1]; l++) {
            uint32_t u = g->csr.adj[l];
            if (m->seen[u] == k1 && m->pos[u] < ypos) {
                ypos = m->pos[u];
                yp = u;
            }
        }
        if (ypos < best_pos) { /* ties: the lower vertex, met first */
            best_pos = ypos;
            best = y;
            best_parent = yp;
        }
    }
    if (best == GRAPH_NONE)
        return false;
    m->parent[best] = best_parent; /* what LK's expansion will write */
    *parent = best;
    m->bfs_ahead++;
    return true;
}

/* Whether u is a neighbour of v (neighbours are sorted by vertex). */
static bool adjacent(const struct graph *g, uint32_t v, uint32_t u)
{
    uint64_t lo = g->csr.off[v], hi = g->csr.off[v + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (g->csr.adj[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->csr.off[v + 1] && g->csr.adj[lo] == u;
}

bool match_explain_reach(struct matcher *m, uint32_t v, uint32_t *parent)
{
    const struct graph *g = m->g;
    const size_t limit = bfs_limit(m);
    if (m->bfs_tail == 0) {
        m->queue[m->bfs_tail++] = m->demand;
        m->seen[m->demand] = 1;
        m->parent[m->demand] = GRAPH_NONE;
        m->bfs_head = 0; /* level 0 is [0, 1), not expanded */
        m->bfs_level = 0;
        m->bfs_next = m->bfs_end = 0;
        m->bfs_plain = false;
    }
    *parent = m->parent[v];
    if (v != m->demand && m->seen[v])
        return true;
    while (!m->bfs_plain) {
        size_t lo = m->bfs_head, hi = m->bfs_tail; /* level K, in order */
        uint8_t k1 = (uint8_t)(m->bfs_level + 1);
        if (lo == hi)
            return false;  /* every vertex expanded */
        bool next = false; /* v has a neighbour in level K */
        for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1] && !next; j++)
            next = m->seen[g->csr.adj[j]] == k1;
        if (next) {
            uint64_t below = hi; /* the queue's length at most, so far */
            for (size_t i = lo; i < hi && below < limit; i++) {
                uint32_t u = m->queue[i];
                if (adjacent(g, v, u)) {
                    *parent = u;
                    return true;
                }
                below += g->csr.off[u + 1] - g->csr.off[u];
            }
            break; /* the limit could come first: search plainly */
        }
        if (k1 + 1 >= BFS_DEEP)
            break;
        if (g->nv < limit && reach_ahead(m, v, k1, parent))
            return true;
        for (size_t i = lo; i < hi; i++) {
            if (!(m->bfs_tail < limit)) {
                m->bfs_head = i;
                return bfs_plain(m, v);
            }
            uint32_t u = m->queue[i];
            for (uint64_t j = g->csr.off[u]; j < g->csr.off[u + 1]; j++) {
                uint32_t x = g->csr.adj[j];
                if (m->seen[x])
                    continue;
                m->seen[x] = (uint8_t)(k1 + 1);
                m->parent[x] = u;
                m->queue[m->bfs_tail++] = x;
            }
        }
        m->bfs_head = hi;
        m->bfs_level++;
    }
    if (bfs_plain(m, v)) {
        *parent = m->parent[v];
        return true;
    }
    return false;
}

void match_explain_begin(struct matcher *m)
{
    for (size_t i = 0; i < m->bfs_tail; i++)
        m->seen[m->queue[i]] = 0;
    m->bfs_tail = 0;
    m->bfs_pos_level = 0;
}

/* Appends the inner vertices of a shortest path from the demand to v
 * (breadth-first, bounded); false when there is none short enough. */
static bool bfs_path(struct matcher *m, uint32_t v, struct match_hit *h)
{
    const struct graph *g = m->g;
    uint32_t pv;
    bool found = match_explain_reach(m, v, &pv);
    /* Room is left for the hit and, after it, an expert and institution. */
    uint32_t chain[MATCH_MAX_PATH];
    size_t n = 0;
    size_t room = MATCH_MAX_PATH - h->npath - 3;
    for (uint32_t x = found ? pv : m->demand; x != m->demand;
         x = m->parent[x]) {
        if (n == room) {
            found = false;
            break;
        }
        chain[n++] = x;
    }
    while (found && n > 0)
        step(h, g, chain[--n]);
    return found;
}

/* demand -> concept -> item: through a concept vertex next to both, else
 * through the term that adds most to their cosine (a term outside the
 * item's strongest ones has no edge of its own), else through the IPC
 * pivot (demand -> patent -> its group -> item), else along a shortest
 * path in the graph. An item the pivot reaches says so first. */
static void item_path(struct matcher *m, uint32_t v, struct match_hit *h)
{
    const struct graph *g = m->g;
    uint32_t term, code, from;
    bool pivot = match_pivot_of(m, v, &code, &from);
    if (pivot) {
        char why[MATCH_CONCEPT_LEN];
        snprintf(why, sizeof why, "via IPC %s (from %s)",
                 graph_str(g, g->vlabel[code]), graph_str(g, g->vid[from]));
        add_concept(h, why);
    }
    uint32_t c = shared_concepts(m, v, h, &term);
    first_step(m, h);
    if (c != GRAPH_NONE) {
        step(h, g, c);
    } else if (term != GRAPH_NONE) {
        virtual_step(h, g, term);
    } else if (pivot) {
        step(h, g, from);
        step(h, g, code);
    } else if (m->demand != GRAPH_NONE) {
        bfs_path(m, v, h);
    }
    step(h, g, v);
}

/* The neighbour of v (through an edge of the given types) with the best
 * text z, or GRAPH_NONE. */
static uint32_t best_neighbour(const struct matcher *m, uint32_t v,
                               unsigned types, bool items_only)
{
    const struct graph *g = m->g;
    uint32_t best = GRAPH_NONE;
    double bz = -INFINITY;
    for (uint64_t j = g->csr.off[v]; j < g->csr.off[v + 1]; j++) {
        uint32_t x = g->csr.adj[j];
        if (!(types & (1u << g->etype[j])) || !m->thas[x])
            continue;
        if (items_only && !match_is_item(g->vkind[x]))
            continue;
        if (m->tz[x] > bz) {
            bz = m->tz[x];
            best = x;
        }
    }
    return best;
}

void match_explain(struct matcher *m, struct match_hit *h)
{
    const struct graph *g = m->g;
    uint32_t v = h->v;
    unsigned k = g->vkind[v];
    const unsigned person = (1u << GRAPH_E_AUTHORED) | (1u << GRAPH_E_INVENTED);
    if (match_is_item(k)) {
        item_path(m, v, h);
        return;
    }
    if (k == KG_EXPERT) {
        uint32_t it = best_neighbour(m, v, person, true);
        if (it != GRAPH_NONE) {
            item_path(m, it, h);
            step(h, g, v);
        } else {
            item_path(m, v, h); /* through the expert's profile */
        }
        return;
    }
    /* institution: its best expert or item */
    uint32_t e = best_neighbour(m, v, 1u << GRAPH_E_AFFILIATED_WITH, false);
    uint32_t it = best_neighbour(m, v, 1u << GRAPH_E_OWNS, true);
    if (e != GRAPH_NONE && (it == GRAPH_NONE || m->tz[e] >= m->tz[it])) {
        uint32_t ei = best_neighbour(m, e, person, true);
        item_path(m, ei != GRAPH_NONE ? ei : e, h);
        if (ei != GRAPH_NONE)
            step(h, g, e);
    } else if (it != GRAPH_NONE) {
        item_path(m, it, h);
    } else {
        item_path(m, v, h);
        return;
    }
    step(h, g, v);
}
