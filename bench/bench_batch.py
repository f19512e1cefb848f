#!/usr/bin/python3
"""bench_batch.py - the nightly batch at scale (issue 10): a batch of
10,000 demands over 1,000,000 items in at most 5 minutes on 2 cores, and
its peak memory.

The store is bench_match.py's synthetic one (its generator, seed 7: 60 %
achievements and 40 % patents on 300 topics, an expert per 5 items, 500
institutions, 2,000 enterprises, --demands demands), made once per size in
--work and reused (bench_match.py makes the same file). Before the batch
the caches are made current and timed on their own: `kgmatch index` (full
build of the text index) and `kgmatch export --stats` (cold build of the
graph cache DB.graph), since a nightly batch finds them as the day's
imports and the previous night left them. Then

    /usr/bin/time -v kgmatch batch --no-ingest --since all --out DIR -q
                                   [--shard K/N]

is timed (wall clock of the process) with its peak RSS (time's "Maximum
resident set size"); the batch streams its results (README, the nightly
batch), so the RSS is the mapped graph and index, whatever the demands,
and the sizes of the files it wrote are printed beside it. With --shard 1/N only one shard of the demands (a
stable hash of the id) is matched: the figure for the whole night is then
N shards' time, printed as an extrapolation and labelled so; the batch's
own summary.txt says how many demands the shard held.

Usage: bench_batch.py --kgmatch ./kgmatch [--items 1000000]
                      [--demands 10000] [--shard K/N] [--work DIR]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_match import build_store, run  # noqa: E402

TARGET_S = 300.0


def timed(cmd):
    """Wall seconds, peak RSS in MiB and stdout of cmd under time -v."""
    t = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True,
                       text=True)
    secs = time.perf_counter() - t
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return secs, int(m.group(1)) / 1024 if m else 0.0, p.stdout


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kgmatch", required=True)
    ap.add_argument("--shared", default=None, help="(unused; for make bench)")
    ap.add_argument("--items", type=int, default=1000000)
    ap.add_argument("--demands", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--shard", default="",
                    help="K/N: match one shard only and extrapolate")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(),
                                                   "kgmatch-bench"))
    a = ap.parse_args()
    exe = os.path.abspath(a.kgmatch)
    os.makedirs(a.work, exist_ok=True)
    nshards = 1
    if a.shard:
        m = re.fullmatch(r"(\d+)/(\d+)", a.shard)
        if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
            ap.error("--shard is K/N with 1 <= K <= N")
        nshards = int(m.group(2))
    db = os.path.join(a.work, f"bench-{a.items}-{a.demands}-{a.seed}.db")
    load0 = os.getloadavg()[0]
    build_store(exe, a.work, db, a.items, a.demands, a.seed)
    secs, rss, _ = timed([exe, "--db", db, "index", "-q"])
    print(f"index     {secs:8.1f} s  peak RSS {rss:7.0f} MiB  (kgmatch index: "
          f"built or current)", flush=True)
    secs, rss, _ = timed([exe, "--db", db, "export", "--stats"])
    print(f"graph     {secs:8.1f} s  peak RSS {rss:7.0f} MiB  (kgmatch export "
          f"--stats: built or current)", flush=True)

    out = os.path.join(a.work, f"batch-{a.items}-{a.demands}")
    shutil.rmtree(out, ignore_errors=True)
    # a batch records its run: --since all matches every demand again
    cmd = [exe, "--db", db, "batch", "--no-ingest", "--since", "all", "--out",
           out, "-q"]
    if a.shard:
        cmd += ["--shard", a.shard]
    load1 = os.getloadavg()[0]
    secs, rss, _ = timed(cmd)
    load2 = os.getloadavg()[0]
    with open(os.path.join(out, "summary.txt"), encoding="utf-8") as f:
        summary = f.read()
    m = re.search(r"(\d+) demands? (?:to match|matched)", summary)
    matched = int(m.group(1)) if m else 0
    print(f"\nbatch: {a.items} items, {a.demands} demands"
          f"{', shard ' + a.shard if a.shard else ''} "
          f"({os.cpu_count()} cores, load {load0:.1f} at the start, "
          f"{load1:.1f} / {load2:.1f} before / after the batch)")
    print(f"  kgmatch batch --no-ingest    {secs:8.1f} s   "
          f"({matched} demands matched, "
          f"{secs * 1000 / matched if matched else 0:.1f} ms each)")
    print(f"  peak RSS                     {rss:8.0f} MiB")
    sizes = ", ".join(
        f"{f} {os.path.getsize(os.path.join(out, f)) / 2**20:.1f} MiB"
        for f in ("matches.json", "matches.csv", "report.html"))
    print(f"  files                        {sizes}")
    if nshards > 1:
        print(f"  EXTRAPOLATED: {nshards} shards one after the other "
              f"{secs * nshards:8.1f} s for all {a.demands} demands   "
              f"target <= {TARGET_S:.0f} s")
    else:
        print(f"  target                       {TARGET_S:8.0f} s   "
              f"{'met' if secs <= TARGET_S else 'missed'}")


if __name__ == "__main__":
    main()
