#!/usr/bin/env bash
# Benchmarks vmreal against its floor, and measures 4K mode's peak memory. Builds nothing.
#
#   scripts/bench-vmreal.sh [BUILD_DIR] [RUNS]      (default build/default, 9 runs)
#
# 1. Speed: `vmreal -b 1G -m 1G -o FILE` against vmreal-floor, which maps the same 2 MiB-aligned
#    1 GiB with the same code and touches every page, and does nothing else: what remains is the
#    page faults. The two run interleaved RUNS times after one warm-up each; the figure is the
#    median of vmreal's times over the median of the floor's. Goal: at most 1.10x. Other engineers'
#    builds on the same cores add noise of tens of percent; the median of the per-run ratios and
#    the ratio of the best runs are printed too, and vmreal's own clock says where its time went.
# 2. Memory: peak RSS (GNU time's %M) of `vmreal -b 4K -m SIZE` for 256M and 1G, against SIZE.
#    Goal: at most 1.05x SIZE plus a few MiB. --allocator libc (posix_memalign) is shown beside it.
# Run it as root, like vmreal: without CAP_SYS_ADMIN vmreal does not translate (exit 3).
set -euo pipefail

build=${1:-build/default}
runs=${2:-9}
vmreal=$build/real/vmreal
floor=$build/real/vmreal-floor
for exe in "$vmreal" "$floor"; do
  [[ -x $exe ]] || { echo "bench-vmreal: $exe not found: build it first (ninja -C $build vmreal vmreal-floor)" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "bench-vmreal: needs GNU time (apt-get install time)" >&2; exit 2; }

work=$(mktemp -d /tmp/bench-vmreal.XXXXXX)
trap 'rm -rf "$work"' EXIT

now_ns() { date +%s%N; }
# Runs a command, prints its wall time in milliseconds; fails the script if the command fails.
time_ms() {
  local start end
  start=$(now_ns)
  "$@" >/dev/null
  end=$(now_ns)
  echo $(((end - start) / 1000000))
}
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

echo "== speed: vmreal -b 1G -m 1G -o FILE against the floor (allocate + touch 1 GiB), $runs runs each, interleaved"
time_ms "$floor" 1G >/dev/null                                   # warm-up
time_ms "$vmreal" -b 1G -m 1G -q -o "$work/out.txt" >/dev/null   # warm-up
: >"$work/floor.ms"
: >"$work/vmreal.ms"
for ((i = 1; i <= runs; i++)); do
  f=$(time_ms "$floor" 1G)
  v=$(time_ms "$vmreal" -b 1G -m 1G -q -o "$work/out.txt")
  echo "$f" >>"$work/floor.ms"
  echo "$v" >>"$work/vmreal.ms"
  printf '  run %d: floor %5d ms   vmreal %5d ms\n' "$i" "$f" "$v"
done
lines=$(wc -l <"$work/out.txt")
[[ $lines -eq 262144 ]] || { echo "bench-vmreal: the output has $lines lines, not 262144" >&2; exit 1; }
floor_med=$(median <"$work/floor.ms")
vmreal_med=$(median <"$work/vmreal.ms")
pair_med=$(paste "$work/vmreal.ms" "$work/floor.ms" | awk '{print $1 / $2}' | median)
floor_min=$(sort -n "$work/floor.ms" | head -1)
vmreal_min=$(sort -n "$work/vmreal.ms" | head -1)
awk -v f="$floor_med" -v v="$vmreal_med" -v p="$pair_med" -v fm="$floor_min" -v vm="$vmreal_min" 'BEGIN {
  r = v / f
  printf "  median: floor %d ms, vmreal %d ms: ratio %.3fx (goal <= 1.10x: %s)\n", f, v, r, (r <= 1.10 ? "met" : "NOT met")
  printf "  on a busy machine also look at: median of the per-run ratios %.3fx, best runs %d / %d ms = %.3fx\n", p, vm, fm, vm / fm
}'
echo "  where vmreal's time goes (one more run, its own clock):"
"$vmreal" -b 1G -m 1G -o "$work/out.txt" 2>&1 >/dev/null | grep -E '^  (time|reads) ' || true

echo "== memory: peak RSS of vmreal -b 4K -m SIZE"
peak_kib() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
for size in 256M 1G; do
  bytes=$(numfmt --from=iec "$size")
  for allocator in pool libc; do
    [[ $allocator == libc && $size == 1G ]] && continue  # 2 GiB to show what 256M already shows
    kib=$(peak_kib "$vmreal" -b 4K -m "$size" -q --allocator "$allocator" -o "$work/4k.txt")
    awk -v k="$kib" -v b="$bytes" -v s="$size" -v a="$allocator" 'BEGIN {
      peak = k * 1024; extra = (peak - b) / 1048576
      goal = (peak <= 1.05 * b + 8 * 1048576) ? "met" : "NOT met"
      printf "  -m %-5s --allocator %-5s peak %7.1f MiB = %.3fx the request (+%.1f MiB)%s\n", s, a, peak / 1048576,
             peak / b, extra, (a == "pool" ? sprintf("  (goal <= 1.05x + 8 MiB: %s)", goal) : "")
    }'
  done
done
