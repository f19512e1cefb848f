#!/bin/sh
# layers.sh - `make layers`: fails when the tree's layering is broken.
#
# 1. Includes go down, never across or up:
#      core/    includes core/ only
#      ingest/  core/ and itself          graph/  core/ and itself
#               (ingest/ and graph/ never include each other: they meet in
#               the store)
#      app/     core/, ingest/, graph/ and itself (the use cases)
#      cli/     core/, app/ and itself: a front end reaches the library
#               through app/app.h only (core/ for kg_status, records and
#               the store's record types)
#    tests/ are free.
# 2. A private header (NAME_int.h, e.g. graph/graph_int.h, app/app_int.h) is
#    included only from its own folder (and tests/).
# 3. Nothing below the front ends prints: core/, ingest/, graph/ and app/
#    must not call printf, fprintf, vfprintf, fputs, puts, putchar or perror
#    nor name stdout or stderr (comments aside). They return a status with
#    a message, fill a report or call the caller's callback; cli/ decides
#    what to say.
bad=0
tmp=$(mktemp)
check() { # dir allowed-regex
    for f in "$1"/*.c "$1"/*.h; do
        [ -f "$f" ] || continue
        grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/' "$f" |
        while IFS= read -r line; do
            inc=$(printf '%s' "$line" | sed -E 's/.*"([a-z_]+)\/.*/\1/')
            if ! printf '%s' "$inc" | grep -qE "^($2)\$"; then
                echo "layers: $f: ${line#*:} ($1/ must not include $inc/)"
                echo x >> "$tmp"
            fi
            case "$line" in *_int.h\"*)
                if [ "$inc" != "$1" ]; then
                    echo "layers: $f: ${line#*:} (private to $inc/)"
                    echo x >> "$tmp"
                fi ;;
            esac
        done
    done
}
check core 'core'
check ingest 'core|ingest'
check graph 'core|graph'
check app 'core|ingest|graph|app'
check cli 'core|app|cli'

# Allowed to print, each for a reason:
# - core/kg.c and core/arena.c: the out-of-memory abort says why the
#   process dies (there is no caller left to tell); only lines naming "out of
#   memory" are allowed.
allowed_line() { # file line
    case "$1" in
    core/kg.c | core/arena.c)
        case "$2" in *"out of memory"*) return 0 ;; esac ;;
    esac
    return 1
}
print_re='(^|[^a-z_0-9])(printf|fprintf|vfprintf|fputs|puts|putchar|perror)[[:space:]]*\(|(^|[^a-z_0-9])(stdout|stderr)([^a-z_0-9]|$)'
for f in core/*.[ch] ingest/*.[ch] graph/*.[ch] app/*.[ch]; do
    [ -f "$f" ] || continue
    # Comments aside: one-line /* ... */ and the lines of block comments.
    sed -E 's:/\*.*\*/::g; s:^[[:space:]]*(/\*|\*).*$::' "$f" |
        grep -nE "$print_re" |
        while IFS= read -r line; do
            allowed_line "$f" "$line" && continue
            echo "layers: $f:$line (only the front ends print)"
            echo x >> "$tmp"
        done
done
[ -s "$tmp" ] && bad=1
rm -f "$tmp"
[ $bad = 0 ] && echo "layers ok"
exit $bad
