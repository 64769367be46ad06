#!/usr/bin/python3
"""suricata-verify runner for kenchi: runs kenchi on the tests of
../shared/data/suricata-verify (a capture, a rules file and a test.yaml of
expected EVE records per test) and judges its output as suricata-verify's
own run.py judges Suricata's, then reports how far kenchi's signature engine
agrees with Suricata 7.0.4.

For each test directory: the capture and rules file are found as run.py
finds them, the test.yaml `args` (Suricata options) are translated to
kenchi's where there is an equivalent and recorded as ignored otherwise,
kenchi runs with a timeout (`kenchi run -r PCAP -l OUT -S RULES
--strict-rules ...`, cwd = the test directory), and every check is
evaluated with run.py's semantics (see match_record / lookup). A test
"passes" when kenchi's exit code is the expected one and every ALERT filter
passes; filters on other event types are evaluated apart, per type. Tests
are classed by their rules: "in scope" when every rule uses only the
keywords and protocols of issue 6 (SCOPE_KEYWORDS, SCOPE_PROTOS), else
"out of scope", and "no rules" when the test loads none.

The check semantics live in sv_checks.py (no YAML nor data needed;
test_sv_checks.py tests both files); test.yaml needs PyYAML, which only
Debian's /usr/bin/python3 has.

usage: suricata_verify.py KENCHI [--sv-dir DIR] [--filter SUBSTR]... [-j N]
           [--timeout S] [--json FILE] [--keep DIR] [--failures N]
"""
import argparse
import collections
import concurrent.futures
import glob
import json
import os
import re
import shutil
import string
import struct
import subprocess
import sys
import tempfile
import time

from sv_checks import evaluate_checks, read_eve, unmet_requirement, version_ok

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SV = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data",
                                           "suricata-verify"))

# Issue 6's keywords, with the legacy names Suricata 7 accepts for them.
SCOPE_KEYWORDS = set("""
msg sid rev gid classtype priority reference metadata target content nocase depth offset
distance within startswith endswith fast_pattern rawbytes isdataat pcre byte_test byte_jump
byte_extract byte_math dsize bsize urilen flow flowbits threshold detection_filter ttl id
ipopts fragbits flags seq ack window itype icode icmp_id icmp_seq noalert app-layer-event
http.uri http.raw_uri http.uri.raw http.method http.host http.user_agent http.header
http.cookie http.request_body http.stat_code http.response_body file.data dns.query tls.sni
tls.cert_subject tls.cert_issuer ja3.hash ja3s.hash ja4.hash ssh.software ssh.proto
uricontent http_uri http_raw_uri http_method http_host http_user_agent http_header
http_cookie http_client_body http_stat_code http_server_body file_data dns_query tls_sni
tls_cert_subject tls_cert_issuer ja3_hash ja3s_hash ssh_software ssh_proto
""".split())
# Rule protocols kenchi decodes or parses (a rule on another application
# protocol cannot fire whatever its keywords).
SCOPE_PROTOS = set("""
ip ipv4 ip4 ipv6 ip6 tcp udp icmp icmpv4 icmpv6 pkthdr tcp-pkt tcp-stream http http1 tls ssl
dns ssh smtp dhcp
""".split())
# Event types kenchi logs: non-alert filters on other types are not applicable.
KENCHI_EVENT_TYPES = {"dns", "http", "tls", "flow", "fileinfo", "smtp", "ssh", "dhcp",
                      "anomaly"}


# ------------------------------------------------------------ rules

def read_rules(path):
    """The rules of a file (continuation lines joined, comments and blank
    lines dropped) as (line number, text)."""
    out, cur, start = [], "", 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for i, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if not cur:
                start = i
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
            if line.endswith("\\"):
                cur += line[:-1]
                continue
            out.append((start, cur + line))
            cur = ""
    if cur:
        out.append((start, cur))
    return out


def split_options(body):
    """Rule options split on ';' outside double quotes, '\\' escaping."""
    opts, cur, quoted, esc = [], [], False, False
    for ch in body:
        if esc:
            esc = False
        elif ch == "\\":
            esc = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            opts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    opts.append("".join(cur).strip())
    return [o for o in opts if o]


def rule_parts(text):
    """(protocol, [keyword...]) of one rule as written."""
    head, _, rest = text.partition("(")
    body = rest[:rest.rfind(")")] if ")" in rest else rest
    words = head.split()
    proto = words[1].lower() if len(words) > 1 else ""
    return proto, [o.split(":", 1)[0].strip() for o in split_options(body)]


def rules_scope(path):
    """Rule count and what puts a rules file out of scope: sorted keywords
    and 'proto:X' items outside issue 6's list."""
    outside, n = set(), 0
    for _, text in read_rules(path):
        n += 1
        proto, kws = rule_parts(text)
        if proto and proto not in SCOPE_PROTOS:
            outside.add("proto:" + proto)
        outside.update(k for k in kws if k not in SCOPE_KEYWORDS)
    return n, sorted(outside)


# ------------------------------------------------------------ tests

def discover(sv_dir, filters):
    """Test directories (holding test.yaml; not descended further), sorted,
    as paths relative to tests/, kept when a filter is a substring."""
    root = os.path.join(sv_dir, "tests")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        if "test.yaml" in filenames:
            dirnames[:] = []
            rel = os.path.relpath(dirpath, root)
            if not filters or any(f in rel for f in filters):
                found.append(rel)
        dirnames.sort()
    return sorted(found)


def resolve_pcap(tdir, cfg):
    """The capture run.py would pass, None when the test has none; raises
    ValueError for what run.py rejects."""
    if "pcap" in cfg:
        if not cfg["pcap"]:
            return None
        path = os.path.join(tdir, str(cfg["pcap"]))
        if not os.path.exists(path):
            raise ValueError("pcap %s does not exist" % cfg["pcap"])
        return os.path.realpath(path)
    pcaps = glob.glob(os.path.join(tdir, "*.pcap")) + glob.glob(os.path.join(tdir, "*.pcapng"))
    if len(pcaps) > 1:
        raise ValueError("more than one pcap in the directory")
    return pcaps[0] if pcaps else None


def resolve_rules(tdir, cfg):
    """The rules file run.py would load with -S, or None; raises ValueError
    (rejected by run.py) or LookupError (Suricata 8 firewall mode)."""
    if "rules" in cfg:
        if not cfg["rules"]:
            return None
        path = os.path.join(tdir, str(cfg["rules"]))
        if not os.path.exists(path):
            raise ValueError("rules file %s does not exist" % cfg["rules"])
        rules = [os.path.realpath(path)]
    else:
        rules = sorted(glob.glob(os.path.join(tdir, "*.rules")))
    if not rules:
        return None
    if len(rules) > 1 or rules[0].endswith("firewall.rules"):
        if any(r.endswith("firewall.rules") for r in rules):
            raise LookupError("firewall rules (Suricata 8 firewall mode)")
        raise ValueError("more than one rules file")
    base = os.path.basename(rules[0])
    if base.startswith("min") and not version_ok("min-version", base[3:-6]):
        return None
    return rules[0]


def size_bytes(text):
    """Suricata size ('0', '1mb', '100 KiB') in bytes, or None."""
    m = re.match(r"^\s*(\d+)\s*([kmg]?)i?b?\s*$", str(text).lower())
    if not m:
        return None
    return int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2)]


def map_setting(key, value, out, mapped):
    """A Suricata setting (--set or the test's suricata.yaml) kenchi has an
    option for: appends the option to `out`; False when it has none."""
    if key == "stream.midstream":
        if str(value).lower() in ("true", "yes", "1", "on"):
            out.append("--midstream")
        mapped.append("stream.midstream=%s" % value)
        return True
    if key == "vlan.use-for-tracking" and str(value).lower() in ("false", "no", "0", "off"):
        out.append("--no-vlan-tracking")
        mapped.append("vlan.use-for-tracking=%s" % value)
        return True
    if key == "stream.async-oneside":
        if str(value).lower() in ("true", "yes", "1", "on"):
            out.append("--async-oneside")
        mapped.append("stream.async-oneside=%s" % value)
        return True
    if key == "packet-alert-max" and str(value).isdigit():
        out += ["--packet-alert-max", str(value)]
        mapped.append("packet-alert-max=%s" % value)
        return True
    if key == "outputs.eve-log.alert.verdict":
        out.append("--alert-verdict")
        mapped.append("eve-log alert verdict: yes")
        return True
    if key in ("stream.midstream-policy", "exception-policy"):
        return True   # resolved with the others by midstream_policy()
    if key == "stream.reassembly.depth" and size_bytes(value) is not None:
        out += ["--stream-depth", str(size_bytes(value))]
        mapped.append("stream.reassembly.depth=%s" % value)
        return True
    if key == "threshold-file":
        out += ["--threshold-file", str(value)]
        mapped.append("threshold-file=%s" % value)
        return True
    if key in ("app-layer.protocols.http.libhtp.default-config.response-body-limit",
               "app-layer.protocols.http.libhtp.default-config.request-body-limit"):
        n = size_bytes(value)
        if n is None or not 0 < n <= 64 << 20:
            return False
        out += ["--http-body-limit", str(n)]
        mapped.append("%s=%s" % (key, value))
        return True
    if key == "app-layer.protocols.http.libhtp.default-config.lzma-enabled":
        if str(value).lower() in ("true", "yes", "1", "on"):
            out.append("--http-lzma")
        mapped.append("%s=%s" % (key, value))
        return True
    if key == "app-layer.protocols.http.libhtp.default-config.response-body-decompress-layer-limit":
        try:
            n = int(str(value))
        except ValueError:
            return False
        if 1 <= n <= 8:
            out += ["--http-decompress-layers", str(n)]
            mapped.append("%s=%s" % (key, value))
            return True
        return False
    return key in ("classification-file", "reference-config-file")


def yaml_settings(path):
    """The settings kenchi can honour from a test's suricata.yaml."""
    import yaml
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            doc = yaml.safe_load(f)
    except yaml.YAMLError:
        return {}
    out = {}
    for key in ("stream.midstream", "stream.reassembly.depth", "stream.midstream-policy",
                "exception-policy", "packet-alert-max"):
        node = doc
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            out[key] = node
    if alert_verdict(doc):
        out["outputs.eve-log.alert.verdict"] = True
    return out


def alert_verdict(doc):
    """Whether a suricata.yaml's eve-log alert output has `verdict: yes`."""
    for out in (doc.get("outputs") or []) if isinstance(doc, dict) else []:
        eve = out.get("eve-log") if isinstance(out, dict) else None
        for typ in (eve or {}).get("types") or []:
            alert = typ.get("alert") if isinstance(typ, dict) else None
            if isinstance(alert, dict) and alert.get("verdict") in (True, "yes"):
                return True
    return False


# Suricata's exception policies -> kenchi's --midstream-policy. kenchi is
# passive: a flow Suricata would drop or reject is one the sensor sees no
# more of (bypass); drop-packet / pass-packet act per packet in IPS mode only.
MIDSTREAM_POLICY = {"ignore": None, "pass-flow": "pass-flow", "bypass": "bypass",
                    "drop-flow": "bypass", "reject": "bypass"}


def midstream_policy(settings, ips):
    """The kenchi --midstream-policy for a test's settings ({key: value} of
    --set and its suricata.yaml; --set wins), or None: stream.midstream-policy,
    else the exception-policy master switch, whose 'auto' is drop-flow in
    IPS mode unless midstream pick-up is on, and ignore otherwise."""
    pol = settings.get("stream.midstream-policy")
    if pol is None:
        pol = settings.get("exception-policy")
        midstream = str(settings.get("stream.midstream", "")).lower() in ("true", "yes", "1", "on")
        if str(pol).lower() == "auto":
            pol = "drop-flow" if ips and not midstream else "ignore"
    return MIDSTREAM_POLICY.get(str(pol).lower()) if pol is not None else None


def translate_args(tokens):
    """test.yaml `args` tokens -> (kenchi options, mapped, ignored): each
    option with the bare words after it is one item of `ignored`."""
    out, mapped, ignored = [], [], []
    i = 0
    while i < len(tokens):
        tok, j = tokens[i], i + 1
        while j < len(tokens) and not tokens[j].startswith("-"):
            j += 1
        words = tokens[i:j]
        if tok == "-k" and words[1:2] in (["none"], ["all"]):
            out += ["-k", words[1]]
            mapped.append("-k %s" % words[1])
            words = words[2:]
        elif tok == "--set" and len(words) > 1 and "=" in words[1]:
            key, _, val = words[1].partition("=")
            if map_setting(key, val, out, mapped):
                words = words[2:]
        elif tok == "--init-errors-fatal":
            mapped.append("--init-errors-fatal (--strict-rules)")
            words = words[1:]
        if words:
            ignored.append(" ".join(words))
        i = j
    return out, mapped, ignored


def set_args(tokens):
    """{key: value} of the `--set key=value` tokens."""
    out = {}
    for i, tok in enumerate(tokens[:-1]):
        if tok == "--set" and "=" in tokens[i + 1]:
            key, _, val = tokens[i + 1].partition("=")
            out[key] = val
    return out


def kenchi_features(kenchi):
    """Which of the signature options this kenchi build accepts."""
    try:
        p = subprocess.run([kenchi, "run", "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        text = p.stdout.decode(errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        text = ""
    return {o: bool(re.search(r"(^|[\s,])%s[\s,=]" % re.escape(o), text, re.M))
            for o in ("-S", "--vars", "--classification", "--strict-rules", "--no-detectors")}


def prepare(sv_dir, name, feats, empty_pcap):
    """A test's plan: its class and either a skip reason or the kenchi
    command. Never raises for a malformed test (status 'error')."""
    tdir = os.path.join(sv_dir, "tests", name)
    t = {"name": name, "class": "no rules", "status": "run", "why": "", "mapped": [],
         "ignored": []}
    try:
        import yaml
        with open(os.path.join(tdir, "test.yaml"), "rb") as f:
            cfg = yaml.safe_load(f) or {}
        pcap = resolve_pcap(tdir, cfg)
        rules = resolve_rules(tdir, cfg)
    except LookupError as e:
        return dict(t, status="skipped", why=str(e))
    except Exception as e:  # YAML error, missing file: name the file
        return dict(t, status="error", why="%s/test.yaml: %s" % (name, e))
    t["cfg"], t["rules"], t["expected_exit"] = cfg, rules, cfg.get("exit-code", 0)
    if rules:
        t["n_rules"], t["outside"] = rules_scope(rules)
        t["class"] = "out of scope" if t["outside"] else "in scope"
    reason = unmet_requirement(cfg.get("requires"), True)
    if "command" in cfg:
        reason = "command: the test runs its own Suricata command line"
    if reason:
        return dict(t, status="skipped", why=reason)
    if pcap is None:  # a rule-loading test (`-T`, `pcap: false`)
        pcap = empty_pcap
        t["mapped"] = ["no pcap: an empty capture"]
    env = {"SRCDIR": sv_dir, "TEST_DIR": tdir, "OUTPUT_DIR": "${OUTPUT_DIR}"}
    tokens = []
    for a in cfg.get("args") or []:
        tokens += [w for w in re.split(r"\s", string.Template(str(a)).safe_substitute(env)) if w]
    extra, mapped = [], t["mapped"]
    own_yaml = os.path.join(tdir, "suricata.yaml")
    if os.path.exists(own_yaml):
        for k, v in yaml_settings(own_yaml).items():
            map_setting(k, v, extra, mapped)
        if feats["--vars"]:
            extra += ["--vars", own_yaml]
    opts, m2, ignored = translate_args(tokens)
    extra += opts
    mapped += m2
    ips = "--simulate-ips" in tokens or "ips" in os.path.basename(name)
    if "ips" in os.path.basename(name):
        ignored.append("--simulate-ips (IPS mode: directory name contains 'ips')")
    settings = dict(yaml_settings(own_yaml)) if os.path.exists(own_yaml) else {}
    settings.update(set_args(tokens))
    policy = midstream_policy(settings, ips)
    if policy:
        extra += ["--midstream-policy", policy]
        mapped.append("midstream policy %s -> --midstream-policy %s" % (
            settings.get("stream.midstream-policy", settings.get("exception-policy")), policy))
    if cfg.get("env"):
        ignored.append("env: %s" % ", ".join(map(str, cfg["env"])))
    if rules and not feats["-S"]:
        ignored.append("-S %s (this kenchi has no -S)" % os.path.basename(rules))
    cmd = ["run", "-r", pcap, "-q", "--no-progress", "--stats-interval", "0"]
    cmd += [o for o in ("--no-detectors", "--strict-rules") if feats[o]]
    classification = os.path.join(sv_dir, "etc", "classification.config")
    if feats["--classification"] and os.path.exists(classification):
        cmd += ["--classification", classification]
    if rules and feats["-S"]:
        cmd += ["-S", rules]
    t.update(cmd=cmd + extra, mapped=mapped, ignored=ignored, tdir=tdir)
    return t


def execute(kenchi, t, work, timeout, keep):
    """Runs one prepared test and evaluates its checks in place."""
    out = os.path.join(work, t["name"].replace("/", "__"))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    cmd = [kenchi] + t["cmd"] + ["-l", out]
    env = dict(os.environ, TZ="UTC")
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=t["tdir"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        t["exit_code"], err = p.returncode, p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired:  # run() killed it
        t["exit_code"], err = None, "timed out after %ss (killed)" % timeout
    t["seconds"] = round(time.monotonic() - start, 3)
    t["stderr"] = err.strip().splitlines()[:5]
    t["sanitizer"] = [ln for ln in err.splitlines() if "Sanitizer" in ln or "runtime error:" in ln]
    t["command"] = " ".join(cmd)
    t["checks"] = evaluate_checks(t["cfg"].get("checks"), read_eve(os.path.join(out, "eve.json")))
    for c in t["checks"]:
        if c["kind"] == "filter" and c["category"] not in KENCHI_EVENT_TYPES | {"alert", ""} \
                and c["status"] != "skip":
            c.update(status="na", why="kenchi does not log %s events" % c["category"])
    judge(t)
    if not keep:
        shutil.rmtree(out, ignore_errors=True)


def judge(t):
    """The test's verdict from its exit code and alert checks: pass, fail,
    or unjudged (no alert check and exit code 0 expected)."""
    alert = [c for c in t["checks"] if c["category"] == "alert"
             and c["status"] in ("pass", "fail", "error")]
    t["exit_ok"] = t["exit_code"] == t["expected_exit"]
    bad = [c for c in alert if c["status"] != "pass"]
    if not t["exit_ok"]:
        got = "timeout" if t["exit_code"] is None else "exit %s" % t["exit_code"]
        first = t["stderr"][0] if t["stderr"] else ""
        t["why"] = "%s, expected %s%s" % (got, t["expected_exit"], (": " + first) if first else "")
    elif bad:
        t["why"] = "check #%d %s: %s" % (bad[0]["n"], bad[0]["why"], " ".join(
            "%s=%s" % (k, json.dumps(v)) for k, v in (bad[0].get("match") or {}).items()))
    if not alert and t["expected_exit"] == 0:
        t["verdict"] = "unjudged"
    else:
        t["verdict"] = "pass" if t["exit_ok"] and not bad else "fail"


def expected_counts(sv_dir):
    """TESTS.tsv: {test: (checks passed, checks skipped)} by Suricata 7.0.4."""
    path = os.path.join(sv_dir, "TESTS.tsv")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        rows = [line.rstrip("\n").split("\t") for line in f][1:]
    return {r[0]: (int(r[1]), int(r[2])) for r in rows if len(r) >= 3}


def consistency(tests, expected):
    """Tests whose check counts differ from Suricata's run (TESTS.tsv): the
    runner's own sanity check (skipped checks must be the ones 7.0.4 skipped)."""
    bad = []
    for t in tests:
        if t["name"] not in expected or "checks" not in t:
            continue
        skipped = sum(1 for c in t["checks"] if c["status"] == "skip")
        done = len(t["checks"]) - skipped
        want = expected[t["name"]]
        if (max(done, 1) if not skipped else done, skipped) != want:
            bad.append("%s: %d checks run, %d skipped; Suricata 7.0.4: %d passed, %d skipped" % (
                t["name"], done, skipped, want[0], want[1]))
    return bad


# ------------------------------------------------------------ report

def rate(c):
    """'passed/judged = NN.N%' of a class counter."""
    n = c.get("pass", 0) + c.get("fail", 0)
    ok = c.get("pass", 0)
    return "%d/%d = %s" % (ok, n, "%.1f%%" % (100.0 * ok / n) if n else "-")


def summarize(tests):
    """Per-class and overall figures (also the JSON 'summary')."""
    classes = collections.OrderedDict((c, collections.Counter()) for c in
                                      ("in scope", "out of scope", "no rules"))
    for t in tests:
        c = classes.setdefault(t["class"], collections.Counter())
        c["tests"] += 1
        c[t.get("verdict", t["status"])] += 1
    total = collections.Counter()
    for c in classes.values():
        total.update(c)
    out = {"classes": {k: dict(v) for k, v in classes.items()}, "all": dict(total)}
    for key, c in list(classes.items()) + [("overall", total)]:
        judged = c["pass"] + c["fail"]
        out[key + " pass rate"] = round(100.0 * c["pass"] / judged, 2) if judged else None
    out["executed"] = sum(1 for t in tests if "exit_code" in t)
    out["sanitizer"] = ["%s: %s" % (t["name"], t["sanitizer"][0]) for t in tests
                        if t.get("sanitizer")]
    return out


def by_event_type(tests):
    """Non-alert check results per event type: counts and failing tests."""
    out = {}
    for t in tests:
        for c in t.get("checks", []):
            if c["category"] != "alert":
                e = out.setdefault(c["category"] or "(no event_type)", dict.fromkeys(
                    ("pass", "fail", "error", "na", "skip"), 0))
                e[c["status"]] += 1
                if c["status"] in ("fail", "error"):
                    e.setdefault("failing", []).append("%s #%d: %s" % (t["name"], c["n"], c["why"]))
    return out


def print_report(tests, summary, feats, events, incons, nfail):
    p = print
    p("kenchi options: " + " ".join("%s=%s" % (k, "yes" if v else "no") for k, v in feats.items()))
    cols = ("tests", "skipped", "error", "pass", "fail", "unjudged")
    p("%-14s" % "class" + "".join("%9s" % c for c in cols) + "  alert pass rate")
    for name, c in list(summary["classes"].items()) + [("all", summary["all"])]:
        p("%-14s" % name + "".join("%9d" % c.get(k, 0) for k in cols) + "  " + rate(c))
    p("overall alert pass rate: " + rate(summary["all"]))
    p("in-scope alert pass rate: " + rate(summary["classes"]["in scope"]))
    failing = [t for t in tests if t["class"] == "in scope" and t.get("verdict") == "fail"]
    crashed = [t for t in tests if t.get("verdict") == "unjudged" and not t["exit_ok"]]
    for title, lst in (("failing in-scope tests", failing),
                       ("unjudged tests with an unexpected exit code", crashed)):
        p("\n%s (%d):" % (title, len(lst)))
        for t in lst[:nfail]:
            ign = ("; ignored: " + ", ".join(t["ignored"]))[:100] if t.get("ignored") else ""
            p("  %s [%s%s]: %s" % (t["name"], t["class"], ign, t["why"]))
        if len(lst) > nfail:
            p("  ... %d more (--failures N, or --json)" % (len(lst) - nfail))
    p("\nnon-alert checks by event type (na: kenchi does not log it; stats, shell):")
    p("  %-18s %5s %5s %5s %5s %5s" % ("type", "pass", "fail", "error", "na", "skip"))
    for cat, e in sorted(events.items(), key=lambda kv: -kv[1]["pass"] - kv[1]["fail"]):
        p("  %-18s" % cat + "".join(" %5d" % e[k] for k in ("pass", "fail", "error", "na", "skip")))
    for cat, e in sorted(events.items()):
        for line in e.get("failing", [])[:5]:
            p("    %s: %s" % (cat, line))
        if len(e.get("failing", [])) > 5:
            p("    %s: ... %d more" % (cat, len(e["failing"]) - 5))
    count = collections.Counter
    sections = (
        ("skipped tests by reason", count(t["why"] for t in tests if t["status"] == "skipped")),
        ("runner errors", count("%s: %s" % (t["name"], t["why"]) for t in tests
                                if t["status"] == "error")),
        ("Suricata args ignored (tests)", count(re.sub(r"=.*", "=...", a) for t in tests
                                                for a in t.get("ignored", []))),
        ("out of scope by a single keyword/protocol (tests it alone excludes)",
         count(t["outside"][0] for t in tests if t["class"] == "out of scope"
               and len(t["outside"]) == 1)))
    for title, c in sections:
        if c:
            p("\n%s:" % title)
            for what, n in c.most_common(25):
                p("  %4d  %s" % (n, what))
    if incons:
        p("\nrunner consistency: %d tests' check counts differ from TESTS.tsv:\n  %s" % (
            len(incons), "\n  ".join(incons[:10])))


def run_all(kenchi, sv_dir, names, jobs, timeout, keep):
    """Prepares and runs the tests (`jobs` kenchi processes at a time)."""
    feats = kenchi_features(kenchi)
    work = keep or tempfile.mkdtemp(prefix="kenchi-sv-")
    os.makedirs(work, exist_ok=True)
    empty = os.path.join(work, "empty.pcap")
    with open(empty, "wb") as f:  # pcap file header, Ethernet, no packet
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    tests = [prepare(sv_dir, n, feats, empty) for n in names]
    todo = [t for t in tests if t["status"] == "run"]
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
            for f in [ex.submit(execute, kenchi, t, work, timeout, bool(keep)) for t in todo]:
                f.result()
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    return tests, feats


def run_and_report(kenchi, sv_dir, filters=(), jobs=2, timeout=60, json_path=None, keep=None,
                   failures=1000):
    """Runs the selected tests, prints the report, writes the JSON; returns
    (summary, inconsistencies with TESTS.tsv)."""
    t0 = time.monotonic()
    tests, feats = run_all(kenchi, sv_dir, discover(sv_dir, filters), jobs, timeout, keep)
    summary = summarize(tests)
    summary["seconds"] = round(time.monotonic() - t0, 1)
    events = by_event_type(tests)
    incons = consistency(tests, expected_counts(sv_dir))
    print_report(tests, summary, feats, events, incons, failures)
    print("\n%d tests, %d executed in %.0f s; sanitizer reports: %d %s" % (
        len(tests), summary["executed"], summary["seconds"], len(summary["sanitizer"]),
        "; ".join(summary["sanitizer"][:3])))
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"kenchi": kenchi, "kenchi_options": feats, "summary": summary,
                       "event_types": events, "inconsistent": incons,
                       "tests": [{k: v for k, v in t.items() if k not in ("cfg", "tdir")}
                                 for t in tests]}, f, indent=1, default=str)
    return summary, incons


def have_yaml():
    try:
        import yaml  # noqa: F401
        return True
    except ImportError:
        return False


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kenchi")
    ap.add_argument("--sv-dir", default=DEFAULT_SV, help="suricata-verify data folder")
    ap.add_argument("--filter", action="append", default=[], help="test path substring")
    ap.add_argument("-j", type=int, default=2, help="parallel kenchi runs (default 2)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per test (default 60)")
    ap.add_argument("--json", help="write every result to this file")
    ap.add_argument("--keep", help="keep each test's output under this folder")
    ap.add_argument("--failures", type=int, default=1000, help="failing tests listed")
    a = ap.parse_args(argv)
    if not have_yaml():
        sys.exit("suricata_verify.py: PyYAML is missing: run it with /usr/bin/python3 "
                 "(Debian package python3-yaml)")
    if not os.path.isdir(os.path.join(a.sv_dir, "tests")):
        sys.exit("suricata_verify.py: %s has no tests/ folder (--sv-dir)" % a.sv_dir)
    run_and_report(os.path.abspath(a.kenchi), a.sv_dir, a.filter, a.j, a.timeout, a.json,
                   a.keep and os.path.abspath(a.keep), a.failures)


if __name__ == "__main__":
    main()
