#!/usr/bin/env bash
# The man pages made at build time (help2man over each command's --help, and the subcommands'
# --help in a COMMANDS section) say what --help says: every option and subcommand of every
# --help (vmsim's subcommands, recursively) is in the rendered page of its command.
# Usage: man.sh BUILD_DIR [MAN_DIR]   (default BUILD_DIR/man)
set -uo pipefail
build=${1:?usage: man.sh BUILD_DIR [MAN_DIR]}
dir=${2:-$build/man}
fail=0
checked=0
declare -A bin=([vmsim]=$build/vmsim [vmreal]=$build/real/vmreal [vmlab]=$build/vmlab)

# The words a help lists: option names of its option lines, and its subcommands.
help_words() {
	awk '/^[A-Za-z][A-Za-z ]*:$/ { section = tolower($0); next }
	     /^[^ ]/ { section = "" }
	     section != "" && /^ +-/ { spec = $0; sub(/^ +/, "", spec); sub(/ .*/, "", spec); gsub(/,/, "\n", spec); print spec }
	     section ~ /subcommands/ && /^  [a-z]/ { print "SUB " $1 }'
}

check_path() {
	local cmd=$1 page=$2 help word
	shift 2
	help=$("${bin[$cmd]}" "$@" --help) || { echo "FAIL: $cmd $* --help"; fail=1; return; }
	while read -r word; do
		case $word in
		"SUB "*)
			word=${word#SUB }
			# A subcommand has its own section, titled with its command line.
			if ! grep -qxF "   $cmd${*:+ $*} $word" <<<"$page"; then
				echo "FAIL: man $cmd has no section for '$cmd $* $word'"
				fail=1
			fi
			checked=$((checked + 1))
			check_path "$cmd" "$page" "$@" "$word" ;;
		*)
			if ! grep -qF -- "$word" <<<"$page"; then
				echo "FAIL: man $cmd does not mention $word (from '$cmd $* --help')"
				fail=1
			fi
			checked=$((checked + 1)) ;;
		esac
	done < <(help_words <<<"$help")
}

for cmd in vmsim vmreal vmlab; do
	[ -f "$dir/$cmd.1" ] || { echo "FAIL: no $dir/$cmd.1"; fail=1; continue; }
	# Rendered as a learner reads it, plain ASCII, lines wide enough not to break a name.
	page=$(LC_ALL=C MANWIDTH=200 man -l "$dir/$cmd.1" 2>&1) || { echo "FAIL: man -l $dir/$cmd.1"; fail=1; continue; }
	grep -q "^NAME" <<<"$page" && grep -q "^SYNOPSIS\|^DESCRIPTION" <<<"$page" ||
		{ echo "FAIL: man $cmd has no NAME/DESCRIPTION"; fail=1; }
	check_path "$cmd" "$page"
done
echo "man: $checked options and subcommands of every --help are in the man pages"
[ "$checked" -gt 30 ] || { echo "FAIL: only $checked words found in the help: is the help's layout still CLI11's?"; fail=1; }
exit $fail
