# SPDX-License-Identifier: GPL-2.0
"""Plots: gnuplot data files and PNGs of the latency tables."""
import os
import subprocess
import sys
from typing import Dict, List

from .common import FOLIO_ARMS, SCENARIOS, TABLE_ORDER, Per, sizes_of

def run_gnuplot(script: str, what: str) -> bool:
    """Run one gnuplot script; on failure say which plot and why."""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True,
                       stderr=subprocess.PIPE)
    except (OSError, subprocess.CalledProcessError) as e:
        print("bench_report: gnuplot failed for %s: %s" % (what, getattr(e, "stderr", e)),
              file=sys.stderr)
        return False
    return True


def make_plots(outd: str, per: Per, arms: List[str], na_arms: Dict[str, str]) -> Dict[str, str]:
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
        if run_gnuplot(script, sc):
            plots[sc] = png
    return plots
