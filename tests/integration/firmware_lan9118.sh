#!/usr/bin/env bash
# ctest-labels: firmware
# The LAN9118 driver's loopback test (firmware/test_lan9118.c) on QEMU's
# model of the chip: its exit status, through semihosting, counts failures.
. "$(dirname "$0")/../harness/lib.sh"
th_init firmware_lan9118
th_need qemu-system-arm
ELF=${TERN_FIRMWARE_DIR:-$TERN_SRC/build-fw}/test-lan9118.elf
[ -f "$ELF" ] || th_skip "no $ELF (make firmware)"
timeout 60 qemu-system-arm -M mps2-an386 -nographic -kernel "$ELF" -nic none \
  -semihosting-config enable=on,target=native >"$TMP/uart.log" 2>"$TMP/qemu.log" </dev/null
rc=$?
grep -E "^(ok|FAIL)" "$TMP/uart.log"
th_eq "the driver's checks on QEMU's LAN9118 (exit status = failures)" 0 "$rc"
th_match "all ten ran" "10 passed, 0 failed" "$(cat "$TMP/uart.log")"
th_done
