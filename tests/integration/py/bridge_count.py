"""Subscribe (QoS 1) to TOPIC on the upstream broker and count what comes
until N distinct payloads (zero-padded numbers) arrived or TIMEOUT passed.
Prints "distinct D duplicates U" and writes the first arrivals, in order,
to the file ORDER. Usage: bridge_count.py HOST PORT TOPIC N TIMEOUT ORDER"""
import sys
import threading
import time

import paho.mqtt.client as mqtt

host, port, topic, n, timeout = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
seen, dups, order = set(), 0, []
done = threading.Event()


def on_message(client, userdata, m):
    global dups
    v = int(m.payload)
    if v in seen:
        dups += 1
        return
    seen.add(v)
    order.append(v)
    if len(seen) >= n:
        done.set()


try:
    c = mqtt.Client(client_id="upsub", clean_session=False)
except (TypeError, AttributeError):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="upsub", clean_session=False)
c.on_message = on_message
c.on_connect = lambda c, u, f, rc: c.subscribe(topic, 1)
c.connect(host, port)
c.loop_start()
done.wait(timeout)
c.loop_stop()
open(sys.argv[6], "w").write(" ".join(map(str, order)))
missing = sorted(set(range(1, n + 1)) - seen)
if missing:  # ranges, to tell where they went missing
    runs, start = [], missing[0]
    for a, b in zip(missing, missing[1:] + [None]):
        if b != a + 1:
            runs.append("%d-%d" % (start, a))
            start = b
    print("missing: " + " ".join(runs[:20]), file=sys.stderr, flush=True)
print("distinct %d duplicates %d" % (len(seen), dups), flush=True)
