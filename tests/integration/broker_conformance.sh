#!/usr/bin/env bash
# tern broker against the MQTT 3.1.1 rules, with raw packets.
. "$(dirname "$0")/../harness/lib.sh"
th_init broker_conformance
port=$(th_free_port)
"$TERN" passwd -b -c "$TMP/pw" alice alicepw
"$TERN" passwd -b "$TMP/pw" bob bobpw
cat >"$TMP/acl" <<'ACL'
# anonymous clients may use everything but secret/
topic readwrite #
topic deny secret/#
topic readwrite $x/#
topic read $SYS/#
user alice
topic readwrite #
user bob
topic read secret/public
pattern readwrite %u/#
pattern read clientonly/%c/#
ACL
th_bg broker "$TERN" broker -p "$port" --allow-anonymous --passwd "$TMP/pw" --acl "$TMP/acl" -v
th_wait_tcp "$port"
PYTHONPATH="$(dirname "$0")/py" "$PY" "$(dirname "$0")/py/broker_conformance.py" "$port" "$PID_broker"
rc=$?
kill -0 "$PID_broker" 2>/dev/null || { echo "FAIL - broker died"; rc=1; }
[ $rc -eq 0 ] || TH_FAIL=1
exit $rc
