// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of VPs as a VMM sees them: MSHV_CREATE_VP, the VP fd's mmap,
 * state and translation ioctls, and MSHV_RUN_VP under each scheduler the
 * hypervisor can impose, with signals arriving before, during and racing
 * the run; and the message handler fed what a hypervisor might send.
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <kunit/test.h>

#include "mshv_test_user.h"

/* How long a test waits for another thread to reach a state. */
#define WAIT_MS		5000

/*
 * The fixture is torn down as the first action registered, so that it
 * runs last: after the actions that stop the test's VP threads, also when
 * the test failed half way.
 */
static void vp_test_teardown(void *data)
{
	struct kunit *test = data;
	struct mshv_fake_hv *fake = mshv_test_fake(test);

	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, fake->nr_state_pages, 0);
	mshv_test_exit(test);
}

static int vp_test_init(struct kunit *test)
{
	int ret;

	if (!mshv_test_synic_ready())
		kunit_skip(test, "needs the fake backend's SynIC (CONFIG_MSHV_ROOT_FAKE_HV)");
	ret = mshv_test_init(test);

	if (ret)
		return ret;
	return kunit_add_action_or_reset(test, vp_test_teardown, test);
}

static void restore_scheduler(void *saved)
{
	mshv_set_scheduler((unsigned long)saved);
}

/* Use @sched for partitions created by this test, restored at its end. */
static void use_scheduler(struct kunit *test, enum mshv_scheduler sched)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned long saved = mshv_scheduler;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_scheduler,
							(void *)saved), 0);
	mshv_set_scheduler(sched);
	/* The driver allocates dispatch pages for the schedulers that use them. */
	KUNIT_ASSERT_EQ(test, mshv_vp_dispatch_init(), 0);
	switch (sched) {
	case MSHV_SCHED_ROOT:
		fake->scheduler_type = HV_SCHEDULER_TYPE_ROOT;
		break;
	case MSHV_SCHED_INTEGRATED:
		fake->scheduler_type = HV_SCHEDULER_TYPE_CORE_SMT;
		fake->vmm_capabilities = HV_VMM_CAP_INTEGRATED_SCHEDULER;
		fake->integrated_scheduler_enabled = 1;
		break;
	default:
		fake->scheduler_type = HV_SCHEDULER_TYPE_CORE_SMT;
		break;
	}
}

static struct mshv_fake_vp fake_vp(struct kunit *test, u64 id, u32 index)
{
	struct mshv_fake_vp vp;

	KUNIT_ASSERT_TRUE(test, mshv_fake_hv_vp_snapshot(mshv_test_fake(test),
							 id, index, &vp));
	return vp;
}

/* An intercept message a test can recognize by @tag. */
static struct mshv_fake_exit intercept(u64 id, u32 index, u64 tag)
{
	struct mshv_fake_exit exit = { .kind = MSHV_FAKE_EXIT_INTERCEPT };

	exit.msg.header.message_type = HVMSG_X64_IOPORT_INTERCEPT;
	exit.msg.header.payload_size = HV_MESSAGE_PAYLOAD_BYTE_COUNT;
	exit.msg.header.sender = id;
	exit.msg.u.payload[0] = index;
	exit.msg.u.payload[1] = tag;
	return exit;
}

static void script(struct kunit *test, u64 id, u32 index,
		   const struct mshv_fake_exit *exit)
{
	KUNIT_ASSERT_EQ(test, mshv_fake_hv_script_vp(mshv_test_fake(test), id,
						     index, exit), 0);
}

static void script_block(struct kunit *test, u64 id, u32 index)
{
	struct mshv_fake_exit exit = { .kind = MSHV_FAKE_EXIT_BLOCK };

	script(test, id, index, &exit);
}

/* MSHV_RUN_VP on @file, as a thread of the VMM would issue it. */
static long run_file(struct file *file, void __user *ubuf)
{
	return file->f_op->unlocked_ioctl(file, MSHV_RUN_VP,
					  (unsigned long)ubuf);
}

static long run_vp(struct kunit *test, int vp_fd, struct hv_message *msg)
{
	void __user *ubuf = (void __user *)mshv_test_mmap(test, PAGE_SIZE);
	long ret = mshv_test_ioctl(vp_fd, MSHV_RUN_VP, ubuf);

	if (!ret)
		KUNIT_ASSERT_EQ(test, copy_from_user(msg, ubuf, sizeof(*msg)), 0);
	return ret;
}

static void expect_intercept(struct kunit *test, const struct hv_message *msg,
			     u32 index, u64 tag)
{
	KUNIT_EXPECT_EQ(test, msg->header.message_type,
			HVMSG_X64_IOPORT_INTERCEPT);
	KUNIT_EXPECT_EQ(test, msg->u.payload[0], index);
	KUNIT_EXPECT_EQ(test, msg->u.payload[1], tag);
}

static bool vp_blocked(const struct mshv_fake_vp *vp)
{
	return vp->blocked;
}

/* Both suspend registers clear: a hypervisor scheduler runs the VP. */
static bool vp_resumed(const struct mshv_fake_vp *vp)
{
	return !vp->explicit_suspend && !vp->intercept_suspend;
}

static bool vp_intercepted(const struct mshv_fake_vp *vp)
{
	return vp->intercept_suspend;
}

static bool vp_explicitly_suspended(const struct mshv_fake_vp *vp)
{
	return vp->explicit_suspend;
}

/* Poll the fake until @cond holds for VP @index, or fail the test. */
static void wait_for_vp(struct kunit *test, u64 id, u32 index,
			bool (*cond)(const struct mshv_fake_vp *vp))
{
	unsigned long deadline = jiffies + msecs_to_jiffies(WAIT_MS);
	struct mshv_fake_vp vp;

	for (;;) {
		vp = fake_vp(test, id, index);
		if (cond(&vp))
			return;
		KUNIT_ASSERT_TRUE_MSG(test, time_before(jiffies, deadline),
				      "timed out waiting for the VP");
		usleep_range(500, 1000);
	}
}

/* A thread that runs a VP once, like a VMM's vCPU thread. */
/*
 * A VMM's vCPU thread: it runs a VP once (runner_fn), or @runs times with
 * an intercept scripted before each run (churn_fn).
 */
struct runner {
	struct file *file;
	struct mm_struct *mm;
	void __user *ubuf;
	struct task_struct *task;
	struct completion done;
	long ret;
	struct hv_message msg;
	struct mshv_fake_hv *fake;
	u64 id;
	u32 index;
	unsigned int runs;
};

/* The thread's end: it stays until the test stops it (it holds a ref). */
static void runner_done(struct runner *r)
{
	kthread_unuse_mm(r->mm);
	complete(&r->done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
}

static int runner_fn(void *data)
{
	struct runner *r = data;

	kthread_use_mm(r->mm);
	allow_signal(SIGUSR1);
	allow_signal(SIGKILL);
	r->ret = run_file(r->file, r->ubuf);
	if (!r->ret && copy_from_user(&r->msg, r->ubuf, sizeof(r->msg)))
		r->ret = -EFAULT;
	flush_signals(current);
	runner_done(r);
	return 0;
}

static void runner_stop(void *data)
{
	struct runner *r = data;

	/* A test that failed may leave the thread waiting in the run. */
	send_sig(SIGKILL, r->task, 0);
	kthread_stop(r->task);
	put_task_struct(r->task);
	mmput(r->mm);
	/* Release now, not from a workqueue: the test checks what is left. */
	__fput_sync(r->file);
}

/* A thread running @fn on the VP of @vp_fd, in the test's mm. */
static struct runner *runner_start_fn(struct kunit *test, int vp_fd,
				      int (*fn)(void *data),
				      unsigned int runs)
{
	struct runner *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->file = fget(vp_fd);
	KUNIT_ASSERT_NOT_NULL(test, r->file);
	r->ubuf = (void __user *)mshv_test_mmap(test, PAGE_SIZE);
	r->mm = current->mm;
	mmget(r->mm);
	init_completion(&r->done);
	r->runs = runs;
	r->task = kthread_create(fn, r, "mshv-vp-runner");
	KUNIT_ASSERT_FALSE(test, IS_ERR(r->task));
	get_task_struct(r->task);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, runner_stop, r), 0);
	return r;
}

static struct runner *runner_start(struct kunit *test, int vp_fd)
{
	struct runner *r = runner_start_fn(test, vp_fd, runner_fn, 1);

	wake_up_process(r->task);
	return r;
}

static long runner_wait(struct kunit *test, struct runner *r)
{
	KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&r->done,
								msecs_to_jiffies(WAIT_MS)),
			      "the run never returned");
	return r->ret;
}

static void signal_self(void)
{
	allow_signal(SIGUSR1);
	send_sig(SIGUSR1, current, 0);
}

static void clear_signals(void *unused)
{
	flush_signals(current);
	disallow_signal(SIGUSR1);
}

static const enum mshv_scheduler run_scheds[] = {
	MSHV_SCHED_ROOT, MSHV_SCHED_CORE, MSHV_SCHED_INTEGRATED,
};

static void sched_desc(const enum mshv_scheduler *sched, char *desc)
{
	strscpy(desc, mshv_scheduler_name(*sched), KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sched, run_scheds, sched_desc);

static bool root_logic(enum mshv_scheduler sched)
{
	return sched == MSHV_SCHED_ROOT || sched == MSHV_SCHED_INTEGRATED;
}

/* A VP, under the scheduler already chosen; the VP fd holds the partition. */
static int setup_vp_now(struct kunit *test, u64 *id)
{
	int pt_fd, vp_fd;

	pt_fd = mshv_test_partition(test, id);
	vp_fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, vp_fd, 0);
	mshv_test_close(pt_fd);
	return vp_fd;
}

/* A VP, ready to run under the test's scheduler parameter. */
static int setup_vp(struct kunit *test, u64 *id)
{
	const enum mshv_scheduler *sched = test->param_value;

	use_scheduler(test, *sched);
	return setup_vp_now(test, id);
}

/* A run returns the intercept that stopped the VP, and copies it out. */
static void run_returns_intercept(struct kunit *test)
{
	const enum mshv_scheduler *sched = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_exit exit;
	struct hv_message msg;
	int vp_fd, i;
	u64 id;

	vp_fd = setup_vp(test, &id);
	for (i = 1; i <= 3; i++) {
		exit = intercept(id, 0, i);
		script(test, id, 0, &exit);
		KUNIT_ASSERT_EQ(test, run_vp(test, vp_fd, &msg), 0);
		expect_intercept(test, &msg, 0, i);
		KUNIT_EXPECT_TRUE(test, fake_vp(test, id, 0).intercept_suspend);
	}
	if (root_logic(*sched))
		KUNIT_EXPECT_GE(test, mshv_fake_hv_count_calls(fake, HVCALL_DISPATCH_VP), 3);
	else
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_DISPATCH_VP), 0);
	mshv_test_close(vp_fd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 0);
}

/*
 * A blocked VP sleeps until the hypervisor signals it (a scheduler
 * message; an intercept message under a hypervisor scheduler).
 */
static void blocked_vp_woken(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_exit exit;
	struct runner *r;
	unsigned int bitset;
	int vp_fd;
	u64 id;

	for (bitset = 0; bitset < 2; bitset++) {
		fake->sched_bitset_messages = bitset;
		vp_fd = setup_vp(test, &id);
		script_block(test, id, 0);
		exit = intercept(id, 0, 7);
		script(test, id, 0, &exit);

		r = runner_start(test, vp_fd);
		wait_for_vp(test, id, 0, vp_blocked);
		/* Asleep: no busy loop of dispatches while blocked. */
		msleep(20);
		KUNIT_EXPECT_FALSE(test, completion_done(&r->done));
		KUNIT_EXPECT_LE(test, fake_vp(test, id, 0).dispatches, 2);
		mshv_fake_hv_wake_vp(fake, id, 0);
		KUNIT_ASSERT_EQ(test, runner_wait(test, r), 0);
		expect_intercept(test, &r->msg, 0, 7);
		kunit_release_action(test, runner_stop, r);
		mshv_test_close(vp_fd);
	}
}

/* A signal before the run: -EINTR, no hypercall, the intercept kept. */
static void signal_before_run(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_exit exit;
	struct hv_message msg;
	unsigned int calls;
	int vp_fd;
	u64 id;

	vp_fd = setup_vp(test, &id);
	exit = intercept(id, 0, 11);
	script(test, id, 0, &exit);

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, clear_signals, NULL), 0);
	signal_self();
	calls = fake->nr_calls;
	KUNIT_EXPECT_EQ(test, run_vp(test, vp_fd, &msg), -EINTR);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, calls);
	flush_signals(current);

	KUNIT_ASSERT_EQ(test, run_vp(test, vp_fd, &msg), 0);
	expect_intercept(test, &msg, 0, 11);
	mshv_test_close(vp_fd);
}

/* A signal while the VP runs: -EINTR, and the next run goes on. */
static void signal_during_run(struct kunit *test)
{
	const enum mshv_scheduler *sched = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_exit exit;
	struct hv_message msg;
	struct runner *r;
	int vp_fd;
	u64 id;

	vp_fd = setup_vp(test, &id);
	script_block(test, id, 0);
	r = runner_start(test, vp_fd);
	if (root_logic(*sched))
		wait_for_vp(test, id, 0, vp_blocked);
	else
		wait_for_vp(test, id, 0, vp_resumed);
	send_sig(SIGUSR1, r->task, 0);
	KUNIT_EXPECT_EQ(test, runner_wait(test, r), -EINTR);
	/* A hypervisor-scheduled VP is suspended before the run returns. */
	if (!root_logic(*sched))
		KUNIT_EXPECT_TRUE(test, fake_vp(test, id, 0).explicit_suspend);
	kunit_release_action(test, runner_stop, r);

	/* Nothing lost: the guest goes on from where it blocked. */
	exit = intercept(id, 0, 21);
	script(test, id, 0, &exit);
	mshv_fake_hv_wake_vp(fake, id, 0);
	KUNIT_ASSERT_EQ(test, run_vp(test, vp_fd, &msg), 0);
	expect_intercept(test, &msg, 0, 21);
	mshv_test_close(vp_fd);
}

/*
 * An intercept racing a signal is delivered, not lost: under a hypervisor
 * scheduler the VP stopped on it just before the explicit suspend; under
 * the root scheduler the signal arrived during the dispatch that ended on
 * it.
 */
static void intercept_races_signal(struct kunit *test)
{
	const enum mshv_scheduler *sched = test->param_value;
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_exit exit;
	struct hv_message msg;
	struct runner *r;
	unsigned int gets, i;
	int vp_fd;
	u64 id;

	vp_fd = setup_vp(test, &id);
	exit = intercept(id, 0, 31);
	exit.hold_message = true;
	script(test, id, 0, &exit);

	if (root_logic(*sched)) {
		KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, clear_signals,
								NULL), 0);
		allow_signal(SIGUSR1);
		fake->signal_on_dispatch = current;
		/* The first dispatch meets the new VP's explicit suspend. */
		KUNIT_EXPECT_EQ(test, run_vp(test, vp_fd, &msg), -EINTR);
		flush_signals(current);
		mshv_fake_hv_flush_messages(fake);
		fake->signal_on_dispatch = current;
		KUNIT_ASSERT_EQ(test, run_vp(test, vp_fd, &msg), 0);
		expect_intercept(test, &msg, 0, 31);
		KUNIT_EXPECT_TRUE(test, signal_pending(current));
		/* The pending signal ends the next run before any dispatch. */
		KUNIT_EXPECT_EQ(test, run_vp(test, vp_fd, &msg), -EINTR);
		flush_signals(current);
	} else {
		gets = mshv_fake_hv_count_calls(fake, HVCALL_GET_VP_REGISTERS);
		r = runner_start(test, vp_fd);
		wait_for_vp(test, id, 0, vp_intercepted);
		send_sig(SIGUSR1, r->task, 0);
		wait_for_vp(test, id, 0, vp_explicitly_suspended);
		/* The driver saw the intercept suspend, then waits for it. */
		for (i = 0; i < WAIT_MS &&
		     mshv_fake_hv_count_calls(fake, HVCALL_GET_VP_REGISTERS) == gets;
		     i++)
			usleep_range(1000, 2000);
		KUNIT_ASSERT_LT(test, i, WAIT_MS);
		msleep(20);
		KUNIT_EXPECT_FALSE(test, completion_done(&r->done));
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_release_messages(fake), 1);
		KUNIT_ASSERT_EQ(test, runner_wait(test, r), 0);
		expect_intercept(test, &r->msg, 0, 31);
		kunit_release_action(test, runner_stop, r);
	}

	/* The next run resumes the VP past the intercept. */
	exit = intercept(id, 0, 32);
	script(test, id, 0, &exit);
	KUNIT_ASSERT_EQ(test, run_vp(test, vp_fd, &msg), 0);
	expect_intercept(test, &msg, 0, 32);
	mshv_test_close(vp_fd);
}

/* A message that could not be copied out is returned by the next run. */
static void run_copy_fault_keeps_message(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_exit exit;
	struct hv_message msg;
	unsigned int calls;
	int vp_fd;
	u64 id;

	vp_fd = setup_vp(test, &id);
	exit = intercept(id, 0, 41);
	script(test, id, 0, &exit);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(vp_fd, MSHV_RUN_VP, NULL), -EFAULT);
	calls = fake->nr_calls;
	KUNIT_ASSERT_EQ(test, run_vp(test, vp_fd, &msg), 0);
	expect_intercept(test, &msg, 0, 41);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, calls);
	mshv_test_close(vp_fd);
}

/* VP creation: fd, published VP, state pages; bad input changes nothing. */
static void create_vp_checks_input(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	bool synic_up;
	int pt_fd, fd, other;
	struct mshv_fake_vp vp;
	u64 id;

	pt_fd = mshv_test_create_partition(test, 0);
	KUNIT_ASSERT_GE(test, pt_fd, 0);
	id = mshv_test_only_partition(test);
	/* Not initialized yet. */
	KUNIT_EXPECT_EQ(test, mshv_test_create_vp(test, pt_fd, 0), -EINVAL);
	KUNIT_ASSERT_EQ(test, mshv_test_ioctl(pt_fd, MSHV_INITIALIZE_PARTITION,
					      NULL), 0);
	KUNIT_EXPECT_EQ(test, mshv_test_create_vp(test, pt_fd, MSHV_MAX_VPS), -EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_test_create_vp(test, pt_fd, U32_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(pt_fd, MSHV_CREATE_VP, NULL), -EFAULT);
	/* Where the hypervisor's messages do not reach the driver. */
	synic_up = READ_ONCE(mshv_synic_up);
	WRITE_ONCE(mshv_synic_up, false);
	KUNIT_EXPECT_EQ(test, mshv_test_create_vp(test, pt_fd, 0), -EOPNOTSUPP);
	WRITE_ONCE(mshv_synic_up, synic_up);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_vps(fake, id), 0);

	fd = mshv_test_create_vp(test, pt_fd, MSHV_MAX_VPS - 1);
	KUNIT_ASSERT_GE(test, fd, 0);
	rcu_read_lock();
	KUNIT_EXPECT_TRUE(test, close_on_exec(fd, current->files));
	rcu_read_unlock();
	vp = fake_vp(test, id, MSHV_MAX_VPS - 1);
	KUNIT_EXPECT_NE(test, vp.state_pfn[HV_VP_STATE_PAGE_REGISTERS], 0);
	KUNIT_EXPECT_NE(test, vp.state_pfn[HV_VP_STATE_PAGE_INTERCEPT_MESSAGE], 0);
	KUNIT_EXPECT_EQ(test, fake->nr_state_pages, 2);

	KUNIT_EXPECT_EQ(test, mshv_test_create_vp(test, pt_fd, MSHV_MAX_VPS - 1), -EEXIST);
	/* Closing the VP fd does not free the index: the VP lives on. */
	mshv_test_close(fd);
	KUNIT_EXPECT_EQ(test, mshv_test_create_vp(test, pt_fd, MSHV_MAX_VPS - 1), -EEXIST);
	other = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, other, 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_vps(fake, id), 2);
	mshv_test_close(other);
	mshv_test_close(pt_fd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 0);
}

/* Each hypercall of VP creation failing: an errno, nothing left behind. */
static void create_vp_fails_at_every_call(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int n;
	int pt_fd, fd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	for (n = 1; ; n++) {
		fake->fail_at_call = fake->nr_calls + n;
		fake->fail_status = HV_STATUS_INVALID_PARAMETER;
		fd = mshv_test_create_vp(test, pt_fd, 3);
		fake->fail_at_call = 0;
		if (fd >= 0)
			break;
		KUNIT_EXPECT_EQ(test, fd, -EINVAL);
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_vps(fake, id), 0);
		KUNIT_EXPECT_EQ(test, fake->nr_state_pages, 0);
		KUNIT_ASSERT_LT(test, n, 10);
	}
	/* Create and two state pages. */
	KUNIT_EXPECT_EQ(test, n, 4);
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
}

/* Each allocation of VP creation failing: -ENOMEM, nothing left behind. */
static void create_vp_fails_at_every_allocation(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int n;
	int pt_fd, fd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	for (n = 1; ; n++) {
		mshv_test_fail_nth(test, n);
		fd = mshv_test_create_vp(test, pt_fd, 5);
		if (mshv_test_fail_nth_left()) {
			mshv_test_fail_nth(test, 0);
			break;
		}
		mshv_test_fail_nth(test, 0);
		KUNIT_EXPECT_EQ(test, fd, -ENOMEM);
		KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_vps(fake, id), 0);
		KUNIT_EXPECT_EQ(test, fake->nr_state_pages, 0);
		KUNIT_ASSERT_LT(test, n, 10);
	}
	KUNIT_ASSERT_GE(test, fd, 0);
	KUNIT_EXPECT_GE(test, n, 2);
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
}

/* Creation deposits memory where the hypervisor asks for it. */
static void create_vp_deposits_on_demand(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	int pt_fd, fd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	fake->need_memory_calls = 2;
	fake->need_memory_status = HV_STATUS_INSUFFICIENT_MEMORY;
	fake->need_memory_code = HVCALL_CREATE_VP;
	fd = mshv_test_create_vp(test, pt_fd, 1);
	KUNIT_ASSERT_GE(test, fd, 0);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_CREATE_VP), 3);
	KUNIT_EXPECT_GT(test, mshv_fake_hv_partition(fake, id)->nr_deposited, 0);
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
}

/* An L1VH whose hypervisor asks for it supplies the state pages. */
static void create_vp_provides_pages(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	u64 saved = mshv_vmm_capabilities;
	struct mshv_fake_vp vp;
	int pt_fd, fd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	mshv_vmm_capabilities = HV_VMM_CAP_PROVIDE_OVERLAY_GPFN;
	fd = mshv_test_create_vp(test, pt_fd, 2);
	mshv_vmm_capabilities = saved;
	KUNIT_ASSERT_GE(test, fd, 0);
	vp = fake_vp(test, id, 2);
	KUNIT_EXPECT_FALSE(test, vp.state_owned[HV_VP_STATE_PAGE_REGISTERS]);
	KUNIT_EXPECT_NE(test, vp.state_pfn[HV_VP_STATE_PAGE_REGISTERS], 0);
	KUNIT_EXPECT_EQ(test, fake->nr_state_pages, 0);
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_UNMAP_VP_STATE_PAGE), 2);
}

static unsigned long mmap_vp_any(struct kunit *test, int vp_fd,
				 unsigned long pgoff, size_t len,
				 unsigned long prot, unsigned long flags)
{
	struct file *file = fget(vp_fd);
	unsigned long addr;

	KUNIT_ASSERT_NOT_NULL(test, file);
	addr = vm_mmap(file, 0, len, prot, flags, pgoff << PAGE_SHIFT);
	fput(file);
	return addr;
}

static unsigned long mmap_vp(struct kunit *test, int vp_fd, unsigned long pgoff,
			     size_t len, unsigned long prot)
{
	return mmap_vp_any(test, vp_fd, pgoff, len, prot, MAP_SHARED);
}

static unsigned long mmap_vp_flags(struct kunit *test, int vp_fd,
				   unsigned long pgoff, unsigned long flags)
{
	return mmap_vp_any(test, vp_fd, pgoff, PAGE_SIZE, PROT_READ, flags);
}

/* The VP fd maps the register page read-write, the message page read-only. */
static void vp_mmap(struct kunit *test)
{
	struct mshv_fake_vp vp;
	unsigned long addr;
	int pt_fd, fd;
	u64 id, word;

	pt_fd = mshv_test_partition(test, &id);
	fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, fd, 0);
	vp = fake_vp(test, id, 0);

	addr = mmap_vp(test, fd, MSHV_VP_MMAP_OFFSET_REGISTERS, PAGE_SIZE,
		       PROT_READ | PROT_WRITE);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	word = 0x1234;
	KUNIT_EXPECT_EQ(test, copy_to_user((void __user *)addr, &word,
					   sizeof(word)), 0);
	KUNIT_EXPECT_EQ(test, *(u64 *)page_address(pfn_to_page(vp.state_pfn[0])),
			0x1234);
	vm_munmap(addr, PAGE_SIZE);

	addr = mmap_vp(test, fd, MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE,
		       PAGE_SIZE, PROT_READ | PROT_WRITE);
	KUNIT_EXPECT_EQ(test, (long)addr, -EPERM);
	addr = mmap_vp(test, fd, MSHV_VP_MMAP_OFFSET_INTERCEPT_MESSAGE,
		       PAGE_SIZE, PROT_READ);
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	vm_munmap(addr, PAGE_SIZE);

	KUNIT_EXPECT_EQ(test, (long)mmap_vp_flags(test, fd, 0, MAP_PRIVATE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, (long)mmap_vp(test, fd, MSHV_VP_MMAP_OFFSET_GHCB,
					    PAGE_SIZE, PROT_READ), -EINVAL);
	KUNIT_EXPECT_EQ(test, (long)mmap_vp(test, fd, 0, 2 * PAGE_SIZE,
					    PROT_READ), -EINVAL);
	KUNIT_EXPECT_EQ(test, (long)mmap_vp(test, fd, 99, PAGE_SIZE,
					    PROT_READ), -EINVAL);
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
}

static long vp_state(struct kunit *test, int fd, bool set, u8 type,
		     u32 *buf_sz, u64 buf_ptr)
{
	struct mshv_get_set_vp_state args = {
		.type = type,
		.buf_sz = *buf_sz,
		.buf_ptr = buf_ptr,
	};
	void __user *uarg = mshv_test_user_arg(test, &args, sizeof(args));
	long ret;

	ret = mshv_test_ioctl(fd, set ? MSHV_SET_VP_STATE : MSHV_GET_VP_STATE,
			      uarg);
	KUNIT_ASSERT_EQ(test, copy_from_user(&args, uarg, sizeof(args)), 0);
	*buf_sz = args.buf_sz;
	return ret;
}

struct state_case {
	const char *name;
	u8 type;
	u32 size;
};

static const struct state_case state_cases[] = {
	{ "lapic", MSHV_VP_STATE_LAPIC, PAGE_SIZE },
	/* The fake's 9280 bytes, in the whole pages the hypervisor fills. */
	{ "xsave", MSHV_VP_STATE_XSAVE, 3 * PAGE_SIZE },
	{ "simp", MSHV_VP_STATE_SIMP, PAGE_SIZE },
	{ "siefp", MSHV_VP_STATE_SIEFP, PAGE_SIZE },
	{ "synthetic timers", MSHV_VP_STATE_SYNTHETIC_TIMERS,
	  sizeof(struct hv_synthetic_timers_state) },
};

KUNIT_ARRAY_PARAM_DESC(state, state_cases, name);

/* The variable header size of the last recorded call of @code. */
static unsigned int last_varhead(struct kunit *test, u16 code)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned int i = min(fake->nr_calls, MSHV_FAKE_MAX_RECORDED);

	while (i--)
		if ((fake->calls[i].control & HV_HYPERCALL_RESULT_MASK) == code)
			return (fake->calls[i].control & HV_HYPERCALL_VARHEAD_MASK) >>
			       HV_HYPERCALL_VARHEAD_OFFSET;
	KUNIT_FAIL(test, "no call %#x recorded", code);
	return 0;
}

/* State set is state read back; a short buffer learns the size it needs. */
static void vp_state_round_trip(struct kunit *test)
{
	const struct state_case *c = test->param_value;
	unsigned long buf = mshv_test_mmap(test, 4 * PAGE_SIZE);
	u8 pattern[64], back[64];
	int pt_fd, fd;
	u32 size;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, fd, 0);

	size = c->size - 1;
	KUNIT_EXPECT_EQ(test, vp_state(test, fd, false, c->type, &size, buf), -E2BIG);
	KUNIT_EXPECT_EQ(test, size, c->size);

	memset(pattern, 0xa0 + c->type, sizeof(pattern));
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)buf, pattern,
					   sizeof(pattern)), 0);
	size = 4 * PAGE_SIZE;
	KUNIT_EXPECT_EQ(test, vp_state(test, fd, true, c->type, &size, buf), 0);
	KUNIT_EXPECT_EQ(test, size, c->size);
	KUNIT_ASSERT_EQ(test, clear_user((void __user *)buf, 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, vp_state(test, fd, false, c->type, &size, buf), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(back, (void __user *)buf,
					     sizeof(back)), 0);
	KUNIT_EXPECT_MEMEQ(test, back, pattern, sizeof(pattern));
	/*
	 * The variable header is the frame list alone (the state description
	 * is in the fixed header); GET of state that travels by value has none.
	 */
	KUNIT_EXPECT_EQ(test, last_varhead(test, HVCALL_GET_VP_STATE),
			c->type == MSHV_VP_STATE_SYNTHETIC_TIMERS ? 0 :
			c->size >> PAGE_SHIFT);
	KUNIT_EXPECT_EQ(test, last_varhead(test, HVCALL_SET_VP_STATE),
			c->type == MSHV_VP_STATE_SYNTHETIC_TIMERS ?
			DIV_ROUND_UP(c->size, 8) : c->size >> PAGE_SHIFT);

	/* Misaligned buffers and unmapped ones are refused. */
	KUNIT_EXPECT_EQ(test, vp_state(test, fd, false, c->type, &size, buf + 8),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vp_state(test, fd, false, c->type, &size, 0),
			-EFAULT);
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
}

/* Unknown types and reserved bytes are refused before any hypercall. */
static void vp_state_rejects_bad_input(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	unsigned long buf = mshv_test_mmap(test, PAGE_SIZE);
	struct mshv_get_set_vp_state args = {
		.type = MSHV_VP_STATE_LAPIC,
		.buf_sz = PAGE_SIZE,
		.buf_ptr = buf,
		.rsvd = { 1 },
	};
	unsigned int calls;
	int pt_fd, fd;
	u32 size = PAGE_SIZE;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, fd, 0);
	calls = fake->nr_calls;
	KUNIT_EXPECT_EQ(test, vp_state(test, fd, false, MSHV_VP_STATE_COUNT,
				       &size, buf), -EINVAL);
	KUNIT_EXPECT_EQ(test, vp_state(test, fd, true, 255, &size, buf), -EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, MSHV_GET_VP_STATE,
					      mshv_test_user_arg(test, &args,
								 sizeof(args))),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, MSHV_GET_VP_STATE, NULL),
			-EFAULT);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, calls);
	KUNIT_EXPECT_EQ(test, mshv_test_ioctl(fd, _IO(MSHV_IOCTL, 0x77), NULL),
			-ENOTTY);
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
}

static long translate(struct kunit *test, int fd, u64 gva, u64 flags,
		      u64 *result, u64 *gpa)
{
	unsigned long out = mshv_test_mmap(test, PAGE_SIZE);
	struct mshv_translate_gva args = {
		.gva = gva,
		.flags = flags,
		.result = out,
		.gpa = out + 8,
	};
	long ret;

	ret = mshv_test_ioctl(fd, MSHV_VP_TRANSLATE_GVA,
			      mshv_test_user_arg(test, &args, sizeof(args)));
	KUNIT_ASSERT_EQ(test, get_user(*result, (u64 __user *)out), 0);
	KUNIT_ASSERT_EQ(test, get_user(*gpa, (u64 __user *)(out + 8)), 0);
	return ret;
}

/* Translation keeps the page offset; flags outside the ABI are refused. */
static void translate_gva(struct kunit *test)
{
	unsigned long mem = mshv_test_mmap(test, PAGE_SIZE);
	int pt_fd, fd;
	u64 id, result, gpa;

	pt_fd = mshv_test_partition(test, &id);
	fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, fd, 0);
	KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, pt_fd, 0x10, PAGE_SIZE,
						   mem, BIT(MSHV_SET_MEM_BIT_WRITABLE)), 0);

	KUNIT_EXPECT_EQ(test, translate(test, fd, 0x10123, 0x1, &result, &gpa), 0);
	KUNIT_EXPECT_EQ(test, result, 0);
	KUNIT_EXPECT_EQ(test, gpa, 0x10123);
	KUNIT_EXPECT_EQ(test, translate(test, fd, 0x20000, 0x1, &result, &gpa), 0);
	KUNIT_EXPECT_NE(test, result, 0);
	KUNIT_EXPECT_EQ(test, translate(test, fd, 0x10000, BIT_ULL(11),
					&result, &gpa), -EINVAL);
	KUNIT_EXPECT_EQ(test, translate(test, fd, 0x10000, BIT_ULL(63),
					&result, &gpa), -EINVAL);
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
}

static long vp_hvcall(struct kunit *test, int fd, u16 code, u16 reps,
		      const void *in, u16 in_sz)
{
	unsigned long out = mshv_test_mmap(test, PAGE_SIZE);
	struct mshv_root_hvcall args = {
		.code = code,
		.reps = reps,
		.in_sz = in_sz,
		.out_sz = PAGE_SIZE,
		.in_ptr = (u64)(unsigned long)mshv_test_user_arg(test, in, in_sz),
		.out_ptr = out,
	};

	return mshv_test_ioctl(fd, MSHV_ROOT_HVCALL,
			       mshv_test_user_arg(test, &args, sizeof(args)));
}

/* The VP fd passes hypercalls through, but never the suspend registers. */
static void vp_root_hvcall(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct {
		struct hv_input_vp_registers_header header;
		struct hv_register_assoc regs[2];
	} __packed set = {};
	struct {
		struct hv_input_vp_registers_header header;
		u32 names[2];
	} __packed get = {};
	unsigned int sets;
	int pt_fd, fd;
	u64 id;

	pt_fd = mshv_test_partition(test, &id);
	fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, fd, 0);

	get.names[0] = HV_REGISTER_EXPLICIT_SUSPEND;
	get.names[1] = HV_REGISTER_INTERCEPT_SUSPEND;
	KUNIT_EXPECT_EQ(test, vp_hvcall(test, fd, HVCALL_GET_VP_REGISTERS, 2,
					&get, sizeof(get)), 0);

	sets = mshv_fake_hv_count_calls(fake, HVCALL_SET_VP_REGISTERS);
	set.regs[0].name = 0x00020000;	/* RAX */
	set.regs[1].name = HV_REGISTER_INTERCEPT_SUSPEND;
	KUNIT_EXPECT_EQ(test, vp_hvcall(test, fd, HVCALL_SET_VP_REGISTERS, 2,
					&set, sizeof(set)), -EINVAL);
	/* A rep the input does not cover would name the explicit suspend. */
	KUNIT_EXPECT_EQ(test, vp_hvcall(test, fd, HVCALL_SET_VP_REGISTERS, 2,
					&set, sizeof(set) - sizeof(set.regs[1])),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_SET_VP_REGISTERS),
			sets);
	KUNIT_EXPECT_EQ(test, vp_hvcall(test, fd, HVCALL_SET_VP_REGISTERS, 1,
					&set, sizeof(set) - sizeof(set.regs[1])),
			0);
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
}

/* Messages about nothing the driver knows are counted and dropped. */
static void message_for_unknown_vp_dropped(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct hv_vp_signal_bitset_scheduler_message *set;
	struct hv_vp_signal_pair_scheduler_message *pair;
	unsigned long dropped = mshv_messages_dropped_count();
	struct hv_message msg = {};
	int pt_fd, fd;
	u64 id;

	use_scheduler(test, MSHV_SCHED_ROOT);
	pt_fd = mshv_test_partition(test, &id);
	fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, fd, 0);

	/* Unknown partition; VP index out of range; VP not created. */
	msg.header.message_type = HVMSG_OPAQUE_INTERCEPT;
	msg.header.sender = id + 100;
	mshv_fake_hv_post_message(fake, &msg);
	msg.header.sender = id;
	msg.u.payload[0] = MSHV_MAX_VPS;
	mshv_fake_hv_post_message(fake, &msg);
	msg.u.payload[0] = 0xffffffff;
	mshv_fake_hv_post_message(fake, &msg);
	msg.u.payload[0] = 1;
	mshv_fake_hv_post_message(fake, &msg);

	memset(&msg, 0, sizeof(msg));
	msg.header.message_type = HVMSG_SCHEDULER_VP_SIGNAL_PAIR;
	pair = (void *)msg.u.payload;
	pair->vp_count = HV_SCHEDULER_MESSAGE_MAX_PAIRS + 1;
	mshv_fake_hv_post_message(fake, &msg);

	memset(&msg, 0, sizeof(msg));
	msg.header.message_type = HVMSG_SCHEDULER_VP_SIGNAL_BITSET;
	set = (void *)msg.u.payload;
	set->partition_id = id;
	set->format = 1;
	set->valid_bank_mask = 1;
	set->bank_contents[0] = 1;
	mshv_fake_hv_post_message(fake, &msg);
	set->format = HV_GENERIC_SET_SPARSE_4K;
	set->valid_bank_mask = ~0ULL;
	mshv_fake_hv_post_message(fake, &msg);
	set->valid_bank_mask = BIT_ULL(5);	/* VPs 320..383 */
	mshv_fake_hv_post_message(fake, &msg);

	memset(&msg, 0, sizeof(msg));
	msg.header.message_type = 0x12345678;
	mshv_fake_hv_post_message(fake, &msg);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, mshv_messages_dropped_count() - dropped, 9);

	/* A valid one is not dropped. */
	msg.header.message_type = HVMSG_OPAQUE_INTERCEPT;
	msg.header.sender = id;
	msg.u.payload[0] = 0;
	mshv_fake_hv_post_message(fake, &msg);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, mshv_messages_dropped_count() - dropped, 9);

	/* Once the partition is gone, its messages are dropped too. */
	mshv_test_close(fd);
	mshv_test_close(pt_fd);
	mshv_fake_hv_post_message(fake, &msg);
	mshv_fake_hv_flush_messages(fake);
	KUNIT_EXPECT_EQ(test, mshv_messages_dropped_count() - dropped, 10);
}

/* A hypervisor-scheduled partition's VPs are suspended at teardown. */
static void teardown_stops_vps(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_exit exit;
	struct hv_message msg;
	unsigned int sets;
	int pt_fd, fd;
	u64 id;

	use_scheduler(test, MSHV_SCHED_CORE);
	pt_fd = mshv_test_partition(test, &id);
	fd = mshv_test_create_vp(test, pt_fd, 0);
	KUNIT_ASSERT_GE(test, fd, 0);
	exit = intercept(id, 0, 51);
	script(test, id, 0, &exit);
	KUNIT_ASSERT_EQ(test, run_vp(test, fd, &msg), 0);
	/* The partition fd goes first; the VP fd still holds it. */
	mshv_test_close(pt_fd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 1);
	sets = mshv_fake_hv_count_calls(fake, HVCALL_SET_VP_REGISTERS);
	mshv_test_close(fd);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_nr_partitions(fake), 0);
	/* Suspended, then its pages unmapped. */
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_SET_VP_REGISTERS),
			sets + 1);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_UNMAP_VP_STATE_PAGE), 2);
}

static int churn_fn(void *data)
{
	struct runner *r = data;
	struct mshv_fake_exit exit;
	unsigned int i;

	kthread_use_mm(r->mm);
	allow_signal(SIGKILL);
	for (i = 0; i < r->runs; i++) {
		exit = intercept(r->id, r->index, i);
		if (mshv_fake_hv_script_vp(r->fake, r->id, r->index, &exit))
			break;
		r->ret = run_file(r->file, r->ubuf);
		if (r->ret || copy_from_user(&r->msg, r->ubuf, sizeof(r->msg)) ||
		    r->msg.u.payload[1] != i)
			break;
	}
	if (i < r->runs && !r->ret)
		r->ret = -EIO;
	runner_done(r);
	return 0;
}

/*
 * Two VPs run while a third thread creates VPs and maps and unmaps
 * memory: no deadlock, no lockdep splat, every run gets its intercept.
 */
static void concurrent_runs_and_changes(struct kunit *test)
{
	const enum mshv_scheduler *sched = test->param_value;
	unsigned long mem = mshv_test_mmap(test, 16 * PAGE_SIZE);
	struct runner *runners[2];
	int pt_fd, fds[2], i, fd;
	u64 id;

	use_scheduler(test, *sched);
	pt_fd = mshv_test_partition(test, &id);
	for (i = 0; i < 2; i++) {
		fds[i] = mshv_test_create_vp(test, pt_fd, i);
		KUNIT_ASSERT_GE(test, fds[i], 0);
	}
	for (i = 0; i < 2; i++) {
		runners[i] = runner_start_fn(test, fds[i], churn_fn, 200);
		runners[i]->fake = mshv_test_fake(test);
		runners[i]->id = id;
		runners[i]->index = i;
		wake_up_process(runners[i]->task);
	}

	for (i = 2; i < 34; i++) {
		fd = mshv_test_create_vp(test, pt_fd, i);
		KUNIT_ASSERT_GE(test, fd, 0);
		mshv_test_close(fd);
		KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, pt_fd, 0x100 + i,
							   PAGE_SIZE, mem + (i % 16) * PAGE_SIZE,
							   BIT(MSHV_SET_MEM_BIT_WRITABLE)), 0);
		KUNIT_ASSERT_EQ(test, mshv_test_set_memory(test, pt_fd, 0x100 + i,
							   PAGE_SIZE, mem + (i % 16) * PAGE_SIZE,
							   BIT(MSHV_SET_MEM_BIT_UNMAP)), 0);
	}

	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, runner_wait(test, runners[i]), 0);
		kunit_release_action(test, runner_stop, runners[i]);
		mshv_test_close(fds[i]);
	}
	mshv_test_close(pt_fd);
}

/*
 * A run that could not suspend the VP after a signal ends in an error; an
 * intercept the VP reached meanwhile is what the next run returns.
 */
static void failed_suspend_keeps_intercept(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_exit exit;
	struct hv_message msg;
	struct runner *r;
	unsigned int sets;
	int vp_fd;
	u64 id;

	use_scheduler(test, MSHV_SCHED_CORE);
	vp_fd = setup_vp_now(test, &id);
	script_block(test, id, 0);
	exit = intercept(id, 0, 61);
	script(test, id, 0, &exit);

	r = runner_start(test, vp_fd);
	wait_for_vp(test, id, 0, vp_resumed);
	fake->fail_at_call = fake->nr_calls + 1;
	fake->fail_status = HV_STATUS_INVALID_VP_STATE;
	send_sig(SIGUSR1, r->task, 0);
	KUNIT_EXPECT_EQ(test, runner_wait(test, r), -EBUSY);
	kunit_release_action(test, runner_stop, r);
	KUNIT_EXPECT_FALSE(test, fake_vp(test, id, 0).explicit_suspend);

	/* The guest goes on to its intercept with nobody waiting. */
	mshv_fake_hv_wake_vp(fake, id, 0);
	mshv_fake_hv_flush_messages(fake);
	sets = mshv_fake_hv_count_calls(fake, HVCALL_SET_VP_REGISTERS);
	KUNIT_ASSERT_EQ(test, run_vp(test, vp_fd, &msg), 0);
	expect_intercept(test, &msg, 0, 61);
	/* Returned without resuming the VP past it. */
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_SET_VP_REGISTERS),
			sets);
	mshv_test_close(vp_fd);
}

/*
 * Exit-to-user work the module cannot do itself ends a dispatch loop with
 * -EINTR before the next dispatch.
 */
static void notify_resume_ends_run(struct kunit *test)
{
	struct mshv_fake_hv *fake = mshv_test_fake(test);
	struct mshv_fake_exit exit;
	struct hv_message msg;
	unsigned int dispatches;
	int vp_fd;
	u64 id;

	use_scheduler(test, MSHV_SCHED_ROOT);
	vp_fd = setup_vp_now(test, &id);
	exit = intercept(id, 0, 71);
	script(test, id, 0, &exit);
	dispatches = mshv_fake_hv_count_calls(fake, HVCALL_DISPATCH_VP);
	set_thread_flag(TIF_NOTIFY_RESUME);
	KUNIT_EXPECT_EQ(test, run_vp(test, vp_fd, &msg), -EINTR);
	clear_thread_flag(TIF_NOTIFY_RESUME);
	KUNIT_EXPECT_EQ(test, mshv_fake_hv_count_calls(fake, HVCALL_DISPATCH_VP),
			dispatches);
	KUNIT_ASSERT_EQ(test, run_vp(test, vp_fd, &msg), 0);
	expect_intercept(test, &msg, 0, 71);
	mshv_test_close(vp_fd);
}

static struct kunit_case mshv_vp_test_cases[] = {
	KUNIT_CASE(create_vp_checks_input),
	KUNIT_CASE(create_vp_fails_at_every_call),
	KUNIT_CASE(create_vp_fails_at_every_allocation),
	KUNIT_CASE(create_vp_deposits_on_demand),
	KUNIT_CASE(create_vp_provides_pages),
	KUNIT_CASE(vp_mmap),
	KUNIT_CASE_PARAM(vp_state_round_trip, state_gen_params),
	KUNIT_CASE(vp_state_rejects_bad_input),
	KUNIT_CASE(translate_gva),
	KUNIT_CASE(vp_root_hvcall),
	KUNIT_CASE_PARAM(run_returns_intercept, sched_gen_params),
	KUNIT_CASE_PARAM(blocked_vp_woken, sched_gen_params),
	KUNIT_CASE_PARAM(signal_before_run, sched_gen_params),
	KUNIT_CASE_PARAM(signal_during_run, sched_gen_params),
	KUNIT_CASE_PARAM(intercept_races_signal, sched_gen_params),
	KUNIT_CASE_PARAM(run_copy_fault_keeps_message, sched_gen_params),
	KUNIT_CASE(message_for_unknown_vp_dropped),
	KUNIT_CASE(teardown_stops_vps),
	KUNIT_CASE(failed_suspend_keeps_intercept),
	KUNIT_CASE(notify_resume_ends_run),
	KUNIT_CASE_PARAM(concurrent_runs_and_changes, sched_gen_params),
	{}
};

static struct kunit_suite mshv_vp_suite = {
	.name = "mshv_vp",
	.init = vp_test_init,
	.test_cases = mshv_vp_test_cases,
};

kunit_test_suite(mshv_vp_suite);
