#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The static checks, each failing on any finding in our files:
# checkpatch --strict, kernel-doc -Wall, W=1 and sparse C=2 (driver as a
# module and built in), coccicheck on drivers/hv, the build with the driver
# disabled, and the uapi header compiled standalone in userspace.
source "$(dirname "$0")/common.sh"

cd "$MSHV_KSRC"
mapfile -t ours < <(cd "$MSHV_REPO" && git ls-files --cached --others --exclude-standard -- drivers include tools)
c_files=()
for f in "${ours[@]}"; do
	case $f in *.c|*.h) c_files+=("$f") ;; esac
done
[[ ${#c_files[@]} -gt 0 ]] || die "static: no source files found"

failed=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# report NAME FILE: show FILE's diagnostics (warnings, errors, checkpatch
# checks) about our paths; any is a failure.
findings() {
	{ grep -E "$MSHV_OUR_PATHS_RE" "$1" || true; } |
		{ grep -iE '(warning|error|check)(:[A-Z_]+)?:' || true; } | sort -u
}

report() {
	local name=$1 file=$2 n
	n=$(findings "$file" | wc -l)
	if [[ $n -gt 0 ]]; then
		findings "$file" >&2
		msg "$name: $n finding(s)"
		failed+=("$name")
	else
		msg "$name: clean"
	fi
}

msg "checkpatch --strict"
perl scripts/checkpatch.pl --strict --terse --no-summary --show-types \
	-f "${c_files[@]}" drivers/hv/Kconfig.mshv drivers/hv/Makefile.mshv \
	>"$log/checkpatch" 2>&1 || true
report checkpatch "$log/checkpatch"

msg "kernel-doc -none -Wall"
perl scripts/kernel-doc -none -Wall "${c_files[@]}" >"$log/kernel-doc" 2>&1 || true
report kernel-doc "$log/kernel-doc"

for cfg in m y; do
	msg "W=1 C=2 with CONFIG_MSHV_ROOT=$cfg"
	if ! out=$(bash "$MSHV_REPO/scripts/mshv/build.sh" "$cfg" 2>"$log/build-$cfg"); then
		cat "$log/build-$cfg" >&2
		failed+=("build-$cfg")
		continue
	fi
	# Force our objects to be rebuilt so that their warnings show again.
	find "$out/drivers/hv" -name 'mshv*.o' -o -name '*.ko' 2>/dev/null | xargs -r rm -f
	rm -rf "$out/drivers/hv/tests"
	if ! kmake -s O="$out" W=1 C=2 drivers/hv/ >"$log/w1-$cfg" 2>&1; then
		cat "$log/w1-$cfg" >&2
		failed+=("W=1-$cfg")
		continue
	fi
	report "W=1 and sparse (=$cfg)" "$log/w1-$cfg"
done

msg "build with CONFIG_MSHV_ROOT=n"
if ! bash "$MSHV_REPO/scripts/mshv/build.sh" n >/dev/null 2>"$log/build-n"; then
	tail -n 40 "$log/build-n" >&2
	failed+=("build-n")
fi

msg "coccicheck MODE=report M=drivers/hv"
make -s -C "$MSHV_KSRC" coccicheck MODE=report M=drivers/hv J="$MSHV_JOBS" \
	>"$log/cocci" 2>&1 || { cat "$log/cocci" >&2; failed+=("coccicheck-run"); }
report coccicheck "$log/cocci"

msg "uapi header standalone"
hdr=$log/hdr
out=$(build_dir "mshv-m" "$MSHV_REPO/scripts/mshv/configs/base.config" \
	"$MSHV_REPO/scripts/mshv/configs/mshv-m.config")
if kmake -s O="$out" INSTALL_HDR_PATH="$hdr" headers_install >"$log/hdr.log" 2>&1 &&
   printf '#include <linux/mshv.h>\nint main(void) { return MSHV_CREATE_PARTITION != 0x4010B800; }\n' |
	gcc -std=gnu99 -Wall -Wextra -Werror -I"$hdr/include" -x c -o "$log/uapi" - 2>>"$log/hdr.log" &&
   "$log/uapi"; then
	msg "uapi: clean"
else
	cat "$log/hdr.log" >&2
	failed+=("uapi")
fi

if [[ ${#failed[@]} -gt 0 ]]; then
	die "static checks failed: ${failed[*]}"
fi
msg "static checks: all clean"
