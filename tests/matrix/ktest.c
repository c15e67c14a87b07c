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
 * concurrent writers.  This file has cmd, huge1g and direct; proc.c the file's reads and writes,
 * hostile.c garbage, stress and flood, access.c caps and perfd, race.c the race (ktest.h).
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
#include <unistd.h>

#include "ktest.h"

#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

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
