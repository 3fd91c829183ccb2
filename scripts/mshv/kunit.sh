#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the mshv_root KUnit suites as kernel CI does:
#   kunit.py run --arch=x86_64 --kunitconfig=drivers/hv
# in the overlaid tree, with a cached build directory.  Fails on any failed
# test, on no test at all, and on any kernel splat in the console log.
#
# kunit.sh [bench]: the benchmarks (the suites marked slow) instead of the
# tests, with enough guest memory for them; their figures are printed as
# "mshv-bench: NAME=VALUE" lines.
source "$(dirname "$0")/common.sh"

mode=${1:-test}
if [[ $mode == bench ]]; then
	select=(--filter "speed=slow" --qemu_args="-m 4096")
else
	select=(--filter "speed>slow")
fi

cd "$MSHV_KSRC"
# One directory per kernel version: kbuild itself rebuilds what a config
# change touches, and CI keeps reusing the same tree.
out=$MSHV_CACHE/build/$(kernel_version)/kunit
mkdir -p "$out"
json=$out/results.json
rm -f "$json"

status=0
python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig=drivers/hv --build_dir="$out" --jobs="$MSHV_JOBS" \
	--make_options="CC=ccache gcc" --timeout=900 --json="$json" \
	"${select[@]}" || status=$?

[[ -s $json ]] || die "kunit: no results (kunit.py exit $status)"
read -r passed failed skipped < <(python3 - "$json" <<'PY'
import json, sys
counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
def walk(node):
    for sub in node.get("sub_groups", []):
        walk(sub)
    for case in node.get("test_cases", []):
        s = case.get("status", "FAIL")
        counts[s if s in counts else "FAIL"] += 1
walk(json.load(open(sys.argv[1])))
print(counts["PASS"], counts["FAIL"], counts["SKIP"])
PY
)

# A splat fails the run even when every expectation held.
if grep -nE 'WARNING:|BUG:|Oops|Call Trace:|possible recursive locking|inconsistent lock state|circular locking|KASAN|UBSAN|kmemleak' \
	"$out/test.log" 2>/dev/null; then
	msg "kunit: kernel splat in $out/test.log"
	status=1
fi

if [[ $mode == bench ]]; then
	grep -o 'mshv-bench: .*' "$out/test.log" || true
fi
echo "kunit: $passed passed, $failed failed, $skipped skipped"
[[ $passed -gt 0 ]] || die "kunit: ran no test"
[[ $failed -eq 0 && $status -eq 0 ]] || die "kunit: failed"
