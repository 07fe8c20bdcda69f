# SPDX-License-Identifier: GPL-2.0
# The reporting boot of `make check` (guest/cmdline.sh): free page
# reporting to a virtio-balloon device, cma_walkers_test's
# free_page_reporting case alone (a skip fails: the device must be there),
# then the free-list checker.
( cd /tmp && /tests/cma_walkers_test -t free_page_reporting 2>&1
  echo $? > /tmp/rc.reporting ) | sed 's/^/    /'
trc=$(cat /tmp/rc.reporting 2>/dev/null)
errs=$(cat /sys/kernel/debug/cma_region_check 2>/dev/null)
echo "REPORTING: cma_walkers_test exit ${trc:-none}, checker ${errs:-unreadable}"
[ "$trc" = 0 ] && [ "$errs" = 0 ] || rc=1
