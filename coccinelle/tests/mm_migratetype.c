// SPDX-License-Identifier: GPL-2.0-only
/*
 * Corpus of scripts/coccinelle/mm/migratetype.cocci: a line marked
 * "report" must be reported, every other line must not (a switch is
 * reported at its first case).  The functions
 * keep the shape they have in v6.12 (cut to what the rule looks at); the
 * numbers are those of the paths in Documentation/mm/cma_sticky.rst,
 * "Pfn walkers".
 */

/* The fallback table: the region types are in no row. */
static int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {	/* report */
	[MIGRATE_UNMOVABLE]   = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE   },
	[MIGRATE_MOVABLE]     = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE,   MIGRATE_MOVABLE   },
};

/* 1. compaction: which blocks the free scanner may take pages from */
static bool suitable_migration_target(struct compact_control *cc,
				      struct page *page)
{
	if (PageBuddy(page)) {
		int order = cc->order > 0 ? cc->order : pageblock_order;

		if (buddy_order_unsafe(page) >= order)
			return false;
	}

	if (cc->ignore_block_suitable)
		return true;

	/* If the block is MIGRATE_MOVABLE or MIGRATE_CMA, allow migration */
	if (is_migrate_movable(get_pageblock_migratetype(page)))	/* report */
		return true;

	return false;
}

/* 6. long-term pins: no case for an exclusive region */
static inline bool folio_is_longterm_pinnable(struct folio *folio)
{
#ifdef CONFIG_CMA
	int mt = folio_migratetype(folio);

	if (mt == MIGRATE_CMA || mt == MIGRATE_ISOLATE)	/* report */
		return false;
#endif
	if (is_zero_folio(folio))
		return true;
	if (folio_is_device_coherent(folio))
		return false;
	return !folio_is_zone_movable(folio);
}

/* pcp lists: the region types are above MIGRATE_PCPTYPES */
static inline unsigned int order_to_pindex(int migratetype, int order)
{
	VM_WARN_ON_ONCE(migratetype >= MIGRATE_PCPTYPES);	/* report */
	return (MIGRATE_PCPTYPES * order) + migratetype;
}

static void count_types(struct zone *zone, unsigned long *count)
{
	int mt;

	for (mt = 0; mt < MIGRATE_TYPES; mt++)	/* report */
		count[mt] = 0;
}

static const char *type_name(int mt)
{
	switch (mt) {
	case MIGRATE_MOVABLE:	/* report */
		return "movable";
	case MIGRATE_CMA:
		return "cma";
	default:
		return "other";
	}
}

/* Not reported: the region types are handled. */
static bool handled(int mt)
{
	if (is_migrate_exclusive(mt))
		return false;
	return mt == MIGRATE_MOVABLE || is_migrate_sticky(mt);
}

/* Not reported: explicitly excluded by name. */
static bool excluded(int mt)
{
	if (mt == MIGRATE_MOVABLE_STICKY || mt == MIGRATE_MOVABLE_EXCLUSIVE)
		return false;
	return mt == MIGRATE_MOVABLE;
}

/* Not reported: a migrate mode, not a migratetype. */
static bool sync(enum migrate_mode mode)
{
	switch (mode) {
	case MIGRATE_SYNC:
		return true;
	default:
		return false;
	}
}

/* Not reported: no migratetype. */
static bool plain(int x)
{
	return x == 5;
}
