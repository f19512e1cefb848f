#!/usr/bin/python3
"""try_domain_vectors.py - pretrained Chinese word vectors tried for placing
a csl-dev paper in its domain from its text (issue 8, domains from
evidence; tried, not kept: bench/README.md, "Domains").

The truth is eval_domain.py's (the domain kgmatch gives each paper's
discipline). The folds are eval_domain.py's (paper i in fold i mod 5, the
other folds' papers with a domain as the labelled set); scored over the
papers of 工学, 理学, 医学 and 农学 that have a domain. Each paper's title and
abstract become

  vectors  the IDF-weighted mean of its words' vectors (--vectors, word2vec
           binary: npm node-synonyms' data/words.vector; CJK cut into the
           file's words by forward maximum matching);
  bigrams  the TF-IDF (1 + log tf) of its CJK bigrams and Latin words, as
           the index has them.

and is placed by

  centroid a share --alpha of the cosine to each domain's centroid of
           vectors plus 1 - alpha of that of bigrams; "best" is the top
           domain, "agree" the domains within --ratio of it meeting the
           truth (eval_domain's measure);
  logreg   scikit-learn's logistic regression on the vectors (one row per
           paper and truth domain), C of --c.

    /usr/bin/python3 bench/try_domain_vectors.py --kgmatch ./kgmatch \\
        --shared ../shared --vectors package/data/words.vector
"""
import argparse
import collections
import math
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_domain  # noqa: E402
import try_wordvec  # noqa: E402


def unit(v):
    n = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {w: x / n for w, x in v.items()}


def tfidf(toks, idf):
    return unit({w: (1 + math.log(n)) * idf[w]
                 for w, n in collections.Counter(toks).items()})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kgmatch", default="./kgmatch")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--alpha", default="0,0.3,0.5,1")
    ap.add_argument("--ratio", default="1,0.9")
    ap.add_argument("--c", default="1,10,100")
    a = ap.parse_args()
    rows = eval_domain.load(os.path.join(
        a.shared, "datasets/csl-dev/achievements.jsonl"))
    try:
        index, matrix = try_wordvec.Pretrained.load(a.vectors)
    except (OSError, ValueError) as e:
        sys.exit(f"try_domain_vectors: {a.vectors}: cannot read ({e!r})")
    with tempfile.TemporaryDirectory() as tmp:
        truth = eval_domain.domains_of(
            os.path.abspath(a.kgmatch),
            [eval_domain.blind(i, r) for i, r in enumerate(rows)], tmp)
    truth = [truth[r["id"]] for r in rows]
    seg = try_wordvec.segmenter(index)
    texts = [r["title"] + " " + r.get("abstract", "") for r in rows]
    words = [seg(t, set()) for t in texts]
    bigrams = [try_wordvec.tokens(t, set()) for t in texts]
    idf_w = try_wordvec.Bag(dict(enumerate(words))).idf
    idf_b = try_wordvec.Bag(dict(enumerate(bigrams))).idf
    vec = np.zeros((len(rows), matrix.shape[1]))
    for i, ws in enumerate(words):
        for w in ws:
            k = index.get(w)
            if k is not None:
                vec[i] += idf_w[w] * matrix[k]
        vec[i] /= np.linalg.norm(vec[i]) or 1.0
    bag = [tfidf(b, idf_b) for b in bigrams]
    scored = [i for i, r in enumerate(rows)
              if r["fields"][0] in eval_domain.CATEGORIES and truth[i]]
    domains = sorted({d for t in truth for d in t})

    def folds():
        for k in range(a.folds):
            train = [i for i in range(len(rows))
                     if i % a.folds != k and truth[i]]
            yield train, [i for i in scored if i % a.folds == k]

    print(f"{len(scored)} papers scored, {len(domains)} domains")
    for alpha in (float(x) for x in a.alpha.split(",")):
        for ratio in (float(x) for x in a.ratio.split(",")):
            best = agree = size = 0
            for train, test in folds():
                cv, cb = {}, {}
                for d in domains:
                    m = [i for i in train if d in truth[i]]
                    c = vec[m].sum(0)
                    cv[d] = c / (np.linalg.norm(c) or 1.0)
                    s = collections.Counter()
                    for i in m:
                        s.update(bag[i])
                    cb[d] = unit(s)
                for i in test:
                    sc = {d: alpha * float(vec[i] @ cv[d]) + (1 - alpha) *
                          sum(x * cb[d].get(w, 0) for w, x in bag[i].items())
                          for d in domains}
                    top = max(sc, key=sc.get)
                    got = {d for d, s in sc.items() if s >= ratio * sc[top]}
                    best += top in truth[i]
                    agree += bool(got & truth[i])
                    size += len(got)
            n = len(scored)
            print(f"centroid alpha {alpha:g} ratio {ratio:g}: best "
                  f"{best / n:.3f} agree {agree / n:.3f} "
                  f"domains per paper {size / n:.2f}", flush=True)
    from sklearn.linear_model import LogisticRegression
    for c in (float(x) for x in a.c.split(",")):
        ok = 0
        for train, test in folds():
            x = [vec[i] for i in train for _ in truth[i]]
            y = [d for i in train for d in sorted(truth[i])]
            model = LogisticRegression(C=c, max_iter=2000).fit(np.array(x), y)
            ok += sum(p in truth[i]
                      for p, i in zip(model.predict(vec[test]), test))
        print(f"logreg C {c:g}: best {ok / len(scored):.3f}", flush=True)


if __name__ == "__main__":
    main()
