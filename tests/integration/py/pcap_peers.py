"""The IPv4 addresses in a pcap file (Ethernet frames, as QEMU's filter-dump
writes them: IPv4 packets and ARP, whose requests show where a packet was
about to go) that are outside an allowed set: one per line, with a count.
Usage: pcap_peers.py FILE ALLOWED_ADDRESS...  (multicast 224.0.0.0/24, the
link-local groups, and broadcast are allowed: no router passes them on)"""
import struct
import sys

allowed = set(sys.argv[2:]) | {"0.0.0.0", "255.255.255.255"}
data = open(sys.argv[1], "rb").read()
magic = struct.unpack("<I", data[:4])[0]
end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
off, frames, bad = 24, 0, {}
while off + 16 <= len(data):
    _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
    frame = data[off + 16:off + 16 + incl]
    off += 16 + incl
    frames += 1
    if len(frame) >= 34 and frame[12:14] == b"\x08\x00":
        addrs = (frame[26:30], frame[30:34])  # IPv4 source, destination
    elif len(frame) >= 42 and frame[12:14] == b"\x08\x06":
        addrs = (frame[28:32], frame[38:42])  # ARP sender, target
    else:
        continue
    for a in addrs:
        ip = ".".join(str(b) for b in a)
        if ip not in allowed and not ip.startswith("224.0.0."):
            bad[ip] = bad.get(ip, 0) + 1
print("frames", frames)
for ip, n in sorted(bad.items()):
    print("outside", ip, n)
