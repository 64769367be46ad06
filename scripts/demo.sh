#!/usr/bin/env bash
# The embedded default: installs what is needed, builds kenchi, generates a
# demo capture with the project's own traffic builder (web, DNS, TLS and SSH
# sessions, a TCP port scan, fragmented and tunnelled packets, malformed
# headers) and runs the sensor on it with the sample vulnerability feed and
# the demo rules (rules/demo.rules).
# Events land in out/eve.json.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
mkdir -p out
./build/tests/builder/gen_demo out/demo.pcap
rm -f out/eve.json
./build/src/cli/kenchi run -r out/demo.pcap -l out --vuln-feed feeds/sample-nvd.json \
	-S rules/demo.rules "$@"
echo
echo "events in out/eve.json by type:"
python3 - <<'PY'
import collections, json
c = collections.Counter(json.loads(l)["event_type"] for l in open("out/eve.json"))
for k, v in sorted(c.items()):
    print("  %-8s %d" % (k, v))
shown = set()
for l in open("out/eve.json"):
    t = json.loads(l)["event_type"]
    e = json.loads(l)
    if t == "anomaly" and e["anomaly"]["type"] == "detector":
        t = "anomaly (detector)"
    if t in ("flow", "dns", "http", "tls", "ssh", "vuln", "alert", "anomaly (detector)") and t not in shown:
        shown.add(t)
        print("\nfirst %s event:\n  %s" % (t, l.strip()))
PY
