# Checks shared by run.sh (QEMU guests) and local.sh (this machine); sourced.
# shellcheck shell=bash
# Callers set: COUNTS (file of "ROW SOURCE COMPARED AGREE" lines), VMSIM, RESULTS (per-row
# folders with out/), SELECTED (row names), FAILED=().
# vmsim is the judge: `vmsim check` replays every expect line of every snapshot with the
# simulator's walker, and `vmsim translate` tells the page size a walk ends in.

# Oopses, BUGs (soft lockups print "BUG: soft lockup"), warnings, RCU stalls (a CPU stuck with
# interrupts off: there is no NMI watchdog under TCG) and hung tasks.
KERNEL_TROUBLE='WARNING:|BUG:|Oops|Call Trace|general protection|Kernel panic|UBSAN|KASAN|refcount_t|list_add corruption|kernel BUG|soft lockup|hard LOCKUP|detected stall|self-detected stall|blocked for more than'

# The lines that begin a crash: an oops (with oops=panic, run.sh's, every oops panics), a BUG, a
# general protection fault, a panic. The first one on the console names the crash.
KERNEL_CRASH='Oops|BUG:|kernel BUG|general protection fault|Kernel panic'

# Did the guest in row folder D (run.sh's: console.log, vmlab.err, out/) crash before steps.sh
# began, so before the module could be loaded? Yes when all three hold:
#   - steps.sh's first action, the marker "ko5204-matrix: start", is not on the console;
#   - the guest sent no results (no out/status);
#   - the guest ended by itself: vmlab says it "stopped before the command finished" (QEMU
#     exited: -no-reboot and panic=-1 turn a panic or a triple fault into QEMU's exit), not that
#     it "did not boot within" its time or was interrupted (run.sh's timeout), which are hangs.
# Then prints the first line of the crash on the console (without its time stamp), or vmlab's
# reason when the console has none (a triple fault prints nothing).
crashed_before_steps() { # D
	local d=$1 line
	[ ! -f "$d/out/status" ] || return 1
	[ -f "$d/console.log" ] || return 1
	! grep -q 'ko5204-matrix: start' "$d/console.log" || return 1
	grep -q 'stopped before the command finished' "$d/vmlab.err" 2>/dev/null || return 1
	line=$(tr -d '\r' <"$d/console.log" | grep -m 1 -E "$KERNEL_CRASH" | sed 's/^\[ *[0-9.]*\] *//') || true
	[ -n "$line" ] || line="no crash on the console: $(sed -n 's/.*stopped before the command finished (\([^)]*\)).*/\1/p' "$d/vmlab.err" | head -n 1)"
	echo "$line"
}

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

# Replay one machine file with vmsim check; append "ROW SOURCE COMPARED AGREE" lines.
replay_file() { # ROW FILE
	local row=$1 file=$2 out rc=0
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
		awk -v r="$row" '{ print r, $1, $2, $3 }' >>"$COUNTS" || true
}

# The page sizes that walks of FILE end in, by vmsim translate: the first expected address of
# every 1 MiB of each file (every huge page starts one), walked as a user access in files of user
# memory (they have pagemap lines) and as the kernel's otherwise. One size (4K, 2M, 4M, 1G) a line.
leaf_sizes() { # FILE
	local file=$1 va who=-s out size
	grep -q ' pagemap$' "$file" && who=-u
	awk '$1 == "expect" && $3 != "fault" { k = substr($2, 1, length($2) - 5); if (!(k in seen)) { seen[k] = 1; print $2 } }' "$file" |
	while read -r va; do
		out=$("$VMSIM" translate "$va" -M "$file" "$who" --json 2>/dev/null) || true
		grep -q '"ok": true' <<<"$out" || continue
		size=$(grep -m1 -o '"page_size": [0-9]*' <<<"$out" | grep -o '[0-9]*$')
		case $size in
		4096) echo 4K ;;
		2097152) echo 2M ;;
		4194304) echo 4M ;;
		1073741824) echo 1G ;;
		*) echo "${size}B" ;;
		esac
	done
}

# Every page vmreal reported has its pagemap line in the snapshot, and the module's walk too.
check_user_buffer() { # ROW OUT NAME
	local row=$1 o=$2 m=$3 pages pm kw
	pages=$(grep -c '^VA=0x' "$o/$m" || true)
	pm=$(grep -c ' pagemap$' "$o/$m.machine" || true)
	kw=$(grep -c '^expect .* kwalk$' "$o/$m.machine" || true)
	if [ "$pages" = 0 ] || [ "$pm" != "$pages" ] || [ "$kw" -lt "$pages" ]; then
		fail "$row" "$m: vmreal reported $pages pages, the snapshot has $pm pagemap and $kw kwalk lines" "$o/$m.err"
	fi
}

# Check one row's results in directory O (written by steps.sh); D holds the per-row work files.
# QEMU 7.2's TCG sets A (bit 5) in the PAE PDPTEs it walks. A real CPU loads the PDPTEs into
# registers at the MOV to CR3 and never writes them, and the SDM reserves bit 5 there (a real CPU
# would refuse that CR3 with #GP, as vmsim does). So in the pae row's snapshots that one bit of the
# PDPT's entries is cleared before the replay; the count of cleared entries goes to the log.
clear_pdpte_accessed() { # DIR
	local f n
	for f in "$1"/*.machine; do
		[ -f "$f" ] || continue
		awk -v H=0123456789abcdef '
			$1 == "table" { pdpt = / # PDPT/ }
			pdpt && NF >= 2 && $1 ~ /^[0-3]$/ && $2 ~ /^0x[0-9a-f]+$/ {
				v = $2; hi = index(H, substr(v, length(v) - 1, 1)) - 1; lo = index(H, substr(v, length(v), 1)) - 1
				n = hi * 16 + lo
				if (int(n / 32) % 2 == 1) { n -= 32; cleared++; $2 = substr(v, 1, length(v) - 2) sprintf("%02x", n); $1 = "  " $1 }
			}
			{ print }
			END { print cleared + 0 > "/dev/stderr" }' "$f" >"$f.tmp" 2>"$f.cleared" && mv "$f.tmp" "$f"
		n=$(cat "$f.cleared"); rm -f "$f.cleared"
		[ "$n" = 0 ] || log "pae: $(basename "$f"): bit 5 (QEMU's A) cleared in $n PDPTE(s)"
	done
}

# Every step exited 0 (but `noalloc`, which must fail); a clean kernel log.
check_steps() { # ROWNAME O
	local row=$1 o=$2 step rc want
	if grep -qE "$KERNEL_TROUBLE" "$o/dmesg"; then
		fail "$row" "the kernel log has a warning or an oops" "$o/dmesg"
	fi
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
}

# The race (steps.sh race): it ran, every answer was its thread's, nothing in the kernel log.
check_race_results() { # ROWNAME O
	local row=$1 o=$2
	[ -f "$o/status" ] || { fail "$row" "no results in $o"; return; }
	check_steps "$row" "$o"
	grep -q '^race ' "$o/status" || fail "$row" "the race did not run"
	grep -q '^race: 0 errors' "$o/race" 2>/dev/null || fail "$row" "the race failed" "$o/race.err"
}

# A race in numbers: its walks and snapshots, and what the other threads did meanwhile.
race_summary() { # ROWNAME RACE-OUTPUT
	grep -hE '^race: ([0-9]+ s:|meanwhile)' "$2" 2>/dev/null | sed "s/^race:/$1:/" || echo "$1: no race"
}

race_table() {
	local row
	echo
	for row in "${SELECTED[@]}"; do
		race_summary "$row" "$RESULTS/$row/out/race"
	done
	echo
}

check_results() { # ROWNAME D O
	local row=$1 d=$2 o=$3 mode
	mode=$(row_mode "$row")
	[ -f "$o/status" ] || { fail "$row" "no results in $o"; return; }
	[ "$mode" = pae ] && clear_pdpte_accessed "$o"
	check_steps "$row" "$o"
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
	# Refused writes say why in the kernel log, rate-limited: some lines, but 1000 bad writes add
	# at most a burst or two (10 lines per 5 s and a "callbacks suppressed" line), and five
	# vmalloc commands in a row at most one command's 257 lines (and a note that says so).
	local refused flood vflood
	refused=$(grep -cE 'ko5204: (rejected|unknown command|walk: |snapshot)' "$o/dmesg" || true)
	[ "$refused" -ge 5 ] || fail "$row" "only $refused refused writes were logged" "$o/dmesg"
	read -r flood vflood <"$o/flood.lines" || true
	grep -q '^flood: 1000 bad writes, 0 not' "$o/flood" || fail "$row" "the flood's writes were not all refused" "$o/flood"
	[ "${flood:-9999}" -le 40 ] || fail "$row" "1000 refused writes added ${flood:-?} kernel-log lines (rate limit: at most 40)"
	{ [ "${vflood:-9999}" -le 300 ] && [ "${vflood:-0}" -ge 1 ]; } ||
		fail "$row" "five vmalloc commands in a row added ${vflood:-?} kernel-log lines (wanted 1..300)"
	grep -q '^stress: 0 of 4' "$o/stress" || fail "$row" "concurrent writers failed" "$o/stress"
	grep -q '^caps: 0 failed' "$o/caps" || fail "$row" "the capability checks failed" "$o/caps"
	grep -q '^perfd: 0 failed' "$o/perfd" || fail "$row" "per-fd answers failed" "$o/perfd"
	local want_mode=$mode m
	[ "$want_mode" = local ] && want_mode=$(sed -n 's/^mode //p' "$o/vmalloc.machine")
	for m in vmalloc kmalloc ubuf ubuf4k direct; do
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
	check_user_buffer "$row" "$o" ubuf
	check_user_buffer "$row" "$o" ubuf4k
	grep -q '^  snapshot .*ubuf.machine: 2 snapshots' "$o/ubuf.err" 2>/dev/null ||
		fail "$row" "the 19 MiB buffer was not taken in two snapshots" "$o/ubuf.err"
	: >"$RESULTS/$row/leaves"
	for m in vmalloc kmalloc ubuf ubuf4k direct huge1g; do
		[ $m = huge1g ] && [ ! -f "$o/$m.machine" ] && continue
		replay_file "$row" "$o/$m.machine"
		leaf_sizes "$o/$m.machine" >>"$RESULTS/$row/leaves"
	done
	# Huge leaves at every level where the mode has them: the direct map's and THP's (PD), and
	# on 5level a 1 GiB hugetlb page (PDPT; the direct map's 1 GiB pages come and go with KASLR).
	local size need
	case $mode in
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
	if [ "$mode" = 2level ] || [ "$mode" = pae ]; then
		local pt high=0
		for pt in $(sed -n 's/^table 0x\([0-9a-f]*\) *# PT$/\1/p' "$o/ubuf.machine" "$o/ubuf4k.machine"); do
			if [ $((16#$pt)) -ge $((0x38000000)) ]; then
				high=1
			fi
		done
		[ $high = 1 ] || fail "$row" "no user PT in high memory: HIGHPTE was not exercised"
	fi
}

# The table: per row and source, the pages compared and how many vmsim's walker agrees with.
table() {
	local row kernel
	printf '\n%-11s %-20s %-12s %9s %13s  %s\n' row kernel source compared "agree(vmsim)" leaves
	for row in "${SELECTED[@]}"; do
		kernel=$(cat "$RESULTS/$row/out/uname" 2>/dev/null || echo "(no boot)")
		local src
		for src in vmalloc kmalloc pagemap virt_to_phys kwalk; do
			local c v label=$src
			[ $src = pagemap ] && label="user buffer"
			[ $src = virt_to_phys ] && label="direct map"
			[ $src = kwalk ] && label="module walk"
			c=$(awk -v r="$row" -v s="$src" '$1 == r && $2 == s { n += $3 } END { print n + 0 }' "$COUNTS")
			v=$(awk -v r="$row" -v s="$src" '$1 == r && $2 == s { n += $4 } END { print n + 0 }' "$COUNTS")
			local leaves=""
			if [ $src = kwalk ] && [ -f "$RESULTS/$row/leaves" ]; then
				leaves=$(sort -u "$RESULTS/$row/leaves" | sort -h | tr '\n' ' ')
			fi
			printf '%-11s %-20s %-12s %9s %13s  %s\n' "$row" "$kernel" "$label" "$c" "$v" "$leaves"
			if [ "$c" = 0 ]; then
				fail "$row" "no $label page was compared"
			elif [ "$c" != "$v" ]; then
				fail "$row" "$label: $c compared, vmsim agrees on $v"
			fi
		done
	done
	echo
}
