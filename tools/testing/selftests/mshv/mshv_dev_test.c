// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mshv: MSHV_CREATE_PARTITION (both argument formats), MSHV_ROOT_HVCALL
 * on the host partition, and what the device does with anything else.
 *
 * Every rejected request is followed by a check that it changed nothing:
 * the next valid request of the same kind still succeeds.
 */
#include "mshv_util.h"

FIXTURE(dev) {
	int dev;
};

FIXTURE_SETUP(dev)
{
	self->dev = mshv_open_dev();
}

FIXTURE_TEARDOWN(dev)
{
	close(self->dev);
}

/* A v2 argument that the driver accepts. */
static void v2_init(struct mshv_create_partition_v2 *args)
{
	memset(args, 0, sizeof(*args));
	args->pt_flags = MSHV_PT_FLAGS_DEFAULT |
			 (1ULL << MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES);
	args->pt_isolation = MSHV_PT_ISOLATION_NONE;
	args->pt_num_cpu_fbanks = MSHV_NUM_CPU_FEATURES_BANKS;
}

static bool fd_is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

TEST_F(dev, create_partition_v1)
{
	int pt, pt2;

	pt = mshv_create_partition(self->dev, MSHV_PT_FLAGS_DEFAULT);
	/* VMMs fork helpers: a partition must not leak into them. */
	EXPECT_TRUE(fd_is_cloexec(pt));
	EXPECT_EQ(0, ioctl(pt, MSHV_INITIALIZE_PARTITION));

	/* A second partition is independent of the first. */
	pt2 = mshv_create_partition(self->dev, 0);
	EXPECT_NE(pt, pt2);
	EXPECT_EQ(0, ioctl(pt2, MSHV_INITIALIZE_PARTITION));
	EXPECT_EQ(0, close(pt2));
	EXPECT_EQ(0, close(pt));
}

TEST_F(dev, create_partition_each_flag)
{
	unsigned int bit;
	int pt;

	for (bit = 0; bit < MSHV_PT_BIT_COUNT; bit++) {
		/* That bit selects the v2 format: see its own tests. */
		if (bit == MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES)
			continue;
		pt = mshv_try_create_partition(self->dev, 1ULL << bit);
		ASSERT_LE(0, pt) TH_LOG("flag bit %u: %s", bit, strerror(errno));
		EXPECT_EQ(0, ioctl(pt, MSHV_INITIALIZE_PARTITION));
		close(pt);
	}
	pt = mshv_create_partition(self->dev, MSHV_PT_FLAGS_MASK &
				   ~(1ULL << MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES));
	close(pt);
}

TEST_F(dev, create_partition_unknown_flags)
{
	unsigned int bit;
	int pt;

	for (bit = MSHV_PT_BIT_COUNT; bit < 64; bit++) {
		pt = mshv_try_create_partition(self->dev,
					       MSHV_PT_FLAGS_DEFAULT | 1ULL << bit);
		EXPECT_EQ(-1, pt) TH_LOG("flag bit %u accepted", bit);
		EXPECT_EQ(EINVAL, errno);
		if (pt >= 0)
			close(pt);
	}
	pt = mshv_create_partition(self->dev, MSHV_PT_FLAGS_DEFAULT);
	close(pt);
}

TEST_F(dev, create_partition_isolation)
{
	static const uint64_t bad[] = { 1, 2, 3, 0x80000000, ~0ULL };
	struct mshv_create_partition args = {
		.pt_flags = MSHV_PT_FLAGS_DEFAULT,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		args.pt_isolation = bad[i];
		EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION, &args))
			TH_LOG("isolation %#llx accepted",
			       (unsigned long long)bad[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	args.pt_isolation = MSHV_PT_ISOLATION_NONE;
	close(mshv_create_partition(self->dev, MSHV_PT_FLAGS_DEFAULT));
}

TEST_F(dev, create_partition_v2)
{
	struct mshv_create_partition_v2 args;
	int pt;

	v2_init(&args);
	pt = ioctl(self->dev, MSHV_CREATE_PARTITION, &args);
	ASSERT_LE(0, pt) TH_LOG("v2: %s", strerror(errno));
	EXPECT_TRUE(fd_is_cloexec(pt));
	EXPECT_EQ(0, ioctl(pt, MSHV_INITIALIZE_PARTITION));
	close(pt);

	/* Features to disable are the VMM's choice, not checked. */
	v2_init(&args);
	args.pt_cpu_fbanks[0] = 1;
	args.pt_cpu_fbanks[1] = 1ULL << 63;
	args.pt_disabled_xsave = 1ULL << 9;
	pt = ioctl(self->dev, MSHV_CREATE_PARTITION, &args);
	ASSERT_LE(0, pt) TH_LOG("v2 with features: %s", strerror(errno));
	close(pt);
}

TEST_F(dev, create_partition_v2_bad)
{
	static const uint16_t banks[] = { 0, 1, 3, 0xffff };
	struct mshv_create_partition_v2 args;
	unsigned int i;
	int pt;

	for (i = 0; i < ARRAY_SIZE(banks); i++) {
		v2_init(&args);
		args.pt_num_cpu_fbanks = banks[i];
		EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION, &args))
			TH_LOG("%u banks accepted", banks[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	for (i = 0; i < sizeof(args.pt_rsvd); i++) {
		v2_init(&args);
		args.pt_rsvd[i] = 1;
		EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION, &args))
			TH_LOG("pt_rsvd[%u] accepted", i);
		EXPECT_EQ(EINVAL, errno);
	}
	for (i = 0; i < 2; i++) {
		v2_init(&args);
		args.pt_rsvd1[i] = 1ULL << 40;
		EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION, &args))
			TH_LOG("pt_rsvd1[%u] accepted", i);
		EXPECT_EQ(EINVAL, errno);
	}
	/* Unknown flags and isolation are refused in v2 as in v1. */
	v2_init(&args);
	args.pt_flags |= 1ULL << MSHV_PT_BIT_COUNT;
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION, &args));
	EXPECT_EQ(EINVAL, errno);
	v2_init(&args);
	args.pt_isolation = 1;
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION, &args));
	EXPECT_EQ(EINVAL, errno);

	v2_init(&args);
	pt = ioctl(self->dev, MSHV_CREATE_PARTITION, &args);
	ASSERT_LE(0, pt);
	close(pt);
}

TEST_F(dev, create_partition_efault)
{
	struct mshv_create_partition v1 = {
		.pt_flags = MSHV_PT_FLAGS_DEFAULT,
	};
	struct mshv_create_partition_v2 v2;
	char *page = mshv_guard_page();
	char *v1_end = page + MSHV_PAGE_SIZE - sizeof(v1);
	int pt;

	EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION,
			    mshv_unmapped_ptr()));
	EXPECT_EQ(EFAULT, errno);
	/* Half of a v1 argument in the inaccessible page. */
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION,
			    page + MSHV_PAGE_SIZE - sizeof(v1) / 2));
	EXPECT_EQ(EFAULT, errno);

	/* A v1 argument ending at the page's end is all there is to read. */
	memcpy(v1_end, &v1, sizeof(v1));
	pt = ioctl(self->dev, MSHV_CREATE_PARTITION, v1_end);
	ASSERT_LE(0, pt) TH_LOG("v1 at the end of a page: %s",
				strerror(errno));
	close(pt);

	/* With the v2 bit, the rest of the v2 argument must be readable. */
	v2_init(&v2);
	memcpy(v1_end, &v2, sizeof(v1));
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_PARTITION, v1_end));
	EXPECT_EQ(EFAULT, errno);

	pt = ioctl(self->dev, MSHV_CREATE_PARTITION, &v2);
	ASSERT_LE(0, pt);
	close(pt);
}

/* GET_PARTITION_PROPERTY_EX(VMM_CAPABILITIES), as VMMs issue it at start. */
static int get_vmm_caps(int fd, struct mshv_hv_vmm_capabilities *caps,
			uint16_t *status)
{
	struct mshv_hv_get_property_ex_in in = {
		.property_code = HV_PARTITION_PROPERTY_VMM_CAPABILITIES,
	};

	return mshv_hvcall(fd, HVCALL_GET_PARTITION_PROPERTY_EX, 0, &in,
			   sizeof(in), caps, sizeof(*caps), status, NULL);
}

TEST_F(dev, hvcall_self)
{
	struct mshv_hv_get_property_ex_in in = {
		/* The kernel writes the partition id: this is ignored. */
		.partition_id = 0x1234,
		.property_code = HV_PARTITION_PROPERTY_VMM_CAPABILITIES,
	};
	struct mshv_hv_vmm_capabilities caps = {};
	uint16_t status = 0xffff, reps = 0xffff;

	ASSERT_EQ(0, mshv_hvcall(self->dev, HVCALL_GET_PARTITION_PROPERTY_EX,
				 0, &in, sizeof(in), &caps, sizeof(caps),
				 &status, &reps))
		TH_LOG("GET_PARTITION_PROPERTY_EX: %s", strerror(errno));
	EXPECT_EQ(HV_STATUS_SUCCESS, status);
	EXPECT_EQ(0, reps);
	EXPECT_EQ(1, caps.bank_count);
}

TEST_F(dev, hvcall_self_status)
{
	struct mshv_hv_get_property_ex_in in = {
		.property_code = 0xdeadbeef,
	};
	struct mshv_hv_vmm_capabilities caps;
	uint16_t status = 0;

	/* The hypervisor's refusal comes back in errno and in status. */
	EXPECT_EQ(-1, mshv_hvcall(self->dev, HVCALL_GET_PARTITION_PROPERTY_EX,
				  0, &in, sizeof(in), &caps, sizeof(caps),
				  &status, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(HV_STATUS_UNKNOWN_PROPERTY, status);

	/* An 8-byte input is the partition id alone: the rest reads as 0. */
	status = 0;
	EXPECT_EQ(-1, mshv_hvcall(self->dev, HVCALL_GET_PARTITION_PROPERTY_EX,
				  0, &in, sizeof(uint64_t), &caps,
				  sizeof(caps), &status, NULL));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(HV_STATUS_UNKNOWN_PROPERTY, status);
}

TEST_F(dev, hvcall_self_codes)
{
	/* Anything but reading the host's properties is refused here. */
	static const uint16_t refused[] = {
		0, HVCALL_CREATE_PARTITION, HVCALL_INITIALIZE_PARTITION,
		HVCALL_DELETE_PARTITION, HVCALL_SET_PARTITION_PROPERTY,
		HVCALL_DEPOSIT_MEMORY, HVCALL_WITHDRAW_MEMORY,
		HVCALL_MAP_GPA_PAGES, HVCALL_INSTALL_INTERCEPT,
		HVCALL_CREATE_VP, HVCALL_GET_VP_REGISTERS,
		HVCALL_SET_VP_REGISTERS, HVCALL_TRANSLATE_VIRTUAL_ADDRESS,
		HVCALL_MAP_STATS_PAGE, HVCALL_GET_SYSTEM_PROPERTY,
		HVCALL_ASSERT_VIRTUAL_INTERRUPT, HVCALL_CREATE_PORT,
		HVCALL_DISPATCH_VP, HVCALL_GET_GPA_PAGES_ACCESS_STATES,
		HVCALL_MAP_VP_STATE_PAGE, HVCALL_GET_VP_STATE, 0x0fff, 0xffff,
	};
	uint64_t in[4] = {}, out[4];
	struct mshv_hv_vmm_capabilities caps;
	unsigned int i;
	uint16_t status;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		EXPECT_EQ(-1, mshv_hvcall(self->dev, refused[i], 0, in,
					  sizeof(in), out, sizeof(out),
					  NULL, NULL))
			TH_LOG("code %#x accepted", refused[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(0, get_vmm_caps(self->dev, &caps, &status));
}

/* Issue MSHV_ROOT_HVCALL with @args as they are; return errno or 0. */
static int hvcall_raw(int fd, struct mshv_root_hvcall *args)
{
	return ioctl(fd, MSHV_ROOT_HVCALL, args) ? errno : 0;
}

TEST_F(dev, hvcall_bad_args)
{
	struct mshv_hv_get_property_ex_in in[MSHV_PAGE_SIZE / 16 + 1] = {};
	struct mshv_hv_vmm_capabilities caps[MSHV_PAGE_SIZE / 16 + 1];
	const struct mshv_root_hvcall good = {
		.code = HVCALL_GET_PARTITION_PROPERTY_EX,
		.in_sz = sizeof(in[0]),
		.out_sz = sizeof(caps[0]),
		.in_ptr = (uintptr_t)in,
		.out_ptr = (uintptr_t)caps,
	};
	struct mshv_root_hvcall args;
	unsigned int i;

	in[0].property_code = HV_PARTITION_PROPERTY_VMM_CAPABILITIES;

	args = good;
	EXPECT_EQ(0, hvcall_raw(self->dev, &args));

	/* Input: at least the partition id, at most a page. */
	args = good;
	args.in_sz = 0;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	args.in_sz = 7;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	args.in_sz = MSHV_PAGE_SIZE + 1;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	args.in_sz = 0xffff;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	args = good;
	args.in_ptr = 0;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	/* A whole page of input is fine. */
	args = good;
	args.in_sz = MSHV_PAGE_SIZE;
	EXPECT_EQ(0, hvcall_raw(self->dev, &args));

	/* Output: at most a page, and a buffer exactly when a size. */
	args = good;
	args.out_sz = MSHV_PAGE_SIZE + 1;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	args.out_sz = 0xffff;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	args = good;
	args.out_ptr = 0;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	args = good;
	args.out_sz = 0;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	args = good;
	args.out_sz = MSHV_PAGE_SIZE;
	EXPECT_EQ(0, hvcall_raw(self->dev, &args));

	/* status is output only; the reserved bytes must be zero. */
	args = good;
	args.status = 1;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	for (i = 0; i < sizeof(args.rsvd); i++) {
		args = good;
		args.rsvd[i] = 0x80;
		EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args))
			TH_LOG("rsvd[%u] accepted", i);
	}
	/* More reps than a control word can carry (12 bits). */
	args = good;
	args.reps = 0x1000;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));
	args.reps = 0xffff;
	EXPECT_EQ(EINVAL, hvcall_raw(self->dev, &args));

	args = good;
	EXPECT_EQ(0, hvcall_raw(self->dev, &args));
	EXPECT_EQ(HV_STATUS_SUCCESS, args.status);
}

TEST_F(dev, hvcall_efault)
{
	struct mshv_hv_get_property_ex_in in = {
		.property_code = HV_PARTITION_PROPERTY_VMM_CAPABILITIES,
	};
	struct mshv_hv_vmm_capabilities caps;
	char *page = mshv_guard_page();
	void *bad = mshv_unmapped_ptr();
	struct mshv_root_hvcall *tail;
	uint16_t status;

	EXPECT_EQ(-1, ioctl(self->dev, MSHV_ROOT_HVCALL, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_ROOT_HVCALL, bad));
	EXPECT_EQ(EFAULT, errno);
	/* An argument cut by the inaccessible page. */
	tail = (void *)(page + MSHV_PAGE_SIZE - sizeof(*tail) / 2);
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_ROOT_HVCALL, tail));
	EXPECT_EQ(EFAULT, errno);

	EXPECT_EQ(-1, mshv_hvcall(self->dev, HVCALL_GET_PARTITION_PROPERTY_EX,
				  0, bad, sizeof(in), &caps, sizeof(caps),
				  NULL, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* Input running into the inaccessible page. */
	memcpy(page + MSHV_PAGE_SIZE - 8, &in, 8);
	EXPECT_EQ(-1, mshv_hvcall(self->dev, HVCALL_GET_PARTITION_PROPERTY_EX,
				  0, page + MSHV_PAGE_SIZE - 8, sizeof(in),
				  &caps, sizeof(caps), NULL, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* The output cannot be written: the call ran, its result is lost. */
	EXPECT_EQ(-1, mshv_hvcall(self->dev, HVCALL_GET_PARTITION_PROPERTY_EX,
				  0, &in, sizeof(in), bad, sizeof(caps),
				  NULL, NULL));
	EXPECT_EQ(EFAULT, errno);

	EXPECT_EQ(0, get_vmm_caps(self->dev, &caps, &status));
}

TEST_F(dev, unknown_ioctl)
{
	struct mshv_create_partition args = {
		.pt_flags = MSHV_PT_FLAGS_DEFAULT,
	};
	uint64_t arg[8] = {};

	/* Partition fd ioctls on the device. */
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_INITIALIZE_PARTITION));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_SET_GUEST_MEMORY, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, MSHV_CREATE_VP, arg));
	EXPECT_EQ(ENOTTY, errno);
	/* CREATE_PARTITION's number with another size or direction. */
	EXPECT_EQ(-1, ioctl(self->dev, _IOW(MSHV_IOCTL, 0x00, uint64_t), &args));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev,
			    _IOWR(MSHV_IOCTL, 0x00, struct mshv_create_partition),
			    &args));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev,
			    _IOW(MSHV_IOCTL, 0x00, struct mshv_create_partition_v2),
			    &args));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, _IO(MSHV_IOCTL, 0xff)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, _IO('K', 0x00)));
	EXPECT_EQ(ENOTTY, errno);

	close(mshv_create_partition(self->dev, MSHV_PT_FLAGS_DEFAULT));
}

TEST_F(dev, many_partitions)
{
	/* As many as the fake hypervisor holds: none may be left over. */
	int pts[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pts); i++) {
		pts[i] = mshv_create_partition(self->dev, MSHV_PT_FLAGS_DEFAULT);
		if (i % 2)
			EXPECT_EQ(0, ioctl(pts[i], MSHV_INITIALIZE_PARTITION));
	}
	for (i = 0; i < ARRAY_SIZE(pts); i++)
		EXPECT_EQ(0, close(pts[i]));
	/* The device fd survives its partitions, and vice versa. */
	pts[0] = mshv_create_partition(self->dev, MSHV_PT_FLAGS_DEFAULT);
	close(self->dev);
	self->dev = -1;
	EXPECT_EQ(0, ioctl(pts[0], MSHV_INITIALIZE_PARTITION));
	close(pts[0]);
}

/*
 * A call that has output, issued without an output buffer.  The
 * hypervisor writes its output regardless, so the driver must give it a
 * page to write to.  Kept last: a kernel that gets this wrong oopses (the
 * fake hypervisor writes through a NULL output page; real Hyper-V would
 * write to physical page 0 of the host), and the machine may hang after
 * that.
 */
TEST_F(dev, hvcall_output_without_buffer)
{
	struct mshv_hv_get_property_ex_in in = {
		.property_code = HV_PARTITION_PROPERTY_VMM_CAPABILITIES,
	};
	struct mshv_hv_vmm_capabilities caps;
	uint16_t status = 0xffff;

	EXPECT_EQ(0, mshv_hvcall(self->dev, HVCALL_GET_PARTITION_PROPERTY_EX,
				 0, &in, sizeof(in), NULL, 0, &status, NULL))
		TH_LOG("without output: %s", strerror(errno));
	EXPECT_EQ(HV_STATUS_SUCCESS, status);
	EXPECT_EQ(0, get_vmm_caps(self->dev, &caps, &status));
}

TEST_HARNESS_MAIN
