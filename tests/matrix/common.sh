# Shared settings for the real-kernel matrix; sourced by the other scripts.
# shellcheck shell=bash

MATRIX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$MATRIX_DIR/../.." && pwd)
CACHE=${VMTOUR_CACHE:-$HOME/.cache/vmtour}
DEBS=$CACHE/debs
KROOT=$CACHE/kernels
WORK=${VMTOUR_MATRIX_WORK:-$CACHE/matrix-work}

# Rows: name, Debian flavour, Debian architecture, QEMU binary, QEMU cpu, extra kernel
# arguments (comma-separated, "-" for none).  KPTI ("pti=on") on every other row where the kernel
# supports it, so that both plain and isolated page tables are checked (32-bit KPTI needs PAE;
# -cpu max has 1 GiB pages: the 5level row reserves one for a PDPT leaf in user space);
# noisapnp saves the i386 kernels half a second of probing for ISA cards.  The pae row's CPU has
# stepping 1: QEMU's i386 "max" is an AMD family-6 model-6 part, and with two CPUs the kernel
# warns that such Athlons are "not suitable for SMP" unless they are steppings 0-1 or have the MP
# bit (amd_k7_smp_check(), arch/x86/kernel/cpu/amd.c).
ROWS=(
	"2level 686 i386 qemu-system-i386 qemu32 noisapnp"
	"pae 686-pae i386 qemu-system-i386 max,stepping=1 noisapnp,pti=on"
	"4level amd64 amd64 qemu-system-x86_64 qemu64 pti=on"
	"5level amd64 amd64 qemu-system-x86_64 max hugepagesz=1G,hugepages=1"
)

die() {
	echo "matrix: error: $*" >&2
	exit 1
}

log() {
	echo "matrix: $*" >&2
}
