#!/usr/bin/python3
"""prox_loo.py - leave-one-out over bench/grid.conf's entries (MAIN, the
--json of `eval_suite.py --grid bench/grid.conf`) plus proximity settings
run one by one (each the --json of eval_suite.py without a grid, with
KG_PAIRS and KG_PROX* set; commit of graph/README.md's proximity row).
Usage: prox_loo.py MAIN.json VARIANT.json..."""
import json, re, sys
ALL = ["cisi", "cacm", "med", "npl", "lisa", "time", "adi", "cf",
       "csl-demands-title", "csl-demands-desc", "csl-dev-title", "csl-dev-kw", "demo"]
grid = {n: v for n, v in json.load(open(sys.argv[1]))["grid"].items() if n != "default"}
base = list(grid)
extra = []
for f in sys.argv[2:]:
    name = f.split("/")[-1][:-5]
    d = json.load(open(f))["grid"]["default"]
    grid[name] = {c: d[c] for c in ALL}
    extra.append(name)
def loo(names, coll):
    best, bv = None, -1
    for n in names:
        v = sum(s for c, s in grid[n].items() if c != coll) / (len(ALL) - 1)
        if v > bv:
            best, bv = n, v
    return best
def mean(n): return sum(grid[n].values()) / len(ALL)
print("entry".ljust(14), " ".join(c[:6].rjust(6) for c in ALL), "  mean")
for n in ["shipped"] + extra:
    print(n.ljust(14), " ".join(f"{grid[n][c]:6.3f}" for c in ALL), f"{mean(n):.4f}")
for label, names in (("LOO main grid", base), ("LOO + prox", base + extra)):
    picks = [loo(names, c) for c in ALL]
    print(label.ljust(14), " ".join(f"{grid[p][c]:6.3f}" for p, c in zip(picks, ALL)),
          f"{sum(grid[p][c] for p, c in zip(picks, ALL)) / len(ALL):.4f}")
    print("   picks:", ", ".join(f"{c}={p}" for c, p in zip(ALL, picks)))
