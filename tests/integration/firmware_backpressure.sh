#!/usr/bin/env bash
# ctest-labels: firmware
# The lwIP port's backpressure, both ways, on the firmware under QEMU's user
# networking: the console's `get` of a 1 MB body from a server on the host,
# read by a telnet client slower than the emulated link. The body must come
# out whole and in order: the reader's pace closes the device's TCP window
# towards the server (receive) while its console output waits for room
# (send). (User networking: the server is the host's 10.0.2.2; no root.)
. "$(dirname "$0")/../harness/lib.sh"
th_init firmware_backpressure
th_need qemu-system-arm
FW=${TERN_FIRMWARE:-$TERN_SRC/build-fw/tern-device.elf}
[ -f "$FW" ] || th_skip "no firmware image at $FW (make firmware)"
mkdir -p "$TMP/www"
LINES=87382 # 12 bytes each: 1,048,584 bytes
"$PY" -c "import sys; sys.stdout.write(''.join('line %06d\n' % i for i in range($LINES)))" >"$TMP/www/big.txt"
wp=$(th_free_port); cp=$(th_free_port)
th_bg www "$PY" -m http.server --bind 127.0.0.1 --directory "$TMP/www" "$wp"
"$TERN" passwd -b -c "$TMP/pw" admin secret1
th_bg qemu "$TERN_SRC/scripts/run-firmware.sh" --elf "$FW" --fwd "$cp:2323" -- --name bp --broker= \
  --http-port 0 --console-port 2323 --console-password-hash "$(cut -d: -f2- "$TMP/pw")" --ntp 10.0.2.2:9
th_check "the console listens" th_wait_log "$TMP/qemu.log" "^Console: telnet" 30
th_wait_tcp "$wp"
"$PY" "$(dirname "$0")/py/fw_console.py" 127.0.0.1 "$cp" admin secret1 - \
  "http://10.0.2.2:$wp/big.txt" "$LINES" >"$TMP/console.log" 2>&1
rc=$?
grep -E "^(ok|FAIL)" "$TMP/console.log"
th_eq "1 MB through the console to a slow reader, whole and in order" 0 "$rc"
th_done
