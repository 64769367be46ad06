"""Helpers for kenchi's Python integration tests: run the kenchi binary,
read its EVE output, and print one PASS/FAIL/SKIP line per case in the
format of tests/kt.h (counted by scripts/summarize.py)."""
import json
import os
import subprocess
import sys
import tempfile


class Suite:
    def __init__(self, name):
        self.name = name
        self.failed = 0

    def result(self, case, ok, why=""):
        if ok:
            print("PASS %s.%s" % (self.name, case))
        else:
            self.failed += 1
            print("FAIL %s.%s: %s" % (self.name, case, why))
        sys.stdout.flush()
        return ok

    def skip(self, case, why):
        print("SKIP %s.%s: %s" % (self.name, case, why))
        sys.stdout.flush()

    def exit(self):
        sys.exit(1 if self.failed else 0)


def run_kenchi(kenchi, args, workers=1, timeout=600):
    """Runs `kenchi run` writing EVE to a temp file; returns (rc, events, stderr)."""
    with tempfile.TemporaryDirectory() as d:
        eve = os.path.join(d, "eve.json")
        cmd = [kenchi, "run", "-q", "--no-progress", "--stats-interval", "0",
               "-w", str(workers), "-o", "file:" + eve] + list(args)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        events = []
        if os.path.exists(eve):
            with open(eve, encoding="utf-8") as f:
                for line in f:
                    events.append(json.loads(line))
        return p.returncode, events, p.stderr.decode(errors="replace")


def flows(events):
    return [e for e in events if e.get("event_type") == "flow"]


def final_stats(events):
    st = [e for e in events if e.get("event_type") == "stats"]
    return st[-1]["stats"] if st else {}
