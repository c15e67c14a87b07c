# shellcheck shell=bash
# The installed vmlab in the fresh root (tests/install/run.sh sources this; it sets root, work,
# src, mounts, in_root, check and fail). The root has no source tree: vmlab must build its guests
# from the packages' files (share/vmtour/lab, /usr/src/ko5204-VERSION, libexec/vmtour/i386,
# /usr/bin's programs) with the root's own gcc, make and cpio, and boot them with the root's QEMU.

# The host's kernel cache, read-only at the same path in the root (the unpacked header trees'
# links name it); the root's vmlab gets a cache of its own whose kernels/ is a link to it, so all
# it builds (the module, the initramfs) is its own. The kernels are fetched on the host first if
# missing (the lab's stage needs them anyway).
vmlab_root_cache() {
	local kroot=${VMTOUR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmtour}/kernels
	VMTOUR_CACHE=${VMTOUR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmtour} bash "$src/lab/fetch.sh" amd64 686 ||
		{ echo "FAIL: cannot fetch the amd64 and 686 kernels on the host"; return 1; }
	mkdir -p "$root$kroot" "$root/var/tmp/vmlab-cache"
	mount --bind "$kroot" "$root$kroot" && mounts+=("$root$kroot")
	mount -o remount,bind,ro "$root$kroot"
	ln -sfn "$kroot" "$root/var/tmp/vmlab-cache/kernels"
	# QEMU opens /dev/null, /dev/urandom and the like.
	mount --bind /dev "$root/dev" && mounts+=("$root/dev")
}

# vmlab --mode MODE -- sh -c SCRIPT in the root, software emulation (the host's /dev/kvm may not
# boot guests, and the root has no verdict about it).
vmlab_in_root() { # MODE SCRIPT
	chroot "$root" env -i PATH=/usr/bin:/bin HOME=/root LC_ALL=C.UTF-8 VMTOUR_CACHE=/var/tmp/vmlab-cache \
		VMTOUR_ACCEL=tcg vmlab --mode "$1" -- sh -c "$2"
}

vmlab_test() {
	vmlab_root_cache || { fail=1; return; }
	local script='vmsim translate 0x1337babe --levels 2 | grep -w result; file=$(command -v vmsim); echo "vmsim is $file";
		echo vmalloc >/proc/pagetable && grep -m1 "^Vmalloc: VA=0x[0-9a-f]* -> PA=0x[0-9a-f]*$" /proc/pagetable'
	local mode out
	for mode in 4level 2level; do
		say "vmlab --mode $mode in the root (builds the guest there, then boots it)"
		out=$(vmlab_in_root "$mode" "$script" 2>"$work/vmlab-$mode.err") ||
			{ echo "FAIL: vmlab --mode $mode in the root:"; tail -8 "$work/vmlab-$mode.err" | sed 's/^/    /'; fail=1; continue; }
		if grep -q '^result .*= 0xdeadbabe' <<<"$out" && grep -qx 'vmsim is /usr/bin/vmsim' <<<"$out"; then
			echo "ok: vmlab --mode $mode -- vmsim translate 0x1337babe --levels 2: 0xdeadbabe, in the guest"
		else echo "FAIL: vmlab --mode $mode -- vmsim translate in the root:"; sed 's/^/    /' <<<"$out"; fail=1; fi
		if grep -q '^Vmalloc: VA=' <<<"$out"; then
			echo "ok: vmlab --mode $mode: the module the root built from /usr/src/ko5204-* works (/proc/pagetable)"
		else echo "FAIL: vmlab --mode $mode: no Vmalloc line from the module"; fail=1; fi
	done
	check "the root's vmlab built the modules itself, from ko5204-dkms's sources" \
		"ls \$root/var/tmp/vmlab-cache/lab/amd64/kmod/ko5204.ko \$root/var/tmp/vmlab-cache/lab/686/kmod/ko5204.ko && diff -q \$root/var/tmp/vmlab-cache/lab/amd64/kmod/main.c \$root/usr/src/ko5204-*/main.c"
	check "the 2level guest got the package's 32-bit programs (the root's vmlab built none: no lab/bin-i386)" \
		"[ -d \$root/var/tmp/vmlab-cache/lab/686 ] && [ ! -e \$root/var/tmp/vmlab-cache/lab/bin-i386 ]"
}
