/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ko5204: walking the x86 page tables of an mm, one step per level that the MMU really reads.
 *
 * Linux always offers five levels (pgd, p4d, pud, pmd, pte) and folds the ones a mode does not
 * have into the level above.  The MMU sees only the real ones:
 *
 *   mode    real levels (Intel SDM names)        entry  index bits
 *   2level  PD, PT                               4 B    10 10 (12)
 *   pae     PDPT, PD, PT                         8 B    2 9 9 (12)
 *   4level  PML4, PDPT, PD, PT                   8 B    9 9 9 9 (12)
 *   5level  PML5, PML4, PDPT, PD, PT             8 B    9 9 9 9 9 (12)
 *
 * A walk records each real level as data (table PA, index, raw entry) so the same record can be
 * printed by "walk" and turned into machine-file tables by "snapshot".
 *
 * Safety (walk.c has the details): user addresses are walked only inside a VMA, found with
 * vma_lookup() under mmap_read_lock; every walk runs with interrupts off, reads each entry once
 * and descends only from that copy, the way mm/gup.c's lockless walk does.
 */
#ifndef KO5204_WALK_H
#define KO5204_WALK_H

#include <linux/types.h>

struct mm_struct;

#define KO_MAX_LEVELS 5

enum ko_mode {
	KO_MODE_2LEVEL,
	KO_MODE_PAE,
	KO_MODE_4LEVEL,
	KO_MODE_5LEVEL,
};

struct ko_step {
	u64 table_pa;		/* physical address of the table that holds the entry */
	unsigned int index;	/* the entry's index in that table */
	u64 entry;		/* the raw entry, as the MMU reads it */
};

struct ko_walk {
	unsigned long va;
	int nsteps;		/* real levels read; the last one is the leaf or the fault */
	struct ko_step step[KO_MAX_LEVELS];
	bool no_vma;		/* a user address outside every VMA: not walked, nsteps 0 */
	bool present;		/* a present leaf was reached */
	u64 pa;			/* physical address of va when present */
	u64 page_size;		/* 4K, 2M/4M or 1G: from the level the leaf was found at */
};

/* What the MMU is doing, read from the control registers (Intel SDM Vol. 3A, 2.5 and 4.1). */
struct ko_cpu {
	enum ko_mode mode;
	u64 cr3_pa;		/* read_cr3_pa(): the top-level table, PCID bits dropped */
	bool cr0_wp, cr4_pse, cr4_pae, cr4_la57, cr4_smep, cr4_smap, efer_nxe;
	unsigned int maxphyaddr;
};

enum ko_mode ko_mode(void);
const char *ko_mode_name(enum ko_mode mode);
unsigned int ko_levels(enum ko_mode mode);
unsigned int ko_entry_size(enum ko_mode mode);
const char *ko_level_name(enum ko_mode mode, int step);
const char *ko_size_name(u64 size);
void ko_read_cpu(struct ko_cpu *cpu);
bool ko_va_valid(unsigned long long va);
unsigned int ko_entries(enum ko_mode mode, int step);
bool ko_is_leaf(enum ko_mode mode, bool cr4_pse, int step, u64 entry);
bool ko_read_entry(enum ko_mode mode, u64 table_pa, unsigned int index, u64 *entry);
int ko_walk(struct mm_struct *mm, unsigned long va, struct ko_walk *w);

#endif
