/*
 * graph.c - builds the knowledge graph from the store (records, links,
 * concepts, term vectors), runs it through igraph and lays the result out
 * as one flat core/image; graph_image.c has that image's format, the
 * cache file and graph_open. Lookups over the graph are at the end.
 */
#include "graph/graph_int.h"

#include <ctype.h>
#include <igraph/igraph.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/image.h"
#include "core/strmap.h"
#include "core/text.h"

#define MAX_TERMS_PER_DOC 1000000

/* Edge weights: how a random walk divides itself at a vertex. Links between
 * records count 1; a field is a broad concept, so its edges are weak; term
 * edges carry the term's weight in the record's normalized vector. */
#define W_LINK 1.0f
#define W_CITES 0.5f
#define W_KEYWORD 1.0f
#define W_FIELD 0.3f
#define W_IPC 1.0f
#define W_BROADER 0.5f

/* ---- names ------------------------------------------------------------ */

const char *graph_vkind_name(unsigned kind)
{
    if (kind < KG_KIND_COUNT)
        return record_kind_name((kg_kind)kind);
    return kind == GRAPH_CONCEPT ? "concept" : NULL;
}

const char *graph_concept_name(unsigned sub)
{
    static const char *const n[] = {"", "keyword", "field", "ipc", "term"};
    return sub <= GRAPH_C_TERM ? n[sub] : NULL;
}

const char *graph_edge_name(unsigned type)
{
    static const char *const n[] = {
        NULL,     "affiliated_with", "authored", "invented", "owns",
        "posted", "cites",           "about",    "broader",
    };
    return type > 0 && type < GRAPH_E_COUNT ? n[type] : NULL;
}

char *graph_cache_path(const char *db_path)
{
    return kg_xasprintf("%s.graph", db_path);
}

/* ---- the build ---------------------------------------------------------- */

struct bvert {
    uint8_t kind, sub, maturity;
    int16_t year;
    uint32_t id, label, region;
    domain_mask dom;
    bool known; /* dom comes from fields or IPC codes */
    bool place; /* an item or demand with neither: placed by the store */
};

struct bedge {
    uint32_t a, b;
    float w;
    uint8_t type;
};

struct bdoc {
    uint32_t v;
    uint64_t start; /* into tf_term / tf_n */
    uint32_t n;
};

struct bterm {
    uint32_t str; /* offset in strings */
    uint32_t df;
    uint32_t surface; /* offset in strings of the current majority form */
    int32_t votes;
    uint32_t vertex;
};

struct build {
    struct kg_buf strings;
    struct strmap vmap, tmap; /* vertex keys, analyzer terms */
    struct bvert *v;
    size_t nv, capv;
    struct bedge *e;
    size_t ne, cape;
    struct bterm *t;
    size_t capt;
    struct bdoc *d;
    size_t nd, capd;
    uint32_t *tf_term, *tf_n;
    size_t ntf, captf;
    uint32_t *cite_src, *cite_dst; /* dst: offset in strings (an id) */
    size_t ncite, capcite;
    uint32_t *term_order; /* the terms by string (compact_strings) */
    struct text *text;
    struct text_tokens tk;
    uint32_t *scratch;
    size_t capscratch;
    struct kg_buf key, doc;
    int ref_year;
    unsigned item_terms, concept_terms;
    kg_status st;
    char *err;
    size_t errlen;
};

static uint32_t add_string(struct build *b, const char *s)
{
    uint32_t off = (uint32_t)b->strings.len;
    kg_buf_adds(&b->strings, s ? s : "");
    kg_buf_addc(&b->strings, '\0');
    return off;
}

static uint32_t vertex(struct build *b, unsigned kind, const char *id,
                       bool *added)
{
    kg_buf_reset(&b->key);
    kg_buf_addc(&b->key, (char)('0' + kind));
    kg_buf_adds(&b->key, id);
    bool add = false;
    uint32_t v = strmap_get(&b->vmap, b->key.data, b->key.len, true, &add);
    if (add) {
        if (b->nv == b->capv) {
            b->capv = b->capv ? b->capv * 2 : 1024;
            b->v = kg_xrealloc(b->v, b->capv * sizeof *b->v);
        }
        struct bvert *x = &b->v[b->nv++];
        memset(x, 0, sizeof *x);
        x->kind = (uint8_t)kind;
        x->id = add_string(b, id);
        x->label = x->id;
        x->region = add_string(b, "");
    }
    if (added)
        *added = add;
    return v;
}

static void edge(struct build *b, uint32_t a, uint32_t c, float w, uint8_t type)
{
    if (a == c)
        return;
    if (b->ne == b->cape) {
        b->cape = b->cape ? b->cape * 2 : 4096;
        b->e = kg_xrealloc(b->e, b->cape * sizeof *b->e);
    }
    b->e[b->ne++] = (struct bedge){.a = a, .b = c, .w = w, .type = type};
}

static uint32_t concept_fresh(struct build *b, unsigned sub, const char *key,
                              const char *label, bool *fresh)
{
    static const char *const prefix[] = {"", "kw:", "field:", "ipc:", "term:"};
    char *k = kg_xasprintf("%s%s", prefix[sub], key);
    bool added;
    uint32_t v = vertex(b, GRAPH_CONCEPT, k, &added);
    free(k);
    if (added) {
        b->v[v].sub = (uint8_t)sub;
        b->v[v].label = add_string(b, label);
    }
    if (fresh)
        *fresh = added;
    return v;
}

static uint32_t concept(struct build *b, unsigned sub, const char *key,
                        const char *label)
{
    return concept_fresh(b, sub, key, label, NULL);
}

/* Trims and folds ASCII case: the concept key of a keyword or field. */
static char *norm_key(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    char *k = kg_xstrndup(s, n);
    for (char *p = k; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return k;
}

/* An IPC code's vertex, linked up to its section; GRAPH_NONE when the code
 * does not look like one. "B23K 9/173" -> B23K -> B23 -> B. */
static uint32_t ipc_concept(struct build *b, const char *code)
{
    char c[64];
    size_t n = 0;
    for (const char *p = code; *p && n + 1 < sizeof c; p++)
        if (!isspace((unsigned char)*p))
            c[n++] = (char)toupper((unsigned char)*p);
    c[n] = '\0';
    if (n < 1 || c[0] < 'A' || c[0] > 'H')
        return GRAPH_NONE;
    char levels[4][72];
    int nl = 0;
    if (n > 4 && isdigit((unsigned char)c[1]) && isdigit((unsigned char)c[2]) &&
        isalpha((unsigned char)c[3]))
        snprintf(levels[nl++], sizeof levels[0], "%.4s %s", c, c + 4);
    if (n >= 4 && isalpha((unsigned char)c[3]))
        snprintf(levels[nl++], sizeof levels[0], "%.4s", c);
    if (n >= 3 && isdigit((unsigned char)c[1]) && isdigit((unsigned char)c[2]))
        snprintf(levels[nl++], sizeof levels[0], "%.3s", c);
    snprintf(levels[nl++], sizeof levels[0], "%.1s", c);
    /* A new code links to its parent; an old one is linked already. */
    bool fresh;
    uint32_t first =
        concept_fresh(b, GRAPH_C_IPC, levels[0], levels[0], &fresh);
    uint32_t v = first;
    for (int i = 0; fresh && i + 1 < nl; i++) {
        uint32_t p =
            concept_fresh(b, GRAPH_C_IPC, levels[i + 1], levels[i + 1], &fresh);
        edge(b, v, p, W_BROADER, GRAPH_E_BROADER);
        v = p;
    }
    return first;
}

static void add_doc_text(struct build *b, const char *s)
{
    if (s && *s) {
        kg_buf_adds(&b->doc, s);
        kg_buf_addc(&b->doc, '\n');
    }
}

static int cmp_u32(const void *a, const void *c)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)c;
    return x < y ? -1 : x > y;
}

/* Analyzes the text gathered in b->doc as the document of vertex v. */
static void analyze_doc(struct build *b, uint32_t v)
{
    if (b->doc.len == 0)
        return;
    text_tokens_reset(&b->tk);
    if (text_analyze(b->text, b->doc.data, b->doc.len, &b->tk) != KG_OK) {
        snprintf(b->err, b->errlen, "text analysis of %s %s: %s",
                 graph_vkind_name(b->v[v].kind), b->strings.data + b->v[v].id,
                 text_last_error(b->text));
        b->st = KG_EINTERNAL;
        return;
    }
    size_t n = b->tk.n < MAX_TERMS_PER_DOC ? b->tk.n : MAX_TERMS_PER_DOC;
    if (n == 0)
        return;
    if (n > b->capscratch) {
        b->capscratch = n * 2;
        b->scratch = kg_xrealloc(b->scratch, b->capscratch * sizeof(uint32_t));
    }
    for (size_t i = 0; i < n; i++) {
        const struct text_tok *tok = &b->tk.v[i];
        const char *term = b->tk.bytes + tok->off;
        bool added = false;
        uint32_t t = strmap_get(&b->tmap, term, tok->len, true, &added);
        if (added) {
            if (b->tmap.n > b->capt) {
                b->capt = b->capt ? b->capt * 2 : 4096;
                b->t = kg_xrealloc(b->t, b->capt * sizeof *b->t);
            }
            struct bterm *bt = &b->t[t];
            memset(bt, 0, sizeof *bt);
            bt->str = add_string(b, term);
            bt->surface = add_string(b, b->tk.bytes + tok->surf);
            bt->votes = 1;
            bt->vertex = GRAPH_NONE;
        } else {
            /* Majority vote keeps a frequent surface form for display. */
            struct bterm *bt = &b->t[t];
            const char *surf = b->tk.bytes + tok->surf;
            if (strcmp(b->strings.data + bt->surface, surf) == 0)
                bt->votes++;
            else if (--bt->votes < 0) {
                bt->surface = add_string(b, surf);
                bt->votes = 1;
            }
        }
        b->scratch[i] = t;
    }
    qsort(b->scratch, n, sizeof(uint32_t), cmp_u32);
    if (b->nd == b->capd) {
        b->capd = b->capd ? b->capd * 2 : 1024;
        b->d = kg_xrealloc(b->d, b->capd * sizeof *b->d);
    }
    struct bdoc *d = &b->d[b->nd++];
    d->v = v;
    d->start = b->ntf;
    d->n = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && b->scratch[j] == b->scratch[i])
            j++;
        if (b->ntf == b->captf) {
            b->captf = b->captf ? b->captf * 2 : 65536;
            b->tf_term = kg_xrealloc(b->tf_term, b->captf * sizeof(uint32_t));
            b->tf_n = kg_xrealloc(b->tf_n, b->captf * sizeof(uint32_t));
        }
        b->tf_term[b->ntf] = b->scratch[i];
        b->tf_n[b->ntf++] = (uint32_t)(j - i);
        b->t[b->scratch[i]].df++;
        d->n++;
        i = j;
    }
}

static int year_of_date(const char *date)
{
    if (!date || strlen(date) < 4)
        return 0;
    int y = 0;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)date[i]))
            return 0;
        y = y * 10 + (date[i] - '0');
    }
    return y;
}

static bool on_record(const struct kg_record *r, void *ctx)
{
    struct build *b = ctx;
    uint32_t v = vertex(b, r->kind, r->id, NULL);
    struct bvert *x = &b->v[v];
    x->label = add_string(b, record_label(r));
    if (r->region)
        x->region = add_string(b, r->region);
    x->dom = domain_of_evidence(r);
    x->known = x->dom != 0;
    /* Fields that name no domain (历史学, or an industry the tables do not
     * know) keep the record out of the store's placement (graph/README.md,
     * "Cross-domain pairings"). */
    x->place = r->fields.n == 0 && r->ipc.n == 0 &&
               (r->kind == KG_ACHIEVEMENT || r->kind == KG_PATENT ||
                r->kind == KG_DEMAND);
    if (!x->known)
        x->dom = domain_classify(r);
    int year = r->kind == KG_PATENT ? year_of_date(r->date) : r->year;
    if (year > 0 && year < 10000) {
        x->year = (int16_t)year;
        if ((r->kind == KG_ACHIEVEMENT || r->kind == KG_PATENT) &&
            year > b->ref_year)
            b->ref_year = year;
    }
    x->maturity =
        (uint8_t)(r->maturity > 0 && r->maturity <= 9 ? r->maturity : 0);
    for (size_t i = 0; i < r->keywords.n; i++) {
        char *k = norm_key(r->keywords.v[i]);
        if (*k)
            edge(b, v, concept(b, GRAPH_C_KEYWORD, k, r->keywords.v[i]),
                 W_KEYWORD, GRAPH_E_ABOUT);
        free(k);
    }
    for (size_t i = 0; i < r->fields.n; i++) {
        char *k = norm_key(r->fields.v[i]);
        if (*k)
            edge(b, v, concept(b, GRAPH_C_FIELD, k, r->fields.v[i]), W_FIELD,
                 GRAPH_E_ABOUT);
        free(k);
    }
    for (size_t i = 0; i < r->ipc.n; i++) {
        uint32_t c = ipc_concept(b, r->ipc.v[i]);
        if (c != GRAPH_NONE)
            edge(b, v, c, W_IPC, GRAPH_E_ABOUT);
    }
    for (size_t i = 0; i < r->cites.n; i++) {
        if (b->ncite == b->capcite) {
            b->capcite = b->capcite ? b->capcite * 2 : 256;
            b->cite_src =
                kg_xrealloc(b->cite_src, b->capcite * sizeof(uint32_t));
            b->cite_dst =
                kg_xrealloc(b->cite_dst, b->capcite * sizeof(uint32_t));
        }
        b->cite_src[b->ncite] = v;
        b->cite_dst[b->ncite++] = add_string(b, r->cites.v[i]);
    }
    /* The text a record is matched by. */
    kg_buf_reset(&b->doc);
    switch (r->kind) {
    case KG_ACHIEVEMENT:
    case KG_PATENT:
    case KG_DEMAND:
        add_doc_text(b, r->title);
        add_doc_text(b, r->abstract);
        add_doc_text(b, r->description);
        add_doc_text(b, r->claims);
        for (size_t i = 0; i < r->keywords.n; i++)
            add_doc_text(b, r->keywords.v[i]);
        break;
    case KG_EXPERT:
        for (size_t i = 0; i < r->keywords.n; i++)
            add_doc_text(b, r->keywords.v[i]);
        add_doc_text(b, r->bio);
        break;
    default:
        break;
    }
    analyze_doc(b, v);
    return b->st == KG_OK;
}

static bool on_link(const struct store_link *l, void *ctx)
{
    struct build *b = ctx;
    uint32_t s = vertex(b, l->src_kind, l->src_id, NULL);
    uint32_t d = vertex(b, l->dst_kind, l->dst_id, NULL);
    uint8_t type = 0;
    switch (l->rel) {
    case STORE_REL_AFFILIATED_WITH:
        type = GRAPH_E_AFFILIATED_WITH;
        break;
    case STORE_REL_OWNED_BY:
    case STORE_REL_APPLICANT:
        type = GRAPH_E_OWNS;
        break;
    case STORE_REL_AUTHORED_BY:
        type = GRAPH_E_AUTHORED;
        break;
    case STORE_REL_INVENTOR:
        type = GRAPH_E_INVENTED;
        break;
    case STORE_REL_POSTED_BY:
        type = GRAPH_E_POSTED;
        break;
    }
    if (type)
        edge(b, s, d, W_LINK, type);
    return true;
}

/* One weighted term of a document while its vector is made. */
struct wterm {
    uint32_t t;
    float w;
};

static int cmp_wterm_desc(const void *a, const void *c)
{
    const struct wterm *x = a, *y = c;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return x->t < y->t ? -1 : x->t > y->t;
}

static int cmp_wterm_term(const void *a, const void *c)
{
    const struct wterm *x = a, *y = c;
    return x->t < y->t ? -1 : x->t > y->t;
}

static double idf_of(uint32_t df, uint32_t ndocs)
{
    return log((ndocs + 1.0) / (df + 1.0)) + 1.0;
}

/* Orders vertex numbers by (kind, id) and term numbers by string; ctx is
 * the build. */
static int cmp_vertex_order(const void *a, const void *c, void *ctx)
{
    const struct build *b = ctx;
    const struct bvert *x = &b->v[*(const uint32_t *)a];
    const struct bvert *y = &b->v[*(const uint32_t *)c];
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return strcmp(b->strings.data + x->id, b->strings.data + y->id);
}

static int cmp_term_order(const void *a, const void *c, void *ctx)
{
    const struct build *b = ctx;
    return strcmp(b->strings.data + b->t[*(const uint32_t *)a].str,
                  b->strings.data + b->t[*(const uint32_t *)c].str);
}

/* One adjacency slot while the CSR is sorted. */
struct slot {
    uint32_t to;
    float w;
    uint8_t type;
};

static int cmp_slot(const void *a, const void *c)
{
    const struct slot *x = a, *y = c;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

/* ---- igraph ------------------------------------------------------------- */

/* Source arrays for an igraph graph: vertices with their attributes and an
 * edge list. */
struct ig_src {
    uint32_t nv;
    const uint8_t *kind, *sub;
    const uint32_t *id, *label;
    const domain_mask *dom;
    const char *strings;
    size_t ne;
    const uint32_t *src, *dst;
    const float *w;
    const uint8_t *type;
};

static igraph_error_t
ig_strattr(igraph_t *ig, bool vertex, const char *name, igraph_integer_t n,
           const char *(*get)(const struct ig_src *, igraph_integer_t),
           const struct ig_src *src)
{
    igraph_strvector_t sv;
    IGRAPH_CHECK(igraph_strvector_init(&sv, n));
    IGRAPH_FINALLY(igraph_strvector_destroy, &sv);
    for (igraph_integer_t i = 0; i < n; i++)
        IGRAPH_CHECK(igraph_strvector_set(&sv, i, get(src, i)));
    if (vertex)
        IGRAPH_CHECK(igraph_cattribute_VAS_setv(ig, name, &sv));
    else
        IGRAPH_CHECK(igraph_cattribute_EAS_setv(ig, name, &sv));
    igraph_strvector_destroy(&sv);
    IGRAPH_FINALLY_CLEAN(1);
    return IGRAPH_SUCCESS;
}

static const char *ig_type(const struct ig_src *s, igraph_integer_t i)
{
    return graph_vkind_name(s->kind[i]);
}
static const char *ig_sub(const struct ig_src *s, igraph_integer_t i)
{
    return graph_concept_name(s->sub[i]);
}
static const char *ig_label(const struct ig_src *s, igraph_integer_t i)
{
    return s->strings + s->label[i];
}
static const char *ig_id(const struct ig_src *s, igraph_integer_t i)
{
    return s->strings + s->id[i];
}
static const char *ig_dom(const struct ig_src *s, igraph_integer_t i)
{
    static struct kg_buf b; /* one thread: igraph is single-threaded here */
    kg_buf_reset(&b);
    domain_mask_format(s->dom[i], " ", &b);
    return b.data ? b.data : "";
}
static const char *ig_etype(const struct ig_src *s, igraph_integer_t i)
{
    return graph_edge_name(s->type[i]);
}

/* Creates ig (undirected) from src with all attributes. */
static igraph_error_t ig_create(igraph_t *ig, const struct ig_src *src)
{
    igraph_vector_int_t edges;
    igraph_vector_t wv;
    IGRAPH_CHECK(igraph_vector_int_init(&edges, (igraph_integer_t)src->ne * 2));
    IGRAPH_FINALLY(igraph_vector_int_destroy, &edges);
    for (size_t i = 0; i < src->ne; i++) {
        VECTOR(edges)[2 * i] = src->src[i];
        VECTOR(edges)[2 * i + 1] = src->dst[i];
    }
    IGRAPH_CHECK(igraph_create(ig, &edges, src->nv, IGRAPH_UNDIRECTED));
    IGRAPH_FINALLY(igraph_destroy, ig);
    igraph_vector_int_destroy(&edges);
    IGRAPH_FINALLY_CLEAN(1);
    IGRAPH_CHECK(ig_strattr(ig, true, "type", src->nv, ig_type, src));
    IGRAPH_CHECK(ig_strattr(ig, true, "subtype", src->nv, ig_sub, src));
    IGRAPH_CHECK(ig_strattr(ig, true, "label", src->nv, ig_label, src));
    IGRAPH_CHECK(ig_strattr(ig, true, "record_id", src->nv, ig_id, src));
    IGRAPH_CHECK(ig_strattr(ig, true, "domains", src->nv, ig_dom, src));
    IGRAPH_CHECK(ig_strattr(ig, false, "type", (igraph_integer_t)src->ne,
                            ig_etype, src));
    IGRAPH_CHECK(igraph_vector_init(&wv, (igraph_integer_t)src->ne));
    IGRAPH_FINALLY(igraph_vector_destroy, &wv);
    for (size_t i = 0; i < src->ne; i++)
        VECTOR(wv)[i] = src->w[i];
    IGRAPH_CHECK(igraph_cattribute_EAN_setv(ig, "weight", &wv));
    igraph_vector_destroy(&wv);
    IGRAPH_FINALLY_CLEAN(2); /* wv, ig: the caller owns ig now */
    return IGRAPH_SUCCESS;
}

/* Reads the edge list and weights back from ig: the CSR is derived from
 * igraph's graph, not from our own list. */
static igraph_error_t ig_edges(const igraph_t *ig, uint32_t *src, uint32_t *dst,
                               float *w)
{
    igraph_vector_int_t el;
    igraph_vector_t wv;
    IGRAPH_CHECK(igraph_vector_int_init(&el, 0));
    IGRAPH_FINALLY(igraph_vector_int_destroy, &el);
    IGRAPH_CHECK(igraph_get_edgelist(ig, &el, false));
    IGRAPH_CHECK(igraph_vector_init(&wv, 0));
    IGRAPH_FINALLY(igraph_vector_destroy, &wv);
    IGRAPH_CHECK(igraph_cattribute_EANV(
        ig, "weight", igraph_ess_all(IGRAPH_EDGEORDER_ID), &wv));
    igraph_integer_t m = igraph_ecount(ig);
    for (igraph_integer_t i = 0; i < m; i++) {
        src[i] = (uint32_t)VECTOR(el)[2 * i];
        dst[i] = (uint32_t)VECTOR(el)[2 * i + 1];
        w[i] = (float)VECTOR(wv)[i];
    }
    igraph_vector_destroy(&wv);
    igraph_vector_int_destroy(&el);
    IGRAPH_FINALLY_CLEAN(2);
    return IGRAPH_SUCCESS;
}

static void ig_setup(void)
{
    igraph_set_attribute_table(graph_igraph_cattribute_table());
}

/* ---- finishing the build: vectors, concepts, the image ------------------ */

static void build_release(struct build *b)
{
    kg_buf_release(&b->strings);
    kg_buf_release(&b->key);
    kg_buf_release(&b->doc);
    strmap_release(&b->vmap);
    strmap_release(&b->tmap);
    free(b->v);
    free(b->e);
    free(b->t);
    free(b->d);
    free(b->term_order);
    free(b->tf_term);
    free(b->tf_n);
    free(b->cite_src);
    free(b->cite_dst);
    free(b->scratch);
    text_tokens_release(&b->tk);
    text_free(b->text);
}

/* Makes the term vectors (into vecs, in document order) and the term
 * concepts with their about edges. */
static void build_vectors(struct build *b, struct wterm ***vecs,
                          uint32_t **vlen)
{
    uint32_t ndocs = (uint32_t)b->nd;
    *vlen = kg_xcalloc(b->nd ? b->nd : 1, sizeof **vlen);
    struct wterm **parts = kg_xcalloc(b->nd ? b->nd : 1, sizeof *parts);
    for (size_t i = 0; i < b->nd; i++) {
        struct bdoc *d = &b->d[i];
        struct wterm *wt = kg_xmalloc((d->n ? d->n : 1) * sizeof *wt);
        double norm = 0;
        for (uint32_t j = 0; j < d->n; j++) {
            uint32_t t = b->tf_term[d->start + j];
            double w = (1 + log((double)b->tf_n[d->start + j])) *
                       idf_of(b->t[t].df, ndocs);
            wt[j] = (struct wterm){.t = t, .w = (float)w};
            norm += w * w;
        }
        qsort(wt, d->n, sizeof *wt, cmp_wterm_desc);
        uint32_t keep = d->n;
        if (b->v[d->v].kind != KG_DEMAND && keep > b->item_terms) {
            keep = b->item_terms;
            norm = 0;
            for (uint32_t j = 0; j < keep; j++)
                norm += (double)wt[j].w * wt[j].w;
        }
        norm = norm > 0 ? sqrt(norm) : 1;
        for (uint32_t j = 0; j < keep; j++)
            wt[j].w = (float)(wt[j].w / norm);
        /* The strongest terms become concepts. */
        for (uint32_t j = 0; j < keep && j < b->concept_terms; j++) {
            struct bterm *bt = &b->t[wt[j].t];
            if (bt->vertex == GRAPH_NONE) {
                /* Copies: adding the concept may move b->strings. */
                char *key = kg_xstrdup(b->strings.data + bt->str);
                char *label = kg_xstrdup(b->strings.data + bt->surface);
                bt->vertex = concept(b, GRAPH_C_TERM, key, label);
                free(key);
                free(label);
            }
            edge(b, d->v, bt->vertex, wt[j].w, GRAPH_E_ABOUT);
        }
        qsort(wt, keep, sizeof *wt, cmp_wterm_term);
        parts[i] = wt;
        (*vlen)[i] = keep;
    }
    *vecs = parts;
}

/* v[0..n) (terms with their counts in w) weighted by TF-IDF and scaled to
 * unit length. */
static void unit_tfidf(const struct build *b, struct domain_term *v, uint32_t n)
{
    double norm = 0;
    for (uint32_t j = 0; j < n; j++) {
        double w = (1 + log((double)v[j].w)) *
                   idf_of(b->t[v[j].t].df, (uint32_t)b->nd);
        v[j].w = (float)w;
        norm += w * w;
    }
    norm = norm > 0 ? sqrt(norm) : 1;
    for (uint32_t j = 0; j < n; j++)
        v[j].w = (float)(v[j].w / norm);
}

/* Document i's TF-IDF vector for domain_from_store, in one buffer. */
struct place_ctx {
    struct build *b;
    struct domain_term *v;
    uint32_t cap;
};

static const struct domain_term *place_vector(void *ctx, size_t i, uint32_t *n)
{
    struct place_ctx *p = ctx;
    const struct bdoc *d = &p->b->d[i];
    if (d->n > p->cap) {
        p->cap = d->n;
        p->v = kg_xrealloc(p->v, (size_t)p->cap * sizeof *p->v);
    }
    for (uint32_t j = 0; j < d->n; j++)
        p->v[j] = (struct domain_term){p->b->tf_term[d->start + j],
                                       (float)p->b->tf_n[d->start + j]};
    unit_tfidf(p->b, p->v, d->n);
    *n = d->n;
    return p->v;
}

/* Places items and demands without fields or IPC codes by the domain
 * centroids of the records that have some, over every term of each record
 * (graph/README.md, "Cross-domain pairings"). */
static void place_by_store(struct build *b)
{
    struct domain_doc *dd = kg_xcalloc(b->nd ? b->nd : 1, sizeof *dd);
    for (size_t i = 0; i < b->nd; i++) {
        const struct bvert *x = &b->v[b->d[i].v];
        dd[i] = (struct domain_doc){
            .m = x->dom, .known = x->known, .place = x->place};
    }
    struct place_ctx ctx = {.b = b};
    domain_from_store(dd, b->nd, (uint32_t)b->tmap.n, place_vector, &ctx);
    for (size_t i = 0; i < b->nd; i++)
        b->v[b->d[i].v].dom = dd[i].m;
    free(ctx.v);
    free(dd);
}

/* Places experts, institutions and demands without domains of their own:
 * experts and institutions from the items they stand behind, a demand from
 * its enterprise. */
static void place_domains(struct build *b)
{
    domain_mask *extra = kg_xcalloc(b->nv ? b->nv : 1, sizeof *extra);
    for (size_t i = 0; i < b->ne; i++) {
        const struct bedge *e = &b->e[i];
        uint32_t a = e->a, c = e->b;
        switch (e->type) {
        case GRAPH_E_AUTHORED: /* achievement -> expert */
        case GRAPH_E_INVENTED:
        case GRAPH_E_OWNS: /* item -> institution/enterprise */
            extra[c] |= b->v[a].dom;
            break;
        case GRAPH_E_POSTED: /* demand -> enterprise */
            extra[a] |= b->v[c].dom;
            break;
        default:
            break;
        }
    }
    for (size_t v = 0; v < b->nv; v++)
        if (!b->v[v].dom && b->v[v].kind != GRAPH_CONCEPT)
            b->v[v].dom = extra[v];
    free(extra);
}

static void resolve_cites(struct build *b)
{
    for (size_t i = 0; i < b->ncite; i++) {
        const char *id = b->strings.data + b->cite_dst[i];
        kg_buf_reset(&b->key);
        kg_buf_addc(&b->key, (char)('0' + KG_PATENT));
        kg_buf_adds(&b->key, id);
        uint32_t d = strmap_get(&b->vmap, b->key.data, b->key.len, false, NULL);
        if (d != GRAPH_NONE)
            edge(b, b->cite_src[i], d, W_CITES, GRAPH_E_CITES);
    }
}

/* Renumbers the vertices so that records come first (0 .. nrec-1) and
 * concepts after them, both in their first-seen order: per-record arrays of
 * the matcher then stay small and dense. Returns nrec. */
static uint32_t records_first(struct build *b)
{
    uint32_t *to = kg_xmalloc((b->nv ? b->nv : 1) * sizeof *to);
    uint32_t n = 0;
    for (size_t v = 0; v < b->nv; v++)
        if (b->v[v].kind != GRAPH_CONCEPT)
            to[v] = n++;
    uint32_t nrec = n;
    for (size_t v = 0; v < b->nv; v++)
        if (b->v[v].kind == GRAPH_CONCEPT)
            to[v] = n++;
    struct bvert *nvx = kg_xmalloc((b->nv ? b->nv : 1) * sizeof *nvx);
    for (size_t v = 0; v < b->nv; v++)
        nvx[to[v]] = b->v[v];
    free(b->v);
    b->v = nvx;
    b->capv = b->nv;
    for (size_t i = 0; i < b->ne; i++) {
        b->e[i].a = to[b->e[i].a];
        b->e[i].b = to[b->e[i].b];
    }
    for (size_t i = 0; i < b->nd; i++)
        b->d[i].v = to[b->d[i].v];
    for (size_t t = 0; t < b->tmap.n; t++)
        if (b->t[t].vertex != GRAPH_NONE)
            b->t[t].vertex = to[b->t[t].vertex];
    free(to);
    return nrec;
}

/* Lists the people of the image g points into (its sections up to
 * G_PEOPLE written) and appends their lists' sections. */
static void add_people(struct image_writer *iw, const struct graph *g,
                       struct graph_meta *m)
{
    struct people_built pb;
    people_build(g, &pb);
    m->p_ne = pb.ne;
    m->p_ni = pb.ni;
    m->p_na = pb.na;
    m->p_nitems = pb.nitems;
    m->p_cap = GRAPH_PEOPLE_CAP;
    m->p_nemem = pb.nemem;
    m->p_nimem = pb.nimem;
    m->p_nxexp = pb.nxexp;
    m->p_nyinst = pb.nyinst;
    m->p_nzinst = pb.nzinst;
    const void *src[G_COUNT] = {
        [G_P_EOFF] = pb.eoff,     [G_P_IOFF] = pb.ioff,
        [G_P_XOFF] = pb.xoff,     [G_P_YOFF] = pb.yoff,
        [G_P_ZOFF] = pb.zoff,     [G_P_EMEM] = pb.emem,
        [G_P_IMEM] = pb.imem,     [G_P_XEXP] = pb.xexp,
        [G_P_YINST] = pb.yinst,   [G_P_ZINST] = pb.zinst,
        [G_P_EONE] = pb.eone,     [G_P_IONE] = pb.ione,
        [G_P_ECOUNT] = pb.ecount, [G_P_ICOUNT] = pb.icount,
    };
    for (unsigned i = G_PEOPLE; i < G_COUNT; i++) {
        uint64_t n = section_bytes(m, i);
        uint64_t off = image_add_section(iw, i, n);
        if (n)
            memcpy(iw->p + off, src[i], n);
    }
    people_built_release(&pb);
}

/* s copied to the end of *to; "" at offset 0, where every empty string
 * goes. */
static uint32_t move_string(struct kg_buf *to, const char *s)
{
    if (!*s)
        return 0;
    uint32_t off = (uint32_t)to->len;
    kg_buf_add(to, s, strlen(s) + 1);
    return off;
}

/* Writes the strings again in the order they are looked up: the records'
 * ids in vertex order, then the terms in string order, each run dense,
 * then the rest (labels, regions, concepts' keys, terms' surfaces). They
 * were written as the store was read, an id beside its record's label: a
 * lookup of every BM25 hit's id (hit_vertex) or a binary search of the
 * terms then read one page per string of a large image, each a page fault
 * in a fresh process. Strings no longer referred to (the cites' targets,
 * replaced surfaces) are left out, so the strings only shrink. Sets
 * b->term_order. */
static void compact_strings(struct build *b, uint32_t nrec)
{
    size_t nt = b->tmap.n;
    b->term_order = kg_xmalloc((nt ? nt : 1) * sizeof *b->term_order);
    for (uint32_t t = 0; t < nt; t++)
        b->term_order[t] = t;
    qsort_r(b->term_order, nt, sizeof *b->term_order, cmp_term_order, b);
    const char *from = b->strings.data;
    struct kg_buf to;
    kg_buf_init(&to);
    kg_buf_addc(&to, '\0');
    for (uint32_t v = 0; v < nrec; v++)
        b->v[v].id = move_string(&to, from + b->v[v].id);
    for (size_t i = 0; i < nt; i++) {
        struct bterm *bt = &b->t[b->term_order[i]];
        bt->str = move_string(&to, from + bt->str);
    }
    for (size_t v = 0; v < b->nv; v++) {
        struct bvert *x = &b->v[v];
        if (v >= nrec)
            x->id = move_string(&to, from + x->id);
        x->label = move_string(&to, from + x->label);
        x->region = move_string(&to, from + x->region);
    }
    for (size_t t = 0; t < nt; t++)
        b->t[t].surface = move_string(&to, from + b->t[t].surface);
    kg_buf_release(&b->strings);
    b->strings = to;
}

static kg_status build_image(struct build *b, int64_t version,
                             struct graph_mem *mem)
{
    struct wterm **vecs;
    uint32_t *vlen;
    build_vectors(b, &vecs, &vlen);
    resolve_cites(b);
    place_by_store(b);
    place_domains(b);
    uint32_t nrec = records_first(b);
    compact_strings(b, nrec);

    /* igraph: create the graph, then derive the CSR from it. */
    kg_status st = KG_OK;
    size_t ne = b->ne;
    uint32_t *src = kg_xmalloc((ne ? ne : 1) * sizeof *src);
    uint32_t *dst = kg_xmalloc((ne ? ne : 1) * sizeof *dst);
    float *w = kg_xmalloc((ne ? ne : 1) * sizeof *w);
    uint8_t *type = kg_xmalloc(ne ? ne : 1);
    uint8_t *kind = kg_xmalloc(b->nv ? b->nv : 1);
    uint8_t *sub = kg_xmalloc(b->nv ? b->nv : 1);
    uint32_t *vid = kg_xmalloc((b->nv ? b->nv : 1) * sizeof *vid);
    uint32_t *vlab = kg_xmalloc((b->nv ? b->nv : 1) * sizeof *vlab);
    domain_mask *vdom = kg_xmalloc((b->nv ? b->nv : 1) * sizeof *vdom);
    for (size_t i = 0; i < ne; i++) {
        src[i] = b->e[i].a;
        dst[i] = b->e[i].b;
        w[i] = b->e[i].w;
        type[i] = b->e[i].type;
    }
    for (size_t v = 0; v < b->nv; v++) {
        kind[v] = b->v[v].kind;
        sub[v] = b->v[v].sub;
        vid[v] = b->v[v].id;
        vlab[v] = b->v[v].label;
        vdom[v] = b->v[v].dom;
    }
    struct ig_src is = {.nv = (uint32_t)b->nv,
                        .kind = kind,
                        .sub = sub,
                        .id = vid,
                        .label = vlab,
                        .dom = vdom,
                        .strings = b->strings.data,
                        .ne = ne,
                        .src = src,
                        .dst = dst,
                        .w = w,
                        .type = type};
    ig_setup();
    igraph_error_handler_t *old =
        igraph_set_error_handler(igraph_error_handler_ignore);
    igraph_t ig;
    if (ig_create(&ig, &is) != IGRAPH_SUCCESS) {
        snprintf(b->err, b->errlen, "igraph could not build the graph");
        st = KG_EINTERNAL;
    } else {
        if (ig_edges(&ig, src, dst, w) != IGRAPH_SUCCESS) {
            snprintf(b->err, b->errlen, "igraph could not list the edges");
            st = KG_EINTERNAL;
        }
        igraph_destroy(&ig);
    }
    igraph_set_error_handler(old);
    free(kind);
    free(sub);
    free(vid);
    free(vlab);
    free(vdom);
    if (st != KG_OK)
        goto done;

    uint64_t nvec = 0, ninv = 0;
    for (size_t i = 0; i < b->nd; i++) {
        nvec += vlen[i];
        if (b->v[b->d[i].v].kind != KG_DEMAND)
            ninv += vlen[i];
    }
    struct graph_meta m = {
        .text_version = TEXT_VERSION,
        .version = version,
        .nv = (uint32_t)b->nv,
        .nterms = (uint32_t)b->tmap.n,
        .ndocs = (uint32_t)b->nd,
        .item_terms = b->item_terms,
        .concept_terms = b->concept_terms,
        .ref_year = b->ref_year,
        .nrec = nrec,
        .ne = ne,
        .nslots = 2 * (uint64_t)ne,
        .nvec = nvec,
        .ninv = ninv,
        .strings_len = b->strings.len,
    };
    struct image_writer iw;
    image_writer_init(&iw, G_COUNT, sizeof m);
    uint64_t sec[G_COUNT] = {0};
    for (unsigned i = 0; i < G_PEOPLE; i++)
        sec[i] = image_add_section(&iw, i, section_bytes(&m, i));
    struct graph g;
    memset(&g, 0, sizeof g);
    point_into(&g, iw.p, sec, &m);
    size_t nv = b->nv;
    for (size_t v = 0; v < nv; v++) {
        ((uint8_t *)g.vkind)[v] = b->v[v].kind;
        ((uint8_t *)g.vsub)[v] = b->v[v].sub;
        ((uint8_t *)g.vmaturity)[v] = b->v[v].maturity;
        ((int16_t *)g.vyear)[v] = b->v[v].year;
        ((uint32_t *)g.vid)[v] = b->v[v].id;
        ((uint32_t *)g.vlabel)[v] = b->v[v].label;
        ((uint32_t *)g.vregion)[v] = b->v[v].region;
        ((domain_mask *)g.vdomain)[v] = b->v[v].dom;
        ((uint32_t *)g.order)[v] = (uint32_t)v;
    }
    qsort_r((uint32_t *)g.order, nv, sizeof(uint32_t), cmp_vertex_order, b);

    /* CSR with edge types, neighbours sorted. */
    uint64_t *off = (uint64_t *)g.csr.off;
    for (size_t i = 0; i < ne; i++) {
        off[src[i] + 1]++;
        off[dst[i] + 1]++;
    }
    for (size_t v = 0; v < nv; v++)
        off[v + 1] += off[v];
    struct slot *slots = kg_xmalloc((ne ? 2 * ne : 1) * sizeof *slots);
    uint64_t *fill = kg_xmalloc((nv + 1) * sizeof *fill);
    memcpy(fill, off, (nv + 1) * sizeof *fill);
    for (size_t i = 0; i < ne; i++) {
        slots[fill[src[i]]++] = (struct slot){dst[i], w[i], type[i]};
        slots[fill[dst[i]]++] = (struct slot){src[i], w[i], type[i]};
    }
    free(fill);
    for (size_t v = 0; v < nv; v++) {
        qsort(slots + off[v], off[v + 1] - off[v], sizeof *slots, cmp_slot);
        double sum = 0;
        for (uint64_t i = off[v]; i < off[v + 1]; i++) {
            ((uint32_t *)g.csr.adj)[i] = slots[i].to;
            ((float *)g.csr.w)[i] = slots[i].w;
            ((uint8_t *)g.etype)[i] = slots[i].type;
            sum += slots[i].w;
        }
        ((float *)g.csr.wdeg)[v] = (float)sum;
    }
    free(slots);

    /* Vectors by vertex. */
    uint64_t *voff = (uint64_t *)g.vec_off;
    uint32_t *doc_of = kg_xmalloc((nv ? nv : 1) * sizeof *doc_of);
    for (size_t v = 0; v < nv; v++)
        doc_of[v] = GRAPH_NONE;
    for (size_t i = 0; i < b->nd; i++)
        doc_of[b->d[i].v] = (uint32_t)i;
    uint64_t at = 0;
    for (size_t v = 0; v < nv; v++) {
        voff[v] = at;
        uint32_t di = doc_of[v];
        if (di == GRAPH_NONE)
            continue;
        for (uint32_t j = 0; j < vlen[di]; j++) {
            ((uint32_t *)g.vec_term)[at] = vecs[di][j].t;
            ((float *)g.vec_w)[at] = vecs[di][j].w;
            at++;
        }
    }
    voff[nv] = at;
    free(doc_of);

    /* Postings: for each term, the records (all but demands) whose vector
     * holds it, by vertex. */
    uint64_t *ioff = (uint64_t *)g.inv_off;
    uint32_t nterm = (uint32_t)b->tmap.n;
    for (size_t v = 0; v < nv; v++) {
        if (b->v[v].kind == KG_DEMAND)
            continue;
        for (uint64_t j = voff[v]; j < voff[v + 1]; j++)
            ioff[g.vec_term[j] + 1]++;
    }
    for (uint32_t t = 0; t < nterm; t++)
        ioff[t + 1] += ioff[t];
    uint64_t *ifill = kg_xmalloc(((size_t)nterm + 1) * sizeof *ifill);
    memcpy(ifill, ioff, ((size_t)nterm + 1) * sizeof *ifill);
    for (size_t v = 0; v < nv; v++) {
        if (b->v[v].kind == KG_DEMAND)
            continue;
        for (uint64_t j = voff[v]; j < voff[v + 1]; j++) {
            uint64_t at2 = ifill[g.vec_term[j]]++;
            ((uint32_t *)g.inv_v)[at2] = (uint32_t)v;
            ((float *)g.inv_w)[at2] = g.vec_w[j];
        }
    }
    free(ifill);

    /* Terms. */
    uint32_t nt = (uint32_t)b->tmap.n;
    for (uint32_t t = 0; t < nt; t++) {
        ((uint32_t *)g.term_str)[t] = b->t[t].str;
        ((uint32_t *)g.term_surface)[t] = b->t[t].surface;
        ((uint32_t *)g.term_df)[t] = b->t[t].df;
        ((uint32_t *)g.term_vertex)[t] = b->t[t].vertex;
    }
    memcpy((uint32_t *)g.term_order, b->term_order, nt * sizeof(uint32_t));
    memcpy((char *)g.strings, b->strings.data, b->strings.len);
    add_people(&iw, &g, &m);
    image_finish(&iw, GRAPH_MAGIC, GRAPH_FORMAT, &m);
    mem->base = iw.p;
    mem->len = iw.len;
    mem->mapped = false;

done:
    for (size_t i = 0; i < b->nd; i++)
        free(vecs[i]);
    free(vecs);
    free(vlen);
    free(src);
    free(dst);
    free(w);
    free(type);
    return st;
}

/* Builds the image of s, stamped with version (read before the records,
 * so a change made meanwhile leaves the image stale, not wrongly current). */
kg_status graph_build(struct store *s, int64_t version,
                      const struct graph_opts *opts, struct graph_mem *mem,
                      char *err, size_t errlen)
{
    /* before the store is read: without igraph it would be read for
     * nothing (minutes at 1M records) */
    const char *missing = graph_igraph_unavailable();
    if (missing) {
        snprintf(err, errlen, "%s", missing);
        return KG_EINTERNAL;
    }
    struct build b;
    memset(&b, 0, sizeof b);
    b.err = err;
    b.errlen = errlen;
    b.item_terms =
        opts && opts->item_terms ? opts->item_terms : DEFAULT_ITEM_TERMS;
    b.concept_terms = opts && opts->concept_terms ? opts->concept_terms
                                                  : DEFAULT_CONCEPT_TERMS;
    kg_buf_init(&b.strings);
    kg_buf_init(&b.key);
    kg_buf_init(&b.doc);
    kg_buf_adds(&b.strings, ""); /* offset 0 is "" */
    kg_buf_addc(&b.strings, '\0');
    strmap_init(&b.vmap);
    strmap_init(&b.tmap);
    text_tokens_init(&b.tk);
    b.tk.surfaces = true;
    kg_status st = text_new(NULL, &b.text, err, errlen);
    if (st != KG_OK)
        goto fail;
    st = store_foreach(s, &(struct store_iter_opts){.kinds = 0}, on_record, &b);
    if (st == KG_OK && b.st != KG_OK)
        st = b.st;
    else if (st != KG_OK)
        snprintf(err, errlen, "reading records: %s", store_last_error(s));
    if (st != KG_OK)
        goto fail;
    st = store_foreach_link(s, NULL, NULL, on_link, &b);
    if (st != KG_OK) {
        snprintf(err, errlen, "reading links: %s", store_last_error(s));
        goto fail;
    }
    if (b.nv >= GRAPH_NONE || b.strings.len >= UINT32_MAX) {
        snprintf(err, errlen, "graph too large (%zu vertices)", b.nv);
        st = KG_ELIMIT;
        goto fail;
    }
    st = build_image(&b, version, mem);
fail:
    build_release(&b);
    return st;
}

/* ---- lookups ------------------------------------------------------------ */

uint32_t graph_find(const struct graph *g, unsigned kind, const char *id)
{
    size_t lo = 0, hi = g->nv;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t v = g->order[mid];
        int c = g->vkind[v] != kind ? (g->vkind[v] < kind ? -1 : 1)
                                    : strcmp(g->strings + g->vid[v], id);
        if (c == 0)
            return v;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return GRAPH_NONE;
}

uint32_t graph_term_find(const struct graph *g, const char *term, size_t len)
{
    size_t lo = 0, hi = g->nterms;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t t = g->term_order[mid];
        const char *s = g->strings + g->term_str[t];
        int c = strncmp(s, term, len);
        if (c == 0 && s[len] != '\0')
            c = 1;
        if (c == 0)
            return t;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return GRAPH_NONE;
}

double graph_idf(const struct graph *g, uint32_t t)
{
    return idf_of(t < g->nterms ? g->term_df[t] : 0, g->ndocs);
}

void graph_get_stats(const struct graph *g, struct graph_stats *st)
{
    memset(st, 0, sizeof *st);
    st->nv = g->nv;
    st->ne = g->ne;
    for (uint32_t v = 0; v < g->nv; v++) {
        st->vertices[g->vkind[v]]++;
        if (g->vkind[v] == GRAPH_CONCEPT && g->vsub[v] <= GRAPH_C_TERM)
            st->concepts[g->vsub[v]]++;
        for (uint64_t i = g->csr.off[v]; i < g->csr.off[v + 1]; i++)
            if (g->csr.adj[i] > v && g->etype[i] < GRAPH_E_COUNT)
                st->edges[g->etype[i]]++;
    }
}
