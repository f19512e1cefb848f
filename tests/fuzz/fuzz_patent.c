/*
 * fuzz_patent.c - libFuzzer harness for the USPTO bulk splitter and
 * document parser: the input is a bulk stream (plain, or gzip when it
 * starts so); every document cut from it is parsed. A small document cap
 * exercises the oversize path.
 */
#include <stdint.h>

#include "ingest/parse_patent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct patent_split *sp =
        patent_split_open_memory((const char *)data, size, 1 << 16);
    for (int i = 0; i < 1000; i++) {
        const char *doc;
        size_t len;
        unsigned long long off;
        char err[256];
        kg_status st = patent_split_next(sp, &doc, &len, &off, err, sizeof err);
        if (st == KG_ELIMIT)
            continue;
        if (st != KG_OK || !doc)
            break;
        struct kg_record r;
        record_init(&r, KG_PATENT);
        bool is_patent;
        char root[64];
        if (parse_patent_doc(doc, len, &r, &is_patent, root, sizeof root, err,
                             sizeof err) == KG_OK)
            record_release(&r);
    }
    patent_split_free(sp);
    return 0;
}
