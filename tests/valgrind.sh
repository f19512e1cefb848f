#!/bin/sh
# valgrind.sh BUILD - runs the integration cases with every kgmatch run
# under valgrind (memcheck, full leak check; one log per process in
# BUILD-vg/logs), then sums the logs: processes, runs with memory errors,
# runs with definite leaks. Cases may also fail only because valgrind makes
# them 20-50 times slower (kill and timeout cases); the log sums are the
# verdict. Exits 1 when any run had a memory error or a definite leak.
# `make valgrind` (Debian package valgrind).
set -u
build=${1:-build}
vg=$build-vg
command -v valgrind >/dev/null || sh tests/deps.sh valgrind
rm -rf "$vg"
mkdir -p "$vg/logs" "$vg/tests"
top=$(pwd)
ln -s "$top/$build/tests/tools" "$vg/tests/tools"
cat >"$vg/kgmatch" <<SH
#!/bin/sh
exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite \\
    --log-file="$top/$vg/logs/vg.%p.log" "$top/$build/kgmatch" "\$@"
SH
chmod +x "$vg/kgmatch"
BUILD=$vg sh tests/run.sh | tee "$vg/run.log" | grep -E '^case|passed,'
n=$(ls "$vg/logs" | wc -l)
errs=$(grep -l 'ERROR SUMMARY: [1-9]\|Invalid \|uninitialised' "$vg"/logs/* 2>/dev/null | wc -l)
leaks=$(grep -l 'definitely lost' "$vg"/logs/* 2>/dev/null | wc -l)
echo "valgrind: $n kgmatch runs, $errs with memory errors, $leaks with definite leaks (logs: $vg/logs)"
for f in $(grep -l 'Invalid \|uninitialised\|definitely lost' "$vg"/logs/* 2>/dev/null | head -5); do
    echo "--- $f"
    head -40 "$f"
done
[ "$errs" = 0 ] && [ "$leaks" = 0 ]
