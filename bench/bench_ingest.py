#!/usr/bin/python3
"""bench_ingest.py - records/s of `kgmatch ingest` on the shared fixtures.

OAI-PMH: the real DSpace ListRecords pages of shared/datasets/fixtures/
oai-pmh/erasmus-dspace (81 + 16 records) served as a resumptionToken chain
of PAGES pages by the loopback test server (identifiers made unique per
page, so every record is a new one), harvested with `kgmatch ingest`.

USPTO: the v4.x grant and application samples of shared/datasets/fixtures/
patents/uspto-samples concatenated into one weekly-style bulk file of DOCS
documents (publication numbers made unique), ingested from the file.

Each figure is the wall time of the `kgmatch ingest` command alone, best
of --repeat runs, each on a fresh database. Usage:

    bench/bench_ingest.py --kgmatch build/kgmatch --shared ../shared
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def find_server(kgmatch):
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(here)
    for c in (os.path.join(os.path.dirname(os.path.abspath(kgmatch)),
                           "tests", "tools", "testhttpd"),
              os.path.join(top, "build", "tests", "tools", "testhttpd")):
        if os.access(c, os.X_OK):
            return c
    subprocess.run(["make", "-s", "-C", top, "build/tests/tools/testhttpd"],
                   check=True)
    return os.path.join(top, "build", "tests", "tools", "testhttpd")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, **kw)


def timed_ingest(kgmatch, db, setup):
    """Fresh database, sources from setup(db), then the timed ingest."""
    for suffix in ("", "-wal", "-shm", ".ingest.lock"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    run([kgmatch, "--db", db, "init"])
    setup(db)
    t0 = time.perf_counter()
    out = run([kgmatch, "--db", db, "ingest", "--delay", "0", "--quiet"])
    dt = time.perf_counter() - t0
    return dt, out.stdout.strip()


def records_in(summary):
    m = re.search(r"(\d+) records \((\d+) added", summary)
    return int(m.group(2)) if m else 0


def bench_oai(args, work):
    src = os.path.join(args.shared, "datasets", "fixtures", "oai-pmh",
                       "erasmus-dspace")
    pages = []
    for name in ("fake2/00002.xml", "fake1/00005.xml"):
        with open(os.path.join(src, name), encoding="utf-8") as f:
            pages.append(f.read())
    root = os.path.join(work, "oai")
    os.makedirs(root)
    routes = []
    total_bytes = 0
    for i in range(args.pages):
        text = pages[i % len(pages)]
        # Unique identifiers per page; the token to the next page.
        text = text.replace("<identifier>hdl:1765/",
                            "<identifier>hdl:1765/p%d-" % i)
        text = re.sub(r"<resumptionToken[^>]*/>|<resumptionToken.*?"
                      r"</resumptionToken>", "", text, flags=re.S)
        if i + 1 < args.pages:
            text = text.replace("</ListRecords>",
                                "<resumptionToken>page-%d</resumptionToken>"
                                "</ListRecords>" % (i + 1))
        name = "page-%d.xml" % i
        with open(os.path.join(root, name), "w", encoding="utf-8") as f:
            f.write(text)
        total_bytes += len(text.encode("utf-8"))
        if i == 0:
            routes.append("/oai?verb=ListRecords&metadataPrefix=oai_dc "
                          "200 file=%s" % name)
        else:
            routes.append("/oai?verb=ListRecords&resumptionToken=page-%d "
                          "200 file=%s" % (i, name))
    with open(os.path.join(root, "routes"), "w") as f:
        f.write("\n".join(routes) + "\n")
    server = find_server(args.kgmatch)
    port_file = os.path.join(root, "port")
    proc = subprocess.Popen([server, "--routes", os.path.join(root, "routes"),
                             "--root", root, "--port-file", port_file,
                             "--lifetime", "3600"])
    try:
        for _ in range(400):
            if os.path.exists(port_file) and os.path.getsize(port_file):
                break
            time.sleep(0.05)
        with open(port_file) as f:
            base = "http://127.0.0.1:%s/oai" % f.read().strip()

        def setup(db):
            run([args.kgmatch, "--db", db, "sources", "add", "erasmus",
                 "--allow-private", "yes", "--type", "oai-pmh", "--url", base])

        best = None
        for _ in range(args.repeat):
            dt, summary = timed_ingest(args.kgmatch,
                                       os.path.join(work, "oai.db"), setup)
            if best is None or dt < best[0]:
                best = (dt, summary)
    finally:
        proc.terminate()
        proc.wait()
    dt, summary = best
    n = records_in(summary)
    print("oai-pmh:   %d records, %d pages, %.1f MB in %.2f s = %.0f "
          "records/s" % (n, args.pages, total_bytes / 1e6, dt, n / dt))
    print("           " + summary)
    return n / dt


def bench_uspto(args, work):
    src = os.path.join(args.shared, "datasets", "fixtures", "patents",
                       "uspto-samples")
    docs = []
    for sub in ("xml2004", "xml2006", "xml2014", "xmlApp2004"):
        d = os.path.join(src, sub)
        for name in sorted(os.listdir(d)):
            with open(os.path.join(d, name), encoding="utf-8") as f:
                text = f.read()
            if not text.endswith("\n"):
                text += "\n"
            docs.append(text)
    bulk = os.path.join(work, "bulk.xml")
    size = 0
    with open(bulk, "w", encoding="utf-8") as f:
        for i in range(args.docs):
            text = docs[i % len(docs)]
            # A unique publication number: the first doc-number is the
            # publication reference's.
            text = re.sub(r"<doc-number>[^<]*</doc-number>",
                          "<doc-number>9%07d</doc-number>" % i, text, count=1)
            f.write(text)
            size += len(text.encode("utf-8"))

    def setup(db):
        run([args.kgmatch, "--db", db, "sources", "add", "bulk", "--type",
             "uspto-xml", "--url", bulk])

    best = None
    for _ in range(args.repeat):
        dt, summary = timed_ingest(args.kgmatch,
                                   os.path.join(work, "uspto.db"), setup)
        if best is None or dt < best[0]:
            best = (dt, summary)
    dt, summary = best
    n = records_in(summary)
    print("uspto-xml: %d records from %d documents, %.1f MB in %.2f s = "
          "%.0f records/s (%.1f MB/s)" % (n, args.docs, size / 1e6, dt,
                                          n / dt, size / 1e6 / dt))
    print("           " + summary)
    return n / dt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kgmatch", required=True)
    ap.add_argument("--shared", required=True)
    ap.add_argument("--pages", type=int, default=50,
                    help="OAI-PMH pages in the chain (default 50)")
    ap.add_argument("--docs", type=int, default=400,
                    help="documents in the USPTO bulk file (default 400)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    args.kgmatch = os.path.abspath(args.kgmatch)
    if not os.path.isdir(os.path.join(args.shared, "datasets", "fixtures")):
        print("bench_ingest: no fixtures under %s" % args.shared,
              file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="kg-bench-ingest-")
    try:
        bench_oai(args, work)
        bench_uspto(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
