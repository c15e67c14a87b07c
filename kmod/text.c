// SPDX-License-Identifier: GPL-2.0
/*
 * ko5204's answers: the text a read of /proc/pagetable returns, built with ko_printf and shared
 * by reference count between the open file that wrote the command and the module's last answer.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "ko5204.h"

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
