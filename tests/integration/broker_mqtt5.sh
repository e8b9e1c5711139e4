#!/usr/bin/env bash
# tern broker speaking MQTT 5.0: raw-packet rules (py/broker_mqtt5.py), then
# the real peers: mosquitto_pub/sub -V mqttv5 with -D properties and paho's
# MQTTv5 client, beside 3.1.1 clients on the same listener; the v5 session
# state (expiry, subscription options) through a kill -9.
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_mqtt5
th_need mosquitto_sub mosquitto_pub
port=$(th_free_port)
mkdir -p "$TMP/state"
th_bg broker "$TERN" broker -p "$port" --allow-anonymous -v --persist "$TMP/state" \
  --topic-aliases-out
th_wait_tcp "$port"
PYTHONPATH="$(dirname "$0")/py" "$PY" "$(dirname "$0")/py/broker_mqtt5.py" "$port" || TH_FAIL=1
kill -0 "$PID_broker" 2>/dev/null || th_check "the broker is still running" false

# mosquitto's own v5 clients: properties out (-D) and back (-F's v5 specifiers)
timeout 20 mosquitto_sub -V mqttv5 -p "$port" -i m5sub -t 'm5/#' -C 1 \
  -F '%t|%p|%C|%R|%D|%E|%F|%P' >"$TMP/m5" &
s=$!
th_wait_sub broker m5sub
mosquitto_pub -V mqttv5 -p "$port" -t m5/req -m '{"on":1}' -q 1 \
  -D publish content-type application/json -D publish response-topic m5/resp \
  -D publish correlation-data c0ffee -D publish message-expiry-interval 60 \
  -D publish payload-format-indicator 1 -D publish user-property site lab
wait $s
th_match "mosquitto_sub -V mqttv5 gets every property mosquitto_pub -D set" \
  '^m5/req\|\{"on":1\}\|application/json\|m5/resp\|c0ffee\|(60|59)\|1\|site:lab$' "$(cat "$TMP/m5")"
th_match "the broker logs the protocol level per client" \
  "client m5sub connected from .* \(MQTT 5\.0," "$(cat "$TMP/broker.log")"

# paho's MQTTv5 client: request/response through the broker, and a 3.1.1
# paho client beside it getting the same message
cat >"$TMP/paho5.py" <<'PY'
import sys, threading
import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes
port = int(sys.argv[1])
got, got3 = [], []
ready, subbed, subbed3, heard3 = (threading.Event() for _ in range(4))
def on_msg(c, u, m):
    got.append(m)
    if m.topic == "rr/req":  # the responder answers on the Response Topic
        p = Properties(PacketTypes.PUBLISH)
        p.CorrelationData = m.properties.CorrelationData
        c.publish(m.properties.ResponseTopic, b"pong", qos=1, properties=p)
    if m.topic == "rr/resp":
        ready.set()
def on_msg3(c, u, m):
    got3.append(m.payload)
    heard3.set()
r = mqtt.Client("p5-responder", protocol=mqtt.MQTTv5)
r.on_message = on_msg
r.on_subscribe = lambda *a: subbed.set()
r.connect("127.0.0.1", port)
r.subscribe("rr/#", qos=1)
r.loop_start()
v3 = mqtt.Client("p3-listener", protocol=mqtt.MQTTv311)
v3.on_message = on_msg3
v3.on_subscribe = lambda *a: subbed3.set()
v3.connect("127.0.0.1", port)
v3.subscribe("rr/req", qos=1)
v3.loop_start()
print("subscribed", subbed.wait(10) and subbed3.wait(10))
q = mqtt.Client("p5-asker", protocol=mqtt.MQTTv5)
q.connect("127.0.0.1", port)
q.loop_start()
p = Properties(PacketTypes.PUBLISH)
p.ResponseTopic = "rr/resp"
p.CorrelationData = b"id-42"
p.UserProperty = [("k", "v")]
q.publish("rr/req", b"ping", qos=1, properties=p).wait_for_publish()
ok = ready.wait(10)
resp = [m for m in got if m.topic == "rr/resp"]
print("response", ok and resp[0].payload == b"pong" and resp[0].properties.CorrelationData == b"id-42")
req = [m for m in got if m.topic == "rr/req"][0]
print("userprop", req.properties.UserProperty == [("k", "v")])
print("v3", heard3.wait(10) and got3 == [b"ping"])
PY
out=$(timeout 30 /usr/bin/python3 "$TMP/paho5.py" "$port" 2>&1)
echo "$out"
th_match "paho MQTTv5: request/response with Correlation Data through the broker" "response True" "$out"
th_match "paho MQTTv5: User Properties arrive as sent" "userprop True" "$out"
th_match "a paho 3.1.1 client on the same listener gets the 5.0 message" "v3 True" "$out"

# v5 session state through kill -9: expiry and No Local survive
cat >"$TMP/nl.py" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from mqtt5raw import *
port, step = int(sys.argv[1]), sys.argv[3]
if step == "before":
    c, _ = session(port, "v5-keep", p=props((SESSION_EXPIRY, 600)))
    c.send(subscribe(1, ("keep/t", 0x04 | 1), p=props((SUBSCRIPTION_ID, 9))))
    print("suback", recv(c)["codes"])
    c.send(disconnect())
    # queued for an offline session, and retained: with their properties
    k, _ = session(port, "v5-keep2", p=props((SESSION_EXPIRY, 600)))
    k.send(subscribe(1, ("kp/#", 1), p=props((SUBSCRIPTION_ID, 11))))
    recv(k)
    k.send(disconnect())
    pub, _ = session(port, "v5-keep-pub")
    pub.send(publish("kp/q", "queued", qos=1, pid=1, p=props(
        (RESPONSE_TOPIC, "kp/back"), (USER, ("u", "1")), (MESSAGE_EXPIRY, 600))))
    recv(pub)
    pub.send(publish("kr/t", "kept", qos=1, pid=2, retain=True, p=props((CONTENT_TYPE, "text/x"))))
    recv(pub)
else:
    c, ack = session(port, "v5-keep", clean=False, p=props((SESSION_EXPIRY, 600)))
    print("present", ack["present"])
    c.send(publish("keep/t", "own", qos=1, pid=1))
    while recv(c)["type"] != 4:
        pass
    o = Client(port)
    o.send(connect("v5-keep-other"))
    o.recv()
    o.send(publish("keep/t", "other", qos=1, pid=1))
    d = recv(c)
    while d["type"] != 3:
        d = recv(c)
    print("got", d["payload"].decode(), "ids", d["props"].get(SUBSCRIPTION_ID))
    k, ack2 = session(port, "v5-keep2", clean=False, p=props((SESSION_EXPIRY, 600)))
    d = recv(k)
    while d["type"] != 3:
        d = recv(k)
    pr = d["props"]
    print("queued", d["payload"].decode(), pr.get(RESPONSE_TOPIC), pr.get(USER),
          pr.get(SUBSCRIPTION_ID), 0 < pr.get(MESSAGE_EXPIRY, 0) <= 600)
    r, _ = session(port, "v5-keep-ret")
    r.send(subscribe(1, ("kr/#", 1)))
    d = recv(r)
    while d["type"] != 3:
        d = recv(r)
    print("retained", d["payload"].decode(), d["props"].get(CONTENT_TYPE))
PY
"$PY" "$TMP/nl.py" "$port" "$(dirname "$0")/py" before >"$TMP/nl1"
kill -9 "$PID_broker"
wait "$PID_broker" 2>/dev/null
th_bg broker2 "$TERN" broker -p "$port" --allow-anonymous -v --persist "$TMP/state"
th_wait_tcp "$port"
# time must pass: a session restored with a wrong interval would be ended by
# the broker's once-a-second expiry sweep
sleep 2.5
out=$(timeout 20 "$PY" "$TMP/nl.py" "$port" "$(dirname "$0")/py" after 2>&1)
th_match "after kill -9: the 5.0 session (expiry 600) is present" "present 1" "$out"
th_match "after kill -9: No Local still holds (its own message not back, the other's is)" \
  "got other" "$out"
th_match "after kill -9: the Subscription Identifier still comes with it" "ids \[9\]" "$out"
th_match "after kill -9: a queued message keeps its properties, expiry and identifier" \
  "queued queued kp/back \[\('u', '1'\)\] \[11\] True" "$out"
th_match "after kill -9: a retained message keeps its properties" "retained kept text/x" "$out"

# a clean stop (SIGTERM): 5.0 clients are told why (DISCONNECT 0x8B, Server
# shutting down), a 3.1.1 client's connection just closes
timeout 10 mosquitto_sub -V 5 -p "$port" -i bye5 -t bye/x -d >"$TMP/bye5" 2>&1 & b5=$!
timeout 10 mosquitto_sub -p "$port" -i bye3 -t bye/x -d >"$TMP/bye3" 2>&1 & b3=$!
th_wait_sub broker2 bye5
th_wait_sub broker2 bye3
kill -TERM "$PID_broker2"
wait $b5 $b3
wait "$PID_broker2"
th_eq "SIGTERM: the broker exits 0" 0 $?
th_match "SIGTERM: a 5.0 client gets DISCONNECT 0x8B (139)" "Received DISCONNECT \(139\)" "$(cat "$TMP/bye5")"
th_match "the broker says why it closes them" "closing bye5: server shutting down" "$(cat "$TMP/broker2.log")"
th_match "the 3.1.1 client was connected" "Subscribed \(mid: 1\)" "$(cat "$TMP/bye3")"
th_eq "no DISCONNECT packet for a 3.1.1 client (3.1.1 has none from a server)" 0 \
  "$(grep -c "Received DISCONNECT" "$TMP/bye3")"
th_done
