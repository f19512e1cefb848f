#!/usr/bin/env python3
"""dbdump.py DB - a store's full content as compared by the crash and fault
tests: PRAGMA integrity_check must say ok, then every row of every table,
sorted, is hashed. Prints "RECORDS HASH"; exits 1 (with the check's
message) when the database is damaged. crash.py imports dump and differ."""
import hashlib
import json
import sqlite3
import sys


class Damaged(Exception):
    pass


# Left out of a harvest state: the counts of the last run (after a kill and
# a resume, the resumed part's) and the granularity, which a resumed
# harvest learns from Identify and a first run never asks for.
RUN_STATS = ("pages", "added", "updated", "unchanged", "deleted", "skipped",
             "bad", "granularity")


def norm(table, row):
    """A row as compared: a source's harvest state without RUN_STATS;
    everything else as stored."""
    if table == "meta" and str(row[0]).startswith("harvest/"):
        st = json.loads(row[1])
        return (row[0], {k: v for k, v in sorted(st.items())
                         if k not in RUN_STATS})
    return row


def dump(db):
    """(hash, record count, rows by table) of every row of every table."""
    c = sqlite3.connect(db)
    ok = c.execute("PRAGMA integrity_check").fetchall()
    if ok != [("ok",)]:
        raise Damaged(f"{db}: integrity_check says {ok[:5]}")
    h = hashlib.sha256()
    tables = [r[0] for r in c.execute(
        "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    rows = {}
    for t in tables:
        rows[t] = sorted(repr(norm(t, r))
                         for r in c.execute(f'SELECT * FROM "{t}"'))
        h.update(f"{t}:{len(rows[t])}\n".encode())
        for r in rows[t]:
            h.update(r.encode() + b"\n")
    n = c.execute("SELECT count(*) FROM record").fetchone()[0]
    c.close()
    return h.hexdigest(), n, rows


def differ(got, want):
    """The first rows that differ, table by table."""
    msg = []
    for t in sorted(set(got[2]) | set(want[2])):
        ga, gb = got[2].get(t, []), want[2].get(t, [])
        a, b = set(ga), set(gb)
        if ga != gb:
            msg.append(f"{t}: {len(ga)} rows, want {len(gb)}")
            msg.append(f"{t}: only after the kill {sorted(a - b)[:2]}, "
                       f"only uninterrupted {sorted(b - a)[:2]}")
    return "; ".join(msg)[:1500]



if __name__ == "__main__":
    try:
        h, n, _ = dump(sys.argv[1])
    except (Damaged, sqlite3.Error) as e:
        print(f"dbdump: {e}")
        sys.exit(1)
    print(n, h)
