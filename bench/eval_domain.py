#!/usr/bin/python3
"""eval_domain.py - how well kgmatch places a record in its domain from
text alone.

csl-dev's 1,000 papers carry fields = [category, discipline]. The domain a
paper's discipline gives (graph/domain.c's catalogue) is the truth: one run
imports every paper with its fields and a meaningless title of its own (so
that only the fields can place it) and reads the domains back. Then the
papers are split into --folds folds (paper i in fold i mod folds); for each
fold, the fold's papers are imported without fields and without keywords
beside the other papers (fields kept), and the domains kgmatch assigns to
the fold's papers are read back; a second line keeps the hidden papers'
keywords (fields alone hidden). A paper agrees when its assigned domains
meet the truth's. Reported over the papers of 工学, 理学, 医学 and 农学,
with the confusion table (rows: truth, columns: assigned). The line
"keyword table alone" hides fields and keywords of every paper at once, so
that no record can be placed by its neighbours (what a store without any
fields or IPC codes gets).

Domains are read from `kgmatch export --graphml` (the `domains` attribute
of each record vertex).

Then, unless --no-demo: the demo store of `make demo` (datasets/demo/demo.sh
into a temporary database) and the best cross-domain achievement and patent
of each demand as the demo shows them (`match --all --cross-domain --kind K
--top 1`), against datasets/demo/gold.tsv: how many are shown, how many the
gold calls relevant (relevance >= 1), how many it does not judge (issue 8's
target: 0.9 of those shown relevant).

Usage: eval_domain.py --kgmatch ./kgmatch --shared ../shared [--folds 5]
       [--no-demo]
Prints whether the agreement reaches --target (default 0.85); the exit
status is 1 only when a discipline of those four categories has no domain.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

CATEGORIES = ("工学", "理学", "医学", "农学")


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def domains_of(kgmatch, rows, work):
    """Imports rows as achievements into a new store in work and returns
    {record id: frozenset of domain keys}."""
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "t.db")
    src = os.path.join(work, "a.jsonl")
    with open(src, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    run = lambda *a: subprocess.run([kgmatch, "--db", db, *a], check=True,
                                    stdout=subprocess.DEVNULL)
    run("init")
    run("import", "--no-index", "--kind", "achievement", src)
    gml = os.path.join(work, "g.graphml")
    run("export", "--graphml", gml)
    out = {}
    text = open(gml, encoding="utf-8").read()
    node = re.compile(r'<data key="v_type">achievement</data>.*?'
                      r'<data key="v_record_id">(.*?)</data>\s*'
                      r'<data key="v_domains">(.*?)</data>', re.S)
    for rid, dom in node.findall(text):
        out[rid] = frozenset(dom.split())
    return out


def hide(r, keywords=True):
    r = dict(r)
    r.pop("fields", None)
    if keywords:
        r.pop("keywords", None)
    return r


def blind(i, r):
    """r with its fields alone: a title no other record shares a term with
    (so that nothing is placed by its neighbours or keywords)."""
    word = "".join(chr(ord("a") + (i // 26 ** j) % 26) for j in range(4))
    return {"id": r["id"], "title": "zq" + word, "fields": r["fields"]}


def demo_precision(kg, work):
    """The best cross-domain pairing of each demand on the demo store
    against the demo gold: (rows, shown, relevant, unjudged)."""
    here = os.path.dirname(os.path.abspath(__file__))
    demo = os.path.join(here, "..", "datasets", "demo")
    db = os.path.join(work, "demo.db")
    subprocess.run(["sh", os.path.join(demo, "demo.sh"), kg], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=dict(os.environ, DEMO_DB=db))
    rel = {}
    with open(os.path.join(demo, "gold.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            c = line.rstrip("\n").split("\t")
            rel[(c[0], c[1])] = int(c[2])
    rows = []
    for kind in ("achievement", "patent"):
        out = subprocess.run([kg, "--db", db, "match", "--all",
                              "--cross-domain", "--kind", kind, "--top", "1",
                              "--format", "json"], check=True,
                             capture_output=True, text=True).stdout
        for d in json.loads(out)["demands"]:
            for h in d["matches"]:
                rows.append((d["id"], h["id"], rel.get((d["id"], h["id"])),
                             h["score"], h["title"]))
    good = sum(1 for r in rows if (r[2] or 0) >= 1)
    unjudged = sum(1 for r in rows if r[2] is None)
    return rows, len(rows), good, unjudged


def name(s):
    return "+".join(sorted(s)) if s else "(none)"


def score(rows, truth, got):
    sel = [r for r in rows if r["fields"][0] in CATEGORIES]
    agree = sum(1 for r in sel if truth[r["id"]] & got.get(r["id"], set()))
    return agree, len(sel), sel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kgmatch", default="./kgmatch")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--target", type=float, default=0.85)
    ap.add_argument("--no-demo", action="store_true")
    a = ap.parse_args()
    kg = os.path.abspath(a.kgmatch)
    rows = load(os.path.join(a.shared, "datasets/csl-dev/achievements.jsonl"))
    with tempfile.TemporaryDirectory() as tmp:
        truth = domains_of(kg, [blind(i, r) for i, r in enumerate(rows)],
                           os.path.join(tmp, "truth"))
        got, got_kw = {}, {}
        for k in range(a.folds):
            for kw, out in ((True, got), (False, got_kw)):
                fold = [hide(r, kw) if i % a.folds == k else r
                        for i, r in enumerate(rows)]
                d = domains_of(kg, fold, os.path.join(
                    tmp, "fold%d%s" % (k, "" if kw else "kw")))
                out.update({r["id"]: d[r["id"]]
                            for i, r in enumerate(rows) if i % a.folds == k})
        alone = domains_of(kg, [hide(r) for r in rows],
                           os.path.join(tmp, "alone"))

    unmapped = collections.Counter(
        r["fields"][1] for r in rows
        if r["fields"][0] in CATEGORIES and not truth[r["id"]])
    agree, n, sel = score(rows, truth, got)
    agree0, _, _ = score(rows, truth, alone)
    agree_kw, _, _ = score(rows, truth, got_kw)
    exact = sum(1 for r in sel if truth[r["id"]] == got[r["id"]])
    placed = sum(1 for r in rows if truth[r["id"]])

    print("csl-dev: %d papers, %d placed by their fields; %d of 工学, 理学, "
          "医学, 农学" % (len(rows), placed, n))
    print("disciplines of those categories without a domain: %s" %
          (", ".join(sorted(unmapped)) or "none"))
    print()
    print("| assignment (fields and keywords hidden) | agree | of | share |")
    print("| --- | ---: | ---: | ---: |")
    print("| centroids of the records with fields (%d folds) | %d | %d | %.1f %% |" %
          (a.folds, agree, n, 100.0 * agree / n))
    print("| same, assigned set equal to the truth | %d | %d | %.1f %% |" %
          (exact, n, 100.0 * exact / n))
    print("| same, keywords kept (fields hidden) | %d | %d | "
          "%.1f %% |" % (agree_kw, n, 100.0 * agree_kw / n))
    print("| keyword table alone | %d | %d | %.1f %% |" %
          (agree0, n, 100.0 * agree0 / n))
    print()

    single = [r for r in sel if len(got[r["id"]]) == 1]
    single_ok = sum(1 for r in single if truth[r["id"]] & got[r["id"]])
    multi = [r for r in sel if len(got[r["id"]]) > 1]
    multi_ok = sum(1 for r in multi if truth[r["id"]] & got[r["id"]])
    none = sum(1 for r in sel if not got[r["id"]])
    size = sum(len(got[r["id"]]) for r in sel) / n if n else 0
    print("Coverage (centroids, fields and keywords hidden): %d placed "
          "in one domain, %d of them right (%.1f %%); %d in two or more "
          "(the text is between domains), %d of them meeting the truth; "
          "%d unplaced; %.2f domains per record" %
          (len(single), single_ok,
           100.0 * single_ok / len(single) if single else 0, len(multi),
           multi_ok, none, size))
    print()

    def column(t, g):
        if len(g) <= 1:
            return name(g)
        return "2+ meets" if t & g else "2+ misses"

    conf = collections.Counter((name(truth[r["id"]]),
                                column(truth[r["id"]], got[r["id"]]))
                               for r in sel)
    rows_t = sorted({t for t, _ in conf})
    cols = sorted({g for _, g in conf if not g.startswith("2+")})
    cols += [g for g in ("2+ meets", "2+ misses") if any(
        c == g for _, c in conf)]
    print("Confusion (rows: domain of the discipline; columns: the domain "
          "assigned from text by the store, or a set of two or more)")
    print()
    print("| truth \\ assigned | " + " | ".join(cols) + " | agree |")
    print("| --- | " + " | ".join("---:" for _ in cols) + " | ---: |")
    for t in rows_t:
        tot = sum(conf[(t, g)] for g in cols)
        ok = sum(conf[(t, g)] for g in cols
                 if g == "2+ meets" or set(t.split("+")) & set(g.split("+")))
        print("| %s | " % t + " | ".join(
            str(conf[(t, g)]) if conf[(t, g)] else "." for g in cols) +
            " | %d/%d |" % (ok, tot))
    share = agree / n if n else 0
    print()
    print("target: %.0f %% agreement: %s (%.1f %%)" %
          (100 * a.target, "met" if share >= a.target else "MISSED",
           100 * share))
    if not a.no_demo:
        with tempfile.TemporaryDirectory() as tmp:
            rows, shown, good, unjudged = demo_precision(kg, tmp)
        print()
        print("Demo: the best cross-domain achievement and patent of each "
              "demand against the demo gold")
        print()
        print("| demand | item | gold relevance | score | title |")
        print("| --- | --- | ---: | ---: | --- |")
        for dem, item, r, sc, title in rows:
            print("| %s | %s | %s | %.3f | %s |" %
                  (dem, item, "unjudged" if r is None else r, sc, title[:30]))
        print()
        print("shown %d, relevant in the gold %d (%.2f; target 0.9), "
              "unjudged %d" % (shown, good, good / shown if shown else 0,
                               unjudged))
    return 0 if not unmapped else 1


if __name__ == "__main__":
    sys.exit(main())
