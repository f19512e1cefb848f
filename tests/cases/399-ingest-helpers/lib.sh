# lib.sh - shared by the ingest cases (3NN-*): this folder has no `cmd`, so
# the runner skips it; the cases source it as
#   . "$TESTS/cases/399-ingest-helpers/lib.sh"
#
# serve ROUTES [ROOT]  starts the loopback server (tests/tools/testhttpd) on
#                      a free port, serving files from ROOT (default
#                      $FIXTURES/ingest); sets PORT and BASE; the request
#                      log is ./http.log; the server stops when the case
#                      exits.
# hide_port            filter: 127.0.0.1:PORT -> HOST, for golden files.
# wait_for TEXT FILE   waits (up to 20 s) until FILE contains TEXT.
# ING                  the ingest flags every case uses: no host delay, a
#                      short backoff, no progress line.

ING="--delay 0 --backoff 0.05 --quiet"

serve() {
    rm -f .port .pid
    "$TOOLS/testhttpd" --routes "$1" --root "${2:-$FIXTURES/ingest}" \
        --port-file .port --pid-file .pid --log http.log --lifetime 240 &
    _i=0
    while [ ! -s .port ] && [ $_i -lt 400 ]; do
        sleep 0.05
        _i=$((_i + 1))
    done
    PORT=$(cat .port)
    BASE="http://127.0.0.1:$PORT"
    trap 'kill $(cat .pid) 2>/dev/null' EXIT
}

hide_port() {
    sed "s/127\.0\.0\.1:$PORT/HOST/g"
}

wait_for() {
    _i=0
    while ! grep -q "$1" "$2" 2>/dev/null && [ $_i -lt 400 ]; do
        sleep 0.05
        _i=$((_i + 1))
    done
}
