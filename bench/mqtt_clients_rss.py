#!/usr/bin/env python3
"""Memory per client: open N MQTT connections (3.1.1 or 5.0), each with one
subscription, to a broker and report its resident memory grown per client.
Its own packet encoding: nothing of tern's.
Usage: mqtt_clients_rss.py PORT BROKER_PID N VERSION(4|5)"""
import resource
import socket
import struct
import sys

port, pid, n, version = (int(a) for a in sys.argv[1:5])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))


def s(x):
    return struct.pack("!H", len(x)) + x.encode()


def packet(first, body):
    out, n = bytearray([first]), len(body)
    while True:
        b, n = n & 127, n >> 7
        out.append(b | (128 if n else 0))
        if not n:
            return bytes(out) + body


def rss_kb():
    with open("/proc/%d/status" % pid) as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))


def read_packet(sock):
    head = sock.recv(2)
    n, shift, b = 0, 0, head[1]
    n = b & 127
    while b & 128:
        b = sock.recv(1)[0]
        shift += 7
        n |= (b & 127) << shift
    body = b""
    while len(body) < n:
        body += sock.recv(n - len(body))
    return head[0], body


props = b"\x00" if version == 5 else b""
before = rss_kb()
socks = []
for i in range(n):
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    c.sendall(packet(0x10, s("MQTT") + bytes([version, 2, 2, 88]) + props + s("rss-%d" % i)))
    t, body = read_packet(c)
    assert t == 0x20 and body[1] == 0, "CONNACK refused"
    c.sendall(packet(0x82, struct.pack("!H", 1) + props + s("rss/%d/#" % i) + b"\x01"))
    t, body = read_packet(c)
    assert t == 0x90
    socks.append(c)
during = rss_kb()
print("clients %d version %d rss_before_kb %d rss_during_kb %d bytes_per_client %d"
      % (n, version, before, during, (during - before) * 1024 // n))
for c in socks:
    c.close()
