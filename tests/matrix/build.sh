#!/bin/bash
# Build, for each flavour (686, 686-pae, amd64): ko5204.ko against that kernel's headers, the
# static vmreal (CMake presets static-i386 / static-amd64) and ktest helper for its architecture,
# and a busybox initramfs holding them and init.sh.
#   bash tests/matrix/build.sh [FLAVOUR...]
# Result: $WORK/FLAVOUR/initrd.gz (and the .ko next to it).
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

# What vmreal is built from (it links the simulator's library), as one hash.
vmreal_sources_hash() {
	(cd "$REPO_DIR" && find real sim formats cmake CMakeLists.txt CMakePresets.json -type f \
		\( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cmake' -o -name CMakeLists.txt -o -name '*.json' \) \
		-print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

# vmreal, fully static, with the preset of its architecture (build/static-ARCH in the repository,
# incremental); skipped when the sources have the hash of the last build.
build_vmreal() { # ARCH
	local arch=$1 out=$WORK/vmreal-$1 hash
	hash=$(vmreal_sources_hash)
	if [ -x "$out" ] && [ "$(cat "$out.hash" 2>/dev/null)" = "$hash" ]; then
		return
	fi
	log "building vmreal for $arch (cmake --preset static-$arch)"
	mkdir -p "$WORK"
	(cd "$REPO_DIR" && cmake --preset "static-$arch" >"$WORK/vmreal-$arch.log" 2>&1 &&
		cmake --build --preset "static-$arch" -j "$(nproc)" >>"$WORK/vmreal-$arch.log" 2>&1) ||
		{ tail -n 30 "$WORK/vmreal-$arch.log" >&2; die "cannot build vmreal for $arch (g++-multilib installed? run tests/matrix/setup.sh)"; }
	# A static program has no program interpreter (the guests have no libc).
	if readelf -l "$REPO_DIR/build/static-$arch/real/vmreal" | grep -q INTERP; then
		die "build/static-$arch/real/vmreal is not statically linked"
	fi
	strip -o "$out.tmp" "$REPO_DIR/build/static-$arch/real/vmreal"
	mv "$out.tmp" "$out"
	echo "$hash" >"$out.hash"
}

build_module() { # FLAVOUR
	local f=$1 src=$WORK/$1/kmod
	local headers=$KROOT/$f/headers
	[ -f "$KROOT/$f/ready" ] || die "$f kernel not fetched (tests/matrix/fetch.sh)"
	mkdir -p "$src"
	# A private copy per flavour: builds for several kernels can run at once.
	# cp -p keeps times, so an unchanged module is not rebuilt.
	cp -p "$REPO_DIR"/kmod/{Kbuild,Makefile,*.c,*.h} "$src/"
	make -s -C "$headers" M="$src" modules >"$WORK/$f/kbuild.log" 2>&1 ||
		{ cat "$WORK/$f/kbuild.log" >&2; die "module build for $f failed"; }
	if grep -qiE 'warning|error' "$WORK/$f/kbuild.log"; then
		cat "$WORK/$f/kbuild.log" >&2
		die "module build for $f printed warnings"
	fi
}

build_initrd() { # FLAVOUR ARCH
	local f=$1 arch=$2 root=$WORK/$1/root
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev,tmp}
	cp "$KROOT/busybox-$arch/busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$MATRIX_DIR/init.sh" "$root/init"
	cp "$MATRIX_DIR/steps.sh" "$root/steps.sh"
	chmod 755 "$root/init"
	strip --strip-debug -o "$root/ko5204.ko" "$WORK/$f/kmod/ko5204.ko"
	cp "$WORK/ktest-$arch" "$root/ktest"
	cp "$WORK/vmreal-$arch" "$root/vmreal"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$WORK/$f/initrd.gz"
}

main() {
	local want=("$@") f arch
	[ ${#want[@]} -gt 0 ] || want=(686 686-pae amd64)
	build_ktest i386
	build_ktest amd64
	local arches=()
	for f in "${want[@]}"; do
		arch=i386
		[ "$f" = amd64 ] && arch=amd64
		[[ " ${arches[*]} " == *" $arch "* ]] || arches+=("$arch")
	done
	for arch in "${arches[@]}"; do
		build_vmreal "$arch"
	done
	for f in "${want[@]}"; do
		arch=i386
		[ "$f" = amd64 ] && arch=amd64
		mkdir -p "$WORK/$f"
		build_module "$f" &
	done
	for f in "${want[@]}"; do
		wait -n || die "a module build failed"
	done
	for f in "${want[@]}"; do
		arch=i386
		[ "$f" = amd64 ] && arch=amd64
		build_initrd "$f" "$arch"
	done
	log "built ${want[*]}"
}

main "$@"
