#!/usr/bin/env bash
# A fleet of 10,000 simulated devices (tern fleet), one sample a second
# each at QoS 1 for 30 s, against tern broker, Mosquitto, and a three-node
# RabbitMQ cluster (scripts/rabbitmq-cluster.sh), one after the other on
# this machine: connections held at the end, the broker's resident memory
# per device (VmRSS with the fleet connected minus before; RabbitMQ: its
# three nodes together), p50/p99 from publish to delivery, losses. The
# broker on core 0, the fleet on core 1. Needs root (the cluster's
# namespace). DEVICES, DURATION override the size.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "needs root (network namespace for the cluster)"; exit 1; }
. bench/lib.sh
DEVICES=${DEVICES:-10000} DURATION=${DURATION:-30}
ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d)
NS="tern-bench-$$"
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  if ip netns list | grep -q "^$NS"; then
    for p in $(ip netns pids "$NS"); do kill -9 "$p"; done
    ip netns del "$NS"
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
rss() { # PIDS (one word, spaces between): their resident memory together, kB
  local t=0 p
  for p in $1; do t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status"))); done
  echo $t
}

# run NAME "PIDS" RUNNER... -- BROKERS
run() {
  local name=$1 pids=$2 brokers=$3
  shift 3
  local before
  before=$(rss "$pids")
  "$@" taskset -c 1 "$B/tern" fleet --broker "$brokers" --devices "$DEVICES" --rate 1 \
    --duration "$DURATION" --drain 60 --connect-rate 1000 >"$tmp/$name.out" 2>"$tmp/$name.err" &
  local fp=$!
  # the broker's memory once every device is connected and publishing
  for _ in $(seq 600); do grep -q "connected $DEVICES/$DEVICES" "$tmp/$name.err" && break; sleep 0.1; done
  sleep 2
  local during
  during=$(rss "$pids")
  wait $fp || true
  echo "$name: $(grep '^devices ' "$tmp/$name.out") broker_kb_per_device=$(awk -v a="$before" \
    -v b="$during" -v n="$DEVICES" 'BEGIN {printf "%.2f", (b - a) / n}')"
  grep "heap per connected device" "$tmp/$name.err" | sed "s/^fleet:/$name fleet:/"
}

bp=$(port)
taskset -c 0 "$B/tern" broker -p "$bp" --allow-anonymous >"$tmp/tb.log" 2>&1 &
tb=$!
wait_port "$bp"
run "tern broker" "$tb" "mqtt://127.0.0.1:$bp" env
kill $tb

mp=$(port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$mp" >"$tmp/mq.conf"
[ "$(id -u)" = 0 ] && echo "user root" >>"$tmp/mq.conf"
taskset -c 0 mosquitto -c "$tmp/mq.conf" >"$tmp/mq.log" 2>&1 &
mq=$!
wait_port "$mp"
run "Mosquitto" "$mq" "mqtt://127.0.0.1:$mp" env
kill $mq

ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
taskset -c 0 scripts/rabbitmq-cluster.sh "$NS" "$tmp"
beams=$(for n in 1 2 3; do cat "$tmp/rabbit$n.pid"; echo; done | tr -s '\n' ' ')
run "RabbitMQ x3" "$beams" "mqtt://127.0.0.1:1884,mqtt://127.0.0.1:1885,mqtt://127.0.0.1:1886" \
  ip netns exec "$NS"
