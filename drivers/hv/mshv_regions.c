// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory regions of a partition: pinning the VMM's memory, describing
 * it compactly, and mapping it into the guest with the fewest hypercalls.
 *
 * A region remembers its backing as extents: runs of physically contiguous
 * frames, each packed in one u64 and tagged with how it is mapped (4 KiB
 * frames or 2 MiB large pages).  That is all unpinning and unmapping need,
 * so a region backed by 2 MiB folios costs at most 8 bytes per 2 MiB, and
 * a 4 KiB-backed one at most 8 bytes per frame, less where the page
 * allocator handed out contiguous runs.
 *
 * Regions sit in an interval tree keyed by guest frame, so that overlap
 * checks, unmap and intercept handling find them in O(log n).
 */

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/printk.h>
#include <linux/interval_tree.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "mshv_root.h"

/*
 * Extent encoding: first frame, number of frames - 1, mapped as large.
 * x86_64 physical addresses have at most 52 bits: frames fit in 40.
 */
#define MSHV_EXT_PFN		GENMASK_ULL(39, 0)
#define MSHV_EXT_FRAMES		GENMASK_ULL(62, 40)
#define MSHV_EXT_LARGE		BIT_ULL(63)
#define MSHV_EXT_MAX_FRAMES	(FIELD_MAX(MSHV_EXT_FRAMES) + 1)

static inline u64 ext_pfn(u64 ext)
{
	return FIELD_GET(MSHV_EXT_PFN, ext);
}

static inline u64 ext_frames(u64 ext)
{
	return FIELD_GET(MSHV_EXT_FRAMES, ext) + 1;
}

static inline bool ext_large(u64 ext)
{
	return ext & MSHV_EXT_LARGE;
}

static inline u64 ext_make(u64 pfn, u64 frames, bool large)
{
	return FIELD_PREP(MSHV_EXT_PFN, pfn) |
	       FIELD_PREP(MSHV_EXT_FRAMES, frames - 1) |
	       (large ? MSHV_EXT_LARGE : 0);
}

/* A growing list of extents, while a region is being built. */
struct mshv_extents {
	u64 *ext;
	u32 nr;
	u32 cap;
};

static int ext_reserve(struct mshv_extents *x, u32 more)
{
	u32 cap;
	u64 *ext;

	if (x->cap - x->nr >= more)
		return 0;
	if (check_add_overflow(x->nr, more, &cap))
		return -ENOMEM;
	cap = max3(cap, 2 * x->cap, 64U);
	ext = mshv_alloc(kvrealloc(x->ext, array_size(cap, sizeof(u64)),
				   GFP_KERNEL_ACCOUNT));
	if (!ext)
		return -ENOMEM;
	x->ext = ext;
	x->cap = cap;
	return 0;
}

/* Append a run; the caller reserved room for it. */
static void ext_append(struct mshv_extents *x, u64 pfn, u64 frames, bool large)
{
	if (x->nr) {
		u64 last = x->ext[x->nr - 1];

		if (ext_large(last) == large &&
		    ext_pfn(last) + ext_frames(last) == pfn &&
		    ext_frames(last) + frames <= MSHV_EXT_MAX_FRAMES) {
			x->ext[x->nr - 1] = ext_make(ext_pfn(last),
						     ext_frames(last) + frames,
						     large);
			return;
		}
	}
	x->ext[x->nr++] = ext_make(pfn, frames, large);
}

static void mshv_unpin_extents(const u64 *ext, u32 nr, bool dirty)
{
	u32 i;

	for (i = 0; i < nr; i++)
		unpin_user_page_range_dirty_lock(pfn_to_page(ext_pfn(ext[i])),
						 ext_frames(ext[i]), dirty);
}

/*
 * A batch of pinned pages can be mapped as one 2 MiB page when it is a
 * whole, aligned 2 MiB of one large folio.  (The guest frame is aligned by
 * construction of the batches.)
 */
static bool mshv_pages_form_large_page(struct page **pages, unsigned int nr)
{
	unsigned long pfn = page_to_pfn(pages[0]);
	struct folio *folio = page_folio(pages[0]);
	unsigned int i;

	if (nr != HV_LARGE_PAGE_FRAMES || !IS_ALIGNED(pfn, HV_LARGE_PAGE_FRAMES))
		return false;
	if (folio_pfn(folio) > pfn ||
	    folio_pfn(folio) + folio_nr_pages(folio) < pfn + nr)
		return false;
	for (i = 1; i < nr; i++)
		if (page_to_pfn(pages[i]) != pfn + i)
			return false;
	return true;
}

/*
 * Pin the VMM memory behind a region.  Batches end on 2 MiB guest
 * boundaries, so that a full batch of one large folio becomes one large
 * extent.  A partial pin is an error: what was pinned is unpinned.
 */
static int mshv_pin_ram(struct mshv_extents *x, u64 gfn, u64 uaddr,
			u64 nr_frames, bool writable)
{
	unsigned int gup_flags = FOLL_LONGTERM | (writable ? FOLL_WRITE : 0);
	struct page **pages;
	u64 done = 0;
	int ret = 0;

	static_assert(HV_LARGE_PAGE_FRAMES * sizeof(struct page *) <= PAGE_SIZE);
	pages = mshv_alloc((struct page **)__get_free_page(GFP_KERNEL));
	if (!pages)
		return -ENOMEM;

	while (done < nr_frames) {
		unsigned int nr = min_t(u64, nr_frames - done,
					HV_LARGE_PAGE_FRAMES -
					((gfn + done) & (HV_LARGE_PAGE_FRAMES - 1)));
		unsigned int i;
		int pinned;

		ret = ext_reserve(x, nr);
		if (ret)
			break;
		pinned = pin_user_pages_fast(uaddr + done * PAGE_SIZE, nr,
					     gup_flags, pages);
		if (pinned != nr) {
			if (pinned > 0)
				unpin_user_pages(pages, pinned);
			ret = pinned < 0 ? pinned : -EFAULT;
			break;
		}
		if (mshv_pages_form_large_page(pages, nr)) {
			ext_append(x, page_to_pfn(pages[0]), nr, true);
		} else {
			for (i = 0; i < nr; i++)
				ext_append(x, page_to_pfn(pages[i]), 1, false);
		}
		done += nr;
		cond_resched();
	}

	free_page((unsigned long)pages);
	if (ret) {
		mshv_unpin_extents(x->ext, x->nr, false);
		x->nr = 0;
	}
	return ret;
}

/*
 * MMIO behind a VM_PFNMAP mapping has no struct page to pin: record the
 * frames as they are mapped now, faulting in what is not mapped yet.  RAM
 * must come in through mshv_pin_ram(), never here, or the guest would
 * reach host memory nobody pinned.
 */
static int mshv_collect_mmio(struct mshv_extents *x, struct vm_area_struct *vma,
			     u64 uaddr, u64 nr_frames, bool writable)
{
	u64 i;
	int ret;

	for (i = 0; i < nr_frames; i++) {
		struct follow_pfnmap_args args = {
			.vma = vma,
			.address = uaddr + i * PAGE_SIZE,
		};
		unsigned long pfn;

		ret = ext_reserve(x, 1);
		if (ret)
			return ret;
		/*
		 * Device mappings (VFIO BARs among them) are often filled on
		 * first touch: fault the frame in, without letting the fault
		 * drop mmap_lock, so that @vma stays valid.
		 */
		if (follow_pfnmap_start(&args) &&
		    (fixup_user_fault(vma->vm_mm, args.address,
				      writable ? FAULT_FLAG_WRITE : 0, NULL) ||
		     follow_pfnmap_start(&args)))
			return -EFAULT;
		pfn = args.pfn;
		/* The guest may write only where the VMM may. */
		if (writable && !args.writable) {
			follow_pfnmap_end(&args);
			return -EPERM;
		}
		follow_pfnmap_end(&args);
		if (page_is_ram(pfn))
			return -EINVAL;
		ext_append(x, pfn, 1, false);
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/* Collects map entries and issues one MAP_GPA_PAGES per full input page. */
struct mshv_mapper {
	u64 partition_id;
	u64 gfn;
	u32 base_flags;
	u32 flags;
	u16 nr;
	u64 *buf;
	u64 frames_done;
};

static unsigned int mshv_flags_shift(u32 flags)
{
	return flags & HV_MAP_GPA_LARGE_PAGE ? HV_LARGE_PAGE_SHIFT : 0;
}

static int mshv_mapper_flush(struct mshv_mapper *m)
{
	unsigned int shift = mshv_flags_shift(m->flags);
	unsigned long mapped = 0;
	int ret;

	if (!m->nr)
		return 0;
	ret = hv_call_map_gpa_pages(m->partition_id, m->gfn, m->buf, m->nr,
				    m->flags, &mapped);
	m->frames_done += (u64)mapped << shift;
	m->gfn += (u64)m->nr << shift;
	m->nr = 0;
	return ret;
}

static int mshv_mapper_add(struct mshv_mapper *m, u64 pfn, bool large)
{
	u32 flags = m->base_flags | (large ? HV_MAP_GPA_LARGE_PAGE : 0);
	int ret;

	if (m->nr && (m->nr == HV_MAP_GPA_BATCH_SIZE || flags != m->flags)) {
		ret = mshv_mapper_flush(m);
		if (ret)
			return ret;
	}
	m->flags = flags;
	m->buf[m->nr++] = pfn;
	return 0;
}

static int mshv_unmap_run(struct mshv_partition *pt, u64 gfn, u64 frames,
			  bool large)
{
	if (large)
		return hv_call_unmap_gpa_pages(pt->id, gfn,
					       frames >> HV_LARGE_PAGE_SHIFT,
					       HV_UNMAP_GPA_LARGE_PAGE);
	return hv_call_unmap_gpa_pages(pt->id, gfn, frames, 0);
}

/*
 * Unmap the first @frames guest frames of @region, one call sequence per
 * run of extents of one kind.  Mapping proceeds in guest order, so after a
 * failed map this undoes exactly what was mapped.  Every run is attempted;
 * the first error is returned.
 */
static int mshv_region_unmap_frames(struct mshv_partition *pt,
				    const struct mshv_region *region, u64 frames)
{
	u64 run_gfn = region->node.start, run = 0;
	bool run_large = false;
	int ret = 0, err;
	u32 i;

	for (i = 0; i < region->nr_extents && frames; i++) {
		u64 ext = region->extents[i];
		u64 n = min(ext_frames(ext), frames);

		if (run && ext_large(ext) != run_large) {
			err = mshv_unmap_run(pt, run_gfn, run, run_large);
			if (!ret)
				ret = err;
			run_gfn += run;
			run = 0;
		}
		run_large = ext_large(ext);
		run += n;
		frames -= n;
	}
	if (run) {
		err = mshv_unmap_run(pt, run_gfn, run, run_large);
		if (!ret)
			ret = err;
	}
	return ret;
}

/*
 * Map @region.  On failure, unmap what was mapped; *@undone tells whether
 * that worked, for frames the hypervisor still maps must stay pinned.
 */
static int mshv_region_map(struct mshv_partition *pt, struct mshv_region *region,
			   bool *undone)
{
	struct mshv_mapper m = {
		.partition_id = pt->id,
		.gfn = region->node.start,
		.base_flags = region->hv_flags,
	};
	u32 i;
	int ret = 0;

	*undone = true;
	m.buf = mshv_alloc((u64 *)__get_free_page(GFP_KERNEL));
	if (!m.buf)
		return -ENOMEM;

	for (i = 0; i < region->nr_extents && !ret; i++) {
		u64 ext = region->extents[i], k;
		bool large = ext_large(ext);
		u64 step = large ? HV_LARGE_PAGE_FRAMES : 1;

		for (k = 0; k < ext_frames(ext) && !ret; k += step)
			ret = mshv_mapper_add(&m, ext_pfn(ext) + k, large);
	}
	if (!ret)
		ret = mshv_mapper_flush(&m);
	free_page((unsigned long)m.buf);

	*undone = !ret || !m.frames_done ||
		  !mshv_region_unmap_frames(pt, region, m.frames_done);
	return ret;
}

static struct mshv_region *mshv_region_first(struct mshv_partition *pt,
					     u64 first, u64 last)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&pt->regions, first, last);
	return node ? container_of(node, struct mshv_region, node) : NULL;
}

/**
 * mshv_partition_region_at() - the region that holds a guest frame
 * @pt: the partition
 * @gfn: guest frame
 *
 * Context: Caller holds @pt->mutex.
 * Return: The region, or NULL.
 */
struct mshv_region *mshv_partition_region_at(struct mshv_partition *pt, u64 gfn)
{
	lockdep_assert_held(&pt->mutex);
	return mshv_region_first(pt, gfn, gfn);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_partition_region_at);

/**
 * mshv_region_meta_bytes() - memory a region's description takes
 * @region: the region
 *
 * Context: Any context.
 * Return: Bytes allocated for @region.
 */
size_t mshv_region_meta_bytes(const struct mshv_region *region)
{
	return struct_size(region, extents, region->nr_extents);
}
EXPORT_SYMBOL_IF_KUNIT(mshv_region_meta_bytes);

static void mshv_region_free(struct mshv_region *region, bool unpin)
{
	if (unpin && !region->mmio)
		mshv_unpin_extents(region->extents, region->nr_extents,
				   region->hv_flags & HV_MAP_GPA_WRITABLE);
	kvfree(region);
}

static u32 mshv_map_flags(u8 user_flags, bool mmio)
{
	u32 flags = HV_MAP_GPA_READABLE;

	if (user_flags & BIT(MSHV_SET_MEM_BIT_WRITABLE))
		flags |= HV_MAP_GPA_WRITABLE;
	if (user_flags & BIT(MSHV_SET_MEM_BIT_EXECUTABLE))
		flags |= HV_MAP_GPA_EXECUTABLE;
	if (mmio)
		flags |= HV_MAP_GPA_NOT_CACHED;
	return flags;
}

/*
 * Look at the VMM mapping and collect the frames behind it: pinned RAM, or
 * the MMIO frames of a VM_PFNMAP mapping.
 */
static int mshv_collect_backing(struct mshv_extents *x, u64 gfn, u64 uaddr,
				u64 nr_frames, bool *writable, bool *mmio)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	int ret;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, uaddr);
	if (!vma) {
		mmap_read_unlock(mm);
		return -EFAULT;
	}
	*mmio = vma->vm_flags & VM_PFNMAP;
	if (*mmio) {
		if (uaddr + nr_frames * PAGE_SIZE > vma->vm_end)
			ret = -EINVAL;
		else
			ret = mshv_collect_mmio(x, vma, uaddr, nr_frames, *writable);
		mmap_read_unlock(mm);
		return ret;
	}
	/*
	 * Pin for writing wherever the VMM can write, even for a read-only
	 * guest mapping: a read pin of untouched memory would pin the shared
	 * zero page, and the VMM's later writes would not reach the guest.
	 */
	*writable |= vma->vm_flags & VM_WRITE;
	mmap_read_unlock(mm);

	return mshv_pin_ram(x, gfn, uaddr, nr_frames, *writable);
}

/**
 * mshv_partition_map_region() - back guest frames with VMM memory
 * @pt: the partition
 * @gfn: first guest frame
 * @nr_frames: number of frames, at least 1; @gfn + @nr_frames does not wrap
 * @uaddr: page-aligned VMM address of the backing memory
 * @user_flags: MSHV_SET_MEM_BIT_* (without UNMAP)
 *
 * Pins the memory (or, for a VM_PFNMAP mapping, records its MMIO frames,
 * mapped uncached), maps it with large pages where possible, and records
 * the region.  On failure nothing stays mapped, pinned or allocated, with
 * one exception: if the hypervisor refuses to unmap what it already
 * mapped, the region is kept, pinned, until an unmap or the release.
 *
 * Context: Process context of the VMM; takes @pt->mutex.
 * Return: 0; -EEXIST if the frames overlap a region; -EFAULT for memory
 * that is not mapped or cannot be pinned; -EPERM for a writable region on
 * read-only MMIO; -EINVAL for RAM behind an MMIO mapping; -EINTR; -ENOMEM;
 * or the errno of a failed hypercall.
 */
int mshv_partition_map_region(struct mshv_partition *pt, u64 gfn,
			      u64 nr_frames, u64 uaddr, u8 user_flags)
{
	bool writable = user_flags & BIT(MSHV_SET_MEM_BIT_WRITABLE);
	u64 last = gfn + nr_frames - 1;
	bool pin_writable = writable;
	struct mshv_extents x = {};
	struct mshv_region *region;
	bool mmio = false, undone;
	int ret;

	ret = mutex_lock_killable(&pt->mutex);
	if (ret)
		return ret;
	if (mshv_region_first(pt, gfn, last)) {
		ret = -EEXIST;
		goto unlock;
	}

	ret = mshv_collect_backing(&x, gfn, uaddr, nr_frames, &pin_writable, &mmio);
	if (ret)
		goto free_extents;

	region = mshv_alloc(kvmalloc(struct_size(region, extents, x.nr),
				     GFP_KERNEL_ACCOUNT | __GFP_NOWARN));
	if (!region) {
		ret = -ENOMEM;
		goto unpin;
	}
	region->node.start = gfn;
	region->node.last = last;
	region->uaddr = uaddr;
	region->hv_flags = mshv_map_flags(user_flags, mmio);
	region->mmio = mmio;
	region->nr_extents = x.nr;
	memcpy(region->extents, x.ext, x.nr * sizeof(u64));

	ret = mshv_region_map(pt, region, &undone);
	if (ret && !undone) {
		/*
		 * Part of it stays mapped: keep the region, pinned, as a
		 * failed unmap does.  An unmap or the partition's release
		 * removes it later.
		 */
		pr_err_ratelimited("mshv: partition %llu: undoing a failed map failed\n",
				   pt->id);
	} else if (ret) {
		kvfree(region);
		goto unpin;
	}
	interval_tree_insert(&region->node, &pt->regions);
	pt->nr_regions++;
	kvfree(x.ext);
	mutex_unlock(&pt->mutex);
	return ret;

unpin:
	if (!mmio)
		mshv_unpin_extents(x.ext, x.nr, false);
free_extents:
	kvfree(x.ext);
unlock:
	mutex_unlock(&pt->mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_partition_map_region);

/**
 * mshv_partition_unmap_region() - remove a region
 * @pt: the partition
 * @gfn: first guest frame of the region
 * @nr_frames: its number of frames
 * @uaddr: its VMM address
 *
 * Only a region that matches all three exactly is removed.  If the
 * hypervisor fails to unmap it, the region stays, pinned, so that no
 * frame the guest can still reach is ever released.
 *
 * Context: Process context; takes @pt->mutex.
 * Return: 0, -ENOENT if no region matches, -EINTR, or the errno of the
 * hypercall.
 */
int mshv_partition_unmap_region(struct mshv_partition *pt, u64 gfn,
				u64 nr_frames, u64 uaddr)
{
	struct mshv_region *region;
	int ret;

	ret = mutex_lock_killable(&pt->mutex);
	if (ret)
		return ret;
	region = mshv_region_first(pt, gfn, gfn);
	if (!region || region->node.start != gfn ||
	    region->node.last - region->node.start + 1 != nr_frames ||
	    region->uaddr != uaddr) {
		ret = -ENOENT;
		goto unlock;
	}
	ret = mshv_region_unmap_frames(pt, region, nr_frames);
	if (ret)
		goto unlock;
	interval_tree_remove(&region->node, &pt->regions);
	pt->nr_regions--;
	mshv_region_free(region, true);
unlock:
	mutex_unlock(&pt->mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_partition_unmap_region);

/**
 * mshv_partition_unmap_all() - unmap every region, keeping them pinned
 * @pt: the partition, finalized, with no other user left
 *
 * Lets the hypervisor free the page tables behind the mappings, so that
 * withdrawing the partition's memory gets all of it back.  Failures are
 * ignored: the delete drops what is left, and the memory stays pinned
 * until then.
 *
 * Context: Process context.
 */
void mshv_partition_unmap_all(struct mshv_partition *pt)
{
	struct interval_tree_node *node;

	for (node = interval_tree_iter_first(&pt->regions, 0, ULONG_MAX); node;
	     node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		struct mshv_region *region = container_of(node, struct mshv_region,
							  node);

		mshv_region_unmap_frames(pt, region, node->last - node->start + 1);
	}
}

/**
 * mshv_partition_free_regions() - forget every region of a dead partition
 * @pt: the partition, deleted in the hypervisor (or never mapped)
 * @unpin: release the pinned memory; false leaks it on purpose, for a
 *	partition the hypervisor failed to delete and may still map
 *
 * Context: Process context, with no other user of @pt left.
 */
void mshv_partition_free_regions(struct mshv_partition *pt, bool unpin)
{
	struct mshv_region *region;

	while ((region = mshv_region_first(pt, 0, ULONG_MAX))) {
		interval_tree_remove(&region->node, &pt->regions);
		pt->nr_regions--;
		mshv_region_free(region, unpin);
	}
}

/* Guest frames per chunk of an access bitmap: 4 KiB of bitmap. */
#define MSHV_ACCESS_CHUNK_FRAMES	(PAGE_SIZE * BITS_PER_BYTE)

/**
 * mshv_partition_access_bitmap() - read accessed or dirty bits of frames
 * @pt: the partition
 * @gfn: first guest frame
 * @count: number of frames, at least 1, without wrap
 * @hv_flags: HV_GPA_ACCESS_* operation to apply once read
 * @state_bit: HV_GPA_ACCESS_STATE_ACCESSED or _DIRTY
 * @ubitmap: user buffer of DIV_ROUND_UP(@count, 8) bytes
 *
 * Works in chunks, so that memory use does not grow with the guest.
 *
 * Context: Process context of the VMM.
 * Return: 0, -ENOMEM, -EFAULT, or the errno of the hypercall.
 */
int mshv_partition_access_bitmap(struct mshv_partition *pt, u64 gfn, u64 count,
				 u64 hv_flags, u8 state_bit, void __user *ubitmap)
{
	unsigned long *bitmap;
	u64 off;
	u8 *states;
	int ret = 0;

	states = mshv_alloc(kvmalloc(MSHV_ACCESS_CHUNK_FRAMES, GFP_KERNEL));
	bitmap = mshv_alloc(bitmap_zalloc(MSHV_ACCESS_CHUNK_FRAMES, GFP_KERNEL));
	if (!states || !bitmap) {
		ret = -ENOMEM;
		goto out;
	}

	for (off = 0; off < count; off += MSHV_ACCESS_CHUNK_FRAMES) {
		u64 n = min_t(u64, count - off, MSHV_ACCESS_CHUNK_FRAMES);
		u64 i;

		/*
		 * Before the hypercall, not after: a chunk whose bits were
		 * cleared must reach the VMM, or a migration loses them.
		 */
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		ret = hv_call_get_gpa_access_states(pt->id, gfn + off, n,
						    hv_flags, states);
		if (ret)
			break;
		bitmap_zero(bitmap, MSHV_ACCESS_CHUNK_FRAMES);
		for (i = 0; i < n; i++)
			if (states[i] & state_bit)
				__set_bit(i, bitmap);
		/* x86_64 is little-endian: bit i lives in byte i / 8. */
		if (copy_to_user(ubitmap + off / BITS_PER_BYTE, bitmap,
				 DIV_ROUND_UP(n, BITS_PER_BYTE))) {
			ret = -EFAULT;
			break;
		}
		cond_resched();
	}
out:
	bitmap_free(bitmap);
	kvfree(states);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(mshv_partition_access_bitmap);
