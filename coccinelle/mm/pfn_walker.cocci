// SPDX-License-Identifier: GPL-2.0-only
///
/// A pfn walker - a function that turns pfns into pages or back, or steps
/// through a zone's or a pageblock's pfns, and loops - which,
/// inside a loop, trusts PageBuddy(), reads a buddy order or a pageblock's
/// migratetype, or takes pages off the free lists, in a function that has
/// no CMA region screen.
///
/// The free pages of an exclusive CMA region (MIGRATE_MOVABLE_EXCLUSIVE)
/// sit on the region's own free_area, not on the zone's lists.  They are
/// page_is_cma_free(), not PageBuddy(), so a walker that trusts PageBuddy() sees
/// an allocated page; but one that goes by the pageblock's migratetype, or
/// hands a page it found to a free-list primitive, must know regions.  A
/// report is a place to read: fix it with a screen (is_migrate_exclusive(),
/// page_is_cma_free(), cma_region_of_pfn() ...), or list it with the reason it
/// is safe in scripts/coccinelle/reviewed.
///
/// Known misses: do-while loops (Coccinelle 1.1 matches no do-while), and
/// only the first call of each listed function in a walker is reported.
///
// Confidence: Moderate
// Copyright: (C) 2026 The cma-sticky authors.
// Comments: Documentation/mm/cma_sticky.rst, "Pfn walkers"
// Options: --no-includes --include-headers

virtual context
virtual org
virtual report

@initialize:python@
@@
screened = set()
walkers = set()

@screen@
identifier g = {is_migrate_exclusive, is_migrate_exclusive_page, page_is_cma_free,
		cma_region_of_pfn, cma_region_free_area, cma_region_exclusive_mt,
		cma_region_free_pages, free_head_of_type};
position p;
@@

g@p(...)

@script:python@
p << screen.p;
@@

screened.add((p[0].file, p[0].current_element))

@walker@
identifier g = {pfn_to_page, pfn_to_online_page, pageblock_pfn_to_page,
		__pageblock_pfn_to_page, pfn_folio, page_to_pfn, zone_end_pfn,
		pageblock_start_pfn, pageblock_end_pfn};
position p;
@@

g@p(...)

@script:python@
p << walker.p;
@@

walkers.add((p[0].file, p[0].current_element))

@r@
identifier f = {PageBuddy, buddy_order, buddy_order_unsafe, page_is_buddy,
		is_free_buddy_page, __isolate_free_page, del_page_from_free_list,
		move_freepages_block, move_freepages_block_isolate,
		__move_freepages_block, take_page_off_buddy,
		__putback_isolated_page, get_pageblock_migratetype,
		get_pfnblock_migratetype};
position p;
@@

(
for (...;...;...) { <+... f@p(...) ...+> }
|
while (...) { <+... f@p(...) ...+> }
)

@script:python depends on context@
p << r.p;
@@

key = (p[0].file, p[0].current_element)
if key in screened or key not in walkers:
    cocci.include_match(False)

@c depends on context@
identifier r.f;
position r.p;
@@

* f@p(...)

@script:python depends on report@
p << r.p;
f << r.f;
@@

key = (p[0].file, p[0].current_element)
if key not in screened and key in walkers:
    coccilib.report.print_report(p[0],
        "WARNING: %s(): a pfn walker that calls %s() in a loop, with no CMA region screen" % (key[1], f))

@script:python depends on org@
p << r.p;
f << r.f;
@@

key = (p[0].file, p[0].current_element)
if key not in screened and key in walkers:
    coccilib.org.print_todo(p[0],
        "WARNING: %s(): a pfn walker that calls %s() in a loop, with no CMA region screen" % (key[1], f))
