/*
 * graph_image.c - the cache file: its format (a core/image, laid out
 * below), writing it through core/image, and checking every offset on
 * open before anything in it is followed. graph_open maps a current,
 * sound file or builds the graph (graph.c) and writes it.
 */
#include "graph/graph_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/image.h"
#include "core/text.h"

/* ---- the image ---------------------------------------------------------- */

/*
 * The cache file is a core/image (image.h has the container: header,
 * whole-file checksum, section table): magic "KGGRAPH\0", format
 * GRAPH_FORMAT, struct graph_meta as the owner's header, and one section
 * per array of struct graph, each 8-aligned, in the order of enum gsec,
 * its length the count in `shape` times the element size:
 *
 *   vkind vsub vmaturity   nv    uint8    kind <= GRAPH_CONCEPT, concept
 *                                         subtype <= GRAPH_C_TERM, 1..9
 *   vyear                  nv    int16
 *   vid vlabel vregion     nv    uint32   offsets into strings
 *   vdomain                nv    uint32   domain bits
 *   order                  nv    uint32   vertices by (kind, id)
 *   csr.off                nv+1  uint64   slots of v: [off[v], off[v+1])
 *   csr.adj csr.w          2 ne  uint32, float: neighbour, weight
 *   csr.wdeg               nv    float    weighted degree
 *   etype                  2 ne  uint8    enum graph_edge of the slot
 *   vec_off                nv+1  uint64   vector of v: [vec_off[v], ..[v+1])
 *   vec_term vec_w         nvec  uint32, float: term id, weight
 *   inv_off                nt+1  uint64   postings of t: [inv_off[t], ..)
 *   inv_v inv_w            ninv  uint32, float: vertex, weight
 *   term_str term_surface  nt    uint32   offsets into strings
 *   term_df                nt    uint32
 *   term_vertex            nt    uint32   its concept vertex or GRAPH_NONE
 *   term_order             nt    uint32   terms by string
 *   strings          strings_len char     NUL-terminated strings: "" at 0,
 *                                         the records' ids in vertex order,
 *                                         the terms in term_order, the rest
 *                                         (the lookups read dense runs)
 *
 * and the people's lists (graph_int.h, struct graph_people; pe experts,
 * pi institutions, items achievements and patents; the takers' lengths
 * count the GRAPH_PEOPLE_AHEAD zeros after them):
 *
 *   eoff / ioff            pe+1 / pi+1  uint64  members by person
 *   xoff yoff / zoff       items+2 / pe+2  uint64  takers by member
 *   emem / imem            p_nemem / p_nimem  uint32  record vertices
 *   xexp / yinst / zinst   p_nxexp ... + 16  uint32  expert / institution
 *   eone / ione            pe / pi      uint8   0 or 1
 *   ecount / icount        pe / pi      uint32[4] / uint32[2]
 *
 * Nothing in it is followed before attach() has checked, beyond the
 * checksum, every offset and id against what it indexes: the CSR,
 * vector and people's offsets start at 0, never decrease and end at the
 * array's length; records before concepts; vertex ids < nv (members:
 * < nrec), term ids < nterms,
 * pool indexes < the pool, string offsets inside the strings, which end
 * in a NUL; the pools' sizes are the counts of their kinds. Once a mapped file
 * has passed, its stamp (core/image.h, THE VERIFIED STAMP) says so and the next
 * opens of the unchanged file skip both the checksum and these checks.
 */
enum {
    N_V,
    N_V1,
    N_SLOTS,
    N_VEC,
    N_INV,
    N_T,
    N_T1,
    N_STR,
    N_PE,     /* experts */
    N_PE1,    /* + 1 */
    N_PE2,    /* + 2 */
    N_PI,     /* institutions */
    N_PI1,    /* + 1 */
    N_ITEMS2, /* items + 2 */
    N_EMEM,
    N_IMEM,
    N_XEXP, /* + GRAPH_PEOPLE_AHEAD, as the other two takers' */
    N_YINST,
    N_ZINST,
};
static const struct {
    uint8_t size, count;
} shape[G_COUNT] = {
    [G_VKIND] = {1, N_V},       [G_VSUB] = {1, N_V},
    [G_VMATURITY] = {1, N_V},   [G_VYEAR] = {2, N_V},
    [G_VID] = {4, N_V},         [G_VLABEL] = {4, N_V},
    [G_VREGION] = {4, N_V},     [G_VDOMAIN] = {sizeof(domain_mask), N_V},
    [G_ORDER] = {4, N_V},       [G_CSR_OFF] = {8, N_V1},
    [G_CSR_ADJ] = {4, N_SLOTS}, [G_CSR_W] = {4, N_SLOTS},
    [G_CSR_WDEG] = {4, N_V},    [G_ETYPE] = {1, N_SLOTS},
    [G_VEC_OFF] = {8, N_V1},    [G_VEC_TERM] = {4, N_VEC},
    [G_VEC_W] = {4, N_VEC},     [G_INV_OFF] = {8, N_T1},
    [G_INV_V] = {4, N_INV},     [G_INV_W] = {4, N_INV},
    [G_TERM_STR] = {4, N_T},    [G_TERM_SURFACE] = {4, N_T},
    [G_TERM_DF] = {4, N_T},     [G_TERM_VERTEX] = {4, N_T},
    [G_TERM_ORDER] = {4, N_T},  [G_STRINGS] = {1, N_STR},
    [G_P_EOFF] = {8, N_PE1},    [G_P_IOFF] = {8, N_PI1},
    [G_P_XOFF] = {8, N_ITEMS2}, [G_P_YOFF] = {8, N_ITEMS2},
    [G_P_ZOFF] = {8, N_PE2},    [G_P_EMEM] = {4, N_EMEM},
    [G_P_IMEM] = {4, N_IMEM},   [G_P_XEXP] = {4, N_XEXP},
    [G_P_YINST] = {4, N_YINST}, [G_P_ZINST] = {4, N_ZINST},
    [G_P_EONE] = {1, N_PE},     [G_P_IONE] = {1, N_PI},
    [G_P_ECOUNT] = {16, N_PE},  [G_P_ICOUNT] = {8, N_PI},
};

const struct image_spec graph_spec = {
    .magic = GRAPH_MAGIC,
    .what = "graph",
    .format = GRAPH_FORMAT,
    .nsections = G_COUNT,
    .meta_len = sizeof(struct graph_meta),
};

/* The length in bytes section i must have; UINT64_MAX when the counts
 * cannot be right (an overflow). */
uint64_t section_bytes(const struct graph_meta *m, unsigned i)
{
    uint64_t n = 0;
    switch (shape[i].count) {
    case N_V:
        n = m->nv;
        break;
    case N_V1:
        n = (uint64_t)m->nv + 1;
        break;
    case N_SLOTS:
        n = m->nslots;
        break;
    case N_VEC:
        n = m->nvec;
        break;
    case N_INV:
        n = m->ninv;
        break;
    case N_T:
        n = m->nterms;
        break;
    case N_T1:
        n = (uint64_t)m->nterms + 1;
        break;
    case N_STR:
        n = m->strings_len;
        break;
    case N_PE:
    case N_PE1:
    case N_PE2:
        n = (uint64_t)m->p_ne + (shape[i].count - N_PE);
        break;
    case N_PI:
    case N_PI1:
        n = (uint64_t)m->p_ni + (shape[i].count - N_PI);
        break;
    case N_ITEMS2:
        n = (uint64_t)m->p_nitems + 2;
        break;
    case N_EMEM:
        n = m->p_nemem;
        break;
    case N_IMEM:
        n = m->p_nimem;
        break;
    case N_XEXP:
        n = m->p_nxexp;
        break;
    case N_YINST:
        n = m->p_nyinst;
        break;
    case N_ZINST:
        n = m->p_nzinst;
        break;
    }
    if (shape[i].count >= N_XEXP && shape[i].count <= N_ZINST)
        n = n > UINT64_MAX / 8 ? n : n + GRAPH_PEOPLE_AHEAD;
    return n > UINT64_MAX / 8 ? UINT64_MAX : n * shape[i].size;
}

/* Points g's arrays at the sections of an image at base. */
void point_into(struct graph *g, const uint8_t *base,
                const uint64_t off[G_COUNT], const struct graph_meta *m)
{
#define AT(i) ((const void *)(base + off[i]))
    g->vkind = AT(G_VKIND);
    g->vsub = AT(G_VSUB);
    g->vmaturity = AT(G_VMATURITY);
    g->vyear = AT(G_VYEAR);
    g->vid = AT(G_VID);
    g->vlabel = AT(G_VLABEL);
    g->vregion = AT(G_VREGION);
    g->vdomain = AT(G_VDOMAIN);
    g->order = AT(G_ORDER);
    g->csr.off = AT(G_CSR_OFF);
    g->csr.adj = AT(G_CSR_ADJ);
    g->csr.w = AT(G_CSR_W);
    g->csr.wdeg = AT(G_CSR_WDEG);
    g->etype = AT(G_ETYPE);
    g->vec_off = AT(G_VEC_OFF);
    g->vec_term = AT(G_VEC_TERM);
    g->vec_w = AT(G_VEC_W);
    g->inv_off = AT(G_INV_OFF);
    g->inv_v = AT(G_INV_V);
    g->inv_w = AT(G_INV_W);
    g->term_str = AT(G_TERM_STR);
    g->term_surface = AT(G_TERM_SURFACE);
    g->term_df = AT(G_TERM_DF);
    g->term_vertex = AT(G_TERM_VERTEX);
    g->term_order = AT(G_TERM_ORDER);
    g->strings = AT(G_STRINGS);
    g->people = (struct graph_people){
        .ne = m->p_ne,
        .ni = m->p_ni,
        .na = m->p_na,
        .nitems = m->p_nitems,
        .eoff = AT(G_P_EOFF),
        .ioff = AT(G_P_IOFF),
        .xoff = AT(G_P_XOFF),
        .yoff = AT(G_P_YOFF),
        .zoff = AT(G_P_ZOFF),
        .emem = AT(G_P_EMEM),
        .imem = AT(G_P_IMEM),
        .xexp = AT(G_P_XEXP),
        .yinst = AT(G_P_YINST),
        .zinst = AT(G_P_ZINST),
        .eone = AT(G_P_EONE),
        .ione = AT(G_P_IONE),
        /* (a pointer to arrays of const is not itself const in C17) */
        .ecount = (const uint32_t(*)[4])(uintptr_t)AT(G_P_ECOUNT),
        .icount = (const uint32_t(*)[2])(uintptr_t)AT(G_P_ICOUNT),
    };
#undef AT
    g->nv = m->nv;
    g->ne = m->ne;
    g->version = m->version;
    g->ref_year = m->ref_year;
    g->nrec = m->nrec;
    g->nterms = m->nterms;
    g->ndocs = m->ndocs;
    g->csr.n = m->nv;
}

/* off[0..n] starts at 0, never decreases and ends at end. */
static bool offsets_ok(const uint64_t *off, size_t n, uint64_t end)
{
    if (off[0] != 0 || off[n] != end)
        return false;
    for (size_t i = 0; i < n; i++)
        if (off[i] > off[i + 1])
            return false;
    return true;
}

/* Every ids[i] < n (or == also, when also is not 0). */
static bool ids_ok(const uint32_t *ids, size_t count, uint64_t n, uint32_t also)
{
    for (size_t i = 0; i < count; i++)
        if (ids[i] >= n && !(also && ids[i] == also))
            return false;
    return true;
}

/* What is wrong with the people's lists of t (pointed into an image of
 * counts m), whose vertex kinds passed and number n[kind]; NULL when
 * nothing is. */
static const char *people_bad(const struct graph *t, const struct graph_meta *m,
                              const uint32_t n[KG_KIND_COUNT])
{
    const struct graph_people *p = &t->people;
    if (p->ne != n[KG_EXPERT] || p->ni != n[KG_INSTITUTION] ||
        p->na != n[KG_ACHIEVEMENT] ||
        p->nitems != (uint64_t)n[KG_ACHIEVEMENT] + n[KG_PATENT])
        return "people's pools";
    if (!offsets_ok(p->eoff, p->ne, m->p_nemem) ||
        !offsets_ok(p->ioff, p->ni, m->p_nimem) ||
        !offsets_ok(p->xoff, (size_t)p->nitems + 1, m->p_nxexp) ||
        !offsets_ok(p->yoff, (size_t)p->nitems + 1, m->p_nyinst) ||
        !offsets_ok(p->zoff, (size_t)p->ne + 1, m->p_nzinst))
        return "people's offsets";
    if (!ids_ok(p->emem, m->p_nemem, m->nrec, 0) ||
        !ids_ok(p->imem, m->p_nimem, m->nrec, 0) ||
        !ids_ok(p->xexp, m->p_nxexp, p->ne, 0) ||
        !ids_ok(p->yinst, m->p_nyinst, p->ni, 0) ||
        !ids_ok(p->zinst, m->p_nzinst, p->ni, 0))
        return "people's members";
    for (size_t i = 0; i < GRAPH_PEOPLE_AHEAD; i++)
        if (p->xexp[m->p_nxexp + i] || p->yinst[m->p_nyinst + i] ||
            p->zinst[m->p_nzinst + i])
            return "people's members";
    for (size_t i = 0; i < p->ne; i++)
        if (p->eone[i] > 1)
            return "people's marks";
    for (size_t i = 0; i < p->ni; i++)
        if (p->ione[i] > 1)
            return "people's marks";
    return NULL;
}

/* What is wrong with the arrays of t (pointed into an image of counts m)
 * by the format above: every offset and id checked against what it
 * indexes; NULL when nothing is. Reads every byte but the strings. */
static const char *contents_bad(const struct graph *t,
                                const struct graph_meta *m)
{
    size_t nv = m->nv, nt = m->nterms;
    uint64_t ns = m->strings_len;
    if (!ids_ok(t->vid, nv, ns, 0) || !ids_ok(t->vlabel, nv, ns, 0) ||
        !ids_ok(t->vregion, nv, ns, 0) || !ids_ok(t->term_str, nt, ns, 0) ||
        !ids_ok(t->term_surface, nt, ns, 0))
        return "string offsets";
    if (!ids_ok(t->order, nv, nv, 0) || !ids_ok(t->csr.adj, m->nslots, nv, 0) ||
        !ids_ok(t->inv_v, m->ninv, nv, 0) ||
        !ids_ok(t->term_vertex, nt, nv, GRAPH_NONE))
        return "vertex ids";
    if (!ids_ok(t->vec_term, m->nvec, nt, 0) ||
        !ids_ok(t->term_order, nt, nt, 0))
        return "term ids";
    if (!offsets_ok(t->csr.off, nv, m->nslots) ||
        !offsets_ok(t->vec_off, nv, m->nvec) ||
        !offsets_ok(t->inv_off, nt, m->ninv))
        return "adjacency or vector offsets";
    /* records first (vertices 0 .. nrec-1), then the concepts */
    uint32_t kinds[KG_KIND_COUNT] = {0};
    for (size_t v = 0; v < nv; v++) {
        if (t->vkind[v] > GRAPH_CONCEPT || t->vsub[v] > GRAPH_C_TERM ||
            (v < m->nrec) != (t->vkind[v] != GRAPH_CONCEPT))
            return "vertex kinds";
        if (v < m->nrec) /* a record: a kind below GRAPH_CONCEPT */
            kinds[t->vkind[v]]++;
    }
    for (uint64_t i = 0; i < m->nslots; i++)
        if (t->etype[i] == 0 || t->etype[i] >= GRAPH_E_COUNT)
            return "edge types";
    return people_bad(t, m, kinds);
}

/*
 * Checks the contents of an image that image_check passed and points g
 * into it: section lengths and alignment against the counts, then every
 * offset and id (contents_bad) unless the image's stamp vouches that
 * these very bytes passed them before (image_vouch after a map). Returns
 * false with the reason in why, g untouched.
 */
static bool attach(struct graph *g, const struct image *im, char *why,
                   size_t whylen)
{
    struct graph_meta m;
    memcpy(&m, im->meta, sizeof m);
    const char *bad = NULL;
    if (m.nv >= GRAPH_NONE || m.nrec > m.nv || m.nslots != 2 * m.ne ||
        m.strings_len == 0 || m.p_na > m.p_nitems)
        bad = "counts";
    for (unsigned i = 0; !bad && i < G_COUNT; i++)
        if (im->len[i] != section_bytes(&m, i) || im->off[i] % 8)
            bad = "section sizes";
    struct graph t;
    memset(&t, 0, sizeof t);
    if (!bad) {
        point_into(&t, im->base, im->off, &m);
        if (t.strings[m.strings_len - 1] != '\0')
            bad = "strings";
        else if (!im->vouched)
            bad = contents_bad(&t, &m);
    }
    if (bad) {
        snprintf(why, whylen, "inconsistent %s", bad);
        return false;
    }
    t.mem = g->mem;
    *g = t;
    return true;
}

/* ---- the cache file ----------------------------------------------------- */

/* What became of the cache file at open. */
enum cache_state {
    CACHE_CURRENT,    /* mapped */
    CACHE_MISSING,    /* no file: built silently */
    CACHE_STALE,      /* another store version, options or format */
    CACHE_DAMAGED,    /* fails the checksum or the bounds checks */
    CACHE_UNREADABLE, /* cannot be opened or mapped */
};

/* The image was built for this store version and these options. */
static bool meta_current(const struct graph_meta *m,
                         const struct graph_opts *opts, int64_t version)
{
    unsigned it =
        opts && opts->item_terms ? opts->item_terms : DEFAULT_ITEM_TERMS;
    unsigned ct = opts && opts->concept_terms ? opts->concept_terms
                                              : DEFAULT_CONCEPT_TERMS;
    return m->text_version == TEXT_VERSION && m->version == version &&
           m->item_terms == it && m->concept_terms == ct &&
           m->p_cap == GRAPH_PEOPLE_CAP;
}

/* Maps path into g when it holds a current, sound image; the reason it
 * does not in why. */
static enum cache_state map_cache(const char *path,
                                  const struct graph_opts *opts,
                                  int64_t version, struct graph *g, char *why,
                                  size_t whylen)
{
    struct image im;
    enum image_verdict v;
    kg_status st = image_map(path, &graph_spec, &im, &v, why, whylen);
    if (st == KG_ENOTFOUND)
        return CACHE_MISSING;
    if (st == KG_EIO)
        return CACHE_UNREADABLE;
    if (st != KG_OK)
        return v == IMAGE_FOREIGN ? CACHE_STALE : CACHE_DAMAGED;
    struct graph_meta m;
    memcpy(&m, im.meta, sizeof m);
    enum cache_state cs = CACHE_CURRENT;
    if (!meta_current(&m, opts, version))
        cs = CACHE_STALE;
    else if (!attach(g, &im, why, whylen))
        cs = CACHE_DAMAGED;
    if (cs != CACHE_CURRENT) {
        image_release(&im);
        return cs;
    }
    image_vouch(path, &im);
    g->mem->base = (void *)im.base;
    g->mem->len = im.size;
    g->mem->mapped = true;
    return CACHE_CURRENT;
}

kg_status graph_open(struct store *s, const struct graph_opts *opts,
                     struct graph **out, char *err, size_t errlen)
{
    *out = NULL;
    int64_t version = 0;
    kg_status st = store_version(s, &version);
    if (st != KG_OK) {
        snprintf(err, errlen, "%s", store_last_error(s));
        return st;
    }
    bool use_file = !(opts && opts->no_cache);
    char *path = graph_cache_path(store_path(s));
    struct graph *g = kg_xcalloc(1, sizeof *g);
    struct graph_mem *mem = kg_xcalloc(1, sizeof *g->mem);
    g->mem = mem;
    char why[256] = "";
    enum cache_state cs = CACHE_MISSING;
    if (use_file && !(opts && opts->rebuild))
        cs = map_cache(path, opts, version, g, why, sizeof why);
    if (cs == CACHE_STALE)
        mem->rebuilt = GRAPH_REBUILD_STALE;
    else if (cs == CACHE_DAMAGED)
        mem->rebuilt = GRAPH_REBUILD_DAMAGED;
    else if (cs == CACHE_UNREADABLE)
        mem->rebuilt = GRAPH_REBUILD_UNREADABLE;
    if (cs == CACHE_DAMAGED || cs == CACHE_UNREADABLE)
        snprintf(mem->why, sizeof mem->why, "%s", why);
    mem->built = cs != CACHE_CURRENT;
    mem->in_memory = !use_file;
    if (cs != CACHE_CURRENT) {
        st = graph_build(s, version, opts, g->mem, err, errlen);
        struct image im;
        if (st == KG_OK &&
            (image_check(&graph_spec, g->mem->base, g->mem->len, false, &im,
                         why, sizeof why) != IMAGE_OK ||
             !attach(g, &im, why, sizeof why))) {
            snprintf(err, errlen, "internal error: fresh graph unsound: %s",
                     why);
            st = KG_EINTERNAL;
        }
        if (st != KG_OK) {
            graph_free(g);
            free(path);
            return st;
        }
        if (use_file &&
            image_write(path, mem->base, mem->len, why, sizeof why) != KG_OK) {
            snprintf(mem->write_err, sizeof mem->write_err, "%s", why);
            mem->in_memory = true;
        }
    }
    if (use_file)
        mem->path = path;
    else
        free(path);
    *out = g;
    return KG_OK;
}

void graph_free(struct graph *g)
{
    if (!g)
        return;
    if (g->mem) {
        if (g->mem->mapped)
            munmap(g->mem->base, g->mem->len);
        else
            free(g->mem->base);
        free(g->mem->path);
        free(g->mem);
    }
    free(g);
}

void graph_get_info(const struct graph *g, struct graph_info *info)
{
    const struct graph_mem *m = g->mem;
    *info = (struct graph_info){
        .path = m->path,
        .built = m->built,
        .in_memory = m->in_memory,
        .rebuilt = m->rebuilt,
        .why = m->why,
        .write_error = m->write_err[0] ? m->write_err : NULL,
    };
}
