#!/usr/bin/env python3
"""crash.py KGMATCH TOOLS KILLS [--seed N] [--log FILE] - the crash test.

kill -9 at random moments of four commands, KILLS landed kills in all
(a quarter each): `import` of a bigger demo set (tests/crash/gen.py),
`ingest` of a twelve-page OAI-PMH chain from the loopback test server
(tests/tools/testhttpd), `index --rebuild` and `match --all` (half of those
with the graph cache removed first, so the kill can land in its build).
A kill counts only when the killed run's status is -9 (the shell's 137);
runs that finished before the kill are counted apart. After every run:
PRAGMA integrity_check is ok, the index and the graph open (current or
rebuilt: `index` and `export --stats` succeed), a rerun of the command
completes, and then the store's full content (every row of every table,
sorted, hashed), the search results and the match output equal those of an
uninterrupted run. Each kill is logged with where it landed. Exits 1 on
the first difference."""
import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dbdump import Damaged, differ  # noqa: E402
from dbdump import dump as dump_db  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
NOW = "1714550400"
PAGES = 12
PER_PAGE = 20
SEARCH = ["铝灰 回收", "aluminium alloy welding", "印染废水"]


def die(msg):
    print(f"crash-test: FAIL: {msg}", flush=True)
    sys.exit(1)


class Env:
    def __init__(self, kg, tools, work):
        self.kg, self.tools, self.work = kg, tools, work
        self.env = dict(os.environ, KGMATCH_NOW=NOW, KGMATCH_DB="")

    def run(self, db, *args, out=None, check=True):
        r = subprocess.run([self.kg, "--db", db, *args], env=self.env,
                           stdout=out or subprocess.PIPE,
                           stderr=subprocess.PIPE, cwd=self.work)
        if check and r.returncode != 0:
            die(f"{' '.join(args)} exited {r.returncode}: "
                f"{r.stderr.decode(errors='replace')[-500:]}")
        return r


def dump(db):
    try:
        return dump_db(db)
    except Damaged as e:
        die(str(e))


def files(db):
    d, b = os.path.split(os.path.abspath(db))
    return sorted(f for f in os.listdir(d) if f.startswith(b))


def copy_db(src, dst):
    for f in files(dst):
        os.unlink(os.path.join(os.path.dirname(os.path.abspath(dst)), f))
    for f in files(src):
        s = os.path.join(os.path.dirname(os.path.abspath(src)), f)
        shutil.copy(s, os.path.abspath(dst) + f[len(os.path.basename(src)):])


def oai_pages(root):
    """A PAGES-page token chain of PER_PAGE records a page."""
    os.makedirs(os.path.join(root, "oai"), exist_ok=True)
    routes = []
    for p in range(1, PAGES + 1):
        recs = []
        for i in range((p - 1) * PER_PAGE, p * PER_PAGE):
            recs.append(f"""<record><header><identifier>oai:crash.example:{i:04d}</identifier>
<datestamp>2024-04-{1 + i % 28:02d}</datestamp></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>铝灰资源化 {i} / Aluminium dross recovery {i}</dc:title>
<dc:creator>作者{i % 17}</dc:creator><dc:subject>materials</dc:subject>
<dc:description>Recovering aluminium and alumina from dross, case {i}.</dc:description>
<dc:date>{2015 + i % 9}</dc:date><dc:publisher>Ocean University of China</dc:publisher>
</oai_dc:dc></metadata></record>""")
        tok = (f'<resumptionToken completeListSize="{PAGES * PER_PAGE}">t{p + 1}'
               '</resumptionToken>' if p < PAGES else "<resumptionToken/>")
        with open(os.path.join(root, "oai", f"p{p}.xml"), "w",
                  encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH '
                    'xmlns="http://www.openarchives.org/OAI/2.0/">'
                    "<responseDate>2024-05-01T08:00:00Z</responseDate>"
                    "<ListRecords>" + "\n".join(recs) + tok +
                    "</ListRecords></OAI-PMH>\n")
        arg = ("metadataPrefix=oai_dc" if p == 1 else f"resumptionToken=t{p}")
        routes.append(f"/oai?verb=ListRecords&{arg} 200 stall=0.02 "
                      f"file=oai/p{p}.xml")
    with open(os.path.join(root, "routes"), "w") as f:
        f.write("\n".join(routes) + "\n")


def start_server(e, root):
    portf = os.path.join(root, ".port")
    srv = subprocess.Popen(
        [os.path.join(e.tools, "testhttpd"), "--routes",
         os.path.join(root, "routes"), "--root", root, "--port-file", portf,
         "--log", os.path.join(root, "http.log"), "--lifetime", "3600"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        if os.path.exists(portf) and os.path.getsize(portf) > 0:
            break
        time.sleep(0.05)
    with open(portf) as f:
        return srv, int(f.read().strip())


class Phase:
    """One command killed again and again: setup() puts the store in its
    starting state, cmd is the command, check() compares the outcome of
    the rerun with the uninterrupted run."""

    def __init__(self, name, cmd, setup, check, out=None):
        self.name, self.cmd, self.setup, self.check = name, cmd, setup, check
        self.out = out
        self.kills = self.finished = 0
        self.where = []


def timed_run(e, db, args, out_path, delay):
    """Runs the command, kills it after delay s; returns (status, elapsed)."""
    out = open(out_path, "wb") if out_path else subprocess.DEVNULL
    t0 = time.monotonic()
    p = subprocess.Popen([e.kg, "--db", db, *args], env=e.env, stdout=out,
                         stderr=subprocess.DEVNULL, cwd=e.work)
    time.sleep(delay)
    try:
        p.send_signal(signal.SIGKILL)
    except ProcessLookupError:
        pass
    rc = p.wait()
    el = time.monotonic() - t0
    if out_path:
        out.close()
    return rc, el


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kgmatch")
    ap.add_argument("tools")
    ap.add_argument("kills", type=int)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--log", default="crash-test.log")
    ap.add_argument("--copies", type=int, default=5)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="kgcrash.")
    log = open(a.log, "w", encoding="utf-8")
    e = Env(os.path.abspath(a.kgmatch), os.path.abspath(a.tools), work)
    srv = None
    try:
        gen = os.path.join(work, "gen")
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"),
                        os.path.join(TOP, "datasets", "demo"), gen,
                        str(a.copies)], check=True)
        oai_pages(work)
        srv, port = start_server(e, work)
        kinds = ["institution", "enterprise", "expert", "achievement",
                 "patent", "demand"]
        fname = {k: os.path.join(gen, (k[:-1] + "ies" if k.endswith("y")
                                       else k + "s") + ".jsonl")
                 for k in kinds}
        base = os.path.join(work, "base.db")  # before the killed import
        ref = os.path.join(work, "ref.db")  # every step, uninterrupted
        e.run(base, "init")
        for k in kinds[:3]:
            e.run(base, "import", "--kind", k, "--source", "demo", fname[k])
        e.run(base, "sources", "add", "crash", "--allow-private", "yes",
              "--type", "oai-pmh", "--url",
              f"http://127.0.0.1:{port}/oai")
        imp = ["import", "--kind", "achievement", "--source", "demo",
               fname["achievement"]]
        ing = ["ingest", "--delay", "0", "--backoff", "0.05", "--quiet",
               "--lock-wait", "10"]
        # the uninterrupted run, step by step
        copy_db(base, ref)
        t = time.monotonic()
        e.run(ref, *imp)
        t_imp = time.monotonic() - t
        after_import = dump(ref)
        mid = os.path.join(work, "mid.db")  # after import, before ingest
        copy_db(ref, mid)
        t = time.monotonic()
        e.run(ref, *ing)
        t_ing = time.monotonic() - t
        after_ingest = dump(ref)
        for k in kinds[4:]:
            e.run(ref, "import", "--kind", k, "--source", "demo", fname[k])
        full = dump(ref)
        t = time.monotonic()
        e.run(ref, "index", "--rebuild")
        t_ix = time.monotonic() - t
        ref_search = [e.run(ref, "search", q, "--top", "50").stdout
                      for q in SEARCH]
        if os.path.exists(ref + ".graph"):
            os.unlink(ref + ".graph")
        t = time.monotonic()
        ref_match = e.run(ref, "match", "--all", "--format", "csv").stdout
        t_match = time.monotonic() - t
        print(f"crash-test: seed {a.seed}; uninterrupted: import "
              f"{t_imp:.2f} s, ingest {t_ing:.2f} s ({PAGES} pages), index "
              f"{t_ix:.2f} s, match --all {t_match:.2f} s; "
              f"{full[1]} records", flush=True)
        w = os.path.join(work, "w.db")

        def same_store(want, what):
            got = dump(w)
            if got[:2] != want[:2]:
                die(f"{what}: store differs from the uninterrupted run "
                    f"({got[1]} records, want {want[1]}): "
                    f"{differ(got, want)}")

        def caches_open():
            """index and graph open (current or rebuilt); what happened."""
            how = []
            for name, args in (("index", ["index"]),
                               ("graph", ["export", "--stats"])):
                g = w + (".idx" if name == "index" else ".graph")
                had = os.path.exists(g)
                r = e.run(w, *args, check=False)
                if r.returncode != 0:
                    die(f"{name} after a kill: {r.stderr.decode()[-300:]}")
                how.append(f"{name} " + ("rebuilt" if b"rebuild" in r.stderr
                                         else "current" if had else "built"))
            return ", ".join(how)

        def check_import():
            e.run(w, *imp)
            same_store(after_import, "import")

        def check_ingest():
            e.run(w, *ing)
            same_store(after_ingest, "ingest")

        def check_index():
            same_store(full, "index")
            e.run(w, "index")
            for q, want in zip(SEARCH, ref_search):
                if e.run(w, "search", q, "--top", "50").stdout != want:
                    die(f"search {q!r} after an index kill differs")

        def check_match():
            same_store(full, "match")
            got = e.run(w, "match", "--all", "--format", "csv").stdout
            if got != ref_match:
                die("match --all after a kill differs")

        phases = [
            Phase("import", imp, lambda: copy_db(base, w), check_import),
            Phase("ingest", ing, lambda: copy_db(mid, w), check_ingest),
            Phase("index", ["index", "--rebuild"], lambda: copy_db(ref, w),
                  check_index),
            Phase("match", ["match", "--all", "--format", "csv"],
                  lambda: copy_db(ref, w), check_match, out="m.csv"),
        ]
        clean = {"import": t_imp, "ingest": t_ing, "index": t_ix,
                 "match": t_match}
        want = [a.kills // 4 + (1 if i < a.kills % 4 else 0)
                for i in range(4)]
        for ph, n in zip(phases, want):
            tries = 0
            while ph.kills < n:
                tries += 1
                if tries > 20 * n + 20:
                    die(f"{ph.name}: too few kills landed")
                ph.setup()
                nocache = ph.name == "match" and tries % 2 == 0
                if nocache and os.path.exists(w + ".graph"):
                    os.unlink(w + ".graph")
                delay = rnd.uniform(0.0, 1.1 * clean[ph.name])
                before = dump(w)[1]
                out = os.path.join(work, ph.out) if ph.out else None
                rc, el = timed_run(e, w, ph.cmd, out, delay)
                # where it landed: records stored, leftovers beside the db
                state = dump(w)[1]
                left = [f for f in files(w) if ".tmp" in f]
                if rc == -signal.SIGKILL:
                    ph.kills += 1
                    kind = "kill"
                elif rc == 0:
                    ph.finished += 1
                    kind = "finished"
                else:
                    die(f"{ph.name}: exited {rc} before the kill")
                rebuilt = caches_open()
                log.write(
                    f"{ph.name}\t{kind}\tat {el:.3f} s\t"
                    f"{100 * el / clean[ph.name]:.0f}% of a clean run\t"
                    f"records {before}->{state}\t"
                    f"{'graph cache removed' if nocache else 'graph cached'}"
                    f"\tleftover {','.join(left) or '-'}\t{rebuilt}\n")
                log.flush()
                for f in left:  # the next run must not depend on them
                    os.unlink(os.path.join(work, f))
                ph.check()
            print(f"crash-test: {ph.name}: {ph.kills} kills landed "
                  f"(status 137), {ph.finished} runs finished first; "
                  f"every rerun equal to the uninterrupted run", flush=True)
        total = sum(p.kills for p in phases)
        print(f"crash-test: {total} kills survived, 0 records lost, "
              f"0 duplicated (log: {a.log})")
    finally:
        if srv:
            srv.kill()
            srv.wait()
        shutil.rmtree(work, ignore_errors=True)
        log.close()


main()
