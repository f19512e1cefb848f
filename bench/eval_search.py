#!/usr/bin/python3
"""eval_search.py - search quality of kgmatch beside Xapian BM25 and
scikit-learn TF-IDF on the same documents and queries.

On csl-dev (1,000 Chinese papers: title, abstract, keywords, fields) each
paper is imported without its title and searched with its title; then
without its keywords and searched with its keywords. A query is answered
well when the paper itself ranks high: MRR@10 and recall@10 over all
queries. The peers (../shared/bench/peer.py) index the same remaining text
(one string per paper) and answer the same queries in the same run.

peer.py's shared tokenizer keeps a run of Latin letters or digits and the
Chinese characters after it as one token ("HPLC法测定..." is one word),
which costs the peers many queries here. The rows marked "(split)" run the
same peer engines in-process with that one regex fixed (CJK characters
never join a Latin word), to show how much of the difference is tokenizing.

Usage: eval_search.py --kgmatch ./kgmatch --shared ../shared [--k1 X --b Y]
Exit status 1 when kgmatch is below either peer on any line.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def metrics(ranked, qids, k=10):
    """MRR@k and recall@k where each query's own record is the answer."""
    mrr = rec = 0.0
    for q in qids:
        ids = ranked.get(q, [])[:k]
        if q in ids:
            mrr += 1.0 / (ids.index(q) + 1)
            rec += 1
    n = max(1, len(qids))
    return mrr / n, rec / n


def run_kgmatch(exe, work, recs, queries, extra):
    db = os.path.join(work, "eval.db")
    for suffix in ("", "-wal", "-shm", ".idx"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    rpath = os.path.join(work, "records.jsonl")
    qpath = os.path.join(work, "queries.jsonl")
    write_jsonl(rpath, recs)
    write_jsonl(qpath, queries)
    subprocess.run([exe, "--db", db, "init"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([exe, "--db", db, "import", "--kind", "achievement", rpath],
                   check=True, stdout=subprocess.DEVNULL)
    t = time.perf_counter()
    subprocess.run([exe, "--db", db, "index"], check=True,
                   stdout=subprocess.DEVNULL)
    build_s = time.perf_counter() - t
    out = subprocess.run([exe, "--db", db, "search", "--queries", qpath,
                          "--top", "10", "--kind", "achievement"] + extra,
                         check=True, capture_output=True, text=True).stdout
    ranked = {}
    for row in csv.DictReader(out.splitlines()):
        ranked.setdefault(row["query_id"], []).append(row["item_id"])
    return ranked, build_s


def run_peers(shared, work, docs, queries):
    dpath = os.path.join(work, "peer_docs.jsonl")
    qpath = os.path.join(work, "peer_queries.jsonl")
    rpath = os.path.join(work, "peer_results.tsv")
    write_jsonl(dpath, docs)
    write_jsonl(qpath, queries)
    subprocess.run([sys.executable, os.path.join(shared, "bench", "peer.py"),
                    "--corpus", dpath, "--queries", qpath,
                    "--engines", "sklearn,xapian", "--k", "10",
                    "--out", rpath], check=True, stdout=subprocess.DEVNULL)
    ranked = {}
    with open(rpath, encoding="utf-8") as f:
        for line in f:
            eng, q, ids = line.rstrip("\n").split("\t")
            ranked.setdefault(eng, {})[q] = ids.split(",") if ids else []
    return ranked


def run_peers_split(shared, docs, queries):
    """The peers with a tokenizer that never joins CJK to a Latin word."""
    import importlib.util
    import re
    import shutil
    spec = importlib.util.spec_from_file_location(
        "peer", os.path.join(shared, "bench", "peer.py"))
    peer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(peer)
    cjk = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    peer._TOKEN_RE = re.compile(f"[{cjk}]+|[^\\W_{cjk}]+", re.UNICODE)
    d_ids = [d["id"] for d in docs]
    d_txt = [d["text"] for d in docs]
    q_ids = [q["id"] for q in queries]
    q_txt = [q["text"] for q in queries]
    d_tok = [peer.tokenize(t) for t in d_txt]
    q_tok = [peer.tokenize(t) for t in q_txt]
    res = {}
    res["sklearn"], _ = peer.run_sklearn(d_ids, d_tok, q_ids, q_tok, 10, 256)
    tmp = tempfile.mkdtemp(prefix="eval-xapian-")
    try:
        res["xapian"], _ = peer.run_xapian(d_ids, d_txt, d_tok, q_ids, q_txt,
                                           q_tok, 10, os.path.join(tmp, "db"),
                                           False, 0.9, 0.4)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kgmatch", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--k1", type=float)
    ap.add_argument("--b", type=float)
    ap.add_argument("--work", help="keep the scratch files here")
    a = ap.parse_args()
    exe = os.path.abspath(a.kgmatch)
    papers = load(os.path.join(a.shared, "datasets", "csl-dev",
                               "achievements.jsonl"))
    extra = []
    if a.k1:
        extra += ["--k1", str(a.k1)]
    if a.b:
        extra += ["--b", str(a.b)]
    work = a.work or tempfile.mkdtemp(prefix="eval-search-")
    os.makedirs(work, exist_ok=True)

    runs = [("title", "title"), ("keywords", "keywords")]
    rows, worse = [], False
    for name, field in runs:
        recs, docs, queries = [], [], []
        for p in papers:
            q = p[field] if field == "title" else " ".join(p[field])
            if not q.strip():
                continue
            r = {k: v for k, v in p.items() if k != field}
            recs.append(r)
            text = " ".join([p["title"]] if field != "title" else []) + " " + \
                " ".join(p.get("keywords", []) if field != "keywords" else []) + \
                " " + p.get("abstract", "") + " " + " ".join(p.get("fields", []))
            docs.append({"id": p["id"], "text": text.strip()})
            queries.append({"id": p["id"], "text": q})
        qids = [q["id"] for q in queries]
        ranked, build_s = run_kgmatch(exe, work, recs, queries, extra)
        peers = run_peers(a.shared, work, docs, queries)
        split = run_peers_split(a.shared, docs, queries)
        res = {"kgmatch": metrics(ranked, qids)}
        for eng in ("xapian", "sklearn"):
            res[eng] = metrics(peers.get(eng, {}), qids)
            res[eng + "-split"] = metrics(split.get(eng, {}), qids)
        for eng in ("kgmatch", "xapian", "sklearn", "xapian-split",
                    "sklearn-split"):
            rows.append((name, eng) + res[eng])
        for eng in ("xapian", "sklearn"):
            if res["kgmatch"][0] < res[eng][0] or res["kgmatch"][1] < res[eng][1]:
                worse = True

    print(f"search quality on csl-dev ({len(papers)} Chinese papers): "
          "each query should find its own paper")
    print(f"{'query':<10} {'engine':<24} {'MRR@10':>7} {'recall@10':>9}")
    labels = {"kgmatch": "kgmatch BM25", "xapian": "Xapian BM25",
              "sklearn": "sklearn TF-IDF",
              "xapian-split": "Xapian BM25 (split)",
              "sklearn-split": "sklearn TF-IDF (split)"}
    for name, eng, mrr, rec in rows:
        print(f"{name:<10} {labels[eng]:<24} {mrr:7.4f} {rec:9.4f}")
    print("kgmatch is %s both peers (as peer.py runs them) on every line" %
          ("NOT at least as good as" if worse else "at least as good as"))
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
