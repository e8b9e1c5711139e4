#!/usr/bin/env bash
# Broker throughput and latency under overload, tern broker against
# Mosquitto in one run, with the raw-packet generator (bench/mqtt_flood.c:
# its own encoder, nothing of tern's). Each broker pinned to core 0, the
# generator to core 1. Every workload must deliver everything.
#   bench/run_overload.sh            (writes the table to stdout)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
workloads=(
  "qos0 1->1 (200,000 x 32 B)|0 1 1 200000"
  "qos1 1->1, 32 in flight|1 1 1 100000 32"
  "fan-in 100->1, qos0|0 100 1 2000"
  "fan-out 1->100, qos0|0 1 100 2000"
  "qos1 10->1, 32 in flight|1 10 1 20000 32"
  "qos1 round trip, 1 in flight|rtt 5000"
)
printf '%-32s %12s %12s %7s  %s\n' workload "tern msg/s" "mosq msg/s" ratio "delivered (tern / mosquitto); latency"
for w in "${workloads[@]}"; do
  name=${w%%|*}; args=${w#*|}
  declare -A r=()
  for broker in tern mosquitto; do
    start $broker
    # shellcheck disable=SC2086
    r[$broker]=$(taskset -c 1 "$B/bench_mqtt_flood" "$P" $args || true)
    kill "$PID"; wait "$PID" 2>/dev/null || true
  done
  t=$(echo "${r[tern]}" | sed -n 's/.*msgs_per_s \([0-9]*\).*/\1/p')
  m=$(echo "${r[mosquitto]}" | sed -n 's/.*msgs_per_s \([0-9]*\).*/\1/p')
  dt=$(echo "${r[tern]}" | sed -n 's/.*received \([0-9]*\) expected \([0-9]*\).*/\1\/\2/p')
  dm=$(echo "${r[mosquitto]}" | sed -n 's/.*received \([0-9]*\) expected \([0-9]*\).*/\1\/\2/p')
  lat=""
  case "$args" in rtt*) lat="; p50/p99 us: tern $(echo "${r[tern]}" | sed -n 's/.*p50_us \([0-9]*\) p99_us \([0-9]*\).*/\1\/\2/p'), mosquitto $(echo "${r[mosquitto]}" | sed -n 's/.*p50_us \([0-9]*\) p99_us \([0-9]*\).*/\1\/\2/p')" ;; esac
  printf '%-32s %12s %12s %7s  %s / %s%s\n' "$name" "$t" "$m" "$(python3 -c "print('%.2f' % ($t / max($m, 1)))")" "$dt" "$dm" "$lat"
done
