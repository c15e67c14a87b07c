#!/bin/sh
# The matrix's steps with ko5204, run as root where the module can be loaded: inside each QEMU
# guest (from init.sh) or on your own machine (from local.sh).  POSIX sh (busybox in the guest).
#   steps.sh OUTDIR KO KTEST
# Every step's output goes to OUTDIR/NAME, its exit status to OUTDIR/status.
OUT=$1
KO=$2
KTEST=$3
mkdir -p "$OUT" || exit 1
cd "$OUT" || exit 1
: >status

step() { # NAME COMMAND...: run it, keep its output and exit status
	name=$1
	shift
	"$@" >"$name" 2>"$name.err"
	echo "$name $?" >>status
	[ -s "$name.err" ] || rm -f "$name.err"
}

echo "ko5204-matrix: start" >/dev/kmsg
uname -r >uname
# vmalloc areas of 256 pages: one more while an allocation lives, as many after unload as before.
vmallocs() { grep -c 'pages=256 vmalloc' /proc/vmallocinfo; }
vmallocs >vmallocs.before
step insmod insmod "$KO"
step noalloc "$KTEST" cmd snapshot vmalloc	# must fail: nothing allocated yet
step vmalloc "$KTEST" cmd vmalloc
vmallocs >vmallocs.during
step kmalloc "$KTEST" cmd kmalloc
step vmalloc.machine "$KTEST" cmd snapshot vmalloc
step kmalloc.machine "$KTEST" cmd snapshot kmalloc
step ubuf.machine "$KTEST" ubuf
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
	step vmalloc$i "$KTEST" cmd vmalloc
done
step garbage "$KTEST" garbage
step stress "$KTEST" stress
step rmmod rmmod ko5204
vmallocs >vmallocs.after
# The kernel log from the last start marker on.
dmesg >dmesg.all
n=$(grep -n 'ko5204-matrix: start' dmesg.all | tail -n 1 | cut -d: -f1)
tail -n +"${n:-1}" dmesg.all >dmesg
rm -f dmesg.all
exit 0
