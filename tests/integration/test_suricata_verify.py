#!/usr/bin/python3
"""Meson test over suricata-verify (../shared/data/suricata-verify): runs
every test with suricata_verify.py (2 kenchi processes at a time), prints
its report, and judges four things, one PASS/FAIL line each:

- executed: the runner ran kenchi on at least --min-executed tests (it
  found the data, built command lines, read kenchi's output);
- consistent: for every test run, the checks it evaluated and skipped (per
  check `requires`) are the ones Suricata 7.0.4 passed and skipped
  (TESTS.tsv), so the runner reads test.yaml as run.py does;
- no_sanitizer_reports: kenchi's stderr holds no ASan/UBSan report (in a
  sanitized build);
- in_scope_alert_pass_rate: kenchi's pass rate on the in-scope tests (rules
  using issue 6's keywords only; alert filters and exit code) is at least
  --min-in-scope-pass percent.

Skips (exit 77) when PyYAML (Debian's python3-yaml, /usr/bin/python3) or
the data folder is missing.

usage: test_suricata_verify.py KENCHI SHARED_DIR [--min-in-scope-pass PCT]
           [--min-executed N] [--json FILE] [--timeout S]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kntest  # noqa: E402
import suricata_verify as sv  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kenchi")
    ap.add_argument("shared")
    ap.add_argument("--min-in-scope-pass", type=float, default=0.0)
    ap.add_argument("--min-executed", type=int, default=850)
    ap.add_argument("--json")
    ap.add_argument("--timeout", type=float, default=120)
    a = ap.parse_args()
    sv_dir = os.path.join(a.shared, "data", "suricata-verify")
    if not sv.have_yaml():
        print("SKIP suricata_verify.all: PyYAML missing (run with /usr/bin/python3, "
              "Debian package python3-yaml)")
        sys.exit(77)
    if not os.path.isdir(os.path.join(sv_dir, "tests")):
        print("SKIP suricata_verify.all: %s absent" % sv_dir)
        sys.exit(77)
    summary, incons = sv.run_and_report(os.path.abspath(a.kenchi), sv_dir, jobs=2,
                                        timeout=a.timeout, json_path=a.json, failures=50)
    s = kntest.Suite("suricata_verify")
    s.result("executed", summary["executed"] >= a.min_executed,
             "%d tests executed, want >= %d" % (summary["executed"], a.min_executed))
    s.result("consistent", not incons, "%d tests differ from TESTS.tsv, first: %s" % (
        len(incons), incons[0] if incons else ""))
    s.result("no_sanitizer_reports", not summary["sanitizer"], "; ".join(summary["sanitizer"][:3]))
    ins = summary["classes"]["in scope"]
    judged = ins.get("pass", 0) + ins.get("fail", 0)
    rate = 100.0 * ins.get("pass", 0) / judged if judged else 0.0
    s.result("in_scope_alert_pass_rate", judged > 0 and rate >= a.min_in_scope_pass,
             "%d/%d = %.1f%%, want >= %.1f%%" % (ins.get("pass", 0), judged, rate,
                                                 a.min_in_scope_pass))
    s.exit()


if __name__ == "__main__":
    main()
