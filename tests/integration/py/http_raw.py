"""Hostile and malformed requests against an HTTP server; the server must
answer 400 (or close) and keep serving others. Usage: http_raw.py PORT"""
import socket
import sys
import time

port = int(sys.argv[1])
from tcheck import check, done


def exchange(data, timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out


def status(resp):
    try:
        return int(resp.split(b" ", 2)[1])
    except Exception:
        return 0


bad = {
    "CL + TE (smuggling)": b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "two Content-Lengths": b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "bare LF": b"GET /hello HTTP/1.1\nHost: x\n\n",
    "obs-fold": b"GET /hello HTTP/1.1\r\nHost: x\r\nX: a\r\n  b\r\n\r\n",
    "space before colon": b"GET /hello HTTP/1.1\r\nHost : x\r\n\r\n",
    "no Host": b"GET /hello HTTP/1.1\r\n\r\n",
    "bad chunk size": b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "unknown coding": b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
}
for name, data in bad.items():
    check(name + ": 400", status(exchange(data)) == 400)
check("huge header: 431", status(exchange(b"GET /hello HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 40000 + b"\r\n\r\n")) == 431)
check("huge body: 413", status(exchange(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")) == 413)
check("NUL flood: closed with 400", status(exchange(b"\x00" * 5000)) == 400)
# pipelining: three requests in one write, three answers in order
resp = exchange(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                b"GET /form?name=p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
check("pipelined requests answered in order", resp.count(b"HTTP/1.1 200") == 3 and resp.index(b"hello") < resp.index(b"abc") < resp.index(b"name=p"))
# a slow request (a byte at a time) still works
s = socket.create_connection(("127.0.0.1", port), timeout=5)
for b in b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n":
    s.send(bytes([b]))
check("byte-at-a-time request answered", b"hello" in s.recv(1000))
s.close()
# still serving after all that
check("still serving", b"hello" in exchange(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
done("http_raw")
