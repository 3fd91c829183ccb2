// SPDX-License-Identifier: GPL-2.0-only
/*
 * mshv_root: run virtual machines on Microsoft Hypervisor from the root
 * partition or an L1 virtual host, through /dev/mshv.
 *
 * This file is the top of the driver: module init and exit, the choice of
 * scheduler, and the /dev/mshv file operations.  See mshv_root.h for the
 * layers below.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/build_bug.h>
#include <linux/cleanup.h>
#include <linux/fault-inject.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/panic.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>
#include <asm/mshyperv.h>
#include <uapi/linux/mshv.h>

#include "mshv_fake_hv.h"
#include "mshv_root.h"

/*
 * The userspace ABI is fixed by existing VMMs.  Check every size and ioctl
 * value against the published numbers, so that no edit of the header can
 * change them unnoticed.
 */
static_assert(sizeof(struct mshv_create_partition) == 16);
static_assert(sizeof(struct mshv_create_partition_v2) == 64);
static_assert(sizeof(struct mshv_user_mem_region) == 32);
static_assert(sizeof(struct mshv_user_irqfd) == 16);
static_assert(sizeof(struct mshv_user_ioeventfd) == 32);
static_assert(sizeof(struct mshv_user_irq_table) == 8);
static_assert(sizeof(struct mshv_user_irq_entry) == 16);
static_assert(sizeof(struct mshv_gpap_access_bitmap) == 32);
static_assert(sizeof(struct mshv_root_hvcall) == 32);
static_assert(sizeof(struct mshv_create_vp) == 4);
static_assert(sizeof(struct mshv_run_vp) == 256);
static_assert(sizeof(struct mshv_get_set_vp_state) == 16);
static_assert(sizeof(struct mshv_translate_gva) == 32);
static_assert(MSHV_CREATE_PARTITION == 0x4010B800);
static_assert(MSHV_ROOT_HVCALL == 0xC020B807);
static_assert(MSHV_INITIALIZE_PARTITION == 0x0000B800);
static_assert(MSHV_CREATE_VP == 0x4004B801);
static_assert(MSHV_SET_GUEST_MEMORY == 0x4020B802);
static_assert(MSHV_IRQFD == 0x4010B803);
static_assert(MSHV_IOEVENTFD == 0x4020B804);
static_assert(MSHV_SET_MSI_ROUTING == 0x4008B805);
static_assert(MSHV_GET_GPAP_ACCESS_BITMAP == 0xC020B806);
static_assert(MSHV_RUN_VP == 0x8100B800);
static_assert(MSHV_GET_VP_STATE == 0xC010B801);
static_assert(MSHV_SET_VP_STATE == 0xC010B802);
static_assert(MSHV_VP_TRANSLATE_GVA == 0xC020B8F2);
static_assert(MSHV_PT_FLAGS_MASK == 0x3f);
static_assert(MSHV_SET_MEM_FLAGS_MASK == 0x7);
static_assert(MSHV_IRQFD_FLAGS_MASK == 0x3);
static_assert(MSHV_IOEVENTFD_FLAGS_MASK == 0x7);

/* Who schedules VPs, and what an L1VH's hypervisor offers: fixed at init. */
enum mshv_scheduler mshv_scheduler;
u64 mshv_vmm_capabilities;

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * mshv_set_scheduler() - pretend the hypervisor imposed another scheduler
 * @sched: the scheduler partitions created from now on use
 *
 * For tests only: a partition keeps the scheduler it was created with.
 *
 * Context: Process context.
 */
void mshv_set_scheduler(enum mshv_scheduler sched)
{
	mshv_scheduler = sched;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_set_scheduler);
#endif

#ifdef CONFIG_FAULT_INJECTION
static DECLARE_FAULT_ATTR(mshv_fail_alloc);

/**
 * mshv_should_fail_alloc() - fault injection point of the driver's allocations
 *
 * Only a task's fail-nth counter (/proc/self/task/<tid>/fail-nth, or a
 * KUnit test setting it) triggers it: the attribute's probability is 0.
 *
 * Context: Any context.
 * Return: true if the allocation at hand should fail.
 */
bool mshv_should_fail_alloc(void)
{
	return should_fail_ex(&mshv_fail_alloc, 1, FAULT_NOWARN);
}
#endif

static const char * const mshv_scheduler_names[] = {
	[MSHV_SCHED_LP] = "lp",
	[MSHV_SCHED_LP_SMT] = "lp-smt",
	[MSHV_SCHED_CORE] = "core",
	[MSHV_SCHED_ROOT] = "root",
	[MSHV_SCHED_INTEGRATED] = "integrated",
};

/**
 * mshv_scheduler_name() - the name the driver logs and shows for a scheduler
 * @sched: the scheduler
 *
 * Context: Any context.
 * Return: A static string.
 */
const char *mshv_scheduler_name(enum mshv_scheduler sched)
{
	if (sched >= ARRAY_SIZE(mshv_scheduler_names))
		return "unknown";
	return mshv_scheduler_names[sched];
}
EXPORT_SYMBOL_IF_KUNIT(mshv_scheduler_name);

static int mshv_scheduler_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", mshv_scheduler_name(mshv_scheduler));
}

static int mshv_scheduler_param_set(const char *val,
				    const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops mshv_scheduler_param_ops = {
	.set = mshv_scheduler_param_set,
	.get = mshv_scheduler_param_get,
};

module_param_cb(scheduler, &mshv_scheduler_param_ops, NULL, 0444);
MODULE_PARM_DESC(scheduler,
		 "Who schedules guest VPs (read-only): lp, lp-smt, core, root or integrated");

/**
 * mshv_role_from_features() - classify this kernel's partition
 * @root_partition: the kernel runs as the root partition
 * @priv_high: the high half of the partition's privilege mask
 *
 * A guest with the CreatePartitions privilege is an L1 virtual host, unless
 * it is isolated (a confidential VM), which never hosts partitions.
 *
 * Context: Any context.
 * Return: The partition's role.
 */
enum mshv_role mshv_role_from_features(bool root_partition, u32 priv_high)
{
	if (root_partition)
		return MSHV_ROLE_ROOT;
	if ((priv_high & HV_CREATE_PARTITIONS) && !(priv_high & HV_ISOLATION))
		return MSHV_ROLE_L1VH;
	return MSHV_ROLE_NONE;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_role_from_features);

static int mshv_root_scheduler(enum mshv_scheduler *sched)
{
	u64 type;
	int ret;

	ret = hv_call_get_system_property(HV_SYSTEM_PROPERTY_SCHEDULER_TYPE,
					  &type);
	if (ret) {
		pr_err("cannot read the scheduler type: %d\n", ret);
		return ret;
	}

	switch (type) {
	case HV_SCHEDULER_TYPE_LP:
		*sched = MSHV_SCHED_LP;
		return 0;
	case HV_SCHEDULER_TYPE_LP_SMT:
		*sched = MSHV_SCHED_LP_SMT;
		return 0;
	case HV_SCHEDULER_TYPE_CORE_SMT:
		*sched = MSHV_SCHED_CORE;
		return 0;
	case HV_SCHEDULER_TYPE_ROOT:
		*sched = MSHV_SCHED_ROOT;
		return 0;
	default:
		pr_err("unknown scheduler type %llu\n", type);
		return -ENODEV;
	}
}

static int mshv_l1vh_scheduler(enum mshv_scheduler *sched)
{
	u64 caps, enabled;
	int ret;

	/* Without its VMM capabilities an L1VH cannot run partitions. */
	ret = hv_call_get_vmm_capabilities(&caps);
	if (ret) {
		pr_err("cannot read the VMM capabilities: %d\n", ret);
		return ret;
	}
	if (!(caps & HV_VMM_CAP_INTEGRATED_SCHEDULER)) {
		*sched = MSHV_SCHED_CORE;
		return 0;
	}

	ret = hv_call_get_partition_property(HV_PARTITION_ID_SELF,
					     HV_PARTITION_PROPERTY_INTEGRATED_SCHEDULER_ENABLED,
					     &enabled);
	if (ret) {
		pr_err("cannot read whether the integrated scheduler is enabled: %d\n",
		       ret);
		return ret;
	}
	*sched = enabled ? MSHV_SCHED_INTEGRATED : MSHV_SCHED_CORE;
	return 0;
}

/**
 * mshv_detect_scheduler() - find out who schedules guest VPs
 * @role: this kernel's role, not %MSHV_ROLE_NONE
 * @sched: receives the scheduler
 *
 * The root partition asks the hypervisor for its scheduler type.  An L1VH
 * uses its integrated scheduler when its VMM capabilities offer one and its
 * partition property says it is enabled; otherwise the core scheduler.
 *
 * Context: Process context.
 * Return: 0, or a negative errno when the hypervisor cannot tell or names a
 * scheduler this driver does not know.
 */
int mshv_detect_scheduler(enum mshv_role role, enum mshv_scheduler *sched)
{
	switch (role) {
	case MSHV_ROLE_ROOT:
		return mshv_root_scheduler(sched);
	case MSHV_ROLE_L1VH:
		return mshv_l1vh_scheduler(sched);
	default:
		return -ENODEV;
	}
}
EXPORT_SYMBOL_IF_KUNIT(mshv_detect_scheduler);

/* Guest physical addresses are at most 52 bits wide. */
#define MSHV_MAX_GFN	((1ULL << (52 - PAGE_SHIFT)) - 1)

/*
 * Hypercalls a VMM may issue itself on a partition (and its VPs): each acts
 * only on the partition whose id the kernel writes into the input, and
 * none can reach the host's memory or other partitions.
 */
static const u16 mshv_partition_hvcalls[] = {
	HVCALL_GET_PARTITION_PROPERTY,
	HVCALL_GET_PARTITION_PROPERTY_EX,
	HVCALL_SET_PARTITION_PROPERTY,
	HVCALL_INSTALL_INTERCEPT,
	HVCALL_GET_VP_REGISTERS,
	HVCALL_SET_VP_REGISTERS,
	HVCALL_TRANSLATE_VIRTUAL_ADDRESS,
	HVCALL_CLEAR_VIRTUAL_INTERRUPT,
	HVCALL_REGISTER_INTERCEPT_RESULT,
	HVCALL_ASSERT_VIRTUAL_INTERRUPT,
	HVCALL_GET_GPA_PAGES_ACCESS_STATES,
	HVCALL_SIGNAL_EVENT_DIRECT,
	HVCALL_POST_MESSAGE_DIRECT,
	HVCALL_GET_VP_CPUID_VALUES,
};

/* On /dev/mshv, about the host itself: reading properties only. */
static const u16 mshv_self_hvcalls[] = {
	HVCALL_GET_PARTITION_PROPERTY,
	HVCALL_GET_PARTITION_PROPERTY_EX,
};

/*
 * The suspend registers belong to the driver's run loop: a VMM that set
 * them itself would stop or start a VP behind the loop's back.  Reps the
 * input does not cover would name register 0, the explicit suspend.
 */
static bool mshv_hvcall_sets_suspend(u16 code, u16 reps, const void *in,
				     u16 in_sz)
{
	const struct hv_input_set_vp_registers *input = in;
	size_t i;

	if (code != HVCALL_SET_VP_REGISTERS)
		return false;
	if (in_sz < struct_size(input, elements, reps))
		return true;
	for (i = 0; i < reps; i++) {
		switch (input->elements[i].name) {
		case HV_REGISTER_EXPLICIT_SUSPEND:
		case HV_REGISTER_INTERCEPT_SUSPEND:
		case HV_REGISTER_DISPATCH_SUSPEND:
			return true;
		}
	}
	return false;
}

static bool mshv_hvcall_allowed(u16 code, const u16 *allowed, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (allowed[i] == code)
			return true;
	return false;
}

/**
 * mshv_ioctl_root_hvcall() - MSHV_ROOT_HVCALL on any fd
 * @partition_id: the partition the fd stands for, or HV_PARTITION_ID_SELF
 * @uarg: user &struct mshv_root_hvcall
 *
 * Context: Process context.
 * Return: 0; -EFAULT; -EINVAL for bad sizes, reserved fields, a code not
 * allowed on this fd or an attempt to set a VP's suspend registers;
 * -ENOMEM; or the errno of the hypervisor's status.
 * status and reps are written back whenever the hypercall was issued.
 */
static long mshv_ioctl_root_hvcall(u64 partition_id, void __user *uarg)
{
	bool self = partition_id == HV_PARTITION_ID_SELF;
	struct mshv_root_hvcall args;
	void *in, *out = NULL;
	u16 reps_done = 0;
	u64 status = 0;
	long ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.status || memchr_inv(args.rsvd, 0, sizeof(args.rsvd)) ||
	    args.in_sz < sizeof(u64) || args.in_sz > HV_HYP_PAGE_SIZE ||
	    !args.in_ptr || args.out_sz > HV_HYP_PAGE_SIZE ||
	    !args.out_sz != !args.out_ptr || args.reps > MSHV_MAX_REP_COUNT)
		return -EINVAL;
	if (self ? !mshv_hvcall_allowed(args.code, mshv_self_hvcalls,
					ARRAY_SIZE(mshv_self_hvcalls)) :
		   !mshv_hvcall_allowed(args.code, mshv_partition_hvcalls,
					ARRAY_SIZE(mshv_partition_hvcalls)))
		return -EINVAL;

	in = mshv_alloc(kmalloc(args.in_sz, GFP_KERNEL));
	if (!in)
		return -ENOMEM;
	if (copy_from_user(in, u64_to_user_ptr(args.in_ptr), args.in_sz)) {
		kfree(in);
		return -EFAULT;
	}
	if (mshv_hvcall_sets_suspend(args.code, args.reps, in, args.in_sz)) {
		kfree(in);
		return -EINVAL;
	}
	if (args.out_sz) {
		out = mshv_alloc(kzalloc(args.out_sz, GFP_KERNEL));
		if (!out) {
			kfree(in);
			return -ENOMEM;
		}
	}

	ret = hv_call_passthrough(partition_id, args.code, args.reps, in,
				  args.in_sz, out, args.out_sz, &status,
				  &reps_done);
	args.status = status & HV_HYPERCALL_RESULT_MASK;
	args.reps = reps_done;
	if (copy_to_user(uarg, &args, sizeof(args)))
		ret = -EFAULT;
	else if (!ret && out &&
		 copy_to_user(u64_to_user_ptr(args.out_ptr), out, args.out_sz))
		ret = -EFAULT;

	kfree(out);
	kfree(in);
	return ret;
}

static long mshv_ioctl_set_guest_memory(struct mshv_partition *pt,
					void __user *uarg)
{
	struct mshv_user_mem_region mem;
	u64 nr_frames, last, end;

	if (copy_from_user(&mem, uarg, sizeof(mem)))
		return -EFAULT;
	if (mem.flags & ~MSHV_SET_MEM_FLAGS_MASK ||
	    memchr_inv(mem.rsvd, 0, sizeof(mem.rsvd)))
		return -EINVAL;
	if (!mem.size || !PAGE_ALIGNED(mem.size) ||
	    !PAGE_ALIGNED(mem.userspace_addr))
		return -EINVAL;
	nr_frames = mem.size >> PAGE_SHIFT;
	if (check_add_overflow(mem.guest_pfn, nr_frames - 1, &last) ||
	    last > MSHV_MAX_GFN ||
	    check_add_overflow(mem.userspace_addr, mem.size - 1, &end))
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(mem.userspace_addr), mem.size))
		return -EFAULT;

	if (mem.flags & BIT(MSHV_SET_MEM_BIT_UNMAP))
		return mshv_partition_unmap_region(pt, mem.guest_pfn, nr_frames,
						   mem.userspace_addr);
	return mshv_partition_map_region(pt, mem.guest_pfn, nr_frames,
					 mem.userspace_addr, mem.flags);
}

/* What to do to the bits once read, by access type and operation. */
static const u64 mshv_access_ops[MSHV_GPAP_ACCESS_TYPE_COUNT][MSHV_GPAP_ACCESS_OP_COUNT] = {
	[MSHV_GPAP_ACCESS_TYPE_ACCESSED] = {
		[MSHV_GPAP_ACCESS_OP_CLEAR] = HV_GPA_ACCESS_CLEAR_ACCESSED,
		[MSHV_GPAP_ACCESS_OP_SET] = HV_GPA_ACCESS_SET_ACCESSED,
	},
	[MSHV_GPAP_ACCESS_TYPE_DIRTY] = {
		[MSHV_GPAP_ACCESS_OP_CLEAR] = HV_GPA_ACCESS_CLEAR_DIRTY,
		[MSHV_GPAP_ACCESS_OP_SET] = HV_GPA_ACCESS_SET_DIRTY,
	},
};

static long mshv_ioctl_access_bitmap(struct mshv_partition *pt,
				     void __user *uarg)
{
	struct mshv_gpap_access_bitmap args;
	unsigned int type, op;
	void __user *ubitmap;
	u64 last;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.access_type >= MSHV_GPAP_ACCESS_TYPE_COUNT ||
	    args.access_op >= MSHV_GPAP_ACCESS_OP_COUNT ||
	    memchr_inv(args.rsvd, 0, sizeof(args.rsvd)) || !args.page_count ||
	    check_add_overflow(args.gpap_base, args.page_count - 1, &last) ||
	    last > MSHV_MAX_GFN)
		return -EINVAL;
	ubitmap = u64_to_user_ptr(args.bitmap_ptr);
	if (!access_ok(ubitmap, DIV_ROUND_UP(args.page_count, BITS_PER_BYTE)))
		return -EFAULT;

	type = array_index_nospec(args.access_type, MSHV_GPAP_ACCESS_TYPE_COUNT);
	op = array_index_nospec(args.access_op, MSHV_GPAP_ACCESS_OP_COUNT);
	return mshv_partition_access_bitmap(pt, args.gpap_base, args.page_count,
					    mshv_access_ops[type][op],
					    type == MSHV_GPAP_ACCESS_TYPE_DIRTY ?
					    HV_GPA_ACCESS_STATE_DIRTY :
					    HV_GPA_ACCESS_STATE_ACCESSED,
					    ubitmap);
}

/* The VP fd: one handler for its ioctls, and its state pages for mmap. */

static long mshv_vp_ioctl_run(struct mshv_vp *vp, void __user *uarg)
{
	struct hv_message msg;
	long ret;

	ret = mshv_vp_run(vp, &msg);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &msg, sizeof(msg)))
		return -EFAULT;
	/* Handed over: the next run resumes the VP. */
	vp->run.message_ready = false;
	return 0;
}

static long mshv_vp_ioctl_state(struct mshv_vp *vp, void __user *uarg,
				bool set)
{
	struct mshv_get_set_vp_state __user *user_args = uarg;
	struct mshv_get_set_vp_state args;
	u32 size;
	long ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (memchr_inv(args.rsvd, 0, sizeof(args.rsvd)))
		return -EINVAL;

	size = args.buf_sz;
	if (set)
		ret = mshv_vp_set_state(vp, args.type, args.buf_ptr, &size);
	else
		ret = mshv_vp_get_state(vp, args.type, args.buf_ptr, &size);
	/* The size the state takes goes back also when the buffer was short. */
	if ((!ret || ret == -E2BIG) &&
	    put_user(size, &user_args->buf_sz))
		return -EFAULT;
	return ret;
}

static long mshv_vp_ioctl_translate_gva(struct mshv_vp *vp, void __user *uarg)
{
	struct mshv_translate_gva args;
	u64 result, gpa_page, gpa;
	int ret;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~HV_TRANSLATE_GVA_FLAGS_MASK)
		return -EINVAL;

	ret = hv_call_translate_gva(vp->partition->id, vp->index, args.flags,
				    args.gva >> HV_HYP_PAGE_SHIFT, &result,
				    &gpa_page);
	if (ret)
		return ret;
	gpa = gpa_page << HV_HYP_PAGE_SHIFT | (args.gva & ~HV_HYP_PAGE_MASK);
	if (put_user(result, (u64 __user *)u64_to_user_ptr(args.result)) ||
	    put_user(gpa, (u64 __user *)u64_to_user_ptr(args.gpa)))
		return -EFAULT;
	return 0;
}

static long mshv_vp_ioctl(struct file *filp, unsigned int ioctl,
			  unsigned long arg)
{
	struct mshv_vp *vp = filp->private_data;
	void __user *uarg = (void __user *)arg;
	long ret;

	/* A VMM kills a stuck vCPU thread: let it go. */
	if (mutex_lock_killable(&vp->mutex))
		return -EINTR;
	switch (ioctl) {
	case MSHV_RUN_VP:
		ret = mshv_vp_ioctl_run(vp, uarg);
		break;
	case MSHV_GET_VP_STATE:
		ret = mshv_vp_ioctl_state(vp, uarg, false);
		break;
	case MSHV_SET_VP_STATE:
		ret = mshv_vp_ioctl_state(vp, uarg, true);
		break;
	case MSHV_VP_TRANSLATE_GVA:
		ret = mshv_vp_ioctl_translate_gva(vp, uarg);
		break;
	case MSHV_ROOT_HVCALL:
		ret = mshv_ioctl_root_hvcall(vp->partition->id, uarg);
		break;
	default:
		ret = -ENOTTY;
		break;
	}
	mutex_unlock(&vp->mutex);
	return ret;
}

static vm_fault_t mshv_vp_fault(struct vm_fault *vmf)
{
	struct mshv_vp *vp = vmf->vma->vm_file->private_data;
	struct page *page = mshv_vp_state_page(vp, vmf->pgoff);

	if (!page)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct mshv_vp_vm_ops = {
	.fault = mshv_vp_fault,
};

/*
 * One shared state page per mapping, at its page offset.  The intercept
 * message page is the hypervisor's to write: userspace may only read it.
 */
static int mshv_vp_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct mshv_vp *vp = filp->private_data;

	/* A private copy would never reach the hypervisor. */
	if (vma_pages(vma) != 1 || !(vma->vm_flags & VM_SHARED) ||
	    !mshv_vp_state_page(vp, vma->vm_pgoff))
		return -EINVAL;
	if (vma->vm_pgoff == MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vm_flags_clear(vma, VM_MAYWRITE);
	}
	/* No pins: the page goes back to the hypervisor with the VP. */
	vm_flags_set(vma, VM_IO | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &mshv_vp_vm_ops;
	return 0;
}

static int mshv_vp_release(struct inode *inode, struct file *filp)
{
	struct mshv_vp *vp = filp->private_data;

	mshv_partition_put(vp->partition);
	return 0;
}

static const struct file_operations mshv_vp_fops = {
	.owner = THIS_MODULE,
	.release = mshv_vp_release,
	.unlocked_ioctl = mshv_vp_ioctl,
	.mmap = mshv_vp_mmap,
	.llseek = noop_llseek,
};

/**
 * mshv_ioctl_create_vp() - MSHV_CREATE_VP
 * @pt: the partition
 * @uarg: user &struct mshv_create_vp
 *
 * The VP is published, and its fd installed, only once it is fully set up.
 *
 * Context: Process context; takes @pt->mutex.
 * Return: The VP fd; -EFAULT; -EINVAL for an index out of range or a
 * partition not initialized; -EEXIST for an index in use; -EOPNOTSUPP
 * where the hypervisor's messages do not reach the driver; -ENOMEM;
 * -EMFILE; or a hypercall's errno.
 */
static long mshv_ioctl_create_vp(struct mshv_partition *pt, void __user *uarg)
{
	struct mshv_create_vp args;
	struct mshv_vp *vp;
	struct file *file;
	u32 index;
	int fd;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.vp_index >= MSHV_MAX_VPS)
		return -EINVAL;
	index = array_index_nospec(args.vp_index, MSHV_MAX_VPS);
	/* A VP whose messages never arrive would hang every run. */
	if (!READ_ONCE(mshv_synic_up)) {
		pr_warn_once("VPs need the hypervisor's SynIC messages, which this kernel cannot receive here\n");
		return -EOPNOTSUPP;
	}

	guard(mutex)(&pt->mutex);
	if (!pt->initialized)
		return -EINVAL;
	if (rcu_access_pointer(pt->vps[index]))
		return -EEXIST;

	vp = mshv_vp_create(pt, index);
	if (IS_ERR(vp))
		return PTR_ERR(vp);
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		mshv_vp_destroy(vp);
		return fd;
	}
	file = anon_inode_getfile("mshv_vp", &mshv_vp_fops, vp, O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		mshv_vp_destroy(vp);
		return PTR_ERR(file);
	}
	mshv_partition_get(pt);
	mshv_vp_publish(vp);
	fd_install(fd, file);
	return fd;
}

static long mshv_ioctl_irqfd(struct mshv_partition *pt, void __user *uarg)
{
	struct mshv_user_irqfd args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.flags & ~MSHV_IRQFD_FLAGS_MASK)
		return -EINVAL;
	/* The resample fd is read only with its flag, and then must be one. */
	if (!(args.flags & BIT(MSHV_IRQFD_BIT_RESAMPLE)) && args.resamplefd &&
	    args.resamplefd != -1)
		return -EINVAL;
	return mshv_irqfd(pt, &args);
}

static long mshv_ioctl_ioeventfd(struct mshv_partition *pt, void __user *uarg)
{
	struct mshv_user_ioeventfd args;

	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	return mshv_ioeventfd(pt, &args);
}

/**
 * mshv_ioctl_set_msi_routing() - MSHV_SET_MSI_ROUTING
 * @pt: the partition
 * @uarg: user &struct mshv_user_irq_table and its entries
 *
 * The number of entries is checked before any of them is copied.
 *
 * Context: Process context; may sleep.
 * Return: 0; -EFAULT; -EINVAL for more than %MSHV_MAX_GSI_ROUTES entries,
 * a reserved field, a GSI out of range or routed twice; -ENOMEM.
 */
static long mshv_ioctl_set_msi_routing(struct mshv_partition *pt,
				       void __user *uarg)
{
	struct mshv_user_irq_table __user *utable = uarg;
	struct mshv_user_irq_entry *entries = NULL;
	struct mshv_user_irq_table table;
	long ret;

	if (copy_from_user(&table, utable, sizeof(table)))
		return -EFAULT;
	if (table.rsvd || table.nr > MSHV_MAX_GSI_ROUTES)
		return -EINVAL;
	if (table.nr) {
		entries = mshv_alloc(vmemdup_array_user(utable->entries,
							table.nr,
							sizeof(*entries)));
		if (!entries)
			return -ENOMEM;
		if (IS_ERR(entries))
			return PTR_ERR(entries);
	}
	ret = mshv_set_msi_routing(pt, entries, table.nr);
	kvfree(entries);
	return ret;
}

static long mshv_partition_ioctl(struct file *filp, unsigned int ioctl,
				 unsigned long arg)
{
	struct mshv_partition *pt = filp->private_data;
	void __user *uarg = (void __user *)arg;

	switch (ioctl) {
	case MSHV_INITIALIZE_PARTITION:
		return mshv_partition_initialize(pt);
	case MSHV_CREATE_VP:
		return mshv_ioctl_create_vp(pt, uarg);
	case MSHV_SET_GUEST_MEMORY:
		return mshv_ioctl_set_guest_memory(pt, uarg);
	case MSHV_IRQFD:
		return mshv_ioctl_irqfd(pt, uarg);
	case MSHV_IOEVENTFD:
		return mshv_ioctl_ioeventfd(pt, uarg);
	case MSHV_SET_MSI_ROUTING:
		return mshv_ioctl_set_msi_routing(pt, uarg);
	case MSHV_GET_GPAP_ACCESS_BITMAP:
		return mshv_ioctl_access_bitmap(pt, uarg);
	case MSHV_ROOT_HVCALL:
		return mshv_ioctl_root_hvcall(pt->id, uarg);
	default:
		return -ENOTTY;
	}
}

static int mshv_partition_release(struct inode *inode, struct file *filp)
{
	mshv_partition_put(filp->private_data);
	return 0;
}

static const struct file_operations mshv_partition_fops = {
	.owner = THIS_MODULE,
	.release = mshv_partition_release,
	.unlocked_ioctl = mshv_partition_ioctl,
	.llseek = noop_llseek,
};

/* Partition creation flags the driver always sets, and the optional ones. */
static u64 mshv_creation_flags(u64 pt_flags)
{
	u64 flags = HV_PARTITION_CREATION_FLAG_EXO_PARTITION |
		    HV_PARTITION_CREATION_FLAG_INTERCEPT_MESSAGE_PAGE_ENABLED;

	if (pt_flags & BIT(MSHV_PT_BIT_LAPIC))
		flags |= HV_PARTITION_CREATION_FLAG_LAPIC_ENABLED;
	if (pt_flags & BIT(MSHV_PT_BIT_X2APIC))
		flags |= HV_PARTITION_CREATION_FLAG_X2APIC_CAPABLE;
	if (pt_flags & BIT(MSHV_PT_BIT_GPA_SUPER_PAGES))
		flags |= HV_PARTITION_CREATION_FLAG_GPA_SUPER_PAGES_ENABLED;
	if (pt_flags & BIT(MSHV_PT_BIT_NESTED_VIRTUALIZATION))
		flags |= HV_PARTITION_CREATION_FLAG_NESTED_VIRTUALIZATION_CAPABLE;
	if (pt_flags & BIT(MSHV_PT_BIT_SMT_ENABLED_GUEST))
		flags |= HV_PARTITION_CREATION_FLAG_SMT_ENABLED_GUEST;
	return flags;
}

/**
 * mshv_ioctl_create_partition() - MSHV_CREATE_PARTITION
 * @uarg: user &struct mshv_create_partition, or the v2 struct when
 *	MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES is set
 *
 * The fd is installed last, once nothing can fail any more.
 *
 * Context: Process context.
 * Return: The partition fd; -EFAULT; -EINVAL for unknown flags, isolation
 * or non-zero reserved fields; -ENOMEM; -EMFILE; or a hypercall's errno.
 */
static long mshv_ioctl_create_partition(void __user *uarg)
{
	struct hv_partition_creation_properties props = {};
	struct mshv_create_partition_v2 args = {};
	struct mshv_partition *pt;
	struct file *file;
	int fd;

	if (copy_from_user(&args, uarg, sizeof(struct mshv_create_partition)))
		return -EFAULT;
	/* Judge the v2 fields by what was read last, not by the first read. */
	if (args.pt_flags & BIT(MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES) &&
	    copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.pt_flags & ~MSHV_PT_FLAGS_MASK ||
	    args.pt_isolation >= MSHV_PT_ISOLATION_COUNT)
		return -EINVAL;
	if (args.pt_flags & BIT(MSHV_PT_BIT_CPU_AND_XSAVE_FEATURES)) {
		if (args.pt_num_cpu_fbanks != MSHV_NUM_CPU_FEATURES_BANKS ||
		    memchr_inv(args.pt_rsvd, 0, sizeof(args.pt_rsvd)) ||
		    memchr_inv(args.pt_rsvd1, 0, sizeof(args.pt_rsvd1)))
			return -EINVAL;
		props.disabled_processor_features[0] = args.pt_cpu_fbanks[0];
		props.disabled_processor_features[1] = args.pt_cpu_fbanks[1];
		props.disabled_processor_xsave_features = args.pt_disabled_xsave;
	}

	pt = mshv_partition_create(mshv_creation_flags(args.pt_flags), &props);
	if (IS_ERR(pt))
		return PTR_ERR(pt);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		mshv_partition_destroy(pt);
		return fd;
	}
	file = anon_inode_getfile("mshv_partition", &mshv_partition_fops, pt,
				  O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		mshv_partition_destroy(pt);
		return PTR_ERR(file);
	}
	fd_install(fd, file);
	return fd;
}

VISIBLE_IF_KUNIT long mshv_dev_ioctl(struct file *filp, unsigned int ioctl,
				     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (ioctl) {
	case MSHV_CREATE_PARTITION:
		return mshv_ioctl_create_partition(uarg);
	case MSHV_ROOT_HVCALL:
		return mshv_ioctl_root_hvcall(HV_PARTITION_ID_SELF, uarg);
	default:
		return -ENOTTY;
	}
}
EXPORT_SYMBOL_IF_KUNIT(mshv_dev_ioctl);

static const struct file_operations mshv_dev_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = mshv_dev_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice mshv_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mshv",
	.fops = &mshv_dev_fops,
	.mode = 0600,
};

static struct mshv_fake_hv *mshv_fake_backend;

/*
 * The test-only backend: with no hypervisor underneath, run against the
 * fake one.  Only when configured in, never where Hyper-V is present, and
 * never quietly.
 */
static enum mshv_role mshv_start_fake_backend(void)
{
	if (!IS_ENABLED(CONFIG_MSHV_ROOT_FAKE_HV) || hv_is_hyperv_initialized())
		return MSHV_ROLE_NONE;

	mshv_fake_backend = mshv_fake_hv_create();
	if (!mshv_fake_backend)
		return MSHV_ROLE_NONE;
	mshv_fake_backend->run_guest_code = true;
	mshv_fake_hv_install(mshv_fake_backend);
	add_taint(TAINT_TEST, LOCKDEP_STILL_OK);
	pr_warn("**********************************************************\n");
	pr_warn("**  /dev/mshv runs on a FAKE hypervisor, for testing.   **\n");
	pr_warn("**  Guests are simulated. Never use this in production. **\n");
	pr_warn("**********************************************************\n");
	return MSHV_ROLE_ROOT;
}

static void mshv_stop_fake_backend(void)
{
	/*
	 * The driver's SynIC is down: the fake's "hardware" pages can go,
	 * whoever allocated them (the backend, or a test's fake).
	 */
	if (IS_ENABLED(CONFIG_MSHV_ROOT_FAKE_HV_MODEL))
		mshv_fake_hv_synic_free();
	if (!IS_ENABLED(CONFIG_MSHV_ROOT_FAKE_HV) || !mshv_fake_backend)
		return;
	mshv_fake_hv_uninstall(mshv_fake_backend);
	mshv_fake_hv_destroy(mshv_fake_backend);
	mshv_fake_backend = NULL;
}

static int __init mshv_root_init(void)
{
	enum mshv_role role;
	int ret;

	role = mshv_role_from_features(hv_root_partition, ms_hyperv.priv_high);
	if (role == MSHV_ROLE_NONE)
		role = mshv_start_fake_backend();
	if (role == MSHV_ROLE_NONE) {
		pr_err("not the root partition or an L1 virtual host of Microsoft Hypervisor: /dev/mshv is not available here\n");
		return -ENODEV;
	}

	if (!mshv_fake_backend) {
		ret = mshv_transport_init();
		if (ret)
			return ret;
	}

	ret = mshv_detect_scheduler(role, &mshv_scheduler);
	if (ret)
		goto exit_transport;
	if (role == MSHV_ROLE_L1VH) {
		ret = hv_call_get_vmm_capabilities(&mshv_vmm_capabilities);
		if (ret)
			goto exit_transport;
	}
	ret = mshv_vp_dispatch_init();
	if (ret)
		goto exit_transport;
	mshv_fast_interrupts = mshv_fake_backend ||
			       cpuid_ecx(HYPERV_CPUID_FEATURES) &
			       HV_VP_DISPATCH_INTERRUPT_INJECTION_AVAILABLE;
	ret = mshv_irqfd_init();
	if (ret)
		goto exit_dispatch;
	/*
	 * The Hyper-V callback vector has one handler in 6.12, VMBus's: free
	 * in a non-nested root partition, taken in an L1VH, which therefore
	 * creates partitions but runs no VPs yet.
	 */
	if (mshv_fake_backend || (role == MSHV_ROLE_ROOT && !hv_nested)) {
		ret = mshv_synic_init(!mshv_fake_backend);
		if (ret)
			goto exit_irqfd;
	}

	ret = misc_register(&mshv_dev);
	if (ret)
		goto exit_synic;

	pr_info("running as %s, scheduler: %s\n",
		role == MSHV_ROLE_ROOT ? "root partition" : "L1 virtual host",
		mshv_scheduler_name(mshv_scheduler));
	return 0;

exit_synic:
	mshv_synic_exit();
exit_irqfd:
	mshv_irqfd_exit();
exit_dispatch:
	mshv_vp_dispatch_exit();
exit_transport:
	mshv_transport_exit();
	mshv_stop_fake_backend();
	return ret;
}

static void __exit mshv_root_exit(void)
{
	misc_deregister(&mshv_dev);
	mshv_synic_exit();
	mshv_irqfd_exit();
	mshv_vp_dispatch_exit();
	mshv_transport_exit();
	mshv_stop_fake_backend();
}

module_init(mshv_root_init);
module_exit(mshv_root_exit);

MODULE_AUTHOR("The mshv_root developers");
MODULE_DESCRIPTION("Microsoft Hypervisor root partition interfaces: /dev/mshv");
MODULE_LICENSE("GPL");
