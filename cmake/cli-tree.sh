#!/usr/bin/env bash
# Reads a command's --help, and its subcommands' (recursively), and writes what is made from it
# at build time, so that neither can drift from the command line itself:
#   cli-tree.sh completion PROG NAME   a bash completion script for NAME (commands, subcommands,
#                                      options, and the values an option lists: 2|3|4|5, {a,b})
#   cli-tree.sh man PROG NAME          a help2man include file: a COMMANDS section with the
#                                      --help of every subcommand
#   cli-tree.sh tree PROG NAME         the parsed tree, one line each (for tests and reading):
#                                      sub PATH WORD | opt PATH NAMES VALUE | pos PATH VALUE
# PROG is the binary to run, NAME the command's name as installed.
# What is parsed is CLI11's help layout: section headings ending in ':' ("Options:",
# "Subcommands:", "Positionals:"), entries indented, an entry's names and value before two
# spaces, then its description.
set -euo pipefail

mode=${1:?usage: cli-tree.sh completion|man|tree PROG NAME}
prog=${2:?usage: cli-tree.sh completion|man|tree PROG NAME}
name=${3:?usage: cli-tree.sh completion|man|tree PROG NAME}

# parse PATH...: the tree lines of one command's help (PATH = NAME and its subcommand words).
parse() {
	local path="$*"
	"$prog" "${@:2}" --help | awk -v path="$path" '
		/^[A-Za-z][A-Za-z ]*:$/ { section = tolower($0); next }
		/^[^ ]/ { section = "" }
		section ~ /subcommands/ && /^  [a-z][a-z0-9_-]*( |$)/ { print "sub\t" path "\t" $1; next }
		section ~ /positionals/ && /^  [A-Za-z]/ {
			spec = substr($0, 3); sub(/  .*/, "", spec)
			print "pos\t" path "\t" spec; next
		}
		section != "" && /^ +-/ {
			spec = $0; sub(/^ +/, "", spec); sub(/  .*/, "", spec)
			names = spec; sub(/ .*/, "", names)
			# The value: the first word after the names (TEXT, UINT:{2,3,4,5}, 4K|1G), not
			# CLI11 notes such as "Excludes: --user".
			value = ""
			if (index(spec, " ")) { value = spec; sub(/^[^ ]* /, "", value); sub(/ .*/, "", value) }
			if (value ~ /:$/) value = ""
			gsub(/,/, " ", names)
			print "opt\t" path "\t" names "\t" value
		}'
}

# tree PATH...: parse PATH and every subcommand below it, depth first.
tree() {
	local lines sub
	lines=$(parse "$@")
	[ -n "$lines" ] && printf '%s\n' "$lines"
	while IFS=$'\t' read -r kind _ sub; do
		[ "$kind" = sub ] && tree "$@" "$sub"
	done <<<"$lines"
	return 0
}

# The values an option's value text lists: {2,3,4,5} (CLI11's IsMember) or 4K|1G (ours).
choices() {
	local v=$1
	if [[ $v =~ \{([^}]*)\} ]]; then
		tr ',' ' ' <<<"${BASH_REMATCH[1]}"
	elif [[ $v =~ ^([A-Za-z0-9_.-]+(\|[A-Za-z0-9_.-]+)+) ]]; then
		tr '|' ' ' <<<"${BASH_REMATCH[1]}"
	fi
}

completion() {
	local t fn
	t=$(tree "$name")
	fn="_${name//[^A-Za-z0-9_]/_}"
	cat <<EOF
# bash completion for $name: commands, subcommands, options and their listed values.
# Generated at build time from \`$name --help\` (and each subcommand's) by cmake/cli-tree.sh.
$fn() {
	local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} path=$name i
	# The subcommands given so far make the path whose words we offer.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case "\$path \${COMP_WORDS[i]}" in
EOF
	local paths
	paths=$(awk -F'\t' '$1 == "sub" { printf "%s\"%s %s\"", sep, $2, $3; sep = "|" }' <<<"$t")
	[ -n "$paths" ] && printf '\t\t%s) path="$path ${COMP_WORDS[i]}" ;;\n' "$paths"
	cat <<'EOF'
		esac
	done
	# The value of the option before the cursor: the values it lists, or file names.
	case "$path|$prev" in
EOF
	local kind path names value n pat c
	while IFS=$'\t' read -r kind path names value; do
		[ "$kind" = opt ] && [ -n "$value" ] || continue
		pat=""
		for n in $names; do pat+="${pat:+|}\"$path|$n\""; done
		c=$(choices "$value")
		if [ -n "$c" ]; then
			printf '\t\t%s) COMPREPLY=($(compgen -W "%s" -- "$cur")); return ;;\n' "$pat" "$c"
		elif [[ $value =~ ^(U?INT|FLOAT|NUMBER) ]]; then
			printf '\t\t%s) return ;;\n' "$pat"
		else  # TEXT, FILE, SIZE...: file names, as bash offers without completion
			printf '\t\t%s) COMPREPLY=($(compgen -f -- "$cur")); return ;;\n' "$pat"
		fi
	done <<<"$t"
	cat <<'EOF'
	esac
	# Options when the word starts with '-'; else subcommands, and file names where a positional
	# is expected.
	local subs="" opts="" files=""
	case "$path" in
EOF
	local p subs opts files
	for p in $(awk -F'\t' '{ gsub(/ /, "+", $2); print $2 }' <<<"$t" | awk '!seen[$0]++'); do
		p=${p//+/ }
		subs=$(awk -F'\t' -v p="$p" '$2 == p && $1 == "sub" { print $3 }' <<<"$t" | tr '\n' ' ')
		opts=$(awk -F'\t' -v p="$p" '$2 == p && $1 == "opt" { print $3 }' <<<"$t" | tr '\n' ' ')
		files=""
		# A positional that is not a number: file names (a machine file; an address: bash's default).
		awk -F'\t' -v p="$p" '$2 == p && $1 == "pos" && $3 !~ /^[^ ]+ (U?INT|FLOAT|NUMBER)/ { f = 1 } END { exit !f }' <<<"$t" && files=1
		printf '\t\t"%s") subs="%s" opts="%s" files=%s ;;\n' "$p" "${subs% }" "${opts% }" "$files"
	done
	cat <<EOF
	esac
	if [[ \$cur == -* ]]; then
		COMPREPLY=(\$(compgen -W "\$opts" -- "\$cur"))
	else
		COMPREPLY=(\$(compgen -W "\$subs" -- "\$cur"))
		[ -n "\$files" ] && COMPREPLY+=(\$(compgen -f -- "\$cur"))
	fi
	return 0
}
complete -F $fn $name
EOF
}

# Text for roff, shown as it is: backslashes, leading dots and quotes, and minus signs escaped.
roff_verbatim() {
	sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
}

man_include() {
	local t kind path sub
	t=$(tree "$name")
	printf '[SEE ALSO]\n.BR vmsim (1),\n.BR vmreal (1),\n.BR vmlab (1);\nthe lessons: vmsim lesson list.\n'
	grep -q "^sub" <<<"$t" || return 0
	printf '[COMMANDS]\nEach command, with its own --help.\n'
	while IFS=$'\t' read -r kind path sub; do
		[ "$kind" = sub ] || continue
		printf '.SS "%s %s"\n.nf\n' "$path" "$sub"
		# shellcheck disable=SC2086  # the path's words are the arguments
		set -- $path "$sub"
		"$prog" "${@:2}" --help | roff_verbatim
		printf '.fi\n'
	done <<<"$t"
}

case "$mode" in
	completion) completion ;;
	man) man_include ;;
	tree) tree "$name" ;;
	*) echo "cli-tree.sh: unknown mode '$mode' (completion, man or tree)" >&2; exit 2 ;;
esac
