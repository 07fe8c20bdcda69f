#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make stress [DURATION=seconds]`: the debug kernel (lockdep, KASAN,
# DEBUG_VM, DEBUG_PAGEALLOC) boots with the check command line and no
# KUnit, and runs cma_sticky_test's switch_stress case for DURATION
# seconds (600 by default): mode switches, device allocations and releases,
# memory churn, THP and compaction at once; then every counter is compared
# with its value before and the free-list checker runs.  The boot fails on
# any kernel report (scripts/judge.sh).
. "$(dirname "$0")/lib.sh"
secs=${DURATION:-600}
[[ $secs =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a number of seconds, not '$secs'"
"$TOP/scripts/build.sh" debug
"$TOP/scripts/initramfs.sh" "$OUT/initramfs/check.cpio"
# shellcheck source=/dev/null
. "$TOP/guest/cmdline.sh"
"$TOP/scripts/boot.sh" stress "$OUT/build/debug/arch/x86/boot/bzImage" \
	"$OUT/initramfs/check.cpio" \
	"$CHECK_CMDLINE kunit.enable=0 cmasticky.scenario=stress cmasticky.stress=$secs" \
	$((secs + 900)) || true
logf=$OUT/logs/stress.log
grep -a 'switch_stress:[0-9]* s: \|switch_stress:[0-9]* allocations' "$logf" | tail -n2 |
	tr -d '\r' | sed 's/.*switch_stress://'
line=$(grep -a '^STRESS: ' "$logf" | tail -n1 | tr -d '\r')
echo "${line:-STRESS: no result}"
"$TOP/scripts/judge.sh" "$logf" || die "the stress boot had a kernel report or did not finish; see ${logf#"$TOP"/}"
[ "$line" = "STRESS: cma_sticky_test exit 0, checker 0" ] ||
	die "the stress run failed; see ${logf#"$TOP"/}"
echo "stress: passed (${secs} s)"
