#!/usr/bin/python3
"""eval_suite.py - the development suite in one table (issue 8).

Collections (each: items, needs, graded judgments):
  ir-classic/{cisi,cacm,med,npl,lisa,time,adi,cf}  English needs and abstracts
  csl-demands-title / csl-demands-desc  120 enterprise demands for csl-dev
                                        papers: title alone, title+description
  csl-dev-title / csl-dev-kw            each csl-dev paper without its title
                                        (keywords) searched by it: 1,000 needs
  demo                                  datasets/demo with datasets/demo/gold.tsv
  rap                                   the reviewer gold standard (rap_loss.py,
                                        10 variants; matcher only)

Engines, side by side in one run: `kgmatch match --all --kind achievement`
(needs imported as demands), `kgmatch search --queries`, Xapian BM25 with the
English stemmer (query lower-cased; ir-classic's baselines.py) and
scikit-learn TF-IDF (sublinear tf, English stop words); the Chinese
collections use ../shared/bench/peer.py's CJK-bigram tokenizer (Latin words
and CJK runs split) for both peers. Metrics as ir-classic/README.md: nDCG@10,
MRR@10, MAP@100 over judged needs; rankings cut at 100.

Settings: --grid FILE lists matcher configurations (blocks of match.conf
lines separated by lines "== NAME"). For each collection the leave-one-out
(LOO) figure comes from the configuration with the best mean nDCG@10 over
the other collections; the shipped default (datasets/match.conf) is run
too. With no grid only the shipped default runs.

Usage: eval_suite.py --kgmatch ./kgmatch --shared ../shared
         [--only cisi,cacm,...] [--grid bench/grid.conf] [--json OUT]
Databases are cached in --work (default $TMPDIR/kgmatch-suite).
"""
import argparse
import csv
import hashlib
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from eval_search import load as load_jsonl, write_jsonl  # noqa: E402
K = 100
IRC = ["cisi", "cacm", "med", "npl", "lisa", "time", "adi", "cf"]
CSL = ["csl-demands-title", "csl-demands-desc", "csl-dev-title", "csl-dev-kw"]
ALL = IRC + CSL + ["demo"]

# The issue 8 bar ("Ranking that generalizes"): the matcher's leave-one-out
# figure must reach FACTOR x the best of Xapian and scikit-learn, measured in
# the same run, and of kgmatch `search` *as it stood in the table*:
# "a better `search` is welcome and does not raise the bar". Those search
# figures are fixed here, from the issue: nDCG@10 for ir-classic, MRR@10
# for csl-demands (title alone 0.898; with the description 1.000, where the
# bar is the best itself). csl-dev has no search figure in the issue; its
# bar ("no lower than the best of them") takes this run's search.
# collection: (metric, factor, fixed search figure or None)
BAR = {"cisi": ("ndcg@10", 1.05, 0.385), "cacm": ("ndcg@10", 1.05, 0.499),
       "med": ("ndcg@10", 1.05, 0.701), "npl": ("ndcg@10", 1.05, 0.439),
       "lisa": ("ndcg@10", 1.05, 0.481), "time": ("ndcg@10", 1.05, 0.748),
       "adi": ("ndcg@10", 1.05, 0.496), "cf": ("ndcg@10", 1.05, 0.449),
       "csl-demands-title": ("mrr@10", 1.05, 0.898),
       "csl-demands-desc": ("mrr@10", 1.0, 1.000),
       "csl-dev-title": ("mrr@10", 1.0, None),
       "csl-dev-kw": ("mrr@10", 1.0, None)}


def load_module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- collections
class Collection:
    """items: records to import (kind, dict); needs: demand dicts;
    text: need id -> query text for search and the peers; qrels."""

    def __init__(self, name, lang):
        self.name, self.lang = name, lang
        self.imports, self.needs, self.text, self.qrels = [], [], {}, {}
        self.peer_docs = []  # (id, text)


def ir_classic(shared, name):
    d = os.path.join(shared, "datasets", "ir-classic", name)
    c = Collection(name, "en")
    items = []
    for it in load_jsonl(os.path.join(d, "items.jsonl")):
        r = {"id": it["id"], "abstract": it.get("abstract", "")}
        if it.get("title"):
            r["title"] = it["title"]
        items.append(r)
        c.peer_docs.append((it["id"], (it.get("title", "") + "\n" +
                                       it.get("abstract", "")).strip()))
    c.imports.append(("achievement", items))
    for q in load_jsonl(os.path.join(d, "queries.jsonl")):
        c.needs.append({"id": q["id"], "title": q["text"]})
        c.text[q["id"]] = q["text"]
    with open(os.path.join(d, "qrels.tsv"), encoding="utf-8") as f:
        for line in f:
            q, i, g = line.rstrip("\n").split("\t")
            c.qrels.setdefault(q, {})[i] = int(g)
    return c


def csl_item_text(r):
    return "\n".join([r.get("title", ""), r.get("abstract", ""),
                      " ".join(r.get("keywords", []))]).strip()


def csl_demands(shared, desc):
    papers = load_jsonl(os.path.join(shared, "datasets", "csl-dev",
                                     "achievements.jsonl"))
    c = Collection("csl-demands-" + ("desc" if desc else "title"), "zh")
    c.imports.append(("achievement", papers))
    c.peer_docs = [(p["id"], csl_item_text(p)) for p in papers]
    ddir = os.path.join(shared, "datasets", "csl-demands")
    c.cross = {}
    for d in load_jsonl(os.path.join(ddir, "demands.jsonl")):
        n = {"id": d["id"], "title": d["title"],
             "fields": [d["enterprise_field"]]}
        if desc:
            n["description"] = d["description"]
        c.needs.append(n)
        c.text[d["id"]] = d["title"] + ("\n" + d["description"] if desc
                                        else "")
        c.cross[d["id"]] = (d["target"], bool(d["cross_domain"]))
    with open(os.path.join(ddir, "qrels.tsv"), encoding="utf-8") as f:
        for line in f:
            q, i, g = line.rstrip("\n").split("\t")
            c.qrels.setdefault(q, {})[i] = int(g)
    return c


def csl_dev(shared, field):
    papers = load_jsonl(os.path.join(shared, "datasets", "csl-dev",
                                     "achievements.jsonl"))
    c = Collection("csl-dev-" + ("title" if field == "title" else "kw"), "zh")
    items = []
    for p in papers:
        r = dict(p)
        if field == "title":
            q = r.pop("title")
        else:
            q = " ".join(r.pop("keywords", []))
        if not q.strip():
            continue
        items.append(r)
        c.peer_docs.append((p["id"], csl_item_text(r)))
        nid = "n-" + p["id"]
        c.needs.append({"id": nid, "title": q})
        c.text[nid] = q
        c.qrels[nid] = {p["id"]: 1}
    c.imports.append(("achievement", items))
    return c


def demo_collection():
    d = os.path.join(ROOT, "datasets", "demo")
    c = Collection("demo", "zh")
    for kind, f in (("institution", "institutions"), ("enterprise",
                    "enterprises"), ("expert", "experts"),
                    ("achievement", "achievements"), ("patent", "patents")):
        rows = load_jsonl(os.path.join(d, f + ".jsonl"))
        c.imports.append((kind, rows))
        if kind in ("achievement", "patent"):
            c.peer_docs += [(r["id"], csl_item_text(r)) for r in rows]
    for n in load_jsonl(os.path.join(d, "demands.jsonl")):
        c.needs.append(n)
        c.text[n["id"]] = "\n".join([n.get("title", ""),
                                     n.get("description", ""),
                                     " ".join(n.get("keywords", []))])
    with open(os.path.join(d, "gold.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            g = int(row["relevance"])
            if g > 0:
                c.qrels.setdefault(row["demand_id"], {})[row["item_id"]] = g
    return c


def collection(shared, name):
    if name in IRC:
        return ir_classic(shared, name)
    if name.startswith("csl-demands"):
        return csl_demands(shared, name.endswith("desc"))
    if name.startswith("csl-dev"):
        return csl_dev(shared, "title" if name.endswith("title") else "kw")
    return demo_collection()


# ---------------------------------------------------------------- metrics
PAIRS_COLUMNS = ("collection", "need", "item", "score", "grade", "judged")


def write_pairs(path, rows, columns=PAIRS_COLUMNS):
    """A --pairs file: a header of columns, then rows (tuples in that
    order); a trial's re-ordering gives the first four columns."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("\t".join(columns) + "\n")
        for r in rows:
            f.write("\t".join(str(x) for x in r) + "\n")


def read_pairs(path):
    """A --pairs file: collection -> need -> [(item, score)], ranked as
    run_match ranks them (by score; ties in the order the matcher gave).
    A file without the columns, or a row without a number for a score,
    exits naming the file and the line."""
    pairs = {}
    with open(path, encoding="utf-8") as f:
        rows = csv.DictReader(f, delimiter="\t")
        for row in rows:
            try:
                pairs.setdefault(row["collection"], {}).setdefault(
                    row["need"], []).append((row["item"],
                                             float(row["score"])))
            except (KeyError, TypeError, ValueError) as e:
                sys.exit(f"{path}: line {rows.line_num}: not a --pairs row "
                         f"({e!r}; the columns are "
                         f"{', '.join(PAIRS_COLUMNS[:4])}, ...)")
    for needs in pairs.values():
        for ranked in needs.values():
            ranked.sort(key=lambda x: -x[1])
    return pairs


def evaluate(runs, qrels):
    nd, rr, ap = [], [], []
    for q, rel in qrels.items():
        relevant = {i for i, g in rel.items() if g >= 1}
        if not relevant:
            continue
        ranked = runs.get(q, [])[:K]
        dcg = sum(rel.get(i, 0) / math.log2(r + 2)
                  for r, i in enumerate(ranked[:10]))
        ideal = sorted((g for g in rel.values() if g >= 1), reverse=True)[:10]
        idcg = sum(g / math.log2(r + 2) for r, g in enumerate(ideal))
        nd.append(dcg / idcg if idcg else 0.0)
        first = next((r for r, i in enumerate(ranked[:10]) if i in relevant),
                     None)
        rr.append(1.0 / (first + 1) if first is not None else 0.0)
        hits, s = 0, 0.0
        for r, i in enumerate(ranked):
            if i in relevant:
                hits += 1
                s += hits / (r + 1)
        ap.append(s / len(relevant))
    n = max(1, len(nd))
    return {"n": len(nd), "ndcg@10": sum(nd) / n, "mrr@10": sum(rr) / n,
            "map@100": sum(ap) / n}


# ---------------------------------------------------------------- kgmatch
def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kw)


# The binary that builds the databases when it is not the one measured
# (--build-with): a matcher change need not re-import every collection.
BUILD_EXE = None


def build_db(exe, work, c):
    exe = BUILD_EXE or exe
    db = os.path.join(work, c.name + ".db")
    h = hashlib.sha256()
    st = os.stat(exe)
    h.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    h.update(json.dumps([c.imports, c.needs], ensure_ascii=False,
                        sort_keys=True).encode())
    want = h.hexdigest()
    sfile = db + ".stamp"
    if os.path.exists(db) and os.path.exists(sfile):
        with open(sfile) as f:
            if f.read() == want:
                return db
    for suffix in ("", "-wal", "-shm", ".idx", ".graph", ".stamp"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    run([exe, "--db", db, "init"])
    for kind, rows in c.imports + [("demand", c.needs)]:
        path = os.path.join(work, f"{c.name}.{kind}.jsonl")
        write_jsonl(path, rows)
        run([exe, "--db", db, "import", "--kind", kind, path])
    run([exe, "--db", db, "index"])
    run([exe, "--db", db, "export", "--rebuild", "--format", "csv"])
    with open(sfile, "w") as f:
        f.write(want)
    return db


def kinds_of(c):
    return "achievement,patent" if c.name == "demo" else "achievement"


def run_match(exe, db, c, config, rows=None):
    """Rankings of `match --all`; rows (a list) gets every CSV row."""
    per = {}
    for kind in kinds_of(c).split(","):
        cmd = [exe, "--db", db, "match", "--all", "--kind", kind, "--top",
               str(K), "--format", "csv", "--min-score", "0"]
        if config:
            cmd += ["--config", config]
        out = run(cmd).stdout
        for r in csv.DictReader(out.splitlines()):
            per.setdefault(r["demand_id"], []).append(r)
            if rows is not None:
                rows.append(r)
    return {q: [r["item_id"] for r in sorted(
        v, key=lambda r: -float(r["score"]))][:K] for q, v in per.items()}


def run_search(exe, db, c, work):
    qpath = os.path.join(work, c.name + ".queries.jsonl")
    write_jsonl(qpath, [{"id": q, "text": t} for q, t in c.text.items()])
    out = run([exe, "--db", db, "search", "--queries", qpath, "--top",
               str(K), "--kind", kinds_of(c)]).stdout
    ranked = {}
    for r in csv.DictReader(out.splitlines()):
        ranked.setdefault(r["query_id"], []).append(r["item_id"])
    return ranked


# ---------------------------------------------------------------- peers
def run_peers(shared, c):
    qids = list(c.text)
    if c.lang == "en":
        base = load_module("baselines", os.path.join(
            shared, "datasets", "ir-classic", "baselines.py"))
        items = [{"id": i, "title": "", "abstract": t} for i, t in c.peer_docs]
        queries = [{"id": q, "text": c.text[q]} for q in qids]
        res = {"sklearn": base.run_tfidf(items, queries)}
        tmp = tempfile.mkdtemp(prefix="suite-xapian-")
        try:
            db = base.build_xapian(items, tmp)
            res["xapian"], _ = base.run_xapian(db, queries, lower=True)
            db.close()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return res
    peer = load_module("peer", os.path.join(shared, "bench", "peer.py"))
    cjk = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    peer._TOKEN_RE = re.compile(f"[{cjk}]+|[^\\W_{cjk}]+", re.UNICODE)
    d_ids = [i for i, _ in c.peer_docs]
    d_txt = [t for _, t in c.peer_docs]
    q_txt = [c.text[q] for q in qids]
    d_tok = [peer.tokenize(t) for t in d_txt]
    q_tok = [peer.tokenize(t) for t in q_txt]
    res = {}
    res["sklearn"], _ = peer.run_sklearn(d_ids, d_tok, qids, q_tok, K, 256)
    tmp = tempfile.mkdtemp(prefix="suite-xapian-")
    try:
        res["xapian"], _ = peer.run_xapian(d_ids, d_txt, d_tok, qids, q_txt,
                                           q_tok, K, os.path.join(tmp, "db"),
                                           False, 0.9, 0.4)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return res


# ---------------------------------------------------------------- grid
def read_grid(path):
    """[(name, text)] from blocks "== NAME" of config lines."""
    grid, name, lines = [], None, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^==\s*(\S+)", line)
            if m:
                if name:
                    grid.append((name, "".join(lines)))
                name, lines = m.group(1), []
            else:
                lines.append(line)
    if name:
        grid.append((name, "".join(lines)))
    return grid


def write_conf(work, name, text):
    """A config file: the shipped defaults, then the block's lines."""
    path = os.path.join(work, f"grid-{name}.conf")
    with open(os.path.join(ROOT, "datasets", "match.conf")) as f:
        base = f.read()
    with open(path, "w") as f:
        f.write(base + "\n" + text)
    return path


def loo_choice(scores, names, coll):
    """The grid entry with the best mean nDCG@10 over the collections other
    than coll (scores[name][collection])."""
    best, best_v = None, -1
    for n in names:
        vals = [v for c, v in scores[n].items() if c != coll]
        v = sum(vals) / max(1, len(vals))
        if v > best_v:
            best, best_v = n, v
    return best


def bar_of(name, res):
    """(metric, bar, what sets it) for a collection with a target, from its
    row of the table (the peers' figures of this run), else None."""
    if name not in BAR:
        return None
    metric, factor, fixed = BAR[name]
    cands = [(res[e][metric], e) for e in ("xapian", "sklearn") if e in res]
    cands.append((fixed, "search (issue)") if fixed is not None else
                 (res["search"][metric], "search"))
    best, who = max(cands)
    return metric, factor * best, f"{factor:g} x {who} {best:.3f}"


def rap_loss(exe, shared, work, config):
    em = load_module("eval_match", os.path.join(HERE, "eval_match.py"))
    res, mean = em.rap(exe, shared, work, range(1, 11), config, "")
    return mean["loss"], [r["loss"] for r in res]


def cross_agreement(c, rows):
    """csl-demands: how many found targets carry the right cross mark."""
    found = agree = 0
    for r in rows:
        target, label = c.cross.get(r["demand_id"], (None, None))
        if r["item_id"] == target:
            found += 1
            agree += (r["cross_domain"] == "1") == label
    return agree, found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kgmatch", default=os.path.join(ROOT, "kgmatch"))
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(),
                                                   "kgmatch-suite"))
    ap.add_argument("--only", default="")
    ap.add_argument("--grid", default=None)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--build-with", default=None,
                    help="a kgmatch that imports and indexes the "
                         "collections (default: --kgmatch)")
    ap.add_argument("--no-rap", action="store_true")
    ap.add_argument("--json", default=None, help="write every figure here")
    ap.add_argument("--pairs", default=None,
                    help="write the shipped default's scored pairs "
                         "(collection, need, item, score, grade) here")
    a = ap.parse_args()
    exe = os.path.abspath(a.kgmatch)
    global BUILD_EXE
    BUILD_EXE = a.build_with and os.path.abspath(a.build_with)
    os.makedirs(a.work, exist_ok=True)
    names = [n for n in ALL if not a.only or n in a.only.split(",")]
    grid = read_grid(a.grid) if a.grid else []
    confs = {n: write_conf(a.work, n, t) for n, t in grid}
    confs["default"] = None
    table, gscores, extra = {}, {n: {} for n in confs}, {}
    pairs = []
    t0 = time.perf_counter()
    for name in names:
        c = collection(a.shared, name)
        db = build_db(exe, a.work, c)
        res = {}
        for g, conf in confs.items():
            rows = []
            runs = run_match(exe, db, c, conf, rows)
            m = evaluate(runs, c.qrels)
            gscores[g][name] = m["ndcg@10"]
            res["match:" + g] = m
            if g == "default":
                for r in rows:
                    pairs.append((name, r["demand_id"], r["item_id"],
                                  float(r["score"]),
                                  c.qrels.get(r["demand_id"], {}).get(
                                      r["item_id"], 0),
                                  r["demand_id"] in c.qrels))
                if hasattr(c, "cross"):
                    extra[name + ":cross"] = cross_agreement(c, rows)
        res["search"] = evaluate(run_search(exe, db, c, a.work), c.qrels)
        if not a.no_peers:
            for e, r in run_peers(a.shared, c).items():
                res[e] = evaluate(r, c.qrels)
        table[name] = res
        print(f"  {name}: done ({time.perf_counter() - t0:.0f} s)",
              file=sys.stderr, flush=True)
    gnames = [n for n in confs if n != "default"] or ["default"]
    for name in names:
        pick = loo_choice(gscores, gnames, name) if grid else "default"
        table[name]["match LOO"] = dict(table[name]["match:" + pick],
                                        pick=pick)
        table[name]["match default"] = table[name]["match:default"]
    if not a.no_rap and (not a.only or "rap" in a.only.split(",")):
        loss, per = rap_loss(exe, a.shared, a.work, None)
        extra["rap"] = {"loss": loss, "per_variant": per}

    engines = ["match LOO", "match default", "search", "xapian", "sklearn"]
    print("nDCG@10 / MRR@10 / MAP@100 per collection and engine "
          "(match LOO: settings chosen without the collection)")
    print(f"{'collection':<18}{'n':>5}  " + "".join(f"{e:>22}"
                                                    for e in engines))
    for name in names:
        line = f"{name:<18}{table[name]['search']['n']:>5}  "
        for e in engines:
            m = table[name].get(e)
            line += (f"{m['ndcg@10']:>8.3f}{m['mrr@10']:>7.3f}"
                     f"{m['map@100']:>7.3f}") if m else f"{'-':>22}"
        print(line)
    print("the issue's bar (match LOO against it; the shipped default in "
          "brackets):")
    for name in names:
        b = bar_of(name, table[name])
        if b is None:
            continue
        metric, bar, why = b
        loo = table[name]["match LOO"][metric]
        dflt = table[name]["match default"][metric]
        print(f"  {name:<18}{metric:>8} bar {bar:.3f} ({why}): LOO {loo:.3f} "
              f"{'met' if loo >= bar else 'missed by %.3f' % (bar - loo)}"
              f" [default {dflt:.3f} {'met' if dflt >= bar else 'missed'}]")
    if grid:
        print("LOO picks: " + ", ".join(
            f"{n}={table[n]['match LOO']['pick']}" for n in names))
        print("grid nDCG@10: " + "; ".join(
            f"{g}: " + " ".join(f"{gscores[g][n]:.3f}" for n in names)
            for g in gnames))
    for k, v in extra.items():
        if k.endswith(":cross"):
            print(f"{k[:-6]} cross-domain mark agrees with the label for "
                  f"{v[0]} of {v[1]} targets found")
    if "rap" in extra:
        print(f"rap (reviewer gold, 10 variants): mean loss "
              f"{extra['rap']['loss']:.4f} (" + " ".join(
                  f"{x:.4f}" for x in extra["rap"]["per_variant"]) + ")")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"table": table, "grid": gscores, "extra": extra}, f,
                      indent=1)
    if a.pairs:
        write_pairs(a.pairs, pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
