# SPDX-License-Identifier: GPL-2.0
# The per-step boot gate of `make check`: the kernel reached init; every
# area the command line asked for (cma= and each cma_region= entry) is a
# CMA area, with the mode it asked for where the step shows modes.
want=$(sed -n 's/.*cma_region=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
grep -q 'cma=' /proc/cmdline && want="reserved::cma $want"
for spec in $want; do
	name=${spec%%:*} mode=${spec##*:}
	if [ ! -d "/sys/kernel/debug/cma/$name" ]; then
		echo "BOOT: area $name: missing"; rc=1; continue
	fi
	got=$(cat "/sys/kernel/mm/cma/$name/mode" 2>/dev/null || echo "(no mode file)")
	echo "BOOT: area $name: $(cat "/sys/kernel/debug/cma/$name/count") pages, mode $got"
	case $got in
	"(no mode file)"|"$mode") ;;
	*) echo "BOOT: area $name: mode $got, asked for $mode"; rc=1 ;;
	esac
done
