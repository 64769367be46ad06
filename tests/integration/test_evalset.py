#!/usr/bin/env python3
"""kenchi on the traffic builder's labelled synthetic capture (gen_evalset,
tests/builder/scenario.h): the capture reads cleanly (no decoder events,
no anomalies, every packet decoded), its DNS, HTTP and TLS transactions are
logged, and kenchi's packet numbers (pcap_cnt) agree with the ground
truth of evalset-packet.json: DNS events of the tunnel's domain lie exactly
in the dns_tunnel ranges, HTTP events of the beacon's URL in the c2_beacon
ranges.

usage: test_evalset.py KENCHI GEN_EVALSET
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kntest  # noqa: E402

TUNNEL_DOMAIN = ".dl.cloudsync.example"
BEACON_URL = "/api/v2/sync"


def in_ranges(n, ranges):
    return any(a <= n <= b for a, b in ranges)


def label_ranges(manifest):
    with open(manifest, encoding="utf-8") as f:
        cap = json.load(f)["captures"][0]
    return cap["packets"], {lab["class"]: lab["packets"] for lab in cap["labels"]}


def check_clean(suite, rc, events, err, packets):
    stats = kntest.final_stats(events)
    dec = stats.get("decoder", {})
    # the only anomaly events allowed are detections (the DNS tunnel is one):
    # no decoder, stream or parser complaint about the builder's frames
    kinds = {e.get("event_type") for e in events
             if e.get("event_type") != "anomaly" or e["anomaly"].get("type") != "detector"}
    suite.result("runs_cleanly", rc == 0 and dec.get("pkts") == packets and dec.get("invalid") == 0
                 and dec.get("anomaly_events") == 0 and "anomaly" not in kinds,
                 "exit %d, decoder %s, event types %s: %s" % (
                     rc, {k: dec.get(k) for k in ("pkts", "invalid", "anomaly_events")},
                     sorted(kinds), err[-500:]))
    counts = {t: sum(e.get("event_type") == t for e in events) for t in ("dns", "http", "tls")}
    suite.result("app_events", all(counts.values()), "events per type %s" % counts)


def check_numbering(suite, events, labels):
    """Each DNS/HTTP event of an attack is labelled that attack, and no
    other event of that kind is."""
    bad = []
    for e in events:
        n = e.get("pcap_cnt")
        if e.get("event_type") == "dns" and n:
            tunnel = e["dns"].get("rrname", "").endswith(TUNNEL_DOMAIN)
            if tunnel != in_ranges(n, labels["dns_tunnel"]):
                bad.append("dns %s at %d" % (e["dns"].get("rrname"), n))
        if e.get("event_type") == "http" and n:
            beacon = e["http"].get("url") == BEACON_URL
            if beacon and not in_ranges(n, labels["c2_beacon"]):
                bad.append("http %s at %d" % (e["http"].get("url"), n))
    tunnel = sum(e.get("event_type") == "dns" and
                 e["dns"].get("rrname", "").endswith(TUNNEL_DOMAIN) for e in events)
    suite.result("pcap_cnt_matches_labels", not bad and tunnel == 400,
                 "%d tunnel DNS events (want 400: 200 queries and answers); %s" % (tunnel, bad[:5]))


def main():
    kenchi, gen = sys.argv[1], sys.argv[2]
    suite = kntest.Suite("evalset")
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run([gen, d, "--seed", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        if not suite.result("generate", p.returncode == 0, p.stderr.decode(errors="replace")):
            suite.exit()
        packets, labels = label_ranges(os.path.join(d, "evalset-packet.json"))
        rc, events, err = kntest.run_kenchi(kenchi, ["-r", os.path.join(d, "evalset.pcap")])
    check_clean(suite, rc, events, err, packets)
    check_numbering(suite, events, labels)
    suite.exit()


if __name__ == "__main__":
    main()
