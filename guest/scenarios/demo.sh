# SPDX-License-Identifier: GPL-2.0
# The `make run` demo: what the kernel does with its CMA areas, told in a
# few lines prefixed "DEMO:" that the host prints as the run's summary.
kb() { sed -n "s/^$1: *\([0-9]*\) kB/\1/p" /proc/meminfo; }
say() { echo "DEMO: $*"; }

say "kernel $(uname -r), $(( $(kb MemTotal) / 1024 )) MiB RAM, CmaTotal $(( $(kb CmaTotal) / 1024 )) MiB, CmaFree $(( $(kb CmaFree) / 1024 )) MiB"
for d in /sys/kernel/debug/cma/*; do
	[ -d "$d" ] || continue
	area=${d##*/}
	count=$(cat "$d/count")
	say "area '$area': $count pages ($((count / 256)) MiB) at pfn $(cat "$d/base_pfn")"
	n=4096
	echo 1 > "$d/alloc"		# drains the pcp lists: CmaFree is exact
	f0=$(kb CmaFree)
	if echo $n > "$d/alloc"; then
		f1=$(kb CmaFree)
		say "  cma_alloc($n pages = 16 MiB): CmaFree $f0 kB -> $f1 kB (-$((f0 - f1)) kB)"
		echo $n > "$d/free"
		echo 1 > "$d/alloc"
		f2=$(kb CmaFree)
		say "  cma_release($n pages):       CmaFree $f1 kB -> $((f2 + 4)) kB"
		echo 1 > "$d/free"
	else
		say "  cma_alloc($n pages) failed"
		rc=1
	fi
	echo 1 > "$d/free"
	s=/sys/kernel/mm/cma/$area
	say "  counters: alloc_pages_success=$(cat $s/alloc_pages_success) alloc_pages_fail=$(cat $s/alloc_pages_fail) release_pages_success=$(cat $s/release_pages_success)"
done
