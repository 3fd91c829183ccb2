// SPDX-License-Identifier: GPL-2.0
/*
 * Guest code under /dev/mshv: each test copies a few bytes of 16-bit
 * real-mode code into a guest, runs its VP and plays the VMM for every
 * exit, as a real VMM would (emulate, then move RIP past the instruction).
 *
 * On the driver's fake hypervisor backend the guest code is interpreted;
 * on Microsoft Hypervisor it runs for real.  Either way the exits are the
 * hypervisor's intercept messages.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include "mshv_guest.h"

#define GUEST_MEM_SIZE		0x10000UL
#define COM1			0x3f8

/* Guest physical addresses no memory backs. */
#define MMIO_BASE		0x20000UL
#define DOORBELL_BASE		0x30000UL

FIXTURE(guest) {
	struct mshv_guest g;
};

FIXTURE_SETUP(guest)
{
	mshv_guest_create(&self->g, GUEST_MEM_SIZE);
}

FIXTURE_TEARDOWN(guest)
{
	mshv_guest_destroy(&self->g);
}

/* Wait up to @ms for an eventfd to be signalled; return its count. */
static uint64_t wait_eventfd(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return 0;
	return mshv_eventfd_count(fd);
}

/* Read VP 0's LAPIC page; return false (errno set) if the ioctl fails. */
static bool read_lapic(int vp, uint8_t *page)
{
	struct mshv_get_set_vp_state state = {
		.type = MSHV_VP_STATE_LAPIC,
		.buf_sz = MSHV_PAGE_SIZE,
		.buf_ptr = (uintptr_t)page,
	};

	return !ioctl(vp, MSHV_GET_VP_STATE, &state);
}

/*
 * The classic first guest: compute a + b, write the low byte of the sum
 * to the serial port and halt.
 */
TEST_F(guest, add_and_out)
{
	static const uint8_t code[] = {
		0xb8, 0x30, 0x12,	/* mov ax, 0x1230 */
		0xbb, 0x05, 0x00,	/* mov bx, 0x0005 */
		0x01, 0xd8,		/* add ax, bx */
		0xba, 0xf8, 0x03,	/* mov dx, 0x3f8 */
		0xee,			/* out dx, al */
		0xf4,			/* hlt */
	};
	static const uint32_t names[] = {
		HV_X64_REGISTER_RAX, HV_X64_REGISTER_RBX, HV_X64_REGISTER_RDX,
		HV_X64_REGISTER_RIP,
	};
	struct mshv_hv_register_value regs[4];
	struct mshv_hv_message msg;

	mshv_guest_load(&self->g, MSHV_GUEST_CODE_GPA, code, sizeof(code));

	ASSERT_EQ(HVMSG_X64_IO_PORT_INTERCEPT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(COM1, msg.io.port_number);
	EXPECT_EQ(1, MSHV_IO_ACCESS_SIZE(msg.io.access_info));
	EXPECT_EQ(0, msg.io.access_info & MSHV_IO_ACCESS_STRING);
	EXPECT_EQ(HV_INTERCEPT_ACCESS_WRITE, msg.intercept.intercept_access_type);
	EXPECT_EQ(0x1235, msg.io.rax & 0xffff);
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 11, msg.intercept.rip);
	EXPECT_EQ(1, mshv_insn_len(&msg));
	EXPECT_EQ(0, msg.intercept.vp_index);
	mshv_guest_skip(&self->g, &msg);

	ASSERT_EQ(HVMSG_X64_HALT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 12, msg.intercept.rip);

	ASSERT_EQ(0, mshv_get_regs(self->g.vp, 0, names, regs, 4))
		TH_LOG("GET_VP_REGISTERS: %s", strerror(errno));
	EXPECT_EQ(0x1235, regs[0].low & 0xffff);
	EXPECT_EQ(0x0005, regs[1].low & 0xffff);
	EXPECT_EQ(COM1, regs[2].low & 0xffff);
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 12, regs[3].low);
}

/* Word and doubleword port writes (operand-size prefix) report their size. */
TEST_F(guest, out_sizes)
{
	static const uint8_t code[] = {
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
		0x66, 0x05, 0x01, 0x00, 0x00, 0x00, /* add eax, 1 */
		0xe7, 0x81,		/* out 0x81, ax */
		0xba, 0x80, 0x00,	/* mov dx, 0x80 */
		0x66, 0xef,		/* out dx, eax */
		0xf4,			/* hlt */
	};
	struct mshv_hv_message msg;

	mshv_guest_load(&self->g, MSHV_GUEST_CODE_GPA, code, sizeof(code));

	ASSERT_EQ(HVMSG_X64_IO_PORT_INTERCEPT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(0x81, msg.io.port_number);
	EXPECT_EQ(2, MSHV_IO_ACCESS_SIZE(msg.io.access_info));
	EXPECT_EQ(0x5679, msg.io.rax & 0xffff);
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 12, msg.intercept.rip);
	EXPECT_EQ(2, mshv_insn_len(&msg));
	mshv_guest_skip(&self->g, &msg);

	ASSERT_EQ(HVMSG_X64_IO_PORT_INTERCEPT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(0x80, msg.io.port_number);
	EXPECT_EQ(4, MSHV_IO_ACCESS_SIZE(msg.io.access_info));
	EXPECT_EQ(0x12345679, msg.io.rax & 0xffffffff);
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 17, msg.intercept.rip);
	EXPECT_EQ(2, mshv_insn_len(&msg));
	mshv_guest_skip(&self->g, &msg);

	ASSERT_EQ(HVMSG_X64_HALT, mshv_guest_run(&self->g, &msg));
}

/* IN: the VMM supplies the value, in RAX, before resuming the guest. */
TEST_F(guest, in_from_vmm)
{
	static const uint8_t code[] = {
		0xe4, 0x60,		/* in al, 0x60 */
		0x88, 0xc3,		/* mov bl, al */
		0xba, 0xf0, 0x01,	/* mov dx, 0x1f0 */
		0xed,			/* in ax, dx */
		0xf4,			/* hlt */
	};
	struct mshv_hv_message msg;
	uint64_t rax;

	mshv_guest_load(&self->g, MSHV_GUEST_CODE_GPA, code, sizeof(code));

	ASSERT_EQ(HVMSG_X64_IO_PORT_INTERCEPT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(0x60, msg.io.port_number);
	EXPECT_EQ(1, MSHV_IO_ACCESS_SIZE(msg.io.access_info));
	EXPECT_EQ(HV_INTERCEPT_ACCESS_READ, msg.intercept.intercept_access_type);
	EXPECT_EQ(2, mshv_insn_len(&msg));
	rax = (msg.io.rax & ~0xffULL) | 0x5a;
	mshv_set_reg64(self->g.vp, 0, HV_X64_REGISTER_RAX, rax);
	mshv_guest_skip(&self->g, &msg);

	ASSERT_EQ(HVMSG_X64_IO_PORT_INTERCEPT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(0x1f0, msg.io.port_number);
	EXPECT_EQ(2, MSHV_IO_ACCESS_SIZE(msg.io.access_info));
	EXPECT_EQ(HV_INTERCEPT_ACCESS_READ, msg.intercept.intercept_access_type);
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 7, msg.intercept.rip);
	rax = (msg.io.rax & ~0xffffULL) | 0xbeef;
	mshv_set_reg64(self->g.vp, 0, HV_X64_REGISTER_RAX, rax);
	mshv_guest_skip(&self->g, &msg);

	ASSERT_EQ(HVMSG_X64_HALT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(0x5a, mshv_get_reg64(self->g.vp, 0, HV_X64_REGISTER_RBX) &
		  0xff);
	EXPECT_EQ(0xbeef, mshv_get_reg64(self->g.vp, 0, HV_X64_REGISTER_RAX) &
		  0xffff);
}

/* A write nothing backs comes to the VMM as an unmapped-GPA message. */
TEST_F(guest, mmio_write_unmapped)
{
	static const uint8_t code[] = {
		0xb0, 0x77,		/* mov al, 0x77 */
		0xa2, 0x10, 0x00,	/* mov [0x0010], al */
		0xf4,			/* hlt */
	};
	struct mshv_hv_message msg;

	mshv_guest_load_ds(&self->g, MSHV_GUEST_CODE_GPA, code, sizeof(code),
			   MMIO_BASE);

	ASSERT_EQ(HVMSG_UNMAPPED_GPA, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(MMIO_BASE + 0x10, msg.mem.guest_physical_address);
	EXPECT_EQ(HV_INTERCEPT_ACCESS_WRITE,
		  msg.intercept.intercept_access_type);
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 2, msg.intercept.rip);
	EXPECT_EQ(0x77, mshv_get_reg64(self->g.vp, 0, HV_X64_REGISTER_RAX) &
		  0xff);

	/* The device took the write: carry on after the 3-byte mov. */
	mshv_set_reg64(self->g.vp, 0, HV_X64_REGISTER_RIP,
		       msg.intercept.rip + 3);
	ASSERT_EQ(HVMSG_X64_HALT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 5, msg.intercept.rip);
}

/* A write to memory mapped read-only is the VMM's too: a GPA intercept. */
TEST_F(guest, write_to_readonly_memory)
{
	static const uint8_t code[] = {
		0xa0, 0x20, 0x00,	/* mov al, [0x0020] */
		0x04, 0x01,		/* add al, 1 */
		0xa2, 0x20, 0x00,	/* mov [0x0020], al */
		0xf4,			/* hlt */
	};
	const uint64_t gpa = MMIO_BASE + 0x10000;
	struct mshv_hv_message msg;
	uint8_t *rom;

	rom = mshv_map_memory(self->g.pt, gpa >> MSHV_PAGE_SHIFT,
			      MSHV_PAGE_SIZE,
			      1 << MSHV_SET_MEM_BIT_EXECUTABLE);
	rom[0x20] = 0x41;
	mshv_guest_load_ds(&self->g, MSHV_GUEST_CODE_GPA, code, sizeof(code),
			   gpa);

	/* The read is served from the page; the write is not. */
	ASSERT_EQ(HVMSG_GPA_INTERCEPT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(gpa + 0x20, msg.mem.guest_physical_address);
	EXPECT_EQ(HV_INTERCEPT_ACCESS_WRITE,
		  msg.intercept.intercept_access_type);
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 5, msg.intercept.rip);
	EXPECT_EQ(0x42, mshv_get_reg64(self->g.vp, 0, HV_X64_REGISTER_RAX) &
		  0xff);
	EXPECT_EQ(0x41, rom[0x20]);
	EXPECT_EQ(0, mshv_unmap_memory(self->g.pt, gpa >> MSHV_PAGE_SHIFT,
				       MSHV_PAGE_SIZE, rom));
	munmap(rom, MSHV_PAGE_SIZE);
}

static int set_ioeventfd(int pt, int fd, uint64_t gpa, uint32_t len,
			 bool datamatch, uint64_t value, bool deassign)
{
	struct mshv_user_ioeventfd args = {
		.datamatch = value,
		.addr = gpa,
		.len = len,
		.fd = fd,
	};

	if (datamatch)
		args.flags |= 1 << MSHV_IOEVENTFD_BIT_DATAMATCH;
	if (deassign)
		args.flags |= 1 << MSHV_IOEVENTFD_BIT_DEASSIGN;
	return ioctl(pt, MSHV_IOEVENTFD, &args);
}

/* A write an ioeventfd watches signals it; the guest does not exit. */
TEST_F(guest, mmio_write_ioeventfd)
{
	static const uint8_t code[] = {
		0xb0, 0x42,		/* mov al, 0x42 */
		0xa2, 0x00, 0x00,	/* mov [0x0000], al */
		0xf4,			/* hlt */
	};
	struct mshv_hv_message msg;
	int efd = mshv_eventfd();

	ASSERT_EQ(0, set_ioeventfd(self->g.pt, efd, DOORBELL_BASE, 0, false,
				   0, false))
		TH_LOG("MSHV_IOEVENTFD: %s", strerror(errno));
	mshv_guest_load_ds(&self->g, MSHV_GUEST_CODE_GPA, code, sizeof(code),
			   DOORBELL_BASE);

	ASSERT_EQ(HVMSG_X64_HALT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 5, msg.intercept.rip);
	EXPECT_LE(1, wait_eventfd(efd, 2000));

	/* Once deassigned, the same write is the VMM's to emulate again. */
	ASSERT_EQ(0, set_ioeventfd(self->g.pt, efd, DOORBELL_BASE, 0, false,
				   0, true));
	mshv_set_reg64(self->g.vp, 0, HV_X64_REGISTER_RIP, MSHV_GUEST_CODE_GPA);
	ASSERT_EQ(HVMSG_UNMAPPED_GPA, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(DOORBELL_BASE, msg.mem.guest_physical_address);
	EXPECT_EQ(0, wait_eventfd(efd, 0));
	close(efd);
}

/* With a datamatch, only a write of that value signals the eventfd. */
TEST_F(guest, mmio_write_ioeventfd_datamatch)
{
	static const uint8_t code[] = {
		0xb0, 0x41,		/* mov al, 0x41 */
		0xa2, 0x08, 0x00,	/* mov [0x0008], al */
		0xb0, 0x42,		/* mov al, 0x42 */
		0xa2, 0x08, 0x00,	/* mov [0x0008], al */
		0xf4,			/* hlt */
	};
	struct mshv_hv_message msg;
	int efd = mshv_eventfd();

	ASSERT_EQ(0, set_ioeventfd(self->g.pt, efd, DOORBELL_BASE + 8, 1, true,
				   0x42, false))
		TH_LOG("MSHV_IOEVENTFD: %s", strerror(errno));
	mshv_guest_load_ds(&self->g, MSHV_GUEST_CODE_GPA, code, sizeof(code),
			   DOORBELL_BASE);

	ASSERT_EQ(HVMSG_UNMAPPED_GPA, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(DOORBELL_BASE + 8, msg.mem.guest_physical_address);
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 2, msg.intercept.rip);
	EXPECT_EQ(0, wait_eventfd(efd, 0));
	mshv_set_reg64(self->g.vp, 0, HV_X64_REGISTER_RIP,
		       msg.intercept.rip + 3);

	ASSERT_EQ(HVMSG_X64_HALT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 10, msg.intercept.rip);
	EXPECT_EQ(1, wait_eventfd(efd, 2000));
	close(efd);
}

/* An instruction the processor cannot execute ends the guest. */
TEST_F(guest, unknown_opcode)
{
	static const uint8_t code[] = {
		0x90,			/* nop */
		0x0f, 0x0b,		/* ud2 */
		0xf4,			/* hlt */
	};
	struct mshv_hv_message msg;

	mshv_guest_load(&self->g, MSHV_GUEST_CODE_GPA, code, sizeof(code));

	ASSERT_EQ(HVMSG_UNRECOVERABLE_EXCEPTION,
		  mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(MSHV_GUEST_CODE_GPA + 1, msg.intercept.rip);
}

/* An irqfd on an MSI route makes the vector pending in the LAPIC IRR. */
TEST_F(guest, irqfd_msi_lapic_irr)
{
	static const uint8_t code[] = { 0xf4 };	/* hlt */
	const uint8_t vector = 0x31;
	struct {
		struct mshv_user_irq_table table;
		struct mshv_user_irq_entry entry;
	} routing = {
		.table.nr = 1,
		.entry = {
			.gsi = 5,
			.address_lo = 0xfee00000,	/* APIC id 0, physical */
			.data = vector,			/* fixed, edge */
		},
	};
	struct mshv_user_irqfd irqfd = { .gsi = 5 };
	struct mshv_hv_message msg;
	uint64_t one = 1;
	uint8_t *lapic;
	bool pending = false;
	int i;

	lapic = mshv_alloc_mem(MSHV_PAGE_SIZE);
	ASSERT_TRUE(read_lapic(self->g.vp, lapic))
		TH_LOG("MSHV_GET_VP_STATE: %s", strerror(errno));
	ASSERT_FALSE(mshv_lapic_irr_test(lapic, vector));

	ASSERT_EQ(0, ioctl(self->g.pt, MSHV_SET_MSI_ROUTING, &routing))
		TH_LOG("MSHV_SET_MSI_ROUTING: %s", strerror(errno));
	irqfd.fd = mshv_eventfd();
	irqfd.resamplefd = -1;
	ASSERT_EQ(0, ioctl(self->g.pt, MSHV_IRQFD, &irqfd))
		TH_LOG("MSHV_IRQFD: %s", strerror(errno));
	ASSERT_EQ(sizeof(one), write(irqfd.fd, &one, sizeof(one)));

	/* The injection may run from a work item: give it a moment. */
	for (i = 0; i < 100 && !pending; i++) {
		ASSERT_TRUE(read_lapic(self->g.vp, lapic));
		pending = mshv_lapic_irr_test(lapic, vector);
		if (!pending)
			usleep(10000);
	}
	/*
	 * An interrupt posted in the VP's register page reaches the LAPIC
	 * at the VP's next dispatch: run it once.
	 */
	if (!pending) {
		mshv_guest_load(&self->g, MSHV_GUEST_CODE_GPA, code,
				sizeof(code));
		ASSERT_EQ(HVMSG_X64_HALT, mshv_guest_run(&self->g, &msg));
		ASSERT_TRUE(read_lapic(self->g.vp, lapic));
		pending = mshv_lapic_irr_test(lapic, vector);
	}
	EXPECT_TRUE(pending);
	/* Only that vector. */
	EXPECT_FALSE(mshv_lapic_irr_test(lapic, vector + 1));

	irqfd.flags = 1 << MSHV_IRQFD_BIT_DEASSIGN;
	EXPECT_EQ(0, ioctl(self->g.pt, MSHV_IRQFD, &irqfd));
	close(irqfd.fd);
	munmap(lapic, MSHV_PAGE_SIZE);
}

static void on_sigusr1(int sig)
{
}

struct kicker {
	pthread_t target;
	bool stop;
	unsigned int kicks;
};

/*
 * Signal the target until it says stop: a signal that lands before the
 * target enters MSHV_RUN_VP is handled in user space and lost to the run.
 */
static void *kick(void *arg)
{
	struct kicker *k = arg;

	while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE)) {
		usleep(50000);
		if (__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE))
			break;
		pthread_kill(k->target, SIGUSR1);
		k->kicks++;
	}
	return NULL;
}

static void install_sigusr1(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };

	/* No SA_RESTART: the run must come back with EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

/* A guest spinning forever still lets its VMM thread take a signal. */
TEST_F_TIMEOUT(guest, loop_interrupted_by_signal, 30)
{
	static const uint8_t code[] = { 0xeb, 0xfe };	/* jmp $ */
	struct kicker k = { .target = pthread_self() };
	struct mshv_hv_message msg;
	pthread_t thread;
	int ret, err;

	install_sigusr1();
	mshv_guest_load(&self->g, MSHV_GUEST_CODE_GPA, code, sizeof(code));

	ASSERT_EQ(0, pthread_create(&thread, NULL, kick, &k));
	ret = mshv_guest_try_run(self->g.vp, &msg);
	err = errno;
	__atomic_store_n(&k.stop, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	ASSERT_EQ(-1, ret) TH_LOG("the loop exited: message %#x",
				  msg.header.message_type);
	ASSERT_EQ(EINTR, err);
	EXPECT_EQ(MSHV_GUEST_CODE_GPA,
		  mshv_get_reg64(self->g.vp, 0, HV_X64_REGISTER_RIP));

	/* The VP resumes where it stopped: make the loop a hlt. */
	self->g.mem[MSHV_GUEST_CODE_GPA] = 0xf4;
	ASSERT_EQ(HVMSG_X64_HALT, mshv_guest_run(&self->g, &msg));
	EXPECT_EQ(MSHV_GUEST_CODE_GPA, msg.intercept.rip);
}

TEST_HARNESS_MAIN
