#!/bin/bash
# Install what the real-kernel matrix needs on a fresh Debian 12 (root): QEMU, gcc and g++ with
# 32-bit support (the static i386 vmreal and ktest), CMake and vmreal's header-only libraries,
# cpio, and the i386 architecture in apt so that i386 kernels and busybox can be downloaded.  Kernels, headers and busybox themselves are downloaded by fetch.sh into the cache,
# never installed.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: run as root (apt-get install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
dpkg --add-architecture i386
# A mirror in the middle of a sync can fail one index; try again before giving up, and go on
# with what apt has if an index for a suite the matrix does not need still fails.
for try in 1 2; do
	if apt-get update -q; then
		break
	fi
	echo "setup.sh: apt-get update failed (try $try of 2)" >&2
	sleep 3
done
apt-get install -y -q --no-install-recommends \
	qemu-system-x86 gcc gcc-multilib g++ g++-multilib libc6-dev make cpio gzip bc kmod binutils \
	libelf1 libssl3 cmake ninja-build libfmt-dev libcli11-dev nlohmann-json3-dev
# The lists fetch.sh will resolve: fail here, clearly, if apt cannot see them.
for p in linux-image-amd64 linux-headers-amd64 linux-image-686:i386 linux-image-686-pae:i386 \
	linux-headers-686:i386 linux-headers-686-pae:i386 busybox-static:i386 busybox-static; do
	policy=$(apt-cache policy "$p")
	if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
		echo "setup.sh: apt cannot find $p" >&2
		exit 1
	fi
done
echo "setup.sh: ready for tests/matrix/run.sh"
