/*
 * main.c - kgmatch's entry point: global options, then a git-style
 * subcommand from the sorted table below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct command {
    const char *name;
    cli_fn fn;
    const char *summary;
    const char *usage;
};

/* Sorted by name. */
static const struct command commands[] = {
    {"import", cmd_import, "import records from JSONL or CSV files",
     "usage: kgmatch import --kind KIND [--skip-bad] [--source NAME] FILE...\n"
     "\n"
     "  KIND is institution, expert, achievement, patent, enterprise or\n"
     "  demand. FILE is .jsonl (one object a line) or .csv (header row of\n"
     "  field names, lists joined with ';'); '-' reads standard input\n"
     "  (JSONL unless --csv). Each file is stored whole or not at all: the\n"
     "  first bad line is reported as FILE:LINE: reason and exits 1.\n"
     "\n"
     "  --skip-bad     store the good lines, report every bad one (exit 1\n"
     "                 if there was any)\n"
     "  --csv, --jsonl force the format (default: from the file name)\n"
     "  --source NAME  the source recorded with each record (default: the\n"
     "                 file name)\n"},
    {"init", cmd_init, "create or migrate the database",
     "usage: kgmatch init\n"
     "\n"
     "  Creates the database (--db, $KGMATCH_DB or ./kgmatch.db) or brings\n"
     "  an older one to the current schema.\n"},
    {"show", cmd_show, "print one record with its links",
     "usage: kgmatch show KIND ID [--format table|json]\n"},
    {"stats", cmd_stats, "count the records of each kind",
     "usage: kgmatch stats [--format table|json]\n"},
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static void print_help(FILE *f)
{
    fprintf(f,
            "usage: kgmatch [--db PATH] COMMAND [ARGS]\n"
            "       kgmatch --version | --help | COMMAND --help\n"
            "\n"
            "Links enterprises' technology demands to research achievements,\n"
            "patents, experts and institutions.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < n_commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n"
               "global options:\n"
               "  --db PATH   database file (default: $KGMATCH_DB, else "
               "./kgmatch.db)\n"
               "\n"
               "exit codes: 0 ok, 1 bad input or data, 2 usage, 3 "
               "environment\n");
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < n_commands; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    struct cli cli = {.db_path = NULL, .cmd = NULL};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("kgmatch %s\n", KG_VERSION);
            return 0;
        } else if (strcmp(a, "--db") == 0 && i + 1 < argc) {
            cli.db_path = argv[++i];
        } else if (strncmp(a, "--db=", 5) == 0) {
            cli.db_path = a + 5;
        } else {
            fprintf(stderr, "kgmatch: unknown option '%s'\n", a);
            fprintf(stderr, "try 'kgmatch --help'\n");
            return 2;
        }
    }
    if (i >= argc) {
        print_help(stderr);
        return 2;
    }
    const struct command *c = find_command(argv[i]);
    if (!c) {
        fprintf(stderr, "kgmatch: unknown command '%s'\n", argv[i]);
        fprintf(stderr, "try 'kgmatch --help'\n");
        return 2;
    }
    for (int j = i + 1; j < argc && strcmp(argv[j], "--") != 0; j++) {
        if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0) {
            fputs(c->usage, stdout);
            return 0;
        }
    }
    if (!cli.db_path) {
        const char *env = getenv("KGMATCH_DB");
        cli.db_path = env && *env ? env : "kgmatch.db";
    }
    cli.cmd = c->name;
    return c->fn(&cli, argc - i, argv + i);
}
