"""A load generator of raw MQTT 3.1.1 packets (its own encoder, mqttraw.py;
no code shared with tern): publishers that write as fast as their sockets
take it, each with a window of unacknowledged QoS 1/2 messages, into one
subscriber that acknowledges at once. Prints one line:
  sent N acked N received N lost N duplicated N seconds S
lost = acknowledged to a publisher but never received (QoS 0: sent, not
received; the subscriber keeps reading, so nothing may be missing there).

Usage: mqtt_flood.py PORT QOS PUBLISHERS MESSAGES [--window W] [--size BYTES]
       [--self] (one more client publishes to a topic it subscribes to itself)
       [--stalled] (one more subscriber to the same topic that never reads)"""
import argparse
import select
import socket
import struct
import sys
import threading
import time

from mqttraw import connect, packet, publish, split_packet, subscribe


def conn(port, cid):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(connect(cid, keepalive=60))
    return s


class Reader:
    """Splits a byte stream into (type, flags, body) packets."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def packets(self, timeout):
        r, _, _ = select.select([self.sock], [], [], timeout)
        if not r:
            return []
        d = self.sock.recv(1 << 20)
        if not d:
            raise EOFError
        self.buf += d
        out = []
        while True:
            p, self.buf = split_packet(self.buf)
            if p is None:
                return out
            out.append(p)


def wait_for(reader, ptype, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        for p in reader.packets(0.2):
            if p[0] == ptype:
                return p
    raise TimeoutError("no packet of type %d" % ptype)


def take_publish(flags, body, got):
    """Counts a delivered PUBLISH's payload in got; returns the ack it needs."""
    tl = struct.unpack("!H", body[:2])[0]
    q = (flags >> 1) & 3
    payload = body[2 + tl + (2 if q else 0):]
    got[payload] = got.get(payload, 0) + 1
    pid = body[2 + tl:4 + tl]
    return packet(4, 0, pid) if q == 1 else packet(5, 0, pid) if q == 2 else b""


def subscriber(port, cid, topic, qos, got, stop, ready):
    """Reads and acknowledges every message at once; counts payloads."""
    s = conn(port, cid)
    r = Reader(s)
    wait_for(r, 2)
    s.sendall(subscribe(1, (topic, qos)))
    wait_for(r, 9)
    ready.set()
    while not stop.is_set():
        out = b""
        for t, flags, body in r.packets(0.2):
            if t == 3:
                out += take_publish(flags, body, got)
            elif t == 6:  # PUBREL -> PUBCOMP
                out += packet(7, 0, body[:2])
        if out:
            s.sendall(out)
    s.close()


def publisher(port, cid, topic, qos, count, window, size, acked, self_sub=False):
    """Sends count messages "cid:i" padded to size; keeps window unacked."""
    s = conn(port, cid)
    r = Reader(s)
    wait_for(r, 2)
    got = {}
    if self_sub:  # it also receives (and must acknowledge) what it publishes
        s.sendall(subscribe(1, (topic, qos)))
        wait_for(r, 9)
    inflight, next_i, pid = {}, 0, 0
    done = []
    while next_i < count or inflight:
        out = b""
        while next_i < count and (qos == 0 or len(inflight) < window) and len(out) < 65536:
            payload = ("%s:%d:" % (cid, next_i)).encode()
            payload += b"." * max(0, size - len(payload))
            if qos:
                pid = pid % 65535 + 1
                inflight[pid] = payload
            out += publish(topic, payload, qos, pid=pid)
            if qos == 0:
                done.append(payload)
            next_i += 1
        if out:
            s.sendall(out)
        reply = b""
        for t, flags, body in r.packets(0 if (next_i < count and (qos == 0 or len(inflight) < window)) else 1):
            if t in (4, 7):  # PUBACK, PUBCOMP
                p = inflight.pop(struct.unpack("!H", body[:2])[0], None)
                if p is not None:
                    done.append(p)
            elif t == 5:  # PUBREC -> PUBREL
                reply += packet(6, 2, body[:2])
            elif t == 3:  # its own message back
                reply += take_publish(flags, body, got)
            elif t == 6:
                reply += packet(7, 0, body[:2])
        if reply:
            s.sendall(reply)
    acked.extend(done)
    if self_sub:  # the rest of its own messages
        end = time.time() + 30
        while sum(1 for p in done if p in got) < len(done) and time.time() < end:
            reply = b""
            for t, flags, body in r.packets(0.2):
                if t == 3:
                    reply += take_publish(flags, body, got)
            if reply:
                s.sendall(reply)
        print("self: published %d received-back %d" % (len(done), sum(1 for p in done if p in got)))
    s.sendall(packet(14, 0, b""))
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("qos", type=int)
    ap.add_argument("publishers", type=int)
    ap.add_argument("messages", type=int)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--self", action="store_true")
    ap.add_argument("--stalled", action="store_true")
    a = ap.parse_args()
    got, stop, ready = {}, threading.Event(), threading.Event()
    sub = threading.Thread(target=subscriber, args=(a.port, "flood-sub", "load/#", a.qos, got, stop, ready))
    sub.start()
    ready.wait(10)
    stalled = None
    if a.stalled:  # subscribes, then never reads again
        stalled = conn(a.port, "flood-stalled")
        sr = Reader(stalled)
        wait_for(sr, 2)
        stalled.sendall(subscribe(1, ("load/#", a.qos)))
        wait_for(sr, 9)
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    acked = []
    start = time.time()
    pubs = [threading.Thread(target=publisher, args=(a.port, "p%d" % i, "load/%d" % i, a.qos, a.messages,
                                                    a.window, a.size, acked)) for i in range(a.publishers)]
    if a.self:
        pubs.append(threading.Thread(target=publisher, args=(a.port, "self", "load/self", a.qos, a.messages,
                                                            a.window, a.size, acked, True)))
    for t in pubs:
        t.start()
    for t in pubs:
        t.join(120)
    # wait (bounded) until every acknowledged message is in, then a little
    # more for duplicates that would follow
    end = time.time() + 60
    want = set(acked)
    while time.time() < end and not want.issubset(got.keys()):
        time.sleep(0.05)
    took = time.time() - start
    time.sleep(0.3)  # listening for late duplicates is the test here
    stop.set()
    sub.join(10)
    sent = a.messages * len(pubs)
    lost = sum(1 for p in want if p not in got)
    dup = sum(n - 1 for p, n in got.items() if n > 1)
    print("sent %d acked %d received %d lost %d duplicated %d seconds %.2f" %
          (sent, len(acked), sum(got.values()), lost, dup, took))
    if stalled:
        stalled.close()


if __name__ == "__main__":
    sys.exit(main())
