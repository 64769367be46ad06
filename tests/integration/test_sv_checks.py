#!/usr/bin/env python3
"""Unit tests of the suricata-verify runner's check evaluation (sv_checks.py)
and rule classification (suricata_verify.py) on hand-written EVE records, check
dicts and rules: each filter operator, nested paths and list indexes,
__len, has-key / not-has-key, count mismatches, per-check requires, stats
checks, the alert/event-type split, the test verdict, the rule option
splitter and the translation of Suricata arguments. Expected values follow
suricata-verify's run.py semantics, worked out by hand below. Needs no
../shared data and no PyYAML.

usage: test_sv_checks.py
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kntest  # noqa: E402
import suricata_verify as sv  # noqa: E402
import sv_checks as sc  # noqa: E402

ALERT = {"event_type": "alert", "src_ip": "10.0.0.1", "src_port": 1234, "dest_port": 80,
         "proto": "TCP", "pcap_cnt": 4,
         "alert": {"signature_id": 2100498, "rev": 7, "severity": 2, "action": "allowed",
                   "signature": "GPL ATTACK_RESPONSE id check returned root",
                   "metadata": {"tag": ["one", "two", "three"]}}}
DNS = {"event_type": "dns", "dns": {"type": "answer", "rrname": "example.com",
                                    "answers": [{"rrtype": "A", "rdata": "93.184.216.34"},
                                                {"rrtype": "A", "rdata": "93.184.216.35"}],
                                    "flags": "8180", "ttl": None}}
FLOW = {"event_type": "flow", "flow": {"age": 2, "bytes_toserver": 99, "alerted": True}}
STATS = {"event_type": "stats", "stats": {"decoder": {"pkts": 42, "ipv4": 40}}}


def raises(fn, *args):
    try:
        fn(*args)
    except sc.CheckError:
        return True
    return False


def test_lookup(s):
    s.result("dotted_path", sc.lookup(ALERT, "alert.signature_id") == 2100498)
    s.result("list_index", sc.lookup(DNS, "dns.answers[1].rdata") == "93.184.216.35")
    s.result("index_past_end_is_absent", sc.lookup(DNS, "dns.answers[2].rdata") is None)
    s.result("missing_key_is_absent", sc.lookup(ALERT, "alert.gid") is None)
    s.result("len_of_list", sc.lookup(ALERT, "alert.metadata.tag.__len") == 3)
    s.result("len_of_string", sc.lookup(DNS, "dns.rrname.__len") == 11)
    s.result("len_of_number_is_minus_1", sc.lookup(FLOW, "flow.age.__len") == -1)
    s.result("len_of_missing_is_absent", sc.lookup(FLOW, "flow.nope.__len") is None)
    s.result("operator_ends_path", sc.lookup(FLOW, "flow.age.__gt") == 2)
    s.result("through_number_errors", raises(sc.lookup, FLOW, "flow.age.x"))
    # run.py: "x" in ["one","two","three"] is False -> absent, no error.
    s.result("through_list_without_name", sc.lookup(ALERT, "alert.metadata.tag.x") is None)
    s.result("through_list_with_name_errors", raises(sc.lookup, ALERT, "alert.metadata.tag.two"))
    s.result("index_on_object_is_absent", sc.lookup(ALERT, "alert[0]") is None)


def test_match(s):
    m = sc.match_record
    s.result("exact_values", m({"event_type": "alert", "alert.signature_id": 2100498,
                                "dest_port": 80}, ALERT))
    s.result("int_vs_string_differs", not m({"dest_port": "80"}, ALERT))
    s.result("int_equals_float", m({"flow.age": 2.0}, FLOW))
    s.result("list_value_exact", m({"alert.metadata.tag": ["one", "two", "three"]}, ALERT))
    s.result("has_key", m({"has-key": "alert.rev"}, ALERT) and not m({"has-key": "flow"}, ALERT))
    s.result("has_key_list", m({"has-key": ["alert.rev", "src_ip"]}, ALERT)
             and not m({"has-key": ["alert.rev", "tx_id"]}, ALERT))
    s.result("not_has_key", m({"not-has-key": "flow"}, ALERT)
             and not m({"not-has-key": ["flow", "alert"]}, ALERT))
    s.result("null_value_is_missing", m({"not-has-key": "dns.ttl"}, DNS))
    s.result("find", m({"alert.signature.__find": "id check"}, ALERT)
             and not m({"alert.signature.__find": "ID CHECK"}, ALERT))
    s.result("startswith_endswith", m({"alert.signature.__startswith": "GPL ",
                                       "alert.signature.__endswith": "root"}, ALERT)
             and not m({"alert.signature.__startswith": "ET "}, ALERT))
    s.result("contains_list_member", m({"alert.metadata.tag.__contains": "two"}, ALERT)
             and not m({"alert.metadata.tag.__contains": "tw"}, ALERT))
    s.result("contains_substring", m({"dns.rrname.__contains": "ample"}, DNS))
    s.result("numeric_operators", m({"flow.age.__gte": 2, "flow.age.__lte": 2,
                                     "flow.bytes_toserver.__lt": 100,
                                     "flow.bytes_toserver.__gt": 98}, FLOW)
             and not m({"flow.age.__gt": 2}, FLOW) and not m({"flow.age.__lt": 2}, FLOW))
    s.result("operator_bool_never_matches", not m({"flow.alerted.__gte": 0}, FLOW))
    s.result("operator_string_never_matches", not m({"dns.flags.__gt": 1}, DNS))
    s.result("operator_missing_never_matches", not m({"flow.nope.__gt": 1}, FLOW))
    # The first failing key ends the test: the __find on a missing field
    # after it is never evaluated (run.py would raise there).
    s.result("first_failing_key_stops", not m({"event_type": "dns",
                                               "dns.nope.__find": "x"}, ALERT))
    s.result("find_on_missing_errors", raises(m, {"dns.nope.__find": "x"}, ALERT))
    s.result("startswith_on_number_errors", raises(m, {"flow.age.__startswith": "2"}, FLOW))


def test_filters(s):
    eve = {"records": [ALERT, dict(ALERT, pcap_cnt=9), DNS, FLOW, STATS], "error": None}
    r = sc.eval_filter({"count": 2, "match": {"event_type": "alert"}}, eve)
    s.result("count_pass", r["status"] == "pass" and r["got"] == 2 and r["category"] == "alert")
    r = sc.eval_filter({"count": 1, "match": {"event_type": "alert",
                                              "pcap_cnt.__gt": 3}}, eve)
    s.result("count_mismatch", r["status"] == "fail" and r["why"] == "expected 1, got 2", r["why"])
    r = sc.eval_filter({"count": 0, "match": {"event_type": "http"}}, eve)
    s.result("count_zero_pass", r["status"] == "pass" and r["category"] == "http")
    r = sc.eval_filter({"count": 1, "filename": "rules.json", "match": {"id": 1}}, eve)
    s.result("other_file_not_applicable", r["status"] == "na")
    r = sc.eval_filter({"count": 1, "match": {"event_type": "alert"}},
                       {"records": [], "error": "no eve.json written"})
    s.result("missing_eve_is_error", r["status"] == "error")
    r = sc.eval_filter({"count": 1, "match": {"flow.age.x": 1}}, eve)
    s.result("raising_filter_is_error", r["status"] == "error" and "not an object" in r["why"])
    r = sc.eval_stats({"decoder.pkts": 42, "decoder.ipv4.__gte": 40}, eve)
    s.result("stats_pass", r["status"] == "pass")
    r = sc.eval_stats({"decoder.pkts": 41}, eve)
    s.result("stats_fail", r["status"] == "fail" and "got 42" in r["why"])
    r = sc.eval_stats({"decoder.pkts": 42, "decoder.vntag": 1}, eve)
    s.result("stats_unknown_counter_na", r["status"] == "na" and "decoder.vntag" in r["why"])


def test_categories_and_checks(s):
    cat = sc.filter_category
    s.result("category_alert", cat({"event_type": "alert"}) == "alert")
    s.result("category_alert_key", cat({"alert.signature_id": 1}) == "alert")
    s.result("category_drop_with_alert_key", cat({"event_type": "drop",
                                                  "alert.signature_id": 1}) == "alert")
    s.result("category_has_key_alert", cat({"has-key": ["alert.rule"]}) == "alert")
    s.result("category_dns", cat({"event_type": "dns", "dns.type": "query"}) == "dns")
    s.result("category_none", cat({"src_ip": "10.0.0.1"}) == "")
    eve = {"records": [ALERT, FLOW, STATS], "error": None}
    checks = [{"filter": {"count": 1, "match": {"event_type": "alert"}}},
              {"filter": {"count": 5, "requires": {"min-version": "8.0.0"},
                          "match": {"event_type": "alert"}}},
              {"filter": {"count": 1, "requires": {"lt-version": 8},
                          "match": {"event_type": "flow"}}},
              {"filter": {"count": 1, "requires": {"features": ["HAVE_JA3"]},
                          "match": {"event_type": "tls"}}},
              {"shell": {"args": "grep x fast.log"}},
              {"stats": {"decoder.pkts": 42}}]
    r = sc.evaluate_checks(checks, eve)
    got = [(c["n"], c["status"]) for c in r]
    want = [(1, "pass"), (2, "skip"), (3, "pass"), (4, "skip"), (5, "na"), (6, "pass")]
    s.result("evaluate_checks", got == want, str(got))
    s.result("versions", sc.version_ok("min-version", "7.0.0") and
             not sc.version_ok("min-version", 8) and sc.version_ok("lt-version", 8.0)
             and sc.version_ok("gt-version", "6.0.11") and sc.version_ok("version", 7)
             and not sc.version_ok("version", "7.0.5") and not sc.version_ok("lt-version", "7.0.4"))


def test_verdict(s):
    def t(checks, rc=0, want=0):
        d = {"checks": checks, "exit_code": rc, "expected_exit": want, "stderr": ["boom"],
             "why": ""}
        sv.judge(d)
        return d
    ok = {"n": 1, "category": "alert", "status": "pass", "why": ""}
    bad = {"n": 2, "category": "alert", "status": "fail", "why": "expected 1, got 0",
           "match": {"alert.signature_id": 5}}
    dns_bad = {"n": 3, "category": "dns", "status": "fail", "why": "expected 1, got 0"}
    s.result("verdict_pass", t([ok, dns_bad])["verdict"] == "pass")
    d = t([ok, bad])
    s.result("verdict_alert_fail", d["verdict"] == "fail" and
             d["why"] == 'check #2 expected 1, got 0: alert.signature_id=5', d["why"])
    s.result("verdict_unjudged", t([dns_bad])["verdict"] == "unjudged")
    d = t([], rc=0, want=1)
    s.result("verdict_exit_code", d["verdict"] == "fail" and d["why"] == "exit 0, expected 1: boom")
    s.result("verdict_timeout", t([ok], rc=None)["why"].startswith("timeout"))


def test_rules(s):
    opts = sv.split_options(' msg:"a;b"; content:"x\\;y"; pcre:"/\\"q;/"; sid:1; rev:2 ')
    s.result("split_options", opts == ['msg:"a;b"', 'content:"x\\;y"', 'pcre:"/\\"q;/"',
                                       "sid:1", "rev:2"], str(opts))
    proto, kws = sv.rule_parts('alert http $HOME_NET any -> any any (msg:"m"; http.uri; '
                               'content:"/a"; sid:3;)')
    s.result("rule_parts", proto == "http" and kws == ["msg", "http.uri", "content", "sid"])
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "test.rules")
        with open(path, "w") as f:
            f.write('# alert tcp any any -> any any (msg:"off"; flowint:x,+,1; sid:9;)\n\n'
                    'alert tcp any any -> any any (msg:"one"; \\\n'
                    '    content:"A"; dataset:isset,x; sid:1;)\n'
                    'alert smb any any -> any any (msg:"two"; sid:2;)\n'
                    'alert dns any any -> any any (dns_query; content:"x"; sid:3;)\n')
        n, outside = sv.rules_scope(path)
        s.result("rules_scope", n == 3 and outside == ["dataset", "proto:smb"], str((n, outside)))
        rules = sv.read_rules(path)
        s.result("continuation_line", rules[0][0] == 3 and "dataset" in rules[0][1])
    out, mapped, ignored = sv.translate_args(
        ["-k", "none", "port", "22", "--set", "stream.midstream=true", "--simulate-ips",
         "--set", "stream.reassembly.depth=1mb", "--runmode=single", "--set", "a.b=c"])
    s.result("translate_args", out == ["-k", "none", "--midstream", "--stream-depth",
                                       "1048576"] and
             ignored == ["port 22", "--simulate-ips", "--runmode=single", "--set a.b=c"]
             and len(mapped) == 3, str((out, ignored, mapped)))
    layers = "--set app-layer.protocols.http.libhtp.default-config.response-body-" \
             "decompress-layer-limit="
    out, mapped, ignored = sv.translate_args(
        ["--set", "threshold-file=/t/threshold.config", "--set", "stream.midstream=false",
         "-k", "auto"] + (layers + "2").split() + (layers + "0").split())
    s.result("translate_args_more", out == ["--threshold-file", "/t/threshold.config",
                                            "--http-decompress-layers", "2"] and
             ignored == ["-k auto", layers + "0"] and len(mapped) == 3,
             str((out, ignored, mapped)))
    s.result("size_bytes", sv.size_bytes("0") == 0 and sv.size_bytes("100kb") == 102400
             and sv.size_bytes("2 MiB") == 2097152 and sv.size_bytes("lots") is None)
    # exception policies: stream.midstream-policy wins, else the master
    # switch, whose auto is drop-flow (kenchi: bypass) in IPS mode only
    mp = sv.midstream_policy
    s.result("midstream_policy",
             mp({"stream.midstream-policy": "pass-flow", "exception-policy": "bypass"}, False)
             == "pass-flow" and mp({"exception-policy": "auto"}, True) == "bypass" and
             mp({"exception-policy": "auto"}, False) is None and
             mp({"exception-policy": "auto", "stream.midstream": "true"}, True) is None and
             mp({"stream.midstream-policy": "reject"}, False) == "bypass" and
             mp({"stream.midstream-policy": "drop-packet"}, True) is None and mp({}, True) is None)
    out, mapped, ignored = sv.translate_args(
        ["--set", "stream.async-oneside=true", "--set", "vlan.use-for-tracking=false",
         "--set", "stream.midstream-policy=ignore"])
    s.result("translate_args_stream", out == ["--async-oneside", "--no-vlan-tracking"] and
             not ignored and len(mapped) == 2, str((out, ignored, mapped)))


def main():
    s = kntest.Suite("sv_checks")
    for fn in (test_lookup, test_match, test_filters, test_categories_and_checks,
               test_verdict, test_rules):
        fn(s)
    s.exit()


if __name__ == "__main__":
    main()
