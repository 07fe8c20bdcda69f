#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers of `make bench` (scripts/bench.sh).

bench_report.py watch LOG WALL
    Follow the console log LOG of a running guest and write the host's
    monotonic time of every "BENCH:" line to WALL: the wall-clock figures
    beside the guest's icount ones.  Ends once WALL.done exists and LOG
    has no more lines.
bench_report.py report --top DIR --out DIR --logs DIR ...
    Parse the logs into out/bench/results.json, results.md, *.png and the
    README's benchmark section.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import time

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


def floor_arm(arm):
    """The arm whose p99 is the floor of @arm's (the same form of allocation)."""
    return "buddy_folio" if arm.endswith("_folio") else "buddy"


# --------------------------------------------------------------- watch
def watch(logf, wall):
    done = wall + ".done"
    while not os.path.exists(logf):
        if os.path.exists(done):
            return
        time.sleep(0.05)
    with open(logf, "rb") as f, open(wall, "w") as out:
        buf = b""
        while True:
            chunk = f.read(65536)
            if chunk:
                t = time.monotonic()
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for raw in lines:
                    line = raw.decode("utf-8", "replace").rstrip("\r")
                    if line.startswith("BENCH:"):
                        out.write("%.6f %s\n" % (t, line))
                out.flush()
                continue
            if os.path.exists(done):
                chunk = f.read()
                if not chunk:
                    return
                continue
            time.sleep(0.01)


# --------------------------------------------------------------- parse
def markers():
    """The console markers, from their one source (guest/markers.sh)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "guest",
                        "markers.sh")
    with open(path) as f:
        return dict(re.findall(r"^(MARK_\w+)='([^']*)'$", f.read(), re.M))


MARK = markers()


def kv(text):
    return dict(re.findall(r"(\w+)=(\S+)", text))


def parse_log(path):
    """The BENCH lines of one boot, as dicts."""
    res = {"lat": [], "fill": [], "vmstat": {}, "mem": {}, "na": [], "workload": None,
           "notes": [], "hot": {}, "arm": None, "occupy": None,
           "done": None, "end": False, "wall_s": None, "drv": []}
    if not os.path.exists(path):
        return None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = re.match(re.escape(MARK["MARK_HOST"]) + r"(\d+) wall=([\d.]+)s", line)
            if m:
                res["qemu_exit"] = int(m.group(1))
                res["wall_s"] = float(m.group(2))
            if line.startswith(MARK["MARK_END"] + "0"):
                res["end"] = True
            if not line.startswith("BENCH: "):
                continue
            body = line[7:]
            tag, _, rest = body.partition(" ")
            d = kv(rest)
            if tag == "LAT":
                res["lat"].append(d)
            elif tag == "FILL":
                res["fill"].append(d)
            elif tag == "OCCUPY":
                res["occupy"] = d
            elif tag == "WORKLOAD":
                res["workload"] = {k: int(v) if v.lstrip("-").isdigit() else v
                                   for k, v in d.items()}
            elif tag == "VMSTAT":
                sc = d.pop("scenario")
                res["vmstat"][sc] = {k: int(v) for k, v in d.items() if v.isdigit()}
            elif tag == "MEM":
                res["mem"][d.get("when")] = d
            elif tag == "NA":
                res["na"].append(rest)
            elif tag == "NOTE":
                res["notes"].append(rest)
            elif tag == "ARM":
                res["arm"] = d
            elif tag == "DRV":
                res["drv"].append(d)
            elif tag == "HOT" and "test" in d:
                res["hot"][d["test"]] = d
            elif tag == "DONE":
                res["done"] = d
    return res


def parse_wall(path):
    """Host seconds spent inside the measured blocks (R+ .. R-) of each size."""
    out = {}
    if not os.path.exists(path):
        return out
    key, t_plus, acc = None, None, 0.0
    with open(path) as f:
        for line in f:
            t, _, body = line.rstrip("\n").partition(" ")
            t = float(t)
            body = body[7:]
            if body.startswith("SIZE "):
                d = kv(body)
                key = (d["scenario"], d.get("arm"), int(d["pages"]))
                acc = 0.0
            elif body == "R+":
                t_plus = t
            elif body == "R-" and t_plus is not None and key:
                acc += t - t_plus
                out[key] = acc
                t_plus = None
    return out


def hot_values(hot):
    """{test: ns} from the HOT lines of one boot."""
    r = {}
    f = hot.get("anon_fault_64MiB")
    if f:
        r["anon_fault_64MiB"] = float(f["median"])
    o = hot.get("order0_alloc_free")
    if o:
        vals = o["totals_loops"].split(",")
        per = sorted(int(vals[i]) / int(vals[i + 1]) for i in range(0, len(vals), 2))
        r["order0_alloc_free"] = per[len(per) // 2]
    return r


# --------------------------------------------------------------- format
def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1e9:
        return "%.2f s" % (ns / 1e9)
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.1f us" % (ns / 1e3)
    return "%d ns" % ns


def fmt_size(b):
    if b >= MIB:
        return "%d MiB" % (b // MIB)
    if b >= 1024:
        return "%d KiB" % (b // 1024)
    return "%d B" % b


def ratio(a, b):
    if a is None or b is None or not b:
        return "-"
    r = a / b
    return "%.3gx" % r


outd_global = [""]


def main_report(a):
    top, outd, logs = a.top, a.out, a.logs
    outd_global[0] = outd
    arms = a.arms.split()
    latency, hotpath, details = [], [], {"arms": {}, "boots": {}}
    per = {}            # (scenario, arm, pages) -> record + extras
    na_arms = {}
    boots = {}
    for arm in arms:
        boots[arm] = parse_log(os.path.join(logs, "bench-%s.log" % arm))
    for name in ["hot-base", "hot-patched_off", "det1", "det2"]:
        boots[name] = parse_log(os.path.join(logs, "bench-%s.log" % name))

    region_pages = {}
    for arm in arms:
        r = boots[arm]
        if r is None:
            na_arms[arm] = "not run (no log)"
            continue
        details["boots"][arm] = {"wall_s": r["wall_s"], "end": r["end"],
                                 "notes": r["notes"], "na": r["na"]}
        if not r["end"]:
            na_arms.setdefault(arm, "boot failed or timed out (see out/logs/bench-%s.log)" % arm)
        for na in r["na"]:
            if na.startswith("arm=") and "reason=" in na:
                na_arms[arm] = "n/a: " + na.split("reason=", 1)[1]
        if r["arm"]:
            region_pages[arm] = int(r["arm"]["pages"])
        wall = parse_wall(os.path.join(outd, "logs", "bench-%s.wall" % arm))
        for d in r["lat"]:
            pages = int(d["pages"])
            sc = d["scenario"]
            la = d.get("arm", arm)    # exclusive_folio, buddy_folio: same boot
            n, ok = int(d["n"]), int(d["ok"])
            rec = {"scenario": sc, "arm": la, "size_bytes": pages * PAGE,
                   "n": n, "ok": ok,
                   "p50_ns": int(d["p50"]) if ok else None,
                   "p99_ns": int(d["p99"]) if ok else None,
                   "max_ns": int(d["max"]) if ok else None}
            latency.append(rec)
            ext = dict(rec)
            ext.update({"rel_p50_ns": int(d["rel_p50"]) if int(d["rel_n"]) else None,
                        "rel_p99_ns": int(d["rel_p99"]) if int(d["rel_n"]) else None,
                        "rel_max_ns": int(d["rel_max"]) if int(d["rel_n"]) else None,
                        "fail_max_ns": int(d["fail_max"]),
                        "wall_s": wall.get((sc, la, pages)),
                        "oom": int(d.get("oom", 0)),
                        "migrated": int(d["migrated"]) if "migrated" in d else None,
                        "region": la == arm and pages == region_pages.get(arm)})
            per[(sc, la, pages)] = ext

    # sizes of the region arms that are not buddy-able
    # an arm not run: one empty record per scenario (n = 0); the cause is
    # in results.md and details.json
    for arm in arms:
        if arm in na_arms and not any(r["arm"] == arm for r in latency):
            for sc in SCENARIOS:
                latency.append({"scenario": sc, "arm": arm, "size_bytes": None, "n": 0,
                                "ok": 0, "p50_ns": None, "p99_ns": None, "max_ns": None})

    # hot path
    hot_src = {"base": boots.get("hot-base"), "patched_off": boots.get("hot-patched_off"),
               "patched_on": boots.get("buddy")}
    hot = {}
    for k, r in hot_src.items():
        vals = hot_values(r["hot"]) if r else {}
        for t in HOT_TESTS:
            hot[(t, k)] = vals.get(t)
            hotpath.append({"test": t, "kernel": k, "ns": vals.get(t)})
    for k in hot_src:
        f = os.path.join(outd, "logs", "build-%s.failed" % k)
        if os.path.exists(f):
            with open(f) as fh:
                details.setdefault("build_failed", {})[k] = fh.read().strip()

    # determinism
    det = None
    d1, d2 = boots.get("det1"), boots.get("det2")
    if d1 and d2 and d1["end"] and d2["end"]:
        def nums(r):
            return ([("%s %s" % (x["scenario"], x.get("arm", "")), x["pages"], x["n"], x["ok"],
                      x["p50"], x["p99"], x["max"], x["rel_p50"], x["rel_p99"], x["rel_max"])
                     for x in r["lat"]],
                    sorted(hot_values(r["hot"]).items()) +
                    ([("workload_ns", r["workload"]["ns"])]
                     if r["workload"] and "ns" in r["workload"] else []))
        n1, n2 = nums(d1), nums(d2)
        diffs = [(x, y) for x, y in zip(n1[0], n2[0]) if x != y]
        # every timing figure of the two boots, side by side
        pairs = []
        for x, y in zip(n1[0], n2[0]):
            if x[:2] == y[:2]:
                pairs += [(int(u), int(v), "%s %s pages %s" % (x[0], x[1], k))
                          for u, v, k in zip(x[4:], y[4:], ["p50", "p99", "max", "rel_p50",
                                                            "rel_p99", "rel_max"])]
        pairs += [(u[1], v[1], "hot path " + u[0]) for u, v in zip(n1[1], n2[1])]
        rel = sorted((abs(u - v) / max(u, v), what) for u, v, what in pairs if max(u, v) > 0)
        same = sum(1 for u, v, _ in pairs if u == v)
        det = {"identical": n1 == n2, "records": len(n1[0]), "hot": len(n1[1]),
               "differing": len(diffs) + (n1[1] != n2[1]),
               "figures": len(pairs), "figures_equal": same,
               "median_rel": rel[len(rel) // 2][0] if rel else 0.0,
               "max_rel": rel[-1] if rel else (0.0, ""),
               "within_1pct": sum(1 for r, _ in rel if r <= 0.01),
               "p90_rel": rel[len(rel) * 9 // 10][0] if rel else 0.0,
               "hot_rel": [r for r, w in rel if w.startswith("hot path")],
               "examples": diffs[:5], "hot1": n1[1], "hot2": n2[1],
               "wall_s": [d1["wall_s"], d2["wall_s"]]}

    # utilization and vm counters
    util = {}
    buddy_avail = None
    def avail(r):
        m = r["mem"].get("start") or r["mem"].get("boot")
        return int(m["MemAvailable"]) if m else None

    if boots.get("buddy"):
        buddy_avail = avail(boots["buddy"])
    for arm in arms:
        r = boots[arm]
        if not r or arm in na_arms:
            continue
        u = {}
        if r["occupy"] and "natural_ppm" in r["occupy"]:
            u["natural_pct"] = int(r["occupy"]["natural_ppm"]) / 1e4
            u["occupied_pct"] = int(r["occupy"]["share_ppm"]) / 1e4
        elif arm == "exclusive":
            u["natural_pct"] = 0.0
            u["occupied_pct"] = 0.0
        fills = [f for f in r["fill"] if f.get("scenario") == "pressure" and "share_ppm" in f]
        if fills:
            u["pressure_min_pct"] = min(int(f["share_ppm"]) for f in fills) / 1e4
        if avail(r) is not None:
            u["MemAvailable_kB"] = avail(r)
            if buddy_avail is not None:
                u["MemAvailable_lost_kB"] = buddy_avail - u["MemAvailable_kB"]
        u["vmstat"] = {sc: r["vmstat"].get(sc, {}) for sc in SCENARIOS}
        if r["workload"]:
            u["workload"] = r["workload"]
        u["oom_kill_total"] = int(r["done"]["oom_kill_total"]) if r["done"] else None
        util[arm] = u

    # the driver API, measured in the exclusive arm's boot
    drv = []
    for arm in arms:
        r = boots.get(arm)
        for d in (r["drv"] if r else []):
            ok = int(d["ok"])
            drv.append({"test": d["test"], "arm": arm, "pages": int(d["pages"]),
                        "n": int(d["n"]), "ok": ok,
                        "p50_ns": int(d["p50"]) if ok else None,
                        "p99_ns": int(d["p99"]) if ok else None,
                        "max_ns": int(d["max"]) if ok else None,
                        "rel_p50_ns": int(d["rel_p50"]) if int(d["rel_n"]) else None})

    with open(os.path.join(outd, "results.json"), "w") as f:
        json.dump({"latency": latency, "hotpath": hotpath, "driver_api": drv}, f, indent=1)
        f.write("\n")
    details.update({"latency_release": list(per.values()), "utilization": util,
                    "determinism": det, "na": na_arms, "rev": a.rev, "plan": a.plan,
                    "times": a.times})
    with open(os.path.join(outd, "details.json"), "w") as f:
        json.dump(details, f, indent=1, default=str)
        f.write("\n")

    plots = make_plots(outd, per, arms, na_arms)
    zone_info = {}
    zm = boots.get("zone_movable")
    if zm and zm["arm"] and "managed" in zm["arm"]:
        zone_info = {k: int(zm["arm"][k]) for k in ("present", "managed", "pages")}
    md = render_md(a, arms, per, na_arms, hot, det, util, plots, region_pages,
                   details.get("build_failed", {}), zone_info, drv)
    with open(os.path.join(outd, "results.md"), "w") as f:
        f.write(md)
    update_readme(top, a, arms, per, na_arms, hot, det, details.get("build_failed", {}))


def sizes_of(per, sc):
    return sorted({p for (s, _, p) in per if s == sc})


def render_drv(w, drv):
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
                p, "" if p == 1 else "s", fmt_ns(d["p50_ns"]), fmt_ns(s["p50_ns"]), ratio(d["p50_ns"], s["p50_ns"]),
                fmt_ns(d["p99_ns"]), fmt_ns(s["p99_ns"])))
    b, u = by.get(("bulk256", 256)), by.get(("buddy256", 256))
    if b and u and b["p50_ns"] and u["p50_ns"]:
        w("- 256 order-0 pages: cma_alloc_bulk() p50 %s, 256 alloc_pages() p50 %s: the bulk "
          "call takes %s the time (%s); p99 %s against %s." % (
              fmt_ns(b["p50_ns"]), fmt_ns(u["p50_ns"]), ratio(b["p50_ns"], u["p50_ns"]),
              "less" if b["p50_ns"] < u["p50_ns"] else "more",
              fmt_ns(b["p99_ns"]), fmt_ns(u["p99_ns"])))
    w("")


def render_md(a, arms, per, na_arms, hot, det, util, plots, region_pages, build_failed,
              zone_info, drv=None):
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
    w("Percentiles are nearest-rank over the successful allocations of a size: with fewer "
      "than 100 samples p99 is the slowest one, so at 256 pages and above (n <= 64) p99 "
      "equals max and compares single worst samples.  ")
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
    w("")
    notes = target_notes(per, na_arms, util, region_pages, zone_info, hot)
    if notes:
        w("### Why targets are missed\n")
        for line in notes:
            w("- " + line)
        w("")
    return "\n".join(L) + "\n"


def target_notes(per, na_arms, util, region_pages, zone_info, hot):
    """Causes of the missed targets, from the figures themselves."""
    out = []
    syms = {}
    symf = os.path.join(outd_global[0], "hot-symbols.txt")
    if os.path.exists(symf):
        with open(symf) as f:
            for line in f:
                k, fn, size = line.split()
                syms.setdefault(fn, {})[k] = int(size, 16)
    for t in HOT_TESTS:
        b, f = hot.get((t, "base")), hot.get((t, "patched_off"))
        if b and f and f != b:
            diff = ["%s %d -> %d bytes" % (fn, v["base"], v["patched_off"])
                    for fn, v in sorted(syms.items())
                    if "base" in v and "patched_off" in v and v["base"] != v["patched_off"]]
            out.append("hot path %s, patched_off vs base: %.1f against %.1f guest instructions "
                       "(%+.2f%%), with the same configuration (out/bench/config-diff.txt is "
                       "empty): the series changes the compiled hot path even with "
                       "CONFIG_CMA_STICKY=n%s.  Patch 0001 alone makes the whole difference "
                       "(mm/page_alloc.o of the base plus 0001 has exactly these sizes): the "
                       "free-list primitives carry the free_area they work on, every zone caller "
                       "passes zone->free_area, and GCC allocates registers and lays out the "
                       "inlined primitives differently; the result executes fewer instructions, "
                       "not more.  Identical code would need the primitives' zone form back "
                       "when CONFIG_CMA_STICKY=n: an __always_inline helper returning "
                       "zone->free_area there made free_pcppages_bulk() identical but not "
                       "__free_one_page() or get_page_from_freelist() (tried, dropped)." % (
                           t, f, b, (f / b - 1) * 100,
                           ": " + ", ".join(diff) if diff else ""))
    for t in HOT_TESTS:
        b, o = hot.get((t, "base")), hot.get((t, "patched_on"))
        if b and o and abs(o / b - 1) > 0.005:
            out.append("hot path %s: patched_on %s base by %.2f%% (%.1f against %.1f guest "
                       "instructions: counted, not timed, and the same in every rerun).  %s" % (
                           t, "below" if o < b else "above", abs(o / b - 1) * 100, o, b,
                           "The series' order-0 path executes fewer instructions than the "
                           "base's because of patch 0001's code generation (see patched_off "
                           "above); patched_on - patched_off = %+.1f instructions is what the "
                           "static-key screens of the region hooks cost with no region.  The "
                           "target's concern, a slower hot path, is not at stake." % (
                               o - hot.get((t, "patched_off"), o)) if o < b else
                           "The series adds work to the order-0 path; not analysed further."))

    def get(sc, arm, pages, k="p50_ns"):
        r = per.get((sc, arm, pages))
        return r and r[k]

    e1, e1024, b1 = (get("idle", "exclusive", 1), get("idle", "exclusive", 1024),
                     get("idle", "buddy", 1))
    ex_miss = any(get(sc, "exclusive", 1 << o, "p99_ns") and get(sc, "buddy", 1 << o, "p99_ns") and
                  get(sc, "exclusive", 1 << o, "p99_ns") > 1.5 * get(sc, "buddy", 1 << o, "p99_ns")
                  for sc in SCENARIOS for o in range(11))
    if ex_miss and e1 and e1024 and b1:
        slope = (e1024 - e1) / 1023.0
        out.append("exclusive vs buddy: cma_alloc() hands out every page of the block as a page "
                   "of its own, prepared and refcounted (region_prep_pages(), the contract of "
                   "alloc_contig_range() too), about %.1f ns a page here, where alloc_pages() "
                   "without __GFP_COMP prepares the head page only; so the ratio grows with the "
                   "order (4 MiB: %s against %s).  At order 0 the difference is __cma_alloc()'s "
                   "fixed part, the area's bitmap under cma->lock, vm events and the tracepoint "
                   "check (p50 %s against %s); its p99 is the requests that split a larger "
                   "block down to order 0 (expand() over several orders), work that "
                   "alloc_pages() spreads over a pcp batch refill: the region is served by "
                   "__rmqueue_smallest() on its own free_area, by design without a pcp cache.  "
                   "Closing it would take a per-region pcp list or a bulk prefill, the "
                   "subject of the later bulk-allocation work." % (
                       slope, fmt_ns(e1024), fmt_ns(get("idle", "buddy", 1024)), fmt_ns(e1),
                       fmt_ns(b1)))
    # the compound form: both sides prepare every page of the block
    fo = [(sc, o, get(sc, "exclusive_folio", 1 << o, "p99_ns"),
           get(sc, "buddy_folio", 1 << o, "p99_ns"))
          for sc in SCENARIOS for o in range(1, 11)]
    fo = [x for x in fo if x[2] and x[3]]
    if fo and (ex_miss or any(e > 1.5 * b for _, _, e, b in fo)):
        lo, hi = min(fo, key=lambda x: x[2] / x[3]), max(fo, key=lambda x: x[2] / x[3])
        big = [x for x in fo if x[1] >= 7]
        out.append("exclusive vs buddy as folios (cma_alloc_folio() against "
                   "alloc_pages(__GFP_COMP), the form Mel Gorman's design asks for: \"all "
                   "allocations for CMA must be compound\"): both prepare every tail page, so "
                   "the per-page term cancels and the ratio is %.2fx to %.2fx (%s order %d: %s "
                   "against %s; %s order %d: %s against %s)%s.  The page form's miss is "
                   "cma_alloc()'s contract of count refcounted pages, not the region's "
                   "allocator: a driver that takes its buffer as a folio gets it at the "
                   "buddy allocator's speed." % (
                       lo[2] / lo[3], hi[2] / hi[3], lo[0], lo[1], fmt_ns(lo[2]), fmt_ns(lo[3]),
                       hi[0], hi[1], fmt_ns(hi[2]), fmt_ns(hi[3]),
                       "; orders 7 to 10 at most %.2fx" % max(e / b for _, _, e, b in big)
                       if big else ""))
    st_miss = any(get(sc, "sticky", p, "p99_ns") and get(sc, o, p, "p99_ns") and
                  get(sc, "sticky", p, "p99_ns") > get(sc, o, p, "p99_ns")
                  for sc in ["occupied", "pressure"] for p in sizes_of(per, sc)
                  for o in ["migrate_cma", "zone_movable"])
    if "sticky" not in na_arms and st_miss:
        # the misses at equal work: pages migrated per allocation beside them
        def mig(sc, arm, pages):
            r = per.get((sc, arm, pages))
            return r["migrated"] / r["ok"] if r and r["ok"] and r["migrated"] is not None else None
        rows = []
        for sc in ["occupied", "pressure"]:
            for pages in sizes_of(per, sc):
                s_ = get(sc, "sticky", pages, "p99_ns")
                for o in ["migrate_cma", "zone_movable"]:
                    o_ = get(sc, o, pages, "p99_ns")
                    if s_ and o_ and s_ > o_:
                        ms, mo = mig(sc, "sticky", pages), mig(sc, o, pages)
                        p50s, p50o = get(sc, "sticky", pages), get(sc, o, pages)
                        rows.append("%s %s vs %s: p99 %s vs %s (%+.1f%%), p50 %s vs %s, migrated "
                                    "per allocation %s vs %s" % (
                                        sc, fmt_size(pages * PAGE), o, fmt_ns(s_), fmt_ns(o_),
                                        (s_ / o_ - 1) * 100, fmt_ns(p50s), fmt_ns(p50o),
                                        "%.0f" % ms if ms is not None else "-",
                                        "%.0f" % mo if mo is not None else "-"))
        if rows:
            out.append("sticky's misses, each with the work behind it: " + "; ".join(rows) + ".")
        sm = []
        for sc in ["occupied", "pressure"]:
            for pages in sizes_of(per, sc):
                s_, m_ = get(sc, "sticky", pages, "p99_ns"), get(sc, "migrate_cma", pages, "p99_ns")
                if s_ and m_:
                    sm.append(s_ / m_)
        occ = {a: util.get(a, {}).get("occupied_pct") for a in
               ["sticky", "migrate_cma", "zone_movable"]}
        if sm:
            out.append("sticky vs migrate_cma: an occupied sticky region is vacated by the same "
                       "isolation and migration as a MIGRATE_CMA area (sticky p99 / migrate_cma "
                       "p99 from %.2fx to %.2fx over the sizes), but the two are not compared at "
                       "equal occupancy: the sticky region was %s occupied, the MIGRATE_CMA area "
                       "%s.  The page allocator puts movable pages into a MIGRATE_CMA area only "
                       "when its free pages exceed half of the zone's or nothing else is left, "
                       "so a CMA area keeps holes however hard it is filled (short of reclaim "
                       "and OOM), and cma_alloc()'s first fit lands in them: it migrates less.  "
                       "Sticky pageblocks are preferred for movable memory, so the region is "
                       "full and every allocation migrates.  Above p50, single slow samples "
                       "(below 100 samples p99 is the slowest sample) add to that." % (
                           min(sm), max(sm),
                           ("%.1f%%" % occ["sticky"]) if occ["sticky"] is not None else "-",
                           ("%.1f%%" % occ["migrate_cma"]) if occ["migrate_cma"] is not None
                           else "-"))
        if zone_info:
            reserved = zone_info["present"] - zone_info["managed"]
            uz = util.get("zone_movable", {})
            us = util.get("sticky", {})
            out.append("sticky vs zone_movable: ZONE_MOVABLE's range also holds %d pages "
                       "(%d MiB) the kernel reserved at boot (memblock allocations placed at the "
                       "top of memory: struct pages, page tables), which nothing can migrate; "
                       "its region was only %s occupied (sticky: %s), so its first-fit "
                       "allocator finds free pages where sticky must migrate, and at the "
                       "sizes of a few pages it migrates fewer.  The zone had a real advantage "
                       "too, found by timing the phases of alloc_contig_range(): its migration "
                       "targets come from another zone's pcp lists, while a sticky region's "
                       "come from the lists of its own zone, which alloc_contig_range() "
                       "drained on every call, so each target allocation refilled them with a "
                       "batch that doubled each time.  Patch 0007 drains for a sticky range "
                       "only when the range may hold a free page on a pcp list; before it, "
                       "occupied 4 KiB took 1.08 ms at p99 (zone_movable 248 us), now %s.  "
                       "The remaining misses are p99 tails (p99 is the slowest sample below "
                       "100 samples, the third slowest of 256; under pressure, the background "
                       "workload's time slices), with sticky's p50 at or below zone_movable's "
                       "in %d of "
                       "the %d occupied and pressure sizes." % (
                           reserved, reserved * PAGE // MIB,
                           ("%.1f%%" % uz["occupied_pct"]) if "occupied_pct" in uz else "-",
                           ("%.1f%%" % us["occupied_pct"]) if "occupied_pct" in us else "-",
                           fmt_ns(get("occupied", "sticky", 1, "p99_ns") or 0),
                           sum(1 for sc in ["occupied", "pressure"] for p in sizes_of(per, sc)
                               if get(sc, "sticky", p) and get(sc, "zone_movable", p)
                               and get(sc, "sticky", p) <= get(sc, "zone_movable", p)),
                           sum(1 for sc in ["occupied", "pressure"] for p in sizes_of(per, sc)
                               if get(sc, "sticky", p) and get(sc, "zone_movable", p))))
    return out


def published_refs(per, util):
    """Our rows nearest to the figures the GCMA RFC and ZONE_CMA's cover letter published."""
    out = []

    def cell(sc, arm, pages):
        r = per.get((sc, arm, pages))
        if not r or not r["ok"]:
            return None
        return "%s %s p50 / %s max" % (arm, fmt_ns(r["p50_ns"]), fmt_ns(r["max_ns"]))

    for pages, what in [(4096, "CMA allocations of 4096 pages under `make -j16`: 298,640 us "
                         "average and 2,768,349 us worst (GCMA: 13,091 / 86,887 us)"),
                        (1, "single-page CMA allocations: 684 us (GCMA: 26 us)")]:
        ours = [c for c in (cell("pressure", a, pages) for a in ARM_ORDER if a != "buddy") if c]
        if ours:
            out.append("GCMA RFC, %s.  Here, pressure scenario, %s: %s." % (
                what, fmt_size(pages * PAGE), "; ".join(ours)))
    wl = {arm: u["workload"] for arm, u in util.items()
          if "workload" in u and "ns" in u["workload"]}
    if wl:
        out.append("ZONE_CMA's cover letter: `make -j16` on a 1 GiB machine with 512 MiB of CMA "
                   "took 186.5 s with MIGRATE_CMA and 93.4 s with ZONE_CMA, a gap put down to CMA "
                   "memory left unused while the rest of memory was reclaimed.  Here the fixed "
                   "%s MiB workload (anonymous and tmpfs memory, no file cache, no swap) took "
                   "%s, with kswapd woken %s times: the 6.12 "
                   "allocator (which since 5.8 moves movable allocations into CMA once CMA "
                   "holds more than half of a zone's free memory) no longer shows that gap "
                   "in this guest, and neither the sticky region nor ZONE_MOVABLE improves "
                   "on it." % (
                       next(iter(wl.values())).get("mb", "?"),
                       ", ".join("%s %s" % (a, fmt_ns(wl[a]["ns"])) for a in ARM_ORDER if a in wl),
                       ", ".join("%d (%s)" % (wl[a].get("pageoutrun", 0), a)
                                 for a in ARM_ORDER if a in wl)))
    return out


def targets(arms, per, na_arms, hot, util):
    out = []

    def p99(sc, arm, pages):
        r = per.get((sc, arm, pages))
        return r and r["p99_ns"]

    # 1. exclusive <= 1.5x buddy at every order, in each form
    if "exclusive" in na_arms or "buddy" in na_arms:
        out.append("exclusive p99 <= 1.5x buddy at every order 0..10: not measured (%s)." %
                   (na_arms.get("exclusive") or na_arms.get("buddy")))
    else:
        for ex, bu, what, orders in [
                ("exclusive", "buddy", "pages: cma_alloc() against alloc_pages()", range(11)),
                ("exclusive_folio", "buddy_folio", "folios: cma_alloc_folio() against "
                 "alloc_pages(__GFP_COMP)", range(1, 11))]:
            miss = []
            seen = 0
            for sc in SCENARIOS:
                for o in orders:
                    e, b = p99(sc, ex, 1 << o), p99(sc, bu, 1 << o)
                    rec = per.get((sc, ex, 1 << o))
                    if rec and not rec["ok"] and b is not None:
                        seen += 1
                        miss.append("%s order %d: %s failed (0/%d)" % (sc, o, ex, rec["n"]))
                        continue
                    if e is None or b is None:
                        continue
                    seen += 1
                    if e > 1.5 * b:
                        miss.append("%s order %d: %s vs %s (%.2fx)" % (sc, o, fmt_ns(e), fmt_ns(b),
                                                                        e / b))
            head = "exclusive p99 <= 1.5x buddy at every order %d..10, %s" % (orders[0], what)
            if not seen:
                out.append("%s: not measured." % head)
            elif not miss:
                out.append("%s, every scenario: **met** (%d comparisons)." % (head, seen))
            else:
                out.append("%s: **missed** in %d of %d: %s.  Cause: see the note below the "
                           "targets." % (head, len(miss), seen, "; ".join(miss)))
    # 2. exclusive >= 100x faster than migrate_cma at p99 when occupied
    if "exclusive" in na_arms or "migrate_cma" in na_arms:
        out.append("exclusive >= 100x faster than migrate_cma at p99 when occupied: not measured.")
    else:
        rows = []
        for sc in ["occupied", "pressure"]:
            for pages in sizes_of(per, sc):
                e, m = p99(sc, "exclusive", pages), p99(sc, "migrate_cma", pages)
                if e and m:
                    rows.append((sc, pages, m / e))
                elif e and per.get((sc, "migrate_cma", pages)):
                    rows.append((sc, pages, None))
        miss = [r for r in rows if r[2] is not None and r[2] < 100]
        fails = [r for r in rows if r[2] is None]
        txt = ", ".join("%s %s: %s" % (sc, fmt_size(p * PAGE),
                                       ("%.0fx" % x) if x else "migrate_cma failed")
                        for sc, p, x in rows)
        out.append("exclusive >= 100x faster than migrate_cma at p99 when occupied: %s (%s)." %
                   ("**met**" if not miss
                    else "**missed** at %d of %d sizes" % (len(miss), len(rows)), txt))
    # 3. sticky <= migrate_cma and <= zone_movable in every occupied scenario
    if "sticky" in na_arms:
        out.append("sticky <= migrate_cma and <= zone_movable when occupied: not measured (%s)." %
                   na_arms["sticky"])
    else:
        miss, seen = [], 0
        for sc in ["occupied", "pressure"]:
            for pages in sizes_of(per, sc):
                s = p99(sc, "sticky", pages)
                for other in ["migrate_cma", "zone_movable"]:
                    o = p99(sc, other, pages)
                    if s is None or o is None:
                        continue
                    seen += 1
                    if s > o:
                        miss.append("%s %s vs %s: %s > %s" % (sc, fmt_size(pages * PAGE), other,
                                                              fmt_ns(s), fmt_ns(o)))
        out.append("sticky p99 <= migrate_cma and <= zone_movable when occupied: %s." %
                   ("**met** (%d comparisons)" % seen if seen and not miss else
                    "not measured" if not seen else "**missed** in %d of %d: %s" %
                    (len(miss), seen, "; ".join(miss))))
    # 4. sticky utilization >= 95%
    u = util.get("sticky")
    if not u or "natural_pct" not in u:
        out.append("sticky utilization >= 95%%: not measured (%s)." %
                   na_arms.get("sticky", "no data"))
    else:
        out.append("sticky utilization >= 95%%: %s (%.2f%% of the region held movable pages when "
                   "memory ran short)." % ("**met**" if u["natural_pct"] >= 95 else "**missed**",
                                           u["natural_pct"]))
    # 5. no OOM kill where the region had free memory
    kills = sorted((k[1], k[0], k[2], r["oom"]) for k, r in per.items() if r["oom"])
    region_kills = [x for x in kills if per[(x[1], x[0], x[2])]["region"]]
    other = [x for x in kills if x not in region_kills]
    where = "; ".join("%s %s %s: %d" % (a, sc, "whole region" if per[(sc, a, p)]["region"]
                                          else fmt_size(p * PAGE), n) for a, sc, p, n in kills)
    if not kills:
        out.append("no OOM kill where the region had free memory: **met** (no OOM kill during "
                   "any allocation).")
    elif not other:
        out.append("no OOM kill where the region had free memory: **met** for every size but the "
                   "whole region (%s).  Those kills are the whole-region allocation of an occupied "
                   "region: isolation takes the region's free pages away from everyone, the "
                   "migration targets fill the rest of memory, and the OOM killer picks the "
                   "filler (or the workload) although MemFree counts the isolated free "
                   "pages." % where)
    else:
        out.append("no OOM kill where the region had free memory: **missed**: %s." % where)
    # ... and during the fixed workload, which fits wherever the region lends its memory
    wl = {arm: u["workload"] for arm, u in util.items() if "workload" in u}
    if wl:
        lent = [arm for arm in ["sticky", "migrate_cma", "zone_movable"] if arm in wl]
        bad = ["%s: %s" % (arm, "%d OOM kill(s)" % wl[arm].get("oom_kill", 0)
                           if wl[arm].get("oom_kill") else wl[arm].get("failed"))
               for arm in lent if wl[arm].get("oom_kill") or "failed" in wl[arm]]
        ex = wl.get("exclusive")
        out.append("no OOM kill of the fixed %s MiB workload where the region lends its memory "
                   "(%s): %s%s" % (
                       next(iter(wl.values())).get("mb", "?"), ", ".join(lent),
                       "**missed** (%s)" % "; ".join(bad) if bad else "**met**",
                       "; in the exclusive arm, whose region is the device's alone, it %s." % (
                           "was OOM-killed, as it must be: it needs more than the memory "
                           "outside the region" if ex.get("oom_kill") else
                           "could not even map its memory (%s): the kernel's overcommit "
                           "heuristic refuses a mapping larger than all the memory it manages, "
                           "and the region's 512 MiB are not the kernel's" % ex["failed"]
                           if "failed" in ex else "ran to the end")
                       if ex else "."))
    # 6. hot path
    for t in HOT_TESTS:
        b, f, o = hot.get((t, "base")), hot.get((t, "patched_off")), hot.get((t, "patched_on"))
        if b is None:
            out.append("hot path %s: not measured (no base figure)." % t)
            continue
        if o is None:
            on = "not measured"
        else:
            on = "%s (%+.3f%%)" % ("**met**" if abs(o / b - 1) <= 0.005 else "**missed**",
                                   (o / b - 1) * 100)
        if f is None:
            off = "not measured (the patched_off kernel did not run)"
        else:
            off = "%s (%+.3f%%)" % ("**met**" if f == b else "**missed**", (f / b - 1) * 100)
        out.append("hot path %s: patched_on within 0.5%% of base: %s; patched_off identical to "
                   "base: %s." % (t, on, off))
    return out


def make_plots(outd, per, arms, na_arms):
    plots = {}
    for sc in SCENARIOS:
        data = os.path.join(outd, "plot-%s.dat" % sc)
        present = [arm for arm in TABLE_ORDER if (arm in arms or arm in FOLIO_ARMS) and
                   any(k[0] == sc and k[1] == arm and per[k]["p99_ns"] for k in per)]
        if not present:
            continue
        with open(data, "w") as f:
            for arm in present:
                f.write("# %s\n" % arm)
                for pages in sizes_of(per, sc):
                    r = per.get((sc, arm, pages))
                    if r and r["p99_ns"]:
                        f.write("%d %d %d %d\n" % (r["size_bytes"], r["p50_ns"], r["p99_ns"],
                                                   r["max_ns"]))
                f.write("\n\n")
        png = "latency-%s.png" % sc
        color = {"exclusive": "#1b9e77", "sticky": "#d95f02", "migrate_cma": "#7570b3",
                 "zone_movable": "#e7298a", "buddy": "#333333",
                 "exclusive_folio": "#66a61e", "buddy_folio": "#999999"}
        plot_cmds = ", ".join(
            "'%s' index %d using ($1/1024):($3/1000) with linespoints lw 2 lc rgb '%s' "
            "title '%s p99', '' index %d using ($1/1024):($2/1000) with lines dashtype 2 "
            "lc rgb '%s' title '%s p50'" % (data, i, color[arm], arm, i, color[arm], arm)
            for i, arm in enumerate(present))
        script = """set terminal pngcairo size 1000,640 noenhanced
set output '%s'
set title 'cma-sticky: allocation latency, scenario %s (QEMU -icount: guest-instruction ns)'
set logscale xy
set xlabel 'allocation size (KiB)'
set ylabel 'latency (us)'
set key outside right
set grid
plot %s
""" % (os.path.join(outd, png), sc, plot_cmds)
        try:
            subprocess.run(["gnuplot"], input=script, text=True, check=True,
                           stderr=subprocess.PIPE)
            plots[sc] = png
        except (OSError, subprocess.CalledProcessError) as e:
            print("bench_report: gnuplot failed for %s: %s" % (sc, getattr(e, "stderr", e)),
                  file=sys.stderr)
    return plots


def fmt_times(times):
    t = dict(x.split("=", 1) for x in times.split(",") if "=" in x)
    try:
        return "%d min %02d s of scripts/bench.sh (kernel builds %d s, boots %d s)" % (
            int(t["total"]) // 60, int(t["total"]) % 60, int(t["build"]), int(t["runs"]))
    except (KeyError, ValueError):
        return times


def update_readme(top, a, arms, per, na_arms, hot, det, build_failed):
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
    w(end)
    i, j = text.index(begin), text.index(end) + len(end)
    text = text[:i] + "\n".join(L) + text[j:]
    with open(path, "w") as f:
        f.write(text)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "watch":
        watch(sys.argv[2], sys.argv[3])
        return
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["report"])
    p.add_argument("--top", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--logs", required=True)
    p.add_argument("--arms", required=True)
    p.add_argument("--plan", default="full")
    p.add_argument("--rev", default="")
    p.add_argument("--times", default="")
    p.add_argument("--command", default="make bench")
    main_report(p.parse_args())


if __name__ == "__main__":
    main()
