#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prepare the kernel tree: unpack a pristine 6.12 (once per source package
# version), lay our files over it and wire our Kconfig/Makefile pieces into
# drivers/hv.  Idempotent: a second run changes nothing, and files whose
# content did not change keep their mtime so that make rebuilds nothing.
source "$(dirname "$0")/common.sh"

unpack_pristine() {
	local stamp=$MSHV_CACHE/src/.unpacked id

	[[ -r $MSHV_TARBALL ]] || die "$MSHV_TARBALL missing: run 'make deps'"
	id=$(stat -c '%s %Y' "$MSHV_TARBALL")
	if [[ -d $MSHV_KSRC && -f $stamp && $(cat "$stamp") == "$id" ]]; then
		return
	fi
	msg "unpacking $MSHV_TARBALL"
	rm -rf "$MSHV_KSRC" "$stamp"
	mkdir -p "$MSHV_CACHE/src"
	tar -xJf "$MSHV_TARBALL" -C "$MSHV_CACHE/src"
	[[ -f $MSHV_KSRC/Makefile ]] || die "unexpected layout in $MSHV_TARBALL"
	echo "$id" >"$stamp"
}

our_files() {
	cd "$MSHV_REPO"
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files --cached --others --exclude-standard -- "${MSHV_OVERLAY_DIRS[@]}"
	else
		find "${MSHV_OVERLAY_DIRS[@]}" -type f 2>/dev/null
	fi | sort -u | while read -r f; do [[ -f $f ]] && echo "$f"; done
}

# Put back what an earlier overlay added that we no longer carry.
drop_stale() {
	local manifest=$MSHV_KSRC/.mshv-overlay f
	[[ -f $manifest ]] || return 0
	comm -23 "$manifest" "$1" | while read -r f; do
		if [[ $MSHV_KSRC_OWNED -eq 1 ]] &&
		   tar -xJf "$MSHV_TARBALL" -C "$MSHV_CACHE/src" \
			"linux-source-6.12/$f" 2>/dev/null; then
			msg "restored pristine $f"
		else
			rm -f "$MSHV_KSRC/$f"
			msg "removed stale $f"
		fi
	done
}

# Source our Kconfig piece and include our Makefile piece, once.
wire() {
	local kconfig=$MSHV_KSRC/drivers/hv/Kconfig
	local makefile=$MSHV_KSRC/drivers/hv/Makefile

	if ! grep -q 'Kconfig.mshv' "$kconfig"; then
		# Inside the "Microsoft Hyper-V guest support" menu.
		[[ $(tail -n1 "$kconfig") == endmenu ]] ||
			die "$kconfig does not end in endmenu"
		sed -i '$d' "$kconfig"
		printf 'source "drivers/hv/Kconfig.mshv"\n\nendmenu\n' >>"$kconfig"
	fi
	if ! grep -q 'Makefile.mshv' "$makefile"; then
		printf '\ninclude $(srctree)/drivers/hv/Makefile.mshv\n' >>"$makefile"
	fi
}

[[ $MSHV_KSRC_OWNED -eq 1 ]] && unpack_pristine
[[ -f $MSHV_KSRC/Makefile ]] || die "$MSHV_KSRC is not a kernel tree"

list=$(mktemp)
trap 'rm -f "$list"' EXIT
our_files >"$list"
drop_stale "$list"
rsync -rc --files-from="$list" "$MSHV_REPO/" "$MSHV_KSRC/"
cp "$list" "$MSHV_KSRC/.mshv-overlay"
wire
echo "$MSHV_KSRC"
