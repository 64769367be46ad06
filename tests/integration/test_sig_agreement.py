#!/usr/bin/env python3
"""Signature agreement with Suricata 7.0.4 on the shared captures (issue 6's
acceptance): kenchi runs with -S on every ET Open rules file and Suricata's
event rules (those the reference loaded: all of rules/suricata-events but
dnp3 and modbus), with the reference's address groups (--vars
ref/suricata.yaml) and classification.config, on each capture of
../shared/data/pcaps, on kitsune/mirai2000.pcap and on mix.pcap (unpacked
to /tmp/kenchi-mix.pcap as scripts/test.sh does). Its alerts are compared
with Suricata's (ref/suricata/<name>.eve.json.gz, run with -k none) as sets
of (signature_id, flow) pairs:

- a flow is its protocol, its two endpoints (unordered: an alert is
  oriented as its packet) and its start time (alert.flow.start, else the
  start of the flow event with the alert's flow_id); pairs are matched on
  all of it, then the rest on (sid, protocol, endpoints) alone, so a start
  time one side lacks does not split a pair;
- precision = share of kenchi's pairs Suricata has, recall = share of
  Suricata's pairs kenchi has; per capture, per rule source (ET Open, the
  Suricata event rules: sids 2200000-2299999) and overall.

Every disagreement (sid, msg, flow, which side) is written to --list (path
printed); captures other than mix.pcap have theirs printed, mix.pcap's are
summarised per sid. The two overall figures are one PASS/FAIL line each
against --min-precision / --min-recall (percent), and one says kenchi exited
0 without sanitizer reports on every capture. Skips (exit 77) without
../shared/data.

usage: test_sig_agreement.py KENCHI SHARED_DIR [--min-precision PCT]
           [--min-recall PCT] [--only SUBSTR] [--list FILE] [--timeout S]
"""
import argparse
import collections
import glob
import gzip
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kntest  # noqa: E402
from suricata_verify import kenchi_features  # noqa: E402

MIX = "/tmp/kenchi-mix.pcap"
SKIP_EVENT_FILES = {"dnp3-events.rules", "modbus-events.rules"}
PROTO_NAMES = {"6": "TCP", "17": "UDP", "1": "ICMP", "58": "IPV6-ICMP", "132": "SCTP"}


def captures(shared):
    """pcaps/*/*, kitsune/mirai2000.pcap (the reference's 26th capture, no
    alert there) and mix.pcap (unpacked once from bench/mix.pcap.gz)."""
    data = os.path.join(shared, "data")
    caps = sorted(glob.glob(os.path.join(data, "pcaps", "*", "*.pcap*")))
    caps += glob.glob(os.path.join(data, "kitsune", "mirai2000.pcap"))
    gz = os.path.join(data, "bench", "mix.pcap.gz")
    if not (os.path.exists(MIX) and os.path.getsize(MIX)) and os.path.exists(gz):
        with gzip.open(gz, "rb") as src, open(MIX + ".tmp", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.replace(MIX + ".tmp", MIX)
    if os.path.exists(MIX):
        caps.append(MIX)
    return caps


def ref_name(shared, cap):
    if cap == MIX:
        return "bench__mix.pcap"
    return os.path.relpath(cap, os.path.join(shared, "data")).replace("/", "__")


def rule_files(shared):
    rules = os.path.join(shared, "data", "rules")
    et = sorted(glob.glob(os.path.join(rules, "et-open", "*.rules")))
    ev = sorted(f for f in glob.glob(os.path.join(rules, "suricata-events", "*.rules"))
                if os.path.basename(f) not in SKIP_EVENT_FILES)
    return et + ev


def read_events(path):
    opener = gzip.open if path.endswith(".gz") else open
    out = []
    if not os.path.exists(path):
        return out
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if '"alert"' in line or '"flow"' in line:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out


def norm_ip(s):
    try:
        return str(ipaddress.ip_address(s))
    except (ValueError, TypeError):
        return str(s)


def alert_pairs(events):
    """{(sid, proto, endpoints, start): {'msg', 'n', 'flow'}} of a run's alerts."""
    starts = {e.get("flow_id"): e.get("flow", {}).get("start") for e in events
              if e.get("event_type") == "flow"}
    pairs = {}
    for e in events:
        if e.get("event_type") != "alert":
            continue
        a = e.get("alert", {})
        proto = str(e.get("proto", "")).upper()
        proto = PROTO_NAMES.get(proto, proto)
        ends = tuple(sorted([(norm_ip(e.get("src_ip")), e.get("src_port", 0) or 0),
                             (norm_ip(e.get("dest_ip")), e.get("dest_port", 0) or 0)]))
        start = (e.get("flow") or {}).get("start") or starts.get(e.get("flow_id"))
        key = (a.get("signature_id"), proto, ends, start)
        p = pairs.setdefault(key, {"msg": a.get("signature", ""), "n": 0,
                                   "flow": "%s %s:%s <-> %s:%s start %s" % (
                                       proto, ends[0][0], ends[0][1], ends[1][0], ends[1][1],
                                       start or "-")})
        p["n"] += 1
    return pairs


def match(ours, theirs):
    """(matched, kenchi only, suricata only) keys: exact first, then on
    (sid, proto, endpoints) ignoring the start time."""
    common = set(ours) & set(theirs)
    left_o = [k for k in ours if k not in common]
    left_t = collections.defaultdict(list)
    for k in theirs:
        if k not in common:
            left_t[k[:3]].append(k)
    only_o, loose = [], 0
    for k in left_o:
        if left_t.get(k[:3]):
            left_t[k[:3]].pop()
            loose += 1
        else:
            only_o.append(k)
    only_t = [k for lst in left_t.values() for k in lst]
    return len(common) + loose, only_o, only_t


def source(sid):
    return "suricata-events" if sid is not None and 2200000 <= sid < 2300000 else "et-open"


class Tally:
    def __init__(self):
        self.c = collections.Counter()

    def add(self, ours, theirs, matched):
        self.c.update(kenchi=len(ours), suricata=len(theirs), matched=matched)

    def figures(self):
        c = self.c
        prec = c["matched"] / c["kenchi"] if c["kenchi"] else None
        rec = c["matched"] / c["suricata"] if c["suricata"] else None
        return prec, rec

    def line(self, label):
        prec, rec = self.figures()
        f = lambda v: "%6.1f%%" % (100 * v) if v is not None else "      -"  # noqa: E731
        return "%-52s %7d %7d %7d %s %s" % (label[:52], self.c["kenchi"], self.c["suricata"],
                                            self.c["matched"], f(prec), f(rec))


def run_kenchi(kenchi, cap, rules, feats, shared, timeout):
    """(exit code, events, rules summary line or first error line,
    sanitizer report lines)."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [kenchi, "run", "-r", cap, "-l", out, "--no-progress", "--stats-interval", "0"]
        if feats["--no-detectors"]:
            cmd.append("--no-detectors")
        if feats["-S"]:
            for r in rules:
                cmd += ["-S", r]
        if feats["--vars"]:
            cmd += ["--vars", os.path.join(shared, "data", "ref", "suricata.yaml")]
        if feats["--classification"]:
            cmd += ["--classification", os.path.join(shared, "data", "rules",
                                                     "classification.config")]
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, env=dict(os.environ, TZ="UTC"))
            rc, err = p.returncode, p.stderr.decode(errors="replace").splitlines()
        except subprocess.TimeoutExpired:
            rc, err = None, ["timed out after %ss" % timeout]
        note = next((ln for ln in err if "rules:" in ln), err[0] if err and rc else "")
        san = [ln for ln in err if "Sanitizer" in ln or "runtime error:" in ln]
        return rc, read_events(os.path.join(out, "eve.json")), note, san


def report_capture(name, ours, theirs, only_o, only_t, listing, print_all):
    """Writes every disagreement to the listing; prints them (or a per-sid
    summary for a big capture)."""
    rows = [(k, ours[k], "kenchi only") for k in only_o] + \
           [(k, theirs[k], "suricata only") for k in only_t]
    rows.sort(key=lambda r: (r[0][0] or 0, r[1]["flow"]))
    for k, info, side in rows:
        listing.write("%s\t%s\t%s\t%s\t%s\n" % (name, side, k[0], info["msg"], info["flow"]))
    if print_all or len(rows) <= 60:
        for k, info, side in rows:
            print("    %-13s sid %-9s %s | %s" % (side, k[0], info["msg"][:60], info["flow"]))
        return
    by_sid = collections.defaultdict(collections.Counter)
    for k, info, side in rows:
        by_sid[(k[0], info["msg"])][side] += 1
    print("    %d disagreements (all in the list file); by sid: suricata-only kenchi-only"
          % len(rows))
    for (sid, msg), c in sorted(by_sid.items(), key=lambda kv: -sum(kv[1].values())):
        print("    sid %-9s %6d %6d  %s" % (sid, c["suricata only"], c["kenchi only"], msg[:70]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kenchi")
    ap.add_argument("shared")
    ap.add_argument("--min-precision", type=float, default=0.0)
    ap.add_argument("--min-recall", type=float, default=0.0)
    ap.add_argument("--only", action="append", default=[], help="capture path substring")
    ap.add_argument("--list", default=os.path.join(tempfile.gettempdir(),
                                                   "kenchi-sig-agreement.tsv"))
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--print-all", action="store_true", help="print every disagreement")
    a = ap.parse_args()
    s = kntest.Suite("sig_agreement")
    refdir = os.path.join(a.shared, "data", "ref", "suricata")
    if not os.path.isdir(refdir) or not os.path.isdir(os.path.join(a.shared, "data", "rules")):
        s.skip("all", "%s absent" % refdir)
        sys.exit(77)
    kenchi = os.path.abspath(a.kenchi)
    feats = kenchi_features(kenchi)
    rules = rule_files(a.shared)
    print("kenchi options: %s; %d rule files" % (
        " ".join("%s=%s" % (k, "yes" if v else "no") for k, v in feats.items()), len(rules)))
    total, by_source = Tally(), collections.defaultdict(Tally)
    hdr = "%-52s %7s %7s %7s %7s %7s" % ("capture (pairs: sid x flow)", "kenchi", "suri",
                                         "match", "prec", "recall")
    print(hdr)
    broken = []
    with open(a.list, "w") as listing:
        listing.write("capture\tside\tsid\tmsg\tflow\n")
        for cap in captures(a.shared):
            name = ref_name(a.shared, cap)
            if a.only and not any(o in cap for o in a.only):
                continue
            theirs = alert_pairs(read_events(os.path.join(refdir, name + ".eve.json.gz")))
            rc, events, note, san = run_kenchi(kenchi, cap, rules, feats, a.shared, a.timeout)
            if rc != 0 or san:
                broken.append("%s: exit %s %s" % (name, rc, (san or [note])[0]))
            ours = alert_pairs(events)
            matched, only_o, only_t = match(ours, theirs)
            t = Tally()
            t.add(ours, theirs, matched)
            total.add(ours, theirs, matched)
            for src in ("et-open", "suricata-events"):
                o = {k: v for k, v in ours.items() if source(k[0]) == src}
                th = {k: v for k, v in theirs.items() if source(k[0]) == src}
                by_source[src].add(o, th, match(o, th)[0])
            n_alerts = sum(v["n"] for v in theirs.values())
            print(t.line(name) + "  (suricata alerts %d, kenchi alerts %d; exit %s)" % (
                n_alerts, sum(v["n"] for v in ours.values()), rc))
            if note:
                print("    " + note)
            report_capture(name, ours, theirs, only_o, only_t, listing,
                           a.print_all or cap != MIX)
    print("\n" + hdr)
    for src, t in sorted(by_source.items()):
        print(t.line("rules: " + src))
    print(total.line("overall"))
    print("every disagreement: %s" % a.list)
    prec, rec = total.figures()
    s.result("kenchi_ran", not broken, "; ".join(broken[:3]))
    s.result("precision", (prec if prec is not None else 1.0) * 100 >= a.min_precision,
             "%s%% of kenchi's pairs are Suricata's, want >= %.1f%%" % (
                 "-" if prec is None else "%.1f" % (100 * prec), a.min_precision))
    s.result("recall", (rec if rec is not None else 1.0) * 100 >= a.min_recall,
             "%s%% of Suricata's pairs found, want >= %.1f%%" % (
                 "-" if rec is None else "%.1f" % (100 * rec), a.min_recall))
    s.exit()


if __name__ == "__main__":
    main()
