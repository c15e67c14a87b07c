// SPDX-License-Identifier: GPL-2.0
/*
 * ktest race SECONDS: the module's walks against page tables that change and go away.
 *
 * Threads of one process (one mm), for SECONDS:
 *   lone     two threads, each at its own LONE address (one on pae: it has only one free
 *            PDPTE): mmap 64 pages there, touch them, every other round MADV_DONTNEED them
 *            and touch them again, munmap them (64 pages: munmap then spends a while zapping
 *            them with mmap_lock downgraded to read, so walkers run while it frees the tables).  LONE sits alone under its own top-level entry (PD entry on
 *            2level, PDPTE on pae, PML4E on 4level, PML5E on 5level), so every munmap frees its
 *            whole chain of tables: what made the old walk oops (general protection fault in
 *            ko_walk_va, 6.1.0-56-amd64, 2 vCPUs).
 *   thp      huge pages made and broken: fault THPs in (MADV_HUGEPAGE) and split them by a
 *            partial munmap and MADV_DONTNEED; or fill 4 KiB pages (MADV_NOHUGEPAGE) and
 *            MADV_COLLAPSE them, which frees the PT page under a live VMA
 *   fork     fork, the child exits at once (the parent's entries are write-protected for COW)
 *   reuse    fault 64 pages in, fill each with POISON and MADV_DONTNEED them, over and over:
 *            page-table pages freed by the others are reused at once (the per-CPU free lists
 *            are last in, first out) and every entry of them becomes POISON, a present table
 *            entry whose frame lies far beyond RAM, so a walk that still reads a freed table
 *            dereferences an address with nothing behind it (on 4level not even canonical)
 *   walkers  two threads, each on its own fd (O_RDWR): walk and snapshot the LONEs and the THP area,
 *            the first one also "map" now and then; every answer read back must be the answer
 *            to that thread's own command (per-fd answers)
 * The module may refuse with EFAULT (nothing mapped) or EAGAIN (tables changed meanwhile); any
 * other error, or an answer that is not the thread's own, is a failure.  The kernel log is
 * checked by the caller (checks.sh): no oops, BUG, WARNING, lockup or hung task.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

#define LONE_LEN (64 * PAGE)

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

static struct {
	volatile int stop;
	char *lone[2];		/* each alone under its top-level entry; lone[1] may be NULL */
	unsigned long huge;	/* THP size: 4 MiB on 2level, else 2 MiB */
	char *thp;		/* the current THP area (2 huge pages), or NULL */
	unsigned long lone_rounds, thp_rounds, collapsed, forks, reuses, walks, snapshots, maps;
	unsigned long huge_seen;
	unsigned long refused;	/* EFAULT and EAGAIN: allowed */
	int errors;
} R;

static void add(unsigned long *counter, unsigned long n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static void error(const char *fmt, const char *what, long a, long b)
{
	__atomic_add_fetch(&R.errors, 1, __ATOMIC_RELAXED);
	if (R.errors <= 10) {
		fprintf(stderr, fmt, what, a, b);
		fputc('\n', stderr);
	}
}

/* Write cmd on fd and read the whole answer into buf; 0, or -errno from the write. */
static int ask_fd(int fd, const char *cmd, char *buf, size_t size)
{
	char rest[4096];
	size_t len = 0;
	ssize_t n = write(fd, cmd, strlen(cmd));

	if (n < 0)
		return -errno;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	/* the rest of a long answer is read, not kept */
	while (len + 1 >= size && read(fd, rest, sizeof(rest)) > 0)
		;
	return 0;
}

/* The top-level entry's span for the module's mode, from a walk answer ("... mode 4level ..."). */
static unsigned long long top_span(const char *answer, unsigned long *huge)
{
	*huge = 2UL << 20;
	if (strstr(answer, " mode 2level ")) {
		*huge = 4UL << 20;
		return 1ULL << 22;
	}
	if (strstr(answer, " mode pae "))
		return 1ULL << 30;
	if (strstr(answer, " mode 4level "))
		return 1ULL << 39;
	if (strstr(answer, " mode 5level "))
		return 1ULL << 48;
	return 0;
}

/* True when no mapping of this process intersects [start, start + len). */
static int nothing_mapped(unsigned long long start, unsigned long long len)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	unsigned long long a, b;
	char line[512];
	int empty = 1;

	if (!maps)
		return 0;
	while (fgets(line, sizeof(line), maps))
		if (sscanf(line, "%llx-%llx", &a, &b) == 2 && a < start + len && start < b)
			empty = 0;
	fclose(maps);
	return empty;
}

/*
 * A LONE: the first candidate whose whole top-level slot is empty, left mapped (so that the
 * next call picks another slot); NULL if none.
 */
static char *pick_lone(int fd)
{
	static const unsigned long long candidates[] = {
		1ULL << 48, 2ULL << 48,			/* 5level: PML5 slots 1 and 2 */
		0x400000000000ULL, 0x500000000000ULL,	/* 4level: PML4 slots 128 and 160 */
		0x50000000ULL, 0x60000000ULL,		/* i386: PDPTE 1; PDEs far from everything */
	};
	unsigned long long span;
	char answer[512];
	unsigned int i;
	int mode_fd;
	ssize_t n;

	/* The mode from a walk's answer, read on a fresh open (the last answer: nobody else writes) */
	if (write(fd, "walk 0x1000\n", 12) != 12 || (mode_fd = open(PROC, O_RDONLY)) < 0)
		return NULL;
	n = read(mode_fd, answer, sizeof(answer) - 1);
	close(mode_fd);
	answer[n > 0 ? n : 0] = '\0';
	span = top_span(answer, &R.huge);
	for (i = 0; span && i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		unsigned long long at = candidates[i];
		void *p;

		if (at > (unsigned long long)UINTPTR_MAX || !nothing_mapped(at & ~(span - 1), span))
			continue;
		p = mmap((void *)(uintptr_t)at, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			continue;	/* non-canonical in this mode, or beyond TASK_SIZE */
		printf("race: LONE = 0x%llx, alone in the top-level slot 0x%llx + 0x%llx\n", at,
		       at & ~(span - 1), span);
		return p;
	}
	return NULL;
}

static void touch(char *p, unsigned long len)
{
	unsigned long off;

	for (off = 0; off < len; off += PAGE)
		p[off] = 1;
}

static void *lone_thread(void *arg)
{
	char *lone = R.lone[(intptr_t)arg];
	unsigned long n;

	for (n = 0; lone && !R.stop; n++) {
		char *p = mmap(lone, LONE_LEN, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p != lone) {
			error("race: %s: mmap at LONE failed (%ld, %ld)", "lone", errno, n);
			if (p != MAP_FAILED)
				munmap(p, LONE_LEN);
			break;
		}
		touch(p, LONE_LEN);
		if (n & 1) {
			madvise(p, LONE_LEN, MADV_DONTNEED);
			touch(p, LONE_LEN);
		}
		munmap(p, LONE_LEN);
	}
	add(&R.lone_rounds, n);
	return NULL;
}

/* Even rounds: THPs faulted in, then split; odd rounds: 4 KiB pages collapsed into a THP. */
static void *thp_thread(void *arg)
{
	unsigned long h = R.huge, n;

	(void)arg;
	for (n = 0; !R.stop; n++) {
		char *raw = mmap(NULL, 3 * h, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				 -1, 0);
		char *base;

		if (raw == MAP_FAILED) {
			error("race: %s: mmap failed (%ld, %ld)", "thp", errno, n);
			break;
		}
		base = (char *)(((uintptr_t)raw + h - 1) & ~(uintptr_t)(h - 1));
		__atomic_store_n(&R.thp, base, __ATOMIC_RELEASE);
		if (n % 2 == 0) {
			madvise(base, 2 * h, MADV_HUGEPAGE);
			base[0] = 1;
			base[h] = 1;
			munmap(base + h / 2, PAGE);		/* splits the first */
			madvise(base + h, 16 * PAGE, MADV_DONTNEED);	/* and the second */
			madvise(base, 2 * h, MADV_NOHUGEPAGE);
		} else {
			madvise(base, 2 * h, MADV_NOHUGEPAGE);
			touch(base, h);
			madvise(base, 2 * h, MADV_HUGEPAGE);
			if (madvise(base, h, MADV_COLLAPSE) == 0)
				add(&R.collapsed, 1);
		}
		__atomic_store_n(&R.thp, NULL, __ATOMIC_RELEASE);
		munmap(raw, 3 * h);
	}
	add(&R.thp_rounds, n);
	return NULL;
}

static void *fork_thread(void *arg)
{
	unsigned long n;

	(void)arg;
	for (n = 0; !R.stop; n++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
			error("race: %s: fork or wait failed (%ld, %ld)", "fork", errno, n);
			break;
		}
	}
	add(&R.forks, n);
	return NULL;
}

/*
 * Present, writable, user, accessed, dirty (0x67), frame 0xffffffffff000: read as a table entry
 * by a walk that trusts it, __va() of that frame is unmapped (i386: wraps into user space; amd64:
 * past the direct map's 64 TiB, into a non-canonical address on 4level).
 */
#define POISON 0x000ffffffffff067ULL

static void poison(char *p, unsigned long len)
{
	uint64_t *q = (uint64_t *)p, *end = (uint64_t *)(p + len);

	while (q < end)
		*q++ = POISON;
}

static void *reuse_thread(void *arg)
{
	unsigned long len = 64 * PAGE, n;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED) {
		error("race: %s: mmap failed (%ld, %ld)", "reuse", errno, 0);
		return NULL;
	}
	for (n = 0; !R.stop; n++) {
		poison(p, len);
		madvise(p, len, MADV_DONTNEED);
	}
	munmap(p, len);
	add(&R.reuses, n);
	return NULL;
}

/* One command on fd; its answer must be this thread's. */
static void command(int fd, const char *cmd, const char *want, unsigned long *counter)
{
	static __thread char answer[16384];
	int err = ask_fd(fd, cmd, answer, sizeof(answer));

	if (err == -EFAULT || err == -EAGAIN) {
		add(&R.refused, 1);
		return;
	}
	if (err) {
		error("race: '%s' failed: errno %ld (%ld)", cmd, -err, 0);
		return;
	}
	if (!strstr(answer, want)) {
		error("race: '%s': the answer is not this thread's (%ld, %ld)", cmd, 0, 0);
		return;
	}
	if (strstr(answer, "leaf 2M") || strstr(answer, "leaf 4M"))
		add(&R.huge_seen, 1);
	add(counter, 1);
}

static void *walker_thread(void *arg)
{
	int id = (int)(intptr_t)arg, fd = open(PROC, O_RDWR);
	long tid = syscall(SYS_gettid);
	unsigned long n;
	char cmd[96], want[96];

	if (fd < 0) {
		error("race: %s: open failed (%ld, %ld)", "walker", errno, id);
		return NULL;
	}
	for (n = 0; !R.stop; n++) {
		unsigned long thp = (uintptr_t)__atomic_load_n(&R.thp, __ATOMIC_ACQUIRE);
		unsigned long lone = (uintptr_t)R.lone[R.lone[1] ? n / 6 % 2 : 0], va = lone;

		switch (n % 6) {
		case 0:
		case 1:
		case 2:
			if (n % 6 == 2 && thp)
				va = thp + (n % 7) * PAGE;
			snprintf(cmd, sizeof(cmd), "walk 0x%lx\n", va);
			snprintf(want, sizeof(want), "walk 0x%0*lx pid %ld ", (int)(2 * sizeof(long)),
				 va, tid);
			command(fd, cmd, want, &R.walks);
			break;
		case 3:
		case 4:
			/*
			 * LONE and the 511 pages after it (no VMA: the old walk read their tables too,
			 * widening its window on the freed ones); or the first huge page of the THP area
			 */
			if (n % 6 == 4 && thp)
				va = thp;
			snprintf(cmd, sizeof(cmd), "snapshot 0x%lx 0x%lx\n", va,
				 va + (va == lone ? 512 * PAGE : R.huge));
			snprintf(want, sizeof(want), "snapshot of pid %ld (", tid);
			command(fd, cmd, want, &R.snapshots);
			break;
		default:
			if (id == 0 && n % 60 == 5) {
				snprintf(want, sizeof(want), "# memory map of pid %ld (", tid);
				command(fd, "map\n", want, &R.maps);
			}
		}
	}
	close(fd);
	return NULL;
}

int race(int seconds)
{
	void *(*const fns[])(void *) = { lone_thread, lone_thread, walker_thread, walker_thread,
					 thp_thread, fork_thread, reuse_thread };
	const int nthreads = sizeof(fns) / sizeof(fns[0]);
	pthread_t th[sizeof(fns) / sizeof(fns[0])];
	int fd = open(PROC, O_RDWR), i;

	if (fd < 0)
		return perror(PROC), 1;
	R.lone[0] = pick_lone(fd);
	R.lone[1] = pick_lone(fd);
	close(fd);
	if (!R.lone[0])
		return fprintf(stderr, "race: no top-level slot is free for LONE\n"), 1;
	for (i = 0; i < 2; i++)
		if (R.lone[i])
			munmap(R.lone[i], PAGE);
	/* argument: the LONE of a lone thread, the walker's number */
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, fns[i], (void *)(intptr_t)(i % 2)))
			return fprintf(stderr, "race: pthread_create failed\n"), 1;
	sleep(seconds > 0 ? seconds : 1);
	R.stop = 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("race: %d s: %lu walks, %lu snapshots, %lu maps (%lu huge leaves seen, %lu refused with EFAULT/EAGAIN)\n",
	       seconds, R.walks, R.snapshots, R.maps, R.huge_seen, R.refused);
	printf("race: meanwhile %lu mmap/munmap rounds at LONE, %lu THP rounds (%lu collapsed), %lu forks, %lu x 64 pages reused\n",
	       R.lone_rounds, R.thp_rounds, R.collapsed, R.forks, R.reuses);
	if (!R.walks || !R.snapshots || !R.lone_rounds || !R.thp_rounds || !R.forks || !R.reuses) {
		fprintf(stderr, "race: some thread made no progress\n");
		R.errors++;
	}
	printf("race: %d errors\n", R.errors);
	return R.errors != 0;
}
