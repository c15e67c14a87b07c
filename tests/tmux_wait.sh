# Sourced by the tests that drive a real terminal (tests/quiz/ask.sh, tests/lessons/do.sh).
# wait_for REGEX: until the tmux pane of session $s on socket $sock shows a line matching REGEX
# (10 s), looking $history lines back; the pane's text is left in $pane. On a timeout it calls
# the test's fail() and shows the pane's last lines.
wait_for() {
  for _ in $(seq 100); do
    pane=$(tmux -S "$sock" capture-pane -p -t "$s" -S "-$history")
    grep -Eq -- "$1" <<< "$pane" && return 0
    sleep 0.1
  done
  fail "tmux: the pane never showed /$1/"
  printf '%s\n' "$pane" | tail -20 | sed 's/^/  | /'
  return 1
}
