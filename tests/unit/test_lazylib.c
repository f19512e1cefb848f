/* test_lazylib.c - a library loaded on first use: its functions land in
 * the caller's table and work; a library or a function that is not there
 * fails (once, and every later call says the same) without touching the
 * table; many threads loading at once load it once. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/lazylib.h"

struct m_fns {
    double (*cbrt)(double);
    double (*hypot)(double, double);
};

static void loads_functions_into_the_table(void **state)
{
    (void)state;
    struct m_fns t = {0};
    static const struct lazysym syms[] = {
        {"cbrt", offsetof(struct m_fns, cbrt)},
        {"hypot", offsetof(struct m_fns, hypot)}};
    struct lazylib l = LAZYLIB_INIT("libm.so.6", "libc6", syms, &t);
    assert_true(lazylib_load(&l));
    assert_non_null(t.cbrt);
    assert_true(fabs(t.cbrt(27.0) - 3.0) < 1e-12);
    assert_true(fabs(t.hypot(3.0, 4.0) - 5.0) < 1e-12);
    assert_true(lazylib_load(&l)); /* the second call: the first's answer */
    assert_null(lazylib_error(&l));
}

static void a_missing_library_fails_and_stays_failed(void **state)
{
    (void)state;
    struct m_fns t = {0};
    static const struct lazysym syms[] = {
        {"cbrt", offsetof(struct m_fns, cbrt)}};
    struct lazylib l =
        LAZYLIB_INIT("libkgmatch-no-such.so.0", "no-such-package", syms, &t);
    assert_null(lazylib_error(&l)); /* not tried yet */
    assert_false(lazylib_load(&l));
    assert_false(lazylib_load(&l));
    assert_null(t.cbrt);
    const char *why = lazylib_error(&l);
    assert_non_null(why);
    assert_non_null(strstr(why, "cannot load libkgmatch-no-such.so.0"));
    assert_non_null(strstr(why, "the Debian package no-such-package"));
}

static void a_missing_function_fails(void **state)
{
    (void)state;
    struct m_fns t = {0};
    static const struct lazysym syms[] = {
        {"cbrt", offsetof(struct m_fns, cbrt)},
        {"kgmatch_no_such_function", offsetof(struct m_fns, hypot)}};
    struct lazylib l = LAZYLIB_INIT("libm.so.6", "libc6", syms, &t);
    assert_false(lazylib_load(&l));
    assert_null(t.cbrt); /* found, but not written: the load failed */
    assert_null(t.hypot);
    assert_non_null(
        strstr(lazylib_error(&l), "has no function kgmatch_no_such_function"));
}

static struct m_fns shared_table;
static const struct lazysym shared_syms[] = {
    {"cbrt", offsetof(struct m_fns, cbrt)},
    {"hypot", offsetof(struct m_fns, hypot)}};
static struct lazylib shared =
    LAZYLIB_INIT("libm.so.6", "libc6", shared_syms, &shared_table);

static void *use_shared(void *arg)
{
    (void)arg;
    /* a thread that sees the library loaded also sees its table */
    if (!lazylib_load(&shared) || !shared_table.hypot ||
        shared_table.hypot(6.0, 8.0) != 10.0)
        return (void *)1;
    return NULL;
}

static void threads_load_it_together(void **state)
{
    (void)state;
    pthread_t t[8];
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, use_shared, NULL), 0);
    for (int i = 0; i < 8; i++) {
        void *r;
        assert_int_equal(pthread_join(t[i], &r), 0);
        assert_null(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_functions_into_the_table),
        cmocka_unit_test(a_missing_library_fails_and_stays_failed),
        cmocka_unit_test(a_missing_function_fails),
        cmocka_unit_test(threads_load_it_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
