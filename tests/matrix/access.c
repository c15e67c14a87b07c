// SPDX-License-Identifier: GPL-2.0
/*
 * ktest caps and perfd: opening needs CAP_SYS_ADMIN in the initial user namespace (root without
 * it and other users are refused; an fd opened with it may be passed on), and each open file
 * reads the answer to its own last command (kmod/README.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

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

int caps(void)
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
int perfd(void)
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
