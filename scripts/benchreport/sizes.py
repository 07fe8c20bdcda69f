# SPDX-License-Identifier: GPL-2.0
"""Cost against size (issue 15): the bench-size-<size>-<arm> boots.

Records, from their logs:
  size_alloc   one per size, arm and scenario (idle, occupied): the
               whole-region allocation's latency and the pages it migrated
  size_switch  one per size and scenario: the sticky region's switch to
               exclusive (the kernel's own time) and back, with the pages
               it vacated and migrated
How each grows with the size is computed from them (the exponent k of
time ~ size^k between each two sizes measured: 1 is in proportion to the
size).
"""
import math
import os
import re
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from .common import fmt_ns
from .parse import parse_log
from .plots import run_gnuplot

SIZE_ARMS = ["exclusive", "sticky", "migrate_cma", "zone_movable"]
SIZE_SCENARIOS = ["idle", "occupied"]

Rec = Dict[str, object]


class Sizes(NamedTuple):
    allocs: List[Rec]           # one per size, arm and scenario
    switches: List[Rec]         # one per size and scenario (sticky)
    na: Dict[str, str]          # boots that gave no result, and why


def size_mb(size: str) -> int:
    """'64M' -> 64, '1G' -> 1024."""
    m = re.fullmatch(r"(\d+)([MG])", size)
    if not m:
        raise ValueError("not a size: %r" % size)
    return int(m.group(1)) * (1024 if m.group(2) == "G" else 1)


def guest_of(path: str) -> Optional[int]:
    """The guest's memory in MiB, from cmasticky.guest= on its command line."""
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = re.search(r"Command line:.*cmasticky\.guest=(\d+)M", line)
                if m:
                    return int(m.group(1))
    except OSError:
        pass
    return None


def collect(logs: str, sizes: List[str], arms: List[str]) -> Sizes:
    allocs: List[Rec] = []
    switches: List[Rec] = []
    na: Dict[str, str] = {}
    for size in sizes:
        mb = size_mb(size)
        for arm in arms:
            name = "size-%s-%s" % (size, arm)
            path = os.path.join(logs, "bench-%s.log" % name)
            r = parse_log(path)
            if r is None:
                na[name] = "not run (no log)"
                continue
            for line in r["na"]:
                # the arm's own refusal; one size's driver error is in its record
                if line.startswith("arm=") and "reason=" in line:
                    na[name] = "n/a: " + line.split("reason=", 1)[1]
            if not r["end"] and name not in na:
                na[name] = "boot failed or timed out (see out/logs/bench-%s.log)" % name
            pages = int(r["arm"]["pages"]) if r["arm"] else None
            # a region of another size than asked (the zone_movable arm's
            # pageblock-aligned part excepted) is no point of this size
            if (pages is not None and name not in na and
                    not (arm == "zone_movable" or pages == mb * 256)):
                na[name] = "the region has %d pages, not the %d of %s" % (pages, mb * 256, size)
            if name in na:
                continue    # a boot that did not run whole is no result
            guest = guest_of(path)
            fills = {f.get("scenario"): f for f in r["fill"] if f.get("pages") != "switch"}
            for d in r["lat"]:
                if pages is None or int(d["pages"]) != pages:
                    continue
                ok, sc = int(d["ok"]), d["scenario"]
                if arm == "exclusive" and sc != "idle":
                    continue    # nothing movable enters it: its idle case again
                f = fills.get(sc, {})
                allocs.append({
                    "size_mb": mb, "guest_mb": guest, "arm": arm, "scenario": sc,
                    "pages": pages, "n": int(d["n"]), "ok": ok,
                    "ns": int(d["p50"]) if ok else None,
                    "max_ns": int(d["max"]) if ok else None,
                    "fail_ns": int(d["fail_max"]) if not ok else None,
                    "migrated": int(d["migrated"]) if "migrated" in d else None,
                    "occupied_pct": (int(f["share_ppm"]) / 1e4 if "share_ppm" in f
                                     else None)})
            sw = {d["scenario"]: d for d in r["switch"]}
            back = {d["scenario"]: d for d in r["switchback"]}
            sfill = {f.get("scenario"): f for f in r["fill"] if f.get("pages") == "switch"}
            for sc in SIZE_SCENARIOS:
                d = sw.get(sc)
                if not d:
                    continue
                ok = int(d["ok"])
                b = back.get(sc, {})
                f = sfill.get(sc, {})
                switches.append({
                    "size_mb": mb, "guest_mb": guest, "scenario": sc, "pages": int(d["pages"]),
                    "ok": ok, "fill_failed": int(d.get("fill_failed", 0)),
                    "ns": int(d["us"]) * 1000 if ok and d.get("us", "").isdigit() else None,
                    "irqoff_ns": (int(d["irqoff_us"]) * 1000
                                  if ok and d.get("irqoff_us", "").isdigit() else None),
                    "revacated": int(d["revacated"]) if ok else None,
                    "free_after": (int(d["free_after"]) if ok and
                                   d.get("free_after", "").isdigit() else None),
                    "migrated": int(d["migrated"]) if ok else None,
                    "lru_before": int(d["lru_before"]) if d.get("lru_before", "").isdigit()
                    else None,
                    "occupied_pct": (int(f["share_ppm"]) / 1e4 if "share_ppm" in f
                                     else None),
                    "back_ok": int(b.get("ok", 0)),
                    "back_ns": (int(b["us"]) * 1000 if int(b.get("ok", 0)) and
                                b.get("us", "").isdigit() else None)})
    return Sizes(allocs, switches, na)


def slope(a: Tuple[float, float], b: Tuple[float, float]) -> Optional[float]:
    """The exponent k of time ~ size^k between two (size, time) points."""
    if a[0] <= 0 or b[0] <= 0 or a[0] == b[0] or not a[1] or not b[1]:
        return None
    return math.log(b[1] / a[1]) / math.log(b[0] / a[0])


def how(k: float) -> str:
    return ("in proportion to the size" if 0.9 <= k <= 1.1 else
            "less than in proportion to the size" if k < 0.9 else
            "faster than in proportion to the size")


def growth(points: List[Tuple[int, Optional[int]]]) -> Optional[str]:
    """How a time grows from the smallest to the largest size it was measured
    at, computed: the factor against the size's, and the exponent of each
    step between two sizes measured (1: in proportion to the size)."""
    pts = sorted({s: t for s, t in points if t}.items())
    if len(pts) < 2:
        return None
    (s0, t0), (s1, t1) = pts[0], pts[-1]
    steps = []
    for a, b in zip(pts, pts[1:]):
        k = slope(a, b)
        assert k is not None
        steps.append("%.2f from %s to %s (%s)" % (k, fmt_mb(a[0]), fmt_mb(b[0]), how(k)))
    return ("%s at %s to %s at %s: %.1fx for %.0fx the size; exponent %s" % (
        fmt_ns(t0), fmt_mb(s0), fmt_ns(t1), fmt_mb(s1), t1 / t0, s1 / s0, ", ".join(steps)))


def fmt_mb(mb: int) -> str:
    return "%d GiB" % (mb // 1024) if mb >= 1024 and mb % 1024 == 0 else "%d MiB" % mb


def find(recs: List[Rec], **kw: object) -> Optional[Rec]:
    for r in recs:
        if all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def lines(s: Sizes) -> List[str]:
    """One computed sentence per arm and scenario (allocation) and per
    scenario (switch): how the time grows with the size."""
    out = []
    for arm in SIZE_ARMS:
        for sc in SIZE_SCENARIOS:
            rs = [r for r in s.allocs if r["arm"] == arm and r["scenario"] == sc]
            if not rs:
                continue
            g = growth([(r["size_mb"], r["ns"]) for r in rs])
            failed = sorted(r["size_mb"] for r in rs if not r["ok"])
            txt = "whole-region allocation, %s, %s: " % (arm, sc)
            txt += g if g else "not measured at two sizes"
            if failed:
                txt += "; failed at %s" % ", ".join(fmt_mb(m) for m in failed)
            out.append(txt + ".")
    for sc in SIZE_SCENARIOS:
        rs = [r for r in s.switches if r["scenario"] == sc]
        if not rs:
            continue
        g = growth([(r["size_mb"], r["ns"]) for r in rs])
        failed = sorted(r["size_mb"] for r in rs if not r["ok"] and not r.get("fill_failed"))
        unfilled = sorted(r["size_mb"] for r in rs if r.get("fill_failed"))
        txt = "sticky -> exclusive switch, %s: %s" % (sc, g if g else
                                                       "not measured at two sizes")
        mig = [(r["size_mb"], r["migrated"]) for r in rs if r["ok"] and r["migrated"]]
        if mig:
            txt += "; pages migrated %s" % ", ".join(
                "%d at %s" % (m, fmt_mb(sz)) for sz, m in sorted(mig))
        if failed:
            txt += "; refused at %s" % ", ".join(fmt_mb(m) for m in failed)
        if unfilled:
            txt += "; not measured at %s (the filler failed)" % ", ".join(
                fmt_mb(m) for m in unfilled)
        out.append(txt + ".")
    return out


def render(w: Callable[[str], None], s: Sizes, plots: Dict[str, str]) -> None:
    """The size sections of results.md."""
    if not s.allocs and not s.switches and not s.na:
        return
    w("## Cost against size\n")
    gs = sorted({(r["size_mb"], r["guest_mb"]) for r in s.allocs if r["guest_mb"]})
    grows = ("; so the guest grows with the region too, %.1fx for %.0fx here" % (
        gs[-1][1] / gs[0][1], gs[-1][0] / gs[0][0]) if len(gs) > 1 else "")
    w("One boot per region size and arm, the guest's memory twice the region plus 512 MiB "
      "(sized so that what the filler puts in the region has room outside it%s).  "
      "`idle`: up to 3 attempts within the size's time budget (fewer are marked), the "
      "median; the first meets the region as booted, the others the region its "
      "predecessor released; `idle slowest` is the slowest of them.  `occupied`: one "
      "attempt after the filler (`benchmem filler`) has filled the region with movable "
      "anonymous and tmpfs pages (`occupied share`: the share of the region's pages it "
      "held, per arm).  `migrated`: pgmigrate_success, system-wide, over "
      "the allocations (idle: over all attempts).  An exclusive region lends nothing: it "
      "has no `occupied` case.  A boot that did not run whole is no result.\n" % grows)
    for name, why in sorted(s.na.items()):
        w("- `%s`: **%s**" % (name, why))
    if s.na:
        w("")
    sizes = sorted({r["size_mb"] for r in s.allocs} | {r["size_mb"] for r in s.switches})
    if s.allocs:
        w("### The whole region in one allocation\n")
        w("| region | guest | arm | idle | idle slowest | occupied | occupied share | "
          "migrated idle / occupied |")
        w("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
        for mb in sizes:
            for arm in SIZE_ARMS:
                i = find(s.allocs, size_mb=mb, arm=arm, scenario="idle")
                o = find(s.allocs, size_mb=mb, arm=arm, scenario="occupied")
                if not i and not o:
                    continue
                g = (i or o)["guest_mb"]
                w("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    fmt_mb(mb), fmt_mb(g) if g else "-", arm, cell(i, 3),
                    fmt_ns(i["max_ns"]) if i and i["ok"] else "-", cell(o, 1),
                    "%.1f%%" % o["occupied_pct"] if o and o["occupied_pct"] is not None
                    else "-",
                    "%s / %s" % (num(i["migrated"] if i else None),
                                 num(o["migrated"] if o else None))))
        w("")
        if plots.get("alloc"):
            w("![whole-region allocation against region size](%s)\n" % plots["alloc"])
    if s.switches:
        w("### The sticky region's switch to exclusive\n")
        w("Measured in the sticky boot after its allocations: the kernel's own time of "
          "`echo exclusive > mode` (its `now exclusive (N us, IRQs off at most M us)` line, "
          "taken only when the switch count went up by one), the pages migrated "
          "system-wide while it ran (pgmigrate_success) and the region's free pages after "
          "it, then the switch back to sticky.  `idle`: the region as the allocations left "
          "it (its pages on an LRU list beside it); `occupied`: after the filler has filled "
          "it again (a failed fill is no result).\n")
        w("| region | scenario | region pages on an LRU before | occupied share | to exclusive "
          "| IRQs off at most | migrated | free after | back to sticky |")
        w("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in sorted(s.switches, key=lambda r: (r["size_mb"], r["scenario"])):
            w("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                fmt_mb(r["size_mb"]), r["scenario"], num(r["lru_before"]),
                "%.1f%%" % r["occupied_pct"] if r["occupied_pct"] is not None else "-",
                fmt_ns(r["ns"]) if r["ok"] else
                "not filled" if r.get("fill_failed") else "refused", fmt_ns(r["irqoff_ns"]),
                num(r["migrated"]), num(r["free_after"]),
                fmt_ns(r["back_ns"]) if r["back_ok"] else "failed"))
        w("")
        if plots.get("switch"):
            w("![switch against region size](%s)\n" % plots["switch"])
    w("How each grows (computed from the tables above):\n")
    for t in lines(s):
        w("- " + t)
    w("")


def num(x: Optional[object]) -> str:
    return "-" if x is None else str(x)


def cell(r: Optional[Rec], want: int = 0) -> str:
    """A latency cell: the median, marked when some attempts failed or fewer
    than @want were made."""
    if not r:
        return "-"
    if not r["ok"]:
        return "failed (0/%d)" % r["n"]
    return fmt_ns(r["ns"]) + (" (%d/%d ok)" % (r["ok"], r["n"]) if r["ok"] < r["n"] else
                              " (%d of %d attempts)" % (r["n"], want) if r["n"] < want
                              else "")


def make_plots(outd: str, s: Sizes) -> Dict[str, str]:
    """Time against region size, log-log: the allocation (one line per arm
    and scenario) and the switch."""
    plots: Dict[str, str] = {}
    series = []
    for arm in SIZE_ARMS:
        for sc in SIZE_SCENARIOS:
            pts = sorted((r["size_mb"], r["ns"]) for r in s.allocs
                         if r["arm"] == arm and r["scenario"] == sc and r["ns"])
            if pts:
                series.append(("%s %s" % (arm, sc), pts, "dt 1" if sc == "idle" else "dt 2"))
    if series and plot(outd, "size-alloc", series, "whole-region allocation"):
        plots["alloc"] = "size-alloc.png"
    series = []
    for sc in SIZE_SCENARIOS:
        for key, what in [("ns", "to exclusive"), ("back_ns", "back to sticky")]:
            pts = sorted((r["size_mb"], r[key]) for r in s.switches
                         if r["scenario"] == sc and r[key])
            if pts:
                series.append(("%s, %s" % (what, sc), pts,
                               "dt 1" if sc == "idle" else "dt 2"))
    if series and plot(outd, "size-switch", series, "the sticky -> exclusive switch"):
        plots["switch"] = "size-switch.png"
    return plots


def plot(outd: str, name: str, series: List[Tuple[str, List[Tuple[object, object]], str]],
         what: str) -> bool:
    data = os.path.join(outd, "plot-%s.dat" % name)
    with open(data, "w") as f:
        for title, pts, _ in series:
            f.write("# %s\n" % title)
            for x, y in pts:
                f.write("%d %d\n" % (x, y))
            f.write("\n\n")
    def q(x: str) -> str:
        """A gnuplot single-quoted string (a quote in it doubled)."""
        return "'" + x.replace("'", "''") + "'"
    cmds = ", ".join("%s index %d using 1:($2/1e6) with linespoints lw 2 %s title %s" %
                     (q(data), i, dt, q(t)) for i, (t, _, dt) in enumerate(series))
    script = """set terminal pngcairo size 1000,560 noenhanced
set output %s
set title %s
set xlabel 'region size (MiB)'
set ylabel 'time (ms)'
set logscale xy
set key outside right
set grid
plot %s
""" % (q(os.path.join(outd, name + ".png")),
       q("cma-sticky: %s against region size (guest-instruction time)" % what), cmds)
    return run_gnuplot(script, "the %s plot" % name)
