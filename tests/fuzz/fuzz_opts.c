/*
 * fuzz_opts.c - libFuzzer harness for the command-line option parsers: the
 * first byte picks a read command (search, match, query, partners, show,
 * stats, index), the rest is its arguments, one a line; the command runs
 * against a small store with its index and graph. The shared parsers
 * (cli_parse_top, cli_parse_format, cli_match_kinds) also get the first
 * argument. Inputs naming a device (/dev/...) are skipped: a command would
 * read it.
 */
#include <getopt.h>

#include "cli/cli.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *name;
    cli_fn fn;
} fuzz_cmds[] = {
    {"search", cmd_search},     {"match", cmd_match}, {"query", cmd_query},
    {"partners", cmd_partners}, {"show", cmd_show},   {"stats", cmd_stats},
    {"index", cmd_index},
};
#define NCMDS (sizeof fuzz_cmds / sizeof *fuzz_cmds)
#define MAXARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char db[640];
    if (!db[0]) {
        store_close(fuzz_store("opts.db"));
        fuzz_path(db, sizeof db, "opts.db");
        if (!freopen("/dev/null", "r", stdin) ||
            !freopen("/dev/null", "w", stdout))
            abort();
    }
    if (size < 1 || memmem(data, size, "/dev/", 5))
        return 0;
    char *text = malloc(size);
    if (!text)
        abort();
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    char *argv[MAXARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)fuzz_cmds[data[0] % NCMDS].name;
    for (char *p = text; argc < MAXARGS && size > 1;) {
        argv[argc++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    argv[argc] = NULL;
    struct cli cli = {.db_path = db, .cmd = argv[0]};
    size_t top;
    enum cli_format fmt;
    unsigned kinds;
    if (argc > 1) {
        (void)cli_parse_top(&cli, argv[1], &top);
        (void)cli_parse_format(&cli, argv[1], &fmt);
        (void)cli_match_kinds(&cli, argv[1], &kinds);
    }
    /* A process parses its options once; here glibc's getopt would keep a
     * pointer into the previous input (a command resets only optind = 1),
     * so reset it fully: optind = 0 reinitializes on the next call. */
    char *none[] = {argv[0], NULL};
    optind = 0;
    (void)getopt(1, none, "");
    (void)fuzz_cmds[data[0] % NCMDS].fn(&cli, argc, argv);
    fflush(stdout);
    free(text);
    return 0;
}
