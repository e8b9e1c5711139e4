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
mosquitto_sub -p "$port" -c -i cfgsub -q 1 -t 'c/#' -E >/dev/null 2>&1
seq 1 200 | mosquitto_pub -p "$port" -q 1 -t c/t -l
kill -9 "$PID_broker"; wait "$PID_broker" 2>/dev/null
th_bg broker "$TERN" broker -c "$TMP/broker.conf" -v
th_wait_tcp "$port"
th_eq "fsync policy: 200 acknowledged messages survive kill -9" 200 \
  "$(timeout 20 mosquitto_sub -p "$port" -c -i cfgsub -q 1 -t 'c/#' -C 200 | wc -l)"
# --fsync: kill -9 cannot tell fdatasync from a plain write (the page cache
# outlives the process), so read the order of system calls instead: every
# PUBACK leaves only after the records written before it were synced.
# (Plain build only: the order is the same under ASan, but strace is slow there.)
if [ -n "${ASAN_OPTIONS:-}" ]; then
  echo "note: the fsync order check runs in the plain build"
elif ! command -v strace >/dev/null; then
  th_skip_part "the fsync order check needs strace"
else
  sp=$(th_free_port); mkdir -p "$TMP/sdata"
  th_bg straced strace -f -o "$TMP/strace.out" -s 8 -e trace=writev,fdatasync,fsync,sendto \
    "$TERN" broker -p "$sp" --allow-anonymous --persist "$TMP/sdata" --fsync
  th_wait_tcp "$sp" 20
  mosquitto_sub -p "$sp" -c -i syncsub -q 1 -t 's/#' -E >/dev/null 2>&1
  seq 1 20 | mosquitto_pub -p "$sp" -q 1 -t s/t -l
  kill "$(pgrep -P "$PID_straced")"; wait "$PID_straced" 2>/dev/null   # the broker ends, then strace
  # (one send may carry several PUBACKs: the broker syncs once per read)
  th_match "--fsync: every send of PUBACKs follows a sync of what was written before it" \
    "^stored [1-9][0-9]* syncs [1-9][0-9]* ack-sends [1-9][0-9]* unsynced 0$" \
    "$("$PY" - "$TMP/strace.out" <<'PYEOF'
import re, sys
# writev is the store's append; sendto carries the socket bytes ("@\2" = PUBACK)
dirty = False; stored = syncs = acks = unsynced = 0
for line in open(sys.argv[1]):
    if re.search(r"\bwritev\(", line):
        dirty = True; stored += 1
    elif re.search(r"\bf(data)?sync\(", line):
        dirty = False; syncs += 1
    elif re.search(r'\bsendto\(\d+, "@\\2', line):
        acks += 1
        unsynced += dirty
print("stored %d syncs %d ack-sends %d unsynced %d" % (stored, syncs, acks, unsynced))
PYEOF
)"
fi
# flags override the file
p2=$(th_free_port)
th_bg broker2 "$TERN" broker -c "$TMP/broker.conf" -p "$p2"
th_wait_tcp "$p2"
th_check "a flag overrides the config file" mosquitto_pub -p "$p2" -t x -m y
printf 'listener %s\nbogus_key 1\n' "$(th_free_port)" >"$TMP/bad.conf"
out=$("$TERN" broker -c "$TMP/bad.conf" 2>&1); rc=$?
th_eq "unknown config key: exit 3" 3 "$rc"
th_match "unknown config key: FILE:LINE: KEY: reason" "bad.conf:2: bogus_key: unknown key" "$out"
out=$("$TERN" broker -p "$port" --allow-anonymous 2>&1); rc=$?
th_check "port in use: a clear error and a non-zero exit (rc=$rc)" [ "$rc" -ne 0 ]
th_match "port in use: says so" "cannot start: address already in use" "$out"
out=$("$TERN" serve "$TMP" -p "$port" 2>&1); rc=$?
th_match "port in use: tern serve says so (rc=$rc)" "tern serve: cannot listen on .*: address already in use" "$out"
"$TERN" passwd -b -c "$TMP/cpw" admin x
out=$("$TERN" console --user admin --password-file "$TMP/cpw" --port "$port" 2>&1); rc=$?
th_match "port in use: tern console says so (rc=$rc)" "cannot start: address already in use" "$out"
th_done
