#!/usr/bin/env bash
# Golden tests: runs every case in cases.txt (vmsim quiz) and compares stdout, stderr and the exit status with
# expected/NAME.out. Usage: run.sh BUILD_DIR [--update]
#   --update rewrites the expected files; review them with `git diff tests/quiz`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [--update]}" && pwd)
update=${2:-}
vmsim="$build/vmsim"
[ -x "$vmsim" ] || { echo "quiz golden: $vmsim is not built" >&2; exit 2; }
cd "$here"
pass=0 fail=0
while read -r name args; do
  case "$name" in ''|'#'*) continue ;; esac
  # shellcheck disable=SC2086  # the arguments are words
  actual=$( { "$vmsim" $args 2>&1; echo "[exit $?]"; } )
  expected_file="expected/$name.out"
  if [ "$update" = --update ]; then
    printf '%s\n' "$actual" > "$expected_file"
    continue
  fi
  if [ -f "$expected_file" ] && [ "$actual" = "$(cat "$expected_file")" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: vmsim $args"
    if [ -f "$expected_file" ]; then diff -u "$expected_file" <(printf '%s\n' "$actual") | head -40
    else echo "  (no $expected_file: run with --update and review it)"; fi
  fi
done < cases.txt
[ "$update" = --update ] && { echo "quiz golden: expected outputs rewritten; review: git diff tests/quiz"; exit 0; }
echo "quiz golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
