#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh CONFIG [base]
# Build bzImage of out/linux (or of the pristine base with "base") with the
# named configuration (config_frags in lib.sh: run, debug, nosticky) into
# out/build/[base-]CONFIG.  Skipped when nothing it depends on changed.
. "$(dirname "$0")/lib.sh"
cfg=$1 variant=${2:-patched}
case $cfg in
run|debug|nosticky) ;;
*) die "unknown config '$cfg' (run, debug, nosticky)" ;;
esac
mapfile -t frags < <(config_frags "$cfg")

if [ "$variant" = base ]; then
	src=$BASESRC bld=$OUT/build/base-$cfg
	export KCONFIG_SKIP_RE='^(# )?CONFIG_CMA_STICKY'
else
	src=$SRC bld=$OUT/build/$cfg
fi
if ! build_kernel "$variant/$cfg" "$src" "$bld" "$OUT/logs/build-$variant-$cfg.log" "${frags[@]}"
then
	who="the pristine base"
	if [ "$variant" != base ]; then
		last=$(tail -n1 "$SRC/.git/cma-series" 2>/dev/null | cut -d' ' -f2)
		who="the series (last step: ${last:-none}, $(git -C "$SRC" log -1 --format=%s))"
	fi
	die "kernel build $variant/$cfg failed: $who; see out/logs/build-$variant-$cfg.log"
fi
