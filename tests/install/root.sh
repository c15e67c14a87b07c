#!/usr/bin/env bash
# The install test's minimal Debian 12 (debootstrap --variant=minbase bookworm), as a tarball in
# the cache, made only if missing, written whole or not at all (a temporary folder, then a
# rename). tests/install/run.sh calls it; scripts/test.sh also runs it in the background while
# the builds compile, since it needs only the network. Prints the tarball's path.
# Needs root (debootstrap) and the archive.
# Usage: tests/install/root.sh
set -euo pipefail
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vmtour/install
tarball=$cache/bookworm-minbase.tar.zst
if [ ! -s "$tarball" ]; then
	[ "$(id -u)" = 0 ] || { echo "install test: run as root (debootstrap)" >&2; exit 1; }
	# The Debian mirror this machine's apt uses (only Debian's archive may be reachable).
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE '(https?|file)://[^ ]*/debian/?( |$)' | grep -v security | head -1 | tr -d ' ') || true
	mirror=${mirror:-http://deb.debian.org/debian}
	echo "install test: no cached root: debootstrap --variant=minbase bookworm from $mirror (a few minutes)" >&2
	mkdir -p "$cache"
	fresh=$(mktemp -d "$cache/debootstrap.XXXXXX")
	debootstrap --variant=minbase bookworm "$fresh/root" "$mirror" >"$fresh/log" 2>&1 ||
		{ tail -20 "$fresh/log" >&2; rm -rf --one-file-system "$fresh"; exit 1; }
	tar -C "$fresh/root" --zstd -cf "$fresh/root.tar.zst" .
	mv "$fresh/root.tar.zst" "$tarball"
	rm -rf --one-file-system "$fresh"
fi
echo "$tarball"
