"""Two multicast queries for NAME A, 100 ms apart: the responder answers the
first by multicast and holds the second (one answer per record per second,
RFC 6762 6.2). Prints how many multicast answers arrived.
Usage: mdns_rate.py MY_IP NAME"""
import socket
import struct
import sys
import time

ip, name = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("224.0.0.251", 5353))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.0.0.251") + socket.inet_aton(ip))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
out.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
out.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
out.bind((ip, 5353))  # from port 5353: a full mDNS query, answered by multicast
out.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(ip))
q = struct.pack("!HHHHHH", 0, 0, 1, 0, 0, 0) + b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack("!HH", 1, 1)
time.sleep(1.2)  # let earlier traffic age out of the once-a-second window
out.sendto(q, ("224.0.0.251", 5353))
time.sleep(0.1)
out.sendto(q, ("224.0.0.251", 5353))
s.settimeout(0.2)
answers, end = 0, time.time() + 0.9
while time.time() < end:
    try:
        data = s.recv(2048)
    except socket.timeout:
        continue
    if len(data) > 12 and data[2] & 0x80 and struct.unpack("!H", data[6:8])[0] > 0:
        answers += 1
print(answers)
