#!/usr/bin/env python3
"""gen.py DEMO_DIR OUT_DIR COPIES - a bigger store for the crash test: COPIES
copies of the demo set, each record's id and every id it references given
the copy's suffix (names stay, so name references resolve the same way in
every run). Deterministic: the same arguments give the same files."""
import json
import os
import re
import sys

KINDS = ["institutions", "enterprises", "experts", "achievements", "patents",
         "demands"]
ID = re.compile(r"^(A\d{4}|D\d{2}|C\d{2}|E\d{3}|I\d{2}|CN\d+[A-Z]\d?)$")


def suffix(v, k):
    if isinstance(v, str):
        return f"{v}-{k}" if ID.match(v) else v
    if isinstance(v, list):
        return [suffix(x, k) for x in v]
    return v


def main():
    src, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    for kind in KINDS:
        with open(os.path.join(src, kind + ".jsonl"), encoding="utf-8") as f:
            recs = [json.loads(line) for line in f if line.strip()]
        with open(os.path.join(out, kind + ".jsonl"), "w",
                  encoding="utf-8") as f:
            for k in range(copies):
                for r in recs:
                    c = {key: suffix(val, k) for key, val in r.items()}
                    f.write(json.dumps(c, ensure_ascii=False) + "\n")


main()
