/*
 * fuzz_text.c - libFuzzer harness for the analyzer and the index build and
 * search over arbitrary bytes: the first byte picks the analyzer options
 * (and, with 0x10, an in-memory index of the lines searched with each
 * line); every term must be valid, non-empty UTF-8 within the length limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/index.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_terms(const struct text_tokens *tk)
{
    for (size_t i = 0; i < tk->n; i++) {
        const struct text_tok *k = &tk->v[i];
        const char *t = tk->bytes + k->off;
        if (k->len == 0 || k->len > TEXT_MAX_TERM || strlen(t) != k->len ||
            !kg_utf8_valid(t, k->len) ||
            !kg_utf8_valid(tk->bytes + k->surf, strlen(tk->bytes + k->surf)))
            abort();
    }
}

static void fuzz_index(const char *s, size_t n)
{
    struct kg_record r[8];
    const struct kg_record *p[8];
    size_t nr = 0;
    char *lines = kg_xstrndup(s, n), *save = NULL;
    for (char *l = strtok_r(lines, "\n", &save); l && nr < 8;
         l = strtok_r(NULL, "\n", &save)) {
        record_init(&r[nr], nr % 2 ? KG_PATENT : KG_ACHIEVEMENT);
        r[nr].id = kg_xasprintf("r%zu", nr);
        r[nr].title = kg_xstrdup(l);
        p[nr] = &r[nr];
        nr++;
    }
    struct index *ix;
    char err[256];
    if (index_build(p, nr, NULL, &ix, err, sizeof err) == KG_OK) {
        for (size_t i = 0; i < nr; i++) {
            struct index_hit *h;
            size_t nh;
            for (size_t k = 0; k < 3; k++)
                if (index_search(ix, r[i].title, 0, k, &h, &nh) == KG_OK)
                    free(h);
        }
        index_free(ix);
    }
    for (size_t i = 0; i < nr; i++)
        record_release(&r[i]);
    free(lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct text *t[16];
    if (size < 1)
        return 0;
    unsigned mode = data[0] & 0x0f;
    if (!t[mode]) {
        struct text_opts o = {.no_stem = mode & 1,
                              .no_stop = mode & 2,
                              .no_fold = mode & 4,
                              .cjk_words = mode & 8};
        char err[256];
        if (text_new(&o, &t[mode], err, sizeof err) != KG_OK)
            abort();
    }
    struct text_tokens tk;
    text_tokens_init(&tk);
    tk.surfaces = (data[0] & 0x20) != 0;
    if (text_analyze(t[mode], (const char *)data + 1, size - 1, &tk) != KG_OK)
        abort();
    check_terms(&tk);
    text_tokens_release(&tk);
    if (data[0] & 0x10)
        fuzz_index((const char *)data + 1, size - 1);
    return 0;
}
