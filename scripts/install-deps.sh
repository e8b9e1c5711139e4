#!/usr/bin/env bash
# Installs the Debian packages tern builds and tests with; quick when all
# are present. Uses sudo when not root.
set -eu
PACKAGES=(
  # build
  cmake ninja-build gcc clang clang-format patch libclang-rt-14-dev pkg-config libmbedtls-dev libcairo2-dev fonts-dejavu-core
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi
  dpkg-dev qemu-system-arm # the firmware: lwIP's Debian source, and the emulated board
  doxygen groff-base man-db # make docs: the API reference, the man pages
  # real peers the tests talk to
  mosquitto mosquitto-clients dnsmasq-base openssl curl python3 python3-paho-mqtt python3-requests
  python3-websockets python3-websocket chromium chrony expect inetutils-telnet iproute2
  python3-zeroconf avahi-daemon avahi-utils dbus dnsutils strace
  rabbitmq-server # a three-node cluster (tests/integration/cluster_rabbitmq.sh), MQTT plugin included
)
# npm (for MQTT.js below), unless a Node.js that brings its own is installed
command -v npm >/dev/null || PACKAGES+=(npm)
# MQTT.js's browser bundle, from the npm registry, for the browser page in
# the WebSocket test (tests/integration/broker_ws_browser.sh); kept in .deps/
MQTTJS_VERSION=5.16.0
fetch_mqttjs() {
  local dir t
  dir="$(cd "$(dirname "$0")/.." && pwd)/.deps"
  [ -s "$dir/mqtt-$MQTTJS_VERSION.min.js" ] && return 0
  command -v npm >/dev/null || return 0
  mkdir -p "$dir"
  t=$(mktemp -d)
  if (cd "$t" && npm pack --silent "mqtt@$MQTTJS_VERSION" >/dev/null &&
    tar xzf "mqtt-$MQTTJS_VERSION.tgz" package/dist/mqtt.min.js); then
    mv "$t/package/dist/mqtt.min.js" "$dir/mqtt-$MQTTJS_VERSION.min.js"
  else
    echo "install-deps: could not fetch MQTT.js $MQTTJS_VERSION from npm" >&2
  fi
  rm -rf "$t"
}
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  fetch_mqttjs
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# Peers are started by the tests themselves, on loopback ports. Packages must
# not start their own services (chrony would reach for pool.ntp.org): a
# policy-rc.d that says no, for the length of the install.
added_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  added_policy=1
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
[ -n "$added_policy" ] && $SUDO rm -f /usr/sbin/policy-rc.d
fetch_mqttjs
true
