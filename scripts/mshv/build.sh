#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh CONFIG [MAKE ARGS...]: configure and build the kernel tree with
# configs/base.config plus configs/mshv-CONFIG.config on top of allnoconfig,
# in a build directory keyed by kernel version and configuration.  Prints the
# build directory on stdout.
source "$(dirname "$0")/common.sh"

name=$1
shift
confdir=$MSHV_REPO/scripts/mshv/configs
fragments=("$confdir/base.config" "$confdir/mshv-$name.config")
for f in "${fragments[@]}"; do [[ -f $f ]] || die "no such config: $f"; done

out=$(build_dir "mshv-$name" "${fragments[@]}")
mkdir -p "$out"

# Regenerate .config every time, as a fresh machine would: a Kconfig
# change (a new symbol's default) must give a cached directory the same
# configuration as an empty one.  kbuild rebuilds only what changed.
cat "${fragments[@]}" >"$out/allno.config"
kmake -s O="$out" KCONFIG_ALLCONFIG="$out/allno.config" allnoconfig >&2

# A symbol that Kconfig silently dropped (unmet dependency) is a build bug.
bad=0
while read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qx -- "$line" "$out/.config" || { msg "$name: wanted $line"; bad=1; } ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		! grep -q "^$sym=" "$out/.config" || { msg "$name: wanted $line"; bad=1; } ;;
	esac
done < <(cat "${fragments[@]}")
[[ $bad -eq 0 ]] || die "$name: configuration does not hold what configs/ asks for"

kmake O="$out" "$@" >&2
echo "$out"
