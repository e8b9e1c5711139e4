#!/usr/bin/env bash
# Another project can use an installed tern: pkg-config and find_package(tern).
. "$(dirname "$0")/../harness/lib.sh"
th_init install
th_need cmake pkg-config cc
cmake --install "$TERN_BUILD" --prefix "$TMP/prefix" >"$TMP/install.log" 2>&1
th_eq "cmake --install works" 0 $?
mkdir -p "$TMP/app"
cat >"$TMP/app/main.c" <<'C'
#include <stdio.h>
#include <tern/error.h>
#include <tern/mqtt_codec.h>
int main(void) {
  printf("%s %d\n", tern_strerror(TERN_ETIMEDOUT), tern_mqtt_valid_topic("a/b", 3));
  return 0;
}
C
pc=$(find "$TMP/prefix" -name tern.pc | head -1)
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs --static tern)
cc -o "$TMP/app/pc" "$TMP/app/main.c" $flags 2>"$TMP/cc.log" || cat "$TMP/cc.log"
th_eq "pkg-config: builds and runs" "timed out 1" "$(LD_LIBRARY_PATH=$(dirname "$(dirname "$pc")") "$TMP/app/pc" 2>&1)"
cat >"$TMP/app/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(tern REQUIRED)
add_executable(consumer main.c)
target_link_libraries(consumer PRIVATE tern::tern)
CM
cmake -S "$TMP/app" -B "$TMP/app/build" -DCMAKE_PREFIX_PATH="$TMP/prefix" >"$TMP/cm.log" 2>&1 &&
  cmake --build "$TMP/app/build" >>"$TMP/cm.log" 2>&1
th_eq "find_package(tern): configures and builds" 0 $?
th_eq "find_package(tern): runs" "timed out 1" "$("$TMP/app/build/consumer" 2>&1)"
th_done
