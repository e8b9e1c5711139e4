"""A stand-in (a mock, named as such) for a 3.1.1-only broker of the kind
that answers a 5.0 CONNECT as MQTT 3.1.1 section 3.2.2.3 says: CONNACK
return code 1, "unacceptable protocol version" (Mosquitto 1.x did so; no
such broker is packaged here). It takes any 3.1.1 CONNECT (protocol level
4, or a bridge's 0x84), acknowledges SUBSCRIBE and QoS 1 PUBLISH, and
prints one line per connection and per packet, flushed, for the test to
wait on. Usage: broker311_standin.py PORT"""
import socket
import sys
import threading

from mqttraw import packet, split_packet


def packets(conn):
    buf = b""
    while True:
        p, buf = split_packet(buf)
        if p:
            yield p
            continue
        chunk = conn.recv(65536)
        if not chunk:
            return
        buf += chunk


def serve(conn):
    with conn:
        try:
            for ptype, flags, body in packets(conn):
                if ptype == 1:
                    level = body[6]
                    print("CONNECT level %d" % level, flush=True)
                    if level & 0x7F != 4:
                        conn.sendall(packet(2, 0, b"\x00\x01"))
                        return
                    conn.sendall(packet(2, 0, b"\x00\x00"))
                elif ptype == 8:
                    print("SUBSCRIBE options %d" % body[-1], flush=True)
                    conn.sendall(packet(9, 0, body[:2] + bytes([body[-1] & 3])))
                elif ptype == 3:
                    tlen = int.from_bytes(body[:2], "big")
                    topic = body[2:2 + tlen].decode()
                    rest = body[2 + tlen:]
                    if flags & 6:
                        conn.sendall(packet(4, 0, rest[:2]))
                        rest = rest[2:]
                    print("PUBLISH %s %s" % (topic, rest.decode(errors="replace")), flush=True)
                elif ptype == 12:
                    conn.sendall(packet(13, 0, b""))
                elif ptype == 14:
                    return
        except (ConnectionError, OSError, ValueError):
            return


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", int(sys.argv[1])))
srv.listen(8)
print("listening", flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
