// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mshv under concurrency: guest memory changing under a running VP,
 * fds closed while a VP thread sits in MSHV_RUN_VP, interrupt and doorbell
 * plumbing changed from several threads at once, CPUs going away.
 *
 * Nothing here checks a precise outcome of a race; each test checks that
 * every ioctl returns one of the results its documentation allows, that
 * the guest keeps making progress, and that nothing hangs (the harness's
 * timeout fails a test that does).  Iteration counts are bounded so that
 * each test takes seconds, also under KASAN and lockdep.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "mshv_guest.h"

#define GUEST_MEM_SIZE		0x10000UL

/* A second region, written by the guest through DS. */
#define DATA_GPA		0x100000UL
#define DATA_SIZE		0x10000UL

#define DOORBELL_BASE		0x200000UL

/*
 * add ax, 1; mov [0], ax; jmp back: spins forever, storing a counter at
 * DS:0.  The store is the only instruction that can exit (3 bytes).
 */
static const uint8_t counter_loop[] = {
	0x05, 0x01, 0x00,	/* add ax, 1 */
	0xa3, 0x00, 0x00,	/* mov [0x0000], ax */
	0xeb, 0xf8,		/* jmp $-6 */
};

#define STORE_LEN		3

static void on_sigusr1(int sig)
{
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/**
 * struct vp_runner - a thread that keeps VP 0 running, playing the VMM
 * @vp: the VP fd
 * @thread: the thread
 * @stop: set by the test to end the thread
 * @done: set by the thread when it returns
 * @started: runs entered
 * @eintr: runs a signal ended
 * @mmio_writes: stores that hit unbacked memory (skipped over)
 * @fetch_faults: exits for code that was not mapped at the time
 * @unexpected: the type of a message the loop cannot produce, or 0
 * @error: errno of a run that failed other than with EINTR, or 0
 */
struct vp_runner {
	int vp;
	pthread_t thread;
	bool stop;
	bool done;
	unsigned long started;
	unsigned long eintr;
	unsigned long mmio_writes;
	unsigned long fetch_faults;
	uint32_t unexpected;
	int error;
};

static bool runner_stopping(struct vp_runner *r)
{
	return __atomic_load_n(&r->stop, __ATOMIC_ACQUIRE);
}

static void *vp_loop(void *arg)
{
	struct vp_runner *r = arg;
	struct mshv_hv_message msg;

	while (!runner_stopping(r)) {
		r->started++;
		if (mshv_guest_try_run(r->vp, &msg)) {
			if (errno == EINTR) {
				r->eintr++;
				continue;
			}
			r->error = errno;
			break;
		}
		switch (msg.header.message_type) {
		case HVMSG_UNMAPPED_GPA:
			if (msg.intercept.intercept_access_type !=
			    HV_INTERCEPT_ACCESS_WRITE) {
				r->fetch_faults++;
				break;
			}
			r->mmio_writes++;
			if (mshv_set_reg(r->vp, 0, HV_X64_REGISTER_RIP,
					 msg.intercept.rip + STORE_LEN, 0))
				r->error = errno;
			break;
		case HVMSG_UNRECOVERABLE_EXCEPTION:
			/* A fetch from a region unmapped this very moment. */
			r->fetch_faults++;
			break;
		default:
			r->unexpected = msg.header.message_type;
			break;
		}
		if (r->error || r->unexpected)
			break;
	}
	__atomic_store_n(&r->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static int runner_start(struct vp_runner *r, int vp)
{
	struct sigaction sa = { .sa_handler = on_sigusr1 };

	/* No SA_RESTART: a signal must bring the run back with EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	memset(r, 0, sizeof(*r));
	r->vp = vp;
	return pthread_create(&r->thread, NULL, vp_loop, r);
}

/*
 * Stop the runner: signal it until it has left MSHV_RUN_VP.  Return false
 * if it has not within @ms; the thread is then stuck in the kernel.
 */
static bool runner_stop(struct vp_runner *r, unsigned int ms)
{
	uint64_t deadline = now_ms() + ms;

	__atomic_store_n(&r->stop, true, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		if (now_ms() > deadline)
			return false;
		pthread_kill(r->thread, SIGUSR1);
		usleep(5000);
	}
	pthread_join(r->thread, NULL);
	return true;
}

static void __assert_runner_ok(struct __test_metadata *_metadata,
			       const struct vp_runner *r)
{
	ASSERT_EQ(0, r->error) TH_LOG("MSHV_RUN_VP: %s", strerror(r->error));
	ASSERT_EQ(0, r->unexpected) TH_LOG("message %#x", r->unexpected);
}

#define ASSERT_RUNNER_OK(r)	__assert_runner_ok(_metadata, r)

FIXTURE(running) {
	struct mshv_guest g;
	uint8_t *data;
};

FIXTURE_SETUP(running)
{
	if (!mshv_guest_create(&self->g, GUEST_MEM_SIZE))
		return;
	self->data = mshv_map_memory(self->g.pt, DATA_GPA >> MSHV_PAGE_SHIFT,
				     DATA_SIZE, MSHV_MEM_RWX);
	mshv_guest_load_ds(&self->g, MSHV_GUEST_CODE_GPA, counter_loop,
			   sizeof(counter_loop), DATA_GPA);
}

FIXTURE_TEARDOWN(running)
{
	mshv_guest_destroy(&self->g);
	if (self->data)
		munmap(self->data, DATA_SIZE);
}

/* Is the guest still counting into the data region? */
static bool guest_counts(const uint8_t *data)
{
	uint16_t before, after;
	int i;

	memcpy(&before, data, sizeof(before));
	for (i = 0; i < 200; i++) {
		usleep(5000);
		memcpy(&after, data, sizeof(after));
		if (after != before)
			return true;
	}
	return false;
}

/* Unmap and map back the region the guest stores into, while it does. */
TEST_F_TIMEOUT(running, remap_data_region, 60)
{
	const uint64_t gfn = DATA_GPA >> MSHV_PAGE_SHIFT;
	struct vp_runner r;
	int i;

	ASSERT_EQ(0, runner_start(&r, self->g.vp));
	ASSERT_TRUE(guest_counts(self->data));

	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, mshv_unmap_memory(self->g.pt, gfn, DATA_SIZE,
					       self->data))
			TH_LOG("unmap %d: %s", i, strerror(errno));
		if (i % 20 == 0)
			usleep(2000);
		ASSERT_EQ(0, mshv_set_memory(self->g.pt, gfn, DATA_SIZE,
					     self->data, MSHV_MEM_RWX))
			TH_LOG("map %d: %s", i, strerror(errno));
	}
	/* The guest stores to the region again, not to the VMM. */
	EXPECT_TRUE(guest_counts(self->data));

	ASSERT_TRUE(runner_stop(&r, 5000));
	ASSERT_RUNNER_OK(&r);
	EXPECT_EQ(0, r.fetch_faults);
	TH_LOG("%lu runs, %lu EINTR, %lu stores to the VMM", r.started,
	       r.eintr, r.mmio_writes);
}

/* Unmap and map back the guest's own code under it. */
TEST_F_TIMEOUT(running, remap_code_region, 60)
{
	struct vp_runner r;
	int i;

	ASSERT_EQ(0, runner_start(&r, self->g.vp));
	ASSERT_TRUE(guest_counts(self->data));

	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, mshv_unmap_memory(self->g.pt, 0, GUEST_MEM_SIZE,
					       self->g.mem))
			TH_LOG("unmap %d: %s", i, strerror(errno));
		usleep(1000);
		ASSERT_EQ(0, mshv_set_memory(self->g.pt, 0, GUEST_MEM_SIZE,
					     self->g.mem, MSHV_MEM_RWX))
			TH_LOG("map %d: %s", i, strerror(errno));
	}
	EXPECT_TRUE(guest_counts(self->data));

	ASSERT_TRUE(runner_stop(&r, 5000));
	ASSERT_RUNNER_OK(&r);
	TH_LOG("%lu runs, %lu EINTR, %lu fetch faults", r.started, r.eintr,
	       r.fetch_faults);
}

/*
 * The VMM closes the partition fd (and /dev/mshv) while its VP thread is
 * in MSHV_RUN_VP.  The VP fd keeps the partition alive: the run goes on
 * until a signal ends it, and closing the VP fd then tears everything
 * down.
 */
TEST_F_TIMEOUT(running, close_partition_while_running, 30)
{
	struct vp_runner r;

	ASSERT_EQ(0, runner_start(&r, self->g.vp));
	ASSERT_TRUE(guest_counts(self->data));

	ASSERT_EQ(0, close(self->g.pt));
	self->g.pt = -1;
	ASSERT_EQ(0, close(self->g.dev));
	self->g.dev = -1;
	/* Still running, still storing. */
	EXPECT_TRUE(guest_counts(self->data));

	ASSERT_TRUE(runner_stop(&r, 5000))
		TH_LOG("the VP thread did not leave MSHV_RUN_VP");
	ASSERT_RUNNER_OK(&r);
	ASSERT_EQ(0, close(self->g.vp));
	self->g.vp = -1;
}

/* The same with the VP fd itself closed under the run. */
TEST_F_TIMEOUT(running, close_all_while_running, 30)
{
	struct vp_runner r;

	ASSERT_EQ(0, runner_start(&r, self->g.vp));
	ASSERT_TRUE(guest_counts(self->data));

	/* The run holds its own reference: the release waits for it. */
	ASSERT_EQ(0, close(self->g.vp));
	self->g.vp = -1;
	ASSERT_EQ(0, close(self->g.pt));
	self->g.pt = -1;
	ASSERT_EQ(0, close(self->g.dev));
	self->g.dev = -1;

	ASSERT_TRUE(runner_stop(&r, 5000))
		TH_LOG("the VP thread did not leave MSHV_RUN_VP");
	/* The thread may have started one more run on the closed fd. */
	if (r.error == EBADF)
		r.error = 0;
	ASSERT_RUNNER_OK(&r);
}

#define NR_THREADS	4
#define ITERATIONS	300
#define SHARED_GSI	100

struct plumber {
	int pt;
	unsigned int id;
	int own_fd;		/* this thread's eventfd */
	int shared_fd;		/* one eventfd all threads fight over */
	int bad_errno;		/* an error no interleaving explains */
	const char *bad_op;
	unsigned long contended;
};

static int irqfd(int pt, int fd, uint32_t gsi, bool deassign)
{
	struct mshv_user_irqfd args = {
		.fd = fd,
		.resamplefd = -1,
		.gsi = gsi,
		.flags = deassign ? 1 << MSHV_IRQFD_BIT_DEASSIGN : 0,
	};

	return ioctl(pt, MSHV_IRQFD, &args);
}

static int ioeventfd(int pt, int fd, uint64_t gpa, bool deassign)
{
	struct mshv_user_ioeventfd args = {
		.addr = gpa,
		.len = 2,
		.fd = fd,
		.flags = deassign ? 1 << MSHV_IOEVENTFD_BIT_DEASSIGN : 0,
	};

	return ioctl(pt, MSHV_IOEVENTFD, &args);
}

static int set_routes(int pt, unsigned int salt)
{
	struct {
		struct mshv_user_irq_table table;
		struct mshv_user_irq_entry entries[NR_THREADS + 1];
	} routing = { .table.nr = NR_THREADS + 1 };
	unsigned int i;

	for (i = 0; i <= NR_THREADS; i++) {
		routing.entries[i].gsi = i == NR_THREADS ? SHARED_GSI : i;
		routing.entries[i].address_lo = 0xfee00000;
		routing.entries[i].data = 0x40 + (i + salt) % 0x80;
	}
	return ioctl(pt, MSHV_SET_MSI_ROUTING, &routing);
}

/* Record the first result outside @ok (0 always is). */
static void check(struct plumber *p, const char *op, int ret, int ok)
{
	if (!ret || p->bad_errno)
		return;
	if (errno == ok) {
		p->contended++;
		return;
	}
	p->bad_errno = errno;
	p->bad_op = op;
}

static void *plumb(void *arg)
{
	struct plumber *p = arg;
	const uint64_t own_gpa = DOORBELL_BASE + 0x10 * p->id;
	uint64_t one = 1;
	int i;

	for (i = 0; i < ITERATIONS && !p->bad_errno; i++) {
		check(p, "irqfd", irqfd(p->pt, p->own_fd, p->id, false), 0);
		if (write(p->own_fd, &one, sizeof(one)) != sizeof(one))
			check(p, "eventfd write", -1, 0);
		check(p, "ioeventfd", ioeventfd(p->pt, p->own_fd, own_gpa,
						false), 0);
		check(p, "shared irqfd",
		      irqfd(p->pt, p->shared_fd, SHARED_GSI, false), EBUSY);
		check(p, "shared ioeventfd",
		      ioeventfd(p->pt, p->shared_fd, DOORBELL_BASE + 0x1000,
				false), EEXIST);
		if (i % 16 == p->id)
			check(p, "routing", set_routes(p->pt, i), 0);
		check(p, "shared ioeventfd deassign",
		      ioeventfd(p->pt, p->shared_fd, DOORBELL_BASE + 0x1000,
				true), ENOENT);
		check(p, "shared irqfd deassign",
		      irqfd(p->pt, p->shared_fd, SHARED_GSI, true), ENOENT);
		check(p, "ioeventfd deassign",
		      ioeventfd(p->pt, p->own_fd, own_gpa, true), 0);
		check(p, "irqfd deassign",
		      irqfd(p->pt, p->own_fd, p->id, true), 0);
	}
	return NULL;
}

/*
 * Threads assign and deassign irqfds and ioeventfds, each its own and all
 * one shared eventfd, while routes change and the VP runs a guest that
 * stores to a doorbell address.
 */
TEST_F_TIMEOUT(running, irqfd_ioeventfd_threads, 90)
{
	struct plumber plumbers[NR_THREADS];
	pthread_t threads[NR_THREADS];
	int shared = mshv_eventfd();
	struct vp_runner r;
	unsigned long contended = 0;
	unsigned int i;

	ASSERT_EQ(0, set_routes(self->g.pt, 0));
	/* The guest stores at the shared doorbell, so that it rings. */
	mshv_guest_load_ds(&self->g, MSHV_GUEST_CODE_GPA, counter_loop,
			   sizeof(counter_loop), DOORBELL_BASE + 0x1000);
	ASSERT_EQ(0, runner_start(&r, self->g.vp));

	for (i = 0; i < NR_THREADS; i++) {
		plumbers[i] = (struct plumber) {
			.pt = self->g.pt,
			.id = i,
			.own_fd = mshv_eventfd(),
			.shared_fd = shared,
		};
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, plumb,
					    &plumbers[i]));
	}
	for (i = 0; i < NR_THREADS; i++)
		pthread_join(threads[i], NULL);
	ASSERT_TRUE(runner_stop(&r, 5000));
	ASSERT_RUNNER_OK(&r);

	for (i = 0; i < NR_THREADS; i++) {
		EXPECT_EQ(0, plumbers[i].bad_errno)
			TH_LOG("thread %u: %s: %s", i, plumbers[i].bad_op,
			       strerror(plumbers[i].bad_errno));
		contended += plumbers[i].contended;
		close(plumbers[i].own_fd);
	}
	/* All deassigned: nothing is left to deassign. */
	EXPECT_EQ(-1, irqfd(self->g.pt, shared, SHARED_GSI, true));
	EXPECT_EQ(-1, ioeventfd(self->g.pt, shared, DOORBELL_BASE + 0x1000,
				true));
	close(shared);
	TH_LOG("%lu contended calls, %lu guest stores to the VMM", contended,
	       r.mmio_writes);
}

#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"

static int set_cpu1(bool online)
{
	int fd = open(CPU1_ONLINE, O_WRONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = write(fd, online ? "1" : "0", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

/* CPUs going offline and back while a VP runs (needs CPU hotplug). */
TEST_F_TIMEOUT(running, cpu_offline_online, 60)
{
	struct vp_runner r;
	int i;

	if (access(CPU1_ONLINE, W_OK) || set_cpu1(true))
		SKIP(return, CPU1_ONLINE " is not writable");

	ASSERT_EQ(0, runner_start(&r, self->g.vp));
	ASSERT_TRUE(guest_counts(self->data));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, set_cpu1(false))
			TH_LOG("offline cpu1: %s", strerror(errno));
		EXPECT_TRUE(guest_counts(self->data));
		ASSERT_EQ(0, set_cpu1(true))
			TH_LOG("online cpu1: %s", strerror(errno));
		EXPECT_TRUE(guest_counts(self->data));
	}
	ASSERT_TRUE(runner_stop(&r, 5000));
	ASSERT_RUNNER_OK(&r);
}

TEST_HARNESS_MAIN
