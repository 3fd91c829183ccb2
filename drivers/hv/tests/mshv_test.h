/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared fixture of the mshv_root KUnit suites: every test runs against a
 * fresh fake hypervisor, installed behind the transport seam, and ends by
 * checking that the driver broke no hypercall rule and left no partition.
 */
#ifndef _MSHV_TEST_H_
#define _MSHV_TEST_H_

#include <kunit/test.h>

#include "../mshv_fake_hv.h"

/*
 * Fail this task's @n-th fault-injected allocation (0: none), as writing
 * /proc/self/fail-nth does; the driver's allocations are such points.
 * Without CONFIG_FAULT_INJECTION the test is skipped.
 */
static inline void mshv_test_fail_nth(struct kunit *test, unsigned int n)
{
#ifdef CONFIG_FAULT_INJECTION
	current->fail_nth = n;
#else
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
#endif
}

/* How many fault-injected allocations are still to go before the failure. */
static inline unsigned int mshv_test_fail_nth_left(void)
{
#ifdef CONFIG_FAULT_INJECTION
	return current->fail_nth;
#else
	return 0;
#endif
}

static inline struct mshv_fake_hv *mshv_test_fake(struct kunit *test)
{
	return test->priv;
}

static inline int mshv_test_init(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_fake_hv_create();

	if (!fake)
		return -ENOMEM;
	mshv_fake_hv_install(fake);
	test->priv = fake;
	return 0;
}

/*
 * Suites that run VPs or ring doorbells need the messages the fake sends
 * to reach the driver: the driver's SynIC set up on the fake's "hardware",
 * which the test-only backend does at boot.
 */
static inline bool mshv_test_synic_ready(void)
{
	unsigned int cpu;

	if (!READ_ONCE(mshv_synic_up))
		return false;
	for_each_online_cpu(cpu)
		if (!mshv_fake_hv_synic_ready(cpu))
			return false;
	return true;
}

static inline void mshv_test_exit(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int i;

	/* .exit runs even when .init failed. */
	if (!fake)
		return;
	KUNIT_EXPECT_EQ_MSG(test, fake->violations, 0,
			    "hypercall ABI violation: %s", fake->violation);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 0);
	/* Every page given to the hypervisor came back. */
	KUNIT_EXPECT_EQ(test, fake->root.nr_deposited, 0);
	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++)
		KUNIT_EXPECT_EQ(test, fake->partitions[i].nr_deposited, 0);
	mshv_fake_hv_uninstall(fake);
	mshv_fake_hv_destroy(fake);
}

#endif /* _MSHV_TEST_H_ */
