#!/usr/bin/env bash
# Scores kenchi, beside Suricata 7.0.4's reference outputs, on every labelled
# capture of ../shared/data (datasets/shared.json: the labels of its
# READMEs) and writes out/eval-shared.html (ROC/PR plots, per-class and
# per-capture tables) and out/eval-shared.json. Extra arguments go to
# `kenchi eval` (e.g. -d MYDETECTOR.json, --capture 'anomaly__*').
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${KN_SHARED_DATA:-../shared/data}
if [ ! -d "$shared" ]; then
	echo "eval-shared: $shared not found (set KN_SHARED_DATA to the shared data folder)" >&2
	exit 1
fi
./scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
mkdir -p out
./build/src/cli/kenchi eval -b "$shared" \
	-d datasets/detectors/suricata-ref.json -d kenchi \
	--html out/eval-shared.html --json out/eval-shared.json "$@" datasets/shared.json
