#!/usr/bin/env bash
# A real valgrind lackey trace, replayed: a small C program is traced with
# `valgrind --tool=lackey --trace-mem=yes`, and `vmsim tlb` must
#   - read every I/L/S/M line as an event (parse-only count = grep count),
#   - with a TLB large enough to never evict, miss exactly once per distinct 4 KB page touched
#     (counted here independently, with an access crossing a page counted on both pages).
# Usage: lackey.sh BUILD_DIR. Fails (never skips) when valgrind or a C compiler is missing.
set -euo pipefail
vmsim="$1/vmsim"
command -v valgrind >/dev/null || { echo "lackey test: valgrind is not installed" >&2; exit 1; }
command -v cc >/dev/null || { echo "lackey test: no C compiler" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/small.c" <<'C'
static char buf[64 * 4096];
int main(void) {
    for (int i = 0; i < 64; i++) buf[i * 4096] = (char)i;  /* one store to each of 64 pages */
    int s = 0;
    for (int i = 0; i < 64; i++) s += buf[i * 4096];
    return s == 2016 ? 0 : 1;
}
C
cc -O0 -static -o "$tmp/small" "$tmp/small.c" 2>/dev/null || cc -O0 -o "$tmp/small" "$tmp/small.c"
valgrind --tool=lackey --trace-mem=yes --log-file="$tmp/trace" "$tmp/small"
lines=$(grep -cE '^(I  | [LSM] )' "$tmp/trace")
events=$("$vmsim" tlb "$tmp/trace" --parse-only | awk '{print $1}')
echo "lackey lines: $lines, events read: $events"
[ "$lines" -gt 1000 ] || { echo "FAIL: the trace is too short ($lines lines)" >&2; exit 1; }
[ "$lines" = "$events" ] || { echo "FAIL: $lines lackey lines but $events events" >&2; exit 1; }
# Distinct 4 KB pages, computed from the text (mawk has no hex: parse it by hand).
pages=$(grep -E '^(I  | [LSM] )' "$tmp/trace" | awk '
  function hex(s,   i, v) { v = 0; s = tolower(s)
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v }
  { split(substr($0, 4), f, ","); a = hex(f[1]); n = hex(f[2])
    seen[int(a / 4096)] = 1; seen[int((a + n - 1) / 4096)] = 1 }
  END { c = 0; for (p in seen) c++; print c }')
misses=$("$vmsim" tlb "$tmp/trace" --tlb 65536:16 --psc 0 --json | awk -F'[:,]' '/"misses"/ {m = 1} m && /"4K"/ {gsub(/ /, "", $2); print $2; exit}')
echo "distinct pages: $pages, TLB misses: $misses"
[ "$pages" -ge 64 ] || { echo "FAIL: the program's 64 pages are not in the trace" >&2; exit 1; }
[ "$pages" = "$misses" ] || { echo "FAIL: $pages distinct pages but $misses misses" >&2; exit 1; }
echo "lackey test: ok"
