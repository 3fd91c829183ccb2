// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of mshv_root's hypercall layer: status-to-errno mapping, the
 * deposit-and-retry loop and its bound, partial deposits, and the partition
 * lifecycle as the fake hypervisor sees it.
 */

#include <kunit/test.h>

#include "mshv_test.h"

struct status_case {
	u64 status;
	int errno;
	bool needs_deposit;
};

static const struct status_case status_cases[] = {
	{ HV_STATUS_SUCCESS,				0,		false },
	{ HV_STATUS_INVALID_HYPERCALL_CODE,		-EOPNOTSUPP,	false },
	{ HV_STATUS_INVALID_HYPERCALL_INPUT,		-EINVAL,	false },
	{ HV_STATUS_INVALID_ALIGNMENT,			-EINVAL,	false },
	{ HV_STATUS_INVALID_PARAMETER,			-EINVAL,	false },
	{ HV_STATUS_ACCESS_DENIED,			-EACCES,	false },
	{ HV_STATUS_INVALID_PARTITION_STATE,		-EBUSY,		false },
	{ HV_STATUS_OPERATION_DENIED,			-EACCES,	false },
	{ HV_STATUS_UNKNOWN_PROPERTY,			-EOPNOTSUPP,	false },
	{ HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE,	-ERANGE,	false },
	{ HV_STATUS_INSUFFICIENT_MEMORY,		-ENOMEM,	true },
	{ HV_STATUS_INVALID_PARTITION_ID,		-EINVAL,	false },
	{ HV_STATUS_INVALID_VP_INDEX,			-EINVAL,	false },
	{ HV_STATUS_NOT_FOUND,				-ENOENT,	false },
	{ HV_STATUS_INVALID_PORT_ID,			-EINVAL,	false },
	{ HV_STATUS_INVALID_CONNECTION_ID,		-EINVAL,	false },
	{ HV_STATUS_INSUFFICIENT_BUFFERS,		-ENOBUFS,	false },
	{ HV_STATUS_NOT_ACKNOWLEDGED,			-EAGAIN,	false },
	{ HV_STATUS_INVALID_VP_STATE,			-EBUSY,		false },
	{ HV_STATUS_NO_RESOURCES,			-ENOSPC,	false },
	{ HV_STATUS_INVALID_LP_INDEX,			-EINVAL,	false },
	{ HV_STATUS_INVALID_REGISTER_VALUE,		-EINVAL,	false },
	{ HV_STATUS_TIME_OUT,				-ETIMEDOUT,	false },
	{ HV_STATUS_INSUFFICIENT_ROOT_MEMORY,		-ENOMEM,	true },
	{ HV_STATUS_INSUFFICIENT_CONTIGUOUS_MEMORY,	-ENOMEM,	true },
	{ HV_STATUS_INSUFFICIENT_CONTIGUOUS_ROOT_MEMORY, -ENOMEM,	true },
	/* Only bits 15:0 count: reps completed do not change the result. */
	{ HV_STATUS_ACCESS_DENIED | 5ULL << 32,		-EACCES,	false },
	{ HV_STATUS_INSUFFICIENT_MEMORY | 1ULL << 32,	-ENOMEM,	true },
	/* Unknown results, and a missing hypercall page (all ones). */
	{ 0x1234,					-EIO,		false },
	{ U64_MAX,					-EIO,		false },
};

static void status_desc(const struct status_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "status %#llx", c->status);
}

KUNIT_ARRAY_PARAM(status, status_cases, status_desc);

static void status_maps_to_errno(struct kunit *test)
{
	const struct status_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, mshv_status_to_errno(c->status), c->errno);
	KUNIT_EXPECT_EQ(test, mshv_status_needs_deposit(c->status),
			c->needs_deposit);
}

struct deposit_case {
	u16 status;
	bool into_root;
	unsigned int pages;
};

/* Where each "insufficient memory" variant sends the deposit, and how much. */
static const struct deposit_case deposit_cases[] = {
	{ HV_STATUS_INSUFFICIENT_MEMORY,		 false,	16 },
	{ HV_STATUS_INSUFFICIENT_CONTIGUOUS_MEMORY,	 false,	8 },
	{ HV_STATUS_INSUFFICIENT_ROOT_MEMORY,		 true,	16 },
	{ HV_STATUS_INSUFFICIENT_CONTIGUOUS_ROOT_MEMORY, true,	8 },
};

static void deposit_desc(const struct deposit_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "status %#x", c->status);
}

KUNIT_ARRAY_PARAM(deposit, deposit_cases, deposit_desc);

static u64 create_child(struct kunit *test)
{
	struct hv_partition_creation_properties props = {};
	u64 id = 0;

	KUNIT_ASSERT_EQ(test, hv_call_create_partition(HV_PARTITION_CREATION_FLAG_EXO_PARTITION,
						       &props, 0, &id), 0);
	return id;
}

/* Tear a child down completely, as the partition release path will. */
static void destroy_child(struct kunit *test, u64 id)
{
	KUNIT_EXPECT_EQ(test, hv_call_finalize_partition(id), 0);
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(id, NULL), 0);
	KUNIT_EXPECT_EQ(test, hv_call_delete_partition(id), 0);
}

static void deposit_goes_where_status_says(struct kunit *test)
{
	const struct deposit_case *c = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_partition *child;
	u64 id = create_child(test);

	fake->need_memory_calls = 2;
	fake->need_memory_status = c->status;
	fake->need_memory_code = HVCALL_INITIALIZE_PARTITION;

	KUNIT_ASSERT_EQ(test, hv_call_initialize_partition(id), 0);
	child = mshv_fake_hv_partition(fake, id);
	KUNIT_ASSERT_NOT_NULL(test, child);
	KUNIT_EXPECT_EQ(test, child->state, MSHV_FAKE_PT_INITIALIZED);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_INITIALIZE_PARTITION), 3);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_DEPOSIT_MEMORY), 2);
	KUNIT_EXPECT_EQ(test, fake->root.nr_deposited, c->into_root ? 2 * c->pages : 0);
	KUNIT_EXPECT_EQ(test, child->nr_deposited, c->into_root ? 0 : 2 * c->pages);

	destroy_child(test, id);
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(HV_PARTITION_ID_SELF, NULL), 0);
}

static void create_deposits_into_root_and_retries(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	u64 id;

	fake->need_memory_calls = 3;
	fake->need_memory_status = HV_STATUS_INSUFFICIENT_MEMORY;
	fake->need_memory_code = HVCALL_CREATE_PARTITION;

	id = create_child(test);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_CREATE_PARTITION), 4);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_DEPOSIT_MEMORY), 3);
	KUNIT_EXPECT_EQ(test, fake->root.nr_deposited, 3 * 16);
	KUNIT_EXPECT_EQ(test, fake->calls[1].arg0, HV_PARTITION_ID_SELF);

	destroy_child(test, id);
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(HV_PARTITION_ID_SELF, NULL), 0);
	KUNIT_EXPECT_EQ(test, fake->root.nr_deposited, 0);
}

static void deposit_retries_are_bounded(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct hv_partition_creation_properties props = {};
	unsigned int deposits;
	u64 id;

	fake->need_memory_calls = 1000;
	fake->need_memory_status = HV_STATUS_INSUFFICIENT_MEMORY;
	fake->need_memory_code = HVCALL_CREATE_PARTITION;

	KUNIT_EXPECT_EQ(test, hv_call_create_partition(0, &props, 0, &id), -ENOMEM);
	deposits = mshv_fake_hv_count_calls(fake, HVCALL_DEPOSIT_MEMORY);
	KUNIT_EXPECT_EQ(test, deposits, 64);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_CREATE_PARTITION),
			deposits + 1);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 0);

	fake->need_memory_calls = 0;
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(HV_PARTITION_ID_SELF, NULL), 0);
}

/* Pages the hypervisor accepted stay with it; the rest are freed. */
static void deposit_failure_keeps_accepted_pages(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned long withdrawn = 0;

	fake->max_reps_per_call = 5;
	fake->fail_at_call = 2;
	fake->fail_status = HV_STATUS_INVALID_PARAMETER;

	KUNIT_EXPECT_EQ(test, hv_call_deposit_pages_to(HV_PARTITION_ID_SELF, 12, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, fake->root.nr_deposited, 5);

	fake->fail_at_call = 0;
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(HV_PARTITION_ID_SELF, &withdrawn), 0);
	KUNIT_EXPECT_EQ(test, withdrawn, 5);
}

static void deposit_rejects_bad_counts(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);

	KUNIT_EXPECT_EQ(test, hv_call_deposit_pages_to(HV_PARTITION_ID_SELF, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, hv_call_deposit_pages_to(HV_PARTITION_ID_SELF,
						       HV_DEPOSIT_MAX_PAGES + 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, hv_call_deposit_pages_to(HV_PARTITION_ID_SELF, 12, 3), -EINVAL);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 0);

	/* A full input page is fine, in one call. */
	KUNIT_EXPECT_EQ(test, hv_call_deposit_pages_to(HV_PARTITION_ID_SELF,
						       HV_DEPOSIT_MAX_PAGES, 0), 0);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 1);
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(HV_PARTITION_ID_SELF, NULL), 0);
}

static void partition_lifecycle(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_partition *child;
	u64 id = create_child(test);

	child = mshv_fake_hv_partition(fake, id);
	KUNIT_ASSERT_NOT_NULL(test, child);
	KUNIT_EXPECT_EQ(test, child->flags, HV_PARTITION_CREATION_FLAG_EXO_PARTITION);
	KUNIT_EXPECT_EQ(test, child->state, MSHV_FAKE_PT_CREATED);

	KUNIT_EXPECT_EQ(test, hv_call_initialize_partition(id), 0);
	KUNIT_EXPECT_EQ(test, hv_call_initialize_partition(id), -EBUSY);
	KUNIT_EXPECT_EQ(test, hv_call_deposit_pages_to(id, 4, 0), 0);

	/* The fake refuses to delete a partition that still holds memory. */
	KUNIT_EXPECT_EQ(test, hv_call_finalize_partition(id), 0);
	KUNIT_EXPECT_EQ(test, hv_call_delete_partition(id), -EBUSY);
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(id, NULL), 0);
	KUNIT_EXPECT_EQ(test, hv_call_delete_partition(id), 0);
	KUNIT_EXPECT_NULL(test, mshv_fake_hv_partition(fake, id));
	KUNIT_EXPECT_EQ(test, hv_call_initialize_partition(id), -EINVAL);
}

static struct kunit_case mshv_hv_call_cases[] = {
	KUNIT_CASE_PARAM(status_maps_to_errno, status_gen_params),
	KUNIT_CASE_PARAM(deposit_goes_where_status_says, deposit_gen_params),
	KUNIT_CASE(create_deposits_into_root_and_retries),
	KUNIT_CASE(deposit_retries_are_bounded),
	KUNIT_CASE(deposit_failure_keeps_accepted_pages),
	KUNIT_CASE(deposit_rejects_bad_counts),
	KUNIT_CASE(partition_lifecycle),
	{}
};

static struct kunit_suite mshv_hv_call_suite = {
	.name = "mshv_hv_call",
	.init = mshv_test_init,
	.exit = mshv_test_exit,
	.test_cases = mshv_hv_call_cases,
};

kunit_test_suite(mshv_hv_call_suite);
