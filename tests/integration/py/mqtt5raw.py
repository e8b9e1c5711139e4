"""Raw MQTT 5.0 packets (properties, reason codes) over mqttraw's Client,
for the conformance checks that must send exactly what the specification
describes, or what it forbids. Written from the OASIS text; it shares no
code with tern."""
import struct

from mqttraw import Client, packet, s, varint

# property identifiers (section 2.2.2.2) and their value types
PAYLOAD_FORMAT, MESSAGE_EXPIRY, CONTENT_TYPE, RESPONSE_TOPIC, CORRELATION_DATA = 1, 2, 3, 8, 9
SUBSCRIPTION_ID, SESSION_EXPIRY, ASSIGNED_CLIENT_ID, SERVER_KEEPALIVE = 0x0B, 0x11, 0x12, 0x13
AUTH_METHOD, REQUEST_PROBLEM_INFO, WILL_DELAY, REASON_STRING = 0x15, 0x17, 0x18, 0x1F
RECEIVE_MAX, TOPIC_ALIAS_MAX, TOPIC_ALIAS, MAX_QOS, RETAIN_AVAILABLE = 0x21, 0x22, 0x23, 0x24, 0x25
USER, MAX_PACKET_SIZE, WILDCARD_AVAILABLE, SUB_ID_AVAILABLE, SHARED_AVAILABLE = 0x26, 0x27, 0x28, 0x29, 0x2A
TYPES = {1: "b", 2: "i", 3: "s", 8: "s", 9: "d", 0x0B: "v", 0x11: "i", 0x12: "s", 0x13: "h",
         0x15: "s", 0x16: "d", 0x17: "b", 0x18: "i", 0x19: "b", 0x1A: "s", 0x1C: "s", 0x1F: "s",
         0x21: "h", 0x22: "h", 0x23: "h", 0x24: "b", 0x25: "b", 0x26: "p", 0x27: "i", 0x28: "b",
         0x29: "b", 0x2A: "b"}


def prop(pid, value):
    """One property, encoded by its type."""
    t = TYPES[pid]
    head = varint(pid)
    if t == "b":
        return head + bytes([value])
    if t == "h":
        return head + struct.pack("!H", value)
    if t == "i":
        return head + struct.pack("!I", value)
    if t == "v":
        return head + varint(value)
    if t == "p":
        return head + s(value[0]) + s(value[1])
    return head + s(value)


def props(*pairs):
    """A property block with its length: props((ID, value), ...)."""
    body = b"".join(prop(i, v) for i, v in pairs)
    return varint(len(body)) + body


def connect(cid, clean=True, keepalive=60, p=b"\x00", will=None, user=None, password=None):
    """will: (topic, message, qos, retain, will_props_block)"""
    flags = 2 if clean else 0
    payload = s(cid)
    if will:
        topic, msg, qos, retain, wp = will
        flags |= 4 | (qos << 3) | (32 if retain else 0)
        payload += wp + s(topic) + s(msg)
    if user is not None:
        flags |= 128
        payload += s(user)
    if password is not None:
        flags |= 64
        payload += s(password)
    return packet(1, 0, s("MQTT") + bytes([5, flags]) + struct.pack("!H", keepalive) + p + payload)


def publish(topic, msg, qos=0, retain=False, pid=1, p=b"\x00", dup=False):
    if isinstance(msg, str):
        msg = msg.encode()
    body = s(topic) + (struct.pack("!H", pid) if qos else b"") + p + msg
    return packet(3, (8 if dup else 0) | (qos << 1) | (1 if retain else 0), body)


def subscribe(pid, *filters, p=b"\x00"):
    """filters: (filter, options byte)"""
    return packet(8, 2, struct.pack("!H", pid) + p + b"".join(s(f) + bytes([o]) for f, o in filters))


def unsubscribe(pid, *filters, p=b"\x00"):
    return packet(10, 2, struct.pack("!H", pid) + p + b"".join(s(f) for f in filters))


def ack(ptype, pid, reason=None):
    body = struct.pack("!H", pid) + (bytes([reason]) if reason is not None else b"")
    return packet(ptype, 2 if ptype == 6 else 0, body)


def disconnect(reason=0, p=b""):
    return packet(14, 0, bytes([reason]) + p if (reason or p) else b"")


def read_varint(b, i):
    n, mult = 0, 1
    while True:
        n += (b[i] & 0x7F) * mult
        mult *= 128
        i += 1
        if not b[i - 1] & 0x80:
            return n, i


def parse_props(b, i):
    """The property block at b[i:]: ({id: value or [values]}, index after it)."""
    n, i = read_varint(b, i)
    end, out = i + n, {}
    while i < end:
        pid, i = read_varint(b, i)
        t = TYPES[pid]
        if t == "b":
            v, i = b[i], i + 1
        elif t == "h":
            v, i = struct.unpack("!H", b[i:i + 2])[0], i + 2
        elif t == "i":
            v, i = struct.unpack("!I", b[i:i + 4])[0], i + 4
        elif t == "v":
            v, i = read_varint(b, i)
        elif t == "p":
            k = struct.unpack("!H", b[i:i + 2])[0]
            name = b[i + 2:i + 2 + k].decode()
            i += 2 + k
            k = struct.unpack("!H", b[i:i + 2])[0]
            v = (name, b[i + 2:i + 2 + k].decode())
            i += 2 + k
        else:
            k = struct.unpack("!H", b[i:i + 2])[0]
            v = b[i + 2:i + 2 + k]
            i += 2 + k
            if t == "s":
                v = v.decode()
        if pid in (USER, SUBSCRIPTION_ID):
            out.setdefault(pid, []).append(v)
        else:
            out[pid] = v
    return out, end


def parse(p):
    """A received packet as a dict: type, and what 5.0 gives each."""
    ptype, flags, body = p
    d = {"type": ptype}
    if ptype == 2:  # CONNACK
        d["present"], d["reason"] = body[0] & 1, body[1]
        d["props"] = parse_props(body, 2)[0] if len(body) > 2 else {}
    elif ptype == 3:
        tl = struct.unpack("!H", body[:2])[0]
        d["topic"] = body[2:2 + tl].decode()
        d["qos"], d["retain"] = (flags >> 1) & 3, flags & 1
        i = 2 + tl
        if d["qos"]:
            d["pid"] = struct.unpack("!H", body[i:i + 2])[0]
            i += 2
        d["props"], i = parse_props(body, i)
        d["payload"] = body[i:]
    elif ptype in (4, 5, 6, 7):
        d["pid"] = struct.unpack("!H", body[:2])[0]
        d["reason"] = body[2] if len(body) > 2 else 0
        d["props"] = parse_props(body, 3)[0] if len(body) > 3 else {}
    elif ptype in (9, 11):  # SUBACK, UNSUBACK
        d["pid"] = struct.unpack("!H", body[:2])[0]
        d["props"], i = parse_props(body, 2)
        d["codes"] = list(body[i:])
    elif ptype == 14:
        d["reason"] = body[0] if body else 0
        d["props"] = parse_props(body, 1)[0] if len(body) > 1 else {}
    return d


def session(port, cid, clean=True, **kw):
    """A 5.0 connection: (client, CONNACK as parse() gives it, or None)."""
    c = Client(port)
    c.send(connect(cid, clean=clean, **kw))
    p = c.recv()
    return c, (parse(p) if p else None)


def recv(c, timeout=5):
    p = c.recv(timeout)
    return parse(p) if p else None
