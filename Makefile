# SPDX-License-Identifier: GPL-2.0
#
# Front door of mshv_root.  The repository holds only our files, at the
# paths they take in a kernel tree; these targets lay them over a pristine
# Linux 6.12 (Debian's linux-source-6.12, unpacked into $(MSHV_CACHE)) and
# build and test there.  Every target installs what it needs first.
#
#   make kernel    the kernel with CONFIG_MSHV_ROOT=m (MSHV_ROOT=y: built in)
#   make kunit     the KUnit suites, against the fake hypervisor, in QEMU
#   make bench     the benchmarks, printed as "mshv-bench: NAME=VALUE"
#   make static    checkpatch, sparse, coccicheck, W=1, kernel-doc, uapi
#   make demo      the demo VMM runs a guest on the fake backend, in QEMU
#   make selftests the selftests in QEMU (KASAN, lockdep, kmemleak)
#   make docs      the documentation pages, built with Sphinx
#   make dkms      the module built out of tree against Debian's headers
#   make patches   the patch series against pristine 6.12, each one built
#   make check     everything a submission must pass
#
# Variables: MSHV_CACHE (default ~/.cache/mshv) holds the source, build trees
# and ccache; KSRC=/path/to/linux lays our files over that tree instead;
# MSHV_JOBS sets the build parallelism.

MSHV_ROOT ?= m
SCRIPTS := scripts/mshv

.PHONY: all deps tree kernel kunit bench static demo selftests docs dkms \
	patches check clean-cache help

all: kernel

help:
	@sed -n '3,22p' Makefile | sed 's/^# \{0,1\}//'

deps:
	@bash $(SCRIPTS)/deps.sh

tree: deps
	@bash $(SCRIPTS)/tree.sh >/dev/null

kernel: tree
	@case "$(MSHV_ROOT)" in m|y) ;; *) echo "MSHV_ROOT must be m or y" >&2; exit 1;; esac
	@out=$$(bash $(SCRIPTS)/build.sh $(MSHV_ROOT)) && \
	 echo "mshv: kernel: $$out/arch/x86/boot/bzImage" && \
	 { [ "$(MSHV_ROOT)" = y ] || echo "mshv: module: $$out/drivers/hv/mshv_root.ko"; }

kunit: tree
	@bash $(SCRIPTS)/kunit.sh

bench: tree
	@bash $(SCRIPTS)/kunit.sh bench

static: tree
	@bash $(SCRIPTS)/static.sh

demo: tree
	@bash $(SCRIPTS)/selftests.sh demo

selftests: tree
	@bash $(SCRIPTS)/selftests.sh

docs: tree
	@bash $(SCRIPTS)/docs.sh

dkms: deps
	@bash $(SCRIPTS)/dkms.sh

patches: deps
	@bash $(SCRIPTS)/patches.sh

check: tree
	@bash $(SCRIPTS)/check.sh

clean-cache:
	rm -rf "$${MSHV_CACHE:-$$HOME/.cache/mshv}/build"
