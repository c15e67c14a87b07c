#!/bin/bash
# The real-kernel matrix: boot Debian's kernels under QEMU (TCG), run ko5204, vmreal (static, with
# --kernel and --snapshot) and the ktest helper inside, bring every snapshot back and replay it on
# the host with vmsim's walker (`vmsim check`), which must agree with what the kernel, the
# module's walk and pagemap answered.  Prints a table; exits non-zero on any failure.
#
#   bash tests/matrix/run.sh               # all four rows
#   bash tests/matrix/run.sh 4level pae    # some rows
#
# Environment: VMTOUR_CACHE (downloads, default ~/.cache/vmtour), VMSIM (default
# build/default/vmsim), VMTOUR_MATRIX_TIMEOUT (seconds per boot, default 240),
# VMTOUR_MATRIX_JOBS (guests at once, default the number of CPUs), VMTOUR_MATRIX_RACE (seconds
# of the race step in each guest, default 15).
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/checks.sh"

T0=$(date +%s.%N)
RUN=$WORK/run
RESULTS=$RUN
COUNTS=$RUN/counts
VMSIM=${VMSIM:-$REPO_DIR/build/default/vmsim}
TIMEOUT=${VMTOUR_MATRIX_TIMEOUT:-240}
FAILED=()
JOBS=${VMTOUR_MATRIX_JOBS:-$(nproc)}
# The race step must catch lockups, so the detectors are on, with thresholds far above what a
# busy host's emulated CPUs can stand still for (seconds): soft lockups after 2 x 30 s, RCU stalls
# (a CPU stuck with interrupts off: no NMI watchdog under TCG) after 60 s, hung tasks after 30 s
# (set by steps.sh).  Warnings, BUGs and oopses fail the row too.  no_timer_check: on a loaded
# host the emulated CPUs are too slow for the boot-time check of the IO-APIC timer, which then
# panics ("IO-APIC + timer doesn't work!"), as seen with two CPUs.
RACE=${VMTOUR_MATRIX_RACE:-15}
GUEST_ARGS="no_timer_check watchdog_thresh=30 nmi_watchdog=0 rcupdate.rcu_cpu_stall_timeout=60 vmtour.race=$RACE"

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || die "$c is missing: run 'bash tests/matrix/setup.sh' first"
	done
}

boot() { # NAME FLAVOUR QEMU CPU KERNEL-ARGS
	local flavour=$2 qemu=$3 cpu=$4 args=${5#-} d=$RUN/$1 mem=2048
	args=${args//,/ }
	# 64-bit guests get 3 GiB: then 1-2 GiB is all RAM and the direct map can use a 1 GiB page
	# there (ACPI tables and the initrd sit near the top of RAM and split what they touch).
	[ "$flavour" = amd64 ] && mem=3072
	rm -rf "$d" && mkdir -p "$d"
	local t0 rc=0
	t0=$(date +%s.%N)
	timeout "$TIMEOUT" "$qemu" -accel tcg -cpu "$cpu" -m "$mem" -smp 2 -nographic -no-reboot \
		-nic none -monitor none -serial "file:$d/console.log" -serial "file:$d/data.raw" \
		-kernel "$KROOT/$flavour/vmlinuz" -initrd "$WORK/$flavour/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1 oops=panic log_buf_len=4M cryptomgr.notests $GUEST_ARGS $args" >"$d/qemu.log" 2>&1 || rc=$?
	echo "$rc $(echo "$(date +%s.%N) - $t0" | bc)" >"$d/boot.rc"
}

# Unpack the guest's results (ttyS1: a base64 tar.gz between BEGIN and END lines).
unpack() { # DIR
	local d=$1
	tr -d '\r' <"$d/data.raw" >"$d/data.txt"
	mkdir -p "$d/out"
	sed -n '/^=== BEGIN out.tgz$/,/^=== END out.tgz$/p' "$d/data.txt" | sed '1d;$d' |
		base64 -d 2>/dev/null | tar -xz -C "$d/out" 2>/dev/null || true
}

check_row() { # ROWNAME
	local row=$1 d=$RUN/$1 rc secs
	read -r rc secs <"$d/boot.rc"
	echo "$row $secs" >>"$RUN/times"
	unpack "$d"
	if [ "$rc" != 0 ] || ! grep -q '^=== DONE' "$d/data.txt"; then
		fail "$row" "the guest did not finish (qemu exit $rc after ${secs}s)" "$d/console.log"
		return
	fi
	if grep -qE "$KERNEL_TROUBLE" "$d/console.log"; then
		fail "$row" "the console has a warning or an oops" "$d/console.log"
	fi
	check_results "$row" "$d" "$d/out"
}

main() {
	need qemu-system-x86_64 qemu-system-i386 gcc g++ cmake ninja make cpio gzip bc apt-get dpkg timeout readelf strip
	SELECTED=("$@")
	if [ ${#SELECTED[@]} -eq 0 ]; then
		SELECTED=(2level pae 4level 5level)
	fi
	local row r flavours=()
	for row in "${SELECTED[@]}"; do
		r=$(printf '%s\n' "${ROWS[@]}" | awk -v n="$row" '$1 == n')
		[ -n "$r" ] || die "unknown row $row (2level pae 4level 5level)"
		set -- $r
		[[ " ${flavours[*]} " == *" $2 "* ]] || flavours+=("$2")
	done

	vmsim_has_check || die "$VMSIM does not exist or has no 'check' command: build vmsim first (cmake --build build/default --target vmsim)"

	bash "$MATRIX_DIR/fetch.sh" "${flavours[@]}"
	bash "$MATRIX_DIR/build.sh" "${flavours[@]}"
	local t1
	t1=$(date +%s.%N)

	mkdir -p "$RUN"
	: >"$RUN/counts"
	: >"$RUN/times"
	for row in "${SELECTED[@]}"; do
		set -- $(printf '%s\n' "${ROWS[@]}" | awk -v n="$row" '$1 == n')
		# At most JOBS guests at once (two emulated CPUs each: the race needs two).
		while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
			wait -n || true
		done
		boot "$1" "$2" "$4" "$5" "$6" &
	done
	wait
	local t2
	t2=$(date +%s.%N)
	for row in "${SELECTED[@]}"; do
		check_row "$row"
	done
	table
	while read -r row secs; do
		printf 'boot %-7s %5.1f s\n' "$row" "$secs"
	done <"$RUN/times"
	printf 'matrix: fetch+build %.1f s, boots (in parallel) %.1f s, total %.1f s\n' \
		"$(echo "$t1 - $T0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$(date +%s.%N) - $T0" | bc)"
	if [ ${#FAILED[@]} -gt 0 ]; then
		echo "matrix: ${#FAILED[@]} failure(s):"
		printf '  %s\n' "${FAILED[@]}"
		echo "matrix: 0 passed, ${#SELECTED[@]} failed"
		exit 1
	fi
	echo "matrix: ${#SELECTED[@]} passed, 0 failed"
}

main "$@"
