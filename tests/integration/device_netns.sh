#!/usr/bin/env bash
# tern device in one network namespace, python3-zeroconf in another (a veth
# pair): it resolves NAME.local and browses _http._tcp, _telnet._tcp, _repl._tcp.
. "$(dirname "$0")/../harness/lib.sh"
th_init device_netns
th_need_root
th_need ip
"$PY" -c "import zeroconf" 2>/dev/null || th_skip "python3-zeroconf is not installed"
A="tern-da-$$"; B="tern-db-$$"
ip netns add "$A" && ip netns add "$B" || th_skip "cannot create network namespaces here"
TH_CLEANUP_EXTRA="ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null"
ip link add va netns "$A" type veth peer name vb netns "$B"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" addr add 192.0.2.1/24 dev va; ip -n "$B" addr add 192.0.2.2/24 dev vb
ip -n "$A" link set va up multicast on; ip -n "$B" link set vb up multicast on
ip -n "$A" route add 224.0.0.0/4 dev va; ip -n "$B" route add 224.0.0.0/4 dev vb
"$TERN" passwd -b -c "$TMP/pw" admin pw
ip netns exec "$A" "$TERN" device --name kitchen --iface va --bind 192.0.2.1 --ntp 127.0.0.1:9 \
  --console-port 2323 --console-password-file "$TMP/pw" --http-port 8080 --broker "" >"$TMP/dev.log" 2>&1 &
TH_PIDS+=($!)
th_check "the device holds kitchen.local" th_wait_log "$TMP/dev.log" "^mDNS: kitchen\.local$" 10
th_match "the device reports its address" "Connected, IP 192\.0\.2\.1" "$(cat "$TMP/dev.log")"
zc() { ip netns exec "$B" "$PY" "$(dirname "$0")/py/zc_check.py" 192.0.2.2 "$@"; }
th_match "zeroconf browses _http._tcp and resolves kitchen.local" "^kitchen\._http\._tcp\.local\. kitchen\.local\. 8080 192\.0\.2\.1$" "$(zc browse _http._tcp 3)"
th_match "zeroconf sees _telnet._tcp" "kitchen\.local\. 2323 192\.0\.2\.1" "$(zc browse _telnet._tcp 3)"
th_match "zeroconf sees _repl._tcp" "kitchen\.local\. 2323 192\.0\.2\.1" "$(zc browse _repl._tcp 3)"
th_eq "the page answers on the namespace's address" "200" "$(ip netns exec "$B" curl -s -o /dev/null -w '%{http_code}' http://192.0.2.1:8080/)"
th_done
