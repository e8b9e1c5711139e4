#!/usr/bin/env bash
# tern device on lo against tern broker and Mosquitto, a paho subscriber,
# the LED page in headless Chromium, the console over telnet, and the
# degraded case: no NTP server and no broker.
. "$(dirname "$0")/../harness/lib.sh"
th_init device
th_need mosquitto mosquitto_pub mosquitto_sub
"$TERN" passwd -b -c "$TMP/pw" admin 'pw one'
ntp=$(th_free_port)
th_bg ntp "$TERN" ntp --serve -p "$ntp"
th_wait_log "$TMP/ntp.log" serving
sin_ok() { # FILE with "t,value" lines: 100 rows of sin(t/10)
  "$PY" - "$1" <<'PYEOF'
import math, sys
rows = [l.strip() for l in open(sys.argv[1]) if l.strip()]
ok = len(rows) == 100 and all(int(r.split(",")[0]) == i and abs(float(r.split(",")[1]) - math.sin(i / 10)) < 1e-6 for i, r in enumerate(rows))
sys.exit(0 if ok else 1)
PYEOF
}
run_device() { # NAME BROKER_PORT CONSOLE_PORT HTTP_PORT [extra...]
  local name=$1 bp=$2 cp=$3 hp=$4; shift 4
  "$TERN" device --name "$name" --iface lo --ntp "127.0.0.1:$ntp" --console-port "$cp" --console-password-file "$TMP/pw" \
    --http-port "$hp" --broker "mqtt://127.0.0.1:$bp" --period-ms 20 "$@" >"$TMP/$name.log" 2>&1 &
  TH_PIDS+=($!)
  DEV=$!
}

for broker in tern mosquitto; do
  bp=$(th_free_port)
  if [ $broker = tern ]; then th_bg b_$broker "$TERN" broker -p "$bp" --allow-anonymous -v; th_wait_tcp "$bp"
  else th_mosquitto b_$broker "listener $bp 127.0.0.1
allow_anonymous true"; fi
  timeout 30 mosquitto_sub -p "$bp" -i "sub$broker" -t "d$broker/data" -t "d$broker/plot" -v -C 101 -q 1 \
    >"$TMP/sub_$broker" & sp=$!
  th_wait_sub "b_$broker" "sub$broker"
  run_device "d$broker" "$bp" "$(th_free_port)" "$(th_free_port)"
  wait $sp
  grep "^d$broker/data " "$TMP/sub_$broker" | cut -d' ' -f2 >"$TMP/rows_$broker"
  th_check "$broker broker: 100 samples of sin(t/10)" sin_ok "$TMP/rows_$broker"
  th_eq "$broker broker: then the plot message" "d$broker/plot create the plot" "$(tail -1 "$TMP/sub_$broker")"
  th_match "$broker broker: status carries the address" '"ip":"127\.0\.0\.1","online":true' \
    "$(timeout 5 mosquitto_sub -p "$bp" -t "d$broker/status" -C 1)"
  kill -9 $DEV; wait $DEV 2>/dev/null
  th_eq "$broker broker: SIGKILL publishes the last will" "{\"name\":\"d$broker\",\"online\":false}" \
    "$(timeout 10 mosquitto_sub -p "$bp" -t "d$broker/status" -C 1)"
done

# a list of brokers (a cluster's nodes): the first is down, the device moves
# on to the next and says which one it reached (never the credentials)
bp=$(th_free_port); dead=$(th_free_port)
th_bg bl "$TERN" broker -p "$bp" --allow-anonymous; th_wait_tcp "$bp"
run_device ldev "$bp" 0 0 --broker "mqtt://u:secret@127.0.0.1:$dead,mqtt://127.0.0.1:$bp"
th_check "a list: the device reaches the second broker" \
  th_wait_log "$TMP/ldev.log" "^MQTT: connected to mqtt://127\.0\.0\.1:$bp as " 15
th_check "the status line shows no password" [ -z "$(grep -l secret "$TMP/ldev.log")" ]
kill "$DEV"; wait "$DEV" 2>/dev/null

# an unchanged paho subscriber
bp=$(th_free_port)
th_bg bp "$TERN" broker -p "$bp" --allow-anonymous -v; th_wait_tcp "$bp"
"$PY" "$(dirname "$0")/py/paho_collect.py" "$bp" pdev >"$TMP/paho.out" & pp=$!
th_wait_sub bp paho-collect
cport=$(th_free_port); hport=$(th_free_port)
run_device pdev "$bp" "$cport" "$hport" --led off
wait $pp
tail -n +3 "$TMP/paho.out" >"$TMP/paho.rows"
th_eq "paho: all 100 samples, then the plot" "plot create the plot rows 100" "$(head -2 "$TMP/paho.out" | tr '\n' ' ' | sed 's/ $//')"
th_check "paho: the samples are sin(t/10)" sin_ok "$TMP/paho.rows"

# the LED: page (browser), API, console, MQTT
th_wait_log "$TMP/pdev.log" "Web page:" 5
# the browser is heavy: plain build only (under ASan the page's ?LED=ON link is used instead)
if [ -n "${ASAN_OPTIONS:-}" ]; then
  th_eq "?LED=ON answers the page" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/?LED=ON")"
elif ! command -v chromium >/dev/null || ! "$PY" -c "import websocket" 2>/dev/null; then
  th_skip_part "the browser check needs chromium and python3-websocket"
  curl -s "http://127.0.0.1:$hport/?LED=ON" >/dev/null
else
  out=$("$PY" "$(dirname "$0")/../harness/browser.py" goto "http://127.0.0.1:$hport/" click '#on' wait '#led' ON \
    eval 'document.querySelector("#led").textContent')
  th_eq "browser: clicking ON shows ON" '"ON"' "$out"
fi
th_eq "/api/led reads on" '{"led":"on"}' "$(curl -s "http://127.0.0.1:$hport/api/led")"
th_eq "SESSION/led/state reads ON (retained)" "ON" "$(timeout 5 mosquitto_sub -p "$bp" -t pdev/led/state -C 1)"
if ! command -v expect >/dev/null || ! command -v telnet >/dev/null; then
  th_skip_part "the console check needs expect and telnet"
else
  cat >"$TMP/led.exp" <<EXP
set timeout 8
spawn telnet 127.0.0.1 $cport
expect "login: " { send "admin\r" } timeout { exit 11 }
expect "Password: " { send "pw one\r" } timeout { exit 12 }
expect "pdev> " { send "led\r" } timeout { exit 13 }
expect "LED on" {} timeout { exit 14 }
expect "pdev> " { send "led off\r" } timeout { exit 15 }
expect "LED off" {} timeout { exit 16 }
expect "pdev> " { send "mqtt status\r" } timeout { exit 17 }
expect "connected" {} timeout { exit 18 }
expect "pdev> " { send "exit\r" }
expect eof
EXP
  expect "$TMP/led.exp" >"$TMP/led.log" 2>&1
  th_eq "telnet: log in, read the LED, switch it off" 0 $?
  th_eq "the console's switch reaches /api/led" '{"led":"off"}' "$(curl -s "http://127.0.0.1:$hport/api/led")"
fi
mosquitto_pub -p "$bp" -t pdev/led -m ON -q 1
for i in $(seq 50); do [ "$(curl -s "http://127.0.0.1:$hport/api/led")" = '{"led":"on"}' ] && break; sleep 0.1; done
th_eq "mosquitto_pub SESSION/led ON switches it on" '{"led":"on"}' "$(curl -s "http://127.0.0.1:$hport/api/led")"
mosquitto_pub -p "$bp" -t pdev/led -m OFF -q 1
for i in $(seq 50); do [ "$(curl -s "http://127.0.0.1:$hport/api/led")" = '{"led":"off"}' ] && break; sleep 0.1; done
th_eq "mosquitto_pub SESSION/led OFF switches it off" '{"led":"off"}' "$(curl -s "http://127.0.0.1:$hport/api/led")"
kill -TERM $DEV; wait $DEV; rc=$?
th_eq "SIGTERM: exit 0" 0 "$rc"
th_eq "SIGTERM: online:false status" '{"name":"pdev","online":false}' "$(timeout 5 mosquitto_sub -p "$bp" -t pdev/status -C 1)"

# nothing reachable: no NTP server, no broker; page and console still serve
dead=$(th_free_port); cport=$(th_free_port); hport=$(th_free_port)
"$TERN" device --name lone --iface lo --ntp "127.0.0.1:$dead" --console-port "$cport" --console-password-file "$TMP/pw" \
  --http-port "$hport" --broker "mqtt://127.0.0.1:$dead" >"$TMP/lone.log" 2>"$TMP/lone.err" &
lone=$!; TH_PIDS+=($lone)
th_check "says NTP failed, on standard error" th_wait_log "$TMP/lone.err" "Unable to get NTP time" 10
th_check "says MQTT failed, on standard error" th_wait_log "$TMP/lone.err" "MQTT: .*refused" 10
th_eq "no failure on standard output" "" "$(grep -E "Unable|refused" "$TMP/lone.log")"
th_match "the progress stays on standard output" "Web page: http://127\.0\.0\.1" "$(cat "$TMP/lone.log")"
th_match "still serves its page" "<h1>lone</h1>" "$(curl -s "http://127.0.0.1:$hport/")"
th_check "still serves its console" th_wait_tcp "$cport" 2
th_done
