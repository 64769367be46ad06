#!/usr/bin/env python3
"""`kenchi eval` end to end on a labelled dataset made by the project's
traffic builder (gen_evalset: a port scan, a C2 beacon and a DNS tunnel in
benign office traffic, manifests at packet, host and flow grain), scoring
kenchi (in-process) and a stub EVE-writing detector (stub_detector.py, run
through a command template) side by side.

Checks: the JSON report's stable field names and shape; the stub's counts
at packet grain against an independent count made here from its own EVE
output and the manifest's packet ranges; per-class results that follow from
what the stub can and cannot see (scan and tunnel found, beacon missed);
measured cost for both kinds that run; the HTML report (plots drawn, checked
with headless chromium when installed); and the failures an operator meets:
a detector that exits non-zero, a bad config, a missing manifest, a capture
whose hash changed.

usage: test_eval.py KENCHI GEN_EVALSET
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import kntest

HERE = os.path.dirname(os.path.abspath(__file__))
STABLE = ["name", "grain", "tp", "fp", "fn", "precision", "recall", "f1", "roc_auc",
          "pr_auc", "eer", "tpr_at_fpr", "delay_s", "wall_s", "cpu_s", "peak_rss_kb",
          "pkts_per_s"]


def run_eval(kenchi, args, cwd):
    p = subprocess.run([kenchi, "eval", "-q"] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f)


def entry(report, detector, dataset):
    for d in report["detectors"]:
        if d["name"] == detector:
            for e in d["datasets"]:
                if e["name"] == dataset:
                    return e
    return None


def packet_truth(manifest):
    """{packet number: class} of a packet-grain manifest."""
    with open(manifest) as f:
        m = json.load(f)
    truth = {}
    for lab in m["captures"][0]["labels"]:
        for r in lab["packets"]:
            first, last = (r, r) if isinstance(r, int) else r
            for k in range(first, last + 1):
                truth[k] = lab["class"]
    return truth


def stub_counts(path, truth):
    """tp, fp, fn at packet grain counted independently of kenchi, from the
    stub's EVE or CSV output."""
    flagged = set()
    with open(path) as f:
        for line in f:
            if path.endswith(".csv"):
                if line[0].isdigit():
                    flagged.add(int(line.split(",")[0]))
            else:
                flagged.add(json.loads(line)["pcap_cnt"])
    tp = len([k for k in flagged if k in truth])
    return tp, len(flagged) - tp, len(truth) - tp


def check_shape(s, report):
    ok = report.get("kenchi_eval_report") == 1 and isinstance(report.get("detectors"), list)
    names = [d["name"] for d in report["detectors"] if not d.get("part_of")]
    s.result("report_detectors", ok and names == ["stub", "kenchi", "stub-csv"], repr(names))
    bad = []
    for d in report["detectors"]:
        for e in d["datasets"]:
            missing = [k for k in STABLE if k not in e]
            if missing or sorted(e["tpr_at_fpr"]) != ["0.001", "0.01"]:
                bad.append((d["name"], e.get("name"), missing))
    grains = [(e["name"], e["grain"]) for e in report["detectors"][0]["datasets"]]
    s.result("report_fields", not bad, repr(bad))
    s.result("report_groups", grains == [("evalset-packet", "packet"), ("evalset-host", "host"),
                                         ("evalset-flow", "flow")], repr(grains))
    caps = [c["sha256"] for g in report["datasets"] for c in g["captures"]]
    s.result("report_provenance", len(caps) == 3 and all(len(h) == 64 for h in caps) and
             all(len(g["manifest_sha256"]) == 64 for g in report["datasets"]) and
             "kenchi eval" in report["command"], repr(caps))


def check_stub(s, report, work, outdir):
    e = entry(report, "stub", "evalset-packet")
    eve = os.path.join(work, "stub", "evalset-packet", "evalset.pcap", "eve.json")
    tp, fp, fn = stub_counts(eve, packet_truth(os.path.join(outdir, "evalset-packet.json")))
    s.result("stub_packet_counts", (e["tp"], e["fp"], e["fn"]) == (tp, fp, fn) and tp > 0,
             "report %r, counted %r" % ((e["tp"], e["fp"], e["fn"]), (tp, fp, fn)))
    want_p = tp / (tp + fp)
    s.result("stub_packet_precision", abs(e["precision"] - want_p) < 1e-12,
             "%r != %r" % (e["precision"], want_p))
    s.result("stub_packet_roc", e["roc_auc"] is not None and 0.5 < e["roc_auc"] <= 1 and
             e["eer"] is not None and e["tpr_at_fpr"]["0.01"] is not None, repr(e))
    c = entry(report, "stub-csv", "evalset-packet")
    csv = os.path.join(work, "stub-csv", "evalset-packet", "evalset.pcap", "scores.csv")
    tp, fp, fn = stub_counts(csv, packet_truth(os.path.join(outdir, "evalset-packet.json")))
    s.result("csv_packet_counts", (c["tp"], c["fp"], c["fn"]) == (tp, fp, fn) and
             abs(c["roc_auc"] - e["roc_auc"]) < 1e-12,
             "report %r, counted %r" % ((c["tp"], c["fp"], c["fn"]), (tp, fp, fn)))
    h = entry(report, "stub", "evalset-host")
    classes = {c["class"]: (c["tp"], c["fn"]) for c in h["classes"]}
    s.result("stub_host_classes", classes == {"scan/tcp_syn": (1, 0), "dns_tunnel": (1, 0),
                                              "c2_beacon": (0, 1)}, repr(classes))
    s.result("stub_host_roc_undefined", h["roc_auc"] is None and h["pr_auc"] is not None and
             h["tp"] == 2 and h["fn"] == 1, repr(h))
    s.result("stub_delay", h["delay_s"] is not None and h["delay_s"] >= 0, repr(h["delay_s"]))


def check_parts(s, report, work):
    """The built-in kenchi is scored per behaviour detector too: one row per
    registered detector, each counting only the findings its EVE
    anomaly.detector names (counted here from kenchi's own output)."""
    parts = [d for d in report["detectors"] if d.get("part_of") == "kenchi"]
    names = [d["name"] for d in parts]
    s.result("parts_rows", "kenchi.port_scan" in names and "kenchi.dns_tunnel" in names and
             all(n.startswith("kenchi.") for n in names), repr(names))
    eve = os.path.join(work, "kenchi", "evalset-host", "evalset.pcap", "eve.json")
    found = {}
    with open(eve) as f:
        for line in f:
            ev = json.loads(line)
            a = ev.get("anomaly", {})
            if ev.get("event_type") == "anomaly" and a.get("type") not in (
                    "decode", "stream", "applayer"):
                found[a.get("detector")] = found.get(a.get("detector"), 0) + 1
    bad = []
    for d in parts:
        e = entry(report, d["name"], "evalset-host")
        n = found.get(d["name"][len("kenchi."):], 0)
        if (e["tp"] + e["fp"] > 0) != (n > 0):
            bad.append((d["name"], e["tp"], e["fp"], n))
    whole = entry(report, "kenchi", "evalset-host")
    tp_parts = sum(entry(report, d["name"], "evalset-host")["tp"] for d in parts)
    s.result("parts_counts", not bad and found and tp_parts >= whole["tp"] > 0,
             "bad %r, findings %r, whole tp %r, parts tp %r" % (bad, found, whole["tp"], tp_parts))
    classes = {c["class"]: c["tp"] for c in entry(report, "kenchi.port_scan",
                                                   "evalset-host")["classes"]}
    s.result("parts_port_scan", classes.get("scan/tcp_syn") == 1 and
             classes.get("dns_tunnel") == 0, repr(classes))


def check_cost(s, report):
    bad = []
    for name in ("stub", "kenchi"):
        e = entry(report, name, "evalset-packet")
        for k in ("wall_s", "cpu_s", "peak_rss_kb", "pkts_per_s"):
            if not isinstance(e[k], (int, float)) or e[k] <= 0:
                bad.append((name, k, e[k]))
    s.result("cost_measured", not bad, repr(bad))
    k = entry(report, "kenchi", "evalset-packet")
    s.result("kenchi_scored", k["tp"] + k["fn"] == 1204 and
             [c["class"] for c in k["classes"]] == ["scan/tcp_syn", "c2_beacon", "dns_tunnel"],
             repr(k))


def check_html(s, html, tmp):
    text = open(html, encoding="utf-8").read()
    s.result("html_self_contained", text.count("<svg") >= 6 and "<script" not in text and
             "http://" not in text.replace("http://www.w3.org/2000/svg", ""), "svg/script")
    sys.path.insert(0, HERE)
    import html_shot
    if not html_shot.find_chromium():
        s.skip("html_screenshot", "chromium not installed (apt-get install chromium)")
        return
    png = os.path.join(tmp, "report.png")
    ok, why = True, ""
    try:
        # stub and stub-csv draw the same curves: the last one drawn hides the other
        ok = html_shot.check(html, png, min_pixels=400, any_colour=True) == 0
    except Exception as e:  # a broken chromium is a failure, not a skip
        ok, why = False, str(e)
    s.result("html_screenshot", ok, why or "the stub's curves are not on the page")


def check_failures(s, kenchi, outdir, tmp):
    bad = os.path.join(tmp, "bad.json")
    write_json(bad, {"kenchi_detector": 1, "name": "crash", "command": "exit 3"})
    rc, out, err = run_eval(kenchi, ["-d", bad, "evalset-host.json"], outdir)
    s.result("failed_run_reported", rc == 1 and "exited with status 3" in out, err + out)
    typo = os.path.join(tmp, "typo.json")
    write_json(typo, {"kenchi_detector": 1, "name": "x", "comand": "true"})
    rc, out, err = run_eval(kenchi, ["-d", typo, "evalset-host.json"], outdir)
    s.result("bad_config", rc == 1 and "typo.json: comand: unknown key" in err, err)
    # kind kenchi's args expand placeholders: the verdicts' CSV lands in
    # the run's folder and is scored; an unknown placeholder fails the run
    verd = os.path.join(tmp, "verdicts.json")
    write_json(verd, {"kenchi_detector": 1, "name": "verd", "kind": "kenchi", "format": "csv",
                      "args": ["--detect-scores", "{outdir}/scores.csv"]})
    work = os.path.join(tmp, "work-verd")
    rc, out, err = run_eval(kenchi, ["-d", verd, "-w", work, "--json", "v.json",
                                     "evalset-packet.json"], outdir)
    csv = os.path.join(work, "verd", "evalset-packet", "evalset.pcap", "scores.csv")
    v = entry(json.load(open(os.path.join(outdir, "v.json"))), "verd", "evalset-packet") \
        if rc == 0 else None
    s.result("kenchi_args_placeholder", rc == 0 and os.path.exists(csv) and v and
             v["roc_auc"] is not None and v["roc_auc"] > 0.5, err + out)
    write_json(verd, {"kenchi_detector": 1, "name": "verd", "kind": "kenchi", "format": "csv",
                      "args": ["--detect-scores", "{nope}/scores.csv"]})
    rc, out, err = run_eval(kenchi, ["-d", verd, "-w", work, "evalset-packet.json"], outdir)
    log = os.path.join(work, "verd", "evalset-packet", "evalset.pcap", "stderr.txt")
    text = open(log, encoding="utf-8", errors="replace").read() if os.path.exists(log) else ""
    s.result("kenchi_args_bad_placeholder", rc == 1 and "args[1]" in text and "nope" in text,
             out + text)
    rc, out, err = run_eval(kenchi, ["nothere.json"], outdir)
    s.result("missing_manifest", rc == 1 and "nothere.json" in err, err)
    rc, out, err = run_eval(kenchi, ["--tolerance", "-1", "evalset-host.json"], outdir)
    s.result("usage_error", rc == 2 and "--tolerance" in err, err)
    changed = os.path.join(tmp, "changed")
    shutil.copytree(outdir, changed, ignore=shutil.ignore_patterns("work*"))
    with open(os.path.join(changed, "evalset.pcap"), "ab") as f:
        f.write(b"\0")
    rc, out, err = run_eval(kenchi, ["evalset-host.json"], changed)
    s.result("hash_mismatch", rc == 1 and "sha256" in err and "evalset.pcap" in err, err)
    rc, out, err = run_eval(kenchi, ["--help"], outdir)
    s.result("help", rc == 0 and "--detector" in out and "--html" in out, err)


def main():
    kenchi, gen = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    s = kntest.Suite("eval")
    with tempfile.TemporaryDirectory() as tmp:
        outdir = os.path.join(tmp, "set")
        p = subprocess.run([gen, outdir], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if not s.result("generate", p.returncode == 0, p.stderr.decode(errors="replace")):
            s.exit()
        stub = os.path.join(tmp, "stub.json")
        write_json(stub, {"kenchi_detector": 1, "name": "stub", "version": "1",
                          "command": "%s %s {pcap} {outdir}" % (
                              sys.executable, os.path.join(HERE, "stub_detector.py"))})
        stub_csv = os.path.join(tmp, "stub-csv.json")
        write_json(stub_csv, {"kenchi_detector": 1, "name": "stub-csv", "format": "csv",
                              "command": "%s %s {pcap} {outdir} csv" % (
                                  sys.executable, os.path.join(HERE, "stub_detector.py"))})
        work = os.path.join(tmp, "work")
        rc, out, err = run_eval(kenchi, ["-d", stub, "-d", "kenchi", "-d", stub_csv, "-w", work,
                                         "--json", "r.json", "--html", "r.html",
                                         "evalset-packet.json", "evalset-host.json",
                                         "evalset-flow.json"], outdir)
        if not s.result("run", rc == 0 and "evalset-packet" in out, err + out):
            s.exit()
        with open(os.path.join(outdir, "r.json")) as f:
            report = json.load(f)
        check_shape(s, report)
        check_stub(s, report, work, outdir)
        check_parts(s, report, work)
        check_cost(s, report)
        check_html(s, os.path.join(outdir, "r.html"), tmp)
        check_failures(s, kenchi, outdir, tmp)
    s.exit()


if __name__ == "__main__":
    main()
