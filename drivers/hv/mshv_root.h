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
#include <linux/types.h>

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

enum mshv_role mshv_role_from_features(bool root_partition, u32 priv_high);
int mshv_detect_scheduler(enum mshv_role role, enum mshv_scheduler *sched);
const char *mshv_scheduler_name(enum mshv_scheduler sched);

/* Hypercall layer (mshv_root_hv_call.c). */

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

#endif /* _MSHV_ROOT_H_ */
