/*
 * cli.h - what every subcommand shares: the command signature, the global
 * options, opening the store, --format, error printing and the table/CSV
 * writers. One cmd_NAME() per cli/cmd_NAME.c, listed in cli/main.c.
 */
#ifndef KG_CLI_H
#define KG_CLI_H

#include <stdio.h>

#include "core/store.h"

struct cli {
    const char *db_path; /* --db, else $KGMATCH_DB, else ./kgmatch.db */
    const char *cmd;     /* the subcommand's name */
};

/* A subcommand: argv[0] is its name; returns the process exit code
 * (0 ok, 1 bad input/data, 2 usage, 3 environment). */
typedef int (*cli_fn)(struct cli *cli, int argc, char **argv);

int cmd_eval(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_index(struct cli *cli, int argc, char **argv);
int cmd_ingest(struct cli *cli, int argc, char **argv);
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_match(struct cli *cli, int argc, char **argv);
int cmd_partners(struct cli *cli, int argc, char **argv);
int cmd_query(struct cli *cli, int argc, char **argv);
int cmd_search(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_sources(struct cli *cli, int argc, char **argv);
int cmd_stats(struct cli *cli, int argc, char **argv);

/* Shared by match, query, partners and eval (cmd_match.c, cmd_query.c):
 * the matcher config (defaults, or FILE), the store read-only and its graph;
 * the enterprise named loosely; --kind. Each prints its errors and returns
 * an exit code (0 on success). */
struct graph;
struct match_config;
int cli_match_open(const struct cli *cli, const char *config, struct store **s,
                   struct graph **g, struct match_config *c);
int cli_match_kinds(const struct cli *cli, const char *s, unsigned *kinds);
/* --top N (0 to 1000000) into *top; a usage error returns 2 (match_opts.c). */
int cli_parse_top(const struct cli *cli, const char *s, size_t *top);
/* --min-score X (0 to 1) into *out; a usage error returns 2. */
int cli_parse_min_score(const struct cli *cli, const char *s, double *out);
/* A hit's reason as JSON: {parts, evidence, concepts, path} (a new
 * reference). */
struct json_t;
struct match_hit;
struct json_t *cli_match_reason_json(const struct match_hit *h);
/* When the config gives BM25 a share (text.bm25): nix text indexes (0: one
 * per batch thread), and each demand query's bm25_text from the store.
 * Release with cli_match_bm25_release (also after a failure). */
struct index;
struct match_query;
struct cli_bm25 {
    struct index **ix;
    size_t n;
    char **texts;
    size_t ntexts;
};
int cli_match_bm25(const struct cli *cli, struct store *s,
                   const struct graph *g, const struct match_config *c,
                   struct match_query *qs, size_t nq, size_t nix,
                   struct cli_bm25 *b);
void cli_match_bm25_release(struct cli_bm25 *b);
int cli_find_enterprise(const struct cli *cli, struct store *s,
                        const char *name, char **id);
/* The ids of the enterprise's demands whose deadline has not passed (all
 * with closed_too), sorted, appended to ids. */
int cli_enterprise_demands(const struct cli *cli, struct store *s,
                           const char *id, bool closed_too,
                           struct kg_strlist *ids);

/* "kgmatch: CMD: message" on stderr. */
void cli_error(const struct cli *cli, const char *fmt, ...) KG_PRINTF(2, 3);
/* Prints a usage error and "try 'kgmatch CMD --help'"; returns 2. */
int cli_usage(const struct cli *cli, const char *fmt, ...) KG_PRINTF(2, 3);

/*
 * Opens the store at cli->db_path. Without STORE_CREATE a missing file is an
 * error that suggests `kgmatch init`. Prints any error; returns the exit
 * code to use (0 on success).
 */
int cli_open_store(const struct cli *cli, int flags, struct store **out);
/* Prints a store failure (with store_last_error) and returns its exit code. */
int cli_store_fail(const struct cli *cli, struct store *s, kg_status st,
                   const char *what);

/*
 * Brings the search index up to date when the store's data version moved
 * past `since` (import and ingest call it after committing). The data is
 * stored whatever happens here: a failure is a warning on stderr and the
 * next search rebuilds the index.
 */
void cli_refresh_index(const struct cli *cli, struct store *s, int64_t since);

enum cli_format { CLI_TABLE = 0, CLI_JSON, CLI_CSV };
/* Parses "table", "json" or "csv"; prints a usage error and returns 2 on
 * anything else, 0 on success. */
int cli_parse_format(const struct cli *cli, const char *s,
                     enum cli_format *out);

/* Parses a command's options when --format is its only one; optind is
 * then the first operand. Returns 0, or the exit code of a usage error. */
int cli_format_options(const struct cli *cli, int argc, char **argv,
                       enum cli_format *fmt);

/* Prints a JSON value on stdout, indented, keys in insertion order, reals
 * to 6 significant digits, and a newline. The caller keeps v. */
struct json_t;
void cli_print_json(const struct json_t *v);

/* Writes s as one CSV field (quoted when needed, RFC 4180). */
void cli_csv_field(FILE *f, const char *s);
/* Writes a CSV row of n fields and a newline. */
void cli_csv_row(FILE *f, const char *const *v, size_t n);

/*
 * A text table sized by terminal display width (CJK counts two columns).
 * Cells longer than max_width are cut with "…".
 */
struct cli_table;
struct cli_table *cli_table_new(size_t ncols, const char *const *headers);
void cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(struct cli_table *t, FILE *f, size_t max_width);
void cli_table_free(struct cli_table *t);

/* Display width of UTF-8 text in terminal columns. */
size_t cli_display_width(const char *s);

#endif
