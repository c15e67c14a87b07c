#!/usr/bin/env bash
# vmlab's tests that boot guests (QEMU; the kernels are downloaded into the cache on first use,
# which the real-kernel matrix then shares). Run by scripts/test.sh before the matrix.
#   -- CMD in all four modes: a static program given with --in runs in /lab with its arguments,
#      its stdout and stderr come back apart, its exit status (7) is vmlab's, --out receives
#      /lab/out (a file copied from an --in file, a subfolder), --dmesg the kernel log; and a
#      snapshot taken in the guest (vmreal --snapshot into /lab/out) is replayed by vmsim check;
#   a real kernel WARNING (tests/lab/warn: a module that WARNs on load) is reported, exit 125;
#   a kernel crash (sysrq c) is reported with the console's last lines, exit 125;
#   a guest that does not boot in time (--timeout 1): one line and the console, exit 125;
#   SIGINT to vmlab during a command: exit 130 and no QEMU left;
#   vmsim lesson check 4, 8 and 9 --lab: the module's exercises in the guests, none NOT RUN;
#   the interactive shell under tmux (shell.sh).
# Usage: run.sh BUILD_DIR [MODE...]
set -uo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR [MODE...]}" && pwd)
shift
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(2level pae 4level 5level)
here=$(cd "$(dirname "$0")" && pwd)
VMLAB=$build/vmlab
VMSIM=$build/vmsim
fail=0
tmp=$(mktemp -d /tmp/vmlab-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# Our QEMUs are found by this folder in their command line (vmlab's temporary folders are in it).
export TMPDIR=$tmp

ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
expect() { # NAME TEST...
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
no_qemu_left() { ! pgrep -f "qemu-system.*$tmp/vmlab" >/dev/null; }

[ -x "$VMLAB" ] && [ -x "$VMSIM" ] || { echo "FAIL: build vmlab and vmsim first ($build)"; exit 1; }
for arch in i386 amd64; do
	m=-m64
	[ $arch = i386 ] && m=-m32
	gcc $m -static -O2 -Wall -Wextra -Werror -o "$tmp/prog-$arch" "$here/prog.c" ||
		{ echo "FAIL: cannot build prog.c for $arch (gcc-multilib)"; exit 1; }
done
printf 'line one\nline "two" with $HOME and \\ back\n' >"$tmp/data.txt"

for mode in "${modes[@]}"; do
	arch=amd64
	case $mode in 2level | pae) arch=i386 ;; esac
	o=$tmp/$mode
	mkdir -p "$o"
	rc=0
	"$VMLAB" --mode "$mode" --in "$tmp/prog-$arch" "$tmp/data.txt" --out "$o/out" --dmesg "$o/dmesg" \
		-- sh -c "vmreal --kernel vmalloc -q --snapshot /lab/out/vmalloc.machine >/dev/null || exit 99
			exec ./prog-$arch 7 'two words' '\$x'" >"$o/stdout" 2>"$o/stderr" || rc=$?
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
	[ $fail = 0 ] || { echo "--- $mode stderr:"; tail -n 20 "$o/stderr"; }
done

# A real WARNING: a module whose init WARNs, built for the 4level kernel and loaded in the guest.
cache=${VMTOUR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmtour}
mkdir -p "$tmp/warn"
cp "$here/warn/Kbuild" "$here/warn/warn.c" "$tmp/warn/"
if make -s -C "$cache/kernels/amd64/headers" M="$tmp/warn" modules >"$tmp/warn.log" 2>&1; then
	rc=0
	"$VMLAB" --mode 4level --in "$tmp/warn/vmlab_warn.ko" -- insmod ./vmlab_warn.ko >/dev/null 2>"$tmp/warn.err" || rc=$?
	# busybox insmod exits with the errno of the refused load: EINVAL, 22; vmlab keeps it.
	expect "a kernel WARNING during a failing command: its exit status kept (got $rc)" [ "$rc" = 22 ]
	expect "the WARNING is reported" grep -q "kernel reported trouble" "$tmp/warn.err"
	expect "the WARNING line is shown" grep -q "WARNING: .*vmlab_warn" "$tmp/warn.err"
	rc=0
	"$VMLAB" --mode 4level --in "$tmp/warn/vmlab_warn.ko" -- sh -c 'insmod ./vmlab_warn.ko; exit 0' >/dev/null 2>"$tmp/warn0.err" || rc=$?
	expect "a WARNING after a command that succeeded: exit 125 (got $rc)" [ "$rc" = 125 ]
else
	bad "cannot build the WARN module: $(tail -n 3 "$tmp/warn.log")"
fi

# A crash: sysrq c panics the kernel; the guest never sends its results.
rc=0
"$VMLAB" --mode 4level -- sh -c 'echo c > /proc/sysrq-trigger' >/dev/null 2>"$tmp/crash.err" || rc=$?
expect "a kernel crash: exit 125 (got $rc)" [ "$rc" = 125 ]
expect "the crash is named" grep -q "stopped before the command finished (the kernel crashed" "$tmp/crash.err"
expect "with the console's last lines" grep -q '^  | ' "$tmp/crash.err"

# Boot time limit.
rc=0
"$VMLAB" --mode 4level --timeout 1 -- true >/dev/null 2>"$tmp/timeout.err" || rc=$?
expect "a guest that does not boot in time: exit 125 (got $rc)" [ "$rc" = 125 ]
expect "it says so" grep -q "did not boot within 1 s" "$tmp/timeout.err"
expect "no QEMU left after the time limit" no_qemu_left

# SIGINT during a command (Ctrl-C in a terminal reaches vmlab and QEMU alike; here vmlab only).
"$VMLAB" --mode 4level -- sh -c 'echo up; sleep 300' >"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
for _ in $(seq 600); do grep -q up "$tmp/int.out" && break; sleep 0.2; done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
expect "SIGINT during a command: exit 130 (got $rc)" [ "$rc" = 130 ]
expect "no QEMU left after SIGINT" no_qemu_left

# Lessons 4, 8 and 9: the module's exercises run in the lab's guests (lesson 4's is seed 002's
# memory map in the 2level guest), nothing NOT RUN.
for n in 4 8 9; do
	if [ ${#modes[@]} != 4 ]; then
		echo "NOT RUN: vmsim lesson check $n --lab (its exercises name all four modes; run.sh without MODE runs it)"
		continue
	fi
	rc=0
	"$VMSIM" lesson check "$n" --lab >"$tmp/lesson$n" 2>&1 || rc=$?
	expect "vmsim lesson check $n --lab: exit 0 (got $rc)" [ "$rc" = 0 ]
	expect "lesson $n: nothing NOT RUN" sh -c "! grep -q 'NOT RUN' '$tmp/lesson$n'"
	expect "lesson $n: exercises ran in the lab's guests" grep -q "in the lab's .* guest" "$tmp/lesson$n"
	[ "$rc" = 0 ] || cat "$tmp/lesson$n"
done

bash "$here/shell.sh" "$build" || fail=1

[ $fail = 0 ] && echo "vmlab tests: all passed" || echo "vmlab tests: FAILED"
exit $fail
