# SPDX-License-Identifier: GPL-2.0
# Common settings for the cma-sticky workbench scripts.  Sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$TOP/out}
SRC=$OUT/linux                 # assembled tree: git repo, base + series
BASESRC=$OUT/src/base          # pristine base tree (read only by convention)
ARCH=x86_64
JOBS=${JOBS:-$(nproc)}
export ARCH

# Reproducible kernel builds: the benchmark compares images byte for byte
# and icount figures depend on the exact code.
export KBUILD_BUILD_TIMESTAMP='2024-11-17 00:00:00 UTC'
export KBUILD_BUILD_USER=cma-sticky
export KBUILD_BUILD_HOST=workbench
export KBUILD_BUILD_VERSION=1

# Fixed identities for the commits of out/linux, so that an unchanged
# input gives the same commit ids every time.
export GIT_AUTHOR_NAME="cma-sticky workbench" GIT_AUTHOR_EMAIL="workbench@cma-sticky.invalid"
export GIT_COMMITTER_NAME="cma-sticky workbench" GIT_COMMITTER_EMAIL="workbench@cma-sticky.invalid"
export GIT_AUTHOR_DATE="2024-11-17T00:00:00Z" GIT_COMMITTER_DATE="2024-11-17T00:00:00Z"

# The same guest bytes from any clone: the benchmark's guest-instruction
# figures depend on every byte the guest executes or unpacks.  No absolute
# path in what gcc builds for the guest, and archives with fixed inode
# numbers and mtimes (the kernel's initramfs unpacker hashes inode numbers).
REPRO_CFLAGS=(-ffile-prefix-map="$OUT"=out -ffile-prefix-map="$TOP"=.)
repro_cpio() {	# repro_cpio DIR > ARCHIVE
	(cd "$1" && find . -exec touch -h -d "$KBUILD_BUILD_TIMESTAMP" {} + &&
		find . | LC_ALL=C sort |
		cpio -o -H newc --owner 0:0 --reproducible --quiet)
}

log()  { printf '[cma-sticky] %s\n' "$*" >&2; }
warn() { printf '[cma-sticky] WARNING: %s\n' "$*" >&2; }
die()  { printf '[cma-sticky] ERROR: %s\n' "$*" >&2; exit 1; }

# sha256 of a list of files/dirs (content and relative names), stable order.
hash_inputs() {
	local p
	for p in "$@"; do
		if [ -d "$TOP/$p" ]; then
			(cd "$TOP" && find "$p" -type f ! -name '*~' -print0 | sort -z |
				xargs -0r sha256sum)
		elif [ -f "$TOP/$p" ]; then
			(cd "$TOP" && sha256sum "$p")
		else
			echo "absent $p"
		fi
	done | sha256sum | cut -d' ' -f1
}

kmake() {
	# kmake SRCDIR BUILDDIR args...
	local src=$1 bld=$2
	shift 2
	local cc=gcc
	if command -v ccache >/dev/null 2>&1 && [ "${NO_CCACHE:-0}" != 1 ]; then
		cc="ccache gcc"
	fi
	make -C "$src" O="$bld" ARCH=$ARCH CC="$cc" HOSTCC="$cc" -j"$JOBS" "$@"
}
