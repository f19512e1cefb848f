/*
 * What test_index.c and test_index_update.c share: a store in a temporary
 * folder with its index file beside it (setup, teardown), records put into
 * it, the index opened over it with what it reported (warnings), indexes
 * built from abstracts alone, and a seeded random source.
 */
#ifndef KG_TESTS_INDEX_FIXTURE_H
#define KG_TESTS_INDEX_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/index.h"
#include "core/record.h"
#include "core/store.h"
#include "tests/unit/fixture.h"

struct fx {
    char dir[64];
    char path[128];
    char idx[160];
    struct store *s;
    char notes[1024]; /* what index_info reported since warnings() */
};

static inline int setup(void **state)
{
    struct fx *f = kg_xcalloc(1, sizeof *f);
    if (fx_dir(f->dir, sizeof f->dir, "kgindex", f->path, sizeof f->path,
               "t.db") != 0)
        return -1;
    snprintf(f->idx, sizeof f->idx, "%s.idx", f->path);
    char err[256];
    if (store_open(f->path, STORE_CREATE, &f->s, err, sizeof err) != KG_OK)
        return -1;
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    if (fx_rmdir(f->dir) != 0)
        return -1;
    free(f);
    return 0;
}

/* What index_info reported about the opens since the last call, worded
 * as the front end words it (app_index_notice). */
static inline char *warnings(struct fx *f)
{
    char *s = kg_xstrdup(f->notes);
    f->notes[0] = '\0';
    return s;
}

static inline void note(struct fx *f, const struct index *ix)
{
    struct index_info in;
    index_get_info(ix, &in);
    size_t at = strlen(f->notes), left = sizeof f->notes - at;
    if (in.rebuilt == INDEX_REBUILD_STALE)
        at += (size_t)snprintf(f->notes + at, left,
                               "index is stale (store version %lld, index "
                               "%lld)\n",
                               (long long)in.version,
                               (long long)in.stale_version);
    else if (in.rebuilt == INDEX_REBUILD_TEXT_OPTS)
        at += (size_t)snprintf(f->notes + at, left,
                               "index was built with other text options\n");
    else if (in.rebuilt == INDEX_REBUILD_DAMAGED)
        at += (size_t)snprintf(f->notes + at, left, "index is unusable (%s)\n",
                               in.why);
    left = sizeof f->notes - at;
    if (in.write_error)
        snprintf(f->notes + at, left, "cannot write index %s (%s)\n", in.file,
                 in.write_error);
}

static inline void put(struct store *s, kg_kind kind, const char *json)
{
    struct kg_record r;
    char err[256];
    record_init(&r, kind);
    assert_int_equal(record_from_json(&r, json, strlen(json), err, 256), KG_OK);
    assert_int_equal(store_upsert(s, &r, "test", NULL), KG_OK);
    record_release(&r);
}

static inline struct index *open_ix(struct fx *f, struct index_opts *o)
{
    struct index_opts d = {0};
    if (!o)
        o = &d;
    struct index *ix;
    char err[256];
    kg_status st = index_open(f->s, o, &ix, err, sizeof err);
    if (st != KG_OK)
        fail_msg("index_open: %s", err);
    note(f, ix);
    return ix;
}

static inline bool was_built(const struct index *ix)
{
    struct index_info in;
    index_get_info(ix, &in);
    return in.built;
}

/* Records of one kind with only an abstract (weight 1: tf counts 1). */
static inline struct index *build_abstracts(const char *const *texts, size_t n,
                                            const struct index_opts *o)
{
    struct kg_record *r = kg_xcalloc(n, sizeof *r);
    const struct kg_record **p = kg_xcalloc(n, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        record_init(&r[i], KG_ACHIEVEMENT);
        r[i].id = kg_xasprintf("d%zu", i + 1);
        r[i].abstract = kg_xstrdup(texts[i]);
        p[i] = &r[i];
    }
    struct index *ix;
    char err[256];
    assert_int_equal(index_build(p, n, o, &ix, err, sizeof err), KG_OK);
    for (size_t i = 0; i < n; i++)
        record_release(&r[i]);
    free(r);
    free(p);
    return ix;
}

static inline void search(struct index *ix, const char *q, unsigned kinds,
                          size_t k, struct index_hit **h, size_t *n)
{
    assert_int_equal(index_search(ix, q, kinds, k, h, n), KG_OK);
}

/* A seeded random source (set rng_state first): the same corpus for the
 * same seed on every machine. */
static uint64_t rng_state;

static inline uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

#endif
