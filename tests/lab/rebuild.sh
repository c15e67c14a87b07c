#!/usr/bin/env bash
# The lab rebuilds the module from scratch when its sources change, even when the new sources
# are older than the objects in the cache (lab/build.sh copies them with their times: a second
# source tree, an older ko5204-dkms, a checkout with old times), instead of linking stale
# objects. Boots nothing; needs the amd64 kernel in the cache (vmlab --mode 4level --fetch).
#   rebuild.sh BUILD_DIR
set -uo pipefail
build=$(cd "${1:?usage: rebuild.sh BUILD_DIR}" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache=${VMTOUR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmtour}
[ -f "$cache/kernels/amd64/ready" ] || { echo "FAIL: no amd64 kernel in $cache (vmlab --mode 4level --fetch)"; exit 1; }
tmp=$(mktemp -d /tmp/vmlab-rebuild.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# A cache of its own for what the lab builds, sharing the downloaded kernels read-only.
mkdir -p "$tmp/cache/lab"
mkdir -p "$tmp/cache/kernels"
ln -s "$cache/kernels/amd64" "$tmp/cache/kernels/amd64"
ln -s "$cache/kernels/busybox-amd64" "$tmp/cache/kernels/busybox-amd64"

lab() { # KMOD_DIR: builds the amd64 guest from these module sources
	VMTOUR_CACHE=$tmp/cache VMLAB_SOURCE=$repo VMLAB_KMOD=$1 \
		VMLAB_VMSIM_AMD64=$build/vmsim VMLAB_VMREAL_AMD64=$build/real/vmreal \
		bash "$repo/lab/build.sh" amd64 >"$tmp/build.log" 2>&1
}
fail=0
# Tree A: today's module, built. Tree B: the same with one more modinfo field, every file dated
# 2001, long before A's objects.
cp -r "$repo/kmod" "$tmp/a"
lab "$tmp/a" || { echo "FAIL: the guest does not build from tree A:"; tail -n 20 "$tmp/build.log"; exit 1; }
cp -r "$repo/kmod" "$tmp/b"
echo 'MODULE_INFO(vmtour_rebuild, "tree b");' >>"$tmp/b/main.c"
touch -d 2001-01-01 "$tmp/b"/*
if ! lab "$tmp/b"; then
	echo "FAIL: the guest does not build from tree B (stale objects of A?):"
	tail -n 20 "$tmp/build.log"
	fail=1
fi
ko=$tmp/cache/lab/amd64/kmod/ko5204.ko
if [ "$(modinfo -F vmtour_rebuild "$ko" 2>/dev/null)" = "tree b" ]; then
	echo "ok: older sources that differ are built, not A's objects reused"
else
	echo "FAIL: the module built from tree B lacks B's change (A's objects were reused)"
	fail=1
fi
# The guest's initramfs has that module.
if cpio -i --quiet --to-stdout lab/ko5204.ko <"$tmp/cache/lab/amd64/initrd.cpio" >"$tmp/guest.ko" 2>/dev/null &&
	[ "$(modinfo -F vmtour_rebuild "$tmp/guest.ko" 2>/dev/null)" = "tree b" ]; then
	echo "ok: the guest's initramfs has B's module"
else
	echo "FAIL: the guest's initramfs does not have B's module"
	fail=1
fi
exit $fail
