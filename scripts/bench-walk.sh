#!/usr/bin/env bash
# Benchmark of the page walk (not a test): nanoseconds per walk natively, and instructions per walk
# counted by callgrind (exact and repeatable, unlike timings on a shared machine).
#   bash scripts/bench-walk.sh [BUILD_DIR]     (default build/default; build it first)
set -euo pipefail
build=${1:-build/default}
bench="$build/walk_bench"
[ -x "$bench" ] || { echo "bench-walk: build $bench first (cmake --build --preset default)" >&2; exit 2; }
echo "== native timing (1M random pages in 64 GiB; 256K in 4 GiB for 32-bit modes)"
"$bench"
command -v valgrind >/dev/null || { echo "bench-walk: valgrind is needed for instruction counts" >&2; exit 2; }
echo
echo "== instructions per walk (callgrind, 1/16 of the pages; each function runs over all pages twice)"
printf '%-8s %14s %14s\n' mode translate walk+trace
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mode in 2level pae 4level 5level; do
  pages=$("$bench" --scale 16 --mode "$mode" | awk -v m="$mode" '$1 == m {print $2}')
  row="$mode"
  for fn in translate_all walk_all; do
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --toggle-collect="*${fn}*" \
      "$bench" --scale 16 --mode "$mode" >/dev/null 2>&1
    ir=$(callgrind_annotate "$tmp/cg" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    calls=2; [ "$fn" = walk_all ] && calls=1
    row="$row $(awk -v ir="$ir" -v p="$pages" -v c="$calls" 'BEGIN {printf "%.1f", ir / (p * c)}')"
  done
  printf '%-8s %14s %14s\n' $row
done
