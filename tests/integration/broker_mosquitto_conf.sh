#!/usr/bin/env bash
# ctest-labels: tls
# tern broker as a drop-in for Mosquitto's configuration: several listener
# blocks (plain, TLS, client certificates, WebSocket) from one file, checked
# with mosquitto_pub/sub and paho; Debian's own mosquitto.conf with its
# include_dir; what tern cannot honour stops it with FILE:LINE and exit 3.
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_mosquitto_conf
th_need mosquitto_pub mosquitto_sub mosquitto_passwd openssl ss
"$PY" -c "import paho.mqtt.client" 2>/dev/null || th_skip "python3-paho-mqtt is not installed"
th_make_ca "$TMP/pki" || { th_bad "making test certificates"; th_done; }
P=$TMP/pki
mosquitto_passwd -b -c "$TMP/pw" dev devkey
# on the client-certificate listener only the certificate's CN may publish
printf 'user tern-client\ntopic write in/#\n' >"$TMP/acl"
plain=$(th_free_port); tls=$(th_free_port); mtls=$(th_free_port); ws=$(th_free_port); rq=$(th_free_port)
cat >"$TMP/m.conf" <<CONF
# as Mosquitto's documentation writes it
per_listener_settings true

listener $plain 127.0.0.1
allow_anonymous true

listener $tls 127.0.0.1
certfile $P/server.crt
keyfile $P/server.key
password_file $TMP/pw

listener $mtls 127.0.0.1
certfile $P/server.crt
keyfile $P/server.key
cafile $P/ca.crt
require_certificate true
use_identity_as_username true
acl_file $TMP/acl

listener $ws 127.0.0.1
protocol websockets
allow_anonymous true
max_connections 3

# anonymous, but only with a certificate from cafile
listener $rq 127.0.0.1
certfile $P/server.crt
keyfile $P/server.key
cafile $P/ca.crt
require_certificate true
allow_anonymous true
CONF
th_bg broker "$TERN" broker -c "$TMP/m.conf" -v
for p in $plain $tls $mtls $ws $rq; do th_wait_tcp "$p"; done
# one subscriber on the plain listener sees what comes in through the others
timeout 20 mosquitto_sub -p "$plain" -i watch -t 'in/#' -v -C 4 >"$TMP/watch" & wp=$!
th_wait_sub broker watch
mosquitto_pub -p "$plain" -t in/plain -m a
th_check "plain listener: anonymous accepted (per_listener_settings)" [ $? -eq 0 ]
out=$(timeout 5 mosquitto_pub -p "$tls" -u dev -P devkey -t in/x -m clear 2>&1); rc=$?
th_check "TLS listener: a client without TLS is refused (rc=$rc)" [ "$rc" -ne 0 ]
mosquitto_pub -p "$tls" --cafile "$P/ca.crt" -u dev -P devkey -t in/tls -m b
th_check "TLS listener: a TLS client with a password gets in" [ $? -eq 0 ]
out=$(timeout 5 mosquitto_pub -p "$tls" --cafile "$P/ca.crt" -t in/x -m anon 2>&1); rc=$?
th_check "TLS listener: anonymous refused there (its own allow_anonymous, false) (rc=$rc)" [ "$rc" -ne 0 ]
out=$(timeout 5 mosquitto_pub -p "$mtls" --cafile "$P/ca.crt" -t in/x -m nocert 2>&1); rc=$?
th_check "require_certificate: a client without a certificate is refused (rc=$rc)" [ "$rc" -ne 0 ]
out=$(timeout 5 mosquitto_pub -p "$rq" --cafile "$P/ca.crt" -t x -m nocert 2>&1); rc=$?
th_check "require_certificate (anonymous allowed): no certificate, refused in the handshake (rc=$rc)" [ "$rc" -ne 0 ]
out=$(timeout 5 mosquitto_pub -p "$rq" --cafile "$P/ca.crt" --cert "$P/client.crt" --key "$P/client.key" -t x -m c 2>&1); rc=$?
th_check "require_certificate (anonymous allowed): with a certificate, in (rc=$rc)" [ "$rc" -eq 0 ]
out=$(timeout 5 mosquitto_pub -p "$mtls" --cafile "$P/ca.crt" --cert "$P/rogue.crt" --key "$P/rogue.key" \
  -t in/x -m rogue 2>&1); rc=$?
th_check "require_certificate: a certificate from another CA is refused (rc=$rc)" [ "$rc" -ne 0 ]
mosquitto_pub -p "$mtls" --cafile "$P/ca.crt" --cert "$P/client.crt" --key "$P/client.key" -t in/mtls -m c
th_check "require_certificate: a client with a certificate from cafile gets in" [ $? -eq 0 ]
"$PY" - "$ws" <<'PYEOF'
import sys, paho.mqtt.client as mqtt
port = int(sys.argv[1])
try:
    c = mqtt.Client(client_id="wspub", transport="websockets")
except (TypeError, AttributeError):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="wspub", transport="websockets")
c.connect("127.0.0.1", port)
c.loop_start()
c.publish("in/ws", "d", qos=1).wait_for_publish(10)
c.disconnect(); c.loop_stop()
PYEOF
th_check "WebSocket listener: paho (transport=websockets) publishes" [ $? -eq 0 ]
wait $wp
# (in/mtls passes that listener's ACL only as user tern-client: use_identity_as_username)
th_eq "every listener's message reached the plain subscriber" \
  "in/plain a|in/tls b|in/mtls c|in/ws d" "$(paste -sd'|' "$TMP/watch")"
# paho subscribing over WebSocket, fed by mosquitto_pub over TCP
"$PY" - "$ws" >"$TMP/wsgot" <<'PYEOF' &
import sys, threading, paho.mqtt.client as mqtt
port = int(sys.argv[1]); got = threading.Event()
def on_message(c, u, m):
    print(m.topic, m.payload.decode(), flush=True); got.set()
try:
    c = mqtt.Client(client_id="wssub", transport="websockets")
except (TypeError, AttributeError):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="wssub", transport="websockets")
c.on_message = on_message
c.on_connect = lambda c, u, f, rc: c.subscribe("out/#", 1)
c.connect("127.0.0.1", port); c.loop_start()
sys.exit(0 if got.wait(15) else 1)
PYEOF
sp=$!
th_wait_sub broker wssub
mosquitto_pub -p "$plain" -t out/1 -m "to the browser side" -q 1
wait $sp
th_eq "WebSocket listener: paho subscribes, a TCP client's message arrives" "out/1 to the browser side" "$(cat "$TMP/wsgot")"

# a 200 kB message over WebSocket: one frame that arrives in many reads
timeout 20 mosquitto_sub -p "$plain" -i bigsub -t big/1 -C 1 >"$TMP/big.out" & bp=$!
th_wait_sub broker bigsub
"$PY" - "$ws" "$TMP/big.in" <<'PYEOF'
import os, sys, paho.mqtt.client as mqtt
port = int(sys.argv[1]); data = os.urandom(75000).hex()[:200000].encode()
open(sys.argv[2], "wb").write(data + b"\n")
try:
    c = mqtt.Client(client_id="wsbig", transport="websockets")
except (TypeError, AttributeError):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id="wsbig", transport="websockets")
c.connect("127.0.0.1", port); c.loop_start()
c.publish("big/1", data, qos=1).wait_for_publish(10)
c.disconnect(); c.loop_stop()
PYEOF
wait $bp
th_check "WebSocket: a 200 kB message arrives intact" cmp -s "$TMP/big.in" "$TMP/big.out"

# 'listener PORT' without an address binds every interface, as Mosquitto
all=$(th_free_port)
printf 'listener %s\nallow_anonymous true\n' "$all" >"$TMP/all.conf"
th_bg brokerall "$TERN" broker -c "$TMP/all.conf"
th_wait_tcp "$all"
th_match "listener PORT binds every interface" "0\.0\.0\.0:$all " "$(ss -ltnH "sport = :$all")"
out=$(timeout 5 mosquitto_pub -p "$all" -t x -m y 2>&1); rc=$?
th_check "allow_anonymous true there lets a client in (rc=$rc)" [ "$rc" -eq 0 ]
kill "$PID_brokerall"
printf 'listener %s\n' "$(th_free_port)" >"$TMP/noanon.conf"
np=$(sed -n 's/listener //p' "$TMP/noanon.conf")
th_bg brokernoanon "$TERN" broker -c "$TMP/noanon.conf"
th_wait_tcp "$np"
out=$(timeout 5 mosquitto_pub -p "$np" -t x -m y 2>&1); rc=$?
th_check "a listener and no allow_anonymous: anonymous refused, as Mosquitto 2 (rc=$rc)" [ "$rc" -ne 0 ]
kill "$PID_brokernoanon"

# Debian's mosquitto.conf, its paths moved into the test's directory, with
# a listener dropped into its include_dir the way a user does
if [ -f /etc/mosquitto/mosquitto.conf ]; then
  mkdir -p "$TMP/deb/conf.d" "$TMP/deb/run" "$TMP/deb/lib" "$TMP/deb/log"
  sed -e "s|/run/mosquitto|$TMP/deb/run|; s|/var/lib/mosquitto|$TMP/deb/lib|" \
    -e "s|/var/log/mosquitto|$TMP/deb/log|; s|/etc/mosquitto/conf.d|$TMP/deb/conf.d|" \
    /etc/mosquitto/mosquitto.conf >"$TMP/deb/mosquitto.conf"
  cp /etc/mosquitto/conf.d/README "$TMP/deb/conf.d/" 2>/dev/null
  dp=$(th_free_port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$dp" >"$TMP/deb/conf.d/local.conf"
  th_bg debian "$TERN" broker -c "$TMP/deb/mosquitto.conf"
  th_wait_tcp "$dp"
  mosquitto_pub -p "$dp" -t deb/r -m kept -r -q 1
  th_eq "Debian's config: retained message through the include_dir listener" kept \
    "$(timeout 5 mosquitto_sub -p "$dp" -t deb/r -C 1)"
  th_eq "Debian's config: pid_file written" "$PID_debian" "$(cat "$TMP/deb/run/mosquitto.pid" 2>/dev/null)"
  th_check "Debian's config: persistence in persistence_location" [ -s "$TMP/deb/lib/tern-broker.db" ]
  th_check "Debian's config: log_dest file gets the log" [ -s "$TMP/deb/log/mosquitto.log" ]
  kill "$PID_debian"; wait "$PID_debian" 2>/dev/null
  th_check "Debian's config: pid_file removed on exit" [ ! -e "$TMP/deb/run/mosquitto.pid" ]
else
  th_skip_part "Debian's /etc/mosquitto/mosquitto.conf is not installed"
fi

# autosave_interval is accepted, and the log says why it changes nothing
# (the listener's port is taken, so this broker stops right after saying it)
printf 'listener %s 127.0.0.1\nautosave_interval 1800\n' "$plain" >"$TMP/autosave.conf"
th_match "autosave_interval: accepted and explained" "autosave_interval: not needed: tern writes every change" \
  "$(timeout 5 "$TERN" broker -c "$TMP/autosave.conf" 2>&1)"

# refused, with the line: an unknown key, an unsupported setting, a bad value
refused() { # DESC CONF-TEXT EXPECTED-PATTERN
  printf '%b' "$2" >"$TMP/bad.conf"
  local out rc
  out=$(timeout 5 "$TERN" broker -c "$TMP/bad.conf" 2>&1); rc=$?
  th_eq "$1: exit 3" 3 "$rc"
  th_match "$1: says FILE:LINE: KEY: reason ($out)" "$3" "$out"
}
refused "an unknown key" "listener 1\n\nno_such_key 1\n" "bad\.conf:3: no_such_key: unknown key"
refused "a Mosquitto key tern lacks" "listener 1\nmount_point x/\n" \
  "bad\.conf:2: mount_point: a Mosquitto setting tern does not support"
refused "an unsupported value" "log_dest syslog\n" "bad\.conf:1: log_dest: .*not syslog"
refused "a bad boolean" "listener 1\nrequire_certificate yes\n" \
  "bad\.conf:2: require_certificate: want true or false"
refused "a bad number" "max_inflight_messages lots\n" "bad\.conf:1: max_inflight_messages: want a whole number"
mkdir -p "$TMP/inc"
printf 'listener 1\n' >"$TMP/inc/a.conf"; printf 'bogus 2\n' >"$TMP/inc/b.conf"
refused "an error in an included file names that file" "include_dir $TMP/inc\n" "inc/b\.conf:1: bogus: unknown key"
# a TLS listener that cannot load its certificate never runs in clear
printf 'listener %s 127.0.0.1\ncertfile %s\nkeyfile %s\n' "$(th_free_port)" "$TMP/none.crt" "$TMP/none.key" >"$TMP/nocert.conf"
out=$(timeout 5 "$TERN" broker -c "$TMP/nocert.conf" 2>&1); rc=$?
th_check "a TLS listener whose certificate is missing: does not start (rc=$rc)" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
# a missing persistence directory: which path, and why
printf 'listener %s 127.0.0.1\npersistence true\npersistence_location %s\n' "$(th_free_port)" "$TMP/nodir" >"$TMP/nodir.conf"
out=$(timeout 5 "$TERN" broker -c "$TMP/nodir.conf" 2>&1); rc=$?
th_match "a missing persistence directory: names the path and why (rc=$rc)" \
  "$TMP/nodir/tern-broker.db: no such directory" "$out"
th_done
