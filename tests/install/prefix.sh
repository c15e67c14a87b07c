#!/usr/bin/env bash
# `cmake --install` into a prefix: every file where GNUInstallDirs puts it, and the installed
# vmsim finds the installed lessons from its own folder, also after the prefix has moved; the
# build tree's vmsim finds the source's lessons; --dir and VMTOUR_LESSONS still choose. No
# source path is compiled into vmsim.
# Usage: prefix.sh BUILD_DIR
set -uo pipefail
build=$(cd "${1:?usage: prefix.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # check WHAT COMMAND...: COMMAND succeeds
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "ok: $what"; else echo "FAIL: $what ($*)"; fail=1; fi
}

cmake --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; exit 1; }
p=$tmp/prefix
for f in bin/vmsim bin/vmreal share/vmtour/lessons/README.md share/vmtour/lessons/03-the-two-level-walk/exercises.txt \
	share/doc/vmtour/README.md share/doc/vmtour/docs/machine-format.md share/man/man1/vmsim.1 share/man/man1/vmreal.1 \
	share/bash-completion/completions/vmsim share/bash-completion/completions/vmreal; do
	check "installed $f" test -f "$p/$f"
done
check "no maintainers' scripts among the lessons" test ! -e "$p/share/vmtour/lessons/regen.sh"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
# vmlab builds its guests' module from them (as ko5204-dkms installs them in /usr/src).
for f in Kbuild Makefile main.c walk.h dkms.conf; do
	check "installed src/ko5204-$version/$f" test -f "$p/src/ko5204-$version/$f"
done
check "the installed dkms.conf names the version" grep -qx "PACKAGE_VERSION=\"$version\"" "$p/src/ko5204-$version/dkms.conf"

# The installed lessons, found from bin/ (lesson show names the folder it read).
mv "$p" "$tmp/moved"
p=$tmp/moved
out=$(env -u VMTOUR_LESSONS "$p/bin/vmsim" lesson show 1 2>&1)
if grep -qF "(from $p/share/vmtour/lessons/01-" <<<"$out"; then
	echo "ok: a moved prefix's vmsim reads its own lessons"
else
	echo "FAIL: the moved prefix's vmsim lesson show 1 did not read $p/share/vmtour/lessons:"
	tail -3 <<<"$out"
	fail=1
fi
check "installed vmsim lesson check 1 (vmsim of the prefix)" env -u VMTOUR_LESSONS "$p/bin/vmsim" lesson check 1

# The installed vmlab builds its guests from the prefix's files, found from its own folder (also
# moved), not from this source tree: with a cache whose amd64 kernel looks fetched, it runs the
# prefix's build.sh, which looks for the module's sources in PREFIX/src/ko5204-VERSION (removed
# here, as on a machine with the vmtour package and without ko5204-dkms) and says so.
for f in share/vmtour/lab/fetch.sh share/vmtour/lab/build.sh share/vmtour/lab/common.sh share/vmtour/lab/guest/init.sh; do
	check "installed $f" test -f "$p/$f"
done
mkdir -p "$tmp/cache/kernels/amd64" "$tmp/cache/kernels/busybox-amd64"
touch "$tmp/cache/kernels/amd64/ready" "$tmp/cache/kernels/amd64/no-pvh" "$tmp/cache/kernels/busybox-amd64/busybox"
rm -r "$p/src"
out=$(env -u VMTOUR_SOURCE VMTOUR_CACHE="$tmp/cache" "$p/bin/vmlab" --mode 4level --fetch 2>&1)
want="vmlab: no sources of the module at '$p/src/ko5204-$version' (an installed vmtour: apt-get install ko5204-dkms)"
if [ "$out" = "$want" ]; then echo "ok: the moved prefix's vmlab builds from the prefix (looks for $p/src/ko5204-$version)"
else echo "FAIL: the moved prefix's vmlab --fetch: '$out'"; fail=1; fi
out=$(env -u VMTOUR_LESSONS "$build/vmsim" lesson show 1 2>&1)
if grep -qF "(from $src/lessons/01-" <<<"$out"; then echo "ok: the build tree's vmsim reads the source's lessons"
else echo "FAIL: build tree's vmsim lesson show 1: $(tail -1 <<<"$out")"; fail=1; fi

mkdir -p "$tmp/mine/01-mine"
printf '# Mine\n' >"$tmp/mine/01-mine/README.md"
printf 'exercise mine\n  ask   Mine?\n  run   echo mine\n  check exit 0\n' >"$tmp/mine/01-mine/exercises.txt"
for how in "VMTOUR_LESSONS=$tmp/mine $p/bin/vmsim lesson show 1" "$p/bin/vmsim lesson show 1 --dir $tmp/mine"; do
	# shellcheck disable=SC2086
	if env $how 2>&1 | grep -qF "(from $tmp/mine/01-mine"; then echo "ok: $how"; else echo "FAIL: $how"; fail=1; fi
done

# Nowhere to find them: one line that says where vmsim looked.
mkdir -p "$tmp/alone"
cp "$p/bin/vmsim" "$tmp/alone/"
out=$(env -u VMTOUR_LESSONS "$tmp/alone/vmsim" lesson list 2>&1)
want="vmsim: no lessons next to this vmsim (looked in $tmp/share/vmtour/lessons and $tmp/alone/lessons); give --dir DIR or set VMTOUR_LESSONS"
if [ "$out" = "$want" ]; then echo "ok: no lessons: says where it looked"; else echo "FAIL: no lessons: '$out'"; fail=1; fi

# The data the program carries (.rodata; the debug info may name sources) holds no source path.
# AddressSanitizer puts every source file's name there for its reports: that check is the
# optimised build's.
if grep -q '^VMTOUR_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
	echo "NOT CHECKED (sanitizer build: ASan stores source names in .rodata): no source path in vmsim's data"
else
	objcopy -O binary --only-section=.rodata "$p/bin/vmsim" "$tmp/rodata"
	if grep -qaF "$src" "$tmp/rodata"; then echo "FAIL: vmsim's .rodata holds $src"; fail=1
	else echo "ok: no source path in vmsim's data"; fi
fi
exit $fail
