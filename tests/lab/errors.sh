#!/usr/bin/env bash
# vmlab's errors that need no guest: each is one line and a non-zero exit status. Bad command
# lines (exit 2); QEMU missing, a download that fails (apt pointed at a closed port) leaving
# nothing half-cached, not enough disk (a 2 MB tmpfs, as root) (exit 125); --list and --clean
# on a cache of their own (both kernel series); --kernel's errors; --help fits 80 columns.
# Usage: errors.sh BUILD_DIR
set -uo pipefail
build=$(cd "${1:?usage: errors.sh BUILD_DIR}" && pwd)
VMLAB=$build/vmlab
tmp=$(mktemp -d /tmp/vmlab-errors.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

# run_case NAME WANT-STATUS WANT-REGEX COMMAND...: one stderr line matching, that status.
run_case() {
	local name=$1 want=$2 re=$3 rc=0
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $name: exit $rc, not $want: $(head -c 300 "$tmp/err")"
		fail=1
	elif [ "$(grep -c . "$tmp/err")" != 1 ] || ! grep -qE "$re" "$tmp/err"; then
		echo "FAIL: $name: stderr is not one line matching '$re':"
		cat "$tmp/err"
		fail=1
	else
		echo "ok: $name: $(cat "$tmp/err")"
	fi
}

run_case "unknown mode" 2 "^vmlab: unknown mode '3level' \(2level, pae, 4level or 5level\)$" \
	"$VMLAB" --mode 3level -- true
run_case "unknown kernel series" 2 "^vmlab: unknown kernel series '6.6' \(6\.1 or 6\.12\)$" \
	"$VMLAB" --kernel 6.6 --mode 4level -- true
run_case "no 6.12 for i386" 2 "^vmlab: no 6\.12 kernel for 2level: Debian builds 6\.12 for amd64 only" \
	"$VMLAB" --kernel 6.12 --mode 2level -- true
run_case "no mode" 2 "^vmlab: give --mode" "$VMLAB" -- true
run_case "nothing after --" 2 "^vmlab: nothing after '--'" "$VMLAB" --mode 2level --
run_case "--in without a command" 2 "^vmlab: --in and --out go with a command" "$VMLAB" --mode 2level --in /etc/hostname
run_case "VMTOUR_SOURCE that is no source tree" 125 "^vmlab: VMTOUR_SOURCE is '$tmp', which is not a vmtour source tree \(no lab/build\.sh\)$" \
	env VMTOUR_SOURCE="$tmp" VMTOUR_CACHE="$tmp/cache" "$VMLAB" --mode 4level --fetch
run_case "a mistyped option" 2 "^vmlab: no option --lsit; did you mean '--list'\?" "$VMLAB" --lsit
run_case "--accel" 2 "^vmlab: --accel fast: auto, kvm or tcg$" "$VMLAB" --mode 2level --accel fast -- true
run_case "an --in file that is not there" 2 "^vmlab: --in $tmp/nothing: no such file$" \
	env VMTOUR_CACHE="$tmp/none" "$VMLAB" --mode 4level --in "$tmp/nothing" -- true
# QEMU missing: a PATH without it.
mkdir -p "$tmp/bin"
run_case "QEMU missing" 125 "^vmlab: qemu-system-i386 is missing: install Debian's package qemu-system-x86" \
	env PATH="$tmp/bin" "$VMLAB" --mode pae -- true

# A download that fails: apt through a proxy on a closed port, into an empty cache.
printf 'Acquire::http::Proxy "http://127.0.0.1:9/";\nAcquire::Retries "0";\n' >"$tmp/apt.conf"
rc=0
env APT_CONFIG="$tmp/apt.conf" VMTOUR_CACHE="$tmp/cache" "$VMLAB" --mode 4level --fetch 2>"$tmp/err" || rc=$?
# Progress lines ("vmlab: downloading NAME (SIZE)"), then one line that says why; no apt noise.
if [ "$rc" = 125 ] && tail -n 1 "$tmp/err" | grep -qE "^vmlab: cannot download .*apt-get download failed: .*127\.0\.0\.1:9" &&
	! grep -qv '^vmlab: ' "$tmp/err"; then
	echo "ok: a download that fails: $(tail -n 1 "$tmp/err")"
else
	echo "FAIL: a download that fails: exit $rc:"; cat "$tmp/err"; fail=1
fi
if [ -n "$(find "$tmp/cache" -name '*.deb' -o -name '.partial*' -o -name '*.tmp*' 2>/dev/null)" ]; then
	echo "FAIL: a failed download left files in the cache: $(find "$tmp/cache" | head)"
	fail=1
else
	echo "ok: nothing half-cached after a failed download"
fi

# bookworm-backports' lists (6.12) that cannot be read: a mirror on a closed port (busybox is
# taken as cached, so nothing else is fetched); one line that says why, nothing half-cached.
mkdir -p "$tmp/c612/kernels/busybox-amd64" && : >"$tmp/c612/kernels/busybox-amd64/busybox"
rc=0
env VMTOUR_DEBIAN_MIRROR=http://127.0.0.1:9/debian VMTOUR_CACHE="$tmp/c612" "$VMLAB" --kernel 6.12 --mode 5level \
	--fetch 2>"$tmp/err" || rc=$?
if [ "$rc" = 125 ] && tail -n 1 "$tmp/err" |
	grep -qE "^vmlab: cannot read bookworm-backports' package lists \(apt-get update failed: .*127\.0\.0\.1:9" &&
	! grep -qv '^vmlab: ' "$tmp/err" && [ ! -e "$tmp/c612/kernels/amd64-6.12" ]; then
	echo "ok: backports unreachable: $(tail -n 1 "$tmp/err")"
else
	echo "FAIL: backports unreachable: exit $rc:"; cat "$tmp/err"; fail=1
fi

# Not enough disk: a cache on a 2 MB tmpfs, in a mount namespace of our own (root only).
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	mkdir -p "$tmp/small"
	run_case "not enough disk" 125 "^vmlab: not enough disk: [0-9]+ MB free in $tmp/small, need about 400 MB" \
		unshare -m sh -c "mount -t tmpfs -o size=2m none '$tmp/small' && VMTOUR_CACHE='$tmp/small' exec '$VMLAB' --mode 4level --fetch"
else
	echo "NOT RUN: not enough disk (needs root for a small tmpfs)"
fi

# --list and --clean on a cache of their own.
mkdir -p "$tmp/c/kernels/amd64" "$tmp/c/lab/amd64" "$tmp/c/debs" "$tmp/c/other"
echo 6.1.0-99-amd64 >"$tmp/c/kernels/amd64/version"
touch "$tmp/c/kernels/amd64/ready" "$tmp/c/lab/amd64/initrd.cpio"
head -c 3145728 /dev/zero >"$tmp/c/debs/x.deb"
mkdir -p "$tmp/c/kernels/amd64-6.12"
echo 6.12.99+deb12-amd64 >"$tmp/c/kernels/amd64-6.12/version"
touch "$tmp/c/kernels/amd64-6.12/ready"
VMTOUR_CACHE=$tmp/c "$VMLAB" --list >"$tmp/list"
if grep -qE '^  4level +6\.1 +6\.1\.0-99-amd64 +ready$' "$tmp/list" &&
	grep -qE '^  2level +6\.1 +- +not downloaded$' "$tmp/list" && ! grep -qE '^  (2level|pae) +6\.12' "$tmp/list" &&
	grep -qE '^  5level +6\.12 +6\.12\.99\+deb12-amd64 +downloaded, guest not built yet$' "$tmp/list" &&
	grep -qE '^ +3\.0 MiB debs' "$tmp/list"; then
	echo "ok: --list"
else
	echo "FAIL: --list:"; cat "$tmp/list"; fail=1
fi
VMTOUR_CACHE=$tmp/c "$VMLAB" --clean >"$tmp/clean"
if [ ! -e "$tmp/c/debs" ] && [ ! -e "$tmp/c/kernels" ] && [ ! -e "$tmp/c/lab" ] && [ -d "$tmp/c/other" ] &&
	grep -q "^removed 3.0 MiB from $tmp/c" "$tmp/clean"; then
	echo "ok: --clean removes the lab's folders, and only those"
else
	echo "FAIL: --clean: $(cat "$tmp/clean"); left: $(ls -A "$tmp/c")"; fail=1
fi
# XDG_CACHE_HOME is honoured when VMTOUR_CACHE is not set.
if env -u VMTOUR_CACHE XDG_CACHE_HOME="$tmp/xdg" "$VMLAB" --list | grep -qx "cache: $tmp/xdg/vmtour"; then
	echo "ok: XDG_CACHE_HOME"
else
	echo "FAIL: XDG_CACHE_HOME is not used"; fail=1
fi

long=$("$VMLAB" --help | awk 'length($0) > 80')
[ -z "$long" ] && echo "ok: --help fits 80 columns" || { echo "FAIL: --help lines over 80 columns:"; echo "$long"; fail=1; }
exit $fail
