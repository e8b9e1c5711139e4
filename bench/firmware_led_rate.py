"""MQTT through a device, both ways: N LED commands (alternating ON and OFF,
QoS 1) sent as fast as paho sends them, and the time until the device's
N-th SESSION/led/state answer arrives. Shares no code with tern.
Usage: firmware_led_rate.py HOST PORT SESSION N"""
import sys
import threading
import time

import paho.mqtt.client as mqtt

host, port, session, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
got, done, subscribed = [0], threading.Event(), threading.Event()


def on_connect(c, u, f, rc):
    c.subscribe(session + "/led/state", 1)


def on_subscribe(c, u, mid, qos):
    subscribed.set()


def on_message(c, u, m):
    if m.retain:  # the state before the run
        return
    got[0] += 1
    if got[0] == n:
        done.set()


c = mqtt.Client(client_id="led-rate")
c.on_connect, c.on_subscribe, c.on_message = on_connect, on_subscribe, on_message
c.max_inflight_messages_set(20)
c.connect(host, port)
c.loop_start()
subscribed.wait(10)
time.sleep(0.5)  # the retained state has arrived
t0 = time.monotonic()
for i in range(n):
    c.publish(session + "/led", "ON" if i % 2 == 0 else "OFF", qos=1)
done.wait(300)
t = time.monotonic() - t0
c.loop_stop()
print("led_round_trips_per_s=%.0f answered=%d of %d in %.2f s" % (got[0] / t, got[0], n, t))
