#!/bin/bash
# Build the lab's guest for each kernel (686, 686-pae, amd64, amd64-6.12): ko5204.ko against that
# kernel's headers, and a busybox initramfs holding it, vmreal and vmsim for the kernel's
# architecture, the lessons and the guest's /init (guest/init.sh).  The amd64 guests run the
# host's 64-bit vmsim and vmreal with the shared libraries they load; the i386 guests need static
# 32-bit ones, installed with vmtour (libexec/vmtour/i386) or built from a source tree (CMake
# preset static-i386, in build/static-i386).  Where each part comes from: common.sh.  vmlab runs
# it before each boot; it returns at once when nothing a guest is made from changed (one hash,
# kept next to the result).
#   bash lab/build.sh [KERNEL...]
# Result: $CACHE/lab/KERNEL/initrd.cpio; the kernel is $CACHE/kernels/KERNEL/vmlinuz (fetch.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"

# The module's source files (what ko5204-dkms installs in /usr/src; not kbuild's *.mod.c).
kmod_files() {
	[ -f "$KMOD_DIR/Kbuild" ] ||
		die "no sources of the module at '$KMOD_DIR' (an installed vmtour: apt-get install ko5204-dkms)"
	find "$KMOD_DIR" -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild -o -name Makefile \) \
		! -name '*.mod.c' | sort
}

# The module's sources by content and name, not path: trees that share the cache agree.
kmod_sources_hash() {
	kmod_files | xargs sha256sum | sed 's|  .*/|  |' | sha256sum | cut -c1-16
}

# What the static 32-bit programs are built from in a source tree (they link the simulator's
# library), as one hash.
sources_hash() {
	(cd "$SOURCE_DIR" && find real sim formats cmake CMakeLists.txt CMakePresets.json -type f \
		\( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cmake' -o -name CMakeLists.txt -o -name '*.json' \) \
		-print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16
}

# The guest's vmsim and vmreal for ARCH, one a line.
programs() { # ARCH
	if [ "$1" = amd64 ]; then
		printf '%s\n' "$VMSIM_AMD64" "$VMREAL_AMD64"
	else
		printf '%s\n' "${I386_BIN:-$LABW/bin-i386}/vmsim" "${I386_BIN:-$LABW/bin-i386}/vmreal"
	fi
}

# A program with a program interpreter (PT_INTERP), i.e. not static. grep reads all of readelf's
# output (no -q): under pipefail an early exit could fail readelf with SIGPIPE.
is_dynamic() { # PROGRAM
	readelf -l "$1" | grep INTERP >/dev/null
}

# What a dynamic program loads: its shared libraries and its program interpreter, as ldd resolves
# them on this host (DT_NEEDED, then the loader's search), one path a line; nothing for a static
# program.
needed_libs() { # PROGRAM...
	local p
	for p in "$@"; do
		is_dynamic "$p" || continue
		ldd "$p" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
	done | sort -u
}

# Stops with one line when the programs of ARCH (or the sources to build them) are missing.
check_programs() { # ARCH
	local p progs
	if [ "$1" = i386 ] && [ -z "$I386_BIN" ]; then
		[ -n "$SOURCE_DIR" ] || die "no 32-bit vmsim and vmreal for the i386 guests (VMLAB_I386_BIN) and no source tree to build them"
		return 0
	fi
	mapfile -t progs < <(programs "$1")
	for p in "${progs[@]}"; do
		[ -x "$p" ] && continue
		[ "$1" = i386 ] && die "no $(basename "$p") for the i386 guests at '$p' (this vmtour was packaged without its 32-bit programs: build the preset static-i386 before cpack)"
		die "no $(basename "$p") for the amd64 guests at '$p' (build it: cmake --build --preset default)"
	done
}

# What the programs of ARCH are, as one hash: built here, their sources'; given (the host's
# 64-bit ones, the installed 32-bit ones), their paths, sizes and times and those of the
# libraries they load (cheap: asked before each boot). Two trees sharing one cache thus rebuild
# the amd64 guests when the other tree's vmlab ran last (a few seconds each time).
programs_id() { # ARCH
	if [ "$1" = i386 ] && [ -z "$I386_BIN" ]; then
		sources_hash
		return
	fi
	local progs
	mapfile -t progs < <(programs "$1")
	# shellcheck disable=SC2046
	stat -L -c '%n %s %Y' "${progs[@]}" $(needed_libs "${progs[@]}") | sha256sum | cut -c1-16
}

# What one flavour's initramfs is made from: the programs, the module, the guest's files, the
# lessons, busybox and the kernel.
initrd_hash() { # FLAVOUR ARCH
	{
		programs_id "$2"
		kmod_sources_hash
		(cd "$LAB_DIR" && sha256sum guest/init.sh build.sh)
		(cd "$LESSONS_DIR" && find . -type f ! -name '*.sh' -print0 | sort -z | xargs -0 sha256sum)
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

# vmreal and vmsim for the i386 guests, fully static, from the source tree with the preset
# static-i386 (incremental) into $LABW/bin-i386; skipped when the sources have the hash of the
# last build.
build_i386_programs() {
	local out=$LABW/bin-i386 hash p
	hash=$(sources_hash)
	[ "$(cat "$out/hash" 2>/dev/null)" = "$hash" ] && return
	log "building vmreal and vmsim for i386 (cmake --preset static-i386)"
	mkdir -p "$out"
	(cd "$SOURCE_DIR" && cmake --preset static-i386 >"$out/build.log" 2>&1 &&
		{ cmake --build --preset static-i386 --target vmreal vmsim -j "$(nproc)" 2>&1 |
			build_progress "$out/build.log"; [ "${PIPESTATUS[0]}" = 0 ]; }) ||
		{ tail -n 30 "$out/build.log" >&2; die "cannot build vmreal and vmsim for i386 (g++-multilib installed? see lab/README.md)"; }
	for p in real/vmreal vmsim; do
		strip -o "$out/$(basename $p).tmp" "$SOURCE_DIR/build/static-i386/$p"
		mv "$out/$(basename $p).tmp" "$out/$(basename $p)"
	done
	echo "$hash" >"$out/hash"
}

# The programs of ARCH into the guest's /usr/bin, without their debug info; for a dynamic one
# also what it loads, at the same paths (the guest has no /etc/ld.so.cache: the loader then
# searches its default folders, /lib/x86_64-linux-gnu among them, where ldd found them).
copy_programs() { # ARCH ROOT
	local p progs lib
	mapfile -t progs < <(programs "$1")
	for p in "${progs[@]}"; do
		# A 32-bit kernel has no 32-bit libc in the guest: those must be static.
		if [ "$1" = i386 ] && is_dynamic "$p"; then
			die "$p is not statically linked (the i386 guests have no libraries)"
		fi
		strip --strip-debug -o "$2/usr/bin/$(basename "$p")" "$p"
	done
	for lib in $(needed_libs "${progs[@]}"); do
		mkdir -p "$2$(dirname "$lib")"
		cp -L "$lib" "$2$lib"
	done
}

build_module() { # FLAVOUR
	local f=$1 src=$LABW/$1/kmod
	local headers=$KROOT/$f/headers
	[ -f "$KROOT/$f/ready" ] || die "the $f kernel is not in the cache (bash lab/fetch.sh $f)"
	# A private copy per flavour: builds for several kernels can run at once. cp -p keeps times,
	# so an unchanged module is not rebuilt; but sources that changed may be older than the
	# objects here (another tree sharing the cache, an older ko5204-dkms), which make would take
	# as up to date: then the copy starts empty. The stamp names the sources it was built from.
	local sources
	sources=$(kmod_sources_hash)
	[ "$(cat "$src/.sources" 2>/dev/null)" = "$sources" ] || rm -rf "$src"
	mkdir -p "$src"
	kmod_files | xargs cp -p -t "$src/"
	# No BTF for the module (CONFIG_DEBUG_INFO_BTF_MODULES is on in the 6.12 kernels): it would
	# need pahole (Debian's dwarves) on the host, and nothing in the lab reads a module's BTF.
	make -s -C "$headers" M="$src" CONFIG_DEBUG_INFO_BTF_MODULES= modules >"$LABW/$f/kbuild.log" 2>&1 ||
		{ cat "$LABW/$f/kbuild.log" >&2; die "the module does not build for $f (gcc and make installed?)"; }
	if grep -qiE 'warning|error' "$LABW/$f/kbuild.log"; then
		cat "$LABW/$f/kbuild.log" >&2
		die "the module build for $f printed warnings"
	fi
	echo "$sources" >"$src/.sources"
}

# The initramfs: busybox, /init, the module in /lab, the programs in /usr/bin (with what they
# load) and the lessons where the installed vmsim finds them (../share/vmtour/lessons from its
# folder).
build_initrd() { # FLAVOUR ARCH
	local f=$1 arch=$2 root=$LABW/$1/root
	rm -rf "$root"
	mkdir -p "$root"/{bin,proc,sys,dev,tmp,root,lab/out,usr/bin,usr/share/vmtour}
	cp "$KROOT/busybox-$arch/busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$LAB_DIR/guest/init.sh" "$root/init"
	chmod 755 "$root/init"
	strip --strip-debug -o "$root/lab/ko5204.ko" "$LABW/$f/kmod/ko5204.ko"
	copy_programs "$arch" "$root"
	cp -r "$LESSONS_DIR" "$root/usr/share/vmtour/lessons"
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
	command -v cpio >/dev/null || die "cpio is missing (apt-get install cpio)"
	[ -d "$LESSONS_DIR" ] || die "no lessons at '$LESSONS_DIR'"
	kmod_files >/dev/null
	for f in "${want[@]}"; do
		check_programs "$(flavour_arch "$f")"
	done
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
	for f in "${todo[@]}"; do
		if [ "$(flavour_arch "$f")" = i386 ] && [ -z "$I386_BIN" ]; then
			build_i386_programs
			break
		fi
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
