#!/usr/bin/env bash
# tern_wlan in a network namespace this test makes (a veth pair): address
# read back, link down and up, a new address; and joining WiFi against a
# recorded wpa_supplicant exchange (mock: radio hardware can't run here).
. "$(dirname "$0")/../harness/lib.sh"
th_init wlan_netns
th_need_root
th_need ip
ns="tern-wl-$$"
ip netns add "$ns" || th_skip "cannot create a network namespace here"
TH_CLEANUP_EXTRA="ip netns del $ns 2>/dev/null"
ip -n "$ns" link add ta type veth peer name tb
ip -n "$ns" link set tb up
ip -n "$ns" link set ta up
NS="ip netns exec $ns"

$NS "$BIN/wlan_probe" ta >"$TMP/probe.log" 2>&1 &
TH_PIDS+=($!)
th_wait_log "$TMP/probe.log" "^ready connected=0" 5
ip -n "$ns" addr add 192.0.2.2/24 dev ta
th_check "an address comes: up event with the address" th_wait_log "$TMP/probe.log" "^up 192\.0\.2\.2 connected=1 netmask=255\.255\.255\.0" 5
ip -n "$ns" link set ta down
th_check "link down: down event, isconnected() false" th_wait_log "$TMP/probe.log" "^down connected=0" 5
ip -n "$ns" link set ta up
th_check "link back: up again" th_wait_log "$TMP/probe.log" "^up 192\.0\.2\.2 connected=1" 5
ip -n "$ns" addr add 198.51.100.3/24 dev ta   # another subnet: deleting the old one keeps it
ip -n "$ns" addr del 192.0.2.2/24 dev ta
th_check "a new address: address-changed event" th_wait_log "$TMP/probe.log" "^addr 198\.51\.100\.3 connected=1" 5

# WiFi join against the recorded exchange, on a link with no address yet
ip -n "$ns" link add wa type veth peer name wb
ip -n "$ns" link set wb up; ip -n "$ns" link set wa up
th_bg wpa "$PY" "$(dirname "$0")/py/wpa_recorded.py" "$TMP/wpa" wa "$TMP/wpa.cmds"
th_wait_log "$TMP/wpa.log" ready
$NS "$BIN/wlan_probe" wa --ctrl "$TMP/wpa" --ssid tern-lab --password 's3cret pass' --timeout 5000 --assume-wireless >"$TMP/join.log" 2>&1 &
TH_PIDS+=($!)
th_wait_log "$TMP/join.log" "^connect started" 5
th_eq "mock_wpa_supplicant_recorded: commands in order" 'ADD_NETWORK
SET_NETWORK 0 ssid "tern-lab"
SET_NETWORK 0 psk "s3cret pass"
ENABLE_NETWORK 0' "$(head -4 "$TMP/wpa.cmds")"
ip -n "$ns" addr add 192.0.2.20/24 dev wa   # what DHCP would do after association
th_check "mock_wpa_supplicant_recorded: connected once the address comes" th_wait_log "$TMP/join.log" "^up 192\.0\.2\.20" 5
th_check "mock_wpa_supplicant_recorded: status GOT_IP" th_wait_log "$TMP/join.log" "^status 2 " 5

# wrong password: no address, STATUS says 4WAY_HANDSHAKE, the network is removed
ip -n "$ns" link add xa type veth peer name xb
ip -n "$ns" link set xb up; ip -n "$ns" link set xa up
th_bg wpa2 "$PY" "$(dirname "$0")/py/wpa_recorded.py" "$TMP/wpa2" xa "$TMP/wpa2.cmds" wrong-password
th_wait_log "$TMP/wpa2.log" ready
$NS "$BIN/wlan_probe" xa --ctrl "$TMP/wpa2" --ssid tern-lab --password nope --timeout 1500 --assume-wireless >"$TMP/bad.log" 2>&1 &
TH_PIDS+=($!)
th_check "mock_wpa_supplicant_recorded: wrong password reported" th_wait_log "$TMP/bad.log" "^status 4 wrong password" 6
th_check "mock_wpa_supplicant_recorded: what connect took is freed (REMOVE_NETWORK)" th_wait_log "$TMP/wpa2.cmds" "^REMOVE_NETWORK 0" 3
th_done
