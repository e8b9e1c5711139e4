#!/usr/bin/env python3
"""Flash and RAM of the linked firmware per module, from the linker's map
(only what --gc-sections kept: the discarded sections come before the
"Linker script and memory map" line). Flash = text + rodata + data (its
initial values), static RAM = data + bss. Usage: fw_size.py MAP"""
import re
import sys

MODULES = [  # (module, pattern on the object's path), first match wins
    ("lwip", r"/lwip/src/|lwip\.a\("),
    ("mbedtls", r"/mbedtls/library/|mbedtls\.a\("),
    ("tls", r"src/tls/"),
    ("port-lwip", r"src/port/lwip/(net|wlan|file|entropy)_lwip"),
    ("board", r"src/port/lwip/board/"),
    ("mqtt-client", r"src/mqtt/mqtt_client"),
    ("mqtt-codec", r"src/mqtt/(mqtt_codec|mqtt_props|topic)"),
    ("http", r"src/http/http_(server|client)"),
    ("http-codec", r"src/http/(http_codec|json|ws_codec)"),
    ("sntp", r"src/sntp/"),
    ("mdns", r"src/dns/mdns"),
    ("resolver", r"src/dns/(resolver|dns_codec)"),
    ("console", r"src/(telnet|shell)/|src/auth/"),
    ("device", r"src/device/|firmware/main|\.dir/main\.c"),
    ("core", r"src/core/|src/wlan/|src/tls/"),
    ("libc+libm", r"libc_nano|libm|libc\.a|libg_nano|libnosys"),
    ("libgcc", r"libgcc"),
]

flash, ram = {}, {}
text = open(sys.argv[1]).read()
text = text[text.index("Linker script and memory map"):]
pending = None
for line in text.splitlines():
    m = re.match(r"^ (\.(text|rodata|data|bss|ARM\.exidx)[^\s]*)\s*(0x[0-9a-f]+)?\s*(0x[0-9a-f]+)?\s*(\S+)?$", line)
    if m and not m.group(3):
        pending = m.group(2)
        continue
    if pending:
        m2 = re.match(r"^\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\S+)$", line)
        kind, pending = pending, None
        if not m2:
            continue
        size, obj = int(m2.group(2), 16), m2.group(3)
    elif m and m.group(4) and m.group(5):
        kind, size, obj = m.group(2), int(m.group(4), 16), m.group(5)
    else:
        continue
    if size == 0 or int((m2.group(1) if not (m and m.group(3)) else m.group(3)), 16) == 0:
        continue
    mod = next((name for name, pat in MODULES if re.search(pat, obj)), "other")
    if kind in ("text", "rodata", "ARM.exidx", "data"):
        flash[mod] = flash.get(mod, 0) + size
    if kind in ("data", "bss"):
        ram[mod] = ram.get(mod, 0) + size
print("%-12s %10s %10s" % ("module", "flash", "static-ram"))
for mod in sorted(set(flash) | set(ram), key=lambda k: -flash.get(k, 0)):
    print("%-12s %10d %10d" % (mod, flash.get(mod, 0), ram.get(mod, 0)))
print("%-12s %10d %10d" % ("all", sum(flash.values()), sum(ram.values())))
