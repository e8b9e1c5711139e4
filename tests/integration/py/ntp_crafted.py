"""A crafted SNTP server for tests: its clock runs OFFSET seconds off ours,
and it can misbehave on purpose. Usage: ntp_crafted.py PORT OFFSET MODE
MODE: good | rate | deny | rstr | badorigin | stratum16 | leap3 | short | silent"""
import socket
import struct
import sys
import time

port, offset, mode = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
NTP_EPOCH = 2208988800


def ntp(t):
    t += NTP_EPOCH
    return (int(t) << 32) | int((t - int(t)) * 2 ** 32)


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
print("ready", flush=True)
while True:
    data, addr = s.recvfrom(1024)
    recv = time.time() + offset
    if len(data) < 48 or mode == "silent":
        continue
    origin = struct.unpack("!Q", data[40:48])[0]
    li, stratum, ref = 0, 2, b"GPS\0"
    if mode in ("rate", "deny", "rstr"):
        stratum, ref = 0, mode.upper().encode()
    if mode == "badorigin":
        origin ^= 0xFFFF
    if mode == "stratum16":
        stratum = 16
    if mode == "leap3":
        li = 3
    reply = struct.pack("!BBbbII4sQQQQ", (li << 6) | (4 << 3) | 4, stratum, 6, -20, 0, 0, ref,
                        ntp(recv), origin, ntp(recv), ntp(time.time() + offset))
    if mode == "short":
        reply = reply[:40]
    s.sendto(reply, addr)
