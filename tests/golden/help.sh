#!/usr/bin/env bash
# Every --help of every command and subcommand of vmsim and vmreal: fits 80 columns, has an
# example, and `vmsim help CMD` prints the same as `vmsim CMD --help`; --version works everywhere.
# Usage: help.sh BUILD_DIR
set -u
build=$(cd "${1:?usage: help.sh BUILD_DIR}" && pwd)
vmsim="$build/vmsim" vmreal="$build/real/vmreal"
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0
check() { # NAME COMMAND...
  local name=$1 file="$out/$1.out"; shift
  if ! "$@" > "$file" 2>&1; then echo "FAIL $name: '$*' exited $?"; fail=1; return; fi
  python3 "$here/width.py" "$file" > "$out/width" || { cat "$out/width"; fail=1; }
}
subs="translate split cost map dump check quiz lesson grade tlb"
check vmsim "$vmsim" --help
check vmreal "$vmreal" --help
grep -q 'Examples:' "$out/vmreal.out" || { echo "FAIL vmreal --help has no example"; fail=1; }
for c in $subs "lesson list" "lesson show" "lesson check" "lesson do" "lesson dir"; do
  name=${c// /-}
  # shellcheck disable=SC2086  # the words of a subcommand
  check "$name" "$vmsim" $c --help
  grep -q '^Example:' "$out/$name.out" || { echo "FAIL vmsim $c --help has no example"; fail=1; }
  # shellcheck disable=SC2086
  if ! diff -q "$out/$name.out" <("$vmsim" help $c 2>&1) > /dev/null; then
    echo "FAIL vmsim help $c differs from vmsim $c --help"; fail=1
  fi
  # shellcheck disable=SC2086
  v=$("$vmsim" $c --version 2>&1) || true
  case $v in "vmsim "[0-9]*) ;; *) echo "FAIL vmsim $c --version: $v"; fail=1 ;; esac
done
for p in "$vmsim" "$vmreal"; do
  v=$("$p" --version 2>&1) || { echo "FAIL $p --version exited $?"; fail=1; }
  case $v in "$(basename "$p") "[0-9]*) ;; *) echo "FAIL $p --version: $v"; fail=1 ;; esac
done
[ "$fail" -eq 0 ] && echo "help: every --help fits 80 columns, has an example; help CMD and --version work"
exit "$fail"
