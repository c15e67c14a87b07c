#!/usr/bin/env bash
# Benchmark (not a test): per mode, with a warm cache (run each mode once before), the time from
# `vmlab --mode M` to the guest's prompt in a terminal (tmux), and of a `vmlab --mode M -- true`
# round trip (boot, run, results, power off). One guest at a time.
#   bash scripts/bench-lab.sh [BUILD_DIR] [MODE...]     (default build/default, all four modes)
set -euo pipefail
build=$(cd "${1:-build/default}" && pwd)
shift || true
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(2level pae 4level 5level)
command -v tmux >/dev/null || { echo "bench-lab: tmux is needed" >&2; exit 1; }
sock=bench-lab-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null || true' EXIT
now() { date +%s.%N; }

for m in "${modes[@]}"; do
	"$build/vmlab" --mode "$m" --fetch 2>/dev/null  # warm: downloaded and built
done
printf '%-7s %-14s %s\n' mode "to prompt (s)" "-- true (s)"
for m in "${modes[@]}"; do
	t0=$(now)
	tmux -L "$sock" new-session -d -s b -x 120 -y 30 "$build/vmlab --mode $m 2>/dev/null"
	prompt=""
	for _ in $(seq 3000); do
		if tmux -L "$sock" capture-pane -p -t b | grep -q "^vmlab $m:/lab#"; then
			prompt=$(echo "$(now) - $t0" | bc)
			break
		fi
		sleep 0.05
	done
	tmux -L "$sock" send-keys -t b exit Enter
	for _ in $(seq 200); do tmux -L "$sock" has-session -t b 2>/dev/null || break; sleep 0.1; done
	tmux -L "$sock" kill-server 2>/dev/null || true
	t0=$(now)
	"$build/vmlab" --mode "$m" -- true 2>/dev/null
	trip=$(echo "$(now) - $t0" | bc)
	printf '%-7s %-14.1f %.1f\n' "$m" "${prompt:-999}" "$trip"
done
