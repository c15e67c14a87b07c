#!/bin/bash
# The matrix's one retry (README.md, "A kernel that crashes while it boots"): a row whose kernel
# crashed before steps.sh began is booted again once; a crash after steps.sh's marker never is.
#   bash tests/matrix/retry.sh             # the rule on made-up rows, then real guests
#   bash tests/matrix/retry.sh --no-boot   # the rule only (ctest)
# The rule: checks.sh's crashed_before_steps, on row folders written here as run.sh leaves them
# (a crash before the marker, an int3 oops like the one seen in CI, a crash after the marker,
# results sent, a boot time limit, run.sh's timeout, a guest gone without a word).
# The guests: run.sh --race (a 3 s race) with VMTOUR_MATRIX_CRASH="4level:boot
# 4level-6.12:steps", one guest at a time: 4level's first kernel panics before /init
# (rdinit=/lab/crash-init), so run.sh must say RETRY, boot it again and pass it; 4level-6.12's
# panics right after steps.sh's marker, so that row must fail, booted once. The second also
# checks what vmlab says of a kernel that crashes during a command (exit 125, the crash named,
# the console's last lines; this was tests/lab/run.sh's crash check, which boots no guest of
# its own now). Three short boots: 27.9 s with the host loaded (load 5-6). VMLAB, VMSIM,
# VMTOUR_MATRIX_WORK (this test works in its retry-test folder) as for run.sh.
set -uo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/checks.sh"

failures=0
ok() { echo "ok: $*"; }
bad() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
expect() { # NAME TEST...
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/matrix-retry.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# A row folder: its console, vmlab's stderr, and out/status when the guest sent results.
row_dir() { # NAME CONSOLE VMLAB-ERR [results]
	local d=$tmp/$1
	mkdir -p "$d/out"
	printf '%s' "$2" >"$d/console.log"
	printf 'vmlab: 4level guest, Linux 6.12.95+deb12-amd64, 2 CPUs: software emulation, TCG\n%s\n' "$3" >"$d/vmlab.err"
	[ -z "${4:-}" ] || echo "insmod 0" >"$d/out/status"
	echo "$d"
}

# crashed_before_steps on D: retried (and its reason) or not.
rule() { # NAME WANT(retry|no) [REASON] -- CONSOLE VMLAB-ERR [results]
	local name=$1 want=$2 reason="" d got rc=0
	shift 2
	if [ "$1" != -- ]; then
		reason=$1
		shift
	fi
	shift
	d=$(row_dir "$name" "$@")
	got=$(crashed_before_steps "$d") || rc=$?
	if [ "$want" = retry ]; then
		expect "rule: $name: retried" [ "$rc" = 0 ]
		expect "rule: $name: named '$reason' (got '$got')" [ "$got" = "$reason" ]
	else
		expect "rule: $name: not retried" [ "$rc" != 0 ]
	fi
}

PANIC='[    6.560985] Kernel panic - not syncing: sysrq triggered crash'
STOPPED='vmlab: the 4level guest stopped before the command finished (the kernel crashed: [    6.5] Kernel panic - not syncing: sysrq triggered crash); the last lines of its console:'
MARK='[    6.083075] ko5204-matrix: start'
check_rule() {
	rule "a panic before the marker" retry "Kernel panic - not syncing: sysrq triggered crash" -- \
		$'[    6.559690] sysrq: Trigger a crash\r\n'"$PANIC"$'\r\n' "$STOPPED"
	# The crash seen in CI (4level-6.12, 2.2 s into the boot): its first line names it.
	rule "an int3 oops while booting" retry "Oops: int3: 0000 [#1] PREEMPT SMP NOPTI" -- \
		$'[    2.201101] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n[    2.201990] RIP: 0010:hrtimer_start_range_ns+0x1cb/0x3e0\n[    2.210004] Kernel panic - not syncing: Fatal exception\n' \
		"$STOPPED"
	# Each of these breaks one of the three conditions only.
	rule "a crash after the marker" no -- "$MARK"$'\n'"$PANIC"$'\n' "$STOPPED"
	rule "results sent (out/status)" no -- "$PANIC"$'\n' "$STOPPED" results
	rule "a boot that hit its time limit" no -- "$PANIC"$'\n' \
		'vmlab: the 4level guest did not boot within 240 s (--timeout); the last lines of its console:'
	# run.sh's timeout stops vmlab: no console.log comes back.
	d=$(row_dir "stopped by run.sh's timeout" "" "vmlab: interrupted (signal 15): the guest was stopped")
	rm -f "$d/console.log"
	local rc=0
	crashed_before_steps "$d" >/dev/null || rc=$?
	expect "rule: stopped by run.sh's timeout: not retried (rc $rc)" [ "$rc" != 0 ]
	# A triple fault resets the CPU; with -no-reboot QEMU exits, the console says nothing.
	rule "a guest gone without a word" retry "no crash on the console: QEMU exit 0" -- "" \
		'vmlab: the 4level guest stopped before the command finished (QEMU exit 0); the last lines of its console:'
}

# The guests. Output: run.sh's stdout and stderr in $tmp/run.out and $tmp/run.err.
check_boot() {
	local work=$WORK/retry-test rc=0
	VMTOUR_MATRIX_WORK=$work VMTOUR_MATRIX_JOBS=1 VMTOUR_MATRIX_RACE=3 \
		VMTOUR_MATRIX_CRASH="4level:boot 4level-6.12:steps" \
		bash "$MATRIX_DIR/run.sh" --race 4level 4level-6.12 >"$tmp/run.out" 2>"$tmp/run.err" || rc=$?
	local r=$work/race all=$tmp/run.all
	cat "$tmp/run.out" "$tmp/run.err" >"$all"
	expect "run.sh: exit 1, 4level-6.12 failed (got $rc)" [ "$rc" = 1 ]
	# 4level: its first kernel crashed before /init, the row was booted again and passed.
	expect "4level's first boot panicked, with no marker" \
		sh -c "grep -q 'Kernel panic' '$r/4level.crashed/console.log' && ! grep -q 'ko5204-matrix: start' '$r/4level.crashed/console.log'"
	expect "vmlab named the first boot's crash" \
		grep -q "stopped before the command finished (the kernel crashed: .*sysrq triggered crash" "$r/4level.crashed/vmlab.err"
	expect "a RETRY line names 4level, why, and the crash's first line" \
		grep -q "^RETRY: 4level: the kernel crashed before the steps began (.*): Kernel panic - not syncing: sysrq triggered crash; booting it again$" "$tmp/run.err"
	expect "4level passed on its second boot" sh -c "! grep -q 'FAIL 4level:' '$all'"
	expect "its second boot ran the race" grep -q '^race: 0 errors' "$r/4level/out/race"
	expect "its second boot has the marker" grep -q 'ko5204-matrix: start' "$r/4level/console.log"
	# 4level-6.12: the kernel crashed right after the marker: failed, never booted again.
	expect "4level-6.12 panicked after its marker" \
		sh -c "tr -d '\r' <'$r/4level-6.12/console.log' | grep -A3 'ko5204-matrix: start' | grep -q 'Kernel panic'"
	expect "4level-6.12 was not retried" sh -c "! grep -q 'RETRY: 4level-6.12' '$all' && [ ! -e '$r/4level-6.12.crashed' ]"
	expect "4level-6.12 failed: its guest did not finish" grep -q "FAIL 4level-6.12: the guest did not finish (vmlab exit 125" "$tmp/run.err"
	# What vmlab says of a kernel that crashes during a command (tests/lab/run.sh's check before).
	expect "vmlab: a kernel crash during a command is named" \
		grep -q "stopped before the command finished (the kernel crashed" "$r/4level-6.12/vmlab.err"
	expect "vmlab: with the console's last lines" grep -q '^  | ' "$r/4level-6.12/vmlab.err"
	expect "the summary counts the retry" grep -qx 'matrix --race: 1 passed, 1 failed, 1 retried' "$tmp/run.out"
	expect "the summary repeats the RETRY line" grep -q '^RETRY: 4level: ' "$tmp/run.out"
	grep -E '^(boot |matrix --race: fetch)' "$tmp/run.out"
	if [ $failures -gt 0 ]; then
		echo "--- run.sh's output:"
		grep -v '^\[' "$all" | tail -n 40
	fi
}

check_rule
[ "${1:-}" = --no-boot ] || check_boot
if [ $failures -gt 0 ]; then
	echo "matrix retry: $failures check(s) FAILED"
	exit 1
fi
echo "matrix retry: all passed"
