# SPDX-License-Identifier: GPL-2.0
"""The reclaim scenario (guest/scenarios/reclaim.sh): ZONE_CMA's own case.

Records, from the logs of the bench-reclaim-<arm> boots:
  reclaim         one per arm and run ("alone", "device"): the workload's
                  guest time, its vm counters and the region's use
  device_arrival  one per arm and size: the device's allocation while the
                  workload runs
Every comparison here is computed from them.
"""
import os
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

from .common import fmt_ns
from .parse import parse_log
from .plots import run_gnuplot

RECLAIM_ARMS = ["migrate_cma", "zone_movable", "sticky", "exclusive", "none"]
VM = ["pswpin", "pswpout", "pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd",
      "pgsteal_direct", "workingset_refault_anon", "workingset_refault_file",
      "allocstall_dma32", "allocstall_normal", "allocstall_movable", "oom_kill",
      "pgmajfault", "pgmigrate_success"]
# the second boot of one arm: how much two boots differ
DET = "det"
DET_OF = "migrate_cma"

Rec = Dict[str, Any]
Series = Dict[Tuple[str, str], List[Tuple[int, int]]]


class Reclaim(NamedTuple):
    recs: List[Rec]             # one per arm and run
    arrivals: List[Rec]         # one per arm and size
    na: Dict[str, str]          # arms not run, and why
    series: Series              # (arm, run) -> [(t_ms, used_kb)]
    rarm: Dict[str, str]        # the workload's parameters (one boot's RARM line)


def collect(logs: str, arms: List[str]) -> Reclaim:
    """The reclaim boots' records, from their logs."""
    recs: List[Rec] = []
    arrivals: List[Rec] = []
    na: Dict[str, str] = {}
    series: Series = {}
    params: Dict[str, str] = {}
    boots = [(a, a) for a in arms] + [(a, a + "-device") for a in arms if a != "none"]
    for name, log in boots + [(DET, DET)]:
        r = parse_log(os.path.join(logs, "bench-reclaim-%s.log" % log))
        if r is None:
            if name != DET:
                na[log] = "not run (no log)"
            continue
        for line in r["na"]:
            if "reason=" in line:
                na[log] = "n/a: " + line.split("reason=", 1)[1]
        if not r["end"] and log not in na:
            na[log] = "boot failed or timed out (see out/logs/bench-reclaim-%s.log)" % log
        rarm = r["rarm"] or {}
        params = params or rarm
        region_kb = int(rarm.get("region_pages", 0)) * 4
        for d in r["ruse"]:
            series.setdefault((name, d["run"]), []).append((int(d["t_ms"]), int(d["used_kb"])))
        for d in r["reclaim"]:
            rec: Rec = {"arm": name, "run": d["run"],
                        "elapsed_ns": int(d["elapsed_ns"]) if "elapsed_ns" in d else None,
                        "jobs": int(d.get("jobs", 0)), "failed": int(d.get("failed", 0)),
                        "killed": int(d.get("killed", 0)), "region_kb": region_kb,
                        "resident_ok": int(d.get("resident_ok", 1))}
            for k in VM:
                rec[k] = int(d.get(k, 0))
            rec["allocstall"] = sum(rec[k] for k in VM if k.startswith("allocstall"))
            use = [u for _, u in series.get((name, d["run"]), [])]
            rec["region_used_mean_kb"] = sum(use) // len(use) if use else None
            rec["region_used_max_kb"] = max(use) if use else None
            rec["use_samples"] = len(use)
            recs.append(rec)
        for d in r["arrive"]:
            ok = int(d.get("ok", 0))
            arrivals.append({"arm": name, "size": d["size"], "pages": int(d["pages"]),
                             "at_ms": int(d["at_ms"]) if "at_ms" in d else None,
                             "n": int(d.get("n", 0)), "ok": ok,
                             "ns": int(d["p50"]) if ok else None,
                             "fail_ns": int(d["fail_max"]) if "fail_max" in d else None})
    return Reclaim(recs, arrivals, na, series, params)


def find(recs: List[Rec], arm: str, run: str = "alone") -> Optional[Rec]:
    for r in recs:
        if r["arm"] == arm and r["run"] == run:
            return r
    return None


def pct(a: float, b: float) -> str:
    return "%+.1f%%" % ((a / b - 1) * 100) if b else "-"


def noise(recs: List[Rec]) -> Optional[float]:
    """Relative difference of the elapsed time of two boots of one arm (run alone)."""
    a, b = find(recs, DET_OF), find(recs, DET)
    if not a or not b or not a["elapsed_ns"] or not b["elapsed_ns"]:
        return None
    return abs(a["elapsed_ns"] - b["elapsed_ns"]) / min(a["elapsed_ns"], b["elapsed_ns"])


def targets(recs: List[Rec], na: Dict[str, str]) -> List[str]:
    """The goals of the reclaim scenario, met or missed, computed."""
    out: List[str] = []
    nz = noise(recs)
    nz_txt = (" (two boots of %s differ by %.1f%% here)" % (DET_OF, nz * 100)
              if nz is not None else "")

    def el(arm: str) -> Optional[int]:
        """The run's time, if it ran whole: no job failed or killed, the
        resident process alive to the end."""
        r = find(recs, arm)
        if not r or r["killed"] or r["failed"] or not r.get("resident_ok", 1):
            return None
        return r["elapsed_ns"]

    def unlike(a: str, b: str) -> str:
        """Why two boots' runs are not comparable, or "": one of them scanned
        no page for reclaim while the other did (another regime, not a
        difference the arms made; a boot-to-boot matter, see the notes)."""
        ra, rb = find(recs, a), find(recs, b)
        if not ra or not rb:
            return ""
        sa = ra["pgscan_kswapd"] + ra["pgscan_direct"]
        sb = rb["pgscan_kswapd"] + rb["pgscan_direct"]
        if (sa == 0) == (sb == 0):
            return ""
        return "%s's boot scanned %d pages for reclaim, %s's %d" % (a, sa, b, sb)

    def cmp_line(what: str, a: str, b: str, strict: bool) -> None:
        x, y = el(a), el(b)
        if x is None or y is None:
            out.append("reclaim, %s: not measured (%s)." % (
                what, "; ".join("%s: %s" % (k, na.get(k, "no whole run")) for k in (a, b)
                                if el(k) is None)))
            return
        apart = unlike(a, b)
        if apart:
            out.append("reclaim, %s: **not comparable** (%s against %s, %s; %s)." % (
                what, fmt_ns(x), fmt_ns(y), pct(x, y), apart))
            return
        ok = x < y if strict else x <= y
        out.append("reclaim, %s: %s (%s against %s, %s)%s." % (
            what, "**met**" if ok else "**missed**", fmt_ns(x), fmt_ns(y), pct(x, y),
            nz_txt if nz is not None and abs(x / y - 1) <= nz else ""))

    cmp_line("sticky at least as fast as zone_movable", "sticky", "zone_movable", False)
    cmp_line("sticky ahead of migrate_cma", "sticky", "migrate_cma", True)
    s, m, dt = find(recs, "sticky"), find(recs, "migrate_cma"), find(recs, DET)
    det_sw = (" (the two boots of %s: pswpout %d and %d)" % (DET_OF, m["pswpout"], dt["pswpout"])
              if m and dt else "")
    if s and m:
        apart = unlike("sticky", "migrate_cma")
        out.append("reclaim, sticky swaps fewer pages out than migrate_cma: %s (pswpout %d "
                   "against %d%s)%s." % (
                       "**not comparable**" if apart else
                       "**met**" if s["pswpout"] < m["pswpout"] else "**missed**",
                       s["pswpout"], m["pswpout"], "; " + apart if apart else "", det_sw))
    else:
        out.append("reclaim, sticky swaps fewer pages out than migrate_cma: not measured.")
    z = find(recs, "zone_movable")
    if m and z and m["elapsed_ns"] and z["elapsed_ns"]:
        ratio = m["elapsed_ns"] / z["elapsed_ns"]
        out.append("ZONE_CMA's gap (its letter: MIGRATE_CMA %.2fx ZONE_CMA's time, pswpout "
                   "69,839 against 92) on this kernel, in time: %s (migrate_cma %.3fx "
                   "zone_movable's time; a gap: 1.5x or more)%s; in swap-outs: pswpout %d "
                   "against %d%s." % (
                       186.5 / 93.4, "**closed**" if ratio < 1.5 else "**not closed**",
                       ratio, nz_txt, m["pswpout"], z["pswpout"], det_sw))
    return out


def render(w: Callable[[str], None], recs: List[Rec], arrivals: List[Rec],
           na: Dict[str, str], rarm: Dict[str, str], plot: Optional[str]) -> None:
    """The reclaim and device-arrival sections of results.md."""
    w("## Reclaim: ZONE_CMA's scenario\n")
    w("ZONE_CMA's cover letter measured `make -j16` in a 1 GiB guest with 512 MiB of CMA, "
      "where CMA memory sat unused while the rest was reclaimed.  Here, one boot per arm "
      "(1 GiB, one vCPU, a 512 MiB region; `none`: no region), a build-like workload "
      "(`bench/buildsim.c`): %s passes over %s source files on an ext2 virtio disk "
      "(the same bytes in every arm), %s compile jobs at a time, each a process that reads "
      "its file into memory, writes 2 x its size + 1 MiB of anonymous memory from it and "
      "an object file of half its size, beside a resident process touching %s MiB of "
      "anonymous memory, with %s MiB of swap on a second virtio disk.  `alone`: the "
      "workload by itself; `device`: the same in a boot of its own while a device "
      "allocates 16 MiB from 1 s into the run, then 64 MiB and then the whole region, "
      "each 0.5 s after the previous allocation ended.  These figures vary from boot to "
      "boot: `det` is a second boot of %s, alone.  A run with a failed or killed job, or "
      "whose resident process died, counts as no result.  Counters are /proc/vmstat "
      "deltas over the run; `region in use` (mean / max of samples every 100 ms): "
      "CmaTotal - CmaFree, or the Movable zone's managed - free pages: the region's pages "
      "holding movable memory, and in a device run also those the device holds or its "
      "allocation has isolated; an exclusive region counts 0 (it lends nothing and is "
      "not in CmaTotal).\n" % (
          rarm.get("passes", "?"), rarm.get("files", "?"), rarm.get("jobs", "?"),
          rarm.get("resident_mb", "?"), int(rarm.get("swap_kb", 0)) // 1024, DET_OF))
    for arm, why in sorted(na.items()):
        w("- `%s`: **%s**" % (arm, why))
    if na:
        w("")
    base = find(recs, "none")
    w("| arm | run | time | vs none | pswpin | pswpout | pgscan kswapd / direct | "
      "pgsteal kswapd / direct | refault anon / file | allocstall | OOM | jobs failed / "
      "killed | region in use |")
    w("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    order = {a: i for i, a in enumerate(RECLAIM_ARMS + [DET])}
    for r in sorted(recs, key=lambda r: (r["run"] != "alone", order.get(r["arm"], 99))):
        b = find(recs, "none", r["run"]) or base
        use = ("%d / %d MiB" % (r["region_used_mean_kb"] // 1024, r["region_used_max_kb"] // 1024)
               if r["region_used_mean_kb"] is not None and r["region_kb"] else "-")
        w("| %s | %s | %s | %s | %d | %d | %d / %d | %d / %d | %d / %d | %d | %d | %d / %d | %s |"
          % (r["arm"], r["run"], fmt_ns(r["elapsed_ns"]),
             pct(r["elapsed_ns"], b["elapsed_ns"]) if b and b["elapsed_ns"] and
             r["elapsed_ns"] else "-",
             r["pswpin"], r["pswpout"], r["pgscan_kswapd"], r["pgscan_direct"],
             r["pgsteal_kswapd"], r["pgsteal_direct"], r["workingset_refault_anon"],
             r["workingset_refault_file"], r["allocstall"], r["oom_kill"], r["failed"],
             r["killed"], use))
    w("")
    nz = noise(recs)
    if nz is not None:
        w("Two boots of %s, run alone: elapsed %s against %s (%.1f%% apart).\n" % (
            DET_OF, fmt_ns(find(recs, DET_OF)["elapsed_ns"]),
            fmt_ns(find(recs, DET)["elapsed_ns"]), nz * 100))
    if plot:
        w("![region in use over time](%s)\n" % plot)
    w("### The device arrives\n")
    w("The `device` boots: each allocation's latency and when it began (guest time into "
      "the run; the bench driver's cma_alloc(), or alloc_contig_range() in ZONE_MOVABLE; "
      "a failure shows the time it took to fail) and the workload's time against the same "
      "arm's boot alone%s.\n" % (
          ", whose boot-to-boot difference is %.1f%% (two boots of %s)" % (
              noise(recs) * 100, DET_OF) if noise(recs) is not None else ""))
    w("| arm | 16 MiB | 64 MiB | whole region | workload device / alone |")
    w("| --- | ---: | ---: | ---: | ---: |")
    for arm in RECLAIM_ARMS:
        a, d = find(recs, arm), find(recs, arm, "device")
        if not a:
            continue
        cells = []
        for size in ["16M", "64M", "region"]:
            x = [v for v in arrivals if v["arm"] == arm and v["size"] == size]
            at = (" at %.1f s" % (x[0]["at_ms"] / 1000.0)
                  if x and x[0].get("at_ms") is not None else "")
            cells.append("-" if not x else (fmt_ns(x[0]["ns"]) if x[0]["ok"] else
                                            "failed (%s)" % fmt_ns(x[0]["fail_ns"])) + at)
        rr = (d["elapsed_ns"] / a["elapsed_ns"]
              if d and d["elapsed_ns"] and a["elapsed_ns"] else None)
        if not d:
            continue
        w("| %s | %s | %s | %s | %s |" % (
            arm, cells[0], cells[1], cells[2], "%.3fx" % rr if rr else "-"))
    w("")


def make_plot(outd: str, series: Series) -> Optional[str]:
    """Region in use over time, run alone, one line per arm."""
    arms = [a for a in RECLAIM_ARMS + [DET] if series.get((a, "alone"))]
    if not arms:
        return None
    data = os.path.join(outd, "plot-reclaim.dat")
    with open(data, "w") as f:
        for a in arms:
            f.write("# %s\n" % a)
            for t, u in series[(a, "alone")]:
                f.write("%d %d\n" % (t, u))
            f.write("\n\n")
    png = "reclaim-use.png"
    cmds = ", ".join("'%s' index %d using ($1/1000):($2/1024) with lines lw 2 title '%s'" %
                     (data, i, a) for i, a in enumerate(arms))
    script = """set terminal pngcairo size 1000,560 noenhanced
set output '%s'
set title 'cma-sticky: region in use during the reclaim workload (run alone)'
set xlabel 'guest time (s)'
set ylabel 'region pages holding movable memory (MiB)'
set key outside right
set grid
plot %s
""" % (os.path.join(outd, png), cmds)
    return png if run_gnuplot(script, "the reclaim plot") else None
