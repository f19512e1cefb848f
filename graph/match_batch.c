/*
 * match_batch.c - many queries on several threads, one matcher each,
 * results handed back in query order from the calling thread.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "graph/match_int.h"

/* The queries in flight: the workers take them in order and match each
 * into its slot of a ring of window results, while the calling thread
 * hands the done ones to the callback in query order; a worker waits
 * when the query it would take is a whole window ahead of the callback. */
struct batch {
    const struct match_query *qs;
    size_t n, window;
    struct match_result *res; /* query i's at i % window */
    kg_status *st;
    bool *done;
    char (*errbuf)[256]; /* a failed query's matcher's message */
    size_t next;         /* the next query to take */
    size_t handed;       /* queries handed to the callback */
    bool stop;
    pthread_mutex_t lock;
    pthread_cond_t ready; /* a result is done (the caller waits) */
    pthread_cond_t room;  /* a slot is free, or stop (workers wait) */
};

struct worker {
    struct batch *b;
    struct matcher *m;
};

/* Matches query i into its slot, with the matcher's message on failure
 * (gone after the matcher's next query). */
static kg_status match_into(struct batch *b, struct matcher *m, size_t i)
{
    size_t s = i % b->window;
    kg_status st = match_run(m, &b->qs[i], &b->res[s]);
    if (st != KG_OK)
        snprintf(b->errbuf[s], sizeof b->errbuf[s], "%s", match_last_error(m));
    return st;
}

static void *batch_worker(void *arg)
{
    struct worker *w = arg;
    struct batch *b = w->b;
    pthread_mutex_lock(&b->lock);
    for (;;) {
        while (!b->stop && b->next < b->n && b->next >= b->handed + b->window)
            pthread_cond_wait(&b->room, &b->lock);
        if (b->stop || b->next >= b->n)
            break;
        size_t i = b->next++;
        pthread_mutex_unlock(&b->lock);
        kg_status st = match_into(b, w->m, i);
        pthread_mutex_lock(&b->lock);
        b->st[i % b->window] = st;
        b->done[i % b->window] = true;
        pthread_cond_signal(&b->ready);
    }
    pthread_mutex_unlock(&b->lock);
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

unsigned match_batch_threads(const struct match_config *c,
                             const struct match_indexes *ixs, size_t n)
{
    unsigned threads = match_threads(c, n);
    if (ixs && ixs->n && threads > ixs->n)
        threads = (unsigned)ixs->n;
    return threads;
}

kg_status match_batch_on(struct matcher *const *ms, unsigned threads,
                         const struct match_indexes *ixs,
                         const struct match_query *qs, size_t n,
                         match_batch_cb cb, void *ctx, char *err, size_t errlen)
{
    const struct graph *g = ms[0]->g;
    if (ixs && ixs->n && threads > ixs->n)
        threads = (unsigned)ixs->n;
    if (threads > n)
        threads = n ? (unsigned)n : 1;
    struct worker *ws = kg_xcalloc(threads, sizeof *ws);
    for (unsigned t = 0; t < threads; t++) {
        ws[t].m = ms[t];
        /* none when ixs gives none, as a fresh matcher has */
        match_set_index(ms[t], ixs && t < ixs->n ? ixs->ix[t] : NULL);
    }
    kg_status st = KG_OK;
    size_t window = 32 * (size_t)threads;
    struct batch b = {.qs = qs, .n = n, .window = window};
    b.res = kg_xcalloc(window, sizeof *b.res);
    b.st = kg_xcalloc(window, sizeof *b.st);
    b.done = kg_xcalloc(window, sizeof *b.done);
    b.errbuf = kg_xcalloc(window, sizeof *b.errbuf);
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.ready, NULL);
    pthread_cond_init(&b.room, NULL);
    pthread_t *tid = kg_xcalloc(threads, sizeof *tid);
    unsigned started = 0;
    for (unsigned t = 0; t < threads; t++) {
        ws[t].b = &b;
        if (pthread_create(&tid[t], NULL, batch_worker, &ws[t]) != 0)
            break;
        started++;
    }
    for (size_t i = 0; st == KG_OK && i < n; i++) {
        size_t s = i % window;
        if (started == 0) { /* no thread: the queries in turn, here */
            b.st[s] = match_into(&b, ws[0].m, i);
        } else {
            pthread_mutex_lock(&b.lock);
            while (!b.done[s])
                pthread_cond_wait(&b.ready, &b.lock);
            pthread_mutex_unlock(&b.lock);
        }
        if (b.st[s] != KG_OK) {
            st = b.st[s];
            uint32_t d = qs[i].demand;
            if (d < g->nv)
                snprintf(err, errlen, "demand %s: %s", graph_str(g, g->vid[d]),
                         b.errbuf[s]);
            else
                snprintf(err, errlen, "query %zu: %s", i, b.errbuf[s]);
        }
        bool go = st == KG_OK && cb(i, &b.res[s], ctx);
        match_result_release(&b.res[s]);
        pthread_mutex_lock(&b.lock);
        b.done[s] = false;
        b.handed = i + 1;
        b.stop = !go;
        pthread_cond_broadcast(&b.room);
        pthread_mutex_unlock(&b.lock);
        if (!go)
            break;
    }
    pthread_mutex_lock(&b.lock);
    b.stop = true;
    pthread_cond_broadcast(&b.room);
    pthread_mutex_unlock(&b.lock);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    for (size_t s = 0; s < window; s++) /* matched, never handed */
        match_result_release(&b.res[s]);
    pthread_cond_destroy(&b.room);
    pthread_cond_destroy(&b.ready);
    pthread_mutex_destroy(&b.lock);
    free(ws);
    free(b.res);
    free(b.st);
    free(b.done);
    free(b.errbuf);
    free(tid);
    return st;
}

kg_status match_batch(const struct graph *g, const struct match_config *c,
                      const struct match_indexes *ixs,
                      const struct match_query *qs, size_t n, match_batch_cb cb,
                      void *ctx, char *err, size_t errlen)
{
    unsigned threads = match_batch_threads(c, ixs, n);
    struct matcher **ms = kg_xcalloc(threads, sizeof *ms);
    kg_status st = KG_OK;
    unsigned made = 0;
    for (; made < threads && st == KG_OK; made++)
        st = match_new(g, c, &ms[made], err, errlen);
    if (st == KG_OK)
        st = match_batch_on(ms, threads, ixs, qs, n, cb, ctx, err, errlen);
    for (unsigned t = 0; t < made; t++)
        match_free(ms[t]);
    free(ms);
    return st;
}
