// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of how mshv_root decides what it is (root partition, L1
 * virtual host, neither) and who schedules guest VPs.
 */

#include <kunit/test.h>

#include "mshv_test.h"

struct role_case {
	const char *name;
	bool root;
	u32 priv_high;
	enum mshv_role role;
};

static const struct role_case role_cases[] = {
	{ "bare metal or plain guest", false, 0, MSHV_ROLE_NONE },
	{ "root partition", true, HV_CPU_MANAGEMENT, MSHV_ROLE_ROOT },
	{ "root with create-partitions", true,
	  HV_CPU_MANAGEMENT | HV_CREATE_PARTITIONS, MSHV_ROLE_ROOT },
	{ "L1 virtual host", false, HV_CREATE_PARTITIONS, MSHV_ROLE_L1VH },
	{ "isolated guest with create-partitions", false,
	  HV_CREATE_PARTITIONS | HV_ISOLATION, MSHV_ROLE_NONE },
	{ "guest with unrelated privileges", false,
	  HV_ACCESS_PARTITION_ID | HV_ISOLATION, MSHV_ROLE_NONE },
};

KUNIT_ARRAY_PARAM_DESC(role, role_cases, name);

static void role_from_features(struct kunit *test)
{
	const struct role_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, mshv_role_from_features(c->root, c->priv_high),
			c->role);
}

struct sched_case {
	const char *name;
	enum mshv_role role;
	u32 scheduler_type;
	u64 vmm_capabilities;
	u64 integrated_enabled;
	unsigned int fail_at_call;
	int ret;
	enum mshv_scheduler sched;
	/* Hypercalls the detection must issue, no more. */
	unsigned int nr_system_property;
	unsigned int nr_property_ex;
	unsigned int nr_property;
};

static const struct sched_case sched_cases[] = {
	{ "root: lp", MSHV_ROLE_ROOT, HV_SCHEDULER_TYPE_LP, 0, 0, 0,
	  0, MSHV_SCHED_LP, 1, 0, 0 },
	{ "root: lp-smt", MSHV_ROLE_ROOT, HV_SCHEDULER_TYPE_LP_SMT, 0, 0, 0,
	  0, MSHV_SCHED_LP_SMT, 1, 0, 0 },
	{ "root: core", MSHV_ROLE_ROOT, HV_SCHEDULER_TYPE_CORE_SMT, 0, 0, 0,
	  0, MSHV_SCHED_CORE, 1, 0, 0 },
	{ "root: root", MSHV_ROLE_ROOT, HV_SCHEDULER_TYPE_ROOT, 0, 0, 0,
	  0, MSHV_SCHED_ROOT, 1, 0, 0 },
	{ "root: unknown type 0", MSHV_ROLE_ROOT, 0, 0, 0, 0,
	  -ENODEV, 0, 1, 0, 0 },
	{ "root: unknown type 5", MSHV_ROLE_ROOT, 5, 0, 0, 0,
	  -ENODEV, 0, 1, 0, 0 },
	{ "root: property read fails", MSHV_ROLE_ROOT, HV_SCHEDULER_TYPE_ROOT,
	  0, 0, 1, -EACCES, 0, 1, 0, 0 },
	/* An L1VH ignores the system-wide type and asks about itself. */
	{ "l1vh: no capability", MSHV_ROLE_L1VH, HV_SCHEDULER_TYPE_ROOT,
	  0, 1, 0, 0, MSHV_SCHED_CORE, 0, 1, 0 },
	{ "l1vh: other capabilities only", MSHV_ROLE_L1VH, HV_SCHEDULER_TYPE_ROOT,
	  ~HV_VMM_CAP_INTEGRATED_SCHEDULER, 1, 0, 0, MSHV_SCHED_CORE, 0, 1, 0 },
	{ "l1vh: capability, disabled", MSHV_ROLE_L1VH, HV_SCHEDULER_TYPE_CORE_SMT,
	  HV_VMM_CAP_INTEGRATED_SCHEDULER, 0, 0, 0, MSHV_SCHED_CORE, 0, 1, 1 },
	{ "l1vh: capability, enabled", MSHV_ROLE_L1VH, HV_SCHEDULER_TYPE_CORE_SMT,
	  HV_VMM_CAP_INTEGRATED_SCHEDULER, 1, 0, 0, MSHV_SCHED_INTEGRATED, 0, 1, 1 },
	{ "l1vh: capability, enabled non-one", MSHV_ROLE_L1VH, 0,
	  HV_VMM_CAP_INTEGRATED_SCHEDULER, 0x100, 0, 0, MSHV_SCHED_INTEGRATED, 0, 1, 1 },
	{ "l1vh: capability read fails", MSHV_ROLE_L1VH, HV_SCHEDULER_TYPE_ROOT,
	  HV_VMM_CAP_INTEGRATED_SCHEDULER, 1, 1, -EACCES, 0, 0, 1, 0 },
	{ "l1vh: enabled-property read fails", MSHV_ROLE_L1VH, HV_SCHEDULER_TYPE_ROOT,
	  HV_VMM_CAP_INTEGRATED_SCHEDULER, 1, 2, -EACCES, 0, 0, 1, 1 },
	{ "neither root nor l1vh", MSHV_ROLE_NONE, HV_SCHEDULER_TYPE_ROOT, 0, 0, 0,
	  -ENODEV, 0, 0, 0, 0 },
};

KUNIT_ARRAY_PARAM_DESC(sched, sched_cases, name);

static void scheduler_detection(struct kunit *test)
{
	const struct sched_case *c = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	const enum mshv_scheduler untouched = 0x5a;
	enum mshv_scheduler sched = untouched;
	int ret;

	fake->scheduler_type = c->scheduler_type;
	fake->vmm_capabilities = c->vmm_capabilities;
	fake->integrated_scheduler_enabled = c->integrated_enabled;
	fake->fail_at_call = c->fail_at_call;
	fake->fail_status = HV_STATUS_ACCESS_DENIED;

	ret = mshv_detect_scheduler(c->role, &sched);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	/* A failed detection leaves the caller's value alone. */
	KUNIT_EXPECT_EQ(test, sched, c->ret ? untouched : c->sched);

	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_GET_SYSTEM_PROPERTY),
			c->nr_system_property);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_GET_PARTITION_PROPERTY_EX),
			c->nr_property_ex);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_GET_PARTITION_PROPERTY),
			c->nr_property);
	KUNIT_EXPECT_EQ(test, fake->nr_calls,
			c->nr_system_property + c->nr_property_ex + c->nr_property);
}

static void scheduler_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, mshv_scheduler_name(MSHV_SCHED_LP), "lp");
	KUNIT_EXPECT_STREQ(test, mshv_scheduler_name(MSHV_SCHED_LP_SMT), "lp-smt");
	KUNIT_EXPECT_STREQ(test, mshv_scheduler_name(MSHV_SCHED_CORE), "core");
	KUNIT_EXPECT_STREQ(test, mshv_scheduler_name(MSHV_SCHED_ROOT), "root");
	KUNIT_EXPECT_STREQ(test, mshv_scheduler_name(MSHV_SCHED_INTEGRATED),
			   "integrated");
	KUNIT_EXPECT_STREQ(test, mshv_scheduler_name(MSHV_SCHED_INTEGRATED + 1),
			   "unknown");
}

static struct kunit_case mshv_sched_cases[] = {
	KUNIT_CASE_PARAM(role_from_features, role_gen_params),
	KUNIT_CASE_PARAM(scheduler_detection, sched_gen_params),
	KUNIT_CASE(scheduler_names),
	{}
};

static struct kunit_suite mshv_sched_suite = {
	.name = "mshv_sched",
	.init = mshv_test_init,
	.exit = mshv_test_exit,
	.test_cases = mshv_sched_cases,
};

kunit_test_suite(mshv_sched_suite);
