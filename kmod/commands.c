// SPDX-License-Identifier: GPL-2.0
/*
 * ko5204's commands: vmalloc, kmalloc, walk, snapshot, map and free, each from the words of one
 * write (main.c splits them) to its answer.  The commands that use the live allocations run
 * under ko_lock; walk and map do not need it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "ko5204.h"
#include "walk.h"

/* Hex widths so that columns line up: a VA is as wide as a pointer. */
#define VA_FMT "0x%0*lx"
#define VA_ARG(va) (int)(2 * sizeof(long)), (unsigned long)(va)
#define PA_FMT "0x%0*llx"
#define PA_ARG(pa) (int)(2 * sizeof(long)), (unsigned long long)(pa)

static DEFINE_MUTEX(ko_lock);		/* the commands that use the allocations; guards both */
static void *ko_vbuf;			/* live vmalloc allocation, or NULL */
static void *ko_kbuf;			/* live kmalloc allocation, or NULL */

/*
 * The 256 "Vmalloc: VA=... -> PA=..." lines are seed 000's point (`echo vmalloc >
 * /proc/pagetable; dmesg`), so they are never cut in the middle: a command logs all of them or
 * none.  One command's worth per 10 s for each of vmalloc and kmalloc (so the seed's pair of
 * commands, and the matrix's, are logged whole); commands sent faster get their lines only in
 * the answer, and the log says so (rate-limited too).  At most 2 x 257 lines per 10 s.
 */
static DEFINE_RATELIMIT_STATE(ko_vmalloc_rs, 10 * HZ, 1);
static DEFINE_RATELIMIT_STATE(ko_kmalloc_rs, 10 * HZ, 1);

/* ---- vmalloc and kmalloc ---- */

void ko_free_allocs(void)
{
	vfree(ko_vbuf);
	ko_vbuf = NULL;
	kfree(ko_kbuf);
	ko_kbuf = NULL;
}

static void ko_alloc_range(const void *buf, struct ko_alloc *a)
{
	a->start = (unsigned long)buf;
	a->end = buf ? a->start + KO_ALLOC_SIZE : 0;
}

/*
 * Translate every page of a fresh 1 MiB allocation twice: the kernel's way (vmalloc_to_page +
 * page_to_phys, or virt_to_phys for the direct map) into the log and the answer, as the original
 * ko5204 did, then through the module's own walk, so that the two can be compared.
 */
static int ko_translate(bool use_vmalloc, struct ko_text **answer)
{
	const char *label = use_vmalloc ? "Vmalloc" : "Kmalloc";
	struct ratelimit_state *rs = use_vmalloc ? &ko_vmalloc_rs : &ko_kmalloc_rs;
	struct mm_struct *mm = current->mm;
	unsigned int i, npages = KO_ALLOC_SIZE / PAGE_SIZE, agree = 0;
	bool log_lines;
	struct ko_text *t;
	struct ko_walk w;
	u64 *pa;
	char *buf;
	int ret = 0;

	pa = kvmalloc_array(npages, sizeof(*pa), GFP_KERNEL);
	t = ko_text_new(SZ_64K);
	if (!pa || !t) {
		ret = -ENOMEM;
		goto out;
	}
	if (use_vmalloc) {
		vfree(ko_vbuf);
		ko_vbuf = buf = vmalloc(KO_ALLOC_SIZE);
	} else {
		kfree(ko_kbuf);
		ko_kbuf = buf = kmalloc(KO_ALLOC_SIZE, GFP_KERNEL);
	}
	if (!buf) {
		ko_refuse("%s of %d bytes failed\n", use_vmalloc ? "vmalloc" : "kmalloc",
			  KO_ALLOC_SIZE);
		ret = -ENOMEM;
		goto out;
	}
	memset(buf, 0x5a, KO_ALLOC_SIZE);	/* touch every page, as the original did */

	log_lines = __ratelimit(rs);
	if (!log_lines)
		pr_info_ratelimited("%s: its per-page lines are logged once per 10 s; the answer in /proc/pagetable has them all\n",
				    use_vmalloc ? "vmalloc" : "kmalloc");
	for (i = 0; i < npages; i++) {
		char *va = buf + i * PAGE_SIZE;

		if (use_vmalloc)
			pa[i] = page_to_phys(vmalloc_to_page(va));
		else
			pa[i] = virt_to_phys(va);
		if (log_lines)
			pr_info("%s: VA=" VA_FMT " -> PA=" PA_FMT "\n", label, VA_ARG(va),
				PA_ARG(pa[i]));
		ko_printf(t, "%s: VA=" VA_FMT " -> PA=" PA_FMT "\n", label, VA_ARG(va),
			  PA_ARG(pa[i]));
	}

	/* Kernel addresses: no mmap lock needed (walk.c); the buffer is ours, under ko_lock. */
	for (i = 0; i < npages; i++) {
		unsigned long va = (unsigned long)buf + i * PAGE_SIZE;
		int err = ko_walk(mm, va, &w);
		bool same = !err && w.present && w.pa == pa[i];

		agree += same;
		if (err || !w.present) {
			ko_printf(t, "Walk: VA=" VA_FMT " -> fault DISAGREE\n", VA_ARG(va));
			continue;
		}
		ko_printf(t, "Walk: VA=" VA_FMT " -> PA=" PA_FMT " %s %s %s\n", VA_ARG(va),
			  PA_ARG(w.pa), ko_level_name(ko_mode(), w.nsteps - 1),
			  ko_size_name(w.page_size), same ? "agree" : "DISAGREE");
		if (!same)
			pr_warn_ratelimited("%s: VA=" VA_FMT ": the walk gives PA=" PA_FMT "\n",
					    label, VA_ARG(va), PA_ARG(w.pa));
	}

	ko_printf(t, "# %s: %u pages, the module's walk agrees on %u; range " VA_FMT " " VA_FMT "\n",
		  use_vmalloc ? "vmalloc" : "kmalloc", npages, agree, VA_ARG(buf),
		  VA_ARG(buf + KO_ALLOC_SIZE));
	if (log_lines)
		pr_info("%s: %u pages, the module's walk agrees on %u\n",
			use_vmalloc ? "vmalloc" : "kmalloc", npages, agree);
	if (t->overflow) {
		ret = -E2BIG;
		goto out;
	}
	*answer = t;
	t = NULL;
out:
	ko_text_put(t);
	kvfree(pa);
	return ret;
}

/* ---- walk ---- */

static int ko_cmd_walk(unsigned long va, struct ko_text **answer)
{
	struct mm_struct *mm = current->mm;
	enum ko_mode mode = ko_mode();
	struct ko_cpu cpu;
	struct ko_text *t;
	struct ko_walk w;
	int i, ret;

	t = ko_text_new(SZ_4K);
	if (!t)
		return -ENOMEM;
	ko_read_cpu(&cpu);
	if (mmap_read_lock_killable(mm)) {
		ko_text_put(t);
		return -EINTR;
	}
	ret = ko_walk(mm, va, &w);
	mmap_read_unlock(mm);
	if (ret) {
		ko_text_put(t);
		ko_refuse("walk of 0x%lx: an entry points outside RAM\n", va);
		return ret;
	}
	ko_printf(t, "walk " VA_FMT " pid %d (%s) mode %s cr3 0x%llx\n", VA_ARG(va),
		  task_pid_nr(current), current->comm, ko_mode_name(mode), cpu.cr3_pa);
	for (i = 0; i < w.nsteps; i++) {
		const struct ko_step *s = &w.step[i];

		ko_printf(t, "%-4s table 0x%llx index %3u entry 0x%0*llx\n",
			  ko_level_name(mode, i), s->table_pa, s->index,
			  (int)(2 * ko_entry_size(mode)), s->entry);
	}
	if (w.no_vma)
		ko_printf(t, "fault: no VMA maps this address (not walked: the kernel would not fill in tables for it)\n");
	else if (w.present)
		ko_printf(t, "leaf %s at %s: PA=" PA_FMT "\n", ko_size_name(w.page_size),
			  ko_level_name(mode, w.nsteps - 1), PA_ARG(w.pa));
	else
		ko_printf(t, "fault: %s entry not present\n", ko_level_name(mode, w.nsteps - 1));
	*answer = t;
	return 0;
}

/* ---- snapshot and map ---- */

static int ko_cmd_snapshot(unsigned long long start, unsigned long long end,
			   struct ko_text **answer)
{
	struct ko_alloc vm, km;
	struct ko_text *t;
	int ret;

	if (!ko_va_valid(start) || !ko_va_valid(end - 1) || start >= end) {
		ko_refuse("snapshot 0x%llx 0x%llx: not a valid range of virtual addresses\n",
			  start, end);
		return -EINVAL;
	}
	if (end - start > KO_SNAPSHOT_MAX) {
		ko_refuse("snapshot 0x%llx 0x%llx: %llu bytes, at most %u are allowed\n", start,
			  end, end - start, KO_SNAPSHOT_MAX);
		return -E2BIG;
	}
	t = ko_text_new(ko_snapshot_text_size(start, end));
	if (!t)
		return -ENOMEM;
	ko_alloc_range(ko_vbuf, &vm);
	ko_alloc_range(ko_kbuf, &km);
	ret = ko_snapshot(t, current->mm, start, end, &vm, &km);
	if (ret) {
		ko_text_put(t);
		return ret;
	}
	*answer = t;
	return 0;
}

static int ko_cmd_map(struct ko_text **answer)
{
	struct ko_text *t = ko_text_new(KO_MAP_TEXT_SIZE);
	int ret;

	if (!t)
		return -ENOMEM;
	ret = ko_map(t, current->mm);
	if (ret) {
		ko_text_put(t);
		return ret;
	}
	*answer = t;
	return 0;
}

/* ---- commands ---- */

/*
 * "0x" and hex digits, or decimal digits; nothing else.  The digits are checked here because
 * kstrtoull() itself accepts a leading '+' and, in base 16, a second "0x" ("0x0x1000").
 */
static int ko_parse_number(const char *word, unsigned long long *v)
{
	bool hex = word[0] == '0' && (word[1] == 'x' || word[1] == 'X');
	const char *digits = hex ? word + 2 : word, *p;

	if (!*digits)
		return -EINVAL;
	for (p = digits; *p; p++)
		if (hex ? !isxdigit(*p) : !isdigit(*p))
			return -EINVAL;
	return kstrtoull(digits, hex ? 16 : 10, v);	/* -ERANGE past 2^64 - 1 */
}

static int ko_snapshot_alloc(const char *which, struct ko_text **answer)
{
	void *buf = !strcmp(which, "vmalloc") ? ko_vbuf : ko_kbuf;

	if (!buf) {
		ko_refuse("snapshot %s: no live %s allocation; write '%s' first\n", which, which,
			  which);
		return -ENOENT;
	}
	return ko_cmd_snapshot((unsigned long)buf, (unsigned long)buf + KO_ALLOC_SIZE, answer);
}

/* The commands that touch the allocations, called with ko_lock held. */
static int ko_run_locked(char **word, int nwords, struct ko_text **answer)
{
	unsigned long long a, b;
	const char *cmd = word[0];

	if (!strcmp(cmd, "vmalloc"))
		return ko_translate(true, answer);
	if (!strcmp(cmd, "kmalloc"))
		return ko_translate(false, answer);
	if (!strcmp(cmd, "free")) {
		ko_free_allocs();
		return 0;
	}
	if (nwords == 2)
		return ko_snapshot_alloc(word[1], answer);
	if (ko_parse_number(word[1], &a) || ko_parse_number(word[2], &b)) {
		ko_refuse("snapshot: '%s %s' are not two numbers\n", word[1], word[2]);
		return -EINVAL;
	}
	return ko_cmd_snapshot(a, b, answer);
}

/*
 * Run one command; *answer gets its text (NULL for "free").  walk and map do not touch the
 * allocations and run without ko_lock, so a long map does not hold up the others.
 */
int ko_run(char **word, int nwords, struct ko_text **answer)
{
	unsigned long long a;
	const char *cmd = word[0];
	bool one = nwords == 1;
	int ret;

	if (!strcmp(cmd, "map") && one)
		return ko_cmd_map(answer);
	if (!strcmp(cmd, "walk") && nwords == 2) {
		if (ko_parse_number(word[1], &a) || !ko_va_valid(a)) {
			ko_refuse("walk: '%s' is not a valid virtual address\n", word[1]);
			return -EINVAL;
		}
		return ko_cmd_walk(a, answer);
	}
	if (((!strcmp(cmd, "vmalloc") || !strcmp(cmd, "kmalloc") || !strcmp(cmd, "free")) && one) ||
	    (!strcmp(cmd, "snapshot") && nwords == 2 &&
	     (!strcmp(word[1], "vmalloc") || !strcmp(word[1], "kmalloc"))) ||
	    (!strcmp(cmd, "snapshot") && nwords == 3)) {
		ret = mutex_lock_interruptible(&ko_lock);
		if (ret)
			return ret;
		ret = ko_run_locked(word, nwords, answer);
		mutex_unlock(&ko_lock);
		return ret;
	}
	ko_refuse("unknown command or wrong number of arguments: '%s' (%d words)\n", cmd, nwords);
	return -EINVAL;
}
