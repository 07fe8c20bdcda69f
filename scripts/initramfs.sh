#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# initramfs.sh OUTPUT.cpio
# Build the guest initramfs: busybox-static, /init, the scenarios, and every
# selftest the series adds, compiled static from out/linux.
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
cp "$TOP/guest/markers.sh" "$stage/markers.sh"
cp "$TOP/guest/scenarios/"*.sh "$stage/scenarios/"

# The selftests the series adds, compiled static from out/linux
# (NO_TESTS=1: none, for the per-step boot gate).
mkdir -p "$OUT/tests"
[ "${NO_TESTS:-0}" = 1 ] ||
git -C "$SRC" diff --name-only --diff-filter=A base HEAD -- 'tools/testing/selftests/*.c' |
while IFS= read -r rel; do
	insrc=$SRC/$rel
	bin=$OUT/tests/$(basename "${rel%.c}")
	gcc -static -O2 -g -Wall -Werror "${REPRO_CFLAGS[@]}" -I"$(dirname "$insrc")" \
		-I"$SRC/tools/testing/selftests" -I"$SRC/tools/include/uapi" \
		-o "$bin" "$insrc" -lpthread || die "selftest $rel does not compile"
	cp "$bin" "$stage/tests/"
done

mkdir -p "$(dirname "$cpio_out")"
repro_cpio "$stage" > "$cpio_out.tmp"
mv "$cpio_out.tmp" "$cpio_out"
