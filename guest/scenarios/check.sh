# SPDX-License-Identifier: GPL-2.0
# Run every test program in /tests as kselftest does: one KTAP line per
# program, its own TAP output indented below it.
# Exit codes follow kselftest: 0 pass, 4 skip, anything else fail.
# The debugfs smoke test measures CmaFree: point it at the MIGRATE_CMA area.
export CMA_AREA=reserved
UPSTREAM_CLIENTS="dmabuf-heap"
set -- /tests/*
[ -e "$1" ] || set --
echo "$MARK_KST_BEGIN"
echo "KTAP version 1"
echo "1..$(($# + 1))"
i=0
for t in "$@"; do
	i=$((i + 1))
	name=${t##*/}
	echo "# selftest: $name"
	# cma_walkers_test's free_page_reporting case needs the balloon of the
	# reporting boot (guest/scenarios/reporting.sh): not run here.
	args=
	[ "$name" = cma_walkers_test ] && args="-t offline_refused -t page_owner"
	# An upstream client run unchanged (scripts/initramfs.sh): its own
	# TAP does not nest (its plan is off by its own count), so its lines
	# are kept as comments and its exit code is its one result.
	indent='    '
	case " $UPSTREAM_CLIENTS " in *" $name "*) indent='    # ' ;; esac
	# shellcheck disable=SC2086
	( cd /tmp && timeout 600 "$t" $args 2>&1; echo $? > /tmp/rc.$i ) | sed "s/^/$indent/"
	trc=$(cat /tmp/rc.$i)
	case $trc in
	0) echo "ok $i selftests: mm: $name" ;;
	4) echo "ok $i selftests: mm: $name # SKIP" ;;
	*) echo "not ok $i selftests: mm: $name # exit=$trc" ;;
	esac
	echo "$MARK_EXIT$name $trc"
done
# Last, after every program: the kernel's free-list consistency checker
# (zone and region lists against each other and the counters).
i=$((i + 1))
name=cma_region_check
echo "# selftest: $name"
errs=$(cat /sys/kernel/debug/cma_region_check 2>/dev/null)
echo "    # inconsistencies: ${errs:-unreadable}"
if [ "$errs" = 0 ]; then
	echo "ok $i selftests: mm: $name"
	trc=0
else
	echo "not ok $i selftests: mm: $name"
	trc=1
fi
echo "$MARK_EXIT$name $trc"
echo "$MARK_KST_END"
