/*
 * index_read.c - opening an index: the file beside the database is
 * mapped and checked (core/image verifies header, checksum and section
 * table; attach() the contents) before anything in it is followed; a
 * missing, stale or unsound file is rebuilt by index_write.c and written
 * atomically, or kept in memory when it cannot be written.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/index_int.h"

/* ----------------------------------------------------- opening images */

static void index_params(struct index *ix, const struct index_opts *o)
{
    ix->k1 = o && o->k1 > 0 ? o->k1 : INDEX_K1;
    ix->b = o && o->b > 0 ? o->b : INDEX_B;
}

const struct image_spec ix_spec = {
    .magic = IX_MAGIC,
    .what = "index",
    .format = IX_FORMAT,
    .nsections = S_COUNT,
    .meta_len = sizeof(struct ix_meta),
};

/*
 * Checks the contents of an image that image_check passed and points ix
 * into it. Returns false with the reason in why when anything is out of
 * place; nothing in the image is followed before this passes.
 */
static bool attach(struct index *ix, const struct image *im, char *why,
                   size_t whylen)
{
    struct ix_meta m;
    memcpy(&m, im->meta, sizeof m);
    if (m.text_version != TEXT_VERSION) {
        ix_fmt_err(why, whylen, "format %u.%u, this kgmatch writes %u.%u",
                   IX_FORMAT, m.text_version, IX_FORMAT, TEXT_VERSION);
        return false;
    }
    struct ix_header h = {
        .text_version = m.text_version,
        .text_flags = m.text_flags,
        .store_version = m.store_version,
        .k1 = m.k1,
        .b = m.b,
        .avgdl = m.avgdl,
        .ndocs = m.kind_start[KG_KIND_COUNT],
        .nterms = m.nterms,
        .npostings = m.npostings,
    };
    memcpy(h.kind_start, m.kind_start, sizeof h.kind_start);
    for (unsigned i = 0; i < S_COUNT; i++) {
        h.off[i] = im->off[i];
        h.len[i] = im->len[i];
    }
    const uint8_t *img = im->base;
    size_t nblocks = (h.nterms + IX_DICT_BLOCK - 1) / IX_DICT_BLOCK;
    bool ok = h.ndocs <= IX_MAX_DOCS &&
              h.len[S_DOCS] == (uint64_t)h.ndocs * sizeof(struct ix_doc) &&
              h.len[S_DICTIX] == nblocks * 4 && h.len[S_IDS] > 0 &&
              img[h.off[S_IDS] + h.len[S_IDS] - 1] == '\0' &&
              h.kind_start[0] == 0 && isfinite(h.avgdl) && h.avgdl >= 0 &&
              isfinite(h.k1) && isfinite(h.b);
    for (int k = 0; ok && k < KG_KIND_COUNT; k++)
        ok = h.kind_start[k] <= h.kind_start[k + 1];
    for (size_t i = 0; ok && i < nblocks; i++) {
        uint32_t o;
        memcpy(&o, img + h.off[S_DICTIX] + 4 * i, 4);
        ok = o < h.len[S_DICT];
    }
    const struct ix_doc *docs = (const void *)(img + h.off[S_DOCS]);
    for (size_t i = 0; ok && i < h.ndocs; i++) {
        struct ix_doc d;
        memcpy(&d, &docs[i], sizeof d);
        ok = d.id_off < h.len[S_IDS] && isfinite(d.dl) && d.dl >= 0;
    }
    if (!ok) {
        ix_fmt_err(why, whylen, "inconsistent header or documents");
        return false;
    }
    ix->h = h;
    ix->base = img;
    ix->size = im->size;
    ix->docs = docs;
    ix->ids = (const char *)img + h.off[S_IDS];
    ix->post = img + h.off[S_POST];
    ix->post_len = h.len[S_POST];
    ix->dictix = img + h.off[S_DICTIX];
    ix->dict = img + h.off[S_DICT];
    ix->dict_len = h.len[S_DICT];
    ix->nblocks = nblocks;
    ix->exact_bounds = ix->k1 == h.k1 && ix->b == h.b;
    free(ix->k2);
    ix->k2 = kg_xmalloc(((size_t)h.ndocs + 1) * sizeof *ix->k2);
    for (size_t i = 0; i < h.ndocs; i++) {
        struct ix_doc d;
        memcpy(&d, &docs[i], sizeof d);
        ix->k2[i] = norm2(ix->k1, ix->b, d.dl, h.avgdl);
    }
    return true;
}

static void detach(struct index *ix)
{
    if (ix->base) {
        if (ix->mapped)
            munmap((void *)ix->base, ix->size);
        else
            free((void *)ix->base);
    }
    ix->base = NULL;
    ix->mapped = false;
}

/* Maps the file at path. KG_ENOTFOUND when missing; KG_EINPUT (reason in
 * why) when it is not a sound index; KG_OK with ix attached. */
static kg_status map_file(struct index *ix, const char *path, char *why,
                          size_t whylen)
{
    struct image im;
    enum image_verdict v;
    kg_status st = image_map(path, &ix_spec, &im, &v, why, whylen);
    if (st != KG_OK)
        return st;
    if (!attach(ix, &im, why, whylen)) {
        image_release(&im);
        return KG_EINPUT;
    }
    ix->mapped = true;
    return KG_OK;
}

static struct index *index_alloc(const struct index_opts *o)
{
    struct index *ix = kg_xcalloc(1, sizeof *ix);
    index_params(ix, o);
    ix->want_flags = o && o->cjk_words ? IX_CJK_WORDS : 0;
    text_tokens_init(&ix->tk);
    return ix;
}

/* Builds from s or from recs into a new image attached to ix. */
static kg_status build(struct index *ix, struct store *s,
                       const struct kg_record *const *recs, size_t nrecs,
                       int64_t version, char *err, size_t errlen)
{
    struct image_writer img;
    kg_status st =
        ix_write_image(s, recs, nrecs, version, ix->k1, ix->b, ix->want_flags,
                       &img, &ix->timing, err, errlen);
    if (st != KG_OK) {
        image_writer_release(&img);
        return st;
    }
    char why[256];
    detach(ix);
    struct image im;
    if (image_check(&ix_spec, img.p, img.len, false, &im, why, sizeof why) !=
            IMAGE_OK ||
        !attach(ix, &im, why, sizeof why)) {
        ix_fmt_err(err, errlen, "internal error: fresh index unsound: %s", why);
        image_writer_release(&img);
        return KG_EINTERNAL;
    }
    ix->mapped = false;
    ix->built = true;
    return KG_OK;
}

kg_status index_build(const struct kg_record *const *recs, size_t n,
                      const struct index_opts *opts, struct index **out,
                      char *err, size_t errlen)
{
    struct index *ix = index_alloc(opts);
    ix->in_memory = true;
    kg_status st = build(ix, NULL, recs, n, 0, err, errlen);
    if (st != KG_OK) {
        index_free(ix);
        ix = NULL;
    }
    *out = ix;
    return st;
}

kg_status index_open(struct store *s, const struct index_opts *opts,
                     struct index **out, char *err, size_t errlen)
{
    struct index_opts o = {0};
    if (opts)
        o = *opts;
    struct index *ix = index_alloc(&o);
    int64_t version = 0;
    char why[256] = "";
    *out = NULL;
    kg_status st = store_version(s, &version);
    if (st != KG_OK) {
        ix_fmt_err(err, errlen, "reading the store version: %s",
                   store_last_error(s));
        goto fail;
    }
    ix->path = kg_xasprintf("%s.idx", store_path(s));
    if (o.in_memory) {
        ix->in_memory = true;
        st = build(ix, s, NULL, 0, version, err, errlen);
        if (st != KG_OK)
            goto fail;
        *out = ix;
        return KG_OK;
    }
    if (!o.rebuild) {
        st = map_file(ix, ix->path, why, sizeof why);
        if (st == KG_OK) {
            bool same_text = ix->h.text_flags == ix->want_flags;
            if (o.no_update || (same_text && ix->h.store_version == version)) {
                *out = ix;
                return KG_OK;
            }
            ix->rebuilt =
                same_text ? INDEX_REBUILD_STALE : INDEX_REBUILD_TEXT_OPTS;
            ix->stale_version = ix->h.store_version;
            detach(ix);
        } else if (st != KG_ENOTFOUND) {
            ix->rebuilt = INDEX_REBUILD_DAMAGED;
            snprintf(ix->why, sizeof ix->why, "%s", why);
        }
    }
    st = build(ix, s, NULL, 0, version, err, errlen);
    if (st != KG_OK)
        goto fail;
    double t0 = kg_monotonic();
    st = image_write(ix->path, ix->base, ix->size, why, sizeof why);
    ix->timing.write_s = kg_monotonic() - t0;
    if (st != KG_OK) {
        snprintf(ix->write_err, sizeof ix->write_err, "%s", why);
        ix->in_memory = true;
    }
    *out = ix;
    return KG_OK;
fail:
    index_free(ix);
    return st;
}

void index_free(struct index *ix)
{
    if (!ix)
        return;
    detach(ix);
    free(ix->k2);
    free(ix->path);
    text_free(ix->tx);
    text_tokens_release(&ix->tk);
    free(ix->acc);
    free(ix->touched);
    free(ix);
}

size_t index_doc_count(const struct index *ix)
{
    return ix->h.ndocs;
}

void index_get_info(const struct index *ix, struct index_info *info)
{
    memset(info, 0, sizeof *info);
    info->path = ix->in_memory ? NULL : ix->path;
    info->file = ix->path;
    info->docs = ix->h.ndocs;
    info->terms = ix->h.nterms;
    for (int k = 0; k < KG_KIND_COUNT; k++)
        info->docs_of[k] = ix->h.kind_start[k + 1] - ix->h.kind_start[k];
    info->postings = ix->h.npostings;
    info->bytes = ix->size;
    info->version = ix->h.store_version;
    info->built = ix->built;
    info->in_memory = ix->in_memory;
    info->k1 = ix->k1;
    info->b = ix->b;
    info->timing = ix->timing;
    info->rebuilt = ix->rebuilt;
    info->stale_version = ix->stale_version;
    info->why = ix->why;
    info->write_error = ix->write_err[0] ? ix->write_err : NULL;
}
