"""An unchanged paho subscriber, as the seed's host would be: collect
SESSION/data until SESSION/plot. Usage: paho_collect.py PORT SESSION [HOST]"""
import sys

import paho.mqtt.client as mqtt

port, session = int(sys.argv[1]), sys.argv[2]
host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
rows = []


def on_connect(c, u, f, rc):
    c.subscribe(session + "/data", 1)
    c.subscribe(session + "/plot", 1)


def on_message(c, u, m):
    if m.topic.endswith("/plot"):
        print("plot", m.payload.decode())
        c.disconnect()
    else:
        rows.append(m.payload.decode())


c = mqtt.Client(client_id="paho-collect")
c.on_connect = on_connect
c.on_message = on_message
c.connect(host, port)
c.loop_forever()
print("rows", len(rows))
for r in rows:
    print(r)
