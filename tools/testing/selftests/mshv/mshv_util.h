/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the /dev/mshv selftests.
 *
 * Each helper that can fail takes the harness's _metadata and asserts, so a
 * test reads as the sequence of ioctls it exercises.  /dev/mshv missing (no
 * driver, or not on Microsoft Hypervisor and no fake backend) is a SKIP,
 * never a failure.
 */
#ifndef SELFTEST_MSHV_UTIL_H
#define SELFTEST_MSHV_UTIL_H

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/mshv.h>

#include "../kselftest_harness.h"

/* The kernel's, for the uapi's flag bit numbers. */
#ifndef BIT
#define BIT(nr)			(1UL << (nr))
#endif

#define MSHV_DEV		"/dev/mshv"
#define MSHV_PAGE_SIZE		4096UL
#define MSHV_PAGE_SHIFT		12

/* Hypercall codes (the TLFS numbers) the tests issue through ROOT_HVCALL. */
#define HVCALL_CREATE_PARTITION			0x0040
#define HVCALL_INITIALIZE_PARTITION		0x0041
#define HVCALL_DELETE_PARTITION			0x0043
#define HVCALL_GET_PARTITION_PROPERTY		0x0044
#define HVCALL_SET_PARTITION_PROPERTY		0x0045
#define HVCALL_DEPOSIT_MEMORY			0x0048
#define HVCALL_WITHDRAW_MEMORY			0x0049
#define HVCALL_MAP_GPA_PAGES			0x004b
#define HVCALL_UNMAP_GPA_PAGES			0x004c
#define HVCALL_INSTALL_INTERCEPT		0x004d
#define HVCALL_CREATE_VP			0x004e
#define HVCALL_DELETE_VP			0x004f
#define HVCALL_GET_VP_REGISTERS			0x0050
#define HVCALL_SET_VP_REGISTERS			0x0051
#define HVCALL_TRANSLATE_VIRTUAL_ADDRESS	0x0052
#define HVCALL_MAP_STATS_PAGE			0x006c
#define HVCALL_GET_SYSTEM_PROPERTY		0x007b
#define HVCALL_ASSERT_VIRTUAL_INTERRUPT		0x0094
#define HVCALL_CREATE_PORT			0x0095
#define HVCALL_DISPATCH_VP			0x00c2
#define HVCALL_GET_GPA_PAGES_ACCESS_STATES	0x00c9
#define HVCALL_MAP_VP_STATE_PAGE		0x00e1
#define HVCALL_GET_VP_STATE			0x00e3
#define HVCALL_GET_PARTITION_PROPERTY_EX	0x0101

/* Hypervisor status codes (bits 15:0 of a hypercall's result). */
#define HV_STATUS_SUCCESS			0x0000
#define HV_STATUS_INVALID_HYPERCALL_CODE	0x0002
#define HV_STATUS_INVALID_HYPERCALL_INPUT	0x0003
#define HV_STATUS_INVALID_PARAMETER		0x0005
#define HV_STATUS_ACCESS_DENIED			0x0006
#define HV_STATUS_UNKNOWN_PROPERTY		0x0009
#define HV_STATUS_INVALID_VP_INDEX		0x000e

/* Register names of GET/SET_VP_REGISTERS. */
#define HV_REGISTER_EXPLICIT_SUSPEND		0x00000000
#define HV_REGISTER_INTERCEPT_SUSPEND		0x00000001
#define HV_REGISTER_DISPATCH_SUSPEND		0x00000003
#define HV_X64_REGISTER_RAX			0x00020000
#define HV_X64_REGISTER_RCX			0x00020001
#define HV_X64_REGISTER_RDX			0x00020002
#define HV_X64_REGISTER_RBX			0x00020003
#define HV_X64_REGISTER_RSP			0x00020004
#define HV_X64_REGISTER_RIP			0x00020010
#define HV_X64_REGISTER_RFLAGS			0x00020011
#define HV_X64_REGISTER_CS			0x00060001
#define HV_X64_REGISTER_DS			0x00060003

/* Hypervisor messages that end MSHV_RUN_VP. */
#define HVMSG_UNMAPPED_GPA			0x80000000
#define HVMSG_UNRECOVERABLE_EXCEPTION		0x80000021
#define HVMSG_X64_IO_PORT_INTERCEPT		0x80010000
#define HVMSG_X64_HALT				0x80010007

/* Partition property codes. */
#define HV_PARTITION_PROPERTY_PRIVILEGE_FLAGS		0x00010000
#define HV_PARTITION_PROPERTY_XSAVE_STATES		0x00060007
#define HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE	0x00060008
#define HV_PARTITION_PROPERTY_VMM_CAPABILITIES		0x00090007

/*
 * Hypervisor structures the tests build by hand.  All are naturally aligned,
 * so they need no packing; the asserts below pin their sizes.
 */
struct mshv_hv_vp_registers_header {
	uint64_t partition_id;
	uint32_t vp_index;
	uint8_t input_vtl;
	uint8_t reserved[3];
};

struct mshv_hv_register_value {
	uint64_t low;
	uint64_t high;
};

struct mshv_hv_register_assoc {
	uint32_t name;
	uint32_t reserved1;
	uint64_t reserved2;
	struct mshv_hv_register_value value;
};

struct mshv_hv_get_vp_register_in {
	struct mshv_hv_vp_registers_header header;
	uint32_t name;
};

struct mshv_hv_set_vp_register_in {
	struct mshv_hv_vp_registers_header header;
	struct mshv_hv_register_assoc element;
};

/* GET_PARTITION_PROPERTY input and output. */
struct mshv_hv_get_property_in {
	uint64_t partition_id;
	uint32_t property_code;
	uint32_t padding;
};

struct mshv_hv_get_property_out {
	uint64_t property_value;
};

struct mshv_hv_get_property_ex_in {
	uint64_t partition_id;
	uint32_t property_code;
	uint32_t padding;
	uint64_t arg;
};

/* The output of GET_PARTITION_PROPERTY_EX(VMM_CAPABILITIES). */
struct mshv_hv_vmm_capabilities {
	uint16_t bank_count;
	uint16_t reserved[3];
	uint64_t bank0;
};

/* The header every intercept message starts with (x86_64). */
struct mshv_hv_message_header {
	uint32_t message_type;
	uint8_t payload_size;
	uint8_t message_flags;
	uint8_t reserved[2];
	uint64_t sender;
};

struct mshv_hv_segment_register {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint16_t attributes;
};

struct mshv_hv_intercept_header {
	uint32_t vp_index;
	uint8_t instruction_length_cr8;
	uint8_t intercept_access_type;
	uint16_t execution_state;
	struct mshv_hv_segment_register cs;
	uint64_t rip;
	uint64_t rflags;
};

static_assert(sizeof(struct mshv_hv_vp_registers_header) == 16);
static_assert(sizeof(struct mshv_hv_register_assoc) == 32);
static_assert(sizeof(struct mshv_hv_set_vp_register_in) == 48);
static_assert(sizeof(struct mshv_hv_get_property_in) == 16);
static_assert(sizeof(struct mshv_hv_message_header) == 16);
static_assert(sizeof(struct mshv_hv_intercept_header) == 40);

/* GET_VP_REGISTERS input of one register, without the trailing padding. */
#define MSHV_GET_VP_REGISTER_IN_SZ \
	(offsetof(struct mshv_hv_get_vp_register_in, name) + sizeof(uint32_t))

/*
 * mshv_open_dev() - open /dev/mshv, or mark the test skipped
 *
 * Return: the fd, or -1 after SKIP(): the caller returns.
 */
static inline int __mshv_open_dev(struct __test_metadata *_metadata)
{
	int fd = open(MSHV_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		SKIP(return -1, MSHV_DEV " is not available: %s",
		     strerror(errno));
	ASSERT_LE(0, fd) TH_LOG("open " MSHV_DEV ": %s", strerror(errno));
	return fd;
}

#define mshv_open_dev()	__mshv_open_dev(_metadata)

/* The raw ioctl, for tests that look at errno themselves. */
static inline int mshv_try_create_partition(int dev, uint64_t flags)
{
	struct mshv_create_partition args = {
		.pt_flags = flags,
		.pt_isolation = MSHV_PT_ISOLATION_NONE,
	};

	return ioctl(dev, MSHV_CREATE_PARTITION, &args);
}

/* A partition as most VMMs create it: LAPIC and x2APIC enabled. */
#define MSHV_PT_FLAGS_DEFAULT \
	((1ULL << MSHV_PT_BIT_LAPIC) | (1ULL << MSHV_PT_BIT_X2APIC))

static inline int __mshv_create_partition(struct __test_metadata *_metadata,
					  int dev, uint64_t flags)
{
	int pt = mshv_try_create_partition(dev, flags);

	ASSERT_LE(0, pt) TH_LOG("MSHV_CREATE_PARTITION: %s", strerror(errno));
	return pt;
}

#define mshv_create_partition(dev, flags) \
	__mshv_create_partition(_metadata, dev, flags)

static inline int __mshv_create_initialized_partition(struct __test_metadata *_metadata,
						      int dev)
{
	int pt = __mshv_create_partition(_metadata, dev, MSHV_PT_FLAGS_DEFAULT);

	ASSERT_EQ(0, ioctl(pt, MSHV_INITIALIZE_PARTITION))
		TH_LOG("MSHV_INITIALIZE_PARTITION: %s", strerror(errno));
	return pt;
}

/* A partition created with the default flags and initialized. */
#define mshv_create_initialized_partition(dev) \
	__mshv_create_initialized_partition(_metadata, dev)

static inline int mshv_try_create_vp(int pt, uint32_t index)
{
	struct mshv_create_vp args = { .vp_index = index };

	return ioctl(pt, MSHV_CREATE_VP, &args);
}

static inline int __mshv_create_vp(struct __test_metadata *_metadata, int pt,
				   uint32_t index)
{
	int vp = mshv_try_create_vp(pt, index);

	ASSERT_LE(0, vp) TH_LOG("MSHV_CREATE_VP %u: %s", index,
				strerror(errno));
	return vp;
}

#define mshv_create_vp(pt, index)	__mshv_create_vp(_metadata, pt, index)

/* MSHV_SET_GUEST_MEMORY with the fields given; returns the ioctl's result. */
static inline int mshv_set_memory(int pt, uint64_t gfn, uint64_t size,
				  void *hva, uint8_t flags)
{
	struct mshv_user_mem_region region = {
		.size = size,
		.guest_pfn = gfn,
		.userspace_addr = (uintptr_t)hva,
		.flags = flags,
	};

	return ioctl(pt, MSHV_SET_GUEST_MEMORY, &region);
}

#define MSHV_MEM_RWX \
	((1 << MSHV_SET_MEM_BIT_WRITABLE) | (1 << MSHV_SET_MEM_BIT_EXECUTABLE))

/* Anonymous memory, zeroed, page aligned; asserts on failure. */
static inline void *__mshv_alloc_mem(struct __test_metadata *_metadata,
				     size_t size)
{
	void *hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, hva) TH_LOG("mmap %zu: %s", size,
					  strerror(errno));
	return hva;
}

#define mshv_alloc_mem(size)	__mshv_alloc_mem(_metadata, size)

/*
 * mshv_map_memory() - back @size bytes of guest memory at @gfn with fresh
 * anonymous memory, mapped with @flags (MSHV_SET_MEM_BIT_* bits)
 *
 * Return: the memory's address in this process.
 */
static inline void *__mshv_map_memory(struct __test_metadata *_metadata,
				      int pt, uint64_t gfn, size_t size,
				      uint8_t flags)
{
	void *hva = __mshv_alloc_mem(_metadata, size);

	ASSERT_EQ(0, mshv_set_memory(pt, gfn, size, hva, flags))
		TH_LOG("MSHV_SET_GUEST_MEMORY gfn %#llx size %#zx: %s",
		       (unsigned long long)gfn, size, strerror(errno));
	return hva;
}

#define mshv_map_memory(pt, gfn, size, flags) \
	__mshv_map_memory(_metadata, pt, gfn, size, flags)

/* Undo mshv_map_memory(): the region must match exactly. */
static inline int mshv_unmap_memory(int pt, uint64_t gfn, uint64_t size,
				    void *hva)
{
	return mshv_set_memory(pt, gfn, size, hva,
			       1 << MSHV_SET_MEM_BIT_UNMAP);
}

/*
 * mshv_hvcall() - MSHV_ROOT_HVCALL on @fd
 * @status: if not NULL, receives the hypervisor's status
 * @reps_done: if not NULL, receives the reps completed
 *
 * Return: the ioctl's result (errno set on -1).
 */
static inline int mshv_hvcall(int fd, uint16_t code, uint16_t reps,
			      void *in, uint16_t in_sz, void *out,
			      uint16_t out_sz, uint16_t *status,
			      uint16_t *reps_done)
{
	struct mshv_root_hvcall args = {
		.code = code,
		.reps = reps,
		.in_sz = in_sz,
		.out_sz = out_sz,
		.in_ptr = (uintptr_t)in,
		.out_ptr = (uintptr_t)out,
	};
	int ret = ioctl(fd, MSHV_ROOT_HVCALL, &args);

	if (status)
		*status = args.status;
	if (reps_done)
		*reps_done = args.reps;
	return ret;
}

/* GET_VP_REGISTERS of one register, through the VP fd. */
static inline int mshv_get_reg(int vp_fd, uint32_t vp_index, uint32_t name,
			       struct mshv_hv_register_value *value)
{
	struct mshv_hv_get_vp_register_in in = {
		.header.vp_index = vp_index,
		.name = name,
	};

	return mshv_hvcall(vp_fd, HVCALL_GET_VP_REGISTERS, 1, &in,
			   MSHV_GET_VP_REGISTER_IN_SZ, value, sizeof(*value),
			   NULL, NULL);
}

/* SET_VP_REGISTERS of one register, through the VP fd. */
static inline int mshv_set_reg(int vp_fd, uint32_t vp_index, uint32_t name,
			       uint64_t low, uint64_t high)
{
	struct mshv_hv_set_vp_register_in in = {
		.header.vp_index = vp_index,
		.element.name = name,
		.element.value.low = low,
		.element.value.high = high,
	};

	return mshv_hvcall(vp_fd, HVCALL_SET_VP_REGISTERS, 1, &in, sizeof(in),
			   NULL, 0, NULL, NULL);
}

static inline uint64_t __mshv_get_reg64(struct __test_metadata *_metadata,
					int vp_fd, uint32_t vp_index,
					uint32_t name)
{
	struct mshv_hv_register_value value = {};

	ASSERT_EQ(0, mshv_get_reg(vp_fd, vp_index, name, &value))
		TH_LOG("GET_VP_REGISTERS %#x: %s", name, strerror(errno));
	return value.low;
}

#define mshv_get_reg64(vp_fd, vp_index, name) \
	__mshv_get_reg64(_metadata, vp_fd, vp_index, name)

static inline void __mshv_set_reg64(struct __test_metadata *_metadata,
				    int vp_fd, uint32_t vp_index,
				    uint32_t name, uint64_t value)
{
	ASSERT_EQ(0, mshv_set_reg(vp_fd, vp_index, name, value, 0))
		TH_LOG("SET_VP_REGISTERS %#x: %s", name, strerror(errno));
}

#define mshv_set_reg64(vp_fd, vp_index, name, value) \
	__mshv_set_reg64(_metadata, vp_fd, vp_index, name, value)

/* A non-blocking eventfd; asserts on failure. */
static inline int __mshv_eventfd(struct __test_metadata *_metadata)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ASSERT_LE(0, fd) TH_LOG("eventfd: %s", strerror(errno));
	return fd;
}

#define mshv_eventfd()	__mshv_eventfd(_metadata)

/* Read and reset an eventfd's counter: 0 when it was never signalled. */
static inline uint64_t mshv_eventfd_count(int fd)
{
	uint64_t count = 0;

	if (read(fd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

/*
 * mshv_guard_page() - a page followed by an inaccessible one
 *
 * Return: the start of the accessible page.  An object placed so that it
 * ends past the page makes the driver's copy fault (EFAULT) part way.
 */
static inline void *__mshv_guard_page(struct __test_metadata *_metadata)
{
	char *p = mmap(NULL, 2 * MSHV_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + MSHV_PAGE_SIZE, MSHV_PAGE_SIZE, PROT_NONE));
	return p;
}

#define mshv_guard_page()	__mshv_guard_page(_metadata)

/*
 * An address no test maps: the page below is mapped then freed, so that a
 * pointer to it faults (EFAULT from the driver).
 */
static inline void *mshv_unmapped_ptr(void)
{
	void *p = mmap(NULL, MSHV_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return (void *)8;
	munmap(p, MSHV_PAGE_SIZE);
	return p;
}

#endif /* SELFTEST_MSHV_UTIL_H */
