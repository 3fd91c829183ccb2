// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the hypervisor tells the root about its guests' VPs, and how the
 * driver finds the VP a message is about.
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
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

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

/* Wake the VP's thread: the hypervisor has something for it. */
static void mshv_vp_kick(struct mshv_vp *vp)
{
	WRITE_ONCE(vp->run.kicked, true);
	wake_up(&vp->run.wq);
}

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
