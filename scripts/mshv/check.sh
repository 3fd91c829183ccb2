#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything a submission must pass.  Runs every stage even when an earlier
# one fails, so that one run shows every problem, and fails if any did:
# the KUnit suites, the static checks, the selftests and the demo VMM in
# QEMU, the documentation build, the DKMS build and the patch series.
source "$(dirname "$0")/common.sh"

failed=()
start=$SECONDS
# Each stage is "name script [argument]".
stages=(
	"kunit kunit"
	"static static"
	"selftests selftests"
	"demo selftests demo"
	"docs docs"
	"dkms dkms"
	"patches patches"
)
for s in "${stages[@]}"; do
	read -r stage script arg <<<"$s"
	t=$SECONDS
	msg "== $stage"
	bash "$MSHV_REPO/scripts/mshv/$script.sh" ${arg:+"$arg"} || failed+=("$stage")
	msg "== $stage: $((SECONDS - t))s"
done
msg "check: $((SECONDS - start))s"
[[ ${#failed[@]} -eq 0 ]] || die "check failed: ${failed[*]}"
msg "check: all passed"
