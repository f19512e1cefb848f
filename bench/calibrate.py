#!/usr/bin/python3
"""calibrate.py - fits the matcher's calibrated score on the suite (issue 8).

For every judged collection of the development suite (eval_suite.py) the
matcher runs with calibration off (`calibration.enable = no`) and lists its
best --top candidates per need with their evidence (JSON reason.evidence:
E, the evidence that orders candidates; C, the coverage of the need's
terms; S, the cosine to the unexpanded need; N, the need's best breadth:
how much of the need, beyond a single term, the store's best item holds;
L, the need's length: log(1 + its distinct words)).
A pair is positive when judged relevant (grade >= 1), negative otherwise
(unjudged pairs of judged needs count as not relevant, as in the metrics).
Off-topic needs (one collection's needs against a far collection's items,
and the reverse) give negatives too: a broker's need may have nothing in
the store, and a score must say so.

The matcher lists a need's candidates in the order of E and shows each
one's estimate capped just under the score of the one above it (a score
never rises down the list); the figures below are of those capped scores
(the fit itself is on the raw features).

The fit has two stages, both logistic regressions:
  1. the order: on the judged pairs (each collection weighted equally),
     R = b1 + e*E + c*C + s*S + j*E*C;
  2. the level: on the judged pairs and the off-topic ones (each off-topic
     pairing weighted as one collection), P = 1 / (1 + exp(-(b2 + r*R
     + n*N + l*L))). N and L are the same for every candidate of a need,
     so stage 2 leaves stage 1's order alone: it moves the level of a
     whole need. A long need spreads its weight over many words, so its
     best items hold a smaller share of it (C and N) at the same
     relevance; L gives that back, and the off-topic long needs
     (csl-demands-desc against npl) keep it from lifting needs that have
     nothing in the store.
The product is one logistic in E, C, S, E*C, N and L whose coefficients go to
datasets/match.conf (calibration.*). Reported:
  - the coefficients fitted on everything (the shipped ones);
  - ECE (10 equal-width bins) over pooled judged pairs, each collection
    scored by a fit made without it (leave-one-collection-out), and with
    the shipped fit;
  - the median top score of needs whose best judged item ranks first;
  - off-topic needs: the share whose top score is below 0.3, each pairing
    scored by a fit made without every pairing that shares a collection
    with it (and with the shipped fit); with --check, how many off-topic
    needs get a cross-domain mark under the shipped fit.

Usage: calibrate.py --kgmatch ./kgmatch --shared ../shared [--top 20]
         [--check]
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.linear_model import LogisticRegression

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import eval_suite as es  # noqa: E402

COLLS = es.IRC + ["csl-demands-title", "csl-demands-desc", "csl-dev-title",
                  "demo"]
# Far apart: the needs of the first against the items of the second, and
# the reverse.
OFF = [("cisi", "med"), ("cacm", "cf"), ("npl", "time"), ("lisa", "cf"),
       ("adi", "med"), ("time", "cacm"), ("csl-demands-title", "npl"),
       ("csl-demands-desc", "npl")]
FEATS = ("evidence", "coverage", "cosine")
LEVEL = ("need_breadth", "need_length")  # the need's, set the level
KEYS = ("bias", "evidence", "coverage", "cosine", "evidence_coverage",
        *LEVEL)
OFF_WEIGHT = 1.0  # an off-topic pairing weighs as much as a collection


DUMP = []  # every row's need, item and reason (--dump)


def match_json(exe, db, conf, kinds, top):
    rows = []
    for kind in kinds.split(","):
        out = subprocess.run(
            [exe, "--db", db, "match", "--all", "--kind", kind, "--top",
             str(top), "--format", "json", "--min-score", "0", "--config",
             conf], check=True, capture_output=True, text=True).stdout
        for d in json.loads(out)["demands"]:
            for m in d["matches"]:
                ev = m["reason"]["evidence"]
                f = [ev[k] for k in FEATS]
                rows.append((d["id"], m["id"], m["score"],
                             f + [f[0] * f[1]], [ev[k] for k in LEVEL],
                             m.get("cross_domain", False), kind))
                DUMP.append({"db": os.path.basename(db), "need": d["id"],
                             "item": m["id"], "score": m["score"],
                             "cross": m.get("cross_domain"),
                             "parts": m["reason"]["parts"], "evidence": ev,
                             "concepts": m["reason"]["concepts"]})
    return rows


def raw_conf(work, extra="", name="calibrate-raw.conf"):
    path = os.path.join(work, name)
    with open(os.path.join(es.ROOT, "datasets", "match.conf")) as f:
        base = f.read()
    with open(path, "w") as f:
        f.write(base + "\ncalibration.enable = no\n" + extra)
    return path


def fit(X, y, w):
    lr = LogisticRegression(C=100.0, max_iter=2000)
    lr.fit(X, y, sample_weight=w)
    return lr.intercept_[0], lr.coef_[0]


def fit2(judged, off, skip=(), skip_off=()):
    """The two-stage fit without the judged collections in skip and the
    off-topic pairings in skip_off: (bias, coefficients of E, C, S, E*C,
    N, L)."""
    Xs, ys, ws = [], [], []
    for n, (_, X, y, _, _) in judged.items():
        if n in skip or len(y) == 0:
            continue
        Xs.append(X)
        ys.append(y)
        ws.append(np.full(len(y), 1.0 / len(y)))
    b1, c1 = fit(np.vstack(Xs), np.concatenate(ys), np.concatenate(ws))
    Zs = [np.column_stack([b1 + X @ c1, N]) for n, (_, X, y, _, N)
          in judged.items() if n not in skip and len(y)]
    for n, (X, N) in off.items():
        if n in skip_off or len(N) == 0:
            continue
        Zs.append(np.column_stack([b1 + X @ c1, N]))
        ys.append(np.zeros(len(N)))
        ws.append(np.full(len(N), OFF_WEIGHT / len(N)))
    b2, (r, *u) = fit(np.vstack(Zs), np.concatenate(ys),
                      np.concatenate(ws))
    return b2 + r * b1, np.concatenate([r * c1, u])


def prob(b, coef, X):
    return 1 / (1 + np.exp(-(b + X @ coef)))


def capped(rows, p):
    """The scores the matcher shows: in each need's list (of a kind), in
    the evidence's order (the order listed with calibration off), each at
    most just under the one above it (match_score.c)."""
    out, below = [], {}
    for r, x in zip(rows, p):
        key = (r[0], r[6])
        s = min(x, below.get(key, 1.0))
        below[key] = s - 1e-4 if s > 2e-4 else s / 2
        out.append(s)
    return np.array(out)


def ece(p, y, bins=10):
    p, y = np.asarray(p), np.asarray(y)
    e = 0.0
    for k in range(bins):
        sel = (p >= k / bins) & ((p < (k + 1) / bins) if k < bins - 1
                                 else (p <= 1))
        if sel.any():
            e += sel.sum() / len(p) * abs(p[sel].mean() - y[sel].mean())
    return e


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kgmatch", default=os.path.join(es.ROOT, "kgmatch"))
    ap.add_argument("--shared", default=os.path.join(es.ROOT, "..", "shared"))
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(),
                                                   "kgmatch-suite"))
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--build-with", default=None,
                    help="a kgmatch that imports and indexes the "
                         "collections (default: --kgmatch)")
    ap.add_argument("--dump", default=None,
                    help="write every listed pair's evidence here (JSON)")
    ap.add_argument("--check", action="store_true",
                    help="run the off-topic needs again with the fit and "
                         "count their cross-domain marks")
    ap.add_argument("--config-extra", default="",
                    help="config lines added to the shipped file")
    a = ap.parse_args()
    exe = os.path.abspath(a.kgmatch)
    es.BUILD_EXE = a.build_with and os.path.abspath(a.build_with)
    os.makedirs(a.work, exist_ok=True)
    conf = raw_conf(a.work, a.config_extra.replace("\\n", "\n"))
    data = {}
    for name in COLLS:
        c = es.collection(a.shared, name)
        db = es.build_db(exe, a.work, c)
        rows = match_json(exe, db, conf, es.kinds_of(c), a.top)
        rows = [r for r in rows if r[0] in c.qrels]
        X = np.array([r[3] for r in rows])
        y = np.array([1 if c.qrels[r[0]].get(r[1], 0) >= 1 else 0
                      for r in rows])
        N = np.array([r[4] for r in rows]).reshape(-1, len(LEVEL))
        data[name] = (rows, X, y, c.qrels, N)
        print(f"  {name}: {len(rows)} pairs, {y.sum()} relevant",
              file=sys.stderr, flush=True)
    off, offdb, offneeds = {}, {}, {}
    for qa, ib in OFF + [(y, x) for x, y in OFF if not x.startswith("csl")]:
        ca, cb = es.collection(a.shared, qa), es.collection(a.shared, ib)
        c = es.Collection(f"off-{qa}-{ib}", cb.lang)
        c.imports, c.needs = cb.imports, ca.needs
        db = es.build_db(exe, a.work, c)
        rows = match_json(exe, db, conf, "achievement", a.top)
        key = (qa, ib)
        off[key] = (np.array([r[3] for r in rows]).reshape(-1, 4),
                    np.array([r[4] for r in rows]).reshape(-1, len(LEVEL)))
        offdb[key] = (db, rows)
        offneeds[key] = [q["id"] for q in ca.needs]

    def feats(X, N):
        return np.column_stack([X, N])

    b, coef = fit2(data, off)
    print("shipped fit (every collection and off-topic pairing):\n" +
          "\n".join(f"calibration.{k} = {v:.4f}" for k, v in zip(
              KEYS, [b, *coef])))
    if (coef < 0).any():
        print("note: a negative coefficient; the matcher needs them >= 0")
    # Experts go without the need's level (it varies by need and would
    # order a reviewer's papers by need); they take its mean over the
    # judged needs instead, a constant that changes no order.
    levels = {}
    for n, (rows, X, y, qrels, N) in data.items():
        for r, lv in zip(rows, N):
            levels[(n, r[0])] = float(np.dot(coef[-len(LEVEL):], lv))
    print(f"calibration.expert_level = "
          f"{sum(levels.values()) / max(1, len(levels)):.4f}")

    all_p_loo, all_p, all_y = [], [], []
    top1 = []
    print(f"{'collection':<18}{'pairs':>7}{'ECE loo':>9}{'ECE fit':>9}"
          f"{'med top1':>10}")
    for n, (rows, X, y, qrels, N) in data.items():
        bl, cl = fit2(data, off, skip=(n,))
        pl = capped(rows, prob(bl, cl, feats(X, N)))
        pf = capped(rows, prob(b, coef, feats(X, N)))
        all_p_loo += list(pl)
        all_p += list(pf)
        all_y += list(y)
        best = {}
        for r, p in zip(rows, pf):
            if r[0] not in best or p > best[r[0]][0]:
                best[r[0]] = (p, r[1])
        t1 = [p for q, (p, i) in best.items() if qrels[q].get(i, 0) >= 1]
        top1 += t1
        print(f"{n:<18}{len(y):>7}{ece(pl, y):>9.3f}{ece(pf, y):>9.3f}"
              f"{(np.median(t1) if t1 else float('nan')):>10.3f}")
    print(f"{'pooled':<18}{len(all_y):>7}{ece(all_p_loo, all_y):>9.3f}"
          f"{ece(all_p, all_y):>9.3f}{np.median(top1):>10.3f}")

    low = low_loo = total = 0
    lines = []
    for key, (X, N) in off.items():
        skip = [k for k in off if set(k) & set(key)]
        bl, cl = fit2(data, off, skip_off=skip)
        tops, tops_loo = {}, {}
        rows = offdb[key][1]
        for r, p, pl in zip(rows, capped(rows, prob(b, coef, feats(X, N))),
                            capped(rows, prob(bl, cl, feats(X, N)))):
            tops[r[0]] = max(tops.get(r[0], 0), p)
            tops_loo[r[0]] = max(tops_loo.get(r[0], 0), pl)
        needs = offneeds[key]
        ok = sum(1 for q in needs if tops.get(q, 0) < 0.3)
        ok_loo = sum(1 for q in needs if tops_loo.get(q, 0) < 0.3)
        low += ok
        low_loo += ok_loo
        total += len(needs)
        lines.append(f"{key[0]} needs -> {key[1]} items: {ok_loo}/"
                     f"{len(needs)} below 0.3, max "
                     f"{max(tops_loo.values()) if tops_loo else 0:.3f}")
    print("off-topic (leave-one-out fits): " + "; ".join(lines))
    print(f"off-topic needs with a top score below 0.3: {low_loo} of {total} "
          f"({100.0 * low_loo / max(1, total):.1f} %) with fits made without "
          f"their collections; {low} ({100.0 * low / max(1, total):.1f} %) "
          f"with the shipped fit")
    if a.check:
        shipped = raw_conf(a.work, "calibration.enable = yes\n" + "".join(
            f"calibration.{k} = {v:.4f}\n" for k, v in zip(KEYS, [b, *coef])),
            "calibrate-fit.conf")
        marked = 0
        for key, (db, _) in offdb.items():
            rows = match_json(exe, db, shipped, "achievement", a.top)
            marked += len({r[0] for r in rows if r[5]})
        print(f"off-topic needs with a cross-domain mark (shipped fit): "
              f"{marked} of {total}")
    if a.dump:
        with open(a.dump, "w", encoding="utf-8") as f:
            json.dump(DUMP, f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
