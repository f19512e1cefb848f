#!/bin/sh
# layers.sh - fails when an #include crosses a layer the wrong way:
# core/ includes only core/; ingest/ and graph/ include core/ and themselves,
# never each other; cli/ may include everything; tests are free.
bad=0
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
        done
    done
}
tmp=$(mktemp)
check core 'core'
check ingest 'core|ingest'
check graph 'core|graph'
check app 'core|ingest|graph|app'
check cli 'core|ingest|graph|app|cli'
[ -s "$tmp" ] && bad=1
rm -f "$tmp"
[ $bad = 0 ] && echo "layers ok"
exit $bad
