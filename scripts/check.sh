#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: static gates on the series, the debug kernel booted with
# every test, and one closing line "N passed, N failed, N skipped" that
# counts every test case and gate.  Exits non-zero on any failure.
. "$(dirname "$0")/lib.sh"
set +e

R=$OUT/check
mkdir -p "$R"
RES=$R/results.txt
: > "$RES"

pass() { printf 'PASS\t%s\t%s\n' "$1" "${2:-}" >> "$RES"; }
fail() { printf 'FAIL\t%s\t%s\n' "$1" "${2:-}" >> "$RES"; echo "check: FAIL: $1 ${2:-}" >&2; }
skip() { printf 'SKIP\t%s\t%s\n' "$1" "${2:-}" >> "$RES"; }

summary() {
	local p f s
	p=$(grep -c '^PASS' "$RES") f=$(grep -c '^FAIL' "$RES") s=$(grep -c '^SKIP' "$RES")
	echo
	echo "==== make check: results (details in ${RES#$TOP/}) ===="
	awk -F'\t' '{ printf "  %-4s %s%s\n", $1, $2, ($3 != "" ? "  [" $3 "]" : "") }' "$RES"
	echo
	echo "$p passed, $f failed, $s skipped"
	[ "$f" = 0 ]
	exit $?
}

# ---- assemble ---------------------------------------------------------------
if ! "$TOP/scripts/assemble.sh"; then
	fail "assemble" "the series does not apply (see the message above)"
	summary
fi
pass "assemble" "$(git -C "$SRC" rev-list --count base..HEAD) commits on $(cat "$OUT/src/base.id")"
mapfile -t commits < <(git -C "$SRC" rev-list --reverse base..HEAD)
label() { # commit -> its source in the project (project-files, patches/x)
	awk -v c="$1" '$1 == c { print $2 }' "$SRC/.git/cma-series"
}

# ---- checkpatch --strict and MAINTAINERS coverage, per patch ----------------
# checkpatch's FILE_PATH_CHANGES ("does MAINTAINERS need updating?") fires
# for every added file; instead every file the series adds must be covered
# by a MAINTAINERS entry, which get_maintainer.pl checks below.
if [ ${#commits[@]} -eq 0 ]; then
	skip "checkpatch" "no patches"
fi
for c in "${commits[@]}"; do
	l=$(label "$c")
	(cd "$SRC" && git format-patch -1 --stdout "$c" > "$R/patch.tmp")
	if (cd "$SRC" && ./scripts/checkpatch.pl --strict --quiet --no-summary --show-types \
		--ignore FILE_PATH_CHANGES "$R/patch.tmp") > "$R/checkpatch.out" 2>&1; then
		pass "checkpatch --strict: $l"
	else
		fail "checkpatch --strict: $l" "$(grep -cE '^(ERROR|WARNING|CHECK)' "$R/checkpatch.out") reports"
		sed 's/^/    /' "$R/checkpatch.out" >&2
	fi
	unmaint=
	for f in $(git -C "$SRC" diff-tree --no-commit-id --name-only --diff-filter=A -r "$c"); do
		m=$(cd "$SRC" && ./scripts/get_maintainer.pl --no-git --no-git-fallback --no-rolestats \
			--no-l --no-r --no-s -f "$f" 2>/dev/null)
		[ -n "$m" ] || unmaint="$unmaint $f"
	done
	if [ -n "$unmaint" ]; then
		fail "maintainers: $l" "no MAINTAINERS entry covers:$unmaint"
	fi
done

# ---- kernel-doc: no new warnings in any file the series touches -------------
kdoc_files=$(git -C "$SRC" diff --name-only --diff-filter=AM base..HEAD -- '*.c' '*.h')
if [ -z "$kdoc_files" ]; then
	skip "kernel-doc" "no C files changed"
else
	kd_bad=
	for f in $kdoc_files; do
		now=$(cd "$SRC" && ./scripts/kernel-doc -Wall -none "$f" 2>&1 | grep -c 'warning')
		was=0
		[ -f "$BASESRC/$f" ] && was=$(cd "$BASESRC" && ./scripts/kernel-doc -Wall -none "$f" 2>&1 | grep -c 'warning')
		if [ "$now" -gt "$was" ]; then
			kd_bad="$kd_bad $f($was->$now)"
			(cd "$SRC" && ./scripts/kernel-doc -Wall -none "$f") 2>&1 | sed 's/^/    /' >&2
		fi
	done
	if [ -z "$kd_bad" ]; then pass "kernel-doc" "$(echo $kdoc_files | wc -w) files"
	else fail "kernel-doc" "new warnings:$kd_bad"; fi
fi

# ---- the debug kernel ------------------------------------------------------
debug_ok=0
if "$TOP/scripts/build.sh" debug; then
	pass "build: debug kernel"
	debug_ok=1
else
	fail "build: debug kernel" "see out/logs/build-patched-debug.log"
fi

# ---- boot the debug kernel with every test ----------------------------------
if [ $debug_ok = 1 ]; then
	if "$TOP/scripts/initramfs.sh" "$OUT/initramfs/check.cpio"; then
		# shellcheck source=/dev/null
		. "$TOP/guest/cmdline.sh"
		"$TOP/scripts/boot.sh" check "$OUT/build/debug/arch/x86/boot/bzImage" \
			"$OUT/initramfs/check.cpio" "$CHECK_CMDLINE cmasticky.scenario=check" \
			"${CHECK_TIMEOUT:-1200}"
		logf=$OUT/logs/check.log
		if "$TOP/scripts/judge.sh" "$logf" > "$R/judge.out"; then
			pass "boot: debug kernel, no kernel report" "$(tail -n1 "$logf" | sed 's/.*wall=//')"
		else
			fail "boot: debug kernel" "see ${logf#$TOP/}"
			cat "$R/judge.out" >&2
		fi

		# KUnit: the kernel's part of the log, parsed by the tree's kunit.py.
		awk '/^CMA-STICKY: BEGIN/ { exit } { print }' "$logf" > "$R/kernel.log"
		if grep -q 'KTAP version' "$R/kernel.log"; then
			python3 "$SRC/tools/testing/kunit/kunit.py" parse --json="$R/kunit.json" \
				"$R/kernel.log" > "$R/kunit.out" 2>&1
			sed -n '/====/,$p' "$R/kunit.out" | tail -n 30 >&2
			if [ -s "$R/kunit.json" ]; then
				python3 "$TOP/scripts/results.py" kunit "$R/kunit.json" >> "$RES"
			else
				fail "kunit: parse" "kunit.py could not parse the log"
			fi
		elif grep -qE '^CONFIG_.*KUNIT_TEST=y' "$OUT/build/debug/.config"; then
			fail "kunit" "KUnit tests are configured but none reported"
		fi

		# kselftests: the guest's KSELFTEST section.
		sed -n '/^CMA-STICKY: KSELFTEST BEGIN/,/^CMA-STICKY: KSELFTEST END/p' "$logf" \
			> "$R/kselftest.log"
		python3 "$TOP/scripts/results.py" kselftest "$R/kselftest.log" >> "$RES"
	else
		fail "initramfs" "the selftests do not build"
	fi
else
	skip "boot" "no debug kernel"
fi

# The slower gates after the tests, so that a broken kernel shows first.
# ---- every patch builds on its own ------------------------------------------
if [ ${#commits[@]} -gt 1 ]; then
	"$TOP/scripts/series-build.sh" "$RES"
else
	skip "series bisectability" "fewer than two commits"
fi

# ---- sparse: no new warnings on the objects the series touches --------------
objs=()
for f in $(git -C "$SRC" diff --name-only --diff-filter=AM base..HEAD -- '*.c'); do
	[ -f "$OUT/build/debug/${f%.c}.o" ] && objs+=("${f%.c}.o")
done
if [ $debug_ok = 0 ]; then
	skip "sparse" "no debug build"
elif [ ${#objs[@]} -eq 0 ]; then
	skip "sparse" "the series changes no compiled C file"
else
	"$TOP/scripts/sparse.sh" "${objs[@]}" >> "$RES"
fi

# ---- CONFIG_CMA_STICKY=n build ---------------------------------------------
if grep -q '^config CMA_STICKY$' "$SRC/mm/Kconfig" 2>/dev/null; then
	if "$TOP/scripts/build.sh" nosticky; then
		pass "build: CONFIG_CMA_STICKY=n"
	else
		fail "build: CONFIG_CMA_STICKY=n" "see out/logs/build-patched-nosticky.log"
	fi
else
	skip "build: CONFIG_CMA_STICKY=n" "the series has no CMA_STICKY option yet"
fi

summary
