#!/bin/bash
# Build the lab's guest for each kernel (686, 686-pae, amd64, amd64-6.12): ko5204.ko against that
# kernel's headers, vmreal and vmsim fully static for its architecture (CMake presets
# static-i386 / static-amd64, in build/static-ARCH), and a busybox initramfs holding them, the
# lessons and the guest's /init (guest/init.sh).  vmlab runs it before each boot; it returns at
# once when nothing it is made from changed (one hash of the sources, kept next to the result).
#   bash lab/build.sh [KERNEL...]
# Result: $CACHE/lab/KERNEL/initrd.cpio; the kernel is $CACHE/kernels/KERNEL/vmlinuz (fetch.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"

# What the static programs are built from (they link the simulator's library), as one hash.
programs_hash() {
	(cd "$REPO_DIR" && find real sim formats cmake CMakeLists.txt CMakePresets.json -type f \
		\( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cmake' -o -name CMakeLists.txt -o -name '*.json' \) \
		-print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

# What one flavour's initramfs is made from: the programs, the module, the guest's files, the
# lessons, busybox and the kernel.
initrd_hash() { # FLAVOUR ARCH
	{
		programs_hash
		(cd "$REPO_DIR" && find kmod lab/guest lessons -type f -print0 | sort -z | xargs -0 sha256sum)
		cat "$KROOT/$1/version" "$KROOT/busybox-$2/busybox" | sha256sum
	} | sha256sum | cut -c1-16
}

# Copies ninja's output to LOG, and says "N of TOTAL build steps" about every tenth of the way:
# a first build takes minutes, which must not look like a hang.
build_progress() { # LOG
	local line n total shown=0
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$1"
		[[ $line =~ ^\[([0-9]+)/([0-9]+)\] ]] || continue
		n=${BASH_REMATCH[1]} total=${BASH_REMATCH[2]}
		if ((n * 10 / total > shown)); then
			shown=$((n * 10 / total))
			log "  $n of $total build steps"
		fi
	done
}

# vmreal and vmsim, fully static, with the preset of ARCH (incremental); skipped when the sources
# have the hash of the last build.
build_programs() { # ARCH
	local arch=$1 out=$LABW/bin-$1 hash p
	hash=$(programs_hash)
	[ "$(cat "$out/hash" 2>/dev/null)" = "$hash" ] && return
	log "building vmreal and vmsim for $arch (cmake --preset static-$arch)"
	mkdir -p "$out"
	(cd "$REPO_DIR" && cmake --preset "static-$arch" >"$out/build.log" 2>&1 &&
		{ cmake --build --preset "static-$arch" --target vmreal vmsim -j "$(nproc)" 2>&1 |
			build_progress "$out/build.log"; [ "${PIPESTATUS[0]}" = 0 ]; }) ||
		{ tail -n 30 "$out/build.log" >&2; die "cannot build vmreal and vmsim for $arch (g++-multilib installed? see lab/README.md)"; }
	for p in real/vmreal vmsim; do
		# A static program has no program interpreter (the guests have no libc).
		if readelf -l "$REPO_DIR/build/static-$arch/$p" | grep -q INTERP; then
			die "build/static-$arch/$p is not statically linked"
		fi
		strip -o "$out/$(basename $p).tmp" "$REPO_DIR/build/static-$arch/$p"
		mv "$out/$(basename $p).tmp" "$out/$(basename $p)"
	done
	echo "$hash" >"$out/hash"
}

build_module() { # FLAVOUR
	local f=$1 src=$LABW/$1/kmod
	local headers=$KROOT/$f/headers
	[ -f "$KROOT/$f/ready" ] || die "the $f kernel is not in the cache (bash lab/fetch.sh $f)"
	mkdir -p "$src"
	# A private copy per flavour: builds for several kernels can run at once.
	# cp -p keeps times, so an unchanged module is not rebuilt.
	cp -p "$REPO_DIR"/kmod/{Kbuild,Makefile,*.c,*.h} "$src/"
	# No BTF for the module (CONFIG_DEBUG_INFO_BTF_MODULES is on in the 6.12 kernels): it would
	# need pahole (Debian's dwarves) on the host, and nothing in the lab reads a module's BTF.
	make -s -C "$headers" M="$src" CONFIG_DEBUG_INFO_BTF_MODULES= modules >"$LABW/$f/kbuild.log" 2>&1 ||
		{ cat "$LABW/$f/kbuild.log" >&2; die "the module does not build for $f (gcc and make installed?)"; }
	if grep -qiE 'warning|error' "$LABW/$f/kbuild.log"; then
		cat "$LABW/$f/kbuild.log" >&2
		die "the module build for $f printed warnings"
	fi
}

# The initramfs: busybox, /init, the module in /lab, the programs in /usr/bin and the lessons
# where the installed vmsim finds them (../share/vmtour/lessons from its folder).
build_initrd() { # FLAVOUR ARCH
	local f=$1 arch=$2 root=$LABW/$1/root
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev,tmp,root,lab/out,usr/bin,usr/share/vmtour}
	cp "$KROOT/busybox-$arch/busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$REPO_DIR/lab/guest/init.sh" "$root/init"
	chmod 755 "$root/init"
	strip --strip-debug -o "$root/lab/ko5204.ko" "$LABW/$f/kmod/ko5204.ko"
	cp "$LABW/bin-$arch/vmreal" "$LABW/bin-$arch/vmsim" "$root/usr/bin/"
	cp -r "$REPO_DIR/lessons" "$root/usr/share/vmtour/lessons"
	rm -f "$root"/usr/share/vmtour/lessons/*.sh
	# Not compressed: the guest's kernel would spend a second or more of each boot under software
	# emulation unpacking gzip; QEMU loads the 10 MB as they are.
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$LABW/$f/initrd.cpio.tmp"
	mv "$LABW/$f/initrd.cpio.tmp" "$LABW/$f/initrd.cpio"
	rm -rf "$root"
}

main() {
	local want=("$@") f arch todo=()
	# shellcheck disable=SC2206
	[ ${#want[@]} -gt 0 ] || want=($KERNELS_ALL)
	# Twice: without the lock first, so that a guest whose initramfs is up to date boots at once
	# even while another tree sharing the cache builds under the lock for minutes (its initramfs
	# is renamed into place whole, so it is safe to read); then, if there is work, under the lock.
	local pass
	for pass in free locked; do
		[ $pass = free ] || lock_cache
		todo=()
		for f in "${want[@]}"; do
			arch=$(flavour_arch "$f")
			[ -f "$KROOT/$f/ready" ] || die "the $f kernel is not in the cache (bash lab/fetch.sh $f)"
			[ -f "$KROOT/busybox-$arch/busybox" ] || die "no busybox for $arch in the cache (bash lab/fetch.sh $f)"
			if [ ! -f "$LABW/$f/initrd.cpio" ] || [ "$(cat "$LABW/$f/initrd.hash" 2>/dev/null)" != "$(initrd_hash "$f" "$arch")" ]; then
				todo+=("$f")
			fi
		done
		[ ${#todo[@]} -gt 0 ] || return 0
	done
	local arches=()
	for f in "${todo[@]}"; do
		arch=$(flavour_arch "$f")
		[[ " ${arches[*]} " == *" $arch "* ]] || arches+=("$arch")
	done
	for arch in "${arches[@]}"; do
		build_programs "$arch"
	done
	for f in "${todo[@]}"; do
		mkdir -p "$LABW/$f"
		build_module "$f" &
	done
	for f in "${todo[@]}"; do
		wait -n || die "a module build failed"
	done
	for f in "${todo[@]}"; do
		build_initrd "$f" "$(flavour_arch "$f")"
		initrd_hash "$f" "$(flavour_arch "$f")" >"$LABW/$f/initrd.hash"
	done
	log "built the guest for ${todo[*]}"
}

main "$@"
