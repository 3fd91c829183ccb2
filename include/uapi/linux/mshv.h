/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Userspace interface of /dev/mshv, the Microsoft Hypervisor root partition
 * driver (mshv_root).
 *
 * Three levels of file descriptor, each with its own ioctls:
 *
 *  - /dev/mshv: create partitions; query the host (MSHV_ROOT_HVCALL).
 *  - a partition fd, from MSHV_CREATE_PARTITION: memory, VPs, interrupts.
 *  - a VP fd, from MSHV_CREATE_VP: run the VP and access its state; mmap
 *    exposes the VP's register, intercept message and GHCB pages.
 *
 * This layout is used by existing VMMs: it does not change.  Every ioctl,
 * its errors and the intercept contract of MSHV_RUN_VP are described in
 * Documentation/userspace-api/mshv.rst.
 */
#ifndef _UAPI_LINUX_MSHV_H
#define _UAPI_LINUX_MSHV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MSHV_IOCTL	0xB8

/* Bits of mshv_create_partition.pt_flags */
enum {
	MSHV_PT_BIT_LAPIC,
	MSHV_PT_BIT_X2APIC,
	MSHV_PT_BIT_GPA_SUPER_PAGES,
	MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES,
	MSHV_PT_BIT_NESTED_VIRTUALIZATION,
	MSHV_PT_BIT_SMT_ENABLED_GUEST,
	MSHV_PT_BIT_COUNT,
};

#define MSHV_PT_FLAGS_MASK	((1 << MSHV_PT_BIT_COUNT) - 1)

/* Values of mshv_create_partition.pt_isolation */
enum {
	MSHV_PT_ISOLATION_NONE,
	MSHV_PT_ISOLATION_COUNT,
};

/**
 * struct mshv_create_partition - argument of MSHV_CREATE_PARTITION
 * @pt_flags: bit mask of MSHV_PT_BIT_*: guest features (local APIC,
 *	x2APIC, 2 MiB GPA pages, nested virtualization, SMT) and the choice of
 *	argument layout; unknown bits are rejected
 * @pt_isolation: MSHV_PT_ISOLATION_*; only MSHV_PT_ISOLATION_NONE exists
 *
 * With MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES set, the argument is a
 * &struct mshv_create_partition_v2 (the ioctl number does not change: it
 * still encodes the size of this struct).
 */
struct mshv_create_partition {
	__u64 pt_flags;
	__u64 pt_isolation;
};

#define MSHV_NUM_CPU_FEATURES_BANKS	2

/**
 * struct mshv_create_partition_v2 - MSHV_CREATE_PARTITION with CPU features
 * @pt_flags: as in &struct mshv_create_partition, with
 *	MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES set
 * @pt_isolation: as in &struct mshv_create_partition
 * @pt_num_cpu_fbanks: number of @pt_cpu_fbanks; must be
 *	MSHV_NUM_CPU_FEATURES_BANKS
 * @pt_rsvd: must be zero
 * @pt_cpu_fbanks: processor features to disable in the guest
 * @pt_rsvd1: must be zero
 * @pt_disabled_xsave: XSAVE features to disable in the guest (x86_64)
 * @pt_rsvd2: must be zero (architectures other than x86_64)
 *
 * Packed: 64 bytes on every architecture, with no padding to leak.
 */
struct mshv_create_partition_v2 {
	__u64 pt_flags;
	__u64 pt_isolation;
	__u16 pt_num_cpu_fbanks;
	__u8  pt_rsvd[6];
	__u64 pt_cpu_fbanks[MSHV_NUM_CPU_FEATURES_BANKS];
	__u64 pt_rsvd1[2];
#if defined(__x86_64__)
	__u64 pt_disabled_xsave;
#else
	__u64 pt_rsvd2;
#endif
} __attribute__((packed));

/* Bits of mshv_user_mem_region.flags */
enum {
	MSHV_SET_MEM_BIT_WRITABLE,
	MSHV_SET_MEM_BIT_EXECUTABLE,
	MSHV_SET_MEM_BIT_UNMAP,
	MSHV_SET_MEM_BIT_COUNT,
};

#define MSHV_SET_MEM_FLAGS_MASK	((1 << MSHV_SET_MEM_BIT_COUNT) - 1)

/**
 * struct mshv_user_mem_region - argument of MSHV_SET_GUEST_MEMORY
 * @size: bytes; a non-zero multiple of the page size (4 KiB)
 * @guest_pfn: first guest page frame of the region; the region must end
 *	below guest physical address 2^52
 * @userspace_addr: page-aligned start of the backing memory in the
 *	calling process: anonymous or file-backed RAM, which is pinned, or a
 *	VM_PFNMAP device mapping, whose frames are mapped uncached
 * @flags: MSHV_SET_MEM_BIT_*: the guest may write (WRITABLE) or execute
 *	(EXECUTABLE) the region, and may always read it; with
 *	MSHV_SET_MEM_BIT_UNMAP the region that matches @guest_pfn, @size and
 *	@userspace_addr exactly is removed instead
 * @rsvd: must be zero
 *
 * Regions may not overlap in guest physical address space, and are
 * removed as a whole: there is no partial unmap.
 */
struct mshv_user_mem_region {
	__u64 size;
	__u64 guest_pfn;
	__u64 userspace_addr;
	__u8  flags;
	__u8  rsvd[7];
};

/* Bits of mshv_user_irqfd.flags */
enum {
	MSHV_IRQFD_BIT_DEASSIGN,
	MSHV_IRQFD_BIT_RESAMPLE,
	MSHV_IRQFD_BIT_COUNT,
};

#define MSHV_IRQFD_FLAGS_MASK	((1 << MSHV_IRQFD_BIT_COUNT) - 1)

/**
 * struct mshv_user_irqfd - argument of MSHV_IRQFD
 * @fd: eventfd whose signal injects the interrupt routed at @gsi
 * @resamplefd: with MSHV_IRQFD_BIT_RESAMPLE, eventfd signalled when the
 *	guest acknowledges (EOI) a level-triggered interrupt routed at @gsi;
 *	without it, must be 0 or -1
 * @gsi: index into the MSI routing table, below MSHV_MAX_GSI_ROUTES
 * @flags: MSHV_IRQFD_BIT_*: DEASSIGN removes the irqfd of @fd and @gsi
 */
struct mshv_user_irqfd {
	__s32 fd;
	__s32 resamplefd;
	__u32 gsi;
	__u32 flags;
};

/* Bits of mshv_user_ioeventfd.flags */
enum {
	MSHV_IOEVENTFD_BIT_DATAMATCH,
	MSHV_IOEVENTFD_BIT_PIO,
	MSHV_IOEVENTFD_BIT_DEASSIGN,
	MSHV_IOEVENTFD_BIT_COUNT,
};

#define MSHV_IOEVENTFD_FLAGS_MASK	((1 << MSHV_IOEVENTFD_BIT_COUNT) - 1)

/**
 * struct mshv_user_ioeventfd - argument of MSHV_IOEVENTFD
 * @datamatch: with MSHV_IOEVENTFD_BIT_DATAMATCH, the value a guest write
 *	must carry to signal @fd
 * @addr: guest physical address of the trigger, in MMIO space (not
 *	backed by a memory region)
 * @len: access size: 1, 2, 4 or 8; or 0 for a write of any size, which
 *	carries no value to match (no MSHV_IOEVENTFD_BIT_DATAMATCH)
 * @fd: eventfd signalled on a matching guest write
 * @flags: MSHV_IOEVENTFD_BIT_*; port I/O (MSHV_IOEVENTFD_BIT_PIO) is not
 *	supported; DEASSIGN removes the ioeventfd that matches all fields
 * @rsvd: must be zero
 */
struct mshv_user_ioeventfd {
	__u64 datamatch;
	__u64 addr;
	__u32 len;
	__s32 fd;
	__u32 flags;
	__u8  rsvd[4];
};

/**
 * struct mshv_user_irq_entry - one MSI route
 * @gsi: the route's index
 * @address_lo: MSI address, low 32 bits (x86 format: 0xfeeXXXXX, with
 *	the 8-bit destination id and the logical destination mode bit)
 * @address_hi: MSI address, high 32 bits; not used: destinations are
 *	8-bit APIC ids
 * @data: MSI data: vector, delivery mode and trigger mode
 */
struct mshv_user_irq_entry {
	__u32 gsi;
	__u32 address_lo;
	__u32 address_hi;
	__u32 data;
};

#define MSHV_MAX_GSI_ROUTES	4096

/**
 * struct mshv_user_irq_table - argument of MSHV_SET_MSI_ROUTING
 * @nr: number of @entries, at most MSHV_MAX_GSI_ROUTES; 0 removes every
 *	route
 * @rsvd: must be zero
 * @entries: the routes, each GSI below MSHV_MAX_GSI_ROUTES and at most
 *	once; the table replaces the previous one as a whole
 */
struct mshv_user_irq_table {
	__u32 nr;
	__u32 rsvd;
	struct mshv_user_irq_entry entries[];
};

/* Values of mshv_gpap_access_bitmap.access_type */
enum {
	MSHV_GPAP_ACCESS_TYPE_ACCESSED,
	MSHV_GPAP_ACCESS_TYPE_DIRTY,
	MSHV_GPAP_ACCESS_TYPE_COUNT,
};

/* Values of mshv_gpap_access_bitmap.access_op */
enum {
	MSHV_GPAP_ACCESS_OP_NOOP,
	MSHV_GPAP_ACCESS_OP_CLEAR,
	MSHV_GPAP_ACCESS_OP_SET,
	MSHV_GPAP_ACCESS_OP_COUNT,
};

/**
 * struct mshv_gpap_access_bitmap - argument of MSHV_GET_GPAP_ACCESS_BITMAP
 * @access_type: MSHV_GPAP_ACCESS_TYPE_*: accessed or dirty bits
 * @access_op: MSHV_GPAP_ACCESS_OP_*: what to do to the bits once read
 * @rsvd: must be zero
 * @page_count: number of guest pages, starting at @gpap_base
 * @gpap_base: first guest page frame
 * @bitmap_ptr: user buffer of DIV_ROUND_UP(@page_count, 8) bytes that
 *	receives one bit per page: bit (n % 8) of byte (n / 8) for page
 *	@gpap_base + n
 */
struct mshv_gpap_access_bitmap {
	__u8  access_type;
	__u8  access_op;
	__u8  rsvd[6];
	__u64 page_count;
	__u64 gpap_base;
	__u64 bitmap_ptr;
};

/**
 * struct mshv_root_hvcall - argument of MSHV_ROOT_HVCALL
 * @code: hypercall code; only codes on the driver's allowlist for the fd
 *	pass
 * @reps: in: rep count, at most 4095 (0 for a simple hypercall); out:
 *	reps completed
 * @in_sz: input size in bytes, 8 to 4096; the kernel writes the target
 *	partition id into the first 8 bytes
 * @out_sz: output size in bytes, at most 4096; 0 for no output
 * @status: in: must be zero; out: the hypervisor's status (bits 15:0 of
 *	its result)
 * @rsvd: must be zero
 * @in_ptr: user address of the input; not 0
 * @out_ptr: user address of the output buffer; 0 exactly when @out_sz
 *	is 0
 *
 * @status and @reps are written back whenever the hypercall was issued,
 * whether or not it succeeded; the output only when it succeeded.
 */
struct mshv_root_hvcall {
	__u16 code;
	__u16 reps;
	__u16 in_sz;
	__u16 out_sz;
	__u16 status;
	__u8  rsvd[6];
	__u64 in_ptr;
	__u64 out_ptr;
};

/* /dev/mshv */
#define MSHV_CREATE_PARTITION	_IOW(MSHV_IOCTL, 0x00, struct mshv_create_partition)
/* /dev/mshv, partition fd and VP fd */
#define MSHV_ROOT_HVCALL	_IOWR(MSHV_IOCTL, 0x07, struct mshv_root_hvcall)

/* partition fd */
#define MSHV_INITIALIZE_PARTITION	_IO(MSHV_IOCTL, 0x00)

/**
 * struct mshv_create_vp - argument of MSHV_CREATE_VP
 * @vp_index: the VP's index in the partition, below MSHV_MAX_VPS
 */
struct mshv_create_vp {
	__u32 vp_index;
};

#define MSHV_MAX_VPS	256

#define MSHV_CREATE_VP			_IOW(MSHV_IOCTL, 0x01, struct mshv_create_vp)
#define MSHV_SET_GUEST_MEMORY		_IOW(MSHV_IOCTL, 0x02, struct mshv_user_mem_region)
#define MSHV_IRQFD			_IOW(MSHV_IOCTL, 0x03, struct mshv_user_irqfd)
#define MSHV_IOEVENTFD			_IOW(MSHV_IOCTL, 0x04, struct mshv_user_ioeventfd)
#define MSHV_SET_MSI_ROUTING		_IOW(MSHV_IOCTL, 0x05, struct mshv_user_irq_table)
#define MSHV_GET_GPAP_ACCESS_BITMAP	_IOWR(MSHV_IOCTL, 0x06, struct mshv_gpap_access_bitmap)

/* VP fd: mmap page offsets */
enum {
	MSHV_VP_MMAP_OFFSET_REGISTERS,
	MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE,
	MSHV_VP_MMAP_OFFSET_GHCB,
	MSHV_VP_MMAP_OFFSET_COUNT,
};

#define MSHV_RUN_VP_BUF_SZ	256

/**
 * struct mshv_run_vp - argument of MSHV_RUN_VP
 * @msg_buf: out: the intercept message that ended the run, a hypervisor
 *	message of 256 bytes (a 16-byte header: type, payload size, flags,
 *	sender; then the payload); the same bytes are in the VP's intercept
 *	message page
 */
struct mshv_run_vp {
	__u8 msg_buf[MSHV_RUN_VP_BUF_SZ];
};

/* Values of mshv_get_set_vp_state.type */
enum {
	MSHV_VP_STATE_LAPIC,
	MSHV_VP_STATE_XSAVE,
	MSHV_VP_STATE_SIMP,
	MSHV_VP_STATE_SIEFP,
	MSHV_VP_STATE_SYNTHETIC_TIMERS,
	MSHV_VP_STATE_COUNT,
};

/**
 * struct mshv_get_set_vp_state - argument of MSHV_GET/SET_VP_STATE
 * @type: MSHV_VP_STATE_*
 * @rsvd: must be zero
 * @buf_sz: in: size of the buffer at @buf_ptr; out, on success and on
 *	-E2BIG (a buffer too small): the size of the state
 * @buf_ptr: page-aligned user buffer
 */
struct mshv_get_set_vp_state {
	__u8  type;
	__u8  rsvd[3];
	__u32 buf_sz;
	__u64 buf_ptr;
};

/**
 * struct mshv_translate_gva - argument of MSHV_VP_TRANSLATE_GVA
 * @gva: guest virtual address to translate
 * @flags: HV_TRANSLATE_GVA_* control flags of the hypercall (bits 10:0:
 *	the access to validate, whether to set page table bits)
 * @result: user address that receives the 8-byte hypervisor translation
 *	result (its result code in bits 31:0; 0 means translated)
 * @gpa: user address that receives the guest physical address: the
 *	translated frame and the offset of @gva within its page
 */
struct mshv_translate_gva {
	__u64 gva;
	__u64 flags;
	__u64 result;
	__u64 gpa;
};

#define MSHV_RUN_VP		_IOR(MSHV_IOCTL, 0x00, struct mshv_run_vp)
#define MSHV_GET_VP_STATE	_IOWR(MSHV_IOCTL, 0x01, struct mshv_get_set_vp_state)
#define MSHV_SET_VP_STATE	_IOWR(MSHV_IOCTL, 0x02, struct mshv_get_set_vp_state)
#define MSHV_VP_TRANSLATE_GVA	_IOWR(MSHV_IOCTL, 0xF2, struct mshv_translate_gva)

#endif /* _UAPI_LINUX_MSHV_H */
