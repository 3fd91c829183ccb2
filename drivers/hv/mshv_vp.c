// SPDX-License-Identifier: GPL-2.0-only
/*
 * VPs: creation with their state pages, their state, and the run loop for
 * each scheduler the hypervisor may impose.
 *
 * Root scheduler (and an L1VH's integrated scheduler): the VP's thread
 * runs the VP itself with DISPATCH_VP, until an intercept.  When the
 * hypervisor says the VP is blocked (halted, or explicitly suspended), the
 * thread sleeps until a scheduler message signals the VP.
 *
 * Hypervisor schedulers (core, classic): the hypervisor runs the VP once
 * both suspend registers are clear, and sends an intercept message when it
 * stops.  On a signal the thread suspends the VP explicitly; if the VP
 * stopped on an intercept meanwhile, that intercept is collected, not lost.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <kunit/visibility.h>

#include "mshv_root.h"

/* The state pages a VP of a non-isolated partition has. */
static const u32 mshv_vp_page_types[] = {
	HV_VP_STATE_PAGE_REGISTERS,
	HV_VP_STATE_PAGE_INTERCEPT_MESSAGE,
};

/* An L1VH supplies the pages itself when its hypervisor asks for that. */
static bool mshv_vp_provides_pages(void)
{
	return mshv_vmm_capabilities & HV_VMM_CAP_PROVIDE_OVERLAY_GPFN;
}

static void mshv_vp_unmap_pages(struct mshv_vp *vp)
{
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(vp->state_pages); i++) {
		if (!vp->state_pages[i])
			continue;
		ret = hv_call_unmap_vp_state_page(vp->partition->id, vp->index,
						  i);
		/* A page the hypervisor may still write is never reused. */
		if (ret)
			pr_err_ratelimited("partition %llu VP %u: unmapping state page %u failed: %d\n",
					   vp->partition->id, vp->index, i, ret);
		else if (vp->pages_provided & BIT(i))
			__free_page(vp->state_pages[i]);
		vp->state_pages[i] = NULL;
	}
}

static int mshv_vp_map_page(struct mshv_vp *vp, u32 type)
{
	struct page *page = NULL;
	u64 pfn;
	int ret;

	if (mshv_vp_provides_pages()) {
		page = mshv_alloc(alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO));
		if (!page)
			return -ENOMEM;
	}
	ret = hv_call_map_vp_state_page(vp->partition->id, vp->index, type,
					page ? page_to_pfn(page) : 0, &pfn);
	if (ret) {
		if (page)
			__free_page(page);
		return ret;
	}
	if (page) {
		vp->pages_provided |= BIT(type);
	} else if (!pfn_valid(pfn)) {
		/* Deposited memory is host RAM: anything else is a bug. */
		pr_err("partition %llu VP %u: state page %u at invalid frame %#llx\n",
		       vp->partition->id, vp->index, type, pfn);
		hv_call_unmap_vp_state_page(vp->partition->id, vp->index, type);
		return -EIO;
	}
	vp->state_pages[type] = page ?: pfn_to_page(pfn);
	return 0;
}

/**
 * mshv_vp_create() - create a VP and map its state pages
 * @pt: the partition, initialized; @pt->mutex held
 * @index: the VP's index, below %MSHV_MAX_VPS, not in use
 *
 * The VP is not visible to anyone yet: see mshv_vp_publish().
 *
 * Context: Process context; caller holds @pt->mutex; may sleep.
 * Return: The VP, or an ERR_PTR().
 */
struct mshv_vp *mshv_vp_create(struct mshv_partition *pt, u32 index)
{
	struct mshv_vp *vp;
	unsigned int i;
	int ret;

	lockdep_assert_held(&pt->mutex);

	vp = mshv_alloc(kzalloc(sizeof(*vp), GFP_KERNEL_ACCOUNT));
	if (!vp)
		return ERR_PTR(-ENOMEM);
	vp->partition = pt;
	vp->index = index;
	mutex_init(&vp->mutex);
	init_waitqueue_head(&vp->run.wq);

	ret = hv_call_create_child_vp(pt->id, index);
	if (ret)
		goto free_vp;
	for (i = 0; i < ARRAY_SIZE(mshv_vp_page_types); i++) {
		ret = mshv_vp_map_page(vp, mshv_vp_page_types[i]);
		if (ret)
			goto delete_vp;
	}
	return vp;

delete_vp:
	mshv_vp_unmap_pages(vp);
	/* Free the index for another try; the partition deletes it anyway. */
	hv_call_delete_vp(pt->id, index);
free_vp:
	mutex_destroy(&vp->mutex);
	kfree(vp);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_vp_create);

/**
 * mshv_vp_publish() - make a fully set up VP visible
 * @vp: the VP; its partition's mutex held
 *
 * From here on the message handler can wake it and the partition owns
 * it: it lives as long as the partition.
 *
 * Context: Process context; caller holds @vp->partition->mutex.
 */
void mshv_vp_publish(struct mshv_vp *vp)
{
	struct mshv_partition *pt = vp->partition;

	lockdep_assert_held(&pt->mutex);
	rcu_assign_pointer(pt->vps[vp->index], vp);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_vp_publish);

/**
 * mshv_vp_destroy() - free a VP that was never published
 * @vp: the VP, from mshv_vp_create(); published VPs go with their
 *	partition instead
 *
 * Context: Process context; may sleep.
 */
void mshv_vp_destroy(struct mshv_vp *vp)
{
	mshv_vp_unmap_pages(vp);
	hv_call_delete_vp(vp->partition->id, vp->index);
	mutex_destroy(&vp->mutex);
	kfree(vp);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_vp_destroy);

static int mshv_vp_set_suspend(struct mshv_vp *vp, u32 name, bool suspended)
{
	struct hv_register_assoc reg = {
		.name = name,
		.value.low = suspended ? HV_SUSPEND_REGISTER_SUSPENDED : 0,
	};

	return hv_call_set_vp_registers(vp->partition->id, vp->index, 1, &reg);
}

/**
 * mshv_partition_stop_vps() - make sure no VP of a dying partition runs
 * @pt: the partition, with no VP fd left
 *
 * Under the root scheduler a VP runs only inside DISPATCH_VP, and no
 * thread dispatches any more.  Under a hypervisor scheduler a VP may still
 * run if a run ended on an error before it could suspend it: suspend all.
 *
 * Context: Process context; may sleep.
 */
void mshv_partition_stop_vps(struct mshv_partition *pt)
{
	unsigned int i;

	if (pt->root_sched)
		return;
	for (i = 0; i < MSHV_MAX_VPS; i++) {
		struct mshv_vp *vp = rcu_dereference_protected(pt->vps[i], true);

		if (vp)
			mshv_vp_set_suspend(vp, HV_REGISTER_EXPLICIT_SUSPEND, true);
	}
}

/**
 * mshv_partition_free_vps() - unmap and free every VP of a partition
 * @pt: the partition, unpublished: no message handler can reach its VPs
 *
 * Context: Process context; may sleep.
 */
void mshv_partition_free_vps(struct mshv_partition *pt)
{
	unsigned int i;

	for (i = 0; i < MSHV_MAX_VPS; i++) {
		struct mshv_vp *vp = rcu_dereference_protected(pt->vps[i], true);

		if (!vp)
			continue;
		RCU_INIT_POINTER(pt->vps[i], NULL);
		mshv_vp_unmap_pages(vp);
		mutex_destroy(&vp->mutex);
		kfree(vp);
	}
}

/**
 * mshv_vp_state_page() - the page the VP fd maps at a page offset
 * @vp: the VP
 * @pgoff: MSHV_VP_MMAP_OFFSET_*
 *
 * Context: Any context.
 * Return: The page, or NULL if the VP has none there.
 */
struct page *mshv_vp_state_page(struct mshv_vp *vp, unsigned long pgoff)
{
	/* The mmap offsets of the ABI are the hypervisor's page types. */
	static_assert((int)MSHV_VP_MMAP_OFFSET_REGISTERS ==
		      (int)HV_VP_STATE_PAGE_REGISTERS);
	static_assert((int)MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE ==
		      (int)HV_VP_STATE_PAGE_INTERCEPT_MESSAGE);
	static_assert((int)MSHV_VP_MMAP_OFFSET_GHCB == (int)HV_VP_STATE_PAGE_GHCB);

	if (pgoff >= HV_VP_STATE_PAGE_COUNT)
		return NULL;
	return vp->state_pages[array_index_nospec(pgoff, HV_VP_STATE_PAGE_COUNT)];
}

/**
 * mshv_vp_kick() - wake the VP's thread: there is something for the VP
 * @vp: the VP
 *
 * Context: Any context.
 */
void mshv_vp_kick(struct mshv_vp *vp)
{
	WRITE_ONCE(vp->run.kicked, true);
	wake_up(&vp->run.wq);
}

/* Where the hypervisor injects interrupts the root posts: see hvhdk.h. */
static u64 *mshv_vp_posted_vectors(struct mshv_vp *vp)
{
	return page_address(vp->state_pages[HV_VP_STATE_PAGE_REGISTERS]) +
	       HV_VP_REGISTER_PAGE_INTERRUPT_VECTORS_OFFSET;
}

/* Take @vector back out of the posted ones; false if already injected. */
static bool mshv_vp_retract_vector(struct mshv_vp *vp, u8 vector)
{
	u64 *word = mshv_vp_posted_vectors(vp);
	u64 old = READ_ONCE(*word), new;
	unsigned int i, count;
	u8 bytes[8];

	do {
		memcpy(bytes, &old, sizeof(bytes));
		count = min_t(unsigned int, bytes[0],
			      HV_VP_REGISTER_PAGE_MAX_VECTORS);
		for (i = 1; i <= count && bytes[i] != vector; i++)
			;
		if (i > count)
			return false;
		memmove(&bytes[i], &bytes[i + 1], count - i);
		bytes[count] = 0;
		bytes[0] = count - 1;
		memcpy(&new, bytes, sizeof(new));
	} while (!try_cmpxchg64(word, &old, new));
	return true;
}

/**
 * mshv_vp_post_interrupt() - inject a fixed, edge-triggered interrupt
 *	without a hypercall
 * @vp: the VP, of a partition the driver dispatches
 * @vector: the vector
 *
 * Posts @vector in the VP's register page, where the hypervisor injects it
 * at the next dispatch, and wakes the VP's thread if it sleeps.  A VP in
 * the middle of a dispatch may have looked at its posted vectors already:
 * then the vector is taken back and the caller asserts it by hypercall.
 *
 * Context: Any context.
 * Return: true if posted; false if the caller must use the hypercall (no
 * room, or the VP is being dispatched).
 */
bool mshv_vp_post_interrupt(struct mshv_vp *vp, u8 vector)
{
	u64 *word = mshv_vp_posted_vectors(vp);
	u64 old = READ_ONCE(*word), new;
	unsigned int count;

	do {
		count = old & 0xff;
		if (count >= HV_VP_REGISTER_PAGE_MAX_VECTORS)
			return false;
		new = (old & ~0xffULL) | (count + 1) |
		      (u64)vector << (8 * (count + 1));
	} while (!try_cmpxchg64(word, &old, new));

	/* Pairs with the barrier between "dispatched" and the scan flag. */
	smp_mb();
	if (READ_ONCE(vp->run.dispatched) && mshv_vp_retract_vector(vp, vector))
		return false;
	mshv_vp_kick(vp);
	return true;
}

/* Per-CPU pages for DISPATCH_VP, which runs with interrupts enabled. */
struct mshv_dispatch_pages {
	void *input;
	void *output;
};

static struct mshv_dispatch_pages __percpu *mshv_dispatch_pages;

/**
 * mshv_uses_root_sched() - whether the driver dispatches VPs itself
 *
 * Context: Any context.
 * Return: true under the root and the integrated scheduler.
 */
bool mshv_uses_root_sched(void)
{
	return mshv_scheduler == MSHV_SCHED_ROOT ||
	       mshv_scheduler == MSHV_SCHED_INTEGRATED;
}

/**
 * mshv_vp_dispatch_exit() - free the dispatch pages
 *
 * Context: Process context.
 */
void mshv_vp_dispatch_exit(void)
{
	int cpu;

	if (!mshv_dispatch_pages)
		return;
	for_each_possible_cpu(cpu) {
		struct mshv_dispatch_pages *p = per_cpu_ptr(mshv_dispatch_pages, cpu);

		free_page((unsigned long)p->input);
		free_page((unsigned long)p->output);
	}
	free_percpu(mshv_dispatch_pages);
	mshv_dispatch_pages = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_vp_dispatch_exit);

/**
 * mshv_vp_dispatch_init() - allocate the dispatch pages, if the driver
 *	dispatches VPs itself
 *
 * Context: Process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int mshv_vp_dispatch_init(void)
{
	int cpu;

	if (!mshv_uses_root_sched() || mshv_dispatch_pages)
		return 0;
	mshv_dispatch_pages = alloc_percpu(struct mshv_dispatch_pages);
	if (!mshv_dispatch_pages)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct mshv_dispatch_pages *p = per_cpu_ptr(mshv_dispatch_pages, cpu);

		p->input = (void *)get_zeroed_page(GFP_KERNEL);
		p->output = (void *)get_zeroed_page(GFP_KERNEL);
		if (!p->input || !p->output) {
			mshv_vp_dispatch_exit();
			return -ENOMEM;
		}
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_vp_dispatch_init);

static int mshv_vp_dispatch(struct mshv_vp *vp, u32 flags,
			    struct hv_output_dispatch_vp *res)
{
	struct mshv_dispatch_pages *p;
	int ret;

	if (!mshv_dispatch_pages)
		return -ENODEV;
	WRITE_ONCE(vp->run.dispatched, true);
	/*
	 * Say the VP is being dispatched before looking for posted vectors:
	 * a vector posted after the look is then taken back by its poster.
	 * Pairs with the barrier in mshv_vp_post_interrupt().
	 */
	smp_mb();
	if (READ_ONCE(*mshv_vp_posted_vectors(vp)))
		flags |= HV_DISPATCH_VP_FLAG_SCAN_INTERRUPT_INJECTION;
	preempt_disable();
	p = this_cpu_ptr(mshv_dispatch_pages);
	ret = hv_call_dispatch_vp(p->input, p->output, vp->partition->id,
				  vp->index, flags, res);
	preempt_enable();
	WRITE_ONCE(vp->run.dispatched, false);
	return ret;
}

/*
 * Work that must not wait for the VP.  Signals end the run (-EINTR, the
 * VMM runs again) and the scheduler gets its turn.  The rest of the
 * exit-to-user work (task work, rseq, memcg throttling) cannot run from a
 * module in 6.12: end the run the same way, so that the return to
 * userspace does it, rather than hold it back while the guest runs.
 */
static int mshv_vp_pending_work(void)
{
	if (signal_pending(current) || test_thread_flag(TIF_NOTIFY_RESUME))
		return -EINTR;
	cond_resched();
	return 0;
}

/* Sleep until the hypervisor signals the VP; -EINTR on a signal. */
static int mshv_vp_wait_kick(struct mshv_vp *vp)
{
	if (wait_event_interruptible(vp->run.wq, READ_ONCE(vp->run.kicked)))
		return -EINTR;
	WRITE_ONCE(vp->run.kicked, false);
	return 0;
}

static long mshv_vp_run_dispatched(struct mshv_vp *vp)
{
	struct hv_output_dispatch_vp out;
	u32 flags;
	int ret;

	for (;;) {
		if (vp->run.blocked) {
			ret = mshv_vp_wait_kick(vp);
			if (ret)
				return ret;
			vp->run.blocked = false;
		}
		ret = mshv_vp_pending_work();
		if (ret)
			return ret;

		flags = vp->run.intercept_suspended ?
			HV_DISPATCH_VP_FLAG_CLEAR_INTERCEPT_SUSPEND : 0;
		ret = mshv_vp_dispatch(vp, flags, &out);
		if (ret)
			return ret;
		vp->run.intercept_suspended = false;

		if (out.dispatch_state == HV_VP_DISPATCH_STATE_BLOCKED) {
			/*
			 * A new VP starts explicitly suspended.  Clear that;
			 * the hypervisor signals the VP once it may run.
			 */
			if (out.dispatch_event == HV_VP_DISPATCH_EVENT_SUSPEND) {
				ret = mshv_vp_set_suspend(vp,
							  HV_REGISTER_EXPLICIT_SUSPEND,
							  false);
				if (ret)
					return ret;
			}
			vp->run.blocked = true;
			continue;
		}
		if (out.dispatch_event == HV_VP_DISPATCH_EVENT_INTERCEPT) {
			vp->run.intercept_suspended = true;
			return 0;
		}
		/* Ready without an event: a host interrupt ended the slice. */
	}
}

/* Did the VP stop on an intercept? */
static int mshv_vp_intercepted(struct mshv_vp *vp, bool *intercepted)
{
	static const u32 name = HV_REGISTER_INTERCEPT_SUSPEND;
	struct hv_register_value value;
	int ret;

	ret = hv_call_get_vp_registers(vp->partition->id, vp->index, 1, &name,
				       &value);
	if (!ret)
		*intercepted = value.low & HV_SUSPEND_REGISTER_SUSPENDED;
	return ret;
}

static long mshv_vp_run_hv_scheduled(struct mshv_vp *vp)
{
	static const struct hv_register_assoc resume[] = {
		{ .name = HV_REGISTER_EXPLICIT_SUSPEND },
		{ .name = HV_REGISTER_INTERCEPT_SUSPEND },
	};
	bool intercepted;
	int ret;

	if (signal_pending(current))
		return -EINTR;

	/*
	 * A message that came while no run waited: an earlier run failed to
	 * suspend the VP, which went on to an intercept.  Return that one
	 * rather than resume past it.
	 */
	if (READ_ONCE(vp->run.kicked)) {
		WRITE_ONCE(vp->run.kicked, false);
		ret = mshv_vp_intercepted(vp, &intercepted);
		if (ret || intercepted)
			return ret;
	}

	ret = hv_call_set_vp_registers(vp->partition->id, vp->index,
				       ARRAY_SIZE(resume), resume);
	if (ret)
		return ret;

	if (wait_event_interruptible(vp->run.wq, READ_ONCE(vp->run.kicked))) {
		/*
		 * Suspend the VP, then see whether it stopped on an intercept
		 * first: that intercept's message is then on its way.
		 */
		ret = mshv_vp_set_suspend(vp, HV_REGISTER_EXPLICIT_SUSPEND, true);
		if (!ret)
			ret = mshv_vp_intercepted(vp, &intercepted);
		if (ret)
			return ret;
		if (!intercepted)
			return -EINTR;
		/* Take the message in flight rather than lose it. */
		if (wait_event_killable(vp->run.wq, READ_ONCE(vp->run.kicked)))
			return -EINTR;
	}
	WRITE_ONCE(vp->run.kicked, false);
	return 0;
}

/**
 * mshv_vp_run() - run a VP until it stops on an intercept
 * @vp: the VP; its mutex held
 * @msg: receives the intercept message
 *
 * Context: Process context; caller holds @vp->mutex; sleeps.
 * Return: 0 with @msg filled; -EINTR when a signal arrived first (nothing
 * is lost: the next run continues where this one stopped); or the errno of
 * a failed hypercall.
 */
long mshv_vp_run(struct mshv_vp *vp, struct hv_message *msg)
{
	struct page *page = vp->state_pages[HV_VP_STATE_PAGE_INTERCEPT_MESSAGE];
	long ret;

	lockdep_assert_held(&vp->mutex);

	if (!vp->run.message_ready) {
		if (vp->partition->root_sched)
			ret = mshv_vp_run_dispatched(vp);
		else
			ret = mshv_vp_run_hv_scheduled(vp);
		if (ret)
			return ret;
		vp->run.message_ready = true;
	}
	/* The VP stays stopped, so the page holds still while we copy. */
	memcpy(msg, page_address(page), sizeof(*msg));
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_vp_run);

/* Sizes and hypervisor types of the MSHV_VP_STATE_* types. */
static int mshv_vp_state_desc(struct mshv_vp *vp, u8 type,
			      struct hv_vp_state_data *state, u32 *size)
{
	static const u32 hv_types[MSHV_VP_STATE_COUNT] = {
		[MSHV_VP_STATE_LAPIC] = HV_GET_SET_VP_STATE_LAPIC_STATE,
		[MSHV_VP_STATE_XSAVE] = HV_GET_SET_VP_STATE_XSAVE,
		[MSHV_VP_STATE_SIMP] = HV_GET_SET_VP_STATE_SIM_PAGE,
		[MSHV_VP_STATE_SIEFP] = HV_GET_SET_VP_STATE_SIEF_PAGE,
		[MSHV_VP_STATE_SYNTHETIC_TIMERS] = HV_GET_SET_VP_STATE_SYNTHETIC_TIMERS,
	};
	u64 states, max_size;
	int ret;

	if (type >= MSHV_VP_STATE_COUNT)
		return -EINVAL;
	type = array_index_nospec(type, MSHV_VP_STATE_COUNT);
	memset(state, 0, sizeof(*state));
	state->type = hv_types[type];

	switch (type) {
	case MSHV_VP_STATE_XSAVE:
		ret = hv_call_get_partition_property(vp->partition->id,
						     HV_PARTITION_PROPERTY_XSAVE_STATES,
						     &states);
		if (ret)
			return ret;
		ret = hv_call_get_partition_property(vp->partition->id,
						     HV_PARTITION_PROPERTY_MAX_XSAVE_DATA_SIZE,
						     &max_size);
		if (ret)
			return ret;
		/* A size no input page can name the frames of is a bug. */
		if (!max_size ||
		    DIV_ROUND_UP(max_size, PAGE_SIZE) > HV_VP_STATE_MAX_PFNS)
			return -EIO;
		state->xsave_states = states | HV_XSAVE_STATES_LEGACY;
		*size = max_size;
		return 0;
	case MSHV_VP_STATE_SYNTHETIC_TIMERS:
		*size = sizeof(struct hv_synthetic_timers_state);
		return 0;
	default:
		*size = HV_HYP_PAGE_SIZE;
		return 0;
	}
}

/*
 * State that travels in pages goes straight to and from the VMM's buffer:
 * pin it and hand the hypervisor its frames.
 */
static int mshv_vp_state_pages(struct mshv_vp *vp,
			       const struct hv_vp_state_data *state,
			       u64 ubuf, u32 size, bool set)
{
	unsigned int i, nr = size >> PAGE_SHIFT;
	struct page **pages;
	u64 *pfns;
	int ret, pinned;

	pages = mshv_alloc(kcalloc(nr, sizeof(*pages), GFP_KERNEL));
	pfns = mshv_alloc(kcalloc(nr, sizeof(*pfns), GFP_KERNEL));
	if (!pages || !pfns) {
		ret = -ENOMEM;
		goto out;
	}
	pinned = pin_user_pages_fast(ubuf, nr, set ? 0 : FOLL_WRITE, pages);
	if (pinned != nr) {
		if (pinned > 0)
			unpin_user_pages(pages, pinned);
		ret = pinned < 0 ? pinned : -EFAULT;
		goto out;
	}
	for (i = 0; i < nr; i++)
		pfns[i] = page_to_pfn(pages[i]);

	if (set)
		ret = hv_call_set_vp_state(vp->partition->id, vp->index, state,
					   nr, pfns, NULL, 0);
	else
		ret = hv_call_get_vp_state(vp->partition->id, vp->index, state,
					   nr, pfns, NULL, 0);
	unpin_user_pages_dirty_lock(pages, nr, !set && !ret);
out:
	kfree(pfns);
	kfree(pages);
	return ret;
}

static int mshv_vp_state_bytes(struct mshv_vp *vp,
			       const struct hv_vp_state_data *state,
			       u64 ubuf, u32 size, bool set)
{
	void __user *uptr = u64_to_user_ptr(ubuf);
	void *buf;
	int ret;

	buf = mshv_alloc(kzalloc(size, GFP_KERNEL));
	if (!buf)
		return -ENOMEM;
	if (set) {
		ret = copy_from_user(buf, uptr, size) ? -EFAULT :
		      hv_call_set_vp_state(vp->partition->id, vp->index, state,
					   0, NULL, buf, size);
	} else {
		ret = hv_call_get_vp_state(vp->partition->id, vp->index, state,
					   0, NULL, buf, size);
		if (!ret && copy_to_user(uptr, buf, size))
			ret = -EFAULT;
	}
	kfree(buf);
	return ret;
}

static int mshv_vp_state(struct mshv_vp *vp, u8 type, u64 ubuf, u32 *size,
			 bool set)
{
	struct hv_vp_state_data state;
	u32 needed;
	int ret;

	lockdep_assert_held(&vp->mutex);

	ret = mshv_vp_state_desc(vp, type, &state, &needed);
	if (ret)
		return ret;
	/* The hypervisor fills whole pages of state that travels in pages. */
	if (state.type & HV_GET_SET_VP_STATE_TYPE_PFN)
		needed = PAGE_ALIGN(needed);
	if (*size < needed) {
		*size = needed;
		return -E2BIG;
	}
	*size = needed;
	if (!PAGE_ALIGNED(ubuf))
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(ubuf), needed))
		return -EFAULT;

	if (state.type & HV_GET_SET_VP_STATE_TYPE_PFN)
		return mshv_vp_state_pages(vp, &state, ubuf, needed, set);
	return mshv_vp_state_bytes(vp, &state, ubuf, needed, set);
}

/**
 * mshv_vp_get_state() - copy a piece of VP state to the VMM
 * @vp: the VP; its mutex held
 * @type: MSHV_VP_STATE_*
 * @ubuf: page-aligned user buffer
 * @size: in: the buffer's size; out: the size of the state
 *
 * Context: Process context; caller holds @vp->mutex; may sleep.
 * Return: 0; -EINVAL for an unknown type or a misaligned buffer; -E2BIG
 * for a buffer too small (*@size says how large it must be); -EFAULT;
 * -ENOMEM; or a hypercall's errno.
 */
int mshv_vp_get_state(struct mshv_vp *vp, u8 type, u64 ubuf, u32 *size)
{
	return mshv_vp_state(vp, type, ubuf, size, false);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_vp_get_state);

/**
 * mshv_vp_set_state() - load a piece of VP state from the VMM
 * @vp: the VP; its mutex held
 * @type: MSHV_VP_STATE_*
 * @ubuf: page-aligned user buffer
 * @size: in: the buffer's size; out: the size of the state
 *
 * Context: Process context; caller holds @vp->mutex; may sleep.
 * Return: As mshv_vp_get_state().
 */
int mshv_vp_set_state(struct mshv_vp *vp, u8 type, u64 ubuf, u32 *size)
{
	return mshv_vp_state(vp, type, ubuf, size, true);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_vp_set_state);
