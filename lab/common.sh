# Shared settings of the lab's scripts (fetch.sh, build.sh); sourced.  vmlab runs them; so does the
# real-kernel matrix (tests/matrix/), through vmlab.
# shellcheck shell=bash

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# What a guest is made of comes from where vmlab says (VMLAB_*, lab/vmlab/layout.cpp): a source
# tree, or an installed vmtour (these scripts in share/vmtour/lab, ko5204-dkms's sources in
# /usr/src, the 32-bit programs in libexec/vmtour/i386).  Run by hand from a source tree, the
# defaults are that tree and its build/default.
SOURCE_DIR=${VMLAB_SOURCE:-}
[ -z "$SOURCE_DIR" ] && [ -f "$LAB_DIR/../CMakePresets.json" ] && SOURCE_DIR=$(cd "$LAB_DIR/.." && pwd)
KMOD_DIR=${VMLAB_KMOD:-${SOURCE_DIR:+$SOURCE_DIR/kmod}}
LESSONS_DIR=${VMLAB_LESSONS:-${SOURCE_DIR:+$SOURCE_DIR/lessons}}
# The amd64 guests run the host's own 64-bit vmsim and vmreal (with the shared libraries they
# load); the i386 guests need static 32-bit ones: VMLAB_I386_BIN holds them (installed), else
# they are built from the source tree (preset static-i386; VMLAB_SOURCE names it when these
# scripts are installed ones: a plain install made without those programs, its tree still there).
VMSIM_AMD64=${VMLAB_VMSIM_AMD64:-${SOURCE_DIR:+$SOURCE_DIR/build/default/vmsim}}
VMREAL_AMD64=${VMLAB_VMREAL_AMD64:-${SOURCE_DIR:+$SOURCE_DIR/build/default/real/vmreal}}
I386_BIN=${VMLAB_I386_BIN:-}
# The cache: VMTOUR_CACHE, else $XDG_CACHE_HOME/vmtour, else ~/.cache/vmtour (vmlab passes
# VMTOUR_CACHE, so the scripts and vmlab agree).
CACHE=${VMTOUR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmtour}
DEBS=$CACHE/debs
KROOT=$CACHE/kernels
# What the lab builds: per flavour, the module and the guest's initramfs; the static 32-bit
# programs when built from a source tree (bin-i386).
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
