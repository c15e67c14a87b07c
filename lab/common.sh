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

flavour_arch() { # FLAVOUR: its Debian architecture
	case $1 in
	686 | 686-pae) echo i386 ;;
	amd64) echo amd64 ;;
	*) die "unknown kernel flavour $1 (686, 686-pae, amd64)" ;;
	esac
}

# Serialise the scripts' writers on one cache: guests of several modes may be prepared at once.
lock_cache() {
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
}
