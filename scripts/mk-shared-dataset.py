#!/usr/bin/env python3
"""Writes datasets/shared.json: the `kenchi eval` manifest (format:
docs/eval-manifest.md) of every labelled capture in ../shared/data.

The ground truth is hand-transcribed below from shared/data/README.md and
shared/data/anomaly/README.md, one line per capture, each under a comment
quoting the README phrase it comes from. Everything else is computed from
the files: the sha256 of each file as stored (a .pcap.gz hashed
compressed), its packet count (pcap, pcapng or gzip-compressed pcap,
counted here from the record and block headers) and, for the anomaly
splices, the attack packet ranges (runs of 1 in NAME.labels, 1-based). The
counts are cross-checked against MANIFEST.tsv, the splices' JSON files,
anomaly/SHA256SUMS and the attack-packet column of anomaly/README.md; any
disagreement stops the script.

The output is deterministic (captures sorted by path, fixed formatting),
so running the script again must give the same bytes; --check compares
instead of writing (tests/integration/test_shared_dataset.py).

usage (from the repository root):
    python3 scripts/mk-shared-dataset.py [--data DIR] [-o FILE] [--check]
DIR defaults to ../shared/data beside the repository, FILE to
datasets/shared.json. Python 3 standard library only.
"""
import argparse
import gzip
import hashlib
import json
import os
import struct
import sys

BENIGN = ("benign",)


def attack(cls):
    """The whole capture is attack `cls` (README: "whole capture")."""
    return ("attack", cls)


def hosts(cls, *addrs):
    """Traffic from/to each address is attack `cls` (README's "host" grain:
    'traffic from/to the named address(es) is the attack'), so role any."""
    return ("host", cls, addrs)


# shared/data/README.md, the capture rows of its table (path, ground truth).
# Default grain of these: host. Rows that say "whole capture" (or "every
# packet") are whole-capture attacks; rows that instead name the attacking
# or infected host are host labels on that host.
CAPTURES = [
    # "benign: first 2000 packets of the mirai.pcap sample ... so all 2000 are benign"
    ("kitsune/mirai2000.pcap", BENIGN),
    # "attack(dns_tunnel/iodine): whole capture; client 10.0.2.30 <-> DNS 10.0.2.20:53 (iodine)"
    ("pcaps/dns_tunnel/ndpi_dns-tunnel-iodine.pcap", attack("dns_tunnel/iodine")),
    # "attack(dns_tunnel/dns2tcp): whole capture; 192.168.20.211 <-> 1.1.1.1:53"
    ("pcaps/dns_tunnel/ndpi_dns2tcp_tunnel.pcap", attack("dns_tunnel/dns2tcp")),
    # "attack(dns_tunnel/dnscat2): whole capture; 192.168.1.210 <-> 192.168.1.17"
    ("pcaps/dns_tunnel/dm_dnscat2.pcap", attack("dns_tunnel/dnscat2")),
    # "attack(dns_tunnel/iodine): whole capture; 192.168.1.210 <-> 192.168.1.17"
    ("pcaps/dns_tunnel/dm_iodine.pcap", attack("dns_tunnel/iodine")),
    # "attack(icmp_tunnel): whole capture; 192.168.154.131 <-> 192.168.154.132 ICMP carrying data"
    ("pcaps/tunnel/ndpi_icmp-tunnel.pcap", attack("icmp_tunnel")),
    # "attack(malware/emotet): whole capture is Emotet infection traffic ... from hosts
    #  10.2.25.102, 10.3.29.101, 10.4.25.101, 10.4.20.102"
    ("pcaps/malware/ndpi_emotet.pcap", attack("malware/emotet")),
    # "attack(malware): Slips dataset 'test7-malicious' ...; infected host 192.168.2.16"
    # (anomaly/README.md: "labelled by host in set A")
    ("pcaps/malware/slips_test7-malicious.pcap", hosts("malware", "192.168.2.16")),
    # "attack(c2_beacon, synthetic periodic): ... 'while true; curl https://testing.com; sleep 2'
    #  from 147.32.80.37 to testing.com (141.193.213.20/.21)"; the beaconing host is labelled
    ("pcaps/c2/slips_test-cc-capture-1.pcap", hosts("c2_beacon", "147.32.80.37")),
    # "attack(bruteforce/ssh): README: nmap ssh-brute ...; attacker 147.32.80.40; whole capture"
    ("pcaps/bruteforce/slips_ssh-bruteforce.pcap", attack("bruteforce/ssh")),
    # "attack(bruteforce/ftp): Zeek test trace; 192.168.56.1 -> FTP 192.168.56.101:21 repeated
    #  logins"
    ("pcaps/bruteforce/zeek_ftp-bruteforce.pcap", hosts("bruteforce/ftp", "192.168.56.1")),
    # "attack(scan/tcp_vertical): 192.168.1.7 -> 192.168.1.1 ports 1-10000; every packet"
    ("pcaps/scan/sgr_portScan_1_to_10000.pcapng", attack("scan/tcp_vertical")),
    # "attack(scan/arp_sweep): whole capture (README: Host Scan - Arp Scan)"
    ("pcaps/scan/sgr_hs-arpScan.pcap", attack("scan/arp_sweep")),
    # "attack(scan/udp_ping_sweep): whole capture from 246.237.45.150 (README: Udp ping Scan)"
    ("pcaps/scan/sgr_hs-udpScan.pcap", attack("scan/udp_ping_sweep")),
    # "attack(scan/tcp_syn): 172.16.0.8 SYN-scans 64.13.134.52 (1994 of 2011 packets from
    #  scanner; the rest are target replies)"
    ("pcaps/scan/ndpi_synscan.pcap", hosts("scan/tcp_syn", "172.16.0.8")),
    # "attack(scan/icmp): Slips 'test12-icmp-portscan'; scanner 192.168.1.109"
    ("pcaps/scan/slips_icmp-portscan.pcap", hosts("scan/icmp", "192.168.1.109")),
    # "attack(mitm/arp_spoofing): whole capture (README: Network Attacks - Arp Spoofing)"
    ("pcaps/mitm/sgr_na-arpSpoofing.pcap", attack("mitm/arp_spoofing")),
    # "attack(dos/syn_flood_spoofed): whole capture; random spoofed sources -> 10.10.10.10:25565"
    ("pcaps/dos/stopddos_pkt.TCP.synflood.spoofed.pcap", attack("dos/syn_flood_spoofed")),
    # "attack(ddos/snmp_reflection): whole capture; SNMP responses from src port 161 reflected"
    ("pcaps/dos/stopddos_amp.UDP.snmp.src161.pcapng", attack("ddos/snmp_reflection")),
    # "attack(discovery/rpc_endpoint_dump): impacket rpcdump against a Windows host; whole capture"
    ("pcaps/ad/Discovery_impacket_rpcdump.pcapng", attack("discovery/rpc_endpoint_dump")),
    # "attack(credential_access/kerberos_password_spray): kerbrute AS-REQ spray; whole capture"
    ("pcaps/ad/CA_kerbrute_passwordspray_kerberos_AS-REQ.pcapng",
     attack("credential_access/kerberos_password_spray")),
    # "attack(lateral_movement/psexec): PsExec over SMB/DCERPC svcctl; whole capture"
    ("pcaps/ad/LM_psexec_smb_dcerpc_epm_svcctl.pcapng", attack("lateral_movement/psexec")),
    # "benign: HTTP browsing of bro.org (Zeek test trace)"
    ("pcaps/benign/zeek_http_bro_org.pcap", BENIGN),
    # "benign: SSH sessions (Zeek test trace)"
    ("pcaps/benign/zeek_ssh.pcap", BENIGN),
    # "benign: Waze app traffic (nDPI test)"
    ("pcaps/benign/ndpi_waze.pcap", BENIGN),
]

# anomaly/README.md, "Splices" table: file, attack packets, source capture.
# Packet grain; the class is the source capture's; the ranges come from
# NAME.labels and must add up to the attack packets column.
SPLICES = [
    ("anomaly/scan_tcp_vertical.pcap.gz", 10009, "pcaps/scan/sgr_portScan_1_to_10000.pcapng"),
    ("anomaly/scan_tcp_syn.pcap.gz", 2011, "pcaps/scan/ndpi_synscan.pcap"),
    ("anomaly/scan_udp_sweep.pcap.gz", 512, "pcaps/scan/sgr_hs-udpScan.pcap"),
    ("anomaly/scan_arp_sweep.pcap.gz", 509, "pcaps/scan/sgr_hs-arpScan.pcap"),
    ("anomaly/scan_icmp.pcap.gz", 37, "pcaps/scan/slips_icmp-portscan.pcap"),
    ("anomaly/bruteforce_ssh.pcap.gz", 1178, "pcaps/bruteforce/slips_ssh-bruteforce.pcap"),
    ("anomaly/bruteforce_ftp.pcap.gz", 606, "pcaps/bruteforce/zeek_ftp-bruteforce.pcap"),
    ("anomaly/dnstunnel_iodine_ndpi.pcap.gz", 438, "pcaps/dns_tunnel/ndpi_dns-tunnel-iodine.pcap"),
    ("anomaly/dnstunnel_dns2tcp.pcap.gz", 50, "pcaps/dns_tunnel/ndpi_dns2tcp_tunnel.pcap"),
    ("anomaly/dnstunnel_dnscat2.pcap.gz", 24, "pcaps/dns_tunnel/dm_dnscat2.pcap"),
    ("anomaly/dnstunnel_iodine_dm.pcap.gz", 24, "pcaps/dns_tunnel/dm_iodine.pcap"),
    ("anomaly/icmptunnel.pcap.gz", 961, "pcaps/tunnel/ndpi_icmp-tunnel.pcap"),
    ("anomaly/c2_beacon.pcap.gz", 7931, "pcaps/c2/slips_test-cc-capture-1.pcap"),
    ("anomaly/dos_synflood.pcap.gz", 37841, "pcaps/dos/stopddos_pkt.TCP.synflood.spoofed.pcap"),
    ("anomaly/ddos_snmp_reflection.pcap.gz", 4373, "pcaps/dos/stopddos_amp.UDP.snmp.src161.pcapng"),
    ("anomaly/mitm_arp_spoof.pcap.gz", 36, "pcaps/mitm/sgr_na-arpSpoofing.pcap"),
    ("anomaly/malware_emotet.pcap.gz", 169, "pcaps/malware/ndpi_emotet.pcap"),
    ("anomaly/malware_slips_test7.pcap.gz", 1838, "pcaps/malware/slips_test7-malicious.pcap"),
    ("anomaly/ad_rpcdump.pcap.gz", 11, "pcaps/ad/Discovery_impacket_rpcdump.pcapng"),
    ("anomaly/ad_kerbrute_spray.pcap.gz", 33,
     "pcaps/ad/CA_kerbrute_passwordspray_kerberos_AS-REQ.pcapng"),
    ("anomaly/ad_psexec.pcap.gz", 264, "pcaps/ad/LM_psexec_smb_dcerpc_epm_svcctl.pcapng"),
]

# anomaly/README.md, "Controls": "In their .labels files the inserted packets
# are marked 1 only to say where they were inserted: they are **benign**."
# The background: "the 38,363-packet benign prefix of Kitsune-py's mirai capture".
# Packet grain, benign; (inserted packets, source capture) for the controls.
CONTROLS = [
    ("anomaly/controls/control_http_bro_org.pcap.gz", 751, "pcaps/benign/zeek_http_bro_org.pcap"),
    ("anomaly/controls/control_ssh.pcap.gz", 1797, "pcaps/benign/zeek_ssh.pcap"),
    ("anomaly/controls/control_waze.pcap.gz", 597, "pcaps/benign/ndpi_waze.pcap"),
]
BACKGROUND = "anomaly/background_mirai38363.pcap"

DESCRIPTION = (
    "Ground truth of the labelled captures of ../shared/data (set A), transcribed from "
    "shared/data/README.md and shared/data/anomaly/README.md; capture paths are relative to "
    "../shared/data (load with that base directory). pcaps/* and kitsune/mirai2000.pcap at host "
    "grain: 'attack' where the README says the whole capture is the attack, host labels (role any: "
    "traffic from/to the host) where it names the attacking or infected host instead, benign "
    "captures benign. anomaly/*: the 21 splices at packet grain (ranges = the runs of 1 in "
    "NAME.labels, class of the source capture), the 3 controls and the background benign, all "
    "with train_packets 25001 (Kitsune-py's training period, left out of scoring) (the "
    "controls' inserted packets are benign). Left out: bench/mix.pcap.gz (unlabelled throughput "
    "capture), suricata-verify/ (protocol test cases, not labelled), domains/, flows/ and the "
    "kitsune .tsv/.csv (not captures). Generated by `python3 scripts/mk-shared-dataset.py` "
    "(sha256 and packet counts computed from the files); do not edit by hand.")


class DataError(Exception):
    pass


# ----------------------------------------------------------------- files

def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_exact(f, n, path, what):
    b = f.read(n)
    if len(b) != n:
        raise DataError("%s: file ends inside %s (%d of %d bytes)" % (path, what, len(b), n))
    return b


PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
               b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}
MAX_RECORD = 1 << 28


def count_pcap(f, path, magic):
    """Records of a pcap file after its magic: each a 16-byte header whose
    caplen says how many bytes follow."""
    end = PCAP_MAGICS[magic]
    read_exact(f, 20, path, "the pcap file header")
    n = 0
    while True:
        hdr = f.read(16)
        if not hdr:
            return n
        if len(hdr) != 16:
            raise DataError("%s: record %d: header cut short" % (path, n + 1))
        caplen = struct.unpack(end + "I", hdr[8:12])[0]
        if caplen > MAX_RECORD:
            raise DataError("%s: record %d: caplen %d is not plausible" % (path, n + 1, caplen))
        read_exact(f, caplen, path, "record %d" % (n + 1))
        n += 1


def count_pcapng(f, path, first):
    """Packet blocks of a pcapng file (EPB 6, SPB 3, obsolete PB 2); each
    section header sets the byte order of the blocks that follow."""
    n, end, head = 0, "<", first
    while True:
        head = head + f.read(8 - len(head))
        if not head:
            return n
        if len(head) != 8:
            raise DataError("%s: block header cut short after %d packets" % (path, n))
        if head[:4] == b"\x0a\x0d\x0d\x0a":
            bom = read_exact(f, 4, path, "a section header")
            end = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}.get(bom)
            if end is None:
                raise DataError("%s: section header with a bad byte-order magic" % path)
            rest = bom
        else:
            rest = b""
        btype, blen = struct.unpack(end + "II", head)
        if blen < 12 + len(rest) or blen % 4 or blen > MAX_RECORD:
            raise DataError("%s: block of type %d with bad length %d" % (path, btype, blen))
        body = rest + read_exact(f, blen - 8 - len(rest), path, "a block of type %d" % btype)
        if struct.unpack(end + "I", body[-4:])[0] != blen:
            raise DataError("%s: block of type %d: trailing length differs" % (path, btype))
        n += btype in (2, 3, 6)
        head = b""


def count_packets(path):
    """Packets in a pcap or pcapng file, or in a gzip-compressed one; the
    format comes from the magic bytes, not the name."""
    with open(path, "rb") as raw:
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw) as f:
                return count_stream(f, path)
        raw.seek(0)
        return count_stream(raw, path)


def count_stream(f, path):
    magic = f.read(4)
    if magic in PCAP_MAGICS:
        return count_pcap(f, path, magic)
    if magic == b"\x0a\x0d\x0d\x0a":
        return count_pcapng(f, path, magic)
    raise DataError("%s: neither pcap nor pcapng (magic %s)" % (path, magic.hex()))


def label_runs(path):
    """The runs of '1' lines of a .labels file as 1-based [first, last],
    and the number of lines."""
    runs, start, k = [], None, 0
    with open(path, encoding="ascii") as f:
        for k, line in enumerate(f, 1):
            v = line.rstrip("\n")
            if v not in ("0", "1"):
                raise DataError("%s:%d: %r is neither 0 nor 1" % (path, k, v))
            if v == "1" and start is None:
                start = k
            elif v == "0" and start is not None:
                runs.append([start, k - 1])
                start = None
    if start is not None:
        runs.append([start, k])
    return runs, k


# ------------------------------------------------------------ cross-checks

def manifest_tsv_packets(data):
    """path -> packets from MANIFEST.tsv (rows whose packets is a number)."""
    out = {}
    with open(os.path.join(data, "MANIFEST.tsv"), encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        ip, ik = head.index("path"), head.index("packets")
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) > max(ip, ik) and cols[ik].isdigit():
                out[cols[ip]] = int(cols[ik])
    return out


def anomaly_sums(data):
    """file name -> sha256 from anomaly/SHA256SUMS."""
    out = {}
    with open(os.path.join(data, "anomaly", "SHA256SUMS"), encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                out[parts[1].lstrip("*")] = parts[0]
    return out


def check(cond, msg):
    if not cond:
        raise DataError(msg)


# ---------------------------------------------------------------- captures

def file_facts(data, rel, tsv, sums):
    path = os.path.join(data, rel)
    check(os.path.isfile(path), "%s: missing" % path)
    digest, packets = sha256_file(path), count_packets(path)
    if rel in tsv:
        check(tsv[rel] == packets,
              "%s: %d packets, MANIFEST.tsv says %d" % (rel, packets, tsv[rel]))
    key = rel[len("anomaly/"):] if rel.startswith("anomaly/") else None
    if key in sums:
        check(sums[key] == digest, "%s: sha256 differs from anomaly/SHA256SUMS" % rel)
    return {"path": rel, "sha256": digest, "packets": packets}


def plain_capture(data, rel, truth, tsv, sums):
    cap = file_facts(data, rel, tsv, sums)
    if truth[0] == "benign":
        cap["benign"] = True
    elif truth[0] == "attack":
        cap["attack"] = truth[1]
    else:
        cap["labels"] = [{"class": truth[1], "host": h, "role": "any"} for h in truth[2]]
    return cap


def splice_json(data, rel):
    with open(os.path.join(data, rel[:-len(".pcap.gz")] + ".json"), encoding="utf-8") as f:
        return json.load(f)


def written(doc, side):
    """The splice JSON's attacker or victim addresses as written, or '-'."""
    return " ".join(a["written"] for a in doc[side]) or "-"


def spliced(data, rel, expect, source, tsv, sums):
    """Facts and ranges of a splice or control; checks the labels against
    the README's count and the splice's JSON."""
    cap = file_facts(data, rel, tsv, sums)
    runs, lines = label_runs(os.path.join(data, rel[:-len(".pcap.gz")] + ".labels"))
    total = sum(b - a + 1 for a, b in runs)
    doc = splice_json(data, rel)
    out = doc["output"]
    check(lines == cap["packets"] == out["packets"],
          "%s: %d packets, %d label lines, JSON says %d"
          % (rel, cap["packets"], lines, out["packets"]))
    check(total == expect == out["attack_packets"],
          "%s: labels mark %d packets, README says %d, JSON %d" % (rel, total, expect,
                                                                   out["attack_packets"]))
    cap["grain"] = "packet"
    cap["train_packets"] = TRAIN_PACKETS
    return cap, runs, doc


# anomaly/README.md, "Reference results": "KitNET trains on packets 0..25,000
# (... 25,001 packets) and scores packets 25,001..end; metrics use the scored
# packets only": 1-based packets 1..25,001 are the training period.
TRAIN_PACKETS = 25001


def truth_of(source):
    for rel, truth in CAPTURES:
        if rel == source:
            return truth
    raise DataError("%s: source capture not in the table" % source)


def build(data):
    tsv, sums = manifest_tsv_packets(data), anomaly_sums(data)
    caps = [plain_capture(data, rel, truth, tsv, sums) for rel, truth in CAPTURES]
    for rel, expect, source in SPLICES:
        cap, runs, doc = spliced(data, rel, expect, source, tsv, sums)
        cls = truth_of(source)[1]
        cap["comment"] = ("%s spliced in after packet 30000; attacker %s, victim %s (as written)"
                          % (source, written(doc, "attacker"), written(doc, "victim")))
        cap["labels"] = [{"class": cls, "packets": runs}]
        caps.append(cap)
    for rel, expect, source in CONTROLS:
        cap, runs, _ = spliced(data, rel, expect, source, tsv, sums)
        cap["comment"] = ("control: %s (benign) inserted after packet 30000, %d packets from %d "
                          "to %d" % (source, expect, runs[0][0], runs[-1][1]))
        cap["benign"] = True
        caps.append(cap)
    bg = file_facts(data, BACKGROUND, tsv, sums)
    bg.update(grain="packet", train_packets=TRAIN_PACKETS, benign=True,
              comment="the splices' benign background")
    caps.append(bg)
    caps.sort(key=lambda c: c["path"])
    return caps


# ------------------------------------------------------------------ output

KEY_ORDER = ["path", "grain", "packets", "train_packets", "sha256", "comment", "benign",
             "attack"]
WIDTH = 100


def fmt_ranges(runs, indent):
    """Ranges as '[a, b], ...' wrapped to WIDTH columns."""
    lines, cur = [], ""
    for a, b in runs:
        item = "[%d, %d]" % (a, b)
        if cur and len(indent) + len(cur) + len(item) + 2 > WIDTH:
            lines.append(cur + ",")
            cur = ""
        cur = cur + ", " + item if cur else item
    lines.append(cur)
    return ("\n" + indent).join(lines)


def fmt_label(lab):
    if "packets" in lab:
        return '{"class": %s, "packets": [\n       %s]}' % (
            json.dumps(lab["class"]), fmt_ranges(lab["packets"], "       "))
    return json.dumps(lab)


def fmt_capture(cap):
    parts = ['%s: %s' % (json.dumps(k), json.dumps(cap[k])) for k in KEY_ORDER if k in cap]
    lines, cur = [], ""
    for p in parts:
        if cur and (len(cur) + len(p) + 8 > WIDTH or p.startswith('"sha256"')
                    or p.startswith('"comment"')):
            lines.append(cur + ",")
            cur = ""
        cur = cur + ", " + p if cur else p
    text = "    {" + "\n     ".join(lines + [cur])
    if "labels" in cap:
        labs = ",\n      ".join(fmt_label(lab) for lab in cap["labels"])
        text += ',\n     "labels": [%s]' % labs
    return text + "}"


def render(caps):
    head = ('{\n  "kenchi_dataset": 1,\n  "name": "shared",\n  "description": %s,\n'
            '  "grain": "host",\n  "captures": [\n' % json.dumps(DESCRIPTION))
    return head + ",\n".join(fmt_capture(c) for c in caps) + "\n  ]\n}\n"


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data"))
    ap.add_argument("-o", "--output", default=os.path.join(repo, "datasets", "shared.json"))
    ap.add_argument("--check", action="store_true",
                    help="compare with OUTPUT instead of writing it (exit 1 if it differs)")
    args = ap.parse_args()
    try:
        text = render(build(args.data))
        json.loads(text)  # the formatter must write valid JSON
    except (DataError, OSError, ValueError, KeyError) as e:
        print("mk-shared-dataset: %s" % e, file=sys.stderr)
        return 1
    if args.check:
        try:
            with open(args.output, encoding="utf-8") as f:
                same = f.read() == text
        except OSError as e:
            print("mk-shared-dataset: %s" % e, file=sys.stderr)
            return 1
        print("%s: %s" % (args.output, "up to date" if same else "DIFFERS from the generator"))
        return 0 if same else 1
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.output)
    print("%s: %d captures" % (args.output, text.count('"path"')))
    return 0


if __name__ == "__main__":
    sys.exit(main())
