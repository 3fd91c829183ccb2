// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest interrupts without a trip through the VMM's run loop: the MSI
 * routing table, and irqfds that assert the routed interrupt when their
 * eventfd is signalled (with a resample eventfd for level-triggered ones,
 * signalled when the guest acknowledges the interrupt).
 *
 * The routing table is replaced as a whole and read under RCU, by GSI in
 * constant time.  An irqfd looks its route up at every delivery, so a new
 * table applies to the next signal without any irqfd being touched.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "mshv_root.h"

/**
 * struct mshv_msi_table - a partition's MSI routing table
 * @rcu: frees the table once no delivery reads it
 * @nr_gsis: one more than the highest GSI routed
 * @routes: the routes, indexed by GSI
 */
struct mshv_msi_table {
	struct rcu_head rcu;
	u32 nr_gsis;
	struct mshv_msi_route routes[] __counted_by(nr_gsis);
};

/* x86 MSI format: the address window, and the fields the route needs. */
#define MSHV_MSI_ADDR_BASE_MASK		GENMASK(31, 20)
#define MSHV_MSI_ADDR_BASE		0xfee00000
#define MSHV_MSI_ADDR_DEST_LOGICAL	BIT(2)
#define MSHV_MSI_ADDR_DEST_ID		GENMASK(19, 12)
#define MSHV_MSI_DATA_VECTOR		GENMASK(7, 0)
#define MSHV_MSI_DATA_DELIVERY_MODE	GENMASK(10, 8)
#define MSHV_MSI_DATA_TRIGGER_LEVEL	BIT(15)

/**
 * mshv_msi_decode() - turn an MSI address and data into a route
 * @address_lo: low half of the MSI address
 * @address_hi: high half, unused: like the hypervisor's own interrupt
 *	remapping, routes reach APIC ids 0-255 (the 8-bit destination)
 * @data: MSI data
 * @route: receives the route; invalid for an address outside the MSI
 *	window or a delivery mode the hypervisor cannot inject
 *
 * The delivery modes of the MSI data are the hypervisor's interrupt types
 * (fixed, lowest priority, SMI, NMI, INIT, ExtINT); 3 and 6 are reserved.
 *
 * Context: Any context.
 */
VISIBLE_IF_KUNIT void mshv_msi_decode(u32 address_lo, u32 address_hi, u32 data,
				      struct mshv_msi_route *route)
{
	u32 mode = FIELD_GET(MSHV_MSI_DATA_DELIVERY_MODE, data);

	memset(route, 0, sizeof(*route));
	if ((address_lo & MSHV_MSI_ADDR_BASE_MASK) != MSHV_MSI_ADDR_BASE ||
	    mode == 3 || mode == 6)
		return;
	route->valid = true;
	route->vector = FIELD_GET(MSHV_MSI_DATA_VECTOR, data);
	route->dest = FIELD_GET(MSHV_MSI_ADDR_DEST_ID, address_lo);
	route->control = mode;
	if (data & MSHV_MSI_DATA_TRIGGER_LEVEL)
		route->control |= HV_INTERRUPT_CONTROL_LEVEL_TRIGGERED;
	if (address_lo & MSHV_MSI_ADDR_DEST_LOGICAL)
		route->control |= HV_INTERRUPT_CONTROL_LOGICAL_DEST;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_msi_decode);

/**
 * mshv_set_msi_routing() - replace a partition's MSI routing table
 * @pt: the partition
 * @entries: the new routes, GSIs below %MSHV_MAX_GSI_ROUTES, each once
 * @nr: number of @entries, at most %MSHV_MAX_GSI_ROUTES
 *
 * Deliveries see the old table or the new one, never a mix.
 *
 * Context: Process context; takes @pt->mutex; may sleep.
 * Return: 0, -EINVAL for a GSI out of range or routed twice, or -ENOMEM.
 */
int mshv_set_msi_routing(struct mshv_partition *pt,
			 const struct mshv_user_irq_entry *entries, u32 nr)
{
	struct mshv_msi_table *table = NULL, *old;
	unsigned long *routed;
	u32 i, gsi, nr_gsis = 0;

	for (i = 0; i < nr; i++) {
		if (entries[i].gsi >= MSHV_MAX_GSI_ROUTES)
			return -EINVAL;
		nr_gsis = max(nr_gsis, entries[i].gsi + 1);
	}
	if (nr_gsis) {
		routed = mshv_alloc(bitmap_zalloc(nr_gsis, GFP_KERNEL));
		table = mshv_alloc(kvzalloc(struct_size(table, routes, nr_gsis),
					    GFP_KERNEL_ACCOUNT));
		if (!routed || !table) {
			bitmap_free(routed);
			kvfree(table);
			return -ENOMEM;
		}
		table->nr_gsis = nr_gsis;
		for (i = 0; i < nr; i++) {
			gsi = array_index_nospec(entries[i].gsi, nr_gsis);
			/* Two routes for a GSI: which would the VMM mean? */
			if (__test_and_set_bit(gsi, routed)) {
				bitmap_free(routed);
				kvfree(table);
				return -EINVAL;
			}
			mshv_msi_decode(entries[i].address_lo,
					entries[i].address_hi, entries[i].data,
					&table->routes[gsi]);
		}
		bitmap_free(routed);
	}

	mutex_lock(&pt->mutex);
	old = rcu_replace_pointer(pt->msi_table, table,
				  lockdep_is_held(&pt->mutex));
	mutex_unlock(&pt->mutex);
	if (old)
		kvfree_rcu(old, rcu);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_set_msi_routing);

/* The route of @gsi; under rcu_read_lock(). */
static bool mshv_msi_route(struct mshv_partition *pt, u32 gsi,
			   struct mshv_msi_route *route)
{
	struct mshv_msi_table *table = rcu_dereference(pt->msi_table);

	if (!table || gsi >= table->nr_gsis)
		return false;
	*route = table->routes[array_index_nospec(gsi, table->nr_gsis)];
	return route->valid;
}

/**
 * mshv_free_msi_routing() - free a dying partition's routing table
 * @pt: the partition, with no irqfd left
 *
 * Context: Process context.
 */
void mshv_free_msi_routing(struct mshv_partition *pt)
{
	kvfree(rcu_dereference_protected(pt->msi_table, true));
	RCU_INIT_POINTER(pt->msi_table, NULL);
}

/**
 * struct mshv_irqfd - an eventfd that asserts a guest interrupt
 * @partition: the partition
 * @eventfd: the eventfd whose signal asserts the interrupt
 * @gsi: the route to assert
 * @resamplefd: for a level-triggered interrupt, signalled on its EOI
 * @list: in the partition's irqfds, under its irq_lock
 * @resample_list: in the partition's resampling irqfds (RCU)
 * @wait: on the eventfd's wait queue
 * @pt: to get on that queue
 * @inject: asserts from process context when the hypervisor wants memory
 * @shutdown: takes the irqfd off the eventfd and frees it
 * @rcu: frees it once no EOI handler reads it
 */
struct mshv_irqfd {
	struct mshv_partition *partition;
	struct eventfd_ctx *eventfd;
	u32 gsi;
	struct eventfd_ctx *resamplefd;
	struct list_head list;
	struct list_head resample_list;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct inject;
	struct work_struct shutdown;
	struct rcu_head rcu;
};

static struct workqueue_struct *mshv_irqfd_wq;

/*
 * An irqfd is published (on the partition's list) before it is on the
 * eventfd's wait queue.  Assignment runs inside this SRCU read section,
 * and shutdown waits for it, so that a deassign or an EPOLLHUP racing the
 * assignment cannot free the irqfd under it.
 */
DEFINE_STATIC_SRCU(mshv_irqfd_srcu);

/*
 * The hypervisor injects interrupts posted in a VP's register page at the
 * VP's next dispatch (root scheduler), where it offers that.
 */
bool mshv_fast_interrupts;
EXPORT_SYMBOL_IF_KUNIT(mshv_fast_interrupts);

/*
 * Post a fixed, edge-triggered, physically addressed interrupt in the
 * target VP's register page: no hypercall.  VP index and APIC id are the
 * same for the partitions this driver creates.
 */
static bool mshv_irq_post_fast(struct mshv_partition *pt,
			       const struct mshv_msi_route *route)
{
	struct mshv_vp *vp;
	bool posted = false;
	u32 index;

	if (!READ_ONCE(mshv_fast_interrupts) || !pt->root_sched ||
	    route->control != HV_X64_INTERRUPT_TYPE_FIXED ||
	    route->dest >= MSHV_MAX_VPS)
		return false;
	index = array_index_nospec(route->dest, MSHV_MAX_VPS);
	rcu_read_lock();
	vp = rcu_dereference(pt->vps[index]);
	if (vp)
		posted = mshv_vp_post_interrupt(vp, route->vector);
	rcu_read_unlock();
	return posted;
}

/*
 * Assert @gsi's interrupt.  From the eventfd's wakeup this is atomic
 * context: a hypervisor that wants memory first gets it from the inject
 * work, in process context.
 */
static int mshv_irqfd_assert(struct mshv_irqfd *irqfd, bool may_sleep)
{
	struct mshv_msi_route route;
	bool routed;

	rcu_read_lock();
	routed = mshv_msi_route(irqfd->partition, irqfd->gsi, &route);
	rcu_read_unlock();
	/* A signal on an unrouted GSI is lost, as on real hardware. */
	if (!routed)
		return 0;
	if (mshv_irq_post_fast(irqfd->partition, &route))
		return 0;
	return hv_call_assert_virtual_interrupt(irqfd->partition->id,
						route.vector, route.dest,
						route.control, may_sleep);
}

static void mshv_irqfd_inject_work(struct work_struct *work)
{
	struct mshv_irqfd *irqfd = container_of(work, struct mshv_irqfd, inject);
	int ret = mshv_irqfd_assert(irqfd, true);

	if (ret)
		pr_err_ratelimited("partition %llu: asserting GSI %u failed: %d\n",
				   irqfd->partition->id, irqfd->gsi, ret);
}

static void mshv_irqfd_free_rcu(struct rcu_head *rcu)
{
	struct mshv_irqfd *irqfd = container_of(rcu, struct mshv_irqfd, rcu);

	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
	eventfd_ctx_put(irqfd->eventfd);
	kfree(irqfd);
}

static void mshv_irqfd_shutdown_work(struct work_struct *work)
{
	struct mshv_irqfd *irqfd = container_of(work, struct mshv_irqfd,
						shutdown);
	u64 count;

	/* An assignment still under way finishes first. */
	synchronize_srcu(&mshv_irqfd_srcu);
	/* No wakeup runs once this returns, so no inject work is queued. */
	eventfd_ctx_remove_wait_queue(irqfd->eventfd, &irqfd->wait, &count);
	flush_work(&irqfd->inject);
	call_rcu(&irqfd->rcu, mshv_irqfd_free_rcu);
}

/* Off the lists, then freed by the shutdown work; under irq_lock. */
static void mshv_irqfd_deactivate(struct mshv_irqfd *irqfd)
{
	struct mshv_partition *pt = irqfd->partition;

	lockdep_assert_held(&pt->irq_lock);
	list_del_init(&irqfd->list);
	if (irqfd->resamplefd)
		list_del_rcu(&irqfd->resample_list);
	queue_work(mshv_irqfd_wq, &irqfd->shutdown);
}

static bool mshv_irqfd_active(struct mshv_irqfd *irqfd)
{
	return !list_empty(&irqfd->list);
}

/* Called with the eventfd's wait queue lock held, maybe in irq context. */
static int mshv_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			     int sync, void *key)
{
	struct mshv_irqfd *irqfd = container_of(wait, struct mshv_irqfd, wait);
	struct mshv_partition *pt = irqfd->partition;
	__poll_t flags = key_to_poll(key);
	unsigned long irqflags;
	u64 count;

	int ret = 0;

	if (flags & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->eventfd, &count);
		if (mshv_irqfd_assert(irqfd, false) == -ENOMEM)
			queue_work(mshv_irqfd_wq, &irqfd->inject);
		/* Consumed: the eventfd's other waiters need not wake. */
		ret = 1;
	}
	if (flags & EPOLLHUP) {
		/* The eventfd is going away: so does the irqfd. */
		spin_lock_irqsave(&pt->irq_lock, irqflags);
		if (mshv_irqfd_active(irqfd))
			mshv_irqfd_deactivate(irqfd);
		spin_unlock_irqrestore(&pt->irq_lock, irqflags);
	}
	return ret;
}

static void mshv_irqfd_queue_proc(struct file *file, wait_queue_head_t *wqh,
				  poll_table *pt)
{
	struct mshv_irqfd *irqfd = container_of(pt, struct mshv_irqfd, pt);

	add_wait_queue_priority(wqh, &irqfd->wait);
}

static int mshv_irqfd_assign(struct mshv_partition *pt,
			     const struct mshv_user_irqfd *args)
{
	struct mshv_irqfd *irqfd, *tmp;
	struct file *file;
	__poll_t events;
	int ret, idx;

	irqfd = mshv_alloc(kzalloc(sizeof(*irqfd), GFP_KERNEL_ACCOUNT));
	if (!irqfd)
		return -ENOMEM;
	irqfd->partition = pt;
	irqfd->gsi = args->gsi;
	INIT_LIST_HEAD(&irqfd->list);
	INIT_LIST_HEAD(&irqfd->resample_list);
	INIT_WORK(&irqfd->inject, mshv_irqfd_inject_work);
	INIT_WORK(&irqfd->shutdown, mshv_irqfd_shutdown_work);

	file = fget(args->fd);
	if (!file) {
		ret = -EBADF;
		goto free;
	}
	irqfd->eventfd = eventfd_ctx_fileget(file);
	if (IS_ERR(irqfd->eventfd)) {
		ret = PTR_ERR(irqfd->eventfd);
		irqfd->eventfd = NULL;
		goto put_file;
	}
	if (args->flags & BIT(MSHV_IRQFD_BIT_RESAMPLE)) {
		irqfd->resamplefd = eventfd_ctx_fdget(args->resamplefd);
		if (IS_ERR(irqfd->resamplefd)) {
			ret = PTR_ERR(irqfd->resamplefd);
			irqfd->resamplefd = NULL;
			goto put_eventfd;
		}
	}

	init_waitqueue_func_entry(&irqfd->wait, mshv_irqfd_wakeup);
	/* Removing it from the queue before it got there is harmless. */
	INIT_LIST_HEAD(&irqfd->wait.entry);
	init_poll_funcptr(&irqfd->pt, mshv_irqfd_queue_proc);

	idx = srcu_read_lock(&mshv_irqfd_srcu);
	spin_lock_irq(&pt->irq_lock);
	list_for_each_entry(tmp, &pt->irqfds, list) {
		if (tmp->eventfd == irqfd->eventfd) {
			spin_unlock_irq(&pt->irq_lock);
			srcu_read_unlock(&mshv_irqfd_srcu, idx);
			ret = -EBUSY;
			goto put_resamplefd;
		}
	}
	list_add_tail(&irqfd->list, &pt->irqfds);
	if (irqfd->resamplefd)
		list_add_tail_rcu(&irqfd->resample_list, &pt->resample_irqfds);
	spin_unlock_irq(&pt->irq_lock);

	/* A signal that came before the irqfd existed is not lost. */
	events = vfs_poll(file, &irqfd->pt);
	if (events & EPOLLIN)
		mshv_irqfd_inject_work(&irqfd->inject);
	srcu_read_unlock(&mshv_irqfd_srcu, idx);
	/* Only now: closing the eventfd would shut the irqfd down. */
	fput(file);
	return 0;

put_resamplefd:
	if (irqfd->resamplefd)
		eventfd_ctx_put(irqfd->resamplefd);
put_eventfd:
	eventfd_ctx_put(irqfd->eventfd);
put_file:
	fput(file);
free:
	kfree(irqfd);
	return ret;
}

static int mshv_irqfd_deassign(struct mshv_partition *pt,
			       const struct mshv_user_irqfd *args)
{
	struct mshv_irqfd *irqfd, *tmp;
	struct eventfd_ctx *eventfd;
	int ret = -ENOENT;

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);

	spin_lock_irq(&pt->irq_lock);
	list_for_each_entry_safe(irqfd, tmp, &pt->irqfds, list) {
		if (irqfd->eventfd == eventfd && irqfd->gsi == args->gsi) {
			mshv_irqfd_deactivate(irqfd);
			ret = 0;
		}
	}
	spin_unlock_irq(&pt->irq_lock);
	eventfd_ctx_put(eventfd);

	/* Once MSHV_IRQFD returns, the eventfd no longer reaches the guest. */
	flush_workqueue(mshv_irqfd_wq);
	return ret;
}

/**
 * mshv_irqfd() - MSHV_IRQFD: assign or deassign an irqfd
 * @pt: the partition
 * @args: the request, its flags already checked
 *
 * Context: Process context; may sleep.
 * Return: 0; -EBADF or -EINVAL for an fd that is not an eventfd; -EBUSY
 * for an eventfd already assigned; -ENOENT for a deassign that matches
 * nothing; -EINVAL for a GSI out of range; -ENOMEM.
 */
int mshv_irqfd(struct mshv_partition *pt, const struct mshv_user_irqfd *args)
{
	if (args->gsi >= MSHV_MAX_GSI_ROUTES)
		return -EINVAL;
	if (args->flags & BIT(MSHV_IRQFD_BIT_DEASSIGN))
		return mshv_irqfd_deassign(pt, args);
	return mshv_irqfd_assign(pt, args);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_irqfd);

/**
 * mshv_irqfd_release_all() - drop every irqfd of a dying partition
 * @pt: the partition
 *
 * Context: Process context; may sleep.
 */
void mshv_irqfd_release_all(struct mshv_partition *pt)
{
	struct mshv_irqfd *irqfd, *tmp;

	spin_lock_irq(&pt->irq_lock);
	list_for_each_entry_safe(irqfd, tmp, &pt->irqfds, list)
		mshv_irqfd_deactivate(irqfd);
	spin_unlock_irq(&pt->irq_lock);
	flush_workqueue(mshv_irqfd_wq);
}

/**
 * mshv_irqfd_eoi() - the guest acknowledged an interrupt: resample
 * @pt: the partition
 * @vector: the vector acknowledged
 *
 * Signals the resample eventfd of every level-triggered irqfd routed to
 * @vector, so that the VMM re-checks the device and signals the irqfd
 * again if the line is still asserted.
 *
 * Context: Interrupt context, under rcu_read_lock().
 * Return: true if some irqfd was resampled.
 */
bool mshv_irqfd_eoi(struct mshv_partition *pt, u32 vector)
{
	struct mshv_msi_route route;
	struct mshv_irqfd *irqfd;
	bool found = false;

	list_for_each_entry_rcu(irqfd, &pt->resample_irqfds, resample_list) {
		if (mshv_msi_route(pt, irqfd->gsi, &route) &&
		    route.vector == vector &&
		    route.control & HV_INTERRUPT_CONTROL_LEVEL_TRIGGERED) {
			eventfd_signal(irqfd->resamplefd);
			found = true;
		}
	}
	return found;
}

/**
 * mshv_irqfd_init() - create the irqfds' workqueue
 *
 * Context: Process context.
 * Return: 0 or -ENOMEM.
 */
int mshv_irqfd_init(void)
{
	mshv_irqfd_wq = alloc_workqueue("mshv_irqfd", 0, 0);
	return mshv_irqfd_wq ? 0 : -ENOMEM;
}

/**
 * mshv_irqfd_exit() - destroy the irqfds' workqueue
 *
 * Context: Process context.
 */
void mshv_irqfd_exit(void)
{
	destroy_workqueue(mshv_irqfd_wq);
	/* The last irqfds are freed from RCU callbacks in this module. */
	rcu_barrier();
}
