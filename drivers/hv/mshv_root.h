/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mshv_root: internal interfaces between the driver's layers.
 *
 * From userspace down:
 *
 *  - fd layer (mshv_root_main.c): /dev/mshv and, later, the partition and VP
 *    fds.  Copies and validates arguments; knows no hypercall encoding.
 *  - hypercall layer (mshv_root_hv_call.c): one wrapper per hypercall, the
 *    rep-completion loop and the deposit-and-retry loop.  The only code that
 *    knows hypercall codes and input layouts.
 *  - transport (mshv_transport.c): the single seam through which every
 *    hypercall leaves the driver.  In production the kernel's hypercall page;
 *    under test the fake hypervisor (mshv_fake_hv.c).
 */
#ifndef _MSHV_ROOT_H_
#define _MSHV_ROOT_H_

#include <linux/compiler_types.h>
#include <linux/interval_tree.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <uapi/linux/mshv.h>

#include <hyperv/hvhdk.h>

/**
 * struct mshv_transport - how hypercalls leave the driver
 * @name: backend name, for the log
 * @hypercall: memory-based hypercall.  @control is the full control word
 *	(code, variable header size, rep count and start index); @input and
 *	@output are this CPU's pages from @input_page and @output_page.
 *	Returns the hypervisor status word, reps completed in bits 43:32.
 * @fast_hypercall8: register-based hypercall with 8 bytes of input;
 *	@control already carries %HV_HYPERCALL_FAST_BIT.
 * @fast_hypercall16: register-based hypercall with 16 bytes of input.
 * @input_page: this CPU's hypercall input page.
 * @output_page: this CPU's hypercall output page.
 *
 * Every op may be called from any context, including hard interrupt
 * context.  @input_page and @output_page must be called, and the pages used,
 * with interrupts disabled: that pins the task to the CPU and keeps any
 * interrupt handler on that CPU from reusing the page under us.
 */
struct mshv_transport {
	const char *name;
	u64 (*hypercall)(u64 control, void *input, void *output);
	u64 (*fast_hypercall8)(u64 control, u64 input);
	u64 (*fast_hypercall16)(u64 control, u64 input1, u64 input2);
	void *(*input_page)(void);
	void *(*output_page)(void);
};

extern const struct mshv_transport *mshv_transport;

int mshv_transport_init(void);
void mshv_transport_exit(void);
const struct mshv_transport *mshv_transport_set(const struct mshv_transport *t);

/*
 * Lock order, outermost first:
 *
 *   mshv_partition.mutex
 *     mm->mmap_lock (pinning and looking up the VMM's memory)
 *       the hypercall pages (interrupts disabled; nothing sleeps inside)
 */

/**
 * struct mshv_partition - a guest partition, owned by its file
 * @mutex: serializes initialization and every change to @regions
 * @id: the hypervisor's id of the partition
 * @initialized: MSHV_INITIALIZE_PARTITION has succeeded
 * @regions: guest memory regions, an interval tree of
 *	&struct mshv_region by guest frame; under @mutex
 * @nr_regions: number of regions in @regions
 */
struct mshv_partition {
	struct mutex mutex;	/* serializes init and regions */
	u64 id;
	bool initialized;
	struct rb_root_cached regions;
	unsigned int nr_regions;
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
#endif

enum mshv_role mshv_role_from_features(bool root_partition, u32 priv_high);
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
int hv_call_passthrough(u64 partition_id, u16 code, u16 rep_count,
			const void *in, u16 in_sz, void *out, u16 out_sz,
			u64 *status, u16 *reps_done);

#endif /* _MSHV_ROOT_H_ */
