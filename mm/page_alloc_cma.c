// SPDX-License-Identifier: GPL-2.0
/*
 * cma-sticky: CMA regions served by the buddy allocator.
 *
 * A CMA area declared exclusive gets a struct cma_region with a free_area of
 * its own.  Its pageblocks are MIGRATE_MOVABLE_EXCLUSIVE and its free pages
 * live on that free_area instead of the zone's: they are not in the zone's
 * NR_FREE_PAGES nor in its managed pages, so watermarks and kswapd never
 * count memory the zone cannot use, and no allocation but the region's can
 * take them.  cma_alloc() on such an area is the buddy allocator's own
 * __rmqueue_smallest() on the region's free_area, and every path that frees
 * a page of the region (cma_release(), put_page(), folio_put(),
 * __free_pages(), free_contig_range()) lands in __cma_region_free_pages()
 * through the screen in free_one_page(), which merges buddies inside the
 * region with __free_one_page() and never across its edge.
 *
 * Why not kernel/resource.c or a bitmap allocator: both would be a second
 * allocator beside the buddy one, with their own splitting, alignment and
 * debugging, for memory the buddy allocator already knows how to manage.
 * The region's only extra state is the CMA area's existing bitmap, which
 * records what the region handed out so that a release of pages it did not
 * hand out (a double free) is refused with a warning instead of corrupting
 * the free lists.
 */
#define pr_fmt(fmt) "cma_region: " fmt

#include <linux/bitmap.h>
#include <linux/cma.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/memblock.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/vmstat.h>
#include <trace/events/cma.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"
#include "cma.h"
#include "page_alloc_cma.h"

DEFINE_STATIC_KEY_FALSE(cma_region_exclusive_key);

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
 * cma_region_nr_free() - free pages on a region's free_area
 * @region: the region
 *
 * Return: the number of free pages the region holds right now.
 */
unsigned long cma_region_nr_free(struct cma_region *region)
{
	unsigned long flags, nr = 0;
	unsigned int order;

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

		if (!region || region->zone->zone_pgdat != pgdat)
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

/* Give [pfn, end), just taken off the free lists, back; zone->lock held. */
static void region_give_back(struct cma_region *region, unsigned long pfn,
			     unsigned long end)
{
	while (pfn < end) {
		unsigned int order = chunk_order(pfn, end);

		__free_to_free_area(pfn_to_page(pfn), pfn, region->zone,
				    region->free_area, order,
				    MIGRATE_MOVABLE_EXCLUSIVE);
		pfn += 1UL << order;
	}
}

/*
 * Claim @nr_blocks consecutive free MAX_PAGE_ORDER blocks, the first aligned
 * to @step pages.  Returns the first pfn, or 0.  zone->lock held.
 */
static unsigned long region_claim_run(struct cma_region *region,
				      unsigned long nr_blocks,
				      unsigned long step)
{
	unsigned long start = ALIGN(region->base_pfn, step), i;

	while (start + nr_blocks * MAX_ORDER_NR_PAGES <= region->end_pfn) {
		for (i = 0; i < nr_blocks; i++) {
			struct page *page = pfn_to_page(start +
							i * MAX_ORDER_NR_PAGES);

			if (!PageBuddy(page) || buddy_order(page) != MAX_PAGE_ORDER)
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

/**
 * cma_region_alloc() - allocate from an exclusive region
 * @cma: an area in CMA_REGION_EXCLUSIVE mode
 * @count: number of pages
 * @align: alignment, as an order
 * @gfp: GFP_KERNEL, optionally __GFP_NOWARN; __GFP_COMP for a folio
 *
 * Up to MAX_ORDER_NR_PAGES, one __rmqueue_smallest() on the region's
 * free_area of the order that covers @count and @align; the pages past
 * @count go straight back.  Above, a run of consecutive free MAX_PAGE_ORDER
 * blocks.  Never migrates, never sleeps, never touches the zone's lists.
 *
 * Return: the first page (order-0 pages of refcount 1 each, or a compound
 * page with __GFP_COMP), or NULL when the region has no such range free.
 */
struct page *cma_region_alloc(struct cma *cma, unsigned long count,
			      unsigned int align, gfp_t gfp)
{
	struct cma_region *region = cma->region;
	unsigned long flags, pfn = 0, end = 0;
	unsigned int order;
	struct page *page;

	if (!region || !count)
		return NULL;
	if ((gfp & __GFP_COMP) &&
	    (!is_power_of_2(count) || count > MAX_ORDER_NR_PAGES))
		return NULL;

	spin_lock_irqsave(&region->zone->lock, flags);
	if (count <= MAX_ORDER_NR_PAGES && align <= MAX_PAGE_ORDER) {
		order = max_t(unsigned int, order_base_2(count), align);
		page = __rmqueue_free_area(region->zone, region->free_area,
					   order, MIGRATE_MOVABLE_EXCLUSIVE);
		if (page) {
			pfn = page_to_pfn(page);
			end = pfn + (1UL << order);
		}
	} else if (align < BITS_PER_LONG) {
		unsigned long nr = DIV_ROUND_UP(count, MAX_ORDER_NR_PAGES);

		pfn = region_claim_run(region, nr,
				       max(MAX_ORDER_NR_PAGES, 1UL << align));
		end = pfn + nr * MAX_ORDER_NR_PAGES;
	}
	if (pfn)
		region_give_back(region, pfn + count, end);
	spin_unlock_irqrestore(&region->zone->lock, flags);

	if (!pfn) {
		count_vm_events(CMA_REGION_ALLOC_FAIL, count);
		return NULL;
	}

	spin_lock_irqsave(&cma->lock, flags);
	bitmap_set(cma->bitmap, pfn - region->base_pfn, count);
	spin_unlock_irqrestore(&cma->lock, flags);
	count_vm_events(CMA_REGION_ALLOC, count);
	if (trace_cma_region_alloc_enabled())
		trace_cma_region_alloc(cma->name, pfn, count, align,
				       cma_region_nr_free(region));

	page = pfn_to_page(pfn);
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

/**
 * cma_region_release() - check and release pages of an exclusive region
 * @cma: an area in CMA_REGION_EXCLUSIVE mode
 * @pages: first page, as cma_alloc() returned it
 * @count: number of pages
 *
 * Every page of the range must be one the region handed out and has not
 * had back; otherwise nothing is released and the first offending pfn is
 * reported once.  The pages themselves come back to the region when their
 * last reference goes, through the free path, whoever drops it.
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
	spin_lock_irqsave(&cma->lock, flags);
	bad = find_next_zero_bit(cma->bitmap, off + count, off);
	spin_unlock_irqrestore(&cma->lock, flags);
	if (bad < off + count) {
		atomic_long_inc(&region->nr_bad_release);
		WARN_ONCE(1, "cma_region %s: release of pfn %lu, which the region has not handed out (double free?)\n",
			  cma->name, region->base_pfn + bad);
		return false;
	}

	free_contig_range(pfn, count);
	return true;
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

	if (WARN_ONCE(!region || end > region->end_pfn,
		      "cma_region: pfn %lu order %u is in an exclusive pageblock outside any region; not freed\n",
		      pfn, order))
		return;

	spin_lock_irqsave(&region->cma->lock, flags);
	bitmap_clear(region->cma->bitmap, pfn - region->base_pfn, end - pfn);
	spin_unlock_irqrestore(&region->cma->lock, flags);

	spin_lock_irqsave(&region->zone->lock, flags);
	region_give_back(region, pfn, end);
	spin_unlock_irqrestore(&region->zone->lock, flags);
	count_vm_events(CMA_REGION_FREE, end - pfn);
	trace_cma_region_free(region->cma->name, pfn, order);
}

/*
 * Called by cma_activate_area() for an exclusive area: the area's pages go
 * to a new region instead of the zone.  They were never counted in the
 * zone's managed pages and are not added now: the zone cannot use them.
 */
int __init cma_region_activate(struct cma *cma)
{
	struct cma_region *region;
	unsigned long pfn;
	unsigned int order;
	int mt;

	if (cma->order_per_bit) {
		pr_err("%s: an exclusive area needs order_per_bit 0\n", cma->name);
		return -EINVAL;
	}
	region = kzalloc(sizeof(*region), GFP_KERNEL);
	if (!region)
		return -ENOMEM;

	region->cma = cma;
	region->zone = page_zone(pfn_to_page(cma->base_pfn));
	region->base_pfn = cma->base_pfn;
	region->end_pfn = cma->base_pfn + cma->count;
	for_each_migratetype_order(order, mt)
		INIT_LIST_HEAD(&region->free_area[order].free_list[mt]);

	WRITE_ONCE(cma->region, region);
	static_branch_enable(&cma_region_exclusive_key);

	for (pfn = region->base_pfn; pfn < region->end_pfn;
	     pfn += pageblock_nr_pages)
		init_cma_exclusive_pageblock(pfn_to_page(pfn));

	/* CmaTotal counts MIGRATE_CMA memory; the region has its own. */
	totalcma_pages -= cma->count;
	pr_info("%s: exclusive region of %lu MiB at pfn %lu-%lu in zone %s\n",
		cma->name, cma->count >> (20 - PAGE_SHIFT), region->base_pfn,
		region->end_pfn - 1, region->zone->name);
	return 0;
}

/**
 * cma_declare_region() - reserve a CMA area managed as a region
 * @base: physical base, or 0 for anywhere below @limit
 * @size: size in bytes; rounded up to MAX_PAGE_ORDER pages
 * @limit: highest physical address + 1, or 0 for no limit
 * @mode: CMA_REGION_EXCLUSIVE
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

	if (mode != CMA_REGION_EXCLUSIVE) {
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
 * e.g. cma_region=camera:64M:exclusive
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
	if (strcmp(mode, "exclusive")) {
		pr_err("cma_region=%s: unknown mode '%s' (supported: exclusive)\n",
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
	boot_regions[nr_boot_regions].mode = CMA_REGION_EXCLUSIVE;
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

#ifdef CONFIG_CMA_STICKY_KUNIT_TEST
#include "page_alloc_cma_kunit.h"
#endif
