#!/usr/bin/env bash
# The bash completion made at build time (cmake/cli-tree.sh) completes what the commands' --help
# lists: driven as bash drives it (complete -p, COMP_WORDS, COMP_CWORD), on a few cases a learner
# types, then on every subcommand and option line of every --help.
# Usage: completion.sh BUILD_DIR [COMPLETION_DIR]   (default BUILD_DIR/completion)
set -uo pipefail
build=${1:?usage: completion.sh BUILD_DIR [COMPLETION_DIR]}
dir=${2:-$build/completion}
fail=0
declare -A bin=([vmsim]=$build/vmsim [vmreal]=$build/real/vmreal [vmlab]=$build/vmlab)

for cmd in vmsim vmreal vmlab; do
	# shellcheck disable=SC1090
	. "$dir/$cmd" || { echo "FAIL: $dir/$cmd does not load"; exit 1; }
done

# complete WORD...: what TAB offers for the last word (empty: the next word), one a line.
complete_words() {
	local spec fn
	spec=$(complete -p "$1") || return 1
	fn=${spec#*-F }
	fn=${fn%% *}
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

# expect "WORDS" "WANTED": TAB after WORDS offers exactly WANTED (space-separated, sorted).
expect() {
	local got words
	read -ra words <<<"$1"
	[[ $1 == *" " ]] && words+=("")  # "vmreal -b ": TAB on an empty word
	got=$(complete_words "${words[@]}" | tr '\n' ' ')
	got=${got% }
	if [ "$got" != "$2" ]; then
		echo "FAIL: '$1<TAB>' gives '$got', not '$2'"
		fail=1
	else
		echo "ok: '$1<TAB>' -> $got"
	fi
}

# contains "WORDS..." WANTED: TAB offers WANTED among others.
contains() {
	local words=$1 wanted=$2
	# shellcheck disable=SC2086
	if ! complete_words $words | grep -qxF -- "$wanted"; then
		echo "FAIL: '$words<TAB>' does not offer $wanted"
		fail=1
	fi
}

expect "vmsim tr" "translate"
expect "vmsim translate --le" "--levels"
expect "vmsim lesson ch" "check"
expect "vmsim lesson check --rec" "--recorded"
expect "vmreal -b " "1G 4K"
expect "vmreal --th" "--thp"
expect "vmreal --format " "csv json text"
expect "vmlab --mode " "2level 4level 5level pae"
expect "vmlab --acc" "--accel"
complete_words vmsim check "" >/dev/null  # a FILE positional: files, no error

# Every subcommand and option line of every --help (vmsim's subcommands, recursively).
# paths: "vmsim", "vmsim translate", ... from the subcommand sections.
checked=0
check_path() {
	local cmd=$1 help line word
	shift
	help=$("${bin[$cmd]}" "$@" --help) || { echo "FAIL: $cmd $* --help"; fail=1; return; }
	local section=""
	while IFS= read -r line; do
		case $line in
		[A-Za-z]*:) section=${line,,} ;;
		"  "-*)
			[ -n "$section" ] || continue
			for word in $(sed -E 's/^ +//; s/  .*//; s/ .*//; s/,/ /g' <<<"$line"); do
				contains "$cmd $* ${word:0:3}" "$word"
				checked=$((checked + 1))
			done ;;
		"  "[a-z]*)
			if [[ $section == *subcommands* ]]; then
				word=$(awk '{ print $1 }' <<<"$line")
				contains "$cmd $* ${word:0:2}" "$word"
				checked=$((checked + 1))
				check_path "$cmd" "$@" "$word"
			fi ;;
		[^\ ]*) section="" ;;
		esac
	done <<<"$help"
}
check_path vmsim
check_path vmreal
check_path vmlab
echo "completion: $checked subcommands and options of every --help complete"
[ "$checked" -gt 30 ] || { echo "FAIL: only $checked words found in the help: is the help's layout still CLI11's?"; fail=1; }
exit $fail
