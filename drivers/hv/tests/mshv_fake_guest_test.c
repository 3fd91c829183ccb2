// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of guest code on the fake hypervisor, through the driver's
 * file descriptors as a VMM drives it: guest memory mapped with
 * MSHV_SET_GUEST_MEMORY, a real mode program copied there, registers set
 * and read with MSHV_ROOT_HVCALL, and MSHV_RUN_VP returning the intercept
 * messages the hypervisor would (port I/O, memory, halt, unrecoverable
 * exception).  Stores to MMIO ring ioeventfds with no exit, interrupts show
 * in the LAPIC state, and a guest looping forever still lets a signal end
 * the run.  Guest accesses set the frames' accessed and dirty bits, and a
 * device's frames are never reached as RAM.
 */

#include <linux/anon_inodes.h>
#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/eventfd.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <asm/processor-flags.h>
#include <kunit/test.h>

#include "mshv_test_user.h"

#define WAIT_MS		5000

/* The guest's memory: RAM at 0-0x3fff, a read-only page, then nothing. */
#define RAM_PAGES	4
#define ROM_GPA		(RAM_PAGES * PAGE_SIZE)
#define CODE_GPA	0x1000
#define MMIO_GPA	0xd000
#define IRR		0x200

/* A program and its length, for the tables. */
#define CODE(...)	.code = { __VA_ARGS__ }, .len = sizeof((u8[]){ __VA_ARGS__ })

/**
 * struct vm - what a test's VMM holds
 * @pt_fd: the partition
 * @vp_fd: its VP 0
 * @id: the partition's id
 * @ram: user memory behind the guest's RAM, then its read-only page
 */
struct vm {
	int pt_fd;
	int vp_fd;
	u64 id;
	unsigned long ram;
};

static void guest_test_teardown(void *data)
{
	struct kunit *test = data;

	mshv_fake_hv_flush_messages(mshv_test_fake(test));
	mshv_test_exit(test);
}

static int guest_test_init(struct kunit *test)
{
	int ret;

	if (!mshv_test_synic_ready())
		kunit_skip(test, "needs the fake backend's SynIC (CONFIG_MSHV_ROOT_FAKE_HV)");
	ret = mshv_test_init(test);
	if (ret)
		return ret;
	mshv_test_fake(test)->run_guest_code = true;
	/* First registered, so it runs last: after the VP threads stop. */
	return kunit_add_action_or_reset(test, guest_test_teardown, test);
}

static void restore_scheduler(void *saved)
{
	mshv_set_scheduler((unsigned long)saved);
}

static void use_scheduler(struct kunit *test, enum mshv_scheduler sched)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_scheduler,
							(void *)(unsigned long)mshv_scheduler),
			0);
	mshv_set_scheduler(sched);
	KUNIT_ASSERT_EQ(test, mshv_vp_dispatch_init(), 0);
	fake->scheduler_type = sched == MSHV_SCHED_ROOT ? HV_SCHEDULER_TYPE_ROOT :
			       HV_SCHEDULER_TYPE_CORE_SMT;
	fake->vmm_capabilities = sched == MSHV_SCHED_INTEGRATED ?
				 HV_VMM_CAP_INTEGRATED_SCHEDULER : 0;
	fake->integrated_scheduler_enabled = sched == MSHV_SCHED_INTEGRATED;
}

static const enum mshv_scheduler scheds[] = {
	MSHV_SCHED_ROOT, MSHV_SCHED_CORE, MSHV_SCHED_INTEGRATED,
};

static void sched_desc(const enum mshv_scheduler *sched, char *desc)
{
	strscpy(desc, mshv_scheduler_name(*sched), KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sched, scheds, sched_desc);

/* Closing the fds ends the partition, also when the test failed half way. */
static void vm_close(void *data)
{
	struct vm *vm = data;

	if (vm->vp_fd >= 0)
		mshv_test_close(vm->vp_fd);
	if (vm->pt_fd >= 0)
		mshv_test_close(vm->pt_fd);
}

/* A partition with RAM (writable), a read-only page, and VP 0. */
static struct vm *vm_create(struct kunit *test, enum mshv_scheduler sched)
{
	const u8 rw = BIT(MSHV_SET_MEM_BIT_WRITABLE) |
		      BIT(MSHV_SET_MEM_BIT_EXECUTABLE);
	struct vm *vm = kunit_kzalloc(test, sizeof(*vm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	vm->pt_fd = -1;
	vm->vp_fd = -1;
	use_scheduler(test, sched);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, vm_close, vm), 0);
	vm->pt_fd = mshv_test_partition(test, &vm->id);
	vm->ram = mshv_test_mmap(test, ROM_GPA + PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, vm->pt_fd, 0, ROM_GPA,
						   vm->ram, rw), 0);
	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, vm->pt_fd,
						   ROM_GPA >> PAGE_SHIFT,
						   PAGE_SIZE, vm->ram + ROM_GPA,
						   BIT(MSHV_SET_MEM_BIT_EXECUTABLE)),
			0);
	vm->vp_fd = mshv_test_create_vp(test, vm->pt_fd, 0);
	KUNIT_ASSERT_GE(test, vm->vp_fd, 0);
	return vm;
}

static void vm_destroy(struct kunit *test, struct vm *vm)
{
	kunit_release_action(test, vm_close, vm);
}

/* MSHV_ROOT_HVCALL on the VP fd, as a VMM sets and reads registers. */
static long hvcall(struct kunit *test, struct vm *vm, u16 code, u16 reps,
		   const void *in, size_t in_sz, void __user *out, size_t out_sz)
{
	struct mshv_root_hvcall call = {
		.code = code,
		.reps = reps,
		.in_sz = in_sz,
		.out_sz = out_sz,
		.in_ptr = (unsigned long)mshv_test_user_arg(test, in, in_sz),
		.out_ptr = (unsigned long)out,
	};

	return mshv_test_ioctl(vm->vp_fd, MSHV_ROOT_HVCALL,
			       mshv_test_user_arg(test, &call, sizeof(call)));
}

static void set_reg_value(struct kunit *test, struct vm *vm, u32 name,
			  const struct hv_register_value *value)
{
	struct {
		struct hv_input_set_vp_registers in;
		struct hv_register_assoc reg;
	} __packed in = { .reg = { .name = name, .value = *value } };

	KUNIT_ASSERT_EQ(test, hvcall(test, vm, HVCALL_SET_VP_REGISTERS, 1, &in,
				     sizeof(in), NULL, 0), 0);
}

static void set_reg(struct kunit *test, struct vm *vm, u32 name, u64 low)
{
	struct hv_register_value value = { .low = low };

	set_reg_value(test, vm, name, &value);
}

static void set_segment(struct kunit *test, struct vm *vm, u32 name, u64 base)
{
	struct hv_x64_segment_register seg = { .base = base, .limit = 0xffff,
					       .attributes = 0x93 };
	struct hv_register_value value;

	memcpy(&value, &seg, sizeof(value));
	set_reg_value(test, vm, name, &value);
}

static u64 get_reg(struct kunit *test, struct vm *vm, u32 name)
{
	struct {
		struct hv_input_get_vp_registers in;
		u32 name;
	} __packed in = { .name = name };
	unsigned long out = mshv_test_mmap(test, PAGE_SIZE);
	struct hv_register_value value;

	KUNIT_ASSERT_EQ(test, hvcall(test, vm, HVCALL_GET_VP_REGISTERS, 1, &in,
				     sizeof(in), (void __user *)out,
				     sizeof(value)), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&value, (void __user *)out,
					     sizeof(value)), 0);
	return value.low;
}

static void load(struct kunit *test, struct vm *vm, u64 gpa, const u8 *code,
		 size_t len)
{
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(vm->ram + gpa),
					   code, len), 0);
}

/* Real mode, code and data segments at 0 (DS at @ds_base), IP at @rip. */
static void start(struct kunit *test, struct vm *vm, u64 rip, u64 ds_base)
{
	set_segment(test, vm, HV_X64_REGISTER_CS, 0);
	set_segment(test, vm, HV_X64_REGISTER_DS, ds_base);
	set_reg(test, vm, HV_X64_REGISTER_RFLAGS, X86_EFLAGS_FIXED);
	set_reg(test, vm, HV_X64_REGISTER_RIP, rip);
}

static long run(struct kunit *test, struct vm *vm, struct hv_message *msg)
{
	void __user *ubuf = (void __user *)mshv_test_mmap(test, PAGE_SIZE);
	long ret = mshv_test_ioctl(vm->vp_fd, MSHV_RUN_VP, ubuf);

	if (!ret)
		KUNIT_ASSERT_EQ(test, copy_from_user(msg, ubuf, sizeof(*msg)), 0);
	return ret;
}

static const struct hv_x64_intercept_message_header *
header(const struct hv_message *msg)
{
	return (const void *)msg->u.payload;
}

/* The VMM's part after an intercept: move RIP past the instruction. */
static void skip(struct kunit *test, struct vm *vm, const struct hv_message *msg)
{
	set_reg(test, vm, HV_X64_REGISTER_RIP,
		header(msg)->rip + header(msg)->instruction_length);
}

/* The program of the demo: add two registers, write the sum out, halt. */
static void program_runs_to_halt(struct kunit *test)
{
	const enum mshv_scheduler *sched = test->param_value;
	static const u8 code[] = {
		0xba, 0xf8, 0x03,	/* mov dx, 0x3f8 */
		0xb8, 0x34, 0x12,	/* mov ax, 0x1234 */
		0xbb, 0x01, 0x01,	/* mov bx, 0x0101 */
		0x01, 0xd8,		/* add ax, bx */
		0xee,			/* out dx, al */
		0xf4,			/* hlt */
	};
	const struct hv_x64_io_port_intercept_message *io;
	struct hv_message msg;
	struct vm *vm;

	vm = vm_create(test, *sched);
	load(test, vm, CODE_GPA, code, sizeof(code));
	start(test, vm, CODE_GPA, 0);
	set_reg(test, vm, HV_X64_REGISTER_RAX, 0xffff0000ffff0000);

	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_ASSERT_EQ(test, msg.header.message_type, HVMSG_X64_IOPORT_INTERCEPT);
	KUNIT_EXPECT_EQ(test, msg.header.payload_size, sizeof(*io));
	io = (const void *)msg.u.payload;
	KUNIT_EXPECT_EQ(test, io->header.vp_index, 0);
	KUNIT_EXPECT_EQ(test, io->header.rip, CODE_GPA + 11);
	KUNIT_EXPECT_EQ(test, (u8)io->header.instruction_length, 1);
	KUNIT_EXPECT_EQ(test, io->header.intercept_access_type,
			HV_INTERCEPT_ACCESS_WRITE);
	KUNIT_EXPECT_EQ(test, io->header.cs_segment.limit, 0xffff);
	KUNIT_EXPECT_EQ(test, io->port_number, 0x3f8);
	KUNIT_EXPECT_EQ(test, FIELD_GET(HV_X64_IO_PORT_ACCESS_SIZE,
					io->access_info), 1);
	/* The upper half of RAX is the VMM's: 16-bit moves keep it. */
	KUNIT_EXPECT_EQ(test, io->rax, 0xffff0000ffff1335);
	KUNIT_EXPECT_EQ(test, io->instruction_byte_count, 1);
	KUNIT_EXPECT_EQ(test, io->instruction_bytes[0], 0xee);
	/* The hypervisor does not move RIP past an intercepted instruction. */
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RIP), CODE_GPA + 11);
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RBX), 0x0101);
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RDX), 0x3f8);

	skip(test, vm, &msg);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	KUNIT_EXPECT_EQ(test, header(&msg)->rip, CODE_GPA + 12);
	KUNIT_EXPECT_EQ(test, (u8)header(&msg)->instruction_length, 1);
	vm_destroy(test, vm);
}

/**
 * struct exit_case - a program and the intercept that stops it
 * @name: what it shows
 * @code: the program, at @rip
 * @len: its length
 * @rip: where it starts (0: %CODE_GPA); nothing is loaded when set
 * @ds_base: DS's base
 * @type: the message type expected
 * @access: its intercept access type
 * @at: where the intercepted instruction is, from the start
 * @insn_len: its length, as the header gives it
 * @port: I/O: the port
 * @size: I/O: the access size
 * @rax: I/O: RAX as the message gives it
 * @gpa: memory: the guest physical address
 */
struct exit_case {
	const char *name;
	u8 code[16];
	unsigned int len;
	u64 rip;
	u64 ds_base;
	u32 type;
	u8 access;
	unsigned int at;
	unsigned int insn_len;
	u16 port;
	u8 size;
	u64 rax;
	u64 gpa;
};

/* Shorthands for the table below. */
#define IO_EXIT		.type = HVMSG_X64_IOPORT_INTERCEPT
#define MEM_EXIT	.type = HVMSG_UNMAPPED_GPA
#define HALT_EXIT	.type = HVMSG_X64_HALT, .access = HV_INTERCEPT_ACCESS_EXECUTE
#define BAD_EXIT	.type = HVMSG_UNRECOVERABLE_EXCEPTION, \
			.access = HV_INTERCEPT_ACCESS_EXECUTE
#define ACC_WRITE	.access = HV_INTERCEPT_ACCESS_WRITE
#define ACC_READ	.access = HV_INTERCEPT_ACCESS_READ

static const struct exit_case exit_cases[] = {
	{ "out imm8, al", CODE(0xb0, 0x41, 0xe6, 0x80),
	  IO_EXIT, ACC_WRITE, .at = 2, .insn_len = 2, .port = 0x80, .size = 1,
	  .rax = 0x41 },
	{ "out imm8, ax", CODE(0xb8, 0xef, 0xbe, 0xe7, 0x70),
	  IO_EXIT, ACC_WRITE, .at = 3, .insn_len = 2, .port = 0x70, .size = 2,
	  .rax = 0xbeef },
	{ "out dx, eax", CODE(0x66, 0xb8, 0x78, 0x56, 0x34, 0x12,
			      0xba, 0x10, 0x05, 0x66, 0xef),
	  IO_EXIT, ACC_WRITE, .at = 9, .insn_len = 2, .port = 0x510, .size = 4,
	  .rax = 0x12345678 },
	{ "in al, dx", CODE(0xba, 0x60, 0x00, 0xec),
	  IO_EXIT, ACC_READ, .at = 3, .insn_len = 1, .port = 0x60, .size = 1 },
	{ "in ax, imm8", CODE(0xe5, 0x71),
	  IO_EXIT, ACC_READ, .insn_len = 2, .port = 0x71, .size = 2 },
	{ "mov r8, r8", CODE(0xb4, 0x99, 0x88, 0xe0, 0xe6, 0x01),
	  IO_EXIT, ACC_WRITE, .at = 4, .insn_len = 2, .port = 1, .size = 1,
	  .rax = 0x9999 },
	{ "mov r32, r32", CODE(0x66, 0xbb, 0x04, 0x03, 0x02, 0x01,
			       0x66, 0x8b, 0xc3, 0x66, 0xe7, 0x02),
	  IO_EXIT, ACC_WRITE, .at = 9, .insn_len = 3, .port = 2, .size = 4,
	  .rax = 0x01020304 },
	{ "hlt after nop, cli, sti", CODE(0x90, 0xfa, 0xfb, 0xf4),
	  HALT_EXIT, .at = 3, .insn_len = 1 },
	{ "jmp forward", CODE(0xeb, 0x01, 0xf4, 0xf4),
	  HALT_EXIT, .at = 3, .insn_len = 1 },
	{ "jmp back", CODE(0xeb, 0x03, 0xf4, 0x90, 0x90, 0xeb, 0xfb),
	  HALT_EXIT, .at = 2, .insn_len = 1 },
	{ "store ax, moffs16", CODE(0xb8, 0x78, 0x56, 0xa3, 0x00, 0x80),
	  MEM_EXIT, ACC_WRITE, .at = 3, .insn_len = 3, .gpa = 0x8000 },
	{ "store bx, [disp16]", CODE(0xbb, 0x34, 0x12, 0x89, 0x1e, 0x00, 0x90),
	  MEM_EXIT, ACC_WRITE, .at = 3, .insn_len = 4, .gpa = 0x9000 },
	{ "store bl, [disp16]", CODE(0x88, 0x1e, 0x00, 0x90),
	  MEM_EXIT, ACC_WRITE, .insn_len = 4, .gpa = 0x9000 },
	{ "load ax, moffs16", CODE(0xa1, 0x00, 0xa0),
	  MEM_EXIT, ACC_READ, .insn_len = 3, .gpa = 0xa000 },
	{ "store to read-only RAM", CODE(0xa2, 0x00, ROM_GPA >> 8),
	  .type = HVMSG_GPA_INTERCEPT, ACC_WRITE, .insn_len = 3, .gpa = ROM_GPA },
	/* An access across two frames stops on the frame that fails. */
	{ "word store into read-only RAM", CODE(0xa3, 0xff, 0x3f),
	  .type = HVMSG_GPA_INTERCEPT, ACC_WRITE, .insn_len = 3, .gpa = ROM_GPA },
	{ "word load into unmapped GPA", CODE(0xa1, 0xff, 0x4f),
	  MEM_EXIT, ACC_READ, .insn_len = 3, .gpa = ROM_GPA + PAGE_SIZE },
	{ "store relative to DS", CODE(0xa2, 0x10, 0x00), .ds_base = 0x10000,
	  MEM_EXIT, ACC_WRITE, .insn_len = 3, .gpa = 0x10010 },
	{ "unknown opcode", CODE(0x90, 0x0f, 0x0b), BAD_EXIT, .at = 1 },
	{ "unsupported addressing", CODE(0x89, 0x07), BAD_EXIT },
	{ "too many prefixes", CODE(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
				    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
				    0x66, 0x90), BAD_EXIT },
	{ "fetch from unmapped GPA", .rip = 0x7000, BAD_EXIT },
};

#undef IO_EXIT
#undef MEM_EXIT
#undef HALT_EXIT
#undef BAD_EXIT
#undef ACC_WRITE
#undef ACC_READ

KUNIT_ARRAY_PARAM_DESC(exit, exit_cases, name);

/* Each program stops where and how the hypervisor would stop it. */
static void program_stops_on_intercept(struct kunit *test)
{
	const struct exit_case *c = test->param_value;
	const struct hv_x64_io_port_intercept_message *io;
	const struct hv_x64_memory_intercept_message *mem;
	const struct hv_x64_intercept_message_header *hdr;
	u64 rip = c->rip ?: CODE_GPA;
	struct hv_message msg;
	struct vm *vm;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	if (!c->rip)
		load(test, vm, rip, c->code, c->len);
	start(test, vm, rip, c->ds_base);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);

	hdr = header(&msg);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, c->type);
	KUNIT_EXPECT_EQ(test, msg.header.sender, vm->id);
	KUNIT_EXPECT_EQ(test, hdr->vp_index, 0);
	KUNIT_EXPECT_EQ(test, hdr->rip, rip + c->at);
	KUNIT_EXPECT_EQ(test, (u8)hdr->instruction_length, c->insn_len);
	KUNIT_EXPECT_EQ(test, hdr->intercept_access_type, c->access);
	KUNIT_EXPECT_EQ(test, hdr->rflags & X86_EFLAGS_FIXED, X86_EFLAGS_FIXED);
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RIP), rip + c->at);
	/* Nothing after the payload. */
	KUNIT_EXPECT_NULL(test, memchr_inv((u8 *)msg.u.payload +
					   msg.header.payload_size, 0,
					   sizeof(msg.u.payload) -
					   msg.header.payload_size));

	switch (c->type) {
	case HVMSG_X64_IOPORT_INTERCEPT:
		io = (const void *)msg.u.payload;
		KUNIT_EXPECT_EQ(test, msg.header.payload_size, sizeof(*io));
		KUNIT_EXPECT_EQ(test, io->port_number, c->port);
		KUNIT_EXPECT_EQ(test, io->access_info, c->size);
		KUNIT_EXPECT_EQ(test, io->rax, c->rax);
		KUNIT_EXPECT_EQ(test, io->instruction_byte_count, c->insn_len);
		KUNIT_EXPECT_MEMEQ(test, io->instruction_bytes, c->code + c->at,
				   c->insn_len);
		KUNIT_EXPECT_NULL(test, memchr_inv(io->instruction_bytes + c->insn_len, 0,
						   sizeof(io->instruction_bytes) -
						   c->insn_len));
		KUNIT_EXPECT_EQ(test, io->ds_segment.base, c->ds_base);
		break;
	case HVMSG_UNMAPPED_GPA:
	case HVMSG_GPA_INTERCEPT:
		mem = (const void *)msg.u.payload;
		KUNIT_EXPECT_EQ(test, msg.header.payload_size, sizeof(*mem));
		KUNIT_EXPECT_EQ(test, mem->guest_physical_address, c->gpa);
		KUNIT_EXPECT_EQ(test, mem->guest_virtual_address, c->gpa);
		KUNIT_EXPECT_EQ(test, mem->memory_access_info,
				HV_X64_MEMORY_ACCESS_GVA_VALID);
		KUNIT_EXPECT_EQ(test, mem->instruction_byte_count, c->insn_len);
		KUNIT_EXPECT_MEMEQ(test, mem->instruction_bytes, c->code + c->at,
				   c->insn_len);
		KUNIT_EXPECT_NULL(test, memchr_inv(mem->instruction_bytes + c->insn_len, 0,
						   sizeof(mem->instruction_bytes) -
						   c->insn_len));
		break;
	default:
		KUNIT_EXPECT_EQ(test, msg.header.payload_size, sizeof(*hdr));
		break;
	}
	vm_destroy(test, vm);
}

/**
 * struct add_case - an addition of two immediates and what it gives
 * @name: what it shows
 * @size: operand size: 1 (al), 2 (ax) or 4 (eax)
 * @a: the first operand, moved into the accumulator
 * @b: the second, added to it
 * @sum: the result, in @size bytes
 * @flags: which of CF, PF, AF, ZF, SF and OF it sets
 */
struct add_case {
	const char *name;
	unsigned int size;
	u32 a, b, sum;
	u64 flags;
};

static const struct add_case add_cases[] = {
	{ "byte carry to zero", 1, 0xff, 0x01, 0x00,
	  X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF },
	{ "byte negative", 1, 0x70, 0x20, 0x90,
	  X86_EFLAGS_PF | X86_EFLAGS_SF | X86_EFLAGS_OF },
	{ "word signed overflow", 2, 0x7fff, 0x0001, 0x8000,
	  X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_SF | X86_EFLAGS_OF },
	{ "word plain", 2, 0x1234, 0x0101, 0x1335, X86_EFLAGS_PF },
	{ "dword plain", 4, 0x12345678, 0x11111111, 0x23456789, 0 },
	{ "dword carry", 4, 0xffffffff, 0x00000002, 0x00000001,
	  X86_EFLAGS_CF | X86_EFLAGS_AF },
};

KUNIT_ARRAY_PARAM_DESC(add, add_cases, name);

/*
 * add al/ax/eax, imm: the sum in its part of RAX (a 32-bit result clears
 * the upper half), and the flags.
 */
static void add_sets_flags(struct kunit *test)
{
	const struct add_case *c = test->param_value;
	const u64 arith = X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF |
			  X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF;
	const u64 rax = 0xa5a5a5a5a5a5a5a5;
	const u64 mask = c->size == 4 ? U64_MAX : BIT_ULL(c->size * 8) - 1;
	u8 code[16], *p = code;
	struct hv_message msg;
	struct vm *vm;

	if (c->size == 4)
		*p++ = 0x66;
	*p++ = c->size == 1 ? 0xb0 : 0xb8;		/* mov acc, a */
	memcpy(p, &c->a, c->size);
	p += c->size;
	if (c->size == 4)
		*p++ = 0x66;
	*p++ = c->size == 1 ? 0x04 : 0x05;		/* add acc, b */
	memcpy(p, &c->b, c->size);
	p += c->size;
	*p++ = 0xf4;					/* hlt */

	vm = vm_create(test, MSHV_SCHED_ROOT);
	load(test, vm, CODE_GPA, code, p - code);
	start(test, vm, CODE_GPA, 0);
	set_reg(test, vm, HV_X64_REGISTER_RAX, rax);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_ASSERT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RAX),
			(rax & ~mask) | c->sum);
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RFLAGS) & arith,
			c->flags);
	vm_destroy(test, vm);
}

/* Stores to RAM land in the VMM's memory; loads read it back. */
static void program_writes_ram(struct kunit *test)
{
	static const u8 code[] = {
		0xb8, 0x5a, 0xa5,		/* mov ax, 0xa55a */
		0xa3, 0x00, 0x20,		/* mov [0x2000], ax */
		0xb3, 0x77,			/* mov bl, 0x77 */
		0x88, 0x1e, 0x02, 0x20,		/* mov [0x2002], bl */
		0x8b, 0x0e, 0x00, 0x20,		/* mov cx, [0x2000] */
		0x03, 0x0e, 0x00, 0x20,		/* add cx, [0x2000] */
		0x01, 0x06, 0x04, 0x20,		/* add [0x2004], ax */
		0x01, 0x06, 0xfe, 0x3f,		/* add [0x3ffe], ax */
		0xf4,				/* hlt */
	};
	static const u8 expected[] = { 0x5a, 0xa5, 0x77, 0x00, 0x5a + 1, 0xa5 };
	static const u8 one = 1;
	u8 back[sizeof(expected)];
	struct hv_message msg;
	struct vm *vm;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	load(test, vm, CODE_GPA, code, sizeof(code));
	load(test, vm, 0x2004, &one, 1);
	start(test, vm, CODE_GPA, 0);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_ASSERT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	KUNIT_EXPECT_EQ(test, header(&msg)->rip, CODE_GPA + sizeof(code) - 1);
	KUNIT_ASSERT_EQ(test, copy_from_user(back, (void __user *)(vm->ram + 0x2000),
					     sizeof(back)), 0);
	KUNIT_EXPECT_MEMEQ(test, back, expected, sizeof(expected));
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RCX),
			(0xa55a * 2) & 0xffff);
	/* The last word of RAM, the last bytes before the read-only page. */
	KUNIT_ASSERT_EQ(test, copy_from_user(back, (void __user *)(vm->ram + 0x3ffe),
					     2), 0);
	KUNIT_EXPECT_EQ(test, back[0], 0x5a);
	KUNIT_EXPECT_EQ(test, back[1], 0xa5);
	vm_destroy(test, vm);
}

/*
 * Word stores to an ioeventfd's address signal it and the guest goes on;
 * a byte store there is no match, and exits as MMIO.
 */
static void mmio_store_rings_ioeventfd(struct kunit *test)
{
	static const u8 code[] = {
		0xb8, 0x07, 0x00,		/* mov ax, 7 */
		0xa3, 0x00, 0xd0,		/* mov [0xd000], ax */
		0x89, 0x06, 0x00, 0xd0,		/* mov [0xd000], ax */
		0xa2, 0x00, 0xd0,		/* mov [0xd000], al */
		0xf4,				/* hlt */
	};
	struct mshv_user_ioeventfd args = {
		.addr = MMIO_GPA,
		.len = 2,
	};
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct hv_message msg;
	struct vm *vm;
	int efd;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	efd = mshv_test_eventfd(test);
	args.fd = efd;
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(vm->pt_fd, MSHV_IOEVENTFD,
					      mshv_test_user_arg(test, &args,
								 sizeof(args))),
			0);
	load(test, vm, CODE_GPA, code, sizeof(code));
	start(test, vm, CODE_GPA, 0);

	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_UNMAPPED_GPA);
	KUNIT_EXPECT_EQ(test, header(&msg)->rip, CODE_GPA + 10);
	KUNIT_EXPECT_EQ(test, ((const struct hv_x64_memory_intercept_message *)
			       msg.u.payload)->guest_physical_address, MMIO_GPA);
	KUNIT_EXPECT_EQ(test, fake->doorbells_rung, 2);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, mshv_test_eventfd_count(test, efd), 2);

	skip(test, vm, &msg);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	KUNIT_EXPECT_EQ(test, fake->doorbells_rung, 2);
	mshv_test_close(efd);
	vm_destroy(test, vm);
}

static void signal_eventfd(struct kunit *test, int fd)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fdget(fd);

	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	eventfd_signal(ctx);
	eventfd_ctx_put(ctx);
}

static void restore_fast_interrupts(void *was)
{
	WRITE_ONCE(mshv_fast_interrupts, (unsigned long)was);
}

struct irr_case {
	const char *name;
	bool fast;
	u8 vector;
};

static const struct irr_case irr_cases[] = {
	{ "asserted, vector 0x20", false, 0x20 },
	{ "asserted, vector 0xff", false, 0xff },
	{ "register page, vector 0x41", true, 0x41 },
	{ "register page, vector 0x9e", true, 0x9e },
};

KUNIT_ARRAY_PARAM_DESC(irr, irr_cases, name);

/*
 * An irqfd's interrupt, asserted by hypercall or posted in the register
 * page for the next dispatch, is requested in the VP's local APIC: the
 * VMM sees it in the LAPIC state's IRR, and nowhere else.
 */
static void irqfd_sets_irr(struct kunit *test)
{
	const struct irr_case *c = test->param_value;
	struct mshv_user_irq_entry entry = {
		.gsi = 1,
		.address_lo = 0xfee00000,
		.data = c->vector,
	};
	size_t table_size = sizeof(struct mshv_user_irq_table) + sizeof(entry);
	struct mshv_user_irq_table *table = kunit_kzalloc(test, table_size,
							  GFP_KERNEL);
	struct mshv_user_irqfd irqfd = { .gsi = 1 };
	unsigned long lapic = mshv_test_mmap(test, PAGE_SIZE);
	struct mshv_get_set_vp_state state = {
		.type = MSHV_VP_STATE_LAPIC,
		.buf_sz = PAGE_SIZE,
		.buf_ptr = lapic,
	};
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	static const u8 hlt = 0xf4;
	u32 irr[8], want[8] = {};
	struct hv_message msg;
	unsigned long was;
	struct vm *vm;
	unsigned int i;

	was = READ_ONCE(mshv_fast_interrupts);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_fast_interrupts,
							(void *)was), 0);
	WRITE_ONCE(mshv_fast_interrupts, c->fast);
	vm = vm_create(test, MSHV_SCHED_ROOT);
	KUNIT_ASSERT_NOT_NULL(test, table);
	table->nr = 1;
	memcpy(table->entries, &entry, sizeof(entry));
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(vm->pt_fd, MSHV_SET_MSI_ROUTING,
					      mshv_test_user_arg(test, table,
								 table_size)),
			0);
	irqfd.fd = mshv_test_eventfd(test);
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(vm->pt_fd, MSHV_IRQFD,
					      mshv_test_user_arg(test, &irqfd,
								 sizeof(irqfd))),
			0);
	load(test, vm, CODE_GPA, &hlt, 1);
	start(test, vm, CODE_GPA, 0);

	signal_eventfd(test, irqfd.fd);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	/* The log of asserted interrupts the other suites read is kept. */
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_irqs(fake, vm->id), 1);

	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(vm->vp_fd, MSHV_GET_VP_STATE,
					      mshv_test_user_arg(test, &state,
								 sizeof(state))),
			0);
	for (i = 0; i < ARRAY_SIZE(irr); i++)
		KUNIT_ASSERT_EQ(test, copy_from_user(&irr[i],
						     (void __user *)(lapic + IRR + 0x10 * i),
						     sizeof(u32)), 0);
	want[c->vector / 32] = BIT(c->vector % 32);
	KUNIT_EXPECT_MEMEQ(test, irr, want, sizeof(want));
	mshv_test_close(irqfd.fd);
	vm_destroy(test, vm);
}

static u8 peek(struct kunit *test, struct vm *vm, u64 gpa)
{
	u8 byte;

	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)(vm->ram + gpa),
					     1), 0);
	return byte;
}

/* Run from @rip, with the segments at 0. */
static void run_at(struct kunit *test, struct vm *vm, u64 rip,
		   struct hv_message *msg)
{
	start(test, vm, rip, 0);
	KUNIT_ASSERT_EQ(test, run(test, vm, msg), 0);
}

static u64 memory_gpa(const struct hv_message *msg)
{
	return ((const struct hv_x64_memory_intercept_message *)
		msg->u.payload)->guest_physical_address;
}

/*
 * Instructions and data across frames: both halves are read; a store
 * whose second half would fail writes neither, and the message names the
 * frame that failed, as the processor's fault would.
 */
static void accesses_across_pages(struct kunit *test)
{
	static const u8 code[] = {
		0xb8, 0x34, 0x12,		/* mov ax, 0x1234 (at 0x1ffe) */
		0x88, 0x26, 0x10, 0x30,		/* mov [0x3010], ah */
		0xa1, 0xff, 0x2f,		/* mov ax, [0x2fff] */
		0xf4,				/* hlt */
	};
	static const u8 data[] = { 0x78, 0x56 }, marker[] = { 0xcc, 0xcc };
	static const u8 store[] = { 0xa3, 0xff, 0x3f };	/* mov [0x3fff], ax */
	static const u8 fetch[] = { 0xb8, 0x34 };	/* mov ax, ... */
	struct hv_message msg;
	struct vm *vm;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	load(test, vm, 0x1ffe, code, sizeof(code));
	load(test, vm, 0x2fff, data, sizeof(data));
	load(test, vm, 0x3010, marker, sizeof(marker));
	run_at(test, vm, 0x1ffe, &msg);
	KUNIT_ASSERT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	KUNIT_EXPECT_EQ(test, header(&msg)->rip, 0x1ffe + sizeof(code) - 1);
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RAX) & 0xffff,
			0x5678);
	KUNIT_EXPECT_EQ(test, peek(test, vm, 0x3010), 0x12);
	KUNIT_EXPECT_EQ(test, peek(test, vm, 0x3011), 0xcc);

	/* The last byte of RAM, then the read-only page. */
	load(test, vm, CODE_GPA, store, sizeof(store));
	load(test, vm, 0x3fff, marker, 1);
	run_at(test, vm, CODE_GPA, &msg);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_GPA_INTERCEPT);
	KUNIT_EXPECT_EQ(test, memory_gpa(&msg), ROM_GPA);
	KUNIT_EXPECT_EQ(test, peek(test, vm, 0x3fff), 0xcc);

	/* An instruction whose end is in no frame cannot be fetched. */
	load(test, vm, ROM_GPA + PAGE_SIZE - 2, fetch, sizeof(fetch));
	run_at(test, vm, ROM_GPA + PAGE_SIZE - 2, &msg);
	KUNIT_EXPECT_EQ(test, msg.header.message_type,
			HVMSG_UNRECOVERABLE_EXCEPTION);
	KUNIT_EXPECT_EQ(test, header(&msg)->rip, ROM_GPA + PAGE_SIZE - 2);
	vm_destroy(test, vm);
}

/* IP wraps at 64 KiB, also in the middle of an instruction. */
static void ip_wraps(struct kunit *test)
{
	const u8 rw = BIT(MSHV_SET_MEM_BIT_WRITABLE) |
		      BIT(MSHV_SET_MEM_BIT_EXECUTABLE);
	unsigned long top = mshv_test_mmap(test, PAGE_SIZE);
	static const u8 head[] = { 0xb8, 0xcd };	/* mov ax, 0xabcd */
	static const u8 tail[] = { 0xab, 0xf4 };	/* ...; hlt */
	struct hv_message msg;
	struct vm *vm;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	/* The guest's last frame below 64 KiB. */
	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, vm->pt_fd, 0xf, PAGE_SIZE,
						   top, rw), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)(top + PAGE_SIZE - 2),
					   head, sizeof(head)), 0);
	load(test, vm, 0, tail, sizeof(tail));
	run_at(test, vm, 0xfffe, &msg);
	KUNIT_ASSERT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	KUNIT_EXPECT_EQ(test, header(&msg)->rip, 1);
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RAX), 0xabcd);
	vm_destroy(test, vm);
}

/* A device mapping: the frame it maps is the file's private data. */
static int device_mmap(struct file *file, struct vm_area_struct *vma)
{
	return remap_pfn_range(vma, vma->vm_start,
			       (unsigned long)file->private_data,
			       vma->vm_end - vma->vm_start,
			       pgprot_noncached(vma->vm_page_prot));
}

static const struct file_operations device_fops = {
	.mmap = device_mmap,
};

/*
 * MMIO a VMM maps (a VM_PFNMAP mapping, as of a VFIO BAR) is not RAM to
 * the fake: loads and stores exit as unmapped, and code cannot run there.
 */
static void device_memory_is_not_ram(struct kunit *test)
{
	static const u8 code[] = {
		0xa0, 0x00, 0x80,		/* mov al, [0x8000] */
		0xa2, 0x10, 0x80,		/* mov [0x8010], al */
		0xf4,				/* hlt */
	};
	/* Far above the guest's RAM: no page behind it. */
	const unsigned long pfn = 1UL << (36 - PAGE_SHIFT);
	struct hv_message msg;
	unsigned long uaddr;
	struct file *file;
	struct vm *vm;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	file = anon_inode_getfile("mshv_test_device", &device_fops,
				  (void *)pfn, O_RDWR);
	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	uaddr = kunit_vm_mmap(test, file, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			      MAP_SHARED, 0);
	fput(file);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(uaddr));
	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, vm->pt_fd, 0x8, PAGE_SIZE,
						   uaddr,
						   BIT(MSHV_SET_MEM_BIT_WRITABLE) |
						   BIT(MSHV_SET_MEM_BIT_EXECUTABLE)),
			0);
	load(test, vm, CODE_GPA, code, sizeof(code));

	run_at(test, vm, CODE_GPA, &msg);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_UNMAPPED_GPA);
	KUNIT_EXPECT_EQ(test, header(&msg)->intercept_access_type,
			HV_INTERCEPT_ACCESS_READ);
	KUNIT_EXPECT_EQ(test, memory_gpa(&msg), 0x8000);

	skip(test, vm, &msg);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_UNMAPPED_GPA);
	KUNIT_EXPECT_EQ(test, header(&msg)->intercept_access_type,
			HV_INTERCEPT_ACCESS_WRITE);
	KUNIT_EXPECT_EQ(test, memory_gpa(&msg), 0x8010);

	run_at(test, vm, 0x8000, &msg);
	KUNIT_EXPECT_EQ(test, msg.header.message_type,
			HVMSG_UNRECOVERABLE_EXCEPTION);
	KUNIT_EXPECT_EQ(test, header(&msg)->rip, 0x8000);
	vm_destroy(test, vm);
}

/* MSHV_GET_GPAP_ACCESS_BITMAP of the guest's frames (0-4), of @type. */
static u8 access_bitmap(struct kunit *test, struct vm *vm, u8 type)
{
	unsigned long ubitmap = mshv_test_mmap(test, PAGE_SIZE);
	struct mshv_gpap_access_bitmap args = {
		.access_type = type,
		.access_op = MSHV_GPAP_ACCESS_OP_NOOP,
		.page_count = RAM_PAGES + 1,
		.bitmap_ptr = ubitmap,
	};
	u8 bitmap;

	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(vm->pt_fd, MSHV_GET_GPAP_ACCESS_BITMAP,
					      mshv_test_user_arg(test, &args,
								 sizeof(args))),
			0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&bitmap, (void __user *)ubitmap, 1), 0);
	return bitmap;
}

/*
 * The guest's fetches and loads mark frames accessed, its stores dirty
 * too, as the hypervisor does for the VMM's dirty tracking.
 */
static void guest_accesses_set_bits(struct kunit *test)
{
	static const u8 code[] = {
		0xa0, 0x00, 0x20,		/* mov al, [0x2000] */
		0xa2, 0x00, 0x30,		/* mov [0x3000], al */
		0xa2, 0x00, ROM_GPA >> 8,	/* mov [ROM_GPA], al */
	};
	struct hv_message msg;
	struct vm *vm;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	load(test, vm, CODE_GPA, code, sizeof(code));
	KUNIT_EXPECT_EQ(test, access_bitmap(test, vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED), 0);
	run_at(test, vm, CODE_GPA, &msg);
	KUNIT_ASSERT_EQ(test, msg.header.message_type, HVMSG_GPA_INTERCEPT);
	/* The store that did not happen dirties nothing. */
	KUNIT_EXPECT_EQ(test, access_bitmap(test, vm, MSHV_GPAP_ACCESS_TYPE_ACCESSED),
			BIT(1) | BIT(2) | BIT(3));
	KUNIT_EXPECT_EQ(test, access_bitmap(test, vm, MSHV_GPAP_ACCESS_TYPE_DIRTY),
			BIT(3));
	vm_destroy(test, vm);
}

/*
 * Host frame 0 mapped read-only, no other bit, is an entry of 0 in the
 * fake's map: still mapped.  No VMM can map it; the test plays one.
 */
static void host_frame_zero_is_mapped(struct kunit *test)
{
	static const u8 code[] = {
		0xa0, 0x00, ROM_GPA >> 8,	/* mov al, [ROM_GPA] */
		0xf4,				/* hlt */
	};
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_partition *pt;
	unsigned long flags;
	struct hv_message msg;
	void *old;
	struct vm *vm;
	u8 *page, want;
	long ret;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	load(test, vm, CODE_GPA, code, sizeof(code));
	page = kmap_local_pfn(0);
	want = *page;
	kunmap_local(page);

	pt = mshv_fake_hv_partition(fake, vm->id);
	KUNIT_ASSERT_NOT_NULL(test, pt);
	spin_lock_irqsave(&fake->lock, flags);
	old = xa_store(&pt->gpa, ROM_GPA >> PAGE_SHIFT, xa_mk_value(0), GFP_ATOMIC);
	spin_unlock_irqrestore(&fake->lock, flags);

	start(test, vm, CODE_GPA, 0);
	ret = run(test, vm, &msg);

	spin_lock_irqsave(&fake->lock, flags);
	xa_store(&pt->gpa, ROM_GPA >> PAGE_SHIFT, old, GFP_ATOMIC);
	spin_unlock_irqrestore(&fake->lock, flags);

	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RAX) & 0xff, want);
	vm_destroy(test, vm);
}

/*
 * With no room left for the registers the guest writes, nothing runs: the
 * store is left as it was, and the message still names the VP.
 */
static void register_store_full(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_vp vp;
	struct hv_message msg;
	struct vm *vm;
	unsigned int i;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	start(test, vm, CODE_GPA, 0);
	/* RIP and RFLAGS are set: room for all but one of RAX to R15. */
	for (i = 0; ; i++) {
		KUNIT_ASSERT_TRUE(test, mshv_fake_hv_vp_snapshot(fake, vm->id, 0, &vp));
		if (vp.nr_registers == MSHV_FAKE_VP_REGISTERS - 15)
			break;
		/* Not a register of the guest's. */
		set_reg(test, vm, 0x00090000 + i, i);
	}
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_UNRECOVERABLE_EXCEPTION);
	KUNIT_EXPECT_EQ(test, msg.header.sender, vm->id);
	KUNIT_EXPECT_EQ(test, header(&msg)->vp_index, 0);
	KUNIT_EXPECT_EQ(test, header(&msg)->rip, CODE_GPA);
	KUNIT_ASSERT_TRUE(test, mshv_fake_hv_vp_snapshot(fake, vm->id, 0, &vp));
	KUNIT_EXPECT_EQ(test, vp.nr_registers, MSHV_FAKE_VP_REGISTERS - 15);
	vm_destroy(test, vm);
}

static void lapic_irr(struct kunit *test, int vp_fd, u32 *irr)
{
	unsigned long lapic = mshv_test_mmap(test, PAGE_SIZE);
	struct mshv_get_set_vp_state state = {
		.type = MSHV_VP_STATE_LAPIC,
		.buf_sz = PAGE_SIZE,
		.buf_ptr = lapic,
	};
	unsigned int i;

	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(vp_fd, MSHV_GET_VP_STATE,
					      mshv_test_user_arg(test, &state,
								 sizeof(state))),
			0);
	for (i = 0; i < 8; i++)
		KUNIT_ASSERT_EQ(test, copy_from_user(&irr[i],
						     (void __user *)(lapic + IRR + 0x10 * i),
						     sizeof(u32)), 0);
}

/*
 * A lowest priority interrupt to a logical destination of two VPs is
 * requested in one APIC only; a fixed one in both.
 */
static void lowest_priority_to_one_vp(struct kunit *test)
{
	struct mshv_user_irq_entry entries[] = {
		/* Logical destination 0b11; lowest priority, then fixed. */
		{ .gsi = 1, .address_lo = 0xfee03004, .data = 0x100 | 0x51 },
		{ .gsi = 2, .address_lo = 0xfee03004, .data = 0x62 },
	};
	size_t table_size = sizeof(struct mshv_user_irq_table) + sizeof(entries);
	struct mshv_user_irq_table *table = kunit_kzalloc(test, table_size,
							  GFP_KERNEL);
	struct mshv_user_irqfd irqfd[2] = { { .gsi = 1 }, { .gsi = 2 } };
	u32 irr[8], want0[8] = {}, want1[8] = {};
	unsigned long was, deadline;
	struct vm *vm;
	unsigned int i;
	long vp1;

	was = READ_ONCE(mshv_fast_interrupts);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_fast_interrupts,
							(void *)was), 0);
	WRITE_ONCE(mshv_fast_interrupts, false);
	vm = vm_create(test, MSHV_SCHED_ROOT);
	vp1 = mshv_test_create_vp(test, vm->pt_fd, 1);
	KUNIT_ASSERT_GE(test, vp1, 0);
	KUNIT_ASSERT_NOT_NULL(test, table);
	table->nr = ARRAY_SIZE(entries);
	memcpy(table->entries, entries, sizeof(entries));
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(vm->pt_fd, MSHV_SET_MSI_ROUTING,
					      mshv_test_user_arg(test, table,
								 table_size)),
			0);
	for (i = 0; i < ARRAY_SIZE(irqfd); i++) {
		irqfd[i].fd = mshv_test_eventfd(test);
		KUNIT_ASSERT_EQ(test, mshv_test_ioctl(vm->pt_fd, MSHV_IRQFD,
						      mshv_test_user_arg(test, &irqfd[i],
									 sizeof(irqfd[i]))),
				0);
		signal_eventfd(test, irqfd[i].fd);
	}
	deadline = jiffies + msecs_to_jiffies(WAIT_MS);
	while (mshv_fake_hv_nr_irqs(mshv_test_fake(test), vm->id) < 2) {
		KUNIT_ASSERT_TRUE_MSG(test, time_before(jiffies, deadline),
				      "the interrupts were never asserted");
		usleep_range(500, 1000);
	}

	want0[0x51 / 32] |= BIT(0x51 % 32);
	want0[0x62 / 32] |= BIT(0x62 % 32);
	want1[0x62 / 32] |= BIT(0x62 % 32);
	lapic_irr(test, vm->vp_fd, irr);
	KUNIT_EXPECT_MEMEQ(test, irr, want0, sizeof(want0));
	lapic_irr(test, vp1, irr);
	KUNIT_EXPECT_MEMEQ(test, irr, want1, sizeof(want1));
	for (i = 0; i < ARRAY_SIZE(irqfd); i++)
		mshv_test_close(irqfd[i].fd);
	mshv_test_close(vp1);
	vm_destroy(test, vm);
}

/* A VMM's vCPU thread, running the VP once. */
struct runner {
	struct file *file;
	struct mm_struct *mm;
	void __user *ubuf;
	struct task_struct *task;
	struct completion done;
	long ret;
};

static int runner_fn(void *data)
{
	struct runner *r = data;

	kthread_use_mm(r->mm);
	allow_signal(SIGUSR1);
	allow_signal(SIGKILL);
	r->ret = r->file->f_op->unlocked_ioctl(r->file, MSHV_RUN_VP,
					       (unsigned long)r->ubuf);
	flush_signals(current);
	kthread_unuse_mm(r->mm);
	complete(&r->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

static void runner_stop(void *data)
{
	struct runner *r = data;

	send_sig(SIGKILL, r->task, 0);
	kthread_stop(r->task);
	put_task_struct(r->task);
	mmput(r->mm);
	__fput_sync(r->file);
}

static struct runner *runner_start(struct kunit *test, int vp_fd)
{
	struct runner *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->file = fget(vp_fd);
	KUNIT_ASSERT_NOT_NULL(test, r->file);
	r->ubuf = (void __user *)mshv_test_mmap(test, PAGE_SIZE);
	r->mm = current->mm;
	mmget(r->mm);
	init_completion(&r->done);
	r->task = kthread_create(runner_fn, r, "mshv-guest-runner");
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->task));
	get_task_struct(r->task);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, runner_stop, r), 0);
	wake_up_process(r->task);
	return r;
}

/*
 * The guest ran out its budget and went on running for more: dispatched
 * again, or left running and run on by the hypervisor.
 */
static bool guest_spinning(struct kunit *test, struct vm *vm,
			   enum mshv_scheduler sched)
{
	struct mshv_fake_vp vp;

	KUNIT_ASSERT_TRUE(test, mshv_fake_hv_vp_snapshot(mshv_test_fake(test),
							 vm->id, 0, &vp));
	if (vp.instructions < 3 * MSHV_FAKE_GUEST_BUDGET)
		return false;
	return sched == MSHV_SCHED_CORE ? vp.running : vp.dispatches >= 3;
}

/*
 * jmp $ never stops, yet the run ends on a signal; the guest is where it
 * was, and runs on to what the VMM wrote over its loop.
 */
static void endless_loop_ends_on_signal(struct kunit *test)
{
	const enum mshv_scheduler *sched = test->param_value;
	static const u8 loop[] = { 0xeb, 0xfe }, hlt = 0xf4;
	unsigned long deadline;
	struct hv_message msg;
	struct runner *r;
	struct vm *vm;

	vm = vm_create(test, *sched);
	load(test, vm, CODE_GPA, loop, sizeof(loop));
	start(test, vm, CODE_GPA, 0);
	r = runner_start(test, vm->vp_fd);

	deadline = jiffies + msecs_to_jiffies(WAIT_MS);
	while (!guest_spinning(test, vm, *sched)) {
		KUNIT_ASSERT_TRUE_MSG(test, time_before(jiffies, deadline),
				      "the guest never ran");
		usleep_range(500, 1000);
	}
	KUNIT_EXPECT_FALSE(test, completion_done(&r->done));
	send_sig(SIGUSR1, r->task, 0);
	KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&r->done,
								msecs_to_jiffies(WAIT_MS)),
			      "the run never returned");
	KUNIT_EXPECT_EQ(test, r->ret, -EINTR);
	kunit_release_action(test, runner_stop, r);
	KUNIT_EXPECT_EQ(test, get_reg(test, vm, HV_X64_REGISTER_RIP), CODE_GPA);

	load(test, vm, CODE_GPA, &hlt, 1);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	KUNIT_EXPECT_EQ(test, header(&msg)->rip, CODE_GPA);
	vm_destroy(test, vm);
}

/* A scripted step still comes first, and the fake's default is unchanged. */
static void script_before_guest_code(struct kunit *test)
{
	struct mshv_fake_exit exit = { .kind = MSHV_FAKE_EXIT_INTERCEPT };
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	static const u8 hlt = 0xf4;
	struct hv_message msg;
	struct vm *vm;

	vm = vm_create(test, MSHV_SCHED_ROOT);
	load(test, vm, CODE_GPA, &hlt, 1);
	start(test, vm, CODE_GPA, 0);
	exit.msg.header.message_type = HVMSG_X64_CPUID_INTERCEPT;
	KUNIT_ASSERT_EQ(test, mshv_fake_hv_script_vp(fake, vm->id, 0, &exit), 0);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_X64_CPUID_INTERCEPT);
	KUNIT_ASSERT_EQ(test, run(test, vm, &msg), 0);
	KUNIT_EXPECT_EQ(test, msg.header.message_type, HVMSG_X64_HALT);
	vm_destroy(test, vm);
}

/* Guest code is something a test asks for: a new fake only follows scripts. */
static void fake_runs_no_code_by_default(struct kunit *test)
{
	struct mshv_fake_hv *other = mshv_fake_hv_create();

	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_FALSE(test, other->run_guest_code);
	mshv_fake_hv_destroy(other);
}

static struct kunit_case mshv_fake_guest_test_cases[] = {
	KUNIT_CASE_PARAM(program_runs_to_halt, sched_gen_params),
	KUNIT_CASE_PARAM(program_stops_on_intercept, exit_gen_params),
	KUNIT_CASE_PARAM(add_sets_flags, add_gen_params),
	KUNIT_CASE(program_writes_ram),
	KUNIT_CASE(accesses_across_pages),
	KUNIT_CASE(ip_wraps),
	KUNIT_CASE(device_memory_is_not_ram),
	KUNIT_CASE(guest_accesses_set_bits),
	KUNIT_CASE(host_frame_zero_is_mapped),
	KUNIT_CASE(register_store_full),
	KUNIT_CASE(mmio_store_rings_ioeventfd),
	KUNIT_CASE_PARAM(irqfd_sets_irr, irr_gen_params),
	KUNIT_CASE(lowest_priority_to_one_vp),
	KUNIT_CASE_PARAM(endless_loop_ends_on_signal, sched_gen_params),
	KUNIT_CASE(script_before_guest_code),
	KUNIT_CASE(fake_runs_no_code_by_default),
	{}
};

static struct kunit_suite mshv_fake_guest_suite = {
	.name = "mshv_fake_guest",
	.init = guest_test_init,
	.test_cases = mshv_fake_guest_test_cases,
};

kunit_test_suite(mshv_fake_guest_suite);
