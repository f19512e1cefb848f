#!/usr/bin/python3
"""pairs_compare.py - two rankings of the suite compared need by need.

Reads two files written by `eval_suite.py --pairs` (the shipped default's
scored pairs of every collection; say, before and after a change; or
try_wordvec.py --write), scores each judged need's nDCG@10 in both with
eval_suite's metric, and prints, per collection, over ir-classic's eight
and over all of them, how many needs the second ranking does better and
worse on, the mean difference, and a paired sign-flip test's two-sided p
(the chance that differences of that size, their signs drawn at random,
add up to at least as much). A gain that a few needs make and others pay
for shows up here, where a mean hides it.

    /usr/bin/python3 bench/pairs_compare.py A.tsv B.tsv [--shared ../shared]
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_suite  # noqa: E402


def load(path):
    """collection -> need -> its items, best first."""
    return {c: {q: [i for i, _ in ranked] for q, ranked in needs.items()}
            for c, needs in eval_suite.read_pairs(path).items()}


def sign_flip(diffs, rounds, seed):
    """Two-sided p of the paired sign-flip test on diffs."""
    rng, observed = random.Random(seed), abs(sum(diffs))
    hits = 0
    for _ in range(rounds):
        s = sum(d if rng.random() < 0.5 else -d for d in diffs)
        hits += abs(s) >= observed - 1e-12
    return hits / rounds


def line(name, diffs):
    better = sum(d > 1e-9 for d in diffs)
    worse = sum(d < -1e-9 for d in diffs)
    mean = sum(diffs) / len(diffs) if diffs else 0.0
    return f"{name:<20} {len(diffs):5d} {better:7d} {worse:6d} {mean:+9.4f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--rounds", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    before, after = load(a.before), load(a.after)
    print(f"{'collection':<20} needs  better  worse      mean")
    every, classic = [], []
    for name in before:
        if name not in after:
            continue
        c = eval_suite.collection(a.shared, name)
        diffs = []
        for q, rel in c.qrels.items():
            if not any(g >= 1 for g in rel.values()):
                continue
            nd = [eval_suite.evaluate({q: r.get(name, {}).get(q, [])},
                                      {q: rel})["ndcg@10"]
                  for r in (before, after)]
            diffs.append(nd[1] - nd[0])
        every += diffs
        if name in eval_suite.IRC:
            classic += diffs
        print(line(name, diffs))
    for label, diffs in (("ir-classic", classic), ("all", every)):
        p = sign_flip(diffs, a.rounds, a.seed)
        print(line(label, diffs) + f"  p {p:.3f}")


if __name__ == "__main__":
    main()
