"""Capture mDNS traffic on an interface (joined to 224.0.0.251) for SECONDS
and check RFC 6762 timing: three probes 250 ms apart (8.1), then at least two
announcements one second apart (8.3). Usage: mdns_capture.py MY_IP SECONDS NAME"""
import socket
import struct
import sys
import time

ip, seconds, name = sys.argv[1], float(sys.argv[2]), sys.argv[3].encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("224.0.0.251", 5353))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.0.0.251") + socket.inet_aton(ip))
s.settimeout(0.1)
print("capturing", flush=True)
probes, announces, end = [], [], time.time() + seconds
while time.time() < end:
    try:
        data = s.recv(4096)
    except socket.timeout:
        continue
    if name not in data or len(data) < 12:
        continue
    flags, qd, an, ns = struct.unpack("!HHHH", data[2:10])
    if not flags & 0x8000 and ns > 0:
        probes.append(time.time())
    elif flags & 0x8000 and an > 0:
        announces.append(time.time())
gaps = [round(b - a, 3) for a, b in zip(probes, probes[1:])]
print("probes", len(probes), "gaps", gaps)
agaps = [round(b - a, 3) for a, b in zip(announces, announces[1:])]
print("announcements", len(announces), "gaps", agaps)
ok = len(probes) >= 3 and all(0.2 <= g <= 0.35 for g in gaps[:2]) and len(announces) >= 2 and agaps[0] >= 0.9 \
    and announces[0] >= probes[2]
print("timing", "ok" if ok else "wrong")
