// SPDX-License-Identifier: GPL-2.0-only
///
/// A test or a switch on a migratetype - a comparison with MIGRATE_MOVABLE,
/// MIGRATE_CMA or MIGRATE_PCPTYPES, is_migrate_movable(), is_migrate_cma(),
/// migratetype_is_mergeable(), a case label, a loop up to MIGRATE_TYPES, a
/// fallback table - in a function that neither handles nor explicitly
/// excludes the two CMA region types, MIGRATE_MOVABLE_STICKY and
/// MIGRATE_MOVABLE_EXCLUSIVE.
///
/// The region types come after every other type.  A test written before
/// them gives them a meaning by accident: MIGRATE_MOVABLE_STICKY is neither
/// MIGRATE_MOVABLE nor is_migrate_cma(), MIGRATE_MOVABLE_EXCLUSIVE is not
/// movable at all, and neither is below MIGRATE_PCPTYPES.  A report is a
/// place to read: handle the types (is_migrate_sticky(),
/// is_migrate_exclusive()), or list the function with the reason the
/// accident is right in scripts/coccinelle/reviewed.
///
// Confidence: Low
// Copyright: (C) 2026 The cma-sticky authors.
// Comments: Documentation/mm/cma_sticky.rst, "Pfn walkers"
// Options: --no-includes --include-headers

virtual context
virtual org
virtual report

@initialize:python@
@@
handled = set()

def warn(p, fn, what, org):
    if (p[0].file, fn) in handled:
        return
    msg = "WARNING: %s(): tests a migratetype (%s) without the CMA region types" % (fn, what)
    if org:
        coccilib.org.print_todo(p[0], msg)
    else:
        coccilib.report.print_report(p[0], msg)

@h@
identifier g = {is_migrate_sticky, is_migrate_exclusive, is_migrate_sticky_page,
		is_migrate_exclusive_page, cma_region_sticky_mt,
		cma_region_exclusive_mt, cma_migratetype};
position p;
@@

(
 g@p(...)
|
 MIGRATE_MOVABLE_STICKY@p
|
 MIGRATE_MOVABLE_EXCLUSIVE@p
)

@script:python@
p << h.p;
@@

handled.add((p[0].file, p[0].current_element))

@r@
expression E;
identifier t = {MIGRATE_MOVABLE, MIGRATE_CMA, MIGRATE_PCPTYPES, MIGRATE_TYPES,
		MIGRATE_UNMOVABLE, MIGRATE_RECLAIMABLE};
identifier f = {is_migrate_movable, is_migrate_cma, is_migrate_cma_page,
		is_migrate_cma_folio, migratetype_is_mergeable};
position p;
@@

(
 E@p == t
|
 E@p != t
|
 E@p < t
|
 E@p <= t
|
 E@p >= t
|
 E@p > t
|
 f@p(...)
)

@script:python depends on context@
p << r.p;
@@

if (p[0].file, p[0].current_element) in handled:
    cocci.include_match(False)

@depends on context@
position r.p;
expression E;
identifier f;
@@

(
* E@p
|
* f@p(...)
)

@script:python depends on report@
p << r.p;
@@

warn(p, p[0].current_element, "comparison", False)

@script:python depends on org@
p << r.p;
@@

warn(p, p[0].current_element, "comparison", True)

@s@
expression E;
identifier t =~ "^MIGRATE_(UNMOVABLE|MOVABLE|RECLAIMABLE|PCPTYPES|HIGHATOMIC|CMA|ISOLATE|TYPES)$";
position p;
@@

switch (E) {
case t@p: ...
}

@script:python depends on report@
p << s.p;
@@

warn(p, p[0].current_element, "switch", False)

@script:python depends on org@
p << s.p;
@@

warn(p, p[0].current_element, "switch", True)

@tbl@
identifier a;
type T;
position p;
@@

T a@p[MIGRATE_PCPTYPES][...] = { ... };

@script:python depends on report@
p << tbl.p;
a << tbl.a;
@@

coccilib.report.print_report(p[0], "WARNING: %s[]: a migratetype fallback table without the CMA region types" % a)

@script:python depends on org@
p << tbl.p;
a << tbl.a;
@@

coccilib.org.print_todo(p[0], "WARNING: %s[]: a migratetype fallback table without the CMA region types" % a)
