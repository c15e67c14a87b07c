// SPDX-License-Identifier: GPL-2.0
/* A module that makes the kernel print a real WARNING (WARN(), include/asm-generic/bug.h) when
 * it is loaded, and then refuses to load: vmlab's tests check that vmlab reports it. */
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/module.h>

static int __init vmlab_warn_init(void)
{
	WARN(1, "vmlab-warn: a warning on purpose (tests/lab)\n");
	return -EINVAL;
}
module_init(vmlab_warn_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmlab's test: one WARNING on load");
