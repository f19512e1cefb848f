#!/bin/sh
# demo.sh KGMATCH - the main job end to end on the bundled demo set:
# a fresh demo.db, the six kinds imported, the partner listings ingested
# (when the ingest step is present), then the store's counts.
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
