#!/usr/bin/env bash
# UDP multicast through the loop: join a group on a named interface, inside
# a network namespace this test makes (never on the machine's own links).
. "$(dirname "$0")/../harness/lib.sh"
th_init udp_multicast_netns
th_need_root
th_need ip
ns="tern-mc-$$"
ip netns add "$ns" || th_skip "cannot create a network namespace here"
TH_CLEANUP_EXTRA="ip netns del $ns 2>/dev/null"
ip -n "$ns" link set lo up
ip -n "$ns" link set lo multicast on
ip -n "$ns" route add 224.0.0.0/4 dev lo
out=$(ip netns exec "$ns" "$BIN/mcast_probe" lo 224.0.0.251 5353)
th_match "joined on lo, sent to the group, received it" "got hello from " "$out"
th_match "unknown interface is a clear error" "unknown interface: not found" "$out"
th_done
