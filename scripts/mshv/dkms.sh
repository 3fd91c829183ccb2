#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build mshv_root.ko out of tree with DKMS, the way a distribution ships it
# for a kernel that lacks the driver: against Debian's linux-headers for the
# newest 6.12 kernel (CONFIG_HYPERV=m, no CONFIG_MSHV_ROOT), from the
# repository's dkms.conf and Kbuild.  No KUnit, no fake hypervisor.
#
# The DKMS source and build trees are private to $MSHV_CACHE/dkms (dkms
# --sourcetree/--dkmstree), so nothing is registered with the system's DKMS
# and a rerun starts from scratch.  Fails on any compiler or modpost warning
# about our files, on a symbol Debian's kernel does not export, and on a
# vermagic that is not the headers' kernel.
#
# MSHV_DKMS_KVER=<release> builds against that release's headers instead.
source "$(dirname "$0")/common.sh"

sudo=
[[ $(id -u) -eq 0 ]] || sudo=sudo

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

apt_install() {
	local missing=() p

	for p in "$@"; do
		installed "$p" || missing+=("$p")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	msg "installing: ${missing[*]}"
	# Not linux-headers-amd64 through dkms' Recommends: that is whatever
	# the distribution's default kernel is, not necessarily a 6.12.
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# The 6.12 amd64 headers packages apt knows of or has installed, oldest
# first.
headers_packages() {
	{
		apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+.*-amd64$'
		dpkg-query -W -f='${Package} -\n' 'linux-headers-6.12.*-amd64' 2>/dev/null
	} | awk '{ print $1 }' |
		grep -E '^linux-headers-6\.12\.[0-9]+[^-]*-amd64$' | sort -uV
}

# The newest 6.12 amd64 headers: linux-headers-amd64 when the
# distribution's default kernel is a 6.12 (trixie), else the newest
# linux-headers-6.12.*-amd64 the archive offers (bookworm's security and
# backports kernels).  Prints the kernel release.
pick_release() {
	local cand

	if [[ -n ${MSHV_DKMS_KVER:-} ]]; then
		echo "$MSHV_DKMS_KVER"
		return
	fi
	cand=$(apt-cache policy linux-headers-amd64 2>/dev/null |
		sed -n 's/^ *Candidate: *//p')
	if [[ $cand == 6.12.* ]]; then
		apt_install linux-headers-amd64
		dpkg-query -W -f='${Depends}\n' linux-headers-amd64 |
			grep -oE 'linux-headers-6\.12\.[^ ,]*-amd64' | head -n1 |
			sed 's/^linux-headers-//'
		return
	fi
	if [[ -z $(headers_packages) ]]; then
		msg "apt knows no linux-headers-6.12.*-amd64: apt-get update"
		$sudo apt-get update -qq
	fi
	headers_packages | tail -n1 | sed 's/^linux-headers-//'
}

kver=$(pick_release)
[[ $kver == 6.12.* ]] || die "no Linux 6.12 amd64 headers package found"
apt_install dkms "linux-headers-$kver"

headers=/usr/src/linux-headers-$kver
[[ -f $headers/Module.symvers ]] || headers=/lib/modules/$kver/build
[[ -f $headers/Module.symvers && -f $headers/.config ]] ||
	die "headers for $kver have no Module.symvers or .config"
grep -q '^CONFIG_HYPERV=[ym]' "$headers/.config" ||
	die "$kver is not built with CONFIG_HYPERV"

name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$MSHV_REPO/dkms.conf")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$MSHV_REPO/dkms.conf")
[[ -n $name && -n $version ]] || die "dkms.conf names no package or version"

# Stage the DKMS source: dkms.conf, the Kbuild and what the module is made
# of.  Not the KUnit suites or the fake hypervisor's model, which only a
# test kernel builds; the model's header stays, for the declarations the
# driver's compiled-out test hooks name.
top=$MSHV_CACHE/dkms
src=$top/source/$name-$version
tree=$top/tree
rm -rf "$top"
mkdir -p "$src" "$tree"
(
	cd "$MSHV_REPO"
	{
		echo dkms.conf
		echo Kbuild
		if git rev-parse --git-dir >/dev/null 2>&1; then
			git ls-files --cached --others --exclude-standard -- drivers/hv include
		else
			find drivers/hv include -type f
		fi
	} | sort -u | grep -vE '^drivers/hv/(tests/|mshv_fake_.*\.c$|\.kunitconfig$)' |
		while read -r f; do [[ -f $f ]] && echo "$f"; done
) >"$top/files"
rsync -r --files-from="$top/files" "$MSHV_REPO/" "$src/"

dkms_args=(-m "$name" -v "$version" -k "$kver"
	--sourcetree "$top/source" --dkmstree "$tree")
msg "dkms build $name/$version for $kver"
dkms add "${dkms_args[@]}" >"$top/dkms.log" 2>&1 || { cat "$top/dkms.log" >&2; die "dkms add failed"; }
if ! dkms build "${dkms_args[@]}" >>"$top/dkms.log" 2>&1; then
	cat "$top/dkms.log" >&2
	find "$tree" -name make.log -exec tail -n 60 {} + >&2
	die "dkms build failed"
fi
# DKMS keeps the build's log beside the module, and empties build/.
log=$tree/$name/$version/$kver/x86_64/log/make.log
[[ -f $log ]] || die "no make.log in $tree"

bad=0
# Compiler diagnostics about our files, and anything modpost has to say
# (undefined or unexported symbols, section mismatches).
if grep -E "$MSHV_OUR_PATHS_RE.*(warning|error):|(WARNING|ERROR): modpost:" "$log" >&2; then
	msg "warnings in the DKMS build (full log: $log)"
	bad=1
fi

ko=$(find "$tree/$name/$version/$kver" -name "$name.ko*" -print -quit)
[[ -n $ko ]] || die "dkms built no $name.ko (log: $log)"
kofile=$ko
case $ko in
*.ko.xz) kofile=$top/$name.ko; xz -dc "$ko" >"$kofile" ;;
*.ko.zst) kofile=$top/$name.ko; zstd -qdc "$ko" >"$kofile" ;;
*.ko.gz) kofile=$top/$name.ko; gzip -dc "$ko" >"$kofile" ;;
esac

vermagic=$(modinfo -F vermagic "$kofile")
if [[ $vermagic != "$kver "* ]]; then
	msg "vermagic '$vermagic' is not for $kver"
	bad=1
fi

# Every symbol the module takes from the kernel must be exported by
# Debian's kernel.  modpost says so too, but only as a warning when it
# cannot see vmlinux; this is the list it would have checked against.
missing=$(comm -23 <(nm -u "$kofile" | awk '{ print $2 }' | sort -u) \
	<(awk '{ print $2 }' "$headers/Module.symvers" | sort -u))
if [[ -n $missing ]]; then
	msg "symbols $kver does not export:" $missing
	bad=1
fi
if nm "$kofile" | grep -qE ' mshv_fake_|kunit'; then
	msg "test-only code linked into the DKMS module"
	bad=1
fi
[[ $bad -eq 0 ]] || die "DKMS build of $name for $kver has problems"

msg "dkms: vermagic $vermagic"
msg "dkms: $(nm -u "$kofile" | wc -l) imported symbols, all exported by $kver"
msg "dkms: module: $ko"
echo "$ko"
