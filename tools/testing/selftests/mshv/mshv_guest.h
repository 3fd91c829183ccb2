/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running guest code in the /dev/mshv selftests.
 *
 * A test builds a partition with one VP and one block of guest memory at
 * guest physical address 0, copies a few bytes of 16-bit real-mode code
 * into it, points the VP's registers at them and runs the VP until it
 * exits with a hypervisor message.  As on Microsoft Hypervisor, the VMM
 * (the test) emulates what the guest asked for and moves RIP past the
 * instruction itself; registers travel through the GET/SET_VP_REGISTERS
 * hypercalls, issued with MSHV_ROOT_HVCALL on the VP fd.
 *
 * The message layouts are the hypervisor's (TLFS, x86_64); the asserts
 * below pin every offset a test reads.
 */
#ifndef SELFTEST_MSHV_GUEST_H
#define SELFTEST_MSHV_GUEST_H

#include <assert.h>
#include <stddef.h>

#include "mshv_util.h"

/* Register names mshv_util.h does not name (TLFS hv_register_name). */
#define HV_X64_REGISTER_RBP			0x00020005
#define HV_X64_REGISTER_RSI			0x00020006
#define HV_X64_REGISTER_RDI			0x00020007
#define HV_X64_REGISTER_R8			0x00020008
#define HV_X64_REGISTER_ES			0x00060000
#define HV_X64_REGISTER_SS			0x00060002
#define HV_X64_REGISTER_FS			0x00060004
#define HV_X64_REGISTER_GS			0x00060005

/* A guest access the GPA map's permissions do not allow. */
#define HVMSG_GPA_INTERCEPT			0x80000001

/* hv_x64_intercept_message_header.intercept_access_type */
#define HV_INTERCEPT_ACCESS_READ		0
#define HV_INTERCEPT_ACCESS_WRITE		1
#define HV_INTERCEPT_ACCESS_EXECUTE		2

/* The LAPIC page of MSHV_VP_STATE_LAPIC: IRR at 0x200, 32 vectors a 16 bytes. */
#define MSHV_LAPIC_IRR_OFFSET			0x200

/* RFLAGS bit 1 always reads as one. */
#define MSHV_GUEST_RFLAGS_RESET			0x2

/* Real-mode segments: 64 KiB limit; code execute/read, data read/write. */
#define MSHV_GUEST_SEG_LIMIT			0xffff
#define MSHV_GUEST_SEG_CODE			0x009b
#define MSHV_GUEST_SEG_DATA			0x0093

/* Where the tests copy their programs: the start of the second page. */
#define MSHV_GUEST_CODE_GPA			0x1000

/* The most registers one call of the helpers below moves. */
#define MSHV_GUEST_MAX_REGS			16

/*
 * The hypervisor's layouts have no padding: pack them (a pragma, as this
 * is user space, where the kernel's __packed does not exist).
 */
#pragma pack(push, 1)

/* HVMSG_X64_IO_PORT_INTERCEPT payload */
struct mshv_hv_io_port_intercept {
	struct mshv_hv_intercept_header header;
	uint16_t port_number;
	uint8_t access_info;	/* size:3 (1, 2, 4), string:1, rep:1 */
	uint8_t instruction_byte_count;
	uint32_t reserved;
	uint64_t rax;
	uint8_t instruction_bytes[16];
	struct mshv_hv_segment_register ds;
	struct mshv_hv_segment_register es;
	uint64_t rcx;
	uint64_t rsi;
	uint64_t rdi;
};

#define MSHV_IO_ACCESS_SIZE(info)	((info) & 0x7)
#define MSHV_IO_ACCESS_STRING		0x08
#define MSHV_IO_ACCESS_REP		0x10

/* HVMSG_UNMAPPED_GPA (and HVMSG_GPA_INTERCEPT) payload */
struct mshv_hv_memory_intercept {
	struct mshv_hv_intercept_header header;
	uint32_t cache_type;
	uint8_t instruction_byte_count;
	uint8_t memory_access_info;	/* gva_valid:1, gva_gpa_valid:1, ... */
	uint8_t tpr_priority;
	uint8_t reserved;
	uint64_t guest_virtual_address;
	uint64_t guest_physical_address;
	uint8_t instruction_bytes[16];
};

#define MSHV_HV_MESSAGE_PAYLOAD_SIZE	240

/* What MSHV_RUN_VP returns: one hypervisor message. */
struct mshv_hv_message {
	struct mshv_hv_message_header header;
	union {
		uint8_t payload[MSHV_HV_MESSAGE_PAYLOAD_SIZE];
		struct mshv_hv_intercept_header intercept;
		struct mshv_hv_io_port_intercept io;
		struct mshv_hv_memory_intercept mem;
	};
};

#pragma pack(pop)

static_assert(sizeof(struct mshv_hv_message_header) == 16, "message header");
static_assert(sizeof(struct mshv_hv_segment_register) == 16, "segment");
static_assert(sizeof(struct mshv_hv_intercept_header) == 40,
	      "intercept header");
static_assert(offsetof(struct mshv_hv_intercept_header, cs) == 8, "cs");
static_assert(offsetof(struct mshv_hv_intercept_header, rip) == 24, "rip");
static_assert(offsetof(struct mshv_hv_io_port_intercept, port_number) == 40,
	      "io port");
static_assert(offsetof(struct mshv_hv_io_port_intercept, rax) == 48,
	      "io rax");
static_assert(offsetof(struct mshv_hv_io_port_intercept, ds) == 72,
	      "io ds");
static_assert(sizeof(struct mshv_hv_io_port_intercept) == 128, "io");
static_assert(offsetof(struct mshv_hv_memory_intercept,
		       guest_physical_address) == 56, "memory gpa");
static_assert(sizeof(struct mshv_hv_memory_intercept) == 80, "memory");
static_assert(sizeof(struct mshv_hv_message) == MSHV_RUN_VP_BUF_SZ,
	      "message");
static_assert(sizeof(struct mshv_hv_register_assoc) == 32, "assoc");
static_assert(sizeof(struct mshv_hv_vp_registers_header) == 16,
	      "registers header");

static inline unsigned int mshv_insn_len(const struct mshv_hv_message *msg)
{
	/* instruction_length is the low nibble, cr8 the high one. */
	return msg->intercept.instruction_length_cr8 & 0xf;
}

/* A segment register's 16-byte value: base, limit, selector, attributes. */
static inline struct mshv_hv_register_value
mshv_segment_value(uint64_t base, uint32_t limit, uint16_t selector,
		   uint16_t attributes)
{
	struct mshv_hv_segment_register seg = {
		.base = base,
		.limit = limit,
		.selector = selector,
		.attributes = attributes,
	};
	struct mshv_hv_register_value value;

	memcpy(&value, &seg, sizeof(value));
	return value;
}

/*
 * mshv_get_regs() - read @n registers of VP @vp_index in one rep hypercall
 *
 * Return: 0; or -1 with errno set (EIO when the hypervisor completed fewer
 * reps than asked).
 */
static inline int mshv_get_regs(int vp_fd, uint32_t vp_index,
				const uint32_t *names,
				struct mshv_hv_register_value *values,
				unsigned int n)
{
	struct {
		struct mshv_hv_vp_registers_header header;
		uint32_t names[MSHV_GUEST_MAX_REGS];
	} in = { .header.vp_index = vp_index };
	uint16_t done = 0;

	/* Names follow the 16-byte header with no padding. */
	static_assert(sizeof(in) == 16 + 4 * MSHV_GUEST_MAX_REGS, "get input");
	if (!n || n > MSHV_GUEST_MAX_REGS) {
		errno = EINVAL;
		return -1;
	}
	memcpy(in.names, names, n * sizeof(*names));
	if (mshv_hvcall(vp_fd, HVCALL_GET_VP_REGISTERS, n, &in,
			sizeof(in.header) + n * sizeof(*names), values,
			n * sizeof(*values), NULL, &done))
		return -1;
	if (done != n) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* mshv_set_regs() - write @n registers at once; returns as mshv_get_regs() */
static inline int mshv_set_regs(int vp_fd, uint32_t vp_index,
				const uint32_t *names,
				const struct mshv_hv_register_value *values,
				unsigned int n)
{
	struct {
		struct mshv_hv_vp_registers_header header;
		struct mshv_hv_register_assoc elements[MSHV_GUEST_MAX_REGS];
	} in = { .header.vp_index = vp_index };
	uint16_t done = 0;
	unsigned int i;

	static_assert(sizeof(in) == 16 + 32 * MSHV_GUEST_MAX_REGS, "set input");

	if (!n || n > MSHV_GUEST_MAX_REGS) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		in.elements[i].name = names[i];
		in.elements[i].value = values[i];
	}
	if (mshv_hvcall(vp_fd, HVCALL_SET_VP_REGISTERS, n, &in,
			sizeof(in.header) + n * sizeof(in.elements[0]), NULL, 0,
			NULL, &done))
		return -1;
	if (done != n) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/**
 * struct mshv_guest - a partition with one VP and guest memory at GPA 0
 * @dev: /dev/mshv
 * @pt: the partition
 * @vp: VP 0
 * @mem: the guest memory, as this process sees it
 * @mem_size: its size
 */
struct mshv_guest {
	int dev;
	int pt;
	int vp;
	uint8_t *mem;
	size_t mem_size;
};

/*
 * mshv_guest_create() - build @g: partition, memory (read/write/execute)
 * and VP 0
 *
 * Return: false when the test was skipped (no /dev/mshv) or failed.
 */
static inline bool __mshv_guest_create(struct __test_metadata *_metadata,
				       struct mshv_guest *g, size_t mem_size)
{
	memset(g, 0, sizeof(*g));
	g->pt = -1;
	g->vp = -1;
	g->dev = __mshv_open_dev(_metadata);
	if (g->dev < 0)
		return false;
	g->pt = __mshv_create_initialized_partition(_metadata, g->dev);
	g->mem = __mshv_map_memory(_metadata, g->pt, 0, mem_size, MSHV_MEM_RWX);
	g->mem_size = mem_size;
	g->vp = __mshv_create_vp(_metadata, g->pt, 0);
	return true;
}

#define mshv_guest_create(g, mem_size) \
	__mshv_guest_create(_metadata, g, mem_size)

/* Close what mshv_guest_create() opened; the memory goes last. */
static inline void mshv_guest_destroy(struct mshv_guest *g)
{
	if (g->vp >= 0)
		close(g->vp);
	if (g->pt >= 0)
		close(g->pt);
	if (g->dev >= 0)
		close(g->dev);
	if (g->mem)
		munmap(g->mem, g->mem_size);
	g->dev = -1;
	g->pt = -1;
	g->vp = -1;
	g->mem = NULL;
}

/*
 * mshv_guest_load() - copy @len bytes of real-mode code to @gpa and make
 * the VP start there: CS and DS based at 0 (DS at @ds_base), RIP = @gpa
 */
static inline void __mshv_guest_load(struct __test_metadata *_metadata,
				     struct mshv_guest *g, uint64_t gpa,
				     const void *code, size_t len,
				     uint64_t ds_base)
{
	static const uint32_t names[] = {
		HV_X64_REGISTER_CS, HV_X64_REGISTER_DS, HV_X64_REGISTER_ES,
		HV_X64_REGISTER_SS, HV_X64_REGISTER_RIP,
		HV_X64_REGISTER_RFLAGS,
	};
	struct mshv_hv_register_value values[] = {
		mshv_segment_value(0, MSHV_GUEST_SEG_LIMIT, 0,
				   MSHV_GUEST_SEG_CODE),
		mshv_segment_value(ds_base, MSHV_GUEST_SEG_LIMIT, 0,
				   MSHV_GUEST_SEG_DATA),
		mshv_segment_value(0, MSHV_GUEST_SEG_LIMIT, 0,
				   MSHV_GUEST_SEG_DATA),
		mshv_segment_value(0, MSHV_GUEST_SEG_LIMIT, 0,
				   MSHV_GUEST_SEG_DATA),
		{ .low = gpa },
		{ .low = MSHV_GUEST_RFLAGS_RESET },
	};

	ASSERT_LE(gpa + len, g->mem_size);
	memcpy(g->mem + gpa, code, len);
	ASSERT_EQ(0, mshv_set_regs(g->vp, 0, names, values, 6))
		TH_LOG("SET_VP_REGISTERS: %s", strerror(errno));
}

#define mshv_guest_load(g, gpa, code, len) \
	__mshv_guest_load(_metadata, g, gpa, code, len, 0)
#define mshv_guest_load_ds(g, gpa, code, len, ds_base) \
	__mshv_guest_load(_metadata, g, gpa, code, len, ds_base)

/* MSHV_RUN_VP once; returns the ioctl's result, the message in @msg. */
static inline int mshv_guest_try_run(int vp_fd, struct mshv_hv_message *msg)
{
	memset(msg, 0, sizeof(*msg));
	return ioctl(vp_fd, MSHV_RUN_VP, msg);
}

/* Run until the VP exits; return the message type. */
static inline uint32_t __mshv_guest_run(struct __test_metadata *_metadata,
					struct mshv_guest *g,
					struct mshv_hv_message *msg)
{
	ASSERT_EQ(0, mshv_guest_try_run(g->vp, msg))
		TH_LOG("MSHV_RUN_VP: %s", strerror(errno));
	return msg->header.message_type;
}

#define mshv_guest_run(g, msg)	__mshv_guest_run(_metadata, g, msg)

/* Emulation done: resume after the intercepted instruction. */
static inline void __mshv_guest_skip(struct __test_metadata *_metadata,
				     struct mshv_guest *g,
				     const struct mshv_hv_message *msg)
{
	ASSERT_NE(0, mshv_insn_len(msg));
	__mshv_set_reg64(_metadata, g->vp, 0, HV_X64_REGISTER_RIP,
			 msg->intercept.rip + mshv_insn_len(msg));
}

#define mshv_guest_skip(g, msg)	__mshv_guest_skip(_metadata, g, msg)

/*
 * mshv_lapic_irr_test() - is @vector pending in the IRR of a LAPIC page
 * read with MSHV_GET_VP_STATE (MSHV_VP_STATE_LAPIC)?
 */
static inline bool mshv_lapic_irr_test(const uint8_t *lapic, uint8_t vector)
{
	uint32_t irr;

	memcpy(&irr, lapic + MSHV_LAPIC_IRR_OFFSET + 0x10 * (vector / 32),
	       sizeof(irr));
	return irr & (1U << (vector % 32));
}

#endif /* SELFTEST_MSHV_GUEST_H */
