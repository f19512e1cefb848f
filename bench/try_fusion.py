#!/usr/bin/python3
"""try_fusion.py - a learned fusion of several rankings, chosen
leave-one-collection-out (issue 8; tried, not kept: graph/README.md,
"What no setting tried reaches").

Each grid entry of --entries (bench/grid.conf) ranks every need of every
collection (`match --all`, top 100, through eval_suite.py's own build_db
and run_match); --extra LABEL=FILE adds rankings in `eval_suite.py
--pairs`' shape (another binary's, or try_wordvec.py --write's). Per need,
each ranking's scores are z-scored over its candidates (a candidate it
lacks gets its lowest z minus 1), and the fused score is their weighted
sum. The weights are learned by coordinate ascent on the mean nDCG@10 of
the other collections (steps of 0.25, 0.5 and 1 up or down, weights kept
at 0 or above, from the shipped entry alone), then scored on the one held
out: the figure leave-one-out gives, with several kinds of evidence at
once rather than one entry of the grid.

    /usr/bin/python3 bench/try_fusion.py --kgmatch ./kgmatch \\
        --shared ../shared --work W [--extra wv=DENSE.tsv ...]
"""
import argparse
import collections
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_suite  # noqa: E402

ENTRIES = "shipped,qidf-1,qidf-05,k1-15,no-fusion,fusion-70,graph-05,b5"
COLLECTIONS = ",".join(eval_suite.IRC + ["csl-demands-title", "demo"])


def features(scores, labels):
    """collection -> need -> (items, matrix of z-scores, a column per
    label)."""
    out = {}
    for (c, q), by in scores.items():
        items = sorted(set().union(*(set(v) for v in by.values())))
        m = np.zeros((len(items), len(labels)))
        for j, g in enumerate(labels):
            v = by.get(g, {})
            a = np.array([v.get(i, np.nan) for i in items])
            ok = ~np.isnan(a)
            if ok.sum() > 1:
                z = (a - a[ok].mean()) / (a[ok].std() + 1e-9)
                z[~ok] = z[ok].min() - 1.0
                m[:, j] = z
        out.setdefault(c, {})[q] = (items, m)
    return out


def ndcg(feat, cols, w, name):
    runs = {q: [items[k] for k in np.argsort(-(m @ w), kind="stable")]
            for q, (items, m) in feat.get(name, {}).items()}
    return eval_suite.evaluate(runs, cols[name].qrels)["ndcg@10"]


def train(feat, cols, names, n):
    w = np.zeros(n)
    w[0] = 1.0
    best = np.mean([ndcg(feat, cols, w, c) for c in names])
    for _ in range(5):
        moved = False
        for j in range(n):
            for step in (0.25, 0.5, 1.0, -0.25, -0.5, -1.0):
                w2 = w.copy()
                w2[j] = max(0.0, w2[j] + step)
                if np.allclose(w2, w):
                    continue
                m = np.mean([ndcg(feat, cols, w2, c) for c in names])
                if m > best + 1e-6:
                    best, w, moved = m, w2, True
        if not moved:
            break
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kgmatch", default="./kgmatch")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--work", required=True)
    ap.add_argument("--grid", default=os.path.join(
        eval_suite.ROOT, "bench", "grid.conf"))
    ap.add_argument("--entries", default=ENTRIES,
                    help="grid entries to fuse; the first is the start")
    ap.add_argument("--extra", action="append", default=[],
                    metavar="LABEL=FILE")
    ap.add_argument("--collections", default=COLLECTIONS)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    grid = dict(eval_suite.read_grid(a.grid))
    entries = a.entries.split(",")
    unknown = [g for g in entries if g not in grid]
    if unknown:
        sys.exit(f"try_fusion.py: {a.grid} has no entry {', '.join(unknown)}")
    confs = {g: eval_suite.write_conf(a.work, g, grid[g]) for g in entries}
    names = a.collections.split(",")
    cols = {n: eval_suite.collection(a.shared, n) for n in names}
    scores = collections.defaultdict(dict)  # (coll, need) -> label -> item
    for n in names:
        db = eval_suite.build_db(a.kgmatch, a.work, cols[n])
        for g in entries:
            rows = []
            eval_suite.run_match(a.kgmatch, db, cols[n], confs[g], rows)
            for r in rows:
                scores[(n, r["demand_id"])].setdefault(g, {})[
                    r["item_id"]] = float(r["score"])
    labels = list(entries)
    for spec in a.extra:
        label, path = spec.split("=", 1)
        labels.append(label)
        for c, needs in eval_suite.read_pairs(path).items():
            if c in cols:
                for q, ranked in needs.items():
                    scores[(c, q)][label] = dict(ranked)
    feat = features(scores, labels)
    start = np.eye(len(labels))[0]
    print("rankings fused: " + ", ".join(labels))
    print(f"{'collection':<20} {entries[0]:>8} {'fused':>8}  weights")
    loo, first = [], []
    for n in names:
        w = train(feat, cols, [c for c in names if c != n], len(labels))
        b, f = ndcg(feat, cols, start, n), ndcg(feat, cols, w, n)
        first.append(b)
        loo.append(f)
        print(f"{n:<20} {b:8.3f} {f:8.3f}  " +
              " ".join(f"{x:g}" for x in w), flush=True)
    print(f"{'mean':<20} {np.mean(first):8.4f} {np.mean(loo):8.4f}")


if __name__ == "__main__":
    main()
