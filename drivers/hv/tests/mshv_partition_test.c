// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of partitions as a VMM sees them: MSHV_CREATE_PARTITION (v1
 * and v2), MSHV_INITIALIZE_PARTITION, release, and MSHV_ROOT_HVCALL on
 * /dev/mshv and on a partition fd, asserting on both what the caller gets
 * and what the fake hypervisor holds afterwards.
 */

#include <kunit/test.h>

#include "mshv_test_user.h"

#define ALWAYS_FLAGS	(HV_PARTITION_CREATION_FLAG_EXO_PARTITION | \
			 HV_PARTITION_CREATION_FLAG_INTERCEPT_MESSAGE_PAGE_ENABLED)

struct flag_case {
	const char *name;
	u64 pt_flags;
	u64 hv_flags;
};

static const struct flag_case flag_cases[] = {
	{ "none", 0, ALWAYS_FLAGS },
	{ "lapic", BIT(MSHV_PT_BIT_LAPIC),
	  ALWAYS_FLAGS | HV_PARTITION_CREATION_FLAG_LAPIC_ENABLED },
	{ "x2apic", BIT(MSHV_PT_BIT_X2APIC),
	  ALWAYS_FLAGS | HV_PARTITION_CREATION_FLAG_X2APIC_CAPABLE },
	{ "gpa super pages", BIT(MSHV_PT_BIT_GPA_SUPER_PAGES),
	  ALWAYS_FLAGS | HV_PARTITION_CREATION_FLAG_GPA_SUPER_PAGES_ENABLED },
	{ "nested", BIT(MSHV_PT_BIT_NESTED_VIRTUALIZATION),
	  ALWAYS_FLAGS | HV_PARTITION_CREATION_FLAG_NESTED_VIRTUALIZATION_CAPABLE },
	{ "smt", BIT(MSHV_PT_BIT_SMT_ENABLED_GUEST),
	  ALWAYS_FLAGS | HV_PARTITION_CREATION_FLAG_SMT_ENABLED_GUEST },
	{ "all but v2", MSHV_PT_FLAGS_MASK & ~BIT(MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES),
	  ALWAYS_FLAGS | HV_PARTITION_CREATION_FLAG_LAPIC_ENABLED |
	  HV_PARTITION_CREATION_FLAG_X2APIC_CAPABLE |
	  HV_PARTITION_CREATION_FLAG_GPA_SUPER_PAGES_ENABLED |
	  HV_PARTITION_CREATION_FLAG_NESTED_VIRTUALIZATION_CAPABLE |
	  HV_PARTITION_CREATION_FLAG_SMT_ENABLED_GUEST },
};

KUNIT_ARRAY_PARAM_DESC(flag, flag_cases, name);

/* Each user flag becomes its creation flag; release leaves nothing. */
static void create_and_release(struct kunit *test)
{
	const struct flag_case *c = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_partition *pt;
	int fd;

	fd = mshv_test_create_partition(test, c->pt_flags);
	KUNIT_ASSERT_GE(test, fd, 0);
	pt = mshv_fake_hv_partition(fake, mshv_test_only_partition(test));
	KUNIT_ASSERT_NOT_NULL(test, pt);
	KUNIT_EXPECT_EQ(test, pt->flags, c->hv_flags);
	KUNIT_EXPECT_EQ(test, pt->state, MSHV_FAKE_PT_CREATED);
	/* The fd is close-on-exec. */
	rcu_read_lock();
	KUNIT_EXPECT_TRUE(test, close_on_exec(fd, current->files));
	rcu_read_unlock();

	mshv_test_close(fd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_DELETE_PARTITION), 1);
}

struct bad_create_case {
	const char *name;
	struct mshv_create_partition_v2 args;
};

#define V2	BIT(MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES)

static const struct bad_create_case bad_create_cases[] = {
	{ "unknown flag bit 6", { .pt_flags = BIT(6) } },
	{ "unknown flag bit 63", { .pt_flags = BIT_ULL(63) } },
	{ "isolation 1", { .pt_isolation = 1 } },
	{ "isolation ~0", { .pt_isolation = ~0ULL } },
	{ "v2 with 0 banks", { .pt_flags = V2, .pt_num_cpu_fbanks = 0 } },
	{ "v2 with 1 bank", { .pt_flags = V2, .pt_num_cpu_fbanks = 1 } },
	{ "v2 with 3 banks", { .pt_flags = V2, .pt_num_cpu_fbanks = 3 } },
	{ "v2 rsvd", { .pt_flags = V2, .pt_num_cpu_fbanks = 2, .pt_rsvd[5] = 1 } },
	{ "v2 rsvd1", { .pt_flags = V2, .pt_num_cpu_fbanks = 2, .pt_rsvd1[1] = 1 } },
};

KUNIT_ARRAY_PARAM_DESC(bad_create, bad_create_cases, name);

static void create_rejects_bad_input(struct kunit *test)
{
	const struct bad_create_case *c = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	void __user *uarg = mshv_test_user_arg(test, &c->args, sizeof(c->args));

	KUNIT_EXPECT_EQ(test, mshv_dev_ioctl(NULL, MSHV_CREATE_PARTITION,
					     (unsigned long)uarg), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 0);
}

static void create_faults(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_create_partition_v2 v2 = { .pt_flags = V2 };
	unsigned long uaddr = mshv_test_mmap(test, 2 * PAGE_SIZE);
	void __user *end;

	KUNIT_EXPECT_EQ(test, mshv_dev_ioctl(NULL, MSHV_CREATE_PARTITION, 0),
			-EFAULT);
	/* A v2 argument that runs off the end of the caller's memory. */
	vm_munmap(uaddr + PAGE_SIZE, PAGE_SIZE);
	end = (void __user *)(uaddr + PAGE_SIZE - sizeof(struct mshv_create_partition));
	KUNIT_ASSERT_EQ(test, copy_to_user(end, &v2, sizeof(struct mshv_create_partition)), 0);
	KUNIT_EXPECT_EQ(test, mshv_dev_ioctl(NULL, MSHV_CREATE_PARTITION,
					     (unsigned long)end), -EFAULT);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 0);
	KUNIT_EXPECT_EQ(test, mshv_dev_ioctl(NULL, _IO(MSHV_IOCTL, 0x55), 0),
			-ENOTTY);
}

static void create_v2_and_initialize(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_create_partition_v2 v2 = {
		.pt_flags = V2 | BIT(MSHV_PT_BIT_LAPIC),
		.pt_num_cpu_fbanks = MSHV_NUM_CPU_FEATURES_BANKS,
		.pt_cpu_fbanks = { 0x5, 0x6 },
		.pt_disabled_xsave = 0x7,
	};
	void __user *uarg = mshv_test_user_arg(test, &v2, sizeof(v2));
	struct mshv_fake_partition *pt;
	int fd;

	fd = mshv_dev_ioctl(NULL, MSHV_CREATE_PARTITION, (unsigned long)uarg);
	KUNIT_ASSERT_GE(test, fd, 0);
	pt = mshv_fake_hv_partition(fake, mshv_test_only_partition(test));
	KUNIT_EXPECT_EQ(test, pt->flags,
			ALWAYS_FLAGS | HV_PARTITION_CREATION_FLAG_LAPIC_ENABLED);

	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, MSHV_INITIALIZE_PARTITION, NULL), 0);
	KUNIT_EXPECT_EQ(test, pt->state, MSHV_FAKE_PT_INITIALIZED);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, MSHV_INITIALIZE_PARTITION, NULL),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_INITIALIZE_PARTITION), 1);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, _IO(MSHV_IOCTL, 0x55), NULL), -ENOTTY);
	mshv_test_close(fd);
}

/*
 * Creation fails at each of its hypercalls in turn (with one memory
 * request on the way): the caller gets an errno, no fd, no partition.
 */
static void create_fails_at_every_call(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int n;

	/* CREATE (needs memory), DEPOSIT, CREATE */
	for (n = 1; n <= 3; n++) {
		fake->nr_calls = 0;
		fake->fail_at_call = n;
		fake->fail_status = HV_STATUS_ACCESS_DENIED;
		fake->need_memory_calls = 1;
		fake->need_memory_status = HV_STATUS_INSUFFICIENT_MEMORY;
		fake->need_memory_code = HVCALL_CREATE_PARTITION;

		KUNIT_EXPECT_EQ_MSG(test, mshv_test_create_partition(test, 0),
				    -EACCES, "failing call %u", n);
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 0);
	}
	fake->fail_at_call = 0;
	/* What went into the root's pool on the way is the root's. */
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(HV_PARTITION_ID_SELF, NULL), 0);
}

/* Creation fails at each of its allocations in turn, then succeeds. */
static void create_fails_at_every_allocation(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_create_partition args = {};
	void __user *uarg = mshv_test_user_arg(test, &args, sizeof(args));
	unsigned int n;
	long fd;

	for (n = 1; n < 100; n++) {
		fake->need_memory_calls = 1;
		fake->need_memory_status = HV_STATUS_INSUFFICIENT_MEMORY;
		fake->need_memory_code = HVCALL_CREATE_PARTITION;
		mshv_test_fail_nth(test, n);
		fd = mshv_dev_ioctl(NULL, MSHV_CREATE_PARTITION, (unsigned long)uarg);
		mshv_test_fail_nth(test, 0);
		if (fd >= 0)
			break;
		KUNIT_EXPECT_EQ_MSG(test, fd, -ENOMEM, "allocation %u", n);
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 0);
	}
	/* partition, deposit list, 16 deposited pages */
	KUNIT_EXPECT_EQ(test, n, 19);
	KUNIT_ASSERT_GE(test, fd, 0);
	mshv_test_close(fd);
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(HV_PARTITION_ID_SELF, NULL), 0);
}

/*
 * Initialization that fails, at its hypercalls or its allocations (it
 * asks for memory once), leaves the partition created and able to try
 * again.
 */
static void initialize_failures(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_partition *pt;
	unsigned int n;
	long ret;
	int fd;

	fd = mshv_test_create_partition(test, 0);
	KUNIT_ASSERT_GE(test, fd, 0);
	pt = mshv_fake_hv_partition(fake, mshv_test_only_partition(test));

	/* INITIALIZE (needs memory), DEPOSIT, INITIALIZE */
	for (n = 1; n <= 3; n++) {
		fake->need_memory_calls = 1;
		fake->need_memory_status = HV_STATUS_INSUFFICIENT_MEMORY;
		fake->need_memory_code = HVCALL_INITIALIZE_PARTITION;
		fake->fail_at_call = fake->nr_calls + n;
		fake->fail_status = HV_STATUS_ACCESS_DENIED;
		KUNIT_EXPECT_EQ_MSG(test, mshv_test_ioctl(fd, MSHV_INITIALIZE_PARTITION, NULL),
				    -EACCES, "failing call %u", n);
		KUNIT_EXPECT_EQ(test, pt->state, MSHV_FAKE_PT_CREATED);
	}
	fake->fail_at_call = 0;

	for (n = 1; n < 100; n++) {
		fake->need_memory_calls = 1;
		mshv_test_fail_nth(test, n);
		ret = mshv_test_ioctl(fd, MSHV_INITIALIZE_PARTITION, NULL);
		mshv_test_fail_nth(test, 0);
		if (!ret)
			break;
		KUNIT_EXPECT_EQ_MSG(test, ret, -ENOMEM, "allocation %u", n);
		KUNIT_EXPECT_EQ(test, pt->state, MSHV_FAKE_PT_CREATED);
	}
	/* deposit list and 16 pages */
	KUNIT_EXPECT_EQ(test, n, 18);
	KUNIT_EXPECT_EQ(test, pt->state, MSHV_FAKE_PT_INITIALIZED);
	mshv_test_close(fd);
}

/* Every teardown step failing once still leaves nothing behind. */
static void release_survives_failures(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int n;

	/* FINALIZE, WITHDRAW (nothing to give back), DELETE */
	for (n = 1; n <= 3; n++) {
		int fd = mshv_test_create_partition(test, 0);

		KUNIT_ASSERT_GE(test, fd, 0);
		KUNIT_ASSERT_EQ(test, mshv_test_ioctl(fd, MSHV_INITIALIZE_PARTITION,
						      NULL), 0);
		fake->fail_at_call = fake->nr_calls + n;
		fake->fail_status = HV_STATUS_INVALID_PARAMETER;
		mshv_test_close(fd);
		KUNIT_EXPECT_EQ_MSG(test, mshv_fake_hv_nr_partitions(fake), 0,
				    "failing teardown call %u", n);
	}
}

/* The teardown's one allocation failing is retried too. */
static void release_survives_allocation_failure(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int n;

	for (n = 1; n <= 2; n++) {
		int fd = mshv_test_create_partition(test, 0);

		KUNIT_ASSERT_GE(test, fd, 0);
		mshv_test_fail_nth(test, n);
		mshv_test_close(fd);
		mshv_test_fail_nth(test, 0);
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 0);
	}
}

struct hvcall_case {
	const char *name;
	struct mshv_root_hvcall args;
	int ret;
};

static const struct hvcall_case bad_hvcall_cases[] = {
	{ "input smaller than a partition id",
	  { .code = HVCALL_GET_PARTITION_PROPERTY, .in_sz = 4 }, -EINVAL },
	{ "input larger than a page",
	  { .code = HVCALL_GET_PARTITION_PROPERTY, .in_sz = 4097 }, -EINVAL },
	{ "output larger than a page",
	  { .code = HVCALL_GET_PARTITION_PROPERTY, .in_sz = 16, .out_sz = 4097 },
	  -EINVAL },
	{ "output size without buffer",
	  { .code = HVCALL_GET_PARTITION_PROPERTY, .in_sz = 16, .out_sz = 8,
	    .out_ptr = 0 }, -EINVAL },
	{ "status set on entry",
	  { .code = HVCALL_GET_PARTITION_PROPERTY, .in_sz = 16, .status = 1 },
	  -EINVAL },
	{ "reserved byte set",
	  { .code = HVCALL_GET_PARTITION_PROPERTY, .in_sz = 16, .rsvd[5] = 1 },
	  -EINVAL },
	{ "more reps than a control word holds",
	  { .code = HVCALL_GET_PARTITION_PROPERTY, .in_sz = 16, .reps = 0x1000 },
	  -EINVAL },
	{ "not on the allowlist: map",
	  { .code = HVCALL_MAP_GPA_PAGES, .in_sz = 24 }, -EINVAL },
	{ "not on the allowlist: deposit",
	  { .code = HVCALL_DEPOSIT_MEMORY, .in_sz = 16 }, -EINVAL },
	{ "not on the allowlist: delete",
	  { .code = HVCALL_DELETE_PARTITION, .in_sz = 8 }, -EINVAL },
};

KUNIT_ARRAY_PARAM_DESC(bad_hvcall, bad_hvcall_cases, name);

static void hvcall_rejects_bad_input(struct kunit *test)
{
	const struct hvcall_case *c = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_root_hvcall args = c->args;
	unsigned long buf = mshv_test_mmap(test, PAGE_SIZE);
	int fd = mshv_test_create_partition(test, 0);
	unsigned int calls;

	KUNIT_ASSERT_GE(test, fd, 0);
	args.in_ptr = buf;
	calls = fake->nr_calls;
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, MSHV_ROOT_HVCALL,
					      mshv_test_user_arg(test, &args, sizeof(args))),
			c->ret);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, calls);
	mshv_test_close(fd);
}

static long issue_hvcall(struct kunit *test, int fd, struct mshv_root_hvcall *args,
			 const void *in, size_t in_sz, void *out)
{
	void __user *uin = mshv_test_user_arg(test, in, in_sz);
	unsigned long uout = mshv_test_mmap(test, PAGE_SIZE);
	void __user *uargs;
	long ret;

	args->in_ptr = (u64)(unsigned long)uin;
	args->in_sz = in_sz;
	args->out_ptr = args->out_sz ? uout : 0;
	uargs = mshv_test_user_arg(test, args, sizeof(*args));
	if (fd < 0)
		ret = mshv_dev_ioctl(NULL, MSHV_ROOT_HVCALL, (unsigned long)uargs);
	else
		ret = mshv_test_ioctl(fd, MSHV_ROOT_HVCALL, uargs);
	KUNIT_EXPECT_EQ(test, copy_from_user(args, uargs, sizeof(*args)), 0);
	if (out && args->out_sz)
		KUNIT_EXPECT_EQ(test, copy_from_user(out, (void __user *)uout,
						     args->out_sz), 0);
	return ret;
}

/*
 * A property set and read back through the passthrough: the kernel puts
 * the partition id in, status and reps come back, output is copied out.
 */
static void hvcall_on_partition(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct hv_input_set_partition_property set = {
		.partition_id = 0xdead,	/* the kernel overwrites it */
		.property_code = 0x00050017,
		.property_value = 42,
	};
	struct hv_input_get_partition_property get = {
		.property_code = 0x00050017,
	};
	struct mshv_root_hvcall args = { .code = HVCALL_SET_PARTITION_PROPERTY };
	u64 out = 0, id;
	int fd = mshv_test_create_partition(test, 0);

	KUNIT_ASSERT_GE(test, fd, 0);
	id = mshv_test_only_partition(test);
	KUNIT_EXPECT_EQ(test, issue_hvcall(test, fd, &args, &set, sizeof(set), NULL), 0);
	KUNIT_EXPECT_EQ(test, args.status, HV_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, fake->calls[fake->nr_calls - 1].arg0, id);

	args = (struct mshv_root_hvcall){ .code = HVCALL_GET_PARTITION_PROPERTY,
					  .out_sz = sizeof(out) };
	KUNIT_EXPECT_EQ(test, issue_hvcall(test, fd, &args, &get, sizeof(get), &out), 0);
	KUNIT_EXPECT_EQ(test, out, 42);

	/*
	 * No output wanted: the call still gets an output page to write
	 * (a NULL one would be physical page 0), and nothing comes back.
	 */
	args = (struct mshv_root_hvcall){ .code = HVCALL_GET_PARTITION_PROPERTY };
	KUNIT_EXPECT_EQ(test, issue_hvcall(test, fd, &args, &get, sizeof(get), NULL), 0);
	KUNIT_EXPECT_EQ(test, args.status, HV_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, fake->violations, 0);

	/* A failing hypercall still reports its status. */
	get.property_code = 0x1234;
	args = (struct mshv_root_hvcall){ .code = HVCALL_GET_PARTITION_PROPERTY,
					  .out_sz = sizeof(out) };
	KUNIT_EXPECT_EQ(test, issue_hvcall(test, fd, &args, &get, sizeof(get), &out),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, args.status, HV_STATUS_UNKNOWN_PROPERTY);

	/* Insufficient memory: deposit into the partition and retry. */
	fake->need_memory_calls = 2;
	fake->need_memory_status = HV_STATUS_INSUFFICIENT_MEMORY;
	fake->need_memory_code = HVCALL_SET_PARTITION_PROPERTY;
	args = (struct mshv_root_hvcall){ .code = HVCALL_SET_PARTITION_PROPERTY };
	KUNIT_EXPECT_EQ(test, issue_hvcall(test, fd, &args, &set, sizeof(set), NULL), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_partition(fake, id)->nr_deposited, 32);
	mshv_test_close(fd);
}

/* /dev/mshv reads the host's own properties, and nothing else. */
static void hvcall_on_self(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct hv_input_get_partition_property get = {
		.property_code = HV_PARTITION_PROPERTY_INTEGRATED_SCHEDULER_ENABLED,
	};
	struct hv_input_get_partition_property_ex get_ex = {
		.property_code = HV_PARTITION_PROPERTY_VMM_CAPABILITIES,
	};
	struct hv_input_set_partition_property set = {
		.property_code = 0x00050017,
	};
	struct hv_partition_property_vmm_capabilities caps = {};
	struct mshv_root_hvcall args = { .code = HVCALL_GET_PARTITION_PROPERTY,
					 .out_sz = sizeof(u64) };
	u64 out = 0;

	fake->integrated_scheduler_enabled = 7;
	fake->vmm_capabilities = HV_VMM_CAP_INTEGRATED_SCHEDULER;
	KUNIT_EXPECT_EQ(test, issue_hvcall(test, -1, &args, &get, sizeof(get), &out), 0);
	KUNIT_EXPECT_EQ(test, out, 7);
	KUNIT_EXPECT_EQ(test, fake->calls[0].arg0, HV_PARTITION_ID_SELF);

	args = (struct mshv_root_hvcall){ .code = HVCALL_GET_PARTITION_PROPERTY_EX,
					  .out_sz = sizeof(caps) };
	KUNIT_EXPECT_EQ(test, issue_hvcall(test, -1, &args, &get_ex, sizeof(get_ex),
					   &caps), 0);
	KUNIT_EXPECT_EQ(test, caps.banks[0], HV_VMM_CAP_INTEGRATED_SCHEDULER);

	args = (struct mshv_root_hvcall){ .code = HVCALL_SET_PARTITION_PROPERTY };
	KUNIT_EXPECT_EQ(test, issue_hvcall(test, -1, &args, &set, sizeof(set), NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 2);
}

static struct kunit_case mshv_partition_cases[] = {
	KUNIT_CASE_PARAM(create_and_release, flag_gen_params),
	KUNIT_CASE_PARAM(create_rejects_bad_input, bad_create_gen_params),
	KUNIT_CASE(create_faults),
	KUNIT_CASE(create_v2_and_initialize),
	KUNIT_CASE(create_fails_at_every_call),
	KUNIT_CASE(create_fails_at_every_allocation),
	KUNIT_CASE(initialize_failures),
	KUNIT_CASE(release_survives_failures),
	KUNIT_CASE(release_survives_allocation_failure),
	KUNIT_CASE_PARAM(hvcall_rejects_bad_input, bad_hvcall_gen_params),
	KUNIT_CASE(hvcall_on_partition),
	KUNIT_CASE(hvcall_on_self),
	{}
};

static struct kunit_suite mshv_partition_suite = {
	.name = "mshv_partition",
	.init = mshv_test_init,
	.exit = mshv_test_exit,
	.test_cases = mshv_partition_cases,
};

kunit_test_suite(mshv_partition_suite);
