# Shared settings of the lab's scripts (fetch.sh, build.sh); sourced.  vmlab runs them; so does the
# real-kernel matrix (tests/matrix/), through vmlab.
# shellcheck shell=bash

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$LAB_DIR/.." && pwd)
# The cache: VMTOUR_CACHE, else $XDG_CACHE_HOME/vmtour, else ~/.cache/vmtour (vmlab passes
# VMTOUR_CACHE, so the scripts and vmlab agree).
CACHE=${VMTOUR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmtour}
DEBS=$CACHE/debs
KROOT=$CACHE/kernels
# What the lab builds: per flavour, the module and the guest's initramfs; per architecture the
# static programs.
LABW=$CACHE/lab

die() {
	echo "vmlab: $*" >&2
	exit 1
}

log() {
	echo "vmlab: $*" >&2
}

# A kernel of the cache is named by its flavour (686, 686-pae, amd64: Debian 12's own 6.1) or
# FLAVOUR-6.12 (the 6.12 series of bookworm-backports; amd64 only: Debian builds no i386 kernel
# of 6.12). kernels/NAME and lab/NAME hold it.
KERNELS_ALL="686 686-pae amd64 amd64-6.12"

kernel_flavour() { # NAME: its Debian flavour
	echo "${1%-6.12}"
}

kernel_series() { # NAME: 6.1 or 6.12
	case $1 in
	*-6.12) echo 6.12 ;;
	*) echo 6.1 ;;
	esac
}

flavour_arch() { # NAME: its Debian architecture
	case $1 in
	686 | 686-pae) echo i386 ;;
	amd64 | amd64-6.12) echo amd64 ;;
	686-6.12 | 686-pae-6.12) die "no 6.12 kernel for $1: bookworm-backports builds 6.12 for amd64 only" ;;
	*) die "unknown kernel $1 (686, 686-pae, amd64, amd64-6.12)" ;;
	esac
}

# Serialise the scripts' writers on one cache: guests of several modes may be prepared at once.
lock_cache() {
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
}
