# tern's integration-test harness (bash). Source it, call th_init, start
# peers with th_bg, check with th_check / th_eq, end with th_done.
# Peers run on free loopback ports; everything is cleaned up on exit, even
# when a test fails. Exit code 77 means "skipped" to CTest.
set -u

TERN_SRC=${TERN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TERN_BUILD=${TERN_BUILD:-$TERN_SRC/build}
TERN=$TERN_BUILD/bin/tern
BIN=$TERN_BUILD/bin
PY=/usr/bin/python3   # Debian's python, where python3-* packages live
TH_PASS=0
TH_FAIL=0
TH_PIDS=()

th_init() {
  TH_NAME=$1
  TMP=$(mktemp -d "/tmp/tern-$1.XXXXXX")
  trap th_cleanup EXIT
  trap 'exit 130' INT TERM
}

th_cleanup() {
  local pid i
  for pid in "${TH_PIDS[@]}"; do kill "$pid" 2>/dev/null; kill -CONT "$pid" 2>/dev/null; done
  # give each peer 10 s to go, then make it: a stuck peer must not hang the suite
  for ((i = 0; i < 100; i++)); do
    local alive=0
    for pid in "${TH_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pid in "${TH_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  [ -n "${TH_CLEANUP_EXTRA:-}" ] && eval "$TH_CLEANUP_EXTRA"
  if [ "$TH_FAIL" -gt 0 ] && [ -d "$TMP" ]; then
    # leave the peers' logs in the output: a red test should explain itself
    for f in "$TMP"/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }; done
  fi
  [ -n "${TH_KEEP:-}" ] && echo "kept $TMP (TH_KEEP)" || rm -rf "$TMP"
}

# Skips are counted: each one is written to $TERN_SKIP_LOG (set by CTest) and
# `make test` reports them in its totals. With CI=true a skip is a failure:
# CI runs as root with every peer installed, so a skip there means a missing
# install step.
th_note_skip() {
  echo "SKIPPED: $TH_NAME: $*"
  [ -n "${TERN_SKIP_LOG:-}" ] && echo "${TERN_TEST:-$TH_NAME}: $*" >>"$TERN_SKIP_LOG"
  [ "${CI:-}" != true ]
}
# th_skip REASON: the whole test cannot run here.
th_skip() {
  th_note_skip "$@" && exit 77
  echo "FAIL - skipped under CI=true: $*"
  exit 1
}
# th_skip_part REASON: one part cannot run here; the rest goes on.
th_skip_part() { th_note_skip "$@" || th_bad "skipped under CI=true: $*"; }

# th_need CMD...: skip unless every command exists
th_need() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || th_skip "'$c' is not installed"; done
}

th_need_root() { [ "$(id -u)" = 0 ] || th_skip "needs root (network namespaces); CI runs it as root"; }

# A port that is free for both TCP and UDP on 127.0.0.1 right now.
th_free_port() {
  "$PY" - <<'PYEOF'
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port)); break
    except OSError:
        pass
    finally:
        u.close(); t.close()
print(port)
PYEOF
}

# th_bg NAME CMD...: run in the background, output in $TMP/NAME.log
th_bg() {
  local name=$1; shift
  "$@" >"$TMP/$name.log" 2>&1 &
  TH_PIDS+=($!)
  eval "PID_$name=$!"
}

# Wait until something accepts TCP connections on 127.0.0.1:PORT.
th_wait_tcp() {
  local port=$1 limit=${2:-10} i
  for ((i = 0; i < limit * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "nothing listens on port $port after ${limit}s" >&2
  return 1
}

# Wait until FILE contains PATTERN (grep -E).
th_wait_log() {
  local file=$1 pattern=$2 limit=${3:-10} i
  for ((i = 0; i < limit * 20; i++)); do
    grep -Eq -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "'$pattern' did not appear in $file after ${limit}s" >&2
  return 1
}

# th_wait_sub BROKER CLIENT_ID [SECONDS]: wait until the broker started as
# th_bg BROKER (tern broker -v, or th_mosquitto, which runs with -v) has
# taken a SUBSCRIBE from CLIENT_ID: from then on, a publish reaches it.
th_wait_sub() {
  th_wait_log "$TMP/$1.log" "(Received SUBSCRIBE from $2\$|client $2 subscribed to )" "${3:-10}"
}

# th_mosquitto NAME CONF_LINES: start Debian's Mosquitto with this config
# (the caller includes its listener lines) and wait for its first listener.
# As root it keeps root, so it can read files in our private $TMP.
th_mosquitto() {
  local name=$1 conf="$TMP/$1.conf"
  { [ "$(id -u)" = 0 ] && echo "user root"; printf '%s\n' "$2"; } >"$conf"
  th_bg "$name" mosquitto -c "$conf" -v
  local port
  port=$(awk '/^listener/ {print $2; exit}' "$conf")
  th_wait_tcp "$port"
}

# th_netns_pair TAG: two network namespaces $A and $B joined by a veth pair
# (va 192.0.2.1/24 in A, vb 192.0.2.2/24 in B), multicast routed on it;
# removed on exit. Skips the test where namespaces cannot be made.
th_netns_pair() {
  A="tern-$1a-$$"; B="tern-$1b-$$"
  ip netns add "$A" && ip netns add "$B" || th_skip "cannot create network namespaces here"
  TH_CLEANUP_EXTRA="${TH_CLEANUP_EXTRA:-true}; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null"
  ip link add va netns "$A" type veth peer name vb netns "$B"
  local ns
  for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
  ip -n "$A" addr add 192.0.2.1/24 dev va; ip -n "$B" addr add 192.0.2.2/24 dev vb
  ip -n "$A" link set va up multicast on; ip -n "$B" link set vb up multicast on
  ip -n "$A" route add 224.0.0.0/4 dev va; ip -n "$B" route add 224.0.0.0/4 dev vb
}

# th_avahi NS IFACE: avahi-daemon (host name avahihost) in network namespace
# NS on IFACE, on a private D-Bus whose address is exported for avahi's
# tools; it stops with the test. Returns 1, with a skipped part, where it
# cannot run (not installed, or an avahi already runs on this machine).
th_avahi() {
  if ! command -v avahi-daemon >/dev/null || ! command -v dbus-daemon >/dev/null ||
    [ -e /run/avahi-daemon/pid ]; then
    th_skip_part "avahi interop needs avahi-daemon and dbus-daemon, and no avahi already running"
    return 1
  fi
  cat >"$TMP/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path=$TMP/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/><allow receive_sender="*"/></policy></busconfig>
CONF
  printf '[server]\nhost-name=avahihost\ndomain-name=local\nuse-ipv4=yes\nuse-ipv6=no\nallow-interfaces=%s\nenable-dbus=yes\n[publish]\npublish-hinfo=no\npublish-workstation=no\n' \
    "$2" >"$TMP/avahi.conf"
  th_bg dbus dbus-daemon --config-file="$TMP/bus.conf" --nofork
  local i
  for i in $(seq 50); do [ -S "$TMP/bus" ] && break; sleep 0.1; done
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TMP/bus"
  th_bg avahi ip netns exec "$1" avahi-daemon -f "$TMP/avahi.conf" --no-drop-root --no-chroot --no-rlimits
  TH_CLEANUP_EXTRA="${TH_CLEANUP_EXTRA:-true}; rm -f /run/avahi-daemon/pid"
  th_wait_log "$TMP/avahi.log" "Server startup complete" 10
}

th_ok() { TH_PASS=$((TH_PASS + 1)); echo "ok   - $*"; }
th_bad() { TH_FAIL=$((TH_FAIL + 1)); echo "FAIL - $*"; }

# th_check DESC CMD...: passes when CMD exits 0
th_check() {
  local desc=$1; shift
  if "$@"; then th_ok "$desc"; else th_bad "$desc"; fi
}

# th_eq DESC EXPECTED ACTUAL
th_eq() {
  if [ "$2" == "$3" ]; then th_ok "$1"; else th_bad "$1: expected '$2', got '$3'"; fi
}

# th_match DESC REGEX ACTUAL
th_match() {
  if [[ "$3" =~ $2 ]]; then th_ok "$1"; else th_bad "$1: '$3' does not match '$2'"; fi
}

th_done() {
  echo "$TH_NAME: $TH_PASS passed, $TH_FAIL failed"
  [ "$TH_FAIL" -eq 0 ] && [ "$TH_PASS" -gt 0 ]
  exit $?
}

# th_make_ca DIR: a CA and certificates made at run time (EC P-256):
#   ca.crt            the test CA
#   server.{crt,key}  localhost / 127.0.0.1, signed by the CA
#   wronghost.{crt,key} for other.invalid only, signed by the CA
#   expired.{crt,key} localhost, signed by the CA, valid only in 2020
#   rogue-ca.crt, rogue.{crt,key} localhost, signed by a CA nobody trusts
#   client.{crt,key}  a client certificate signed by the CA
th_make_ca() {
  local d=$1
  mkdir -p "$d"
  (
    cd "$d" || exit 1
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 3650 -subj "/CN=tern test CA" 2>/dev/null
    openssl req -x509 "${ec[@]}" -keyout rogue-ca.key -out rogue-ca.crt -days 3650 -subj "/CN=rogue CA" 2>/dev/null
    leaf() { # NAME CN SAN CA
      openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
      printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA "$4.crt" -CAkey "$4.key" -CAcreateserial -days 365 \
        -out "$1.crt" -extfile "$1.ext" 2>/dev/null
    }
    leaf server localhost "DNS:localhost,IP:127.0.0.1" ca
    leaf wronghost other.invalid "DNS:other.invalid" ca
    leaf rogue localhost "DNS:localhost,IP:127.0.0.1" rogue-ca
    leaf client tern-client "DNS:tern-client" ca
    # an expired certificate needs explicit dates: openssl ca can set them
    mkdir -p ca-db && : >ca-db/index.txt && echo 1000 >ca-db/serial
    cat >ca.cnf <<CNF
[ca]
default_ca = tca
[tca]
dir = ca-db
database = ca-db/index.txt
new_certs_dir = ca-db
serial = ca-db/serial
default_md = sha256
policy = pol
copy_extensions = none
unique_subject = no
[pol]
commonName = supplied
[ext]
subjectAltName = DNS:localhost,IP:127.0.0.1
basicConstraints = CA:FALSE
CNF
    openssl req "${ec[@]}" -keyout expired.key -out expired.csr -subj "/CN=localhost" 2>/dev/null
    openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key -in expired.csr -out expired.crt \
      -startdate 20200101000000Z -enddate 20200201000000Z -extensions ext -notext >/dev/null 2>&1
  )
  [ -s "$d/expired.crt" ] && [ -s "$d/server.crt" ] && [ -s "$d/rogue.crt" ]
}
