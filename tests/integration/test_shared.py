#!/usr/bin/env python3
"""Integration tests on the real captures of ../shared/data (skipped when it
is absent). For every capture under pcaps/, kitsune/mirai2000.pcap and
bench/mix.pcap:

- accounting: every captured IP packet is counted in exactly one flow,
  except packets reported as decoder anomalies: with T = tshark's IP frames,
  F = the sum of the flows' packet counts and A = the frames kenchi reported
  a decoder anomaly for, F <= T <= F + A (and F == T when A == 0);
- community_id: every flow's community_id is one tshark computed for a
  packet of that capture (ref/tshark/*.fields.tsv.gz);
- conversations: the TCP/UDP 5-tuples of kenchi's flows are tshark's
  conversations (*.conv.txt); extra kenchi flows for one tuple are splits by
  idle timeout or port reuse (counted in the output);
- workers: the set of flow events with --workers 1 and --workers 2 is
  identical.

usage: test_shared.py KENCHI SHARED_DIR [--quick]
"""
import collections
import glob
import gzip
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kntest  # noqa: E402

MIX = "/tmp/kenchi-mix.pcap"


def captures(shared):
    data = os.path.join(shared, "data")
    caps = sorted(glob.glob(os.path.join(data, "pcaps", "*", "*.pcap*")))
    caps.append(os.path.join(data, "kitsune", "mirai2000.pcap"))
    if os.path.exists(MIX):
        caps.append(MIX)
    return caps


def ref_name(shared, cap):
    if cap == MIX:
        return "bench__mix.pcap"
    rel = os.path.relpath(cap, os.path.join(shared, "data"))
    return rel.replace("/", "__")


def tshark_rows(shared, name):
    path = os.path.join(shared, "data", "ref", "tshark", name + ".fields.tsv.gz")
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            yield dict(zip(header, line.rstrip("\n").split("\t")))


CONV_RE = re.compile(r"^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)")


def tshark_convs(shared, name):
    """Returns a Counter of frozenset({(addr, port), (addr, port)}, proto)."""
    convs = collections.Counter()
    proto = None
    path = os.path.join(shared, "data", "ref", "tshark", name + ".conv.txt")
    for line in open(path, encoding="utf-8", errors="replace"):
        if line.startswith("UDP Conversations"):
            proto = "UDP"
        elif line.startswith("TCP Conversations"):
            proto = "TCP"
        m = CONV_RE.match(line)
        if m and proto:
            a = (m.group(1).strip("[]"), int(m.group(2)))
            b = (m.group(3).strip("[]"), int(m.group(4)))
            convs[(frozenset((a, b)), proto)] += 1
    return convs


def norm_ip(s):
    import ipaddress
    return str(ipaddress.ip_address(s))


def check_capture(suite, kenchi, shared, cap):
    name = ref_name(shared, cap)
    short = re.sub(r"[^A-Za-z0-9_]+", "_", os.path.basename(cap))
    rc, events, err = kntest.run_kenchi(kenchi, ["-r", cap])
    if not suite.result(short + ".runs", rc == 0, "exit %d: %s" % (rc, err[-500:])):
        return
    fl = kntest.flows(events)
    anomaly_frames = {e.get("pcap_cnt") for e in events
                      if e.get("event_type") == "anomaly" and e["anomaly"].get("type") == "decode"}
    F = sum(f["flow"]["pkts_toserver"] + f["flow"]["pkts_toclient"] for f in fl)
    T = 0
    cids = set()
    for r in tshark_rows(shared, name):
        if r.get("ip.src") or r.get("ipv6.src"):
            T += 1
        if r.get("communityid"):
            cids.update(r["communityid"].split(","))
    A = len(anomaly_frames)
    ok = F <= T <= F + A and (A > 0 or F == T)
    suite.result(short + ".accounting", ok,
                 "tshark IP frames %d, flow packets %d, anomaly frames %d" % (T, F, A))

    missing = [f for f in fl if f.get("community_id") not in cids]
    ok = not missing
    why = "%d of %d flows have a community_id tshark never computed, e.g. %s" % (
        len(missing), len(fl), missing[0] if missing else "")
    suite.result(short + ".community_id", ok, why[:900])

    convs = tshark_convs(shared, name)
    ours = collections.Counter()
    for f in fl:
        if f["proto"] in ("TCP", "UDP") and "src_port" in f:
            key = frozenset(((norm_ip(f["src_ip"]), f["src_port"]),
                             (norm_ip(f["dest_ip"]), f["dest_port"])))
            ours[(key, f["proto"])] += 1
    tkeys = {(frozenset((norm_ip(a), p) for a, p in k), pr) for (k, pr) in convs}
    only_tshark = tkeys - set(ours)
    only_ours = set(ours) - tkeys
    splits = sum(n - 1 for n in ours.values() if n > 1)
    ok = not only_tshark and not only_ours
    suite.result(short + ".conversations", ok,
                 "tuples only in tshark: %d (e.g. %s), only in kenchi: %d (e.g. %s); "
                 "kenchi flows split by timeout/reuse: %d" % (
                     len(only_tshark), sorted(map(sorted, only_tshark))[:1][0] if only_tshark else "",
                     len(only_ours), sorted(map(sorted, only_ours))[:1][0] if only_ours else "",
                     splits))
    if ok:
        print("   %s: %d flows, %d tuples, %d timeout/reuse splits" % (short, len(fl), len(ours), splits))

    rc2, events2, err2 = kntest.run_kenchi(kenchi, ["-r", cap], workers=2)
    a = sorted(repr(sorted(f.items())) for f in fl)
    b = sorted(repr(sorted(f.items())) for f in kntest.flows(events2))
    suite.result(short + ".workers", rc2 == 0 and a == b,
                 "flow events differ between 1 and 2 workers (%d vs %d events)" % (len(a), len(b)))


def main():
    kenchi, shared = sys.argv[1], os.path.normpath(sys.argv[2])
    suite = kntest.Suite("shared")
    if not os.path.isdir(os.path.join(shared, "data", "pcaps")):
        suite.skip("all", "%s/data absent: the shared captures are not available here" % shared)
        suite.exit()
    for cap in captures(shared):
        check_capture(suite, kenchi, shared, cap)
    suite.exit()


if __name__ == "__main__":
    main()
