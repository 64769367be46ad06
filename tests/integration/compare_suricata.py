#!/usr/bin/env python3
"""Compares kenchi's flow events with Suricata 7.0.4's reference flow events
(../shared/data/ref/suricata) on every shared capture, by community_id and
start time, and prints one line per capture: flows on each side, flows
matched, matched flows whose packet counts differ, and the protocols of the
unmatched ones. Not a test: differences are explained in the issue notes.

usage: tests/integration/compare_suricata.py KENCHI [SHARED_DIR]
"""
import collections
import gzip
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kntest  # noqa: E402
import test_shared  # noqa: E402


def suricata_flows(shared, name):
    path = os.path.join(shared, "data", "ref", "suricata", name + ".eve.json.gz")
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if '"event_type":"flow"' in line:
                out.append(json.loads(line))
    return out


def key(f):
    return (f.get("community_id"), f["flow"]["start"])


def main():
    kenchi = sys.argv[1]
    shared = os.path.normpath(sys.argv[2] if len(sys.argv) > 2 else
                              os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared"))
    tot = collections.Counter()
    print("%-48s %7s %7s %7s %7s  %s" % ("capture", "kenchi", "suri", "match", "pktdiff",
                                         "unmatched (kenchi | suricata) by proto"))
    for cap in test_shared.captures(shared):
        name = test_shared.ref_name(shared, cap)
        rc, events, err = kntest.run_kenchi(kenchi, ["-r", cap])
        ours = kntest.flows(events)
        theirs = suricata_flows(shared, name)
        ob = collections.defaultdict(list)
        for f in ours:
            ob[key(f)].append(f)
        matched, pktdiff = 0, 0
        left = collections.Counter()
        for f in theirs:
            lst = ob.get(key(f))
            if lst:
                g = lst.pop()
                matched += 1
                a = (g["flow"]["pkts_toserver"], g["flow"]["pkts_toclient"])
                b = (f["flow"]["pkts_toserver"], f["flow"]["pkts_toclient"])
                if a != b and a != b[::-1]:
                    pktdiff += 1
            else:
                left[f["proto"]] += 1
        ours_left = collections.Counter(g["proto"] for lst in ob.values() for g in lst)
        tot.update(kenchi=len(ours), suricata=len(theirs), matched=matched, pktdiff=pktdiff)
        print("%-48s %7d %7d %7d %7d  %s | %s" % (os.path.basename(cap)[:48], len(ours), len(theirs),
                                                 matched, pktdiff, dict(ours_left.most_common(4)),
                                                 dict(left.most_common(4))))
    print("total: %s" % dict(tot))


if __name__ == "__main__":
    main()
