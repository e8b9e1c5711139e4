#!/usr/bin/env bash
# ctest-lock: avahi
# mDNS in two network namespaces this test makes, joined by a veth pair:
# python3-zeroconf and dig see tern's records; two responders claiming one
# name; goodbyes; a changed address; tern's browser.
. "$(dirname "$0")/../harness/lib.sh"
th_init mdns_netns
th_need_root
th_need ip dig
"$PY" -c "import zeroconf" 2>/dev/null || th_skip "python3-zeroconf is not installed"
th_netns_pair m
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }

# a capture in B while A starts: probe and announce timing within RFC 6762
ip netns exec "$B" "$PY" "$(dirname "$0")/py/mdns_capture.py" 192.0.2.2 4 dev1 >"$TMP/capture.log" 2>&1 &
cap=$!
th_wait_log "$TMP/capture.log" capturing 5
# run directly under ip netns exec (which execs), so that signals reach tern
ip netns exec "$A" "$TERN" mdns advertise dev1 _http._tcp 8080 path=/x v=1 _telnet._tcp 2323 _repl._tcp 2323 --iface va >"$TMP/adv.log" 2>&1 &
adv=$!; TH_PIDS+=($adv)
th_check "the responder claims dev1.local" th_wait_log "$TMP/adv.log" "^dev1\.local$" 10
wait $cap
th_match "capture: 3 probes 250 ms apart, then announcements 1 s apart ($(grep -E '^(probes|announcements)' "$TMP/capture.log" | tr '\n' ' '))" "timing ok" "$(cat "$TMP/capture.log")"
th_eq "dig @ADDRESS -p 5353 (legacy unicast query)" "192.0.2.1" "$(inB dig @192.0.2.1 -p 5353 dev1.local +short +time=3 +tries=1)"
th_match "dig: the question is echoed" "QUESTION SECTION:.*dev1\.local" "$(inB dig @192.0.2.1 -p 5353 dev1.local +time=3 +tries=1 | tr '\n' ' ')"
th_match "dig AAAA: the interface's IPv6 (link-local) address" "^fe80:" "$(inB dig @192.0.2.1 -p 5353 dev1.local AAAA +short +time=3 +tries=1)"
th_eq "tern's resolver from the other namespace" "dev1.local 192.0.2.1" "$(inB "$TERN" mdns resolve dev1.local --iface vb --timeout 3)"
th_eq "tern's browser: host, port, address, TXT" 'dev1 _http._tcp dev1.local 8080 192.0.2.1 "path=/x" "v=1"' \
  "$(inB "$TERN" mdns browse _http._tcp --iface vb --timeout 2)"
th_eq "tern's browser with no --iface: every multicast interface" \
  "dev1 _telnet._tcp dev1.local 2323 192.0.2.1" "$(inB "$TERN" mdns browse _telnet._tcp --timeout 2)"
th_eq "tern's resolver, reverse: the address's name" "192.0.2.1 dev1.local" \
  "$(inB "$TERN" mdns resolve 192.0.2.1 --iface vb --timeout 3)"
out=$(inB "$TERN" mdns browse _nothing._tcp --iface vb --timeout 1 2>&1); rc=$?
th_eq "an empty browse: exit 1" 1 "$rc"
th_match "an empty browse says so" "no _nothing\._tcp found on vb within 1 s" "$out"
th_match "-v: what is awaited" "browsing _http\._tcp on vb for 1 s" \
  "$(inB "$TERN" mdns browse _http._tcp --iface vb --timeout 1 -v 2>&1 >/dev/null)"
out=$(inB "$PY" "$(dirname "$0")/py/zc_check.py" 192.0.2.2 browse _http._tcp 3)
th_match "python3-zeroconf browses _http._tcp and resolves it" "^dev1\._http\._tcp\.local\. dev1\.local\. 8080 192\.0\.2\.1( fe80:[0-9a-f:]+)?$" "$out"
out=$(inB "$PY" "$(dirname "$0")/py/zc_check.py" 192.0.2.2 browse _telnet._tcp 3)
th_match "python3-zeroconf sees _telnet._tcp" "dev1\.local\. 2323" "$out"

# (after the start-up announcements are over, so only answers are counted)
th_eq "two multicast queries within a second: one multicast answer" 1 "$(inB "$PY" "$(dirname "$0")/py/mdns_rate.py" 192.0.2.2 dev1.local)"

# avahi-daemon in the other namespace, on a private D-Bus: it sees tern's
# records (avahi-resolve, avahi-browse), and tern's browser sees avahi's
if th_avahi "$B" vb; then
  th_eq "avahi-resolve finds dev1.local" "dev1.local	192.0.2.1" "$(inB timeout 10 avahi-resolve -n -4 dev1.local)"
  th_match "avahi-browse resolves tern's _http._tcp, with its TXT" \
    "=;vb;IPv4;dev1;Web Site;local;dev1\.local;192\.0\.2\.1;8080;\"v=1\" \"path=/x\"" \
    "$(inB timeout 10 avahi-browse -rpt _http._tcp)"
  th_eq "avahi-resolve -a: tern answers the reverse lookup" "192.0.2.1	dev1.local" \
    "$(inB timeout 10 avahi-resolve -a 192.0.2.1)"
  th_eq "tern's resolver finds avahi's host" "avahihost.local 192.0.2.2" "$(inA "$TERN" mdns resolve avahihost.local --iface va --timeout 3)"
  unset DBUS_SYSTEM_BUS_ADDRESS
fi

# a second responder wants the same name: it becomes dev1-2, both resolvable
ip netns exec "$B" "$TERN" mdns advertise dev1 --iface vb >"$TMP/adv2.log" 2>&1 &
adv2=$!; TH_PIDS+=($adv2)
th_check "the second responder renames itself dev1-2" th_wait_log "$TMP/adv2.log" "^dev1-2\.local$" 15
th_eq "dev1 still resolves to the first" "dev1.local 192.0.2.1" "$(inB "$TERN" mdns resolve dev1.local --iface vb --timeout 3)"
th_eq "dev1-2 resolves to the second" "dev1-2.local 192.0.2.2" "$(inA "$TERN" mdns resolve dev1-2.local --iface va --timeout 3)"
kill $adv2

# a changed address is announced (cache-flush): zeroconf gets the new one
ip netns exec "$B" "$PY" "$(dirname "$0")/py/zc_check.py" 192.0.2.2 watch _http._tcp 40 >"$TMP/watch.log" 2>&1 &
watch=$!
th_check "zeroconf sees the service" th_wait_log "$TMP/watch.log" "^add dev1\._http\._tcp" 6
ip netns exec "$A" sysctl -qw net.ipv4.conf.va.promote_secondaries=1  # the new address survives the old one's removal
ip -n "$A" addr add 192.0.2.11/24 dev va
ip -n "$A" addr del 192.0.2.1/24 dev va
out=""
for i in 1 2 3 4 5 6; do
  out=$(inB "$TERN" mdns resolve dev1.local --iface vb --timeout 1) ; [ "$out" = "dev1.local 192.0.2.11" ] && break
done
th_eq "after the address changes, dev1.local resolves to the new one" "dev1.local 192.0.2.11" "$out"
# goodbyes on SIGTERM: zeroconf sees the removal
kill -TERM $adv
th_check "stopping sends goodbyes: zeroconf sees the service removed" th_wait_log "$TMP/watch.log" "^remove dev1\._http\._tcp" 6
kill $watch 2>/dev/null; wait $watch 2>/dev/null
th_done
