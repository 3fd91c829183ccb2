#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything a submission must pass.  Runs every stage even when an earlier
# one fails, so that one run shows every problem, and fails if any did.
source "$(dirname "$0")/common.sh"

failed=()
start=$SECONDS
for stage in kunit static; do
	t=$SECONDS
	msg "== $stage"
	bash "$MSHV_REPO/scripts/mshv/$stage.sh" || failed+=("$stage")
	msg "== $stage: $((SECONDS - t))s"
done
msg "check: $((SECONDS - start))s"
[[ ${#failed[@]} -eq 0 ]] || die "check failed: ${failed[*]}"
msg "check: all passed"
