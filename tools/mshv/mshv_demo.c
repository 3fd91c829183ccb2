// SPDX-License-Identifier: GPL-2.0
/*
 * mshv_demo - the smallest VMM for /dev/mshv
 *
 * Creates a partition with 64 KiB of memory and one VP, copies in a tiny
 * 16-bit real-mode program that prints a greeting and the sum 2 + 3 on a
 * serial port, byte by byte, and runs it: each OUT to the port stops the
 * VP with an I/O intercept message, which this VMM emulates by printing
 * the byte and moving the guest's RIP past the instruction.  The guest's
 * final HLT ends the run.
 *
 * It runs on Microsoft Hypervisor (as the root partition) and on the
 * mshv_root driver's fake hypervisor backend alike.
 *
 * Usage: mshv_demo [-v]   (-v: trace every exit on stderr)
 * Exit status: 0 when the guest printed what it should and halted, 1 on
 * any error or unexpected exit.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/mshv.h>

#define GUEST_MEM_SIZE		0x10000UL	/* 64 KiB at guest physical 0 */
#define GUEST_CODE		0x1000UL	/* where the program goes */
#define COM1			0x3f8
#define EXPECTED		"Hello from an mshv guest!\n2+3=5\n"

/* The few hypervisor (TLFS) definitions a VMM needs to run real mode. */
#define HVCALL_SET_VP_REGISTERS		0x0051

#define HV_X64_REGISTER_RIP		0x00020010
#define HV_X64_REGISTER_RFLAGS		0x00020011
#define HV_X64_REGISTER_ES		0x00060000
#define HV_X64_REGISTER_CS		0x00060001
#define HV_X64_REGISTER_SS		0x00060002
#define HV_X64_REGISTER_DS		0x00060003

#define HVMSG_X64_IO_PORT_INTERCEPT	0x80010000
#define HVMSG_X64_HALT			0x80010007

#define HV_INTERCEPT_ACCESS_WRITE	1

#pragma pack(push, 1)

struct hv_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint16_t attributes;
};

struct hv_register_assoc {
	uint32_t name;
	uint32_t reserved1;
	uint64_t reserved2;
	union {
		uint64_t reg64;
		struct hv_segment segment;
	} value;
};

struct hv_set_vp_registers {
	uint64_t partition_id;		/* the driver fills it in */
	uint32_t vp_index;
	uint8_t input_vtl;
	uint8_t reserved[3];
	struct hv_register_assoc regs[6];
};

struct hv_intercept_header {
	uint32_t vp_index;
	uint8_t instruction_length;	/* bits 3:0; bits 7:4 are CR8 */
	uint8_t access_type;
	uint16_t execution_state;
	struct hv_segment cs;
	uint64_t rip;
	uint64_t rflags;
};

struct hv_io_port_intercept {
	struct hv_intercept_header header;
	uint16_t port;
	uint8_t access_info;		/* bits 2:0: access size */
	uint8_t instruction_byte_count;
	uint32_t reserved;
	uint64_t rax;
	/* instruction bytes, DS, ES, RCX, RSI, RDI follow */
};

struct hv_message {
	uint32_t type;
	uint8_t payload_size;
	uint8_t flags;
	uint16_t reserved;
	uint64_t sender;
	union {
		uint8_t payload[240];
		struct hv_intercept_header intercept;
		struct hv_io_port_intercept io;
	};
};

#pragma pack(pop)

static_assert(sizeof(struct hv_message) == MSHV_RUN_VP_BUF_SZ, "message");
static_assert(sizeof(struct hv_register_assoc) == 32, "register");
static_assert(sizeof(struct hv_intercept_header) == 40, "intercept");

static int verbose;

/* What the guest wrote to the serial port, to check at the end. */
static char output[64];

/* Emit "mov al, c; out dx, al": print one character. */
static uint8_t *emit_putc(uint8_t *p, char c)
{
	*p++ = 0xb0;		/* mov al, imm8 */
	*p++ = c;
	*p++ = 0xee;		/* out dx, al */
	return p;
}

/* Write the guest program at @p; return its length. */
static size_t build_program(uint8_t *start)
{
	const char *hello = "Hello from an mshv guest!\n";
	uint8_t *p = start;

	*p++ = 0xba;		/* mov dx, 0x3f8 */
	*p++ = COM1 & 0xff;
	*p++ = COM1 >> 8;
	while (*hello)
		p = emit_putc(p, *hello++);
	p = emit_putc(p, '2');
	p = emit_putc(p, '+');
	p = emit_putc(p, '3');
	p = emit_putc(p, '=');
	*p++ = 0xb0;		/* mov al, 2 */
	*p++ = 2;
	*p++ = 0xb3;		/* mov bl, 3 */
	*p++ = 3;
	*p++ = 0x00;		/* add al, bl */
	*p++ = 0xd8;
	*p++ = 0x04;		/* add al, '0' */
	*p++ = '0';
	*p++ = 0xee;		/* out dx, al */
	p = emit_putc(p, '\n');
	*p++ = 0xf4;		/* hlt */
	return p - start;
}

static void set_reg(struct hv_register_assoc *reg, uint32_t name,
		    uint64_t value)
{
	memset(reg, 0, sizeof(*reg));
	reg->name = name;
	reg->value.reg64 = value;
}

/* A real-mode segment based at 0: selector 0, 64 KiB limit. */
static void set_segment(struct hv_register_assoc *reg, uint32_t name,
			uint16_t attributes)
{
	memset(reg, 0, sizeof(*reg));
	reg->name = name;
	reg->value.segment.limit = 0xffff;
	reg->value.segment.attributes = attributes;
}

/* SET_VP_REGISTERS through MSHV_ROOT_HVCALL on the VP fd. */
static int set_registers(int vp, struct hv_set_vp_registers *in,
			 unsigned int count)
{
	struct mshv_root_hvcall call = {
		.code = HVCALL_SET_VP_REGISTERS,
		.reps = count,
		.in_sz = offsetof(struct hv_set_vp_registers, regs) +
			 count * sizeof(in->regs[0]),
		.in_ptr = (uintptr_t)in,
	};

	if (ioctl(vp, MSHV_ROOT_HVCALL, &call)) {
		fprintf(stderr, "SET_VP_REGISTERS: %s (status %#x)\n",
			strerror(errno), call.status);
		return -1;
	}
	if (call.reps != count) {
		fprintf(stderr, "SET_VP_REGISTERS: %u of %u set\n", call.reps,
			count);
		return -1;
	}
	return 0;
}

/* Point the VP at the program: CS:IP = 0:GUEST_CODE, real mode. */
static int setup_vp(int vp)
{
	struct hv_set_vp_registers in = { .vp_index = 0 };

	set_segment(&in.regs[0], HV_X64_REGISTER_CS, 0x9b);	/* code */
	set_segment(&in.regs[1], HV_X64_REGISTER_DS, 0x93);	/* data */
	set_segment(&in.regs[2], HV_X64_REGISTER_ES, 0x93);
	set_segment(&in.regs[3], HV_X64_REGISTER_SS, 0x93);
	set_reg(&in.regs[4], HV_X64_REGISTER_RIP, GUEST_CODE);
	set_reg(&in.regs[5], HV_X64_REGISTER_RFLAGS, 0x2);	/* reserved bit */
	return set_registers(vp, &in, 6);
}

/* Resume the VP after the instruction that caused @msg. */
static int skip_instruction(int vp, const struct hv_message *msg)
{
	struct hv_set_vp_registers in = { .vp_index = 0 };
	unsigned int len = msg->intercept.instruction_length & 0xf;

	set_reg(&in.regs[0], HV_X64_REGISTER_RIP, msg->intercept.rip + len);
	return set_registers(vp, &in, 1);
}

/* Run until the guest halts; return 0, or -1 on anything unexpected. */
static int run(int vp, unsigned long *exits, unsigned long *bytes)
{
	struct hv_message msg;

	for (;;) {
		if (ioctl(vp, MSHV_RUN_VP, &msg)) {
			if (errno == EINTR)
				continue;
			perror("MSHV_RUN_VP");
			return -1;
		}
		++*exits;
		if (verbose)
			fprintf(stderr, "exit %lu: message %#x at rip %#llx\n",
				*exits, msg.type,
				(unsigned long long)msg.intercept.rip);

		switch (msg.type) {
		case HVMSG_X64_HALT:
			return 0;
		case HVMSG_X64_IO_PORT_INTERCEPT:
			if (msg.io.port != COM1 ||
			    msg.intercept.access_type != HV_INTERCEPT_ACCESS_WRITE ||
			    (msg.io.access_info & 0x7) != 1) {
				fprintf(stderr, "unexpected I/O: port %#x, access %u, size %u\n",
					msg.io.port, msg.intercept.access_type,
					msg.io.access_info & 0x7);
				return -1;
			}
			putchar(msg.io.rax & 0xff);
			if (*bytes < sizeof(output) - 1)
				output[*bytes] = msg.io.rax & 0xff;
			++*bytes;
			if (skip_instruction(vp, &msg))
				return -1;
			break;
		default:
			fprintf(stderr, "unexpected exit: message %#x at rip %#llx\n",
				msg.type, (unsigned long long)msg.intercept.rip);
			return -1;
		}
	}
}

int main(int argc, char **argv)
{
	struct mshv_create_partition pt_args = {
		.pt_flags = 1ULL << MSHV_PT_BIT_LAPIC,
		.pt_isolation = MSHV_PT_ISOLATION_NONE,
	};
	struct mshv_create_vp vp_args = { .vp_index = 0 };
	struct mshv_user_mem_region region = {
		.size = GUEST_MEM_SIZE,
		.guest_pfn = 0,
		.flags = (1 << MSHV_SET_MEM_BIT_WRITABLE) |
			 (1 << MSHV_SET_MEM_BIT_EXECUTABLE),
	};
	unsigned long exits = 0, bytes = 0;
	int dev, pt, vp, ret;
	size_t len;
	uint8_t *mem;

	verbose = argc > 1 && !strcmp(argv[1], "-v");
	setvbuf(stdout, NULL, _IONBF, 0);	/* a serial port is unbuffered */

	dev = open("/dev/mshv", O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("/dev/mshv");
		return 1;
	}
	pt = ioctl(dev, MSHV_CREATE_PARTITION, &pt_args);
	if (pt < 0) {
		perror("MSHV_CREATE_PARTITION");
		return 1;
	}
	if (ioctl(pt, MSHV_INITIALIZE_PARTITION)) {
		perror("MSHV_INITIALIZE_PARTITION");
		return 1;
	}

	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	len = build_program(mem + GUEST_CODE);
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(pt, MSHV_SET_GUEST_MEMORY, &region)) {
		perror("MSHV_SET_GUEST_MEMORY");
		return 1;
	}

	vp = ioctl(pt, MSHV_CREATE_VP, &vp_args);
	if (vp < 0) {
		perror("MSHV_CREATE_VP");
		return 1;
	}
	if (setup_vp(vp))
		return 1;

	fprintf(stderr, "mshv_demo: running a %zu-byte guest program\n", len);
	ret = run(vp, &exits, &bytes);
	if (!ret && strcmp(output, EXPECTED)) {
		fprintf(stderr, "mshv_demo: the guest printed the wrong text\n");
		ret = -1;
	}
	fprintf(stderr, "mshv_demo: %s after %lu exits (%lu bytes of output, %lu halt)\n",
		ret ? "failed" : "guest halted", exits, bytes, ret ? 0UL : 1UL);

	close(vp);
	close(pt);
	close(dev);
	munmap(mem, GUEST_MEM_SIZE);
	return ret ? 1 : 0;
}
