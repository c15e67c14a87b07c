#!/usr/bin/env bash
# vmlab's interactive shell on a real terminal (tmux): it boots to a prompt with ko5204 loaded,
# `echo vmalloc > /proc/pagetable; cat /proc/pagetable` shows the module's answer, Ctrl-C
# reaches the command in the guest (not vmlab), `exit` powers off with no QEMU left and vmlab
# exits with the shell's status (0: the last command, cat, succeeded); and a
# closed terminal (the tmux server killed: SIGHUP) leaves no QEMU either.
# Usage: shell.sh BUILD_DIR [MODE]   (default 4level)
set -uo pipefail
build=$(cd "${1:?usage: shell.sh BUILD_DIR [MODE]}" && pwd)
mode=${2:-4level}
command -v tmux >/dev/null || { echo "FAIL: tmux is needed (apt-get install tmux)"; exit 1; }
tmp=$(mktemp -d /tmp/vmlab-shell.XXXXXX)
sock=vmlab-test-$$-1
tm() { tmux -L "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT  # the last server; the first is killed below
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
no_qemu_left() { ! pgrep -f "qemu-system.*$tmp/vmlab" >/dev/null; }
screen() { tm capture-pane -p -t t -S -300 2>/dev/null; }
# wait_for REGEX SECONDS: until the pane shows it.
wait_for() {
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		screen | grep -qE "$1" && return 0
		sleep 0.2
	done
	echo "--- the terminal:"
	screen | tail -n 15
	return 1
}
start() {
	tm new-session -d -s t -x 100 -y 40 \
		"TMPDIR=$tmp $build/vmlab --mode $mode; echo VMLAB-EXIT=\$?; sleep 60" ||
		{ echo "FAIL: tmux new-session"; exit 1; }
}

prompt="vmlab $mode:/lab# ?$"
start
if wait_for "$prompt" 300; then
	ok "$mode: a prompt"
	tm send-keys -t t 'sleep 100; echo after-sleep' Enter
	sleep 1
	tm send-keys -t t C-c
	if wait_for "$prompt" 30 && ! screen | grep -qx after-sleep; then ok "$mode: Ctrl-C stops the guest's command"; else bad "$mode: Ctrl-C"; fi
	tm send-keys -t t 'echo vmalloc > /proc/pagetable; cat /proc/pagetable' Enter
	if wait_for "^# vmalloc: 256 pages, the module's walk agrees on 256" 60; then ok "$mode: /proc/pagetable answers"; else bad "$mode: no vmalloc answer"; fi
	tm send-keys -t t 'exit' Enter
	if wait_for "VMLAB-EXIT=0" 60; then ok "$mode: exit powers off, vmlab exits 0"; else bad "$mode: exit"; fi
else
	bad "$mode: no prompt"
fi
if no_qemu_left; then ok "no QEMU left after exit"; else bad "a QEMU is left after exit"; fi
tm kill-server 2>/dev/null

# A closed terminal: kill the tmux server while the shell runs (a server of its own: a new one
# on the socket just killed may not start).
sock=vmlab-test-$$-2
start
if wait_for "$prompt" 300; then
	tm kill-server
	for _ in $(seq 50); do no_qemu_left && break; sleep 0.2; done
	if no_qemu_left; then ok "no QEMU left after the terminal closed (SIGHUP)"; else bad "a QEMU is left after SIGHUP"; fi
else
	bad "$mode: no prompt (second boot)"
fi
exit $fail
