/*
 * igraph_lazy.c - the igraph functions kgmatch calls, defined here under
 * their own names and loaded from libigraph.so.3 on the first call (see
 * core/lazylib.h): only a graph build (graph.c) and the exact PageRank
 * (rank.c) use igraph, so a command that maps a current graph cache never
 * maps igraph and the 13 libraries it brings (LAPACK, BLAS, ARPACK, GLPK,
 * GMP, gfortran ...).
 *
 * The prototypes are the header's: the compiler checks every definition
 * below against <igraph/igraph.h>. A new igraph function called anywhere
 * in kgmatch needs its line here, or the binary (not linked with igraph)
 * fails to link.
 */
#include <igraph/igraph.h>

#include "core/lazylib.h"
#include "graph/graph_int.h"

/* Debian 12's igraph 0.10 (package libigraph3). */
#if IGRAPH_VERSION_MAJOR != 0 || IGRAPH_VERSION_MINOR != 10
#error "igraph_lazy.c loads libigraph.so.3, igraph 0.10's soname"
#endif

/* clang-format off */
#define IGRAPH_FNS(X, t) \
    X(t, igraph_error) \
    X(t, igraph_error_handler_ignore) \
    X(t, igraph_set_error_handler) \
    X(t, IGRAPH_FINALLY_REAL) \
    X(t, IGRAPH_FINALLY_CLEAN) \
    X(t, igraph_set_attribute_table) \
    X(t, igraph_cattribute_table) \
    X(t, igraph_cattribute_EANV) \
    X(t, igraph_cattribute_EAN_setv) \
    X(t, igraph_cattribute_EAS_setv) \
    X(t, igraph_cattribute_VAS_setv) \
    X(t, igraph_create) \
    X(t, igraph_destroy) \
    X(t, igraph_ecount) \
    X(t, igraph_get_edgelist) \
    X(t, igraph_ess_all) \
    X(t, igraph_vss_all) \
    X(t, igraph_personalized_pagerank) \
    X(t, igraph_strvector_init) \
    X(t, igraph_strvector_destroy) \
    X(t, igraph_strvector_set) \
    X(t, igraph_vector_init) \
    X(t, igraph_vector_destroy) \
    X(t, igraph_vector_push_back) \
    X(t, igraph_vector_int_init) \
    X(t, igraph_vector_int_destroy) \
    X(t, igraph_vector_int_push_back)
/* clang-format on */
static struct igraph_fns {
    IGRAPH_FNS(LAZYFIELD, igraph_fns)
} F;

static const struct lazysym syms[] = {IGRAPH_FNS(LAZYSYM_ITEM, igraph_fns)};
static struct lazylib lib =
    LAZYLIB_INIT("libigraph.so.3", "libigraph3", syms, &F);

const char *graph_igraph_unavailable(void)
{
    return lazylib_unavailable(&lib);
}

const igraph_attribute_table_t *graph_igraph_cattribute_table(void)
{
    return lazylib_load(&lib) ? F.igraph_cattribute_table : NULL;
}

/* A function returning igraph_error_t: IGRAPH_FAILURE when the library
 * cannot be loaded. */
#define ERR_FN(name, params, args)                                             \
    igraph_error_t name params                                                 \
    {                                                                          \
        return lazylib_load(&lib) ? F.name args : IGRAPH_FAILURE;              \
    }
/* ... returning nothing: nothing to do without the library. */
#define VOID_FN(name, params, args)                                            \
    void name params                                                           \
    {                                                                          \
        if (lazylib_load(&lib))                                                \
            F.name args;                                                       \
    }

ERR_FN(igraph_error,
       (const char *reason, const char *file, int line, igraph_error_t e),
       (reason, file, line, e))
VOID_FN(igraph_error_handler_ignore,
        (const char *reason, const char *file, int line, igraph_error_t e),
        (reason, file, line, e))
VOID_FN(IGRAPH_FINALLY_REAL, (void (*func)(void *), void *ptr), (func, ptr))
VOID_FN(IGRAPH_FINALLY_CLEAN, (int num), (num))
ERR_FN(igraph_cattribute_EANV,
       (const igraph_t *graph, const char *name, igraph_es_t eids,
        igraph_vector_t *result),
       (graph, name, eids, result))
ERR_FN(igraph_cattribute_EAN_setv,
       (igraph_t * graph, const char *name, const igraph_vector_t *v),
       (graph, name, v))
ERR_FN(igraph_cattribute_EAS_setv,
       (igraph_t * graph, const char *name, const igraph_strvector_t *sv),
       (graph, name, sv))
ERR_FN(igraph_cattribute_VAS_setv,
       (igraph_t * graph, const char *name, const igraph_strvector_t *sv),
       (graph, name, sv))
ERR_FN(igraph_create,
       (igraph_t * graph, const igraph_vector_int_t *edges, igraph_integer_t n,
        igraph_bool_t directed),
       (graph, edges, n, directed))
VOID_FN(igraph_destroy, (igraph_t * graph), (graph))
ERR_FN(igraph_get_edgelist,
       (const igraph_t *graph, igraph_vector_int_t *res, igraph_bool_t bycol),
       (graph, res, bycol))
ERR_FN(igraph_personalized_pagerank,
       (const igraph_t *graph, igraph_pagerank_algo_t algo,
        igraph_vector_t *vector, igraph_real_t *value, const igraph_vs_t vids,
        igraph_bool_t directed, igraph_real_t damping,
        const igraph_vector_t *reset, const igraph_vector_t *weights,
        igraph_arpack_options_t *options),
       (graph, algo, vector, value, vids, directed, damping, reset, weights,
        options))
ERR_FN(igraph_strvector_init, (igraph_strvector_t * sv, igraph_integer_t len),
       (sv, len))
VOID_FN(igraph_strvector_destroy, (igraph_strvector_t * sv), (sv))
ERR_FN(igraph_strvector_set,
       (igraph_strvector_t * sv, igraph_integer_t idx, const char *value),
       (sv, idx, value))
ERR_FN(igraph_vector_init, (igraph_vector_t * v, igraph_integer_t size),
       (v, size))
VOID_FN(igraph_vector_destroy, (igraph_vector_t * v), (v))
ERR_FN(igraph_vector_push_back, (igraph_vector_t * v, igraph_real_t e), (v, e))
ERR_FN(igraph_vector_int_init, (igraph_vector_int_t * v, igraph_integer_t size),
       (v, size))
VOID_FN(igraph_vector_int_destroy, (igraph_vector_int_t * v), (v))
ERR_FN(igraph_vector_int_push_back,
       (igraph_vector_int_t * v, igraph_integer_t e), (v, e))

igraph_error_handler_t *igraph_set_error_handler(igraph_error_handler_t *h)
{
    return lazylib_load(&lib) ? F.igraph_set_error_handler(h) : NULL;
}

igraph_attribute_table_t *
igraph_set_attribute_table(const igraph_attribute_table_t *table)
{
    return lazylib_load(&lib) ? F.igraph_set_attribute_table(table) : NULL;
}

igraph_integer_t igraph_ecount(const igraph_t *graph)
{
    return lazylib_load(&lib) ? F.igraph_ecount(graph) : 0;
}

igraph_es_t igraph_ess_all(igraph_edgeorder_type_t order)
{
    return lazylib_load(&lib) ? F.igraph_ess_all(order) : (igraph_es_t){0};
}

igraph_vs_t igraph_vss_all(void)
{
    return lazylib_load(&lib) ? F.igraph_vss_all() : (igraph_vs_t){0};
}
