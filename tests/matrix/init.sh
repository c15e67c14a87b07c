#!/bin/sh
# /init of the matrix's initramfs. Console (kernel log) on ttyS0; results on ttyS1, each file
# between "=== BEGIN name" and "=== END name" lines, then "=== DONE".
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
OUT=/dev/ttyS1
cd /tmp 2>/dev/null || { mkdir -p /tmp && cd /tmp; }

emit() { # NAME FILE
	{ echo "=== BEGIN $1"; cat "$2"; echo "=== END $1"; } >"$OUT"
}
step() { # NAME COMMAND...: run, keep its output and status
	name=$1
	shift
	"$@" >"$name" 2>"$name.err"
	rc=$?
	emit "$name" "$name"
	[ -s "$name.err" ] && emit "$name.err" "$name.err"
	echo "$name $rc" >>status
}

uname -r >uname; emit uname uname
grep -o 'pae\|la57\|nx\|pse ' /proc/cpuinfo | sort -u | tr '\n' ' ' >cpuflags; emit cpuflags cpuflags
step insmod insmod /ko5204.ko
step noalloc /ktest cmd snapshot vmalloc       # must fail: nothing allocated yet
step vmalloc /ktest cmd vmalloc
step kmalloc /ktest cmd kmalloc
step vmalloc.machine /ktest cmd snapshot vmalloc
step kmalloc.machine /ktest cmd snapshot kmalloc
step ubuf.machine /ktest ubuf
step map /ktest cmd map
step walk /ktest cmd walk 0x1000
for i in 1 2; do
	step rmmod$i rmmod ko5204
	[ -e /proc/pagetable ] && echo "/proc/pagetable is still there after rmmod" >>problems
	step insmod$i insmod /ko5204.ko
	step vmalloc$i /ktest cmd vmalloc
done
step garbage /ktest garbage
step stress /ktest stress
step rmmod rmmod ko5204
dmesg >dmesg
emit dmesg dmesg
[ -f problems ] && emit problems problems
emit status status
echo "=== DONE" >"$OUT"
sync
poweroff -f
