// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fake hypervisor: the hypervisor's side of the hypercall ABI, in
 * software, behind mshv_root's transport seam.
 *
 * It decodes the input page of every call it knows, keeps the state the
 * real hypervisor keeps (partitions, their deposited pages), enforces what
 * the real one enforces (rep counts, reserved bits, partition ids and
 * states), and records each call for the tests to assert on.  It checks
 * what the real one cannot report but would break on: a call issued with
 * interrupts enabled or from a page other than this CPU's hypercall page.
 *
 * Tests make it misbehave on purpose: fail call N, ask for memory a number
 * of times, complete only part of a rep list, or stall.
 */

#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <asm/mshyperv.h>

#include "mshv_fake_hv.h"

struct mshv_fake_pages {
	void *input;
	void *output;
};

/**
 * struct mshv_fake_req - one hypercall as a handler sees it
 * @code: hypercall code
 * @rep_count: reps asked for (0 for a simple call)
 * @rep_start: first rep to process
 * @input: input page, or the fast call's registers
 * @output: output page
 */
struct mshv_fake_req {
	u16 code;
	u16 rep_count;
	u16 rep_start;
	const void *input;
	void *output;
};

enum mshv_fake_kind {
	MSHV_FAKE_SIMPLE,
	MSHV_FAKE_REP,
	MSHV_FAKE_FAST,
};

/* The fake that the fake transport ops act on; installs nest. */
static struct mshv_fake_hv *mshv_fake_active;

static u64 fake_status(u16 result, u16 reps_done)
{
	return result | (u64)reps_done << HV_HYPERCALL_REP_COMP_OFFSET;
}

static struct mshv_fake_partition *fake_lookup(struct mshv_fake_hv *fake,
					       u64 id)
{
	unsigned int i;

	if (id == HV_PARTITION_ID_SELF || id == MSHV_FAKE_ROOT_ID)
		return &fake->root;
	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++)
		if (fake->partitions[i].state != MSHV_FAKE_PT_FREE &&
		    fake->partitions[i].id == id)
			return &fake->partitions[i];
	return NULL;
}

static struct mshv_fake_partition *fake_lookup_child(struct mshv_fake_hv *fake,
						     u64 id)
{
	struct mshv_fake_partition *pt = fake_lookup(fake, id);

	return pt == &fake->root ? NULL : pt;
}

/* The last rep this call may complete, for partial-completion tests. */
static u16 fake_rep_end(struct mshv_fake_hv *fake,
			const struct mshv_fake_req *req)
{
	if (fake->max_reps_per_call &&
	    req->rep_count - req->rep_start > fake->max_reps_per_call)
		return req->rep_start + fake->max_reps_per_call;
	return req->rep_count;
}

static u64 fake_get_system_property(struct mshv_fake_hv *fake,
				    const struct mshv_fake_req *req)
{
	const struct hv_input_get_system_property *in = req->input;
	struct hv_output_get_system_property *out = req->output;

	if (in->reserved || in->arg)
		return HV_STATUS_INVALID_PARAMETER;
	if (in->property_id != HV_SYSTEM_PROPERTY_SCHEDULER_TYPE)
		return HV_STATUS_INVALID_PARAMETER;
	/* Like the hypervisor, write only the property's own 4 bytes. */
	out->scheduler_type = fake->scheduler_type;
	return HV_STATUS_SUCCESS;
}

static u64 fake_get_partition_property(struct mshv_fake_hv *fake,
				       const struct mshv_fake_req *req)
{
	const struct hv_input_get_partition_property *in = req->input;
	struct hv_output_get_partition_property *out = req->output;
	struct mshv_fake_partition *pt = fake_lookup(fake, in->partition_id);

	unsigned int i;

	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in->padding)
		return HV_STATUS_INVALID_PARAMETER;
	if (pt == &fake->root &&
	    in->property_code == HV_PARTITION_PROPERTY_INTEGRATED_SCHEDULER_ENABLED) {
		out->property_value = fake->integrated_scheduler_enabled;
		return HV_STATUS_SUCCESS;
	}
	for (i = 0; i < MSHV_FAKE_MAX_PROPERTIES; i++) {
		if (pt->prop_codes[i] == in->property_code) {
			out->property_value = pt->prop_values[i];
			return HV_STATUS_SUCCESS;
		}
	}
	return HV_STATUS_UNKNOWN_PROPERTY;
}

static u64 fake_set_partition_property(struct mshv_fake_hv *fake,
				       const struct mshv_fake_req *req)
{
	const struct hv_input_set_partition_property *in = req->input;
	struct mshv_fake_partition *pt;
	unsigned int i;

	pt = fake_lookup_child(fake, in->partition_id);
	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in->padding || !in->property_code)
		return HV_STATUS_INVALID_PARAMETER;
	for (i = 0; i < MSHV_FAKE_MAX_PROPERTIES; i++) {
		if (!pt->prop_codes[i] || pt->prop_codes[i] == in->property_code) {
			pt->prop_codes[i] = in->property_code;
			pt->prop_values[i] = in->property_value;
			return HV_STATUS_SUCCESS;
		}
	}
	return HV_STATUS_INSUFFICIENT_BUFFERS;
}

#define MSHV_FAKE_MAP_FLAGS	(HV_MAP_GPA_READABLE | HV_MAP_GPA_WRITABLE | \
				 HV_MAP_GPA_EXECUTABLE | HV_MAP_GPA_NOT_CACHED | \
				 HV_MAP_GPA_LARGE_PAGE)

static unsigned long fake_gpa_value(u64 pfn, u32 flags)
{
	unsigned long v = pfn << MSHV_FAKE_GPA_PFN_SHIFT;

	if (flags & HV_MAP_GPA_WRITABLE)
		v |= MSHV_FAKE_GPA_WRITABLE;
	if (flags & HV_MAP_GPA_EXECUTABLE)
		v |= MSHV_FAKE_GPA_EXECUTABLE;
	if (flags & HV_MAP_GPA_NOT_CACHED)
		v |= MSHV_FAKE_GPA_NOT_CACHED;
	if (flags & HV_MAP_GPA_LARGE_PAGE)
		v |= MSHV_FAKE_GPA_LARGE;
	return v;
}

static u64 fake_map_gpa_pages(struct mshv_fake_hv *fake,
			      const struct mshv_fake_req *req)
{
	const struct hv_input_map_gpa_pages *in = req->input;
	bool large = in->map_flags & HV_MAP_GPA_LARGE_PAGE;
	unsigned int shift = large ? HV_LARGE_PAGE_SHIFT : 0;
	u16 end = fake_rep_end(fake, req), i;
	struct mshv_fake_partition *pt;
	u64 k;

	pt = fake_lookup_child(fake, in->target_partition_id);
	if (!pt)
		return fake_status(HV_STATUS_INVALID_PARTITION_ID, req->rep_start);
	if (in->padding || in->map_flags & ~MSHV_FAKE_MAP_FLAGS ||
	    !(in->map_flags & HV_MAP_GPA_READABLE))
		return fake_status(HV_STATUS_INVALID_PARAMETER, req->rep_start);
	if (req->rep_count > HV_MAP_GPA_BATCH_SIZE)
		return fake_status(HV_STATUS_INVALID_HYPERCALL_INPUT,
				   req->rep_start);

	for (i = req->rep_start; i < end; i++) {
		u64 gfn = in->target_gpa_base + ((u64)i << shift);
		u64 pfn = in->source_gpa_page_list[i];

		if (large && (!IS_ALIGNED(gfn, HV_LARGE_PAGE_FRAMES) ||
			      !IS_ALIGNED(pfn, HV_LARGE_PAGE_FRAMES)))
			return fake_status(HV_STATUS_INVALID_PARAMETER, i);
		/* Mapping over a mapped frame would hide a leak: refuse it. */
		for (k = 0; k < 1ULL << shift; k++)
			if (xa_load(&pt->gpa, gfn + k))
				return fake_status(HV_STATUS_INVALID_PARAMETER, i);
		for (k = 0; k < 1ULL << shift; k++) {
			void *old = xa_store(&pt->gpa, gfn + k,
					     xa_mk_value(fake_gpa_value(pfn + k,
									in->map_flags)),
					     GFP_ATOMIC);

			if (xa_is_err(old)) {
				while (k--)
					xa_erase(&pt->gpa, gfn + k);
				return fake_status(HV_STATUS_INSUFFICIENT_BUFFERS, i);
			}
		}
		pt->nr_mapped += 1UL << shift;
	}
	return fake_status(HV_STATUS_SUCCESS, end);
}

static u64 fake_unmap_gpa_pages(struct mshv_fake_hv *fake,
				const struct mshv_fake_req *req)
{
	const struct hv_input_unmap_gpa_pages *in = req->input;
	bool large = in->unmap_flags & HV_UNMAP_GPA_LARGE_PAGE;
	unsigned int shift = large ? HV_LARGE_PAGE_SHIFT : 0;
	u16 end = fake_rep_end(fake, req), i;
	struct mshv_fake_partition *pt;
	u64 k;

	pt = fake_lookup_child(fake, in->target_partition_id);
	if (!pt)
		return fake_status(HV_STATUS_INVALID_PARTITION_ID, req->rep_start);
	if (in->padding || in->unmap_flags & ~HV_UNMAP_GPA_LARGE_PAGE)
		return fake_status(HV_STATUS_INVALID_PARAMETER, req->rep_start);

	for (i = req->rep_start; i < end; i++) {
		u64 gfn = in->target_gpa_base + ((u64)i << shift);

		if (large && !IS_ALIGNED(gfn, HV_LARGE_PAGE_FRAMES))
			return fake_status(HV_STATUS_INVALID_PARAMETER, i);
		/* Unmapping what is not mapped is harmless, as in the hypervisor. */
		for (k = 0; k < 1ULL << shift; k++)
			if (xa_erase(&pt->gpa, gfn + k))
				pt->nr_mapped--;
	}
	return fake_status(HV_STATUS_SUCCESS, end);
}

static u64 fake_get_gpa_access_states(struct mshv_fake_hv *fake,
				      const struct mshv_fake_req *req)
{
	const struct hv_input_get_gpa_pages_access_state *in = req->input;
	u16 end = fake_rep_end(fake, req), i;
	struct mshv_fake_partition *pt;
	u8 *out = req->output;

	pt = fake_lookup_child(fake, in->partition_id);
	if (!pt)
		return fake_status(HV_STATUS_INVALID_PARTITION_ID, req->rep_start);
	if (in->flags & ~(HV_GPA_ACCESS_CLEAR_ACCESSED | HV_GPA_ACCESS_SET_ACCESSED |
			  HV_GPA_ACCESS_CLEAR_DIRTY | HV_GPA_ACCESS_SET_DIRTY) ||
	    req->rep_count > HV_GPA_ACCESS_STATES_BATCH_SIZE)
		return fake_status(HV_STATUS_INVALID_PARAMETER, req->rep_start);

	for (i = req->rep_start; i < end; i++) {
		u64 gfn = in->hv_gpa_page_number + i;
		void *entry = xa_load(&pt->gpa, gfn);
		unsigned long v;

		if (!entry)
			return fake_status(HV_STATUS_INVALID_PARAMETER, i);
		v = xa_to_value(entry);
		out[i] = (v & MSHV_FAKE_GPA_ACCESSED ? HV_GPA_ACCESS_STATE_ACCESSED : 0) |
			 (v & MSHV_FAKE_GPA_DIRTY ? HV_GPA_ACCESS_STATE_DIRTY : 0);
		if (in->flags & HV_GPA_ACCESS_CLEAR_ACCESSED)
			v &= ~MSHV_FAKE_GPA_ACCESSED;
		if (in->flags & HV_GPA_ACCESS_SET_ACCESSED)
			v |= MSHV_FAKE_GPA_ACCESSED;
		if (in->flags & HV_GPA_ACCESS_CLEAR_DIRTY)
			v &= ~MSHV_FAKE_GPA_DIRTY;
		if (in->flags & HV_GPA_ACCESS_SET_DIRTY)
			v |= MSHV_FAKE_GPA_DIRTY;
		/* Replacing an entry allocates nothing. */
		xa_store(&pt->gpa, gfn, xa_mk_value(v), GFP_ATOMIC);
	}
	return fake_status(HV_STATUS_SUCCESS, end);
}

static u64 fake_get_partition_property_ex(struct mshv_fake_hv *fake,
					  const struct mshv_fake_req *req)
{
	const struct hv_input_get_partition_property_ex *in = req->input;
	struct hv_partition_property_vmm_capabilities *caps = req->output;
	struct mshv_fake_partition *pt = fake_lookup(fake, in->partition_id);

	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in->padding || in->arg)
		return HV_STATUS_INVALID_PARAMETER;
	if (pt != &fake->root ||
	    in->property_code != HV_PARTITION_PROPERTY_VMM_CAPABILITIES)
		return HV_STATUS_UNKNOWN_PROPERTY;
	memset(caps, 0, sizeof(*caps));
	caps->bank_count = HV_VMM_CAPABILITIES_BANK_COUNT;
	caps->banks[0] = fake->vmm_capabilities;
	return HV_STATUS_SUCCESS;
}

static u64 fake_create_partition(struct mshv_fake_hv *fake,
				 const struct mshv_fake_req *req)
{
	const struct hv_input_create_partition *in = req->input;
	struct hv_output_create_partition *out = req->output;
	unsigned int i;

	if (in->padding || in->isolation_properties)
		return HV_STATUS_INVALID_PARAMETER;
	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++) {
		struct mshv_fake_partition *pt = &fake->partitions[i];

		if (pt->state != MSHV_FAKE_PT_FREE)
			continue;
		pt->state = MSHV_FAKE_PT_CREATED;
		pt->id = fake->next_id++;
		pt->flags = in->flags;
		out->partition_id = pt->id;
		return HV_STATUS_SUCCESS;
	}
	/* The fake's table is full: not a request for memory. */
	return HV_STATUS_INSUFFICIENT_BUFFERS;
}

static u64 fake_initialize_partition(struct mshv_fake_hv *fake,
				     const struct mshv_fake_req *req)
{
	struct mshv_fake_partition *pt;

	pt = fake_lookup_child(fake, *(const u64 *)req->input);
	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (pt->state != MSHV_FAKE_PT_CREATED)
		return HV_STATUS_INVALID_PARTITION_STATE;
	pt->state = MSHV_FAKE_PT_INITIALIZED;
	return HV_STATUS_SUCCESS;
}

static u64 fake_finalize_partition(struct mshv_fake_hv *fake,
				   const struct mshv_fake_req *req)
{
	struct mshv_fake_partition *pt;

	pt = fake_lookup_child(fake, *(const u64 *)req->input);
	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (pt->state == MSHV_FAKE_PT_FINALIZED)
		return HV_STATUS_INVALID_PARTITION_STATE;
	pt->state = MSHV_FAKE_PT_FINALIZED;
	return HV_STATUS_SUCCESS;
}

static u64 fake_delete_partition(struct mshv_fake_hv *fake,
				 const struct mshv_fake_req *req)
{
	struct mshv_fake_partition *pt;

	pt = fake_lookup_child(fake, *(const u64 *)req->input);
	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	/*
	 * A partition that ran must be finalized first (one never
	 * initialized need not be); deleting one that still holds deposited
	 * memory would leak it.
	 */
	if (pt->state == MSHV_FAKE_PT_INITIALIZED || pt->nr_deposited)
		return HV_STATUS_INVALID_PARTITION_STATE;
	/* The hypervisor drops a deleted partition's mappings itself. */
	xa_destroy(&pt->gpa);
	pt->nr_mapped = 0;
	memset(pt->prop_codes, 0, sizeof(pt->prop_codes));
	pt->state = MSHV_FAKE_PT_FREE;
	return HV_STATUS_SUCCESS;
}

static u64 fake_deposit_memory(struct mshv_fake_hv *fake,
			       const struct mshv_fake_req *req)
{
	const struct hv_input_deposit_memory *in = req->input;
	struct mshv_fake_partition *pt = fake_lookup(fake, in->partition_id);
	u16 end = fake_rep_end(fake, req), i;

	if (!pt)
		return fake_status(HV_STATUS_INVALID_PARTITION_ID, req->rep_start);
	if (req->rep_count > HV_DEPOSIT_MAX_PAGES)
		return fake_status(HV_STATUS_INVALID_HYPERCALL_INPUT,
				   req->rep_start);
	for (i = req->rep_start; i < end; i++) {
		u64 pfn = in->gpa_page_list[i];

		if (!pfn_valid(pfn))
			return fake_status(HV_STATUS_INVALID_PARAMETER, i);
		if (pt->nr_deposited == MSHV_FAKE_MAX_DEPOSIT)
			return fake_status(HV_STATUS_INSUFFICIENT_BUFFERS, i);
		pt->deposited[pt->nr_deposited++] = pfn;
	}
	return fake_status(HV_STATUS_SUCCESS, end);
}

static u64 fake_withdraw_memory(struct mshv_fake_hv *fake,
				const struct mshv_fake_req *req)
{
	const struct hv_input_withdraw_memory *in = req->input;
	struct mshv_fake_partition *pt = fake_lookup(fake, in->partition_id);
	u16 end = fake_rep_end(fake, req), i;
	u64 *out = req->output;

	if (!pt)
		return fake_status(HV_STATUS_INVALID_PARTITION_ID, req->rep_start);
	if (req->rep_count > HV_WITHDRAW_MAX_PAGES)
		return fake_status(HV_STATUS_INVALID_HYPERCALL_INPUT,
				   req->rep_start);
	for (i = req->rep_start; i < end; i++) {
		if (!pt->nr_deposited)
			return fake_status(HV_STATUS_NO_RESOURCES, i);
		out[i] = pt->deposited[--pt->nr_deposited];
	}
	return fake_status(HV_STATUS_SUCCESS, end);
}

static const struct {
	u16 code;
	enum mshv_fake_kind kind;
	u64 (*handle)(struct mshv_fake_hv *fake,
		      const struct mshv_fake_req *req);
} mshv_fake_handlers[] = {
	{ HVCALL_GET_SYSTEM_PROPERTY, MSHV_FAKE_SIMPLE, fake_get_system_property },
	{ HVCALL_GET_PARTITION_PROPERTY, MSHV_FAKE_SIMPLE, fake_get_partition_property },
	{ HVCALL_GET_PARTITION_PROPERTY_EX, MSHV_FAKE_SIMPLE, fake_get_partition_property_ex },
	{ HVCALL_CREATE_PARTITION, MSHV_FAKE_SIMPLE, fake_create_partition },
	{ HVCALL_INITIALIZE_PARTITION, MSHV_FAKE_FAST, fake_initialize_partition },
	{ HVCALL_FINALIZE_PARTITION, MSHV_FAKE_FAST, fake_finalize_partition },
	{ HVCALL_DELETE_PARTITION, MSHV_FAKE_FAST, fake_delete_partition },
	{ HVCALL_SET_PARTITION_PROPERTY, MSHV_FAKE_SIMPLE, fake_set_partition_property },
	{ HVCALL_DEPOSIT_MEMORY, MSHV_FAKE_REP, fake_deposit_memory },
	{ HVCALL_WITHDRAW_MEMORY, MSHV_FAKE_REP, fake_withdraw_memory },
	{ HVCALL_MAP_GPA_PAGES, MSHV_FAKE_REP, fake_map_gpa_pages },
	{ HVCALL_UNMAP_GPA_PAGES, MSHV_FAKE_REP, fake_unmap_gpa_pages },
	{ HVCALL_GET_GPA_PAGES_ACCESS_STATES, MSHV_FAKE_REP, fake_get_gpa_access_states },
};

static void fake_violation(struct mshv_fake_hv *fake, const char *what)
{
	fake->violations++;
	fake->violation = what;
}

/* Is the control word well formed for a call of this kind? */
static bool fake_control_ok(struct mshv_fake_hv *fake, u64 control,
			    enum mshv_fake_kind kind,
			    const struct mshv_fake_req *req)
{
	bool fast = control & HV_HYPERCALL_FAST_BIT;
	bool want_fast = kind == MSHV_FAKE_FAST;

	if (control & HV_HYPERCALL_RSVD_MASK) {
		fake_violation(fake, "reserved control bits set");
		return false;
	}
	/* None of the hypercalls the fake knows has a variable header. */
	if (control & HV_HYPERCALL_VARHEAD_MASK) {
		fake_violation(fake, "variable header size set");
		return false;
	}
	if (fast != want_fast) {
		fake_violation(fake, "fast bit does not match the hypercall");
		return false;
	}
	if (kind == MSHV_FAKE_REP ?
	    !req->rep_count || req->rep_start >= req->rep_count :
	    req->rep_count || req->rep_start) {
		fake_violation(fake, "rep count or start does not match the hypercall");
		return false;
	}
	return true;
}

/* Memory calls never ask for memory themselves. */
static bool fake_may_need_memory(struct mshv_fake_hv *fake, u16 code)
{
	if (code == HVCALL_DEPOSIT_MEMORY || code == HVCALL_WITHDRAW_MEMORY)
		return fake->need_memory_code == code;
	return !fake->need_memory_code || fake->need_memory_code == code;
}

/* Misbehave as told, or let the handler answer. */
static u64 fake_answer(struct mshv_fake_hv *fake, unsigned int n,
		       enum mshv_fake_kind kind,
		       u64 (*handle)(struct mshv_fake_hv *fake,
				     const struct mshv_fake_req *req),
		       const struct mshv_fake_req *req)
{
	if (fake->fail_at_call && n >= fake->fail_at_call &&
	    n - fake->fail_at_call <= fake->fail_repeat)
		return fake_status(fake->fail_status, req->rep_start);
	if (fake->need_memory_calls && fake_may_need_memory(fake, req->code)) {
		fake->need_memory_calls--;
		return fake_status(fake->need_memory_status, req->rep_start);
	}
	if (fake->stall_from_call && n >= fake->stall_from_call &&
	    kind == MSHV_FAKE_REP)
		return fake_status(HV_STATUS_SUCCESS, req->rep_start);
	return handle(fake, req);
}

static u64 fake_dispatch(struct mshv_fake_hv *fake, u64 control,
			 const void *input, void *output)
{
	struct mshv_fake_req req = {
		.code = control & HV_HYPERCALL_RESULT_MASK,
		.rep_count = (control & HV_HYPERCALL_REP_COMP_MASK) >>
			     HV_HYPERCALL_REP_COMP_OFFSET,
		.rep_start = (control & HV_HYPERCALL_REP_START_MASK) >>
			     HV_HYPERCALL_REP_START_OFFSET,
		.input = input,
		.output = output,
	};
	unsigned int n = ++fake->nr_calls, i;
	u64 status = HV_STATUS_INVALID_HYPERCALL_CODE;

	if (req.code < MSHV_FAKE_MAX_CODE)
		fake->calls_by_code[req.code]++;

	for (i = 0; i < ARRAY_SIZE(mshv_fake_handlers); i++) {
		enum mshv_fake_kind kind = mshv_fake_handlers[i].kind;

		if (mshv_fake_handlers[i].code != req.code)
			continue;
		if (fake_control_ok(fake, control, kind, &req))
			status = fake_answer(fake, n, kind,
					     mshv_fake_handlers[i].handle, &req);
		else
			status = HV_STATUS_INVALID_HYPERCALL_INPUT;
		break;
	}

	if (n <= MSHV_FAKE_MAX_RECORDED) {
		fake->calls[n - 1].control = control;
		fake->calls[n - 1].status = status;
		fake->calls[n - 1].arg0 = *(const u64 *)input;
	}
	return status;
}

static u64 fake_hypercall(u64 control, void *input, void *output)
{
	struct mshv_fake_hv *fake = READ_ONCE(mshv_fake_active);
	bool irqs_off = irqs_disabled();
	struct mshv_fake_pages *pages;
	unsigned long flags;
	u64 status;

	spin_lock_irqsave(&fake->lock, flags);
	pages = this_cpu_ptr(fake->pages);
	if (!irqs_off) {
		fake_violation(fake, "hypercall page used with interrupts enabled");
		status = HV_STATUS_INVALID_HYPERCALL_INPUT;
	} else if (control & HV_HYPERCALL_FAST_BIT) {
		fake_violation(fake, "fast hypercall issued through memory");
		status = HV_STATUS_INVALID_HYPERCALL_INPUT;
	} else if (input != pages->input ||
		   (output && output != pages->output)) {
		fake_violation(fake, "not this CPU's hypercall pages");
		status = HV_STATUS_INVALID_ALIGNMENT;
	} else {
		status = fake_dispatch(fake, control, input, output);
	}
	spin_unlock_irqrestore(&fake->lock, flags);
	return status;
}

static u64 fake_fast_hypercall16(u64 control, u64 input1, u64 input2)
{
	u64 regs[2] = { input1, input2 };
	struct mshv_fake_hv *fake;
	unsigned long flags;
	u64 status;

	/* Interrupts off make this an RCU reader: see uninstall. */
	local_irq_save(flags);
	fake = READ_ONCE(mshv_fake_active);
	spin_lock(&fake->lock);
	status = fake_dispatch(fake, control, regs, NULL);
	spin_unlock(&fake->lock);
	local_irq_restore(flags);
	return status;
}

static u64 fake_fast_hypercall8(u64 control, u64 input)
{
	return fake_fast_hypercall16(control, input, 0);
}

static void *fake_input_page(void)
{
	return this_cpu_ptr(READ_ONCE(mshv_fake_active)->pages)->input;
}

static void *fake_output_page(void)
{
	return this_cpu_ptr(READ_ONCE(mshv_fake_active)->pages)->output;
}

const struct mshv_transport mshv_fake_transport = {
	.name = "fake",
	.hypercall = fake_hypercall,
	.fast_hypercall8 = fake_fast_hypercall8,
	.fast_hypercall16 = fake_fast_hypercall16,
	.input_page = fake_input_page,
	.output_page = fake_output_page,
};
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_transport);

static void fake_free_partition(struct mshv_fake_partition *pt)
{
	xa_destroy(&pt->gpa);
	if (!pt->deposited)
		return;
	/* Pages the driver never withdrew go back to the page allocator. */
	while (pt->nr_deposited)
		__free_page(pfn_to_page(pt->deposited[--pt->nr_deposited]));
	kvfree(pt->deposited);
	pt->deposited = NULL;
}

static int fake_init_partition(struct mshv_fake_partition *pt)
{
	pt->deposited = kvcalloc(MSHV_FAKE_MAX_DEPOSIT, sizeof(u64), GFP_KERNEL);
	return pt->deposited ? 0 : -ENOMEM;
}

/**
 * mshv_fake_hv_destroy() - free a fake hypervisor and what it holds
 * @fake: the fake, not installed; NULL is allowed
 *
 * Pages still deposited are freed, so a failing test leaks nothing.
 *
 * Context: Process context.
 */
void mshv_fake_hv_destroy(struct mshv_fake_hv *fake)
{
	unsigned int i;
	int cpu;

	if (!fake)
		return;
	fake_free_partition(&fake->root);
	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++)
		fake_free_partition(&fake->partitions[i]);
	if (fake->pages) {
		for_each_possible_cpu(cpu) {
			struct mshv_fake_pages *pages = per_cpu_ptr(fake->pages, cpu);

			free_page((unsigned long)pages->input);
			free_page((unsigned long)pages->output);
		}
		free_percpu(fake->pages);
	}
	kfree(fake);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_destroy);

/**
 * mshv_fake_hv_create() - a fake hypervisor in its default state
 *
 * The default is a root partition under the root scheduler, with no VMM
 * capabilities, no child partitions and no misbehaviour.
 *
 * Context: Process context; may sleep.
 * Return: The fake, or NULL when out of memory.
 */
struct mshv_fake_hv *mshv_fake_hv_create(void)
{
	struct mshv_fake_hv *fake;
	unsigned int i;
	int cpu;

	fake = kzalloc(sizeof(*fake), GFP_KERNEL);
	if (!fake)
		return NULL;
	spin_lock_init(&fake->lock);
	/* Before anything can fail: destroy tears every xarray down. */
	xa_init(&fake->root.gpa);
	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++)
		xa_init(&fake->partitions[i].gpa);
	fake->scheduler_type = HV_SCHEDULER_TYPE_ROOT;
	fake->root.state = MSHV_FAKE_PT_INITIALIZED;
	fake->root.id = MSHV_FAKE_ROOT_ID;
	fake->next_id = MSHV_FAKE_ROOT_ID + 1;

	fake->pages = alloc_percpu(struct mshv_fake_pages);
	if (!fake->pages)
		goto fail;
	for_each_possible_cpu(cpu) {
		struct mshv_fake_pages *pages = per_cpu_ptr(fake->pages, cpu);

		pages->input = (void *)get_zeroed_page(GFP_KERNEL);
		pages->output = (void *)get_zeroed_page(GFP_KERNEL);
		if (!pages->input || !pages->output)
			goto fail;
	}
	if (fake_init_partition(&fake->root))
		goto fail;
	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++)
		if (fake_init_partition(&fake->partitions[i]))
			goto fail;
	return fake;

fail:
	mshv_fake_hv_destroy(fake);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_create);

/**
 * mshv_fake_hv_install() - route the driver's hypercalls to @fake
 * @fake: the fake hypervisor
 *
 * Context: Process context, with no hypercall in flight.
 */
void mshv_fake_hv_install(struct mshv_fake_hv *fake)
{
	if (WARN_ON(fake == mshv_fake_active))
		return;
	fake->saved_active = mshv_fake_active;
	WRITE_ONCE(mshv_fake_active, fake);
	fake->saved_transport = mshv_transport_set(&mshv_fake_transport);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_install);

/**
 * mshv_fake_hv_uninstall() - give the driver its previous transport back
 * @fake: the installed fake hypervisor
 *
 * Installs nest: a KUnit suite may install its own fake over the test-only
 * backend's, and uninstalling it puts the backend's back.  Uninstalls must
 * come in reverse order of installs.
 *
 * Context: Process context, with no hypercall in flight.
 */
void mshv_fake_hv_uninstall(struct mshv_fake_hv *fake)
{
	if (WARN_ON(READ_ONCE(mshv_fake_active) != fake))
		return;
	mshv_transport_set(fake->saved_transport);
	WRITE_ONCE(mshv_fake_active, fake->saved_active);
	/*
	 * Hypercalls run with interrupts disabled, which makes them RCU
	 * readers: after this, none can still be using @fake.
	 */
	synchronize_rcu();
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_uninstall);

/**
 * mshv_fake_hv_count_calls() - how often a hypercall was issued
 * @fake: the fake hypervisor
 * @code: hypercall code
 *
 * Context: Any context.
 * Return: The number of calls with @code since the fake was created.
 */
unsigned int mshv_fake_hv_count_calls(struct mshv_fake_hv *fake, u16 code)
{
	return code < MSHV_FAKE_MAX_CODE ? READ_ONCE(fake->calls_by_code[code]) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_count_calls);

/**
 * mshv_fake_hv_partition() - the fake's view of a partition
 * @fake: the fake hypervisor
 * @id: partition id, or HV_PARTITION_ID_SELF for the root
 *
 * Context: Test code, with no hypercall in flight.
 * Return: The partition, or NULL if the fake holds none with @id.
 */
struct mshv_fake_partition *mshv_fake_hv_partition(struct mshv_fake_hv *fake,
						   u64 id)
{
	return fake_lookup(fake, id);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_partition);

/**
 * mshv_fake_hv_nr_partitions() - number of child partitions that exist
 * @fake: the fake hypervisor
 *
 * Context: Test code, with no hypercall in flight.
 * Return: Child partitions in any state but free.
 */
unsigned int mshv_fake_hv_nr_partitions(struct mshv_fake_hv *fake)
{
	unsigned int i, n = 0;

	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++)
		if (fake->partitions[i].state != MSHV_FAKE_PT_FREE)
			n++;
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_nr_partitions);

/**
 * mshv_fake_hv_gpa() - what the fake has mapped at a guest frame
 * @fake: the fake hypervisor
 * @id: child partition id
 * @gfn: guest frame
 * @pfn: if not NULL, receives the host frame
 * @bits: if not NULL, receives MSHV_FAKE_GPA_* bits
 *
 * Context: Test code, with no hypercall in flight.
 * Return: Whether @gfn is mapped.
 */
bool mshv_fake_hv_gpa(struct mshv_fake_hv *fake, u64 id, u64 gfn, u64 *pfn,
		      unsigned int *bits)
{
	struct mshv_fake_partition *pt = fake_lookup_child(fake, id);
	void *entry = pt ? xa_load(&pt->gpa, gfn) : NULL;

	if (!entry)
		return false;
	if (pfn)
		*pfn = xa_to_value(entry) >> MSHV_FAKE_GPA_PFN_SHIFT;
	if (bits)
		*bits = xa_to_value(entry) & (BIT(MSHV_FAKE_GPA_PFN_SHIFT) - 1);
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_gpa);

/**
 * mshv_fake_hv_set_gpa_bits() - play the guest: mark a frame accessed/dirty
 * @fake: the fake hypervisor
 * @id: child partition id
 * @gfn: a mapped guest frame
 * @bits: MSHV_FAKE_GPA_ACCESSED and/or MSHV_FAKE_GPA_DIRTY to set
 *
 * Context: Test code, with no hypercall in flight.
 */
void mshv_fake_hv_set_gpa_bits(struct mshv_fake_hv *fake, u64 id, u64 gfn,
			       unsigned int bits)
{
	struct mshv_fake_partition *pt = fake_lookup_child(fake, id);
	void *entry = pt ? xa_load(&pt->gpa, gfn) : NULL;

	if (entry)
		xa_store(&pt->gpa, gfn, xa_mk_value(xa_to_value(entry) | bits),
			 GFP_KERNEL);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_set_gpa_bits);
