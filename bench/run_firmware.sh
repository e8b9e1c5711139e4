#!/usr/bin/env bash
# The firmware on QEMU's mps2-an386 next to `tern device` on Linux, same
# run, same load generators (none built on tern): MQTT through the device
# (paho sends LED commands, the device answers each on SESSION/led/state)
# and HTTP requests per second on its page API (wrk, two connections: the
# firmware keeps three). QEMU emulates the Cortex-M4 and the LAN9118 and
# carries the board's traffic through its user-mode NAT: the ratio is what
# the emulation costs, not what a real board at 25 MHz would do. Then the
# firmware's flash and RAM (make size).
set -eu
cd "$(dirname "$0")/.."
for c in wrk qemu-system-arm mosquitto; do command -v $c >/dev/null || { echo "needs $c"; exit 1; }; done
. bench/lib.sh
make --no-print-directory firmware >/dev/null
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
N=${N:-20000}
bp=$(port)
taskset -c 0 "$B/tern" broker -p "$bp" --allow-anonymous >"$tmp/broker.log" 2>&1 &
wait_port "$bp"
measure() { # NAME PAGE_PORT SESSION
  /usr/bin/python3 bench/firmware_led_rate.py 127.0.0.1 "$bp" "$3" "$N" | sed "s/^/$1 mqtt: /"
  taskset -c 1 wrk -t1 -c2 -d5s "http://127.0.0.1:$2/api/led" |
    awk -v n="$1" '/Requests\/sec/ {print n " http: requests_per_s=" $2} /Latency/ {print n " http: avg_latency=" $2}'
}
hp=$(port)
taskset -c 0 "$B/tern" device --name linuxdev --iface lo --broker "mqtt://127.0.0.1:$bp" --http-port "$hp" \
  --console-port 0 --samples 0 --ntp 127.0.0.1:9 >"$tmp/dev.log" 2>&1 &
dev=$!
wait_port "$hp"
measure "tern device (Linux)" "$hp" linuxdev
kill $dev
fp=$(port)
taskset -c 0 scripts/run-firmware.sh --fwd "$fp:80" -- --name fwdev --broker "mqtt://10.0.2.2:$bp" \
  --http-port 80 --console-port 0 --samples 0 >"$tmp/fw.log" 2>&1 &
for _ in $(seq 200); do grep -q "^MQTT: connected" "$tmp/fw.log" && break; sleep 0.1; done
measure "firmware (QEMU)" "$fp" fwdev
grep Memory "$tmp/fw.log" | tail -1 | sed 's/^/firmware: /'
echo
make --no-print-directory size | sed -n '/^firmware/,$p'
