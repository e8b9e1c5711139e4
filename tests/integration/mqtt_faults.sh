#!/usr/bin/env bash
# ctest-labels: heavy
# Fault run (heavy): 10,000 QoS 1 messages while Mosquitto restarts twice:
# every one arrives; at QoS 2 each exactly once. Then the publisher is
# killed with kill -9 mid-stream and restarted with its store: nothing it
# had accepted is lost.
. "$(dirname "$0")/../harness/lib.sh"
th_init mqtt_faults
th_need mosquitto
port=$(th_free_port)
mkdir -p "$TMP/mdata"
conf="listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $TMP/mdata/
max_queued_messages 0
max_inflight_messages 20"
th_mosquitto mosq "$conf"
restart_mosq() { kill "$PID_mosq"; wait "$PID_mosq" 2>/dev/null; th_mosquitto mosq "$conf"; }

run_qos() { # QOS N
  local q=$1 n=$2
  # no -C: QoS 1 may deliver duplicates after a restart; count distinct lines
  "$TERN" sub -p "$port" -c -i "fault-sub-$q" -q "$q" -t "fault/$q" >"$TMP/got$q" 2>"$TMP/sub$q.err" & local sp=$!
  th_wait_sub mosq "fault-sub-$q"
  seq 1 "$n" | "$TERN" pub -p "$port" -c -i "fault-pub-$q" -q "$q" -t "fault/$q" -l 2>"$TMP/pub$q.err" & local pp=$!
  th_wait_log "$TMP/got$q" "^$((n / 3))$" 60
  restart_mosq
  th_wait_log "$TMP/got$q" "^$((2 * n / 3))$" 60
  restart_mosq
  wait $pp; th_eq "QoS $q publisher finished" 0 $?
  local i
  for ((i = 0; i < 600; i++)); do [ "$(sort -un "$TMP/got$q" | wc -l)" -ge "$n" ] && break; sleep 0.1; done
  # a late duplicate would come now: half a second of listening is the test
  sleep 0.5; kill $sp 2>/dev/null; wait $sp 2>/dev/null
  th_eq "QoS $q: all $n distinct messages arrived" "$n" "$(sort -un "$TMP/got$q" | wc -l)"
}
run_qos 1 10000
run_qos 2 10000
th_eq "QoS 2: no duplicates" "$(wc -l <"$TMP/got2")" "$(sort -un "$TMP/got2" | wc -l)"
th_eq "QoS 2: in order" "$(seq 1 10000 | md5sum)" "$(md5sum <"$TMP/got2")"

# kill -9 of the publisher: its store replays what it had accepted.
"$TERN" sub -p "$port" -c -i store-sub -q 1 -t st/t -E >/dev/null 2>&1
"$BIN/mqtt_store_pub" "mqtt://127.0.0.1:$port" store-pub "$TMP/pub.store" 1 5000 st/t 1 1000 >"$TMP/p1.out" 2>&1 & pp=$!
th_wait_log "$TMP/p1.out" "accepted 2000$" 30
kill -9 $pp; wait $pp 2>/dev/null
last=$(grep -c '^accepted' "$TMP/p1.out")
"$BIN/mqtt_store_pub" "mqtt://127.0.0.1:$port" store-pub "$TMP/pub.store" $((last + 1)) 5000 st/t 1 0 >"$TMP/p2.out" 2>&1
th_match "restart restored unacknowledged messages" "^restored [0-9]+" "$(head -1 "$TMP/p2.out")"
th_match "second run drained" "drained ok" "$(tail -1 "$TMP/p2.out")"
timeout 60 "$TERN" sub -p "$port" -c -i store-sub -q 1 -t st/t -W 5 >"$TMP/st.got" 2>/dev/null
missing=$(seq 1 5000 | comm -23 <(sort) <(sort -u "$TMP/st.got") | wc -l)
th_check "killed mid-stream ($last of 5000 accepted)" [ "$last" -lt 5000 ]
th_eq "nothing accepted before kill -9 was lost" 0 "$missing"

# a broker that takes the connection and never answers the CONNECT: the
# client gives up on it after the connect timeout (10 s) and says why,
# instead of waiting for ever
sp=$(th_free_port)
th_bg silent "$PY" -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $sp)); s.listen(5)
held = [s.accept()[0] for _ in range(5)]
time.sleep(120)"
th_wait_tcp "$sp"
start=$(date +%s)
timeout 30 "$TERN" pub -p "$sp" -t t -m x >"$TMP/silent.out" 2>&1
rc=$?
took=$(($(date +%s) - start))
th_check "a silent broker: tern pub gives up (exit $rc, ${took}s), before the 30 s guard" \
  [ "$rc" -ne 0 -a "$rc" -ne 124 ]
th_match "and says it timed out" "timed out" "$(cat "$TMP/silent.out")"
th_done
