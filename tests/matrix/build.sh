#!/bin/bash
# Build the matrix's own helper, ktest (ktest.c and its neighbours, ktest.h), static for i386
# and x86_64. Everything else in the guests (the module for each kernel, vmreal and vmsim, the
# initramfs) is the lab's (lab/build.sh, run by vmlab); run.sh hands ktest and steps.sh to vmlab
# with --in.
#   bash tests/matrix/build.sh
# Result: $WORK/ktest-i386, $WORK/ktest-amd64.
set -euo pipefail
. "$(dirname "$0")/common.sh"

build_ktest() { # ARCH
	local arch=$1 out=$WORK/ktest-$1 m=-m64 src
	[ "$arch" = i386 ] && m=-m32
	src=("$MATRIX_DIR"/{ktest,proc,hostile,access,race}.c)
	# Rebuilt when the sources differ from those it was built from (by content: another tree
	# sharing the cache may have older files that differ).
	local sources
	sources=$(cat "${src[@]}" "$MATRIX_DIR/ktest.h" | sha256sum | cut -c1-16)
	if [ ! -x "$out" ] || [ "$(cat "$out.sources" 2>/dev/null)" != "$sources" ]; then
		mkdir -p "$WORK"
		gcc "$m" -static -pthread -O2 -Wall -Wextra -Werror -o "$out.tmp" "${src[@]}" ||
			die "cannot build ktest for $arch (gcc-multilib installed? run tests/matrix/setup.sh)"
		mv "$out.tmp" "$out"
		echo "$sources" >"$out.sources"
	fi
}

main() {
	build_ktest i386
	build_ktest amd64
}

main "$@"
