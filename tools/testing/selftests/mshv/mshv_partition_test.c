// SPDX-License-Identifier: GPL-2.0
/*
 * The partition fd: MSHV_INITIALIZE_PARTITION, MSHV_SET_GUEST_MEMORY,
 * MSHV_SET_MSI_ROUTING, MSHV_GET_GPAP_ACCESS_BITMAP and MSHV_ROOT_HVCALL.
 * (MSHV_CREATE_VP is in mshv_vp_test.c, MSHV_IRQFD and MSHV_IOEVENTFD in
 * mshv_irq_test.c.)
 *
 * After each rejected request the test checks that nothing changed: a
 * refused map left no region behind, so the same range maps afterwards.
 */
#include "mshv_util.h"

/* Guest frame numbers are at most 40 bits wide (52-bit addresses). */
#define MAX_GFN		((1ULL << 40) - 1)
#define GFN		0x100ULL
#define NR_PAGES	16
#define SIZE		(NR_PAGES * MSHV_PAGE_SIZE)

FIXTURE(pt) {
	int dev;
	int pt;
	void *mem;
};

FIXTURE_SETUP(pt)
{
	self->pt = -1;
	self->dev = mshv_open_dev();
	if (self->dev < 0)
		return;
	self->pt = mshv_create_initialized_partition(self->dev);
	self->mem = mshv_alloc_mem(SIZE);
}

FIXTURE_TEARDOWN(pt)
{
	close(self->pt);
	close(self->dev);
}

TEST_F(pt, initialize_twice)
{
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_INITIALIZE_PARTITION));
	EXPECT_EQ(EBUSY, errno);
	/* Still initialized, and usable. */
	close(mshv_create_vp(self->pt, 0));
}

TEST_F(pt, unknown_ioctl)
{
	uint64_t arg[8] = {};

	/*
	 * The device's and the VP's ioctls are not the partition's, though
	 * they share its numbers with another size or direction.
	 */
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_CREATE_PARTITION, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_RUN_VP, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_VP_STATE, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_VP_TRANSLATE_GVA, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->pt, _IO(MSHV_IOCTL, 0x08)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->pt, _IOW(MSHV_IOCTL, 0x02, uint64_t), arg));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(pt, map_unmap)
{
	void *other = mshv_alloc_mem(SIZE);

	ASSERT_EQ(0, mshv_set_memory(self->pt, GFN, SIZE, self->mem,
				     MSHV_MEM_RWX));
	/* Right next to it, on both sides. */
	EXPECT_EQ(0, mshv_set_memory(self->pt, GFN + NR_PAGES, MSHV_PAGE_SIZE,
				     other, 0));
	EXPECT_EQ(0, mshv_set_memory(self->pt, GFN - 1, MSHV_PAGE_SIZE,
				     (char *)other + MSHV_PAGE_SIZE,
				     1 << MSHV_SET_MEM_BIT_EXECUTABLE));
	EXPECT_EQ(0, mshv_unmap_memory(self->pt, GFN, SIZE, self->mem));
	EXPECT_EQ(0, mshv_unmap_memory(self->pt, GFN + NR_PAGES,
				       MSHV_PAGE_SIZE, other));
	/* The same memory maps again, anywhere. */
	EXPECT_EQ(0, mshv_set_memory(self->pt, GFN + 0x1000, SIZE, self->mem,
				     1 << MSHV_SET_MEM_BIT_WRITABLE));
	EXPECT_EQ(0, mshv_unmap_memory(self->pt, GFN + 0x1000, SIZE,
				       self->mem));
	/* The last guest frame there is. */
	EXPECT_EQ(0, mshv_set_memory(self->pt, MAX_GFN, MSHV_PAGE_SIZE,
				     self->mem, MSHV_MEM_RWX));
	EXPECT_EQ(0, mshv_unmap_memory(self->pt, MAX_GFN, MSHV_PAGE_SIZE,
				       self->mem));
	/* The region at GFN - 1 goes with the partition. */
}

TEST_F(pt, map_large)
{
	size_t size = 4UL << 20;
	char *mem = mshv_alloc_mem(size + (2UL << 20));
	char *aligned;
	size_t i;

	/* 2 MiB aligned on both sides, where large pages can back it. */
	aligned = (char *)(((uintptr_t)mem + (2UL << 20) - 1) &
			   ~((2UL << 20) - 1));
	madvise(aligned, size, MADV_HUGEPAGE);
	for (i = 0; i < size; i += MSHV_PAGE_SIZE)
		aligned[i] = 1;
	ASSERT_EQ(0, mshv_set_memory(self->pt, 0x200, size, aligned,
				     MSHV_MEM_RWX));
	/* Not aligned in the guest. */
	ASSERT_EQ(0, mshv_set_memory(self->pt, 0x10001, 2UL << 20, aligned,
				     MSHV_MEM_RWX));
	EXPECT_EQ(0, mshv_unmap_memory(self->pt, 0x200, size, aligned));
	EXPECT_EQ(0, mshv_unmap_memory(self->pt, 0x10001, 2UL << 20, aligned));
}

TEST_F(pt, map_bad_sizes)
{
	char *mem = self->mem;

	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, 0, mem, MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, MSHV_PAGE_SIZE - 1, mem,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, MSHV_PAGE_SIZE + 1, mem,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, 512, mem, MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	/* The VMM's address must be page aligned. */
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, MSHV_PAGE_SIZE, mem + 1,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, MSHV_PAGE_SIZE, mem + 2048,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, mshv_set_memory(self->pt, GFN, SIZE, mem, MSHV_MEM_RWX));
}

TEST_F(pt, map_bad_ranges)
{
	char *mem = self->mem;

	/* Guest frames past 52 bits of address, or wrapping around. */
	EXPECT_EQ(-1, mshv_set_memory(self->pt, MAX_GFN + 1, MSHV_PAGE_SIZE,
				      mem, MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, MAX_GFN, 2 * MSHV_PAGE_SIZE,
				      mem, MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, ~0ULL, 2 * MSHV_PAGE_SIZE,
				      mem, MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, ~0ULL - 1, MSHV_PAGE_SIZE,
				      mem, MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, 1, ~0ULL & ~0xfffULL, mem,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);

	/* A VMM range that wraps, or that is not user memory. */
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, 2 * MSHV_PAGE_SIZE,
				      (void *)0xfffffffffffff000ULL,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, MSHV_PAGE_SIZE,
				      (void *)0xffff888000000000ULL,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, 1ULL << 47,
				      (void *)(1ULL << 46), MSHV_MEM_RWX));
	EXPECT_EQ(EFAULT, errno);

	ASSERT_EQ(0, mshv_set_memory(self->pt, GFN, SIZE, mem, MSHV_MEM_RWX));
}

TEST_F(pt, map_bad_flags)
{
	struct mshv_user_mem_region region = {
		.size = SIZE,
		.guest_pfn = GFN,
		.userspace_addr = (uintptr_t)self->mem,
	};
	unsigned int i;

	for (i = MSHV_SET_MEM_BIT_COUNT; i < 8; i++) {
		region.flags = MSHV_MEM_RWX | 1 << i;
		EXPECT_EQ(-1, ioctl(self->pt, MSHV_SET_GUEST_MEMORY, &region))
			TH_LOG("flag bit %u accepted", i);
		EXPECT_EQ(EINVAL, errno);
		/* An unmap with an unknown bit is refused as well. */
		region.flags = 1 << MSHV_SET_MEM_BIT_UNMAP | 1 << i;
		EXPECT_EQ(-1, ioctl(self->pt, MSHV_SET_GUEST_MEMORY, &region));
		EXPECT_EQ(EINVAL, errno);
	}
	region.flags = MSHV_MEM_RWX;
	for (i = 0; i < sizeof(region.rsvd); i++) {
		region.rsvd[i] = 1;
		EXPECT_EQ(-1, ioctl(self->pt, MSHV_SET_GUEST_MEMORY, &region))
			TH_LOG("rsvd[%u] accepted", i);
		EXPECT_EQ(EINVAL, errno);
		region.rsvd[i] = 0;
	}
	EXPECT_EQ(0, ioctl(self->pt, MSHV_SET_GUEST_MEMORY, &region));
}

TEST_F(pt, map_efault)
{
	struct mshv_user_mem_region region = {
		.size = SIZE,
		.guest_pfn = GFN,
		.userspace_addr = (uintptr_t)self->mem,
		.flags = MSHV_MEM_RWX,
	};
	char *page = mshv_guard_page();
	char *mem;

	EXPECT_EQ(-1, ioctl(self->pt, MSHV_SET_GUEST_MEMORY, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_SET_GUEST_MEMORY,
			    page + MSHV_PAGE_SIZE - sizeof(region) / 2));
	EXPECT_EQ(EFAULT, errno);

	/* No VMM memory there at all. */
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, MSHV_PAGE_SIZE,
				      mshv_unmapped_ptr(), MSHV_MEM_RWX));
	EXPECT_EQ(EFAULT, errno);
	/* Memory that ends before the region does: the pin fails part way. */
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, 2 * MSHV_PAGE_SIZE, page,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EFAULT, errno);
	/* A hole in the middle. */
	mem = mshv_alloc_mem(4 * MSHV_PAGE_SIZE);
	ASSERT_EQ(0, munmap(mem + 2 * MSHV_PAGE_SIZE, MSHV_PAGE_SIZE));
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, 4 * MSHV_PAGE_SIZE, mem,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EFAULT, errno);
	/* Memory the VMM itself cannot access. */
	mem = mshv_alloc_mem(MSHV_PAGE_SIZE);
	ASSERT_EQ(0, mprotect(mem, MSHV_PAGE_SIZE, PROT_NONE));
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, MSHV_PAGE_SIZE, mem, 0));
	EXPECT_EQ(EFAULT, errno);
	/* Writable for the guest, read-only for the VMM. */
	ASSERT_EQ(0, mprotect(mem, MSHV_PAGE_SIZE, PROT_READ));
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, MSHV_PAGE_SIZE, mem,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EFAULT, errno);
	/* Read-only for both is fine. */
	EXPECT_EQ(0, mshv_set_memory(self->pt, GFN, MSHV_PAGE_SIZE, mem, 0));
	EXPECT_EQ(0, mshv_unmap_memory(self->pt, GFN, MSHV_PAGE_SIZE, mem));

	/* None of the failures left a region behind. */
	EXPECT_EQ(0, ioctl(self->pt, MSHV_SET_GUEST_MEMORY, &region));
}

TEST_F(pt, map_overlap)
{
	char *other = mshv_alloc_mem(2 * SIZE);
	char *mem = self->mem;

	ASSERT_EQ(0, mshv_set_memory(self->pt, GFN, SIZE, mem, MSHV_MEM_RWX));
	/* Same range; the same or other memory. */
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, SIZE, mem, MSHV_MEM_RWX));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN, SIZE, other, 0));
	EXPECT_EQ(EEXIST, errno);
	/* Overlapping its first frame, its last frame, inside, around. */
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN - 1, 2 * MSHV_PAGE_SIZE,
				      other, MSHV_MEM_RWX));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN + NR_PAGES - 1,
				      2 * MSHV_PAGE_SIZE, other, MSHV_MEM_RWX));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN + 3, MSHV_PAGE_SIZE,
				      other, MSHV_MEM_RWX));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, mshv_set_memory(self->pt, GFN - 4, 2 * SIZE, other,
				      MSHV_MEM_RWX));
	EXPECT_EQ(EEXIST, errno);

	/* The region is intact: it unmaps exactly once. */
	EXPECT_EQ(0, mshv_unmap_memory(self->pt, GFN, SIZE, mem));
	EXPECT_EQ(-1, mshv_unmap_memory(self->pt, GFN, SIZE, mem));
	EXPECT_EQ(ENOENT, errno);
	/* Its frames are free now. */
	EXPECT_EQ(0, mshv_set_memory(self->pt, GFN - 4, 2 * SIZE, other,
				     MSHV_MEM_RWX));
}

TEST_F(pt, unmap_mismatch)
{
	char *mem = self->mem;

	/* Nothing mapped at all. */
	EXPECT_EQ(-1, mshv_unmap_memory(self->pt, GFN, SIZE, mem));
	EXPECT_EQ(ENOENT, errno);

	ASSERT_EQ(0, mshv_set_memory(self->pt, GFN, SIZE, mem, MSHV_MEM_RWX));
	/* Only the exact region is removed: not a part, not more. */
	EXPECT_EQ(-1, mshv_unmap_memory(self->pt, GFN, SIZE - MSHV_PAGE_SIZE,
					mem));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mshv_unmap_memory(self->pt, GFN, SIZE + MSHV_PAGE_SIZE,
					mem));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mshv_unmap_memory(self->pt, GFN + 1,
					SIZE - MSHV_PAGE_SIZE,
					mem + MSHV_PAGE_SIZE));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, mshv_unmap_memory(self->pt, GFN - 1, SIZE, mem));
	EXPECT_EQ(ENOENT, errno);
	/* The right frames with other VMM memory. */
	EXPECT_EQ(-1, mshv_unmap_memory(self->pt, GFN, SIZE,
					mem + MSHV_PAGE_SIZE));
	EXPECT_EQ(ENOENT, errno);
	/* An unmap is checked like a map. */
	EXPECT_EQ(-1, mshv_unmap_memory(self->pt, GFN, 0, mem));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_unmap_memory(self->pt, GFN, SIZE, mem + 1));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(0, mshv_unmap_memory(self->pt, GFN, SIZE, mem));
}

TEST_F(pt, map_many_then_close)
{
	char *mem = mshv_alloc_mem(64 * MSHV_PAGE_SIZE);
	unsigned int i;

	/* One page each, every other frame: none merge. */
	for (i = 0; i < 64; i++)
		ASSERT_EQ(0, mshv_set_memory(self->pt, GFN + 2 * i,
					     MSHV_PAGE_SIZE,
					     mem + i * MSHV_PAGE_SIZE,
					     i % 2 ? MSHV_MEM_RWX : 0));
	for (i = 0; i < 64; i += 2)
		ASSERT_EQ(0, mshv_unmap_memory(self->pt, GFN + 2 * i,
					       MSHV_PAGE_SIZE,
					       mem + i * MSHV_PAGE_SIZE));
	/* The rest goes with the partition; the VMM memory stays usable. */
	close(self->pt);
	self->pt = -1;
	memset(mem, 0x5a, 64 * MSHV_PAGE_SIZE);
	EXPECT_EQ(0x5a, mem[63 * MSHV_PAGE_SIZE]);
}

static int set_routes(int pt, const struct mshv_user_irq_entry *entries,
		      uint32_t nr, uint32_t rsvd)
{
	struct mshv_user_irq_table *table;
	int ret, err;

	table = calloc(1, sizeof(*table) + nr * sizeof(*entries));
	if (!table)
		return -1;
	table->nr = nr;
	table->rsvd = rsvd;
	if (nr)
		memcpy(table->entries, entries, nr * sizeof(*entries));
	ret = ioctl(pt, MSHV_SET_MSI_ROUTING, table);
	err = errno;
	free(table);
	errno = err;
	return ret;
}

/* Routes to GSIs 0..nr-1, each with a fixed-mode MSI to APIC 0. */
static struct mshv_user_irq_entry *make_routes(uint32_t nr)
{
	struct mshv_user_irq_entry *e = calloc(nr ? nr : 1, sizeof(*e));
	uint32_t i;

	for (i = 0; e && i < nr; i++) {
		e[i].gsi = i;
		e[i].address_lo = 0xfee00000;
		e[i].data = 0x20 + i % 200;
	}
	return e;
}

TEST_F(pt, msi_routing)
{
	struct mshv_user_irq_entry *e = make_routes(MSHV_MAX_GSI_ROUTES);

	ASSERT_NE(NULL, e);
	EXPECT_EQ(0, set_routes(self->pt, e, 1, 0));
	/* The whole table replaces the previous one. */
	EXPECT_EQ(0, set_routes(self->pt, e, 16, 0));
	EXPECT_EQ(0, set_routes(self->pt, e, MSHV_MAX_GSI_ROUTES, 0));
	/* Sparse: only the last GSI. */
	EXPECT_EQ(0, set_routes(self->pt, e + MSHV_MAX_GSI_ROUTES - 1, 1, 0));
	/* No routes at all. */
	EXPECT_EQ(0, set_routes(self->pt, NULL, 0, 0));
	EXPECT_EQ(0, set_routes(self->pt, NULL, 0, 0));
	free(e);
}

TEST_F(pt, msi_routing_bad)
{
	struct mshv_user_irq_entry *e = make_routes(MSHV_MAX_GSI_ROUTES + 1);
	struct mshv_user_irq_table *table;
	char *page = mshv_guard_page();

	ASSERT_NE(NULL, e);
	EXPECT_EQ(-1, set_routes(self->pt, e, MSHV_MAX_GSI_ROUTES + 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_routes(self->pt, e, 1, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_routes(self->pt, e, 1, 0x80000000));
	EXPECT_EQ(EINVAL, errno);

	/* A GSI out of range, first or last in the table. */
	e[0].gsi = MSHV_MAX_GSI_ROUTES;
	EXPECT_EQ(-1, set_routes(self->pt, e, 4, 0));
	EXPECT_EQ(EINVAL, errno);
	e[0].gsi = 0xffffffff;
	EXPECT_EQ(-1, set_routes(self->pt, e, 4, 0));
	EXPECT_EQ(EINVAL, errno);
	e[0].gsi = 0;
	e[3].gsi = MSHV_MAX_GSI_ROUTES;
	EXPECT_EQ(-1, set_routes(self->pt, e, 4, 0));
	EXPECT_EQ(EINVAL, errno);
	/* One GSI routed twice. */
	e[3].gsi = 1;
	EXPECT_EQ(-1, set_routes(self->pt, e, 4, 0));
	EXPECT_EQ(EINVAL, errno);
	e[3].gsi = 3;

	/* The count is judged before any entry is read. */
	table = (void *)(page + MSHV_PAGE_SIZE - sizeof(*table));
	table->nr = MSHV_MAX_GSI_ROUTES + 1;
	table->rsvd = 0;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_SET_MSI_ROUTING, table));
	EXPECT_EQ(EINVAL, errno);
	/* Entries that run into the inaccessible page. */
	table->nr = 1;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_SET_MSI_ROUTING, table));
	EXPECT_EQ(EFAULT, errno);
	table = (void *)(page + MSHV_PAGE_SIZE - sizeof(*table) -
			 sizeof(e[0]));
	table->nr = 2;
	table->rsvd = 0;
	memcpy(table->entries, e, sizeof(e[0]));
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_SET_MSI_ROUTING, table));
	EXPECT_EQ(EFAULT, errno);
	table->nr = 1;
	EXPECT_EQ(0, ioctl(self->pt, MSHV_SET_MSI_ROUTING, table));
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_SET_MSI_ROUTING, NULL));
	EXPECT_EQ(EFAULT, errno);

	EXPECT_EQ(0, set_routes(self->pt, e, 4, 0));
	free(e);
}

static int access_bitmap(int pt, uint8_t type, uint8_t op, uint64_t base,
			 uint64_t count, void *bitmap)
{
	struct mshv_gpap_access_bitmap args = {
		.access_type = type,
		.access_op = op,
		.page_count = count,
		.gpap_base = base,
		.bitmap_ptr = (uintptr_t)bitmap,
	};

	return ioctl(pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args);
}

TEST_F(pt, access_bitmap)
{
	static const uint8_t types[] = {
		MSHV_GPAP_ACCESS_TYPE_ACCESSED, MSHV_GPAP_ACCESS_TYPE_DIRTY,
	};
	uint8_t bitmap[NR_PAGES / 8 + 2];
	unsigned int i;

	ASSERT_EQ(0, mshv_set_memory(self->pt, GFN, SIZE, self->mem,
				     MSHV_MEM_RWX));
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		/* Set every bit; they read back set, then clear. */
		EXPECT_EQ(0, access_bitmap(self->pt, types[i],
					   MSHV_GPAP_ACCESS_OP_SET, GFN,
					   NR_PAGES, bitmap));
		memset(bitmap, 0, sizeof(bitmap));
		EXPECT_EQ(0, access_bitmap(self->pt, types[i],
					   MSHV_GPAP_ACCESS_OP_CLEAR, GFN,
					   NR_PAGES, bitmap));
		EXPECT_EQ(0xff, bitmap[0]);
		EXPECT_EQ(0xff, bitmap[1]);
		memset(bitmap, 0xff, sizeof(bitmap));
		EXPECT_EQ(0, access_bitmap(self->pt, types[i],
					   MSHV_GPAP_ACCESS_OP_NOOP, GFN,
					   NR_PAGES, bitmap));
		EXPECT_EQ(0, bitmap[0]);
		EXPECT_EQ(0, bitmap[1]);

		/* Nine pages take two bytes; the bits past them are 0. */
		EXPECT_EQ(0, access_bitmap(self->pt, types[i],
					   MSHV_GPAP_ACCESS_OP_SET, GFN + 7,
					   1, bitmap));
		memset(bitmap, 0xaa, sizeof(bitmap));
		EXPECT_EQ(0, access_bitmap(self->pt, types[i],
					   MSHV_GPAP_ACCESS_OP_NOOP, GFN, 9,
					   bitmap));
		EXPECT_EQ(0x80, bitmap[0]);
		EXPECT_EQ(0x00, bitmap[1]);
		EXPECT_EQ(0xaa, bitmap[2]);
		/* NOOP left the bit set. */
		EXPECT_EQ(0, access_bitmap(self->pt, types[i],
					   MSHV_GPAP_ACCESS_OP_CLEAR, GFN + 7,
					   1, bitmap));
		EXPECT_EQ(0x01, bitmap[0]);
	}
}

TEST_F(pt, access_bitmap_bad)
{
	struct mshv_gpap_access_bitmap args = {
		.page_count = NR_PAGES,
		.gpap_base = GFN,
	};
	uint8_t bitmap[NR_PAGES / 8];
	char *page = mshv_guard_page();
	unsigned int i;

	ASSERT_EQ(0, mshv_set_memory(self->pt, GFN, SIZE, self->mem,
				     MSHV_MEM_RWX));
	args.bitmap_ptr = (uintptr_t)bitmap;

	args.access_type = MSHV_GPAP_ACCESS_TYPE_COUNT;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);
	args.access_type = 0xff;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);
	args.access_type = MSHV_GPAP_ACCESS_TYPE_DIRTY;
	args.access_op = MSHV_GPAP_ACCESS_OP_COUNT;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);
	args.access_op = 0xff;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);
	args.access_op = MSHV_GPAP_ACCESS_OP_NOOP;
	for (i = 0; i < sizeof(args.rsvd); i++) {
		args.rsvd[i] = 1;
		EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP,
				    &args))
			TH_LOG("rsvd[%u] accepted", i);
		EXPECT_EQ(EINVAL, errno);
		args.rsvd[i] = 0;
	}

	/* No pages, or pages past the last guest frame. */
	args.page_count = 0;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);
	args.gpap_base = ~0ULL;
	args.page_count = 2;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);
	args.gpap_base = 1;
	args.page_count = ~0ULL;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);
	args.gpap_base = MAX_GFN + 1;
	args.page_count = 1;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);
	args.gpap_base = MAX_GFN;
	args.page_count = 2;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);
	args.gpap_base = GFN;
	args.page_count = NR_PAGES;

	/* The bitmap must be writable user memory. */
	args.bitmap_ptr = 0xffff888000000000ULL;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EFAULT, errno);
	args.bitmap_ptr = (uintptr_t)mshv_unmapped_ptr();
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EFAULT, errno);
	args.bitmap_ptr = (uintptr_t)(page + MSHV_PAGE_SIZE - 1);
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Frames the partition has no memory at. */
	args.bitmap_ptr = (uintptr_t)bitmap;
	args.gpap_base = GFN + NR_PAGES;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
	EXPECT_EQ(EINVAL, errno);

	args.gpap_base = GFN;
	args.bitmap_ptr = (uintptr_t)(page + MSHV_PAGE_SIZE - sizeof(bitmap));
	EXPECT_EQ(0, ioctl(self->pt, MSHV_GET_GPAP_ACCESS_BITMAP, &args));
}

/* GET_PARTITION_PROPERTY of this partition through its fd. */
static int get_property(int fd, uint32_t code, uint64_t *value,
			uint16_t *status)
{
	struct mshv_hv_get_property_in in = { .property_code = code };
	struct mshv_hv_get_property_out out = {};
	int ret;

	ret = mshv_hvcall(fd, HVCALL_GET_PARTITION_PROPERTY, 0, &in,
			  sizeof(in), &out, sizeof(out), status, NULL);
	*value = out.property_value;
	return ret;
}

TEST_F(pt, hvcall)
{
	struct mshv_hv_get_property_in in = {
		/* Overwritten by the kernel with this partition's id. */
		.partition_id = 0x7777,
		.property_code = HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE,
	};
	struct mshv_hv_get_property_out out = {};
	uint16_t status = 0xffff, reps = 0xffff;
	uint64_t value;

	ASSERT_EQ(0, mshv_hvcall(self->pt, HVCALL_GET_PARTITION_PROPERTY, 0,
				 &in, sizeof(in), &out, sizeof(out), &status,
				 &reps))
		TH_LOG("GET_PARTITION_PROPERTY: %s", strerror(errno));
	EXPECT_EQ(HV_STATUS_SUCCESS, status);
	EXPECT_EQ(0, reps);
	EXPECT_LT(512, out.property_value);

	EXPECT_EQ(0, get_property(self->pt, HV_PARTITION_PROPERTY_XSAVE_STATES,
				  &value, &status));
	/* x87 and SSE at least. */
	EXPECT_EQ(3, value & 3);

	/* The hypervisor's refusal: errno, and its status. */
	EXPECT_EQ(-1, get_property(self->pt, 0xdead0000, &value, &status));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(HV_STATUS_UNKNOWN_PROPERTY, status);
}

TEST_F(pt, hvcall_reps)
{
	struct {
		uint64_t partition_id;
		uint64_t flags;
		uint64_t gpa_page;
	} in = { .gpa_page = GFN };
	struct mshv_hv_get_property_in prop = {
		.property_code = HV_PARTITION_PROPERTY_XSAVE_STATES,
	};
	uint8_t states[NR_PAGES];
	uint16_t status, reps;
	uint64_t value;

	ASSERT_EQ(0, mshv_set_memory(self->pt, GFN, SIZE, self->mem,
				     MSHV_MEM_RWX));
	/* A rep call: the reps completed come back. */
	reps = 0;
	EXPECT_EQ(0, mshv_hvcall(self->pt, HVCALL_GET_GPA_PAGES_ACCESS_STATES,
				 NR_PAGES, &in, sizeof(in), states,
				 sizeof(states), &status, &reps))
		TH_LOG("GET_GPA_PAGES_ACCESS_STATES: %s", strerror(errno));
	EXPECT_EQ(HV_STATUS_SUCCESS, status);
	EXPECT_EQ(NR_PAGES, reps);
	/* Reps that run off the mapped frames stop there. */
	in.gpa_page = GFN + NR_PAGES - 2;
	EXPECT_EQ(-1, mshv_hvcall(self->pt, HVCALL_GET_GPA_PAGES_ACCESS_STATES,
				  4, &in, sizeof(in), states, sizeof(states),
				  &status, &reps));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(HV_STATUS_INVALID_PARAMETER, status);
	EXPECT_EQ(2, reps);

	/* A rep call without reps, a simple call with reps. */
	EXPECT_EQ(-1, mshv_hvcall(self->pt, HVCALL_GET_GPA_PAGES_ACCESS_STATES,
				  0, &in, sizeof(in), states, sizeof(states),
				  &status, &reps));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(HV_STATUS_INVALID_HYPERCALL_INPUT, status);
	EXPECT_EQ(-1, mshv_hvcall(self->pt, HVCALL_GET_PARTITION_PROPERTY, 1,
				  &prop, sizeof(prop), &value, sizeof(value),
				  &status, &reps));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(HV_STATUS_INVALID_HYPERCALL_INPUT, status);
	EXPECT_EQ(0, reps);

	EXPECT_EQ(0, get_property(self->pt, HV_PARTITION_PROPERTY_XSAVE_STATES,
				  &value, &status));
}

TEST_F(pt, hvcall_codes)
{
	/* What the driver does itself, or that reaches beyond the partition. */
	static const uint16_t refused[] = {
		0, HVCALL_CREATE_PARTITION, HVCALL_INITIALIZE_PARTITION,
		0x0042, HVCALL_DELETE_PARTITION, HVCALL_DEPOSIT_MEMORY,
		HVCALL_WITHDRAW_MEMORY, HVCALL_MAP_GPA_PAGES,
		HVCALL_UNMAP_GPA_PAGES, HVCALL_CREATE_VP, HVCALL_DELETE_VP,
		HVCALL_MAP_STATS_PAGE, HVCALL_GET_SYSTEM_PROPERTY,
		HVCALL_CREATE_PORT, 0x0096, HVCALL_DISPATCH_VP,
		HVCALL_MAP_VP_STATE_PAGE, 0x00e2, HVCALL_GET_VP_STATE, 0x00e4,
		0x00d7, 0x00d8, 0x008d, 0x0fff, 0xffff,
	};
	uint64_t in[8] = {}, out[8], value;
	unsigned int i;
	uint16_t status;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		EXPECT_EQ(-1, mshv_hvcall(self->pt, refused[i], 0, in,
					  sizeof(in), out, sizeof(out), NULL,
					  NULL))
			TH_LOG("code %#x accepted", refused[i]);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, mshv_hvcall(self->pt, refused[i], 1, in,
					  sizeof(in), out, sizeof(out), NULL,
					  NULL));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(0, get_property(self->pt, HV_PARTITION_PROPERTY_XSAVE_STATES,
				  &value, &status));
}

TEST_F(pt, hvcall_bad_args)
{
	struct mshv_hv_get_property_in in = {
		.property_code = HV_PARTITION_PROPERTY_XSAVE_STATES,
	};
	uint64_t out[MSHV_PAGE_SIZE / 8 + 1];
	const struct mshv_root_hvcall good = {
		.code = HVCALL_GET_PARTITION_PROPERTY,
		.in_sz = sizeof(in),
		.out_sz = sizeof(out[0]),
		.in_ptr = (uintptr_t)&in,
		.out_ptr = (uintptr_t)out,
	};
	struct mshv_root_hvcall args;
	unsigned int i;

	args = good;
	EXPECT_EQ(0, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
	args.in_sz = 4;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
	EXPECT_EQ(EINVAL, errno);
	args.in_sz = MSHV_PAGE_SIZE + 8;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
	EXPECT_EQ(EINVAL, errno);
	args = good;
	args.out_sz = MSHV_PAGE_SIZE + 8;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
	EXPECT_EQ(EINVAL, errno);
	args = good;
	args.out_ptr = 0;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
	EXPECT_EQ(EINVAL, errno);
	args = good;
	args.reps = 0x1000;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
	EXPECT_EQ(EINVAL, errno);
	args = good;
	args.status = 0x8000;
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
	EXPECT_EQ(EINVAL, errno);
	for (i = 0; i < sizeof(args.rsvd); i++) {
		args = good;
		args.rsvd[i] = 1;
		EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
		EXPECT_EQ(EINVAL, errno);
	}
	args = good;
	args.in_ptr = (uintptr_t)mshv_unmapped_ptr();
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
	EXPECT_EQ(EFAULT, errno);
	args = good;
	args.out_ptr = (uintptr_t)mshv_unmapped_ptr();
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_ROOT_HVCALL, NULL));
	EXPECT_EQ(EFAULT, errno);

	args = good;
	EXPECT_EQ(0, ioctl(self->pt, MSHV_ROOT_HVCALL, &args));
}

/* A partition that is not initialized yet. */
FIXTURE(pt_new) {
	int dev;
	int pt;
};

FIXTURE_SETUP(pt_new)
{
	self->pt = -1;
	self->dev = mshv_open_dev();
	if (self->dev < 0)
		return;
	self->pt = mshv_create_partition(self->dev, MSHV_PT_FLAGS_DEFAULT);
}

FIXTURE_TEARDOWN(pt_new)
{
	close(self->pt);
	close(self->dev);
}

TEST_F(pt_new, create_vp_before_initialize)
{
	EXPECT_EQ(-1, mshv_try_create_vp(self->pt, 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, ioctl(self->pt, MSHV_INITIALIZE_PARTITION));
	/* The refused index was not taken. */
	close(mshv_create_vp(self->pt, 0));
}

TEST_F(pt_new, close_without_initialize)
{
	struct mshv_user_irq_entry route = {
		.address_lo = 0xfee00000,
		.data = 0x30,
	};

	EXPECT_EQ(0, set_routes(self->pt, &route, 1, 0));
	/* The teardown of a partition that never ran. */
	EXPECT_EQ(0, close(self->pt));
	self->pt = -1;
}

TEST_HARNESS_MAIN
