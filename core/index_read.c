/*
 * index_read.c - opening an index: the file beside the database is
 * mapped and checked (core/image verifies header, checksum and section
 * table; attach() the contents) before anything in it is followed; a
 * missing, stale or unsound file is rebuilt by index_write.c and written
 * atomically, or kept in memory when it cannot be written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* ix->heads of a segment (index_int.h); none when a block head is out
 * of form (the search then reads the image, which checks as it goes). */
static void read_heads(struct index *ix)
{
    free(ix->heads);
    ix->heads = NULL;
    if (ix->h.from_version < 0 || ix->nblocks == 0)
        return; /* the full build: its lookups read the image */
    uint64_t *heads = kg_xmalloc(ix->nblocks * sizeof *heads);
    const uint8_t *end = ix->dict + ix->dict_len;
    bool ok = true;
    for (size_t i = 0; ok && i < ix->nblocks; i++) {
        uint32_t o;
        uint64_t pre = 1, suf = 0;
        memcpy(&o, ix->dictix + 4 * i, 4);
        const uint8_t *p = rd_varint(ix->dict + o, end, &pre);
        p = p ? rd_varint(p, end, &suf) : NULL;
        ok = p && pre == 0 && suf <= (uint64_t)(end - p);
        if (ok)
            heads[i] = ix_key8((const char *)p, suf);
        ok = ok && (i == 0 || heads[i] >= heads[i - 1]);
    }
    if (ok)
        ix->heads = heads;
    else
        free(heads);
}

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
        .from_version = m.from_version,
        .ngone = m.ngone,
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
              (h.len[S_GONE] == 0 ||
               img[h.off[S_GONE] + h.len[S_GONE] - 1] == '\0') &&
              h.kind_start[0] == 0 && isfinite(h.avgdl) && h.avgdl >= 0 &&
              isfinite(h.k1) && isfinite(h.b) &&
              (h.len[S_FILTER] == 0 ||
               (h.from_version >= 0 && h.off[S_FILTER] % 8 == 0 &&
                h.len[S_FILTER] == ix_filter_words(h.nterms) * 8));
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
    ix->filter = h.len[S_FILTER] ? img + h.off[S_FILTER] : NULL;
    ix->filter_mask = h.len[S_FILTER] ? h.len[S_FILTER] / 8 - 1 : 0;
    ix->exact_bounds = ix->k1 == h.k1 && ix->b == h.b;
    arena_free(ix->k2, ix->k2_bytes);
    ix->k2_bytes = ((size_t)h.ndocs + 1) * sizeof *ix->k2;
    ix->k2 = arena_zalloc(ix->k2_bytes);
    for (size_t i = 0; i < h.ndocs; i++) {
        struct ix_doc d;
        memcpy(&d, &docs[i], sizeof d);
        ix->k2[i] = norm2(ix->k1, ix->b, d.dl, h.avgdl);
    }
    read_heads(ix);
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
    ix->merge_cap =
        o && o->merge_postings ? o->merge_postings : IX_MERGE_POSTINGS;
    if (o)
        ix->progress = (struct ix_progress){o->progress, o->progress_ctx};
    text_tokens_init(&ix->tk);
    return ix;
}

static void finish_segments(struct index *ix);

/* Builds from s or from recs into a new image attached to ix. */
static kg_status build(struct index *ix, struct store *s,
                       const struct kg_record *const *recs, size_t nrecs,
                       int64_t version, char *err, size_t errlen)
{
    struct image_writer img;
    kg_status st =
        ix_write_image(s, recs, nrecs, version, ix->k1, ix->b, ix->want_flags,
                       &ix->progress, &img, &ix->timing, err, errlen);
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
    finish_segments(ix);
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

/* ------------------------------------------------------------ segments */

static char *seg_path(const struct index *ix, int64_t from, int64_t to)
{
    return kg_xasprintf("%s.%lld-%lld", ix->path, (long long)from,
                        (long long)to);
}

static char *segs_path(const struct index *ix)
{
    return kg_xasprintf("%s.segs", ix->path);
}

static void drop_segments(struct index *ix)
{
    for (size_t i = 0; i < ix->nseg; i++)
        index_free(ix->seg[i]);
    free(ix->seg);
    ix->seg = NULL;
    ix->nseg = 0;
}

static void push_segment(struct index *ix, struct index *seg)
{
    ix->seg = kg_xrealloc(ix->seg, (ix->nseg + 1) * sizeof *ix->seg);
    ix->seg[ix->nseg++] = seg;
}

/* The store version the newest segment (or the full build) is at. */
static int64_t top_version(const struct index *ix)
{
    return ix->nseg ? ix->seg[ix->nseg - 1]->h.store_version
                    : ix->h.store_version;
}

/* Maps the segments PATH.idx.segs lists. False (and none kept) when the
 * list or a segment is missing, damaged or out of chain, with ix->why
 * naming the file and saying why; true with none when there is no list. */
static bool open_segments(struct index *ix)
{
    char *lp = segs_path(ix);
    FILE *f = fopen(lp, "r");
    if (!f) {
        int e = errno;
        if (e != ENOENT)
            snprintf(ix->why, sizeof ix->why, "%s: %s", lp, strerror(e));
        free(lp);
        return e == ENOENT;
    }
    char line[128];
    bool ok =
        fgets(line, sizeof line, f) && strcmp(line, "kgidx-segments 1\n") == 0;
    if (!ok)
        snprintf(ix->why, sizeof ix->why, "%s: not a list of segments", lp);
    long long from, to;
    while (ok && fgets(line, sizeof line, f)) {
        char why[200] = "";
        ok = sscanf(line, "%lld %lld", &from, &to) == 2 &&
             from == top_version(ix);
        if (!ok) {
            snprintf(ix->why, sizeof ix->why, "%s: segments out of chain", lp);
            break;
        }
        struct index *seg = kg_xcalloc(1, sizeof *seg);
        seg->k1 = ix->k1;
        seg->b = ix->b;
        seg->path = seg_path(ix, from, to);
        kg_status st = map_file(seg, seg->path, why, sizeof why);
        ok = st == KG_OK && seg->h.from_version == from &&
             seg->h.store_version == to &&
             seg->h.text_flags == ix->h.text_flags;
        if (!ok)
            snprintf(ix->why, sizeof ix->why, "segment %s: %s", seg->path,
                     st == KG_ENOTFOUND ? "missing"
                     : st != KG_OK      ? why
                                        : "not the segment listed");
        push_segment(ix, seg);
    }
    fclose(f);
    free(lp);
    if (!ok)
        drop_segments(ix);
    return ok;
}

/* Writes the list of ix's segments, or removes it when there are none. */
static kg_status write_segments(struct index *ix, char *why, size_t whylen)
{
    char *lp = segs_path(ix);
    kg_status st = KG_OK;
    if (ix->nseg == 0) {
        if (unlink(lp) != 0 && errno != ENOENT) {
            ix_fmt_err(why, whylen, "removing %s: %s", lp, strerror(errno));
            st = KG_EIO;
        }
    } else {
        struct kg_buf b;
        kg_buf_init(&b);
        kg_buf_printf(&b, "kgidx-segments 1\n");
        for (size_t i = 0; i < ix->nseg; i++)
            kg_buf_printf(&b, "%lld %lld\n",
                          (long long)ix->seg[i]->h.from_version,
                          (long long)ix->seg[i]->h.store_version);
        st = image_write(lp, b.data, b.len, why, whylen);
        kg_buf_release(&b);
    }
    free(lp);
    return st;
}

/* Marks what newer segments supersede and sets the statistics a search
 * over all segments shares: live documents and their average length. */
static void finish_segments(struct index *ix)
{
    size_t n = ix->nseg + 1;
    for (int k = 0; k < KG_KIND_COUNT; k++)
        ix->live_of[k] = ix->h.kind_start[k + 1] - ix->h.kind_start[k];
    ix->live = ix->h.ndocs;
    ix->bound_scale = 1;
    if (ix->nseg == 0)
        return;
    struct index **all = kg_xmalloc(n * sizeof *all);
    all[0] = ix;
    for (size_t i = 1; i < n; i++)
        all[i] = ix->seg[i - 1];
    for (size_t i = n; i-- > 1;) {
        const struct index *g = all[i];
        const char *p = (const char *)g->base + g->h.off[S_GONE];
        const char *end = p + g->h.len[S_GONE];
        for (; p < end; p += strlen(p) + 1) {
            int kind = p[0] - '0';
            if (kind < 0 || kind >= KG_KIND_COUNT)
                continue;
            for (size_t j = 0; j < i; j++) {
                struct index *o = all[j];
                uint32_t d = ix_find_doc(o, (kg_kind)kind, p + 1);
                if (d == IX_END)
                    continue;
                if (!o->dead)
                    o->dead = kg_xcalloc((size_t)o->h.ndocs / 8 + 1, 1);
                o->dead[d >> 3] |= (uint8_t)(1u << (d & 7));
            }
        }
    }
    double live = 0, total = 0;
    size_t of[KG_KIND_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        const struct index *o = all[i];
        for (int k = 0; k < KG_KIND_COUNT; k++)
            for (uint32_t d = o->h.kind_start[k]; d < o->h.kind_start[k + 1];
                 d++) {
                if (ix_dead(o, d))
                    continue;
                struct ix_doc x;
                memcpy(&x, &o->docs[d], sizeof x);
                total += x.dl;
                live++;
                of[k]++;
            }
    }
    double avgdl = live ? total / live : 0;
    for (size_t i = 0; i < n; i++) {
        struct index *o = all[i];
        for (uint32_t d = 0; d < o->h.ndocs; d++) {
            struct ix_doc x;
            memcpy(&x, &o->docs[d], sizeof x);
            o->k2[d] = norm2(o->k1, o->b, x.dl, avgdl);
        }
        o->bound_scale =
            o->h.avgdl > 0 && avgdl > o->h.avgdl ? avgdl / o->h.avgdl : 1;
        o->live = live;
    }
    memcpy(ix->live_of, of, sizeof of);
    free(all);
}

static bool count_change(kg_kind kind, const char *id, void *ctx)
{
    (void)kind;
    (void)id;
    (*(size_t *)ctx)++;
    return true;
}

/* An in-memory segment of ix on the image img (which it takes over), or
 * NULL with the reason in err when the image is unsound. */
static struct index *seg_of_image(const struct index *ix,
                                  struct image_writer *img, char *err,
                                  size_t errlen)
{
    struct index *seg = kg_xcalloc(1, sizeof *seg);
    seg->k1 = ix->k1;
    seg->b = ix->b;
    char why[256];
    struct image im;
    if (image_check(&ix_spec, img->p, img->len, false, &im, why, sizeof why) !=
            IMAGE_OK ||
        !attach(seg, &im, why, sizeof why)) {
        ix_fmt_err(err, errlen, "internal error: fresh segment unsound: %s",
                   why);
        image_writer_release(img);
        index_free(seg);
        return NULL;
    }
    seg->path = seg_path(ix, seg->h.from_version, seg->h.store_version);
    return seg;
}

static void add_timing(struct index_timing *t, const struct index_timing *u)
{
    t->read_s += u->read_s;
    t->tokenize_s += u->tokenize_s;
    t->layout_s += u->layout_s;
    t->write_s += u->write_s;
    t->text_bytes += u->text_bytes;
}

/* Merges ix's segments from the j-th on and then fresh (NULL: none) into
 * one segment, which is written (file, then list; the merged files are
 * removed after) and takes their place. KG_ENOTFOUND when a segment turns
 * out damaged (a full rebuild is due); ix is unchanged on failure. */
static kg_status replace_segments(struct index *ix, size_t j,
                                  struct index *fresh, char *err, size_t errlen)
{
    size_t old_n = ix->nseg, n = old_n - j + (fresh != NULL);
    struct index **g = kg_xmalloc((n + 1) * sizeof *g);
    for (size_t i = j; i < old_n; i++)
        g[i - j] = ix->seg[i];
    if (fresh)
        g[n - 1] = fresh;
    struct index *seg = fresh;
    kg_status st = KG_OK;
    if (n > 1) {
        struct image_writer img;
        struct index_timing t;
        size_t nchanged = 0;
        st = ix_merge_segments(g, n, ix->k1, ix->b, &img, &t, &nchanged, err,
                               errlen);
        add_timing(&ix->timing, &t);
        if (st != KG_OK)
            image_writer_release(&img);
        if (st == KG_EINPUT) { /* a damaged segment: rebuild the index */
            ix->rebuilt = INDEX_REBUILD_DAMAGED;
            snprintf(ix->why, sizeof ix->why, "%s", err);
            st = KG_ENOTFOUND;
        }
        seg = st == KG_OK ? seg_of_image(ix, &img, err, errlen) : NULL;
        if (st == KG_OK && !seg)
            st = KG_EINTERNAL;
        index_free(fresh);
    }
    free(g);
    if (st != KG_OK)
        return st;
    char why[256];
    double t0 = kg_monotonic();
    kg_status wst =
        image_write(seg->path, seg->base, seg->size, why, sizeof why);
    /* the merged segments give way to the new one */
    struct index **old = ix->seg;
    ix->seg = NULL;
    ix->nseg = 0;
    for (size_t i = 0; i < j; i++)
        push_segment(ix, old[i]);
    push_segment(ix, seg);
    if (wst == KG_OK)
        wst = write_segments(ix, why, sizeof why);
    ix->timing.write_s += kg_monotonic() - t0;
    for (size_t i = j; i < old_n; i++) {
        if (wst == KG_OK && strcmp(old[i]->path, seg->path) != 0)
            unlink(old[i]->path);
        index_free(old[i]);
    }
    free(old);
    if (wst != KG_OK) {
        snprintf(ix->write_err, sizeof ix->write_err, "%s", why);
        ix->in_memory = true;
    }
    ix->merged = old_n - j;
    return KG_OK;
}

static size_t segment_records(const struct index *ix)
{
    size_t n = 0;
    for (size_t i = 0; i < ix->nseg; i++)
        n += ix->seg[i]->h.ngone;
    return n;
}

/*
 * Brings ix up to version with a new segment of the changes (see
 * index_int.h, merge policy), merged with the newest segments as far as
 * the policy and ix->merge_cap allow. KG_ENOTFOUND when a full rebuild
 * is due instead: the change log does not reach back, the segments grew
 * past a quarter of a small full build, or a segment to merge is damaged.
 */
static kg_status update(struct index *ix, struct store *s, int64_t version,
                        char *err, size_t errlen)
{
    size_t est = 0;
    int64_t from = top_version(ix);
    kg_status st = store_changes(s, from, count_change, &est);
    if (st != KG_OK)
        return st == KG_ENOTFOUND ? st : KG_EIO;
    if ((segment_records(ix) + est) * 4 > ix->h.ndocs &&
        ix->h.ndocs <= IX_REBUILD_INLINE)
        return KG_ENOTFOUND;
    struct image_writer img;
    size_t nchanged = 0;
    st = ix_write_segment(s, from, version, ix->k1, ix->b, ix->want_flags, &img,
                          &ix->timing, &nchanged, err, errlen);
    if (st != KG_OK) {
        image_writer_release(&img);
        return st;
    }
    struct index *fresh = seg_of_image(ix, &img, err, errlen);
    if (!fresh)
        return KG_EINTERNAL;
    /* a binary counter over the records, capped in postings */
    size_t j = ix->nseg, acc = nchanged;
    uint64_t post = fresh->h.npostings;
    while (j > 0 && ix->seg[j - 1]->h.ngone <= acc &&
           post + ix->seg[j - 1]->h.npostings <= ix->merge_cap) {
        acc += ix->seg[j - 1]->h.ngone;
        post += ix->seg[j - 1]->h.npostings;
        j--;
    }
    st = replace_segments(ix, j, fresh, err, errlen);
    ix->changed = nchanged;
    return st;
}

/* index_opts.optimize: the segments merged into one, whatever their size
 * (KG_ENOTFOUND: past a quarter of the full build, a rebuild is due). */
static kg_status optimize(struct index *ix, char *err, size_t errlen)
{
    if (segment_records(ix) * 4 > ix->h.ndocs)
        return KG_ENOTFOUND;
    if (ix->nseg < 2)
        return KG_OK;
    size_t changed = ix->changed;
    kg_status st = replace_segments(ix, 0, NULL, err, errlen);
    ix->changed = changed;
    return st;
}

/* Removes the segment files PATH.idx.segs lists, then the list (before a
 * full build). */
static void remove_segments(struct index *ix)
{
    char *lp = segs_path(ix);
    FILE *f = fopen(lp, "r");
    char line[128];
    long long from, to;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%lld %lld", &from, &to) == 2) {
            char *p = seg_path(ix, from, to);
            unlink(p);
            free(p);
        }
    if (f)
        fclose(f);
    unlink(lp);
    free(lp);
    drop_segments(ix);
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
            /* a damaged segment: its changes are taken again from the
             * store (or the whole index rebuilt), and the reader told */
            if (!open_segments(ix)) {
                ix->rebuilt = INDEX_REBUILD_DAMAGED;
                remove_segments(ix);
            }
            if (o.no_update) {
                finish_segments(ix);
                *out = ix;
                return KG_OK;
            }
            bool current = same_text && top_version(ix) == version;
            if (current)
                st = KG_OK;
            else if (same_text && ix->h.from_version < 0)
                st = update(ix, s, version, err, errlen);
            else
                st = KG_ENOTFOUND;
            if (st == KG_OK && o.optimize)
                st = optimize(ix, err, errlen);
            if (st == KG_OK) {
                finish_segments(ix);
                *out = ix;
                return KG_OK;
            }
            if (st != KG_ENOTFOUND)
                goto fail;
            if (current) { /* optimize asked for the rebuild */
                detach(ix);
                drop_segments(ix);
                goto rebuild;
            }
            if (ix->rebuilt != INDEX_REBUILD_DAMAGED)
                ix->rebuilt =
                    same_text ? INDEX_REBUILD_STALE : INDEX_REBUILD_TEXT_OPTS;
            ix->stale_version = top_version(ix);
            detach(ix);
        } else if (st != KG_ENOTFOUND) {
            ix->rebuilt = INDEX_REBUILD_DAMAGED;
            snprintf(ix->why, sizeof ix->why, "%s", why);
        }
    }
rebuild:
    remove_segments(ix);
    st = build(ix, s, NULL, 0, version, err, errlen);
    if (st != KG_OK)
        goto fail;
    if (ix->progress.fn)
        ix->progress.fn("writing", 0, 0, ix->progress.ctx);
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
    for (size_t i = 0; i < ix->nseg; i++)
        index_free(ix->seg[i]);
    free(ix->seg);
    free(ix->dead);
    arena_free(ix->k2, ix->k2_bytes);
    free(ix->heads);
    free(ix->path);
    text_free(ix->tx);
    text_tokens_release(&ix->tk);
    arena_free(ix->acc, ix->acc_n * sizeof *ix->acc);
    arena_free(ix->touched, ix->acc_n * sizeof *ix->touched);
    free(ix);
}

size_t index_doc_count(const struct index *ix)
{
    return (size_t)ix->live;
}

void index_get_info(const struct index *ix, struct index_info *info)
{
    memset(info, 0, sizeof *info);
    info->path = ix->in_memory ? NULL : ix->path;
    info->file = ix->path;
    info->docs = (size_t)ix->live;
    info->terms = ix->h.nterms;
    for (int k = 0; k < KG_KIND_COUNT; k++)
        info->docs_of[k] = ix->live_of[k];
    info->postings = ix->h.npostings;
    info->bytes = ix->size;
    for (size_t i = 0; i < ix->nseg; i++) {
        info->postings += ix->seg[i]->h.npostings;
        info->bytes += ix->seg[i]->size;
    }
    info->version = top_version(ix);
    info->segments = ix->nseg;
    info->changed = ix->changed;
    info->merged = ix->merged;
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
