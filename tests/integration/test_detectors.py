#!/usr/bin/env python3
"""Behaviour detectors end to end (`kenchi run`): dns_tunnel and port_scan
on the builder's labelled evalset (the tunnel's and the scanner's hosts are
reported, nobody else; its beacon runs from the start, inside the beacon
detector's learning period) and, with ../shared/data present, on the
captures there: each DNS-tunnel capture whose queries are visible is
flagged within its first 50 queries, each TCP/UDP scan capture's scanner is
reported, the C2 splice's beacon is reported, no benign capture (nor the
benign background of the anomaly splices) is flagged, and the events carry
score, detector, explanation and evidence.

usage: test_detectors.py KENCHI GEN_EVALSET SHARED_DIR
"""
import glob
import os
import subprocess
import sys
import tempfile

import kntest

# ndpi_dns2tcp_tunnel.pcap carries its tunnel inside TLS to 1.1.1.1:443
# (DNS over HTTPS): no DNS query is visible to any passive sensor.
NO_VISIBLE_DNS = {"ndpi_dns2tcp_tunnel.pcap"}


def detections(events):
    return [e for e in events if e.get("event_type") == "anomaly" and
            e["anomaly"].get("type") == "detector"]


# scanner of each scan capture (README of ../shared/data)
SCANS = {"ndpi_synscan.pcap": "172.16.0.8", "sgr_portScan_1_to_10000.pcapng": "192.168.1.7",
         "sgr_hs-udpScan.pcap": "246.237.45.150"}


def check_event(e):
    a = e["anomaly"]
    ev = a["evidence"]
    key_ok = ev.get("base_domain", ev.get("scanner")) == a["key"] or (
        a["detector"] == "beacon" and a["key"] == "%s->%s:%d" % (
            ev["source"], ev["destination"], ev["dest_port"]))
    return (a["detector"] in ("dns_tunnel", "port_scan", "beacon") and 0 < a["score"] <= 1 and
            a["explanation"] and key_ok and e.get("community_id"))


def main():
    kenchi, gen, shared = [os.path.abspath(a) for a in sys.argv[1:4]]
    s = kntest.Suite("detectors")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([gen, tmp], check=True, stdout=subprocess.DEVNULL)
        rc, ev, err = kntest.run_kenchi(kenchi, ["-r", os.path.join(tmp, "evalset.pcap")])
        det = detections(ev)
        found = sorted({(e["anomaly"]["detector"], e["src_ip"], e["dest_ip"]) for e in det})
        s.result("evalset", rc == 0 and found == [("dns_tunnel", "10.1.0.15", "10.1.0.2"),
                                                  ("port_scan", "10.1.0.14", "10.1.0.5")] and
                 all(check_event(e) for e in det), repr(found) + err)
        rc, ev, err = kntest.run_kenchi(kenchi, ["--no-detectors", "-r",
                                                 os.path.join(tmp, "evalset.pcap")])
        s.result("no_detectors", rc == 0 and not detections(ev), err)
    data = os.path.join(shared, "data", "pcaps")
    if not os.path.isdir(data):
        s.skip("shared", "%s not present" % data)
        s.exit()
    for path in sorted(glob.glob(os.path.join(data, "dns_tunnel", "*"))):
        name = os.path.basename(path)
        if name in NO_VISIBLE_DNS:
            s.skip("tunnel_" + name, "DNS over HTTPS: no query visible")
            continue
        rc, ev, err = kntest.run_kenchi(kenchi, ["-r", path])
        queries = [e["pcap_cnt"] for e in ev if e.get("event_type") == "dns" and
                   e["dns"].get("type") == "query"]
        det = detections(ev)
        first = min(e["pcap_cnt"] for e in det) if det else None
        within = first is not None and len([q for q in queries if q <= first]) <= 50
        s.result("tunnel_" + name, rc == 0 and within and all(check_event(e) for e in det),
                 "first detection at packet %r, queries %d" % (first, len(queries)))
    for name, scanner in sorted(SCANS.items()):
        rc, ev, err = kntest.run_kenchi(kenchi, ["-r", os.path.join(data, "scan", name)])
        keys = {e["anomaly"]["key"] for e in detections(ev)}
        s.result("scan_" + name, rc == 0 and keys == {scanner} and
                 all(check_event(e) for e in detections(ev)), repr(keys))
    # the C2 beacon splice: the beacon starts 1,095 s in, after the learning
    # period; the background's IoT heartbeats are older and stay quiet
    import gzip
    import shutil
    with tempfile.TemporaryDirectory() as tmp:
        splice = os.path.join(tmp, "c2_beacon.pcap")
        with gzip.open(os.path.join(shared, "data", "anomaly", "c2_beacon.pcap.gz")) as fi, \
                open(splice, "wb") as fo:
            shutil.copyfileobj(fi, fo)
        rc, ev, err = kntest.run_kenchi(kenchi, ["-r", splice])
        keys = {(e["anomaly"]["detector"], e["anomaly"]["key"]) for e in detections(ev)}
        s.result("beacon_c2_splice", rc == 0 and
                 keys == {("beacon", "192.168.2.37->141.193.213.21:443")} and
                 all(check_event(e) for e in detections(ev)), repr(keys))
    benign = sorted(glob.glob(os.path.join(data, "benign", "*"))) + \
        [os.path.join(shared, "data", "kitsune", "mirai2000.pcap"),
         os.path.join(shared, "data", "anomaly", "background_mirai38363.pcap")]
    flagged = []
    for path in benign:
        rc, ev, err = kntest.run_kenchi(kenchi, ["-r", path])
        if rc != 0 or detections(ev):
            flagged.append((os.path.basename(path), rc, len(detections(ev))))
    s.result("benign_quiet", not flagged, repr(flagged))
    s.exit()


if __name__ == "__main__":
    main()
