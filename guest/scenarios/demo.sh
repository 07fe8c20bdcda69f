# SPDX-License-Identifier: GPL-2.0
# The `make run` demo: what the kernel does with its CMA areas, told in a
# few lines prefixed "DEMO:" that the host prints as the run's summary.
kb() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }
say() { echo "DEMO: $*"; }

say "kernel $(uname -r), MemTotal $(( $(kb MemTotal) / 1024 )) MiB, MemFree $(( $(kb MemFree) / 1024 )) MiB, CmaTotal $(( $(kb CmaTotal) / 1024 )) MiB"
for d in /sys/kernel/debug/cma/*; do
	[ -d "$d" ] || continue
	area=${d##*/}
	s=/sys/kernel/mm/cma/$area
	mode=$(cat "$s/mode" 2>/dev/null || echo cma)
	count=$(cat "$d/count")
	n=4096
	say "area '$area' ($mode): $count pages ($((count / 256)) MiB) at pfn $(cat "$d/base_pfn")"
	if [ "$mode" = exclusive ]; then
		f0=$(cat "$s/free_pages") m0=$(kb MemFree)
		echo $n > "$d/alloc" || { say "  cma_alloc($n) failed"; rc=1; continue; }
		f1=$(cat "$s/free_pages") m1=$(kb MemFree)
		say "  cma_alloc($n pages = 16 MiB) from the region's own free lists:"
		say "    region free_pages $f0 -> $f1, MemFree $m0 -> $m1 kB (the zone never counted the region)"
		echo $n > "$d/free"
		say "  cma_release: region free_pages back to $(cat "$s/free_pages")"
		echo "$count" > "$d/alloc" && say "  the whole region in one cma_alloc($count): free_pages $(cat "$s/free_pages")" &&
			echo "$count" > "$d/free"
	else
		echo 1 > "$d/alloc"		# drains the pcp lists: CmaFree is exact
		f0=$(kb CmaFree)
		if echo $n > "$d/alloc"; then
			f1=$(kb CmaFree)
			say "  cma_alloc($n pages = 16 MiB) by isolation + migration: CmaFree $f0 -> $f1 kB"
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
	say "  counters: alloc_pages_success=$(cat $s/alloc_pages_success) alloc_pages_fail=$(cat $s/alloc_pages_fail) release_pages_success=$(cat $s/release_pages_success)"
done
