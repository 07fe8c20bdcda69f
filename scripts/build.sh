#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build.sh CONFIG [base]
# Build bzImage of out/linux (or of the pristine base with "base") with the
# named config (run, debug or nosticky) into out/build/[base-]CONFIG.
# Skipped when neither the tree nor the config fragments changed.
. "$(dirname "$0")/lib.sh"
cfg=$1 variant=${2:-patched}

frags=("$TOP/configs/common.config")
case $cfg in
run|debug) frags+=("$TOP/configs/$cfg.config") ;;
nosticky)  frags+=("$TOP/configs/run.config" "$TOP/configs/nosticky.config") ;;
*) die "unknown config '$cfg' (run, debug, nosticky)" ;;
esac

if [ "$variant" = base ]; then
	src=$BASESRC bld=$OUT/build/base-$cfg
	tree="base:$(cat "$OUT/src/base.id")"
else
	src=$SRC bld=$OUT/build/$cfg
	tree="tree:$(git -C "$SRC" rev-parse HEAD^{tree})"
fi
stamp=$(echo "$tree $(cat "${frags[@]}" | sha256sum) $(hash_inputs scripts/build.sh scripts/kconfig.sh scripts/lib.sh)" |
	sha256sum | cut -c1-40)
if [ -f "$bld/arch/x86/boot/bzImage" ] && [ "$(cat "$bld/.cma-stamp" 2>/dev/null)" = "$stamp" ]; then
	log "build $variant/$cfg: up to date, kernel build skipped"
	exit 0
fi

mkdir -p "$OUT/logs"
blog=$OUT/logs/build-$variant-$cfg.log
rm -f "$bld/.cma-stamp"
log "build $variant/$cfg: configuring"
skip_re='^$'
[ "$variant" = base ] && skip_re='^(# )?CONFIG_CMA_STICKY'
KCONFIG_SKIP_RE=$skip_re "$TOP/scripts/kconfig.sh" "$src" "$bld" "${frags[@]}"
log "build $variant/$cfg: building bzImage (log: ${blog#$TOP/})"
start=$(date +%s)
if ! kmake "$src" "$bld" bzImage >"$blog" 2>&1; then
	grep -E -B2 -A6 '(error|Error)[: ]' "$blog" | head -n 60 >&2 || tail -n 40 "$blog" >&2
	who="the pristine base"
	if [ "$variant" != base ]; then
		last=$(tail -n1 "$SRC/.git/cma-series" 2>/dev/null | cut -d' ' -f2)
		who="the series (last step: ${last:-none}, $(git -C "$SRC" log -1 --format=%s))"
	fi
	die "kernel build $variant/$cfg failed: $who; see $blog"
fi
echo "$stamp" > "$bld/.cma-stamp"
log "build $variant/$cfg: done in $(( $(date +%s) - start ))s"
