/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fake hypervisor: a software model of Microsoft Hypervisor's side of
 * the hypercall ABI, installed behind mshv_root's transport seam by the
 * KUnit suites (and by the test-only backend).  Test code only.
 */
#ifndef _MSHV_FAKE_HV_H_
#define _MSHV_FAKE_HV_H_

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "mshv_root.h"

#define MSHV_FAKE_MAX_PARTITIONS	8
#define MSHV_FAKE_MAX_DEPOSIT		4096
#define MSHV_FAKE_MAX_RECORDED		256
#define MSHV_FAKE_MAX_CODE		0x200
#define MSHV_FAKE_ROOT_ID		1
#define MSHV_FAKE_MAX_PROPERTIES	4

/* How the fake remembers a mapped guest frame (an xarray value). */
#define MSHV_FAKE_GPA_WRITABLE		BIT(0)
#define MSHV_FAKE_GPA_EXECUTABLE	BIT(1)
#define MSHV_FAKE_GPA_NOT_CACHED	BIT(2)
#define MSHV_FAKE_GPA_LARGE		BIT(3)
#define MSHV_FAKE_GPA_ACCESSED		BIT(4)
#define MSHV_FAKE_GPA_DIRTY		BIT(5)
#define MSHV_FAKE_GPA_PFN_SHIFT		8

/**
 * enum mshv_fake_partition_state - lifecycle of a fake partition
 * @MSHV_FAKE_PT_FREE: slot unused
 * @MSHV_FAKE_PT_CREATED: after CREATE_PARTITION
 * @MSHV_FAKE_PT_INITIALIZED: after INITIALIZE_PARTITION
 * @MSHV_FAKE_PT_FINALIZED: after FINALIZE_PARTITION
 */
enum mshv_fake_partition_state {
	MSHV_FAKE_PT_FREE,
	MSHV_FAKE_PT_CREATED,
	MSHV_FAKE_PT_INITIALIZED,
	MSHV_FAKE_PT_FINALIZED,
};

/**
 * struct mshv_fake_partition - a partition as the fake hypervisor holds it
 * @state: lifecycle state
 * @id: partition id
 * @flags: creation flags
 * @nr_deposited: number of entries in @deposited
 * @deposited: PFNs of the pages deposited and not yet withdrawn
 * @gpa: mapped guest frames: pfn << MSHV_FAKE_GPA_PFN_SHIFT | MSHV_FAKE_GPA_*
 * @nr_mapped: number of guest frames in @gpa
 * @prop_codes: properties set with SET_PARTITION_PROPERTY
 * @prop_values: their values
 */
struct mshv_fake_partition {
	enum mshv_fake_partition_state state;
	u64 id;
	u64 flags;
	unsigned int nr_deposited;
	u64 *deposited;
	struct xarray gpa;
	unsigned long nr_mapped;
	u32 prop_codes[MSHV_FAKE_MAX_PROPERTIES];
	u64 prop_values[MSHV_FAKE_MAX_PROPERTIES];
};

/**
 * struct mshv_fake_call - one recorded hypercall
 * @control: control word as issued
 * @status: status word as returned
 * @arg0: the first 8 bytes of input (a partition id for most calls)
 */
struct mshv_fake_call {
	u64 control;
	u64 status;
	u64 arg0;
};

/**
 * struct mshv_fake_hv - the fake hypervisor's whole state
 * @lock: protects everything below; taken with interrupts disabled
 * @scheduler_type: what GET_SYSTEM_PROPERTY(SCHEDULER_TYPE) returns
 * @vmm_capabilities: first VMM capability bank of the root partition
 * @integrated_scheduler_enabled: the root's INTEGRATED_SCHEDULER_ENABLED
 * @fail_at_call: fail the call with this 1-based number (0: never)
 * @fail_status: status returned by the failing call
 * @fail_repeat: fail this many calls more right after it
 * @need_memory_calls: answer this many calls with @need_memory_status
 * @need_memory_status: the "insufficient memory" variant to answer with
 * @need_memory_code: hypercall that asks for memory (0: any but the
 *	deposit and withdraw calls themselves)
 * @max_reps_per_call: complete at most this many reps a call (0: all)
 * @stall_from_call: from the call with this 1-based number on, answer
 *	rep calls with success and no rep completed (0: never)
 * @root: the root partition, target of HV_PARTITION_ID_SELF
 * @partitions: child partitions
 * @next_id: id of the next child partition
 * @nr_calls: hypercalls issued since creation or the last reset
 * @calls: the first %MSHV_FAKE_MAX_RECORDED of them
 * @calls_by_code: hypercalls issued, by code, all of them
 * @violations: calls that broke the hypercall ABI (wrong page, interrupts
 *	enabled, bad control word); tests expect none
 * @violation: the last violation, for the test log
 * @pages: per-CPU input and output pages
 * @saved_transport: the transport to restore on uninstall
 * @saved_active: the fake that was active before this one was installed
 */
struct mshv_fake_hv {
	spinlock_t lock;	/* protects the fields below */

	u32 scheduler_type;
	u64 vmm_capabilities;
	u64 integrated_scheduler_enabled;

	unsigned int fail_at_call;
	u16 fail_status;
	unsigned int fail_repeat;
	unsigned int need_memory_calls;
	u16 need_memory_status;
	u16 need_memory_code;
	u16 max_reps_per_call;
	unsigned int stall_from_call;

	struct mshv_fake_partition root;
	struct mshv_fake_partition partitions[MSHV_FAKE_MAX_PARTITIONS];
	u64 next_id;

	unsigned int nr_calls;
	struct mshv_fake_call calls[MSHV_FAKE_MAX_RECORDED];
	unsigned int calls_by_code[MSHV_FAKE_MAX_CODE];
	unsigned int violations;
	const char *violation;

	struct mshv_fake_pages __percpu *pages;
	const struct mshv_transport *saved_transport;
	struct mshv_fake_hv *saved_active;
};

struct mshv_fake_hv *mshv_fake_hv_create(void);
void mshv_fake_hv_destroy(struct mshv_fake_hv *fake);
void mshv_fake_hv_install(struct mshv_fake_hv *fake);
void mshv_fake_hv_uninstall(struct mshv_fake_hv *fake);
extern const struct mshv_transport mshv_fake_transport;

unsigned int mshv_fake_hv_count_calls(struct mshv_fake_hv *fake, u16 code);
struct mshv_fake_partition *mshv_fake_hv_partition(struct mshv_fake_hv *fake,
						   u64 id);
unsigned int mshv_fake_hv_nr_partitions(struct mshv_fake_hv *fake);
bool mshv_fake_hv_gpa(struct mshv_fake_hv *fake, u64 id, u64 gfn, u64 *pfn,
		      unsigned int *bits);
void mshv_fake_hv_set_gpa_bits(struct mshv_fake_hv *fake, u64 id, u64 gfn,
			       unsigned int bits);

#endif /* _MSHV_FAKE_HV_H_ */
