#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# sparse.sh OBJ...
# Run sparse (C=2) on the given objects of the patched debug build and of
# the base built with the same config; print a result line per object:
# PASS when the patched object has no warning the base object lacks.
# Line numbers are ignored in the comparison (patches move code).
. "$(dirname "$0")/lib.sh"
R=$OUT/check/sparse
mkdir -p "$R"
frags=("$TOP/configs/common.config" "$TOP/configs/debug.config")
bbld=$OUT/build/base-debug
if [ "$(cat "$bbld/.cma-kconfig" 2>/dev/null)" != "$(cat "${frags[@]}" | sha256sum)" ]; then
	KCONFIG_SKIP_RE='^(# )?CONFIG_CMA_STICKY' \
		"$TOP/scripts/kconfig.sh" "$BASESRC" "$bbld" "${frags[@]}" &&
		cat "${frags[@]}" | sha256sum > "$bbld/.cma-kconfig"
fi
norm() { grep -E ': (warning|error):' "$1" | sed -E 's/^([^:]*):[0-9]+:[0-9]+:/\1:/' | sort; }
for o in "$@"; do
	key=${o//\//_}
	kmake "$SRC" "$OUT/build/debug" C=2 CHECK=sparse "$o" > "$R/$key.patched" 2>&1
	if [ -f "$BASESRC/${o%.o}.c" ]; then
		kmake "$BASESRC" "$bbld" C=2 CHECK=sparse "$o" > "$R/$key.base" 2>&1
	else
		: > "$R/$key.base"
	fi
	new=$(comm -23 <(norm "$R/$key.patched" | uniq -c | awk '{$1=$1};1') \
		<(norm "$R/$key.base" | uniq -c | awk '{$1=$1};1'))
	if [ -z "$new" ]; then
		printf 'PASS\tsparse: %s\t%s warnings, as in the base\n' "$o" "$(norm "$R/$key.patched" | wc -l)"
	else
		printf 'FAIL\tsparse: %s\tnew warnings (see out/check/sparse/%s.patched)\n' "$o" "$key"
		echo "$new" | sed 's/^/    /' >&2
	fi
done
