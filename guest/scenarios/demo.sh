# SPDX-License-Identifier: GPL-2.0
# The `make run` demo: what the kernel does with its CMA areas, told in a
# few lines prefixed "DEMO:" that the host prints as the run's summary.
kb() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }
say() { echo "DEMO: $*"; }

vm() { sed -n "s/^$1 //p" /proc/vmstat; }
cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }	# centiseconds
# The kernel's own figures of the last switch of area $1 to mode $2.
switch_log() {
	dmesg | sed -n "s/.*cma_region: $1: now $2 (\(.*\))\r*$/\1/p" | tail -n1
}

# A sticky area: lent to movable memory, vacated for the device, switched
# live to exclusive and back.
demo_sticky() {
	local area=$1 d=$2 s=$3 count=$4 mb=$(( $4 / 256 )) t m0 c0
	say "  region free_pages $(cat "$s/free_pages"), CmaStickyFree $(kb CmaStickyFree) kB"
	dd if=/dev/zero of=/tmp/fill bs=1M count=$(( mb * 3 / 4 )) 2>/dev/null
	say "  $(( mb * 3 / 4 )) MiB written to tmpfs (movable page cache):" \
	    "region free_pages $(cat "$s/free_pages"), CmaStickyFree $(kb CmaStickyFree) kB" \
	    "- movable memory fills the sticky region first"
	m0=$(vm pgmigrate_success) c0=$(vm cma_sticky_contig) t=$(cs)
	if echo "$count" > "$d/alloc"; then
		say "  device cma_alloc($count) of the whole occupied region:" \
		    "ok in $(( ($(cs) - t) * 10 )) ms," \
		    "$(( $(vm pgmigrate_success) - m0 )) pages migrated out," \
		    "cma_sticky_contig +$(( $(vm cma_sticky_contig) - c0 ))," \
		    "free_pages $(cat "$s/free_pages")"
		echo "$count" > "$d/free"
	else
		say "  device cma_alloc($count) failed"; rc=1
	fi
	rm -f /tmp/fill
	m0=$(kb MemTotal) t=$(cs)
	if echo exclusive > "$s/mode"; then
		say "  switch to exclusive in $(( ($(cs) - t) * 10 )) ms: mode $(cat "$s/mode")," \
		    "kernel: $(switch_log "$area" exclusive)," \
		    "MemTotal $m0 -> $(kb MemTotal) kB," \
		    "CmaExclusiveTotal $(kb CmaExclusiveTotal) kB," \
		    "region free_pages $(cat "$s/free_pages")"
		echo 4096 > "$d/alloc" &&
			say "  cma_alloc(4096) from its own free lists:" \
			    "free_pages $(cat "$s/free_pages")" &&
			echo 4096 > "$d/free"
		t=$(cs)
		echo sticky > "$s/mode" &&
			say "  switch back to sticky in $(( ($(cs) - t) * 10 )) ms:" \
			    "kernel: $(switch_log "$area" sticky)," \
			    "MemTotal $(kb MemTotal) kB, CmaStickyFree $(kb CmaStickyFree) kB"
		say "  $(tr '\n' ' ' < "$s/switch_stats")"
	else
		say "  switch to exclusive failed"; rc=1
	fi
	echo bogus > "$s/mode" 2>/dev/null ||
		say "  'bogus' > mode refused: $(cat "$s/mode") unchanged"
}

say "kernel $(uname -r), MemTotal $(( $(kb MemTotal) / 1024 )) MiB," \
    "MemFree $(( $(kb MemFree) / 1024 )) MiB, CmaTotal $(( $(kb CmaTotal) / 1024 )) MiB"
for d in /sys/kernel/debug/cma/*; do
	[ -d "$d" ] || continue
	area=${d##*/}
	s=/sys/kernel/mm/cma/$area
	mode=$(cat "$s/mode" 2>/dev/null || echo cma)
	count=$(cat "$d/count")
	n=4096
	say "area '$area' ($mode): $count pages ($((count / 256)) MiB) at pfn $(cat "$d/base_pfn")"
	if [ "$mode" = sticky ]; then
		demo_sticky "$area" "$d" "$s" "$count"
	elif [ "$mode" = exclusive ]; then
		f0=$(cat "$s/free_pages") m0=$(kb MemFree)
		echo $n > "$d/alloc" || { say "  cma_alloc($n) failed"; rc=1; continue; }
		f1=$(cat "$s/free_pages") m1=$(kb MemFree)
		say "  cma_alloc($n pages = 16 MiB) from the region's own free lists:"
		say "    region free_pages $f0 -> $f1, MemFree $m0 -> $m1 kB" \
		    "(the zone never counted the region)"
		echo $n > "$d/free"
		say "  cma_release: region free_pages back to $(cat "$s/free_pages")"
		echo "$count" > "$d/alloc" &&
			say "  the whole region in one cma_alloc($count):" \
			    "free_pages $(cat "$s/free_pages")" &&
			echo "$count" > "$d/free"
		f0=$(cat "$s/free_pages")
		if echo 16 > "$d/alloc_atomic"; then
			say "  cma_alloc_gfp(16 pages, GFP_ATOMIC) with interrupts off" \
			    "(debugfs alloc_atomic): free_pages $f0 -> $(cat "$s/free_pages")"
			echo 16 > "$d/free"
		else
			say "  cma_alloc_gfp(GFP_ATOMIC) failed"; rc=1
		fi
		# shellcheck disable=SC2046
		if [ -e "/dev/dma_heap/$area" ] &&
		   set -- $(/bin/heapdemo "$area" $((4 << 20))) && [ "$6" = ok ]; then
			say "  dma-buf heap /dev/dma_heap/$area, one 4 MiB buffer:" \
			    "free_pages $1 -> $2, mapped and written $3," \
			    "fd closed $4 (the mapping holds it), unmapped $5"
		else
			say "  dma-buf heap /dev/dma_heap/$area: no buffer"; rc=1
		fi
	else
		echo 1 > "$d/alloc"		# drains the pcp lists: CmaFree is exact
		f0=$(kb CmaFree)
		if echo $n > "$d/alloc"; then
			f1=$(kb CmaFree)
			say "  cma_alloc($n pages = 16 MiB) by isolation + migration:" \
			    "CmaFree $f0 -> $f1 kB"
			echo $n > "$d/free"
			echo 1 > "$d/alloc"
			say "  cma_release: CmaFree back to $(( $(kb CmaFree) + 4 )) kB"
			echo 1 > "$d/free"
		else
			say "  cma_alloc($n pages) failed"
			rc=1
		fi
		echo 1 > "$d/free"
	fi
	say "  counters: alloc_pages_success=$(cat $s/alloc_pages_success)" \
	    "alloc_pages_fail=$(cat $s/alloc_pages_fail)" \
	    "release_pages_success=$(cat $s/release_pages_success)"
done
