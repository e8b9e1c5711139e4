"""A TCP relay that notes how each connection begins: for a TLS ClientHello,
its 32-byte client random; anything else is noted as CLEAR (bytes that
were not a TLS handshake). Then it passes bytes both ways, unchanged.
Lines in OUT: "<seconds> hello <hex>" or "<seconds> CLEAR" as a connection
begins, "<seconds> closed" when the client's side ends.
Usage: tls_hello_relay.py ADDR PORT TARGET_PORT OUT"""
import socket
import sys
import threading
import time

addr, port, target, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
lock = threading.Lock()


def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(c):
    first = b""
    c.settimeout(10)
    try:
        while len(first) < 43:  # record header 5, handshake header 4, version 2, random 32
            d = c.recv(43 - len(first))
            if not d:
                break
            first += d
    except OSError:
        pass
    c.settimeout(None)
    hello = len(first) == 43 and first[0] == 0x16 and first[5] == 0x01
    with lock, open(out, "a") as f:
        f.write("%.3f %s\n" % (time.monotonic(), "hello " + first[11:43].hex() if hello else "CLEAR"))
    try:
        u = socket.create_connection((addr, target))
    except OSError:
        c.close()
        with lock, open(out, "a") as f:
            f.write("%.3f closed\n" % time.monotonic())
        return
    u.sendall(first)
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
    pipe(c, u)
    with lock, open(out, "a") as f:
        f.write("%.3f closed\n" % time.monotonic())


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, port))
ls.listen(16)
print("ready", flush=True)
while True:
    conn, _ = ls.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
