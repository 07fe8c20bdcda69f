# SPDX-License-Identifier: GPL-2.0
"""The report: parse the logs, write results.json, details.json, results.md, plots."""
import argparse
import json
import os
import sys
from typing import Any, Dict, List, NamedTuple, Optional

from .common import HOT_TESTS, PAGE, SCENARIOS, WORK_KEYS, Hot, Per, Util
from .parse import hot_values, parse_log, parse_wall, watch
from . import reclaim, sizes as sizes_mod
from .plots import make_plots
from .render import render_md, update_readme

class Stored(NamedTuple):
    """The inputs of the targets and of results.md, as results.json and
    details.json store them."""
    arms: List[str]
    per: Per
    na_arms: Dict[str, str]
    hot: Hot
    util: Util
    zone_info: Dict[str, int]
    det: Optional[Dict[str, Any]]
    drv: List[Dict[str, Any]]
    build_failed: Dict[str, str]
    rc: reclaim.Reclaim
    sz: sizes_mod.Sizes


def load_stored(results: Dict[str, Any], details: Dict[str, Any]) -> Stored:
    """Rebuild what the report computed from a run's stored JSON files."""
    per: Per = {(r["scenario"], r["arm"], r["size_bytes"] // PAGE): r
                for r in details["latency_release"] if r["size_bytes"]}
    hot: Hot = {(h["test"], h["kernel"]): h["ns"] for h in results["hotpath"]}
    return Stored(arms=details.get("arms_run") or list(details["boots"]), per=per,
                  na_arms=details["na"], hot=hot, util=details["utilization"],
                  zone_info=details.get("zone_info") or {}, det=details["determinism"],
                  drv=results.get("driver_api", []),
                  build_failed=details.get("build_failed", {}),
                  rc=reclaim.Reclaim(
                      results.get("reclaim", []), results.get("device_arrival", []),
                      details.get("reclaim_na", {}),
                      {tuple(k.split(" ", 1)): [tuple(x) for x in v]
                       for k, v in details.get("reclaim_use", {}).items()},
                      details.get("reclaim_params", {})),
                  sz=sizes_mod.Sizes(results.get("size_alloc", []),
                                     results.get("size_switch", []),
                                     details.get("size_na", {})))


def main_report(a: argparse.Namespace) -> None:
    top, outd, logs = a.top, a.out, a.logs
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
                        "region": la == arm and pages == region_pages.get(arm),
                        # the work behind the p99 sample, the slowest, the tail
                        # (at or above p99) and the body (bench/cma_bench.c)
                        "work": {k: int(d[k]) for k in WORK_KEYS if k in d} or None})
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

    rc = reclaim.collect(logs, a.reclaim_arms.split())
    sz = sizes_mod.collect(logs, a.sizes.split(), a.size_arms.split())
    with open(os.path.join(outd, "results.json"), "w") as f:
        json.dump({"latency": latency, "hotpath": hotpath, "driver_api": drv,
                   "reclaim": rc.recs, "device_arrival": rc.arrivals,
                   "size_alloc": sz.allocs, "size_switch": sz.switches}, f, indent=1)
        f.write("\n")
    zone_info: Dict[str, int] = {}
    zm = boots.get("zone_movable")
    if zm and zm["arm"] and "managed" in zm["arm"]:
        zone_info = {k: int(zm["arm"][k]) for k in ("present", "managed", "pages")}
    details.update({"latency_release": list(per.values()), "utilization": util,
                    "determinism": det, "na": na_arms, "rev": a.rev, "plan": a.plan,
                    "times": a.times, "arms_run": arms, "zone_info": zone_info,
                    "region_pages": region_pages, "reclaim_na": rc.na,
                    "reclaim_params": rc.rarm,
                    "reclaim_use": {"%s %s" % k: v for k, v in rc.series.items()},
                    "size_na": sz.na})
    with open(os.path.join(outd, "details.json"), "w") as f:
        json.dump(details, f, indent=1, default=str)
        f.write("\n")

    plots = make_plots(outd, per, arms, na_arms)
    rplot = reclaim.make_plot(outd, rc.series)
    if rplot:
        plots["reclaim"] = rplot
    for k, v in sizes_mod.make_plots(outd, sz).items():
        plots["size-" + k] = v
    md = render_md(a, arms, per, na_arms, hot, det, util, plots,
                   details.get("build_failed", {}), zone_info, drv, rc, sz)
    with open(os.path.join(outd, "results.md"), "w") as f:
        f.write(md)
    # a partial run (BENCH_ONLY) would publish the other boots' old logs as its own
    if a.readme:
        update_readme(top, a, arms, per, na_arms, hot, det, details.get("build_failed", {}),
                      rc, sz)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "watch":
        watch(sys.argv[2], sys.argv[3])
        return
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["report"])
    p.add_argument("--top", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--logs", required=True)
    p.add_argument("--arms", required=True)
    p.add_argument("--reclaim-arms", default="")
    p.add_argument("--sizes", default="")
    p.add_argument("--size-arms", default=" ".join(sizes_mod.SIZE_ARMS))
    p.add_argument("--plan", default="full")
    p.add_argument("--rev", default="")
    p.add_argument("--times", default="")
    p.add_argument("--command", default="make bench")
    p.add_argument("--readme", type=int, default=1,
                   help="0: leave the README's benchmark section as it is")
    main_report(p.parse_args())
