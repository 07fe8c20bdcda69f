#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: allocation latency of every way to get contiguous memory,
# and the series' cost on the page allocator's hot path.
#
# Three kernels, each with the bench driver bench/cma_bench.c built in
# (copied into a detached git worktree of out/linux, never committed):
#   patched_on   out/linux HEAD, CONFIG_CMA_STICKY=y   (every arm)
#   patched_off  out/linux HEAD, CONFIG_CMA_STICKY=n   (hot path)
#   base         out/linux tag base (the pristine base) (hot path)
# One QEMU boot (TCG, -icount shift=0, 1 GiB, one vCPU) per arm runs every
# scenario.  One vCPU: under -icount QEMU runs the vCPUs of a guest in turn,
# in slices of 100 ms of virtual time, so every cross-CPU wait (an IPI, the
# flush_work() of lru_add_drain_all()) would cost up to 100 ms of guest time.
# "-cpu max,erms=off": icount counts every iteration of a rep-string
# instruction as one instruction, so the kernel's "rep stosb" page clearing
# (ERMS) would cost 4096 ns a page and dwarf everything else; without ERMS
# it clears with "rep stosq" (512) and copies with "rep movsq" (512), which
# keeps clearing and copying in proportion and halves the filling time.
# No RDRAND/RDSEED (QEMU feeds them from the host), an RTC on the virtual
# clock and no user-space ASLR ("norandmaps"): nothing random in the guest.
# scripts/bench_report.py turns the console logs into out/bench/results.md,
# results.json and *.png, and the README's benchmark section.
#
# The reclaim scenario (guest/scenarios/reclaim.sh, ZONE_CMA's own case):
# two more boots per arm (the workload alone, and while a device
# allocates; none: no region, alone only) with two virtio disks, an
# ext2 filesystem of source files built here from a fixed seed
# (out/bench/disk/src.img) and a swap device (swap.img), both opened with
# snapshot=on so that every boot starts from the same bytes.
#
# `scripts/bench.sh build` only builds the three kernels.
# BENCH_REV=<commit of out/linux> benchmarks that commit instead of HEAD.
# BENCH_ARMS="exclusive buddy ..." limits the arms, BENCH_PLAN=quick the
# sizes, BENCH_DET=0 skips the determinism re-run, BENCH_PAR=N boots N
# guests at a time (default: the number of cores; icount figures do not
# depend on it, the wall-clock ones do).  BENCH_RECLAIM_ARMS="sticky none"
# limits the reclaim boots ("" skips them), BENCH_ONLY=reclaim runs only
# them.  BENCH_SIZES="64M 256M 1G" are the region sizes of the size boots
# ("" skips them; BENCH_ONLY=size runs only them), one per size and arm
# of BENCH_SIZE_ARMS.
#
# The size boots (issue 15, cost against size): the whole-region allocation,
# idle and occupied, and the sticky -> exclusive switch, for each region
# size.  The guest has twice the region plus 512 MiB (1 GiB for the main
# boots' 512 MiB region would be 1.5 GiB: these are their own series): a
# sizing, so that the memory outside the region has room for every page
# the filler put in it, the kernel, the memmap and the initramfs besides.
. "$(dirname "$0")/lib.sh"

QEXTRA="-icount shift=0,sleep=off -cpu max,erms=off,rdrand=off,rdseed=off"
QEXTRA+=" -rtc base=2024-11-17T00:00:00,clock=vm"
B=$OUT/bench
ARMS=${BENCH_ARMS:-migrate_cma zone_movable sticky exclusive buddy}
PLAN=${BENCH_PLAN:-full}
PAR=${BENCH_PAR:-$(nproc)}
DET=${BENCH_DET:-1}
RECLAIM_ARMS=${BENCH_RECLAIM_ARMS-migrate_cma zone_movable sticky exclusive none}
ONLY=${BENCH_ONLY:-}
# (BENCH_PLAN=quick: no size boots unless asked for)
if [ "$PLAN" = quick ]; then SIZES=${BENCH_SIZES-}; else SIZES=${BENCH_SIZES-64M 256M 1G}; fi
# zone_movable is not among them: memblock reservations at the top of
# memory sit in ZONE_MOVABLE, so its whole range can never be allocated
SIZE_ARMS=${BENCH_SIZE_ARMS-migrate_cma sticky exclusive}
for a in $SIZE_ARMS; do
	case $a in
	migrate_cma|zone_movable|sticky|exclusive) ;;
	*) die "BENCH_SIZE_ARMS: '$a' is not one of migrate_cma zone_movable sticky exclusive" ;;
	esac
done
case $ONLY in
reclaim) SIZES= ;;
size) RECLAIM_ARMS= ;;
'') ;;
*) die "BENCH_ONLY: '$ONLY' is not reclaim or size" ;;
esac

# size_mem 64M: the size boots' guest memory, in MiB (twice the region
# plus 512 MiB)
size_mem() {
	local n=${1%[MG]}
	[[ $1 =~ ^[1-9][0-9]{0,5}[MG]$ ]] ||
		die "BENCH_SIZES: '$1' is not a size in M or G (64M, 1G)"
	[ "${1: -1}" = G ] && n=$((n * 1024))
	[ "$n" -ge 16 ] || die "BENCH_SIZES: '$1' is below 16M"
	echo "$((2 * n + 512))M"
}
# checked before anything is built; two names of one size are one boot
seen=
for sz in $SIZES; do
	m=$(size_mem "$sz") || exit 1
	case " $seen " in
	*" $m "*) die "BENCH_SIZES: '$sz' names a size already listed" ;;
	esac
	seen="$seen $m"
done
NICE=(nice -n "${BENCH_NICE:-19}")
mkdir -p "$B/logs"
t_start=$(date +%s)

[ -d "$SRC/.git" ] || die "out/linux is missing: run 'make assemble' (or 'make bench') first"
command -v gnuplot >/dev/null || die "gnuplot is missing (scripts/deps.sh gnuplot)"

# ---- sources: detached worktrees of out/linux plus the driver --------------
prepare_src() {	# prepare_src DIR REV
	local wt=$1 rev=$2
	git -C "$SRC" worktree prune
	if ! git -C "$wt" rev-parse --git-dir >/dev/null 2>&1; then
		rm -rf "$wt"
		git -C "$SRC" worktree add -q --detach "$wt" "$rev"
	fi
	if [ "$(git -C "$wt" rev-parse HEAD)" != \
	     "$(git -C "$SRC" rev-parse "$rev^{commit}")" ]; then
		git -C "$wt" checkout -q -f --detach "$rev"
	fi
	# Only what the bench adds differs from the commit; files are rewritten
	# only when they change, so that kbuild rebuilds only what changed.
	local mk
	mk=$(git -C "$wt" show HEAD:mm/Makefile;
	     printf '# cma-sticky bench driver (scripts/bench.sh; not part of the tree)\n'
	     printf 'obj-y += cma_bench.o')
	[ "$(cat "$wt/mm/Makefile")" = "$mk" ] || printf '%s\n' "$mk" > "$wt/mm/Makefile"
	# (a fresh mtime: the project file may be older than an object built
	# from the previous copy, and kbuild goes by mtimes)
	cmp -s "$TOP/bench/cma_bench.c" "$wt/mm/cma_bench.c" ||
		cp "$TOP/bench/cma_bench.c" "$wt/mm/cma_bench.c"
}

bench_kernel() {	# bench_kernel NAME SRCDIR [nosticky|base]
	local name=$1 src=$2 kind=${3:-} frags cfg=bench skip='^$'
	case $kind in
	nosticky) cfg=bench-nosticky ;;
	base) skip='^(# )?CONFIG_CMA_STICKY' ;;
	esac
	mapfile -t frags < <(config_frags "$cfg")
	rm -f "$B/logs/build-$name.failed"
	if ! KCONFIG_SKIP_RE=$skip BUILD_NICE=${BENCH_NICE:-19} \
	     build_kernel "bench/$name" "$src" "$B/build-$name" "$B/logs/build-$name.log" \
		"${frags[@]}"; then
		# the arms of this kernel are reported as not run, with the cause
		grep -m1 -E 'error[: ]' "$B/logs/build-$name.log" | sed "s|$src/||" \
			> "$B/logs/build-$name.failed" || true
		[ -s "$B/logs/build-$name.failed" ] ||
			echo "build failed" > "$B/logs/build-$name.failed"
		warn "bench: kernel $name does not build; see out/bench/logs/build-$name.log"
		return 1
	fi
}

rev=$(git -C "$SRC" rev-parse "${BENCH_REV:-HEAD}^{commit}") ||
	die "BENCH_REV=${BENCH_REV:-}: no such commit in out/linux"
prepare_src "$B/src-patched" "$rev"
prepare_src "$B/src-base" base
t_b0=$(date +%s)
bench_kernel patched_on "$B/src-patched" || true
bench_kernel patched_off "$B/src-patched" nosticky || true
bench_kernel base "$B/src-base" base || true
t_build=$(( $(date +%s) - t_b0 ))
[ "${1:-}" = build ] && exit 0

# base and patched_off: the same configuration but for the series' options
[ -f "$B/build-base/.config" ] && [ -f "$B/build-patched_off/.config" ] &&
cfgdiff=$(diff <(grep -v CMA_STICKY "$B/build-base/.config") \
	       <(grep -v CMA_STICKY "$B/build-patched_off/.config") | grep '^[<>]' || true)
if [ -n "${cfgdiff:-}" ]; then
	warn "bench: base and patched_off configs differ beyond CONFIG_CMA_STICKY*:"
	echo "$cfgdiff" | head -n 20 >&2
fi
printf '%s\n' "${cfgdiff:-}" > "$B/config-diff.txt"
# sizes of the hot path's functions in each kernel, for the report
for k in base patched_off patched_on; do
	[ -f "$B/build-$k/vmlinux" ] || continue
	nm -S "$B/build-$k/vmlinux" | awk -v k=$k '
		$4 ~ /^(get_page_from_freelist|__rmqueue_pcplist|free_unref_page)$/ ||
		$4 ~ /^(free_unref_folios|free_pcppages_bulk|rmqueue_bulk)$/ ||
		$4 ~ /^(__alloc_pages_noprof|__free_pages|do_anonymous_page|handle_mm_fault)$/ {
		print k, $4, $2 }'
done > "$B/hot-symbols.txt"

# ---- initramfs: the project's, plus /bin/benchmem ----------------------------
"$TOP/scripts/initramfs.sh" "$B/initramfs-base.cpio"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin"
# (its /proc helpers are the selftests' cma_util.h, from the series)
gcc -static -O2 -Wall -Werror "${REPRO_CFLAGS[@]}" -I"$SRC/tools/testing/selftests/mm" \
	-o "$stage/bin/benchmem" "$TOP/bench/benchmem.c"
gcc -static -O2 -Wall -Werror "${REPRO_CFLAGS[@]}" -o "$stage/bin/buildsim" \
	"$TOP/bench/buildsim.c"
repro_cpio "$stage" > "$B/initramfs-extra.cpio"
cat "$B/initramfs-base.cpio" "$B/initramfs-extra.cpio" > "$B/initramfs.cpio"

# ---- the reclaim scenario's disks --------------------------------------------
# src.img: NFILES files of 64 KiB to 1 MiB of pseudo-random bytes (a fixed
# seed), ext2 with a fixed UUID, hash seed and time; swap.img: 1 GiB of
# swap.  Rebuilt only when this recipe changes.
DISK=$B/disk
make_disks() {
	local recipe stamp tree
	recipe="v2 files=512 seed=20241117 size=768M $(mke2fs -V 2>&1 | head -n1)"
	stamp=$(printf '%s' "$recipe" | sha1sum | cut -c1-12)
	[ -f "$DISK/src.img" ] && [ -f "$DISK/swap.img" ] &&
		[ "$(cat "$DISK/stamp" 2>/dev/null)" = "$stamp" ] && return 0
	mkdir -p "$DISK"
	rm -f "$DISK/src.img" "$DISK/swap.img" "$DISK/stamp"
	tree=$(mktemp -d)
	python3 - "$tree" <<'PY'
import os, random, sys
d, rng = sys.argv[1], random.Random(20241117)
for i in range(512):
    size = (16 + rng.randrange(241)) * 4096
    p = os.path.join(d, "%d.c" % i)
    with open(p, "wb") as f:
        f.write(rng.randbytes(size))
    os.utime(p, (1731801600, 1731801600))
os.utime(d, (1731801600, 1731801600))
PY
	E2FSPROGS_FAKE_TIME=1731801600 mke2fs -q -F -t ext2 -b 4096 -m 0 -N 4096 \
		-U 6d6b7a1e-2a41-4c0e-9b1f-0c3a5c1f0001 \
		-E hash_seed=6d6b7a1e-2a41-4c0e-9b1f-0c3a5c1f0002,root_owner=0:0 \
		-d "$tree" "$DISK/src.img" 768M
	# mke2fs -d copies each file's host ctime, which no one can set: fix it
	for f in "$tree"/*; do
		echo "set_inode_field /${f##*/} ctime 20241117000000"
	done | debugfs -w -f - "$DISK/src.img" >/dev/null 2>&1
	rm -rf "$tree"
	truncate -s 1G "$DISK/swap.img"
	mkswap -q -U 6d6b7a1e-2a41-4c0e-9b1f-0c3a5c1f0003 "$DISK/swap.img" >/dev/null
	echo "$stamp" > "$DISK/stamp"
}
[ -n "$RECLAIM_ARMS" ] && make_disks
RDRIVES="-drive file=$DISK/src.img,if=virtio,format=raw,snapshot=on,cache=unsafe"
RDRIVES+=" -drive file=$DISK/swap.img,if=virtio,format=raw,snapshot=on,cache=unsafe"

# ---- boots ------------------------------------------------------------------
arm_cmdline() {	# arm_cmdline ARM [REGION_SIZE]
	local sz=${2:-512M}
	case $1 in
	migrate_cma)  echo "cma=$sz" ;;
	zone_movable) echo "cma=0 movablecore=$sz" ;;
	sticky)       echo "cma=0 cma_region=bench:$sz:sticky" ;;
	exclusive)    echo "cma=0 cma_region=bench:$sz:exclusive" ;;
	buddy)        echo "cma=0 cmasticky.hotpath=1" ;;
	none)         echo "cma=0" ;;
	*) die "unknown arm $1" ;;
	esac
}


# boot NAME KERNEL "ARGS" TIMEOUT [SCENARIO [MEM]]: log in out/logs/NAME.log,
# host times of the BENCH lines in out/bench/logs/NAME.wall; the reclaim
# scenario gets the disks
boot() {
	local name=$1 kernel=$2 args=$3 tmo=$4 sc=${5:-bench} mem=${6:-1G} rc=0 qx=$QEXTRA
	local plan="cmasticky.plan=$PLAN "
	# a boot with a plan of its own (the size boots) gets that one only
	[[ $args == *cmasticky.plan=* ]] && plan=
	[ "$sc" = reclaim ] && qx="$QEXTRA $RDRIVES"
	local logf=$OUT/logs/$name.log wall=$B/logs/$name.wall
	rm -f "$logf" "$wall"
	python3 "$TOP/scripts/bench_report.py" watch "$logf" "$wall" &
	local wpid=$!
	MEM=$mem SMP=1 ACCEL=tcg QEMU_EXTRA="$qx" \
		"${NICE[@]}" "$TOP/scripts/boot.sh" "$name" \
		"$B/build-$kernel/arch/x86/boot/bzImage" "$B/initramfs.cpio" \
		"tsc=reliable norandmaps cmasticky.scenario=$sc $plan$args" \
		"$tmo" || rc=$?
	touch "$wall.done"
	wait "$wpid" || true
	rm -f "$wall.done"
	if ! grep -q "^${MARK_END}0" "$logf"; then
		warn "bench: boot $name failed (qemu exit $rc); see ${logf#$TOP/}"
		"$TOP/scripts/judge.sh" "$logf" >&2 || true
	fi
}

jobs_list=()
# the reclaim boots first: they are the longest
for arm in $RECLAIM_ARMS; do
	jobs_list+=("bench-reclaim-$arm|patched_on|$(arm_cmdline "$arm") cmasticky.arm=$arm|2400|reclaim")
	# the same workload while a device allocates from the region
	[ "$arm" = none ] ||
	jobs_list+=("bench-reclaim-$arm-device|patched_on|$(arm_cmdline "$arm") cmasticky.arm=$arm cmasticky.rdevice=1|2400|reclaim")
done
if [ -n "$RECLAIM_ARMS" ] && [ "$DET" = 1 ]; then
	# how much two boots of one arm differ: the disks' I/O completes in host time
	jobs_list+=("bench-reclaim-det|patched_on|$(arm_cmdline migrate_cma) cmasticky.arm=migrate_cma|2400|reclaim")
fi
if [ "$ONLY" != reclaim ]; then
# the size boots, largest first
for sz in $(printf '%s\n' $SIZES | sort -hr); do
	for arm in $SIZE_ARMS; do
		jobs_list+=("bench-size-$sz-$arm|patched_on|$(arm_cmdline "$arm" "$sz") cmasticky.arm=$arm cmasticky.plan=size cmasticky.scenarios=idle,occupied cmasticky.guest=$(size_mem "$sz")|2400|bench|$(size_mem "$sz")")
	done
done
fi
if [ "$ONLY" != reclaim ] && [ "$ONLY" != size ]; then
for arm in $ARMS; do
	jobs_list+=("bench-$arm|patched_on|$(arm_cmdline "$arm") cmasticky.arm=$arm|2400")
done
jobs_list+=("bench-hot-patched_off|patched_off|cma=0 cmasticky.arm=none cmasticky.hotpath=1|600")
jobs_list+=("bench-hot-base|base|cma=0 cmasticky.arm=none cmasticky.hotpath=1|600")
fi
if [ "$ONLY" != reclaim ] && [ "$ONLY" != size ] && [ "$DET" = 1 ]; then
	# determinism: the same guest twice must print the same numbers
	det_args="cma=512M cmasticky.arm=migrate_cma cmasticky.plan=quick cmasticky.hotpath=1"
	for i in 1 2; do
		jobs_list+=("bench-det$i|patched_on|$det_args|900")
	done
fi

t_r0=$(date +%s)
[ "${#jobs_list[@]}" -gt 0 ] || die "bench: nothing to boot (BENCH_ONLY=$ONLY, BENCH_SIZES='$SIZES')"
log "bench: ${#jobs_list[@]} boots, $PAR at a time"
running=0
for j in "${jobs_list[@]}"; do
	IFS='|' read -r name kernel args tmo sc mem <<< "$j"
	if [ -f "$B/logs/build-$kernel.failed" ]; then
		warn "bench: $name not run: kernel $kernel does not build"
		rm -f "$OUT/logs/$name.log"
		continue
	fi
	if [ "$running" -ge "$PAR" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	boot "$name" "$kernel" "$args" "$tmo" "$sc" "$mem" &
	running=$((running + 1))
done
wait || true
t_runs=$(( $(date +%s) - t_r0 ))

python3 "$TOP/scripts/bench_report.py" report --top "$TOP" --out "$B" --logs "$OUT/logs" \
	--arms "$ARMS" --reclaim-arms "$RECLAIM_ARMS" --sizes "$SIZES" \
	--size-arms "$SIZE_ARMS" --plan "$PLAN" --rev "$rev" \
	--readme "$([ -z "$ONLY" ] && echo 1 || echo 0)" \
	--times "build=$t_build,runs=$t_runs,total=$(( $(date +%s) - t_start ))" \
	--command "$( (env | grep -E '^BENCH_[A-Z]+=' | sort | tr '\n' ' '
		       if [ -n "${MAKELEVEL:-}" ]; then echo make bench
		       else echo scripts/bench.sh; fi) |
		     tr -s ' ')"
log "bench: done in $(( $(date +%s) - t_start ))s: out/bench/results.md, results.json, *.png"
