#!/bin/sh
# The matrix's steps with ko5204, run as root where the module can be loaded: inside each QEMU
# guest (from init.sh) or on your own machine (from local.sh).  POSIX sh (busybox in the guest).
#   steps.sh checks OUTDIR KO KTEST VMREAL    the matrix's checks (run.sh)
#   steps.sh race OUTDIR KO KTEST SECONDS     the race of walks against munmap (run.sh --race)
# Every step's output goes to OUTDIR/NAME, its exit status to OUTDIR/status.
# vmreal talks to the module for the kernel's allocations and its own buffers (--kernel,
# --snapshot); ktest sends what vmreal never would (bad input, many writers, raw commands, races).

# The first thing, before the module is loaded: the marker that the steps began, in the kernel
# log and (at KERN_ERR, which the guest's quiet console still prints) on the console. run.sh boots
# a row again once if its kernel crashed with no marker on the console (README.md, "A kernel that
# crashes while it boots"); after the marker, a crash may be ours, and is never retried.
echo "<3>ko5204-matrix: start" >/dev/kmsg
# For tests/matrix/retry.sh only: the kernel crashes right after the marker when its command
# line asks (run.sh, VMTOUR_MATRIX_CRASH=ROW:steps); nothing else boots with this argument.
case " $(cat /proc/cmdline 2>/dev/null) " in
*" vmtour_matrix.crash=steps "*) echo c >/proc/sysrq-trigger ;;
esac

WHAT=$1
OUT=$2
KO=$3
KTEST=$4
case $WHAT in
checks) VMREAL=$5 ;;
race) RACE_SECONDS=${5:-15} ;;
*)
	echo "steps.sh: checks or race, not '$WHAT'" >&2
	exit 2
	;;
esac
mkdir -p "$OUT" || exit 1
cd "$OUT" || exit 1
: >status
: >times

step() { # NAME COMMAND...: run it, keep its output and exit status (its seconds in `times`)
	name=$1
	shift
	t0=$(cut -d' ' -f1 /proc/uptime)
	"$@" >"$name" 2>"$name.err"
	echo "$name $?" >>status
	echo "$name $t0 $(cut -d' ' -f1 /proc/uptime)" >>times
	[ -s "$name.err" ] || rm -f "$name.err"
}

uname -r >uname

checks() {
	# vmalloc areas of 256 pages: one more while an allocation lives, as many after unload as before.
	vmallocs() { grep -c 'pages=256 vmalloc' /proc/vmallocinfo; }
	vmallocs >vmallocs.before
	step insmod insmod "$KO"
	step noalloc "$KTEST" cmd snapshot vmalloc	# must fail: nothing allocated yet
	# The module's allocations: its lines, and a snapshot with its own and the kernel's translations.
	step vmalloc "$VMREAL" --kernel vmalloc --snapshot vmalloc.machine
	vmallocs >vmallocs.during
	step kmalloc "$VMREAL" --kernel kmalloc --snapshot kmalloc.machine
	# vmreal's own memory, snapshotted with a pagemap line per page: 19 MiB in one block (THP where
	# 2 MiB (4 MiB on 2level) fit, 4 KiB pages in the last MiB; two snapshots, 16 MiB + 3 MiB), and
	# 1 MiB of separate 4 KiB blocks without THP (one pool arena).
	step ubuf "$VMREAL" -b 1G -m 19M --thp on --snapshot ubuf.machine
	step ubuf4k "$VMREAL" -b 4K -m 1M --thp off --snapshot ubuf4k.machine
	step direct.machine "$KTEST" direct
	# A 1 GiB page where the kernel has reserved one (hugepagesz=1G hugepages=1).
	if [ "$(cat /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages 2>/dev/null)" -gt 0 ] 2>/dev/null; then
		step huge1g.machine "$KTEST" huge1g
	fi
	step map "$KTEST" cmd map
	step walk "$KTEST" cmd walk 0x1000
	for i in 1 2; do
		step rmmod$i rmmod ko5204
		[ -e /proc/pagetable ] && echo "/proc/pagetable is still there after rmmod" >>problems
		step insmod$i insmod "$KO"
		step vmalloc$i "$VMREAL" --kernel vmalloc -q
	done
	step garbage "$KTEST" garbage
	step stress "$KTEST" stress
	step caps "$KTEST" caps
	step perfd "$KTEST" perfd
	# Rate limits: how many kernel-log lines 1000 refused writes, then five vmalloc commands, add.
	klines() { dmesg | grep -c 'ko5204: '; }
	k0=$(klines)
	step flood "$KTEST" flood 1000
	k1=$(klines)
	for i in 1 2 3 4 5; do "$KTEST" cmd vmalloc >/dev/null 2>>vflood.err; done
	k2=$(klines)
	echo "$((k1 - k0)) $((k2 - k1))" >flood.lines
	step rmmod rmmod ko5204
	vmallocs >vmallocs.after
}

# The race (race.c) with the hung-task detector at 30 s (the guest's default is 120 s, longer
# than the whole step); the soft-lockup and RCU-stall detectors are set on the kernel command line.
race() {
	step insmod insmod "$KO"
	[ -w /proc/sys/kernel/hung_task_timeout_secs ] && echo 30 >/proc/sys/kernel/hung_task_timeout_secs
	cat /proc/sys/kernel/hung_task_timeout_secs >hung_task_timeout 2>/dev/null
	step race "$KTEST" race "$RACE_SECONDS"
	step rmmod rmmod ko5204
}

$WHAT
# The kernel log from the last start marker on.
dmesg >dmesg.all
n=$(grep -n 'ko5204-matrix: start' dmesg.all | tail -n 1 | cut -d: -f1)
tail -n +"${n:-1}" dmesg.all >dmesg
rm -f dmesg.all
exit 0
