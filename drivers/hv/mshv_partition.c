// SPDX-License-Identifier: GPL-2.0-only
/*
 * Partition lifecycle: create, initialize, and a teardown that leaves
 * nothing behind in the hypervisor, whatever state the partition reached.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <kunit/visibility.h>

#include "mshv_root.h"

/**
 * mshv_partition_create() - create a partition in the hypervisor
 * @creation_flags: HV_PARTITION_CREATION_FLAG_*
 * @props: processor and XSAVE features to disable
 *
 * Context: Process context; may sleep.
 * Return: The partition, or an ERR_PTR().
 */
struct mshv_partition *mshv_partition_create(u64 creation_flags,
					     const struct hv_partition_creation_properties *props)
{
	struct mshv_partition *pt;
	int ret;

	pt = mshv_alloc(kzalloc(sizeof(*pt), GFP_KERNEL_ACCOUNT));
	if (!pt)
		return ERR_PTR(-ENOMEM);
	refcount_set(&pt->ref, 1);
	mutex_init(&pt->mutex);
	pt->regions = RB_ROOT_CACHED;
	spin_lock_init(&pt->irq_lock);
	INIT_LIST_HEAD(&pt->irqfds);
	INIT_LIST_HEAD(&pt->resample_irqfds);
	INIT_LIST_HEAD(&pt->ioeventfds);
	pt->root_sched = mshv_uses_root_sched();

	ret = hv_call_create_partition(creation_flags, props, 0, &pt->id);
	if (ret) {
		kfree(pt);
		return ERR_PTR(ret);
	}
	ret = mshv_partition_publish(pt);
	if (ret) {
		hv_call_delete_partition(pt->id);
		kfree(pt);
		return ERR_PTR(ret);
	}
	return pt;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_partition_create);

/**
 * mshv_partition_initialize() - make a partition ready for VPs
 * @pt: the partition
 *
 * Context: Process context; takes @pt->mutex.
 * Return: 0, -EBUSY if already initialized, or the hypercall's errno.
 */
int mshv_partition_initialize(struct mshv_partition *pt)
{
	int ret;

	mutex_lock(&pt->mutex);
	if (pt->initialized) {
		ret = -EBUSY;
	} else {
		ret = hv_call_initialize_partition(pt->id);
		pt->initialized = !ret;
	}
	mutex_unlock(&pt->mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_partition_initialize);

/*
 * A teardown step that failed is tried again a few times: nobody is left
 * to retry it later, and giving up leaks the partition's memory.
 */
#define MSHV_TEARDOWN_TRIES	3
#define mshv_teardown_step(call)				\
({								\
	int __ret, __try = 0;					\
								\
	do {							\
		__ret = (call);					\
	} while (__ret && ++__try < MSHV_TEARDOWN_TRIES);	\
	__ret;							\
})

/**
 * mshv_partition_destroy() - tear a partition down and free it
 * @pt: the partition, with no other user left
 *
 * Remove its ioeventfds and irqfds, stop listening for the partition's
 * messages, stop its VPs and unmap
 * their state pages, finalize (an initialized partition), unmap its memory so that the
 * hypervisor can free the page tables behind it, take back every deposited
 * page, delete, and only then unpin the guest's memory: once the partition
 * is deleted the hypervisor maps none of it.  If the delete fails, the
 * hypervisor may still map the pinned memory, which is then deliberately
 * leaked rather than handed back to the host.
 *
 * Context: Process context; may sleep.
 */
void mshv_partition_destroy(struct mshv_partition *pt)
{
	int ret;

	/* Doorbells and irqfds need the partition in the hypervisor. */
	mshv_ioeventfd_release_all(pt);
	mshv_irqfd_release_all(pt);
	/* No message can reach the partition or its VPs after this. */
	mshv_partition_unpublish(pt);
	mshv_free_msi_routing(pt);
	mshv_partition_stop_vps(pt);
	mshv_partition_free_vps(pt);
	if (pt->initialized) {
		ret = mshv_teardown_step(hv_call_finalize_partition(pt->id));
		if (ret)
			pr_err_ratelimited("partition %llu: finalize failed: %d\n",
					   pt->id, ret);
	}
	mshv_partition_unmap_all(pt);
	ret = mshv_teardown_step(hv_call_withdraw_all(pt->id, NULL));
	if (ret)
		pr_err_ratelimited("partition %llu: withdrawing memory failed: %d\n",
				   pt->id, ret);
	ret = mshv_teardown_step(hv_call_delete_partition(pt->id));
	if (ret)
		pr_err_ratelimited("partition %llu: delete failed (%d): leaking its %u memory regions\n",
				   pt->id, ret, pt->nr_regions);
	mshv_partition_free_regions(pt, !ret);
	mutex_destroy(&pt->mutex);
	kfree(pt);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_partition_destroy);

/**
 * mshv_partition_get() - take a reference on a partition
 * @pt: the partition, already referenced by the caller
 *
 * Context: Any context.
 */
void mshv_partition_get(struct mshv_partition *pt)
{
	refcount_inc(&pt->ref);
}

/**
 * mshv_partition_put() - drop a reference; the last one tears it down
 * @pt: the partition
 *
 * Context: Process context; may sleep.
 */
void mshv_partition_put(struct mshv_partition *pt)
{
	if (refcount_dec_and_test(&pt->ref))
		mshv_partition_destroy(pt);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_partition_put);
