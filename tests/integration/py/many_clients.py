"""Open N MQTT connections to a broker, check every CONNACK, report the
broker's resident memory at start, with all connected, and after all left.
Usage: many_clients.py PORT BROKER_PID N"""
import resource
import selectors
import socket
import sys
import time

from mqttraw import connect

port, pid, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))


def rss_kb():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


start_rss = rss_kb()
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(connect("many-%d" % i, keepalive=600))
    socks.append(s)
sel = selectors.DefaultSelector()
for s in socks:
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
acks = 0
deadline = time.time() + 120
while acks < n and time.time() < deadline:
    for key, _ in sel.select(timeout=1):
        data = key.fileobj.recv(16)
        if data[:2] == b"\x20\x02" and data[3:4] == b"\x00":
            acks += 1
        sel.unregister(key.fileobj)
full_rss = rss_kb()
for s in socks:
    s.close()


def established_on_port():
    # the broker's side of each connection: local port == broker port, state 01
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if int(parts[1].split(":")[1], 16) == port and parts[3] in ("01", "08"):
                        n += 1
        except FileNotFoundError:
            pass
    return n


# wait for the broker to have closed its side of every connection
deadline = time.time() + 60
while established_on_port() and time.time() < deadline:
    time.sleep(0.1)
end_rss = rss_kb()
print("connacks=%d start_kb=%d full_kb=%d end_kb=%d per_client_bytes=%d"
      % (acks, start_rss, full_rss, end_rss, (full_rss - start_rss) * 1024 // max(n, 1)))
