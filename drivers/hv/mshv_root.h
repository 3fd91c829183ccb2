/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mshv_root: internal interfaces between the driver's layers.
 *
 * From userspace down:
 *
 *  - fd layer (mshv_root_main.c): /dev/mshv, the partition fd and the VP
 *    fd.  Copies and validates arguments, and calls the object layer and a
 *    few hypercall wrappers.  Knows hypercall encodings only to check what
 *    a VMM passes through: the MSHV_ROOT_HVCALL allowlists, the suspend
 *    registers in a SET_VP_REGISTERS input, the GVA translation flags.
 *  - object layer (mshv_partition.c, mshv_regions.c, mshv_vp.c,
 *    mshv_irq.c, mshv_doorbell.c, mshv_synic.c): partitions, memory
 *    regions, VPs and their run loop, MSI routing and irqfds, doorbells
 *    and ioeventfds, and the interrupt-time handler of the hypervisor's
 *    messages.
 *  - hypercall layer (mshv_root_hv_call.c): one wrapper per hypercall, the
 *    rep-completion loop and the deposit-and-retry loop.  Every hypercall
 *    is issued, and its input built, by a wrapper here.
 *  - transport (mshv_transport.c): the single seam through which every
 *    hypercall leaves the driver.  In production the kernel's hypercall page;
 *    under test the fake hypervisor (mshv_fake_hv.c).
 */
#ifndef _MSHV_ROOT_H_
#define _MSHV_ROOT_H_

#include <linux/compiler_types.h>
#include <linux/interval_tree.h>
#include <linux/mutex.h>
#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <uapi/linux/mshv.h>

#include <hyperv/hvhdk.h>

/**
 * struct mshv_transport - how hypercalls leave the driver
 * @name: backend name, for the log
 * @hypercall: memory-based hypercall.  @control is the full control word
 *	(code, variable header size, rep count and start index); @input and
 *	@output are this CPU's pages from @input_page and @output_page, or
 *	for DISPATCH_VP the driver's own per-CPU dispatch pages (that call
 *	runs with interrupts enabled).  Returns the hypervisor status word,
 *	reps completed in bits 43:32.
 * @fast_hypercall8: register-based hypercall with 8 bytes of input;
 *	@control already carries %HV_HYPERCALL_FAST_BIT.
 * @fast_hypercall16: register-based hypercall with 16 bytes of input.
 * @input_page: this CPU's hypercall input page.
 * @output_page: this CPU's hypercall output page.
 * @synic_read: read one of this CPU's SynIC registers (HV_MSR_SIMP, ...)
 * @synic_write: write one of this CPU's SynIC registers
 *
 * Every op may be called from any context, including hard interrupt
 * context.  The SynIC ops act on the calling CPU: call them from a thread
 * bound to it, or with preemption disabled.  @input_page and @output_page
 * must be called, and the pages used, with interrupts disabled: that pins
 * the task to the CPU and keeps any interrupt handler on that CPU from
 * reusing the page under us.
 */
struct mshv_transport {
	const char *name;
	u64 (*hypercall)(u64 control, void *input, void *output);
	u64 (*fast_hypercall8)(u64 control, u64 input);
	u64 (*fast_hypercall16)(u64 control, u64 input1, u64 input2);
	void *(*input_page)(void);
	void *(*output_page)(void);
	u64 (*synic_read)(unsigned int reg);
	void (*synic_write)(unsigned int reg, u64 value);
};

extern const struct mshv_transport *mshv_transport;

int mshv_transport_init(void);
void mshv_transport_exit(void);
const struct mshv_transport *mshv_transport_set(const struct mshv_transport *t);

/*
 * Lock order, outermost first:
 *
 *   mshv_vp.mutex (every ioctl on a VP fd)  or  mshv_partition.mutex
 *     mm->mmap_lock (pinning and looking up the VMM's memory)
 *       the hypercall pages (interrupts disabled; nothing sleeps inside)
 *
 * A VP's mutex and its partition's mutex are never held together: running
 * a VP must not wait for a memory map, and creating VPs must not wait for
 * a run.  The interrupt-time message handler takes neither: it finds
 * partitions and VPs under RCU.
 */

/**
 * struct mshv_partition - a guest partition
 * @ref: references: the partition fd and each VP fd
 * @mutex: serializes initialization, VP creation, every change to
 *	@regions and @ioeventfds, and the replacement of @msi_table
 * @id: the hypervisor's id of the partition
 * @initialized: MSHV_INITIALIZE_PARTITION has succeeded
 * @root_sched: the driver dispatches VPs itself (root or integrated
 *	scheduler), fixed at creation
 * @regions: guest memory regions, an interval tree of
 *	&struct mshv_region by guest frame; under @mutex
 * @nr_regions: number of regions in @regions
 * @irq_lock: protects @irqfds and writers of @resample_irqfds
 * @irqfds: the partition's irqfds
 * @resample_irqfds: irqfds with a resample eventfd, read under RCU by
 *	the EOI handler
 * @msi_table: MSI routing table, read under RCU; replaced under @mutex
 * @ioeventfds: the partition's ioeventfds; under @mutex
 * @vps: the VPs by index, published with RCU for the message handler;
 *	written under @mutex
 */
struct mshv_partition {
	refcount_t ref;
	struct mutex mutex;	/* init, VPs, regions, MSI table, ioeventfds */
	u64 id;
	bool initialized;
	bool root_sched;
	struct rb_root_cached regions;
	unsigned int nr_regions;
	spinlock_t irq_lock;	/* irqfds */
	struct list_head irqfds;
	struct list_head resample_irqfds;
	struct mshv_msi_table __rcu *msi_table;
	struct list_head ioeventfds;
	struct mshv_vp __rcu *vps[MSHV_MAX_VPS];
};

/**
 * struct mshv_msi_route - where one GSI's interrupt goes
 * @valid: the GSI has a route with an MSI address the driver understands
 * @vector: interrupt vector
 * @dest: destination APIC id (or logical destination)
 * @control: HV_X64_INTERRUPT_TYPE_* and HV_INTERRUPT_CONTROL_* flags
 */
struct mshv_msi_route {
	bool valid;
	u32 vector;
	u64 dest;
	u64 control;
};

/**
 * struct mshv_vp_run - what a running VP and the message handler share
 * @wq: where the VP's thread waits for the hypervisor
 * @kicked: the hypervisor sent a message for this VP since the thread
 *	last looked (an intercept, or a scheduler signal); set by the
 *	message handler, cleared by the thread
 * @intercept_suspended: root scheduler: the VP stopped on an intercept,
 *	the next dispatch must clear the intercept suspend
 * @blocked: root scheduler: the VP is blocked (halted or explicitly
 *	suspended); dispatch it again only after a signal
 * @message_ready: an intercept message is in the page and was not yet
 *	handed to userspace (the copy failed): the next run returns it
 *	without resuming the VP
 * @dispatched: root scheduler: the thread is dispatching the VP; read by
 *	whoever posts an interrupt in the register page
 */
struct mshv_vp_run {
	wait_queue_head_t wq;
	bool kicked;
	bool dispatched;
	bool intercept_suspended;
	bool blocked;
	bool message_ready;
};

/**
 * struct mshv_vp - a virtual processor of a partition
 * @partition: the partition; each VP fd holds a reference on it
 * @index: the VP's index in the partition
 * @mutex: serializes every ioctl on the VP's fd (run, state, GVA
 *	translation, passthrough hypercalls)
 * @run: run state, under @mutex except for what the handler sets
 * @state_pages: the VP's register, intercept message and GHCB pages as
 *	mapped by the hypervisor; NULL where absent
 * @pages_provided: which of @state_pages the driver allocated (an L1VH
 *	supplies them) and frees once unmapped
 */
struct mshv_vp {
	struct mshv_partition *partition;
	u32 index;
	struct mutex mutex;	/* serializes the VP's ioctls */
	struct mshv_vp_run run;
	struct page *state_pages[HV_VP_STATE_PAGE_COUNT];
	u8 pages_provided;
};

/**
 * struct mshv_region - guest frames backed by VMM memory
 * @node: interval tree node; start and last are guest frames
 * @uaddr: VMM address of the first frame
 * @hv_flags: HV_MAP_GPA_* the frames are mapped with
 * @mmio: backed by MMIO frames (not pinned), not by RAM
 * @nr_extents: number of @extents
 * @extents: the backing in guest order: runs of physically contiguous
 *	frames, each packed in a u64 (see mshv_regions.c)
 */
struct mshv_region {
	struct interval_tree_node node;
	u64 uaddr;
	u32 hv_flags;
	bool mmio;
	u32 nr_extents;
	u64 extents[] __counted_by(nr_extents);
};

#ifdef CONFIG_FAULT_INJECTION
bool mshv_should_fail_alloc(void);
#else
static inline bool mshv_should_fail_alloc(void)
{
	return false;
}
#endif

/*
 * Allocations on paths userspace drives go through mshv_alloc(), so that
 * fault injection (a task's fail-nth) can fail each of them in turn.
 */
#define mshv_alloc(alloc)	(mshv_should_fail_alloc() ? NULL : (alloc))

/* Partitions and regions (mshv_partition.c, mshv_regions.c). */
struct mshv_partition *mshv_partition_create(u64 creation_flags,
					     const struct hv_partition_creation_properties *props);
int mshv_partition_initialize(struct mshv_partition *pt);
void mshv_partition_destroy(struct mshv_partition *pt);
void mshv_partition_get(struct mshv_partition *pt);
void mshv_partition_put(struct mshv_partition *pt);
int mshv_partition_map_region(struct mshv_partition *pt, u64 gfn,
			      u64 nr_frames, u64 uaddr, u8 user_flags);
int mshv_partition_unmap_region(struct mshv_partition *pt, u64 gfn,
				u64 nr_frames, u64 uaddr);
void mshv_partition_unmap_all(struct mshv_partition *pt);
void mshv_partition_free_regions(struct mshv_partition *pt, bool unpin);
struct mshv_region *mshv_partition_region_at(struct mshv_partition *pt,
					     u64 gfn);
size_t mshv_region_meta_bytes(const struct mshv_region *region);
int mshv_partition_access_bitmap(struct mshv_partition *pt, u64 gfn,
				 u64 count, u64 hv_flags, u8 state_bit,
				 void __user *ubitmap);

/* VPs (mshv_vp.c) and the message handler (mshv_synic.c). */
struct mshv_vp *mshv_vp_create(struct mshv_partition *pt, u32 index);
void mshv_vp_publish(struct mshv_vp *vp);
void mshv_vp_destroy(struct mshv_vp *vp);
void mshv_partition_stop_vps(struct mshv_partition *pt);
void mshv_partition_free_vps(struct mshv_partition *pt);
long mshv_vp_run(struct mshv_vp *vp, struct hv_message *msg);
void mshv_vp_kick(struct mshv_vp *vp);
bool mshv_vp_post_interrupt(struct mshv_vp *vp, u8 vector);
extern bool mshv_fast_interrupts;
int mshv_vp_get_state(struct mshv_vp *vp, u8 type, u64 ubuf, u32 *size);
int mshv_vp_set_state(struct mshv_vp *vp, u8 type, u64 ubuf, u32 *size);
struct page *mshv_vp_state_page(struct mshv_vp *vp, unsigned long pgoff);
int mshv_vp_dispatch_init(void);
void mshv_vp_dispatch_exit(void);
bool mshv_uses_root_sched(void);

/* Interrupts and doorbells (mshv_irq.c, mshv_doorbell.c). */
int mshv_set_msi_routing(struct mshv_partition *pt,
			 const struct mshv_user_irq_entry *entries, u32 nr);
void mshv_free_msi_routing(struct mshv_partition *pt);
int mshv_irqfd(struct mshv_partition *pt, const struct mshv_user_irqfd *args);
void mshv_irqfd_release_all(struct mshv_partition *pt);
bool mshv_irqfd_eoi(struct mshv_partition *pt, u32 vector);
int mshv_irqfd_init(void);
void mshv_irqfd_exit(void);
int mshv_doorbell_register(struct mshv_partition *pt, u64 gpa, u64 value,
			   u64 flags, void (*ring)(void *data), void *data);
void mshv_doorbell_unregister(struct mshv_partition *pt, u32 id);
bool mshv_doorbell_events(u32 sint);
int mshv_ioeventfd(struct mshv_partition *pt,
		   const struct mshv_user_ioeventfd *args);
void mshv_ioeventfd_release_all(struct mshv_partition *pt);

int mshv_partition_publish(struct mshv_partition *pt);
void mshv_partition_unpublish(struct mshv_partition *pt);
void mshv_handle_message(const struct hv_message *msg);
void mshv_isr(void);
struct hv_synic_event_ring_page *mshv_synic_event_rings(void);
int mshv_synic_init(bool own_vector);
void mshv_synic_exit(void);
extern bool mshv_synic_up;

/* Scheduler and role detection (mshv_root_main.c). */

/**
 * enum mshv_role - what this kernel is to the hypervisor
 * @MSHV_ROLE_NONE: neither root nor L1 virtual host: no /dev/mshv here
 * @MSHV_ROLE_ROOT: the root partition
 * @MSHV_ROLE_L1VH: an L1 virtual host, a guest allowed to create partitions
 */
enum mshv_role {
	MSHV_ROLE_NONE,
	MSHV_ROLE_ROOT,
	MSHV_ROLE_L1VH,
};

/**
 * enum mshv_scheduler - who schedules guest VPs, as the driver sees it
 * @MSHV_SCHED_LP: classic hypervisor scheduler without SMT
 * @MSHV_SCHED_LP_SMT: classic hypervisor scheduler with SMT
 * @MSHV_SCHED_CORE: the hypervisor's core scheduler
 * @MSHV_SCHED_ROOT: the root partition dispatches VPs itself
 * @MSHV_SCHED_INTEGRATED: an L1VH's integrated scheduler, which the driver
 *	drives exactly like %MSHV_SCHED_ROOT
 *
 * With @MSHV_SCHED_LP, @MSHV_SCHED_LP_SMT and @MSHV_SCHED_CORE the
 * hypervisor runs VPs on its own and the driver waits for intercepts.
 */
enum mshv_scheduler {
	MSHV_SCHED_LP,
	MSHV_SCHED_LP_SMT,
	MSHV_SCHED_CORE,
	MSHV_SCHED_ROOT,
	MSHV_SCHED_INTEGRATED,
};

#if IS_ENABLED(CONFIG_KUNIT)
struct file;
long mshv_dev_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg);
unsigned long mshv_messages_dropped_count(void);
void mshv_msi_decode(u32 address_lo, u32 address_hi, u32 data,
		     struct mshv_msi_route *route);
void mshv_set_scheduler(enum mshv_scheduler sched);
#endif

enum mshv_role mshv_role_from_features(bool root_partition, u32 priv_high);
extern enum mshv_scheduler mshv_scheduler;
extern u64 mshv_vmm_capabilities;
int mshv_detect_scheduler(enum mshv_role role, enum mshv_scheduler *sched);
const char *mshv_scheduler_name(enum mshv_scheduler sched);

/* Hypercall layer (mshv_root_hv_call.c). */

/* The most reps one control word can carry (bits 43:32). */
#define MSHV_MAX_REP_COUNT \
	((u16)(HV_HYPERCALL_REP_COMP_MASK >> HV_HYPERCALL_REP_COMP_OFFSET))

int mshv_status_to_errno(u64 status);
bool mshv_status_needs_deposit(u64 status);
int mshv_hv_rep_hypercall(u64 control, u16 rep_count, void *input,
			  void *output, u64 *status, u16 *reps_done);

int hv_call_get_system_property(u32 property_id, u64 *value);
int hv_call_get_partition_property(u64 partition_id, u32 property_code,
				   u64 *value);
int hv_call_get_vmm_capabilities(u64 *caps);
int hv_call_deposit_pages_to(u64 partition_id, unsigned int nr_pages,
			     unsigned int order);
int hv_call_withdraw_all(u64 partition_id, unsigned long *withdrawn);
int hv_call_create_partition(u64 flags,
			     const struct hv_partition_creation_properties *props,
			     u64 isolation_properties, u64 *partition_id);
int hv_call_initialize_partition(u64 partition_id);
int hv_call_finalize_partition(u64 partition_id);
int hv_call_delete_partition(u64 partition_id);
int hv_call_map_gpa_pages(u64 partition_id, u64 gfn, const u64 *pfns,
			  unsigned long count, u32 flags, unsigned long *mapped);
int hv_call_unmap_gpa_pages(u64 partition_id, u64 gfn, unsigned long count,
			    u32 flags);
int hv_call_get_gpa_access_states(u64 partition_id, u64 gfn,
				  unsigned long count, u64 flags, u8 *states);
int hv_call_create_child_vp(u64 partition_id, u32 vp_index);
int hv_call_delete_vp(u64 partition_id, u32 vp_index);
int hv_call_map_vp_state_page(u64 partition_id, u32 vp_index, u32 type,
			      u64 provided_pfn, u64 *pfn);
int hv_call_unmap_vp_state_page(u64 partition_id, u32 vp_index, u32 type);
int hv_call_get_vp_registers(u64 partition_id, u32 vp_index,
			     unsigned int count, const u32 *names,
			     struct hv_register_value *values);
int hv_call_set_vp_registers(u64 partition_id, u32 vp_index,
			     unsigned int count,
			     const struct hv_register_assoc *assocs);
int hv_call_get_vp_state(u64 partition_id, u32 vp_index,
			 const struct hv_vp_state_data *state,
			 unsigned int nr_pfns, const u64 *pfns,
			 void *out, size_t size);
int hv_call_set_vp_state(u64 partition_id, u32 vp_index,
			 const struct hv_vp_state_data *state,
			 unsigned int nr_pfns, const u64 *pfns,
			 const void *in, size_t size);
int hv_call_translate_gva(u64 partition_id, u32 vp_index, u64 flags,
			  u64 gva_page, u64 *result, u64 *gpa_page);
int hv_call_dispatch_vp(void *input, void *output, u64 partition_id,
			u32 vp_index, u32 flags,
			struct hv_output_dispatch_vp *res);
int hv_call_assert_virtual_interrupt(u64 partition_id, u32 vector, u64 dest,
				     u64 control, bool may_sleep);
int hv_call_create_doorbell_port(u64 partition_id, u32 port_id);
int hv_call_connect_doorbell(u64 partition_id, u32 port_id, u64 gpa,
			     u64 trigger_value, u64 flags);
int hv_call_disconnect_doorbell(u64 partition_id, u32 connection_id);
int hv_call_delete_port(u32 port_id);
int hv_call_notify_port_ring_empty(u32 sint_index);
int hv_call_passthrough(u64 partition_id, u16 code, u16 rep_count,
			const void *in, u16 in_sz, void *out, u16 out_sz,
			u64 *status, u16 *reps_done);

#endif /* _MSHV_ROOT_H_ */
