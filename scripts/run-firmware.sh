#!/usr/bin/env bash
# Boots the tern-device firmware on QEMU's mps2-an386 (make firmware first).
#   scripts/run-firmware.sh [--tap IFACE] [--fwd HOST_PORT:GUEST_PORT]... [--dump FILE]
#                           [--config FILE] [--elf FILE] [--] DEVICE_FLAGS...
# DEVICE_FLAGS are tern device's (--name dev1 --broker mqtt://10.0.2.2:1883 ...);
# each becomes one semihosting argument (values cannot hold spaces; commas
# are doubled for QEMU here). A fresh --entropy-seed is added on every boot.
#  --tap IFACE  the board's Ethernet on an existing TAP interface (root): the
#               board is on that network (DHCP, mDNS and all).
#  otherwise    QEMU's user networking: the board is 10.0.2.15 behind a NAT,
#               the host is 10.0.2.2 (every server the board uses is given
#               as 10.0.2.2), --fwd forwards a loopback port of the host to
#               the board (its page, its console). mDNS needs the TAP mode.
#               User networking would pass the board's traffic to the world:
#               --dump FILE records every frame (pcap) so it can be checked.
#  --config FILE  a configuration image (tern provision -o FILE) loaded into the
#               board's configuration area; DEVICE_FLAGS override its settings.
# The UART (the device's lines) is this script's standard output; Ctrl-A X quits.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
elf="$root/build-fw/tern-device.elf" tap="" dump="" fwd="" config=()
while [ $# -gt 0 ]; do
  case "$1" in
  --tap) tap=$2; shift 2 ;;
  --fwd) fwd="$fwd,hostfwd=tcp:127.0.0.1:${2%%:*}-:${2##*:}"; shift 2 ;;
  --dump) dump=$2; shift 2 ;;
  --elf) elf=$2; shift 2 ;;
  --config) config=(-device "loader,file=$2,addr=0x003f0000"); shift 2 ;;
  --) shift; break ;;
  *) break ;;
  esac
done
[ -f "$elf" ] || { echo "run-firmware: no $elf (make firmware)" >&2; exit 2; }
args="arg=tern-device"
for a in "$@" --entropy-seed "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"; do
  case "$a" in *" "*) echo "run-firmware: '$a': values cannot hold spaces (semihosting)" >&2; exit 2 ;; esac
  args="$args,arg=${a//,/,,}"
done
if [ -n "$tap" ]; then
  net=(-nic "tap,ifname=$tap,script=no,downscript=no,model=lan9118")
else
  net=(-netdev "user,id=n0,net=10.0.2.0/24$fwd" -net nic,netdev=n0,model=lan9118)
  [ -n "$dump" ] && net+=(-object "filter-dump,id=d0,netdev=n0,file=$dump")
fi
exec qemu-system-arm -M mps2-an386 -nographic -kernel "$elf" \
  -semihosting-config "enable=on,target=native,$args" "${config[@]}" "${net[@]}"
