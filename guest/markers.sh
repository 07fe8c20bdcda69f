# SPDX-License-Identifier: GPL-2.0
# The console markers between the guest and the host: the one source,
# sourced by guest/init (and the scenarios it runs), scripts/lib.sh, and
# read by scripts/bench_report.py.  Plain NAME='value' lines only.
MARK_BEGIN='CMA-STICKY: BEGIN'
MARK_END='CMA-STICKY: END rc='
MARK_KST_BEGIN='CMA-STICKY: KSELFTEST BEGIN'
MARK_KST_END='CMA-STICKY: KSELFTEST END'
MARK_HOST='CMA-STICKY-HOST: qemu exit='
# Printed by the kernel's KUnit cases around reports they provoke.
MARK_WARN_BEGIN='CMA_STICKY_EXPECT_WARN_BEGIN'
MARK_WARN_END='CMA_STICKY_EXPECT_WARN_END'
# One line per selftest program after its output: "<MARK_EXIT><name> <exit status>".
MARK_EXIT='CMA-STICKY: KSELFTEST EXIT '
