// SPDX-License-Identifier: GPL-2.0
/* ktest: talking to /proc/pagetable, one command per open file (ktest.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ktest.h"

/* Write one command; 0 or -errno. */
int send(const void *cmd, size_t len)
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

int send_str(const char *cmd)
{
	return send(cmd, strlen(cmd));
}

int print_answer(FILE *out)
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

/* Write a command and read its answer into buf; 0 or -errno. */
int ask(const char *cmd, char *buf, size_t size)
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
