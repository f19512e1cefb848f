/*
 * fuzz_feed.c - libFuzzer harness for the RSS/Atom parser: the whole input
 * is one feed fetched from a fixed URL (so OpenSearch paging runs too).
 */
#include <stdint.h>

#include "ingest/parse_feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct page p;
    char err[256];
    page_init(&p);
    struct feed_map m = {.kind = size % 2 ? KG_PATENT : KG_ACHIEVEMENT,
                         .institution = "Fuzz University"};
    kg_status st = parse_feed((const char *)data, size,
                              "https://feed.example.org/q?start=0&n=10", &m, &p,
                              err, sizeof err);
    (void)st; /* any outcome will do: only crashes count */
    page_release(&p);
    return 0;
}
