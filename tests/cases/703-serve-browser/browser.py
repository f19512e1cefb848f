import os
import re
import shutil
import subprocess
import sys
import tempfile
from urllib.parse import quote

from serve_harness import Server, demo_db

chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if not chromium:
    print("SKIP: chromium is not installed (apt-get install chromium "
          "fonts-wqy-microhei); the page was not tested in a browser")
    sys.exit(0)

kg = sys.argv[1]
demo_db(kg, "t.db")
os.environ["KGMATCH_NOW"] = "1767225600"
failed = 0


def check(what, ok):
    global failed
    print(("ok   " if ok else "FAIL ") + what)
    failed += not ok


def dom(url):
    """The page's DOM after its scripts and requests settle."""
    with tempfile.TemporaryDirectory() as prof:
        p = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + prof,
             "--virtual-time-budget=15000", "--window-size=1280,900",
             "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
    return p.stdout


with Server(kg, "t.db", "--threads", "2") as s:
    base = f"http://127.0.0.1:{s.port}/"
    html = dom(base + "#lang=zh&text=" + quote("印染废水深度处理与中水回用"))
    cards = re.findall(r'class="card result"[^>]*data-kind="(\w+)"', html)
    check(f"text query shows result cards ({len(cards)})", len(cards) >= 4)
    check("cards of all four kinds", set(cards) == {
        "achievement", "patent", "expert", "institution"})
    check("score bars", html.count('class="bar"') == len(cards))
    check("reasons: paths and concepts",
          'class="path"' in html and 'class="concepts"' in html)
    check("Chinese interface", "匹配" in html and "成果" in html and
          'lang="zh-CN"' in html)
    check("status line counts the results",
          re.search(r'id="status"[^>]*>\d+ 条结果', html) is not None)
    check("a text query offers no accept/decline", "✓ 接受" not in html)

    html = dom(base + "#lang=en&demand=D01")
    check("demand query in English",
          "Demand D01" in html and "Achievements" in html and
          'lang="en"' in html)
    check("accept / decline on a demand's matches",
          "✓ Accept" in html and "✕ Decline" in html)

    html = dom(base + "#lang=en&enterprise=C04")
    check("enterprise query lists its demands",
          "demands of enterprise C04" in html and html.count("<h2>") >= 2)

    html = dom(base + "#lang=en&demand=D0")
    check("an unknown demand shows the API's error",
          re.search(r'class="status err"[^>]*>[^<]*no demand', html)
          is not None)

    page = s.get("/")[2].decode()
    check("no resource from another host", re.search(
        r'(src|href)=["\']?(https?:)?//', page) is None)
    s.stop()

sys.exit(1 if failed else 0)
