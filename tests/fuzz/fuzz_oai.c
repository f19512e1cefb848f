/*
 * fuzz_oai.c - libFuzzer harness for the OAI-PMH parsers (ListRecords and
 * Identify): the whole input is one response.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ingest/parse_oai.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct page p;
    struct oai_error oe;
    char err[256];
    page_init(&p);
    struct oai_map m = {.kind = size % 2 ? KG_PATENT : KG_ACHIEVEMENT};
    if (parse_oai_records((const char *)data, size, &m, &p, &oe, err,
                          sizeof err) == KG_OK)
        oai_error_release(&oe);
    page_release(&p);
    char *g = NULL;
    if (parse_oai_identify((const char *)data, size, &g, &oe, err,
                           sizeof err) == KG_OK)
        oai_error_release(&oe);
    free(g);
    return 0;
}
