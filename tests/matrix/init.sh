#!/bin/sh
# /init of the matrix's initramfs: run steps.sh, then send its results over the second serial
# port (ttyS1) as a base64 tar.gz between "=== BEGIN out.tgz" and "=== END out.tgz", then "=== DONE".
# The console (ttyS0) carries the kernel log.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp
# vmtour.race=SECONDS on the kernel command line (run.sh) sets the length of the race step.
race=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^vmtour\.race=//p')
sh /steps.sh /tmp/out /ko5204.ko /ktest /vmreal "${race:-15}"
# gzip and base64: the serial port is slow under emulation, the results are text that packs well.
tar -czf /tmp/out.tgz -C /tmp/out .
{
	echo "=== BEGIN out.tgz"
	base64 /tmp/out.tgz
	echo "=== END out.tgz"
	echo "=== DONE"
} >/dev/ttyS1
sync
poweroff -f
