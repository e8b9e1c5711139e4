"""Raw MQTT 3.1.1 packets over a socket, for conformance tests that need
to send exactly what the specification describes (and what it forbids)."""
import socket
import struct
import time


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def s(x):
    if isinstance(x, str):
        x = x.encode()
    return struct.pack("!H", len(x)) + x


def packet(ptype, flags, body):
    return bytes([(ptype << 4) | flags]) + varint(len(body)) + body


def connect(cid, clean=True, keepalive=60, will=None, user=None, password=None, level=4, name="MQTT"):
    flags = (2 if clean else 0)
    payload = s(cid)
    if will:
        topic, msg, qos, retain = will
        flags |= 4 | (qos << 3) | (32 if retain else 0)
        payload += s(topic) + s(msg)
    if user is not None:
        flags |= 128
        payload += s(user)
    if password is not None:
        flags |= 64
        payload += s(password)
    body = s(name) + bytes([level, flags]) + struct.pack("!H", keepalive) + payload
    return packet(1, 0, body)


def publish(topic, msg, qos=0, retain=False, pid=1, dup=False):
    if isinstance(msg, str):
        msg = msg.encode()
    body = s(topic) + (struct.pack("!H", pid) if qos else b"") + msg
    return packet(3, (8 if dup else 0) | (qos << 1) | (1 if retain else 0), body)


def subscribe(pid, *filters):
    body = struct.pack("!H", pid)
    for f, q in filters:
        body += s(f) + bytes([q])
    return packet(8, 2, body)


def unsubscribe(pid, *filters):
    return packet(10, 2, struct.pack("!H", pid) + b"".join(s(f) for f in filters))


def ack(ptype, pid):
    return packet(ptype, 2 if ptype == 6 else 0, struct.pack("!H", pid))


PUBACK, PUBREC, PUBREL, PUBCOMP = 4, 5, 6, 7
PINGREQ = packet(12, 0, b"")
DISCONNECT = packet(14, 0, b"")


def split_packet(buf):
    """The first whole packet of buf as (type, flags, body), and the rest;
    (None, buf) while it is incomplete."""
    if len(buf) < 2:
        return None, buf
    n, mult, i = 0, 1, 1
    while True:
        if i >= len(buf):
            return None, buf
        b = buf[i]
        n += (b & 0x7F) * mult
        mult *= 128
        i += 1
        if not b & 0x80:
            break
    if len(buf) < i + n:
        return None, buf
    return (buf[0] >> 4, buf[0] & 15, buf[i:i + n]), buf[i + n:]


class Client:
    def __init__(self, port, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def recv(self, timeout=5):
        """Next packet as (type, flags, body), or None when the server closed."""
        self.sock.settimeout(timeout)
        while True:
            p = self._parse()
            if p:
                return p
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no packet within %ss" % timeout)
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            self.buf += chunk

    def _parse(self):
        p, self.buf = split_packet(self.buf)
        return p

    def closed(self, timeout=5):
        """True if the server closes the connection (after any packets)."""
        end = time.time() + timeout
        while time.time() < end:
            try:
                if self.recv(max(0.1, end - time.time())) is None:
                    return True
            except TimeoutError:
                return False
        return False

    def quiet(self, timeout=0.5):
        """True if no packet arrives within timeout and the connection is
        still open: a PINGREQ sent then gets its PINGRESP. A connection the
        server closed is not quiet (the message was not delivered, but only
        because the client was dropped)."""
        try:
            self.recv(timeout)
            return False  # a packet arrived, or the server closed
        except TimeoutError:
            pass
        try:
            self.sock.sendall(b"\xc0\x00")
            p = self.recv(5)
        except (OSError, TimeoutError):
            return False
        return p is not None and p[0] == 13

    def close(self):
        self.sock.close()


def parse_publish(p):
    ptype, flags, body = p
    assert ptype == 3, "expected PUBLISH, got type %d" % ptype
    tl = struct.unpack("!H", body[:2])[0]
    topic = body[2:2 + tl].decode()
    qos = (flags >> 1) & 3
    off = 2 + tl
    pid = None
    if qos:
        pid = struct.unpack("!H", body[off:off + 2])[0]
        off += 2
    return {"topic": topic, "qos": qos, "retain": flags & 1, "dup": (flags >> 3) & 1, "pid": pid, "payload": body[off:]}


def session(port, cid, clean=True, **kw):
    """Connect and return (client, connack_flags, connack_code)."""
    c = Client(port)
    c.send(connect(cid, clean=clean, **kw))
    p = c.recv()
    if p is None:
        return c, None, None
    assert p[0] == 2, "expected CONNACK, got %r" % (p,)
    return c, p[2][0], p[2][1]
