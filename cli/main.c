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
    {"batch", cmd_batch, "the nightly run: ingest, match what changed, report",
     "usage: kgmatch batch --out DIR [--since last|DATE|all] [--top N]\n"
     "                     [--shard K/N] [--no-ingest] [--enterprise NAME|ID]\n"
     "                     [--quiet]\n"
     "\n"
     "  Harvests every source (unless --no-ingest), then matches each open\n"
     "  demand that is new or changed since the last successful batch, and\n"
     "  each open demand whose matches moved with the candidate pool; pairs\n"
     "  a broker declined are left out, accepted ones marked. Writes\n"
     "  DIR/report.html, DIR/matches.csv, DIR/matches.json and\n"
     "  DIR/summary.txt (temporary names first; the run is recorded only\n"
     "  when all four are complete, so a killed batch is simply run again).\n"
     "  One batch at a time per database (lock DB.batch.lock): a second one\n"
     "  exits 3.\n"
     "\n"
     "  --since S       last (default: since the last recorded run), all, or\n"
     "                  a date: demands first or last seen on or after it\n"
     "  --top N         best N of each kind per demand (default 5)\n"
     "  --shard K/N     only the demands of shard K of N (FNV-1a of the id);\n"
     "                  each shard keeps its own last run; join the outputs\n"
     "                  with batch-merge\n"
     "  --no-ingest     match the store as it is\n"
     "  --enterprise E  one enterprise's report (all its open demands unless\n"
     "                  --since); does not record a run\n"
     "  --quiet         no progress on a terminal\n"},
    {"batch-merge", cmd_batch_merge, "join batch shard outputs into one",
     "usage: kgmatch batch-merge DIR... --out DIR\n"
     "\n"
     "  Reads each DIR/matches.json written by `batch --shard K/N` and\n"
     "  writes the four files of the unsharded run into --out (equal to\n"
     "  an unsharded run's but for the timestamps).\n"},
    {"delete", cmd_delete, "delete a record and its links",
     "usage: kgmatch delete KIND ID\n"
     "\n"
     "  Deletes the record and the links to and from it (the records it\n"
     "  referred to stay). The search index is brought up to date and the\n"
     "  graph cache rebuilds on its next use.\n"},
    {"eval", cmd_eval, "score the matcher against gold pairs",
     "usage: kgmatch eval --gold FILE [--kind KIND] [--format table|json]\n"
     "                    [--config FILE]\n"
     "       kgmatch eval --items FILE --needs FILE --judgments FILE ...\n"
     "\n"
     "  --items, --needs, --judgments: a collection in the shapes of\n"
     "  ../shared/datasets/ir-classic (items.jsonl: id, title, abstract;\n"
     "  queries.jsonl: id, text; qrels.tsv: need, item, grade) is\n"
     "  imported (items as achievements, needs as demands) and scored\n"
     "  with the judgments as gold.\n"
     "  FILE is tab-separated: demand_id, item_id, relevance (graded, 0\n"
     "  = not relevant) and an optional cross_domain flag (1/0); a header\n"
     "  row is skipped. Each gold demand is matched against everything\n"
     "  (or KIND only); each kind is ranked apart, as `match` lists it,\n"
     "  and the rankings are scored: nDCG@10, MAP, recall@50 (means over\n"
     "  demand and kind), and how many cross-domain gold pairs reach the\n"
     "  top 10.\n"},
    {"export", cmd_export,
     "write the knowledge graph as GraphML, or its counts",
     "usage: kgmatch export [--graphml FILE] [--stats] [--rebuild]\n"
     "                      [--format table|json|csv]\n"
     "\n"
     "  Brings the graph cache (DB.graph) up to date, then writes the graph\n"
     "  as GraphML (FILE, '-' for standard output; vertex attributes type,\n"
     "  subtype, label, record_id, domains; edge attributes type, weight)\n"
     "  for Gephi or Cytoscape, and/or prints the vertex and edge counts\n"
     "  by type (the default without --graphml).\n"
     "\n"
     "  --rebuild   rebuild the cache even when it is current\n"},
    {"feedback", cmd_feedback, "accept or decline a proposed match",
     "usage: kgmatch feedback --demand ID --item KIND:ID (accept|decline)\n"
     "                        [--reason REASON] [--note TEXT]\n"
     "       kgmatch feedback list [--format table|csv]\n"
     "\n"
     "  A broker's verdict on a pair, replacing an earlier one. A declined\n"
     "  pair is never proposed again for that demand (match, query, batch);\n"
     "  an accepted one is marked in the batch report and its files.\n"
     "  KIND is achievement, patent, expert or institution.\n"
     "\n"
     "  --reason R  too-early-stage, not-relevant, too-costly,\n"
     "              already-known or other\n"
     "  --note T    free text kept with the verdict\n"},
    {"import", cmd_import, "import records from JSONL or CSV files",
     "usage: kgmatch import --kind KIND [OPTIONS] FILE...\n"
     "\n"
     "  KIND is institution, expert, achievement, patent, enterprise or\n"
     "  demand. FILE is .jsonl (one object a line) or .csv (header row of\n"
     "  field names, lists joined with ';'); '-' reads standard input\n"
     "  (JSONL unless --csv). Each file is stored whole or not at all: the\n"
     "  first bad line is reported as FILE:LINE: reason and exits 1.\n"
     "  A record already stored is merged: a field the input leaves out\n"
     "  keeps its value, a field given as null (JSONL) clears it.\n"
     "\n"
     "  --skip-bad     store the good lines, report every bad one (exit 1\n"
     "                 if there was any)\n"
     "  --replace      each record replaces the stored one whole, links\n"
     "                 included (the merge rule does not apply)\n"
     "  --csv, --jsonl force the format (default: from the file name)\n"
     "  --source NAME  the source recorded with each record (default: the\n"
     "                 file name)\n"
     "  --no-index     do not bring the search index up to date (for bulk\n"
     "                 loads; the next search or index command does it)\n"},
    {"index", cmd_index, "build or refresh the text search index",
     "usage: kgmatch index [--rebuild|--optimize] [--timing]\n"
     "                     [--format table|json] [--quiet]\n"
     "\n"
     "  Brings the BM25 index beside the database (DB.idx) up to date:\n"
     "  builds it when missing, adds a segment of what changed when the\n"
     "  store moved on, rebuilds it when the file is damaged (with a\n"
     "  warning), and prints what it holds. A full build shows its\n"
     "  progress when stderr is a terminal.\n"
     "\n"
     "  --rebuild   rebuild even when the index is current\n"
     "  --optimize  merge the update segments into one (a rebuild when\n"
     "              they hold over a quarter of the index); the nightly\n"
     "              batch does this too\n"
     "  --timing    where the build's time went (stderr)\n"
     "  --quiet     no progress on a terminal\n"},
    {"ingest", cmd_ingest, "harvest the partner sources into the store",
     "usage: kgmatch ingest [NAME...] [--full] [--jobs N] [--timeout S]\n"
     "                      [--connect-timeout S] [--retries N] [--delay S]\n"
     "                      [--backoff S] [--max-bytes N] [--lock-wait S]\n"
     "                      [--quiet]\n"
     "\n"
     "  Harvests every source (see 'kgmatch sources'), or the named ones:\n"
     "  incrementally (OAI-PMH from= the last harvest, conditional GET,\n"
     "  resuming an interrupted harvest at its last stored page) unless\n"
     "  --full. Each page is stored in one transaction with its checkpoint.\n"
     "  Prints one summary line per source; exits 0 when every source\n"
     "  succeeded, 1 when any failed (the others are still stored), 3 when\n"
     "  another ingest holds the database.\n"
     "\n"
     "  --full            harvest everything again\n"
     "  --jobs N          sources fetched at once (default 4)\n"
     "  --timeout S       whole-transfer timeout (default 120)\n"
     "  --connect-timeout S  (default 10)\n"
     "  --retries N       retries on timeouts, connection errors, 429 and\n"
     "                    5xx (default 4, with exponential backoff)\n"
     "  --delay S         pause between requests to one host (default 1)\n"
     "  --backoff S       first retry delay (default 1; doubles)\n"
     "  --max-bytes N     body size cap (default 64 MiB)\n"
     "  --lock-wait S     wait for another ingest (default 5)\n"
     "  --quiet           no live progress on a terminal\n"
     "  These override the sources' own settings.\n"},
    {"init", cmd_init, "create or migrate the database",
     "usage: kgmatch init\n"
     "\n"
     "  Creates the database (--db, $KGMATCH_DB or ./kgmatch.db) or brings\n"
     "  an older one to the current schema.\n"},
    {"match", cmd_match, "rank items, experts and institutions for demands",
     "usage: kgmatch match (--demand ID... | --text TEXT | --all)\n"
     "                     [--kind achievement|patent|expert|institution|all]\n"
     "                     [--top N] [--cross-domain] [--explain]\n"
     "                     [--format table|json|csv] [--config FILE]\n"
     "                     [--min-score X] [--quiet]\n"
     "\n"
     "  Scores each candidate from text relevance, graph relevance\n"
     "  (personalized PageRank) and practical fit, with the weights of\n"
     "  FILE (default: built in; see datasets/match.conf); the score is\n"
     "  a calibrated estimate (0 to 1) that a broker would call the\n"
     "  pair relevant.\n"
     "\n"
     "  --demand ID     a demand (repeatable); --all: every demand\n"
     "  --text TEXT     free text instead of a stored demand\n"
     "  --kind KIND     what to rank (default all four; repeat or join\n"
     "                  with commas: --kind patent,expert)\n"
     "  --top N         best N of each kind (default 10; 0 = every\n"
     "                  candidate with a non-zero score)\n"
     "  --cross-domain  only pairings whose domains differ (high score)\n"
     "  --explain       the score's parts, shared concepts and a path\n"
     "  --min-score X   leave out hits below X (default match.min_score);\n"
     "                  a demand with none says \"no good match\"\n"
     "  --quiet         --all shows no progress on a terminal (stderr)\n"
     "  Tables number each kind's list from 1.\n"
     "  CSV columns: demand_id,kind,item_id,score,cross_domain,title\n"},
    {"merge", cmd_merge, "merge two records of one kind (duplicate stubs)",
     "usage: kgmatch merge KIND KEEP GONE\n"
     "\n"
     "  Folds record GONE into record KEEP (both of KIND; `kgmatch stubs`\n"
     "  proposes pairs) in one transaction. The merge rule: a field KEEP\n"
     "  has keeps its value and provenance; a field only GONE has comes\n"
     "  over with its provenance; GONE's id, name and aliases become\n"
     "  KEEP's aliases, so references by them resolve to KEEP; every link\n"
     "  of GONE now ends at KEEP (one link where both had it); verdicts,\n"
     "  demand status and batch state of GONE move to KEEP where KEEP has\n"
     "  none; KEEP stays a stub only when both were.\n"
     "  GONE is then deleted as `delete` does: the search index is brought\n"
     "  up to date and the graph cache rebuilds on its next use. An id\n"
     "  that is not a record of KIND, or one id twice, changes nothing\n"
     "  (exit 1).\n"},
    {"partners", cmd_partners,
     "partner institutions for a demand or enterprise",
     "usage: kgmatch partners (--demand ID | --enterprise NAME|ID) [--top N]\n"
     "                        [--include-closed] [--format table|json|csv]\n"
     "                        [--config FILE]\n"
     "\n"
     "  Institutions ranked by their best score over the demand(s), each\n"
     "  with its best experts and items and the path that explains it,\n"
     "  then the contacts (email, phone, web page) of the institutions and\n"
     "  experts that have them. A pair a broker declined (kgmatch\n"
     "  feedback) counts for nothing for that demand; accepted ones are\n"
     "  marked. An enterprise's open demands are those whose deadline has\n"
     "  not passed (--include-closed: all).\n"
     "  CSV columns: institution_id,institution,score,demand_id,experts,\n"
     "  items,email,phone,url,expert_contacts,accepted\n"},
    {"query", cmd_query, "matches for every open demand of an enterprise",
     "usage: kgmatch query --enterprise NAME|ID [--top N] [--kind KIND]\n"
     "                     [--cross-domain] [--explain] [--include-closed]\n"
     "                     [--min-score X] [--format table|json|csv]\n"
     "                     [--config FILE]\n"
     "\n"
     "  NAME is matched loosely (exact name or alias, else any enterprise\n"
     "  whose name contains it); a name that fits several enterprises\n"
     "  lists them and exits 1. The options and the output are those of\n"
     "  `kgmatch match`.\n"},
    {"search", cmd_search, "search records by text (BM25)",
     "usage: kgmatch search TEXT... [--kind KIND[,KIND]] [--top N]\n"
     "                      [--lang zh|en|any|off] [--format table|json|csv]\n"
     "                      [--timing]\n"
     "       kgmatch search --queries FILE.jsonl [--kind KIND] [--top N]\n"
     "\n"
     "  Ranks achievements, patents, demands, experts and institutions by\n"
     "  BM25 relevance to TEXT (Chinese, English or both). The index is\n"
     "  brought up to date first (see 'kgmatch index'). Chinese words are\n"
     "  also searched in English and English words in Chinese (CC-CEDICT\n"
     "  and term pairs learned from the store's bilingual records).\n"
     "\n"
     "  --lang L       translate the query into L: zh, en or any (both;\n"
     "                 the default); its own words always count; off: no\n"
     "                 translation (and no dictionary needed)\n"
     "  --kind KIND    only these kinds (repeat or join with commas)\n"
     "  --top N        this many results (default 10; 0 = every match)\n"
     "  --queries FILE one {\"id\", \"text\"} object a line ('-' = stdin);\n"
     "                 prints CSV query_id,rank,kind,item_id,score\n"
     "  --timing       per-query latency (p50, p99) on stderr\n"
     "  --k1 X, --b Y  BM25 parameters (default 1.2 and 0.75)\n"},
    {"serve", cmd_serve, "serve the JSON API and the web page over HTTP",
     "usage: kgmatch serve [--listen HOST:PORT] [--api-key-file FILE]\n"
     "                     [--threads N] [--public] [--config FILE]\n"
     "                     [--max-connections N] [--per-ip N] [--timeout S]\n"
     "                     [--budget-ms MS] [--rate N] [--drain S]\n"
     "                     [--cache N] [--warm-file FILE|none]\n"
     "\n"
     "  Serves API v1 (docs/api.md) and the brokers' page at / until\n"
     "  SIGTERM or SIGINT, then finishes the requests in flight (up to\n"
     "  --drain S, default 10). The graph, index and matchers stay loaded;\n"
     "  when the store's data, the index or the graph file changes they\n"
     "  are reloaded in the background while the old ones keep answering;\n"
     "  the requests whose answers are kept are answered on the new data\n"
     "  (up to 30 s) before it serves.\n"
     "\n"
     "  --listen HOST:PORT   default 127.0.0.1:8080 (port 0: any free one)\n"
     "  --public             allow an address other than loopback\n"
     "  --api-key-file FILE  keys for POST routes, one a line; without it\n"
     "                       the service is read-only\n"
     "  --threads N          workers: matches and reads run at once\n"
     "                       (default: twice the CPUs, at least 4, at\n"
     "                       most 16); each connection has a thread\n"
     "  --max-connections N  open connections (default 256)\n"
     "  --per-ip N           open connections per client (default 128)\n"
     "  --timeout S          idle connection timeout (default 15)\n"
     "  --budget-ms MS       time a request may take, waiting for a worker\n"
     "                       included (default 2000): then 503 busy or\n"
     "                       timeout\n"
     "  --rate N             requests a second per client before 429\n"
     "                       (default 0: no limit)\n"
     "  --drain S            longest wait for requests on SIGTERM (10)\n"
     "  --cache N            matching answers kept until the data moves\n"
     "                       (default 1024; 0: none)\n"
     "  --warm-file FILE     where the kept answers' requests are saved\n"
     "                       (every minute and at the end) and answered\n"
     "                       again at the next start, before it serves\n"
     "                       (up to 5 s); default DB.warm, none: not kept\n"
     "  --config FILE        matcher settings, as for match\n"},
    {"show", cmd_show, "print one record with its links and domains",
     "usage: kgmatch show KIND ID [--format table|json]\n"},
    {"sources", cmd_sources, "add, list, remove or load partner sources",
     "usage: kgmatch sources add NAME --type TYPE --url URL [options]\n"
     "       kgmatch sources list [--format table|json|csv]\n"
     "       kgmatch sources remove NAME\n"
     "       kgmatch sources load FILE\n"
     "\n"
     "  TYPE is oai-pmh, rss, atom, uspto-xml, html, jsonl or csv. URL is\n"
     "  http(s), file:// or a path (oai-pmh needs http). FILE is a\n"
     "  sources.conf: one [NAME] section per source with the options below\n"
     "  as 'key = value' (see ingest/README.md). remove keeps the records.\n"
     "\n"
     "  --set SPEC          oai-pmh set\n"
     "  --prefix P          oai-pmh metadataPrefix (default oai_dc)\n"
     "  --rules FILE        html: XPath rules for the listing\n"
     "  --kind KIND         records made (default achievement; uspto-xml:\n"
     "                      patent)\n"
     "  --institution NAME  the partner that owns the listing\n"
     "  --page-param NAME   feeds: OpenSearch start parameter (start)\n"
     "  --max-pages N       pages per run (default: no limit)\n"
     "  --timeout S, --connect-timeout S, --retries N, --delay S,\n"
     "  --max-bytes N       fetch settings for this source\n"
     "  --budget S          seconds for the whole source per run, retries\n"
     "                      and waits included (default: no limit)\n"
     "  --allow-private yes may connect to private, loopback and\n"
     "                      link-local addresses (default no)\n"
     "  --replace           replace a source of the same name\n"},
    {"stats", cmd_stats, "count the records of each kind",
     "usage: kgmatch stats [--format table|json]\n"},
    {"status", cmd_status, "set a demand open, matched or closed",
     "usage: kgmatch status DEMAND open|matched|closed\n"
     "\n"
     "  matched (已对接) and closed demands are left out by query,\n"
     "  partners and batch (query and partners list them with\n"
     "  --include-closed); a demand without a status is open.\n"},
    {"tune", cmd_tune, "fit the matcher's settings to feedback and gold",
     "usage: kgmatch tune [--gold FILE]... [--config FILE] [--out FILE]\n"
     "                    [--holdout X] [--seed N] [--budget S] [--dry-run]\n"
     "                    [--format table|json]\n"
     "\n"
     "  Judged pairs: the gold files' (as `eval --gold` reads them) and\n"
     "  the brokers' verdicts over them (accept = relevant: grade 1, or the\n"
     "  gold's when higher; decline = not relevant, grade 0, except\n"
     "  declines as too-early-stage, too-costly or already-known, which\n"
     "  are left out). The judged demands with a relevant item in the\n"
     "  store are split by a stable hash of SEED:ID. Settings are chosen\n"
     "  on the fit part by nDCG@10, one at a time from the current ones\n"
     "  (weight.graph, text.bm25, text.expand, text.expand_items,\n"
     "  weight.fit; at most 3 rounds), then the current and the chosen\n"
     "  settings are scored on the held-out part. The settings are written\n"
     "  only when the held-out nDCG@10 is strictly better. Fewer than 5\n"
     "  judged demands: \"not enough feedback to tune\", exit 0.\n"
     "\n"
     "  --gold FILE    gold pairs (repeatable, up to 16)\n"
     "  --config FILE  the current settings (default: built in)\n"
     "  --out FILE     where to write (default: the --config FILE): that\n"
     "                 file's text with the moved settings replaced, written\n"
     "                 whole or not at all\n"
     "  --holdout X    share of the demands held out (0.05 to 0.95, default\n"
     "                 0.3)\n"
     "  --seed N       of the split (default 1)\n"
     "  --budget S     seconds the search may take (default 300)\n"
     "  --dry-run      say what would be written, write nothing\n"
     "  --format json  the same as one object, \"written\": the file or\n"
     "                 null\n"},
    {"stubs", cmd_stubs, "stub records and the record each likely duplicates",
     "usage: kgmatch stubs [--min-score X] [--format table|json|csv]\n"
     "\n"
     "  Lists the stub records (institutions, experts, enterprises made\n"
     "  only because another record named them) with up to three records\n"
     "  of their kind each likely duplicates, best first, and the\n"
     "  `kgmatch merge` command that joins the pair (the record kept: a\n"
     "  real one over a stub, then the one with more links, then the one\n"
     "  named in Chinese). The score is the names' likeness (0 to 1) times\n"
     "  0.85 + 0.15 x the link evidence: 1 for each record linked to both,\n"
     "  1/2 for each linked to the candidate and two links from the stub\n"
     "  (the inventor's patent's applicant is the expert's institution),\n"
     "  at most 1. Why says how the names meet:\n"
     "    same name after 繁→简            Traditional folded to Simplified\n"
     "    same name after case and punctuation\n"
     "    pinyin 烟台 = yantai             Han characters read as pinyin\n"
     "    translation 大学 = university    a gloss of the dictionary\n"
     "    2 of 2 words alike               Latin words, \"Univ.\" ~ "
     "University\n"
     "\n"
     "  --min-score X  list pairs scoring X or more (default 0.8)\n"},
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static void print_help(FILE *f)
{
    fprintf(
        f, "usage: kgmatch [--db PATH] COMMAND [ARGS]\n"
           "       kgmatch --version | --help | help COMMAND | COMMAND --help\n"
           "\n"
           "Links enterprises' technology demands to research achievements,\n"
           "patents, experts and institutions.\n"
           "\n"
           "commands:\n");
    for (size_t i = 0; i < n_commands; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
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
    if (strcmp(argv[i], "help") == 0) { /* kgmatch help [COMMAND] */
        const struct command *h =
            i + 1 < argc ? find_command(argv[i + 1]) : NULL;
        if (i + 1 >= argc) {
            print_help(stdout);
            return 0;
        }
        if (!h) {
            fprintf(stderr, "kgmatch: unknown command '%s'\n", argv[i + 1]);
            fprintf(stderr, "try 'kgmatch --help'\n");
            return 2;
        }
        fputs(h->usage, stdout);
        return 0;
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
