// SPDX-License-Identifier: GPL-2.0
/*
 * cma-sticky: CMA regions served by the buddy allocator.  The design, the
 * guarantees and the balance against upstream's MIGRATE_CMA rule are in
 * Documentation/mm/cma_sticky.rst; in short:
 *
 * An exclusive region (MIGRATE_MOVABLE_EXCLUSIVE) keeps its free pages on a
 * free_area of its own, off the zone's lists and counters.  cma_alloc() on
 * it is __rmqueue_smallest() on that free_area; every free path of its pages
 * ends in __cma_region_free_pages() through the screen in free_one_page().
 *
 * A sticky region (MIGRATE_MOVABLE_STICKY) keeps its free pages on the
 * zone's lists, for movable allocations only, which take them first.
 * cma_alloc() on it takes a free range straight off the zone's lists, or
 * vacates one with alloc_contig_range(MIGRATE_MOVABLE_STICKY).
 *
 * A region switches between the two modes at run time (cma_region_set_mode(),
 * /sys/kernel/mm/cma/<area>/mode).
 *
 * The area's existing bitmap records what the region handed out, so that a
 * release of pages it did not hand out is refused instead of corrupting the
 * free lists.
 */
#define pr_fmt(fmt) "cma_region: " fmt

#include <kunit/static_stub.h>
#include <linux/bitmap.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/cma.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/page-isolation.h>
#include <linux/seq_file.h>
#include <linux/vmstat.h>
#include <trace/events/cma.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/swap.h>
#include <linux/sysfs.h>

#include "internal.h"
#include "cma.h"
#include "page_alloc_cma.h"

DEFINE_STATIC_KEY_FALSE(cma_region_exclusive_key);
DEFINE_STATIC_KEY_FALSE(cma_region_sticky_key);

static const char * const mode_names[] = {
	[CMA_REGION_NONE] = "cma",
	[CMA_REGION_STICKY] = "sticky",
	[CMA_REGION_EXCLUSIVE] = "exclusive",
};

/**
 * cma_region_mode() - how a CMA area is managed
 * @cma: the CMA area
 *
 * Return: CMA_REGION_EXCLUSIVE or CMA_REGION_STICKY for an area declared so,
 * CMA_REGION_NONE for a MIGRATE_CMA area (or a NULL @cma).
 */
enum cma_region_mode cma_region_mode(const struct cma *cma)
{
	return cma ? cma->region_mode : CMA_REGION_NONE;
}
EXPORT_SYMBOL_GPL(cma_region_mode);

/* The region that owns @pfn, or NULL.  A handful of areas at most. */
struct cma_region *cma_region_of_pfn(unsigned long pfn)
{
	unsigned int i;

	for (i = 0; i < cma_area_count; i++) {
		struct cma_region *region = READ_ONCE(cma_areas[i].region);

		if (region && pfn >= region->base_pfn && pfn < region->end_pfn)
			return region;
	}
	return NULL;
}

/**
 * cma_region_account_sticky() - count free sticky pages where the lists change
 * @zone: the zone whose MIGRATE_MOVABLE_STICKY lists gained or lost pages
 * @page: a page of the block that moved; buddy blocks never straddle a
 *	region's edge (regions are MAX_PAGE_ORDER aligned and sized)
 * @nr_pages: pages added (positive) or removed (negative)
 *
 * Keeps @zone's and the owning region's free sticky counts, so that reading
 * them costs nothing and the allocator's sticky screen can pass over a zone
 * without sticky pages.  Context: @zone->lock held.
 */
void cma_region_account_sticky(struct zone *zone, struct page *page,
			       int nr_pages)
{
	struct cma_region *region = cma_region_of_pfn(page_to_pfn(page));

	lockdep_assert_held(&zone->lock);
	WRITE_ONCE(zone->nr_free_sticky, zone->nr_free_sticky + nr_pages);
	if (WARN_ONCE(!region, "cma_region: sticky pfn %lu outside any region\n",
		      page_to_pfn(page)))
		return;
	WRITE_ONCE(region->nr_free_sticky, region->nr_free_sticky + nr_pages);
}

/* Free pages of a sticky region: those on its zone's sticky lists. */
static unsigned long sticky_nr_free(struct cma_region *region)
{
	return READ_ONCE(region->nr_free_sticky);
}

/**
 * cma_region_free_area() - the free lists of the region that owns a pfn
 * @pfn: a pfn of an exclusive pageblock
 *
 * For the buddy code, which frees every page of an exclusive pageblock to
 * its region's lists whoever calls it.  Context: zone->lock held.
 *
 * Return: the region's free_area, or NULL (with a warning; the page is then
 * not freed) if no region owns @pfn, which would be a bug.
 */
struct free_area *cma_region_free_area(unsigned long pfn)
{
	struct cma_region *region = cma_region_of_pfn(pfn);

	if (WARN_ONCE(!region,
		      "cma_region: pfn %lu: exclusive block outside any region, not freed\n",
		      pfn))
		return NULL;
	return region->free_area;
}

/**
 * cma_region_nr_free() - free pages of a region
 * @region: the region
 *
 * Return: the number of free pages the region holds right now: on its own
 * free_area when exclusive, on the zone's free lists when sticky.
 */
unsigned long cma_region_nr_free(struct cma_region *region)
{
	unsigned long flags, nr = 0;
	unsigned int order;

	if (cma_region_mode(region->cma) == CMA_REGION_STICKY)
		return sticky_nr_free(region);

	spin_lock_irqsave(&region->zone->lock, flags);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		nr += region->free_area[order].nr_free << order;
	spin_unlock_irqrestore(&region->zone->lock, flags);
	return nr;
}

/**
 * cma_region_totals() - pages in all regions of a mode, for /proc/meminfo
 * @mode: the regions to count
 * @total: where to store their size in pages
 * @free: where to store their free pages
 */
void cma_region_totals(enum cma_region_mode mode, unsigned long *total,
		       unsigned long *free)
{
	unsigned int i;

	*total = *free = 0;
	for (i = 0; i < cma_area_count; i++) {
		struct cma_region *region = READ_ONCE(cma_areas[i].region);

		if (!region || cma_region_mode(region->cma) != mode)
			continue;
		*total += region->end_pfn - region->base_pfn;
		*free += cma_region_nr_free(region);
	}
}

/* /proc/pagetypeinfo: the regions' free lists, after the zones' own. */
void cma_region_show_pagetypeinfo(struct seq_file *m, pg_data_t *pgdat)
{
	unsigned int i, order;
	bool header = false;

	for (i = 0; i < cma_area_count; i++) {
		struct cma_region *region = READ_ONCE(cma_areas[i].region);
		unsigned long flags, nr[NR_PAGE_ORDERS];

		if (!region || region->zone->zone_pgdat != pgdat ||
		    !cma_is_exclusive(region->cma))
			continue;
		if (!header) {
			seq_printf(m, "\n%-43s",
				   "Free pages count per region (exclusive) at order");
			for (order = 0; order < NR_PAGE_ORDERS; ++order)
				seq_printf(m, "%6d ", order);
			seq_putc(m, '\n');
			header = true;
		}
		spin_lock_irqsave(&region->zone->lock, flags);
		for (order = 0; order < NR_PAGE_ORDERS; order++)
			nr[order] = region->free_area[order].nr_free;
		spin_unlock_irqrestore(&region->zone->lock, flags);
		seq_printf(m, "Node %4d, zone %8s, region %-19s ", pgdat->node_id,
			   region->zone->name, region->cma->name);
		for (order = 0; order < NR_PAGE_ORDERS; order++)
			seq_printf(m, "%6lu ", nr[order]);
		seq_putc(m, '\n');
	}
}

/* Largest naturally aligned order that starts at @pfn and ends by @end. */
static unsigned int chunk_order(unsigned long pfn, unsigned long end)
{
	unsigned int order = ilog2(end - pfn);

	if (pfn)
		order = min_t(unsigned int, order, __ffs(pfn));
	return min_t(unsigned int, order, MAX_PAGE_ORDER);
}

/* Free [pfn, end), off any list, to @area as @mt; zone->lock held. */
static void free_range(struct zone *zone, struct free_area *area, int mt,
		       unsigned long pfn, unsigned long end)
{
	while (pfn < end) {
		unsigned int order = chunk_order(pfn, end);

		__free_to_free_area(pfn_to_page(pfn), pfn, zone, area, order, mt);
		pfn += 1UL << order;
	}
}

/* Free [pfn, end), off any list, to the region's free_area; zone->lock. */
static void region_free_range(struct cma_region *region, unsigned long pfn,
			      unsigned long end)
{
	free_range(region->zone, region->free_area, MIGRATE_MOVABLE_EXCLUSIVE,
		   pfn, end);
}

/*
 * Take @nr_blocks consecutive free MAX_PAGE_ORDER blocks, the first aligned
 * to @step pages.  Returns the first pfn, or 0.  zone->lock held.
 */
static unsigned long region_take_run(struct cma_region *region,
				     unsigned long nr_blocks,
				     unsigned long step)
{
	unsigned long start = ALIGN(region->base_pfn, step), i;

	while (start + nr_blocks * MAX_ORDER_NR_PAGES <= region->end_pfn) {
		for (i = 0; i < nr_blocks; i++) {
			struct page *page = pfn_to_page(start +
							i * MAX_ORDER_NR_PAGES);

			if (!page_is_cma_free(page) ||
			    buddy_order(page) != MAX_PAGE_ORDER)
				break;
		}
		if (i == nr_blocks) {
			for (i = 0; i < nr_blocks; i++)
				__del_from_free_area(pfn_to_page(start + i * MAX_ORDER_NR_PAGES),
						     region->zone, region->free_area,
						     MAX_PAGE_ORDER,
						     MIGRATE_MOVABLE_EXCLUSIVE);
			return start;
		}
		/* No run can contain the block that failed: skip past it. */
		start = ALIGN(start + (i + 1) * MAX_ORDER_NR_PAGES, step);
	}
	return 0;
}

/* Prepare [pfn, end) as order-0 pages of refcount 1, as cma_alloc() gives. */
static void region_prep_pages(unsigned long pfn, unsigned long end, gfp_t gfp)
{
	while (pfn < end) {
		unsigned int order = chunk_order(pfn, end);
		struct page *page = pfn_to_page(pfn);

		post_alloc_hook(page, order, gfp);
		set_page_refcounted(page);
		if (order)
			split_page(page, order);
		pfn += 1UL << order;
	}
}

/* Make [pfn, pfn + count), off the free lists, what cma_alloc() returns. */
static struct page *region_hand_out(unsigned long pfn, unsigned long count,
				    gfp_t gfp)
{
	struct page *page = pfn_to_page(pfn);

	if (gfp & __GFP_COMP) {
		/* count is a power of two; a larger @align only placed it */
		post_alloc_hook(page, ilog2(count), gfp);
		set_page_refcounted(page);
		if (count > 1)
			prep_compound_page(page, ilog2(count));
	} else {
		region_prep_pages(pfn, pfn + count, gfp & ~__GFP_COMP);
	}
	return page;
}

/*
 * Set the area's bitmap bits of [pfn, pfn + count) if none of them is set.
 * Takes cma->lock; called with zone->lock held.
 */
static bool region_set_bits(struct cma *cma, unsigned long pfn,
			    unsigned long count)
{
	unsigned long off = pfn - cma->base_pfn, flags;
	bool free;

	spin_lock_irqsave(&cma->lock, flags);
	free = find_next_bit(cma->bitmap, off + count, off) >= off + count;
	if (free)
		bitmap_set(cma->bitmap, off, count);
	spin_unlock_irqrestore(&cma->lock, flags);
	return free;
}

/*
 * The free buddy block that contains @pfn, if it lies in [base, end) and
 * is a sticky block on the zone's lists.  zone->lock held.
 */
static struct page *sticky_free_block(unsigned long pfn, unsigned long base,
				      unsigned long end)
{
	unsigned int order;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		unsigned long head = pfn & ~((1UL << order) - 1);
		struct page *page;

		if (head < base)
			return NULL;
		page = pfn_to_page(head);
		if (PageBuddy(page) && buddy_order(page) >= order) {
			int mt = get_pfnblock_flags_mask(page, head,
							 MIGRATETYPE_MASK);

			if (head + (1UL << buddy_order(page)) > end ||
			    !is_migrate_sticky(mt))
				return NULL;
			return page;
		}
	}
	return NULL;
}

/*
 * Take [pfn, end) of a sticky region off the zone's free lists if every
 * page of it is free there; the parts of the buddy blocks outside the range
 * go straight back.  zone->lock held.
 */
static bool sticky_take_range(struct cma_region *region, unsigned long pfn,
			      unsigned long end)
{
	unsigned long p, first = 0, last = 0;
	struct zone *zone = region->zone;
	struct page *page;

	for (p = pfn; p < end; p = page_to_pfn(page) + (1UL << buddy_order(page))) {
		page = sticky_free_block(p, region->base_pfn, region->end_pfn);
		if (!page)
			return false;
	}
	for (p = pfn; p < end; p = last) {
		unsigned int order;

		page = sticky_free_block(p, region->base_pfn, region->end_pfn);
		order = buddy_order(page);
		if (p == pfn)
			first = page_to_pfn(page);
		last = page_to_pfn(page) + (1UL << order);
		__del_from_free_area(page, zone, zone->free_area, order,
				     MIGRATE_MOVABLE_STICKY);
	}
	free_range(zone, zone->free_area, MIGRATE_MOVABLE_STICKY, first, pfn);
	free_range(zone, zone->free_area, MIGRATE_MOVABLE_STICKY, end, last);
	return true;
}

/* cma_region_take_free() without the event: a switch takes ranges too. */
static bool region_take_free(struct cma *cma, unsigned long pfn,
			     unsigned long count, gfp_t gfp)
{
	struct cma_region *region = cma->region;
	unsigned long flags;
	bool ok;

	if (!region || cma_region_mode(cma) != CMA_REGION_STICKY)
		return false;
	spin_lock_irqsave(&region->zone->lock, flags);
	ok = cma_region_mode(cma) == CMA_REGION_STICKY &&
	     sticky_take_range(region, pfn, pfn + count);
	spin_unlock_irqrestore(&region->zone->lock, flags);
	if (ok)
		region_hand_out(pfn, count, gfp);
	return ok;
}

/**
 * cma_region_take_free() - take a free range of a sticky region directly
 * @cma: an area in CMA_REGION_STICKY mode
 * @pfn: first pfn of the range; already marked in the area's bitmap
 * @count: number of pages
 * @gfp: as for cma_alloc()
 *
 * When every page of the range is free on the zone's lists, the range is
 * taken with no isolation and no migration.  Called by cma_alloc() before
 * it falls back to alloc_contig_range().
 *
 * Return: true if the range is now allocated.
 */
bool cma_region_take_free(struct cma *cma, unsigned long pfn,
			  unsigned long count, gfp_t gfp)
{
	if (!region_take_free(cma, pfn, count, gfp))
		return false;
	count_vm_events(CMA_STICKY_DIRECT, count);
	return true;
}

/* cma_alloc() got @count pages of @cma by alloc_contig_range(). */
void cma_region_count_contig(const struct cma *cma, unsigned long count)
{
	if (cma_has_region(cma))
		count_vm_events(CMA_STICKY_CONTIG, count);
}

/*
 * A small request on a sticky region: one free sticky block of the covering
 * order from the zone's lists, if the zone has one in this region.
 */
static struct page *sticky_alloc_small(struct cma *cma, unsigned long count,
				       unsigned int align, gfp_t gfp)
{
	struct cma_region *region = cma->region;
	unsigned int order = max_t(unsigned int, order_base_2(count), align);
	struct zone *zone = region->zone;
	unsigned long flags, pfn = 0;
	struct page *page;

	spin_lock_irqsave(&zone->lock, flags);
	/*
	 * Not while a switch runs: it chose its ranges from the bitmap and
	 * would find a block taken here inside one.  cma_alloc() then waits
	 * for the switch on the region's mode lock.
	 */
	if (cma_region_mode(cma) != CMA_REGION_STICKY ||
	    test_bit(0, &region->switching)) {
		spin_unlock_irqrestore(&zone->lock, flags);
		return NULL;
	}
	page = __rmqueue_free_area(zone, zone->free_area, order,
				   MIGRATE_MOVABLE_STICKY);
	if (page) {
		pfn = page_to_pfn(page);
		if (pfn < region->base_pfn || pfn >= region->end_pfn ||
		    !region_set_bits(cma, pfn, count)) {
			/* another sticky region's, or marked: not ours */
			free_range(zone, zone->free_area, MIGRATE_MOVABLE_STICKY,
				   pfn, pfn + (1UL << order));
			pfn = 0;
		} else {
			free_range(zone, zone->free_area, MIGRATE_MOVABLE_STICKY,
				   pfn + count, pfn + (1UL << order));
		}
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	if (!pfn)
		return NULL;
	count_vm_events(CMA_STICKY_DIRECT, count);
	return region_hand_out(pfn, count, gfp);
}

/*
 * Take @count pages, aligned to 1 << @align, off an exclusive region's
 * lists; the rest of the block they came from goes back.  Returns the first
 * pfn, or 0: none free, or the region has become sticky.  zone->lock held.
 */
static unsigned long region_take(struct cma_region *region,
				 unsigned long count, unsigned int align)
{
	unsigned long pfn = 0, end = 0;
	unsigned int order;
	struct page *page;

	if (!cma_is_exclusive(region->cma)) {
		/* switched to sticky meanwhile: the caller tries again */
		return 0;
	} else if (count <= MAX_ORDER_NR_PAGES && align <= MAX_PAGE_ORDER) {
		order = max_t(unsigned int, order_base_2(count), align);
		page = __rmqueue_free_area(region->zone, region->free_area,
					   order, MIGRATE_MOVABLE_EXCLUSIVE);
		if (page) {
			pfn = page_to_pfn(page);
			end = pfn + (1UL << order);
		}
	} else if (align < BITS_PER_LONG) {
		unsigned long nr = DIV_ROUND_UP(count, MAX_ORDER_NR_PAGES);

		pfn = region_take_run(region, nr,
				      max(MAX_ORDER_NR_PAGES, 1UL << align));
		end = pfn + nr * MAX_ORDER_NR_PAGES;
	}
	if (pfn)
		region_free_range(region, pfn + count, end);
	return pfn;
}

/*
 * Unmark [pfn, mark_end) in the bitmap and free [pfn, end) back, each
 * pageblock by its type: to the region's lists, or to the zone's if a
 * switch has made the block sticky since the pages were taken (a switch
 * retypes the region a chunk at a time, so the blocks of one range may
 * differ).
 */
static void region_give_back(struct cma_region *region, unsigned long pfn,
			     unsigned long end, unsigned long mark_end)
{
	struct zone *zone = region->zone;
	unsigned long flags, next;
	int mt;

	spin_lock_irqsave(&zone->lock, flags);
	spin_lock(&region->cma->lock);
	bitmap_clear(region->cma->bitmap, pfn - region->base_pfn, mark_end - pfn);
	spin_unlock(&region->cma->lock);
	for (; pfn < end; pfn = next) {
		next = min(pageblock_end_pfn(pfn), end);
		mt = get_pfnblock_flags_mask(pfn_to_page(pfn), pfn,
					     MIGRATETYPE_MASK);
		if (likely(is_migrate_exclusive(mt)))
			region_free_range(region, pfn, next);
		else
			free_range(zone, zone->free_area, mt, pfn, next);
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

/*
 * [pfn, end) was just taken and marked.  If a page of it is bad
 * (__region_page_bad()), keep the bad pages off the lists for good, give
 * the others back, and return true: the caller takes another range.  A
 * poisoned page reaches the lists inside a compound page whose tail memory
 * failure marked, since the free path checks only the head; this is where
 * the device is kept from it.
 */
static bool region_drop_bad(struct cma_region *region, unsigned long pfn,
			    unsigned long end)
{
	unsigned long start = pfn, run = pfn;

	/* nothing to find: no memory failure and no page checks */
	if (!__region_pages_checked())
		return false;
	for (; pfn < end; pfn++) {
		if (!__region_page_bad(pfn_to_page(pfn)))
			continue;
		region_give_back(region, run, pfn, pfn + 1);
		run = pfn + 1;
	}
	if (run == start)
		return false;
	region_give_back(region, run, end, end);
	return true;
}

/**
 * cma_region_alloc() - allocate from a region without migration
 * @cma: an area with a region
 * @count: number of pages
 * @align: alignment, as an order
 * @gfp: GFP_KERNEL, optionally __GFP_NOWARN; __GFP_COMP for a folio
 *
 * Up to MAX_ORDER_NR_PAGES, one __rmqueue_smallest() on the region's
 * free_area of the order that covers @count and @align; the pages past
 * @count go straight back.  Above, a run of consecutive free MAX_PAGE_ORDER
 * blocks.  Never migrates and never sleeps; an exclusive region's
 * allocation never touches the zone's lists.
 *
 * A sticky region serves a request up to MAX_ORDER_NR_PAGES the same way
 * from a free sticky block on the zone's lists, when one is in the region;
 * otherwise cma_alloc() vacates a range.
 *
 * Return: the first page (order-0 pages of refcount 1 each, or a compound
 * page with __GFP_COMP), or NULL when the region has no such range free.
 */
struct page *cma_region_alloc(struct cma *cma, unsigned long count,
			      unsigned int align, gfp_t gfp)
{
	struct cma_region *region = cma->region;
	unsigned long flags, pfn;

	if (!region || !count)
		return NULL;
	if ((gfp & __GFP_COMP) &&
	    (!is_power_of_2(count) || count > MAX_ORDER_NR_PAGES))
		return NULL;
	if (cma_region_mode(cma) == CMA_REGION_STICKY) {
		if (count > MAX_ORDER_NR_PAGES || align > MAX_PAGE_ORDER)
			return NULL;
		return sticky_alloc_small(cma, count, align, gfp);
	}

	do {
		spin_lock_irqsave(&region->zone->lock, flags);
		pfn = region_take(region, count, align);
		if (pfn) {
			/* with the lists: every page is on one or marked */
			spin_lock(&cma->lock);
			bitmap_set(cma->bitmap, pfn - region->base_pfn, count);
			spin_unlock(&cma->lock);
		}
		spin_unlock_irqrestore(&region->zone->lock, flags);
	} while (pfn && region_drop_bad(region, pfn, pfn + count));

	if (!pfn) {
		count_vm_events(CMA_REGION_ALLOC_FAIL, count);
		return NULL;
	}

	count_vm_events(CMA_REGION_ALLOC, count);
	if (trace_cma_region_alloc_enabled())
		trace_cma_region_alloc(cma->name, pfn, count, align,
				       cma_region_nr_free(region));

	return region_hand_out(pfn, count, gfp);
}

/**
 * cma_region_release() - check and release pages of a region
 * @cma: an area with a region, in either mode
 * @pages: first page, as cma_alloc() returned it
 * @count: number of pages
 *
 * Every page of the range must be one the region handed out and has not
 * had back; otherwise nothing is released and the first offending pfn is
 * reported once.  The pages themselves go back when their last reference
 * goes, through the free path, whoever drops it: to the region's free_area
 * or the zone's lists, as the region's mode says at that moment.
 *
 * Context: any context, as cma_release().
 *
 * Return: true if the range was released.
 */
bool cma_region_release(struct cma *cma, const struct page *pages,
			unsigned long count)
{
	struct cma_region *region = cma->region;
	unsigned long pfn = page_to_pfn(pages), off, bad, flags;

	if (!region || pfn + count > region->end_pfn || pfn + count < pfn)
		return false;

	off = pfn - region->base_pfn;
	/*
	 * Counted before the bits go (cma->lock orders the two for anyone
	 * who reads the bits): a mode switch and the free-list checker that
	 * see a page neither marked nor free know it may be on its way.
	 */
	atomic_inc(&region->nr_releasing);
	spin_lock_irqsave(&cma->lock, flags);
	bad = find_next_zero_bit(cma->bitmap, off + count, off);
	if (bad >= off + count)
		bitmap_clear(cma->bitmap, off, count);
	spin_unlock_irqrestore(&cma->lock, flags);
	/* Cleared with the check: a second release of the range is refused. */
	if (bad >= off + count)
		free_contig_range(pfn, count);
	atomic_dec(&region->nr_releasing);
	if (bad < off + count) {
		atomic_long_inc(&region->nr_bad_release);
		WARN_ONCE(1, "cma_region %s: release of pfn %lu, which the region has not handed out (double free?)\n",
			  cma->name, region->base_pfn + bad);
		return false;
	}
	return true;
}

/**
 * cma_region_alloc_bulk() - many blocks of one order off an exclusive region
 * @cma: an area with a region
 * @order: order of each block; at most MAX_PAGE_ORDER
 * @nr: number of blocks wanted
 * @gfp: as for cma_alloc_gfp(); no sleep here whatever it says
 * @pages: where the first page of each block goes
 *
 * The blocks are taken in zone->lock holds of up to CMA_REGION_BULK_BATCH
 * blocks (a batch of that many in one hold; a larger one does not keep
 * interrupts off for longer), each block by __rmqueue_smallest() on the
 * region's free_area as cma_region_alloc() takes one; they are then handed
 * out (order-0 pages of refcount 1) with the lock dropped.  A block with a
 * poisoned page is given back less that page and not replaced.  A switch
 * to sticky between two holds ends the batch short.
 *
 * Return: the number of blocks allocated, 0 to @nr; -EAGAIN when the
 * region is not exclusive (cma_alloc_bulk() then allocates block by block).
 */
long cma_region_alloc_bulk(struct cma *cma, unsigned int order,
			   unsigned long nr, gfp_t gfp, struct page **pages)
{
	struct cma_region *region = cma->region;
	unsigned long flags, i, n = 0, first, pfn;
	bool empty = false;

	while (n < nr && !empty) {
		first = n;
		spin_lock_irqsave(&region->zone->lock, flags);
		if (!cma_is_exclusive(cma)) {
			spin_unlock_irqrestore(&region->zone->lock, flags);
			break;
		}
		while (n < nr && n - first < CMA_REGION_BULK_BATCH) {
			struct page *page;

			page = __rmqueue_free_area(region->zone, region->free_area,
						   order, MIGRATE_MOVABLE_EXCLUSIVE);
			if (!page) {
				empty = true;
				break;
			}
			pages[n++] = page;
		}
		/* with the lists: every page is on one or marked */
		spin_lock(&cma->lock);
		for (i = first; i < n; i++)
			bitmap_set(cma->bitmap,
				   page_to_pfn(pages[i]) - region->base_pfn,
				   1UL << order);
		spin_unlock(&cma->lock);
		spin_unlock_irqrestore(&region->zone->lock, flags);
	}
	if (!n && !empty)
		return -EAGAIN;	/* not exclusive (any more) */

	for (i = 0; i < n;) {
		pfn = page_to_pfn(pages[i]);
		if (region_drop_bad(region, pfn, pfn + (1UL << order))) {
			pages[i] = pages[--n];
			continue;
		}
		region_hand_out(pfn, 1UL << order, gfp);
		i++;
	}
	count_vm_events(CMA_REGION_ALLOC, n << order);
	if (n < nr)
		count_vm_events(CMA_REGION_ALLOC_FAIL, (nr - n) << order);
	return n;
}

/*
 * Between two passes of a __GFP_RETRY_MAYFAIL allocation over a sticky
 * region that found every candidate range busy: let the caches that pin
 * pages go and wait for the pages under I/O or locked, killably.
 */
void cma_region_retry_wait(struct cma *cma)
{
	struct cma_region *region = cma->region;

	lru_add_drain_all();
	drain_all_pages(region->zone);
	atomic_long_inc(&region->nr_retry_passes);
	schedule_timeout_killable(msecs_to_jiffies(CMA_REGION_RETRY_MS));
}

/* Claimed by someone else than @owner (a racy look; see cma_alloc_gfp()). */
bool cma_region_claimed(struct cma *cma, const void *owner)
{
	const void *claimed = cma->region ? READ_ONCE(cma->region->owner) : NULL;

	return claimed && claimed != owner;
}

/*
 * After an allocation has set its bits (under cma->lock): was the region
 * unclaimed or @owner's?  cma_region_claim() looks at the bits and sets the
 * owner under cma->lock too: either the claim saw the bits and failed, or
 * its unlock came before the allocation's lock, and the owner it stored is
 * visible here without taking the lock again.
 */
bool cma_region_owner_ok(struct cma *cma, const void *owner)
{
	const void *claimed = cma->region ? READ_ONCE(cma->region->owner) : NULL;

	return !claimed || claimed == owner;
}

/**
 * cma_region_claim() - reserve a region's allocations for one owner
 * @cma: an area declared as a region, sticky or exclusive
 * @owner: a non-NULL cookie that the owner passes to cma_alloc_gfp() and
 *	cma_alloc_bulk(); a driver's struct device, say
 * @name: for /sys/kernel/mm/cma/<area>/owner; copied
 *
 * Once claimed, allocations from the area by any other owner fail with
 * -EBUSY, and so do cma_alloc() and cma_alloc_folio(), which name none.
 * Releases are not checked against the owner.  A region has one owner at
 * most, and must hold no allocation when it is claimed, so that what it
 * holds while claimed is the owner's.  A sticky region is still lent to
 * movable allocations: the claim is about the device's allocations only.
 *
 * Context: process context, may sleep (waits for a mode switch).
 * Return: 0; -EINVAL for an area that is not a region or a NULL @owner or
 * @name; -EBUSY when the region is claimed already or holds allocations;
 * -ENOMEM.  Refusals are reported in the kernel log.
 */
int cma_region_claim(struct cma *cma, const void *owner, const char *name)
{
	struct cma_region *region = cma ? cma->region : NULL;
	char holder[32] = "";
	unsigned long flags, used = 0;
	const char *copy;

	might_sleep();
	if (!region || !owner || !name || !name[0]) {
		pr_warn("claim of %s by %s refused: %s\n",
			cma ? cma->name : "(null)", name ?: "(null)",
			!region ? "not a region" : "no owner or name");
		return -EINVAL;
	}
	copy = kstrdup_const(name, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;

	/* not in the middle of a switch, whose vacate marks ranges */
	mutex_lock(&region->mode_lock);
	spin_lock_irqsave(&cma->lock, flags);
	if (region->owner) {
		/* a copy: an unclaim may free the name once the lock goes */
		strscpy(holder, region->owner_name, sizeof(holder));
	} else {
		used = bitmap_weight(cma->bitmap, cma_bitmap_maxno(cma));
		if (!used) {
			WRITE_ONCE(region->owner, owner);
			region->owner_name = copy;
			copy = NULL;
		}
	}
	spin_unlock_irqrestore(&cma->lock, flags);
	mutex_unlock(&region->mode_lock);

	if (holder[0])
		pr_warn("%s: claim by %s refused: claimed by %s\n", cma->name,
			copy, holder);
	else if (used)
		pr_warn("%s: claim by %s refused: %lu pages are allocated\n",
			cma->name, copy, used << cma->order_per_bit);
	kfree_const(copy);
	return holder[0] || used ? -EBUSY : 0;
}

/**
 * cma_region_unclaim() - end a claim
 * @cma: the claimed area
 * @owner: the owner given to cma_region_claim()
 *
 * Context: any context but NMI.
 * Return: 0; -EINVAL when @cma is not a region; -EPERM when @owner does not
 * hold the claim; -EBUSY while the region still holds allocations (the
 * owner releases them first).  Refusals are reported in the kernel log.
 */
int cma_region_unclaim(struct cma *cma, const void *owner)
{
	struct cma_region *region = cma ? cma->region : NULL;
	const char *name = NULL;
	unsigned long flags, used = 0;
	int ret = 0;

	if (!region) {
		pr_warn("unclaim of %s refused: not a region\n",
			cma ? cma->name : "(null)");
		return -EINVAL;
	}
	spin_lock_irqsave(&cma->lock, flags);
	if (!owner || region->owner != owner) {
		ret = -EPERM;
	} else {
		used = bitmap_weight(cma->bitmap, cma_bitmap_maxno(cma));
		if (used) {
			ret = -EBUSY;
		} else {
			name = region->owner_name;
			WRITE_ONCE(region->owner, NULL);
			region->owner_name = NULL;
		}
	}
	spin_unlock_irqrestore(&cma->lock, flags);

	if (ret == -EPERM)
		pr_warn("%s: unclaim refused: the caller does not own the claim\n",
			cma->name);
	else if (ret)
		pr_warn("%s: unclaim refused: %lu pages are still allocated\n",
			cma->name, used << cma->order_per_bit);
	kfree_const(name);
	return ret;
}

/* The claim's name for sysfs, or "" when the region is not claimed. */
ssize_t cma_region_owner_show(struct cma *cma, char *buf)
{
	unsigned long flags;
	ssize_t len;

	spin_lock_irqsave(&cma->lock, flags);
	len = sysfs_emit(buf, "%s\n",
			 cma->region && cma->region->owner_name ?
			 cma->region->owner_name : "");
	spin_unlock_irqrestore(&cma->lock, flags);
	return len;
}

/*
 * The free path's end for pages of exclusive pageblocks, called from
 * free_one_page() after free_pages_prepare().
 */
void __cma_region_free_pages(struct page *page, unsigned long pfn,
			     unsigned int order)
{
	struct cma_region *region = cma_region_of_pfn(pfn);
	unsigned long flags, end = pfn + (1UL << order);
	int mt;

	if (WARN_ONCE(!region || end > region->end_pfn,
		      "cma_region: pfn %lu order %u is in an exclusive pageblock outside any region; not freed\n",
		      pfn, order))
		return;

	cma_region_free_window(page);
	spin_lock_irqsave(&region->zone->lock, flags);
	mt = get_pfnblock_flags_mask(page, pfn, MIGRATETYPE_MASK);
	if (likely(is_migrate_exclusive(mt))) {
		/* with the lists: every page is on one or marked */
		spin_lock(&region->cma->lock);
		bitmap_clear(region->cma->bitmap, pfn - region->base_pfn,
			     end - pfn);
		spin_unlock(&region->cma->lock);
		region_free_range(region, pfn, end);
	} else {
		/*
		 * The region became sticky since the screen looked: a sticky
		 * free, which leaves the bitmap alone (the bits may be a new
		 * allocation's by now).
		 */
		__free_to_free_area(page, pfn, region->zone,
				    region->zone->free_area, order, mt);
	}
	spin_unlock_irqrestore(&region->zone->lock, flags);
	count_vm_events(CMA_REGION_FREE, end - pfn);
	trace_cma_region_free(region->cma->name, pfn, order);
}

/*
 * Called by cma_activate_area() for an area declared as a region.  An
 * exclusive region's pages go to the region instead of the zone and are
 * never counted in the zone's managed pages: the zone cannot use them.  A
 * sticky region's pages go to the zone's lists as sticky blocks and count
 * as the zone's managed CMA memory, like MIGRATE_CMA's.
 */
int __init cma_region_activate(struct cma *cma)
{
	bool exclusive = cma_is_exclusive(cma);
	struct cma_region *region;
	unsigned long pfn;
	unsigned int order;
	int mt;

	if (cma->order_per_bit) {
		pr_err("%s: a region needs order_per_bit 0\n", cma->name);
		return -EINVAL;
	}
	region = kzalloc(sizeof(*region), GFP_KERNEL);
	if (!region)
		return -ENOMEM;

	region->cma = cma;
	region->zone = page_zone(pfn_to_page(cma->base_pfn));
	region->base_pfn = cma->base_pfn;
	region->end_pfn = cma->base_pfn + cma->count;
	mutex_init(&region->mode_lock);
	for_each_migratetype_order(order, mt)
		INIT_LIST_HEAD(&region->free_area[order].free_list[mt]);

	WRITE_ONCE(cma->region, region);
	if (exclusive)
		static_branch_enable(&cma_region_exclusive_key);
	else
		static_branch_enable(&cma_region_sticky_key);

	for (pfn = region->base_pfn; pfn < region->end_pfn;
	     pfn += pageblock_nr_pages) {
		if (exclusive)
			init_cma_exclusive_pageblock(pfn_to_page(pfn));
		else
			init_cma_sticky_pageblock(pfn_to_page(pfn));
	}

	/* CmaTotal counts the memory the zone lends: not an exclusive region. */
	if (exclusive)
		totalcma_pages -= cma->count;
	pr_info("%s: %s region of %lu MiB at pfn %lu-%lu in zone %s\n",
		cma->name, mode_names[cma->region_mode],
		cma->count >> (20 - PAGE_SHIFT), region->base_pfn,
		region->end_pfn - 1, region->zone->name);
	return 0;
}

/*
 * Move every free page of [@start, @end) of @region from (@from, @from_mt)
 * to (@to, @to_mt) and retype its pageblocks @to_mt.  Pages set in @held
 * (region-relative, may be NULL) are known to be allocated and not looked
 * at.  The range is MAX_PAGE_ORDER aligned, so no free page straddles its
 * edges.  zone->lock held.  Returns the pages moved.
 */
static unsigned long region_move_free(struct cma_region *region,
				      unsigned long start, unsigned long end,
				      struct free_area *from, int from_mt,
				      struct free_area *to, int to_mt,
				      const unsigned long *held)
{
	unsigned long nr_pages = region->end_pfn - region->base_pfn;
	struct zone *zone = region->zone;
	unsigned long pfn, nr = 0;
	struct page *page, *next;
	LIST_HEAD(moving);

	lockdep_assert_held(&zone->lock);
	for (pfn = start; pfn < end; ) {
		unsigned int order;

		if (held && test_bit(pfn - region->base_pfn, held)) {
			pfn = region->base_pfn +
			      find_next_zero_bit(held, nr_pages,
						 pfn - region->base_pfn);
			continue;
		}
		page = pfn_to_page(pfn);
		if (is_migrate_exclusive(from_mt) ? !page_is_cma_free(page) :
						    !PageBuddy(page)) {
			pfn++;
			continue;
		}
		order = buddy_order(page);
		__del_from_free_area(page, zone, from, order, from_mt);
		set_page_private(page, order);
		list_add_tail(&page->lru, &moving);
		pfn += 1UL << order;
	}
	for (pfn = start; pfn < end; pfn += pageblock_nr_pages)
		set_pageblock_migratetype(pfn_to_page(pfn), to_mt);
	list_for_each_entry_safe(page, next, &moving, lru) {
		unsigned int order = page_private(page);

		list_del(&page->lru);
		set_page_private(page, 0);
		__free_to_free_area(page, page_to_pfn(page), zone, to, order,
				    to_mt);
		nr += 1UL << order;
	}
	return nr;
}

/* Release the runs of @vacated (area-relative bits) that we allocated. */
static void region_free_vacated(struct cma *cma, unsigned long *vacated)
{
	unsigned long s = 0, e;

	for (;;) {
		s = find_next_bit(vacated, cma->count, s);
		if (s >= cma->count)
			break;
		e = find_next_zero_bit(vacated, cma->count, s);
		free_contig_range(cma->base_pfn + s, e - s);
		s = e;
	}
}

/*
 * alloc_contig_range() on a range of a sticky region, retried: a page under
 * truncation, in an unmap's gather batch, on a pcp or lru batch of another
 * cpu or just faulted in fails one attempt and not the next.  The switch
 * gives up after REGION_VACATE_TRIES attempts once REGION_VACATE_MS have
 * passed (or on a fatal signal): a page that stays busy (pinned by a pipe,
 * say) fails them all.  cma_mutex is held for one attempt at a time, never
 * across the sleeps: cma_alloc() of other areas goes on meanwhile.  The
 * migration targets are allocated without ALLOC_CMA (memalloc_nocma_save()):
 * movable allocations fill sticky blocks first, so they would otherwise land
 * in the part of this region not vacated yet (to be migrated again) or in
 * another sticky region; region_check_room() made sure the zone has room.
 */
#define REGION_VACATE_TRIES	4
#define REGION_VACATE_MS	5000
static int region_vacate(struct cma *cma, unsigned long start,
			 unsigned long end)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(REGION_VACATE_MS);
	unsigned int nocma;
	int ret, i;

	for (i = 0; ; i++) {
		mutex_lock(&cma_mutex);
		/* the migration targets: outside every CMA and sticky range */
		nocma = memalloc_nocma_save();
		ret = alloc_contig_range(start, end, MIGRATE_MOVABLE_STICKY,
					 GFP_KERNEL | __GFP_NOWARN);
		memalloc_nocma_restore(nocma);
		mutex_unlock(&cma_mutex);
		if (ret != -EBUSY || fatal_signal_pending(current) ||
		    (i >= REGION_VACATE_TRIES - 1 && time_after(jiffies, deadline)))
			break;
		lru_add_drain_all();
		drain_all_pages(cma->region->zone);
		msleep(min(10 << i, 200));
	}
	return ret;
}

/*
 * The next range [*s, *e) of the area that the device does not hold and
 * this switch has not vacated yet.  Return: false when there is none.
 */
static bool region_next_unheld(struct cma *cma, const unsigned long *vacated,
			       unsigned long *s, unsigned long *e)
{
	unsigned long a = *s, flags;

	spin_lock_irqsave(&cma->lock, flags);
	for (;;) {
		a = find_next_zero_bit(cma->bitmap, cma->count, a);
		if (a >= cma->count || !test_bit(a, vacated))
			break;
		a = find_next_zero_bit(vacated, cma->count, a);
	}
	*e = min(find_next_bit(cma->bitmap, cma->count, a),
		 find_next_bit(vacated, cma->count, a));
	spin_unlock_irqrestore(&cma->lock, flags);
	*s = a;
	return a < cma->count;
}

/* Vacate [s, e) (area-relative) by migration and mark it vacated. */
static int region_vacate_span(struct cma *cma, unsigned long *vacated,
			      unsigned long s, unsigned long e)
{
	int ret = region_vacate(cma, cma->base_pfn + s, cma->base_pfn + e);

	if (ret) {
		pr_warn("%s: cannot vacate pfn %lu-%lu (%d): stays sticky\n",
			cma->name, cma->base_pfn + s, cma->base_pfn + e - 1, ret);
		return ret;
	}
	bitmap_set(vacated, s, e - s);
	return 0;
}

/*
 * Take every range neither held nor vacated.  A MAX_ORDER_NR_PAGES chunk
 * at a time is taken directly when all of it is free (one zone->lock hold
 * per chunk, so that the section with interrupts off does not grow with
 * the range); the chunks that are not go to alloc_contig_range() together.
 */
static int region_vacate_all(struct cma *cma, unsigned long *vacated)
{
	unsigned long s = 0, e, c, ce, span;
	int ret;

	while (region_next_unheld(cma, vacated, &s, &e)) {
		span = e;	/* first chunk of a run to migrate, or none */
		for (c = s; c < e; c = ce) {
			u64 t0 = ktime_get_ns();
			bool taken;

			ce = min(e, round_down(c, MAX_ORDER_NR_PAGES) +
				    MAX_ORDER_NR_PAGES);
			taken = region_take_free(cma, cma->base_pfn + c, ce - c,
						 GFP_KERNEL);
			/* an upper bound: the hold and the pages' preparation */
			cma->region->max_irqoff_ns = max(cma->region->max_irqoff_ns,
							 ktime_get_ns() - t0);
			if (!taken) {
				span = min(span, c);
				continue;
			}
			bitmap_set(vacated, c, ce - c);
			if (span < c) {
				ret = region_vacate_span(cma, vacated, span, c);
				if (ret)
					return ret;
				span = e;
			}
		}
		if (span < e) {
			ret = region_vacate_span(cma, vacated, span, e);
			if (ret)
				return ret;
		}
		cma->region->nr_vacated += e - s;
		s = e;
	}
	return 0;
}

/*
 * The first pfn of [@start, @end) that is neither vacated by this switch,
 * nor held by the device, nor free on the zone's lists (or @end): a page a
 * movable allocation took after a release gave it back while the switch
 * vacated, or a free still on its way.  zone->lock held.
 */
static unsigned long region_find_stranger(struct cma_region *region,
					  const unsigned long *vacated,
					  unsigned long start, unsigned long end)
{
	struct cma *cma = region->cma;
	unsigned long pfn = start;

	lockdep_assert_held(&region->zone->lock);
	spin_lock(&cma->lock);
	while (pfn < end) {
		unsigned long off = pfn - region->base_pfn;
		struct page *page = pfn_to_page(pfn);

		if (test_bit(off, vacated) || test_bit(off, cma->bitmap))
			pfn++;
		else if (PageBuddy(page))
			pfn += 1UL << buddy_order(page);
		else
			break;
	}
	spin_unlock(&cma->lock);
	return min(pfn, end);
}

#if IS_ENABLED(CONFIG_CMA_STICKY_KUNIT_TEST)
/* KUnit's way in between the vacate and the move of a switch. */
static noinline void region_switch_window(struct cma *cma)
{
	KUNIT_STATIC_STUB_REDIRECT(region_switch_window, cma);
}

/* ... and into a chunk's wait for a release in flight. */
static noinline void region_chunk_window(struct cma_region *region)
{
	KUNIT_STATIC_STUB_REDIRECT(region_chunk_window, region);
}

void cma_region_free_window(struct page *page)
{
	KUNIT_STATIC_STUB_REDIRECT(cma_region_free_window, page);
}

void cma_region_claim_window(struct cma *cma)
{
	/* an interrupt's allocation is not the interrupted test's */
	if (in_task())
		KUNIT_STATIC_STUB_REDIRECT(cma_region_claim_window, cma);
}
#else
static inline void region_switch_window(struct cma *cma)
{
}

static inline void region_chunk_window(struct cma_region *region)
{
}
#endif

/*
 * Move @region's free pages between the zone's lists and its own, a chunk
 * of MAX_ORDER_NR_PAGES per hold of zone->lock, so that no section with
 * interrupts off grows with the region.  With @vacated (sticky ->
 * exclusive), each chunk is first checked for a page that is neither
 * vacated, held nor free.  While a cma_release() is between clearing its
 * bits and freeing its pages (nr_releasing), such a page may be one of
 * its own: the chunk is tried again, up to REGION_CHUNK_TRIES times.
 * Otherwise the move stops before the chunk.  Returns the pfn it stopped
 * at: @end when the whole range moved.
 */
#define REGION_CHUNK_TRIES	100
static unsigned long region_move_chunks(struct cma_region *region,
					unsigned long start, unsigned long end,
					bool to_exclusive,
					const unsigned long *vacated)
{
	struct zone *zone = region->zone;
	struct free_area *from = to_exclusive ? zone->free_area :
						region->free_area;
	struct free_area *to = to_exclusive ? region->free_area :
					      zone->free_area;
	int from_mt = to_exclusive ? MIGRATE_MOVABLE_STICKY :
				     MIGRATE_MOVABLE_EXCLUSIVE;
	int to_mt = to_exclusive ? MIGRATE_MOVABLE_EXCLUSIVE :
				   MIGRATE_MOVABLE_STICKY;
	unsigned long pfn, next, flags;
	unsigned int tries = 0;
	bool stranger;
	u64 t0;

	for (pfn = start; pfn < end; pfn = next) {
		next = min(pfn + MAX_ORDER_NR_PAGES, end);
		t0 = ktime_get_ns();
		spin_lock_irqsave(&zone->lock, flags);
		stranger = vacated &&
			   region_find_stranger(region, vacated, pfn, next) != next;
		if (!stranger)
			region_move_free(region, pfn, next, from, from_mt, to,
					 to_mt, vacated);
		spin_unlock_irqrestore(&zone->lock, flags);
		region->max_irqoff_ns = max(region->max_irqoff_ns,
					    ktime_get_ns() - t0);
		if (stranger && atomic_read(&region->nr_releasing) &&
		    ++tries < REGION_CHUNK_TRIES) {
			region_chunk_window(region);
			usleep_range(100, 200);
			next = pfn;	/* the same chunk again */
			continue;
		}
		if (stranger)
			return pfn;
		tries = 0;
		cond_resched();
	}
	return end;
}

/*
 * Before a sticky -> exclusive switch: can the zone take the movable pages
 * living in the region and still be above its high watermark without the
 * region?  What takes them is the zone's free memory outside every CMA and
 * sticky range and the highatomic reserve (region_vacate() migrates in a
 * memalloc_nocma_save() scope) and what reclaim can free outside those
 * ranges.  A switch the zone cannot absorb would push
 * it into reclaim and the OOM killer for pages it then never gets back.
 */
static int region_check_room(struct cma *cma)
{
	struct cma_region *region = cma->region;
	struct zone *zone = region->zone;
	unsigned long free_in = sticky_nr_free(region), held, flags;
	unsigned long in_use, free_out, free_cma, reclaimable, need;

	spin_lock_irqsave(&cma->lock, flags);
	held = bitmap_weight(cma->bitmap, cma->count);
	spin_unlock_irqrestore(&cma->lock, flags);
	in_use = cma->count - min(cma->count, held + free_in);
	free_cma = zone_page_state_snapshot(zone, NR_FREE_CMA_PAGES);
	free_out = zone_page_state_snapshot(zone, NR_FREE_PAGES);
	free_out -= min(free_out, free_cma + READ_ONCE(zone->nr_free_highatomic));
	/*
	 * What reclaim frees in a CMA or sticky range (this region's own
	 * pages included) the migration cannot use: count every page in use
	 * there as reclaimable, at worst.
	 */
	reclaimable = zone_reclaimable_pages(zone);
	reclaimable -= min(reclaimable,
			   zone->cma_pages - min(zone->cma_pages, free_cma));
	need = in_use + high_wmark_pages(zone);
	if (free_out + reclaimable >= need)
		return 0;
	pr_warn("%s: zone %s cannot take the %lu pages in use in the region (%lu free and %lu reclaimable outside it, high watermark %lu): stays sticky\n",
		cma->name, zone->name, in_use, free_out, reclaimable,
		high_wmark_pages(zone));
	return -ENOMEM;
}

/*
 * Everything that depends on a zone's managed pages, as after memory
 * hotplug: min_free_kbytes, watermarks, vmstat thresholds, lowmem reserves.
 */
static void region_managed_changed(struct cma *cma, long nr_pages)
{
	static DEFINE_MUTEX(account_lock);	/* switches of other areas */
	struct cma_region *region = cma->region;

	mutex_lock(&account_lock);
	adjust_managed_page_count(pfn_to_page(region->base_pfn), nr_pages);
	region->zone->cma_pages += nr_pages;
	totalcma_pages += nr_pages;
	init_per_zone_wmark_min();
	mutex_unlock(&account_lock);
}

static void region_enable_key(struct static_key_false *key)
{
	/* enabling takes cpu_hotplug_lock: only the first time */
	if (!static_key_enabled(key))
		static_branch_enable(key);
}

#define REGION_SWITCH_ROUNDS	8

/*
 * Sticky -> exclusive.  The invariant, at the moment a block becomes
 * exclusive: every page of it is free (and moves to the region's free_area
 * in that moment), held by the device (its bitmap bit set), or in flight
 * to one of the two; nothing else.
 *
 * 1. Every range the device does not hold is taken: straight off the zone's
 *    lists when free, else by alloc_contig_range(), which migrates its
 *    movable pages away.
 * 2. With the pcp lists off, the region moves a chunk of MAX_ORDER_NR_PAGES
 *    at a time (region_move_chunks(), one zone->lock hold each).  In each
 *    chunk, every page not taken and not held must be free on the zone's
 *    lists.  One that is not came in meanwhile: a release gave pages back
 *    and a movable allocation took them, or a free is on its way (a
 *    release between clearing its bits and freeing its pages makes the
 *    chunk be tried again, see region_move_chunks()).  Then the
 *    chunks already moved go back, and step 1 runs again for those ranges,
 *    at most REGION_SWITCH_ROUNDS times; after that the switch fails with
 *    -EBUSY and gives back what it took.
 * 3. Otherwise, in the same hold, the chunk's free pages move to the
 *    free_area and its blocks become exclusive.  A chunk once moved stays
 *    clean: its free pages are on the region's lists, where no one but the
 *    region allocates, and its frees go there by type.  When the last chunk
 *    has moved, the taken ranges are freed into the region, and then its
 *    mode becomes exclusive.
 *
 * In flight: a free under zone->lock or through free_one_page() reads the
 * type under zone->lock and goes to the region.  A free that read "sticky"
 * before the retype and then takes a pcp lock reads the type again under
 * it (cma_region_pcp_refused()); zone_pcp_sync() after the retype takes
 * every CPU's pcp lock, so that read sees the new type or the free's page
 * is drained by type while the lists are still off.  Called with
 * region->mode_lock held.
 */
static int region_make_exclusive(struct cma *cma, unsigned long *vacated)
{
	struct cma_region *region = cma->region;
	struct zone *zone = region->zone;
	unsigned long stranger;
	unsigned int round;
	int ret;

	ret = region_check_room(cma);
	if (ret)
		return ret;
	region_enable_key(&cma_region_exclusive_key);
	for (round = 1; ; round++) {
		ret = region_vacate_all(cma, vacated);
		if (ret)
			break;
		region_switch_window(cma);

		zone_pcp_disable(zone);
		stranger = region_move_chunks(region, region->base_pfn,
					      region->end_pfn, true, vacated);
		if (stranger == region->end_pfn) {
			zone_pcp_sync(zone);
		} else {
			/* the chunks before it go back to the zone's lists */
			region_move_chunks(region, region->base_pfn, stranger,
					   false, NULL);
		}
		zone_pcp_enable(zone);
		if (stranger == region->end_pfn)
			break;

		region->nr_strangers++;
		if (round == REGION_SWITCH_ROUNDS) {
			pr_warn("%s: a page near pfn %lu still taken by others after %u rounds of vacating: stays sticky\n",
				cma->name, stranger, round);
			ret = -EBUSY;
			break;
		}
	}
	if (ret) {
		region_free_vacated(cma, vacated);
		return ret;
	}

	/*
	 * The taken ranges are the region's now: freed into it (by the
	 * blocks' type) before the mode says exclusive, so that an exclusive
	 * allocation never finds the region half empty.  Meanwhile the
	 * region's sticky paths are closed: sticky_alloc_small() while
	 * switching, cma_alloc()'s migration path by the mode lock.
	 */
	region_free_vacated(cma, vacated);
	WRITE_ONCE(cma->region_mode, CMA_REGION_EXCLUSIVE);
	region_managed_changed(cma, -(long)cma->count);
	return 0;
}

/* Exclusive -> sticky: the region's free pages go to the zone's lists. */
static int region_make_sticky(struct cma *cma)
{
	struct cma_region *region = cma->region;

	region_enable_key(&cma_region_sticky_key);
	region_move_chunks(region, region->base_pfn, region->end_pfn, false,
			   NULL);
	WRITE_ONCE(cma->region_mode, CMA_REGION_STICKY);
	region_managed_changed(cma, cma->count);
	return 0;
}

/* Keep a mode switch of @cma's region out (cma_alloc()'s migration path). */
void cma_region_lock_mode(struct cma *cma)
{
	if (cma->region)
		mutex_lock(&cma->region->mode_lock);
}

void cma_region_unlock_mode(struct cma *cma)
{
	if (cma->region)
		mutex_unlock(&cma->region->mode_lock);
}

/**
 * cma_region_set_mode() - switch a region between sticky and exclusive
 * @cma: an area declared as a region (sticky or exclusive)
 * @mode: CMA_REGION_STICKY or CMA_REGION_EXCLUSIVE
 *
 * Sticky -> exclusive vacates every range of the area the device has not
 * allocated (migrating the movable pages there away) and then serves the
 * area from its own free lists; exclusive -> sticky lends the free pages to
 * movable allocations again.  Pages the device holds stay valid and, when
 * freed, go where the mode of that moment says.  May sleep for as long as
 * the migration takes; holds the area's own mode lock meanwhile, which
 * only cma_alloc() of this area waits for.
 *
 * Return: 0 (also when @cma is already in @mode); -EINVAL for a bad @mode,
 * -EOPNOTSUPP for an area that is not a region (MIGRATE_CMA), -EBUSY when a
 * switch of the area is already running or a range could not be vacated,
 * -ENOMEM when the zone cannot take the movable pages living in the region
 * or for lack of memory for the switch itself.  On error the area is left
 * as it was.
 */
int cma_region_set_mode(struct cma *cma, enum cma_region_mode mode)
{
	struct cma_region *region = cma ? READ_ONCE(cma->region) : NULL;
	unsigned long *vacated = NULL;
	u64 start = ktime_get_ns();
	int ret = 0;

	if (mode != CMA_REGION_STICKY && mode != CMA_REGION_EXCLUSIVE)
		return -EINVAL;
	if (!region) {
		pr_warn_ratelimited("%s: not a region (MIGRATE_CMA area): its mode cannot change\n",
				    cma ? cma->name : "(null)");
		return -EOPNOTSUPP;
	}
	if (test_and_set_bit(0, &region->switching)) {
		pr_warn_ratelimited("%s: a mode switch is already running\n",
				    cma->name);
		return -EBUSY;
	}
	if (mode == CMA_REGION_EXCLUSIVE) {
		vacated = bitmap_zalloc(cma->count, GFP_KERNEL);
		if (!vacated) {
			ret = -ENOMEM;
			goto out;
		}
	}

	/* No cma_alloc() of the area runs alloc_contig_range() meanwhile. */
	mutex_lock(&region->mode_lock);
	region->max_irqoff_ns = 0;
	if (cma_region_mode(cma) != mode) {
		if (mode == CMA_REGION_EXCLUSIVE)
			ret = region_make_exclusive(cma, vacated);
		else
			ret = region_make_sticky(cma);
		if (!ret) {
			region->nr_switches++;
			pr_info("%s: now %s (%llu us, IRQs off at most %llu us)\n",
				cma->name, mode_names[mode],
				div_u64(ktime_get_ns() - start, NSEC_PER_USEC),
				div_u64(region->max_irqoff_ns, NSEC_PER_USEC));
		}
	}
	mutex_unlock(&region->mode_lock);
out:
	bitmap_free(vacated);
	clear_bit(0, &region->switching);
	return ret;
}
EXPORT_SYMBOL_GPL(cma_region_set_mode);

/**
 * cma_region_parse_mode() - the region mode named by a string
 * @buf: "sticky" or "exclusive", optionally followed by a newline
 * @mode: where to store the mode
 *
 * Return: 0, or -EINVAL (and @mode untouched) for any other string.
 */
int cma_region_parse_mode(const char *buf, enum cma_region_mode *mode)
{
	if (sysfs_streq(buf, "sticky"))
		*mode = CMA_REGION_STICKY;
	else if (sysfs_streq(buf, "exclusive"))
		*mode = CMA_REGION_EXCLUSIVE;
	else
		return -EINVAL;
	return 0;
}

/**
 * cma_region_mode_name() - the name of a mode, as sysfs shows it
 * @mode: the mode
 *
 * Return: "cma", "sticky" or "exclusive".
 */
const char *cma_region_mode_name(enum cma_region_mode mode)
{
	return mode < ARRAY_SIZE(mode_names) ? mode_names[mode] : "?";
}

/**
 * cma_region_dt_mode() - the mode a shared-dma-pool node asks for
 * @prop: the node's "linux,cma-mode" property, or NULL when it has none
 * @len: the property's length in bytes, its terminating NUL included
 * @base: the node's physical base
 * @size: the node's size in bytes
 * @mode: where to store the mode
 *
 * No property, or "cma", is a MIGRATE_CMA area as before; "sticky" and
 * "exclusive" make the area a region, whose base and size must then be
 * multiples of MAX_ORDER_NR_PAGES pages (its largest buddy blocks whole).
 *
 * Return: 0, or -EINVAL (and @mode untouched) for another value, a property
 * that is not one NUL-terminated string, or a region misaligned or empty.
 */
int cma_region_dt_mode(const char *prop, int len, phys_addr_t base,
		       phys_addr_t size, enum cma_region_mode *mode)
{
	phys_addr_t align = PAGE_SIZE << MAX_PAGE_ORDER;
	enum cma_region_mode m;

	if (!prop) {
		*mode = CMA_REGION_NONE;
		return 0;
	}
	if (len <= 0 || strnlen(prop, len) != len - 1)
		return -EINVAL;
	if (!strcmp(prop, "cma"))
		m = CMA_REGION_NONE;
	else if (!strcmp(prop, "sticky"))
		m = CMA_REGION_STICKY;
	else if (!strcmp(prop, "exclusive"))
		m = CMA_REGION_EXCLUSIVE;
	else
		return -EINVAL;
	if (m != CMA_REGION_NONE && (!size || !IS_ALIGNED(base | size, align)))
		return -EINVAL;
	*mode = m;
	return 0;
}

/**
 * cma_region_set_boot_mode() - make a reserved area a region
 * @cma: an area from cma_init_reserved_mem(), not yet activated
 * @mode: CMA_REGION_STICKY or CMA_REGION_EXCLUSIVE, checked by
 *	cma_region_dt_mode() against the area's base and size
 *
 * For the reserved-memory code of a shared-dma-pool node with a
 * "linux,cma-mode" property; the area becomes a region when CMA areas are
 * activated.
 */
void __init cma_region_set_boot_mode(struct cma *cma,
				     enum cma_region_mode mode)
{
	cma->region_mode = mode;
}

/**
 * cma_declare_region() - reserve a CMA area managed as a region
 * @base: physical base, or 0 for anywhere below @limit
 * @size: size in bytes; rounded up to a multiple of MAX_ORDER_NR_PAGES pages
 * @limit: highest physical address + 1, or 0 for no limit
 * @mode: CMA_REGION_EXCLUSIVE or CMA_REGION_STICKY
 * @name: name of the area (sysfs, debugfs, messages)
 * @res_cma: where to store the new area
 *
 * For platform code, at the time CMA areas are declared (after memblock is
 * up, before the page allocator).  The area is aligned to MAX_PAGE_ORDER so
 * that its largest buddy blocks are whole.
 *
 * Return: 0 or a negative errno, with a message saying why.
 */
int __init cma_declare_region(phys_addr_t base, phys_addr_t size,
			      phys_addr_t limit, enum cma_region_mode mode,
			      const char *name, struct cma **res_cma)
{
	phys_addr_t align = PAGE_SIZE << MAX_PAGE_ORDER;
	struct cma *cma;
	int ret;

	if (mode != CMA_REGION_EXCLUSIVE && mode != CMA_REGION_STICKY) {
		pr_err("%s: mode %d is not supported\n", name, mode);
		return -EINVAL;
	}
	if (!size || (base && !IS_ALIGNED(base, align))) {
		pr_err("%s: size %pa at %pa: size must be > 0 and a base aligned to %pa\n",
		       name, &size, &base, &align);
		return -EINVAL;
	}
	ret = cma_declare_contiguous(base, ALIGN(size, align), limit, align, 0,
				     base != 0, name, &cma);
	if (ret) {
		pr_err("%s: cannot reserve %pa bytes: %d\n", name, &size, ret);
		return ret;
	}
	cma->region_mode = mode;
	if (res_cma)
		*res_cma = cma;
	return 0;
}

/*
 * cma_region=<name>:<size>[@<base>]:<mode>[,<name>:<size>[@<base>]:<mode>...]
 * e.g. cma_region=camera:64M:exclusive,video:256M:sticky
 */
#define CMA_REGION_BOOT_MAX 4
static struct {
	char name[CMA_MAX_NAME];
	phys_addr_t base, size;
	enum cma_region_mode mode;
} boot_regions[CMA_REGION_BOOT_MAX] __initdata;
static unsigned int nr_boot_regions __initdata;

static int __init parse_one_region(char *spec)
{
	char *name = strsep(&spec, ":"), *size = strsep(&spec, ":");
	char *mode = spec, *end;
	enum cma_region_mode m;
	phys_addr_t sz, base = 0;

	if (!name || !*name || !size || !mode) {
		pr_err("cma_region=: '%s': expected <name>:<size>[@<base>]:<mode>\n",
		       name ? name : "");
		return -EINVAL;
	}
	if (strlen(name) >= CMA_MAX_NAME) {
		pr_err("cma_region=: name '%s' is too long\n", name);
		return -EINVAL;
	}
	sz = memparse(size, &end);
	if (*end == '@')
		base = memparse(end + 1, &end);
	if (*end || !sz) {
		pr_err("cma_region=%s: bad size '%s'\n", name, size);
		return -EINVAL;
	}
	if (cma_region_parse_mode(mode, &m)) {
		pr_err("cma_region=%s: unknown mode '%s' (supported: sticky, exclusive)\n",
		       name, mode);
		return -EINVAL;
	}
	if (nr_boot_regions == CMA_REGION_BOOT_MAX) {
		pr_err("cma_region=%s: at most %d regions\n", name,
		       CMA_REGION_BOOT_MAX);
		return -ENOSPC;
	}
	strscpy(boot_regions[nr_boot_regions].name, name, CMA_MAX_NAME);
	boot_regions[nr_boot_regions].base = base;
	boot_regions[nr_boot_regions].size = sz;
	boot_regions[nr_boot_regions].mode = m;
	nr_boot_regions++;
	return 0;
}

static int __init early_cma_region(char *p)
{
	char *spec;

	if (!p)
		return -EINVAL;
	/* A bad entry is reported and skipped; the others still count. */
	while ((spec = strsep(&p, ",")))
		if (*spec)
			parse_one_region(spec);
	return 0;
}
early_param("cma_region", early_cma_region);

/**
 * cma_region_reserve_boot() - reserve the regions of cma_region=
 * @limit: highest physical address + 1 the regions may use, or 0
 *
 * Called with the other CMA reservations, from dma_contiguous_reserve().
 */
void __init cma_region_reserve_boot(phys_addr_t limit)
{
	unsigned int i;

	for (i = 0; i < nr_boot_regions; i++)
		cma_declare_region(boot_regions[i].base, boot_regions[i].size,
				   limit, boot_regions[i].mode,
				   boot_regions[i].name, NULL);
}

/* ---- the free-list consistency checker ---- */

#define CHECK_MAX_REPORTS	16
#define CHECK_TRIES		5

struct list_check {
	unsigned int errors;
	bool quiet;			/* count, do not report */
	bool unsettled;			/* a region had a release in flight */
	unsigned long zone_free;	/* pages counted in NR_FREE_PAGES */
	unsigned long zone_cma;		/* ... and in NR_FREE_CMA_PAGES */
	unsigned long zone_sticky;	/* ... and on the sticky lists */
};

static __printf(2, 3) void check_report(struct list_check *c,
					const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	if (c->errors++ >= CHECK_MAX_REPORTS || c->quiet)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err("cma_region check: %pV\n", &vaf);
	va_end(args);
}

static bool pfn_in_exclusive_region(unsigned long pfn)
{
	struct cma_region *region = cma_region_of_pfn(pfn);

	return region && cma_is_exclusive(region->cma);
}

/*
 * Walk one free list: every page must be the head of a free block of
 * @order marked @pagebuddy (PageBuddy) or not (page_is_cma_free), lie in
 * [@start, @end), in a pageblock of type @mt, and be inside an exclusive
 * region exactly when the list is a region's.  Returns the entries.
 */
static unsigned long check_free_list(struct list_check *c,
				     struct list_head *list, unsigned int order,
				     int mt, bool pagebuddy,
				     unsigned long start, unsigned long end)
{
	unsigned long n = 0, limit = (end - start) >> order;
	struct page *page;

	list_for_each_entry(page, list, buddy_list) {
		unsigned long pfn = page_to_pfn(page);
		int block_mt;

		if (++n > limit) {
			check_report(c, "list %s order %u has more entries than pages",
				     migratetype_names[mt], order);
			break;
		}
		if (pfn < start || pfn + (1UL << order) > end) {
			check_report(c, "pfn %lu on list %s order %u is outside [%lu, %lu)",
				     pfn, migratetype_names[mt], order, start, end);
			continue;
		}
		block_mt = get_pfnblock_flags_mask(page, pfn, MIGRATETYPE_MASK);
		if ((pagebuddy && !PageBuddy(page)) ||
		    (!pagebuddy && !page_is_cma_free(page)) ||
		    buddy_order(page) != order || block_mt != mt)
			check_report(c, "pfn %lu on list %s order %u: type %x order %u block %s",
				     pfn, migratetype_names[mt], order,
				     page->page_type >> 24, buddy_order(page),
				     migratetype_names[block_mt]);
		if (pagebuddy == pfn_in_exclusive_region(pfn))
			check_report(c, "pfn %lu is on a %s list %s an exclusive region",
				     pfn, pagebuddy ? "zone" : "region",
				     pagebuddy ? "inside" : "outside");
	}
	return n;
}

static void check_zone_lists(struct list_check *c, struct zone *zone)
{
	unsigned long end = zone_end_pfn(zone);
	unsigned int order;
	int mt;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		struct free_area *area = &zone->free_area[order];
		unsigned long nr = 0;

		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			unsigned long n;

			n = check_free_list(c, &area->free_list[mt], order, mt,
					    true, zone->zone_start_pfn, end);
			nr += n;
			if (is_migrate_isolate(mt) || is_migrate_exclusive(mt))
				continue;
			c->zone_free += n << order;
			if (is_migrate_cma(mt) || is_migrate_sticky(mt))
				c->zone_cma += n << order;
			if (is_migrate_sticky(mt))
				c->zone_sticky += n << order;
		}
		if (nr != area->nr_free)
			check_report(c, "zone %s order %u: %lu on the lists, nr_free %lu",
				     zone->name, order, nr, area->nr_free);
	}
}

/*
 * Where a page of an exclusive region is when it is not in a free block on
 * the region's lists: handed out (its bitmap bit set), released but still
 * referenced (a pin or a mapping drops the last reference later), or
 * hwpoisoned and kept off.  zone->lock and cma->lock held.
 */
static bool region_page_accounted(struct cma *cma, unsigned long pfn)
{
	struct page *page = pfn_to_page(pfn);

	return test_bit(pfn - cma->base_pfn, cma->bitmap) ||
	       PageHWPoison(page) || page_ref_count(compound_head(page)) > 0;
}

static void check_region_lists(struct list_check *c, struct cma_region *region)
{
	unsigned long pfn, flags, heads = 0, pages = 0, lost = 0;
	struct cma *cma = region->cma;
	unsigned int order;
	bool releasing;
	int mt;

	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		struct free_area *area = &region->free_area[order];
		unsigned long nr = 0;
		struct page *page;

		for (mt = 0; mt < MIGRATE_TYPES; mt++) {
			if (is_migrate_exclusive(mt)) {
				nr += check_free_list(c, &area->free_list[mt],
						      order, mt, false,
						      region->base_pfn,
						      region->end_pfn);
			} else if (!list_empty(&area->free_list[mt])) {
				check_report(c, "%s: list %s order %u is not empty",
					     cma->name, migratetype_names[mt],
					     order);
			}
		}
		if (nr != area->nr_free)
			check_report(c, "%s order %u: %lu on the lists, nr_free %lu",
				     cma->name, order, nr, area->nr_free);
		heads += nr;
		pages += nr << order;

		/* free pages are not handed out: their bitmap bits are clear */
		spin_lock_irqsave(&cma->lock, flags);
		list_for_each_entry(page, &area->free_list[MIGRATE_MOVABLE_EXCLUSIVE],
				    buddy_list) {
			unsigned long off = page_to_pfn(page) - cma->base_pfn;

			if (off + (1UL << order) > cma->count)
				continue;
			if (find_next_bit(cma->bitmap, off + (1UL << order), off) <
			    off + (1UL << order))
				check_report(c, "%s: free pfn %lu order %u is marked handed out",
					     cma->name, cma->base_pfn + off, order);
		}
		spin_unlock_irqrestore(&cma->lock, flags);
	}

	/*
	 * Walk the region's pfns: no page is PageBuddy; the free heads found
	 * are the ones on the lists (none orphaned); every other page is
	 * accounted for (none lost).
	 */
	spin_lock_irqsave(&cma->lock, flags);
	/* bits cleared, pages not yet freed: nothing can be called lost */
	releasing = atomic_read(&region->nr_releasing);
	c->unsettled |= releasing;
	for (pfn = region->base_pfn; pfn < region->end_pfn; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (PageBuddy(page))
			check_report(c, "%s: pfn %lu is PageBuddy", cma->name, pfn);
		if (page_is_cma_free(page) && buddy_order(page) < NR_PAGE_ORDERS &&
		    IS_ALIGNED(pfn, 1UL << buddy_order(page))) {
			heads--;
			pages -= 1UL << buddy_order(page);
			pfn += (1UL << buddy_order(page)) - 1;
		} else if (!releasing && !region_page_accounted(cma, pfn) &&
			   !lost++) {
			check_report(c, "%s: pfn %lu is not free, held, referenced or poisoned",
				     cma->name, pfn);
		}
	}
	spin_unlock_irqrestore(&cma->lock, flags);
	if (heads || pages)
		check_report(c, "%s: lists and pfns differ by %ld blocks, %ld pages",
			     cma->name, (long)heads, (long)pages);
	if (lost)
		check_report(c, "%s: %lu pages lost", cma->name, lost);
}

/*
 * A sticky region's free count is the sum of the free blocks in its sticky
 * pageblocks, each of which is on its zone's sticky lists.  zone->lock held.
 */
static void check_sticky_region(struct list_check *c,
				struct cma_region *region)
{
	unsigned long pfn = region->base_pfn, nr = 0;

	while (pfn < region->end_pfn) {
		struct page *page = pfn_to_page(pfn);

		if (PageBuddy(page) && buddy_order(page) < NR_PAGE_ORDERS &&
		    IS_ALIGNED(pfn, 1UL << buddy_order(page))) {
			int mt = get_pfnblock_flags_mask(page, pfn,
							 MIGRATETYPE_MASK);

			if (is_migrate_sticky(mt))
				nr += 1UL << buddy_order(page);
			pfn += 1UL << buddy_order(page);
		} else {
			pfn++;
		}
	}
	if (nr != region->nr_free_sticky)
		check_report(c, "%s: %lu free pages in sticky blocks, counter %lu",
			     region->cma->name, nr, region->nr_free_sticky);
}

/* No page of an exclusive region waits on a pcp list of its zone. */
static void check_pcp_lists(struct list_check *c, struct zone *zone)
{
	unsigned long flags;
	unsigned int cpu, i;

	for_each_online_cpu(cpu) {
		struct per_cpu_pages *pcp = per_cpu_ptr(zone->per_cpu_pageset, cpu);
		struct page *page;

		spin_lock_irqsave(&pcp->lock, flags);
		for (i = 0; i < NR_PCP_LISTS; i++)
			list_for_each_entry(page, &pcp->lists[i], pcp_list)
				if (pfn_in_exclusive_region(page_to_pfn(page)))
					check_report(c, "pfn %lu of a region on cpu %u pcp list %u",
						     page_to_pfn(page), cpu, i);
		spin_unlock_irqrestore(&pcp->lock, flags);
	}
}

static unsigned int check_one_zone(struct zone *zone, bool quiet,
				   bool *unsettled)
{
	struct list_check c = { .quiet = quiet };
	long free, cma;
	unsigned long flags;
	unsigned int i;

	check_pcp_lists(&c, zone);
	spin_lock_irqsave(&zone->lock, flags);
	check_zone_lists(&c, zone);
	for (i = 0; i < cma_area_count; i++) {
		struct cma_region *region = READ_ONCE(cma_areas[i].region);

		/*
		 * Mid-switch to sticky, an exclusive region's moved chunks are
		 * PageBuddy on the zone's lists: its own checks wait.
		 */
		if (region && region->zone == zone &&
		    cma_is_exclusive(region->cma) &&
		    test_bit(0, &region->switching)) {
			if (!c.quiet)
				pr_info("cma_region check: %s is switching, not checked\n",
					region->cma->name);
		} else if (region && region->zone == zone &&
			   cma_is_exclusive(region->cma)) {
			check_region_lists(&c, region);
		} else if (region && region->zone == zone) {
			check_sticky_region(&c, region);
		}
	}
	if (c.zone_sticky != zone->nr_free_sticky)
		check_report(&c, "zone %s: %lu pages on the sticky lists, counter %lu",
			     zone->name, c.zone_sticky, zone->nr_free_sticky);
	free = zone_page_state_snapshot(zone, NR_FREE_PAGES);
	cma = zone_page_state_snapshot(zone, NR_FREE_CMA_PAGES);
	spin_unlock_irqrestore(&zone->lock, flags);

	/*
	 * NR_FREE_* change under zone->lock, but a vmstat fold moves a
	 * per-cpu delta to the zone counter outside it: the caller retries.
	 */
	if (free != c.zone_free || cma != c.zone_cma)
		check_report(&c, "zone %s: lists %lu free, %lu CMA; counters %ld, %ld",
			     zone->name, c.zone_free, c.zone_cma, free, cma);
	*unsettled = c.unsettled;
	return c.errors;
}

/**
 * cma_region_check_free_lists() - check the free lists against the counters
 *
 * For every populated zone: every page on a free list of the zone is a
 * PageBuddy() head of its list's order and pageblock type, outside every
 * exclusive region; each list's length matches nr_free; the pages on them
 * match NR_FREE_PAGES and NR_FREE_CMA_PAGES, those on the sticky lists the
 * zone's sticky counter, and the free blocks in each sticky region's sticky
 * pageblocks that region's counter.  For every exclusive region:
 * the same for its own free_area with page_is_cma_free(), inside the
 * region, its free pages not marked handed out in the bitmap, no page of
 * the region PageBuddy() nor on a pcp list, every free head found by a walk
 * of its pfns on a list, and every other page of it handed out, still
 * referenced after a release, or hwpoisoned: none lost.
 *
 * A zone found inconsistent is checked again, up to CHECK_TRIES times, 1 to
 * 2 ms apart: a vmstat fold moves a per-cpu delta outside zone->lock, and a
 * released page is neither referenced nor on a list between its last
 * put_page() and the free path's zone->lock.  Only the last try reports
 * each inconsistency with pr_err() (the first few).
 *
 * Context: process context, may sleep; takes each zone->lock in turn (IRQs
 * off for a walk of that zone's free lists and its regions' pfns).
 *
 * Return: the number of inconsistencies found, 0 if none.
 */
unsigned int cma_region_check_free_lists(void)
{
	unsigned int errors = 0;
	struct zone *zone;

	for_each_populated_zone(zone) {
		bool unsettled = false;
		unsigned int e = 0, try;

		/*
		 * Transient: a vmstat fold, a page between its last put and
		 * the free path's zone->lock, a cma_release() in flight.
		 */
		for (try = 0; try < CHECK_TRIES - 1; try++) {
			e = check_one_zone(zone, true, &unsettled);
			if (!e && !unsettled)
				break;
			usleep_range(1000, 2000);
		}
		if (e)
			e = check_one_zone(zone, false, &unsettled);
		if (unsettled)
			pr_info("cma_region check: zone %s: releases in flight, lost pages not checked\n",
				zone->name);
		errors += e;
	}
	return errors;
}

#ifdef CONFIG_DEBUG_FS
static int check_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%u\n", cma_region_check_free_lists());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(check);

/* /sys/kernel/debug/cma_region_check: the number of inconsistencies */
static int __init cma_region_check_debugfs(void)
{
	debugfs_create_file("cma_region_check", 0400, NULL, NULL, &check_fops);
	return 0;
}
late_initcall(cma_region_check_debugfs);
#endif

#ifdef CONFIG_CMA_STICKY_KUNIT_TEST
#include "page_alloc_cma_kunit.h"
#endif
