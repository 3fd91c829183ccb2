// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hypercall layer of mshv_root: one wrapper per hypercall, the
 * rep-completion loop and the deposit-and-retry loop.  Nothing above this
 * file knows a hypercall code or an input layout; nothing in it knows how a
 * hypercall reaches the hypervisor (see mshv_transport.c).
 *
 * Wrappers that use the per-CPU hypercall pages fill and issue them with
 * interrupts disabled, and copy results out before enabling them again.
 */

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/nmi.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <asm/mshyperv.h>

#include "mshv_root.h"

/*
 * What one "insufficient memory" answer earns: a few single pages, or for
 * the CONTIGUOUS variants one physically contiguous 32 KiB chunk.  The
 * hypervisor asks again while a deposit did not cover its need, so the bound
 * on attempts stops a hypervisor that keeps asking, not a large request.
 */
#define MSHV_DEPOSIT_ON_DEMAND_PAGES	16
#define MSHV_DEPOSIT_CONTIGUOUS_ORDER	3
#define MSHV_DEPOSIT_MAX_ATTEMPTS	64

static inline const struct mshv_transport *transport(void)
{
	return READ_ONCE(mshv_transport);
}

static inline u16 hv_status_result(u64 status)
{
	return status & HV_HYPERCALL_RESULT_MASK;
}

static inline u16 hv_status_reps_done(u64 status)
{
	return (status & HV_HYPERCALL_REP_COMP_MASK) >> HV_HYPERCALL_REP_COMP_OFFSET;
}

static inline u64 hv_control(u16 code)
{
	return code;
}

static inline u64 hv_rep_control(u16 code, u16 rep_count, u16 rep_start)
{
	return (u64)code | (u64)rep_count << HV_HYPERCALL_REP_COMP_OFFSET |
	       (u64)rep_start << HV_HYPERCALL_REP_START_OFFSET;
}

static const struct {
	u16 result;
	int errno;
} mshv_status_errnos[] = {
	{ HV_STATUS_SUCCESS,				0 },
	{ HV_STATUS_INVALID_HYPERCALL_CODE,		-EOPNOTSUPP },
	{ HV_STATUS_INVALID_HYPERCALL_INPUT,		-EINVAL },
	{ HV_STATUS_INVALID_ALIGNMENT,			-EINVAL },
	{ HV_STATUS_INVALID_PARAMETER,			-EINVAL },
	{ HV_STATUS_ACCESS_DENIED,			-EACCES },
	{ HV_STATUS_INVALID_PARTITION_STATE,		-EBUSY },
	{ HV_STATUS_OPERATION_DENIED,			-EACCES },
	{ HV_STATUS_UNKNOWN_PROPERTY,			-EOPNOTSUPP },
	{ HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE,	-ERANGE },
	{ HV_STATUS_INSUFFICIENT_MEMORY,		-ENOMEM },
	{ HV_STATUS_INVALID_PARTITION_ID,		-EINVAL },
	{ HV_STATUS_INVALID_VP_INDEX,			-EINVAL },
	{ HV_STATUS_NOT_FOUND,				-ENOENT },
	{ HV_STATUS_INVALID_PORT_ID,			-EINVAL },
	{ HV_STATUS_INVALID_CONNECTION_ID,		-EINVAL },
	{ HV_STATUS_INSUFFICIENT_BUFFERS,		-ENOBUFS },
	{ HV_STATUS_NOT_ACKNOWLEDGED,			-EAGAIN },
	{ HV_STATUS_INVALID_VP_STATE,			-EBUSY },
	{ HV_STATUS_NO_RESOURCES,			-ENOSPC },
	{ HV_STATUS_INVALID_LP_INDEX,			-EINVAL },
	{ HV_STATUS_INVALID_REGISTER_VALUE,		-EINVAL },
	{ HV_STATUS_TIME_OUT,				-ETIMEDOUT },
	{ HV_STATUS_INSUFFICIENT_ROOT_MEMORY,		-ENOMEM },
	{ HV_STATUS_INSUFFICIENT_CONTIGUOUS_MEMORY,	-ENOMEM },
	{ HV_STATUS_INSUFFICIENT_CONTIGUOUS_ROOT_MEMORY, -ENOMEM },
};

/**
 * mshv_status_to_errno() - the errno that stands for a hypercall status
 * @status: the status word a hypercall returned
 *
 * Only the result code (bits 15:0) counts.  A status the driver does not
 * know, including the all-ones word of a missing hypercall page, is -EIO.
 *
 * Context: Any context.
 * Return: 0 for success, a negative errno otherwise.
 */
int mshv_status_to_errno(u64 status)
{
	u16 result = hv_status_result(status);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mshv_status_errnos); i++)
		if (mshv_status_errnos[i].result == result)
			return mshv_status_errnos[i].errno;
	return -EIO;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_status_to_errno);

/**
 * mshv_status_needs_deposit() - whether a status asks for more memory
 * @status: the status word a hypercall returned
 *
 * Context: Any context.
 * Return: true for the "insufficient memory" family, which the caller
 * answers by depositing pages and retrying.
 */
bool mshv_status_needs_deposit(u64 status)
{
	switch (hv_status_result(status)) {
	case HV_STATUS_INSUFFICIENT_MEMORY:
	case HV_STATUS_INSUFFICIENT_CONTIGUOUS_MEMORY:
	case HV_STATUS_INSUFFICIENT_ROOT_MEMORY:
	case HV_STATUS_INSUFFICIENT_CONTIGUOUS_ROOT_MEMORY:
		return true;
	default:
		return false;
	}
}
EXPORT_SYMBOL_IF_KUNIT(mshv_status_needs_deposit);

/**
 * mshv_hv_rep_hypercall() - issue a rep hypercall until every rep is done
 * @control: control word without rep count and start index
 * @rep_count: number of reps, at least 1
 * @input: this CPU's input page, filled in
 * @output: this CPU's output page, or NULL
 * @status: if not NULL, receives the last status word
 * @reps_done: if not NULL, receives how many reps the hypervisor completed
 *
 * The hypervisor may return early with part of the reps done, to keep
 * interrupt latency bounded; the call is reissued from the first rep not
 * done.  A hypervisor that reports success without progress, or more reps
 * than asked, is treated as a failure rather than looped on forever.
 *
 * Context: Interrupts disabled (the caller owns this CPU's pages).
 * Return: 0 when all reps completed; otherwise the errno of the failing
 * status, or -EIO for a hypervisor that made no progress.
 */
int mshv_hv_rep_hypercall(u64 control, u16 rep_count, void *input,
			  void *output, u64 *status, u16 *reps_done)
{
	u16 code = control & 0xffff, done = 0;
	u64 st;
	int ret = 0;

	lockdep_assert_irqs_disabled();
	control &= ~(HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK);

	do {
		u64 rep = hv_rep_control(0, rep_count, done);
		u16 now;

		st = transport()->hypercall(control | rep, input, output);
		now = hv_status_reps_done(st);
		if (hv_status_result(st) != HV_STATUS_SUCCESS) {
			ret = mshv_status_to_errno(st);
			/* Reps before the failing one are done. */
			if (now >= done && now <= rep_count)
				done = now;
			break;
		}
		if (now <= done || now > rep_count) {
			pr_err_ratelimited("mshv: hypercall %#x: reps completed %u -> %u of %u\n",
					   code, done, now, rep_count);
			ret = -EIO;
			break;
		}
		done = now;
		touch_nmi_watchdog();
	} while (done < rep_count);

	if (status)
		*status = st;
	if (reps_done)
		*reps_done = done;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_hv_rep_hypercall);

/**
 * hv_call_get_system_property() - read a hypervisor-wide property
 * @property_id: HV_SYSTEM_PROPERTY_*
 * @value: receives the property
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int hv_call_get_system_property(u32 property_id, u64 *value)
{
	struct hv_input_get_system_property *input;
	struct hv_output_get_system_property *output;
	unsigned long flags;
	u64 status;

	local_irq_save(flags);
	input = transport()->input_page();
	output = transport()->output_page();
	memset(input, 0, sizeof(*input));
	input->property_id = property_id;
	status = transport()->hypercall(hv_control(HVCALL_GET_SYSTEM_PROPERTY),
					input, output);
	*value = output->as_u64;
	local_irq_restore(flags);

	return mshv_status_to_errno(status);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_get_system_property);

/**
 * hv_call_get_partition_property() - read a partition property
 * @partition_id: the partition, or HV_PARTITION_ID_SELF
 * @property_code: HV_PARTITION_PROPERTY_*
 * @value: receives the property
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int hv_call_get_partition_property(u64 partition_id, u32 property_code,
				   u64 *value)
{
	struct hv_input_get_partition_property *input;
	struct hv_output_get_partition_property *output;
	unsigned long flags;
	u64 status;

	local_irq_save(flags);
	input = transport()->input_page();
	output = transport()->output_page();
	memset(input, 0, sizeof(*input));
	input->partition_id = partition_id;
	input->property_code = property_code;
	status = transport()->hypercall(hv_control(HVCALL_GET_PARTITION_PROPERTY),
					input, output);
	*value = output->property_value;
	local_irq_restore(flags);

	return mshv_status_to_errno(status);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_get_partition_property);

/**
 * hv_call_get_vmm_capabilities() - read this partition's VMM capabilities
 * @caps: receives the first capability bank (HV_VMM_CAP_*); 0 if the
 *	hypervisor reports no bank
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int hv_call_get_vmm_capabilities(u64 *caps)
{
	struct hv_input_get_partition_property_ex *input;
	struct hv_partition_property_vmm_capabilities *output;
	unsigned long flags;
	u64 status;

	local_irq_save(flags);
	input = transport()->input_page();
	output = transport()->output_page();
	memset(input, 0, sizeof(*input));
	input->partition_id = HV_PARTITION_ID_SELF;
	input->property_code = HV_PARTITION_PROPERTY_VMM_CAPABILITIES;
	status = transport()->hypercall(hv_control(HVCALL_GET_PARTITION_PROPERTY_EX),
					input, output);
	*caps = output->bank_count ? output->banks[0] : 0;
	local_irq_restore(flags);

	return mshv_status_to_errno(status);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_get_vmm_capabilities);

static void mshv_free_page_list(struct page **pages, unsigned int nr)
{
	while (nr--)
		__free_page(pages[nr]);
}

/**
 * hv_call_deposit_pages_to() - give the hypervisor memory for a partition
 * @partition_id: the partition, or HV_PARTITION_ID_SELF for the root
 * @nr_pages: number of 4 KiB pages, a multiple of 1 << @order, at most
 *	HV_DEPOSIT_MAX_PAGES (one input page)
 * @order: allocation order of each physically contiguous chunk
 *
 * The pages belong to the hypervisor once deposited and come back, one by
 * one, by WITHDRAW_MEMORY.  Chunks are therefore split into order-0 pages
 * right away, so that every page can be freed on its own: when the
 * hypervisor accepts only part of the list, exactly the pages it did not
 * take are freed.
 *
 * Context: Process context; may sleep.
 * Return: 0, -EINVAL for a bad count, -ENOMEM, or the errno of the failure.
 */
int hv_call_deposit_pages_to(u64 partition_id, unsigned int nr_pages,
			     unsigned int order)
{
	unsigned int chunk = 1U << order, i, j;
	struct hv_input_deposit_memory *input;
	struct page **pages;
	unsigned long flags;
	u16 done = 0;
	int ret;

	if (!nr_pages || nr_pages % chunk || nr_pages > HV_DEPOSIT_MAX_PAGES)
		return -EINVAL;

	pages = kcalloc(nr_pages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < nr_pages; i += chunk) {
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, order);

		if (!page) {
			mshv_free_page_list(pages, i);
			kfree(pages);
			return -ENOMEM;
		}
		split_page(page, order);
		for (j = 0; j < chunk; j++)
			pages[i + j] = nth_page(page, j);
	}

	local_irq_save(flags);
	input = transport()->input_page();
	input->partition_id = partition_id;
	for (i = 0; i < nr_pages; i++)
		input->gpa_page_list[i] = page_to_pfn(pages[i]);
	ret = mshv_hv_rep_hypercall(HVCALL_DEPOSIT_MEMORY, nr_pages, input,
				    NULL, NULL, &done);
	local_irq_restore(flags);

	mshv_free_page_list(pages + done, nr_pages - done);
	kfree(pages);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_deposit_pages_to);

/*
 * Answer an "insufficient memory" status: deposit into the partition the
 * status names (the ROOT variants mean the root partition) and tell the
 * caller to retry, up to MSHV_DEPOSIT_MAX_ATTEMPTS times.
 */
static int mshv_deposit_for_status(u64 status, u64 partition_id,
				   unsigned int *attempts)
{
	unsigned int order = 0;

	if (++*attempts > MSHV_DEPOSIT_MAX_ATTEMPTS)
		return -ENOMEM;

	switch (hv_status_result(status)) {
	case HV_STATUS_INSUFFICIENT_CONTIGUOUS_ROOT_MEMORY:
		order = MSHV_DEPOSIT_CONTIGUOUS_ORDER;
		fallthrough;
	case HV_STATUS_INSUFFICIENT_ROOT_MEMORY:
		partition_id = HV_PARTITION_ID_SELF;
		break;
	case HV_STATUS_INSUFFICIENT_CONTIGUOUS_MEMORY:
		order = MSHV_DEPOSIT_CONTIGUOUS_ORDER;
		break;
	}
	if (order)
		return hv_call_deposit_pages_to(partition_id, 1 << order, order);
	return hv_call_deposit_pages_to(partition_id,
					MSHV_DEPOSIT_ON_DEMAND_PAGES, 0);
}

/**
 * hv_call_withdraw_all() - take back every page deposited in a partition
 * @partition_id: the partition
 * @withdrawn: if not NULL, receives the number of pages freed
 *
 * Context: Process context; may sleep.
 * Return: 0 once the hypervisor has nothing left to give back, or the errno
 * of the failure.
 */
int hv_call_withdraw_all(u64 partition_id, unsigned long *withdrawn)
{
	struct hv_input_withdraw_memory *input;
	unsigned long total = 0;
	unsigned long flags;
	u64 *pfns, status;
	u16 done, i;
	int ret;

	pfns = (u64 *)__get_free_page(GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;

	do {
		u64 *output;

		done = 0;
		local_irq_save(flags);
		input = transport()->input_page();
		output = transport()->output_page();
		memset(input, 0, sizeof(*input));
		input->partition_id = partition_id;
		ret = mshv_hv_rep_hypercall(HVCALL_WITHDRAW_MEMORY,
					    HV_WITHDRAW_MAX_PAGES, input, output,
					    &status, &done);
		memcpy(pfns, output, done * sizeof(u64));
		local_irq_restore(flags);

		for (i = 0; i < done; i++)
			__free_page(pfn_to_page(pfns[i]));
		total += done;
		cond_resched();
	} while (!ret && done == HV_WITHDRAW_MAX_PAGES);

	/* NO_RESOURCES is how the hypervisor says it has nothing left. */
	if (hv_status_result(status) == HV_STATUS_NO_RESOURCES)
		ret = 0;

	free_page((unsigned long)pfns);
	if (withdrawn)
		*withdrawn = total;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_withdraw_all);

/**
 * hv_call_create_partition() - create a partition
 * @flags: HV_PARTITION_CREATION_FLAG_*
 * @props: disabled processor and XSAVE features
 * @isolation_properties: isolation type and its settings
 * @partition_id: receives the new partition's id
 *
 * Memory the hypervisor needs for the new partition is deposited into the
 * root partition, which owns it until the partition exists.
 *
 * Context: Process context; may sleep.
 * Return: 0 or a negative errno.
 */
int hv_call_create_partition(u64 flags,
			     const struct hv_partition_creation_properties *props,
			     u64 isolation_properties, u64 *partition_id)
{
	struct hv_input_create_partition *input;
	struct hv_output_create_partition *output;
	unsigned int attempts = 0;
	unsigned long irq_flags;
	u64 status;
	int ret;

	for (;;) {
		local_irq_save(irq_flags);
		input = transport()->input_page();
		output = transport()->output_page();
		memset(input, 0, sizeof(*input));
		input->flags = flags;
		input->creation_properties = *props;
		input->isolation_properties = isolation_properties;
		status = transport()->hypercall(hv_control(HVCALL_CREATE_PARTITION),
						input, output);
		*partition_id = output->partition_id;
		local_irq_restore(irq_flags);

		if (!mshv_status_needs_deposit(status))
			return mshv_status_to_errno(status);
		ret = mshv_deposit_for_status(status, HV_PARTITION_ID_SELF,
					      &attempts);
		if (ret)
			return ret;
	}
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_create_partition);

static int hv_call_partition_fast(u16 code, u64 partition_id)
{
	unsigned int attempts = 0;
	u64 status;
	int ret;

	for (;;) {
		status = transport()->fast_hypercall8(hv_control(code) |
						      HV_HYPERCALL_FAST_BIT,
						      partition_id);
		if (!mshv_status_needs_deposit(status))
			return mshv_status_to_errno(status);
		ret = mshv_deposit_for_status(status, partition_id, &attempts);
		if (ret)
			return ret;
	}
}

/**
 * hv_call_initialize_partition() - make a created partition ready for VPs
 * @partition_id: the partition
 *
 * Context: Process context; may sleep (deposits memory on demand).
 * Return: 0 or a negative errno.
 */
int hv_call_initialize_partition(u64 partition_id)
{
	return hv_call_partition_fast(HVCALL_INITIALIZE_PARTITION, partition_id);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_initialize_partition);

/**
 * hv_call_finalize_partition() - stop a partition for good
 * @partition_id: the partition
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int hv_call_finalize_partition(u64 partition_id)
{
	return hv_call_partition_fast(HVCALL_FINALIZE_PARTITION, partition_id);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_finalize_partition);

/**
 * hv_call_delete_partition() - delete a finalized partition
 * @partition_id: the partition; its memory must have been withdrawn
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int hv_call_delete_partition(u64 partition_id)
{
	return hv_call_partition_fast(HVCALL_DELETE_PARTITION, partition_id);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_delete_partition);
