#!/bin/sh
# run.sh - runs every unit test program ($BUILD/tests/test_*) and every
# integration case (tests/cases/*/cmd) and ends with "N passed, N failed".
#
# A case is a folder: `cmd` (a sh script run in a scratch copy of the folder,
# with $KGMATCH the binary under test, $FIXTURES tests/fixtures, $TOOLS the
# test helper programs, $TESTS the tests folder), and the expectations:
# `out` (exact stdout), `err` (exact stderr), `rc` (exit code, default 0).
# Only the files present are compared. ONLY=pattern runs matching cases.
BUILD=${BUILD:-build}
top=$(pwd)
pass=0
fail=0
failed=""
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$(basename "$t")" in *"$ONLY"*) ;; *) continue ;; esac
    log=$(mktemp)
    # unit programs live in $BUILD/tests: the dictionary is beside $BUILD/kgmatch
    KGMATCH_DICT=${KGMATCH_DICT:-$top/$BUILD/kgmatch.dict} "$t" >"$log" 2>&1
    rc=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
    p=${p:-0}
    f=${f:-0}
    if [ $rc -ne 0 ] && [ "$f" = 0 ]; then f=1; fi
    pass=$((pass + p))
    fail=$((fail + f))
    if [ "$f" != 0 ]; then
        cat "$log"
        failed="$failed $(basename "$t")"
    fi
    echo "unit $(basename "$t"): $p passed, $f failed"
    rm -f "$log"
done
for c in tests/cases/*/; do
    [ -f "$c/cmd" ] || continue
    name=$(basename "$c")
    case "$name" in *"$ONLY"*) ;; *) continue ;; esac
    work=$(mktemp -d)
    t0=$(date +%s)
    cp -R "$c/." "$work/"
    (cd "$work" && KGMATCH="$top/$BUILD/kgmatch" FIXTURES="$top/tests/fixtures" \
        TOOLS="$top/$BUILD/tests/tools" TESTS="$top/tests" KGMATCH_DB= \
        timeout 300 sh ./cmd >"$work/.out" 2>"$work/.err" </dev/null)
    echo $? >"$work/.rc"
    ok=1
    want_rc=0
    [ -f "$c/rc" ] && want_rc=$(cat "$c/rc")
    [ "$(cat "$work/.rc")" = "$want_rc" ] || {
        ok=0; echo "case $name: exit code $(cat "$work/.rc"), want $want_rc"; }
    if [ -f "$c/out" ] && ! cmp -s "$c/out" "$work/.out"; then
        ok=0; echo "case $name: stdout differs:"; diff "$c/out" "$work/.out" | head -40
    fi
    if [ -f "$c/err" ] && ! cmp -s "$c/err" "$work/.err"; then
        ok=0; echo "case $name: stderr differs:"; diff "$c/err" "$work/.err" | head -40
    fi
    secs=$(($(date +%s) - t0))
    [ $secs -ge 10 ] && echo "case $name: slow (${secs} s)"
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        failed="$failed $name"
        [ -f "$c/err" ] || { echo "--- stderr:"; head -20 "$work/.err"; }
    fi
    rm -rf "$work"
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
