#!/usr/bin/env bash
# tern device in one network namespace, python3-zeroconf in another (a veth
# pair): it resolves NAME.local and browses _http._tcp, _telnet._tcp, _repl._tcp.
. "$(dirname "$0")/../harness/lib.sh"
th_init device_netns
th_need_root
th_need ip
"$PY" -c "import zeroconf" 2>/dev/null || th_skip "python3-zeroconf is not installed"
th_netns_pair d
"$TERN" passwd -b -c "$TMP/pw" admin pw
ip netns exec "$A" "$TERN" device --name kitchen --iface va --bind 192.0.2.1 --ntp 127.0.0.1:9 \
  --console-port 2323 --console-password-file "$TMP/pw" --http-port 8080 --broker "" >"$TMP/dev.log" 2>&1 &
TH_PIDS+=($!)
th_check "the device holds kitchen.local" th_wait_log "$TMP/dev.log" "^mDNS: kitchen\.local$" 10
th_match "the device reports its address" "Connected, IP 192\.0\.2\.1" "$(cat "$TMP/dev.log")"
zc() { ip netns exec "$B" "$PY" "$(dirname "$0")/py/zc_check.py" 192.0.2.2 "$@"; }
th_match "zeroconf browses _http._tcp and resolves kitchen.local" "^kitchen\._http\._tcp\.local\. kitchen\.local\. 8080 192\.0\.2\.1( fe80:[0-9a-f:]+)?$" "$(zc browse _http._tcp 3)"
th_match "zeroconf sees _telnet._tcp" "kitchen\.local\. 2323 192\.0\.2\.1" "$(zc browse _telnet._tcp 3)"
th_match "zeroconf sees _repl._tcp" "kitchen\.local\. 2323 192\.0\.2\.1" "$(zc browse _repl._tcp 3)"
th_eq "the page answers on the namespace's address" "200" "$(ip netns exec "$B" curl -s -o /dev/null -w '%{http_code}' http://192.0.2.1:8080/)"
th_done
