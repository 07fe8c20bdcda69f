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

# shellcheck source=../guest/markers.sh
. "$TOP/guest/markers.sh"

log()  { printf '[cma-sticky] %s\n' "$*" >&2; }
warn() { printf '[cma-sticky] WARNING: %s\n' "$*" >&2; }
die()  { printf '[cma-sticky] ERROR: %s\n' "$*" >&2; exit 1; }

# The workbench's git output (diffs, mails, file lists) must not depend on
# the user's or the system's git configuration.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

# untracked_files DIR: files in the git work tree DIR that git does not
# track, ignored ones included (Debian's .gitignore ignores the whole top
# level), but for what the selftests' Makefile generates.
untracked_files() {
	git -C "$1" ls-files --others | grep -v '^tools/testing/selftests/mm/local_config\.' || true
}

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

# What out/linux is assembled from: the base and the mails of patches/.
assemble_inputs() {
	echo "$(cat "$OUT/src/base.id") $(hash_inputs patches scripts/assemble.sh)" |
		sha256sum | cut -c1-40
}

# The files the series adds that the project keeps a top-level copy of, as
# "tree-path:project-path" (the copies are the series' final state, written
# by scripts/export.sh, never edited by hand).
export_map() {	# export_map TREE COMMIT
	git -C "$1" diff --name-only --diff-filter=A base "$2" -- mm Documentation \
		tools/testing/selftests scripts/coccinelle |
	while IFS= read -r f; do
		case $f in
		tools/testing/selftests/*) echo "$f:selftests/${f#tools/testing/selftests/}" ;;
		scripts/coccinelle/*) echo "$f:coccinelle/${f#scripts/coccinelle/}" ;;
		*) echo "$f:$f" ;;
		esac
	done
}

# config_frags NAME: the fragment files of a kernel configuration, one a
# line - the one list of which fragments make which kernel.
config_frags() {
	local f=(common)
	case $1 in
	run) f+=(run) ;;
	debug) f+=(debug) ;;
	nosticky) f+=(run nosticky) ;;
	bench) f+=(run bench) ;;
	bench-nosticky) f+=(run nosticky bench) ;;
	*) die "unknown kernel config '$1' (run, debug, nosticky, bench, bench-nosticky)" ;;
	esac
	printf "$TOP/configs/%s.config\n" "${f[@]}"
}

# kernel_stamp SRC FRAGMENT...: a hash of what a kernel build of SRC with
# these fragments depends on beyond what kbuild tracks itself: the source
# (a git tree: its HEAD tree, uncommitted changes and untracked files; the
# pristine base: its id), the fragments and the configuring scripts.  The
# one "already built" key of the workbench.
kernel_stamp() {
	local src=$1
	shift
	{
		if git -C "$src" rev-parse --git-dir >/dev/null 2>&1 &&
		   [ "$(git -C "$src" rev-parse --show-toplevel)" = "$(cd "$src" && pwd -P)" ]; then
			git -C "$src" rev-parse 'HEAD^{tree}'
			git -C "$src" diff HEAD
			untracked_files "$src" | (cd "$src" && xargs -r -d '\n' sha256sum)
		else
			cat "$OUT/src/base.id"
		fi
		cat "$@"
		hash_inputs scripts/kconfig.sh scripts/lib.sh
	} | sha256sum | cut -c1-40
}

# build_kernel NAME SRC BLD LOG FRAGMENT...: configure SRC's kernel into BLD
# (O=) from tinyconfig plus the fragments and build bzImage, log in LOG;
# nothing to do when BLD holds a bzImage of the same kernel_stamp.
# KCONFIG_SKIP_RE and KCONFIG_NOVERIFY as for kconfig.sh; BUILD_NICE=N runs
# it at that niceness.  Returns 1, with the errors on stderr, on failure.
build_kernel() {
	local name=$1 src=$2 bld=$3 blog=$4
	shift 4
	local stamp t0
	stamp=$(kernel_stamp "$src" "$@")
	if [ -f "$bld/arch/x86/boot/bzImage" ] &&
	   [ "$(cat "$bld/.cma-stamp" 2>/dev/null)" = "$stamp" ]; then
		log "build $name: up to date, kernel build skipped"
		return 0
	fi
	mkdir -p "$bld" "$(dirname "$blog")"
	rm -f "$bld/.cma-stamp"
	log "build $name: configuring"
	"$TOP/scripts/kconfig.sh" "$src" "$bld" "$@" || return 1
	log "build $name: building bzImage (log: ${blog#$TOP/})"
	t0=$(date +%s)
	if ! ( [ -z "${BUILD_NICE:-}" ] || renice -n "$BUILD_NICE" -p $BASHPID >/dev/null
	       kmake "$src" "$bld" bzImage ) > "$blog" 2>&1; then
		grep -E -B2 -A6 '(error|Error)[: ]' "$blog" | head -n 60 >&2 ||
			tail -n 40 "$blog" >&2
		return 1
	fi
	echo "$stamp" > "$bld/.cma-stamp"
	log "build $name: done in $(( $(date +%s) - t0 ))s"
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
