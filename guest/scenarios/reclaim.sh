# SPDX-License-Identifier: GPL-2.0
# `make bench`, the reclaim scenario (ZONE_CMA's own case): a build-like
# workload whose anonymous and file memory exceed the memory outside the
# region, with a real filesystem feeding the page cache (/dev/vda, ext2,
# built by scripts/bench.sh from a fixed seed) and a swap device (/dev/vdb).
#   cmasticky.arm=      migrate_cma | zone_movable | sticky | exclusive | none
#   cmasticky.rfiles=N  source files (default 512), cmasticky.rjobs=J jobs at a
#                       time (16), cmasticky.rresident=MB resident process (576),
#                       cmasticky.rpasses=P passes over the files (2)
#   cmasticky.rdevice=1 a device allocates 16 MiB from 1 s of guest time
#                       into the run, then 64 MiB 0.5 s after that
#                       allocation ends, then the whole region 0.5 s after
#                       that one ends
# One run per boot (a second run in the same boot meets another machine:
# the first one's reclaim has already shaped memory).  Results are
# "BENCH: " lines for scripts/bench.sh.
arg() { sed -n "s/.*cmasticky\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
say() { echo "BENCH: $*"; }

arm=$(arg arm) nfiles=$(arg rfiles) jobs=$(arg rjobs) resident=$(arg rresident)
passes=$(arg rpasses) device=$(arg rdevice)
nfiles=${nfiles:-512} jobs=${jobs:-16} resident=${resident:-576} passes=${passes:-2}
ctl=/sys/kernel/debug/cma_bench/ctl
echo -1000 > /proc/self/oom_score_adj
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null

mkdir -p /mnt
if ! mount -t ext2 /dev/vda /mnt; then
	say "NA arm=$arm reason=no source filesystem (/dev/vda)"
	return 0
fi
if ! swapon /dev/vdb; then
	say "NA arm=$arm reason=no swap device (/dev/vdb)"
	return 0
fi
mkdir -p /mnt/obj

# the device's allocation, per arm (the bench driver, bench/cma_bench.c)
area= pages=0
case $arm in
migrate_cma) area=reserved ;;
sticky|exclusive) area=bench ;;
zone_movable)
	set -- $(awk '/^Node .* zone *Movable/ { z = 1; next } /^Node/ { z = 0 }
		z && $1 == "spanned" { s = $2 } z && $1 == "start_pfn:" { b = $2 }
		END { print b + 0, s + 0 }' /proc/zoneinfo)
	pages=$(( ($1 + $2) / 512 * 512 - ($1 + 511) / 512 * 512 )) ;;
none) ;;
*) say "ERROR unknown arm '$arm'"; return 1 ;;
esac
[ -n "$area" ] && pages=$(cat "/sys/kernel/debug/cma/$area/count" 2>/dev/null || echo 0)
say "RARM arm=$arm region_pages=$pages files=$nfiles jobs=$jobs resident_mb=$resident" \
    "passes=$passes swap_kb=$(awk '/^SwapTotal/ { print $2 }' /proc/meminfo)"

VM="pswpin pswpout pgscan_kswapd pgscan_direct pgsteal_kswapd pgsteal_direct"
VM="$VM workingset_refault_anon workingset_refault_file allocstall_dma32"
VM="$VM allocstall_normal allocstall_movable oom_kill pgmajfault pgmigrate_success"
vm_snap() { awk -v keys="$VM" 'BEGIN { n = split(keys, k); for (i = 1; i <= n; i++) w[k[i]] = 1 }
	($1 in w) { print $1, $2 }' /proc/vmstat > "$1"; }
vm_delta() { awk 'FILENAME == ARGV[1] { b[$1] = $2; next } { printf "%s=%d ", $1, $2 - b[$1] }' \
	"$1" "$2"; }

# The device: three allocations while the workload runs, each 0.5 s after
# the previous one ended, timed by the driver and released at once; each
# line says when (at_ms: guest time since the run began, from buildsim's
# BUILDSIM_T0_NS).
arrive_cmd() {
	local s p c= w
	[ "$pages" -gt 0 ] || return 0
	for s in 4096:16M 16384:64M "$pages:region"; do
		p=${s%%:*}
		if [ "$arm" = zone_movable ]; then
			w="contig $p 1"
		else
			w="cma $area $p 1"
		fi
		[ -n "$c" ] && c="$c sleep 0.5;"
		c="$c at=\$(/bin/buildsim since);"
		c="$c echo reset > $ctl; echo '$w' > $ctl;"
		c="$c echo \"BENCH: ARRIVE arm=$arm size=${s#*:} pages=$p at_ms=\$at \$(cat $ctl)\";"
	done
	echo "$c"
}

run=alone
set --
if [ "$device" = 1 ]; then
	run=device
	cmd=$(arrive_cmd)
	[ -n "$cmd" ] && set -- 1000 "$cmd"
fi
sync
echo 3 > /proc/sys/vm/drop_caches
vm_snap /tmp/rvm.a
# the workload may be OOM-killed: not this shell's -1000
sh -c 'echo 0 > /proc/self/oom_score_adj; exec "$@"' sh \
	/bin/buildsim run /mnt /mnt/obj "$nfiles" "$jobs" "$resident" "$passes" "$@" \
	> /tmp/bs.out 2>&1
vm_snap /tmp/rvm.b
grep '^BENCH: ' /tmp/bs.out | sed "s/^BENCH: RUSE /BENCH: RUSE arm=$arm run=$run /"
grep -q '^BENCH: NOTE resident' /tmp/bs.out && resident_ok=0 || resident_ok=1
say "RECLAIM arm=$arm run=$run $(grep '^elapsed_ns=' /tmp/bs.out) resident_ok=$resident_ok" \
    "$(vm_delta /tmp/rvm.a /tmp/rvm.b)"
swapoff /dev/vdb
umount /mnt
