#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# series-build.sh RESULTS
# Every step of out/linux, in order: build its run kernel (common + run
# config) and boot it with the command line that step supports
# (step_cmdline in guest/cmdline.sh) and the "boot" scenario: the step
# must reach init, have every area it was asked for, and print no kernel
# report.  KUnit and the selftests run on the final step only (the debug
# boot of `make check`).  A step built and booted before with the same
# tree, config and gate is not done again.
. "$(dirname "$0")/lib.sh"
# shellcheck source=/dev/null
. "$TOP/guest/cmdline.sh"
res=$1
wt=$OUT/series-wt bld=$OUT/build/series okdir=$OUT/build/series-ok
mkdir -p "$okdir" "$OUT/logs"
mapfile -t frags < <(config_frags run)
# what the boot gate depends on besides the kernel
gate=$(hash_inputs scripts/series-build.sh scripts/boot.sh scripts/judge.sh \
	scripts/initramfs.sh guest | cut -c1-16)
initrd=$OUT/initramfs/boot.cpio
mapfile -t commits < <(git -C "$SRC" rev-list --reverse base..HEAD)
n=0
for c in "${commits[@]}"; do
	n=$((n + 1))
	l=$(awk -v c="$c" '$1 == c { print $2 }' "$SRC/.git/cma-series")
	l=${l:-step $n}
	# (a worktree of an out/linux that was re-created is not one any more)
	if ! git -C "$wt" rev-parse --git-dir >/dev/null 2>&1 ||
	   ! git -C "$wt" checkout -q -f --detach "$c" 2>/dev/null; then
		rm -rf "$wt"
		git -C "$SRC" worktree prune
		git -C "$SRC" worktree add -q --detach "$wt" "$c"
	fi
	git -C "$wt" clean -q -fdx
	if [ "$(git -C "$wt" rev-parse HEAD)" != "$c" ]; then
		printf 'FAIL\tstep %d builds: %s\tits worktree is not at %s\n' $n "$l" "$c" \
			>> "$res"
		continue
	fi
	key=$(kernel_stamp "$wt" "${frags[@]}")-$gate
	if [ -f "$okdir/$key" ]; then
		printf 'PASS\tstep %d builds: %s\tbuilt before\n' $n "$l" >> "$res"
		printf 'PASS\tstep %d boots: %s\tbooted before: %s\n' $n "$l" \
			"$(cat "$okdir/$key")" >> "$res"
		continue
	fi
	# Options of later patches do not exist yet here: no verification.
	if ! KCONFIG_NOVERIFY=1 build_kernel "series step $n" "$wt" "$bld" \
		"$OUT/logs/build-series.log" "${frags[@]}"; then
		printf 'FAIL\tstep %d builds: %s\tsee out/logs/build-series.log\n' $n "$l" >> "$res"
		printf 'SKIP\tstep %d boots: %s\tno kernel\n' $n "$l" >> "$res"
		echo "check: FAIL: patch $l does not build on its own" >&2
		continue
	fi
	printf 'PASS\tstep %d builds: %s\t\n' $n "$l" >> "$res"

	if [ -z "${initrd_done:-}" ]; then	# once a run: guest/ may have changed
		NO_TESTS=1 "$TOP/scripts/initramfs.sh" "$initrd"
		initrd_done=1
	fi
	cmdline=$(step_cmdline "$wt")
	"$TOP/scripts/boot.sh" "step-$n" "$bld/arch/x86/boot/bzImage" "$initrd" \
		"$cmdline cmasticky.scenario=boot" "${STEP_TIMEOUT:-300}" || true
	if "$TOP/scripts/judge.sh" "$OUT/logs/step-$n.log" > "$OUT/logs/step-$n.judge" &&
	   grep -q "^$MARK_END""0" "$OUT/logs/step-$n.log"; then
		echo "$cmdline" > "$okdir/$key"
		printf 'PASS\tstep %d boots: %s\t%s\n' $n "$l" "$cmdline" >> "$res"
	else
		printf 'FAIL\tstep %d boots: %s\tsee out/logs/step-%d.log\n' $n "$l" $n >> "$res"
		{ echo "check: FAIL: patch $l does not boot with '$cmdline'"
		  cat "$OUT/logs/step-$n.judge"
		  sed -n 's/^BOOT: /    /p' "$OUT/logs/step-$n.log"; } >&2
	fi
done
