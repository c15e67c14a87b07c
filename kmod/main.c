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
 * Answers are per open file: a read returns the answer to the last command written on the same
 * file descriptor, so write + read on one fd is never mixed up with other writers.  A fresh open
 * starts with the module's last answer (anyone's), so `echo CMD > /proc/pagetable; cat
 * /proc/pagetable` works as long as nobody else writes in between.
 *
 * It shows physical addresses and the kernel's page tables: the file is root's only (0600) and
 * opening it needs CAP_SYS_ADMIN (ko_open).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/io.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/ratelimit.h>
#include <linux/spinlock.h>
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

/* Hex widths so that columns line up: a VA is as wide as a pointer. */
#define VA_FMT "0x%0*lx"
#define VA_ARG(va) (int)(2 * sizeof(long)), (unsigned long)(va)
#define PA_FMT "0x%0*llx"
#define PA_ARG(pa) (int)(2 * sizeof(long)), (unsigned long long)(pa)

static DEFINE_MUTEX(ko_lock);		/* the commands that use the allocations; guards both */
static void *ko_vbuf;			/* live vmalloc allocation, or NULL */
static void *ko_kbuf;			/* live kmalloc allocation, or NULL */
static DEFINE_SPINLOCK(ko_last_lock);	/* guards ko_last */
static struct ko_text *ko_last;		/* the last answer anyone got: a fresh open starts with it */
static struct proc_dir_entry *ko_proc;

/* One open file: its own answer. */
struct ko_file {
	struct mutex lock;		/* guards answer */
	struct ko_text *answer;
};

DEFINE_RATELIMIT_STATE(ko_refusal_rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);

/*
 * The 256 "Vmalloc: VA=... -> PA=..." lines are seed 000's point (`echo vmalloc >
 * /proc/pagetable; dmesg`), so they are never cut in the middle: a command logs all of them or
 * none.  One command's worth per 10 s for each of vmalloc and kmalloc (so the seed's pair of
 * commands, and the matrix's, are logged whole); commands sent faster get their lines only in
 * the answer, and the log says so (rate-limited too).  At most 2 x 257 lines per 10 s.
 */
static DEFINE_RATELIMIT_STATE(ko_vmalloc_rs, 10 * HZ, 1);
static DEFINE_RATELIMIT_STATE(ko_kmalloc_rs, 10 * HZ, 1);

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

/* Make t the answer of file f and the module's last answer (takes over the caller's reference). */
static void ko_publish(struct ko_file *f, struct ko_text *t)
{
	struct ko_text *old;

	kref_get(&t->ref);
	spin_lock(&ko_last_lock);
	old = ko_last;
	ko_last = t;
	spin_unlock(&ko_last_lock);
	ko_text_put(old);

	mutex_lock(&f->lock);
	old = f->answer;
	f->answer = t;
	mutex_unlock(&f->lock);
	ko_text_put(old);
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
static int ko_run(char **word, int nwords, struct ko_text **answer)
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

/*
 * Who may write.  ko_open() let in only openers with CAP_SYS_ADMIN.  Here the same check is made
 * again on the opener's credentials (file->f_cred), not the writer's: a descriptor keeps the
 * privilege of whoever opened it, as /proc/PID/pagemap's PFNs do (file_ns_capable() in
 * pagemap_read()), and as Documentation/security/credentials.rst asks of checks on open files
 * (whoever can hand a privileged program an fd as its stdout would otherwise borrow that
 * program's privilege).  So root may pass an open fd on deliberately; nobody without
 * CAP_SYS_ADMIN in the initial user namespace can open one, a container's root included.  The
 * repeated check keeps that true should the open path ever change.
 */
static ssize_t ko_write(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	struct ko_file *f = file->private_data;
	char buf[KO_WRITE_MAX + 1];
	char *word[KO_MAX_WORDS + 1];
	struct ko_text *answer = NULL;
	char *p = buf, *tok;
	int nwords = 0, ret;
	size_t i;

	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	if (!current->mm)	/* a kernel thread: no page tables of its own to show */
		return -EINVAL;
	if (count > KO_WRITE_MAX) {
		ko_refuse("rejected a write of %zu bytes: a command is at most %d\n", count,
			  KO_WRITE_MAX);
		return -E2BIG;
	}
	if (copy_from_user(buf, ubuf, count)) {
		ko_refuse("rejected a write whose buffer could not be read\n");
		return -EFAULT;
	}
	buf[count] = '\0';
	for (i = 0; i < count; i++) {
		unsigned char c = buf[i];

		if (c >= 0x80 || (!isprint(c) && !isspace(c))) {
			ko_refuse("rejected a write with byte 0x%02x at offset %zu: commands are ASCII text\n",
				  c, i);
			return -EINVAL;
		}
	}
	while ((tok = strsep(&p, " \t\n\r\v\f"))) {
		if (!*tok)
			continue;
		if (nwords == KO_MAX_WORDS) {
			ko_refuse("rejected a command with more than %d words\n", KO_MAX_WORDS);
			return -EINVAL;
		}
		word[nwords++] = tok;
	}
	if (!nwords) {
		ko_refuse("rejected an empty command\n");
		return -EINVAL;
	}

	ret = ko_run(word, nwords, &answer);
	if (ret)
		return ret;
	if (answer) {
		ko_publish(f, answer);
		*ppos = 0;	/* the next read on this fd starts at the new answer's beginning */
	}
	return count;
}

/* ---- reading: this file's answer ---- */

static ssize_t ko_read(struct file *file, char __user *ubuf, size_t count, loff_t *ppos)
{
	struct ko_file *f = file->private_data;
	struct ko_text *t;
	ssize_t n;

	if (mutex_lock_interruptible(&f->lock))
		return -EINTR;
	t = f->answer;
	kref_get(&t->ref);
	mutex_unlock(&f->lock);
	n = simple_read_from_buffer(ubuf, count, ppos, t->buf, t->len);
	ko_text_put(t);
	return n;
}

/*
 * CAP_SYS_ADMIN in the initial user namespace, checked on the opener's credentials (f_cred),
 * like the PFNs of /proc/PID/pagemap: the file shows physical addresses and the kernel's page
 * tables.  Mode 0600 alone would let in any uid 0, a container's root without the capability
 * too.  No global lock here: the file starts with a reference to the module's last answer.
 */
static int ko_open(struct inode *inode, struct file *file)
{
	struct ko_file *f;

	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	spin_lock(&ko_last_lock);
	f->answer = ko_last;
	kref_get(&f->answer->ref);
	spin_unlock(&ko_last_lock);
	file->private_data = f;
	return 0;
}

static int ko_release(struct inode *inode, struct file *file)
{
	struct ko_file *f = file->private_data;

	ko_text_put(f->answer);
	kfree(f);
	return 0;
}

static const struct proc_ops ko_proc_ops = {
	.proc_open = ko_open,
	.proc_read = ko_read,
	.proc_lseek = default_llseek,
	.proc_write = ko_write,
	.proc_release = ko_release,
};

/*
 * proc_create() says only NULL.  It fails when the name is taken (another module's
 * /proc/pagetable) or when memory runs out; tell the two apart by looking for the name.
 */
static int __init ko_proc_error(void)
{
	struct path path;

	if (kern_path("/proc/" KO_PROC_NAME, 0, &path))
		return -ENOMEM;
	path_put(&path);
	return -EEXIST;
}

static int __init ko_init(void)
{
	ko_last = ko_help();
	if (!ko_last)
		return -ENOMEM;
	ko_proc = proc_create(KO_PROC_NAME, 0600, NULL, &ko_proc_ops);
	if (!ko_proc) {
		int err = ko_proc_error();

		ko_text_put(ko_last);
		pr_err("cannot create /proc/%s: error %d\n", KO_PROC_NAME, err);
		return err;
	}
	pr_info("/proc/%s ready (mode %s)\n", KO_PROC_NAME, ko_mode_name(ko_mode()));
	return 0;
}

static void __exit ko_exit(void)
{
	proc_remove(ko_proc);	/* waits for open files' operations in progress */
	ko_free_allocs();
	ko_text_put(ko_last);
	pr_info("/proc/%s removed\n", KO_PROC_NAME);
}

module_init(ko_init);
module_exit(ko_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("/proc/pagetable: translate, walk and snapshot x86 page tables");
MODULE_AUTHOR("vmtour");
