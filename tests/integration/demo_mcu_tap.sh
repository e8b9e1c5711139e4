#!/usr/bin/env bash
# ctest-labels: firmware
# make demo-mcu as root: tern demo --mcu makes a TAP interface for the run
# (dnsmasq gives the board an address on it), the board claims demo.local
# by mDNS there, its page answers at its own address, and the interface is
# gone when the demo ends. All inside a network namespace made here.
. "$(dirname "$0")/../harness/lib.sh"
th_init demo_mcu_tap
th_need_root
th_need ip qemu-system-arm dnsmasq curl
FW=${TERN_FIRMWARE:-$TERN_SRC/build-fw/tern-device.elf}
[ -f "$FW" ] || th_skip "no firmware image at $FW (make firmware)"
"$PY" -c "import zeroconf" 2>/dev/null || th_skip "python3-zeroconf missing"
H="tern-dmt-$$"
ip netns add "$H" || th_skip "cannot create network namespaces here"
TH_CLEANUP_EXTRA="ip netns del $H 2>/dev/null"
ip -n "$H" link set lo up
mkdir -p "$TMP/run"
(cd "$TMP/run" && exec timeout 120 ip netns exec "$H" "$TERN" demo --mcu --firmware "$FW" \
  --capture "$TMP/board.pcap" >out.txt 2>&1) &
demo=$!
th_check "the demo makes a TAP interface for the board" \
  th_wait_log "$TMP/run/out.txt" "TAP mode \(root\): the board on ternmcu[0-9]+, this machine at 10\.239\.[0-9]+\.1" 20
th_check "the board gets an address there by DHCP" \
  th_wait_log "$TMP/run/out.txt" "\[board\] Connected, IP 10\.239\.[0-9]+\.5[0-9]" 30
th_check "it claims demo.local" th_wait_log "$TMP/run/out.txt" "\[board\] mDNS: demo\.local" 20
th_check "the demo runs to the plot" th_wait_log "$TMP/run/out.txt" "wrote demo\.png \(800x600\)" 60
IP=$(sed -n 's/.*\[board\] Connected, IP \(10\.239\.[0-9.]*\).*/\1/p' "$TMP/run/out.txt" | head -1)
HOST=$(sed -n 's/.*this machine at \(10\.239\.[0-9.]*\),.*/\1/p' "$TMP/run/out.txt" | head -1)
IF=$(sed -n 's/.*the board on \(ternmcu[0-9]*\),.*/\1/p' "$TMP/run/out.txt" | head -1)
th_match "the demo prints the board's page by address and by name" \
  "LED page: http://$IP/ \(or http://demo\.local/ by mDNS\)" "$(cat "$TMP/run/out.txt")"
th_match "python3-zeroconf finds demo.local's page on the TAP link" \
  "demo\._http\._tcp\.local\. demo\.local\. 80 $IP" \
  "$(ip netns exec "$H" "$PY" "$(dirname "$0")/py/zc_check.py" "$HOST" browse _http._tcp 3)"
th_eq "the page answers at the board's address" '{"led":"off"}' \
  "$(ip netns exec "$H" curl -s -m 10 "http://$IP/api/led")"
th_match "the MQTT broker was reached on the TAP link" \
  "\[board\] MQTT: connected to mqtt://$HOST:[0-9]+" "$(cat "$TMP/run/out.txt")"
kill -INT $demo
wait $demo
th_eq "Ctrl-C ends the demo cleanly" 0 $?
th_match "the demo checked the board's traffic" \
  "the board's traffic: [1-9][0-9]* frames recorded, all between the board and this machine" \
  "$(cat "$TMP/run/out.txt")"
th_eq "the TAP interface is gone" "" "$(ip -n "$H" -o link show | grep "$IF")"
th_eq "and its dnsmasq" "" "$(pgrep -f "interface=$IF")"
th_done
