/*
 * lazylib.c - a shared library loaded on first use (see lazylib.h).
 */
#include "core/lazylib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static bool load(struct lazylib *l)
{
    /* RTLD_LOCAL: the library's names stay out of the global scope, so a
     * library loaded later binds to its own dependencies, never to ours. */
    void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(l->why, sizeof l->why,
                 "cannot load %s (%s); the Debian package %s provides it",
                 l->soname, dlerror(), l->package);
        return false;
    }
    /* Every function is looked up before any is written: a failed load
     * leaves the table as it was. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < l->nsyms; i++) {
            /* In the library and its dependencies only (a handle, not
             * RTLD_DEFAULT): never the program's function of the same
             * name, which is the one calling here. */
            void *p = dlsym(h, l->syms[i].name);
            if (!p) {
                snprintf(l->why, sizeof l->why,
                         "%s has no function %s; the Debian package %s "
                         "provides the version kgmatch was built for",
                         l->soname, l->syms[i].name, l->package);
                return false;
            }
            /* Object pointer to function pointer by its bytes, as POSIX's
             * dlsym requires (C has no conversion between the two). */
            if (pass)
                memcpy((char *)l->table + l->syms[i].offset, &p, sizeof p);
        }
    return true; /* the handle stays open for the process's life */
}

bool lazylib_load(struct lazylib *l)
{
    int s = atomic_load_explicit(&l->state, memory_order_acquire);
    if (s != LAZYLIB_UNTRIED)
        return s == LAZYLIB_OK;
    pthread_mutex_lock(&load_lock);
    s = atomic_load_explicit(&l->state, memory_order_relaxed);
    if (s == LAZYLIB_UNTRIED) {
        s = load(l) ? LAZYLIB_OK : LAZYLIB_FAILED;
        /* release: the table's pointers are written before the state a
         * caller on another thread reads first */
        atomic_store_explicit(&l->state, s, memory_order_release);
    }
    pthread_mutex_unlock(&load_lock);
    return s == LAZYLIB_OK;
}

const char *lazylib_error(const struct lazylib *l)
{
    return atomic_load_explicit(&l->state, memory_order_acquire) ==
                   LAZYLIB_FAILED
               ? l->why
               : NULL;
}

const char *lazylib_unavailable(struct lazylib *l)
{
    lazylib_load(l);
    return lazylib_error(l);
}
