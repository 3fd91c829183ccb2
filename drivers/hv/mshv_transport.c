// SPDX-License-Identifier: GPL-2.0-only
/*
 * The transport seam: the one place where mshv_root's hypercalls leave the
 * driver.  Production uses the kernel's hypercall page; tests install the
 * fake hypervisor with mshv_transport_set().
 *
 * The seam is an ops pointer rather than KUnit static stubs because
 * hypercalls are issued from every context (ioctl, workqueue, irqfd wakeup,
 * interrupt), where a stub's per-test lookup is not available.
 */

#include <linux/gfp.h>
#include <linux/percpu.h>
#include <kunit/visibility.h>
#include <asm/mshyperv.h>

#include "mshv_root.h"

/*
 * Linux 6.12 allocates a per-CPU hypercall output page only when it runs as
 * the root partition.  An L1 virtual host needs one too, so the driver owns
 * the output pages there.
 */
static void * __percpu *mshv_own_output_pages;

static u64 mshv_hv_hypercall(u64 control, void *input, void *output)
{
	return hv_do_hypercall(control, input, output);
}

static u64 mshv_hv_fast_hypercall8(u64 control, u64 input)
{
	return _hv_do_fast_hypercall8(control, input);
}

static u64 mshv_hv_fast_hypercall16(u64 control, u64 input1, u64 input2)
{
	return _hv_do_fast_hypercall16(control, input1, input2);
}

static void *mshv_hv_input_page(void)
{
	return *this_cpu_ptr(hyperv_pcpu_input_arg);
}

static void *mshv_hv_output_page(void)
{
	if (mshv_own_output_pages)
		return *this_cpu_ptr(mshv_own_output_pages);
	return *this_cpu_ptr(hyperv_pcpu_output_arg);
}

static u64 mshv_hv_synic_read(unsigned int reg)
{
	return hv_get_non_nested_msr(reg);
}

static void mshv_hv_synic_write(unsigned int reg, u64 value)
{
	hv_set_non_nested_msr(reg, value);
}

static const struct mshv_transport mshv_hv_transport = {
	.name = "hyper-v",
	.hypercall = mshv_hv_hypercall,
	.fast_hypercall8 = mshv_hv_fast_hypercall8,
	.fast_hypercall16 = mshv_hv_fast_hypercall16,
	.input_page = mshv_hv_input_page,
	.output_page = mshv_hv_output_page,
	.synic_read = mshv_hv_synic_read,
	.synic_write = mshv_hv_synic_write,
};

const struct mshv_transport *mshv_transport = &mshv_hv_transport;
EXPORT_SYMBOL_IF_KUNIT(mshv_transport);

/**
 * mshv_transport_set() - route hypercalls through another transport
 * @t: the transport to use from now on
 *
 * For the fake hypervisor: KUnit suites and the test-only backend.  The
 * caller makes sure no hypercall and no message is in flight.
 *
 * Context: Process context.
 * Return: The transport that was in use before.
 */
const struct mshv_transport *mshv_transport_set(const struct mshv_transport *t)
{
	return xchg(&mshv_transport, t);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_transport_set);

static void mshv_free_own_output_pages(void)
{
	int cpu;

	if (!mshv_own_output_pages)
		return;
	for_each_possible_cpu(cpu)
		free_page((unsigned long)*per_cpu_ptr(mshv_own_output_pages, cpu));
	free_percpu(mshv_own_output_pages);
	mshv_own_output_pages = NULL;
}

/**
 * mshv_transport_init() - make the production transport usable
 *
 * Allocates per-CPU hypercall output pages where the kernel did not.
 *
 * Context: Process context, module init.
 * Return: 0, or -ENOMEM.
 */
int mshv_transport_init(void)
{
	int cpu;

	if (hyperv_pcpu_output_arg)
		return 0;

	mshv_own_output_pages = alloc_percpu(void *);
	if (!mshv_own_output_pages)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		void *page = (void *)get_zeroed_page(GFP_KERNEL);

		if (!page) {
			mshv_free_own_output_pages();
			return -ENOMEM;
		}
		*per_cpu_ptr(mshv_own_output_pages, cpu) = page;
	}
	return 0;
}

/**
 * mshv_transport_exit() - release what mshv_transport_init() allocated
 *
 * Context: Process context, module exit, with no hypercall in flight.
 */
void mshv_transport_exit(void)
{
	mshv_free_own_output_pages();
}
