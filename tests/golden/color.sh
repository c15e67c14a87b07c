#!/usr/bin/env bash
# Colour and symbols follow the terminal's conventions: colour on a terminal (a tmux pane), none
# through a pipe or with NO_COLOR set, forced by --color=always, refused by --color=never; UTF-8
# symbols only in a UTF-8 locale. Usage: color.sh BUILD_DIR
set -u
build=$(cd "${1:?usage: color.sh BUILD_DIR}" && pwd)
vmsim="$build/vmsim"
command -v tmux > /dev/null || { echo "color: tmux is not installed (scripts/setup.sh installs it)"; exit 1; }
esc=$'\e['
sock="vmtour-color-$$"
out=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$out"' EXIT
fail=0
# Runs COMMAND in an 80x50 tmux pane; prints what the pane shows, escape codes included.
in_tmux() { # NAME ENV COMMAND
  local name=$1 env=$2; shift 2
  tmux -L "$sock" new-session -d -x 80 -y 50 -s "$name" \
    "env -u NO_COLOR $env $*; echo '[done]'; sleep 30"
  for _ in $(seq 100); do
    tmux -L "$sock" capture-pane -e -p -S - -t "$name" > "$out/$name" 2> /dev/null
    grep -q '\[done\]' "$out/$name" && break
    sleep 0.1
  done
  grep -q '\[done\]' "$out/$name" || { echo "FAIL $name: no output in the tmux pane"; fail=1; }
}
expect() { # NAME yes|no WHAT FILE
  if grep -qF "$esc" "$4"; then got=yes; else got=no; fi
  [ "$got" = "$2" ] || { echo "FAIL $1: escape codes $3: expected $2, got $got"; fail=1; }
}
walk="$vmsim translate 0xc0000000 --levels 2 --access w"
in_tmux tty LC_ALL=C.UTF-8 "$walk"
expect tty yes "on a terminal" "$out/tty"
# The fault is red (31), the index of the first step in its level's colour (35, magenta).
grep -qF "${esc}31m#PF" "$out/tty" || { echo "FAIL tty: the fault is not red"; fail=1; }
grep -qF "${esc}35m" "$out/tty" || { echo "FAIL tty: the PD index is not in its step's colour"; fail=1; }
in_tmux nocolor "NO_COLOR=1 LC_ALL=C.UTF-8" "$walk"
expect nocolor no "with NO_COLOR=1 on a terminal" "$out/nocolor"
in_tmux never LC_ALL=C.UTF-8 "$walk --color=never"
expect never no "with --color=never on a terminal" "$out/never"
in_tmux empty "NO_COLOR= LC_ALL=C.UTF-8" "$walk"
expect empty yes "with an empty NO_COLOR (no-color.org: only a non-empty value counts)" "$out/empty"
$walk > "$out/pipe" 2>&1
expect pipe no "through a pipe" "$out/pipe"
$walk --color=always > "$out/always" 2>&1
expect always yes "through a pipe with --color=always" "$out/always"
# Symbols: a bullet for a list item in a UTF-8 locale, '-' in the C locale.
in_tmux utf8 LC_ALL=C.UTF-8 "$vmsim lesson show 7"
grep -q '•' "$out/utf8" || { echo "FAIL utf8: no bullet in a UTF-8 locale"; fail=1; }
in_tmux ascii LC_ALL=C "$vmsim lesson show 7"
if LC_ALL=C grep -q $'\xe2' "$out/ascii"; then echo "FAIL ascii: UTF-8 symbols in the C locale"; fail=1; fi
grep -q '\*\*' "$out/ascii" && { echo "FAIL ascii: raw ** markers in lesson show"; fail=1; }
[ "$fail" -eq 0 ] && echo "color: terminal, pipe, NO_COLOR, --color and the locale all behave"
exit "$fail"
