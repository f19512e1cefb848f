#!/bin/sh
# ingest-demo.sh KGMATCH DB - the demo's partner listings (listings/):
# serves them on 127.0.0.1 with the loopback test server (built when
# missing), loads listings/sources.conf.in as the sources and runs
# `kgmatch ingest`. No network beyond the loopback. Without the server only
# the patent file is ingested.
set -eu
bin=$1
db=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=$here/listings
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

srv=
for c in "$(dirname "$bin")/tests/tools/testhttpd" \
    "$top/build/tests/tools/testhttpd"; do
    if [ -x "$c" ]; then
        srv=$c
        break
    fi
done
if [ -z "$srv" ] && (cd "$top" && make -s build/tests/tools/testhttpd \
    >/dev/null 2>&1); then
    srv=$top/build/tests/tools/testhttpd
fi

if [ -n "$srv" ]; then
    "$srv" --routes "$dir/routes" --root "$dir" --port-file "$tmp/port" \
        --pid-file "$tmp/pid" --lifetime 600 &
    pid=$!
    i=0
    while [ ! -s "$tmp/port" ] && [ $i -lt 200 ]; do
        sleep 0.05
        i=$((i + 1))
    done
fi
if [ -n "$pid" ] && [ -s "$tmp/port" ]; then
    base="http://127.0.0.1:$(cat "$tmp/port")"
    sed -e "s|@BASE@|$base|g" -e "s|@DIR@|$dir|g" "$dir/sources.conf.in" \
        >"$tmp/sources.conf"
    echo "partner listings served at $base"
else
    echo "(no loopback server: only the patent file is ingested)"
    sed -n '/^\[uspto-demo-week\]/,$p' "$dir/sources.conf.in" |
        sed -e "s|@DIR@|$dir|g" >"$tmp/sources.conf"
fi
"$bin" --db "$db" sources load "$tmp/sources.conf"
# Our own loopback server: a short pause between requests is polite enough.
if ! "$bin" --db "$db" ingest --delay 0.05; then
    echo "(some partner sources failed; the others are stored)"
fi
"$bin" --db "$db" sources list
