#!/usr/bin/env bash
# tern broker -c FILE (mosquitto.conf-style keys), and --fsync durability.
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_config
th_need mosquitto_pub mosquitto_sub
port=$(th_free_port)
mkdir -p "$TMP/data"
cat >"$TMP/broker.conf" <<CONF
# a subset of mosquitto.conf
listener $port 127.0.0.1
allow_anonymous true
persistence true
persistence_location $TMP/data
fsync true
CONF
th_bg broker "$TERN" broker -c "$TMP/broker.conf" -v
th_wait_tcp "$port"
th_match "config file: listener, persistence" "listening on 127\.0\.0\.1:$port \(persistent\)" "$(cat "$TMP/broker.log")"
mosquitto_sub -p "$port" -c -i cfgsub -q 1 -t 'c/#' -W 1 >/dev/null 2>&1
seq 1 200 | mosquitto_pub -p "$port" -q 1 -t c/t -l
kill -9 "$PID_broker"; wait "$PID_broker" 2>/dev/null
th_bg broker "$TERN" broker -c "$TMP/broker.conf" -v
th_wait_tcp "$port"
th_eq "fsync policy: 200 acknowledged messages survive kill -9" 200 \
  "$(timeout 20 mosquitto_sub -p "$port" -c -i cfgsub -q 1 -t 'c/#' -C 200 | wc -l)"
# flags override the file
p2=$(th_free_port)
th_bg broker2 "$TERN" broker -c "$TMP/broker.conf" -p "$p2"
th_wait_tcp "$p2"
th_check "a flag overrides the config file" mosquitto_pub -p "$p2" -t x -m y
printf 'listener %s\nbogus_key 1\n' "$(th_free_port)" >"$TMP/bad.conf"
out=$("$TERN" broker -c "$TMP/bad.conf" 2>&1); rc=$?
th_eq "unknown config key: exit 2" 2 "$rc"
th_match "unknown config key: says which line" "bad.conf:2: unknown key 'bogus_key'" "$out"
out=$("$TERN" broker -p "$port" --allow-anonymous 2>&1); rc=$?
th_check "port in use: a clear error and a non-zero exit (rc=$rc)" [ "$rc" -ne 0 ]
th_match "port in use: says so" "cannot start" "$out"
th_done
