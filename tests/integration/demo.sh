#!/usr/bin/env bash
# make demo's job: tern demo --exit writes demo.csv (100 rows of t,sin(t/10))
# and an 800x600 demo.png, prints each step, and uses only this machine;
# the same against Mosquitto with --broker.
. "$(dirname "$0")/../harness/lib.sh"
th_init demo
check_outputs() { # LABEL DIR
  local d=$2
  th_eq "$1: CSV header" "t,v1,received_unix" "$(head -1 "$d/demo.csv")"
  th_eq "$1: 100 samples" 100 "$(tail -n +2 "$d/demo.csv" | wc -l)"
  th_check "$1: every row is t,sin(t/10)" "$PY" - "$d/demo.csv" <<'PYEOF'
import csv, math, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
ok = all(int(float(r[0])) == i and abs(float(r[1]) - math.sin(i / 10)) < 1e-6 for i, r in enumerate(rows))
sys.exit(0 if ok and len(rows) == 100 else 1)
PYEOF
  th_check "$1: demo.png is an 800x600 PNG" "$PY" - "$d/demo.png" <<'PYEOF'
import struct, sys
b = open(sys.argv[1], "rb").read(32)
ok = b[:8] == b"\x89PNG\r\n\x1a\n" and b[12:16] == b"IHDR" and struct.unpack(">II", b[16:24]) == (800, 600)
sys.exit(0 if ok else 1)
PYEOF
}
mkdir -p "$TMP/own" "$TMP/mosq"
(cd "$TMP/own" && exec timeout 120 "$TERN" demo --exit >out.txt 2>&1) & demo=$!
# While it runs, every socket of the demo's processes (found by process tree,
# not by name) is on loopback: local addresses on 127.0.0.0/8 (mDNS alone
# binds the wildcard on port 5353, and sends only on lo), peers on loopback
# or the mDNS group. The check must have seen the sockets it vouches for.
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
bad=""; most_estab=0; most_listen=0; procs=0
lo='(127\.[0-9.]+|\[::1\]|\[::ffff:127\.[0-9.]+\]):[0-9]+'
any='(0\.0\.0\.0|\*|\[::\]|\[::ffff:0\.0\.0\.0\])'
# sampling every 0.2 s while the demo lives is the method here, not a wait
while kill -0 "$demo" 2>/dev/null; do
  pids=$(descendants "$demo" | paste -sd'|')
  [ -n "$pids" ] || { sleep 0.2; continue; }
  socks=$(ss -Htunap 2>/dev/null | grep -E "pid=($pids),")
  n=$(echo "$pids" | tr '|' '\n' | wc -l); [ "$n" -gt "$procs" ] && procs=$n
  n=$(echo "$socks" | grep -c ' ESTAB '); [ "$n" -gt "$most_estab" ] && most_estab=$n
  n=$(echo "$socks" | grep -c ' LISTEN '); [ "$n" -gt "$most_listen" ] && most_listen=$n
  bad=$(echo "$socks" | awk 'NF { print "local " $5; print "peer " $6 }' |
    grep -vE "^local ($lo|$any:5353)\$" | grep -vE "^peer ($lo|$any:\\*|224\\.0\\.0\\.251:5353)\$" | head -3)
  [ -n "$bad" ] && break
  sleep 0.2
done
wait $demo; rc=$?
th_eq "tern demo --exit succeeds" 0 "$rc"
th_eq "no socket of the demo is bound to or talks with an address off loopback" "" "$bad"
th_check "the socket check saw the demo at work ($procs processes, up to $most_estab connections and $most_listen listeners)" \
  [ "$procs" -ge 2 -a "$most_estab" -ge 2 -a "$most_listen" -ge 3 ]
check_outputs "embedded broker" "$TMP/own"
out=$(cat "$TMP/own/out.txt")
for step in "broker: tern broker on 127\.0\.0\.1:" "SNTP server on 127\.0\.0\.1:" "Connected, IP 127\.0\.0\.1" "mDNS: demo\.local" \
  "Time: [A-Z][a-z]{2} " "console: telnet 127\.0\.0\.1 [0-9]+, login admin, password [a-z0-9]{10}" \
  "LED page: http://127\.0\.0\.1:[0-9]+/" "dashboard: http://127\.0\.0\.1:[0-9]+/" "wrote demo\.png"; do
  th_match "prints: $step" "$step" "$out"
done

if ! command -v mosquitto >/dev/null; then
  th_skip_part "the demo against Mosquitto needs mosquitto"
else
  port=$(th_free_port)
  th_mosquitto mosq "listener $port 127.0.0.1
allow_anonymous true"
  (cd "$TMP/mosq" && timeout 120 "$TERN" demo --exit --broker "mqtt://127.0.0.1:$port" >out.txt 2>&1); rc=$?
  th_eq "tern demo --broker (Mosquitto) succeeds" 0 "$rc"
  check_outputs "Mosquitto" "$TMP/mosq"
fi
th_done
