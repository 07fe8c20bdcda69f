# SPDX-License-Identifier: GPL-2.0
"""Tables: results.md and the README's benchmark section."""
import os
import time
from typing import Any, Callable, Dict, List, Optional

from .common import (ARM_LABEL, ARM_ORDER, FOLIO_ARMS, HOT_TESTS, PAGE, SCENARIOS, Hot, Per, Util,
                     TABLE_ORDER, floor_arm, fmt_ns, fmt_size, ratio, sizes_of)
from . import reclaim, sizes as sizes_mod
from .targets import comparisons, load_symbols, published_refs, targets

def dated_notes(top: str) -> str:
    """bench/NOTES.md from its first dated note on, or "" if there is none."""
    path = os.path.join(top, "bench", "NOTES.md")
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        text = f.read()
    i = text.find("\n### ")
    return text[i + 1:] if i >= 0 else ""


def render_drv(w: Callable[[str], None], drv: Optional[List[Dict[str, Any]]]) -> None:
    """The driver API table and the comparisons its numbers give."""
    if not drv:
        return
    w("## Driver API (exclusive arm, idle region)\n")
    w("`cmaatomic`: cma_alloc_gfp(GFP_ATOMIC) with interrupts off, timed with them off; "
      "`cmasleep`: the same request with GFP_KERNEL; each released at once.  `bulk256`: one "
      "cma_alloc_bulk() of 256 order-0 pages; `buddy256`: 256 alloc_pages() calls, in the "
      "same boot; the release column is cma_release() / __free_pages() of the batch.\n")
    w("| test | pages | n | ok | p50 | p99 | max | release p50 |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for d in drv:
        w("| %s | %d | %d | %d | %s | %s | %s | %s |" % (
            d["test"], d["pages"], d["n"], d["ok"], fmt_ns(d["p50_ns"]), fmt_ns(d["p99_ns"]),
            fmt_ns(d["max_ns"]), fmt_ns(d["rel_p50_ns"])))
    w("")
    by = {(d["test"], d["pages"]): d for d in drv}
    for (t, p), d in sorted(by.items()):
        if t != "cmaatomic" or (("cmasleep", p) not in by):
            continue
        s = by[("cmasleep", p)]
        if d["p50_ns"] and s["p50_ns"]:
            w("- %d page%s: GFP_ATOMIC p50 %s, GFP_KERNEL p50 %s (%s); p99 %s against %s." % (
                p, "" if p == 1 else "s", fmt_ns(d["p50_ns"]), fmt_ns(s["p50_ns"]),
                ratio(d["p50_ns"], s["p50_ns"]), fmt_ns(d["p99_ns"]), fmt_ns(s["p99_ns"])))
    b, u = by.get(("bulk256", 256)), by.get(("buddy256", 256))
    if b and u and b["p50_ns"] and u["p50_ns"]:
        w("- 256 order-0 pages: cma_alloc_bulk() p50 %s, 256 alloc_pages() p50 %s: the bulk "
          "call takes %s the time (%s); p99 %s against %s." % (
              fmt_ns(b["p50_ns"]), fmt_ns(u["p50_ns"]), ratio(b["p50_ns"], u["p50_ns"]),
              "less" if b["p50_ns"] < u["p50_ns"] else "more",
              fmt_ns(b["p99_ns"]), fmt_ns(u["p99_ns"])))
    w("")


def render_md(a: Any, arms: List[str], per: Per, na_arms: Dict[str, str], hot: Hot,
              det: Optional[Dict[str, Any]], util: Util, plots: Dict[str, str],
              build_failed: Dict[str, str],
              zone_info: Dict[str, int], drv: Optional[List[Dict[str, Any]]] = None,
              rc: Optional[reclaim.Reclaim] = None,
              sz: Optional[sizes_mod.Sizes] = None) -> str:
    L = []
    w = L.append
    w("# cma-sticky benchmark (`make bench`)\n")
    w("Date: %s.  Command: `%s`.  Tree: out/linux %s.  Plan: %s.  Time: %s.\n" %
      (time.strftime("%Y-%m-%d %H:%M %Z"), a.command, a.rev[:12], a.plan, fmt_times(a.times)))
    w("Guest: QEMU TCG, `-icount shift=0,sleep=off -cpu max,erms=off`, 1 GiB, one vCPU, a "
      "512 MiB region (the ZONE_MOVABLE arm: the zone's pageblock-aligned part, 510 MiB).  "
      "Under icount the guest clock advances one nanosecond per guest instruction, so every "
      "latency below is a deterministic instruction count, not a real-hardware time; the "
      "`wall/op` column is the host's wall-clock time per allocation and its release "
      "under TCG, for scale "
      "only (it depends on the host's load; two guests run side by side).  One vCPU because "
      "icount runs vCPUs in turn in 100 ms slices of guest time, which would turn every "
      "cross-CPU wait into up to 100 ms; no ERMS because icount counts each iteration of "
      "`rep stosb` as an instruction (4096 per cleared page).  Latencies are over successful "
      "allocations; release is cma_release() / __free_pages() / free_contig_range() of each "
      "block; `OOM` counts OOM kills during the allocations of that size.  ZONE_MOVABLE's "
      "range also holds pages the kernel reserved at boot (see the notes at the end), so its "
      "whole region can never be allocated.\n")
    w("Arms:\n")
    for arm in ARM_ORDER:
        if arm in arms:
            w("- `%s`: %s%s" % (arm, ARM_LABEL[arm],
                                 " — **%s**" % na_arms[arm] if arm in na_arms else ""))
    for arm in FOLIO_ARMS:
        if any(k[1] == arm for k in per):
            w("- `%s`: %s" % (arm, ARM_LABEL[arm]))
    w("")
    single = sorted({(arm, p) for (_, arm, p), r in per.items() if 0 < r["ok"] < 100})
    w("Percentiles are nearest-rank over the successful allocations of a size: with fewer "
      "than 100 samples p99 is the slowest one; that is so in this run for %d of the %d "
      "sizes and arms measured%s.  " % (
          len(single), len({(arm, p) for (_, arm, p) in per}),
          " (the smallest of them: %s)" % fmt_size(min(p for _, p in single) * PAGE)
          if single else ""))
    w("Columns: `p99 / floor` is the p99 against `buddy`'s at the same size (the folio rows: "
      "against `buddy_folio`'s); `migrated / alloc` is the pages migrated "
      "(`pgmigrate_success`) per successful allocation while that size's rounds ran (under "
      "pressure, the background workload's own compaction included; also kcompactd's and "
      "that of attempts that failed with -EBUSY and were retried elsewhere): about what an arm "
      "had to move out of the way, so that latencies can be compared at similar work.  "
      "results.json holds the folio rows as arms `exclusive_folio` and `buddy_folio`.\n")
    w("Scenarios: `idle` (nothing else running); `occupied` (before every round of "
      "allocations the region is refilled until it is entirely held by movable pages, "
      "half anonymous and half tmpfs, everything that landed outside given back; the "
      "buddy arm holds the same 512 MiB anywhere; nothing movable can enter an exclusive "
      "region, which stays empty); `pressure` (occupied, plus a background workload mapping, "
      "touching and unmapping 192 MiB of anonymous or tmpfs memory in a loop while the "
      "allocations of a round run; a round starts once the workload has done one whole "
      "pass).  In a round, up to 128 MiB of blocks are allocated and "
      "held, then released, so every allocation meets the region as its predecessors left "
      "it; each size has a budget of 4 s of guest time, `n` is what fitted.  The whole "
      "region cannot be vacated when it is occupied: its 512 MiB of movable pages have "
      "nowhere else to go in a 1 GiB guest without swap.\n")

    # determinism
    w("## Determinism\n")
    if det is None:
        w("Not checked in this run (BENCH_DET=0 or a determinism boot failed).\n")
    elif det["identical"]:
        w("The same guest (MIGRATE_CMA arm, quick plan, every scenario, hot path included) "
          "booted twice gave **identical numbers**: %d latency records and %d hot-path and "
          "fixed-workload figures, every field equal.\n" % (det["records"], det["hot"]))
    else:
        w("The same guest (MIGRATE_CMA arm, quick plan, every scenario, hot path included) "
          "booted twice did **not** give identical numbers: of %d timing figures %d were "
          "equal and %d within 1%%; the median difference was %.3f%%, the largest %.1f%% "
          "(%s); the hot-path figures differed by at most %.4f%%.  Under `-icount` the guest "
          "executes the same instructions at the same guest times only as long as nothing "
          "from QEMU's I/O thread (timer callbacks, interrupt delivery) lands at a different "
          "instruction; a few such events shift single samples, and a bimodal latency "
          "(a page to migrate or not) can move a p50 of few samples from one mode to the "
          "other.  Nine figures in ten agree to %.1f%%; the hot path to its last digits; "
          "only QEMU's record/replay mode would make runs bit-identical.\n" % (
              det["figures"], det["figures_equal"], det["within_1pct"],
              det["median_rel"] * 100, det["max_rel"][0] * 100, det["max_rel"][1],
              max(det["hot_rel"] or [0]) * 100, max(1.0, det["p90_rel"] * 100)))

    # tables
    for sc in SCENARIOS:
        w("## Scenario: %s\n" % sc)
        w("| arm | size | n | ok | p50 | p99 | max | release p50 | release p99 | wall/op | "
          "migrated / alloc | OOM | p99 / floor | p99 / migrate_cma |")
        w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
          "---: | ---: |")
        for pages in sizes_of(per, sc):
            for arm in TABLE_ORDER:
                r = per.get((sc, arm, pages))
                if not r:
                    continue
                b = per.get((sc, floor_arm(arm), pages))
                m = per.get((sc, "migrate_cma", pages))
                if r["region"]:
                    size = "region (%s)" % fmt_size(r["size_bytes"])
                else:
                    size = fmt_size(r["size_bytes"])
                wall = "-"
                if r["wall_s"] is not None and r["n"]:
                    # the host sees the guest's lines about every 10 ms
                    wall = fmt_ns(max(r["wall_s"], 0.02) / r["n"] * 1e9)
                    if r["wall_s"] < 0.02:
                        wall = "< " + wall
                mig = "-"
                if r["migrated"] is not None and r["ok"]:
                    mig = "%.1f" % (r["migrated"] / r["ok"])
                w("| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    arm, size, r["n"], r["ok"], fmt_ns(r["p50_ns"]), fmt_ns(r["p99_ns"]),
                    fmt_ns(r["max_ns"]), fmt_ns(r["rel_p50_ns"]), fmt_ns(r["rel_p99_ns"]), wall,
                    mig, r["oom"] or "",
                    ratio(r["p99_ns"], b and b["p99_ns"]) if arm != floor_arm(arm) else "1x",
                    "1x" if arm == "migrate_cma" else "-" if arm.endswith("_folio") else
                    ratio(r["p99_ns"], m and m["p99_ns"])))
        for arm in arms:
            if arm in na_arms:
                w("| %s | - | - | - | %s | | | | | | | | | |" % (arm, na_arms[arm]))
        w("")
        if plots.get(sc):
            w("![%s](%s)\n" % (sc, plots[sc]))

    # utilization
    w("## Utilization and reclaim\n")
    w("`natural`: share of the region holding movable pages when memory was filled up "
      "to the high watermarks (no targeting: where the page allocator puts movable memory "
      "under pressure).  `occupied`: share after the targeted fill.  `pressure (min)`: the "
      "lowest share after a refill of the pressure scenario.  `lost`: MemAvailable when the "
      "guest's scenario starts, compared with the buddy arm (no region).  The workload "
      "columns are one fixed job, the same in every arm, run alone after the idle scenario "
      "and before the region is occupied: 4 passes of mapping, touching and unmapping %s MiB, "
      "anonymous and tmpfs in turn, more than the memory outside a 512 MiB region and less "
      "than all of it, so it fits only where the region's memory is lent to it.  `time` is "
      "the guest time it took (`killed`: the OOM killer ended it; `refused`: it could not "
      "map its memory at all); the vm counters are "
      "its /proc/vmstat deltas (pageoutrun = kswapd wake-ups, scanned = pgscan_kswapd + "
      "pgscan_direct, stalls = allocstall_*, compact = compact_stall).  OOM kills: during "
      "that job / over the whole boot.\n" % next(
          (u["workload"].get("mb", "?") for u in util.values() if "workload" in u), "?"))
    w("| arm | natural | occupied | pressure (min) | lost MemAvailable | workload time | "
      "pageoutrun | scanned | stalls | compact | OOM kills (workload / boot) |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for arm in ARM_ORDER:
        u = util.get(arm)
        if not u:
            continue
        v = u.get("workload", {})
        pct = lambda k: ("%.2f%%" % u[k]) if k in u else "-"
        lost = (("%d MiB" % (u["MemAvailable_lost_kB"] // 1024))
                if "MemAvailable_lost_kB" in u else "-")
        stalls = sum(x for k, x in v.items() if k.startswith("allocstall"))
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s |" % (
            arm, pct("natural_pct"), pct("occupied_pct"), pct("pressure_min_pct"), lost,
            ("killed" if v.get("oom_kill") else "refused") if "failed" in v else
            fmt_ns(v["ns"]) if "ns" in v else "-",
            v.get("pageoutrun", "-"),
            v["pgscan_kswapd"] + v["pgscan_direct"] if "pgscan_kswapd" in v else "-",
            stalls if v else "-", v.get("compact_stall", "-"), v.get("oom_kill", "-"),
            u["oom_kill_total"]))
    w("")

    # hot path
    render_drv(w, drv)
    w("## Hot path\n")
    w("`anon_fault_64MiB`: ns per 4 KiB page of touching 64 MiB of fresh anonymous memory "
      "(median of 5, THP off); `order0_alloc_free`: ns per alloc_page() + __free_page() pair, "
      "200000 pairs in the kernel (median of 5).  `base` is the unpatched base, `patched_off` "
      "the series with CONFIG_CMA_STICKY=n, `patched_on` with =y and no region; the three "
      "kernels share one configuration but for the series' options.\n")
    for k, err in sorted(build_failed.items()):
        w("**Kernel `%s` does not build** (not run): `%s` (out/bench/logs/build-%s.log).\n"
          % (k, err, k))
    w("| test | base | patched_off | patched_on | off / base | on / base |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    for t in ["anon_fault_64MiB", "order0_alloc_free"]:
        b, f, o = hot.get((t, "base")), hot.get((t, "patched_off")), hot.get((t, "patched_on"))
        pc = lambda x: ("%+.3f%%" % ((x / b - 1) * 100)) if (x is not None and b) else "-"
        w("| %s | %s | %s | %s | %s | %s |" %
          (t, "%.1f" % b if b else "-", "%.1f" % f if f else "-",
           "%.1f" % o if o else "-", pc(f), pc(o)))
    w("")

    if rc and (rc.recs or rc.na):
        reclaim.render(w, rc.recs, rc.arrivals, rc.na, rc.rarm, plots.get("reclaim"))
    if sz:
        sizes_mod.render(w, sz, {"alloc": plots.get("size-alloc", ""),
                                 "switch": plots.get("size-switch", "")})

    # published figures, beside ours
    refs = published_refs(per, util)
    if refs:
        w("## Published reference points\n")
        w("Other hardware, other kernels and real time there, guest instructions here, and "
          "`make -j16` as the background there where ours is a map/touch/unmap loop: compare "
          "the ratios between arms, not the absolute figures.\n")
        for line in refs:
            w("- " + line)
        w("")

    # targets
    w("## Targets\n")
    w("Reported, never asserted.\n")
    for line in targets(arms, per, na_arms, hot, util):
        w("- " + line)
    if rc and (rc.recs or rc.na):
        for line in reclaim.targets(rc.recs, rc.na):
            w("- " + line)
    w("")
    figs = comparisons(per, na_arms, util, zone_info, hot, load_symbols(a.out))
    if figs:
        w("### The figures behind the missed targets\n")
        for line in figs:
            w("- " + line)
        w("")
    notes = dated_notes(a.top)
    if notes:
        w("## Notes from earlier runs\n")
        w("Causes found once, each dated and naming the run it was found on "
          "(`bench/NOTES.md`); quoted, not computed from this run.\n")
        w(notes.rstrip("\n") + "\n")
    return "\n".join(L) + "\n"


def fmt_times(times: str) -> str:
    t = dict(x.split("=", 1) for x in times.split(",") if "=" in x)
    try:
        return "%d min %02d s of scripts/bench.sh (kernel builds %d s, boots %d s)" % (
            int(t["total"]) // 60, int(t["total"]) % 60, int(t["build"]), int(t["runs"]))
    except (KeyError, ValueError):
        return times


def update_readme(top: str, a: Any, arms: List[str], per: Per, na_arms: Dict[str, str],
                  hot: Hot, det: Optional[Dict[str, Any]], build_failed: Dict[str, str],
                  rc: Optional[reclaim.Reclaim] = None,
                  sz: Optional[sizes_mod.Sizes] = None) -> None:
    path = os.path.join(top, "README.md")
    with open(path) as f:
        text = f.read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin not in text or end not in text:
        return
    L = []
    w = L.append
    w(begin)
    w("Latest run: %s, `%s` (%s; tree %s).  p99 allocation latency in guest-instruction "
      "time (QEMU `-icount shift=0`)%s; full tables, release latencies, wall-clock "
      "figures, utilization and plots in `out/bench/results.md`.\n" % (
          time.strftime("%Y-%m-%d"), a.command, fmt_times(a.times), a.rev[:12],
          "; two identical boots gave identical numbers" if det and det["identical"] else
          ("; determinism **not** confirmed" if det else "")))
    show = [1, 16, 256, 1024, 4096, 16384]
    shown_arms = [x for x in ARM_ORDER if x in arms]
    w("| scenario | size | " + " | ".join(shown_arms) + " |")
    w("| --- | --- |" + " ---: |" * len(shown_arms))
    for sc in SCENARIOS:
        sizes = [p for p in sizes_of(per, sc) if p in show]
        rows = [(fmt_size(p * PAGE), {arm: per.get((sc, arm, p)) for arm in shown_arms})
                for p in sizes]
        # the whole region: one row, each arm's own region (ZONE_MOVABLE's is smaller)
        rows.append(("region", {arm: next((r for k, r in per.items() if k[0] == sc and
                                           k[1] == arm and r["region"]), None)
                                for arm in shown_arms}))
        for size, recs in rows:
            cells = []
            for arm in shown_arms:
                r = recs[arm]
                if arm in na_arms:
                    cells.append("n/a")
                elif not r:
                    cells.append("")
                elif not r["ok"]:
                    cells.append("failed (0/%d)" % r["n"])
                else:
                    c = fmt_ns(r["p99_ns"])
                    if r["ok"] < r["n"]:
                        c += " (%d/%d ok)" % (r["ok"], r["n"])
                    cells.append(c)
            if any(cells):
                w("| %s | %s | %s |" % (sc, size, " | ".join(cells)))
    w("")
    hp = []
    for t in HOT_TESTS:
        v = [hot.get((t, k)) for k in ("base", "patched_off", "patched_on")]
        if any(x is not None for x in v):
            hp.append("%s %s ns" % (t, " / ".join("%.1f" % x if x is not None else "n/a"
                                                  for x in v)))
    if hp:
        w("Hot path (base / patched_off / patched_on): " + "; ".join(hp) + ".")
    for arm in shown_arms:
        if arm in na_arms:
            w("`%s`: %s." % (arm, na_arms[arm]))
    for k, err in sorted(build_failed.items()):
        w("Kernel `%s` did not build: `%s`." % (k, err))
    if rc and rc.recs:
        w("")
        w("Reclaim scenario (ZONE_CMA's case; these figures vary from boot to boot: `det` is "
          "a second boot of %s), the workload alone and with the device's three "
          "allocations:\n" % reclaim.DET_OF)
        w("| arm | time alone | pswpout | pgscan | refaults | OOM | region in use (mean) | "
          "time with device | device: whole region |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for arm in reclaim.RECLAIM_ARMS + [reclaim.DET]:
            r, d = reclaim.find(rc.recs, arm), reclaim.find(rc.recs, arm, "device")
            if not r:
                continue
            x = [v for v in rc.arrivals if v["arm"] == arm and v["size"] == "region"]
            w("| %s | %s | %d | %d | %d | %d | %s | %s | %s |" % (
                arm, fmt_ns(r["elapsed_ns"]), r["pswpout"],
                r["pgscan_kswapd"] + r["pgscan_direct"],
                r["workingset_refault_anon"] + r["workingset_refault_file"], r["oom_kill"],
                "%d MiB" % (r["region_used_mean_kb"] // 1024)
                if r["region_used_mean_kb"] is not None and r["region_kb"] else "-",
                fmt_ns(d["elapsed_ns"]) if d else "-",
                "-" if not x else fmt_ns(x[0]["ns"]) if x[0]["ok"] else "failed"))
        for arm, why in sorted(rc.na.items()):
            w("`%s` (reclaim): %s." % (arm, why))
        w("")
        for line in reclaim.targets(rc.recs, rc.na):
            w("- " + line)
    if sz and (sz.allocs or sz.switches):
        w("")
        readme_sizes(w, sz)
    w(end)
    i, j = text.index(begin), text.index(end) + len(end)
    text = text[:i] + "\n".join(L) + text[j:]
    with open(path, "w") as f:
        f.write(text)


def readme_sizes(w: Callable[[str], None], sz: sizes_mod.Sizes) -> None:
    """The README's table of cost against size, and how each cost grows."""
    w("Cost against size (guest: twice the region plus 512 MiB): the whole region in one "
      "allocation, idle (median) / occupied (pages migrated system-wide; an exclusive "
      "region has no occupied case), and the sticky region's switch to exclusive, "
      "idle / occupied (pages migrated):\n")
    mbs = sorted({r["size_mb"] for r in sz.allocs} | {r["size_mb"] for r in sz.switches})
    arms = [a for a in sizes_mod.SIZE_ARMS if any(r["arm"] == a for r in sz.allocs)]
    w("| region | " + " | ".join(arms) + " | sticky -> exclusive |")
    w("| ---: |" + " ---: |" * (len(arms) + 1))
    for mb in mbs:
        cells = []
        for arm in arms:
            i = sizes_mod.find(sz.allocs, size_mb=mb, arm=arm, scenario="idle")
            o = sizes_mod.find(sz.allocs, size_mb=mb, arm=arm, scenario="occupied")
            cells.append("%s / %s%s" % (sizes_mod.cell(i, 3), sizes_mod.cell(o, 1),
                                        " (%d)" % o["migrated"] if o and o["ok"] and
                                        o["migrated"] else ""))
        i = sizes_mod.find(sz.switches, size_mb=mb, scenario="idle")
        o = sizes_mod.find(sz.switches, size_mb=mb, scenario="occupied")

        def sw(r: Optional[Dict[str, Any]]) -> str:
            return ("-" if not r else fmt_ns(r["ns"]) if r["ok"] else
                    "not filled" if r.get("fill_failed") else "refused")
        cells.append("%s / %s%s" % (sw(i), sw(o), " (%d)" % o["migrated"]
                                    if o and o["ok"] and o["migrated"] else ""))
        w("| %s | %s |" % (sizes_mod.fmt_mb(mb), " | ".join(cells)))
    w("")
    for name, why in sorted(sz.na.items()):
        w("- `%s`: %s." % (name, why))
    for line in sizes_mod.lines(sz):
        w("- " + line)
