/*
 * match_batch.c - many queries on several threads, one matcher each,
 * results handed back in query order from the calling thread.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "graph/match_int.h"

struct batch {
    const struct match_query *qs;
    struct match_result *res;
    kg_status *st;
    size_t lo, hi;
    size_t next;
    size_t failed;    /* the first query of the window that failed */
    char errbuf[256]; /* ... and its matcher's message */
    pthread_mutex_t lock;
};

static void *batch_worker(void *arg)
{
    struct batch *b = ((struct batch **)arg)[0];
    struct matcher *m = ((struct matcher **)arg)[1];
    for (;;) {
        pthread_mutex_lock(&b->lock);
        size_t i = b->next++;
        pthread_mutex_unlock(&b->lock);
        if (i >= b->hi)
            break;
        kg_status st = match_run(m, &b->qs[i], &b->res[i - b->lo]);
        b->st[i - b->lo] = st;
        if (st != KG_OK) {
            /* The matcher's message is gone after its next query. */
            pthread_mutex_lock(&b->lock);
            if (i < b->failed) {
                b->failed = i;
                snprintf(b->errbuf, sizeof b->errbuf, "%s",
                         match_last_error(m));
            }
            pthread_mutex_unlock(&b->lock);
        }
    }
    return NULL;
}

unsigned match_threads(const struct match_config *c, size_t n)
{
    unsigned threads = c->threads;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (unsigned)cpus : 1;
    }
    if (threads > 8)
        threads = 8;
    if (threads > n)
        threads = n ? (unsigned)n : 1;
    return threads;
}

kg_status match_batch(const struct graph *g, const struct match_config *c,
                      const struct match_indexes *ixs,
                      const struct match_query *qs, size_t n, match_batch_cb cb,
                      void *ctx, char *err, size_t errlen)
{
    unsigned threads = match_threads(c, n);
    if (ixs && ixs->n && threads > ixs->n)
        threads = (unsigned)ixs->n;
    struct matcher **ms = kg_xcalloc(threads, sizeof *ms);
    kg_status st = KG_OK;
    for (unsigned t = 0; t < threads && st == KG_OK; t++) {
        st = match_new(g, c, &ms[t], err, errlen);
        if (st == KG_OK && ixs && t < ixs->n)
            match_set_index(ms[t], ixs->ix[t]);
    }
    size_t window = 32 * (size_t)threads;
    struct match_result *res = kg_xcalloc(window, sizeof *res);
    kg_status *rst = kg_xcalloc(window, sizeof *rst);
    pthread_t *tid = kg_xcalloc(threads, sizeof *tid);
    void *(*args)[2] = kg_xcalloc(threads, sizeof *args);
    struct batch b = {.qs = qs, .res = res, .st = rst};
    pthread_mutex_init(&b.lock, NULL);
    bool stop = false;
    for (size_t lo = 0; lo < n && st == KG_OK && !stop; lo += window) {
        b.lo = lo;
        b.hi = lo + window < n ? lo + window : n;
        b.next = lo;
        b.failed = SIZE_MAX;
        unsigned started = 0;
        for (unsigned t = 1; t < threads; t++) {
            args[t][0] = &b;
            args[t][1] = ms[t];
            if (pthread_create(&tid[t], NULL, batch_worker, args[t]) == 0)
                started = t;
            else
                break;
        }
        args[0][0] = &b;
        args[0][1] = ms[0];
        batch_worker(args[0]);
        for (unsigned t = 1; t <= started; t++)
            pthread_join(tid[t], NULL);
        for (size_t i = b.lo; i < b.hi; i++) {
            if (st == KG_OK && rst[i - lo] != KG_OK) {
                st = rst[i - lo];
                uint32_t d = qs[i].demand;
                if (d < g->nv)
                    snprintf(err, errlen, "demand %s: %s",
                             graph_str(g, g->vid[d]), b.errbuf);
                else
                    snprintf(err, errlen, "query %zu: %s", i, b.errbuf);
            }
            if (st == KG_OK && !stop && !cb(i, &res[i - lo], ctx))
                stop = true;
            match_result_release(&res[i - lo]);
        }
    }
    pthread_mutex_destroy(&b.lock);
    for (unsigned t = 0; t < threads; t++)
        match_free(ms[t]);
    free(ms);
    free(res);
    free(rst);
    free(tid);
    free(args);
    return st;
}
