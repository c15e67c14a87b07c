# Shared settings for the real-kernel matrix; sourced by the other scripts.
# shellcheck shell=bash

MATRIX_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$MATRIX_DIR/../.." && pwd)
# The lab's cache (vmlab and lab/*.sh use the same rule).
CACHE=${VMTOUR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmtour}
WORK=${VMTOUR_MATRIX_WORK:-$CACHE/matrix-work}
VMLAB=${VMLAB:-$REPO_DIR/build/default/vmlab}

# Rows: the four paging modes on Debian 12's 6.1, and the two amd64 modes on the 6.12 of
# bookworm-backports (MODE-6.12; Debian builds no i386 6.12 kernel); vmlab knows each one's
# kernel, QEMU, CPU and kernel arguments (lab/vmlab/modes.hpp).
ROWS=(2level pae 4level 5level 4level-6.12 5level-6.12)

row_mode() { # ROW: its paging mode
	echo "${1%-6.12}"
}

row_series() { # ROW: its kernel series
	case $1 in
	*-6.12) echo 6.12 ;;
	*) echo 6.1 ;;
	esac
}

row_arch() { # ROW: the architecture of its programs
	case $(row_mode "$1") in
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
