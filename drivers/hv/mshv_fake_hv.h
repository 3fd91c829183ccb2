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
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "mshv_root.h"

struct task_struct;

#define MSHV_FAKE_MAX_PARTITIONS	8
#define MSHV_FAKE_MAX_DEPOSIT		4096
#define MSHV_FAKE_MAX_RECORDED		256
#define MSHV_FAKE_MAX_CODE		0x200
#define MSHV_FAKE_ROOT_ID		1
#define MSHV_FAKE_MAX_PROPERTIES	4
#define MSHV_FAKE_VP_SCRIPT_LEN		16
#define MSHV_FAKE_VP_REGISTERS		128
#define MSHV_FAKE_VP_STATE_TYPES	5
/* A whole APIC register page, so that the LAPIC state's IRR fits. */
#define MSHV_FAKE_VP_STATE_HEAD		1024
#define MSHV_FAKE_MAX_MESSAGES		64
#define MSHV_FAKE_MAX_IRQS		64
#define MSHV_FAKE_MAX_PORTS		256
#define MSHV_FAKE_MAX_CONNECTIONS	256
/*
 * Guest instructions a VP runs at most in one go (DISPATCH_VP, resume),
 * with interrupts off: small enough for debug kernels' lock checking.
 */
#define MSHV_FAKE_GUEST_BUDGET		2000
/* Doorbell events each CPU's SynIC keeps aside while their ring is full. */
#define MSHV_FAKE_EVENT_OVERFLOW	16

/* What a child partition reports unless SET_PARTITION_PROPERTY said else. */
#define MSHV_FAKE_XSAVE_STATES		0x7
#define MSHV_FAKE_MAX_XSAVE_DATA_SIZE	9280

/* TRANSLATE_VIRTUAL_ADDRESS results (bits 31:0 of translation_result). */
#define MSHV_FAKE_GVA_SUCCESS		0
#define MSHV_FAKE_GVA_GPA_UNMAPPED	4

/* How the fake remembers a mapped guest frame (an xarray value). */
#define MSHV_FAKE_GPA_WRITABLE		BIT(0)
#define MSHV_FAKE_GPA_EXECUTABLE	BIT(1)
#define MSHV_FAKE_GPA_NOT_CACHED	BIT(2)
#define MSHV_FAKE_GPA_LARGE		BIT(3)
#define MSHV_FAKE_GPA_ACCESSED		BIT(4)
#define MSHV_FAKE_GPA_DIRTY		BIT(5)
/*
 * Not RAM: a frame with no struct page or mapped not cached (a device's
 * MMIO).  The fake's own mark, which mshv_fake_hv_gpa() does not report.
 */
#define MSHV_FAKE_GPA_MMIO		BIT(6)
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
 * enum mshv_fake_exit_kind - what a scripted VP does next
 * @MSHV_FAKE_EXIT_INTERCEPT: exit to the root with a message
 * @MSHV_FAKE_EXIT_BLOCK: halt until mshv_fake_hv_wake_vp()
 */
enum mshv_fake_exit_kind {
	MSHV_FAKE_EXIT_INTERCEPT,
	MSHV_FAKE_EXIT_BLOCK,
};

/**
 * struct mshv_fake_exit - one step of a VP's script
 * @kind: intercept or block
 * @hold_message: hypervisor scheduler, intercept: hold the opaque
 *	intercept message back until mshv_fake_hv_release_messages()
 * @msg: intercept: the message the VP's intercept message page receives
 */
struct mshv_fake_exit {
	enum mshv_fake_exit_kind kind;
	bool hold_message;
	struct hv_message msg;
};

/**
 * struct mshv_fake_vp - a VP as the fake hypervisor holds it
 * @index: the VP's index in its partition
 * @explicit_suspend: HV_REGISTER_EXPLICIT_SUSPEND; set at creation
 * @intercept_suspend: HV_REGISTER_INTERCEPT_SUSPEND; set by each exit
 * @blocked: a %MSHV_FAKE_EXIT_BLOCK step halted the VP; cleared by a wake
 * @running: hypervisor scheduler only: both suspend registers are clear,
 *	so the hypervisor runs the VP (idle, halted or working its script)
 * @dispatches: DISPATCH_VP calls that reached the VP
 * @exits: intercepts taken
 * @wakes: mshv_fake_hv_wake_vp() calls for the VP
 * @instructions: guest instructions the interpreter ran to their end
 * @state_pfn: frame of each mapped VP state page, by
 *	&enum hv_vp_state_page_type
 * @state_mapped: which of @state_pfn are mapped
 * @state_owned: which of @state_pfn the fake allocated (and frees)
 * @script_count: steps left in the VP's script
 * @nr_registers: registers set, other than the suspend registers
 *
 * Small enough for a copy on the stack: the script, the register values
 * and the VP state stay in the fake (see mshv_fake_hv_vp_register() and
 * mshv_fake_hv_vp_state()).
 */
struct mshv_fake_vp {
	u32 index;
	bool explicit_suspend;
	bool intercept_suspend;
	bool blocked;
	bool running;
	unsigned int dispatches;
	unsigned int exits;
	unsigned int wakes;
	u64 instructions;
	u64 state_pfn[HV_VP_STATE_PAGE_COUNT];
	bool state_mapped[HV_VP_STATE_PAGE_COUNT];
	bool state_owned[HV_VP_STATE_PAGE_COUNT];
	unsigned int script_count;
	unsigned int nr_registers;
};

/**
 * struct mshv_fake_msg_ring - SynIC messages waiting, oldest first
 * @head: index in @msgs of the oldest
 * @count: messages in the ring
 * @msgs: the messages
 */
struct mshv_fake_msg_ring {
	unsigned int head;
	unsigned int count;
	struct hv_message msgs[MSHV_FAKE_MAX_MESSAGES];
};

/**
 * struct mshv_fake_irq - one interrupt ASSERT_VIRTUAL_INTERRUPT asserted
 * @vector: the interrupt vector
 * @dest: the destination: an APIC id, or a logical destination
 * @type: &enum hv_interrupt_type
 * @level: level triggered (else edge triggered)
 * @logical: @dest is a logical destination (else a physical one)
 */
struct mshv_fake_irq {
	u32 vector;
	u64 dest;
	u32 type;
	bool level;
	bool logical;
};

/**
 * struct mshv_fake_port - a doorbell port, in the root partition
 * @port_id: the port's id (24 bits, not zero)
 * @connection_partition_id: the child partition that may connect to it
 * @target_sint: the SINT its events are queued on
 * @target_vp: the VP the root asked its events to go to; the fake
 *	queues them on the CPU the guest's write happens on
 */
struct mshv_fake_port {
	u32 port_id;
	u64 connection_partition_id;
	u32 target_sint;
	u32 target_vp;
};

/**
 * struct mshv_fake_connection - a child partition's doorbell connection
 * @partition_id: the child partition
 * @connection_id: its id in that partition (24 bits, not zero)
 * @port_id: the port it signals
 * @gpa: the guest physical address whose writes ring it
 * @trigger_value: the value a write must have, unless @flags says any
 * @flags: HV_DOORBELL_FLAG_*: the write's size, and whether any value
 *	rings the doorbell
 */
struct mshv_fake_connection {
	u64 partition_id;
	u32 connection_id;
	u32 port_id;
	u64 gpa;
	u64 trigger_value;
	u64 flags;
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
 * @nr_vps: number of VPs in @vps
 * @vps: the partition's VPs by index
 * @nr_irqs: interrupts asserted since creation or the last
 *	mshv_fake_hv_clear_irqs()
 * @irqs: the last %MSHV_FAKE_MAX_IRQS of them, a ring: interrupt n is at
 *	n % %MSHV_FAKE_MAX_IRQS
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
	unsigned int nr_vps;
	struct mshv_fake_vp *vps[MSHV_MAX_VPS];
	unsigned int nr_irqs;
	struct mshv_fake_irq irqs[MSHV_FAKE_MAX_IRQS];
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
 * @xsave_states: a child's HV_PARTITION_PROPERTY_XSAVE_STATES unless set
 * @max_xsave_data_size: a child's HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE
 *	unless set; sizes the XSAVE state of GET/SET_VP_STATE
 * @sched_bitset_messages: signal VPs with HVMSG_SCHEDULER_VP_SIGNAL_BITSET
 *	messages rather than HVMSG_SCHEDULER_VP_SIGNAL_PAIR ones
 * @signal_on_dispatch: send this task SIGUSR1 right after the next
 *	DISPATCH_VP, then forget it; the test keeps the task alive
 * @run_guest_code: a VP whose script is empty runs its guest code (see
 *	mshv_fake_guest_run()) rather than idle; the test-only backend sets it
 * @guest_work: hypervisor scheduler: runs on the guest code of VPs that
 *	used up their budget, a budget at a time
 * @root: the root partition, target of HV_PARTITION_ID_SELF
 * @partitions: child partitions
 * @next_id: id of the next child partition
 * @nr_calls: hypercalls issued since creation or the last reset
 * @calls: the first %MSHV_FAKE_MAX_RECORDED of them
 * @calls_by_code: hypercalls issued, by code, all of them
 * @violations: calls that broke the hypercall ABI (wrong page, interrupts
 *	enabled, a preemptible DISPATCH_VP, bad control word) and misuse the
 *	real hypervisor would not survive (dispatching an intercept-suspended
 *	VP, an intercept with no message page, a SynIC register accessed
 *	preemptibly or unknown, a SynIC page moved); tests expect none
 * @violation: the last violation, for the test log
 * @nr_state_pages: VP state pages the fake allocated and holds
 * @messages_delivered: messages put in a CPU's SynIC message slot and
 *	handed to mshv_isr()
 * @messages_dropped: messages lost to a CPU's full pending ring or to a
 *	full @held ring, or still pending when the fake was uninstalled
 * @messages_held_by_synic: messages that found the SynIC of their CPU
 *	taking none (not enabled, its message page not enabled, or SINT0
 *	masked) and waited; each counts once
 * @eoms: writes to HV_MSR_EOM while the fake was installed
 * @held: messages held back until mshv_fake_hv_release_messages()
 * @hold_delivery: deliver no message, whoever sent it, until
 *	mshv_fake_hv_hold_delivery() lets them go again
 * @nr_ports: number of ports in @ports
 * @ports: the doorbell ports, oldest first
 * @nr_connections: number of connections in @connections
 * @connections: the doorbell connections, oldest first
 * @doorbells_rung: doorbell events guest writes caused
 * @events_overflowed: doorbell events that found their event ring full
 *	and were kept aside for NOTIFY_PORT_RING_EMPTY
 * @events_dropped: doorbell events lost because their ring and the
 *	CPU's overflow queue were both full
 * @ring_empty_notifications: successful NOTIFY_PORT_RING_EMPTY calls
 * @leaked_doorbells: ports, and connections to them, that DELETE_PARTITION
 *	of their connection partition found still there; tests expect none
 * @cpus: per CPU: the hypercall pages, the messages sent on that CPU and
 *	waiting for its SynIC, and the SynIC interrupt that delivers them
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
	u64 xsave_states;
	u64 max_xsave_data_size;
	bool sched_bitset_messages;
	struct task_struct *signal_on_dispatch;
	bool run_guest_code;
	struct work_struct guest_work;

	struct mshv_fake_partition root;
	struct mshv_fake_partition partitions[MSHV_FAKE_MAX_PARTITIONS];
	u64 next_id;

	unsigned int nr_calls;
	struct mshv_fake_call calls[MSHV_FAKE_MAX_RECORDED];
	unsigned int calls_by_code[MSHV_FAKE_MAX_CODE];
	unsigned int violations;
	const char *violation;

	unsigned int nr_state_pages;
	unsigned int messages_delivered;
	unsigned int messages_dropped;
	unsigned int messages_held_by_synic;
	unsigned int eoms;
	struct mshv_fake_msg_ring held;
	bool hold_delivery;

	unsigned int nr_ports;
	struct mshv_fake_port ports[MSHV_FAKE_MAX_PORTS];
	unsigned int nr_connections;
	struct mshv_fake_connection connections[MSHV_FAKE_MAX_CONNECTIONS];
	unsigned int doorbells_rung;
	unsigned int events_overflowed;
	unsigned int events_dropped;
	unsigned int ring_empty_notifications;
	unsigned int leaked_doorbells;

	struct mshv_fake_cpu __percpu *cpus;
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

int mshv_fake_hv_script_vp(struct mshv_fake_hv *fake, u64 pt_id, u32 vp_index,
			   const struct mshv_fake_exit *exit);
void mshv_fake_hv_wake_vp(struct mshv_fake_hv *fake, u64 pt_id, u32 vp_index);
unsigned int mshv_fake_hv_release_messages(struct mshv_fake_hv *fake);
void mshv_fake_hv_post_message(struct mshv_fake_hv *fake,
			       const struct hv_message *msg);
void mshv_fake_hv_flush_messages(struct mshv_fake_hv *fake);
bool mshv_fake_hv_vp_snapshot(struct mshv_fake_hv *fake, u64 pt_id,
			      u32 vp_index, struct mshv_fake_vp *copy);
unsigned int mshv_fake_hv_nr_vps(struct mshv_fake_hv *fake, u64 pt_id);
bool mshv_fake_hv_vp_register(struct mshv_fake_hv *fake, u64 pt_id,
			      u32 vp_index, u32 name,
			      struct hv_register_value *value);
bool mshv_fake_hv_vp_state(struct mshv_fake_hv *fake, u64 pt_id, u32 vp_index,
			   u32 type, void *buf, size_t len);

unsigned int mshv_fake_hv_irqs(struct mshv_fake_hv *fake, u64 pt_id,
			       struct mshv_fake_irq *out, unsigned int max);
unsigned int mshv_fake_hv_nr_irqs(struct mshv_fake_hv *fake, u64 pt_id);
void mshv_fake_hv_clear_irqs(struct mshv_fake_hv *fake, u64 pt_id);
void mshv_fake_hv_guest_eoi(struct mshv_fake_hv *fake, u64 pt_id,
			    u32 vp_index, u32 vector);

unsigned int mshv_fake_hv_nr_ports(struct mshv_fake_hv *fake);
bool mshv_fake_hv_port(struct mshv_fake_hv *fake, u32 port_id,
		       struct mshv_fake_port *out);
unsigned int mshv_fake_hv_nr_connections(struct mshv_fake_hv *fake,
					 u64 pt_id);
bool mshv_fake_hv_connection(struct mshv_fake_hv *fake, u64 pt_id, u64 gpa,
			     struct mshv_fake_connection *out);
int mshv_fake_hv_guest_write(struct mshv_fake_hv *fake, u64 pt_id, u64 gpa,
			     u32 len, u64 value);
int mshv_fake_hv_guest_write_repeat(struct mshv_fake_hv *fake, u64 pt_id,
				    u64 gpa, u32 len, u64 value,
				    unsigned int times);
void mshv_fake_hv_hold_delivery(struct mshv_fake_hv *fake, bool hold);

bool mshv_fake_hv_synic_ready(unsigned int cpu);

/* Between the fake and its guest code interpreter, under the fake's lock. */
struct hv_register_value *mshv_fake_vp_reg(struct mshv_fake_vp *vp, u32 name,
					   bool add);
unsigned int mshv_fake_ring_doorbells(struct mshv_fake_hv *fake,
				      struct mshv_fake_partition *pt, u64 gpa,
				      u32 len, u64 value);
bool mshv_fake_guest_run(struct mshv_fake_hv *fake,
			 struct mshv_fake_partition *pt,
			 struct mshv_fake_vp *vp, unsigned int budget,
			 struct hv_message *msg);
void mshv_fake_hv_synic_free(void);
u64 mshv_fake_hv_synic_reg(unsigned int cpu, unsigned int reg);

#endif /* _MSHV_FAKE_HV_H_ */
