"""get URL through the console: a body larger than the socket buffer arrives
whole (output backpressure), ifconfig answers, Ctrl-C stops a slow get.
Usage: console_get.py PORT USER PASSWORD BIG_URL SLOW_URL SLOW_SECONDS"""
import re
import sys
import time

from console_client import Console
from tcheck import check, done

port, user, password, big, slow = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
slow_s = float(sys.argv[6])  # how long SLOW_URL takes to answer
c = Console("127.0.0.1", port, timeout=30)
until, s = c.until, c.s
c.login(user, password)
s.sendall(b"get " + big.encode() + b"\r\n")
out = until(b"bytes]")
lines = re.findall(rb"line (\d{6})\r\n", out)
check("get: a 360 KB body arrives whole through the console (%d lines)" % len(lines),
      len(lines) == 30000 and lines[0] == b"000000" and lines[-1] == b"029999")
check("get: status and size at the end", b"[HTTP 200, 360000" in out)
until(b"> ")
s.sendall(b"ifconfig\r\n")
check("ifconfig lists lo", re.search(rb"lo\s+127\.0\.0\.1 up", until(b"> ")) is not None)
# Ctrl-C: the prompt is back at once, and the answer the slow server sends
# later (after SLOW_SECONDS) never shows: the command was cancelled, not
# merely echoed "^C" while it went on.
s.sendall(b"get " + slow.encode() + b"\r\n")
started = time.monotonic()
s.sendall(b"\x03")
out = until(b"> ")
took = time.monotonic() - started
check("Ctrl-C: echoed and the prompt is back in %.2f s (< 1 s)" % took, b"^C" in out and took < 1.0)
# Waiting is the test here: past the moment the server answers, nothing of
# that answer may reach the console.
time.sleep(max(0.0, slow_s + 0.5 - (time.monotonic() - started)))
s.sendall(b"uptime\r\n")
out += until(b"> ")
check("Ctrl-C: the cancelled get printed nothing later", b"late" not in out and b"[HTTP" not in out)
s.sendall(b"exit\r\n")
done("console_get")
