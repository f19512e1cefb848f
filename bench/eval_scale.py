#!/usr/bin/python3
"""eval_scale.py - the demo gold in a store a hundred times larger.

The suite's collections hold 82 to 4,000 records; a tech market's store
holds 100k and more, and a matcher whose order depends on how many records
stand below a need's best ones ranks otherwise there. This script builds
the demo store (datasets/demo, the six kinds) twice: alone, and with
bench_match.py's synthetic achievements and patents beside it (--items,
default 100,000: Latin pseudo-words and Chinese characters that share
hardly a word with the demo's demands; they only lower the averages a
z-score is measured from). It then scores the demo gold
(`kgmatch eval --gold datasets/demo/gold.tsv`, every kind) on both, with
the shipped settings and with each squash.best of --values, and prints one
table (graph/README.md, "The order at scale").

Usage: eval_scale.py --kgmatch ./kgmatch [--items N] [--values 0,8]
                     [--work DIR]
"""
import argparse
import copy
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench_match  # noqa: E402 (the synthetic store's generator)
import eval_suite  # noqa: E402 (the demo collection, the stamped build)

DEMO = os.path.join(ROOT, "datasets", "demo")


def evaluate(exe, db, config):
    cmd = [exe, "--db", db, "eval", "--gold", os.path.join(DEMO, "gold.tsv")]
    if config:
        cmd += ["--config", config]
    fig = {}
    for line in eval_suite.run(cmd).stdout.splitlines():
        parts = line.split()
        if parts and parts[0] in ("nDCG@10", "MAP", "recall@50"):
            fig[parts[0]] = parts[1]
        elif line.startswith("cross-domain gold pairs"):
            fig["cross"] = line.split(": ", 1)[1]
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kgmatch", default=os.path.join(ROOT, "kgmatch"))
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--values", default="0,8",
                    help="squash.best values beside the shipped settings")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(),
                                                   "kgmatch-eval-scale"))
    a = ap.parse_args()
    exe = os.path.abspath(a.kgmatch)
    os.makedirs(a.work, exist_ok=True)
    # eval_suite's demo collection and build (a store per collection,
    # rebuilt when the binary or the records change), once alone and once
    # with the synthetic items imported beside the demo's
    demo = eval_suite.demo_collection()
    alone = eval_suite.build_db(exe, a.work, demo)
    c = copy.copy(demo)  # the same records, read once, and a list of its own
    c.imports = list(demo.imports)
    c.name = f"demo-{a.items}"
    files = bench_match.generate(a.work, a.items, 0, 7)
    for kind in ("achievement", "patent"):
        c.imports.append((kind, eval_suite.load_jsonl(files[kind])))
    big = eval_suite.build_db(exe, a.work, c)
    print(f"the demo gold (every kind) in the demo store alone and with "
          f"{a.items:,} synthetic items beside it")
    print(f"{'store':<14} {'settings':<18} {'nDCG@10':>8} {'MAP':>8} "
          f"{'recall@50':>10}  cross-domain gold pairs in the top 10")
    configs = [("shipped", None)]
    for v in a.values.split(","):
        path = os.path.join(a.work, f"squash-best-{v}.conf")
        with open(path, "w") as f:
            f.write(f"squash.best = {v}\n")
        configs.append((f"squash.best = {v}", path))
    for name, db in (("demo", alone), (f"demo + {a.items // 1000}k", big)):
        for label, conf in configs:
            f = evaluate(exe, db, conf)
            print(f"{name:<14} {label:<18} {f['nDCG@10']:>8} {f['MAP']:>8} "
                  f"{f['recall@50']:>10}  {f.get('cross', '')}")


if __name__ == "__main__":
    main()
