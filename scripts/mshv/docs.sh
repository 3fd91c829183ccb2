#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the documentation books that hold our pages (userspace-api and
# virt) with Sphinx, out of tree, and check the uapi header's kernel-doc.
#
# Any warning about one of our files fails the run.  Warnings about the
# rest of the kernel's documentation are not ours to fix: they are
# counted, and listed in the log.  The rendered pages are checked too:
# each of our sections and the structs pulled from the header must be
# there, with no reST error left in the HTML.
source "$(dirname "$0")/common.sh"

# The books to build: the narrowest set that holds both of our pages.
SPHINXDIRS="userspace-api virt"

# Our files, as Sphinx and kernel-doc name them in warnings.
ours_re='(Documentation/userspace-api/mshv\.rst|Documentation/virt/hyperv/mshv_root\.rst|include/uapi/linux/mshv\.h|Documentation/userspace-api/index\.rst|Documentation/virt/hyperv/index\.rst|Documentation/userspace-api/ioctl/ioctl-number\.rst)'
# What a diagnostic line of Sphinx, docutils or kernel-doc looks like.
diag_re='(WARNING|ERROR|SEVERE|CRITICAL|[Ww]arning:|[Ee]rror:)'

command -v sphinx-build >/dev/null ||
	die "sphinx-build missing: run 'make deps'"

fail=0
out=$MSHV_CACHE/build/$(kernel_version)/docs
log=$out/sphinx.log
mkdir -p "$out"

# kernel-doc on the header, every warning enabled.
msg "kernel-doc -none -Wall include/uapi/linux/mshv.h"
kdoc=$("$MSHV_KSRC/scripts/kernel-doc" -none -Wall \
	"$MSHV_KSRC/include/uapi/linux/mshv.h" 2>&1) || true
if [[ -n $kdoc ]]; then
	printf '%s\n' "$kdoc" >&2
	msg "kernel-doc: findings in include/uapi/linux/mshv.h"
	fail=1
fi

# Sphinx reads again only what changed since its last run, so it would
# not repeat a warning about one of our files that did not change: make
# it read ours every time.  (Only their mtime changes.)
for f in Documentation/userspace-api/mshv.rst \
	 Documentation/virt/hyperv/mshv_root.rst \
	 Documentation/userspace-api/index.rst \
	 Documentation/virt/hyperv/index.rst \
	 Documentation/userspace-api/ioctl/ioctl-number.rst; do
	touch -c "$MSHV_KSRC/$f"
done

msg "htmldocs SPHINXDIRS=\"$SPHINXDIRS\" (log: $log)"
if ! make -C "$MSHV_KSRC" O="$out" -j"$MSHV_JOBS" htmldocs \
	SPHINXDIRS="$SPHINXDIRS" >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "htmldocs failed"
fi

ours=$(grep -E "$diag_re" "$log" | grep -E "$ours_re" || true)
others=$(grep -E "$diag_re" "$log" | grep -cvE "$ours_re" || true)
if [[ -n $ours ]]; then
	printf '%s\n' "$ours" >&2
	msg "Sphinx: warnings in our files"
	fail=1
fi
msg "Sphinx: $others warning(s) in this run from other kernel documents, not ours (see $log)"

# The pages must hold what we wrote, and docutils must have had nothing
# to complain about in them.
html=$out/Documentation/output
check_html() {
	local page=$1 want
	shift

	if [[ ! -f $html/$page ]]; then
		msg "missing $html/$page"
		fail=1
		return
	fi
	if grep -qE 'class="(system-message|problematic)"' "$html/$page"; then
		msg "$page: reST errors rendered into the page"
		fail=1
	fi
	for want in "$@"; do
		if ! grep -qF -- "$want" "$html/$page"; then
			msg "$page: no \"$want\""
			fail=1
		fi
	done
}
check_html userspace-api/mshv.html \
	'MSHV_CREATE_PARTITION' 'MSHV_SET_GUEST_MEMORY' 'MSHV_RUN_VP' \
	'MSHV_ROOT_HVCALL' 'MSHV_VP_TRANSLATE_GVA' 'Hypervisor status codes' \
	'mshv_create_partition_v2' 'mshv_user_mem_region' 'mshv_root_hvcall' \
	'mshv_get_set_vp_state' 'mshv_translate_gva' 'mshv_run_vp'
check_html virt/hyperv/mshv_root.html \
	'Scheduler and role' 'Memory regions' 'Lock order' 'SynIC, doorbells, irqfds' \
	'fake hypervisor' 'tools/testing/selftests/mshv'
# Reachable from the books' tables of contents.
check_html userspace-api/index.html 'mshv.html'
check_html virt/hyperv/index.html 'mshv_root.html'

[[ $fail -eq 0 ]] || die "documentation checks failed"
msg "docs: $html/userspace-api/mshv.html"
msg "docs: $html/virt/hyperv/mshv_root.html"
echo "$html"
