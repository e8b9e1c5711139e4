#!/usr/bin/env bash
# ctest-labels: notls
# A build without TLS (TERN_ENABLE_TLS=OFF) never runs in clear what asks
# for TLS: each command refuses with a non-zero exit and says why.
. "$(dirname "$0")/../harness/lib.sh"
th_init no_tls
echo x >"$TMP/f"
out=$("$TERN" pub -p "$(th_free_port)" -t a -m b --cafile "$TMP/f" 2>&1); rc=$?
th_check "tern pub --cafile: refused (rc=$rc: $out)" [ "$rc" -ne 0 ]
th_match "tern pub --cafile: says TLS is missing" "no TLS|not supported" "$out"
out=$("$TERN" serve "$TMP" -p "$(th_free_port)" --cert "$TMP/f" --key "$TMP/f" 2>&1); rc=$?
th_check "tern serve --cert: refused (rc=$rc)" [ "$rc" -ne 0 ]
th_match "tern serve --cert: says TLS is missing" "has no TLS" "$out"
p=$(th_free_port)
out=$(timeout 10 "$TERN" broker -p "$p" --allow-anonymous --tls-port "$(th_free_port)" --cert "$TMP/f" --key "$TMP/f" 2>&1); rc=$?
th_check "tern broker --tls-port: refused, not started in clear (rc=$rc)" [ "$rc" -ne 0 -a "$rc" -ne 124 ]
th_match "tern broker --tls-port: says TLS is missing" "has no TLS" "$out"
out=$("$TERN" get "https://127.0.0.1:$(th_free_port)/" 2>&1); rc=$?
th_check "tern get https://: refused (rc=$rc)" [ "$rc" -ne 0 ]
# what needs no TLS still works: a round trip through tern broker
th_bg broker "$TERN" broker -p "$p" --allow-anonymous -v
th_wait_tcp "$p"
"$TERN" sub -p "$p" -i nt -t nt/x -C 1 >"$TMP/got" & sp=$!
th_wait_sub broker nt
"$TERN" pub -p "$p" -t nt/x -m plain -q 1
wait $sp
th_eq "plain MQTT still works" plain "$(cat "$TMP/got")"
th_done
