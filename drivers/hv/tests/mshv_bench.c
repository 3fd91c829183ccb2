// SPDX-License-Identifier: GPL-2.0-only
/*
 * Benchmarks of guest memory, marked slow: `make bench` runs them (with
 * enough guest memory for a 1 GiB region) and prints their figures, one a
 * line, as "mshv-bench: NAME=VALUE".  They assert only what must hold for
 * the figure to mean anything; the figures themselves are for people.
 */

#include <linux/ktime.h>
#include <linux/prandom.h>
#include <linux/sizes.h>
#include <kunit/test.h>

#include "mshv_test_user.h"

#define SZ_GIB		SZ_1G
#define GIB_FRAMES	(SZ_GIB >> PAGE_SHIFT)

static void bench_print(const char *name, u64 value)
{
	pr_info("mshv-bench: %s=%llu\n", name, value);
}

static struct mshv_partition *bench_partition(struct kunit *test, int fd)
{
	struct file *file = fget(fd);
	struct mshv_partition *pt = file->private_data;

	/* The fd keeps the partition alive for the rest of the test. */
	fput(file);
	return pt;
}

/* Map 1 GiB, then report its metadata and MAP_GPA_PAGES calls. */
static void bench_map_gib(struct kunit *test, bool huge)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	int fd = mshv_test_create_partition(test, 0);
	unsigned long uaddr = mshv_test_memory(test, SZ_GIB, huge);
	struct mshv_partition *pt;
	struct mshv_region *region;
	unsigned int calls, min_calls;
	size_t meta;

	KUNIT_ASSERT_GE(test, fd, 0);
	pt = bench_partition(test, fd);
	fake->nr_calls = 0;
	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, fd, 0, SZ_GIB, uaddr,
						   BIT(MSHV_SET_MEM_BIT_WRITABLE)), 0);
	calls = mshv_fake_hv_count_calls(fake, HVCALL_MAP_GPA_PAGES);
	min_calls = DIV_ROUND_UP(huge ? GIB_FRAMES / HV_LARGE_PAGE_FRAMES : GIB_FRAMES,
				 HV_MAP_GPA_BATCH_SIZE);

	mutex_lock(&pt->mutex);
	region = mshv_partition_region_at(pt, 0);
	KUNIT_ASSERT_NOT_NULL(test, region);
	meta = mshv_region_meta_bytes(region);
	mutex_unlock(&pt->mutex);

	bench_print(huge ? "region_meta_bytes_per_gib_2m" :
			   "region_meta_bytes_per_gib_4k", meta);
	bench_print(huge ? "map_hvcalls_per_gib_2m" : "map_hvcalls_per_gib_4k",
		    calls);
	bench_print(huge ? "map_hvcalls_min_per_gib_2m" :
			   "map_hvcalls_min_per_gib_4k", min_calls);
	KUNIT_EXPECT_EQ(test, calls, min_calls);
	mshv_test_close(fd);
}

static void bench_map_gib_4k(struct kunit *test)
{
	bench_map_gib(test, false);
}

static void bench_map_gib_2m(struct kunit *test)
{
	bench_map_gib(test, true);
}

#define LOOKUPS		200000

/* Nanoseconds per lookup among @nr one-frame regions, at random frames. */
static u64 lookup_ns(struct kunit *test, unsigned int nr)
{
	int fd = mshv_test_create_partition(test, 0);
	unsigned long uaddr = mshv_test_mmap(test, (size_t)nr * PAGE_SIZE);
	struct rnd_state rnd;
	struct mshv_partition *pt;
	unsigned int i, found = 0;
	u64 start, ns;

	KUNIT_ASSERT_GE(test, fd, 0);
	pt = bench_partition(test, fd);
	for (i = 0; i < nr; i++)
		KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, fd, 2 * i, PAGE_SIZE,
							   uaddr + i * PAGE_SIZE, 0), 0);

	prandom_seed_state(&rnd, 42);
	mutex_lock(&pt->mutex);
	start = ktime_get_ns();
	for (i = 0; i < LOOKUPS; i++)
		found += !!mshv_partition_region_at(pt, prandom_u32_state(&rnd) % (2 * nr));
	ns = ktime_get_ns() - start;
	mutex_unlock(&pt->mutex);

	/* Every even frame is a region, every odd one a gap. */
	KUNIT_EXPECT_GT(test, found, LOOKUPS / 3);
	KUNIT_EXPECT_LT(test, found, 2 * LOOKUPS / 3);
	mshv_test_close(fd);
	return ns;
}

static void bench_region_lookup(struct kunit *test)
{
	u64 small = lookup_ns(test, 16), large = lookup_ns(test, 16384);

	bench_print("region_lookup_ns_16", small / LOOKUPS);
	bench_print("region_lookup_ns_16384", large / LOOKUPS);
	/* Printed with two decimals: a list would give ~1000, a tree ~3.5. */
	pr_info("mshv-bench: region_lookup_ratio=%llu.%02llu\n",
		div64_u64(large, small), div64_u64(large * 100, small) % 100);
}

static struct kunit_case mshv_bench_cases[] = {
	KUNIT_CASE_SLOW(bench_map_gib_4k),
	KUNIT_CASE_SLOW(bench_map_gib_2m),
	KUNIT_CASE_SLOW(bench_region_lookup),
	{}
};

static struct kunit_suite mshv_bench_suite = {
	.name = "mshv_bench",
	.init = mshv_test_init,
	.exit = mshv_test_exit,
	.test_cases = mshv_bench_cases,
};

kunit_test_suite(mshv_bench_suite);
