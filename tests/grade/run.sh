#!/usr/bin/env bash
# Tests of `vmsim grade` (the walker lab's grader). Usage: run.sh BUILD_DIR [CASE...]
#   reference   the reference walker scores 100% in every stage and mode
#   bugs        each deliberately broken walker is caught, in the right stage, with the right hint
#   misbehave   hanging, crashing, garbage-printing and short walkers score 0 with a clear reason
#   kits        the lab's C and Python starter kits build, run and score 0
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR [CASE...]}" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vmsim="$build/vmsim"
[ -x "$vmsim" ] || { echo "grade tests: $vmsim is not built" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-grade-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
# The system Python when there is one: a version-manager shim adds a shell per run.
py=$(command -v /usr/bin/python3 || command -v python3)
ref="$py $here/ref_walker.py"
fails=0

fail() { echo "FAIL $*"; fails=$((fails + 1)); }
# grade NAME EXPECTED_EXIT ARGS...: runs vmsim grade, output in $work/NAME.out
grade() {
  local name=$1 want=$2
  shift 2
  "$vmsim" grade --results "$work/results-$name" "$@" > "$name.out" 2>&1
  local rc=$?
  [ "$rc" -eq "$want" ] || { fail "$name: exit $rc, expected $want"; sed 's/^/  | /' "$name.out" | head -40; }
}
has() {  # has NAME REGEX: the output of NAME has a line matching REGEX (or, unanchored, wrapped text)
  grep -Eq -- "$2" "$1.out" && return
  tr '\n' ' ' < "$1.out" | sed -E 's/ +/ /g' | grep -Eq -- "$2" && return
  fail "$1: no line matches /$2/"
  sed 's/^/  | /' "$1.out" | head -40
}

reference() {
  grade reference 0 --walker "$ref" --seeds 3
  has reference '^score: ([0-9]+) of \1 \(100%\)$'
  [ "$(grep -cE '^  (basic|huge|faults) +(2level|pae|4level|5level) +[0-9]+/[0-9]+ +OK$' reference.out)" -eq 12 ] ||
    fail "reference: not 12 OK rows"
}

# bug NAME STAGE LEVELS SLIP: the walker with --bug NAME fails STAGE with hint (SLIP)
bug() {
  local name=$1 stage=$2 levels=$3 slip=$4
  grade "bug-$name" 1 --walker "$ref --bug $name" --stage "$stage" --levels "$levels" --seeds 4
  has "bug-$name" "^  $stage +[a-z0-9]+ +[0-9]+/[0-9]+ +FAIL$"
  has "bug-$name" "^  hint \($slip\): "
  has "bug-$name" "^  reproduce: echo '0x[0-9a-f]+ [rwx] (user|supervisor)' \| $ref --bug $name "
  # The kept machine reproduces the mismatch.
  local line file
  line=$(sed -n "s/^  reproduce: echo '\([^']*\)'.*/\1/p" "bug-$name.out" | head -1)
  file=$(sed -n "s/^  reproduce: echo '[^']*' | .* \([^ ]*\.machine\)$/\1/p" "bug-$name.out" | head -1)
  [ -f "$file" ] || { fail "bug-$name: kept machine '$file' missing"; return; }
  local theirs ours
  theirs=$(echo "$line" | $ref --bug "$name" "$file")
  ours=$(echo "$line" | $ref "$file")
  [ "$theirs" != "$ours" ] || fail "bug-$name: the kept machine does not reproduce ($theirs)"
}

bugs() {
  bug ignores-ps huge 4 ignores-ps
  bug ignores-ps huge 2 ignores-ps
  bug pae-10bit basic 3 10-bit-index
  bug us-not-anded faults all us-not-anded
  bug xd-ignored faults 4 xd-ignored
  bug no-canonical faults 5 canonical
  bug pse36-ignored huge 2 pse36
  # Broken in one mode or stage only: the others stay full marks.
  grade bug-scope 1 --walker "$ref --bug pae-10bit" --stage basic --seeds 4
  has bug-scope '^  basic +2level +[0-9]+/[0-9]+ +OK$'
  has bug-scope '^  basic +4level +[0-9]+/[0-9]+ +OK$'
  has bug-scope '^  basic +pae +[0-9]+/[0-9]+ +FAIL$'
}

misbehave() {
  local start=$SECONDS
  grade hang 1 --walker "$ref --bug hang" --levels 2 --stage basic --timeout 1
  has hang '^basic 2level: 0 points: on quiz seed 1, the walker did not finish within'
  has hang '^  basic +2level +0/[0-9]+ +FAIL \(walker failed\)$'
  [ $((SECONDS - start)) -lt 20 ] || fail "hang: the grader took $((SECONDS - start)) s"
  grade crash 1 --walker "$ref --bug crash" --levels 4 --stage huge
  has crash 'killed by signal 11 \(Segmentation fault\)'
  grade garbage 1 --walker "$ref --bug garbage" --levels 3 --stage faults --seeds 2
  has garbage "the walker printed 'the answer is 0x[0-9a-f]+' on line 1: expected 0xADDRESS"
  # Control characters a walker prints (colour for debugging, say) are shown escaped, not sent
  # to the learner's terminal.
  printf '#!/bin/sh\nwhile read -r l; do printf "\\033[31mred\\377\\n"; done\n' > "$work/escapes.sh"
  chmod +x "$work/escapes.sh"
  grade escapes 1 --walker "$work/escapes.sh" --levels 2 --stage basic --seeds 1
  has escapes "the walker printed '\\\\x1b\\[31mred\\\\xff' on line 1"
  ! grep -q $'\033' escapes.out || fail "escapes: an escape sequence reached the output"
  grade too-few 1 --walker "$ref --bug too-few" --levels 5 --stage basic --seeds 2
  has too-few 'the walker printed [0-9]+ lines for [0-9]+ questions'
  grade missing 1 --walker "$work/no-such-walker" --levels 2 --stage basic --seeds 1
  has missing 'the walker exited with status 127'
  has missing "its stderr: cannot run '.*no-such-walker'"
  # In every stage and mode: said once, not once for each of the twelve.
  grade missing-all 1 --walker "$work/no-such-walker" --seeds 1
  [ "$(grep -c 'its stderr:' missing-all.out)" -eq 1 ] || fail "missing-all: the reason more than once"
  has missing-all '^  \(the other stages and modes not run: the walker cannot be started\)$'
  grade sh-missing 1 --walker "no-such-interpreter walker.py" --levels 4 --seeds 1
  [ "$(grep -c 'its stderr:' sh-missing.out)" -eq 1 ] || fail "sh-missing: the reason more than once"
  grade slow-start 0 --walker "$ref --bug slow-start" --levels 2 --stage basic --seeds 2
  grade bad-stage 2 --walker "$ref" --stage everything
  has bad-stage '^vmsim: --stage must be basic, huge, faults or all'
}

kits() {
  # The lab is listed right after lesson 6, and `lesson show lab` reads it.
  "$vmsim" lesson list --dir "$root/lessons" > list.out 2>&1
  grep -A2 '^ 6 ' list.out | grep -q '^lab Write your own page walker' || { fail "kits: lab not after lesson 6"; cat list.out; }
  "$vmsim" lesson show lab --dir "$root/lessons" > show.out 2>&1
  has show '^Lab: write your own page walker$'
  cp -r "$root/lessons/lab-walker" "$work/lab"
  make -s -C "$work/lab/c" > make.out 2>&1 || { fail "kits: the C kit does not build"; cat make.out; }
  grade kit-c 1 --walker "$work/lab/c/walker" --seeds 2
  has kit-c '^score: 0 of [0-9]+ \(0%\)$'
  (cd "$work/lab/c" && make -s grade VMSIM="$vmsim" GRADE="--levels 2 --stage basic --seeds 1") > make-grade.out 2>&1
  grep -q '^score: 0 of' make-grade.out || { fail "kits: make grade"; cat make-grade.out; }
  grade kit-python 1 --walker "$py $work/lab/python/walker.py" --seeds 2
  has kit-python '^score: 0 of [0-9]+ \(0%\)$'
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(reference bugs misbehave kits)
for c in "${cases[@]}"; do "$c"; done
echo "grade tests (${cases[*]}): $fails failed"
[ "$fails" -eq 0 ]
