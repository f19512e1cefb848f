"""serve_harness.py - starts `kgmatch serve` on 127.0.0.1 (a free port the
server picks), talks HTTP to it and stops it; shared by tests/cases/70x.

    from serve_harness import Server, demo_db
    demo_db(kgmatch, "t.db")
    with Server(kgmatch, "t.db", "--api-key-file", "keys") as s:
        status, headers, body = s.get("/healthz")
"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

KINDS = ["institution", "enterprise", "expert", "achievement", "patent",
         "demand"]


def demo_db(kgmatch, db):
    """A store of the demo data set (datasets/demo), indexed."""
    demo = os.path.join(os.environ["TESTS"], "..", "datasets", "demo")
    subprocess.run([kgmatch, "--db", db, "init"], check=True,
                   stdout=subprocess.DEVNULL)
    for k in KINDS:
        subprocess.run([kgmatch, "--db", db, "import", "--no-index", "--kind",
                        k, os.path.join(demo, k + "s.jsonl")], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run([kgmatch, "--db", db, "index"], check=True,
                   stdout=subprocess.DEVNULL)


class Server:
    def __init__(self, kgmatch, db, *args, log="serve.log"):
        self.cmd = [kgmatch, "--db", db, "serve", "--listen", "127.0.0.1:0",
                    *args]
        self.log_path = log
        self.proc = None
        self.port = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def start(self, timeout=60):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL,
                                     stderr=self.log)
        end = time.time() + timeout
        while time.time() < end:
            with open(self.log_path, "rb") as f:
                m = re.search(rb"on http://127\.0\.0\.1:(\d+)/", f.read())
            if m:
                self.port = int(m.group(1))
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        sys.exit("serve did not start:\n" + self.stderr())

    def stderr(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signals the server; returns its exit code."""
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout)
        self.log.close()
        return rc

    def request(self, method, path, body=None, headers=None, timeout=30):
        c = http.client.HTTPConnection("127.0.0.1", self.port,
                                       timeout=timeout)
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
        elif isinstance(body, str):
            body = body.encode()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def json(self, method, path, **kw):
        status, headers, data = self.request(method, path, **kw)
        return status, json.loads(data.decode("utf-8"))

    def metric(self, name):
        """The sum of a /metrics series' samples whose name and labels
        start with name."""
        _, _, data = self.get("/metrics")
        total = 0.0
        for line in data.decode().splitlines():
            if line.startswith(name):
                total += float(line.rsplit(" ", 1)[1])
        return total
