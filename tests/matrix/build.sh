#!/bin/bash
# Build the matrix's own helper, ktest (ktest.c, race.c), static for i386 and x86_64. Everything
# else in the guests (the module for each kernel, static vmreal and vmsim, the initramfs) is the
# lab's (lab/build.sh, run by vmlab); run.sh hands ktest and steps.sh to vmlab with --in.
#   bash tests/matrix/build.sh
# Result: $WORK/ktest-i386, $WORK/ktest-amd64.
set -euo pipefail
. "$(dirname "$0")/common.sh"

build_ktest() { # ARCH
	local arch=$1 out=$WORK/ktest-$1 m=-m64
	[ "$arch" = i386 ] && m=-m32
	if [ ! -x "$out" ] || [ "$MATRIX_DIR/ktest.c" -nt "$out" ] || [ "$MATRIX_DIR/race.c" -nt "$out" ] ||
		[ "$MATRIX_DIR/race.h" -nt "$out" ]; then
		mkdir -p "$WORK"
		gcc "$m" -static -pthread -O2 -Wall -Wextra -Werror -o "$out.tmp" "$MATRIX_DIR/ktest.c" \
			"$MATRIX_DIR/race.c" ||
			die "cannot build ktest for $arch (gcc-multilib installed? run tests/matrix/setup.sh)"
		mv "$out.tmp" "$out"
	fi
}

main() {
	build_ktest i386
	build_ktest amd64
}

main "$@"
