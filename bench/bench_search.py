#!/usr/bin/python3
"""bench_search.py - speed of kgmatch's index and search beside Xapian,
scikit-learn and an exact scipy BM25, on the same corpus and queries.

A bilingual corpus comes from ../shared/bench/gen.py (Zipf English words,
Chinese characters, both mixed; queries are fragments of documents). The
documents become achievements (text -> abstract), are imported with
--no-index, and then:
  index build   `kgmatch index --rebuild --timing` (wall time of the
                process: reading the store, tokenizing, layout, write)
  tokenizing    MB/s inside the analyzer, as the build reports it
  query         `kgmatch search --queries FILE --top 10 --timing`: each
                query timed inside the process, one thread, p50 and p99
  index size    the DB.idx file
The peers run through ../shared/bench/peer.py on the same documents and
queries in the same run; their build counts Python tokenizing plus
indexing. Ratios are peer / kgmatch (above 1: kgmatch is faster/smaller).

Usage: bench_search.py --kgmatch ./kgmatch --shared ../shared
       [--sizes 100000,1000000] [--peer-max 100000] [--work DIR]
Corpora are cached in --work (default /tmp/kgmatch-bench) between runs.
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time

TARGETS = {  # issue 4, at 100k records (p99 also at 1M)
    "build_s": 5.0, "tok_mbs": 30.0, "p50_ms": 0.2, "p99_ms": 1.0,
    "size_mb": 60.0, "p99_ms_1m": 10.0,
}


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd):
    """Runs cmd; returns (wall s, cpu s of the child, stdout, stderr)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return wall, cpu, p.stdout, p.stderr


def corpus(shared, work, n, nq):
    docs = os.path.join(work, f"docs{n}.jsonl")
    queries = os.path.join(work, f"queries{n}.jsonl")
    recs = os.path.join(work, f"achievements{n}.jsonl")
    if not os.path.exists(recs):
        print(f"generating {n} documents ...", file=sys.stderr, flush=True)
        sh([sys.executable, os.path.join(shared, "bench", "gen.py"),
            "--docs", str(n), "--queries", str(nq), "--seed", "42",
            "--out-docs", docs, "--out-queries", queries])
        with open(docs, encoding="utf-8") as f, \
                open(recs + ".tmp", "w", encoding="utf-8") as o:
            for line in f:
                d = json.loads(line)
                o.write(json.dumps({"id": d["id"], "abstract": d["text"]},
                                   ensure_ascii=False) + "\n")
        os.rename(recs + ".tmp", recs)
    return docs, queries, recs


def run_kgmatch(exe, work, n, recs, queries):
    db = os.path.join(work, f"bench{n}.db")
    if not os.path.exists(db):
        print(f"importing {n} records ...", file=sys.stderr, flush=True)
        tmp = db + ".tmp"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(tmp + suffix):
                os.remove(tmp + suffix)
        sh([exe, "--db", tmp, "init"], stdout=subprocess.DEVNULL)
        sh([exe, "--db", tmp, "import", "--no-index", "--kind", "achievement",
            recs], stdout=subprocess.DEVNULL)
        os.rename(tmp, db)
    wall, cpu, _, err = timed([exe, "--db", db, "index", "--rebuild",
                               "--timing"])
    m = re.search(r"tokenizing ([\d.]+) MB: ([\d.]+) s, ([\d.]+) MB/s", err)
    res = {"build_s": wall, "build_cpu_s": cpu,
           "tok_mbs": float(m.group(3)) if m else None,
           "size_mb": os.path.getsize(db + ".idx") / 1e6, "timing": err.strip()}
    _, _, out, err = timed([exe, "--db", db, "search", "--queries", queries,
                            "--top", "10", "--timing"])
    m = re.search(r"p50 ([\d.]+) ms, p99 ([\d.]+) ms, mean ([\d.]+) ms.*"
                  r"index open ([\d.]+) ms", err)
    res.update(p50_ms=float(m.group(1)), p99_ms=float(m.group(2)),
               mean_ms=float(m.group(3)), open_ms=float(m.group(4)))
    res["results"] = out
    return res


def run_peers(shared, work, docs, queries, engines):
    out = os.path.join(work, "peer_results.tsv")
    p = sh([sys.executable, os.path.join(shared, "bench", "peer.py"),
            "--corpus", docs, "--queries", queries, "--engines", engines,
            "--k", "10", "--out", out], capture_output=True, text=True)
    common, res = {}, {}
    for line in p.stdout.splitlines():
        if line.startswith("#common\t"):
            common = json.loads(line.split("\t", 1)[1])
        elif line.startswith("#timing\t"):
            t = json.loads(line.split("\t", 1)[1])
            res[t["engine"]] = {
                "build_s": common["tokenise_s"] + t["index_s"],
                "tok_mbs": common["corpus_bytes"] / 1e6 / common["tokenise_s"],
                "p50_ms": t["query_p50_ms"], "p99_ms": t["query_p99_ms"],
                "size_mb": t["index_bytes"] / 1e6}
    return res


def fmt(v, unit):
    if v is None:
        return "-"
    return f"{v:.3f}" if unit == "ms" else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kgmatch", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--sizes", default="100000")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--peer-max", type=int, default=100000,
                    help="run the peers only on corpora up to this size")
    ap.add_argument("--engines", default="xapian,sklearn,bm25np")
    ap.add_argument("--work", default="/tmp/kgmatch-bench")
    a = ap.parse_args()
    exe = os.path.abspath(a.kgmatch)
    os.makedirs(a.work, exist_ok=True)
    ok = True
    for n in [int(x) for x in a.sizes.split(",")]:
        docs, queries, recs = corpus(a.shared, a.work, n, a.queries)
        mb = os.path.getsize(docs) / 1e6
        k = run_kgmatch(exe, a.work, n, recs, queries)
        peers = {}
        if n <= a.peer_max and a.engines:
            print(f"running the peers on {n} documents ...", file=sys.stderr,
                  flush=True)
            peers = run_peers(a.shared, a.work, docs, queries, a.engines)
        load = os.getloadavg()[0]
        print(f"\n{n} records ({mb:.1f} MB of bilingual text, gen.py seed 42),"
              f" {a.queries} queries, top 10, one thread; load average "
              f"{load:.1f} on {os.cpu_count()} cores")
        names = [e for e in ("xapian", "sklearn", "bm25np") if e in peers]
        head = f"{'':<22}{'kgmatch':>10}{'target':>9}"
        for e in names:
            head += f"{e:>10}{'ratio':>8}"
        print(head)
        rows = [("index build (s)", "build_s", "s", True),
                ("tokenizing (MB/s)", "tok_mbs", "s", False),
                ("query p50 (ms)", "p50_ms", "ms", True),
                ("query p99 (ms)", "p99_ms", "ms", True),
                ("index size (MB)", "size_mb", "s", True)]
        for label, key, unit, lower in rows:
            tkey = key + ("_1m" if n >= 1000000 and key == "p99_ms" else "")
            target = TARGETS.get(tkey) if n == 100000 or tkey.endswith("_1m") \
                else None
            line = f"{label:<22}{fmt(k[key], unit):>10}"
            line += f"{('≤' if lower else '≥') + fmt(target, unit) if target else '':>9}"
            if target is not None and k[key] is not None:
                ok &= k[key] <= target if lower else k[key] >= target
            for e in names:
                v = peers[e].get(key)
                ratio = None
                if v and k[key]:
                    ratio = v / k[key] if lower else k[key] / v
                line += f"{fmt(v, unit):>10}{(f'{ratio:.1f}x' if ratio else '-'):>8}"
            print(line)
        print(f"  kgmatch build CPU time {k['build_cpu_s']:.2f} s; "
              f"index open {k['open_ms']:.1f} ms; mean query {k['mean_ms']:.3f} ms")
        print(f"  {k['timing']}")
    print("\nall targets met" if ok else "\nsome targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
