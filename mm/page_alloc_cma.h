/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cma-sticky: CMA regions served by the buddy allocator.  Internal to mm/;
 * drivers use include/linux/cma.h.
 */
#ifndef _MM_PAGE_ALLOC_CMA_H
#define _MM_PAGE_ALLOC_CMA_H

#include <linux/cma.h>
#include <linux/jump_label.h>
#include <linux/mmzone.h>
#include <linux/sched.h>

struct cma;
struct seq_file;

/* Passes a __GFP_RETRY_MAYFAIL allocation makes after the first one. */
#define CMA_REGION_RETRY_PASSES	5
/* Wait between two passes, after draining the lru and pcp caches. */
#define CMA_REGION_RETRY_MS	100
/* Blocks cma_region_alloc_bulk() takes in one hold of zone->lock. */
#define CMA_REGION_BULK_BATCH	256

#ifdef CONFIG_CMA_STICKY

/**
 * struct cma_region - the buddy-managed side of a CMA area
 * @cma: the CMA area that owns the region
 * @zone: the one zone the whole range lies in
 * @base_pfn: first pfn; MAX_PAGE_ORDER aligned
 * @end_pfn: one past the last pfn; MAX_PAGE_ORDER aligned
 * @free_area: free lists of an exclusive region, one per order; only the
 *	MIGRATE_MOVABLE_EXCLUSIVE list is used.  Protected by @zone->lock,
 *	like the zone's own, so that the same buddy code serves both and a
 *	page can move between them atomically.
 * @nr_free_sticky: pages of a sticky region on its zone's sticky lists,
 *	counted where those lists change (account_freepages()); zone->lock
 * @nr_releasing: cma_release() calls between clearing their pages' bitmap
 *	bits and the end of the free of those pages: the free-list checker
 *	does not call such a page lost, and a switch checks the chunk again
 * @nr_bad_release: releases refused: pages the region had not handed out
 * @mode_lock: held by a mode switch from start to end, and by cma_alloc()
 *	of the area from marking a range to taking it or unmarking it, and
 *	around alloc_contig_range(), which must not retype a
 *	block the switch made exclusive
 * @switching: bit 0 set while a mode switch runs
 * @nr_switches: completed mode switches
 * @nr_strangers: times a switch found a page taken by others after its
 *	vacate (a release gave pages back meanwhile) and vacated again
 * @max_irqoff_ns: the longest IRQs-off section of the last switch
 * @nr_vacated: pages sticky -> exclusive switches took from movable users
 *	(migrated or taken free) over the region's life
 * @owner: the claim's owner (cma_region_claim()), or NULL; cma->lock
 * @owner_name: the claim's name, for sysfs; cma->lock
 * @nr_retry_passes: passes over the area that __GFP_RETRY_MAYFAIL
 *	allocations made after a first one found every range busy
 *
 * The pfn range, the zone and the free lists are per region, so nothing
 * here spans more than the region itself (no zone-wide bitmaps).
 */
struct cma_region {
	struct cma *cma;
	struct zone *zone;
	unsigned long base_pfn;
	unsigned long end_pfn;
	struct free_area free_area[NR_PAGE_ORDERS];
	unsigned long nr_free_sticky;
	atomic_t nr_releasing;
	atomic_long_t nr_bad_release;
	struct mutex mode_lock;		/* a switch vs. cma_alloc() */
	unsigned long switching;
	unsigned long nr_switches;
	unsigned long nr_strangers;
	u64 max_irqoff_ns;
	unsigned long nr_vacated;
	const void *owner;
	const char *owner_name;
	atomic_long_t nr_retry_passes;
};

/*
 * Enabled when the first exclusive region, resp. sticky region, becomes
 * active (at boot or by a mode switch); never disabled.
 */
DECLARE_STATIC_KEY_FALSE(cma_region_exclusive_key);
DECLARE_STATIC_KEY_FALSE(cma_region_sticky_key);

struct cma_region *cma_region_of_pfn(unsigned long pfn);
void cma_region_account_sticky(struct zone *zone, struct page *page,
			       int nr_pages);
struct free_area *cma_region_free_area(unsigned long pfn);
unsigned int cma_region_check_free_lists(void);
void __cma_region_free_pages(struct page *page, unsigned long pfn,
			     unsigned int order);
int __init cma_region_activate(struct cma *cma);
struct page *cma_region_alloc(struct cma *cma, unsigned long count,
			      unsigned int align, gfp_t gfp);
bool cma_region_take_free(struct cma *cma, unsigned long pfn,
			  unsigned long count, gfp_t gfp);
void cma_region_count_contig(const struct cma *cma, unsigned long count);
void cma_region_lock_mode(struct cma *cma);
void cma_region_unlock_mode(struct cma *cma);
bool cma_region_release(struct cma *cma, const struct page *pages,
			unsigned long count);
unsigned long cma_region_nr_free(struct cma_region *region);
int cma_region_parse_mode(const char *buf, enum cma_region_mode *mode);
const char *cma_region_mode_name(enum cma_region_mode mode);
void cma_region_show_pagetypeinfo(struct seq_file *m, pg_data_t *pgdat);
bool cma_region_claimed(struct cma *cma, const void *owner);
bool cma_region_owner_ok(struct cma *cma, const void *owner);
long cma_region_alloc_bulk(struct cma *cma, unsigned int order,
			   unsigned long nr, gfp_t gfp, struct page **pages);
void cma_region_retry_wait(struct cma *cma);
ssize_t cma_region_owner_show(struct cma *cma, char *buf);

/* The buddy primitives, for the region code; zone->lock held. */
struct page *__rmqueue_free_area(struct zone *zone, struct free_area *area,
				 unsigned int order, int migratetype);
void __free_to_free_area(struct page *page, unsigned long pfn,
			 struct zone *zone, struct free_area *area,
			 unsigned int order, int migratetype);
void __del_from_free_area(struct page *page, struct zone *zone,
			  struct free_area *area, unsigned int order,
			  int migratetype);
bool __region_pages_checked(void);
bool __region_page_bad(struct page *page);

/*
 * Hot-path screens.  Until an exclusive region exists the static key
 * keeps them to a patched-out jump; the work is out of line.
 */
static inline bool cma_region_exclusive_mt(int migratetype)
{
	return static_branch_unlikely(&cma_region_exclusive_key) &&
	       is_migrate_exclusive(migratetype);
}

/*
 * Free path hook: a page of an exclusive pageblock goes back to its
 * region's free_area, never to a zone list or a pcp list.
 */
static inline bool cma_region_free_pages(struct page *page, unsigned long pfn,
					 unsigned int order)
{
	if (static_branch_unlikely(&cma_region_exclusive_key) &&
	    is_migrate_exclusive(get_pfnblock_flags_mask(page, pfn,
							 MIGRATETYPE_MASK))) {
		__cma_region_free_pages(page, pfn, order);
		return true;
	}
	return false;
}

/*
 * May a page of the region owning @area merge with its buddy at @buddy_pfn?
 * Only asked at pageblock order and above: below it a buddy lies in the same
 * pageblock, hence in the same region.
 */
static inline bool cma_region_may_merge(struct free_area *area,
					unsigned long buddy_pfn)
{
	struct cma_region *region = container_of(area, struct cma_region,
						 free_area[0]);

	return buddy_pfn >= region->base_pfn && buddy_pfn < region->end_pfn;
}

static inline bool cma_is_exclusive(const struct cma *cma)
{
	return cma_region_mode(cma) == CMA_REGION_EXCLUSIVE;
}

/* Accounting screen: a sticky page is free CMA memory of its zone. */
static inline bool cma_region_sticky_mt(int migratetype)
{
	return static_branch_unlikely(&cma_region_sticky_key) &&
	       is_migrate_sticky(migratetype);
}

/*
 * In a memalloc_nocma_save() scope (a switch's migration targets), movable
 * allocations get no ALLOC_CMA.  Nothing to test until a sticky region
 * exists: only a switch opens such a scope.
 */
static inline bool cma_region_nocma_scope(void)
{
	return static_branch_unlikely(&cma_region_sticky_key) &&
	       (current->flags & PF_MEMALLOC_NOCMA);
}

/*
 * Asked under the pcp lock by a free that read a sticky type before taking
 * it: has a switch made the block exclusive since?  Then the page goes to
 * its region, not onto a pcp list.  region_make_exclusive() says why the
 * answer read under the pcp lock is the right one.
 */
static inline bool cma_region_pcp_refused(struct page *page, unsigned long pfn)
{
	return is_migrate_exclusive(get_pfnblock_flags_mask(page, pfn,
							    MIGRATETYPE_MASK));
}

/* The pageblock type alloc_contig_range() restores in @cma's range. */
static inline int cma_migratetype(const struct cma *cma)
{
	return cma_region_mode(cma) == CMA_REGION_STICKY ?
	       MIGRATE_MOVABLE_STICKY : MIGRATE_CMA;
}

/* A region area, as opposed to a MIGRATE_CMA one. */
static inline bool cma_has_region(const struct cma *cma)
{
	return cma_region_mode(cma) != CMA_REGION_NONE;
}

#else /* CONFIG_CMA_STICKY */

static inline bool cma_region_nocma_scope(void)
{
	return false;
}

static inline void cma_region_account_sticky(struct zone *zone,
					     struct page *page, int nr_pages)
{
}

static inline void cma_region_lock_mode(struct cma *cma)
{
}

static inline void cma_region_unlock_mode(struct cma *cma)
{
}

static inline bool cma_region_pcp_refused(struct page *page, unsigned long pfn)
{
	return false;
}

static inline void cma_region_show_pagetypeinfo(struct seq_file *m,
						pg_data_t *pgdat)
{
}

static inline bool cma_region_exclusive_mt(int migratetype)
{
	return false;
}

static inline struct free_area *cma_region_free_area(unsigned long pfn)
{
	return NULL;
}

static inline bool cma_region_free_pages(struct page *page, unsigned long pfn,
					 unsigned int order)
{
	return false;
}

static inline bool cma_region_may_merge(struct free_area *area,
					unsigned long buddy_pfn)
{
	return true;
}

static inline bool cma_is_exclusive(const struct cma *cma)
{
	return false;
}

static inline bool cma_region_sticky_mt(int migratetype)
{
	return false;
}

static inline int cma_migratetype(const struct cma *cma)
{
	return MIGRATE_CMA;
}

static inline bool cma_has_region(const struct cma *cma)
{
	return false;
}

static inline void cma_region_count_contig(const struct cma *cma,
					   unsigned long count)
{
}

static inline bool cma_region_take_free(struct cma *cma, unsigned long pfn,
					unsigned long count, gfp_t gfp)
{
	return false;
}

static inline int cma_region_activate(struct cma *cma)
{
	return -EINVAL;
}

static inline struct page *cma_region_alloc(struct cma *cma,
					    unsigned long count,
					    unsigned int align, gfp_t gfp)
{
	return NULL;
}

static inline bool cma_region_release(struct cma *cma,
				      const struct page *pages,
				      unsigned long count)
{
	return false;
}

static inline bool cma_region_claimed(struct cma *cma, const void *owner)
{
	return false;
}

static inline bool cma_region_owner_ok(struct cma *cma, const void *owner)
{
	return true;
}

static inline void cma_region_retry_wait(struct cma *cma)
{
}
#endif /* CONFIG_CMA_STICKY */

/*
 * KUnit's way into the windows between a free's first read of the block's
 * type and the lock under which it reads it again (the pcp lock for a
 * sticky type, zone->lock for an exclusive one), and between an
 * allocation's look at a region's claim and its pages' bits:
 * page_alloc_cma_kunit.h drives a switch, or a claim, from there.  No code
 * at all unless the tests are built.
 */
#if IS_ENABLED(CONFIG_CMA_STICKY_KUNIT_TEST)
void cma_region_free_window(struct page *page);
void cma_region_claim_window(struct cma *cma);
#else
static inline void cma_region_free_window(struct page *page)
{
}

static inline void cma_region_claim_window(struct cma *cma)
{
}
#endif

#endif /* _MM_PAGE_ALLOC_CMA_H */
