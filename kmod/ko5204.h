/* SPDX-License-Identifier: GPL-2.0 */
/* ko5204: what the command files share. */
#ifndef KO5204_H
#define KO5204_H

#include <linux/kref.h>
#include <linux/types.h>

struct mm_struct;

/*
 * The answer to the last command: text that reads of /proc/pagetable return.  Each open takes a
 * reference to the answer current at that time, so a reader never sees half of one answer and
 * half of the next even when other processes write meanwhile.
 */
struct ko_text {
	struct kref ref;
	size_t len;
	size_t size;
	bool overflow;
	char buf[];
};

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

#endif
