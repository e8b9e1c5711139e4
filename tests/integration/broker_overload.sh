#!/usr/bin/env bash
# tern broker under overload, driven by a raw-packet generator that shares
# no code with tern (py/mqtt_flood.py): publishers as fast as their sockets
# take it into one subscriber. Nothing acknowledged may be lost, memory stays
# bounded, a client publishing to its own subscription does not deadlock,
# a subscriber that stops reading is cut off after its timeout while the
# others go on, and what is dropped (QoS 0 to that one) shows in $SYS.
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_overload
th_need mosquitto_sub
port=$(th_free_port)
# a small --max-queued, so that a broker which queued instead of pausing
# would overflow it (and drop) within the first run
th_bg broker "$TERN" broker -p "$port" --allow-anonymous -v --slow-subscriber-timeout 2 --max-queued 5000
th_wait_tcp "$port"
flood() { PYTHONPATH="$(dirname "$0")/py" timeout 180 "$PY" "$(dirname "$0")/py/mqtt_flood.py" "$port" "$@"; }
lost_none() { # DESC OUTPUT: the last line says every acknowledged message arrived
  local line; line=$(echo "$2" | tail -1)
  th_match "$1 ($line)" "^sent ([0-9]+) acked \\1 received [0-9]+ lost 0 duplicated [0-9]+ " "$line"
}

out=$(flood 1 10 10000 --window 32)
lost_none "QoS 1, 10 publishers -> 1 subscriber, 32 in flight each: all acked, none lost" "$out"
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$PID_broker/status")
th_check "peak resident memory of the broker under 256 MB (${hwm} kB)" [ "${hwm:-999999999}" -lt 262144 ]
out=$(flood 0 50 2000 --size 1000)
lost_none "QoS 0, 50 publishers -> 1 subscriber that keeps reading: everything delivered" "$out"
out=$(flood 2 5 2000)
lost_none "QoS 2, 5 publishers -> 1 subscriber: none lost" "$out"
th_match "QoS 2: none duplicated" "duplicated 0 " "$(echo "$out" | tail -1)"
out=$(flood 1 5 2000 --self)
th_match "a client publishing to its own subscription under overload: no deadlock" \
  "self: published 2000 received-back 2000" "$out"
lost_none "... and the others lost nothing" "$out"
out=$(flood 1 4 2000 --stalled --size 2000)
lost_none "QoS 1 with a second subscriber that never reads: the reader gets everything" "$out"
th_check "the one that never reads is disconnected after its timeout" \
  th_wait_log "$TMP/broker.log" "closing .*slow subscriber: [0-9]+ messages behind, nothing taken for 2 s" 5
out=$(flood 0 4 2000 --stalled --size 2000)
lost_none "QoS 0 with a subscriber that never reads: the reader gets everything" "$out"
dropped=$(timeout 25 mosquitto_sub -p "$port" -t '$SYS/broker/publish/messages/dropped' | grep -m1 -v '^0$')
th_check "the QoS 0 messages dropped for it show in \$SYS ($dropped)" [ "${dropped:-0}" -gt 0 ]
lines=$(grep -c "dropped [0-9]* message" "$TMP/broker.log")
th_check "drops are logged in a bounded number of lines ($lines for $dropped drops)" [ "$lines" -ge 1 -a "$lines" -le 4 ]
th_check "broker still alive" kill -0 "$PID_broker"
th_done
