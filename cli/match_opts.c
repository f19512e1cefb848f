/*
 * match_opts.c - what the matcher's subcommands (match, query, partners,
 * eval) parse and print alike: --top, --min-score, and a hit's reason as
 * JSON.
 */
#include <jansson.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "graph/match.h"

int cli_parse_top(const struct cli *cli, const char *s, size_t *top)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (*end || end == s || n < 0 || n > 1000000)
        return cli_usage(cli, "--top needs a number from 0 to 1000000");
    *top = (size_t)n;
    return 0;
}

int cli_parse_min_score(const struct cli *cli, const char *s, double *out)
{
    char *end;
    double x = strtod(s, &end);
    if (*end || end == s || !(x >= 0 && x <= 1))
        return cli_usage(cli, "--min-score needs a number from 0 to 1");
    *out = x;
    return 0;
}

json_t *cli_match_reason_json(const struct match_hit *h)
{
    json_t *parts = json_pack("{s:f, s:f, s:f}", "text", h->text, "graph",
                              h->graph, "fit", h->fit);
    json_t *ev = json_pack("{s:f, s:f, s:f}", "evidence", h->evidence,
                           "coverage", h->coverage, "cosine", h->cosine);
    json_t *concepts = json_array();
    for (size_t i = 0; i < h->nconcepts; i++)
        json_array_append_new(concepts, json_string(h->concepts[i]));
    json_t *path = json_array();
    for (size_t i = 0; i < h->npath; i++)
        json_array_append_new(
            path, json_pack("{s:s, s:s, s:s}", "kind", h->path[i].kind, "id",
                            h->path[i].id, "label", h->path[i].label));
    return json_pack("{s:o, s:o, s:o, s:o}", "parts", parts, "evidence", ev,
                     "concepts", concepts, "path", path);
}
