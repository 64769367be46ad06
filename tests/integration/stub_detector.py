#!/usr/bin/env python3
"""A stand-in detector for the `kenchi eval` integration test: any program
that writes EVE JSON can be scored, and this one is small enough to reason
about. Usage: stub_detector.py PCAP OUTDIR [csv]  (writes OUTDIR/eve.json, or
OUTDIR/scores.csv in the scored-CSV format of docs/eval-detectors.md).

Reads a classic pcap (Ethernet, IPv4) with the standard library and reports:
- an "alert" (severity 2) on every TCP SYN (no ACK) from a source that has
  by then sent SYNs to more than 20 distinct destination ports (a port scan);
- an "anomaly" event with a score on every DNS query over UDP port 53: the
  score is the length of the query name's longest label, and names whose
  longest label is over 40 bytes are what a tunnel looks like.
It never looks at beacons, so the test can check a miss too.
"""
import json
import time
import os
import struct
import sys


def packets(path):
    """Yields (index from 1, ts seconds float, frame bytes)."""
    with open(path, 'rb') as f:
        head = f.read(24)
        magic = struct.unpack('<I', head[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            end = '<'
        elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
            end = '>'
        else:
            sys.exit('%s: not a pcap file' % path)
        nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
        n = 0
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, caplen, _ = struct.unpack(end + 'IIII', rec)
            data = f.read(caplen)
            n += 1
            yield n, sec + frac / (1e9 if nano else 1e6), data


def qname(dns):
    """The query name's labels of a DNS message, or None."""
    if len(dns) < 12 or struct.unpack('>H', dns[4:6])[0] < 1 or dns[2] & 0x80:
        return None
    labels, i = [], 12
    while i < len(dns) and dns[i] != 0:
        ln = dns[i]
        if ln & 0xc0 or i + 1 + ln > len(dns):
            return None
        labels.append(dns[i + 1:i + 1 + ln])
        i += 1 + ln
    return labels


def timestamp(ts):
    us = int(round(ts * 1e6))
    sec, frac = divmod(us, 1000000)
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(sec)) + '.%06d+0000' % frac


def event(n, ts, src, dst, sport, dport, proto, kind, body):
    ev = {'timestamp': timestamp(ts), 'pcap_cnt': n, 'event_type': kind,
          'src_ip': src, 'src_port': sport, 'dest_ip': dst, 'dest_port': dport,
          'proto': proto, kind: body}
    return json.dumps(ev)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit('usage: stub_detector.py PCAP OUTDIR [csv]')
    ports = {}
    out = []
    for n, ts, fr in packets(sys.argv[1]):
        if len(fr) < 34 or fr[12:14] != b'\x08\x00' or fr[14] >> 4 != 4:
            continue
        ihl = (fr[14] & 15) * 4
        proto = fr[23]
        src = '.'.join(str(b) for b in fr[26:30])
        dst = '.'.join(str(b) for b in fr[30:34])
        l4 = fr[14 + ihl:]
        if proto == 6 and len(l4) >= 20:
            sport, dport = struct.unpack('>HH', l4[:4])
            flags = l4[13]
            if flags & 0x02 and not flags & 0x10:
                seen = ports.setdefault(src, set())
                seen.add(dport)
                if len(seen) > 20:
                    out.append(event(n, ts, src, dst, sport, dport, 'TCP', 'alert', {
                        'action': 'allowed', 'gid': 1, 'signature_id': 9000001, 'rev': 1,
                        'signature': 'STUB port scan', 'category': '', 'severity': 2}))
        elif proto == 17 and len(l4) >= 8:
            sport, dport = struct.unpack('>HH', l4[:4])
            labels = qname(l4[8:]) if dport == 53 else None
            if labels:
                longest = max(len(x) for x in labels)
                out.append(event(n, ts, src, dst, sport, dport, 'UDP', 'anomaly', {
                    'type': 'stub', 'event': 'long_dns_label', 'score': float(longest)}))
    if len(sys.argv) == 4 and sys.argv[3] == 'csv':
        write_csv(os.path.join(sys.argv[2], 'scores.csv'), out)
        return
    with open(os.path.join(sys.argv[2], 'eve.json'), 'w') as f:
        for line in out:
            f.write(line + '\n')


def write_csv(path, events):
    """The same findings as scored CSV rows (quoted signature with a comma)."""
    with open(path, 'w') as f:
        f.write('# stub detector\npacket,timestamp,src,dst,sport,dport,proto,score,signature\n')
        for line in events:
            e = json.loads(line)
            body = e.get('alert') or e.get('anomaly')
            score = 1.0 / body['severity'] if 'severity' in body else body['score']
            f.write('%d,%s,%s,%s,%d,%d,%s,%r,"stub, %s"\n' % (
                e['pcap_cnt'], e['timestamp'], e['src_ip'], e['dest_ip'], e['src_port'],
                e['dest_port'], e['proto'].lower(), score, e['event_type']))


if __name__ == '__main__':
    main()
