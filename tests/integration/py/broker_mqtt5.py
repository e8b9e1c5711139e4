"""tern broker against the MQTT 5.0 rules, with raw packets: one function
per rule area, each check named for what the specification asks.
Usage: broker_mqtt5.py PORT"""
import sys
import time
import traceback

import mqttraw
from mqtt5raw import *  # noqa: F401,F403
from tcheck import check, done

PORT = int(sys.argv[1])


def run(fn):
    try:
        fn()
    except Exception as e:  # one area failing still lets the others run
        traceback.print_exc()
        check("%s raised %r" % (fn.__name__, e), False)


def closed_with(c, reason, timeout=5):
    """The server sends DISCONNECT with this reason code, then closes."""
    try:
        d = recv(c, timeout)
    except TimeoutError:
        return False
    return d is not None and d["type"] == 14 and d["reason"] == reason and c.closed()


def wait_for(c, want, timeout=5):
    """Packets until one of type want (others, such as PUBACKs, skipped)."""
    end = time.time() + timeout
    while time.time() < end:
        d = recv(c, max(0.1, end - time.time()))
        if d is None or d["type"] == want:
            return d
    raise TimeoutError


def t_connack():
    c, ack = session(PORT, "v5-connack")
    check("CONNACK Success to a 5.0 CONNECT", ack and ack["reason"] == 0)
    pr = ack["props"]
    check("CONNACK gives Topic Alias Maximum, Receive Maximum, Maximum Packet Size",
          pr.get(TOPIC_ALIAS_MAX, 0) > 0 and pr.get(RECEIVE_MAX, 0) > 0 and pr.get(MAX_PACKET_SIZE, 0) > 0)
    check("CONNACK says shared subscriptions and Subscription Identifiers are available",
          pr.get(SHARED_AVAILABLE) == 1 and pr.get(SUB_ID_AVAILABLE) == 1)
    c.close()
    c, ack = session(PORT, "", clean=False)
    check("an empty client id with Clean Start 0: an Assigned Client Identifier",
          ack["reason"] == 0 and ack["props"].get(ASSIGNED_CLIENT_ID, "").startswith("tern-auto-"))
    c.close()
    c, ack = session(PORT, "v5-auth", p=props((AUTH_METHOD, "SCRAM-SHA-1")))
    check("an authentication method it does not offer: CONNACK 0x8C", ack["reason"] == 0x8C and c.closed())
    c = mqttraw.Client(PORT)
    c.send(connect("v5-bad", p=props((TOPIC_ALIAS, 1))))  # not a CONNECT property
    d = recv(c)
    check("a malformed 5.0 CONNECT: CONNACK 0x81, then close", d and d["reason"] == 0x81 and c.closed())


def t_aliases():
    sub, _ = session(PORT, "v5-alias-sub")
    sub.send(subscribe(1, ("alias/#", 0)))
    wait_for(sub, 9)
    pub, ack = session(PORT, "v5-alias-pub")
    amax = ack["props"][TOPIC_ALIAS_MAX]
    pub.send(publish("alias/one", "1", p=props((TOPIC_ALIAS, 1))))
    pub.send(publish("", "2", p=props((TOPIC_ALIAS, 1))))
    pub.send(publish("alias/two", "3", p=props((TOPIC_ALIAS, 1))))  # remapped
    pub.send(publish("", "4", p=props((TOPIC_ALIAS, 1))))
    ds = [recv(sub) for _ in range(4)]
    got = [(d["topic"], d["payload"]) for d in ds]
    check("a Topic Alias names its topic for the subscriber (set, used, remapped)",
          got == [("alias/one", b"1"), ("alias/one", b"2"), ("alias/two", b"3"), ("alias/two", b"4")])
    check("the subscriber never sees the publisher's alias", all(TOPIC_ALIAS not in d["props"] for d in ds))
    pub.send(publish("", "x", p=props((TOPIC_ALIAS, amax + 1))))
    check("an alias above Topic Alias Maximum: DISCONNECT 0x94", closed_with(pub, 0x94))
    pub, _ = session(PORT, "v5-alias-pub2")
    pub.send(publish("", "x", p=props((TOPIC_ALIAS, 2))))
    check("an alias never set: DISCONNECT 0x82", closed_with(pub, 0x82))
    pub, _ = session(PORT, "v5-alias-pub3")
    pub.send(publish("alias/z", "x", p=props((TOPIC_ALIAS, 0))))
    check("Topic Alias 0: DISCONNECT 0x82", closed_with(pub, 0x82))
    pub, _ = session(PORT, "v5-alias-pub4")
    pub.send(publish("", "x"))
    check("an empty topic without an alias: DISCONNECT 0x90", closed_with(pub, 0x90))
    check("the subscriber got nothing from the refused packets", sub.quiet())
    sub.close()


def t_aliases_out():
    sub, _ = session(PORT, "v5-alout", p=props((TOPIC_ALIAS_MAX, 2)))
    sub.send(subscribe(1, ("ao/#", 0)))
    wait_for(sub, 9)
    pub, _ = session(PORT, "v5-alout-pub")
    for t in ("ao/x", "ao/x", "ao/y", "ao/z", "ao/y", "ao/z"):
        pub.send(publish(t, t))
    ds = [recv(sub) for _ in range(6)]
    seen = [(d["topic"], d["props"].get(TOPIC_ALIAS), d["payload"].decode()) for d in ds]
    check("to a client allowing 2 aliases: a topic, then its alias alone",
          seen[0] == ("ao/x", 1, "ao/x") and seen[1] == ("", 1, "ao/x"))
    check("a second topic takes the second alias; a third, beyond the maximum, goes whole",
          seen[2] == ("ao/y", 2, "ao/y") and seen[3] == ("ao/z", None, "ao/z") and
          seen[4] == ("", 2, "ao/y") and seen[5] == ("ao/z", None, "ao/z"))
    sub.close()
    pub.close()


def t_malformed():
    cases = [("an unknown property identifier", b"\x02\x05\x00", 0x81),
             ("a duplicate property", props((MESSAGE_EXPIRY, 1), (MESSAGE_EXPIRY, 2)), 0x82),
             ("Payload Format Indicator 2", props((PAYLOAD_FORMAT, 2)), 0x82),
             ("a Subscription Identifier from a client", props((SUBSCRIPTION_ID, 1)), 0x82),
             ("a property length past the packet", b"\x09\x01\x01", 0x81)]
    for what, block, reason in cases:
        c, _ = session(PORT, "v5-mal")
        c.send(publish("m/x", "x", p=block))
        check("%s: DISCONNECT 0x%02X" % (what, reason), closed_with(c, reason))
    c, _ = session(PORT, "v5-mal")
    c.send(publish("m/x", b"\xff\xfe", p=props((PAYLOAD_FORMAT, 1))))
    check("a payload said to be UTF-8 that is not: DISCONNECT 0x99", closed_with(c, 0x99))
    c, _ = session(PORT, "v5-mal")
    c.send(b"\x30\x80\x00")  # remaining length not in its shortest form
    check("a Variable Byte Integer not in its shortest form: DISCONNECT 0x81", closed_with(c, 0x81))
    c, _ = session(PORT, "v5-mal")
    c.send(publish("m/x", b"x" * (300 * 1024)))
    check("a packet over the Maximum Packet Size: DISCONNECT 0x95", closed_with(c, 0x95, 10))
    c, _ = session(PORT, "v5-mal")
    c.send(subscribe(1, ("m/#", 0x40)))
    check("SUBSCRIBE's reserved option bits: DISCONNECT 0x81", closed_with(c, 0x81))
    c, _ = session(PORT, "v5-mal")
    c.send(subscribe(1, ("m/#", 0x30)))
    check("Retain Handling 3: DISCONNECT 0x82", closed_with(c, 0x82))
    c, _ = session(PORT, "v5-mal")
    c.send(subscribe(1, ("m/#", 0), p=props((SUBSCRIPTION_ID, 5), (SUBSCRIPTION_ID, 6))))
    check("two Subscription Identifiers in one SUBSCRIBE: DISCONNECT 0x82", closed_with(c, 0x82))


def t_receive_maximum():
    c, ack = session(PORT, "v5-recvmax")
    n = ack["props"][RECEIVE_MAX]
    # QoS 2 flows left open (no PUBREL): one more than allowed
    c.send(b"".join(publish("rm/x", "x", qos=2, pid=i + 1) for i in range(n + 1)))
    pubrecs = 0
    d = recv(c, 10)
    while d and d["type"] == 5:
        pubrecs += 1
        d = recv(c, 10)
    check("Receive Maximum QoS 2 flows open are each answered (PUBREC)", pubrecs == n)
    check("one more than Receive Maximum: DISCONNECT 0x93",
          d is not None and d["type"] == 14 and d["reason"] == 0x93 and c.closed())


def t_acks_and_reasons():
    c, _ = session(PORT, "v5-acks")
    c.send(publish("nobody/listens", "x", qos=1, pid=5))
    d = recv(c)
    check("PUBACK 0x10 when no subscriber matched", d["type"] == 4 and d["reason"] == 0x10)
    c.send(subscribe(2, ("acks/a", 1)))
    d = wait_for(c, 9)
    c.send(unsubscribe(3, "acks/a", "acks/never"))
    d = wait_for(c, 11)
    check("UNSUBACK reason codes: 0x00, and 0x11 for a filter never subscribed", d["codes"] == [0, 0x11])
    c.send(subscribe(4, ("$share/g/acks/#", 1), ("acks/b", 2)))
    d = wait_for(c, 9)
    check("SUBACK: the granted QoS, for a shared subscription too", d["codes"] == [1, 2])
    c.close()


def t_subscription_options():
    c, _ = session(PORT, "v5-nl")
    other, _ = session(PORT, "v5-nl-other")
    c.send(subscribe(1, ("nl/t", 0x04 | 1)))  # No Local
    wait_for(c, 9)
    other.send(subscribe(1, ("nl/t", 1)))
    wait_for(other, 9)
    c.send(publish("nl/t", "mine", qos=1, pid=2))
    seen = [recv(c)]
    while seen[-1] and seen[-1]["type"] != 4:  # up to its PUBACK
        seen.append(recv(c))
    d = wait_for(other, 3)
    check("No Local: another subscriber gets it", d["payload"] == b"mine")
    check("No Local: the publisher does not get its own message back",
          not any(x and x["type"] == 3 for x in seen) and c.quiet(0.5))
    # Retain As Published and Retain Handling
    pub, _ = session(PORT, "v5-ret-pub")
    pub.send(publish("ret/t", "kept", qos=1, retain=True, pid=1))
    wait_for(pub, 4)
    rap, _ = session(PORT, "v5-rap")
    rap.send(subscribe(1, ("ret/t", 0x08 | 1 | (2 << 4))))  # RAP, Retain Handling 2
    wait_for(rap, 9)
    check("Retain Handling 2: no retained message on subscribe", rap.quiet(0.5))
    plain, _ = session(PORT, "v5-norap")
    plain.send(subscribe(1, ("ret/t", 1)))
    d = wait_for(plain, 3)
    check("Retain Handling 0: the retained message, retain flag 1", d["retain"] == 1)
    pub.send(publish("ret/t", "live", qos=1, retain=True, pid=2))
    a = wait_for(rap, 3)
    b = wait_for(plain, 3)
    check("Retain As Published: a live retained message keeps its flag", a["retain"] == 1)
    check("without it: the flag is 0 on live delivery", b["retain"] == 0)
    once, _ = session(PORT, "v5-once")
    once.send(subscribe(1, ("ret/t", 1 | (1 << 4))))
    wait_for(once, 9)
    d = wait_for(once, 3)
    check("Retain Handling 1: the retained message for a new subscription", d and d["payload"] == b"live")
    once.send(subscribe(2, ("ret/t", 1 | (1 << 4))))
    wait_for(once, 9)
    check("Retain Handling 1: not again for one that existed", once.quiet(0.5))
    for x in (c, other, pub, rap, plain, once):
        x.close()


def t_properties_through():
    sub5, _ = session(PORT, "v5-props-sub")
    sub5.send(subscribe(1, ("props/#", 1)))
    wait_for(sub5, 9)
    sub3 = mqttraw.Client(PORT)
    sub3.send(mqttraw.connect("v3-props-sub"))
    sub3.recv()
    sub3.send(mqttraw.subscribe(1, ("props/#", 1)))
    sub3.recv()
    pub, _ = session(PORT, "v5-props-pub")
    block = props((PAYLOAD_FORMAT, 1), (CONTENT_TYPE, "application/json"),
                  (RESPONSE_TOPIC, "props/reply"), (CORRELATION_DATA, b"\x00\x01\x02"),
                  (USER, ("site", "lab")), (USER, ("site", "bench")), (MESSAGE_EXPIRY, 3600))
    pub.send(publish("props/req", '{"q":1}', qos=1, pid=1, p=block))
    d = wait_for(sub5, 3)
    pr = d["props"]
    check("Response Topic and Correlation Data passed through unchanged",
          pr.get(RESPONSE_TOPIC) == "props/reply" and pr.get(CORRELATION_DATA) == b"\x00\x01\x02")
    check("Content Type and Payload Format Indicator passed through",
          pr.get(CONTENT_TYPE) == "application/json" and pr.get(PAYLOAD_FORMAT) == 1)
    check("User Properties passed through, in order", pr.get(USER) == [("site", "lab"), ("site", "bench")])
    check("Message Expiry Interval passed on, not above what was sent", 0 < pr.get(MESSAGE_EXPIRY, 0) <= 3600)
    p3 = mqttraw.parse_publish(sub3.recv())
    check("a 3.1.1 subscriber gets the same message without properties", p3["payload"] == b'{"q":1}')
    # the other way: a 3.1.1 publisher, a 5.0 subscriber
    v3 = mqttraw.Client(PORT)
    v3.send(mqttraw.connect("v3-props-pub"))
    v3.recv()
    v3.send(mqttraw.publish("props/from3", "plain", qos=1, pid=1))
    d = wait_for(sub5, 3)
    check("a 5.0 subscriber gets a 3.1.1 publisher's message", d["topic"] == "props/from3" and d["props"] == {})
    for x in (sub5, sub3, pub, v3):
        x.close()


def t_expiry():
    # an offline session keeps what is published for it; expired messages never arrive
    c, _ = session(PORT, "v5-exp", clean=True, p=props((SESSION_EXPIRY, 300)))
    c.send(subscribe(1, ("exp/#", 1)))
    wait_for(c, 9)
    c.send(disconnect())
    c.close()
    pub, _ = session(PORT, "v5-exp-pub")
    pub.send(publish("exp/short", "gone", qos=1, pid=1, p=props((MESSAGE_EXPIRY, 1))))
    pub.send(publish("exp/long", "kept", qos=1, pid=2, p=props((MESSAGE_EXPIRY, 100))))
    wait_for(pub, 4)
    wait_for(pub, 4)
    time.sleep(2.2)  # the message's own lifetime is what is tested: time must pass
    c, connack = session(PORT, "v5-exp", clean=False, p=props((SESSION_EXPIRY, 300)))
    check("Session Expiry 300: the session is present after a disconnect", connack["present"] == 1)
    d = wait_for(c, 3)
    check("an expired message is never delivered; the other is", d["topic"] == "exp/long")
    check("its Message Expiry Interval is counted down while it waited",
          d["props"].get(MESSAGE_EXPIRY, 999) <= 98)
    c.send(ack(4, d["pid"]))
    check("nothing else was kept for it", c.quiet(0.5))
    c.send(disconnect(0, props((SESSION_EXPIRY, 1))))  # a shorter interval at DISCONNECT
    c.close()
    time.sleep(2.5)  # past the 1 s interval and the broker's once-a-second sweep
    c, connack = session(PORT, "v5-exp", clean=False)
    check("Session Expiry 1 (set at DISCONNECT): the session has ended", connack["present"] == 0)
    c.close()
    c, _ = session(PORT, "v5-exp0", clean=True)  # no interval: 0
    c.send(subscribe(1, ("exp0/#", 1)))
    wait_for(c, 9)
    c.close()
    c, connack = session(PORT, "v5-exp0", clean=False)
    check("Session Expiry 0: the session ends with the connection", connack["present"] == 0)
    c.send(disconnect(0, props((SESSION_EXPIRY, 30))))
    check("Session Expiry set at DISCONNECT after 0 at CONNECT: DISCONNECT 0x82", closed_with(c, 0x82))


def t_wills_and_takeover():
    w, _ = session(PORT, "v5-watch")
    w.send(subscribe(1, ("will/#", 0)))
    wait_for(w, 9)
    # Will Delay: the will waits; a client back in time cancels it
    wp = props((WILL_DELAY, 2))
    c, _ = session(PORT, "v5-will", clean=True, p=props((SESSION_EXPIRY, 60)),
                   will=("will/delayed", "late", 0, False, wp))
    c.close()
    check("Will Delay 2: nothing within the first second", w.quiet(1.0))
    d = recv(w, 4)
    check("Will Delay 2: the will arrives after the delay", d and d["topic"] == "will/delayed")
    c, _ = session(PORT, "v5-will2", p=props((SESSION_EXPIRY, 60)),
                   will=("will/cancelled", "no", 0, False, props((WILL_DELAY, 2))))
    c.close()
    c, _ = session(PORT, "v5-will2", clean=False, p=props((SESSION_EXPIRY, 60)))
    check("a client back before its Will Delay: the will never goes", w.quiet(3.0))
    c.send(disconnect(0))
    c.close()
    c, _ = session(PORT, "v5-will3", will=("will/asked", "bye", 0, False, b"\x00"))
    c.send(disconnect(0x04))
    d = recv(w, 3)
    check("DISCONNECT 0x04: the will is published", d and d["topic"] == "will/asked")
    c, _ = session(PORT, "v5-will4", will=("will/normal", "bye", 0, False, b"\x00"))
    c.send(disconnect(0))
    check("DISCONNECT 0x00: the will is discarded", w.quiet(0.7))
    # takeover and keepalive: the server says why
    a, _ = session(PORT, "v5-take")
    b, _ = session(PORT, "v5-take")
    check("a second connection with the same id: the first gets DISCONNECT 0x8E", closed_with(a, 0x8E))
    b.close()
    k, _ = session(PORT, "v5-ka", keepalive=1)
    check("keepalive passed (1.5 x 1 s) in silence: DISCONNECT 0x8D", closed_with(k, 0x8D, 5))
    w.close()


def t_max_packet_size():
    small, _ = session(PORT, "v5-small", p=props((MAX_PACKET_SIZE, 64)))
    small.send(subscribe(1, ("mps/#", 0)))
    wait_for(small, 9)
    pub, _ = session(PORT, "v5-mps-pub")
    pub.send(publish("mps/big", "x" * 200))
    pub.send(publish("mps/small", "ok"))
    d = recv(small, 3)
    check("a message over the client's Maximum Packet Size is not sent; the next is",
          d and d["topic"] == "mps/small")
    small.close()
    pub.close()


def take(c, n, acking=True, timeout=5):
    """n PUBLISH packets (acked, as a client does, unless told not to)."""
    got = []
    while len(got) < n:
        d = recv(c, timeout)
        if d is None:
            break
        if d["type"] == 3:
            got.append(d)
            if acking and d["qos"]:
                c.send(ack(4, d["pid"]))
    return got


def t_shared():
    members = [session(PORT, "sh-%s" % x)[0] for x in "abc"]
    for c in members:
        c.send(subscribe(1, ("$share/g/sh/#", 1)))
        wait_for(c, 9)
    plain, _ = session(PORT, "sh-plain")
    plain.send(subscribe(1, ("sh/#", 1)))
    wait_for(plain, 9)
    pub, _ = session(PORT, "sh-pub")
    pub.send(b"".join(publish("sh/%d" % i, str(i), qos=1, pid=i + 1) for i in range(30)))
    shares = [take(c, 10) for c in members]
    allp = take(plain, 30)
    got = sorted(int(d["payload"]) for part in shares for d in part)
    check("$share/g: each of 30 messages to exactly one member", got == list(range(30)))
    check("round robin: 10 each to the three connected members", [len(x) for x in shares] == [10, 10, 10])
    check("members got no more than their share", all(c.quiet(0.3) for c in members))
    check("a plain subscription on the same filter gets all 30", len(allp) == 30)
    for c in members + [plain]:
        c.close()
    # 4.8.2: a member's session ends with messages unacknowledged: another gets them
    e, _ = session(PORT, "sh-e")  # never acknowledges
    f, _ = session(PORT, "sh-f")
    for c in (e, f):
        c.send(subscribe(1, ("$share/h/sh2/#", 1)))
        wait_for(c, 9)
    pub.send(b"".join(publish("sh2/%d" % i, str(i), qos=1, pid=100 + i) for i in range(4)))
    held = take(e, 2, acking=False)
    first = take(f, 2)
    e.close()  # its clean session ends with two messages unacknowledged
    later = take(f, 2)
    check("4.8.2: the ended member's unacknowledged messages go to another member",
          sorted(int(d["payload"]) for d in first + later) == [0, 1, 2, 3] and len(held) == 2)
    f.close()
    # while a member's session persists, what it holds waits for it
    g, _ = session(PORT, "sh-g", p=props((SESSION_EXPIRY, 300)))
    h, _ = session(PORT, "sh-h")
    for c in (g, h):
        c.send(subscribe(1, ("$share/k/sh3/#", 1)))
        wait_for(c, 9)
    pub.send(b"".join(publish("sh3/%d" % i, str(i), qos=1, pid=200 + i) for i in range(2)))
    kept = take(g, 1, acking=False)
    take(h, 1)
    g.close()  # offline, session kept
    pub.send(publish("sh3/x", "while g is away", qos=1, pid=210))
    d = take(h, 1)
    check("a member offline: new messages go to the connected one", d and d[0]["payload"] == b"while g is away")
    g, connack = session(PORT, "sh-g", clean=False, p=props((SESSION_EXPIRY, 300)))
    again = take(g, 1)
    check("a persisting member gets back what it held (not another member)",
          connack["present"] == 1 and again and again[0]["payload"] == kept[0]["payload"] and h.quiet(0.3))
    for c in (g, h, pub):
        c.close()


def t_sub_ids():
    c, _ = session(PORT, "v5-ids")
    c.send(subscribe(1, ("ids/#", 1), p=props((SUBSCRIPTION_ID, 42))))
    wait_for(c, 9)
    c.send(subscribe(2, ("ids/a", 1), p=props((SUBSCRIPTION_ID, 7))))
    wait_for(c, 9)
    c.send(subscribe(3, ("ids/b", 1)))  # none
    wait_for(c, 9)
    pub, _ = session(PORT, "v5-ids-pub")
    pub.send(publish("ids/c", "c", qos=1, pid=1))
    d = take(c, 1)
    check("a message carries its subscription's identifier", d and d[0]["props"].get(SUBSCRIPTION_ID) == [42])
    pub.send(publish("ids/a", "a", qos=1, pid=2))
    got = take(c, 2)
    check("two matching subscriptions with identifiers: a copy with each (3.3.4)",
          sorted(i for x in got for i in x["props"].get(SUBSCRIPTION_ID, [])) == [7, 42])
    pub.send(publish("ids/b", "b", qos=1, pid=3, retain=True))
    d = take(c, 1)
    check("one with and one without: a single copy with the identifier", d and d[0]["props"].get(SUBSCRIPTION_ID) == [42])
    check("and no second copy", c.quiet(0.3))
    r, _ = session(PORT, "v5-ids-ret")
    r.send(subscribe(1, ("ids/b", 1), p=props((SUBSCRIPTION_ID, 99))))
    wait_for(r, 9)
    d = take(r, 1)
    check("a retained message sent on subscribe carries the new identifier",
          d and d[0]["retain"] == 1 and d[0]["props"].get(SUBSCRIPTION_ID) == [99])
    pub.send(publish("ids/b", "", qos=1, pid=4, retain=True))  # clear it
    for x in (c, pub, r):
        x.close()


for area in (t_connack, t_shared, t_sub_ids, t_aliases_out, t_aliases, t_malformed, t_receive_maximum, t_acks_and_reasons,
             t_subscription_options, t_properties_through, t_expiry, t_wills_and_takeover,
             t_max_packet_size):
    run(area)
done("broker_mqtt5")
