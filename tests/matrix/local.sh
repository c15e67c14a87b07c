#!/bin/bash
# The matrix's check on this machine's own kernel, for a user who can load modules:
# builds ko5204 against the running kernel's headers, loads and unloads it, runs the same steps as
# each QEMU guest (vmreal --kernel vmalloc/kmalloc and --snapshot of its buffers, bad input,
# concurrent writers) and then the race (run.sh --race), replays every snapshot with vmsim check,
# and prints the same table.
# Needs root, the headers (apt-get install linux-headers-$(uname -r)) and build/default built
# (vmsim and vmreal).
#
#   sudo bash tests/matrix/local.sh
set -euo pipefail
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/checks.sh"

[ "$(id -u)" = 0 ] || die "run as root (insmod, physical addresses)"
[ -e /proc/modules ] || die "this kernel cannot load modules (no /proc/modules); use tests/matrix/run.sh"
[ ! -e /proc/pagetable ] || die "/proc/pagetable exists already: rmmod ko5204 first"
case $(uname -m) in
x86_64 | i?86) ;;
*) die "ko5204 is for x86 ($(uname -m) here)" ;;
esac
KDIR=${KDIR:-/lib/modules/$(uname -r)/build}
[ -d "$KDIR" ] || die "no kernel headers at $KDIR: apt-get install linux-headers-$(uname -r)"

LOCAL=$(mktemp -d /tmp/vmtour-local.XXXXXX)
RESULTS=$LOCAL
COUNTS=$LOCAL/counts
VMSIM=${VMSIM:-$REPO_DIR/build/default/vmsim}
VMREAL=${VMREAL:-$REPO_DIR/build/default/real/vmreal}
SELECTED=(local)
FAILED=()
: >"$COUNTS"

mkdir -p "$LOCAL/kmod"
cp -p "$REPO_DIR"/kmod/{Kbuild,Makefile,*.c,*.h} "$LOCAL/kmod/"
make -s -C "$KDIR" M="$LOCAL/kmod" modules || die "module build failed"
gcc -O2 -Wall -Wextra -pthread -o "$LOCAL/ktest" "$MATRIX_DIR"/{ktest,proc,hostile,access,race}.c
vmsim_has_check || die "$VMSIM does not exist or has no 'check' command: cmake --build build/default first"
[ -x "$VMREAL" ] || die "no $VMREAL: cmake --build build/default first"

sh "$MATRIX_DIR/steps.sh" checks "$LOCAL/local/out" "$LOCAL/kmod/ko5204.ko" "$LOCAL/ktest" "$VMREAL"
[ ! -e /proc/pagetable ] || rmmod ko5204 || true
sh "$MATRIX_DIR/steps.sh" race "$LOCAL/local/race" "$LOCAL/kmod/ko5204.ko" "$LOCAL/ktest" "${VMTOUR_MATRIX_RACE:-15}"
[ ! -e /proc/pagetable ] || rmmod ko5204 || true
check_results local "$LOCAL/local" "$LOCAL/local/out"
check_race_results local "$LOCAL/local/race"
table
race_summary local "$LOCAL/local/race/race"
echo "results in $LOCAL"
if [ ${#FAILED[@]} -gt 0 ]; then
	printf '  %s\n' "${FAILED[@]}"
	echo "matrix: 0 passed, 1 failed"
	exit 1
fi
echo "matrix: 1 passed, 0 failed"
