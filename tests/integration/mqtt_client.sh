#!/usr/bin/env bash
# ctest-labels: tls
# The MQTT client and tern pub/sub against Debian's Mosquitto, with three
# listeners: plain anonymous, password-protected, and TLS with a password
# (as Adafruit IO is set up). Interop with mosquitto_pub/sub and paho.
. "$(dirname "$0")/../harness/lib.sh"
th_init mqtt_client
th_need mosquitto mosquitto_pub mosquitto_sub openssl
"$PY" -c "import paho.mqtt.client" 2>/dev/null || th_skip "python3-paho-mqtt is not installed"
th_make_ca "$TMP/pki" || { th_bad "making test certificates"; th_done; }
P=$TMP/pki
mosquitto_passwd -b -c "$TMP/pw" dev devkey
plain=$(th_free_port); auth=$(th_free_port); tls=$(th_free_port)
th_mosquitto mosq "per_listener_settings true
listener $plain 127.0.0.1
allow_anonymous true
listener $auth 127.0.0.1
allow_anonymous false
password_file $TMP/pw
listener $tls 127.0.0.1
allow_anonymous false
password_file $TMP/pw
cafile $P/ca.crt
certfile $P/server.crt
keyfile $P/server.key"
th_wait_tcp "$auth"; th_wait_tcp "$tls"

# Round trips through Mosquitto at each QoS.
for q in 0 1 2; do
  "$TERN" sub -p "$plain" -i "rt$q" -t "rt/$q" -q "$q" -C 1 >"$TMP/rt$q" & sp=$!
  th_wait_sub mosq "rt$q"
  "$TERN" pub -p "$plain" -t "rt/$q" -m "hello $q" -q "$q"
  wait $sp
  th_eq "tern pub -> tern sub at QoS $q" "hello $q" "$(cat "$TMP/rt$q")"
done

# Retained and wildcards.
"$TERN" pub -p "$plain" -t ret/a/b -m kept -r -q 1
th_eq "retained message delivered to a later wildcard subscriber" "ret/a/b kept" \
  "$(timeout 10 "$TERN" sub -p "$plain" -t 'ret/+/b' -v -C 1)"
# -R: the retained message is not printed, and the client stays connected
# until -W ends it (exit 27, as mosquitto_sub): waiting is what is tested.
out=$(timeout 10 "$TERN" sub -p "$plain" -t 'ret/#' -R -W 1 2>&1); rc=$?
th_eq "-R skips retained messages (output '$out', then -W's exit 27)" "27:" "$rc:$out"

# Interop both ways.
timeout 10 mosquitto_sub -p "$plain" -i io1 -t io/1 -C 1 >"$TMP/io1" & sp=$!; th_wait_sub mosq io1
"$TERN" pub -p "$plain" -t io/1 -m "to mosquitto_sub" -q 1; wait $sp
th_eq "tern pub -> mosquitto_sub" "to mosquitto_sub" "$(cat "$TMP/io1")"
timeout 10 "$TERN" sub -p "$plain" -i io2 -t io/2 -C 1 -q 2 >"$TMP/io2" & sp=$!; th_wait_sub mosq io2
mosquitto_pub -p "$plain" -t io/2 -m "from mosquitto_pub" -q 2; wait $sp
th_eq "mosquitto_pub -> tern sub" "from mosquitto_pub" "$(cat "$TMP/io2")"
timeout 10 "$TERN" sub -p "$plain" -i io3 -t io/3 -C 1 -q 1 >"$TMP/io3" & sp=$!; th_wait_sub mosq io3
"$PY" -c "
import paho.mqtt.publish as p; p.single('io/3', 'from paho', qos=1, hostname='127.0.0.1', port=$plain)"
wait $sp
th_eq "paho -> tern sub" "from paho" "$(cat "$TMP/io3")"
"$PY" -c "
import paho.mqtt.subscribe as s, sys
m = s.simple('io/4', qos=1, hostname='127.0.0.1', port=$plain, client_id='io4')
print(m.payload.decode())" >"$TMP/io4" & sp=$!; th_wait_sub mosq io4
"$TERN" pub -p "$plain" -t io/4 -m "to paho" -q 1; wait $sp
th_eq "tern pub -> paho" "to paho" "$(cat "$TMP/io4")"

# The C API: per-subscription handlers, unsubscribe, the blocking layer.
"$BIN/mqtt_api_probe" "mqtt://127.0.0.1:$plain" >"$TMP/api.out" 2>&1; rc=$?
while read -r verdict name; do
  if [ "$verdict" = ok ]; then th_ok "api: $name"; else th_bad "api: $verdict $name"; fi
done <"$TMP/api.out"
th_eq "api: the probe ran to its end (exit status)" 0 "$rc"
th_eq "api: the probe reported all its checks" 9 "$(grep -cE '^(ok|FAIL) ' "$TMP/api.out")"

# Last will on an abrupt end:
timeout 10 mosquitto_sub -p "$plain" -i willsub -t will/dev -C 1 >"$TMP/will" & sp=$!; th_wait_sub mosq willsub
"$TERN" sub -p "$plain" -i victim -t none --will-topic will/dev --will-payload offline -q 1 >/dev/null & victim=$!
th_wait_sub mosq victim; kill -9 $victim; wait $sp
th_eq "last will published after kill -9" "offline" "$(cat "$TMP/will")"

# Credentials and TLS.
out=$("$TERN" pub -p "$auth" -t a -m x -u dev -P wrong 2>&1); rc=$?
th_match "bad password: clear error" "refused: (bad user name or password|not authorised)" "$out"
th_eq "bad password: exit code 5" 5 "$rc"
th_check "good password works" "$TERN" pub -p "$auth" -t a -m x -u dev -P devkey -q 1
th_check "TLS + user/key works" "$TERN" pub -h localhost -p "$tls" --cafile "$P/ca.crt" -u dev -P devkey -t dev/feeds/x -m 200 -q 1
th_check "-L mqtts://user:key@host:port/topic works" "$TERN" pub -L "mqtts://dev:devkey@localhost:$tls/dev/feeds/y" --cafile "$P/ca.crt" -m 1
out=$("$TERN" pub -h localhost -p "$tls" --cafile "$P/rogue-ca.crt" -u dev -P devkey -t a -m x 2>&1); rc=$?
th_match "unknown CA: clear TLS error" "TLS error: certificate not trusted" "$out"
th_check "unknown CA: non-zero exit" [ "$rc" -ne 0 ]
out=$("$TERN" pub -h 127.0.0.1 -p "$tls" --cafile "$P/ca.crt" -u dev -P devkey -t a -m x -q 1 2>&1); rc=$?
th_eq "IP address is in the certificate: accepted (exit status and output)" "0:" "$rc:$out"
out=$("$TERN" pub -p "$(th_free_port)" -t a -m x 2>&1); rc=$?
th_match "nobody listening: unreachable" "unreachable" "$out"

# Keepalive: a broker that stops answering (SIGSTOP) is noticed within 1.5 x keepalive.
"$TERN" sub -p "$plain" -i ka -t ka -k 5 2>"$TMP/ka.err" >/dev/null & ka=$!
th_wait_sub mosq ka
kill -STOP "$PID_mosq"; t0=$(date +%s.%N)
th_wait_log "$TMP/ka.err" "connection lost" 12
t1=$(date +%s.%N); kill -CONT "$PID_mosq"; kill $ka 2>/dev/null
took=$(echo "$t1 - $t0" | bc 2>/dev/null || "$PY" -c "print($t1 - $t0)")
th_check "dead broker noticed within 1.5 x keepalive + 1 s (took ${took}s)" "$PY" -c "import sys; sys.exit(0 if $took <= 8.6 else 1)"
th_done
