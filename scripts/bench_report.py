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

The work is done by the package scripts/benchreport/: parse (logs),
targets (every comparison, computed), render (tables, results.md, the
README), plots, report (the whole run); its unit test is
scripts/benchreport/test_report.py (make check).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchreport.report import main  # noqa: E402

if __name__ == "__main__":
    main()
