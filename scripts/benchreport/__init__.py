# SPDX-License-Identifier: GPL-2.0
"""The report of `make bench`, in parts: parse, targets, render, plots, report."""
