#!/usr/bin/env bash
# Builds kenchi twice (optimised, and ASan+UBSan with allocation-failure
# injection), runs every test in both, runs each libFuzzer target briefly on
# its seed corpus, and ends with the line "N passed, N failed, N skipped".
# Tests that need ../shared/data skip with a message when it is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
jobs=$(nproc)
# Results of an earlier run must not be counted again.
rm -f build*.test.log build*/meson-logs/testlog.json
# The tests on ../shared/data read mix.pcap unpacked (once) in /tmp.
mix_gz=../shared/data/bench/mix.pcap.gz
if [ -f "$mix_gz" ] && [ ! -s /tmp/kenchi-mix.pcap ]; then
	gunzip -c "$mix_gz" >/tmp/kenchi-mix.pcap.tmp && mv /tmp/kenchi-mix.pcap.tmp /tmp/kenchi-mix.pcap
	rm -f /tmp/kenchi-mix10.pcap
fi
fail_setup=0
setup() { # dir, options...
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
	fi
	ninja -C "$dir" -j "$jobs" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; return 1; }
}
setup build || fail_setup=1
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dalloc_faults=true \
	-Dbuildtype=debug || fail_setup=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_odr_violation=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for d in build build-asan; do
	[ -f "$d/build.ninja" ] || continue
	echo "== tests: $d"
	meson test -C "$d" --num-processes "$jobs" --print-errorlogs -t 4 >"$d.test.log" 2>&1
	grep -E "^(Ok|Fail|Skipped|Timeout|Expected)" "$d.test.log" | sed 's/^/   /'
done
if command -v clang >/dev/null; then
	echo "== fuzz smoke (seconds per target: ${KN_FUZZ_SECONDS:-20})"
	if setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debugoptimized \
		--native-file scripts/clang.ini; then
		./scripts/fuzz-smoke.sh build-fuzz "${KN_FUZZ_SECONDS:-20}" >build-fuzz.test.log 2>&1
		cat build-fuzz.test.log | grep -E "^(PASS|FAIL|SKIP) " | sed 's/^/   /'
	else
		fail_setup=1
	fi
fi
python3 scripts/summarize.py build/meson-logs/testlog.json build-asan/meson-logs/testlog.json \
	build-fuzz.test.log --setup-failed "$fail_setup"
