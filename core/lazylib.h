/*
 * lazylib.h - a shared library loaded the first time one of its functions
 * is called, not when kgmatch starts.
 *
 * Loading a library costs a process its mapping, relocating and page
 * faults whether or not the command uses it: libcurl (fetching) and
 * libmicrohttpd (the service) bring 34 more libraries between them,
 * igraph (the graph build) 13, and on a virtual machine whose page faults
 * are dear that halved what a `kgmatch match` pays before main(). So the
 * module that needs one defines the library's functions itself, under
 * their own names and with the prototypes of the library's header
 * (ingest/curl_lazy.c, cli/mhd_lazy.c, graph/igraph_lazy.c); each looks
 * its real function up through this loader
 * on first use and calls it. The binary is not linked with those
 * libraries; a program that is (the tests) runs the same code, the
 * dlopen finding the library already loaded.
 */
#ifndef KG_LAZYLIB_H
#define KG_LAZYLIB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* A function of the library: its name, and where in the caller's table of
 * typed function pointers its address goes. */
struct lazysym {
    const char *name;
    size_t offset;
};

struct lazylib {
    const char *soname;  /* "libcurl.so.4" */
    const char *package; /* the Debian package that ships it: "libcurl4" */
    const struct lazysym *syms;
    size_t nsyms;
    void *table;      /* the caller's struct of function pointers */
    atomic_int state; /* LAZYLIB_UNTRIED, _OK or _FAILED */
    char why[256];    /* once _FAILED: what failed */
};

enum { LAZYLIB_UNTRIED, LAZYLIB_OK, LAZYLIB_FAILED };

/* The entry of function f in the table struct fns (one line per function
 * of a loader's syms[]). */
#define LAZYSYM(fns, f)                                                        \
    {                                                                          \
#f, offsetof(struct fns, f)                                            \
    }

/* A loader names its functions once, as an X-macro list (NAMES(X, fns)
 * calls X(fns, f) for each f): LAZYFIELD makes the table's member for f, a
 * pointer of f's own type (data too: the pointer then points at the
 * object), LAZYSYM_ITEM its entry in syms[]:
 *
 *     static struct fns { NAMES(LAZYFIELD, fns) } F;
 *     static const struct lazysym syms[] = {NAMES(LAZYSYM_ITEM, fns)};
 */
#define LAZYFIELD(fns, f) __typeof__(f) *f;
#define LAZYSYM_ITEM(fns, f) LAZYSYM(fns, f),

#define LAZYLIB_INIT(so, pkg, syms_, table_)                                   \
    {                                                                          \
        (so), (pkg), (syms_), sizeof(syms_) / sizeof(syms_)[0], (table_),      \
            LAZYLIB_UNTRIED, ""                                                \
    }

/*
 * Loads the library and every function of l->syms into l->table, once
 * (thread-safe; later calls return the first call's answer at the cost
 * of one atomic load, so a wrapper calls it every time). False when
 * the library or one of its functions cannot be found: the wrapper
 * returns its function's failure value, and lazylib_error says why.
 */
bool lazylib_load(struct lazylib *l);

/* Why the library could not be loaded (naming it, the loader's reason and
 * the Debian package that provides it), for the front end to print; NULL
 * while it is loaded or not yet tried. */
const char *lazylib_error(const struct lazylib *l);

/* Loads the library if it was not tried yet, and says why it cannot be
 * loaded; NULL when it is. */
const char *lazylib_unavailable(struct lazylib *l);

#endif
