// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of interrupts and doorbells as a VMM sees them: MSI decode,
 * MSHV_SET_MSI_ROUTING, MSHV_IRQFD (with resample) and MSHV_IOEVENTFD,
 * the port table and the doorbell hypercalls, asserting on what the fake
 * hypervisor asserted, connected and delivered.
 */

#include <linux/eventfd.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/syscalls.h>
#include <kunit/test.h>

#include "mshv_test_user.h"

struct decode_case {
	const char *name;
	u32 address_lo, address_hi, data;
	bool valid;
	u32 vector;
	u64 dest;
	u64 control;
};

#define LEVEL	HV_INTERRUPT_CONTROL_LEVEL_TRIGGERED
#define LOGICAL	HV_INTERRUPT_CONTROL_LOGICAL_DEST

static const struct decode_case decode_cases[] = {
	{ "fixed, physical, edge", 0xfee03000, 0, 0x0031, true, 0x31, 3,
	  HV_X64_INTERRUPT_TYPE_FIXED },
	{ "lowest priority, logical", 0xfee0f004, 0, 0x0141, true, 0x41, 0xf,
	  HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY | LOGICAL },
	{ "level triggered", 0xfee01000, 0, 0xc052, true, 0x52, 1,
	  HV_X64_INTERRUPT_TYPE_FIXED | LEVEL },
	{ "smi", 0xfee00000, 0, 0x0200, true, 0, 0, HV_X64_INTERRUPT_TYPE_SMI },
	{ "nmi", 0xfee02000, 0, 0x0400, true, 0, 2, HV_X64_INTERRUPT_TYPE_NMI },
	{ "init", 0xfee00000, 0, 0x0500, true, 0, 0, HV_X64_INTERRUPT_TYPE_INIT },
	{ "extint", 0xfee00000, 0, 0x0700, true, 0, 0, HV_X64_INTERRUPT_TYPE_EXTINT },
	{ "high address ignored", 0xfee05000, 0x00012300, 0x0060, true,
	  0x60, 0x05, HV_X64_INTERRUPT_TYPE_FIXED },
	{ "not the MSI window", 0xfed00000, 0, 0x0030, false },
	{ "zero address (masked)", 0, 0, 0, false },
	{ "reserved delivery mode 3", 0xfee00000, 0, 0x0330, false },
	{ "reserved delivery mode 6", 0xfee00000, 0, 0x0630, false },
};

KUNIT_ARRAY_PARAM_DESC(decode, decode_cases, name);

static void msi_decode(struct kunit *test)
{
	const struct decode_case *c = test->param_value;
	struct mshv_msi_route route;

	mshv_msi_decode(c->address_lo, c->address_hi, c->data, &route);
	KUNIT_ASSERT_EQ(test, route.valid, c->valid);
	if (!c->valid)
		return;
	KUNIT_EXPECT_EQ(test, route.vector, c->vector);
	KUNIT_EXPECT_EQ(test, route.dest, c->dest);
	KUNIT_EXPECT_EQ(test, route.control, c->control);
}

static struct mshv_partition *partition_of(struct kunit *test, int fd)
{
	struct file *file = fget(fd);
	struct mshv_partition *pt;

	KUNIT_ASSERT_NOT_NULL(test, file);
	pt = file->private_data;
	fput(file);
	return pt;
}

/* A route for @gsi: fixed, physical, to APIC @dest, @level or edge. */
static struct mshv_user_irq_entry route(u32 gsi, u32 vector, u32 dest,
					bool level)
{
	return (struct mshv_user_irq_entry){
		.gsi = gsi,
		.address_lo = 0xfee00000 | dest << 12,
		.data = vector | (level ? 0xc000 : 0),
	};
}

/* A routing table in user memory. */
static void __user *routing_table(struct kunit *test,
				  const struct mshv_user_irq_entry *entries,
				  u32 nr)
{
	size_t size = sizeof(struct mshv_user_irq_table) + nr * sizeof(*entries);
	unsigned long buf = mshv_test_mmap(test, PAGE_ALIGN(size));
	struct mshv_user_irq_table table = { .nr = nr };

	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)buf, &table,
					   sizeof(table)), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)buf + sizeof(table),
					   entries, nr * sizeof(*entries)), 0);
	return (void __user *)buf;
}

static long set_routing(struct kunit *test, int fd,
			const struct mshv_user_irq_entry *entries, u32 nr)
{
	return mshv_test_ioctl(fd, MSHV_SET_MSI_ROUTING,
			       routing_table(test, entries, nr));
}

/* A table header in the last bytes before unmapped memory. */
static void __user *header_at_end(struct kunit *test,
				  const struct mshv_user_irq_table *table)
{
	unsigned long buf = mshv_test_mmap(test, 2 * PAGE_SIZE);
	unsigned long at = buf + PAGE_SIZE - sizeof(*table);

	KUNIT_ASSERT_EQ(test, vm_munmap(buf + PAGE_SIZE, PAGE_SIZE), 0);
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)at, table,
					   sizeof(*table)), 0);
	return (void __user *)at;
}

static void msi_routing_rejects_bad_input(struct kunit *test)
{
	struct mshv_user_irq_entry entries[2] = {
		route(1, 0x30, 0, false), route(1, 0x31, 0, false),
	};
	struct mshv_user_irq_table table = { .nr = MSHV_MAX_GSI_ROUTES + 1 };
	int fd;
	u64 id;

	fd = mshv_test_partition(test, &id);
	/* Too many entries: refused before reading any of them. */
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, MSHV_SET_MSI_ROUTING,
					      mshv_test_user_arg(test, &table,
								 sizeof(table))),
			-EINVAL);
	table.nr = 0;
	table.rsvd = 1;
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, MSHV_SET_MSI_ROUTING,
					      mshv_test_user_arg(test, &table,
								 sizeof(table))),
			-EINVAL);
	/* The header says 4 entries, at the end of the mapped memory. */
	table.nr = 4;
	table.rsvd = 0;
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, MSHV_SET_MSI_ROUTING,
					      header_at_end(test, &table)),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, set_routing(test, fd, entries, 2), -EINVAL);
	entries[1].gsi = MSHV_MAX_GSI_ROUTES;
	KUNIT_EXPECT_EQ(test, set_routing(test, fd, entries, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, MSHV_SET_MSI_ROUTING, NULL),
			-EFAULT);
	entries[1].gsi = MSHV_MAX_GSI_ROUTES - 1;
	KUNIT_EXPECT_EQ(test, set_routing(test, fd, entries, 2), 0);
	KUNIT_EXPECT_EQ(test, set_routing(test, fd, entries, 0), 0);
	mshv_test_close(fd);
}

static void signal_eventfd(struct kunit *test, int fd)
{
	struct eventfd_ctx *ctx = eventfd_ctx_fdget(fd);

	KUNIT_ASSERT_FALSE(test, IS_ERR(ctx));
	eventfd_signal(ctx);
	eventfd_ctx_put(ctx);
}

static long irqfd(struct kunit *test, int pt_fd, int fd, int resamplefd,
		  u32 gsi, u32 flags)
{
	struct mshv_user_irqfd args = {
		.fd = fd,
		.resamplefd = resamplefd,
		.gsi = gsi,
		.flags = flags,
	};

	return mshv_test_ioctl(pt_fd, MSHV_IRQFD,
			       mshv_test_user_arg(test, &args, sizeof(args)));
}

static unsigned int last_irqs(struct kunit *test, u64 id,
			      struct mshv_fake_irq *irqs, unsigned int max)
{
	return mshv_fake_hv_irqs(mshv_test_fake(test), id, irqs, max);
}

/* A signalled irqfd asserts its route; deassigned, it asserts nothing. */
static void irqfd_asserts_route(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_user_irq_entry entries[] = {
		route(5, 0x45, 2, false),
		{ .gsi = 7, .address_lo = 0xfee0f004, .data = 0xc141 },
	};
	struct mshv_fake_irq irqs[4];
	int pt_fd, efd, efd2;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	efd = mshv_test_eventfd(test);
	efd2 = mshv_test_eventfd(test);
	KUNIT_ASSERT_EQ(test, set_routing(test, pt_fd, entries, 2), 0);

	KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd, 0, 5, 0), 0);
	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, efd, 0, 7, 0), -EBUSY);
	signal_eventfd(test, efd);
	KUNIT_ASSERT_EQ(test, last_irqs(test, id, irqs, 4), 1);
	KUNIT_EXPECT_EQ(test, irqs[0].vector, 0x45);
	KUNIT_EXPECT_EQ(test, irqs[0].dest, 2);
	KUNIT_EXPECT_EQ(test, irqs[0].type, HV_X64_INTERRUPT_TYPE_FIXED);
	KUNIT_EXPECT_FALSE(test, irqs[0].level);
	KUNIT_EXPECT_FALSE(test, irqs[0].logical);

	/* A signal before the irqfd existed is delivered on assignment. */
	signal_eventfd(test, efd2);
	KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd2, 0, 7, 0), 0);
	KUNIT_ASSERT_EQ(test, last_irqs(test, id, irqs, 4), 2);
	KUNIT_EXPECT_EQ(test, irqs[1].vector, 0x41);
	KUNIT_EXPECT_EQ(test, irqs[1].type, HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY);
	KUNIT_EXPECT_TRUE(test, irqs[1].level);
	KUNIT_EXPECT_TRUE(test, irqs[1].logical);

	/* A route that goes away takes the interrupt with it. */
	KUNIT_ASSERT_EQ(test, set_routing(test, pt_fd, entries, 1), 0);
	signal_eventfd(test, efd2);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_irqs(fake, id), 2);

	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, efd, 0, 5,
				    BIT(MSHV_IRQFD_BIT_DEASSIGN)), 0);
	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, efd, 0, 5,
				    BIT(MSHV_IRQFD_BIT_DEASSIGN)), -ENOENT);
	signal_eventfd(test, efd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_irqs(fake, id), 2);
	mshv_test_close(efd);
	mshv_test_close(efd2);
	/* Release with an irqfd still assigned leaves nothing behind. */
	mshv_test_close(pt_fd);
}

static void irqfd_rejects_bad_input(struct kunit *test)
{
	int pt_fd, efd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	efd = mshv_test_eventfd(test);
	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, efd, 0, 0, BIT(2)), -EINVAL);
	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, efd, 0, MSHV_MAX_GSI_ROUTES, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, -1, 0, 0, 0), -EBADF);
	/* Not an eventfd. */
	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, pt_fd, 0, 0, 0), -EINVAL);
	/* A resample fd without the flag, and the flag without an eventfd. */
	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, efd, efd, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, efd, pt_fd, 0,
				    BIT(MSHV_IRQFD_BIT_RESAMPLE)), -EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(pt_fd, MSHV_IRQFD, NULL), -EFAULT);
	mshv_test_close(efd);
	mshv_test_close(pt_fd);
}

/* A level-triggered irqfd's resample fd is signalled when the guest EOIs. */
static void irqfd_resample_on_eoi(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_user_irq_entry entries[] = {
		route(3, 0x53, 0, true), route(4, 0x54, 0, false),
	};
	int pt_fd, efd, rfd, efd_edge, rfd_edge;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	efd = mshv_test_eventfd(test);
	rfd = mshv_test_eventfd(test);
	efd_edge = mshv_test_eventfd(test);
	rfd_edge = mshv_test_eventfd(test);
	KUNIT_ASSERT_EQ(test, set_routing(test, pt_fd, entries, 2), 0);
	KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd, rfd, 3,
				    BIT(MSHV_IRQFD_BIT_RESAMPLE)), 0);
	KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd_edge, rfd_edge, 4,
				    BIT(MSHV_IRQFD_BIT_RESAMPLE)), 0);

	signal_eventfd(test, efd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_irqs(fake, id), 1);
	mshv_fake_hv_guest_eoi(fake, id, 0, 0x53);
	mshv_fake_hv_guest_eoi(fake, id, 0, 0x54);
	mshv_fake_hv_guest_eoi(fake, id, 0, 0x99);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, mshv_test_eventfd_count(test, rfd), 1);
	/* An edge-triggered route has nothing to resample. */
	KUNIT_EXPECT_EQ(test, mshv_test_eventfd_count(test, rfd_edge), 0);

	KUNIT_EXPECT_EQ(test, irqfd(test, pt_fd, efd, 0, 3,
				    BIT(MSHV_IRQFD_BIT_DEASSIGN)), 0);
	mshv_fake_hv_guest_eoi(fake, id, 0, 0x53);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, mshv_test_eventfd_count(test, rfd), 0);

	mshv_test_close(efd);
	mshv_test_close(rfd);
	mshv_test_close(efd_edge);
	mshv_test_close(rfd_edge);
	mshv_test_close(pt_fd);
}

static bool no_irqfds(struct mshv_partition *pt)
{
	bool empty;

	spin_lock_irq(&pt->irq_lock);
	empty = list_empty(&pt->irqfds);
	spin_unlock_irq(&pt->irq_lock);
	return empty;
}

/* Closing the eventfd removes its irqfd. */
static void irqfd_goes_with_its_eventfd(struct kunit *test)
{
	struct mshv_user_irq_entry entry = route(0, 0x30, 0, false);
	struct mshv_partition *pt;
	int pt_fd, efd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	pt = partition_of(test, pt_fd);
	KUNIT_ASSERT_EQ(test, set_routing(test, pt_fd, &entry, 1), 0);
	efd = mshv_test_eventfd(test);
	KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd, 0, 0, 0), 0);
	KUNIT_EXPECT_FALSE(test, no_irqfds(pt));
	mshv_test_close(efd);
	KUNIT_EXPECT_TRUE(test, no_irqfds(pt));
	mshv_test_close(pt_fd);
}

struct irqfd_churn {
	struct mshv_partition *pt;
	struct eventfd_ctx *ctx;
	unsigned int signals;
};

static int irqfd_signal_fn(void *data)
{
	struct irqfd_churn *c = data;

	while (!kthread_should_stop()) {
		eventfd_signal(c->ctx);
		c->signals++;
		cond_resched();
	}
	return 0;
}

/*
 * Assign and deassign race the eventfd's signals, from this thread and
 * another one, and the eventfd is closed with the irqfd assigned: no
 * splat, no irqfd left behind, and every assert goes to the route.
 */
static void irqfd_assign_races_signals(struct kunit *test)
{
	struct mshv_user_irq_entry entry = route(2, 0x72, 0, false);
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct irqfd_churn c = {};
	struct mshv_fake_irq irqs[8];
	struct task_struct *task;
	unsigned int i, n;
	int pt_fd, efd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	c.pt = partition_of(test, pt_fd);
	KUNIT_ASSERT_EQ(test, set_routing(test, pt_fd, &entry, 1), 0);
	efd = mshv_test_eventfd(test);
	c.ctx = eventfd_ctx_fdget(efd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c.ctx));
	task = kthread_run(irqfd_signal_fn, &c, "mshv-irqfd-churn");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	for (i = 0; i < 300; i++) {
		KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd, 0, 2, 0), 0);
		KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd, 0, 2,
					    BIT(MSHV_IRQFD_BIT_DEASSIGN)), 0);
	}
	KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd, 0, 2, 0), 0);
	kthread_stop(task);
	eventfd_ctx_put(c.ctx);
	KUNIT_EXPECT_GT(test, c.signals, 0);

	n = mshv_fake_hv_irqs(fake, id, irqs, ARRAY_SIZE(irqs));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ(test, irqs[i].vector, 0x72);
	/* Closed while assigned: the irqfd goes with it. */
	mshv_test_close(efd);
	KUNIT_EXPECT_TRUE(test, no_irqfds(c.pt));
	mshv_test_close(pt_fd);
}

struct signaller {
	struct eventfd_ctx *ctx;
	unsigned int count;
	struct completion done;
};

static int signal_fn(void *data)
{
	struct signaller *s = data;
	unsigned int i;

	for (i = 0; i < s->count; i++) {
		eventfd_signal(s->ctx);
		cond_resched();
	}
	complete(&s->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/*
 * Routes replaced while an irqfd fires: every interrupt asserted is one
 * of the two routes, never a mix.
 */
static void msi_routing_replaced_atomically(struct kunit *test)
{
	struct mshv_user_irq_entry a = route(9, 0x61, 1, false);
	struct mshv_user_irq_entry b = route(9, 0x62, 2, true);
	struct mshv_fake_irq irqs[64];
	struct signaller s = { .count = 2000 };
	struct task_struct *task;
	void __user *ua, *ub;
	unsigned int i, n;
	int pt_fd, efd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	efd = mshv_test_eventfd(test);
	ua = routing_table(test, &a, 1);
	ub = routing_table(test, &b, 1);
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(pt_fd, MSHV_SET_MSI_ROUTING, ua), 0);
	KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd, 0, 9, 0), 0);
	s.ctx = eventfd_ctx_fdget(efd);
	KUNIT_ASSERT_FALSE(test, IS_ERR(s.ctx));
	init_completion(&s.done);
	task = kthread_run(signal_fn, &s, "mshv-irq-signal");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	for (i = 0; !completion_done(&s.done) && i < 100000; i++)
		KUNIT_ASSERT_EQ(test, mshv_test_ioctl(pt_fd, MSHV_SET_MSI_ROUTING,
						      i & 1 ? ub : ua), 0);
	wait_for_completion(&s.done);
	kthread_stop(task);
	eventfd_ctx_put(s.ctx);

	n = last_irqs(test, id, irqs, ARRAY_SIZE(irqs));
	KUNIT_EXPECT_GT(test, n, 0);
	for (i = 0; i < n; i++) {
		if (irqs[i].vector == 0x61) {
			KUNIT_EXPECT_EQ(test, irqs[i].dest, 1);
			KUNIT_EXPECT_FALSE(test, irqs[i].level);
		} else {
			KUNIT_EXPECT_EQ(test, irqs[i].vector, 0x62);
			KUNIT_EXPECT_EQ(test, irqs[i].dest, 2);
			KUNIT_EXPECT_TRUE(test, irqs[i].level);
		}
	}
	mshv_test_close(efd);
	mshv_test_close(pt_fd);
}

static long ioeventfd(struct kunit *test, int pt_fd, int fd, u64 addr,
		      u32 len, u64 datamatch, u32 flags)
{
	struct mshv_user_ioeventfd args = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = flags,
	};

	return mshv_test_ioctl(pt_fd, MSHV_IOEVENTFD,
			       mshv_test_user_arg(test, &args, sizeof(args)));
}

#define DATAMATCH	BIT(MSHV_IOEVENTFD_BIT_DATAMATCH)
#define DEASSIGN	BIT(MSHV_IOEVENTFD_BIT_DEASSIGN)

/* Guest writes that match an ioeventfd signal it, and only those. */
static void ioeventfd_signalled_by_guest_writes(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_connection conn;
	int pt_fd, any, match;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	any = mshv_test_eventfd(test);
	match = mshv_test_eventfd(test);
	KUNIT_ASSERT_EQ(test, ioeventfd(test, pt_fd, any, 0xd0000000, 4, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, ioeventfd(test, pt_fd, match, 0xd0001000, 2, 0x7,
					DATAMATCH), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_ports(fake), 2);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_connections(fake, id), 2);
	KUNIT_ASSERT_TRUE(test, mshv_fake_hv_connection(fake, id, 0xd0001000, &conn));
	KUNIT_EXPECT_EQ(test, conn.trigger_value, 0x7);
	KUNIT_EXPECT_EQ(test, conn.flags, HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD);
	KUNIT_ASSERT_TRUE(test, mshv_fake_hv_connection(fake, id, 0xd0000000, &conn));
	KUNIT_EXPECT_EQ(test, conn.flags, HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD |
			HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE);

	KUNIT_EXPECT_EQ(test, mshv_fake_hv_guest_write(fake, id, 0xd0000000, 4, 1), 1);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_guest_write(fake, id, 0xd0000000, 4, 2), 1);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_guest_write(fake, id, 0xd0000000, 2, 2), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_guest_write(fake, id, 0xd0001000, 2, 6), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_guest_write(fake, id, 0xd0001000, 2, 7), 1);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, mshv_test_eventfd_count(test, any), 2);
	KUNIT_EXPECT_EQ(test, mshv_test_eventfd_count(test, match), 1);

	KUNIT_EXPECT_EQ(test, ioeventfd(test, pt_fd, match, 0xd0001000, 2, 0x7,
					DATAMATCH | DEASSIGN), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_ports(fake), 1);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_guest_write(fake, id, 0xd0001000, 2, 7), 0);
	mshv_test_close(any);
	mshv_test_close(match);
	/* Release removes the last doorbell. */
	mshv_test_close(pt_fd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_ports(fake), 0);
	KUNIT_EXPECT_EQ(test, fake->leaked_doorbells, 0);
}

struct ioeventfd_case {
	const char *name;
	u64 addr;
	u32 len;
	u64 datamatch;
	u32 flags;
	int ret;
};

static const struct ioeventfd_case ioeventfd_cases[] = {
	{ "port I/O", 0x3f8, 1, 0, BIT(MSHV_IOEVENTFD_BIT_PIO), -EOPNOTSUPP },
	{ "unknown flag", 0x1000, 4, 0, BIT(3), -EINVAL },
	{ "length 3", 0x1000, 3, 0, 0, -EINVAL },
	{ "length 16", 0x1000, 16, 0, 0, -EINVAL },
	{ "datamatch on any length", 0x1000, 0, 1, DATAMATCH, -EINVAL },
	{ "range wraps", ~0ULL - 2, 8, 0, 0, -EINVAL },
	{ "same address, any value", 0xe0000000, 4, 0, 0, -EEXIST },
	{ "same address, any length", 0xe0000000, 0, 0, 0, -EEXIST },
	{ "same address, the value matched", 0xe0000000, 4, 5, DATAMATCH, -EEXIST },
	{ "same address, another length", 0xe0000000, 2, 0, 0, 0 },
	{ "next address", 0xe0000004, 4, 0, 0, 0 },
	{ "deassign of nothing", 0xe0000008, 4, 0, DEASSIGN, -ENOENT },
};

KUNIT_ARRAY_PARAM_DESC(ioeventfd, ioeventfd_cases, name);

static void ioeventfd_checks_input(struct kunit *test)
{
	const struct ioeventfd_case *c = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int ports;
	struct mshv_user_ioeventfd args = { .len = 4, .fd = -1 };
	int pt_fd, efd, other;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	efd = mshv_test_eventfd(test);
	other = mshv_test_eventfd(test);
	/* An existing registration: 4 bytes of value 5 at 0xe0000000. */
	KUNIT_ASSERT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 4, 5,
					DATAMATCH), 0);
	ports = mshv_fake_hv_nr_ports(fake);
	KUNIT_EXPECT_EQ(test, ioeventfd(test, pt_fd, other, c->addr, c->len,
					c->datamatch, c->flags), c->ret);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_ports(fake), ports + !c->ret);

	args.rsvd[3] = 1;
	args.fd = other;
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(pt_fd, MSHV_IOEVENTFD,
					      mshv_test_user_arg(test, &args,
								 sizeof(args))),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, ioeventfd(test, pt_fd, -1, 0x5000, 4, 0, 0), -EBADF);
	KUNIT_EXPECT_EQ(test, ioeventfd(test, pt_fd, pt_fd, 0x5000, 4, 0, 0),
			-EINVAL);
	mshv_test_close(efd);
	mshv_test_close(other);
	mshv_test_close(pt_fd);
}

/* Deassign removes exactly the registration it names. */
static void ioeventfd_deassign_removes_one(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	int pt_fd, efd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	efd = mshv_test_eventfd(test);
	KUNIT_ASSERT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 4, 1,
					DATAMATCH), 0);
	KUNIT_ASSERT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 4, 2,
					DATAMATCH), 0);
	KUNIT_ASSERT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 2, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 4, 3,
					DATAMATCH | DEASSIGN), -ENOENT);
	KUNIT_EXPECT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 4, 0,
					DEASSIGN), -ENOENT);
	KUNIT_EXPECT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 4, 2,
					DATAMATCH | DEASSIGN), 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_ports(fake), 2);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_guest_write(fake, id, 0xe0000000, 4, 1), 1);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_guest_write(fake, id, 0xe0000000, 4, 2), 0);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, mshv_test_eventfd_count(test, efd), 1);
	mshv_test_close(efd);
	mshv_test_close(pt_fd);
}

/* Each doorbell hypercall failing: an errno, no port or connection left. */
static void ioeventfd_fails_at_every_call(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int n;
	int pt_fd, efd;
	long ret;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	efd = mshv_test_eventfd(test);
	for (n = 1; ; n++) {
		fake->fail_at_call = fake->nr_calls + n;
		fake->fail_status = HV_STATUS_INVALID_PARAMETER;
		ret = ioeventfd(test, pt_fd, efd, 0xe0000000, 4, 0, 0);
		fake->fail_at_call = 0;
		if (!ret)
			break;
		KUNIT_EXPECT_EQ(test, ret, -EINVAL);
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_ports(fake), 0);
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_connections(fake, id), 0);
		KUNIT_ASSERT_LT(test, n, 10);
	}
	/* Create the port, connect it. */
	KUNIT_EXPECT_EQ(test, n, 3);
	mshv_test_close(efd);
	mshv_test_close(pt_fd);
}

/* Doorbells rung faster than the handler drains the ring are not lost. */
static void doorbell_ring_full(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int i, rung = 0, rings = HV_SYNIC_EVENT_RING_MESSAGE_COUNT + 8;
	int pt_fd, efd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	efd = mshv_test_eventfd(test);
	KUNIT_ASSERT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 4, 0, 0), 0);
	mshv_fake_hv_hold_delivery(fake, true);
	/* The same CPU's ring must fill: no migration meanwhile. */
	migrate_disable();
	for (i = 0; i < rings; i++)
		rung += mshv_fake_hv_guest_write(fake, id, 0xe0000000, 4, i);
	migrate_enable();
	mshv_fake_hv_hold_delivery(fake, false);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, rung, rings);
	KUNIT_EXPECT_EQ(test, mshv_test_eventfd_count(test, efd), rings);
	KUNIT_EXPECT_GE(test, fake->ring_empty_notifications, 1);
	mshv_test_close(efd);
	mshv_test_close(pt_fd);
}

/* Doorbell events for ports the driver does not know are ignored. */
static void doorbell_unknown_port_ignored(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned long dropped = mshv_messages_dropped_count();
	struct hv_message msg = {};
	struct hv_notification_message_payload *note = (void *)msg.u.payload;

	/* A SINT that is not the doorbell's. */
	msg.header.message_type = HVMSG_SYNIC_SINT_INTERCEPT;
	note->sint_index = 3;
	mshv_fake_hv_post_message(fake, &msg);
	/* The doorbell SINT with an empty ring. */
	note->sint_index = HV_SYNIC_DOORBELL_SINT_INDEX;
	mshv_fake_hv_post_message(fake, &msg);
	/* An EOI for a partition that does not exist. */
	memset(&msg, 0, sizeof(msg));
	msg.header.message_type = HVMSG_X64_APIC_EOI;
	msg.header.sender = 12345;
	mshv_fake_hv_post_message(fake, &msg);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, mshv_messages_dropped_count() - dropped, 2);
}

struct ringer {
	struct mshv_fake_hv *fake;
	u64 id;
	unsigned int rung;
	struct completion done;
};

static int ring_fn(void *data)
{
	struct ringer *r = data;

	while (!kthread_should_stop()) {
		r->rung += mshv_fake_hv_guest_write(r->fake, r->id, 0xe0000000,
						    4, 1);
		cond_resched();
	}
	return 0;
}

/*
 * Doorbells removed and added while the guest rings them: lookups never
 * meet a freed port, and every event goes to a registered eventfd or none.
 */
static void doorbell_removal_races_events(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct ringer r = { .fake = fake };
	struct task_struct *task;
	unsigned int i;
	int pt_fd, efd;
	u64 signalled;

	pt_fd = mshv_test_partition(test, &r.id);
	efd = mshv_test_eventfd(test);
	task = kthread_run(ring_fn, &r, "mshv-doorbell-ring");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	for (i = 0; i < 200; i++) {
		KUNIT_ASSERT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 4,
						0, 0), 0);
		KUNIT_ASSERT_EQ(test, ioeventfd(test, pt_fd, efd, 0xe0000000, 4,
						0, DEASSIGN), 0);
	}
	kthread_stop(task);
	mshv_fake_hv_flush_messages(fake);
	signalled = mshv_test_eventfd_count(test, efd);
	KUNIT_EXPECT_LE(test, signalled, r.rung);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_ports(fake), 0);
	mshv_test_close(efd);
	mshv_test_close(pt_fd);
}

/* Every online CPU's SynIC is set up the way the driver needs it. */
static void synic_set_up_on_every_cpu(struct kunit *test)
{
	unsigned int cpu;

	union hv_synic_sint sint;

	KUNIT_EXPECT_TRUE(test, mshv_synic_up);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_TRUE_MSG(test, mshv_fake_hv_synic_ready(cpu),
				      "CPU %u", cpu);
		sint.as_uint64 = mshv_fake_hv_synic_reg(cpu, HV_MSR_SINT0 +
							HV_SYNIC_INTERCEPTION_SINT_INDEX);
		KUNIT_EXPECT_EQ(test, (u32)sint.vector, HYPERVISOR_CALLBACK_VECTOR);
		KUNIT_EXPECT_FALSE(test, (bool)sint.masked);
		sint.as_uint64 = mshv_fake_hv_synic_reg(cpu, HV_MSR_SINT0 +
							HV_SYNIC_DOORBELL_SINT_INDEX);
		KUNIT_EXPECT_EQ(test, (u32)sint.vector, HYPERVISOR_CALLBACK_VECTOR);
		KUNIT_EXPECT_TRUE(test, sint.as_uint64 & HV_SYNIC_SINT_AS_INTERCEPT);
	}
}

/*
 * Messages queued behind one another: each is taken from the slot, and
 * the hypervisor is told (end of message) when more are waiting.
 */
static void synic_messages_queue_up(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned long dropped = mshv_messages_dropped_count();
	struct hv_message msg = {};
	unsigned int delivered = fake->messages_delivered;
	unsigned int eoms = fake->eoms;
	int i;

	/* Opaque intercepts for a partition that does not exist. */
	msg.header.message_type = HVMSG_OPAQUE_INTERCEPT;
	msg.header.sender = 98765;
	mshv_fake_hv_hold_delivery(fake, true);
	migrate_disable();
	for (i = 0; i < 3; i++)
		mshv_fake_hv_post_message(fake, &msg);
	migrate_enable();
	mshv_fake_hv_hold_delivery(fake, false);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, fake->messages_delivered - delivered, 3);
	KUNIT_EXPECT_EQ(test, mshv_messages_dropped_count() - dropped, 3);
	/* The first two said more was pending; the last did not. */
	KUNIT_EXPECT_EQ(test, fake->eoms - eoms, 2);
}

/* The vectors posted in a VP's register page, as the hypervisor sees them. */
static u64 posted_vectors(struct kunit *test, u64 id)
{
	struct mshv_fake_vp vp;
	u64 word;
	u8 *page;

	KUNIT_ASSERT_TRUE(test, mshv_fake_hv_vp_snapshot(mshv_test_fake(test),
							 id, 0, &vp));
	page = kmap_local_page(pfn_to_page(vp.state_pfn[HV_VP_STATE_PAGE_REGISTERS]));
	word = READ_ONCE(*(u64 *)(page + HV_VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET));
	kunmap_local(page);
	return word;
}

static void restore_fast_interrupts(void *was)
{
	WRITE_ONCE(mshv_fast_interrupts, (unsigned long)was);
}

/* Use the fast path, or not, for the rest of the test. */
static void use_fast_interrupts(struct kunit *test, bool fast)
{
	unsigned long was = READ_ONCE(mshv_fast_interrupts);

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							restore_fast_interrupts,
							(void *)was), 0);
	WRITE_ONCE(mshv_fast_interrupts, fast);
}

/*
 * A fixed, edge-triggered interrupt for a VP the driver dispatches is
 * posted in the VP's register page, with no hypercall, and injected by the
 * next dispatch.
 */
static void irqfd_fast_path_posts_vector(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_user_irq_entry entry = route(1, 0x33, 0, false);
	struct mshv_fake_exit exit = { .kind = MSHV_FAKE_EXIT_INTERCEPT };
	struct mshv_fake_irq irqs[2];
	unsigned long ubuf;
	int pt_fd, vp_fd, efd;
	unsigned int asserts;
	u64 id;

	if (mshv_scheduler != MSHV_SCHED_ROOT)
		kunit_skip(test, "needs the root scheduler");
	use_fast_interrupts(test, true);
	pt_fd = mshv_test_partition(test, &id);
	vp_fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, vp_fd, 0);
	efd = mshv_test_eventfd(test);
	KUNIT_ASSERT_EQ(test, set_routing(test, pt_fd, &entry, 1), 0);
	KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd, 0, 1, 0), 0);

	asserts = mshv_fake_hv_count_calls(fake, HVCALL_ASSERT_VIRTUAL_INTERRUPT);
	signal_eventfd(test, efd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake,
						       HVCALL_ASSERT_VIRTUAL_INTERRUPT),
			asserts);
	KUNIT_EXPECT_EQ(test, posted_vectors(test, id), 0x3301);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_irqs(fake, id), 0);

	/* The next dispatch injects it. */
	exit.msg.header.message_type = HVMSG_X64_IOPORT_INTERCEPT;
	KUNIT_ASSERT_EQ(test, mshv_fake_hv_script_vp(fake, id, 0, &exit), 0);
	ubuf = mshv_test_mmap(test, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(vp_fd, MSHV_RUN_VP,
					      (void __user *)ubuf), 0);
	KUNIT_EXPECT_EQ(test, posted_vectors(test, id), 0);
	KUNIT_ASSERT_EQ(test, mshv_fake_hv_irqs(fake, id, irqs, 2), 1);
	KUNIT_EXPECT_EQ(test, irqs[0].vector, 0x33);
	KUNIT_EXPECT_EQ(test, irqs[0].dest, 0);

	mshv_test_close(efd);
	mshv_test_close(vp_fd);
	mshv_test_close(pt_fd);
}

struct fast_case {
	const char *name;
	struct mshv_user_irq_entry entry;
	bool fast;
	unsigned int prepost;
	bool dispatched;
};

static const struct fast_case fast_cases[] = {
	{ "fast path off", { 1, 0xfee00000, 0, 0x0040 }, false },
	{ "level triggered", { 1, 0xfee00000, 0, 0xc040 }, true },
	{ "logical destination", { 1, 0xfee00004, 0, 0x0040 }, true },
	{ "lowest priority", { 1, 0xfee00000, 0, 0x0140 }, true },
	{ "no such VP", { 1, 0xfee05000, 0, 0x0040 }, true },
	{ "no room left", { 1, 0xfee00000, 0, 0x0040 }, true,
	  HV_VP_REGISTER_PAGE_MAX_VECTORS },
	{ "VP being dispatched", { 1, 0xfee00000, 0, 0x0040 }, true, 0, true },
};

KUNIT_ARRAY_PARAM_DESC(fast, fast_cases, name);

/* Where the register page cannot carry it, the interrupt is asserted. */
static void irqfd_fast_path_falls_back(struct kunit *test)
{
	const struct fast_case *c = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_partition *pt;
	struct mshv_vp *vp;
	int pt_fd, vp_fd, efd;
	unsigned int asserts, i;
	u64 id, before;

	if (mshv_scheduler != MSHV_SCHED_ROOT)
		kunit_skip(test, "needs the root scheduler");
	use_fast_interrupts(test, c->fast);
	pt_fd = mshv_test_partition(test, &id);
	vp_fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, vp_fd, 0);
	pt = partition_of(test, pt_fd);
	vp = rcu_access_pointer(pt->vps[0]);
	efd = mshv_test_eventfd(test);
	KUNIT_ASSERT_EQ(test, set_routing(test, pt_fd, &c->entry, 1), 0);
	KUNIT_ASSERT_EQ(test, irqfd(test, pt_fd, efd, 0, 1, 0), 0);
	for (i = 0; i < c->prepost; i++)
		KUNIT_ASSERT_TRUE(test, mshv_vp_post_interrupt(vp, 0x50 + i));
	before = posted_vectors(test, id);
	WRITE_ONCE(vp->run.dispatched, c->dispatched);

	asserts = mshv_fake_hv_count_calls(fake, HVCALL_ASSERT_VIRTUAL_INTERRUPT);
	signal_eventfd(test, efd);
	WRITE_ONCE(vp->run.dispatched, false);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake,
						       HVCALL_ASSERT_VIRTUAL_INTERRUPT),
			asserts + 1);
	/* Nothing was left posted, or taken back. */
	KUNIT_EXPECT_EQ(test, posted_vectors(test, id), before);

	mshv_test_close(efd);
	mshv_test_close(vp_fd);
	mshv_test_close(pt_fd);
}

static struct kunit_case mshv_irq_test_cases[] = {
	KUNIT_CASE(synic_set_up_on_every_cpu),
	KUNIT_CASE(synic_messages_queue_up),
	KUNIT_CASE_PARAM(msi_decode, decode_gen_params),
	KUNIT_CASE(msi_routing_rejects_bad_input),
	KUNIT_CASE(msi_routing_replaced_atomically),
	KUNIT_CASE(irqfd_asserts_route),
	KUNIT_CASE(irqfd_rejects_bad_input),
	KUNIT_CASE(irqfd_resample_on_eoi),
	KUNIT_CASE(irqfd_goes_with_its_eventfd),
	KUNIT_CASE(irqfd_assign_races_signals),
	KUNIT_CASE(ioeventfd_signalled_by_guest_writes),
	KUNIT_CASE_PARAM(ioeventfd_checks_input, ioeventfd_gen_params),
	KUNIT_CASE(ioeventfd_deassign_removes_one),
	KUNIT_CASE(ioeventfd_fails_at_every_call),
	KUNIT_CASE(doorbell_ring_full),
	KUNIT_CASE(doorbell_unknown_port_ignored),
	KUNIT_CASE(doorbell_removal_races_events),
	KUNIT_CASE(irqfd_fast_path_posts_vector),
	KUNIT_CASE_PARAM(irqfd_fast_path_falls_back, fast_gen_params),
	{}
};

static int irq_test_init(struct kunit *test)
{
	if (!mshv_test_synic_ready())
		kunit_skip(test, "needs the fake backend's SynIC (CONFIG_MSHV_ROOT_FAKE_HV)");
	return mshv_test_init(test);
}

static struct kunit_suite mshv_irq_suite = {
	.name = "mshv_irq",
	.init = irq_test_init,
	.exit = mshv_test_exit,
	.test_cases = mshv_irq_test_cases,
};

kunit_test_suite(mshv_irq_suite);
