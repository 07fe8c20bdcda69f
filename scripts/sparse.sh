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
mapfile -t frags < <(config_frags debug)
bbld=$OUT/build/base-debug
# The base only needs configuring here (C=2 builds the objects it checks).
stamp=$(kernel_stamp "$BASESRC" "${frags[@]}")
if [ "$(cat "$bbld/.cma-kconfig" 2>/dev/null)" != "$stamp" ]; then
	KCONFIG_SKIP_RE='^(# )?CONFIG_CMA_STICKY' \
		"$TOP/scripts/kconfig.sh" "$BASESRC" "$bbld" "${frags[@]}" &&
		echo "$stamp" > "$bbld/.cma-kconfig"
fi

# One kbuild run per tree for all objects (each run walks the whole tree).
base_objs=()
for o in "$@"; do
	[ -f "$BASESRC/${o%.o}.c" ] && base_objs+=("$o")
done
kmake "$SRC" "$OUT/build/debug" C=2 CHECK=sparse "$@" > "$R/patched.log" 2>&1
if [ ${#base_objs[@]} -gt 0 ]; then
	kmake "$BASESRC" "$bbld" C=2 CHECK=sparse "${base_objs[@]}" > "$R/base.log" 2>&1
else
	: > "$R/base.log"
fi

# warnings of one source file, without line and column numbers
norm() { grep -E "^([^ ]*/)?$2:[0-9]+:[0-9]+: (warning|error):" "$1" |
	sed -E 's/^([^:]*):[0-9]+:[0-9]+:/\1:/; s|^.*/('"$2"'):|\1:|' | sort; }
for o in "$@"; do
	src=${o%.o}.c
	new=$(comm -23 <(norm "$R/patched.log" "$src" | uniq -c | awk '{$1=$1};1') \
		<(norm "$R/base.log" "$src" | uniq -c | awk '{$1=$1};1'))
	if [ -z "$new" ]; then
		printf 'PASS\tsparse: %s\t%s warnings, none new\n' "$o" \
			"$(norm "$R/patched.log" "$src" | wc -l)"
	else
		printf 'FAIL\tsparse: %s\tnew warnings (see out/check/sparse/patched.log)\n' "$o"
		echo "$new" | sed 's/^/    /' >&2
	fi
done

# Warnings located in headers, over all the objects at once (distinct
# warnings: the patched side checks more objects, e.g. the new file).
hdr() { grep -E '^[^ ]*\.h:[0-9]+:[0-9]+: (warning|error):' "$1" |
	sed -E 's/^([^:]*):[0-9]+:[0-9]+:/\1:/; s|^/[^ ]*/(include/)|\1|' | sort -u; }
new=$(comm -23 <(hdr "$R/patched.log") <(hdr "$R/base.log"))
if [ -z "$new" ]; then
	printf 'PASS\tsparse: headers\tno new warning in a header\n'
else
	printf 'FAIL\tsparse: headers\tnew warnings (see out/check/sparse/patched.log)\n'
	echo "$new" | sed 's/^/    /' >&2
fi
