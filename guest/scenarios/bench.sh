# SPDX-License-Identifier: GPL-2.0
# `make bench` in the guest: one arm per boot (cmasticky.arm=), every
# scenario in that boot.  Results are "BENCH: " lines for scripts/bench.sh.
#   cmasticky.arm=      migrate_cma | zone_movable | sticky | exclusive |
#                       buddy | none (hot path only)
#   cmasticky.hotpath=1 run the hot-path tests first
#   cmasticky.plan=     full (default) | quick (a few sizes, small n) |
#                       size (the whole region only, idle and occupied, no
#                       fixed workload; sticky: the switch to exclusive too)
#   cmasticky.hog=MB    size of the background workload (default 192)
#   cmasticky.workload=MB  size of the fixed workload whose reclaim is
#                       counted in every arm (default 640)
#   cmasticky.budget=MS guest time allowed to the allocations of one size
#                       (default 4000): fewer attempts where they are slow
#   cmasticky.scenarios=  default "idle occupied pressure"
# The bench driver is /sys/kernel/debug/cma_bench/ctl (bench/cma_bench.c),
# the user-space side /bin/benchmem (bench/benchmem.c).
arg() { sed -n "s/.*cmasticky\\.$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
say() { echo "BENCH: $*"; }
kb() { sed -n "s/^$1: *\\([0-9]*\\) kB/\\1/p" /proc/meminfo; }
vm() { sed -n "s/^$1 //p" /proc/vmstat; }

arm=$(arg arm) plan=$(arg plan) hog_mb=$(arg hog) budget=$(arg budget) wl_mb=$(arg workload)
scenarios=$(arg scenarios | tr , ' ')
plan=${plan:-full} hog_mb=${hog_mb:-192} budget=${budget:-4000} wl_mb=${wl_mb:-640}
scenarios=${scenarios:-idle occupied pressure}
ctl=/sys/kernel/debug/cma_bench/ctl
fc=/tmp/bench.fill.cmd fa=/tmp/bench.fill.ack
echo -1000 > /proc/self/oom_score_adj
# 4 KiB faults everywhere: the hot path measures the order-0 fault path
# and the fillers hold order-0 pages, in every arm alike.
echo never > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
if [ ! -w "$ctl" ]; then
	say "ERROR no bench driver ($ctl)"
	return 1
fi

mem_line() {
	say "MEM arm=$arm when=$1 MemTotal=$(kb MemTotal) MemFree=$(kb MemFree)" \
	    "MemAvailable=$(kb MemAvailable) CmaTotal=$(kb CmaTotal) CmaFree=$(kb CmaFree)"
}

# before anything runs: the MemAvailable the region costs (vs the buddy arm)
mem_line start

# ---- hot path -------------------------------------------------------
if [ "$(arg hotpath)" = 1 ]; then
	say "HOT BEGIN"
	say "HOT test=anon_fault_64MiB $(/bin/benchmem fault 64 5)"
	vals=
	for r in 1 2 3 4 5; do
		echo reset > "$ctl"
		echo "order0 200000" > "$ctl"
		vals="$vals $(sed -n 's/.*loops=\([0-9]*\) total=\([0-9]*\).*/\2 \1/p' "$ctl")"
	done
	say "HOT test=order0_alloc_free totals_loops=$(echo $vals | tr ' ' ',')"
	say "HOT END"
fi

# ---- the region of this arm -----------------------------------------
area= base=0 count=0 cmd=
case $arm in
migrate_cma) area=reserved ;;
sticky|exclusive) area=bench ;;
zone_movable)
	set -- $(awk '/^Node .* zone *Movable/ { z = 1; next } /^Node/ { z = 0 }
		z && $1 == "spanned" { s = $2 } z && $1 == "start_pfn:" { b = $2 }
		z && $1 == "managed" { m = $2 } z && $1 == "present" { p = $2 }
		END { print b + 0, s + 0, p + 0, m + 0 }' /proc/zoneinfo)
	mode="zone present=$3 managed=$4"
	if [ "$2" = 0 ]; then
		say "NA arm=$arm reason=no ZONE_MOVABLE (movablecore= refused)"
		return 0
	fi
	# alloc_contig_range() isolates whole pageblocks: the region is the
	# zone's pageblock-aligned part (the zone ends with a partial one)
	base=$(( ($1 + 511) / 512 * 512 ))
	count=$(( ($1 + $2) / 512 * 512 - base )) cmd=contig ;;
buddy) cmd=buddy ;;
none|'') mem_line boot; return 0 ;;
*) say "ERROR unknown arm '$arm'"; return 1 ;;
esac
if [ -n "$area" ]; then
	d=/sys/kernel/debug/cma/$area
	if [ ! -d "$d" ]; then
		say "NA arm=$arm reason=area missing" \
		    "(no CMA area '$area': the kernel refused its declaration)"
		mem_line boot
		return 0
	fi
	base=$(cat "$d/base_pfn") count=$(cat "$d/count") cmd="cma $area"
	mode=$(cat "/sys/kernel/mm/cma/$area/mode" 2>/dev/null || echo cma)
	want=$arm
	[ "$arm" = migrate_cma ] && want=cma
	if [ "$mode" != "$want" ]; then
		say "NA arm=$arm reason=area '$area' is in mode '$mode', not '$want'"
		return 0
	fi
fi
say "ARM arm=$arm base_pfn=$base pages=$count mode=${mode:-zone}"
mem_line boot

# ---- the driver API (exclusive arm, idle region) ----------------------
# each allocation released at once; atomic vs sleeping at the same sizes;
# one cma_alloc_bulk() of 256 order-0 pages vs 256 alloc_pages() calls
if [ "$arm" = exclusive ] && [ "$plan" != size ]; then
	dn=1000 dm=200
	[ "$plan" = quick ] && dn=100 dm=20
	for p in 1 16 256 1024; do
		for t in cmaatomic cmasleep; do
			echo reset > "$ctl"
			echo "$t $area $p $dn" > "$ctl" &&
				say "DRV test=$t pages=$p $(cat "$ctl")"
		done
	done
	echo reset > "$ctl"
	echo "cmabulk $area 0 256 $dm" > "$ctl" && say "DRV test=bulk256 pages=256 $(cat "$ctl")"
	echo reset > "$ctl"
	echo "buddybulk 0 256 $dm" > "$ctl" && say "DRV test=buddy256 pages=256 $(cat "$ctl")"
fi

# ---- sizes and counts -------------------------------------------------
# pages:n; blocks are held until the end of a round of at most 128 MiB
# (the whole region: one block per round).
if [ "$plan" = quick ]; then
	sizes="1:16 256:8 4096:4"
elif [ "$plan" = size ]; then
	sizes=
else
	sizes="1:256 16:128 256:64 1024:32 4096:16 16384:4"
	case $arm in
	exclusive|buddy)	# every order up to MAX_PAGE_ORDER, as pages and as folios
		# 1,024 attempts below 1 MiB (within the budget): p99 is not one sample
		sizes="1:1024 2:1024 4:1024 8:1024 16:1024 32:1024 64:1024 128:1024"
		sizes="$sizes 256:64 512:32 1024:32 4096:16 16384:4"
		sizes="$sizes 2:1024:folio 4:1024:folio 8:1024:folio 16:1024:folio"
		sizes="$sizes 32:1024:folio 64:1024:folio 128:1024:folio"
		sizes="$sizes 256:64:folio 512:32:folio 1024:32:folio" ;;
	esac
fi
[ "$arm" != buddy ] && [ "$count" -gt 0 ] && sizes="$sizes $count:region"

# ---- vmstat over the measured blocks ----------------------------------
VM="pageoutrun pgscan_kswapd pgscan_direct allocstall_dma32 allocstall_normal allocstall_movable"
VM="$VM compact_stall oom_kill pgmigrate_success"
vm_snap() { awk -v keys="$VM" 'BEGIN { n = split(keys, k); for (i = 1; i <= n; i++) w[k[i]] = 1 }
	($1 in w) { print $1, $2 }' /proc/vmstat > "$1"; }
vm_add() {	# vm_add BEFORE AFTER TOTALS
	awk 'FILENAME == ARGV[1] { b[$1] = $2; next }
	     FILENAME == ARGV[2] { d[$1] = $2 - b[$1]; next }
	     { t[$1] = $2 } END { for (k in d) print k, t[k] + d[k] }' "$1" "$2" "$3" > "$3.new"
	mv "$3.new" "$3"
}

# ---- the filler (occupied, pressure) ----------------------------------
filler_pid= FILL_ST= refill=
alive() {	# alive PID: running, not a zombie (reaps a zombie)
	[ -n "$1" ] && [ -e "/proc/$1/status" ] || return 1
	if grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; then
		wait "$1" 2>/dev/null
		return 1
	fi
}
fill_once() {	# sets FILL_ST; never called in $(...): the filler outlives it
	if ! alive "$filler_pid"; then
		[ -n "$filler_pid" ] && say "NOTE arm=$arm filler died (OOM kill?), restarted"
		rm -f "$fc" "$fa"
		mkfifo "$fc" "$fa"
		if [ "$arm" = buddy ]; then
			# no region: hold as much as the region arms hold in it
			/bin/benchmem filler 0 0 "$REGION_MB" "$fc" "$fa" </dev/null >/dev/null &
		else
			/bin/benchmem filler "$base" "$count" 0 "$fc" "$fa" </dev/null >/dev/null &
		fi
		filler_pid=$!
		echo -900 > "/proc/$filler_pid/oom_score_adj"
	fi
	FILL_ST="status=failed"
	timeout 900 sh -c "echo fill > $fc" && FILL_ST=$(timeout 900 cat "$fa")
}
fill() {	# an OOM-killed filler can still look alive: one more try
	fill_once
	case $FILL_ST in
	*failed*) sleep 1; fill_once ;;
	esac
}
REGION_MB=512

# The background workload runs while the allocations of a round run; it is
# stopped while the filler refills the region (untimed), which otherwise
# could only take the workload's memory too.  A round starts once the
# workload has done one whole pass: short rounds meet it in full swing too.
hog_pid=
hog_start() {
	local i=0
	rm -f /tmp/bench.hog.stop /tmp/bench.hog.stop.ready
	/bin/benchmem hog "$hog_mb" /tmp/bench.hog.stop </dev/null &
	hog_pid=$!
	echo 0 > "/proc/$hog_pid/oom_score_adj"
	while [ ! -e /tmp/bench.hog.stop.ready ] && [ "$i" -lt 6000 ] && alive "$hog_pid"; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -e /tmp/bench.hog.stop.ready ] ||
		say "NOTE arm=$arm workload not in full swing before a round"
}
hog_stop() {
	[ -n "$hog_pid" ] || return 0
	alive "$hog_pid" || say "NOTE arm=$arm workload was killed (OOM) during a round"
	kill -9 "$hog_pid" 2>/dev/null
	wait "$hog_pid" 2>/dev/null
	hog_pid=
}

# The same fixed workload in every arm, before the region is occupied:
# 4 passes of mapping, touching and unmapping WL MiB (more than the memory
# outside a 512 MiB region, less than all of it), timed, with the reclaim
# and OOM kills it caused: what the region costs the rest of the system.
workload() {
	local res
	vm_snap /tmp/vm.wa
	# killable (the script itself is exempt from the OOM killer)
	res=$(sh -c 'echo 0 > /proc/self/oom_score_adj; exec /bin/benchmem hog "$@"' _ \
		"$wl_mb" /tmp/bench.wl.stop 4 </dev/null 2>/tmp/wl.err) || true
	vm_snap /tmp/vm.wb
	# no result: OOM-killed, or refused (mmap beyond what overcommit allows)
	[ -n "$res" ] || res="passes=0 failed=$(head -n 1 /tmp/wl.err | tr -c 'A-Za-z0-9:\n' _)"
	say "WORKLOAD arm=$arm mb=$wl_mb $res $(awk 'FILENAME == ARGV[1] { b[$1] = $2; next }
		{ printf "%s=%d ", $1, $2 - b[$1] }' /tmp/vm.wa /tmp/vm.wb)"
}

# ---- one scenario -----------------------------------------------------
run_scenario() {	# run_scenario NAME REFILL(0/1)
	local sc=$1 rf=$2 s pages n per o what k done_n rc oom0 form la mig
	vm_snap /tmp/vm.tot
	awk '{ print $1, 0 }' /tmp/vm.tot > /tmp/vm.tot.new; mv /tmp/vm.tot.new /tmp/vm.tot
	for s in $sizes; do
		pages=${s%%:*} n=${s#*:} form=
		case $n in
		*:folio) n=${n%:folio} form=folio ;;
		esac
		la=$arm${form:+_$form}
		if [ "$n" = region ]; then
			n=1 per=1
			[ "$sc" = idle ] && n=3
		else
			per=$((32768 / pages))
			[ "$per" -lt 1 ] && per=1
			[ "$per" -gt "$n" ] && per=$n
		fi
		if [ "$arm" = buddy ]; then
			[ "$pages" -gt 1024 ] && continue	# above MAX_PAGE_ORDER
			o=0
			while [ $((1 << o)) -lt "$pages" ]; do o=$((o + 1)); done
			what="buddy $o"
			[ "$form" = folio ] && what="buddycomp $o"
		elif [ "$cmd" = contig ]; then
			what="contig $pages"
		elif [ "$form" = folio ]; then
			o=0
			while [ $((1 << o)) -lt "$pages" ]; do o=$((o + 1)); done
			what="cmafolio $area $o"
		else
			what="$cmd $pages"
		fi
		echo reset > "$ctl"
		oom0=$(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat)
		say "SIZE scenario=$sc arm=$la pages=$pages n=$n per_round=$per"
		done_n=0 rc=0 mig=0
		while [ "$done_n" -lt "$n" ]; do
			k=$per
			[ $((done_n + k)) -gt "$n" ] && k=$((n - done_n))
			if [ "$rf" = 1 ]; then
				fill
				say "FILL scenario=$sc arm=$arm pages=$pages $FILL_ST"
			fi
			[ "$sc" = pressure ] && hog_start
			vm_snap /tmp/vm.a
			say "R+"
			echo "$what $k $budget" > "$ctl" || rc=$?
			say "R-"
			vm_snap /tmp/vm.b
			[ "$sc" = pressure ] && hog_stop
			vm_add /tmp/vm.a /tmp/vm.b /tmp/vm.tot
			# pages migrated while this size's allocations ran
			mig=$((mig + $(awk '$1 == "pgmigrate_success" { print $2 }' /tmp/vm.b) -
				$(awk '$1 == "pgmigrate_success" { print $2 }' /tmp/vm.a)))
			[ "$rc" = 0 ] || break
			done_n=$((done_n + k))
			# the time budget of this size is spent: fewer attempts
			[ "$(sed -n 's/^n=\([0-9]*\) .*/\1/p' "$ctl")" -lt "$done_n" ] && break
		done
		if [ "$rc" != 0 ]; then
			say "NA scenario=$sc arm=$la pages=$pages reason=driver error $rc"
			continue
		fi
		say "LAT scenario=$sc arm=$la pages=$pages $(cat "$ctl") migrated=$mig" \
		    "oom=$(( $(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat) - oom0 ))"
	done
	say "VMSTAT scenario=$sc arm=$arm $(tr ' ' '=' < /tmp/vm.tot | tr '\n' ' ')"
}

# ---- the sticky -> exclusive switch (plan=size) -------------------------
# The kernel's own figures of the area's last switch to mode $1: "us irqoff_us".
switch_log() {
	dmesg | sed -n "s/.*cma_region: $area: now $1 (\([0-9]*\) us, IRQs off at most \([0-9]*\) us).*/\1 \2/p" |
		tail -n 1
}
switch_stat() {	# a counter of switch_stats, 0 if it has none
	local v
	v=$(sed -n "s/^$1 //p" "/sys/kernel/mm/cma/$area/switch_stats")
	echo "${v:-0}"
}
# switched MODE N0: the region is in MODE and its switch count is N0 + 1,
# so the last "now MODE" line of the kernel is this switch's
switched() {
	[ "$(cat "/sys/kernel/mm/cma/$area/mode")" = "$1" ] &&
		[ "$(switch_stat switches)" = $(($2 + 1)) ]
}
# measure_switch SCENARIO: switch the region to exclusive (occupied: after
# the filler has filled it again, so that the switch vacates it by
# migration) and back to sticky; the pages migrated on the way.
measure_switch() {
	local sc=$1 mode=/sys/kernel/mm/cma/$area/mode n0 m0 r0 lru to back
	if [ "$sc" = occupied ]; then
		fill
		say "FILL scenario=$sc arm=$arm pages=switch $FILL_ST"
		case $FILL_ST in
		*failed*)	# not occupied: no result
			say "SWITCH scenario=$sc arm=$arm pages=$count ok=0 fill_failed=1"
			return 0 ;;
		esac
	fi
	lru=$(/bin/benchmem lru "$base" "$count")
	n0=$(switch_stat switches) r0=$(switch_stat revacated) m0=$(vm pgmigrate_success)
	if [ "$(cat "$mode")" != sticky ] || ! echo exclusive > "$mode" ||
	   ! switched exclusive "$n0"; then
		say "SWITCH scenario=$sc arm=$arm pages=$count ok=0 lru_before=$lru" \
		    "mode=$(cat "$mode")"
		return 0
	fi
	to=$(switch_log exclusive)
	say "SWITCH scenario=$sc arm=$arm pages=$count ok=1 us=${to% *} irqoff_us=${to#* }" \
	    "revacated=$(( $(switch_stat revacated) - r0 ))" \
	    "migrated=$(( $(vm pgmigrate_success) - m0 )) lru_before=$lru" \
	    "free_after=$(cat "/sys/kernel/mm/cma/$area/free_pages")"
	n0=$(switch_stat switches)
	if echo sticky > "$mode" && switched sticky "$n0"; then
		back=$(switch_log sticky)
		say "SWITCHBACK scenario=$sc arm=$arm pages=$count ok=1 us=${back% *}" \
		    "irqoff_us=${back#* }"
	else
		say "SWITCHBACK scenario=$sc arm=$arm pages=$count ok=0 mode=$(cat "$mode")"
	fi
}

for sc in $scenarios; do
	say "SCENARIO $sc"
	case $sc in
	idle) run_scenario idle 0 ;;
	occupied|pressure)
		if [ -z "$refill" ]; then
			# (the size plan's guests are sized for the region alone)
			[ "$plan" = size ] || workload
			refill=1
			# nothing movable can enter an exclusive region
			[ "$arm" = exclusive ] && refill=0
			if [ "$refill" = 1 ]; then
				fill
				say "OCCUPY arm=$arm $FILL_ST"
				# buddy fills once: its allocations never vacate the filler
				[ "$arm" = buddy ] && refill=0
			fi
			mem_line occupied
		fi
		run_scenario "$sc" "$refill"
		;;
	esac
done
# after every allocation scenario, so that no allocation meets a region
# that has just been exclusive: the region as they left it, then refilled
if [ "$plan" = size ] && [ "$arm" = sticky ]; then
	say "SCENARIO switch"
	measure_switch idle
	measure_switch occupied
fi
mem_line end
alive "$filler_pid" && timeout 60 sh -c "echo quit > $fc"
say "DONE arm=$arm oom_kill_total=$(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat)"
