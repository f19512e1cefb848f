import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse

from serve_harness import Server, demo_db

kg = sys.argv[1]
demo_db(kg, "t.db")

p = subprocess.run([kg, "--db", "t.db", "serve", "--budget-ms", "0"],
                   capture_output=True, text=True, timeout=30)
print(f"--budget-ms 0: rc={p.returncode} {p.stderr.splitlines()[0]}")

# A long need (the titles of the demo's achievements, some 1,200 bytes):
# matching it takes several milliseconds, far over a budget of 1 ms.
demo = os.path.join(os.environ["TESTS"], "..", "datasets", "demo")
need = ""
with open(os.path.join(demo, "achievements.jsonl"), encoding="utf-8") as f:
    for line in f:
        need += json.loads(line)["title"] + " "
        if len(need.encode()) > 1200:
            break
slow = "/api/v1/match?top=100&" + urllib.parse.urlencode({"text": need})

with Server(kg, "t.db", "--budget-ms", "1", "--cache", "0") as s:
    answers = [s.json("GET", slow) for _ in range(5)]
    print("5 matches at --budget-ms 1:",
          sorted({(st, b["error"]["code"]) for st, b in answers}))
    print("message:", answers[0][1]["error"]["message"].split(" (")[0])
    print("a demand at --budget-ms 1:",
          s.json("GET", "/api/v1/match?demand=D01")[1]["error"]["code"])
    print("healthz needs no budget:", s.get("/healthz")[0])
    time.sleep(0.5)
    print("timeouts counted:",
          s.metric('kgmatch_http_timeouts_total{route="match"}'),
          "503s counted:",
          s.metric('kgmatch_http_requests_total{route="match",code="503"}'))

with Server(kg, "t.db", log="serve2.log") as s:
    st, b = s.json("GET", slow)
    print("the same need at the default budget:", st,
          len(b["demands"][0]["matches"]) > 0)
    # One connection, three requests: kept alive, not closed per request.
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    socks, heads = set(), set()
    for d in ("D01", "D02", "D03"):
        c.request("GET", "/api/v1/match?top=3&demand=" + d)
        r = c.getresponse()
        r.read()
        socks.add(id(c.sock))
        heads.add(r.getheader("Connection", ""))
    c.close()
    print("3 requests on one connection:", len(socks) == 1,
          "Connection: close sent:", "close" in heads)

    # A burst: 64 clients at once, 8 requests each over the demo's demands
    # and a text need (cache cold at first), every answer 200.
    ids = [f"D{i:02d}" for i in range(1, 41)]
    codes = {}
    lock = threading.Lock()

    def client(k):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        for j in range(8):
            n = k * 8 + j
            path = ("/api/v1/match?top=5&demand=" + ids[n % len(ids)]
                    if n % 5 else "/api/v1/match?top=5&text=%E5%8D%B0%E6"
                    "%9F%93%E5%BA%9F%E6%B0%B4")
            try:
                c.request("GET", path)
                r = c.getresponse()
                r.read()
                code = r.status
            except (OSError, http.client.HTTPException) as e:
                code = type(e).__name__
                c.close()
                c = http.client.HTTPConnection("127.0.0.1", s.port,
                                               timeout=60)
            with lock:
                codes[code] = codes.get(code, 0) + 1
        c.close()

    time.sleep(0.5)  # a request is counted once its answer has gone out
    before = s.metric('kgmatch_http_requests_total{route="match"')
    ts = [threading.Thread(target=client, args=(k,)) for k in range(64)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    time.sleep(0.5)
    after = s.metric('kgmatch_http_requests_total{route="match"')
    print("64 clients x 8 requests:", codes,
          "/metrics counted:", int(after - before))

    # 16 clients ask at once for the same cold answer (the long need):
    # one computes it, the others wait for it and take it from the cache.
    hits0 = s.metric('kgmatch_cache_total{result="hit"}')
    start = threading.Barrier(16)
    got = []

    def same(k):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        start.wait()
        c.request("GET", slow.replace("top=100", "top=10"))
        r = c.getresponse()
        got.append((r.status, r.read()))
        c.close()

    ts = [threading.Thread(target=same, args=(k,)) for k in range(16)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    time.sleep(0.5)
    print("16 at once for one cold answer:",
          sorted({st for st, _ in got}), "alike:", len({b for _, b in got}),
          "from the cache:",
          int(s.metric('kgmatch_cache_total{result="hit"}') - hits0))
    print("stop:", s.stop())
