// SPDX-License-Identifier: GPL-2.0
/*
 * ktest: the matrix's helper inside the guest, built static for i386 and x86_64.
 *
 *   ktest cmd COMMAND...   write one command to /proc/pagetable, print the answer
 *   ktest huge1g           touch 64 KiB of a 1 GiB hugetlb page (a PDPT leaf), snapshot it and
 *                          print the machine file with one "expect VA PA pagemap" line per page;
 *                          needs hugepagesz=1G hugepages=1 on the kernel command line
 *   ktest direct           snapshot of direct-map pages far from the kernel image (where the
 *                          direct map may use its largest leaves, 1 GiB ones included)
 *   ktest garbage          bad input must fail with the right errno
 *   ktest stress           several processes write and read at once
 *   ktest caps             opening needs CAP_SYS_ADMIN; an fd opened with it may be passed on
 *   ktest perfd            each open file reads the answer to its own last command
 *   ktest flood N          N bad writes in a row (the caller counts the kernel-log lines)
 *   ktest race SECONDS     walks and snapshots while other threads mmap, munmap, MADV_DONTNEED,
 *                          fork, and split and collapse huge pages (race.c's comment)
 *
 * vmreal talks to the module for the allocations and user buffers (--kernel, --snapshot); ktest
 * does what vmreal has no option for: raw commands, hugetlb pages, the direct map, bad input and
 * concurrent writers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "race.h"

#define PROC "/proc/pagetable"
#define PAGE 4096UL
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

static int failures;

/* Write one command; 0 or -errno. */
static int send(const void *cmd, size_t len)
{
	int fd = open(PROC, O_WRONLY);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, cmd, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static int send_str(const char *cmd)
{
	return send(cmd, strlen(cmd));
}

static int print_answer(FILE *out)
{
	char buf[65536];
	ssize_t n;
	int fd = open(PROC, O_RDONLY);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, out);
	close(fd);
	return n < 0 ? -errno : 0;
}

static int cmd(int argc, char **argv)
{
	char line[512] = "";
	int i, err;

	for (i = 0; i < argc; i++) {
		strncat(line, argv[i], sizeof(line) - strlen(line) - 2);
		strcat(line, i + 1 < argc ? " " : "\n");
	}
	err = send_str(line);
	if (err) {
		fprintf(stderr, "ktest: '%s' failed: %s\n", argv[0], strerror(-err));
		return 1;
	}
	return print_answer(stdout) ? 1 : 0;
}

static uint64_t pagemap_pa(int fd, uintptr_t va)
{
	uint64_t e;

	if (pread(fd, &e, sizeof(e), (off_t)(va / PAGE) * sizeof(e)) != sizeof(e))
		return 0;
	if (!(e & PM_PRESENT) || !(e & PM_PFN_MASK))
		return 0;
	return (e & PM_PFN_MASK) * PAGE + (va & (PAGE - 1));
}

/* Snapshot [buf, buf + len) and add one "expect VA PA pagemap" line per page. */
static int snapshot_with_pagemap(const char *buf, size_t len)
{
	char line[128];
	uintptr_t va;
	int fd;

	snprintf(line, sizeof(line), "snapshot 0x%" PRIxPTR " 0x%" PRIxPTR "\n", (uintptr_t)buf,
		 (uintptr_t)buf + len);
	if (send_str(line) || print_answer(stdout)) {
		fprintf(stderr, "ktest: %s failed\n", line);
		return 1;
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return perror("pagemap"), 1;
	for (va = (uintptr_t)buf; va < (uintptr_t)buf + len; va += PAGE) {
		uint64_t pa = pagemap_pa(fd, va);

		if (!pa) {
			fprintf(stderr, "ktest: pagemap has no PFN for 0x%" PRIxPTR "\n", va);
			return 1;
		}
		printf("expect 0x%" PRIxPTR " 0x%" PRIx64 " pagemap\n", va, pa);
	}
	close(fd);
	fflush(stdout);
	return 0;
}

#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << 26)
#endif

/* One 1 GiB hugetlb page: the PDPT entry is the leaf. */
static int huge1g(void)
{
	size_t len = 1UL << 30;
	char *buf;

	if (sizeof(long) == 4)
		return fprintf(stderr, "ktest: no 1 GiB pages on i386\n"), 1;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_1GB, -1, 0);
	if (buf == MAP_FAILED)
		return perror("mmap of a 1 GiB page"), 1;
	buf[0] = 1;
	return snapshot_with_pagemap(buf, 0x10000);
}

/* Write a command and read its answer into buf; 0 or -errno. */
static int ask(const char *cmd, char *buf, size_t size)
{
	ssize_t n;
	int fd, err = send_str(cmd);

	if (err)
		return err;
	fd = open(PROC, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/*
 * The direct map is VA = PA + PAGE_OFFSET: learn PAGE_OFFSET from the kmalloc command's first
 * line, then snapshot 64 KiB of it.  On x86_64 take the first of 1 GiB .. 2.75 GiB (in 256 MiB
 * steps) that the walk finds in a 1 GiB leaf, else what follows the kmalloc buffer; on i386
 * 256 MiB (lowmem ends near 896 MiB).
 */
static int direct(void)
{
	unsigned long long va, pa, base, at, pick = 0;
	char line[160], answer[4096];

	if (ask("kmalloc\n", answer, sizeof(answer)) ||
	    sscanf(answer, "Kmalloc: VA=%llx -> PA=%llx", &va, &pa) != 2)
		return fprintf(stderr, "ktest: no Kmalloc line\n"), 1;
	base = va - pa;
	if (sizeof(long) == 4)
		pick = 0x10000000ULL;
	for (at = 0x40000000ULL; !pick && at < 0xc0000000ULL; at += 0x10000000ULL) {
		snprintf(line, sizeof(line), "walk 0x%llx\n", base + at);
		if (!ask(line, answer, sizeof(answer)) && strstr(answer, "leaf 1G"))
			pick = at;
	}
	/* No 1 GiB leaf (or no RAM there, on a real machine): the RAM right after the kmalloc buffer. */
	if (!pick)
		pick = (pa & ~0xffffULL) + 0x100000;
	snprintf(line, sizeof(line), "snapshot 0x%llx 0x%llx\n", base + pick, base + pick + 0x10000);
	if (send_str(line) || print_answer(stdout))
		return fprintf(stderr, "ktest: %s failed\n", line), 1;
	return 0;
}

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

static int garbage(void)
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
static int stress(void)
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

/* capget/capset by hand: the guests have no libcap. */
struct cap_header {
	uint32_t version;
	int pid;
};
struct cap_data {
	uint32_t effective, permitted, inheritable;
};
#define CAP_V3 0x20080522
#define CAP_SYS_ADMIN_BIT 21

static int drop_sys_admin(void)
{
	struct cap_header h = { CAP_V3, 0 };
	struct cap_data d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1u << CAP_SYS_ADMIN_BIT);
	d[0].permitted &= ~(1u << CAP_SYS_ADMIN_BIT);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/* In a child: 0 when what it checks holds, else 1 (it says why). */
static int child_result(int (*fn)(int), int fd)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		status = fn(fd);
		fflush(stdout);	/* _exit does not flush stdio */
		_exit(status);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return !WIFEXITED(status) || WEXITSTATUS(status);
}

/* uid 0 without CAP_SYS_ADMIN (a container's root): open must fail with EPERM. */
static int root_without_cap(int fd)
{
	int f;

	(void)fd;
	if (drop_sys_admin())
		return printf("FAIL: capset: %s\n", strerror(errno)), 1;
	f = open(PROC, O_RDWR);
	if (f >= 0 || errno != EPERM)
		return printf("FAIL: root without CAP_SYS_ADMIN opened %s (%s)\n", PROC,
			      f >= 0 ? "success" : strerror(errno)), 1;
	printf("ok: root without CAP_SYS_ADMIN cannot open %s (EPERM)\n", PROC);
	return 0;
}

/* Not root: the file mode (0600) refuses first, with EACCES. */
static int nobody(int fd)
{
	int f;

	(void)fd;
	if (setgid(65534) || setuid(65534))
		return printf("FAIL: setuid: %s\n", strerror(errno)), 1;
	f = open(PROC, O_RDONLY);
	if (f >= 0 || errno != EACCES)
		return printf("FAIL: uid 65534 opened %s (%s)\n", PROC,
			      f >= 0 ? "success" : strerror(errno)), 1;
	printf("ok: uid 65534 cannot open %s (EACCES)\n", PROC);
	return 0;
}

/* An fd opened with CAP_SYS_ADMIN keeps working after the capability is dropped (kmod/README.md). */
static int passed_fd(int fd)
{
	char buf[256];
	ssize_t n;

	if (drop_sys_admin())
		return printf("FAIL: capset: %s\n", strerror(errno)), 1;
	if (write(fd, "walk 0x1000\n", 12) != 12)
		return printf("FAIL: a passed fd: write: %s\n", strerror(errno)), 1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0 || (buf[n] = 0, strncmp(buf, "walk 0x", 7)))
		return printf("FAIL: a passed fd: no walk answer\n"), 1;
	printf("ok: an fd opened with CAP_SYS_ADMIN still works after dropping it\n");
	return 0;
}

static int caps(void)
{
	int fd = open(PROC, O_RDWR), bad = 0;

	if (fd < 0)
		return printf("FAIL: root cannot open %s: %s\n", PROC, strerror(errno)), 1;
	bad += child_result(root_without_cap, fd);
	bad += child_result(nobody, fd);
	bad += child_result(passed_fd, fd);
	close(fd);
	fflush(stdout);
	printf("caps: %d failed\n", bad);
	return bad != 0;
}

/* Write cmd on fd; 0 or -errno. */
static int fd_send(int fd, const char *cmd)
{
	ssize_t n = write(fd, cmd, strlen(cmd));

	return n < 0 ? -errno : (size_t)n == strlen(cmd) ? 0 : -EIO;
}

/* The VA of a walk answer read from fd ("walk 0x... pid ..."), or ~0. */
static unsigned long fd_walk_va(int fd)
{
	char buf[128];
	unsigned long va;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n <= 0)
		return ~0UL;
	buf[n] = 0;
	return sscanf(buf, "walk %lx", &va) == 1 ? va : ~0UL;
}

/*
 * Two fds, commands interleaved: each reads the answer to its own last command; a third fd
 * opened afterwards starts with the last answer anyone got.
 */
static int perfd(void)
{
	int a = open(PROC, O_RDWR), b = open(PROC, O_RDWR), c, k, bad = 0;
	char cmd[64];

	if (a < 0 || b < 0)
		return printf("FAIL: open: %s\n", strerror(errno)), 1;
	for (k = 0; k < 50; k++) {
		unsigned long va = 0x1000UL * (k + 1), vb = 0x100000UL * (k + 1), got_a, got_b;

		snprintf(cmd, sizeof(cmd), "walk 0x%lx\n", va);
		bad += fd_send(a, cmd) != 0;
		snprintf(cmd, sizeof(cmd), "walk 0x%lx\n", vb);
		bad += fd_send(b, cmd) != 0;
		got_a = fd_walk_va(a);
		got_b = fd_walk_va(b);
		if (got_a != va || got_b != vb) {
			printf("FAIL: round %d: fd a read the walk of 0x%lx (wanted 0x%lx), fd b 0x%lx (0x%lx)\n",
			       k, got_a, va, got_b, vb);
			bad++;
		}
	}
	c = open(PROC, O_RDONLY);
	if (c < 0 || fd_walk_va(c) != 0x100000UL * 50) {
		printf("FAIL: a fresh open does not read the last answer\n");
		bad++;
	}
	printf("%s: 50 interleaved rounds on two fds, each read its own answer\n", bad ? "FAIL" : "ok");
	printf("perfd: %d failed\n", bad);
	close(a);
	close(b);
	if (c >= 0)
		close(c);
	return bad != 0;
}

/* n bad writes; each must fail with EINVAL. */
static int flood(int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++)
		bad += send_str("frobnicate\n") != -EINVAL;
	printf("flood: %d bad writes, %d not refused with EINVAL\n", n, bad);
	return bad != 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "cmd"))
		return cmd(argc - 2, argv + 2);
	if (argc == 2 && !strcmp(argv[1], "huge1g"))
		return huge1g();
	if (argc == 2 && !strcmp(argv[1], "direct"))
		return direct();
	if (argc == 2 && !strcmp(argv[1], "garbage"))
		return garbage();
	if (argc == 2 && !strcmp(argv[1], "stress"))
		return stress();
	if (argc == 2 && !strcmp(argv[1], "caps"))
		return caps();
	if (argc == 2 && !strcmp(argv[1], "perfd"))
		return perfd();
	if (argc == 3 && !strcmp(argv[1], "flood"))
		return flood(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "race"))
		return race(atoi(argv[2]));
	fprintf(stderr, "usage: ktest cmd COMMAND... | huge1g | direct | garbage | stress | caps | perfd | flood N | race SECONDS\n");
	return 2;
}
