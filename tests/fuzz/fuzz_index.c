/*
 * fuzz_index.c - libFuzzer harness for the index file reader: a valid index
 * of a small store is written once, then each input damages a copy of it
 * (fuzz_mutate: patches, a cut, or a whole new file), which is opened
 * through index_open and searched. The open must refuse or rebuild a
 * damaged file, never read outside it.
 */
#include "core/index.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct store *s;
    static uint8_t *base;
    static size_t nbase;
    static char path[640];
    char err[256];
    if (!s) {
        s = fuzz_store("ix.db");
        struct index *ix;
        if (index_open(s, NULL, &ix, err, sizeof err) != KG_OK)
            abort();
        index_free(ix);
        fuzz_path(path, sizeof path, "ix.db.idx");
        base = fuzz_read(path, &nbase);
        if (!base)
            abort();
    }
    size_t n;
    uint8_t *img = fuzz_mutate(base, nbase, data, size, &n);
    fuzz_write(path, img, n);
    free(img);
    struct index_opts o = {.no_update = size > 0 && (data[0] & 4),
                           .cjk_words = size > 0 && (data[0] & 8)};
    struct index *ix;
    if (index_open(s, &o, &ix, err, sizeof err) != KG_OK)
        return 0;
    struct index_hit *hits;
    size_t nh;
    if (index_search(ix, "印染废水 aluminium welding 铝灰", 0, 5, &hits, &nh) ==
        KG_OK)
        free(hits);
    if (index_search(ix, "铝合金", KG_KIND_BIT(KG_PATENT), 0, &hits, &nh) ==
        KG_OK)
        free(hits);
    index_free(ix);
    return 0;
}
