#!/usr/bin/env bash
# Tests of `vmsim lesson do N`, a lesson as a session. Usage: do.sh BUILD_DIR [CASE...]
#   piped    lesson 1 from a pipe: right, wrong then right (a decimal for a hex value), 'show';
#            the progress file and `lesson list` show it; run again, it has nothing to go on from
#   resume   input ends mid-lesson: exit 1, progress kept; the next run goes on from there
#   keys     arrow keys typed before an answer are left out of it (and not printed back)
#   nohome   no HOME: said once at the start, not after every exercise
#   two      two sessions at once, lessons 1 and 2: the progress file keeps both
#   seen     `lesson list` counts the exercises with nothing to answer among those done
#   module   lesson 8's module exercise where there is no module: graded, then the output
#            recorded in the matrix instead of a run
#   sigint   Ctrl-C while waiting for an answer: exit 130, progress kept
#   tmux     the same under a real terminal (tmux), typed key by key, then Ctrl-C
#   widths   every lesson from start to end ('show' for every answer): every line it prints fits
#            80 columns (display width: tests/golden/width.py)
set -u
build=$(cd "${1:?usage: do.sh BUILD_DIR [CASE...]}" && pwd)
shift
src=$(cd "$(dirname "$0")/../.." && pwd)
vmsim="$build/vmsim"
[ -x "$vmsim" ] || { echo "lesson do tests: $vmsim is not built" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/vmsim-do-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
has() {  # has FILE REGEX
  grep -Eq -- "$2" "$1" || { fail "$(basename "$1"): no line matches /$2/"; sed 's/^/  | /' "$1" | tail -30; }
}
hasnt() {  # hasnt FILE REGEX
  ! grep -Eq -- "$2" "$1" || fail "$(basename "$1"): a line matches /$2/"
}
wide() {  # no line wider than 80 columns
  local n
  n=$(awk 'length($0) > 80' "$1" | wc -l)
  [ "$n" -eq 0 ] || { fail "$(basename "$1"): $n lines wider than 80 columns"; awk 'length($0) > 80' "$1" | head -3; }
}
# Each case keeps its progress in its own XDG state folder.
do_lesson() {  # do_lesson STATE N [ARGS...] < input
  local state=$1
  shift
  XDG_STATE_HOME="$work/$state" "$vmsim" lesson do "$@" --dir "$src/lessons"
}

piped() {
  # The text's one pause, then: right; wrong (PT index) then right with decimal 2750 = 0xabe and
  # 76 for 0x4c; 'show'; right.
  printf '%s\n' '' '0x1337b, 0xabe' '76 892 0xabe' '0x4c 0x37b 2750' show '1048576' > "$work/in"
  do_lesson piped 1 < "$work/in" > "$work/piped.out" 2>&1
  local rc=$?
  [ "$rc" -eq 1 ] || fail "piped: exit $rc, expected 1 (one answer shown)"
  has "$work/piped.out" '^lesson 1: Pages and offsets$'
  has "$work/piped.out" '^exercise 1 of 4: page-and-offset-by-hand$'
  has "$work/piped.out" '^answer \(page number, offset\)> 0x1337b, 0xabe$'
  has "$work/piped.out" '^  right$'
  has "$work/piped.out" '^\$ printf .page %#x offset'
  has "$work/piped.out" '^page 0x1337b offset 0xabe$'
  has "$work/piped.out" '^  wrong: PT index is not right; 2 of 3 right'
  has "$work/piped.out" '^  the answer: 0x1337b000 0x1337babf 0x1337bfff$'
  has "$work/piped.out" '^lesson 1 done: 3 answered right, 1 shown'
  wide "$work/piped.out"
  local file="$work/piped/vmtour/lessons"
  [ -f "$file" ] || { fail "piped: no progress file at $file"; return; }
  has "$file" '^01-pages-and-offsets page-and-offset-by-hand right$'
  has "$file" '^01-pages-and-offsets split-the-blog-address right-later$'
  has "$file" '^01-pages-and-offsets same-page-or-not shown$'
  has "$file" '^01-pages-and-offsets page-count right$'
  XDG_STATE_HOME="$work/piped" "$vmsim" lesson list --dir "$src/lessons" > "$work/list.out" 2>&1
  has "$work/list.out" '^    you: 4 of 4 done \(2 right at once, 1 after tries, 1 shown\)$'
  hasnt "$work/list.out" 'you: .* lesson do 2'
  # Again, with every exercise done: nothing to go on from.
  do_lesson piped 1 < /dev/null > "$work/again.out" 2>&1
  has "$work/again.out" '^All 4 exercises done before \(.vmsim lesson show 1. for the text, --again to'
  hasnt "$work/again.out" 'going on from exercise 5'
}

resume() {
  printf '%s\n' '' '0x1337b 0xabe' > "$work/in"
  do_lesson resume 1 < "$work/in" > "$work/resume1.out" 2>&1
  local rc=$?
  [ "$rc" -eq 1 ] || fail "resume: exit $rc at EOF, expected 1"
  has "$work/resume1.out" '^stopped at exercise 2 of 4 \(1 of 4 done\); go on: vmsim lesson do 1$'
  # The second run skips the text and the exercise done.
  printf '%s\n' '0x4c 0x37b 0xabe' quit > "$work/in"
  do_lesson resume 1 < "$work/in" > "$work/resume2.out" 2>&1
  has "$work/resume2.out" '^1 of 4 exercises done before; going on from exercise 2'
  hasnt "$work/resume2.out" '^exercise 1 of 4'
  has "$work/resume2.out" '^stopped at exercise 3 of 4 \(2 of 4 done\)'
  XDG_STATE_HOME="$work/resume" "$vmsim" lesson list --dir "$src/lessons" > "$work/list.out" 2>&1
  has "$work/list.out" '^    you: 2 of 4 done \(2 right at once, 0 after tries, 0 shown\); go on: vmsim$'
}

keys() {
  # Arrow keys pressed before an answer (a shell's habit) reach vmsim as escape sequences in the
  # line: they are not part of the answer, and are not printed back to move the cursor about.
  printf '\n\033[A\033[A0x1337b 0xabe\nq\033[D\033[Cuit\n' > "$work/in"
  do_lesson keys 1 < "$work/in" > "$work/keys.out" 2>&1
  has "$work/keys.out" '^answer \(page number, offset\)> 0x1337b 0xabe$'
  has "$work/keys.out" '^  right$'
  has "$work/keys.out" '^stopped at exercise 2 of 4'
  hasnt "$work/keys.out" $'\033'
}

nohome() {
  # Without HOME (nor XDG_STATE_HOME) the session says once that it keeps no progress, and goes on.
  printf '%s\n' '' '0x1337b 0xabe' '0x4c 0x37b 0xabe' quit |
    env -u HOME -u XDG_STATE_HOME "$vmsim" lesson do 1 --dir "$src/lessons" > "$work/nohome.out" 2>&1
  has "$work/nohome.out" 'your progress is kept \(nowhere: no HOME\)'
  has "$work/nohome.out" '^stopped at exercise 3 of 4'
  hasnt "$work/nohome.out" 'progress not kept'
}

two() {
  # Two sessions at once (lesson 1 in one terminal, lesson 2 in another): each keeps the other's
  # progress when it writes its own.
  mkfifo "$work/two.fifo"
  do_lesson two 1 < "$work/two.fifo" > "$work/two1.out" 2>&1 &
  local pid=$!
  exec 3> "$work/two.fifo"
  printf '\n' >&3
  for _ in $(seq 50); do grep -q '^exercise 1 of 4' "$work/two1.out" 2> /dev/null && break; sleep 0.1; done
  yes show | head -30 | do_lesson two 2 > "$work/two2.out" 2>&1
  printf '0x1337b 0xabe\nquit\n' >&3
  exec 3>&-
  wait "$pid"
  has "$work/two/vmtour/lessons" '^01-pages-and-offsets page-and-offset-by-hand right$'
  has "$work/two/vmtour/lessons" '^02-the-flat-page-table '
}

seen() {
  # Exercises with nothing to answer (lesson 10's CPUID one) count in `lesson list` too, so that
  # the parts add up to the number done.
  mkdir -p "$work/seen/vmtour"
  printf '%s\n' '10-tlb-reach-and-huge-pages sixty-four-pages right' \
    '10-tlb-reach-and-huge-pages what-your-cpu-says seen' > "$work/seen/vmtour/lessons"
  XDG_STATE_HOME="$work/seen" "$vmsim" lesson list --dir "$src/lessons" > "$work/seen.out" 2>&1
  has "$work/seen.out" '^    you: 2 of 11 done \(1 right at once, 0 after tries, 0 shown, 1 only run\);'
}

module() {
  [ -e /proc/pagetable ] && { echo "module: skipped, the ko5204 module is loaded here"; return; }
  # Lesson 8 has one pause of text; its first exercise needs the module.
  printf '%s\n' '' 'yes, no, yes' quit > "$work/in"
  do_lesson module 8 < "$work/in" > "$work/module.out" 2>&1
  has "$work/module.out" '^  right$'
  has "$work/module.out" '^\(not run here: needs '
  has "$work/module.out" "^What it printed in the matrix's 2level guest \\(recorded/2level/vmalloc.txt\\):$"
  has "$work/module.out" '^Vmalloc: VA=0x[0-9a-f]+ -> PA=0x[0-9a-f]+$'
  has "$work/module.out" '^\.\.\. [0-9]+ more lines; all of it:$'
  has "$work/module.out" '^    less recorded/'
}

sigint() {
  # stdin stays open (sleep holds the pipe), so vmsim is blocked reading when the signal comes.
  (printf '\n0x1337b 0xabe\n'; sleep 10) | do_lesson sigint 1 > "$work/sigint.out" 2>&1 &
  local pid=$!
  for _ in $(seq 50); do grep -q '^exercise 2 of 4' "$work/sigint.out" 2> /dev/null && break; sleep 0.1; done
  sleep 0.3
  kill -INT "$(pgrep -P "$pid" -x vmsim || echo "$pid")" 2> /dev/null
  wait "$pid"
  has "$work/sigint.out" '^interrupted at exercise 2 of 4 \(1 of 4 done\)'
  has "$work/sigint/vmtour/lessons" '^01-pages-and-offsets page-and-offset-by-hand right$'
}

tmux_case() {
  command -v tmux > /dev/null || { fail "tmux: not installed (apt-get install tmux)"; return; }
  local s="vmsim-do-$$" sock="$work/tmux.sock"
  # The wrapping shell catches SIGINT (a caught signal is reset for vmsim), so that Ctrl-C in the
  # pane reaches vmsim and the shell lives on to record its exit status.
  tmux -S "$sock" new-session -d -s "$s" -x 80 -y 50 \
    "bash -c 'trap true INT; XDG_STATE_HOME=$work/tmux $vmsim lesson do 3 --dir $src/lessons; echo EXIT=\$? > $work/tmux.rc; sleep 30'"
  local pane history=300
  . "$(dirname "${BASH_SOURCE[0]}")/../tmux_wait.sh"
  wait_for '^-- Enter: go on' &&
    tmux -S "$sock" send-keys -t "$s" Enter &&
    wait_for '^answer \(PDE address, PTE address\)>' &&
    tmux -S "$sock" send-keys -t "$s" '0x12340130 0x43210dec' Enter &&
    wait_for '^  right$' &&
    wait_for '^PDE 0x12340130 PTE 0x43210dec$' &&
    wait_for '^exercise 2 of 5' &&
    tmux -S "$sock" send-keys -t "$s" '0xdeadbab' Enter &&
    wait_for '^  wrong: physical address is not right' &&
    tmux -S "$sock" send-keys -t "$s" C-c &&
    for _ in $(seq 100); do [ -s "$work/tmux.rc" ] && break; sleep 0.1; done
  pane=$(tmux -S "$sock" capture-pane -p -t "$s" -S -300)
  tmux -S "$sock" kill-server 2> /dev/null
  grep -Eq '^interrupted at exercise 2 of 5 \(1 of 5 done\)' <<< "$pane" ||
    { fail "tmux: no summary line after Ctrl-C"; printf '%s\n' "$pane" | tail -20; }
  grep -q '^EXIT=130$' "$work/tmux.rc" 2> /dev/null || fail "tmux: exit status $(cat "$work/tmux.rc" 2> /dev/null)"
  grep -q '^03-the-two-level-walk entry-addresses right$' "$work/tmux/vmtour/lessons" 2> /dev/null ||
    fail "tmux: the progress file does not hold the first exercise"
}

widths() {
  local dir n count=0
  for dir in "$src"/lessons/[0-9][0-9]-*/; do
    n=$(basename "$dir")
    n=$((10#${n%%-*}))
    # Enter through the text, 'show' for every question: every line the session can print.
    yes show | head -400 | do_lesson "widths-$n" "$n" > "$work/widths-$n.out" 2>&1
    grep -q '^exercise 1 of ' "$work/widths-$n.out" || { fail "widths: lesson $n asked nothing"; continue; }
    python3 "$src/tests/golden/width.py" "$work/widths-$n.out" | grep -v '^width:' | sed 's/^/FAIL widths: /'
    python3 "$src/tests/golden/width.py" "$work/widths-$n.out" > /dev/null || fails=$((fails + 1))
    count=$((count + 1))
  done
  [ "$count" -ge 11 ] || fail "widths: $count lessons, expected at least 11"
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(piped resume keys nohome two seen module sigint widths tmux)
for c in "${cases[@]}"; do
  if [ "$c" = tmux ]; then tmux_case; else "$c"; fi
done
echo "lesson do tests (${cases[*]}): $fails failed"
[ "$fails" -eq 0 ]
