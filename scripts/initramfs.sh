#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# initramfs.sh OUTPUT.cpio
# Build the guest initramfs: busybox-static, /init, the scenarios, and every
# selftest of the project compiled static from its place in out/linux.
. "$(dirname "$0")/lib.sh"
cpio_out=$1
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,tests,scenarios,etc}
bb=$(command -v busybox || true)
[ -n "$bb" ] && file -L "$bb" 2>/dev/null | grep -q 'statically linked' || bb=/bin/busybox
[ -x "$bb" ] || die "busybox-static is not installed"
cp "$bb" "$stage/bin/busybox"
cp "$TOP/guest/init" "$stage/init"
cp "$TOP/guest/scenarios/"*.sh "$stage/scenarios/"

mkdir -p "$OUT/tests"
if [ -d "$TOP/selftests" ]; then
	while IFS= read -r -d '' f; do
		rel=${f#"$TOP"/selftests/}
		insrc=$SRC/tools/testing/selftests/$rel
		[ -f "$insrc" ] || die "selftests/$rel is not in out/linux (assemble first)"
		bin=$OUT/tests/$(basename "${rel%.c}")
		if true; then  # always: the tree keeps project files' own mtimes
			gcc -static -O2 -g -Wall -Werror "${REPRO_CFLAGS[@]}" -I"$(dirname "$insrc")" \
				-I"$SRC/tools/testing/selftests" -I"$SRC/tools/include/uapi" \
				-o "$bin" "$insrc" -lpthread ||
				die "selftest selftests/$rel does not compile"
		fi
		cp "$bin" "$stage/tests/"
	done < <(find "$TOP/selftests" -name '*.c' -print0 | sort -z)
fi

mkdir -p "$(dirname "$cpio_out")"
repro_cpio "$stage" > "$cpio_out.tmp"
mv "$cpio_out.tmp" "$cpio_out"
