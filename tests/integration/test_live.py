#!/usr/bin/env python3
"""Live capture for real: builds two network namespaces joined by a veth
pair, runs `kenchi run -i` on one end, sends known traffic from the other
(5 UDP datagrams, one TCP connection with data both ways, 3 pings) and
checks the flow events and the capture counters of the final stats event.
Skips with a message where network namespaces cannot be created (not root,
or a sandbox without CAP_NET_ADMIN).

usage: test_live.py KENCHI
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kntest  # noqa: E402

NS_A, NS_B = "kn-live-a%d" % os.getpid(), "kn-live-b%d" % os.getpid()
ADDR_A, ADDR_B = "10.213.7.1", "10.213.7.2"

SENDER = r"""
import socket, time, sys
a, b = sys.argv[1], sys.argv[2]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((a, 40001))
for i in range(5):
    u.sendto(b"kenchi-live-%d" % i, (b, 5353))
    time.sleep(0.02)
t = socket.create_connection((b, 8080), timeout=5, source_address=(a, 40002))
t.sendall(b"GET / HTTP/1.0\r\n\r\n")
data = b""
while True:
    c = t.recv(4096)
    if not c:
        break
    data += c
t.close()
assert data.startswith(b"HTTP/1.0 200"), data
"""

SERVER = r"""
import socket, sys
b = sys.argv[1]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((b, 8080)); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
c.recv(4096)
c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello")
c.close()
"""


def ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=check)


def setup():
    ip("netns", "add", NS_A)
    ip("netns", "add", NS_B)
    ip("link", "add", "kna%d" % (os.getpid() % 10000), "type", "veth",
       "peer", "name", "knb%d" % (os.getpid() % 10000))
    va, vb = "kna%d" % (os.getpid() % 10000), "knb%d" % (os.getpid() % 10000)
    ip("link", "set", va, "netns", NS_A)
    ip("link", "set", vb, "netns", NS_B)
    ip("-n", NS_A, "addr", "add", ADDR_A + "/24", "dev", va)
    ip("-n", NS_B, "addr", "add", ADDR_B + "/24", "dev", vb)
    for ns, v in ((NS_A, va), (NS_B, vb)):
        ip("-n", ns, "link", "set", v, "up")
        ip("-n", ns, "link", "set", "lo", "up")
    return vb


def teardown():
    ip("netns", "del", NS_A, check=False)
    ip("netns", "del", NS_B, check=False)


def main():
    kenchi = os.path.abspath(sys.argv[1])
    suite = kntest.Suite("live")
    try:
        if os.geteuid() != 0:
            raise PermissionError("not running as root")
        iface = setup()
    except (PermissionError, subprocess.CalledProcessError, FileNotFoundError) as e:
        teardown()
        why = getattr(e, "stderr", b"") or str(e)
        suite.skip("veth", "network namespaces not permitted here: %s" %
                   (why.decode().strip() if isinstance(why, bytes) else why))
        suite.exit()
    try:
        run_case(suite, kenchi, iface)
    finally:
        teardown()
    suite.exit()


def run_case(suite, kenchi, iface):
    d = tempfile.mkdtemp()
    eve = os.path.join(d, "eve.json")
    k = subprocess.Popen(["ip", "netns", "exec", NS_B, kenchi, "run", "-q", "-i", iface,
                          "-f", "not ip6", "--stats-interval", "1", "-o", "file:" + eve],
                         stderr=subprocess.PIPE)
    srv = subprocess.Popen(["ip", "netns", "exec", NS_B, sys.executable, "-c", SERVER, ADDR_B],
                           stdout=subprocess.PIPE)
    srv.stdout.readline()
    time.sleep(1.0)  # let the capture start
    snd = subprocess.run(["ip", "netns", "exec", NS_A, sys.executable, "-c", SENDER, ADDR_A, ADDR_B],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    subprocess.run(["ip", "netns", "exec", NS_A, "ping", "-c", "3", "-i", "0.2", ADDR_B],
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    srv.wait(timeout=10)
    time.sleep(1.5)
    k.send_signal(signal.SIGINT)
    try:
        _, err = k.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        k.kill()
        suite.result("stops_on_sigint", False, "kenchi did not stop within 20 s of SIGINT")
        return
    suite.result("stops_on_sigint", k.returncode == 0, "exit %d: %s" % (k.returncode, err.decode()[-400:]))
    if not suite.result("traffic_sent", snd.returncode == 0, snd.stderr.decode()[-400:]):
        return
    events = [json.loads(l) for l in open(eve)]
    fl = kntest.flows(events)
    udp = [f for f in fl if f["proto"] == "UDP" and f.get("dest_port") == 5353]
    suite.result("udp_flow", len(udp) == 1 and udp[0]["flow"]["pkts_toserver"] == 5
                 and udp[0]["src_ip"] == ADDR_A and udp[0]["src_port"] == 40001,
                 "UDP flows: %s" % udp)
    tcp = [f for f in fl if f["proto"] == "TCP" and f.get("dest_port") == 8080]
    ok = (len(tcp) == 1 and tcp[0]["src_ip"] == ADDR_A and tcp[0]["tcp"].get("syn")
          and tcp[0]["tcp"].get("fin") and tcp[0]["flow"]["pkts_toclient"] >= 3)
    suite.result("tcp_flow", ok, "TCP flows: %s" % tcp)
    icmp = [f for f in fl if f["proto"] == "ICMP" and f["icmp_type"] == 8]
    suite.result("icmp_flow", len(icmp) == 1 and icmp[0]["flow"]["pkts_toserver"] == 3
                 and icmp[0]["flow"]["pkts_toclient"] == 3, "ICMP echo flows: %s" % icmp)
    # Nothing listens on UDP 5353 in the namespace: each datagram draws a
    # port unreachable, which is a one-way ICMP flow of its own.
    unreach = [f for f in fl if f["proto"] == "ICMP" and f["icmp_type"] == 3]
    suite.result("icmp_unreachable", len(unreach) == 1 and unreach[0]["icmp_code"] == 3
                 and unreach[0]["flow"]["pkts_toserver"] == 5 and unreach[0]["src_ip"] == ADDR_B,
                 "ICMP unreachable flows: %s" % unreach)
    st = kntest.final_stats(events)
    cap = st.get("capture", {})
    total = sum(f["flow"]["pkts_toserver"] + f["flow"]["pkts_toclient"] for f in fl)
    suite.result("capture_counters", cap.get("kernel_packets", 0) >= total > 0
                 and cap.get("kernel_drops") == 0,
                 "capture stats %s, packets in flows %d" % (cap, total))
    periodic = [e for e in events if e.get("event_type") == "stats" and not e["stats"].get("final")]
    suite.result("periodic_stats", len(periodic) >= 1, "no periodic stats event in %d s" % 3)


if __name__ == "__main__":
    main()
