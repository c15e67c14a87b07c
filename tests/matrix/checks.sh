# Checks shared by run.sh (QEMU guests) and local.sh (this machine); sourced.
# shellcheck shell=bash
# Callers set: COUNTS (file of "ROW SOURCE COMPARED AGREE WALKER" lines), REPLAY (the built
# replay.c), VMSIM, RESULTS (per-row folders with out/), SELECTED (row names), FAILED=().

KERNEL_TROUBLE='WARNING:|BUG:|Oops|Call Trace|general protection|Kernel panic|UBSAN|KASAN|refcount_t|list_add corruption|kernel BUG'

fail() { # ROW MESSAGE [LOG]
	FAILED+=("$1: $2")
	echo "matrix: FAIL $1: $2" >&2
	if [ -n "${3:-}" ] && [ -f "$3" ]; then
		echo "----- $3 (last 60 lines) -----" >&2
		tr -d '\r' <"$3" | tail -n 60 >&2
		echo "-----" >&2
	fi
}

vmsim_has_check() {
	local help
	[ -x "$VMSIM" ] || return 1
	help=$("$VMSIM" --help 2>&1) || true
	grep -qw check <<<"$help"
}

# Replay one machine file with a walker; append "ROW SOURCE COMPARED AGREE WALKER" lines.
replay_file() { # ROW FILE
	local row=$1 file=$2 out rc=0
	out=$("$REPLAY" "$file" 2>&1) || rc=$?
	if [ $rc -ne 0 ]; then
		fail "$row" "replay of $(basename "$file") exit $rc: $(echo "$out" | head -n 5)"
	fi
	echo "$out" | awk -v r="$row" 'NF == 3 && $2 ~ /^[0-9]+$/ { print r, $1, $2, $3, "replay" }' >>"$COUNTS"
	echo "$out" | sed -n 's/^leaves //p' | tr ' ' '\n' >>"$RESULTS/$row/leaves"
	if vmsim_has_check; then
		rc=0
		out=$("$VMSIM" check "$file" --json 2>&1) || rc=$?
		if [ $rc -ne 0 ]; then
			fail "$row" "vmsim check $(basename "$file") exit $rc: $(echo "$out" | head -c 600)"
		fi
		# {"sources":{"kwalk":{"agree":256,"compared":256},...}}, in any key order
		echo "$out" | tr -d ' \n\t' | sed -n 's/.*"sources":{//p' |
			grep -o '"[A-Za-z_0-9]*":{[^{}]*}' |
			sed 's/^"\([^"]*\)":{\(.*\)}$/\1,\2/' |
			awk -F, '{ c = a = ""; for (i = 2; i <= NF; i++) { split($i, kv, ":");
				if (kv[1] == "\"compared\"") c = kv[2]; if (kv[1] == "\"agree\"") a = kv[2] }
				print $1, c, a }' |
			awk -v r="$row" '{ print r, $1, $2, $3, "vmsim" }' >>"$COUNTS" || true
	fi
}

# Check one row's results in directory O (written by steps.sh); D holds the per-row work files.
check_results() { # ROWNAME D O
	local row=$1 d=$2 o=$3 rc
	[ -f "$o/status" ] || { fail "$row" "no results in $o"; return; }
	if grep -qE "$KERNEL_TROUBLE" "$o/dmesg"; then
		fail "$row" "the kernel log has a warning or an oops" "$o/dmesg"
	fi
	local step want
	while read -r step rc; do
		want=0
		[ "$step" = noalloc ] && want=1
		if [ "$rc" != "$want" ]; then
			fail "$row" "step $step exited $rc (wanted $want)" "$o/$step.err"
		fi
		if [ "$rc" = 0 ] && [ "$want" = 1 ]; then
			fail "$row" "step $step succeeded but must fail"
		fi
	done <"$o/status"
	# No leak across load and unload: the 1 MiB vmalloc area is seen while it lives and gone after.
	local before during after
	before=$(cat "$o/vmallocs.before" 2>/dev/null || echo x)
	during=$(cat "$o/vmallocs.during" 2>/dev/null || echo x)
	after=$(cat "$o/vmallocs.after" 2>/dev/null || echo y)
	if [ "$before" = x ] || [ "$during" != $((before + 1)) ] || [ "$after" != "$before" ]; then
		fail "$row" "vmalloc areas of 256 pages: $before before load, $during with one allocation, $after after unload"
	fi
	if [ -s "$o/problems" ]; then
		fail "$row" "$(cat "$o/problems")"
	fi
	grep -q '^garbage: 0 failed' "$o/garbage" || fail "$row" "bad input was not refused as it should be" "$o/garbage"
	grep -q 'No such file or directory' "$o/noalloc.err" 2>/dev/null ||
		fail "$row" "snapshot vmalloc before vmalloc did not fail with ENOENT" "$o/noalloc.err"
	# Every refused write says why in the kernel log (one line each; ktest sends 21 or 22 bad ones, steps.sh one more).
	local refused
	refused=$(grep -cE 'ko5204: (rejected|unknown command|walk: |snapshot)' "$o/dmesg" || true)
	[ "$refused" -ge 22 ] || fail "$row" "only $refused refused writes were logged" "$o/dmesg"
	grep -q '^stress: 0 of 4' "$o/stress" || fail "$row" "concurrent writers failed" "$o/stress"
	local want_mode=$row m
	[ "$want_mode" = local ] && want_mode=$(sed -n 's/^mode //p' "$o/vmalloc.machine")
	for m in vmalloc kmalloc ubuf direct; do
		grep -qx "mode $want_mode" "$o/$m.machine" ||
			fail "$row" "$m.machine is not mode $want_mode: $(grep '^mode' "$o/$m.machine" || true)"
	done
	# The lines read back are the lines the kernel logged, and all 256 of them.
	for m in vmalloc kmalloc; do
		local label=Vmalloc n
		[ $m = kmalloc ] && label=Kmalloc
		grep "^$label: " "$o/$m" >"$d/$m.lines" || true
		n=$(wc -l <"$d/$m.lines")
		[ "$n" = 256 ] || fail "$row" "$m printed $n lines, not 256"
		n=$(sed -n "s/.*ko5204: \($label: .*\)/\1/p" "$o/dmesg" | grep -cxFf "$d/$m.lines" || true)
		[ "$n" -ge 256 ] || fail "$row" "only $n of the $m lines are in the kernel log"
		grep -q "the module's walk agrees on 256;" "$o/$m" || fail "$row" "the module's walk disagrees with $m" "$o/$m"
	done
	# The memory map: one character per entry, 64 a line, user and kernel parts both seen.
	local rows want_rows
	case $want_mode in
	2level) want_rows=16 ;;
	pae) want_rows=32 ;;
	*) want_rows=8 ;;
	esac
	rows=$(grep -cE '^0x[0-9a-f]+ [.XR*xr+?]{64}$' "$o/map" || true)
	[ "$rows" = "$want_rows" ] || fail "$row" "map has $rows rows of 64 entries, not $want_rows" "$o/map"
	grep -qE '^0x[0-9a-f]+ .*[+r*R]' "$o/map" || fail "$row" "map shows no user page" "$o/map"
	grep -qE '^0x[0-9a-f]+ .*[xX]' "$o/map" || fail "$row" "map shows no kernel page" "$o/map"
	grep -qE '^(leaf|fault)' "$o/walk" || fail "$row" "walk printed no result" "$o/walk"
	: >"$RESULTS/$row/leaves"
	for m in vmalloc kmalloc ubuf direct huge1g; do
		[ $m = huge1g ] && [ ! -f "$o/$m.machine" ] && continue
		replay_file "$row" "$o/$m.machine"
	done
	# Huge leaves at every level where the mode has them: the direct map's and THP's (PD), and
	# on 5level a 1 GiB hugetlb page (PDPT; the direct map's 1 GiB pages come and go with KASLR).
	local size need
	case $row in
	2level) need="4K 4M" ;;
	pae | 4level) need="4K 2M" ;;
	5level) need="4K 2M 1G" ;;
	*) need="4K" ;;
	esac
	for size in $need; do
		grep -qx "$size" "$RESULTS/$row/leaves" || fail "$row" "no $size leaf was walked"
	done
	# HIGHPTE (Debian's i386 kernels): the user buffer's PT should be above lowmem (896 MiB),
	# reached only through kmap_local_page.
	if [ "$row" = 2level ] || [ "$row" = pae ]; then
		local pt high=0
		for pt in $(sed -n 's/^table 0x\([0-9a-f]*\) *# PT$/\1/p' "$o/ubuf.machine"); do
			if [ $((16#$pt)) -ge $((0x38000000)) ]; then
				high=1
			fi
		done
		[ $high = 1 ] || fail "$row" "no user PT in high memory: HIGHPTE was not exercised"
	fi
}

# The table: per row and source, pages compared and agreeing, for each walker.
table() {
	local row kernel
	printf '\n%-7s %-18s %-12s %9s %14s %14s  %s\n' mode kernel source compared "agree(replay)" "agree(vmsim)" leaves
	for row in "${SELECTED[@]}"; do
		kernel=$(cat "$RESULTS/$row/out/uname" 2>/dev/null || echo "(no boot)")
		local src
		for src in vmalloc kmalloc pagemap virt_to_phys kwalk; do
			local c r v label=$src
			[ $src = pagemap ] && label="user buffer"
			[ $src = virt_to_phys ] && label="direct map"
			[ $src = kwalk ] && label="module walk"
			c=$(awk -v r="$row" -v s="$src" '$1 == r && $2 == s && $5 == "replay" { n += $3 } END { print n + 0 }' "$COUNTS")
			r=$(awk -v r="$row" -v s="$src" '$1 == r && $2 == s && $5 == "replay" { n += $4 } END { print n + 0 }' "$COUNTS")
			v=$(awk -v r="$row" -v s="$src" '$1 == r && $2 == s && $5 == "vmsim" { n += $4; f = 1 } END { print f ? n : "-" }' "$COUNTS")
			local leaves=""
			if [ $src = kwalk ] && [ -f "$RESULTS/$row/leaves" ]; then
				leaves=$(sort -u "$RESULTS/$row/leaves" | sort -h | tr '\n' ' ')
			fi
			printf '%-7s %-18s %-12s %9s %14s %14s  %s\n' "$row" "$kernel" "$label" "$c" "$r" "$v" "$leaves"
			if [ "$c" = 0 ]; then
				fail "$row" "no $label page was compared"
			elif [ "$c" != "$r" ] || { [ "$v" != - ] && [ "$v" != "$c" ]; }; then
				fail "$row" "$label: $c compared, replay agrees on $r, vmsim on $v"
			fi
		done
	done
	echo
}

