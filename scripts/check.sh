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
# What is tested below is out/linux: it must be what patches/ says.
if [ "$(git -C "$SRC" rev-parse HEAD)" = "$(cat "$SRC/.git/cma-head" 2>/dev/null)" ] &&
   git -C "$SRC" diff --quiet HEAD -- && [ -z "$(untracked_files "$SRC")" ]; then
	pass "out/linux = patches/"
else
	fail "out/linux = patches/" "out/linux has work patches/ lacks: 'make export'"
fi
mapfile -t commits < <(git -C "$SRC" rev-list --reverse base..HEAD)
label() { # commit -> its mail in patches/
	awk -v c="$1" '$1 == c { print $2 }' "$SRC/.git/cma-series"
}

# ---- the top-level copies are what the series produces --------------------
if "$TOP/scripts/export.sh" --check > "$R/export.out" 2>&1; then
	pass "export: top-level copies = the series' final state" \
		"$(export_map "$SRC" HEAD | wc -l) files + include/linux/mmzone.h.patch"
else
	fail "export: top-level copies differ from the series" "see below; 'make export'"
	cat "$R/export.out" >&2
fi

# ---- the mails of `make series` apply with git am on a clean base -----------
mails=$R/mails am_wt=$R/am-wt
rm -rf "$mails" && mkdir -p "$mails"
git -C "$SRC" worktree remove -f "$am_wt" >/dev/null 2>&1 || rm -rf "$am_wt"
git -C "$SRC" worktree prune
git -C "$SRC" format-patch -q --cover-letter -o "$mails" base..HEAD
git -C "$SRC" worktree add -q --detach "$am_wt" base
am_list=()
for m in "$mails"/*.patch; do
	[ "${m##*/}" = 0000-cover-letter.patch ] || am_list+=("$m")
done
if (cd "$am_wt" && git am -q "${am_list[@]}") > "$R/am.out" 2>&1 &&
   [ "$(git -C "$am_wt" rev-parse 'HEAD^{tree}')" = "$(git -C "$SRC" rev-parse 'HEAD^{tree}')" ]
then
	pass "git am: make series mails on a clean $(sed 's/.*=//' "$OUT/src/base.id")" \
		"${#am_list[@]} mails, the same tree as out/linux"
else
	fail "git am: make series mails on a clean base" "see $R/am.out"
	cat "$R/am.out" >&2
fi
git -C "$SRC" worktree remove -f "$am_wt" >/dev/null 2>&1 || true

# ---- the series' selftests, as upstream's mm selftests build and run them ---
# Each test program the series adds is built by tools/testing/selftests/mm's
# Makefile and has a run_test line in its run_vmtests.sh.
st_bad='' st_n=0
for f in $(git -C "$SRC" diff --name-only --diff-filter=A base HEAD -- \
	'tools/testing/selftests/mm/*.c'); do
	t=$(basename "${f%.c}") st_n=$((st_n + 1))
	mkdir -p "$R/selftests"
	make -s -C "$SRC/tools/testing/selftests/mm" OUTPUT="$R/selftests" "$R/selftests/$t" \
		> "$R/selftests.log" 2>&1 || st_bad="$st_bad $t(build)"
	grep -qE "^TEST_GEN_FILES \+?= $t\$" "$SRC/tools/testing/selftests/mm/Makefile" ||
		st_bad="$st_bad $t(Makefile)"
	grep -qE "run_test \./$t( |\$)" "$SRC/tools/testing/selftests/mm/run_vmtests.sh" ||
		st_bad="$st_bad $t(run_vmtests.sh)"
	grep -qxF "$t" "$SRC/tools/testing/selftests/mm/.gitignore" ||
		st_bad="$st_bad $t(.gitignore)"
done
if [ -z "$st_bad" ]; then
	pass "selftests: upstream mm Makefile and run_vmtests.sh" "$st_n programs"
else
	fail "selftests: upstream mm Makefile and run_vmtests.sh" "missing:$st_bad"
fi

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
	# Debian's python3 first: checkpatch's SPDX check (spdxcheck.py) needs
	# its python3-ply and python3-git, which another python3 may lack.
	if (cd "$SRC" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict --quiet \
		--no-summary --show-types --ignore FILE_PATH_CHANGES "$R/patch.tmp") \
		> "$R/checkpatch.out" 2>&1; then
		pass "checkpatch --strict: $l"
	else
		n=$(grep -cE '^(ERROR|WARNING|CHECK)' "$R/checkpatch.out")
		fail "checkpatch --strict: $l" "$n reports"
		sed 's/^/    /' "$R/checkpatch.out" >&2
	fi
	unmaint=
	added=$(git -C "$SRC" diff-tree --no-commit-id --name-only --diff-filter=A -r "$c")
	for f in $added; do
		m=$(cd "$SRC" && ./scripts/get_maintainer.pl --no-git --no-git-fallback \
			--no-rolestats --no-l --no-r --no-s -f "$f" 2>/dev/null)
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
		[ -f "$BASESRC/$f" ] &&
			was=$(cd "$BASESRC" && ./scripts/kernel-doc -Wall -none "$f" 2>&1 |
			      grep -c 'warning')
		if [ "$now" -gt "$was" ]; then
			kd_bad="$kd_bad $f($was->$now)"
			(cd "$SRC" && ./scripts/kernel-doc -Wall -none "$f") 2>&1 |
				sed 's/^/    /' >&2
		fi
	done
	if [ -z "$kd_bad" ]; then pass "kernel-doc" "$(echo $kdoc_files | wc -w) files"
	else fail "kernel-doc" "new warnings:$kd_bad"; fi
fi

# ---- the bench report's unit test, on a stored run (bench/testdata/) -------
if (cd "$TOP/scripts" && python3 -m unittest benchreport.test_report) > "$R/bench-report-test.out" 2>&1; then
	pass "bench report unit test" "$(tail -n 3 "$R/bench-report-test.out" | grep -o 'Ran [0-9]* tests')"
else
	fail "bench report unit test" "see ${R#$TOP/}/bench-report-test.out"
	tail -n 20 "$R/bench-report-test.out" >&2
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
			pass "boot: debug kernel, no kernel report" \
				"$(tail -n1 "$logf" | sed 's/.*wall=//')"
		else
			fail "boot: debug kernel" "see ${logf#$TOP/}"
			cat "$R/judge.out" >&2
		fi

		# KUnit: the kernel's part of the log, parsed by the tree's kunit.py.
		awk -v m="$MARK_BEGIN" 'index($0, m) == 1 { exit } { print }' "$logf" \
			> "$R/kernel.log"
		if grep -q 'KTAP version' "$R/kernel.log"; then
			python3 "$SRC/tools/testing/kunit/kunit.py" parse --json="$R/kunit.json" \
				"$R/kernel.log" > "$R/kunit.out" 2>&1
			sed -n '/====/,$p' "$R/kunit.out" | tail -n 30 >&2
			if [ -s "$R/kunit.json" ]; then
				python3 "$TOP/scripts/results.py" kunit "$R/kunit.json" >> "$RES" ||
				fail "kunit: results" "results.py exited $?"
			else
				fail "kunit: parse" "kunit.py could not parse the log"
			fi
		elif grep -qE '^CONFIG_.*KUNIT_TEST=y' "$OUT/build/debug/.config"; then
			fail "kunit" "KUnit tests are configured but none reported"
		fi

		# kselftests: the guest's KSELFTEST section.
		sed -n "/^$MARK_KST_BEGIN/,/^$MARK_KST_END/p" "$logf" \
			> "$R/kselftest.log"
		# kernel messages interleaved with the programs' output are not KTAP
		grep -vE '^\[ *[0-9]+\.[0-9]+\]' "$R/kselftest.log" > "$R/kselftest.ktap"
		krc=0
		python3 "$SRC/tools/testing/kunit/kunit.py" parse --json="$R/kselftest.json" \
			"$R/kselftest.ktap" > "$R/kselftest.out" 2>&1 || krc=$?
		sed -n "s/^$MARK_EXIT//p" "$R/kselftest.log" > "$R/kselftest.exits"
		if [ -s "$R/kselftest.json" ]; then
			python3 "$TOP/scripts/results.py" kselftest "$R/kselftest.json" $krc \
				"$R/kselftest.exits" >> "$RES" ||
				fail "kselftest: results" "results.py exited $?"
		else
			fail "kselftest: parse" "kunit.py could not parse the selftests' output"
		fi
	else
		fail "initramfs" "the selftests do not build"
	fi
else
	skip "boot" "no debug kernel"
fi

# ---- free page reporting, in a boot of its own (guest/cmdline.sh) ----------
if [ $debug_ok = 1 ] && [ -s "$OUT/initramfs/check.cpio" ]; then
	# shellcheck source=/dev/null
	. "$TOP/guest/cmdline.sh"
	QEMU_EXTRA="$REPORTING_QEMU" "$TOP/scripts/boot.sh" check-reporting \
		"$OUT/build/debug/arch/x86/boot/bzImage" "$OUT/initramfs/check.cpio" \
		"$REPORTING_CMDLINE" "${CHECK_TIMEOUT:-1200}"
	logf=$OUT/logs/check-reporting.log
	line=$(grep -a '^REPORTING: ' "$logf" | tail -n1 | tr -d '\r')
	if "$TOP/scripts/judge.sh" "$logf" > "$R/judge-reporting.out" &&
		[ "$line" = "REPORTING: cma_walkers_test exit 0, checker 0" ]; then
		pass "boot: free page reporting (virtio-balloon), no region page reported" \
			"$(grep -a 'free blocks reported' "$logf" | tail -n1 | tr -d '\r' | sed 's/.*free_page_reporting://')"
	else
		fail "boot: free page reporting" "${line:-no result}; see ${logf#$TOP/}"
		cat "$R/judge-reporting.out" >&2
	fi
fi

# ---- Coccinelle: every rule on its corpus, then the audit of the tree -------
if [ -d "$SRC/scripts/coccinelle/mm" ]; then
	"$TOP/scripts/cocci.sh" corpus "$RES"
	"$TOP/scripts/cocci.sh" audit "$RES"
else
	skip "coccinelle" "the series has no scripts/coccinelle/mm"
fi

# ---- the KUnit suites on their own, the standard way ----------------------
# kunit.py run with the series' .kunitconfig and its own build: the config
# fragment must be enough, and every case must run (none skipped).
kcfg=$(git -C "$SRC" diff --name-only --diff-filter=A base HEAD -- '*.kunitconfig' | head -n1)
if [ -z "$kcfg" ]; then
	skip "kunit.py run" "the series has no .kunitconfig"
else
	# shellcheck source=/dev/null
	. "$TOP/guest/cmdline.sh"
	cc=gcc
	command -v ccache >/dev/null 2>&1 && cc="ccache gcc"
	(cd "$SRC" && python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
		--kunitconfig="$kcfg" --build_dir="$OUT/build/kunit" --jobs="$JOBS" \
		--make_options "CC=$cc" --kernel_args="$KUNIT_RUN_ARGS") > "$R/kunit-run.out" 2>&1
	ran=$(grep -o 'Ran [0-9]* tests: .*' "$R/kunit-run.out" | tail -n1)
	if [[ $ran =~ ^Ran\ ([0-9]+)\ tests:\ passed:\ ([0-9]+)$ ]] &&
	   [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
		pass "kunit.py run --kunitconfig=$kcfg" "$ran"
	else
		fail "kunit.py run --kunitconfig=$kcfg" \
			"${ran:-no result}; see ${R#$TOP/}/kunit-run.out"
		tail -n 30 "$R/kunit-run.out" >&2
	fi
fi

# The slower gates after the tests, so that a broken kernel shows first.
# ---- every step builds and boots on its own -------------------------------
if [ ${#commits[@]} -gt 0 ]; then
	"$TOP/scripts/series-build.sh" "$RES" ||
		fail "series steps" "series-build.sh exited $? before every step had a result"
else
	skip "series bisectability" "no commits"
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
	"$TOP/scripts/sparse.sh" "${objs[@]}" >> "$RES" ||
		fail "sparse" "sparse.sh exited $?"
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
