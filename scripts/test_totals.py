#!/usr/bin/env python3
"""Totals over the builds given: reads each build's CTest JUnit file and its
skips.log (written by the test harness), prints one line per build, every
skip with its reason, and last 'make test: N passed, N failed, N skipped'.
Exits 1 when a test failed, or when anything skipped and CI=true."""
import os
import sys
import xml.etree.ElementTree as ET

total = {"passed": 0, "failed": 0, "skipped": 0}
reasons = []
for build in sys.argv[1:]:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    junit = os.path.join(build, "junit.xml")
    if not os.path.exists(junit):
        print("%s: no test results (%s is missing)" % (build, junit))
        counts["failed"] += 1
    else:
        skipped = {}
        log = os.path.join(build, "Testing", "skips.log")
        if os.path.exists(log):
            for line in open(log):
                name, _, why = line.rstrip("\n").partition(": ")
                skipped.setdefault(name, []).append(why)
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = case.get("name")
            if case.get("status") == "fail" or case.find("failure") is not None:
                counts["failed"] += 1
            elif case.get("status") == "notrun" or name in skipped:
                counts["skipped"] += 1
                for why in skipped.get(name, ["not run"]):
                    reasons.append("%s: %s: %s" % (build, name, why))
            else:
                counts["passed"] += 1
    print("%s: %d passed, %d failed, %d skipped" % (build, counts["passed"], counts["failed"],
                                                   counts["skipped"]))
    for k in total:
        total[k] += counts[k]
for r in reasons:
    print("SKIPPED: " + r)
if reasons and os.environ.get("CI") == "true":
    print("CI=true: a skip is a failure here (every peer should be installed)")
print("make test: %d passed, %d failed, %d skipped" % (total["passed"], total["failed"],
                                                      total["skipped"]))
sys.exit(1 if total["failed"] or (reasons and os.environ.get("CI") == "true") else 0)
