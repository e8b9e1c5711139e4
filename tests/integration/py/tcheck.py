"""The checks the Python test scripts share: each prints 'ok   - NAME' or
'FAIL - NAME', and done() prints the 'N passed, N failed' line and exits."""
import sys

counts = {"passed": 0, "failed": 0}


def check(name, cond):
    counts["passed" if cond else "failed"] += 1
    print(("ok   - " if cond else "FAIL - ") + name)


def done(label):
    print("%s: %d passed, %d failed" % (label, counts["passed"], counts["failed"]))
    sys.exit(1 if counts["failed"] else 0)
