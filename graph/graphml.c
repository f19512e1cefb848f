/*
 * graphml.c - the knowledge graph as GraphML (for Gephi, Cytoscape, yEd),
 * written here rather than by igraph's writer, which stops at the first
 * control character (leaving a truncated file), passes U+FFFF into a file
 * XML parsers reject, and has one direction for the whole graph.
 *
 * The graph is undirected (edgedefault="undirected"); the edges that have a
 * direction carry the GraphML edge attribute directed="true" with source
 * and target in reading order: an expert authored or invented an item, an
 * institution or enterprise owns an item, an enterprise posted a demand, a
 * patent cites a patent. Gephi reads the per-edge attribute into a mixed
 * graph; Cytoscape keeps source and target on every edge. Text that XML 1.0
 * cannot carry (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF;
 * bytes that are not UTF-8) is written as U+FFFD: XML has no escape for it,
 * and the store keeps the original.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph_int.h"

/* Flushed to the stream past this size. */
#define GRAPHML_CHUNK (64 * 1024)

struct gw {
    FILE *f;
    struct kg_buf b;
    int failed; /* the errno of the first failed write, or 0 */
};

static void gw_flush(struct gw *w)
{
    if (w->b.len && fwrite(w->b.data, 1, w->b.len, w->f) != w->b.len &&
        !w->failed)
        w->failed = errno ? errno : EIO;
    kg_buf_reset(&w->b);
}

static void gw_maybe_flush(struct gw *w)
{
    if (w->b.len >= GRAPHML_CHUNK)
        gw_flush(w);
}

/* Appends s as XML character data safe in an element or an attribute. */
static void gw_text(struct gw *w, const char *s)
{
    const char *p = s, *end = s + strlen(s);
    while (p < end) {
        uint32_t cp;
        size_t n = (size_t)kg_utf8_decode(p, (size_t)(end - p), &cp);
        if (n == 0) {
            kg_buf_adds(&w->b, "\xEF\xBF\xBD");
            p++;
            continue;
        }
        switch (cp) {
        case '&':
            kg_buf_adds(&w->b, "&amp;");
            break;
        case '<':
            kg_buf_adds(&w->b, "&lt;");
            break;
        case '>':
            kg_buf_adds(&w->b, "&gt;");
            break;
        case '"':
            kg_buf_adds(&w->b, "&quot;");
            break;
        case '\t':
        case '\n':
        case '\r':
            /* As references, so that parsers keep them as written (a raw
             * CR would become LF). */
            kg_buf_printf(&w->b, "&#%u;", (unsigned)cp);
            break;
        default:
            if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF)
                kg_buf_adds(&w->b, "\xEF\xBF\xBD");
            else
                kg_buf_add(&w->b, p, n);
        }
        p += n;
    }
}

static void gw_data(struct gw *w, const char *key, const char *value)
{
    kg_buf_printf(&w->b, "      <data key=\"%s\">", key);
    gw_text(w, value);
    kg_buf_adds(&w->b, "</data>\n");
}

/* ---- directions --------------------------------------------------------- */

/* Citations as (citing vertex << 32 | cited vertex), sorted. */
struct cites {
    const struct graph *g;
    uint64_t *v;
    size_t n, cap;
};

static bool on_patent(const struct kg_record *r, void *ctx)
{
    struct cites *c = ctx;
    uint32_t a = graph_find(c->g, KG_PATENT, r->id);
    for (size_t i = 0; a != GRAPH_NONE && i < r->cites.n; i++) {
        uint32_t b = graph_find(c->g, KG_PATENT, r->cites.v[i]);
        if (b == GRAPH_NONE)
            continue;
        if (c->n == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 64;
            c->v = kg_xrealloc(c->v, c->cap * sizeof *c->v);
        }
        c->v[c->n++] = (uint64_t)a << 32 | b;
    }
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static bool cites_has(const struct cites *c, uint32_t a, uint32_t b)
{
    uint64_t key = (uint64_t)a << 32 | b;
    return c->n && bsearch(&key, c->v, c->n, sizeof key, cmp_u64);
}

/* Whether the edge u - v of type t has a direction; if so *from is its
 * source. */
static bool edge_direction(const struct graph *g, const struct cites *c,
                           uint32_t u, uint32_t v, unsigned t, uint32_t *from)
{
    unsigned ku = g->vkind[u];
    switch (t) {
    case GRAPH_E_AUTHORED:
    case GRAPH_E_INVENTED:
        *from = ku == KG_EXPERT ? u : v;
        return true;
    case GRAPH_E_OWNS:
    case GRAPH_E_POSTED:
        *from = ku == KG_INSTITUTION || ku == KG_ENTERPRISE ? u : v;
        return true;
    case GRAPH_E_CITES:
        if (cites_has(c, u, v))
            *from = u;
        else if (cites_has(c, v, u))
            *from = v;
        else
            return false;
        return true;
    default:
        return false;
    }
}

/* ---- the document ------------------------------------------------------- */

static const char *const node_keys[][2] = {
    {"v_type", "type"},       {"v_subtype", "subtype"},
    {"v_label", "label"},     {"v_record_id", "record_id"},
    {"v_domains", "domains"},
};

kg_status graph_write_graphml(const struct graph *g, struct store *s, FILE *f,
                              char *err, size_t errlen)
{
    struct cites c = {.g = g};
    const struct store_iter_opts only_patents = {
        .kinds = KG_KIND_BIT(KG_PATENT), .skip_stubs = true};
    if (s && store_foreach(s, &only_patents, on_patent, &c) != KG_OK) {
        snprintf(err, errlen, "reading citations: %s", store_last_error(s));
        free(c.v);
        return KG_EIO;
    }
    if (c.n)
        qsort(c.v, c.n, sizeof *c.v, cmp_u64);

    struct gw w = {.f = f};
    kg_buf_init(&w.b);
    kg_buf_adds(&w.b,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\"\n"
                "    xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
                "    xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns"
                " http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n");
    for (size_t k = 0; k < sizeof node_keys / sizeof *node_keys; k++)
        kg_buf_printf(&w.b,
                      "  <key id=\"%s\" for=\"node\" attr.name=\"%s\" "
                      "attr.type=\"string\"/>\n",
                      node_keys[k][0], node_keys[k][1]);
    kg_buf_adds(&w.b, "  <key id=\"e_type\" for=\"edge\" attr.name=\"type\" "
                      "attr.type=\"string\"/>\n"
                      "  <key id=\"e_weight\" for=\"edge\" "
                      "attr.name=\"weight\" attr.type=\"double\"/>\n"
                      "  <graph id=\"G\" edgedefault=\"undirected\">\n");
    struct kg_buf dom;
    kg_buf_init(&dom);
    for (uint32_t v = 0; v < g->nv; v++) {
        kg_buf_reset(&dom);
        domain_mask_format(g->vdomain[v], " ", &dom);
        const char *sub = graph_concept_name(g->vsub[v]);
        kg_buf_printf(&w.b, "    <node id=\"n%u\">\n", (unsigned)v);
        gw_data(&w, "v_type", graph_vkind_name(g->vkind[v]));
        gw_data(&w, "v_subtype", sub ? sub : "");
        gw_data(&w, "v_label", g->strings + g->vlabel[v]);
        gw_data(&w, "v_record_id", g->strings + g->vid[v]);
        gw_data(&w, "v_domains", dom.data ? dom.data : "");
        kg_buf_adds(&w.b, "    </node>\n");
        gw_maybe_flush(&w);
    }
    kg_buf_release(&dom);
    for (uint32_t v = 0; v < g->nv && !w.failed; v++) {
        for (uint64_t i = g->csr.off[v]; i < g->csr.off[v + 1]; i++) {
            uint32_t u = g->csr.adj[i];
            if (u <= v) /* each edge once, from its lower end */
                continue;
            uint32_t from = v;
            bool directed = edge_direction(g, &c, v, u, g->etype[i], &from);
            kg_buf_printf(&w.b,
                          "    <edge source=\"n%u\" target=\"n%u\"%s>\n"
                          "      <data key=\"e_type\">%s</data>\n"
                          "      <data key=\"e_weight\">%.9g</data>\n"
                          "    </edge>\n",
                          (unsigned)from, (unsigned)(from == v ? u : v),
                          directed ? " directed=\"true\"" : "",
                          graph_edge_name(g->etype[i]), (double)g->csr.w[i]);
            gw_maybe_flush(&w);
        }
    }
    kg_buf_adds(&w.b, "  </graph>\n</graphml>\n");
    gw_flush(&w);
    kg_buf_release(&w.b);
    free(c.v);
    if (w.failed || ferror(f)) {
        snprintf(err, errlen, "writing GraphML: %s",
                 strerror(w.failed ? w.failed : EIO));
        return KG_EIO;
    }
    return KG_OK;
}
