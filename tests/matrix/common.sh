# Shared settings for the real-kernel matrix; sourced by the other scripts.
# shellcheck shell=bash

MATRIX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$MATRIX_DIR/../.." && pwd)
# The lab's cache (vmlab and lab/*.sh use the same rule).
CACHE=${VMTOUR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmtour}
WORK=${VMTOUR_MATRIX_WORK:-$CACHE/matrix-work}
VMLAB=${VMLAB:-$REPO_DIR/build/default/vmlab}

# Rows: the four paging modes; vmlab knows each one's kernel, QEMU, CPU and kernel arguments
# (lab/vmlab/modes.hpp).
ROWS=(2level pae 4level 5level)

row_arch() { # ROW: the architecture of its programs
	case $1 in
	2level | pae) echo i386 ;;
	*) echo amd64 ;;
	esac
}

die() {
	echo "matrix: error: $*" >&2
	exit 1
}

log() {
	echo "matrix: $*" >&2
}
