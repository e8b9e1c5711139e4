#!/usr/bin/env bash
# ctest-labels: firmware
# The configuration area: an image from tern provision sets the board's
# settings (its console's user and password here), the command line
# overrides them, and an image with a bad magic, version or CRC is refused
# with a config: line while the board runs on its command line. Under QEMU's
# user networking (no root), every frame recorded and checked to stay local.
. "$(dirname "$0")/../harness/lib.sh"
th_init firmware_provision
th_need qemu-system-arm
FW=${TERN_FIRMWARE:-$TERN_SRC/build-fw/tern-device.elf}
[ -f "$FW" ] || th_skip "no firmware image at $FW (make firmware)"

"$TERN" passwd -b -c "$TMP/pw" imguser imgpass1
"$TERN" passwd -b -c "$TMP/cmdpw" cmduser cmdpass1
HASH=$(cut -d: -f2- "$TMP/cmdpw")
"$TERN" provision --name imgdev --console-user imguser --console-password-file "$TMP/pw" \
  --http-port 0 -o "$TMP/good.bin" >/dev/null
th_eq "tern provision --show reads the image back" \
  "name = imgdev|console-user = imguser|console-password-file = <$(wc -c <"$TMP/pw") bytes>|http-port = 0" \
  "$("$TERN" provision --show "$TMP/good.bin" | tr '\n' '|' | sed 's/|$//')"
# the same image, broken three ways (header: magic 0-3, version 4-5, CRC 12-15)
patch_byte() { # IN OUT OFFSET BYTE
  cp "$1" "$2"
  printf "\\x$4" | dd of="$2" bs=1 seek="$3" conv=notrunc 2>/dev/null
}
patch_byte "$TMP/good.bin" "$TMP/magic.bin" 0 58
patch_byte "$TMP/good.bin" "$TMP/version.bin" 4 02
patch_byte "$TMP/good.bin" "$TMP/crc.bin" 30 5a
# a well-formed image (right CRC) with a value tern provision would refuse:
# the board must refuse it whole, not keep the settings before the bad one
"$PY" - "$TMP/badvalue.bin" <<'PYEOF'
import struct, sys, zlib
body = b""
for k, v in ((b"console-user", b"imguser"), (b"qos", b"7")):
    body += struct.pack("<HI", len(k), len(v)) + k + b"\0" + v + b"\0"
hdr = struct.pack("<IHHII", 0x47464354, 1, 0, len(body), zlib.crc32(body))
open(sys.argv[1], "wb").write(hdr + body)
PYEOF
th_match "--show refuses the bad CRC too" "CRC .* does not match" \
  "$("$TERN" provision --show "$TMP/crc.bin" 2>&1)"

n=0
boot() { # NAME IMAGE [FLAGS...]: until the console's line, then off
  local name=$1 img=$2
  shift 2
  n=$((n + 1))
  th_bg "$name" "$TERN_SRC/scripts/run-firmware.sh" --elf "$FW" --config "$img" \
    --dump "$TMP/$name.pcap" -- --console-port 2323 "$@"
  th_wait_log "$TMP/$name.log" "^Console: " 30 || th_bad "$name: no console line"
  kill "$(eval echo "\$PID_$name")"
  wait "$(eval echo "\$PID_$name")" 2>/dev/null
}
boot good "$TMP/good.bin"
th_match "a good image: read at boot" "config: 4 settings from the provisioned area at 0x003f0000" \
  "$(cat "$TMP/good.log")"
th_match "its console user and password are the image's" "Console: telnet .* 2323 \(login imguser\)" \
  "$(cat "$TMP/good.log")"
boot override "$TMP/good.bin" --console-user cmduser --console-password-hash "$HASH"
th_match "the command line overrides the image" "Console: telnet .* 2323 \(login cmduser\)" \
  "$(cat "$TMP/override.log")"
for bad in magic version crc; do
  boot "$bad" "$TMP/$bad.bin" --console-user cmduser --console-password-hash "$HASH"
  th_match "bad $bad: refused with a config: line" \
    "config: refused the provisioned area at 0x003f0000: .*; using the command line only" \
    "$(cat "$TMP/$bad.log")"
  th_match "bad $bad: the board runs on its command line" "Console: telnet .* \(login cmduser\)" \
    "$(cat "$TMP/$bad.log")"
done
boot badvalue "$TMP/badvalue.bin" --console-password-hash "$HASH"
th_match "a bad value: refused whole, with the key named" \
  "config: refused the provisioned area at 0x003f0000: qos: .*; using the command line only" \
  "$(cat "$TMP/badvalue.log")"
th_match "none of its settings kept: the default console user" "Console: telnet .* \(login admin\)" \
  "$(cat "$TMP/badvalue.log")"
th_match "the reason for a bad magic" "bad magic 0x47464358" "$(cat "$TMP/magic.log")"
th_match "the reason for a bad version" "version 2, this firmware reads version 1" \
  "$(cat "$TMP/version.log")"
th_match "the reason for a bad CRC" "CRC 0x[0-9a-f]* does not match the header's" \
  "$(cat "$TMP/crc.log")"
boot none /dev/null --console-user cmduser --console-password-hash "$HASH"
th_match "no image: said, and the command line's settings" \
  "config: none provisioned at 0x003f0000" "$(cat "$TMP/none.log")"
outside=""
for name in good override magic version crc badvalue none; do
  out=$("$PY" "$(dirname "$0")/py/pcap_peers.py" "$TMP/$name.pcap" 10.0.2.2 10.0.2.3 10.0.2.15)
  echo "$out" | grep -q "^frames [1-9]" || outside="$outside $name: no frames recorded;"
  echo "$out" | grep -q outside && outside="$outside $name: $out;"
done
th_eq "every boot's frames stayed between the board and QEMU's host ($n boots)" "" "$outside"
th_done
