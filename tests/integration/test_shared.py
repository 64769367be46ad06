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
- tunnels_opened: no flow on the port of a UDP tunnel kenchi opens (GTP-U,
  GRE-in-UDP, VXLAN, Geneve, AYIYA) is one whose packets tshark decoded
  inside that tunnel;
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
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

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


def sample(keys):
    if not keys:
        return ""
    ends, proto = min(keys, key=repr)
    return "%s %s" % (proto, " <-> ".join("%s:%d" % e for e in sorted(ends)))


def last(v):
    return v.split(",")[-1] if v else ""


def pairs(r):
    """Every (src, dst) address pair of a frame, outermost first."""
    out = []
    for fam in ("ip", "ipv6"):
        s, d = r.get(fam + ".src"), r.get(fam + ".dst")
        if s:
            out += list(zip(s.split(","), d.split(",")))
    return out


def ports(r):
    """Every (proto, sport, dport) of a frame, outermost first. The fields
    give no order between TCP and UDP layers: when a frame has both, UDP is
    taken as the outer one - a UDP tunnel (GTP-U, GRE-in-UDP, VXLAN, AYIYA...)
    carrying TCP, as in every frame of the reference captures."""
    out = []
    for proto in ("udp", "tcp"):
        s, d = r.get(proto + ".srcport"), r.get(proto + ".dstport")
        if s:
            out += [(proto.upper(), a, b) for a, b in zip(s.split(","), d.split(","))]
    return out


def scan_tshark(shared, name):
    """One pass over tshark's per-frame fields. Returns (IP frames,
    tuple -> community ids, (tuple, proto) -> frame numbers, frames with
    several IP layers, tuples seen as an outer layer). tshark computes a
    frame's community id on the innermost layer of a tunnel, so the id is
    indexed under the innermost tuple; ICMP flows are indexed by address
    pair over every layer, since an ICMP error quotes another header."""
    T, multi, outer = 0, set(), set()
    by_tuple = collections.defaultdict(set)
    frames_of = collections.defaultdict(list)
    for r in tshark_rows(shared, name):
        ps = pairs(r)
        if not ps:
            continue
        T += 1
        num = int(r["frame.number"])
        if len(ps) > 1:
            multi.add(num)
        cids = {c for c in r.get("communityid", "").split(",") if c}
        pts = ports(r)
        for proto, a, b in pts:
            for s_, d_ in ps:
                try:
                    frames_of[(frozenset(((norm_ip(s_), int(a)), (norm_ip(d_), int(b)))),
                               proto)].append(num)
                except ValueError:
                    pass
        for i, (s, d) in enumerate(ps):
            s, d = norm_ip(s), norm_ip(d)
            by_tuple[("icmp", frozenset((s, d)))].update(cids)
            if i < len(ps) - 1:
                # kenchi logs this tuple itself if it does not open the tunnel
                outer.add(frozenset(((s, ""), (d, ""))))
                for proto, a, b in pts[:1]:
                    outer.add(frozenset(((s, a), (d, b))))
                continue
            if not pts:
                by_tuple[frozenset(((s, ""), (d, "")))].update(cids)
            for proto, a, b in pts[-1:]:
                by_tuple[frozenset(((s, a), (d, b)))].update(cids)
    return T, by_tuple, frames_of, multi, outer


def norm_ip(s):
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        return s


# UDP tunnels kenchi opens (src/decode/udp.c): GTP-U, GRE-in-UDP, VXLAN,
# AYIYA, Geneve. Teredo (3544) is not listed: kenchi, like Suricata, wants
# the inner IPv6 packet to fill the UDP payload, and tshark does not.
TUNNEL_PORTS = {2152, 4754, 4789, 5072, 6081}


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
    T, by_tuple, frames_of, multi_layer, outer = scan_tshark(shared, name)
    A = len(anomaly_frames)
    ok = F <= T <= F + A and (A > 0 or F == T)
    suite.result(short + ".accounting", ok,
                 "tshark IP frames %d, flow packets %d, anomaly frames %d" % (T, F, A))

    # Each flow is compared with the community ids tshark computed for the
    # packets of the same tuple. Not comparable: tuples tshark computed no id
    # for (protocols other than TCP/UDP/SCTP/ICMP, malformed packets) and
    # tuples tshark never saw (tunnels it opens and kenchi does not: Teredo
    # packets that do not fill their UDP payload, sFlow samples): listed, not
    # failed - except on the ports of the UDP tunnels kenchi opens, where
    # such a flow is a tunnel kenchi failed to open.
    wrong, closed, no_id, unseen = [], [], collections.Counter(), collections.Counter()
    for f in fl:
        key = frozenset(((norm_ip(f["src_ip"]), str(f.get("src_port", ""))),
                         (norm_ip(f["dest_ip"]), str(f.get("dest_port", "")))))
        if f["proto"] in ("ICMP", "IPv6-ICMP"):
            key = ("icmp", frozenset((norm_ip(f["src_ip"]), norm_ip(f["dest_ip"]))))
        cands = by_tuple.get(key)
        if f["proto"] not in ("TCP", "UDP", "ICMP", "IPv6-ICMP"):
            # The reference fields carry neither SCTP ports nor the IPv6
            # next header, so other protocols cannot be told apart there.
            no_id[f["proto"]] += 1
        elif cands is None or (not cands and key in outer):
            unseen[f["proto"] + "/" + str(f.get("dest_port", ""))] += 1
            if f["proto"] == "UDP" and {f.get("src_port"), f.get("dest_port")} & TUNNEL_PORTS:
                closed.append(f)
        elif not cands:
            no_id[f["proto"]] += 1
        elif f.get("community_id") not in cands:
            wrong.append(f)
    suite.result(short + ".community_id", not wrong,
                 ("%d of %d flows have a community_id other than tshark's for the same tuple, e.g. %s"
                  % (len(wrong), len(fl), wrong[0] if wrong else ""))[:900])
    suite.result(short + ".tunnels_opened", not closed,
                 ("%d flows on a tunnel port that tshark decoded inside, e.g. %s"
                  % (len(closed), closed[0] if closed else ""))[:900])
    if no_id or unseen:
        print("   %s: community_id not comparable: other protocols or no tshark id: %s; tuples "
              "tshark decoded differently: %s" % (short, dict(no_id), dict(unseen.most_common(6))))

    convs = tshark_convs(shared, name)
    ours = collections.Counter()
    for f in fl:
        if f["proto"] in ("TCP", "UDP") and "src_port" in f:
            key = frozenset(((norm_ip(f["src_ip"]), f["src_port"]),
                             (norm_ip(f["dest_ip"]), f["dest_port"])))
            ours[(key, f["proto"])] += 1
    tkeys = {(frozenset((norm_ip(a), p) for a, p in k), pr) for (k, pr) in convs}
    # Explained differences: conversations made only of frames kenchi
    # reported as malformed (decoder anomalies; tshark decodes some of them,
    # e.g. IPv4 total length 0), and tunnel frames that tshark counts in both
    # the outer and the inner conversation while kenchi counts each packet in
    # one flow, the innermost it decodes.
    malformed, tunnel, unexplained = 0, 0, []
    for t in tkeys - set(ours):
        fr = frames_of.get(t, [])
        if fr and all(x in anomaly_frames for x in fr):
            malformed += 1
        elif fr and all(x in multi_layer for x in fr):
            tunnel += 1
        else:
            unexplained.append(t)
    only_ours = [t for t in set(ours) - tkeys if t not in frames_of]
    splits = sum(n - 1 for n in ours.values() if n > 1)
    # The rest are encapsulations kenchi does not open yet (listed in the
    # output and in the issue note); at most 0.5% of the conversations.
    ok = len(unexplained) <= len(tkeys) // 200 and not only_ours
    for t in sorted(unexplained, key=repr)[:20]:
        print("   %s: tshark-only conversation, frames %s" % (short, frames_of.get(t, [])[:5] or
                                                            "(none with these ports)"), sample([t]))
    suite.result(short + ".conversations", ok,
                 "tuples only in tshark, unexplained: %d (e.g. %s); only in kenchi: %d (e.g. %s)"
                 % (len(unexplained), sample(unexplained), len(only_ours), sample(only_ours)))
    print("   %s: %d flows, %d TCP/UDP tuples, %d split by timeout/reuse; tshark-only tuples: "
          "%d of malformed frames, %d tunnel outer/inner" % (short, len(fl), len(ours), splits,
                                                         malformed, tunnel))

    rc2, events2, err2 = kntest.run_kenchi(kenchi, ["-r", cap], workers=2)
    a = sorted(repr(sorted(f.items())) for f in fl)
    b = sorted(repr(sorted(f.items())) for f in kntest.flows(events2))
    suite.result(short + ".workers", rc2 == 0 and a == b,
                 "flow events differ between 1 and 2 workers (%d vs %d events)" % (len(a), len(b)))


MIX10 = "/tmp/kenchi-mix10.pcap"


def make_mix10(shared):
    """mix.pcap repeated 10 times with ../shared/tools/pcaprep.c (copies are
    distinct flows at the same times). Returns the path or None."""
    if os.path.exists(MIX10):
        return MIX10
    src = os.path.join(shared, "tools", "pcaprep.c")
    if not os.path.exists(MIX) or not os.path.exists(src):
        return None
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "pcaprep")
        subprocess.run(["cc", "-O2", "-o", exe, src, "-lpcap"], check=True)
        subprocess.run([exe, MIX, MIX10 + ".tmp", "10"], check=True, stdout=subprocess.DEVNULL)
    os.rename(MIX10 + ".tmp", MIX10)
    return MIX10


def check_mix10(suite, kenchi, shared):
    """The 10x repetition where Suricata 7.0.4 crashed in 10 of 24 runs:
    kenchi must finish cleanly with 1 and 2 workers, with the same flows."""
    cap = make_mix10(shared)
    if not cap:
        suite.skip("mix10", "mix.pcap or shared/tools/pcaprep.c absent")
        return
    res = []
    for w in (1, 2):
        rc, events, err = kntest.run_kenchi(kenchi, ["-r", cap], workers=w, timeout=1500)
        res.append((rc, sorted(json.dumps(f, sort_keys=True) for f in kntest.flows(events)), err))
    st = kntest.final_stats(events)
    ok = (res[0][0] == 0 and res[1][0] == 0 and res[0][1] == res[1][1]
          and st.get("decoder", {}).get("pkts") == 2589870)
    suite.result("mix10.runs_and_workers", ok, "rc %s/%s, %d vs %d flows, stats pkts %s: %s" % (
        res[0][0], res[1][0], len(res[0][1]), len(res[1][1]),
        st.get("decoder", {}).get("pkts"), (res[0][2] + res[1][2])[-400:]))


def check_valgrind(suite, kenchi):
    """Valgrind over mix.pcap, 2 workers: no invalid access, no leak."""
    if not os.path.exists(MIX):
        suite.skip("valgrind_mix", "mix.pcap absent")
        return
    if not shutil.which("valgrind"):
        suite.skip("valgrind_mix", "valgrind not installed")
        return
    with tempfile.TemporaryDirectory() as d:
        p = subprocess.run(["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                            "--errors-for-leak-kinds=definite,indirect", kenchi, "run", "-q",
                            "--no-progress", "-w", "2", "-o", "file:" + os.path.join(d, "eve.json"),
                            "-r", MIX], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=1500)
    suite.result("valgrind_mix", p.returncode == 0, "exit %d: %s" % (p.returncode,
                                                                     p.stderr.decode()[-1500:]))


def main():
    kenchi, shared = sys.argv[1], os.path.normpath(sys.argv[2])
    sanitized = "--sanitized" in sys.argv[3:]
    suite = kntest.Suite("shared")
    if not os.path.isdir(os.path.join(shared, "data", "pcaps")):
        suite.skip("all", "%s/data absent: the shared captures are not available here" % shared)
        suite.exit()
    if not os.path.exists(MIX):
        suite.skip("mix", "%s absent: .ci/run unpacks ../shared/data/bench/mix.pcap.gz there" % MIX)
    for cap in captures(shared):
        check_capture(suite, kenchi, shared, cap)
    check_mix10(suite, kenchi, shared)
    if not sanitized:
        check_valgrind(suite, kenchi)
    suite.exit()


if __name__ == "__main__":
    main()
