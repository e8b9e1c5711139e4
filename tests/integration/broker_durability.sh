#!/usr/bin/env bash
# Nothing the broker acknowledged is lost to kill -9.
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_durability
th_need mosquitto_sub mosquitto_pub
port=$(th_free_port)
mkdir -p "$TMP/data"
start_broker() { th_bg broker "$TERN" broker -p "$port" --allow-anonymous --persist "$TMP/data" -v; th_wait_tcp "$port"; }
start_broker

# A persistent subscriber registers, then goes away.
mosquitto_sub -p "$port" -c -i dsub -q 1 -t 'd/#' -E >/dev/null 2>&1
seq 1 1000 | mosquitto_pub -p "$port" -q 1 -t d/t -l
th_eq "publisher got its acks" 0 $?
kill -9 "$PID_broker"; wait "$PID_broker" 2>/dev/null
start_broker
th_match "restart restored the queue" "restored .* and 1000 queued messages" "$(cat "$TMP/broker.log")"
timeout 30 mosquitto_sub -p "$port" -c -i dsub -q 1 -t 'd/#' -C 1000 >"$TMP/got" 2>&1
th_eq "all 1000 messages arrive after kill -9" 1000 "$(wc -l <"$TMP/got")"
th_eq "in order" "$(seq 1 1000 | md5sum)" "$(md5sum <"$TMP/got")"

# Retained messages survive too.
# QoS 1: the PUBACK promises the record is written (QoS 0 promises nothing,
# and a kill -9 right after it could win the race)
mosquitto_pub -p "$port" -t keep/me -m "still here" -r -q 1
kill -9 "$PID_broker"; wait "$PID_broker" 2>/dev/null
start_broker
th_eq "retained message survives kill -9" "still here" "$(timeout 10 mosquitto_sub -p "$port" -t keep/me -C 1)"

# A corrupt tail is reported and cut, the rest is kept.
kill -9 "$PID_broker"; wait "$PID_broker" 2>/dev/null
printf '\x40\x00\x00\x00Rgarbage' >>"$TMP/data/tern-broker.db"
start_broker
th_match "torn record reported" "torn or corrupt record" "$(cat "$TMP/broker.log")"
th_eq "records before it are kept" "still here" "$(timeout 10 mosquitto_sub -p "$port" -t keep/me -C 1)"

# A publisher keeps publishing through three kill -9s: every acknowledged
# message reaches the persistent subscriber.
mosquitto_sub -p "$port" -c -i dsub2 -q 1 -t 'f/#' -E >/dev/null 2>&1
"$PY" "$(dirname "$0")/py/publish_through_kills.py" "$port" "$TMP" "$TERN" >"$TMP/ptk.out" 2>&1
th_eq "publisher survived three broker kills" "kills=3" "$(grep -o 'kills=[0-9]*' "$TMP/ptk.out")"
acked=$(sed -n 's/.* acked=\([0-9]*\).*/\1/p' "$TMP/ptk.out")
th_check "many messages acknowledged ($acked)" [ "${acked:-0}" -ge 300 ]
PID_broker=$(cat "$TMP/broker.pid")
timeout 60 mosquitto_sub -p "$port" -c -i dsub2 -q 1 -t 'f/#' -W 5 >"$TMP/got2" 2>/dev/null
missing=$(sort -u "$TMP/acked" | comm -23 - <(sort -u "$TMP/got2") | wc -l)
th_eq "no acknowledged message lost across the kills" 0 "$missing"
kill "$PID_broker" 2>/dev/null
th_done
