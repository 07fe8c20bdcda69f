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

# The demo's helpers (guest/tools/*.c, workbench code, not the series').
for src in "$TOP"/guest/tools/*.c; do
	[ -e "$src" ] || continue
	gcc -static -O2 -Wall -Werror "${REPRO_CFLAGS[@]}" \
		-o "$stage/bin/$(basename "${src%.c}")" "$src" ||
		die "guest tool $src does not compile"
done

# Independent clients, unchanged from the base tree and built against its
# exported UAPI headers only: the regions' dma-buf heaps must serve them as
# the upstream heaps do.
UPSTREAM_CLIENTS="tools/testing/selftests/dmabuf-heaps/dmabuf-heap.c"
if [ "${NO_TESTS:-0}" != 1 ]; then
	make -s -C "$SRC" O="$OUT/khdr/build" headers_install \
		INSTALL_HDR_PATH="$OUT/khdr" >/dev/null ||
		die "headers_install of out/linux failed"
	for rel in $UPSTREAM_CLIENTS; do
		git -C "$SRC" diff --quiet base HEAD -- "$rel" ||
			die "$rel differs from the base: not an independent client"
		bin=$OUT/tests/$(basename "${rel%.c}")
		gcc -static -O2 -g -Wall "${REPRO_CFLAGS[@]}" \
			-I"$SRC/tools/testing/selftests" -isystem "$OUT/khdr/include" \
			-o "$bin" "$SRC/$rel" || die "upstream client $rel does not compile"
		cp "$bin" "$stage/tests/"
	done
fi

mkdir -p "$(dirname "$cpio_out")"
repro_cpio "$stage" > "$cpio_out.tmp"
mv "$cpio_out.tmp" "$cpio_out"
