#!/usr/bin/python3
"""bench_serve.py - load on `kgmatch serve`, measured with wrk on loopback.

Builds the demo store (datasets/demo) in a scratch folder, starts the
service on 127.0.0.1 (a free port), and runs wrk for --duration seconds at
16 and at 64 connections on GET /api/v1/match?demand=ID&top=10, the ID
cycling over the demo's demands (a Lua script). Reports requests per
second, latency percentiles (wrk --latency), errors (socket errors and
non-2xx answers), the server's RSS before and after, the machine's load
average before and after each run, and whether
/metrics counted the same number of match requests as wrk (wrk does not
count the requests still in flight when it stops: up to one per
connection). Then the same runs against a store of 100,000 items:
--big-db PATH, by default bench_match.py's own
($TMPDIR/kgmatch-bench/bench-100000-10000-7.db, which `make bench` has
just built and timed), made with its generator when missing (--big N
items); --big-db none runs the demo alone.

Targets (issue 11): demo >= 2,000 req/s with p99 <= 50 ms and no errors;
100k items >= 200 req/s with p99 <= 100 ms. Exit status 1 when one is
missed. --soak S adds one run of S seconds at 16 connections on the demo
to watch RSS (printed before and after every run: the soak's start and
end).

Each wrk run also prints Little's law for a closed loop: the mean latency
times the requests, over connections x seconds, is at most 1 when every
latency is one request's wait. wrk 4 reports more when a reply is slower
than twice a connection's mean interval: it then adds the replies a
client sending at that steady rate would have waited for (its correction
for coordinated omission, stats_correct in wrk's src/stats.c), so a stall
of a second weighs as the requests of that second. --window S runs the
first 16-connection run as consecutive wrk runs of S seconds on the same
server (the same --duration in all), to see where in the run a tail is.

Each store's server starts with nothing kept (its --warm-file, in the work
folder, removed first): the first seconds match each demand afresh.
--restart then runs the --big-db store's runs again on a server started
anew, as a service restarts: it answers the requests the first one kept
(saved at its SIGTERM) before it serves, and the log line saying so is
printed.

The service keeps matching answers per data generation (serve --cache,
default 1,024); the demo's 45 demands all fit, so after the first round
the runs measure the HTTP path and the cache. --cache 0 measures the
matcher on every request.

--cpu-per-request N measures the matcher instead of the HTTP layer: a
server with --cache 0 --threads 1 per store, a warm-up of 20 requests, then
N match requests one after another (different demands, top=10, as the wrk
runs ask), and the server's CPU time (utime + stime of /proc/PID/stat)
divided by N; --rounds R repeats it with a fresh server (the load of a
shared machine moves single figures by a third), and --compare EXE runs a
second binary in alternation with the first, round by round. No wrk.

Usage: bench_serve.py --kgmatch ./kgmatch [--duration 30] [--threads N]
                      [--cache N] [--big-db PATH [--big N]] [--soak S]
                      [--window S] [--restart] [--work DIR]
       bench_serve.py --cpu-per-request 200 [--rounds 3] [--compare EXE]
                      [--big-db PATH] [--no-demo] [--work DIR]
"""
import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_match  # noqa: E402
KINDS = ["institution", "enterprise", "expert", "achievement", "patent",
         "demand"]

LUA = """
local ids = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/v1/match?top=10&demand=" .. ids[i %% #ids + 1])
end
"""


def demo_db(exe, db):
    demo = os.path.join(ROOT, "datasets", "demo")
    subprocess.run([exe, "--db", db, "init"], check=True,
                   stdout=subprocess.DEVNULL)
    for k in KINDS:
        subprocess.run([exe, "--db", db, "import", "--no-index", "--kind", k,
                        os.path.join(demo, k + "s.jsonl")], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run([exe, "--db", db, "index"], check=True,
                   stdout=subprocess.DEVNULL)


def demand_ids(db, limit=200):
    """Up to limit demand ids of the store (read-only, straight from
    SQLite: kind 5 is KG_DEMAND)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ids = [r[0] for r in con.execute(
        "SELECT id FROM record WHERE kind = 5 AND stub = 0 ORDER BY rid "
        "LIMIT ?", (limit,))]
    con.close()
    return ids or ["D01"]


def big_store(items):
    """bench_match.py's store of items (items / 10 demands, seed 7): make
    bench runs that script first, so this one and bench_reload.py use its
    store of 100,000 instead of building another."""
    return bench_match.store_path(bench_match.WORK_DEFAULT, items,
                                  items // 10, 7)


BIG_DEFAULT = big_store(100000)


def ensure_big(exe, db, items):
    """Makes db, a store of items achievements and patents (and experts,
    institutions, enterprises, items / 10 demands, seed 7) with
    bench_match.py's generator and builder when it is missing (or is
    bench_match.py's own and that script did not finish it; another store
    that exists is never rebuilt); then its index and graph, unless they
    are there (the cache files beside it, as `kgmatch serve` would make)."""
    t = time.time()
    db = os.path.abspath(db)
    work = os.path.dirname(db)
    if db == big_store(items) or not os.path.exists(db):
        os.makedirs(work, exist_ok=True)
        bench_match.build_store(exe, work, db, items, items // 10, 7)
    for ext, cmd in ((".idx", ["index"]), (".graph", ["export", "--stats"])):
        if not os.path.exists(db + ext):
            subprocess.run([exe, "--db", db, *cmd], check=True,
                           stdout=subprocess.DEVNULL)
    print(f"== store {db}: {items} items, ready in {time.time() - t:.0f} s")


def rss_kib(pid, field="Rss:"):
    """Resident memory (KiB); field "Pss:" shares each page of the mapped
    graph and index files among the workers that map it."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def load():
    """The machine's load average (1 min) and the number of CPUs: the
    figures of a shared machine mean little without it."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def mem(pid):
    return (f"RSS {rss_kib(pid) / 1024:.1f} MiB "
            f"(PSS {rss_kib(pid, 'Pss:') / 1024:.1f} MiB)")


def metric_sum(port, prefix):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
        text = r.read().decode()
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
               if l.startswith(prefix))


def start(exe, db, threads, log, extra=()):
    cmd = [exe, "--db", db, "serve", "--listen", "127.0.0.1:0", *extra]
    if threads:
        cmd += ["--threads", str(threads)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(6000):
        with open(log.name) as f:
            m = re.search(r"on http://127\.0\.0\.1:(\d+)/", f.read())
        if m:
            return p, int(m.group(1))
        if p.poll() is not None:
            sys.exit("serve did not start: " + open(log.name).read())
        time.sleep(0.05)
    sys.exit("serve did not start in time")


def wrk(port, conns, secs, script):
    threads = min(conns, 2)
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{secs}s",
           "--latency", "-s", script, f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    res = {"cmd": " ".join(cmd), "raw": out}
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", out)
    secs = (float(m.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[m.group(3)]
            if m else 0)
    m = re.search(r"Latency\s+([\d.]+)(us|ms|s)\s", out)
    mean = (float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1}[m.group(2)]
            if m else 0)
    # Little's law: waiting per connection-second (<= 1 for a closed loop)
    res["little"] = res["requests"] * mean / (conns * secs) if secs else 0
    for pct in ("50", "90", "99"):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out)
        if m:
            v = float(m.group(1))
            res[f"p{pct}"] = v / 1000 if m.group(2) == "us" else (
                v * 1000 if m.group(2) == "s" else v)
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    res["errors"] = errors
    return res


def bench(exe, db, label, durations, threads, work, rps_min, p99_max,
          extra=(), restart=False):
    """Runs wrk on a fresh server whose warm file (serve --warm-file, in
    work) is removed first, so it starts with nothing kept; with restart,
    then again on a server started anew, which answers the requests the
    first one kept before it serves."""
    warm = os.path.join(work, f"serve-{label}.warm")
    if os.path.exists(warm):
        os.remove(warm)
    ids = demand_ids(db)
    script = os.path.join(work, f"match-{label}.lua")
    with open(script, "w") as f:
        f.write(LUA % ", ".join(f'"{i}"' for i in ids))
    ok = True
    for n, how in enumerate(["first start"] + (["restart"] if restart
                                               else [])):
        ok &= bench_one(exe, db, ids, script,
                        f"{label}" + (f"-{n}" if n else ""),
                        f"{label}, {how}", durations, threads, work,
                        rps_min, p99_max, (*extra, "--warm-file", warm))
    return ok


def bench_one(exe, db, ids, script, label, title, durations, threads, work,
              rps_min, p99_max, extra):
    log = open(os.path.join(work, f"serve-{label}.log"), "w")
    p, port = start(exe, db, threads, log, extra)
    ok = True
    try:
        warmed = re.search(r"answered \d+ of the \d+ requests kept[^\n]*",
                           open(log.name).read())
        urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/v1/match?demand={ids[0]}").read()
        print(f"== {title}: {len(ids)} demands, serve {' '.join(extra)} "
              f"pid {p.pid}, at start {mem(p.pid)}; "
              f"{warmed.group(0) if warmed else 'nothing kept'}")
        for conns, secs in durations:
            before = metric_sum(port, 'kgmatch_http_requests_total{route="match"')
            print(f"  before it: {mem(p.pid)}, {load()}")
            r = wrk(port, conns, secs, script)
            load_after = load()
            time.sleep(0.5)
            after = metric_sum(port, 'kgmatch_http_requests_total{route="match"')
            counted = int(after - before)
            good = (r["rps"] >= rps_min and r.get("p99", 1e9) <= p99_max and
                    r["errors"] == 0)
            ok &= good
            print(f"  {r['cmd']}")
            print(f"    {r['rps']:.0f} req/s, latency p50 {r.get('p50', 0):.2f} "
                  f"ms, p90 {r.get('p90', 0):.2f} ms, p99 {r.get('p99', 0):.2f} "
                  f"ms, errors {r['errors']}; wrk counted {r['requests']}, "
                  f"/metrics {counted} (in flight at the stop: "
                  f"{counted - r['requests']}, at most {conns}) "
                  f"[{'ok' if good else 'MISSED'}: >= {rps_min} req/s, "
                  f"p99 <= {p99_max} ms, 0 errors]")
            if not 0 <= counted - r["requests"] <= conns:
                print("    /metrics and wrk disagree")
                ok = False
            print(f"    after it: {mem(p.pid)}, {load_after} at the end of "
                  f"the run")
            note = (" (over 1: wrk added the replies of a steady-rate "
                    "client to its histogram)" if r["little"] > 1.05 else "")
            print(f"    Little's law: mean latency x requests / (connections "
                  f"x seconds) = {r['little']:.2f}{note}")
        print(f"  at end {mem(p.pid)}")
    finally:
        p.terminate()
        p.wait(30)
        log.close()
    return ok


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_request(exe, db, label, n, work):
    """Milliseconds of the server's CPU per uncached match request over n
    sequential requests for different demands (after a warm-up)."""
    ids = demand_ids(db, max(n, 20))
    log = open(os.path.join(work, f"serve-cpu-{label}.log"), "w")
    p, port = start(exe, db, 1, log, ("--cache", "0"))
    try:
        def get(i):
            url = f"http://127.0.0.1:{port}/api/v1/match?top=10&demand={i}"
            with urllib.request.urlopen(url) as r:
                r.read()
        for i in ids[:20]:
            get(i)
        c0, t0 = cpu_seconds(p.pid), time.monotonic()
        for k in range(n):
            get(ids[k % len(ids)])
        c1, t1 = cpu_seconds(p.pid), time.monotonic()
    finally:
        p.terminate()
        p.wait(30)
        log.close()
    return 1000 * (c1 - c0) / n, 1000 * (t1 - t0) / n


def cpu_main(a, work):
    stores = [] if a.no_demo else [("demo", os.path.join(work, "demo.db"))]
    if not a.no_demo and not os.path.exists(stores[0][1]):
        demo_db(os.path.abspath(a.kgmatch), stores[0][1])
    if a.big_db:
        stores.append(("big", os.path.abspath(a.big_db)))
    exes = [os.path.abspath(a.kgmatch)]
    if a.compare:
        exes.append(os.path.abspath(a.compare))
    for label, db in stores:
        for r in range(a.rounds):
            for exe in exes:
                cpu, wall = cpu_per_request(exe, db, label,
                                            a.cpu_per_request, work)
                print(f"{label} round {r + 1} {exe}: {cpu:.1f} ms CPU, "
                      f"{wall:.1f} ms wall per request over "
                      f"{a.cpu_per_request} ({load()})", flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kgmatch", default=os.path.join(ROOT, "kgmatch"))
    ap.add_argument("--shared", default=None, help="(unused; for make bench)")
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--threads", type=int, default=0,
                    help="serve --threads (default: the server's)")
    ap.add_argument("--big-db", default=None,
                    help="the large store (default: bench_match.py's of "
                         "--big items, made if missing; 'none': the demo "
                         "only)")
    ap.add_argument("--big", type=int, default=100000,
                    help="make --big-db (if missing) with this many items, "
                         "as bench_match.py generates them")
    ap.add_argument("--soak", type=int, default=0)
    ap.add_argument("--window", type=int, default=0, metavar="S",
                    help="the first 16-connection run as wrk runs of S "
                         "seconds, each reported")
    ap.add_argument("--restart", action="store_true",
                    help="run the --big-db store's runs again on a server "
                         "started anew (it answers what the first kept)")
    ap.add_argument("--work", default=None)
    ap.add_argument("--cache", type=int, default=None,
                    help="serve --cache N (0: every request is matched)")
    ap.add_argument("--cpu-per-request", type=int, default=0, metavar="N",
                    help="measure the server's CPU per uncached request "
                         "over N sequential requests (no wrk)")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--compare", default=None, metavar="EXE",
                    help="with --cpu-per-request: a second binary, "
                         "measured in alternation")
    ap.add_argument("--no-demo", action="store_true",
                    help="with --cpu-per-request: the --big-db store alone")
    a = ap.parse_args()
    if a.big_db is None and a.big:
        a.big_db = big_store(a.big)
    elif a.big_db == "none":
        a.big_db = None
    if a.big_db and a.big:
        ensure_big(os.path.abspath(a.kgmatch), a.big_db, a.big)
    if a.cpu_per_request:
        work = a.work or tempfile.mkdtemp(prefix="kgmatch-serve-bench-")
        os.makedirs(work, exist_ok=True)
        return cpu_main(a, work)
    if not shutil.which("wrk"):
        print("bench_serve: wrk is not installed (apt-get install wrk); "
              "skipped")
        return 0
    exe = os.path.abspath(a.kgmatch)
    work = a.work or tempfile.mkdtemp(prefix="kgmatch-serve-bench-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "demo.db")
    if not os.path.exists(db):
        demo_db(exe, db)
    runs = [(16, a.duration), (64, a.duration)]
    if a.window > 0:
        runs[:1] = [(16, a.window)] * max(1, a.duration // a.window)
    soak = [(16, a.soak)] if a.soak else []
    extra = ("--cache", str(a.cache)) if a.cache is not None else ()
    ok = bench(exe, db, "demo", runs + soak, a.threads, work, 2000, 50, extra)
    if a.big_db:
        ok &= bench(exe, os.path.abspath(a.big_db), "big", runs,
                    a.threads, work, 200, 100, extra, a.restart)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
