#!/usr/bin/python3
"""prox_perneed.py - per-need nDCG@10 of the shipped matcher against a
proximity setting (KG_PROX=R KG_PROX_U=R ... as arguments) on the eight
ir-classic collections, and a paired sign-flip test of the pooled mean.
Run with KG_PAIRS set as the databases in $PROX_WORK were indexed.
Usage: prox_perneed.py KG_PROX=0.15 KG_PROX_U=0.075"""
import os, random, sys, math
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import eval_suite as es
shared = os.path.join(HERE, "..", "..", "shared")
exe = os.path.join(HERE, "..", "kgmatch")
work = os.environ.get("PROX_WORK", "/tmp/prox-suite")
setting = dict(a.split("=") for a in sys.argv[1:])
def ndcg(ranked, rel):
    dcg = sum(rel.get(i, 0) / math.log2(r + 2) for r, i in enumerate(ranked[:10]))
    ideal = sorted((g for g in rel.values() if g >= 1), reverse=True)[:10]
    idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0
diffs = []
for name in es.IRC:
    c = es.collection(shared, name)
    db = es.build_db(exe, work, c)
    base = es.run_match(exe, db, c, None)
    old = os.environ.copy()
    os.environ.update(setting)
    var = es.run_match(exe, db, c, None)
    os.environ.clear(); os.environ.update(old)
    d = []
    for q, rel in c.qrels.items():
        if not any(g >= 1 for g in rel.values()):
            continue
        d.append(ndcg(var.get(q, []), rel) - ndcg(base.get(q, []), rel))
    up = sum(x > 1e-12 for x in d); down = sum(x < -1e-12 for x in d)
    print(f"{name:6} n={len(d):3} mean diff {sum(d)/len(d):+.4f}  better {up:3} worse {down:3}")
    diffs += d
rng = random.Random(7)
obs = sum(diffs) / len(diffs)
cnt = 0
R = 20000
for _ in range(R):
    s = sum(x if rng.random() < 0.5 else -x for x in diffs) / len(diffs)
    cnt += abs(s) >= abs(obs)
print(f"pooled n={len(diffs)} mean diff {obs:+.4f}, better {sum(x>1e-12 for x in diffs)}, worse {sum(x<-1e-12 for x in diffs)}, two-sided sign-flip p={cnt/R:.3f}")
