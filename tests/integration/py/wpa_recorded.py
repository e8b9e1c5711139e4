"""A stand-in for wpa_supplicant's control socket that answers with a
recorded exchange (radio hardware cannot run here), and logs each command.
Usage: wpa_recorded.py CTRL_DIR IFACE LOG [wrong-password]"""
import os
import socket
import sys

ctrl_dir, iface, log = sys.argv[1], sys.argv[2], sys.argv[3]
wrong = len(sys.argv) > 4
os.makedirs(ctrl_dir, exist_ok=True)
path = os.path.join(ctrl_dir, iface)
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("ready", flush=True)
# recorded from wpa_supplicant 2.10 (wpa_cli -i wlan0 ...)
status_ok = b"bssid=02:00:00:00:01:00\nfreq=2412\nssid=tern-lab\nid=0\nmode=station\npairwise_cipher=CCMP\n" \
            b"group_cipher=CCMP\nkey_mgmt=WPA2-PSK\nwpa_state=COMPLETED\naddress=02:00:00:00:00:00\n"
status_bad = b"wpa_state=4WAY_HANDSHAKE\naddress=02:00:00:00:00:00\n"
while True:
    data, addr = s.recvfrom(4096)
    cmd = data.decode()
    with open(log, "a") as f:
        f.write(cmd + "\n")
    if cmd == "ADD_NETWORK":
        reply = b"0\n"
    elif cmd == "STATUS":
        reply = status_bad if wrong else status_ok
    elif cmd.startswith(("SET_NETWORK", "ENABLE_NETWORK", "REMOVE_NETWORK", "SELECT_NETWORK")):
        reply = b"OK\n"
    else:
        reply = b"UNKNOWN COMMAND\n"
    s.sendto(reply, addr)
