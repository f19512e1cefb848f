#!/bin/sh
# demo.sh KGMATCH - the main job end to end on the bundled demo set:
# a fresh demo.db, the six kinds imported, the partner listings ingested
# (when the ingest step is present), the store's counts, the search index,
# the knowledge graph, then matches with their reasons for three demands
# (cross-domain pairings among them), the partner institutions of one
# enterprise and the matcher's quality on the demo gold pairs.
set -eu
bin=${1:-./kgmatch}
dir=$(dirname "$0")
db=${DEMO_DB:-demo.db}
rm -f "$db" "$db"-wal "$db"-shm "$db".idx "$db".graph
echo "== kgmatch demo: database $db"
"$bin" --db "$db" init
for kind in institution enterprise expert achievement patent demand; do
    f="$dir/${kind%y}"
    case $kind in *y) f="${f}ies" ;; *) f="${f}s" ;; esac
    "$bin" --db "$db" import --kind "$kind" --source demo "$f.jsonl"
done
if [ -x "$dir/ingest-demo.sh" ] || [ -f "$dir/ingest-demo.sh" ]; then
    echo "== partner listings"
    sh "$dir/ingest-demo.sh" "$bin" "$db"
fi
echo "== records in the store"
"$bin" --db "$db" stats
echo "== search index"
"$bin" --db "$db" index
echo "== knowledge graph (cached in $db.graph)"
"$bin" --db "$db" export --stats
for d in D01 D05 D11; do
    echo "== matches for demand $d, with reasons"
    "$bin" --db "$db" match --demand "$d" --top 2 --explain
done
echo "== across the language line: the patents for D01 (the English one on"
echo "   aluminium dross through translation and the shared IPC group C22B 7)"
"$bin" --db "$db" match --demand D01 --kind patent --top 3 --explain
# Only pairings whose calibrated score passes cross_domain.min_score and
# whose domains differ; a demand with none says so.
for kind in achievement patent; do
    echo "== cross-domain pairings: the best $kind of each demand"
    "$bin" --db "$db" match --all --cross-domain --kind $kind --top 1
done
echo "== partner institutions for 滨州鸿泰铝业 (all its demands)"
"$bin" --db "$db" partners --enterprise 鸿泰铝业 --include-closed --top 3
echo "== quality on the demo gold pairs"
"$bin" --db "$db" eval --gold "$dir/gold.tsv"
echo "== the nightly batch (report beside the database)"
rm -rf "$db.report"
"$bin" --db "$db" batch --quiet --no-ingest --top 3 --out "$db.report"
echo "open the report: file://$(cd "$(dirname "$db")" && pwd)/$(basename "$db").report/report.html"
