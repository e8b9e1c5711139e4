#!/usr/bin/env bash
# ctest-labels: firmware
# make demo-mcu's job, as a user without root runs it (--usernet: the same
# as root; demo_mcu_tap.sh has root's TAP mode): tern demo --mcu runs the
# demo with the device as firmware in QEMU (user networking) to the plot;
# its console and LED page answer on the forwarded loopback ports; the
# board's frames are recorded (--capture) and checked here, apart from
# the demo's own check: none goes beyond this machine.
. "$(dirname "$0")/../harness/lib.sh"
th_init demo_mcu
th_need qemu-system-arm curl
FW=${TERN_FIRMWARE:-$TERN_SRC/build-fw/tern-device.elf}
[ -f "$FW" ] || th_skip "no firmware image at $FW (make firmware)"
th_match "make demo-mcu runs tern demo --mcu on the firmware" \
  "demo\.sh build --mcu --firmware build-fw/tern-device\.elf" "$(make -s -n -C "$TERN_SRC" demo-mcu)"
mkdir -p "$TMP/run"
(cd "$TMP/run" && exec timeout 120 "$TERN" demo --mcu --usernet --firmware "$FW" --capture "$TMP/board.pcap" \
  >out.txt 2>&1) &
demo=$!
th_check "the demo runs to the plot" th_wait_log "$TMP/run/out.txt" "wrote demo\.png \(800x600\)" 60
out=$(cat "$TMP/run/out.txt")
for step in "broker: tern broker on 127\.0\.0\.1:" "SNTP server on 127\.0\.0\.1:" \
  "device: tern firmware on QEMU's mps2-an386" "\[board\] Entropy: a 32-byte seed" \
  "\[board\] Connected, IP 10\.0\.2\.15" "\[board\] Time: [A-Z][a-z]{2} " \
  "\[board\] MQTT: connected to mqtt://10\.0\.2\.2:[0-9]+" \
  "console: telnet 127\.0\.0\.1 [0-9]+ \(forwarded to the board\), login admin, password [a-z0-9]{10}" \
  "LED page: http://127\.0\.0\.1:[0-9]+/" "dashboard: http://127\.0\.0\.1:[0-9]+/"; do
  th_match "prints: $step" "$step" "$out"
done
th_eq "demo.csv: 100 samples" 100 "$(tail -n +2 "$TMP/run/demo.csv" | wc -l)"
th_check "demo.csv: every row is t,sin(t/10), as the board computed it" "$PY" - "$TMP/run/demo.csv" <<'PYEOF'
import csv, math, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
sys.exit(0 if len(rows) == 100 and all(int(float(r[0])) == i and abs(float(r[1]) - math.sin(i / 10)) < 1e-6 for i, r in enumerate(rows)) else 1)
PYEOF
hp=$(sed -n 's|.*LED page: http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$TMP/run/out.txt")
th_eq "the board's LED page, through the forwarded port" '{"led":"on"}' \
  "$(curl -s -m 10 -X POST -d '{"led":"on"}' "http://127.0.0.1:$hp/api/led")"
th_check "the board says so" th_wait_log "$TMP/run/out.txt" "\[board\] LED on" 10
cp=$(sed -n 's|.*console: telnet 127\.0\.0\.1 \([0-9]*\) .*|\1|p' "$TMP/run/out.txt")
pw=$(sed -n 's|.*password \([a-z0-9]*\)$|\1|p' "$TMP/run/out.txt")
PYTHONPATH="$(dirname "$0")/py" "$PY" - "$cp" "$pw" >"$TMP/login.out" 2>&1 <<'PYEOF'
import sys
from console_client import Console
c = Console("127.0.0.1", int(sys.argv[1]), timeout=30)
c.login("admin", sys.argv[2], b"demo> ")
c.send("led off")
sys.exit(0 if b"LED off" in c.until(b"demo> ") else "no LED off")
PYEOF
th_eq "the board's console: log in with the printed password, switch the LED off" 0 $?
kill -INT $demo
wait $demo
th_eq "Ctrl-C ends the demo cleanly" 0 $?
th_match "the demo checked the board's traffic" \
  "the board's traffic: [1-9][0-9]* frames recorded, all between the board and this machine" \
  "$(cat "$TMP/run/out.txt")"
peers=$("$PY" "$(dirname "$0")/py/pcap_peers.py" "$TMP/board.pcap" 10.0.2.2 10.0.2.3 10.0.2.15)
echo "$peers"
th_match "frames were recorded" "^frames [1-9][0-9]*" "$peers"
th_eq "no frame to or from any address beyond this machine (checked here too)" "" \
  "$(echo "$peers" | grep outside)"
th_done
