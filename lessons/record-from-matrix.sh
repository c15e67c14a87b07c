#!/usr/bin/env bash
# Copies the guest outputs that lessons 4, 8 and 9 check from the last run of the real-kernel matrix
# (bash tests/matrix/run.sh; its results are under $VMTOUR_CACHE/matrix-work/run/ROW/out/), and
# writes recorded/SOURCES with the kernel each came from. Then: bash lessons/regen.sh BUILD_DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
run=${VMTOUR_CACHE:-$HOME/.cache/vmtour}/matrix-work/run
copy() { # ROW FILE-IN-OUT LESSON-DIR NAME
	local src=$run/$1/out/$2 dst=$here/$3/recorded/$1/$4
	[ -f "$src" ] || { echo "record-from-matrix: no $src (run bash tests/matrix/run.sh first)" >&2; exit 1; }
	mkdir -p "$(dirname "$dst")"
	cp "$src" "$dst"
	echo "$1/$4: $2 from the $1 guest, kernel $(cat "$run/$1/out/uname"), $(date -u -r "$src" +%Y-%m-%d)" >>"$here/$3/recorded/SOURCES"
}
for l in 04-4mb-pages-and-the-32-bit-map 08-the-kernels-own-memory 09-capstone-simulator-meets-kernel; do
	mkdir -p "$here/$l/recorded"
	printf '# Recorded by tests/matrix/run.sh in QEMU guests (Debian 12 kernels), copied by lessons/record-from-matrix.sh.\n' >"$here/$l/recorded/SOURCES"
done
copy 2level map 04-4mb-pages-and-the-32-bit-map map.txt
for row in 2level 4level; do
	copy $row vmalloc 08-the-kernels-own-memory vmalloc.txt
	copy $row kmalloc 08-the-kernels-own-memory kmalloc.txt
done
copy 4level direct.machine 08-the-kernels-own-memory direct.machine
for row in 2level pae 4level 5level; do
	copy $row vmalloc.machine 09-capstone-simulator-meets-kernel vmalloc.machine
	copy $row direct.machine 09-capstone-simulator-meets-kernel direct.machine
done
copy 5level huge1g.machine 09-capstone-simulator-meets-kernel huge1g.machine
echo "record-from-matrix: copied; now bash lessons/regen.sh BUILD_DIR and review git diff lessons"
