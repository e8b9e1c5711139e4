#!/usr/bin/env bash
# The layering holds on what was compiled, not only on #include lines:
# protocol and service objects (src/mqtt, http, dns, sntp, telnet, shell,
# auth, wlan, device) reach the OS only through the core's public API.
# Their undefined symbols must name no socket, file, time or heap function
# of the C library and no tern_port_* function; their sources include
# neither the loop's insides nor the port's header; and no program under
# app/ calls socket or interface functions itself.
. "$(dirname "$0")/../harness/lib.sh"
th_init layers
th_need nm
OBJ=$TERN_BUILD/CMakeFiles/tern_objs.dir/src
APP=$TERN_BUILD/CMakeFiles/tern_app.dir/app
os_syms='^(socket|bind|listen|accept4?|connect|send|sendto|sendmsg|recv|recvfrom|recvmsg|read|write|pread|pwrite|writev|open|openat|close|fopen|fdopen|fclose|fread|fwrite|fgets|fputs|fprintf|printf|vprintf|puts|putchar|fputc|perror|fseek|ftell|fflush|stat|fstat|lstat|rename|remove|unlink|mkdir|opendir|readdir|getifaddrs|freeifaddrs|if_nametoindex|ioctl|setsockopt|getsockopt|getsockname|poll|select|epoll_[a-z]+|time|gmtime|gmtime_r|localtime|localtime_r|mktime|strftime|clock_gettime|gettimeofday|settimeofday|clock_settime|nanosleep|usleep|sleep|malloc|calloc|realloc|free|getrandom|getentropy|rand|random)$'
n=0; bad=""
for dir in mqtt http dns sntp telnet shell auth wlan device; do
  for o in "$OBJ/$dir"/*.o; do
    # (an object left from a source that moved away is not part of the build)
    [ -f "$o" ] && [ -f "$TERN_SRC/src/$dir/$(basename "$o" .o)" ] || continue
    n=$((n + 1))
    hits=$(nm -u "$o" | awk '{print $NF}' | sed 's/@.*//' | grep -E "$os_syms|^tern_port_" | tr '\n' ' ')
    [ -n "$hits" ] && bad="$bad $(basename "$o" .c.o): $hits;"
  done
done
th_check "protocol and service objects were found ($n)" [ "$n" -ge 15 ]
th_eq "protocol and service objects call no OS function and no tern_port_*" "" "$bad"
inc=$(cd "$TERN_SRC/src" && grep -lE '#include *"(\.\./)+(core/loop_internal|port/port)\.h"|#include *<(sys/socket|sys/stat|netinet/in|arpa/inet|ifaddrs|net/if|time|fcntl|unistd)\.h>' \
  mqtt/* http/* dns/* sntp/* telnet/* shell/* auth/* wlan/* device/* 2>/dev/null | tr '\n' ' ')
th_eq "their sources include neither the loop's insides, the port, nor OS headers" "" "$inc"
appbad=""
for o in "$APP"/*.o; do
  [ -f "$TERN_SRC/app/$(basename "$o" .o)" ] || continue # left from a source that moved away
  hits=$(nm -u "$o" | awk '{print $NF}' | sed 's/@.*//' |
    grep -E '^(socket|bind|listen|accept4?|connect|getifaddrs|if_nametoindex|setsockopt|getsockname|tern_port_[a-z_]+)$' | tr '\n' ' ')
  [ -n "$hits" ] && appbad="$appbad $(basename "$o" .c.o): $hits;"
done
th_eq "no program under app/ calls socket or interface functions" "" "$appbad"
# What the firmware links (core, codecs, the device's services) prints only
# what newlib-nano's printf knows: no %zu, %lld, %llu, no doubles (fmt.h).
fw_src=$(cd "$TERN_SRC" && grep -o 'src/[a-z_/]*\.c' cmake/sources.cmake | sort -u)
fmt=$(cd "$TERN_SRC" && grep -nE '%[-+ #0-9.*]*(ll|z|j)[diouxX]|%[-+ #0-9.*]*[fgeEG][^a-zA-Z_]' $fw_src firmware/*.c |
  grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)' | head -3) # (not in comments)
th_eq "the firmware's sources use no printf conversion newlib-nano lacks" "" "$fmt"
th_done
