# SPDX-License-Identifier: GPL-2.0
# Shared settings for the mshv_root build scripts.  Sourced, not run.
#
# Everything that is expensive to recreate (the unpacked kernel source, the
# build trees, ccache) lives under $MSHV_CACHE, outside the clone, keyed by
# kernel version and configuration so that CI and the next session rebuild
# only what changed.

set -euo pipefail

MSHV_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MSHV_CACHE=${MSHV_CACHE:-${HOME}/.cache/mshv}
MSHV_TARBALL=${MSHV_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
MSHV_JOBS=${MSHV_JOBS:-$(nproc)}

# KSRC: the kernel tree our files are laid over.  By default a pristine copy
# unpacked from Debian's linux-source-6.12 into the cache.  Point it at any
# other 6.12-based tree to build there instead (our files are copied into it).
if [[ -n ${KSRC:-} ]]; then
	MSHV_KSRC=$(cd "$KSRC" && pwd)
	MSHV_KSRC_OWNED=0
else
	MSHV_KSRC=$MSHV_CACHE/src/linux-source-6.12
	MSHV_KSRC_OWNED=1
fi

export CCACHE_DIR=${CCACHE_DIR:-$MSHV_CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
# Kernel objects embed no paths that differ between runs of the same build
# directory, so ccache may hash the compiler by content, not by mtime.
export CCACHE_COMPILERCHECK=content
export KBUILD_BUILD_TIMESTAMP=${KBUILD_BUILD_TIMESTAMP:-2024-11-17}
export KBUILD_BUILD_USER=mshv KBUILD_BUILD_HOST=mshv

# The files of ours that are laid over the kernel tree.
MSHV_OVERLAY_DIRS=(drivers include Documentation tools)

# Only findings in these paths (relative to the kernel tree) are ours.
MSHV_OUR_PATHS_RE='(drivers/hv/(mshv|tests/|Kconfig\.mshv|Makefile\.mshv)|include/hyperv/|include/uapi/linux/mshv\.h|tools/testing/selftests/mshv/|tools/mshv/)'

msg() { printf '\033[1mmshv:\033[0m %s\n' "$*" >&2; }
die() { msg "error: $*"; exit 1; }

kernel_version() {
	make -s -C "$MSHV_KSRC" kernelversion
}

# build_dir NAME FRAGMENT...: a build directory keyed by kernel version,
# configuration name and the content of the fragments that define it.
build_dir() {
	local name=$1 key
	shift
	key=$(cat "$@" | sha256sum | cut -c1-12)
	echo "$MSHV_CACHE/build/$(kernel_version)/$name-$key"
}

kmake() {
	make -C "$MSHV_KSRC" -j"$MSHV_JOBS" ARCH=x86_64 CC="ccache gcc" "$@"
}
