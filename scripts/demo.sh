#!/usr/bin/env bash
# make demo: runs `tern demo`, the whole system on this machine.
set -eu
build=${1:-build}
exec "$build/bin/tern" demo "${@:2}"
