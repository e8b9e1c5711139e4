#!/usr/bin/env python3
"""The man pages, from the same text as --help: tern(1) from `tern --help`,
tern-CMD(1) from `tern CMD --help` for every command it lists.
Usage: man.py TERN_BINARY OUTPUT_DIR"""
import datetime
import os
import subprocess
import sys

tern, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
DATE = datetime.date.today().isoformat()


def roff(text):
    """Plain text as roff: backslashes doubled, no line starting with . or '"""
    lines = []
    for line in text.rstrip("\n").split("\n"):
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def page(name, summary, help_text):
    usage, body = [], []
    for line in help_text.split("\n"):
        if not body and (line.startswith("usage:") or (usage and line.startswith(" ") and
                                                       line.strip().startswith(("tern", "[")))):
            usage.append(line[len("usage: "):] if line.startswith("usage:") else line.strip())
        else:
            body.append(line)
    text = [".TH %s 1 %s tern \"tern manual\"" % (name.upper(), DATE),
            ".SH NAME", "%s \\- %s" % (name, roff(summary)),
            ".SH SYNOPSIS", ".nf", roff("\n".join(u.strip() for u in usage)), ".fi",
            ".SH DESCRIPTION", ".nf", roff("\n".join(body).strip("\n")), ".fi",
            ".SH SEE ALSO", "tern(1); the README and docs/ of the source tree"]
    with open(os.path.join(out, name + ".1"), "w") as f:
        f.write("\n".join(text) + "\n")


top = subprocess.run([tern, "--help"], capture_output=True, text=True, check=True).stdout
page("tern", "networking toolkit for IoT devices: device, host, broker and tools", top)
n = 1
for line in top.split("\n"):
    parts = line.split(None, 1)
    if not line.startswith("  ") or len(parts) != 2:
        continue
    cmd, summary = parts
    h = subprocess.run([tern, cmd, "--help"], capture_output=True, text=True)
    if h.returncode != 0 or not h.stdout.startswith("usage:"):
        sys.exit("man.py: tern %s --help did not give its usage" % cmd)
    page("tern-" + cmd, summary, h.stdout)
    n += 1
print("man: %d pages in %s" % (n, out))
