#!/usr/bin/env bash
# ctest-labels: heavy
# 10,000 concurrent connections from a separate process, then all gone:
# every CONNACK arrives and memory returns near its start. (Heavy: plain build only.)
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_10k
hard=$(ulimit -Hn)
[ "$hard" -ge 10200 ] || th_skip "the hard open-file limit ($hard) is below 10,200"
ulimit -n "$hard"
port=$(th_free_port)
th_bg broker "$TERN" broker -p "$port" --allow-anonymous
th_wait_tcp "$port"
out=$(PYTHONPATH="$(dirname "$0")/py" "$PY" "$(dirname "$0")/py/many_clients.py" "$port" "$PID_broker" 10000)
echo "$out"
th_eq "10,000 CONNACKs" "connacks=10000" "$(echo "$out" | grep -o 'connacks=[0-9]*')"
start=$(echo "$out" | sed -n 's/.*start_kb=\([0-9]*\).*/\1/p')
full=$(echo "$out" | sed -n 's/.*full_kb=\([0-9]*\).*/\1/p')
end=$(echo "$out" | sed -n 's/.*end_kb=\([0-9]*\).*/\1/p')
th_check "memory grew while connected ($start -> $full KB)" [ "$full" -gt "$start" ]
# "near its start": within a quarter of what the connections took, or 4 MB
th_check "memory returned near its start ($end KB vs $start KB)" [ $((end - start)) -le $(( (full - start) / 4 > 4096 ? (full - start) / 4 : 4096 )) ]
th_check "broker still alive" kill -0 "$PID_broker"
th_done
