#!/usr/bin/env bash
# Every command of README.md's sh blocks, pasted in order as a learner would, in a fresh folder,
# with the commands installed (cmake --install into DESTDIR, the prefix of the build: /usr/local)
# and first on PATH. Each line must exit 0, or the N its comment announces with "(exit N)".
#   Block 1 (set up, build, install, translate): the install and what follows it run; setup.sh,
#   configure and build are this build itself: reported NOT RUN.
#   Block 2 (bash scripts/test.sh) runs this test: NOT RUN.
#   Lines whose comment says "[boots a guest]": NOT RUN (vmlab's guests: tests/lab/run.sh).
#   Lines whose comment says "[needs the module]": NOT RUN (this kernel cannot load ko5204; the
#   matrix runs the module in real kernels, tests/matrix).
# Run as root (vmreal's lines read physical addresses); `sudo` runs the command as it is.
# Usage: readme.sh BUILD_DIR
set -uo pipefail
build=$(cd "${1:?usage: readme.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "readme.sh: run as root (the README's sudo lines)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/work"
printf '#!/bin/sh\nexec "$@"\n' >"$tmp/bin/sudo"  # we are root: sudo CMD is CMD
chmod +x "$tmp/bin/sudo"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
export DESTDIR=$tmp/root
export PATH=$DESTDIR$prefix/bin:$tmp/bin:$PATH
unset VMTOUR_LESSONS
export XDG_STATE_HOME=$tmp/state  # `vmsim lesson do` keeps its progress here, not in the real home

# The sh blocks, as "BLOCK<TAB>LINE" lines.
blocks=$(awk '/^```sh$/ { n++; inside = 1; next } /^```/ { inside = 0; next } inside { print n "\t" $0 }' "$src/README.md")
[ "$(cut -f1 <<<"$blocks" | sort -u | wc -l)" -ge 3 ] || { echo "FAIL: fewer than 3 sh blocks in README.md"; exit 1; }

fail=0 ran=0 notrun=0
# run LINE DIR: one command line, with the exit status its comment announces.
run() {
	local line=$1 dir=$2 want=0 got out
	[[ $line =~ \(exit\ ([0-9]+)\) ]] && want=${BASH_REMATCH[1]}
	out=$(cd "$dir" && bash -o pipefail -c "$line" 2>&1 </dev/null)
	got=$?
	ran=$((ran + 1))
	if [ "$got" = "$want" ]; then
		echo "ok (exit $got): $line"
	else
		echo "FAIL (exit $got, not $want): $line"
		tail -5 <<<"$out" | sed 's/^/    /'
		fail=1
	fi
}
not_run() {
	notrun=$((notrun + 1))
	echo "NOT RUN ($2): $1"
}

while IFS=$'\t' read -r block line; do
	[ -n "${line// /}" ] || continue
	case $block in
	1)
		# setup && configure && build && install && first command: the install onwards runs.
		IFS=$'\n' read -d '' -ra parts < <(sed 's/ *&& */\n/g' <<<"$line")
		for part in "${parts[@]}"; do
			case $part in
			*scripts/setup.sh* | "cmake --preset"* | "cmake --build"*)
				not_run "$part" "the build this test runs in" ;;
			*"cmake --install build/default"*)
				run "${part/build\/default/$build}" "$src" ;;
			*) run "$part" "$tmp/work" ;;
			esac
		done ;;
	2) not_run "$line" "it runs this test" ;;
	*)
		if [[ $line == *"[boots a guest]"* ]]; then
			not_run "$line" "boots a QEMU guest: tests/lab/run.sh runs vmlab"
		elif [[ $line == *"[needs the module]"* ]]; then
			not_run "$line" "needs ko5204 loaded; this kernel cannot load modules, tests/matrix runs it"
		else
			run "$line" "$tmp/work"
		fi ;;
	esac
done <<<"$blocks"

echo "readme: $ran commands ran, $notrun NOT RUN here (listed above)"
[ "$ran" -gt 10 ] || { echo "FAIL: only $ran README commands ran"; fail=1; }
exit $fail
