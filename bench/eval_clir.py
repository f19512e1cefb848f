#!/usr/bin/python3
"""eval_clir.py - cross-language quality of kgmatch (issue 12), measured on
../shared/datasets/clir (hand-written translations, no machine translation).

1. English -> Chinese search: the 1,000 csl-dev papers imported without
   their titles (as in eval_search.py); each of the 300 English titles of
   csl_dev_en.jsonl is a query whose answer is the paper it translates:
   `kgmatch search --queries Q --top 10 --kind achievement`, MRR@10 and
   recall@10. In the same run: the Chinese titles of the same 300 papers,
   and two mixed-language forms of each need (the Chinese title followed by
   the English one; the first half of the Chinese title's characters with
   the last half of the English title's words), which must do at least as
   well as either language alone.
2. Chinese -> English matching: the reviewer gold standard (rap), each
   paper to review (demand) carrying only its title, in English (the
   original) or in Chinese (rap_titles_zh.jsonl), against the English
   experts and papers of each variant: `kgmatch match --all --kind expert
   --top 0 --format csv`, scored by ../shared/tools/rap_loss.py, 10-variant
   mean. Target: the Chinese-title loss within 0.04 of the English-title
   loss measured in the same run.

Usage: eval_clir.py --kgmatch ./kgmatch --shared ../shared
                    [--variants 1,...,10] [--skip-rap] [--work DIR]
Exit status 1 when a target is missed (MRR@10 < 0.70, rap gap > 0.04, or a
mixed form below either language alone).
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eval_search import load, metrics, write_jsonl  # noqa: E402
from eval_match import build_db, run  # noqa: E402


def search_mrr(exe, db, work, name, queries):
    qpath = os.path.join(work, f"clir_{name}.jsonl")
    write_jsonl(qpath, queries)
    out = run([exe, "--db", db, "search", "--queries", qpath, "--top", "10",
               "--kind", "achievement"]).stdout
    ranked = {}
    for row in csv.DictReader(out.splitlines()):
        ranked.setdefault(row["query_id"], []).append(row["item_id"])
    return metrics(ranked, [q["id"] for q in queries])


def en_to_zh(exe, shared, work):
    papers = load(os.path.join(shared, "datasets", "csl-dev",
                               "achievements.jsonl"))
    en = load(os.path.join(shared, "datasets", "clir", "csl_dev_en.jsonl"))
    zh_title = {p["id"]: p["title"] for p in papers}
    recs = os.path.join(work, "csl_notitle.jsonl")
    write_jsonl(recs, [{k: v for k, v in p.items() if k != "title"}
                       for p in papers])
    db = os.path.join(work, "csl_notitle.db")
    build_db(exe, db, [("achievement", recs)])
    run([exe, "--db", db, "index"])

    def half_mix(q):
        zh = zh_title[q["id"]]
        words = q["text"].split()
        return zh[:len(zh) // 2] + " " + " ".join(words[len(words) // 2:])

    forms = [
        ("English titles", en),
        ("Chinese titles", [{"id": q["id"], "text": zh_title[q["id"]]}
                            for q in en]),
        ("Chinese + English", [{"id": q["id"], "text": zh_title[q["id"]] +
                                " " + q["text"]} for q in en]),
        ("half Chinese, half English", [{"id": q["id"], "text": half_mix(q)}
                                        for q in en]),
    ]
    res = {}
    print("== English -> Chinese: csl-dev without titles, 300 queries")
    print(f"   kgmatch --db csl_notitle.db search --queries Q --top 10 "
          f"--kind achievement")
    print(f"{'queries':<28}{'MRR@10':>8}{'R@10':>8}{'secs':>7}")
    for i, (name, qs) in enumerate(forms):
        t = time.perf_counter()
        res[name] = search_mrr(exe, db, work, str(i), qs)
        print(f"{name:<28}{res[name][0]:>8.4f}{res[name][1]:>8.4f}"
              f"{time.perf_counter() - t:>7.1f}")
    return res


def rap_variant(exe, shared, work, k, titles, tag):
    gdir = os.path.join(shared, "datasets", "rap-goldstandard")
    vdir = os.path.join(gdir, f"d20_{k}")
    dem = os.path.join(work, f"rap_demands_{tag}.jsonl")
    if not os.path.exists(dem):
        write_jsonl(dem, [{"id": d["id"], "title": titles[d["id"]]}
                          for d in load(os.path.join(gdir, "demands.jsonl"))])
    db = os.path.join(work, f"rap_{tag}_{k}.db")
    build_db(exe, db, [("expert", os.path.join(vdir, "experts.jsonl")),
                       ("achievement", os.path.join(vdir, "achievements.jsonl")),
                       ("demand", dem)])
    run([exe, "--db", db, "export", "--rebuild", "--format", "csv"])
    out = run([exe, "--db", db, "match", "--all", "--kind", "expert", "--top",
               "0", "--format", "csv"]).stdout
    pred = os.path.join(work, f"rap_{tag}_{k}.pred.tsv")
    with open(pred, "w") as f:
        f.write("demand_id\texpert_id\tscore\n")
        for r in csv.DictReader(out.splitlines()):
            f.write(f"{r['demand_id']}\t{r['item_id']}\t{r['score']}\n")
    res = run([sys.executable, os.path.join(shared, "tools", "rap_loss.py"),
               os.path.join(gdir, "gold.tsv"), pred]).stdout
    return float(re.search(r"^loss=([0-9.]+)$", res, re.M).group(1))


def zh_to_en(exe, shared, work, variants):
    gdir = os.path.join(shared, "datasets", "rap-goldstandard")
    en = {d["id"]: d["title"] for d in load(os.path.join(gdir,
                                                         "demands.jsonl"))}
    zh = {q["id"]: q["text"] for q in load(os.path.join(
        shared, "datasets", "clir", "rap_titles_zh.jsonl"))}
    print("\n== Chinese -> English: rap gold standard, demands with a title "
          "only")
    print("   kgmatch --db rap_LANG_K.db match --all --kind expert --top 0 "
          "--format csv; rap_loss.py")
    print(f"{'variant':<9}{'English':>9}{'Chinese':>9}")
    loss = {"en": [], "zh": []}
    t = time.perf_counter()
    for k in variants:
        for tag, titles in (("en", en), ("zh", zh)):
            loss[tag].append(rap_variant(exe, shared, work, k, titles, tag))
        print(f"d20_{k:<5}{loss['en'][-1]:>9.4f}{loss['zh'][-1]:>9.4f}")
    m = {tag: sum(v) / len(v) for tag, v in loss.items()}
    print(f"{'mean':<9}{m['en']:>9.4f}{m['zh']:>9.4f}   gap "
          f"{m['zh'] - m['en']:+.4f} ({time.perf_counter() - t:.0f} s)")
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kgmatch", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(),
                                                   "kgmatch-eval-clir"))
    ap.add_argument("--variants", default="1,2,3,4,5,6,7,8,9,10")
    ap.add_argument("--skip-rap", action="store_true")
    a = ap.parse_args()
    exe = os.path.abspath(a.kgmatch)
    os.makedirs(a.work, exist_ok=True)
    ok = True
    res = en_to_zh(exe, a.shared, a.work)
    mrr_en = res["English titles"][0]
    if mrr_en < 0.70:
        print(f"MISS: English -> Chinese MRR@10 {mrr_en:.4f} < 0.70")
        ok = False
    alone = max(res["English titles"][0], res["Chinese titles"][0])
    if res["Chinese + English"][0] < alone:
        print("MISS: Chinese + English below the better language alone")
        ok = False
    if not a.skip_rap:
        m = zh_to_en(exe, a.shared, a.work,
                     [int(x) for x in a.variants.split(",")])
        if m["zh"] - m["en"] > 0.04:
            print(f"MISS: Chinese-title loss {m['zh'] - m['en']:+.4f} "
                  f"above the English-title loss (target <= 0.04)")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
