#!/usr/bin/env python3
"""`kenchi eval` on every labelled capture of ../shared/data (skipped when
absent): the documented command of scripts/eval-shared.sh (kenchi and
Suricata's reference outputs side by side on datasets/shared.json) runs
cleanly, scores every capture, and its HTML report renders its plots in
headless chromium (skipped without chromium).

usage: test_eval_shared.py KENCHI SOURCE_ROOT SHARED_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

import kntest

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    kenchi, root, shared = [os.path.abspath(a) for a in sys.argv[1:4]]
    data = os.path.join(shared, "data")
    s = kntest.Suite("eval_shared")
    if not os.path.isdir(os.path.join(data, "anomaly")):
        s.skip("all", "%s not present" % data)
        s.exit()
    with tempfile.TemporaryDirectory() as tmp:
        html, js = os.path.join(tmp, "r.html"), os.path.join(tmp, "r.json")
        cmd = [kenchi, "eval", "-q", "-b", data,
               "-d", os.path.join(root, "datasets/detectors/suricata-ref.json"),
               "-d", "kenchi", "--html", html, "--json", js,
               os.path.join(root, "datasets/shared.json")]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1500)
        err = p.stderr.decode(errors="replace")
        if not s.result("run", p.returncode == 0, err[-2000:]):
            s.exit()
        with open(js) as f:
            r = json.load(f)
        with open(os.path.join(root, "datasets/shared.json")) as f:
            n_caps = len(json.load(f)["captures"])
        got = sum(len(g["captures"]) for g in r["datasets"])
        s.result("every_capture", got == n_caps, "%d of %d captures" % (got, n_caps))
        kenchi_errors = [c for d in r["detectors"] if d["name"] == "kenchi"
                         for e in d["datasets"] for c in e["captures"] if c["error"]]
        s.result("kenchi_ran_everywhere", not kenchi_errors, repr(kenchi_errors[:3]))
        suri = [e for d in r["detectors"] if d["name"] == "suricata-7.0.4"
                for e in d["datasets"] if e["grain"] == "host"]
        # Suricata's ET Open alerts find some of the attacks (emotet, brute
        # force, floods) and fire on some benign captures: both counts move
        ok = len(suri) == 1 and suri[0]["tp"] > 0 and suri[0]["fn"] > 0 and \
            suri[0]["pr_auc"] is not None and not [c for c in suri[0]["captures"] if c["error"]]
        s.result("suricata_scored", ok, repr(suri[0] if suri else None)[:600])
        sys.path.insert(0, HERE)
        import html_shot
        if not html_shot.find_chromium():
            s.skip("html_screenshot", "chromium not installed (apt-get install chromium)")
        else:
            # the whole page: the host-grain plots come after the packet
            # grain's long per-class and per-capture tables
            rc = html_shot.check(html, os.path.join(tmp, "r.png"), min_pixels=200,
                                 size=(1280, 12000))
            s.result("html_screenshot", rc == 0, "the plots are not drawn")
    s.exit()


if __name__ == "__main__":
    main()
