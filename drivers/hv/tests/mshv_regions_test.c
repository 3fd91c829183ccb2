// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of guest memory: MSHV_SET_GUEST_MEMORY map and unmap, its
 * validation, the number of hypercalls for 4 KiB-, 2 MiB- and mixed-backed
 * regions, unwinding at every failing hypercall, and
 * MSHV_GET_GPAP_ACCESS_BITMAP.  Each test checks what the fake hypervisor
 * maps and that page pins come back to where they were.
 */

#include <linux/anon_inodes.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <kunit/test.h>

#include "mshv_test_user.h"

#define RW	(BIT(MSHV_SET_MEM_BIT_WRITABLE))
#define SZ_LARGE	(HV_LARGE_PAGE_FRAMES * PAGE_SIZE)

struct region_env {
	int fd;
	u64 id;
};

static struct region_env *env_create(struct kunit *test)
{
	struct region_env *env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, env);
	env->fd = mshv_test_create_partition(test, 0);
	KUNIT_ASSERT_GE(test, env->fd, 0);
	env->id = mshv_test_only_partition(test);
	return env;
}

/* Every frame of [gfn, +frames) maps the page behind the user address. */
static void expect_mapped(struct kunit *test, u64 id, u64 gfn, u64 frames,
			  unsigned long uaddr, unsigned int bits)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int got_bits;
	u64 i, pfn;

	for (i = 0; i < frames; i++) {
		KUNIT_ASSERT_TRUE_MSG(test, mshv_fake_hv_gpa(fake, id, gfn + i, &pfn,
							     &got_bits),
				      "gfn %#llx not mapped", gfn + i);
		KUNIT_ASSERT_EQ(test, pfn, mshv_test_pfn(test, uaddr + i * PAGE_SIZE));
		KUNIT_ASSERT_EQ(test, got_bits & ~MSHV_FAKE_GPA_LARGE, bits);
	}
}

static void map_and_unmap_4k(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	u64 frames = 64, gfn = 0x100;
	unsigned long uaddr = mshv_test_memory(test, frames * PAGE_SIZE, false);
	int pins = mshv_test_page_pins(test, uaddr);

	KUNIT_EXPECT_EQ(test, pins, 0);
	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, gfn,
						   frames * PAGE_SIZE, uaddr, RW), 0);
	expect_mapped(test, env->id, gfn, frames, uaddr, MSHV_FAKE_GPA_WRITABLE);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, frames);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_MAP_GPA_PAGES), 1);
	KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr), 1);

	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, gfn, frames * PAGE_SIZE,
						   uaddr, BIT(MSHV_SET_MEM_BIT_UNMAP)), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
	KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr), pins);
	mshv_test_close(env->fd);
}

struct count_case {
	const char *name;
	bool huge;
	u64 gfn;
	u64 frames;
	unsigned int calls;
	unsigned long large_frames;
};

/* The fewest MAP_GPA_PAGES calls: one per kind of run per 509 entries. */
static const struct count_case count_cases[] = {
	{ "4k, one page", false, 0x10, 1, 1, 0 },
	{ "4k, one full batch", false, 0x10, 509, 1, 0 },
	{ "4k, one over a batch", false, 0x10, 510, 2, 0 },
	{ "4k, 1100 frames", false, 0x10, 1100, 3, 0 },
	{ "2m, one large page", true, 0x200, 512, 1, 512 },
	{ "2m, four large pages", true, 0x400, 2048, 1, 2048 },
	{ "mixed: large then 16 small", true, 0x200, 528, 2, 512 },
	/* Guest frame not 2 MiB aligned: no large page is possible. */
	{ "2m memory, unaligned guest", true, 0x201, 512, 2, 0 },
};

KUNIT_ARRAY_PARAM_DESC(count, count_cases, name);

static void map_uses_fewest_hypercalls(struct kunit *test)
{
	const struct count_case *c = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	unsigned long uaddr = mshv_test_memory(test, c->frames * PAGE_SIZE, c->huge);
	unsigned long large = 0;
	unsigned int bits;
	u64 i;

	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, c->gfn,
						   c->frames * PAGE_SIZE, uaddr, RW), 0);
	if (c->huge && c->large_frames) {
		struct page *page = pfn_to_page(mshv_test_pfn(test, uaddr));

		KUNIT_ASSERT_TRUE_MSG(test, folio_test_large(page_folio(page)),
				      "no 2 MiB folio behind the test memory");
	}
	expect_mapped(test, env->id, c->gfn, c->frames, uaddr, MSHV_FAKE_GPA_WRITABLE);
	for (i = 0; i < c->frames; i++) {
		mshv_fake_hv_gpa(fake, env->id, c->gfn + i, NULL, &bits);
		large += !!(bits & MSHV_FAKE_GPA_LARGE);
	}
	KUNIT_EXPECT_EQ(test, large, c->large_frames);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_MAP_GPA_PAGES),
			c->calls);

	/* Unmap in the same runs: large pages as large pages. */
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, c->gfn,
						   c->frames * PAGE_SIZE, uaddr,
						   BIT(MSHV_SET_MEM_BIT_UNMAP)), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
	KUNIT_EXPECT_EQ(test, fake->violations, 0);
	mshv_test_close(env->fd);
}

struct bad_mem_case {
	const char *name;
	u64 gfn;
	u64 size;
	long uaddr_off;		/* from the test buffer; see below */
	u8 flags;
	u8 rsvd;
	int ret;
};

#define KERNEL_ADDR	1	/* use a kernel address */
#define UNMAPPED	2	/* use an unmapped user address */

static const struct bad_mem_case bad_mem_cases[] = {
	{ "size 0", 0x10, 0, 0, RW, 0, -EINVAL },
	{ "size not page aligned", 0x10, PAGE_SIZE + 1, 0, RW, 0, -EINVAL },
	{ "address not page aligned", 0x10, PAGE_SIZE, 8, RW, 0, -EINVAL },
	{ "unknown flag bit 3", 0x10, PAGE_SIZE, 0, BIT(3), 0, -EINVAL },
	{ "unknown flag bit 7", 0x10, PAGE_SIZE, 0, BIT(7), 0, -EINVAL },
	{ "reserved byte set", 0x10, PAGE_SIZE, 0, RW, 1, -EINVAL },
	{ "guest frames wrap", U64_MAX, 2 * PAGE_SIZE, 0, RW, 0, -EINVAL },
	{ "guest frame beyond 52 bits", 1ULL << 40, PAGE_SIZE, 0, RW, 0, -EINVAL },
	{ "kernel address", 0x10, PAGE_SIZE, KERNEL_ADDR, RW, 0, -EFAULT },
	{ "unmapped user memory", 0x10, PAGE_SIZE, UNMAPPED, RW, 0, -EFAULT },
	{ "unmap of nothing", 0x10, PAGE_SIZE, 0, BIT(MSHV_SET_MEM_BIT_UNMAP), 0,
	  -ENOENT },
};

KUNIT_ARRAY_PARAM_DESC(bad_mem, bad_mem_cases, name);

static void set_memory_rejects_bad_input(struct kunit *test)
{
	const struct bad_mem_case *c = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	unsigned long uaddr = mshv_test_memory(test, 2 * PAGE_SIZE, false);
	struct mshv_user_mem_region mem = {
		.size = c->size,
		.guest_pfn = c->gfn,
		.flags = c->flags,
		.rsvd[6] = c->rsvd,
	};
	unsigned int calls = fake->nr_calls;

	if (c->uaddr_off == KERNEL_ADDR) {
		mem.userspace_addr = (unsigned long)fake & PAGE_MASK;
	} else if (c->uaddr_off == UNMAPPED) {
		vm_munmap(uaddr, 2 * PAGE_SIZE);
		mem.userspace_addr = uaddr;
	} else {
		mem.userspace_addr = uaddr + c->uaddr_off;
	}
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(env->fd, MSHV_SET_GUEST_MEMORY,
					      mshv_test_user_arg(test, &mem, sizeof(mem))),
			c->ret);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, calls);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
	mshv_test_close(env->fd);
}

/* Overlaps in guest space fail with EEXIST; an unmap must match exactly. */
static void overlaps_and_exact_unmap(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	unsigned long uaddr = mshv_test_memory(test, 16 * PAGE_SIZE, false);
	u64 unmap = BIT(MSHV_SET_MEM_BIT_UNMAP);
	int pins = mshv_test_page_pins(test, uaddr + 8 * PAGE_SIZE);
	unsigned int unmaps;

	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, 0x20, 4 * PAGE_SIZE,
						   uaddr, RW), 0);
	/* Overlap at the start, the end, inside, around. */
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x1e, 4 * PAGE_SIZE,
						   uaddr + 8 * PAGE_SIZE, RW), -EEXIST);
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x23, 4 * PAGE_SIZE,
						   uaddr + 8 * PAGE_SIZE, RW), -EEXIST);
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x21, PAGE_SIZE,
						   uaddr + 8 * PAGE_SIZE, RW), -EEXIST);
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x1f, 8 * PAGE_SIZE,
						   uaddr + 8 * PAGE_SIZE, RW), -EEXIST);
	KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr + 8 * PAGE_SIZE), pins);
	/* Adjacent is fine. */
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x24, PAGE_SIZE,
						   uaddr + 8 * PAGE_SIZE, 0), 0);
	expect_mapped(test, env->id, 0x24, 1, uaddr + 8 * PAGE_SIZE, 0);

	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x20, 3 * PAGE_SIZE,
						   uaddr, unmap), -ENOENT);
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x20, 4 * PAGE_SIZE,
						   uaddr + PAGE_SIZE, unmap), -ENOENT);
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x21, 3 * PAGE_SIZE,
						   uaddr + PAGE_SIZE, unmap), -ENOENT);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 5);

	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x20, 4 * PAGE_SIZE,
						   uaddr, unmap), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 1);
	/* Release unmaps (so the hypervisor can free its page tables) and unpins. */
	unmaps = mshv_fake_hv_count_calls(fake, HVCALL_UNMAP_GPA_PAGES);
	mshv_test_close(env->fd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_UNMAP_GPA_PAGES),
			unmaps + 1);
	KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr + 8 * PAGE_SIZE), pins);
}

/*
 * A map that fails at any of its hypercalls, in any batch, leaves nothing
 * mapped and nothing pinned.
 */
static void map_fails_at_every_call(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	u64 frames = 1100;	/* three MAP_GPA_PAGES calls */
	unsigned long uaddr = mshv_test_memory(test, frames * PAGE_SIZE, false);
	int pins = mshv_test_page_pins(test, uaddr + (frames - 1) * PAGE_SIZE);
	unsigned int n;

	for (n = 1; n <= 3; n++) {
		fake->fail_at_call = fake->nr_calls + n;
		fake->fail_status = HV_STATUS_INVALID_PARAMETER;
		KUNIT_EXPECT_EQ_MSG(test, mshv_test_set_memory(test, env->fd, 0x1000,
							       frames * PAGE_SIZE, uaddr, RW),
				    -EINVAL, "failing call %u", n);
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
		KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr + (frames - 1) * PAGE_SIZE),
				pins);
	}
	/* Partial completion, then failure mid-batch: still all undone. */
	fake->max_reps_per_call = 100;
	fake->fail_at_call = fake->nr_calls + 7;
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x1000,
						   frames * PAGE_SIZE, uaddr, RW), -EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);

	/* And the same region maps fine afterwards. */
	fake->fail_at_call = 0;
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x1000,
						   frames * PAGE_SIZE, uaddr, RW), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, frames);
	mshv_test_close(env->fd);
	KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr + (frames - 1) * PAGE_SIZE),
			pins);
}

/*
 * A map fails, and so does the unmap that undoes it: what the hypervisor
 * still maps stays pinned, as a region the VMM can unmap later.
 */
static void map_rollback_failure_keeps_pins(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	u64 frames = 1100;
	unsigned long uaddr = mshv_test_memory(test, frames * PAGE_SIZE, false);

	/* MAP #1 succeeds, MAP #2 and the undoing UNMAP fail. */
	fake->fail_at_call = fake->nr_calls + 2;
	fake->fail_repeat = 1;
	fake->fail_status = HV_STATUS_INVALID_PARAMETER;
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x1000,
						   frames * PAGE_SIZE, uaddr, RW), -EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped,
			HV_MAP_GPA_BATCH_SIZE);
	KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr), 1);
	/* The frames are still taken. */
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x1000, PAGE_SIZE,
						   uaddr, RW), -EEXIST);

	fake->fail_at_call = 0;
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x1000,
						   frames * PAGE_SIZE, uaddr,
						   BIT(MSHV_SET_MEM_BIT_UNMAP)), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
	KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr), 0);
	mshv_test_close(env->fd);
}

/*
 * Fail each allocation a map makes, in turn, through the task's fail-nth
 * counter: an errno every time, nothing mapped, nothing pinned; and once
 * the counter outlasts the allocations, the map succeeds.
 */
static void map_fails_at_every_allocation(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	u64 frames = 1100;
	unsigned long uaddr = mshv_test_memory(test, frames * PAGE_SIZE, false);
	int pins = mshv_test_page_pins(test, uaddr);
	struct mshv_user_mem_region mem = {
		.size = frames * PAGE_SIZE,
		.guest_pfn = 0x4000,
		.userspace_addr = uaddr,
		.flags = RW,
	};
	void __user *uarg = mshv_test_user_arg(test, &mem, sizeof(mem));
	unsigned int n, left;
	long ret;

	/* The map also needs memory once, so the deposit's allocations count. */
	for (n = 1; n < 100; n++) {
		fake->need_memory_calls = 1;
		fake->need_memory_status = HV_STATUS_INSUFFICIENT_MEMORY;
		fake->need_memory_code = HVCALL_MAP_GPA_PAGES;
		mshv_test_fail_nth(test, n);
		ret = mshv_test_ioctl(env->fd, MSHV_SET_GUEST_MEMORY, uarg);
		left = mshv_test_fail_nth_left();
		mshv_test_fail_nth(test, 0);
		if (!ret)
			break;
		KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "allocation %u", n);
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
		KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr), pins);
	}
	KUNIT_EXPECT_GT(test, left, 0);
	/* ext list, pin batch, region, map buffer, deposit list, 16 pages */
	KUNIT_EXPECT_GE(test, n, 22);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, frames);
	mshv_test_close(env->fd);
	KUNIT_EXPECT_EQ(test, mshv_test_page_pins(test, uaddr), pins);
}

/* The hypervisor asks for memory while mapping: it goes to the partition. */
static void map_deposits_on_demand(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	unsigned long uaddr = mshv_test_memory(test, 600 * PAGE_SIZE, false);

	fake->need_memory_calls = 3;
	fake->need_memory_status = HV_STATUS_INSUFFICIENT_MEMORY;
	fake->need_memory_code = HVCALL_MAP_GPA_PAGES;
	fake->max_reps_per_call = 200;
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0, 600 * PAGE_SIZE,
						   uaddr, RW), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 600);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_deposited, 48);
	/* Release withdraws the deposits: the suite exit checks it. */
	mshv_test_close(env->fd);
}

/* A failed unmap keeps the region (and its pins): the guest may still see it. */
static void unmap_failure_keeps_region(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	unsigned long uaddr = mshv_test_memory(test, 8 * PAGE_SIZE, false);
	u8 unmap = BIT(MSHV_SET_MEM_BIT_UNMAP);

	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, 0x40, 8 * PAGE_SIZE,
						   uaddr, RW), 0);
	fake->fail_at_call = fake->nr_calls + 1;
	fake->fail_status = HV_STATUS_ACCESS_DENIED;
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x40, 8 * PAGE_SIZE,
						   uaddr, unmap), -EACCES);
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x40, 8 * PAGE_SIZE,
						   uaddr, unmap), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
	mshv_test_close(env->fd);
}

static void access_bitmap(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	u64 frames = 5000, gfn = 0x2000;
	unsigned long uaddr = mshv_test_memory(test, frames * PAGE_SIZE, false);
	unsigned long ubitmap = mshv_test_mmap(test, PAGE_SIZE);
	struct mshv_gpap_access_bitmap args = {
		.access_type = MSHV_GPAP_ACCESS_TYPE_DIRTY,
		.access_op = MSHV_GPAP_ACCESS_OP_CLEAR,
		.page_count = frames,
		.gpap_base = gfn,
		.bitmap_ptr = ubitmap,
	};
	static const u64 dirty[] = { 3, 9, 17, 4094, 4095, 4999 };
	u8 bitmap[DIV_ROUND_UP(5000, 8)];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, gfn, frames * PAGE_SIZE,
						   uaddr, RW), 0);
	for (i = 0; i < ARRAY_SIZE(dirty); i++)
		mshv_fake_hv_set_gpa_bits(fake, env->id, gfn + dirty[i],
					  MSHV_FAKE_GPA_DIRTY);
	mshv_fake_hv_set_gpa_bits(fake, env->id, gfn + 5, MSHV_FAKE_GPA_ACCESSED);

	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(env->fd, MSHV_GET_GPAP_ACCESS_BITMAP,
					      mshv_test_user_arg(test, &args, sizeof(args))), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(bitmap, (void __user *)ubitmap,
					     sizeof(bitmap)), 0);
	for (i = 0; i < frames; i++) {
		bool want = false;
		unsigned int k;

		for (k = 0; k < ARRAY_SIZE(dirty); k++)
			want |= dirty[k] == i;
		KUNIT_EXPECT_EQ_MSG(test, !!(bitmap[i / 8] & BIT(i % 8)), want,
				    "frame %u", i);
	}
	/* 4095 states a call. */
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_GET_GPA_PAGES_ACCESS_STATES),
			2);

	/* Cleared by the first read. */
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(env->fd, MSHV_GET_GPAP_ACCESS_BITMAP,
					      mshv_test_user_arg(test, &args, sizeof(args))), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(bitmap, (void __user *)ubitmap,
					     sizeof(bitmap)), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(bitmap, 0, sizeof(bitmap)));

	/* Accessed bits are separate. */
	args.access_type = MSHV_GPAP_ACCESS_TYPE_ACCESSED;
	args.access_op = MSHV_GPAP_ACCESS_OP_NOOP;
	args.page_count = 8;
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(env->fd, MSHV_GET_GPAP_ACCESS_BITMAP,
					      mshv_test_user_arg(test, &args, sizeof(args))), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(bitmap, (void __user *)ubitmap, 1), 0);
	KUNIT_EXPECT_EQ(test, bitmap[0], BIT(5));
	mshv_test_close(env->fd);
}

static void forget_sigkill(void *unused)
{
	flush_signals(current);
	disallow_signal(SIGKILL);
}

/*
 * A fatal signal stops the read before a chunk's hypercall, never after
 * it: bits the hypervisor cleared must reach the VMM.
 */
static void access_bitmap_fatal_signal_loses_nothing(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	unsigned long uaddr = mshv_test_memory(test, 8 * PAGE_SIZE, false);
	unsigned long ubitmap = mshv_test_mmap(test, PAGE_SIZE);
	struct mshv_gpap_access_bitmap args = {
		.access_type = MSHV_GPAP_ACCESS_TYPE_DIRTY,
		.access_op = MSHV_GPAP_ACCESS_OP_CLEAR,
		.page_count = 8,
		.gpap_base = 0x40,
		.bitmap_ptr = ubitmap,
	};
	unsigned int calls;
	u8 bitmap;

	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, 0x40, 8 * PAGE_SIZE,
						   uaddr, RW), 0);
	mshv_fake_hv_set_gpa_bits(fake, env->id, 0x42, MSHV_FAKE_GPA_DIRTY);
	calls = mshv_fake_hv_count_calls(fake, HVCALL_GET_GPA_PAGES_ACCESS_STATES);

	allow_signal(SIGKILL);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, forget_sigkill, NULL), 0);
	send_sig(SIGKILL, current, 0);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(env->fd, MSHV_GET_GPAP_ACCESS_BITMAP,
					      mshv_test_user_arg(test, &args, sizeof(args))),
			-EINTR);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_GET_GPA_PAGES_ACCESS_STATES),
			calls);
	kunit_release_action(test, forget_sigkill, NULL);

	/* The dirty bit is still there for the next read. */
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(env->fd, MSHV_GET_GPAP_ACCESS_BITMAP,
					      mshv_test_user_arg(test, &args, sizeof(args))), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&bitmap, (void __user *)ubitmap, 1), 0);
	KUNIT_EXPECT_EQ(test, bitmap, BIT(2));
	mshv_test_close(env->fd);
}

static void access_bitmap_rejects_bad_input(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	struct mshv_gpap_access_bitmap good = {
		.page_count = 8,
		.bitmap_ptr = mshv_test_mmap(test, PAGE_SIZE),
	}, bad[6];
	unsigned int i, calls = fake->nr_calls;
	static const int want[] = { -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL,
				    -EFAULT };

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		bad[i] = good;
	bad[0].access_type = MSHV_GPAP_ACCESS_TYPE_COUNT;
	bad[1].access_op = MSHV_GPAP_ACCESS_OP_COUNT;
	bad[2].rsvd[3] = 1;
	bad[3].page_count = 0;
	bad[4].gpap_base = U64_MAX;
	bad[5].bitmap_ptr = (unsigned long)fake;	/* a kernel address */
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    mshv_test_ioctl(env->fd, MSHV_GET_GPAP_ACCESS_BITMAP,
						    mshv_test_user_arg(test, &bad[i],
								       sizeof(bad[i]))),
				    want[i], "case %u", i);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, calls);
	mshv_test_close(env->fd);
}

/* A device mapping: the pfn to map is the file's private data. */
static int mmio_mmap(struct file *file, struct vm_area_struct *vma)
{
	return remap_pfn_range(vma, vma->vm_start,
			       (unsigned long)file->private_data,
			       vma->vm_end - vma->vm_start,
			       pgprot_noncached(vma->vm_page_prot));
}

static const struct file_operations mmio_fops = {
	.mmap = mmio_mmap,
};

static unsigned long mmio_memory_prot(struct kunit *test, unsigned long pfn,
				      size_t len, unsigned long prot)
{
	struct file *file;
	unsigned long addr;

	file = anon_inode_getfile("mshv_test_mmio", &mmio_fops, (void *)pfn,
				  O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	addr = kunit_vm_mmap(test, file, 0, len, prot, MAP_SHARED, 0);
	fput(file);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return addr;
}

static unsigned long mmio_memory(struct kunit *test, unsigned long pfn,
				 size_t len)
{
	return mmio_memory_prot(test, pfn, len, PROT_READ | PROT_WRITE);
}

/* MMIO (a VM_PFNMAP mapping) is mapped uncached, frame for frame. */
static void mmio_maps_uncached(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	/* Far above the guest's RAM: no page behind it. */
	unsigned long pfn = 1UL << (36 - PAGE_SHIFT);
	unsigned long uaddr = mmio_memory(test, pfn, 4 * PAGE_SIZE);
	unsigned int bits, i;
	u64 got;

	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, 0x50, 4 * PAGE_SIZE,
						   uaddr, RW), 0);
	for (i = 0; i < 4; i++) {
		KUNIT_ASSERT_TRUE(test, mshv_fake_hv_gpa(fake, env->id, 0x50 + i, &got,
							 &bits));
		KUNIT_EXPECT_EQ(test, got, pfn + i);
		KUNIT_EXPECT_EQ(test, bits, MSHV_FAKE_GPA_WRITABLE | MSHV_FAKE_GPA_NOT_CACHED);
	}
	/* A region may not run past the end of the device mapping. */
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x60, 5 * PAGE_SIZE,
						   uaddr, RW), -EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x50, 4 * PAGE_SIZE,
						   uaddr, BIT(MSHV_SET_MEM_BIT_UNMAP)), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
	mshv_test_close(env->fd);
}

/* A device mapping filled on first touch, as vfio-pci maps its BARs. */
static vm_fault_t lazy_mmio_fault(struct vm_fault *vmf)
{
	unsigned long pfn = (unsigned long)vmf->vma->vm_file->private_data;

	return vmf_insert_pfn(vmf->vma, vmf->address,
			      pfn + (vmf->address - vmf->vma->vm_start) / PAGE_SIZE);
}

static const struct vm_operations_struct lazy_mmio_vm_ops = {
	.fault = lazy_mmio_fault,
};

static int lazy_mmio_mmap(struct file *file, struct vm_area_struct *vma)
{
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_ops = &lazy_mmio_vm_ops;
	return 0;
}

static const struct file_operations lazy_mmio_fops = {
	.mmap = lazy_mmio_mmap,
};

/* MMIO nobody touched yet is faulted in, not refused. */
static void mmio_faults_in_untouched_frames(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	unsigned long pfn = 1UL << (36 - PAGE_SHIFT);
	unsigned long uaddr;
	struct file *file;
	u64 got;

	file = anon_inode_getfile("mshv_test_lazy_mmio", &lazy_mmio_fops,
				  (void *)pfn, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	uaddr = kunit_vm_mmap(test, file, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_SHARED, 0);
	fput(file);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(uaddr));

	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, 0x70, 4 * PAGE_SIZE,
						   uaddr, RW), 0);
	KUNIT_ASSERT_TRUE(test, mshv_fake_hv_gpa(fake, env->id, 0x73, &got, NULL));
	KUNIT_EXPECT_EQ(test, got, pfn + 3);
	mshv_test_close(env->fd);
}

/* The guest may write MMIO only where the VMM may. */
static void mmio_read_only(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	unsigned long pfn = 1UL << (36 - PAGE_SHIFT);
	unsigned long uaddr = mmio_memory_prot(test, pfn, 2 * PAGE_SIZE, PROT_READ);
	unsigned int bits;

	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x50, 2 * PAGE_SIZE,
						   uaddr, RW), -EPERM);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x50, 2 * PAGE_SIZE,
						   uaddr, 0), 0);
	KUNIT_ASSERT_TRUE(test, mshv_fake_hv_gpa(fake, env->id, 0x51, NULL, &bits));
	KUNIT_EXPECT_EQ(test, bits, MSHV_FAKE_GPA_NOT_CACHED);
	mshv_test_close(env->fd);
}

static void free_page_action(void *page)
{
	__free_page(page);
}

/* RAM behind a device mapping is refused: nothing would keep it alive. */
static void mmio_refuses_ram(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct region_env *env = env_create(test);
	struct page *page = alloc_page(GFP_KERNEL);
	unsigned int calls = fake->nr_calls;
	unsigned long uaddr;

	KUNIT_ASSERT_NOT_NULL(test, page);
	/* Registered first, so it runs after the mapping is gone. */
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, free_page_action, page), 0);
	uaddr = mmio_memory(test, page_to_pfn(page), PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, mshv_test_set_memory(test, env->fd, 0x50, PAGE_SIZE, uaddr,
						   RW), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, calls);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, env->id)->nr_mapped, 0);
	mshv_test_close(env->fd);
}

/* Lookups by guest frame find the right region among many. */
static void region_lookup(struct kunit *test)
{
	struct region_env *env = env_create(test);
	unsigned long uaddr = mshv_test_memory(test, 64 * PAGE_SIZE, false);
	struct file *file = fget(env->fd);
	struct mshv_partition *pt = file->private_data;
	unsigned int i;

	for (i = 0; i < 32; i++)
		KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, 0x100 + 4 * i,
							   2 * PAGE_SIZE,
							   uaddr + 2 * i * PAGE_SIZE, RW), 0);
	mutex_lock(&pt->mutex);
	KUNIT_EXPECT_EQ(test, pt->nr_regions, 32);
	for (i = 0; i < 32; i++) {
		struct mshv_region *r = mshv_partition_region_at(pt, 0x101 + 4 * i);

		KUNIT_ASSERT_NOT_NULL(test, r);
		KUNIT_EXPECT_EQ(test, r->node.start, 0x100 + 4 * i);
		KUNIT_EXPECT_EQ(test, r->uaddr, uaddr + 2 * i * PAGE_SIZE);
		KUNIT_EXPECT_NULL(test, mshv_partition_region_at(pt, 0x102 + 4 * i));
	}
	mutex_unlock(&pt->mutex);
	fput(file);
	mshv_test_close(env->fd);
}

/* The description of a region is per extent, not per page. */
static void region_metadata_is_compact(struct kunit *test)
{
	struct region_env *env = env_create(test);
	u64 frames = 4 * HV_LARGE_PAGE_FRAMES;
	unsigned long uaddr = mshv_test_memory(test, frames * PAGE_SIZE, true);
	struct file *file = fget(env->fd);
	struct mshv_partition *pt = file->private_data;
	struct mshv_region *r;

	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, env->fd, 0x800,
						   frames * PAGE_SIZE, uaddr, RW), 0);
	mutex_lock(&pt->mutex);
	r = mshv_partition_region_at(pt, 0x800);
	KUNIT_ASSERT_NOT_NULL(test, r);
	/* At most one extent per 2 MiB folio. */
	KUNIT_EXPECT_LE(test, r->nr_extents, 4);
	KUNIT_EXPECT_LE(test, mshv_region_meta_bytes(r), sizeof(*r) + 4 * sizeof(u64));
	mutex_unlock(&pt->mutex);
	fput(file);
	mshv_test_close(env->fd);
}

static struct kunit_case mshv_regions_cases[] = {
	KUNIT_CASE(map_and_unmap_4k),
	KUNIT_CASE_PARAM(map_uses_fewest_hypercalls, count_gen_params),
	KUNIT_CASE_PARAM(set_memory_rejects_bad_input, bad_mem_gen_params),
	KUNIT_CASE(overlaps_and_exact_unmap),
	KUNIT_CASE(map_fails_at_every_call),
	KUNIT_CASE(map_fails_at_every_allocation),
	KUNIT_CASE(map_rollback_failure_keeps_pins),
	KUNIT_CASE(map_deposits_on_demand),
	KUNIT_CASE(unmap_failure_keeps_region),
	KUNIT_CASE(access_bitmap),
	KUNIT_CASE(access_bitmap_fatal_signal_loses_nothing),
	KUNIT_CASE(access_bitmap_rejects_bad_input),
	KUNIT_CASE(mmio_maps_uncached),
	KUNIT_CASE(mmio_read_only),
	KUNIT_CASE(mmio_faults_in_untouched_frames),
	KUNIT_CASE(mmio_refuses_ram),
	KUNIT_CASE(region_lookup),
	KUNIT_CASE(region_metadata_is_compact),
	{}
};

static struct kunit_suite mshv_regions_suite = {
	.name = "mshv_regions",
	.init = mshv_test_init,
	.exit = mshv_test_exit,
	.test_cases = mshv_regions_cases,
};

kunit_test_suite(mshv_regions_suite);
