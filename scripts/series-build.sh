#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# series-build.sh RESULTS
# Build every intermediate step of out/linux (all commits but the last,
# which the debug and run builds cover) with the run config, so that the
# series is bisectable.  A step whose tree was built before is skipped.
. "$(dirname "$0")/lib.sh"
res=$1
wt=$OUT/series-wt bld=$OUT/build/series okdir=$OUT/build/series-ok
mkdir -p "$okdir"
frags=("$TOP/configs/common.config" "$TOP/configs/run.config")
cfgsum=$(cat "${frags[@]}" "$0" | sha256sum | cut -c1-16)
mapfile -t commits < <(git -C "$SRC" rev-list --reverse base..HEAD~1)
for c in "${commits[@]}"; do
	l=$(awk -v c="$c" '$1 == c { print $2 }' "$SRC/.git/cma-series")
	tree=$(git -C "$SRC" rev-parse "$c^{tree}")
	if [ -f "$okdir/$tree-$cfgsum" ]; then
		printf 'PASS\tbuilds on its own: %s\tbuilt before\n' "$l" >> "$res"
		continue
	fi
	# A step that only adds files no Makefile or Kconfig names yet builds
	# the very objects its parent does; the first such step's parent is
	# the pristine base.
	if [ -z "$(git -C "$SRC" diff-tree --no-commit-id --name-only -r --diff-filter=MDRT "$c")" ] &&
	   ! git -C "$SRC" diff-tree --no-commit-id --name-only -r "$c" | grep -qE '(^|/)(Makefile|Kbuild|Kconfig[^/]*)$'; then
		printf 'PASS\tbuilds on its own: %s\tonly adds files nothing builds yet\n' "$l" >> "$res"
		continue
	fi
	if [ ! -d "$wt" ]; then
		git -C "$SRC" worktree prune
		git -C "$SRC" worktree add -q --detach "$wt" "$c"
	else
		git -C "$wt" checkout -q -f --detach "$c" && git -C "$wt" clean -q -fdx
	fi
	# Options of later patches do not exist yet here: no verification.
	KCONFIG_NOVERIFY=1 "$TOP/scripts/kconfig.sh" "$wt" "$bld" "${frags[@]}"
	log "series: building step $l"
	if kmake "$wt" "$bld" bzImage > "$OUT/logs/build-series.log" 2>&1; then
		touch "$okdir/$tree-$cfgsum"
		printf 'PASS\tbuilds on its own: %s\t\n' "$l" >> "$res"
	else
		grep -E -B2 -A6 '(error|Error)[: ]' "$OUT/logs/build-series.log" | head -n 40 >&2
		printf 'FAIL\tbuilds on its own: %s\tsee out/logs/build-series.log\n' "$l" >> "$res"
		echo "check: FAIL: patch $l does not build on its own" >&2
	fi
done
