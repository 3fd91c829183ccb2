// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the transport seam and of the fake hypervisor behind it:
 * calls reach the fake, the fake enforces the hypercall rules, keeps state,
 * records calls, and misbehaves exactly as told.
 */

#include <linux/irqflags.h>
#include <linux/slab.h>
#include <kunit/test.h>

#include "mshv_test.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/* Issue one memory-based hypercall through the seam, as the driver does. */
static u64 issue(u64 control, u64 arg0)
{
	unsigned long flags;
	u64 *input, status;

	local_irq_save(flags);
	input = mshv_transport->input_page();
	memset(input, 0, HV_HYP_PAGE_SIZE);
	input[0] = arg0;
	status = mshv_transport->hypercall(control, input,
					   mshv_transport->output_page());
	local_irq_restore(flags);
	return status;
}

static void transport_routes_to_fake(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	const struct mshv_transport *saved;
	u64 value = 0;

	KUNIT_EXPECT_PTR_EQ(test, mshv_transport, &mshv_fake_transport);
	fake->scheduler_type = HV_SCHEDULER_TYPE_CORE_SMT;

	KUNIT_ASSERT_EQ(test, hv_call_get_system_property(HV_SYSTEM_PROPERTY_SCHEDULER_TYPE,
							  &value), 0);
	KUNIT_EXPECT_EQ(test, value, HV_SCHEDULER_TYPE_CORE_SMT);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 1);
	KUNIT_EXPECT_EQ(test, fake->calls[0].control,
			(u64)HVCALL_GET_SYSTEM_PROPERTY);
	KUNIT_EXPECT_EQ(test, fake->calls[0].status, (u64)HV_STATUS_SUCCESS);

	/*
	 * Uninstalling gives back exactly the transport that was there (the
	 * production one, or the fake backend's when it runs).
	 */
	saved = fake->saved_transport;
	mshv_fake_hv_uninstall(fake);
	KUNIT_EXPECT_PTR_EQ(test, mshv_transport, saved);
	mshv_fake_hv_install(fake);
	KUNIT_EXPECT_PTR_EQ(test, mshv_transport, &mshv_fake_transport);
	KUNIT_EXPECT_PTR_EQ(test, fake->saved_transport, saved);
}

static void fake_rejects_unknown_code(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	u64 status = issue(0x0001, 0);

	KUNIT_EXPECT_EQ(test, status & HV_HYPERCALL_RESULT_MASK,
			(u64)HV_STATUS_INVALID_HYPERCALL_CODE);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 1);
	KUNIT_EXPECT_EQ(test, mshv_status_to_errno(status), -EOPNOTSUPP);
}

static void fake_flags_interrupts_enabled(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	void *input, *output;
	u64 status;

	/* The pages are only borrowed here; the call itself is the error. */
	preempt_disable();
	input = mshv_transport->input_page();
	output = mshv_transport->output_page();
	memset(input, 0, sizeof(struct hv_input_get_system_property));
	status = mshv_transport->hypercall(HVCALL_GET_SYSTEM_PROPERTY, input,
					   output);
	preempt_enable();

	KUNIT_EXPECT_NE(test, status & HV_HYPERCALL_RESULT_MASK,
			(u64)HV_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, fake->violations, 1);
	KUNIT_EXPECT_STREQ(test, fake->violation,
			   "hypercall page used with interrupts enabled");
	fake->violations = 0;
}

static void fake_flags_foreign_page(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned long flags;
	void *buf;
	u64 status;

	buf = kunit_kzalloc(test, HV_HYP_PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	local_irq_save(flags);
	status = mshv_transport->hypercall(HVCALL_GET_SYSTEM_PROPERTY, buf,
					   mshv_transport->output_page());
	local_irq_restore(flags);

	KUNIT_EXPECT_NE(test, status & HV_HYPERCALL_RESULT_MASK,
			(u64)HV_STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, fake->violations, 1);
	KUNIT_EXPECT_STREQ(test, fake->violation,
			   "not this CPU's hypercall pages");
	fake->violations = 0;
}

/* A call that answers in the output page must be given one. */
static void fake_flags_missing_output(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned long flags;
	void *input;
	u64 status;

	local_irq_save(flags);
	input = mshv_transport->input_page();
	memset(input, 0, sizeof(struct hv_input_get_system_property));
	status = mshv_transport->hypercall(HVCALL_GET_SYSTEM_PROPERTY, input,
					   NULL);
	local_irq_restore(flags);

	KUNIT_EXPECT_EQ(test, status & HV_HYPERCALL_RESULT_MASK,
			(u64)HV_STATUS_INVALID_HYPERCALL_INPUT);
	KUNIT_EXPECT_EQ(test, fake->violations, 1);
	KUNIT_EXPECT_STREQ(test, fake->violation,
			   "no output page for a call that has output");
	fake->violations = 0;
}

static void fake_flags_bad_control(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	static const u64 bad[] = {
		/* a simple call with a rep count */
		HVCALL_GET_SYSTEM_PROPERTY | BIT_ULL(HV_HYPERCALL_REP_COMP_OFFSET),
		/* a rep call without one */
		HVCALL_DEPOSIT_MEMORY,
		/* a rep call starting past its end */
		HVCALL_DEPOSIT_MEMORY | 1ULL << HV_HYPERCALL_REP_COMP_OFFSET |
			1ULL << HV_HYPERCALL_REP_START_OFFSET,
		/* reserved bits */
		HVCALL_GET_SYSTEM_PROPERTY | BIT_ULL(63),
		/* a fast call issued through memory */
		HVCALL_INITIALIZE_PARTITION,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		u64 status = issue(bad[i], HV_PARTITION_ID_SELF);

		KUNIT_EXPECT_EQ_MSG(test, status & HV_HYPERCALL_RESULT_MASK,
				    (u64)HV_STATUS_INVALID_HYPERCALL_INPUT,
				    "control %#llx", bad[i]);
		KUNIT_EXPECT_EQ(test, fake->violations, i + 1);
	}
	KUNIT_EXPECT_EQ(test, fake->root.nr_deposited, 0);
	fake->violations = 0;
}

static void fake_fails_call_n(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	u64 value;

	fake->fail_at_call = 2;
	fake->fail_status = HV_STATUS_ACCESS_DENIED;

	KUNIT_EXPECT_EQ(test, hv_call_get_system_property(HV_SYSTEM_PROPERTY_SCHEDULER_TYPE,
							  &value), 0);
	KUNIT_EXPECT_EQ(test, hv_call_get_system_property(HV_SYSTEM_PROPERTY_SCHEDULER_TYPE,
							  &value), -EACCES);
	KUNIT_EXPECT_EQ(test, hv_call_get_system_property(HV_SYSTEM_PROPERTY_SCHEDULER_TYPE,
							  &value), 0);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 3);
	KUNIT_EXPECT_EQ(test, fake->calls[1].status,
			(u64)HV_STATUS_ACCESS_DENIED);
}

static const u16 rep_limits[] = { 0, 1, 3, 7, 16, 511 };

static void rep_limit_desc(const u16 *limit, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "max %u reps a call", *limit);
}

KUNIT_ARRAY_PARAM(rep_limit, rep_limits, rep_limit_desc);

/*
 * However few reps the hypervisor completes a call, deposit and withdraw
 * finish the whole list, in exactly as many calls as the limit implies.
 */
static void fake_partial_rep_completion(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	u16 limit = *(const u16 *)test->param_value;
	unsigned int nr = 16, calls;
	unsigned long withdrawn = 0;

	fake->max_reps_per_call = limit;
	calls = limit ? DIV_ROUND_UP(nr, limit) : 1;

	KUNIT_ASSERT_EQ(test, hv_call_deposit_pages_to(HV_PARTITION_ID_SELF, nr, 0), 0);
	KUNIT_EXPECT_EQ(test, fake->root.nr_deposited, nr);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_DEPOSIT_MEMORY),
			calls);

	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(HV_PARTITION_ID_SELF, &withdrawn), 0);
	KUNIT_EXPECT_EQ(test, withdrawn, nr);
	KUNIT_EXPECT_EQ(test, fake->root.nr_deposited, 0);
}

/*
 * A hypervisor that stops making progress ends the loop with an error,
 * and the pages it accepted before stalling stay with it.
 */
static void fake_stalled_reps_fail(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned long withdrawn = 0;

	fake->max_reps_per_call = 3;
	fake->stall_from_call = 2;
	KUNIT_EXPECT_EQ(test, hv_call_deposit_pages_to(HV_PARTITION_ID_SELF, 8, 0),
			-EIO);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 2);
	KUNIT_EXPECT_EQ(test, fake->root.nr_deposited, 3);

	fake->stall_from_call = 0;
	KUNIT_EXPECT_EQ(test, hv_call_withdraw_all(HV_PARTITION_ID_SELF, &withdrawn), 0);
	KUNIT_EXPECT_EQ(test, withdrawn, 3);
}

static struct kunit_case mshv_transport_cases[] = {
	KUNIT_CASE(transport_routes_to_fake),
	KUNIT_CASE(fake_rejects_unknown_code),
	KUNIT_CASE(fake_flags_interrupts_enabled),
	KUNIT_CASE(fake_flags_foreign_page),
	KUNIT_CASE(fake_flags_missing_output),
	KUNIT_CASE(fake_flags_bad_control),
	KUNIT_CASE(fake_fails_call_n),
	KUNIT_CASE_PARAM(fake_partial_rep_completion, rep_limit_gen_params),
	KUNIT_CASE(fake_stalled_reps_fail),
	{}
};

static struct kunit_suite mshv_transport_suite = {
	.name = "mshv_transport",
	.init = mshv_test_init,
	.exit = mshv_test_exit,
	.test_cases = mshv_transport_cases,
};

kunit_test_suite(mshv_transport_suite);

MODULE_DESCRIPTION("KUnit tests of mshv_root's transport seam and fake hypervisor");
MODULE_LICENSE("GPL");
