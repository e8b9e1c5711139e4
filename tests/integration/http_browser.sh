#!/usr/bin/env bash
# ctest-labels: heavy
# The browser helper (heavy: plain build only): headless Chromium loads a
# page from tern's server, clicks a button that requests /press?X=ON, and
# the server saw it. Asserts on the DOM and on server state.
. "$(dirname "$0")/../harness/lib.sh"
th_init http_browser
command -v chromium >/dev/null || th_skip "chromium is not installed"
"$PY" -c "import websocket" 2>/dev/null || th_skip "python3-websocket is not installed"
port=$(th_free_port)
th_bg srv "$BIN/http_test_server" "$port" "$TMP"
th_wait_log "$TMP/srv.log" listening 5
th_eq "server state before the click" "none" "$(curl -s "http://127.0.0.1:$port/state")"
out=$("$PY" "$(dirname "$0")/../harness/browser.py" goto "http://127.0.0.1:$port/page" eval 'document.title' \
  click '#on' wait '#state' ON eval 'document.querySelector("#state").textContent')
th_eq "page loaded, button clicked, DOM updated" '"tern test"
"ON"' "$out"
th_eq "the server saw the request" "ON" "$(curl -s "http://127.0.0.1:$port/state")"
th_done
