// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the hypervisor tells the root about its guests' VPs, and how the
 * driver finds the VP a message is about.
 *
 * Each CPU's SynIC is set up when the CPU comes online: the message page,
 * the event flags page and the event ring page the hypervisor supplies
 * are mapped and enabled, SINT 0 takes intercepts and scheduler messages
 * and SINT 5 (as an intercept SINT) doorbell events, both on the Hyper-V
 * callback vector.  In 6.12 that vector has one handler, VMBus's, which a
 * non-nested root partition does not use: the driver takes it there.
 *
 * Messages arrive at interrupt time on the intercept SINT: an opaque
 * intercept message (the VP stopped; the message itself is in the VP's
 * intercept message page) or a scheduler message (these VPs have work:
 * dispatch them again).  The handler trusts nothing in a message: every
 * partition id is looked up, every VP index is bounds-checked before use,
 * and what it does not know it counts and drops.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/cpuhotplug.h>
#include <linux/io.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/reboot.h>
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>
#include <asm/mshyperv.h>

#include "mshv_root.h"

/* Partitions by hypervisor id, for the message handler (RCU readers). */
static DEFINE_XARRAY(mshv_partitions);

/* Messages dropped: unknown type, partition or VP. */
static atomic_long_t mshv_messages_dropped = ATOMIC_LONG_INIT(0);

/**
 * mshv_partition_publish() - let the message handler find a partition
 * @pt: the partition, with its id
 *
 * Context: Process context; may sleep.
 * Return: 0, -EBUSY if the id is already known, or -ENOMEM.
 */
int mshv_partition_publish(struct mshv_partition *pt)
{
	return xa_insert(&mshv_partitions, pt->id, pt, GFP_KERNEL_ACCOUNT);
}

/**
 * mshv_partition_unpublish() - hide a partition from the message handler
 * @pt: the partition
 *
 * Returns only once no handler still uses the partition or its VPs.
 *
 * Context: Process context; may sleep.
 */
void mshv_partition_unpublish(struct mshv_partition *pt)
{
	if (xa_erase(&mshv_partitions, pt->id) == pt)
		synchronize_rcu();
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * mshv_messages_dropped_count() - messages the handler could not use
 *
 * Context: Any context.
 * Return: The number of messages dropped since boot.
 */
unsigned long mshv_messages_dropped_count(void)
{
	return atomic_long_read(&mshv_messages_dropped);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_messages_dropped_count);
#endif

/* Kick VP @index of partition @id; false if there is no such VP. */
static bool mshv_kick(u64 id, u32 index)
{
	struct mshv_partition *pt;
	struct mshv_vp *vp;

	if (index >= MSHV_MAX_VPS)
		return false;
	index = array_index_nospec(index, MSHV_MAX_VPS);

	pt = xa_load(&mshv_partitions, id);
	if (!pt)
		return false;
	vp = rcu_dereference(pt->vps[index]);
	if (!vp)
		return false;
	mshv_vp_kick(vp);
	return true;
}

static bool mshv_handle_opaque_intercept(const struct hv_message *msg)
{
	const struct hv_opaque_intercept_message *intercept =
		(const void *)msg->u.payload;

	return mshv_kick(msg->header.sender, intercept->vp_index);
}

static bool mshv_handle_signal_pairs(const struct hv_message *msg)
{
	const struct hv_vp_signal_pair_scheduler_message *pairs =
		(const void *)msg->u.payload;
	unsigned int i, count = pairs->vp_count;
	bool all = true;

	if (count > HV_SCHEDULER_MESSAGE_MAX_PAIRS)
		return false;
	for (i = 0; i < count; i++)
		all &= mshv_kick(pairs->partition_ids[i], pairs->vp_indexes[i]);
	return all;
}

static bool mshv_handle_signal_bitset(const struct hv_message *msg)
{
	const struct hv_vp_signal_bitset_scheduler_message *set =
		(const void *)msg->u.payload;
	unsigned long banks = set->valid_bank_mask;
	unsigned int bank, used = 0;
	bool all = true;

	/* Sparse format: one bank of 64 VPs for each bit of the mask. */
	if (set->format != HV_GENERIC_SET_SPARSE_4K ||
	    hweight64(set->valid_bank_mask) > HV_VP_SET_BANK_COUNT)
		return false;
	for_each_set_bit(bank, &banks, BITS_PER_LONG) {
		unsigned long vps = set->bank_contents[used++];
		unsigned int bit;

		for_each_set_bit(bit, &vps, BITS_PER_LONG)
			all &= mshv_kick(set->partition_id, bank * 64 + bit);
	}
	return all;
}

static bool mshv_handle_sint_intercept(const struct hv_message *msg)
{
	const struct hv_notification_message_payload *note =
		(const void *)msg->u.payload;

	return mshv_doorbell_events(note->sint_index);
}

static bool mshv_handle_eoi(const struct hv_message *msg)
{
	const struct hv_x64_apic_eoi_message *eoi = (const void *)msg->u.payload;
	struct mshv_partition *pt = xa_load(&mshv_partitions, msg->header.sender);

	return pt && mshv_irqfd_eoi(pt, eoi->interrupt_vector);
}

/**
 * mshv_handle_message() - act on a message from the hypervisor
 * @msg: the message, as read from the intercept SINT's message slot
 *
 * Wakes the VPs the message is about, runs the doorbells queued on the
 * event ring it announces, or resamples the irqfds of the interrupt the
 * guest acknowledged.  A message for a partition or VP that does not
 * exist (any more) is dropped and counted: a VP may go away while a
 * message about it is in flight.
 *
 * Context: Interrupt context, or any context with interrupts disabled.
 */
void mshv_handle_message(const struct hv_message *msg)
{
	bool handled;

	rcu_read_lock();
	switch (msg->header.message_type) {
	case HVMSG_OPAQUE_INTERCEPT:
		handled = mshv_handle_opaque_intercept(msg);
		break;
	case HVMSG_SCHEDULER_VP_SIGNAL_PAIR:
		handled = mshv_handle_signal_pairs(msg);
		break;
	case HVMSG_SCHEDULER_VP_SIGNAL_BITSET:
		handled = mshv_handle_signal_bitset(msg);
		break;
	case HVMSG_SYNIC_SINT_INTERCEPT:
		handled = mshv_handle_sint_intercept(msg);
		break;
	case HVMSG_X64_APIC_EOI:
		handled = mshv_handle_eoi(msg);
		break;
	default:
		handled = false;
		break;
	}
	rcu_read_unlock();

	if (!handled) {
		atomic_long_inc(&mshv_messages_dropped);
		pr_debug("dropped message type %#x\n", msg->header.message_type);
	}
}
EXPORT_SYMBOL_IF_KUNIT(mshv_handle_message);

/**
 * struct mshv_synic_pages - a CPU's SynIC pages, as the driver mapped them
 * @messages: one message slot per SINT
 * @event_flags: one event flag bitmap per SINT (enabled, not used)
 * @event_rings: one ring of port ids per SINT
 */
struct mshv_synic_pages {
	struct hv_message_page *messages;
	void *event_flags;
	struct hv_synic_event_ring_page *event_rings;
};

static DEFINE_PER_CPU(struct mshv_synic_pages, mshv_synic_pages);
static int mshv_synic_cpuhp_state = -1;
static bool mshv_synic_own_vector;

/* Messages reach mshv_isr(): VPs can run. */
bool mshv_synic_up;
EXPORT_SYMBOL_IF_KUNIT(mshv_synic_up);

/**
 * mshv_synic_event_rings() - this CPU's SynIC event ring page
 *
 * Context: Interrupt context, or preemption disabled.
 * Return: The page, or NULL before this CPU's SynIC is set up.
 */
struct hv_synic_event_ring_page *mshv_synic_event_rings(void)
{
	return this_cpu_ptr(&mshv_synic_pages)->event_rings;
}

/**
 * mshv_isr() - the SynIC interrupt: handle this CPU's intercept SINT slot
 *
 * The slot is freed for the next message once handled; if the hypervisor
 * has more, it is told so with an end-of-message.
 *
 * Context: Hard interrupt context.
 */
void mshv_isr(void)
{
	struct mshv_synic_pages *pages = this_cpu_ptr(&mshv_synic_pages);
	struct hv_message *msg;

	if (!pages->messages)
		return;
	msg = &pages->messages->sint_message[HV_SYNIC_INTERCEPTION_SINT_INDEX];
	if (READ_ONCE(msg->header.message_type) == HVMSG_NONE)
		return;

	mshv_handle_message(msg);

	WRITE_ONCE(msg->header.message_type, HVMSG_NONE);
	/* The slot is free before the hypervisor may write the next one. */
	mb();
	if (msg->header.message_flags.msg_pending)
		READ_ONCE(mshv_transport)->synic_write(HV_MSR_EOM, 0);
	add_interrupt_randomness(HYPERVISOR_CALLBACK_VECTOR);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_isr);

/*
 * Map the page a SynIC page register names and enable it.  The pages are
 * the hypervisor's (overlay pages in the root's address space).
 */
static void *mshv_synic_map(unsigned int reg)
{
	const struct mshv_transport *t = READ_ONCE(mshv_transport);
	union hv_synic_simp val = { .as_uint64 = t->synic_read(reg) };
	void *page;

	/* SIMP, SIEFP and SIRBP share the layout: enable bit, base frame. */
	if (!val.base_simp_gpa)
		return NULL;
	page = memremap((u64)val.base_simp_gpa << HV_HYP_PAGE_SHIFT,
			HV_HYP_PAGE_SIZE, MEMREMAP_WB);
	if (!page)
		return NULL;
	val.simp_enabled = 1;
	t->synic_write(reg, val.as_uint64);
	return page;
}

static void mshv_synic_unmap(unsigned int reg, void *page)
{
	const struct mshv_transport *t = READ_ONCE(mshv_transport);
	union hv_synic_simp val;

	if (!page)
		return;
	val.as_uint64 = t->synic_read(reg);
	val.simp_enabled = 0;
	t->synic_write(reg, val.as_uint64);
	memunmap(page);
}

static void mshv_synic_enable_sint(unsigned int sint, u64 flags)
{
	union hv_synic_sint val = { .as_uint64 = flags };

	val.vector = HYPERVISOR_CALLBACK_VECTOR;
	val.auto_eoi = !(ms_hyperv.hints & HV_DEPRECATING_AEOI_RECOMMENDED);
	READ_ONCE(mshv_transport)->synic_write(HV_MSR_SINT0 + sint, val.as_uint64);
}

static void mshv_synic_mask_sint(unsigned int sint)
{
	const struct mshv_transport *t = READ_ONCE(mshv_transport);
	union hv_synic_sint val;

	val.as_uint64 = t->synic_read(HV_MSR_SINT0 + sint);
	val.masked = 1;
	t->synic_write(HV_MSR_SINT0 + sint, val.as_uint64);
}

/*
 * The CPU hotplug callbacks run in the CPU's own hotplug thread, bound to
 * it: this CPU's SynIC registers and pages are the CPU's being set up.
 */
static int mshv_synic_cpu_offline(unsigned int cpu)
{
	struct mshv_synic_pages *pages = this_cpu_ptr(&mshv_synic_pages);
	struct mshv_synic_pages old = *pages;
	union hv_synic_scontrol sctrl;
	const struct mshv_transport *t = READ_ONCE(mshv_transport);

	mshv_synic_mask_sint(HV_SYNIC_INTERCEPTION_SINT_INDEX);
	mshv_synic_mask_sint(HV_SYNIC_DOORBELL_SINT_INDEX);
	/* An interrupt on this CPU sees the pages gone before they go. */
	WRITE_ONCE(pages->event_rings, NULL);
	WRITE_ONCE(pages->event_flags, NULL);
	WRITE_ONCE(pages->messages, NULL);
	barrier();
	mshv_synic_unmap(HV_MSR_SIRBP, old.event_rings);
	mshv_synic_unmap(HV_MSR_SIEFP, old.event_flags);
	mshv_synic_unmap(HV_MSR_SIMP, old.messages);
	sctrl.as_uint64 = t->synic_read(HV_MSR_SCONTROL);
	sctrl.enable = 0;
	t->synic_write(HV_MSR_SCONTROL, sctrl.as_uint64);
	return 0;
}

static int mshv_synic_cpu_online(unsigned int cpu)
{
	struct mshv_synic_pages *pages = this_cpu_ptr(&mshv_synic_pages);
	union hv_synic_scontrol sctrl;
	const struct mshv_transport *t = READ_ONCE(mshv_transport);

	struct hv_message *slot;

	pages->messages = mshv_synic_map(HV_MSR_SIMP);
	pages->event_flags = mshv_synic_map(HV_MSR_SIEFP);
	pages->event_rings = mshv_synic_map(HV_MSR_SIRBP);
	if (!pages->messages || !pages->event_flags || !pages->event_rings) {
		mshv_synic_cpu_offline(cpu);
		return -ENOMEM;
	}

	/*
	 * A message left in the slot (by an earlier kernel or module) would
	 * keep the slot from ever raising another interrupt: drop it.
	 */
	slot = &pages->messages->sint_message[HV_SYNIC_INTERCEPTION_SINT_INDEX];
	if (READ_ONCE(slot->header.message_type) != HVMSG_NONE) {
		WRITE_ONCE(slot->header.message_type, HVMSG_NONE);
		/* The slot is free before the hypervisor may write the next. */
		mb();
		t->synic_write(HV_MSR_EOM, 0);
	}

	mshv_synic_enable_sint(HV_SYNIC_INTERCEPTION_SINT_INDEX, 0);
	mshv_synic_enable_sint(HV_SYNIC_DOORBELL_SINT_INDEX,
			       HV_SYNIC_SINT_AS_INTERCEPT);
	sctrl.as_uint64 = t->synic_read(HV_MSR_SCONTROL);
	sctrl.enable = 1;
	t->synic_write(HV_MSR_SCONTROL, sctrl.as_uint64);
	return 0;
}

/* Every CPU's SynIC down, then the interrupt handed back. */
static void mshv_synic_teardown(void)
{
	if (mshv_synic_cpuhp_state < 0)
		return;
	cpuhp_remove_state(mshv_synic_cpuhp_state);
	mshv_synic_cpuhp_state = -1;
	if (mshv_synic_own_vector)
		hv_remove_vmbus_handler();
}

/*
 * A kexec'd kernel must not find the SynIC live, with SINTs on a vector
 * it may not handle yet.
 */
static int mshv_synic_reboot(struct notifier_block *nb, unsigned long code,
			     void *unused)
{
	mshv_synic_teardown();
	return NOTIFY_DONE;
}

static struct notifier_block mshv_synic_reboot_nb = {
	.notifier_call = mshv_synic_reboot,
};

/**
 * mshv_synic_init() - set up every CPU's SynIC and take the interrupt
 * @own_vector: install mshv_isr() as the Hyper-V callback vector's
 *	handler (a non-nested root partition); without, whoever delivers the
 *	interrupt calls mshv_isr() (the test-only backend)
 *
 * Context: Process context; may sleep.
 * Return: 0 or a negative errno.
 */
int mshv_synic_init(bool own_vector)
{
	int ret;

	/* The handler is there before any SINT is live, and goes after. */
	mshv_synic_own_vector = own_vector;
	if (own_vector)
		hv_setup_vmbus_handler(mshv_isr);
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hyperv/mshv_synic:online",
				mshv_synic_cpu_online, mshv_synic_cpu_offline);
	if (ret < 0) {
		if (own_vector)
			hv_remove_vmbus_handler();
		return ret;
	}
	mshv_synic_cpuhp_state = ret;
	ret = register_reboot_notifier(&mshv_synic_reboot_nb);
	if (ret) {
		mshv_synic_teardown();
		return ret;
	}
	WRITE_ONCE(mshv_synic_up, true);
	return 0;
}

/**
 * mshv_synic_exit() - give the interrupt back and tear every SynIC down
 *
 * Context: Process context; may sleep.
 */
void mshv_synic_exit(void)
{
	if (mshv_synic_cpuhp_state < 0)
		return;
	WRITE_ONCE(mshv_synic_up, false);
	unregister_reboot_notifier(&mshv_synic_reboot_nb);
	mshv_synic_teardown();
}
