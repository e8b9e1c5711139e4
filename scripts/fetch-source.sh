#!/usr/bin/env bash
# Fetches a Debian source package into .deps/PKG (lwIP for the firmware),
# through a private apt sources list: its own SourceList, lists and cache
# under .deps/apt/, so the system's apt setup is never touched. Takes the
# suite's current revision (a security update replaces old ones) and prints
# it; .deps/PKG.version records what was unpacked. Never committed.
#   scripts/fetch-source.sh lwip
set -eu
pkg=$1
root="$(cd "$(dirname "$0")/.." && pwd)/.deps"
apt="$root/apt"
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/dl"
cat >"$apt/sources.list" <<LIST
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security $suite-security main
LIST
O=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Sandbox::User=$(id -un)")
# the lists are refreshed once a day at most
if [ -z "$(find "$apt/lists" -maxdepth 1 -name '*Sources*' -mtime -1 2>/dev/null | head -1)" ]; then
  apt-get "${O[@]}" -qq update >&2
fi
ver=$(apt-cache "${O[@]}" showsrc "$pkg" | awk '/^Version:/ {print $2}' | sort -V | tail -1)
[ -n "$ver" ] || { echo "fetch-source: no source package $pkg in $suite" >&2; exit 1; }
if [ "$(cat "$root/$pkg.version" 2>/dev/null)" = "$ver" ] && [ -d "$root/$pkg" ]; then
  echo "$pkg $ver (Debian source, already unpacked in .deps/$pkg)"
  exit 0
fi
command -v dpkg-source >/dev/null || { echo "fetch-source: dpkg-source missing (dpkg-dev)" >&2; exit 1; }
(cd "$apt/dl" && rm -rf ./* && apt-get "${O[@]}" -qq source --download-only "$pkg=$ver" >&2 &&
  dpkg-source -x --no-check ./*.dsc unpacked >/dev/null)
rm -rf "${root:?}/$pkg"
mv "$apt/dl/unpacked" "$root/$pkg"
echo "$ver" >"$root/$pkg.version"
echo "$pkg $ver (Debian source, unpacked in .deps/$pkg)"
