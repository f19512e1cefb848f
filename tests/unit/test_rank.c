/*
 * test_rank.c - personalized PageRank: the CSR builder, forward push against
 * hand-solved graphs and against igraph's exact PRPACK result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <math.h>

#include "graph/rank.h"

static void csr_drops_self_loops_and_sorts_neighbours(void **state)
{
    (void)state;
    uint32_t s[] = {2, 0, 1, 1};
    uint32_t d[] = {0, 1, 1, 2};
    float w[] = {1, 2, 5, 3};
    struct rank_csr_owned c;
    assert_int_equal(rank_csr_build(&c, 3, s, d, w, 4), KG_OK);
    assert_int_equal(c.g.off[3], 6); /* 3 edges, both directions */
    assert_int_equal(c.g.adj[0], 1); /* 0: 1, 2 */
    assert_int_equal(c.g.adj[1], 2);
    assert_true(c.g.w[0] == 2.0f);
    assert_int_equal(c.g.off[2] - c.g.off[1], 2); /* 1: 0, 2 */
    assert_true(c.g.wdeg[1] == 5.0f);
    assert_true(c.g.wdeg[2] == 4.0f);
    rank_csr_release(&c);
}

static void csr_rejects_out_of_range_endpoints_and_bad_weights(void **state)
{
    (void)state;
    uint32_t s[] = {0}, d[] = {3};
    float w[] = {1};
    struct rank_csr_owned c;
    assert_int_equal(rank_csr_build(&c, 3, s, d, w, 1), KG_EINPUT);
    rank_csr_release(&c);
    d[0] = 1;
    w[0] = -1;
    assert_int_equal(rank_csr_build(&c, 3, s, d, w, 1), KG_EINPUT);
    rank_csr_release(&c);
}

/* Two vertices, restart at 0: pi0 = 1/(1+d), pi1 = d/(1+d). */
static void push_matches_the_hand_solution_on_one_edge(void **state)
{
    (void)state;
    uint32_t s[] = {0}, d[] = {1};
    struct rank_csr_owned c;
    assert_int_equal(rank_csr_build(&c, 2, s, d, NULL, 1), KG_OK);
    struct rank_ppr *p = rank_ppr_new(2);
    uint32_t seed = 0;
    struct rank_opts o = {.damping = 0.85, .eps = 1e-12};
    assert_int_equal(rank_ppr_push(p, &c.g, &seed, NULL, 1, &o), KG_OK);
    assert_float_equal(rank_ppr_value(p, 0), 1 / 1.85, 1e-9);
    assert_float_equal(rank_ppr_value(p, 1), 0.85 / 1.85, 1e-9);
    double ex[2];
    assert_int_equal(rank_ppr_exact(&c.g, &seed, NULL, 1, 0.85, ex), KG_OK);
    assert_float_equal(ex[0], 1 / 1.85, 1e-9);
    assert_float_equal(ex[1], 0.85 / 1.85, 1e-9);
    rank_ppr_free(p);
    rank_csr_release(&c);
}

/* A star: centre 0, leaves 1..3, restart at leaf 1. Solved by hand:
 * pi0 = d/(1+d), pi2 = pi3 = d*pi0/3, pi1 = (1-d) + d*pi0/3. */
static void push_matches_the_hand_solution_on_a_star(void **state)
{
    (void)state;
    uint32_t s[] = {0, 0, 0}, d[] = {1, 2, 3};
    struct rank_csr_owned c;
    assert_int_equal(rank_csr_build(&c, 4, s, d, NULL, 3), KG_OK);
    struct rank_ppr *p = rank_ppr_new(4);
    uint32_t seed = 1;
    double dm = 0.85, pi0 = dm / (1 + dm);
    double want[4] = {pi0, (1 - dm) + dm * pi0 / 3, dm * pi0 / 3, dm * pi0 / 3};
    struct rank_opts o = {.damping = dm, .eps = 1e-12};
    assert_int_equal(rank_ppr_push(p, &c.g, &seed, NULL, 1, &o), KG_OK);
    double ex[4];
    assert_int_equal(rank_ppr_exact(&c.g, &seed, NULL, 1, dm, ex), KG_OK);
    for (uint32_t v = 0; v < 4; v++) {
        assert_float_equal(rank_ppr_value(p, v), want[v], 1e-9);
        assert_float_equal(ex[v], want[v], 1e-9);
    }
    size_t ns;
    rank_ppr_support(p, &ns);
    assert_int_equal(ns, 4);
    rank_ppr_free(p);
    rank_csr_release(&c);
}

/* Weights matter: a walker at 0 goes to 1 three times as often as to 2. */
static void push_follows_edge_weights(void **state)
{
    (void)state;
    uint32_t s[] = {0, 0}, d[] = {1, 2};
    float w[] = {3, 1};
    struct rank_csr_owned c;
    assert_int_equal(rank_csr_build(&c, 3, s, d, w, 2), KG_OK);
    struct rank_ppr *p = rank_ppr_new(3);
    uint32_t seed = 0;
    struct rank_opts o = {.eps = 1e-12};
    assert_int_equal(rank_ppr_push(p, &c.g, &seed, NULL, 1, &o), KG_OK);
    assert_float_equal(rank_ppr_value(p, 1) / rank_ppr_value(p, 2), 3.0, 1e-9);
    double ex[3];
    assert_int_equal(rank_ppr_exact(&c.g, &seed, NULL, 1, 0.85, ex), KG_OK);
    for (uint32_t v = 0; v < 3; v++)
        assert_float_equal(rank_ppr_value(p, v), ex[v], 1e-9);
    rank_ppr_free(p);
    rank_csr_release(&c);
}

static uint64_t lcg(uint64_t *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return *x >> 33;
}

/* A random graph of n vertices and m edges from a fixed seed. */
static void random_graph(struct rank_csr_owned *c, uint32_t n, size_t m,
                         uint64_t seed)
{
    uint32_t *s = malloc(m * sizeof *s), *d = malloc(m * sizeof *d);
    float *w = malloc(m * sizeof *w);
    uint64_t x = seed;
    for (size_t i = 0; i < m; i++) {
        /* Skewed endpoints give hubs, like concepts in the real graph. */
        uint32_t a = (uint32_t)(lcg(&x) % n);
        uint32_t b = (uint32_t)(lcg(&x) % n);
        s[i] = a;
        d[i] = (uint32_t)((uint64_t)b * b / n);
        w[i] = 0.25f + (float)(lcg(&x) % 8) / 4.0f;
    }
    for (uint32_t v = 0; v + 1 < n; v++) { /* keep it connected */
        s[v % m] = v;
        d[v % m] = v + 1;
    }
    assert_int_equal(rank_csr_build(c, n, s, d, w, m), KG_OK);
    free(s);
    free(d);
    free(w);
}

static void push_top_ten_agrees_with_prpack_on_random_graphs(void **state)
{
    (void)state;
    uint32_t n = 3000;
    struct rank_csr_owned c;
    random_graph(&c, n, 15000, 7);
    struct rank_ppr *p = rank_ppr_new(n);
    double *ex = malloc(n * sizeof *ex), *ap = malloc(n * sizeof *ap);
    struct rank_opts o = {.eps = 1e-7};
    for (uint64_t trial = 0; trial < 10; trial++) {
        uint32_t seeds[3] = {(uint32_t)(trial * 97 % n),
                             (uint32_t)(trial * 1013 % n),
                             (uint32_t)(trial * 2711 % n)};
        double sw[3] = {1, 2, 0.5};
        assert_int_equal(rank_ppr_push(p, &c.g, seeds, sw, 3, &o), KG_OK);
        assert_int_equal(rank_ppr_exact(&c.g, seeds, sw, 3, 0.85, ex), KG_OK);
        double sum = 0;
        for (uint32_t v = 0; v < n; v++) {
            ap[v] = rank_ppr_value(p, v);
            /* never above the truth, never further than eps * degree */
            assert_true(ap[v] <= ex[v] + 1e-12);
            assert_true(ex[v] - ap[v] <= o.eps * c.g.wdeg[v] + 1e-12);
            sum += ex[v];
        }
        assert_float_equal(sum, 1.0, 1e-9);
        uint32_t ta[10], te[10];
        assert_int_equal(rank_top_k(ap, n, ta, 10), 10);
        assert_int_equal(rank_top_k(ex, n, te, 10), 10);
        int same = 0;
        for (int i = 0; i < 10; i++)
            for (int j = 0; j < 10; j++)
                same += ta[i] == te[j];
        assert_true(same >= 10);
    }
    free(ex);
    free(ap);
    rank_ppr_free(p);
    rank_csr_release(&c);
}

static void push_refuses_bad_seeds(void **state)
{
    (void)state;
    uint32_t s[] = {0}, d[] = {1};
    struct rank_csr_owned c;
    assert_int_equal(rank_csr_build(&c, 2, s, d, NULL, 1), KG_OK);
    struct rank_ppr *p = rank_ppr_new(2);
    uint32_t bad = 5, ok = 0;
    double zero = 0;
    assert_int_equal(rank_ppr_push(p, &c.g, &bad, NULL, 1, NULL), KG_EINPUT);
    assert_int_equal(rank_ppr_push(p, &c.g, &ok, &zero, 1, NULL), KG_EINPUT);
    assert_int_equal(rank_ppr_push(p, &c.g, &ok, NULL, 0, NULL), KG_EINPUT);
    assert_true(rank_ppr_value(p, 0) == 0);
    double ex[2];
    assert_int_equal(rank_ppr_exact(&c.g, &bad, NULL, 1, 0.85, ex), KG_EINPUT);
    rank_ppr_free(p);
    rank_csr_release(&c);
}

static void push_forgets_the_previous_call(void **state)
{
    (void)state;
    uint32_t s[] = {0, 2}, d[] = {1, 3};
    struct rank_csr_owned c;
    assert_int_equal(rank_csr_build(&c, 4, s, d, NULL, 2), KG_OK);
    struct rank_ppr *p = rank_ppr_new(4);
    uint32_t a = 0, b = 2;
    assert_int_equal(rank_ppr_push(p, &c.g, &a, NULL, 1, NULL), KG_OK);
    assert_true(rank_ppr_value(p, 1) > 0);
    assert_int_equal(rank_ppr_push(p, &c.g, &b, NULL, 1, NULL), KG_OK);
    assert_true(rank_ppr_value(p, 0) == 0);
    assert_true(rank_ppr_value(p, 1) == 0);
    assert_true(rank_ppr_value(p, 3) > 0);
    rank_ppr_free(p);
    rank_csr_release(&c);
}

static void a_walk_at_a_dead_end_restarts_at_the_seeds(void **state)
{
    (void)state;
    uint32_t s[] = {1}, d[] = {2};
    struct rank_csr_owned c;
    assert_int_equal(rank_csr_build(&c, 3, s, d, NULL, 1), KG_OK);
    struct rank_ppr *p = rank_ppr_new(3);
    uint32_t seeds[] = {0, 1};
    struct rank_opts o = {.eps = 1e-12};
    assert_int_equal(rank_ppr_push(p, &c.g, seeds, NULL, 2, &o), KG_OK);
    double sum = 0;
    for (uint32_t v = 0; v < 3; v++)
        sum += rank_ppr_value(p, v);
    assert_float_equal(sum, 1.0, 1e-9);
    rank_ppr_free(p);
    rank_csr_release(&c);
}

static void top_k_orders_by_value_then_index(void **state)
{
    (void)state;
    double v[] = {0.1, 0.5, 0.3, 0.5, 0.0};
    uint32_t top[3];
    assert_int_equal(rank_top_k(v, 5, top, 3), 3);
    assert_int_equal(top[0], 1);
    assert_int_equal(top[1], 3);
    assert_int_equal(top[2], 2);
    assert_int_equal(rank_top_k(v, 2, top, 3), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csr_drops_self_loops_and_sorts_neighbours),
        cmocka_unit_test(csr_rejects_out_of_range_endpoints_and_bad_weights),
        cmocka_unit_test(push_matches_the_hand_solution_on_one_edge),
        cmocka_unit_test(push_matches_the_hand_solution_on_a_star),
        cmocka_unit_test(push_follows_edge_weights),
        cmocka_unit_test(push_top_ten_agrees_with_prpack_on_random_graphs),
        cmocka_unit_test(push_refuses_bad_seeds),
        cmocka_unit_test(push_forgets_the_previous_call),
        cmocka_unit_test(a_walk_at_a_dead_end_restarts_at_the_seeds),
        cmocka_unit_test(top_k_orders_by_value_then_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
