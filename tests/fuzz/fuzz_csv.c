/*
 * fuzz_csv.c - libFuzzer harness for CSV import with every option: the
 * first byte picks the kind (low three bits), skip_bad (0x08), a caller's
 * transaction (0x10, rolled back after) and a source name (0x20); the rest
 * is the file. Each input starts from the same store of linked records.
 */
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct store *s;
    if (!s)
        s = fuzz_store("csv.db");
    if (size < 1)
        return 0;
    struct import_opts o = {
        .kind = (kg_kind)((data[0] & 7) % KG_KIND_COUNT),
        .format = IMPORT_CSV,
        .skip_bad = (data[0] & 0x08) != 0,
        .caller_txn = (data[0] & 0x10) != 0,
        .source = (data[0] & 0x20) ? "fuzz-source" : NULL,
    };
    FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
    if (!in)
        return 0;
    if (o.caller_txn && store_begin(s) != KG_OK)
        abort();
    struct import_stats st;
    kg_status rc = import_stream(s, in, "fuzz.csv", &o, &st);
    (void)rc; /* bad input is expected: only crashes count */
    if (o.caller_txn)
        store_rollback(s);
    fclose(in);
    return 0;
}
