#!/usr/bin/env python3
"""Integration tests of assets and vulnerabilities (src/vuln) through the
kenchi binary: `kenchi run --vuln-feed feeds/sample-nvd.json` on the demo
capture of the traffic builder (its SSH session to an OpenSSH 7.4 server,
its TLS 1.0 / RC4 / expired self-signed server, its nginx/1.18.0 HTTP
server), the asset and vuln events and their deduplication (the capture
read twice, two workers), runs without a feed, and the errors for feeds
that are missing, malformed or in the wrong schema.

usage: test_vuln.py KENCHI GEN_DEMO SAMPLE_FEED
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kntest  # noqa: E402

S = kntest.Suite("vuln")
TMP = tempfile.mkdtemp(prefix="kenchi-vuln-")


def run(args):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)


def of_type(events, t):
    return [e for e in events if e.get("event_type") == t]


def write(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def case_help_and_errors(kenchi, demo):
    h = run([kenchi, "run", "--help"])
    S.result("help", h.returncode == 0 and b"--vuln-feed FILE" in h.stdout, h.stdout[-300:])
    r = run([kenchi, "run", "-q", "-r", demo, "--vuln-feed"])
    S.result("feed_option_needs_file", r.returncode == 2, r.stderr)
    missing = os.path.join(TMP, "nope.json")
    r = run([kenchi, "run", "-q", "-o", "file:" + os.path.join(TMP, "e.json"), "-r", demo,
             "--vuln-feed", missing])
    err = r.stderr.decode(errors="replace")
    S.result("feed_missing", r.returncode == 1 and missing in err and "No such file" in err, err)
    bad = write("bad.json", '{\n  "vulnerabilities": [\n    {"cve": {"id": "CVE-2020-1", }}\n  ]\n}\n')
    r = run([kenchi, "run", "-q", "-o", "file:" + os.path.join(TMP, "e.json"), "-r", demo,
             "--vuln-feed", bad])
    err = r.stderr.decode(errors="replace")
    S.result("feed_malformed", r.returncode == 1 and (bad + ":3:") in err
             and "invalid JSON" in err and "re-download" in err, err)
    old = write("old.json", '{"CVE_data_type": "CVE", "CVE_Items": []}')
    r = run([kenchi, "run", "-q", "-o", "file:" + os.path.join(TMP, "e.json"), "-r", demo,
             "--vuln-feed", old])
    err = r.stderr.decode(errors="replace")
    S.result("feed_wrong_schema", r.returncode == 1 and old in err and "NVD 1.1" in err
             and "NVD CVE API 2.0" in err, err)
    r = run([kenchi, "run", "-q", "-o", "file:" + os.path.join(TMP, "e.json"), "-r", demo,
             "--vuln-feed", TMP])
    err = r.stderr.decode(errors="replace")
    S.result("feed_directory", r.returncode == 1 and "not a regular file" in err, err)


def one(events, pred):
    hits = [e for e in events if pred(e)]
    return hits[0] if len(hits) == 1 else None


def case_demo(kenchi, demo, feed):
    r = run([kenchi, "run", "--no-progress", "--stats-interval", "0", "-o",
             "file:" + os.path.join(TMP, "summary.json"), "-r", demo, "--vuln-feed", feed])
    err = r.stderr.decode(errors="replace")
    S.result("feed_summary_line", r.returncode == 0
             and "vulnerability feed: 13 CVEs, 17 match rules from 1 file" in err, err[-400:])

    rc, ev, err = kntest.run_kenchi(kenchi, ["-r", demo, "--vuln-feed", feed])
    if not S.result("demo_runs", rc == 0, err[-500:]):
        return None
    assets, vulns = of_type(ev, "asset"), of_type(ev, "vuln")
    srv = one(assets, lambda e: e["asset"]["host"] == "192.168.10.5"
              and e["asset"]["role"] == "server")
    if srv is None:
        S.result("ssh_server_asset", False,
                 "no single server asset for 192.168.10.5 (is the ssh parser reporting "
                 "assets?): %s" % assets)
        return ev
    a = srv["asset"]
    S.result("ssh_server_asset", a == {"host": "192.168.10.5", "port": 22, "role": "server",
                                       "service": "ssh", "product": "openssh", "version": "7.4",
                                       "banner": "SSH-2.0-OpenSSH_7.4"}
             and srv["src_ip"] == "192.168.10.20" and srv["dest_port"] == 22
             and srv["proto"] == "TCP" and "community_id" in srv, srv)
    flow = one(kntest.flows(ev), lambda f: f.get("dest_ip") == "192.168.10.5"
               and f.get("dest_port") == 22 and f.get("src_port") == 50022)
    v = one(vulns, lambda e: e["vuln"]["host"] == "192.168.10.5")
    S.result("ssh_server_vuln", v is not None and flow is not None
             and v["flow_id"] == flow["flow_id"] and v["community_id"] == flow["community_id"]
             and v["vuln"]["kind"] == "software" and v["vuln"]["source"] == "nvd"
             and v["vuln"]["port"] == 22 and v["vuln"]["version"] == "7.4"
             and [c["id"] for c in v["vuln"]["cves"]] == ["CVE-2023-38408", "CVE-2023-48795",
                                                         "CVE-2018-15473"]
             and v["vuln"]["cves"][0] == {"id": "CVE-2023-38408", "score": 9.8,
                                          "severity": "CRITICAL"}
             and v["vuln"]["cves_total"] == 3, v)
    cli = one(vulns, lambda e: e["vuln"]["host"] == "192.168.10.20"
              and e["vuln"]["product"] == "openssh")
    S.result("ssh_client_vuln", cli is not None and cli["vuln"]["role"] == "client"
             and cli["vuln"]["version"] == "9.6" and cli["vuln"]["port"] == 22
             and [c["id"] for c in cli["vuln"]["cves"]] == ["CVE-2024-6387"], cli)
    # No duplicates: one event per distinct asset and per finding.
    keys = [tuple(sorted(e["asset"].items(), key=str)) for e in assets]
    S.result("assets_distinct", len(keys) == len(set(map(str, keys))), assets)
    st = kntest.final_stats(ev).get("vuln", {})
    S.result("stats_vuln", st.get("asset_events") == len(assets)
             and st.get("software", 0) + st.get("weak_tls", 0) == len(vulns)
             and st.get("feed_cves") == 13 and st.get("feed_rules") == 17
             and st.get("evictions") == 0, st)
    case_weak_tls(vulns)
    case_http(assets, vulns)
    return ev


def case_weak_tls(vulns):
    w = [e for e in vulns if e["vuln"]["kind"] == "weak_tls"]
    if not w:
        S.skip("weak_tls", "no weak_tls event: the tls parser reports no asset yet")
        return
    v = one(w, lambda e: e["vuln"]["host"] == "198.51.100.80")
    types = [f["type"] for f in v["vuln"]["findings"]] if v else []
    S.result("weak_tls", v is not None and v["vuln"]["port"] == 443
             and v["vuln"]["source"] == "kenchi"
             and types == ["protocol_deprecated", "weak_cipher", "cert_expired",
                           "cert_self_signed"]
             and v["vuln"]["findings"][0]["protocol"] == "TLSv1"
             and v["vuln"]["findings"][1]["cipher"] == "TLS_RSA_WITH_RC4_128_SHA"
             and v["vuln"]["findings"][2]["not_after"] == "2021-01-01T00:00:00"
             and v.get("vlan") == [100], w)


def case_http(assets, vulns):
    h = [e for e in assets if e["asset"].get("service") == "http"]
    if not h:
        S.skip("http_nginx", "no http asset: the http parser reports none yet")
        return
    v = one(vulns, lambda e: e["vuln"]["host"] == "93.184.216.34")
    S.result("http_nginx", v is not None and v["vuln"]["port"] == 80
             and [c["id"] for c in v["vuln"]["cves"]] == ["CVE-2021-23017"], (h, v))


def bodies(events, t):
    return sorted(str(sorted(e[t].items(), key=str)) for e in of_type(events, t))


def case_dedup_and_workers(kenchi, demo, feed, ev1):
    rc, ev2, err = kntest.run_kenchi(kenchi, ["-r", demo, demo, "--vuln-feed", feed])
    S.result("read_twice_no_repeats", rc == 0 and bodies(ev2, "asset") == bodies(ev1, "asset")
             and bodies(ev2, "vuln") == bodies(ev1, "vuln")
             and kntest.final_stats(ev2)["vuln"]["assets"]
             == 2 * kntest.final_stats(ev1)["vuln"]["assets"],
             "%d/%d assets, %d/%d vulns: %s" % (len(of_type(ev2, "asset")),
                                              len(of_type(ev1, "asset")),
                                              len(of_type(ev2, "vuln")),
                                              len(of_type(ev1, "vuln")), err[-300:]))
    rc, evw, err = kntest.run_kenchi(kenchi, ["-r", demo, "--vuln-feed", feed], workers=2)
    S.result("two_workers_same_events", rc == 0 and bodies(evw, "asset") == bodies(ev1, "asset")
             and bodies(evw, "vuln") == bodies(ev1, "vuln"), err[-300:])
    rc, evn, err = kntest.run_kenchi(kenchi, ["-r", demo])
    S.result("no_feed", rc == 0 and bodies(evn, "asset") == bodies(ev1, "asset")
             and not [e for e in of_type(evn, "vuln") if e["vuln"]["kind"] == "software"]
             and kntest.final_stats(evn)["vuln"]["feed_cves"] == 0, err[-300:])


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        sys.exit(2)
    kenchi, gen_demo, feed = sys.argv[1:4]
    demo = os.path.join(TMP, "demo.pcap")
    g = run([gen_demo, demo])
    if not S.result("gen_demo", g.returncode == 0, g.stderr):
        S.exit()
    case_help_and_errors(kenchi, demo)
    ev = case_demo(kenchi, demo, feed)
    if ev is not None:
        case_dedup_and_workers(kenchi, demo, feed, ev)
    S.exit()


if __name__ == "__main__":
    main()
