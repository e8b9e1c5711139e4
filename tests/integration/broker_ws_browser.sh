#!/usr/bin/env bash
# MQTT over WebSocket from a real browser: headless Chromium loads a page
# (served by tern serve) with MQTT.js from npm, which connects to the
# broker's 'protocol websockets' listener, subscribes, and publishes; a TCP
# client (mosquitto_sub/pub) is on the other side of the broker.
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_ws_browser
th_need mosquitto_pub mosquitto_sub
MQTTJS=$TERN_SRC/.deps/mqtt-5.16.0.min.js
command -v chromium >/dev/null && "$PY" -c "import websocket" 2>/dev/null ||
  th_skip "needs chromium and python3-websocket"
[ -s "$MQTTJS" ] || th_skip "MQTT.js is not in .deps/ (scripts/install-deps.sh fetches it from npm)"
tcp=$(th_free_port); ws=$(th_free_port); hp=$(th_free_port)
printf 'listener %s 127.0.0.1\nlistener %s 127.0.0.1\nprotocol websockets\nallow_anonymous true\n' \
  "$tcp" "$ws" >"$TMP/b.conf"
th_bg broker "$TERN" broker -c "$TMP/b.conf" -v
th_wait_tcp "$tcp"; th_wait_tcp "$ws"
mkdir -p "$TMP/www"
cp "$MQTTJS" "$TMP/www/mqtt.min.js"
cat >"$TMP/www/index.html" <<HTML
<!doctype html><html><body><p id="status">loading</p><p id="got"></p>
<script src="mqtt.min.js"></script>
<script>
const say = (id, t) => { document.getElementById(id).textContent = t; };
const c = mqtt.connect("ws://127.0.0.1:$ws/mqtt", {clientId: "browser1", protocolVersion: 4});
c.on("connect", () => {
  say("status", "connected");
  c.subscribe("web/in", {qos: 1}, (err) => {
    if (err) return say("status", "subscribe failed");
    c.publish("web/out", "hello from the browser", {qos: 1});
    say("status", "subscribed");
  });
});
c.on("message", (topic, m) => say("got", topic + " " + m.toString()));
c.on("error", (e) => say("status", "error " + e.message));
</script></body></html>
HTML
th_bg www "$TERN" serve "$TMP/www" -p "$hp"
th_wait_tcp "$hp"
# the TCP side: when the page's message arrives, answer it
(timeout 30 mosquitto_sub -p "$tcp" -i tcpside -t web/out -q 1 -C 1 >"$TMP/out" &&
  mosquitto_pub -p "$tcp" -t web/in -m "to the page" -q 1) & rp=$!
th_wait_sub broker tcpside
out=$("$PY" "$(dirname "$0")/../harness/browser.py" goto "http://127.0.0.1:$hp/" \
  wait '#got' 'web/in to the page' eval 'document.querySelector("#status").textContent' 2>&1)
wait $rp
th_eq "MQTT.js in Chromium -> tern broker (WebSocket) -> mosquitto_sub (TCP)" "hello from the browser" "$(cat "$TMP/out")"
th_eq "mosquitto_pub (TCP) -> tern broker -> MQTT.js in Chromium; the page stays connected" '"subscribed"' "$out"
th_match "the broker saw the browser connect over WebSocket" "client browser1 connected" "$(cat "$TMP/broker.log")"
th_done
