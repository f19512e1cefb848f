import json
import signal
import socket
import subprocess
import sys
import time

from serve_harness import Server, demo_db

kg = sys.argv[1]
demo_db(kg, "t.db")
with open("keys", "w") as f:
    f.write("k-0123456789abcdef\n")
AUTH = "Authorization: Bearer k-0123456789abcdef\r\n"


def run(*args):
    p = subprocess.run([kg, "--db", "t.db", "serve", *args],
                       capture_output=True, text=True, timeout=30)
    print(f"serve {' '.join(args)}: rc={p.returncode} {p.stderr.strip()}")


run("--listen", "0.0.0.0:0")
run("--listen", "[::]:0")
run("--listen", "127.0.0.1")
run("--listen", "127.0.0.1:0", "--threads", "0")
run("--listen", "127.0.0.1:0", "--api-key-file", "nokeys")
open("empty", "w").close()
run("--listen", "127.0.0.1:0", "--api-key-file", "empty")


def raw(port, data, wait=10):
    """Sends bytes, returns the status line of the answer ('' if none)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    try:
        s.sendall(data)
        got = b""
        while b"\r\n" not in got:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except (ConnectionResetError, BrokenPipeError):
        got = b""
    finally:
        s.close()
    return got.split(b"\r\n", 1)[0].decode()


def status_of(s, path, timeout=5):
    try:
        return s.request("GET", path, timeout=timeout)[0]
    except (ConnectionError, OSError, Exception) as e:
        return type(e).__name__


with Server(kg, "t.db", "--api-key-file", "keys", "--threads", "2",
            "--max-connections", "4", "--timeout", "2") as s:
    p = s.port
    print("body by length over 1 MiB:", raw(
        p, b"POST /api/v1/demands HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() +
        b"Content-Type: application/json\r\nContent-Length: 1048577\r\n\r\n"))
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n"
                    for _ in range(17)) + b"0\r\n\r\n"
    print("chunked body over 1 MiB:", raw(
        p, b"POST /api/v1/demands HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() +
        b"Transfer-Encoding: chunked\r\n\r\n" + body))
    big = {"id": "D950", "title": "大", "description": ""}
    big["description"] = "长" * ((1048576 - len(json.dumps(
        big, ensure_ascii=False).encode())) // 3)
    data = json.dumps(big, ensure_ascii=False).encode()
    st, _, _ = s.request("POST", "/api/v1/demands", body=data, headers={
        "Authorization": "Bearer k-0123456789abcdef"})
    print(f"body of {len(data)} bytes (<= 1 MiB): {st}")
    q = "/api/v1/match?demand=D01&top=1&pad="
    print("query of 4096 bytes:", status_of(s, q + "x" * (4096 - len(q) + 14)))
    print("query of 4097 bytes:", status_of(s, q + "x" * (4097 - len(q) + 14)))
    st, b = s.json("GET", q + "x" * 5000)
    print("query of 5000 bytes:", st, b["error"]["code"])
    print("request line of 100 KB:", status_of(s, q + "x" * 100000))
    print("text over 2000 bytes:", s.json(
        "GET", "/api/v1/match?text=" + "a" * 2001)[1]["error"]["message"])

    # idle connections fill the limit (4); more are closed unserved until
    # a place frees up (after a pause: the connections above must be gone)
    time.sleep(1)
    idle = [socket.create_connection(("127.0.0.1", p)) for _ in range(6)]
    time.sleep(0.3)
    got = status_of(s, "/healthz", timeout=1.5)
    print("a request over the limit:", got if got in (200, 503) else
          "not served" if got in ("ConnectionResetError", "RemoteDisconnected",
                                  "TimeoutError", "BrokenPipeError") else got)
    for c in idle:
        c.close()
    time.sleep(0.5)
    print("after closing them:", status_of(s, "/healthz"))
    # an idle connection is closed after --timeout
    c = socket.create_connection(("127.0.0.1", p))
    c.settimeout(10)
    t0 = time.time()
    got = c.recv(10)
    print(f"idle connection closed by the server: {got == b''} "
          f"after >= 2 s: {time.time() - t0 >= 1.9}")
    c.close()

    # SIGTERM with a request in flight: it is answered, then the server
    # exits 0
    c = socket.create_connection(("127.0.0.1", p))
    c.settimeout(20)
    body = json.dumps({"id": "D951", "title": "在途请求"}).encode()
    c.sendall(b"POST /api/v1/demands HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() +
              b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
    time.sleep(0.5)
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    print("new connection while draining:", status_of(s, "/healthz"))
    c.sendall(body[10:])
    print("in-flight request:", c.recv(4096).split(b"\r\n", 1)[0].decode())
    c.close()
    rc = s.proc.wait(20)
    err = s.stderr()
    print(f"exit {rc}; finishing: {'finishing requests' in err}; stopped: "
          f"{'serve: stopped' in err}; cut off: {'cut off' in err}")

# --drain: a request that never completes is cut off at the deadline
with Server(kg, "t.db", "--api-key-file", "keys", "--drain", "1",
            log="serve2.log") as s:
    c = socket.create_connection(("127.0.0.1", s.port))
    c.sendall(b"POST /api/v1/demands HTTP/1.1\r\nHost: x\r\n"
              b"Content-Length: 100\r\n\r\n{")
    time.sleep(0.5)
    t0 = time.time()
    rc = s.stop()
    took = time.time() - t0
    print(f"drain deadline: exit {rc} within 1-5 s: {1 <= took < 5}; "
          f"{[l for l in s.stderr().splitlines() if 'cut off' in l]}")
    c.close()

# --rate: a client over N requests a second gets 429 with Retry-After
with Server(kg, "t.db", "--rate", "5", log="serve3.log") as s:
    codes = [s.request("GET", "/healthz") for _ in range(12)]
    n429 = [c for c, h, b in codes if c == 429]
    h = [h for c, h, b in codes if c == 429][0]
    b = json.loads([b for c, h, b in codes if c == 429][0])
    print(f"12 quick requests at --rate 5: 5 to 7 answered "
          f"{5 <= 12 - len(n429) <= 7}, the rest 429, Retry-After "
          f"{h.get('Retry-After')}, {b['error']['code']}")
    time.sleep(1.2)
    print("a second later:", s.request("GET", "/healthz")[0])
    print("stop:", s.stop())

# Without --api-key-file the service is read-only: writes are 403
with Server(kg, "t.db", log="serve4.log") as s:
    st, b = s.json("POST", "/api/v1/feedback", body={}, headers={
        "Authorization": "Bearer k-0123456789abcdef"})
    print("POST without keys:", st, b["error"]["message"])
    print("stop:", s.stop())
