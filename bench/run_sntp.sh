#!/usr/bin/env bash
# SNTP accuracy: 100 syncs against the crafted server (tests/integration/py/
# ntp_crafted.py) whose clock runs +1.234567 s ahead; error = |measured -
# 1.234567|. Then the same across a veth pair with netem delay (20 ms +-
# 5 ms), inside network namespaces this script makes, where the kernel has it.
set -eu
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DTERN_BENCH=ON >/dev/null
cmake --build build-bench >/dev/null
B=$PWD/build-bench/bin
C=$PWD/tests/integration/py/ntp_crafted.py
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 "$C" "$port" 1.234567 good >/dev/null & pid=$!
sleep 0.5
echo "loopback:        $("$B/bench_sntp_accuracy" "127.0.0.1:$port" 1.234567 100)"
kill $pid
if [ "$(id -u)" != 0 ]; then echo "netem: skipped (needs root for namespaces)"; exit 0; fi
a="tern-sa-$$"; b="tern-sb-$$"
ip netns add "$a"; ip netns add "$b"
trap 'ip netns del "$a"; ip netns del "$b"' EXIT
ip link add va netns "$a" type veth peer name vb netns "$b"
ip -n "$a" addr add 192.0.2.1/24 dev va; ip -n "$b" addr add 192.0.2.2/24 dev vb
ip -n "$a" link set va up; ip -n "$b" link set vb up
if ! ip netns exec "$a" tc qdisc add dev va root netem delay 20ms 5ms 2>/dev/null; then
  echo "netem: skipped (the kernel has no sch_netem here)"; exit 0
fi
ip netns exec "$b" /usr/bin/python3 "$C" 1123 1.234567 good >/dev/null & pid=$!
sleep 0.5
echo "netem 20+-5 ms:  $(ip netns exec "$a" "$B/bench_sntp_accuracy" 192.0.2.2:1123 1.234567 100)"
kill $pid
