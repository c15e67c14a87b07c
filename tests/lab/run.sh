#!/usr/bin/env bash
# vmlab's tests that boot guests (QEMU; the kernels are downloaded into the cache on first use,
# which the real-kernel matrix then shares). Run by scripts/test.sh before the matrix.
#   -- CMD in all four modes, one boot each: a static program given with --in runs in /lab with
#      its arguments, its stdout and stderr come back apart, its exit status (7) is vmlab's,
#      --out receives /lab/out (a file copied from an --in file, a subfolder), --dmesg the kernel
#      log; a snapshot taken in the guest (vmreal --snapshot into /lab/out) is replayed by vmsim
#      check; and in 4level a real kernel WARNING after the program (tests/lab/warn: a module
#      that WARNs on load) is reported while the program's failing status (7) is kept;
#   --kernel 6.12: /proc/version names 6.12, and a WARNING after a command that succeeded makes
#      the exit status 125 (one boot);
#   a kernel crash (sysrq c) is reported with the console's last lines, exit 125, and the
#      matrix boots a row again whose kernel crashed before its steps, never one that crashed
#      after (tests/matrix/retry.sh: three short boots, one guest at a time);
#   a guest that does not boot in time (--timeout 1): one line and the console, exit 125;
#   SIGINT to vmlab during a command: exit 130 and no QEMU left;
#   vmsim lesson check 4, 8 and 9 --lab: the module's exercises in the guests, none NOT RUN;
#   vmsim lesson do 4 --lab: the session shows the module exercise's output from the guest;
#   the interactive shell under tmux (shell.sh);
#   the module rebuilt when its sources change to older files (rebuild.sh, no guest).
# The groups of checks above run as parallel jobs, VMTOUR_LAB_JOBS at once (default: the number
# of CPUs), each with a TMPDIR of its own (so "no QEMU left" sees only its own QEMUs); their
# output is printed in a fixed order at the end, with each group's wall time.
# Usage: run.sh BUILD_DIR [MODE...]
set -uo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR [MODE...]}" && pwd)
shift
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(2level pae 4level 5level)
here=$(cd "$(dirname "$0")" && pwd)
VMLAB=$build/vmlab
VMSIM=$build/vmsim
JOBS=${VMTOUR_LAB_JOBS:-$(nproc)}
tmp=$(mktemp -d /tmp/vmlab-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cache=${VMTOUR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmtour}
T0=$(date +%s.%N)

ok() { echo "ok: $*"; }
gfail=0 # in each group's subshell: a check of the group failed
bad() { echo "FAIL: $*"; gfail=1; }
expect() { # NAME TEST...
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
# Our QEMUs are found by their group's TMPDIR in their command line (vmlab's temporary folders
# are in it).
no_qemu_left() { ! pgrep -f "qemu-system.*$TMPDIR/vmlab" >/dev/null; }
since() { echo "$(date +%s.%N) - $1" | bc; }

[ -x "$VMLAB" ] && [ -x "$VMSIM" ] || { echo "FAIL: build vmlab and vmsim first ($build)"; exit 1; }
for arch in i386 amd64; do
	m=-m64
	[ $arch = i386 ] && m=-m32
	gcc $m -static -O2 -Wall -Wextra -Werror -o "$tmp/prog-$arch" "$here/prog.c" ||
		{ echo "FAIL: cannot build prog.c for $arch (gcc-multilib)"; exit 1; }
done
printf 'line one\nline "two" with $HOME and \\ back\n' >"$tmp/data.txt"

# The kernels and guests, before the parallel jobs (each vmlab would otherwise check them under
# the cache's lock), then the WARN module for both amd64 kernels.
for mode in "${modes[@]}"; do
	"$VMLAB" --mode "$mode" --fetch || { echo "FAIL: vmlab --mode $mode --fetch"; exit 1; }
done
"$VMLAB" --mode 4level --fetch && "$VMLAB" --kernel 6.12 --mode 4level --fetch ||
	{ echo "FAIL: vmlab --fetch of the 4level kernels"; exit 1; }
warn_module() { # KERNEL: builds tests/lab/warn for it into $tmp/warn-KERNEL
	local w=$tmp/warn-$1
	mkdir -p "$w"
	cp "$here/warn/Kbuild" "$here/warn/warn.c" "$w/"
	# No BTF: as lab/build.sh, no pahole needed.
	make -s -C "$cache/kernels/$1/headers" M="$w" CONFIG_DEBUG_INFO_BTF_MODULES= modules >"$w/build.log" 2>&1 ||
		{ echo "FAIL: cannot build the WARN module for $1: $(tail -n 3 "$w/build.log")"; exit 1; }
}
warn_module amd64 &
warn_module amd64-6.12 &
for _ in 1 2; do wait -n || exit 1; done
T1=$(date +%s.%N)

# One boot per mode: the program, the snapshot; in 4level a WARNING after the failing program.
check_mode() { # MODE
	local mode=$1 arch=amd64 o=$tmp/$1 rc=0 in=() warn=""
	case $mode in 2level | pae) arch=i386 ;; esac
	mkdir -p "$o"
	if [ "$mode" = 4level ]; then
		in=("$tmp/warn-amd64/vmlab_warn.ko")
		warn="insmod ./vmlab_warn.ko 2>/dev/null"
	fi
	"$VMLAB" --mode "$mode" --in "$tmp/prog-$arch" "$tmp/data.txt" "${in[@]}" --out "$o/out" --dmesg "$o/dmesg" \
		-- sh -c "vmreal --kernel vmalloc -q --snapshot /lab/out/vmalloc.machine >/dev/null || exit 99
			./prog-$arch 7 'two words' '\$x'; rc=\$?
			$warn
			exit \$rc" >"$o/stdout" 2>"$o/stderr" || rc=$?
	expect "$mode: exit status 7 passed through (got $rc)" [ "$rc" = 7 ]
	expect "$mode: stdout" [ "$(cat "$o/stdout")" = "prog: stdout, 3 argument(s)" ]
	expect "$mode: stderr apart" grep -qx "prog: stderr" "$o/stderr"
	expect "$mode: stderr says which accelerator" grep -qE "^vmlab: $mode guest, Linux .*(KVM|TCG)" "$o/stderr"
	expect "$mode: --in file to --out" cmp -s "$tmp/data.txt" "$o/out/copy.txt"
	expect "$mode: arguments and a subfolder in --out" \
		[ "$(cat "$o/out/sub/args" 2>/dev/null)" = "$(printf '7\ntwo words\n$x')" ]
	expect "$mode: --dmesg has the kernel log and the module" grep -q "ko5204" "$o/dmesg"
	# The snapshot taken in the guest, replayed on the host. Not pae: QEMU's TCG sets the A bit of
	# PDPTEs, which the SDM reserves (tests/matrix/README.md); the matrix clears it first.
	if [ "$mode" != pae ]; then
		expect "$mode: the guest's snapshot replays with vmsim check" \
			"$VMSIM" check "$o/out/vmalloc.machine"
	fi
	if [ -n "$warn" ]; then
		expect "$mode: a kernel WARNING after a failing command: its exit status (7) kept" [ "$rc" = 7 ]
		expect "$mode: the WARNING is reported" grep -q "kernel reported trouble" "$o/stderr"
		expect "$mode: the WARNING line is shown" grep -q "WARNING: .*vmlab_warn" "$o/stderr"
		expect "$mode: --dmesg has the WARNING" grep -q "vmlab-warn: a warning on purpose" "$o/dmesg"
	else
		expect "$mode: no trouble reported" sh -c "! grep -q 'kernel reported trouble' '$o/stderr'"
	fi
	[ $gfail = 0 ] || { echo "--- $mode stderr:"; tail -n 20 "$o/stderr"; }
}

# Linux 6.12 (bookworm-backports): it boots, and a WARNING after a command that succeeded gives 125.
check_612() {
	local rc=0
	"$VMLAB" --kernel 6.12 --mode 4level --in "$tmp/warn-amd64-6.12/vmlab_warn.ko" \
		-- sh -c 'cat /proc/version; insmod ./vmlab_warn.ko 2>/dev/null; exit 0' >"$tmp/612.out" 2>"$tmp/612.err" || rc=$?
	expect "--kernel 6.12: /proc/version names Linux 6.12" grep -q "^Linux version 6\.12\." "$tmp/612.out"
	expect "--kernel 6.12: stderr names the 6.12 kernel" grep -qE "^vmlab: 4level guest, Linux 6\.12\." "$tmp/612.err"
	expect "a WARNING after a command that succeeded: exit 125 (got $rc)" [ "$rc" = 125 ]
	expect "the WARNING line is shown" grep -q "WARNING: .*vmlab_warn" "$tmp/612.err"
}

# A crash: sysrq c panics the kernel; the guest never sends its results. The matrix's retry test
# boots such guests (before /init, and during the command) and checks vmlab's report of them
# too; it was a boot of its own here.
check_crash() {
	local rc=0
	VMLAB=$VMLAB VMSIM=$VMSIM bash "$here/../matrix/retry.sh" || rc=$?
	expect "tests/matrix/retry.sh: exit 0 (got $rc)" [ "$rc" = 0 ]
}

# Boot time limit, then SIGINT during a command (Ctrl-C in a terminal reaches vmlab and QEMU
# alike; here vmlab only).
check_limits() {
	local rc=0 pid
	"$VMLAB" --mode 4level --timeout 1 -- true >/dev/null 2>"$tmp/timeout.err" || rc=$?
	expect "a guest that does not boot in time: exit 125 (got $rc)" [ "$rc" = 125 ]
	expect "it says so" grep -q "did not boot within 1 s" "$tmp/timeout.err"
	expect "no QEMU left after the time limit" no_qemu_left
	"$VMLAB" --mode 4level -- sh -c 'echo up; sleep 300' >"$tmp/int.out" 2>"$tmp/int.err" &
	pid=$!
	for _ in $(seq 900); do grep -q up "$tmp/int.out" && break; sleep 0.2; done
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	expect "SIGINT during a command: exit 130 (got $rc)" [ "$rc" = 130 ]
	expect "no QEMU left after SIGINT" no_qemu_left
}

# Lessons 4, 8 and 9: the module's exercises run in the lab's guests (lesson 4's is seed 002's
# memory map in the 2level guest), nothing NOT RUN.
check_lesson() { # N
	local n=$1 rc=0
	"$VMSIM" lesson check "$n" --lab >"$tmp/lesson$n" 2>&1 || rc=$?
	expect "vmsim lesson check $n --lab: exit 0 (got $rc)" [ "$rc" = 0 ]
	expect "lesson $n: nothing NOT RUN" sh -c "! grep -q 'NOT RUN' '$tmp/lesson$n'"
	expect "lesson $n: exercises ran in the lab's guests" grep -q "in the lab's .* guest" "$tmp/lesson$n"
	[ "$rc" = 0 ] || cat "$tmp/lesson$n"
}

# vmsim lesson do 4 --lab, every answer 'show': the session's module exercise shows what it
# printed in the 2level guest (seed 002's map) instead of the recorded output.
check_lesson_do() {
	local rc=0 out=$tmp/lesson-do4
	printf 'show\n%.0s' {1..100} | XDG_STATE_HOME=$tmp/state "$VMSIM" lesson do 4 --lab >"$out" 2>&1 || rc=$?
	expect "lesson do 4 --lab: exit 1, answers shown (got $rc)" [ "$rc" = 1 ]
	expect "lesson do 4 --lab: the map from the 2level guest" grep -q "^In the lab's 2level guest (exit 0):" "$out"
	expect "lesson do 4 --lab: seed 002's kernel half at 0xc0000000" grep -Eq "^0xc0000000 [Xx]" "$out"
	expect "lesson do 4 --lab: no recorded output stands in" sh -c "! grep -q 'What it printed in the matrix' '$out'"
	[ "$rc" = 1 ] || tail -n 30 "$out"
}

check_shell() {
	bash "$here/shell.sh" "$build" || bad "shell.sh"
}

# No guest: the module is rebuilt when its sources change, even to older files.
check_rebuild() {
	bash "$here/rebuild.sh" "$build" || bad "rebuild.sh"
}

# The groups, longest first (lessons boot several guests), so that the jobs finish together.
groups=()
if [ ${#modes[@]} = 4 ]; then
	groups+=("lesson9 check_lesson 9" "lesson8 check_lesson 8" "lesson4 check_lesson 4" "lessondo check_lesson_do")
fi
groups+=("crash check_crash" "shell check_shell")
for mode in "${modes[@]}"; do groups+=("$mode check_mode $mode"); done
groups+=("6.12 check_612" "limits check_limits" "rebuild check_rebuild")

order=()
for g in "${groups[@]}"; do
	read -r name fn args <<<"$g"
	order+=("$name")
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
	(
		export TMPDIR=$tmp/g-$name
		mkdir -p "$TMPDIR"
		t0=$(date +%s.%N)
		# shellcheck disable=SC2086
		$fn $args
		printf 'time: %s %.1f s\n' "$name" "$(since "$t0")"
	) >"$tmp/log.$name" 2>&1 &
done
wait

fail=0
for name in "${order[@]}"; do
	echo "=== $name"
	cat "$tmp/log.$name"
	grep -q '^FAIL' "$tmp/log.$name" && fail=1
done
if [ ${#modes[@]} != 4 ]; then
	echo "NOT RUN: vmsim lesson check 4, 8, 9 --lab (their exercises name all four modes; run.sh without MODE runs them)"
fi
printf 'vmlab tests: fetch+build %.1f s, checks (%s jobs) %.1f s, total %.1f s\n' \
	"$(echo "$T1 - $T0" | bc)" "$JOBS" "$(since "$T1")" "$(since "$T0")"
[ $fail = 0 ] && echo "vmlab tests: all passed" || echo "vmlab tests: FAILED"
exit $fail
