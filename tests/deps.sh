#!/bin/sh
# deps.sh PKG... - installs the Debian packages that are missing (as root),
# or prints the exact apt-get line and fails (as anyone else).
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "kgmatch: installing Debian packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q $missing >&2 ||
        { apt-get update -q >&2 && apt-get install -y -q $missing >&2; } ||
        { echo "kgmatch: apt-get failed; run: apt-get install$missing" >&2; exit 1; }
else
    echo "kgmatch: missing Debian packages. Run:" >&2
    echo "  sudo apt-get install$missing" >&2
    exit 1
fi
