#!/usr/bin/env python3
"""datasets/shared.json is what scripts/mk-shared-dataset.py writes from
../shared/data today: the generator is run again into a temporary file and
the bytes must be identical (so the manifest was not edited by hand and the
shared files did not change). Also: the generator refuses a data directory
it cannot read, with a message and exit status 1. Skipped when
../shared/data is absent.

usage: test_shared_dataset.py SOURCE_ROOT SHARED_DIR
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kntest  # noqa: E402


def run(source, data, out):
    script = os.path.join(source, "scripts", "mk-shared-dataset.py")
    return subprocess.run([sys.executable, script, "--data", data, "-o", out],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)


def first_difference(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb), 1):
        if x != y:
            return "line %d: committed %r, generated %r" % (i, x[:120], y[:120])
    return "lengths differ: %d and %d lines" % (len(la), len(lb))


def check_same(suite, source, data):
    committed = os.path.join(source, "datasets", "shared.json")
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "shared.json")
        p = run(source, data, out)
        if p.returncode != 0:
            suite.result("regenerated_identical", False, "generator exit %d: %s"
                         % (p.returncode, p.stderr.decode(errors="replace").strip()))
            return
        with open(out, encoding="utf-8") as f:
            new = f.read()
    with open(committed, encoding="utf-8") as f:
        old = f.read()
    suite.result("regenerated_identical", old == new,
                 "%s differs from the generator's output (%s); rerun python3 "
                 "scripts/mk-shared-dataset.py" % (committed, first_difference(old, new)))


def check_bad_dir(suite, source):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "shared.json")
        p = run(source, os.path.join(d, "no-such-data"), out)
        err = p.stderr.decode(errors="replace")
        suite.result("missing_data_refused",
                     p.returncode == 1 and "mk-shared-dataset: " in err and not os.path.exists(out),
                     "exit %d, stderr %r" % (p.returncode, err[-300:]))


def main():
    source, shared = sys.argv[1], os.path.normpath(sys.argv[2])
    suite = kntest.Suite("shared_dataset")
    data = os.path.join(shared, "data")
    check_bad_dir(suite, source)
    if not os.path.isdir(os.path.join(data, "anomaly")):
        suite.skip("regenerated_identical",
                   "%s absent: the shared captures are not available here" % data)
        suite.exit()
    check_same(suite, source, data)
    suite.exit()


if __name__ == "__main__":
    main()
