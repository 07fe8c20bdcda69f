/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of exclusive CMA regions, included at the end of
 * mm/page_alloc_cma.c so that they reach its static functions.
 *
 * They need an exclusive area named "kunit" of at least 16 MiB, e.g.
 * cma_region=kunit:32M:exclusive on the command line (make check sets it),
 * and skip without one.  Each test leaves the region exactly as it found it
 * and checks that it did: per-order free counts included.
 */
#ifndef _MM_PAGE_ALLOC_CMA_KUNIT_H
#define _MM_PAGE_ALLOC_CMA_KUNIT_H

#include <kunit/test.h>
#include <linux/vmstat.h>

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

/* A double release, or a range never handed out: refused, nothing lost. */
static void region_test_double_release(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region);
	long bad0 = atomic_long_read(&region->nr_bad_release);
	struct region_snapshot snap;
	struct page *page, *other;
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
	KUNIT_EXPECT_FALSE(test, ok);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&region->nr_bad_release), bad0 + 1);
	KUNIT_EXPECT_EQ(test, free0 - 4, cma_region_nr_free(region));

	/* Partly handed out: refused whole, the live part stays live. */
	pr_info("CMA_STICKY_EXPECT_WARN_BEGIN\n");
	ok = cma_release(cma, other, 8);
	pr_info("CMA_STICKY_EXPECT_WARN_END\n");
	KUNIT_EXPECT_FALSE(test, ok);
	KUNIT_EXPECT_EQ(test, page_count(other), 1);
	KUNIT_EXPECT_EQ(test, free0 - 4, cma_region_nr_free(region));

	KUNIT_EXPECT_TRUE(test, cma_release(cma, other, 4));
	KUNIT_EXPECT_EQ(test, free0, cma_region_nr_free(region));
	expect_snapshot(test, region, &snap);
}

/* Whoever drops the last reference, the pages come back to the region. */
static void region_test_last_put(struct kunit *test)
{
	struct cma *cma = kunit_cma(test);
	struct cma_region *region = cma->region;
	unsigned long free0 = cma_region_nr_free(region);
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
	pr_info("CMA_STICKY_EXPECT_WARN_BEGIN\n");
	KUNIT_EXPECT_FALSE(test, cma_release(cma, page, 1));
	pr_info("CMA_STICKY_EXPECT_WARN_END\n");

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

/* CmaTotal (totalcma_pages) counts the MIGRATE_CMA areas, not the regions. */
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
	KUNIT_CASE(region_test_not_in_cma_total),
	KUNIT_CASE(region_test_vm_events),
	{}
};

static struct kunit_suite cma_region_test_suite = {
	.name = "cma_region",
	.test_cases = cma_region_test_cases,
};

kunit_test_suite(cma_region_test_suite);

#endif /* _MM_PAGE_ALLOC_CMA_KUNIT_H */
