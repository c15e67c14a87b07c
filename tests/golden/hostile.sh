#!/usr/bin/env bash
# vmsim against hostile surroundings: a full or closed stderr/stdout, endless or huge inputs, a
# directory for a file, a negative seed. Each check: the exit status, and one line on stderr.
#   bash tests/golden/hostile.sh BUILD_DIR
set -u
vmsim=$(cd "${1:?usage: hostile.sh BUILD_DIR}" && pwd)/vmsim
[ -x "$vmsim" ] || { echo "hostile: $vmsim is not built" >&2; exit 2; }
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# cap KB: the ulimit -v that bounds a run's memory. Under AddressSanitizer there is none: ASan
# reserves terabytes of address space for its shadow, so any cap kills it at start. There the
# statuses and messages are still checked, and the optimised build checks the caps.
cap() { echo "ulimit -v $1;"; }
if grep -q '^VMTOUR_SANITIZE:BOOL=ON' "$(dirname "$vmsim")/CMakeCache.txt" 2>/dev/null; then
  echo "hostile: NOTE: sanitizer build: memory caps (ulimit -v) NOT checked here; the optimised build checks them"
  cap() { :; }
fi

# expect STATUS DESCRIPTION -- COMMAND...: runs COMMAND (a shell string) and checks its status.
expect() {
  local want=$1 what=$2; shift 3
  local got
  bash -c "$*" >"$tmp/out" 2>"$tmp/err"; got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $what: exit $got, expected $want: $*"; sed 's/^/  /' "$tmp/err" | head -5; fail=1
  fi
}
# one_line PATTERN DESCRIPTION: the last command's stderr is one line matching PATTERN.
one_line() {
  if [ "$(wc -l <"$tmp/err")" != 1 ] || ! grep -q -- "$1" "$tmp/err"; then
    echo "FAIL $2: stderr is not one line matching '$1':"; sed 's/^/  /' "$tmp/err" | head -5; fail=1
  fi
}

# A closed or full stderr: the error cannot be printed, the status still says "bad input" (was 134).
expect 2 "error to a full stderr" -- "'$vmsim' translate zzz --levels 2 2>/dev/full"
expect 2 "error to a closed stderr" -- "'$vmsim' translate zzz --levels 2 2>&-"
expect 2 "bad option to a full stderr" -- "'$vmsim' translate --nope 2>/dev/full"
# A full stdout: a clean error, never an abort.
expect 2 "walk to a full stdout" -- "'$vmsim' translate 0x1337babe --levels 2 >/dev/full"
one_line "vmsim: cannot write the output" "walk to a full stdout"
expect 2 "JSON to a full stdout" -- "'$vmsim' map --levels 5 --json >/dev/full"
expect 2 "help to a full stdout" -- "'$vmsim' translate --help >/dev/full"
expect 2 "full stdout and stderr" -- "'$vmsim' translate 0x1337babe >/dev/full 2>/dev/full"
# Endless inputs are refused at the limit (256 MiB), not read until memory runs out. ulimit -v
# makes a run that grows past 1 GiB fail instead of taking the machine.
expect 2 "--machine /dev/zero" -- "$(cap 1048576) '$vmsim' translate 0x1000 --machine /dev/zero"
one_line "/dev/zero: the machine file is larger than 256M; refused" "--machine /dev/zero"
expect 2 "--machine /dev/urandom" -- "$(cap 1048576) '$vmsim' translate 0x1000 --machine /dev/urandom"
one_line "/dev/urandom: the machine file is larger than 256M; refused" "--machine /dev/urandom"
expect 2 "split --from /dev/zero" -- "$(cap 1048576) '$vmsim' split --from /dev/zero"
one_line "/dev/zero: the vmreal output is larger than 256M; refused" "split --from /dev/zero"
expect 2 "--machine - from an endless pipe" -- "$(cap 1048576) yes | '$vmsim' translate 0x1000 --machine -"
one_line "<stdin>: the machine file is larger than 256M" "--machine - from an endless pipe"
# A directory is named as one.
expect 2 "--machine DIR" -- "'$vmsim' translate 0x1000 --machine '$tmp'"
one_line "is a directory, not a machine file" "--machine DIR"
# A 48 KB file of entries spread over physical memory stays small (it took 1.2 GB).
{
  printf 'vmtour-machine 1\nmode 4level\ncr3 0x1000\n'
  for i in $(seq 1 2352); do printf 'entry %#x 1\n' $((i << 28)); done
} >"$tmp/spread.machine"
expect 1 "48 KB spread machine under 64 MiB" -- "$(cap 262144) '$vmsim' translate 0x1000 --machine '$tmp/spread.machine'"
# Unsigned options refuse a sign instead of wrapping to 2^64-1.
expect 2 "quiz --seed -1" -- "'$vmsim' quiz --seed -1"
one_line "must be an unsigned number" "quiz --seed -1"

[ "$fail" -eq 0 ] && echo "hostile: all passed"
exit "$fail"
