#!/usr/bin/env bash
# Bridge throughput, edge -> upstream: tern broker's bridge against
# Mosquitto's, both forwarding to the same Mosquitto upstream, driven by the
# raw-packet generator (bench/mqtt_flood.c: publishers to the edge, the
# subscriber on upstream). Then a backlog: QoS 1 messages published while
# upstream is down, and how long they take to drain once it is back.
#   bench/run_bridge.sh            (writes the table to stdout)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
root=$([ "$(id -u)" = 0 ] && echo 'user root' || true)
upstream() { # PORT -> UPID
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n%s\n' "$1" "$root" >"$tmp/up.conf"
  taskset -c 0 mosquitto -c "$tmp/up.conf" >"$tmp/up.log" 2>&1 & UPID=$!
  wait_port "$1"
}
edge() { # tern|mosquitto EDGEPORT UPPORT QOS -> EPID
  mkdir -p "$tmp/e"; rm -f "$tmp/e"/*
  if [ "$1" = tern ]; then
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s\nmax_queued_messages 1000000\nconnection up\naddress 127.0.0.1:%s\ntopic load/# out %s\nrestart_timeout 1\n' \
      "$2" "$tmp/e" "$3" "$4" >"$tmp/edge.conf"
    taskset -c 0 "$B/tern" broker -c "$tmp/edge.conf" >"$tmp/edge.log" 2>&1 & EPID=$!
  else
    printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location %s/\nmax_queued_messages 0\n%s\nconnection up\naddress 127.0.0.1:%s\ntopic load/# out %s\nrestart_timeout 1\n' \
      "$2" "$tmp/e" "$root" "$3" "$4" >"$tmp/edge.conf"
    taskset -c 0 mosquitto -c "$tmp/edge.conf" >"$tmp/edge.log" 2>&1 & EPID=$!
  fi
  wait_port "$2"
  for _ in $(seq 100); do grep -q "bridge up: connected\|Connecting bridge" "$tmp/edge.log" && break; sleep 0.05; done
  sleep 0.3 # the bridge's SUBACK/CONNACK upstream (no log line to wait on in Mosquitto's quiet mode)
}
printf '%-30s %12s %12s %7s  %s\n' workload "tern msg/s" "mosq msg/s" ratio "delivered (tern / mosquitto)"
for w in "qos0 1->1 (100,000 x 32 B)|0|0 1 1 100000" "qos1 1->1, 32 in flight|1|1 1 1 50000 32"; do
  name=${w%%|*}; rest=${w#*|}; q=${rest%%|*}; args=${rest#*|}
  declare -A r=()
  for kind in tern mosquitto; do
    U=$(port); E=$(port)
    upstream "$U"; edge "$kind" "$E" "$U" "$q"
    # shellcheck disable=SC2086
    r[$kind]=$(taskset -c 1 "$B/bench_mqtt_flood" "$E:$U" $args || true)
    kill "$EPID" "$UPID"; wait "$EPID" "$UPID" 2>/dev/null || true
  done
  t=$(echo "${r[tern]}" | sed -n 's/.*msgs_per_s \([0-9]*\).*/\1/p')
  m=$(echo "${r[mosquitto]}" | sed -n 's/.*msgs_per_s \([0-9]*\).*/\1/p')
  dt=$(echo "${r[tern]}" | sed -n 's/.*received \([0-9]*\) expected \([0-9]*\).*/\1\/\2/p')
  dm=$(echo "${r[mosquitto]}" | sed -n 's/.*received \([0-9]*\) expected \([0-9]*\).*/\1\/\2/p')
  printf '%-30s %12s %12s %7s  %s / %s\n' "$name" "${t:-0}" "${m:-0}" \
    "$(python3 -c "print('%.2f' % (${t:-0} / max(${m:-0}, 1)))")" "$dt" "$dm"
done
# The backlog: 20,000 QoS 1 messages published to the edge while upstream is
# down (kept by the edge), then upstream starts: seconds until the last one
# reached the subscriber (its persistent session made beforehand, so
# nothing depends on who connects first; both bridges retry every second).
printf '\n%-30s %12s %12s\n' "backlog of 20,000 QoS 1" "tern s" "mosq s"
declare -A d=()
for kind in tern mosquitto; do
  U=$(port); E=$(port)
  mkdir -p "$tmp/u"; rm -f "$tmp/u"/*
  up_persist="persistence true
persistence_location $tmp/u/"
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n%s\n%s\n' "$U" "$root" \
    "$up_persist" >"$tmp/up.conf"
  taskset -c 0 mosquitto -c "$tmp/up.conf" >"$tmp/up.log" 2>&1 & UPID=$!
  wait_port "$U"
  mosquitto_sub -p "$U" -c -i backlog -q 1 -t load/backlog -E
  kill "$UPID"; wait "$UPID" 2>/dev/null || true # saves the session
  edge "$kind" "$E" "$U" 1
  seq 1 20000 | mosquitto_pub -p "$E" -t load/backlog -q 1 -l
  queued=$(ls -l "$tmp/e" | awk 'NR > 1 {s += $5} END {print s + 0}')
  t0=$(date +%s.%N)
  taskset -c 0 mosquitto -c "$tmp/up.conf" >"$tmp/up.log" 2>&1 & UPID=$!
  wait_port "$U"
  got=$(timeout 60 mosquitto_sub -p "$U" -c -i backlog -q 1 -t load/backlog -C 20000 2>/dev/null | wc -l ||
    true)
  t1=$(date +%s.%N)
  d[$kind]="$(python3 -c "print('%.2f' % ($t1 - $t0))") s, $got received, edge's files ${queued} B"
  kill "$EPID" "$UPID"; wait "$EPID" "$UPID" 2>/dev/null || true
done
printf '  tern:      %s\n  mosquitto: %s\n' "${d[tern]}" "${d[mosquitto]}"
