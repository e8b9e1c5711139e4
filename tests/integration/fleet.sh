#!/usr/bin/env bash
# tern fleet, small: its books add up against tern broker, and it sees a
# loss: a Mosquitto whose ACL lets the devices publish (each sample is
# acknowledged) but never lets the receiver read them reports every
# acknowledged sample lost and exits 1. Bad numbers are refused.
. "$(dirname "$0")/../harness/lib.sh"
th_init fleet
th_need mosquitto

bp=$(th_free_port)
th_bg tb "$TERN" broker -p "$bp" --allow-anonymous
th_wait_tcp "$bp"
"$TERN" fleet --broker "mqtt://127.0.0.1:$bp" --devices 50 --rate 5 --duration 2 \
  >"$TMP/ok.out" 2>"$TMP/ok.err"
th_eq "tern broker: exit 0" 0 $?
th_match "tern broker: 50 devices, 500 samples sent, acknowledged, received, none lost" \
  "^devices 50 connected 50 sent 500 acked 500 received 500 lost 0 duplicated 0 p50 [0-9.]+ ms p99 [0-9.]+ ms" \
  "$(cat "$TMP/ok.out")"
th_match "a progress line each second on standard error" "^fleet: +[0-9]+s (publishing|draining) +connected" \
  "$(cat "$TMP/ok.err")"
th_match "and the memory per device" "fleet: tern's heap per connected device: [0-9]+ bytes" \
  "$(cat "$TMP/ok.err")"

# QoS 0: nothing is acknowledged, what did not arrive is counted apart
"$TERN" fleet --broker "mqtt://127.0.0.1:$bp" --devices 10 --rate 5 --duration 1 --qos 0 \
  >"$TMP/q0.out" 2>/dev/null
th_match "QoS 0: no acknowledgements, the missing counted apart" \
  "^devices 10 connected 10 sent 50 acked 0 received 50 lost 0 .* qos0-missing 0$" "$(cat "$TMP/q0.out")"

printf 'topic write fleet/#\n' >"$TMP/acl"
mp=$(th_free_port)
th_mosquitto mq "listener $mp 127.0.0.1
allow_anonymous true
acl_file $TMP/acl"
"$TERN" fleet --broker "mqtt://127.0.0.1:$mp" --devices 5 --rate 5 --duration 1 --drain 2 \
  >"$TMP/lost.out" 2>/dev/null
th_eq "a broker that acknowledges and never delivers: exit 1" 1 $?
th_match "every acknowledged sample counted lost" \
  "^devices 5 connected 5 sent 25 acked 25 received 0 lost 25 " "$(cat "$TMP/lost.out")"

"$TERN" fleet --broker "mqtt://127.0.0.1:$bp" --devices 5 --rate abc --duration 1 2>"$TMP/bad.err"
th_eq "--rate abc: exit 2" 2 $?
th_match "and says what it wants" "--rate wants a number" "$(cat "$TMP/bad.err")"
th_done
