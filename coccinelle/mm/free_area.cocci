// SPDX-License-Identifier: GPL-2.0-only
///
/// A use of a zone's free lists - zone->free_area, or the free_list of a
/// struct free_area - outside the buddy allocator's free-list primitives.
///
/// An exclusive CMA region keeps its free pages on a free_area of its own,
/// which the primitives of mm/page_alloc.c serve as they serve the zone's.
/// Code that walks zone->free_area itself sees none of them, and code that
/// adds to or takes from a free_list behind the primitives' back bypasses
/// the page type (PageBuddy() or page_is_cma_free()) and the counters that keep
/// zone and region apart.  A report is a place to read: use a primitive,
/// or list the function with the reason it is safe in
/// scripts/coccinelle/reviewed.
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
# The free-list primitives (mm/page_alloc.c) and the region code that
# hands them a region's free_area (mm/page_alloc_cma.c).
primitives = {
    "__add_to_free_list", "move_to_free_list", "__del_page_from_free_list",
    "del_page_from_free_list", "get_page_from_free_area", "free_area_empty",
    "expand", "page_del_and_expand", "__rmqueue_smallest", "__free_one_page",
    "add_to_free_list", "break_down_buddy_pages",
}

def warn(p, fn, what, org):
    if fn in primitives:
        return
    msg = "WARNING: %s(): uses %s outside the free-list primitives" % (fn, what)
    if org:
        coccilib.org.print_todo(p[0], msg)
    else:
        coccilib.report.print_report(p[0], msg)

@r@
struct zone *Z;
struct free_area *A;
expression E;
position p;
@@

(
 Z->free_area@p
|
 A->free_list@p
|
 A[E].free_list@p
)

@script:python depends on report@
p << r.p;
@@

warn(p, p[0].current_element, "a zone's free lists", False)

@script:python depends on org@
p << r.p;
@@

warn(p, p[0].current_element, "a zone's free lists", True)

@script:python depends on context@
p << r.p;
@@

if p[0].current_element in primitives:
    cocci.include_match(False)

@depends on context@
position r.p;
expression E;
@@

* E@p
