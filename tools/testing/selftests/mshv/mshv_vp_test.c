// SPDX-License-Identifier: GPL-2.0
/*
 * VPs: MSHV_CREATE_VP on the partition fd, then every VP fd operation:
 * mmap of the state pages, MSHV_GET/SET_VP_STATE, MSHV_VP_TRANSLATE_GVA,
 * MSHV_ROOT_HVCALL (the register calls) and MSHV_RUN_VP's copy-out.
 */
#include "mshv_util.h"

FIXTURE(vp) {
	int dev;
	int pt;
	int vp;
};

FIXTURE_SETUP(vp)
{
	self->pt = -1;
	self->vp = -1;
	self->dev = mshv_open_dev();
	if (self->dev < 0)
		return;
	self->pt = mshv_create_initialized_partition(self->dev);
	self->vp = mshv_create_vp(self->pt, 0);
}

FIXTURE_TEARDOWN(vp)
{
	close(self->vp);
	close(self->pt);
	close(self->dev);
}

TEST_F(vp, create)
{
	int flags = fcntl(self->vp, F_GETFD);
	int vp1, vp255;

	EXPECT_TRUE(flags >= 0 && (flags & FD_CLOEXEC));
	vp1 = mshv_create_vp(self->pt, 1);
	vp255 = mshv_create_vp(self->pt, MSHV_MAX_VPS - 1);
	EXPECT_NE(vp1, vp255);
	close(vp1);
	close(vp255);
}

TEST_F(vp, create_bad_index)
{
	static const uint32_t bad[] = {
		MSHV_MAX_VPS, MSHV_MAX_VPS + 1, 1000, 0x10000, 0x80000000,
		0xffffffff,
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, mshv_try_create_vp(self->pt, bad[i]))
			TH_LOG("index %u accepted", bad[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_CREATE_VP, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->pt, MSHV_CREATE_VP, mshv_unmapped_ptr()));
	EXPECT_EQ(EFAULT, errno);
	close(mshv_create_vp(self->pt, 2));
}

TEST_F(vp, create_duplicate)
{
	int vp;

	EXPECT_EQ(-1, mshv_try_create_vp(self->pt, 0));
	EXPECT_EQ(EEXIST, errno);
	vp = mshv_create_vp(self->pt, 3);
	EXPECT_EQ(-1, mshv_try_create_vp(self->pt, 3));
	EXPECT_EQ(EEXIST, errno);
	/* A VP lives as long as its partition, not as its fd. */
	close(vp);
	EXPECT_EQ(-1, mshv_try_create_vp(self->pt, 3));
	EXPECT_EQ(EEXIST, errno);
	/* The refusals took nothing: the VP still answers. */
	mshv_set_reg64(self->vp, 0, HV_X64_REGISTER_RAX, 42);
	EXPECT_EQ(42, mshv_get_reg64(self->vp, 0, HV_X64_REGISTER_RAX));
}

TEST_F(vp, outlives_partition_fd)
{
	/* The VP fd holds the partition. */
	close(self->pt);
	self->pt = -1;
	mshv_set_reg64(self->vp, 0, HV_X64_REGISTER_RBX, 0x1234);
	EXPECT_EQ(0x1234, mshv_get_reg64(self->vp, 0, HV_X64_REGISTER_RBX));
}

TEST_F(vp, unknown_ioctl)
{
	uint64_t arg[64] = {};

	EXPECT_EQ(-1, ioctl(self->vp, MSHV_INITIALIZE_PARTITION));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->vp, MSHV_CREATE_VP, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->vp, MSHV_SET_GUEST_MEMORY, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->vp, MSHV_IRQFD, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->vp, MSHV_CREATE_PARTITION, arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->vp, _IOR(MSHV_IOCTL, 0x00, uint64_t), arg));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->vp, _IO(MSHV_IOCTL, 0xf2)));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(vp, mmap_pages)
{
	uint8_t *regs, *msg;

	regs = mmap(NULL, MSHV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    self->vp,
		    MSHV_VP_MMAP_OFFSET_REGISTERS * MSHV_PAGE_SIZE);
	ASSERT_NE(MAP_FAILED, regs) TH_LOG("registers page: %s",
					   strerror(errno));
	msg = mmap(NULL, MSHV_PAGE_SIZE, PROT_READ, MAP_SHARED, self->vp,
		   MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE * MSHV_PAGE_SIZE);
	ASSERT_NE(MAP_FAILED, msg) TH_LOG("intercept message page: %s",
					  strerror(errno));
	/* Both fault in; no VP ran yet, so no message is there. */
	__atomic_load_n(regs, __ATOMIC_RELAXED);
	EXPECT_EQ(0, __atomic_load_n((uint32_t *)msg, __ATOMIC_RELAXED));
	/* The intercept page never becomes writable. */
	EXPECT_EQ(-1, mprotect((void *)msg, MSHV_PAGE_SIZE,
			       PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, munmap((void *)regs, MSHV_PAGE_SIZE));
	EXPECT_EQ(0, munmap((void *)msg, MSHV_PAGE_SIZE));
}

TEST_F(vp, mmap_bad)
{
	static const off_t bad_pgoff[] = {
		MSHV_VP_MMAP_OFFSET_GHCB, MSHV_VP_MMAP_OFFSET_COUNT, 4, 255,
		0x100000,
	};
	unsigned int i;
	void *p;

	/* No GHCB page outside an isolated partition; nothing past it. */
	for (i = 0; i < ARRAY_SIZE(bad_pgoff); i++) {
		p = mmap(NULL, MSHV_PAGE_SIZE, PROT_READ, MAP_SHARED, self->vp,
			 bad_pgoff[i] * MSHV_PAGE_SIZE);
		EXPECT_EQ(MAP_FAILED, p) TH_LOG("offset %ld mapped",
						(long)bad_pgoff[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	/* One page at a time. */
	p = mmap(NULL, 2 * MSHV_PAGE_SIZE, PROT_READ, MAP_SHARED, self->vp, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* A private copy would never reach the hypervisor. */
	p = mmap(NULL, MSHV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE,
		 self->vp, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	p = mmap(NULL, MSHV_PAGE_SIZE, PROT_READ, MAP_PRIVATE, self->vp,
		 MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE * MSHV_PAGE_SIZE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	/* The intercept message page is the hypervisor's to write. */
	p = mmap(NULL, MSHV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->vp,
		 MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE * MSHV_PAGE_SIZE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EPERM, errno);

	/* The refusals left the good mappings possible. */
	p = mmap(NULL, MSHV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		 self->vp, 0);
	ASSERT_NE(MAP_FAILED, p);
	munmap(p, MSHV_PAGE_SIZE);
}

/* MSHV_GET/SET_VP_STATE with the fields given. */
static int vp_state(int vp, bool set, uint8_t type, void *buf,
		    uint32_t *size)
{
	struct mshv_get_set_vp_state args = {
		.type = type,
		.buf_sz = *size,
		.buf_ptr = (uintptr_t)buf,
	};
	int ret;

	ret = ioctl(vp, set ? MSHV_SET_VP_STATE : MSHV_GET_VP_STATE, &args);
	*size = args.buf_sz;
	return ret;
}

/* What each state type takes: asked with an empty buffer. */
static uint32_t state_size(struct __test_metadata *_metadata, int vp,
			   uint8_t type)
{
	uint32_t size = 0;

	EXPECT_EQ(-1, vp_state(vp, false, type, NULL, &size));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_NE(0, size);
	return size;
}

TEST_F(vp, state_round_trip)
{
	uint8_t type;

	for (type = 0; type < MSHV_VP_STATE_COUNT; type++) {
		uint32_t size = state_size(_metadata, self->vp, type);
		uint32_t got = size;
		uint8_t *a, *b;

		/* Page state comes in whole pages. */
		if (type != MSHV_VP_STATE_SYNTHETIC_TIMERS)
			EXPECT_EQ(0, size % MSHV_PAGE_SIZE) TH_LOG("type %u: %u",
								   type, size);
		a = mshv_alloc_mem(size + MSHV_PAGE_SIZE);
		b = mshv_alloc_mem(size + MSHV_PAGE_SIZE);
		ASSERT_EQ(0, vp_state(self->vp, false, type, a, &got))
			TH_LOG("get type %u: %s", type, strerror(errno));
		EXPECT_EQ(size, got);
		/* A larger buffer is fine; the size that counts comes back. */
		got = size + MSHV_PAGE_SIZE;
		ASSERT_EQ(0, vp_state(self->vp, false, type, b, &got));
		EXPECT_EQ(size, got);
		EXPECT_EQ(0, memcmp(a, b, size));
		ASSERT_EQ(0, vp_state(self->vp, true, type, a, &got))
			TH_LOG("set type %u: %s", type, strerror(errno));
		EXPECT_EQ(size, got);
		memset(b, 0xcc, size);
		ASSERT_EQ(0, vp_state(self->vp, false, type, b, &got));
		EXPECT_EQ(0, memcmp(a, b, size)) TH_LOG("type %u changed",
							type);
		munmap(a, size + MSHV_PAGE_SIZE);
		munmap(b, size + MSHV_PAGE_SIZE);
	}
}

TEST_F(vp, state_bad)
{
	struct mshv_get_set_vp_state args = {
		.type = MSHV_VP_STATE_LAPIC,
	};
	uint32_t size = state_size(_metadata, self->vp, MSHV_VP_STATE_LAPIC);
	uint8_t *buf = mshv_alloc_mem(size + MSHV_PAGE_SIZE);
	char *page = mshv_guard_page();
	unsigned int i, set;
	uint32_t got;

	args.buf_sz = size;
	args.buf_ptr = (uintptr_t)buf;
	for (set = 0; set < 2; set++) {
		unsigned long op = set ? MSHV_SET_VP_STATE : MSHV_GET_VP_STATE;

		/* Unknown types. */
		args.type = MSHV_VP_STATE_COUNT;
		EXPECT_EQ(-1, ioctl(self->vp, op, &args));
		EXPECT_EQ(EINVAL, errno);
		args.type = 0xff;
		EXPECT_EQ(-1, ioctl(self->vp, op, &args));
		EXPECT_EQ(EINVAL, errno);
		args.type = MSHV_VP_STATE_LAPIC;
		for (i = 0; i < sizeof(args.rsvd); i++) {
			args.rsvd[i] = 1;
			EXPECT_EQ(-1, ioctl(self->vp, op, &args));
			EXPECT_EQ(EINVAL, errno);
			args.rsvd[i] = 0;
		}
		/* Too small: E2BIG, and the size needed comes back. */
		args.buf_sz = size - 1;
		EXPECT_EQ(-1, ioctl(self->vp, op, &args));
		EXPECT_EQ(E2BIG, errno);
		EXPECT_EQ(size, args.buf_sz);
		/* The buffer must be page aligned. */
		args.buf_ptr = (uintptr_t)(buf + 64);
		EXPECT_EQ(-1, ioctl(self->vp, op, &args));
		EXPECT_EQ(EINVAL, errno);
		/* ... and user memory. */
		args.buf_ptr = 0xffff888000000000ULL;
		EXPECT_EQ(-1, ioctl(self->vp, op, &args));
		EXPECT_EQ(EFAULT, errno);
		args.buf_ptr = (uintptr_t)mshv_unmapped_ptr();
		EXPECT_EQ(-1, ioctl(self->vp, op, &args));
		EXPECT_EQ(EFAULT, errno);
		args.buf_ptr = (uintptr_t)(page + MSHV_PAGE_SIZE);
		EXPECT_EQ(-1, ioctl(self->vp, op, &args));
		EXPECT_EQ(EFAULT, errno);
		EXPECT_EQ(-1, ioctl(self->vp, op, NULL));
		EXPECT_EQ(EFAULT, errno);
		args.buf_ptr = (uintptr_t)buf;
	}

	/* The state is read into the buffer: read-only memory will not do. */
	ASSERT_EQ(0, mprotect(buf, size, PROT_READ));
	got = size;
	EXPECT_EQ(-1, vp_state(self->vp, false, MSHV_VP_STATE_LAPIC, buf, &got));
	EXPECT_EQ(EFAULT, errno);
	got = size;
	EXPECT_EQ(0, vp_state(self->vp, true, MSHV_VP_STATE_LAPIC, buf, &got));
	ASSERT_EQ(0, mprotect(buf, size, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, vp_state(self->vp, false, MSHV_VP_STATE_LAPIC, buf, &got));
}

TEST_F(vp, state_bad_bytes)
{
	/* The synthetic timers travel as bytes, not pages. */
	uint8_t type = MSHV_VP_STATE_SYNTHETIC_TIMERS;
	uint32_t size = state_size(_metadata, self->vp, type);
	char *page = mshv_guard_page();
	uint8_t *buf = mshv_alloc_mem(MSHV_PAGE_SIZE);
	uint32_t got;

	got = size - 1;
	EXPECT_EQ(-1, vp_state(self->vp, false, type, buf, &got));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(size, got);
	got = size;
	EXPECT_EQ(-1, vp_state(self->vp, false, type, buf + 8, &got));
	EXPECT_EQ(EINVAL, errno);
	got = size;
	EXPECT_EQ(-1, vp_state(self->vp, false, type, page + MSHV_PAGE_SIZE,
			       &got));
	EXPECT_EQ(EFAULT, errno);
	got = size;
	EXPECT_EQ(-1, vp_state(self->vp, true, type, page + MSHV_PAGE_SIZE,
			       &got));
	EXPECT_EQ(EFAULT, errno);
	got = size;
	EXPECT_EQ(0, vp_state(self->vp, false, type, buf, &got));
	EXPECT_EQ(0, vp_state(self->vp, true, type, buf, &got));
}

static int translate(int vp, uint64_t gva, uint64_t flags, uint64_t *result,
		     uint64_t *gpa)
{
	struct mshv_translate_gva args = {
		.gva = gva,
		.flags = flags,
		.result = (uintptr_t)result,
		.gpa = (uintptr_t)gpa,
	};

	return ioctl(vp, MSHV_VP_TRANSLATE_GVA, &args);
}

/* HV_TRANSLATE_GVA_VALIDATE_READ; the result codes in bits 31:0. */
#define GVA_VALIDATE_READ	1ULL
#define GVA_SUCCESS		0
#define GVA_GPA_UNMAPPED	4

TEST_F(vp, translate_gva)
{
	uint64_t result = ~0ULL, gpa = ~0ULL;
	unsigned int bit;

	mshv_map_memory(self->pt, 0x10, MSHV_PAGE_SIZE, MSHV_MEM_RWX);
	/* Paging is off in a new VP: the address is the guest's. */
	ASSERT_EQ(0, translate(self->vp, 0x10abc, GVA_VALIDATE_READ, &result,
			       &gpa)) TH_LOG("translate: %s", strerror(errno));
	EXPECT_EQ(GVA_SUCCESS, (uint32_t)result);
	EXPECT_EQ(0x10abc, gpa);
	ASSERT_EQ(0, translate(self->vp, 0x20000, GVA_VALIDATE_READ, &result,
			       &gpa));
	EXPECT_EQ(GVA_GPA_UNMAPPED, (uint32_t)result);

	/* Control flags the hypervisor does not define. */
	for (bit = 11; bit < 64; bit++) {
		EXPECT_EQ(-1, translate(self->vp, 0x10000, 1ULL << bit, &result,
					&gpa)) TH_LOG("flag bit %u accepted",
						      bit);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(-1, translate(self->vp, 0x10000, ~0ULL, &result, &gpa));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_EQ(-1, translate(self->vp, 0x10000, GVA_VALIDATE_READ,
				mshv_unmapped_ptr(), &gpa));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, translate(self->vp, 0x10000, GVA_VALIDATE_READ, &result,
				mshv_unmapped_ptr()));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->vp, MSHV_VP_TRANSLATE_GVA, NULL));
	EXPECT_EQ(EFAULT, errno);

	gpa = 0;
	EXPECT_EQ(0, translate(self->vp, 0x10008, GVA_VALIDATE_READ, &result,
			       &gpa));
	EXPECT_EQ(0x10008, gpa);
}

TEST_F(vp, registers)
{
	struct {
		struct mshv_hv_vp_registers_header header;
		struct mshv_hv_register_assoc elements[3];
	} set = {
		.elements = {
			{ .name = HV_X64_REGISTER_RAX, .value.low = 0x1111 },
			{ .name = HV_X64_REGISTER_RCX, .value.low = 0x2222 },
			{ .name = HV_X64_REGISTER_RIP, .value.low = 0x3333 },
		},
	};
	struct {
		struct mshv_hv_vp_registers_header header;
		uint32_t names[3];
	} get = {
		.names = {
			HV_X64_REGISTER_RAX, HV_X64_REGISTER_RCX,
			HV_X64_REGISTER_RIP,
		},
	};
	struct mshv_hv_register_value values[3] = {};
	uint16_t status = 0xffff, reps = 0;
	int vp1 = mshv_create_vp(self->pt, 1);

	/* One register, as VMMs do it for each exit. */
	mshv_set_reg64(self->vp, 0, HV_X64_REGISTER_RDX, 0xfedcba9876543210);
	EXPECT_EQ(0xfedcba9876543210,
		  mshv_get_reg64(self->vp, 0, HV_X64_REGISTER_RDX));

	/* Several in one call: the reps done come back. */
	ASSERT_EQ(0, mshv_hvcall(self->vp, HVCALL_SET_VP_REGISTERS, 3, &set,
				 sizeof(set), NULL, 0, &status, &reps))
		TH_LOG("SET_VP_REGISTERS: %s", strerror(errno));
	EXPECT_EQ(HV_STATUS_SUCCESS, status);
	EXPECT_EQ(3, reps);
	ASSERT_EQ(0, mshv_hvcall(self->vp, HVCALL_GET_VP_REGISTERS, 3, &get,
				 sizeof(get), values, sizeof(values), &status,
				 &reps));
	EXPECT_EQ(3, reps);
	EXPECT_EQ(0x1111, values[0].low);
	EXPECT_EQ(0x2222, values[1].low);
	EXPECT_EQ(0x3333, values[2].low);

	/* The input names the VP: another VP of the partition is fine. */
	EXPECT_EQ(0, mshv_get_reg64(self->vp, 1, HV_X64_REGISTER_RAX));
	mshv_set_reg64(self->vp, 1, HV_X64_REGISTER_RAX, 7);
	EXPECT_EQ(7, mshv_get_reg64(vp1, 1, HV_X64_REGISTER_RAX));
	EXPECT_EQ(0x1111, mshv_get_reg64(vp1, 0, HV_X64_REGISTER_RAX));
	close(vp1);

	/* A VP that does not exist. */
	set.header.vp_index = 9;
	EXPECT_EQ(-1, mshv_hvcall(self->vp, HVCALL_SET_VP_REGISTERS, 1, &set,
				  sizeof(set), NULL, 0, &status, &reps));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(HV_STATUS_INVALID_VP_INDEX, status);
	EXPECT_EQ(0, reps);
}

TEST_F(vp, registers_suspend_refused)
{
	static const uint32_t suspend[] = {
		HV_REGISTER_EXPLICIT_SUSPEND, HV_REGISTER_INTERCEPT_SUSPEND,
		HV_REGISTER_DISPATCH_SUSPEND,
	};
	struct {
		struct mshv_hv_vp_registers_header header;
		struct mshv_hv_register_assoc elements[2];
	} set = {
		.elements = {
			{ .name = HV_X64_REGISTER_RAX, .value.low = 5 },
		},
	};
	struct mshv_hv_register_value value;
	unsigned int i;

	mshv_set_reg64(self->vp, 0, HV_X64_REGISTER_RAX, 1);
	for (i = 0; i < ARRAY_SIZE(suspend); i++) {
		/* Alone, or after another register; either value. */
		EXPECT_EQ(-1, mshv_set_reg(self->vp, 0, suspend[i], 0, 0));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, mshv_set_reg(self->vp, 0, suspend[i], 1, 0));
		EXPECT_EQ(EINVAL, errno);
		set.elements[1].name = suspend[i];
		EXPECT_EQ(-1, mshv_hvcall(self->vp, HVCALL_SET_VP_REGISTERS, 2,
					  &set, sizeof(set), NULL, 0, NULL,
					  NULL));
		EXPECT_EQ(EINVAL, errno);
		/* Through the partition fd just the same. */
		EXPECT_EQ(-1, mshv_hvcall(self->pt, HVCALL_SET_VP_REGISTERS, 2,
					  &set, sizeof(set), NULL, 0, NULL,
					  NULL));
		EXPECT_EQ(EINVAL, errno);
		/* Reading them is fine. */
		EXPECT_EQ(0, mshv_get_reg(self->vp, 0, suspend[i], &value))
			TH_LOG("get %#x: %s", suspend[i], strerror(errno));
	}
	/* More reps than the input holds: the rest would name register 0. */
	set.elements[1].name = HV_X64_REGISTER_RCX;
	EXPECT_EQ(-1, mshv_hvcall(self->vp, HVCALL_SET_VP_REGISTERS, 3, &set,
				  sizeof(set), NULL, 0, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_hvcall(self->vp, HVCALL_SET_VP_REGISTERS, 2, &set,
				  sizeof(set) - 1, NULL, 0, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);

	/* None of it reached the VP. */
	EXPECT_EQ(1, mshv_get_reg64(self->vp, 0, HV_X64_REGISTER_RAX));
	EXPECT_EQ(0, mshv_hvcall(self->vp, HVCALL_SET_VP_REGISTERS, 2, &set,
				 sizeof(set), NULL, 0, NULL, NULL));
	EXPECT_EQ(5, mshv_get_reg64(self->vp, 0, HV_X64_REGISTER_RAX));
}

TEST_F(vp, hvcall_codes)
{
	static const uint16_t refused[] = {
		0, HVCALL_CREATE_PARTITION, HVCALL_DELETE_PARTITION,
		HVCALL_DEPOSIT_MEMORY, HVCALL_MAP_GPA_PAGES, HVCALL_CREATE_VP,
		HVCALL_DELETE_VP, HVCALL_DISPATCH_VP, HVCALL_MAP_VP_STATE_PAGE,
		HVCALL_GET_VP_STATE, HVCALL_GET_SYSTEM_PROPERTY, 0xffff,
	};
	uint64_t in[8] = {}, out[8];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		EXPECT_EQ(-1, mshv_hvcall(self->vp, refused[i], 0, in,
					  sizeof(in), out, sizeof(out), NULL,
					  NULL)) TH_LOG("code %#x accepted",
							refused[i]);
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(-1, mshv_hvcall(self->vp, HVCALL_GET_VP_REGISTERS, 1, in, 4,
				  out, sizeof(out), NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mshv_hvcall(self->vp, HVCALL_GET_VP_REGISTERS, 0x1000, in,
				  sizeof(in), out, sizeof(out), NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->vp, MSHV_ROOT_HVCALL, NULL));
	EXPECT_EQ(EFAULT, errno);
}

static void check_halt(struct __test_metadata *_metadata,
		       const struct mshv_run_vp *run, uint64_t rip)
{
	const struct mshv_hv_message_header *hdr = (const void *)run->msg_buf;
	const struct mshv_hv_intercept_header *icpt =
		(const void *)(run->msg_buf + sizeof(*hdr));

	EXPECT_EQ(HVMSG_X64_HALT, hdr->message_type);
	EXPECT_EQ(0, icpt->vp_index);
	EXPECT_EQ(rip, icpt->rip);
	EXPECT_EQ(1, icpt->instruction_length_cr8 & 0xf);
}

TEST_F(vp, run_efault)
{
	struct mshv_run_vp run;
	uint8_t *mem = mshv_map_memory(self->pt, 0, MSHV_PAGE_SIZE,
				       MSHV_MEM_RWX);
	const uint8_t *page;

	/* nop; hlt at guest address 0, where a new VP starts. */
	mem[0] = 0x90;
	mem[1] = 0xf4;

	/* The VP ran to its exit; only the copy-out failed. */
	EXPECT_EQ(-1, ioctl(self->vp, MSHV_RUN_VP, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->vp, MSHV_RUN_VP, mshv_unmapped_ptr()));
	EXPECT_EQ(EFAULT, errno);
	/* The exit was not lost: the next run hands it over. */
	memset(&run, 0, sizeof(run));
	ASSERT_EQ(0, ioctl(self->vp, MSHV_RUN_VP, &run))
		TH_LOG("run: %s", strerror(errno));
	check_halt(_metadata, &run, 1);
	EXPECT_EQ(1, mshv_get_reg64(self->vp, 0, HV_X64_REGISTER_RIP));

	/* The same message is in the intercept message page. */
	page = mmap(NULL, MSHV_PAGE_SIZE, PROT_READ, MAP_SHARED, self->vp,
		    MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE * MSHV_PAGE_SIZE);
	ASSERT_NE(MAP_FAILED, page);
	EXPECT_EQ(0, memcmp(page, run.msg_buf, sizeof(run.msg_buf)));

	/* RIP is the VMM's to advance: run again, halt again. */
	memset(&run, 0, sizeof(run));
	ASSERT_EQ(0, ioctl(self->vp, MSHV_RUN_VP, &run));
	check_halt(_metadata, &run, 1);
	mshv_set_reg64(self->vp, 0, HV_X64_REGISTER_RIP, 0);
	ASSERT_EQ(0, ioctl(self->vp, MSHV_RUN_VP, &run));
	check_halt(_metadata, &run, 1);
}

TEST_F(vp, run_without_program)
{
	const struct mshv_hv_message_header *hdr;
	struct mshv_run_vp run = {};

	/* No guest memory: the very first fetch fails. */
	ASSERT_EQ(0, ioctl(self->vp, MSHV_RUN_VP, &run))
		TH_LOG("run: %s", strerror(errno));
	hdr = (const void *)run.msg_buf;
	EXPECT_EQ(HVMSG_UNRECOVERABLE_EXCEPTION, hdr->message_type);
}

TEST_HARNESS_MAIN
