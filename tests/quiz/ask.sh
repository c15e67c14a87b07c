#!/usr/bin/env bash
# Tests of `vmsim quiz --ask`, the interactive quiz. Usage: ask.sh BUILD_DIR [CASE...]
#   piped   a whole session from a pipe: hints, a wrong answer with its hint, right answers, 'show'
#   keys    arrow keys typed before an answer are left out of it
#   eof     input ends mid-quiz: a summary line (within 80 columns), exit 1, no hang
#   sigint  Ctrl-C (SIGINT) while waiting for an answer: a summary line (80 columns), exit 130
#   reserved  a reserved-bit question (--faults): the slips' hints, then right
#   tmux    the same under a real terminal (tmux), typed key by key, then Ctrl-C
#   kinds   --kind entry, decode and cost: a hint, a wrong answer with its hint, a malformed
#           one, then the right answer (from --solve), and the summary
set -u
build=$(cd "${1:?usage: ask.sh BUILD_DIR [CASE...]}" && pwd)
shift
vmsim="$build/vmsim"
[ -x "$vmsim" ] || { echo "ask tests: $vmsim is not built" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-ask-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
has() {  # has FILE REGEX
  grep -Eq -- "$2" "$1" || { fail "$(basename "$1"): no line matches /$2/"; sed 's/^/  | /' "$1" | tail -30; }
}
fits80() {  # fits80 FILE: every line of a session's output fits 80 columns
  local wide
  wide=$(python3 "$(dirname "${BASH_SOURCE[0]}")/../golden/width.py" "$1") ||
    { fail "$(basename "$1"): wider than 80 columns"; printf '%s\n' "$wide"; }
}
quiz=(quiz --levels 4 --seed 7 --huge --faults --count 3)
# The right answers of that quiz, from --solve.
answers() { "$vmsim" "${quiz[@]}" --solve | sed -n 's/^answer  \(0x[0-9a-f]*\) .*/\1/p; s/^answer  #PF, error code \(0x[0-9a-f]*\):.*/pf \1/p; s/^answer  #GP.*/gp/p'; }

piped() {
  mapfile -t right < <(answers)
  [ ${#right[@]} -eq 3 ] || { fail "piped: expected 3 answers from --solve, got ${#right[@]}"; return; }
  printf '%s\n' hint hint 0x1000 "${right[0]}" "${right[1]}" show > "$work/in"
  "$vmsim" "${quiz[@]}" --ask < "$work/in" > "$work/piped.out" 2>&1
  local rc=$?
  [ "$rc" -eq 1 ] || fail "piped: exit $rc, expected 1 (one question shown, not answered)"
  has "$work/piped.out" '^1\. user-mode read of 0x8bd9fde6913$'
  has "$work/piped.out" '^  hint 1: step 1: the PML4 index is VA bits 47:39 = 17'
  has "$work/piped.out" '^  hint 2: step 2: '
  has "$work/piped.out" '^  wrong: '
  has "$work/piped.out" '^  right$'
  has "$work/piped.out" '^answer  0xeb85f8913 \(a 4K page\)$'
  has "$work/piped.out" '^score: 1 of 3 right at the first try, 1 after more tries, 1 shown$'
}

keys() {
  # Arrow keys typed before an answer: escape sequences in the line, not part of the answer.
  mapfile -t right < <(answers)
  printf '\033[A%s\n\033[Dquit\n' "${right[0]}" | "$vmsim" "${quiz[@]}" --ask > "$work/keys.out" 2>&1
  has "$work/keys.out" '^  right$'
  has "$work/keys.out" '^stopped at question 2 of 3'
  grep -q $'\033' "$work/keys.out" && fail "keys.out: an escape sequence printed back"
}

eof() {
  printf 'hint\n' | "$vmsim" "${quiz[@]}" --ask > "$work/eof.out" 2>&1
  local rc=$?
  [ "$rc" -eq 1 ] || fail "eof: exit $rc, expected 1"
  has "$work/eof.out" '^stopped at question 1 of 3; score: 0 of 3 right at the first try'
  fits80 "$work/eof.out"
}

sigint() {
  # stdin stays open (sleep holds the pipe), so vmsim is blocked reading when the signal comes.
  (sleep 10) | "$vmsim" "${quiz[@]}" --ask > "$work/sigint.out" 2>&1 &
  local pid=$!
  sleep 1
  kill -INT "$pid"
  wait "$pid"
  local rc=$?
  [ "$rc" -eq 130 ] || fail "sigint: exit $rc, expected 130"
  has "$work/sigint.out" '^interrupted at question 1 of 3; score: 0 of 3'
  fits80 "$work/sigint.out"
}

tmux_case() {
  command -v tmux > /dev/null || { fail "tmux: not installed (apt-get install tmux)"; return; }
  local s="vmsim-ask-$$" sock="$work/tmux.sock"
  mapfile -t right < <(answers)
  # The wrapping shell catches SIGINT (a caught signal is reset for vmsim), so that Ctrl-C in the
  # pane reaches vmsim and the shell lives on to record its exit status.
  tmux -S "$sock" new-session -d -s "$s" -x 100 -y 50 \
    "bash -c 'trap true INT; $vmsim ${quiz[*]} --ask; echo EXIT=\$? > $work/tmux.rc; sleep 30'"
  local pane history=200
  . "$(dirname "${BASH_SOURCE[0]}")/../tmux_wait.sh"
  wait_for '^answer>' &&
    tmux -S "$sock" send-keys -t "$s" "${right[0]}" Enter &&
    wait_for '^  right$' &&
    wait_for '^2\. ' &&
    tmux -S "$sock" send-keys -t "$s" hint Enter &&
    wait_for '^  hint 1: step 1' &&
    tmux -S "$sock" send-keys -t "$s" C-c &&
    for _ in $(seq 100); do [ -s "$work/tmux.rc" ] && break; sleep 0.1; done
  pane=$(tmux -S "$sock" capture-pane -p -t "$s" -S -200)
  tmux -S "$sock" kill-server 2> /dev/null
  grep -q '^interrupted at question 2 of 3; score: 1 of 3 right at the first try' <<< "$pane" ||
    { fail "tmux: no summary line after Ctrl-C"; printf '%s\n' "$pane" | tail -20; }
  grep -q '^EXIT=130$' "$work/tmux.rc" 2> /dev/null || fail "tmux: exit status $(cat "$work/tmux.rc" 2> /dev/null)"
}

reserved() {
  # A reserved-bit question (--faults): the walk ignoring the reserved bit, then RSVD forgotten,
  # each with the hint that names the rule, then the right answer.
  printf '%s\n' 0xf9784949 'pf 0x6' 'pf 0x5' 0xf9a91691 'pf 0x1' 'pf 0x9' > "$work/in"
  "$vmsim" quiz --levels 2 --seed 6 --faults --count 4 --ask < "$work/in" > "$work/reserved.out" 2>&1
  local rc=$?
  [ "$rc" -eq 0 ] || fail "reserved: exit $rc, expected 0 (all answered right in the end)"
  has "$work/reserved.out" '^4\. supervisor-mode read of 0xf291691$'
  has "$work/reserved.out" '^  wrong: step 1, the PDE at 0x21000f0 has reserved bit\(s\) 0x200000 set'
  has "$work/reserved.out" '^  wrong: the right fault, a wrong error-code bit: RSVD=1 \(bit 3\)'
  has "$work/reserved.out" '^answer  #PF, error code 0x9: reserved bit\(s\) 0x200000 set in the PDE'
  has "$work/reserved.out" '^score: 3 of 4 right at the first try, 1 after more tries, 0 shown$'
}

kinds() {
  local kind args rc
  for kind in entry decode cost; do
    args=(quiz --kind "$kind" --levels 4 --seed 3 --count 2)
    mapfile -t right < <("$vmsim" "${args[@]}" --solve | sed -n 's/^answer  \([^(]*[^ (]\).*/\1/p')
    [ ${#right[@]} -eq 2 ] || { fail "$kind: expected 2 answers from --solve, got ${#right[@]}"; continue; }
    printf '%s\n' hint 'frame 0x1000 P' 'what' "${right[0]}" "${right[1]}" > "$work/in"
    [ "$kind" = decode ] || sed -i 's/^frame 0x1000 P$/0x1000/' "$work/in"
    "$vmsim" "${args[@]}" --ask < "$work/in" > "$work/$kind.out" 2>&1
    rc=$?
    [ "$rc" -eq 0 ] || fail "$kind: exit $rc, expected 0 (all answered right in the end)"
    has "$work/$kind.out" '^1\. '
    has "$work/$kind.out" '^  hint 1: '
    has "$work/$kind.out" '^  wrong: '
    has "$work/$kind.out" "^  .*'what'"
    has "$work/$kind.out" '^  right$'
    has "$work/$kind.out" "^answer  ${right[1]}"
    has "$work/$kind.out" '^score: 1 of 2 right at the first try, 1 after more tries, 0 shown$'
  done
  has "$work/entry.out" '^  wrong: not in the PDPT the walk reads'
  has "$work/decode.out" '^  wrong: bit 7 \(PS\) is clear: this PDPTE points to a PD; not the address'
  has "$work/cost.out" '^  wrong: too many: at each level count the tables'
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(piped keys eof sigint reserved kinds tmux)
for c in "${cases[@]}"; do
  if [ "$c" = tmux ]; then tmux_case; else "$c"; fi
done
echo "ask tests (${cases[*]}): $fails failed"
[ "$fails" -eq 0 ]
