# SPDX-License-Identifier: GPL-2.0
# `make stress DURATION=N`: cma_sticky_test's switch_stress case alone for
# N seconds (cmasticky.stress=N), then the free-list checker.  make check
# runs the same case for its default 120 s in the check boot.
secs=$(sed -n 's/.*cmasticky\.stress=\([0-9]*\).*/\1/p' /proc/cmdline)
( cd /tmp && CMA_STRESS_SECONDS=${secs:-600} /tests/cma_sticky_test -t switch_stress 2>&1
  echo $? > /tmp/rc.stress ) | sed 's/^/    /'
trc=$(cat /tmp/rc.stress 2>/dev/null)
errs=$(cat /sys/kernel/debug/cma_region_check 2>/dev/null)
echo "STRESS: cma_sticky_test exit ${trc:-none}, checker ${errs:-unreadable}"
[ "$trc" = 0 ] && [ "$errs" = 0 ] || rc=1
