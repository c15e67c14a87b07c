/* SPDX-License-Identifier: GPL-2.0 */
/* ktest: what its files share (ktest.c has the commands' list). */
#ifndef KTEST_H
#define KTEST_H

#include <stddef.h>
#include <stdio.h>

#define PROC "/proc/pagetable"
#define PAGE 4096UL

/* proc.c: one command per open, as a learner's echo and cat do. */
int send(const void *cmd, size_t len);	/* write one command; 0 or -errno */
int send_str(const char *cmd);
int print_answer(FILE *out);		/* the answer a fresh open reads; 0 or -errno */
int ask(const char *cmd, char *buf, size_t size);	/* send, then the answer into buf */

/* hostile.c: bad input, concurrent writers, a flood of refusals. */
int garbage(void);
int stress(void);
int flood(int n);

/* access.c: who may open the file, and per-file answers. */
int caps(void);
int perfd(void);

/* race.c */
int race(int seconds);

#endif
