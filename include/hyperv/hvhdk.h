/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Microsoft Hypervisor definitions used by the root partition driver
 * (mshv_root) that Linux 6.12's <asm/hyperv-tlfs.h> does not carry.
 *
 * Everything here is hypervisor ABI: the values and layouts are fixed by the
 * hypervisor, and every input/output structure is packed and sized as the
 * hypervisor reads it from the per-CPU hypercall page.  Codes that 6.12
 * already defines (HVCALL_DEPOSIT_MEMORY, HVCALL_CREATE_VP,
 * HVCALL_GET_VP_REGISTERS, HVCALL_SET_VP_REGISTERS, the first status codes)
 * are used from there and not repeated.
 */
#ifndef _HYPERV_HVHDK_H
#define _HYPERV_HVHDK_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <asm/hyperv-tlfs.h>

/* Hypercall codes */
#define HVCALL_CREATE_PARTITION				0x0040
#define HVCALL_INITIALIZE_PARTITION			0x0041
#define HVCALL_FINALIZE_PARTITION			0x0042
#define HVCALL_DELETE_PARTITION				0x0043
#define HVCALL_GET_PARTITION_PROPERTY			0x0044
#define HVCALL_SET_PARTITION_PROPERTY			0x0045
#define HVCALL_WITHDRAW_MEMORY				0x0049
#define HVCALL_MAP_GPA_PAGES				0x004b
#define HVCALL_UNMAP_GPA_PAGES				0x004c
#define HVCALL_INSTALL_INTERCEPT			0x004d
#define HVCALL_DELETE_VP				0x004f
#define HVCALL_TRANSLATE_VIRTUAL_ADDRESS		0x0052
#define HVCALL_CLEAR_VIRTUAL_INTERRUPT			0x0056
#define HVCALL_DELETE_PORT				0x0058
#define HVCALL_DISCONNECT_PORT				0x005b
#define HVCALL_MAP_STATS_PAGE				0x006c
#define HVCALL_UNMAP_STATS_PAGE				0x006d
#define HVCALL_GET_SYSTEM_PROPERTY			0x007b
#define HVCALL_NOTIFY_PORT_RING_EMPTY			0x008b
#define HVCALL_SCRUB_PARTITION				0x008d
#define HVCALL_REGISTER_INTERCEPT_RESULT		0x0091
#define HVCALL_ASSERT_VIRTUAL_INTERRUPT			0x0094
#define HVCALL_CREATE_PORT				0x0095
#define HVCALL_CONNECT_PORT				0x0096
#define HVCALL_SIGNAL_EVENT_DIRECT			0x00c0
#define HVCALL_POST_MESSAGE_DIRECT			0x00c1
#define HVCALL_DISPATCH_VP				0x00c2
#define HVCALL_GET_GPA_PAGES_ACCESS_STATES		0x00c9
#define HVCALL_ACQUIRE_SPARSE_SPA_PAGE_HOST_ACCESS	0x00d7
#define HVCALL_RELEASE_SPARSE_SPA_PAGE_HOST_ACCESS	0x00d8
#define HVCALL_MAP_VP_STATE_PAGE			0x00e1
#define HVCALL_UNMAP_VP_STATE_PAGE			0x00e2
#define HVCALL_GET_VP_STATE				0x00e3
#define HVCALL_SET_VP_STATE				0x00e4
#define HVCALL_GET_VP_CPUID_VALUES			0x00f4
#define HVCALL_GET_PARTITION_PROPERTY_EX		0x0101

/* Hypercall status codes (bits 15:0 of the returned status) */
#define HV_STATUS_INVALID_PARTITION_STATE		0x0007
#define HV_STATUS_UNKNOWN_PROPERTY			0x0009
#define HV_STATUS_PROPERTY_VALUE_OUT_OF_RANGE		0x000a
#define HV_STATUS_INVALID_PARTITION_ID			0x000d
#define HV_STATUS_INVALID_VP_INDEX			0x000e
#define HV_STATUS_NOT_FOUND				0x0010
#define HV_STATUS_NOT_ACKNOWLEDGED			0x0014
#define HV_STATUS_INVALID_VP_STATE			0x0015
#define HV_STATUS_NO_RESOURCES				0x001d
#define HV_STATUS_INVALID_LP_INDEX			0x0041
#define HV_STATUS_INVALID_REGISTER_VALUE		0x0050
#define HV_STATUS_INSUFFICIENT_ROOT_MEMORY		0x0073
#define HV_STATUS_INSUFFICIENT_CONTIGUOUS_MEMORY	0x0075
#define HV_STATUS_INSUFFICIENT_CONTIGUOUS_ROOT_MEMORY	0x0083

/* GET_SYSTEM_PROPERTY */
#define HV_SYSTEM_PROPERTY_SCHEDULER_TYPE		15

enum hv_scheduler_type {
	HV_SCHEDULER_TYPE_LP		= 1,	/* classic, no SMT */
	HV_SCHEDULER_TYPE_LP_SMT	= 2,	/* classic, SMT */
	HV_SCHEDULER_TYPE_CORE_SMT	= 3,	/* core scheduler */
	HV_SCHEDULER_TYPE_ROOT		= 4,	/* the root dispatches VPs */
};

/*
 * The argument union is 8-byte aligned behind a reserved word; older headers
 * elsewhere put it right after property_id, which only worked because the
 * scheduler-type query carries no argument.
 */
struct hv_input_get_system_property {
	u32 property_id;
	u32 reserved;
	u64 arg;
} __packed;

struct hv_output_get_system_property {
	union {
		u32 scheduler_type;		/* enum hv_scheduler_type */
		u64 as_u64;
	};
} __packed;

/* GET_PARTITION_PROPERTY(_EX) */
#define HV_PARTITION_PROPERTY_INTEGRATED_SCHEDULER_ENABLED	0x00020005
#define HV_PARTITION_PROPERTY_VMM_CAPABILITIES			0x00090007

struct hv_input_get_partition_property {
	u64 partition_id;
	u32 property_code;
	u32 padding;
} __packed;

struct hv_output_get_partition_property {
	u64 property_value;
} __packed;

struct hv_input_get_partition_property_ex {
	u64 partition_id;
	u32 property_code;
	u32 padding;
	u64 arg;
} __packed;

#define HV_VMM_CAPABILITIES_BANK_COUNT			1
#define HV_VMM_CAP_INTEGRATED_SCHEDULER			BIT_ULL(6)

struct hv_partition_property_vmm_capabilities {
	u16 bank_count;
	u16 reserved[3];
	u64 banks[HV_VMM_CAPABILITIES_BANK_COUNT];
} __packed;

/* CREATE_PARTITION and the partition lifecycle */
#define HV_PARTITION_CREATION_FLAG_SMT_ENABLED_GUEST			BIT_ULL(0)
#define HV_PARTITION_CREATION_FLAG_NESTED_VIRTUALIZATION_CAPABLE	BIT_ULL(1)
#define HV_PARTITION_CREATION_FLAG_GPA_SUPER_PAGES_ENABLED		BIT_ULL(4)
#define HV_PARTITION_CREATION_FLAG_EXO_PARTITION			BIT_ULL(8)
#define HV_PARTITION_CREATION_FLAG_LAPIC_ENABLED			BIT_ULL(13)
#define HV_PARTITION_CREATION_FLAG_INTERCEPT_MESSAGE_PAGE_ENABLED	BIT_ULL(19)
#define HV_PARTITION_CREATION_FLAG_X2APIC_CAPABLE			BIT_ULL(22)

/*
 * Creation properties: disabled processor features (two banks) and the
 * disabled XSAVE features, as the hypervisor lays them out on x86_64.
 */
struct hv_partition_creation_properties {
	u64 disabled_processor_features[2];
	u64 disabled_processor_xsave_features;
} __packed;

struct hv_input_create_partition {
	u64 flags;
	u32 proximity_domain_id;
	u32 proximity_domain_flags;
	u32 compatibility_version;
	u32 padding;
	struct hv_partition_creation_properties creation_properties;
	u64 isolation_properties;
} __packed;

struct hv_output_create_partition {
	u64 partition_id;
} __packed;

/* DEPOSIT_MEMORY and WITHDRAW_MEMORY (rep) */
struct hv_input_deposit_memory {
	u64 partition_id;
	u64 gpa_page_list[];
} __packed;

struct hv_input_withdraw_memory {
	u64 partition_id;
	u32 proximity_domain_id;
	u32 proximity_domain_flags;
} __packed;

/* One 4 KiB input page bounds a deposit; the output page bounds a withdrawal. */
#define HV_DEPOSIT_MAX_PAGES \
	((HV_HYP_PAGE_SIZE - sizeof(struct hv_input_deposit_memory)) / sizeof(u64))
#define HV_WITHDRAW_MAX_PAGES	(HV_HYP_PAGE_SIZE / sizeof(u64))

/* SET_PARTITION_PROPERTY */
struct hv_input_set_partition_property {
	u64 partition_id;
	u32 property_code;
	u32 padding;
	u64 property_value;
} __packed;

/* MAP_GPA_PAGES and UNMAP_GPA_PAGES (rep) */
#define HV_MAP_GPA_READABLE		0x00000001
#define HV_MAP_GPA_WRITABLE		0x00000002
#define HV_MAP_GPA_KERNEL_EXECUTABLE	0x00000004
#define HV_MAP_GPA_USER_EXECUTABLE	0x00000008
#define HV_MAP_GPA_EXECUTABLE		0x0000000c
#define HV_MAP_GPA_ADJUSTABLE		0x00008000
#define HV_MAP_GPA_NO_ACCESS		0x00010000
#define HV_MAP_GPA_NOT_CACHED		0x00200000
#define HV_MAP_GPA_LARGE_PAGE		0x80000000

#define HV_UNMAP_GPA_LARGE_PAGE		0x00000002

/* A large page is 2 MiB: 512 frames of 4 KiB. */
#define HV_LARGE_PAGE_SHIFT		9
#define HV_LARGE_PAGE_FRAMES		BIT(HV_LARGE_PAGE_SHIFT)

/*
 * With HV_MAP_GPA_LARGE_PAGE each rep maps one large page: the list entry
 * is the frame number of its first 4 KiB page and the guest frame advances
 * by HV_LARGE_PAGE_FRAMES per rep.
 */
struct hv_input_map_gpa_pages {
	u64 target_partition_id;
	u64 target_gpa_base;
	u32 map_flags;
	u32 padding;
	u64 source_gpa_page_list[];
} __packed;

struct hv_input_unmap_gpa_pages {
	u64 target_partition_id;
	u64 target_gpa_base;
	u32 unmap_flags;
	u32 padding;
} __packed;

/* The frames one input page carries: (4096 - 24) / 8. */
#define HV_MAP_GPA_BATCH_SIZE \
	((HV_HYP_PAGE_SIZE - sizeof(struct hv_input_map_gpa_pages)) / sizeof(u64))

/* GET_GPA_PAGES_ACCESS_STATES (rep) */
#define HV_GPA_ACCESS_CLEAR_ACCESSED	BIT_ULL(0)
#define HV_GPA_ACCESS_SET_ACCESSED	BIT_ULL(1)
#define HV_GPA_ACCESS_CLEAR_DIRTY	BIT_ULL(2)
#define HV_GPA_ACCESS_SET_DIRTY		BIT_ULL(3)

#define HV_GPA_ACCESS_STATE_ACCESSED	BIT(0)
#define HV_GPA_ACCESS_STATE_DIRTY	BIT(1)

struct hv_input_get_gpa_pages_access_state {
	u64 partition_id;
	u64 flags;
	u64 hv_gpa_page_number;
} __packed;

/* One byte of state per page; the output page bounds a call. */
#define HV_GPA_ACCESS_STATES_BATCH_SIZE	(HV_HYP_PAGE_SIZE - 1)

/* VPs: CREATE_VP, DELETE_VP (fast) */
struct hv_input_create_vp {
	u64 partition_id;
	u32 vp_index;
	u8 padding[3];
	u8 subnode_type;
	u64 subnode_id;
	u64 proximity_domain_info;
	u64 flags;
} __packed;

struct hv_input_delete_vp {
	u64 partition_id;
	u32 vp_index;
	u32 reserved;
} __packed;

/* GET_VP_REGISTERS and SET_VP_REGISTERS (rep) */
#define HV_REGISTER_EXPLICIT_SUSPEND		0x00000000
#define HV_REGISTER_INTERCEPT_SUSPEND		0x00000001
#define HV_REGISTER_DISPATCH_SUSPEND		0x00000003

/* The suspend registers' value: bit 0 says the VP is suspended. */
#define HV_SUSPEND_REGISTER_SUSPENDED		BIT_ULL(0)

struct hv_input_vp_registers_header {
	u64 partition_id;
	u32 vp_index;
	u8 input_vtl;
	u8 reserved[3];
} __packed;

/* One rep of GET_VP_REGISTERS: the register's name; its value comes back. */
struct hv_input_get_vp_registers {
	struct hv_input_vp_registers_header header;
	u32 names[];
} __packed;

struct hv_register_value {
	u64 low;
	u64 high;
} __packed;

/* One rep of SET_VP_REGISTERS. */
struct hv_register_assoc {
	u32 name;
	u32 reserved1;
	u64 reserved2;
	struct hv_register_value value;
} __packed;

struct hv_input_set_vp_registers {
	struct hv_input_vp_registers_header header;
	struct hv_register_assoc elements[];
} __packed;

/* The output page bounds a GET (16 bytes a value); the input page a SET. */
#define HV_GET_VP_REGISTERS_BATCH_SIZE \
	(HV_HYP_PAGE_SIZE / sizeof(struct hv_register_value))
#define HV_SET_VP_REGISTERS_BATCH_SIZE \
	((HV_HYP_PAGE_SIZE - sizeof(struct hv_input_set_vp_registers)) / \
	 sizeof(struct hv_register_assoc))

/* MAP_VP_STATE_PAGE and UNMAP_VP_STATE_PAGE */
enum hv_vp_state_page_type {
	HV_VP_STATE_PAGE_REGISTERS		= 0,
	HV_VP_STATE_PAGE_INTERCEPT_MESSAGE	= 1,
	HV_VP_STATE_PAGE_GHCB			= 2,
	HV_VP_STATE_PAGE_COUNT
};

/* In hv_input_map_vp_state_page.flags: the caller supplies the page. */
#define HV_MAP_VP_STATE_PAGE_LOCATION_PROVIDED	BIT(0)

struct hv_input_map_vp_state_page {
	u64 partition_id;
	u32 vp_index;
	u16 type;
	u8 input_vtl;
	u8 flags;
	u64 requested_map_location;
} __packed;

struct hv_output_map_vp_state_page {
	u64 map_location;		/* a page frame number */
} __packed;

struct hv_input_unmap_vp_state_page {
	u64 partition_id;
	u32 vp_index;
	u16 type;
	u8 input_vtl;
	u8 reserved;
} __packed;

/* VMM capability: the host supplies the VP state pages (overlay frames). */
#define HV_VMM_CAP_PROVIDE_OVERLAY_GPFN			BIT_ULL(1)

/* GET_VP_STATE and SET_VP_STATE (variable header) */
#define HV_PARTITION_PROPERTY_XSAVE_STATES		0x00060007
#define HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE	0x00060008

/* The state travels in pages whose frame numbers follow the header. */
#define HV_GET_SET_VP_STATE_TYPE_PFN		BIT(31)

enum hv_get_set_vp_state_type {
	HV_GET_SET_VP_STATE_LAPIC_STATE		= 0 | HV_GET_SET_VP_STATE_TYPE_PFN,
	HV_GET_SET_VP_STATE_XSAVE		= 1 | HV_GET_SET_VP_STATE_TYPE_PFN,
	HV_GET_SET_VP_STATE_SIM_PAGE		= 2 | HV_GET_SET_VP_STATE_TYPE_PFN,
	HV_GET_SET_VP_STATE_SIEF_PAGE		= 3 | HV_GET_SET_VP_STATE_TYPE_PFN,
	HV_GET_SET_VP_STATE_SYNTHETIC_TIMERS	= 4,
};

/* XSAVE components always transferred: x87 and SSE. */
#define HV_XSAVE_STATES_LEGACY			(BIT_ULL(0) | BIT_ULL(1))

struct hv_vp_state_data {
	u32 type;			/* enum hv_get_set_vp_state_type */
	u32 reserved;
	u64 xsave_flags;
	u64 xsave_states;
} __packed;

struct hv_input_get_vp_state {
	u64 partition_id;
	u32 vp_index;
	u8 input_vtl;
	u8 reserved0;
	u16 reserved1;
	struct hv_vp_state_data state_data;
	u64 output_data_pfns[];
} __packed;

struct hv_input_set_vp_state {
	u64 partition_id;
	u32 vp_index;
	u8 input_vtl;
	u8 reserved0;
	u16 reserved1;
	struct hv_vp_state_data state_data;
	u64 data[];			/* frame numbers, or the bytes */
} __packed;

struct hv_stimer_state {
	u32 flags;
	u32 reserved;
	u64 config;
	u64 count;
	u64 adjustment;
	u64 undelivered_exp_time;
} __packed;

struct hv_synthetic_timers_state {
	struct hv_stimer_state timers[HV_SYNIC_STIMER_COUNT];
	u64 reserved[5];
} __packed;

/*
 * The fixed header runs through the state description; the variable
 * header (its size counted in qwords in the control word) is the frame
 * list, or for SET of a type that travels by value, the state bytes.
 */
#define HV_VP_STATE_MAX_PFNS \
	((HV_HYP_PAGE_SIZE - sizeof(struct hv_input_get_vp_state)) / sizeof(u64))

/* TRANSLATE_VIRTUAL_ADDRESS */
#define HV_TRANSLATE_GVA_FLAGS_MASK		GENMASK_ULL(10, 0)

struct hv_input_translate_virtual_address {
	u64 partition_id;
	u32 vp_index;
	u32 padding;
	u64 control_flags;
	u64 gva_page;
} __packed;

struct hv_output_translate_virtual_address {
	u64 translation_result;	/* result code in bits 31:0 */
	u64 gpa_page;
} __packed;

/*
 * Interrupts the root posts in a VP's register page, for the hypervisor to
 * inject at the next DISPATCH_VP with HV_DISPATCH_VP_FLAG_SCAN_INTERRUPT_
 * INJECTION: a count in byte 0, then up to 7 vectors.  Where the
 * hypervisor offers it (CPUID HYPERV_CPUID_FEATURES.ECX).
 */
#define HV_VP_DISPATCH_INTERRUPT_INJECTION_AVAILABLE	BIT(9)
#define HV_VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET	680
#define HV_VP_REGISTER_PAGE_MAX_VECTORS			7

/* DISPATCH_VP: the root scheduler runs a VP on the calling CPU */
#define HV_DISPATCH_VP_FLAG_CLEAR_INTERCEPT_SUSPEND	0x1
#define HV_DISPATCH_VP_FLAG_SCAN_INTERRUPT_INJECTION	0x40

enum hv_vp_dispatch_state {
	HV_VP_DISPATCH_STATE_INVALID	= 0,
	HV_VP_DISPATCH_STATE_BLOCKED	= 1,
	HV_VP_DISPATCH_STATE_READY	= 2,
};

enum hv_vp_dispatch_event {
	HV_VP_DISPATCH_EVENT_INVALID	= 0,
	HV_VP_DISPATCH_EVENT_SUSPEND	= 1,
	HV_VP_DISPATCH_EVENT_INTERCEPT	= 2,
};

struct hv_input_dispatch_vp {
	u64 partition_id;
	u32 vp_index;
	u32 flags;
	u64 time_slice;			/* 100 ns units; 0: until an event */
	u64 spec_ctrl;
} __packed;

struct hv_output_dispatch_vp {
	u32 dispatch_state;		/* enum hv_vp_dispatch_state */
	u32 dispatch_event;		/* enum hv_vp_dispatch_event */
} __packed;

/* SynIC messages the root receives about its guests' VPs */
#define HVMSG_OPAQUE_INTERCEPT			0x8000003f
#define HVMSG_SCHEDULER_VP_SIGNAL_BITSET	0x80000100
#define HVMSG_SCHEDULER_VP_SIGNAL_PAIR		0x80000101

/* SINT on which intercepts and scheduler messages arrive */
#define HV_SYNIC_INTERCEPTION_SINT_INDEX	0

/*
 * With the intercept message page enabled, the SynIC only says which VP
 * has a message; the message itself is in that VP's page.  The sender
 * field of the header is the partition id.
 */
struct hv_opaque_intercept_message {
	u32 vp_index;
} __packed;

/* VP index sets cover at most this many VPs of a child partition. */
#define HV_ROOT_SCHEDULER_MAX_VPS		1024
#define HV_VP_SET_BANK_COUNT			(HV_ROOT_SCHEDULER_MAX_VPS / 64)

struct hv_vp_signal_bitset_scheduler_message {
	u64 partition_id;
	u32 overflow_count;
	u16 vp_count;
	u16 reserved;
	u64 format;			/* HV_GENERIC_SET_SPARSE_4K */
	u64 valid_bank_mask;
	u64 bank_contents[HV_VP_SET_BANK_COUNT];
} __packed;

#define HV_SCHEDULER_MESSAGE_MAX_PAIRS \
	((HV_MESSAGE_PAYLOAD_BYTE_COUNT / (sizeof(u64) + sizeof(u32))) - 1)

struct hv_vp_signal_pair_scheduler_message {
	u32 overflow_count;
	u8 vp_count;
	u8 reserved1[3];
	u64 partition_ids[HV_SCHEDULER_MESSAGE_MAX_PAIRS];
	u32 vp_indexes[HV_SCHEDULER_MESSAGE_MAX_PAIRS];
	u8 reserved2[4];
} __packed;

/* ASSERT_VIRTUAL_INTERRUPT (the interrupt types are 6.12's) */

/* hv_input_assert_virtual_interrupt.control: type, then these flags */
#define HV_INTERRUPT_CONTROL_LEVEL_TRIGGERED	BIT_ULL(32)
#define HV_INTERRUPT_CONTROL_LOGICAL_DEST	BIT_ULL(33)

struct hv_input_assert_virtual_interrupt {
	u64 partition_id;
	u64 control;			/* enum hv_interrupt_type | flags */
	u64 dest_addr;			/* APIC id, or logical destination */
	u32 vector;
	u8 target_vtl;
	u8 reserved0;
	u16 reserved1;
} __packed;

/* Ports and connections: CREATE/CONNECT/DISCONNECT/DELETE_PORT */
#define HV_PORT_TYPE_DOORBELL			4
#define HV_ANY_VP				0xffffffff

/* The SINT doorbell events are queued on, as intercepts. */
#define HV_SYNIC_DOORBELL_SINT_INDEX		5

#define HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY	0x0
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE	0x1
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD	0x2
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD	0x3
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD	0x4
#define HV_DOORBELL_FLAG_TRIGGER_SIZE_MASK	0x7
#define HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE	0x80000000

struct hv_port_info {
	u32 port_type;
	u32 padding;
	/* The doorbell variant: the SINT and VP events go to. */
	u32 target_sint;
	u32 target_vp;
	u64 reserved;
} __packed;

struct hv_connection_info {
	u32 port_type;
	u32 padding;
	/* The doorbell variant: which guest writes ring the doorbell. */
	u64 gpa;
	u64 trigger_value;
	u64 flags;			/* HV_DOORBELL_FLAG_* */
} __packed;

struct hv_input_create_port {
	u64 port_partition_id;
	u32 port_id;			/* 24 bits */
	u8 port_vtl;
	u8 min_connection_vtl;
	u16 padding;
	u64 connection_partition_id;
	struct hv_port_info port_info;
	u64 proximity_domain_info;
} __packed;

struct hv_input_connect_port {
	u64 connection_partition_id;
	u32 connection_id;		/* 24 bits */
	u8 connection_vtl;
	u8 reserved0;
	u16 reserved1;
	u64 port_partition_id;
	u32 port_id;
	u32 reserved2;
	struct hv_connection_info connection_info;
	u64 proximity_domain_info;
} __packed;

/* DISCONNECT_PORT (fast, 16 bytes): the second word's flag */
#define HV_DISCONNECT_PORT_IS_DOORBELL		BIT_ULL(32)

#define HV_PORT_ID_MASK				GENMASK(23, 0)

/* SynIC registers 6.12 lacks: the event ring page, and intercept SINTs */
#define HV_X64_MSR_SIRBP			0x40000085
#define HV_MSR_SIRBP				HV_X64_MSR_SIRBP
#define HV_SYNIC_SINT_AS_INTERCEPT		BIT_ULL(19)

/* The SynIC event ring: each SINT's ring of queued port ids */
#define HV_SYNIC_EVENT_RING_MESSAGE_COUNT	63

struct hv_synic_event_ring {
	u8 signal_masked;
	u8 ring_full;
	u16 reserved;
	u32 data[HV_SYNIC_EVENT_RING_MESSAGE_COUNT];
} __packed;

struct hv_synic_event_ring_page {
	struct hv_synic_event_ring sint_event_ring[HV_SYNIC_SINT_COUNT];
};

/*
 * A SINT configured as an intercept SINT signals its events with this
 * message on the intercept SINT; the payload names the SINT.
 */
#define HVMSG_SYNIC_SINT_INTERCEPT		0x80000061

struct hv_notification_message_payload {
	u32 sint_index;
} __packed;

struct hv_x64_apic_eoi_message {
	u32 vp_index;
	u32 interrupt_vector;
} __packed;

/* x64 registers of GET/SET_VP_REGISTERS; 6.12 names none of them */
#define HV_X64_REGISTER_RAX			0x00020000
#define HV_X64_REGISTER_RCX			0x00020001
#define HV_X64_REGISTER_RDX			0x00020002
#define HV_X64_REGISTER_RBX			0x00020003
#define HV_X64_REGISTER_RSP			0x00020004
#define HV_X64_REGISTER_RBP			0x00020005
#define HV_X64_REGISTER_RSI			0x00020006
#define HV_X64_REGISTER_RDI			0x00020007
/* R8 to R15 follow: RAX + n is general purpose register n. */
#define HV_X64_REGISTER_R8			0x00020008
#define HV_X64_REGISTER_R15			0x0002000f
#define HV_X64_REGISTER_RIP			0x00020010
#define HV_X64_REGISTER_RFLAGS			0x00020011
/* Segments: the value is a struct hv_x64_segment_register. */
#define HV_X64_REGISTER_ES			0x00060000
#define HV_X64_REGISTER_CS			0x00060001
#define HV_X64_REGISTER_SS			0x00060002
#define HV_X64_REGISTER_DS			0x00060003
#define HV_X64_REGISTER_FS			0x00060004
#define HV_X64_REGISTER_GS			0x00060005

/*
 * Intercepts in a VP's intercept message page (6.12's enum hv_message_type
 * has the unmapped GPA, unrecoverable exception and I/O port ones).
 */
#define HVMSG_X64_HALT				0x80010007

/* hv_x64_intercept_message_header.intercept_access_type */
#define HV_INTERCEPT_ACCESS_READ		0
#define HV_INTERCEPT_ACCESS_WRITE		1
#define HV_INTERCEPT_ACCESS_EXECUTE		2

/* What every x64 intercept message starts with. */
struct hv_x64_intercept_message_header {
	u32 vp_index;
	u8 instruction_length:4;	/* of the intercepted instruction */
	u8 cr8:4;
	u8 intercept_access_type;	/* HV_INTERCEPT_ACCESS_* */
	u16 execution_state;		/* bit 2: CR0.PE */
	struct hv_x64_segment_register cs_segment;
	u64 rip;			/* of the intercepted instruction */
	u64 rflags;
} __packed;

/* hv_x64_io_port_intercept_message.access_info */
#define HV_X64_IO_PORT_ACCESS_SIZE		GENMASK(2, 0)	/* 1, 2 or 4 */
#define HV_X64_IO_PORT_STRING_OP		BIT(3)
#define HV_X64_IO_PORT_REP_PREFIX		BIT(4)

/* HVMSG_X64_IOPORT_INTERCEPT: IN or OUT; the VMM completes it. */
struct hv_x64_io_port_intercept_message {
	struct hv_x64_intercept_message_header header;
	u16 port_number;
	u8 access_info;
	u8 instruction_byte_count;
	u32 reserved;
	u64 rax;
	u8 instruction_bytes[16];
	struct hv_x64_segment_register ds_segment;
	struct hv_x64_segment_register es_segment;
	u64 rcx;
	u64 rsi;
	u64 rdi;
} __packed;

/* hv_x64_memory_intercept_message.memory_access_info */
#define HV_X64_MEMORY_ACCESS_GVA_VALID		BIT(0)
#define HV_X64_MEMORY_ACCESS_GVA_GPA_VALID	BIT(1)

/* HVMSG_UNMAPPED_GPA and HVMSG_GPA_INTERCEPT: a guest memory access */
struct hv_x64_memory_intercept_message {
	struct hv_x64_intercept_message_header header;
	u32 cache_type;
	u8 instruction_byte_count;
	u8 memory_access_info;
	u8 tpr_priority;
	u8 reserved;
	u64 guest_virtual_address;
	u64 guest_physical_address;
	u8 instruction_bytes[16];
} __packed;

static_assert(sizeof(struct hv_x64_segment_register) == 16);
static_assert(sizeof(struct hv_x64_intercept_message_header) == 40);
static_assert(offsetof(struct hv_x64_intercept_message_header, cs_segment) == 8);
static_assert(offsetof(struct hv_x64_intercept_message_header, rip) == 24);
static_assert(sizeof(struct hv_x64_io_port_intercept_message) == 128);
static_assert(offsetof(struct hv_x64_io_port_intercept_message, port_number) == 40);
static_assert(offsetof(struct hv_x64_io_port_intercept_message, rax) == 48);
static_assert(offsetof(struct hv_x64_io_port_intercept_message, ds_segment) == 72);
static_assert(offsetof(struct hv_x64_io_port_intercept_message, rcx) == 104);
static_assert(sizeof(struct hv_x64_memory_intercept_message) == 80);
static_assert(offsetof(struct hv_x64_memory_intercept_message,
		       guest_physical_address) == 56);
static_assert(sizeof(struct hv_x64_io_port_intercept_message) <=
	      HV_MESSAGE_PAYLOAD_BYTE_COUNT);
static_assert(sizeof(struct hv_input_assert_virtual_interrupt) == 32);
static_assert(sizeof(struct hv_port_info) == 24);
static_assert(sizeof(struct hv_connection_info) == 32);
static_assert(sizeof(struct hv_input_create_port) == 56);
static_assert(sizeof(struct hv_input_connect_port) == 72);
static_assert(sizeof(struct hv_synic_event_ring) == 256);
static_assert(sizeof(struct hv_synic_event_ring_page) == HV_HYP_PAGE_SIZE);

static_assert(sizeof(struct hv_input_create_vp) == 40);
static_assert(sizeof(struct hv_input_delete_vp) == 16);
static_assert(sizeof(struct hv_register_assoc) == 32);
static_assert(HV_GET_VP_REGISTERS_BATCH_SIZE == 256);
static_assert(HV_SET_VP_REGISTERS_BATCH_SIZE == 127);
static_assert(sizeof(struct hv_input_map_vp_state_page) == 24);
static_assert(sizeof(struct hv_input_unmap_vp_state_page) == 16);
static_assert(sizeof(struct hv_input_get_vp_state) == 40);
static_assert(sizeof(struct hv_synthetic_timers_state) == 200);
static_assert(HV_VP_STATE_MAX_PFNS == 507);
static_assert(sizeof(struct hv_input_translate_virtual_address) == 32);
static_assert(sizeof(struct hv_input_dispatch_vp) == 32);
static_assert(sizeof(struct hv_vp_signal_bitset_scheduler_message) <=
	      HV_MESSAGE_PAYLOAD_BYTE_COUNT);
static_assert(sizeof(struct hv_vp_signal_pair_scheduler_message) ==
	      HV_MESSAGE_PAYLOAD_BYTE_COUNT);
static_assert(sizeof(struct hv_message) == 256);

static_assert(sizeof(struct hv_input_get_system_property) == 16);
static_assert(sizeof(struct hv_input_get_partition_property) == 16);
static_assert(sizeof(struct hv_input_get_partition_property_ex) == 24);
static_assert(sizeof(struct hv_partition_property_vmm_capabilities) == 16);
static_assert(sizeof(struct hv_input_create_partition) == 56);
static_assert(HV_DEPOSIT_MAX_PAGES == 511);
static_assert(sizeof(struct hv_input_map_gpa_pages) == 24);
static_assert(HV_MAP_GPA_BATCH_SIZE == 509);
static_assert(sizeof(struct hv_input_get_gpa_pages_access_state) == 24);

#endif /* _HYPERV_HVHDK_H */
