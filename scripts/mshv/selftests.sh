#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# selftests.sh [demo]: boot a debug kernel (the driver built in on the fake
# hypervisor backend, KASAN, lockdep, kmemleak) in QEMU from an initramfs
# and run the selftests of tools/testing/selftests/mshv in it, or with
# "demo" the demo VMM of tools/mshv.  Prints their TAP (or what the demo
# printed) and ends with "N passed, N failed, N skipped".  Fails on any
# failed test, on a test program that printed no TAP plan, on a guest that
# did not finish, and on any kernel splat (KASAN, lockdep, WARNING, BUG,
# Oops, kmemleak) in the console.
#
# Variables (all optional):
#   MSHV_SELFTESTS       test programs to run, space separated, e.g.
#                        "mshv_guest_test" (default: every *_test built)
#   MSHV_SELFTEST_ARGS   arguments for every test program, e.g. "-t name"
#                        or "-f fixture" (kselftest_harness.h filters)
#   MSHV_DEMO_ARGS       arguments for the demo VMM (demo mode)
#   MSHV_TEST_TIMEOUT    seconds one program may run in the guest (300;
#                        the demo: 120)
#   MSHV_QEMU_TIMEOUT    seconds the whole QEMU run may take (1200)
#   MSHV_QEMU_MEM        guest memory in MiB (2048: KASAN needs room)
#   MSHV_ACCEL           kvm, tcg or auto (default: kvm when /dev/kvm works)
#   MSHV_VERBOSE=1       print the whole console log, not only the TAP
#   MSHV_SELFTEST_DIR    a kselftest directory to build the tests from
#                        instead of tools/testing/selftests/mshv
# Outputs stay in the build directory (printed), beside the kernel:
# console.log (the kernel console) and tap.log (what the guest's programs
# wrote, on a second serial port, undisturbed by kernel messages).
source "$(dirname "$0")/common.sh"

mode=${1:-test}
case $mode in test|demo) ;; *) die "usage: selftests.sh [demo]" ;; esac

test_timeout=${MSHV_TEST_TIMEOUT:-$([[ $mode == demo ]] && echo 120 || echo 300)}
qemu_timeout=${MSHV_QEMU_TIMEOUT:-1200}
qemu_mem=${MSHV_QEMU_MEM:-2048}
accel=${MSHV_ACCEL:-auto}
total_start=$SECONDS

confdir=$MSHV_REPO/scripts/mshv/configs
stdir=${MSHV_SELFTEST_DIR:-$MSHV_KSRC/tools/testing/selftests/mshv}
demodir=$MSHV_KSRC/tools/mshv

# The selftests' own "config" (kselftest convention) goes first, so that
# ours, last, has the final word on any symbol both set.
fragments=("$confdir/base.config")
[[ -f $stdir/config ]] && fragments+=("$stdir/config")
fragments+=("$confdir/selftests.config")

out=$(build_dir selftests "${fragments[@]}")
mkdir -p "$out"

# One run at a time per build directory: several helpers share it.
exec 9>"$out/.lock"
if ! flock -n 9; then
	msg "waiting for another run in $out"
	flock 9
fi

# --- the kernel -----------------------------------------------------------

check_config() {
	local -A wanted=()
	local line sym bad=0

	while read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *} ;;
		*) continue ;;
		esac
		wanted[$sym]=$line
	done < <(cat "${fragments[@]}")

	for sym in "${!wanted[@]}"; do
		line=${wanted[$sym]}
		if [[ $line == CONFIG_* ]]; then
			grep -qx -- "$line" "$out/.config" && continue
		else
			grep -q "^$sym=" "$out/.config" || continue
		fi
		msg "selftests: wanted $line, got: $(grep -E "^(# )?${sym}[= ]" "$out/.config" || echo unset)"
		bad=1
	done
	[[ $bad -eq 0 ]] || die "selftests: the kernel configuration does not hold what configs/ asks for"
}

build_kernel() {
	local log=$out/build.log

	# Every time, as on a fresh machine (see build.sh).
	cat "${fragments[@]}" >"$out/allno.config"
	kmake -s O="$out" KCONFIG_ALLCONFIG="$out/allno.config" \
		allnoconfig >"$log" 2>&1 || { cat "$log" >&2; die "allnoconfig failed"; }
	check_config
	# headers_install gives the programs this tree's uapi; bzImage builds
	# usr/gen_init_cpio too, which packs their initramfs.
	if ! kmake O="$out" bzImage headers_install >"$log" 2>&1; then
		grep -vE '^  [A-Z0-9_]+ ' "$log" | tail -n 40 >&2
		die "kernel build failed, see $log"
	fi
	[[ -x $out/usr/gen_init_cpio ]] || die "no usr/gen_init_cpio in $out"
}

t=$SECONDS
msg "selftests: building the kernel in $out"
build_kernel
build_time=$((SECONDS - t))
msg "selftests: kernel build: ${build_time}s"

# --- the programs ----------------------------------------------------------

khdr="-isystem $out/usr/include"
bin=$out/bin
rm -rf "$bin"
mkdir -p "$bin"

build_selftests() {
	local name all=() want=()

	[[ -f $stdir/Makefile ]] || die "no selftests in $stdir (run 'make tree')"
	mapfile -t all < <(make -s -C "$stdir" emit_tests | sed -n 's/^[^:]*://p')
	[[ ${#all[@]} -gt 0 ]] || die "no selftest programs in $stdir"
	if [[ -n ${MSHV_SELFTESTS:-} ]]; then
		read -ra want <<<"$MSHV_SELFTESTS"
		for name in "${want[@]}"; do
			[[ " ${all[*]} " == *" $name "* ]] ||
				die "MSHV_SELFTESTS: no test '$name' (there are: ${all[*]})"
		done
	else
		want=("${all[@]}")
	fi
	make -s -C "$stdir" OUTPUT="$bin" KHDR_INCLUDES="$khdr" \
		USERLDFLAGS=-static "${want[@]/#/$bin/}" >&2 ||
		die "building the selftests failed"
	programs=("${want[@]}")
}

build_demo() {
	[[ -f $demodir/Makefile ]] || die "no demo VMM in $demodir (run 'make tree')"
	make -s -C "$demodir" OUTPUT="$bin/" KHDR_INCLUDES="$khdr" \
		LDFLAGS=-static >&2 || die "building the demo VMM failed"
	programs=(mshv_demo)
}

programs=()
if [[ $mode == demo ]]; then build_demo; else build_selftests; fi
for p in "${programs[@]}"; do
	file "$bin/$p" 2>/dev/null | grep -q 'statically linked' ||
		die "$p is not statically linked"
done

# --- the initramfs -----------------------------------------------------------

run=$out/run-$mode
rm -rf "$run"
mkdir -p "$run"
busybox=$(command -v busybox) || die "busybox missing: run 'make deps'"
file -L "$busybox" | grep -q 'statically linked' || die "$busybox is not static (busybox-static)"

# What scripts/mshv/initramfs/init runs, as shell assignments it sources.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
if [[ $mode == demo ]]; then args=${MSHV_DEMO_ARGS:-}; else args=${MSHV_SELFTEST_ARGS:-}; fi
{
	echo "PROGRAMS=$(shq "${programs[*]}")"
	echo "ARGS=$(shq "$args")"
	echo "TEST_TIMEOUT=$(shq "$test_timeout")"
} >"$run/run.conf"

{
	echo "dir /bin 0755 0 0"
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	for d in proc sys tmp etc tests root; do echo "dir /$d 0755 0 0"; done
	echo "file /bin/busybox $busybox 0755 0 0"
	for a in $("$busybox" --list); do
		[[ $a == busybox ]] || echo "slink /bin/$a busybox 0777 0 0"
	done
	echo "file /init $MSHV_REPO/scripts/mshv/initramfs/init 0755 0 0"
	echo "file /etc/run.conf $run/run.conf 0644 0 0"
	for p in "${programs[@]}"; do echo "file /tests/$p $bin/$p 0755 0 0"; done
} >"$run/initramfs.list"
"$out/usr/gen_init_cpio" "$run/initramfs.list" >"$run/initramfs.cpio" ||
	die "gen_init_cpio failed"

# --- QEMU ----------------------------------------------------------------------

# /dev/kvm may open, and even run firmware, yet hang a kernel (nested
# virtualization without the features it claims): only a kernel that boots
# proves it works.  This one, without an init, panics and so exits at once.
# The verdict is kept per host kernel and QEMU version.
kvm_works() {
	local stamp log rc=0

	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	{ : <>/dev/kvm; } 2>/dev/null || return 1
	stamp=$MSHV_CACHE/build/kvm-probe-$( { uname -rv; qemu-system-x86_64 --version; } |
		sha256sum | cut -c1-12)
	if [[ -f $stamp ]]; then
		return "$(cat "$stamp")"
	fi
	log=$run/kvm-probe.log
	timeout 60 qemu-system-x86_64 -accel kvm -cpu host -smp 2 -m 512 \
		-nographic -no-reboot -nodefaults -no-user-config -monitor none \
		-serial "file:$log" -kernel "$out/arch/x86/boot/bzImage" \
		-append "console=ttyS0 panic=-1" </dev/null >/dev/null 2>&1 || rc=1
	grep -q 'Kernel panic' "$log" || rc=1
	[[ $rc -eq 0 ]] || msg "selftests: KVM does not boot a kernel here, using TCG"
	echo "$rc" >"$stamp"
	return "$rc"
}

case $accel in
auto) if kvm_works; then accel=kvm; else accel=tcg; fi ;;
kvm|tcg) ;;
*) die "MSHV_ACCEL must be kvm, tcg or auto" ;;
esac
if [[ $accel == kvm ]]; then
	cpu=(-accel kvm -cpu host)
else
	cpu=(-accel tcg -cpu max)
fi

console=$run/console.log
tap=$run/tap.log
msg "selftests: booting ($accel, ${qemu_mem} MiB, ${programs[*]}); console: $console"
t=$SECONDS
qemu_status=0
timeout -k 10 "$qemu_timeout" qemu-system-x86_64 "${cpu[@]}" -smp 2 \
	-m "$qemu_mem" -nographic -no-reboot -nodefaults -no-user-config \
	-monitor none -serial "file:$console" -serial "file:$tap" \
	-kernel "$out/arch/x86/boot/bzImage" -initrd "$run/initramfs.cpio" \
	-append "console=ttyS0 panic=-1 mitigations=off" </dev/null ||
	qemu_status=$?
run_time=$((SECONDS - t))
sed -i 's/\r$//' "$console" "$tap"

# --- the verdict -------------------------------------------------------------

if [[ ${MSHV_VERBOSE:-0} == 1 ]]; then
	cat "$console"
else
	cat "$tap"
fi

status=0
passed=0 failed=0 skipped=0
problems=()

# Per program: its TAP plan, its results and its exit status.
while IFS=$'\t' read -r prog p f s plan rc; do
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [[ $mode == demo ]]; then
		if [[ $rc == 0 ]]; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
			problems+=("$prog $([[ -n $rc ]] && echo "exited $rc" || echo "did not finish")")
		fi
		continue
	fi
	if [[ $plan == 0 ]]; then
		problems+=("$prog printed no TAP plan")
		failed=$((failed + 1))
	elif [[ $plan == 1..0 ]]; then
		problems+=("$prog ran no test")
		failed=$((failed + 1))
	elif [[ $plan != "1..$((p + f + s))" ]]; then
		# A test that died between its plan and its result, or a
		# plan of nothing: both are failures, not passes.
		problems+=("$prog planned ${plan#1..} tests, reported $((p + f + s))")
		failed=$((failed + 1))
	fi
	# The harness exits 0, or 4 (KSFT_SKIP) when it skipped everything;
	# busybox timeout's KILL makes 137.
	case $rc in
	0|4) ;;
	"") problems+=("$prog did not finish"); failed=$((failed + 1)) ;;
	137) problems+=("$prog timed out after ${test_timeout}s"); failed=$((failed + 1)) ;;
	*) [[ $f -gt 0 ]] || { failed=$((failed + 1)); problems+=("$prog exited $rc"); } ;;
	esac
	msg "selftests: $prog: $p passed, $f failed, $s skipped, exit ${rc:-none}"
done < <(awk '
	function flush() {
		if (prog != "")
			printf "%s\t%d\t%d\t%d\t%s\t%s\n", prog, p, f, s, plan, rc
		prog = ""
	}
	/^mshv-selftests: begin / && $3 != "kmemleak" {
		flush(); prog = $3; p = f = s = plan = 0; rc = ""; next
	}
	/^mshv-selftests: end / && $3 == prog {
		rc = $4; sub(/^rc=/, "", rc); flush(); next
	}
	prog == "" { next }
	/^1\.\.[0-9]+/ && plan == 0 { plan = $1 }
	/^(not )?ok [0-9]+/ {
		if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) s++
		else if ($1 == "not") f++
		else p++
	}
	END { flush() }' "$tap")

# Every program started must have been reported on.
for p in "${programs[@]}"; do
	grep -q "^mshv-selftests: begin $p\$" "$tap" ||
		{ problems+=("$p never ran"); failed=$((failed + 1)); }
done
if ! grep -q '^mshv-selftests: done$' "$tap"; then
	[[ ${MSHV_VERBOSE:-0} == 1 ]] || tail -n 60 "$console" >&2
	problems+=("the guest did not finish (QEMU exit $qemu_status): see $console")
fi

grep -q '^mshv-selftests: no /dev/mshv$' "$tap" &&
	problems+=("no /dev/mshv in the guest: the fake backend did not start")
# kmemleak must have scanned: a run that could not is no leak check.
if [[ $mode != demo ]] && ! grep -q '^mshv-selftests: end kmemleak$' "$tap"; then
	problems+=("kmemleak did not run")
fi
grep -q '^mshv-selftests: kmemleak scan failed$' "$tap" &&
	problems+=("kmemleak scan failed")

# Leaks kmemleak still saw after the tests.
leaks=$(sed -n '/^mshv-selftests: begin kmemleak$/,/^mshv-selftests: end kmemleak$/p' \
	"$tap" | grep -c 'unreferenced object' || true)
[[ $leaks -eq 0 ]] || problems+=("kmemleak: $leaks unreferenced objects")

# Kernel splats: only timestamped kernel lines count, so that a program
# printing such words does not, and the fake backend's loud boot banner
# (pr_warn text, no "WARNING:") does not match.
splat_re='(WARNING:|BUG:|Oops|Call Trace:|possible recursive locking|possible circular locking|inconsistent lock state|possible irq lock inversion|UBSAN:|KASAN:|suspected memory leak|unreferenced object|general protection fault|Kernel panic|detected stall|blocked for more than)'
if splats=$(grep -nE "\[ *[0-9]+\.[0-9]+\] .*$splat_re" "$console"); then
	printf '%s\n' "$splats" | head -n 40 >&2
	problems+=("kernel splat in $console")
fi

[[ $passed -gt 0 ]] || problems+=("no test passed")
for p in "${problems[@]}"; do msg "selftests: $p"; done
[[ ${#problems[@]} -eq 0 && $failed -eq 0 ]] || status=1

msg "selftests: kernel build ${build_time}s, boot+run ${run_time}s ($accel), total $((SECONDS - total_start))s"
echo "$passed passed, $failed failed, $skipped skipped"
[[ $status -eq 0 ]] || die "selftests: failed"
