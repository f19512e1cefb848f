import json
import re
import subprocess
import sys
import threading
import time

from serve_harness import Server, demo_db

kg = sys.argv[1]
demo_db(kg, "t.db")
with open("more.jsonl", "w") as f:
    for i in range(300):
        f.write(json.dumps({"id": f"DX{i:03d}", "enterprise": "C03",
                            "title": f"铝合金激光焊接工艺优化 第{i}批",
                            "keywords": ["激光焊接", "铝合金"]},
                           ensure_ascii=False) + "\n")


def store_version():
    out = subprocess.run([kg, "--db", "t.db", "stats", "--format", "json"],
                         capture_output=True, check=True).stdout
    return json.loads(out)["version"]


with Server(kg, "t.db", "--threads", "2") as s:
    stop = threading.Event()
    codes, lock = [], threading.Lock()

    def reader():
        while not stop.is_set():
            st, _, _ = s.get("/api/v1/match?demand=D01&top=3")
            with lock:
                codes.append((time.time(), st))

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for r in readers:
        r.start()
    time.sleep(0.5)
    before = s.get("/api/v1/match?demand=D01&top=3")[2]
    # two answers kept once, which the readers do not ask for
    kept = ["/api/v1/match?demand=D02&top=2", "/api/v1/partners?demand=D01"]
    for u in kept:
        s.get(u)
    # while the import writes, the files move at every write: a request
    # then has a worker note the move and still reads the kept answer
    miss_before = s.metric('kgmatch_cache_total{result="miss"}')
    t0 = time.time()
    imp = subprocess.run([kg, "--db", "t.db", "import", "--kind", "demand",
                          "more.jsonl"], capture_output=True, text=True)
    t1 = time.time()
    print("import:", imp.returncode, imp.stdout.strip().splitlines()[-1:])
    print("answers computed afresh during the import:",
          s.metric('kgmatch_cache_total{result="miss"}') - miss_before)
    want = store_version()
    for _ in range(1200):
        if s.json("GET", "/healthz")[1]["version"] == want:
            break
        time.sleep(0.1)
    stop.set()
    for r in readers:
        r.join()
    during = [c for t, c in codes if t0 <= t <= t1]
    print(f"reads during the import: {len(during) > 0}, all 200: "
          f"{all(c == 200 for c in during)}; all reads 200: "
          f"{all(c == 200 for t, c in codes)}")
    print("loaded the new version:", s.json("GET", "/healthz")[1]["version"]
          == want)
    # the log says when new data serves, and what its warm-up answered
    for _ in range(100):
        if f"serving data version {want} " in s.stderr():
            break
        time.sleep(0.1)
    log = s.stderr()
    warmed = re.findall(r"reload: answered (\d+) of the (\d+) kept requests "
                        r"on the new data in [0-9.]+ s", log)
    print("the log names the version served:",
          f"serving data version {want} (loaded and warmed in" in log)
    print("each reload's warm-up answered every kept request:",
          len(warmed) > 0 and all(n == m for n, m in warmed))
    print("cached answer dropped with the old data:",
          s.get("/api/v1/match?demand=D01&top=3")[2] != before)
    # the reload answered the kept requests on the new data before that
    # served: asked again, they come from the cache, as the same request
    # computed afresh (min_score set to the config's 0.04: another key)
    hit0 = s.metric('kgmatch_cache_total{result="hit"}')
    miss0 = s.metric('kgmatch_cache_total{result="miss"}')
    warm = [s.get(u)[2] for u in kept]
    hits = s.metric('kgmatch_cache_total{result="hit"}') - hit0
    misses = s.metric('kgmatch_cache_total{result="miss"}') - miss0
    print(f"kept answers answered again by the reload: {hits:.0f} hits, "
          f"{misses:.0f} misses")
    fresh = s.get(kept[0] + "&min_score=0.04")[2]
    print("the same as computed afresh on the new data:", warm[0] == fresh,
          b'"D02"' in fresh)
    st, b = s.json("GET", "/api/v1/match?demand=DX123&top=1&kind=achievement")
    print("new demand matched:", st, len(b["demands"][0]["matches"]))
    reloads = s.json("GET", "/api/v1/stats")[1]["reloads"]
    subprocess.run([kg, "--db", "t.db", "index", "--rebuild"], check=True,
                   stdout=subprocess.DEVNULL)
    s.get("/healthz")  # a request notices the new file
    for _ in range(1200):
        s.get("/api/v1/search?q=x")
        if s.json("GET", "/api/v1/stats")[1]["reloads"] > reloads:
            break
        time.sleep(0.1)
    print("rebuilt index picked up:",
          s.json("GET", "/api/v1/stats")[1]["reloads"] > reloads)
    ok = s.metric('kgmatch_reloads_total{result="ok"}')
    failed = s.metric('kgmatch_reloads_total{result="failed"}')
    print(f"metrics: reloads ok >= 2 {ok >= 2}, failed {failed}")
    print("stop:", s.stop())
