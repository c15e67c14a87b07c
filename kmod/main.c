// SPDX-License-Identifier: GPL-2.0
/*
 * ko5204: /proc/pagetable, a window on the x86 page tables for learners.
 *
 * Commands (one per write, at most KO_WRITE_MAX bytes):
 *   vmalloc                 allocate 1 MiB with vmalloc, translate every page (kernel log and read)
 *   kmalloc                 the same with kmalloc
 *   walk VA                 every level of the walk of VA in the writer's page tables
 *   snapshot START END      the page tables for [START, END) as a vmtour machine file
 *   snapshot vmalloc|kmalloc   the same for the live allocation of that command
 *   map                     the one-character-per-entry memory map of the writer's page tables
 *   free                    free the live allocations
 * The answer to the last command is what reading /proc/pagetable returns.
 *
 * It shows physical addresses, so the file is root's only (0600).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/vmalloc.h>

#include "ko5204.h"
#include "walk.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "ko5204 needs Linux 6.1 or later"
#endif
#ifndef CONFIG_X86
#error "ko5204 walks x86 page tables"
#endif

#define KO_PROC_NAME "pagetable"
#define KO_WRITE_MAX 256
#define KO_MAX_WORDS 3
#define KO_READ_CHUNK 2048

/* Hex widths so that columns line up: a VA is as wide as a pointer. */
#define VA_FMT "0x%0*lx"
#define VA_ARG(va) (int)(2 * sizeof(long)), (unsigned long)(va)
#define PA_FMT "0x%0*llx"
#define PA_ARG(pa) (int)(2 * sizeof(long)), (unsigned long long)(pa)

static DEFINE_MUTEX(ko_lock);		/* serialises commands; guards everything below */
static struct ko_text *ko_answer;	/* the answer readers get */
static void *ko_vbuf;			/* live vmalloc allocation, or NULL */
static void *ko_kbuf;			/* live kmalloc allocation, or NULL */
static struct proc_dir_entry *ko_proc;

/* ---- answers ---- */

struct ko_text *ko_text_new(size_t size)
{
	struct ko_text *t = kvmalloc(struct_size(t, buf, size), GFP_KERNEL);

	if (!t)
		return NULL;
	kref_init(&t->ref);
	t->len = 0;
	t->size = size;
	t->overflow = false;
	t->buf[0] = '\0';
	return t;
}

static void ko_text_release(struct kref *ref)
{
	kvfree(container_of(ref, struct ko_text, ref));
}

void ko_text_put(struct ko_text *t)
{
	if (t)
		kref_put(&t->ref, ko_text_release);
}

void ko_printf(struct ko_text *t, const char *fmt, ...)
{
	size_t room = t->size - t->len;
	va_list args;
	int n;

	if (t->overflow)
		return;
	va_start(args, fmt);
	n = vsnprintf(t->buf + t->len, room, fmt, args);
	va_end(args);
	if (n < 0 || (size_t)n >= room) {
		t->overflow = true;
		t->buf[t->len] = '\0';
		return;
	}
	t->len += n;
}

/* Make t the answer (takes over the caller's reference). Called with ko_lock held. */
static void ko_set_answer(struct ko_text *t)
{
	ko_text_put(ko_answer);
	ko_answer = t;
}

static struct ko_text *ko_help(void)
{
	struct ko_text *t = ko_text_new(512);

	if (t)
		ko_printf(t, "# write one command: vmalloc | kmalloc | walk VA | snapshot START END | snapshot vmalloc | snapshot kmalloc | map | free\n");
	return t;
}

/* ---- vmalloc and kmalloc ---- */

static void ko_free_allocs(void)
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
static int ko_translate(bool use_vmalloc)
{
	const char *label = use_vmalloc ? "Vmalloc" : "Kmalloc";
	struct mm_struct *mm = current->mm;
	unsigned int i, npages = KO_ALLOC_SIZE / PAGE_SIZE, agree = 0;
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
		pr_notice("%s of %d bytes failed\n", use_vmalloc ? "vmalloc" : "kmalloc",
			  KO_ALLOC_SIZE);
		ret = -ENOMEM;
		goto out;
	}
	memset(buf, 0x5a, KO_ALLOC_SIZE);	/* touch every page, as the original did */

	for (i = 0; i < npages; i++) {
		char *va = buf + i * PAGE_SIZE;

		if (use_vmalloc)
			pa[i] = page_to_phys(vmalloc_to_page(va));
		else
			pa[i] = virt_to_phys(va);
		pr_info("%s: VA=" VA_FMT " -> PA=" PA_FMT "\n", label, VA_ARG(va), PA_ARG(pa[i]));
		ko_printf(t, "%s: VA=" VA_FMT " -> PA=" PA_FMT "\n", label, VA_ARG(va),
			  PA_ARG(pa[i]));
	}

	mmap_read_lock(mm);
	for (i = 0; i < npages; i++) {
		unsigned long va = (unsigned long)buf + i * PAGE_SIZE;
		int err = ko_walk_va(mm, va, &w);
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
			pr_warn("%s: VA=" VA_FMT ": the walk gives PA=" PA_FMT "\n", label,
				VA_ARG(va), PA_ARG(w.pa));
	}
	mmap_read_unlock(mm);

	ko_printf(t, "# %s: %u pages, the module's walk agrees on %u; range " VA_FMT " " VA_FMT "\n",
		  use_vmalloc ? "vmalloc" : "kmalloc", npages, agree, VA_ARG(buf),
		  VA_ARG(buf + KO_ALLOC_SIZE));
	pr_info("%s: %u pages, the module's walk agrees on %u\n",
		use_vmalloc ? "vmalloc" : "kmalloc", npages, agree);
	if (t->overflow) {
		ret = -E2BIG;
		goto out;
	}
	ko_set_answer(t);
	t = NULL;
out:
	ko_text_put(t);
	kvfree(pa);
	return ret;
}

/* ---- walk ---- */

static int ko_cmd_walk(unsigned long va)
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
	mmap_read_lock(mm);
	ret = ko_walk_va(mm, va, &w);
	mmap_read_unlock(mm);
	if (ret) {
		ko_text_put(t);
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
	if (w.present)
		ko_printf(t, "leaf %s at %s: PA=" PA_FMT "\n", ko_size_name(w.page_size),
			  ko_level_name(mode, w.nsteps - 1), PA_ARG(w.pa));
	else
		ko_printf(t, "fault: %s entry not present\n", ko_level_name(mode, w.nsteps - 1));
	ko_set_answer(t);
	return 0;
}

/* ---- snapshot and map ---- */

static int ko_cmd_snapshot(unsigned long long start, unsigned long long end)
{
	struct ko_alloc vm, km;
	struct ko_text *t;
	int ret;

	if (!ko_va_valid(start) || !ko_va_valid(end - 1) || start >= end) {
		pr_notice("snapshot 0x%llx 0x%llx: not a valid range of virtual addresses\n",
			  start, end);
		return -EINVAL;
	}
	if (end - start > KO_SNAPSHOT_MAX) {
		pr_notice("snapshot 0x%llx 0x%llx: %llu bytes, at most %u are allowed\n", start,
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
	ko_set_answer(t);
	return 0;
}

static int ko_cmd_map(void)
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
	ko_set_answer(t);
	return 0;
}

/* ---- commands ---- */

/* "0x..." is hex, anything else decimal; the whole word must be a number. */
static int ko_parse_number(const char *word, unsigned long long *v)
{
	if (word[0] == '0' && (word[1] == 'x' || word[1] == 'X'))
		return kstrtoull(word + 2, 16, v);
	return kstrtoull(word, 10, v);
}

static int ko_snapshot_alloc(const char *which)
{
	void *buf = !strcmp(which, "vmalloc") ? ko_vbuf : ko_kbuf;

	if (!buf) {
		pr_notice("snapshot %s: no live %s allocation; write '%s' first\n", which, which,
			  which);
		return -ENOENT;
	}
	return ko_cmd_snapshot((unsigned long)buf, (unsigned long)buf + KO_ALLOC_SIZE);
}

static int ko_run(char **word, int nwords)
{
	unsigned long long a, b;
	const char *cmd = word[0];

	if (!strcmp(cmd, "vmalloc") && nwords == 1)
		return ko_translate(true);
	if (!strcmp(cmd, "kmalloc") && nwords == 1)
		return ko_translate(false);
	if (!strcmp(cmd, "map") && nwords == 1)
		return ko_cmd_map();
	if (!strcmp(cmd, "free") && nwords == 1) {
		ko_free_allocs();
		return 0;
	}
	if (!strcmp(cmd, "walk") && nwords == 2) {
		if (ko_parse_number(word[1], &a) || !ko_va_valid(a)) {
			pr_notice("walk: '%s' is not a valid virtual address\n", word[1]);
			return -EINVAL;
		}
		return ko_cmd_walk(a);
	}
	if (!strcmp(cmd, "snapshot") && nwords == 2 &&
	    (!strcmp(word[1], "vmalloc") || !strcmp(word[1], "kmalloc")))
		return ko_snapshot_alloc(word[1]);
	if (!strcmp(cmd, "snapshot") && nwords == 3) {
		if (ko_parse_number(word[1], &a) || ko_parse_number(word[2], &b)) {
			pr_notice("snapshot: '%s %s' are not two numbers\n", word[1], word[2]);
			return -EINVAL;
		}
		return ko_cmd_snapshot(a, b);
	}
	pr_notice("unknown command or wrong number of arguments: '%s' (%d words)\n", cmd, nwords);
	return -EINVAL;
}

static ssize_t ko_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char buf[KO_WRITE_MAX + 1];
	char *word[KO_MAX_WORDS + 1];
	char *p = buf, *tok;
	int nwords = 0, ret;
	size_t i;

	if (count > KO_WRITE_MAX) {
		pr_notice("rejected a write of %zu bytes: a command is at most %d\n", count,
			  KO_WRITE_MAX);
		return -E2BIG;
	}
	if (copy_from_user(buf, ubuf, count)) {
		pr_notice("rejected a write whose buffer could not be read\n");
		return -EFAULT;
	}
	buf[count] = '\0';
	for (i = 0; i < count; i++) {
		unsigned char c = buf[i];

		if (c >= 0x80 || (!isprint(c) && !isspace(c))) {
			pr_notice("rejected a write with byte 0x%02x at offset %zu: commands are ASCII text\n",
				  c, i);
			return -EINVAL;
		}
	}
	while ((tok = strsep(&p, " \t\n\r\v\f"))) {
		if (!*tok)
			continue;
		if (nwords == KO_MAX_WORDS) {
			pr_notice("rejected a command with more than %d words\n", KO_MAX_WORDS);
			return -EINVAL;
		}
		word[nwords++] = tok;
	}
	if (!nwords) {
		pr_notice("rejected an empty command\n");
		return -EINVAL;
	}

	ret = mutex_lock_interruptible(&ko_lock);
	if (ret)
		return ret;
	ret = ko_run(word, nwords);
	mutex_unlock(&ko_lock);
	return ret ? ret : count;
}

/* ---- reading: the answer, in chunks ---- */

static void *ko_seq_start(struct seq_file *m, loff_t *pos)
{
	struct ko_text *t = m->private;

	return (size_t)*pos * KO_READ_CHUNK < t->len ? pos : NULL;
}

static void *ko_seq_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return ko_seq_start(m, pos);
}

static void ko_seq_stop(struct seq_file *m, void *v)
{
}

static int ko_seq_show(struct seq_file *m, void *v)
{
	struct ko_text *t = m->private;
	size_t off = (size_t)*(loff_t *)v * KO_READ_CHUNK;

	seq_write(m, t->buf + off, min_t(size_t, KO_READ_CHUNK, t->len - off));
	return 0;
}

static const struct seq_operations ko_seq_ops = {
	.start = ko_seq_start,
	.next = ko_seq_next,
	.stop = ko_seq_stop,
	.show = ko_seq_show,
};

static int ko_open(struct inode *inode, struct file *file)
{
	struct seq_file *m;
	int ret = seq_open(file, &ko_seq_ops);

	if (ret)
		return ret;
	m = file->private_data;
	mutex_lock(&ko_lock);
	kref_get(&ko_answer->ref);
	m->private = ko_answer;
	mutex_unlock(&ko_lock);
	return 0;
}

static int ko_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	ko_text_put(m->private);
	return seq_release(inode, file);
}

static const struct proc_ops ko_proc_ops = {
	.proc_open = ko_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_write = ko_write,
	.proc_release = ko_release,
};

static int __init ko_init(void)
{
	ko_answer = ko_help();
	if (!ko_answer)
		return -ENOMEM;
	ko_proc = proc_create(KO_PROC_NAME, 0600, NULL, &ko_proc_ops);
	if (!ko_proc) {
		ko_text_put(ko_answer);
		return -ENOMEM;
	}
	pr_info("/proc/%s ready (mode %s)\n", KO_PROC_NAME, ko_mode_name(ko_mode()));
	return 0;
}

static void __exit ko_exit(void)
{
	proc_remove(ko_proc);	/* waits for open files' operations in progress */
	ko_free_allocs();
	ko_text_put(ko_answer);
	pr_info("/proc/%s removed\n", KO_PROC_NAME);
}

module_init(ko_init);
module_exit(ko_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("/proc/pagetable: translate, walk and snapshot x86 page tables");
MODULE_AUTHOR("vmtour");
