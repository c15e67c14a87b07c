/* SPDX-License-Identifier: GPL-2.0 */
/* ko5204: what the command files share. */
#ifndef KO5204_H
#define KO5204_H

#include <linux/kref.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/types.h>

struct mm_struct;

/*
 * An answer: the text a read of /proc/pagetable returns.  Reference-counted: the open file that
 * wrote the command holds it, and so does the module as its last answer (main.c); text.c makes them.
 */
struct ko_text {
	struct kref ref;
	size_t len;
	size_t size;
	bool overflow;
	char buf[];
};

/*
 * Why a write was refused, for the kernel log.  The errno tells the writer; the log line is for
 * the learner reading dmesg.  One rate limit for every such line, so a flood of bad writes of
 * any kind logs at most DEFAULT_RATELIMIT_BURST (10) lines per 5 s, then one "callbacks
 * suppressed" line.
 */
extern struct ratelimit_state ko_refusal_rs;
#define ko_refuse(fmt, ...)						\
	do {								\
		if (__ratelimit(&ko_refusal_rs))			\
			pr_notice(fmt, ##__VA_ARGS__);			\
	} while (0)

/* text.c */
struct ko_text *ko_text_new(size_t size);
void ko_text_put(struct ko_text *t);
__printf(2, 3) void ko_printf(struct ko_text *t, const char *fmt, ...);

/* A live allocation from the vmalloc or kmalloc command, kept for later snapshots. */
struct ko_alloc {
	unsigned long start;
	unsigned long end;
};

#define KO_ALLOC_SIZE SZ_1M

/* Largest range a snapshot may cover: 4096 pages. */
#define KO_SNAPSHOT_MAX SZ_16M

int ko_snapshot(struct ko_text *t, struct mm_struct *mm, u64 start, u64 end,
		const struct ko_alloc *vm, const struct ko_alloc *km);
size_t ko_snapshot_text_size(u64 start, u64 end);

int ko_map(struct ko_text *t, struct mm_struct *mm);
#define KO_MAP_TEXT_SIZE SZ_16K

/*
 * commands.c: run one command, given as its words (1 to 3); *answer gets its text, or stays
 * NULL for "free".  0 or a negative errno for the writer, the reason in the log (ko_refuse).
 */
int ko_run(char **word, int nwords, struct ko_text **answer);
/* Free the live vmalloc and kmalloc allocations (the module's exit). */
void ko_free_allocs(void);

#endif
