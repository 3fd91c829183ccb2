// SPDX-License-Identifier: GPL-2.0-only
/*
 * Doorbells and ioeventfds: guest writes that reach the VMM without a
 * trip through its run loop.
 *
 * A doorbell is a port of the root partition, connected into a guest at a
 * guest physical address: a guest write there (of the right size, and
 * value unless any value will do) queues the port's id on the doorbell
 * SINT's event ring and raises an intercept-SINT message.  The message
 * handler drains the ring and runs each port's callback; for an
 * ioeventfd, that signals its eventfd.
 *
 * Port ids come from an xarray, allocated cyclically (an event for a
 * freed port must not reach a new one) without sleeping under a lock, and
 * looked up under RCU: a port is used inside the read-side section and
 * freed after a grace period.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/eventfd.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <kunit/visibility.h>

#include "mshv_root.h"

/**
 * struct mshv_port - a doorbell port, by id
 * @ring: what the doorbell does, from interrupt context
 * @data: passed to @ring
 * @rcu: frees the port once no handler uses it
 */
struct mshv_port {
	void (*ring)(void *data);
	void *data;
	struct rcu_head rcu;
};

static DEFINE_XARRAY_ALLOC1(mshv_ports);
static u32 mshv_next_port;

/* Where this CPU's handler reads each SINT's event ring next. */
struct mshv_event_ring_tails {
	u8 tail[HV_SYNIC_SINT_COUNT];
};

static DEFINE_PER_CPU(struct mshv_event_ring_tails, mshv_event_ring_tails);

/**
 * mshv_doorbell_register() - ring @ring on guest writes at @gpa
 * @pt: the partition
 * @gpa: guest physical address
 * @value: the value a write must carry, unless @flags say any
 * @flags: HV_DOORBELL_FLAG_*
 * @ring: called from interrupt context, under RCU, on each write
 * @data: passed to @ring
 *
 * Context: Process context; may sleep.
 * Return: The doorbell's port id (positive), or a negative errno.
 */
int mshv_doorbell_register(struct mshv_partition *pt, u64 gpa, u64 value,
			   u64 flags, void (*ring)(void *data), void *data)
{
	struct mshv_port *port;
	u32 id;
	int ret;

	port = mshv_alloc(kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT));
	if (!port)
		return -ENOMEM;
	port->ring = ring;
	port->data = data;
	ret = xa_alloc_cyclic(&mshv_ports, &id, port,
			      XA_LIMIT(1, HV_PORT_ID_MASK), &mshv_next_port,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto free;

	ret = hv_call_create_doorbell_port(pt->id, id);
	if (ret)
		goto erase;
	ret = hv_call_connect_doorbell(pt->id, id, gpa, value, flags);
	if (ret)
		goto delete;
	return id;

delete:
	hv_call_delete_port(id);
erase:
	xa_erase(&mshv_ports, id);
free:
	kfree(port);
	return ret;
}

/**
 * mshv_doorbell_unregister() - stop a doorbell and free its port
 * @pt: the partition
 * @id: the port id mshv_doorbell_register() returned
 *
 * A handler may still run the callback until an RCU grace period has
 * passed: its data must live that long.
 *
 * Context: Process context; may sleep.
 */
void mshv_doorbell_unregister(struct mshv_partition *pt, u32 id)
{
	struct mshv_port *port;
	int ret;

	ret = hv_call_disconnect_doorbell(pt->id, id);
	if (ret)
		pr_err_ratelimited("partition %llu: disconnecting doorbell %u failed: %d\n",
				   pt->id, id, ret);
	/* Even so: a port left behind would stay in the root for good. */
	ret = hv_call_delete_port(id);
	if (ret)
		pr_err_ratelimited("partition %llu: deleting doorbell port %u failed: %d\n",
				   pt->id, id, ret);
	port = xa_erase(&mshv_ports, id);
	if (port)
		kfree_rcu(port, rcu);
}

/*
 * The next port id queued on this CPU's ring of @sint, or 0.  A ring the
 * hypervisor marked full is drained, then handed back.  The hypervisor
 * masks a ring's signal when it signals it: found empty, the ring is
 * unmasked and looked at once more, so that no event slips in between.
 */
static u32 mshv_event_ring_next(struct hv_synic_event_ring_page *page,
				u32 sint)
{
	u8 *tail = &this_cpu_ptr(&mshv_event_ring_tails)->tail[sint];
	struct hv_synic_event_ring *ring = &page->sint_event_ring[sint];
	u32 port;

	port = READ_ONCE(ring->data[*tail]);
	if (!port && READ_ONCE(ring->ring_full)) {
		WRITE_ONCE(ring->ring_full, 0);
		hv_call_notify_port_ring_empty(sint);
		port = READ_ONCE(ring->data[*tail]);
	}
	if (!port) {
		WRITE_ONCE(ring->signal_masked, 0);
		/* The unmask must be seen before the ring is read again. */
		mb();
		port = READ_ONCE(ring->data[*tail]);
		if (!port)
			return 0;
	}
	WRITE_ONCE(ring->signal_masked, 1);
	WRITE_ONCE(ring->data[*tail], 0);
	*tail = (*tail + 1) % HV_SYNIC_EVENT_RING_MESSAGE_COUNT;
	return port;
}

/**
 * mshv_doorbell_events() - run the doorbells queued on this CPU's ring
 * @sint: the SINT whose ring has events; only the doorbell SINT is ours
 *
 * Context: Interrupt context, under rcu_read_lock().
 * Return: false if the driver does not own @sint's ring.
 */
bool mshv_doorbell_events(u32 sint)
{
	struct hv_synic_event_ring_page *page;
	struct mshv_port *port;
	u32 id;

	if (sint != HV_SYNIC_DOORBELL_SINT_INDEX)
		return false;
	page = mshv_synic_event_rings();
	if (!page)
		return false;
	while ((id = mshv_event_ring_next(page, sint))) {
		port = xa_load(&mshv_ports, id);
		if (port)
			port->ring(port->data);
		else
			pr_debug("event for unknown port %u\n", id);
	}
	return true;
}

/**
 * struct mshv_ioeventfd - an eventfd signalled by guest writes
 * @list: in the partition's ioeventfds, under its mutex
 * @eventfd: the eventfd
 * @addr: guest physical address
 * @len: access size, 0 for any
 * @wildcard: any value rings, not only @datamatch
 * @datamatch: the value a write must carry
 * @port: the doorbell's port id
 * @rcu: frees it once no doorbell handler uses it
 */
struct mshv_ioeventfd {
	struct list_head list;
	struct eventfd_ctx *eventfd;
	u64 addr;
	u32 len;
	bool wildcard;
	u64 datamatch;
	u32 port;
	struct rcu_head rcu;
};

static void mshv_ioeventfd_ring(void *data)
{
	struct mshv_ioeventfd *p = data;

	eventfd_signal(p->eventfd);
}

/* Two registrations a guest write could both match. */
static bool mshv_ioeventfd_overlap(const struct mshv_ioeventfd *a,
				   const struct mshv_ioeventfd *b)
{
	return a->addr == b->addr &&
	       (!a->len || !b->len || a->len == b->len) &&
	       (a->wildcard || b->wildcard || a->datamatch == b->datamatch);
}

static void mshv_ioeventfd_free_rcu(struct rcu_head *rcu)
{
	struct mshv_ioeventfd *p = container_of(rcu, struct mshv_ioeventfd, rcu);

	eventfd_ctx_put(p->eventfd);
	kfree(p);
}

static void mshv_ioeventfd_free(struct mshv_partition *pt,
				struct mshv_ioeventfd *p)
{
	mshv_doorbell_unregister(pt, p->port);
	call_rcu(&p->rcu, mshv_ioeventfd_free_rcu);
}

static u64 mshv_doorbell_size_flag(u32 len)
{
	switch (len) {
	case 1:
		return HV_DOORBELL_FLAG_TRIGGER_SIZE_BYTE;
	case 2:
		return HV_DOORBELL_FLAG_TRIGGER_SIZE_WORD;
	case 4:
		return HV_DOORBELL_FLAG_TRIGGER_SIZE_DWORD;
	case 8:
		return HV_DOORBELL_FLAG_TRIGGER_SIZE_QWORD;
	default:
		return HV_DOORBELL_FLAG_TRIGGER_SIZE_ANY;
	}
}

static int mshv_ioeventfd_assign(struct mshv_partition *pt,
				 const struct mshv_user_ioeventfd *args)
{
	struct mshv_ioeventfd *p, *tmp;
	u64 flags;
	int ret;

	lockdep_assert_held(&pt->mutex);

	p = mshv_alloc(kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT));
	if (!p)
		return -ENOMEM;
	p->addr = args->addr;
	p->len = args->len;
	p->wildcard = !(args->flags & BIT(MSHV_IOEVENTFD_BIT_DATAMATCH));
	p->datamatch = args->datamatch;

	list_for_each_entry(tmp, &pt->ioeventfds, list) {
		if (mshv_ioeventfd_overlap(tmp, p)) {
			kfree(p);
			return -EEXIST;
		}
	}

	p->eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(p->eventfd)) {
		ret = PTR_ERR(p->eventfd);
		kfree(p);
		return ret;
	}

	flags = mshv_doorbell_size_flag(p->len);
	if (p->wildcard)
		flags |= HV_DOORBELL_FLAG_TRIGGER_ANY_VALUE;
	ret = mshv_doorbell_register(pt, p->addr, p->datamatch, flags,
				     mshv_ioeventfd_ring, p);
	if (ret < 0) {
		eventfd_ctx_put(p->eventfd);
		kfree(p);
		return ret;
	}
	p->port = ret;
	list_add_tail(&p->list, &pt->ioeventfds);
	return 0;
}

static int mshv_ioeventfd_deassign(struct mshv_partition *pt,
				   const struct mshv_user_ioeventfd *args)
{
	bool wildcard = !(args->flags & BIT(MSHV_IOEVENTFD_BIT_DATAMATCH));
	struct mshv_ioeventfd *p;
	struct eventfd_ctx *eventfd;

	lockdep_assert_held(&pt->mutex);

	eventfd = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(eventfd))
		return PTR_ERR(eventfd);

	list_for_each_entry(p, &pt->ioeventfds, list) {
		if (p->eventfd != eventfd || p->addr != args->addr ||
		    p->len != args->len || p->wildcard != wildcard ||
		    (!wildcard && p->datamatch != args->datamatch))
			continue;
		list_del(&p->list);
		mshv_ioeventfd_free(pt, p);
		eventfd_ctx_put(eventfd);
		return 0;
	}
	eventfd_ctx_put(eventfd);
	return -ENOENT;
}

/**
 * mshv_ioeventfd() - MSHV_IOEVENTFD: assign or deassign an ioeventfd
 * @pt: the partition
 * @args: the request
 *
 * Context: Process context; takes @pt->mutex; may sleep.
 * Return: 0; -EINVAL for unknown flags, reserved bytes, a length other
 * than 0, 1, 2, 4 or 8, a value to match on any length, or a range that
 * wraps; -EOPNOTSUPP for port I/O; -EBADF or -EINVAL for an fd that is
 * not an eventfd; -EEXIST for a registration a guest write could match as
 * well as an existing one; -ENOENT for a deassign that matches nothing;
 * -ENOMEM; or a hypercall's errno.
 */
int mshv_ioeventfd(struct mshv_partition *pt,
		   const struct mshv_user_ioeventfd *args)
{
	u64 last;

	if (args->flags & ~MSHV_IOEVENTFD_FLAGS_MASK ||
	    memchr_inv(args->rsvd, 0, sizeof(args->rsvd)))
		return -EINVAL;
	if (args->flags & BIT(MSHV_IOEVENTFD_BIT_PIO))
		return -EOPNOTSUPP;
	switch (args->len) {
	case 0:
		/* A write of any size carries no value to compare. */
		if (args->flags & BIT(MSHV_IOEVENTFD_BIT_DATAMATCH))
			return -EINVAL;
		break;
	case 1:
	case 2:
	case 4:
	case 8:
		break;
	default:
		return -EINVAL;
	}
	if (check_add_overflow(args->addr, (u64)max(args->len, 1U) - 1, &last))
		return -EINVAL;

	guard(mutex)(&pt->mutex);
	if (args->flags & BIT(MSHV_IOEVENTFD_BIT_DEASSIGN))
		return mshv_ioeventfd_deassign(pt, args);
	return mshv_ioeventfd_assign(pt, args);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_ioeventfd);

/**
 * mshv_ioeventfd_release_all() - drop every ioeventfd of a dying partition
 * @pt: the partition, with no other user
 *
 * Context: Process context; may sleep.
 */
void mshv_ioeventfd_release_all(struct mshv_partition *pt)
{
	struct mshv_ioeventfd *p, *tmp;

	list_for_each_entry_safe(p, tmp, &pt->ioeventfds, list) {
		list_del(&p->list);
		mshv_ioeventfd_free(pt, p);
	}
}
