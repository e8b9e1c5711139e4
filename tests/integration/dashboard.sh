#!/usr/bin/env bash
# ctest-labels: heavy
# The host's dashboard and the device's LED page in headless Chromium, at a
# desktop's width and a phone's: the plot has axes, ticks, labels and the
# latest value; the device's name, address, online/offline and last-seen
# time; the LED's state follows its buttons; the LED page shows its state,
# time and whether the device is online; neither page scrolls sideways on a
# phone. Screenshots are taken at both widths (kept with TH_KEEP=1); the
# checks are on the DOM, never on pixels.
. "$(dirname "$0")/../harness/lib.sh"
th_init dashboard
# (labelled heavy, as the other browser tests: it runs once, in the plain build)
command -v chromium >/dev/null && "$PY" -c "import websocket" 2>/dev/null ||
  th_skip "needs chromium and python3-websocket"
B() { "$PY" "$(dirname "$0")/../harness/browser.py" "$@"; }
bp=$(th_free_port); dport=$(th_free_port); lport=$(th_free_port)
th_bg broker "$TERN" broker -p "$bp" --allow-anonymous -v
th_wait_tcp "$bp"
th_bg host "$TERN" host --broker "mqtt://127.0.0.1:$bp" --session dash --png "$TMP/d.png" --http "$dport"
th_wait_tcp "$dport"
th_wait_log "$TMP/broker.log" "subscribed to 'dash/led/state'"
th_bg dev "$TERN" device --name dash --iface lo --ntp 127.0.0.1:9 --console-port 0 --http-port "$lport" \
  --broker "mqtt://127.0.0.1:$bp" --period-ms 20
th_wait_tcp "$lport"
D="http://127.0.0.1:$dport/"
out=$(B viewport 1280 800 goto "$D" waitnum '#count' 100 wait '#dev-online' online wait '#led-state' OFF \
  eval '[...document.querySelectorAll("#dev-name,#dev-ip,#dev-online,#led-state,#xlabel,#ylabel,#latest")].map(e => e.textContent).join("|")' \
  eval 'document.querySelectorAll("#plot .ytick").length + " " + document.querySelectorAll("#plot .xtick").length + " " + (document.querySelector("#series") ? "series" : "none")' \
  eval '/^[0-9]{1,2}:[0-9]{2}/.test(document.querySelector("#last-seen").textContent)' \
  screenshot "$TMP/dashboard-desktop.png" \
  click '#on' wait '#led-state' ON eval 'document.querySelector("#led-state").textContent' \
  viewport 390 844 eval 'document.documentElement.scrollWidth' screenshot "$TMP/dashboard-phone.png" 2>&1)
echo "$out"
last=$(tail -1 "$TMP/dev.log" >/dev/null; "$PY" -c "import math; print(('%.6g' % math.sin(99 / 10)))")
th_eq "desktop: name, address, online, LED, axis labels, latest value" \
  "\"dash|127.0.0.1|online|OFF|$last|t (sample number)|value\"" "$(echo "$out" | sed -n 1p)"
th_match "the plot has ticks on both axes and the series" '^"[3-9] [3-9] series"$' "$(echo "$out" | sed -n 2p)"
th_eq "the last-seen time is shown" "true" "$(echo "$out" | sed -n 3p)"
th_eq "the ON button: the LED's state follows (device, broker, dashboard)" '"ON"' "$(echo "$out" | sed -n 4p)"
th_eq "phone width: nothing wider than the screen" "390" "$(echo "$out" | sed -n 5p)"
kill -9 "$PID_dev" # no goodbye: the broker sends the device's will
out=$(B goto "$D" wait '#dev-online' offline eval 'document.querySelector("#dev-online").className' 2>&1)
th_eq "the device gone (its will): offline, marked so" '"value offline"' "$out"

# the device's own LED page, styled the same
th_bg dev2 "$TERN" device --name dash --iface lo --ntp 127.0.0.1:9 --console-port 0 --http-port "$lport" \
  --broker "mqtt://127.0.0.1:$bp" --period-ms 1000
th_wait_tcp "$lport"
th_wait_log "$TMP/dev2.log" "MQTT: connected" 10
L="http://127.0.0.1:$lport/"
out=$(B viewport 1280 800 goto "$L" \
  eval '[...document.querySelectorAll("h1,#led,#online,#time")].map(e => e.textContent).join("|")' \
  screenshot "$TMP/led-desktop.png" click '#on' wait '#led' ON \
  viewport 390 844 goto "$L" eval 'document.documentElement.scrollWidth' \
  eval 'getComputedStyle(document.querySelector(".card")).borderRadius' screenshot "$TMP/led-phone.png" 2>&1)
echo "$out"
th_match "the LED page: name, LED, online, time" '^"dash\|(ON|OFF)\|online\|[A-Z][a-z]{2} ' "$(echo "$out" | sed -n 1p)"
th_eq "the LED page on a phone: nothing wider than the screen" "390" "$(echo "$out" | sed -n 2p)"
th_eq "the LED page has the dashboard's cards" '"8px"' "$(echo "$out" | sed -n 3p)"
for s in dashboard-desktop:1280 dashboard-phone:390 led-desktop:1280 led-phone:390; do
  th_check "screenshot ${s%%:*}: a PNG ${s##*:} pixels wide" "$PY" -c "
import struct, sys
b = open('$TMP/${s%%:*}.png', 'rb').read(24)
sys.exit(0 if b[:8] == b'\x89PNG\r\n\x1a\n' and struct.unpack('>I', b[16:20])[0] == ${s##*:} else 1)"
done
th_done
