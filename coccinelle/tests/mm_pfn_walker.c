// SPDX-License-Identifier: GPL-2.0-only
/*
 * Corpus of scripts/coccinelle/mm/pfn_walker.cocci: a line marked
 * "report" must be reported, every other line must not.  The rule reports
 * the first call of each listed function in a walker.  The functions
 * keep the shape they have in v6.12 (cut to what the rule looks at); the
 * numbers are those of the paths in Documentation/mm/cma_sticky.rst,
 * "Pfn walkers".
 */

/* 1. compaction's free scanner, taken to any block at MIN_COMPACT_PRIORITY */
static unsigned long isolate_freepages_block(struct compact_control *cc,
					     unsigned long *start_pfn,
					     unsigned long end_pfn,
					     struct list_head *freelist,
					     unsigned int stride, bool strict)
{
	int nr_scanned = 0, total_isolated = 0;
	struct page *page;
	unsigned long blockpfn = *start_pfn;
	unsigned int order;

	page = pfn_to_page(blockpfn);
	for (; blockpfn < end_pfn; blockpfn += stride, page += stride) {
		int isolated;

		if (PageCompound(page)) {
			const unsigned int order = compound_order(page);

			if (blockpfn + (1UL << order) <= end_pfn) {
				blockpfn += (1UL << order) - 1;
				page += (1UL << order) - 1;
				nr_scanned += (1UL << order) - 1;
			}
			goto isolate_fail;
		}

		if (!PageBuddy(page))				/* report */
			goto isolate_fail;

		order = buddy_order(page);			/* report */
		isolated = __isolate_free_page(page, order);	/* report */
		if (!isolated)
			break;
		set_page_private(page, order);
		total_isolated += isolated;
		list_add_tail(&page->lru, &freelist[order]);
		continue;
isolate_fail:
		if (strict)
			break;
	}
	return total_isolated;
}

/* 2. memory failure: a poisoned free page is taken off the zone's lists */
bool take_page_off_buddy(struct page *page)
{
	struct zone *zone = page_zone(page);
	unsigned long pfn = page_to_pfn(page);
	unsigned long flags;
	unsigned int order;
	bool ret = false;

	spin_lock_irqsave(&zone->lock, flags);
	for (order = 0; order < NR_PAGE_ORDERS; order++) {
		struct page *page_head = page - (pfn & ((1 << order) - 1));
		int page_order = buddy_order(page_head);		/* report */

		if (PageBuddy(page_head) && page_order >= order) {	/* report */
			unsigned long pfn_head = page_to_pfn(page_head);
			int migratetype = get_pfnblock_migratetype(page_head,	/* report */
								   pfn_head);

			del_page_from_free_list(page_head, zone, page_order,	/* report */
						migratetype);
			break_down_buddy_pages(zone, page_head, page, 0,
					       page_order, migratetype);
			SetPageHWPoisonTakenOff(page);
			ret = true;
			break;
		}
		if (page_count(page_head) > 0)
			break;
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return ret;
}

/* 3. page shuffling swaps free blocks of one type anywhere in the zone */
void __shuffle_zone(struct zone *z)
{
	unsigned long i, flags;
	unsigned long start_pfn = z->zone_start_pfn;
	unsigned long end_pfn = zone_end_pfn(z);
	const int order = SHUFFLE_ORDER;
	const int order_pages = 1 << order;

	spin_lock_irqsave(&z->lock, flags);
	start_pfn = ALIGN(start_pfn, order_pages);
	for (i = start_pfn; i < end_pfn; i += order_pages) {
		unsigned long j;
		int migratetype;
		struct page *page_i, *page_j;

		page_i = shuffle_valid_page(z, i, order);
		if (!page_i)
			continue;
		j = z->zone_start_pfn +
			ALIGN_DOWN(get_random_long() % z->spanned_pages,
				   order_pages);
		page_j = shuffle_valid_page(z, j, order);
		if (!page_j)
			continue;
		migratetype = get_pageblock_migratetype(page_i);	/* report */
		if (get_pageblock_migratetype(page_j) != migratetype)
			continue;
		list_swap(&page_i->lru, &page_j->lru);
	}
	spin_unlock_irqrestore(&z->lock, flags);
}

/*
 * 5. frees under zone->lock re-read the type and free to the zone.  Not
 * reported in this form: a do-while loop, which the rule cannot match (in
 * the series the function passes zone->free_area and free_area.cocci
 * reports it).
 */
static void split_large_buddy(struct zone *zone, struct page *page,
			      unsigned long pfn, int order, fpi_t fpi)
{
	unsigned long end = pfn + (1 << order);

	if (order > pageblock_order)
		order = pageblock_order;

	do {
		int mt = get_pfnblock_migratetype(page, pfn);

		__free_one_page(page, pfn, zone, order, mt, fpi);
		pfn += 1 << order;
		if (pfn == end)
			break;
		page = pfn_to_page(pfn);
	} while (1);
}

static void free_pcppages_bulk(struct zone *zone, int count,
			       struct per_cpu_pages *pcp, int pindex)
{
	struct list_head *list = &pcp->lists[pindex];
	struct page *page;

	while (count > 0) {
		unsigned long pfn;
		int mt;

		page = list_last_entry(list, struct page, pcp_list);
		pfn = page_to_pfn(page);
		mt = get_pfnblock_migratetype(page, pfn);	/* report */

		list_del(&page->pcp_list);
		count--;
		__free_one_page(page, pfn, zone, 0, mt, FPI_NONE);
	}
}

/* Not reported: the walker screens regions. */
static unsigned long screened_walker(unsigned long pfn, unsigned long end)
{
	unsigned long nr = 0;

	for (; pfn < end; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (is_migrate_exclusive_page(page))
			continue;
		if (PageBuddy(page))
			nr++;
	}
	return nr;
}

/* Not reported: no loop. */
static bool one_page(unsigned long pfn)
{
	return PageBuddy(pfn_to_page(pfn));
}

/* Not reported: a loop, but not over pfns or pages. */
static int not_a_walker(struct page **pages, int n)
{
	int i, free = 0;

	for (i = 0; i < n; i++)
		free += PageBuddy(pages[i]);
	return free;
}
