#!/bin/bash
# The real-kernel matrix: boot Debian's kernels under QEMU with vmlab (the lab's one way to boot
# a kernel: its cache, guests, QEMU command line and result transport), run ko5204, vmreal
# (static, with --kernel and --snapshot) and the ktest helper inside, bring every snapshot back
# and replay it on the host with vmsim's walker (`vmsim check`), which must agree with what the
# kernel, the module's walk and pagemap answered.  Prints a table; exits non-zero on any failure.
# With --race, each row's guest runs the race of the module's walks against munmap instead
# (`ktest race`, race.c): no oops, BUG, WARNING, lockup or wrong answer.
#
#   bash tests/matrix/run.sh               # all six rows (four modes on 6.1, two on 6.12)
#   bash tests/matrix/run.sh 4level pae    # some rows (4level-6.12: 4level on 6.12)
#   bash tests/matrix/run.sh --race [ROW...]
#
# Environment: VMTOUR_CACHE (downloads, default ~/.cache/vmtour), VMSIM (default
# build/default/vmsim), VMLAB (default build/default/vmlab), VMTOUR_MATRIX_TIMEOUT (seconds per
# boot, default 240),
# VMTOUR_MATRIX_JOBS (guests at once, default the number of CPUs), VMTOUR_MATRIX_RACE (seconds
# of the race in each guest with --race, default 15); for tests/matrix/retry.sh only,
# VMTOUR_MATRIX_CRASH ("ROW:boot ROW:steps ...": crash that row's kernel before the steps on its
# first boot, or right after steps.sh's marker on every boot).
#
# A row whose kernel crashed before steps.sh began (checks.sh's crashed_before_steps: no marker
# on the console, no results, the guest ended by itself) is booted again, once, with a line
# starting "RETRY:"; the summary counts them. Nothing else is retried (README.md).
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/checks.sh"

T0=$(date +%s.%N)
WHAT=checks
if [ "${1:-}" = --race ]; then
	WHAT=race
	shift
fi
RUN=$WORK/$WHAT
RESULTS=$RUN
COUNTS=$RUN/counts
VMSIM=${VMSIM:-$REPO_DIR/build/default/vmsim}
TIMEOUT=${VMTOUR_MATRIX_TIMEOUT:-240}
FAILED=()
JOBS=${VMTOUR_MATRIX_JOBS:-$(nproc)}
# The race must catch lockups, so the detectors are on, with thresholds far above what a
# busy host's emulated CPUs can stand still for (seconds): soft lockups after 2 x 30 s, RCU stalls
# (a CPU stuck with interrupts off: no NMI watchdog under TCG) after 60 s, hung tasks after 30 s
# (set by steps.sh).  Warnings, BUGs and oopses fail the row too.  no_timer_check: on a loaded
# host the emulated CPUs are too slow for the boot-time check of the IO-APIC timer, which then
# panics ("IO-APIC + timer doesn't work!"), as seen with two CPUs.
RACE=${VMTOUR_MATRIX_RACE:-15}
GUEST_ARGS="oops=panic log_buf_len=4M watchdog_thresh=30 nmi_watchdog=0 rcupdate.rcu_cpu_stall_timeout=60"

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || die "$c is missing: run 'bash tests/matrix/setup.sh' first"
	done
}

# The test hooks of VMTOUR_MATRIX_CRASH for ROW's boot number N: sets APPEND (kernel arguments)
# and HOOK_IN (files for the guest). ROW:boot boots the first time with rdinit=/lab/crash-init,
# which crashes the kernel instead of starting the guest's /init; ROW:steps asks steps.sh to crash
# it right after its marker (every boot: were it retried, it would crash again).
crash_hooks() { # ROW N
	APPEND=$GUEST_ARGS HOOK_IN=()
	case " ${VMTOUR_MATRIX_CRASH:-} " in
	*" $1:boot "*)
		if [ "$2" = 1 ]; then
			APPEND+=" rdinit=/lab/crash-init"
			HOOK_IN=("$MATRIX_DIR/crash-init")
		fi
		;;
	esac
	case " ${VMTOUR_MATRIX_CRASH:-} " in
	*" $1:steps "*) APPEND+=" vmtour_matrix.crash=steps" ;;
	esac
}

# One boot of a row (N: the first or the second): vmlab boots the row's kernel without the
# module (steps.sh loads and unloads it) and runs steps.sh with the static ktest; /lab/out comes
# back to $d/out. Its exit status and seconds go to $d/boot.end.
boot() { # ROW N
	local row=$1 d=$RUN/$1 arch APPEND HOOK_IN
	arch=$(row_arch "$1")
	crash_hooks "$row" "$2"
	rm -rf "$d" && mkdir -p "$d"
	local t0 rc=0
	t0=$(date +%s.%N)
	timeout "$TIMEOUT" "$VMLAB" --mode "$(row_mode "$row")" --kernel "$(row_series "$row")" --cpus 2 --timeout "$TIMEOUT" --no-module --append "$APPEND" \
		--in "$MATRIX_DIR/steps.sh" "$WORK/ktest-$arch" "${HOOK_IN[@]}" --out "$d/out" --console "$d/console.log" \
		-- sh /lab/steps.sh "$WHAT" /lab/out /lab/ko5204.ko "/lab/ktest-$arch" "$(steps_arg)" \
		>"$d/vmlab.out" 2>"$d/vmlab.err" || rc=$?
	echo "$rc $(echo "$(date +%s.%N) - $t0" | bc)" >"$d/boot.end"
}

# A row's boots: one, and a second only if the kernel crashed before steps.sh began (checks.sh's
# crashed_before_steps): that crash cannot be ours, and Debian's kernels do crash so under TCG
# now and then (an int3 of the kernel's own text patching racing the other vCPU). The first
# boot's files stay in $d.crashed, its reason and seconds in $d/retried. boot.rc last: the
# slot is free once it is there.
boot_row() { # ROW
	local row=$1 d=$RUN/$1 why rc secs
	boot "$row" 1
	if why=$(crashed_before_steps "$d"); then
		read -r rc secs <"$d/boot.end"
		printf 'RETRY: %s: the kernel crashed before the steps began (%.1f s into the boot): %s; booting it again\n' \
			"$row" "$secs" "$why" >&2
		rm -rf "$d.crashed" && mv "$d" "$d.crashed"
		boot "$row" 2
		echo "$secs $why" >"$d/retried"
	fi
	mv "$d/boot.end" "$d/boot.rc"
}

steps_arg() { # the last argument of steps.sh
	if [ "$WHAT" = race ]; then echo "$RACE"; else echo /usr/bin/vmreal; fi
}

check_row() { # ROWNAME
	local row=$1 d=$RUN/$1 rc secs
	read -r rc secs <"$d/boot.rc"
	echo "$row $secs" >>"$RUN/times"
	if [ ! -f "$d/out/status" ]; then
		local again=""
		[ -f "$d/retried" ] && again=" on its second boot (the first crashed before the steps)"
		fail "$row" "the guest did not finish$again (vmlab exit $rc after $(printf %.1f "$secs") s: $(grep -v '^vmlab: .* guest, Linux' "$d/vmlab.err" | head -n 1))" "$d/console.log"
		return
	fi
	# vmlab's own verdict: steps.sh exits 0, and vmlab adds 125 for trouble in the kernel log.
	[ "$rc" = 0 ] || fail "$row" "vmlab exit $rc" "$d/vmlab.err"
	if grep -qE "$KERNEL_TROUBLE" "$d/console.log"; then
		fail "$row" "the console has a warning or an oops" "$d/console.log"
	fi
	if [ "$WHAT" = race ]; then
		check_race_results "$row" "$d/out"
	else
		check_results "$row" "$d" "$d/out"
	fi
}

# One row in a background job: its boot, then at once its checks on the host, which thus run
# while the other guests still boot instead of after all of them. The job's failures go to
# $d/failed, its messages to $d/check.err; collect_row brings them into this shell.
boot_and_check() { # ROW
	local d=$RUN/$1
	boot_row "$1"
	FAILED=()
	check_row "$1" 2>"$d/check.err"
	printf '%s\n' "${FAILED[@]}" >"$d/failed"
}

collect_row() { # ROW
	local d=$RUN/$1 line
	cat "$d/check.err" >&2 2>/dev/null || true
	[ -f "$d/failed" ] || { FAILED+=("$1: its checks did not run to the end"); return; }
	while IFS= read -r line; do
		if [ -n "$line" ]; then FAILED+=("$line"); fi
	done <"$d/failed"
}

# How many of the rows started are still booting (no boot.rc yet): a guest's slot is free as
# soon as its guest is done, while its checks still run.
booting() { # ROW...
	local row n=0
	for row in "$@"; do
		[ -f "$RUN/$row/boot.rc" ] || n=$((n + 1))
	done
	echo $n
}

main() {
	need gcc bc timeout
	SELECTED=("$@")
	if [ ${#SELECTED[@]} -eq 0 ]; then
		SELECTED=("${ROWS[@]}")
	fi
	local row
	for row in "${SELECTED[@]}"; do
		[[ " ${ROWS[*]} " == *" $row "* ]] || die "unknown row $row (${ROWS[*]})"
	done
	[ -x "$VMLAB" ] || die "$VMLAB does not exist: build it first (cmake --build build/default --target vmlab)"

	vmsim_has_check || die "$VMSIM does not exist or has no 'check' command: build vmsim first (cmake --build build/default --target vmsim)"

	# The kernels and guests (downloaded and built once, then only checked: the scripts take the
	# cache's lock only when there is work), and ktest, all at once.
	local pids=() what=()
	for row in "${SELECTED[@]}"; do
		"$VMLAB" --fetch --mode "$(row_mode "$row")" --kernel "$(row_series "$row")" &
		pids+=($!) what+=("vmlab --fetch --mode $(row_mode "$row") --kernel $(row_series "$row")")
	done
	bash "$MATRIX_DIR/build.sh" &
	pids+=($!) what+=("tests/matrix/build.sh")
	local i
	for i in "${!pids[@]}"; do
		wait "${pids[i]}" || die "${what[i]} failed"
	done
	local t1
	t1=$(date +%s.%N)

	mkdir -p "$RUN"
	: >"$RUN/counts"
	: >"$RUN/times"
	# Started longest first (5level boots a compressed kernel and reserves a 1 GiB page; the i386
	# rows boot compressed kernels; 4level boots the unpacked one by PVH), so that the last two
	# guests end close together; the table keeps the rows' order.
	local start=() mode
	for mode in 5level pae 2level 4level; do
		for row in "${SELECTED[@]}"; do
			[ "$(row_mode "$row")" = "$mode" ] && start+=("$row")
		done
	done
	local started=()
	for row in "${start[@]}"; do
		# At most JOBS guests at once (two emulated CPUs each: the race needs two).
		while [ "$(booting "${started[@]}")" -ge "$JOBS" ]; do
			sleep 0.2
		done
		rm -rf "${RUN:?}/$row" "${RUN:?}/$row.crashed"
		started+=("$row")
		boot_and_check "$row" &
	done
	wait
	local t2
	t2=$(date +%s.%N)
	for row in "${SELECTED[@]}"; do
		collect_row "$row"
	done
	if [ "$WHAT" = race ]; then race_table; else table; fi
	local first why retried=()
	while read -r row secs; do
		if [ -f "$RUN/$row/retried" ]; then
			read -r first why <"$RUN/$row/retried"
			printf 'boot %-11s %5.1f s (and %.1f s of a first boot that crashed)\n' "$row" "$secs" "$first"
			retried+=("RETRY: $row: the kernel crashed before the steps began: $why")
		else
			printf 'boot %-11s %5.1f s\n' "$row" "$secs"
		fi
	done <"$RUN/times"
	local name=matrix
	[ "$WHAT" = race ] && name="matrix --race"
	printf '%s: fetch+build %.1f s, boots and checks (in parallel) %.1f s, total %.1f s\n' "$name" \
		"$(echo "$t1 - $T0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$(date +%s.%N) - $T0" | bc)"
	[ ${#retried[@]} = 0 ] || printf '%s\n' "${retried[@]}"
	# Rows with a failure (a FAILED line is "ROW: what").
	local failed_rows
	failed_rows=$(printf '%s\n' "${FAILED[@]}" | sed -n 's/^\([^:]*\): .*/\1/p' | sort -u | grep -c . || true)
	local summary="$((${#SELECTED[@]} - failed_rows)) passed, $failed_rows failed, ${#retried[@]} retried"
	if [ ${#FAILED[@]} -gt 0 ]; then
		echo "$name: ${#FAILED[@]} failure(s):"
		printf '  %s\n' "${FAILED[@]}"
		echo "$name: $summary"
		exit 1
	fi
	echo "$name: $summary"
}

main "$@"
