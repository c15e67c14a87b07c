// SPDX-License-Identifier: GPL-2.0
/*
 * ko5204: the page-table walk.
 *
 * The walk goes through the kernel's own helpers (pgd_offset .. pmd_offset) so that it follows
 * the kernel's view of folded levels, and records only the levels the MMU reads.  Entries are read
 * once (READ_ONCE) and decoded from that copy.  The caller holds mmap_read_lock(mm), which keeps
 * user page-table pages from being freed under us; kernel page-table pages (vmalloc area, direct
 * map) are not freed while the module runs.
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

static bool entry_present(u64 entry)
{
	return entry & _PAGE_PRESENT;
}

static void add_step(struct ko_walk *w, u64 table_pa, unsigned int index, u64 entry)
{
	struct ko_step *s = &w->step[w->nsteps++];

	s->table_pa = table_pa;
	s->index = index;
	s->entry = entry;
}

static int leaf(struct ko_walk *w, unsigned long pfn, u64 size)
{
	w->present = true;
	w->page_size = size;
	w->pa = ((u64)pfn << PAGE_SHIFT) + (w->va & (size - 1));
	return 0;
}

/* The PA of the table an entry pointer lies in; page tables above the PT are never in highmem. */
#define TABLE_PA(entryp, index) ((u64)__pa((entryp) - (index)))

int ko_walk_va(struct mm_struct *mm, unsigned long va, struct ko_walk *w)
{
	pgd_t *pgdp;
	p4d_t *p4dp;
	pud_t *pudp;
	pmd_t *pmdp, pmd;
	struct page *ptpage;
	pte_t *pt, pte;

	memset(w, 0, sizeof(*w));
	w->va = va;

	pgdp = pgd_offset(mm, va);
	add_step(w, (u64)__pa(mm->pgd), pgd_index(va), pgd_val(READ_ONCE(*pgdp)));
	if (!entry_present(w->step[0].entry))
		return 0;

	p4dp = p4d_offset(pgdp, va);
	if (pgtable_l5_enabled()) {
		p4d_t p4d = READ_ONCE(*p4dp);

		add_step(w, TABLE_PA(p4dp, p4d_index(va)), p4d_index(va), p4d_val(p4d));
		if (!entry_present(p4d_val(p4d)))
			return 0;
	}

	pudp = pud_offset(p4dp, va);
	if (PTRS_PER_PUD > 1) {
		pud_t pud = READ_ONCE(*pudp);

		add_step(w, TABLE_PA(pudp, pud_index(va)), pud_index(va), pud_val(pud));
		if (!entry_present(pud_val(pud)))
			return 0;
		if (pud_leaf(pud))
			return leaf(w, pud_pfn(pud), PUD_SIZE);
	}

	/* On 2-level the pmd is the PD entry already recorded as the pgd step. */
	pmdp = pmd_offset(pudp, va);
	pmd = READ_ONCE(*pmdp);
	if (PTRS_PER_PMD > 1) {
		add_step(w, TABLE_PA(pmdp, pmd_index(va)), pmd_index(va), pmd_val(pmd));
		if (!entry_present(pmd_val(pmd)))
			return 0;
	}
	if (pmd_leaf(pmd))
		return leaf(w, pmd_pfn(pmd), PMD_SIZE);

	/*
	 * The PT may be in highmem (CONFIG_HIGHPTE on i386), so map its page rather than using
	 * __va; pte_offset_map() is not available to modules from 6.5 on.
	 */
	if (!pfn_valid(pmd_pfn(pmd))) {
		pr_notice("walk of 0x%lx: PD entry 0x%llx points outside RAM\n", va,
			  (u64)pmd_val(pmd));
		return -EFAULT;
	}
	ptpage = pmd_page(pmd);
	pt = kmap_local_page(ptpage);
	pte = READ_ONCE(pt[pte_index(va)]);
	kunmap_local(pt);
	add_step(w, (u64)page_to_phys(ptpage), pte_index(va), pte_val(pte));
	if (!entry_present(pte_val(pte)))
		return 0;
	return leaf(w, pte_pfn(pte), PAGE_SIZE);
}
