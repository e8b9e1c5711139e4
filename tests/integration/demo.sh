#!/usr/bin/env bash
# make demo's job: tern demo --exit writes demo.csv (100 rows of t,sin(t/10))
# and an 800x600 demo.png; the same against Mosquitto with --broker.
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
(cd "$TMP/own" && timeout 120 "$TERN" demo --exit >out.txt 2>&1); rc=$?
th_eq "tern demo --exit succeeds" 0 "$rc"
check_outputs "embedded broker" "$TMP/own"
th_match "the broker it ran listens on loopback" "tern broker on 127\.0\.0\.1:" "$(cat "$TMP/own/out.txt")"

if command -v mosquitto >/dev/null; then
  port=$(th_free_port)
  th_mosquitto mosq "listener $port 127.0.0.1
allow_anonymous true"
  (cd "$TMP/mosq" && timeout 120 "$TERN" demo --exit --broker "mqtt://127.0.0.1:$port" >out.txt 2>&1); rc=$?
  th_eq "tern demo --broker (Mosquitto) succeeds" 0 "$rc"
  check_outputs "Mosquitto" "$TMP/mosq"
fi
th_done
