#!/usr/bin/env python3
"""Doxygen's input filter for tern's headers: their plain C comments are the
documentation, so they are handed to Doxygen as doc comments. The file's
first comment documents the file (@file); a comment at the start of a line
documents what follows it; a comment after a member, on its line, documents
that member (/**< */). Lines are kept one for one. Usage: doxygen_filter.py FILE"""
import re
import sys

src = open(sys.argv[1]).read().split("\n")
out, first, i = [], True, 0
while i < len(src):
    line = src[i]
    if line.startswith("/*") and not line.startswith("/**"):
        block = [line]
        while "*/" not in block[-1] and i + 1 < len(src):
            i += 1
            block.append(src[i])
        # C's escapes and '#' are text here, not Doxygen commands or links
        block = [b.replace("\\", "\\\\").replace("#", "\\#") for b in block]
        block[0] = "/**" + block[0][2:]
        if first:  # the file's own comment: @file at its end (no name: this file)
            block[-1] = block[-1].replace("*/", "@file */", 1)
        first = False
        out.extend(block)
    else:
        if line.lstrip().startswith("#") or line.strip():
            first = first and (line.startswith("#") or not line.strip())
        # a member's own comment at the end of its line
        line = re.sub(r"([;,{])(\s*)/\*(?!\*)", r"\1\2/**<", line)
        out.append(line)
    i += 1
print("\n".join(out), end="")
