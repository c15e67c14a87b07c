#!/usr/bin/env bash
# Benchmark (not a test): per guest, with a warm cache (each is fetched and built first), the
# time from `vmlab --mode M` to the guest's prompt in a terminal (tmux), and of a `vmlab --mode
# M -- true` round trip (boot, run, results, power off). One guest at a time; the load average
# before and after is printed with the figures (the boots are software-emulated: a busy host
# slows them).
#   bash scripts/bench-lab.sh [BUILD_DIR] [GUEST...]
# GUEST is a mode (2level, pae, 4level, 5level: Linux 6.1) or MODE-6.12 (4level-6.12,
# 5level-6.12: vmlab --kernel 6.12); default all six. BUILD_DIR defaults to build/default.
set -euo pipefail
build=$(cd "${1:-build/default}" && pwd)
shift || true
guests=("$@")
[ ${#guests[@]} -gt 0 ] || guests=(2level pae 4level 5level 4level-6.12 5level-6.12)
command -v tmux >/dev/null || { echo "bench-lab: tmux is needed" >&2; exit 1; }
sock=bench-lab-$$
trap 'tmux -L "$sock" kill-server 2>/dev/null || true' EXIT
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

args() { # GUEST: vmlab's arguments for it
	case $1 in
	*-6.12) echo "--kernel 6.12 --mode ${1%-6.12}" ;;
	*) echo "--mode $1" ;;
	esac
}

for g in "${guests[@]}"; do
	# shellcheck disable=SC2046
	"$build/vmlab" $(args "$g") --fetch 2>/dev/null # warm: downloaded and built
done
echo "load average before: $(load) ($(nproc) CPUs)"
printf '%-12s %-14s %s\n' guest "to prompt (s)" "-- true (s)"
sum_prompt=0 sum_trip=0
for g in "${guests[@]}"; do
	m=${g%-6.12}
	t0=$(now)
	tmux -L "$sock" new-session -d -s b -x 120 -y 30 "$build/vmlab $(args "$g") 2>/dev/null"
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
	# shellcheck disable=SC2046
	"$build/vmlab" $(args "$g") -- true 2>/dev/null
	trip=$(echo "$(now) - $t0" | bc)
	printf '%-12s %-14.1f %.1f\n' "$g" "${prompt:-999}" "$trip"
	sum_prompt=$(echo "$sum_prompt + ${prompt:-999}" | bc)
	sum_trip=$(echo "$sum_trip + $trip" | bc)
done
printf '%-12s %-14.1f %.1f\n' "sum" "$sum_prompt" "$sum_trip"
echo "load average after: $(load)"
