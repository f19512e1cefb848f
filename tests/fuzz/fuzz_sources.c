/*
 * fuzz_sources.c - libFuzzer harness for the sources file (sources.conf,
 * read by source_conf_load) and for a source as stored JSON
 * (source_from_json): the whole input is the file, then the text.
 */
#include "ingest/source.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[640];
    char err[256];
    if (!path[0])
        fuzz_path(path, sizeof path, "sources.conf");
    fuzz_write(path, data, size);
    struct source *v;
    size_t n;
    if (source_conf_load(path, &v, &n, err, sizeof err) == KG_OK) {
        for (size_t i = 0; i < n; i++)
            free(source_to_json(&v[i]));
        source_list_free(v, n);
    }
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    struct source one;
    source_init(&one);
    if (source_from_json(text, &one, err, sizeof err) == KG_OK &&
        source_check(&one, err, sizeof err) == KG_OK)
        free(source_to_json(&one));
    source_release(&one);
    free(text);
    return 0;
}
