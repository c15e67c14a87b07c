#!/usr/bin/env bash
# The fresh-machine test: vmtour's two .debs (cpack) installed with apt into a minimal Debian 12
# made by debootstrap, dependencies from the archive, and used there from /usr/bin as a learner
# would: vmsim translate, vmsim lesson check 1, man vmsim, bash completion, vmreal as root; then
# ko5204-dkms, which DKMS must build for the kernel whose headers are in that root; then the
# installed vmlab, with nothing of the source tree: it builds the guests from what the packages
# installed (the module from ko5204-dkms's sources, against the guest kernels' headers) and runs a
# command in a 4level guest (the installed 64-bit programs) and a 2level one (the package's static
# 32-bit ones); then ko5204-dkms is removed.
# The root's tarball is cached in ~/.cache/vmtour/install (made again if missing), and so are
# the packages apt downloads into it. The guests' kernels are not downloaded again: the host's
# kernel cache (vmlab's, ~/.cache/vmtour/kernels, filled by lab/fetch.sh if need be) is
# bind-mounted read-only into the root, at the same path (its links name it).
# Needs root (debootstrap, chroot, mount) and the archive.
# Usage: tests/install/run.sh BUILD_DIR   (e.g. build/default, built)
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
[ "$(id -u)" = 0 ] || { echo "install test: run as root (debootstrap, chroot)" >&2; exit 1; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vmtour/install
mkdir -p "$cache/apt-archives/partial"
start=$SECONDS
say() { echo "install test [$((SECONDS - start))s]: $*"; }

# 1. The packages.
# Build first: cpack reads CPackConfig.cmake before it brings the build up to date. The static
# 32-bit programs for vmlab's i386 guests come from the static-i386 build of the same tree
# (VMTOUR_GUEST_I386), the one vmlab builds from a source tree too: built once for both.
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
say "cmake --build, the static-i386 build in $src, and cpack in $build"
cmake --build "$build" >/dev/null
(cd "$src" && cmake --preset static-i386 >/dev/null && cmake --build --preset static-i386 -j2 >/dev/null) ||
	{ echo "install test: the static-i386 build failed (g++-multilib?)" >&2; exit 1; }
rm -rf "$build/packages"
(cd "$build" && cpack -G DEB 2>&1 >/dev/null | grep -v '^CPackDeb: - Generating dependency list$' >&2 || true)
deb=$(ls "$build"/packages/vmtour_*_*.deb)
dkms_deb=$(ls "$build"/packages/ko5204-dkms_*_all.deb)
say "made $(basename "$deb") and $(basename "$dkms_deb")"

# 2. A minimal Debian 12, from the cache or debootstrap (tests/install/root.sh).
tarball=$(bash "$(dirname "$0")/root.sh")
work=$(mktemp -d /var/tmp/vmtour-install.XXXXXX)
root=$work/root
mounts=()
cleanup() {
	local m ok=1
	for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
		m=${mounts[i]}
		mountpoint -q "$m" && { umount "$m" || umount -l "$m" || ok=0; }
	done
	if [ "$ok" = 1 ]; then rm -rf --one-file-system "$work"; else echo "install test: left $work (a mount would not go)" >&2; fi
}
trap cleanup EXIT
mkdir -p "$root"
tar -C "$root" --zstd -xf "$tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc" && mounts+=("$root/proc")
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives" && mounts+=("$root/var/cache/apt/archives")
cp "$deb" "$dkms_deb" "$root/tmp/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
say "root ready in $work"

# 3. vmtour: apt resolves its dependencies from the archive. Its Recommends (vmlab's needs:
# cmake/packaging.cmake) are installed as apt would, but without theirs (QEMU's graphical
# front end and the like only cost time here); ko5204-dkms, not in the archive, comes in 4.
in_root apt-get update -q >"$work/apt.log" 2>&1 || { tail "$work/apt.log"; exit 1; }
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >>"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log"; exit 1; }
recommends=$(in_root dpkg-query -W -f='${Recommends}' vmtour | tr ',' '\n' | sed 's/(.*)//; s/ //g' | grep -vx ko5204-dkms)
# shellcheck disable=SC2086
in_root apt-get install -y -q --no-install-recommends $recommends >>"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log"; exit 1; }
say "apt-get install ./$(basename "$deb") and its Recommends ($(echo $recommends)): done"

fail=0
export root
. "$(dirname "$0")/vmlab.sh"
# check WHAT SHELL-COMMAND: the command (bash, on the host; $root is the root) succeeds.
check() {
	local out
	if out=$(bash -c "$2" 2>&1); then echo "ok: $1"; else echo "FAIL: $1"; tail -5 <<<"$out" | sed 's/^/    /'; fail=1; fi
}
run_in() { echo "chroot \"\$root\" env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 $*"; }
check "the .deb holds the lab's scripts and static 32-bit vmsim and vmreal" \
	"dpkg-deb -c $deb | grep -q ' ./usr/share/vmtour/lab/build.sh$' && dpkg-deb -c $deb | grep -q ' ./usr/share/vmtour/lab/guest/init.sh$' && dpkg-deb -c $deb | grep -q ' ./usr/libexec/vmtour/i386/vmsim$' && dpkg-deb -c $deb | grep -q ' ./usr/libexec/vmtour/i386/vmreal$'"
check "the i386 programs are static 32-bit ones" \
	"for p in \$root/usr/libexec/vmtour/i386/vm{sim,real}; do readelf -h \$p | grep -q 'Class: *ELF32' && ! readelf -l \$p | grep -q INTERP || exit 1; done"
check "the package depends on libc6, libstdc++6, libgcc-s1" \
	"$(run_in dpkg-query -W -f='\${Depends}' vmtour) | tee /dev/stderr | grep libc6 | grep libstdc++6 | grep -q libgcc-s1"
where=$(chroot "$root" sh -c 'command -v vmsim; command -v vmreal' | tr '\n' ' ')
if [ "$where" = "/usr/bin/vmsim /usr/bin/vmreal " ]; then echo "ok: vmsim and vmreal are /usr/bin's"
else echo "FAIL: vmsim and vmreal are not /usr/bin's: $where"; fail=1; fi
out=$(in_root vmsim translate 0x1337babe --levels 2 2>&1) || true
# The result: 0xdeadbabe (the walk's steps show the frame 0xdeadb000, not the address).
if grep -qw 0xdeadbabe <<<"$out"; then echo "ok: vmsim translate 0x1337babe --levels 2 gives 0xdeadbabe"
else echo "FAIL: vmsim translate 0x1337babe --levels 2:"; tail -3 <<<"$out"; fail=1; fi
check "vmsim lesson check 1 (the lessons in /usr/share/vmtour/lessons)" \
	"$(run_in vmsim lesson check 1) | tee /dev/stderr | grep -q '^lesson 1: .*/usr/share/vmtour/lessons/01-'"
check "man vmsim renders and names translate" "$(run_in man -P cat vmsim) | grep -q 'vmsim translate'"
check "man vmreal renders and names --memory" "$(run_in man -P cat vmreal) | grep -q -- '--memory'"
check "bash completion loads on demand and completes vmsim tr<TAB>" "$(run_in bash -c \''
	. /usr/share/bash-completion/bash_completion; _completion_loader vmsim; complete -p vmsim >/dev/null &&
	COMP_WORDS=(vmsim tr); COMP_CWORD=1; _vmsim vmsim tr vmsim; [ "${COMPREPLY[*]}" = translate ]'\')"
out=$(in_root vmreal -b 1G -m 4M 2>"$work/vmreal.err") || { echo "FAIL: vmreal -b 1G -m 4M:"; tail -3 "$work/vmreal.err"; fail=1; }
lines=$(grep -cE '^VA=0x[0-9a-f]+ -> PA=0x[0-9a-f]+$' <<<"$out" || true)
if [ "$lines" = 1024 ]; then echo "ok: vmreal -b 1G -m 4M as root: 1024 lines VA=0x... -> PA=0x..."
else echo "FAIL: vmreal -b 1G -m 4M gave $lines lines VA=0x... -> PA=0x..., not 1024"; head -3 <<<"$out"; fail=1; fi

# 4. ko5204-dkms: sources under /usr/src, DKMS builds the module for the root's kernel headers.
# With linux-headers-amd64 (Debian 12's kernel, which dkms recommends; its other recommendations,
# g++ and the rest, only cost time here). This machine's own kernel has no headers in the root,
# so the build for it is skipped, as on any machine without them.
say "apt-get install ./$(basename "$dkms_deb") linux-headers-amd64 (dkms, gcc, the headers: minutes when cold)"
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$dkms_deb")" linux-headers-amd64 \
	>"$work/dkms.log" 2>&1 || { tail -30 "$work/dkms.log"; exit 1; }
version=$(basename "$dkms_deb" | sed 's/^ko5204-dkms_//; s/_all.deb$//')
kernel=$(ls "$root/usr/src" | sed -n 's/^linux-headers-\(.*-amd64\)$/\1/p' | head -1)
say "dkms: the root's kernel headers are for $kernel; this machine runs $(uname -r): NOT built for it (no headers here)"
check "the sources are in /usr/src/ko5204-$version, dkms.conf with that version" \
	"grep -qx 'PACKAGE_VERSION=\"$version\"' \$root/usr/src/ko5204-$version/dkms.conf && ls \$root/usr/src/ko5204-$version/main.c \$root/usr/src/ko5204-$version/Kbuild"
status=$(in_root dkms status 2>&1 || true)
echo "  dkms status: $status"
if grep -q "^ko5204/$version, $kernel, x86_64: installed" <<<"$status" && [ -f "$root/lib/modules/$kernel/updates/dkms/ko5204.ko" ]; then
	echo "ok: DKMS built and installed ko5204 for $kernel (lib/modules/$kernel/updates/dkms/ko5204.ko)"
else
	echo "FAIL: DKMS did not build ko5204 for $kernel; the install's log:"
	grep -iE "error|ko5204|kernel" "$work/dkms.log" | tail -15
	fail=1
fi

# 5. vmlab, installed: the guests built from the packages' files alone.
vmlab_test
in_root apt-get remove -y -q ko5204-dkms >"$work/remove.log" 2>&1 || { tail "$work/remove.log"; fail=1; }
check "apt-get remove ko5204-dkms: dkms forgets it, /usr/src is clean" \
	"[ -z \"\$($(run_in dkms status ko5204))\" ] && [ ! -e \$root/usr/src/ko5204-$version ]"

say "done ($([ $fail = 0 ] && echo passed || echo FAILED))"
exit $fail
