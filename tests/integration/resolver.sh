#!/usr/bin/env bash
# The stub resolver against dnsmasq on a loopback port with a test zone.
. "$(dirname "$0")/../harness/lib.sh"
th_init resolver
th_need dnsmasq
port=$(th_free_port)
th_bg dnsmasq dnsmasq --no-daemon --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
  --listen-address=127.0.0.1 --port="$port" --user=root --group=root --local=/tern.test/ \
  --host-record=dev.tern.test,192.0.2.10,2001:db8::10 --host-record=v6only.tern.test,2001:db8::66 \
  --cname=alias.tern.test,dev.tern.test --local-ttl=60 --log-queries
th_wait_log "$TMP/dnsmasq.log" "started" 10 || th_bad "dnsmasq did not start"

out=$("$BIN/resolve_probe" "127.0.0.1:$port" dev.tern.test 4 --twice)
th_eq "A record" "192.0.2.10" "$(echo "$out" | head -1)"
th_match "second lookup comes from the cache" "cached: yes" "$out"
th_eq "AAAA record" "2001:db8::10" "$("$BIN/resolve_probe" "127.0.0.1:$port" dev.tern.test 6)"
th_eq "AAAA fallback when there is no A" "2001:db8::66" "$("$BIN/resolve_probe" "127.0.0.1:$port" v6only.tern.test)"
th_eq "CNAME followed" "192.0.2.10" "$("$BIN/resolve_probe" "127.0.0.1:$port" alias.tern.test 4)"
th_eq "mixed case answers" "192.0.2.10" "$("$BIN/resolve_probe" "127.0.0.1:$port" DEV.Tern.Test 4)"
out=$("$BIN/resolve_probe" "127.0.0.1:$port" missing.tern.test 4); rc=$?
th_eq "NXDOMAIN is an error" "error: could not resolve host name" "$out"
th_eq "NXDOMAIN exit code" 1 "$rc"

# Nobody answers on this port: the attempts time out and say so.
dead=$(th_free_port)
start=$(date +%s)
out=$("$BIN/resolve_probe" "127.0.0.1:$dead" dev.tern.test 4)
took=$(( $(date +%s) - start ))
th_match "no server: an error, not a hang" "^error: (timed out|connection refused)" "$out"
th_check "no server: gives up within the retry budget" [ "$took" -lt 15 ]
th_done
