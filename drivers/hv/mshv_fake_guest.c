// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest code for the fake hypervisor: a small interpreter of 16-bit real
 * mode x86, enough for the test programs a VMM's tests load (moves, adds,
 * port I/O, stores to RAM and to MMIO, hlt, short jumps).
 *
 * It runs one VP from its registers in the fake's register store, fetching
 * from the guest frames the partition's GPA map holds (the VMM's pinned
 * pages), until the guest does something the hypervisor would stop it for.
 * Then it writes no register but fills the intercept message the real
 * hypervisor would send: the VMM emulates the instruction and moves RIP
 * past it.  A store that matches a doorbell connection rings it and the
 * guest goes on, as on the real hypervisor.
 *
 * Everything runs under the fake's lock with interrupts disabled: guest
 * frames are reached with kmap_local_pfn(), nothing sleeps, and a budget
 * of instructions bounds each run so that a guest looping forever gives
 * the CPU back.
 *
 * Only RAM is reached that way.  A frame mapped not cached, or with no
 * struct page, is a device's (MMIO behind a VM_PFNMAP mapping): the real
 * hypervisor would let the guest reach the device, but the fake must not
 * touch it, so a load or store there stops the guest as if the frame were
 * not mapped, and a fetch from it is an unrecoverable exception.
 */

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/bitops.h>
#include <linux/highmem.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <asm/processor-flags.h>

#include "mshv_fake_hv.h"

/* The longest x86 instruction. */
#define GUEST_MAX_INSN		15
#define GUEST_GPRS		16
#define GUEST_FLAGS_ARITH	(X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | \
				 X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_OF)

/**
 * struct guest - one VP while the interpreter runs it
 * @fake: the fake hypervisor
 * @pt: the VP's partition
 * @vp: the VP
 * @gpr: RAX to R15, in the fake's register store
 * @rip: RIP, likewise
 * @rflags: RFLAGS, likewise
 * @cs: code segment, as the VMM set it
 * @ds: data segment, likewise
 * @es: extra segment, likewise (I/O intercepts report it)
 * @insn: the bytes of the instruction being decoded
 * @len: how many of @insn were fetched
 * @opsize: operand size of a 16/32-bit instruction: 2, or 4 with 0x66
 * @gfn: the guest frame last looked up in the GPA map (U64_MAX: none)
 * @slot: what the map holds for @gfn: a value entry (the frame and
 *	MSHV_FAKE_GPA_* bits), or NULL if it is not mapped
 *
 * Only the guest changes the map during a run (its access bits): anything
 * else that changes it takes the fake's lock.
 */
struct guest {
	struct mshv_fake_hv *fake;
	struct mshv_fake_partition *pt;
	struct mshv_fake_vp *vp;
	u64 *gpr[GUEST_GPRS];
	u64 *rip;
	u64 *rflags;
	struct hv_x64_segment_register cs, ds, es;
	u8 insn[GUEST_MAX_INSN];
	unsigned int len;
	unsigned int opsize;
	u64 gfn;
	void *slot;
};

/* A register or memory operand, as a ModRM byte names it. */
struct guest_operand {
	bool mem;
	unsigned int reg;
	u64 gpa;
};

enum guest_step {
	GUEST_NEXT,	/* go on with the next instruction */
	GUEST_EXIT,	/* stop: the message is filled */
};

static u64 size_mask(unsigned int size)
{
	return size == 8 ? U64_MAX : BIT_ULL(size * BITS_PER_BYTE) - 1;
}

/*
 * The map entry of @gpa's frame in *@entry; false if the frame is not
 * mapped.  (Host frame 0 mapped read-only makes an entry of 0.)
 */
static bool guest_entry(struct guest *g, u64 gpa, unsigned long *entry)
{
	u64 gfn = gpa >> HV_HYP_PAGE_SHIFT;

	if (gfn != g->gfn) {
		g->slot = xa_load(&g->pt->gpa, gfn);
		g->gfn = gfn;
	}
	if (!g->slot)
		return false;
	*entry = xa_to_value(g->slot);
	return true;
}

/*
 * The guest used @gpa's frame, mapped: set its accessed (and for a store
 * dirty) bit, as the hypervisor does, for MSHV_GET_GPAP_ACCESS_BITMAP.
 */
static void guest_touch(struct guest *g, u64 gpa, unsigned long bits)
{
	unsigned long entry;

	if (!guest_entry(g, gpa, &entry) || (entry & bits) == bits)
		return;
	g->slot = xa_mk_value(entry | bits);
	/* Replacing a value entry allocates nothing. */
	xa_store(&g->pt->gpa, g->gfn, g->slot, GFP_ATOMIC);
}

static u8 *guest_map(unsigned long entry, u64 gpa)
{
	u8 *page = kmap_local_pfn(entry >> MSHV_FAKE_GPA_PFN_SHIFT);

	return page + offset_in_page(gpa);
}

/* A byte of guest RAM; false if @gpa is not mapped, or not RAM. */
static bool guest_read_byte(struct guest *g, u64 gpa, u8 *byte)
{
	unsigned long entry;
	u8 *p;

	if (!guest_entry(g, gpa, &entry) || entry & MSHV_FAKE_GPA_MMIO)
		return false;
	guest_touch(g, gpa, MSHV_FAKE_GPA_ACCESSED);
	p = guest_map(entry, gpa);
	*byte = *p;
	kunmap_local(p);
	return true;
}

/* Fetch the next byte of the instruction at CS:IP; false if there is none. */
static bool guest_fetch(struct guest *g, u8 *byte)
{
	u64 ip = (*g->rip + g->len) & 0xffff;

	if (g->len == GUEST_MAX_INSN || !guest_read_byte(g, g->cs.base + ip, byte))
		return false;
	g->insn[g->len++] = *byte;
	return true;
}

/* A little-endian immediate of @size bytes. */
static bool guest_fetch_imm(struct guest *g, unsigned int size, u64 *val)
{
	unsigned int i;
	u8 byte;

	*val = 0;
	for (i = 0; i < size; i++) {
		if (!guest_fetch(g, &byte))
			return false;
		*val |= (u64)byte << (i * BITS_PER_BYTE);
	}
	return true;
}

/* Register @r of @size bytes; for bytes, 4 to 7 are AH, CH, DH and BH. */
static u64 guest_reg(struct guest *g, unsigned int r, unsigned int size)
{
	if (size == 1 && r >= 4)
		return (*g->gpr[r - 4] >> 8) & 0xff;
	return *g->gpr[r] & size_mask(size);
}

/*
 * Writes to 8 and 16-bit registers keep the bits they do not cover; a
 * 32-bit write clears the upper half, as in 64-bit mode (and as KVM's
 * emulator does in real mode).
 */
static void guest_set_reg(struct guest *g, unsigned int r, unsigned int size,
			  u64 val)
{
	unsigned int shift = 0;
	u64 mask;

	if (size == 4) {
		*g->gpr[r] = val & size_mask(size);
		return;
	}
	if (size == 1 && r >= 4) {
		r -= 4;
		shift = 8;
	}
	mask = size_mask(size) << shift;
	*g->gpr[r] = (*g->gpr[r] & ~mask) | ((val << shift) & mask);
}

/* Fill the intercept header every exit starts with; returns the payload. */
static void *guest_exit(struct guest *g, struct hv_message *msg, u32 type,
			size_t size, u8 access, unsigned int insn_len)
{
	struct hv_x64_intercept_message_header *hdr = (void *)msg->u.payload;

	memset(msg, 0, sizeof(*msg));
	msg->header.message_type = type;
	msg->header.payload_size = size;
	msg->header.sender = g->pt->id;
	hdr->vp_index = g->vp->index;
	hdr->instruction_length = insn_len;
	hdr->intercept_access_type = access;
	/* Real mode, CPL 0: the execution state is all zeroes. */
	hdr->cs_segment = g->cs;
	hdr->rip = *g->rip;
	hdr->rflags = *g->rflags;
	return hdr;
}

/* The guest did what the fake cannot run: it stops for good. */
static enum guest_step guest_unrecoverable(struct guest *g,
					   struct hv_message *msg)
{
	guest_exit(g, msg, HVMSG_UNRECOVERABLE_EXCEPTION,
		   sizeof(struct hv_x64_intercept_message_header),
		   HV_INTERCEPT_ACCESS_EXECUTE, 0);
	return GUEST_EXIT;
}

static enum guest_step guest_memory_exit(struct guest *g,
					 struct hv_message *msg, u32 type,
					 u64 gpa, u8 access)
{
	struct hv_x64_memory_intercept_message *mem;

	mem = guest_exit(g, msg, type, sizeof(*mem), access, g->len);
	mem->instruction_byte_count = g->len;
	memcpy(mem->instruction_bytes, g->insn, g->len);
	/* Paging is off: the linear address is the guest physical one. */
	mem->memory_access_info = HV_X64_MEMORY_ACCESS_GVA_VALID;
	mem->guest_virtual_address = gpa;
	mem->guest_physical_address = gpa;
	return GUEST_EXIT;
}

static enum guest_step guest_io_exit(struct guest *g, struct hv_message *msg,
				     u16 port, unsigned int size, u8 access)
{
	struct hv_x64_io_port_intercept_message *io;

	io = guest_exit(g, msg, HVMSG_X64_IOPORT_INTERCEPT, sizeof(*io),
			access, g->len);
	io->port_number = port;
	io->access_info = FIELD_PREP(HV_X64_IO_PORT_ACCESS_SIZE, size);
	io->instruction_byte_count = g->len;
	memcpy(io->instruction_bytes, g->insn, g->len);
	io->rax = *g->gpr[0];
	io->ds_segment = g->ds;
	io->es_segment = g->es;
	io->rcx = *g->gpr[1];
	io->rsi = *g->gpr[6];
	io->rdi = *g->gpr[7];
	return GUEST_EXIT;
}

/*
 * Read @size bytes of guest RAM at @gpa, or stop on the first byte that is
 * not RAM: the message gives that byte's address, in the frame that failed.
 */
static enum guest_step guest_load(struct guest *g, struct hv_message *msg,
				  u64 gpa, unsigned int size, u64 *val)
{
	unsigned int i;
	u8 byte;

	*val = 0;
	for (i = 0; i < size; i++) {
		if (!guest_read_byte(g, gpa + i, &byte))
			return guest_memory_exit(g, msg, HVMSG_UNMAPPED_GPA,
						 gpa + i,
						 HV_INTERCEPT_ACCESS_READ);
		*val |= (u64)byte << (i * BITS_PER_BYTE);
	}
	return GUEST_NEXT;
}

/* Why a store to @gpa stops the guest: 0 if it does not. */
static u32 guest_store_exit(struct guest *g, u64 gpa)
{
	unsigned long entry;

	if (!guest_entry(g, gpa, &entry))
		return HVMSG_UNMAPPED_GPA;
	if (!(entry & MSHV_FAKE_GPA_WRITABLE))
		return HVMSG_GPA_INTERCEPT;
	/* A device the fake cannot reach: the VMM emulates it instead. */
	if (entry & MSHV_FAKE_GPA_MMIO)
		return HVMSG_UNMAPPED_GPA;
	return 0;
}

/*
 * A store: a doorbell's write rings it; RAM mapped writable takes it; a
 * frame mapped read-only stops the guest with a GPA intercept, one not
 * mapped (or a device's) with an unmapped-GPA intercept.  Every byte is
 * checked before any is written, as the processor faults before it
 * stores, and the message gives the first byte that failed.
 */
static enum guest_step guest_store(struct guest *g, struct hv_message *msg,
				   u64 gpa, unsigned int size, u64 val)
{
	unsigned long entry;
	unsigned int i;
	u32 type;
	u8 *p;

	val &= size_mask(size);
	if (mshv_fake_ring_doorbells(g->fake, g->pt, gpa, size, val))
		return GUEST_NEXT;
	for (i = 0; i < size; i++) {
		type = guest_store_exit(g, gpa + i);
		if (type)
			return guest_memory_exit(g, msg, type, gpa + i,
						 HV_INTERCEPT_ACCESS_WRITE);
	}
	for (i = 0; i < size; i++) {
		guest_touch(g, gpa + i,
			    MSHV_FAKE_GPA_ACCESSED | MSHV_FAKE_GPA_DIRTY);
		guest_entry(g, gpa + i, &entry);
		p = guest_map(entry, gpa + i);
		*p = val >> (i * BITS_PER_BYTE);
		kunmap_local(p);
	}
	return GUEST_NEXT;
}

/*
 * Decode a ModRM byte: the register field in *@reg, the other operand in
 * *@op.  Only registers and [disp16] (relative to DS) are supported.
 */
static bool guest_modrm(struct guest *g, unsigned int *reg,
			struct guest_operand *op)
{
	u8 modrm;
	u64 disp;

	if (!guest_fetch(g, &modrm))
		return false;
	*reg = (modrm >> 3) & 7;
	op->reg = modrm & 7;
	op->mem = modrm >> 6 != 3;
	if (!op->mem)
		return true;
	if (modrm >> 6 != 0 || op->reg != 6 || !guest_fetch_imm(g, 2, &disp))
		return false;
	op->gpa = g->ds.base + disp;
	return true;
}

static enum guest_step guest_read_op(struct guest *g, struct hv_message *msg,
				     const struct guest_operand *op,
				     unsigned int size, u64 *val)
{
	if (op->mem)
		return guest_load(g, msg, op->gpa, size, val);
	*val = guest_reg(g, op->reg, size);
	return GUEST_NEXT;
}

static enum guest_step guest_write_op(struct guest *g, struct hv_message *msg,
				      const struct guest_operand *op,
				      unsigned int size, u64 val)
{
	if (op->mem)
		return guest_store(g, msg, op->gpa, size, val);
	guest_set_reg(g, op->reg, size, val);
	return GUEST_NEXT;
}

/* @a + @b in @size bytes; the arithmetic flags it sets go to *@rflags. */
static u64 guest_add(u64 a, u64 b, unsigned int size, u64 *rflags)
{
	u64 mask = size_mask(size), sign = BIT_ULL(size * BITS_PER_BYTE - 1);
	u64 sum = (a + b) & mask;
	u64 flags = *rflags & ~GUEST_FLAGS_ARITH;

	if (sum < (a & mask))
		flags |= X86_EFLAGS_CF;
	if (!(hweight8(sum & 0xff) & 1))
		flags |= X86_EFLAGS_PF;
	if ((a ^ b ^ sum) & 0x10)
		flags |= X86_EFLAGS_AF;
	if (!sum)
		flags |= X86_EFLAGS_ZF;
	if (sum & sign)
		flags |= X86_EFLAGS_SF;
	if ((a ^ sum) & (b ^ sum) & sign)
		flags |= X86_EFLAGS_OF;
	*rflags = flags;
	return sum;
}

/*
 * 00-03 (add) and 88-8B (mov) with a ModRM byte: bit 0 of the opcode
 * picks byte or word operands, bit 1 whether the register is the
 * destination.
 */
static enum guest_step guest_modrm_insn(struct guest *g, struct hv_message *msg,
					u8 opcode, bool add)
{
	unsigned int size = opcode & 1 ? g->opsize : 1, reg;
	struct guest_operand rm, dst;
	u64 src, old, flags = *g->rflags;

	if (!guest_modrm(g, &reg, &rm))
		return guest_unrecoverable(g, msg);
	if (opcode & 2) {
		if (guest_read_op(g, msg, &rm, size, &src) == GUEST_EXIT)
			return GUEST_EXIT;
		dst = (struct guest_operand){ .reg = reg };
	} else {
		src = guest_reg(g, reg, size);
		dst = rm;
	}
	if (add) {
		if (guest_read_op(g, msg, &dst, size, &old) == GUEST_EXIT)
			return GUEST_EXIT;
		src = guest_add(old, src, size, &flags);
	}
	/* A store that stops the guest leaves the flags as they were. */
	if (guest_write_op(g, msg, &dst, size, src) == GUEST_EXIT)
		return GUEST_EXIT;
	*g->rflags = flags;
	return GUEST_NEXT;
}

/* One instruction: run it and move IP past it, or stop before it. */
static enum guest_step guest_step(struct guest *g, struct hv_message *msg)
{
	enum guest_step step = GUEST_NEXT;
	unsigned int size;
	u64 imm, val;
	s8 rel = 0;
	u8 op;

	g->len = 0;
	g->opsize = 2;
	do {
		if (!guest_fetch(g, &op))
			return guest_unrecoverable(g, msg);
		if (op == 0x66)
			g->opsize = 4;
	} while (op == 0x66);
	/* Where an opcode comes in pairs, the odd one works on words. */
	size = op & 1 ? g->opsize : 1;

	switch (op) {
	case 0x00 ... 0x03:			/* add r/m, r; add r, r/m */
		step = guest_modrm_insn(g, msg, op, true);
		break;
	case 0x04 ... 0x05:			/* add al/ax/eax, imm */
		if (!guest_fetch_imm(g, size, &imm))
			return guest_unrecoverable(g, msg);
		val = *g->rflags;
		imm = guest_add(guest_reg(g, 0, size), imm, size, &val);
		guest_set_reg(g, 0, size, imm);
		*g->rflags = val;
		break;
	case 0x88 ... 0x8b:			/* mov r/m, r; mov r, r/m */
		step = guest_modrm_insn(g, msg, op, false);
		break;
	case 0x90:				/* nop */
		break;
	case 0xa0 ... 0xa3:			/* mov al/ax/eax, moffs16 and back */
		if (!guest_fetch_imm(g, 2, &imm))
			return guest_unrecoverable(g, msg);
		if (op & 2) {
			step = guest_store(g, msg, g->ds.base + imm, size,
					   guest_reg(g, 0, size));
			break;
		}
		step = guest_load(g, msg, g->ds.base + imm, size, &val);
		if (step == GUEST_NEXT)
			guest_set_reg(g, 0, size, val);
		break;
	case 0xb0 ... 0xbf:			/* mov r, imm */
		size = op & 8 ? g->opsize : 1;
		if (!guest_fetch_imm(g, size, &imm))
			return guest_unrecoverable(g, msg);
		guest_set_reg(g, op & 7, size, imm);
		break;
	case 0xe4 ... 0xe7:			/* in/out imm8 */
		if (!guest_fetch_imm(g, 1, &imm))
			return guest_unrecoverable(g, msg);
		return guest_io_exit(g, msg, imm, size, op & 2 ?
				     HV_INTERCEPT_ACCESS_WRITE :
				     HV_INTERCEPT_ACCESS_READ);
	case 0xec ... 0xef:			/* in/out dx */
		return guest_io_exit(g, msg, guest_reg(g, 2, 2), size, op & 2 ?
				     HV_INTERCEPT_ACCESS_WRITE :
				     HV_INTERCEPT_ACCESS_READ);
	case 0xeb:				/* jmp rel8 */
		if (!guest_fetch_imm(g, 1, &imm))
			return guest_unrecoverable(g, msg);
		rel = (s8)imm;
		break;
	case 0xf4:				/* hlt: the VMM decides */
		guest_exit(g, msg, HVMSG_X64_HALT,
			   sizeof(struct hv_x64_intercept_message_header),
			   HV_INTERCEPT_ACCESS_EXECUTE, g->len);
		return GUEST_EXIT;
	case 0xfa:				/* cli */
		*g->rflags &= ~X86_EFLAGS_IF;
		break;
	case 0xfb:				/* sti */
		*g->rflags |= X86_EFLAGS_IF;
		break;
	default:
		return guest_unrecoverable(g, msg);
	}
	if (step == GUEST_NEXT)
		*g->rip = (*g->rip + g->len + rel) & 0xffff;
	return step;
}

static void guest_segment(struct mshv_fake_vp *vp, u32 name,
			  struct hv_x64_segment_register *seg)
{
	const struct hv_register_value *value = mshv_fake_vp_reg(vp, name, false);

	static_assert(sizeof(*seg) == sizeof(*value));
	if (value)
		memcpy(seg, value, sizeof(*seg));
	else
		memset(seg, 0, sizeof(*seg));
}

/* A register as the VMM set it, not made room for. */
static u64 guest_reg_value(struct mshv_fake_vp *vp, u32 name)
{
	const struct hv_register_value *value = mshv_fake_vp_reg(vp, name, false);

	return value ? value->low : 0;
}

/* The registers the guest may write: RAX to R15, RIP, RFLAGS. */
#define GUEST_REGS		(GUEST_GPRS + 2)

static u32 guest_reg_name(unsigned int i)
{
	if (i < GUEST_GPRS)
		return HV_X64_REGISTER_RAX + i;
	return i == GUEST_GPRS ? HV_X64_REGISTER_RIP : HV_X64_REGISTER_RFLAGS;
}

/*
 * Work on the registers where the fake keeps them, making room for those
 * the guest may write and the VMM never set (they read as zero either way).
 * Room for all of them, or the store is left as it was.
 */
static bool guest_attach(struct guest *g)
{
	struct hv_register_value *value[GUEST_REGS];
	unsigned int i, missing = 0;

	for (i = 0; i < GUEST_REGS; i++)
		if (!mshv_fake_vp_reg(g->vp, guest_reg_name(i), false))
			missing++;
	if (missing > MSHV_FAKE_VP_REGISTERS - g->vp->nr_registers)
		return false;
	for (i = 0; i < GUEST_REGS; i++) {
		value[i] = mshv_fake_vp_reg(g->vp, guest_reg_name(i), true);
		if (WARN_ON_ONCE(!value[i]))
			return false;
	}
	for (i = 0; i < GUEST_GPRS; i++)
		g->gpr[i] = &value[i]->low;
	g->rip = &value[GUEST_GPRS]->low;
	g->rflags = &value[GUEST_GPRS + 1]->low;
	guest_segment(g->vp, HV_X64_REGISTER_CS, &g->cs);
	guest_segment(g->vp, HV_X64_REGISTER_DS, &g->ds);
	guest_segment(g->vp, HV_X64_REGISTER_ES, &g->es);
	return true;
}

/**
 * mshv_fake_guest_run() - run a VP's guest code until it stops
 * @fake: the fake hypervisor
 * @pt: the VP's partition
 * @vp: the VP, runnable
 * @budget: how many instructions it may run at most
 * @msg: receives the intercept message when the VP stops on one
 *
 * Interprets real mode code from CS:IP, as the VP's registers in the fake
 * say, and leaves them as the guest left them.  An instruction the
 * hypervisor intercepts is not run: @msg says which and where, and RIP
 * stays on it.  Each instruction run to its end counts in
 * @vp->instructions.
 *
 * Context: Under the fake's lock, interrupts disabled.
 * Return: true if the VP stopped (@msg filled), false if it ran @budget
 * instructions without stopping.
 */
bool mshv_fake_guest_run(struct mshv_fake_hv *fake,
			 struct mshv_fake_partition *pt,
			 struct mshv_fake_vp *vp, unsigned int budget,
			 struct hv_message *msg)
{
	struct guest g = { .fake = fake, .pt = pt, .vp = vp, .gfn = U64_MAX };
	u64 rip, rflags;
	unsigned int n;

	lockdep_assert_held(&fake->lock);
	if (!guest_attach(&g)) {
		/*
		 * No room in the register store: nothing can run.  The
		 * message still says which VP stopped, and where.
		 */
		rip = guest_reg_value(vp, HV_X64_REGISTER_RIP);
		rflags = guest_reg_value(vp, HV_X64_REGISTER_RFLAGS);
		g.rip = &rip;
		g.rflags = &rflags;
		guest_segment(vp, HV_X64_REGISTER_CS, &g.cs);
		guest_unrecoverable(&g, msg);
		return true;
	}
	for (n = 0; n < budget; n++) {
		if (guest_step(&g, msg) == GUEST_EXIT)
			return true;
		vp->instructions++;
	}
	return false;
}
