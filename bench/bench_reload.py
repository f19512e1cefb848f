#!/usr/bin/python3
"""bench_reload.py - `kgmatch serve` under wrk load while the data moves.

Copies a store (--db, with its index and graph files; by default
bench_match.py's 100k store, which `make bench` has just built, made with
its generator when missing) into --work, starts
`kgmatch serve` on the copy, asks for every demand once (so that their
answers are kept), then runs wrk at 16 connections in consecutive windows
of --window seconds, each reported (req/s, p50, p99 and Little's law, as
bench_serve.py prints them). --at seconds into the windows another process
imports one new achievement into the copy: the service notices, loads the
new data in the background and takes it over. The script prints when the
import ended and how many answers were computed afresh (cache misses in
/metrics) while it ran, when the reload landed (/api/v1/stats), and how
many were computed afresh in the 3 s after it.

A reload that has not landed --wait seconds after the last window is
said, with the version the service answers and the store's, and the run
ends with status 1.

Usage: bench_reload.py --kgmatch ./kgmatch [--db STORE.db] [--work DIR]
                       [--windows 45] [--window 2] [--at 5] [--wait 120]
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_serve as bs  # noqa: E402


def get(port, path):
    return urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").read()


def misses(port):
    return bs.metric_sum(port, 'kgmatch_cache_total{result="miss"}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kgmatch", default="./kgmatch")
    ap.add_argument("--shared", default=None, help="(unused; for make bench)")
    ap.add_argument("--db", default=bs.BIG_DEFAULT,
                    help="the store copied (default: bench_match.py's "
                         "100k store, made if missing)")
    ap.add_argument("--work", default=None)
    ap.add_argument("--windows", type=int, default=45)
    ap.add_argument("--window", type=int, default=2)
    ap.add_argument("--at", type=float, default=5)
    ap.add_argument("--wait", type=float, default=120,
                    help="seconds after the last window for the reload")
    a = ap.parse_args()
    if not shutil.which("wrk"):
        print("bench_reload: wrk is not installed (apt-get install wrk); "
              "skipped")
        return 0
    exe = os.path.abspath(a.kgmatch)
    bs.ensure_big(exe, a.db, 100000)
    work = a.work or tempfile.mkdtemp(prefix="kgmatch-reload-bench-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "store.db")
    # a run before left its copy, WAL, segments, stamps and warm file: a
    # stale WAL beside a fresh copy would be replayed into it
    for old in glob.glob(db + "*") + glob.glob(os.path.join(work,
                                                             ".store.db*")):
        os.remove(old)
    for ext in ("", "-wal", ".idx", ".graph"):  # the WAL: commits not yet
        # checkpointed into the database file
        if os.path.exists(a.db + ext):
            shutil.copyfile(a.db + ext, db + ext)
    ids = bs.demand_ids(db)
    script = os.path.join(work, "match.lua")
    with open(script, "w") as f:
        f.write(bs.LUA % ", ".join(f'"{i}"' for i in ids))
    rec = os.path.join(work, "one.jsonl")
    with open(rec, "w") as f:
        f.write(json.dumps({"id": f"AR{int(time.time())}",
                            "title": "aluminium dross recycling",
                            "abstract": "a record that moves the store"})
                + "\n")
    log = open(os.path.join(work, "serve.log"), "w")
    p, port = bs.start(exe, db, 0, log)
    try:
        for i in ids:
            get(port, f"/api/v1/match?top=10&demand={i}")
        t0 = time.time()

        failed = threading.Event()
        landed = threading.Event()

        def writer():
            time.sleep(a.at)
            r0 = json.loads(get(port, "/api/v1/stats"))["reloads"]
            cmd = [exe, "--db", db, "import", "--kind", "achievement", rec]
            m0 = misses(port)
            imp = subprocess.run(cmd, capture_output=True, text=True)
            m1 = misses(port)
            if imp.returncode != 0:
                print(f"bench_reload: {' '.join(cmd)} failed "
                      f"({imp.returncode}): {imp.stderr.strip()}", flush=True)
                failed.set()
                return
            print(f"import ended at {time.time() - t0:.1f} s; answers "
                  f"computed afresh during it: {m1 - m0:.0f}", flush=True)
            while json.loads(get(port, "/api/v1/stats"))["reloads"] == r0:
                if failed.is_set():  # the windows are over: said below
                    return
                time.sleep(0.1)
            landed.set()
            print(f"reload landed at {time.time() - t0:.1f} s", flush=True)
            m0 = misses(port)
            time.sleep(3)
            print(f"answers computed afresh in the 3 s after it: "
                  f"{misses(port) - m0:.0f}", flush=True)

        th = threading.Thread(target=writer, daemon=True)
        th.start()
        for _ in range(a.windows):
            if failed.is_set():
                return 1
            r = bs.wrk(port, 16, a.window, script)
            print(f"{time.time() - t0:6.1f} s: {r['rps']:6.0f} req/s, p50 "
                  f"{r.get('p50', 0):.2f} ms, p99 {r.get('p99', 0):7.2f} ms, "
                  f"Little's law {r['little']:.2f}", flush=True)
        th.join(a.wait)
        if not landed.is_set():
            failed.set()
            served = json.loads(get(port, "/api/v1/stats"))["version"]
            out = subprocess.run([exe, "--db", db, "stats", "--format",
                                  "json"], capture_output=True, text=True)
            store = json.loads(out.stdout)["version"] if out.returncode == 0 \
                else f"unknown ({out.stderr.strip()})"
            print(f"bench_reload: no reload landed within {a.wait} s of the "
                  f"last window: the service answers version {served}, the "
                  f"store {db} is at {store}", flush=True)
            return 1
    finally:
        p.terminate()
        p.wait(30)
        log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
