#!/usr/bin/env python3
"""Per-packet detector verdicts end to end (`kenchi run --detect-scores`):
on gen_verdicts' capture (benign UDP, an unanswered ARP sweep, the
sweeper's IP packets within and after the 600 s latch, an LLDP frame from
the sweeper) the CSV has one line per packet in packet order, 0.5 exactly
for the packets from the sweep's 16th target to the sweeper's last packet
within the latch (its IP and MAC), 0 for the rest; the ARP_SCAN event is
in the EVE output with its evidence; --verdict-latch 5 ends the latch
earlier; with --workers 2 the option is refused with the fix; on the
shared ARP captures (when ../shared/data is present) the sweeper and the
spoofer are found and the benign background scores 0 everywhere.

usage: test_verdicts.py KENCHI GEN_VERDICTS SHARED_DIR
"""
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

import kntest


def scores(path):
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0] == "packet,score", lines[0]
    return [(int(a), float(b)) for a, b in (l.split(",") for l in lines[1:])]


def run(kenchi, pcap, tmp, extra=()):
    csv = os.path.join(tmp, "scores.csv")
    if os.path.exists(csv):
        os.unlink(csv)
    rc, ev, err = kntest.run_kenchi(kenchi, ["--detect-scores", csv] + list(extra) +
                                    ["-r", pcap])
    return rc, ev, err, (scores(csv) if rc == 0 else [])


def arp_events(ev):
    return [e for e in ev if e.get("event_type") == "anomaly" and
            e["anomaly"].get("detector") == "arp"]


def main():
    kenchi, gen, shared = [os.path.abspath(a) for a in sys.argv[1:4]]
    s = kntest.Suite("verdicts")
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "verdicts.pcap")
        subprocess.run([gen, pcap], check=True)
        rc, ev, err, sc = run(kenchi, pcap, tmp)
        want = [(i, 0.5 if 20 <= i <= 27 else 0.0) for i in range(1, 31)]
        s.result("scores", rc == 0 and sc == want, "%r %s" % (sc, err))
        a = arp_events(ev)
        s.result("arp_event", len(a) == 1 and a[0]["pcap_cnt"] == 20 and
                 a[0]["anomaly"]["event"] == "ARP_SCAN" and
                 a[0]["anomaly"]["key"] == "02:00:00:00:00:66" and
                 a[0]["anomaly"]["evidence"]["targets"] == 16 and
                 a[0]["anomaly"]["evidence"]["sender_ip"] == "10.0.0.66", repr(a))
        link = (a[0].get("ether"), a[0].get("arp")) if a else (None, None)
        s.result("arp_event_link", link == (
            {"src_mac": "02:00:00:00:00:66", "dest_mac": "ff:ff:ff:ff:ff:ff"},
            {"hw_type": "ethernet", "proto_type": "ipv4", "opcode": "request",
             "src_mac": "02:00:00:00:00:66", "src_ip": "10.0.0.66",
             "dest_mac": "00:00:00:00:00:00", "dest_ip": "10.0.0.115"}), repr(link))
        rc, ev, err, sc = run(kenchi, pcap, tmp, ["--verdict-latch", "5"])
        want = [(i, 0.5 if 20 <= i <= 25 else 0.0) for i in range(1, 31)]
        s.result("latch_5s", rc == 0 and sc == want, "%r %s" % (sc, err))
        rc, ev, err = kntest.run_kenchi(kenchi, ["--detect-scores",
                                                 os.path.join(tmp, "x.csv"), "-r", pcap],
                                        workers=2)
        s.result("one_worker", rc == 1 and "needs one worker" in err and "-w 1" in err, err)
        rc, ev, err, sc = run(kenchi, pcap, tmp, ["--no-detectors"])
        s.result("no_detectors", rc == 0 and len(sc) == 30 and all(v == 0 for _, v in sc), err)
    data = os.path.join(shared, "data")
    if not os.path.isdir(os.path.join(data, "anomaly")):
        s.skip("shared", "%s not present" % data)
        s.exit()
    with tempfile.TemporaryDirectory() as tmp:
        for name, event, attack in (("scan_arp_sweep", "ARP_SCAN", 509),
                                    ("mitm_arp_spoof", "ARP_SPOOF", 36)):
            pcap = os.path.join(tmp, name + ".pcap")
            with gzip.open(os.path.join(data, "anomaly", name + ".pcap.gz")) as fi, \
                    open(pcap, "wb") as fo:
                shutil.copyfileobj(fi, fo)
            with open(os.path.join(data, "anomaly", name + ".labels")) as f:
                labels = [int(x) for x in f.read().split()]
            rc, ev, err, sc = run(kenchi, pcap, tmp)
            hit = sum(1 for (i, v), l in zip(sc, labels) if v > 0 and l == 1)
            false = sum(1 for (i, v), l in zip(sc, labels) if v > 0 and l == 0)
            kinds = {e["anomaly"]["event"] for e in arp_events(ev)}
            s.result("splice_" + name, rc == 0 and len(sc) == len(labels) and
                     kinds == {event} and hit >= 0.9 * attack and false == 0,
                     "hit %d of %d, false %d, %r %s" % (hit, attack, false, kinds, err))
        rc, ev, err, sc = run(kenchi, os.path.join(data, "anomaly",
                                                   "background_mirai38363.pcap"), tmp)
        s.result("background_quiet", rc == 0 and len(sc) == 38363 and
                 all(v == 0 for _, v in sc), err)
    s.exit()


if __name__ == "__main__":
    main()
