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
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/version.h>

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

static DEFINE_SPINLOCK(ko_last_lock);	/* guards ko_last */
static struct ko_text *ko_last;		/* the last answer anyone got: a fresh open starts with it */
static struct proc_dir_entry *ko_proc;

/* One open file: its own answer. */
struct ko_file {
	struct mutex lock;		/* guards answer */
	struct ko_text *answer;
};

DEFINE_RATELIMIT_STATE(ko_refusal_rs, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST);

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
