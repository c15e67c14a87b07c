#!/bin/sh
# /init of the matrix's initramfs: run steps.sh, then send every result file over the second
# serial port (ttyS1) between "=== BEGIN name" and "=== END name" lines, then "=== DONE".
# The console (ttyS0) carries the kernel log.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp
sh /steps.sh /tmp/out /ko5204.ko /ktest
for f in /tmp/out/*; do
	echo "=== BEGIN ${f##*/}"
	cat "$f"
	echo "=== END ${f##*/}"
done >/dev/ttyS1
echo "=== DONE" >/dev/ttyS1
sync
poweroff -f
