"""Run inside the edge's namespace: start the edge broker (tern broker -c
CONF), publish N QoS 1 messages to it with paho, and on the way cut the
link to the upstream broker (ip link set DEV down), kill -9 the edge and
start it again while the link is down, then restore the link. Prints
"published N acked N" and leaves the restarted edge running (its pid in
TMP/edge.pid).  Usage: bridge_run.py TERN CONF TMP DEV N"""
import os
import signal
import subprocess
import sys
import threading
import time

import paho.mqtt.client as mqtt

tern, conf, tmp, dev, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
log = os.path.join(tmp, "edge.log")


def start_edge():
    out = open(log, "a")
    p = subprocess.Popen([tern, "broker", "-c", conf, "-v"], stdout=out, stderr=out)
    with open(os.path.join(tmp, "edge.pid"), "w") as f:
        f.write(str(p.pid))
    return p


def wait_log(text, since, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        with open(log, errors="replace") as f:
            f.seek(since)
            if text in f.read():
                return True
        time.sleep(0.02)
    sys.exit("timed out waiting for %r in the edge's log" % text)


def say(what):
    print(what, flush=True)


edge = start_edge()
wait_log("bridge up: connected", 0)
acked, sent = set(), {}
# a PUBACK can come back (paho's network thread) before publish() has
# returned its mid to be recorded: such mids wait here for their number
early = set()
lock = threading.Lock()
# What paho has in flight at the kill, and what it is given until it has
# reconnected, it (re)sends in an order of its own: the upstream order
# check leaves those out.
unordered, reconnected = set(), threading.Event()


def on_publish(client, userdata, mid, *args):
    with lock:
        if mid in sent:
            acked.add(sent.pop(mid))
        else:
            early.add(mid)


try:
    c = mqtt.Client(client_id="edgepub", clean_session=False)
except (TypeError, AttributeError):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="edgepub", clean_session=False)
c.on_publish = on_publish
c.on_connect = lambda *a: reconnected.set()
c.max_inflight_messages_set(20)
c.max_queued_messages_set(0)
c.reconnect_delay_set(0.05, 0.5)
c.connect("127.0.0.1", 1883, keepalive=5)
c.loop_start()
for i in range(1, n + 1):
    info = c.publish("up/t", "%06d" % i, qos=1)
    with lock:
        if info.mid in early:
            early.discard(info.mid)
            acked.add(i)
        else:
            sent[info.mid] = i
        if i > 2 * n // 5 and not reconnected.is_set():
            unordered.add(i)
    if i == n // 5:
        subprocess.run(["ip", "link", "set", dev, "down"], check=True)
        say("link down at %d" % i)
    if i == 2 * n // 5:
        # the edge dies with messages waiting for the link
        with lock:
            unordered.update(sent.values())
        reconnected.clear()
        edge.send_signal(signal.SIGKILL)
        edge.wait()
        mark = os.path.getsize(log)
        edge = start_edge()
        wait_log("listening on", mark)
        say("edge killed and restarted at %d" % i)
    if i == 3 * n // 5:
        subprocess.run(["ip", "link", "set", dev, "up"], check=True)
        say("link up at %d" % i)
    time.sleep(0.0005)  # a steady publisher, so the cuts fall mid-run
end = time.time() + 60
while time.time() < end and len(acked) < n:
    time.sleep(0.05)
c.loop_stop()
open(os.path.join(tmp, "unordered"), "w").write(" ".join(map(str, sorted(unordered))))
say("published %d acked %d" % (n, len(acked)))
