"""Publish QoS 1 messages with paho while the broker is killed (-9) and
restarted three times. Writes each acknowledged payload to TMP/acked.
Usage: publish_through_kills.py PORT TMP TERN"""
import os
import signal
import subprocess
import sys
import threading
import time

import paho.mqtt.client as mqtt

port, tmp, tern = int(sys.argv[1]), sys.argv[2], sys.argv[3]
acked, sent = set(), {}
lock = threading.Lock()


def start_broker():
    log = open(os.path.join(tmp, "broker.log"), "a")
    p = subprocess.Popen([tern, "broker", "-p", str(port), "--allow-anonymous", "--persist",
                          os.path.join(tmp, "data"), "-v"], stdout=log, stderr=log)
    with open(os.path.join(tmp, "broker.pid"), "w") as f:
        f.write(str(p.pid))
    return p


# the shell started one; find it through the port's owner is fragile, so we
# kill by pid file only after our first restart; the first kill uses pkill
def on_publish(client, userdata, mid, *args):
    with lock:
        if mid in sent:
            acked.add(sent.pop(mid))


c = mqtt.Client(client_id="ptk-pub", clean_session=False)
c.on_publish = on_publish
c.max_inflight_messages_set(20)
c.max_queued_messages_set(0)
c.reconnect_delay_set(0.05, 0.5)
c.connect("127.0.0.1", port, keepalive=5)
c.loop_start()

kills = 0
broker = None
next_kill = time.time() + 0.7
i = 0
end = time.time() + 8
while time.time() < end:
    i += 1
    payload = "m%05d" % i
    info = c.publish("f/t", payload, qos=1)
    with lock:
        sent[info.mid] = payload
    time.sleep(0.002)
    if kills < 3 and time.time() > next_kill:
        if broker is None:
            subprocess.run(["pkill", "-9", "-f", "broker -p %d " % port])
        else:
            broker.send_signal(signal.SIGKILL)
            broker.wait()
        kills += 1
        time.sleep(0.2)
        broker = start_broker()
        next_kill = time.time() + 1.0
# let the last messages be acknowledged
deadline = time.time() + 10
while time.time() < deadline:
    with lock:
        if not sent:
            break
    time.sleep(0.1)
c.loop_stop()
c.disconnect()
with open(os.path.join(tmp, "acked"), "w") as f:
    for p in sorted(acked):
        f.write(p + "\n")
print("kills=%d acked=%d unacked=%d" % (kills, len(acked), len(sent)))
