#!/usr/bin/env bash
# Golden tests: runs every case in DIR/cases.txt and compares stdout, stderr and the exit status
# with DIR/expected/NAME.out. Usage: run.sh BUILD_DIR [--update|--check] [DIR]
#   DIR defaults to tests/golden (vmsim's commands); tests/quiz uses it for the quiz.
#   --update rewrites the expected files; review them with `git diff DIR`.
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR [--update|--check] [DIR]}" && pwd)
update=${2:-}
here=$(cd "${3:-$(dirname "$0")}" && pwd)
suite=$(basename "$here")
vmsim="$build/vmsim"
[ -x "$vmsim" ] || { echo "golden ($suite): $vmsim is not built" >&2; exit 2; }
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
[ "$update" = --update ] && [ "$suite" = golden ] && bash "$here/../svg/run.sh" "$build" --update  # the pictures too
[ "$update" = --update ] && { echo "golden ($suite): expected outputs rewritten; review: git diff $here"; exit 0; }
echo "golden ($suite): $pass passed, $fail failed"
[ "$fail" -eq 0 ]
