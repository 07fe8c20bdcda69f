// SPDX-License-Identifier: GPL-2.0-only
/*
 * Corpus of scripts/coccinelle/mm/free_area.cocci: a line marked "report"
 * must be reported, every other line must not.  The functions keep the
 * shape they have in v6.12 (cut to what the rule looks at); the numbers
 * are those of the paths in Documentation/mm/cma_sticky.rst, "Pfn walkers".
 */

/* 4. hibernation: only the zone's lists count as free memory */
static void mark_free_pages(struct zone *zone)
{
	unsigned long pfn, flags;
	unsigned int order, t;
	struct page *page;

	spin_lock_irqsave(&zone->lock, flags);
	for_each_migratetype_order(order, t) {
		list_for_each_entry(page, &zone->free_area[order].free_list[t],	/* report */
				    buddy_list) {
			unsigned long i;

			pfn = page_to_pfn(page);
			for (i = 0; i < (1UL << order); i++)
				swsusp_set_page_free(pfn_to_page(pfn + i));
		}
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

/* free page reporting walks the zone's lists */
static int page_reporting_cycle(struct page_reporting_dev_info *prdev,
				struct zone *zone, unsigned int order,
				unsigned int mt, struct scatterlist *sgl,
				unsigned int *offset)
{
	struct free_area *area = &zone->free_area[order];	/* report */
	struct list_head *list = &area->free_list[mt];		/* report */

	if (list_empty(list))
		return 0;
	return 1;
}

/* Not reported: a free-list primitive. */
static inline struct page *get_page_from_free_area(struct free_area *area,
						   int migratetype)
{
	return list_first_entry_or_null(&area->free_list[migratetype],
					struct page, buddy_list);
}

/* Not reported: another structure's free_list. */
static void purge_block(struct vmap_block *vb)
{
	list_del_rcu(&vb->free_list);
}
