#!/bin/sh
# /init of the lab's guest (busybox sh), booted by vmlab.  The serial ports:
#   ttyS0  the console: the kernel's messages, and the shell of `vmlab --mode M`
#   ttyS1  the command's stdout, ttyS2 its stderr (`vmlab --mode M -- CMD`; raw, byte for byte)
#   ttyS3  to vmlab: "=== READY" once booted, then the results (exit status, kernel log, the
#          out folder) as a base64 tar.gz between "=== BEGIN results" and "=== END results"
# vmlab adds /lab/run/ to the initramfs for each boot: `env` (what to do) and `cmd` (the command,
# its words quoted for sh); the --in files are in /lab, the working folder, and what the command
# writes to /lab/out comes back to --out.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin HOME=/root VMTOUR_LESSONS=/usr/share/vmtour/lessons VMLAB_OUT=/lab/out
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp /lab/out
hostname vmlab
MODE=cmd MODULE=1 ROWS= COLS= NAME=lab
[ -f /lab/run/env ] && . /lab/run/env

echo "vmlab: start" >/dev/kmsg
if [ "$MODULE" = 1 ] && ! insmod /lab/ko5204.ko; then
	echo "vmlab: insmod /lab/ko5204.ko failed" >/dev/ttyS0
fi
for t in /dev/ttyS1 /dev/ttyS2 /dev/ttyS3; do
	stty -F "$t" raw -echo 2>/dev/null
done
echo "=== READY" >/dev/ttyS3
cd /lab || exit 1

if [ "$MODE" = shell ]; then
	# A login shell on the console with job control: in a new session whose controlling terminal
	# is ttyS0 (setsid -c; in a subshell, which is no process-group leader, so setsid does not fork
	# and the exit status is the shell's), so Ctrl-C reaches the command in the foreground; the
	# size of the host's terminal; leaving it powers off.
	[ -n "$ROWS" ] && stty -F /dev/ttyS0 rows "$ROWS" cols "$COLS" 2>/dev/null
	export PS1="vmlab $NAME:\w# " TERM=${TERM_NAME:-vt100}
	echo "vmlab: ko5204 is loaded (/proc/pagetable); vmreal and vmsim are here; lessons: vmsim lesson list. exit leaves."
	(exec setsid -c sh -l) </dev/ttyS0 >/dev/ttyS0 2>&1
	echo $? >/tmp/status
else
	echo "vmlab: command start" >/dev/kmsg
	sh /lab/run/cmd </dev/null >/dev/ttyS1 2>/dev/ttyS2
	echo $? >/tmp/status
	echo "vmlab: command end" >/dev/kmsg
fi

# The results: the exit status, the kernel log, the out folder.
mkdir -p /tmp/results
mv /tmp/status /tmp/results/status
dmesg >/tmp/results/dmesg
mv /lab/out /tmp/results/out  # one file system (the initramfs): a rename
tar -czf /tmp/results.tgz -C /tmp/results status dmesg out
{
	echo "=== BEGIN results"
	base64 /tmp/results.tgz
	echo "=== END results"
} >/dev/ttyS3
sync
poweroff -f
