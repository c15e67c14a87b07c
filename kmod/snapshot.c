// SPDX-License-Identifier: GPL-2.0
/*
 * ko5204: "snapshot START END", the page tables of the writing process for a range, written as a
 * vmtour machine file (docs/machine-format.md) that vmsim can replay.
 *
 * Every page of the range is walked; every entry that a walk read is kept, grouped by the table
 * it lies in, in the order the walks met the tables (so the top-level table comes first).  Then
 * come two kinds of expect lines for each page: what the kernel itself answers (vmalloc_to_page
 * for the vmalloc area, virt_to_phys for the direct map) and what the module's walk found
 * (source "kwalk").
 *
 * The walk of each page is ko_walk()'s (safe against concurrent munmap and THP changes, see
 * walk.c); the kernel's own answer for a kernel address is taken with interrupts off too, right
 * after.  mmap_read_lock is dropped every SNAP_CHUNK pages to reschedule and to notice a fatal
 * signal: tables that change meanwhile are caught by comparing entries read twice (EAGAIN).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <asm/cpufeature.h>

#include "ko5204.h"
#include "walk.h"

/* A 16 MiB range needs at most 9 PTs and a couple of tables above them in any mode. */
#define SNAP_MAX_TABLES 32
#define SNAP_MAX_ENTRIES 1024	/* 2-level tables; the other modes use 512 (PDPT: 4) */
#define SNAP_NO_PA U64_MAX
#define SNAP_CHUNK 64		/* pages walked between two reschedules */

struct snap_table {
	u64 pa;
	int step;		/* which real level: 0 is the table CR3 points at */
	DECLARE_BITMAP(used, SNAP_MAX_ENTRIES);
	u64 entry[SNAP_MAX_ENTRIES];
};

struct snap {
	int ntables;
	bool changed;		/* an entry read twice had two values */
	struct snap_table table[SNAP_MAX_TABLES];
};

size_t ko_snapshot_text_size(u64 start, u64 end)
{
	/* header; per page at most five entry lines and two expect lines (ranges are <= 16 MiB) */
	return SZ_4K + (size_t)((end - start) / PAGE_SIZE + 1) * (5 * 32 + 2 * 72);
}

static int snap_keep(struct snap *s, const struct ko_walk *w)
{
	int i, k;

	for (i = 0; i < w->nsteps; i++) {
		const struct ko_step *st = &w->step[i];
		struct snap_table *tb = NULL;

		for (k = 0; k < s->ntables; k++) {
			if (s->table[k].pa == st->table_pa) {
				tb = &s->table[k];
				break;
			}
		}
		if (!tb) {
			if (s->ntables == SNAP_MAX_TABLES) {
				ko_refuse("snapshot: more than %d tables\n", SNAP_MAX_TABLES);
				return -E2BIG;
			}
			tb = &s->table[s->ntables++];
			tb->pa = st->table_pa;
			tb->step = i;
		}
		if (WARN_ON_ONCE(st->index >= SNAP_MAX_ENTRIES))
			return -EIO;
		if (test_and_set_bit(st->index, tb->used) && tb->entry[st->index] != st->entry)
			s->changed = true;
		tb->entry[st->index] = st->entry;
	}
	return 0;
}

/*
 * The kernel's own translation of va, if it has one: the source name, or NULL.  Called with
 * interrupts off (vmalloc_to_page() walks the kernel's tables without a lock; see walk.c).
 */
static const char *kernel_answer(unsigned long va, const struct ko_alloc *km, u64 *pa)
{
	struct page *page;

	*pa = SNAP_NO_PA;
	if (is_vmalloc_addr((void *)va)) {
		page = vmalloc_to_page((void *)va);
		if (page)
			*pa = page_to_phys(page) + offset_in_page(va);
		return "vmalloc";
	}
	if (virt_addr_valid((void *)va)) {
		*pa = virt_to_phys((void *)va);
		return va >= km->start && va < km->end ? "kmalloc" : "virt_to_phys";
	}
	return NULL;
}

static void emit_header(struct ko_text *t, const struct ko_cpu *cpu, u64 pgd_pa, u64 start,
			u64 end, const struct ko_alloc *vm, const struct ko_alloc *km)
{
	ko_printf(t, "# ko5204 snapshot of pid %d (%s), range 0x%llx 0x%llx\n",
		  task_pid_nr(current), current->comm, start, end);
	ko_printf(t, "# kernel %s %s\n", init_utsname()->release, init_utsname()->machine);
	if (start < vm->end && vm->start < end)
		ko_printf(t, "# includes the vmalloc allocation 0x%lx 0x%lx\n", vm->start, vm->end);
	if (start < km->end && km->start < end)
		ko_printf(t, "# includes the kmalloc allocation 0x%lx 0x%lx\n", km->start, km->end);
	ko_printf(t, "# cr3 is read_cr3_pa() in the kernel; KPTI is %s%s\n",
		  boot_cpu_has(X86_FEATURE_PTI) ? "on" : "off",
		  boot_cpu_has(X86_FEATURE_PTI) ? ": this is the kernel's copy of the page tables" : "");
	if (pgd_pa != cpu->cr3_pa)
		ko_printf(t, "# NOTE: the mm's pgd is at 0x%llx, not at cr3\n", pgd_pa);
	ko_printf(t, "vmtour-machine 1\n");
	ko_printf(t, "mode %s\n", ko_mode_name(cpu->mode));
	ko_printf(t, "cr3 0x%llx\n", cpu->cr3_pa);
	ko_printf(t, "cr0.wp %d\n", cpu->cr0_wp);
	ko_printf(t, "cr4.pse %d\n", cpu->cr4_pse);
	ko_printf(t, "cr4.smep %d\n", cpu->cr4_smep);
	ko_printf(t, "cr4.smap %d\n", cpu->cr4_smap);
	ko_printf(t, "efer.nxe %d\n", cpu->efer_nxe);
	ko_printf(t, "maxphyaddr %u\n", cpu->maxphyaddr);
}

static void emit_tables(struct ko_text *t, const struct snap *s, enum ko_mode mode)
{
	int width = 2 * ko_entry_size(mode);
	unsigned int i;
	int k;

	for (k = 0; k < s->ntables; k++) {
		const struct snap_table *tb = &s->table[k];

		ko_printf(t, "table 0x%llx  # %s\n", tb->pa, ko_level_name(mode, tb->step));
		for_each_set_bit(i, tb->used, SNAP_MAX_ENTRIES)
			if (tb->entry[i])
				ko_printf(t, "  %u 0x%0*llx\n", i, width, tb->entry[i]);
	}
}

/* Per page: the walk's PA and the kernel's answer (source NULL: none). */
struct snap_page {
	u64 walk_pa;
	u64 kernel_pa;
	const char *source;
};

/* Walk every page from first on, SNAP_CHUNK at a time; fills s and pg[]. */
static int snap_walk(struct mm_struct *mm, u64 first, unsigned int npages, struct snap *s,
		     struct snap_page *pg, const struct ko_alloc *km, unsigned int *mapped)
{
	struct ko_walk w;
	unsigned long flags;
	unsigned int i;
	u64 va = first;
	int ret = 0;

	if (mmap_read_lock_killable(mm))
		return -EINTR;
	for (i = 0; i < npages && !ret; i++, va += PAGE_SIZE) {
		if (i && i % SNAP_CHUNK == 0) {
			mmap_read_unlock(mm);
			cond_resched();
			if (fatal_signal_pending(current) || mmap_read_lock_killable(mm))
				return -EINTR;
		}
		ret = ko_walk(mm, (unsigned long)va, &w);
		if (!ret)
			ret = snap_keep(s, &w);
		pg[i].walk_pa = w.present ? w.pa : SNAP_NO_PA;
		*mapped += w.present;
		if (va >= TASK_SIZE_MAX) {
			local_irq_save(flags);
			pg[i].source = kernel_answer((unsigned long)va, km, &pg[i].kernel_pa);
			local_irq_restore(flags);
		}
	}
	mmap_read_unlock(mm);
	return ret;
}

/*
 * [start, end) with end - start <= KO_SNAPSHOT_MAX, checked by the caller; u64 because on i386
 * the end of a range that reaches the top of the address space is 2^32.  The header names the
 * range page-aligned; when END rounded up to a page would wrap past 2^64 (x86_64, a range
 * ending at 2^64 - 1), it names END as given.
 */
int ko_snapshot(struct ko_text *t, struct mm_struct *mm, u64 start, u64 end,
		const struct ko_alloc *vm, const struct ko_alloc *km)
{
	u64 first = start & ~(u64)(PAGE_SIZE - 1), va;
	u64 last = (end + PAGE_SIZE - 1) & ~(u64)(PAGE_SIZE - 1);
	u64 shown_end = last > end ? last : end;	/* last is 0 when the rounding wrapped */
	/* modulo 2^64, right also when last wrapped to 0 */
	unsigned int i, npages = (last - first) >> PAGE_SHIFT, mapped = 0, answered = 0, agree = 0;
	struct snap_page *pg;
	struct ko_cpu cpu;
	struct snap *s;
	int ret;

	s = kvzalloc(sizeof(*s), GFP_KERNEL);
	pg = kvcalloc(npages, sizeof(*pg), GFP_KERNEL);
	if (!s || !pg) {
		ret = -ENOMEM;
		goto out;
	}
	ko_read_cpu(&cpu);
	ret = snap_walk(mm, first, npages, s, pg, km, &mapped);
	if (ret)
		goto out;
	if (s->changed) {
		ko_refuse("snapshot 0x%llx 0x%llx: the page tables changed while it was taken; try again\n",
			  first, shown_end);
		ret = -EAGAIN;
		goto out;
	}
	if (!mapped) {
		ko_refuse("snapshot 0x%llx 0x%llx: nothing is mapped in this range\n", first,
			  shown_end);
		ret = -EFAULT;
		goto out;
	}

	emit_header(t, &cpu, s->table[0].pa, first, shown_end, vm, km);
	emit_tables(t, s, cpu.mode);
	for (i = 0, va = first; i < npages; i++, va += PAGE_SIZE) {
		const char *source = pg[i].source;
		u64 pa = pg[i].kernel_pa;

		if (source) {
			answered++;
			agree += pa == pg[i].walk_pa;
			if (pa == SNAP_NO_PA)
				ko_printf(t, "expect 0x%llx fault %s\n", va, source);
			else
				ko_printf(t, "expect 0x%llx 0x%llx %s\n", va, pa, source);
		}
		if (pg[i].walk_pa == SNAP_NO_PA)
			ko_printf(t, "expect 0x%llx fault kwalk\n", va);
		else
			ko_printf(t, "expect 0x%llx 0x%llx kwalk\n", va, pg[i].walk_pa);
	}
	ko_printf(t, "# %u pages, %u mapped, %u tables; the kernel answered for %u, the walk agrees on %u\n",
		  npages, mapped, s->ntables, answered, agree);
	if (t->overflow) {
		ko_refuse("snapshot 0x%llx 0x%llx: the answer does not fit %zu bytes\n", first,
			  shown_end, t->size);
		ret = -E2BIG;
	}
out:
	kvfree(pg);
	kvfree(s);
	return ret;
}
