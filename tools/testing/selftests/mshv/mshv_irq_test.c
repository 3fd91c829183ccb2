// SPDX-License-Identifier: GPL-2.0
/*
 * Eventfds on the partition fd: MSHV_IRQFD (assign, resample, deassign) and
 * MSHV_IOEVENTFD (doorbells), with every refused combination.  After each
 * refusal the test shows that nothing was registered or removed.
 */
#include "mshv_util.h"

#define GSI	5

FIXTURE(irq) {
	int dev;
	int pt;
	int vp;
	int efd;
	int rfd;
};

FIXTURE_SETUP(irq)
{
	struct mshv_user_irq_table *table;

	self->pt = -1;
	self->vp = -1;
	self->efd = -1;
	self->rfd = -1;
	self->dev = mshv_open_dev();
	if (self->dev < 0)
		return;
	self->pt = mshv_create_initialized_partition(self->dev);
	self->vp = mshv_create_vp(self->pt, 0);
	self->efd = mshv_eventfd();
	self->rfd = mshv_eventfd();

	/* GSI 5: a fixed, edge-triggered MSI, vector 0x30, to APIC 0. */
	table = calloc(1, sizeof(*table) + sizeof(table->entries[0]));
	ASSERT_NE(NULL, table);
	table->nr = 1;
	table->entries[0].gsi = GSI;
	table->entries[0].address_lo = 0xfee00000;
	table->entries[0].data = 0x30;
	ASSERT_EQ(0, ioctl(self->pt, MSHV_SET_MSI_ROUTING, table));
	free(table);
}

FIXTURE_TEARDOWN(irq)
{
	close(self->rfd);
	close(self->efd);
	close(self->vp);
	close(self->pt);
	close(self->dev);
}

static int irqfd(int pt, int fd, int resamplefd, uint32_t gsi,
		 uint32_t flags)
{
	struct mshv_user_irqfd args = {
		.fd = fd,
		.resamplefd = resamplefd,
		.gsi = gsi,
		.flags = flags,
	};

	return ioctl(pt, MSHV_IRQFD, &args);
}

#define IRQFD_DEASSIGN	BIT(MSHV_IRQFD_BIT_DEASSIGN)
#define IRQFD_RESAMPLE	BIT(MSHV_IRQFD_BIT_RESAMPLE)

/*
 * Whether an irqfd listens on @efd: it consumes a signal as it is made,
 * so nothing is left to read.
 */
static bool irqfd_listens(int efd)
{
	uint64_t one = 1;

	mshv_eventfd_count(efd);
	if (write(efd, &one, sizeof(one)) != sizeof(one))
		return false;
	return mshv_eventfd_count(efd) == 0;
}

TEST_F(irq, irqfd_assign_deassign)
{
	EXPECT_FALSE(irqfd_listens(self->efd));
	EXPECT_EQ(0, irqfd(self->pt, self->efd, 0, GSI, 0));
	EXPECT_TRUE(irqfd_listens(self->efd));
	EXPECT_EQ(0, irqfd(self->pt, self->efd, 0, GSI, IRQFD_DEASSIGN));
	/* Gone once the deassign returns; a second one finds nothing. */
	EXPECT_FALSE(irqfd_listens(self->efd));
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, 0, GSI, IRQFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
	/* The eventfd is free for another irqfd, on a GSI not routed yet. */
	EXPECT_EQ(0, irqfd(self->pt, self->efd, -1, MSHV_MAX_GSI_ROUTES - 1,
			   0));
	EXPECT_EQ(0, irqfd(self->pt, self->efd, -1, MSHV_MAX_GSI_ROUTES - 1,
			   IRQFD_DEASSIGN));
}

TEST_F(irq, irqfd_resample)
{
	EXPECT_EQ(0, irqfd(self->pt, self->efd, self->rfd, GSI,
			   IRQFD_RESAMPLE));
	/* A deassign names the irqfd by its eventfd and GSI alone. */
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, self->rfd, GSI,
			    IRQFD_DEASSIGN));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, irqfd(self->pt, self->efd, -1, GSI, IRQFD_DEASSIGN));
	/* The resample eventfd is not an irqfd of its own. */
	EXPECT_EQ(-1, irqfd(self->pt, self->rfd, 0, GSI, IRQFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
	/* Two irqfds may share a resample eventfd. */
	EXPECT_EQ(0, irqfd(self->pt, self->efd, self->rfd, GSI,
			   IRQFD_RESAMPLE));
	EXPECT_EQ(0, irqfd(self->pt, mshv_eventfd(), self->rfd, GSI + 1,
			   IRQFD_RESAMPLE));
	/* The partition's release drops both. */
}

TEST_F(irq, irqfd_bad_fd)
{
	int not_eventfd = self->dev;

	EXPECT_EQ(-1, irqfd(self->pt, -1, 0, GSI, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, irqfd(self->pt, 100000, 0, GSI, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, irqfd(self->pt, not_eventfd, 0, GSI, 0));
	EXPECT_EQ(EINVAL, errno);
	/* With the resample flag, the resample fd must be an eventfd too. */
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, -1, GSI, IRQFD_RESAMPLE));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, not_eventfd, GSI,
			    IRQFD_RESAMPLE));
	EXPECT_EQ(EINVAL, errno);
	/* A deassign names an eventfd as well. */
	EXPECT_EQ(-1, irqfd(self->pt, -1, 0, GSI, IRQFD_DEASSIGN));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, irqfd(self->pt, not_eventfd, 0, GSI, IRQFD_DEASSIGN));
	EXPECT_EQ(EINVAL, errno);

	/* None of them registered the eventfd. */
	EXPECT_FALSE(irqfd_listens(self->efd));
	EXPECT_EQ(0, irqfd(self->pt, self->efd, self->rfd, GSI,
			   IRQFD_RESAMPLE));
	EXPECT_TRUE(irqfd_listens(self->efd));
}

TEST_F(irq, irqfd_bad_flags)
{
	unsigned int bit;

	for (bit = MSHV_IRQFD_BIT_COUNT; bit < 32; bit++) {
		EXPECT_EQ(-1, irqfd(self->pt, self->efd, 0, GSI, 1U << bit))
			TH_LOG("flag bit %u accepted", bit);
		EXPECT_EQ(EINVAL, errno);
	}
	/* A resample fd without the resample flag is a VMM bug. */
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, self->rfd, GSI, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, 3, GSI, 0));
	EXPECT_EQ(EINVAL, errno);
	/* GSIs past the routing table's reach. */
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, 0, MSHV_MAX_GSI_ROUTES, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, 0, 0xffffffff, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, 0, MSHV_MAX_GSI_ROUTES,
			    IRQFD_DEASSIGN));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_IRQFD, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Nothing was assigned: there is nothing to deassign. */
	EXPECT_FALSE(irqfd_listens(self->efd));
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, 0, GSI, IRQFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, irqfd(self->pt, self->efd, 0, GSI, 0));
}

TEST_F(irq, irqfd_duplicate)
{
	int fd;

	EXPECT_EQ(0, irqfd(self->pt, self->efd, 0, GSI, 0));
	/* One eventfd, one irqfd, whatever the GSI (as KVM: EBUSY). */
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, 0, GSI, 0));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, 0, GSI + 1, 0));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, self->rfd, GSI,
			    IRQFD_RESAMPLE));
	EXPECT_EQ(EBUSY, errno);
	/* A dup of the fd is the same eventfd. */
	fd = dup(self->efd);
	EXPECT_EQ(-1, irqfd(self->pt, fd, 0, GSI, 0));
	EXPECT_EQ(EBUSY, errno);
	close(fd);
	/* Another eventfd on the same GSI is fine. */
	EXPECT_EQ(0, irqfd(self->pt, self->rfd, 0, GSI, 0));

	/* The first assignment is intact, and only it. */
	EXPECT_TRUE(irqfd_listens(self->efd));
	EXPECT_EQ(-1, irqfd(self->pt, self->efd, 0, GSI + 1, IRQFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, irqfd(self->pt, self->efd, 0, GSI, IRQFD_DEASSIGN));
	EXPECT_EQ(0, irqfd(self->pt, self->rfd, 0, GSI, IRQFD_DEASSIGN));
	EXPECT_FALSE(irqfd_listens(self->efd));
	EXPECT_FALSE(irqfd_listens(self->rfd));
}

TEST_F(irq, irqfd_close_eventfd)
{
	int efd = mshv_eventfd();

	EXPECT_EQ(0, irqfd(self->pt, efd, 0, GSI, 0));
	EXPECT_EQ(0, irqfd(self->pt, self->efd, 0, GSI, 0));
	/* Closing the eventfd shuts its irqfd down. */
	EXPECT_EQ(0, close(efd));
	EXPECT_EQ(-1, irqfd(self->pt, efd, 0, GSI, IRQFD_DEASSIGN));
	EXPECT_EQ(EBADF, errno);
	/* The other one still listens; until the partition goes. */
	EXPECT_TRUE(irqfd_listens(self->efd));
	EXPECT_EQ(0, close(self->vp));
	self->vp = -1;
	EXPECT_TRUE(irqfd_listens(self->efd));
	EXPECT_EQ(0, close(self->pt));
	self->pt = -1;
	EXPECT_FALSE(irqfd_listens(self->efd));
}

TEST_F(irq, irqfd_signal_before_assign)
{
	uint64_t three = 3;

	/* Pending when assigned: delivered at once, not lost. */
	EXPECT_EQ(8, write(self->efd, &three, sizeof(three)));
	EXPECT_EQ(0, irqfd(self->pt, self->efd, 0, GSI, 0));
	EXPECT_TRUE(irqfd_listens(self->efd));
	EXPECT_EQ(0, irqfd(self->pt, self->efd, 0, GSI, IRQFD_DEASSIGN));
}

/* Whether @vector is requested in the local APIC of @vp (its IRR bit). */
static bool __lapic_irr(struct __test_metadata *_metadata, int vp,
			uint8_t vector)
{
	uint8_t *page = mshv_alloc_mem(MSHV_PAGE_SIZE);
	struct mshv_get_set_vp_state args = {
		.type = MSHV_VP_STATE_LAPIC,
		.buf_sz = MSHV_PAGE_SIZE,
		.buf_ptr = (uintptr_t)page,
	};
	uint32_t irr;

	ASSERT_EQ(0, ioctl(vp, MSHV_GET_VP_STATE, &args))
		TH_LOG("LAPIC state: %s", strerror(errno));
	/* The APIC page: IRR words of 32 vectors, one each 16 bytes. */
	memcpy(&irr, page + 0x200 + 0x10 * (vector / 32), sizeof(irr));
	munmap(page, MSHV_PAGE_SIZE);
	return irr & (1U << (vector % 32));
}

#define lapic_irr(vp, vector)	__lapic_irr(_metadata, vp, vector)

TEST_F(irq, irqfd_delivers)
{
	/* GSI 6: lowest priority, vector 0x41, APIC 0; asserted by hypercall. */
	struct {
		struct mshv_user_irq_table table;
		struct mshv_user_irq_entry entries[2];
	} routes = {
		.table.nr = 2,
		.entries = {
			{ GSI, 0xfee00000, 0, 0x30 },
			{ GSI + 1, 0xfee00000, 0, 0x100 | 0x41 },
		},
	};
	int i;

	ASSERT_EQ(0, ioctl(self->pt, MSHV_SET_MSI_ROUTING, &routes));
	ASSERT_EQ(0, irqfd(self->pt, self->efd, 0, GSI + 1, 0));
	EXPECT_FALSE(lapic_irr(self->vp, 0x41));
	EXPECT_TRUE(irqfd_listens(self->efd));
	for (i = 0; i < 100 && !lapic_irr(self->vp, 0x41); i++)
		usleep(10000);
	EXPECT_TRUE(lapic_irr(self->vp, 0x41));
	EXPECT_EQ(0, irqfd(self->pt, self->efd, 0, GSI + 1, IRQFD_DEASSIGN));
}

TEST_F(irq, hvcall_assert_interrupt)
{
	/* HVCALL_ASSERT_VIRTUAL_INTERRUPT, as a VMM's own device model does. */
	struct {
		uint64_t partition_id;
		uint64_t control;
		uint64_t dest_addr;
		uint32_t vector;
		uint8_t target_vtl;
		uint8_t reserved0;
		uint16_t reserved1;
	} in = { .vector = 0x52 };
	uint16_t status = 0xffff;

	EXPECT_FALSE(lapic_irr(self->vp, 0x52));
	ASSERT_EQ(0, mshv_hvcall(self->pt, HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0,
				 &in, sizeof(in), NULL, 0, &status, NULL))
		TH_LOG("ASSERT_VIRTUAL_INTERRUPT: %s", strerror(errno));
	EXPECT_EQ(HV_STATUS_SUCCESS, status);
	EXPECT_TRUE(lapic_irr(self->vp, 0x52));
	/* Through the VP fd as well; reserved fields are the hypervisor's. */
	in.vector = 0x63;
	EXPECT_EQ(0, mshv_hvcall(self->vp, HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0,
				 &in, sizeof(in), NULL, 0, &status, NULL));
	EXPECT_TRUE(lapic_irr(self->vp, 0x63));
	in.reserved1 = 1;
	EXPECT_EQ(-1, mshv_hvcall(self->pt, HVCALL_ASSERT_VIRTUAL_INTERRUPT, 0,
				  &in, sizeof(in), NULL, 0, &status, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(HV_STATUS_INVALID_PARAMETER, status);
}

#define IOEVENTFD_DATAMATCH	BIT(MSHV_IOEVENTFD_BIT_DATAMATCH)
#define IOEVENTFD_PIO		BIT(MSHV_IOEVENTFD_BIT_PIO)
#define IOEVENTFD_DEASSIGN	BIT(MSHV_IOEVENTFD_BIT_DEASSIGN)

#define MMIO	0xd0000000ULL

static int ioeventfd(int pt, int fd, uint64_t addr, uint32_t len,
		     uint64_t datamatch, uint32_t flags)
{
	struct mshv_user_ioeventfd args = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = flags,
	};

	return ioctl(pt, MSHV_IOEVENTFD, &args);
}

TEST_F(irq, ioeventfd_assign_deassign)
{
	static const uint32_t lens[] = { 0, 1, 2, 4, 8 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		EXPECT_EQ(0, ioeventfd(self->pt, self->efd, MMIO + 0x100 * i,
				       lens[i], 0, 0))
			TH_LOG("len %u: %s", lens[i], strerror(errno));
		if (!lens[i])
			continue;
		EXPECT_EQ(0, ioeventfd(self->pt, self->rfd,
				       MMIO + 0x100 * i + 0x10, lens[i],
				       0x1234, IOEVENTFD_DATAMATCH))
			TH_LOG("len %u, datamatch: %s", lens[i],
			       strerror(errno));
	}
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		EXPECT_EQ(0, ioeventfd(self->pt, self->efd, MMIO + 0x100 * i,
				       lens[i], 0, IOEVENTFD_DEASSIGN));
		EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO + 0x100 * i,
					lens[i], 0, IOEVENTFD_DEASSIGN));
		EXPECT_EQ(ENOENT, errno);
	}
	/* The datamatch ones go with the partition. */
}

TEST_F(irq, ioeventfd_bad_len)
{
	static const uint32_t lens[] = { 3, 5, 6, 7, 9, 16, 0x80000000, ~0U };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO, lens[i], 0,
					0)) TH_LOG("len %u accepted", lens[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	/* A write of any size has no value to compare. */
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO, 0, 1,
				IOEVENTFD_DATAMATCH));
	EXPECT_EQ(EINVAL, errno);
	/* The last byte of the range wraps around. */
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, ~0ULL, 2, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, ~0ULL - 6, 8, 0, 0));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(0, ioeventfd(self->pt, self->efd, MMIO, 4, 0, 0));
}

TEST_F(irq, ioeventfd_bad_flags)
{
	struct mshv_user_ioeventfd args = {
		.addr = MMIO,
		.len = 4,
		.fd = self->efd,
	};
	unsigned int i;

	/* Port I/O is not something the hypervisor has doorbells for. */
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, 0x60, 1, 0,
				IOEVENTFD_PIO));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, 0x60, 1, 5,
				IOEVENTFD_PIO | IOEVENTFD_DATAMATCH));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, 0x60, 1, 0,
				IOEVENTFD_PIO | IOEVENTFD_DEASSIGN));
	EXPECT_EQ(EOPNOTSUPP, errno);

	for (i = MSHV_IOEVENTFD_BIT_COUNT; i < 32; i++) {
		args.flags = 1U << i;
		EXPECT_EQ(-1, ioctl(self->pt, MSHV_IOEVENTFD, &args))
			TH_LOG("flag bit %u accepted", i);
		EXPECT_EQ(EINVAL, errno);
	}
	args.flags = 0;
	for (i = 0; i < sizeof(args.rsvd); i++) {
		args.rsvd[i] = 1;
		EXPECT_EQ(-1, ioctl(self->pt, MSHV_IOEVENTFD, &args))
			TH_LOG("rsvd[%u] accepted", i);
		EXPECT_EQ(EINVAL, errno);
		args.rsvd[i] = 0;
	}
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_IOEVENTFD, NULL));
	EXPECT_EQ(EFAULT, errno);

	EXPECT_EQ(0, ioctl(self->pt, MSHV_IOEVENTFD, &args));
}

TEST_F(irq, ioeventfd_bad_fd)
{
	EXPECT_EQ(-1, ioeventfd(self->pt, -1, MMIO, 4, 0, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, self->dev, MMIO, 4, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, -1, MMIO, 4, 0,
				IOEVENTFD_DEASSIGN));
	EXPECT_EQ(EBADF, errno);
	/* Nothing was registered at MMIO by these. */
	EXPECT_EQ(0, ioeventfd(self->pt, self->efd, MMIO, 4, 0, 0));
}

TEST_F(irq, ioeventfd_overlap)
{
	int other = mshv_eventfd();

	ASSERT_EQ(0, ioeventfd(self->pt, self->efd, MMIO, 4, 0, 0));
	/* Anything a write to MMIO could match as well. */
	EXPECT_EQ(-1, ioeventfd(self->pt, other, MMIO, 4, 0, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO, 4, 0, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, other, MMIO, 0, 0, 0));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, other, MMIO, 4, 7,
				IOEVENTFD_DATAMATCH));
	EXPECT_EQ(EEXIST, errno);
	/* Another size or address does not match the same writes. */
	EXPECT_EQ(0, ioeventfd(self->pt, other, MMIO, 2, 0, 0));
	EXPECT_EQ(0, ioeventfd(self->pt, other, MMIO + 4, 4, 0, 0));

	/* Values to match: the same value overlaps, another does not. */
	EXPECT_EQ(0, ioeventfd(self->pt, self->efd, MMIO + 0x10, 8, 1,
			       IOEVENTFD_DATAMATCH));
	EXPECT_EQ(0, ioeventfd(self->pt, other, MMIO + 0x10, 8, 2,
			       IOEVENTFD_DATAMATCH));
	EXPECT_EQ(-1, ioeventfd(self->pt, other, MMIO + 0x10, 8, 1,
				IOEVENTFD_DATAMATCH));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, other, MMIO + 0x10, 8, 0, 0));
	EXPECT_EQ(EEXIST, errno);

	/* Once removed, the range is free. */
	EXPECT_EQ(0, ioeventfd(self->pt, self->efd, MMIO, 4, 0,
			       IOEVENTFD_DEASSIGN));
	EXPECT_EQ(0, ioeventfd(self->pt, other, MMIO, 4, 3,
			       IOEVENTFD_DATAMATCH));
	close(other);
}

TEST_F(irq, ioeventfd_deassign_mismatch)
{
	ASSERT_EQ(0, ioeventfd(self->pt, self->efd, MMIO, 4, 9,
			       IOEVENTFD_DATAMATCH));
	/* Only the registration exactly as made is removed. */
	EXPECT_EQ(-1, ioeventfd(self->pt, self->rfd, MMIO, 4, 9,
				IOEVENTFD_DATAMATCH | IOEVENTFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO + 4, 4, 9,
				IOEVENTFD_DATAMATCH | IOEVENTFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO, 2, 9,
				IOEVENTFD_DATAMATCH | IOEVENTFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO, 4, 8,
				IOEVENTFD_DATAMATCH | IOEVENTFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO, 4, 9,
				IOEVENTFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
	/* Checked like an assignment first. */
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO, 3, 9,
				IOEVENTFD_DATAMATCH | IOEVENTFD_DEASSIGN));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(0, ioeventfd(self->pt, self->efd, MMIO, 4, 9,
			       IOEVENTFD_DATAMATCH | IOEVENTFD_DEASSIGN));
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO, 4, 9,
				IOEVENTFD_DATAMATCH | IOEVENTFD_DEASSIGN));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(irq, ioeventfd_close_eventfd)
{
	int efd = mshv_eventfd();
	int i;

	ASSERT_EQ(0, ioeventfd(self->pt, efd, MMIO, 4, 0, 0));
	/* The registration holds the eventfd until removed. */
	EXPECT_EQ(0, close(efd));
	EXPECT_EQ(-1, ioeventfd(self->pt, self->efd, MMIO, 4, 0, 0));
	EXPECT_EQ(EEXIST, errno);
	/* Many doorbells, dropped with the partition. */
	for (i = 1; i < 64; i++)
		ASSERT_EQ(0, ioeventfd(self->pt, self->efd, MMIO + 8 * i, 8, 0,
				       0));
}

TEST_HARNESS_MAIN
