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

#include <linux/build_bug.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/panic.h>
#include <linux/sysfs.h>
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

static enum mshv_scheduler mshv_scheduler;

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

static const struct kernel_param_ops mshv_scheduler_param_ops = {
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

static long mshv_dev_ioctl(struct file *filp, unsigned int ioctl,
			   unsigned long arg)
{
	return -ENOTTY;
}

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
	if (!mshv_fake_backend)
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

	ret = misc_register(&mshv_dev);
	if (ret)
		goto exit_transport;

	pr_info("running as %s, scheduler: %s\n",
		role == MSHV_ROLE_ROOT ? "root partition" : "L1 virtual host",
		mshv_scheduler_name(mshv_scheduler));
	return 0;

exit_transport:
	mshv_transport_exit();
	mshv_stop_fake_backend();
	return ret;
}

static void __exit mshv_root_exit(void)
{
	misc_deregister(&mshv_dev);
	mshv_transport_exit();
	mshv_stop_fake_backend();
}

module_init(mshv_root_init);
module_exit(mshv_root_exit);

MODULE_AUTHOR("The mshv_root developers");
MODULE_DESCRIPTION("Microsoft Hypervisor root partition interfaces: /dev/mshv");
MODULE_LICENSE("GPL");
