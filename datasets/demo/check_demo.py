#!/usr/bin/env python3
"""Validate the demo data set in datasets/demo (or the directory given).

Checks that every line parses, required fields have the right types, ids are
unique, every reference by id resolves, names that do not resolve are
reported (the importer turns them into stub records), gold.tsv is well formed
and points at existing records, and the counts meet the documented minimums.
If make_demo.py sits beside the data, it is re-run into a temporary
directory and the output must be byte-identical (the data is generated).
Exit status 0 when all is well; each problem is printed as FILE:LINE: message.

    python3 datasets/demo/check_demo.py [DIR]
"""
import datetime
import filecmp
import json
import os
import re
import subprocess
import sys
import tempfile

STR, LIST, INT = "string", "list of strings", "integer"
SCHEMA = {
    "institutions": {"id": STR, "name": STR, "aliases": LIST, "kind": STR,
                     "country": STR, "region": STR, "url": STR},
    "experts": {"id": STR, "name": STR, "institution": STR, "fields": LIST,
                "keywords": LIST, "bio": STR, "orcid?": STR, "email?": STR},
    "achievements": {"id": STR, "title": STR, "abstract": STR, "keywords": LIST,
                     "fields": LIST, "institution": STR, "experts": LIST,
                     "year": INT, "maturity": INT, "url": STR, "source": STR},
    "patents": {"id": STR, "title": STR, "abstract": STR, "claims": STR,
                "ipc": LIST, "applicants": LIST, "inventors": LIST, "date": STR,
                "cites": LIST},
    "enterprises": {"id": STR, "name": STR, "industry": STR, "region": STR,
                    "description": STR},
    "demands": {"id": STR, "enterprise": STR, "title": STR, "description": STR,
                "keywords": LIST, "fields": LIST, "budget": STR, "deadline": STR},
}
MINIMUM = {"institutions": 12, "experts": 80, "achievements": 150,
           "patents": 80, "enterprises": 20, "demands": 40}
ID_FORM = {
    "institutions": r"I\d{2}", "experts": r"E\d{3}", "achievements": r"A\d{4}",
    "patents": r"(CN\d{9}[ABU]|US\d{8}B[12]|US\d{11}A1)",
    "enterprises": r"C\d{2}", "demands": r"D\d{2}",
}
IPC = re.compile(r"[A-H]\d{2}[A-Z] \d{1,4}/\d{2,6}")
ORCID = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
KINDS = ("university", "institute", "enterprise-lab")
MIN_GOLD_ROWS, MIN_ROWS_PER_DEMAND, MIN_CROSS_DEMANDS = 120, 2, 10

problems = []


def bad(where, msg):
    problems.append("%s: %s" % (where, msg))


def type_ok(value, kind):
    if kind == STR:
        return isinstance(value, str) and value.strip() != ""
    if kind == LIST:
        return isinstance(value, list) and all(
            isinstance(v, str) and v.strip() for v in value)
    return isinstance(value, int) and not isinstance(value, bool)


def load(d, kind):
    path = os.path.join(d, kind + ".jsonl")
    recs = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            where = "%s.jsonl:%d" % (kind, n)
            try:
                r = json.loads(line)
            except ValueError as e:
                bad(where, "not JSON (%s)" % e)
                continue
            if not isinstance(r, dict):
                bad(where, "not an object")
                continue
            for field, t in SCHEMA[kind].items():
                optional = field.endswith("?")
                field = field.rstrip("?")
                if field not in r:
                    if not optional:
                        bad(where, "missing %s" % field)
                elif not type_ok(r[field], t):
                    bad(where, "%s must be of type %s" % (field, t))
            extra = set(r) - {f.rstrip("?") for f in SCHEMA[kind]}
            if extra:
                bad(where, "unknown fields %s" % sorted(extra))
            r["_where"] = where
            recs.append(r)
    return recs


def is_date(s):
    try:
        datetime.date.fromisoformat(s)
        return True
    except (TypeError, ValueError):
        return False


def orcid_ok(s):
    digits = s.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    data = {k: load(d, k) for k in SCHEMA}
    by_id = {}
    for kind, recs in data.items():
        seen = set()
        for r in recs:
            rid = r.get("id")
            if not isinstance(rid, str):
                continue
            if not re.fullmatch(ID_FORM[kind], rid):
                bad(r["_where"], "id %r does not look like a %s id" % (rid, kind))
            if rid in seen:
                bad(r["_where"], "duplicate id %s" % rid)
            if rid in by_id:
                bad(r["_where"], "id %s is also used by another kind" % rid)
            seen.add(rid)
            by_id[rid] = (kind, r)
        if len(recs) < MINIMUM[kind]:
            bad(kind + ".jsonl", "%d records, minimum %d" % (len(recs), MINIMUM[kind]))

    # Names an importer can resolve: institution names and aliases, expert
    # and enterprise names.  Anything else given by name becomes a stub.
    inst_names = {}
    for r in data["institutions"]:
        for n in [r.get("name")] + list(r.get("aliases") or []):
            if n in inst_names and inst_names[n] != r["id"]:
                bad(r["_where"], "name or alias %r also names %s" % (n, inst_names[n]))
            inst_names[n] = r["id"]
    expert_names = {r.get("name") for r in data["experts"]}
    ent_names = {r.get("name") for r in data["enterprises"]}
    stubs = set()

    def ref(where, value, kinds, names):
        """A reference is an id of one of kinds, or a name (maybe a stub)."""
        if not isinstance(value, str):
            return
        for kind, form in ((k, ID_FORM[k]) for k in kinds):
            if re.fullmatch(form, value):
                if by_id.get(value, (None,))[0] != kind:
                    bad(where, "reference %s does not exist" % value)
                return
        if value not in names:
            stubs.add(value)

    for r in data["institutions"]:
        if r.get("kind") not in KINDS:
            bad(r["_where"], "kind must be one of %s" % (KINDS,))
    for r in data["experts"]:
        ref(r["_where"], r.get("institution"), ["institutions"], inst_names)
        if "orcid" in r and not (ORCID.fullmatch(r["orcid"]) and orcid_ok(r["orcid"])):
            bad(r["_where"], "bad ORCID %r" % r["orcid"])
        if "email" in r and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", r["email"]):
            bad(r["_where"], "bad email %r" % r["email"])
    for r in data["achievements"]:
        ref(r["_where"], r.get("institution"), ["institutions"], inst_names)
        for e in r.get("experts") or []:
            ref(r["_where"], e, ["experts"], expert_names)
        if type_ok(r.get("year"), INT) and not 2015 <= r["year"] <= 2025:
            bad(r["_where"], "year %d outside 2015-2025" % r["year"])
        if type_ok(r.get("maturity"), INT) and not 1 <= r["maturity"] <= 9:
            bad(r["_where"], "maturity %d outside TRL 1-9" % r["maturity"])
    for r in data["patents"]:
        if not is_date(r.get("date")):
            bad(r["_where"], "date %r is not YYYY-MM-DD" % r.get("date"))
        for c in r.get("ipc") or []:
            if not IPC.fullmatch(c):
                bad(r["_where"], "IPC %r is not like 'C22C 21/02'" % c)
        for a in r.get("applicants") or []:
            ref(r["_where"], a, ["institutions", "enterprises"],
                set(inst_names) | ent_names)
        for i in r.get("inventors") or []:
            ref(r["_where"], i, ["experts"], expert_names)
        for c in r.get("cites") or []:
            if by_id.get(c, (None,))[0] != "patents":
                bad(r["_where"], "cites unknown patent %s" % c)
            elif by_id[c][1].get("date", "") > r.get("date", ""):
                bad(r["_where"], "cites %s, published later" % c)
            if c == r.get("id"):
                bad(r["_where"], "cites itself")
    for r in data["demands"]:
        ref(r["_where"], r.get("enterprise"), ["enterprises"], ent_names)
        if not is_date(r.get("deadline")):
            bad(r["_where"], "deadline %r is not YYYY-MM-DD" % r.get("deadline"))

    gold = os.path.join(d, "gold.tsv")
    rows, pairs, per_demand, cross_demands, cross_rows = 0, set(), {}, set(), 0
    with open(gold, encoding="utf-8") as f:
        header = f.readline().rstrip("\n")
        if header != "demand_id\titem_id\trelevance\tcross_domain":
            bad("gold.tsv:1", "header is %r" % header)
        for n, line in enumerate(f, 2):
            where = "gold.tsv:%d" % n
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 4:
                bad(where, "expected 4 tab-separated columns")
                continue
            dem, item, rel, cross = cols
            rows += 1
            if by_id.get(dem, (None,))[0] != "demands":
                bad(where, "unknown demand %s" % dem)
            if by_id.get(item, (None,))[0] not in (
                    "achievements", "patents", "experts", "institutions"):
                bad(where, "unknown item %s" % item)
            if rel not in ("0", "1", "2", "3"):
                bad(where, "relevance %r not 0-3" % rel)
            if cross not in ("0", "1"):
                bad(where, "cross_domain %r not 0/1" % cross)
            if (dem, item) in pairs:
                bad(where, "duplicate pair %s %s" % (dem, item))
            pairs.add((dem, item))
            per_demand[dem] = per_demand.get(dem, 0) + 1
            if cross == "1":
                cross_rows += 1
                if rel in ("2", "3"):
                    cross_demands.add(dem)
    if rows < MIN_GOLD_ROWS:
        bad("gold.tsv", "%d rows, minimum %d" % (rows, MIN_GOLD_ROWS))
    for r in data["demands"]:
        if per_demand.get(r.get("id"), 0) < MIN_ROWS_PER_DEMAND:
            bad("gold.tsv", "demand %s has fewer than %d rows"
                % (r.get("id"), MIN_ROWS_PER_DEMAND))
    if len(cross_demands) < MIN_CROSS_DEMANDS:
        bad("gold.tsv", "only %d demands have a cross-domain answer of relevance >= 2"
            % len(cross_demands))

    gen = os.path.join(d, "make_demo.py")
    if os.path.exists(gen):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, gen, tmp], check=True,
                           stdout=subprocess.DEVNULL)
            for name in sorted(os.listdir(tmp)):
                if not filecmp.cmp(os.path.join(tmp, name),
                                   os.path.join(d, name), shallow=False):
                    bad(name, "differs from what make_demo.py generates")

    for p in problems:
        print(p)
    print("%s; gold %d rows (%d cross-domain, %d demands with a cross-domain "
          "answer); %d names left to stub records: %s" % (
              ", ".join("%s %d" % (k, len(v)) for k, v in data.items()),
              rows, cross_rows, len(cross_demands), len(stubs),
              ", ".join(sorted(stubs))))
    print("%d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
