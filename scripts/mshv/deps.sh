#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build, the tests and the checks need.
# Does nothing (and needs no network) when they are all present already.
source "$(dirname "$0")/common.sh"

packages=(
	linux-source-6.12 gcc make flex bison bc libelf-dev libssl-dev
	dwarves kmod cpio rsync xz-utils perl python3 ccache git
	sparse coccinelle ocaml-nox qemu-system-x86
	busybox-static libc6-dev file
	python3-sphinx python3-yaml
	patch python3-ply python3-git
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

msg "installing: ${missing[*]}"
sudo=
if [[ $(id -u) -ne 0 ]]; then
	command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
