#!/usr/bin/env bash
# Cortex-M4 (-mcpu=cortex-m4 -mthumb -Os) code size of the portable core and
# codecs, one row per module (the folder under src/); then, given the
# firmware's build folder, the linked image's flash and static RAM per
# module (scripts/fw_size.py reads the linker's map).
set -eu
build=${1:-build-mcu}
fw=${2:-}
cmake -S . -B "$build" -G Ninja -DTERN_MCU=ON -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake >/dev/null 2>&1
cmake --build "$build" >"$build/build.log" 2>&1 || { cat "$build/build.log"; exit 1; }
printf '%-12s %8s %8s %8s %8s\n' module text data bss total
find "$build" -name '*.c.obj' -o -name '*.c.o' | sort | while read -r o; do
  mod=$(echo "$o" | sed -E 's#.*/src/([^/]+)/.*#\1#')
  case "$o" in
    *mqtt_client*) mod=mqtt-client ;;
    *mqtt_codec* | */mqtt/mqtt_props* | */mqtt/topic*) mod=mqtt-codec ;;
    */http/json*) mod=json ;;
    */http/http_codec*) mod=http-codec ;;
    */http/ws_codec*) mod=ws-codec ;;
    */sntp/sntp_codec*) mod=sntp-codec ;;
    */sntp/tz*) mod=tz ;;
  esac
  arm-none-eabi-size "$o" | awk -v m="$mod" 'NR == 2 {print m, $1, $2, $3}'
done | awk '{t[$1]+=$2; d[$1]+=$3; b[$1]+=$4} END {for (m in t) {printf "%-12s %8d %8d %8d %8d\n", m, t[m], d[m], b[m], t[m]+d[m]+b[m]; T+=t[m]; D+=d[m]; B+=b[m]} printf "%-12s %8d %8d %8d %8d\n", "all", T, D, B, T+D+B}' | sort -k1,1 | awk '/^all/ {last=$0; next} {print} END {print last}'
if [ -n "$fw" ] && [ -f "$fw/tern-device-modules.map" ]; then
  echo
  echo "firmware, per module (tern-device-modules.elf: linked without LTO, -Os, newlib-nano;"
  echo "static RAM: .data + .bss without the stack):"
  python3 "$(dirname "$0")/fw_size.py" "$fw/tern-device-modules.map"
  read -r text data bss _ < <(arm-none-eabi-size "$fw/tern-device.elf" | tail -1)
  top=$(arm-none-eabi-nm "$fw/tern-device.elf" | awk '/ __stack_top$/ {print $1}')
  bottom=$(arm-none-eabi-nm "$fw/tern-device.elf" | awk '/ __stack_bottom$/ {print $1}')
  printf '%-12s %10d %10d  (tern-device.elf, with LTO: what runs)\n' shipped $((text + data)) \
    $((data + bss - (16#$top - 16#$bottom)))
  if [ -f "$fw/three.elf" ]; then
    read -r text data bss _ < <(arm-none-eabi-size "$fw/three.elf" | tail -1)
    printf '%-12s %10d %10d  (three.elf: TCP/IP, DHCP, MQTT client, HTTP server, SNTP only)\n' \
      three $((text + data)) $((data + bss - (16#$top - 16#$bottom)))
  fi
fi
