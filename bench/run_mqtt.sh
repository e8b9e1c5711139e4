#!/usr/bin/env bash
# MQTT benchmarks, same run, same machine, ratios not absolute times.
#   bench/run_mqtt.sh            (builds build-bench/ with -DTERN_BENCH=ON first)
# Brokers are pinned to core 0 and the load generator to core 1.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
ulimit -n "$(ulimit -Hn)"
conf=$(mktemp)
mosq() { # PORT -> starts Mosquitto (no queue limit), pid in MP
  printf '%s\nlistener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_connections -1\n' \
    "$([ "$(id -u)" = 0 ] && echo 'user root')" "$1" >"$conf"
  taskset -c 0 mosquitto -c "$conf" >/dev/null 2>&1 & MP=$!
  sleep 0.5
}

echo "## client: messages per second to one Mosquitto (32-byte payload, inflight window 20)"
p=$(port); mosq "$p"
for q in 0 1; do
  for c in tern mosquitto paho; do taskset -c 1 timeout 120 "$B/bench_client_$c" 127.0.0.1 "$p" "$q" 100000 || echo "$c qos=$q failed"; done
done
PAHO_INFLIGHT=1000 taskset -c 1 timeout 120 "$B/bench_client_paho" 127.0.0.1 "$p" 1 100000 | sed 's/^paho/paho(window 1000)/'
echo "## client: heap bytes per connected client (100 clients)"
for c in tern mosquitto paho; do timeout 60 "$B/bench_client_$c" 127.0.0.1 "$p" mem 100; done
kill $MP; wait $MP 2>/dev/null || true

echo "## broker: same load generator (bench_mqtt_load) against each"
for broker in tern mosquitto; do
  p=$(port)
  if [ $broker = tern ]; then taskset -c 0 "$B/tern" broker -p "$p" --allow-anonymous >/dev/null 2>&1 & MP=$!; sleep 0.5
  else mosq "$p"; fi
  echo "### $broker"
  for mode in one2one fanin qos1; do taskset -c 1 timeout 120 "$B/bench_mqtt_load" 127.0.0.1 "$p" $mode 200000; done
  taskset -c 1 timeout 120 "$B/bench_mqtt_load" 127.0.0.1 "$p" fanout 20000
  taskset -c 1 timeout 120 "$B/bench_mqtt_load" 127.0.0.1 "$p" latency 5000
  taskset -c 1 timeout 300 "$B/bench_mqtt_load" 127.0.0.1 "$p" idle 10000 "$MP"
  kill $MP; wait $MP 2>/dev/null || true
done
rm -f "$conf"
echo "## Cortex-M4 code size (make size)"
scripts/size.sh build-mcu
