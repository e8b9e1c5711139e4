"""Times HTTPS GETs through a tern console (the device's `get` command: a
fresh TCP connection and TLS handshake each time, then a small JSON body),
so the same code path is measured on the board and on Linux.
Usage: https_console_rate.py HOST PORT USER PASSWORD URL N
Prints: n=N median_ms=M min_ms=M max_ms=M"""
import socket
import statistics
import sys
import time

host, port, user, password, url = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
n = int(sys.argv[6])
s = socket.create_connection((host, port), timeout=60)
buf = b""


def until(tok):
    global buf
    while tok not in buf:
        d = s.recv(4096)
        if not d:
            sys.exit("closed before %r" % tok)
        buf += d
    head, _, buf = buf.partition(tok)
    return head


until(b"login: ")
s.sendall(user.encode() + b"\r\n")
until(b"Password: ")
s.sendall(password.encode() + b"\r\n")
until(b"> ")
times = []
for _ in range(n):
    t = time.monotonic()
    s.sendall(b"get " + url.encode() + b"\r\n")
    out = until(b"bytes]")
    times.append((time.monotonic() - t) * 1000)
    if b"[HTTP 200," not in out:
        sys.exit("not 200: %r" % out[-200:])
    until(b"> ")
print("n=%d median_ms=%.1f min_ms=%.1f max_ms=%.1f"
      % (n, statistics.median(times), min(times), max(times)))
