#!/usr/bin/env bash
# The embedded default: installs what is needed, builds kenchi, generates a
# demo capture with the project's own traffic builder (web and DNS traffic,
# a TCP port scan, fragmented and tunnelled packets, malformed headers) and
# runs the sensor on it. Events land in out/eve.json.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
mkdir -p out
./build/tests/builder/gen_demo out/demo.pcap
rm -f out/eve.json
./build/src/cli/kenchi run -r out/demo.pcap -l out "$@"
echo
echo "events in out/eve.json by type:"
python3 - <<'PY'
import collections, json
c = collections.Counter(json.loads(l)["event_type"] for l in open("out/eve.json"))
for k, v in sorted(c.items()):
    print("  %-8s %d" % (k, v))
print("\nfirst flow event:")
for l in open("out/eve.json"):
    if '"event_type":"flow"' in l:
        print("  " + l.strip()); break
PY
