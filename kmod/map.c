// SPDX-License-Identifier: GPL-2.0
/*
 * ko5204: "map", the memory map of seed 002 in every mode: one character per entry of the
 * level that divides the address space into a screenful (2-level: the 1024 PDEs of 4 MiB, PAE:
 * the 4 x 512 PDEs of 2 MiB, 4-level: the 512 PML4Es, 5-level: the 512 PML5Es).
 *
 *   .      not present
 *   X R *  a leaf at this level: supervisor, user read-only, user read/write
 *   x r +  a table: the first present page below it is supervisor, user read-only, user r/w
 *   ?      a table whose search for a page ran out of budget
 *
 * Unlike the original, U/S and R/W are the effective ones, combined over every level on the way
 * (AND, Intel SDM Vol. 3A, 4.6), and tables are read by physical address, which works for
 * highmem page tables too.
 *
 * Safety: each character is worked out with interrupts off (page-table pages are not freed
 * meanwhile: walk.c) and with a budget of MAP_CHAR_BUDGET entry reads, so interrupts are never
 * off for long.  Between characters the map reschedules and stops on a fatal signal.  It takes no
 * mmap lock: it does not consult VMAs, it shows what the tables hold.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "ko5204.h"
#include "walk.h"

#define MAP_BUDGET (1u << 22)	/* entries read for one map, at most */
#define MAP_CHAR_BUDGET 8192	/* entries read for one character, with interrupts off */
#define MAP_PER_LINE 64

struct map_ctx {
	const struct ko_cpu *cpu;
	unsigned int levels;
	unsigned int budget;	/* entry reads left for this character */
};

static unsigned int entries_in(const struct map_ctx *c, unsigned int level)
{
	return ko_entries(c->cpu->mode, level);
}

static bool is_leaf(const struct map_ctx *c, unsigned int level, u64 e)
{
	return ko_is_leaf(c->cpu->mode, c->cpu->cr4_pse, level, e);
}

/* The U/S and R/W bits an entry passes down; PAE PDPTEs have neither (both reserved). */
static u64 rights(const struct map_ctx *c, unsigned int level, u64 e)
{
	if (c->cpu->mode == KO_MODE_PAE && level == 0)
		return _PAGE_USER | _PAGE_RW;
	return e & (_PAGE_USER | _PAGE_RW);
}

static bool read_entry(const struct map_ctx *c, u64 table_pa, unsigned int index, u64 *e)
{
	return ko_read_entry(c->cpu->mode, table_pa, index, e);
}

static char symbol(u64 eff, bool leaf)
{
	if (!(eff & _PAGE_USER))
		return leaf ? 'X' : 'x';
	if (eff & _PAGE_RW)
		return leaf ? '*' : '+';
	return leaf ? 'R' : 'r';
}

/* The symbol of the first present page below a table: 0 if none, '?' when out of budget. */
static char first_page(struct map_ctx *c, u64 table_pa, unsigned int level, u64 eff)
{
	unsigned int i, n = entries_in(c, level);
	u64 e;
	char r;

	for (i = 0; i < n; i++) {
		if (!c->budget)
			return '?';
		c->budget--;
		if (!read_entry(c, table_pa, i, &e))
			return '?';
		if (!(e & _PAGE_PRESENT))
			continue;
		if (is_leaf(c, level, e))
			return symbol(eff & rights(c, level, e), false);
		r = first_page(c, e & PTE_PFN_MASK, level + 1, eff & rights(c, level, e));
		if (r)
			return r;
	}
	return 0;
}

static char entry_symbol(struct map_ctx *c, u64 table_pa, unsigned int level, unsigned int i,
			 u64 eff)
{
	u64 e;
	char r;

	if (!read_entry(c, table_pa, i, &e))
		return '?';
	if (!(e & _PAGE_PRESENT))
		return '.';
	eff &= rights(c, level, e);
	if (is_leaf(c, level, e))
		return symbol(eff, true);
	r = first_page(c, e & PTE_PFN_MASK, level + 1, eff);
	return r ? r : '.';
}

static unsigned long long row_va(const struct map_ctx *c, unsigned int n, unsigned int shift)
{
	unsigned long long va = (unsigned long long)n << shift;
	int top = c->levels == 5 ? 56 : 47;

	if (IS_ENABLED(CONFIG_X86_64) && (va >> top) & 1)
		va |= ~0ULL << top;	/* canonical: copy the top bit up */
	return va;
}

/* Character n of the map (entry j of PAE's PDPTE i, or top-level entry i), interrupts off. */
static char map_char(struct map_ctx *c, unsigned int i, unsigned int j, bool pae)
{
	u64 pdpte, eff = _PAGE_USER | _PAGE_RW;

	if (!pae)
		return entry_symbol(c, c->cpu->cr3_pa, 0, i, eff);
	if (!read_entry(c, c->cpu->cr3_pa, i, &pdpte))
		return '?';
	if (!(pdpte & _PAGE_PRESENT))
		return '.';
	return entry_symbol(c, pdpte & PTE_PFN_MASK, 1, j, eff);
}

int ko_map(struct ko_text *t, struct mm_struct *mm)
{
	struct ko_cpu cpu;
	struct map_ctx c;
	unsigned int n = 0, shift, per_top, top, i, j, left = MAP_BUDGET;
	const char *level;
	unsigned long flags;
	bool pae;

	ko_read_cpu(&cpu);
	c.cpu = &cpu;
	c.levels = ko_levels(cpu.mode);
	pae = cpu.mode == KO_MODE_PAE;
	if (cpu.mode == KO_MODE_2LEVEL) {
		shift = 22;
		level = "PDE (4 MiB)";
	} else if (pae) {
		shift = 21;
		level = "PDE (2 MiB)";
	} else {
		shift = 12 + 9 * (c.levels - 1);
		level = c.levels == 5 ? "PML5E (256 TiB)" : "PML4E (512 GiB)";
	}

	ko_printf(t, "# memory map of pid %d (%s), mode %s, cr3 0x%llx: one character per %s\n",
		  task_pid_nr(current), current->comm, ko_mode_name(cpu.mode), cpu.cr3_pa, level);
	ko_printf(t, "# . not present; X R * leaf: supervisor, user read-only, user read/write;\n");
	ko_printf(t, "# x r + table, by its first present page; ? not searched to the end\n");

	top = entries_in(&c, 0);
	per_top = pae ? 512 : 1;
	for (i = 0; i < top; i++) {
		for (j = 0; j < per_top; j++, n++) {
			char ch;

			c.budget = min_t(unsigned int, left, MAP_CHAR_BUDGET);
			local_irq_save(flags);
			ch = map_char(&c, i, j, pae);
			local_irq_restore(flags);
			left -= min_t(unsigned int, left, MAP_CHAR_BUDGET) - c.budget;
			if (n % MAP_PER_LINE == 0)
				ko_printf(t, "0x%0*llx ", (int)(2 * sizeof(long)),
					  row_va(&c, n, shift));
			ko_printf(t, "%c%s", ch, n % MAP_PER_LINE == MAP_PER_LINE - 1 ? "\n" : "");
			cond_resched();
			if (fatal_signal_pending(current))
				return -EINTR;
		}
	}
	if (!left)
		ko_refuse("map: stopped searching after %u entries; '?' marks what was left\n",
			  MAP_BUDGET);
	return t->overflow ? -E2BIG : 0;
}
