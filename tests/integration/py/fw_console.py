"""The firmware's console over a raw telnet connection: a wrong password is
answered late (rate limit), the right one opens the shell; the clock is
synced; `get` fetches JSON by host name (DNS learnt from DHCP); with
BIG_LINES > 0, a large body arrives whole and in order through a reader
slower than the device's network (backpressure across lwIP both ways).
JSON_URL "-" skips the clock and JSON checks.
Usage: fw_console.py HOST PORT USER PASSWORD JSON_URL BIG_URL BIG_LINES"""
import re
import socket
import sys
import time

from tcheck import check, done

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
json_url, big_url, big_lines = sys.argv[5], sys.argv[6], int(sys.argv[7])


class T:
    def __init__(self):
        self.s = socket.create_connection((host, port), timeout=60)
        self.buf = b""

    def until(self, tok, slow=False):
        while tok not in self.buf:
            d = self.s.recv(2048 if slow else 65536)
            if not d:
                break
            self.buf += d
            if slow:
                time.sleep(0.002)  # ~1 MB/s at most: slower than the emulated link
        head, _, self.buf = self.buf.partition(tok)
        return head

    def send(self, line):
        self.s.sendall(line.encode() + b"\r\n")


t = T()
t.until(b"login: ")
t.send(user)
t.until(b"Password: ")
started = time.monotonic()
t.send("not the password")
t.until(b"login: ")
late = time.monotonic() - started
check("a wrong password is answered after the delay (%.2f s >= 0.9 s)" % late, late >= 0.9)
t.send(user)
t.until(b"Password: ")
t.send(password)
check("the right password opens the shell", t.until(b"> ") is not None and True)
if json_url != "-":
    t.send("time")
    out = t.until(b"> ")
    check("the clock is synced: %r" % out.strip()[-40:],
          b"not synced" not in out and b"1970" not in out)
    t.send("get " + json_url)
    out = t.until(b"bytes]")
    check("get by host name returns the JSON document",
          b'"temperature": 21.5' in out and b"[HTTP 200," in out)
    t.until(b"> ")
if big_lines:
    t.send("get " + big_url)
    out = t.until(b"bytes]", slow=True)
    lines = re.findall(rb"line (\d{6})\r?\n", out)
    ok = len(lines) == big_lines and all(int(v) == i for i, v in enumerate(lines))
    check("a %d-line body arrives whole and in order through a slow reader (%d lines)"
          % (big_lines, len(lines)), ok)
    t.until(b"> ")
t.send("led on")
check("the console switches the LED", b"LED on" in t.until(b"> "))
t.send("exit")
done("fw_console")
