# SPDX-License-Identifier: GPL-2.0
"""Constants and formatting shared by the parts of the bench report."""
from typing import Any, Dict, List, Optional, Tuple

MIB = 1 << 20
PAGE = 4096
ARM_ORDER = ["exclusive", "sticky", "migrate_cma", "zone_movable", "buddy"]
# the same two arms' compound form: cma_alloc_folio() against
# alloc_pages(__GFP_COMP), orders 1..MAX_PAGE_ORDER (reported beside the
# five, not instead of them)
FOLIO_ARMS = ["exclusive_folio", "buddy_folio"]
TABLE_ORDER = ARM_ORDER + FOLIO_ARMS
SCENARIOS = ["idle", "occupied", "pressure"]
HOT_TESTS = ["anon_fault_64MiB", "order0_alloc_free"]
ZONE_MOVABLE_LABEL = ("ZONE_MOVABLE + alloc_contig_range (the form in which "
                      "ZONE_CMA was finally merged upstream: CMA managed by "
                      "ZONE_MOVABLE, 4.17 merge window, then reverted)")
ARM_LABEL = {
    "migrate_cma": "upstream MIGRATE_CMA area (cma=512M), cma_alloc()",
    "zone_movable": ZONE_MOVABLE_LABEL,
    "sticky": "sticky region (cma_region=bench:512M:sticky), cma_alloc()",
    "exclusive": "exclusive region (cma_region=bench:512M:exclusive), cma_alloc()",
    "buddy": "alloc_pages() of the same order from the zone (no region)",
    "exclusive_folio": "the exclusive region's compound form: cma_alloc_folio() / "
                       "cma_free_folio(), orders 1 to 10",
    "buddy_folio": "alloc_pages(__GFP_COMP) of the same order, the floor of exclusive_folio",
}


# the work behind an allocation size's samples, as the bench driver prints it
WORK_KEYS = ["w_n", "p99_mig", "p99_fail", "p99_retry", "max_mig", "max_fail", "max_retry",
             "tail_n", "tail_mig100", "tail_fail100", "tail_retry100", "body_n",
             "body_mig100", "body_fail100", "body_retry100"]

# (scenario, arm, pages) -> one latency record and its extras
Per = Dict[Tuple[str, str, int], Dict[str, Any]]
# (test, kernel) -> ns
Hot = Dict[Tuple[str, str], Optional[float]]
# arm -> utilization and vm counters
Util = Dict[str, Dict[str, Any]]


def floor_arm(arm: str) -> str:
    """The arm whose p99 is the floor of @arm's (the same form of allocation)."""
    return "buddy_folio" if arm.endswith("_folio") else "buddy"


def fmt_ns(ns: Optional[float]) -> str:
    if ns is None:
        return "-"
    if ns >= 1e9:
        return "%.2f s" % (ns / 1e9)
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.1f us" % (ns / 1e3)
    return "%d ns" % ns


def fmt_size(b: int) -> str:
    if b >= MIB:
        return "%d MiB" % (b // MIB)
    if b >= 1024:
        return "%d KiB" % (b // 1024)
    return "%d B" % b


def ratio(a: Optional[float], b: Optional[float]) -> str:
    if a is None or b is None or not b:
        return "-"
    r = a / b
    return "%.3gx" % r


def sizes_of(per: "Per", sc: str) -> List[int]:
    return sorted({p for (s, _, p) in per if s == sc})


def fmt_work(w: Optional[Dict[str, int]]) -> str:
    """The work done while a size's slow samples ran, as a phrase ("" if not
    measured): system-wide migrations in each allocation's window, and busy
    retries where the driver counts them (its own contig loop; -1 otherwise)."""
    if not w or not w.get("w_n"):
        return ""
    retry = w.get("p99_retry", -1) >= 0

    def one(mig: int, fail: int, rt: int) -> str:
        return "%d (%d failed%s)" % (mig, fail, ", %d busy retries" % rt if retry else "")

    def mean(k: str) -> str:
        return "%.2f (%.2f failed%s)" % (
            w[k + "_mig100"] / 100, w[k + "_fail100"] / 100,
            ", %.2f busy retries" % (w[k + "_retry100"] / 100) if retry else "")
    return ("pages migrated system-wide while it ran: the p99 sample %s, the slowest %s; "
            "on average %s at or above p99, %s below" % (
                one(w["p99_mig"], w["p99_fail"], w["p99_retry"]),
                one(w["max_mig"], w["max_fail"], w["max_retry"]), mean("tail"), mean("body")))
