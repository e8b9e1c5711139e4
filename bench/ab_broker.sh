#!/usr/bin/env bash
# Two builds of tern broker side by side under the same load generator
# (bench_mqtt_load, which shares no code with the broker), alternating
# ROUNDS times so drift on the machine hits both alike:
#   bench/ab_broker.sh OLD_TERN [NEW_TERN] [ROUNDS]
# NEW_TERN defaults to build-bench's. One line per run: which, mode, rate.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
old=$1 new=${2:-$B/tern} rounds=${3:-3}
for ((r = 1; r <= rounds; r++)); do
  for which in old new; do
    bin=$old; [ $which = new ] && bin=$new
    P=$(port)
    taskset -c 0 "$bin" broker -p "$P" --allow-anonymous >/dev/null 2>&1 & PID=$!
    wait_port "$P"
    for mode in one2one qos1 fanin; do
      echo "$which $mode $(taskset -c 1 timeout 120 "$B/bench_mqtt_load" 127.0.0.1 "$P" $mode 200000 |
        sed -n 's/.*deliveries_per_s=\([0-9]*\).*/\1/p')"
    done
    kill $PID; wait $PID 2>/dev/null || true
  done
done
