// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hypercall layer of mshv_root: one wrapper per hypercall, the
 * rep-completion loop and the deposit-and-retry loop.  Every hypercall is
 * issued here; above this file only the fd layer knows codes and input
 * layouts, to check the ones userspace passes through.  Nothing in it
 * knows how a hypercall reaches the hypervisor (see mshv_transport.c).
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
 * @control: control word without rep count; its rep start index, usually
 *	0, says how many reps an earlier call already completed
 * @rep_count: number of reps, 1 to %MSHV_MAX_REP_COUNT
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
 * Return: 0 when all reps completed; -EINVAL for a rep count or start the
 * control word cannot carry; otherwise the errno of the failing status,
 * or -EIO for a hypervisor that made no progress.
 */
int mshv_hv_rep_hypercall(u64 control, u16 rep_count, void *input,
			  void *output, u64 *status, u16 *reps_done)
{
	u16 code = control & HV_HYPERCALL_RESULT_MASK;
	u16 done = (control & HV_HYPERCALL_REP_START_MASK) >>
		   HV_HYPERCALL_REP_START_OFFSET;
	u64 st = HV_STATUS_INVALID_HYPERCALL_INPUT;
	int ret = 0;

	const struct mshv_transport *t = transport();

	lockdep_assert_irqs_disabled();
	control &= ~(HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK);
	if (!rep_count || rep_count > MSHV_MAX_REP_COUNT || done >= rep_count) {
		ret = -EINVAL;
		goto out;
	}

	do {
		u64 rep = hv_rep_control(0, rep_count, done);
		u16 now;

		st = t->hypercall(control | rep, input, output);
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

out:
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
	const struct mshv_transport *t = transport();
	struct hv_input_get_system_property *input;
	struct hv_output_get_system_property *output;
	unsigned long flags;
	u64 status;

	local_irq_save(flags);
	input = t->input_page();
	output = t->output_page();
	memset(input, 0, sizeof(*input));
	/* Most properties are narrower than the field: no stale bytes. */
	memset(output, 0, sizeof(*output));
	input->property_id = property_id;
	status = t->hypercall(hv_control(HVCALL_GET_SYSTEM_PROPERTY), input,
			      output);
	if (hv_status_result(status) == HV_STATUS_SUCCESS)
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
	const struct mshv_transport *t = transport();
	struct hv_input_get_partition_property *input;
	struct hv_output_get_partition_property *output;
	unsigned long flags;
	u64 status;

	local_irq_save(flags);
	input = t->input_page();
	output = t->output_page();
	memset(input, 0, sizeof(*input));
	input->partition_id = partition_id;
	input->property_code = property_code;
	status = t->hypercall(hv_control(HVCALL_GET_PARTITION_PROPERTY), input,
			      output);
	if (hv_status_result(status) == HV_STATUS_SUCCESS)
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
	const struct mshv_transport *t = transport();
	struct hv_input_get_partition_property_ex *input;
	struct hv_partition_property_vmm_capabilities *output;
	unsigned long flags;
	u64 status;

	local_irq_save(flags);
	input = t->input_page();
	output = t->output_page();
	memset(input, 0, sizeof(*input));
	input->partition_id = HV_PARTITION_ID_SELF;
	input->property_code = HV_PARTITION_PROPERTY_VMM_CAPABILITIES;
	status = t->hypercall(hv_control(HVCALL_GET_PARTITION_PROPERTY_EX), input,
			      output);
	if (hv_status_result(status) == HV_STATUS_SUCCESS)
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

	pages = mshv_alloc(kcalloc(nr_pages, sizeof(*pages), GFP_KERNEL));
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < nr_pages; i += chunk) {
		struct page *page = mshv_alloc(alloc_pages(GFP_KERNEL_ACCOUNT |
							   __GFP_NOWARN, order));

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
	memset(input, 0, sizeof(*input));
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

	pfns = mshv_alloc((u64 *)__get_free_page(GFP_KERNEL));
	if (!pfns)
		return -ENOMEM;

	do {
		u64 *output;

		const struct mshv_transport *t = transport();

		done = 0;
		local_irq_save(flags);
		input = t->input_page();
		output = t->output_page();
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
 * struct mshv_simple_call - a memory-based hypercall without reps
 * @control: control word: the code and, for some calls, the variable
 *	header size
 * @deposit_to: partition that receives memory when the hypervisor asks
 *	for it
 * @may_deposit: whether to deposit and retry at all; teardown calls don't
 * @fill: writes the input page (already zeroed up to one page)
 * @drain: if not NULL, reads the output page of a successful call
 * @output: pass the output page even without @drain
 * @ctx: passed to @fill and @drain
 */
struct mshv_simple_call {
	u64 control;
	u64 deposit_to;
	bool may_deposit;
	void (*fill)(void *input, void *ctx);
	void (*drain)(const void *output, void *ctx);
	bool output;
	void *ctx;
};

/*
 * Issue @c with this CPU's pages, and deposit and retry while the
 * hypervisor asks for memory.  The pages are only touched with interrupts
 * off, and a retry may run on another CPU: @fill starts from scratch.
 */
static int mshv_simple_call_run(const struct mshv_simple_call *c)
{
	unsigned int attempts = 0;
	unsigned long flags;
	u64 status;
	int ret;

	for (;;) {
		const struct mshv_transport *t = transport();
		void *input, *output;

		local_irq_save(flags);
		input = t->input_page();
		output = c->drain || c->output ? t->output_page() : NULL;
		memset(input, 0, HV_HYP_PAGE_SIZE);
		c->fill(input, c->ctx);
		status = t->hypercall(c->control, input, output);
		if (c->drain && hv_status_result(status) == HV_STATUS_SUCCESS)
			c->drain(output, c->ctx);
		local_irq_restore(flags);

		if (!c->may_deposit || !mshv_status_needs_deposit(status))
			return mshv_status_to_errno(status);
		ret = mshv_deposit_for_status(status, c->deposit_to, &attempts);
		if (ret)
			return ret;
	}
}

/* A fast hypercall with two words of input, never asking for memory. */
static int mshv_fast_call16(u16 code, u64 input1, u64 input2)
{
	u64 status;

	status = transport()->fast_hypercall16(hv_control(code) |
					       HV_HYPERCALL_FAST_BIT,
					       input1, input2);
	return mshv_status_to_errno(status);
}

struct mshv_create_partition_ctx {
	u64 flags;
	const struct hv_partition_creation_properties *props;
	u64 isolation_properties;
	u64 partition_id;
};

static void mshv_fill_create_partition(void *in, void *ctx)
{
	const struct mshv_create_partition_ctx *c = ctx;
	struct hv_input_create_partition *input = in;

	input->flags = c->flags;
	input->creation_properties = *c->props;
	input->isolation_properties = c->isolation_properties;
}

static void mshv_drain_create_partition(const void *out, void *ctx)
{
	const struct hv_output_create_partition *output = out;
	struct mshv_create_partition_ctx *c = ctx;

	c->partition_id = output->partition_id;
}

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
	struct mshv_create_partition_ctx ctx = {
		.flags = flags,
		.props = props,
		.isolation_properties = isolation_properties,
	};
	struct mshv_simple_call call = {
		.control = hv_control(HVCALL_CREATE_PARTITION),
		.deposit_to = HV_PARTITION_ID_SELF,
		.may_deposit = true,
		.fill = mshv_fill_create_partition,
		.drain = mshv_drain_create_partition,
		.ctx = &ctx,
	};
	int ret;

	ret = mshv_simple_call_run(&call);
	if (!ret)
		*partition_id = ctx.partition_id;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_create_partition);

/*
 * Teardown calls (@may_deposit false) never deposit: pages given to a
 * partition that is going away could not be withdrawn once it is gone.
 */
static int hv_call_partition_fast(u16 code, u64 partition_id, bool may_deposit)
{
	unsigned int attempts = 0;
	u64 status;
	int ret;

	for (;;) {
		status = transport()->fast_hypercall8(hv_control(code) |
						      HV_HYPERCALL_FAST_BIT,
						      partition_id);
		if (!may_deposit || !mshv_status_needs_deposit(status))
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
	return hv_call_partition_fast(HVCALL_INITIALIZE_PARTITION, partition_id,
				      true);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_initialize_partition);

/**
 * hv_call_finalize_partition() - stop a partition for good
 * @partition_id: the partition
 *
 * Never deposits memory: see hv_call_partition_fast().
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int hv_call_finalize_partition(u64 partition_id)
{
	return hv_call_partition_fast(HVCALL_FINALIZE_PARTITION, partition_id,
				      false);
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
	return hv_call_partition_fast(HVCALL_DELETE_PARTITION, partition_id,
				      false);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_delete_partition);

/**
 * struct mshv_rep_batch - a long rep hypercall, cut into input-page batches
 * @code: hypercall code
 * @partition_id: partition that receives deposits when the hypervisor asks
 * @count: total reps
 * @batch_max: reps per call, bounded by what one input or output page holds
 * @fill: writes the input page for reps [@done, @done + @reps)
 * @drain: if not NULL, consumes the output page of a batch that completed
 *	@reps reps starting at @done
 * @ctx: passed to @fill and @drain
 */
struct mshv_rep_batch {
	u16 code;
	u64 partition_id;
	unsigned long count;
	u16 batch_max;
	void (*fill)(void *input, unsigned long done, u16 reps, const void *ctx);
	void (*drain)(const void *output, unsigned long done, u16 reps,
		      const void *ctx);
	const void *ctx;
};

/*
 * Issue @b batch by batch with interrupts enabled between calls, deposit
 * and retry where the hypervisor asks for memory, and report in *@done how
 * many reps completed, also on failure, so that the caller can undo
 * exactly those.  The deposit bound applies between two calls that made
 * progress, so that a large operation may ask for memory many times.
 */
static int mshv_rep_batch_run(const struct mshv_rep_batch *b,
			      unsigned long *done)
{
	unsigned int attempts = 0;
	unsigned long flags;
	int ret = 0;

	*done = 0;
	while (*done < b->count) {
		u16 reps = min_t(unsigned long, b->count - *done, b->batch_max);
		const struct mshv_transport *t = transport();
		u16 completed = 0;
		void *input, *output;
		u64 status;

		local_irq_save(flags);
		input = t->input_page();
		output = b->drain ? t->output_page() : NULL;
		b->fill(input, *done, reps, b->ctx);
		ret = mshv_hv_rep_hypercall(b->code, reps, input, output,
					    &status, &completed);
		if (b->drain && completed)
			b->drain(output, *done, completed, b->ctx);
		local_irq_restore(flags);

		*done += completed;
		if (completed)
			attempts = 0;
		if (!ret)
			continue;
		if (!mshv_status_needs_deposit(status))
			break;
		ret = mshv_deposit_for_status(status, b->partition_id, &attempts);
		if (ret)
			break;
		cond_resched();
	}
	return ret;
}

struct mshv_map_ctx {
	u64 partition_id;
	u64 gfn;
	const u64 *pfns;
	u32 flags;
	unsigned int shift;
};

static void mshv_fill_map(void *in, unsigned long done, u16 reps,
			  const void *ctx)
{
	const struct mshv_map_ctx *c = ctx;
	struct hv_input_map_gpa_pages *input = in;

	input->target_partition_id = c->partition_id;
	input->target_gpa_base = c->gfn + (done << c->shift);
	input->map_flags = c->flags;
	input->padding = 0;
	memcpy(input->source_gpa_page_list, c->pfns + done, reps * sizeof(u64));
}

/**
 * hv_call_map_gpa_pages() - map host frames into a partition's GPA space
 * @partition_id: the partition
 * @gfn: first guest frame
 * @pfns: host frames; with %HV_MAP_GPA_LARGE_PAGE, one per 2 MiB page
 *	(the frame of its first 4 KiB page)
 * @count: number of entries in @pfns
 * @flags: HV_MAP_GPA_*
 * @mapped: receives the number of entries mapped, also on failure
 *
 * One call carries a full input page of %HV_MAP_GPA_BATCH_SIZE frames.
 *
 * Context: Process context; may sleep.
 * Return: 0 or a negative errno; on failure the first *@mapped entries
 * stay mapped and are the caller's to unmap.
 */
int hv_call_map_gpa_pages(u64 partition_id, u64 gfn, const u64 *pfns,
			  unsigned long count, u32 flags, unsigned long *mapped)
{
	struct mshv_map_ctx ctx = {
		.partition_id = partition_id,
		.gfn = gfn,
		.pfns = pfns,
		.flags = flags,
		.shift = flags & HV_MAP_GPA_LARGE_PAGE ? HV_LARGE_PAGE_SHIFT : 0,
	};
	struct mshv_rep_batch b = {
		.code = HVCALL_MAP_GPA_PAGES,
		.partition_id = partition_id,
		.count = count,
		.batch_max = HV_MAP_GPA_BATCH_SIZE,
		.fill = mshv_fill_map,
		.ctx = &ctx,
	};

	return mshv_rep_batch_run(&b, mapped);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_map_gpa_pages);

static void mshv_fill_unmap(void *in, unsigned long done, u16 reps,
			    const void *ctx)
{
	const struct mshv_map_ctx *c = ctx;
	struct hv_input_unmap_gpa_pages *input = in;

	input->target_partition_id = c->partition_id;
	input->target_gpa_base = c->gfn + (done << c->shift);
	input->unmap_flags = c->flags;
	input->padding = 0;
}

/*
 * UNMAP_GPA_PAGES carries no list, so one call could take any count; the
 * batch exists only to enable interrupts (and reschedule) between calls.
 */
#define MSHV_UNMAP_BATCH_SIZE	512

/**
 * hv_call_unmap_gpa_pages() - remove guest frames from a partition
 * @partition_id: the partition
 * @gfn: first guest frame
 * @count: number of 4 KiB frames, or of 2 MiB pages with
 *	%HV_UNMAP_GPA_LARGE_PAGE
 * @flags: HV_UNMAP_GPA_*
 *
 * Context: Process context; may sleep.
 * Return: 0 or a negative errno.
 */
int hv_call_unmap_gpa_pages(u64 partition_id, u64 gfn, unsigned long count,
			    u32 flags)
{
	struct mshv_map_ctx ctx = {
		.partition_id = partition_id,
		.gfn = gfn,
		.flags = flags,
		.shift = flags & HV_UNMAP_GPA_LARGE_PAGE ? HV_LARGE_PAGE_SHIFT : 0,
	};
	struct mshv_rep_batch b = {
		.code = HVCALL_UNMAP_GPA_PAGES,
		.partition_id = partition_id,
		.count = count,
		.batch_max = MSHV_UNMAP_BATCH_SIZE,
		.fill = mshv_fill_unmap,
		.ctx = &ctx,
	};
	unsigned long done;

	return mshv_rep_batch_run(&b, &done);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_unmap_gpa_pages);

struct mshv_access_ctx {
	u64 partition_id;
	u64 gfn;
	u64 flags;
	u8 *states;
};

static void mshv_fill_access(void *in, unsigned long done, u16 reps,
			     const void *ctx)
{
	const struct mshv_access_ctx *c = ctx;
	struct hv_input_get_gpa_pages_access_state *input = in;

	input->partition_id = c->partition_id;
	input->flags = c->flags;
	input->hv_gpa_page_number = c->gfn + done;
}

static void mshv_drain_access(const void *output, unsigned long done, u16 reps,
			      const void *ctx)
{
	const struct mshv_access_ctx *c = ctx;

	memcpy(c->states + done, output, reps);
}

/**
 * hv_call_get_gpa_access_states() - read (and change) accessed/dirty bits
 * @partition_id: the partition
 * @gfn: first guest frame
 * @count: number of frames
 * @flags: HV_GPA_ACCESS_* operation applied after reading
 * @states: receives one HV_GPA_ACCESS_STATE_* byte per frame
 *
 * Context: Process context; may sleep.
 * Return: 0 or a negative errno.
 */
int hv_call_get_gpa_access_states(u64 partition_id, u64 gfn,
				  unsigned long count, u64 flags, u8 *states)
{
	struct mshv_access_ctx ctx = {
		.partition_id = partition_id,
		.gfn = gfn,
		.flags = flags,
		.states = states,
	};
	struct mshv_rep_batch b = {
		.code = HVCALL_GET_GPA_PAGES_ACCESS_STATES,
		.partition_id = partition_id,
		.count = count,
		.batch_max = HV_GPA_ACCESS_STATES_BATCH_SIZE,
		.fill = mshv_fill_access,
		.drain = mshv_drain_access,
		.ctx = &ctx,
	};
	unsigned long done;

	return mshv_rep_batch_run(&b, &done);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_get_gpa_access_states);

/**
 * hv_call_passthrough() - issue a hypercall that userspace prepared
 * @partition_id: target partition, written over the first 8 bytes of the
 *	input (every hypercall on the allowlist starts with one)
 * @code: hypercall code, already checked against the allowlist
 * @rep_count: number of reps, 0 for a simple hypercall
 * @in: input, @in_sz bytes, at least 8 and at most one page
 * @in_sz: input size
 * @out: if not NULL, receives @out_sz bytes of output
 * @out_sz: output size, at most one page
 * @status: receives the last status word
 * @reps_done: receives the reps completed
 *
 * Deposits memory and retries where the hypervisor asks for it, resuming
 * a rep hypercall at the first rep not done.
 *
 * Context: Process context; may sleep.
 * Return: 0 or the errno of the hypervisor's status.
 */
int hv_call_passthrough(u64 partition_id, u16 code, u16 rep_count,
			const void *in, u16 in_sz, void *out, u16 out_sz,
			u64 *status, u16 *reps_done)
{
	unsigned int attempts = 0;
	unsigned long flags;
	u16 done = 0;
	int ret;

	for (;;) {
		const struct mshv_transport *t = transport();
		void *input, *output;

		local_irq_save(flags);
		input = t->input_page();
		/*
		 * The output page goes with every call, even when userspace
		 * asked for no output: the hypercall decides whether it
		 * writes one, and a NULL output would be physical page 0.
		 */
		output = t->output_page();
		memset(input, 0, HV_HYP_PAGE_SIZE);
		memcpy(input, in, in_sz);
		*(u64 *)input = partition_id;
		/*
		 * Never hand back what an earlier hypercall left in the page;
		 * and a rep call resumed after a deposit (maybe on another
		 * CPU) keeps the results of the reps already done.
		 */
		memset(output, 0, HV_HYP_PAGE_SIZE);
		if (out)
			memcpy(output, out, out_sz);
		if (rep_count) {
			ret = mshv_hv_rep_hypercall(hv_rep_control(code, 0, done),
						    rep_count, input, output,
						    status, &done);
		} else {
			*status = t->hypercall(hv_control(code), input, output);
			ret = mshv_status_to_errno(*status);
		}
		if (out)
			memcpy(out, output, out_sz);
		local_irq_restore(flags);

		if (!ret || !mshv_status_needs_deposit(*status))
			break;
		ret = mshv_deposit_for_status(*status, partition_id, &attempts);
		if (ret)
			break;
	}
	*reps_done = done;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_passthrough);

struct mshv_vp_call_ctx {
	u64 partition_id;
	u32 vp_index;
	u32 type;
	u64 provided_pfn;
	u64 pfn;
};

static void mshv_fill_create_vp(void *in, void *ctx)
{
	const struct mshv_vp_call_ctx *c = ctx;
	struct hv_input_create_vp *input = in;

	input->partition_id = c->partition_id;
	input->vp_index = c->vp_index;
}

/**
 * hv_call_create_child_vp() - create a VP in a partition
 * @partition_id: the partition, initialized
 * @vp_index: the VP's index
 *
 * Context: Process context; may sleep (deposits memory on demand).
 * Return: 0 or a negative errno.
 */
int hv_call_create_child_vp(u64 partition_id, u32 vp_index)
{
	struct mshv_vp_call_ctx ctx = {
		.partition_id = partition_id,
		.vp_index = vp_index,
	};
	struct mshv_simple_call call = {
		.control = hv_control(HVCALL_CREATE_VP),
		.deposit_to = partition_id,
		.may_deposit = true,
		.fill = mshv_fill_create_vp,
		.ctx = &ctx,
	};

	return mshv_simple_call_run(&call);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_create_child_vp);

/**
 * hv_call_delete_vp() - delete a VP that never ran
 * @partition_id: the partition
 * @vp_index: the VP's index
 *
 * Only undoes a failed VP creation: a partition's VPs otherwise go with it.
 *
 * Context: Any context.
 * Return: 0 or a negative errno.
 */
int hv_call_delete_vp(u64 partition_id, u32 vp_index)
{
	return mshv_fast_call16(HVCALL_DELETE_VP, partition_id, vp_index);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_delete_vp);

static void mshv_fill_map_state_page(void *in, void *ctx)
{
	const struct mshv_vp_call_ctx *c = ctx;
	struct hv_input_map_vp_state_page *input = in;

	input->partition_id = c->partition_id;
	input->vp_index = c->vp_index;
	input->type = c->type;
	if (c->provided_pfn) {
		input->flags = HV_MAP_VP_STATE_PAGE_LOCATION_PROVIDED;
		input->requested_map_location = c->provided_pfn;
	}
}

static void mshv_drain_map_state_page(const void *out, void *ctx)
{
	const struct hv_output_map_vp_state_page *output = out;
	struct mshv_vp_call_ctx *c = ctx;

	c->pfn = output->map_location;
}

/**
 * hv_call_map_vp_state_page() - map one of a VP's state pages
 * @partition_id: the partition
 * @vp_index: the VP's index
 * @type: HV_VP_STATE_PAGE_*
 * @provided_pfn: a page the caller supplies, or 0 to let the hypervisor
 *	use one of the partition's deposited pages
 * @pfn: receives the frame of the mapped page
 *
 * Context: Process context; may sleep (deposits memory on demand).
 * Return: 0 or a negative errno.
 */
int hv_call_map_vp_state_page(u64 partition_id, u32 vp_index, u32 type,
			      u64 provided_pfn, u64 *pfn)
{
	struct mshv_vp_call_ctx ctx = {
		.partition_id = partition_id,
		.vp_index = vp_index,
		.type = type,
		.provided_pfn = provided_pfn,
	};
	struct mshv_simple_call call = {
		.control = hv_control(HVCALL_MAP_VP_STATE_PAGE),
		.deposit_to = partition_id,
		.may_deposit = true,
		.fill = mshv_fill_map_state_page,
		.drain = mshv_drain_map_state_page,
		.ctx = &ctx,
	};
	int ret;

	ret = mshv_simple_call_run(&call);
	if (!ret)
		*pfn = ctx.pfn;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_map_vp_state_page);

static void mshv_fill_unmap_state_page(void *in, void *ctx)
{
	const struct mshv_vp_call_ctx *c = ctx;
	struct hv_input_unmap_vp_state_page *input = in;

	input->partition_id = c->partition_id;
	input->vp_index = c->vp_index;
	input->type = c->type;
}

/**
 * hv_call_unmap_vp_state_page() - unmap one of a VP's state pages
 * @partition_id: the partition
 * @vp_index: the VP's index
 * @type: HV_VP_STATE_PAGE_*
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int hv_call_unmap_vp_state_page(u64 partition_id, u32 vp_index, u32 type)
{
	struct mshv_vp_call_ctx ctx = {
		.partition_id = partition_id,
		.vp_index = vp_index,
		.type = type,
	};
	struct mshv_simple_call call = {
		.control = hv_control(HVCALL_UNMAP_VP_STATE_PAGE),
		.fill = mshv_fill_unmap_state_page,
		.ctx = &ctx,
	};

	return mshv_simple_call_run(&call);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_unmap_vp_state_page);

struct mshv_vp_regs_ctx {
	u64 partition_id;
	u32 vp_index;
	const u32 *names;
	struct hv_register_value *values;
	const struct hv_register_assoc *assocs;
};

static void mshv_fill_vp_regs_header(struct hv_input_vp_registers_header *h,
				     const struct mshv_vp_regs_ctx *c)
{
	h->partition_id = c->partition_id;
	h->vp_index = c->vp_index;
	h->input_vtl = 0;
	memset(h->reserved, 0, sizeof(h->reserved));
}

static void mshv_fill_get_regs(void *in, unsigned long done, u16 reps,
			       const void *ctx)
{
	const struct mshv_vp_regs_ctx *c = ctx;
	struct hv_input_get_vp_registers *input = in;

	mshv_fill_vp_regs_header(&input->header, c);
	memcpy(input->names, c->names + done, reps * sizeof(u32));
}

static void mshv_drain_get_regs(const void *output, unsigned long done,
				u16 reps, const void *ctx)
{
	const struct mshv_vp_regs_ctx *c = ctx;

	memcpy(c->values + done, output, reps * sizeof(*c->values));
}

/**
 * hv_call_get_vp_registers() - read registers of a VP
 * @partition_id: the partition
 * @vp_index: the VP's index
 * @count: number of registers
 * @names: their names, HV_REGISTER_*
 * @values: receives their values
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int hv_call_get_vp_registers(u64 partition_id, u32 vp_index,
			     unsigned int count, const u32 *names,
			     struct hv_register_value *values)
{
	struct mshv_vp_regs_ctx ctx = {
		.partition_id = partition_id,
		.vp_index = vp_index,
		.names = names,
		.values = values,
	};
	struct mshv_rep_batch b = {
		.code = HVCALL_GET_VP_REGISTERS,
		.partition_id = partition_id,
		.count = count,
		.batch_max = HV_GET_VP_REGISTERS_BATCH_SIZE,
		.fill = mshv_fill_get_regs,
		.drain = mshv_drain_get_regs,
		.ctx = &ctx,
	};
	unsigned long done;

	return mshv_rep_batch_run(&b, &done);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_get_vp_registers);

static void mshv_fill_set_regs(void *in, unsigned long done, u16 reps,
			       const void *ctx)
{
	const struct mshv_vp_regs_ctx *c = ctx;
	struct hv_input_set_vp_registers *input = in;

	mshv_fill_vp_regs_header(&input->header, c);
	memcpy(input->elements, c->assocs + done,
	       reps * sizeof(*c->assocs));
}

/**
 * hv_call_set_vp_registers() - write registers of a VP
 * @partition_id: the partition
 * @vp_index: the VP's index
 * @count: number of registers
 * @assocs: their names and values
 *
 * Context: Process context.
 * Return: 0 or a negative errno.
 */
int hv_call_set_vp_registers(u64 partition_id, u32 vp_index,
			     unsigned int count,
			     const struct hv_register_assoc *assocs)
{
	struct mshv_vp_regs_ctx ctx = {
		.partition_id = partition_id,
		.vp_index = vp_index,
		.assocs = assocs,
	};
	struct mshv_rep_batch b = {
		.code = HVCALL_SET_VP_REGISTERS,
		.partition_id = partition_id,
		.count = count,
		.batch_max = HV_SET_VP_REGISTERS_BATCH_SIZE,
		.fill = mshv_fill_set_regs,
		.ctx = &ctx,
	};
	unsigned long done;

	return mshv_rep_batch_run(&b, &done);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_set_vp_registers);

struct mshv_vp_state_ctx {
	u64 partition_id;
	u32 vp_index;
	const struct hv_vp_state_data *state;
	unsigned int nr_pfns;
	const u64 *pfns;
	void *out;
	const void *in;
	size_t size;
};

static void mshv_fill_vp_state(void *in, void *ctx)
{
	const struct mshv_vp_state_ctx *c = ctx;
	struct hv_input_set_vp_state *input = in;

	/* GET and SET share the layout up to the trailing array. */
	static_assert(offsetof(struct hv_input_get_vp_state, output_data_pfns) ==
		      offsetof(struct hv_input_set_vp_state, data));
	input->partition_id = c->partition_id;
	input->vp_index = c->vp_index;
	input->state_data = *c->state;
	if (c->nr_pfns)
		memcpy(input->data, c->pfns, c->nr_pfns * sizeof(u64));
	else if (c->in)
		memcpy(input->data, c->in, c->size);
}

static void mshv_drain_vp_state(const void *output, void *ctx)
{
	const struct mshv_vp_state_ctx *c = ctx;

	memcpy(c->out, output, c->size);
}

/* The variable header: the frame list or the state bytes, in qwords. */
static u64 mshv_vp_state_control(u16 code, size_t data_bytes)
{
	return hv_control(code) |
	       (u64)DIV_ROUND_UP(data_bytes, sizeof(u64)) <<
	       HV_HYPERCALL_VARHEAD_OFFSET;
}

/**
 * hv_call_get_vp_state() - read a piece of VP state
 * @partition_id: the partition
 * @vp_index: the VP's index
 * @state: which state, and for XSAVE which components
 * @nr_pfns: number of pages the state goes to, for the types that travel
 *	in pages (HV_GET_SET_VP_STATE_TYPE_PFN); 0 otherwise
 * @pfns: frames of those pages
 * @out: for the other types, receives @size bytes of the output page
 * @size: size of @out, at most a page
 *
 * Context: Process context; may sleep (deposits memory on demand).
 * Return: 0 or a negative errno; -EINVAL for more pages than one input
 * page can name.
 */
int hv_call_get_vp_state(u64 partition_id, u32 vp_index,
			 const struct hv_vp_state_data *state,
			 unsigned int nr_pfns, const u64 *pfns,
			 void *out, size_t size)
{
	struct mshv_vp_state_ctx ctx = {
		.partition_id = partition_id,
		.vp_index = vp_index,
		.state = state,
		.nr_pfns = nr_pfns,
		.pfns = pfns,
		.out = out,
		.size = size,
	};
	struct mshv_simple_call call = {
		.control = mshv_vp_state_control(HVCALL_GET_VP_STATE,
						 nr_pfns * sizeof(u64)),
		.deposit_to = partition_id,
		.may_deposit = true,
		.fill = mshv_fill_vp_state,
		.drain = nr_pfns ? NULL : mshv_drain_vp_state,
		/* The hypervisor writes its fixed output whatever the type. */
		.output = true,
		.ctx = &ctx,
	};

	if (nr_pfns > HV_VP_STATE_MAX_PFNS || size > HV_HYP_PAGE_SIZE)
		return -EINVAL;
	return mshv_simple_call_run(&call);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_get_vp_state);

/**
 * hv_call_set_vp_state() - write a piece of VP state
 * @partition_id: the partition
 * @vp_index: the VP's index
 * @state: which state, and for XSAVE which components
 * @nr_pfns: number of pages the state comes from, for the types that
 *	travel in pages; 0 otherwise
 * @pfns: frames of those pages
 * @in: for the other types, the @size bytes of state
 * @size: size of @in
 *
 * Context: Process context; may sleep (deposits memory on demand).
 * Return: 0 or a negative errno; -EINVAL for more than one input page.
 */
int hv_call_set_vp_state(u64 partition_id, u32 vp_index,
			 const struct hv_vp_state_data *state,
			 unsigned int nr_pfns, const u64 *pfns,
			 const void *in, size_t size)
{
	size_t data_bytes = nr_pfns ? nr_pfns * sizeof(u64) : size;
	struct mshv_vp_state_ctx ctx = {
		.partition_id = partition_id,
		.vp_index = vp_index,
		.state = state,
		.nr_pfns = nr_pfns,
		.pfns = pfns,
		.in = in,
		.size = size,
	};
	struct mshv_simple_call call = {
		.control = mshv_vp_state_control(HVCALL_SET_VP_STATE, data_bytes),
		.deposit_to = partition_id,
		.may_deposit = true,
		.fill = mshv_fill_vp_state,
		.ctx = &ctx,
	};

	if (nr_pfns > HV_VP_STATE_MAX_PFNS ||
	    data_bytes > HV_HYP_PAGE_SIZE - sizeof(struct hv_input_set_vp_state))
		return -EINVAL;
	return mshv_simple_call_run(&call);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_set_vp_state);

struct mshv_translate_ctx {
	u64 partition_id;
	u32 vp_index;
	u64 flags;
	u64 gva_page;
	u64 result;
	u64 gpa_page;
};

static void mshv_fill_translate(void *in, void *ctx)
{
	const struct mshv_translate_ctx *c = ctx;
	struct hv_input_translate_virtual_address *input = in;

	input->partition_id = c->partition_id;
	input->vp_index = c->vp_index;
	input->control_flags = c->flags;
	input->gva_page = c->gva_page;
}

static void mshv_drain_translate(const void *out, void *ctx)
{
	const struct hv_output_translate_virtual_address *output = out;
	struct mshv_translate_ctx *c = ctx;

	c->result = output->translation_result;
	c->gpa_page = output->gpa_page;
}

/**
 * hv_call_translate_gva() - translate a guest virtual address as a VP would
 * @partition_id: the partition
 * @vp_index: the VP whose page tables are walked
 * @flags: HV_TRANSLATE_GVA_* control flags
 * @gva_page: the guest virtual page
 * @result: receives the hypervisor's translation result
 * @gpa_page: receives the guest physical page, valid on a successful
 *	translation result
 *
 * Context: Process context.
 * Return: 0 when the hypercall succeeded (the translation itself may have
 * failed: see @result), or a negative errno.
 */
int hv_call_translate_gva(u64 partition_id, u32 vp_index, u64 flags,
			  u64 gva_page, u64 *result, u64 *gpa_page)
{
	struct mshv_translate_ctx ctx = {
		.partition_id = partition_id,
		.vp_index = vp_index,
		.flags = flags,
		.gva_page = gva_page,
	};
	struct mshv_simple_call call = {
		.control = hv_control(HVCALL_TRANSLATE_VIRTUAL_ADDRESS),
		.fill = mshv_fill_translate,
		.drain = mshv_drain_translate,
		.ctx = &ctx,
	};
	int ret;

	ret = mshv_simple_call_run(&call);
	if (!ret) {
		*result = ctx.result;
		*gpa_page = ctx.gpa_page;
	}
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_translate_gva);

/**
 * hv_call_dispatch_vp() - run a VP on this CPU until it exits or blocks
 * @input: this CPU's dispatch input page (not the hypercall page)
 * @output: this CPU's dispatch output page
 * @partition_id: the partition
 * @vp_index: the VP's index
 * @flags: HV_DISPATCH_VP_FLAG_*
 * @res: receives the VP's dispatch state and the event that ended it
 *
 * Issued with interrupts enabled: the hypervisor returns to the root when
 * a root interrupt arrives, so the caller can react to signals and
 * rescheduling.  That is why it uses pages of its own, which no interrupt
 * handler can reuse.
 *
 * Context: Preemption disabled (the pages are this CPU's).
 * Return: 0 or a negative errno.
 */
int hv_call_dispatch_vp(void *input, void *output, u64 partition_id,
			u32 vp_index, u32 flags,
			struct hv_output_dispatch_vp *res)
{
	struct hv_input_dispatch_vp *in = input;
	u64 status;

	memset(in, 0, sizeof(*in));
	memset(output, 0, sizeof(*res));
	in->partition_id = partition_id;
	in->vp_index = vp_index;
	in->flags = flags;
	status = transport()->hypercall(hv_control(HVCALL_DISPATCH_VP), input,
					output);
	if (hv_status_result(status) == HV_STATUS_SUCCESS)
		memcpy(res, output, sizeof(*res));
	return mshv_status_to_errno(status);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_dispatch_vp);

struct mshv_assert_ctx {
	u64 partition_id;
	u64 control;
	u64 dest;
	u32 vector;
};

static void mshv_fill_assert(void *in, void *ctx)
{
	const struct mshv_assert_ctx *c = ctx;
	struct hv_input_assert_virtual_interrupt *input = in;

	input->partition_id = c->partition_id;
	input->control = c->control;
	input->dest_addr = c->dest;
	input->vector = c->vector;
}

/**
 * hv_call_assert_virtual_interrupt() - raise an interrupt in a guest
 * @partition_id: the partition
 * @vector: the interrupt vector
 * @dest: destination APIC id (or logical destination)
 * @control: HV_X64_INTERRUPT_TYPE_* and HV_INTERRUPT_CONTROL_* flags
 * @may_sleep: deposit memory and retry where the hypervisor asks for it;
 *	without, such an answer is -ENOMEM
 *
 * Context: Any context; process context with @may_sleep.
 * Return: 0 or a negative errno.
 */
int hv_call_assert_virtual_interrupt(u64 partition_id, u32 vector, u64 dest,
				     u64 control, bool may_sleep)
{
	struct mshv_assert_ctx ctx = {
		.partition_id = partition_id,
		.control = control,
		.dest = dest,
		.vector = vector,
	};
	struct mshv_simple_call call = {
		.control = hv_control(HVCALL_ASSERT_VIRTUAL_INTERRUPT),
		.deposit_to = partition_id,
		.may_deposit = may_sleep,
		.fill = mshv_fill_assert,
		.ctx = &ctx,
	};

	return mshv_simple_call_run(&call);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_assert_virtual_interrupt);

struct mshv_port_ctx {
	u64 partition_id;
	u32 port_id;
	u64 gpa;
	u64 trigger_value;
	u64 flags;
};

static void mshv_fill_create_port(void *in, void *ctx)
{
	const struct mshv_port_ctx *c = ctx;
	struct hv_input_create_port *input = in;

	input->port_partition_id = HV_PARTITION_ID_SELF;
	input->port_id = c->port_id;
	input->connection_partition_id = c->partition_id;
	input->port_info.port_type = HV_PORT_TYPE_DOORBELL;
	input->port_info.target_sint = HV_SYNIC_DOORBELL_SINT_INDEX;
	input->port_info.target_vp = HV_ANY_VP;
}

/**
 * hv_call_create_doorbell_port() - create a doorbell port in the root
 * @partition_id: the guest partition that may connect to it
 * @port_id: the port's id, chosen by the driver
 *
 * Its events are queued on the doorbell SINT of any root VP.
 *
 * Context: Process context; may sleep (deposits memory on demand).
 * Return: 0 or a negative errno.
 */
int hv_call_create_doorbell_port(u64 partition_id, u32 port_id)
{
	struct mshv_port_ctx ctx = {
		.partition_id = partition_id,
		.port_id = port_id,
	};
	struct mshv_simple_call call = {
		.control = hv_control(HVCALL_CREATE_PORT),
		.deposit_to = HV_PARTITION_ID_SELF,
		.may_deposit = true,
		.fill = mshv_fill_create_port,
		.ctx = &ctx,
	};

	return mshv_simple_call_run(&call);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_create_doorbell_port);

static void mshv_fill_connect_port(void *in, void *ctx)
{
	const struct mshv_port_ctx *c = ctx;
	struct hv_input_connect_port *input = in;

	input->connection_partition_id = c->partition_id;
	input->connection_id = c->port_id;
	input->port_partition_id = HV_PARTITION_ID_SELF;
	input->port_id = c->port_id;
	input->connection_info.port_type = HV_PORT_TYPE_DOORBELL;
	input->connection_info.gpa = c->gpa;
	input->connection_info.trigger_value = c->trigger_value;
	input->connection_info.flags = c->flags;
}

/**
 * hv_call_connect_doorbell() - ring a doorbell port on guest writes
 * @partition_id: the guest partition
 * @port_id: the doorbell port, also used as the connection's id
 * @gpa: guest physical address whose writes ring it
 * @trigger_value: the value a write must carry, unless @flags say any
 * @flags: HV_DOORBELL_FLAG_*: the access size, and whether any value rings
 *
 * Context: Process context; may sleep (deposits memory on demand).
 * Return: 0 or a negative errno.
 */
int hv_call_connect_doorbell(u64 partition_id, u32 port_id, u64 gpa,
			     u64 trigger_value, u64 flags)
{
	struct mshv_port_ctx ctx = {
		.partition_id = partition_id,
		.port_id = port_id,
		.gpa = gpa,
		.trigger_value = trigger_value,
		.flags = flags,
	};
	struct mshv_simple_call call = {
		.control = hv_control(HVCALL_CONNECT_PORT),
		.deposit_to = partition_id,
		.may_deposit = true,
		.fill = mshv_fill_connect_port,
		.ctx = &ctx,
	};

	return mshv_simple_call_run(&call);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_connect_doorbell);

/**
 * hv_call_disconnect_doorbell() - stop guest writes ringing a doorbell
 * @partition_id: the guest partition
 * @connection_id: the connection's id
 *
 * Context: Any context.
 * Return: 0 or a negative errno.
 */
int hv_call_disconnect_doorbell(u64 partition_id, u32 connection_id)
{
	return mshv_fast_call16(HVCALL_DISCONNECT_PORT, partition_id,
				connection_id | HV_DISCONNECT_PORT_IS_DOORBELL);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_disconnect_doorbell);

/**
 * hv_call_delete_port() - delete a port of the root partition
 * @port_id: the port
 *
 * Context: Any context.
 * Return: 0 or a negative errno.
 */
int hv_call_delete_port(u32 port_id)
{
	return mshv_fast_call16(HVCALL_DELETE_PORT, HV_PARTITION_ID_SELF,
				port_id);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_delete_port);

/**
 * hv_call_notify_port_ring_empty() - tell the hypervisor a full event
 *	ring has room again
 * @sint_index: the SINT whose ring on this CPU was drained
 *
 * Context: Any context; interrupts disabled (the ring is this CPU's).
 * Return: 0 or a negative errno.
 */
int hv_call_notify_port_ring_empty(u32 sint_index)
{
	u64 status;

	status = transport()->fast_hypercall8(hv_control(HVCALL_NOTIFY_PORT_RING_EMPTY) |
					      HV_HYPERCALL_FAST_BIT, sint_index);
	return mshv_status_to_errno(status);
}
EXPORT_SYMBOL_IF_KUNIT(hv_call_notify_port_ring_empty);
