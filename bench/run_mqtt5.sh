#!/usr/bin/env bash
# MQTT 5.0 next to 3.1.1 on tern broker, and next to Mosquitto on the same 5.0
# workload, in one run: the raw-packet generator bench/mqtt_flood.c (its own
# encoder; MQTT_FLOOD_VERSION=5 for 5.0) with each broker pinned to core 0,
# the generator to core 1; then memory per connected client (one
# subscription each, bench/mqtt_clients_rss.py) for both versions.
#   bench/run_mqtt5.sh            (writes the tables to stdout)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
run() { # broker version args...
  local broker=$1 v=$2 out
  shift 2
  start "$broker"
  out=$(MQTT_FLOOD_VERSION=$v taskset -c 1 "$B/bench_mqtt_flood" "$P" "$@" || true)
  kill "$PID"; wait "$PID" 2>/dev/null || true
  echo "$out"
}
rate() { sed -n 's/.*msgs_per_s \([0-9]*\).*/\1/p'; }
got() { sed -n 's/.*received \([0-9]*\) expected \([0-9]*\).*/\1\/\2/p'; }
workloads=(
  "qos0 1->1 (200,000 x 32 B)|0 1 1 200000"
  "qos1 1->1, 32 in flight|1 1 1 20000 32"
  "fan-out 1->100, qos0|0 1 100 2000"
  "qos1 10->1, 32 in flight|1 10 1 20000 32"
)
printf '%-30s %11s %11s %11s %8s %8s  %s\n' workload "tern 3.1.1" "tern 5.0" "mosq 5.0" \
  "5/3.1.1" "5 t/m" "delivered (tern 3.1.1, tern 5, mosq 5)"
for w in "${workloads[@]}"; do
  name=${w%%|*}
  read -r -a args <<<"${w#*|}"
  a=$(run tern 4 "${args[@]}"); b=$(run tern 5 "${args[@]}"); c=$(run mosquitto 5 "${args[@]}")
  ra=$(echo "$a" | rate); rb=$(echo "$b" | rate); rc=$(echo "$c" | rate)
  printf '%-30s %11s %11s %11s %8s %8s  %s, %s, %s\n' "$name" "$ra" "$rb" "$rc" \
    "$(python3 -c "print('%.2f' % ($rb / max($ra, 1)))")" \
    "$(python3 -c "print('%.2f' % ($rb / max($rc, 1)))")" \
    "$(echo "$a" | got)" "$(echo "$b" | got)" "$(echo "$c" | got)"
done
echo
printf '%-10s %8s %18s %18s\n' broker version "bytes/client" "rss during (kB)"
for broker in tern mosquitto; do
  for v in 4 5; do
    start "$broker"
    out=$(python3 bench/mqtt_clients_rss.py "$P" "$PID" 2000 "$v")
    kill "$PID"; wait "$PID" 2>/dev/null || true
    printf '%-10s %8s %18s %18s\n' "$broker" "$([ $v = 5 ] && echo 5.0 || echo 3.1.1)" \
      "$(echo "$out" | sed -n 's/.*bytes_per_client \([0-9]*\).*/\1/p')" \
      "$(echo "$out" | sed -n 's/.*rss_during_kb \([0-9]*\).*/\1/p')"
  done
done
