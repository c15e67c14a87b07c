// SPDX-License-Identifier: GPL-2.0
/*
 * ktest garbage, stress and flood: bad input must fail with the right errno, several processes
 * write and read at once, and many refusals in a row (the caller counts the kernel-log lines).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

static int failures;

static void expect(const char *what, const void *cmd, size_t len, int want)
{
	int got = send(cmd, len);

	if (got == want) {
		printf("ok: %s -> %s\n", what, want ? strerror(-want) : "success");
	} else {
		printf("FAIL: %s -> %s, wanted %s\n", what, got ? strerror(-got) : "success",
		       want ? strerror(-want) : "success");
		failures++;
	}
}

#define EXPECT(what, str, want) expect(what, str, strlen(str), want)

/*
 * A snapshot of the last 16 MiB of the address space (fixmap: something is mapped there) ends at
 * 2^64 - 1 (2^32 - 1 on i386); the header must name that end, not a wrapped 0x0.
 */
static void top_range(void)
{
	int is64 = sizeof(long) == 8;
	const char *cmd = is64 ? "snapshot 0xffffffffff000000 0xffffffffffffffff\n"
			       : "snapshot 0xff000000 0xffffffff\n";
	const char *want = is64 ? "range 0xffffffffff000000 0xffffffffffffffff\n"
				: "range 0xff000000 0x100000000\n";
	char answer[512];
	int err = ask(cmd, answer, sizeof(answer));

	if (!err && strstr(answer, want)) {
		printf("ok: a range ending at the top: its header names the end\n");
	} else {
		printf("FAIL: %s -> %s: %.120s\n", cmd, err ? strerror(-err) : "header", answer);
		failures++;
	}
}

int garbage(void)
{
	static char huge[65536];
	static const char binary[] = { 'w', 'a', 'l', 'k', ' ', 0x01, (char)0xff, 0, '1', '\n' };
	struct stat st;
	int is64 = sizeof(long) == 8;

	if (stat(PROC, &st) || (st.st_mode & 0777) != 0600 || st.st_uid != 0) {
		printf("FAIL: %s is not root's with mode 0600\n", PROC);
		failures++;
	} else {
		printf("ok: %s is 0600 root\n", PROC);
	}
	memset(huge, 'a', sizeof(huge));
	EXPECT("empty line", "\n", -EINVAL);
	EXPECT("spaces only", "   \t \n", -EINVAL);
	EXPECT("unknown command", "frobnicate\n", -EINVAL);
	EXPECT("command with an extra word", "vmalloc now\n", -EINVAL);
	EXPECT("too many words", "walk 1 2 3 4\n", -EINVAL);
	EXPECT("walk without address", "walk\n", -EINVAL);
	EXPECT("walk, bad hex", "walk 0xzz\n", -EINVAL);
	EXPECT("walk, trailing junk", "walk 0x1000junk\n", -EINVAL);
	EXPECT("walk, negative", "walk -1\n", -EINVAL);
	EXPECT("walk, 2^64", "walk 0x10000000000000000\n", -EINVAL);
	EXPECT("walk, two 0x", "walk 0x0x1000\n", -EINVAL);
	EXPECT("walk, 0x and a sign", "walk 0x+1000\n", -EINVAL);
	EXPECT("walk, a sign", "walk +4096\n", -EINVAL);
	EXPECT("walk, 0x alone", "walk 0x\n", -EINVAL);
	EXPECT("snapshot, 0x0x", "snapshot 0x0x1000 0x2000\n", -EINVAL);
	EXPECT("walk, beyond 32 bits or non-canonical",
	       is64 ? "walk 0x8000000000000000\n" : "walk 0x100000000\n", -EINVAL);
	EXPECT("snapshot, bad numbers", "snapshot 12abc 0x2000\n", -EINVAL);
	EXPECT("snapshot, end before start", "snapshot 0x3000 0x2000\n", -EINVAL);
	EXPECT("snapshot, empty range", "snapshot 0x3000 0x3000\n", -EINVAL);
	EXPECT("snapshot, unmapped range", "snapshot 0x1000 0x3000\n", -EFAULT);
	EXPECT("snapshot, 2 GiB", "snapshot 0x1000 0x80001000\n", -E2BIG);
	if (is64)
		EXPECT("snapshot, 16 TiB", "snapshot 0x0 0x100000000000\n", -E2BIG);
	expect("binary bytes", binary, sizeof(binary), -EINVAL);
	EXPECT("a byte above 0x7f", "w\xe4lk 0\n", -EINVAL);
	expect("a 64 KiB write", huge, sizeof(huge), -E2BIG);
	expect("a 257-byte write", huge, 257, -E2BIG);
	expect("a write from an unmapped buffer", (const void *)PAGE, 16, -EFAULT);
	EXPECT("walk of an unmapped address", "walk 0x1000\n", 0);
	EXPECT("walk of address 0", "walk 0\n", 0);
	top_range();
	printf("garbage: %d failed\n", failures);
	return failures != 0;
}

/* Four writers and readers at once for a while; the kernel log must stay clean. */
int stress(void)
{
	int i, status, bad = 0;

	for (i = 0; i < 4; i++) {
		if (fork() == 0) {
			static const char *const cmds[] = { "walk 0x1000\n", "map\n", "free\n",
							    "walk 0\n" };
			FILE *null = fopen("/dev/null", "w");
			char line[96];
			int k;

			for (k = 0; k < 150; k++) {
				int err;

				if (k % 3 == 0) {
					snprintf(line, sizeof(line), "snapshot 0x%lx 0x%lx\n",
						 (unsigned long)&line & ~(PAGE - 1),
						 ((unsigned long)&line & ~(PAGE - 1)) + 8 * PAGE);
					err = send_str(line);
				} else if (k == 1) {
					err = send_str(i & 1 ? "vmalloc\n" : "kmalloc\n");
				} else {
					err = send_str(cmds[(i + k) % 4]);
				}
				if (err && err != -EFAULT) {
					fprintf(stderr, "stress: %d/%d: %s\n", i, k, strerror(-err));
					_exit(1);
				}
				if (!null || print_answer(null))
					_exit(1);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		wait(&status);
		bad += !WIFEXITED(status) || WEXITSTATUS(status);
	}
	printf("stress: %d of 4 writers failed\n", bad);
	return bad != 0;
}

/* n bad writes; each must fail with EINVAL. */
int flood(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		bad += send_str("frobnicate\n") != -EINVAL;
	printf("flood: %d bad writes, %d not refused with EINVAL\n", n, bad);
	return bad != 0;
}
