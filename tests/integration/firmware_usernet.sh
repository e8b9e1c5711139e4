#!/usr/bin/env bash
# ctest-labels: firmware
# The firmware under QEMU's user networking, as a user without root runs it
# (scripts/run-firmware.sh): tern broker and tern's NTP server on loopback,
# reached as 10.0.2.2; the page forwarded to a loopback port. Every frame is
# recorded (filter-dump) and no packet may go to an address other than the
# host's (10.0.2.2, and QEMU's own 10.0.2.3) and the board's.
. "$(dirname "$0")/../harness/lib.sh"
th_init firmware_usernet
th_need qemu-system-arm mosquitto_sub curl
FW=${TERN_FIRMWARE:-$TERN_SRC/build-fw/tern-device.elf}
[ -f "$FW" ] || th_skip "no firmware image at $FW (make firmware)"
bp=$(th_free_port); np=$(th_free_port); hp=$(th_free_port)
th_bg broker "$TERN" broker -p "$bp" --allow-anonymous -v
th_bg ntp "$TERN" ntp --serve -p "$np"
th_wait_tcp "$bp"
th_wait_log "$TMP/ntp.log" serving
timeout 60 mosquitto_sub -p "$bp" -i usersub -t ufw/data -t ufw/plot -v -C 101 -q 1 >"$TMP/sub.out" &
SUB=$!
th_wait_sub broker usersub
th_bg qemu "$TERN_SRC/scripts/run-firmware.sh" --elf "$FW" --fwd "$hp:80" --dump "$TMP/dump.pcap" -- \
  --name ufw --broker "mqtt://10.0.2.2:$bp" --ntp "10.0.2.2:$np" --http-port 80 --period-ms 20
th_check "the board gets 10.0.2.15 from QEMU's DHCP" th_wait_log "$TMP/qemu.log" "^Connected, IP 10\.0\.2\.15" 30
th_check "its clock comes from the host's NTP server" th_wait_log "$TMP/qemu.log" "^Time: .* 20[2-9][0-9]" 20
wait $SUB
th_eq "100 samples and the plot reach a subscriber on the host" 101 "$(wc -l <"$TMP/sub.out")"
th_eq "the page, forwarded to a loopback port" '{"led":"off"}' "$(curl -s -m 10 "http://127.0.0.1:$hp/api/led")"
kill "$PID_qemu"; wait "$PID_qemu" 2>/dev/null
out=$("$PY" "$(dirname "$0")/py/pcap_peers.py" "$TMP/dump.pcap" 10.0.2.2 10.0.2.3 10.0.2.15)
echo "$out"
th_match "frames were recorded" "^frames [1-9][0-9]*" "$out"
th_eq "no packet to or from any other address" "" "$(echo "$out" | grep outside)"
th_done
