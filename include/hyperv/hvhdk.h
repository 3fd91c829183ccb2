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
