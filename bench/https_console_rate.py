"""Times HTTPS GETs through a tern console (the device's `get` command: a
fresh TCP connection and TLS handshake each time, then a small JSON body),
so the same code path is measured on the board and on Linux.
Usage: https_console_rate.py HOST PORT USER PASSWORD URL N
Prints: n=N median_ms=M min_ms=M max_ms=M"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration", "py"))
from console_client import Console  # noqa: E402  (a test helper: no code of tern's)

host, port, user, password, url = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
n = int(sys.argv[6])
c = Console(host, port)
c.login(user, password)
times = []
for _ in range(n):
    t = time.monotonic()
    c.send("get " + url)
    out = c.until(b"bytes]")
    times.append((time.monotonic() - t) * 1000)
    if b"[HTTP 200," not in out:
        sys.exit("not 200: %r" % out[-200:])
    c.until(b"> ")
print("n=%d median_ms=%.1f min_ms=%.1f max_ms=%.1f"
      % (n, statistics.median(times), min(times), max(times)))
