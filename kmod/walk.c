// SPDX-License-Identifier: GPL-2.0
/*
 * ko5204: the page-table walk.
 *
 * Why it is safe.  mmap_read_lock(mm) does NOT keep page-table pages alive: on 6.1 munmap
 * downgrades the lock to read before free_pgtables(), khugepaged and MADV_COLLAPSE free PT pages
 * under a live VMA, and later kernels also reclaim empty PT pages on MADV_DONTNEED.  (An earlier
 * version of this file said the lock was enough; it oopsed in ko_walk_va under munmap.)  What
 * does keep them alive is what mm/gup.c's lockless walk (the "fast" path) relies on: on x86 a
 * page-table page is freed only after a TLB-flush IPI to the CPUs using the mm has been answered
 * or after an RCU grace period (MMU_GATHER_RCU_TABLE_FREE), and neither can finish while this CPU
 * runs with interrupts off.  So:
 *   - user addresses are walked only inside a VMA (vma_lookup() under mmap_read_lock): outside
 *     every VMA there is nothing to translate;
 *   - the walk runs between local_irq_save() and local_irq_restore();
 *   - each entry is read once (a 64-bit PAE entry with the low/high/low loop of the kernel's
 *     ptep_get_lockless(), as 32-bit CPUs cannot load it in one go) and the next table is found
 *     from the physical address in that copy, never by reading the live entry again;
 *   - every table is mapped with kmap_local_page(), which does not sleep, so PT pages in high
 *     memory (CONFIG_HIGHPTE on i386) need nothing special; nothing inside prints or sleeps.
 * Kernel addresses have no VMA.  Their tables are walked the same way: x86 frees a kernel PT or
 * PD page only after flush_tlb_kernel_range() has interrupted every CPU (pmd_free_pte_page() and
 * pud_free_pmd_page() in arch/x86/mm/pgtable.c, when vmap or ioremap installs a huge mapping);
 * the direct map's tables are only split, never freed, except by memory hot-remove.  The
 * module's own vmalloc and kmalloc buffers are also held (under ko_lock) while they are walked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/version.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "walk.h"

enum ko_mode ko_mode(void)
{
	if (IS_ENABLED(CONFIG_X86_64))
		return pgtable_l5_enabled() ? KO_MODE_5LEVEL : KO_MODE_4LEVEL;
	return IS_ENABLED(CONFIG_X86_PAE) ? KO_MODE_PAE : KO_MODE_2LEVEL;
}

const char *ko_mode_name(enum ko_mode mode)
{
	static const char *const names[] = { "2level", "pae", "4level", "5level" };

	return names[mode];
}

unsigned int ko_levels(enum ko_mode mode)
{
	static const unsigned int levels[] = { 2, 3, 4, 5 };

	return levels[mode];
}

unsigned int ko_entry_size(enum ko_mode mode)
{
	return mode == KO_MODE_2LEVEL ? 4 : 8;
}

/* Step 0 is the table CR3 points at; the last real level is always the PT. */
const char *ko_level_name(enum ko_mode mode, int step)
{
	static const char *const from_bottom[] = { "PT", "PD", "PDPT", "PML4", "PML5" };
	int i = (int)ko_levels(mode) - 1 - step;

	return i >= 0 && i < KO_MAX_LEVELS ? from_bottom[i] : "?";
}

const char *ko_size_name(u64 size)
{
	switch (size) {
	case SZ_4K:
		return "4K";
	case SZ_2M:
		return "2M";
	case SZ_4M:
		return "4M";
	case SZ_1G:
		return "1G";
	default:
		return "?";
	}
}

/* EFER.NXE; EFER does not exist on CPUs without NX or long mode, hence the _safe read. */
static bool read_efer_nxe(void)
{
	u64 efer = 0;

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	if (rdmsrq_safe(MSR_EFER, &efer))
		return false;
#else
	if (rdmsrl_safe(MSR_EFER, &efer))
		return false;
#endif
	return efer & EFER_NX;
}

/*
 * Control registers of this CPU.  CR3 is read while running in the kernel, so with KPTI it is
 * the kernel's copy of the process's page tables (the user-mode copy is the page after it);
 * that copy maps both halves, which is what a snapshot needs.
 */
void ko_read_cpu(struct ko_cpu *cpu)
{
	unsigned long cr0 = read_cr0();
	unsigned long cr4 = __read_cr4();

	cpu->mode = ko_mode();
	cpu->cr3_pa = read_cr3_pa();
	cpu->cr0_wp = cr0 & X86_CR0_WP;
	cpu->cr4_pse = cr4 & X86_CR4_PSE;
	cpu->cr4_pae = cr4 & X86_CR4_PAE;
	cpu->cr4_la57 = cr4 & X86_CR4_LA57;
	cpu->cr4_smep = cr4 & X86_CR4_SMEP;
	cpu->cr4_smap = cr4 & X86_CR4_SMAP;
	cpu->efer_nxe = read_efer_nxe();
	cpu->maxphyaddr = boot_cpu_data.x86_phys_bits;
}

/*
 * A virtual address the MMU can translate: 32 bits on i386; on x86_64 canonical, that is bits
 * 63..47 (4-level) or 63..56 (5-level) all equal (Intel SDM Vol. 1, 3.3.7.1).
 */
bool ko_va_valid(unsigned long long va)
{
#ifdef CONFIG_X86_64
	int shift = pgtable_l5_enabled() ? 56 : 47;
	long long top = (long long)va >> shift;

	return top == 0 || top == -1;
#else
	return va <= ULONG_MAX;
#endif
}

/* Entries in the table at `step` (step 0: the table CR3 points at). */
unsigned int ko_entries(enum ko_mode mode, int step)
{
	if (mode == KO_MODE_2LEVEL)
		return 1024;
	if (mode == KO_MODE_PAE && step == 0)
		return 4;
	return 512;
}

/* The lowest VA bit that indexes the table at `step` (Intel SDM Vol. 3A, 4.3, 4.4.2, 4.5.4). */
static unsigned int index_shift(enum ko_mode mode, int step)
{
	unsigned int bits = mode == KO_MODE_2LEVEL ? 10 : 9;

	return PAGE_SHIFT + bits * (ko_levels(mode) - 1 - step);
}

/*
 * A present entry maps a page: always at the PT; with PS at the PD (4 MiB in 2-level paging only
 * with CR4.PSE) and at a 4/5-level PDPT (1 GiB).  A PAE PDPTE has no PS bit.
 */
bool ko_is_leaf(enum ko_mode mode, bool cr4_pse, int step, u64 entry)
{
	int from_bottom = (int)ko_levels(mode) - 1 - step;

	if (from_bottom == 0)
		return true;
	if (!(entry & _PAGE_PSE))
		return false;
	if (from_bottom == 1)
		return mode != KO_MODE_2LEVEL || cr4_pse;
	return from_bottom == 2 && ko_levels(mode) >= 4;
}

/*
 * One 8-byte entry, read once.  On i386 (PAE) it takes two loads: the kernel sets an entry high
 * half first and clears it low half (with P) first, so a low half that reads the same before and
 * after the high half belongs with it (the loop of ptep_get_lockless(), include/linux/pgtable.h).
 */
static u64 read_u64_once(const void *p)
{
#ifdef CONFIG_X86_64
	return READ_ONCE(*(const u64 *)p);
#else
	const u32 *half = p;
	u32 lo, hi;

	do {
		lo = READ_ONCE(half[0]);
		smp_rmb();
		hi = READ_ONCE(half[1]);
		smp_rmb();
	} while (lo != READ_ONCE(half[0]));
	return ((u64)hi << 32) | lo;
#endif
}

/*
 * Entry `index` of the table at physical address table_pa (PAE's PDPT is 32-byte aligned, so the
 * table may start mid-page).  kmap_local_page() works for highmem tables and with interrupts off.
 * False when table_pa is not RAM the kernel knows.
 */
bool ko_read_entry(enum ko_mode mode, u64 table_pa, unsigned int index, u64 *entry)
{
	u64 pfn = table_pa >> PAGE_SHIFT;
	unsigned int off = offset_in_page(table_pa) + index * ko_entry_size(mode);
	void *page;

	if (pfn > ULONG_MAX || !pfn_valid((unsigned long)pfn))
		return false;
	page = kmap_local_page(pfn_to_page((unsigned long)pfn));
	if (mode == KO_MODE_2LEVEL)
		*entry = READ_ONCE(*(const u32 *)(page + off));
	else
		*entry = read_u64_once(page + off);
	kunmap_local(page);
	return true;
}

static void add_step(struct ko_walk *w, u64 table_pa, unsigned int index, u64 entry)
{
	struct ko_step *s = &w->step[w->nsteps++];

	s->table_pa = table_pa;
	s->index = index;
	s->entry = entry;
}

/* Interrupts are off: page-table pages stay (see the top of this file); no sleeping, no printk. */
static int walk_irqs_off(struct mm_struct *mm, struct ko_walk *w)
{
	enum ko_mode mode = ko_mode();
	bool pse = __read_cr4() & X86_CR4_PSE;
	u64 table_pa = __pa(mm->pgd);	/* the mm's own top table: lives as long as the mm */
	int step;

	for (step = 0; step < (int)ko_levels(mode); step++) {
		unsigned int shift = index_shift(mode, step);
		unsigned int index = (w->va >> shift) & (ko_entries(mode, step) - 1);
		u64 e;

		if (!ko_read_entry(mode, table_pa, index, &e))
			return -EFAULT;
		add_step(w, table_pa, index, e);
		if (!(e & _PAGE_PRESENT))
			return 0;
		if (ko_is_leaf(mode, pse, step, e)) {
			u64 size = 1ULL << shift;

			w->present = true;
			w->page_size = size;
			w->pa = (e & PTE_PFN_MASK & ~(size - 1)) | (w->va & (size - 1));
			return 0;
		}
		table_pa = e & PTE_PFN_MASK;	/* from the copy: the next table */
	}
	return -EIO;	/* not reached: the PT's entries are always leaves */
}

/*
 * Walk va in mm, which is current->mm; for a user address the caller holds mmap_read_lock(mm).
 * 0 with w filled in (w->no_vma for a user address outside every VMA), or -EFAULT when an entry
 * points at a table outside RAM.
 */
int ko_walk(struct mm_struct *mm, unsigned long va, struct ko_walk *w)
{
	unsigned long flags;
	int ret;

	memset(w, 0, sizeof(*w));
	w->va = va;
	if (va < TASK_SIZE_MAX) {
		mmap_assert_locked(mm);
		if (!vma_lookup(mm, va)) {
			w->no_vma = true;
			return 0;
		}
	}
	local_irq_save(flags);
	ret = walk_irqs_off(mm, w);
	local_irq_restore(flags);
	return ret;
}
