# on_tty.py CMD... : runs CMD with stderr on a pseudo-terminal and stdout on a
# pipe; prints what reached the terminal, escapes made visible, one line
# per progress redraw ("\r" starts a line).
import os
import pty
import subprocess
import sys
import threading

master, slave = pty.openpty()
got = []


def reader():
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:  # EIO: every writer closed the terminal
            return
        if not b:
            return
        got.append(b)


t = threading.Thread(target=reader)
t.start()
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=slave)
os.close(slave)
t.join()
raw = b"".join(got)
err = raw.decode("utf-8", "replace")
err = err.replace("\033[K", "<clear>").replace("\r\n", "\n")
for line in err.replace("\r", "\n\\r").splitlines():
    if line:
        print("  " + line)
clean = not raw or raw.endswith(b"\r\033[K")
print("  rc=%d, %d stdout lines, the line %s at the end"
      % (p.returncode, p.stdout.count(b"\n"), "cleared" if clean else "LEFT"))
