/*
 * fuzz_matchconf.c - libFuzzer harness for the matcher's config file
 * (match.conf, read by match_config_load over the defaults); every loaded
 * config must leave the three part weights finite.
 */
#include <math.h>

#include "graph/match.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[640];
    char err[256];
    if (!path[0])
        fuzz_path(path, sizeof path, "match.conf");
    fuzz_write(path, data, size);
    struct match_config c;
    match_config_default(&c);
    if (match_config_load(&c, path, err, sizeof err) == KG_OK &&
        !(isfinite(c.w_text) && isfinite(c.w_graph) && isfinite(c.w_fit)))
        abort();
    return 0;
}
