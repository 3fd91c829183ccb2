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
 * interrupts enabled or from a page other than this CPU's hypercall page
 * (or, for DISPATCH_VP, preemptible or from those pages).
 *
 * Guest VPs follow scripts the tests write: each step is an intercept or a
 * halt.  With run_guest_code set, a VP whose script is empty runs its
 * guest's real mode code instead (mshv_fake_guest.c), with the intercepts
 * the hypervisor would give.  The SynIC messages the hypervisor would send the root (opaque
 * intercepts, scheduler signals, APIC EOIs, word of doorbell events) go
 * through a model of the root's SynIC: each is queued on the CPU that sends
 * it, and an irq_work on that CPU, in hard interrupt context, puts it in
 * the message slot of the CPU's SynIC message page and calls the driver's
 * SynIC interrupt handler, as the hypervisor's interrupt would.  The driver
 * programs that SynIC through the transport's SynIC register ops.
 *
 * Interrupts the root asserts into a guest are logged per partition.  The
 * root's doorbell ports and the guests' connections to them are kept; a
 * guest write the tests play rings the matching doorbells: the port ids
 * go to the SINT's ring in this CPU's SynIC event ring page, and the root
 * hears of it from a message delivered on that same CPU.
 *
 * Tests make it misbehave on purpose: fail call N, ask for memory a number
 * of times, complete only part of a rep list, or stall.
 */

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/irq_work.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include <asm/mshyperv.h>

#include "mshv_fake_hv.h"

/**
 * struct mshv_fake_overflow - a doorbell event its event ring had no room for
 * @port_id: the port
 * @sint: the SINT whose ring was full
 */
struct mshv_fake_overflow {
	u32 port_id;
	u8 sint;
};

/**
 * struct mshv_fake_synic - one CPU's SynIC, as the hardware holds it
 * @scontrol: HV_MSR_SCONTROL
 * @simp: HV_MSR_SIMP: the message page's frame, and whether it is enabled
 * @siefp: HV_MSR_SIEFP: the event flags page's frame, likewise
 * @sirbp: HV_MSR_SIRBP: the event ring page's frame, likewise
 * @sint: HV_MSR_SINT0 on, by SINT
 * @message_page: the SynIC message page
 * @event_flags: the SynIC event flags page; the fake sets no flag in it
 * @event_ring: the SynIC event ring page
 * @head: by SINT, the slot of its event ring the next event goes to
 * @nr_overflow: events in @overflow
 * @overflow: events that found their ring full, oldest first
 * @awaiting_eom: the root was told more messages wait (msg_pending); the
 *	SynIC delivers the next one only after its end of message
 *
 * The root partition's SynIC pages come from the hypervisor: the registers
 * name them from reset on, and the root only enables them.  Here they are
 * allocated when the first fake is created and never freed, because they
 * model hardware: the driver maps them when it brings a CPU up (the
 * test-only backend's fake is installed then) and keeps them mapped while
 * later fakes come and go.  The registers, too, keep what the driver wrote
 * across fakes.
 *
 * The registers are written only on their CPU, with preemption disabled;
 * anyone may read them.  The event rings and what goes with them are used
 * only on their CPU, with interrupts disabled, as the driver reads them.
 */
struct mshv_fake_synic {
	u64 scontrol;
	u64 simp;
	u64 siefp;
	u64 sirbp;
	u64 sint[HV_SYNIC_SINT_COUNT];
	struct hv_message_page *message_page;
	void *event_flags;
	struct hv_synic_event_ring_page *event_ring;
	u8 head[HV_SYNIC_SINT_COUNT];
	unsigned int nr_overflow;
	struct mshv_fake_overflow overflow[MSHV_FAKE_EVENT_OVERFLOW];
	bool awaiting_eom;
};

static DEFINE_PER_CPU(struct mshv_fake_synic, mshv_fake_synic);
/* Serializes the allocation of the SynIC pages. */
static DEFINE_MUTEX(mshv_fake_synic_mutex);
static bool mshv_fake_synic_allocated;

/**
 * struct mshv_fake_cpu - what a fake keeps for each CPU
 * @input: hypercall input page
 * @output: hypercall output page
 * @pending: messages sent on this CPU, waiting for its SynIC
 * @held_by_synic: how many of the oldest in @pending were already counted
 *	in the fake's messages_held_by_synic
 * @fake: the fake, for @deliver
 * @deliver: the SynIC interrupt: moves @pending through the CPU's message
 *	slot to the driver, on this CPU, in hard interrupt context
 *
 * @pending and @held_by_synic are under the fake's lock.
 */
struct mshv_fake_cpu {
	void *input;
	void *output;
	struct mshv_fake_msg_ring *pending;
	unsigned int held_by_synic;
	struct mshv_fake_hv *fake;
	struct irq_work deliver;
};

static_assert(HV_SYNIC_EVENT_RING_MESSAGE_COUNT <= U8_MAX);

/**
 * struct mshv_fake_req - one hypercall as a handler sees it
 * @code: hypercall code
 * @rep_count: reps asked for (0 for a simple call)
 * @rep_start: first rep to process
 * @varhead: size of the variable header, in 8-byte units
 * @input: input page, or the fast call's registers
 * @output: output page
 */
struct mshv_fake_req {
	u16 code;
	u16 rep_count;
	u16 rep_start;
	u16 varhead;
	const void *input;
	void *output;
};

enum mshv_fake_kind {
	MSHV_FAKE_SIMPLE,
	MSHV_FAKE_REP,
	MSHV_FAKE_FAST,
	MSHV_FAKE_VARHEAD,	/* simple, with a variable header */
};

/*
 * GET/SET_VP_STATE: the fixed header runs through the state description;
 * the variable header holds only the frame list, or SET's state bytes.
 */
#define MSHV_FAKE_VP_STATE_FIXED \
	sizeof(struct hv_input_get_vp_state)
#define MSHV_FAKE_TIMERS_SIZE	sizeof(struct hv_synthetic_timers_state)

static_assert(MSHV_FAKE_TIMERS_SIZE <= MSHV_FAKE_VP_STATE_HEAD);

/**
 * struct mshv_fake_vp_data - a VP, with what its snapshot leaves out
 * @vp: what mshv_fake_hv_vp_snapshot() copies
 * @script_head: index in @script of the next step
 * @script: the steps left, a ring of @vp.script_count
 * @reg_names: registers set, other than the suspend registers
 * @reg_values: their values
 * @guest_pending: hypervisor scheduler: the VP's guest code used up its
 *	budget and goes on from &mshv_fake_hv.guest_work
 * @state: the first %MSHV_FAKE_VP_STATE_HEAD bytes of each GET/SET_VP_STATE
 *	type, by the type without %HV_GET_SET_VP_STATE_TYPE_PFN; allocated
 *	apart, so that neither allocation (atomic, under the fake's lock)
 *	needs more than the largest kmalloc cache
 */
struct mshv_fake_vp_data {
	struct mshv_fake_vp vp;
	unsigned int script_head;
	struct mshv_fake_exit script[MSHV_FAKE_VP_SCRIPT_LEN];
	u32 reg_names[MSHV_FAKE_VP_REGISTERS];
	struct hv_register_value reg_values[MSHV_FAKE_VP_REGISTERS];
	bool guest_pending;
	u8 (*state)[MSHV_FAKE_VP_STATE_HEAD];
};

static_assert(sizeof(struct mshv_fake_vp_data) <= KMALLOC_MAX_CACHE_SIZE);
static_assert(MSHV_FAKE_VP_STATE_TYPES * MSHV_FAKE_VP_STATE_HEAD <=
	      KMALLOC_MAX_CACHE_SIZE);

static struct mshv_fake_vp_data *fake_vp_data(struct mshv_fake_vp *vp)
{
	return container_of(vp, struct mshv_fake_vp_data, vp);
}

/* The fake that the fake transport ops act on; installs nest. */
static struct mshv_fake_hv *mshv_fake_active;

static u64 fake_status(u16 result, u16 reps_done)
{
	return result | (u64)reps_done << HV_HYPERCALL_REP_COMP_OFFSET;
}

static void fake_violation(struct mshv_fake_hv *fake, const char *what)
{
	fake->violations++;
	fake->violation = what;
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

/* A partition's property: as set, else the fake's default, if it has one. */
static bool fake_property(struct mshv_fake_hv *fake,
			  const struct mshv_fake_partition *pt, u32 code,
			  u64 *value)
{
	unsigned int i;

	if (pt == &fake->root &&
	    code == HV_PARTITION_PROPERTY_INTEGRATED_SCHEDULER_ENABLED) {
		*value = fake->integrated_scheduler_enabled;
		return true;
	}
	for (i = 0; i < MSHV_FAKE_MAX_PROPERTIES; i++) {
		if (pt->prop_codes[i] == code) {
			*value = pt->prop_values[i];
			return true;
		}
	}
	if (pt == &fake->root)
		return false;
	switch (code) {
	case HV_PARTITION_PROPERTY_XSAVE_STATES:
		*value = fake->xsave_states;
		return true;
	case HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE:
		*value = fake->max_xsave_data_size;
		return true;
	}
	return false;
}

static u64 fake_get_partition_property(struct mshv_fake_hv *fake,
				       const struct mshv_fake_req *req)
{
	const struct hv_input_get_partition_property *in = req->input;
	struct hv_output_get_partition_property *out = req->output;
	struct mshv_fake_partition *pt = fake_lookup(fake, in->partition_id);
	u64 value;

	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in->padding)
		return HV_STATUS_INVALID_PARAMETER;
	if (!fake_property(fake, pt, in->property_code, &value))
		return HV_STATUS_UNKNOWN_PROPERTY;
	out->property_value = value;
	return HV_STATUS_SUCCESS;
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

	/* Guest code must not reach a device's frame as if it were RAM. */
	if (!pfn_valid(pfn) || flags & HV_MAP_GPA_NOT_CACHED)
		v |= MSHV_FAKE_GPA_MMIO;

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

static struct mshv_fake_vp *fake_lookup_vp(struct mshv_fake_partition *pt,
					   u32 vp_index)
{
	return vp_index < MSHV_MAX_VPS ? pt->vps[vp_index] : NULL;
}

/* The VP a call names, or the status that says why there is none. */
static u16 fake_find_vp(struct mshv_fake_hv *fake, u64 pt_id, u32 vp_index,
			struct mshv_fake_partition **ptp,
			struct mshv_fake_vp **vpp)
{
	struct mshv_fake_partition *pt = fake_lookup_child(fake, pt_id);

	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	*vpp = fake_lookup_vp(pt, vp_index);
	if (!*vpp)
		return HV_STATUS_INVALID_VP_INDEX;
	if (ptp)
		*ptp = pt;
	return HV_STATUS_SUCCESS;
}

static void fake_unmap_state_page(struct mshv_fake_hv *fake,
				  struct mshv_fake_vp *vp, unsigned int type)
{
	if (vp->state_owned[type]) {
		__free_page(pfn_to_page(vp->state_pfn[type]));
		fake->nr_state_pages--;
	}
	vp->state_pfn[type] = 0;
	vp->state_mapped[type] = false;
	vp->state_owned[type] = false;
}

static void fake_free_vp(struct mshv_fake_hv *fake,
			 struct mshv_fake_partition *pt, u32 vp_index)
{
	struct mshv_fake_vp *vp = pt->vps[vp_index];
	unsigned int type;

	for (type = 0; type < HV_VP_STATE_PAGE_COUNT; type++)
		fake_unmap_state_page(fake, vp, type);
	kfree(fake_vp_data(vp)->state);
	kfree(fake_vp_data(vp));
	pt->vps[vp_index] = NULL;
	pt->nr_vps--;
}

static void fake_free_vps(struct mshv_fake_hv *fake,
			  struct mshv_fake_partition *pt)
{
	u32 i;

	for (i = 0; i < MSHV_MAX_VPS && pt->nr_vps; i++)
		if (pt->vps[i])
			fake_free_vp(fake, pt, i);
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

static bool fake_is_root_id(u64 id)
{
	return id == HV_PARTITION_ID_SELF || id == MSHV_FAKE_ROOT_ID;
}

static struct mshv_fake_port *fake_find_port(struct mshv_fake_hv *fake,
					     u64 port_id)
{
	unsigned int i;

	for (i = 0; i < fake->nr_ports; i++)
		if (fake->ports[i].port_id == port_id)
			return &fake->ports[i];
	return NULL;
}

static struct mshv_fake_connection *
fake_find_connection(struct mshv_fake_hv *fake, u64 pt_id, u64 connection_id)
{
	unsigned int i;

	for (i = 0; i < fake->nr_connections; i++)
		if (fake->connections[i].partition_id == pt_id &&
		    fake->connections[i].connection_id == connection_id)
			return &fake->connections[i];
	return NULL;
}

/* Remove from the tables, keeping the order of those left. */
static void fake_remove_connection(struct mshv_fake_hv *fake,
				   struct mshv_fake_connection *conn)
{
	unsigned int i = conn - fake->connections;

	memmove(conn, conn + 1, (--fake->nr_connections - i) * sizeof(*conn));
}

static void fake_remove_port(struct mshv_fake_hv *fake,
			     struct mshv_fake_port *port)
{
	unsigned int i = port - fake->ports;

	memmove(port, port + 1, (--fake->nr_ports - i) * sizeof(*port));
}

/* Remove the connections to a port; gives how many there were. */
static unsigned int fake_drop_connections(struct mshv_fake_hv *fake,
					  u32 port_id)
{
	unsigned int i = 0, n = 0;

	while (i < fake->nr_connections) {
		if (fake->connections[i].port_id == port_id) {
			fake_remove_connection(fake, &fake->connections[i]);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

/*
 * Remove the ports a partition may connect to, and its connections (all of
 * them are to such ports); gives how many ports and connections there were.
 */
static unsigned int fake_drop_partition_ports(struct mshv_fake_hv *fake,
					      u64 pt_id)
{
	unsigned int i = 0, n = 0;

	while (i < fake->nr_ports) {
		struct mshv_fake_port *port = &fake->ports[i];

		if (port->connection_partition_id != pt_id) {
			i++;
			continue;
		}
		n += fake_drop_connections(fake, port->port_id) + 1;
		fake_remove_port(fake, port);
	}
	return n;
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
	/* The hypervisor drops a deleted partition's VPs and mappings itself. */
	fake_free_vps(fake, pt);
	xa_destroy(&pt->gpa);
	pt->nr_mapped = 0;
	memset(pt->prop_codes, 0, sizeof(pt->prop_codes));
	pt->nr_irqs = 0;
	/* The driver should have deleted these itself. */
	fake->leaked_doorbells += fake_drop_partition_ports(fake, pt->id);
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

/* Who runs the VPs: the root (root or integrated scheduler) or the hypervisor. */
static bool fake_root_dispatch(const struct mshv_fake_hv *fake)
{
	return fake->scheduler_type == HV_SCHEDULER_TYPE_ROOT ||
	       ((fake->vmm_capabilities & HV_VMM_CAP_INTEGRATED_SCHEDULER) &&
		fake->integrated_scheduler_enabled);
}

static bool fake_ring_push(struct mshv_fake_hv *fake,
			   struct mshv_fake_msg_ring *ring,
			   const struct hv_message *msg)
{
	if (ring->count == MSHV_FAKE_MAX_MESSAGES) {
		fake->messages_dropped++;
		return false;
	}
	ring->msgs[(ring->head + ring->count++) % MSHV_FAKE_MAX_MESSAGES] = *msg;
	return true;
}

static bool fake_ring_pop(struct mshv_fake_msg_ring *ring,
			  struct hv_message *msg)
{
	if (!ring->count)
		return false;
	*msg = ring->msgs[ring->head];
	ring->head = (ring->head + 1) % MSHV_FAKE_MAX_MESSAGES;
	ring->count--;
	return true;
}

/*
 * Raise the SynIC interrupt of @cpu, which must be this CPU's, if it has
 * messages to deliver.  Under the fake's lock.
 */
static void fake_deliver_soon(struct mshv_fake_hv *fake,
			      struct mshv_fake_cpu *cpu)
{
	if (cpu->pending->count && !fake->hold_delivery)
		irq_work_queue(&cpu->deliver);
}

/*
 * Send the root a message, on this CPU, or hold it back for the test to
 * release.  While the test holds all delivery, a message sent waits in
 * this CPU's pending ring.  Under the fake's lock.
 */
static void fake_queue_message(struct mshv_fake_hv *fake,
			       const struct hv_message *msg, bool hold)
{
	struct mshv_fake_cpu *cpu = this_cpu_ptr(fake->cpus);

	if (hold)
		fake_ring_push(fake, &fake->held, msg);
	else if (fake_ring_push(fake, cpu->pending, msg))
		fake_deliver_soon(fake, cpu);
}

/* The hypervisor tells the root scheduler that a VP may run again. */
static void fake_signal_vp(struct mshv_fake_hv *fake, u64 pt_id, u32 vp_index)
{
	struct hv_message msg = {};

	if (fake->sched_bitset_messages) {
		struct hv_vp_signal_bitset_scheduler_message *sig =
			(void *)msg.u.payload;

		msg.header.message_type = HVMSG_SCHEDULER_VP_SIGNAL_BITSET;
		msg.header.payload_size = sizeof(*sig);
		sig->partition_id = pt_id;
		sig->vp_count = 1;
		sig->format = HV_GENERIC_SET_SPARSE_4K;
		sig->valid_bank_mask = BIT_ULL(vp_index / 64);
		sig->bank_contents[0] = BIT_ULL(vp_index % 64);
	} else {
		struct hv_vp_signal_pair_scheduler_message *sig =
			(void *)msg.u.payload;

		msg.header.message_type = HVMSG_SCHEDULER_VP_SIGNAL_PAIR;
		msg.header.payload_size = sizeof(*sig);
		sig->vp_count = 1;
		sig->partition_ids[0] = pt_id;
		sig->vp_indexes[0] = vp_index;
	}
	fake_queue_message(fake, &msg, false);
}

/* The SynIC's word that a VP has a message in its intercept message page. */
static void fake_intercept_message(struct mshv_fake_hv *fake, u64 pt_id,
				   u32 vp_index, bool hold)
{
	struct hv_message msg = {};
	struct hv_opaque_intercept_message *opaque = (void *)msg.u.payload;

	msg.header.message_type = HVMSG_OPAQUE_INTERCEPT;
	msg.header.payload_size = sizeof(*opaque);
	msg.header.sender = pt_id;
	opaque->vp_index = vp_index;
	fake_queue_message(fake, &msg, hold);
}

static const struct mshv_fake_exit *fake_script_head(struct mshv_fake_vp *vp)
{
	struct mshv_fake_vp_data *data = fake_vp_data(vp);

	return vp->script_count ? &data->script[data->script_head] : NULL;
}

static void fake_script_pop(struct mshv_fake_vp *vp)
{
	struct mshv_fake_vp_data *data = fake_vp_data(vp);

	data->script_head = (data->script_head + 1) % MSHV_FAKE_VP_SCRIPT_LEN;
	vp->script_count--;
}

/* The VP stops on an intercept; the message goes to its message page. */
static void fake_vp_exit(struct mshv_fake_hv *fake, struct mshv_fake_vp *vp,
			 const struct hv_message *msg)
{
	unsigned int type = HV_VP_STATE_PAGE_INTERCEPT_MESSAGE;
	void *page;

	if (vp->state_mapped[type]) {
		page = kmap_local_page(pfn_to_page(vp->state_pfn[type]));
		memcpy(page, msg, sizeof(*msg));
		kunmap_local(page);
	} else {
		fake_violation(fake, "intercept of a VP with no intercept message page");
	}
	vp->intercept_suspend = true;
	vp->running = false;
	vp->exits++;
}

/*
 * Hypervisor scheduler: a VP runs whenever both its suspend registers are
 * clear, and takes the next step of its script unless a halt holds it.  With
 * no step left it idles until woken, or runs its guest code.
 */
static void fake_vp_run(struct mshv_fake_hv *fake,
			struct mshv_fake_partition *pt, struct mshv_fake_vp *vp)
{
	const struct mshv_fake_exit *step;
	struct hv_message msg;

	fake_vp_data(vp)->guest_pending = false;
	vp->running = !vp->explicit_suspend && !vp->intercept_suspend;
	if (!vp->running || vp->blocked)
		return;
	step = fake_script_head(vp);
	if (!step && fake->run_guest_code) {
		if (mshv_fake_guest_run(fake, pt, vp, MSHV_FAKE_GUEST_BUDGET,
					&msg)) {
			fake_vp_exit(fake, vp, &msg);
			fake_intercept_message(fake, pt->id, vp->index, false);
			return;
		}
		/*
		 * Out of budget, the guest stays running: it goes on from
		 * a work item, with the fake's lock let go in between so
		 * that the root can suspend the VP.
		 */
		fake_vp_data(vp)->guest_pending = true;
		queue_work(system_wq, &fake->guest_work);
		return;
	}
	if (!step)
		return;
	if (step->kind == MSHV_FAKE_EXIT_BLOCK) {
		vp->blocked = true;
		return;
	}
	fake_vp_exit(fake, vp, &step->msg);
	fake_intercept_message(fake, pt->id, vp->index, step->hold_message);
	fake_script_pop(vp);
}

/* Run on, a budget each, the guest code of the VPs that used up theirs. */
static void fake_guest_work(struct work_struct *work)
{
	struct mshv_fake_hv *fake = container_of(work, struct mshv_fake_hv,
						 guest_work);
	struct mshv_fake_partition *pt;
	struct mshv_fake_vp *vp;
	unsigned long flags;
	unsigned int i, k;

	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++) {
		pt = &fake->partitions[i];
		spin_lock_irqsave(&fake->lock, flags);
		for (k = 0; pt->state != MSHV_FAKE_PT_FREE && k < MSHV_MAX_VPS;
		     k++) {
			vp = pt->vps[k];
			if (!vp || !fake_vp_data(vp)->guest_pending ||
			    fake_root_dispatch(fake))
				continue;
			fake_vp_run(fake, pt, vp);
			/* Interrupts come in between two budgets. */
			spin_unlock_irqrestore(&fake->lock, flags);
			cond_resched();
			spin_lock_irqsave(&fake->lock, flags);
		}
		spin_unlock_irqrestore(&fake->lock, flags);
	}
}

static u64 fake_create_vp(struct mshv_fake_hv *fake,
			  const struct mshv_fake_req *req)
{
	const struct hv_input_create_vp *in = req->input;
	struct mshv_fake_vp_data *data;
	struct mshv_fake_partition *pt;
	struct mshv_fake_vp *vp;

	pt = fake_lookup_child(fake, in->partition_id);
	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (pt->state != MSHV_FAKE_PT_INITIALIZED)
		return HV_STATUS_INVALID_PARTITION_STATE;
	if (memchr_inv(in->padding, 0, sizeof(in->padding)))
		return HV_STATUS_INVALID_PARAMETER;
	if (in->vp_index >= MSHV_MAX_VPS || pt->vps[in->vp_index])
		return HV_STATUS_INVALID_VP_INDEX;
	data = kzalloc(sizeof(*data), GFP_ATOMIC);
	if (!data)
		return HV_STATUS_INSUFFICIENT_MEMORY;
	data->state = kcalloc(MSHV_FAKE_VP_STATE_TYPES, sizeof(*data->state),
			      GFP_ATOMIC);
	if (!data->state) {
		kfree(data);
		return HV_STATUS_INSUFFICIENT_MEMORY;
	}
	vp = &data->vp;
	vp->index = in->vp_index;
	/* A new VP waits for the root to start it. */
	vp->explicit_suspend = true;
	pt->vps[in->vp_index] = vp;
	pt->nr_vps++;
	return HV_STATUS_SUCCESS;
}

static u64 fake_delete_vp(struct mshv_fake_hv *fake,
			  const struct mshv_fake_req *req)
{
	const struct hv_input_delete_vp *in = req->input;
	struct mshv_fake_partition *pt;
	struct mshv_fake_vp *vp;
	u16 status;

	status = fake_find_vp(fake, in->partition_id, in->vp_index, &pt, &vp);
	if (status)
		return status;
	if (in->reserved)
		return HV_STATUS_INVALID_PARAMETER;
	fake_free_vp(fake, pt, vp->index);
	return HV_STATUS_SUCCESS;
}

/* The VP a register call names; the current VTL only. */
static u16 fake_registers_vp(struct mshv_fake_hv *fake,
			     const struct hv_input_vp_registers_header *hdr,
			     struct mshv_fake_partition **ptp,
			     struct mshv_fake_vp **vpp)
{
	u16 status = fake_find_vp(fake, hdr->partition_id, hdr->vp_index,
				  ptp, vpp);

	if (status)
		return status;
	if (hdr->input_vtl || memchr_inv(hdr->reserved, 0, sizeof(hdr->reserved)))
		return HV_STATUS_INVALID_PARAMETER;
	return HV_STATUS_SUCCESS;
}

/* A register other than the suspend ones; @add: make room for it. */
static struct hv_register_value *fake_vp_register(struct mshv_fake_vp *vp,
						  u32 name, bool add)
{
	struct mshv_fake_vp_data *data = fake_vp_data(vp);
	unsigned int i;

	for (i = 0; i < vp->nr_registers; i++)
		if (data->reg_names[i] == name)
			return &data->reg_values[i];
	if (!add || vp->nr_registers == MSHV_FAKE_VP_REGISTERS)
		return NULL;
	data->reg_names[vp->nr_registers] = name;
	return &data->reg_values[vp->nr_registers++];
}

/**
 * mshv_fake_vp_reg() - where the fake keeps a VP's register
 * @vp: the VP
 * @name: the register, not a suspend register
 * @add: make room for it if it was never set
 *
 * Context: Under the fake's lock.
 * Return: The value, which stays where it is while the VP lives; NULL if
 * the register was never set and @add is false or there is no room.
 */
struct hv_register_value *mshv_fake_vp_reg(struct mshv_fake_vp *vp, u32 name,
					   bool add)
{
	return fake_vp_register(vp, name, add);
}

/* What GET_VP_REGISTERS reads: registers never set read as zero. */
static void fake_read_vp_register(struct mshv_fake_vp *vp, u32 name,
				  struct hv_register_value *value)
{
	const struct hv_register_value *reg;

	value->high = 0;
	switch (name) {
	case HV_REGISTER_EXPLICIT_SUSPEND:
		value->low = vp->explicit_suspend;
		break;
	case HV_REGISTER_INTERCEPT_SUSPEND:
		value->low = vp->intercept_suspend;
		break;
	default:
		reg = fake_vp_register(vp, name, false);
		value->low = reg ? reg->low : 0;
		value->high = reg ? reg->high : 0;
		break;
	}
}

static u64 fake_get_vp_registers(struct mshv_fake_hv *fake,
				 const struct mshv_fake_req *req)
{
	const struct hv_input_get_vp_registers *in = req->input;
	struct hv_register_value *out = req->output;
	u16 end = fake_rep_end(fake, req), i;
	struct mshv_fake_vp *vp;
	u16 status;

	status = fake_registers_vp(fake, &in->header, NULL, &vp);
	if (status)
		return fake_status(status, req->rep_start);
	if (req->rep_count > HV_GET_VP_REGISTERS_BATCH_SIZE)
		return fake_status(HV_STATUS_INVALID_HYPERCALL_INPUT,
				   req->rep_start);

	for (i = req->rep_start; i < end; i++)
		fake_read_vp_register(vp, in->names[i], &out[i]);
	return fake_status(HV_STATUS_SUCCESS, end);
}

static u16 fake_set_vp_register(struct mshv_fake_vp *vp,
				const struct hv_register_assoc *assoc)
{
	bool suspended = assoc->value.low & HV_SUSPEND_REGISTER_SUSPENDED;
	struct hv_register_value *reg;

	if (assoc->reserved1 || assoc->reserved2)
		return HV_STATUS_INVALID_PARAMETER;
	switch (assoc->name) {
	case HV_REGISTER_EXPLICIT_SUSPEND:
		vp->explicit_suspend = suspended;
		return HV_STATUS_SUCCESS;
	case HV_REGISTER_INTERCEPT_SUSPEND:
		vp->intercept_suspend = suspended;
		return HV_STATUS_SUCCESS;
	}
	reg = fake_vp_register(vp, assoc->name, true);
	if (!reg)
		return HV_STATUS_INSUFFICIENT_BUFFERS;
	*reg = assoc->value;
	return HV_STATUS_SUCCESS;
}

static u64 fake_set_vp_registers(struct mshv_fake_hv *fake,
				 const struct mshv_fake_req *req)
{
	const struct hv_input_set_vp_registers *in = req->input;
	u16 end = fake_rep_end(fake, req), i;
	struct mshv_fake_partition *pt;
	struct mshv_fake_vp *vp;
	bool was_suspended;
	u16 status;

	status = fake_registers_vp(fake, &in->header, &pt, &vp);
	if (status)
		return fake_status(status, req->rep_start);
	if (req->rep_count > HV_SET_VP_REGISTERS_BATCH_SIZE)
		return fake_status(HV_STATUS_INVALID_HYPERCALL_INPUT,
				   req->rep_start);

	was_suspended = vp->explicit_suspend;
	for (i = req->rep_start; i < end; i++) {
		status = fake_set_vp_register(vp, &in->elements[i]);
		if (status)
			break;
	}
	/* What the registers set so far mean for the VP. */
	if (!fake_root_dispatch(fake))
		fake_vp_run(fake, pt, vp);
	else if (was_suspended && !vp->explicit_suspend)
		fake_signal_vp(fake, pt->id, vp->index);
	return fake_status(status, i);
}

static u64 fake_map_vp_state_page(struct mshv_fake_hv *fake,
				  const struct mshv_fake_req *req)
{
	const struct hv_input_map_vp_state_page *in = req->input;
	struct hv_output_map_vp_state_page *out = req->output;
	struct mshv_fake_vp *vp;
	struct page *page;
	u16 status;
	u64 pfn;

	status = fake_find_vp(fake, in->partition_id, in->vp_index, NULL, &vp);
	if (status)
		return status;
	if (in->input_vtl || in->flags & ~HV_MAP_VP_STATE_PAGE_LOCATION_PROVIDED)
		return HV_STATUS_INVALID_PARAMETER;
	/* No partition here is isolated: none has a GHCB page. */
	if (in->type != HV_VP_STATE_PAGE_REGISTERS &&
	    in->type != HV_VP_STATE_PAGE_INTERCEPT_MESSAGE)
		return HV_STATUS_INVALID_PARAMETER;
	if (vp->state_mapped[in->type])
		return HV_STATUS_INVALID_PARAMETER;

	if (in->flags & HV_MAP_VP_STATE_PAGE_LOCATION_PROVIDED) {
		pfn = in->requested_map_location;
		/* The fake writes intercept messages there. */
		if (!pfn_valid(pfn))
			return HV_STATUS_INVALID_PARAMETER;
	} else {
		page = alloc_page(GFP_ATOMIC | __GFP_ZERO);
		if (!page)
			return HV_STATUS_INSUFFICIENT_MEMORY;
		pfn = page_to_pfn(page);
		vp->state_owned[in->type] = true;
		fake->nr_state_pages++;
	}
	vp->state_pfn[in->type] = pfn;
	vp->state_mapped[in->type] = true;
	out->map_location = pfn;
	return HV_STATUS_SUCCESS;
}

static u64 fake_unmap_vp_state_page(struct mshv_fake_hv *fake,
				    const struct mshv_fake_req *req)
{
	const struct hv_input_unmap_vp_state_page *in = req->input;
	struct mshv_fake_vp *vp;
	u16 status;

	status = fake_find_vp(fake, in->partition_id, in->vp_index, NULL, &vp);
	if (status)
		return status;
	if (in->input_vtl || in->reserved || in->type >= HV_VP_STATE_PAGE_COUNT ||
	    !vp->state_mapped[in->type])
		return HV_STATUS_INVALID_PARAMETER;
	fake_unmap_state_page(fake, vp, in->type);
	return HV_STATUS_SUCCESS;
}

/* Where the fake keeps a VP state type, or -1 for a type it does not know. */
static int fake_vp_state_index(u32 type)
{
	switch (type) {
	case HV_GET_SET_VP_STATE_LAPIC_STATE:
	case HV_GET_SET_VP_STATE_XSAVE:
	case HV_GET_SET_VP_STATE_SIM_PAGE:
	case HV_GET_SET_VP_STATE_SIEF_PAGE:
	case HV_GET_SET_VP_STATE_SYNTHETIC_TIMERS:
		return type & ~HV_GET_SET_VP_STATE_TYPE_PFN;
	}
	return -1;
}

/*
 * Check a GET/SET_VP_STATE call (both inputs share the layout).  Gives the
 * VP, the state's slot in it and how many u64s follow the state
 * description: frame numbers, or for SET of a type without frames the
 * state itself.
 */
static u16 fake_vp_state_call(struct mshv_fake_hv *fake,
			      const struct mshv_fake_req *req,
			      struct mshv_fake_vp **vpp, int *slot,
			      unsigned int *nr_data)
{
	const struct hv_input_get_vp_state *in = req->input;
	const struct hv_vp_state_data *desc = &in->state_data;
	struct mshv_fake_partition *pt;
	u64 expected, max_size = 0;
	unsigned int i;
	u16 status;

	if (MSHV_FAKE_VP_STATE_FIXED + req->varhead * sizeof(u64) >
	    HV_HYP_PAGE_SIZE)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	status = fake_find_vp(fake, in->partition_id, in->vp_index, &pt, vpp);
	if (status)
		return status;
	if (in->input_vtl || in->reserved0 || in->reserved1 || desc->reserved)
		return HV_STATUS_INVALID_PARAMETER;
	*slot = fake_vp_state_index(desc->type);
	if (*slot < 0)
		return HV_STATUS_INVALID_PARAMETER;
	*nr_data = req->varhead;
	if (!(desc->type & HV_GET_SET_VP_STATE_TYPE_PFN))
		return HV_STATUS_SUCCESS;

	expected = 1;
	if (desc->type == HV_GET_SET_VP_STATE_XSAVE) {
		if ((desc->xsave_states & HV_XSAVE_STATES_LEGACY) !=
		    HV_XSAVE_STATES_LEGACY)
			return HV_STATUS_INVALID_PARAMETER;
		fake_property(fake, pt, HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE,
			      &max_size);
		expected = max(DIV_ROUND_UP(max_size, HV_HYP_PAGE_SIZE), 1ULL);
	}
	if (*nr_data != expected)
		return HV_STATUS_INVALID_PARAMETER;
	for (i = 0; i < *nr_data; i++)
		if (!pfn_valid(in->output_data_pfns[i]))
			return HV_STATUS_INVALID_PARAMETER;
	return HV_STATUS_SUCCESS;
}

static u64 fake_get_vp_state(struct mshv_fake_hv *fake,
			     const struct mshv_fake_req *req)
{
	const struct hv_input_get_vp_state *in = req->input;
	unsigned int nr_data, i;
	struct mshv_fake_vp *vp;
	size_t head;
	u16 status;
	u8 *page;
	int slot;

	status = fake_vp_state_call(fake, req, &vp, &slot, &nr_data);
	if (status)
		return status;
	if (!(in->state_data.type & HV_GET_SET_VP_STATE_TYPE_PFN)) {
		/* The synthetic timers come back in the output page. */
		if (nr_data)
			return HV_STATUS_INVALID_PARAMETER;
		memcpy(req->output, fake_vp_data(vp)->state[slot],
		       MSHV_FAKE_TIMERS_SIZE);
		return HV_STATUS_SUCCESS;
	}
	/* The head of the state, then zeroes to the end of the last page. */
	for (i = 0; i < nr_data; i++) {
		head = i ? 0 : MSHV_FAKE_VP_STATE_HEAD;
		page = kmap_local_page(pfn_to_page(in->output_data_pfns[i]));
		memcpy(page, fake_vp_data(vp)->state[slot], head);
		memset(page + head, 0, PAGE_SIZE - head);
		kunmap_local(page);
	}
	return HV_STATUS_SUCCESS;
}

static u64 fake_set_vp_state(struct mshv_fake_hv *fake,
			     const struct mshv_fake_req *req)
{
	const struct hv_input_set_vp_state *in = req->input;
	unsigned int nr_data;
	struct mshv_fake_vp *vp;
	u16 status;
	u8 *page;
	int slot;

	status = fake_vp_state_call(fake, req, &vp, &slot, &nr_data);
	if (status)
		return status;
	if (!(in->state_data.type & HV_GET_SET_VP_STATE_TYPE_PFN)) {
		/* The synthetic timers travel in the input itself. */
		if (nr_data != DIV_ROUND_UP(MSHV_FAKE_TIMERS_SIZE, sizeof(u64)))
			return HV_STATUS_INVALID_PARAMETER;
		memcpy(fake_vp_data(vp)->state[slot], in->data,
		       MSHV_FAKE_TIMERS_SIZE);
		return HV_STATUS_SUCCESS;
	}
	page = kmap_local_page(pfn_to_page(in->data[0]));
	memcpy(fake_vp_data(vp)->state[slot], page, MSHV_FAKE_VP_STATE_HEAD);
	kunmap_local(page);
	return HV_STATUS_SUCCESS;
}

static u64 fake_translate_va(struct mshv_fake_hv *fake,
			     const struct mshv_fake_req *req)
{
	const struct hv_input_translate_virtual_address *in = req->input;
	struct hv_output_translate_virtual_address *out = req->output;
	struct mshv_fake_partition *pt;
	struct mshv_fake_vp *vp;
	u16 status;

	status = fake_find_vp(fake, in->partition_id, in->vp_index, &pt, &vp);
	if (status)
		return status;
	if (in->padding || in->control_flags & ~HV_TRANSLATE_GVA_FLAGS_MASK)
		return HV_STATUS_INVALID_PARAMETER;
	/* Fake guests run with paging off: a virtual frame is a guest frame. */
	out->gpa_page = in->gva_page;
	out->translation_result = xa_load(&pt->gpa, in->gva_page) ?
				  MSHV_FAKE_GVA_SUCCESS :
				  MSHV_FAKE_GVA_GPA_UNMAPPED;
	return HV_STATUS_SUCCESS;
}

/* The APIC page's interrupt request register: 8 words, one each 16 bytes. */
#define MSHV_FAKE_APIC_IRR	0x200
static_assert(MSHV_FAKE_APIC_IRR + 0x80 <= MSHV_FAKE_VP_STATE_HEAD);

/*
 * A fixed interrupt is pending in the VP's local APIC, for the VMM to see
 * in its LAPIC state.  The fake delivers nothing into guest code.
 */
static void fake_lapic_request(struct mshv_fake_vp *vp, u8 vector)
{
	u8 *apic = fake_vp_data(vp)->state[fake_vp_state_index(HV_GET_SET_VP_STATE_LAPIC_STATE)];

	/* Bit vector % 32 of a little-endian word, taken a byte at a time. */
	apic[MSHV_FAKE_APIC_IRR + 0x10 * (vector / 32) + vector % 32 / 8] |=
		BIT(vector % 8);
}

#define MSHV_FAKE_DISPATCH_FLAGS (HV_DISPATCH_VP_FLAG_CLEAR_INTERCEPT_SUSPEND | \
				  HV_DISPATCH_VP_FLAG_SCAN_INTERRUPT_INJECTION)

/*
 * Inject the interrupts the root posted in the VP's register page: each is
 * logged as if asserted by hypercall (fixed, edge, to the VP's APIC id),
 * and wakes a halted guest.
 */
static void fake_scan_injection(struct mshv_fake_partition *pt,
				struct mshv_fake_vp *vp)
{
	u64 pfn = vp->state_pfn[HV_VP_STATE_PAGE_REGISTERS];
	struct mshv_fake_irq *irq;
	unsigned int i, count;
	u64 *word, vectors;
	u8 *page;

	if (!pfn)
		return;
	page = kmap_local_page(pfn_to_page(pfn));
	word = (u64 *)(page + HV_VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET);
	vectors = xchg(word, 0);
	kunmap_local(page);
	count = min_t(unsigned int, vectors & 0xff,
		      HV_VP_REGISTER_PAGE_MAX_VECTORS);
	for (i = 0; i < count; i++) {
		irq = &pt->irqs[pt->nr_irqs++ % MSHV_FAKE_MAX_IRQS];
		irq->vector = (vectors >> (8 * (i + 1))) & 0xff;
		irq->dest = vp->index;
		irq->type = HV_X64_INTERRUPT_TYPE_FIXED;
		irq->level = false;
		irq->logical = false;
		fake_lapic_request(vp, irq->vector);
	}
	if (count && vp->blocked) {
		fake_script_pop(vp);
		vp->blocked = false;
	}
}

/*
 * Root scheduler, guest code: run it until it stops on an intercept, or
 * give the CPU back when the budget is spent, as a host interrupt would
 * (ready, no event: the root dispatches the VP again).
 */
static u64 fake_dispatch_guest(struct mshv_fake_hv *fake,
			       struct mshv_fake_partition *pt,
			       struct mshv_fake_vp *vp,
			       struct hv_output_dispatch_vp *out)
{
	struct hv_message msg;

	out->dispatch_state = HV_VP_DISPATCH_STATE_READY;
	out->dispatch_event = HV_VP_DISPATCH_EVENT_INVALID;
	if (!mshv_fake_guest_run(fake, pt, vp, MSHV_FAKE_GUEST_BUDGET, &msg))
		return HV_STATUS_SUCCESS;
	fake_vp_exit(fake, vp, &msg);
	out->dispatch_event = HV_VP_DISPATCH_EVENT_INTERCEPT;
	return HV_STATUS_SUCCESS;
}

/*
 * Root scheduler: run the VP on the calling CPU until its next step.  An
 * intercept comes back as the call's result, with no SynIC message.
 */
static u64 fake_dispatch_vp(struct mshv_fake_hv *fake,
			    const struct mshv_fake_req *req)
{
	const struct hv_input_dispatch_vp *in = req->input;
	struct hv_output_dispatch_vp *out = req->output;
	const struct mshv_fake_exit *step;
	struct mshv_fake_partition *pt;
	struct mshv_fake_vp *vp;
	u16 status;

	if (!fake_root_dispatch(fake))
		return HV_STATUS_ACCESS_DENIED;
	status = fake_find_vp(fake, in->partition_id, in->vp_index, &pt, &vp);
	if (status)
		return status;
	if (in->flags & ~MSHV_FAKE_DISPATCH_FLAGS)
		return HV_STATUS_INVALID_PARAMETER;

	vp->dispatches++;
	if (in->flags & HV_DISPATCH_VP_FLAG_SCAN_INTERRUPT_INJECTION)
		fake_scan_injection(pt, vp);
	if (in->flags & HV_DISPATCH_VP_FLAG_CLEAR_INTERCEPT_SUSPEND)
		vp->intercept_suspend = false;
	if (vp->intercept_suspend) {
		fake_violation(fake, "dispatch of an intercept-suspended VP");
		return HV_STATUS_INVALID_VP_STATE;
	}
	out->dispatch_state = HV_VP_DISPATCH_STATE_BLOCKED;
	out->dispatch_event = HV_VP_DISPATCH_EVENT_INVALID;
	if (vp->explicit_suspend) {
		out->dispatch_event = HV_VP_DISPATCH_EVENT_SUSPEND;
		return HV_STATUS_SUCCESS;
	}
	step = fake_script_head(vp);
	if (!step && fake->run_guest_code)
		return fake_dispatch_guest(fake, pt, vp, out);
	/* With no step left the guest idles: blocked, like a halt. */
	if (!step)
		return HV_STATUS_SUCCESS;
	if (step->kind == MSHV_FAKE_EXIT_BLOCK) {
		vp->blocked = true;
		return HV_STATUS_SUCCESS;
	}
	fake_vp_exit(fake, vp, &step->msg);
	fake_script_pop(vp);
	out->dispatch_state = HV_VP_DISPATCH_STATE_READY;
	out->dispatch_event = HV_VP_DISPATCH_EVENT_INTERCEPT;
	return HV_STATUS_SUCCESS;
}

/* ASSERT_VIRTUAL_INTERRUPT: bits 31:0 of the control word are the type. */
#define MSHV_FAKE_IRQ_TYPE	GENMASK_ULL(31, 0)
#define MSHV_FAKE_IRQ_CONTROL	(MSHV_FAKE_IRQ_TYPE | \
				 HV_INTERRUPT_CONTROL_LEVEL_TRIGGERED | \
				 HV_INTERRUPT_CONTROL_LOGICAL_DEST)

/*
 * The APICs an interrupt goes to: APIC ids are VP indexes, and a logical
 * destination is a flat one (bit n: the VP of APIC id n).  A fixed
 * interrupt goes to every APIC of a logical destination, a lowest
 * priority one to a single APIC: the fake picks the first.
 */
static void fake_assert_lapics(struct mshv_fake_partition *pt,
			       const struct mshv_fake_irq *irq)
{
	unsigned int i;

	if (!irq->logical) {
		if (irq->dest < MSHV_MAX_VPS && pt->vps[irq->dest])
			fake_lapic_request(pt->vps[irq->dest], irq->vector);
		return;
	}
	for (i = 0; i < min_t(unsigned int, BITS_PER_BYTE, MSHV_MAX_VPS); i++) {
		if (!(irq->dest & BIT(i)) || !pt->vps[i])
			continue;
		fake_lapic_request(pt->vps[i], irq->vector);
		if (irq->type == HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY)
			return;
	}
}

static u64 fake_assert_virtual_interrupt(struct mshv_fake_hv *fake,
					 const struct mshv_fake_req *req)
{
	const struct hv_input_assert_virtual_interrupt *in = req->input;
	u64 type = in->control & MSHV_FAKE_IRQ_TYPE;
	struct mshv_fake_partition *pt;
	struct mshv_fake_irq *irq;

	pt = fake_lookup_child(fake, in->partition_id);
	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (pt->state != MSHV_FAKE_PT_INITIALIZED)
		return HV_STATUS_INVALID_PARTITION_STATE;
	if (in->target_vtl || in->reserved0 || in->reserved1 ||
	    in->control & ~MSHV_FAKE_IRQ_CONTROL ||
	    type > HV_X64_INTERRUPT_TYPE_LOCALINT1)
		return HV_STATUS_INVALID_PARAMETER;

	irq = &pt->irqs[pt->nr_irqs++ % MSHV_FAKE_MAX_IRQS];
	irq->vector = in->vector;
	irq->dest = in->dest_addr;
	irq->type = type;
	irq->level = in->control & HV_INTERRUPT_CONTROL_LEVEL_TRIGGERED;
	irq->logical = in->control & HV_INTERRUPT_CONTROL_LOGICAL_DEST;
	if (type == HV_X64_INTERRUPT_TYPE_FIXED ||
	    type == HV_X64_INTERRUPT_TYPE_LOWESTPRIORITY)
		fake_assert_lapics(pt, irq);
	return HV_STATUS_SUCCESS;
}

/* Ports live in the root partition; the driver names it "self". */
static u64 fake_create_port(struct mshv_fake_hv *fake,
			    const struct mshv_fake_req *req)
{
	const struct hv_input_create_port *in = req->input;
	const struct hv_port_info *info = &in->port_info;
	struct mshv_fake_partition *pt;
	struct mshv_fake_port *port;

	pt = fake_lookup_child(fake, in->connection_partition_id);
	if (!pt || !fake_is_root_id(in->port_partition_id))
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in->port_vtl || in->min_connection_vtl || in->padding ||
	    info->port_type != HV_PORT_TYPE_DOORBELL || info->padding ||
	    info->reserved || info->target_sint >= HV_SYNIC_SINT_COUNT)
		return HV_STATUS_INVALID_PARAMETER;
	if (!in->port_id || in->port_id & ~HV_PORT_ID_MASK ||
	    fake_find_port(fake, in->port_id))
		return HV_STATUS_INVALID_PORT_ID;
	if (fake->nr_ports == MSHV_FAKE_MAX_PORTS)
		return HV_STATUS_NO_RESOURCES;

	port = &fake->ports[fake->nr_ports++];
	port->port_id = in->port_id;
	port->connection_partition_id = pt->id;
	port->target_sint = info->target_sint;
	port->target_vp = info->target_vp;
	return HV_STATUS_SUCCESS;
}

#define MSHV_FAKE_DOORBELL_FLAGS (HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK | \
				  HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE)

static u64 fake_connect_port(struct mshv_fake_hv *fake,
			     const struct mshv_fake_req *req)
{
	const struct hv_input_connect_port *in = req->input;
	const struct hv_connection_info *info = &in->connection_info;
	struct mshv_fake_connection *conn;
	struct mshv_fake_partition *pt;
	struct mshv_fake_port *port;

	pt = fake_lookup_child(fake, in->connection_partition_id);
	if (!pt || !fake_is_root_id(in->port_partition_id))
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in->connection_vtl || in->reserved0 || in->reserved1 ||
	    in->reserved2 || info->port_type != HV_PORT_TYPE_DOORBELL ||
	    info->padding || info->flags & ~MSHV_FAKE_DOORBELL_FLAGS ||
	    (info->flags & HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK) >
	    HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD)
		return HV_STATUS_INVALID_PARAMETER;
	/* Connection ids are 24 bits wide, as port ids. */
	if (!in->connection_id || in->connection_id & ~HV_PORT_ID_MASK ||
	    fake_find_connection(fake, pt->id, in->connection_id))
		return HV_STATUS_INVALID_CONNECTION_ID;
	port = fake_find_port(fake, in->port_id);
	if (!port || port->connection_partition_id != pt->id)
		return HV_STATUS_INVALID_PORT_ID;
	if (fake->nr_connections == MSHV_FAKE_MAX_CONNECTIONS)
		return HV_STATUS_NO_RESOURCES;

	conn = &fake->connections[fake->nr_connections++];
	conn->partition_id = pt->id;
	conn->connection_id = in->connection_id;
	conn->port_id = port->port_id;
	conn->gpa = info->gpa;
	conn->trigger_value = info->trigger_value;
	conn->flags = info->flags;
	return HV_STATUS_SUCCESS;
}

/* Fast: the connection's partition, then its id and the doorbell flag. */
static u64 fake_disconnect_port(struct mshv_fake_hv *fake,
				const struct mshv_fake_req *req)
{
	const u64 *in = req->input;
	struct mshv_fake_connection *conn = NULL;
	struct mshv_fake_partition *pt;

	pt = fake_lookup_child(fake, in[0]);
	if (!pt)
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in[1] & ~(HV_PORT_ID_MASK | HV_DISCONNECT_PORT_IS_DOORBELL))
		return HV_STATUS_INVALID_PARAMETER;
	/* Without the flag the hypervisor looks among the other connections. */
	if (in[1] & HV_DISCONNECT_PORT_IS_DOORBELL)
		conn = fake_find_connection(fake, pt->id, in[1] & HV_PORT_ID_MASK);
	if (!conn)
		return HV_STATUS_INVALID_CONNECTION_ID;
	fake_remove_connection(fake, conn);
	return HV_STATUS_SUCCESS;
}

/* Fast: the port's partition, then its id. */
static u64 fake_delete_port(struct mshv_fake_hv *fake,
			    const struct mshv_fake_req *req)
{
	const u64 *in = req->input;
	struct mshv_fake_port *port;

	if (!fake_is_root_id(in[0]))
		return HV_STATUS_INVALID_PARTITION_ID;
	if (in[1] & ~HV_PORT_ID_MASK)
		return HV_STATUS_INVALID_PARAMETER;
	port = in[1] ? fake_find_port(fake, in[1]) : NULL;
	if (!port)
		return HV_STATUS_INVALID_PORT_ID;
	if (fake_drop_connections(fake, port->port_id))
		fake_violation(fake, "port deleted while connected");
	fake_remove_port(fake, port);
	return HV_STATUS_SUCCESS;
}

static struct hv_synic_event_ring *fake_event_ring(struct mshv_fake_synic *synic,
						   u32 sint)
{
	return &synic->event_ring->sint_event_ring[sint];
}

/* Queue an event on a SINT's ring, which has room for it at its head. */
static void fake_event_ring_put(struct mshv_fake_synic *synic, u32 sint,
				u32 port_id)
{
	struct hv_synic_event_ring *ring = fake_event_ring(synic, sint);

	WRITE_ONCE(ring->data[synic->head[sint]], port_id);
	synic->head[sint] = (synic->head[sint] + 1) %
			    HV_SYNIC_EVENT_RING_MESSAGE_COUNT;
}

static bool fake_event_ring_has_room(struct mshv_fake_synic *synic, u32 sint)
{
	return !READ_ONCE(fake_event_ring(synic, sint)->data[synic->head[sint]]);
}

/* The SynIC's word to the root that a SINT's event ring has events. */
static void fake_sint_message(struct mshv_fake_hv *fake, u32 sint)
{
	struct hv_message msg = {};
	struct hv_notification_message_payload *payload = (void *)msg.u.payload;

	msg.header.message_type = HVMSG_SYNIC_SINT_INTERCEPT;
	msg.header.payload_size = sizeof(*payload);
	payload->sint_index = sint;
	fake_queue_message(fake, &msg, false);
}

/*
 * A doorbell rang on this CPU: queue the port's id on its SINT's ring in
 * this CPU's SynIC, or keep it aside (and say the ring is full) until the
 * root has made room.  Under the fake's lock.
 */
static void fake_ring_doorbell(struct mshv_fake_hv *fake,
			       const struct mshv_fake_port *port)
{
	struct mshv_fake_synic *synic = this_cpu_ptr(&mshv_fake_synic);
	struct hv_synic_event_ring *ring;
	u32 sint = port->target_sint;
	struct mshv_fake_overflow *ev;
	bool signal = false;

	fake->doorbells_rung++;
	ring = fake_event_ring(synic, sint);
	/*
	 * The hypervisor signals a ring once and masks it; the root unmasks
	 * it when it finds the ring empty, and looks once more.
	 */
	if (!READ_ONCE(ring->signal_masked)) {
		WRITE_ONCE(ring->signal_masked, 1);
		signal = true;
	}
	if (fake_event_ring_has_room(synic, sint)) {
		fake_event_ring_put(synic, sint, port->port_id);
	} else {
		WRITE_ONCE(ring->ring_full, 1);
		if (synic->nr_overflow == MSHV_FAKE_EVENT_OVERFLOW) {
			fake->events_dropped++;
		} else {
			ev = &synic->overflow[synic->nr_overflow++];
			ev->port_id = port->port_id;
			ev->sint = sint;
			fake->events_overflowed++;
		}
	}
	if (signal)
		fake_sint_message(fake, sint);
}

/* Does a guest write of @len bytes of @value ring this doorbell? */
static bool fake_doorbell_matches(const struct mshv_fake_connection *conn,
				  u32 len, u64 value)
{
	switch (conn->flags & HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK) {
	case HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY:
		break;
	case HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE:
		if (len != 1)
			return false;
		break;
	case HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD:
		if (len != 2)
			return false;
		break;
	case HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD:
		if (len != 4)
			return false;
		break;
	default:
		if (len != 8)
			return false;
		break;
	}
	return conn->flags & HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE ||
	       conn->trigger_value == value;
}

/**
 * mshv_fake_ring_doorbells() - a guest write rings the doorbells it matches
 * @fake: the fake hypervisor
 * @pt: the guest's partition
 * @gpa: the guest physical address written
 * @len: the size of the write: 1, 2, 4 or 8 bytes
 * @value: the value written, @len bytes of it
 *
 * Context: Under the fake's lock, on the CPU the write traps on.
 * Return: How many doorbells rang.
 */
unsigned int mshv_fake_ring_doorbells(struct mshv_fake_hv *fake,
				      struct mshv_fake_partition *pt, u64 gpa,
				      u32 len, u64 value)
{
	const struct mshv_fake_connection *conn;
	const struct mshv_fake_port *port;
	unsigned int i, rung = 0;

	lockdep_assert_held(&fake->lock);
	for (i = 0; i < fake->nr_connections; i++) {
		conn = &fake->connections[i];
		if (conn->partition_id != pt->id || conn->gpa != gpa ||
		    !fake_doorbell_matches(conn, len, value))
			continue;
		/* CONNECT_PORT and DELETE_PORT keep every port there. */
		port = fake_find_port(fake, conn->port_id);
		if (WARN_ON_ONCE(!port))
			continue;
		fake_ring_doorbell(fake, port);
		rung++;
	}
	return rung;
}

/*
 * Fast: the SINT whose ring the root found empty after a full one.  Move
 * the events kept aside for it into the ring, oldest first, while there
 * is room.
 */
static u64 fake_notify_port_ring_empty(struct mshv_fake_hv *fake,
				       const struct mshv_fake_req *req)
{
	struct mshv_fake_synic *synic = this_cpu_ptr(&mshv_fake_synic);
	const u64 *in = req->input;
	unsigned int i, kept = 0;
	u64 sint = in[0];

	if (sint >= HV_SYNIC_SINT_COUNT)
		return HV_STATUS_INVALID_PARAMETER;
	fake->ring_empty_notifications++;
	for (i = 0; i < synic->nr_overflow; i++) {
		const struct mshv_fake_overflow *ev = &synic->overflow[i];

		if (ev->sint == sint && fake_event_ring_has_room(synic, sint)) {
			fake_event_ring_put(synic, sint, ev->port_id);
			continue;
		}
		if (ev->sint == sint)
			WRITE_ONCE(fake_event_ring(synic, sint)->ring_full, 1);
		synic->overflow[kept++] = *ev;
	}
	synic->nr_overflow = kept;
	return HV_STATUS_SUCCESS;
}

/**
 * struct mshv_fake_handler - how the fake answers one hypercall
 * @code: the hypercall
 * @kind: its calling convention, checked against the control word
 * @output: it answers in the output page, which the caller must pass
 *	(GET_VP_STATE writes its fixed output whatever the state type)
 * @handle: the answer
 */
struct mshv_fake_handler {
	u16 code;
	enum mshv_fake_kind kind;
	bool output;
	u64 (*handle)(struct mshv_fake_hv *fake,
		      const struct mshv_fake_req *req);
};

static const struct mshv_fake_handler mshv_fake_handlers[] = {
	{ HVCALL_GET_SYSTEM_PROPERTY, MSHV_FAKE_SIMPLE, true, fake_get_system_property },
	{ HVCALL_GET_PARTITION_PROPERTY, MSHV_FAKE_SIMPLE, true, fake_get_partition_property },
	{ HVCALL_GET_PARTITION_PROPERTY_EX, MSHV_FAKE_SIMPLE, true,
	  fake_get_partition_property_ex },
	{ HVCALL_CREATE_PARTITION, MSHV_FAKE_SIMPLE, true, fake_create_partition },
	{ HVCALL_INITIALIZE_PARTITION, MSHV_FAKE_FAST, false, fake_initialize_partition },
	{ HVCALL_FINALIZE_PARTITION, MSHV_FAKE_FAST, false, fake_finalize_partition },
	{ HVCALL_DELETE_PARTITION, MSHV_FAKE_FAST, false, fake_delete_partition },
	{ HVCALL_SET_PARTITION_PROPERTY, MSHV_FAKE_SIMPLE, false, fake_set_partition_property },
	{ HVCALL_DEPOSIT_MEMORY, MSHV_FAKE_REP, false, fake_deposit_memory },
	{ HVCALL_WITHDRAW_MEMORY, MSHV_FAKE_REP, true, fake_withdraw_memory },
	{ HVCALL_MAP_GPA_PAGES, MSHV_FAKE_REP, false, fake_map_gpa_pages },
	{ HVCALL_UNMAP_GPA_PAGES, MSHV_FAKE_REP, false, fake_unmap_gpa_pages },
	{ HVCALL_GET_GPA_PAGES_ACCESS_STATES, MSHV_FAKE_REP, true, fake_get_gpa_access_states },
	{ HVCALL_CREATE_VP, MSHV_FAKE_SIMPLE, false, fake_create_vp },
	{ HVCALL_DELETE_VP, MSHV_FAKE_FAST, false, fake_delete_vp },
	{ HVCALL_GET_VP_REGISTERS, MSHV_FAKE_REP, true, fake_get_vp_registers },
	{ HVCALL_SET_VP_REGISTERS, MSHV_FAKE_REP, false, fake_set_vp_registers },
	{ HVCALL_MAP_VP_STATE_PAGE, MSHV_FAKE_SIMPLE, true, fake_map_vp_state_page },
	{ HVCALL_UNMAP_VP_STATE_PAGE, MSHV_FAKE_SIMPLE, false, fake_unmap_vp_state_page },
	{ HVCALL_GET_VP_STATE, MSHV_FAKE_VARHEAD, true, fake_get_vp_state },
	{ HVCALL_SET_VP_STATE, MSHV_FAKE_VARHEAD, false, fake_set_vp_state },
	{ HVCALL_TRANSLATE_VIRTUAL_ADDRESS, MSHV_FAKE_SIMPLE, true, fake_translate_va },
	{ HVCALL_DISPATCH_VP, MSHV_FAKE_SIMPLE, true, fake_dispatch_vp },
	{ HVCALL_ASSERT_VIRTUAL_INTERRUPT, MSHV_FAKE_SIMPLE, false, fake_assert_virtual_interrupt },
	{ HVCALL_CREATE_PORT, MSHV_FAKE_SIMPLE, false, fake_create_port },
	{ HVCALL_CONNECT_PORT, MSHV_FAKE_SIMPLE, false, fake_connect_port },
	{ HVCALL_DISCONNECT_PORT, MSHV_FAKE_FAST, false, fake_disconnect_port },
	{ HVCALL_DELETE_PORT, MSHV_FAKE_FAST, false, fake_delete_port },
	{ HVCALL_NOTIFY_PORT_RING_EMPTY, MSHV_FAKE_FAST, false, fake_notify_port_ring_empty },
};

/* Is the call well formed for its handler: control word, output page? */
static bool fake_control_ok(struct mshv_fake_hv *fake, u64 control,
			    const struct mshv_fake_handler *h,
			    const struct mshv_fake_req *req)
{
	enum mshv_fake_kind kind = h->kind;
	bool fast = control & HV_HYPERCALL_FAST_BIT;
	bool want_fast = kind == MSHV_FAKE_FAST;

	if (control & HV_HYPERCALL_RSVD_MASK) {
		fake_violation(fake, "reserved control bits set");
		return false;
	}
	/* Only GET_VP_STATE and SET_VP_STATE have a variable header. */
	if (control & HV_HYPERCALL_VARHEAD_MASK && kind != MSHV_FAKE_VARHEAD) {
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
	if (h->output && !req->output) {
		fake_violation(fake, "no output page for a call that has output");
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
		.varhead = (control & HV_HYPERCALL_VARHEAD_MASK) >>
			   HV_HYPERCALL_VARHEAD_OFFSET,
		.input = input,
		.output = output,
	};
	unsigned int n = ++fake->nr_calls, i;
	u64 status = HV_STATUS_INVALID_HYPERCALL_CODE;

	if (req.code < MSHV_FAKE_MAX_CODE)
		fake->calls_by_code[req.code]++;

	for (i = 0; i < ARRAY_SIZE(mshv_fake_handlers); i++) {
		const struct mshv_fake_handler *h = &mshv_fake_handlers[i];

		if (h->code != req.code)
			continue;
		if (fake_control_ok(fake, control, h, &req))
			status = fake_answer(fake, n, h->kind, h->handle, &req);
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

/* Is @addr one of the per-CPU hypercall pages, of any CPU? */
static bool fake_is_hypercall_page(struct mshv_fake_hv *fake, const void *addr)
{
	struct mshv_fake_cpu *c;
	int cpu;

	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(fake->cpus, cpu);
		if (addr == c->input || addr == c->output)
			return true;
	}
	return false;
}

/*
 * DISPATCH_VP runs the guest for as long as it takes, so the driver issues
 * it with interrupts enabled, from pages of its own that no interrupt
 * handler touches; only preemption is off, to stay on the CPU.
 */
static u16 fake_check_dispatch_origin(struct mshv_fake_hv *fake, u64 control,
				      const void *input, const void *output,
				      bool preempt_on)
{
	if (preempt_on) {
		fake_violation(fake, "VP dispatched with preemption enabled");
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	if (control & HV_HYPERCALL_FAST_BIT) {
		fake_violation(fake, "fast hypercall issued through memory");
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	if (!input || !output) {
		fake_violation(fake, "VP dispatched without its pages");
		return HV_STATUS_INVALID_ALIGNMENT;
	}
	if (fake_is_hypercall_page(fake, input) ||
	    fake_is_hypercall_page(fake, output)) {
		fake_violation(fake, "VP dispatched from the hypercall pages interrupts use");
		return HV_STATUS_INVALID_ALIGNMENT;
	}
	return HV_STATUS_SUCCESS;
}

/* Was the call issued from where the ABI wants it?  Else the status. */
static u16 fake_check_origin(struct mshv_fake_hv *fake, u64 control,
			     const void *input, const void *output,
			     bool irqs_off, bool preempt_on)
{
	struct mshv_fake_cpu *cpu = this_cpu_ptr(fake->cpus);

	if ((control & HV_HYPERCALL_RESULT_MASK) == HVCALL_DISPATCH_VP)
		return fake_check_dispatch_origin(fake, control, input, output,
						  preempt_on);
	if (!irqs_off) {
		fake_violation(fake, "hypercall page used with interrupts enabled");
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	if (control & HV_HYPERCALL_FAST_BIT) {
		fake_violation(fake, "fast hypercall issued through memory");
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	}
	if (input != cpu->input || (output && output != cpu->output)) {
		fake_violation(fake, "not this CPU's hypercall pages");
		return HV_STATUS_INVALID_ALIGNMENT;
	}
	return HV_STATUS_SUCCESS;
}

static u64 fake_hypercall(u64 control, void *input, void *output)
{
	/*
	 * Interrupts or, for DISPATCH_VP, preemption off make this an RCU
	 * reader: see uninstall.
	 */
	struct mshv_fake_hv *fake = READ_ONCE(mshv_fake_active);
	bool irqs_off = irqs_disabled();
	bool preempt_on = preemptible();
	struct task_struct *signal = NULL;
	unsigned long flags;
	u64 status;

	spin_lock_irqsave(&fake->lock, flags);
	status = fake_check_origin(fake, control, input, output, irqs_off,
				   preempt_on);
	if (status == HV_STATUS_SUCCESS)
		status = fake_dispatch(fake, control, input, output);
	if ((control & HV_HYPERCALL_RESULT_MASK) == HVCALL_DISPATCH_VP) {
		signal = fake->signal_on_dispatch;
		fake->signal_on_dispatch = NULL;
	}
	spin_unlock_irqrestore(&fake->lock, flags);
	/* A signal that races with the dispatch's result, for the tests. */
	if (signal)
		send_sig(SIGUSR1, signal, 0);
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
	return this_cpu_ptr(READ_ONCE(mshv_fake_active)->cpus)->input;
}

static void *fake_output_page(void)
{
	return this_cpu_ptr(READ_ONCE(mshv_fake_active)->cpus)->output;
}

/* SIMP, SIEFP and SIRBP: the frame of their page, in bits 63:12. */
#define MSHV_FAKE_SYNIC_PAGE_BASE	GENMASK_ULL(63, HV_HYP_PAGE_SHIFT)

/* The register @reg names in @synic; NULL if it is none the fake models. */
static u64 *fake_synic_reg(struct mshv_fake_synic *synic, unsigned int reg)
{
	switch (reg) {
	case HV_MSR_SCONTROL:
		return &synic->scontrol;
	case HV_MSR_SIMP:
		return &synic->simp;
	case HV_MSR_SIEFP:
		return &synic->siefp;
	case HV_MSR_SIRBP:
		return &synic->sirbp;
	}
	if (reg >= HV_MSR_SINT0 && reg < HV_MSR_SINT0 + HV_SYNIC_SINT_COUNT)
		return &synic->sint[reg - HV_MSR_SINT0];
	return NULL;
}

static bool fake_synic_page_reg(unsigned int reg)
{
	return reg == HV_MSR_SIMP || reg == HV_MSR_SIEFP || reg == HV_MSR_SIRBP;
}

/* Note a misuse of the SynIC registers, in the active fake. */
static void fake_synic_violation(const char *what)
{
	struct mshv_fake_hv *fake = READ_ONCE(mshv_fake_active);
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake_violation(fake, what);
	spin_unlock_irqrestore(&fake->lock, flags);
}

/*
 * Read one of this CPU's SynIC registers, with preemption disabled (which
 * makes it an RCU reader: see uninstall).  The end of message register
 * reads as zero.
 */
static u64 fake_synic_read(unsigned int reg)
{
	u64 *val = fake_synic_reg(raw_cpu_ptr(&mshv_fake_synic), reg);

	/* A CPU's own hotplug thread is bound to it, like preemption off. */
	if (preemptible() && !is_percpu_thread())
		fake_synic_violation("SynIC register accessed off its CPU");
	if (!val && reg != HV_MSR_EOM)
		fake_synic_violation("unknown SynIC register");
	return val ? READ_ONCE(*val) : 0;
}

/*
 * Write one of this CPU's SynIC registers, on that CPU.  The
 * pages stay where the fake put them: a write that moves one is taken, and
 * noted as a violation, but the fake goes on using its own pages.  An end
 * of message, or a write that lets the SynIC take messages again, delivers
 * the next message waiting on this CPU.
 */
static void fake_synic_write(unsigned int reg, u64 value)
{
	u64 *val = fake_synic_reg(raw_cpu_ptr(&mshv_fake_synic), reg);
	struct mshv_fake_hv *fake;
	unsigned long flags;

	/* A CPU's own hotplug thread is bound to it, like preemption off. */
	if (preemptible() && !is_percpu_thread())
		fake_synic_violation("SynIC register accessed off its CPU");
	if (!val && reg != HV_MSR_EOM)
		fake_synic_violation("unknown SynIC register");
	if (val && fake_synic_page_reg(reg) &&
	    (READ_ONCE(*val) ^ value) & MSHV_FAKE_SYNIC_PAGE_BASE)
		fake_synic_violation("SynIC page moved");
	if (val)
		WRITE_ONCE(*val, value);
	if (reg == HV_MSR_EOM)
		raw_cpu_ptr(&mshv_fake_synic)->awaiting_eom = false;

	/* Interrupts off make this an RCU reader: see uninstall. */
	local_irq_save(flags);
	fake = READ_ONCE(mshv_fake_active);
	if (fake) {
		spin_lock(&fake->lock);
		if (reg == HV_MSR_EOM)
			fake->eoms++;
		fake_deliver_soon(fake, this_cpu_ptr(fake->cpus));
		spin_unlock(&fake->lock);
	}
	local_irq_restore(flags);
}

const struct mshv_transport mshv_fake_transport = {
	.name = "fake",
	.hypercall = fake_hypercall,
	.fast_hypercall8 = fake_fast_hypercall8,
	.fast_hypercall16 = fake_fast_hypercall16,
	.input_page = fake_input_page,
	.output_page = fake_output_page,
	.synic_read = fake_synic_read,
	.synic_write = fake_synic_write,
};
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_transport);

/* Does @synic take messages: enabled, with its message page and SINT0? */
static bool fake_synic_takes_messages(const struct mshv_fake_synic *synic)
{
	union hv_synic_scontrol scontrol = {
		.as_uint64 = READ_ONCE(synic->scontrol),
	};
	union hv_synic_simp simp = { .as_uint64 = READ_ONCE(synic->simp) };
	union hv_synic_sint sint = {
		.as_uint64 =
			READ_ONCE(synic->sint[HV_SYNIC_INTERCEPTION_SINT_INDEX]),
	};

	return scontrol.enable && simp.simp_enabled && !sint.masked;
}

/*
 * Put the oldest message pending on @cpu in the message slot of its SynIC,
 * if the SynIC takes messages and the slot is empty.  On @cpu's CPU, under
 * the fake's lock.  Returns whether it did.
 */
static bool fake_synic_post(struct mshv_fake_hv *fake,
			    struct mshv_fake_cpu *cpu)
{
	struct mshv_fake_synic *synic = this_cpu_ptr(&mshv_fake_synic);
	struct mshv_fake_msg_ring *pending = cpu->pending;
	struct hv_message *slot;
	struct hv_message msg;
	u32 type;

	if (fake->hold_delivery || !pending->count)
		return false;
	if (!fake_synic_takes_messages(synic)) {
		/* Count each message once, however often it is tried. */
		fake->messages_held_by_synic += pending->count -
						cpu->held_by_synic;
		cpu->held_by_synic = pending->count;
		return false;
	}
	slot = &synic->message_page->sint_message[HV_SYNIC_INTERCEPTION_SINT_INDEX];
	if (READ_ONCE(slot->header.message_type) != HVMSG_NONE) {
		/*
		 * The root has not taken the last message yet.  As the SynIC
		 * does, tell it more wait: it asks for them with an end of
		 * message once it has emptied the slot.
		 */
		slot->header.message_flags.msg_pending = 1;
		synic->awaiting_eom = true;
		return false;
	}
	/* Told more were waiting, the root must ask for them. */
	if (synic->awaiting_eom)
		return false;
	fake_ring_pop(pending, &msg);
	if (cpu->held_by_synic)
		cpu->held_by_synic--;
	msg.header.message_flags.asu8 = 0;
	msg.header.message_flags.msg_pending = pending->count != 0;
	synic->awaiting_eom = pending->count != 0;
	/* The type goes in last: it is what fills the slot. */
	type = msg.header.message_type;
	msg.header.message_type = HVMSG_NONE;
	*slot = msg;
	barrier();
	WRITE_ONCE(slot->header.message_type, type);
	return true;
}

/*
 * The SynIC interrupt of one CPU: move the messages pending on it, one by
 * one, through its SynIC's message slot to the driver's handler, in hard
 * interrupt context and without the fake's lock held.  Queued only on its
 * own CPU, so it runs there.  It stops when the SynIC takes no message, or
 * its slot is still full: the root's end of message raises it again.
 */
static void fake_deliver(struct irq_work *work)
{
	struct mshv_fake_cpu *cpu = container_of(work, struct mshv_fake_cpu,
						 deliver);
	struct mshv_fake_hv *fake = cpu->fake;
	bool posted = false;
	unsigned long flags;

	if (WARN_ON_ONCE(cpu != this_cpu_ptr(fake->cpus)))
		return;
	for (;;) {
		spin_lock_irqsave(&fake->lock, flags);
		if (posted)
			fake->messages_delivered++;
		posted = fake_synic_post(fake, cpu);
		spin_unlock_irqrestore(&fake->lock, flags);
		if (!posted)
			return;
		mshv_isr();
	}
}

/* Wait until no CPU is delivering the fake's messages. */
static void fake_sync_delivery(struct mshv_fake_hv *fake)
{
	int cpu;

	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(fake->cpus, cpu)->deliver);
}

/* On each CPU: raise its SynIC interrupt if messages wait there. */
static void fake_kick_delivery(void *info)
{
	struct mshv_fake_hv *fake = info;
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake_deliver_soon(fake, this_cpu_ptr(fake->cpus));
	spin_unlock_irqrestore(&fake->lock, flags);
}

/* Forget the messages pending on every CPU; they count as dropped. */
static void fake_drop_pending(struct mshv_fake_hv *fake)
{
	struct mshv_fake_cpu *c;
	unsigned long flags;
	int cpu;

	struct mshv_fake_synic *synic;
	const struct hv_notification_message_payload *note;
	struct hv_synic_event_ring *ring;
	struct hv_message msg;

	spin_lock_irqsave(&fake->lock, flags);
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(fake->cpus, cpu);
		synic = per_cpu_ptr(&mshv_fake_synic, cpu);
		fake->messages_dropped += c->pending->count;
		/*
		 * A ring whose signal is dropped would stay masked for the
		 * next fake: the SynIC outlives this one.
		 */
		while (fake_ring_pop(c->pending, &msg)) {
			note = (const void *)msg.u.payload;
			if (msg.header.message_type != HVMSG_SYNIC_SINT_INTERCEPT ||
			    note->sint_index >= HV_SYNIC_SINT_COUNT ||
			    !synic->event_ring)
				continue;
			ring = &synic->event_ring->sint_event_ring[note->sint_index];
			WRITE_ONCE(ring->signal_masked, 0);
		}
		c->held_by_synic = 0;
	}
	spin_unlock_irqrestore(&fake->lock, flags);
}

/* A SynIC as reset: its pages named but not enabled, every SINT masked. */
static void fake_synic_reset(struct mshv_fake_synic *synic)
{
	unsigned int i;

	synic->scontrol = 0;
	synic->simp = virt_to_phys(synic->message_page) &
		      MSHV_FAKE_SYNIC_PAGE_BASE;
	synic->siefp = virt_to_phys(synic->event_flags) &
		       MSHV_FAKE_SYNIC_PAGE_BASE;
	synic->sirbp = virt_to_phys(synic->event_ring) &
		       MSHV_FAKE_SYNIC_PAGE_BASE;
	for (i = 0; i < HV_SYNIC_SINT_COUNT; i++)
		synic->sint[i] = HV_SYNIC_SINT_MASKED;
}

/*
 * Give every possible CPU its SynIC pages, the first time a fake is
 * created.  They are never freed: see &struct mshv_fake_synic.
 */
static int fake_synic_alloc(void)
{
	struct mshv_fake_synic *synic;
	int cpu, ret = 0;

	mutex_lock(&mshv_fake_synic_mutex);
	if (mshv_fake_synic_allocated)
		goto out;
	for_each_possible_cpu(cpu) {
		synic = per_cpu_ptr(&mshv_fake_synic, cpu);
		synic->message_page = (void *)get_zeroed_page(GFP_KERNEL);
		synic->event_flags = (void *)get_zeroed_page(GFP_KERNEL);
		synic->event_ring = (void *)get_zeroed_page(GFP_KERNEL);
		if (!synic->message_page || !synic->event_flags ||
		    !synic->event_ring) {
			ret = -ENOMEM;
			break;
		}
		fake_synic_reset(synic);
	}
	if (!ret) {
		mshv_fake_synic_allocated = true;
		goto out;
	}
	/* No fake was ever installed: nobody saw these pages. */
	for_each_possible_cpu(cpu) {
		synic = per_cpu_ptr(&mshv_fake_synic, cpu);
		free_page((unsigned long)synic->message_page);
		free_page((unsigned long)synic->event_flags);
		free_page((unsigned long)synic->event_ring);
		memset(synic, 0, sizeof(*synic));
	}
out:
	mutex_unlock(&mshv_fake_synic_mutex);
	return ret;
}

/**
 * mshv_fake_hv_synic_free() - free the SynIC pages at module unload
 *
 * Only once no fake is installed and the driver has unmapped the pages
 * (its SynIC torn down on every CPU).
 *
 * Context: Process context.
 */
void mshv_fake_hv_synic_free(void)
{
	struct mshv_fake_synic *synic;
	int cpu;

	mutex_lock(&mshv_fake_synic_mutex);
	if (mshv_fake_synic_allocated) {
		for_each_possible_cpu(cpu) {
			synic = per_cpu_ptr(&mshv_fake_synic, cpu);
			free_page((unsigned long)synic->message_page);
			free_page((unsigned long)synic->event_flags);
			free_page((unsigned long)synic->event_ring);
			memset(synic, 0, sizeof(*synic));
		}
		mshv_fake_synic_allocated = false;
	}
	mutex_unlock(&mshv_fake_synic_mutex);
}

static void fake_free_partition(struct mshv_fake_hv *fake,
				struct mshv_fake_partition *pt)
{
	fake_free_vps(fake, pt);
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
 * Pages still deposited, VPs and the state pages the fake allocated for
 * them, ports, connections, the hypercall pages and the messages not
 * delivered are freed, so a failing test leaks nothing.  Messages whose
 * SynIC interrupt is already raised are delivered first.  The SynIC pages
 * stay: they are the hardware's, not the fake's.
 *
 * Context: Process context.
 */
void mshv_fake_hv_destroy(struct mshv_fake_hv *fake)
{
	unsigned int i;
	int cpu;

	if (!fake)
		return;
	cancel_work_sync(&fake->guest_work);
	if (fake->cpus)
		fake_sync_delivery(fake);
	fake_free_partition(fake, &fake->root);
	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++)
		fake_free_partition(fake, &fake->partitions[i]);
	if (fake->cpus) {
		for_each_possible_cpu(cpu) {
			struct mshv_fake_cpu *c = per_cpu_ptr(fake->cpus, cpu);

			free_page((unsigned long)c->input);
			free_page((unsigned long)c->output);
			kfree(c->pending);
		}
		free_percpu(fake->cpus);
	}
	kvfree(fake);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_destroy);

/**
 * mshv_fake_hv_create() - a fake hypervisor in its default state
 *
 * The default is a root partition under the root scheduler, with no VMM
 * capabilities, no child partitions, no ports and no misbehaviour.  Each
 * possible CPU gets its hypercall pages.  Child partitions report x87, SSE
 * and AVX as their XSAVE states and %MSHV_FAKE_MAX_XSAVE_DATA_SIZE as
 * their largest XSAVE area.
 *
 * The first call also gives each possible CPU the SynIC every fake shares,
 * as reset: its message, event flags and event ring pages named by its
 * registers but not enabled, every SINT masked.  They are never freed: the
 * driver may keep them mapped.
 *
 * Context: Process context; may sleep.
 * Return: The fake, or NULL when out of memory.
 */
struct mshv_fake_hv *mshv_fake_hv_create(void)
{
	struct mshv_fake_hv *fake;
	unsigned int i;
	int cpu;

	if (fake_synic_alloc())
		return NULL;
	/* The tables make it too large for kmalloc to be sure of. */
	fake = kvzalloc(sizeof(*fake), GFP_KERNEL);
	if (!fake)
		return NULL;
	spin_lock_init(&fake->lock);
	INIT_WORK(&fake->guest_work, fake_guest_work);
	/* Before anything can fail: destroy tears every xarray down. */
	xa_init(&fake->root.gpa);
	for (i = 0; i < MSHV_FAKE_MAX_PARTITIONS; i++)
		xa_init(&fake->partitions[i].gpa);
	fake->scheduler_type = HV_SCHEDULER_TYPE_ROOT;
	fake->root.state = MSHV_FAKE_PT_INITIALIZED;
	fake->root.id = MSHV_FAKE_ROOT_ID;
	fake->next_id = MSHV_FAKE_ROOT_ID + 1;
	fake->xsave_states = MSHV_FAKE_XSAVE_STATES;
	fake->max_xsave_data_size = MSHV_FAKE_MAX_XSAVE_DATA_SIZE;

	fake->cpus = alloc_percpu(struct mshv_fake_cpu);
	if (!fake->cpus)
		goto fail;
	for_each_possible_cpu(cpu) {
		struct mshv_fake_cpu *c = per_cpu_ptr(fake->cpus, cpu);

		c->fake = fake;
		init_irq_work(&c->deliver, fake_deliver);
	}
	for_each_possible_cpu(cpu) {
		struct mshv_fake_cpu *c = per_cpu_ptr(fake->cpus, cpu);

		c->input = (void *)get_zeroed_page(GFP_KERNEL);
		c->output = (void *)get_zeroed_page(GFP_KERNEL);
		c->pending = kzalloc(sizeof(*c->pending), GFP_KERNEL);
		if (!c->input || !c->output || !c->pending)
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
 * From now on the driver's SynIC register accesses reach the SynIC every
 * fake shares, and its ends of message go to @fake.
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
 * come in reverse order of installs.  Messages whose SynIC interrupt is
 * already raised are delivered first, while the fake still answers the
 * handler's hypercalls.  Those still pending then (their CPU's SynIC takes
 * no message, its slot is full, or mshv_fake_hv_hold_delivery() holds
 * them) are dropped and counted in messages_dropped.  Messages a script
 * step held back stay held.
 *
 * Context: Process context, with no hypercall in flight.
 */
void mshv_fake_hv_uninstall(struct mshv_fake_hv *fake)
{
	if (WARN_ON(READ_ONCE(mshv_fake_active) != fake))
		return;
	/* Guest code left running sends no message once uninstalled. */
	cancel_work_sync(&fake->guest_work);
	fake_sync_delivery(fake);
	mshv_transport_set(fake->saved_transport);
	WRITE_ONCE(mshv_fake_active, fake->saved_active);
	/*
	 * Hypercalls run with interrupts (DISPATCH_VP, SynIC register
	 * accesses: preemption) disabled, which makes them RCU readers: after
	 * this, none can still be using @fake.
	 */
	synchronize_rcu();
	fake_drop_pending(fake);
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
		*bits = xa_to_value(entry) & (BIT(MSHV_FAKE_GPA_PFN_SHIFT) - 1) &
			~MSHV_FAKE_GPA_MMIO;
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
 * Context: Process context; takes the fake's lock.
 */
void mshv_fake_hv_set_gpa_bits(struct mshv_fake_hv *fake, u64 id, u64 gfn,
			       unsigned int bits)
{
	struct mshv_fake_partition *pt;
	unsigned long flags;
	void *entry;

	/*
	 * Under the fake's lock like every other change of the map: the
	 * message handler takes that lock from interrupt context.
	 */
	spin_lock_irqsave(&fake->lock, flags);
	pt = fake_lookup_child(fake, id);
	entry = pt ? xa_load(&pt->gpa, gfn) : NULL;
	if (entry)
		xa_store(&pt->gpa, gfn, xa_mk_value(xa_to_value(entry) | bits),
			 GFP_ATOMIC);
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_set_gpa_bits);

/**
 * mshv_fake_hv_script_vp() - append a step to a VP's script
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 * @vp_index: the VP
 * @exit: the step: an intercept with its message, or a halt
 *
 * The VP takes the step when it next runs: at its next DISPATCH_VP under
 * the root scheduler, at the next SET_VP_REGISTERS or wake that finds it
 * runnable under the hypervisor's.  A VP idling with nothing left to do
 * looks at a step appended now only once woken.
 *
 * Context: Any context.
 * Return: 0, -ENOENT if there is no such VP, -ENOSPC if the script is full.
 */
int mshv_fake_hv_script_vp(struct mshv_fake_hv *fake, u64 pt_id, u32 vp_index,
			   const struct mshv_fake_exit *exit)
{
	struct mshv_fake_vp_data *data;
	struct mshv_fake_vp *vp;
	unsigned long flags;
	unsigned int tail;
	int ret = 0;

	spin_lock_irqsave(&fake->lock, flags);
	if (fake_find_vp(fake, pt_id, vp_index, NULL, &vp)) {
		ret = -ENOENT;
	} else if (vp->script_count == MSHV_FAKE_VP_SCRIPT_LEN) {
		ret = -ENOSPC;
	} else {
		data = fake_vp_data(vp);
		tail = (data->script_head + vp->script_count++) %
		       MSHV_FAKE_VP_SCRIPT_LEN;
		data->script[tail] = *exit;
	}
	spin_unlock_irqrestore(&fake->lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_script_vp);

/**
 * mshv_fake_hv_wake_vp() - play an interrupt for a guest VP
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 * @vp_index: the VP
 *
 * A halt at the head of the VP's script ends (whether or not the VP
 * reached it yet).  Under the root scheduler the hypervisor then signals
 * the VP to the root with a scheduler message, even if nothing was halted;
 * under the hypervisor's, the VP takes its next step if it is runnable.
 * Nothing happens if there is no such VP.
 *
 * Context: Any context.
 */
void mshv_fake_hv_wake_vp(struct mshv_fake_hv *fake, u64 pt_id, u32 vp_index)
{
	const struct mshv_fake_exit *step;
	struct mshv_fake_partition *pt;
	struct mshv_fake_vp *vp;
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	if (fake_find_vp(fake, pt_id, vp_index, &pt, &vp))
		goto out;
	vp->wakes++;
	step = fake_script_head(vp);
	if (step && step->kind == MSHV_FAKE_EXIT_BLOCK) {
		fake_script_pop(vp);
		vp->blocked = false;
	}
	if (fake_root_dispatch(fake))
		fake_signal_vp(fake, pt->id, vp->index);
	else
		fake_vp_run(fake, pt, vp);
out:
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_wake_vp);

/**
 * mshv_fake_hv_release_messages() - send the messages held back
 * @fake: the fake hypervisor
 *
 * The messages a script step held back are sent, oldest first, on the
 * calling CPU, as if sent now.
 *
 * Context: Any context.
 * Return: How many messages were held (and are now queued for delivery).
 */
unsigned int mshv_fake_hv_release_messages(struct mshv_fake_hv *fake)
{
	struct hv_message msg;
	unsigned long flags;
	unsigned int n = 0;

	spin_lock_irqsave(&fake->lock, flags);
	while (fake_ring_pop(&fake->held, &msg)) {
		fake_queue_message(fake, &msg, false);
		n++;
	}
	spin_unlock_irqrestore(&fake->lock, flags);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_release_messages);

/**
 * mshv_fake_hv_post_message() - send the root any SynIC message
 * @fake: the fake hypervisor
 * @msg: the message, copied; e.g. one about a VP that does not exist
 *
 * The message is sent on the calling CPU: it waits there for the CPU's
 * SynIC to take it in its message slot, and the driver handles it on that
 * CPU.  Its message flags are the SynIC's to set.
 *
 * Context: Any context.
 */
void mshv_fake_hv_post_message(struct mshv_fake_hv *fake,
			       const struct hv_message *msg)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake_queue_message(fake, msg, false);
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_post_message);

/**
 * mshv_fake_hv_flush_messages() - wait until every deliverable message is handled
 * @fake: the fake hypervisor
 *
 * Raises the SynIC interrupt of each CPU with messages pending, and waits
 * for each CPU's to be done, over and over until a round delivers nothing.
 * It returns once mshv_isr() has returned for every message the SynICs
 * take, including those sent meanwhile (doorbell events' among them).
 * Messages stay pending on a CPU whose SynIC takes no message (the driver
 * has not enabled it, or masked SINT0) or whose message slot the driver
 * did not empty; held messages stay held, and so does everything while
 * mshv_fake_hv_hold_delivery() holds delivery.
 *
 * Context: Process context, interrupts enabled.
 */
void mshv_fake_hv_flush_messages(struct mshv_fake_hv *fake)
{
	unsigned int delivered;

	do {
		delivered = READ_ONCE(fake->messages_delivered);
		on_each_cpu(fake_kick_delivery, fake, true);
		fake_sync_delivery(fake);
	} while (READ_ONCE(fake->messages_delivered) != delivered);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_flush_messages);

/**
 * mshv_fake_hv_vp_snapshot() - a consistent copy of a VP's state
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 * @vp_index: the VP
 * @copy: receives the copy
 *
 * Context: Any context.
 * Return: Whether the VP exists (@copy is written only if it does).
 */
bool mshv_fake_hv_vp_snapshot(struct mshv_fake_hv *fake, u64 pt_id,
			      u32 vp_index, struct mshv_fake_vp *copy)
{
	struct mshv_fake_vp *vp;
	unsigned long flags;
	bool found;

	spin_lock_irqsave(&fake->lock, flags);
	found = !fake_find_vp(fake, pt_id, vp_index, NULL, &vp);
	if (found)
		*copy = *vp;
	spin_unlock_irqrestore(&fake->lock, flags);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_vp_snapshot);

/**
 * mshv_fake_hv_nr_vps() - number of VPs a partition has
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 *
 * Context: Any context.
 * Return: The partition's VPs; 0 if there is no such partition.
 */
unsigned int mshv_fake_hv_nr_vps(struct mshv_fake_hv *fake, u64 pt_id)
{
	struct mshv_fake_partition *pt;
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&fake->lock, flags);
	pt = fake_lookup_child(fake, pt_id);
	n = pt ? pt->nr_vps : 0;
	spin_unlock_irqrestore(&fake->lock, flags);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_nr_vps);

/**
 * mshv_fake_hv_vp_register() - a VP register as GET_VP_REGISTERS reads it
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 * @vp_index: the VP
 * @name: the register; one never set reads as zero
 * @value: receives the value
 *
 * Context: Any context.
 * Return: Whether the VP exists (@value is written only if it does).
 */
bool mshv_fake_hv_vp_register(struct mshv_fake_hv *fake, u64 pt_id,
			      u32 vp_index, u32 name,
			      struct hv_register_value *value)
{
	struct mshv_fake_vp *vp;
	unsigned long flags;
	bool found;

	spin_lock_irqsave(&fake->lock, flags);
	found = !fake_find_vp(fake, pt_id, vp_index, NULL, &vp);
	if (found)
		fake_read_vp_register(vp, name, value);
	spin_unlock_irqrestore(&fake->lock, flags);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_vp_register);

/**
 * mshv_fake_hv_vp_state() - the start of a VP's state, as the fake keeps it
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 * @vp_index: the VP
 * @type: a GET/SET_VP_STATE type (%HV_GET_SET_VP_STATE_LAPIC_STATE...)
 * @buf: receives the first @len bytes of the state
 * @len: at most %MSHV_FAKE_VP_STATE_HEAD
 *
 * The fake keeps only the first %MSHV_FAKE_VP_STATE_HEAD bytes of each
 * state (the synthetic timers: all of it); the rest reads as zero.
 *
 * Context: Any context.
 * Return: Whether the VP exists, the fake knows @type and @len fits
 * (@buf is written only then).
 */
bool mshv_fake_hv_vp_state(struct mshv_fake_hv *fake, u64 pt_id, u32 vp_index,
			   u32 type, void *buf, size_t len)
{
	int slot = fake_vp_state_index(type);
	struct mshv_fake_vp *vp;
	unsigned long flags;
	bool found;

	if (slot < 0 || len > MSHV_FAKE_VP_STATE_HEAD)
		return false;
	spin_lock_irqsave(&fake->lock, flags);
	found = !fake_find_vp(fake, pt_id, vp_index, NULL, &vp);
	if (found)
		memcpy(buf, fake_vp_data(vp)->state[slot], len);
	spin_unlock_irqrestore(&fake->lock, flags);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_vp_state);

/**
 * mshv_fake_hv_irqs() - the interrupts asserted into a partition
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 * @out: receives the interrupts, oldest first
 * @max: room in @out
 *
 * The fake keeps the last %MSHV_FAKE_MAX_IRQS interrupts
 * ASSERT_VIRTUAL_INTERRUPT asserted since the partition's creation or
 * mshv_fake_hv_clear_irqs(); @out receives the oldest @max of those.
 *
 * Context: Any context.
 * Return: How many interrupts @out received; 0 if there is no such
 * partition.
 */
unsigned int mshv_fake_hv_irqs(struct mshv_fake_hv *fake, u64 pt_id,
			       struct mshv_fake_irq *out, unsigned int max)
{
	unsigned int first, i, n = 0;
	struct mshv_fake_partition *pt;
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	pt = fake_lookup_child(fake, pt_id);
	if (pt) {
		n = min(pt->nr_irqs, MSHV_FAKE_MAX_IRQS);
		first = pt->nr_irqs - n;
		n = min(n, max);
		for (i = 0; i < n; i++)
			out[i] = pt->irqs[(first + i) % MSHV_FAKE_MAX_IRQS];
	}
	spin_unlock_irqrestore(&fake->lock, flags);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_irqs);

/**
 * mshv_fake_hv_nr_irqs() - how many interrupts were asserted into a partition
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 *
 * Context: Any context.
 * Return: The interrupts ASSERT_VIRTUAL_INTERRUPT asserted since the
 * partition's creation or mshv_fake_hv_clear_irqs(), all of them; 0 if
 * there is no such partition.
 */
unsigned int mshv_fake_hv_nr_irqs(struct mshv_fake_hv *fake, u64 pt_id)
{
	struct mshv_fake_partition *pt;
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&fake->lock, flags);
	pt = fake_lookup_child(fake, pt_id);
	n = pt ? pt->nr_irqs : 0;
	spin_unlock_irqrestore(&fake->lock, flags);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_nr_irqs);

/**
 * mshv_fake_hv_clear_irqs() - forget the interrupts asserted into a partition
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 *
 * Empties the log and sets the count to zero.  Nothing happens if there
 * is no such partition.
 *
 * Context: Any context.
 */
void mshv_fake_hv_clear_irqs(struct mshv_fake_hv *fake, u64 pt_id)
{
	struct mshv_fake_partition *pt;
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	pt = fake_lookup_child(fake, pt_id);
	if (pt)
		pt->nr_irqs = 0;
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_clear_irqs);

/**
 * mshv_fake_hv_guest_eoi() - play a guest's end of interrupt
 * @fake: the fake hypervisor
 * @pt_id: the guest's partition id, sent as is
 * @vp_index: the VP that signalled the end of interrupt
 * @vector: the interrupt's vector
 *
 * Sends the root an %HVMSG_X64_APIC_EOI message from @pt_id, delivered as
 * the others; the partition and VP need not exist.
 *
 * Context: Any context.
 */
void mshv_fake_hv_guest_eoi(struct mshv_fake_hv *fake, u64 pt_id,
			    u32 vp_index, u32 vector)
{
	struct hv_message msg = {};
	struct hv_x64_apic_eoi_message *eoi = (void *)msg.u.payload;
	unsigned long flags;

	msg.header.message_type = HVMSG_X64_APIC_EOI;
	msg.header.payload_size = sizeof(*eoi);
	msg.header.sender = pt_id;
	eoi->vp_index = vp_index;
	eoi->interrupt_vector = vector;
	spin_lock_irqsave(&fake->lock, flags);
	fake_queue_message(fake, &msg, false);
	spin_unlock_irqrestore(&fake->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_guest_eoi);

/**
 * mshv_fake_hv_nr_ports() - number of ports the root has
 * @fake: the fake hypervisor
 *
 * Context: Any context.
 * Return: The ports created and not yet deleted.
 */
unsigned int mshv_fake_hv_nr_ports(struct mshv_fake_hv *fake)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&fake->lock, flags);
	n = fake->nr_ports;
	spin_unlock_irqrestore(&fake->lock, flags);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_nr_ports);

/**
 * mshv_fake_hv_port() - a port as the fake holds it
 * @fake: the fake hypervisor
 * @port_id: the port's id
 * @out: receives a copy of the port
 *
 * Context: Any context.
 * Return: Whether the port exists (@out is written only if it does).
 */
bool mshv_fake_hv_port(struct mshv_fake_hv *fake, u32 port_id,
		       struct mshv_fake_port *out)
{
	struct mshv_fake_port *port;
	unsigned long flags;
	bool found;

	spin_lock_irqsave(&fake->lock, flags);
	port = port_id ? fake_find_port(fake, port_id) : NULL;
	found = port;
	if (found)
		*out = *port;
	spin_unlock_irqrestore(&fake->lock, flags);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_port);

/**
 * mshv_fake_hv_nr_connections() - number of connections a partition has
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 *
 * Context: Any context.
 * Return: The partition's connections made and not yet disconnected.
 */
unsigned int mshv_fake_hv_nr_connections(struct mshv_fake_hv *fake,
					 u64 pt_id)
{
	unsigned int i, n = 0;
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	for (i = 0; i < fake->nr_connections; i++)
		if (fake->connections[i].partition_id == pt_id)
			n++;
	spin_unlock_irqrestore(&fake->lock, flags);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_nr_connections);

/**
 * mshv_fake_hv_connection() - a partition's connection at a guest address
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 * @gpa: the guest physical address the connection watches
 * @out: receives a copy of the connection
 *
 * Context: Any context.
 * Return: Whether the partition has a connection at @gpa; @out receives
 * the oldest of them, and is written only if there is one.
 */
bool mshv_fake_hv_connection(struct mshv_fake_hv *fake, u64 pt_id, u64 gpa,
			     struct mshv_fake_connection *out)
{
	unsigned long flags;
	bool found = false;
	unsigned int i;

	spin_lock_irqsave(&fake->lock, flags);
	for (i = 0; i < fake->nr_connections && !found; i++) {
		const struct mshv_fake_connection *conn = &fake->connections[i];

		if (conn->partition_id == pt_id && conn->gpa == gpa) {
			*out = *conn;
			found = true;
		}
	}
	spin_unlock_irqrestore(&fake->lock, flags);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_connection);

/**
 * mshv_fake_hv_guest_write_repeat() - play the same guest write, many times
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 * @gpa: the guest physical address written
 * @len: the size of the write: 1, 2, 4 or 8 bytes
 * @value: the value written; only its low @len bytes count
 * @times: how often the guest writes it
 *
 * As mshv_fake_hv_guest_write(), @times over, all on the calling CPU with
 * interrupts disabled throughout: the root hears of the events only once
 * they are all queued.  That fills an event ring predictably: with one
 * doorbell matching, %HV_SYNIC_EVENT_RING_MESSAGE_COUNT writes fill the
 * ring, the next %MSHV_FAKE_EVENT_OVERFLOW wait in the CPU's overflow
 * queue, and any more are dropped (and counted in events_dropped).
 *
 * Context: Any context.
 * Return: How many doorbells rang, in all; -EINVAL for a bad @len,
 * -ENOENT if there is no such partition.
 */
int mshv_fake_hv_guest_write_repeat(struct mshv_fake_hv *fake, u64 pt_id,
				    u64 gpa, u32 len, u64 value,
				    unsigned int times)
{
	struct mshv_fake_partition *pt;
	unsigned long flags;
	unsigned int t;
	int rung = 0;

	if (len != 1 && len != 2 && len != 4 && len != 8)
		return -EINVAL;
	if (len < sizeof(value))
		value &= BIT_ULL(len * BITS_PER_BYTE) - 1;

	spin_lock_irqsave(&fake->lock, flags);
	pt = fake_lookup_child(fake, pt_id);
	if (!pt) {
		spin_unlock_irqrestore(&fake->lock, flags);
		return -ENOENT;
	}
	/*
	 * The guest's write traps on this CPU: its event rings get the
	 * events, and its SynIC the messages about them.
	 */
	for (t = 0; t < times; t++)
		rung += mshv_fake_ring_doorbells(fake, pt, gpa, len, value);
	spin_unlock_irqrestore(&fake->lock, flags);
	return rung;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_guest_write_repeat);

/**
 * mshv_fake_hv_guest_write() - play a guest's write to its memory
 * @fake: the fake hypervisor
 * @pt_id: child partition id
 * @gpa: the guest physical address written
 * @len: the size of the write: 1, 2, 4 or 8 bytes
 * @value: the value written; only its low @len bytes count
 *
 * Rings each of the partition's doorbells whose connection watches @gpa
 * and matches the write's size (or takes any size) and value (or takes
 * any value).  The port's id goes to the ring of the port's target SINT in
 * the calling CPU's SynIC event ring page; if that ring is full, it is
 * marked so and the id waits in the CPU's overflow queue for
 * NOTIFY_PORT_RING_EMPTY.  Unless the ring's signal is masked (it was
 * signalled and the root has not found it empty since), the fake masks it
 * and sends the root an %HVMSG_SYNIC_SINT_INTERCEPT message naming the
 * SINT, on this CPU, as any other message.
 *
 * Context: Any context.
 * Return: How many doorbells rang (0 if none matched); -EINVAL for a bad
 * @len, -ENOENT if there is no such partition.
 */
int mshv_fake_hv_guest_write(struct mshv_fake_hv *fake, u64 pt_id, u64 gpa,
			     u32 len, u64 value)
{
	return mshv_fake_hv_guest_write_repeat(fake, pt_id, gpa, len, value, 1);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_guest_write);

/**
 * mshv_fake_hv_hold_delivery() - hold back, or let go, every message
 * @fake: the fake hypervisor
 * @hold: true: from now on deliver nothing; false: deliver again, and
 *	send what was held
 *
 * While held, messages sent stay pending on the CPU that sent them (and
 * count against its pending ring's room), and doorbell events pile up in
 * the event rings with a single message per CPU and SINT waiting.  Unlike
 * the hold_message of a VP's script step and
 * mshv_fake_hv_release_messages(), this holds everything, whoever sends
 * it.  Releasing raises the SynIC interrupt of every CPU with messages
 * pending, so each CPU's go to the driver on that CPU.
 *
 * Context: Process context, interrupts enabled.
 */
void mshv_fake_hv_hold_delivery(struct mshv_fake_hv *fake, bool hold)
{
	unsigned long flags;

	spin_lock_irqsave(&fake->lock, flags);
	fake->hold_delivery = hold;
	spin_unlock_irqrestore(&fake->lock, flags);
	if (!hold)
		on_each_cpu(fake_kick_delivery, fake, true);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_hold_delivery);

/**
 * mshv_fake_hv_synic_reg() - a SynIC register of a CPU, as it is now
 * @cpu: a possible CPU
 * @reg: HV_MSR_SCONTROL, HV_MSR_SIMP, HV_MSR_SIEFP, HV_MSR_SIRBP, or
 *	HV_MSR_SINT0 + n for a SINT n
 *
 * The SynIC is the one every fake shares: the driver programs it through
 * whichever fake was installed at the time.
 *
 * Context: Any context.
 * Return: The register's value; 0 for another register, a CPU that is not
 * possible, or before the first fake was created.
 */
u64 mshv_fake_hv_synic_reg(unsigned int cpu, unsigned int reg)
{
	u64 *val;

	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return 0;
	val = fake_synic_reg(per_cpu_ptr(&mshv_fake_synic, cpu), reg);
	return val ? READ_ONCE(*val) : 0;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_synic_reg);

/**
 * mshv_fake_hv_synic_ready() - is a CPU's SynIC set up as the driver must?
 * @cpu: a possible CPU
 *
 * Ready means enabled, with its message, event flags and event ring pages
 * enabled, SINT0 (intercepts) unmasked with a vector, and the doorbell
 * SINT unmasked and delivered as intercepts.
 *
 * Context: Any context.
 * Return: true if @cpu's SynIC is ready.
 */
bool mshv_fake_hv_synic_ready(unsigned int cpu)
{
	union hv_synic_scontrol scontrol = {
		.as_uint64 = mshv_fake_hv_synic_reg(cpu, HV_MSR_SCONTROL),
	};
	union hv_synic_simp simp = {
		.as_uint64 = mshv_fake_hv_synic_reg(cpu, HV_MSR_SIMP),
	};
	union hv_synic_siefp siefp = {
		.as_uint64 = mshv_fake_hv_synic_reg(cpu, HV_MSR_SIEFP),
	};
	/* SIRBP is laid out as SIEFP. */
	union hv_synic_siefp sirbp = {
		.as_uint64 = mshv_fake_hv_synic_reg(cpu, HV_MSR_SIRBP),
	};
	union hv_synic_sint intercepts = {
		.as_uint64 = mshv_fake_hv_synic_reg(cpu, HV_MSR_SINT0 +
						    HV_SYNIC_INTERCEPTION_SINT_INDEX),
	};
	u64 doorbells = mshv_fake_hv_synic_reg(cpu, HV_MSR_SINT0 +
					       HV_SYNIC_DOORBELL_SINT_INDEX);

	return scontrol.enable && simp.simp_enabled && siefp.siefp_enabled &&
	       sirbp.siefp_enabled && !intercepts.masked && intercepts.vector &&
	       !(doorbells & HV_SYNIC_SINT_MASKED) &&
	       doorbells & HV_SYNIC_SINT_AS_INTERCEPT;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_fake_hv_synic_ready);
