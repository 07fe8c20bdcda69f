/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of CMA regions, included at the end of mm/page_alloc_cma.c
 * (CONFIG_CMA_STICKY_KUNIT_TEST).
 *
 * The cma_region suite needs an exclusive area named "kunit" of at least
 * 16 MiB (cma_region=kunit:32M:exclusive), the cma_sticky suite a sticky
 * area named "shared" of at least 16 MiB (cma_region=shared:256M:sticky),
 * the only sticky area of the machine, so that movable allocations fill it
 * first.  A case whose area is missing is skipped and says which.  Each
 * case leaves its region as it found it and checks that it did (for
 * exclusive regions: per-order free counts included).
 */
#ifndef _MM_PAGE_ALLOC_CMA_KUNIT_H
#define _MM_PAGE_ALLOC_CMA_KUNIT_H

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/compaction.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/pagemap.h>
#include <linux/shmem_fs.h>
#include <linux/vmcore_info.h>
#include <linux/vmstat.h>
#include <trace/events/compaction.h>

#include "shuffle.h"

struct region_snapshot {
	unsigned long nr_free[NR_PAGE_ORDERS];
};

static void region_snapshot(struct cma_region *region,
			    struct region_snapshot *snap)
{
	unsigned long flags;
	unsigned int order;

	spin_lock_irqsave(&region->zone->lock, flags);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		snap->nr_free[order] = region->free_area[order].nr_free;
	spin_unlock_irqrestore(&region->zone->lock, flags);
}

static void expect_snapshot(struct kunit *test, struct cma_region *region,
			    struct region_snapshot *before)
{
	struct region_snapshot now;
	unsigned int order;

	region_snapshot(region, &now);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		KUNIT_EXPECT_EQ_MSG(test, before->nr_free[order],
				    now.nr_free[order], "order %u", order);
}

static struct cma *kunit_cma(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < cma_area_count; i++) {
		struct cma *cma = &cma_areas[i];

		if (!strcmp(cma->name, "kunit") && cma_is_exclusive(cma) &&
		    cma->region && cma->count >= SZ_16M / PAGE_SIZE)
			return cma;
	}
	kunit_skip(test, "no exclusive area 'kunit' of 16 MiB (cma_region=kunit:32M:exclusive)");
	return NULL;
}

static bool pfn_in_region(struct cma_region *region, unsigned long pfn,
			  unsigned long count)
{
	return pfn >= region->base_pfn && pfn + count <= region->end_pfn;
}

/* Every order from 0 to MAX_PAGE_ORDER, naturally aligned, in the region. */
static void region_test_each_order(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	struct region_snapshot snap;
	unsigned long free0 = cma_region_nr_free(region);
	unsigned int order;

	region_snapshot(region, &snap);
	for (order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *page = cma_alloc(cma, 1UL << order, order, false);
		unsigned long pfn;

		KUNIT_ASSERT_NOT_NULL_MSG(test, page, "order %u", order);
		pfn = page_to_pfn(page);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED(pfn, 1UL << order),
				      "order %u pfn %lu", order, pfn);
		KUNIT_EXPECT_TRUE(test, pfn_in_region(region, pfn, 1UL << order));
		KUNIT_EXPECT_TRUE(test, is_migrate_exclusive_page(page));
		KUNIT_EXPECT_EQ(test, page_count(page), 1);
		KUNIT_EXPECT_EQ(test, free0 - (1UL << order),
				cma_region_nr_free(region));
		KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 1UL << order));
		KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	}
	expect_snapshot(test, region, &snap);
}

/* Counts that are not a power of two: exactly count pages leave. */
static void region_test_odd_counts(struct kunit *test)
{
	static const unsigned long counts[] = { 3, 5, 7, 100, 511, 513, 1000 };
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	struct page *pages[ARRAY_SIZE(counts)];
	struct region_snapshot snap;
	unsigned long free0 = cma_region_nr_free(region), held = 0;
	unsigned int i;

	region_snapshot(region, &snap);
	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		pages[i] = cma_alloc(cma, counts[i], 0, false);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
		KUNIT_EXPECT_TRUE(test, pfn_in_region(region, page_to_pfn(pages[i]),
						      counts[i]));
		held += counts[i];
		KUNIT_EXPECT_EQ(test, free0 - held, cma_region_nr_free(region));
	}
	/* Release in another order than allocated: the buddies merge back. */
	for (i = 0; i < ARRAY_SIZE(counts); i += 2)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, pages[i], counts[i]));
	for (i = 1; i < ARRAY_SIZE(counts); i += 2)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, pages[i], counts[i]));
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}

/* Above MAX_ORDER_NR_PAGES: a contiguous run of max-order blocks. */
static void region_test_above_max_order(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long count = 2 * MAX_ORDER_NR_PAGES + 7;
	unsigned long free0 = cma_region_nr_free(region), pfn, i;
	struct region_snapshot snap;
	struct page *page;

	region_snapshot(region, &snap);
	page = cma_alloc(cma, count, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	pfn = page_to_pfn(page);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED(pfn, MAX_ORDER_NR_PAGES));
	KUNIT_EXPECT_TRUE(test, pfn_in_region(region, pfn, count));
	KUNIT_EXPECT_EQ(test, free0 - count, cma_region_nr_free(region));
	for (i = 0; i < count; i++)
		KUNIT_ASSERT_EQ(test, page_count(pfn_to_page(pfn + i)), 1);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, count));
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}

/* Take everything, fail, give everything back: the start state again. */
static void region_test_exhaust(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long nr = region->end_pfn - region->base_pfn;
	unsigned long n = 0, i, free0 = cma_region_nr_free(region);
	struct region_snapshot snap;
	struct page **blocks;

	KUNIT_ASSERT_EQ_MSG(test, free0, nr, "the region must be idle");
	region_snapshot(region, &snap);
	blocks = kunit_kcalloc(test, nr / pageblock_nr_pages + 1,
			       sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);

	while ((blocks[n] = cma_alloc(cma, pageblock_nr_pages,
				      pageblock_order, true)))
		n++;
	KUNIT_EXPECT_EQ(test, n, nr / pageblock_nr_pages);
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region), 0UL);
	KUNIT_EXPECT_NULL(test, cma_alloc(cma, 1, 0, true));

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, blocks[i],
						    pageblock_nr_pages));
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);

	/* And the whole region as one allocation. */
	blocks[0] = cma_alloc(cma, nr, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, blocks[0]);
	KUNIT_EXPECT_EQ(test, page_to_pfn(blocks[0]), region->base_pfn);
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region), 0UL);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, blocks[0], nr));
	expect_snapshot(test, region, &snap);
}

/*
 * A double release, or a range never handed out: refused, nothing lost.
 * cma_release() still says true (the pages are the area's), so that
 * dma_free_contiguous() does not hand them to __free_pages() instead.
 */
static void region_test_double_release(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region);
	long bad0 = atomic_long_read(&region->nr_bad_release);
	struct region_snapshot snap;
	struct page *page, *other;
	struct device *dev;
	bool ok;

	region_snapshot(region, &snap);
	page = cma_alloc(cma, 4, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	other = cma_alloc(cma, 4, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 4));

	pr_info("CMA_STICKY_EXPECT_WARN_BEGIN\n");
	ok = cma_release(cma, page, 4);
	pr_info("CMA_STICKY_EXPECT_WARN_END\n");
	KUNIT_EXPECT_TRUE(test, ok);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&region->nr_bad_release), bad0 + 1);
	KUNIT_EXPECT_EQ(test, free0 - 4, cma_region_nr_free(region));

	/* Partly handed out: refused whole, the live part stays live. */
	pr_info("CMA_STICKY_EXPECT_WARN_BEGIN\n");
	ok = cma_release(cma, other, 8);
	pr_info("CMA_STICKY_EXPECT_WARN_END\n");
	KUNIT_EXPECT_TRUE(test, ok);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&region->nr_bad_release), bad0 + 2);
	KUNIT_EXPECT_EQ(test, page_count(other), 1);
	KUNIT_EXPECT_EQ(test, free0 - 4, cma_region_nr_free(region));

	KUNIT_EXPECT_TRUE(test, cma_release(cma, other, 4));
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));

	/* The same through the DMA API of a device whose area it is. */
	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	dev->cma_area = cma;
	page = cma_alloc(cma, 4, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	dma_free_contiguous(dev, page, 4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	pr_info("CMA_STICKY_EXPECT_WARN_BEGIN\n");
	dma_free_contiguous(dev, page, 4 * PAGE_SIZE);
	pr_info("CMA_STICKY_EXPECT_WARN_END\n");
	KUNIT_EXPECT_EQ(test, atomic_long_read(&region->nr_bad_release), bad0 + 3);
	KUNIT_EXPECT_EQ(test, page_count(page), 0);
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}

/* Whoever drops the last reference, the pages come back to the region. */
static void region_test_last_put(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region);
	long bad0;
	struct region_snapshot snap;
	struct folio *folio;
	struct page *page;

	region_snapshot(region, &snap);

	/* A compound folio, freed by folio_put(). */
	folio = cma_alloc_folio(cma, 2, GFP_KERNEL | __GFP_COMP);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	KUNIT_EXPECT_EQ(test, folio_order(folio), 2);
	KUNIT_EXPECT_EQ(test, free0 - 4, cma_region_nr_free(region));
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));

	/* cma_free_folio() while someone else still holds a reference. */
	folio = cma_alloc_folio(cma, 3, GFP_KERNEL | __GFP_COMP);
	KUNIT_ASSERT_NOT_NULL(test, folio);
	folio_get(folio);
	KUNIT_EXPECT_TRUE(test, cma_free_folio(cma, folio));
	KUNIT_EXPECT_EQ(test, free0 - 8, cma_region_nr_free(region));
	folio_put(folio);
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));

	/*
	 * An order-0 page whose last reference goes by put_page(), without
	 * cma_release(): back in the region, and no longer handed out, so a
	 * late cma_release() of it is refused.
	 */
	page = cma_alloc(cma, 1, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	get_page(page);
	put_page(page);
	KUNIT_EXPECT_EQ(test, free0 - 1, cma_region_nr_free(region));
	put_page(page);
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	bad0 = atomic_long_read(&region->nr_bad_release);
	pr_info("CMA_STICKY_EXPECT_WARN_BEGIN\n");
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 1));
	pr_info("CMA_STICKY_EXPECT_WARN_END\n");
	KUNIT_EXPECT_EQ(test, atomic_long_read(&region->nr_bad_release), bad0 + 1);
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));

	/* An aligned 8-page allocation, released the usual way. */
	page = cma_alloc(cma, 8, 3, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 8));
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}

/*
 * Region traffic never moves the zone's NR_FREE_PAGES, and the zone's
 * own lists never hold an exclusive page.  Other CPUs may allocate in the
 * meantime, so the check is that 16 MiB of region traffic moves the zone
 * by far less than 16 MiB.
 */
static void region_test_zone_untouched(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	struct zone *zone = region->zone;
	unsigned long count = SZ_16M / PAGE_SIZE, flags;
	long before, after;
	unsigned int order;
	struct page *page;

	before = zone_page_state_snapshot(zone, NR_FREE_PAGES);
	page = cma_alloc(cma, count, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	after = zone_page_state_snapshot(zone, NR_FREE_PAGES);
	KUNIT_EXPECT_LT(test, abs(after - before), (long)count / 16);

	before = after;
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, count));
	after = zone_page_state_snapshot(zone, NR_FREE_PAGES);
	KUNIT_EXPECT_LT(test, abs(after - before), (long)count / 16);

	spin_lock_irqsave(&zone->lock, flags);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		KUNIT_EXPECT_TRUE(test, free_area_empty(&zone->free_area[order],
							MIGRATE_MOVABLE_EXCLUSIVE));
	spin_unlock_irqrestore(&zone->lock, flags);
}

/* No allocation through alloc_pages() ever gets an exclusive page. */
static void region_test_alloc_pages_never(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long half = (region->end_pfn - region->base_pfn) / 2, i;
	const unsigned int n = 4096;
	struct page *busy, **pages;
	gfp_t gfps[] = { GFP_KERNEL, GFP_HIGHUSER_MOVABLE,
			 GFP_KERNEL | __GFP_RECLAIMABLE, GFP_ATOMIC };

	/* Keep the region busy (half allocated) and its free half on offer. */
	busy = cma_alloc(cma, half, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, busy);
	pages = kunit_kcalloc(test, n, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);

	for (i = 0; i < n; i++) {
		unsigned int order = i % 64 == 63 ? pageblock_order : i % 3;

		pages[i] = alloc_pages(gfps[i % ARRAY_SIZE(gfps)] |
				       __GFP_NOWARN | __GFP_NORETRY, order);
		if (!pages[i])
			continue;
		KUNIT_EXPECT_FALSE_MSG(test, is_migrate_exclusive_page(pages[i]),
				       "pfn %lu", page_to_pfn(pages[i]));
		KUNIT_EXPECT_FALSE(test, pfn_in_region(region,
						       page_to_pfn(pages[i]), 1));
		pages[i]->private = order;
	}
	for (i = 0; i < n; i++)
		if (pages[i])
			__free_pages(pages[i], pages[i]->private);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, busy, half));
}

/* alloc_contig_range() and isolation keep off the region. */
static void region_test_isolation_refused(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region);
	struct region_snapshot snap;
	int ret;

	region_snapshot(region, &snap);
	ret = alloc_contig_range(region->base_pfn,
				 region->base_pfn + pageblock_nr_pages,
				 MIGRATE_MOVABLE, GFP_KERNEL | __GFP_NOWARN);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_TRUE(test, is_migrate_exclusive_page(pfn_to_page(region->base_pfn)));
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}

/* /proc/vmstat counts region traffic exactly (nobody else uses "kunit"). */
static void region_test_vm_events(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	unsigned long *before, *after;
	struct page *page;

	before = kunit_kcalloc(test, NR_VM_EVENT_ITEMS, sizeof(long), GFP_KERNEL);
	after = kunit_kcalloc(test, NR_VM_EVENT_ITEMS, sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);

	all_vm_events(before);
	page = cma_alloc(cma, 100, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_NULL(test, cma_alloc(cma, cma->count, 0, true));
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 100));
	all_vm_events(after);

	KUNIT_EXPECT_EQ(test, after[CMA_REGION_ALLOC] - before[CMA_REGION_ALLOC], 100UL);
	KUNIT_EXPECT_EQ(test, after[CMA_REGION_FREE] - before[CMA_REGION_FREE], 100UL);
	KUNIT_EXPECT_EQ(test, after[CMA_REGION_ALLOC_FAIL] - before[CMA_REGION_ALLOC_FAIL],
			cma->count);
}

/* CmaTotal (totalcma_pages) counts MIGRATE_CMA and sticky areas, not exclusive. */
static void region_test_not_in_cma_total(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	unsigned long legacy = 0;
	unsigned int i;

	for (i = 0; i < cma_area_count; i++)
		if (!cma_is_exclusive(&cma_areas[i]))
			legacy += cma_areas[i].count;
	KUNIT_EXPECT_EQ(test, totalcma_pages, legacy);
	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, cma_region_mode(NULL), CMA_REGION_NONE);
	KUNIT_EXPECT_TRUE(test, static_branch_unlikely(&cma_region_exclusive_key));
}

/* ---- pfn walkers: a region's free pages are nobody else's ---- */

/* Pages on @region's free lists that lie outside it. */
static unsigned long region_strangers(struct cma_region *region)
{
	unsigned long flags, n = 0;
	unsigned int order;
	int mt;

	spin_lock_irqsave(&region->zone->lock, flags);
	for_each_migratetype_order(order, mt) {
		struct page *page;

		list_for_each_entry(page, &region->free_area[order].free_list[mt],
				    buddy_list)
			n += !pfn_in_region(region, page_to_pfn(page), 1UL << order);
	}
	spin_unlock_irqrestore(&region->zone->lock, flags);
	return n;
}

/* The pfn of a free max-order block of the region, or 0. */
static unsigned long region_free_block(struct cma_region *region)
{
	struct list_head *list;
	unsigned long flags, pfn = 0;
	struct page *page;

	spin_lock_irqsave(&region->zone->lock, flags);
	list = &region->free_area[MAX_PAGE_ORDER].free_list[MIGRATE_MOVABLE_EXCLUSIVE];
	page = list_first_entry_or_null(list, struct page, buddy_list);
	if (page)
		pfn = page_to_pfn(page);
	spin_unlock_irqrestore(&region->zone->lock, flags);
	return pfn;
}

/*
 * The heads of a region's free blocks are page_is_cma_free(), never PageBuddy(),
 * so no pfn walker that trusts PageBuddy() takes or counts them; they add
 * up to the region's free pages; is_free_buddy_page(), what memory failure
 * asks, still calls them free.
 */
static void region_test_free_pages_typed(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long pfn, flags, buddy = 0, typed = 0, nr_free = 0;
	unsigned int order;
	struct page *page;

	page = cma_alloc(cma, 1, 0, false);	/* splits a block */
	KUNIT_ASSERT_NOT_NULL(test, page);

	spin_lock_irqsave(&region->zone->lock, flags);
	for (pfn = region->base_pfn; pfn < region->end_pfn; pfn++) {
		struct page *p = pfn_to_page(pfn);

		buddy += PageBuddy(p);
		if (page_is_cma_free(p))
			typed += 1UL << buddy_order(p);
	}
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		nr_free += region->free_area[order].nr_free << order;
	spin_unlock_irqrestore(&region->zone->lock, flags);

	KUNIT_EXPECT_EQ(test, buddy, 0);
	KUNIT_EXPECT_EQ(test, typed, nr_free);
	KUNIT_EXPECT_FALSE(test, is_free_buddy_page(page));
	KUNIT_EXPECT_TRUE(test, is_free_buddy_page(page + 1));
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 1));
}

/*
 * Compaction's free scanner, isolate_freepages_block(), ends in
 * __isolate_free_page() on every PageBuddy() page of a block it scans; at
 * MIN_COMPACT_PRIORITY it scans blocks of any type.  Run over a free block
 * of the region (here through isolate_freepages_range(), which calls it on
 * each block), it must isolate nothing.
 */
static void region_test_compaction_scanner(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region), pfn, end;
	struct region_snapshot snap;
	struct compact_control cc = {
		.zone = region->zone,
		.order = -1,
		.mode = MIGRATE_SYNC,
		.ignore_skip_hint = true,
		.no_set_skip_hint = true,
		.ignore_block_suitable = true,
		.gfp_mask = GFP_KERNEL,
	};

	INIT_LIST_HEAD(&cc.migratepages);
	pfn = region_free_block(region);
	KUNIT_ASSERT_NE(test, pfn, 0);
	region_snapshot(region, &snap);

	/* Had it taken them, the region's lists and counts are corrupt now. */
	end = isolate_freepages_range(&cc, pfn, pfn + MAX_ORDER_NR_PAGES);
	KUNIT_ASSERT_EQ(test, end, 0);
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}

/*
 * Fill @n pages of a shmem file with a pattern; they go to a sticky region
 * first, if there is one.
 */
static struct file *shmem_fill(struct kunit *test, unsigned long n)
{
	struct file *file = shmem_kernel_file_setup("cma_sticky_kunit",
						    n << PAGE_SHIFT, 0);
	unsigned long i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(file));
	for (i = 0; i < n; i++) {
		struct page *page = shmem_read_mapping_page(file->f_mapping, i);

		KUNIT_ASSERT_FALSE(test, IS_ERR(page));
		memset_page(page, 0, (int)(i & 0xff), PAGE_SIZE);
		set_page_dirty(page);
		put_page(page);
	}
	return file;
}

/* How many of the file's @n pages are in the region; checks the pattern. */
static unsigned long shmem_in_region(struct kunit *test, struct file *file,
				     unsigned long n, struct cma_region *region)
{
	unsigned long i, in = 0;

	for (i = 0; i < n; i++) {
		struct page *page = shmem_read_mapping_page(file->f_mapping, i);
		u8 *p;

		KUNIT_ASSERT_FALSE(test, IS_ERR(page));
		p = kmap_local_page(page);
		KUNIT_EXPECT_EQ(test, p[0], (u8)(i & 0xff));
		KUNIT_EXPECT_EQ(test, p[PAGE_SIZE - 1], (u8)(i & 0xff));
		kunmap_local(p);
		if (pfn_in_region(region, page_to_pfn(page), 1))
			in++;
		put_page(page);
	}
	return in;
}

#if defined(CONFIG_COMPACTION) && defined(CONFIG_TRACEPOINTS)
/*
 * Fragment @zone the way a long-running machine is: take every free
 * pageblock-order block an unmovable allocation can get in @zone (it steals
 * movable blocks whole and retypes them unmovable for good) and give all of
 * each back but its first page.  The zone keeps its free memory, in pieces
 * below pageblock_order on the unmovable lists, where compaction's fast
 * search does not look.  No reserves, no reclaim, no kswapd, no CMA.
 */
static unsigned long pin_free_blocks(struct zone *zone, struct list_head *held)
{
	gfp_t gfp = (GFP_KERNEL & ~__GFP_RECLAIM) | __GFP_NOWARN |
		    __GFP_NOMEMALLOC | __GFP_THISNODE;
	unsigned long n = 0, i;
	struct page *page;

	if (zone_idx(zone) == ZONE_DMA32)
		gfp |= __GFP_DMA32;
	while ((page = alloc_pages_node(zone_to_nid(zone), gfp,
					pageblock_order))) {
		if (page_zone(page) != zone) {
			/* @zone has no such block left: a lower zone served it */
			__free_pages(page, pageblock_order);
			break;
		}
		split_page(page, pageblock_order);
		for (i = 1; i < pageblock_nr_pages; i++)
			__free_page(page + i);
		list_add(&page->lru, held);
		n++;
	}
	return n;
}

/* What region_test_compact_min_priority() holds, released by its action. */
struct compact_case {
	struct cma *cma;
	struct page **split;		/* the first page of each region block */
	unsigned int nr_split;
	struct page **filled;		/* MAX_PAGE_ORDER chunks of other areas */
	struct cma **filled_from;
	unsigned int nr_filled, max_filled;
	struct list_head pinned;
	struct file *file;
	/* the free scanner's visits, from its tracepoint */
	struct cma_region *region;
	struct task_struct *task;
	unsigned long *seen;		/* region pages the free scanner scanned */
	atomic_long_t taken;		/* and took */
	bool probe;
};

static void unpin_blocks(struct list_head *held)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, held, lru) {
		list_del(&page->lru);
		__free_page(page);
	}
}

/* isolate_freepages_block() scanned [start, end) and took @taken pages. */
static void compact_case_probe(void *data, unsigned long start,
			       unsigned long end, unsigned long scanned,
			       unsigned long taken)
{
	struct compact_case *cc = data;
	struct cma_region *region = cc->region;

	if (current != cc->task || end <= region->base_pfn ||
	    start >= region->end_pfn)
		return;
	start = max(start, region->base_pfn);
	end = min(end, region->end_pfn);
	bitmap_set(cc->seen, start - region->base_pfn, end - start);
	atomic_long_add(taken, &cc->taken);
}

static void compact_case_release(void *data)
{
	struct compact_case *cc = data;

	if (cc->probe) {
		unregister_trace_mm_compaction_isolate_freepages(compact_case_probe, cc);
		tracepoint_synchronize_unregister();
		cc->probe = false;
	}
	unpin_blocks(&cc->pinned);
	if (cc->file) {
		fput(cc->file);
		cc->file = NULL;
	}
	while (cc->nr_filled) {
		cc->nr_filled--;
		if (!cma_release(cc->filled_from[cc->nr_filled],
				 cc->filled[cc->nr_filled], MAX_ORDER_NR_PAGES))
			kunit_fail_current_test("a filled chunk was not released");
	}
	while (cc->nr_split) {
		cc->nr_split--;
		if (!cma_release(cc->cma, cc->split[cc->nr_split], 1))
			kunit_fail_current_test("a split page was not released");
	}
}

/*
 * Take every free MAX_PAGE_ORDER chunk of the other non-exclusive areas
 * above @region in its zone: compaction's free scanner starts at the top
 * of the zone and would find its migration targets there.
 */
static void fill_areas_above(struct compact_case *cc)
{
	struct cma_region *region = cc->region;
	unsigned int i;

	for (i = 0; i < cma_area_count; i++) {
		struct cma *cma = &cma_areas[i];
		struct page *page;

		if (cma_is_exclusive(cma) || cma->base_pfn < region->end_pfn ||
		    page_zone(pfn_to_page(cma->base_pfn)) != region->zone)
			continue;
		while (cc->nr_filled < cc->max_filled &&
		       (page = cma_alloc(cma, MAX_ORDER_NR_PAGES,
					 MAX_PAGE_ORDER, true))) {
			cc->filled_from[cc->nr_filled] = cma;
			cc->filled[cc->nr_filled++] = page;
		}
	}
}

/*
 * Direct compaction's last try, try_to_compact_pages() at
 * MIN_COMPACT_PRIORITY, scans whole zones and takes free pages from
 * pageblocks of every type (ignore_block_suitable).  Drive it through a
 * region: every MAX_PAGE_ORDER block of the region split by an allocation
 * (so that on a PageBuddy() design the first pageblock of each would be a
 * target), the zone out of pageblock-order blocks but not of free memory,
 * the other areas above the region taken, and a shmem file to migrate.
 * The mm_compaction_isolate_freepages tracepoint, which only the free
 * scanner's isolate_freepages_block() emits, must show it scanning every
 * page of the region and taking none; the region's counts, its per-order
 * snapshot, the free-list checker and the shmem file's placement must not
 * change.
 *
 * An unmovable request (GFP_KERNEL, whose costly orders the allocator
 * itself never compacts at this priority): a movable one would end at the
 * first free CMA or sticky block (__compact_finished()).  The case compacts
 * the region's zone alone (a one-zone zonelist), and turns off
 * fast_isolate_freepages()'s first-search jump of the free scanner to the
 * top half of the zone (scan_start, through compact_init_free_pfn) so that
 * the linear scanner does not start below the region; it restores that and
 * the zone's deferral state.  It relies on the region lying near the top of
 * its zone, as the .kunitconfig's areas do; the pinned blocks stay
 * unmovable afterwards.
 */
static void region_test_compact_min_priority(struct kunit *test)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN;
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	struct zone *zone = region->zone;
	unsigned long nr_pages = region->end_pfn - region->base_pfn;
	unsigned int nr_blocks = nr_pages >> MAX_PAGE_ORDER, i;
	unsigned long free0, nr_pinned, init_free, seen, taken;
	unsigned int considered, defer_shift;
	struct page *capture = NULL;
	struct region_snapshot snap;
	struct alloc_context ac = {};
	struct zonelist *zonelist;
	struct compact_case *cc;
	enum compact_result res;
	int order_failed;

	cc = kunit_kzalloc(test, sizeof(*cc), GFP_KERNEL);
	zonelist = kunit_kzalloc(test, sizeof(*zonelist), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, cc);
	KUNIT_ASSERT_NOT_NULL(test, zonelist);
	cc->cma = cma;
	cc->region = region;
	cc->task = current;
	cc->max_filled = cma_area_count * (SZ_1G / PAGE_SIZE / MAX_ORDER_NR_PAGES);
	cc->split = kunit_kcalloc(test, nr_blocks, sizeof(*cc->split), GFP_KERNEL);
	cc->filled = kunit_kcalloc(test, cc->max_filled, sizeof(*cc->filled), GFP_KERNEL);
	cc->filled_from = kunit_kcalloc(test, cc->max_filled,
					sizeof(*cc->filled_from), GFP_KERNEL);
	cc->seen = kunit_kcalloc(test, BITS_TO_LONGS(nr_pages), sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, cc->split && cc->filled && cc->filled_from && cc->seen);
	INIT_LIST_HEAD(&cc->pinned);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, compact_case_release, cc), 0);

	/* the first page of each MAX_PAGE_ORDER block taken, the rest free */
	while (cc->nr_split < nr_blocks &&
	       (cc->split[cc->nr_split] = cma_alloc(cma, 1, MAX_PAGE_ORDER, true)))
		cc->nr_split++;
	KUNIT_ASSERT_EQ(test, cc->nr_split, nr_blocks);
	free0 = cma_region_nr_free(region);
	region_snapshot(region, &snap);

	fill_areas_above(cc);
	cc->file = shmem_fill(test, SZ_32M >> PAGE_SHIFT);
	nr_pinned = pin_free_blocks(zone, &cc->pinned);
	KUNIT_ASSERT_FALSE_MSG(test,
			       zone_watermark_ok(zone, pageblock_order,
						 min_wmark_pages(zone),
						 zone_idx(zone), ALLOC_WMARK_MIN),
			       "the zone still has a free pageblock-order block");
	KUNIT_ASSERT_TRUE_MSG(test, compaction_suitable(zone, pageblock_order,
							zone_idx(zone)),
			      "compaction would not run in this zone");

	zonelist->_zonerefs[0].zone = zone;
	zonelist->_zonerefs[0].zone_idx = zone_idx(zone);
	ac.zonelist = zonelist;
	ac.highest_zoneidx = zone_idx(zone);
	ac.migratetype = gfp_migratetype(gfp);
	ac.preferred_zoneref = zonelist->_zonerefs;

	KUNIT_ASSERT_EQ(test, register_trace_mm_compaction_isolate_freepages(compact_case_probe,
									     cc), 0);
	cc->probe = true;
	init_free = zone->compact_init_free_pfn;
	considered = zone->compact_considered;
	defer_shift = zone->compact_defer_shift;
	order_failed = zone->compact_order_failed;
	zone->compact_init_free_pfn = zone_end_pfn(zone);
	res = try_to_compact_pages(gfp, pageblock_order, ALLOC_WMARK_MIN, &ac,
				   MIN_COMPACT_PRIORITY, &capture);
	zone->compact_init_free_pfn = init_free;
	zone->compact_considered = considered;
	zone->compact_defer_shift = defer_shift;
	zone->compact_order_failed = order_failed;
	unregister_trace_mm_compaction_isolate_freepages(compact_case_probe, cc);
	tracepoint_synchronize_unregister();
	cc->probe = false;

	seen = bitmap_weight(cc->seen, nr_pages);
	taken = atomic_long_read(&cc->taken);
	kunit_info(test, "%u blocks split, %u chunks of other areas taken, %lu blocks pinned, result %d, %lu of %lu region pages scanned",
		   cc->nr_split, cc->nr_filled, nr_pinned, res, seen, nr_pages);
	/* compaction's capture is off in a kthread (task_capc()) */
	KUNIT_EXPECT_NULL(test, capture);
	KUNIT_EXPECT_EQ_MSG(test, seen, nr_pages,
			    "the free scanner did not scan the whole region");
	KUNIT_EXPECT_EQ(test, taken, 0);
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
	i = shmem_in_region(test, cc->file, SZ_32M >> PAGE_SHIFT, region);
	KUNIT_EXPECT_EQ(test, i, 0);
}
#endif

/*
 * Memory offlining isolates each pageblock of a memory block with
 * MEMORY_OFFLINE (offline_pages()); a free block of the region is refused
 * and keeps its type and its pages.
 */
static void region_test_offline_isolation(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region), pfn;
	struct region_snapshot snap;

	pfn = region_free_block(region);
	KUNIT_ASSERT_NE(test, pfn, 0);
	region_snapshot(region, &snap);
	KUNIT_EXPECT_EQ(test, -EBUSY,
			start_isolate_page_range(pfn, pfn + pageblock_nr_pages,
						 MIGRATE_MOVABLE, MEMORY_OFFLINE,
						 GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, is_migrate_exclusive_page(pfn_to_page(pfn)));
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}

/*
 * Whoever frees a page of an exclusive pageblock under zone->lock - here
 * __putback_isolated_page(), which page reporting and compaction use, as a
 * pcp drain or a split of a large block would - it lands on the region's
 * lists, never on the zone's.
 */
static void region_test_putback_routed(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region), pfn, flags;
	struct region_snapshot snap;
	struct page *page;

	region_snapshot(region, &snap);
	page = cma_alloc(cma, 1, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	pfn = page_to_pfn(page);

	/* make it what __isolate_free_page() leaves: free and on no list */
	spin_lock_irqsave(&cma->lock, flags);
	bitmap_clear(cma->bitmap, pfn - cma->base_pfn, 1);
	spin_unlock_irqrestore(&cma->lock, flags);
	debug_pagealloc_unmap_pages(page, 1);
	set_page_count(page, 0);

	spin_lock_irqsave(&region->zone->lock, flags);
	__putback_isolated_page(page, 0, MIGRATE_MOVABLE_EXCLUSIVE);
	spin_unlock_irqrestore(&region->zone->lock, flags);

	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
}

/*
 * The checker catches a lost page: one off the lists, not marked handed
 * out, not referenced.  (The cases rely on it after every run.)
 */
static void region_test_checker_finds_lost(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region), pfn, flags;
	struct page *page;

	page = cma_alloc(cma, 1, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
	pfn = page_to_pfn(page);

	spin_lock_irqsave(&cma->lock, flags);
	bitmap_clear(cma->bitmap, pfn - cma->base_pfn, 1);
	spin_unlock_irqrestore(&cma->lock, flags);
	set_page_count(page, 0);
	KUNIT_EXPECT_GT(test, cma_region_check_free_lists(), 0);

	/* found again: marked and referenced, then released */
	spin_lock_irqsave(&cma->lock, flags);
	bitmap_set(cma->bitmap, pfn - cma->base_pfn, 1);
	spin_unlock_irqrestore(&cma->lock, flags);
	set_page_refcounted(page);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 1));
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
}

#ifdef CONFIG_VMCORE_INFO
/* A dump tool learns the page type of a region's free heads. */
static void region_test_vmcoreinfo(struct kunit *test)
{
	char want[64];

	snprintf(want, sizeof(want), "NUMBER(PAGE_CMA_FREE_MAPCOUNT_VALUE)=%ld\n",
		 (long)(PGTY_cma_free << 24));
	KUNIT_ASSERT_NOT_NULL(test, vmcoreinfo_data);
	KUNIT_EXPECT_NOT_NULL(test, strnstr((const char *)vmcoreinfo_data, want,
					    vmcoreinfo_size));
}
#endif

#ifdef CONFIG_MEMORY_FAILURE
/* True if @pfn is inside a free block on the region's lists. */
static bool region_pfn_is_free(struct cma_region *region, unsigned long pfn)
{
	unsigned long flags;
	unsigned int order;
	bool found = false;

	spin_lock_irqsave(&region->zone->lock, flags);
	for (order = 0; order < NR_PAGE_ORDERS && !found; order++) {
		struct list_head *list;
		struct page *page;

		list = &region->free_area[order].free_list[MIGRATE_MOVABLE_EXCLUSIVE];
		list_for_each_entry(page, list, buddy_list) {
			unsigned long head = page_to_pfn(page);

			if (pfn >= head && pfn < head + (1UL << order)) {
				found = true;
				break;
			}
		}
	}
	spin_unlock_irqrestore(&region->zone->lock, flags);
	return found;
}

/*
 * Memory failure and soft offline of a free page of the region take it off
 * the region's lists, so that the device never gets it; unpoisoning puts it
 * back where it was.
 */
static void region_test_memory_failure_free(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region), pfn;
	struct region_snapshot snap;
	struct page **got;
	int pass;

	got = kunit_kcalloc(test, MAX_ORDER_NR_PAGES, sizeof(*got), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	region_snapshot(region, &snap);
	pfn = region_free_block(region);
	KUNIT_ASSERT_NE(test, pfn, 0);
	pfn += 5;
	for (pass = 0; pass < 2; pass++) {
		struct page *page = pfn_to_page(pfn);
		unsigned int i, n = 0;
		int ret;

		if (pass == 0)
			ret = memory_failure(pfn, MF_SW_SIMULATED);
		else
			ret = soft_offline_page(pfn, MF_SW_SIMULATED);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "pass %d", pass);
		KUNIT_EXPECT_TRUE(test, PageHWPoison(page));
		KUNIT_EXPECT_FALSE(test, region_pfn_is_free(region, pfn));
		KUNIT_EXPECT_EQ(test, free0 - 1, cma_region_nr_free(region));
		KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);

		/* the rest of its block is handed out; the page never is */
		for (i = 0; i < MAX_ORDER_NR_PAGES - 1; i++) {
			got[n] = cma_alloc(cma, 1, 0, true);
			if (!got[n])
				break;
			KUNIT_EXPECT_NE(test, page_to_pfn(got[n]), pfn);
			n++;
		}
		while (n--)
			cma_release(cma, got[n], 1);

		KUNIT_EXPECT_EQ(test, unpoison_memory(pfn), 0);
		KUNIT_EXPECT_FALSE(test, PageHWPoison(page));
		KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
		expect_snapshot(test, region, &snap);
	}
}

/*
 * Memory failure of a page the device holds leaves it with the device; when
 * the device releases it, the region keeps it off its lists.
 */
static void region_test_memory_failure_held(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region), pfn;
	struct region_snapshot snap;
	struct page *page;

	region_snapshot(region, &snap);
	page = cma_alloc(cma, 1, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	pfn = page_to_pfn(page);

	KUNIT_EXPECT_NE(test, memory_failure(pfn, MF_SW_SIMULATED), 0);
	KUNIT_EXPECT_EQ(test, page_count(page), 1);
	KUNIT_EXPECT_TRUE(test, PageHWPoison(page));
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 1));
	KUNIT_EXPECT_FALSE(test, region_pfn_is_free(region, pfn));
	KUNIT_EXPECT_EQ(test, free0 - 1, cma_region_nr_free(region));
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);

	/* undo: unpoison and free the page the way its last put would */
	KUNIT_EXPECT_EQ(test, unpoison_memory(pfn), 0);
	if (!page_count(page)) {
		post_alloc_hook(page, 0, GFP_KERNEL);
		set_page_refcounted(page);
		__free_page(page);
	}
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}

/*
 * A compound page whose tail memory failure marked goes back to the region
 * whole when its last reference goes: the free path checks the head only.
 * The region never hands the poisoned page out again, and gives out every
 * other page of its block.
 */
static void region_test_poisoned_tail(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region), pfn, i, n = 0;
	struct region_snapshot snap;
	struct page *page, *bad, **got;

	got = kunit_kcalloc(test, free0, sizeof(*got), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, got);
	region_snapshot(region, &snap);
	page = cma_region_alloc(cma, 4, 2, GFP_KERNEL | __GFP_COMP);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_TRUE(test, PageHead(page));
	bad = page + 2;
	pfn = page_to_pfn(bad);
	SetPageHWPoison(bad);		/* what memory_failure() sets first */
	folio_put(page_folio(page));
	KUNIT_EXPECT_TRUE(test, region_pfn_is_free(region, pfn));

	for (i = 0; i < free0; i++) {
		got[n] = cma_alloc(cma, 1, 0, true);
		if (!got[n])
			break;
		KUNIT_EXPECT_NE(test, page_to_pfn(got[n]), pfn);
		n++;
	}
	KUNIT_EXPECT_EQ(test, n, free0 - 1);
	KUNIT_EXPECT_FALSE(test, region_pfn_is_free(region, pfn));
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
	while (n--)
		cma_release(cma, got[n], 1);
	KUNIT_EXPECT_EQ(test, free0 - 1, cma_region_nr_free(region));

	/* undo: unpoison, and free the page the way its last put would */
	ClearPageHWPoison(bad);
	post_alloc_hook(bad, 0, GFP_KERNEL);
	set_page_refcounted(bad);
	__free_page(bad);
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}
#endif

/* After every case: the free lists agree with each other and the counters. */
static void cma_region_test_exit(struct kunit *test)
{
	KUNIT_EXPECT_EQ_MSG(test, cma_region_check_free_lists(), 0,
			    "free lists inconsistent, see the log");
}

static struct kunit_case cma_region_test_cases[] = {
	KUNIT_CASE(region_test_each_order),
	KUNIT_CASE(region_test_odd_counts),
	KUNIT_CASE(region_test_above_max_order),
	KUNIT_CASE(region_test_exhaust),
	KUNIT_CASE(region_test_double_release),
	KUNIT_CASE(region_test_last_put),
	KUNIT_CASE(region_test_zone_untouched),
	KUNIT_CASE(region_test_alloc_pages_never),
	KUNIT_CASE(region_test_isolation_refused),
	KUNIT_CASE(region_test_offline_isolation),
	KUNIT_CASE(region_test_not_in_cma_total),
	KUNIT_CASE(region_test_vm_events),
	KUNIT_CASE(region_test_free_pages_typed),
	KUNIT_CASE(region_test_compaction_scanner),
#if defined(CONFIG_COMPACTION) && defined(CONFIG_TRACEPOINTS)
	KUNIT_CASE_SLOW(region_test_compact_min_priority),
#endif
	KUNIT_CASE(region_test_putback_routed),
	KUNIT_CASE(region_test_checker_finds_lost),
#ifdef CONFIG_VMCORE_INFO
	KUNIT_CASE(region_test_vmcoreinfo),
#endif
#ifdef CONFIG_MEMORY_FAILURE
	KUNIT_CASE(region_test_memory_failure_free),
	KUNIT_CASE(region_test_memory_failure_held),
	KUNIT_CASE(region_test_poisoned_tail),
#endif
	{}
};

static struct kunit_suite cma_region_test_suite = {
	.name = "cma_region",
	.test_cases = cma_region_test_cases,
	.exit = cma_region_test_exit,
};

kunit_test_suite(cma_region_test_suite);

#ifdef CONFIG_SHUFFLE_PAGE_ALLOCATOR
/*
 * Page shuffling (memory online, page_alloc.shuffle=1) swaps free
 * MAX_PAGE_ORDER blocks of the same type anywhere in a zone.  With two
 * exclusive regions in the zone it must never move a page of one onto the
 * other's lists.  The shuffle picks its partners at random: run it often
 * enough that, were region pages candidates, a swap between the two would
 * be all but certain.  An init-section suite: __shuffle_zone() is __meminit.
 * __shuffle_zone() picks partners at zone_start_pfn plus a multiple of
 * 2^SHUFFLE_ORDER, so in a zone that does not start aligned (DMA32 at pfn
 * 1 without CONFIG_ZONE_DMA) it never swaps anything and the case skips.
 */
static void __init region_test_shuffle(struct kunit *test)
{
	struct cma_region *a = NULL, *b = NULL;
	struct region_snapshot snap_a, snap_b;
	unsigned int i;

	for (i = 0; i < cma_area_count; i++) {
		struct cma_region *region = cma_areas[i].region;

		if (!region || !cma_is_exclusive(&cma_areas[i]))
			continue;
		if (!a)
			a = region;
		else if (region->zone == a->zone)
			b = region;
	}
	if (!b)
		kunit_skip(test, "needs a second exclusive region, kunit2:16M:exclusive");
	/* its random partners are zone_start_pfn + a multiple of the order */
	if (!IS_ALIGNED(a->zone->zone_start_pfn, 1UL << SHUFFLE_ORDER))
		kunit_skip(test, "zone %s starts at pfn %lu: no shuffle (CONFIG_ZONE_DMA)",
			   a->zone->name, a->zone->zone_start_pfn);

	region_snapshot(a, &snap_a);
	region_snapshot(b, &snap_b);
	for (i = 0; i < 64; i++)
		__shuffle_zone(a->zone);
	KUNIT_EXPECT_EQ(test, region_strangers(a), 0);
	KUNIT_EXPECT_EQ(test, region_strangers(b), 0);
	expect_snapshot(test, a, &snap_a);
	expect_snapshot(test, b, &snap_b);
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
}

static struct kunit_case __refdata cma_region_init_test_cases[] = {
	KUNIT_CASE(region_test_shuffle),
	{}
};

static struct kunit_suite cma_region_init_test_suite = {
	.name = "cma_region_init",
	.test_cases = cma_region_init_test_cases,
};

kunit_test_init_section_suites(&cma_region_init_test_suite);
#endif

/* ---- sticky regions and the live switch ---- */

static unsigned long vm_event_sum(enum vm_event_item item)
{
	unsigned long *ev = kcalloc(NR_VM_EVENT_ITEMS, sizeof(*ev), GFP_KERNEL);
	unsigned long v = 0;

	if (ev) {
		all_vm_events(ev);
		v = ev[item];
		kfree(ev);
	}
	return v;
}

/* At the end of a case, even an aborted one: the region is sticky again. */
static void sticky_restore(void *data)
{
	struct cma *cma = data;

	if (cma_region_mode(cma) != CMA_REGION_STICKY &&
	    cma_region_set_mode(cma, CMA_REGION_STICKY))
		kunit_fail_current_test("%s could not be made sticky again",
					cma->name);
}

static struct cma *sticky_cma(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < cma_area_count; i++) {
		struct cma *cma = &cma_areas[i];

		if (strcmp(cma->name, "shared") || !cma->region ||
		    cma->count < SZ_16M / PAGE_SIZE)
			continue;
		/* an earlier case that switched it failed to switch it back */
		KUNIT_ASSERT_EQ_MSG(test, cma_region_mode(cma), CMA_REGION_STICKY,
				    "area 'shared' is not sticky");
		KUNIT_ASSERT_EQ(test, kunit_add_action(test, sticky_restore, cma), 0);
		return cma;
	}
	kunit_skip(test, "no region 'shared' of 16 MiB (cma_region=shared:256M:sticky)");
	return NULL;
}

/* Every pageblock of the region has type @mt. */
static bool region_all_blocks(struct cma_region *region, int mt)
{
	unsigned long pfn;

	for (pfn = region->base_pfn; pfn < region->end_pfn;
	     pfn += pageblock_nr_pages)
		if (get_pageblock_migratetype(pfn_to_page(pfn)) != mt)
			return false;
	return true;
}

static unsigned long cma_bitmap_used(struct cma *cma)
{
	unsigned long flags, used;

	spin_lock_irqsave(&cma->lock, flags);
	used = bitmap_weight(cma->bitmap, cma->count);
	spin_unlock_irqrestore(&cma->lock, flags);
	return used;
}

/*
 * Sticky first: order-0 movable allocations land in the region while it has
 * free pages; unmovable and reclaimable ones never do, at any order.
 */
static void sticky_test_placement(struct kunit *test)
{
	static const gfp_t kinds[] = { GFP_KERNEL, GFP_KERNEL | __GFP_RECLAIMABLE,
				       GFP_NOWAIT, GFP_ATOMIC };
	static const unsigned int orders[] = { 0, 1, 2, 9 };
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	struct page **pages;
	unsigned int i, n = 1024, in = 0, bad = 0;

	pages = kunit_kcalloc(test, 4096, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_GT(test, cma_region_nr_free(region), 4UL * n);
	/* pcp lists filled before the region existed hold other pages */
	drain_all_pages(NULL);

	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_HIGHUSER_MOVABLE);
		if (pages[i] && pfn_in_region(region, page_to_pfn(pages[i]), 1))
			in++;
	}
	for (i = 0; i < n; i++)
		if (pages[i])
			__free_page(pages[i]);
	/* a handful may come from pcp lists filled before the region was */
	KUNIT_EXPECT_GE_MSG(test, in, n - n / 16,
			    "%u of %u movable pages in the sticky region", in, n);

	for (i = 0; i < 4096; i++) {
		unsigned int order = orders[i % ARRAY_SIZE(orders)];

		pages[i] = alloc_pages(kinds[(i / 4) % ARRAY_SIZE(kinds)] |
				       __GFP_NOWARN, order);
		if (pages[i] && is_migrate_sticky_page(pages[i]))
			bad++;
		if (pages[i])
			__free_pages(pages[i], order);
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U, "non-movable allocations in sticky blocks");
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_STICKY));
}

/*
 * cma_alloc() on a sticky area: a free range is taken straight off the zone's
 * lists; pages come back to the zone's lists, the blocks stay sticky.
 */
static void sticky_test_alloc_direct(struct kunit *test)
{
	static const unsigned long counts[] = { 1, 16, 512, 1024, 3000 };
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long d0, c0, i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		unsigned long count = counts[i], used = cma_bitmap_used(cma);
		struct page *page;

		d0 = vm_event_sum(CMA_STICKY_DIRECT);
		c0 = vm_event_sum(CMA_STICKY_CONTIG);
		page = cma_alloc(cma, count, 0, false);
		KUNIT_ASSERT_NOT_NULL_MSG(test, page, "count %lu", count);
		KUNIT_EXPECT_TRUE(test, pfn_in_region(region, page_to_pfn(page), count));
		KUNIT_EXPECT_EQ(test, page_count(page), 1);
		KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used + count);
		/* every page was served, directly or by migration */
		KUNIT_EXPECT_EQ(test, vm_event_sum(CMA_STICKY_DIRECT) - d0 +
				vm_event_sum(CMA_STICKY_CONTIG) - c0, count);
		KUNIT_EXPECT_TRUE(test, cma_release(cma, page, count));
		KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	}
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_STICKY));
}

/*
 * The whole region while movable pages live in it: cma_alloc() vacates it by
 * migration, the data survives, and every block is sticky again afterwards.
 */
static void sticky_test_vacate(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long n = 2048, in, c0, m0;
	struct file *file;
	struct page *page;

	file = shmem_fill(test, n);
	in = shmem_in_region(test, file, n, region);
	KUNIT_EXPECT_GE_MSG(test, in, n / 2, "only %lu of %lu shmem pages in the region",
			    in, n);

	c0 = vm_event_sum(CMA_STICKY_CONTIG);
	m0 = vm_event_sum(PGMIGRATE_SUCCESS);
	page = cma_alloc(cma, cma->count, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, page_to_pfn(page), region->base_pfn);
	KUNIT_EXPECT_EQ(test, vm_event_sum(CMA_STICKY_CONTIG) - c0, cma->count);
	KUNIT_EXPECT_GE(test, vm_event_sum(PGMIGRATE_SUCCESS) - m0, in);
	kunit_info(test, "vacated %lu MiB: %lu pages migrated\n",
		   cma->count >> (20 - PAGE_SHIFT),
		   vm_event_sum(PGMIGRATE_SUCCESS) - m0);
	/* while the device holds the region, nothing else fits in it */
	KUNIT_EXPECT_NULL(test, cma_alloc(cma, 1, 0, true));
	KUNIT_EXPECT_EQ(test, shmem_in_region(test, file, n, region), 0UL);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, cma->count));
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_STICKY));
	fput(file);
}

/*
 * alloc_contig_range() of a sticky range skips the zone-wide pcp drain
 * unless the range may hold a free page cached on a pcp list.  Both kinds
 * of range must still be handed out: one page in use by shmem (migrated,
 * data kept), and one free page sitting on this CPU's pcp list.
 */
static void sticky_test_contig_pcp(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long n = 64, i, pfn = 0, idx = 0;
	struct page *page, *pages[64];
	struct file *file;
	u8 *p;

	/* a page of the region held by shmem */
	file = shmem_fill(test, n);
	for (i = 0; i < n && !pfn; i++) {
		page = shmem_read_mapping_page(file->f_mapping, i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(page));
		if (pfn_in_region(region, page_to_pfn(page), 1)) {
			pfn = page_to_pfn(page);
			idx = i;
		}
		put_page(page);
	}
	KUNIT_ASSERT_NE_MSG(test, pfn, 0UL, "no shmem page in the sticky region");
	KUNIT_ASSERT_EQ(test, alloc_contig_range(pfn, pfn + 1,
						 MIGRATE_MOVABLE_STICKY,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, page_count(pfn_to_page(pfn)), 1);
	page = shmem_read_mapping_page(file->f_mapping, idx);
	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	KUNIT_EXPECT_NE(test, page_to_pfn(page), pfn);
	p = kmap_local_page(page);
	KUNIT_EXPECT_EQ(test, p[0], (u8)(idx & 0xff));
	KUNIT_EXPECT_EQ(test, p[PAGE_SIZE - 1], (u8)(idx & 0xff));
	kunmap_local(p);
	put_page(page);
	free_contig_range(pfn, 1);
	fput(file);

	/* a free page of the region on this CPU's pcp list */
	drain_all_pages(NULL);
	migrate_disable();
	pfn = 0;
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		pages[i] = alloc_page(GFP_HIGHUSER_MOVABLE);
		if (pages[i] && !pfn &&
		    pfn_in_region(region, page_to_pfn(pages[i]), 1)) {
			pfn = page_to_pfn(pages[i]);
			idx = i;
		}
	}
	/* the region page last, so that it sits at the head of the list */
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		if (pages[i] && (!pfn || i != idx))
			__free_page(pages[i]);
	if (pfn)
		__free_page(pages[idx]);
	migrate_enable();
	KUNIT_ASSERT_NE_MSG(test, pfn, 0UL, "no movable page from the sticky region");
	page = pfn_to_page(pfn);
	KUNIT_EXPECT_FALSE_MSG(test, PageBuddy(page) || page_count(page),
			       "pfn %lu is not a free page on a pcp list", pfn);
	KUNIT_ASSERT_EQ(test, alloc_contig_range(pfn, pfn + 1,
						 MIGRATE_MOVABLE_STICKY,
						 GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, page_count(page), 1);
	free_contig_range(pfn, 1);
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_STICKY));
}

/* Memory offlining and alloc_contig_pages() may not take sticky blocks. */
static void sticky_test_others_refused(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	int ret;

	ret = alloc_contig_range(region->base_pfn,
				 region->base_pfn + pageblock_nr_pages,
				 MIGRATE_MOVABLE, GFP_KERNEL | __GFP_NOWARN);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_STICKY));
}

/*
 * Sticky -> exclusive -> sticky with allocations outstanding across both
 * switches, each released in the other mode: every counter comes back.
 */
/*
 * Each zone's min watermark as setup_per_zone_wmarks() derives it from
 * min_free_kbytes and the managed pages now (highmem and ZONE_MOVABLE get
 * a capped value of their own, not looked at).
 */
static void expect_min_wmarks(struct kunit *test)
{
	unsigned long pages_min = min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem = 0;
	struct zone *zone;

	for_each_zone(zone)
		if (!is_highmem(zone) && zone_idx(zone) != ZONE_MOVABLE)
			lowmem += zone_managed_pages(zone);
	for_each_zone(zone) {
		u64 want = (u64)pages_min * zone_managed_pages(zone);

		if (is_highmem(zone) || zone_idx(zone) == ZONE_MOVABLE)
			continue;
		do_div(want, lowmem);
		KUNIT_EXPECT_EQ_MSG(test, zone->_watermark[WMARK_MIN],
				    (unsigned long)want, "zone %s", zone->name);
	}
}

static void sticky_test_switch(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	struct zone *zone = region->zone;
	unsigned long managed = zone_managed_pages(zone), cma0 = totalcma_pages;
	unsigned long zcma = zone->cma_pages, nr = cma->count, used;
	int min_kb = min_free_kbytes;
	unsigned long direct;
	unsigned int order;
	long bad;
	struct page *a, *b;

	a = cma_alloc(cma, 100, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, a);
	used = cma_bitmap_used(cma);

	direct = vm_event_sum(CMA_STICKY_DIRECT);
	KUNIT_ASSERT_EQ(test, cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE), 0);
	/* the ranges the switch took are not device allocations */
	KUNIT_EXPECT_EQ(test, vm_event_sum(CMA_STICKY_DIRECT), direct);
	/* recomputed as after hotplug: less memory, smaller reserve */
	if (user_min_free_kbytes < 0)
		KUNIT_EXPECT_LT(test, min_free_kbytes, min_kb);
	expect_min_wmarks(test);
	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_EXCLUSIVE);
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_EXCLUSIVE));
	KUNIT_EXPECT_EQ(test, zone_managed_pages(zone), managed - nr);
	KUNIT_EXPECT_EQ(test, totalcma_pages, cma0 - nr);
	KUNIT_EXPECT_EQ(test, zone->cma_pages, zcma - nr);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	/* everything but what the device holds is on the region's free_area */
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region), nr - used);

	b = cma_alloc(cma, 1000, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region), nr - used - 1000);
	/* allocated while sticky, freed while exclusive: to the free_area */
	KUNIT_EXPECT_TRUE(test, cma_release(cma, a, 100));
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region), nr - used - 1000 + 100);

	KUNIT_ASSERT_EQ(test, cma_region_set_mode(cma, CMA_REGION_STICKY), 0);
	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_STICKY);
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_STICKY));
	KUNIT_EXPECT_EQ(test, zone_managed_pages(zone), managed);
	/* back within 1% (computed from the watermarks of the moment) */
	if (user_min_free_kbytes < 0)
		KUNIT_EXPECT_LE(test, abs(min_free_kbytes - min_kb) * 100, min_kb);
	expect_min_wmarks(test);
	KUNIT_EXPECT_EQ(test, totalcma_pages, cma0);
	KUNIT_EXPECT_EQ(test, zone->cma_pages, zcma);
	/* allocated while exclusive, freed while sticky: to the zone */
	KUNIT_EXPECT_TRUE(test, cma_release(cma, b, 1000));
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used - 100);
	for (order = 0; order < NR_PAGE_ORDERS; order++)
		KUNIT_EXPECT_EQ(test, region->free_area[order].nr_free, 0UL);
	/* and a double release is refused, with a warning */
	bad = atomic_long_read(&region->nr_bad_release);
	pr_info("CMA_STICKY_EXPECT_WARN_BEGIN\n");
	KUNIT_EXPECT_TRUE(test, cma_release(cma, b, 1000));
	pr_info("CMA_STICKY_EXPECT_WARN_END\n");
	KUNIT_EXPECT_EQ(test, atomic_long_read(&region->nr_bad_release), bad + 1);
	KUNIT_EXPECT_GE(test, region->nr_switches, 2UL);
}

/*
 * A range that cannot be vacated (a page with an extra reference) fails the
 * switch with -EBUSY and leaves the region sticky, with nothing held.
 */
static void sticky_test_switch_fails_cleanly(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long i, n = 1024, used = cma_bitmap_used(cma);
	unsigned long managed = zone_managed_pages(region->zone);
	struct page *held = NULL;
	struct file *file;
	int ret;

	drain_all_pages(NULL);	/* refill the pcp lists from the region */
	file = shmem_fill(test, n);
	for (i = 0; i < n && !held; i++) {
		struct page *page = shmem_read_mapping_page(file->f_mapping, i);

		KUNIT_ASSERT_FALSE(test, IS_ERR(page));
		if (pfn_in_region(region, page_to_pfn(page), 1))
			held = page;	/* keep the reference: not migratable */
		else
			put_page(page);
	}
	KUNIT_ASSERT_NOT_NULL(test, held);

	ret = cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_STICKY);
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_STICKY));
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	KUNIT_EXPECT_EQ(test, zone_managed_pages(region->zone), managed);
	KUNIT_EXPECT_TRUE(test, pfn_in_region(region, page_to_pfn(held), 1));
	put_page(held);
	fput(file);

	/* with the reference gone the same switch succeeds, and back */
	KUNIT_EXPECT_EQ(test, cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE), 0);
	KUNIT_EXPECT_EQ(test, cma_region_set_mode(cma, CMA_REGION_STICKY), 0);
	KUNIT_EXPECT_EQ(test, zone_managed_pages(region->zone), managed);
}

/* Bad requests: a clear errno, nothing changed. */
static void sticky_test_bad_input(struct kunit *test)
{
	struct cma *cma = sticky_cma(test), *legacy = NULL;
	struct cma_region *region = cma->region;
	enum cma_region_mode mode;
	unsigned int i;

	for (i = 0; i < cma_area_count; i++)
		if (cma_region_mode(&cma_areas[i]) == CMA_REGION_NONE)
			legacy = &cma_areas[i];

	KUNIT_EXPECT_EQ(test, cma_region_set_mode(cma, CMA_REGION_NONE), -EINVAL);
	KUNIT_EXPECT_EQ(test, cma_region_set_mode(cma, 42), -EINVAL);
	KUNIT_EXPECT_EQ(test, cma_region_set_mode(NULL, CMA_REGION_STICKY),
			-EOPNOTSUPP);
	if (legacy) {
		KUNIT_EXPECT_EQ(test, cma_region_set_mode(legacy, CMA_REGION_EXCLUSIVE),
				-EOPNOTSUPP);
		KUNIT_EXPECT_EQ(test, cma_region_mode(legacy), CMA_REGION_NONE);
	}
	/* a switch while another one runs */
	set_bit(0, &region->switching);
	KUNIT_EXPECT_EQ(test, cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE), -EBUSY);
	clear_bit(0, &region->switching);
	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_STICKY);
	/* to the mode it is in: nothing to do */
	KUNIT_EXPECT_EQ(test, cma_region_set_mode(cma, CMA_REGION_STICKY), 0);

	mode = CMA_REGION_NONE;
	KUNIT_EXPECT_EQ(test, cma_region_parse_mode("sticky\n", &mode), 0);
	KUNIT_EXPECT_EQ(test, mode, CMA_REGION_STICKY);
	KUNIT_EXPECT_EQ(test, cma_region_parse_mode("exclusive", &mode), 0);
	KUNIT_EXPECT_EQ(test, mode, CMA_REGION_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, cma_region_parse_mode("cma", &mode), -EINVAL);
	KUNIT_EXPECT_EQ(test, cma_region_parse_mode("stickyx", &mode), -EINVAL);
	KUNIT_EXPECT_EQ(test, cma_region_parse_mode("", &mode), -EINVAL);
	KUNIT_EXPECT_EQ(test, mode, CMA_REGION_EXCLUSIVE);
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_STICKY));
}

/*
 * Free sticky pages are free CMA memory of the zone (NR_FREE_CMA_PAGES,
 * hence CmaFree and the ALLOC_CMA watermarks only): a release of 4096
 * pages, drained from the pcp lists, raises it by 4096.
 */
static void sticky_test_counted_as_cma(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	struct zone *zone = region->zone;
	long before, after;
	struct page *page;

	KUNIT_EXPECT_TRUE(test, static_branch_unlikely(&cma_region_sticky_key));
	KUNIT_EXPECT_GE(test, zone->cma_pages, cma->count);
	page = cma_alloc(cma, 4096, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	drain_all_pages(zone);
	before = zone_page_state_snapshot(zone, NR_FREE_CMA_PAGES);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 4096));
	drain_all_pages(zone);
	after = zone_page_state_snapshot(zone, NR_FREE_CMA_PAGES);
	/* nothing else runs at boot but the odd movable allocation */
	KUNIT_EXPECT_GE(test, after - before, 4096L - 64);
	KUNIT_EXPECT_LE(test, after - before, 4096L);
}

/*
 * A switch's migration targets: movable allocations in a
 * memalloc_nocma_save() scope take no page of a sticky or CMA block, not
 * even one a refill left on this cpu's movable pcp list.
 */
static void sticky_test_nocma_scope(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	unsigned int i, n = 1024, got = 0, bad = 0, nocma;
	struct page **pages, *warm, *bulk[64];
	unsigned long nbulk;

	pages = kunit_kcalloc(test, n, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_GT(test, cma_region_nr_free(cma->region), 4UL * n);
	drain_all_pages(NULL);
	/* this cpu's pcp list, refilled with sticky pages, stays in use */
	migrate_disable();
	/* outside the scope: sticky first, and the pcp refill is sticky too */
	warm = alloc_page(GFP_HIGHUSER_MOVABLE);
	KUNIT_EXPECT_NOT_NULL(test, warm);
	if (warm) {
		KUNIT_EXPECT_TRUE(test, is_migrate_sticky_page(warm));
		__free_page(warm);
	}

	nocma = memalloc_nocma_save();
	for (i = 0; i < n; i++) {
		unsigned int order = i % 128 ? 0 : pageblock_order;
		int mt;

		pages[i] = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN,
				       order);
		if (!pages[i])
			continue;
		got++;
		mt = get_pageblock_migratetype(pages[i]);
		if (is_migrate_sticky(mt) || is_migrate_cma(mt))
			bad++;
	}
	/* the bulk allocator serves pcp lists too */
	for (i = 0; i < 64; i++)
		bulk[i] = NULL;
	nbulk = alloc_pages_bulk_array(GFP_HIGHUSER_MOVABLE, 64, bulk);
	memalloc_nocma_restore(nocma);
	migrate_enable();
	for (i = 0; i < nbulk; i++) {
		int mt = get_pageblock_migratetype(bulk[i]);

		if (is_migrate_sticky(mt) || is_migrate_cma(mt))
			bad++;
		__free_page(bulk[i]);
	}
	KUNIT_EXPECT_GT(test, nbulk, 0UL);
	for (i = 0; i < n; i++)
		if (pages[i])
			__free_pages(pages[i], i % 128 ? 0 : pageblock_order);
	/* the next cases expect sticky pages, not these, on the pcp lists */
	drain_all_pages(NULL);
	KUNIT_EXPECT_GE(test, got, n - n / 128);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U,
			    "%u of %u movable pages in the scope from CMA memory",
			    bad, got);
}

/*
 * The free sticky counts are kept where the lists change: the checker's
 * walks agree with them after an allocation and a release of the region,
 * and it finds a count that drifted by one page, the region's or the zone's.
 */
static void sticky_test_free_counters(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	struct zone *zone = region->zone, *z;
	unsigned long before = cma_region_nr_free(region), flags;
	struct page *page;

	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
	page = cma_alloc(cma, 1024, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_LE(test, cma_region_nr_free(region), before - 1024 + 64);
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 1024));
	drain_all_pages(zone);
	KUNIT_EXPECT_GE(test, cma_region_nr_free(region), before - 64);
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);

	/* zones without a sticky region: the sticky screen stops at once */
	for_each_populated_zone(z) {
		bool has = false;
		unsigned int i;

		for (i = 0; i < cma_area_count; i++)
			has |= cma_areas[i].region && cma_areas[i].region->zone == z &&
			       cma_region_mode(&cma_areas[i]) == CMA_REGION_STICKY;
		if (!has)
			KUNIT_EXPECT_EQ(test, READ_ONCE(z->nr_free_sticky), 0UL);
	}

	spin_lock_irqsave(&zone->lock, flags);
	region->nr_free_sticky++;
	spin_unlock_irqrestore(&zone->lock, flags);
	KUNIT_EXPECT_GT(test, cma_region_check_free_lists(), 0);
	spin_lock_irqsave(&zone->lock, flags);
	region->nr_free_sticky--;
	zone->nr_free_sticky++;
	spin_unlock_irqrestore(&zone->lock, flags);
	KUNIT_EXPECT_GT(test, cma_region_check_free_lists(), 0);
	spin_lock_irqsave(&zone->lock, flags);
	zone->nr_free_sticky--;
	spin_unlock_irqrestore(&zone->lock, flags);
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
}

/*
 * The races of a sticky -> exclusive switch, driven deterministically
 * through the windows page_alloc_cma.c opens to KUnit
 * (region_switch_window(), cma_region_free_window()).
 */
static struct {
	struct kunit *test;
	struct cma *cma;
	struct page *held;
	unsigned long count;
	struct file *file;
	unsigned long n, in;
	int calls, ret;
} race;

/*
 * Between the vacate and the move: the device releases a range it held,
 * and shmem pages (movable: sticky blocks first) take what it gave back.
 */
static void race_release_then_take(struct cma *cma)
{
	unsigned long pfn0 = page_to_pfn(race.held), i;

	if (cma != race.cma || race.calls++)
		return;
	/* the global CMA mutex is not held across a switch */
	KUNIT_EXPECT_FALSE(race.test, mutex_is_locked(&cma_mutex));
	KUNIT_EXPECT_TRUE(race.test, cma_release(cma, race.held, race.count));
	/* to the zone's lists: the only free sticky pages left */
	drain_all_pages(NULL);
	for (i = 0; i < race.n; i++) {
		struct page *page = shmem_read_mapping_page(race.file->f_mapping, i);

		if (IS_ERR(page))
			break;
		memset_page(page, 0, 0x5a, PAGE_SIZE);
		set_page_dirty(page);
		if (page_to_pfn(page) >= pfn0 &&
		    page_to_pfn(page) < pfn0 + race.count)
			race.in++;
		put_page(page);
	}
}

static void race_fput(void *file)
{
	fput(file);
}

/*
 * Race 1: a release during the vacate gives pages back that a movable
 * allocation takes at once.  The switch must find them and vacate again:
 * when it reports success, no page of the region belongs to anyone but the
 * region and the device.
 */
static void sticky_test_switch_release_race(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long used, strangers = region->nr_strangers, i, in = 0;

	race = (typeof(race)){ .test = test, .cma = cma, .count = 16, .n = 256 };
	race.held = cma_alloc(cma, race.count, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, race.held);
	used = cma_bitmap_used(cma);
	race.file = shmem_kernel_file_setup("cma_sticky_race", race.n << PAGE_SHIFT, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(race.file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, race_fput, race.file), 0);

	kunit_activate_static_stub(test, region_switch_window,
				   race_release_then_take);
	KUNIT_EXPECT_EQ(test, cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE), 0);
	kunit_deactivate_static_stub(test, region_switch_window);
	KUNIT_ASSERT_GE_MSG(test, race.in, 1UL,
			    "no shmem page landed in the released range: the case did not race");
	kunit_info(test, "%lu shmem pages took the released range; vacated again %lu times\n",
		   race.in, region->nr_strangers - strangers);

	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_EXCLUSIVE);
	KUNIT_EXPECT_GT(test, region->nr_strangers, strangers);
	for (i = 0; i < race.n; i++) {
		struct page *page = shmem_read_mapping_page(race.file->f_mapping, i);

		KUNIT_ASSERT_FALSE(test, IS_ERR(page));
		KUNIT_EXPECT_EQ(test, *(u8 *)page_address(page), 0x5a);
		if (pfn_in_region(region, page_to_pfn(page), 1))
			in++;
		put_page(page);
	}
	KUNIT_EXPECT_EQ_MSG(test, in, 0UL, "shmem pages left in the exclusive region");
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used - race.count);
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region),
			cma->count - (used - race.count));
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);

	KUNIT_EXPECT_EQ(test, cma_region_set_mode(cma, CMA_REGION_STICKY), 0);
}

/* Ranges the device holds, one released by each round of a switch. */
static struct page *round_held[REGION_SWITCH_ROUNDS + 1];

/*
 * Between the vacate and the move of every round: the device releases one
 * more range and shmem pages take it.
 */
static void race_release_each_round(struct cma *cma)
{
	unsigned long pfn0, i, in = 0;
	struct page *held;

	if (cma != race.cma || race.calls >= ARRAY_SIZE(round_held))
		return;
	held = round_held[race.calls];
	round_held[race.calls++] = NULL;
	pfn0 = page_to_pfn(held);
	KUNIT_EXPECT_TRUE(race.test, cma_release(cma, held, race.count));
	drain_all_pages(NULL);
	for (i = 0; i < race.n; i++) {
		pgoff_t index = race.calls * race.n + i;
		struct page *page;

		page = shmem_read_mapping_page(race.file->f_mapping, index);
		if (IS_ERR(page))
			break;
		memset_page(page, 0, (u8)index, PAGE_SIZE);
		set_page_dirty(page);
		if (page_to_pfn(page) >= pfn0 &&
		    page_to_pfn(page) < pfn0 + race.count)
			in++;
		put_page(page);
	}
	race.in += !!in;	/* rounds that left a stranger */
}

/* At the end of the case, aborted or not: what the device still holds. */
static void round_release(void *data)
{
	struct cma *cma = data;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(round_held); i++) {
		if (round_held[i])
			cma_release(cma, round_held[i], race.count);
		round_held[i] = NULL;
	}
}

/*
 * A stranger in every round: after REGION_SWITCH_ROUNDS rounds the switch
 * gives up with -EBUSY and leaves the region as it was, sticky in every
 * block, what the device still holds held, nothing lost.
 */
static void sticky_test_switch_gives_up(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long used, strangers = region->nr_strangers, i;
	int ret;

	race = (typeof(race)){ .test = test, .cma = cma, .count = 16, .n = 64 };
	KUNIT_ASSERT_EQ(test, kunit_add_action(test, round_release, cma), 0);
	for (i = 0; i < ARRAY_SIZE(round_held); i++) {
		round_held[i] = cma_alloc(cma, race.count, 0, false);
		KUNIT_ASSERT_NOT_NULL(test, round_held[i]);
	}
	used = cma_bitmap_used(cma);
	race.file = shmem_kernel_file_setup("cma_sticky_rounds",
					    (ARRAY_SIZE(round_held) + 1) *
					    race.n << PAGE_SHIFT, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(race.file));
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, race_fput, race.file), 0);

	kunit_activate_static_stub(test, region_switch_window,
				   race_release_each_round);
	ret = cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE);
	kunit_deactivate_static_stub(test, region_switch_window);
	KUNIT_EXPECT_EQ(test, ret, -EBUSY);
	KUNIT_ASSERT_EQ_MSG(test, race.in, (unsigned long)REGION_SWITCH_ROUNDS,
			    "not every round found a stranger: the case did not race");
	KUNIT_EXPECT_EQ(test, race.calls, REGION_SWITCH_ROUNDS);
	KUNIT_EXPECT_EQ(test, region->nr_strangers - strangers,
			(unsigned long)REGION_SWITCH_ROUNDS);

	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_STICKY);
	KUNIT_EXPECT_TRUE(test, region_all_blocks(region, MIGRATE_MOVABLE_STICKY));
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma),
			used - REGION_SWITCH_ROUNDS * race.count);
	for (i = 0; i < REGION_SWITCH_ROUNDS * race.n; i++) {
		pgoff_t index = race.n + i;
		struct page *page;

		page = shmem_read_mapping_page(race.file->f_mapping, index);
		KUNIT_ASSERT_FALSE(test, IS_ERR(page));
		KUNIT_EXPECT_EQ(test, *(u8 *)page_address(page), (u8)index);
		put_page(page);
	}
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
	/* the one range no round released is still the device's */
	KUNIT_EXPECT_TRUE(test, cma_release(cma, round_held[REGION_SWITCH_ROUNDS],
					    race.count));
	round_held[REGION_SWITCH_ROUNDS] = NULL;
}

/*
 * Between the vacate and the move: a cma_release() has counted itself in
 * flight and cleared its bits; it frees its pages later.
 */
static void race_release_in_flight(struct cma *cma)
{
	unsigned long off = page_to_pfn(race.held) - cma->base_pfn, flags;

	if (cma != race.cma || race.calls++)
		return;
	atomic_inc(&cma->region->nr_releasing);
	spin_lock_irqsave(&cma->lock, flags);
	bitmap_clear(cma->bitmap, off, race.count);
	spin_unlock_irqrestore(&cma->lock, flags);
}

/* The switch waits on the chunk: the release frees its pages and ends. */
static void race_release_lands(struct cma_region *region)
{
	if (region != race.cma->region || race.n++)
		return;
	free_contig_range(page_to_pfn(race.held), race.count);
	atomic_dec(&region->nr_releasing);
}

/*
 * A release in flight when the switch checks a chunk (bits cleared, pages
 * not free yet): the switch checks that chunk again a little later instead
 * of vacating again, and succeeds with no extra round.
 */
static void sticky_test_switch_release_in_flight(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long used, strangers = region->nr_strangers;

	race = (typeof(race)){ .test = test, .cma = cma, .count = 16 };
	race.held = cma_alloc(cma, race.count, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, race.held);
	used = cma_bitmap_used(cma);

	kunit_activate_static_stub(test, region_switch_window,
				   race_release_in_flight);
	kunit_activate_static_stub(test, region_chunk_window,
				   race_release_lands);
	race.ret = cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE);
	kunit_deactivate_static_stub(test, region_chunk_window);
	kunit_deactivate_static_stub(test, region_switch_window);
	if (race.calls && !race.n) {
		/* the switch never waited: end the release here */
		free_contig_range(page_to_pfn(race.held), race.count);
		atomic_dec(&region->nr_releasing);
	} else if (!race.calls) {
		/* the switch failed before its window: still the device's */
		cma_release(cma, race.held, race.count);
	}
	KUNIT_ASSERT_EQ(test, race.calls, 1);
	KUNIT_EXPECT_EQ_MSG(test, race.n, 1UL,
			    "the switch did not wait on the chunk of the release");
	KUNIT_EXPECT_EQ(test, race.ret, 0);
	KUNIT_EXPECT_EQ(test, region->nr_strangers, strangers);
	KUNIT_EXPECT_EQ(test, atomic_read(&region->nr_releasing), 0);
	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used - race.count);
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region),
			cma->count - (used - race.count));
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
}

/*
 * In an exclusive free's window: the region becomes sticky and a new
 * allocation marks the page's range (as cma_alloc() does before it
 * migrates), all before the free takes zone->lock.
 */
static void race_sticky_then_mark(struct page *page)
{
	unsigned long flags;

	if (page != race.held || race.calls++)
		return;
	race.ret = cma_region_set_mode(race.cma, CMA_REGION_STICKY);
	spin_lock_irqsave(&race.cma->lock, flags);
	bitmap_set(race.cma->bitmap, page_to_pfn(page) - race.cma->base_pfn, 1);
	spin_unlock_irqrestore(&race.cma->lock, flags);
}

/*
 * The last put_page() of a page of an exclusive region, stalled while the
 * region switches to sticky and a new allocation marks the page's range:
 * the free, now a sticky one, must leave the new mark alone (else that
 * allocation's release would be refused and its range leak).
 */
static void sticky_test_switch_stale_free(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	unsigned long used, off, flags;
	bool marked;

	race = (typeof(race)){ .test = test, .cma = cma, .count = 1 };
	KUNIT_ASSERT_EQ(test, cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE), 0);
	race.held = cma_alloc(cma, 1, 0, false);
	KUNIT_ASSERT_NOT_NULL_MSG(test, race.held, "no page from the exclusive region");
	off = page_to_pfn(race.held) - cma->base_pfn;
	get_page(race.held);			/* a mapping's reference, say */
	/* free_contig_range() warns of the page still in use */
	pr_info("CMA_STICKY_EXPECT_WARN_BEGIN\n");
	KUNIT_EXPECT_TRUE(test, cma_release(cma, race.held, 1));
	pr_info("CMA_STICKY_EXPECT_WARN_END\n");
	used = cma_bitmap_used(cma);

	kunit_activate_static_stub(test, cma_region_free_window,
				   race_sticky_then_mark);
	put_page(race.held);			/* the last reference */
	kunit_deactivate_static_stub(test, cma_region_free_window);
	KUNIT_EXPECT_EQ_MSG(test, race.calls, 1, "the free never reached the region's path");
	KUNIT_EXPECT_EQ(test, race.ret, 0);
	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_STICKY);

	spin_lock_irqsave(&cma->lock, flags);
	marked = test_bit(off, cma->bitmap);
	clear_bit(off, cma->bitmap);		/* the new allocation's mark */
	spin_unlock_irqrestore(&cma->lock, flags);
	KUNIT_EXPECT_TRUE_MSG(test, marked, "the stale free cleared a new allocation's mark");
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
}

static struct {
	struct timer_list timer;
	struct cma *cma;
	struct page *page;
	struct completion done;
} irq_release;

static void irq_release_fn(struct timer_list *t)
{
	cma_release(irq_release.cma, irq_release.page, 1);
	complete(&irq_release.done);
}

/*
 * cma_release() stays callable from interrupt context, as upstream made it
 * ("mm/cma: change cma mutex to irq safe spinlock"): a switch takes no
 * lock a release needs.  From a timer, the page goes back and its bit with
 * it, with no warning.
 */
static void sticky_test_release_in_irq(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	long refused = atomic_long_read(&cma->region->nr_bad_release);
	unsigned long used;

	irq_release.cma = cma;
	irq_release.page = cma_alloc(cma, 1, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, irq_release.page);
	used = cma_bitmap_used(cma);
	init_completion(&irq_release.done);
	timer_setup(&irq_release.timer, irq_release_fn, 0);
	mod_timer(&irq_release.timer, jiffies + 1);
	wait_for_completion(&irq_release.done);
	timer_shutdown_sync(&irq_release.timer);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used - 1);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&cma->region->nr_bad_release),
			refused);
}

/* In a free's window: the switch runs to its end there. */
static void race_switch_in_free(struct page *page)
{
	/* the free passes a second window on its way to the region */
	if (page != race.held || race.calls++)
		return;
	race.ret = cma_region_set_mode(race.cma, CMA_REGION_EXCLUSIVE);
}

/*
 * Race 3: a free of a page the device held reads "sticky", a whole switch
 * runs in the free's window, and the free goes on to the pcp lists.  The
 * page must still go to the region (its bit cleared), never onto a pcp
 * list where any movable allocation takes it.  @batch: through
 * folios_put() and free_unref_folios() instead of __free_page() and
 * free_unref_page().
 */
static void switch_pcp_race(struct kunit *test, bool batch)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	struct folio_batch fbatch;
	unsigned long used;

	race = (typeof(race)){ .test = test, .cma = cma, .count = 1 };
	race.held = cma_alloc(cma, 1, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, race.held);
	used = cma_bitmap_used(cma);

	folio_batch_init(&fbatch);
	folio_batch_add(&fbatch, page_folio(race.held));
	kunit_activate_static_stub(test, cma_region_free_window,
				   race_switch_in_free);
	if (batch)
		folios_put(&fbatch);
	else
		__free_page(race.held);		/* the put_page() path */
	kunit_deactivate_static_stub(test, cma_region_free_window);
	KUNIT_EXPECT_GE_MSG(test, race.calls, 1, "the free never read a sticky type");
	KUNIT_EXPECT_EQ(test, race.ret, 0);

	KUNIT_EXPECT_EQ(test, cma_region_mode(cma), CMA_REGION_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used - 1);
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region), cma->count - (used - 1));
	KUNIT_EXPECT_EQ(test, cma_region_check_free_lists(), 0);
}

static void sticky_test_switch_pcp_race(struct kunit *test)
{
	switch_pcp_race(test, false);
}

static void sticky_test_switch_pcp_race_batch(struct kunit *test)
{
	switch_pcp_race(test, true);
}

static struct kunit_case cma_sticky_test_cases[] = {
	KUNIT_CASE(sticky_test_placement),
	KUNIT_CASE(sticky_test_alloc_direct),
	KUNIT_CASE(sticky_test_counted_as_cma),
	KUNIT_CASE_SLOW(sticky_test_free_counters),
	KUNIT_CASE(sticky_test_nocma_scope),
	KUNIT_CASE_SLOW(sticky_test_vacate),
	KUNIT_CASE_SLOW(sticky_test_contig_pcp),
	KUNIT_CASE(sticky_test_others_refused),
	KUNIT_CASE_SLOW(sticky_test_switch),
	KUNIT_CASE_SLOW(sticky_test_switch_fails_cleanly),
	KUNIT_CASE_SLOW(sticky_test_switch_release_race),
	KUNIT_CASE_SLOW(sticky_test_switch_gives_up),
	KUNIT_CASE_SLOW(sticky_test_switch_release_in_flight),
	KUNIT_CASE_SLOW(sticky_test_switch_pcp_race),
	KUNIT_CASE_SLOW(sticky_test_switch_pcp_race_batch),
	KUNIT_CASE(sticky_test_release_in_irq),
	KUNIT_CASE_SLOW(sticky_test_switch_stale_free),
	KUNIT_CASE(sticky_test_bad_input),
	{}
};

static struct kunit_suite cma_sticky_test_suite = {
	.name = "cma_sticky",
	.test_cases = cma_sticky_test_cases,
	.exit = cma_region_test_exit,
};

kunit_test_suite(cma_sticky_test_suite);

/* ---- the driver API: gfp modes, bulk, claims, the DMA API, DT ---- */

static DEFINE_SPINLOCK(api_lock);

/* Under a spinlock with IRQs off: GFP_ATOMIC and GFP_NOWAIT, any order. */
static void region_test_atomic(struct kunit *test)
{
	static const gfp_t modes[] = { GFP_ATOMIC, GFP_NOWAIT,
				       GFP_ATOMIC | __GFP_NOWARN };
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	struct page *pages[ARRAY_SIZE(modes) * (MAX_PAGE_ORDER + 1)];
	struct region_snapshot snap;
	unsigned long flags, free0 = cma_region_nr_free(region);
	unsigned long used = cma_bitmap_used(cma), taken = 0;
	unsigned int i, order, n = 0;

	region_snapshot(region, &snap);
	spin_lock_irqsave(&api_lock, flags);
	for (i = 0; i < ARRAY_SIZE(modes); i++)
		for (order = 0; order <= MAX_PAGE_ORDER; order++)
			pages[n++] = cma_alloc_gfp(cma, 1UL << order, order,
						   modes[i], NULL);
	spin_unlock_irqrestore(&api_lock, flags);

	for (i = 0; i < n; i++) {
		order = i % (MAX_PAGE_ORDER + 1);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(pages[i]), "case %u: %ld", i,
				       PTR_ERR(pages[i]));
		KUNIT_EXPECT_TRUE(test, pfn_in_region(region, page_to_pfn(pages[i]),
						      1UL << order));
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(page_to_pfn(pages[i]), 1UL << order));
		KUNIT_EXPECT_EQ(test, page_count(pages[i]), 1);
		taken += 1UL << order;
	}
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region), free0 - taken);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used + taken);

	/* released under the lock too, as cma_release() always could be */
	spin_lock_irqsave(&api_lock, flags);
	for (i = 0; i < n; i++)
		cma_release(cma, pages[i], 1UL << (i % (MAX_PAGE_ORDER + 1)));
	spin_unlock_irqrestore(&api_lock, flags);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	expect_snapshot(test, region, &snap);
}

static struct {
	struct hrtimer timer;
	struct cma *cma;
	struct page *page;
	struct page *bulk[16];
	long nr_bulk;
	bool hardirq;
	struct completion done;
} api_irq;

static enum hrtimer_restart api_irq_fn(struct hrtimer *t)
{
	api_irq.hardirq = in_hardirq();
	api_irq.page = cma_alloc_gfp(api_irq.cma, 16, 4, GFP_ATOMIC, NULL);
	api_irq.nr_bulk = cma_alloc_bulk(api_irq.cma, 0, ARRAY_SIZE(api_irq.bulk),
					 GFP_ATOMIC, NULL, api_irq.bulk);
	complete(&api_irq.done);
	return HRTIMER_NORESTART;
}

/* From a hard interrupt (an hrtimer): one range and one bulk batch. */
static void region_test_atomic_hardirq(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	struct region_snapshot snap;
	unsigned long used = cma_bitmap_used(cma);
	long i;

	region_snapshot(region, &snap);
	api_irq.cma = cma;
	init_completion(&api_irq.done);
	hrtimer_init(&api_irq.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	api_irq.timer.function = api_irq_fn;
	hrtimer_start(&api_irq.timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	wait_for_completion(&api_irq.done);
	hrtimer_cancel(&api_irq.timer);

	KUNIT_EXPECT_TRUE(test, api_irq.hardirq);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(api_irq.page), "%ld",
			       PTR_ERR(api_irq.page));
	KUNIT_EXPECT_TRUE(test, pfn_in_region(region, page_to_pfn(api_irq.page), 16));
	KUNIT_ASSERT_EQ(test, api_irq.nr_bulk, (long)ARRAY_SIZE(api_irq.bulk));
	for (i = 0; i < api_irq.nr_bulk; i++)
		KUNIT_EXPECT_TRUE(test, pfn_in_region(region,
						      page_to_pfn(api_irq.bulk[i]), 1));
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used + 16 + api_irq.nr_bulk);
	cma_release(cma, api_irq.page, 16);
	for (i = 0; i < api_irq.nr_bulk; i++)
		cma_release(cma, api_irq.bulk[i], 1);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	expect_snapshot(test, region, &snap);
}

/* What a mode cannot honour is refused, nothing taken. */
static void region_test_gfp_refused(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	struct region_snapshot snap;
	unsigned long used = cma_bitmap_used(cma);
	struct page *bulk[4];

	region_snapshot(region, &snap);
	KUNIT_EXPECT_EQ(test, PTR_ERR(cma_alloc_gfp(cma, 1, 0,
						    GFP_KERNEL | __GFP_NOFAIL, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(cma_alloc_gfp(cma, 0, 0, GFP_KERNEL, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(cma_alloc_gfp(NULL, 1, 0, GFP_KERNEL, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(cma_alloc_gfp(cma, cma->count + 1, 0,
						    GFP_KERNEL, NULL)), -ENOMEM);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 0, 4, GFP_KERNEL | __GFP_NOFAIL,
					     NULL, bulk), -EINVAL);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, MAX_PAGE_ORDER + 1, 1,
					     GFP_KERNEL, NULL, bulk), -EINVAL);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 0, 0, GFP_KERNEL, NULL, bulk),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 0, 4, GFP_KERNEL, NULL, NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 0, cma->count + 1, GFP_KERNEL,
					     NULL, bulk), -EINVAL);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	expect_snapshot(test, region, &snap);
}

/*
 * cma_alloc_bulk() on an exclusive region: 256 order-0 pages, 32 order-3
 * blocks, each in the region and distinct; and more than the region holds:
 * as many as it had, then nothing left, all back at the end.
 */
static void region_test_bulk(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region), used, i;
	struct region_snapshot snap;
	struct page **pages, *held;
	unsigned long *seen;
	long n;

	pages = kunit_kcalloc(test, cma->count, sizeof(*pages), GFP_KERNEL);
	seen = kunit_kcalloc(test, BITS_TO_LONGS(cma->count), sizeof(*seen),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	region_snapshot(region, &snap);
	used = cma_bitmap_used(cma);

	n = cma_alloc_bulk(cma, 0, 256, GFP_KERNEL, NULL, pages);
	KUNIT_ASSERT_EQ(test, n, 256L);
	for (i = 0; i < n; i++) {
		unsigned long pfn = page_to_pfn(pages[i]);

		KUNIT_ASSERT_TRUE(test, pfn_in_region(region, pfn, 1));
		KUNIT_EXPECT_FALSE_MSG(test, __test_and_set_bit(pfn - region->base_pfn, seen),
				       "pfn %lu twice", pfn);
		KUNIT_EXPECT_EQ(test, page_count(pages[i]), 1);
	}
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region), free0 - 256);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used + 256);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, pages[i], 1));

	n = cma_alloc_bulk(cma, 3, 32, GFP_NOWAIT, NULL, pages);
	KUNIT_ASSERT_EQ(test, n, 32L);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(page_to_pfn(pages[i]), 8));
		KUNIT_EXPECT_TRUE(test, pfn_in_region(region, page_to_pfn(pages[i]), 8));
	}
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region), free0 - 256);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, pages[i], 8));

	/*
	 * More than it holds: with one page held, one order-9 block fewer;
	 * what it has (over more than one zone->lock hold), then nothing.
	 */
	held = cma_alloc(cma, 1, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, held);
	n = cma_alloc_bulk(cma, 9, cma->count >> 9, GFP_KERNEL, NULL, pages);
	KUNIT_EXPECT_EQ(test, n, (long)(free0 >> 9) - 1);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 9, 1, GFP_KERNEL, NULL,
					     pages + n), 0L);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, pages[i], 512));
	KUNIT_EXPECT_TRUE(test, cma_release(cma, held, 1));

	/* a batch larger than one hold: CMA_REGION_BULK_BATCH + 1 pages */
	n = cma_alloc_bulk(cma, 0, CMA_REGION_BULK_BATCH + 1, GFP_KERNEL, NULL,
			   pages);
	KUNIT_EXPECT_EQ(test, n, CMA_REGION_BULK_BATCH + 1L);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, pages[i], 1));

	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	expect_snapshot(test, region, &snap);
}

static const char api_owner_a[] = "kunit-owner-a", api_owner_b[] = "kunit-owner-b";

static void api_unclaim(void *data)
{
	struct cma *cma = data;

	if (READ_ONCE(cma->region->owner) == api_owner_a)
		cma_region_unclaim(cma, api_owner_a);
}

static void expect_owner(struct kunit *test, struct cma *cma, const char *name)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_GT(test, cma_region_owner_show(cma, buf), 0L);
	KUNIT_EXPECT_STREQ(test, strim(buf), name);
}

/*
 * A claim: the owner allocates, nobody else (cma_alloc(), another owner, the
 * bulk path); one owner at a time; no unclaim while pages are out; no claim
 * of a region that holds allocations.
 */
static void claim_case(struct kunit *test, struct cma *cma)
{
	unsigned long used = cma_bitmap_used(cma), i;
	struct page *page, *other, *bulk[8];

	KUNIT_ASSERT_EQ(test, kunit_add_action(test, api_unclaim, cma), 0);
	expect_owner(test, cma, "");

	/* not while it holds someone's allocation */
	other = cma_alloc(cma, 1, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_EQ(test, cma_region_claim(cma, api_owner_a, "a"), -EBUSY);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, other, 1));

	KUNIT_ASSERT_EQ(test, cma_region_claim(cma, api_owner_a, "a"), 0);
	expect_owner(test, cma, "a");
	KUNIT_EXPECT_EQ(test, cma_region_claim(cma, api_owner_b, "b"), -EBUSY);
	KUNIT_EXPECT_EQ(test, cma_region_claim(cma, api_owner_a, "a"), -EBUSY);
	expect_owner(test, cma, "a");

	KUNIT_EXPECT_NULL(test, cma_alloc(cma, 1, 0, true));
	KUNIT_EXPECT_EQ(test, PTR_ERR(cma_alloc_gfp(cma, 1, 0, GFP_KERNEL,
						    api_owner_b)), -EBUSY);
	KUNIT_EXPECT_EQ(test, PTR_ERR(cma_alloc_gfp(cma, 1, 0, GFP_KERNEL, NULL)),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 0, 8, GFP_KERNEL, api_owner_b,
					     bulk), -EBUSY);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);

	page = cma_alloc_gfp(cma, 4, 2, GFP_KERNEL, api_owner_a);
	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	KUNIT_EXPECT_TRUE(test, pfn_in_region(cma->region, page_to_pfn(page), 4));
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 0, 8, GFP_KERNEL, api_owner_a,
					     bulk), 8L);
	KUNIT_EXPECT_EQ(test, cma_region_unclaim(cma, api_owner_b), -EPERM);
	KUNIT_EXPECT_EQ(test, cma_region_unclaim(cma, NULL), -EPERM);
	KUNIT_EXPECT_EQ(test, cma_region_unclaim(cma, api_owner_a), -EBUSY);
	expect_owner(test, cma, "a");

	/* releases are not checked against the owner */
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 4));
	for (i = 0; i < ARRAY_SIZE(bulk); i++)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, bulk[i], 1));
	KUNIT_EXPECT_EQ(test, cma_region_unclaim(cma, api_owner_a), 0);
	expect_owner(test, cma, "");
	KUNIT_EXPECT_EQ(test, cma_region_unclaim(cma, api_owner_a), -EPERM);

	page = cma_alloc(cma, 1, 0, false);
	KUNIT_EXPECT_NOT_NULL(test, page);
	if (page)
		cma_release(cma, page, 1);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	KUNIT_EXPECT_EQ(test, cma_region_claim(NULL, api_owner_a, "a"), -EINVAL);
	KUNIT_EXPECT_EQ(test, cma_region_claim(cma, NULL, "a"), -EINVAL);
	KUNIT_EXPECT_EQ(test, cma_region_claim(cma, api_owner_a, NULL), -EINVAL);
}

static void region_test_claim(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct region_snapshot snap;

	region_snapshot(cma->region, &snap);
	claim_case(test, cma);
	expect_snapshot(test, cma->region, &snap);
}

/* Pages the area's sysfs counters say are handed out and not back. */
static long cma_sysfs_outstanding(struct cma *cma)
{
#ifdef CONFIG_CMA_SYSFS
	return atomic64_read(&cma->nr_pages_succeeded) -
	       atomic64_read(&cma->nr_pages_released);
#else
	return 0;
#endif
}

/* Between an allocation's look at the claim and its bits: a claim. */
static void race_claim_in_window(struct cma *cma)
{
	if (!race.calls++)
		race.ret = cma_region_claim(cma, api_owner_a, "a");
}

/*
 * The claim sees no allocation and takes the region; the allocation that
 * was under way finds it claimed when it looks again after taking its
 * pages: it gives them back and fails with -EBUSY.  Nothing is left out.
 */
static void region_test_claim_race(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct region_snapshot snap;
	unsigned long used = cma_bitmap_used(cma);
	struct page *page, *bulk[16];
	long outstanding = cma_sysfs_outstanding(cma);

	KUNIT_ASSERT_EQ(test, kunit_add_action(test, api_unclaim, cma), 0);
	region_snapshot(cma->region, &snap);
	race = (typeof(race)){ .test = test, .cma = cma };
	kunit_activate_static_stub(test, cma_region_claim_window,
				   race_claim_in_window);
	page = cma_alloc_gfp(cma, 8, 3, GFP_KERNEL | __GFP_NOWARN, NULL);
	kunit_deactivate_static_stub(test, cma_region_claim_window);
	KUNIT_ASSERT_EQ(test, race.calls, 1);
	KUNIT_EXPECT_EQ(test, race.ret, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(page), -EBUSY);
	if (!IS_ERR(page))
		cma_release(cma, page, 8);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	expect_snapshot(test, cma->region, &snap);
	KUNIT_EXPECT_EQ(test, cma_region_unclaim(cma, api_owner_a), 0);

	/* the same for a bulk batch: all of it back, -EBUSY */
	race = (typeof(race)){ .test = test, .cma = cma };
	kunit_activate_static_stub(test, cma_region_claim_window,
				   race_claim_in_window);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 0, ARRAY_SIZE(bulk), GFP_KERNEL,
					     NULL, bulk), -EBUSY);
	kunit_deactivate_static_stub(test, cma_region_claim_window);
	KUNIT_EXPECT_EQ(test, race.calls, 1);
	KUNIT_EXPECT_EQ(test, race.ret, 0);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	expect_snapshot(test, cma->region, &snap);
	KUNIT_EXPECT_EQ(test, cma_region_unclaim(cma, api_owner_a), 0);

	/* neither counted a success nor a release */
	KUNIT_EXPECT_EQ(test, cma_sysfs_outstanding(cma), outstanding);
}

/* Atomic on a sticky region is refused; blocking modes work. */
static void sticky_test_gfp_refused(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	unsigned long used = cma_bitmap_used(cma), flags, i;
	struct page *page, *bulk[4];

	spin_lock_irqsave(&api_lock, flags);
	page = cma_alloc_gfp(cma, 1, 0, GFP_ATOMIC, NULL);
	spin_unlock_irqrestore(&api_lock, flags);
	KUNIT_EXPECT_EQ(test, PTR_ERR(page), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(cma_alloc_gfp(cma, 1, 0, GFP_NOWAIT, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 0, 4, GFP_ATOMIC, NULL, bulk),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(cma_alloc_gfp(cma, 1, 0,
						    GFP_KERNEL | __GFP_NOFAIL, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);

	page = cma_alloc_gfp(cma, 16, 4, GFP_KERNEL | __GFP_NORETRY, NULL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(page));
	KUNIT_EXPECT_TRUE(test, pfn_in_region(cma->region, page_to_pfn(page), 16));
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 16));
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 2, 4, GFP_KERNEL, NULL, bulk), 4L);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used + 16);
	for (i = 0; i < ARRAY_SIZE(bulk); i++)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, bulk[i], 4));
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
}

static void sticky_test_claim(struct kunit *test)
{
	claim_case(test, sticky_cma(test));
}

/*
 * The gfp modes on a busy range.  The device holds the whole region but one
 * pageblock, in which shmem pages then live; one of them is made busy, so
 * the only candidate range of a pageblock-sized request is busy.
 */
static struct {
	struct cma *cma;
	struct page *whole;
	unsigned long hole;	/* first pfn of the pageblock left free */
	struct file *file;
	struct page *busy;
	bool held;		/* we hold an extra reference to it */
	bool locked;		/* we hold its page lock */
	struct delayed_work work;
	struct task_struct *task;
	struct page *result;
	struct completion done;
} busy;

/* Let the busy page go: its lock if we hold it, else our reference. */
static void busy_work_fn(struct work_struct *work)
{
	if (busy.locked) {
		busy.locked = false;
		unlock_page(busy.busy);
	} else if (busy.held) {
		busy.held = false;
		put_page(busy.busy);
	}
}

static void busy_cleanup(void *data)
{
	cancel_delayed_work_sync(&busy.work);
	while (busy.locked || busy.held)
		busy_work_fn(NULL);
	if (busy.file)
		fput(busy.file);
	busy.file = NULL;
	if (busy.whole) {
		cma_release(busy.cma, busy.whole, busy.hole - page_to_pfn(busy.whole));
		cma_release(busy.cma, pfn_to_page(busy.hole + pageblock_nr_pages),
			    page_to_pfn(busy.whole) + busy.cma->count -
			    busy.hole - pageblock_nr_pages);
	}
	busy.whole = NULL;
}

/*
 * The device holds the region but for one pageblock, where shmem pages then
 * live; one of them (busy.busy) keeps an extra reference.
 */
static void busy_setup(struct kunit *test, struct cma *cma)
{
	unsigned long i, n = 2 * pageblock_nr_pages;

	busy = (typeof(busy)){ .cma = cma };
	INIT_DELAYED_WORK(&busy.work, busy_work_fn);
	KUNIT_ASSERT_EQ(test, kunit_add_action(test, busy_cleanup, NULL), 0);
	busy.whole = cma_alloc(cma, cma->count, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, busy.whole);
	busy.hole = page_to_pfn(busy.whole) + cma->count / 2;
	busy.hole = ALIGN_DOWN(busy.hole, pageblock_nr_pages);
	cma_release(cma, pfn_to_page(busy.hole), pageblock_nr_pages);
	drain_all_pages(NULL);

	busy.file = shmem_kernel_file_setup("cma_api_busy", n << PAGE_SHIFT, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(busy.file));
	for (i = 0; i < n; i++) {
		struct page *page = shmem_read_mapping_page(busy.file->f_mapping, i);
		unsigned long pfn;

		KUNIT_ASSERT_FALSE(test, IS_ERR(page));
		pfn = page_to_pfn(page);
		if (!busy.busy && pfn >= busy.hole &&
		    pfn < busy.hole + pageblock_nr_pages) {
			busy.busy = page;	/* keeps the reference */
			busy.held = true;
			continue;
		}
		put_page(page);
	}
	KUNIT_ASSERT_NOT_NULL_MSG(test, busy.busy, "no shmem page landed in the free pageblock");
}

static void sticky_test_gfp_modes(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long used;
	long passes;
	struct page *page;

	busy_setup(test, cma);
	used = cma_bitmap_used(cma);
	passes = atomic_long_read(&region->nr_retry_passes);

	/* fast and default: one attempt at the range, then -EBUSY */
	page = cma_alloc_gfp(cma, pageblock_nr_pages, pageblock_order,
			     GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(page), -EBUSY);
	page = cma_alloc_gfp(cma, pageblock_nr_pages, pageblock_order,
			     GFP_KERNEL | __GFP_NOWARN, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(page), -EBUSY);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&region->nr_retry_passes), passes);

	/* hard: every pass, and still busy */
	page = cma_alloc_gfp(cma, pageblock_nr_pages, pageblock_order,
			     GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, NULL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(page), -EBUSY);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&region->nr_retry_passes) - passes,
			(long)CMA_REGION_RETRY_PASSES);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);

	/* hard, and the page is let go during the passes: success */
	passes = atomic_long_read(&region->nr_retry_passes);
	schedule_delayed_work(&busy.work, msecs_to_jiffies(CMA_REGION_RETRY_MS * 3 / 2));
	page = cma_alloc_gfp(cma, pageblock_nr_pages, pageblock_order,
			     GFP_KERNEL | __GFP_RETRY_MAYFAIL, NULL);
	flush_delayed_work(&busy.work);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(page), "%ld", PTR_ERR(page));
	KUNIT_EXPECT_EQ(test, page_to_pfn(page), busy.hole);
	KUNIT_EXPECT_GT(test, atomic_long_read(&region->nr_retry_passes), passes);
	KUNIT_EXPECT_LT(test, atomic_long_read(&region->nr_retry_passes) - passes,
			(long)CMA_REGION_RETRY_PASSES);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, pageblock_nr_pages));
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
}

/*
 * __GFP_NORETRY does not wait for a locked page; GFP_KERNEL does.  The
 * page is unlocked by a work 300 ms later: the fast attempt returns while
 * it is still locked, the default one gets the range once it is not.
 */
static void sticky_test_gfp_noretry_locked(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct page *page, *locked;
	unsigned long used;
	bool still_locked;

	busy_setup(test, cma);
	locked = busy.busy;
	lock_page(locked);
	busy.locked = true;
	busy.held = false;	/* the page cache keeps it; the lock holds it */
	put_page(locked);
	used = cma_bitmap_used(cma);

	schedule_delayed_work(&busy.work, msecs_to_jiffies(300));
	page = cma_alloc_gfp(cma, pageblock_nr_pages, pageblock_order,
			     GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN, NULL);
	still_locked = PageLocked(locked);
	KUNIT_EXPECT_EQ(test, PTR_ERR(page), -EBUSY);
	KUNIT_EXPECT_TRUE_MSG(test, still_locked,
			      "the fast attempt waited for the page lock");

	page = cma_alloc_gfp(cma, pageblock_nr_pages, pageblock_order,
			     GFP_KERNEL, NULL);
	flush_delayed_work(&busy.work);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(page), "%ld", PTR_ERR(page));
	KUNIT_EXPECT_EQ(test, page_to_pfn(page), busy.hole);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, pageblock_nr_pages));
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
}

static int busy_killable_fn(void *data)
{
	allow_signal(SIGKILL);
	busy.result = cma_alloc_gfp(busy.cma, pageblock_nr_pages, pageblock_order,
				    GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN,
				    NULL);
	complete(&busy.done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* A fatal signal ends a __GFP_RETRY_MAYFAIL allocation between passes. */
static void sticky_test_gfp_fatal_signal(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long used;
	long passes;

	busy_setup(test, cma);
	used = cma_bitmap_used(cma);
	passes = atomic_long_read(&region->nr_retry_passes);
	init_completion(&busy.done);
	busy.task = kthread_run(busy_killable_fn, NULL, "cma_api_kill");
	KUNIT_ASSERT_FALSE(test, IS_ERR(busy.task));
	get_task_struct(busy.task);
	/* the first pass found the range busy and it waits for the next */
	while (atomic_long_read(&region->nr_retry_passes) == passes &&
	       !completion_done(&busy.done))
		msleep(20);
	send_sig(SIGKILL, busy.task, 1);
	wait_for_completion(&busy.done);
	kthread_stop(busy.task);
	put_task_struct(busy.task);

	KUNIT_EXPECT_EQ(test, PTR_ERR(busy.result), -EINTR);
	KUNIT_EXPECT_LT(test, atomic_long_read(&region->nr_retry_passes) - passes,
			(long)CMA_REGION_RETRY_PASSES);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
}

/* In the claim window: the exclusive test region becomes sticky. */
static void race_sticky_in_window(struct cma *cma)
{
	if (!race.calls++)
		race.ret = cma_region_set_mode(cma, CMA_REGION_STICKY);
}

static void restore_exclusive(void *data)
{
	struct cma *cma = data;

	if (cma_region_mode(cma) != CMA_REGION_EXCLUSIVE &&
	    cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE))
		kunit_fail_current_test("%s could not be made exclusive again",
					cma->name);
}

/*
 * A request that cannot sleep, on an exclusive region that a switch makes
 * sticky after the request was checked: it cannot wait for a migration,
 * so it fails with -EAGAIN (2048 pages: more than a sticky region serves
 * without one), nothing taken.
 */
static void region_test_atomic_switched(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	unsigned long used = cma_bitmap_used(cma);
	struct page *page;

	KUNIT_ASSERT_EQ(test, kunit_add_action(test, restore_exclusive, cma), 0);
	race = (typeof(race)){ .test = test, .cma = cma };
	kunit_activate_static_stub(test, cma_region_claim_window,
				   race_sticky_in_window);
	page = cma_alloc_gfp(cma, 2 * MAX_ORDER_NR_PAGES, 0,
			     GFP_NOWAIT | __GFP_NOWARN, NULL);
	kunit_deactivate_static_stub(test, cma_region_claim_window);
	KUNIT_ASSERT_EQ(test, race.calls, 1);
	KUNIT_ASSERT_EQ(test, race.ret, 0);
	KUNIT_EXPECT_EQ(test, PTR_ERR(page), -EAGAIN);
	if (!IS_ERR(page))
		cma_release(cma, page, 2 * MAX_ORDER_NR_PAGES);
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	KUNIT_EXPECT_EQ(test, cma_region_set_mode(cma, CMA_REGION_EXCLUSIVE), 0);
}

/*
 * The same calls on a MIGRATE_CMA area (cma=): __GFP_NORETRY, which
 * alloc_contig_range() would refuse there, is dropped; a request that
 * cannot sleep is refused; cma_alloc() works as before.
 */
static void cma_test_migrate_cma_area(struct kunit *test)
{
	struct cma *cma = dma_contiguous_default_area;
	struct page *page, *bulk[8];
	unsigned int i;

	if (!cma || cma_has_region(cma))
		kunit_skip(test, "no MIGRATE_CMA default area (cma=64M)");
	page = cma_alloc_gfp(cma, 16, 4, GFP_KERNEL | __GFP_NORETRY, NULL);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(page), "%ld", PTR_ERR(page));
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 16));
	KUNIT_EXPECT_EQ(test, PTR_ERR(cma_alloc_gfp(cma, 1, 0, GFP_ATOMIC, NULL)),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, cma_alloc_bulk(cma, 0, 8, GFP_KERNEL, NULL, bulk), 8L);
	for (i = 0; i < ARRAY_SIZE(bulk); i++)
		KUNIT_EXPECT_TRUE(test, cma_release(cma, bulk[i], 1));
	page = cma_alloc(cma, 16, 4, false);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, cma_release(cma, page, 16));
}

/*
 * The DMA API for a device whose area is a region: dma_alloc_coherent()
 * comes from it, from atomic context too when it is exclusive, and as the
 * owner of a claim made with the device.
 */
static void region_test_dma_api(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long used = cma_bitmap_used(cma), free0 = cma_region_nr_free(region);
	struct region_snapshot snap;
	struct device *dev, *dev2;
	struct page *page;
	dma_addr_t h1, h2;
	void *v1, *v2;

	dev = kunit_device_register(test, "cma-region-dma");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	dev->cma_area = cma;
	region_snapshot(region, &snap);

	v1 = dma_alloc_coherent(dev, SZ_1M, &h1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v1);
	KUNIT_EXPECT_TRUE(test, pfn_in_region(region, PHYS_PFN(virt_to_phys(v1)),
					      SZ_1M >> PAGE_SHIFT));
	spin_lock(&api_lock);
	v2 = dma_alloc_coherent(dev, SZ_64K, &h2, GFP_ATOMIC);
	spin_unlock(&api_lock);
	KUNIT_ASSERT_NOT_NULL(test, v2);
	KUNIT_EXPECT_TRUE(test, pfn_in_region(region, PHYS_PFN(virt_to_phys(v2)),
					      SZ_64K >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, cma_region_nr_free(region),
			free0 - ((SZ_1M + SZ_64K) >> PAGE_SHIFT));
	dma_free_coherent(dev, SZ_64K, v2, h2);
	dma_free_coherent(dev, SZ_1M, v1, h1);

	page = dma_alloc_pages(dev, SZ_64K, &h1, DMA_BIDIRECTIONAL, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, pfn_in_region(region, page_to_pfn(page),
					      SZ_64K >> PAGE_SHIFT));
	dma_free_pages(dev, SZ_64K, page, h1, DMA_BIDIRECTIONAL);

	/* claimed with the device: the DMA API allocates as the owner */
	KUNIT_ASSERT_EQ(test, cma_region_claim(cma, dev, dev_name(dev)), 0);
	KUNIT_EXPECT_NULL(test, cma_alloc(cma, 1, 0, true));
	/* another device of the area: the page allocator's memory */
	dev2 = kunit_device_register(test, "cma-region-dma2");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev2));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev2, DMA_BIT_MASK(64)), 0);
	dev2->cma_area = cma;
	v2 = dma_alloc_coherent(dev2, SZ_64K, &h2, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, v2);
	if (v2) {
		KUNIT_EXPECT_FALSE(test, pfn_in_region(region, PHYS_PFN(virt_to_phys(v2)),
						       SZ_64K >> PAGE_SHIFT));
		dma_free_coherent(dev2, SZ_64K, v2, h2);
	}
	dev2->cma_area = NULL;
	v1 = dma_alloc_coherent(dev, SZ_1M, &h1, GFP_KERNEL);
	KUNIT_EXPECT_NOT_NULL(test, v1);
	if (v1) {
		KUNIT_EXPECT_TRUE(test, pfn_in_region(region, PHYS_PFN(virt_to_phys(v1)),
						      SZ_1M >> PAGE_SHIFT));
		dma_free_coherent(dev, SZ_1M, v1, h1);
	}
	KUNIT_EXPECT_EQ(test, cma_region_unclaim(cma, dev), 0);
	dev->cma_area = NULL;
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	expect_snapshot(test, region, &snap);
}

/* A sticky region serves dma_alloc_coherent() only to callers that sleep. */
static void sticky_test_dma_api(struct kunit *test)
{
	struct cma *cma = sticky_cma(test);
	struct cma_region *region = cma->region;
	unsigned long used = cma_bitmap_used(cma);
	struct device *dev;
	dma_addr_t h;
	void *v;

	dev = kunit_device_register(test, "cma-sticky-dma");
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	KUNIT_ASSERT_EQ(test, dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)), 0);
	dev->cma_area = cma;

	v = dma_alloc_coherent(dev, SZ_1M, &h, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_TRUE(test, pfn_in_region(region, PHYS_PFN(virt_to_phys(v)),
					      SZ_1M >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used + (SZ_1M >> PAGE_SHIFT));
	dma_free_coherent(dev, SZ_1M, v, h);

	/* atomic: the page allocator's, as for any CMA area; nothing marked */
	spin_lock(&api_lock);
	v = dma_alloc_coherent(dev, SZ_64K, &h, GFP_ATOMIC);
	spin_unlock(&api_lock);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_FALSE(test, pfn_in_region(region, PHYS_PFN(virt_to_phys(v)),
					       SZ_64K >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
	dma_free_coherent(dev, SZ_64K, v, h);
	dev->cma_area = NULL;
	KUNIT_EXPECT_EQ(test, cma_bitmap_used(cma), used);
}

/* The "linux,cma-mode" property of a shared-dma-pool node. */
static void region_test_dt_mode(struct kunit *test)
{
	static const struct {
		const char *prop;
		int len;
		phys_addr_t base, size;
		int ret;
		enum cma_region_mode mode;
	} cases[] = {
		{ NULL, 0, SZ_1G, SZ_64M, 0, CMA_REGION_NONE },
		{ "cma", 4, SZ_1G + SZ_64K, SZ_64K, 0, CMA_REGION_NONE },
		{ "sticky", 7, SZ_1G, SZ_64M, 0, CMA_REGION_STICKY },
		{ "exclusive", 10, SZ_1G, SZ_64M, 0, CMA_REGION_EXCLUSIVE },
		{ "exclusive", 10, SZ_1G + SZ_1M, SZ_64M, -EINVAL },
		{ "sticky", 7, SZ_1G, SZ_64M + SZ_1M, -EINVAL },
		{ "sticky", 7, SZ_1G, 0, -EINVAL },
		{ "sticky", 6, SZ_1G, SZ_64M, -EINVAL },	/* no NUL */
		{ "sticky\0x", 9, SZ_1G, SZ_64M, -EINVAL },	/* two strings */
		{ "Sticky", 7, SZ_1G, SZ_64M, -EINVAL },
		{ "exclusive ", 11, SZ_1G, SZ_64M, -EINVAL },
		{ "", 1, SZ_1G, SZ_64M, -EINVAL },
		{ "sticky", 0, SZ_1G, SZ_64M, -EINVAL },
		{ "sticky", -1, SZ_1G, SZ_64M, -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		enum cma_region_mode mode = 42;
		int ret = cma_region_dt_mode(cases[i].prop, cases[i].len,
					     cases[i].base, cases[i].size, &mode);

		KUNIT_EXPECT_EQ_MSG(test, ret, cases[i].ret, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, mode,
				    ret ? 42 : cases[i].mode, "case %u", i);
	}
}

static struct kunit_case cma_region_api_test_cases[] = {
	KUNIT_CASE(region_test_atomic),
	KUNIT_CASE(region_test_atomic_hardirq),
	KUNIT_CASE(region_test_gfp_refused),
	KUNIT_CASE(region_test_bulk),
	KUNIT_CASE(region_test_claim),
	KUNIT_CASE(region_test_claim_race),
	KUNIT_CASE(region_test_atomic_switched),
	KUNIT_CASE(cma_test_migrate_cma_area),
	KUNIT_CASE(region_test_dma_api),
	KUNIT_CASE(region_test_dt_mode),
	KUNIT_CASE(sticky_test_gfp_refused),
	KUNIT_CASE(sticky_test_claim),
	KUNIT_CASE(sticky_test_dma_api),
	KUNIT_CASE_SLOW(sticky_test_gfp_modes),
	KUNIT_CASE_SLOW(sticky_test_gfp_noretry_locked),
	KUNIT_CASE_SLOW(sticky_test_gfp_fatal_signal),
	{}
};

static struct kunit_suite cma_region_api_test_suite = {
	.name = "cma_region_api",
	.test_cases = cma_region_api_test_cases,
	.exit = cma_region_test_exit,
};

kunit_test_suite(cma_region_api_test_suite);

#endif /* _MM_PAGE_ALLOC_CMA_KUNIT_H */
