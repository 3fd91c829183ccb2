/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for suites that drive mshv_root through its file descriptors,
 * as a VMM does: user memory from kunit_vm_mmap(), ioctl arguments copied
 * there, and fds in the test thread's file table.
 */
#ifndef _MSHV_TEST_USER_H_
#define _MSHV_TEST_USER_H_

#include <linux/eventfd.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sizes.h>
#include <linux/uaccess.h>
#include <asm/ptrace.h>
#include <kunit/test.h>

#include "mshv_test.h"

/* Anonymous user memory in the test's mm; NULL-safe for asserts. */
static inline unsigned long mshv_test_mmap(struct kunit *test, size_t len)
{
	unsigned long addr = kunit_vm_mmap(test, NULL, 0, len,
					   PROT_READ | PROT_WRITE,
					   MAP_ANONYMOUS | MAP_PRIVATE, 0);

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(addr), "kunit_vm_mmap: %ld",
			       (long)addr);
	return addr;
}

/* User memory; with @huge, aligned to 2 MiB and backed by 2 MiB folios. */
static inline unsigned long mshv_test_memory(struct kunit *test, size_t len,
					     bool huge)
{
	struct vm_area_struct *vma;
	unsigned long addr;

	if (!huge)
		return mshv_test_mmap(test, len);

	addr = ALIGN(mshv_test_mmap(test, len + SZ_2M), SZ_2M);
	mmap_write_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	KUNIT_ASSERT_NOT_NULL(test, vma);
	/* What madvise(MADV_HUGEPAGE) does. */
	vm_flags_set(vma, VM_HUGEPAGE);
	mmap_write_unlock(current->mm);
	return addr;
}

/* Copy an ioctl argument into user memory. */
static inline void __user *mshv_test_user_arg(struct kunit *test,
					      const void *arg, size_t size)
{
	unsigned long uaddr = mshv_test_mmap(test, PAGE_SIZE);

	KUNIT_ASSERT_LE(test, size, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)uaddr, arg, size), 0);
	return (void __user *)uaddr;
}

/* Issue an ioctl on an fd of the test thread, as userspace would. */
static inline long mshv_test_ioctl(int fd, unsigned int cmd, void __user *arg)
{
	struct file *file = fget(fd);
	long ret;

	if (!file)
		return -EBADF;
	ret = file->f_op->unlocked_ioctl(file, cmd, (unsigned long)arg);
	fput(file);
	return ret;
}

/* Create a partition through /dev/mshv's handler; returns its fd. */
static inline int mshv_test_create_partition(struct kunit *test, u64 pt_flags)
{
	struct mshv_create_partition args = { .pt_flags = pt_flags };

	return mshv_dev_ioctl(NULL, MSHV_CREATE_PARTITION,
			      (unsigned long)mshv_test_user_arg(test, &args,
								sizeof(args)));
}

/*
 * Close an fd and run its release now: a kernel thread's last fput is
 * otherwise deferred to a workqueue.
 */
static inline void mshv_test_close(int fd)
{
	struct file *file = file_close_fd(fd);

	if (file)
		__fput_sync(file);
}

/* The only child partition the fake holds: the one a test created. */
static inline u64 mshv_test_only_partition(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, mshv_fake_hv_nr_partitions(fake), 1);
	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++)
		if (fake->partitions[i].state != MSHV_FAKE_PT_FREE)
			return fake->partitions[i].id;
	return 0;
}

/* An initialized partition; returns its fd and, in *@id, its id. */
static inline int mshv_test_partition(struct kunit *test, u64 *id)
{
	int fd = mshv_test_create_partition(test, 0);

	KUNIT_ASSERT_GE(test, fd, 0);
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(fd, MSHV_INITIALIZE_PARTITION,
					      NULL), 0);
	*id = mshv_test_only_partition(test);
	return fd;
}

/* MSHV_CREATE_VP on a partition fd; the VP fd or a negative errno. */
static inline long mshv_test_create_vp(struct kunit *test, int pt_fd,
				       u32 index)
{
	struct mshv_create_vp args = { .vp_index = index };

	return mshv_test_ioctl(pt_fd, MSHV_CREATE_VP,
			       mshv_test_user_arg(test, &args, sizeof(args)));
}

/*
 * DMA pins on the folio behind a user address.  Plain references come and
 * go (the LRU batches hold some), pins are what the driver takes.
 */
static inline int mshv_test_page_pins(struct kunit *test, unsigned long uaddr)
{
	struct folio *folio;
	struct page *page;
	int pins;

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(uaddr, 1, FOLL_WRITE, &page), 1);
	folio = page_folio(page);
	if (folio_test_large(folio))
		pins = atomic_read(&folio->_pincount);
	else
		pins = folio_ref_count(folio) / GUP_PIN_COUNTING_BIAS;
	put_page(page);
	return pins;
}

static inline unsigned long mshv_test_pfn(struct kunit *test,
					  unsigned long uaddr)
{
	struct page *page;
	unsigned long pfn;

	KUNIT_ASSERT_EQ(test, get_user_pages_fast(uaddr, 1, FOLL_WRITE, &page), 1);
	pfn = page_to_pfn(page);
	put_page(page);
	return pfn;
}

static inline long mshv_test_set_memory(struct kunit *test, int fd, u64 gfn,
					u64 size, u64 uaddr, u8 flags)
{
	struct mshv_user_mem_region mem = {
		.size = size,
		.guest_pfn = gfn,
		.userspace_addr = uaddr,
		.flags = flags,
	};

	return mshv_test_ioctl(fd, MSHV_SET_GUEST_MEMORY,
			       mshv_test_user_arg(test, &mem, sizeof(mem)));
}

/*
 * There is no exported way to make an eventfd from the kernel: make one
 * with the system call, in the test's file table, when the suite is
 * built in.
 */
asmlinkage long __x64_sys_eventfd2(const struct pt_regs *regs);

static inline int mshv_test_eventfd(struct kunit *test)
{
	struct pt_regs regs = { .di = 0, .si = EFD_NONBLOCK | EFD_CLOEXEC };
	long fd;

	if (!IS_BUILTIN(CONFIG_MSHV_ROOT_KUNIT_TEST))
		kunit_skip(test, "eventfds need the suite built in");
	fd = __x64_sys_eventfd2(&regs);
	KUNIT_ASSERT_GE(test, fd, 0);
	return fd;
}

/* Read and reset an eventfd's count; 0 if it was not signalled. */
static inline u64 mshv_test_eventfd_count(struct kunit *test, int fd)
{
	struct file *file = fget(fd);
	loff_t pos = 0;
	ssize_t ret;
	u64 count;

	KUNIT_ASSERT_NOT_NULL(test, file);
	ret = kernel_read(file, &count, sizeof(count), &pos);
	fput(file);
	if (ret == -EAGAIN)
		return 0;
	KUNIT_ASSERT_EQ(test, ret, sizeof(count));
	return count;
}

#endif /* _MSHV_TEST_USER_H_ */
