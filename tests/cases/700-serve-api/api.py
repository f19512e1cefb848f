import json
import subprocess
import sys

from serve_harness import Server, demo_db

kg = sys.argv[1]
demo_db(kg, "t.db")
with open("keys", "w") as f:
    f.write("# broker keys\n\nkey-one-0123456789\n  key-two-abcdefghij  \n")
AUTH = {"Authorization": "Bearer key-two-abcdefghij"}


def show(label, status, body=None):
    print(f"{label}: {status}" + (f" {body}" if body is not None else ""))


def err(s, method, path, **kw):
    st, b = s.json(method, path, **kw)
    show(f"{method} {path}", st, f"{b['error']['code']}: {b['error']['message']}")


def kinds(doc):
    """Hits per kind (ids and order are the matcher's business)."""
    n = {}
    for m in doc["matches"]:
        n[m["kind"]] = n.get(m["kind"], 0) + 1
    return ",".join(f"{k}={v}" for k, v in n.items())


with Server(kg, "t.db", "--api-key-file", "keys", "--threads", "2") as s:
    # the page and the probes
    st, h, body = s.get("/")
    show("GET /", st, f"{h['Content-Type']} kgmatch={b'kgmatch' in body} "
         f"cdn={b'http://' in body or b'https://' in body}")
    st, b = s.json("GET", "/healthz")
    show("GET /healthz", st, f"{b['status']} version>0={b['version'] > 0}")
    st, b = s.json("GET", "/api/v1/stats")
    show("GET /api/v1/stats", st, json.dumps(b["counts"], sort_keys=True))

    # match: the same document as the CLI prints
    st, b = s.json("GET", "/api/v1/match?demand=D01&top=3")
    cli = json.loads(subprocess.run(
        [kg, "--db", "t.db", "match", "--demand", "D01", "--top", "3",
         "--format", "json"], capture_output=True, check=True).stdout)
    show("GET /api/v1/match?demand=D01&top=3", st,
         f"same-as-cli={b == cli} {kinds(b['demands'][0])}")
    st, b = s.json("GET", "/api/v1/match?demand=D01&kind=patent,expert&top=2")
    show("GET /api/v1/match?demand=D01&kind=patent,expert&top=2", st,
         kinds(b["demands"][0]))
    st, b = s.json("GET", "/api/v1/match?demand=D01&cross_domain=1&top=5")
    show("GET /api/v1/match?demand=D01&cross_domain=1", st,
         "all-cross=" + str(all(m["cross_domain"]
                               for m in b["demands"][0]["matches"])))
    # min_score=: as --min-score (a demand with nothing above it: [])
    st, b = s.json("GET", "/api/v1/match?demand=D01&top=5&min_score=0.2")
    cli = json.loads(subprocess.run(
        [kg, "--db", "t.db", "match", "--demand", "D01", "--top", "5",
         "--min-score", "0.2", "--format", "json"], capture_output=True,
        check=True).stdout)
    show("GET /api/v1/match?demand=D01&top=5&min_score=0.2", st,
         f"same-as-cli={b == cli} " + " ".join(
             f"{m['score']:.4f}" for m in b["demands"][0]["matches"]))
    st, b = s.json("GET", "/api/v1/enterprises/C04/matches?min_score=0.99")
    show("GET /api/v1/enterprises/C04/matches?min_score=0.99", st,
         " ".join(d["id"] + "=" + str(len(d["matches"]))
                  for d in b["demands"]))
    text = "印染废水深度处理与中水回用"
    from urllib.parse import quote
    st, b = s.json("GET", "/api/v1/match?kind=achievement&top=2&text=" +
                   quote(text))
    d = b["demands"][0]
    show("GET /api/v1/match?text=(UTF-8)", st,
         f"id={d['id']} text-back={d['text'] == text} {kinds(d)} "
         f"path0={d['matches'][0]['reason']['path'][0]['kind']}")
    st, b = s.json("GET", "/api/v1/enterprises/C04/matches?top=1&kind=patent")
    show("GET /api/v1/enterprises/C04/matches", st,
         f"{b['enterprise']} " + " ".join(
             d["id"] + "=" + kinds(d) for d in b["demands"]))
    st, b = s.json("GET", "/api/v1/enterprises/" + quote("滨州锦润印染有限公司") +
                   "/matches?top=1&kind=patent&include_closed=1")
    show("GET /api/v1/enterprises/(name)/matches?include_closed=1", st,
         f"{b['enterprise']} demands={len(b['demands'])}")
    st, b = s.json("GET", "/api/v1/partners?demand=D01&top=2")
    show("GET /api/v1/partners?demand=D01&top=2", st, " ".join(
        f"{p['id'][0]}({bool(p['experts'])} experts, {bool(p['items'])} "
        f"items, demand {p['demand']})" for p in b["partners"]))
    st, b = s.json("GET", "/api/v1/partners?enterprise=C04&top=1")
    show("GET /api/v1/partners?enterprise=C04&top=1", st,
         f"{b['enterprise']} {len(b['partners'])} partner")
    st, b = s.json("GET", "/api/v1/search?q=" + quote("焊接") +
                   "&kind=achievement,demand&top=3")
    show("GET /api/v1/search?q=焊接&kind=achievement,demand", st,
         f"{len(b['hits'])} hits, kinds "
         f"{sorted(set(h['kind'] for h in b['hits']))}, "
         f"ranks {[h['rank'] for h in b['hits']]}, "
         f"labels {all(h['label'] for h in b['hits'])}")
    st, b = s.json("GET", "/api/v1/records/demand/D01")
    show("GET /api/v1/records/demand/D01", st,
         f"{b['kind']} {b['id']} {b['record']['title']} "
         f"links={[(l['rel'], l['id']) for l in b['links']]}")
    st, b = s.json("GET", "/api/v1/records/experts/E059")
    show("GET /api/v1/records/experts/E059", st, f"{b['kind']} {b['record']['name']}")

    # writes: 401 without a key, 403 with a wrong one, then with a good one
    new = {"id": "D900", "title": "铝合金薄板激光焊接变形控制 – ünïcode ✓",
           "enterprise": "C03", "keywords": ["激光焊接", "铝合金"]}
    err(s, "POST", "/api/v1/demands", body=new)
    err(s, "POST", "/api/v1/demands", body=new,
        headers={"Authorization": "Bearer key-one-012345678X"})
    err(s, "POST", "/api/v1/demands", body=new,
        headers={"Authorization": "Basic a2V5"})
    st, b = s.json("POST", "/api/v1/demands", body=new, headers=AUTH)
    show("POST /api/v1/demands (new)", st, json.dumps(
        {k: b[k] for k in ("id", "result")}))
    st, b = s.json("POST", "/api/v1/demands", body=new, headers=AUTH)
    show("POST /api/v1/demands (same)", st, b["result"])
    new["description"] = "第二版"
    st, b = s.json("POST", "/api/v1/demands", body=dict(new, kind="demand"),
                   headers={"Authorization": "Bearer key-one-0123456789"})
    show("POST /api/v1/demands (changed, first key)", st, b["result"])
    last_write = b["version"]
    err(s, "POST", "/api/v1/demands", body="{\"id\": \"D1\",", headers=AUTH)
    err(s, "POST", "/api/v1/demands", body="[1, 2]", headers=AUTH)
    err(s, "POST", "/api/v1/demands", body={"id": "D1", "title": 5},
        headers=AUTH)
    err(s, "POST", "/api/v1/demands", body={"title": "no id"}, headers=AUTH)
    err(s, "POST", "/api/v1/demands", body={"id": "D1", "kind": "patent"},
        headers=AUTH)
    err(s, "POST", "/api/v1/demands", body=b"{\"id\": \"\xff\"}",
        headers=AUTH)
    err(s, "POST", "/api/v1/demands", body="", headers=AUTH)
    fb = {"demand": "D01", "kind": "achievement", "item": "A0012",
          "verdict": "accept"}
    err(s, "POST", "/api/v1/feedback", body=fb)
    st, b = s.json("POST", "/api/v1/feedback", body=fb, headers=AUTH)
    show("POST /api/v1/feedback", st, json.dumps(b, ensure_ascii=False))
    st, b = s.json("POST", "/api/v1/feedback", headers=AUTH, body=dict(
        fb, verdict="decline", note="已有合作方 ✓"))
    show("POST /api/v1/feedback (decline, note)", st, b["verdict"])
    err(s, "POST", "/api/v1/feedback", body=dict(fb, verdict="maybe"),
        headers=AUTH)
    err(s, "POST", "/api/v1/feedback", body=dict(fb, kind="rocket"),
        headers=AUTH)
    err(s, "POST", "/api/v1/feedback", body=dict(fb, item=7), headers=AUTH)
    err(s, "POST", "/api/v1/feedback", body=dict(fb, extra=1), headers=AUTH)
    err(s, "POST", "/api/v1/feedback", body=dict(fb, item="A9999"),
        headers=AUTH)
    err(s, "POST", "/api/v1/feedback", body=dict(fb, demand="D0"),
        headers=AUTH)

    # read errors
    err(s, "GET", "/api/v1/match?demand=D0")
    err(s, "GET", "/api/v1/match")
    err(s, "GET", "/api/v1/match?demand=D01&text=x")
    err(s, "GET", "/api/v1/match?demand=D01&kind=rocket")
    err(s, "GET", "/api/v1/match?demand=D01&kind=patent,demand")
    err(s, "GET", "/api/v1/match?demand=D01&top=0")
    err(s, "GET", "/api/v1/match?demand=D01&top=101")
    err(s, "GET", "/api/v1/match?demand=D01&top=ten")
    err(s, "GET", "/api/v1/match?demand=D01&cross_domain=maybe")
    err(s, "GET", "/api/v1/match?demand=D01&min_score=2")
    err(s, "GET", "/api/v1/enterprises/C04/matches?min_score=high")
    err(s, "GET", "/api/v1/match?text=%FF%FE")
    err(s, "GET", "/api/v1/match?text=%20%E3%80%82-%20")
    err(s, "GET", "/api/v1/enterprises/nonesuch/matches")
    err(s, "GET", "/api/v1/enterprises/C0/matches")
    err(s, "GET", "/api/v1/enterprises/C04/demands")
    err(s, "GET", "/api/v1/partners")
    err(s, "GET", "/api/v1/partners?demand=D0")
    err(s, "GET", "/api/v1/search")
    err(s, "GET", "/api/v1/search?q=x&kind=achievement,enterprise")
    err(s, "GET", "/api/v1/search?q=%3F%20!")
    err(s, "GET", "/api/v1/records/rocket/R1")
    err(s, "GET", "/api/v1/records/demand/D0")
    err(s, "GET", "/api/v1/records/demand")
    err(s, "GET", "/api/v2/match")
    err(s, "POST", "/api/v1/match", body="{}")
    err(s, "GET", "/api/v1/demands")
    err(s, "DELETE", "/api/v1/feedback")
    st, h, _ = s.request("HEAD", "/healthz")
    show("HEAD /healthz", st)
    st, h, _ = s.request("PUT", "/api/v1/demands", body="{}")
    show("PUT /api/v1/demands", st, f"Allow: {h.get('Allow')}")

    # the write reaches the readers without a restart
    import time
    for _ in range(600):
        st, b = s.json("GET", "/api/v1/match?demand=D900&top=1&kind=achievement")
        if st == 200:
            break
        time.sleep(0.1)
    show("GET /api/v1/match?demand=D900 (after the POST)", st,
         kinds(b["demands"][0]))
    for _ in range(600):  # the last write loaded too: no reload from here
        if s.json("GET", "/healthz")[1]["version"] >= last_write:
            break
        time.sleep(0.1)
    st, b = s.json("GET", "/api/v1/records/demand/D900")
    show("GET /api/v1/records/demand/D900", st,
         f"{b['record']['title']} | {b['record']['description']} | "
         f"source={b['source']}")

    # a repeated match is answered from the cache, byte for byte
    # (a reload after the demand posted above drops the cache: under load
    # it can land between the two requests, so a pair is tried again; the
    # second of the pair is the one that must be a hit)
    HIT = 'kgmatch_cache_total{result="hit"}'
    cached = False
    for _ in range(20):
        a = s.get("/api/v1/match?demand=D02&top=4")[2]
        hits = s.metric(HIT)  # the first may be a hit too, from a try before
        b = s.get("/api/v1/match?demand=D02&top=4")[2]
        cached = s.metric(HIT) == hits + 1
        if cached:
            break
        time.sleep(0.25)
    print(f"repeated match: same answer {a == b}, from the cache {cached}")

    # /metrics: Prometheus text with the counts above
    st, h, body = s.get("/metrics")
    text = body.decode()
    show("GET /metrics", st, h["Content-Type"])
    for want in ['kgmatch_http_requests_total{route="demands",code="401"} 2',
                 'kgmatch_http_requests_total{route="demands",code="403"} 1',
                 'kgmatch_http_requests_total{route="feedback",code="200"} 2',
                 'kgmatch_http_requests_total{route="other",code="404"} 2',
                 'kgmatch_http_requests_total{route="match",code="405"} 1',
                 'kgmatch_records{kind="demand"} 46',
                 'kgmatch_http_request_duration_seconds_bucket{le="+Inf"}',
                 'kgmatch_index_age_seconds ']:
        print(f"  metrics has {want}: {want in text}")
    def total(name):
        return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
                   if l.startswith(name))
    n = total("kgmatch_http_requests_total")
    print(f"  requests_total == duration_count: "
          f"{n == total('kgmatch_http_request_duration_seconds_count')}")
    print("stop:", s.stop())
