/*
 * fuzz_import.c - libFuzzer harness for the JSONL and CSV import parsers:
 * the first byte picks the format and kind, the rest is the file.
 */
#include <stdint.h>
#include <stdio.h>

#include "ingest/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct store *s;
    if (!s) {
        char err[256];
        if (store_open(":memory:", STORE_CREATE, &s, err, sizeof err) != KG_OK)
            return 0;
    }
    if (size < 1)
        return 0;
    struct import_opts o = {
        .kind = (kg_kind)(data[0] % KG_KIND_COUNT),
        .format = (data[0] & 0x80) ? IMPORT_CSV : IMPORT_JSONL,
        .skip_bad = (data[0] & 0x40) != 0,
    };
    FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
    if (!in)
        return 0;
    struct import_stats st;
    kg_status rc = import_stream(s, in, "fuzz", &o, &st);
    (void)rc; /* bad input is expected: only crashes count */
    fclose(in);
    return 0;
}
