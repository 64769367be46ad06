#!/usr/bin/env python3
"""Counts test results over meson test logs and fuzz-smoke output and prints
the closing line "N passed, N failed, N skipped".

Each test binary prints one PASS/FAIL/SKIP line per case (tests/kt.h). A test
process that failed without printing a FAIL line (crash, sanitizer abort,
timeout) counts as one failure of its own.
"""
import json
import os
import sys


def count_lines(text, tally, prefix):
    seen_fail = False
    for line in text.splitlines():
        for word in ("PASS", "FAIL", "SKIP"):
            if line.startswith(word + " "):
                tally[word] += 1
                if word == "FAIL":
                    seen_fail = True
                    print(f"   {prefix}{line}")
                if word == "SKIP":
                    print(f"   {prefix}{line}")
    return seen_fail


def main():
    args = sys.argv[1:]
    setup_failed = 0
    if "--setup-failed" in args:
        i = args.index("--setup-failed")
        setup_failed = int(args[i + 1])
        del args[i:i + 2]
    tally = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for path in args:
        if not os.path.exists(path):
            continue
        build = os.path.basename(os.path.dirname(os.path.dirname(path))) or path
        if path.endswith(".json"):
            for raw in open(path, encoding="utf-8", errors="replace"):
                try:
                    rec = json.loads(raw)
                except ValueError:
                    tally["FAIL"] += 1
                    print("   [%s] FAIL unreadable test log line in %s" % (build, path))
                    continue
                out = rec.get("stdout") or ""
                seen_fail = count_lines(out, tally, f"[{build}] ")
                bad = rec.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL")
                if bad and not seen_fail:
                    tally["FAIL"] += 1
                    print(f"   [{build}] FAIL {rec.get('name')}: {rec.get('result')} "
                          f"(exit {rec.get('returncode')})")
        else:
            count_lines(open(path, encoding="utf-8", errors="replace").read(), tally, "")
    if setup_failed:
        tally["FAIL"] += 1
        print("   FAIL build: a build failed (see build*.build.log)")
    print(f"{tally['PASS']} passed, {tally['FAIL']} failed, {tally['SKIP']} skipped")
    return 1 if tally["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
