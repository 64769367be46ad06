#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD for SECONDS on its committed seed
# corpus (fuzz/corpus/<target>/) and prints PASS/FAIL per target. New
# inputs go to a scratch directory, never into the committed corpus.
set -uo pipefail
build=$1; secs=${2:-20}
cd "$(dirname "$0")/.."
found=0
for bin in "$build"/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	found=1
	t=$(basename "$bin"); t=${t#fuzz_}
	scratch=$(mktemp -d)
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		"$scratch" "fuzz/corpus/$t" >"$build/fuzz_$t.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz_$t.log" | grep -o '[0-9]*$')
		echo "PASS fuzz.$t ($runs executions in ${secs}s)"
	else
		echo "FAIL fuzz.$t: see $build/fuzz_$t.log"
		tail -30 "$build/fuzz_$t.log"
	fi
	rm -rf "$scratch"
done
[ "$found" = 1 ] || echo "FAIL fuzz: no fuzz targets were built in $build"
