#!/usr/bin/env bash
# ctest-labels: tls
# tern broker with real clients: mosquitto_pub/sub, paho, tern pub/sub,
# over TCP and TLS with a password file written by mosquitto_passwd.
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_interop
th_need mosquitto_pub mosquitto_sub mosquitto_passwd openssl
"$PY" -c "import paho.mqtt.client" 2>/dev/null || th_skip "python3-paho-mqtt is not installed"
th_make_ca "$TMP/pki" || { th_bad "making test certificates"; th_done; }
P=$TMP/pki
mosquitto_passwd -b -c "$TMP/pw" dev devkey
port=$(th_free_port); tport=$(th_free_port)
th_bg broker "$TERN" broker -p "$port" --passwd "$TMP/pw" --tls-port "$tport" --cert "$P/server.crt" --key "$P/server.key" -v
th_wait_tcp "$port"; th_wait_tcp "$tport"
A=(-u dev -P devkey)

timeout 10 mosquitto_sub -p "$port" "${A[@]}" -i o1 -t i/1 -q 2 -C 1 >"$TMP/o1" & sp=$!; th_wait_sub broker o1
mosquitto_pub -p "$port" "${A[@]}" -t i/1 -m "mosquitto both ends" -q 2; wait $sp
th_eq "mosquitto_pub -> tern broker -> mosquitto_sub (QoS 2)" "mosquitto both ends" "$(cat "$TMP/o1")"
timeout 10 "$TERN" sub -p "$port" "${A[@]}" -i o2 -t i/2 -q 1 -C 1 >"$TMP/o2" & sp=$!; th_wait_sub broker o2
"$PY" -c "
import paho.mqtt.publish as p
p.single('i/2', 'from paho', qos=1, hostname='127.0.0.1', port=$port, auth={'username': 'dev', 'password': 'devkey'})"
wait $sp
th_eq "paho -> tern broker -> tern sub" "from paho" "$(cat "$TMP/o2")"
"$PY" -c "
import paho.mqtt.subscribe as s
m = s.simple('i/3', qos=1, hostname='127.0.0.1', port=$port, auth={'username': 'dev', 'password': 'devkey'},
             client_id='o3')
print(m.payload.decode())" >"$TMP/o3" & sp=$!; th_wait_sub broker o3
"$TERN" pub -p "$port" "${A[@]}" -t i/3 -m "to paho" -q 1; wait $sp
th_eq "tern pub -> tern broker -> paho" "to paho" "$(cat "$TMP/o3")"

timeout 10 mosquitto_sub -p "$tport" --cafile "$P/ca.crt" -h localhost "${A[@]}" -i o4 -t t/1 -C 1 >"$TMP/o4" & sp=$!; th_wait_sub broker o4
"$TERN" pub -h localhost -p "$tport" --cafile "$P/ca.crt" "${A[@]}" -t t/1 -m "over TLS" -q 1; wait $sp
th_eq "TLS listener: tern pub -> mosquitto_sub" "over TLS" "$(cat "$TMP/o4")"

out=$(mosquitto_pub -p "$port" -t x -m y 2>&1); rc=$?
th_check "anonymous refused by default (rc=$rc)" [ "$rc" -ne 0 ]
out=$(mosquitto_pub -p "$port" -u dev -P nope -t x -m y 2>&1); rc=$?
th_check "wrong password refused (rc=$rc)" [ "$rc" -ne 0 ]

# SIGHUP reloads the password file.
mosquitto_passwd -b "$TMP/pw" late latepw
kill -HUP "$PID_broker"
th_wait_log "$TMP/broker.log" "reloaded" 5
th_check "user added after SIGHUP can connect" mosquitto_pub -p "$port" -u late -P latepw -t x -m y
# SIGTERM shuts down cleanly.
kill -TERM "$PID_broker"; wait "$PID_broker"; rc=$?
th_eq "SIGTERM: clean exit" 0 "$rc"
th_done
