# lib.sh - shared by the fault cases (600-618): this folder has no `cmd`, so
# the runner skips it; the cases source it as
#   . "$TESTS/cases/619-fault-helpers/lib.sh"
#
# The cases check themselves (their output differs where the environment
# cannot inject a fault, so they have no golden `out`): each check prints
# "ok: WHAT" or "FAIL: WHAT" and a failure makes the case exit 1.
#
# sum DB             the store's record count and content hash (every row
#                    of every table; tests/crash/dbdump.py), after
#                    PRAGMA integrity_check
# expect_rc N WHAT CMD...   runs CMD (stderr to ./err.txt), wants status N
# expect_err TEXT WHAT      err.txt of the last expect_rc contains TEXT
# expect_same A B WHAT      A = B
# skip WHY           says why a fault cannot be injected here; exits 0
# done_checks        exits 1 if any check failed

failed=0

sum() {
    python3 "$TESTS/crash/dbdump.py" "$1"
}

expect_rc() {
    _want=$1
    _what=$2
    shift 2
    "$@" >out.txt 2>err.txt
    _rc=$?
    if [ "$_rc" = "$_want" ]; then
        echo "ok: $_what (exit $_rc)"
    else
        echo "FAIL: $_what: exit $_rc, want $_want"
        sed 's/^/  | /' err.txt | head -5
        failed=1
    fi
}

expect_err() {
    if grep -q "$1" err.txt; then
        echo "ok: $2: $(head -1 err.txt)"
    else
        echo "FAIL: $2: stderr lacks '$1':"
        sed 's/^/  | /' err.txt | head -5
        failed=1
    fi
}

expect_same() {
    if [ "$1" = "$2" ]; then
        echo "ok: $3"
    else
        echo "FAIL: $3: '$1' != '$2'"
        failed=1
    fi
}

skip() {
    echo "skip: $1" >&2
    echo "skip: $1"
    exit 0
}

done_checks() {
    exit $failed
}
