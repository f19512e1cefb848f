/*
 * cli.h - what every subcommand shares: the command signature, the global
 * options, opening the app session, --format, error printing, the sinks
 * and the table/CSV writers. One cmd_NAME() per cli/cmd_NAME.c, listed in
 * cli/main.c. A subcommand parses its options, calls one use case of
 * app/app.h and picks a sink: no domain logic lives here.
 */
#ifndef KG_CLI_H
#define KG_CLI_H

#include <stdio.h>

#include "app/app.h"
#include "core/store.h"

struct cli {
    const char *db_path; /* --db, else $KGMATCH_DB, else ./kgmatch.db */
    const char *cmd;     /* the subcommand's name */
};

/* A subcommand: argv[0] is its name; returns the process exit code
 * (0 ok, 1 bad input/data, 2 usage, 3 environment). */
typedef int (*cli_fn)(struct cli *cli, int argc, char **argv);

int cmd_batch(struct cli *cli, int argc, char **argv);
int cmd_batch_merge(struct cli *cli, int argc, char **argv);
int cmd_delete(struct cli *cli, int argc, char **argv);
int cmd_eval(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_feedback(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_index(struct cli *cli, int argc, char **argv);
int cmd_ingest(struct cli *cli, int argc, char **argv);
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_match(struct cli *cli, int argc, char **argv);
int cmd_merge(struct cli *cli, int argc, char **argv);
int cmd_partners(struct cli *cli, int argc, char **argv);
int cmd_query(struct cli *cli, int argc, char **argv);
int cmd_search(struct cli *cli, int argc, char **argv);
int cmd_serve(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_sources(struct cli *cli, int argc, char **argv);
int cmd_stats(struct cli *cli, int argc, char **argv);
int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_tune(struct cli *cli, int argc, char **argv);
int cmd_stubs(struct cli *cli, int argc, char **argv);

enum cli_format { CLI_TABLE = 0, CLI_JSON, CLI_CSV };

/* Opens the session of cli->db_path (and the matcher settings config,
 * when not NULL); prints any error and returns its exit code (0 on
 * success, *a then open; close it with app_close). */
int cli_session(const struct cli *cli, enum app_store_mode mode,
                const char *config, struct app_session **a);
/* Prints the session's message for a failed use case; returns the exit
 * code of st. */
int cli_app_fail(const struct cli *cli, const struct app_session *a,
                 kg_status st);
/* --kind for the matcher: adds kinds joined with commas to *kinds, or
 * sets it to 0 for "all"; a usage error (naming the unknown kind)
 * returns 2. */
int cli_match_kinds(const struct cli *cli, const char *s, unsigned *kinds);
/* --top N (0 to 1000000) into *top; a usage error returns 2 (match_opts.c). */
int cli_parse_top(const struct cli *cli, const char *s, size_t *top);
/* --min-score X (0 to 1) into *out; a usage error returns 2. */
int cli_parse_min_score(const struct cli *cli, const char *s, double *out);

/*
 * The one checked parser for numeric options: s must be a whole decimal
 * integer (no sign for a minimum of 0 or more, no spaces, no overflow) in
 * [min, max], or a finite decimal number in [min, max] for cli_parse_real.
 * Otherwise prints "--OPT needs a number from MIN to MAX" (opt is the name
 * without dashes) and returns 2; returns 0 with *out set on success.
 */
int cli_parse_int(const struct cli *cli, const char *opt, const char *s,
                  long long min, long long max, long long *out);
int cli_parse_real(const struct cli *cli, const char *opt, const char *s,
                   double min, double max, double *out);
/* Text given on the command line (a query, a name) must be UTF-8:
 * otherwise prints what is wrong and where, and returns 1. */
int cli_check_utf8(const struct cli *cli, const char *what, const char *s);
/* A hit's reason as JSON: {parts, concepts, path} (a new reference). */
struct json_t;
struct json_t *cli_match_reason_json(const struct app_hit *h);
/* A partner hit as `partners --format json` lists it: {id, name, score,
 * demand, [accepted,] email, phone, url, experts (each with its email,
 * phone, url), items, reason} (a new reference). */
struct json_t *cli_partner_json(const struct app_hit *h);

/* The table, CSV and JSON sinks of match and query: init picks the sink
 * for fmt (explain: the table explains each hit; all: the table leaves out
 * demands without matches); finish prints the JSON document when print is
 * set and frees what the sink holds. */
struct cli_match_out {
    bool explain, all;
    double min_score;        /* the least score shown ("no good match") */
    double cross_min;        /* with --cross-domain: a cross-domain mark's */
    struct cli_table *table; /* the current demand's (table) */
    struct json_t *demands;  /* the "demands" array (JSON) */
    struct json_t *matches;  /* the current demand's (JSON) */
};
void cli_match_out_init(struct cli_match_out *o, enum cli_format fmt,
                        bool explain, bool all, struct app_sink *sink);
void cli_match_out_finish(struct cli_match_out *o, bool print);

/* The options match and query share, and what they set: --kind, --top,
 * --cross-domain, --explain, --format, --config and --min-score. A
 * command puts CLI_MATCH_LONGOPTS in its option table and
 * CLI_MATCH_SHORTOPTS in its option string, and hands each option it does
 * not know to cli_match_arg. */
struct cli_match_args {
    struct app_match_opts mo; /* top 10 unless --top */
    enum cli_format fmt;
    bool explain;
    const char *config;
};
#define CLI_MATCH_SHORTOPTS "k:n:xef:c:m:"
/* clang-format off */
#define CLI_MATCH_LONGOPTS                                                     \
    {"kind", required_argument, NULL, 'k'},                                    \
    {"top", required_argument, NULL, 'n'},                                     \
    {"cross-domain", no_argument, NULL, 'x'},                                  \
    {"explain", no_argument, NULL, 'e'},                                       \
    {"format", required_argument, NULL, 'f'},                                  \
    {"config", required_argument, NULL, 'c'},                                  \
    {"min-score", required_argument, NULL, 'm'}
#define CLI_MATCH_ARGS_INIT {.mo = {.top = 10}, .fmt = CLI_TABLE}
/* clang-format on */
/* getopt_long's option c (its argument arg) when it is one of those: 0,
 * or the exit code of a usage error; -1 when c is none of them. */
int cli_match_arg(const struct cli *cli, int c, const char *arg,
                  struct cli_match_args *m);
/* Opens the session with m's config and sets up o and *sink for m's
 * format (all: as cli_match_out_init's); 0 or an exit code, with *a NULL. */
int cli_match_begin(const struct cli *cli, struct cli_match_args *m, bool all,
                    struct app_session **a, struct cli_match_out *o,
                    struct app_sink *sink);

/* "kgmatch: CMD: message" on stderr. */
void cli_error(const struct cli *cli, const char *fmt, ...) KG_PRINTF(2, 3);
/* Prints a usage error and "try 'kgmatch CMD --help'"; returns 2. */
int cli_usage(const struct cli *cli, const char *fmt, ...) KG_PRINTF(2, 3);

/*
 * Brings the search index up to date when the store's data version moved
 * past `since` (import and ingest call it after committing). The data is
 * stored whatever happens here: a failure is a warning on stderr and the
 * next search rebuilds the index.
 */
void cli_refresh_index(const struct cli *cli, struct app_session *a,
                       int64_t since);

/* Parses "table", "json" or "csv"; prints a usage error and returns 2 on
 * anything else, 0 on success. */
int cli_parse_format(const struct cli *cli, const char *s,
                     enum cli_format *out);

/* The same for a command whose output is one object: "table" or "json"
 * (csv is a usage error). */
int cli_parse_format_no_csv(const struct cli *cli, const char *s,
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

/*
 * s made safe for a terminal, on one line (caller frees): LF, tab and CR as
 * \n, \t, \r; other C0 and C1 controls, DEL and bytes that are not
 * UTF-8 as \xHH; bidirectional controls (U+202A..U+202E, U+2066..U+2069,
 * U+200E, U+200F, U+061C) and U+FFFE, U+FFFF as \uHHHH, so that no value
 * can break a row or reorder the text after it. Tables show cells this
 * way; JSON and CSV keep values verbatim.
 */
char *cli_visible(const char *s);
/* Writes cli_visible(s) to f. */
void cli_put_visible(FILE *f, const char *s);

/* Display width of UTF-8 text in terminal columns. */
size_t cli_display_width(const char *s);

/*
 * A progress line on stderr for a long run ("batch: matching 3/10
 * demands"): drawn only when stderr is a terminal and quiet is false, at
 * most ten times a second (and at the last step), cleared with
 * cli_progress_clear before other output and at the end. cli_progress_draw
 * is an app_progress_fn whose ctx is the struct cli_progress.
 */
struct cli_progress {
    const char *what; /* "batch", "index", "match" */
    const char *unit; /* after done/total: "demands", "records" */
    bool on, shown;
    double last; /* when it was last drawn */
};
void cli_progress_init(struct cli_progress *p, const char *what,
                       const char *unit, bool quiet);
void cli_progress_draw(const char *stage, size_t done, size_t total, void *ctx);
void cli_progress_clear(struct cli_progress *p);

#endif
