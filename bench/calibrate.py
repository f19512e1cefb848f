#!/usr/bin/python3
"""calibrate.py - fits the matcher's calibrated score on the suite (issue 8).

For every judged collection of the development suite (eval_suite.py) the
matcher runs with calibration off (`calibration.enable = no`) and lists its
best --top candidates per need with their evidence (JSON reason.evidence:
the evidence that orders candidates, the coverage of the need's terms, the
cosine to the unexpanded need). A pair is positive when judged relevant
(grade >= 1), negative otherwise (unjudged pairs of judged needs count as
not relevant, as in the metrics). A logistic regression on the three
features, each collection weighted equally, gives

    P(relevant) = 1 / (1 + exp(-(bias + evidence*e + coverage*c + cosine*s
                                 + evidence_coverage*e*c)))

whose coefficients go to datasets/match.conf (calibration.*). Reported:
  - the coefficients fitted on every collection (the shipped ones);
  - ECE (10 equal-width bins) over pooled judged pairs, each collection
    scored by a fit made without it (leave-one-collection-out), and with
    the shipped fit;
  - the median top score of needs whose best judged item ranks first;
  - off-topic needs (one collection's needs against another's items):
    the share whose top score is below 0.3;
  - the min_score and cross-domain thresholds that follow from the fit.

Usage: calibrate.py --kgmatch ./kgmatch --shared ../shared [--top 20]
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
       ("adi", "med"), ("time", "cacm"), ("csl-demands-title", "npl")]
FEATS = ("evidence", "coverage", "cosine")


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
                rows.append((d["id"], m["id"], m["score"], f + [f[0] * f[1]]))
    return rows


def raw_conf(work, extra=""):
    path = os.path.join(work, "calibrate-raw.conf")
    with open(os.path.join(es.ROOT, "datasets", "match.conf")) as f:
        base = f.read()
    with open(path, "w") as f:
        f.write(base + "\ncalibration.enable = no\n" + extra)
    return path


def fit(X, y, w):
    lr = LogisticRegression(C=100.0, max_iter=2000)
    lr.fit(X, y, sample_weight=w)
    return lr.intercept_[0], lr.coef_[0]


def prob(b, coef, X):
    return 1 / (1 + np.exp(-(b + X @ coef)))


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
    ap.add_argument("--config-extra", default="",
                    help="config lines added to the shipped file")
    a = ap.parse_args()
    exe = os.path.abspath(a.kgmatch)
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
        data[name] = (rows, X, y, c.qrels)
        print(f"  {name}: {len(rows)} pairs, {y.sum()} relevant",
              file=sys.stderr, flush=True)

    def pooled(skip=None):
        Xs, ys, ws = [], [], []
        for n, (_, X, y, _) in data.items():
            if n == skip or len(y) == 0:
                continue
            Xs.append(X)
            ys.append(y)
            ws.append(np.full(len(y), 1.0 / len(y)))
        return np.vstack(Xs), np.concatenate(ys), np.concatenate(ws)

    b, coef = fit(*pooled())
    print("shipped fit (every collection): calibration.bias = %.4f, "
          "calibration.evidence = %.4f, calibration.coverage = %.4f, "
          "calibration.cosine = %.4f, calibration.evidence_coverage = %.4f"
          % (b, *coef))
    if (coef < 0).any():
        print("note: a negative coefficient; the matcher needs them >= 0")

    all_p_loo, all_p, all_y = [], [], []
    top1 = []
    print(f"{'collection':<18}{'pairs':>7}{'ECE loo':>9}{'ECE fit':>9}"
          f"{'med top1':>10}")
    for n, (rows, X, y, qrels) in data.items():
        bl, cl = fit(*pooled(skip=n))
        pl, pf = prob(bl, cl, X), prob(b, coef, X)
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

    low = total = 0
    lines = []
    for qa, ib in OFF + [(y, x) for x, y in OFF if not x.startswith("csl")]:
        ca, cb = es.collection(a.shared, qa), es.collection(a.shared, ib)
        c = es.Collection(f"off-{qa}-{ib}", cb.lang)
        c.imports, c.needs = cb.imports, ca.needs
        db = es.build_db(exe, a.work, c)
        rows = match_json(exe, db, conf, "achievement", a.top)
        tops = {}
        for q, _, _, f in rows:
            p = float(prob(b, coef, np.array([f]))[0])
            tops[q] = max(tops.get(q, 0), p)
        n = len(ca.needs)
        ok = sum(1 for q in ca.needs if tops.get(q["id"], 0) < 0.3)
        low += ok
        total += n
        lines.append(f"{qa} needs -> {ib} items: {ok}/{n} below 0.3, "
                     f"max {max(tops.values()) if tops else 0:.3f}")
    print("off-topic: " + "; ".join(lines))
    print(f"off-topic needs with a top score below 0.3: {low} of {total} "
          f"({100.0 * low / max(1, total):.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
