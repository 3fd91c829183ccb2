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

# The kernel files that the diffs in scripts/mshv/intree/ touch.
intree_files() {
	local d

	for d in "$MSHV_REPO"/scripts/mshv/intree/*.diff; do
		[[ -f $d ]] || continue
		sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$d"
	done | sort -u
}

# Pristine copies of @files, taken from the tarball once per tarball: the
# tarball is a single xz stream, and reading it costs most of a minute.
pristine_copies() {
	local dir=$MSHV_CACHE/src/.pristine stamp id f missing=()

	id=$(stat -c '%s %Y' "$MSHV_TARBALL")
	stamp=$dir/.id
	if [[ ! -f $stamp || $(cat "$stamp") != "$id" ]]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		echo "$id" >"$stamp"
	fi
	for f in "$@"; do
		[[ -f $dir/$f ]] || missing+=("linux-source-6.12/$f")
	done
	if [[ ${#missing[@]} -gt 0 ]]; then
		tar -xJf "$MSHV_TARBALL" -C "$dir" --strip-components=1 \
			"${missing[@]}" || die "pristine ${missing[*]} not in $MSHV_TARBALL"
	fi
	echo "$dir"
}

# Copy @src over @dst only if the content differs, so that make sees no
# change where there is none.
install_changed() {
	cmp -s "$1" "$2" && return 0
	mkdir -p "$(dirname "$2")"
	cp "$1" "$2"
	msg "updated ${2#"$MSHV_KSRC"/}"
}

write_manifest() {
	local manifest=$1

	shift
	if [[ $# -gt 0 ]]; then
		printf '%s\n' "$@" >"$manifest"
	else
		: >"$manifest"
	fi
}

# In-tree edits of kernel files we do not carry (toctrees, MAINTAINERS,
# ioctl-number.rst, the selftests' TARGETS): each diff in
# scripts/mshv/intree/ is a unified diff against pristine 6.12.  In our own
# tree, every file they touch is rebuilt from its pristine copy with all
# the diffs applied, and so is a file a diff no longer touches; in a KSRC
# tree a diff is applied unless it is applied already.  A diff that does
# not apply is an error.
apply_intree() {
	local manifest=$MSHV_KSRC/.mshv-intree stage pristine d f
	local -a files old

	mapfile -t files < <(intree_files)
	old=()
	[[ -s $manifest ]] && mapfile -t old <"$manifest"

	if [[ $MSHV_KSRC_OWNED -ne 1 ]]; then
		for d in "$MSHV_REPO"/scripts/mshv/intree/*.diff; do
			[[ -f $d ]] || continue
			if patch -p1 -d "$MSHV_KSRC" -R --dry-run -s -f <"$d" >/dev/null 2>&1; then
				continue
			fi
			patch -p1 -d "$MSHV_KSRC" -N -s -f --no-backup-if-mismatch \
				-r - <"$d" || die "${d##*/} does not apply to $MSHV_KSRC"
			msg "applied ${d##*/}"
		done
		write_manifest "$manifest" "${files[@]}"
		return
	fi

	[[ ${#files[@]} -gt 0 || ${#old[@]} -gt 0 ]] || return 0
	pristine=$(pristine_copies "${files[@]}" "${old[@]}")
	stage=$(mktemp -d)
	for f in "${files[@]}"; do
		mkdir -p "$stage/$(dirname "$f")"
		cp "$pristine/$f" "$stage/$f"
	done
	for d in "$MSHV_REPO"/scripts/mshv/intree/*.diff; do
		[[ -f $d ]] || continue
		if ! patch -p1 -d "$stage" -N -s -f --no-backup-if-mismatch \
			-r - <"$d" >&2; then
			rm -rf "$stage"
			die "${d##*/} does not apply to pristine 6.12"
		fi
	done
	for f in "${files[@]}"; do
		install_changed "$stage/$f" "$MSHV_KSRC/$f"
	done
	# A file no diff touches any more goes back to pristine.
	for f in "${old[@]}"; do
		[[ -f $stage/$f ]] || install_changed "$pristine/$f" "$MSHV_KSRC/$f"
	done
	rm -rf "$stage"
	write_manifest "$manifest" "${files[@]}"
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
apply_intree
echo "$MSHV_KSRC"
