import os
import re
import sys
import urllib.parse

from serve_harness import Server, demo_db

kg = sys.argv[1]
demo_db(kg, "t.db")
text = urllib.parse.quote("铝合金\n激光焊接 \\ weld")  # a newline, a backslash
asked = ["/api/v1/match?demand=D02&top=2",
         "/api/v1/match?text=" + text + "&top=3",
         "/api/v1/partners?demand=D01",
         "/api/v1/enterprises/C03/matches?top=2"]


def counts(s):
    return (s.metric('kgmatch_cache_total{result="hit"}'),
            s.metric('kgmatch_cache_total{result="miss"}'))


def ask_all(s):
    h0, m0 = counts(s)
    bodies = [s.get(u) for u in asked]
    h1, m1 = counts(s)
    return [b[0] for b in bodies], [b[2] for b in bodies], h1 - h0, m1 - m0


with Server(kg, "t.db") as s:
    codes, first, hits, misses = ask_all(s)
    print("first run:", codes, f"{hits:.0f} hits, {misses:.0f} misses")
    s.get(asked[0])  # used last: saved first
    print("stop:", s.stop())
lines = open("t.db.warm", encoding="utf-8").read().split("\n")
print("warm file:", lines[0], f"{len(lines) - 2} requests,",
      "the last used first:", lines[1].startswith("match\x1fD02\x1f"),
      "escaped:", "\\n激光焊接 \\\\ weld" in "".join(lines))

with Server(kg, "t.db") as s:
    m = re.search(r"answered (\d+) of the (\d+) requests kept in t\.db\.warm",
                  s.stderr())
    print("restart warmed:", m.groups() if m else s.stderr())
    codes, again, hits, misses = ask_all(s)
    print("after the restart:", codes, f"{hits:.0f} hits, {misses:.0f} "
          "misses", "same answers:", again == first)
    print("stop:", s.stop())

with open("t.db.warm", "w") as f:
    f.write("this is not a list\n")
with Server(kg, "t.db") as s:
    print("not a warm file:", "t.db.warm: line 1: not a list of kept "
          "requests" in s.stderr())
    codes, _, hits, misses = ask_all(s)
    print("served cold:", codes, f"{hits:.0f} hits, {misses:.0f} misses")
    print("stop:", s.stop())
lines = open("t.db.warm", encoding="utf-8").read().split("\n")
print("rewritten:", lines[0], f"{len(lines) - 2} requests")

with open("t.db.warm", "a") as f:
    f.write("match\x1fD01\\x\n")
with Server(kg, "t.db") as s:
    log = s.stderr()
    print("a bad line:", "t.db.warm: line 6: not a kept request; left out"
          in log, re.search(r"answered (\d+) of the (\d+)", log).groups())
    print("stop:", s.stop())

# what is left out, and why: answers of an earlier day, a key no route
# makes, a request that fails now (a demand no longer in the store)
left = ["match\x1fD02\x1f\x1f0\x1f2\x1f0\x1f-1",
        "enterprise\x1fC03\x1f0\x1f0\x1f2\x1f0\x1f-1\x1f2020-01-01",
        "partners\x1fD01\x1f\x1f10\x1f2020-01-01",
        "search\x1fD01",
        "match\x1fD99\x1f\x1f0\x1f2\x1f0\x1f-1",
        "match\x1fD98\x1f\x1f0\x1f2\x1f0\x1f-1"]
with open("t.db.warm", "w", encoding="utf-8") as f:
    f.write("kgmatch-kept-requests 1\n" + "".join(k + "\n" for k in left))
with Server(kg, "t.db") as s:
    m = re.search(r"answered (\d+) of the (\d+) requests kept in t\.db\.warm "
                  r"in [0-9.]+ s; left out: (.*)", s.stderr())
    print("left out, and why:", m.groups() if m else s.stderr())
    print("stop:", s.stop())

os.remove("t.db.warm")
with Server(kg, "t.db", "--warm-file", "none") as s:
    codes, _, hits, misses = ask_all(s)
    print("--warm-file none:", codes, "stop:", s.stop(),
          "file written:", os.path.exists("t.db.warm"))

# a place it cannot write: said once in the log, and the service goes on
with Server(kg, "t.db", "--warm-file", "no-such-dir/t.warm") as s:
    codes, _, hits, misses = ask_all(s)
    rc = s.stop()
    log = s.stderr()
    print("unwritable:", codes, "stop:", rc, "said:",
          log.count("kept requests not saved: ") == 1 and
          "no-such-dir" in log)

# a warm file whose keys crowd one set of a smaller cache (--cache 8: two
# sets of four ways, a key's set its FNV-1a hash mod 2, as
# cli/serve_app.c): five requests of one set and three of the other. The
# four most recently used of the crowded set are kept: a warmed answer
# never evicts a more recent one (one worker answers them in the file's
# order, so the least recent comes last and would evict one of the four).
def fnv1a(b):
    h = 14695981039346656037
    for c in b:
        h = ((h ^ c) * 1099511628211) & (2**64 - 1)
    return h


if os.path.exists("t.db.warm"):
    os.remove("t.db.warm")
urls = {f"D{i:02d}": f"/api/v1/match?demand=D{i:02d}&top=2"
        for i in range(1, 21)}
with Server(kg, "t.db") as s:
    for u in urls.values():
        s.get(u)
    s.stop()
kept = open("t.db.warm", "rb").read().split(b"\n")[1:-1]
sets = [[k for k in kept if fnv1a(k) % 2 == b] for b in (0, 1)]
crowd, other = (sets[0], sets[1]) if len(sets[0]) >= 5 else (sets[1], sets[0])
mine = crowd[:5] + other[:3]  # the most recently used first
with open("t.db.warm", "wb") as f:
    f.write(b"kgmatch-kept-requests 1\n" + b"".join(k + b"\n" for k in mine))


def url_of(k):
    return urls[k.split(b"\x1f")[1].decode()]


with Server(kg, "t.db", "--cache", "8", "--threads", "1") as s:
    m = re.search(r"answered (\d+) of the (\d+)", s.stderr())
    h0, m0 = counts(s)
    for k in crowd[:4] + other[:3]:
        s.get(url_of(k))
    h1, m1 = counts(s)
    s.get(url_of(crowd[4]))
    h2, m2 = counts(s)
    print("a crowded set:", m.groups() if m else None, "its four most "
          f"recent and the other set's three: {h1 - h0:.0f} hits, "
          f"{m1 - m0:.0f} misses; its fifth: {m2 - m1:.0f} miss")
    s.stop()
